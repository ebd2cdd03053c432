"""Subpixel refinement of a pose: Gauss-Newton least squares of point-to-line distances.

Each straight-enough level-0 model point is placed by the pose; the subpixel image edge along its
turned normal (same estimator as the model's, :func:`~metrology.match._edges.edge_offsets`) gives
a signed distance; x, y, angle and scale (angle only when the scale is fixed) are updated from
Tukey-weighted normal equations.  The window and the Tukey cut start wide (the pose may be a
level-0 step off, far points move 1-3 px) and tighten; iterations stop when the farthest model
point moves less than 0.002 px.

>>> import numpy as np
>>> from metrology.image.pyramid import gaussian_gradients
>>> from metrology.synth.parts import render_part_scene, render_template
>>> from metrology.core.pose import Pose2D
>>> from metrology.match import ShapeModel
>>> model = ShapeModel.create(render_template("lpart").image)
>>> truth = Pose2D(320.3, 240.6, 30.0, 1.0)
>>> img = render_part_scene("lpart", [truth], rng=1).image.astype(np.float32)
>>> grad = np.dstack(gaussian_gradients(img, 1.0))
>>> fit = refine_pose(model, grad, (320.0, 241.0, np.radians(30.4), 1.0))
>>> abs(fit.x - 320.3) < 0.05 and abs(fit.y - 240.6) < 0.05
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core._batch import MAD_TO_SIGMA
from ..image.pyramid import _sample_bilinear_exact
from ._edges import edge_offsets
from .fields import LevelFields
from .poses import PoseBatch

__all__: list[str] = []  # a pipeline stage, internal to match/: the public API is metrology.match

_MAX_ITER = 6
_CONVERGED_PX = 2e-3   # farthest model point moved less than this: converged
_CUTS_PX = (2.5, 1.0, 0.5)  # Tukey cut floor of the first iterations, then 0.2 px
_FIRST_MIN = 24        # the first step uses every third point when that leaves at least this many


@dataclass(frozen=True)
class RefinedPose:
    """Result of :func:`refine_pose`: the pose, RMS point-to-edge distance of the inliers (px,
    NaN when no step was made) and the number of inliers."""

    x: float
    y: float
    angle_rad: float
    scale: float
    rms_px: float
    num_edges: int


def _edge_distances(model: Any, grad: np.ndarray, pts: np.ndarray, dirs: np.ndarray,
                    params: np.ndarray, half: float):
    """Turned points relative to the translation, turned normals and the signed distance to the
    image edge along each (with its ok mask)."""
    c, s = math.cos(params[2]), math.sin(params[2])
    R = np.array([[c, -s], [s, c]])
    rel = params[3] * pts @ R.T                          # (n, 2) = q - t
    q = rel + params[:2]
    m = dirs @ R.T
    sign = 1.0
    if model.polarity == "ignore_global":
        sign = 1.0 if np.sum(_sample_bilinear_exact(grad, q) * m) >= 0 else -1.0
    e, ok, _ = edge_offsets(grad, q, m * sign, half, model.polarity != "ignore_local",
                            0.5 * model.min_contrast, fine_iters=1)
    return rel, m, e * sign, ok  # offsets along m, whichever way the contrast goes


def _median(x: np.ndarray) -> float:
    """``np.median`` of a 1-D array by one partition (a tenth of its overhead)."""
    k = len(x) // 2
    if len(x) % 2:
        return float(np.partition(x, k)[k])
    p = np.partition(x, (k - 1, k))
    return 0.5 * float(p[k - 1] + p[k])


def _jacobian(m: np.ndarray, rel: np.ndarray, scale: float, free: int) -> np.ndarray:
    """Derivatives (n, free) of the point-to-edge distances along the normals ``m`` by x, y,
    angle and scale, for turned points ``rel`` relative to the translation."""
    return np.column_stack([m[:, 0], m[:, 1],                          # d/dx, d/dy
                            m[:, 0] * -rel[:, 1] + m[:, 1] * rel[:, 0],  # d/d angle
                            (m * rel).sum(1) / scale])[:, :free]        # d/d scale


def refine_pose(model: Any, grad: np.ndarray,
                pose: tuple[float, float, float, float]) -> RefinedPose:
    """Refine one pose ``(x, y, angle_rad, scale)`` against the level-0 gradient.

    The first step uses every third point when that leaves at least ``3 * _FIRST_MIN`` (it only
    has to bring the pose within a few hundredths of a pixel from the +-3 px window), the
    following ones every point.

    Parameters
    ----------
    model : ShapeModel
    grad : ndarray (H, W, 2) float32
        Level-0 image gradient (valid around the pose).
    pose : (x, y, angle_rad, scale)

    Returns
    -------
    RefinedPose
    """
    lvl = model.levels[0]
    sel = lvl.refine if lvl.refine.sum() >= 12 else np.ones(len(lvl.points), bool)
    P, D = lvl.points[sel], lvl.dirs[sel]
    params = np.array(pose, dtype=np.float64)       # the unknowns [x, y, angle_rad, scale]
    free = 3 if model.scale_range[1] == model.scale_range[0] else 4
    rms, n_ok = float("nan"), 0
    half = 3.0
    active = np.arange(0, len(P), 3) if len(P) >= _FIRST_MIN * 3 else None
    for it in range(_MAX_ITER):
        Pa, Da = (P, D) if active is None else (P[active], D[active])
        rel, m, e, ok = _edge_distances(model, grad, Pa, Da, params, half)
        if ok.sum() < 6:
            break
        r = e[ok]
        mad = MAD_TO_SIGMA * _median(np.abs(r - _median(r)))
        # the Tukey cut never goes below 0.2 px (several noise sigmas of an edge)
        cut = max(4.0 * mad, _CUTS_PX[it] if it < len(_CUTS_PX) else 0.2)
        wgt = np.where(np.abs(r) < cut, (1 - (r / cut) ** 2) ** 2, 0.0)   # Tukey
        J = _jacobian(m[ok], rel[ok], params[3], free)
        try:
            delta = np.linalg.solve(J.T @ (J * wgt[:, None]), J.T @ (wgt * r))
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(delta)):
            break
        params[:free] += delta
        n_ok = int((wgt > 0).sum())
        rms = float(np.sqrt(np.sum(wgt * r ** 2) / max(wgt.sum(), 1e-12)))
        move = np.abs(delta[:2]).max() + abs(delta[2]) * model.radius_px * params[3]
        if free > 3:
            move += abs(delta[3]) * model.radius_px
        if move < _CONVERGED_PX and it >= 1:
            break
        active, half = None, 2.0 if it == 0 else 1.5
    return RefinedPose(*(float(v) for v in params), rms, n_ok)


def refine_batch(model: Any, fl: LevelFields,
                 cand: PoseBatch) -> tuple[PoseBatch, np.ndarray, np.ndarray]:
    """:func:`refine_pose` for each candidate (a few; each fully vectorised over points).

    Parameters
    ----------
    model : ShapeModel
    fl : LevelFields
        Level-0 fields around the candidates.
    cand : PoseBatch (C,)

    Returns
    -------
    poses : PoseBatch (C,)
        Refined poses (scores NaN: rescore them).
    rms_px : ndarray (C,)
    num_edges : ndarray (C,) int
    """
    ox, oy = fl.origin
    fits = [refine_pose(model, fl.grad, (x - ox, y - oy, a, s)) for x, y, a, s in
            zip(cand.x.tolist(), cand.y.tolist(), cand.angle_rad.tolist(), cand.scale.tolist(),
                strict=True)]
    poses = PoseBatch.from_arrays([f.x + ox for f in fits], [f.y + oy for f in fits],
                                  [f.angle_rad for f in fits], [f.scale for f in fits])
    return (poses, np.array([f.rms_px for f in fits], dtype=np.float64),
            np.array([f.num_edges for f in fits], dtype=np.int64))


def clip_to_ranges(model: Any, poses: PoseBatch) -> PoseBatch:
    """Angles clipped to the model's range (unless it is the full circle), scales to 2 %
    beyond its scale range; scores NaN."""
    a_lo, a_hi = np.radians(model.angle_range_deg)
    s0, s1 = model.scale_range
    angle = poses.angle_rad
    if a_hi - a_lo < 2 * np.pi - 1e-9:
        angle = np.clip(angle, a_lo - 1e-9, a_hi + 1e-9)
    return PoseBatch.from_arrays(poses.x, poses.y, angle,
                                 np.clip(poses.scale, s0 * 0.98, s1 * 1.02))
