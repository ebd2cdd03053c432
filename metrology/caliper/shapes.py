"""What a caliper tool, result or feature looks like on an image: a few drawing primitives.

Every tool (``tool.outline()``), caliper result (``result.outline()``) and inspection feature
(``feature.outline()``) describes itself with these primitives, in image pixels; the overlays in
:mod:`metrology.viz` draw them without knowing which tool made them, so a new tool type draws
itself by returning primitives, with no change outside :mod:`metrology.caliper`.

``role`` says what a primitive shows and how the overlay styles it:

* ``"tool"``: where the tool looked (caliper outline, search line; thin, the tool colour);
* ``"fit"``: the measured shape (the overlay's colour and line width);
* ``"mark"``: a small marker of the measured shape (its colour, thin).

Examples
--------
>>> c = Circle((10.0, 20.0), 5.0)
>>> c.role, c.anchor().tolist()
('fit', [10.0, 20.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Segment", "Circle", "Ellipse", "Polygons", "Markers", "ROLES"]

ROLES = ("tool", "fit", "mark")


def _xy(v) -> np.ndarray:
    return np.asarray(v, dtype=np.float64).reshape(2)


@dataclass(frozen=True)
class Segment:
    """A straight segment from ``p0_xy`` to ``p1_xy``."""

    p0_xy: np.ndarray
    p1_xy: np.ndarray
    role: str = "fit"

    def anchor(self) -> np.ndarray:
        """Where a label goes: the start point."""
        return _xy(self.p0_xy)


@dataclass(frozen=True)
class Circle:
    """A circle of ``radius`` px about ``center_xy``."""

    center_xy: np.ndarray
    radius: float
    role: str = "fit"

    def anchor(self) -> np.ndarray:
        """Where a label goes: the centre."""
        return _xy(self.center_xy)


@dataclass(frozen=True)
class Ellipse:
    """An ellipse: ``semi_axes`` (a, b) px, ``a`` along ``angle_deg`` (clockwise on screen)."""

    center_xy: np.ndarray
    semi_axes: np.ndarray
    angle_deg: float
    role: str = "fit"

    def anchor(self) -> np.ndarray:
        """Where a label goes: the centre."""
        return _xy(self.center_xy)


@dataclass(frozen=True)
class Polygons:
    """Closed polygons ``(K, V, 2)`` (e.g. the outlines of K calipers)."""

    corners_xy: np.ndarray
    role: str = "tool"

    def anchor(self) -> np.ndarray:
        """Where a label goes: the first corner."""
        return np.asarray(self.corners_xy, dtype=np.float64).reshape(-1, 2)[0]


@dataclass(frozen=True)
class Markers:
    """Edge points ``(N, 2)``; ``inliers`` (N,) bool marks those a fit kept (None: all)."""

    points_xy: np.ndarray
    inliers: np.ndarray | None = field(default=None)
    role: str = "mark"

    def anchor(self) -> np.ndarray:
        """Where a label goes: the first point."""
        return np.asarray(self.points_xy, dtype=np.float64).reshape(-1, 2)[0]
