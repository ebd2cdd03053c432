"""Fitted features (circle, ellipse, line, edge pair) in one coordinate space, with covariance.

A tool's edge points are fitted twice: in image pixels (for the overlay and the ``*_px``
values) and, after mapping every edge point through the measuring plane (``plane.to_mm``, which
undistorts), in millimetres.  Fitting in mm, not converting a pixel fit, is what makes the result
right under lens distortion and a tilted plane: a circle seen obliquely is an ellipse in the
image, but its edge points mapped to the plane lie on a circle again.

Each :class:`Feature` carries a parameter vector and its covariance from the least-squares fit
(``s^2 (J^T J)^-1`` with ``s^2`` the residual variance), so derived measurements propagate
uncertainty linearly (:mod:`metrology.inspect.measure`).  What a feature can be measured by is
in ``provides`` (``"point"``, ``"radius"``, ``"width"``, ``"line"``), so measurements never ask
which kind of feature they got; each kind also writes itself to JSON (``to_dict``, rebuilt by
:func:`feature_from_dict`) and says how it is drawn (``outline()``).

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
>>> f = circle_feature("hole", np.c_[3 + 2 * np.cos(t), 4 + 2 * np.sin(t)], "mm")
>>> np.round(f.point, 6).tolist(), round(f.radius(), 6), sorted(f.provides)
([3.0, 4.0], 2.0, ['point', 'radius'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Mapping

import numpy as np

from .._serial import to_jsonable
from ..core import distance_point_ellipse, fit_circle, fit_ellipse, fit_line
from ..core.checks import as_points
from ..errors import FitError, InputError
from .shapes import Circle, Ellipse, Segment

__all__ = ["Feature", "CircleFeature", "EllipseFeature", "LineFeature", "PairFeature",
           "ToolFeatures", "circle_feature", "ellipse_feature", "line_feature", "pair_feature",
           "feature_from_dict", "FEATURE_TYPES", "CAPABILITIES"]

#: what a measurement may ask of a feature
CAPABILITIES = ("point", "radius", "width", "line")


@dataclass(frozen=True)
class Feature:
    """A fitted geometric feature in one coordinate space (``unit`` "px" or "mm").

    ``params`` (P,) is the kind's parameter vector, ``cov`` its (P, P) covariance (None when
    it cannot be estimated, e.g. an edge pair seen by a single caliper), ``rms`` the RMS
    residual of the edge points and ``n_points`` the number used.
    """

    name: str
    unit: str
    params: np.ndarray
    cov: np.ndarray | None
    rms: float
    n_points: int

    #: the JSON ``kind`` tag
    kind: ClassVar[str] = ""
    #: what measurements can ask of this kind (:data:`CAPABILITIES`)
    provides: ClassVar[frozenset] = frozenset()

    @property
    def is_line(self) -> bool:
        return "line" in self.provides

    @property
    def point(self) -> np.ndarray:
        """The feature's reference point (its centre), shape (2,)."""
        return self.params[:2].copy()

    def with_params(self, params: np.ndarray) -> "Feature":
        """The same feature with other parameters (used for uncertainty propagation)."""
        return replace(self, params=np.asarray(params, dtype=np.float64))

    def _geometry(self) -> dict:
        return {"center": self.params[:2].tolist()}

    def to_dict(self) -> dict:
        """JSON-ready dict: kind, unit, rms, point count, geometry and the parameters' 1-sigma
        ``std`` (inverse: :func:`feature_from_dict`)."""
        d: dict[str, Any] = {"kind": self.kind, "unit": self.unit, "rms": self.rms,
                             "n_points": self.n_points, **self._geometry()}
        if self.cov is not None:
            d["std"] = np.sqrt(np.clip(np.diag(self.cov), 0, None))
        return to_jsonable(d)

    @classmethod
    def _from_geometry(cls, name: str, d: Mapping) -> np.ndarray:
        raise NotImplementedError

    def outline(self) -> list:
        """What to draw (:mod:`metrology.caliper.shapes`)."""
        raise NotImplementedError


