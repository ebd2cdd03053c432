"""fit_line: exactness, similarity equivariance, order independence, batch == per item, weights,
robustness and the library's errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_geom_helpers import parallel_err
from metrology.core import LineFit, distance_point_line, fit_line
from metrology.errors import FitError, InputError, ShapeError
from metrology.testing import line_points, poses

METHODS = ["tls", "huber", "tukey"]


@given(s=line_points(max_noise_px=0.0), method=st.sampled_from(METHODS))
def test_exact_points_give_the_line(method, s):
    f = fit_line(s.points, method)
    assert f.ok and f.n_points == len(s.points) and f.inliers.all()
    # coordinates up to 1e3 px: rounding of the inputs is ~1e-13 px
    assert np.max(np.abs(distance_point_line(s.points, f.point_xy, f.direction))) < 1e-8
    assert parallel_err(f.direction, s.direction) < 1e-9
    assert f.rms_px < 1e-8
    np.testing.assert_allclose(f.normal, [-f.direction[1], f.direction[0]])
    assert -90 < f.angle_deg <= 90


@given(s=line_points(min_points=5, max_noise_px=0.5), T=poses(), method=st.sampled_from(METHODS))
def test_similarity_equivariance(method, s, T):
    # the robust scale floor is a length (px): it scales with the pose like the points
    f = fit_line(s.points, method)
    g = fit_line(T.apply(s.points), method, scale_floor_px=0.01 * T.scale)
    # the fit commutes with the pose: compare the transformed line (point on it, direction).
    # Tolerance 1e-6 px: IRLS stops at relative parameter steps of 1e-12 over <= 1e3 px spans.
    assert abs(distance_point_line(T.apply(f.point_xy), g.point_xy, g.direction)) < 1e-6
    assert parallel_err(T.apply_vectors(f.direction) / T.scale, g.direction) < 1e-8
    assert g.rms_px == pytest.approx(T.scale * f.rms_px, rel=1e-6, abs=1e-9)


@given(s=line_points(min_points=4), seed=st.integers(0, 2**16), method=st.sampled_from(METHODS))
def test_point_order_independence(method, s, seed):
    perm = np.random.default_rng(seed).permutation(len(s.points))
    f = fit_line(s.points, method)
    g = fit_line(s.points[perm], method)
    np.testing.assert_allclose(g.point_xy, f.point_xy, atol=1e-7)
    np.testing.assert_allclose(g.direction, f.direction, atol=1e-9)
    np.testing.assert_array_equal(g.inliers, f.inliers[perm])


@settings(max_examples=30)  # costlier fits: fewer examples keep the suite fast
@given(data=st.data(), method=st.sampled_from(METHODS))
def test_batch_equals_per_item(method, data):
    n = data.draw(st.integers(3, 30))
    samples = data.draw(st.lists(line_points(min_points=n, max_points=n), min_size=1,
                                 max_size=5))
    P = np.stack([s.points for s in samples])
    fb = fit_line(P, method)
    assert fb.point_xy.shape == (len(samples), 2) and fb.ok.shape == (len(samples),)
    for i, s in enumerate(samples):
        f = fit_line(s.points, method)
        np.testing.assert_allclose(fb.point_xy[i], f.point_xy, atol=1e-7)
        np.testing.assert_allclose(fb.direction[i], f.direction, atol=1e-9)
        assert fb.rms_px[i] == pytest.approx(f.rms_px, rel=1e-6, abs=1e-9)
        np.testing.assert_array_equal(fb.inliers[i], f.inliers)


def test_batch_leading_dims_and_failed_items():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(2, 3, 10, 2))
    P[1, 2] = 5.0                                 # all points identical: no line
    f = fit_line(P)
    assert f.ok.shape == (2, 3) and f.direction.shape == (2, 3, 2) and f.inliers.shape == (2, 3, 10)
    assert not f.ok[1, 2] and np.all(np.isnan(f.direction[1, 2])) and np.isnan(f.rms_px[1, 2])
    assert f.ok.sum() == 5 and np.all(np.isfinite(f.point_xy[f.ok]))
    d = f.distance(P)
    assert d.shape == (2, 3, 10) and np.all(np.isnan(d[1, 2])) and np.all(np.isfinite(d[0]))


@given(s=line_points(min_points=6, max_noise_px=0.5), k=st.integers(1, 4))
def test_weights(s, k):
    P = s.points
    w = np.ones(len(P))
    w[:2] = 0.0
    f = fit_line(P, weights=w)
    g = fit_line(P[2:])
    np.testing.assert_allclose(f.point_xy, g.point_xy, atol=1e-7)
    assert parallel_err(f.direction, g.direction) < 1e-9
    assert not f.inliers[:2].any() and f.n_points == len(P) - 2
    # integer weights are the same as repeating points; a common factor changes nothing
    w2 = np.ones(len(P))
    w2[0] = k
    h = fit_line(P, weights=w2 * 3.5)
    r = fit_line(np.concatenate([P, np.repeat(P[:1], k - 1, 0)]))
    np.testing.assert_allclose(h.point_xy, r.point_xy, atol=1e-7)
    assert parallel_err(h.direction, r.direction) < 1e-9


def test_tukey_rejects_outliers():
    rng = np.random.default_rng(5)
    x = np.linspace(0, 100, 60)
    P = np.c_[x, 0.25 * x + 3] + rng.normal(0, 0.05, (60, 2))
    P[::7, 1] += rng.uniform(5, 30, len(P[::7]))               # 9 gross outliers (15 %)
    f = fit_line(P, "tukey")
    assert not f.inliers[::7].any() and f.inliers.sum() >= 48
    # truth line y = 0.25 x + 3; residual error of 51 points with 0.05 px noise ~0.01 px
    truth_d = np.array([1.0, 0.25]) / np.hypot(1, 0.25)
    assert abs(distance_point_line(f.point_xy, [0, 3], truth_d)) < 0.03
    assert parallel_err(f.direction, truth_d) < 1e-3
    assert fit_line(P, "tls").rms_px > 1.0                      # the plain fit is pulled off


def test_uncertainty_fields_and_dict():
    rng = np.random.default_rng(1)
    P = np.c_[np.arange(20.0), rng.normal(0, 0.1, 20)]
    f = fit_line(P)
    # offset std = s / sqrt(n); angle std = s / sqrt(sum t^2) (rad)
    s = np.sqrt(np.sum(f.distance(P) ** 2) / 18)
    assert f.offset_std_px == pytest.approx(s / np.sqrt(20), rel=1e-9)
    t = (P - f.point_xy) @ f.direction
    assert f.angle_std_deg == pytest.approx(np.degrees(s / np.sqrt(np.sum(t * t))), rel=1e-9)
    assert f.covariance.shape == (2, 2)
    g = LineFit.from_dict(f.to_dict())
    np.testing.assert_array_equal(g.direction, f.direction)
    assert g.method == "tls" and g.n_points == 20


def test_errors():
    with pytest.raises(FitError, match="at least 2"):
        fit_line([[1.0, 2.0]])
    with pytest.raises(FitError):
        fit_line(np.zeros((0, 2)))
    with pytest.raises(FitError):
        fit_line([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    with pytest.raises(FitError):
        fit_line([[0.0, 0.0], [1.0, 1.0]], weights=[0.0, 0.0])
    with pytest.raises(InputError, match="finite"):
        fit_line([[0.0, 0.0], [np.nan, 1.0]])
    with pytest.raises(ShapeError):
        fit_line([[0.0, 0.0, 1.0]])
    with pytest.raises(ShapeError, match="weights"):
        fit_line([[0.0, 0.0], [1.0, 1.0]], weights=[1.0, 1.0, 1.0])
    with pytest.raises(InputError, match="non-negative"):
        fit_line([[0.0, 0.0], [1.0, 1.0]], weights=[1.0, -1.0])
    with pytest.raises(InputError, match="finite"):
        fit_line([[0.0, 0.0], [1.0, 1.0]], weights=[1.0, np.inf])
    with pytest.raises(InputError, match="method"):
        fit_line([[0.0, 0.0], [1.0, 1.0]], method="lsq")



@pytest.mark.parametrize("n, seed, wkind", [(3, 1, 0), (20, 2, 0), (20, 3, 1),
                                            (57, 4, 2), (120, 5, 1)])
def test_single_tls_path_equals_the_batched_path(n, seed, wkind, monkeypatch):
    # the single-set tls fast path (floats, a few whole-array calls) against the general
    # batched path: the same field types, and values to rounding (1e-13 px seen)
    import sys

    from core_geom_helpers import assert_same_fields, fit_weights, general_path

    fl = sys.modules["metrology.core.fit_line"]
    rng = np.random.default_rng(seed)
    t = rng.uniform(-60.0, 60.0, n)
    ang = rng.uniform(-np.pi, np.pi)
    P = (np.c_[300 + t * np.cos(ang), -50 + t * np.sin(ang)]
         + rng.normal(0, 0.3, (n, 2)))
    w = fit_weights(n, seed, wkind)
    ref = general_path(monkeypatch, fl, fit_line, P, weights=w)

    def no_batch(*a, **k):
        raise AssertionError("batched path taken")

    monkeypatch.setattr(fl, "_tls", no_batch)
    f = fit_line(P, weights=w)
    assert_same_fields(f, ref, ["ok", "n_points", "rms_px", "offset_std_px", "angle_std_deg",
                                "method"],
                       ["point_xy", "direction", "normal", "inliers", "covariance"])
    f2 = fit_line(P[:2])                             # two points: no uncertainty
    assert math.isnan(f2.offset_std_px) and np.isnan(f2.covariance).all()
    monkeypatch.undo()
    with pytest.raises(FitError):                    # a failed fit: the batched path's error
        fit_line(np.ones((4, 2)))
