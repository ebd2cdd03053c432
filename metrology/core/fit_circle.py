"""Circle fits over batches of point sets: algebraic (Kasa, Taubin, Hyper), geometric, robust.

Every method works on data centred on the weighted centroid and scaled to unit RMS distance
(per item), which keeps the algebraic systems well conditioned, and batches all items through
stacked 3x3 / 4x4 linear algebra.

* ``kasa``: least squares on ``x^2 + y^2 + D x + E y + F``; fast but biased towards small radii
  on short arcs.
* ``taubin``: gradient-weighted algebraic fit (Taubin 1991); radius bias ``+sigma^2 / R``.
* ``hyper``: Al-Sharadqah & Chernov's "hyperaccurate" algebraic fit, whose constraint matrix
  cancels the second-order bias: no essential radius bias.  Solved as the generalized eigenproblem
  ``M A = eta N A`` (smallest positive ``eta``) through ``Y^-1 N Y^-1`` with ``Y = M^(1/2)``.
* ``geometric``: Levenberg-Marquardt on the orthogonal distances ``|p - c| - r``, started from
  Hyper (fixed iteration budget, per-item convergence and damping).
* ``tukey``: IRLS on the geometric residuals with a MAD scale: LM whose weights are recomputed
  after every accepted step (Huber for the first steps to settle, then Tukey's biweight with
  c = 4.685), started from Hyper.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._batch import finish, normalize, prepare, raise_if_failed, safe_inv, safe_solve
from ._solve import lm, robust_lm
from .checks import check_choice
from .results import CircleFit

__all__ = ["fit_circle"]

_METHODS = ("kasa", "taubin", "hyper", "geometric", "tukey")
#: Largest radius, in units of the point cloud's RMS spread, still accepted as a circle.
_MAX_REL_RADIUS = 1e8
_LM_ITERS = 60


def _from_conic(A: np.ndarray):
    """Centre (B, 2) and radius (B,) of ``A0 (x^2+y^2) + A1 x + A2 y + A3 = 0``."""
    a0 = A[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = -A[:, 1:3] / (2.0 * a0[:, None])
        r = np.sqrt(A[:, 1] ** 2 + A[:, 2] ** 2 - 4.0 * a0 * A[:, 3]) / (2.0 * np.abs(a0))
    return c, r


def _kasa(P: np.ndarray, W: np.ndarray):
    z = (P * P).sum(-1)
    X = np.concatenate([P, np.ones(P.shape[:-1] + (1,))], axis=-1)      # (B, N, 3)
    WX = X * W[..., None]
    A = np.matmul(WX.transpose(0, 2, 1), X)
    b = -np.einsum("bnk,bn->bk", WX, z)
    sol, good = safe_solve(A, b)
    coef = np.concatenate([np.ones((len(P), 1)), sol], axis=-1)
    c, r = _from_conic(coef)
    return c, r, good


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
    mu, U = np.linalg.eigh(S)
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


def _circle_stats(P, Wuser, Wfin, prm, ok, mean, scale):
    """RMS (px) over the inliers and first-order covariance of (cx, cy, r) in px^2."""
    inl = (Wfin > 0) & ok[:, None]
    r, J = _res_jac(P, prm)
    r_px = r * scale[:, None]
    wu = np.where(inl, Wuser, 0.0)
    n = np.count_nonzero(inl, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.einsum("bn,bn->b", wu, r_px ** 2) / wu.sum(-1))
        wn = np.where(inl, Wfin * (n / Wfin.sum(-1))[:, None], 0.0)
        s2 = np.einsum("bn,bn->b", wn, r_px ** 2) / (n - 3)
        A = np.matmul((J * wn[..., None]).transpose(0, 2, 1), J)
    inv, good = safe_inv(np.where(np.isfinite(A), A, 0.0), rcond=1e-12)
    cov = inv * s2[:, None, None]
    bad = ~ok | (n <= 3) | ~good
    cov[bad] = np.nan
    return np.where(ok, rms, np.nan), inl, cov


def _fit_circle_flat(P, W, method):
    """Core on flat arrays: returns (center px (B,2), radius px (B,), ok, Wfin, Pn, prm, mean,
    scale)."""
    npos = np.count_nonzero(W > 0, -1)
    Pn, mean, scale = normalize(P, W)
    spread_ok = np.isfinite(scale) & (np.einsum("bn,bnk->b", W, (P - mean[:, None]) ** 2) > 0)
    if method == "kasa":
        c, r, good = _kasa(Pn, W)
    else:
        c, r, good = _algebraic(Pn, W, "taubin" if method == "taubin" else "hyper")
    prm = np.concatenate([c, r[:, None]], axis=-1)
    ok = (npos >= 3) & spread_ok & good & np.all(np.isfinite(prm), -1) \
        & (prm[:, 2] < _MAX_REL_RADIUS)
    prm = np.where(ok[:, None], prm, np.nan)
    Wfin = W
    if method == "geometric":
        prm, ok2, _ = lm(Pn, W, np.where(ok[:, None], prm, 0.0), ok, _res_jac, iters=_LM_ITERS)
        ok = ok & ok2
    elif method == "tukey":
        prm, ok2, Wfin = robust_lm(Pn, W, np.where(ok[:, None], prm, 0.0), ok, _res_jac)
        ok = ok & ok2 & (np.count_nonzero(Wfin > 0, -1) >= 3)
    prm[:, 2] = np.abs(prm[:, 2])
    ok = ok & np.all(np.isfinite(prm), -1) & (prm[:, 2] < _MAX_REL_RADIUS)
    prm = np.where(ok[:, None], prm, np.nan)
    return prm, ok, Wfin, Pn, mean, scale


def _build(P, W, lead, prm, ok, Wfin, Pn, mean, scale, method) -> CircleFit:
    raise_if_failed(lead, ok, "need at least 3 non-collinear points with positive weight "
                    f"(given {P.shape[1]} point(s))", "fit_circle")
    center = mean + prm[:, :2] * scale[:, None]
    radius = prm[:, 2] * scale
    rms, inl, cov = _circle_stats(Pn, W, Wfin, np.where(ok[:, None], prm, 0.0), ok, mean,
                                  scale)
    std = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    out = finish(lead, center_xy=center, radius=radius, rms_px=rms, ok=ok,
                 n_points=np.count_nonzero(W > 0, -1), inliers=inl, center_std_px=std[:, :2],
                 radius_std_px=std[:, 2], covariance=cov)
    return CircleFit(method=method, **out)


def fit_circle(points: Any, method: str = "hyper", weights: Any = None) -> CircleFit:
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
    P, W, lead = prepare(points, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        prm, ok, Wfin, Pn, mean, scale = _fit_circle_flat(P, W, method)
        return _build(P, W, lead, prm, ok, Wfin, Pn, mean, scale, method)
