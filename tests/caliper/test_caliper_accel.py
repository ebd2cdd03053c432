"""The optional compiled kernels (numba, the ``fast`` extra) against the NumPy reference.

The NumPy code is the reference: every tool is run both ways on rendered scenes and the results
compared.  Tolerances:

* positions (points, centre, radius, line offset) 2e-6 px, from the fits' stop rules: the
  NumPy batch stops when every edge's Newton step is below ``erf_single._NEWTON_TOL_*``,
  which leaves each edge within 1.6e-6 px of the least-squares optimum (measured on 2,700
  batches; median 4e-8 px); the kernel stops each edge on its own Newton step below 0.3
  of that rule, < 7.2e-7 px from the optimum (measured; ``test_caliper_edges``' optimum
  test runs both paths at 1e-6 px).  Measured: 1e-13 to 2e-7 px on the tools' scenes,
  1.02e-6 px on one edge of the synthetic batch below, where the kernel is 3e-9 px from the optimum.  The
  profiles themselves agree to rounding;
* edge blur 1e-5 relative (4.4e-6 px of the optimum by the same stop rule, blur >= 0.5 px);
* position std 1e-4 relative: both fits take their statistics to first order in the last
  Newton step, but that step differs (the compiled fit's stop rule is 3x tighter, so its
  last step is smaller: up to 1e-3 px in position and 2e-3 px in blur for the NumPy one);
  exact to O((step / blur)^2): (2e-3 / 0.3)^2 = 4e-5 at the smallest optical blur of these
  scenes (measured: 2.3e-5).  The std's own sampling error is ~1 / sqrt(window) ~ 20 %;
* the sampled profiles: 1e-12 of the gray range (the same taps and weights summed in the same
  order; only the mean's rounding may differ).

Without numba these tests are skipped; the NumPy path is what the rest of the suite runs then.
CI installs the ``test`` extra, which includes numba, so both paths run there.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from metrology import _accel
from metrology.caliper import (EdgeSettings, find_circle, find_ellipse, find_line, measure_edges,
                               measure_pairs)

from caliper_scenes import disk, edge, ellipse, noisy, stripes

numba = pytest.importorskip("numba")

POS_TOL = 2e-6
BLUR_REL = 1e-5
STD_REL = 1e-4


def _both(fn):
    with _accel.disabled():
        ref = fn()
    return ref, fn()


def _assert_edges_equal(ref, got, rel=STD_REL):
    np.testing.assert_allclose(got.points_xy, ref.points_xy, rtol=0, atol=POS_TOL)
    np.testing.assert_array_equal(got.inliers, ref.inliers)
    np.testing.assert_allclose(got.edge_std_px, ref.edge_std_px, rtol=rel, atol=1e-12)


def test_kernels_load_and_switch_off():
    assert _accel.available()
    with _accel.disabled():
        assert _accel.kernels("caliper") is None and _accel.kernels("image") is None
        assert not _accel.available()
    assert _accel.kernels("caliper") is not None
    with pytest.raises(ValueError):
        _accel.kernels("nonexistent")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fast", [False, True])
def test_find_circle_equal(seed, fast):
    rng = np.random.default_rng(seed)
    cx, cy, r = 55.3 + rng.uniform(-1, 1), 54.8 + rng.uniform(-1, 1), rng.uniform(12, 35)
    img = noisy(disk(cx, cy, r), 1.5, rng)
    kw = dict(edges=EdgeSettings(interpolation="linear", subpixel="gauss")) if fast else {}
    ref, got = _both(lambda: find_circle(img, (55.0, 55.0), r + 0.6, 32, **kw))
    _assert_edges_equal(ref, got)
    np.testing.assert_allclose(got.center_xy, ref.center_xy, rtol=0, atol=POS_TOL)
    assert abs(got.radius - ref.radius) <= POS_TOL
    np.testing.assert_allclose(got.std_center_px, ref.std_center_px, rtol=STD_REL)
    assert math.isclose(got.edge_blur_px, ref.edge_blur_px, rel_tol=BLUR_REL)
    # and both are right: the truth within 6 of the reported standard errors
    assert np.all(np.abs(got.center_xy - (cx, cy)) < 6 * got.std_center_px + 2e-3)


@pytest.mark.parametrize("seed", range(3))
def test_find_line_and_edges_equal(seed):
    rng = np.random.default_rng(10 + seed)
    ang = rng.uniform(0, 180)
    img = noisy(edge(70.2, 69.7, ang), 2.0, rng)
    t = np.radians(ang + 90.0)
    d = np.array([math.cos(t), math.sin(t)])
    c = np.array([70.2, 69.7])
    ref, got = _both(lambda: find_line(img, c - 40 * d, c + 40 * d, 20))
    _assert_edges_equal(ref, got)
    np.testing.assert_allclose(got.fit.distance(c[None]), ref.fit.distance(c[None]),
                               rtol=0, atol=POS_TOL)
    assert math.isclose(got.std_offset_px, ref.std_offset_px, rel_tol=STD_REL)
    n = np.array([-d[1], d[0]])
    e_ref, e_got = _both(lambda: measure_edges(img, c - 20 * n, c + 20 * n, width=5))
    np.testing.assert_allclose(e_got.positions, e_ref.positions, rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(e_got.blur_px, e_ref.blur_px, rtol=BLUR_REL)
    np.testing.assert_allclose(e_got.std_px, e_ref.std_px, rtol=STD_REL)


def test_several_edges_per_profile_and_ellipse_equal():
    """Stripes (several candidates a profile: the general fit, NumPy in both) and an ellipse
    (its own layout) give the same results either way."""
    rng = np.random.default_rng(3)
    img = noisy(stripes(40.3, 30.0, 0.0, (3.0, 5.0), (4.0,)), 1.0, rng)
    ref, got = _both(lambda: measure_pairs(img, (22.0, 30.0), (58.0, 30.0), width=7))
    assert got.widths.size == ref.widths.size >= 1
    np.testing.assert_allclose(got.widths, ref.widths, rtol=0, atol=POS_TOL)
    img = noisy(ellipse(55.2, 54.6, 30.0, 18.0, 25.0), 1.2, rng)
    ref, got = _both(lambda: find_ellipse(img, (55, 55), (30, 18), 25.0))
    _assert_edges_equal(ref, got)
    np.testing.assert_allclose(got.center_xy, ref.center_xy, rtol=0, atol=POS_TOL)


def test_fit_kernel_equal_on_hard_profiles():
    """The fit alone on synthetic profiles with every footprint, blurs from 0.3 to 4 px, low
    contrast and a slope: refined flags equal; where refined, the same position and std."""
    from scipy.special import ndtr

    from metrology.caliper.erf_single import fit_single

    rng = np.random.default_rng(5)
    e = 200
    x = np.arange(-20.0, 21.0)
    t = rng.uniform(-2, 2, e)
    s = rng.uniform(0.3, 4.0, e)
    a = rng.choice([-1, 1], e) * rng.uniform(5, 120, e)
    v = 80 + a[:, None] * ndtr((x - t[:, None]) / s[:, None]) + 0.05 * x \
        + rng.normal(0, 1.5, (e, x.size))
    ang = rng.uniform(0, np.pi, e)
    foot = np.stack([np.cos(ang), np.sin(ang)], 1)
    t0 = t + rng.uniform(-0.4, 0.4, e)
    s0 = s * rng.uniform(0.8, 1.25, e)
    rows = np.arange(e)
    with _accel.disabled():
        ref = fit_single(v, x, rows, t0, s0, a, 7, foot)
    got = fit_single(v, x, rows, t0, s0, a, 7, foot)
    assert ref.refined.mean() > 0.9
    np.testing.assert_array_equal(got.refined, ref.refined)
    both = ref.refined & got.refined
    same = np.abs(got.position - ref.position) <= POS_TOL
    assert same[both].mean() >= 0.85
    good = both & same & (ref.std < 1.0)      # (not the near-degenerate fits: std ~ 1e4 px)
    np.testing.assert_allclose(got.std[good], ref.std[good], rtol=STD_REL)
    # the others: a batch this hard ends on a Gauss-Newton step below 2e-5 px for every edge
    # (linear convergence), the kernel on each edge's Newton step: within 1e-4 px of each
    # other
    assert np.abs(got.position - ref.position)[both].max() <= 1e-4


@pytest.mark.parametrize("interp", ["linear", "cubic", "spline"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_profiles_equal(interp, dtype):
    from metrology.image.profiles import ray_calipers, sample_profiles

    rng = np.random.default_rng(1)
    img = (rng.uniform(0, 200, (60, 70))).astype(dtype)
    cal = ray_calipers((35.2, 30.1), 14.0, np.arange(12) * 30.0, 10.0, 5.0)
    with _accel.disabled():
        ref = sample_profiles(img, cal, interp)
    got = sample_profiles(img, cal, interp)
    np.testing.assert_allclose(got.values, ref.values, rtol=0, atol=1e-12 * 200)


def _run(code: str, env=None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_does_not_load_numba():
    code = ("import sys, metrology, metrology.caliper, metrology.cli\n"
            "print('numba' in sys.modules)")
    assert _run(code) == "False"


def test_numpy_fallback_without_numba(tmp_path):
    """numba not importable: the package imports, the tools run the NumPy code and give the
    same circle as with the kernels."""
    img = noisy(disk(55.3, 54.8, 25.0), 1.5, np.random.default_rng(0))
    np.save(path := tmp_path / "disk.npy", img)
    code = ("import sys, json; sys.modules['numba'] = None\n"
            "import numpy as np\n"
            "from metrology import _accel\n"
            "from metrology.caliper import find_circle\n"
            f"r = find_circle(np.load({str(path)!r}), (55, 55), 25.6)\n"
            "print(json.dumps([_accel.available(), r.center_xy.tolist(), r.radius]))")
    on, centre, radius = json.loads(_run(code))
    assert on is False
    got = find_circle(img, (55, 55), 25.6)
    np.testing.assert_allclose(centre, got.center_xy, rtol=0, atol=POS_TOL)
    assert abs(radius - got.radius) <= POS_TOL


def test_environment_switch():
    code = "from metrology import _accel; print(_accel.available())"
    assert _run(code, {"METROLOGY_NUMBA": "0"}) == "False"


@pytest.mark.parametrize("transition", ["any", "positive", "negative"])
@pytest.mark.parametrize("select", ["first", "last", "strongest"])
@pytest.mark.parametrize("subpixel", ["erf", "gauss"])
def test_detect_edges_equal(transition, select, subpixel):
    """The compiled derivative, peaks, selection and Gaussian estimates: the same edges on
    profiles with one edge, two edges (the NumPy joint fit), none, and edges outside the
    search range."""
    from scipy.special import ndtr

    from metrology.caliper import detect_edges

    rng = np.random.default_rng(7)
    x = np.arange(-16.0, 17.0)
    k = 60
    t1 = rng.uniform(-6, 6, k)
    a1 = rng.choice([-1, 1], k) * rng.uniform(20, 120, k)
    v = 50 + a1[:, None] * ndtr((x - t1[:, None]) / 1.1)
    v[::7] = 50.0                                         # no edge
    two = rng.random(k) < 0.2                              # a second edge 8 px away
    v[two] += -a1[two, None] * ndtr((x - t1[two, None] - 8.0) / 1.1)
    v += rng.normal(0, 1.0, v.shape)
    kw = dict(edges=EdgeSettings(transition=transition, select=select, subpixel=subpixel,
                                 threshold=15.0), search_half=10.0)
    for rows in (slice(None), ~two):                       # with and without two-edge rows
        with _accel.disabled():
            ref = detect_edges(v[rows], x, **kw)
        got = detect_edges(v[rows], x, **kw)
        np.testing.assert_array_equal(got.profile, ref.profile)
        np.testing.assert_array_equal(got.candidates, ref.candidates)
        np.testing.assert_array_equal(got.refined, ref.refined)
        np.testing.assert_allclose(got.position, ref.position, rtol=0, atol=POS_TOL)
        np.testing.assert_allclose(got.amplitude, ref.amplitude, rtol=1e-9)
        np.testing.assert_allclose(got.blur, ref.blur, rtol=BLUR_REL)
        np.testing.assert_allclose(got.std_px, ref.std_px, rtol=STD_REL)


@pytest.mark.parametrize("seed", range(6))
def test_circle_fit_kernel_equal(seed):
    """The compiled final circle fit (core geometric fit + final_fit's outlier test) against
    the NumPy code on point sets: clean (status 0: the same circle, covariance and RMS),
    with one outlier (status 1: the caller runs RANSAC), and degenerate ones (status 2).
    Tolerance 1e-9 px: both run the same Levenberg-Marquardt with the same stop rule (a step
    below 1e-9 of the points' RMS spread); only the summation order differs."""
    from metrology.caliper.circle import _final_fit
    from metrology.caliper.contour import final_fit
    from metrology.core import fit_circle

    kern = _accel.kernels("caliper")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 64))
    c = rng.uniform(-300, 300, 2)
    r = rng.uniform(2, 400)
    phi = rng.uniform(0, rng.uniform(0.5, 2 * np.pi), n)
    p = c + r * np.c_[np.cos(phi), np.sin(phi)] + rng.normal(0, 0.05, (n, 2))
    std = np.full(n, 0.05)
    out = np.empty(11)
    assert kern.circle_fit(p, std, 1.0, 4.685, 1.482602218505602, out) == 0
    ref = fit_circle(p, method="geometric")
    np.testing.assert_allclose(out[:2], ref.center_xy, rtol=0, atol=1e-9)
    assert abs(out[2] - ref.radius) <= 1e-9
    assert math.isclose(out[3], ref.rms_px, rel_tol=1e-7)
    np.testing.assert_allclose(out[[4, 5, 6, 7, 8, 9]], ref.covariance[np.triu_indices(3)],
                               rtol=1e-6, atol=1e-15)

    class Got:                      # what _final_fit reads of a Found
        points = p
        edges = type("E", (), {"std_px": std})

    got = _final_fit(Got, 1.0, 0)
    with _accel.disabled():
        want = final_fit(Got, p, "circle", 1.0, 0)
    np.testing.assert_allclose(got.center_xy, want.center_xy, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.covariance, want.covariance, rtol=1e-6, atol=1e-15)
    assert got.method == want.method and got.n_points == want.n_points
    # an outlier: the kernel hands over to the robust NumPy fit
    q = p.copy()
    q[0] += 3.0 * (q[0] - c) / r
    assert kern.circle_fit(q, std, 1.0, 4.685, 1.482602218505602, out) == 1
    # degenerate sets: the NumPy code decides (its FitError or its batched path)
    line = np.c_[np.arange(5.0), np.zeros(5)]
    assert kern.circle_fit(line, np.zeros(5), 1.0, 4.685, 1.482602218505602, out) == 2
    assert kern.circle_fit(p[:2].copy(), std[:2].copy(), 1.0, 4.685, 1.482602218505602,
                           out) == 2
    same = np.repeat(p[:1], 4, axis=0)
    assert kern.circle_fit(same, std[:4].copy(), 1.0, 4.685, 1.482602218505602, out) == 2


