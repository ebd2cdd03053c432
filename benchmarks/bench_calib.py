"""Calibration: ours vs OpenCV's raw pipeline on the same images (time and accuracy).

* board detection per view (ours: classic/SB + X-junction model fit; peer: findChessboardCorners
  + cornerSubPix 5x5), accuracy = corner RMS error vs ground truth;
* full calibration on the 14 committed rendered views (peer: + calibrateCamera), accuracy =
  projection difference to the true camera over the image and focal error;
* undistorting 10k points on a wide lens (peer: cv2.undistortPoints), accuracy = max error.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from _common import Row, median_ms

ROOT = Path(__file__).resolve().parents[1]


def _opencv_detect(gray, board):
    from metrology.calib.board import _canonical_order

    ok, c = cv2.findChessboardCorners(gray, board.pattern_size)
    c = cv2.cornerSubPix(gray, c, (5, 5), (-1, -1),
                         (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-3))
    return _canonical_order(c.reshape(-1, 2), board.cols, board.rows)


def run(quick: bool = False) -> list[Row]:
    from metrology.calib import (CameraModel, Checkerboard, calibrate, detect_board,
                                 projection_difference)

    doc = json.loads((ROOT / "calib_images" / "ground_truth.json").read_text())
    b = doc["board"]
    board = Checkerboard(b["cols"], b["rows"], b["square_mm"])
    true = CameraModel.from_dict(doc["camera"])
    files = [ROOT / "calib_images" / v["file"] for v in doc["views"]][:14]
    truth = [np.array(v["corners_xy"]) for v in doc["views"]][:14]
    grays = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]
    rows = []

    # --- detection
    rep = 1 if quick else 3
    ours_ms = median_ms(lambda: detect_board(grays[0], board), repeat=rep)
    peer_ms = median_ms(lambda: _opencv_detect(grays[0], board), repeat=rep)
    e_ours = np.concatenate([detect_board(g, board).corners_xy - t for g, t in zip(grays, truth)])
    e_peer = np.concatenate([_opencv_detect(g, board) - t for g, t in zip(grays, truth)])
    rms = lambda e: float(np.sqrt(np.mean(np.sum(e ** 2, 1))))  # noqa: E731
    rows.append(Row("calib detect_board 1024x768 9x6", ours_ms, "cv2 findCB+cornerSubPix5",
                    peer_ms, f"corner RMS ours {rms(e_ours):.4f} px, peer {rms(e_peer):.4f} px"))

    # --- calibration
    cal = {}

    def ours():
        cal["c"] = calibrate([str(f) for f in files], board, holdout=False)

    def peer():
        objs = [board.object_points().astype(np.float32)] * len(grays)
        pts = [_opencv_detect(g, board).astype(np.float32).reshape(-1, 1, 2) for g in grays]
        r = cv2.calibrateCamera(objs, pts, true.image_size, None, None)
        cal["p"] = CameraModel(r[1], r[2].ravel(), true.image_size)

    rep = 1 if quick else 3
    ours_ms = median_ms(ours, repeat=rep, warmup=0)
    peer_ms = median_ms(peer, repeat=rep, warmup=0)
    d_ours = projection_difference(cal["c"].camera, true)
    d_peer = projection_difference(cal["p"], true)
    g_ours = projection_difference(cal["c"].camera, true, compensate_rotation=True)["rms_px"]
    g_peer = projection_difference(cal["p"], true, compensate_rotation=True)["rms_px"]
    rows.append(Row("calib calibrate 14 views (no hold-out)", ours_ms, "cv2 classic pipeline",
                    peer_ms, f"proj diff RMS ours {d_ours['rms_px']:.3f} px (max "
                             f"{d_ours['max_px']:.3f}), peer {d_peer['rms_px']:.3f} px (max "
                             f"{d_peer['max_px']:.3f}); gauge-free ours {g_ours:.3f}, peer "
                             f"{g_peer:.3f} px; focal err ours "
                             f"{abs(cal['c'].camera.fx / true.fx - 1) * 100:.4f} %, peer "
                             f"{abs(cal['p'].fx / true.fx - 1) * 100:.4f} %"))

    # --- undistort points on a wide lens
    wide = CameraModel([[1157.0, 0, 667.0], [0, 1152.0, 386.0], [0, 0, 1]],
                       [-0.2466, -0.0237, -0.0011, 0.0002, 0.0292], (1280, 720))
    g = np.stack(np.meshgrid(np.linspace(0, 1279, 125), np.linspace(0, 719, 80)), -1)
    g = g.reshape(-1, 2)
    ref = wide.undistort_points(g)
    ours_ms = median_ms(lambda: wide.undistort_points(g), repeat=3 if quick else 7)
    peer_ms = median_ms(lambda: cv2.undistortPoints(g.reshape(-1, 1, 2), wide.K, wide.dist,
                                                    P=wide.K), repeat=3 if quick else 7)
    cvp = cv2.undistortPoints(g.reshape(-1, 1, 2), wide.K, wide.dist, P=wide.K).reshape(-1, 2)
    e_ours = np.abs(wide.distort_points(ref) - g).max()
    e_peer = np.linalg.norm(cvp - ref, axis=1).max()
    rows.append(Row("calib undistort_points 10k wide lens", ours_ms, "cv2.undistortPoints",
                    peer_ms, f"max err ours {e_ours:.1e} px, peer {e_peer:.2f} px"))
    return rows


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    for r in run(quick="--quick" in sys.argv):
        print(r)
