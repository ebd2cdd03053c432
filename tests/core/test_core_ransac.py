"""ransac: recovery with gross outliers (line, circle, ellipse), determinism of the seed,
equivariance, batches and errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_geom_helpers import parallel_err, wrap180
from metrology.core import CircleFit, EllipseFit, LineFit, distance_point_line, ransac
from metrology.errors import FitError, InputError
from metrology.testing import circle_points, poses


def _circle_with_outliers(rng, B, N=60, R=20.0, sigma=0.05, frac=0.15, c=(50.0, 40.0)):
    th = rng.uniform(0, 2 * np.pi, (B, N))
    P = np.stack([c[0] + R * np.cos(th), c[1] + R * np.sin(th)], -1)
    P += rng.normal(0, sigma, P.shape)
    k = int(round(frac * N))
    P[:, :k] = rng.uniform(np.array(c) - 1.5 * R, np.array(c) + 1.5 * R, (B, k, 2))
    # outliers that happen to fall near the circle are not outliers: mark truth by distance
    d = np.abs(np.hypot(P[..., 0] - c[0], P[..., 1] - c[1]) - R)
    is_out = np.zeros((B, N), bool)
    is_out[:, :k] = d[:, :k] > 0.5
    return P, is_out


def test_circle_recovers_truth_with_outliers():
    rng = np.random.default_rng(7)
    P, is_out = _circle_with_outliers(rng, B=40)
    f = ransac(P, "circle", threshold_px=0.25, rng=1)
    assert isinstance(f, CircleFit) and f.method == "ransac" and f.ok.all()
    err = np.hypot(*(f.center_xy - [50.0, 40.0]).T)
    # 51 inliers with 0.05 px noise: centre std ~ 0.05 * sqrt(2/51) = 0.01 px; 0.05 px is the
    # issue's bound (5 sigma)
    assert err.max() < 0.05 and np.abs(f.radius - 20.0).max() < 0.05
    assert not np.any(f.inliers & is_out)                 # no gross outlier kept
    assert np.all(f.inliers.sum(-1) >= 48)                # nearly every true point kept
    assert f.inliers.shape == (40, 60) and np.all(f.n_points == 60)


def test_line_and_ellipse_recover_truth_with_outliers():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, (20, 60))
    P = np.stack([x, 0.4 * x + 7], -1) + rng.normal(0, 0.05, (20, 60, 2))
    P[:, :9] += rng.uniform(-20, 20, (20, 9, 2))
    f = ransac(P, "line", threshold_px=0.25, rng=0)
    d_true = np.array([1, 0.4]) / np.hypot(1, 0.4)
    assert isinstance(f, LineFit) and f.ok.all()
    assert np.abs(distance_point_line(f.point_xy, [0.0, 7.0], d_true)).max() < 0.05
    assert parallel_err(f.direction, d_true).max() < 2e-3           # ~0.1 degree
    t = rng.uniform(0, 2 * np.pi, (10, 60))
    th = np.radians(-35.0)
    ex, ey = 30 * np.cos(t), 14 * np.sin(t)
    E = np.stack([100 + ex * np.cos(th) - ey * np.sin(th), 60 + ex * np.sin(th) + ey * np.cos(th)],
                 -1) + rng.normal(0, 0.05, (10, 60, 2))
    E[:, :9] = rng.uniform([60, 20], [140, 100], (10, 9, 2))
    g = ransac(E, "ellipse", threshold_px=0.25, rng=0)
    assert isinstance(g, EllipseFit) and g.ok.all()
    assert np.hypot(*(g.center_xy - [100, 60]).T).max() < 0.05
    assert np.abs(g.semi_axes - [30, 14]).max() < 0.05
    assert np.abs(wrap180(g.angle_deg + 35.0)).max() < 0.2


def test_seed_determinism():
    rng = np.random.default_rng(0)
    P, _ = _circle_with_outliers(rng, B=1)
    a = ransac(P[0], "circle", 0.25, rng=123)
    b = ransac(P[0], "circle", 0.25, rng=np.random.default_rng(123))
    assert a.center_xy.tolist() == b.center_xy.tolist() and a.radius == b.radius
    np.testing.assert_array_equal(a.inliers, b.inliers)


@settings(max_examples=25)
@given(s=circle_points(min_points=20, max_points=40, min_radius=5.0, max_radius=100.0,
                       min_arc_deg=180.0, max_noise_px=0.05), T=poses(), seed=st.integers(0, 99))
def test_equivariance(s, T, seed):
    P = s.points.copy()
    P[:3] = s.center_xy + np.array([[0.3, 0.1], [-0.2, 0.4], [0.1, -0.5]]) * s.radius
    f = ransac(P, "circle", 0.3, rng=seed)
    # threshold and robust scale floor are lengths: they scale with the pose like the points
    g = ransac(T.apply(P), "circle", 0.3 * T.scale, rng=seed, scale_floor_px=0.01 * T.scale)
    # same seed -> same samples; the geometry only moves with the pose
    np.testing.assert_array_equal(f.inliers, g.inliers)
    tol = 1e-6 * (1 + s.radius) * T.scale
    assert np.hypot(*(T.apply(f.center_xy) - g.center_xy)) < tol
    assert abs(T.scale * f.radius - g.radius) < tol
    assert not f.inliers[:3].any()


def test_batch_failures_and_errors():
    rng = np.random.default_rng(5)
    P, _ = _circle_with_outliers(rng, B=2, N=30)
    P[1] = rng.uniform(0, 100, (30, 2))                       # no circle in pure clutter
    f = ransac(P, "circle", threshold_px=1e-6, rng=0)
    np.testing.assert_array_equal(f.ok, [False, False])       # 1e-6 px: nothing beyond samples
    g = ransac(P, "circle", threshold_px=0.25, rng=0)
    assert g.ok[0] and np.isfinite(g.radius[0])
    with pytest.raises(FitError, match="inliers"):
        ransac(P[1], "circle", threshold_px=1e-6, rng=0)
    with pytest.raises(FitError):
        ransac(P[0, :2], "circle", 1.0)
    with pytest.raises(FitError):
        ransac(P[0], "line", 1.0, weights=np.zeros(30))
    with pytest.raises(InputError, match="model"):
        ransac(P[0], "parabola", 1.0)
    with pytest.raises(InputError, match="threshold_px"):
        ransac(P[0], "circle", 0.0)
    with pytest.raises(InputError, match="max_iters"):
        ransac(P[0], "circle", 1.0, max_iters=0)
    with pytest.raises(InputError):
        ransac(np.r_[P[0], [[np.nan, 1]]], "circle", 1.0)


def test_weights_exclude_points():
    rng = np.random.default_rng(9)
    P, is_out = _circle_with_outliers(rng, B=1)
    w = np.ones(60)
    w[10:20] = 0.0
    f = ransac(P[0], "circle", 0.25, rng=0, weights=w)
    assert not f.inliers[10:20].any() and f.n_points == 50


@pytest.mark.parametrize("model", ["line", "circle", "ellipse"])
def test_too_few_points_in_batches(model):
    rng = np.random.default_rng(0)
    for P in (rng.normal(size=(3, 1, 2)), np.zeros((3, 0, 2))):
        f = ransac(P, model, 0.5, rng=0)
        assert not f.ok.any() and f.inliers.shape == P.shape[:2]
        with pytest.raises(FitError):
            ransac(P[0], model, 0.5, rng=0)
