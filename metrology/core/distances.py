"""Distances from points to lines, circles and ellipses, and projections; fully vectorized.

All functions use plain NumPy broadcasting over the leading axes of ``(..., 2)`` arrays: to
measure a batch of point sets ``(B, N, 2)`` against a batch of lines ``(B, 2)``, pass
``point_xy[:, None]`` (shape ``(B, 1, 2)``).  The fit results' ``.distance(points)`` methods do
that for you.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, ShapeError
from .checks import MAX_COORD, _numeric

__all__ = ["distance_point_line", "project_point_on_line", "distance_point_circle",
           "distance_point_ellipse", "closest_point_ellipse"]


def _arr(v: Any, name: str, last: int | None = 2) -> np.ndarray:
    a = _numeric(v, name, "numbers" if last is None else f"numbers of shape (..., {last})")
    if last is not None and (a.ndim == 0 or a.shape[-1] != last):
        raise ShapeError(f"{name}: expected shape (..., {last}), given shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: expected finite values, given NaN/inf")
    if a.size and np.abs(a).max() > MAX_COORD:
        raise InputError(f"{name}: values up to {np.abs(a).max():.3g} are beyond "
                         f"+-{MAX_COORD:g}, where float64 cannot resolve a pixel")
    return a


def _unit(direction: Any, name: str = "direction") -> np.ndarray:
    d = _arr(direction, name)
    n = np.linalg.norm(d, axis=-1, keepdims=True)
    if np.any(n == 0):
        raise InputError(f"{name}: expected a non-zero direction vector, given (0, 0)")
    return d / n


def _bcast(*arrays: np.ndarray, names: str) -> None:
    try:
        np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise ShapeError(f"{names}: shapes {[a.shape for a in arrays]} do not broadcast") from None


def distance_point_line(points: Any, point_xy: Any, direction: Any) -> np.ndarray:
    """Signed distance from points to the line through ``point_xy`` along ``direction``.

    Parameters
    ----------
    points : array_like, shape (..., 2)
    point_xy : array_like, shape (..., 2)
        A point on the line.
    direction : array_like, shape (..., 2)
        Line direction (any non-zero length).

    Returns
    -------
    ndarray, shape (...)
        Positive on the side of the normal ``(-dy, dx)`` (direction turned +90 degrees).

    Examples
    --------
    >>> float(distance_point_line([0.0, 2.0], [0, 0], [1, 0]))
    2.0
    """
    p = _arr(points, "points")
    c = _arr(point_xy, "point_xy")
    d = _unit(direction)
    _bcast(p, c, d, names="distance_point_line")
    q = p - c
    return d[..., 0] * q[..., 1] - d[..., 1] * q[..., 0]


def project_point_on_line(points: Any, point_xy: Any, direction: Any) -> np.ndarray:
    """Orthogonal projection (foot point) of ``points`` on a line.

    Parameters
    ----------
    points, point_xy, direction : array_like, shape (..., 2)

    Returns
    -------
    ndarray, shape (..., 2)

    Examples
    --------
    >>> project_point_on_line([3.0, 4.0], [0, 0], [1, 0]).tolist()
    [3.0, 0.0]
    """
    p = _arr(points, "points")
    c = _arr(point_xy, "point_xy")
    d = _unit(direction)
    _bcast(p, c, d, names="project_point_on_line")
    t = np.sum((p - c) * d, axis=-1, keepdims=True)
    return c + t * d


def distance_point_circle(points: Any, center_xy: Any, radius: Any) -> np.ndarray:
    """Signed distance ``|p - c| - r`` (positive outside).

    Parameters
    ----------
    points : array_like, shape (..., 2)
    center_xy : array_like, shape (..., 2)
    radius : float or array_like, shape (...)
        Non-negative.

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> float(distance_point_circle([5.0, 0.0], [0, 0], 3.0))
    2.0
    """
    p = _arr(points, "points")
    c = _arr(center_xy, "center_xy")
    r = _arr(radius, "radius", last=None)
    if np.any(r < 0):
        raise InputError("radius: expected a non-negative radius")
    _bcast(p[..., 0], c[..., 0], r, names="distance_point_circle")
    return np.hypot(p[..., 0] - c[..., 0], p[..., 1] - c[..., 1]) - r


def _ellipse_args(points, center_xy, semi_axes, angle_deg):
    p = _arr(points, "points")
    c = _arr(center_xy, "center_xy")
    ax = _arr(semi_axes, "semi_axes")
    th = np.radians(_arr(angle_deg, "angle_deg", last=None))
    if np.any(ax <= 0):
        raise InputError("semi_axes: expected positive semi-axes (a, b)")
    _bcast(p[..., 0], c[..., 0], ax[..., 0], th, names="distance_point_ellipse")
    return p, c, ax, th


#: Newton on Eberly's root equation has converged once its step is below this fraction of
#: ``t = s + 1`` (the distance to the nearer pole of G): on ``t > 0`` G is convex with
#: ``G'' / |G'| <= 3 / t``, so the error left after such a step (which is applied) is below
#: ``1.5 tol^2`` of ``t``, i.e. at the rounding level.
_NEWTON_TOL = 1e-8
#: Newton steps tried from the first-order start before a point is handed to the bracketed
#: solver; points near the ellipse (the fitting case) settle in 2-3.
_NEWTON_FAST = 6


def _bracketed_root(n0, z1, rm, lo, hi, iters: int, newton: int):
    """Root of ``G(t) = (n0 / (t + rm))^2 + (z1 / t)^2 - 1`` in ``[lo, hi]`` (``lo > 0``) by a
    fixed number of bisection steps followed by Newton steps from the left end (G is convex and
    decreasing there, so Newton increases monotonically to the root without overshooting).

    The bisection halves the bracket in ``log t`` (geometric midpoints): the root may lie many
    orders of magnitude above ``lo = z1`` and below ``hi`` (a point just above the major axis
    inside the evolute has ``t ~ z1 / sqrt(1 - (n0 / rm)^2)``), where arithmetic bisection
    would leave ``lo`` at its start and Newton's steps from near the pole only grow ``t`` by
    ~1.5x each.  16 steps narrow any bracket ``hi / lo < 1e300`` to a 1 % relative width, from
    which the Newton steps converge."""
    for _ in range(iters):
        t = np.where(lo > 0, np.sqrt(lo) * np.sqrt(hi), 0.5 * (lo + hi))
        gt = (n0 / (t + rm)) ** 2 + (z1 / t) ** 2 - 1.0
        pos = gt > 0
        lo = np.where(pos, t, lo)
        hi = np.where(pos, hi, t)
    t = lo
    for _ in range(newton):
        p0 = n0 / (t + rm)
        p1 = z1 / t
        gt = p0 * p0 + p1 * p1 - 1.0
        dg = -2.0 * (p0 * p0 / (t + rm) + p1 * p1 / t)
        step = np.where(dg < 0, -gt / dg, 0.0)
        t_new = np.clip(t + np.where(np.isfinite(step), step, 0.0), lo, hi)
        t = np.where(gt > 0, t_new, t)
    return t


def _closest_local(y0: np.ndarray, y1: np.ndarray, e0: np.ndarray, e1: np.ndarray,
                   iters: int = 16, newton: int = 8):
    """Closest point on the axis-aligned ellipse ``(x/e0)^2 + (y/e1)^2 = 1`` to ``(y0, y1)``
    for ``e0 >= e1 > 0``, ``y0, y1 >= 0`` (first quadrant).

    Solves Eberly's root equation ``G(s) = (r0 z0 / (s + r0))^2 + (z1 / (s + 1))^2 - 1 = 0``
    (``z = y / e``, ``r0 = (e0 / e1)^2``) for ``t = s + 1 > 0`` (full relative precision where
    the root is close to the pole, points near the major axis inside the evolute); G is convex
    and decreasing there, its root unique.  Newton starts from a first-order estimate (the
    normal through the radial projection of the point) and stops as soon as every point's step
    is below ``_NEWTON_TOL t``; the points it has not settled by then (inside the evolute, far
    away, extreme axis ratios) get a fixed number of bisection steps on the root's bracket
    ``[z1, |(r0 z0, z1)|]`` (``[z1, 1]`` inside) and Newton steps from its left end
    (:func:`_bracketed_root`).  Vectorized; returns ``(x0, x1)``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _closest_quadrant(y0, y1, e0, e1, iters, newton)