@pytest.mark.parametrize("seed", range(4))
def test_circle_finish_kernel_equal(seed):
    """find_circle's residuals, ray directions and covariance (compiled) against the NumPy
    code (``contour.covariance``): the same sums, a closed-form 3x3 inverse instead of LAPACK,
    so equal to rounding (1e-9 relative on these well-conditioned sets); NaN edge
    uncertainties left out, NaN covariance with at most 3 inliers."""
    from metrology.caliper.contour import covariance

    kern = _accel.kernels("caliper")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    c = rng.uniform(-50, 50, 2)
    phi = rng.uniform(0, 2 * np.pi, n)
    p = c + 20.0 * np.c_[np.cos(phi), np.sin(phi)] + rng.normal(0, 0.1, (n, 2))
    std = rng.uniform(0.01, 0.2, n)
    std[rng.integers(0, n)] = np.nan
    for inl in (rng.random(n) < 0.8, np.arange(n) < 3):
        res, unit, cov = np.empty(n), np.empty((n, 2)), np.empty((3, 3))
        kern.circle_finish(p, c[0], c[1], 20.03, 0.03, inl, std, res, unit, cov)
        v = p - c
        nv = np.hypot(v[:, 0], v[:, 1])
        want_res = nv - 20.03 + 0.03
        want_unit = v / nv[:, None]
        jac = np.concatenate([-want_unit, -np.ones((n, 1))], axis=1)
        want = covariance(jac, want_res, inl, std, 3)
        np.testing.assert_allclose(res, want_res, rtol=0, atol=1e-12)
        np.testing.assert_allclose(unit, want_unit, rtol=0, atol=1e-15)
        np.testing.assert_allclose(cov, want, rtol=1e-9, atol=0)
        assert np.isnan(cov).all() == (inl.sum() <= 3)


