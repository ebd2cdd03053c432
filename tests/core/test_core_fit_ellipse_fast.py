"""fit_ellipse's single-set fast path against the batched path (same fields, statistics and
failures; the fast path is really the one taken), and the nearest-point solver behind the
geometric fits against an independent reference on hard cases (centre, axes, inside the
evolute, far away, a == b, 100:1)."""

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_geom_helpers import assert_same_fields, fit_weights, general_path, wrap180
from metrology.core import closest_point_ellipse, distance_point_ellipse, fit_ellipse
from metrology.errors import FitError, InputError
from metrology.testing import ellipse_points

fe = sys.modules["metrology.core.fit_ellipse"]       # the modules (the package exports functions)
di = sys.modules["metrology.core.distances"]

FAST = ["direct", "geometric"]
# well-posed sets: on short arcs of nearly round ellipses the geometric minimum is so flat that
# the LM's own stopping rule (cost change <= 1e-14 relative) leaves ~1e-6 of play, which any
# rounding difference (even reordering the points on the batched path) exposes
good_ellipses = ellipse_points(min_points=12, max_points=120, min_axis=10.0, max_axis=300.0,
                               min_ratio=0.15, max_ratio=0.8, min_arc_deg=240.0,
                               max_noise_px=0.3)


def _ellipse(c, a, b, ang_deg, t):
    th = np.radians(ang_deg)
    x, y = a * np.cos(t), b * np.sin(t)
    return np.c_[c[0] + x * np.cos(th) - y * np.sin(th), c[1] + x * np.sin(th) + y * np.cos(th)]


@settings(max_examples=60, deadline=None)
@given(s=good_ellipses, seed=st.integers(0, 2**16), wkind=st.integers(0, 2),
       method=st.sampled_from(FAST))
def test_single_path_equals_batched_path(s, seed, wkind, method):
    w = fit_weights(len(s.points), seed, wkind)
    f = fit_ellipse(s.points, method, weights=w)                       # single-set fast path
    g = fit_ellipse(s.points[None], method, weights=None if w is None else w[None])  # batched
    assert f.ok is True and bool(g.ok[0])
    A = g.semi_axes[0][0]
    # direct: the same closed form, only rounding differs (~1e-12 seen).  Geometric: the same
    # LM iterations; near the minimum a rounding-level cost change can be accepted by one path
    # and rejected by the other, which the stopping rule then freezes (<= 4e-9 relative seen,
    # as between the batched path and itself on the points in another order)
    tol = (1e-9 if method == "direct" else 5e-8) * (1 + A)
    assert np.abs(f.center_xy - g.center_xy[0]).max() < tol
    assert np.abs(f.semi_axes - g.semi_axes[0]).max() < tol
    assert abs(wrap180(f.angle_deg - g.angle_deg[0])) < np.degrees(tol / g.semi_axes[0][1])
    assert f.rms_px == pytest.approx(g.rms_px[0], rel=1e-6, abs=1e-9 * (1 + A))
    # covariance ~ sigma^2: relative 1e-5, with a floor for the noise-free draws (cov ~ 1e-26)
    cov = g.covariance[0]
    atol = 1e-5 * np.nanmax(np.abs(cov)) + (1e-8 * (1 + A)) ** 2
    np.testing.assert_allclose(f.covariance, cov, rtol=0, atol=atol)
    np.testing.assert_allclose(f.semi_axes_std_px, g.semi_axes_std_px[0], rtol=1e-5,
                               atol=1e-8 * (1 + A))
    np.testing.assert_array_equal(f.inliers, g.inliers[0])
    assert f.n_points == g.n_points[0] == (len(s.points) if w is None else np.count_nonzero(w))


