"""Versioned JSON files written atomically, read with checks that name the bad field.

Every file the library writes (station calibration, shape model, recipe, anomaly bank) goes
through :func:`atomic_write_text` / :func:`atomic_write_bytes` (temp file in the same folder,
fsync, rename), so a crash or a full disk never leaves a half-written file in place of a good one.
Reading goes through :func:`read_json_file` and the ``require_*`` helpers, which raise
:class:`~metrology.errors.FileFormatError` naming the file and the field.  No pickle anywhere:
arrays travel as JSON lists or as ``.npz`` loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .errors import FileFormatError, InputError

__all__ = ["atomic_write_text", "atomic_write_bytes", "write_json_file", "read_json_file",
           "require", "require_array", "save_npz_bytes", "load_npz", "as_path", "input_file",
           "output_file", "output_dir", "parse_json", "check_json_numbers", "MAX_JSON_BYTES"]

#: Largest JSON file read (bytes): far above any file the library writes, small enough that a
#: foreign or hostile file cannot exhaust memory when parsed.
MAX_JSON_BYTES = 512 * 2 ** 20
_EFFECTIVE = os.access in os.supports_effective_ids
_NAME_MAX = 255
_PATH_MAX = 4096
#: Age after which an orphaned temp file of a save is removed even if its writer's pid lives
#: (pid reuse).
_STALE_TMP_S = 3600.0


def as_path(value: Any, name: str = "path") -> Path:
    """``value`` as a :class:`~pathlib.Path`, checked for what the OS would refuse later.

    Raises :class:`InputError` for a non-path value, an empty path, a NUL byte, a name longer
    than 255 bytes or a path longer than 4096 bytes (each naming the argument).

    Examples
    --------
    >>> as_path("station.json").name
    'station.json'
    """
    if isinstance(value, bytes):
        try:
            value = os.fsdecode(value)
        except (UnicodeDecodeError, ValueError):
            raise InputError(f"{name}: cannot decode the byte path {value!r}") from None
    if not isinstance(value, (str, os.PathLike)):
        raise InputError(f"{name}: expected a file path, given {type(value).__name__}")
    try:
        text = os.fspath(value)
    except TypeError:
        raise InputError(f"{name}: expected a file path, given {type(value).__name__}") from None
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if text == "":
        raise InputError(f"{name}: expected a file path, given an empty string")
    if "\x00" in text:
        raise InputError(f"{name}: the path contains a NUL character: {text!r}")
    raw = os.fsencode(text)
    if len(raw) > _PATH_MAX:
        raise InputError(f"{name}: the path is {len(raw)} bytes long, more than the "
                         f"{_PATH_MAX} the OS allows")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise InputError(f"{name}: the name {part[:40]!r}... is {len(os.fsencode(part))} "
                             f"bytes long, more than the {_NAME_MAX} the OS allows")
    path = Path(text)
    if path.is_symlink():                  # one lstat; a loop would fail later in resolve()
        try:
            path.resolve()
        except (RuntimeError, OSError):
            raise InputError(f"{name}: {text}: a symbolic link loop") from None
    return path


def _stat(path: Path, name: str) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise InputError(f"{name}: {path}: a part of the path is a file, not a folder") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot access {path}: {exc.strerror or exc}") from None


def input_file(value: Any, name: str = "path") -> Path:
    """An existing, readable regular file (not a folder, FIFO or device), as a Path.

    Raises
    ------
    InputError
        Not a path, does not exist, is a folder or a special file, or cannot be read.
    """
    path = as_path(value, name)
    st = _stat(path, name)
    if st is None:
        raise InputError(f"{name}: file not found: {path}")
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: {path} is a folder, expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: {path} is not a regular file (a device, pipe or socket)")
    if not os.access(path, os.R_OK, effective_ids=_EFFECTIVE):
        raise InputError(f"{name}: {path}: permission denied (cannot read)")
    return path


def output_file(value: Any, name: str = "path") -> Path:
    """A path a file can be written to: its folder exists and is writable, and the path is not
    a folder or a special file (a device such as /dev/full is never replaced).  A symbolic
    link is followed (its target is what gets written).

    Raises
    ------
    InputError
        Naming the argument and the reason.
    """
    path = as_path(value, name)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    st = _stat(path, name)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot write {path}: it is a folder (directory) ({name})")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise InputError(f"cannot write {path}: it is not a regular file ({name})")
    parent = path.parent if str(path.parent) else Path(".")
    pst = _stat(parent, name)
    if pst is None:
        raise InputError(f"cannot write {path}: folder {parent} does not exist ({name})")
    if not stat.S_ISDIR(pst.st_mode):
        raise InputError(f"cannot write {path}: {parent} is a file, not a folder ({name})")
    if not os.access(parent, os.W_OK | os.X_OK, effective_ids=_EFFECTIVE):
        raise InputError(f"cannot write {path}: folder {parent} is not writable ({name})")
    return path


def output_dir(value: Any, name: str = "folder", *, create: bool = True) -> Path:
    """A writable folder (created with its parents when ``create``), as a Path.

    Raises
    ------
    InputError
        The path is a file, cannot be created, or is not writable.
    """
    path = as_path(value, name)
    st = _stat(path, name)
    if st is None:
        if not create:
            raise InputError(f"{name}: folder not found: {path}")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise InputError(f"{name}: cannot create folder {path}: a file is in the "
                             f"way") from None
        except OSError as exc:
            raise InputError(f"{name}: cannot create folder {path}: "
                             f"{exc.strerror or exc}") from None
    elif not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name}: {path} exists and is not a folder")
    if not os.access(path, os.W_OK | os.X_OK, effective_ids=_EFFECTIVE):
        raise InputError(f"{name}: folder {path} is not writable")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_prefix(path: Path) -> str:
    return f".{path.name[:96]}."


def _clean_stale_temps(path: Path) -> None:
    """Remove temp files of earlier saves to ``path`` whose writer died (SIGKILL, power loss):
    ``.<name>.<pid>.<random>.tmp`` whose pid is gone or that are older than an hour."""
    prefix = _tmp_prefix(path)
    try:
        names = [n for n in os.listdir(path.parent if str(path.parent) else ".")
                 if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for n in names:
        f = path.parent / n
        try:
            pid = int(n[len(prefix):].split(".", 1)[0])
        except ValueError:
            continue
        alive = True
        if pid != os.getpid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                alive = False
            except OSError:
                pass
        try:
            if not alive or now - f.stat().st_mtime > _STALE_TMP_S:
                f.unlink()
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.fsync(fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path.

    The bytes go to an unnamed file in the target folder (Linux ``O_TMPFILE``; elsewhere a
    hidden ``.<name>.<pid>.<random>.tmp``), are flushed to disk, and only then take the place
    of ``path`` by one rename, so a reader (or a crash, or SIGKILL at any instant) sees the old
    content or the new one, never a torn file.  Temp files left by writers that were killed
    are removed by the next save to the same path.

    Raises
    ------
    InputError
        ``path`` cannot be written (see :func:`output_file`: missing or read-only folder, a
        folder or device in the way, a name too long, a NUL byte), or the write fails (disk
        full, I/O error); the message names the path.  The previous content is untouched.
    """
    path = output_file(path, "path")
    parent = path.parent if str(path.parent) else Path(".")
    _clean_stale_temps(path)
    mode = 0o666 & ~_umask()
    tmp: str | None = None
    fd = -1
    try:
        try:
            fd = os.open(parent, os.O_TMPFILE | os.O_WRONLY, mode)   # type: ignore[attr-defined]
        except (AttributeError, OSError):
            fd = -1
        if fd < 0:
            fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_prefix(path)}{os.getpid()}.",
                                       suffix=".tmp", dir=parent)
            os.fchmod(fd, mode)
        _write_all(fd, data)
        if tmp is None:
            # give the unnamed file a name just for the rename (microseconds); linkat with
            # AT_SYMLINK_FOLLOW (chosen by os.link when a dir_fd is given) on /proc/self/fd
            tmp_name = f"{_tmp_prefix(path)}{os.getpid()}.{os.urandom(6).hex()}.tmp"
            dfd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:
                os.link(f"/proc/self/fd/{fd}", tmp_name, dst_dir_fd=dfd, follow_symlinks=True)
            finally:
                os.close(dfd)
            tmp = os.path.join(parent, tmp_name)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(parent)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {_os_reason(exc)}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only folder or file system)"
    return exc.strerror or str(exc)


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


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number (NaN/Infinity are not allowed)")


