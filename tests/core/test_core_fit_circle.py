"""fit_circle: exactness for every method, similarity equivariance, order independence,
batch == per item, weights, uncertainty fields, failures and errors."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology.core import CircleFit, fit_circle
from metrology.errors import FitError, InputError, ShapeError
from metrology.testing import circle_points, poses

METHODS = ["kasa", "taubin", "hyper", "geometric", "tukey"]
# well-conditioned arcs for the equivariance/order properties (a 30-degree arc with 0.5 px noise
# at R = 500 is legitimately unstable, and tiny perturbations would move the fit a lot)
good_arcs = circle_points(min_points=8, min_radius=5.0, max_radius=200.0, min_arc_deg=120.0,
                          max_noise_px=0.3)


def test_three_points_give_the_circumcircle():
    P = np.array([[4.0, 1.0], [1.0, 4.0], [-2.0, 1.0]])              # centre (1, 1), r = 3
    for method in METHODS:
        f = fit_circle(P, method)
        np.testing.assert_allclose(f.center_xy, [1.0, 1.0], atol=1e-12)
        assert f.radius == pytest.approx(3.0, abs=1e-12)
        assert np.all(np.isnan(f.covariance))                         # n <= 3: no residual dof


@given(s=circle_points(min_points=5, max_noise_px=0.0, min_arc_deg=20.0),
       method=st.sampled_from(METHODS))
def test_exact_points_give_the_circle(s, method):
    f = fit_circle(s.points, method)
    # exact data: every method is exact up to rounding; with |c| <= 1e3, R <= 500 and arcs
    # down to 20 degrees the conditioning costs a few orders above 1e-13 px.
    tol = 1e-7 * (1 + s.radius)
    assert f.ok and abs(f.radius - s.radius) < tol
    assert np.hypot(*(f.center_xy - s.center_xy)) < tol
    assert f.rms_px < tol and f.inliers.all() and f.n_points == len(s.points)


@given(s=good_arcs, T=poses(), method=st.sampled_from(METHODS))
def test_similarity_equivariance(s, T, method):
    # the robust scale floor is a length (px): it scales with the pose like the points
    f = fit_circle(s.points, method)
    g = fit_circle(T.apply(s.points), method, scale_floor_px=0.01 * T.scale)
    # fits commute with the pose; 1e-6 px relative covers rounding plus LM/IRLS stopping rules
    tol = 1e-6 * (1 + s.radius) * T.scale
    assert np.hypot(*(T.apply(f.center_xy) - g.center_xy)) < tol
    assert abs(T.scale * f.radius - g.radius) < tol
    np.testing.assert_array_equal(f.inliers, g.inliers)


@settings(max_examples=30)  # costlier fits: fewer examples keep the suite fast
@given(s=good_arcs, seed=st.integers(0, 2**16), method=st.sampled_from(METHODS))
def test_point_order_independence(s, seed, method):
    perm = np.random.default_rng(seed).permutation(len(s.points))
    f = fit_circle(s.points, method)
    g = fit_circle(s.points[perm], method)
    tol = 1e-7 * (1 + s.radius)
    assert np.hypot(*(f.center_xy - g.center_xy)) < tol and abs(f.radius - g.radius) < tol
    np.testing.assert_array_equal(g.inliers, f.inliers[perm])


@settings(max_examples=30)  # costlier fits: fewer examples keep the suite fast
@given(data=st.data(), method=st.sampled_from(METHODS))
def test_batch_equals_per_item(data, method):
    n = data.draw(st.integers(5, 40))
    samples = data.draw(st.lists(circle_points(min_points=n, max_points=n, min_arc_deg=90.0),
                                 min_size=1, max_size=4))
    P = np.stack([s.points for s in samples])
    fb = fit_circle(P, method)
    for i, s in enumerate(samples):
        f = fit_circle(s.points, method)
        tol = 1e-7 * (1 + f.radius)
        assert fb.ok[i]
        assert np.hypot(*(fb.center_xy[i] - f.center_xy)) < tol
        assert abs(fb.radius[i] - f.radius) < tol
        np.testing.assert_array_equal(fb.inliers[i], f.inliers)


def test_batch_marks_degenerate_items():
    t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    good = np.c_[10 + 4 * np.cos(t), 3 + 4 * np.sin(t)]
    line = np.c_[np.arange(12.0), 2 * np.arange(12.0) + 1]           # collinear
    same = np.full((12, 2), 7.0)                                     # coincident
    P = np.stack([good, line, same, good])
    for method in METHODS:
        f = fit_circle(P, method)
        np.testing.assert_array_equal(f.ok, [True, False, False, True])
        assert np.all(np.isnan(f.center_xy[1:3])) and np.all(np.isnan(f.radius[1:3]))
        assert not f.inliers[1:3].any()
        np.testing.assert_allclose(f.radius[[0, 3]], 4.0, atol=1e-9)
    w = np.ones((4, 12))
    w[3, 2:] = 0.0                                                   # only 2 points left
    f = fit_circle(P, "hyper", weights=w)
    np.testing.assert_array_equal(f.ok, [True, False, False, False])


@settings(max_examples=30)  # costlier fits: fewer examples keep the suite fast
@given(s=circle_points(min_points=8, min_arc_deg=90.0), k=st.integers(2, 4))
def test_weights(s, k):
    w = np.ones(len(s.points))
    w[:3] = 0.0
    for method in ("hyper", "geometric"):
        f = fit_circle(s.points, method, weights=w)
        g = fit_circle(s.points[3:], method)
        tol = 1e-7 * (1 + s.radius)
        assert np.hypot(*(f.center_xy - g.center_xy)) < tol and abs(f.radius - g.radius) < tol
        assert f.n_points == len(s.points) - 3 and not f.inliers[:3].any()
    w2 = np.ones(len(s.points))
    w2[0] = k
    f = fit_circle(s.points, "geometric", weights=w2 * 0.3)
    g = fit_circle(np.concatenate([s.points, np.repeat(s.points[:1], k - 1, 0)]), "geometric")
    tol = 1e-7 * (1 + s.radius)
    assert np.hypot(*(f.center_xy - g.center_xy)) < tol and abs(f.radius - g.radius) < tol


def test_uncertainty_matches_monte_carlo():
    """The first-order covariance predicts the scatter of geometric fits over 3000 trials."""
    rng = np.random.default_rng(11)
    T, N, R, sigma = 3000, 40, 25.0, 0.2
    th = np.linspace(0, np.pi, N)                         # half circle: anisotropic errors
    P = np.c_[R * np.cos(th), R * np.sin(th)] + rng.normal(0, sigma, (T, N, 2))
    f = fit_circle(P, "geometric")
    assert f.ok.all()
    emp = np.std(np.c_[f.center_xy, f.radius], axis=0)
    pred = np.sqrt(np.median(np.diagonal(f.covariance, axis1=1, axis2=2), axis=0))
    # 3000 trials: the empirical std has ~1.3 % relative error; first-order theory at
    # sigma/R = 0.008 is accurate to well under 5 %
    np.testing.assert_allclose(pred, emp, rtol=0.06)
    np.testing.assert_allclose(f.center_std_px, np.sqrt(np.diagonal(f.covariance, axis1=1,
                                                                    axis2=2))[:, :2])
    assert f.radius_std_px.shape == (T,)


def test_to_dict_json_roundtrip():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 5, 20)
    P = np.stack([np.c_[np.cos(t), np.sin(t)] * 9 + rng.normal(0, .1, (20, 2)),
                  np.c_[t, t]])                                        # second one fails
    fb = fit_circle(P, "geometric")
    d = json.loads(json.dumps(fb.to_dict(), allow_nan=False))
    g = CircleFit.from_dict(d)
    np.testing.assert_array_equal(g.ok, [True, False])
    np.testing.assert_array_equal(g.center_xy, fb.center_xy)
    np.testing.assert_array_equal(g.covariance, fb.covariance)
    assert g.method == "geometric" and np.isnan(g.radius[1])
    f = fit_circle(P[0])
    h = CircleFit.from_dict(json.loads(json.dumps(f.to_dict())))
    assert h.radius == f.radius and isinstance(h.radius, float) and h.ok is True
    with pytest.raises(InputError):
        CircleFit.from_dict({"type": "LineFit"})
    with pytest.raises(InputError, match="missing"):
        CircleFit.from_dict({"type": "CircleFit"})


@pytest.mark.parametrize("method", METHODS)
def test_errors(method):
    with pytest.raises(FitError, match="non-collinear"):
        fit_circle([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0], [4.0, 4.0]], method)
    with pytest.raises(FitError):
        fit_circle([[0.0, 0.0], [1.0, 1.0]], method)
    with pytest.raises(FitError):
        fit_circle(np.zeros((0, 2)), method)
    with pytest.raises(FitError):
        fit_circle([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], method, weights=[0, 0, 0])
    with pytest.raises(InputError):
        fit_circle([[0.0, 0.0], [1.0, 0.0], [0.0, np.inf]], method)
    with pytest.raises(ShapeError):
        fit_circle([0.0, 1.0, 2.0], method)
    with pytest.raises(InputError, match="method"):
        fit_circle([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "pratt")


def test_geometric_is_the_least_squares_minimum():
    """The batched LM reaches the same orthogonal-distance minimum as SciPy's solver."""
    from scipy.optimize import least_squares
    rng = np.random.default_rng(12)
    B, N = 12, 25
    th = rng.uniform(0, rng.uniform(0.5, 2 * np.pi, (B, 1)), (B, N))
    P = np.stack([3 + 40 * np.cos(th), -5 + 40 * np.sin(th)], -1) + rng.normal(0, 0.8, (B, N, 2))
    f = fit_circle(P, "geometric")
    h = fit_circle(P, "hyper")
    for i in range(B):
        def res(q, p=P[i]):
            return np.hypot(p[:, 0] - q[0], p[:, 1] - q[1]) - q[2]
        ref = least_squares(res, np.r_[h.center_xy[i], h.radius[i]], xtol=1e-15, ftol=1e-15,
                            gtol=1e-15)
        ours = np.sum(res(np.r_[f.center_xy[i], f.radius[i]]) ** 2)
        # same minimum: cost within 1e-10 relative (rounding), hence the same parameters
        assert ours <= 2 * ref.cost * (1 + 1e-10)
        assert np.sqrt(2 * ref.cost / N) == pytest.approx(f.rms_px[i], rel=1e-6)


