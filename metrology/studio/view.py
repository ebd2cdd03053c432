"""The page's coordinates: tools and edge points in the pixels of the picture it shows.

The page edits tools in **view pixels**: the image itself for fixtured and matched recipes, or
the rectified plane view for recipes whose model searches there (``model.rectify``).  A
recipe's tools live in the model frame (pixels), or in mm in the part frame (``"units":
"mm"``); :class:`View` maps them both ways with the caliper layer's own placement
(``Tool.placed``, ``PartFrame.tool_to_mm``), and maps image points (edge points, fits) into
the view.  Nothing here measures.

Examples
--------
>>> from metrology.caliper import CircleTool
>>> from metrology.core.pose import Pose2D
>>> view = View(Pose2D(100.0, 50.0, 90.0))
>>> shown = view.to_view(CircleTool((10.0, 0.0), 5.0, name="bore"))
>>> [round(v, 6) for v in shown.center_xy]
[100.0, 60.0]
>>> [round(v, 6) for v in view.from_view(shown).center_xy]
[10.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .._serial import to_jsonable
from ..caliper.shapes import Circle, Ellipse, Markers, Polygons, Segment
from ..core.pose import Pose2D

__all__ = ["View", "primitives_json", "rounded_dict"]


class View:
    """Maps between a recipe's tool frame and the view for one image.

    Parameters
    ----------
    pose : Pose2D
        Model frame -> view pixels (the match pose; identity for fixtured parts).
    frame : PartFrame, optional
        Part frame of a ``"units": "mm"`` recipe (mm <-> model px).
    to_view_points : callable, optional
        Image pixels (N, 2) -> view pixels (N, 2) when the view is the rectified plane view.
    """

    def __init__(self, pose: Pose2D, frame: Any = None,
                 to_view_points: Callable[[np.ndarray], np.ndarray] | None = None):
        self.pose = pose
        self.frame = frame
        self.to_view_points = to_view_points

    def to_view(self, model_tool: Any) -> Any:
        """A model-frame tool (``recipe.tools[i]``) as shown in the view."""
        return model_tool.placed(self.pose)

    def from_view(self, view_tool: Any) -> Any:
        """A tool edited in the view back in the recipe's frame (model px, or part mm)."""
        model = view_tool.placed(self.pose.inverse())
        return model if self.frame is None else self.frame.tool_to_mm(model)

    def points(self, points_xy: Any) -> np.ndarray:
        """Image pixels (N, 2) -> view pixels (N, 2)."""
        p = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
        if self.to_view_points is None or len(p) == 0:
            return p
        return np.asarray(self.to_view_points(p), dtype=np.float64).reshape(-1, 2)

    def primitives(self, prims: list) -> list[dict]:
        """Drawing primitives in image pixels -> JSON primitives in view pixels (circles and
        ellipses become polygons when the view is not the image)."""
        if self.to_view_points is None:
            return primitives_json(prims)
        out = []
        for p in prims:
            if isinstance(p, (Circle, Ellipse)):
                p = Polygons(_sampled(p)[None], role=p.role)
            if isinstance(p, Segment):
                a, b = self.points([p.p0_xy, p.p1_xy])
                p = Segment(a, b, role=p.role)
            elif isinstance(p, Polygons):
                c = np.asarray(p.corners_xy, float)
                p = Polygons(self.points(c.reshape(-1, 2)).reshape(c.shape), role=p.role)
            elif isinstance(p, Markers):
                p = Markers(self.points(p.points_xy), p.inliers, role=p.role)
            out.append(p)
        return primitives_json(out)


def _sampled(p: Circle | Ellipse, n: int = 72) -> np.ndarray:
    """Points (n, 2) around a circle or ellipse primitive."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    if isinstance(p, Circle):
        a = b = float(p.radius)
        rot = 0.0
    else:
        a, b = (float(v) for v in p.semi_axes)
        rot = math.radians(float(p.angle_deg))
    x, y = a * np.cos(t), b * np.sin(t)
    c, s = math.cos(rot), math.sin(rot)
    return np.column_stack([c * x - s * y, s * x + c * y]) + np.asarray(p.center_xy, float)


def primitives_json(prims: list) -> list[dict]:
    """:mod:`metrology.caliper.shapes` primitives as JSON dicts with a ``shape`` tag
    (``Segment``, ``Circle``, ``Ellipse``, ``Polygons``, ``Markers``)."""
    out = []
    for p in prims:
        d = to_jsonable(p)
        d["shape"] = type(p).__name__
        out.append(d)
    return out


def rounded_dict(d: dict, digits: int = 6) -> dict:
    """A tool's flat dict with its floats rounded (so a tool mapped to the view and back
    reads as it was written, without 1e-13 noise)."""
    def r(v):
        if isinstance(v, float) and math.isfinite(v):
            return round(v, digits) + 0.0
        if isinstance(v, (list, tuple)):
            return [r(x) for x in v]
        return v
    return {k: r(v) for k, v in d.items()}
