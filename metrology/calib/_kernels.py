"""Compiled kernels (numba) for the per-point and per-corner loops of calibration.

Imported only through :func:`metrology.calib._accel.kernels` (never by ``import metrology``),
and only when numba is installed (the optional ``fast`` extra).  Each kernel is the same
arithmetic as its NumPy reference, which stays the fallback and the definition:

* :func:`undistort` -- :func:`metrology.calib.lens.undistort_xy` (Newton's method with
  per-point step halving on the analytic lens Jacobian), one point at a time;
* :func:`fit_corners` -- :func:`metrology.calib.corners.fit_corner_models` (Levenberg-
  Marquardt on the X-junction model, the same damping, acceptance and stopping rules), one
  corner at a time, in float64, the normal equations accumulated pixel by pixel (no Jacobian
  array);
* :func:`sample_windows` -- :func:`metrology.calib.corners._sample_windows` (less the
  gather from the image, which stays one ``np.take`` whatever the image's dtype).

Compiled code is cached on disk (``cache=True``, numba's ``__pycache__`` next to this file or
its user-wide cache), so only the first process after an install pays the compile time
(benchmarks/bench_calib.py measures it).  ``error_model="numpy"``: division by zero gives
inf/NaN as in NumPy instead of raising.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_SQ2 = math.sqrt(2.0)
_C = math.sqrt(2.0 / math.pi)
# the same Abramowitz & Stegun 7.1.26 erf as corners._erf (shared exponential)
_P = 0.3275911
_A1, _A2, _A3, _A4, _A5 = 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429
_MAX_FISHEYE_THETA = math.radians(89.0)

_jit = njit(cache=True, error_model="numpy", nogil=True)
# reassociation and contraction only (no "no NaN / no inf" assumptions): the pixel sums
# vectorise, NaN still propagates to the acceptance tests
_fast = njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc", "contract"})


# ----------------------------------------------------------------------------- lens
@_jit
def _distort_jac(x, y, d, T, tilt, fisheye):
    """:func:`metrology.calib.lens.distort_norm_jac` at one point: ``xd, yd, j00, j01, j10,
    j11``; ``d`` (14,) the coefficients, ``T`` (3, 3) the tilt matrix (used if ``tilt``)."""
    if fisheye:
        r2 = x * x + y * y
        r = math.sqrt(r2)
        th = math.atan(r)
        t2 = th * th
        k1, k2, k3, k4 = d[0], d[1], d[2], d[3]
        poly = 1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))
        dpoly = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)))
        if r < 1e-8:
            scale = 1.0
            dscale_r = 2 * (k1 - 1.0 / 3.0)
        else:
            scale = th * poly / r
            dscale_r = (dpoly / (1 + r2) - scale) / (r * r)
        return (x * scale, y * scale, scale + dscale_r * x * x, dscale_r * x * y,
                dscale_r * x * y, scale + dscale_r * y * y)
    k1, k2, p1, p2, k3, k4, k5, k6 = d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
    xx, yy, xy = x * x, y * y, x * y
    r2 = xx + yy
    num = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
    dnum = k1 + r2 * (2 * k2 + r2 * (3 * k3))
    if k4 != 0.0 or k5 != 0.0 or k6 != 0.0:
        den = 1 + r2 * (k4 + r2 * (k5 + r2 * k6))
        dden = k4 + r2 * (2 * k5 + r2 * (3 * k6))
        radial = num / den
        drad2 = 2 * (dnum - radial * dden) / den
    else:
        radial = num
        drad2 = 2 * dnum
    tp1, tp2 = 2 * p1, 2 * p2
    xd = x * radial + tp1 * xy + p2 * (r2 + 2 * xx)
    yd = y * radial + p1 * (r2 + 2 * yy) + tp2 * xy
    j00 = radial + drad2 * xx + tp1 * y + 3 * tp2 * x
    j01 = drad2 * xy + tp1 * x + tp2 * y
    j10 = j01
    j11 = radial + drad2 * yy + 3 * tp1 * y + tp2 * x
    s1, s2, s3, s4 = d[8], d[9], d[10], d[11]
    if s1 != 0.0 or s2 != 0.0 or s3 != 0.0 or s4 != 0.0:
        sx = s1 + 2 * s2 * r2
        sy = s3 + 2 * s4 * r2
        xd = xd + r2 * (s1 + s2 * r2)
        yd = yd + r2 * (s3 + s4 * r2)
        j00, j01 = j00 + 2 * x * sx, j01 + 2 * y * sx
        j10, j11 = j10 + 2 * x * sy, j11 + 2 * y * sy
    if tilt:
        w = T[2, 0] * xd + T[2, 1] * yd + T[2, 2]
        u = (T[0, 0] * xd + T[0, 1] * yd + T[0, 2]) / w
        v = (T[1, 0] * xd + T[1, 1] * yd + T[1, 2]) / w
        a00, a01 = (T[0, 0] - u * T[2, 0]) / w, (T[0, 1] - u * T[2, 1]) / w
        a10, a11 = (T[1, 0] - v * T[2, 0]) / w, (T[1, 1] - v * T[2, 1]) / w
        j00, j01, j10, j11 = (a00 * j00 + a01 * j10, a00 * j01 + a01 * j11,
                              a10 * j00 + a11 * j10, a10 * j01 + a11 * j11)
        xd, yd = u, v
    return xd, yd, j00, j01, j10, j11


@_jit
def _guess(tx, ty, d, fisheye):
    """:func:`metrology.calib.lens._initial_guess` at one point."""
    if fisheye:
        rd = math.hypot(tx, ty)
        th = min(max(rd, 0.0), _MAX_FISHEYE_THETA)
        s = math.tan(th) / rd if rd > 1e-12 else 1.0
        return tx * s, ty * s
    k1, k2, k3, k4, k5, k6 = d[0], d[1], d[4], d[5], d[6], d[7]
    x, y = tx, ty
    for _ in range(2):
        r2 = x * x + y * y
        radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)))
        s = 1.0 / radial if (math.isfinite(radial) and radial > 0.2) else 1.0
        x, y = tx * s, ty * s
    return x, y


@_jit
def undistort(tx, ty, x0, y0, d, T, tilt, fisheye, tol2, max_evals):
    """Newton's iteration of :func:`metrology.calib.lens._newton`, point by point.

    Parameters
    ----------
    tx, ty : float64 (n,)
        Distorted normalised coordinates.
    x0, y0 : float64 (n,) or (0,)
        Starting points; empty: :func:`_guess`.
    d : float64 (14,), T : float64 (3, 3), tilt, fisheye : bool
    tol2 : float
        Squared convergence tolerance.
    max_evals : int

    Returns
    -------
    x, y, err2 : float64 (n,)
        Undistorted coordinates and squared residuals (inf where never finite).
    """
    n = tx.size
    ox = np.empty(n)
    oy = np.empty(n)
    oe = np.empty(n)
    have = x0.size == n
    for i in range(n):
        px, py = tx[i], ty[i]
        if have:
            x, y = x0[i], y0[i]
        else:
            x, y = _guess(px, py, d, fisheye)
        fx, fy, a, b, c, e = _distort_jac(x, y, d, T, tilt, fisheye)
        rx, ry = fx - px, fy - py
        err = rx * rx + ry * ry
        if not math.isfinite(err):
            err = math.inf
        alpha = 1.0
        for _ in range(max_evals):
            if not (err > tol2 and alpha > 1e-4):
                break
            det = a * e - b * c
            if abs(det) < 1e-300:
                det = 1e-300
            rx, ry = fx - px, fy - py
            sx = (e * rx - b * ry) / det * alpha
            sy = (a * ry - c * rx) / det * alpha
            if not math.isfinite(sx):
                sx = 0.0
            if not math.isfinite(sy):
                sy = 0.0
            xn, yn = x - sx, y - sy
            nfx, nfy, na, nb, nc, ne = _distort_jac(xn, yn, d, T, tilt, fisheye)
            rx, ry = nfx - px, nfy - py
            en = rx * rx + ry * ry
            if en < err:
                x, y, err = xn, yn, en
                fx, fy, a, b, c, e = nfx, nfy, na, nb, nc, ne
                alpha = 1.0
            else:
                alpha *= 0.5
        ox[i], oy[i], oe[i] = x, y, err
    return ox, oy, oe


# ----------------------------------------------------------------------------- corners
@_jit
def _gauss(u):
    """``exp(-u^2)`` without a library call, so the pixel loops vectorise (the fit's
    evaluations 1.7x faster): ``exp(-v / 1024)`` by its degree-6 Taylor polynomial, ``v =
    min(u^2, 40)``, then squared ten times.  Error below 1e-13 absolute (3e-11 relative
    where the value exceeds 1e-17; beyond ``u^2 = 40`` it is ``exp(-40)`` = 4e-18, nothing
    beside the error function's 1): far below the A&S erf it feeds (1.5e-7) and below
    float32, which the NumPy reference computes in."""
    y = -min(u * u, 40.0) * (1.0 / 1024.0)
    e = 1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0 + y * (1.0 / 24.0 + y * (
        1.0 / 120.0 + y * (1.0 / 720.0))))))
    for _ in range(10):
        e = e * e
    return e


@_jit
def _erf(u, gauss):
    t = 1.0 / (1.0 + _P * abs(u))
    return math.copysign(1.0 - t * (_A1 + t * (_A2 + t * (_A3 + t * (_A4 + t * _A5)))) * gauss,
                         u)


@_fast
def _cost(v, X, Y, w, m, p):
    """Weighted residual sum of squares of one window (``v, X, Y, w`` (M,): values,
    positions, weights) at the parameters ``p`` (9,) of :func:`corners.corner_model`."""
    x0, y0, t1, t2, ls, o, A, gx, gy = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
    s1, c1, s2, c2 = math.sin(t1), math.cos(t1), math.sin(t2), math.cos(t2)
    k = 1.0 / (_SQ2 * math.exp(min(max(ls, -4.0), 4.0)))
    cost = 0.0
    for i in range(m):
        dx = X[i] - x0
        dy = Y[i] - y0
        u1 = (dy * c1 - dx * s1) * k
        u2 = (dy * c2 - dx * s2) * k
        E = _erf(u1, _gauss(u1)) * _erf(u2, _gauss(u2))
        r = v[i] - (o + A * E) * (1.0 + gx * dx + gy * dy)
        cost += w[i] * r * r
    return cost


@_fast
def _evaluate(v, X, Y, w, m, p, J, H, g):
    """:func:`_cost` and the Jacobian ``J`` (9, M) (row 9: the weighted residuals), and from
    it ``H = J^T W J`` (9, 9) and ``g = J^T W r`` (9,)."""
    x0, y0, t1, t2, ls, o, A, gx, gy = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
    s = math.exp(min(max(ls, -4.0), 4.0))
    s1, c1, s2, c2 = math.sin(t1), math.cos(t1), math.sin(t2), math.cos(t2)
    k = 1.0 / (_SQ2 * s)
    As = A * (_C / s)
    cost = 0.0  # the model (o + A E) G, illumination G = 1 + gx dx + gy dy
    for i in range(m):
        dx = X[i] - x0
        dy = Y[i] - y0
        d1 = dy * c1 - dx * s1
        d2 = dy * c2 - dx * s2
        u1 = d1 * k
        u2 = d2 * k
        q1 = _gauss(u1)
        q2 = _gauss(u2)
        e1 = _erf(u1, q1)
        e2 = _erf(u2, q2)
        E = e1 * e2
        B = o + A * E
        G = 1.0 + gx * dx + gy * dy
        r = v[i] - B * G
        cost += w[i] * r * r
        a1 = As * G * q1 * e2
        a2 = As * G * q2 * e1
        J[0, i] = a1 * s1 + a2 * s2 - B * gx
        J[1, i] = -(a1 * c1 + a2 * c2) - B * gy
        J[2, i] = -a1 * (dx * c1 + dy * s1)
        J[3, i] = -a2 * (dx * c2 + dy * s2)
        J[4, i] = -(a1 * d1 + a2 * d2)
        J[5, i] = G
        J[6, i] = E * G
        J[7, i] = B * dx
        J[8, i] = B * dy
        J[9, i] = w[i] * r
    _gram(J, w, m, H, g)
    return cost


@_jit
def _relinearise(v, w, m, p, J, H, g):
    """:func:`_evaluate` at ``p`` from ``J`` evaluated at the same geometry with unit contrast
    and no offset or gradient, rows 7 and 8 replaced by ``dx, dy`` (rows 0..4 scale with the
    contrast and the illumination ``G``, rows 0 and 1 less the illumination's own shift)."""
    o, A, gx, gy = p[5], p[6], p[7], p[8]
    cost = 0.0
    for i in range(m):
        E, dx, dy = J[6, i], J[7, i], J[8, i]
        B = o + A * E
        G = 1.0 + gx * dx + gy * dy
        r = v[i] - B * G
        cost += w[i] * r * r
        AG = A * G
        J[0, i] = AG * J[0, i] - B * gx
        J[1, i] = AG * J[1, i] - B * gy
        J[2, i] *= AG
        J[3, i] *= AG
        J[4, i] *= AG
        J[5, i] = G
        J[6, i] = E * G
        J[7, i] = B * dx
        J[8, i] = B * dy
        J[9, i] = w[i] * r
    _gram(J, w, m, H, g)
    return cost


@njit(cache=True, error_model="numpy", nogil=True, fastmath=True)
def _gram(J, w, n, H, g):
    """``H = J[:9] W J[:9]^T``, ``g = J[:9] J[9]`` (sums in any order: vectorised)."""
    for a in range(9):
        ja = J[a]
        sg = 0.0
        for i in range(n):
            sg += ja[i] * J[9, i]
        g[a] = sg
        for b in range(a, 9):
            jb = J[b]
            sh = 0.0
            for i in range(n):
                sh += w[i] * ja[i] * jb[i]
            H[a, b] = sh
            H[b, a] = sh


@_jit
def _solve_spd(A, b, x, q):
    """``x[:q] = A[:q, :q]^-1 b[:q]`` by Cholesky (``A`` symmetric, overwritten); False if
    not positive definite (then ``x`` is NaN)."""
    for j in range(q):
        s = A[j, j]
        for k in range(j):
            s -= A[j, k] * A[j, k]
        if not s > 0.0:
            for i in range(q):
                x[i] = np.nan
            return False
        A[j, j] = math.sqrt(s)
        for i in range(j + 1, q):
            s = A[i, j]
            for k in range(j):
                s -= A[i, k] * A[j, k]
            A[i, j] = s / A[j, j]
    for i in range(q):
        s = b[i]
        for k in range(i):
            s -= A[i, k] * x[k]
        x[i] = s / A[i, i]
    for i in range(q - 1, -1, -1):
        s = x[i]
        for k in range(i + 1, q):
            s -= A[k, i] * x[k]
        x[i] = s / A[i, i]
    return True


@_jit
def fit_corners(vals, X, Y, w, p0, max_iter, step_tol, linear_start):
    """:func:`corners.fit_corner_models`, corner by corner.

    Parameters
    ----------
    vals, X, Y, w : float64 (N, M)
    p0 : float64 (N, 9)
    max_iter : int
    step_tol : float
    linear_start : bool

    Returns
    -------
    p : float64 (N, 9), rms : float64 (N,), converged : bool (N,)
    """
    N, M = vals.shape
    out_p = np.empty((N, 9))
    out_rms = np.empty(N)
    out_conv = np.zeros(N, np.bool_)
    v, x, y, wc = np.empty(M), np.empty(M), np.empty(M), np.empty(M)
    J = np.empty((10, M))
    H, Hn, A, L = np.empty((9, 9)), np.empty((9, 9)), np.empty((9, 9)), np.empty((9, 9))
    g, gn, step, pn, p = np.empty(9), np.empty(9), np.empty(9), np.empty(9), np.empty(9)
    for n in range(N):
        m = 0  # the window's pixels of non-zero weight, contiguous (the others add nothing)
        wsum = 0.0
        for i in range(M):
            if w[n, i] != 0.0:
                v[m], x[m], y[m], wc[m] = vals[n, i], X[n, i], Y[n, i], w[n, i]
                wsum += w[n, i]
                m += 1
        for a in range(9):
            p[a] = p0[n, a]
        # Levenberg-Marquardt with the rules of corners._fit_block
        if linear_start:  # corners._linear_start: the additive model's (m, A, g_a) by weighted
            p[5], p[6], p[7], p[8] = 0.0, 1.0, 0.0, 0.0  # least squares, g = g_a / m
            _evaluate(v, x, y, wc, m, p, J, H, g)  # J rows 5, 6: 1, E; rows 7, 8 made dx, dy
            for i in range(m):
                J[7, i] = x[i] - p[0]
                J[8, i] = y[i] - p[1]
            _gram(J, wc, m, H, g)  # J rows 5..8: the linear basis 1, E, dx, dy
            for a in range(4):  # L^T W v = L^T W (v - E) + L^T W E = g + H[:, 6]
                step[a] = g[5 + a] + H[5 + a, 6]
                for b in range(4):
                    L[a, b] = H[5 + a, 5 + b] + (1e-9 if a == b else 0.0)
            _solve_spd(L, step, pn, 4)
            p[5], p[6] = pn[0], pn[1]
            rel_ok = abs(pn[0]) > 1e-6 * max(abs(pn[1]), 1e-300)  # corners._relative_gradient
            p[7] = pn[2] / pn[0] if rel_ok else 0.0
            p[8] = pn[3] / pn[0] if rel_ok else 0.0
            cost = _relinearise(v, wc, m, p, J, H, g)
        else:
            cost = _evaluate(v, x, y, wc, m, p, J, H, g)
        lam = 1e-3
        for _ in range(max_iter):
            for a in range(9):
                for b in range(9):
                    A[a, b] = H[a, b]
                A[a, a] += lam * (H[a, a] + 1e-9)
            _solve_spd(A, g, step, 9)
            finite = True
            for a in range(9):
                pn[a] = p[a] + step[a]
                finite = finite and math.isfinite(pn[a])
            small = max(abs(step[0]), abs(step[1])) < step_tol
            # a converging corner needs the model's value, not its Jacobian
            if small:
                cn = _cost(v, x, y, wc, m, pn)
            else:
                cn = _evaluate(v, x, y, wc, m, pn, J, Hn, gn)
            better = ((cn < cost) or (small and cn <= cost * (1 + 1e-6))) and finite
            rel = (cost - cn) / max(cost, 1e-30) if better else 0.0
            if better:
                cost = cn
                for a in range(9):
                    p[a] = pn[a]
                    if not small:
                        g[a] = gn[a]
                        for b in range(9):
                            H[a, b] = Hn[a, b]
                lam *= 0.3
            else:
                lam *= 10
            if (better and (small or rel < 1e-9)) or lam > 1e8:
                out_conv[n] = True
                break
        for a in range(9):
            out_p[n, a] = p[a]
        out_rms[n] = math.sqrt(cost / max(wsum, 1e-12))
    return out_p, out_rms, out_conv


@_jit
def sample_windows(cx, cy, radius, ox, oy, h, wd):
    """:func:`corners._sample_windows` less the gather: flat pixel indices (clamped into the
    ``h x wd`` image), pixel x, y and weights (N, M) around the corners ``(cx, cy)`` (N,) at
    the offsets ``(ox, oy)`` (M,) from the rounded corners."""
    N, M = cx.size, ox.size
    flat = np.empty((N, M), np.intp)
    X = np.empty((N, M))
    Y = np.empty((N, M))
    wt = np.empty((N, M))
    for n in range(N):
        bx = int(np.rint(cx[n]))
        by = int(np.rint(cy[n]))
        for i in range(M):
            ix = bx + ox[i]
            iy = by + oy[i]
            flat[n, i] = min(max(iy, 0), h - 1) * wd + min(max(ix, 0), wd - 1)
            X[n, i] = ix
            Y[n, i] = iy
            if 0 <= ix < wd and 0 <= iy < h:
                ddx = ix - cx[n]
                ddy = iy - cy[n]
                wt[n, i] = min(max(radius[n] + 0.5 - math.sqrt(ddx * ddx + ddy * ddy), 0.0),
                               1.0)
            else:
                wt[n, i] = 0.0
    return flat, X, Y, wt
