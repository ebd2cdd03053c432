"""Input checks shared by every layer: one place that turns bad arrays into clear errors.

All public functions of the library validate their array inputs through these helpers, so a
wrong shape, a wrong dtype, NaN or inf always surfaces as :class:`~metrology.errors.ShapeError`
or :class:`~metrology.errors.InputError` naming the argument, the expected and the given value.
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from ..errors import InputError, ShapeError

__all__ = ["as_points", "as_vector", "check_positive", "check_finite", "check_choice",
           "check_int", "check_bool", "check_seed", "MAX_COORD"]

#: Largest coordinate magnitude accepted by :func:`as_points` (pixels or mm).  Beyond about
#: 2**53 ~ 9e15 a float64 cannot even resolve 1 unit, so such coordinates carry no sub-pixel
#: information; capping them also keeps every square and product of coordinates in the
#: library (fits, distances, projections) far from overflow.
MAX_COORD = 1e15


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"array of shape {a.shape} and dtype {a.dtype}"
    return f"{type(a).__name__}"


def as_points(points: Any, name: str = "points", *, min_points: int = 0,
              allow_batch: bool = True, finite: bool = True,
              max_abs: float | None = MAX_COORD) -> np.ndarray:
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
    max_abs : float or None, default :data:`MAX_COORD` (1e15)
        Largest accepted coordinate magnitude (:class:`InputError` beyond); None for no limit.

    Returns
    -------
    ndarray, shape (..., N, 2), float64

    Raises
    ------
    ShapeError
        Not a real numeric array of shape (..., N, 2) (booleans, complex numbers, strings and
        objects are refused), or fewer than ``min_points`` points.
    InputError
        NaN/inf (with ``finite=True``) or a coordinate beyond ``max_abs``.

    Examples
    --------
    >>> as_points([[0, 0], [1, 2]]).shape
    (2, 2)
    """
    min_points = check_int(min_points, "min_points", min=0)
    allow_batch = check_bool(allow_batch, "allow_batch")
    finite = check_bool(finite, "finite")
    if max_abs is not None:
        max_abs = check_positive(max_abs, "max_abs")
    what = "an array of (x, y) points of shape (N, 2)"
    if isinstance(points, np.ndarray) and points.dtype.kind in "iuf":
        arr = points
    else:
        arr = _numeric(points, name, what)
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
    vals = arr if finite else arr[np.isfinite(arr)]
    if max_abs is not None and vals.size:
        big = float(np.abs(vals).max())
        if big > max_abs:
            raise InputError(f"{name}: coordinates up to {big:.3g} are beyond +-{max_abs:g}, "
                             f"where float64 cannot resolve a pixel; rescale the points")
    return arr


def as_vector(value: Any, name: str, size: int = 2, *, finite: bool = True) -> np.ndarray:
    """Validate a single vector of ``size`` numbers (e.g. one ``(x, y)`` point).

    Returns
    -------
    ndarray, shape (size,), float64

    Examples
    --------
    >>> as_vector((1, 2.5), "center_xy").tolist()
    [1.0, 2.5]
    """
    if finite is not True:
        finite = check_bool(finite, "finite")
    if type(size) is not int or size < 1:
        size = check_int(size, "size", min=1, max=1 << 20)
    arr = _numeric(value, name, f"{size} numbers")
    if arr.shape != (size,):
        raise ShapeError(f"{name}: expected {size} numbers (shape ({size},)), given shape "
                         f"{arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: expected finite numbers, given {arr.tolist()}")
    return arr


def _numeric(value: Any, name: str, what: str) -> np.ndarray:
    """``value`` as a float64 array; strings, booleans, complex and non-numeric objects raise."""
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, (bool, np.bool_)):
        raise ShapeError(f"{name}: expected {what}, given {_describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception:  # ragged nested sequences
        raise ShapeError(f"{name}: expected {what}, given {_describe(value)} that is not a "
                         f"rectangular array") from None
    if arr.dtype == object:
        try:
            arr = np.asarray(arr.tolist(), dtype=np.float64) if all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                for v in arr.ravel().tolist()) else arr
        except (TypeError, ValueError, OverflowError):
            pass
    if arr.dtype.kind not in "iuf":
        raise ShapeError(f"{name}: expected {what}, given {_describe(arr)}")
    with np.errstate(over="ignore"):
        return arr.astype(np.float64, copy=False)


def check_finite(value: Any, name: str, *, min: float | None = None,
                 max: float | None = None) -> float:
    """Return ``value`` as a float, raising :class:`InputError` unless it is one finite real
    number (a numeric string such as ``"2.5"`` is read; booleans, complex numbers and arrays
    of more than one value are refused), within ``[min, max]`` when given.

    Examples
    --------
    >>> check_finite(2, "radius")
    2.0
    """
    if isinstance(value, (bytes, bool, np.bool_)) or value is None:
        raise InputError(f"{name}: expected a number, given {_describe_value(value)}")
    try:
        arr = np.asarray(float(value) if isinstance(value, str) else value)
        if arr.shape != () or arr.dtype.kind not in "iuf":
            raise TypeError
        with np.errstate(over="ignore"):
            v = float(arr)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: expected a number, given {_describe_value(value)}") from None
    if not np.isfinite(v):
        raise InputError(f"{name}: expected a finite number, given {v}")
    min, max = _bound(min, "min"), _bound(max, "max")
    if min is not None and v < min:
        raise InputError(f"{name}: expected a number >= {min:g}, given {v:g}")
    if max is not None and v > max:
        raise InputError(f"{name}: expected a number <= {max:g}, given {v:g}")
    return v