@pytest.mark.parametrize("seed", range(6))
def test_line_fit_kernel_equal(seed):
    """The compiled final line fit (the core's total least squares + final_fit's outlier test)
    against the NumPy code: the same closed-form formulas, equal to rounding (1e-9 px,
    1e-9 relative for the variances); an outlier hands over to the robust NumPy fit (1), a
    set of coincident points to the core's error (2)."""
    from metrology.caliper.contour import final_fit
    from metrology.caliper.line import _final_fit

    kern = _accel.kernels("caliper")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    c = rng.uniform(-300, 300, 2)
    a = rng.uniform(-np.pi, np.pi)
    d = np.array([np.cos(a), np.sin(a)])
    p = c + rng.uniform(-60, 60, n)[:, None] * d + rng.normal(0, 0.05, (n, 1)) * [-d[1], d[0]]
    std = np.full(n, 0.05)

    class Got:                      # what _final_fit reads of a Found
        points = p
        edges = type("E", (), {"std_px": std})

    got = _final_fit(Got, 1.0, 0)
    with _accel.disabled():
        want = final_fit(Got, p, "line", 1.0, 0)
    for f in ("point_xy", "direction", "normal"):
        np.testing.assert_allclose(getattr(got, f), getattr(want, f), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.covariance, want.covariance, rtol=1e-9, atol=0)
    assert math.isclose(got.rms_px, want.rms_px, rel_tol=1e-7)
    assert got.method == want.method and got.n_points == want.n_points
    out, res = np.empty(8), np.empty(n)
    assert kern.line_fit(p, std, 1.0, 4.685, 1.482602218505602, out, res) == 0
    np.testing.assert_allclose(res, want.distance(p), rtol=0, atol=1e-9)
    if n >= 5:
        q = p.copy()
        q[0] += 3.0 * np.array([-d[1], d[0]])
        assert kern.line_fit(q, std, 1.0, 4.685, 1.482602218505602, out, res) == 1
    same = np.repeat(p[:1], 3, axis=0)
    assert kern.line_fit(same, std[:1].repeat(3), 1.0, 4.685, 1.482602218505602, out,
                         np.empty(3)) == 2


