"""Results of the line, circle and ellipse finders.

Each wraps the core's fit (:class:`~metrology.core.LineFit`, :class:`~metrology.core.CircleFit`,
:class:`~metrology.core.EllipseFit`) with the edge points, inlier mask, residuals and
uncertainties, round-trips through JSON (``to_dict`` / ``from_dict``, NaN as null; the caliper
geometry is written as ``caliper_corners_xy`` for drawing and not read back) and describes how
it is drawn (``outline()``, :mod:`metrology.caliper.shapes`).

``ok`` is False (and ``reason`` says what and by how much) when the fit left the band its
calipers searched (:mod:`metrology.caliper._band`): the tool measured something other than the
edge it was placed on.  The geometry is kept for drawing and diagnosis; do not use it as a
measurement.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from .._serial import Serializable, to_jsonable
from ..errors import InputError
from ..core.results import CircleFit, EllipseFit, LineFit
from ..image.profiles import Calipers
from .shapes import Circle, Ellipse, Markers, Polygons, Segment

__all__ = ["LineResult", "CircleResult", "EllipseResult"]

_XY = {"shape": (None, 2)}
_N = {"shape": (None,)}
_PT = {"shape": (2,)}


@functools.lru_cache(maxsize=None)
def _defaults(cls: type) -> tuple:
    """(name, default) of the fields of the dataclass ``cls`` that have a plain default."""
    return tuple((f.name, f.default) for f in dataclasses.fields(cls)
                 if f.default is not dataclasses.MISSING)


def assemble(cls: type, **values):
    """A frozen dataclass ``cls`` holding ``values`` (and its defaults) without running its
    ``__init__`` / ``__post_init__``: the finders' internal path, for results whose values
    they computed themselves (a tenth of the constructor's cost, which sets each field through
    ``object.__setattr__``).  Every field without a default must be given."""
    obj = object.__new__(cls)
    d = obj.__dict__
    d.update(_defaults(cls))
    d.update(values)
    return obj


@dataclass(frozen=True)
class _ToolResult(Serializable):
    """Fields shared by the line/circle/ellipse results."""

    points_xy: np.ndarray = field(metadata=_XY)
    inliers: np.ndarray = field(metadata={"shape": (None,), "dtype": "bool"})
    residuals_px: np.ndarray = field(metadata=_N)
    caliper_index: np.ndarray = field(metadata={"shape": (None,), "dtype": "int64"})
    edge_std_px: np.ndarray = field(metadata=_N)
    edge_blur_px: float
    num_calipers: int
    dropped_calipers: np.ndarray = field(metadata={"shape": (None,), "dtype": "int64"})
    calipers: Calipers | None = field(default=None, repr=False, compare=False,
                                      metadata={"json": False})
    fit_points_xy: np.ndarray | None = field(default=None, metadata=_XY)
    ok: bool = True
    reason: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.ok, (bool, np.bool_)):
            raise InputError(f"ok: expected True or False, given {self.ok!r:.40}")
        if self.reason is not None and not isinstance(self.reason, str):
            raise InputError(f"reason: expected a string or None, given {self.reason!r:.40}")
        if not self.ok and not self.reason:
            raise InputError("reason: a failed result (ok=False) says why")

    @property
    def num_inliers(self) -> int:
        return int(np.count_nonzero(self.inliers))

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as null), with the calipers' outline as
        ``caliper_corners_xy`` (K, 4, 2) when known."""
        d = super().to_dict()
        if self.calipers is not None:
            d["caliper_corners_xy"] = to_jsonable(self.calipers.corners())
        return d

    def _outline(self, shape) -> list:
        tools = [] if self.calipers is None else [Polygons(self.calipers.corners())]
        return [*tools, shape, Markers(self.points_xy, np.asarray(self.inliers, bool))]


