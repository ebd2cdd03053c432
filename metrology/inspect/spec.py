"""The pieces of a recipe as data: tools in the model frame, derived measurements, tolerances.

Everything here is plain, frozen, JSON-round-tripping data.  Parsing (``*.from_dict``) checks
every field and raises :class:`~metrology.errors.FileFormatError` naming it (``"tools[2].radius:
expected a positive number, given -3"``), so a bad recipe fails when it is loaded, not in the
middle of a batch.

Tools are :mod:`metrology.caliper`'s placeable tool specs (``CircleTool``, ``LineTool``,
``EllipseTool``, ``EdgePairTool``: every tool class with a ``recipe_type``).  Their coordinates
are **pixels in the model frame** (the frame in which
:class:`metrology.match.Match` poses are expressed: template pixels relative to the model's
origin).  A match pose moves them into the image, exactly as HALCON's ``align_metrology_model``
does.  Without a model (fixtured parts) the model frame is the image frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import FileFormatError, InputError

__all__ = ["Tolerance", "MeasurementSpec", "Datum", "MEASUREMENT_TYPES", "parse_tool",
           "tool_to_dict", "tool_kind", "parse_measurement"]


# --------------------------------------------------------------------------------------------
# small validators (FileFormatError naming the field)
# --------------------------------------------------------------------------------------------
def _where(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _get(doc: Mapping, key: str, where: str, required: bool = True, default: Any = None) -> Any:
    if not isinstance(doc, Mapping):
        raise FileFormatError(f"{where}: expected an object, given {type(doc).__name__}")
    if key not in doc:
        if required:
            raise FileFormatError(f"{_where(where, key)}: missing field")
        return default
    return doc[key]


def _number(doc: Mapping, key: str, where: str, *, required: bool = True, default: Any = None,
            positive: bool = False, nonneg: bool = False, integer: bool = False) -> Any:
    v = _get(doc, key, where, required, default)
    if v is None and not required:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FileFormatError(f"{_where(where, key)}: expected a number, given "
                              f"{type(v).__name__} {v!r}")
    if not math.isfinite(v):
        raise FileFormatError(f"{_where(where, key)}: expected a finite number, given {v!r}")
    if integer and int(v) != v:
        raise FileFormatError(f"{_where(where, key)}: expected an integer, given {v!r}")
    if positive and v <= 0:
        raise FileFormatError(f"{_where(where, key)}: expected a positive number, given {v!r}")
    if nonneg and v < 0:
        raise FileFormatError(f"{_where(where, key)}: expected a number >= 0, given {v!r}")
    return int(v) if integer else float(v)


def _point(doc: Mapping, key: str, where: str) -> tuple[float, float]:
    v = _get(doc, key, where)
    if (not isinstance(v, (list, tuple)) or len(v) != 2
            or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in v)
            or not all(math.isfinite(c) for c in v)):
        raise FileFormatError(f"{_where(where, key)}: expected a point [x, y] of two finite "
                              f"numbers, given {v!r}")
    return float(v[0]), float(v[1])


def _name(doc: Mapping, key: str, where: str, required: bool = True) -> str | None:
    v = _get(doc, key, where, required)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v.strip():
        raise FileFormatError(f"{_where(where, key)}: expected a non-empty string, given {v!r}")
    return v


def _choice(doc: Mapping, key: str, where: str, choices: tuple[str, ...], default: str) -> str:
    v = _get(doc, key, where, False, default)
    if v not in choices:
        raise FileFormatError(f"{_where(where, key)}: expected one of {list(choices)}, "
                              f"given {v!r}")
    return v


def _no_unknown(doc: Mapping, allowed: set[str], where: str) -> None:
    unknown = sorted(map(str, set(doc) - allowed))
    if unknown:
        raise FileFormatError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}")


# --------------------------------------------------------------------------------------------
# tolerance
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerance:
    """A nominal value with its lower and upper deviation limits (``lower <= 0 <= upper``).

    ``unit`` is ``"mm"`` for lengths and ``"deg"`` for angles.  A value passes when
    ``nominal + lower <= value <= nominal + upper``.

    Examples
    --------
    >>> t = Tolerance(6.0, -0.02, 0.02, "mm")
    >>> t.check(6.015), t.check(5.97)
    (True, False)
    """

    nominal: float
    lower: float
    upper: float
    unit: str = "mm"
    has_nominal = True

    def __post_init__(self) -> None:
        if not all(_is_real(getattr(self, f)) and math.isfinite(getattr(self, f))
                   for f in ("nominal", "lower", "upper")):
            raise FileFormatError("tolerance: nominal and limits must be finite numbers")
        if not isinstance(self.unit, str) or not self.unit:
            raise FileFormatError(f"tolerance: unit: expected 'mm' or 'deg', given "
                                  f"{self.unit!r:.40}")
        for f in ("nominal", "lower", "upper"):
            object.__setattr__(self, f, float(getattr(self, f)))
        if self.lower > self.upper:
            raise FileFormatError(f"tolerance: lower deviation {self.lower} is above upper "
                                  f"deviation {self.upper}")

    @property
    def min(self) -> float:
        """Smallest passing value."""
        return self.nominal + self.lower

    @property
    def max(self) -> float:
        """Largest passing value."""
        return self.nominal + self.upper

    def check(self, value: float) -> bool:
        """True when ``value`` lies inside the limits (NaN never passes).

        Raises
        ------
        InputError
            ``value`` is not a number.
        """
        if not _is_real(value):
            raise InputError(f"value: expected a number, given {value!r:.40}")
        return bool(self.min <= value <= self.max)

    def to_dict(self) -> dict:
        u = self.unit
        if self.lower == -self.upper:
            return {f"nominal_{u}": self.nominal, f"tolerance_{u}": self.upper}
        return {f"nominal_{u}": self.nominal, f"tolerance_{u}": [self.lower, self.upper]}

    @classmethod
    def from_dict(cls, doc: Mapping, where: str, unit: str) -> "Tolerance | None":
        """Parse ``nominal_<unit>`` with ``tolerance_<unit>`` (``t`` for +-t or ``[lower,
        upper]`` deviations), or ``min_<unit>`` / ``max_<unit>`` limits.  Returns None when the
        measurement has no tolerance (it is then reported, never failed)."""
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where!s:.60}: expected a mapping, given "
                                  f"{type(doc).__name__}")
        if not isinstance(unit, str) or unit not in ("mm", "deg"):
            raise InputError(f"unit: expected 'mm' or 'deg', given {unit!r:.40}")
        nk, tk, lo_k, hi_k = f"nominal_{unit}", f"tolerance_{unit}", f"min_{unit}", f"max_{unit}"
        has_nom, has_lim = nk in doc, (lo_k in doc or hi_k in doc)
        if has_nom and has_lim:
            raise FileFormatError(f"{where}: give either {nk!r} with {tk!r} or {lo_k!r}/{hi_k!r}, "
                                  f"not both")
        if has_lim:
            lo = _number(doc, lo_k, where, required=False, default=-math.inf) \
                if doc.get(lo_k) is not None else -math.inf
            hi = _number(doc, hi_k, where, required=False, default=math.inf) \
                if doc.get(hi_k) is not None else math.inf
            if lo > hi:
                raise FileFormatError(f"{where}: {lo_k} = {lo} is above {hi_k} = {hi}")
            if math.isinf(lo) and math.isinf(hi):
                raise FileFormatError(f"{where}: give at least one of {lo_k!r}, {hi_k!r}")
            return _OneSided(lo, hi, unit)
        if not has_nom:
            if tk in doc:
                raise FileFormatError(f"{_where(where, nk)}: missing field (needed with {tk!r})")
            return None
        nominal = _number(doc, nk, where)
        tol = _get(doc, tk, where)
        if isinstance(tol, (list, tuple)):
            if (len(tol) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                     for v in tol)):
                raise FileFormatError(f"{_where(where, tk)}: expected t (for +-t) or [lower, "
                                      f"upper] deviations, given {tol!r}")
            lower, upper = float(tol[0]), float(tol[1])
            if not (lower <= 0 <= upper):
                raise FileFormatError(f"{_where(where, tk)}: expected lower <= 0 <= upper "
                                      f"deviations from the nominal, given {tol!r}")
        else:
            t = _number(doc, tk, where, nonneg=True)
            lower, upper = -t, t
        return cls(nominal, lower, upper, unit)


def _names(v: Any, str_ok: bool = True) -> bool:
    """A list/tuple of non-empty strings (``str_ok``) or else of finite real numbers."""
    if not isinstance(v, (list, tuple)):
        return False
    if str_ok:
        return all(isinstance(x, str) and x.strip() for x in v)
    return all(_is_real(x) and math.isfinite(x) for x in v)


def _is_real(v: Any) -> bool:
    """A real number (int/float, NumPy's too), not a bool."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool,
                                                                                       np.bool_))


