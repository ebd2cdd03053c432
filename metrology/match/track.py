"""Pose scoring and tracking of candidates down the pyramid.

:func:`score_poses` scores any batch of poses at one level: one ``cv2.remap`` samples the
direction field at all P x n turned model points, and the mean cosine comes from matrix products
over the points.  :func:`track_level` moves each candidate to the best of 3 x 3 positions x 3
angles (x (2 wide + 1) angles, in strides of the top's angle factor, just below the top, whose
steps are 4 factor steps of that level), then of 3 scales; :func:`dedupe` merges candidates
that became the same (and, asked, drops a clearly worse one at the same position).  The steps at a level move
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

from typing import Any

import numpy as np

from .._accel import kernels
from .fields import LevelFields
from .poses import PoseBatch

__all__: list[str] = []  # a pipeline stage, internal to match/: the public API is metrology.match


_REMAP_MAX = 30000  # cv2.remap maps must stay below SHRT_MAX rows and columns


def _remap_points(unit: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """Bilinear samples (n, P, 2) of the field at the 2-channel map (n, P, 2), in blocks."""
    import cv2

    n, P = maps.shape[:2]
    if n < _REMAP_MAX and P < _REMAP_MAX:
        return cv2.remap(unit, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=0)
    out = np.empty((n, P, 2), np.float32)
    for r0 in range(0, n, _REMAP_MAX):
        for c0 in range(0, P, _REMAP_MAX):
            blk = np.ascontiguousarray(maps[r0:r0 + _REMAP_MAX, c0:c0 + _REMAP_MAX])
            out[r0:r0 + _REMAP_MAX, c0:c0 + _REMAP_MAX] = cv2.remap(
                unit, blk, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out


def score_poses(unit: np.ndarray, lv: int, poses: PoseBatch, pts: np.ndarray, dirs: np.ndarray,
                polarity: str, origin: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Scores of ``poses`` on the direction field of level ``lv``.

    One product places the n points at all P poses (a 2-channel map (n, P, 2)), one
    ``cv2.remap`` samples the field there, and one more product sums over the points:
    the mean cosine is ``(cos a * S1 + sin a * S2) / n`` with ``S1 = sum(ux dx + uy dy)`` and
    ``S2 = sum(uy dx - ux dy)`` (the field compared with the unturned directions).  With numba
    (:mod:`metrology._accel`) one compiled loop does the same without the map and sample
    arrays (:func:`metrology.match._kernels.score_batch`; scores equal to ~1e-6).

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
    origin : (x0, y0)
        Level pixel of ``unit``'s top-left sample when it is a window of the level.

    Returns
    -------
    ndarray (P,)
        Mean cosine, clipped at 0 for "use", absolute for "ignore_global", mean of absolute
        cosines for "ignore_local".
    """
    P, n = len(poses), len(pts)
    if P == 0:
        return np.zeros(0)
    f = float(2 ** lv)
    c = np.cos(poses.angle_rad)
    s = np.sin(poses.angle_rad)
    k = kernels("match")
    if k is not None and n > 0 and unit.dtype == np.float32 and unit.flags.c_contiguous:
        sc = k.score_batch(unit, np.ascontiguousarray(pts, np.float32),
                           np.ascontiguousarray(dirs, np.float32),
                           np.ascontiguousarray(poses.x), np.ascontiguousarray(poses.y),
                           np.ascontiguousarray(poses.scale), c, s, f,
                           float(origin[0]), float(origin[1]),
                           1 if polarity == "ignore_local" else 0)
        if polarity == "use":
            return np.maximum(sc, 0.0)
        return sc if polarity == "ignore_local" else np.abs(sc)
    off = (f - 1.0) / 2.0
    coef = np.empty((3, P, 2), np.float32)       # level-l map = [px, py, 1] @ coef
    coef[0, :, 0] = coef[1, :, 1] = poses.scale * c / f
    coef[0, :, 1] = poses.scale * s / f
    coef[1, :, 0] = -coef[0, :, 1]
    coef[2, :, 0] = (poses.x - off) / f - origin[0]
    coef[2, :, 1] = (poses.y - off) / f - origin[1]
    H = np.ones((n, 3), np.float32)
    H[:, :2] = pts
    # einsum, not matmul: OpenBLAS would thread these products, and its spinning threads made
    # a search 3-10x slower on a busy machine
    maps = np.einsum("nk,kq->nq", H, coef.reshape(3, 2 * P)).reshape(n, P, 2)
    out = _remap_points(unit, maps)                                            # (n, P, 2)
    if polarity == "ignore_local":
        dx = dirs[:, 0].astype(np.float32)[:, None]
        dy = dirs[:, 1].astype(np.float32)[:, None]
        ux, uy = out[..., 0], out[..., 1]
        cos = c * (ux * dx + uy * dy) + s * (uy * dx - ux * dy)
        return np.abs(cos).mean(axis=0)
    R = np.einsum("kn,nq->kq", dirs.T.astype(np.float32), out.reshape(n, 2 * P)).reshape(2, P, 2)
    s1 = R[0, :, 0] + R[1, :, 1]                  # sum dx ux + dy uy
    s2 = R[0, :, 1] - R[1, :, 0]                  # sum dx uy - dy ux
    mean = (c * s1 + s * s2) / n
    if polarity == "use":
        return np.maximum(mean, 0.0)
    return np.abs(mean)


