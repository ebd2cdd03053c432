"""Inspection records (the JSONL lines of ``metrology inspect``) as per-measurement series.

The gauge studies (:mod:`metrology.inspect.gauge`) and the process statistics
(:mod:`metrology.inspect.spc`) read the same input: a results file, a list of
:class:`~metrology.inspect.InspectionResult`, or their dicts.  This module reads it once, says
which lines of a file could not be used and why (an empty file is an error; a line cut by a
crash or a line that is not an inspection record is reported with its number and skipped), and
turns the records into one :class:`Series` per measurement, in image order.

>>> recs = load_records([
...     {"image": "p_2.png", "status": "pass", "measurements": [
...         {"name": "d", "unit": "mm", "value": 4.001, "nominal": 4.0, "min": 3.97,
...          "max": 4.03, "passed": True}]},
...     {"image": "p_10.png", "status": "not_found", "error": "part not found"}])
>>> s = measurement_series(recs)["d"]
>>> s.images, s.values.tolist(), s.limits
(('p_2.png', 'p_10.png'), [4.001, nan], (3.97, 4.03))
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.checks import _items
from .._io import check_json_numbers
from ..errors import FileFormatError, InputError

__all__ = [
    "RecordProblem",
    "Records",
    "Series",
    "load_records",
    "measurement_series",
    "natural_key",
    "read_records",
]


@dataclass(frozen=True)
class RecordProblem:
    """A line of a results file that was not used: its 1-based number and why."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Records:
    """Inspection records with where they came from.

    Attributes
    ----------
    records : tuple of dict
        One record per image (a later line for the same image replaces an earlier one, as a
        rerun with ``--retry-errors`` appends), in the order of the file.
    lines : tuple of int
        1-based line number of each record (0 when not read from a file).
    problems : tuple of RecordProblem
        Lines that were skipped, with the reason.
    source : str
        The file name, or ``"<records>"``.
    n_lines : int
        Non-blank lines read.
    """

    records: tuple[dict, ...]
    lines: tuple[int, ...]
    problems: tuple[RecordProblem, ...] = ()
    source: str = "<records>"
    n_lines: int = 0


def _check_record(rec: Any) -> str | None:
    """Why ``rec`` is not an inspection record (None when it is)."""
    if not isinstance(rec, dict):
        return f"expected a JSON object, given {type(rec).__name__}"
    if not isinstance(rec.get("image"), str):
        return "not an inspection record (no 'image' field)"
    if not isinstance(rec.get("status"), str):
        return "not an inspection record (no 'status' field)"
    ms = rec.get("measurements", [])
    if ms is None:
        ms = []
    if not isinstance(ms, list):
        return "'measurements' is not a list"
    for i, m in enumerate(ms):
        if not isinstance(m, dict) or not isinstance(m.get("name"), str):
            return f"measurements[{i}] has no name"
        v = m.get("value")
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                              or not math.isfinite(v)):
            return f"measurements[{i}] ({m['name']!r}).value: expected a number or null, given {v!r}"
        for k in ("nominal", "min", "max", "uncertainty"):
            x = m.get(k)
            if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float))):
                return f"measurements[{i}] ({m['name']!r}).{k}: expected a number or null, given {x!r}"
    return None


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


#: Longest line of a results file read (bytes).  A record of ``metrology inspect`` is a few
#: kB (hundreds of measurements stay far below 1 MiB); a longer line is not one of ours and
#: would only cost time and memory to parse.
MAX_RECORD_LINE = 4 * 2 ** 20


def _parse_line(chunk: bytes) -> tuple[Any, str | None]:
    """One line of a results file as (record, None) or (None, why it is unusable)."""
    if len(chunk) > MAX_RECORD_LINE:
        return None, (f"the line is {len(chunk) / 2 ** 20:.1f} MiB long, more than the "
                      f"{MAX_RECORD_LINE // 2 ** 20} MiB of any inspection record")
    rec = json.loads(chunk.decode("utf-8"), parse_constant=_no_constant)
    why = check_json_numbers(rec)          # 1e400, integers beyond 64 bits
    return (None, why) if why else (rec, _check_record(rec))


