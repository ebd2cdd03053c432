"""ISO 2768-1 general tolerances: linear dimensions, radii/chamfers and angles.

A drawing that says "general tolerances ISO 2768-m" gives every dimension without its own
tolerance a symmetric deviation taken from a table, by tolerance class (``f`` fine, ``m``
medium, ``c`` coarse, ``v`` very coarse) and by the size of the nominal.  The values below are
the published ranges of ISO 2768-1:1989, tables 1-3 (facts, in mm and degrees):

* **linear dimensions** (table 1), nominal size ranges 0.5-3, >3-6, >6-30, >30-120, >120-400,
  >400-1000, >1000-2000, >2000-4000 mm;
* **external radii and chamfer heights** (table 2), ranges 0.5-3, >3-6, >6 mm;
* **angular dimensions** (table 3), by the length of the *shorter leg* of the angle: up to 10,
  >10-50, >50-120, >120-400, >400 mm.

Where the standard gives no value (nominal below 0.5 mm, class ``v`` below 3 mm, class ``f``
above 2000 mm) the deviation "shall be indicated adjacent to the nominal": :func:`general_tolerance`
returns None there and the recipe reports the measurement without failing it.

Examples
--------
>>> general_tolerance(25.0, "linear", "m")
0.2
>>> general_tolerance(4.0, "radius", "f")
0.5
>>> round(general_tolerance(90.0, "angle", "m", leg_mm=35.0), 4)   # +-0 deg 30'
0.5
>>> parse_tolerance("ISO2768-c").cls, parse_tolerance(0.02).fixed
('c', 0.02)
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from ..core.checks import check_choice, check_finite, check_positive
from ..errors import InputError

__all__ = ["ISO2768_CLASSES", "LINEAR_TABLE", "RADIUS_TABLE", "ANGLE_TABLE",
           "general_tolerance", "ToleranceRule", "parse_tolerance"]

ISO2768_CLASSES = ("f", "m", "c", "v")

#: upper bounds (mm) of the nominal size ranges of table 1 (the first range starts at 0.5)
_LINEAR_BOUNDS = (3.0, 6.0, 30.0, 120.0, 400.0, 1000.0, 2000.0, 4000.0)
#: permissible deviations +- (mm) of table 1; None where the standard gives none
LINEAR_TABLE: dict[str, tuple[float | None, ...]] = {
    "f": (0.05, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, None),
    "m": (0.1, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0),
    "c": (0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0, 4.0),
    "v": (None, 0.5, 1.0, 1.5, 2.5, 4.0, 6.0, 8.0),
}
#: upper bounds (mm) of the ranges of table 2 (radii, chamfer heights); the last is open
_RADIUS_BOUNDS = (3.0, 6.0, math.inf)
RADIUS_TABLE: dict[str, tuple[float, ...]] = {
    "f": (0.2, 0.5, 1.0), "m": (0.2, 0.5, 1.0), "c": (0.4, 1.0, 2.0), "v": (0.4, 1.0, 2.0),
}
#: upper bounds (mm) of the shorter-leg ranges of table 3; the last is open
_ANGLE_BOUNDS = (10.0, 50.0, 120.0, 400.0, math.inf)
#: permissible deviations +- in degrees (1 deg, 30', 20', 10', 5' for f/m ...)
ANGLE_TABLE: dict[str, tuple[float, ...]] = {
    "f": (1.0, 0.5, 20 / 60, 10 / 60, 5 / 60),
    "m": (1.0, 0.5, 20 / 60, 10 / 60, 5 / 60),
    "c": (1.5, 1.0, 0.5, 15 / 60, 10 / 60),
    "v": (3.0, 2.0, 1.0, 0.5, 20 / 60),
}


def _range_index(bounds: tuple[float, ...], size: float) -> int:
    """Index of the range ``(bounds[i-1], bounds[i]]`` holding ``size``."""
    return bisect.bisect_left(bounds, size)


def general_tolerance(nominal: float, kind: str = "linear", cls: str = "m", *,
                      leg_mm: float | None = None) -> float | None:
    """The ISO 2768-1 permissible deviation (+- value) of one dimension.

    Parameters
    ----------
    nominal : float
        Nominal size in mm (linear, radius) or degrees (angle).
    kind : {"linear", "radius", "angle"}
        ``linear`` for lengths, widths, diameters, distances and positions; ``radius`` for
        external radii and chamfer heights; ``angle`` for angular dimensions.
    cls : {"f", "m", "c", "v"}
    leg_mm : float, optional
        Angles only: length of the shorter leg of the angle (mm), which selects the row.

    Returns
    -------
    float or None
        The deviation (mm, or degrees for angles); None where the standard gives no general
        tolerance (nominal below 0.5 mm, class v below 3 mm, class f above 2000 mm) or above
        its largest range (4000 mm).
    """
    if not isinstance(cls, str) or cls not in ISO2768_CLASSES:
        raise InputError(f"ISO 2768 class: expected one of {list(ISO2768_CLASSES)}, given {cls!r}")
    size = check_finite(nominal, "nominal")
    check_choice(kind, "kind", ("linear", "radius", "angle"))
    if kind == "angle":
        if leg_mm is None:
            raise InputError("leg_mm: an angular tolerance needs the length of the shorter leg "
                             "(mm > 0), given None")
        leg = check_positive(leg_mm, "leg_mm")
        return ANGLE_TABLE[cls][_range_index(_ANGLE_BOUNDS, leg)]
    size = abs(size)
    if size < 0.5:
        return None
    if kind == "radius":
        return RADIUS_TABLE[cls][_range_index(_RADIUS_BOUNDS, size)]
    if kind != "linear":
        raise InputError(f"kind: expected 'linear', 'radius' or 'angle', given {kind!r}")
    i = _range_index(_LINEAR_BOUNDS, size)
    if i >= len(_LINEAR_BOUNDS):
        return None
    return LINEAR_TABLE[cls][i]


@dataclass(frozen=True)
class ToleranceRule:
    """How a taught recipe gets its tolerances: an ISO 2768-1 class or a fixed +- value.

    ``fixed`` (mm) and ``fixed_deg`` apply to every length and angle; otherwise ``cls``
    selects the ISO 2768-1 row by nominal size.
    """

    cls: str | None = "m"
    fixed: float | None = None
    fixed_deg: float | None = None

    def __post_init__(self):
        if self.cls is not None and (not isinstance(self.cls, str)
                                     or self.cls not in ISO2768_CLASSES):
            raise InputError(f"cls: expected one of {list(ISO2768_CLASSES)} or None, given "
                             f"{self.cls!r}")
        for name in ("fixed", "fixed_deg"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, check_positive(v, name))
        if self.cls is None and self.fixed is None:
            raise InputError("ToleranceRule: give an ISO 2768 class (cls) or a fixed +- value")

    def deviation(self, nominal: float, kind: str, leg_mm: float | None = None) -> float | None:
        """+- deviation for one dimension (see :func:`general_tolerance`).

        Examples
        --------
        >>> ToleranceRule("m").deviation(25.0, "linear")
        0.2
        """
        if kind == "angle" and self.fixed_deg is not None:
            return self.fixed_deg
        if kind != "angle" and self.fixed is not None:
            return self.fixed
        if self.cls is None:
            return None
        return general_tolerance(nominal, kind, self.cls, leg_mm=leg_mm)

    def describe(self) -> str:
        if self.fixed is not None:
            deg = f", +-{self.fixed_deg:g} deg" if self.fixed_deg is not None else ""
            return f"+-{self.fixed:g} mm{deg}"
        return f"ISO 2768-{self.cls}"


_ISO_RE = re.compile(r"^\s*(?:ISO\s*)?2768\s*-?\s*(?:1\s*-?\s*)?([fmcvFMCV])\w?\s*$")


def parse_tolerance(spec: "str | float | ToleranceRule | tuple") -> ToleranceRule:
    """Read a tolerance option: ``"ISO2768-m"`` (also ``"ISO 2768-1 f"``, ``"2768-mK"``),
    a fixed ``0.02`` (mm, angles then +-0.5 deg unless given), ``(0.02, 0.1)`` (mm, deg),
    or a :class:`ToleranceRule`."""
    if isinstance(spec, ToleranceRule):
        return spec
    if isinstance(spec, str):
        m = _ISO_RE.match(spec)
        if not m:
            raise InputError(f"tolerance: expected 'ISO2768-f|m|c|v' or a number of mm, given "
                             f"{spec!r}")
        return ToleranceRule(cls=m.group(1).lower())
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        mm, deg = (check_positive(v, "tolerance") for v in spec)
    elif isinstance(spec, (int, float)) and not isinstance(spec, bool):
        mm, deg = check_positive(spec, "tolerance"), 0.5
    else:
        raise InputError(f"tolerance: expected 'ISO2768-m', a number of mm or (mm, deg), given "
                         f"{type(spec).__name__} {str(spec)[:60]!r}")
    return ToleranceRule(cls=None, fixed=mm, fixed_deg=deg)
