"""Versioned JSON files written atomically, read with checks that name the bad field.

Every file the library writes (station calibration, shape model, recipe, anomaly bank) goes
through :func:`atomic_write_text` / :func:`atomic_write_bytes` (temp file in the same folder,
fsync, rename), so a crash or a full disk never leaves a half-written file in place of a good one.
Reading goes through :func:`read_json_file` and the ``require_*`` helpers, which raise
:class:`~metrology.errors.FileFormatError` naming the file and the field.  No pickle anywhere:
arrays travel as JSON lists or as ``.npz`` loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .errors import FileFormatError, InputError

__all__ = ["atomic_write_text", "atomic_write_bytes", "write_json_file", "read_json_file",
           "require", "require_array", "save_npz_bytes", "load_npz"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename); return the path.

    On any failure (full disk, permission) the temp file is removed and the previous content of
    ``path``, if any, is left untouched.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        # mkstemp creates 0600; give the file the permissions a plain open() would have
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "to_dict"):
        return o.to_dict()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_json_file(path: str | os.PathLike, payload: dict, *, fmt: str, version: int) -> Path:
    """Write ``{"format": fmt, "version": version, **payload}`` as indented JSON, atomically.

    NaN/inf are refused (they are not JSON) with :class:`InputError`.
    """
    doc = {"format": fmt, "version": version, **payload}
    try:
        text = json.dumps(doc, indent=2, default=_json_default, allow_nan=False)
    except ValueError as exc:
        raise InputError(f"cannot write {path}: a value is NaN or infinite ({exc})") from None
    return atomic_write_text(path, text + "\n")


def read_json_file(path: str | os.PathLike, *, fmt: str, versions: Iterable[int]) -> dict:
    """Read a versioned JSON file and check its ``format`` and ``version`` fields.

    Raises
    ------
    InputError
        The file does not exist.
    FileFormatError
        Not JSON, truncated, not an object, another format, or an unsupported version.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        raw = path.read_bytes()
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"{path}: not a valid JSON file ({exc}); the file may be "
                              f"truncated or of another kind") from None
    except RecursionError:
        raise FileFormatError(f"{path}: JSON nested too deeply to be one of our files") from None
    if not isinstance(doc, dict):
        raise FileFormatError(f"{path}: expected a JSON object at the top level, "
                              f"given {type(doc).__name__}")
    got = doc.get("format")
    if got != fmt:
        raise FileFormatError(f"{path}: field 'format': expected {fmt!r}, given {got!r} "
                              f"(is this the right kind of file?)")
    versions = list(versions)
    if doc.get("version") not in versions:
        raise FileFormatError(f"{path}: field 'version': expected one of {versions}, given "
                              f"{doc.get('version')!r} (written by another metrology version?)")
    return doc


def require(doc: dict, key: str, types: type | tuple[type, ...], where: str) -> Any:
    """Return ``doc[key]`` checked against ``types``; :class:`FileFormatError` names the field."""
    if not isinstance(doc, dict) or key not in doc:
        raise FileFormatError(f"{where}: missing field {key!r}")
    value = doc[key]
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise FileFormatError(f"{where}: field {key!r} has the wrong type (bool)")
    if not isinstance(value, types):
        names = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        raise FileFormatError(f"{where}: field {key!r}: expected {names}, "
                              f"given {type(value).__name__}")
    return value


def require_array(doc: dict, key: str, where: str, shape: tuple[int | None, ...] | None = None,
                  finite: bool = True) -> np.ndarray:
    """Return ``doc[key]`` as a float64 array, checking its shape (None = any size there)."""
    value = require(doc, key, (list, int, float), where)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise FileFormatError(f"{where}: field {key!r} is not a numeric array") from None
    if shape is not None and (arr.ndim != len(shape) or any(
            s is not None and s != g for s, g in zip(shape, arr.shape))):
        raise FileFormatError(f"{where}: field {key!r}: expected shape "
                              f"{tuple('N' if s is None else s for s in shape)}, given {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise FileFormatError(f"{where}: field {key!r} contains NaN or inf")
    return arr


def save_npz_bytes(**arrays: np.ndarray) -> bytes:
    """Serialise arrays into ``.npz`` bytes (write them with :func:`atomic_write_bytes`)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def load_npz(path: str | os.PathLike, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """Load an ``.npz`` with ``allow_pickle=False`` and check that ``keys`` are present."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except Exception as exc:
        raise FileFormatError(f"{path}: not a readable .npz array file ({exc})") from None
    missing = [k for k in keys if k not in out]
    if missing:
        raise FileFormatError(f"{path}: missing array(s) {missing}")
    return out