def _dedupe(items: list[tuple[dict, int]]) -> tuple[tuple[dict, ...], tuple[int, ...]]:
    last: dict[str, int] = {}
    for i, (rec, _) in enumerate(items):
        last[rec["image"]] = i
    keep = sorted(last.values())
    return tuple(items[i][0] for i in keep), tuple(items[i][1] for i in keep)


def read_records(path: str | os.PathLike, *, strict: bool = False) -> Records:
    """Read a JSONL results file written by ``metrology inspect`` / ``run_many``.

    Parameters
    ----------
    path : path
    strict : bool
        Raise on the first unusable line instead of skipping it.

    Returns
    -------
    Records
        The usable records; ``problems`` lists every skipped line with its number (a last line
        without its newline is one cut by a crash or still being written).

    Raises
    ------
    InputError
        The file does not exist.
    FileFormatError
        The file is empty, holds no usable record (the message names the first bad line), or,
        with ``strict``, any line is unusable.
    """
    if strict is not True and strict is not False:
        raise InputError(f"strict: expected True or False, given {type(strict).__name__}")
    f = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(f, str) or not f or "\0" in f:
        raise InputError(f"path: expected the path of a results file, given "
                         f"{type(path).__name__}")
    path = Path(f)
    try:
        if not path.is_file():
            raise InputError(f"{path}: no such results file")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the results file: {exc.strerror or exc}") \
            from None
    if not raw.strip():
        raise FileFormatError(f"{path}: empty results file (line 1: no inspection record); "
                              f"run `metrology inspect RECIPE IMAGES -o {path.name}` first")
    chunks = raw.split(b"\n")
    items: list[tuple[dict, int]] = []
    problems: list[RecordProblem] = []
    n_lines = 0
    for i, chunk in enumerate(chunks, start=1):
        if not chunk.strip():
            continue
        n_lines += 1
        cut = i == len(chunks)  # the file does not end with a newline after this line
        try:
            rec, why = _parse_line(chunk)
        except UnicodeDecodeError:
            why = "not UTF-8 text"
        except RecursionError:
            why = "JSON nested too deep"
        except json.JSONDecodeError as exc:
            why = (f"incomplete JSON (the line ends after {len(chunk)} bytes without a newline: "
                   f"cut by a crash or still being written)" if cut
                   else f"not valid JSON ({exc.msg} at column {exc.colno})")
        if why is None:
            items.append((rec, i))
            continue
        if strict:
            raise FileFormatError(f"{path}: line {i}: {why}")
        problems.append(RecordProblem(i, why))
    if not items:
        first = problems[0] if problems else RecordProblem(1, "no record")
        raise FileFormatError(f"{path}: no usable inspection record; {first}")
    recs, lines = _dedupe(items)
    return Records(recs, lines, tuple(problems), str(path), n_lines)


def load_records(source: Any, *, strict: bool = False) -> Records:
    """:class:`Records` from a results file path, a :class:`Records`, or a sequence of
    :class:`~metrology.inspect.InspectionResult` or record dicts.

    Raises
    ------
    InputError
        An empty sequence, or an item that is not an inspection record.
    """
    if strict is not True and strict is not False:
        raise InputError(f"strict: expected True or False, given {type(strict).__name__}")
    if isinstance(source, Records):
        return source
    if isinstance(source, (str, os.PathLike)):
        return read_records(source, strict=strict)
    if isinstance(source, Mapping) or not isinstance(source, Iterable):
        raise InputError(f"expected a results file, or a sequence of inspection results / "
                         f"record dicts, given {type(source).__name__}")
    items: list[tuple[dict, int]] = []
    for i, r in enumerate(source):
        rec = r.to_dict() if hasattr(r, "to_dict") and not isinstance(r, dict) else r
        why = _check_record(rec)
        if why is not None:
            raise InputError(f"results[{i}]: {why}")
        items.append((rec, 0))
    if not items:
        raise InputError("no inspection results given (an empty sequence)")
    recs, lines = _dedupe(items)
    return Records(recs, lines, (), "<records>", len(items))


