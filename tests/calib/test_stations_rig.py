"""Several cameras calibrated together (issue 17): relative poses on rendered pairs against the
truth, the rig station file, the planes of every camera in one mm frame, bad input, and the
real OpenCV stereo pairs."""

from __future__ import annotations

import numpy as np
import pytest
from station_scenes import RIG_BOARD, RIG_CAMERAS, RIG_T_B_A, rig_calibration, rig_views

from metrology.calib import Checkerboard, RigCalibration, calibrate_rig, load_station
from metrology.errors import CalibrationError, FileFormatError, InputError

N_SCENES = 6


def _rig() -> RigCalibration:
    return rig_calibration(N_SCENES, 3)


def _angle_deg(R: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(R) - 1) / 2, -1, 1))))


def test_rendered_pair_relative_pose_within_targets():
    rig = _rig()
    rp = rig.relative_pose("B", "A")
    T = rp.T_dst_src
    rot_err = _angle_deg(T[:3, :3].T @ RIG_T_B_A[:3, :3])
    base_true = float(np.linalg.norm(RIG_T_B_A[:3, 3]))
    base_err = abs(rp.baseline_mm - base_true) / base_true
    # issue 17 targets: < 0.01 deg and < 0.05 % of the baseline (80 mm).  Measured on these
    # 6 scenes (400x300 per camera, ChArUco 8x6 squares, partial views): about 0.002 deg and 0.01 %
    assert rot_err < 0.01, rot_err
    assert base_err < 5e-4, base_err
    assert np.linalg.norm(T[:3, 3] - RIG_T_B_A[:3, 3]) < 5e-4 * base_true
    # the reported uncertainty is of the size of the actual error (first order, 1 sigma)
    assert rot_err < 4 * rp.angle_std_deg + 1e-4
    assert abs(rp.baseline_mm - base_true) < 4 * rp.baseline_std_mm + 1e-3
    for name in ("A", "B"):  # intrinsics of both cameras
        cam, true = rig.camera(name), RIG_CAMERAS[name]
        assert abs(cam.fx / true.fx - 1) < 5e-4 and abs(cam.fy / true.fy - 1) < 5e-4
    assert rig.rms_px < 0.03
    # A->B and B->A are inverse to each other, with the same uncertainty of the baseline
    back = rig.relative_pose("A", "B")
    assert np.allclose(back.T_dst_src @ T, np.eye(4), atol=1e-9)
    assert back.baseline_std_mm == pytest.approx(rp.baseline_std_mm, rel=1e-3)
    assert "baseline" in rig.summary()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 7, 8])
def test_rendered_pair_relative_pose_within_targets_on_hard_seeds(seed):
    # with 6 scenes the rotation's 1-sigma is 0.008-0.013 deg and seeds 5, 7, 8 miss 0.01 deg
    # (0.015 / 0.013 / 0.015 deg; the error is each camera's principal-point error over f:
    # 0.01 deg is 0.09 px at f = 500 px).  16 scenes bring the 1-sigma to 0.005 deg; measured
    # 0.0039 / 0.0070 / 0.0025 deg (seeds 5 / 7 / 8), baseline 0.001-0.003 %
    rig = rig_calibration(16, seed)
    rp = rig.relative_pose("B", "A")
    rot_err = _angle_deg(rp.T_dst_src[:3, :3].T @ RIG_T_B_A[:3, :3])
    base_true = float(np.linalg.norm(RIG_T_B_A[:3, 3]))
    assert rot_err < 0.01, (rot_err, rp.angle_std_deg)
    assert abs(rp.baseline_mm - base_true) / base_true < 5e-4
    assert rot_err < 4 * rp.angle_std_deg + 1e-4