def _closest_quadrant(y0, y1, e0, e1, iters: int = 16, newton: int = 8):
    """:func:`_closest_local` without its floating-point error state (callers that already
    ignore divide / invalid / overflow warnings save setting it)."""
    z0 = y0 / e0
    z1 = y1 / e1
    zz0 = z0 * z0
    zz1 = z1 * z1
    k2 = zz0 + zz1                                        # |z|^2
    g = k2 - 1.0
    r0 = (e0 / e1) ** 2
    rm = (e0 - e1) * (e0 + e1) / (e1 * e1)                # r0 - 1 without cancellation
    n0 = r0 * z0
    # radial projection x = z / |z| (normalised), its normal n = (x0 / r0, x1) (scaled by e1);
    # the point is ~ x + s n there: s ~ (|z| - 1) |z|^2 / (z0^2 / r0 + z1^2).  G(z1) >= 0: z1
    # is a lower bound of the root.
    t = np.maximum((np.sqrt(k2) - 1.0) * k2 / (zz0 / r0 + zz1) + 1.0, z1)
    settled = False
    conv = None
    for _ in range(_NEWTON_FAST):
        d0 = t + rm
        p0 = n0 / d0
        p1 = z1 / t
        q0 = p0 * p0
        q1 = p1 * p1
        step = (q0 + q1 - 1.0) / (2.0 * (q0 / d0 + q1 / t))       # -G / G'
        conv = np.abs(step) <= _NEWTON_TOL * t
        t = np.maximum(t + step, z1)
        if conv.all():
            settled = True
            break
    if not settled:
        # on an axis or on the ellipse: closed forms below (any t will do)
        hard = ~conv & ~((y0 == 0) | (y1 == 0) | (g == 0))
        if hard.any():
            shape = t.shape
            rmb = np.broadcast_to(rm, shape)[hard]
            n0b = np.broadcast_to(n0, shape)[hard]
            z1b = np.broadcast_to(z1, shape)[hard]
            gb = np.broadcast_to(g, shape)[hard]
            hi = np.where(gb < 0, 1.0, np.hypot(n0b, z1b))
            t = np.array(t, copy=True)
            t[hard] = _bracketed_root(n0b, z1b, rmb, z1b, hi, iters, newton)
    gx0 = r0 * y0 / (t + rm)
    gx1 = y1 / t
    any_zero = y0 * y1 * g            # 0 where a closed form applies (or on underflow: harmless)
    if np.count_nonzero(any_zero) == any_zero.size:
        return gx0, gx1
    # y on the minor axis (y0 == 0): nearest is the co-vertex
    # y on the major axis (y1 == 0): inside the evolute cusp the nearest point is off-axis
    numer0 = e0 * y0
    denom0 = e0 * e0 - e1 * e1
    xde0 = np.where(denom0 > 0, numer0 / np.where(denom0 > 0, denom0, 1.0), np.inf)
    inner = xde0 < 1.0
    ax0 = np.where(inner, e0 * xde0, e0)
    ax1 = np.where(inner, e1 * np.sqrt(np.clip(1.0 - xde0 * xde0, 0.0, None)), 0.0)
    on_minor = (y0 == 0) & (y1 > 0)
    on_major = y1 == 0
    x0 = np.where(on_major, ax0, np.where(on_minor, 0.0, gx0))
    x1 = np.where(on_major, ax1, np.where(on_minor, e1, gx1))
    exact = (g == 0) & ~on_major & ~on_minor
    return np.where(exact, y0, x0), np.where(exact, y1, x1)


