"""Tool coordinates in millimetres: the part frame of a recipe and its link to the model frame.

With ``"units": "mm"`` at the top of a recipe, every tool's points and lengths (centres, radii,
semi-axes, ends, ``caliper_length`` / ``caliper_width``, an edge pair's ``width``) are millimetres
in the **part frame** (for a recipe made from a drawing: the drawing's own origin and axes); the
settings (``sigma``, ``ransac_threshold_px``: image properties) stay in pixels.  The recipe's ``model`` field
says how that frame sits in the shape model's pixel frame::

    "model": {"file": "part.model.json",
              "frame": {"mm_per_px": 0.05, "origin_mm": [20.0, 12.5], "y_up": true}}

* ``mm_per_px``: model pixel size; default: the rectified view's ``mm_per_px`` when the model
  has ``rectify``, else the station's ``pixel_size_mm``;
* ``origin_mm``: the part-frame point at the model's origin (default ``[0, 0]``);
* ``y_up``: the part frame's y axis points up (a CAD drawing); default false (y down, as images).

A model pixel is then ``p_px = M (p_mm - origin_mm) / mm_per_px`` with ``M = diag(1, -1)`` when
``y_up``.  In a y-up frame, arcs run counter-clockwise from ``arc_start_deg`` and a line tool's
``transition`` refers to the side on the left of ``p0 -> p1`` as the drawing shows it, so a
recipe reads exactly like its drawing.

Examples
--------
>>> from metrology.caliper import CircleTool
>>> f = PartFrame(0.05, (10.0, 0.0), y_up=True)
>>> t = f.tool_to_model(CircleTool((12.0, 3.0), 1.5, name="hole_1"))
>>> t.center_xy, t.radius
((40.0, -60.0), 30.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._serial import Serializable
from ..caliper import Tool
from ..core.checks import as_points
from ..errors import FileFormatError, InputError

__all__ = ["PartFrame", "UNITS", "part_frame", "tools_in_model_frame"]

UNITS = ("px", "mm")
_FLIP = {"positive": "negative", "negative": "positive", "any": "any"}


@dataclass(frozen=True)
class PartFrame(Serializable):
    """Part frame (mm) <-> model frame (px): ``p_px = M (p_mm - origin_mm) / mm_per_px``."""

    mm_per_px: float
    origin_mm: tuple[float, float] = (0.0, 0.0)
    y_up: bool = False

    _json_type = None       # the recipe's "model.frame" object carries no type tag
    _json_strict = True

    def __post_init__(self):
        s = self.mm_per_px
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or s <= 0:
            raise FileFormatError(f"model.frame.mm_per_px: expected a positive number, given {s!r}")
        o = self.origin_mm
        if isinstance(o, (str, bytes)) or not hasattr(o, "__len__") or len(o) != 2 or not all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                and math.isfinite(v) for v in o):
            raise FileFormatError(f"model.frame.origin_mm: expected [x, y], given {o!r}")
        object.__setattr__(self, "mm_per_px", float(s))
        object.__setattr__(self, "origin_mm", (float(o[0]), float(o[1])))
        if not isinstance(self.y_up, (bool, np.bool_)):
            raise FileFormatError(f"model.frame.y_up: expected true or false, given "
                                  f"{self.y_up!r:.40}")
        object.__setattr__(self, "y_up", bool(self.y_up))

    def to_model_px(self, points_mm: Any) -> np.ndarray:
        """Part-frame mm (N, 2) -> model px (N, 2)."""
        p = (_points(points_mm, "points_mm") - self.origin_mm) / self.mm_per_px
        return p * [1.0, -1.0] if self.y_up else p

    def to_mm(self, points_px: Any) -> np.ndarray:
        """Model px (N, 2) -> part-frame mm (N, 2)."""
        p = _points(points_px, "points_px")
        p = p * [1.0, -1.0] if self.y_up else p
        return p * self.mm_per_px + self.origin_mm

    def _tool(self, tool: Any, fwd: bool) -> Any:
        if not isinstance(tool, Tool):
            raise InputError(f"tool: expected a caliper Tool, given {type(tool).__name__}")
        conv = self.to_model_px if fwd else self.to_mm
        moved = tool.mapped(conv, 1.0 / self.mm_per_px if fwd else self.mm_per_px, 0.0)
        if not self.y_up:
            return moved
        # a mirror is no rotation: arcs run the other way, angles change sign, and the side a
        # line tool's caliper normal points to is the other one
        kw: dict[str, Any] = {}
        arc = getattr(moved, "arc_deg", None)
        if arc is not None:
            start, ext = float(arc[0]), float(arc[1])
            kw["arc_deg"] = (-start, ext) if ext >= 360.0 else (-(start + ext), ext)
        if hasattr(moved, "angle_deg"):
            kw["angle_deg"] = -float(moved.angle_deg)
        if type(moved).__name__ == "LineTool":
            kw["edges"] = replace(moved.edges, transition=_FLIP[moved.edges.transition])
        return replace(moved, **kw)

    def tool_to_model(self, tool: Any) -> Any:
        """A caliper tool with mm part-frame geometry -> the same tool in model pixels."""
        return self._tool(tool, True)

    def tool_to_mm(self, tool: Any) -> Any:
        """Inverse of :meth:`tool_to_model`."""
        return self._tool(tool, False)

    @classmethod
    def from_dict(cls, d: Any, where: str = "model.frame", *,
                  error: type = FileFormatError) -> "PartFrame":
        """Parse a recipe's ``model.frame`` (``FileFormatError`` naming the field)."""
        return super().from_dict(d, where=where, error=error)


