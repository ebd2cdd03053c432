"""Result types of the geometric fits: frozen dataclasses that round-trip through JSON.

A fit of a single point set ``(N, 2)`` holds scalar fields (``float``, ``bool``, ``int``) and
``(2,)`` vectors; a fit of a batch ``(..., N, 2)`` holds arrays with the batch shape ``...`` in
front.  Failed batch items have ``ok=False`` and NaN geometry.

Uncertainties (``*_std_*`` fields and ``covariance``) are first-order: ``s^2 (J^T W J)^-1`` where
``J`` is the Jacobian of the geometric (orthogonal) residuals with respect to the parameters at
the solution, ``W`` the final weights (user weights times robust weights) normalised to mean 1
over the points used, and ``s^2 = sum(W r^2) / (n - p)`` the residual variance with ``n`` the
number of points used and ``p`` the number of parameters.  They describe the scatter of the
fitted parameters under the observed noise level assuming independent errors; NaN when
``n <= p``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .._serial import Serializable
from ..errors import InputError
from .distances import _arr

__all__ = ["LineFit", "CircleFit", "EllipseFit"]


class _FitBase(Serializable):
    """Shared behaviour of the fit results: JSON through :class:`~metrology._serial.Serializable`
    (arrays as nested lists, NaN as ``None``, a ``"type"`` tag), batch test and a compact repr."""

    #: geometry fields, uncertainty fields (name -> trailing shape) and the number of
    #: parameters of each result type
    _GEOMETRY: dict = {}
    _STD: dict = {}
    _NPARAM: int = 0

    @property
    def is_batch(self) -> bool:
        """True when the fields carry a batch dimension."""
        return np.ndim(self.ok) > 0  # type: ignore[attr-defined]

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError):
        """Inverse of ``to_dict()``: every field checked by type and shape, and the result by
        consistency (a fit marked ``ok`` has finite geometry and RMS, and finite
        uncertainties when it used more points than parameters); ``error`` names the field."""
        where = where or cls.__name__
        obj = super().from_dict(d, where=where, error=error)
        ok = np.asarray(obj.ok, dtype=bool)
        lead = ok.shape
        k = cls._NPARAM
        shapes = {**cls._GEOMETRY, "rms_px": (), **cls._STD, "n_points": (),
                  "covariance": (k, k)}
        for name, tail in shapes.items():
            v = np.asarray(getattr(obj, name))
            if v.shape != lead + tail:
                raise error(f"{where}.{name}: expected shape {lead + tail} (the shape of 'ok' "
                            f"{lead} + {tail}), given {v.shape}")
        inl = np.asarray(obj.inliers)
        if inl.shape[:-1] != lead or inl.ndim != len(lead) + 1:
            raise error(f"{where}.inliers: expected shape {lead} + (N,), given {inl.shape}")
        n = np.asarray(obj.n_points)
        for name in (*cls._GEOMETRY, "rms_px", *cls._STD, "covariance"):
            v = np.asarray(getattr(obj, name), dtype=np.float64).reshape(lead + (-1,))
            finite = np.all(np.isfinite(v), axis=-1)
            need = ok if name not in (*cls._STD, "covariance") else ok & (n > k)
            if name in ("angle_std_deg", "covariance") and "semi_axes" in cls._GEOMETRY:
                # a circle: its angle (and the covariance's angle row) is undefined
                ax = np.asarray(obj.semi_axes, dtype=np.float64)
                with np.errstate(invalid="ignore"):
                    need = need & ~(np.abs(ax[..., 0] - ax[..., 1]) <= 1e-6 * np.abs(ax[..., 0]))
            if np.any(need & ~finite):
                raise error(f"{where}.{name}: missing (null) or non-finite for a fit marked ok")
        return obj

    def __repr__(self) -> str:  # compact, readable in notebooks and logs
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray) and v.size > 6:
                parts.append(f"{f.name}=<{v.dtype} {v.shape}>")
            elif isinstance(v, np.ndarray):
                parts.append(f"{f.name}={np.array2string(v, precision=6)}")
            elif isinstance(v, float):
                parts.append(f"{f.name}={v:.6g}")
            else:
                parts.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _insert_point_axis(param: Any, points: np.ndarray, ok: Any, fill: float) -> np.ndarray:
    """Align a per-fit parameter (..., k) with points (..., N, 2) by inserting the N axis;
    failed items get a harmless ``fill`` (their distances are set to NaN afterwards)."""
    a = np.asarray(param, dtype=np.float64)
    okb = np.asarray(ok, dtype=bool)
    a = np.where(okb.reshape(okb.shape + (1,) * (a.ndim - okb.ndim)), a, fill)
    return a[..., None, :]


def _nan_failed(d: np.ndarray, ok: Any) -> np.ndarray:
    okb = np.asarray(ok, dtype=bool)
    return np.where(okb.reshape(okb.shape + (1,) * (d.ndim - okb.ndim)), d, np.nan)


@dataclass(frozen=True, eq=False, repr=False)
class LineFit(_FitBase):
    """A fitted straight line.

    Attributes
    ----------
    point_xy : ndarray, shape (..., 2)
        A point on the line: the (weighted) centroid of the points used.
    direction : ndarray, shape (..., 2)
        Unit direction, canonical sign: angle in (-90, 90] degrees (``dx > 0`` or ``dx == 0,
        dy > 0``).  Flip it yourself when a tool needs an orientation.
    normal : ndarray, shape (..., 2)
        ``direction`` rotated by +90 degrees: ``(-dy, dx)``; signed distances are positive on
        this side.
    rms_px : float or ndarray (...)
        Weighted RMS orthogonal residual over the inliers.
    ok : bool or ndarray (...)
    n_points : int or ndarray (...)
        Number of points with positive weight given to the fit.
    inliers : ndarray, shape (..., N), bool
        Points that carry weight in the final fit (robust methods drop outliers here).
    offset_std_px : float or ndarray (...)
        1-sigma uncertainty of the line's position along ``normal`` at ``point_xy``.
    angle_std_deg : float or ndarray (...)
        1-sigma uncertainty of the line's angle.
    covariance : ndarray, shape (..., 2, 2)
        Covariance of ``(offset along normal [px], angle [rad])`` at ``point_xy``.
    method : str
    """

    _GEOMETRY = {"point_xy": (2,), "direction": (2,), "normal": (2,)}
    _STD = {"offset_std_px": (), "angle_std_deg": ()}
    _NPARAM = 2

    point_xy: np.ndarray
    direction: np.ndarray
    normal: np.ndarray
    rms_px: float | np.ndarray
    ok: bool | np.ndarray = field(metadata={"dtype": "bool"})
    n_points: int | np.ndarray = field(metadata={"dtype": "int64"})
    inliers: np.ndarray = field(metadata={"dtype": "bool"})
    offset_std_px: float | np.ndarray
    angle_std_deg: float | np.ndarray
    covariance: np.ndarray
    method: str


    @property
    def angle_deg(self):
        """Angle of ``direction`` in degrees, in (-90, 90]."""
        d = np.asarray(self.direction)
        a = np.degrees(np.arctan2(d[..., 1], d[..., 0]))
        return a.item() if a.ndim == 0 else a

    def distance(self, points: Any) -> np.ndarray:
        """Signed distances of ``points`` (..., N, 2) to the line(s); + on the normal side."""
        from .distances import distance_point_line
        p = _arr(points, "points")
        if self.is_batch:
            return _nan_failed(distance_point_line(
                p, _insert_point_axis(self.point_xy, p, self.ok, 0.0),
                _insert_point_axis(self.direction, p, self.ok, 1.0)), self.ok)
        c = np.asarray(self.point_xy, dtype=np.float64)
        d = np.asarray(self.direction, dtype=np.float64)
        if c.shape != (2,) or d.shape != (2,):
            return distance_point_line(p, c, d)         # its errors for a malformed fit
        (cx, cy), (dx, dy) = c.tolist(), d.tolist()
        n = math.hypot(dx, dy)
        if not (math.isfinite(cx) and math.isfinite(cy) and math.isfinite(n) and n > 0):
            return distance_point_line(p, c, d)
        dx, dy = dx / n, dy / n
        return dx * (p[..., 1] - cy) - dy * (p[..., 0] - cx)


@dataclass(frozen=True, eq=False, repr=False)
class CircleFit(_FitBase):
    """A fitted circle.

    Attributes
    ----------
    center_xy : ndarray, shape (..., 2)
    radius : float or ndarray (...)
    rms_px : float or ndarray (...)
        Weighted RMS of the geometric residuals ``|p - c| - r`` over the inliers.
    ok : bool or ndarray (...)
    n_points : int or ndarray (...)
    inliers : ndarray, shape (..., N), bool
    center_std_px : ndarray, shape (..., 2)
        1-sigma uncertainty of ``center_xy`` (x, y).
    radius_std_px : float or ndarray (...)
    covariance : ndarray, shape (..., 3, 3)
        Covariance of ``(cx, cy, r)`` in px^2.
    method : str
    """

    _GEOMETRY = {"center_xy": (2,), "radius": ()}
    _STD = {"center_std_px": (2,), "radius_std_px": ()}
    _NPARAM = 3

    center_xy: np.ndarray
    radius: float | np.ndarray
    rms_px: float | np.ndarray
    ok: bool | np.ndarray = field(metadata={"dtype": "bool"})
    n_points: int | np.ndarray = field(metadata={"dtype": "int64"})
    inliers: np.ndarray = field(metadata={"dtype": "bool"})
    center_std_px: np.ndarray
    radius_std_px: float | np.ndarray
    covariance: np.ndarray
    method: str


    @property
    def diameter(self):
        """``2 * radius``."""
        return 2 * self.radius

    def distance(self, points: Any) -> np.ndarray:
        """Signed distances of ``points`` (..., N, 2) to the circle(s); + outside."""
        from .distances import distance_point_circle
        p = _arr(points, "points")
        if self.is_batch:
            r = np.where(self.ok, self.radius, 1.0)[..., None]
            return _nan_failed(distance_point_circle(
                p, _insert_point_axis(self.center_xy, p, self.ok, 0.0), r), self.ok)
        c = np.asarray(self.center_xy, dtype=np.float64)
        r = float(self.radius)
        if not (math.isfinite(r) and r >= 0 and math.isfinite(c[0]) and math.isfinite(c[1])):
            return distance_point_circle(p, c, r)       # its errors for a malformed fit
        return np.hypot(p[..., 0] - c[0], p[..., 1] - c[1]) - r


@dataclass(frozen=True, eq=False, repr=False)
class EllipseFit(_FitBase):
    """A fitted ellipse.

    Attributes
    ----------
    center_xy : ndarray, shape (..., 2)
    semi_axes : ndarray, shape (..., 2)
        ``(a, b)`` with ``a >= b``.
    angle_deg : float or ndarray (...)
        Angle of the major axis from +x, in (-90, 90] (y down: clockwise on screen);
        arbitrary when ``a == b`` (a circle).
    rms_px : float or ndarray (...)
        Weighted RMS of the orthogonal (true geometric) distances over the inliers.
    ok : bool or ndarray (...)
    n_points : int or ndarray (...)
    inliers : ndarray, shape (..., N), bool
    center_std_px : ndarray, shape (..., 2)
    semi_axes_std_px : ndarray, shape (..., 2)
    angle_std_deg : float or ndarray (...)
        (NaN for a circle-like ellipse, whose angle is undefined.)
    covariance : ndarray, shape (..., 5, 5)
        Covariance of ``(cx, cy, a, b, angle [rad])``.
    method : str
    """

    _GEOMETRY = {"center_xy": (2,), "semi_axes": (2,), "angle_deg": ()}
    _STD = {"center_std_px": (2,), "semi_axes_std_px": (2,), "angle_std_deg": ()}
    _NPARAM = 5

    center_xy: np.ndarray
    semi_axes: np.ndarray
    angle_deg: float | np.ndarray
    rms_px: float | np.ndarray
    ok: bool | np.ndarray = field(metadata={"dtype": "bool"})
    n_points: int | np.ndarray = field(metadata={"dtype": "int64"})
    inliers: np.ndarray = field(metadata={"dtype": "bool"})
    center_std_px: np.ndarray
    semi_axes_std_px: np.ndarray
    angle_std_deg: float | np.ndarray
    covariance: np.ndarray
    method: str


    def distance(self, points: Any) -> np.ndarray:
        """Signed orthogonal distances of ``points`` (..., N, 2); + outside."""
        from .distances import distance_point_ellipse
        p = _arr(points, "points")
        if self.is_batch:
            ang = np.where(self.ok, self.angle_deg, 0.0)[..., None]
            return _nan_failed(distance_point_ellipse(
                p, _insert_point_axis(self.center_xy, p, self.ok, 0.0),
                _insert_point_axis(self.semi_axes, p, self.ok, 1.0), ang), self.ok)
        return distance_point_ellipse(p, self.center_xy, self.semi_axes, self.angle_deg)
