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


def _parts(station: Any, model: Any, anomaly: Any, name: Any, kinds: tuple) -> None:
    """Recipe's parts, checked: a StationSpec, a MatchSpec or None, an AnomalySpec or None
    (``kinds`` = those three classes) and a name (str)."""
    for what, v, cls, optional in (("station", station, kinds[0], False),
                                   ("model", model, kinds[1], True),
                                   ("anomaly", anomaly, kinds[2], True), ("name", name, str, False)):
        if not (isinstance(v, cls) or (optional and v is None)):
            raise FileFormatError(f"{what}: expected a {cls.__name__}"
                                  f"{' or None' if optional else ''}, given {type(v).__name__}")


class _FitFailure(str):
    """The message of a tool that found edges but whose fit failed (FitError), as opposed to
    one that found none: the part's summary says which."""