@pytest.mark.parametrize("seed", range(4))
def test_line_finish_kernel_equal(seed):
    """find_line's residuals and (offset, angle) covariance (compiled) against the NumPy code
    (``LineFit.distance``, ``contour.covariance``): the same sums and a closed-form 2x2
    inverse, equal to rounding; NaN edge uncertainties left out, NaN with <= 2 inliers."""
    from metrology.caliper.contour import covariance
    from metrology.core import fit_line

    kern = _accel.kernels("caliper")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 40))
    p = rng.uniform(-100, 100, 2) + rng.uniform(-50, 50, (n, 1)) * [0.6, 0.8] \
        + rng.normal(0, 0.1, (n, 2))
    line = fit_line(p)
    std = rng.uniform(0.01, 0.2, n)
    std[rng.integers(0, n)] = np.nan
    (cx, cy), (dx, dy) = line.point_xy.tolist(), line.direction.tolist()
    for inl in (rng.random(n) < 0.8, np.arange(n) < 2):
        res, cov = np.empty(n), np.empty((2, 2))
        kern.line_finish(p, cx, cy, dx, dy, inl, std, res, cov)
        want_res = line.distance(p)
        u = (p - line.point_xy) @ line.direction
        want = covariance(np.stack([np.ones_like(u), u], axis=1), want_res, inl, std, 2)
        np.testing.assert_allclose(res, want_res, rtol=0, atol=1e-12)
        np.testing.assert_allclose(cov, want, rtol=1e-9, atol=0)
        assert np.isnan(cov).all() == (inl.sum() <= 2)


