"""Compiled (numba) kernels of the caliper tools' final shape fits; imported only through
:mod:`metrology._accel` (as attributes of :mod:`metrology.caliper._kernels`).

:func:`circle_fit` computes what :func:`metrology.core.fit_circle` (single set, "geometric")
followed by the outlier test of :func:`metrology.caliper.contour.final_fit` computes, in one
compiled call; the tests in ``tests/caliper/test_caliper_accel.py`` hold both equal.  In a
module of its own so that numba's cache of the edge-fit kernels stays valid when these change.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["circle_fit", "circle_finish", "line_fit", "line_finish", "curvature_shift"]


# --- the final circle fit of find_circle ----------------------------------------------------
# metrology.core.fit_circle's single-set geometric fit (_fit_single with unit weights: the same
# normalisation, Hyper start by Newton on the moment polynomial, Levenberg-Marquardt with the
# same damping, acceptance and stopping rules, the same statistics) followed by the outlier
# test of metrology.caliper.contour.final_fit, in one compiled call.

_HYPER_NEWTON_ITERS = 30     # core.fit_circle._NEWTON_ITERS
_LM_ITERS = 60               # core.fit_circle._LM_ITERS
_MAX_REL_RADIUS = 1e8        # core.fit_circle._MAX_REL_RADIUS
_MIN_REL_SPREAD = 1e-12      # core._batch.MIN_REL_SPREAD


@njit(cache=True, nogil=True)
def _inv3(a, b, c, d, e, f, rcond, out):  # pragma: no cover - compiled
    """core._batch.inv3_sym_floats into ``out`` (6,): False where it returns None."""
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    det = a * c00 + b * c01 + c * c02
    if not math.isfinite(det):
        return False
    norm = max(abs(a), abs(b), abs(c), abs(d), abs(e), abs(f))
    if not (norm > 0 and abs(det) > rcond * (norm * norm * norm)):
        return False
    s = 1.0 / det
    out[0], out[1], out[2] = c00 * s, c01 * s, c02 * s
    out[3], out[4], out[5] = (a * f - c * c) * s, (b * c - a * e) * s, (a * d - b * b) * s
    return True


@njit(cache=True, nogil=True)
def _gram3(qx, qy, cx, cy, r, g):  # pragma: no cover - compiled
    """core.fit_circle._gram_single (unit weights) into ``g`` (4, 4) upper triangle."""
    g[:, :] = 0.0
    for i in range(qx.size):
        dx = qx[i] - cx
        dy = qy[i] - cy
        dd = math.hypot(dx, dy)
        inv = 1.0 / max(dd, 1e-300)
        u0, u1, res = dx * inv, dy * inv, dd - r
        g[0, 0] += u0 * u0
        g[0, 1] += u0 * u1
        g[0, 2] += u0
        g[0, 3] += u0 * res
        g[1, 1] += u1 * u1
        g[1, 2] += u1
        g[1, 3] += u1 * res
        g[2, 3] += res
        g[3, 3] += res * res
    g[2, 2] = qx.size


@njit(cache=True, nogil=True)
def _hyper(qx, qy, q):  # pragma: no cover - compiled
    """core.fit_circle._moments_single (Hyper, unit weights) into ``q``; False where it
    returns None."""
    n = qx.size
    mxx = myy = mxy = mxz = myz = mzz = 0.0
    for i in range(n):
        x, y = qx[i], qy[i]
        z = x * x + y * y
        mxx += x * x
        myy += y * y
        mxy += x * y
        mxz += x * z
        myz += y * z
        mzz += z * z
    mxx, myy, mxy, mxz, myz, mzz = mxx / n, myy / n, mxy / n, mxz / n, myz / n, mzz / n
    mz = mxx + myy
    cov_xy = mxx * myy - mxy * mxy
    var_z = mzz - mz * mz
    a0 = mxz * (mxz * myy - myz * mxy) + myz * (myz * mxx - mxz * mxy) - var_z * cov_xy
    a1 = var_z * mz + 4 * cov_xy * mz - mxz * mxz - myz * myz
    a2 = 4 * cov_xy - 3 * mz * mz - mzz
    a3 = 0.0 * mz
    a4 = 4.0
    eta = 0.0
    val = a0
    for _ in range(_HYPER_NEWTON_ITERS):
        slope = a1 + eta * (2 * a2 + eta * (3 * a3 + 4 * a4 * eta))
        new = eta - val / slope if slope != 0 else np.nan
        nval = a0 + new * (a1 + new * (a2 + new * (a3 + a4 * new)))
        if not (math.isfinite(new) and math.isfinite(nval) and abs(nval) < abs(val)):
            break
        eta, val = new, nval
    det = eta * eta - eta * (mxx + myy) + (mxx * myy - mxy * mxy)
    if det == 0:
        return False
    cx = (mxz * (myy - eta) - myz * mxy) / (2 * det)
    cy = (myz * (mxx - eta) - mxz * mxy) / (2 * det)
    r2 = cx * cx + cy * cy + (mxx + myy) - 2 * eta
    if not (r2 >= 0 and math.isfinite(r2) and math.isfinite(cx) and math.isfinite(cy)):
        return False
    q[0], q[1], q[2] = cx, cy, math.sqrt(r2)
    return True


@njit(cache=True, nogil=True)
def _lm3(qx, qy, q, g):  # pragma: no cover - compiled
    """core.fit_circle._lm_single (unit weights, same rules) on ``q``; ``g`` ends as the Gram
    matrix at the returned ``q``."""
    _gram3(qx, qy, q[0], q[1], q[2], g)
    cost = g[3, 3]
    if not (math.isfinite(cost) and math.isfinite(q[0]) and math.isfinite(q[1])
            and math.isfinite(q[2])):
        return
    g2 = np.empty((4, 4))
    iv = np.empty(6)
    lam = 1e-6
    damp = 1e-12 * qx.size
    for _ in range(_LM_ITERS):
        if not _inv3(g[0, 0] * (1.0 + lam) + damp, g[0, 1], g[0, 2],
                     g[1, 1] * (1.0 + lam) + damp, g[1, 2], g[2, 2] * (1.0 + lam) + damp,
                     1e-15, iv):
            break
        g0, g1, gg2 = g[0, 3], g[1, 3], g[2, 3]
        d0 = iv[0] * g0 + iv[1] * g1 + iv[2] * gg2
        d1 = iv[1] * g0 + iv[3] * g1 + iv[4] * gg2
        d2 = iv[2] * g0 + iv[4] * g1 + iv[5] * gg2
        if not (math.isfinite(d0) and math.isfinite(d1) and math.isfinite(d2)):
            break
        _gram3(qx, qy, q[0] + d0, q[1] + d1, q[2] + d2, g2)
        c2 = g2[3, 3]
        better = c2 <= cost
        small = max(abs(d0), abs(d1), abs(d2)) < 1e-9 or abs(cost - c2) <= 1e-14 * cost
        lam = max(lam * 0.2, 1e-12) if better else min(lam * 10.0, 1e12)
        if better:
            q[0] += d0
            q[1] += d1
            q[2] += d2
            g[:, :] = g2
            cost = c2
        if small or lam >= 1e12:
            break


@njit(cache=True, nogil=True)
def _outliers(res, edge_std, thr, tukey_c, mad_to_sigma):  # pragma: no cover - compiled
    """contour.final_fit's outlier test: True when some residual lies beyond
    ``min(thr, tukey_c * s)``, ``s`` the larger of the residuals' MAD scale and the median
    edge position uncertainty."""
    n = res.size
    med = np.median(res)
    dev = np.empty(n)
    for i in range(n):
        dev[i] = abs(res[i] - med)
    sc = mad_to_sigma * np.median(dev)
    fin = edge_std[np.isfinite(edge_std)]
    if fin.size:
        sc = max(sc, np.median(fin))
    lim = min(thr, tukey_c * sc)
    for i in range(n):
        if not abs(res[i]) <= lim:
            return True
    return False


_CIRCLE_SIG = "i8(f8[:, ::1], f8[::1], f8, f8, f8, f8[::1])"


@njit(_CIRCLE_SIG, cache=True, nogil=True)
def circle_fit(p, edge_std, thr, tukey_c, mad_to_sigma, out):  # pragma: no cover - compiled
    """The geometric circle fit of the points ``p`` (N, 2) and the outlier test of
    ``contour.final_fit`` (edge position uncertainties ``edge_std`` (N,), threshold ``thr``).

    ``out`` (11,): centre x, y, radius, RMS, the covariance's upper triangle (c00, c01, c02,
    c11, c12, c22), number of points.  Returns 0 when the fit is made and no point is an
    outlier; 1 when a point is (the caller then runs the robust fit); 2 where the core's fast
    path would take its batched path (degenerate or unusual input: the caller then runs the
    NumPy code, which gives the result or the error)."""
    n = p.shape[0]
    if n < 3:
        return 2
    mx = 0.0
    my = 0.0
    for i in range(n):
        mx += p[i, 0]
        my += p[i, 1]
    mx /= n
    my /= n
    qx = np.empty(n)
    qy = np.empty(n)
    var = 0.0
    for i in range(n):
        qx[i] = p[i, 0] - mx
        qy[i] = p[i, 1] - my
        var += qx[i] * qx[i] + qy[i] * qy[i]
    var /= n
    scale = math.sqrt(var) if var >= 0 else np.nan
    if not (math.isfinite(scale) and scale > _MIN_REL_SPREAD * math.hypot(mx, my)):
        return 2
    inv_s = 1.0 / scale
    for i in range(n):
        qx[i] *= inv_s
        qy[i] *= inv_s
    q = np.empty(3)
    if not _hyper(qx, qy, q) or not q[2] < _MAX_REL_RADIUS:
        return 2
    g = np.empty((4, 4))
    _lm3(qx, qy, q, g)
    if q[2] < 0:
        q[2] = -q[2]
        _gram3(qx, qy, q[0], q[1], q[2], g)
    if not (math.isfinite(q[0]) and math.isfinite(q[1]) and math.isfinite(q[2])
            and q[2] < _MAX_REL_RADIUS):
        return 2
    cost = g[3, 3]
    scale2 = scale * scale
    out[3] = math.sqrt(cost * scale2 / n) if cost >= 0 else np.nan
    if n > 3:
        iv = np.empty(6)
        if not _inv3(g[0, 0], g[0, 1], g[0, 2], g[1, 1], g[1, 2], g[2, 2], 1e-12, iv):
            return 2
        s2 = cost * scale2 / (n - 3)
        for c in range(6):
            out[4 + c] = iv[c] * s2
        if not (min(out[4], out[7], out[9]) >= 0 and math.isfinite(out[5])
                and math.isfinite(out[6]) and math.isfinite(out[8])):
            return 2
    else:
        out[4:10] = np.nan
    cx, cy, r = mx + q[0] * scale, my + q[1] * scale, q[2] * scale
    out[0], out[1], out[2], out[10] = cx, cy, r, n
    # contour.final_fit's outlier test on the residuals |p - c| - r
    res = np.empty(n)
    for i in range(n):
        res[i] = math.hypot(p[i, 0] - cx, p[i, 1] - cy) - r
    return 1 if _outliers(res, edge_std, thr, tukey_c, mad_to_sigma) else 0

_FINISH_SIG = "i8(f8[:, ::1], f8, f8, f8, f8, b1[::1], f8[::1], f8[::1], f8[:, ::1], f8[:, ::1])"


@njit(_FINISH_SIG, cache=True, nogil=True)
def circle_finish(pfit, cx, cy, radius, corr, inl, edge_std, res, unit, cov):  # pragma: no cover
    """The residuals, ray directions and covariance of ``find_circle``'s result
    (``circle._circle_result`` with ``contour.covariance``): ``res`` (N,) the residuals of the
    points ``pfit`` (N, 2) moved out by ``corr`` to the circle (cx, cy, radius), ``unit``
    (N, 2) their unit vectors from the centre, ``cov`` (3, 3) ``s^2 (J^T J)^-1`` over the
    inliers ``inl`` (NaN when there are at most 3 or J^T J is singular).  Returns 0."""
    n = pfit.shape[0]
    a00 = a01 = a02 = a11 = a12 = 0.0
    rr = 0.0
    ee = 0.0
    n_in = 0
    n_e = 0
    for i in range(n):
        vx = pfit[i, 0] - cx
        vy = pfit[i, 1] - cy
        nv = math.hypot(vx, vy)
        res[i] = (nv - radius) + corr
        d = nv if nv > 0 else 1.0
        ux, uy = vx / d, vy / d
        unit[i, 0], unit[i, 1] = ux, uy
        if inl[i]:
            n_in += 1
            a00 += ux * ux
            a01 += ux * uy
            a02 += ux
            a11 += uy * uy
            a12 += uy
            rr += res[i] * res[i]
            if math.isfinite(edge_std[i]):
                ee += edge_std[i] * edge_std[i]
                n_e += 1
    cov[:, :] = np.nan
    if n_in <= 3:
        return 0
    s_res = math.sqrt(rr / (n_in - 3))
    s_edge = math.sqrt(ee / n_e) if n_e else 0.0
    s = max(s_res, s_edge)
    a22 = float(n_in)
    c00 = a11 * a22 - a12 * a12
    c01 = a02 * a12 - a01 * a22
    c02 = a01 * a12 - a02 * a11
    det = a00 * c00 + a01 * c01 + a02 * c02
    if det == 0.0 or not math.isfinite(det):
        return 0
    f = s * s / det
    cov[0, 0], cov[0, 1], cov[0, 2] = c00 * f, c01 * f, c02 * f
    cov[1, 1], cov[1, 2] = (a00 * a22 - a02 * a02) * f, (a01 * a02 - a00 * a12) * f
    cov[2, 2] = (a00 * a11 - a01 * a01) * f
    cov[1, 0], cov[2, 0], cov[2, 1] = cov[0, 1], cov[0, 2], cov[1, 2]
    return 0


_LINE_SIG = "i8(f8[:, ::1], f8[::1], f8, f8, f8, f8[::1], f8[::1])"


@njit(_LINE_SIG, cache=True, nogil=True)
def line_fit(p, edge_std, thr, tukey_c, mad_to_sigma, out, res):  # pragma: no cover
    """The total-least-squares line of the points ``p`` (N, 2) (core.fit_line's single-set
    "tls" fit with unit weights: the same formulas) and the outlier test of
    ``contour.final_fit``.

    ``out`` (8,): point x, y, direction x, y (canonical sign), RMS, offset and angle
    variances (NaN with 2 points), number of points; ``res`` (N,) the signed distances (+ on
    the normal ``(-dy, dx)``).  Returns 0 when no point is an outlier, 1 when one is (the
    caller then runs the robust fit), 2 where the core would raise (the caller runs it)."""
    n = p.shape[0]
    if n < 2:
        return 2
    cx = 0.0
    cy = 0.0
    for i in range(n):
        cx += p[i, 0]
        cy += p[i, 1]
    cx /= n
    cy /= n
    sxx = syy = sxy = pp = 0.0
    for i in range(n):
        qx, qy = p[i, 0] - cx, p[i, 1] - cy
        sxx += qx * qx
        syy += qy * qy
        sxy += qx * qy
        pp += p[i, 0] * p[i, 0] + p[i, 1] * p[i, 1]
    sxx, syy, sxy = sxx / n, syy / n, sxy / n
    if not (sxx + syy > 1e-24 * (pp / n + 1.0) and math.isfinite(cx) and math.isfinite(cy)):
        return 2
    ang = 0.5 * math.atan2(2.0 * sxy, sxx - syy)
    dx, dy = math.cos(ang), math.sin(ang)
    if dx < 0 or (dx == 0 and dy < 0):
        dx, dy = -dx, -dy
    wr2 = 0.0
    tt = 0.0
    for i in range(n):
        qx, qy = p[i, 0] - cx, p[i, 1] - cy
        res[i] = dx * qy - dy * qx
        wr2 += res[i] * res[i]
        t = qx * dx + qy * dy
        tt += t * t
    out[0], out[1], out[2], out[3] = cx, cy, dx, dy
    out[4] = math.sqrt(wr2 / n)
    if n > 2:
        s2 = wr2 / (n - 2)
        out[5], out[6] = s2 / n, s2 / tt
    else:
        out[5] = out[6] = np.nan
    out[7] = n
    return 1 if _outliers(res, edge_std, thr, tukey_c, mad_to_sigma) else 0


_LFINISH_SIG = "i8(f8[:, ::1], f8, f8, f8, f8, b1[::1], f8[::1], f8[::1], f8[:, ::1])"


@njit(_LFINISH_SIG, cache=True, nogil=True)
def line_finish(pts, cx, cy, dx, dy, inl, edge_std, res, cov):  # pragma: no cover - compiled
    """The residuals and covariance of ``find_line``'s result (``line._line_result`` with
    ``contour.covariance``): ``res`` (N,) the signed distances of ``pts`` (N, 2) to the line
    through (cx, cy) along the unit (dx, dy), ``cov`` (2, 2) ``s^2 (J^T J)^-1`` of (offset,
    angle) over the inliers ``inl``, rows of J ``[1, u]`` with ``u`` the position along the
    line (NaN with at most 2 inliers or a singular J^T J).  Returns 0."""
    n = pts.shape[0]
    su = suu = rr = ee = 0.0
    n_in = 0
    n_e = 0
    for i in range(n):
        qx, qy = pts[i, 0] - cx, pts[i, 1] - cy
        res[i] = dx * qy - dy * qx
        if inl[i]:
            u = qx * dx + qy * dy
            n_in += 1
            su += u
            suu += u * u
            rr += res[i] * res[i]
            if math.isfinite(edge_std[i]):
                ee += edge_std[i] * edge_std[i]
                n_e += 1
    cov[:, :] = np.nan
    if n_in <= 2:
        return 0
    s_res = math.sqrt(rr / (n_in - 2))
    s_edge = math.sqrt(ee / n_e) if n_e else 0.0
    s = max(s_res, s_edge)
    det = n_in * suu - su * su
    if det == 0.0 or not math.isfinite(det):
        return 0
    f = s * s / det
    cov[0, 0], cov[0, 1], cov[1, 1] = suu * f, -su * f, n_in * f
    cov[1, 0] = cov[0, 1]
    return 0


# --- the curvature correction of find_circle -------------------------------------------------
# metrology.caliper.curvature._solve_scalar(1 / R, blur, "fit", 0.0): the fixed point on the
# B-spline interpolated tables q and h, the same operations in the same order (Python floats
# and these doubles round alike), so the same correction to the last bit.

@njit(cache=True, nogil=True)
def _mirror(i, n):  # pragma: no cover - compiled
    if i < 0:
        return -i
    return 2 * (n - 1) - i if i >= n else i


@njit(cache=True, nogil=True)
def _table(c, x, y, n_u, n_s):  # pragma: no cover - compiled
    """Cubic B-spline of the coefficients ``c`` at (x, y), mirror boundary (as
    curvature._qh_scalar: the sums in its order)."""
    i = int(math.floor(x))
    j = int(math.floor(y))
    t = x - i
    t2 = t * t
    t3 = t2 * t
    wx = ((1.0 - 3.0 * t + 3.0 * t2 - t3) / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
          (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0)
    t = y - j
    t2 = t * t
    t3 = t2 * t
    w0, w1, w2, w3 = ((1.0 - 3.0 * t + 3.0 * t2 - t3) / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
                      (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0)
    q0, q1 = _mirror(j - 1, n_s), _mirror(j, n_s)
    q2, q3 = _mirror(j + 1, n_s), _mirror(j + 2, n_s)
    acc = 0.0
    for d in range(4):
        r = _mirror(i - 1 + d, n_u)
        acc += wx[d] * (0.0 + w0 * c[r, q0] + w1 * c[r, q1] + w2 * c[r, q2] + w3 * c[r, q3])
    return acc


_CURV_SIG = "f8(f8, f8, f8[:, ::1], f8[:, ::1], f8[::1])"


@njit(_CURV_SIG, cache=True, nogil=True)
def curvature_shift(u_m, blur, coef_q, coef_h, par):  # pragma: no cover - compiled
    """Outward correction (px) of a circle measured at radius ``1 / u_m`` with fitted edge
    blur ``blur``: ``par`` = (u_max, s_min, s_max, max_blur_ratio, scale_u, scale_s, n_u,
    n_s, iterations) of :mod:`metrology.caliper.curvature`."""
    u_max, s_min, s_max, ratio, scale_u, scale_s = par[0], par[1], par[2], par[3], par[4], \
        par[5]
    n_u, n_s, iters = int(par[6]), int(par[7]), int(par[8])
    s = blur
    u = u_m
    corr = 0.0
    for _ in range(iters):
        uc = min(u, u_max)
        sc = min(min(max(s, s_min), s_max), ratio / max(uc, 1e-300))
        x = uc * scale_u
        y = (sc - s_min) * scale_s
        q = _table(coef_q, x, y, n_u, n_s)
        h = _table(coef_h, x, y, n_u, n_s)
        s_new = blur / h
        ds = abs(s_new - s)
        s = s_new
        c_new = 0.5 * q * s * s * u
        dc = abs(c_new - corr)
        corr = c_new
        u = u_m / (1.0 + corr * u_m)
        if dc < 1e-9 and ds < 1e-9:
            break
    return corr
