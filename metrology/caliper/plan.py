"""Caliper tools as frozen, JSON-serialisable specs in a model frame, placed by a pose.

A tool holds its geometry in *model* coordinates (for example the template frame of a
:class:`~metrology.match.ShapeModel`); ``tool.placed(pose)`` returns the same tool moved into
the image by a :class:`~metrology.core.pose.Pose2D` (what HALCON's ``align_metrology_model``
does), and ``tool.measure(image)`` runs it::

    hole = CircleTool(center_xy=(120.0, 80.0), radius=35.0, name="bore")
    result = hole.placed(match.pose).measure(image)      # CircleResult

Every tool round-trips through ``to_dict()`` / :func:`tool_from_dict` (plain JSON types), so
a recipe can store them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import numpy as np

from ..core.checks import as_vector, check_choice, check_finite, check_positive
from ..core.pose import Pose2D
from ..errors import InputError
from .edges import (SELECTIONS, SUBPIXEL, TOOL_INTERPOLATIONS, TRANSITIONS, measure_edges,
                    measure_pairs)
from .tools import find_circle, find_ellipse, find_line

__all__ = ["EdgeTool", "EdgePairTool", "LineTool", "CircleTool", "EllipseTool",
           "tool_from_dict", "TOOL_TYPES"]


def _pt(v, name) -> tuple[float, float]:
    a = as_vector(v, name)
    return (float(a[0]), float(a[1]))


class _ToolBase:
    """Validation, serialisation and placement shared by every tool."""

    _points: tuple[str, ...] = ()      # fields holding (x, y) model points
    _lengths: tuple[str, ...] = ()     # fields holding lengths (scaled by the pose)
    _angles: tuple[str, ...] = ()      # fields holding angles (rotated by the pose)

    def _validate_detection(self) -> None:
        s = check_positive(self.sigma, f"{type(self).__name__}.sigma")
        object.__setattr__(self, "sigma", s)
        object.__setattr__(self, "threshold", check_positive(
            self.threshold, f"{type(self).__name__}.threshold", allow_zero=True))
        check_choice(self.transition, f"{type(self).__name__}.transition", TRANSITIONS)
        if hasattr(self, "select"):
            check_choice(self.select, f"{type(self).__name__}.select", SELECTIONS)
        check_choice(self.interpolation, f"{type(self).__name__}.interpolation",
                     TOOL_INTERPOLATIONS)
        check_choice(self.subpixel, f"{type(self).__name__}.subpixel", SUBPIXEL)
        if not isinstance(self.name, str):
            raise InputError(f"{type(self).__name__}.name: expected a string, given "
                             f"{self.name!r}")
        for f in self._points:
            object.__setattr__(self, f, _pt(getattr(self, f), f"{type(self).__name__}.{f}"))
        for f in self._angles:
            object.__setattr__(self, f, check_finite(getattr(self, f),
                                                     f"{type(self).__name__}.{f}"))

    def placed(self, pose: Pose2D):
        """This tool moved from the model frame into the image by ``pose``.

        Points are mapped by ``pose.apply``, lengths multiplied by ``pose.scale`` and angles
        turned by ``pose.angle_deg``.
        """
        if not isinstance(pose, Pose2D):
            raise InputError(f"pose: expected a Pose2D, given {type(pose).__name__}")
        kw: dict[str, Any] = {}
        for f in self._points:
            p = pose.apply(np.asarray(getattr(self, f), dtype=np.float64)[None])[0]
            kw[f] = (float(p[0]), float(p[1]))
        for f in self._lengths:
            v = getattr(self, f)
            if v is not None:
                kw[f] = (tuple(float(x) * pose.scale for x in v) if isinstance(v, tuple)
                         else float(v) * pose.scale)
        for f in self._angles:
            kw[f] = float(getattr(self, f)) + pose.angle_deg
        return replace(self, **kw)

    def to_dict(self) -> dict:
        """JSON-ready dict with a ``"type"`` key (inverse: :func:`tool_from_dict`)."""
        d = {"type": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """Build the tool from :meth:`to_dict` output, checking every field."""
        if not isinstance(d, Mapping):
            raise InputError(f"{cls.__name__}.from_dict: expected a mapping, given "
                             f"{type(d).__name__}")
        if d.get("type", cls.__name__) != cls.__name__:
            raise InputError(f"{cls.__name__}.from_dict: given a {d.get('type')!r} dict")
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names - {"type"}
        if unknown:
            raise InputError(f"{cls.__name__}.from_dict: unknown field(s) {sorted(unknown)}")
        kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in names}
        try:
            return cls(**kw)
        except TypeError as exc:
            raise InputError(f"{cls.__name__}.from_dict: {exc}") from None


def _check_int(v, name, minimum):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise InputError(f"{name}: expected an integer >= {minimum}, given {v!r}")
    return int(v)


@dataclass(frozen=True)
class EdgeTool(_ToolBase):
    """One caliper from ``p0_xy`` to ``p1_xy`` measuring edges (:func:`measure_edges`)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    width: float = 10.0
    sigma: float = 1.0
    threshold: float = 20.0
    transition: str = "any"
    select: str = "all"
    interpolation: str = "auto"
    subpixel: str = "erf"
    name: str = ""

    _points = ("p0_xy", "p1_xy")
    _lengths = ("width",)

    def __post_init__(self):
        self._validate_detection()
        object.__setattr__(self, "width", check_positive(self.width, "EdgeTool.width"))

    def measure(self, image):
        """Run the tool: -> :class:`~metrology.caliper.EdgeResult`."""
        return measure_edges(image, self.p0_xy, self.p1_xy, width=self.width, sigma=self.sigma,
                             threshold=self.threshold, transition=self.transition,
                             select=self.select, interpolation=self.interpolation,
                             subpixel=self.subpixel)


