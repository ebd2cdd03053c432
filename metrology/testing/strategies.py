"""Hypothesis strategies for geometry: points, poses, noisy samples of lines, circles, ellipses.

Each ``*_points`` strategy draws a shape and points on it with Gaussian noise and returns the
points together with the ground truth (a frozen ``*Sample`` dataclass), so a property test can
compare a fit with the truth.  Noise comes from a NumPy generator seeded by hypothesis, so
failures shrink and replay deterministically.

Examples
--------
>>> from hypothesis import given, settings
>>> from metrology.core import fit_circle
>>> @settings(max_examples=5, derandomize=True)
... @given(circle_points(max_noise_px=0.0))
... def test_exact(s):
...     f = fit_circle(s.points)
...     assert abs(f.radius - s.radius) < 1e-6 * s.radius
>>> test_exact()
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from typing import Any

from ..core.checks import check_finite, check_int, check_positive
from ..core.pose import Pose2D
from ..errors import InputError

__all__ = ["finite_points", "poses", "line_points", "circle_points", "ellipse_points",
           "triangles", "LineSample", "CircleSample", "EllipseSample"]


@dataclass(frozen=True, eq=False)
class LineSample:
    """Points near a line segment and the truth: ``points (N, 2)``, ``point_xy`` (segment
    centre), unit ``direction``, ``length_px`` and the noise sigma ``noise_px`` per axis."""

    points: np.ndarray
    point_xy: np.ndarray
    direction: np.ndarray
    length_px: float
    noise_px: float


@dataclass(frozen=True, eq=False)
class CircleSample:
    """Points on a circular arc: ``points (N, 2)``, ``center_xy``, ``radius``, ``arc_deg``
    (angular extent sampled), ``start_deg`` and ``noise_px`` (sigma per axis)."""

    points: np.ndarray
    center_xy: np.ndarray
    radius: float
    arc_deg: float
    start_deg: float
    noise_px: float


@dataclass(frozen=True, eq=False)
class EllipseSample:
    """Points on an elliptical arc: ``points (N, 2)``, ``center_xy``, ``semi_axes`` ``(a, b)``
    with ``a >= b``, ``angle_deg`` of the major axis, ``arc_deg`` and ``noise_px``."""

    points: np.ndarray
    center_xy: np.ndarray
    semi_axes: np.ndarray
    angle_deg: float
    arc_deg: float
    noise_px: float


_MAX_BOUND = 1e15
_MAX_POINTS = 100_000


def _check_range(lo: Any, hi: Any, name: str, *, low: float = -_MAX_BOUND,
                 high: float = _MAX_BOUND, positive: bool = False) -> tuple[float, float]:
    """Two finite numbers with ``low <= lo <= hi <= high`` (``lo > 0`` when ``positive``)."""
    lo = check_finite(lo, name.split("/")[0], min=low, max=high)
    hi = check_finite(hi, name.split("/")[-1], min=low, max=high)
    if lo > hi:
        raise InputError(f"{name}: expected min <= max, given ({lo}, {hi})")
    if positive and not lo > 0:
        raise InputError(f"{name}: expected positive values, given ({lo}, {hi})")
    return lo, hi


def _check_counts(lo: Any, hi: Any, least: int) -> tuple[int, int]:
    lo = check_int(lo, "min_points", min=least, max=_MAX_POINTS)
    hi = check_int(hi, "max_points", min=least, max=_MAX_POINTS)
    if lo > hi:
        raise InputError(f"min_points/max_points: expected min <= max, given ({lo}, {hi})")
    return lo, hi


def _check_bound(bound: Any) -> float:
    return check_positive(bound, "bound", max=_MAX_BOUND)


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def finite_points(min_points: int = 1, max_points: int = 50,
                  bound: float = 1e4) -> st.SearchStrategy[np.ndarray]:
    """Arrays ``(N, 2)`` float64 of finite coordinates in ``[-bound, bound]``.

    Parameters
    ----------
    min_points, max_points : int
    bound : float
    """
    min_points, max_points = _check_counts(min_points, max_points, 0)
    bound = _check_bound(bound)
    return hnp.arrays(np.float64, st.tuples(st.integers(min_points, max_points), st.just(2)),
                      elements=st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                                         width=64))


def poses(max_translation: float = 1000.0, min_scale: float = 0.5, max_scale: float = 2.0,
          min_angle_deg: float = -180.0, max_angle_deg: float = 180.0
          ) -> st.SearchStrategy[Pose2D]:
    """:class:`~metrology.Pose2D` with bounded translation, angle and (positive) scale."""
    min_scale, max_scale = _check_range(min_scale, max_scale, "min_scale/max_scale",
                                        positive=True)
    min_angle_deg, max_angle_deg = _check_range(min_angle_deg, max_angle_deg,
                                                "min_angle_deg/max_angle_deg")
    max_translation = check_positive(max_translation, "max_translation", allow_zero=True,
                                     max=_MAX_BOUND) + 0.0      # -0.0 -> 0.0
    t = _floats(-max_translation, max_translation)
    return st.builds(Pose2D, t, t, _floats(min_angle_deg, max_angle_deg),
                     _floats(min_scale, max_scale))


_seeds = st.integers(0, 2**32 - 1)


def _extent(arc: float, n: int) -> float:
    """Angle of the arc's far end: the whole arc, but never closer to the start than 360/n
    degrees around a closed circle (so the two forced end points never nearly coincide)."""
    return min(arc, 360.0 * (1.0 - 1.0 / max(n, 2)))


@st.composite
def _line_points(draw, min_points: int = 3, max_points: int = 64, bound: float = 1000.0,
                min_length_px: float = 10.0, max_length_px: float = 1000.0,
                max_noise_px: float = 0.5) -> LineSample:
    """Points spread along a segment of a random line plus isotropic Gaussian noise.

    Points are uniform along the segment (random order); ``noise_px`` is drawn in
    ``[0, max_noise_px]``.
    """
    n = draw(st.integers(min_points, max_points))
    c = np.array([draw(_floats(-bound, bound)), draw(_floats(-bound, bound))])
    ang = math.radians(draw(_floats(-180.0, 180.0)))
    d = np.array([math.cos(ang), math.sin(ang)])
    length = draw(_floats(min_length_px, max_length_px))
    sigma = draw(_floats(0.0, max_noise_px))
    rng = np.random.default_rng(draw(_seeds))
    t = rng.uniform(-length / 2, length / 2, n)
    t[:2] = (-length / 2, length / 2)                  # the segment's extent is always sampled
    rng.shuffle(t)
    pts = c + t[:, None] * d + rng.normal(0.0, sigma, (n, 2)) if sigma > 0 else c + t[:, None] * d
    return LineSample(pts, c, d, length, sigma)


@st.composite
def _circle_points(draw, min_points: int = 5, max_points: int = 64, min_radius: float = 2.0,
                  max_radius: float = 500.0, min_arc_deg: float = 30.0,
                  max_arc_deg: float = 360.0, max_noise_px: float = 0.5,
                  bound: float = 1000.0) -> CircleSample:
    """Points on a random circular arc plus isotropic Gaussian noise (random order).

    Angles are uniform in ``[start, start + arc)``, with both ends of the arc included so the
    sampled extent is ``arc_deg`` (for nearly closed circles the far end stops 360/N degrees
    before the start).
    """
    n = draw(st.integers(min_points, max_points))
    c = np.array([draw(_floats(-bound, bound)), draw(_floats(-bound, bound))])
    r = draw(_floats(min_radius, max_radius))
    arc = draw(_floats(min_arc_deg, max_arc_deg))
    start = draw(_floats(-180.0, 180.0))
    sigma = draw(_floats(0.0, max_noise_px))
    rng = np.random.default_rng(draw(_seeds))
    th = np.radians(start + arc * rng.uniform(0, 1, n))
    th[:2] = np.radians([start, start + _extent(arc, n)])
    rng.shuffle(th)
    pts = c + r * np.c_[np.cos(th), np.sin(th)]
    if sigma > 0:
        pts = pts + rng.normal(0.0, sigma, (n, 2))
    return CircleSample(pts, c, r, arc, start, sigma)


@st.composite
def _ellipse_points(draw, min_points: int = 8, max_points: int = 64, min_axis: float = 5.0,
                   max_axis: float = 500.0, min_ratio: float = 0.3, max_ratio: float = 0.9,
                   min_arc_deg: float = 180.0, max_arc_deg: float = 360.0,
                   max_noise_px: float = 0.5, bound: float = 1000.0) -> EllipseSample:
    """Points on a random elliptical arc (parametric angle uniform) plus Gaussian noise.

    ``ratio = b / a`` is drawn in ``[min_ratio, max_ratio]``; keep ``max_ratio`` below 1 when the
    test needs a well-defined major-axis angle.
    """
    n = draw(st.integers(min_points, max_points))
    c = np.array([draw(_floats(-bound, bound)), draw(_floats(-bound, bound))])
    a = draw(_floats(min_axis, max_axis))
    b = a * draw(_floats(min_ratio, max_ratio))
    ang = draw(_floats(-89.999, 90.0))
    arc = draw(_floats(min_arc_deg, max_arc_deg))
    start = draw(_floats(-180.0, 180.0))
    sigma = draw(_floats(0.0, max_noise_px))
    rng = np.random.default_rng(draw(_seeds))
    t = np.radians(start + arc * rng.uniform(0, 1, n))
    t[:2] = np.radians([start, start + _extent(arc, n)])
    rng.shuffle(t)
    th = math.radians(ang)
    x, y = a * np.cos(t), b * np.sin(t)
    pts = c + np.c_[x * math.cos(th) - y * math.sin(th), x * math.sin(th) + y * math.cos(th)]
    if sigma > 0:
        pts = pts + rng.normal(0.0, sigma, (n, 2))
    return EllipseSample(pts, c, np.array([a, b]), ang, arc, sigma)


@st.composite
def _triangles(draw, min_angle_deg: float = 15.0, min_size: float = 1.0,
              max_size: float = 1000.0, bound: float = 1000.0) -> np.ndarray:
    """Well-conditioned triangles ``(3, 2)``: every interior angle >= ``min_angle_deg`` and the
    circumradius in ``[min_size, max_size]``; vertices in counter-clockwise order (in a y-up
    frame; y-down images show them clockwise)."""
    c = np.array([draw(_floats(-bound, bound)), draw(_floats(-bound, bound))])
    R = draw(_floats(min_size, max_size))
    u = np.array([draw(_floats(0.0, 1.0)) for _ in range(3)]) + 1e-3
    arcs = 2 * min_angle_deg + (360.0 - 6 * min_angle_deg) * u / u.sum()  # interior = arc / 2
    start = draw(_floats(-180.0, 180.0))
    th = np.radians(start + np.concatenate([[0.0], np.cumsum(arcs[:2])]))
    return c + R * np.c_[np.cos(th), np.sin(th)]


def line_points(min_points: int = 3, max_points: int = 64, bound: float = 1000.0,
                min_length_px: float = 10.0, max_length_px: float = 1000.0,
                max_noise_px: float = 0.5) -> st.SearchStrategy[LineSample]:
    """Points spread along a segment of a random line plus isotropic Gaussian noise.

    Points are uniform along the segment (random order), with both ends of the segment
    included; ``noise_px`` is drawn in ``[0, max_noise_px]``.  Arguments are checked here
    (:class:`~metrology.errors.InputError`), not when an example is drawn.
    """
    min_points, max_points = _check_counts(min_points, max_points, 2)
    bound = _check_bound(bound)
    lo, hi = _check_range(min_length_px, max_length_px, "min_length_px/max_length_px",
                          positive=True)
    noise = check_positive(max_noise_px, "max_noise_px", allow_zero=True, max=_MAX_BOUND) + 0.0  # -0.0 -> 0.0
    return _line_points(min_points, max_points, bound, lo, hi, noise)


def circle_points(min_points: int = 5, max_points: int = 64, min_radius: float = 2.0,
                  max_radius: float = 500.0, min_arc_deg: float = 30.0,
                  max_arc_deg: float = 360.0, max_noise_px: float = 0.5,
                  bound: float = 1000.0) -> st.SearchStrategy[CircleSample]:
    """Points on a random circular arc plus isotropic Gaussian noise (random order).

    Angles are uniform in ``[start, start + arc)``, with both ends of the arc included so the
    sampled extent is ``arc_deg`` (for nearly closed circles the far end stops 360/N degrees
    before the start).  Arguments are checked here, not when an example is drawn.
    """
    min_points, max_points = _check_counts(min_points, max_points, 2)
    r0, r1 = _check_range(min_radius, max_radius, "min_radius/max_radius", positive=True)
    a0, a1 = _check_range(min_arc_deg, max_arc_deg, "min_arc_deg/max_arc_deg", low=0.0,
                          high=360.0, positive=True)
    noise = check_positive(max_noise_px, "max_noise_px", allow_zero=True, max=_MAX_BOUND) + 0.0  # -0.0 -> 0.0
    return _circle_points(min_points, max_points, r0, r1, a0, a1, noise, _check_bound(bound))


def ellipse_points(min_points: int = 8, max_points: int = 64, min_axis: float = 5.0,
                   max_axis: float = 500.0, min_ratio: float = 0.3, max_ratio: float = 0.9,
                   min_arc_deg: float = 180.0, max_arc_deg: float = 360.0,
                   max_noise_px: float = 0.5,
                   bound: float = 1000.0) -> st.SearchStrategy[EllipseSample]:
    """Points on a random elliptical arc (parametric angle uniform) plus Gaussian noise.

    ``ratio = b / a`` is drawn in ``[min_ratio, max_ratio]`` (within (0, 1]); keep
    ``max_ratio`` below 1 when the test needs a well-defined major-axis angle.  Arguments are
    checked here, not when an example is drawn.
    """
    min_points, max_points = _check_counts(min_points, max_points, 2)
    x0, x1 = _check_range(min_axis, max_axis, "min_axis/max_axis", positive=True)
    q0, q1 = _check_range(min_ratio, max_ratio, "min_ratio/max_ratio", low=0.0, high=1.0,
                          positive=True)
    a0, a1 = _check_range(min_arc_deg, max_arc_deg, "min_arc_deg/max_arc_deg", low=0.0,
                          high=360.0, positive=True)
    noise = check_positive(max_noise_px, "max_noise_px", allow_zero=True, max=_MAX_BOUND) + 0.0  # -0.0 -> 0.0
    return _ellipse_points(min_points, max_points, x0, x1, q0, q1, a0, a1, noise,
                           _check_bound(bound))


def triangles(min_angle_deg: float = 15.0, min_size: float = 1.0, max_size: float = 1000.0,
              bound: float = 1000.0) -> st.SearchStrategy[np.ndarray]:
    """Well-conditioned triangles ``(3, 2)``: every interior angle >= ``min_angle_deg`` and the
    circumradius in ``[min_size, max_size]``; vertices in counter-clockwise order (in a y-up
    frame; y-down images show them clockwise).  Arguments are checked here."""
    min_angle_deg = check_finite(min_angle_deg, "min_angle_deg")
    if not 0 < min_angle_deg < 60:
        raise InputError(f"min_angle_deg: expected in (0, 60), given {min_angle_deg}")
    lo, hi = _check_range(min_size, max_size, "min_size/max_size", positive=True)
    return _triangles(min_angle_deg, lo, hi, _check_bound(bound))
