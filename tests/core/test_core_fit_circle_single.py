"""fit_circle's single-set fast path (plain-float 3x3 algebra) against the batched path: same
centre, radius, statistics and failures; the fast path is really the one taken."""

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_geom_helpers import assert_same_fields, fit_weights, general_path
from metrology.core import fit_circle
from metrology.errors import FitError, InputError
from metrology.testing import circle_points

fc = sys.modules["metrology.core.fit_circle"]       # the module (the package exports the function)

FAST = ["kasa", "taubin", "hyper", "geometric"]
# arcs where the fit is well posed: on a 30-degree arc with noise ~R/100 the geometric minimum is
# so flat that the LM's own stopping rule (cost change <= 1e-14 relative) leaves ~1e-7 of play
arcs = circle_points(min_points=5, max_points=120, min_radius=5.0, max_radius=500.0,
                     min_arc_deg=90.0, max_noise_px=0.5)


@settings(max_examples=40)
@given(s=arcs, seed=st.integers(0, 2**16), wkind=st.integers(0, 2),
       method=st.sampled_from(FAST))
def test_single_path_equals_batched_path(s, seed, wkind, method):
    w = fit_weights(len(s.points), seed, wkind)
    f = fit_circle(s.points, method, weights=w)                        # single-set fast path
    g = fit_circle(s.points[None], method, weights=None if w is None else w[None])  # batched
    assert f.ok is True and bool(g.ok[0])
    R = g.radius[0]
    # algebraic fits: the same closed form, only rounding differs (1e-12 seen).  Geometric: the
    # same LM iterations; near the minimum a rounding-level cost change can be accepted by one
    # path and rejected by the other, which the stopping rule then freezes (~1e-9 relative seen)
    tol = (1e-9 if method != "geometric" else 5e-8) * (1 + R)
    assert np.abs(f.center_xy - g.center_xy[0]).max() < tol
    assert abs(f.radius - R) < tol
    assert f.rms_px == pytest.approx(g.rms_px[0], rel=1e-6, abs=1e-9 * (1 + R))
    # covariance ~ sigma^2: relative 1e-6, with a floor for the noise-free draws (cov ~ 1e-26)
    cov = g.covariance[0]
    atol = 1e-6 * np.abs(cov).max() + (1e-9 * (1 + R)) ** 2
    np.testing.assert_allclose(f.covariance, cov, rtol=0, atol=atol)
    np.testing.assert_allclose(f.center_std_px, g.center_std_px[0], rtol=1e-6, atol=1e-9 * (1 + R))
    assert f.radius_std_px == pytest.approx(g.radius_std_px[0], rel=1e-6, abs=1e-9 * (1 + R))
    np.testing.assert_array_equal(f.inliers, g.inliers[0])
    assert f.n_points == g.n_points[0] == (len(s.points) if w is None else np.count_nonzero(w))


@pytest.mark.parametrize("method", FAST)
def test_fast_path_is_taken_and_gives_the_same_fields(monkeypatch, method):
    rng = np.random.default_rng(5)
    t = rng.uniform(0, 4.0, 32)
    P = np.c_[120 + 35 * np.cos(t), -40 + 35 * np.sin(t)] + rng.normal(0, 0.1, (32, 2))
    w = rng.uniform(0.5, 2.0, 32)
    w[3] = 0.0
    ref = general_path(monkeypatch, fc, fit_circle, P, method, weights=w)

    def no_batch(*a, **k):
        raise AssertionError("batched path taken")

    monkeypatch.setattr(fc, "_fit_flat", no_batch)
    f = fit_circle(P, method, weights=w)
    assert_same_fields(f, ref,
                       ("radius", "rms_px", "ok", "n_points", "radius_std_px", "method"),
                       ("center_xy", "center_std_px", "covariance", "inliers"))
    assert not f.inliers[3] and f.n_points == 31
    with pytest.raises(AssertionError, match="batched"):     # the patch does bite
        fit_circle(P, "tukey")


def test_three_points_and_exact_data(monkeypatch):
    P = np.array([[4.0, 1.0], [1.0, 4.0], [-2.0, 1.0]])              # centre (1, 1), r = 3
    monkeypatch.setattr(fc, "_fit_flat", None)                       # fast path only
    for method in FAST:
        f = fit_circle(P, method)
        np.testing.assert_allclose(f.center_xy, [1.0, 1.0], atol=1e-12)
        assert f.radius == pytest.approx(3.0, abs=1e-12)
        assert np.all(np.isnan(f.covariance)) and np.isnan(f.radius_std_px)   # n <= 3
        assert np.all(np.isnan(f.center_std_px))


DEGENERATE = {
    "collinear": ([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0], [4.0, 4.0]], None),
    "coincident": ([[2.0, 5.0]] * 6, None),
    "two points": ([[0.0, 0.0], [1.0, 1.0]], None),
    "empty": (np.zeros((0, 2)), None),
    "all weights zero": ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0, 0, 0]),
    "two weighted": ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1, 0, 0, 2]),
    "weighted coincident": ([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], [0, 1, 2, 1]),
    "weighted collinear": ([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [5.0, 3.0]], [1, 1, 1, 0]),
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
@pytest.mark.parametrize("method", FAST)
def test_degenerate_inputs_raise_the_same_fit_error(monkeypatch, case, method):
    P, w = DEGENERATE[case]
    assert fc._fit_single(np.asarray(P, float), None if w is None else np.asarray(w, float),
                          method) is None                          # left to the general path
    with pytest.raises(FitError) as fast:
        fit_circle(P, method, weights=w)
    with pytest.raises(FitError) as general:
        general_path(monkeypatch, fc, fit_circle, P, method, weights=w)
    assert str(fast.value) == str(general.value)
    assert "non-collinear points" in str(fast.value)


def test_bad_inputs_still_raise_input_errors():
    for method in FAST:
        with pytest.raises(InputError):
            fit_circle([[0.0, 0.0], [1.0, 0.0], [0.0, np.nan]], method)
        with pytest.raises(InputError):
            fit_circle([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], method, weights=[1, -1, 1])


def test_weights_are_honoured_on_the_fast_path(monkeypatch):
    """A far outlier with zero weight is ignored; doubling a point's weight == duplicating it."""
    rng = np.random.default_rng(9)
    t = rng.uniform(0, 2 * np.pi, 25)
    P = np.c_[10 + 7 * np.cos(t), 20 + 7 * np.sin(t)] + rng.normal(0, 0.05, (25, 2))
    monkeypatch.setattr(fc, "_fit_flat", None)                       # fast path only
    for method in FAST:
        Pout = np.r_[P, [[60.0, -30.0]]]
        f = fit_circle(Pout, method, weights=np.r_[np.ones(25), 0.0])
        g = fit_circle(P, method)
        assert np.abs(f.center_xy - g.center_xy).max() < 1e-9 and abs(f.radius - g.radius) < 1e-9
        assert f.n_points == 25 and not f.inliers[-1]
        w = np.ones(25)
        w[0] = 2.0
        f = fit_circle(P, method, weights=w)
        g = fit_circle(np.r_[P, P[:1]], method)
        assert np.abs(f.center_xy - g.center_xy).max() < 1e-9 and abs(f.radius - g.radius) < 1e-9