@dataclass(frozen=True)
class LineResult(_ToolResult):
    """A line found by :func:`~metrology.caliper.find_line`.

    Attributes
    ----------
    fit : LineFit
        The core's robust fit (point, direction, normal, rms, covariance).
    points_xy : ndarray (N, 2)
        Edge points found by the calipers (second pass).
    fit_points_xy : ndarray (N, 2)
        The points the final fit used: for circles and ellipses, ``points_xy`` moved by the
        blur-curvature correction (and, for sector calipers on an ellipse, the sector-smear
        correction).  Refit these (e.g. in mm) to reproduce the tool's unbiased fit.
    inliers : ndarray (N,) bool
        Points used by the final fit.
    residuals_px : ndarray (N,)
        Signed distance of each point to the line (+ on ``fit.normal``'s side).
    caliper_index : ndarray (N,) int
        Caliper each point came from.
    edge_std_px : ndarray (N,)
        1-sigma position uncertainty of each edge from its profile fit.
    edge_blur_px : float
        Median edge blur (px) of the inlier edges.
    std_offset_px, std_angle_deg : float
        1-sigma uncertainty of the line's normal offset (at ``fit.point_xy``) and angle.
    p0_xy, p1_xy : ndarray (2,)
        The tool's end points projected on the fitted line (the measured segment).
    num_calipers : int
    dropped_calipers : ndarray (D,) int
        Calipers that reached outside the image.
    ok : bool
        False when the fit lies outside the band the calipers searched (see ``reason``).
    reason : str or None
        Why the result failed (what and by how much); None when ``ok``.
    calipers : Calipers
        Geometry of the second-pass calipers (for drawing; not serialised).
    """

    fit: LineFit | None = None
    std_offset_px: float = float("nan")
    std_angle_deg: float = float("nan")
    p0_xy: np.ndarray | None = field(default=None, metadata=_PT)
    p1_xy: np.ndarray | None = field(default=None, metadata=_PT)

    @property
    def point_xy(self) -> np.ndarray:
        return np.asarray(self.fit.point_xy)

    @property
    def direction(self) -> np.ndarray:
        return np.asarray(self.fit.direction)

    @property
    def angle_deg(self) -> float:
        return float(self.fit.angle_deg)

    @property
    def rms_px(self) -> float:
        return float(self.fit.rms_px)

    def outline(self) -> list:
        """What to draw: the calipers, the measured segment and the edge points."""
        return self._outline(Segment(self.p0_xy, self.p1_xy))


@dataclass(frozen=True)
class CircleResult(_ToolResult):
    """A circle (or arc) found by :func:`~metrology.caliper.find_circle`.

    Attributes
    ----------
    fit : CircleFit
        The core's robust fit on the curvature-corrected points.
    points_xy : ndarray (N, 2)
        Edge points as measured (before the curvature correction).
    inliers, residuals_px, caliper_index, edge_std_px, edge_blur_px : see :class:`LineResult`
        Residuals are signed distances of the corrected points (+ outside).
    std_center_px : ndarray (2,)
    std_radius_px : float
    curvature_correction_px : float
        Added along each point's outward normal: the erf fit's shift of a blurred circle of
        this radius (:func:`metrology.caliper.curvature.radius_from_edge`), about
        ``edge_blur_px**2 / (2 * radius)``.
    arc_start_deg, arc_extent_deg : float
    """

    fit: CircleFit | None = None
    std_center_px: np.ndarray | None = field(default=None, metadata=_PT)
    std_radius_px: float = float("nan")
    curvature_correction_px: float = 0.0
    arc_start_deg: float = 0.0
    arc_extent_deg: float = 360.0

    @property
    def center_xy(self) -> np.ndarray:
        return np.asarray(self.fit.center_xy)

    @property
    def radius(self) -> float:
        return float(self.fit.radius)

    @property
    def rms_px(self) -> float:
        return float(self.fit.rms_px)

    def outline(self) -> list:
        """What to draw: the calipers, the fitted circle and the edge points."""
        return self._outline(Circle(self.center_xy, self.radius))


@dataclass(frozen=True)
class EllipseResult(_ToolResult):
    """An ellipse found by :func:`~metrology.caliper.find_ellipse` (fields as
    :class:`CircleResult`).

    Attributes
    ----------
    fit : EllipseFit
    std_center_px : ndarray (2,)
    std_semi_axes_px : ndarray (2,)
    std_angle_deg : float
    """

    fit: EllipseFit | None = None
    std_center_px: np.ndarray | None = field(default=None, metadata=_PT)
    std_semi_axes_px: np.ndarray | None = field(default=None, metadata=_PT)
    std_angle_deg: float = float("nan")

    @property
    def center_xy(self) -> np.ndarray:
        return np.asarray(self.fit.center_xy)

    @property
    def semi_axes(self) -> np.ndarray:
        return np.asarray(self.fit.semi_axes)

    @property
    def angle_deg(self) -> float:
        return float(self.fit.angle_deg)

    def outline(self) -> list:
        """What to draw: the calipers, the fitted ellipse and the edge points."""
        return self._outline(Ellipse(self.center_xy, self.semi_axes, self.angle_deg))