@pytest.mark.parametrize("method", FAST)
def test_fast_path_is_taken_and_gives_the_same_fields(monkeypatch, method):
    rng = np.random.default_rng(5)
    P = _ellipse((120, -40), 30.0, 14.0, 25.0, rng.uniform(0, 5.5, 40)) \
        + rng.normal(0, 0.05, (40, 2))
    w = rng.uniform(0.5, 2.0, 40)
    w[3] = 0.0
    ref = general_path(monkeypatch, fe, fit_ellipse, P, method, weights=w)

    def no_batch(*a, **k):
        raise AssertionError("batched path taken")

    monkeypatch.setattr(fe, "blockwise", no_batch)
    f = fit_ellipse(P, method, weights=w)
    assert_same_fields(f, ref,
                       ("angle_deg", "rms_px", "ok", "n_points", "angle_std_deg", "method"),
                       ("center_xy", "semi_axes", "center_std_px", "semi_axes_std_px",
                        "covariance", "inliers"))
    assert not f.inliers[3] and f.n_points == 39
    with pytest.raises(AssertionError, match="batched"):     # the patch does bite
        fit_ellipse(P, "tukey")


def test_circle_and_swapped_axes_on_the_fast_path(monkeypatch):
    """a == b (angle undefined: the 4-parameter covariance) and an LM run ending with b > a
    (the canonical swap permutes the statistics) give the batched fields."""
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    rng = np.random.default_rng(3)
    circle = np.c_[3 + 5 * np.cos(t), 4 + 5 * np.sin(t)]
    f = fit_ellipse(circle)
    np.testing.assert_allclose(f.semi_axes, [5, 5], atol=1e-9)
    assert np.isnan(f.angle_std_deg) and np.all(np.isfinite(f.covariance[:4, :4]))
    g = general_path(monkeypatch, fe, fit_ellipse, circle)
    assert np.isnan(g.angle_std_deg)
    np.testing.assert_allclose(f.covariance[:4, :4], g.covariance[:4, :4], rtol=1e-6,
                               atol=1e-30)
    # a nearly round, noisy set whose LM run ends with b > a (the canonical swap follows)
    rng = np.random.default_rng(5)
    P = _ellipse((0, 0), 20.0, 19.8, 0.0, rng.uniform(0, 2 * np.pi, 12)) \
        + rng.normal(0, 0.5, (12, 2))
    Q = fe.normalize_single(P, None)[0]
    prm, _ = fe._lm_single(Q, None, fe._direct_single(Q, None), np.empty((6, 12)))
    assert abs(prm[3]) > abs(prm[2])
    for method in FAST:
        f = fit_ellipse(P, method)
        g = general_path(monkeypatch, fe, fit_ellipse, P, method)
        assert f.semi_axes[0] >= f.semi_axes[1] and -90 < f.angle_deg <= 90
        np.testing.assert_allclose(f.center_xy, g.center_xy, atol=1e-7)
        np.testing.assert_allclose(f.semi_axes, g.semi_axes, atol=1e-7)
        assert abs(wrap180(f.angle_deg - g.angle_deg)) < 1e-5
        np.testing.assert_allclose(f.covariance, g.covariance, rtol=1e-5,
                                   atol=1e-5 * np.abs(g.covariance).max())