def _points(v: Any, name: str) -> np.ndarray:
    """(N, 2) finite points; one point (2,) is taken as (1, 2)."""
    if isinstance(v, (list, tuple, np.ndarray)) and len(v) == 2 and \
            all(np.ndim(x) == 0 for x in v):
        v = [v]
    return as_points(v, name, allow_batch=False)


def part_frame(model: Any, station: Any) -> PartFrame:
    """The part frame of a recipe whose tools are in mm (``"units": "mm"``): the model's
    ``frame``, else its rectified view's scale, else the station's pixel size.

    Raises
    ------
    FileFormatError
        No model, or a model searched in the raw image of a calibrated station without a frame.
    """
    if model is None:
        raise FileFormatError("units: 'mm' places tools in the part frame of a shape model; "
                              "a recipe without a model has no part frame")
    if not hasattr(model, "frame") or not hasattr(model, "rectify"):
        raise InputError(f"model: expected a MatchSpec, given {type(model).__name__}")
    if not hasattr(station, "pixel_size_mm"):
        raise InputError(f"station: expected a StationSpec, given {type(station).__name__}")
    if model.frame is not None:
        return model.frame
    if model.rectify is not None:
        return PartFrame(model.rectify.mm_per_px)
    if station.pixel_size_mm is not None:
        return PartFrame(station.pixel_size_mm)
    raise FileFormatError("model.frame: missing field; with \"units\": \"mm\" and a model "
                          "searched in the raw image of a calibrated station, give "
                          "model.frame = {\"mm_per_px\": ...} (the model pixel size)")


def tools_in_model_frame(tools: Any, model: Any, station: Any) -> tuple:
    """A recipe's mm tools placed in its model frame (see :func:`part_frame`).

    Raises
    ------
    FileFormatError
        No part frame, or a tool that cannot be placed (naming it).
    """
    frame = part_frame(model, station)
    if isinstance(tools, (str, bytes)) or not hasattr(tools, "__iter__"):
        raise InputError(f"tools: expected a sequence of caliper tools, given "
                         f"{type(tools).__name__}")
    out = []
    for t in tools:
        if not isinstance(t, Tool):
            raise InputError(f"tools: expected caliper tools, given a {type(t).__name__}")
        try:
            out.append(frame.tool_to_model(t))
        except InputError as exc:
            raise FileFormatError(f"tools ({t.name!r}): cannot place the mm tool in the model "
                                  f"frame ({exc})") from None
    return tuple(out)