def test_one_kernel_call_from_profiles_to_edges(monkeypatch):
    """find_circle's edges come from one compiled call (``_kernels.edges_single``: peaks,
    fits and their outputs) on a usual scene, the staged kernels not called; on a shaded
    scene (the shading refit: the general NumPy solver) the staged path runs.  Both equal to
    the NumPy code."""
    kern = _accel.kernels("caliper")
    calls = []
    for name in ("edges_single", "peaks", "fit_single"):
        real = getattr(kern, name)
        monkeypatch.setattr(kern, name, lambda *a, _r=real, _n=name: calls.append(_n) or _r(*a))
    rng = np.random.default_rng(3)
    img = noisy(disk(55.3, 54.6, 30.0), 1.2, rng)
    ref, got = _both(lambda: find_circle(img, (55.0, 55.0), 30.6))
    assert calls == ["edges_single"]
    _assert_edges_equal(ref, got)
    assert abs(got.radius - ref.radius) <= POS_TOL
    calls.clear()
    shaded = noisy(disk(55.3, 54.6, 30.0) * np.linspace(0.5, 1.5, 110)[None, :], 0.3, rng)
    ref, got = _both(lambda: find_circle(shaded, (55.0, 55.0), 30.6))
    assert calls[0] == "edges_single" and "peaks" in calls
    _assert_edges_equal(ref, got)
    assert abs(got.radius - ref.radius) <= POS_TOL