def level_steps(radius_px: float, lv: int) -> tuple[float, float]:
    """Angle step (rad) and scale step at level ``lv``: the farthest point moves 1 px there."""
    r = radius_px / 2 ** lv
    return 1.0 / r, 1.0 / r


def _best_of(fl: LevelFields, grid: PoseBatch, g: int, points: tuple, polarity: str,
             keep: int | None) -> PoseBatch:
    """Best of each run of ``g`` consecutive poses of ``grid``.

    With ``keep``, a first pass scores every pose with the coarse subset of points and only the
    ``keep`` best of each run are scored with the tracking subset (early termination: a vectorised
    form of stopping the sum over points once a pose cannot win); without, every pose is scored
    with the tracking subset.
    """
    (pts, dirs), (cpts, cdirs) = points
    C = len(grid) // g
    rows = np.arange(C)
    if keep is not None and keep < g and len(cpts) < len(pts):
        sc = score_poses(fl.unit, fl.level, grid, cpts, cdirs, polarity,
                         fl.origin).reshape(C, g)
        top = np.argpartition(-sc, keep - 1, axis=1)[:, :keep]          # (C, keep)
        grid = grid.take((rows[:, None] * g + top).ravel())
        g = keep
    sc = score_poses(fl.unit, fl.level, grid, pts, dirs, polarity, fl.origin).reshape(C, g)
    b = np.argmax(sc, axis=1)
    return grid.take(rows * g + b).with_score(sc[rows, b])


def track_level(model: Any, fl: LevelFields, cand: PoseBatch, wide: int = 1,
                keep: int | None = None, stride: float = 1.0) -> PoseBatch:
    """Best pose near each candidate: 3 x 3 positions x (2 wide + 1) angles, then 3 scales.

    Parameters
    ----------
    model : ShapeModel
        Provides ``levels``, ``track_subsets``, ``coarse_subsets``, ``radius_px``,
        ``scale_range``, ``polarity``.
    fl : LevelFields
        Direction field of the level (around the candidates).
    cand : PoseBatch (C,)
    wide : int
        Angle steps searched on each side.
    keep : int, optional
        Poses per candidate kept from a first pass with the coarse subset of points (None:
        score every pose with the tracking subset).
    stride : float
        Angle steps of the search in level steps (wider just below a top level searched in
        wider angle steps).

    Returns
    -------
    PoseBatch (C,)
        One pose per candidate, scored at this level with the tracking subset of points.
    """
    lv = fl.level
    lvl = model.levels[lv]
    points = tuple((lvl.points[i], lvl.dirs[i])
                   for i in (model.track_subsets[lv], model.coarse_subsets[lv]))
    da, ds = level_steps(model.radius_px, lv)
    step = 2.0 ** lv
    o = np.array([-1.0, 0.0, 1.0])
    oa = np.arange(-wide, wide + 1, dtype=np.float64)
    DX, DY, DA = np.meshgrid(o * step, o * step, oa * (da * stride), indexing="ij")
    grid = cand.around(DX.ravel(), DY.ravel(), DA.ravel(), np.zeros(DX.size))
    best = _best_of(fl, grid, DX.size, points, model.polarity, keep)
    if model.scale_range[1] > model.scale_range[0]:
        z = np.zeros(3)
        best = _best_of(fl, best.around(z, z, z, o * ds), 3, points, model.polarity, None)
    return best


def dedupe(cand: PoseBatch, tol: float, rival_margin: float | None = None) -> PoseBatch:
    """Drop candidates (sorted by score) within ``tol`` px and 0.05 rad of a better kept one;
    with ``rival_margin``, also those within ``2 tol`` px of a better kept one at any angle
    whose score is lower by more than the margin (a near-symmetric part's other angles).

    Examples
    --------
    >>> b = PoseBatch.from_arrays([10.0, 10.5, 11.0], [5.0, 5.0, 5.0], [0.0, 0.01, 1.0],
    ...                           [1.0, 1.0, 1.0], [0.95, 0.9, 0.85])
    >>> len(dedupe(b, 1.0)), len(dedupe(b, 1.0, rival_margin=0.05))
    (2, 1)
    """
    C = len(cand)
    if C < 2:
        return cand
    da = cand.angle_rad[:, None] - cand.angle_rad[None, :]
    dx = np.abs(cand.x[:, None] - cand.x[None, :])
    dy = np.abs(cand.y[:, None] - cand.y[None, :])
    close = ((dx <= tol) & (dy <= tol)
             & (np.abs(np.remainder(da + np.pi, 2 * np.pi) - np.pi) < 0.05))     # (C, C)
    if rival_margin is not None:
        close |= ((dx <= 2 * tol) & (dy <= 2 * tol)
                  & (cand.score[None, :] - cand.score[:, None] > rival_margin))
    keep = np.zeros(C, bool)
    for i in range(C):  # greedy in score order; a row test per candidate (tens of them)
        keep[i] = not close[i, :i][keep[:i]].any()
    return cand.take(keep)
