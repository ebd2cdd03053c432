"""Helpers shared by the type-1 study (:mod:`.gauge`) and the gauge R&R (:mod:`.grr`)."""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import InputError
from .records import Series

__all__: list[str] = []


def _check_positive(name: str, v: Any, *, upper: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise InputError(f"{name}: expected a positive number, given {v!r}")
    if upper is not None and v > upper:
        raise InputError(f"{name}: expected a number <= {upper}, given {v!r}")
    return float(v)


def _tolerance_of(s: Series, tolerances: Mapping[str, float] | None) -> float:
    if tolerances is not None and not isinstance(tolerances, Mapping):
        raise InputError(f"tolerances: expected name -> tolerance width or None, given "
                         f"{type(tolerances).__name__}")
    if tolerances and s.name in tolerances:
        return tolerances[s.name]
    t = s.tolerance_width
    if t is None:
        have = "no tolerance" if s.lower is None and s.upper is None else "a one-sided limit"
        raise InputError(f"{s.name}: the results give {have}; a gauge study needs the "
                         f"tolerance width T (give tolerances={{{s.name!r}: T}} / "
                         f"--tolerance {s.name}=T)")
    return t


_ORIGINS = {tuple: tuple, dict: dict, list: (list, tuple)}


def check_fields(obj: Any, *, finite: bool = True) -> None:
    """Check a result dataclass's fields against their annotations (InputError naming the
    field): ``float`` a real number (finite unless ``finite`` is False; NaN never), ``int`` an
    integer >= 0, ``str`` / ``bool`` themselves, ``tuple`` / ``dict`` containers, each
    ``X | None`` also None; other annotations (arrays, nested results) are left to the caller.
    Floats are stored as ``float``."""
    hints = typing.get_type_hints(type(obj))
    where = type(obj).__name__
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        tp = hints.get(f.name)
        args = typing.get_args(tp)
        if v is None and type(None) in args:
            continue
        base = next((a for a in args if a is not type(None)), tp) \
            if typing.get_origin(tp) is typing.Union or type(None) in args else tp
        origin = typing.get_origin(base) or base
        bad = False
        if origin is float:
            bad = isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)) or math.isnan(v) or (
                finite and not math.isfinite(v))
            if not bad:
                object.__setattr__(obj, f.name, float(v))
        elif origin is int:
            bad = isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) \
                or v < 0
        elif origin in (str, bool):
            bad = not isinstance(v, origin)
        elif origin in _ORIGINS:
            bad = not isinstance(v, _ORIGINS[origin])
        if bad:
            raise InputError(f"{where}.{f.name}: expected {getattr(base, '__name__', base)}, "
                             f"given {v!r:.40}")