class _OneSided(Tolerance):
    """Limits without a nominal (``min_mm`` / ``max_mm``); ``nominal`` is 0 and the limits are
    absolute.  Kept as a subclass so ``to_dict`` writes the same fields back."""

    has_nominal = False

    def __init__(self, lo: float, hi: float, unit: str):
        object.__setattr__(self, "nominal", 0.0)
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "unit", unit)

    def __post_init__(self) -> None:  # limits may be infinite on one side
        pass

    def to_dict(self) -> dict:
        d = {}
        if math.isfinite(self.lower):
            d[f"min_{self.unit}"] = self.lower
        if math.isfinite(self.upper):
            d[f"max_{self.unit}"] = self.upper
        return d

    def __repr__(self) -> str:
        return f"Limits(min={self.lower}, max={self.upper}, unit={self.unit!r})"


# --------------------------------------------------------------------------------------------
# tools (model frame): the caliper layer's placeable tool specs
# --------------------------------------------------------------------------------------------
def tool_kind(tool: Any) -> str:
    """The recipe ``type`` of a caliper tool object (``"circle"``, ``"line"``, ...; the tool
    class's ``recipe_type``).

    Raises
    ------
    FileFormatError
        The tool cannot be used in a recipe.
    """
    kind = getattr(type(tool), "recipe_type", None)
    if kind is None:
        raise FileFormatError(f"tool {getattr(tool, 'name', '?')!r}: {type(tool).__name__} "
                              f"cannot be used in a recipe; expected one of "
                              f"{sorted(c.__name__ for c in _recipe_types().values())}")
    return kind


