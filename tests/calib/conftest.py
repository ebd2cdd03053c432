"""Shared, cached calibration fixtures (calibration on 14 views is the expensive part)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from metrology.calib import CameraModel, Checkerboard, calibrate

ROOT = Path(__file__).resolve().parents[2]
CALIB_DIR = ROOT / "calib_images"


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


@pytest.fixture(scope="session")
def ground_truth():
    doc = json.loads((CALIB_DIR / "ground_truth.json").read_text())
    b = doc["board"]
    board = Checkerboard(b["cols"], b["rows"], b["square_mm"])
    cam = CameraModel.from_dict(doc["camera"])
    files = [CALIB_DIR / v["file"] for v in doc["views"]]
    truth = [np.array(v["corners_xy"]) for v in doc["views"]]
    return {"board": board, "camera": cam, "files": files, "truth": truth, "doc": doc}


@pytest.fixture(scope="session")
def cal14(ground_truth):
    """Our calibration on the first 14 committed views (the brief's 14-view set)."""
    return calibrate([str(f) for f in ground_truth["files"][:14]], ground_truth["board"])


@pytest.fixture(scope="session")
def cv14(ground_truth):
    """OpenCV's classic pipeline on the same 14 views."""
    return opencv_classic(ground_truth["files"][:14], ground_truth["board"],
                          ground_truth["camera"].image_size)
