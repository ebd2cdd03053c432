"""Part geometry in millimetres: straight segments, circular and elliptical arcs, closed loops.

This is what a drawing (:mod:`metrology.teach.dxf`) and a golden image
(:mod:`metrology.teach.segment`) are both turned into, and what the measurement proposals
(:mod:`metrology.teach.proposals`) and the tools are built from.

Frame: the **part frame**, x to the right and y *down* (the image convention), millimetres.  A
DXF drawing (y up) is mirrored into it on reading (``y -> -y``); angles are degrees from +x
towards +y (clockwise on screen), as everywhere in the library.

An :class:`Arc` runs from ``start_deg`` over a signed ``extent_deg`` (positive: increasing
angle); ``|extent_deg| == 360`` is a full circle.  :class:`EllipseArc` is the same for an
ellipse (angles are the ellipse's parameter ``t``: point ``c + a cos t u + b sin t v``).
:class:`Polyline` is a curve kept only as points (a flattened spline), used for the outline and
the shape model but never given a tool.

Examples
--------
>>> sq = Loop((Line((0, 0), (10, 0)), Line((10, 0), (10, 10)), Line((10, 10), (0, 10)),
...            Line((0, 10), (0, 0))))
>>> round(sq.area, 6), sq.is_closed(1e-9)
(100.0, True)
>>> part = PartGeometry(sq, (Loop((Arc((5, 5), 2.0, 0.0, 360.0),)),))
>>> round(part.area, 3)
87.434
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

import numpy as np

from ..core.pose import Pose2D
from ..errors import InputError

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []


def _pt(p) -> tuple[float, float]:
    a = np.asarray(p, dtype=np.float64).reshape(-1)
    if a.shape != (2,) or not np.all(np.isfinite(a)):
        raise InputError(f"point: expected finite (x, y), given {p!r}")
    return (float(a[0]), float(a[1]))


def signed_area(poly: np.ndarray) -> float:
    """Shoelace area of a closed polygon (N, 2); positive when counter-clockwise in (x, y)
    (clockwise on screen, y down)."""
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _arc_steps(radius: float, extent_rad: float, max_error: float) -> int:
    """Chords needed so that the sagitta stays below ``max_error``."""
    r = max(float(radius), 1e-12)
    e = min(max(float(max_error), 1e-12), r)
    half = math.acos(max(-1.0, 1.0 - e / r))
    return max(2, int(math.ceil(abs(extent_rad) / max(2 * half, 1e-9))))


@dataclass(frozen=True)
class Line:
    """A straight segment from ``p0`` to ``p1`` (mm)."""

    p0: tuple[float, float]
    p1: tuple[float, float]
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "p0", _pt(self.p0))
        object.__setattr__(self, "p1", _pt(self.p1))

    kind = "line"

    @property
    def start(self) -> np.ndarray:
        return np.array(self.p0)

    @property
    def end(self) -> np.ndarray:
        return np.array(self.p1)

    @property
    def length(self) -> float:
        return float(math.hypot(self.p1[0] - self.p0[0], self.p1[1] - self.p0[1]))

    @property
    def direction(self) -> np.ndarray:
        d = self.end - self.start
        return d / max(float(np.hypot(*d)), 1e-300)

    @property
    def midpoint(self) -> np.ndarray:
        return 0.5 * (self.start + self.end)

    def sample(self, max_error: float, max_step: float | None = None) -> np.ndarray:
        """Points from ``p0`` to ``p1`` (N, 2), both ends included."""
        n = 1 if max_step is None else max(1, int(math.ceil(self.length / max_step)))
        t = np.linspace(0.0, 1.0, n + 1)[:, None]
        return self.start + t * (self.end - self.start)

    def reversed(self) -> "Line":
        return Line(self.p1, self.p0, self.source)

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "Line":
        return Line(*_map(T, [self.p0, self.p1], mirror_y), self.source)


def _map(T: Pose2D, pts, mirror_y: bool) -> np.ndarray:
    p = np.asarray(pts, float).reshape(-1, 2)
    if mirror_y:
        p = p * [1.0, -1.0]
    return T.apply(p)


class _Swept:
    """Ends, middle and fullness of a curve swept by an angle (``point(angle_deg)``)."""

    @property
    def is_full(self) -> bool:
        return abs(self.extent_deg) >= 360.0 - 1e-9

    @property
    def start(self) -> np.ndarray:
        return self.point(self.start_deg)

    @property
    def end(self) -> np.ndarray:
        return self.point(self.start_deg + self.extent_deg)

    @property
    def midpoint(self) -> np.ndarray:
        return self.point(self.start_deg + 0.5 * self.extent_deg)


@dataclass(frozen=True)
class Arc(_Swept):
    """A circular arc (``|extent_deg| = 360``: a full circle), mm and degrees."""

    center: tuple[float, float]
    radius: float
    start_deg: float
    extent_deg: float
    source: str = ""

    kind = "arc"

    def __post_init__(self):
        object.__setattr__(self, "center", _pt(self.center))
        if not (math.isfinite(self.radius) and self.radius > 0):
            raise InputError(f"Arc.radius: expected a positive number, given {self.radius!r}")
        if not (math.isfinite(self.extent_deg) and 0 < abs(self.extent_deg) <= 360 + 1e-9):
            raise InputError(f"Arc.extent_deg: expected 0 < |extent| <= 360, given "
                             f"{self.extent_deg!r}")

    def point(self, angle_deg) -> np.ndarray:
        t = np.radians(np.asarray(angle_deg, float))
        return np.stack([self.center[0] + self.radius * np.cos(t),
                         self.center[1] + self.radius * np.sin(t)], axis=-1)

    @property
    def length(self) -> float:
        return abs(math.radians(self.extent_deg)) * self.radius

    def sample(self, max_error: float, max_step: float | None = None) -> np.ndarray:
        ext = math.radians(self.extent_deg)
        n = _arc_steps(self.radius, ext, max_error)
        if max_step is not None:
            n = max(n, int(math.ceil(self.length / max_step)))
        if self.is_full:
            n = max(n, 8)
        t = self.start_deg + np.linspace(0.0, self.extent_deg, n + 1)
        return self.point(t)

    def reversed(self) -> "Arc":
        return Arc(self.center, self.radius, self.start_deg + self.extent_deg, -self.extent_deg,
                   self.source)

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "Arc":
        c = _map(T, [self.center], mirror_y)[0]
        s, e = self.start_deg, self.extent_deg
        if mirror_y:
            s, e = -s, -e
        return Arc(c, self.radius * T.scale, s + T.angle_deg, e, self.source)


@dataclass(frozen=True)
class EllipseArc(_Swept):
    """An elliptical arc: centre, semi-axes ``(a, b)`` (a along ``angle_deg``), parameter
    range from ``start_deg`` over a signed ``extent_deg`` (360: the full ellipse)."""

    center: tuple[float, float]
    semi_axes: tuple[float, float]
    angle_deg: float
    start_deg: float = 0.0
    extent_deg: float = 360.0
    source: str = ""

    kind = "ellipse"

    def __post_init__(self):
        object.__setattr__(self, "center", _pt(self.center))
        a, b = (float(v) for v in self.semi_axes)
        if not (a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)):
            raise InputError(f"EllipseArc.semi_axes: expected positive, given {self.semi_axes!r}")
        object.__setattr__(self, "semi_axes", (a, b))

    def point(self, t_deg) -> np.ndarray:
        t = np.radians(np.asarray(t_deg, float))
        th = math.radians(self.angle_deg)
        a, b = self.semi_axes
        u = a * np.cos(t)
        v = b * np.sin(t)
        return np.stack([self.center[0] + u * math.cos(th) - v * math.sin(th),
                         self.center[1] + u * math.sin(th) + v * math.cos(th)], axis=-1)

    @property
    def length(self) -> float:
        p = self.sample(1e-4 * min(self.semi_axes))
        return float(np.sum(np.hypot(*np.diff(p, axis=0).T)))

    def sample(self, max_error: float, max_step: float | None = None) -> np.ndarray:
        a, b = self.semi_axes
        rmin = min(a, b) ** 2 / max(a, b)   # tightest radius of curvature
        rmax = max(a, b) ** 2 / min(a, b)
        n = _arc_steps(rmin, math.radians(self.extent_deg) * (rmax / rmin) ** 0.5, max_error)
        if max_step is not None:
            n = max(n, int(math.ceil(math.radians(abs(self.extent_deg)) * max(a, b) / max_step)))
        t = self.start_deg + np.linspace(0.0, self.extent_deg, n + 1)
        return self.point(t)

    def reversed(self) -> "EllipseArc":
        return EllipseArc(self.center, self.semi_axes, self.angle_deg,
                          self.start_deg + self.extent_deg, -self.extent_deg, self.source)

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "EllipseArc":
        c = _map(T, [self.center], mirror_y)[0]
        ang, s, e = self.angle_deg, self.start_deg, self.extent_deg
        if mirror_y:  # reflect the axis direction and the parameter
            ang, s, e = -ang, -s, -e
        a, b = self.semi_axes
        return EllipseArc(c, (a * T.scale, b * T.scale), ang + T.angle_deg, s, e, self.source)


@dataclass(frozen=True)
class Polyline:
    """A free curve kept as points (N, 2), e.g. a flattened spline; open unless its ends meet."""

    points: tuple
    source: str = ""

    kind = "polyline"

    def __post_init__(self):
        p = np.asarray(self.points, float).reshape(-1, 2)
        if len(p) < 2 or not np.all(np.isfinite(p)):
            raise InputError("Polyline: expected at least two finite points")
        object.__setattr__(self, "points", tuple(map(tuple, p.tolist())))

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.points, float)

    @property
    def start(self) -> np.ndarray:
        return self.array[0]

    @property
    def end(self) -> np.ndarray:
        return self.array[-1]

    @property
    def length(self) -> float:
        return float(np.sum(np.hypot(*np.diff(self.array, axis=0).T)))

    @property
    def midpoint(self) -> np.ndarray:
        return self.array[len(self.points) // 2]

    def sample(self, max_error: float, max_step: float | None = None) -> np.ndarray:
        p = self.array
        if max_step is None:
            return p
        seg = np.hypot(*np.diff(p, axis=0).T)
        n = np.maximum(1, np.ceil(seg / max_step).astype(int))
        idx = np.repeat(np.arange(len(seg)), n)
        frac = np.concatenate([np.arange(k) / k for k in n])
        return np.concatenate([p[idx] + (p[idx + 1] - p[idx]) * frac[:, None], p[-1:]])

    def reversed(self) -> "Polyline":
        return Polyline(self.points[::-1], self.source)

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "Polyline":
        return Polyline(_map(T, self.points, mirror_y), self.source)


Primitive = Union[Line, Arc, EllipseArc, Polyline]


@dataclass(frozen=True)
class Loop:
    """A closed chain of primitives, each starting where the previous one ends."""

    items: tuple

    def __post_init__(self):
        items = tuple(self.items)
        if not items:
            raise InputError("Loop: expected at least one primitive")
        object.__setattr__(self, "items", items)

    def is_closed(self, tol: float) -> bool:
        ends = np.array([p.end for p in self.items])
        starts = np.array([p.start for p in np.roll(np.array(self.items, dtype=object), -1)])
        return bool(np.all(np.hypot(*(ends - starts).T) <= tol))

    def polygon(self, max_error: float, max_step: float | None = None) -> np.ndarray:
        """Closed polygon (N, 2) along the loop, the closing point not repeated."""
        pts = [p.sample(max_error, max_step)[:-1] for p in self.items]
        return np.concatenate(pts)

    @property
    def area(self) -> float:
        """Signed area (positive: counter-clockwise in (x, y), clockwise on screen)."""
        return signed_area(self.polygon(1e-7 * max(self.size, 1e-9)))

    @property
    def size(self) -> float:
        """Diagonal of the bounding box (mm)."""
        p = np.concatenate([p.sample(1.0) for p in self.items])
        return float(np.hypot(*np.ptp(p, axis=0)))

    @property
    def length(self) -> float:
        return float(sum(p.length for p in self.items))

    def oriented(self, positive: bool) -> "Loop":
        """The same loop running so that its signed area has the requested sign."""
        if (self.area > 0) == positive:
            return self
        return Loop(tuple(p.reversed() for p in self.items[::-1]))

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "Loop":
        return Loop(tuple(p.transformed(T, mirror_y) for p in self.items))


@dataclass(frozen=True)
class PartGeometry:
    """A flat part: an outer :class:`Loop` and inner loops (holes, slots), part-frame mm.

    The outline runs with positive signed area and the holes with negative (the winding rule of
    :mod:`metrology.synth.parts`), whatever orientation they were given in.
    """

    outline: Loop
    holes: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "outline", self.outline.oriented(True))
        object.__setattr__(self, "holes", tuple(h.oriented(False) for h in self.holes))

    @property
    def loops(self) -> list[Loop]:
        return [self.outline, *self.holes]

    @property
    def area(self) -> float:
        return float(self.outline.area + sum(h.area for h in self.holes))

    def polygons(self, max_error_mm: float, max_step_mm: float | None = None) -> list[np.ndarray]:
        """Closed polygons (outline first) whose chords stay within ``max_error_mm`` of the
        true curves (the protocol :func:`metrology.synth.drawn.render_drawn_part` renders)."""
        return [lp.polygon(max_error_mm, max_step_mm) for lp in self.loops]

    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the outline, mm."""
        p = self.outline.polygon(1e-3 * max(self.outline.size, 1e-9))
        return (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()),
                float(p[:, 1].max()))

    def transformed(self, T: Pose2D, mirror_y: bool = False) -> "PartGeometry":
        """Every loop moved by ``T`` (after mirroring y when asked)."""
        return PartGeometry(self.outline.transformed(T, mirror_y),
                            tuple(h.transformed(T, mirror_y) for h in self.holes))

    def primitives(self) -> Iterable[tuple[int, int, Primitive]]:
        """``(loop index, item index, primitive)`` over every loop (0 = outline)."""
        for i, lp in enumerate(self.loops):
            for j, p in enumerate(lp.items):
                yield i, j, p

    @classmethod
    def from_polygons(cls, outline: Sequence, holes: Sequence = ()) -> "PartGeometry":
        """A part from polygons (vertices in mm), every side a :class:`Line`."""
        def loop(poly):
            p = np.asarray(poly, float).reshape(-1, 2)
            return Loop(tuple(Line(p[i], p[(i + 1) % len(p)]) for i in range(len(p))))
        return cls(loop(outline), tuple(loop(h) for h in holes))
