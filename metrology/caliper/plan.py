"""Caliper tools as frozen, JSON-serialisable specs in a model frame, placed by a pose.

A tool holds its geometry in *model* coordinates (for example the template frame of a
:class:`~metrology.match.ShapeModel`); ``tool.placed(pose)`` returns the same tool moved into
the image by a :class:`~metrology.core.pose.Pose2D` (what HALCON's ``align_metrology_model``
does), and ``tool.measure(image)`` runs it::

    hole = CircleTool(center_xy=(120.0, 80.0), radius=35.0, name="bore")
    result = hole.placed(match.pose).measure(image)      # CircleResult

Every tool derives from :class:`Tool`, which holds what they share: the edge settings, the
name, one ``measure()`` (the tool's finder called with its fields), placement by a pose or any
point map (``placed``, ``mapped``), the flat JSON of recipe files (``to_dict`` /
:func:`tool_from_dict`: ``"sigma": 2`` rather than nested settings).  Each tool class says which
fields are points, lengths and angles (how it moves), what it draws (``outline()``) and how its
result becomes an inspection feature (``to_features(result, plane)``), so nothing outside
:mod:`metrology.caliper` needs to know the kinds of tools; a new tool type is a new class here,
listed in :data:`TOOL_TYPES`.

Examples
--------
>>> from metrology.core import Pose2D
>>> tool = CircleTool((10.0, 0.0), 5.0, edges=EdgeSettings(threshold=30), name="bore")
>>> moved = tool.placed(Pose2D(100.0, 50.0, 90.0))
>>> [round(v, 6) for v in moved.center_xy], moved.edges.threshold
([100.0, 60.0], 30.0)
>>> tool_from_dict(tool.to_dict()) == tool
True
"""

from __future__ import annotations

import math
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from .._serial import from_jsonable
from ..core.checks import as_vector, check_choice, check_finite, check_positive
from ..core.pose import Pose2D
from ..errors import EdgeNotFoundError, FitError, InputError, MetrologyError
from .circle import DIRECTIONS, find_circle
from .ellipse import find_ellipse
from .features import (CircleFeature, EllipseFeature, LineFeature, PairFeature, ToolFeatures,
                       circle_feature, ellipse_feature, line_feature, pair_feature)
from .line import count_calipers, find_line
from .measure import PairResult, measure_edges, measure_pairs
from .results import CircleResult, EllipseResult, LineResult
from .settings import (EDGE_KEYS, FIT_KEYS, EdgeSettings, FitSettings, check_arc, check_size,
                       flat_keywords)
from .shapes import Circle, Ellipse, Segment
from .strips import pair_strips, strongest_pair

__all__ = ["Tool", "EdgeTool", "EdgePairTool", "LineTool", "CircleTool", "EllipseTool",
           "tool_from_dict", "TOOL_TYPES"]

#: flat JSON keys of the tuple fields
_SPLIT = {"caliper_size": ("caliper_length", "caliper_width"),
          "arc_deg": ("arc_start_deg", "arc_extent_deg")}


def _pt(v, name) -> tuple[float, float]:
    a = as_vector(v, name)
    return (float(a[0]), float(a[1]))


def _checked_result(tool: "Tool", result, kind: type):
    """``result`` if it is a ``kind`` the tool can turn into a feature; FitError with the
    result's reason when it failed (``ok`` False: the fit left the calipers' band)."""
    if not isinstance(result, kind):
        raise InputError(f"{type(tool).__name__}.to_features: result: expected a "
                         f"{kind.__name__}, given {type(result).__name__}")
    if not getattr(result, "ok", True):
        raise FitError(str(result.reason))
    return result


def _checked_plane(plane):
    if not callable(getattr(plane, "to_mm", None)):
        raise InputError(f"plane: expected a measuring plane with to_mm(points), given "
                         f"{type(plane).__name__}")
    return plane


