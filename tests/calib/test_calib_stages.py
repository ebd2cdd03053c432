"""The stages of calibrate, one by one (load, detect, fit, reject, refine, uncertainty,
hold-out), on the committed rendered views and their ground truth."""

from __future__ import annotations

import shutil
from dataclasses import replace

import cv2
import numpy as np
import pytest

from metrology.calib.calibration import (Observations, Problem, detect_views,
                                         estimate_uncertainty, fit_camera, holdout_error,
                                         load_views, refine_in_undistorted, reject_outliers)
from metrology.errors import CalibrationError


def _rms(e):
    return float(np.sqrt(np.mean(np.sum(np.asarray(e) ** 2, axis=-1))))


@pytest.fixture(scope="module")
def five(ground_truth):
    loaded = load_views([str(f) for f in ground_truth["files"][:5]])
    detected = detect_views(loaded, ground_truth["board"])
    problem = Problem(ground_truth["board"], "standard", loaded.image_size)
    obs = Observations.from_detections(detected.detections)
    return loaded, detected, problem, obs, fit_camera(problem, obs)


def test_load_views_rejects_unreadable_and_odd_sizes(tmp_path, ground_truth):
    files = ground_truth["files"]
    for i in range(2):
        shutil.copy(files[i], tmp_path / f"a{i}.png")
    (tmp_path / "b_corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cv2.imwrite(str(tmp_path / "c_small.png"), np.zeros((50, 60), np.uint8))
    seen = []
    loaded = load_views(tmp_path, lambda i, n, name, msg: seen.append((i, msg)))
    assert loaded.image_size == (1024, 768)
    assert [g is None for g in loaded.grays] == [False, False, True, True]
    assert {r.reason for r in loaded.rejected} == {"unreadable", "size_mismatch"}
    assert len(seen) == 2
    with pytest.raises(CalibrationError, match="could be read"):
        load_views([tmp_path / "b_corrupt.png"])


def test_detect_views_needs_three_boards(tmp_path, ground_truth):
    shutil.copy(ground_truth["files"][0], tmp_path / "a.png")
    cv2.imwrite(str(tmp_path / "b.png"), np.full((768, 1024), 90, np.uint8))
    loaded = load_views(tmp_path)
    with pytest.raises(CalibrationError, match=r"only 1 usable view\(s\) of 2 \(1 had a board\)"):
        detect_views(loaded, ground_truth["board"])


def test_fit_camera_residuals_are_corner_noise(five):
    _, detected, problem, obs, fit = five
    assert fit.views == obs.views == (0, 1, 2, 3, 4)
    assert set(fit.residuals) == set(obs.views)
    # unbiased corners with noise 1-3 gray levels: ~0.01 px per corner (0.03 px bound)
    assert np.all(fit.view_rms(obs) < 0.03)


def test_reject_outliers_removes_a_moved_corner_and_a_bad_view(five, ground_truth):
    loaded, _, problem, obs, fit = five
    corners = dict(obs.corners)
    corners[2] = corners[2].copy()
    corners[2][17] += [1.5, -1.0]  # one corner 1.8 px off
    rng = np.random.default_rng(0)
    corners[4] = corners[4] + rng.normal(0, 1.0, corners[4].shape)  # a whole view 1 px noisy
    bad = replace(obs, corners=corners)
    new_obs, new_fit, rejected = reject_outliers(problem, bad, fit_camera(problem, bad),
                                                 loaded.names)
    assert [(r.index, r.reason) for r in rejected] == [(4, "outlier")]
    assert new_obs.views == (0, 1, 2, 3) and new_fit.views == (0, 1, 2, 3)
    assert not new_obs.ok[2][17] and new_obs.ok[2].sum() == 53
    assert new_obs.n_rejected_corners >= 1
    assert np.all(new_fit.view_rms(new_obs) < 0.03)  # back to the corner noise


def test_refine_in_undistorted_moves_corners_towards_truth(five, ground_truth):
    loaded, detected, problem, obs, fit = five
    _, refined = refine_in_undistorted(problem, obs, fit, detected, loaded)
    truth = ground_truth["truth"]
    before = np.concatenate([obs.corners[i] - truth[i] for i in obs.views])
    after = np.concatenate([refined.corners[i] - truth[i] for i in obs.views])
    moved = np.concatenate([refined.corners[i] - obs.corners[i] for i in obs.views])
    # the lens-curvature bias removed is a few thousandths of a pixel: the corners move by
    # that much, never by more than the noise, and end no farther from the truth
    assert 1e-4 < _rms(moved) < 0.01
    assert _rms(after) <= _rms(before)
    assert all(refined.ok[i].sum() == 54 for i in obs.views)


def test_first_fit_from_opencv_corners_then_model_fit(ground_truth):
    """calibrate's default path: OpenCV's corners give the first camera, the corner model is
    fitted once, in undistorted coordinates, and gives the detections' blur and masks."""
    loaded = load_views([str(f) for f in ground_truth["files"][:5]])
    detected = detect_views(loaded, ground_truth["board"], refine=False)
    assert not any(d.refined for d in detected.detections.values())
    problem = Problem(ground_truth["board"], "standard", loaded.image_size)
    obs = Observations.from_detections(detected.detections)
    first = fit_camera(problem, obs)
    # cornerSubPix corners: a few hundredths of a pixel (0.04 px RMS vs the truth here)
    assert 0.01 < _rms(np.concatenate([first.residuals[i][:, None] for i in obs.views])) < 0.1
    fitted, obs2 = refine_in_undistorted(problem, obs, first, detected, loaded)
    assert all(d.refined and 0.5 < d.sharpness < 2.0 for d in fitted.detections.values())
    err = np.concatenate([obs2.corners[i] - ground_truth["truth"][i] for i in obs2.views])
    assert _rms(err) < 0.015  # the model fit: ~0.01 px with noise 1-3 gray levels
    assert np.all(fit_camera(problem, obs2, guess=first.camera).view_rms(obs2) < 0.03)


def test_refine_rejects_blurred_view_after_fitting(tmp_path, ground_truth):
    files = ground_truth["files"]
    for i in range(4):
        shutil.copy(files[i], tmp_path / f"v{i}.png")
    blurred = cv2.GaussianBlur(cv2.imread(str(files[5]), 0), (0, 0), 4.0)
    cv2.imwrite(str(tmp_path / "v5_blur.png"), blurred)
    loaded = load_views(tmp_path)
    detected = detect_views(loaded, ground_truth["board"], refine=False)
    problem = Problem(ground_truth["board"], "standard", loaded.image_size)
    obs = Observations.from_detections(detected.detections)
    if 4 not in obs.views:
        pytest.skip("OpenCV did not find the board in the blurred view")
    fitted, obs2 = refine_in_undistorted(problem, obs, fit_camera(problem, obs), detected,
                                         loaded)
    assert 4 not in obs2.views and obs2.views == (0, 1, 2, 3)
    assert [(r.index, r.reason) for r in fitted.rejected] == [(4, "blur")]


def test_estimate_uncertainty_shapes_and_scale(five):
    _, _, problem, obs, fit = five
    std, unc = estimate_uncertainty(problem, obs, fit)
    assert std.shape == (9,) and np.all(np.isfinite(std))
    # focal length from 5 views of 54 corners at 0.01 px: a few tenths of a pixel at most
    assert 0 < std[0] < 1.0
    assert unc.sigma_px.shape == (12, 16) and unc.grid_xy.shape == (12, 16, 2)
    assert unc.n_outside == 0 and 0 < unc.rms_px <= unc.max_px


def test_holdout_error_needs_four_views(five):
    _, _, problem, obs, fit = five
    three = replace(obs, views=obs.views[:3])
    assert np.isnan(holdout_error(problem, three, fit_camera(problem, three)))
    hold = holdout_error(problem, obs, fit)
    rms = _rms(np.concatenate([fit.residuals[i][:, None] for i in obs.views]))
    # new views predicted by a camera that never saw them: a little above the fit RMS
    assert rms < hold < 3 * rms