def test_curvature_correction_kernel_equal():
    """find_circle's curvature correction compiled: the same operations in the same order as
    the Python floats, so the same value to the last bit, inside the table and clipped
    outside it (radius 3-300 px, blur 0.3-4 px)."""
    from metrology.caliper.curvature import circle_correction

    rng = np.random.default_rng(3)
    cases = np.stack([rng.uniform(3.0, 300.0, 500), rng.uniform(0.3, 4.0, 500)], axis=1)
    got = [circle_correction(r, b) for r, b in cases]
    with _accel.disabled():
        ref = [circle_correction(r, b) for r, b in cases]
    assert got == ref
    assert min(got) > 0.0          # a real correction, not a constant


@pytest.mark.parametrize("shape", [(125, 125), (81, 123), (6, 9)])
def test_spline_taps_kernel_equal(shape):
    """A new pose's B-spline taps compiled: the same float32 operations, so the same tap
    indices and weights bit for bit, including points on the domain's limits (the last
    interval, where the first tap is clamped)."""
    from metrology.image._taps import _taps

    h, w = shape
    rng = np.random.default_rng(5)
    q = np.stack([rng.uniform(1, w - 2, 4000), rng.uniform(1, h - 2, 4000)])
    q[:, :4] = [[1.0, w - 2.0, 1.5, w - 2.0 - 1e-12], [1.0, h - 2.0, h - 2.0, 1.0 + 1e-12]]
    q = np.ascontiguousarray(q)
    got = _taps((h, w), q, "spline", True)
    with _accel.disabled():
        ref = _taps((h, w), q, "spline", True)
    for a, b in zip(got, ref):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sigma", [0.6, 1.0, 2.5])
def test_response_noise_kernel_equal(sigma):
    """The support check's profile noise (MAD of the derivative response) compiled: the
    correlation sums the taps in order where scipy pairs the antisymmetric ones, so the two
    agree to rounding (1e-12 relative; measured 1e-14), on noise with and without an edge,
    on integer profiles (many tied values: the medians' even / odd cases) and on one
    profile; 0 on flat and on empty profiles either way."""
    from metrology.caliper._support import response_noise

    rng = np.random.default_rng(int(sigma * 10))
    cases = [rng.normal(0, 3.0, (32, 37)),
             rng.normal(0, 3.0, (20, 30)) + 120.0 * (np.arange(30) > 14.3),
             np.round(rng.normal(100, 2.0, (7, 25))),
             rng.normal(0, 1.0, (1, 40)), np.zeros((3, 10)), np.zeros((0, 10))]
    for v in cases:
        got = response_noise(v, sigma)
        with _accel.disabled():
            ref = response_noise(v, sigma)
        assert math.isclose(got, ref, rel_tol=1e-12, abs_tol=1e-300), (v.shape, got, ref)
    assert response_noise(cases[0], sigma) > 0.5        # a real noise figure, not a constant
