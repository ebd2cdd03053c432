"""Compiled (numba) kernels of the caliper hot path; imported only through
:mod:`metrology._accel` (the profile gather is :mod:`metrology.image._kernels`).

Each kernel computes what a NumPy function of the package computes, per edge / per sample in
a compiled loop instead of whole-batch array calls (the NumPy code is the reference; the
tests in ``tests/caliper/test_caliper_accel.py`` hold both equal):

* :func:`peaks`: the derivative filter, peaks, selection and Gaussian estimates of
  :func:`metrology.caliper.edges.detect_edges` (its usual case: at most one fit candidate a
  profile, log-parabola peaks; else the NumPy code runs);
* :func:`fit_single`: :func:`metrology.caliper.erf_single.fit_single` -- the same model,
  window, start, damped Gauss-Newton steps, Newton's step and its stopping rule, and the same
  statistics (position std, score, shading score z) -- edge by edge: each edge stops on its
  own Newton step below 0.3 of the batch's rule (the batch stops when every edge's is
  below the rule, most of them far below by then).  After the last (Newton) step both take
  the statistics at the final point to first order in that step, from the model at the point
  before it (no model evaluation after the step: a quarter of the kernel's erfc / exp);
  where the fit ends otherwise, exactly at the final point.
  Both stop within the Newton tolerance of the least-squares optimum (``_NEWTON_TOL_T``:
  measured 1.6e-6 px in position at most for the batch, 7.2e-7 px for the kernel), so they
  agree to that.

``cache=True``: compiled once per machine (about a minute) and loaded from numba's cache
(``__pycache__`` or ``NUMBA_CACHE_DIR``) afterwards; explicit signatures, so one
specialisation each.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._kernels_shape import *  # noqa: F401,F403  (the final shape fits, its __all__)
from ._kernels_support import *  # noqa: F401,F403  (the support check's noise)
from .erf_model import GN_STEP_S, GN_STEP_T, HALF_A, HALF_B, LAMBDA, MIN_OPTICS
from .erf_single import _NEWTON_TOL_L, _NEWTON_TOL_S, _NEWTON_TOL_T

#: the Newton stop rule of erf_single times this: an edge ends on its own Newton step (the
#: batch when its last edge does, so most of its edges end far below the rule).  With 0.3 the
#: last step, within quadratic convergence, leaves the kernel 7.2e-7 px (blur 1.1e-6 px) from
#: the optimum at most on test_caliper_edges' batches (3e-8 px with 0.1), inside the batch's
#: own 1.6e-6 px; about one model evaluation in nine fewer (the edge kernel 220 -> 195 us on
#: the benchmark's 32 edges), the accuracy against the bound unchanged
_TIGHT = 0.3
_ISQ2 = 1.0 / math.sqrt(2.0)
_ISQ2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: |z| beyond which the Gaussian's cdf is 0 or 1 and its density 0 to within 1e-16 (the
#: window's outer samples: ~30 % of the erfc / exp evaluations skipped, the sums unchanged
#: beyond rounding)
_Z_TAIL = 8.5

@njit(cache=True, nogil=True)
def _solve(a, b, n):  # pragma: no cover - compiled
    """Solve ``a x = b`` (n x n, in place: ``b`` becomes x) by Gaussian elimination with
    partial pivoting; False when a pivot is exactly zero (numpy's LinAlgError)."""
    for c in range(n):
        p = c
        big = abs(a[c, c])
        for i in range(c + 1, n):
            if abs(a[i, c]) > big:
                big = abs(a[i, c])
                p = i
        if big == 0.0:
            return False
        if p != c:
            for j in range(n):
                a[c, j], a[p, j] = a[p, j], a[c, j]
            b[c], b[p] = b[p], b[c]
        for i in range(c + 1, n):
            f = a[i, c] / a[c, c]
            if f != 0.0:
                for j in range(c, n):
                    a[i, j] -= f * a[c, j]
                b[i] -= f * b[c]
    for c in range(n - 1, -1, -1):
        acc = b[c]
        for j in range(c + 1, n):
            acc -= a[c, j] * b[j]
        b[c] = acc / a[c, c]
    return True


@njit(cache=True, nogil=True)
def _model(x, t, s, cs, inv_ab, terms):  # pragma: no cover - compiled
    """Unit-step model terms at the samples ``x`` for position ``t``, optical blur ``s``:
    rows P, dP/dd, dP/ds, the corner sums of phi and of z phi."""
    kf = s * inv_ab
    for i in range(x.size):
        h2 = 0.0
        g = 0.0
        ph = 0.0
        de = 0.0
        zd = 0.0
        for q in range(4):
            z = (x[i] - t + cs[q]) / s
            if z > _Z_TAIL:                  # cdf 1 - 1e-17 rounds to 1, dens < 1e-16
                cdf, dens = 1.0, 0.0
            elif z < -_Z_TAIL:               # cdf < 1e-17, dens < 1e-16: zero
                cdf, dens = 0.0, 0.0
            else:
                cdf = 0.5 * math.erfc(-z * _ISQ2)
                dens = math.exp(-0.5 * z * z) * _ISQ2PI
            gq = z * cdf + dens
            sg = 1.0 if q == 0 or q == 3 else -1.0
            h2 += sg * (z * gq + cdf)
            g += sg * gq
            ph += sg * cdf
            de += sg * dens
            zd += sg * z * dens
        terms[0, i] = 0.5 * s * kf * h2
        terms[1, i] = kf * g
        terms[2, i] = kf * ph
        terms[3, i] = de
        terms[4, i] = zd


@njit(cache=True, nogil=True)
def _normal(y, u, terms, p, jtj, gv, rr):  # pragma: no cover - compiled
    """Gauss-Newton matrix ``jtj``, gradient ``gv`` (J^T r) of the 5 parameters at ``p``, and
    ``rr`` = [r.r, r.dens, r.zdens]."""
    a = p[2]
    jtj[:, :] = 0.0
    gv[:] = 0.0
    rr[:] = 0.0
    jk = np.empty(5)
    for i in range(y.size):
        jk[0] = 1.0
        jk[1] = u[i]
        jk[2] = terms[0, i]
        jk[3] = -a * terms[1, i]
        jk[4] = a * terms[2, i]
        r = y[i] - p[0] - p[1] * u[i] - a * terms[0, i]
        for c in range(5):
            gv[c] += jk[c] * r
            for d in range(c, 5):
                jtj[c, d] += jk[c] * jk[d]
        rr[0] += r * r
        rr[1] += r * terms[3, i]
        rr[2] += r * terms[4, i]
    for c in range(5):
        for d in range(c):
            jtj[c, d] = jtj[d, c]


@njit(cache=True, nogil=True)
def _gauss_newton(p, jtj, gv, reg, work, dp):  # pragma: no cover - compiled
    """The damped Gauss-Newton step into ``dp`` (False if singular), limited as erf_single's."""
    for c in range(5):
        for d in range(5):
            work[c, d] = jtj[c, d] * (1.0 + LAMBDA) if c == d else jtj[c, d]
        work[c, c] += reg
        dp[c] = gv[c]
    if not _solve(work, dp, 5):
        return False
    for c in range(5):
        if not math.isfinite(dp[c]):
            dp[c] = 0.0
    dp[3] = min(max(dp[3], -0.5), 0.5)
    lim = 0.5 * p[4]
    dp[4] = min(max(dp[4], -lim), lim)
    return True


@njit(cache=True, nogil=True)
def _newton(p, jtj, gv, rr, reg, inv_ab, work, dn):  # pragma: no cover - compiled
    """Newton's step into ``dn``; True when it exists and is small enough to end the fit."""
    a, s = p[2], p[4]
    for c in range(5):
        for d in range(5):
            work[c, d] = jtj[c, d]
        work[c, c] += reg
        dn[c] = gv[c]
    q3, q4 = gv[3] / a, gv[4] / a
    stt = gv[4] / s
    r6, r7 = rr[1] * a * inv_ab, rr[2] * a * inv_ab
    work[2, 3] -= q3
    work[3, 2] -= q3
    work[2, 4] -= q4
    work[4, 2] -= q4
    work[3, 3] -= stt
    work[3, 4] += r6
    work[4, 3] += r6
    work[4, 4] -= stt - r7
    if not _solve(work, dn, 5):
        return False
    sn = s + dn[4]
    lin = max(abs(dn[0]), abs(dn[1]), abs(dn[2]))
    return (abs(dn[3]) < _TIGHT * _NEWTON_TOL_T and abs(dn[4]) < _TIGHT * _NEWTON_TOL_S
            and lin < _TIGHT * _NEWTON_TOL_L * abs(a) and sn > MIN_OPTICS and sn < 10.0)


@njit(cache=True, nogil=True)
def _statistics(y, u, terms, p, d, inv_ab, tss, n, out):  # pragma: no cover - compiled
    """Position std, score and shading score z at ``p + d`` into ``out``, from the model
    ``terms`` at ``p``: exactly at ``p`` where ``d`` is zero, else to first order in the step
    ``d`` (as erf_single's ``first_order_gram``: each Jacobian column at ``p + d`` from the
    columns and second derivatives at ``p``, the residuals ``r - J d``), which saves the
    model evaluation at the final point after a Newton step."""
    a = p[2]
    s = p[4]
    an = a + d[2]
    dt, ds = d[3], d[4]
    nm = np.zeros((5, 5))
    jq = np.zeros(5)
    jr = np.zeros(5)
    jk = np.empty(5)
    rss = 0.0
    qq = 0.0
    rq = 0.0
    for i in range(y.size):
        pt, pd, ps = terms[0, i], terms[1, i], terms[2, i]
        r = y[i] - p[0] - p[1] * u[i] - a * pt
        r -= d[0] + d[1] * u[i] + d[2] * pt - a * pd * dt + a * ps * ds
        jk[0] = 1.0
        jk[1] = u[i]
        jk[2] = pt - pd * dt + ps * ds
        jk[3] = -an * (pd - ps / s * dt + inv_ab * terms[3, i] * ds)
        jk[4] = an * (ps * (1.0 + ds / s) - inv_ab * (terms[3, i] * dt + terms[4, i] * ds))
        q = u[i] * jk[2]                    # the shading direction u P
        for c in range(5):
            jq[c] += jk[c] * q
            jr[c] += jk[c] * r
            for e in range(c, 5):
                nm[c, e] += jk[c] * jk[e]
        rss += r * r
        qq += q * q
        rq += r * q
    for c in range(5):
        nm[c, c] += 1e-12
        for e in range(c):
            nm[c, e] = nm[e, c]
    dof = max(n - 5.0, 1.0)
    out[1] = min(max(1.0 - rss / (tss if tss > 0 else np.inf), 0.0), 1.0)
    e_pos = np.zeros(5)
    e_pos[3] = 1.0
    work = nm.copy()
    if not _solve(work, e_pos, 5):
        out[0] = np.nan
        out[2] = 0.0
        return
    out[0] = math.sqrt(max(rss / dof * e_pos[3], 0.0))
    sq = jq.copy()
    _solve(nm, sq, 5)
    qp2 = qq
    qpr = rq
    for c in range(5):
        qp2 -= sq[c] * jq[c]
        qpr -= sq[c] * jr[c]
    out[2] = qpr / math.sqrt(rss / dof * qp2) if qp2 > 1e-12 * qq else 0.0


@njit(cache=True, nogil=True)
def _start(y, u, terms, p):  # pragma: no cover - compiled
    """Background, slope and step by least squares at the start position and blur; returns
    the window's total sum of squares about its mean."""
    gl = np.zeros((3, 3))
    rhs = np.zeros(3)
    sy = 0.0
    syy = 0.0
    for i in range(y.size):
        c3 = (1.0, u[i], terms[0, i])
        for c in range(3):
            rhs[c] += c3[c] * y[i]
            for d in range(3):
                gl[c, d] += c3[c] * c3[d]
        sy += y[i]
        syy += y[i] * y[i]
    for c in range(3):
        gl[c, c] += 1e-9
    _solve(gl, rhs, 3)
    p[0], p[1], p[2] = rhs[0], rhs[1], rhs[2]
    return syy - sy * sy / max(y.size, 1)


_FIT_SIG = ("void(f8[:, ::1], f8[::1], i8[::1], f8[::1], f8[::1], f8[:, ::1], i8, "
            "f8[:, ::1], f8[:, ::1])")


@njit(cache=True, nogil=True)
def _fit_one(row, offsets, t0, s0, fa, fb, iters, terms, scratch, p, out):  # pragma: no cover
    """The single-edge fit of one profile ``row`` from ``t0``, ``s0`` (footprint ``fa``,
    ``fb``): ``p`` (5,) the final parameters, ``out`` (4,) position std, score, shading z,
    window size.  ``terms`` (5, L) and ``scratch`` (3, 5, 5): work space."""
    work, jtj = scratch[0], scratch[1]
    gv, step, dn = scratch[2, 0], scratch[2, 1], scratch[2, 2]
    cs, rr = scratch[2, 3, :4], scratch[2, 4, :3]
    cs[0], cs[1], cs[2], cs[3] = 0.5 * (fa + fb), 0.5 * (fa - fb), -0.5 * (fa - fb), \
        -0.5 * (fa + fb)
    inv_ab = 1.0 / (fa * fb)
    box = (fa * fa + fb * fb) / 12.0
    half = HALF_A * s0 + HALF_B
    j0 = np.searchsorted(offsets, t0 - half - 1e-9)
    j1 = np.searchsorted(offsets, t0 + half + 1e-9, "right")
    n = j1 - j0
    out[3] = n
    if n < 1:
        p[:] = np.nan
        out[0], out[1], out[2] = np.nan, 0.0, 0.0
        return
    x = offsets[j0:j1]
    y = row[j0:j1]
    u = (x - t0) / half
    tr = terms[:, :n]
    p[3] = t0
    p[4] = math.sqrt(max(s0 * s0 - box, MIN_OPTICS * MIN_OPTICS))
    _model(x, p[3], p[4], cs, inv_ab, tr)
    tss = _start(y, u, tr, p)
    for it in range(iters):
        if it:
            _model(x, p[3], p[4], cs, inv_ab, tr)
        _normal(y, u, tr, p, jtj, gv, rr)
        reg = 1e-12 * (jtj[0, 0] + jtj[1, 1] + jtj[2, 2] + jtj[3, 3] + jtj[4, 4] + 1.0)
        if it and _newton(p, jtj, gv, rr, reg, inv_ab, work, dn):
            # the statistics at the final point to first order in this last step (< 1e-4
            # px), from the model at p: no model evaluation after it
            _statistics(y, u, tr, p, dn, inv_ab, tss, n, out)
            for c in range(5):
                p[c] += dn[c]
            return
        if not _gauss_newton(p, jtj, gv, reg, work, step):
            break
        for c in range(5):
            p[c] += step[c]
        p[4] = min(max(p[4], MIN_OPTICS), 10.0)
        if abs(step[3]) < GN_STEP_T and abs(step[4]) < GN_STEP_S:
            break
    _model(x, p[3], p[4], cs, inv_ab, tr)
    # (iterations exhausted or a singular step: the statistics at p, as in erf_single)
    _statistics(y, u, tr, p, np.zeros(5), inv_ab, tss, n, out)


@njit(_FIT_SIG, cache=True, nogil=True)
def fit_single(v, offsets, rows, t0, s0, fab, iters, p_out, stats):  # pragma: no cover
    """The single-edge blurred-step fit of every edge (see the module docstring).

    ``p_out`` (E, 5): background, slope, step, position, optical blur; ``stats`` (E, 4):
    position std, score, shading z, window size."""
    terms = np.empty((5, offsets.size))
    scratch = np.empty((3, 5, 5))
    for e in range(rows.size):
        _fit_one(v[rows[e]], offsets, t0[e], s0[e], fab[e, 0], fab[e, 1], iters, terms,
                 scratch, p_out[e], stats[e])


@njit(cache=True, nogil=True)
def _peak(s, i, thr):  # pragma: no cover - compiled
    """Interior local maximum of ``s`` at ``i`` at or above ``thr`` (plateaus: first sample)."""
    return s[i] > s[i - 1] and s[i] >= s[i + 1] and s[i] >= thr


@njit(cache=True, nogil=True)
def _gauss(resp, c, sigma, out):  # pragma: no cover - compiled
    """The Gaussian (log-parabola) peak fit at column ``c`` of ``resp`` into ``out``: column
    position, blur, step height and peak height (as edges._gauss_estimates); False where its
    usual case does not hold (the NumPy code's fallbacks then run)."""
    sign = -1.0 if resp[c] < 0 else 1.0
    ym, y0, yp = resp[c - 1] * sign, resp[c] * sign, resp[c + 1] * sign
    if not (ym > 1e-300 and y0 > 1e-300 and yp > 1e-300):
        return False
    lm, l0, lp = math.log(ym), math.log(y0), math.log(yp)
    curv = lm - 2.0 * l0 + lp
    if not curv < 0:
        return False
    b = 0.5 * (lp - lm)
    out[0] = c + min(max(-b / curv, -0.5), 0.5)
    width = math.sqrt(-1.0 / curv)
    if not math.isfinite(width):
        width = math.sqrt(sigma * sigma + 1.0)
    s_n = math.sqrt(min(max(width * width - sigma * sigma, 0.25), 25.0))
    out[3] = sign * math.exp(l0 - b * b / (2.0 * curv))
    out[1] = s_n
    out[2] = out[3] * math.sqrt(sigma * sigma + s_n * s_n) / sigma
    return True


_PEAKS_SIG = "i8(f8[:, ::1], f8[::1], f8[::1], f8, f8, i8, i8, f8, i8[:, ::1], f8[:, ::1])"


@njit(_PEAKS_SIG, cache=True, nogil=True)
def peaks(v, offsets, kern, thr, sigma, mode, select, search_half, cols, est):  # pragma: no cover
    """Derivative filter, peaks and selection of :func:`metrology.caliper.edges.detect_edges`
    for every profile (its usual case), with the Gaussian estimates.

    ``mode``: 0 any, 1 positive, 2 negative transition; ``select``: 0 first, 1 last,
    2 strongest.  Per row of ``cols`` (K, 3): the selected column (-1: none), the number of
    peaks above ``thr`` within ``search_half`` and the one candidate of the erf fit (the peak
    of |response| above ``thr / 2``; -1: none).  ``est`` (K, 4): position (profile units),
    blur, step height and response of the selected peak, or of the candidate where no peak
    is selected.  Returns 0; 1 where a profile holds several candidates (the fit then models
    them jointly), 2 where a Gaussian estimate needs the NumPy fallbacks."""
    k, ll = v.shape
    h = kern.size // 2
    resp = np.empty(ll)
    s = np.empty(ll)
    a = np.empty(ll)
    g = np.empty(4)
    status = 0
    for r in range(k):
        for i in range(ll):                  # correlate1d, mode "nearest"
            acc = 0.0
            for j in range(kern.size):
                acc += kern[j] * v[r, min(max(i + j - h, 0), ll - 1)]
            resp[i] = acc
            a[i] = abs(acc)
            s[i] = acc if mode == 1 else (-acc if mode == 2 else abs(acc))
        sel = -1
        n_c = 0
        n_b = 0
        nb = -1
        for i in range(1, ll - 1):
            if _peak(s, i, thr) and abs(offsets[i]) <= search_half + 1e-9:
                n_c += 1
                if sel < 0 or select == 1 or (select == 2 and s[i] > s[sel]):
                    sel = i
            if _peak(a, i, 0.5 * thr):
                n_b += 1
                nb = i
        if sel >= 0 and not _peak(a, sel, 0.5 * thr):
            n_b += 1                         # the selected peak is a candidate too
            nb = sel
        cols[r, 0], cols[r, 1], cols[r, 2] = sel, n_c, nb if n_b == 1 else -1
        if n_b > 1:
            status = max(status, 1)
        c = sel if sel >= 0 else nb
        if c >= 0:
            if not _gauss(resp, c, sigma, g):
                return 2
            est[r, 0] = offsets[0] + g[0]
            est[r, 1], est[r, 2], est[r, 3] = g[1], g[2], g[3]
    return status



_EDGES_SIG = ("i8(f8[:, ::1], f8[::1], f8[::1], f8, f8, i8, i8, f8, f8[:, ::1], i8, "
              "UniTuple(f8, 3), i8[:, ::1], f8[:, ::1], f8[:, ::1])")


@njit(cache=True, nogil=True)
def _shading_redo(out, cols, test):  # pragma: no cover - compiled
    """:func:`metrology.caliper.erf_fit.shading_redo` of the fitted candidates' z
    (``out[:, 5]`` where ``cols[:, 2] >= 0``): True when any edge is to be refitted.
    ``test``: (1.0 for its "contour" form else 0.0, the one-edge z threshold, the RMS one)."""
    contour, z_one, z_rms = test
    n = 0
    tot = 0.0
    for r in range(cols.shape[0]):
        if cols[r, 2] >= 0:
            n += 1
            tot += out[r, 5]
    mean = tot / n if contour == 1.0 and n >= 4 else 0.0
    sq = 0.0
    for r in range(cols.shape[0]):
        if cols[r, 2] >= 0:
            z = abs(out[r, 5] - mean)
            if z > z_one:
                return True
            sq += z * z
    return n >= 8 and math.sqrt(sq / n) > z_rms


@njit(_EDGES_SIG, cache=True, nogil=True)
def edges_single(v, offsets, kern, thr, sigma, mode, select, search_half, fab, iters,
                 shading, cols, est, out):  # pragma: no cover - compiled
    """:func:`peaks` and then :func:`fit_single` of each profile's one fit candidate, with
    :func:`metrology.caliper.erf_model.finish`'s outputs: the finders' usual case from
    profiles to refined edges in one call.

    ``fab`` (K, 2): each profile's footprint widths; ``cols``, ``est`` as :func:`peaks`;
    ``out`` (K, 7), on the rows with a candidate (``cols[:, 2] >= 0``): position, blur,
    step, position std, score, shading z, refined (1.0 / 0.0).  Returns :func:`peaks`'
    status (the fits only run where it is 0), or 3 where the shading test
    (:func:`metrology.caliper.erf_fit.shading_redo`; ``shading`` as :func:`_shading_redo`'s
    ``test``) asks for a refit with the shading term."""
    status = peaks(v, offsets, kern, thr, sigma, mode, select, search_half, cols, est)
    if status != 0:
        return status
    terms = np.empty((5, offsets.size))
    scratch = np.empty((3, 5, 5))
    p = np.empty(5)
    st = np.empty(4)
    for r in range(v.shape[0]):
        if cols[r, 2] < 0:
            continue
        t0, s0, a0 = est[r, 0], est[r, 1], est[r, 2]
        fa, fb = fab[r, 0], fab[r, 1]
        _fit_one(v[r], offsets, t0, s0, fa, fb, iters, terms, scratch, p, st)
        ok = (abs(p[3] - t0) <= 1.0 and p[4] < 9.5 and st[3] >= 7
              and math.isfinite(st[0]) and a0 == a0
              and ((p[2] > 0) - (p[2] < 0)) == ((a0 > 0) - (a0 < 0)))
        for c in range(5):
            ok = ok and math.isfinite(p[c])
        if ok:
            out[r, 0] = p[3]
            out[r, 1] = math.sqrt(p[4] ** 2 + (fa * fa + fb * fb) / 12.0)
            out[r, 2] = p[2]
            out[r, 3] = st[0]
        else:
            out[r, 0], out[r, 1], out[r, 2], out[r, 3] = t0, s0, a0, np.nan
        out[r, 4] = st[1] if math.isfinite(st[1]) else 0.0
        out[r, 5] = st[2] if math.isfinite(st[2]) else 0.0
        out[r, 6] = 1.0 if ok else 0.0
    return 3 if _shading_redo(out, cols, shading) else 0
