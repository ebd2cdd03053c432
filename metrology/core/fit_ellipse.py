"""Ellipse fits over batches of point sets: direct algebraic, geometric and robust.

* ``direct``: Fitzgibbon's ellipse-specific least squares in Halir & Flusser's numerically
  stable form (the constraint ``4AC - B^2 = 1`` as a 3x3 eigenproblem after eliminating the
  linear part), batched through stacked ``np.linalg.eig``.  Always returns an ellipse when one
  fits the data; biased (shrinks) under noise.
* ``geometric``: Levenberg-Marquardt on the true orthogonal distances to the ellipse in the
  parameters ``(cx, cy, a, b, angle)``, started from ``direct``.  The Jacobian comes from the
  closest points (a distance's derivative is ``-n . dx/dparam`` at the foot point).
* ``tukey``: IRLS on the orthogonal residuals with a MAD scale (LM re-weighted after every
  accepted step: Huber first, then Tukey's biweight c = 4.685), started from ``direct``.  The
  MAD scale is floored at ``scale_floor_px`` (default 0.01 px) so nearly noise-free points are
  not rejected.

Data are centred on the weighted centroid and scaled to unit RMS distance per item first.

A single point set with ``direct`` or ``geometric`` takes a fast path (:func:`_fit_single`):
the same algorithms on 1-D arrays with the 5x5 / 3x3 algebra done once per step instead of
through the batch machinery, several times cheaper on one set; inputs it does not handle
cleanly go through the batched path, so results and FitErrors are unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._batch import (SCALE_FLOOR_PX, blockwise, check_scale_floor, finish, normalize,
                     normalize_single, prepare, raise_if_failed, safe_inv)
from ..errors import FitError, InputError, ShapeError
from .checks import _numeric, check_choice
from .distances import _closest_in_frame
from ._solve import lm, robust_lm
from .results import EllipseFit

__all__ = ["fit_ellipse", "conic_to_ellipse"]

_METHODS = ("direct", "geometric", "tukey")
_MAX_REL_AXIS = 1e6
_LM_ITERS = 40
#: Methods with a single-set fast path (:func:`_fit_single`).
_SINGLE_METHODS = ("direct", "geometric")


def conic_to_ellipse(coef: Any):
    """Centre, semi-axes and angle of the conics ``A x^2 + B xy + C y^2 + D x + E y + F = 0``.

    Parameters
    ----------
    coef : array_like, shape (..., 6)

    Returns
    -------
    center_xy : ndarray (..., 2)
    semi_axes : ndarray (..., 2)
        ``(a, b)``, ``a >= b``; in a batch, NaN where the conic is not a real ellipse.
    angle_deg : ndarray (...)
        Major-axis angle in (-90, 90].

    Raises
    ------
    ShapeError, InputError
        Not real numbers of shape (..., 6), or NaN/inf coefficients.
    FitError
        A single conic ``(6,)`` that is not a real ellipse.

    Examples
    --------
    >>> c, ax, ang = conic_to_ellipse([1.0, 0.0, 4.0, -2.0, -16.0, -19.0])
    >>> c.tolist(), ax.round(9).tolist(), float(ang)
    ([1.0, 2.0], [6.0, 3.0], 0.0)
    """
    c = _numeric(coef, "coef", "conic coefficients of shape (..., 6)")
    if c.ndim == 0 or c.shape[-1] != 6:
        raise ShapeError(f"coef: expected shape (..., 6) (A, B, C, D, E, F), given {c.shape}")
    if not np.all(np.isfinite(c)):
        raise InputError("coef: expected finite coefficients, given NaN/inf")
    big = np.abs(c).max(axis=-1, keepdims=True) if c.size else c
    c = c / np.where(big > 0, big, 1.0)        # the conic is scale-free: no overflow below
    center, axes, ang = _conic_to_ellipse(c)
    if c.ndim == 1 and not np.isfinite(ang):
        raise FitError("conic_to_ellipse: the conic is not a real ellipse (a hyperbola, "
                       "parabola, degenerate or imaginary conic)")
    return center, axes, ang


def _conic_to_ellipse(c: np.ndarray):
    """:func:`conic_to_ellipse` without the checks: NaN for anything but a real ellipse."""
    sgn = np.where(c[..., 0] + c[..., 2] < 0, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cx, cy, a, b, ang, good = _conic_geometry(*np.moveaxis(c * sgn[..., None], -1, 0))
    ang = _wrap90(ang)
    center = np.stack([cx, cy], -1)
    axes = np.stack([a, b], -1)
    return (np.where(good[..., None], center, np.nan), np.where(good[..., None], axes, np.nan),
            np.where(good, ang, np.nan))


def _conic_geometry(A, B, C, D, E, F):
    """Centre, semi-axes ``a >= b``, major-axis angle (deg, not wrapped) and whether it is a
    real ellipse, of conics with ``A + C >= 0`` (arrays, or NumPy scalars for one conic;
    the caller sets the floating-point error state)."""
    det = 4 * A * C - B * B
    cx = (B * E - 2 * C * D) / det
    cy = (B * D - 2 * A * E) / det
    Fc = A * cx * cx + B * cx * cy + C * cy * cy + D * cx + E * cy + F
    half = 0.5 * (A + C)
    rad = np.hypot(0.5 * (A - C), 0.5 * B)
    lam_small = half - rad
    lam_big = half + rad
    a = np.sqrt(-Fc / lam_small)
    b = np.sqrt(-Fc / lam_big)
    ang = 0.5 * np.degrees(np.arctan2(-B, C - A))
    good = (det > 0) & (Fc < 0) & np.isfinite(a) & np.isfinite(b) & (lam_small > 0)
    return cx, cy, a, b, ang, good


def _wrap90(deg: np.ndarray) -> np.ndarray:
    """Wrap to (-90, 90]."""
    w = np.mod(deg + 90.0, 180.0) - 90.0
    return np.where(w <= -90.0, w + 180.0, w)


def _direct(P: np.ndarray, W: np.ndarray):
    """Halir-Flusser on normalised data; returns params (B, 5) = (cx, cy, a, b, theta_rad)."""
    x, y = P[..., 0], P[..., 1]
    D1 = np.stack([x * x, x * y, y * y], -1)
    D2 = np.stack([x, y, np.ones_like(x)], -1)
    WD1 = D1 * W[..., None]
    S1 = np.matmul(WD1.transpose(0, 2, 1), D1)
    S2 = np.matmul(WD1.transpose(0, 2, 1), D2)
    S3 = np.matmul((D2 * W[..., None]).transpose(0, 2, 1), D2)
    S3inv, good = safe_inv(S3, rcond=1e-12)
    T = -np.matmul(S3inv, S2.transpose(0, 2, 1))
    M = S1 + np.matmul(S2, T)
    Mc = np.stack([M[:, 2] / 2, -M[:, 1], M[:, 0] / 2], axis=1)
    good &= np.all(np.isfinite(Mc), axis=(1, 2))
    Mc = np.where(good[:, None, None], Mc, np.eye(3))
    _, V = np.linalg.eig(Mc)
    V = V.real                                                # (B, 3, 3), columns
    cond = 4 * V[:, 0] * V[:, 2] - V[:, 1] ** 2               # (B, 3)
    cond = cond / np.maximum((V * V).sum(1), 1e-300)
    j = np.argmax(cond, axis=-1)
    a1 = V[np.arange(len(V)), :, j]
    good &= cond[np.arange(len(V)), j] > 0
    a2 = np.einsum("bij,bj->bi", T, a1)
    coef = np.concatenate([a1, a2], -1)
    center, axes, ang = _conic_to_ellipse(coef)
    prm = np.concatenate([center, axes, np.radians(ang)[:, None]], -1)
    good &= np.all(np.isfinite(prm), -1)
    return prm, good


def _res_jac(P: np.ndarray, prm: np.ndarray):
    """Signed orthogonal residuals (B, N) and their Jacobian (B, N, 5)."""
    cx, cy, a, b, th = (prm[:, i, None] for i in range(5))
    a = np.abs(a) + 1e-300
    b = np.abs(b) + 1e-300
    cs, sn = np.cos(th), np.sin(th)
    qx = P[..., 0] - cx
    qy = P[..., 1] - cy
    u = cs * qx + sn * qy
    v = -sn * qx + cs * qy
    lx, ly = _closest_in_frame(u, v, a, b)
    nx, ny = lx / (a * a), ly / (b * b)
    nn = np.hypot(nx, ny)
    nn = np.where(nn > 0, nn, 1.0)
    nx, ny = nx / nn, ny / nn
    r = nx * (u - lx) + ny * (v - ly)
    # global normal = R n_local
    gnx = cs * nx - sn * ny
    gny = sn * nx + cs * ny
    J = np.stack([-gnx, -gny, -nx * lx / a, -ny * ly / b, nx * ly - ny * lx], -1)
    return r, J


def _canonical(prm: np.ndarray) -> np.ndarray:
    a = np.abs(prm[:, 2])
    b = np.abs(prm[:, 3])
    th = prm[:, 4]
    swap = b > a
    th = np.where(swap, th + np.pi / 2, th)
    a2, b2 = np.where(swap, b, a), np.where(swap, a, b)
    th = np.radians(_wrap90(np.degrees(th)))
    return np.stack([prm[:, 0], prm[:, 1], a2, b2, th], -1)


def _stats(P, Wuser, Wfin, prm, ok, scale):
    inl = (Wfin > 0) & ok[:, None]
    r, J = _res_jac(P, np.where(ok[:, None], prm, np.array([0, 0, 1.0, 0.5, 0])))
    r_px = r * scale[:, None]
    # columns for (cx, cy, a, b) are unitless (px per px); d r_px / d th = scale * d r_n / d th
    J[..., 4] = J[..., 4] * scale[:, None]
    wu = np.where(inl, Wuser, 0.0)
    n = np.count_nonzero(inl, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.einsum("bn,bn->b", wu, r_px ** 2) / wu.sum(-1))
        wn = np.where(inl, Wfin * (n / Wfin.sum(-1))[:, None], 0.0)
        s2 = np.einsum("bn,bn->b", wn, r_px ** 2) / (n - 5)
        A = np.matmul((J * wn[..., None]).transpose(0, 2, 1), J)
    A = np.where(np.isfinite(A), A, 0.0)
    inv5, good5 = safe_inv(A, rcond=1e-12)
    inv4, good4 = safe_inv(A[:, :4, :4], rcond=1e-12)          # circle-like: angle undefined
    inv4p = np.full_like(inv5, np.nan)
    inv4p[:, :4, :4] = inv4
    cov = np.where(good5[:, None, None], inv5, inv4p) * s2[:, None, None]
    with np.errstate(invalid="ignore"):
        finite4 = np.all(np.isfinite(cov[:, :4, :4]), axis=(1, 2)) & np.all(
            np.diagonal(cov, axis1=1, axis2=2)[:, :4] >= 0, -1)
    # more points than parameters but no covariance (even without the angle): the points do
    # not pin an ellipse down -- a degenerate configuration, not a fit
    degenerate = ok & (n > 5) & ~((good5 | good4) & finite4)
    bad = ~ok | (n <= 5) | ~(good5 | good4)
    cov[bad] = np.nan
    return np.where(ok, rms, np.nan), inl, cov, degenerate


def _fit_block(P: np.ndarray, W: np.ndarray, method: str, scale_floor: float = 0.0) -> dict:
    """Fit one block of items; returns the result fields as flat (b, ...) arrays."""
    npos = np.count_nonzero(W > 0, -1)
    Pn, mean, scale = normalize(P, W)
    prm, ok = _direct(Pn, W)
    ok &= (npos >= 5) & (prm[:, 2] < _MAX_REL_AXIS)
    Wfin = W
    start = np.where(ok[:, None], prm, np.array([0, 0, 1.0, 0.5, 0]))
    if method == "geometric":
        prm, ok2, _ = lm(Pn, W, start, ok, _res_jac, iters=_LM_ITERS, tol=1e-9)
        ok &= ok2
    elif method == "tukey":
        floor = np.maximum(scale_floor / scale, 1e-9)   # px -> normalised units
        prm, ok2, Wfin = robust_lm(Pn, W, start, ok, _res_jac, floor=floor)
        ok &= ok2 & (np.count_nonzero(Wfin > 0, -1) >= 5)
    prm = _canonical(prm)
    ok &= np.all(np.isfinite(prm), -1) & (prm[:, 3] > 0) & (prm[:, 2] < _MAX_REL_AXIS)
    prm = np.where(ok[:, None], prm, np.nan)
    rms, inl, cov, degenerate = _stats(Pn, W, Wfin, prm, ok, scale)
    ok = ok & ~degenerate
    prm = np.where(ok[:, None], prm, np.nan)
    rms = np.where(ok, rms, np.nan)
    inl &= ok[:, None]
    cov[~ok] = np.nan
    with np.errstate(invalid="ignore"):
        std = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    return dict(center_xy=mean + prm[:, :2] * scale[:, None],
                semi_axes=prm[:, 2:4] * scale[:, None], angle_deg=np.degrees(prm[:, 4]),
                rms_px=rms, ok=ok, n_points=npos, inliers=inl, center_std_px=std[:, :2],
                semi_axes_std_px=std[:, 2:4], angle_std_deg=np.degrees(std[:, 4]),
                covariance=cov)


# --- single point set fast path -------------------------------------------------------------
# The batched algorithms above for ONE set: the O(N) work is a few whole-array numpy calls on
# 1-D arrays per step (one 6xN matrix [J | r] gives the normal equations, gradient and cost by
# one Gram product), the small algebra runs once on (3, 3) / (5, 5) arrays with the same
# singularity guards (an SVD condition test) as the batched solves.  Anything unusual (no
# weight or spread, no ellipse, non-finite or degenerate results) returns None and the caller
# takes the batched path, which then produces the same result or the same FitError as always.


_HALF_NEG_HALF = np.array([[0.5], [-1.0], [0.5]])


def _well_conditioned(A: np.ndarray, rcond: float) -> bool:
    """The acceptance rule of ``_batch.safe_solve`` / ``safe_inv`` for one square matrix."""
    if not np.isfinite(A).all():
        return False
    sv = np.linalg.svd(A, compute_uv=False)
    return bool(sv[-1] > rcond * sv[0]) and bool(sv[0] > 0)


def _wrap90_f(deg: float) -> float:
    w = (deg + 90.0) % 180.0 - 90.0
    return w + 180.0 if w <= -90.0 else w


def _direct_single(Q: np.ndarray, w):
    """:func:`_direct` for one set ``Q`` (2, N) normalised: ``(cx, cy, a, b, theta)`` floats
    or None where the batched fit fails."""
    x, y = Q[0], Q[1]
    D = np.empty((6, Q.shape[1]))
    np.multiply(x, x, out=D[0])
    np.multiply(x, y, out=D[1])
    np.multiply(y, y, out=D[2])
    D[3:5] = Q
    D[5] = 1.0
    S = (D if w is None else D * w) @ D.T
    S2 = S[:3, 3:]
    S3 = S[3:, 3:]
    if not _well_conditioned(S3, 1e-12):
        return None
    T = -(np.linalg.inv(S3) @ S2.T)
    M = S[:3, :3] + S2 @ T
    Mc = M[[2, 1, 0]] * _HALF_NEG_HALF                    # rows M2 / 2, -M1, M0 / 2
    if not np.isfinite(Mc).all():
        return None
    V = np.linalg.eig(Mc)[1].real                          # columns
    cond = 4 * V[0] * V[2] - V[1] ** 2
    cond = cond / np.maximum((V * V).sum(0), 1e-300)
    j = int(np.argmax(cond))
    if not cond[j] > 0:
        return None
    a1 = V[:, j]
    conic = np.concatenate([a1, T @ a1])
    if conic[0] + conic[2] < 0:
        conic = -conic
    cx, cy, a, b, ang, good = _conic_geometry(*conic)
    if not good:
        return None
    prm = (float(cx), float(cy), float(a), float(b), math.radians(_wrap90_f(float(ang))))
    return prm if all(map(math.isfinite, prm)) else None


def _eval_single(Q: np.ndarray, w, prm, M: np.ndarray) -> np.ndarray:
    """:func:`_res_jac` for one set at ``prm``: writes the Jacobian and residuals into ``M``
    (6, N) as rows ``[J (5 rows), r]`` and returns their weighted Gram matrix ``(M W) M^T``
    (6, 6): ``J^T W J`` in ``[:5, :5]``, ``J^T W r`` in ``[:5, 5]``, the cost in ``[5, 5]``."""
    cx, cy, a, b, th = prm
    a = abs(a) + 1e-300
    b = abs(b) + 1e-300
    cs, sn = math.cos(th), math.sin(th)
    qx = Q[0] - cx
    qy = Q[1] - cy
    u = cs * qx + sn * qy
    v = cs * qy - sn * qx
    lx, ly = _closest_in_frame(u, v, a, b, quiet=True)
    nx = lx / (a * a)
    ny = ly / (b * b)
    nn = np.maximum(np.hypot(nx, ny), 1e-300)      # > 0 on the ellipse; NaN stays NaN
    nx /= nn
    ny /= nn
    np.multiply(nx, u - lx, out=M[5])
    M[5] += ny * (v - ly)                                       # r
    np.subtract(sn * ny, cs * nx, out=M[0])                     # -(R n)_x
    np.subtract(-sn * nx, cs * ny, out=M[1])                    # -(R n)_y
    np.divide(nx * lx, -a, out=M[2])
    np.divide(ny * ly, -b, out=M[3])
    np.subtract(nx * ly, ny * lx, out=M[4])
    return (M if w is None else M * w) @ M.T


def _lm_single(Q: np.ndarray, w, prm, M: np.ndarray, iters: int = _LM_ITERS,
               tol: float = 1e-9):
    """``_solve.lm`` for one set with :func:`_eval_single`: same damping, acceptance and
    stopping rules.  Returns ``(prm, G)``, ``G`` the Gram matrix at the returned ``prm``."""
    G = _eval_single(Q, w, prm, M)
    cost = float(G[5, 5])
    if not (math.isfinite(cost) and all(map(math.isfinite, prm))):
        return prm, G
    lam = 1e-3
    p = np.array(prm)
    for _ in range(iters):
        A = G[:5, :5].copy()
        dA = A.diagonal().tolist()
        tr = 1e-9 * sum(dA) / 5
        A.flat[::6] += [lam * (d + tr + 1e-300) for d in dA]
        g = G[:5, 5]
        if not (_well_conditioned(A, 1e-13) and np.isfinite(g).all()):
            break                                  # no step: the batched run ends here too
        delta = np.linalg.solve(A, -g)
        new = p + delta
        if np.isfinite(new).all():
            G2 = _eval_single(Q, w, new.tolist(), M)
            cost2 = float(G2[5, 5])
        else:                                      # overflow: a NaN cost, as batched
            G2, cost2 = None, math.nan
        better = math.isfinite(cost2) and cost2 <= cost
        lam = max(lam * 0.2, 1e-12) if better else min(lam * 10.0, 1e12)
        gain = cost - cost2
        if better:
            p, G, cost = new, G2, cost2
        # a tiny step ends the run even when rounding made it look uphill (at the minimum)
        if float(np.abs(delta).max()) < tol or abs(gain) <= 1e-14 * cost or lam >= 1e12:
            break
    return p.tolist(), G


def _fit_single(p: np.ndarray, w, method: str):
    """One set ``p`` (N, 2), weights ``w`` (N,) or None (unit): the result fields as
    :func:`finish` gives them for a single set, or None to take the batched path."""
    n_pos = p.shape[0] if w is None else int(np.count_nonzero(w > 0))
    if n_pos < 5:
        return None
    Q, mx, my, scale, sw, good = normalize_single(p, w)
    if not good:
        return None
    prm = _direct_single(Q, w)
    if prm is None or not prm[2] < _MAX_REL_AXIS:
        return None
    M = np.empty((6, p.shape[0]))
    if method == "geometric":
        prm, G = _lm_single(Q, w, prm, M)
    else:
        G = None
    # _canonical: |a|, |b|, a >= b, angle wrapped to (-90, 90]; the Gram matrix follows (the
    # same ellipse: a swap exchanges the a and b rows and columns)
    cx, cy, a, b, th = prm
    a, b = abs(a), abs(b)
    swap = b > a
    if swap:
        a, b, th = b, a, th + np.pi / 2
    th = math.radians(_wrap90_f(math.degrees(th)))
    if not (all(map(math.isfinite, (cx, cy, a, b, th))) and b > 0 and a < _MAX_REL_AXIS):
        return None
    if G is None:
        G = _eval_single(Q, w, (cx, cy, a, b, th), M)
    elif swap:
        order = [0, 1, 3, 2, 4, 5]
        G = G[np.ix_(order, order)]
    # statistics as _stats with Wfin = W: wn = W n / sw, r_px = r scale, the angle column of J
    # times scale
    cost = float(G[5, 5])
    scale2 = scale * scale
    rms = math.sqrt(cost * scale2 / sw) if cost >= 0 else math.nan
    k = n_pos / sw
    s2 = k * cost * scale2 / (n_pos - 5) if n_pos > 5 else math.nan
    A = G[:5, :5] * k
    A[4] *= scale
    A[:, 4] *= scale
    A = np.where(np.isfinite(A), A, 0.0)
    cov = np.full((5, 5), np.nan)
    if n_pos > 5:
        if _well_conditioned(A, 1e-12):
            cov = np.linalg.inv(A) * s2
        elif _well_conditioned(A[:4, :4], 1e-12):          # circle-like: angle undefined
            cov[:4, :4] = np.linalg.inv(A[:4, :4]) * s2
        else:                  # degenerate: the batched path gives the FitError / ok=False
            return None
        if not (np.isfinite(cov[:4, :4]).all() and (cov.diagonal()[:4] >= 0).all()):
            return None
    with np.errstate(invalid="ignore"):
        std = np.sqrt(cov.diagonal())
    inliers = np.ones(p.shape[0], bool) if w is None else w > 0
    return dict(center_xy=np.array([mx + cx * scale, my + cy * scale]),
                semi_axes=np.array([a * scale, b * scale]), angle_deg=math.degrees(th),
                rms_px=rms, ok=True, n_points=n_pos, inliers=inliers,
                center_std_px=std[:2], semi_axes_std_px=std[2:4],
                angle_std_deg=math.degrees(float(std[4])), covariance=cov)


def fit_ellipse(points: Any, method: str = "geometric", weights: Any = None, *,
                scale_floor_px: float = SCALE_FLOOR_PX) -> EllipseFit:
    """Fit ellipses to one point set or a batch of point sets.

    Parameters
    ----------
    points : array_like, shape (..., N, 2)
    method : {"direct", "geometric", "tukey"}
        ``direct`` (Fitzgibbon / Halir-Flusser algebraic), ``geometric`` (default: orthogonal
        distances by LM from ``direct``), ``tukey`` (robust IRLS on orthogonal distances).
    weights : array_like, shape (..., N), optional
        Non-negative relative weights; zero excludes a point.
    scale_floor_px : float, default 0.01
        ``tukey`` only: lower bound on the robust (MAD) residual scale, in the units of
        ``points``; points within ~4.685 x this of the ellipse are never rejected.  0 gives
        the pure MAD scale.

    Returns
    -------
    EllipseFit
        ``semi_axes = (a, b)`` with ``a >= b``, ``angle_deg`` of the major axis in (-90, 90].

    Raises
    ------
    FitError
        Single set only: fewer than 5 points with positive weight, or no ellipse fits the
        points (collinear points, a hyperbola-like arrangement).
    ShapeError, InputError
        Malformed points or weights.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    >>> th = np.radians(30)
    >>> x, y = 6 * np.cos(t), 3 * np.sin(t)
    >>> pts = np.c_[10 + x * np.cos(th) - y * np.sin(th), 5 + x * np.sin(th) + y * np.cos(th)]
    >>> f = fit_ellipse(pts)
    >>> np.round(f.center_xy, 6).tolist(), np.round(f.semi_axes, 6).tolist(), round(f.angle_deg, 6)
    ([10.0, 5.0], [6.0, 3.0], 30.0)
    """
    check_choice(method, "method", _METHODS)
    floor = check_scale_floor(scale_floor_px)
    P, W, lead = prepare(points, weights)
    if lead == () and method in _SINGLE_METHODS:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            one = _fit_single(P[0], None if weights is None else W[0], method)
        if one is not None:
            return EllipseFit(method=method, **one)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        res = blockwise(lambda p, w: _fit_block(p, w, method, floor), P, W)
    raise_if_failed(lead, res["ok"], "need at least 5 points with positive weight that an "
                    f"ellipse can fit (given {P.shape[1]} point(s))", "fit_ellipse")
    return EllipseFit(method=method, **finish(lead, **res))