DEGENERATE = {
    "collinear": ([[i, 2.0 * i] for i in range(8)], None),
    "coincident": ([[2.0, 5.0]] * 8, None),
    "four points": ([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], None),
    "empty": (np.zeros((0, 2)), None),
    "all weights zero": ([[np.cos(t), np.sin(t)] for t in range(7)], [0] * 7),
    "four weighted": ([[np.cos(t), np.sin(t)] for t in range(7)], [1, 0, 0, 2, 1, 0, 1]),
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
@pytest.mark.parametrize("method", FAST)
def test_degenerate_inputs_raise_the_same_fit_error(monkeypatch, case, method):
    P, w = DEGENERATE[case]
    P = np.asarray(P, float).reshape(-1, 2)
    assert fe._fit_single(P, None if w is None else np.asarray(w, float), method) is None
    with pytest.raises(FitError) as fast:
        fit_ellipse(P, method, weights=w)
    with pytest.raises(FitError) as general:
        general_path(monkeypatch, fe, fit_ellipse, P, method, weights=w)
    assert str(fast.value) == str(general.value)
    assert "at least 5 points" in str(fast.value)


def test_bad_inputs_still_raise_input_errors():
    t = np.linspace(0, 6, 10)
    P = np.c_[5 * np.cos(t), 3 * np.sin(t)]
    for method in FAST:
        with pytest.raises(InputError):
            fit_ellipse(np.r_[P, [[0.0, np.nan]]], method)
        with pytest.raises(InputError):
            fit_ellipse(P, method, weights=np.r_[-1.0, np.ones(9)])


def test_weights_are_honoured_on_the_fast_path(monkeypatch):
    """A far outlier with zero weight is ignored; doubling a point's weight == duplicating it."""
    rng = np.random.default_rng(9)
    P = _ellipse((10, 20), 9.0, 5.0, -30.0, rng.uniform(0, 2 * np.pi, 25)) \
        + rng.normal(0, 0.05, (25, 2))
    monkeypatch.setattr(fe, "blockwise", None)                      # fast path only
    for method in FAST:
        f = fit_ellipse(np.r_[P, [[60.0, -30.0]]], method, weights=np.r_[np.ones(25), 0.0])
        g = fit_ellipse(P, method)
        assert np.abs(f.center_xy - g.center_xy).max() < 1e-9
        assert np.abs(f.semi_axes - g.semi_axes).max() < 1e-9
        assert f.n_points == 25 and not f.inliers[-1]
        w = np.ones(25)
        w[0] = 2.0
        f = fit_ellipse(P, method, weights=w)
        g = fit_ellipse(np.r_[P, P[:1]], method)
        assert np.abs(f.center_xy - g.center_xy).max() < 1e-9
        assert np.abs(f.semi_axes - g.semi_axes).max() < 1e-9


def test_fast_path_fit_is_the_orthogonal_fit():
    """The fast path's residuals are the true orthogonal distances (rms from them)."""
    rng = np.random.default_rng(8)
    P = _ellipse((0, 0), 20.0, 8.0, -30.0, np.linspace(0, 6, 40)) + rng.normal(0, 0.2, (40, 2))
    f = fit_ellipse(P)
    d = distance_point_ellipse(P, f.center_xy, f.semi_axes, f.angle_deg)
    assert f.rms_px == pytest.approx(np.sqrt(np.mean(d * d)), rel=1e-9)


# --- nearest point on an ellipse: independent reference -------------------------------------

def _reference_foot(p: np.ndarray, a: float, b: float) -> np.ndarray:
    """Nearest point of the ellipse ``(a cos u, b sin u)`` to each of ``p`` (k, 2), no point on
    an axis, without the library's root equation: in the quadrant of ``p`` the nearest point is
    the one root of ``f(u) = (a - b)(a + b) sin u cos u - a |x| sin u + b |y| cos u`` in
    ``(0, pi/2)`` (``f(0) > 0 > f(pi/2)``), found by bisection to the last bit; the half
    ``(pi/4, pi/2)`` is bisected in ``v = pi/2 - u`` so that both foot coordinates keep their
    relative precision near the vertices."""
    x, y = np.abs(p[:, 0]), np.abs(p[:, 1])
    c2 = (a - b) * (a + b)

    def f(s, c):                                    # f at sin u = s, cos u = c
        return c2 * s * c - a * x * s + b * y * c

    q = np.pi / 4
    first = f(np.sin(q), np.cos(q)) <= 0            # the root is in [0, pi/4]
    lo, hi = np.zeros(len(p)), np.full(len(p), q)
    for _ in range(200):
        m = 0.5 * (lo + hi)
        # first half: f(u = m) decreasing through 0; second half: f(v = m) increasing
        val = np.where(first, f(np.sin(m), np.cos(m)), -f(np.cos(m), np.sin(m)))
        lo, hi = np.where(val > 0, m, lo), np.where(val > 0, hi, m)
    m = 0.5 * (lo + hi)
    fx = np.where(first, a * np.cos(m), a * np.sin(m))
    fy = np.where(first, b * np.sin(m), b * np.cos(m))
    return np.c_[np.copysign(fx, p[:, 0]), np.copysign(fy, p[:, 1])]


def _hard_points(a: float, b: float) -> dict:
    big, small = max(a, b), min(a, b)
    cusp = (big * big - small * small) / big          # evolute cusp on the major axis
    rng = np.random.default_rng(int(a * 7 + b))
    inside = rng.uniform(-1, 1, (30, 2)) * [cusp if a >= b else 0.2 * a,
                                            0.2 * b if a >= b else cusp] * 0.9
    t = rng.uniform(0, 2 * np.pi, 30)
    near = np.c_[a * np.cos(t), b * np.sin(t)] * (1 + rng.normal(0, 0.01, (30, 1)))
    far = rng.uniform(-1, 1, (20, 2)) * 1e6
    tiny = rng.uniform(-1, 1, (20, 2)) * 1e-6 * small
    # just off the major axis inside the evolute (and just outside it)
    axis = np.linspace(0.05, 1.5, 20) * cusp
    off = 10.0 ** rng.uniform(-12, -6, 20) * small
    off_axis = np.c_[axis, off] if a >= b else np.c_[off, axis]
    return dict(inside=inside, near=near, far=far, tiny=tiny, off_axis=off_axis)


SHAPES = [(2.0, 1.0), (1.0, 1.0), (100.0, 1.0), (1.0, 100.0), (1.0 + 1e-9, 1.0), (3.0, 7.0)]


@pytest.mark.parametrize("a,b", SHAPES)
def test_closest_point_matches_the_reference_on_hard_cases(a, b):
    for name, p in _hard_points(a, b).items():
        p = p[(p[:, 0] != 0) & (p[:, 1] != 0)]
        if not len(p):                               # a circle's evolute is its centre
            continue
        q, d = closest_point_ellipse(p, [0.0, 0.0], [a, b], 0.0)
        ref = _reference_foot(p, a, b)
        scale = max(a, b) + np.abs(p).max(axis=1)
        # the old fixed-step solver was off by up to 14 radii (tiny), 3.5e-3 (off_axis) and
        # 5e-7 (near, 1e4:1) of the scale here; ~1e-16 now
        err = np.hypot(*(q - ref).T) / scale
        assert err.max() < 1e-12, (name, err.max())
        np.testing.assert_allclose(np.abs(d), np.hypot(*(p - ref).T), rtol=0,
                                   atol=1e-13 * scale.max(), err_msg=name)
        np.testing.assert_allclose((q[:, 0] / a) ** 2 + (q[:, 1] / b) ** 2, 1.0, atol=1e-13,
                                   err_msg=name)


@pytest.mark.parametrize("a,b", SHAPES)
def test_closest_point_on_the_axes_and_at_the_centre(a, b):
    """Closed forms: on the major axis inside the evolute (|x| < (a^2 - b^2) / a) the foot is
    at ``x' = a^2 x / (a^2 - b^2)`` off the axis, else the vertex; on the minor axis (and at
    the centre) the co-vertex; on a circle the radial projection."""
    big, small = max(a, b), min(a, b)
    cusp = (big - small) * (big + small) / big
    along = np.array([0.3 * cusp, 0.99 * cusp, 1.01 * cusp, 0.5 * (big + cusp), big, 2 * big,
                      1e6])
    along = np.r_[along, -along]
    across = np.array([0.5 * small, small, 3 * small, 1e6])
    across = np.r_[across, -across]
    inner = np.abs(along) < cusp
    with np.errstate(invalid="ignore", divide="ignore"):
        xf = np.where(inner, big * big * np.abs(along) / ((big - small) * (big + small)), big)
    yf = np.where(inner, small * np.sqrt(np.clip(1 - (xf / big) ** 2, 0, None)), 0.0)
    cases = [(np.c_[along, 0 * along], np.c_[xf, yf]),
             (np.c_[0 * across, across], np.c_[0 * across, 0 * across + small])]
    if a == b:                                       # radial projection
        cases = [(np.c_[along, 0 * along], np.c_[0 * along + a, 0 * along]), cases[1]]
    for p, foot in cases:
        if b > a:                                    # the major axis is y
            p, foot = p[:, ::-1], foot[:, ::-1]
        q, d = closest_point_ellipse(p, [0.0, 0.0], [a, b], 0.0)
        scale = big + np.abs(p).max()
        # on the major axis inside the evolute both mirror images are nearest: |coordinates|
        np.testing.assert_allclose(np.abs(q), foot, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(np.abs(d), np.hypot(*(np.abs(p) - foot).T), rtol=0,
                                   atol=1e-12 * scale)
    q, d = closest_point_ellipse([[0.0, 0.0]], [0.0, 0.0], [a, b], 0.0)     # the centre
    assert d[0] == pytest.approx(-small, rel=1e-12)
    np.testing.assert_allclose((q[0, 0] / a) ** 2 + (q[0, 1] / b) ** 2, 1.0, atol=1e-13)


def test_regressions_of_the_fixed_step_solver():
    """Points where 16 bisection + 8 Newton steps were not enough: near the centre of a
    (near-)circle (the foot came out up to 14 radii away) and just above the major axis
    inside the evolute (3.5e-3 of the axis off)."""
    p = np.array([[3e-7, 4e-7], [-1e-6, 2e-7]])
    q, d = closest_point_ellipse(p, [0.0, 0.0], [1.0, 1.0], 0.0)
    np.testing.assert_allclose(q, p / np.hypot(*p.T)[:, None], atol=1e-12)
    np.testing.assert_allclose(d, np.hypot(*p.T) - 1.0, atol=1e-12)
    # (the evolute of this near-circle is ~2e-9 across: the feet are ~2e-3 rad off radial)
    q, d = closest_point_ellipse(p, [0.0, 0.0], [1.0 + 1e-9, 1.0], 0.0)
    np.testing.assert_allclose(q, _reference_foot(p, 1.0 + 1e-9, 1.0), atol=1e-12)
    p = np.array([[1.498285530043184, 4.7986962695082405e-12]])
    q, _ = closest_point_ellipse(p, [0.0, 0.0], [2.0, 1.0], 0.0)
    np.testing.assert_allclose(q, _reference_foot(p, 2.0, 1.0), atol=1e-12)
    x0 = 2.0 * 2.0 * p[0, 0] / 3.0                       # the on-axis closed form's foot
    np.testing.assert_allclose(q[0], [x0, np.sqrt(1 - (x0 / 2) ** 2)], atol=1e-9)


def test_points_near_the_ellipse_skip_the_bracketed_solver(monkeypatch):
    """The fitting case (points within a few % of the ellipse) settles by Newton alone; the
    bracketed solver only sees the points that need it."""
    calls = []
    real = di._bracketed_root

    def spy(n0, *args):
        calls.append(np.size(n0))
        return real(n0, *args)

    monkeypatch.setattr(di, "_bracketed_root", spy)
    rng = np.random.default_rng(2)
    t = rng.uniform(0, 2 * np.pi, 200)
    for a, b in [(30.0, 14.0), (5.0, 5.0), (100.0, 1.0)]:
        # off the ellipse along its normals by up to ~1/3 of the smallest radius of curvature
        n = np.c_[b * np.cos(t), a * np.sin(t)]
        n /= np.hypot(*n.T)[:, None]
        off = rng.normal(0, 0.1 * b * b / a, (200, 1))
        p = np.c_[a * np.cos(t), b * np.sin(t)] + off * n
        distance_point_ellipse(p, [0.0, 0.0], [a, b], 0.0)
    fit_ellipse(_ellipse((50, 40), 30.0, 14.0, 25.0, t) + rng.normal(0, 0.1, (200, 2)))
    assert calls == []
    inside = np.c_[rng.uniform(-1, 1, 50) * 10, rng.uniform(-1, 1, 50)]
    distance_point_ellipse(np.r_[inside, p], [0.0, 0.0], [30.0, 14.0], 0.0)
    assert calls and calls[-1] <= 50
