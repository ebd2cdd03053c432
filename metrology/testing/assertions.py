"""Assertion helpers with tolerances in pixels (or degrees), for tests of measurement code.

They raise :class:`AssertionError` with the figures a reader needs (RMS, worst point and its
index), so a failing accuracy test says by how much it failed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.checks import _numeric, check_positive
from ..errors import InputError

__all__ = ["assert_points_close", "assert_pose_close"]


def _prefix(msg: Any) -> str:
    if not isinstance(msg, str):
        raise InputError(f"msg: expected a string, given {type(msg).__name__}")
    return f"{msg}: " if msg else ""


def assert_points_close(actual: Any, expected: Any, rms_px: float | None = None,
                        max_px: float | None = None, *, msg: str = "") -> None:
    """Assert that two point arrays agree within an RMS and/or a maximum Euclidean distance.

    Parameters
    ----------
    actual, expected : array_like, shape (..., 2)
        Same shape; compared point by point (Euclidean distance of each ``(x, y)`` pair).
    rms_px : float, optional
        Largest accepted root-mean-square distance.
    max_px : float, optional
        Largest accepted distance of any single point.
    msg : str
        Prefix for the failure message.

    Raises
    ------
    AssertionError
        Shapes differ, ``actual`` has NaN/inf, or a tolerance is exceeded.
    InputError
        Neither tolerance given, a negative or non-numeric tolerance, or arguments that are
        not arrays of numbers.

    Examples
    --------
    >>> assert_points_close([[1.0, 2.0]], [[1.0, 2.05]], max_px=0.1)
    >>> assert_points_close([[1.0, 2.0]], [[1.0, 2.5]], max_px=0.1)
    Traceback (most recent call last):
    ...
    AssertionError: points differ: max 0.5 px > 0.1 px at index (0,) (rms 0.5 px over 1 point(s))
    """
    if rms_px is None and max_px is None:
        raise InputError("assert_points_close: give rms_px and/or max_px")
    rms_px = None if rms_px is None else check_positive(rms_px, "rms_px", allow_zero=True)
    max_px = None if max_px is None else check_positive(max_px, "max_px", allow_zero=True)
    pre = _prefix(msg)
    a = _numeric(actual, "actual", "points of shape (..., 2)")
    e = _numeric(expected, "expected", "points of shape (..., 2)")
    if a.shape != e.shape or a.ndim == 0 or a.shape[-1] != 2:
        raise AssertionError(f"{pre}shapes differ or are not (..., 2): actual {a.shape}, "
                             f"expected {e.shape}")
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{pre}actual has {int(np.count_nonzero(~np.isfinite(a)))} "
                             f"NaN/inf value(s)")
    if a.size == 0:
        return
    d = np.hypot(a[..., 0] - e[..., 0], a[..., 1] - e[..., 1])
    rms = float(np.sqrt(np.mean(d * d)))
    worst = np.unravel_index(int(np.argmax(d)), d.shape)
    mx = float(d[worst])
    tail = f"(rms {rms:.6g} px over {d.size} point(s))"
    if max_px is not None and mx > max_px:
        raise AssertionError(f"{pre}points differ: max {mx:.6g} px > {max_px:.6g} px at index "
                             f"{tuple(int(i) for i in worst)} {tail}")
    if rms_px is not None and rms > rms_px:
        raise AssertionError(f"{pre}points differ: rms {rms:.6g} px > {rms_px:.6g} px "
                             f"(max {mx:.6g} px at index {tuple(int(i) for i in worst)})")


def assert_pose_close(actual: Any, expected: Any, tol_px: float = 1e-6, tol_deg: float = 1e-6,
                      tol_scale: float = 1e-9, *, msg: str = "") -> None:
    """Assert that two :class:`~metrology.Pose2D` agree (translation, angle mod 360, scale).

    Examples
    --------
    >>> from metrology import Pose2D
    >>> assert_pose_close(Pose2D(1, 2, 179.9999), Pose2D(1, 2, -180), tol_deg=1e-3)
    """
    from ..core.pose import Pose2D
    if not isinstance(actual, Pose2D) or not isinstance(expected, Pose2D):
        raise InputError("assert_pose_close: expected two Pose2D objects, given "
                         f"{type(actual).__name__} and {type(expected).__name__}")
    tol_px = check_positive(tol_px, "tol_px", allow_zero=True)
    tol_deg = check_positive(tol_deg, "tol_deg", allow_zero=True)
    tol_scale = check_positive(tol_scale, "tol_scale", allow_zero=True)
    dt = math.hypot(actual.x - expected.x, actual.y - expected.y)
    da = abs(math.remainder(actual.angle_deg - expected.angle_deg, 360.0))
    ds = abs(actual.scale - expected.scale)
    pre = _prefix(msg)
    if dt > tol_px or da > tol_deg or ds > tol_scale:
        raise AssertionError(f"{pre}poses differ: translation {dt:.6g} px (tol {tol_px}), angle "
                             f"{da:.6g} deg (tol {tol_deg}), scale {ds:.6g} (tol {tol_scale}); "
                             f"actual {actual}, expected {expected}")