def _cov_from_jacobian(J: np.ndarray, res: np.ndarray) -> np.ndarray | None:
    """``s^2 (J^T J)^-1`` with ``s^2 = sum(res^2) / (N - P)``; None when not estimable."""
    n, p = J.shape
    if n <= p:
        return None
    s2 = float(res @ res) / (n - p)
    try:
        return s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        return None


@dataclass(frozen=True)
class CircleFeature(Feature):
    """Circle: ``params = (cx, cy, r)``."""

    kind: ClassVar[str] = "circle"
    provides: ClassVar[frozenset] = frozenset({"point", "radius"})

    def radius(self, which: str = "mean") -> float:
        """The radius (``which`` is for ellipses; a circle has one)."""
        return float(self.params[2])

    def _geometry(self) -> dict:
        return {"center": self.params[:2].tolist(), "radius": float(self.params[2])}

    @classmethod
    def _from_geometry(cls, name, d):
        return np.array([*d["center"], d["radius"]], float)

    def outline(self) -> list:
        """The circle and a small mark at its centre."""
        return [Circle(self.params[:2], float(self.params[2])),
                Circle(self.params[:2], 2.0, role="mark")]


@dataclass(frozen=True)
class EllipseFeature(Feature):
    """Ellipse: ``params = (cx, cy, a, b, angle_rad)`` (``a`` along the angle)."""

    kind: ClassVar[str] = "ellipse"
    provides: ClassVar[frozenset] = frozenset({"point", "radius"})

    def radius(self, which: str = "mean") -> float:
        """Semi-axis ``a`` ("major"), ``b`` ("minor") or their mean ("mean")."""
        a, b = float(self.params[2]), float(self.params[3])
        return a if which == "major" else b if which == "minor" else 0.5 * (a + b)

    def _geometry(self) -> dict:
        return {"center": self.params[:2].tolist(), "semi_axes": self.params[2:4].tolist(),
                "angle_deg": math.degrees(self.params[4])}

    @classmethod
    def _from_geometry(cls, name, d):
        return np.array([*d["center"], *d["semi_axes"], math.radians(d["angle_deg"])], float)

    def outline(self) -> list:
        """The ellipse."""
        return [Ellipse(self.params[:2], self.params[2:4], math.degrees(self.params[4]))]


@dataclass(frozen=True)
class PairFeature(Feature):
    """Edge pair: ``params = (cx, cy, w)``, the pair's centre and edge-to-edge width."""

    kind: ClassVar[str] = "edge_pair"
    provides: ClassVar[frozenset] = frozenset({"point", "width"})

    @property
    def width(self) -> float:
        return float(self.params[2])

    def _geometry(self) -> dict:
        return {"center": self.params[:2].tolist(), "width": float(self.params[2])}

    @classmethod
    def _from_geometry(cls, name, d):
        return np.array([*d["center"], d["width"]], float)

    def outline(self) -> list:
        """A small mark at the pair's centre."""
        return [Circle(self.params[:2], 3.0, role="mark")]


@dataclass(frozen=True)
class LineFeature(Feature):
    """Line: ``params = (offset, angle_rad)``; the line passes through ``base + offset *
    base_normal`` (``base`` = centroid of the edge points at fit time) with direction
    ``(cos angle, sin angle)``; the two are uncorrelated there.  ``half_length``: half the
    extent of the edge points."""

    base: np.ndarray | None = None
    base_normal: np.ndarray | None = None
    half_length: float = 0.0

    kind: ClassVar[str] = "line"
    provides: ClassVar[frozenset] = frozenset({"line"})

    @property
    def point(self) -> np.ndarray:
        """The point of the line nearest the edge points' centroid, shape (2,)."""
        return self.base + self.params[0] * self.base_normal

    @property
    def direction(self) -> np.ndarray:
        """Unit direction, shape (2,)."""
        a = self.params[1]
        return np.array([math.cos(a), math.sin(a)])

    @property
    def normal(self) -> np.ndarray:
        """Direction turned by +90 deg: ``(-dy, dx)``."""
        d = self.direction
        return np.array([-d[1], d[0]])

    def _geometry(self) -> dict:
        return {"point": self.point.tolist(), "direction": self.direction.tolist(),
                "length": 2 * self.half_length}

    def outline(self) -> list:
        """The measured segment."""
        p, d = self.point, self.direction * self.half_length
        return [Segment(p - d, p + d)]


