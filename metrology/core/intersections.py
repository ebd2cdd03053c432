"""Intersections of lines and circles and the angle between lines; vectorized.

Inputs broadcast over their leading axes.  A pair of parallel lines has no intersection point:
for a single pair :func:`intersect_lines` raises :class:`~metrology.errors.FitError`, in a batch
the row is NaN.  Line-circle and circle-circle intersections return two points per pair; "no
intersection" is a normal geometric outcome there and is encoded as NaN rows (a tangent gives
the same point twice).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FitError, InputError
from .checks import check_bool
from .distances import _arr, _bcast, _unit

__all__ = ["intersect_lines", "intersect_line_circle", "intersect_circles",
           "angle_between_lines"]

# relative tolerance below which two directions are treated as parallel (sin of the angle)
_PARALLEL_SIN = 1e-12


def intersect_lines(p1: Any, d1: Any, p2: Any, d2: Any) -> np.ndarray:
    """Intersection point of the lines ``p1 + t d1`` and ``p2 + s d2``.

    Parameters
    ----------
    p1, d1, p2, d2 : array_like, shape (..., 2)
        Points on and directions of the two lines (directions of any non-zero length).

    Returns
    -------
    ndarray, shape (..., 2)
        NaN rows for parallel pairs in a batch.

    Raises
    ------
    FitError
        A single pair of parallel (or identical) lines.

    Examples
    --------
    >>> intersect_lines([0, 1], [1, 0], [2, 0], [0, 1]).tolist()
    [2.0, 1.0]
    """
    a = _arr(p1, "p1")
    u = _unit(d1, "d1")
    b = _arr(p2, "p2")
    v = _unit(d2, "d2")
    _bcast(a, u, b, v, names="intersect_lines")
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    parallel = np.abs(cross) <= _PARALLEL_SIN
    w = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * v[..., 1] - w[..., 1] * v[..., 0]) / np.where(parallel, 1.0, cross)
    out = a + t[..., None] * u
    out = np.where(parallel[..., None], np.nan, out)
    if out.ndim == 1 and bool(parallel):
        raise FitError("intersect_lines: the lines are parallel, they have no single "
                       "intersection point")
    return out


def intersect_line_circle(point_xy: Any, direction: Any, center_xy: Any,
                          radius: Any) -> np.ndarray:
    """Intersections of a line with a circle.

    Parameters
    ----------
    point_xy, direction : array_like, shape (..., 2)
        The line.
    center_xy : array_like, shape (..., 2)
    radius : float or array_like, shape (...)

    Returns
    -------
    ndarray, shape (..., 2, 2)
        The two points ordered along ``direction`` (first has the smaller parameter); NaN rows
        where the line misses the circle; a tangent gives the same point twice.

    Examples
    --------
    >>> intersect_line_circle([0, 0], [1, 0], [0, 0], 2.0).tolist()
    [[-2.0, 0.0], [2.0, 0.0]]
    """
    p = _arr(point_xy, "point_xy")
    d = _unit(direction)
    c = _arr(center_xy, "center_xy")
    r = _arr(radius, "radius", last=None)
    if np.any(r < 0):
        raise InputError("radius: expected a non-negative radius")
    _bcast(p[..., 0], d[..., 0], c[..., 0], r, names="intersect_line_circle")
    q = p - c
    tc = -np.sum(q * d, axis=-1)                       # parameter of the foot of the centre
    foot = p + tc[..., None] * d
    h2 = r * r - np.sum((foot - c) ** 2, axis=-1)
    # tangent within rounding: clamp tiny negatives
    tol = 1e-12 * np.maximum(r * r, 1.0)
    h = np.sqrt(np.where(h2 >= -tol, np.clip(h2, 0.0, None), np.nan))
    pts = np.stack([foot - h[..., None] * d, foot + h[..., None] * d], axis=-2)
    return pts


def intersect_circles(center1_xy: Any, radius1: Any, center2_xy: Any,
                      radius2: Any) -> np.ndarray:
    """Intersections of two circles.

    Parameters
    ----------
    center1_xy, center2_xy : array_like, shape (..., 2)
    radius1, radius2 : float or array_like, shape (...)

    Returns
    -------
    ndarray, shape (..., 2, 2)
        With ``u`` the unit vector from centre 1 to centre 2 and ``n = (-u_y, u_x)``, the first
        point lies on the ``-n`` side and the second on the ``+n`` side of the centre line.  NaN
        rows where the circles do not meet (apart, nested, or concentric); a tangency gives the
        same point twice.

    Examples
    --------
    >>> intersect_circles([0, 0], 1.0, [2, 0], 1.0).round(12).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    c1 = _arr(center1_xy, "center1_xy")
    c2 = _arr(center2_xy, "center2_xy")
    r1 = _arr(radius1, "radius1", last=None)
    r2 = _arr(radius2, "radius2", last=None)
    if np.any(r1 < 0) or np.any(r2 < 0):
        raise InputError("radius: expected non-negative radii")
    _bcast(c1[..., 0], c2[..., 0], r1, r2, names="intersect_circles")
    dv = c2 - c1
    dist = np.hypot(dv[..., 0], dv[..., 1])
    ok = dist > 0
    safe = np.where(ok, dist, 1.0)
    u = dv / safe[..., None]
    n = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    a = (dist * dist + r1 * r1 - r2 * r2) / (2 * safe)
    h2 = r1 * r1 - a * a
    tol = 1e-12 * np.maximum(np.maximum(r1, r2) ** 2, 1.0)
    ok = ok & (h2 >= -tol)
    h = np.sqrt(np.clip(h2, 0.0, None))
    m = c1 + a[..., None] * u
    pts = np.stack([m - h[..., None] * n, m + h[..., None] * n], axis=-2)
    return np.where(ok[..., None, None], pts, np.nan)


def angle_between_lines(d1: Any, d2: Any, *, directed: bool = False) -> np.ndarray | float:
    """Angle between two lines (or directed vectors) in degrees.

    Parameters
    ----------
    d1, d2 : array_like, shape (..., 2)
        Directions (any non-zero length).
    directed : bool
        False (default): lines are undirected, result in [0, 90].  True: signed angle from
        ``d1`` to ``d2`` in (-180, 180] (positive = clockwise on screen, y down).

    Returns
    -------
    float or ndarray, shape (...)

    Examples
    --------
    >>> angle_between_lines([1, 0], [-1, 1])
    45.0
    >>> angle_between_lines([1, 0], [-1, 1], directed=True)
    135.0
    """
    directed = check_bool(directed, "directed")
    u = _unit(d1, "d1")
    v = _unit(d2, "d2")
    _bcast(u, v, names="angle_between_lines")
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    if directed:
        ang = np.degrees(np.arctan2(cross, dot))
        ang = np.where(ang <= -180.0, ang + 360.0, ang)
    else:
        ang = np.degrees(np.arctan2(np.abs(cross), np.abs(dot)))
    return float(ang) if np.ndim(ang) == 0 else ang