_INT_MIN, _INT_END = -2 ** 63, 2 ** 64
_FLOAT_MAX = float(np.finfo(np.float64).max)


def _bad_number(v: Any) -> str | None:
    """Why a parsed JSON scalar is not a number we accept (None: fine or not a number)."""
    if type(v) is float:
        return None if math.isfinite(v) else "a number overflows a float (e.g. 1e400) or is NaN"
    if type(v) is int and not _INT_MIN <= v < _INT_END:
        return f"integer {str(v)[:40]}... is out of range (more than 64 bits)"
    return None


def _no_nan(values: list) -> bool:
    """No NaN among numbers (min/max do not see one); JSON text never holds NaN, a document
    built in memory may.  A C-level sum: NaN propagates (an overflowing sum of finite numbers
    sends the list to the item-by-item check, which finds nothing)."""
    t = sum(values)
    return type(t) is not float or math.isfinite(t)


def check_json_numbers(doc: Any) -> str | None:
    """First reason a number in ``doc`` (parsed with Python's default float/int) is out of
    range, or None.  A list of numbers is checked through its ``min``/``max`` (C loops), so a
    file with millions of numbers costs milliseconds, not a Python call per number; lists of
    mixed content fall back to one check per item.  No recursion: nesting depth is free."""
    stack = [doc]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            stack.extend(o.values())
            continue
        if not isinstance(o, list):
            why = _bad_number(o)
            if why:
                return why
            continue
        if not o:
            continue
        try:
            lo, hi = min(o), max(o)
        except TypeError:                        # mixed types (None, str, containers)
            lo = hi = None
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
            # every item is a number (bool/int/float compare with each other, nothing else)
            why = _bad_number(lo) or _bad_number(hi)
            if why:
                return why
            if -_FLOAT_MAX <= lo and hi <= _FLOAT_MAX and (
                    type(lo) is not float or lo >= _INT_MIN) and (
                    type(hi) is not float or hi < _INT_END) and _no_nan(o):
                continue                         # no overflowing float, no int beyond 64 bits
        elif isinstance(lo, str) and isinstance(hi, str):
            continue                             # a list of strings
        stack.extend(o)
    return None