def _recipe_types() -> dict:
    from ..caliper.plan import RECIPE_TYPES

    return RECIPE_TYPES


def parse_tool(doc: Any, where: str) -> Any:
    """Parse one entry of a recipe's ``tools`` list into a :mod:`metrology.caliper` tool in
    the model frame.

    The entry is the caliper tool's own flat dict (``center_xy``, ``radius``, ``p0_xy``, ...,
    edge and fit settings such as ``sigma`` or ``ransac_threshold_px``) with ``type`` given as
    the tool's recipe type (``circle``, ``line``, ``ellipse``, ``edge_pair``) or its class name,
    and a required, unique ``name``.
    """
    from ..caliper.plan import tool_class
    from ..errors import InputError

    if not isinstance(doc, Mapping):
        raise FileFormatError(f"{where}: expected an object, given {type(doc).__name__}")
    kind = _get(doc, "type", where)
    try:
        cls = tool_class(kind)
    except InputError:
        cls = None
    if cls is None or cls.recipe_type is None:
        raise FileFormatError(f"{where}.type: unknown tool type {kind!r}; expected one of "
                              f"{sorted(_recipe_types())}")
    _name(doc, "name", where)
    try:
        return cls.from_dict({**doc, "type": cls.__name__})
    except InputError as exc:
        msg = str(exc)
        for prefix in (f"{cls.__name__}.from_dict: ", f"{cls.__name__}: ",
                       f"{cls.__name__}."):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
                break
        raise FileFormatError(f"{where} ({doc.get('name')!r}): {msg}") from None


def tool_to_dict(tool: Any) -> dict:
    """Compact recipe entry of a caliper tool: ``type``, ``name``, then the flat keys whose
    values differ from their defaults (inverse of :func:`parse_tool`)."""
    from ..caliper import Tool

    if not isinstance(tool, Tool):
        raise InputError(f"tool: expected a caliper Tool, given {type(tool).__name__}")
    d = tool.to_dict(omit_defaults=True)
    d.pop("type")
    return {"type": tool_kind(tool), "name": d.pop("name"), **d}


