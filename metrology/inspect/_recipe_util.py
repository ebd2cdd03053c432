"""Small helpers of :mod:`metrology.inspect.recipe` (internal)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import FileFormatError

__all__: list[str] = []


def _sequence(items: Any, name: str) -> tuple:
    """``items`` (a list or tuple, not a string or mapping) as a tuple."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise FileFormatError(f"{name}: expected a list, given {type(items).__name__}")
    return tuple(items)


class _FitFailure(str):
    """The message of a tool that found edges but whose fit failed (FitError), as opposed to
    one that found none: the part's summary says which."""