def _closest_in_frame(u: np.ndarray, v: np.ndarray, a: np.ndarray,
                      b: np.ndarray, quiet: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Closest point ``(lx, ly)`` on the axis-aligned ellipse ``(x/a)^2 + (y/b)^2 = 1`` to the
    points ``(u, v)`` given in the ellipse's own frame (any order of ``a`` and ``b``, any quadrant).
    ``quiet``: the caller already ignores floating-point warnings (saves setting that state).
    """
    if np.ndim(a) == 0 and np.ndim(b) == 0:       # one ellipse: swap the axes in Python
        solve = _closest_quadrant if quiet else _closest_local
        if b > a:
            x1, x0 = solve(np.abs(v), np.abs(u), b, a)
        else:
            x0, x1 = solve(np.abs(u), np.abs(v), a, b)
        return np.copysign(x0, u), np.copysign(x1, v)
    swap = b > a
    e0, e1 = np.where(swap, b, a), np.where(swap, a, b)
    w0, w1 = np.where(swap, v, u), np.where(swap, u, v)
    x0, x1 = _closest_local(np.abs(w0), np.abs(w1), e0, e1)
    x0 = np.copysign(x0, w0)
    x1 = np.copysign(x1, w1)
    return np.where(swap, x1, x0), np.where(swap, x0, x1)


def closest_point_ellipse(points: Any, center_xy: Any, semi_axes: Any,
                          angle_deg: Any) -> tuple[np.ndarray, np.ndarray]:
    """Nearest point on an ellipse and the signed orthogonal distance (positive outside).

    Parameters
    ----------
    points : array_like, shape (..., 2)
    center_xy : array_like, shape (..., 2)
    semi_axes : array_like, shape (..., 2)
        ``(a, b)`` along the ellipse's own x and y axes (any order of size, both > 0).
    angle_deg : float or array_like, shape (...)
        Rotation of the ellipse's x axis from the image x axis.

    Returns
    -------
    closest : ndarray, shape (..., 2)
    distance : ndarray, shape (...)
    """
    p, c, ax, th = _ellipse_args(points, center_xy, semi_axes, angle_deg)
    cs, sn = np.cos(th), np.sin(th)
    q = p - c
    u = cs * q[..., 0] + sn * q[..., 1]           # local coordinates (rotate by -theta)
    v = -sn * q[..., 0] + cs * q[..., 1]
    a, b = ax[..., 0], ax[..., 1]
    lx, ly = _closest_in_frame(u, v, a, b)
    inside = (u / a) ** 2 + (v / b) ** 2 < 1.0
    dist = np.hypot(u - lx, v - ly)
    dist = np.where(inside, -dist, dist)
    closest = np.stack([c[..., 0] + cs * lx - sn * ly, c[..., 1] + sn * lx + cs * ly], axis=-1)
    return closest, dist


def distance_point_ellipse(points: Any, center_xy: Any, semi_axes: Any,
                           angle_deg: Any) -> np.ndarray:
    """Signed orthogonal (true Euclidean) distance from points to an ellipse; + outside.

    Parameters
    ----------
    points : array_like, shape (..., 2)
    center_xy : array_like, shape (..., 2)
    semi_axes : array_like, shape (..., 2)
    angle_deg : float or array_like, shape (...)

    Returns
    -------
    ndarray, shape (...)

    Examples
    --------
    >>> round(float(distance_point_ellipse([0.0, 5.0], [0, 0], [4, 2], 0.0)), 9)
    3.0
    """
    return closest_point_ellipse(points, center_xy, semi_axes, angle_deg)[1]