# --------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Datum:
    """A datum frame on the measuring plane: origin at the point of feature ``origin`` (a
    circle/ellipse/edge-pair centre, or the intersection of ``origin`` with ``x_axis`` when
    ``origin`` is a line), x along the oriented line ``x_axis``; y is x turned by +90 deg in the
    mm frame, or, with ``y_towards``, the perpendicular pointing towards that feature."""

    origin: str
    x_axis: str
    y_towards: str | None = None

    def __post_init__(self) -> None:
        for f in ("origin", "x_axis", "y_towards"):
            v = getattr(self, f)
            if not (isinstance(v, str) and v) and not (f == "y_towards" and v is None):
                raise FileFormatError(f"Datum.{f}: expected a feature name, given {v!r:.40}")

    def features(self) -> tuple[str, ...]:
        return tuple(f for f in (self.origin, self.x_axis, self.y_towards) if f)

    def to_dict(self) -> dict:
        d = {"origin": self.origin, "x_axis": self.x_axis}
        if self.y_towards:
            d["y_towards"] = self.y_towards
        return d

    @classmethod
    def from_dict(cls, doc: Any, where: str) -> "Datum":
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where}: expected an object {{origin, x_axis}}, given "
                                  f"{type(doc).__name__}")
        _no_unknown(doc, {"origin", "x_axis", "y_towards"}, where)
        return cls(_name(doc, "origin", where), _name(doc, "x_axis", where),
                   _name(doc, "y_towards", where, required=False))


MEASUREMENT_TYPES = ("diameter", "radius", "width", "distance", "angle", "position")
_WHICH = ("mean", "major", "minor")
_AXES = ("x", "y", "true_position")
#: measurement types whose circles may be held tangent to lines (``tangent_to``)
_TANGENT_TYPES = ("diameter", "radius", "distance", "position")