def check_positive(value: Any, name: str, *, allow_zero: bool = False,
                   max: float | None = None) -> float:
    """Return ``value`` as a float, raising :class:`InputError` unless it is > 0 (or >= 0),
    finite and at most ``max`` when given (use it to cap sizes that allocate memory).

    Examples
    --------
    >>> check_positive(1.5, "sigma", max=100)
    1.5
    """
    v = check_finite(value, name)
    allow_zero = check_bool(allow_zero, "allow_zero")
    max = _bound(max, "max")
    if v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                         f"number, given {v}")
    if max is not None and v > max:
        raise InputError(f"{name}: expected at most {max:g}, given {v:g}")
    return v


def check_int(value: Any, name: str, *, min: int | None = None, max: int | None = None) -> int:
    """Return ``value`` as an ``int``, raising :class:`InputError` unless it is an integer (an
    integral float such as ``3.0`` is accepted) within ``[min, max]`` when given.

    Examples
    --------
    >>> check_int(3.0, "num_calipers", min=1, max=10000)
    3
    """
    if isinstance(value, (bool, np.bool_, bytes)) or value is None:
        raise InputError(f"{name}: expected an integer, given {_describe_value(value)}")
    min, max = _bound(min, "min"), _bound(max, "max")
    if isinstance(value, (int, np.integer)):
        v = int(value)
    else:
        f = check_finite(value, name)
        if not f.is_integer():
            raise InputError(f"{name}: expected an integer, given {f:g}")
        v = int(f)
    if min is not None and v < min:
        raise InputError(f"{name}: expected an integer >= {min}, given {v}")
    if max is not None and v > max:
        raise InputError(f"{name}: expected an integer <= {max}, given {v}")
    return v


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a ``bool``; only ``True``/``False`` (and NumPy booleans) pass."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise InputError(f"{name}: expected True or False, given {_describe_value(value)}")


def check_choice(value: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices``, else raise
    :class:`InputError`.

    Examples
    --------
    >>> check_choice("hyper", "method", ("kasa", "hyper"))
    'hyper'
    """
    if isinstance(choices, (str, bytes)) or not isinstance(choices, (tuple, list, frozenset,
                                                                     set)):
        raise InputError(f"choices: expected a tuple of strings, given "
                         f"{_describe_value(choices)}")
    opts = tuple(choices)
    if not all(isinstance(c, str) for c in opts):
        raise InputError(f"choices: expected a tuple of strings, given "
                         f"{_describe_value(choices)}")
    if not isinstance(value, str) or value not in opts:
        raise InputError(f"{name}: expected one of {', '.join(map(repr, opts))}, "
                         f"given {_describe_value(value)}")
    return value


def check_seed(rng: Any, name: str = "rng") -> np.random.Generator:
    """A NumPy generator from ``rng``: ``None`` (fresh entropy), a non-negative integer seed,
    or a :class:`numpy.random.Generator` (used as is).

    Examples
    --------
    >>> float(check_seed(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise InputError(f"{name}: expected None, a non-negative integer seed or a "
                         f"numpy.random.Generator, given {_describe_value(rng)}")
    return np.random.default_rng(int(rng))


def _items(value: Any, name: str, types: type | tuple[type, ...], what: str) -> list:
    """``value`` as a list whose items are all ``types``; a string, bytes, a mapping or a
    non-iterable is refused (:class:`InputError` naming ``name`` and ``what``)."""
    from collections.abc import Mapping

    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise InputError(f"{name}: expected a sequence of {what}, given {type(value).__name__}")
    out = list(value)
    if not all(isinstance(v, types) for v in out):
        raise InputError(f"{name}: expected {what} items only")
    return out


def _image_size_wh(value: Any, name: str = "image_size") -> tuple[int, int]:
    """``(width, height)`` as two positive ints (:class:`ShapeError` / :class:`InputError`)."""
    try:
        w, h = (int(v) for v in value)
    except Exception:
        raise ShapeError(f"{name}: expected (width, height), given {value!r:.60}") from None
    if w <= 0 or h <= 0:
        raise InputError(f"{name}: expected positive (width, height), given {(w, h)}")
    return w, h


def _bound(v: Any, name: str) -> float | None:
    """An optional limit of a check: None or a real number (NaN refused)."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                               np.floating)) or v != v:
        raise InputError(f"{name}: expected a number or None, given {_describe_value(v)}")
    return v


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80


def _describe_value(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return _describe(v)
    text = _REPR.repr(v)            # bounded: a 5000-deep dict does not recurse to the end
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(v).__name__} {text}" if not isinstance(v, (int, float)) else text