def parse_json(text: str | bytes, where: str) -> Any:
    """Parse JSON strictly: no NaN/Infinity tokens, no number that overflows a float or an
    integer beyond 64 bits; deep nesting, bad UTF-8 and syntax errors raise
    :class:`FileFormatError` naming ``where``.

    Numbers are parsed by the C parser and checked afterwards on whole lists (2 M numbers:
    well under a second), not through a Python hook per number.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"{where}: not a valid JSON file ({exc}); the file may be "
                              f"truncated or of another kind") from None
    except ValueError as exc:
        raise FileFormatError(f"{where}: {exc}") from None
    except RecursionError:
        raise FileFormatError(f"{where}: JSON nested too deeply to be one of our "
                              f"files") from None
    why = check_json_numbers(doc)
    if why:
        raise FileFormatError(f"{where}: {why}")
    return doc


def read_json_file(path: str | os.PathLike, *, fmt: str, versions: Iterable[int]) -> dict:
    """Read a versioned JSON file and check its ``format`` and ``version`` fields.

    Parsing is strict (:func:`parse_json`: no NaN/Infinity, no overflowing numbers); files
    above :data:`MAX_JSON_BYTES` are refused.

    Raises
    ------
    InputError
        The path is not a readable file (missing, a folder, a device, a NUL byte ...).
    FileFormatError
        Not JSON, truncated, not an object, another format, or an unsupported version.
    """
    path = input_file(path, "path")
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise FileFormatError(f"{path}: {size / 2 ** 20:.0f} MiB is too large to be one "
                                  f"of our files (at most {MAX_JSON_BYTES // 2 ** 20} MiB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {_os_reason(exc)}") from None
    doc = parse_json(raw, str(path))
    if not isinstance(doc, dict):
        raise FileFormatError(f"{path}: expected a JSON object at the top level, "
                              f"given {type(doc).__name__}")
    got = doc.get("format")
    if got != fmt:
        raise FileFormatError(f"{path}: field 'format': expected {fmt!r}, given {got!r} "
                              f"(is this the right kind of file?)")
    versions = list(versions)
    v = doc.get("version")
    if isinstance(v, bool) or v not in versions:
        raise FileFormatError(f"{path}: field 'version': expected one of {versions}, given "
                              f"{v!r} (written by another metrology version?)")
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
        raw = np.asarray(value)
        if raw.dtype == object and all(v is None or (isinstance(v, (int, float))
                                                     and not isinstance(v, bool))
                                       for v in raw.ravel().tolist()):
            raw = raw.astype(np.float64)                   # null -> NaN (checked below)
        if raw.dtype.kind not in "iuf":
            raise TypeError
        arr = raw.astype(np.float64)
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise FileFormatError(f"{where}: field {key!r} is not a numeric array (a "
                              f"rectangular array of numbers)") from None
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
    """Load an ``.npz`` with ``allow_pickle=False`` and check that ``keys`` are present.

    Raises
    ------
    InputError
        The path is not a readable file.
    FileFormatError
        Not an ``.npz`` (truncated, foreign), pickled objects inside, or a key missing.
    """
    path = input_file(path, "path")
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    except Exception as exc:
        raise FileFormatError(f"{path}: not a readable .npz array file ({exc})") from None
    missing = [k for k in keys if k not in out]
    if missing:
        raise FileFormatError(f"{path}: missing array(s) {missing}")
    return out