@dataclass(frozen=True)
class MeasurementSpec:
    """A derived measurement with its tolerance.

    ``type``:

    * ``diameter`` / ``radius`` of a circle (or ellipse, with ``which`` = mean | major | minor);
    * ``width`` of an edge pair;
    * ``distance`` between two features: point-point, point-line or line-line (a circle,
      ellipse or edge pair counts as its centre point; line-line is the mean distance of each
      segment's midpoint to the other line, meant for near-parallel edges);
    * ``angle`` between two oriented lines (deg, 0..180);
    * ``position`` of a feature's point in a :class:`Datum` frame: ``axis`` x, y (mm) or
      ``true_position`` (the diameter of the smallest circle around the nominal
      ``nominal_xy_mm`` that contains the measured point, 2*|p - nominal|, checked against
      ``max_mm``, the diameter of the tolerance zone).

    ``tangent_to`` (diameter, radius, distance, position): lines that the measurement's circles
    touch (a fillet and its two edges, a slot end and the slot's flanks); the circles are then
    fitted jointly with those lines, tangent to them (:mod:`metrology.inspect.tangent`), which
    makes a short arc's radius and centre several times more precise.
    """

    name: str
    type: str
    features: tuple[str, ...]
    tolerance: Tolerance | None = None
    which: str = "mean"
    datum: Datum | None = None
    axis: str = "x"
    nominal_xy_mm: tuple[float, float] | None = None
    tangent_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"MeasurementSpec({self.name!r:.40})"
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"{where}.name: expected a non-empty string")
        if self.type not in MEASUREMENT_TYPES:
            raise InputError(f"{where}.type: expected one of {list(MEASUREMENT_TYPES)}, given "
                             f"{self.type!r:.40}")
        n = 2 if self.type in ("distance", "angle") else 1
        if not _names(self.features) or len(self.features) != n:
            raise InputError(f"{where}.features: expected {n} feature name(s), given "
                             f"{self.features!r:.60}")
        if self.tolerance is not None and not isinstance(self.tolerance, Tolerance):
            raise InputError(f"{where}.tolerance: expected a Tolerance or None")
        if self.which not in _WHICH or self.axis not in _AXES:
            raise InputError(f"{where}: which must be one of {_WHICH} and axis one of {_AXES}")
        if (self.datum is None) != (self.type != "position") or (
                self.datum is not None and not isinstance(self.datum, Datum)):
            raise InputError(f"{where}.datum: a position needs a Datum (and only a position)")
        xy = self.nominal_xy_mm
        if xy is not None and not (_names(xy, str_ok=False) and len(xy) == 2):
            raise InputError(f"{where}.nominal_xy_mm: expected (x, y) finite mm, given "
                             f"{xy!r:.60}")
        if not _names(self.tangent_to):
            raise InputError(f"{where}.tangent_to: expected line names, given "
                             f"{self.tangent_to!r:.60}")
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "tangent_to", tuple(self.tangent_to))
        if xy is not None:
            object.__setattr__(self, "nominal_xy_mm", (float(xy[0]), float(xy[1])))

    @property
    def unit(self) -> str:
        return "deg" if self.type == "angle" else "mm"

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.type in ("diameter", "radius", "width", "position"):
            d["feature"] = self.features[0]
        else:
            d["from"], d["to"] = self.features
        if self.type in ("diameter", "radius") and self.which != "mean":
            d["which"] = self.which
        if self.type == "position":
            d["datum"] = self.datum.to_dict()
            d["axis"] = self.axis
            if self.nominal_xy_mm is not None:
                d["nominal_xy_mm"] = list(self.nominal_xy_mm)
        if self.tangent_to:
            d["tangent_to"] = list(self.tangent_to)
        if self.tolerance is not None:
            d.update(self.tolerance.to_dict())
        return d

    @classmethod
    def from_dict(cls, doc: Any, where: str) -> "MeasurementSpec":
        kind = _get(doc, "type", where)
        if kind not in MEASUREMENT_TYPES:
            raise FileFormatError(f"{where}.type: unknown measurement type {kind!r}; expected "
                                  f"one of {list(MEASUREMENT_TYPES)}")
        unit = "deg" if kind == "angle" else "mm"
        tol_keys = {f"nominal_{unit}", f"tolerance_{unit}", f"min_{unit}", f"max_{unit}"}
        if kind in _TANGENT_TYPES:   # not a tolerance key: allowed beside them
            tol_keys = tol_keys | {"tangent_to"}
        name = _name(doc, "name", where)
        which, datum, axis, nominal_xy = "mean", None, "x", None
        if kind in ("diameter", "radius", "width"):
            _no_unknown(doc, {"name", "type", "feature", "which"} | tol_keys, where)
            features = (_name(doc, "feature", where),)
            if kind != "width":
                which = _choice(doc, "which", where, _WHICH, "mean")
        elif kind in ("distance", "angle"):
            _no_unknown(doc, {"name", "type", "from", "to"} | tol_keys, where)
            features = (_name(doc, "from", where), _name(doc, "to", where))
            if features[0] == features[1]:
                raise FileFormatError(f"{where}: 'from' and 'to' name the same feature "
                                      f"{features[0]!r}")
        else:  # position
            _no_unknown(doc, {"name", "type", "feature", "datum", "axis", "nominal_xy_mm"}
                        | tol_keys, where)
            features = (_name(doc, "feature", where),)
            datum = Datum.from_dict(_get(doc, "datum", where), f"{where}.datum")
            axis = _choice(doc, "axis", where, _AXES, "x")
            if axis == "true_position":
                nominal_xy = _point(doc, "nominal_xy_mm", where)
            elif "nominal_xy_mm" in doc:
                raise FileFormatError(f"{where}.nominal_xy_mm: only used with axis "
                                      f"'true_position'")
        if kind == "position" and axis == "true_position" and (
                "nominal_mm" in doc or "tolerance_mm" in doc or "min_mm" in doc):
            raise FileFormatError(f"{where}: a true-position zone takes only 'max_mm' (the "
                                  f"zone diameter); the nominal point is nominal_xy_mm")
        tangent = _tangent_to(doc, where, features)
        tol = Tolerance.from_dict(doc, where, unit)
        return cls(name=name, type=kind, features=features, tolerance=tol, which=which,
                   datum=datum, axis=axis, nominal_xy_mm=nominal_xy, tangent_to=tangent)


def _tangent_to(doc: Mapping, where: str, features: tuple[str, ...]) -> tuple[str, ...]:
    v = doc.get("tangent_to", [])
    if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) and x.strip() for x in v):
        raise FileFormatError(f"{where}.tangent_to: expected a list of line names, given {v!r}")
    if len(set(v)) != len(v) or set(v) & set(features):
        raise FileFormatError(f"{where}.tangent_to: expected distinct lines other than the "
                              f"measured features, given {list(v)!r}")
    return tuple(v)


def parse_measurement(doc: Any, where: str) -> MeasurementSpec:
    """Parse one entry of a recipe's ``measurements`` list."""
    return MeasurementSpec.from_dict(doc, where)
