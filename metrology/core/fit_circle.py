"""Circle fits over batches of point sets: algebraic (Kasa, Taubin, Hyper), geometric, robust.

Every method works on data centred on the weighted centroid and scaled to unit RMS distance
(per item), which keeps the algebraic systems well conditioned, and batches all items through
stacked 3x3 / 4x4 linear algebra.

* ``kasa``: least squares on ``x^2 + y^2 + D x + E y + F``; fast but biased towards small radii
  on short arcs.
* ``taubin``: gradient-weighted algebraic fit (Taubin 1991); radius bias ``+sigma^2 / R``.
* ``hyper``: Al-Sharadqah & Chernov's "hyperaccurate" algebraic fit, whose constraint matrix
  cancels the second-order bias: no essential radius bias.  The generalized eigenproblem
  ``M A = eta N A`` (smallest positive ``eta``) is solved by Newton's method on its
  characteristic polynomial from the moments (vectorized, a few elementwise passes); items where
  that fails fall back to an explicit eigen-decomposition of ``Y^-1 N Y^-1``, ``Y = M^(1/2)``.
* ``geometric``: Levenberg-Marquardt on the orthogonal distances ``|p - c| - r``, started from
  Hyper (fixed iteration budget, per-item convergence and damping).
* ``tukey``: IRLS on the geometric residuals with a MAD scale: LM whose weights are recomputed
  after every accepted step (Huber for the first steps to settle, then Tukey's biweight with
  c = 4.685), started from Hyper.  The MAD scale is floored at ``scale_floor_px`` (default
  0.01 px) so nearly noise-free points are not rejected.

A single point set with a non-robust method takes a fast path (:func:`_fit_single`): the same
algorithms with the 3x3 algebra in Python floats, ~5-10x less overhead than the batched path on
one item; inputs it does not handle cleanly go through the batched path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._batch import (SCALE_FLOOR_PX, blockwise, check_scale_floor, finish, inv3_sym,
                     inv3_sym_floats, normalize_planar, normalize_single, prepare,
                     raise_if_failed)
from ._solve import robust_lm
from .checks import check_choice
from .results import CircleFit

__all__ = ["fit_circle"]

_METHODS = ("kasa", "taubin", "hyper", "geometric", "tukey")
#: Largest radius, in units of the point cloud's RMS spread, still accepted as a circle.
_MAX_REL_RADIUS = 1e8
_LM_ITERS = 60
_NEWTON_ITERS = 30
#: Methods with a single-set fast path (:func:`_fit_single`).
_SINGLE_METHODS = ("kasa", "taubin", "hyper", "geometric")


def _from_conic(A: np.ndarray):
    """Centre (B, 2) and radius (B,) of ``A0 (x^2+y^2) + A1 x + A2 y + A3 = 0``."""
    a0 = A[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = -A[:, 1:3] / (2.0 * a0[:, None])
        r = np.sqrt(A[:, 1] ** 2 + A[:, 2] ** 2 - 4.0 * a0 * A[:, 3]) / (2.0 * np.abs(a0))
    return c, r


def _moment_poly(Mxx, Myy, Mxy, Mxz, Myz, Mzz, kind: str) -> tuple:
    """Coefficients ``(a0, a1, a2, a3, a4)`` of the characteristic polynomial
    ``P(eta) = a0 + a1 eta + ... + a4 eta^4`` of ``M A = eta N A`` from the weighted moments
    (cubic for Taubin, quartic for Hyper; Chernov's formulation).  Plain arithmetic: the
    arguments are floats (single set) or arrays (batch), and so are the coefficients."""
    Mz = Mxx + Myy
    cov_xy = Mxx * Myy - Mxy * Mxy
    var_z = Mzz - Mz * Mz
    a0 = Mxz * (Mxz * Myy - Myz * Mxy) + Myz * (Myz * Mxx - Mxz * Mxy) - var_z * cov_xy
    a1 = var_z * Mz + 4 * cov_xy * Mz - Mxz * Mxz - Myz * Myz
    if kind == "hyper":
        return a0, a1, 4 * cov_xy - 3 * Mz * Mz - Mzz, 0.0 * Mz, 4.0
    return a0, a1, -3 * Mz * Mz - Mzz, 4 * Mz, 0.0


def _newton_step(eta, val, poly: tuple):
    """One Newton step on ``P(eta)`` (value ``val`` at ``eta``): the new root estimate and
    ``P`` there (floats or arrays; a zero slope gives inf/NaN, which callers reject).  Array callers
    run under ``np.errstate(divide="ignore", invalid="ignore")`` (as :func:`fit_circle` does)."""
    a0, a1, a2, a3, a4 = poly
    slope = a1 + eta * (2 * a2 + eta * (3 * a3 + 4 * a4 * eta))
    new = eta - val / slope if not isinstance(slope, float) or slope != 0 else math.nan
    return new, a0 + new * (a1 + new * (a2 + new * (a3 + a4 * new)))


def _centre_from_eta(eta, Mxx, Myy, Mxy, Mxz, Myz, kind: str) -> tuple:
    """Centre ``(cx, cy)`` and squared radius of the algebraic circle for the root ``eta``
    (normalised units; floats or arrays)."""
    det = eta * eta - eta * (Mxx + Myy) + (Mxx * Myy - Mxy * Mxy)
    if isinstance(det, float) and det == 0:          # one set in floats: no circle
        return math.nan, math.nan, math.nan
    cx = (Mxz * (Myy - eta) - Myz * Mxy) / (2 * det)
    cy = (Myz * (Mxx - eta) - Mxz * Mxy) / (2 * det)
    r2 = cx * cx + cy * cy + (Mxx + Myy) - (2 * eta if kind == "hyper" else 0.0)
    return cx, cy, r2


def _moment_fit(Q: np.ndarray, W: np.ndarray, kind: str):
    """Kasa, Taubin or Hyper fit from the weighted moments of centred, normalised data.

    The generalized eigenproblem ``M A = eta N A`` is reduced to its characteristic polynomial
    in ``eta`` (cubic for Taubin, quartic for Hyper; Chernov's formulation), whose smallest
    positive root is reached by Newton's method from ``eta = 0`` (monotone convergence; a
    fixed number of vectorized steps, each accepted only if it decreases ``|P(eta)|``).  Kasa
    is ``eta = 0``.  The centre then follows from a 2x2 solve and the radius from the
    constraint.  Items that come out non-finite are re-solved by :func:`_algebraic` (explicit
    eigen-decomposition).  ``Q`` is the planar ``(2, B, N)`` layout of centred data."""
    sw = W.sum(-1)
    sw = np.where(sw > 0, sw, 1.0)
    x, y = Q[0], Q[1]
    z = x * x + y * y
    Wx, Wy, Wz = W * x, W * y, W * z
    Mxx = np.einsum("bn,bn->b", Wx, x) / sw
    Myy = np.einsum("bn,bn->b", Wy, y) / sw
    Mxy = np.einsum("bn,bn->b", Wx, y) / sw
    Mxz = np.einsum("bn,bn->b", Wx, z) / sw
    Myz = np.einsum("bn,bn->b", Wy, z) / sw
    Mzz = np.einsum("bn,bn->b", Wz, z) / sw
    poly = _moment_poly(Mxx, Myy, Mxy, Mxz, Myz, Mzz, kind)
    eta = np.zeros_like(Mxx)
    if kind != "kasa":
        val = poly[0]
        for _ in range(_NEWTON_ITERS):
            new, nval = _newton_step(eta, val, poly)
            acc = np.isfinite(new) & np.isfinite(nval) & (np.abs(nval) < np.abs(val))
            if not acc.any():
                break
            eta = np.where(acc, new, eta)
            val = np.where(acc, nval, val)
    cx, cy, r2 = _centre_from_eta(eta, Mxx, Myy, Mxy, Mxz, Myz, kind)
    r = np.sqrt(r2)
    c = np.stack([cx, cy], -1)
    bad = ~(np.isfinite(r) & np.all(np.isfinite(c), -1)) & (kind != "kasa")
    if bad.any():                                  # rare: fall back to the eigen-solver
        idx = np.flatnonzero(bad)
        c2, r2_, fin = _algebraic(np.stack([x[idx], y[idx]], -1), W[idx], kind)
        c[idx] = np.where(fin[:, None], c2, np.nan)
        r[idx] = np.where(fin, r2_, np.nan)
    return c, r, np.ones(len(W), bool)


def _algebraic(P: np.ndarray, W: np.ndarray, kind: str):
    """Taubin or Hyper fit on normalised data (weighted moments)."""
    B = len(P)
    sw = W.sum(-1)
    safe = np.where(sw > 0, sw, 1.0)
    z = (P * P).sum(-1)
    Z = np.concatenate([z[..., None], P, np.ones(P.shape[:-1] + (1,))], axis=-1)  # (B, N, 4)
    M = np.matmul((Z * W[..., None]).transpose(0, 2, 1), Z) / safe[:, None, None]
    zm = M[:, 0, 3]
    xm = M[:, 1, 3]
    ym = M[:, 2, 3]
    N = np.zeros((B, 4, 4))
    if kind == "hyper":
        N[:, 0, 0] = 8 * zm
        N[:, 0, 1] = N[:, 1, 0] = 4 * xm
        N[:, 0, 2] = N[:, 2, 0] = 4 * ym
        N[:, 0, 3] = N[:, 3, 0] = 2
    else:  # taubin
        N[:, 0, 0] = 4 * zm
        N[:, 0, 1] = N[:, 1, 0] = 2 * xm
        N[:, 0, 2] = N[:, 2, 0] = 2 * ym
    N[:, 1, 1] = N[:, 2, 2] = 1
    finite = np.all(np.isfinite(M), axis=(1, 2))
    M = np.where(finite[:, None, None], M, np.eye(4))
    lam, V = np.linalg.eigh(M)
    exact = lam[:, 0] <= 1e-13 * np.maximum(lam[:, -1], 1e-300)
    A_exact = V[:, :, 0]
    lam_safe = np.where(exact[:, None], 1.0, np.clip(lam, 1e-300, None))
    Yinv = np.matmul(V * (lam_safe ** -0.5)[:, None, :], V.transpose(0, 2, 1))
    S = np.matmul(np.matmul(Yinv, N), Yinv)
    S = 0.5 * (S + S.transpose(0, 2, 1))
    finite_s = np.all(np.isfinite(S), axis=(1, 2))
    finite &= finite_s | exact
    mu, U = np.linalg.eigh(np.where(finite_s[:, None, None], S, np.eye(4)))
    A_gen = np.einsum("bij,bj->bi", Yinv, U[:, :, -1])          # largest mu = smallest eta > 0
    A = np.where(exact[:, None], A_exact, A_gen)
    c, r = _from_conic(A)
    return c, r, finite


def _res_jac(P: np.ndarray, prm: np.ndarray):
    dx = P[..., 0] - prm[:, None, 0]
    dy = P[..., 1] - prm[:, None, 1]
    dist = np.hypot(dx, dy)
    safe = np.where(dist > 0, dist, 1.0)
    r = dist - prm[:, None, 2]
    J = np.stack([-dx / safe, -dy / safe, -np.ones_like(dist)], axis=-1)
    return r, J


def _normal_matrix(w: np.ndarray, ux: np.ndarray, uy: np.ndarray) -> np.ndarray:
    """``J^T diag(w) J`` (B, 3, 3) for circle residuals, ``J = [-ux, -uy, -1]``."""
    Wux, Wuy = w * ux, w * uy
    A = np.empty((len(w), 3, 3))
    A[:, 0, 0] = np.einsum("bn,bn->b", Wux, ux)
    A[:, 0, 1] = A[:, 1, 0] = np.einsum("bn,bn->b", Wux, uy)
    A[:, 1, 1] = np.einsum("bn,bn->b", Wuy, uy)
    A[:, 0, 2] = A[:, 2, 0] = Wux.sum(-1)
    A[:, 1, 2] = A[:, 2, 1] = Wuy.sum(-1)
    A[:, 2, 2] = w.sum(-1)
    return A


def _evaluate(x: np.ndarray, y: np.ndarray, q: np.ndarray):
    """Residuals ``|p - c| - r`` and unit vectors from the centre, all (B, N)."""
    dx = x - q[:, 0, None]
    dy = y - q[:, 1, None]
    d = np.sqrt(dx * dx + dy * dy)
    inv = 1.0 / np.maximum(d, 1e-300)            # a point at the centre gets u = (0, 0)
    return d - q[:, 2, None], dx * inv, dy * inv


def _circle_lm(Q: np.ndarray, W: np.ndarray, prm: np.ndarray, ok: np.ndarray,
               iters: int = _LM_ITERS, tol: float = 1e-9):
    """Levenberg-Marquardt for ``sum W (|p - c| - r)^2``, specialised to circles: the 3x3
    normal equations are formed from per-item sums and solved in closed form, per-item damping
    and convergence, each iteration only on the items still active (index arrays, no per-item
    Python work).  Parameters in normalised units: ``tol`` is a step of 1e-9 of the point
    cloud's RMS spread (1e-7 px for a 100 px circle)."""
    prm = np.array(prm, dtype=np.float64)
    evaluate = _evaluate
    X, Y = Q[0], Q[1]                      # planar (2, B, N) layout
    r, ux, uy = evaluate(X, Y, prm)
    cost = np.einsum("bn,bn->b", W, r * r)
    lam = np.full(len(W), 1e-6)           # the algebraic start is close: nearly Gauss-Newton
    active = ok & np.isfinite(cost) & np.all(np.isfinite(prm), -1)
    SW = W.sum(-1)
    for _ in range(iters):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        full = idx.size == len(W)
        sel = (lambda a: a) if full else (lambda a, idx=idx: a[idx])
        x, y, w, sw = sel(X), sel(Y), sel(W), sel(SW)
        q, rr, vx, vy, c0, la = sel(prm), sel(r), sel(ux), sel(uy), sel(cost), sel(lam)
        A = _normal_matrix(w, vx, vy)
        wr = w * rr
        g = np.stack([np.einsum("bn,bn->b", wr, vx), np.einsum("bn,bn->b", wr, vy),
                      wr.sum(-1)], -1)                       # = -J^T W r, J = [-ux, -uy, -1]
        diag = np.diagonal(A, axis1=1, axis2=2)
        A[:, [0, 1, 2], [0, 1, 2]] = diag * (1.0 + la[:, None]) + 1e-12 * sw[:, None]
        inv, good = inv3_sym(A, rcond=1e-15)
        delta = np.einsum("bij,bj->bi", inv, g)
        good &= np.all(np.isfinite(delta), -1)
        delta = np.where(good[:, None], delta, 0.0)
        new = q + delta
        r2, vx2, vy2 = evaluate(x, y, new)
        c2 = np.einsum("bn,bn->b", w, r2 * r2)
        better = good & (c2 <= c0)
        # converged: a tiny step, or no cost change beyond rounding (accepted or not, since at
        # the minimum rounding can make the cost tick up)
        small = (np.abs(delta).max(-1) < tol) | (np.abs(c0 - c2) <= 1e-14 * c0)
        la = np.where(better, np.maximum(la * 0.2, 1e-12), np.minimum(la * 10.0, 1e12))
        done = small | (la >= 1e12) | ~good
        b1 = better[:, None]
        q_new = np.where(b1, new, q)
        r_new, ux_new, uy_new = np.where(b1, r2, rr), np.where(b1, vx2, vx), np.where(b1, vy2, vy)
        cost_new = np.where(better, c2, c0)
        if full:                         # rebind instead of scattering into every row
            prm, r, ux, uy, cost, lam, active = q_new, r_new, ux_new, uy_new, cost_new, la, ~done
        else:
            prm[idx], r[idx], ux[idx], uy[idx] = q_new, r_new, ux_new, uy_new
            cost[idx], lam[idx], active[idx] = cost_new, la, ~done
    return prm, ok & np.all(np.isfinite(prm), -1)


def _circle_stats(Q, Wuser, Wfin, prm, ok, mean, scale):
    """RMS (px) over the inliers and first-order covariance of (cx, cy, r) in px^2."""
    inl = (Wfin > 0) & ok[:, None]
    r, ux, uy = _evaluate(Q[0], Q[1], prm)
    r_px = r * scale[:, None]
    wu = np.where(inl, Wuser, 0.0)
    n = np.count_nonzero(inl, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.einsum("bn,bn->b", wu, r_px ** 2) / wu.sum(-1))
        wn = np.where(inl, Wfin * (n / Wfin.sum(-1))[:, None], 0.0)
        s2 = np.einsum("bn,bn->b", wn, r_px ** 2) / (n - 3)
    A = _normal_matrix(wn, ux, uy)          # columns are px per px: no rescaling needed
    inv, good = inv3_sym(np.where(np.isfinite(A), A, 0.0))
    cov = inv * s2[:, None, None]
    with np.errstate(invalid="ignore"):
        good &= np.all(np.isfinite(cov), axis=(1, 2)) & np.all(
            np.diagonal(cov, axis1=1, axis2=2) >= 0, -1)
    # more points than parameters but no covariance: the points do not pin a circle down
    # (e.g. all but one on top of each other) -- a degenerate configuration, not a fit
    degenerate = ok & (n > 3) & ~good
    bad = ~ok | (n <= 3) | ~good
    cov[bad] = np.nan
    return np.where(ok, rms, np.nan), inl, cov, degenerate


def _algebraic_block(P, W, kind) -> dict:
    """Normalise one block of items and fit Kasa/Taubin/Hyper: the planar normalised
    coordinates ``x``, ``y`` (b, N), ``mean`` (b, 2), ``scale`` (b,), ``prm`` (b, 3) normalised
    (cx, cy, r), ``ok`` (b,)."""
    npos = np.count_nonzero(W > 0, -1)
    Qn, mean, scale, spread_ok = normalize_planar(P, W)
    c, r, good = _moment_fit(Qn, W, kind)
    prm = np.concatenate([c, r[:, None]], axis=-1)
    ok = (npos >= 3) & spread_ok & good & np.all(np.isfinite(prm), -1) \
        & (prm[:, 2] < _MAX_REL_RADIUS)
    return dict(x=Qn[0], y=Qn[1], mean=mean, scale=scale, prm=np.where(ok[:, None], prm, 0.0),
                ok=ok)


def _result_block(x, y, W, Wfin, prm, ok, mean, scale) -> dict:
    """Result fields of one block of items (flat (b, ...) arrays), in pixels."""
    rms, inl, cov, degenerate = _circle_stats(np.stack([x, y]), W, Wfin,
                                              np.where(ok[:, None], prm, 0.0), ok, mean, scale)
    ok = ok & ~degenerate
    rms = np.where(ok, rms, np.nan)
    inl &= ok[:, None]
    cov[~ok] = np.nan
    std = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    prm = np.where(ok[:, None], prm, np.nan)
    return dict(center_xy=mean + prm[:, :2] * scale[:, None], radius=prm[:, 2] * scale,
                rms_px=rms, ok=ok, n_points=np.count_nonzero(W > 0, -1), inliers=inl,
                center_std_px=std[:, :2], radius_std_px=std[:, 2], covariance=cov)


def _fit_flat(P: np.ndarray, W: np.ndarray, method: str, scale_floor: float = 0.0) -> dict:
    """All items of a flat batch: the algebraic start and the final statistics run in blocks
    of items (small temporaries), the iterative refinements on the whole batch at once (one
    set of Python calls per iteration; converged items drop out)."""
    kind = method if method in ("kasa", "taubin") else "hyper"
    alg = blockwise(lambda p, w: _algebraic_block(p, w, kind), P, W)
    x, y, prm, ok = alg["x"], alg["y"], alg["prm"], alg["ok"]
    Wfin = W
    if method == "geometric":
        prm, ok2 = _circle_lm(np.stack([x, y]), W, prm, ok)
        ok = ok & ok2
    elif method == "tukey":
        floor = np.maximum(scale_floor / alg["scale"], 1e-9)   # px -> normalised units
        prm, ok2, Wfin = robust_lm(np.stack([x, y], -1), W, prm, ok, _res_jac, floor=floor)
        ok = ok & ok2 & (np.count_nonzero(Wfin > 0, -1) >= 3)
    prm = prm.copy()
    prm[:, 2] = np.abs(prm[:, 2])
    ok = ok & np.all(np.isfinite(prm), -1) & (prm[:, 2] < _MAX_REL_RADIUS)
    return blockwise(_result_block, x, y, W, Wfin, prm, ok, alg["mean"], alg["scale"])


# --- single point set fast path -------------------------------------------------------------
# The same algorithms as the batched path above (same normalisation, Newton on the moment
# polynomial, LM damping and stopping rules, statistics) for ONE set: the O(N) work is a few
# whole-array numpy calls per step (one 4xN Gram matrix gives the normal equations, gradient
# and cost at once), the 3x3 algebra is done in Python floats.  Anything unusual (no weight,
# no spread, a non-finite or degenerate algebraic solution) returns None and the caller takes
# the batched path, which then produces the same result or the same FitError as always.


def _moments_single(Q: np.ndarray, w, sw: float, kind: str):
    """Kasa/Taubin/Hyper on normalised data ``Q`` (2, N) as :func:`_moment_fit`, in floats:
    ``(cx, cy, r)`` normalised, or None where the batched solver would need its eigen-solver
    fallback (or the Kasa fit fails)."""
    x, y = Q[0], Q[1]
    S = np.empty((3, Q.shape[1]))
    S[:2] = Q
    np.multiply(x, x, out=S[2])
    S[2] += y * y
    M = ((S if w is None else S * w) @ S.T).tolist()
    Mxx, Mxy, Mxz = M[0][0] / sw, M[0][1] / sw, M[0][2] / sw
    Myy, Myz, Mzz = M[1][1] / sw, M[1][2] / sw, M[2][2] / sw
    poly = _moment_poly(Mxx, Myy, Mxy, Mxz, Myz, Mzz, kind)
    eta = 0.0
    if kind != "kasa":
        val = poly[0]
        for _ in range(_NEWTON_ITERS):
            new, nval = _newton_step(eta, val, poly)
            if not (math.isfinite(new) and math.isfinite(nval) and abs(nval) < abs(val)):
                break                  # (a zero or non-finite slope ends here, as in the batch)
            eta, val = new, nval
    cx, cy, r2 = _centre_from_eta(eta, Mxx, Myy, Mxy, Mxz, Myz, kind)
    if not (r2 >= 0 and math.isfinite(r2) and math.isfinite(cx) and math.isfinite(cy)):
        return None
    return cx, cy, math.sqrt(r2)


def _gram_single(Q: np.ndarray, w, q, U: np.ndarray) -> list:
    """Residuals at ``q = (cx, cy, r)`` written into ``U`` (4, N) as rows ``[ux, uy, 1, r]``
    (unit vectors from the centre, residual ``|p - c| - r``) and their weighted Gram matrix
    ``(U W) U^T`` as nested lists: ``G[:3][:3]`` is ``J^T W J``, ``G[:3][3]`` is ``-J^T W r``
    and ``G[3][3]`` the cost (``J = [-ux, -uy, -1]``)."""
    dx = Q[0] - q[0]
    dy = Q[1] - q[1]
    d = np.hypot(dx, dy)
    inv = 1.0 / np.maximum(d, 1e-300)            # a point at the centre gets u = (0, 0)
    np.multiply(dx, inv, out=U[0])
    np.multiply(dy, inv, out=U[1])
    np.subtract(d, q[2], out=U[3])
    return ((U if w is None else U * w) @ U.T).tolist()


def _lm_single(Q: np.ndarray, w, sw: float, q, U: np.ndarray, iters: int = _LM_ITERS,
               tol: float = 1e-9):
    """:func:`_circle_lm` for one set: same damping, acceptance and stopping rules.  Returns
    ``(q, G)`` with ``G`` the Gram matrix (:func:`_gram_single`) at the returned ``q``; ``U``
    is scratch."""
    G = _gram_single(Q, w, q, U)
    cost = G[3][3]
    if not (math.isfinite(cost) and all(map(math.isfinite, q))):
        return q, G
    lam = 1e-6                            # the algebraic start is close: nearly Gauss-Newton
    damp = 1e-12 * sw
    for _ in range(iters):
        (a, b, c, g0), (_, d, e, g1), (_, _, f, g2) = G[0], G[1], G[2]
        inv = inv3_sym_floats(a * (1.0 + lam) + damp, b, c, d * (1.0 + lam) + damp, e,
                              f * (1.0 + lam) + damp, rcond=1e-15)
        if inv is None:
            break
        i00, i01, i02, i11, i12, i22 = inv
        d0 = i00 * g0 + i01 * g1 + i02 * g2
        d1 = i01 * g0 + i11 * g1 + i12 * g2
        d2 = i02 * g0 + i12 * g1 + i22 * g2
        if not (math.isfinite(d0) and math.isfinite(d1) and math.isfinite(d2)):
            break
        new = (q[0] + d0, q[1] + d1, q[2] + d2)
        G2 = _gram_single(Q, w, new, U)
        c2 = G2[3][3]
        better = c2 <= cost
        # converged: a tiny step, or no cost change beyond rounding (as _circle_lm)
        small = max(abs(d0), abs(d1), abs(d2)) < tol or abs(cost - c2) <= 1e-14 * cost
        lam = max(lam * 0.2, 1e-12) if better else min(lam * 10.0, 1e12)
        if better:
            q, G, cost = new, G2, c2
        if small or lam >= 1e12:
            break
    return q, G


def _fit_single(p: np.ndarray, w, method: str):
    """One set ``p`` (N, 2), weights ``w`` (N,) or None (unit): the result fields as
    :func:`finish` gives them for a single set, or None to take the batched path."""
    n_pos = p.shape[0] if w is None else int(np.count_nonzero(w))
    if n_pos < 3:
        return None
    Q, mx, my, scale, sw, good = normalize_single(p, w)
    if not good:
        return None
    q = _moments_single(Q, w, sw, method if method in ("kasa", "taubin") else "hyper")
    if q is None or not q[2] < _MAX_REL_RADIUS:
        return None
    U = np.empty((4, p.shape[0]))
    U[2] = 1.0
    if method == "geometric":
        q, G = _lm_single(Q, w, sw, q, U)
        if q[2] < 0:                                   # as the batched path: |r|
            q = (q[0], q[1], -q[2])
            G = _gram_single(Q, w, q, U)
    else:
        G = _gram_single(Q, w, q, U)
    cx, cy, r = q
    if not (math.isfinite(cx) and math.isfinite(cy) and math.isfinite(r) and r < _MAX_REL_RADIUS):
        return None
    # statistics as _circle_stats, with wn = w * n / sw: cov = inv(U W U^T) * s2 * sw / n and
    # s2 = (n / sw) * scale^2 * cost / (n - 3), i.e. cov = inv(U W U^T) * scale^2 * cost / (n-3)
    (a, b, c, _), (_, d, e, _), (_, _, f, _) = G[0], G[1], G[2]
    cost = G[3][3]
    scale2 = scale * scale
    rms = math.sqrt(cost * scale2 / sw) if cost >= 0 else math.nan
    inv = None
    if n_pos > 3:
        inv = inv3_sym_floats(a, b, c, d, e, f)
        if inv is None:              # degenerate: the batched path gives the FitError / ok=False
            return None
    if inv is None:
        cov = np.full((3, 3), np.nan)
    else:
        s2 = cost * scale2 / (n_pos - 3)
        i00, i01, i02, i11, i12, i22 = (v * s2 for v in inv)
        if not (min(i00, i11, i22) >= 0 and all(map(math.isfinite, (i01, i02, i12)))):
            return None
        cov = np.array([[i00, i01, i02], [i01, i11, i12], [i02, i12, i22]])
    sd = [math.sqrt(v) for v in (cov[0, 0], cov[1, 1], cov[2, 2])] \
        if inv is not None else [math.nan] * 3
    inliers = np.ones(p.shape[0], bool) if w is None else w > 0
    return dict(center_xy=np.array([mx + cx * scale, my + cy * scale]), radius=r * scale,
                rms_px=rms, ok=True, n_points=n_pos, inliers=inliers,
                center_std_px=np.array(sd[:2]), radius_std_px=sd[2], covariance=cov)


def fit_circle(points: Any, method: str = "hyper", weights: Any = None, *,
               scale_floor_px: float = SCALE_FLOOR_PX) -> CircleFit:
    """Fit circles to one point set or a batch of point sets.

    Parameters
    ----------
    points : array_like, shape (..., N, 2)
        ``(x, y)`` points; a single set ``(N, 2)`` or any batch.
    method : {"kasa", "taubin", "hyper", "geometric", "tukey"}
        See the module docstring.  ``hyper`` (default) is the best closed form (no essential
        radius bias); ``geometric`` minimises the orthogonal distances (maximum likelihood under
        Gaussian noise); ``tukey`` is the robust geometric fit for data with outliers.
    weights : array_like, shape (..., N), optional
        Non-negative relative weights; zero excludes a point.
    scale_floor_px : float, default 0.01
        ``tukey`` only: lower bound on the robust (MAD) residual scale, in the units of
        ``points``; points within ~4.685 x this of the circle are never rejected (without it,
        nearly noise-free points lose good points at a few 0.001 px).  0 gives the pure MAD.

    Returns
    -------
    CircleFit
        Scalar fields for a single set, ``(...)``-shaped fields for a batch, with ``ok=False``
        and NaN for items that cannot be fitted.

    Raises
    ------
    FitError
        Single set only: fewer than 3 points with positive weight, collinear or coincident
        points.
    ShapeError, InputError
        Malformed points or weights.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    >>> f = fit_circle(np.c_[3 + 2 * np.cos(t), 1 + 2 * np.sin(t)])
    >>> np.round(f.center_xy, 9).tolist(), round(f.radius, 9)
    ([3.0, 1.0], 2.0)
    """
    check_choice(method, "method", _METHODS)
    floor = check_scale_floor(scale_floor_px)
    P, W, lead = prepare(points, weights)
    if lead == () and method in _SINGLE_METHODS:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            one = _fit_single(P[0], None if weights is None else W[0], method)
        if one is not None:
            return CircleFit(method=method, **one)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = _fit_flat(P, W, method, floor)
    raise_if_failed(lead, res["ok"], "need at least 3 non-collinear points with positive "
                    f"weight, spread enough to pin a circle down (given {P.shape[1]} "
                    "point(s))", "fit_circle")
    return CircleFit(method=method, **finish(lead, **res))
