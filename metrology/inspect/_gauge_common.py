"""Helpers shared by the type-1 study (:mod:`.gauge`) and the gauge R&R (:mod:`.grr`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

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
    if tolerances and s.name in tolerances:
        return tolerances[s.name]
    t = s.tolerance_width
    if t is None:
        have = "no tolerance" if s.lower is None and s.upper is None else "a one-sided limit"
        raise InputError(f"{s.name}: the results give {have}; a gauge study needs the "
                         f"tolerance width T (give tolerances={{{s.name!r}: T}} / "
                         f"--tolerance {s.name}=T)")
    return t
