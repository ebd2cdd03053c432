"""Fitted features (circle, line, ellipse, edge pair) in one coordinate space, with covariance.

A tool's edge points are fitted twice: in image pixels (for the overlay and the ``*_px`` values)
and, after mapping every edge point through the measuring plane (``plane.to_mm``, which
undistorts), in millimetres.  Fitting in mm, not converting a pixel fit, is what makes the result
right under lens distortion and a tilted plane: a circle seen obliquely is an ellipse in the
image, but its edge points mapped to the plane lie on a circle again.

Each :class:`Feature` carries a parameter vector and its covariance from the least-squares fit
(``s^2 (J^T J)^-1`` with ``s^2`` the residual variance), so derived measurements propagate
uncertainty linearly (see :mod:`metrology.inspect.measure`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..core.checks import as_points
from ..errors import FitError

__all__ = ["Feature", "circle_feature", "line_feature", "ellipse_feature", "pair_feature"]

# parameter layout per kind
PARAMS = {"circle": ("cx", "cy", "r"), "ellipse": ("cx", "cy", "a", "b", "angle"),
          "edge_pair": ("cx", "cy", "w"), "line": ("offset", "angle")}


@dataclass(frozen=True)
class Feature:
    """A fitted geometric feature in one coordinate space (``unit`` "px" or "mm").

    Parameters (``params``) by ``kind``:

    * ``circle``: ``(cx, cy, r)``;
    * ``ellipse``: ``(cx, cy, a, b, angle_rad)`` with a >= b;
    * ``edge_pair``: ``(cx, cy, w)``: centre of the pair and edge-to-edge width;
    * ``line``: ``(offset, angle_rad)``: the line passes through ``base + offset * base_normal``
      (``base`` = centroid of the edge points at fit time) with direction
      ``(cos angle, sin angle)``; the two are uncorrelated there.

    ``cov`` is the (P, P) covariance of ``params`` (None when it cannot be estimated, e.g. an
    edge pair seen by a single caliper).  ``rms`` is the RMS residual of the edge points,
    ``n_points`` the number used.
    """

    name: str
    kind: str
    unit: str
    params: np.ndarray
    cov: np.ndarray | None
    rms: float
    n_points: int
    base: np.ndarray | None = None          # line: centroid at fit time, (2,)
    base_normal: np.ndarray | None = None   # line: normal at fit time, (2,)
    half_length: float = 0.0                # line: half extent of the edge points
    extra: dict = field(default_factory=dict)

    # -- geometry accessors -----------------------------------------------------------------
    @property
    def is_line(self) -> bool:
        return self.kind == "line"

    @property
    def point(self) -> np.ndarray:
        """The feature's reference point (centre; the centroid for a line), shape (2,)."""
        if self.kind == "line":
            return self.base + self.params[0] * self.base_normal
        return self.params[:2].copy()

    @property
    def direction(self) -> np.ndarray:
        """Unit direction of a line, shape (2,)."""
        a = self.params[1]
        return np.array([math.cos(a), math.sin(a)])

    @property
    def normal(self) -> np.ndarray:
        """Direction turned by +90 deg: ``(-dy, dx)``."""
        d = self.direction
        return np.array([-d[1], d[0]])

    def with_params(self, params: np.ndarray) -> "Feature":
        """The same feature with other parameters (used for uncertainty propagation)."""
        return replace(self, params=np.asarray(params, dtype=np.float64))

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"kind": self.kind, "unit": self.unit, "rms": self.rms,
                             "n_points": self.n_points}
        if self.kind == "line":
            d.update(point=self.point.tolist(), direction=self.direction.tolist(),
                     length=2 * self.half_length)
        elif self.kind == "circle":
            d.update(center=self.params[:2].tolist(), radius=float(self.params[2]))
        elif self.kind == "ellipse":
            d.update(center=self.params[:2].tolist(), semi_axes=self.params[2:4].tolist(),
                     angle_deg=math.degrees(self.params[4]))
        else:
            d.update(center=self.params[:2].tolist(), width=float(self.params[2]))
        if self.cov is not None:
            d["std"] = np.sqrt(np.clip(np.diag(self.cov), 0, None)).tolist()
        return d


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


def circle_feature(name: str, points: Any, unit: str) -> Feature:
    """Fit a circle (geometric least squares) to edge points (N, 2), N >= 3.

    Raises
    ------
    FitError
        Fewer than 3 points or a degenerate configuration.
    """
    from ..core import fit_circle

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
    return Feature(name, "circle", unit, np.array([c[0], c[1], r]), _cov_from_jacobian(J, res),
                   float(np.sqrt(np.mean(res ** 2))), len(pts))


def line_feature(name: str, points: Any, unit: str, direction_hint: Any = None) -> Feature:
    """Fit a line (total least squares) to edge points (N, 2), N >= 2, oriented along
    ``direction_hint`` (the tool's ``p0 -> p1`` in the same space) when given."""
    from ..core import fit_line

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
    return Feature(name, "line", unit, np.array([0.0, math.atan2(d[1], d[0])]), cov,
                   float(np.sqrt(np.mean(e ** 2))), N, base=base, base_normal=n,
                   half_length=float(0.5 * (t.max() - t.min())))


def ellipse_feature(name: str, points: Any, unit: str) -> Feature:
    """Fit an ellipse (geometric) to edge points (N, 2), N >= 5; covariance from the numerical
    Jacobian of the point-to-ellipse distances."""
    from ..core import distance_point_ellipse, fit_ellipse

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
    return Feature(name, "ellipse", unit, p, _cov_from_jacobian(J, res),
                   float(np.sqrt(np.mean(res ** 2))), len(pts))


def pair_feature(name: str, first: Any, second: Any, unit: str,
                 std_width: float | None = None) -> Feature:
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
    return Feature(name, "edge_pair", unit, params, cov, rms, k)
