"""The compiled kernels of calibration (numba, the optional ``fast`` extra) against their NumPy
references, which stay the definition and the fallback: lens undistortion, window sampling,
the X-junction corner fit, and the whole detection and calibration on rendered views.

Skipped without numba (the NumPy path is then the only one, tested everywhere else).  The
first run after an install compiles the kernels (see benchmarks/bench_calib.py for the time);
later runs load them from numba's on-disk cache.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from metrology.calib import CameraModel, _accel, detect_board
from metrology.calib import corners as C

numba = pytest.importorskip("numba")

DISTS = {
    "standard": [-0.28, 0.09, 1e-3, -5e-4, -0.01],
    "rational": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002],
    "thin_prism": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002, 1e-3, -1e-4, 5e-4, 1e-4],
    "tilted": [-0.3, 0.1, 1e-3, -5e-4, 0.01, 0.05, 0.01, 0.002, 1e-3, -1e-4, 5e-4, 1e-4,
               0.01, -0.02],
    "fisheye": [0.05, -0.02, 0.01, -0.002],
}


def _camera(model):
    d = DISTS[model]
    return CameraModel([[900.0, 0, 640.0], [0, 905.0, 360.0], [0, 0, 1]], d, (1280, 720),
                       model=model)


def test_the_kernels_are_used_here():
    assert _accel.kernels() is not None
    with _accel.disabled():
        assert _accel.kernels() is None
    assert _accel.kernels() is not None


@pytest.mark.parametrize("model", list(DISTS))
def test_undistort_points_compiled_equals_numpy(model):
    """The same Newton iteration (same start, steps, halving and stopping rule) in the same
    float64 arithmetic: equal to 1e-9 px (measured: identical or within 1e-12 px), and the
    same points flagged outside the valid region."""
    cam = _camera(model)
    rng = np.random.default_rng(3)
    pts = np.concatenate([rng.uniform([-200, -200], [1480, 920], (3000, 2)),
                          np.stack(np.meshgrid(np.linspace(0, 1279, 40),
                                               np.linspace(0, 719, 30)), -1).reshape(-1, 2)])
    fast = cam.undistort_points(pts, on_invalid="nan")
    with _accel.disabled():
        ref = cam.undistort_points(pts, on_invalid="nan")
    ok = np.isfinite(ref[:, 0])
    assert np.array_equal(ok, np.isfinite(fast[:, 0]))
    assert ok.sum() > 2000
    assert np.abs(fast[ok] - ref[ok]).max() < 1e-9


def test_undistort_near_known_points_compiled_equals_numpy():
    """The path started from a given point (the corner windows of calibrate's second pass)."""
    cam = _camera("rational")
    near = np.array([[30.0, 20.0], [640.0, 360.0], [1250.0, 700.0]])
    off = np.stack(np.meshgrid(np.arange(-15, 16), np.arange(-15, 16)), -1).reshape(-1, 2)
    pts = near[:, None, :] + off[None]
    ideal = cam.undistort_points(near)
    fast = np.stack(cam._undistort_near(pts[..., 0], pts[..., 1], near, ideal), -1)
    with _accel.disabled():
        ref = np.stack(cam._undistort_near(pts[..., 0], pts[..., 1], near, ideal), -1)
    ok = np.isfinite(ref[..., 0])
    assert np.array_equal(ok, np.isfinite(fast[..., 0])) and ok.sum() > 2800
    assert np.abs(fast[ok] - ref[ok]).max() < 1e-9


def test_sampled_windows_equal_numpy_at_the_image_border():
    gray = np.random.default_rng(1).integers(0, 255, (60, 80)).astype(np.uint8)
    cur = np.array([[1.2, 1.7], [40.4, 30.6], [78.6, 58.9], [-3.0, 20.0]])
    radius = np.array([6.0, 9.5, 4.2, 3.0])
    off = C._disk_offsets(float(radius.max()))
    fast = C._sample_windows(gray, cur, radius, *off)
    with _accel.disabled():
        ref = C._sample_windows(gray, cur, radius, *off)
    for a, b in zip(fast, ref):
        assert a.dtype == b.dtype == np.float64 and np.array_equal(a, b)


def _windows(ground_truth, view, camera=None):
    import cv2

    gray = cv2.imread(str(ground_truth["files"][view]), cv2.IMREAD_GRAYSCALE)
    return gray, detect_board(gray, ground_truth["board"], refine=False).corners_xy


def test_corner_fit_compiled_equals_numpy(ground_truth):
    """The same model, damping, acceptance and stopping rules; the compiled fit runs in
    float64, the NumPy one in float32 (within 7e-7 px of float64).  Both stop at the first
    accepted step below 2e-4 px, after which the next step would be ~30x smaller, so two
    correct fits of the same window may differ by that last ~7e-6 px when one of them stops
    one iteration earlier: corners equal to 1e-5 px (measured 7e-7 px), the same corners
    kept."""
    gray, c0 = _windows(ground_truth, 2)
    fast = C.refine_corners(gray, c0, 9, 6)
    with _accel.disabled():
        ref = C.refine_corners(gray, c0, 9, 6)
    assert np.array_equal(fast.ok, ref.ok) and fast.ok.all()
    assert np.abs(fast.corners_xy - ref.corners_xy).max() < 1e-5
    assert np.median(np.abs(fast.corners_xy - ref.corners_xy)) < 1e-6
    # blur, contrast and residual: the same fit (float32 rounding of the residual RMS)
    for a, b in zip(list(fast)[2:], list(ref)[2:]):
        assert np.allclose(a, b, rtol=1e-4)


def test_corner_fit_compiled_equals_numpy_on_raw_parameters(ground_truth):
    """fit_corner_models directly, every parameter (cold start with the linear solve)."""
    gray, c0 = _windows(ground_truth, 5)
    _, _, dmin = C._neighbour_geometry(c0, 9, 6)
    radius = np.clip(0.42 * dmin, 2.5, 14.0)
    vals, X, Y, w = C._sample_windows(gray, c0, radius, *C._disk_offsets(radius.max()))
    p0 = C._initial_params(c0, 9, 6, 1.0)
    p0[:, :2] = 0.0
    Xl, Yl = X - c0[:, :1], Y - c0[:, 1:]
    fast = C.fit_corner_models(vals, Xl, Yl, w, p0, linear_start=True)
    with _accel.disabled():  # the NumPy path in float64: the same arithmetic precision
        ref = C.fit_corner_models(vals, Xl, Yl, w, p0, linear_start=True)
    assert fast[2].all() and ref[2].all()
    assert np.abs(fast[0][:, :2] - ref[0][:, :2]).max() < 1e-5
    assert np.allclose(fast[0][:, 2:], ref[0][:, 2:], rtol=1e-4, atol=1e-5)
    assert np.allclose(fast[1], ref[1], rtol=1e-6)


def test_detection_accuracy_is_the_same_on_both_paths(ground_truth):
    """Corner RMS against the rendered truth over 6 views, raw pixels and undistorted (with
    the true lens): equal to 1e-6 px on both paths, and the same corners kept."""
    import cv2

    board, cam = ground_truth["board"], ground_truth["camera"]
    for camera in (None, cam):
        err = {}
        for name in ("fast", "numpy"):
            with (_accel.disabled() if name == "numpy" else _nullcontext()):
                dets = [detect_board(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), board,
                                     camera=camera) for f in ground_truth["files"][:6]]
            err[name] = np.concatenate([d.corners_xy - t for d, t in
                                        zip(dets, ground_truth["truth"])])
            err[name + "_ok"] = np.concatenate([d.corner_ok for d in dets])
        assert np.array_equal(err["fast_ok"], err["numpy_ok"])
        rms = {k: np.sqrt(np.mean(np.sum(err[k] ** 2, 1))) for k in ("fast", "numpy")}
        assert rms["fast"] < 0.02
        assert abs(rms["fast"] - rms["numpy"]) < 1e-6


def _nullcontext():
    import contextlib

    return contextlib.nullcontext()


def test_import_does_not_import_numba():
    """numba is loaded at the first kernel call, never by ``import metrology`` or
    ``import metrology.calib``."""
    code = ("import sys, metrology, metrology.calib, metrology.calib.corners, "
            "metrology.calib.lens; print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    assert out.stdout.strip() == "False"


def test_switched_off_by_the_environment():
    code = ("from metrology.calib import _accel; import sys; "
            "print(_accel.kernels() is None, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "METROLOGY_NUMBA": "0"})
    assert out.stdout.strip() == "True False"
