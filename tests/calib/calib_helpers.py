"""Helpers shared by the calibration tests: OpenCV's classic pipeline as the peer."""

from __future__ import annotations

import cv2
import numpy as np

from metrology.calib import CameraModel


def opencv_classic(files, board, size, win=5):
    """OpenCV's classic pipeline: findChessboardCorners + cornerSubPix + calibrateCamera.

    Returns (camera, corners per file in our order, rms)."""
    from metrology.calib.board import _canonical_order

    objs, imgs, corners = [], [], []
    for f in files:
        g = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
        ok, c = cv2.findChessboardCorners(g, board.pattern_size)
        assert ok, f"OpenCV classic detector missed {f}"
        c = cv2.cornerSubPix(g, c, (win, win), (-1, -1),
                             (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-3))
        c = _canonical_order(c.reshape(-1, 2), board.cols, board.rows)
        corners.append(c)
        objs.append(board.object_points().astype(np.float32))
        imgs.append(c.astype(np.float32).reshape(-1, 1, 2))
    rms, K, d, _, _ = cv2.calibrateCamera(objs, imgs, size, None, None)
    return CameraModel(K, d.ravel(), size), corners, rms