@dataclass(frozen=True)
class EdgePairTool(_ToolBase):
    """One caliper measuring stripe widths (:func:`measure_pairs`)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    width: float = 10.0
    sigma: float = 1.0
    threshold: float = 20.0
    transition: str = "positive"
    interpolation: str = "auto"
    subpixel: str = "erf"
    name: str = ""

    _points = ("p0_xy", "p1_xy")
    _lengths = ("width",)

    def __post_init__(self):
        self._validate_detection()
        object.__setattr__(self, "width", check_positive(self.width, "EdgePairTool.width"))

    def measure(self, image):
        """Run the tool: -> :class:`~metrology.caliper.PairResult`."""
        return measure_pairs(image, self.p0_xy, self.p1_xy, width=self.width, sigma=self.sigma,
                             threshold=self.threshold, transition=self.transition,
                             interpolation=self.interpolation, subpixel=self.subpixel)


@dataclass(frozen=True)
class LineTool(_ToolBase):
    """Find a straight edge along ``p0_xy -> p1_xy`` (:func:`find_line`)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    num_calipers: int = 20
    caliper_length: float = 24.0
    caliper_width: float | None = None
    sigma: float = 1.0
    threshold: float = 20.0
    transition: str = "any"
    select: str = "strongest"
    interpolation: str = "auto"
    subpixel: str = "erf"
    ransac_threshold_px: float = 1.0
    name: str = ""

    _points = ("p0_xy", "p1_xy")
    _lengths = ("caliper_length", "caliper_width", "ransac_threshold_px")

    def __post_init__(self):
        self._validate_detection()
        _check_int(self.num_calipers, "LineTool.num_calipers", 2)
        object.__setattr__(self, "caliper_length",
                           check_positive(self.caliper_length, "LineTool.caliper_length"))
        if self.caliper_width is not None:
            object.__setattr__(self, "caliper_width",
                               check_positive(self.caliper_width, "LineTool.caliper_width"))
        check_positive(self.ransac_threshold_px, "LineTool.ransac_threshold_px")

    def measure(self, image):
        """Run the tool: -> :class:`~metrology.caliper.LineResult`."""
        return find_line(image, self.p0_xy, self.p1_xy, self.num_calipers, self.caliper_length,
                         self.caliper_width, sigma=self.sigma, threshold=self.threshold,
                         transition=self.transition, select=self.select,
                         interpolation=self.interpolation, subpixel=self.subpixel,
                         ransac_threshold_px=self.ransac_threshold_px)