def test_rig_station_file_round_trip(tmp_path):
    rig = _rig()
    path = rig.save(tmp_path / "rig.json")
    back = load_station(path)
    assert isinstance(back, RigCalibration) and back.names == ("A", "B")
    assert np.array_equal(back.T_cam_ref, rig.T_cam_ref)
    assert np.array_equal(back.param_cov, rig.param_cov)
    assert str(back.relative_pose("B", "A")) == str(rig.relative_pose("B", "A"))
    with pytest.raises(FileFormatError, match="needs a multi-camera recipe"):
        load_station(path, allow_rig=False)
    d = rig.to_dict()
    d["cameras"][1]["T_cam_ref"][0][0] = 3.0
    with pytest.raises(FileFormatError, match=r"cameras\[1\].T_cam_ref: not a rigid"):
        RigCalibration.from_dict(d)


def test_planes_of_both_cameras_share_one_mm_frame():
    rig = _rig()
    planes = rig.planes(rig.scenes[0])
    _, scenes = rig_views(N_SCENES, 3)
    # a point of the scene-0 board plane, seen by both cameras, maps to the same mm in both
    T_A = scenes[int(rig.scenes[0])]
    pts = np.array([[30.0, 40.0, 0.0], [75.0, 60.0, 0.0]])
    for name, T in (("A", T_A), ("B", RIG_T_B_A @ T_A)):
        px = RIG_CAMERAS[name].project(pts @ T[:3, :3].T + T[:3, 3])
        assert np.abs(planes[name].to_mm(px) - pts[:, :2]).max() < 0.02, name
        # the residuals of the corners that camera saw in that scene (rendered views, corner
        # noise ~0.01 px at ~0.6 mm/px: a few um)
        assert planes[name].n_points >= 12 and planes[name].residual_rms_mm < 0.02, name
    with pytest.raises(InputError, match="no scene"):
        rig.planes("nope")
    with pytest.raises(InputError, match="either a calibration scene or images"):
        rig.planes()


def test_bad_rig_input_gives_clear_errors():
    imgs, _ = rig_views(N_SCENES, 3)
    a, b = imgs["A"], imgs["B"]
    with pytest.raises(CalibrationError, match="camera 'C' has no view"):
        calibrate_rig({"A": a, "B": b, "C": [None] * len(a)}, RIG_BOARD)
    with pytest.raises(InputError, match="one entry per scene"):
        calibrate_rig({"A": a, "B": b[:-1]}, RIG_BOARD)
    small = [None if im is None else im[::2, ::2].copy() for im in b]
    small[1] = b[1]
    with pytest.raises(InputError, match="camera 'B': its views differ in size"):
        calibrate_rig({"A": a, "B": small}, RIG_BOARD)
    n = len(a)
    only_a = [a[i] if i < n // 2 else None for i in range(n)]
    only_b = [b[i] if i >= n // 2 else None for i in range(n)]
    with pytest.raises(CalibrationError, match="share no scene|usable view"):
        calibrate_rig({"A": only_a, "B": only_b}, RIG_BOARD)
    with pytest.raises(InputError, match="camera names|dict camera name"):
        calibrate_rig([a, b], RIG_BOARD)


@pytest.mark.shared
def test_opencv_stereo_pairs_baseline_and_its_uncertainty(shared_data):
    left = sorted((shared_data / "calib" / "opencv_left").glob("*.jpg"))
    right = sorted((shared_data / "calib" / "opencv_right").glob("*.jpg"))
    assert [p.name[-6:] for p in left] == [p.name[-6:] for p in right]  # same scenes
    # the square size is not stated upstream: lengths are in squares
    rig = calibrate_rig({"left": left, "right": right}, Checkerboard(9, 6, 1.0))
    rp = rig.relative_pose("left", "right")
    # measured: baseline 3.327 +/- 0.0014 squares, rotation 0.50 +/- 0.07 deg, RMS 0.17 px
    # (each camera alone: 0.157 / 0.155 px); 2 of the 13 pairs number the board's corners
    # the other way round in the two images (a 9x6 board looks the same turned half a turn)
    assert 3.2 < rp.baseline_mm < 3.45 and rp.baseline_std_mm < 0.01
    assert rp.angle_deg < 2.0 and rp.angle_std_deg < 0.3
    assert rig.rms_px < 0.25 and len(rig.scenes) == 13