def natural_key(text: str) -> tuple:
    """Sort key that orders embedded numbers by value: ``part_2`` before ``part_10``.

    Raises
    ------
    InputError
        ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise InputError(f"text: expected a str, given {type(text).__name__}")
    return tuple((0, int(t), "") if t.isdecimal() else (1, 0, t)
                 for t in re.split(r"(\d+)", text) if t)


@dataclass(frozen=True)
class Series:
    """One measurement over many images.

    Attributes
    ----------
    name, unit, type : str
    images : tuple of str, length N
    values : ndarray (N,) float64
        The measured value; NaN where the image gave none (``errors`` says why).
    uncertainty : ndarray (N,) float64
        The reported 1-sigma uncertainty; NaN where none.
    passed : ndarray (N,) int8
        1 in tolerance, 0 failed (out of tolerance or not measured), -1 no tolerance.
    errors : tuple of (str or None), length N
    nominal, lower, upper : float or None
        Nominal value and tolerance limits (None where the recipe gives none).
    """

    name: str
    unit: str
    type: str
    images: tuple[str, ...]
    values: np.ndarray
    uncertainty: np.ndarray
    passed: np.ndarray
    errors: tuple[str | None, ...]
    nominal: float | None = None
    lower: float | None = None
    upper: float | None = None

    @property
    def limits(self) -> tuple[float | None, float | None]:
        return self.lower, self.upper

    @property
    def measured(self) -> np.ndarray:
        """Mask (N,) of the images that gave a value."""
        return np.isfinite(self.values)

    @property
    def tolerance_width(self) -> float | None:
        """``upper - lower`` (None unless both limits are given)."""
        if self.lower is None or self.upper is None:
            return None
        return self.upper - self.lower


def _num(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def measurement_series(source: Any, *, order: str = "name",
                       measurements: Iterable[str] | None = None) -> dict[str, Series]:
    """One :class:`Series` per measurement, in first-seen order.

    Parameters
    ----------
    source : path, Records or sequence of results/records
        See :func:`load_records`.
    order : {"name", "file"}
        Image order: ``"name"`` sorts the image paths naturally (``part_2`` before
        ``part_10``; the order in which ``metrology inspect`` reads a folder), ``"file"`` keeps
        the order of the records (completion order with ``--jobs``).
    measurements : iterable of str, optional
        Only these (each must exist).

    Raises
    ------
    InputError
        Unknown ``order`` or an unknown measurement name.
    """
    recs = load_records(source)
    if order not in ("name", "file"):
        raise InputError(f"order: expected 'name' or 'file', given {order!r}")
    rows = list(recs.records)
    if order == "name":
        rows.sort(key=lambda r: natural_key(r["image"]))
    names: dict[str, dict] = {}
    for r in rows:
        for m in r.get("measurements") or ():
            names.setdefault(m["name"], m)
    if measurements is not None:
        want = _items(measurements, "measurements", str, "measurement names (str)")
        unknown = [n for n in want if n not in names]
        if unknown:
            raise InputError(f"measurement(s) {unknown} not in the results; have {list(names)}")
        names = {n: names[n] for n in want}
    n = len(rows)
    out: dict[str, Series] = {}
    for name, first in names.items():
        values = np.full(n, np.nan)
        unc = np.full(n, np.nan)
        passed = np.full(n, -1, dtype=np.int8)
        errors: list[str | None] = [None] * n
        limits: dict[str, float | None] = {}
        for i, r in enumerate(rows):
            m = next((m for m in r.get("measurements") or () if m["name"] == name), None)
            if m is None:
                errors[i] = r.get("error") or f"no {name!r} in this record ({r['status']})"
                passed[i] = 0
                continue
            v, u = _num(m.get("value")), _num(m.get("uncertainty"))
            if v is not None:
                values[i] = v
            if u is not None:
                unc[i] = u
            p = m.get("passed")
            passed[i] = -1 if p is None else int(bool(p))
            errors[i] = m.get("error")
            for k in ("nominal", "min", "max"):
                if k not in limits and _num(m.get(k)) is not None:
                    limits[k] = _num(m.get(k))
        out[name] = Series(name, str(first.get("unit") or ""), str(first.get("type") or ""),
                           tuple(r["image"] for r in rows), values, unc, passed, tuple(errors),
                           limits.get("nominal"), limits.get("min"), limits.get("max"))
    return out
