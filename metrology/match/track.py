"""Pose scoring and tracking of candidates down the pyramid.

:func:`score_poses` scores any batch of poses at one level: one ``cv2.remap`` samples the
direction field at all P x n turned model points, and the mean cosine comes from matrix products
over the points.  :func:`track_level` moves each candidate to the best of 3 x 3 positions x 3
angles (x (2 wide + 1) angles just below the top, whose steps are 4 steps of that level), then
of 3 scales; :func:`dedupe` merges candidates that became the same.  The steps at a level move
the farthest model point by 1 px of that level.

>>> import numpy as np
>>> from metrology.match.poses import PoseBatch
>>> field = np.zeros((40, 40, 2), np.float32)
>>> field[:, 20, 0] = 1.0                         # a vertical edge at x = 20, pointing +x
>>> pts = np.array([[0.0, -5.0], [0.0, 0.0], [0.0, 5.0]])
>>> dirs = np.array([[1.0, 0.0]] * 3)
>>> b = PoseBatch.from_arrays([20.0, 25.0], [20.0, 20.0], [0.0, 0.0], [1.0, 1.0])
>>> score_poses(field, 0, b, pts, dirs, "use").round(3).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .poses import PoseBatch

__all__ = ["score_poses", "level_steps", "track_level", "dedupe"]


def score_poses(unit: np.ndarray, lv: int, poses: PoseBatch, pts: np.ndarray, dirs: np.ndarray,
                polarity: str) -> np.ndarray:
    """Scores of ``poses`` on the direction field of level ``lv``.

    The field is sampled at the turned points; the mean cosine is then
    ``(cos a * S1 + sin a * S2) / n`` with ``S1 = ux @ dx + uy @ dy`` and
    ``S2 = uy @ dx - ux @ dy`` (matrix products over the points).

    Parameters
    ----------
    unit : ndarray (H_l, W_l, 2) float32
        Direction field of level ``lv``.
    lv : int
    poses : PoseBatch
        P poses, level-0 px.
    pts, dirs : ndarray (n, 2)
        Model points (level-0 px relative to the origin) and unit directions.
    polarity : {"use", "ignore_global", "ignore_local"}

    Returns
    -------
    ndarray (P,)
        Mean cosine, clipped at 0 for "use", absolute for "ignore_global", mean of absolute
        cosines for "ignore_local".
    """
    import cv2

    if len(poses) == 0:
        return np.zeros(0)
    f = float(2 ** lv)
    off = (f - 1.0) / 2.0
    c = np.cos(poses.angle_rad)
    s = np.sin(poses.angle_rad)
    A = (poses.scale * c / f).astype(np.float32)[:, None]
    B = (poses.scale * s / f).astype(np.float32)[:, None]
    px = pts[:, 0].astype(np.float32)[None]
    py = pts[:, 1].astype(np.float32)[None]
    tx = ((poses.x - off) / f).astype(np.float32)[:, None]
    ty = ((poses.y - off) / f).astype(np.float32)[:, None]
    mapx = A * px - B * py + tx
    mapy = B * px + A * py + ty
    n = pts.shape[0]
    P = len(poses)
    out = np.empty((P, n, 2), np.float32)
    for r0 in range(0, P, 30000):  # cv2.remap maps are limited to SHRT_MAX rows
        out[r0:r0 + 30000] = cv2.remap(unit, mapx[r0:r0 + 30000], mapy[r0:r0 + 30000],
                                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                       borderValue=0)
    ux, uy = out[..., 0], out[..., 1]
    dx = dirs[:, 0].astype(np.float32)
    dy = dirs[:, 1].astype(np.float32)
    if polarity == "ignore_local":
        cos = c[:, None] * (ux * dx + uy * dy) + s[:, None] * (uy * dx - ux * dy)
        return np.abs(cos).mean(axis=1)
    s1 = ux @ dx + uy @ dy
    s2 = uy @ dx - ux @ dy
    mean = (c * s1 + s * s2) / n
    if polarity == "use":
        return np.maximum(mean, 0.0)
    return np.abs(mean)


def level_steps(radius_px: float, lv: int) -> tuple[float, float]:
    """Angle step (rad) and scale step at level ``lv``: the farthest point moves 1 px there."""
    r = radius_px / 2 ** lv
    return 1.0 / r, 1.0 / r


def track_level(model: Any, unit: np.ndarray, lv: int, cand: PoseBatch,
                wide: int = 1) -> PoseBatch:
    """Best pose near each candidate: 3 x 3 positions x (2 wide + 1) angles, then 3 scales.

    Parameters
    ----------
    model : ShapeModel
        Provides ``levels``, ``track_subsets``, ``radius_px``, ``scale_range``, ``polarity``.
    unit : ndarray (H_l, W_l, 2) float32
        Direction field of level ``lv``.
    lv : int
    cand : PoseBatch (C,)
    wide : int
        Angle steps searched on each side.

    Returns
    -------
    PoseBatch (C,)
        One pose per candidate, scored at this level with the tracking subset of points.
    """
    lvl = model.levels[lv]
    idx = model.track_subsets[lv]
    pts, dirs = lvl.points[idx], lvl.dirs[idx]
    da, ds = level_steps(model.radius_px, lv)
    step = 2.0 ** lv
    o = np.array([-1.0, 0.0, 1.0])
    oa = np.arange(-wide, wide + 1, dtype=np.float64)
    DX, DY, DA = np.meshgrid(o * step, o * step, oa * da, indexing="ij")
    C = len(cand)
    rows = np.arange(C)

    def best_of(grid: PoseBatch, g: int) -> PoseBatch:
        sc = score_poses(unit, lv, grid, pts, dirs, model.polarity).reshape(C, g)
        b = np.argmax(sc, axis=1)
        return grid.take(rows * g + b).with_score(sc[rows, b])

    best = best_of(cand.around(DX.ravel(), DY.ravel(), DA.ravel(), np.zeros(DX.size)), DX.size)
    if model.scale_range[1] > model.scale_range[0]:
        z = np.zeros(3)
        best = best_of(best.around(z, z, z, o * ds), 3)
    return best


def dedupe(cand: PoseBatch, tol: float) -> PoseBatch:
    """Drop candidates (sorted by score) within ``tol`` px and 0.05 rad of a better one."""
    keep: list[int] = []
    x, y, a = cand.x, cand.y, cand.angle_rad
    for i in range(len(cand)):  # candidate lists are short (tens)
        if not any(abs(x[i] - x[j]) <= tol and abs(y[i] - y[j]) <= tol
                   and abs(math.remainder(a[i] - a[j], 2 * math.pi)) < 0.05 for j in keep):
            keep.append(i)
    return cand.take(np.array(keep, dtype=np.intp))
