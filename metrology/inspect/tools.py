"""Run a recipe tool on an image at a pose through :mod:`metrology.caliper`.

This module only adapts: it places the model-frame caliper tool at the match pose
(``tool.placed(pose).measure(image)``) and collects the edge points the caliper's fit used (the
inliers), which the recipe then maps to millimetres and fits again.
The edge finding and robust fitting themselves live in the caliper layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.pose import Pose2D
from ..errors import EdgeNotFoundError
from .spec import tool_kind

__all__ = ["ToolRun", "run_tool"]


@dataclass(frozen=True)
class ToolRun:
    """Edge evidence of one tool in image pixels.

    Attributes
    ----------
    points_px : ndarray (N, 2)
        Edge points the caliper's fit kept (inliers); for an edge pair, empty.
    outliers_px : ndarray (M, 2)
        Edge points the fit rejected (for the overlay).
    first_px, second_px : ndarray (K, 2)
        Edge pair only: the two edges of each found pair.
    placed : dict
        The tool's image-frame geometry (JSON-ready, for the overlay).
    direction_px : ndarray (2,) or None
        Line only: the placed ``p0 -> p1`` direction, to orient the fitted line.
    """

    name: str
    kind: str
    points_px: np.ndarray
    outliers_px: np.ndarray
    placed: dict
    first_px: np.ndarray | None = None
    second_px: np.ndarray | None = None
    direction_px: np.ndarray | None = None
    info: dict = field(default_factory=dict)


def _split(res: Any, points: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(inlier points, outlier points) of a caliper fit result."""
    pts = np.asarray(res.points_xy if points is None else points, float).reshape(-1, 2)
    mask = np.asarray(res.inliers, dtype=bool).reshape(-1)
    return pts[mask], pts[~mask]


def _jsonable_placed(d: dict) -> dict:
    return {k: (np.asarray(v, float).tolist() if isinstance(v, (np.ndarray, tuple, list)) else v)
            for k, v in d.items()}


def run_tool(tool: Any, image: np.ndarray, pose: Pose2D, placer: Any = None) -> ToolRun:
    """Place the caliper ``tool`` (model frame) at ``pose`` (then through ``placer``, when
    the pose lives in another frame than ``image``) and run it on ``image``.

    Circle and ellipse edge points are the caliper's ``fit_points_xy``: the points its own fit
    used, corrected for the bias of a blurred curved edge (``edge_blur**2 / (2 R)`` along each
    point's normal) and for sector smear, so the mm fit sees the same unbiased points.

    Raises
    ------
    EdgeNotFoundError, FitError, InputError
        As raised by the caliper (no edges, too few inliers, tool outside the image).
    """
    kind = tool_kind(tool)
    placed_tool = tool.placed(pose)
    if placer is not None:  # e.g. from the rectified plane view into the raw image
        placed_tool = placer(placed_tool)
    placed = {"type": kind, **{k: v for k, v in placed_tool.to_dict().items() if k != "type"}}
    res = placed_tool.measure(image)
    if kind in ("circle", "ellipse"):
        # the caliper's corrected points (blur curvature, sector smear): refit these in mm.
        # They already carry the correction, so it must not be applied again here.
        fit_pts = getattr(res, "fit_points_xy", None)
        inl, out = _split(res, None if fit_pts is None else np.asarray(fit_pts, float))
        return ToolRun(tool.name, kind, inl, out, placed,
                       info={"curvature_correction_px":
                             float(getattr(res, "curvature_correction_px", 0.0) or 0.0)})
    if kind == "line":
        inl, out = _split(res)
        d = np.asarray(placed_tool.p1_xy, float) - np.asarray(placed_tool.p0_xy, float)
        return ToolRun(tool.name, kind, inl, out, placed, direction_px=d)
    # edge pair
    first = np.asarray(res.first.points_xy, float).reshape(-1, 2)
    second = np.asarray(res.second.points_xy, float).reshape(-1, 2)
    if len(first) == 0:
        raise EdgeNotFoundError(f"{tool.name}: no edge pair found")
    # the strongest pair (largest weaker-edge amplitude): noise pairs are weak on both sides
    amp1 = np.abs(np.asarray(res.first.amplitudes, float).reshape(-1))
    amp2 = np.abs(np.asarray(res.second.amplitudes, float).reshape(-1))
    if amp1.size == len(first) and amp2.size == len(first):
        k = int(np.argmax(np.minimum(amp1, amp2)))
    else:  # no amplitudes: the pair whose centre is nearest the tool's middle
        mid = 0.5 * (np.asarray(placed_tool.p0_xy, float) + np.asarray(placed_tool.p1_xy, float))
        k = int(np.argmin(np.hypot(*(0.5 * (first + second) - mid).T)))
    std = np.asarray(res.std_width_px, float).reshape(-1)
    return ToolRun(tool.name, kind, np.empty((0, 2)), np.empty((0, 2)), placed,
                   first_px=first[k:k + 1], second_px=second[k:k + 1],
                   info={"std_width_px": float(std[k]) if std.size > k else float("nan")})
