"""Run a recipe tool on an image at a pose through :mod:`metrology.caliper`.

This module only adapts: it places the model-frame tool at the match pose, calls the caliper
function (``find_circle``, ``find_line``, ``find_ellipse``, ``measure_pairs``) and collects the
edge points the fit used (the inliers), which the recipe then maps to millimetres and fits again.
The edge finding and robust fitting themselves live in the caliper layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.pose import Pose2D
from ..errors import EdgeNotFoundError, FitError
from .spec import CircleTool, EdgePairTool, EllipseTool, LineTool, ToolSpec

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


def _attr(obj: Any, *names: str) -> Any:
    for n in names:
        v = getattr(obj, n, None)
        if v is not None:
            return v
    return None


def _split_points(res: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(inlier points, outlier points) of a caliper fit result."""
    pts = _attr(res, "points", "edge_points", "points_xy")
    if pts is None:
        raise FitError(f"{name}: the caliper result carries no edge points")
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
    mask = _attr(res, "inliers", "inlier_mask")
    if mask is None:
        return pts, np.empty((0, 2))
    mask = np.asarray(mask, dtype=bool).reshape(-1)
    if mask.shape[0] != pts.shape[0]:
        return pts, np.empty((0, 2))
    return pts[mask], pts[~mask]


def _jsonable_placed(d: dict) -> dict:
    return {k: (np.asarray(v, float).tolist() if isinstance(v, (np.ndarray, tuple, list)) else v)
            for k, v in d.items()}


def run_tool(tool: ToolSpec, image: np.ndarray, pose: Pose2D) -> ToolRun:
    """Place ``tool`` at ``pose`` and run its caliper on ``image`` (2-D gray array).

    Raises
    ------
    EdgeNotFoundError, FitError, InputError
        As raised by the caliper (no edges, too few inliers, tool outside the image).
    """
    from .. import caliper

    args = tool.placed(pose)
    placed = {"type": tool.kind, **_jsonable_placed(args)}
    if isinstance(tool, CircleTool):
        res = caliper.find_circle(image, **args)
        inl, out = _split_points(res, tool.name)
        return ToolRun(tool.name, tool.kind, inl, out, placed)
    if isinstance(tool, EllipseTool):
        res = caliper.find_ellipse(image, **args)
        inl, out = _split_points(res, tool.name)
        return ToolRun(tool.name, tool.kind, inl, out, placed)
    if isinstance(tool, LineTool):
        res = caliper.find_line(image, **args)
        inl, out = _split_points(res, tool.name)
        d = np.asarray(args["p1_xy"], float) - np.asarray(args["p0_xy"], float)
        return ToolRun(tool.name, tool.kind, inl, out, placed, direction_px=d)
    if isinstance(tool, EdgePairTool):
        res = caliper.measure_pairs(image, **args)
        first = _attr(res, "first_points", "points_first", "first_xy")
        second = _attr(res, "second_points", "points_second", "second_xy")
        if first is None or second is None:
            raise FitError(f"{tool.name}: the caliper's pair result carries no edge points")
        first = np.asarray(first, float).reshape(-1, 2)
        second = np.asarray(second, float).reshape(-1, 2)
        if len(first) == 0:
            raise EdgeNotFoundError(f"{tool.name}: no edge pair found")
        return ToolRun(tool.name, tool.kind, np.empty((0, 2)), np.empty((0, 2)), placed,
                       first_px=first, second_px=second)
    raise FitError(f"{tool.name}: unsupported tool type {tool.kind!r}")  # pragma: no cover
