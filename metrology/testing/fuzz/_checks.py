"""Argument checks of the harness itself.

The harness depends on nothing of the package it fuzzes except its error classes, so the same
harness can measure an older version of the code (the before/after figures).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ...errors import InputError


def check_int(v: Any, name: str, *, min: int | None = None, max: int | None = None) -> int:
    """An integer (not bool) within ``[min, max]``."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f"{name}: expected an integer, given {v!r:.40}")
    if (min is not None and v < min) or (max is not None and v > max):
        raise InputError(f"{name}: expected an integer in [{min}, {max}], given {v}")
    return v


def check_positive(v: Any, name: str, *, allow_zero: bool = False,
                   max: float | None = None) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``), at most ``max``."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InputError(f"{name}: expected a finite number, given {v!r:.40}")
    if v < 0 or (v == 0 and not allow_zero) or (max is not None and v > max):
        raise InputError(f"{name}: expected a number in ({0}, {max}], given {v}")
    return float(v)


def check_bool(v: Any, name: str) -> bool:
    """True or False."""
    if not isinstance(v, bool):
        raise InputError(f"{name}: expected True or False, given {v!r:.40}")
    return v


def as_path(v: Any, name: str) -> Path:
    """A path (str or os.PathLike) without NUL."""
    if not isinstance(v, (str, os.PathLike)) or "\x00" in os.fspath(v) or not os.fspath(v):
        raise InputError(f"{name}: expected a file path, given {v!r:.60}")
    return Path(v)


def input_file(v: Any, name: str) -> Path:
    """An existing regular file."""
    p = as_path(v, name)
    try:
        ok = p.is_file()
    except OSError:
        ok = False
    if not ok:
        raise InputError(f"{name}: not a readable file: {str(p)[:200]}")
    return p


def output_dir(v: Any, name: str) -> Path:
    """A folder, created when missing."""
    p = as_path(v, name)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{name}: cannot use {str(p)[:200]} as a folder ({exc})") from None
    if not p.is_dir():
        raise InputError(f"{name}: {str(p)[:200]} is not a folder")
    return p