@dataclass(frozen=True)
class Tool:
    """Base of the caliper tools: edge settings, name, measuring, placing, flat JSON.

    Subclasses are frozen dataclasses whose fields (except ``name``) are the keyword
    arguments of their finder (``_function``), and declare which fields are points
    (``_points``), lengths (``_lengths``, scaled by a pose) and angles (``_angles``, turned);
    a tuple field's element is named ``(field, index)``.
    """

    edges: EdgeSettings = field(default=EdgeSettings(), kw_only=True)
    name: str = field(default="", kw_only=True)

    #: the recipe's ``"type"`` of this tool (None: not usable in a recipe)
    recipe_type: ClassVar[str | None] = None
    #: the inspection feature its result becomes (None: none)
    feature_type: ClassVar[type | None] = None
    _function: ClassVar[Callable]
    _points: ClassVar[tuple] = ()
    _lengths: ClassVar[tuple] = ()
    _angles: ClassVar[tuple] = ()
    _edge_defaults: ClassVar[dict] = {"transition": "any", "select": "strongest"}

    def __post_init__(self) -> None:
        where = type(self).__name__
        if not isinstance(self.edges, EdgeSettings):
            raise InputError(f"{where}.edges: expected an EdgeSettings, given "
                             f"{type(self.edges).__name__}")
        object.__setattr__(self, "edges", self.edges.with_defaults(**self._edge_defaults))
        if not isinstance(self.name, str):
            raise InputError(f"{where}.name: expected a string, given {self.name!r}")
        for f in self._points:
            object.__setattr__(self, f, _pt(getattr(self, f), f"{where}.{f}"))
        for a in self._angles:
            if isinstance(a, str):
                object.__setattr__(self, a, check_finite(getattr(self, a), f"{where}.{a}"))
        self._validate(where)

    def _validate(self, where: str) -> None:
        """Check the subclass's own fields (raise InputError naming ``where.field``)."""

    # -- running ------------------------------------------------------------------------
    def measure(self, image):
        """Run the tool on ``image`` (its finder with its fields) -> its result type."""
        kw = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}
        return type(self)._function(image, **kw)

    def to_features(self, result, plane) -> ToolFeatures:
        """The result of this (placed) tool as inspection features, in pixels and on the
        measuring plane (``plane.to_mm`` maps image pixels to mm).

        Raises
        ------
        InputError
            The tool has no inspection feature; ``result`` is not this tool's result type or
            ``plane`` has no ``to_mm``.
        FitError
            The result failed (``result.ok`` False: its fit left the calipers' search band);
            the message is its ``reason``.
        """
        raise InputError(f"{type(self).__name__} {self.name!r}: has no inspection feature")

    # -- placing ------------------------------------------------------------------------
    def anchor(self) -> np.ndarray:
        """The tool's first point (where a label goes), shape (2,)."""
        return np.asarray(getattr(self, self._points[0]), dtype=np.float64)

    def mapped(self, point_map: Callable[[np.ndarray], np.ndarray], scale: float,
               turn_deg: float):
        """The tool with its points through ``point_map`` ((N, 2) -> (N, 2)), its lengths
        times ``scale`` and its angles plus ``turn_deg``."""
        if not callable(point_map):
            raise InputError(f"point_map: expected a callable (N, 2) -> (N, 2), given "
                             f"{type(point_map).__name__}")
        scale = check_positive(scale, "scale")
        turn_deg = check_finite(turn_deg, "turn_deg")
        kw: dict[str, Any] = {}
        for f in self._points:
            try:
                p = np.asarray(point_map(np.asarray(getattr(self, f), dtype=np.float64)[None]))
            except MetrologyError:
                raise
            except Exception as exc:     # the caller's map failed: say so, keep the cause
                raise InputError(f"point_map raised {type(exc).__name__}: {exc}") from exc
            if p.shape != (1, 2) or p.dtype.kind not in "biuf":
                raise InputError(f"point_map: expected (1, 2) points back, given shape "
                                 f"{p.shape}")
            kw[f] = _pt(p[0], f"point_map({f})")
        return replace(self, **self._turned(kw, scale, turn_deg))

    def _turned(self, kw: dict, scale: float, turn_deg: float) -> dict:
        """``kw`` (the moved points) with the lengths times ``scale``, the angles plus
        ``turn_deg``."""
        for spec in self._lengths:
            _update(kw, self, spec, lambda v: None if v is None else float(v) * scale)
        for spec in self._angles:
            _update(kw, self, spec, lambda v: float(v) + turn_deg)
        return kw

    def placed(self, pose: Pose2D):
        """The tool moved from the model frame into the image by ``pose``.

        Points are mapped as ``pose.apply`` maps them, lengths multiplied by ``pose.scale``
        (the RANSAC threshold too) and angles turned by ``pose.angle_deg``.  The points are
        turned by one complex product in Python floats (``pose.apply``'s arithmetic without
        its array checks and matrices: the same to rounding, 1e-13 px at 500 px) and the tool
        is built once: a third of the time (CircleTool 70 -> 23 us, LineTool 90 -> 27 us).
        """
        if not isinstance(pose, Pose2D):
            raise InputError(f"pose: expected a Pose2D, given {type(pose).__name__}")
        a = pose.angle_rad
        rot = complex(pose.scale * math.cos(a), pose.scale * math.sin(a))
        shift = complex(pose.x, pose.y)
        kw: dict[str, Any] = {}
        for f in self._points:
            z = rot * complex(*getattr(self, f)) + shift
            kw[f] = (z.real, z.imag)
        fit = getattr(self, "fit", None)
        if fit is not None:
            kw["fit"] = replace(fit, ransac_threshold_px=fit.ransac_threshold_px * pose.scale)
        return replace(self, **self._turned(kw, pose.scale, pose.angle_deg))

    def outline(self) -> list:
        """What to draw (:mod:`metrology.caliper.shapes`): where the tool looks."""
        return []

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self, omit_defaults: bool = False) -> dict:
        """Flat JSON-ready dict with a ``"type"`` key: the tool's fields, the settings' keys
        (``sigma``, ``ransac_threshold_px``, ...) and tuple fields split as in recipe files
        (``caliper_length``, ``arc_start_deg``, ...).  ``omit_defaults``: only the values that
        differ from the defaults (and ``name``).  Inverse: :func:`tool_from_dict`."""
        if not isinstance(omit_defaults, bool):
            raise InputError(f"omit_defaults: expected True or False, given "
                             f"{omit_defaults!r:.40}")
        d = {"type": type(self).__name__}
        defaults = _flat_defaults(type(self)) if omit_defaults else {}
        for k, v in _flat_items(self):
            if k == "name" or k not in defaults or v != defaults[k]:
                d[k] = list(v) if isinstance(v, tuple) else v
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """Build the tool from :meth:`to_dict` output (flat keys), checking every field."""
        where = cls.__name__
        if not isinstance(d, Mapping):
            raise InputError(f"{where}.from_dict: expected a mapping, given {type(d).__name__}")
        if d.get("type", where) not in (where, cls.recipe_type):
            raise InputError(f"{where}.from_dict: given a {d.get('type')!r} dict")
        keys = _flat_keys(cls)
        unknown = set(d) - set(keys) - {"type"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {sorted(map(str, unknown))}")
        hints = typing.get_type_hints(cls)
        kw: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in _SPLIT:
                if any(k in d for k in _SPLIT[f.name]):
                    kinds = typing.get_args(hints[f.name])
                    kw[f.name] = tuple(
                        from_jsonable(tp, d[k], f"{where}.{k}") if k in d else dv
                        for k, dv, tp in zip(_SPLIT[f.name], f.default, kinds))
            elif f.name in ("edges", "fit"):
                sub = {k: d[k] for k in (EDGE_KEYS if f.name == "edges" else FIT_KEYS) if k in d}
                kw[f.name] = hints[f.name].from_dict(sub, where=where)
            elif f.name in d:
                kw[f.name] = from_jsonable(hints[f.name], d[f.name], f"{where}.{f.name}")
            elif f.default is MISSING:
                raise InputError(f"{where}: missing field {f.name!r}")
        try:
            return cls(**kw)
        except TypeError as exc:
            raise InputError(f"{where}: {exc}") from None


def _update(kw: dict, tool: Tool, spec, fn) -> None:
    """Apply ``fn`` to the field (or tuple element ``(field, index)``) ``spec`` into ``kw``."""
    name, index = (spec, None) if isinstance(spec, str) else spec
    current = kw.get(name, getattr(tool, name))
    if index is None and isinstance(current, tuple):
        kw[name] = tuple(fn(v) for v in current)
    elif index is None:
        kw[name] = None if current is None else fn(current)
    else:
        seq = list(current)
        seq[index] = fn(seq[index])
        kw[name] = tuple(seq)


def _flat_items(tool: Tool):
    """(flat key, value) of every field, settings flattened, tuple fields split."""
    for f in fields(tool):
        v = getattr(tool, f.name)
        if f.name in _SPLIT:
            yield from zip(_SPLIT[f.name], v)
        elif f.name in ("edges", "fit"):
            yield from ((g.name, getattr(v, g.name)) for g in fields(v))
        elif f.name != "name":
            yield f.name, v
    yield "name", tool.name


def _flat_keys(cls) -> list[str]:
    out = []
    for f in fields(cls):
        if f.name in _SPLIT:
            out += _SPLIT[f.name]
        elif f.name in ("edges", "fit"):
            out += EDGE_KEYS if f.name == "edges" else FIT_KEYS
        else:
            out.append(f.name)
    return out


def _flat_defaults(cls) -> dict:
    """Flat key -> default value (the resolved default settings)."""
    out = {}
    for f in fields(cls):
        if f.default is MISSING:
            continue
        v = f.default
        if f.name == "edges":
            v = v.with_defaults(**cls._edge_defaults)
        if f.name in _SPLIT:
            out.update(zip(_SPLIT[f.name], v))
        elif f.name in ("edges", "fit"):
            out.update((g.name, getattr(v, g.name)) for g in fields(v))
        else:
            out[f.name] = v
    return out


def _tool(cls):
    """Make ``cls`` a frozen dataclass whose constructor also takes the flat keywords of
    earlier releases (deprecated, see :func:`metrology.caliper.settings.flat_keywords`)."""
    cls = dataclass(frozen=True)(cls)
    cls.__init__ = flat_keywords(cls.__init__)
    return cls


@dataclass(frozen=True)
class _ContourTool(Tool):
    """Tools that fit a shape to many calipers' edges (line, circle, ellipse)."""

    fit: FitSettings = field(default=FitSettings(), kw_only=True)

    def _check_contour(self, where: str, minimum: int) -> None:
        count_calipers(self.num_calipers, minimum, f"{where}.num_calipers")
        object.__setattr__(self, "num_calipers", int(self.num_calipers))
        object.__setattr__(self, "caliper_size", check_size(self.caliper_size,
                                                            f"{where}.caliper_size"))
        if not isinstance(self.fit, FitSettings):
            raise InputError(f"{where}.fit: expected a FitSettings, given "
                             f"{type(self.fit).__name__}")
        if hasattr(self, "arc_deg"):
            object.__setattr__(self, "arc_deg", check_arc(self.arc_deg, f"{where}.arc_deg"))
            check_choice(self.direction, f"{where}.direction", DIRECTIONS)

    def _round_features(self, result, plane, fit_feature) -> ToolFeatures:
        # the caliper's corrected points (blur curvature, sector smear): refit these in mm.
        # They already carry the correction, so it must not be applied again.
        _checked_plane(plane)
        pts = np.asarray(result.fit_points_xy, float).reshape(-1, 2)
        inl = np.asarray(result.inliers, dtype=bool).reshape(-1)
        kept = pts[inl]
        return ToolFeatures(fit_feature(self.name, kept, "px"),
                            fit_feature(self.name, plane.to_mm(kept), "mm"), kept, pts[~inl])


@_tool
class EdgeTool(Tool):
    """One caliper from ``p0_xy`` to ``p1_xy`` measuring edges
    (:func:`~metrology.caliper.measure_edges`)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    width: float = 10.0

    _function = staticmethod(measure_edges)
    _points = ("p0_xy", "p1_xy")
    _lengths = ("width",)
    _edge_defaults = {"transition": "any", "select": "all"}

    def _validate(self, where):
        object.__setattr__(self, "width", check_positive(self.width, f"{where}.width"))

    def outline(self) -> list:
        """The caliper's centre line."""
        return [Segment(self.p0_xy, self.p1_xy, role="tool")]


@_tool
class EdgePairTool(Tool):
    """One caliper measuring stripe widths (:func:`~metrology.caliper.measure_pairs`);
    in a recipe (``"edge_pair"``) its feature is the strongest pair, measured again on each
    1 px strip of the caliper and taken on its centre line (:mod:`metrology.caliper.strips`:
    a wide caliper across a curved edge would report the width averaged over its width)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    width: float = 10.0

    recipe_type = "edge_pair"
    feature_type = PairFeature
    _function = staticmethod(measure_pairs)
    _points = ("p0_xy", "p1_xy")
    _lengths = ("width",)
    _edge_defaults = {"transition": "positive", "select": "all"}

    def _validate(self, where):
        object.__setattr__(self, "width", check_positive(self.width, f"{where}.width"))

    def outline(self) -> list:
        """The caliper's centre line."""
        return [Segment(self.p0_xy, self.p1_xy, role="tool")]

    def measure(self, image):
        """Every pair along the caliper (:func:`~metrology.caliper.measure_pairs`), the
        strongest also in strips (:func:`~metrology.caliper.strips.pair_strips`)."""
        return pair_strips(image, self.p0_xy, self.p1_xy, self.width, self.edges,
                           super().measure(image))

    def to_features(self, result, plane) -> ToolFeatures:
        """The strongest pair as an edge-pair feature: from its strips (the width on the
        caliper's centre line) when the result has them, else from the wide profile; each
        width uncertainty scaled to mm by the plane's local scale along the profile."""
        _checked_result(self, result, PairResult)
        _checked_plane(plane)
        first = np.asarray(result.first.points_xy, float).reshape(-1, 2)
        second = np.asarray(result.second.points_xy, float).reshape(-1, 2)
        if len(first) == 0:
            raise EdgeNotFoundError(f"{self.name}: no edge pair found")
        strips = getattr(result, "strips", None)
        if strips is not None:
            a_px, b_px = strips.first_xy, strips.second_xy
            s_px, c = np.asarray(strips.std_edges_px, float), strips.weights
        else:
            k = strongest_pair(result)
            std = np.asarray(result.std_width_px, float).reshape(-1)
            a_px, b_px = first[k:k + 1], second[k:k + 1]
            s_px, c = np.array([std[k] if std.size > k else math.nan]), None
        a_mm, b_mm = plane.to_mm(a_px), plane.to_mm(b_px)
        # mm per px along the pair, per strip (the edges' uncertainties scale with it)
        scale = np.hypot(*(b_mm - a_mm).T) / np.maximum(np.hypot(*(b_px - a_px).T), 1e-12)
        s_px = s_px if np.all(np.isfinite(s_px)) else None
        return ToolFeatures(pair_feature(self.name, a_px, b_px, "px", s_px, c),
                            pair_feature(self.name, a_mm, b_mm, "mm",
                                         None if s_px is None else s_px * scale, c),
                            np.concatenate([a_px, b_px]), np.empty((0, 2)))


@_tool
class LineTool(_ContourTool):
    """Find a straight edge along ``p0_xy -> p1_xy`` (:func:`~metrology.caliper.find_line`)."""

    p0_xy: tuple[float, float]
    p1_xy: tuple[float, float]
    num_calipers: int = 20
    caliper_size: tuple[float | None, float | None] = (24.0, None)

    recipe_type = "line"
    feature_type = LineFeature
    _function = staticmethod(find_line)
    _points = ("p0_xy", "p1_xy")
    _lengths = ("caliper_size",)

    def _validate(self, where):
        self._check_contour(where, 2)

    def outline(self) -> list:
        """The expected segment."""
        return [Segment(self.p0_xy, self.p1_xy, role="tool")]

    def to_features(self, result, plane) -> ToolFeatures:
        """The inlier edge points as a line feature, oriented along ``p0 -> p1`` in each
        space."""
        _checked_result(self, result, LineResult)
        _checked_plane(plane)
        pts = np.asarray(result.points_xy, float).reshape(-1, 2)
        inl = np.asarray(result.inliers, dtype=bool).reshape(-1)
        kept = pts[inl]
        ends_px = np.array([self.p0_xy, self.p1_xy], float)
        ends_mm = plane.to_mm(ends_px)
        return ToolFeatures(line_feature(self.name, kept, "px", ends_px[1] - ends_px[0]),
                            line_feature(self.name, plane.to_mm(kept), "mm",
                                         ends_mm[1] - ends_mm[0]), kept, pts[~inl])


@_tool
class CircleTool(_ContourTool):
    """Find a circle or arc (:func:`~metrology.caliper.find_circle`)."""

    center_xy: tuple[float, float]
    radius: float
    num_calipers: int = 32
    caliper_size: tuple[float | None, float | None] = (None, None)
    arc_deg: tuple[float, float] = (0.0, 360.0)
    direction: str = "outward"

    recipe_type = "circle"
    feature_type = CircleFeature
    _function = staticmethod(find_circle)
    _points = ("center_xy",)
    _lengths = ("radius", "caliper_size")
    _angles = (("arc_deg", 0),)

    def _validate(self, where):
        object.__setattr__(self, "radius", check_positive(self.radius, f"{where}.radius"))
        self._check_contour(where, 3)

    def outline(self) -> list:
        """The expected circle."""
        return [Circle(self.center_xy, self.radius, role="tool")]

    def to_features(self, result, plane) -> ToolFeatures:
        """The curvature-corrected inlier points as a circle feature."""
        _checked_result(self, result, CircleResult)
        return self._round_features(result, plane, circle_feature)


@_tool
class EllipseTool(_ContourTool):
    """Find an ellipse (:func:`~metrology.caliper.find_ellipse`)."""

    center_xy: tuple[float, float]
    semi_axes: tuple[float, float]
    angle_deg: float = 0.0
    num_calipers: int = 48
    caliper_size: tuple[float | None, float | None] = (None, None)
    arc_deg: tuple[float, float] = (0.0, 360.0)
    direction: str = "outward"

    recipe_type = "ellipse"
    feature_type = EllipseFeature
    _function = staticmethod(find_ellipse)
    _points = ("center_xy",)
    _lengths = ("semi_axes", "caliper_size")
    _angles = ("angle_deg", ("arc_deg", 0))

    def _validate(self, where):
        ax = _pt(self.semi_axes, f"{where}.semi_axes")
        if min(ax) <= 0:
            raise InputError(f"{where}.semi_axes: expected positive, given {list(ax)}")
        object.__setattr__(self, "semi_axes", ax)
        self._check_contour(where, 5)

    def outline(self) -> list:
        """The expected ellipse."""
        return [Ellipse(self.center_xy, self.semi_axes, self.angle_deg, role="tool")]

    def to_features(self, result, plane) -> ToolFeatures:
        """The curvature-corrected inlier points as an ellipse feature."""
        _checked_result(self, result, EllipseResult)
        return self._round_features(result, plane, ellipse_feature)


#: every tool class, by class name (a new tool type is added here)
TOOL_TYPES: dict[str, type[Tool]] = {c.__name__: c for c in (EdgeTool, EdgePairTool, LineTool,
                                                            CircleTool, EllipseTool)}
#: recipe ``"type"`` -> tool class
RECIPE_TYPES: dict[str, type[Tool]] = {c.recipe_type: c for c in TOOL_TYPES.values()
                                       if c.recipe_type}


def tool_class(tag: Any) -> type[Tool]:
    """The tool class of a ``"type"`` tag: a class name (``"CircleTool"``) or a recipe type
    (``"circle"``).

    Raises
    ------
    InputError
        Unknown tag.
    """
    cls = (TOOL_TYPES.get(tag) or RECIPE_TYPES.get(tag)) if isinstance(tag, str) else None
    if cls is None:
        raise InputError(f"unknown tool type {tag!r}; expected one of "
                         f"{sorted(RECIPE_TYPES) + sorted(TOOL_TYPES)}")
    return cls


def tool_from_dict(d: Mapping[str, Any]) -> Tool:
    """Rebuild any caliper tool from its ``to_dict()`` (dispatch on ``"type"``: a class name
    or a recipe type).

    Raises
    ------
    InputError
        Unknown type, unknown or missing fields, or invalid values.
    """
    if not isinstance(d, Mapping) or "type" not in d:
        raise InputError("tool_from_dict: expected a mapping with a 'type' field")
    try:
        cls = tool_class(d["type"])
    except InputError as exc:
        raise InputError(f"tool_from_dict: {exc}") from None
    return cls.from_dict(d)
