"""Argument checks and weight helpers of :mod:`metrology.caliper.features` (internal)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError

__all__: list[str] = []


def _finite_array(v: Any, name: str) -> np.ndarray:
    try:
        a = np.array(v, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: expected numbers, given {type(v).__name__}") from None
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: expected finite numbers")
    return a


def _pair_weights(name: str, weights: Any, k: int) -> np.ndarray:
    """(2, K) edge weights, each row summing to 1."""
    if weights is None:
        return np.full((2, k), 1.0 / k)
    c = _finite_array(weights, f"{name}: weights")
    if c.shape != (2, k) or not np.all(np.isfinite(c)) or \
            np.any(np.abs(c.sum(axis=1) - 1.0) > 1e-9):
        raise InputError(f"{name}: weights: expected (2, {k}) finite numbers, each row summing "
                         f"to 1, given shape {c.shape}")
    return c


def _edge_variances(std_width: Any, k: int) -> np.ndarray | None:
    """(2, K) per-edge variances from a width std (scalar, (K,)) or per-edge stds (2, K);
    None when not given or not finite."""
    if std_width is None:
        return None
    try:
        s = np.array(std_width, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"std_width: expected numbers, given {type(std_width).__name__}") \
            from None
    if s.shape == (2, k):
        v = s * s
    elif s.shape in ((), (k,)):
        v = np.broadcast_to(0.5 * s * s, (2, k))
    else:
        raise InputError(f"std_width: expected a number, ({k},) or (2, {k}), given shape "
                         f"{s.shape}")
    return v if np.all(np.isfinite(v)) and np.all(v >= 0) else None
