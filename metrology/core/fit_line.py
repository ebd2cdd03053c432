"""Straight-line fits over batches of point sets: total least squares and robust IRLS.

``tls`` minimises the weighted sum of squared orthogonal distances (closed-form principal axis
of the weighted 2x2 scatter matrix).  ``huber`` and ``tukey`` re-weight that fit iteratively
(IRLS) with a MAD scale of the orthogonal residuals; Tukey's biweight (c = 4.685) gives outliers
zero weight, Huber's (k = 1.345) only bounds their influence.  The MAD scale is floored at
``scale_floor_px`` (default 0.01 px) so nearly noise-free points are not rejected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._batch import (SCALE_FLOOR_PX, check_scale_floor, finish, huber_weights, prepare,
                     raise_if_failed, robust_scale, tukey_weights)
from .checks import check_choice
from .results import LineFit

__all__ = ["fit_line"]

_METHODS = ("tls", "huber", "tukey")
_IRLS_ITERS = 50


def _tls(P: np.ndarray, W: np.ndarray):
    """Weighted TLS line per item: returns centroid (B, 2), direction (B, 2), ok (B,)."""
    sw = W.sum(-1)
    npos = np.count_nonzero(W > 0, axis=-1)
    safe = np.where(sw > 0, sw, 1.0)
    c = np.einsum("bn,bnk->bk", W, P) / safe[:, None]
    Q = P - c[:, None, :]
    sxx = np.einsum("bn,bn->b", W, Q[..., 0] ** 2) / safe
    syy = np.einsum("bn,bn->b", W, Q[..., 1] ** 2) / safe
    sxy = np.einsum("bn,bn->b", W, Q[..., 0] * Q[..., 1]) / safe
    ang = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)      # principal axis, in (-90, 90]
    d = np.stack([np.cos(ang), np.sin(ang)], axis=-1)
    spread = sxx + syy
    scale2 = np.einsum("bnk->b", P * P) / max(P.shape[1], 1) + 1.0
    ok = (npos >= 2) & (sw > 0) & (spread > 1e-24 * scale2) & np.all(np.isfinite(c), -1)
    return c, _canonical(d), ok


def _canonical(d: np.ndarray) -> np.ndarray:
    flip = (d[..., 0] < 0) | ((d[..., 0] == 0) & (d[..., 1] < 0))
    return np.where(flip[..., None], -d, d)


def _resid(P, c, d):
    Q = P - c[:, None, :]
    return d[:, None, 0] * Q[..., 1] - d[:, None, 1] * Q[..., 0]


def _irls(P, W, c, d, ok, kind: str, iters: int = _IRLS_ITERS, scale_floor: float = 0.0):
    """Robust re-weighting started from a TLS fit; per-item convergence mask.  The MAD scale
    is at least ``scale_floor`` (units of ``P``)."""
    ext = np.sqrt(np.einsum("bnk->b", (P - c[:, None]) ** 2) / max(P.shape[1], 1))
    floor = np.maximum(1e-9 * (ext + 1e-300) + 1e-300, scale_floor)
    wfun = tukey_weights if kind == "tukey" else huber_weights
    active = ok.copy()
    Wr = W.copy()
    for _ in range(iters):
        r = _resid(P, c, d)
        s = robust_scale(r, W, floor)
        Wr_new = W * wfun(r, s)
        c_new, d_new, ok_new = _tls(P, Wr_new)
        # keep the sign of the direction stable between iterations
        d_new = np.where((np.sum(d_new * d, -1) < 0)[:, None], -d_new, d_new)
        upd = active & ok_new
        turn = np.abs(d_new[:, 0] * d[:, 1] - d_new[:, 1] * d[:, 0])
        move = np.hypot(*(c_new - c).T) + ext * turn
        c = np.where(upd[:, None], c_new, c)
        d = np.where(upd[:, None], d_new, d)
        Wr = np.where(upd[:, None], Wr_new, Wr)
        active &= ok_new & (move > 1e-9 * (ext + 1.0))
        if not active.any():
            break
    r = _resid(P, c, d)
    s = robust_scale(r, W, floor)
    Wr = W * wfun(r, s)
    c2, d2, ok2 = _tls(P, Wr)
    return c2, d2, ok & ok2, Wr


def _line_stats(P, Wuser, Wfin, c, d, ok):
    """RMS over inliers and first-order uncertainty of (offset, angle)."""
    inl = (Wfin > 0) & ok[:, None]
    r = _resid(P, c, d)
    wu = np.where(inl, Wuser, 0.0)
    swu = wu.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.einsum("bn,bn->b", wu, r * r) / swu)
        n = np.count_nonzero(inl, -1)
        wn = Wfin * (n / Wfin.sum(-1))[:, None]               # mean 1 over the points used
        wn = np.where(inl, wn, 0.0)
        s2 = np.einsum("bn,bn->b", wn, r * r) / (n - 2)
        Q = P - c[:, None, :]
        t = Q[..., 0] * d[:, None, 0] + Q[..., 1] * d[:, None, 1]
        var_off = s2 / n
        var_ang = s2 / np.einsum("bn,bn->b", wn, t * t)
    bad = ~ok | (n <= 2)
    var_off = np.where(bad, np.nan, var_off)
    var_ang = np.where(bad, np.nan, var_ang)
    cov = np.zeros((len(c), 2, 2))
    cov[:, 0, 0] = var_off
    cov[:, 1, 1] = var_ang
    cov[bad] = np.nan
    return np.where(ok, rms, np.nan), inl, np.sqrt(var_off), np.degrees(np.sqrt(var_ang)), cov


def _fit_single(p: np.ndarray, w: np.ndarray):
    """One set, ``tls``: :func:`_tls` and :func:`_line_stats` in a few whole-array calls and
    Python floats (the batched path's einsum dispatch is ~10x the arithmetic on ~20 points);
    the same formulas, equal to rounding.  None where the fit fails (the batched path then
    raises its FitError)."""
    n_pos = int(np.count_nonzero(w))
    sw = float(w.sum())
    if n_pos < 2 or not sw > 0:
        return None
    cx, cy = (w @ p / sw).tolist()
    qx = p[:, 0] - cx
    qy = p[:, 1] - cy
    wqx, wqy = w * qx, w * qy
    sxx, syy, sxy = float(wqx @ qx) / sw, float(wqy @ qy) / sw, float(wqx @ qy) / sw
    scale2 = float(np.einsum("nk,nk->", p, p)) / p.shape[0] + 1.0
    if not (sxx + syy > 1e-24 * scale2 and math.isfinite(cx) and math.isfinite(cy)):
        return None
    ang = 0.5 * math.atan2(2.0 * sxy, sxx - syy)     # principal axis, in (-90, 90]
    dx, dy = math.cos(ang), math.sin(ang)
    if dx < 0 or (dx == 0 and dy < 0):
        dx, dy = -dx, -dy
    r = dx * qy - dy * qx
    wr2 = float(w @ (r * r))
    n = n_pos
    if n > 2:
        s2 = (n / sw) * wr2 / (n - 2)
        t = qx * dx + qy * dy
        var_off, var_ang = s2 / n, s2 / ((n / sw) * float(w @ (t * t)))
        cov = np.array([[var_off, 0.0], [0.0, var_ang]])
    else:
        var_off = var_ang = math.nan
        cov = np.full((2, 2), np.nan)
    return dict(point_xy=np.array([cx, cy]), direction=np.array([dx, dy]),
                normal=np.array([-dy, dx]), rms_px=math.sqrt(wr2 / sw), ok=True, n_points=n,
                inliers=w > 0, offset_std_px=math.sqrt(var_off),
                angle_std_deg=math.degrees(math.sqrt(var_ang)), covariance=cov)


def fit_line(points: Any, method: str = "tls", weights: Any = None, *,
             scale_floor_px: float = SCALE_FLOOR_PX) -> LineFit:
    """Fit straight lines to one point set or a batch of point sets.

    Parameters
    ----------
    points : array_like, shape (..., N, 2)
        ``(x, y)`` points; a single set ``(N, 2)`` or any batch.
    method : {"tls", "huber", "tukey"}
        ``tls``: total least squares (orthogonal distances).  ``huber`` / ``tukey``: IRLS with a
        MAD scale of the orthogonal residuals (robust to outliers; Tukey rejects them).
    weights : array_like, shape (..., N), optional
        Non-negative relative weights (e.g. edge strength); zero excludes a point.
    scale_floor_px : float, default 0.01
        ``huber`` / ``tukey`` only: lower bound on the robust (MAD) residual scale, in the units
        of ``points``.  Tukey rejects points beyond 4.685 x scale, so without a floor nearly
        noise-free points (scale ~1e-4 px) would lose good points at a few 0.001 px; with it
        every point within ~0.047 px is kept.  0 gives the pure MAD scale.

    Returns
    -------
    LineFit
        Scalar fields for a single set, ``(...)``-shaped fields for a batch (failed items have
        ``ok=False`` and NaN).  ``point_xy`` is the weighted centroid of the inliers, the
        direction has a canonical sign (angle in (-90, 90]).

    Raises
    ------
    FitError
        Single set only: fewer than 2 points with positive weight, or all points identical.
    ShapeError, InputError
        Malformed points or weights.

    Examples
    --------
    >>> f = fit_line([[0, 1], [1, 1], [2, 1]])
    >>> f.point_xy.tolist(), f.direction.tolist(), f.normal.tolist()
    ([1.0, 1.0], [1.0, 0.0], [-0.0, 1.0])
    """
    check_choice(method, "method", _METHODS)
    floor = check_scale_floor(scale_floor_px)
    P, W, lead = prepare(points, weights)
    if lead == () and method == "tls":
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            one = _fit_single(P[0], W[0])
        if one is not None:
            return LineFit(method=method, **one)
    with np.errstate(invalid="ignore", divide="ignore"):
        c, d, ok = _tls(P, W)
        Wfin = W
        if method != "tls":
            c, d, ok, Wfin = _irls(P, W, c, d, ok, method, scale_floor=floor)
    raise_if_failed(lead, ok, "need at least 2 distinct points with positive weight "
                    f"(given {P.shape[1]} point(s))", "fit_line")
    rms, inl, off_std, ang_std, cov = _line_stats(P, W, Wfin, c, d, ok)
    c = np.where(ok[:, None], c, np.nan)
    d = np.where(ok[:, None], d, np.nan)
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=-1)
    out = finish(lead, point_xy=c, direction=d, normal=nrm, rms_px=rms, ok=ok,
                 n_points=np.count_nonzero(W > 0, -1), inliers=inl, offset_std_px=off_std,
                 angle_std_deg=ang_std, covariance=cov)
    return LineFit(method=method, **out)
