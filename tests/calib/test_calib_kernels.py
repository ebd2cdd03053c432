"""The fast paths of calibration (issue 16) against their exact references: the lens
Jacobian, undistortion started near a known point, the valid-radius search, float32 corner
fits, the shared-exponential erf, and leave-one-out calibrations by Gauss-Newton."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from metrology.calib import CameraModel, _accel, detect_board
from metrology.calib import corners as C
from metrology.calib.board import refine_detection
from metrology.calib.calibration import (Observations, Problem, _fold_cameras, _pnp_errors,
                                         detect_views, fit_camera, load_views,
                                         refine_in_undistorted)
from metrology.calib.lens import distort_norm, distort_norm_jac

DISTS = {
    "standard": [-0.28, 0.09, 1e-3, -5e-4, -0.01],
    "rational": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002],
    "thin_prism": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002, 1e-3, -1e-4, 5e-4, 1e-4],
    "tilted": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002, 1e-3, -1e-4, 5e-4, 1e-4,
               0.01, -0.02],
    "fisheye": [0.05, -0.02, 0.01, -0.002],
}


@pytest.mark.parametrize("model", list(DISTS))
def test_analytic_jacobian_matches_central_differences(model):
    d = np.array(DISTS[model])
    xy = np.random.default_rng(0).uniform(-0.6, 0.6, (500, 2))
    xy[:3] = [[0.0, 0.0], [1e-9, -2e-9], [1e-5, 3e-6]]  # the fisheye's r -> 0 limit
    xd, yd, j00, j01, j10, j11 = distort_norm_jac(xy[:, 0], xy[:, 1], d, model)
    assert np.abs(np.stack([xd, yd], -1) - distort_norm(xy, d, model)).max() < 1e-15
    h = 1e-6
    num = [(distort_norm(xy + e, d, model) - distort_norm(xy - e, d, model)) / (2 * h)
           for e in (np.array([h, 0.0]), np.array([0.0, h]))]
    # central differences are exact to ~h^2 f''' ~ 1e-10 here
    assert np.abs(np.stack([j00, j10], -1) - num[0]).max() < 1e-9
    assert np.abs(np.stack([j01, j11], -1) - num[1]).max() < 1e-9


def test_undistort_near_known_points_equals_exact():
    cam = CameraModel([[1157.0, 0, 667.0], [0, 1152.0, 386.0], [0, 0, 1]],
                      [-0.2466, -0.0237, -0.0011, 0.0002, 0.0292], (1280, 720))
    near = np.array([[30.0, 20.0], [640.0, 360.0], [1250.0, 700.0]])
    off = np.stack(np.meshgrid(np.arange(-15, 16), np.arange(-15, 16)), -1).reshape(-1, 2)
    pts = near[:, None, :] + off[None]
    X, Y = cam._undistort_near(pts[..., 0], pts[..., 1], near, cam.undistort_points(near))
    got = np.stack([X, Y], -1)
    ok = np.isfinite(got[..., 0])
    exact = cam.undistort_points(pts, on_invalid="nan")
    assert np.array_equal(ok, np.isfinite(exact[..., 0]))  # the same valid region
    assert ok[1].all() and ok[2].all()
    assert np.abs(got[ok] - exact[ok]).max() < 2e-8  # both converged to 1e-8 px


def test_valid_radius_search_equals_the_full_grid():
    rng = np.random.default_rng(5)
    for _ in range(40):
        d = rng.normal(0, [0.3, 0.3, 3e-3, 3e-3, 0.3])
        cam = CameraModel([[900, 0, 500], [0, 900, 380], [0, 0, 1]], d, (1024, 768))
        corners = np.array([[0, 0], [1023, 0], [0, 767], [1023, 767]], float)
        r_search = max(4.0 * np.max(np.linalg.norm(cam._to_norm(corners), axis=1)), 1e-3)
        radii = np.linspace(r_search / 800, r_search, 800)
        bad = np.nonzero(cam._folds(radii))[0]  # every radius of the grid
        want = r_search if bad.size == 0 else (radii[max(bad[0] - 1, 0)] if bad[0] else 0.0)
        assert cam.valid_radius == want


def test_erf_from_the_shared_exponential():
    u = np.linspace(-7, 7, 200001)
    e = C._erf(u, np.exp(-u * u))
    assert np.abs(e - erf(u)).max() < 1.5e-7  # Abramowitz & Stegun 7.1.26's bound
    assert np.array_equal(e, -C._erf(-u, np.exp(-u * u)))  # odd: the model stays symmetric


def test_float32_corner_fit_equals_float64(ground_truth):
    """The fit runs in float32 around each window's origin; the corners it finds equal a
    float64 fit of the same windows to 1e-5 px (measured 7e-7 px), a thousandth of the corner
    noise."""
    import cv2

    gray = cv2.imread(str(ground_truth["files"][2]), cv2.IMREAD_GRAYSCALE)
    c0 = detect_board(gray, ground_truth["board"], refine=False).corners_xy
    _, _, dmin = C._neighbour_geometry(c0, 9, 6)
    radius = np.clip(0.42 * dmin, 2.5, 14.0)
    vals, X, Y, w = C._sample_windows(gray, c0, radius, *C._disk_offsets(radius.max()))
    p0 = C._initial_params(c0, 9, 6, 1.0)
    p0[:, :2] = 0.0
    Xl, Yl = X - c0[:, :1], Y - c0[:, 1:]
    out = {}
    for dt in (np.float64, np.float32):
        with _accel.disabled():  # the NumPy path (the compiled fit is float64 only)
            p, rms, conv = C.fit_corner_models(vals.astype(dt), Xl.astype(dt),
                                               Yl.astype(dt), w.astype(dt), p0,
                                               linear_start=True)
        assert conv.all()
        out[dt] = p
    assert np.abs(out[np.float32][:, :2] - out[np.float64][:, :2]).max() < 1e-5


def test_refine_detection_is_the_second_half_of_detect_board(ground_truth):
    f = str(ground_truth["files"][1])
    full = detect_board(f, ground_truth["board"])
    first = detect_board(f, ground_truth["board"], refine=False)
    assert not first.refined and first.n_ok == 54
    again = refine_detection(f, first, ground_truth["board"])
    assert again.refined and np.array_equal(again.corners_xy, full.corners_xy)
    assert again.sharpness == full.sharpness and again.method == full.method


def test_leave_one_out_by_gauss_newton_equals_opencv_refits(ground_truth):
    """Each fold's camera from Gauss-Newton steps off the full calibration equals OpenCV's
    re-calibration without that view (started from the same full calibration) to 1e-3 px in
    fx..cy (OpenCV's own convergence: measured 3.5e-4 px), and the held-out errors agree."""
    loaded = load_views([str(f) for f in ground_truth["files"][:8]])
    detected = detect_views(loaded, ground_truth["board"], refine=False)
    problem = Problem(ground_truth["board"], "standard", loaded.image_size)
    obs = Observations.from_detections(detected.detections)
    fit = fit_camera(problem, obs)
    _, obs = refine_in_undistorted(problem, obs, fit, detected, loaded)
    fit = fit_camera(problem, obs, guess=fit.camera)
    ours = [c[0] for c in _fold_cameras(problem, obs, fit)]
    errs = {"ours": [], "opencv": []}
    for k, j in enumerate(fit.views):
        ref = fit_camera(problem, obs, tuple(i for i in fit.views if i != j),
                         guess=fit.camera).camera
        a, b = ours[k], ref
        assert np.abs([a.fx - b.fx, a.fy - b.fy, a.cx - b.cx, a.cy - b.cy]).max() < 1e-3
        for name, cam in (("ours", a), ("opencv", b)):
            ok = obs.ok[j]
            errs[name].append(_pnp_errors(cam, fit.board_points[ok], obs.corners[j][ok]))
    rms = {k: np.sqrt(np.mean(np.concatenate(v) ** 2)) for k, v in errs.items()}
    assert rms["ours"] == pytest.approx(rms["opencv"], rel=1e-4)


def test_corner_fit_blocks_give_the_same_corners(ground_truth, monkeypatch):
    """Blocks of corners are independent fits: the block size changes nothing (NumPy path;
    the compiled one fits corner by corner)."""
    import cv2

    gray = cv2.imread(str(ground_truth["files"][3]), cv2.IMREAD_GRAYSCALE)
    c0 = detect_board(gray, ground_truth["board"], refine=False).corners_xy
    with _accel.disabled():
        ref = C.refine_corners(gray, c0, 9, 6)
        monkeypatch.setattr(C, "_BLOCK", 5)
        other = C.refine_corners(gray, c0, 9, 6)
    assert np.array_equal(ref.ok, other.ok)
    assert np.abs(ref.corners_xy - other.corners_xy).max() < 1e-12
