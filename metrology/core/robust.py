"""RANSAC for lines, circles and ellipses over batches, with all hypotheses drawn at once.

Minimal samples are drawn for every item and every hypothesis in one vectorized call (distinct
points per sample, only points with positive weight), each hypothesis is scored by the MSAC cost
``sum(min(r^2, t^2))`` over all points, the best one per item gives the first inlier set
(``|r| <= threshold_px``), which is refit by least squares (TLS line, geometric circle/ellipse),
re-thresholded, and finally refit with Tukey IRLS on those inliers (MAD scale floored at
``scale_floor_px``).  The result is the usual fit
object with ``method="ransac"`` and its ``inliers`` mask.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import FitError, InputError
from ._batch import SCALE_FLOOR_PX, check_scale_floor, finish, normalize, prepare
from .checks import check_choice, check_int, check_positive, check_seed

__all__ = ["ransac", "MAX_ITERS"]

_MODELS = ("line", "circle", "ellipse")
_MIN_SAMPLE = {"line": 2, "circle": 3, "ellipse": 5}
_DEFAULT_ITERS = {"line": 256, "circle": 512, "ellipse": 1024}
#: Upper bound on floats held at once for the (items x hypotheses x points) residual block.
_BLOCK = 4_000_000
#: Most hypotheses per item (``max_iters``): 1e6 minimal samples give an all-inlier sample
#: with probability 1 - 1e-9 down to 2.6 % inliers for circles (1.7 % lines, 0.14 ** 5 for
#: ellipses); more would only burn time.
MAX_ITERS = 1_000_000
#: Most residuals evaluated in one call (items x hypotheses x points): about a minute of work.
MAX_WORK = 5e9


def _hyp_line(S: np.ndarray, P: np.ndarray):
    """S (B, h, 2, 2) samples; P (B, N, 2) -> residuals (B, h, N) and validity (B, h)."""
    p1 = S[:, :, 0]
    d = S[:, :, 1] - p1
    n = np.hypot(d[..., 0], d[..., 1])
    valid = n > 0
    d = d / np.where(valid, n, 1.0)[..., None]
    q = P[:, None, :, :] - p1[:, :, None, :]
    r = d[..., None, 0] * q[..., 1] - d[..., None, 1] * q[..., 0]
    return r, valid


def _hyp_circle(S: np.ndarray, P: np.ndarray):
    """Circumcircle of 3 points per hypothesis; residuals |p - c| - R."""
    a, b, c = S[:, :, 0], S[:, :, 1], S[:, :, 2]
    b = b - a
    c = c - a
    det = 2.0 * (b[..., 0] * c[..., 1] - b[..., 1] * c[..., 0])
    b2 = (b * b).sum(-1)
    c2 = (c * c).sum(-1)
    size = np.maximum(b2, c2)
    valid = np.abs(det) > 1e-10 * size
    det = np.where(valid, det, 1.0)
    ux = (c[..., 1] * b2 - b[..., 1] * c2) / det
    uy = (b[..., 0] * c2 - c[..., 0] * b2) / det
    R = np.hypot(ux, uy)
    cx = a[..., 0] + ux
    cy = a[..., 1] + uy
    r = np.hypot(P[:, None, :, 0] - cx[..., None], P[:, None, :, 1] - cy[..., None]) - R[..., None]
    return r, valid


def _hyp_ellipse(S: np.ndarray, P: np.ndarray):
    """Conic through 5 points (SVD null vector); Sampson distance as the residual.

    ``S`` and ``P`` are in per-item normalised coordinates here (the caller rescales)."""
    x, y = S[..., 0], S[..., 1]
    D = np.stack([x * x, x * y, y * y, x, y, np.ones_like(x)], axis=-1)   # (B, h, 5, 6)
    Bh = D.shape[:2]
    _, _, Vt = np.linalg.svd(D.reshape(-1, 5, 6), full_matrices=True)
    coef = Vt[:, -1].reshape(Bh + (6,))
    A, Bc, C, Dc, E, F = np.moveaxis(coef, -1, 0)
    valid = (4 * A * C - Bc * Bc) > 1e-9 * (A * A + C * C + Bc * Bc)
    px = P[:, None, :, 0]
    py = P[:, None, :, 1]
    e = lambda v: v[..., None]  # noqa: E731
    val = e(A) * px * px + e(Bc) * px * py + e(C) * py * py + e(Dc) * px + e(E) * py + e(F)
    gx = 2 * e(A) * px + e(Bc) * py + e(Dc)
    gy = e(Bc) * px + 2 * e(C) * py + e(E)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = val / np.hypot(gx, gy)
    r = np.where(np.isfinite(r), r, np.inf)
    return r, valid


_HYP = {"line": _hyp_line, "circle": _hyp_circle, "ellipse": _hyp_ellipse}


def _draw(gen: np.random.Generator, valid: np.ndarray, h: int, k: int) -> np.ndarray:
    """Indices (B, h, k) of k distinct points with valid (positive-weight) entries first."""
    B, N = valid.shape
    keys = gen.random((B, h, N))
    keys = np.where(valid[:, None, :], keys, 2.0)
    return np.argpartition(keys, k - 1, axis=-1)[..., :k]


def _fit(model: str, P: np.ndarray, W: np.ndarray, method: str, floor: float):
    if model == "line":
        from .fit_line import fit_line
        return fit_line(P, method={"ls": "tls", "tukey": "tukey"}[method], weights=W,
                        scale_floor_px=floor)
    if model == "circle":
        from .fit_circle import fit_circle
        return fit_circle(P, method={"ls": "geometric", "tukey": "tukey"}[method], weights=W,
                          scale_floor_px=floor)
    from .fit_ellipse import fit_ellipse
    return fit_ellipse(P, method={"ls": "geometric", "tukey": "tukey"}[method], weights=W,
                       scale_floor_px=floor)


def ransac(points: Any, model: str = "circle", threshold_px: float = 1.0, *,
           max_iters: int | None = None, rng: Any = None, weights: Any = None,
           min_inliers: int | None = None, scale_floor_px: float = SCALE_FLOOR_PX):
    """Robustly fit a line, circle or ellipse with RANSAC (MSAC scoring), then refine.

    Parameters
    ----------
    points : array_like, shape (..., N, 2)
        One point set or a batch.
    model : {"line", "circle", "ellipse"}
    threshold_px : float
        Inlier threshold on the distance to the model, in the units of ``points``.  Use about
        3x the expected noise sigma.
    max_iters : int, optional
        Number of hypotheses per item (drawn in blocks).  Defaults: line 256, circle 512,
        ellipse 1024 (all-inlier sample probability above 1 - 1e-9 for 50 % / 50 % / 30 % inlier
        fractions respectively).  At most :data:`MAX_ITERS` (1e6), and items x hypotheses x
        points at most 5e9 (about a minute of work).
    rng : int, numpy.random.Generator or None
        Seed or generator; the result is reproducible for a given seed.
    weights : array_like, shape (..., N), optional
        Zero excludes a point from sampling and fitting; the final fits are weighted.
    min_inliers : int, optional
        Fewest inliers accepted (default: the minimal sample size + 1).
    scale_floor_px : float, default 0.01
        Lower bound on the MAD residual scale of the final Tukey IRLS, in the units of
        ``points``: on nearly noise-free inliers the MAD alone would make Tukey drop good
        points at a few 0.001 px.  0 gives the pure MAD scale.

    Returns
    -------
    LineFit, CircleFit or EllipseFit
        The Tukey IRLS refit on the inliers, ``method="ransac"``; ``inliers`` (..., N) marks
        the points that carry weight in that final fit.

    Raises
    ------
    FitError
        Single set only: no valid hypothesis or too few inliers.
    InputError, ShapeError
        Malformed points, weights or options (``max_iters`` beyond :data:`MAX_ITERS` or the
        work limit, ``min_inliers`` not an integer >= 1, ``rng`` not a seed or generator).

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> pts = np.c_[5 + 3 * np.cos(t), 2 + 3 * np.sin(t)]
    >>> pts[::8] += 4.0                                        # 5 gross outliers
    >>> f = ransac(pts, "circle", threshold_px=0.1, rng=0)
    >>> np.round(f.center_xy, 9).tolist(), round(f.radius, 9), int(f.inliers.sum())
    ([5.0, 2.0], 3.0, 35)
    """
    check_choice(model, "model", _MODELS)
    t = check_positive(threshold_px, "threshold_px")
    floor = check_scale_floor(scale_floor_px)
    k = _MIN_SAMPLE[model]
    H = _DEFAULT_ITERS[model] if max_iters is None else check_int(max_iters, "max_iters", min=1,
                                                                   max=MAX_ITERS)
    min_in = k + 1 if min_inliers is None else check_int(min_inliers, "min_inliers", min=1)
    gen = check_seed(rng, "rng")
    P, W, lead = prepare(points, weights)
    B, N = P.shape[:2]
    if float(B) * H * N > MAX_WORK:
        raise InputError(f"ransac: {B} point set(s) x {H} hypotheses x {N} points is more than "
                         f"{MAX_WORK:.0e} residuals; lower max_iters or split the batch")
    valid_pt = W > 0
    npos = valid_pt.sum(-1)

    if model == "ellipse":
        Pw, _, scale = normalize(P, W)
    else:
        Pw, scale = P, np.ones(B)
    t_w = t / scale                                     # threshold in working units (B,)

    best_cost = np.full(B, np.inf)
    best_idx = np.zeros((B, k), dtype=np.intp)
    hb = max(1, min(H, _BLOCK // max(B * max(N, 1), 1)))
    done = 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        while done < H and N >= k:
            h = min(hb, H - done)
            idx = _draw(gen, valid_pt, h, k)                                  # (B, h, k)
            S = np.take_along_axis(Pw[:, None, :, :], idx[..., None], axis=2)  # (B, h, k, 2)
            r, valid = _HYP[model](S, Pw)
            valid &= np.all(np.take_along_axis(valid_pt[:, None, :], idx, axis=2), -1)
            cost = np.where(valid_pt[:, None, :], np.minimum(r * r, t_w[:, None, None] ** 2), 0.0)
            cost = np.where(valid, cost.sum(-1), np.inf)                       # (B, h)
            j = np.argmin(cost, axis=-1)
            c = cost[np.arange(B), j]
            better = c < best_cost
            best_cost = np.where(better, c, best_cost)
            best_idx = np.where(better[:, None], idx[np.arange(B), j], best_idx)
            done += h
        found = np.isfinite(best_cost) & (npos >= k)
        # inliers of the best hypothesis
        if N >= k:
            S = np.take_along_axis(Pw[:, None, :, :], best_idx[:, None, :, None], axis=2)
            r, _ = _HYP[model](S, Pw)
            inl = found[:, None] & valid_pt & (np.abs(r[:, 0]) <= t_w[:, None])
        else:
            inl = np.zeros((B, N), bool)
    enough = inl.sum(-1) >= max(min_in, k)
    if lead == () and not bool(found[0] and enough[0]):
        raise FitError(f"ransac({model!r}): no model with at least {max(min_in, k)} inliers "
                       f"within {t} px among {N} point(s) ({int(npos[0])} with positive weight)")
    # least-squares refit on the inliers, re-threshold with the true distance, Tukey refit
    W1 = np.where(inl & enough[:, None], W, 0.0)
    f1 = _fit(model, P, W1, "ls", floor)
    with np.errstate(invalid="ignore"):
        d1 = np.abs(f1.distance(P)) if np.any(f1.ok) else np.full((B, N), np.inf)
        inl2 = np.where(f1.ok[:, None], valid_pt & (d1 <= t), inl)
    enough2 = inl2.sum(-1) >= max(min_in, k)
    inl2 &= enough2[:, None]
    f2 = _fit(model, P, np.where(inl2, W, 0.0), "tukey", floor)
    ok = f2.ok & enough2 & found
    if lead == () and not bool(ok[0]):
        raise FitError(f"ransac({model!r}): the refit on the {int(inl2.sum())} inliers failed")
    vals = {}
    for fld in dataclasses.fields(f2):
        v = getattr(f2, fld.name)
        if fld.name == "method":
            continue
        if isinstance(v, np.ndarray) and v.dtype != bool:
            v = v.copy()
            if v.dtype.kind == "f":
                v[~ok] = np.nan
        elif isinstance(v, np.ndarray):
            v = v & ok.reshape((-1,) + (1,) * (v.ndim - 1))
        vals[fld.name] = v
    vals["ok"] = ok
    vals["n_points"] = npos
    return type(f2)(method="ransac", **finish(lead, **vals))
