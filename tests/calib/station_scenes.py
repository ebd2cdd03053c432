"""Rendered stations shared by the station tests (issue 17), cached for the test session.

Renders are small (320x240 / 400x300, supersample 3) so the default suite stays light on a
shared machine; the slow sweeps (``--runslow``) use more views and seeds.
"""

from __future__ import annotations

import functools

import numpy as np

from metrology.calib import CameraModel, Checkerboard
from metrology.calib.targets import CharucoBoard, MarkerCheckerboard
from metrology.synth.stations import telecentric_camera, two_camera_rig
from metrology.synth.targets import TargetLook, render_target, target_poses

SS = 3  # supersample of the test renders: edges are exact at any value (footprint average)

#: the calib_images lens (k1 -0.21, k2 0.14, k3 -0.05) on a 320x240 sensor
PINHOLE = CameraModel([[330.0, 0, 161.1], [0, 330.0, 118.7], [0, 0, 1]],
                      [-0.21, 0.14, 4e-4, -3e-4, -0.05], (320, 240))
FULL_BOARD = Checkerboard(9, 6, 20.0)
CHARUCO = CharucoBoard(13, 10, 24.0, 16.8)  # ~32 px squares, 5 px margins at 320x240
MARKER_BOARD = MarkerCheckerboard(21, 15, 15.0)
TELE = telecentric_camera((320, 240), mm_per_px=0.08)
TELE_BOARD = Checkerboard(11, 8, 1.5)
#: a ChArUco board larger than the telecentric field (30 px squares), for partial views that
#: reach the image corners
TELE_CHARUCO = CharucoBoard(13, 10, 2.4, 1.68)


def look(rng: np.random.Generator) -> TargetLook:
    return TargetLook(blur_px=float(rng.uniform(0.6, 1.0)),
                      noise_sigma=float(rng.uniform(1.0, 2.5)))


@functools.lru_cache(maxsize=None)
def views(kind: str, n: int, seed: int) -> tuple[list[np.ndarray], list[tuple]]:
    """``n`` rendered views of one of the station scenes (cached for the session): images
    and their true poses.

    kind: ``"full"`` (9x6 checkerboard, whole board in view), ``"charuco"`` / ``"marker"``
    (boards larger than the image aimed at its corners), ``"tele"`` (telecentric camera,
    whole 11x8 checkerboard in view), ``"tele_charuco"`` (telecentric camera, ChArUco board
    larger than the image aimed at its corners)."""
    cam, board, reach = {"full": (PINHOLE, FULL_BOARD, "full"),
                         "charuco": (PINHOLE, CHARUCO, "corners"),
                         "marker": (PINHOLE, MARKER_BOARD, "corners"),
                         "tele": (TELE, TELE_BOARD, "full"),
                         "tele_charuco": (TELE, TELE_CHARUCO, "corners")}[kind]
    poses = target_poses(cam, board, n, reach=reach, rng=seed)
    rng = np.random.default_rng(seed + 1000)
    imgs = [render_target(cam, board, rv, tv, look=look(rng), supersample=SS, rng=rng).image
            for rv, tv in poses]
    return imgs, poses


RIG_CAMERAS, RIG_T_B_A = two_camera_rig((400, 300), baseline_mm=80.0, toe_in_deg=4.0,
                                        fx=500.0)
RIG_BOARD = CharucoBoard(8, 6, 25.0, 18.0)  # 40 px squares at 300 mm


def rig_scene_poses(n: int, seed: int) -> list[np.ndarray]:
    """Board poses ``T_A_board`` (4x4) in front of both cameras of the rendered rig."""
    from metrology.calib.rig import pose_matrix

    rng = np.random.default_rng(seed)
    sq = RIG_BOARD.square_mm
    c = np.array([(RIG_BOARD.cols - 1) * sq / 2, (RIG_BOARD.rows - 1) * sq / 2, 0.0])
    out = []
    for _ in range(n):
        ax, ay, az = np.radians(rng.uniform(-30, 30, 3) * [1, 1, 0.5])
        R = pose_matrix([ax, ay, az], [0, 0, 0])[:3, :3]
        centre = np.array([40.0 + rng.uniform(-60, 60), rng.uniform(-40, 40),
                           rng.uniform(260, 340)])
        out.append(pose_matrix(_rvec(R), centre - R @ c))
    return out


def _rvec(R: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.Rodrigues(R)[0].ravel()


@functools.lru_cache(maxsize=None)
def rig_views(n: int, seed: int) -> tuple[dict, list[np.ndarray]]:
    """Both cameras' views of ``n`` scenes (None where a camera sees too little of the
    board) and the true ``T_A_board`` of each scene."""
    scenes = rig_scene_poses(n, seed)
    rng = np.random.default_rng(seed + 2000)
    out: dict[str, list] = {"A": [], "B": []}
    for T_A_board in scenes:
        for name, T in (("A", T_A_board), ("B", RIG_T_B_A @ T_A_board)):
            r = render_target(RIG_CAMERAS[name], RIG_BOARD, _rvec(T[:3, :3]), T[:3, 3],
                              look=look(rng), supersample=SS, rng=rng)
            out[name].append(r.image if r.in_image.sum() >= 20 else None)
    return out, scenes


@functools.lru_cache(maxsize=None)
def rig_calibration(n: int = 6, seed: int = 3):
    """The rendered rig calibrated from ``n`` scenes (cached for the session)."""
    from metrology.calib import calibrate_rig

    imgs, _ = rig_views(n, seed)
    return calibrate_rig(imgs, RIG_BOARD)


@functools.lru_cache(maxsize=None)
def tele_calibration(n: int = 6, seed: int = 11, kind: str = "tele"):
    """The rendered telecentric camera calibrated from ``n`` views (cached): whole 11x8
    checkerboards (``kind="tele"``) or partial ChArUco views reaching the image corners
    (``"tele_charuco"``)."""
    from metrology.calib import calibrate_telecentric

    imgs, _ = views(kind, n, seed)
    return calibrate_telecentric(imgs, TELE_BOARD if kind == "tele" else TELE_CHARUCO,
                                 holdout=False)
