"""fit_ellipse: exactness, conic conversion, similarity equivariance, order independence,
batch == per item, geometric vs direct under noise, failures and errors."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_geom_helpers import wrap180
from metrology.core import EllipseFit, conic_to_ellipse, distance_point_ellipse, fit_ellipse
from metrology.errors import FitError, InputError, ShapeError
from metrology.testing import ellipse_points, poses

METHODS = ["direct", "geometric", "tukey"]
good_ellipses = ellipse_points(min_points=12, min_axis=10.0, max_axis=200.0, min_ratio=0.3,
                               max_ratio=0.8, min_arc_deg=240.0, max_noise_px=0.3)


def _ellipse(c, a, b, ang_deg, t):
    th = np.radians(ang_deg)
    x, y = a * np.cos(t), b * np.sin(t)
    return np.c_[c[0] + x * np.cos(th) - y * np.sin(th), c[1] + x * np.sin(th) + y * np.cos(th)]


@settings(max_examples=20)  # costlier fits: fewer examples keep the suite fast
@given(s=ellipse_points(max_noise_px=0.0, min_arc_deg=200.0), method=st.sampled_from(METHODS))
def test_exact_points_give_the_ellipse(s, method):
    f = fit_ellipse(s.points, method)
    tol = 1e-6 * (1 + s.semi_axes[0])     # rounding amplified by the conic's conditioning
    assert f.ok and np.hypot(*(f.center_xy - s.center_xy)) < tol
    np.testing.assert_allclose(f.semi_axes, s.semi_axes, atol=tol)
    assert abs(wrap180(f.angle_deg - s.angle_deg)) < 1e-5          # ratio <= 0.9: angle defined
    assert -90 < f.angle_deg <= 90 and f.semi_axes[0] >= f.semi_axes[1]
    assert f.rms_px < tol


def test_conic_to_ellipse():
    # x^2/16 + y^2/4 = 1 rotated by 90 degrees and moved to (1, 2): 4 (x-1)^2/... written out
    c, ax, ang = conic_to_ellipse([1 / 4, 0, 1 / 16, -1 / 2, -1 / 4, 1 / 4 + 1 / 4 - 1])
    np.testing.assert_allclose(c, [1, 2], atol=1e-12)
    np.testing.assert_allclose(ax, [4, 2], atol=1e-12)
    assert ang == pytest.approx(90.0)
    with pytest.raises(FitError, match="not a real ellipse"):         # one hyperbola
        conic_to_ellipse([1, 0, -1, 0, 0, -1])
    c, ax, ang = conic_to_ellipse([[1, 0, -1, 0, 0, -1], [1, 0, 1, 0, 0, -1]])  # batch: NaN row
    assert np.all(np.isnan(ax[0])) and np.isnan(ang[0])
    np.testing.assert_allclose(ax[1], [1, 1])
    for bad in ([1, 0, 1, 0, 0, np.nan], [1, 0, 1, 0, 0], "abc", [True] * 6):
        with pytest.raises(InputError):                                # ShapeError too
            conic_to_ellipse(bad)
    c, ax, ang = conic_to_ellipse(np.array([1, 0, 4, -2, -16, -19.0]) * 1e300)  # no overflow
    np.testing.assert_allclose(ax, [6, 3])
    c, ax, ang = conic_to_ellipse(-np.array([1, 0, 1, 0, 0, -1.0]))  # sign-flipped circle
    np.testing.assert_allclose(ax, [1, 1])


@settings(max_examples=20)  # costlier fits: fewer examples keep the suite fast
@given(s=good_ellipses, T=poses(), method=st.sampled_from(METHODS))
def test_similarity_equivariance(s, T, method):
    # the robust scale floor is a length (px): it scales with the pose like the points
    f = fit_ellipse(s.points, method)
    g = fit_ellipse(T.apply(s.points), method, scale_floor_px=0.01 * T.scale)
    tol = 1e-6 * (1 + s.semi_axes[0]) * T.scale
    assert np.hypot(*(T.apply(f.center_xy) - g.center_xy)) < tol
    np.testing.assert_allclose(g.semi_axes, T.scale * f.semi_axes, atol=tol)
    assert abs(wrap180(g.angle_deg - f.angle_deg - T.angle_deg)) < 1e-5


@settings(max_examples=20)  # costlier fits: fewer examples keep the suite fast
@given(s=good_ellipses, seed=st.integers(0, 2**16), method=st.sampled_from(METHODS))
def test_point_order_independence(s, seed, method):
    perm = np.random.default_rng(seed).permutation(len(s.points))
    f = fit_ellipse(s.points, method)
    g = fit_ellipse(s.points[perm], method)
    tol = 1e-7 * (1 + s.semi_axes[0])
    assert np.hypot(*(f.center_xy - g.center_xy)) < tol
    np.testing.assert_allclose(g.semi_axes, f.semi_axes, atol=tol)
    np.testing.assert_array_equal(g.inliers, f.inliers[perm])


@settings(max_examples=20)  # costlier fits: fewer examples keep the suite fast
@given(data=st.data(), method=st.sampled_from(METHODS))
def test_batch_equals_per_item(data, method):
    n = data.draw(st.integers(10, 30))
    samples = data.draw(st.lists(ellipse_points(min_points=n, max_points=n, max_ratio=0.8,
                                                min_axis=10.0), min_size=1, max_size=3))
    P = np.stack([s.points for s in samples])
    fb = fit_ellipse(P, method)
    for i, s in enumerate(samples):
        f = fit_ellipse(s.points, method)
        tol = 1e-7 * (1 + f.semi_axes[0])
        assert fb.ok[i] and np.hypot(*(fb.center_xy[i] - f.center_xy)) < tol
        np.testing.assert_allclose(fb.semi_axes[i], f.semi_axes, atol=tol)


def test_geometric_removes_direct_fit_shrinkage():
    """Under noise the direct fit is biased (shrinks the axes); the geometric fit is not."""
    rng = np.random.default_rng(4)
    T, N, sigma = 400, 60, 0.5
    t = np.linspace(0, 2 * np.pi, N, endpoint=False)
    P = _ellipse((50, 40), 30.0, 12.0, 25.0, t) + rng.normal(0, sigma, (T, N, 2))
    d = fit_ellipse(P, "direct")
    g = fit_ellipse(P, "geometric")
    assert d.ok.all() and g.ok.all()
    se = g.semi_axes.std(0) / np.sqrt(T)                          # ~0.007 / 0.005 px
    # direct: b shrinks by several standard errors; geometric: mean error within 4 SE + 0.01 px
    # (its own second-order bias, ~sigma^2 / (2 R) at the flat ends, is below 0.01 px here)
    assert np.mean(d.semi_axes[:, 0]) - 30.0 < -5 * se[0]
    assert np.all(np.abs(g.semi_axes.mean(0) - [30.0, 12.0]) < 4 * se + 0.01)
    # geometric residual RMS is the orthogonal distance RMS and is never above direct's
    assert np.all(g.rms_px <= d.rms_px + 1e-9)
    # predicted uncertainty matches the scatter (400 trials: ~3.5 % sampling error)
    np.testing.assert_allclose(np.median(g.semi_axes_std_px, 0), g.semi_axes.std(0), rtol=0.15)
    np.testing.assert_allclose(np.median(g.angle_std_deg), g.angle_deg.std(), rtol=0.15)


def test_rms_is_orthogonal_distance():
    rng = np.random.default_rng(8)
    P = _ellipse((0, 0), 20.0, 8.0, -30.0, np.linspace(0, 6, 40)) + rng.normal(0, 0.2, (40, 2))
    f = fit_ellipse(P)
    d = distance_point_ellipse(P, f.center_xy, f.semi_axes, f.angle_deg)
    assert f.rms_px == pytest.approx(np.sqrt(np.mean(d * d)), rel=1e-9)
    np.testing.assert_allclose(f.distance(P), d)


def test_failures_and_errors():
    t = np.linspace(0, 2 * np.pi, 10, endpoint=False)
    good = _ellipse((0, 0), 5.0, 3.0, 0.0, t)
    line = np.c_[np.arange(10.0), np.arange(10.0)]
    f = fit_ellipse(np.stack([good, line, good[::-1]]))
    np.testing.assert_array_equal(f.ok, [True, False, True])
    assert np.all(np.isnan(f.semi_axes[1])) and np.isnan(f.angle_deg[1])
    for method in METHODS:
        with pytest.raises(FitError, match="at least 5"):
            fit_ellipse(line, method)
        with pytest.raises(FitError):
            fit_ellipse(good[:4], method)
    with pytest.raises(FitError):
        fit_ellipse(good, weights=np.r_[np.ones(4), np.zeros(6)])
    with pytest.raises(InputError):
        fit_ellipse(np.r_[good, [[np.nan, 0.0]]])
    with pytest.raises(ShapeError):
        fit_ellipse(good.T)
    with pytest.raises(InputError, match="method"):
        fit_ellipse(good, "fitzgibbon")


def test_circle_is_an_ellipse_with_undefined_angle():
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    f = fit_ellipse(np.c_[3 + 5 * np.cos(t), 4 + 5 * np.sin(t)])
    np.testing.assert_allclose(f.semi_axes, [5, 5], atol=1e-9)
    np.testing.assert_allclose(f.center_xy, [3, 4], atol=1e-9)
    assert np.isnan(f.angle_std_deg)


def test_to_dict_roundtrip():
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    f = fit_ellipse(_ellipse((1, 2), 7.0, 3.0, 10.0, t) + 0.01 * np.sin(7 * t)[:, None])
    g = EllipseFit.from_dict(json.loads(json.dumps(f.to_dict(), allow_nan=False)))
    np.testing.assert_array_equal(g.semi_axes, f.semi_axes)
    assert g.angle_deg == f.angle_deg and g.method == f.method