@dataclass(frozen=True)
class CircleTool(_ToolBase):
    """Find a circle or arc (:func:`find_circle`)."""

    center_xy: tuple[float, float]
    radius: float
    num_calipers: int = 32
    caliper_length: float | None = None
    caliper_width: float | None = None
    arc_start_deg: float = 0.0
    arc_extent_deg: float = 360.0
    direction: str = "outward"
    sigma: float = 1.0
    threshold: float = 20.0
    transition: str = "any"
    select: str = "strongest"
    interpolation: str = "auto"
    subpixel: str = "erf"
    ransac_threshold_px: float = 1.0
    name: str = ""

    _points = ("center_xy",)
    _lengths = ("radius", "caliper_length", "caliper_width", "ransac_threshold_px")
    _angles = ("arc_start_deg",)

    def __post_init__(self):
        self._validate_detection()
        object.__setattr__(self, "radius", check_positive(self.radius, "CircleTool.radius"))
        _check_int(self.num_calipers, "CircleTool.num_calipers", 3)
        if self.caliper_length is not None:
            object.__setattr__(self, "caliper_length", check_positive(
                self.caliper_length, "CircleTool.caliper_length"))
        if self.caliper_width is not None:
            object.__setattr__(self, "caliper_width",
                               check_positive(self.caliper_width, "CircleTool.caliper_width"))
        ext = check_finite(self.arc_extent_deg, "CircleTool.arc_extent_deg")
        if not 0 < ext <= 360:
            raise InputError(f"CircleTool.arc_extent_deg: expected 0 < extent <= 360, given {ext}")
        check_choice(self.direction, "CircleTool.direction", ("outward", "inward"))
        check_positive(self.ransac_threshold_px, "CircleTool.ransac_threshold_px")

    def measure(self, image):
        """Run the tool: -> :class:`~metrology.caliper.CircleResult`."""
        return find_circle(image, self.center_xy, self.radius, self.num_calipers,
                           self.caliper_length, self.caliper_width,
                           arc_start_deg=self.arc_start_deg, arc_extent_deg=self.arc_extent_deg,
                           direction=self.direction, sigma=self.sigma, threshold=self.threshold,
                           transition=self.transition, select=self.select,
                           interpolation=self.interpolation, subpixel=self.subpixel,
                           ransac_threshold_px=self.ransac_threshold_px)


@dataclass(frozen=True)
class EllipseTool(_ToolBase):
    """Find an ellipse (:func:`find_ellipse`)."""

    center_xy: tuple[float, float]
    semi_axes: tuple[float, float]
    angle_deg: float = 0.0
    num_calipers: int = 48
    caliper_length: float | None = None
    caliper_width: float | None = None
    arc_start_deg: float = 0.0
    arc_extent_deg: float = 360.0
    direction: str = "outward"
    sigma: float = 1.0
    threshold: float = 20.0
    transition: str = "any"
    select: str = "strongest"
    interpolation: str = "auto"
    subpixel: str = "erf"
    ransac_threshold_px: float = 1.0
    name: str = ""

    _points = ("center_xy",)
    _lengths = ("semi_axes", "caliper_length", "caliper_width", "ransac_threshold_px")
    _angles = ("angle_deg", "arc_start_deg")

    def __post_init__(self):
        self._validate_detection()
        ax = _pt(self.semi_axes, "EllipseTool.semi_axes")
        if min(ax) <= 0:
            raise InputError(f"EllipseTool.semi_axes: expected positive, given {list(ax)}")
        object.__setattr__(self, "semi_axes", ax)
        _check_int(self.num_calipers, "EllipseTool.num_calipers", 5)
        if self.caliper_length is not None:
            object.__setattr__(self, "caliper_length", check_positive(
                self.caliper_length, "EllipseTool.caliper_length"))
        if self.caliper_width is not None:
            object.__setattr__(self, "caliper_width",
                               check_positive(self.caliper_width, "EllipseTool.caliper_width"))
        ext = check_finite(self.arc_extent_deg, "EllipseTool.arc_extent_deg")
        if not 0 < ext <= 360:
            raise InputError(f"EllipseTool.arc_extent_deg: expected 0 < extent <= 360, "
                             f"given {ext}")
        check_choice(self.direction, "EllipseTool.direction", ("outward", "inward"))
        check_positive(self.ransac_threshold_px, "EllipseTool.ransac_threshold_px")

    def measure(self, image):
        """Run the tool: -> :class:`~metrology.caliper.EllipseResult`."""
        return find_ellipse(image, self.center_xy, self.semi_axes, self.angle_deg,
                            self.num_calipers, self.caliper_length, self.caliper_width,
                            arc_start_deg=self.arc_start_deg,
                            arc_extent_deg=self.arc_extent_deg, direction=self.direction,
                            sigma=self.sigma, threshold=self.threshold,
                            transition=self.transition, select=self.select,
                            interpolation=self.interpolation, subpixel=self.subpixel,
                            ransac_threshold_px=self.ransac_threshold_px)


TOOL_TYPES = {c.__name__: c for c in (EdgeTool, EdgePairTool, LineTool, CircleTool,
                                      EllipseTool)}


def tool_from_dict(d: Mapping[str, Any]):
    """Rebuild any caliper tool from its ``to_dict()`` (dispatch on ``"type"``).

    Raises
    ------
    InputError
        Unknown type, unknown or missing fields, or invalid values.
    """
    if not isinstance(d, Mapping) or "type" not in d:
        raise InputError("tool_from_dict: expected a mapping with a 'type' field")
    cls = TOOL_TYPES.get(d["type"])
    if cls is None:
        raise InputError(f"tool_from_dict: unknown tool type {d['type']!r}; expected one of "
                         f"{sorted(TOOL_TYPES)}")
    return cls.from_dict(d)
