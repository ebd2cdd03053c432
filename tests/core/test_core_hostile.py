"""Hostile but valid input for the core fits (issue 12): huge and tiny coordinates,
near-duplicates mixed with far points, collinear and coincident sets, extreme options.

Property: a fit of finite points either returns a fit whose geometry, RMS and (with more
points than parameters) uncertainties are all finite, or raises the library's own error --
never ``LinAlgError``, never NaN passed on silently.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology.core import (MAX_COORD, as_points, check_choice, check_finite, check_int,
                            check_positive, check_seed, fit_circle, fit_ellipse, fit_line, ransac)
from metrology.errors import FitError, InputError, MetrologyError, ShapeError

FITS = [(fit_line, m, 2) for m in ("tls", "huber", "tukey")] + \
       [(fit_circle, m, 3) for m in ("kasa", "taubin", "hyper", "geometric", "tukey")] + \
       [(fit_ellipse, m, 5) for m in ("direct", "geometric", "tukey")]


def _check_fit(f, k: int) -> None:
    """A returned single fit: finite geometry and RMS; finite std when n_points > k."""
    assert f.ok
    vals = [v for name, v in vars(f).items()
            if name not in ("ok", "n_points", "inliers", "method", "covariance")]
    for name, v in vars(f).items():
        if name.endswith(("std_px", "std_deg")):
            if f.n_points > k and not (name == "angle_std_deg" and k == 5):
                assert np.all(np.isfinite(v)), (name, v)
        elif name not in ("ok", "n_points", "inliers", "method", "covariance"):
            assert np.all(np.isfinite(v)), (name, v)
    assert vals


@st.composite
def hostile_sets(draw):
    """Points on a noisy arc at a scale from 1e-300 to 1e14, or a cluster of near-duplicates
    with a few far points, or all on a line, or all identical."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n = draw(st.integers(3, 30))
    kind = draw(st.sampled_from(["arc", "cluster", "line", "same"]))
    scale = 10.0 ** draw(st.integers(-300, 14))
    offset = 10.0 ** draw(st.integers(0, 14)) * draw(st.sampled_from([0.0, 1.0, -1.0]))
    if kind == "arc":
        t = rng.uniform(0, draw(st.floats(0.05, 2 * np.pi)), n)
        p = np.c_[np.cos(t), 0.6 * np.sin(t)] + rng.normal(0, draw(st.sampled_from(
            [0.0, 1e-9, 1e-3])), (n, 2))
    elif kind == "cluster":
        p = rng.normal(0, 1e-13, (n, 2))
        far = draw(st.integers(1, 2))
        p[:far] = rng.normal(0, 1, (far, 2))
    elif kind == "line":
        x = rng.uniform(-1, 1, n)
        p = np.c_[x, 0.3 * x]
    else:
        p = np.zeros((n, 2))
    pts = p * scale + offset
    return np.clip(pts, -MAX_COORD, MAX_COORD)


@settings(max_examples=200, deadline=None)
@given(pts=hostile_sets(), which=st.integers(0, len(FITS) - 1))
def test_fits_never_crash_nor_return_nan(pts, which):
    fit, method, k = FITS[which]
    try:
        f = fit(pts, method)
    except MetrologyError:
        return
    _check_fit(f, k)


@settings(max_examples=60, deadline=None)
@given(pts=hostile_sets(), model=st.sampled_from(["line", "circle", "ellipse"]))
def test_ransac_never_crashes(pts, model):
    try:
        f = ransac(pts, model, threshold_px=max(1e-9, float(np.ptp(pts)) * 0.01 + 1e-300),
                   rng=0, max_iters=64)
    except MetrologyError:
        return
    _check_fit(f, {"line": 2, "circle": 3, "ellipse": 5}[model])


def test_issue_examples():
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    p = np.c_[50 + 20 * np.cos(t), 40 + 20 * np.sin(t)]
    for method in ("kasa", "taubin", "hyper", "geometric", "tukey"):
        with pytest.raises(InputError, match="beyond"):      # 1e200 px resolves no pixel
            fit_circle(p * 1e200, method)
        q = np.repeat(p[:1], 24, 0) + np.random.default_rng(0).normal(0, 1e-12, p.shape)
        q[-1] = [1e14, 1e14]                                 # near-duplicates and a far point
        with pytest.raises(FitError, match="pin a circle down"):
            fit_circle(q, method)
        with pytest.raises(FitError):                        # identical points (rounding)
            fit_circle(np.repeat(p[:1] + 1e-3, 24, 0), method)
    with pytest.raises(InputError, match="max_iters"):
        ransac(p, "circle", max_iters=10 ** 9)
    with pytest.raises(InputError, match="residuals"):
        ransac(np.tile(p, (20000, 1, 1)), "circle", max_iters=20000)
    for bad in (1.5, "x", -1, {}):
        with pytest.raises(InputError, match="rng"):
            ransac(p, "circle", rng=bad)
    with pytest.raises(InputError, match="min_inliers"):
        ransac(p, "circle", min_inliers=2.5)


def test_degenerate_batch_items_fail_instead_of_nan_std():
    t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    good = np.c_[np.cos(t), np.sin(t)] * 10 + 0.01 * np.sin(5 * t)[:, None]
    two_spots = np.r_[np.zeros((6, 2)), np.ones((6, 2))] + 1e-12 * good
    f = fit_circle(np.stack([good, two_spots]), "geometric")
    assert f.ok.tolist() == [True, False]
    assert np.all(np.isfinite(f.radius_std_px[0])) and np.isnan(f.radius_std_px[1])


def test_checks_refuse_booleans_objects_and_junk():
    with pytest.raises(ShapeError):
        as_points(np.ones((3, 2), bool))
    for bad in ([[1, "a"]], [[1, 2], [3]], np.ones((2, 2), complex),
                np.array([[1.0, None]], object)):
        with pytest.raises(ShapeError):
            as_points(bad)
    assert as_points(np.ones((2, 2), np.int64)).dtype == np.float64
    assert as_points(np.ones((2, 2), object)).dtype == np.float64     # boxed numbers are fine
    with pytest.raises(InputError, match="min_points"):
        as_points([[1, 2]], min_points=[])
    for bad in (True, None, 1 + 1j, [1.0, 2.0], {}, float("inf"), "nan"):
        with pytest.raises(InputError):
            check_finite(bad, "v")
    assert check_finite(np.float32(2.5), "v") == 2.5
    with pytest.raises(InputError, match="at most"):
        check_positive(1e12, "radius", max=1e6)
    assert check_int(3.0, "n", min=1) == 3
    for bad in (1.5, True, float("nan"), 2 ** 70, -1):
        with pytest.raises(InputError):
            check_int(bad, "n", min=0, max=2 ** 63 - 1)
    with pytest.raises(InputError):
        check_choice(np.array(["a", "b"]), "m", ("a", "b"))
    with pytest.raises(InputError):
        check_choice("a", "m", (c for c in "ab"))
    assert isinstance(check_seed(None), np.random.Generator)
    for bad in (1.5, -1, True, "3"):
        with pytest.raises(InputError):
            check_seed(bad)