#: ``kind`` tag -> feature class
FEATURE_TYPES: dict[str, type[Feature]] = {c.kind: c for c in (CircleFeature, EllipseFeature,
                                                               PairFeature, LineFeature)}


def feature_from_dict(d: Mapping, name: str = "") -> Feature:
    """Rebuild a feature from its :meth:`Feature.to_dict` (for drawing a stored result).

    The covariance comes back diagonal (the dict holds only the standard deviations).

    Raises
    ------
    InputError
        Not a feature dict.
    """
    cls = FEATURE_TYPES.get(d.get("kind")) if isinstance(d, Mapping) else None
    if cls is None:
        raise InputError(f"feature {name!r}: expected a dict with 'kind' one of "
                         f"{sorted(FEATURE_TYPES)}, given {d!r:.80}")
    std = d.get("std")
    try:
        cov = None if std is None else np.diag(np.square(np.asarray(std, float)))
        rms = math.nan if d.get("rms") is None else float(d["rms"])
        if cls is LineFeature:
            p = np.asarray(d["point"], float)
            dirn = np.asarray(d["direction"], float)
            return LineFeature(name, d["unit"], np.array([0.0, math.atan2(dirn[1], dirn[0])]),
                               cov, rms, int(d["n_points"]), base=p,
                               base_normal=np.array([-dirn[1], dirn[0]]),
                               half_length=0.5 * float(d["length"]))
        return cls(name, d["unit"], cls._from_geometry(name, d), cov, rms, int(d["n_points"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"feature {name!r}: bad {cls.kind} dict ({exc})") from None


@dataclass(frozen=True)
class ToolFeatures:
    """A tool's result as inspection features.

    Attributes
    ----------
    px, mm : Feature
        The feature fitted to the edge points in image pixels and on the plane (mm).
    points_px : ndarray (N, 2)
        Edge points the fit used (for an edge pair, both edges of the pair).
    outliers_px : ndarray (M, 2)
        Edge points the caliper's fit rejected.
    """

    px: Feature
    mm: Feature
    points_px: np.ndarray
    outliers_px: np.ndarray


# --------------------------------------------------------------------------------------------
# fitting


def circle_feature(name: str, points: Any, unit: str) -> CircleFeature:
    """Fit a circle (geometric least squares) to edge points (N, 2), N >= 3.

    Raises
    ------
    FitError
        Fewer than 3 points or a degenerate configuration.
    """
    pts = as_points(points, f"{name}: edge points", allow_batch=False)
    if len(pts) < 3:
        raise FitError(f"{name}: {len(pts)} edge point(s), a circle needs at least 3")
    fit = fit_circle(pts, method="geometric")
    c = np.asarray(fit.center_xy, float)
    r = float(fit.radius)
    d = pts - c
    dist = np.hypot(d[:, 0], d[:, 1])
    res = dist - r
    J = np.column_stack([-d[:, 0] / dist, -d[:, 1] / dist, -np.ones(len(pts))])
    return CircleFeature(name, unit, np.array([c[0], c[1], r]), _cov_from_jacobian(J, res),
                         float(np.sqrt(np.mean(res ** 2))), len(pts))


def line_feature(name: str, points: Any, unit: str, direction_hint: Any = None) -> LineFeature:
    """Fit a line (total least squares) to edge points (N, 2), N >= 2, oriented along
    ``direction_hint`` (the tool's ``p0 -> p1`` in the same space) when given."""
    pts = as_points(points, f"{name}: edge points", allow_batch=False)
    if len(pts) < 2:
        raise FitError(f"{name}: {len(pts)} edge point(s), a line needs at least 2")
    fit = fit_line(pts, method="tls")
    d = np.asarray(fit.direction, float)
    d = d / np.hypot(*d)
    if direction_hint is not None and float(np.dot(d, direction_hint)) < 0:
        d = -d
    n = np.array([-d[1], d[0]])
    centroid = pts.mean(axis=0)
    base = centroid - float(np.dot(centroid - np.asarray(fit.point_xy, float), n)) * n
    t = (pts - base) @ d
    e = (pts - base) @ n
    N = len(pts)
    # offset at the centroid and angle are uncorrelated: var = s^2/N and s^2/sum(t^2)
    cov = None
    if N > 2 and float(t @ t) > 0:
        s2 = float(e @ e) / (N - 2)
        cov = np.diag([s2 / N, s2 / float(t @ t)])
    return LineFeature(name, unit, np.array([0.0, math.atan2(d[1], d[0])]), cov,
                       float(np.sqrt(np.mean(e ** 2))), N, base=base, base_normal=n,
                       half_length=float(0.5 * (t.max() - t.min())))


def ellipse_feature(name: str, points: Any, unit: str) -> EllipseFeature:
    """Fit an ellipse (geometric) to edge points (N, 2), N >= 5; covariance from the numerical
    Jacobian of the point-to-ellipse distances."""
    pts = as_points(points, f"{name}: edge points", allow_batch=False)
    if len(pts) < 5:
        raise FitError(f"{name}: {len(pts)} edge point(s), an ellipse needs at least 5")
    fit = fit_ellipse(pts, method="geometric")
    p = np.array([*np.asarray(fit.center_xy, float), *np.asarray(fit.semi_axes, float),
                  math.radians(float(fit.angle_deg))])

    def resid(q: np.ndarray) -> np.ndarray:
        return np.asarray(distance_point_ellipse(pts, q[:2], q[2:4], math.degrees(q[4])), float)

    res = resid(p)
    J = np.empty((len(pts), 5))
    for j in range(5):  # 5 parameters, each step vectorized over all points
        h = 1e-6 * max(1.0, abs(p[j]))
        dp = np.zeros(5)
        dp[j] = h
        J[:, j] = (resid(p + dp) - resid(p - dp)) / (2 * h)
    return EllipseFeature(name, unit, p, _cov_from_jacobian(J, res),
                          float(np.sqrt(np.mean(res ** 2))), len(pts))


def pair_feature(name: str, first: Any, second: Any, unit: str,
                 std_width: float | None = None) -> PairFeature:
    """Edge pair from matched first/second edge points (K, 2) each (one row per caliper):
    width = mean edge-to-edge distance, centre = mean midpoint.

    Covariance of ``(cx, cy, w)``: the pair only locates its centre *along* the profile
    direction ``d`` (across it the centre is where the caliper was put), so the centre block is
    ``var_along * d d^T``.  With K >= 2 calipers ``var_along`` and ``var(w)`` come from the
    scatter over the calipers (divided by K); with K = 1 from ``std_width`` (the caliper's
    1-sigma width uncertainty in this space; the centre then has ``std_width / 2``); otherwise
    None.
    """
    a = as_points(first, f"{name}: first edges", allow_batch=False)
    b = as_points(second, f"{name}: second edges", allow_batch=False)
    if len(a) != len(b) or len(a) == 0:
        raise FitError(f"{name}: expected matched first/second edge points, given "
                       f"{len(a)} and {len(b)}")
    v = b - a
    w = np.hypot(v[:, 0], v[:, 1])
    if np.any(w <= 0):
        raise FitError(f"{name}: an edge pair has zero width")
    d = (v / w[:, None]).mean(axis=0)
    d = d / np.hypot(*d)
    mid = 0.5 * (a + b)
    k = len(a)
    params = np.array([*mid.mean(axis=0), w.mean()])
    cov = None
    var_along = var_w = None
    if k >= 2:
        var_along = float(np.var(mid @ d, ddof=1)) / k
        var_w = float(np.var(w, ddof=1)) / k
    elif std_width is not None and math.isfinite(std_width) and std_width >= 0:
        var_along, var_w = 0.25 * std_width ** 2, std_width ** 2
    if var_w is not None:
        cov = np.zeros((3, 3))
        cov[:2, :2] = var_along * np.outer(d, d)
        cov[2, 2] = var_w
    rms = float(np.sqrt(np.mean((w - w.mean()) ** 2))) if k >= 2 else 0.0
    return PairFeature(name, unit, params, cov, rms, k)
