"""Reading checked fields of station files (shared by the telecentric and rig readers).

Each value goes through the shared serialiser (:func:`metrology._serial.from_jsonable`), so a
missing or ill-typed field raises the caller's error naming its path.
"""

from __future__ import annotations

from typing import Any

from .._serial import from_jsonable
from ..errors import InputError

__all__ = ["get_field", "read_fields", "check_error", "CheckedFromDict"]


def get_field(doc: Any, key: str, tp: Any, where: str, error: type, **meta: Any) -> Any:
    """``doc[key]`` read as ``tp``; ``error`` names ``where.key`` when missing or bad.

    Examples
    --------
    >>> from metrology.errors import FileFormatError
    >>> get_field({"n": 3}, "n", int, "file", FileFormatError, min=0)
    3
    """
    if not isinstance(doc, dict) or key not in doc:
        raise error(f"{where}: missing field {key!r}")
    return from_jsonable(tp, doc[key], f"{where}.{key}", error, meta)


def read_fields(table: dict, doc: Any, where: str, error: type,
                optional: tuple[str, ...] = ()) -> dict:
    """Every field of ``table`` (name -> (type, metadata)) read from ``doc``; names in
    ``optional`` may be missing (left out of the result)."""
    if not isinstance(doc, dict):
        raise error(f"{where}: expected a mapping, given {type(doc).__name__}")
    return {key: get_field(doc, key, tp, where, error, **meta)
            for key, (tp, meta) in table.items() if key in doc or key not in optional}


def check_error(error: Any, where: Any = "value") -> type:
    """``error`` checked to be an exception class (and ``where`` a string) before a reader
    uses them; :class:`InputError` otherwise."""
    if not (isinstance(error, type) and issubclass(error, Exception)):
        raise InputError(f"error: expected an exception class, given {type(error).__name__}")
    if not isinstance(where, str):
        raise InputError(f"where: expected a string, given {type(where).__name__}")
    return error


class CheckedFromDict:
    """Mixin for :class:`~metrology._serial.Serializable` results: ``from_dict`` checks its
    ``where`` and ``error`` arguments first."""

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError) -> Any:
        """Inverse of ``to_dict()``, checking every field; ``error`` names a bad one."""
        check_error(error, cls.__name__ if where is None else where)
        return super().from_dict(d, where=where, error=error)  # type: ignore[misc]
