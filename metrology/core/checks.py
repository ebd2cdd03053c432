"""Input checks shared by every layer: one place that turns bad arrays into clear errors.

All public functions of the library validate their array inputs through these helpers, so a
wrong shape, a wrong dtype, NaN or inf always surfaces as :class:`~metrology.errors.ShapeError`
or :class:`~metrology.errors.InputError` naming the argument, the expected and the given value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError, ShapeError

__all__ = ["as_points", "as_vector", "check_positive", "check_finite", "check_choice"]


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"array of shape {a.shape} and dtype {a.dtype}"
    return f"{type(a).__name__}"


def as_points(points: Any, name: str = "points", *, min_points: int = 0,
              allow_batch: bool = True, finite: bool = True) -> np.ndarray:
    """Validate and convert point coordinates to a float64 array of shape ``(..., N, 2)``.

    Parameters
    ----------
    points : array_like, shape (..., N, 2)
        ``(x, y)`` coordinates in pixels (or mm where the caller says so).
    name : str
        Argument name used in error messages.
    min_points : int
        Smallest acceptable ``N``; fewer raises :class:`ShapeError`.
    allow_batch : bool
        If False, only ``(N, 2)`` is accepted.
    finite : bool
        If True, NaN or inf raises :class:`InputError`.

    Returns
    -------
    ndarray, shape (..., N, 2), float64

    Examples
    --------
    >>> as_points([[0, 0], [1, 2]]).shape
    (2, 2)
    """
    if isinstance(points, (str, bytes)) or points is None:
        raise ShapeError(f"{name}: expected an array of (x, y) points of shape (N, 2), "
                         f"given {_describe(points)}")
    try:
        arr = np.asarray(points)
    except Exception as exc:  # ragged lists and similar
        raise ShapeError(f"{name}: expected an array of (x, y) points of shape (N, 2), "
                         f"could not convert the input ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ShapeError(f"{name}: expected a numeric array of shape (N, 2), "
                         f"given {_describe(arr)}")
    if np.iscomplexobj(arr):
        raise ShapeError(f"{name}: expected real coordinates, given complex dtype {arr.dtype}")
    if arr.ndim < 2 or arr.shape[-1] != 2:
        raise ShapeError(f"{name}: expected shape (..., N, 2) with (x, y) in the last axis, "
                         f"given shape {arr.shape}")
    if not allow_batch and arr.ndim != 2:
        raise ShapeError(f"{name}: expected a single point set of shape (N, 2), "
                         f"given shape {arr.shape}")
    if arr.shape[-2] < min_points:
        raise ShapeError(f"{name}: expected at least {min_points} points, "
                         f"given {arr.shape[-2]} (shape {arr.shape})")
    arr = arr.astype(np.float64, copy=False)
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise InputError(f"{name}: expected finite coordinates, given {bad} NaN/inf value(s); "
                         f"remove or mask invalid points first")
    return arr


def as_vector(value: Any, name: str, size: int = 2, *, finite: bool = True) -> np.ndarray:
    """Validate a single vector of ``size`` numbers (e.g. one ``(x, y)`` point).

    Returns
    -------
    ndarray, shape (size,), float64
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except Exception:
        raise ShapeError(f"{name}: expected {size} numbers, given {_describe(value)}") from None
    if arr.shape != (size,):
        raise ShapeError(f"{name}: expected shape ({size},), given shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: expected finite numbers, given {arr.tolist()}")
    return arr


def check_finite(value: Any, name: str) -> float:
    """Return ``value`` as a float, raising :class:`InputError` if it is not a finite number."""
    try:
        v = float(value)
    except Exception:
        raise InputError(f"{name}: expected a number, given {value!r}") from None
    if not np.isfinite(v):
        raise InputError(f"{name}: expected a finite number, given {v}")
    return v


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, raising :class:`InputError` unless it is > 0 (or >= 0)."""
    v = check_finite(value, name)
    if v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                         f"number, given {v}")
    return v


def check_choice(value: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`InputError`."""
    if value not in choices:
        raise InputError(f"{name}: expected one of {', '.join(map(repr, choices))}, "
                         f"given {value!r}")
    return value
