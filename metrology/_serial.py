"""One serialiser for results and files: dataclass fields <-> JSON, checked on the way back.

Every result type and every file of the library turns into JSON the same way:

- arrays become nested lists, NaN and inf become ``null`` (JSON has neither);
- numpy scalars become Python numbers, tuples become lists, nested results become objects;
- a dataclass deriving from :class:`Serializable` gets ``to_dict()`` (plus a ``"type"`` tag) and
  ``from_dict()``, which rebuilds it from the field annotations and checks every value on the way:
  a missing field, a string where a number belongs, a ragged array, a ``1e400`` or a wrong length
  raises the caller's error class (:class:`~metrology.errors.InputError` by default,
  :class:`~metrology.errors.FileFormatError` for files) naming the field's path, e.g.
  ``results[3].fit.radius: expected a number, given 'abc'``.

Field options go in ``dataclasses.field(metadata=...)``: ``"json": False`` leaves a field out (its
default is used on load), ``"dtype"`` and ``"shape"`` (``None`` for a free axis) describe an
array, ``"min"``/``"max"`` bound a number or every element of an array.

Examples
--------
>>> from dataclasses import dataclass, field
>>> import numpy as np
>>> @dataclass(frozen=True)
... class Spot(Serializable):
...     center_xy: np.ndarray = field(metadata={"shape": (2,)})
...     radius: float = float("nan")
...     found: bool = True
>>> d = Spot(np.array([1.5, 2.0])).to_dict()
>>> d
{'type': 'Spot', 'center_xy': [1.5, 2.0], 'radius': None, 'found': True}
>>> Spot.from_dict(d).radius
nan
>>> Spot.from_dict({"center_xy": [1, "x"]})
Traceback (most recent call last):
    ...
metrology.errors.InputError: Spot.center_xy: expected numbers, given text ('x')
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from typing import Any, ClassVar, Mapping

import numpy as np

from .errors import InputError, MetrologyError

__all__ = ["Serializable", "to_jsonable", "from_jsonable", "json_fields"]

_AUTO = "<class name>"
_NONE_TYPE = type(None)
_MAX_ARRAY_DIMS = 8


# ------------------------------------------------------------------------------------------
# Python -> JSON


def _float_list(a: np.ndarray) -> Any:
    a = a.astype(np.float64, copy=False)
    finite = np.isfinite(a)
    if finite.all():
        return a.tolist()
    o = a.astype(object)
    o[~finite] = None
    return o.tolist()


def to_jsonable(x: Any) -> Any:
    """Turn ``x`` into plain JSON values (dict, list, str, int, float, bool, None).

    Arrays become nested lists, NaN/inf become ``None``, numpy scalars Python numbers, tuples
    lists, paths strings; objects with ``to_dict()`` (every result type) and dataclasses become
    objects.  Anything else raises :class:`~metrology.errors.InputError`.

    Examples
    --------
    >>> to_jsonable({"a": np.array([1.0, np.nan]), "b": (np.int64(3), np.float32(0.5))})
    {'a': [1.0, None], 'b': [3, 0.5]}
    """
    t = type(x)     # plain JSON trees first (a batch record: ~800 values), by exact type:
    if t is dict:   # isinstance against Mapping / PathLike costs microseconds per value
        return {k if type(k) is str else str(k): to_jsonable(v) for k, v in x.items()}
    if t is float:
        return x if math.isfinite(x) else None
    if t is str or t is int or t is bool or x is None:
        return x
    if t is list or t is tuple:
        return [to_jsonable(v) for v in x]
    if x is None or isinstance(x, (str, bool)):
        return x
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biu":
            return x.tolist()
        if x.dtype.kind == "f":
            return _float_list(x)
        if x.dtype.kind in "US":
            return x.tolist()
        return [to_jsonable(v) for v in x.tolist()]
    to_dict = getattr(x, "to_dict", None)
    if callable(to_dict) and not isinstance(x, type):
        return to_dict()
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: to_jsonable(getattr(x, f.name)) for f in json_fields(type(x))}
    if isinstance(x, Mapping):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, os.PathLike):
        return os.fspath(x)
    raise InputError(f"cannot turn a {type(x).__name__} into JSON")


# ------------------------------------------------------------------------------------------
# JSON -> Python, by type annotation


def _given(v: Any) -> str:
    if isinstance(v, (list, dict)):
        return f"a {'list' if isinstance(v, list) else 'mapping'}"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_range(v: float, meta: Mapping, where: str, error: type) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and not v >= lo:
        raise error(f"{where}: must be >= {lo}, given {v!r}")
    if hi is not None and not v <= hi:
        raise error(f"{where}: must be <= {hi}, given {v!r}")


def _to_float(v: Any, where: str, error: type, meta: Mapping) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise error(f"{where}: expected a number, given {_given(v)}")
    f = float(v) if not isinstance(v, int) or abs(v) < 2 ** 1023 else math.inf
    if not math.isfinite(f):
        raise error(f"{where}: expected a finite number or null, given {_given(v)}")
    _check_range(f, meta, where, error)
    return f


def _to_int(v: Any, where: str, error: type, meta: Mapping) -> int:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2 ** 63:
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise error(f"{where}: expected an integer, given {_given(v)}")
    if not -2 ** 63 <= v < 2 ** 63:
        raise error(f"{where}: integer out of range (more than 64 bits)")
    _check_range(v, meta, where, error)
    return v


def _to_array(v: Any, where: str, error: type, meta: Mapping) -> np.ndarray:
    dtype = np.dtype(meta.get("dtype", np.float64))
    if isinstance(v, bool) and dtype.kind != "b":
        raise error(f"{where}: expected numbers, given {_given(v)}")
    if not isinstance(v, (list, tuple, int, float, bool)) and v is not None:
        raise error(f"{where}: expected an array (nested lists), given {_given(v)}")
    try:
        raw = np.asarray(v if v is not None else math.nan)
    except (ValueError, TypeError, RecursionError):
        raise error(f"{where}: expected a rectangular array, given ragged nested lists") from None
    if raw.ndim > _MAX_ARRAY_DIMS:
        raise error(f"{where}: expected at most {_MAX_ARRAY_DIMS} dimensions, given {raw.ndim}")
    if raw.dtype.kind in "US":
        bad = next((e for e in np.asarray(v, dtype=object).ravel().tolist()
                    if isinstance(e, str)), "")
        raise error(f"{where}: expected numbers, given text ({bad!r})")
    if raw.dtype == object:
        for e in raw.ravel().tolist():
            if e is not None and (isinstance(e, bool) or not isinstance(e, (int, float))):
                raise error(f"{where}: expected numbers, given {_given(e)}")
        if dtype.kind != "f":
            raise error(f"{where}: expected {dtype.name} values, given null")
    if dtype.kind == "b":
        if raw.dtype.kind != "b" and raw.size:
            raise error(f"{where}: expected true/false values, given numbers")
        out = raw.astype(bool)
    elif dtype.kind in "iu":
        if raw.dtype.kind == "b" or (raw.dtype.kind == "f" and raw.size and not np.all(
                np.isfinite(raw) & (raw == np.round(raw)))):
            raise error(f"{where}: expected integers")
        try:
            out = raw.astype(dtype)
        except (OverflowError, ValueError):
            raise error(f"{where}: integers out of range for {dtype.name}") from None
        if raw.size and not np.array_equal(out, raw):
            raise error(f"{where}: integers out of range for {dtype.name}")
    else:
        if raw.dtype.kind == "b" and raw.size:
            raise error(f"{where}: expected numbers, given true/false")
        try:
            out = raw.astype(dtype)
        except (OverflowError, ValueError, TypeError):
            raise error(f"{where}: expected numbers") from None
        if np.isinf(out).any():
            raise error(f"{where}: expected finite numbers or null, given an infinite value")
    shape = meta.get("shape")
    if shape is not None and out.size == 0 and out.ndim < len(shape):
        # JSON nesting stops at the first empty axis ((0, 2) is written as []): the axes after
        # it come from the declared shape (free axes empty)
        out = out.reshape(out.shape + tuple(0 if s is None else s
                                            for s in shape[out.ndim:]))
    if shape is not None and (out.ndim != len(shape) or any(
            s is not None and s != g for s, g in zip(shape, out.shape))):
        want = tuple("N" if s is None else s for s in shape)
        raise error(f"{where}: expected shape {want}, given {out.shape}")
    if ("min" in meta or "max" in meta) and out.size:
        vals = out[np.isfinite(out)] if out.dtype.kind == "f" else out
        if vals.size:
            _check_range(float(vals.min()), {"min": meta.get("min")}, where, error)
            _check_range(float(vals.max()), {"max": meta.get("max")}, where, error)
    return out


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


def from_jsonable(tp: Any, value: Any, where: str = "value", error: type = InputError,
                  meta: Mapping | None = None) -> Any:
    """Rebuild one value from JSON by its type annotation ``tp``, checking it.

    Parameters
    ----------
    tp : type annotation
        ``float``, ``int``, ``bool``, ``str``, ``Any``, ``X | None``, unions, ``tuple[T, ...]``
        and fixed tuples, ``list[T]``, ``dict[str, T]``, ``np.ndarray``, ``Literal[...]``, or
        a class with ``from_dict`` (every :class:`Serializable`).
    value : JSON value
    where : str
        Path of the value, used in error messages.
    error : type
        Exception class raised on a bad value (``InputError`` or ``FileFormatError``).
    meta : mapping, optional
        Field metadata (``dtype``, ``shape``, ``min``, ``max``).

    Examples
    --------
    >>> from_jsonable(tuple[float, float], [1, None])
    (1.0, nan)
    >>> from_jsonable(int, "3", where="num_calipers")
    Traceback (most recent call last):
        ...
    metrology.errors.InputError: num_calipers: expected an integer, given '3'
    """
    meta = meta or {}
    if tp is Any or tp is object:
        return value
    if tp is None or tp is _NONE_TYPE:
        if value is not None:
            raise error(f"{where}: expected null, given {_given(value)}")
        return None
    if _is_union(tp):
        args = typing.get_args(tp)
        if value is None and _NONE_TYPE in args:
            return None
        first: Exception | None = None
        for arg in args:
            if arg is _NONE_TYPE:
                continue
            try:
                return from_jsonable(arg, value, where, error, meta)
            except MetrologyError as exc:
                first = first or exc
        if first is None:
            raise TypeError(f"from_jsonable: empty union {tp!r} at {where}")
        raise first
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise error(f"{where}: expected one of {list(typing.get_args(tp))}, "
                        f"given {_given(value)}")
        return value
    if tp is float:
        return _to_float(value, where, error, meta)
    if tp is int:
        return _to_int(value, where, error, meta)
    if tp is bool:
        if not isinstance(value, bool):
            raise error(f"{where}: expected true or false, given {_given(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise error(f"{where}: expected a string, given {_given(value)}")
        return value
    if tp is np.ndarray or origin is np.ndarray:
        return _to_array(value, where, error, meta)
    if origin in (tuple, list) or tp in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise error(f"{where}: expected a list, given {_given(value)}")
        args = typing.get_args(tp)
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise error(f"{where}: expected {len(args)} values, given {len(value)}")
            return tuple(from_jsonable(a, v, f"{where}[{i}]", error, meta)
                         for i, (a, v) in enumerate(zip(args, value)))
        item = args[0] if args else Any
        out = [from_jsonable(item, v, f"{where}[{i}]", error, meta) for i, v in enumerate(value)]
        return tuple(out) if (origin is tuple or tp is tuple) else out
    if origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise error(f"{where}: expected a mapping, given {_given(value)}")
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        out_d = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise error(f"{where}: keys must be strings, given {_given(k)}")
            out_d[k] = from_jsonable(item, v, f"{where}.{k}", error, meta)
        return out_d
    if isinstance(tp, type) and issubclass(tp, Serializable):
        return tp.from_dict(value, where=where, error=error)
    if isinstance(tp, type) and hasattr(tp, "from_dict"):
        if not isinstance(value, Mapping):
            raise error(f"{where}: expected a mapping, given {_given(value)}")
        try:
            return tp.from_dict(value)
        except error:
            raise
        except (MetrologyError, ValueError, TypeError, KeyError) as exc:
            raise error(f"{where}: {exc}") from None
    raise TypeError(f"from_jsonable: unsupported annotation {tp!r} at {where}")


# ------------------------------------------------------------------------------------------
# The dataclass mixin

_HINTS: dict[type, dict[str, Any]] = {}


def json_fields(cls: type) -> list[dataclasses.Field]:
    """The dataclass fields of ``cls`` that go into JSON (``init`` fields without
    ``metadata={"json": False}``)."""
    return [f for f in dataclasses.fields(cls)
            if f.init and f.metadata.get("json", True) is not False]


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


class Serializable:
    """Mixin for (frozen) dataclasses: ``to_dict()`` / ``from_dict()`` from the field annotations.

    ``to_dict()`` gives ``{"type": <tag>, <field>: <JSON value>, ...}``; the tag is the class
    name unless the class sets ``_json_type`` (a string, or ``None`` for no tag).
    ``from_dict(d, where=..., error=...)`` checks the tag, every field's type, shape and range,
    rebuilds nested results, and raises ``error`` naming the field's path.  Fields missing from
    ``d`` take their default; a missing field without default is an error.  Unknown keys are
    ignored unless the class sets ``_json_strict = True``.
    """

    _json_type: ClassVar[str | None] = _AUTO
    _json_strict: ClassVar[bool] = False

    @classmethod
    def _tag(cls) -> str | None:
        return cls.__name__ if cls._json_type == _AUTO else cls._json_type

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: arrays as nested lists, NaN/inf as ``None``, nested results as
        dicts, plus the ``"type"`` tag."""
        tag = self._tag()
        d: dict[str, Any] = {"type": tag} if tag else {}
        for f in json_fields(type(self)):
            d[f.name] = to_jsonable(getattr(self, f.name))
        return d

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError):
        """Inverse of :meth:`to_dict`, checking every field (see the class docstring)."""
        if not (isinstance(error, type) and issubclass(error, MetrologyError)):
            raise InputError(f"error: expected a metrology.errors class, given {error!r:.40}")
        if where is not None and not isinstance(where, str):
            raise InputError(f"where: expected a string, given {where!r:.40}")
        where = where or cls.__name__
        if not isinstance(d, Mapping):
            raise error(f"{where}: expected a mapping, given {_given(d)}")
        tag = cls._tag()
        if tag and d.get("type", tag) != tag:
            raise error(f"{where}: expected a {tag!r} object, given type {d.get('type')!r}")
        hints = _hints(cls)
        fields = json_fields(cls)
        if cls._json_strict:
            known = {f.name for f in fields} | {"type"}
            extra = sorted(str(k) for k in d if k not in known)
            if extra:
                raise error(f"{where}: unknown field(s) {extra}")
        kw: dict[str, Any] = {}
        for f in fields:
            if f.name not in d:
                if (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING):
                    raise error(f"{where}: missing field {f.name!r}")
                continue
            kw[f.name] = from_jsonable(hints[f.name], d[f.name], f"{where}.{f.name}", error,
                                       f.metadata)
        try:
            return cls(**kw)
        except error:
            raise
        except (MetrologyError, ValueError, TypeError) as exc:
            raise error(f"{where}: {exc}") from None