def test_newton_moment_solver_matches_eigen_solver():
    """Hyper/Taubin by Newton on the characteristic polynomial == explicit generalized
    eigen-decomposition (the fallback), on easy and hard (short, noisy, weighted) arcs."""
    from metrology.core._batch import normalize, normalize_planar
    from metrology.core.fit_circle import _algebraic, _moment_fit
    rng = np.random.default_rng(3)
    for arc, sigma in [(2 * np.pi, 0.1), (np.pi / 2, 0.5), (np.pi / 6, 1.0), (2 * np.pi, 5.0)]:
        th = rng.uniform(0, arc, (500, 20))
        P = 10 * np.stack([np.cos(th), np.sin(th)], -1) + rng.normal(0, sigma, (500, 20, 2))
        W = rng.uniform(0.5, 2.0, (500, 20))
        Pn, _, _ = normalize(P, W)
        for kind in ("hyper", "taubin"):
            c1, r1, _ = _algebraic(Pn, W, kind)
            c2, r2, _ = _moment_fit(normalize_planar(P, W)[0], W, kind)
            # normalised units; the hardest case (30-degree arcs, sigma = R/10) has items
            # with radii ~100x the point spread (condition ~1e8): 1e-6 relative covers them
            np.testing.assert_allclose(r2, r1, rtol=1e-6)
            np.testing.assert_allclose(c2, c1, atol=1e-6 * np.max(r1))
