"""Fitted features (circle, ellipse, line, edge pair) in one coordinate space, with covariance.

A tool's edge points are fitted twice: in image pixels (for the overlay and the ``*_px``
values) and, after mapping every edge point through the measuring plane (``plane.to_mm``, which
undistorts), in millimetres.  Fitting in mm, not converting a pixel fit, is what makes the result
right under lens distortion and a tilted plane: a circle seen obliquely is an ellipse in the
image, but its edge points mapped to the plane lie on a circle again.

Each :class:`Feature` carries a parameter vector and its covariance from the least-squares fit,
``nu / (nu - 2) s^2 (J^T J)^-1`` with ``s^2`` the residual variance on ``nu = N - P`` degrees of
freedom: the variance of the Student-t distribution the parameters follow when the noise
level itself is estimated from the same residuals (GUM Supplement 1, 6.4.9; a factor 1.10 in
variance for a line fitted to 24 points), so derived measurements propagate uncertainty
linearly (:mod:`metrology.inspect.measure`).  What a feature can be measured by is
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
from ..core.checks import as_points, as_vector
from ..errors import FitError, InputError
from ._feature_checks import _edge_variances, _finite_array, _pair_weights
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
    #: length of ``params`` (None: any)
    n_params: ClassVar[int | None] = None

    def __post_init__(self) -> None:
        where = f"{type(self).__name__}"
        if not isinstance(self.name, str):
            raise InputError(f"{where}.name: expected a string, given {self.name!r:.40}")
        if self.unit not in ("px", "mm"):
            raise InputError(f"{where}.unit: expected 'px' or 'mm', given {self.unit!r:.40}")
        p = _finite_array(self.params, f"{where}.params")
        if p.ndim != 1 or (self.n_params is not None and p.size != self.n_params):
            raise InputError(f"{where}.params: expected shape ({self.n_params or 'P'},), given "
                             f"{p.shape}")
        object.__setattr__(self, "params", p)
        if self.cov is not None:
            c = _finite_array(self.cov, f"{where}.cov")
            if c.shape != (p.size, p.size):
                raise InputError(f"{where}.cov: expected shape ({p.size}, {p.size}), given "
                                 f"{c.shape}")
            object.__setattr__(self, "cov", c)
        rms = self.rms
        if isinstance(rms, bool) or not isinstance(rms, (int, float, np.floating, np.integer)) \
                or not (math.isfinite(rms) and rms >= 0):
            raise InputError(f"{where}.rms: expected a finite number >= 0, given {rms!r:.40}")
        n = self.n_points
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(f"{where}.n_points: expected an integer >= 0, given {n!r:.40}")
        object.__setattr__(self, "rms", float(rms))
        object.__setattr__(self, "n_points", int(n))

    @property
    def is_line(self) -> bool:
        return "line" in self.provides

    @property
    def point(self) -> np.ndarray:
        """The feature's reference point (its centre), shape (2,)."""
        return self.params[:2].copy()

    def with_params(self, params: np.ndarray) -> "Feature":
        """The same feature with other parameters (used for uncertainty propagation)."""
        return replace(self, params=_finite_array(params, f"{type(self).__name__}.params"))

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

    def point_jacobian(self, points: Any) -> np.ndarray:
        """How the fitted parameters move with the edge points they were fitted to (one
        Gauss-Newton step of the fit, first order).

        Parameters
        ----------
        points : array_like (N, 2)
            The points the feature was fitted to, in its space (an edge pair: its first edges,
            then its second edges).

        Returns
        -------
        ndarray (P, N, 2)
            ``d params / d points``.
        """
        p = as_points(points, f"{self.name}: points", allow_batch=False)
        J, nrm = self._residual_jacobian(p)
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(nrm))):
            raise FitError(f"{self.name}: points: the fit's derivatives are not finite there")
        try:
            M = np.linalg.solve(J.T @ J, J.T)  # (P, N)
        except np.linalg.LinAlgError:
            raise FitError(f"{self.name}: {len(p)} point(s) do not determine the "
                           f"{J.shape[1]} parameters") from None
        return -M[:, :, None] * nrm[None, :, :]

    def _residual_jacobian(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``d r / d params`` (N, P) and ``d r / d p`` (N, 2) of the fit's residuals ``r``."""
        raise NotImplementedError


def _t_variance(res: np.ndarray, n_params: int) -> float | None:
    """``nu / (nu - 2) * sum(res^2) / nu`` with ``nu = N - P``: the variance of a parameter's
    Student-t distribution per unit ``(J^T J)^-1`` when the noise is estimated from the
    residuals (GUM-S1 6.4.9); None when ``nu < 3`` (no finite variance)."""
    nu = res.size - n_params
    if nu < 3:
        return None
    return float(res @ res) / (nu - 2)


def _cov_from_jacobian(J: np.ndarray, res: np.ndarray) -> np.ndarray | None:
    """``nu / (nu - 2) s^2 (J^T J)^-1`` (:func:`_t_variance`); None when not estimable."""
    s2 = _t_variance(res, J.shape[1])
    if s2 is None:
        return None
    try:
        return s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        return None


@dataclass(frozen=True)
class CircleFeature(Feature):
    """Circle: ``params = (cx, cy, r)``."""

    kind: ClassVar[str] = "circle"
    n_params: ClassVar[int | None] = 3
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

    def _residual_jacobian(self, p):
        d = p - self.params[:2]
        nrm = d / np.hypot(d[:, 0], d[:, 1])[:, None]
        return np.column_stack([-nrm, -np.ones(len(p))]), nrm


@dataclass(frozen=True)
class EllipseFeature(Feature):
    """Ellipse: ``params = (cx, cy, a, b, angle_rad)`` (``a`` along the angle)."""

    kind: ClassVar[str] = "ellipse"
    n_params: ClassVar[int | None] = 5
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

    def _residual_jacobian(self, p):
        q = self.params

        def resid(pts, qq):
            return np.asarray(distance_point_ellipse(pts, qq[:2], qq[2:4], math.degrees(qq[4])),
                              float)

        J = np.empty((len(p), 5))
        for j in range(5):  # 5 parameters, each step vectorised over the points
            h = 1e-6 * max(1.0, abs(q[j]))
            dq = np.zeros(5)
            dq[j] = h
            J[:, j] = (resid(p, q + dq) - resid(p, q - dq)) / (2 * h)
        eps = 1e-6 * max(1.0, float(np.abs(q[2:4]).max()))
        nrm = np.column_stack([(resid(p + [eps, 0], q) - resid(p - [eps, 0], q)) / (2 * eps),
                               (resid(p + [0, eps], q) - resid(p - [0, eps], q)) / (2 * eps)])
        return J, nrm


@dataclass(frozen=True)
class PairFeature(Feature):
    """Edge pair: ``params = (cx, cy, w)``, the pair's centre and edge-to-edge width;
    ``weights`` (2, K): how the K measured pairs (calipers or strips) make its two edges (see
    :func:`pair_feature`; None: their mean points)."""

    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.weights is not None:
            w = _finite_array(self.weights, "PairFeature.weights")
            if w.ndim != 2 or w.shape[0] != 2 or w.shape[1] == 0:
                raise InputError(f"PairFeature.weights: expected shape (2, K), given {w.shape}")
            object.__setattr__(self, "weights", w)

    kind: ClassVar[str] = "edge_pair"
    n_params: ClassVar[int | None] = 3
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

    def point_jacobian(self, points: Any) -> np.ndarray:
        """``d params / d points`` (3, 2K, 2) for ``points`` = the K first edges then the K
        second edges (:meth:`Feature.point_jacobian`)."""
        p = as_points(points, f"{self.name}: points", allow_batch=False)
        k = len(p) // 2
        if len(p) != 2 * k or k == 0:
            raise InputError(f"{self.name}: expected the first then the second edges (2K "
                             f"points), given {len(p)}")
        c = _pair_weights(self.name, self.weights, k)
        v = c[1] @ p[k:] - c[0] @ p[:k]
        unit = v / np.hypot(*v)
        cc = np.concatenate(c)
        G = np.zeros((3, 2 * k, 2))
        G[0, :, 0] = 0.5 * cc
        G[1, :, 1] = 0.5 * cc
        G[2, :k] = -c[0][:, None] * unit
        G[2, k:] = c[1][:, None] * unit
        return G


@dataclass(frozen=True)
class LineFeature(Feature):
    """Line: ``params = (offset, angle_rad)``; the line passes through ``base + offset *
    base_normal`` (``base`` = centroid of the edge points at fit time) with direction
    ``(cos angle, sin angle)``; the two are uncorrelated there.  ``half_length``: half the
    extent of the edge points."""

    base: np.ndarray | None = None
    base_normal: np.ndarray | None = None
    half_length: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        for f in ("base", "base_normal"):
            v = getattr(self, f)
            if v is None:
                raise InputError(f"LineFeature.{f}: expected a point (2,), given None")
            a = _finite_array(v, f"LineFeature.{f}")
            if a.shape != (2,):
                raise InputError(f"LineFeature.{f}: expected shape (2,), given {a.shape}")
            object.__setattr__(self, f, a)
        h = self.half_length
        if isinstance(h, bool) or not isinstance(h, (int, float, np.floating, np.integer)) \
                or not (math.isfinite(h) and h >= 0):
            raise InputError(f"LineFeature.half_length: expected a finite number >= 0, given "
                             f"{h!r:.40}")

    kind: ClassVar[str] = "line"
    n_params: ClassVar[int | None] = 2
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

    def _residual_jacobian(self, p):
        # e_i = (p_i - base - offset n0) . n(angle); at the fit n(angle) = n0:
        # de/doffset = -1, de/dangle = -(p_i - base) . d, de/dp_i = n0
        t = (p - self.base) @ self.direction
        return (np.column_stack([-np.ones(len(p)), -t]),
                np.broadcast_to(self.base_normal, p.shape))


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

    def __post_init__(self) -> None:
        for f in ("px", "mm"):
            if not isinstance(getattr(self, f), Feature):
                raise InputError(f"ToolFeatures.{f}: expected a Feature, given "
                                 f"{type(getattr(self, f)).__name__}")
        for f in ("points_px", "outliers_px"):
            a = _finite_array(getattr(self, f), f"ToolFeatures.{f}")
            if a.size == 0:
                a = a.reshape(0, 2)
            if a.ndim != 2 or a.shape[1] != 2:
                raise InputError(f"ToolFeatures.{f}: expected shape (N, 2), given {a.shape}")
            object.__setattr__(self, f, a)


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
    if direction_hint is not None:
        direction_hint = as_vector(direction_hint, "direction_hint")
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
    s2 = _t_variance(e, 2)
    if s2 is not None and float(t @ t) > 0:
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
                 std_width: Any = None, weights: Any = None) -> PairFeature:
    """Edge pair from matched first/second edge points (K, 2) each (one row per caliper or
    strip): the points ``A = sum_k c1_k a_k`` and ``B = sum_k c2_k b_k`` stand for its two
    edges, its width is ``|B - A|`` and its centre ``(A + B) / 2``.

    Parameters
    ----------
    name, unit : str
    first, second : array_like (K, 2)
        The pairs' first and second edge points.
    std_width : float or array_like (K,) or (2, K), optional
        1-sigma uncertainty in this space of each pair's width (split evenly between its two
        edges), or of each edge (row 0 first, row 1 second edges).
    weights : array_like (2, K), optional
        ``c1`` and ``c2``, each summing to 1.  Default ``1/K`` (the mean points); an edge
        pair measured in strips passes the weights that extrapolate each edge to the
        caliper's centre line and correct its blur curvature
        (:func:`metrology.caliper.strips.pair_strips`).

    Covariance of ``(cx, cy, w)``: the pair only locates its centre *along* its direction
    ``d = (B - A) / |B - A|`` (across it the centre is where the caliper was put), so the
    centre block is ``var_along * d d^T``.  With ``std_width`` ``var(w) = sum_k c1_k^2
    s1_k^2 + c2_k^2 s2_k^2`` and ``var_along = var(w) / 4``; without it, with K >= 2 pairs of
    equal weights, both come from the scatter of the pairs' widths and midpoints (divided by
    K); otherwise None.
    """
    a = as_points(first, f"{name}: first edges", allow_batch=False)
    b = as_points(second, f"{name}: second edges", allow_batch=False)
    if len(a) != len(b) or len(a) == 0:
        raise FitError(f"{name}: expected matched first/second edge points, given "
                       f"{len(a)} and {len(b)}")
    k = len(a)
    c = _pair_weights(name, weights, k)
    A, B = c[0] @ a, c[1] @ b
    w = float(np.hypot(*(B - A)))
    if not w > 0:
        raise FitError(f"{name}: an edge pair has zero width")
    d = (B - A) / w
    params = np.array([*(0.5 * (A + B)), w])
    var_along = var_w = None
    s2 = _edge_variances(std_width, k)
    if s2 is not None:
        var_w = float(np.sum(c * c * s2))
        var_along = 0.25 * var_w
    elif k >= 2 and weights is None:
        v = b - a
        var_along = float(np.var(0.5 * (a + b) @ d, ddof=1)) / k
        var_w = float(np.var(np.hypot(v[:, 0], v[:, 1]), ddof=1)) / k
    cov = None
    if var_w is not None:
        cov = np.zeros((3, 3))
        cov[:2, :2] = var_along * np.outer(d, d)
        cov[2, 2] = var_w
    ws = np.hypot(*(b - a).T)
    rms = float(np.sqrt(np.mean((ws - ws.mean()) ** 2))) if k >= 2 else 0.0
    return PairFeature(name, unit, params, cov, rms, k, weights=c)
