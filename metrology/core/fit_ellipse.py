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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._batch import (SCALE_FLOOR_PX, blockwise, check_scale_floor, finish, normalize, prepare,
                     raise_if_failed, safe_inv)
from .checks import check_choice
from .distances import _closest_in_frame
from ._solve import lm, robust_lm
from .results import EllipseFit

__all__ = ["fit_ellipse", "conic_to_ellipse"]

_METHODS = ("direct", "geometric", "tukey")
_MAX_REL_AXIS = 1e6
_LM_ITERS = 40


def conic_to_ellipse(coef: Any):
    """Centre, semi-axes and angle of the conics ``A x^2 + B xy + C y^2 + D x + E y + F = 0``.

    Parameters
    ----------
    coef : array_like, shape (..., 6)

    Returns
    -------
    center_xy : ndarray (..., 2)
    semi_axes : ndarray (..., 2)
        ``(a, b)``, ``a >= b``; NaN where the conic is not a real ellipse.
    angle_deg : ndarray (...)
        Major-axis angle in (-90, 90].
    """
    c = np.asarray(coef, dtype=np.float64)
    sgn = np.where(c[..., 0] + c[..., 2] < 0, -1.0, 1.0)
    A, B, C, D, E, F = np.moveaxis(c * sgn[..., None], -1, 0)
    det = 4 * A * C - B * B
    with np.errstate(divide="ignore", invalid="ignore"):
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
    ang = _wrap90(ang)
    good = (det > 0) & (Fc < 0) & np.isfinite(a) & np.isfinite(b) & (lam_small > 0)
    center = np.stack([cx, cy], -1)
    axes = np.stack([a, b], -1)
    return (np.where(good[..., None], center, np.nan), np.where(good[..., None], axes, np.nan),
            np.where(good, ang, np.nan))


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
    center, axes, ang = conic_to_ellipse(coef)
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
    bad = ~ok | (n <= 5) | ~(good5 | good4)
    cov[bad] = np.nan
    return np.where(ok, rms, np.nan), inl, cov


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
    rms, inl, cov = _stats(Pn, W, Wfin, prm, ok, scale)
    std = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    return dict(center_xy=mean + prm[:, :2] * scale[:, None],
                semi_axes=prm[:, 2:4] * scale[:, None], angle_deg=np.degrees(prm[:, 4]),
                rms_px=rms, ok=ok, n_points=npos, inliers=inl, center_std_px=std[:, :2],
                semi_axes_std_px=std[:, 2:4], angle_std_deg=np.degrees(std[:, 4]),
                covariance=cov)


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
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        res = blockwise(lambda p, w: _fit_block(p, w, method, floor), P, W)
    raise_if_failed(lead, res["ok"], "need at least 5 points with positive weight that an "
                    f"ellipse can fit (given {P.shape[1]} point(s))", "fit_ellipse")
    return EllipseFit(method=method, **finish(lead, **res))
