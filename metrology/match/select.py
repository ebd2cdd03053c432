"""Suppression of overlapping candidates and the final choice of matches.

Two poses are duplicates when the model's convex hulls placed at them overlap by more than
``max_overlap`` of the smaller hull.  :func:`suppress` thins the tracked candidates before the
(costly) refinement, keeping a runner-up that overlaps the best one only when it scores within
5 % of it (the refinement decides between near-equal alignments of a near-symmetric part);
:func:`select` makes the final list: score, region of interest, overlap and count.

>>> import numpy as np
>>> hull = np.array([[-10.0, -10.0], [10.0, -10.0], [10.0, 10.0], [-10.0, 10.0]])
>>> round(overlap(hull, 14.2, (0.0, 0.0, 0.0, 1.0), (10.0, 0.0, 0.0, 1.0)), 3)
0.5
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .poses import PoseBatch
from .result import Match

__all__: list[str] = []  # a pipeline stage, internal to match/: the public API is metrology.match


def _placed(hull: np.ndarray, pose: tuple[float, float, float, float]) -> np.ndarray:
    x, y, a, s = pose
    c, sn = math.cos(a), math.sin(a)
    R = s * np.array([[c, -sn], [sn, c]])
    return (hull @ R.T + np.array([x, y])).astype(np.float32)


def overlap(hull: np.ndarray, radius_px: float, p: tuple[float, float, float, float],
            q: tuple[float, float, float, float]) -> float:
    """Overlap of the hull (M, 2) placed at poses ``p`` and ``q`` (each ``(x, y, angle_rad,
    scale)``), as a fraction of the smaller placed hull; 0 when they are too far apart to touch
    (``radius_px``: the model radius)."""
    import cv2

    if math.hypot(p[0] - q[0], p[1] - q[1]) > radius_px * (p[3] + q[3]):
        return 0.0
    a, b = _placed(hull, p), _placed(hull, q)
    inter, _ = cv2.intersectConvexConvex(a, b)
    area = min(cv2.contourArea(a), cv2.contourArea(b))
    return float(inter / area) if area > 0 else 0.0


def suppress(model: Any, cand: PoseBatch, min_score: float, max_overlap: float,
             limit: int | None) -> PoseBatch:
    """Greedy suppression over a short list sorted best first (scores: full model, level 0).

    A candidate is kept when it reaches ``0.8 * min_score`` and overlaps no kept one, or
    overlaps only the best and scores within 5 % of it (at most ``2 * limit`` kept then).
    """
    kept: list[int] = []
    for i in range(len(cand)):
        if cand.score[i] < 0.8 * min_score:
            break
        p = cand.params(i)
        n_over = sum(overlap(model.hull, model.radius_px, p, cand.params(j)) > max_overlap
                     for j in kept)
        if n_over == 0 or (n_over == 1 and cand.score[i] > 0.95 * cand.score[kept[0]]
                           and len(kept) < 2 * (limit or 1e9)):
            kept.append(i)
    return cand.take(np.array(kept, dtype=np.intp))


def select(model: Any, poses: PoseBatch, rms_px: np.ndarray, num_edges: np.ndarray,
           min_score: float, max_overlap: float, limit: int | None,
           roi: Sequence[float] | None) -> list[Match]:
    """The final matches, best first: score ``>= min_score``, origin inside ``roi``, no overlap
    above ``max_overlap`` with a better match, at most ``limit`` (None: all).

    Parameters
    ----------
    model : ShapeModel
    poses : PoseBatch (C,)
        Refined and rescored poses.
    rms_px, num_edges : ndarray (C,)
        Refinement figures of each.
    min_score, max_overlap, limit, roi
        As in ``ShapeModel.find``.
    """
    idx = np.flatnonzero(poses.score >= min_score)
    idx = idx[np.argsort(-poses.score[idx], kind="stable")]
    kept: list[int] = []
    for i in idx:
        x, y = poses.x[i], poses.y[i]
        if roi is not None and not (roi[0] <= x <= roi[2] and roi[1] <= y <= roi[3]):
            continue
        p = poses.params(i)
        if any(overlap(model.hull, model.radius_px, p, poses.params(k)) > max_overlap
               for k in kept):
            continue
        kept.append(i)
        if limit and len(kept) >= limit:
            break
    return [Match(poses.pose(i), float(min(1.0, poses.score[i])), float(rms_px[i]),
                  int(num_edges[i])) for i in kept]
