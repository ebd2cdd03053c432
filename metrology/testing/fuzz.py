"""Fuzz every public entry point of a package with hostile input, in subprocess workers.

The harness finds the entry points itself, from the ``__all__`` of every public module of a
package (functions, class constructors, public methods and classmethods of classes), so a new
function is fuzzed as soon as it is exported.  Each entry point is called first with a valid
example (registered in a :class:`Registry`, or guessed from the parameter names and defaults),
then once per case with one argument replaced by a hostile value: NaN, inf, huge and negative
numbers, zero, empty, ``None``, strings, booleans, wrong-length vectors, arrays of the wrong
shape or dtype (bool, int64, float16, complex, object), 0x0, 1xN and 20000x20000 images
(broadcast, not allocated), corrupt and adversarial files (truncated, binary junk, deeply nested
JSON, NaN/1e400/strings in numeric fields, foreign format or version, ``.npz`` with pickled
objects), and unusable output paths (read-only folder, name too long, NUL, a file where a folder
is expected).

Every call ends in one of these outcomes:

``returned``
    Fine, unless the result holds NaN/inf where the valid example's result held finite values
    (``nan``: NaN passed on silently).  NaN inside a result whose ``ok`` flag is False (a batch
    API's documented failure marker) is allowed.
``error``
    Raised the package's own error (:class:`~metrology.errors.MetrologyError`): fine.
``crash``
    Raised anything else: a failure.  The report names the exception and the innermost line of
    the package it came from.
``hang`` / ``died``
    Exceeded the per-call time limit, or the worker process died (segfault, abort, out of
    memory): failures.  Calls run in subprocess workers that are killed and restarted, so
    neither stops the run.

Quick start (fuzz :mod:`metrology` itself, a small sample)::

    python -m metrology.testing.fuzz --examples tests/fuzz/examples.py --markdown triage.md

Your own package: write an examples module that defines ``registry = Registry()`` with valid
examples for the entry points whose parameters cannot be guessed, then run
``python -m metrology.testing.fuzz --package yourpkg --examples your_examples.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import importlib
import importlib.util
import inspect
import io
import json
import math
import os
import pickle
import pkgutil
import random
import re
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import types
import warnings
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

__all__ = ["EntryPoint", "Case", "Call", "Registry", "Context", "discover", "run_fuzz",
           "run_cli_fuzz", "cli_commands", "FuzzReport", "WorkerPool", "kill_during_saves",
           "KillReport"]

OUTCOMES = ("returned", "error", "crash", "nan", "badexit", "hang", "died", "broken")
FAILURES = ("crash", "nan", "badexit", "hang", "died")

#: Side of the "huge" image (a broadcast view: no memory is allocated for it).
HUGE_SIDE = 20000
#: Longest string kept from an exception message in reports.
_MSG_CHARS = 240


# ==========================================================================================
# Entry points


@dataclasses.dataclass(frozen=True)
class EntryPoint:
    """One public callable: ``kind`` is ``function``, ``class`` (the constructor),
    ``classmethod``, ``staticmethod`` or ``method`` (called on a valid instance of ``owner``)."""

    name: str
    kind: str
    module: str
    owner: str | None = None
    attr: str | None = None

    @property
    def area(self) -> str:
        """The sub-package the entry point lives in (``core``, ``calib``, ... or ``cli``)."""
        return area_of(self.module)


def area_of(module: str) -> str:
    """Area (sub-package) of a module name: ``metrology.calib.board`` -> ``calib``; command-line
    modules -> ``cli``; top-level private helpers -> ``core``."""
    parts = module.split(".")
    if parts[-1] in ("cli", "__main__"):
        return "cli"
    if len(parts) < 2:
        return "core"
    sub = parts[1]
    if sub.startswith("_") or sub in ("errors", "geometry"):
        return "core"
    return sub


def _is_public_module(name: str) -> bool:
    return not any(p.startswith("_") for p in name.split(".")[1:])


def _qualname(obj: Any) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def discover(package: str = "metrology", *, exclude_modules: Sequence[str] = ()) -> list[EntryPoint]:
    """Every public entry point of ``package``, from the ``__all__`` of its public modules.

    Public modules are the package and its sub-modules whose dotted names have no component
    starting with ``_``.  Exceptions, protocols, typing aliases and constants are skipped; each
    object is listed once (under its defining module and qualified name), each class with its
    constructor and every public method, classmethod and staticmethod it defines or inherits
    from the package.

    Parameters
    ----------
    package : str
        Importable package name.
    exclude_modules : sequence of str
        Module names to leave out (e.g. the fuzzing harness itself).

    Returns
    -------
    list of EntryPoint
        Sorted by name.
    """
    if not isinstance(package, str) or not package:
        raise TypeError(f"package: expected a module name, given {package!r}")
    pkg = importlib.import_module(package)
    names = [package]
    if hasattr(pkg, "__path__"):
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".",
                                                        onerror=lambda _name: None)]
    seen: set[int] = set()
    out: dict[str, EntryPoint] = {}
    for modname in names:
        if not _is_public_module(modname) or modname in exclude_modules:
            continue
        try:
            mod = importlib.import_module(modname)
        except Exception:  # noqa: BLE001 - an optional dependency missing: nothing to fuzz
            continue
        for attr in getattr(mod, "__all__", ()) or ():
            try:
                obj = getattr(mod, attr)
            except Exception:  # noqa: BLE001
                continue
            if id(obj) in seen or inspect.ismodule(obj):
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                if issubclass(obj, BaseException) or _is_protocol(obj) \
                        or not obj.__module__.startswith(package):
                    continue
                cname = _qualname(obj)
                out[cname] = EntryPoint(cname, "class", obj.__module__)
                for mname in dir(obj):
                    if mname.startswith("_"):
                        continue
                    raw = inspect.getattr_static(obj, mname)
                    fn = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
                    if not (inspect.isfunction(fn) and fn.__module__.startswith(package)):
                        continue
                    kind = ("classmethod" if isinstance(raw, classmethod) else
                            "staticmethod" if isinstance(raw, staticmethod) else "method")
                    name = f"{cname}.{mname}"
                    out[name] = EntryPoint(name, kind, obj.__module__, owner=cname, attr=mname)
            elif inspect.isfunction(obj) or inspect.isbuiltin(obj):
                if not getattr(obj, "__module__", "").startswith(package):
                    continue
                name = _qualname(obj)
                if "<locals>" in name or obj.__module__ not in sys.modules or \
                        getattr(sys.modules[obj.__module__], attr, None) is not obj:
                    # a decorated function: name it where it is exported
                    name = f"{modname}.{attr}"
                    out[name] = EntryPoint(name, "function", modname)
                else:
                    out[name] = EntryPoint(name, "function", obj.__module__)
    return [out[k] for k in sorted(out)]


def resolve(entry: EntryPoint) -> Any:
    """The object an entry point names (function, class, or the unbound class attribute)."""
    if entry.owner is None:
        obj: Any = importlib.import_module(entry.module)
        for part in entry.name[len(entry.module) + 1:].split("."):
            obj = getattr(obj, part)
        return obj
    cls = resolve(EntryPoint(entry.owner, "class", entry.module))
    return getattr(cls, entry.attr)


# ==========================================================================================
# Valid examples


class Call:
    """Arguments of one call: ``Call(*args, **kwargs)``."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"Call(*{self.args!r}, **{self.kwargs!r})"


@dataclasses.dataclass
class _Example:
    build: Callable[["Context"], Call]
    timeout: float | None = None
    kinds: dict = dataclasses.field(default_factory=dict)
    nan_ok: bool = False
    sample: int | None = None
    expensive: bool = False
    raises: tuple = ()


class Registry:
    """Valid examples, instances and parameter defaults for fuzzing a package.

    * ``@registry.example(name, timeout=..., kinds={param: kind}, nan_ok=False)`` registers a
      function ``(ctx) -> Call`` giving valid arguments for the entry point ``name`` (its
      qualified name, e.g. ``"metrology.core.fit_circle.fit_circle"`` or
      ``"metrology.match.model.ShapeModel.find"``).  ``kinds`` overrides the inferred kind of
      a parameter (``path_in``, ``path_out``, ``image``, ``points``, ...); ``nan_ok`` turns off
      the NaN check (containers that store what they are given); ``sample`` is the number of
      cases in sample mode; ``expensive`` skips the valid call itself in sample mode;
      ``raises`` lists exception classes that are a documented outcome (e.g.
      ``AssertionError`` for assertion helpers).
    * ``@registry.instance(class_name)`` registers ``(ctx) -> instance`` used for methods.
    * ``@registry.param(*names)`` registers ``(ctx) -> value`` used for any parameter of that
      name without an example (so most entry points need no example at all).
    * ``@registry.fixture(name)`` registers a shared, cached value: ``ctx.get(name)``.
    * ``registry.skip(name, reason)`` leaves an entry point out (say why).
    """

    def __init__(self) -> None:
        self.examples: dict[str, _Example] = {}
        self.instances: dict[str, Callable[["Context"], Any]] = {}
        self.params: dict[str, Callable[["Context"], Any]] = {}
        self.fixtures: dict[str, Callable[["Context"], Any]] = {}
        self.skipped: dict[str, str] = {}
        self.postprocess: list[tuple[type, Callable[[Any], Any]]] = []
        self.cli_examples: dict[tuple, tuple[Callable[["Context"], list], float | None]] = {}

    def example(self, name: str, *, timeout: float | None = None, kinds: dict | None = None,
                nan_ok: bool = False, sample: int | None = None, expensive: bool = False,
                raises: tuple = ()):
        def deco(fn):
            self.examples[name] = _Example(fn, timeout, dict(kinds or {}), nan_ok, sample,
                                           expensive, tuple(raises))
            return fn
        return deco

    def instance(self, class_name: str):
        def deco(fn):
            self.instances[class_name] = fn
            return fn
        return deco

    def param(self, *names: str):
        def deco(fn):
            for n in names:
                self.params[n] = fn
            return fn
        return deco

    def fixture(self, name: str):
        def deco(fn):
            self.fixtures[name] = fn
            return fn
        return deco

    def skip(self, name: str, reason: str) -> None:
        self.skipped[name] = reason

    def cli(self, *command: str, timeout: float | None = None):
        """Register ``(ctx) -> argv`` (without the program name): a valid invocation of the
        command-line subcommand ``command`` (e.g. ``reg.cli("model", "create")``)."""
        def deco(fn):
            self.cli_examples[tuple(command)] = (fn, timeout)
            return fn
        return deco

    def after_return(self, cls: type, fn: Callable[[Any], Any]) -> None:
        """Post-process results of type ``cls`` inside the call (e.g. draw from a strategy)."""
        self.postprocess.append((cls, fn))


class Context:
    """Per-worker state: a scratch folder, a shared folder (files built once for all workers,
    under a lock) and cached fixtures."""

    def __init__(self, registry: Registry, shared_dir: Path, scratch: Path):
        self.registry = registry
        self.shared = Path(shared_dir)
        self.scratch = Path(scratch)
        self._cache: dict[str, Any] = {}
        self._n = 0

    def get(self, name: str) -> Any:
        """The fixture ``name`` (built on first use, then cached in this worker)."""
        if name not in self._cache:
            if name not in self.registry.fixtures:
                raise KeyError(f"no fixture {name!r}")
            self._cache[name] = self.registry.fixtures[name](self)
        return self._cache[name]

    def tmp(self, name: str = "f") -> Path:
        """A fresh path in the scratch folder (not created)."""
        self._n += 1
        d = self.scratch / f"c{self._n:06d}"
        d.mkdir(parents=True, exist_ok=True)
        return d / name

    @contextlib.contextmanager
    def shared_file(self, name: str) -> Iterator[tuple[Path, bool]]:
        """Build-once protocol for files shared by all workers: yields ``(path, exists)`` while
        holding a lock; the caller writes ``path`` when ``exists`` is False."""
        self.shared.mkdir(parents=True, exist_ok=True)
        path = self.shared / name
        with open(self.shared / f".{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield path, path.exists()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def load_registry(path: str | os.PathLike | None) -> Registry:
    """The ``registry`` defined by the examples module at ``path`` (an empty one if None)."""
    if path is None:
        return Registry()
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"_fuzz_examples_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load fuzz examples from {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    reg = getattr(mod, "registry", None)
    if not isinstance(reg, Registry):
        raise ImportError(f"{path} defines no 'registry = Registry()'")
    return reg


# ==========================================================================================
# Hostile values, by the kind of the valid value they replace

GENERIC = ["none", "str", "nan", "object", "list_empty", "true", "neg_one", "dict_empty"]
BATTERIES: dict[str, list[str]] = {
    "float": ["nan", "inf", "-inf", "huge", "1e12", "neg", "zero", "negzero", "tiny",
              "big_int", "int_2_70", "str_num", "complex", "np_nan32", "array2", "true"],
    "int": ["float_frac", "nan", "inf", "neg", "zero", "big_int", "int_2_70", "huge",
            "str_num", "true", "np_int64_max", "np_float64_int", "1e12"],
    "bool": ["str", "int_2", "nan", "none", "np_bool_array"],
    "str": ["empty_str", "str_junk", "str_nul", "str_long", "int_2", "bytes", "list_str"],
    "points": ["pts_empty", "pts_0x0", "pts_one", "pts_two", "pts_nan", "pts_inf", "pts_huge",
               "pts_dup_huge", "pts_tiny", "pts_3col", "pts_1d", "pts_scalar", "pts_bool",
               "pts_int64", "pts_f16", "pts_complex", "pts_object", "pts_str", "pts_ragged",
               "pts_batch", "pts_same", "pts_collinear", "pts_1e200", "pts_list"],
    "array": ["arr_empty", "arr_0x0", "arr_nan", "arr_inf", "arr_huge", "arr_bool",
              "arr_int64", "arr_f16", "arr_complex", "arr_object", "arr_str", "arr_3d",
              "arr_scalar", "arr_transposed", "arr_wrong_len"],
    "image": ["img_0x0", "img_1xN", "img_Nx1", "img_1x1", "img_2x2", "img_bool", "img_int64",
              "img_int8", "img_f16", "img_f64", "img_complex", "img_object", "img_nan",
              "img_inf", "img_huge_vals", "img_neg", "img_4ch", "img_2ch", "img_batch",
              "img_4d", "img_1d", "img_huge", "img_huge_rgb", "img_const", "img_noise",
              "img_list", "img_uint16", "img_missing", "img_dir", "img_corrupt", "img_empty_file",
              "img_text_file", "img_path_nul", "img_path_long", "img_noncontig", "img_readonly"],
    "vector": ["vec_short", "vec_long", "vec_nan", "vec_inf", "vec_str", "vec_huge",
               "vec_none_elem", "vec_nested", "vec_empty", "vec_neg", "vec_zero", "vec_bool",
               "vec_complex", "vec_str_whole"],
    "images": ["list_empty", "str_path", "list_none", "list_mixed", "list_empty_img",
               "list_nan_img", "generator", "list_str_missing", "list_huge", "list_many_bad",
               "list_dir"],
    "path_in": ["path_missing", "path_dir", "path_empty_file", "path_junk", "path_nul",
                "path_long", "int_2", "empty_str", "bytes_path", "path_fifo"],
    "path_out": ["out_nul", "out_long", "out_readonly", "out_is_dir", "out_parent_is_file",
                 "out_missing_parent", "empty_str", "int_2", "out_bad_ext"],
    "object": ["int_2", "dict_empty", "wrong_object"],
    "callable": ["int_2", "callable_raises", "callable_wrong_sig"],
    "dict": ["dict_nonstr_key", "dict_junk_values", "list_empty"],
    "none": ["int_2", "wrong_object", "nan", "str", "vec_nan"],
}
#: Mutations of one JSON leaf (a number, string, bool, null or an array of numbers).
LEAF_MUTATIONS = ["str", "nan", "inf", "1e400", "neg", "zero", "big_int", "null", "list",
                  "dict", "true", "float_frac", "deep"]
ARRAY_MUTATIONS = ["elem_str", "elem_nan", "elem_1e400", "elem_null", "ragged", "drop_last",
                   "empty", "scalar", "deep", "huge_list"]
FILE_MUTATIONS = ["empty", "trunc10", "trunc50", "trunc90", "junk", "deep_list", "deep_obj",
                  "json_list", "json_null", "json_str", "wrong_format", "wrong_version",
                  "version_str", "version_null", "bom", "utf16", "nan_token", "dir",
                  "missing"]
NPZ_MUTATIONS = ["npz_pickle", "npz_trunc", "npz_junk", "npz_missing", "npz_empty",
                 "npz_nan", "npz_complex", "npz_wrong_shape", "npz_object_dtype"]


class _Unusual:
    """An object of no expected type."""

    def __repr__(self) -> str:
        return "<object>"


def _raise_cb(*_a, **_k):
    raise RuntimeError("callback raised on purpose (fuzz)")


def _scalar_value(key: str) -> Any:
    table: dict[str, Any] = {
        "none": None, "str": "abc", "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
        "huge": 1e300, "1e12": 1e12, "neg": -1.0, "neg_one": -1, "zero": 0, "negzero": -0.0,
        "tiny": 1e-300, "big_int": 10 ** 9, "int_2_70": 2 ** 70, "str_num": "1.0",
        "complex": 1 + 1j, "np_nan32": np.float32("nan"), "array2": np.array([1.0, 2.0]),
        "true": True, "float_frac": 1.5, "np_int64_max": np.int64(2 ** 63 - 1),
        "np_float64_int": np.float64(3.0), "int_2": 2, "empty_str": "",
        "str_junk": "\x00\xff<>|;&$(", "str_nul": "a\x00b", "str_long": "x" * 5000,
        "bytes": b"abc", "list_str": ["a", "b"], "list_empty": [], "dict_empty": {},
        "object": _Unusual(), "np_bool_array": np.array([True, False]),
        "callable_raises": _raise_cb, "callable_wrong_sig": (lambda: None),
        "dict_nonstr_key": {1: 2, None: "x"}, "dict_junk_values": {"a": math.nan, "b": "x"},
    }
    if key not in table:
        raise KeyError(key)
    return table[key]


def _points_value(key: str, base: Any) -> Any:
    n = 12
    try:
        b = np.asarray(base, dtype=np.float64)
        if b.ndim >= 2 and b.shape[-1] == 2 and b.shape[-2] >= 3:
            p = b.reshape(-1, 2)[: max(3, min(len(b.reshape(-1, 2)), 64))].copy()
        else:
            raise ValueError
    except Exception:  # noqa: BLE001
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        p = np.c_[50 + 20 * np.cos(t), 40 + 20 * np.sin(t)]
    rng = np.random.default_rng(0)
    if key == "pts_empty":
        return np.zeros((0, 2))
    if key == "pts_0x0":
        return np.zeros((0, 0))
    if key == "pts_one":
        return p[:1].copy()
    if key == "pts_two":
        return p[:2].copy()
    if key == "pts_nan":
        q = p.copy()
        q[1, 0] = np.nan
        return q
    if key == "pts_inf":
        q = p.copy()
        q[0, 1] = np.inf
        return q
    if key == "pts_huge":
        return p * 1e200
    if key == "pts_1e200":
        q = p.copy()
        q[-1] = [1e200, -1e200]
        return q
    if key == "pts_dup_huge":
        q = np.repeat(p[:1], len(p), axis=0) + rng.normal(0, 1e-12, p.shape)
        q[-1] = [1e150, 1e150]
        return q
    if key == "pts_tiny":
        return p * 1e-300
    if key == "pts_3col":
        return np.c_[p, p[:, :1]]
    if key == "pts_1d":
        return p[0].copy()
    if key == "pts_scalar":
        return np.float64(1.0)
    if key == "pts_bool":
        return p > 40
    if key == "pts_int64":
        return np.round(p).astype(np.int64)
    if key == "pts_f16":
        return p.astype(np.float16)
    if key == "pts_complex":
        return p.astype(np.complex128)
    if key == "pts_object":
        return p.astype(object)
    if key == "pts_str":
        return p.astype(str)
    if key == "pts_ragged":
        return [[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]]
    if key == "pts_batch":
        return np.stack([p, p + 1.0, p * 2.0])
    if key == "pts_same":
        return np.repeat(p[:1], len(p), axis=0)
    if key == "pts_collinear":
        return np.c_[np.arange(len(p), dtype=float), 2.0 * np.arange(len(p))]
    if key == "pts_list":
        return p.tolist()
    raise KeyError(key)


def _array_value(key: str, base: Any) -> Any:
    try:
        b = np.asarray(base)
        if b.dtype.kind not in "biuf" or b.size == 0:
            raise ValueError
        b = b.astype(np.float64)
    except Exception:  # noqa: BLE001
        b = np.arange(6, dtype=np.float64).reshape(2, 3)
    if key == "arr_empty":
        return np.zeros((0,))
    if key == "arr_0x0":
        return np.zeros((0, 0))
    if key == "arr_nan":
        q = b.copy()
        q.flat[0] = np.nan
        return q
    if key == "arr_inf":
        q = b.copy()
        q.flat[-1] = np.inf
        return q
    if key == "arr_huge":
        return b * 1e300 + 1e300
    if key == "arr_bool":
        return b > 0
    if key == "arr_int64":
        return b.astype(np.int64)
    if key == "arr_f16":
        return b.astype(np.float16)
    if key == "arr_complex":
        return b.astype(np.complex128)
    if key == "arr_object":
        return b.astype(object)
    if key == "arr_str":
        return b.astype(str)
    if key == "arr_3d":
        return b.reshape((1,) * max(0, 3 - b.ndim) + b.shape)[None]
    if key == "arr_scalar":
        return np.float64(1.0)
    if key == "arr_transposed":
        return b.T.copy() if b.ndim == 2 else b[:, None]
    if key == "arr_wrong_len":
        return b.reshape(-1)[:-1] if b.size > 1 else np.zeros(5)
    raise KeyError(key)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _image_value(key: str, base: Any, ctx: Context) -> Any:
    try:
        b = np.asarray(base)
        if b.ndim not in (2, 3) or b.dtype.kind not in "uif" or b.size == 0:
            raise ValueError
    except Exception:  # noqa: BLE001
        b = np.full((48, 64), 100, np.uint8)
        b[12:36, 16:48] = 200
    g = b if b.ndim == 2 else b[..., 0]
    h, w = g.shape
    if key == "img_0x0":
        return np.zeros((0, 0), np.uint8)
    if key == "img_1xN":
        return np.ascontiguousarray(g[:1])
    if key == "img_Nx1":
        return np.ascontiguousarray(g[:, :1])
    if key == "img_1x1":
        return np.full((1, 1), 128, np.uint8)
    if key == "img_2x2":
        return np.array([[0, 255], [255, 0]], np.uint8)
    if key == "img_bool":
        return g > g.mean()
    if key == "img_int64":
        return g.astype(np.int64)
    if key == "img_int8":
        return (g.astype(np.int16) - 128).astype(np.int8)
    if key == "img_f16":
        return g.astype(np.float16)
    if key == "img_f64":
        return g.astype(np.float64)
    if key == "img_complex":
        return g.astype(np.complex64)
    if key == "img_object":
        return g.astype(object)
    if key == "img_nan":
        q = g.astype(np.float32)
        q[h // 2, w // 2] = np.nan
        return q
    if key == "img_inf":
        q = g.astype(np.float32)
        q[0, 0] = np.inf
        return q
    if key == "img_huge_vals":
        return g.astype(np.float64) * 1e300
    if key == "img_neg":
        return g.astype(np.float32) - 1e6
    if key == "img_4ch":
        return np.dstack([g, g, g, g])
    if key == "img_2ch":
        return np.dstack([g, g])
    if key == "img_batch":
        return np.stack([g, g, g])
    if key == "img_4d":
        return g[None, :, :, None]
    if key == "img_1d":
        return g.reshape(-1)
    if key == "img_huge":
        return np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE))
    if key == "img_huge_rgb":
        return np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE, 3))
    if key == "img_const":
        return np.full_like(g, 128)
    if key == "img_noise":
        return np.random.default_rng(0).integers(0, 256, g.shape, dtype=np.uint8)
    if key == "img_list":
        return g.tolist()
    if key == "img_uint16":
        return g.astype(np.uint16) * 257
    if key == "img_noncontig":
        return g[::-1, ::2]
    if key == "img_readonly":
        q = g.copy()
        q.setflags(write=False)
        return q
    if key == "img_missing":
        return str(ctx.tmp("missing.png"))
    if key == "img_dir":
        d = ctx.tmp("folder.png")
        d.mkdir()
        return str(d)
    if key == "img_corrupt":
        import cv2
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(g).astype(np.uint8))
        data = buf.tobytes()
        return str(_write(ctx.tmp("corrupt.png"), data[: len(data) // 2]))
    if key == "img_empty_file":
        return str(_write(ctx.tmp("empty.png"), b""))
    if key == "img_text_file":
        return str(_write(ctx.tmp("text.png"), b"this is not an image\n"))
    if key == "img_path_nul":
        return str(ctx.tmp("a")) + "\x00b.png"
    if key == "img_path_long":
        return str(ctx.tmp("x" * 300 + ".png"))
    raise KeyError(key)


def _vector_value(key: str, base: Any) -> Any:
    try:
        b = [float(v) for v in base]
    except Exception:  # noqa: BLE001
        b = [1.0, 2.0]
    n = len(b)
    if key == "vec_short":
        return tuple(b[:-1])
    if key == "vec_long":
        return tuple(b) + (1.0,)
    if key == "vec_nan":
        return (math.nan,) + tuple(b[1:])
    if key == "vec_inf":
        return tuple(b[:-1]) + (math.inf,)
    if key == "vec_str":
        return ("a",) * n
    if key == "vec_str_whole":
        return ",".join("a" * n)
    if key == "vec_huge":
        return (1e300,) * n
    if key == "vec_none_elem":
        return (None,) + tuple(b[1:])
    if key == "vec_nested":
        return [[v] for v in b]
    if key == "vec_empty":
        return ()
    if key == "vec_neg":
        return tuple(-abs(v) - 1.0 for v in b)
    if key == "vec_zero":
        return (0,) * n
    if key == "vec_bool":
        return (True,) * n
    if key == "vec_complex":
        return (1j,) * n
    raise KeyError(key)


def _images_value(key: str, base: Any, ctx: Context) -> Any:
    try:
        first = next(iter(base))
        img = np.asarray(first) if not isinstance(first, (str, os.PathLike)) else None
    except Exception:  # noqa: BLE001
        img = None
    if img is None or img.ndim not in (2, 3):
        img = np.full((48, 64), 100, np.uint8)
    if key == "list_empty":
        return []
    if key == "str_path":
        return str(_write(ctx.tmp("a.png"), b"junk"))
    if key == "list_none":
        return [img, None]
    if key == "list_mixed":
        return [img, img[: img.shape[0] // 2]]
    if key == "list_empty_img":
        return [img, np.zeros((0, 0), np.uint8)]
    if key == "list_nan_img":
        return [img, np.full(img.shape[:2], np.nan, np.float32)]
    if key == "generator":
        return (x for x in [img, img, img])
    if key == "list_str_missing":
        return [str(ctx.tmp("nope.png"))]
    if key == "list_huge":
        return [np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE))]
    if key == "list_many_bad":
        return [np.zeros((3,), np.uint8)] * 3
    if key == "list_dir":
        d = ctx.tmp("dir")
        d.mkdir()
        return [str(d)]
    raise KeyError(key)


def _path_value(key: str, base: Any, ctx: Context) -> Any:
    suffix = "".join(Path(str(base)).suffixes[-2:]) if isinstance(base, (str, os.PathLike)) \
        else ".json"
    if key == "path_missing":
        return str(ctx.tmp("missing" + suffix))
    if key == "path_dir":
        d = ctx.tmp("folder" + suffix)
        d.mkdir()
        return str(d)
    if key == "path_empty_file":
        return str(_write(ctx.tmp("empty" + suffix), b""))
    if key == "path_junk":
        return str(_write(ctx.tmp("junk" + suffix), bytes(range(256)) * 4))
    if key == "path_nul":
        return str(ctx.tmp("a")) + "\x00" + suffix
    if key == "path_long":
        return str(ctx.tmp("x" * 300 + suffix))
    if key == "bytes_path":
        return os.fsencode(str(ctx.tmp("b" + suffix)))
    if key == "path_fifo":
        p = ctx.tmp("fifo" + suffix)
        os.mkfifo(p)
        return str(p)
    if key == "out_nul":
        return str(ctx.tmp("a")) + "\x00" + suffix
    if key == "out_long":
        return str(ctx.tmp("y" * 300 + suffix))
    if key == "out_readonly":
        d = ctx.tmp("readonly")
        d.mkdir()
        os.chmod(d, 0o555)
        return str(d / ("out" + suffix))
    if key == "out_is_dir":
        d = ctx.tmp("isdir" + suffix)
        d.mkdir()
        return str(d)
    if key == "out_parent_is_file":
        f = _write(ctx.tmp("afile"), b"x")
        return str(f / ("out" + suffix))
    if key == "out_missing_parent":
        return str(ctx.tmp("nope") / "deeper" / ("out" + suffix))
    if key == "out_bad_ext":
        return str(ctx.tmp("out.notanextension"))
    raise KeyError(key)


def _object_value(key: str) -> Any:
    if key == "wrong_object":
        return types.SimpleNamespace(a=1)
    return _scalar_value(key)


_IMAGES_KEYS = {"str_path", "list_none", "list_mixed", "list_empty_img", "list_nan_img",
                "generator", "list_str_missing", "list_huge", "list_many_bad", "list_dir"}


def make_value(key: str, kind: str, base: Any, ctx: Context) -> Any:
    """Build the hostile value ``key`` for a parameter whose valid value is ``base``."""
    if key.startswith("pts_"):
        return _points_value(key, base)
    if key.startswith("arr_"):
        return _array_value(key, base)
    if key.startswith("img_"):
        return _image_value(key, base, ctx)
    if key.startswith("vec_"):
        return _vector_value(key, base)
    if key in _IMAGES_KEYS:
        return _images_value(key, base, ctx)
    if key.startswith(("path_", "out_")) or key == "bytes_path":
        return _path_value(key, base, ctx)
    if key == "wrong_object":
        return _object_value(key)
    return _scalar_value(key)




def infer_kind(name: str, value: Any, entry: EntryPoint | None = None) -> str:
    """Kind of a valid argument value (selects the hostile values tried in its place)."""
    lname = name.lower()
    if value is None:
        return "none"
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, (str, os.PathLike)):
        p = Path(value)
        if _looks_like_output(lname, entry):
            return "path_out"
        if p.exists() or lname in ("path", "file", "filename", "source"):
            return "path_in"
        return "str"
    if isinstance(value, np.ndarray):
        if value.ndim >= 2 and value.shape[-1] == 2 and value.dtype.kind == "f" \
                and not ("image" in lname or "gray" in lname):
            return "points"
        if value.ndim in (2, 3) and min(value.shape[:2]) >= 8 and (
                value.dtype.kind in "u" or "image" in lname or "gray" in lname
                or "template" in lname):
            return "image"
        return "array"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                         for v in value):
            return "vector"
        if value and all(isinstance(v, np.ndarray) and v.ndim in (2, 3) for v in value):
            return "images"
        if value and all(isinstance(v, (str, os.PathLike)) for v in value):
            return "images"
        return "object"
    if isinstance(value, dict):
        return "dict"
    if callable(value) and not isinstance(value, type):
        return "callable"
    return "object"


def _looks_like_output(lname: str, entry: EntryPoint | None) -> bool:
    if lname in ("out", "out_dir", "output", "output_dir", "overlay_dir", "csv_path", "dst"):
        return True
    if entry is not None:
        leaf = (entry.attr or entry.name.rsplit(".", 1)[-1]).lower()
        if leaf.startswith(("save", "write", "export")) and lname in ("path", "file",
                                                                      "filename"):
            return True
    return False


def annotation_kind(annotation: Any) -> str:
    """Kind of the non-None part of a parameter annotation (``"int | None"`` -> ``int``)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__",
                                                                  str(annotation))
    text = text.replace("None", "").replace("Optional", "")
    for key, kind in (("Callable", "callable"), ("PathLike", "path_out"), ("Path", "path_out"),
                      ("ndarray", "array"), ("Sequence", "vector"), ("tuple", "vector"),
                      ("float", "float"), ("int", "int"), ("bool", "bool"), ("str", "str"),
                      ("dict", "dict"), ("Mapping", "dict")):
        if key in text:
            return kind
    return "object"


def battery(kind: str) -> list[str]:
    """Hostile value keys tried for a parameter of ``kind`` (its own battery + generic)."""
    if kind.startswith("none+"):
        return list(dict.fromkeys(BATTERIES["none"] + battery(kind[5:])))
    own = BATTERIES.get(kind, [])
    return list(dict.fromkeys(own + GENERIC))


# ------------------------------------------------------------------------------------------
# Corrupt files and dicts (loaders)


def _json_leaves(doc: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every leaf of a JSON document; an array of numbers is one leaf."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _json_leaves(v, path + (k,))
    elif isinstance(doc, list):
        if doc and all(isinstance(v, (int, float)) and not isinstance(v, bool) or v is None
                       for v in _flatten(doc)) and _flatten(doc):
            yield path, doc
        else:
            for i, v in enumerate(doc[:3]):
                yield from _json_leaves(v, path + (i,))
            if not doc:
                yield path, doc
    else:
        yield path, doc


def _flatten(x: Any) -> list:
    out: list = []
    stack = [x]
    while stack and len(out) < 100000:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        else:
            out.append(v)
    return out


def _norm_path(path: tuple) -> str:
    return ".".join("*" if isinstance(p, int) else str(p) for p in path)


def _deep(depth: int, obj: bool = False) -> Any:
    x: Any = 1.0
    for _ in range(depth):
        x = {"a": x} if obj else [x]
    return x


class _Raw:
    """A JSON token written verbatim (NaN, 1e400 ...)."""

    def __init__(self, text: str):
        self.text = text


def _mutate_leaf(value: Any, mutation: str) -> Any:
    if isinstance(value, list) and mutation in ARRAY_MUTATIONS:
        v = json.loads(json.dumps(value))
        flat_first = v
        while isinstance(flat_first, list) and flat_first and isinstance(flat_first[0], list):
            flat_first = flat_first[0]
        if mutation == "elem_str" and flat_first:
            flat_first[0] = "abc"
        elif mutation == "elem_nan" and flat_first:
            flat_first[0] = _Raw("NaN")
        elif mutation == "elem_1e400" and flat_first:
            flat_first[0] = _Raw("1e400")
        elif mutation == "elem_null" and flat_first:
            flat_first[0] = None
        elif mutation == "ragged":
            if v and isinstance(v[0], list) and v[0]:
                v[0] = v[0][:-1]
            else:
                v = [v, [1.0]]
        elif mutation == "drop_last":
            v = v[:-1]
        elif mutation == "empty":
            v = []
        elif mutation == "scalar":
            v = 1.0
        elif mutation == "deep":
            v = _deep(5000)
        elif mutation == "huge_list":
            v = [0.0] * 2_000_000
        return v
    table = {"str": "abc", "nan": _Raw("NaN"), "inf": _Raw("Infinity"), "1e400": _Raw("1e400"),
             "neg": -1, "zero": 0, "big_int": 10 ** 30, "null": None, "list": [1, 2],
             "dict": {"a": 1}, "true": True, "float_frac": 0.5, "deep": _deep(5000)}
    return table[mutation]


def _set_path(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc = _shallow_copy(doc)
    node = doc
    for p in path[:-1]:
        node[p] = _shallow_copy(node[p])
        node = node[p]
    node[path[-1]] = value
    return doc


def _del_path(doc: Any, path: tuple) -> Any:
    doc = _shallow_copy(doc)
    node = doc
    for p in path[:-1]:
        node[p] = _shallow_copy(node[p])
        node = node[p]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and node:
        node.pop(path[-1] if path[-1] < len(node) else -1)
    return doc


def _shallow_copy(x: Any) -> Any:
    return dict(x) if isinstance(x, dict) else list(x) if isinstance(x, list) else x


def dumps_raw(doc: Any) -> str:
    """JSON text of ``doc`` where :class:`_Raw` tokens are written verbatim; deep values are
    serialised without recursion."""
    parts: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, _Raw):
            parts.append(x.text)
        elif isinstance(x, str) and x.startswith("\x00TOKEN:"):
            parts.append(x[7:])
        elif isinstance(x, dict):
            items = list(x.items())
            stack.append("\x00TOKEN:}")
            for i, (k, v) in enumerate(reversed(items)):
                stack.append(v)
                stack.append("\x00TOKEN:" + json.dumps(str(k)) + ":")
                if i < len(items) - 1:
                    stack.append("\x00TOKEN:,")
            stack.append("\x00TOKEN:{")
        elif isinstance(x, list):
            stack.append("\x00TOKEN:]")
            for i, v in enumerate(reversed(x)):
                stack.append(v)
                if i < len(x) - 1:
                    stack.append("\x00TOKEN:,")
            stack.append("\x00TOKEN:[")
        else:
            parts.append(json.dumps(x))
    return "".join(parts)


def leaf_cases(doc: Any, *, limit_per_path: int = 1) -> list[str]:
    """Case keys ``leaf:<json path>:<mutation>`` and ``missing:<json path>`` for a document."""
    out: list[str] = []
    seen: Counter = Counter()
    for path, value in _json_leaves(doc):
        norm = _norm_path(path)
        if seen[norm] >= limit_per_path:
            continue
        seen[norm] += 1
        enc = json.dumps(list(path))
        muts = ARRAY_MUTATIONS if isinstance(value, list) else LEAF_MUTATIONS
        out += [f"leaf:{enc}:{m}" for m in muts]
        if path:
            out.append(f"missing:{enc}")
    return out


def mutate_doc(doc: Any, case: str) -> Any:
    """Apply a ``leaf:``/``missing:`` case key to a JSON document (returns a new document)."""
    kind, _, rest = case.partition(":")
    if kind == "missing":
        return _del_path(doc, tuple(json.loads(rest)))
    enc, _, mutation = rest.rpartition(":")
    path = tuple(json.loads(enc))
    node = doc
    for p in path:
        node = node[p]
    return _set_path(doc, path, _mutate_leaf(node, mutation))


def _raw_to_python(x: Any) -> Any:
    """Turn :class:`_Raw` tokens into Python floats (for dict, not file, mutations)."""
    if isinstance(x, _Raw):
        return {"NaN": math.nan, "Infinity": math.inf, "1e400": math.inf}.get(x.text, x.text)
    if isinstance(x, dict):
        return {k: _raw_to_python(v) for k, v in x.items()}
    if isinstance(x, list) and len(x) < 10000 and not (len(x) == 1 and isinstance(x[0], list)):
        return [_raw_to_python(v) for v in x]
    return x


def file_variant(src: Path, case: str, ctx: Context) -> str:
    """Write a corrupt copy of the valid file ``src`` (and its siblings) for ``case``; return the
    path to pass to the loader."""
    folder = ctx.tmp("variant")
    folder.mkdir()
    # copy the whole artefact (e.g. a model .json and its .npz) next to each other
    stem = src.name.split(".")[0]
    for sib in src.parent.iterdir():
        if sib.is_file() and sib.name.split(".")[0] == stem:
            shutil.copy2(sib, folder / sib.name)
    dst = folder / src.name
    data = src.read_bytes()
    text = None
    try:
        text = data.decode("utf-8")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        doc = None
    npz = sorted(folder.glob(stem + "*.npz"))
    if case == "empty":
        dst.write_bytes(b"")
    elif case.startswith("trunc"):
        dst.write_bytes(data[: len(data) * int(case[5:]) // 100])
    elif case == "junk":
        dst.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    elif case == "deep_list":
        dst.write_bytes(b"[" * 200000 + b"]" * 200000)
    elif case == "deep_obj":
        dst.write_bytes(b'{"a":' * 100000 + b"1" + b"}" * 100000)
    elif case == "json_list":
        dst.write_bytes(b"[1, 2, 3]")
    elif case == "json_null":
        dst.write_bytes(b"null")
    elif case == "json_str":
        dst.write_bytes(b'"metrology"')
    elif case in ("wrong_format", "wrong_version", "version_str", "version_null") \
            and isinstance(doc, dict):
        d = dict(doc)
        if case == "wrong_format":
            d["format"] = "something.else"
        elif case == "wrong_version":
            d["version"] = 999
        elif case == "version_str":
            d["version"] = str(d.get("version", "1"))
        else:
            d["version"] = None
        dst.write_text(json.dumps(d))
    elif case == "bom":
        dst.write_bytes(b"\xef\xbb\xbf" + data)
    elif case == "utf16":
        dst.write_bytes((text or "").encode("utf-16"))
    elif case == "nan_token" and text is not None:
        dst.write_text(re.sub(r"(?<=[:\[,\s])(-?\d+\.\d+)(?=[,\]\s}])", "NaN", text, count=3))
    elif case == "dir":
        dst.unlink()
        dst.mkdir()
    elif case == "missing":
        dst.unlink()
    elif case.startswith(("leaf:", "missing:")) and doc is not None:
        dst.write_text(dumps_raw(mutate_doc(doc, case)))
    elif case.startswith("npz_") and npz:
        _npz_variant(npz[0], case)
    elif case.startswith("yaml_"):
        dst.write_bytes(_yaml_variant(data, case))
    else:
        dst.write_bytes(data)
    return str(dst)


def _npz_variant(path: Path, case: str) -> None:
    data = path.read_bytes()
    if case == "npz_pickle":
        with open(path, "wb") as fh:
            np.savez(fh, **{k: np.array([{"evil": 1}], dtype=object) for k in _npz_keys(data)})
    elif case == "npz_trunc":
        path.write_bytes(data[: len(data) // 2])
    elif case == "npz_junk":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    elif case == "npz_missing":
        path.unlink()
    elif case == "npz_empty":
        with open(path, "wb") as fh:
            np.savez(fh)
    else:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        for k, a in arrays.items():
            if case == "npz_nan" and a.dtype.kind == "f" and a.size:
                a = a.copy()
                a.flat[0] = np.nan
            elif case == "npz_complex" and a.dtype.kind in "fiu":
                a = a.astype(np.complex128)
            elif case == "npz_wrong_shape":
                a = a.reshape(-1)[: max(0, a.size - 1)]
            elif case == "npz_object_dtype":
                a = a.astype("U8")
            arrays[k] = a
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)


def _npz_keys(data: bytes) -> list[str]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return list(z.files) or ["a"]
    except Exception:  # noqa: BLE001
        return ["a"]


YAML_MUTATIONS = ["yaml_trunc", "yaml_junk_value", "yaml_nan", "yaml_no_header", "yaml_deep"]


def _yaml_variant(data: bytes, case: str) -> bytes:
    text = data.decode("utf-8", "replace")
    if case == "yaml_trunc":
        return data[: len(data) // 2]
    if case == "yaml_junk_value":
        return re.sub(r"(?m)^(\s*\w+:\s*)(-?\d[\d.e+-]*)\s*$", r"\1abc", text, count=2).encode()
    if case == "yaml_nan":
        return re.sub(r"-?\d+\.\d+(e[+-]?\d+)?", ".nan", text, count=4).encode()
    if case == "yaml_no_header":
        return "\n".join(text.splitlines()[1:]).encode()
    if case == "yaml_deep":
        return ("%YAML:1.0\n---\n" + "a:\n" + "".join("  " * i + "b:\n" for i in range(3000))
                ).encode()
    return data


# ==========================================================================================
# Cases


@dataclasses.dataclass(frozen=True)
class Case:
    """One fuzz call: ``entry`` with ``param`` replaced by the hostile value ``value`` (a key of
    the batteries, a file or dict mutation), or by ``payload`` (pickled concrete value, e.g.
    drawn by hypothesis).  ``param=None`` is the valid example itself."""

    entry: str
    param: str | None
    value: str
    kind: str = ""
    payload: bytes | None = None

    @property
    def label(self) -> str:
        return "example" if self.param is None else f"{self.param}={self.value}"


@dataclasses.dataclass
class _Prepared:
    fn: Callable
    sig: inspect.Signature | None
    args: dict[str, Any]
    extra_args: tuple
    kinds: dict[str, str]
    example: _Example | None


def _signature(fn: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _guess(ctx: Context, name: str, param: inspect.Parameter | None) -> tuple[bool, Any]:
    reg = ctx.registry
    if name in reg.params:
        return True, reg.params[name](ctx)
    if param is not None and param.default is not inspect.Parameter.empty:
        return True, param.default
    return False, None


def prepare_call(entry: EntryPoint, ctx: Context) -> _Prepared:
    """Resolve the entry point and build its valid arguments (example, registered parameter
    defaults, or the signature's defaults)."""
    reg = ctx.registry
    ex = reg.examples.get(entry.name)
    obj = resolve(entry)
    if entry.kind == "method":
        if entry.owner not in reg.instances:
            raise LookupError(f"no valid instance registered for {entry.owner}")
        inst = reg.instances[entry.owner](ctx)
        fn = getattr(inst, entry.attr)
    elif entry.kind in ("classmethod", "staticmethod"):
        owner = resolve(EntryPoint(entry.owner, "class", entry.module))
        fn = getattr(owner, entry.attr)
    else:
        fn = obj
    sig = _signature(fn)
    args: dict[str, Any] = {}
    extra: tuple = ()
    if ex is None and entry.kind == "class" and dataclasses.is_dataclass(obj) \
            and entry.name in reg.instances:
        # a dataclass is constructed from the fields of a valid instance
        inst = reg.instances[entry.name](ctx)
        ex = _Example(lambda _c, _i=inst: Call(**{
            f.name: getattr(_i, f.name) for f in dataclasses.fields(_i) if f.init}),
            nan_ok=_is_container(obj))
    if ex is not None:
        call = ex.build(ctx)
        if sig is not None:
            try:
                bound = sig.bind_partial(*call.args, **call.kwargs)
            except TypeError as exc:
                raise LookupError(f"example does not fit the signature: {exc}") from None
            for k, v in bound.arguments.items():
                p = sig.parameters[k]
                if p.kind is inspect.Parameter.VAR_POSITIONAL:
                    extra = tuple(v)
                elif p.kind is inspect.Parameter.VAR_KEYWORD:
                    args.update(v)
                else:
                    args[k] = v
        else:
            extra, args = tuple(call.args), dict(call.kwargs)
    if sig is not None:
        for k, p in sig.parameters.items():
            if k in args or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            found, v = _guess(ctx, k, p)
            if found:
                if p.default is inspect.Parameter.empty or ex is None or k in reg.params:
                    args[k] = v
                elif p.default is not inspect.Parameter.empty:
                    args[k] = p.default
    kinds = {k: infer_kind(k, v, entry) for k, v in args.items()}
    if sig is not None:
        for k in args:
            if kinds[k] == "none" and k in sig.parameters:
                kinds[k] = "none+" + annotation_kind(sig.parameters[k].annotation)
    if ex is not None:
        kinds.update(ex.kinds)
    return _Prepared(fn, sig, args, extra, kinds, ex)


def _is_container(cls: type) -> bool:
    """A dataclass that stores what it is given (generated ``__init__``, no
    ``__post_init__``): a result type, whose NaN fields are the caller's business."""
    if not dataclasses.is_dataclass(cls):
        return False
    if any("__post_init__" in vars(k) for k in cls.__mro__):
        return False
    code = getattr(cls.__init__, "__code__", None)
    return getattr(code, "co_filename", "") == "<string>"


def _invoke(prep: _Prepared, args: dict[str, Any]) -> Any:
    if prep.sig is None:
        return prep.fn(*prep.extra_args, **args)
    pos: list[Any] = []
    kw: dict[str, Any] = {}
    names = set(prep.sig.parameters)
    for k, p in prep.sig.parameters.items():
        if k not in args:
            if p.kind is p.VAR_POSITIONAL:
                pos.extend(prep.extra_args)
            continue
        if p.kind is p.POSITIONAL_ONLY:
            pos.append(args[k])
        else:
            kw[k] = args[k]
    for k, v in args.items():
        if k not in names:
            kw[k] = v
    return prep.fn(*pos, **kw)


def _loader_like(entry: EntryPoint) -> bool:
    leaf = (entry.attr or entry.name.rsplit(".", 1)[-1]).lower()
    return leaf.startswith(("load", "read", "import", "from_yaml", "from_file", "open"))


def plan_cases(entry: EntryPoint, prep: _Prepared, base_result: Any, mode: str,
               seed: int, sample: int) -> list[Case]:
    """Every case for ``entry`` (``mode="full"``) or a deterministic sample of ``sample``."""
    cases: list[Case] = []
    for name, value in prep.args.items():
        kind = prep.kinds.get(name, "object")
        keys = battery(kind)
        if kind == "path_in" and _loader_like(entry) and isinstance(value, (str, os.PathLike)) \
                and Path(value).is_file():
            keys = keys + _file_cases(Path(value))
        if kind == "dict" and isinstance(value, dict):
            keys = keys + ["dict_not_mapping", "dict_deep", "dict_extra_key"] + \
                [c for c in leaf_cases(value) if not c.endswith((":huge_list", ":deep"))]
        cases += [Case(entry.name, name, k, kind) for k in keys]
    if prep.sig is not None and any(p.kind is p.VAR_KEYWORD
                                    for p in prep.sig.parameters.values()):
        cases.append(Case(entry.name, "unknown_keyword", "int_2", "kwarg"))
    if (mode == "full" and not (prep.example and prep.example.expensive)) \
            or len(cases) <= sample:
        return cases
    rng = random.Random(zlib.crc32(f"{entry.name}:{seed}".encode()))
    return rng.sample(cases, sample)


def _file_cases(path: Path) -> list[str]:
    out = ["file:" + m for m in FILE_MUTATIONS]
    try:
        doc = json.loads(path.read_text("utf-8"))
        out += ["file:" + c for c in leaf_cases(doc)]
    except (UnicodeDecodeError, ValueError):
        pass
    if path.suffix.lower() in (".yml", ".yaml"):
        out += ["file:" + m for m in YAML_MUTATIONS]
    stem = path.name.split(".")[0]
    if any(p.suffix == ".npz" for p in path.parent.glob(stem + "*")):
        out += ["file:" + m for m in NPZ_MUTATIONS]
    return out


def case_value(case: Case, prep: _Prepared, ctx: Context) -> tuple[str, Any]:
    """(parameter name, hostile value) for a case."""
    if case.payload is not None:
        return case.param, pickle.loads(case.payload)
    base = prep.args.get(case.param)
    if case.param == "unknown_keyword":
        return "fuzz_unknown_keyword", 2
    if case.value.startswith("file:"):
        return case.param, file_variant(Path(base), case.value[5:], ctx)
    if case.kind == "dict" and isinstance(base, dict):
        if case.value == "dict_not_mapping":
            return case.param, [list(base.items())]
        if case.value == "dict_deep":
            return case.param, _deep(100000, obj=True)
        if case.value == "dict_extra_key":
            return case.param, {**base, "fuzz_extra": [1, 2]}
        if case.value.startswith(("leaf:", "missing:")):
            return case.param, _raw_to_python(mutate_doc(base, case.value))
    return case.param, make_value(case.value, case.kind, base, ctx)


# ==========================================================================================
# Running one call and judging its result


def non_finite_paths(obj: Any, path: str = "", out: set | None = None, depth: int = 0,
                     seen: set | None = None) -> set[str]:
    """Paths (indices as ``*``) of NaN/inf values inside ``obj``; parts of an object whose
    ``ok`` flag is False are skipped (a documented failure marker)."""
    out = set() if out is None else out
    seen = set() if seen is None else seen
    if depth > 12 or len(out) > 50:
        return out
    if isinstance(obj, (bool, np.bool_, int, np.integer, str, bytes)) or obj is None:
        return out
    if isinstance(obj, (float, np.floating)):
        if not math.isfinite(float(obj)):
            out.add(path or "<value>")
        return out
    if isinstance(obj, (complex, np.complexfloating)):
        if not (math.isfinite(obj.real) and math.isfinite(obj.imag)):
            out.add(path or "<value>")
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc" and obj.size and obj.size < 50_000_000:
            if not np.all(np.isfinite(obj)):
                out.add(path or "<array>")
        elif obj.dtype == object and obj.size < 1000:
            for v in obj.ravel():
                non_finite_paths(v, path + "[*]", out, depth + 1, seen)
        return out
    if id(obj) in seen:
        return out
    seen.add(id(obj))
    ok = getattr(obj, "ok", True) if not isinstance(obj, (dict, list, tuple)) else True
    try:
        if not bool(np.all(ok)):
            return out
    except Exception:  # noqa: BLE001
        pass
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:200]:
            non_finite_paths(v, f"{path}.{k}", out, depth + 1, seen)
    elif isinstance(obj, (list, tuple)):
        for v in list(obj)[:50]:
            non_finite_paths(v, path + "[*]", out, depth + 1, seen)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name.startswith("_"):
                continue
            non_finite_paths(getattr(obj, f.name, None), f"{path}.{f.name}", out, depth + 1,
                             seen)
    elif type(obj).__module__.split(".")[0] == "metrology" and hasattr(obj, "__dict__"):
        for k, v in list(vars(obj).items())[:100]:
            if not k.startswith("_"):
                non_finite_paths(v, f"{path}.{k}", out, depth + 1, seen)
    return out


def _library_frame(tb: types.TracebackType | None, package_dir: str, skip: str) -> str:
    """``path:line in function: source`` of the innermost frame inside the package."""
    best = ""
    for fs in traceback.extract_tb(tb):
        fn = os.path.abspath(fs.filename)
        if fn.startswith(package_dir) and not fn.startswith(skip):
            rel = os.path.relpath(fn, os.path.dirname(package_dir))
            best = f"{rel}:{fs.lineno} in {fs.name}: {(fs.line or '').strip()[:120]}"
    return best


def _reset_state(cwd: str) -> None:
    np.seterr(all="warn")
    try:
        os.chdir(cwd)
    except OSError:
        pass


@contextlib.contextmanager
def _unprivileged(active: bool) -> Iterator[None]:
    """Drop root's effective uid for the call (a read-only folder is read-only for root only
    through the permission check root skips)."""
    if not (active and hasattr(os, "geteuid") and os.geteuid() == 0):
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def run_case(entry: EntryPoint, case: Case, ctx: Context, allowed_nan: Iterable[str],
             package_dir: str, base_error: type) -> dict:
    """Run one case in this process; return its outcome record."""
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"entry": entry.name, "area": entry.area, "param": case.param,
                           "value": case.value, "kind": case.kind, "outcome": "returned",
                           "exc": "", "message": "", "line": "", "seconds": 0.0}
    try:
        prep = prepare_call(entry, ctx)
    except Exception as exc:  # noqa: BLE001
        rec.update(outcome="broken", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS])
        return rec
    args = dict(prep.args)
    try:
        if case.param is not None:
            name, value = case_value(case, prep, ctx)
            args[name] = value
    except Exception as exc:  # noqa: BLE001
        rec.update(outcome="broken", exc=type(exc).__name__,
                   message=f"building the hostile value failed: {exc}"[:_MSG_CHARS])
        return rec
    cwd = os.getcwd()
    skip = os.path.join(package_dir, "testing", "fuzz")
    try:
        os.chdir(ctx.scratch)
        with warnings.catch_warnings(record=True) as caught, \
                _unprivileged(case.value == "out_readonly"):
            warnings.simplefilter("always")
            result = _invoke(prep, args)
            for cls, post in ctx.registry.postprocess:
                if isinstance(result, cls):
                    result = post(result)
            if inspect.isgenerator(result):
                result = [x for _, x in zip(range(5), result)]
        nan = sorted(non_finite_paths(result) - set(allowed_nan)) \
            if not (prep.example and prep.example.nan_ok) else []
        if nan and case.param is not None:
            rec.update(outcome="nan", message="non-finite values in " + ", ".join(nan[:5]))
        warn = [w for w in caught if issubclass(w.category, RuntimeWarning)
                and os.path.abspath(w.filename).startswith(package_dir)]
        if warn:
            rec["warning"] = f"{warn[0].category.__name__}: {warn[0].message}"[:_MSG_CHARS]
        rec["nan_paths"] = sorted(non_finite_paths(result)) if case.param is None else []
    except base_error as exc:
        rec.update(outcome="error", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS])
    except BaseException as exc:  # noqa: BLE001 - everything else is a finding
        if isinstance(exc, KeyboardInterrupt):
            raise
        documented = prep.example.raises if prep.example else ()
        if documented and isinstance(exc, documented):
            rec.update(outcome="error", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS])
            return _finish(rec, t0)
        rec.update(outcome="crash", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS],
                   line=_library_frame(exc.__traceback__, package_dir, skip))
    finally:
        _reset_state(cwd)
    return _finish(rec, t0)


def _finish(rec: dict, t0: float) -> dict:
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


# ==========================================================================================
# The command line

#: Hostile words for command-line arguments (values built in the worker).
CLI_VALUES = ["nan", "inf", "-inf", "-1", "0", "1e9", "1e400", "-1e400", "abc", "", "a,b,c,d",
              "1,2", ",,,", "1,2,3,4,5", "1e9,1e9,1e9,1e9", "nan,nan", "-5,-5,1e9,1",
              "@missing", "@dir", "@empty", "@junk_png", "@text", "@out_bad_ext",
              "@file_as_dir", "@long", "@missing_parent", "@nul_like", "--json", "-x"]


def cli_commands(package: str = "metrology") -> dict[tuple, list[dict]]:
    """Every leaf subcommand of ``<package>.cli.build_parser()`` with its arguments
    (``{"flags": [...], "dest": ..., "nargs": ..., "takes_value": bool, "required": bool}``)."""
    import argparse

    parser = importlib.import_module(f"{package}.cli").build_parser()
    out: dict[tuple, list[dict]] = {}

    def walk(p: argparse.ArgumentParser, prefix: tuple) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if subs:
            out[prefix] = []                   # the bare group (must say: choose an action)
            for name, child in subs[0].choices.items():
                walk(child, prefix + (name,))
            return
        args = []
        for a in p._actions:
            if isinstance(a, (argparse._HelpAction, argparse._VersionAction)):
                continue
            args.append({"flags": list(a.option_strings), "dest": a.dest,
                         "nargs": a.nargs, "takes_value": a.nargs != 0,
                         "required": bool(a.required) or not a.option_strings})
        out[prefix] = args

    walk(parser, ())
    out.pop((), None)
    return out


def cli_value(word: str, ctx: Context) -> str:
    """The hostile argument ``word`` (``@...`` names a file or folder made in the scratch)."""
    if not word.startswith("@"):
        return word
    key = word[1:]
    if key == "missing":
        return str(ctx.tmp("missing.png"))
    if key == "dir":
        d = ctx.tmp("folder")
        d.mkdir()
        return str(d)
    if key == "empty":
        return str(_write(ctx.tmp("empty.json"), b""))
    if key == "junk_png":
        return str(_write(ctx.tmp("junk.png"), bytes(range(256)) * 8))
    if key == "text":
        return str(_write(ctx.tmp("notes.txt"), b"not a station\n"))
    if key == "out_bad_ext":
        return str(ctx.tmp("x.notanimage"))
    if key == "file_as_dir":
        return str(_write(ctx.tmp("a_file"), b"x"))
    if key == "long":
        return str(ctx.tmp("z" * 300))
    if key == "missing_parent":
        return str(ctx.tmp("nope") / "deeper" / "out.json")
    if key == "nul_like":
        return str(ctx.tmp("a\tb\nc.png"))
    raise KeyError(word)


def plan_cli(command: tuple, args: list[dict], base: list[str] | None, mode: str, seed: int,
             sample: int) -> list[tuple]:
    """Cases ``(kind, index_or_flag, word)`` for one subcommand: replace the value at an index
    of the valid argv, add an option with a hostile value, drop a positional, run bare."""
    cases: list[tuple] = [("bare", None, None)]
    if base is not None:
        for i in range(len(base)):
            if i < len(command):
                continue
            cases += [("replace", i, w) for w in CLI_VALUES]
        for a in args:
            if a["flags"] and a["takes_value"]:
                cases += [("add", a["flags"][-1], w) for w in CLI_VALUES]
            elif a["flags"]:
                cases.append(("add", a["flags"][-1], None))
        cases += [("drop", i, None) for i in range(len(command), len(base))]
    if mode == "full" or len(cases) <= sample:
        return cases
    rng = random.Random(zlib.crc32(f"{command}:{seed}".encode()))
    return rng.sample(cases, sample)


def run_cli(package: str, command: tuple, case: tuple, ctx: Context, package_dir: str) -> dict:
    """Run one command-line case in this process; return its outcome record.

    Outcomes: ``returned`` (exit 0 or 1, or 2 with exactly one line on stderr), ``crash``
    (an exception escaped ``main``: the user would see a traceback), ``badexit`` (exit 2 without
    exactly one line on stderr, a failure printed on stdout, or an unknown exit code)."""
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"entry": "cli: metrology " + " ".join(command), "area": "cli",
                           "param": None if case[1] is None else str(case[1]),
                           "value": f"{case[0]}:{case[2]}", "kind": "cli", "outcome": "returned",
                           "exc": "", "message": "", "line": ""}
    ex = ctx.registry.cli_examples.get(command)
    try:
        base = ex[0](ctx) if ex else None
    except Exception as exc:  # noqa: BLE001
        rec.update(outcome="broken", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS])
        return rec
    kind, where, word = case
    argv = list(command) if kind == "bare" or base is None else list(base)
    if kind == "replace" and where >= len(argv) or kind == "drop" and where >= len(argv):
        rec.update(message="case does not apply to this argv")
        return rec
    if kind == "replace":
        argv[where] = cli_value(word, ctx)
    elif kind == "add":
        argv += [where] + ([] if word is None else [cli_value(word, ctx)])
    elif kind == "drop":
        del argv[where]
    rec["argv"] = argv
    main = importlib.import_module(f"{package}.cli").main
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    code: Any = None
    try:
        os.chdir(ctx.scratch)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        skip = os.path.join(package_dir, "testing", "fuzz")
        rec.update(outcome="crash", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS],
                   line=_library_frame(exc.__traceback__, package_dir, skip))
    finally:
        _reset_state(cwd)
    stderr = err.getvalue()
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    rec["code"] = code
    rec["stderr"] = stderr[-400:]
    if rec["outcome"] == "crash":
        pass
    elif not isinstance(code, int) or code not in (0, 1, 2, 130, 143):
        rec.update(outcome="badexit", message=f"exit code {code!r}")
    elif "Traceback (most recent call last)" in stderr:
        rec.update(outcome="badexit", message="a traceback on stderr")
    elif code == 2 and len(lines) != 1:
        rec.update(outcome="badexit", message=f"exit 2 with {len(lines)} line(s) on stderr: "
                                              + " | ".join(lines[:3])[:200])
    elif code == 2 and "this is a bug in" in lines[0]:
        # the command's last-resort guard caught an exception outside the error tree
        m = re.search(r"unexpected (\w+):", lines[0])
        last = getattr(sys.modules.get(f"{package}.cli"), "last_unexpected", None)
        line = _library_frame(last.__traceback__, package_dir,
                              os.path.join(package_dir, "testing", "fuzz")) if last else ""
        rec.update(outcome="crash", exc=m.group(1) if m else "Exception",
                   message=lines[0][:_MSG_CHARS], line=line)
    elif code == 2:
        rec.update(outcome="error", message=lines[0][:_MSG_CHARS])
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


# ==========================================================================================
# Worker processes

_HEADER = struct.Struct("!Q")


def _send(fh, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_HEADER.pack(len(data)) + data)
    fh.flush()


def _recv(fh) -> Any:
    head = fh.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (n,) = _HEADER.unpack(head)
    data = fh.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


def _worker_main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="metrology.testing.fuzz --worker")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--package", default="metrology")
    ap.add_argument("--examples")
    ap.add_argument("--shared", required=True)
    ap.add_argument("--memory-mb", type=int, default=0)
    a = ap.parse_args(argv)
    if a.memory_mb > 0:
        lim = a.memory_mb * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                       # prints of the code under test go to the log
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    pkg = importlib.import_module(a.package)
    package_dir = os.path.dirname(os.path.abspath(pkg.__file__))
    errors = importlib.import_module(f"{a.package}.errors")
    base_error = getattr(errors, "MetrologyError", Exception)
    registry = load_registry(a.examples)
    scratch = Path(tempfile.mkdtemp(prefix="fuzzw-", dir=a.shared))
    os.chmod(scratch, 0o755)
    ctx = Context(registry, Path(a.shared), scratch)
    entries = {e.name: e for e in discover(a.package, exclude_modules=_SELF_MODULES)}
    # modules the code under test imports lazily: loaded now, so a call run as an
    # unprivileged user (read-only folder cases) does not fail to import them
    for mod in ("cv2", "scipy.ndimage", "scipy.spatial", "scipy.optimize", "scipy.linalg",
                "scipy.special", "scipy.interpolate", "scipy.signal", "scipy.stats", "csv",
                "zipfile", "gzip", "zlib", "multiprocessing", "concurrent.futures"):
        with contextlib.suppress(Exception):
            importlib.import_module(mod)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    while True:
        try:
            job = _recv(inp)
        except EOFError:
            return 0
        op = job[0]
        try:
            if op == "plan":
                res = _plan_job(entries[job[1]], ctx, job[2], job[3], job[4], package_dir,
                                base_error)
            elif op == "case":
                case, allowed = job[1], job[2]
                res = run_case(entries[case.entry], case, ctx, allowed, package_dir, base_error)
            elif op == "cli":
                res = run_cli(a.package, job[1], job[2], ctx, package_dir)
            elif op == "cli_plan":
                cmd, args, mode, seed, sample = job[1:]
                ex = registry.cli_examples.get(cmd)
                base = ex[0](ctx) if ex else None
                res = {"cases": plan_cli(cmd, args, base, mode, seed, sample)}
            else:
                res = {"error": f"unknown job {op!r}"}
        except Exception as exc:  # noqa: BLE001 - the harness itself failed on this job
            res = {"outcome": "broken", "exc": type(exc).__name__,
                   "message": f"harness: {exc}"[:_MSG_CHARS],
                   "trace": traceback.format_exc()[-2000:]}
        _send(out, res)


_SELF_MODULES = ("metrology.testing.fuzz",)


def _plan_job(entry: EntryPoint, ctx: Context, mode: str, seed: int, sample: int,
              package_dir: str, base_error: type) -> dict:
    reg = ctx.registry
    if entry.name in reg.skipped:
        return {"entry": entry.name, "skipped": reg.skipped[entry.name], "cases": []}
    try:
        prep = prepare_call(entry, ctx)
    except Exception as exc:  # noqa: BLE001
        return {"entry": entry.name, "broken": f"{type(exc).__name__}: {exc}"[:_MSG_CHARS],
                "cases": []}
    ex = prep.example
    if ex is not None and ex.expensive and mode == "sample" and ex.sample == 0:
        return {"entry": entry.name, "skipped": "expensive: fuzzed in the full run only",
                "cases": []}
    if ex is not None and ex.expensive and mode == "sample":
        base = {"outcome": "returned", "exc": "", "message": "", "line": "", "nan_paths": []}
    else:
        base = run_case(entry, Case(entry.name, None, "example"), ctx, (), package_dir,
                        base_error)
    if base["outcome"] == "crash" and base["exc"] == "TypeError" and (
            "required" in base["message"] and "argument" in base["message"]):
        return {"entry": entry.name, "broken": "no valid example (" + base["message"] + ")",
                "cases": []}
    n = ex.sample if ex is not None and ex.sample is not None else sample
    if mode == "full" and ex is not None and ex.expensive:
        n = max(n, 12)                       # a full run samples expensive entries more
    cases = plan_cases(entry, prep, None, mode, seed, n)
    return {"entry": entry.name, "cases": cases, "baseline": base,
            "allowed_nan": base.get("nan_paths", []),
            "timeout": ex.timeout if ex is not None else None}


@dataclasses.dataclass
class _Worker:
    proc: subprocess.Popen
    log: Path
    job: Any = None
    deadline: float = 0.0
    started: float = 0.0
    jobs_done: int = 0


class WorkerPool:
    """Subprocess workers that run fuzz jobs with a time limit each; a worker that hangs is
    killed (with its process group) and one that dies is restarted, and the job is reported
    as ``hang`` or ``died``.

    Parameters
    ----------
    n : int
        Number of workers (processes).
    examples : path, optional
        Examples module defining ``registry``.
    package : str
        Package under test.
    memory_mb : int
        Address-space limit per worker (0: none); an allocation beyond it raises MemoryError
        in the worker (reported as a crash) instead of exhausting the machine.
    recycle : int
        Restart a worker after this many jobs (bounds leaks of state between calls).
    """

    def __init__(self, n: int = 2, *, examples: str | os.PathLike | None = None,
                 package: str = "metrology", memory_mb: int = 6144, recycle: int = 400,
                 workdir: str | os.PathLike | None = None):
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 64:
            raise ValueError(f"n: expected 1..64 workers, given {n!r}")
        self.n = n
        self.examples = None if examples is None else str(Path(examples).resolve())
        self.package = package
        self.memory_mb = int(memory_mb)
        self.recycle = int(recycle)
        self._own_dir = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="fuzz-")) if workdir is None else Path(workdir)
        os.chmod(self.dir, 0o755)
        self.shared = self.dir / "shared"
        self.shared.mkdir(exist_ok=True)
        os.chmod(self.shared, 0o755)
        self.workers: list[_Worker | None] = [None] * n
        self._spawned = 0
        self.sel = selectors.DefaultSelector()

    # -- process management ----------------------------------------------------------------
    def _spawn(self, i: int) -> _Worker:
        self._spawned += 1
        log = self.dir / f"worker{i}-{self._spawned}.log"
        env = dict(os.environ)
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(k, "1")
        env["PYTHONFAULTHANDLER"] = "1"
        root = str(Path(importlib.import_module(self.package).__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "metrology.testing.fuzz", "--worker",
               "--package", self.package, "--shared", str(self.shared),
               "--memory-mb", str(self.memory_mb)]
        if self.examples:
            cmd += ["--examples", self.examples]
        fh = open(log, "wb")
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fh,
                                env=env, start_new_session=True, cwd=str(self.dir))
        fh.close()
        w = _Worker(proc, log)
        self.workers[i] = w
        return w

    def _kill(self, i: int) -> None:
        w = self.workers[i]
        if w is None:
            return
        try:
            self.sel.unregister(w.proc.stdout)
        except (KeyError, ValueError):
            pass
        if w.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(w.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            w.proc.wait(timeout=10)
        for fh in (w.proc.stdin, w.proc.stdout):
            with contextlib.suppress(Exception):
                fh.close()
        self.workers[i] = None

    def close(self) -> None:
        """Stop every worker and remove the pool's folder."""
        for i, w in enumerate(self.workers):
            if w is None:
                continue
            with contextlib.suppress(Exception):
                w.proc.stdin.close()
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._kill(i)
        self.sel.close()
        if self._own_dir:
            _rmtree(self.dir)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _tail(self, w: _Worker, n: int = 6) -> str:
        try:
            lines = w.log.read_text("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(lines[-n:])[-600:]

    # -- running ---------------------------------------------------------------------------
    def run(self, jobs: Iterable[tuple[Any, Any, float]]) -> Iterator[tuple[Any, dict]]:
        """Run ``(key, job, timeout_s)`` triples; yield ``(key, result)`` as they finish.

        A job that exceeds its time limit yields ``{"outcome": "hang", ...}``; one whose worker
        dies yields ``{"outcome": "died", ...}`` (with the end of the worker's log)."""
        pending = list(jobs)[::-1]
        running = 0
        while pending or running:
            for i in range(self.n):
                if not pending:
                    break
                w = self.workers[i]
                if w is not None and w.job is not None:
                    continue
                if w is not None and w.jobs_done >= self.recycle:
                    with contextlib.suppress(Exception):
                        w.proc.stdin.close()
                    self._kill(i)
                    w = None
                if w is None:
                    w = self._spawn(i)
                key, job, timeout = pending.pop()
                w.job, w.started = (key, job), time.monotonic()
                w.deadline = w.started + float(timeout)
                try:
                    _send(w.proc.stdin, job)
                except (BrokenPipeError, OSError):
                    pass                                 # seen as EOF below
                self.sel.register(w.proc.stdout, selectors.EVENT_READ, i)
                running += 1
            now = time.monotonic()
            busy = [w for w in self.workers if w is not None and w.job is not None]
            wait = max(0.0, min(w.deadline for w in busy) - now) if busy else 0.0
            events = self.sel.select(timeout=min(wait, 1.0))
            for sk, _ in events:
                i = sk.data
                w = self.workers[i]
                key, job = w.job
                try:
                    res = _recv(w.proc.stdout)
                except (EOFError, OSError, pickle.UnpicklingError):
                    code = w.proc.wait(timeout=10) if w.proc.poll() is None else w.proc.poll()
                    res = {"outcome": "died", "exc": f"exit {code}",
                           "message": self._tail(w),
                           "seconds": round(time.monotonic() - w.started, 3)}
                    self._kill(i)
                    running -= 1
                    yield key, res
                    continue
                self.sel.unregister(w.proc.stdout)
                w.job = None
                w.jobs_done += 1
                running -= 1
                yield key, res
            now = time.monotonic()
            for i, w in enumerate(self.workers):
                if w is not None and w.job is not None and now > w.deadline:
                    key, job = w.job
                    res = {"outcome": "hang", "exc": "timeout",
                           "message": f"no answer after {now - w.started:.1f} s",
                           "seconds": round(now - w.started, 3)}
                    self._kill(i)
                    running -= 1
                    yield key, res

    def call(self, job: Any, timeout: float) -> dict:
        """Run one job and return its result (see :meth:`run`)."""
        for _, res in self.run([(0, job, timeout)]):
            return res
        raise RuntimeError("no result")


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o755)
            os.chmod(p, 0o755)
            func(p)
    shutil.rmtree(path, onerror=onerror)


# ==========================================================================================
# Kill tests for saves


@dataclasses.dataclass
class KillReport:
    """What :func:`kill_during_saves` saw: ``torn`` lists kills after which the file did not
    load as one of the saved versions (or was missing), ``left_after_kill`` temp files present
    right after kills, ``left_after_next_save`` those still there after one more save."""

    kills: int
    torn: list
    left_after_kill: list
    left_after_next_save: list
    seconds: float = 0.0


_KILL_SERVER = """
import os, sys
{setup}
path = sys.argv[1]
save(A, path)
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "fork":
        pid = os.fork()
        if pid == 0:
            try:
                while True:
                    save(B, path)
                    save(A, path)
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif cmd[0] == "reap":
        os.waitpid(int(cmd[1]), 0)
        print("reaped", flush=True)
    elif cmd[0] == "save":
        save(A, path)
        print("saved", flush=True)
    else:
        break
"""


def kill_during_saves(setup: str, path: str | os.PathLike, *, load: Callable[[Path], Any],
                      versions: Sequence[Any], kills: int = 20, seed: int = 0,
                      max_delay_s: float = 0.05, timeout_s: float = 120.0,
                      env: dict | None = None) -> KillReport:
    """SIGKILL a process at random instants while it saves two versions in turn to ``path``.

    ``setup`` is Python code defining ``A``, ``B`` and ``save(obj, path)``.  A server process
    runs it once and saves ``A``; for each kill it forks a child that saves ``B``, ``A``, ``B``
    ... without end, which is killed after a random delay (0 to ``max_delay_s``).  After each
    kill ``load(path)`` must equal one of ``versions``, and the folder may only hold what was
    there after the first save.  Finally the server saves once more, which must remove the temp
    files left by the killed children.

    Returns
    -------
    KillReport
    """
    t0 = time.perf_counter()
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    env = {**os.environ, **(env or {})}
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(k, "1")
    code = _KILL_SERVER.format(setup=setup)
    srv = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           start_new_session=True)

    def ask(cmd: str) -> str:
        if cmd:
            srv.stdin.write(cmd + "\n")
            srv.stdin.flush()
        sel = selectors.DefaultSelector()
        sel.register(srv.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout=timeout_s):
                raise TimeoutError(f"save server silent for {timeout_s} s after {cmd!r}")
        finally:
            sel.close()
        line = srv.stdout.readline()
        if not line:
            raise RuntimeError("save server died: " + srv.stderr.read()[-2000:])
        return line.strip()

    torn: list = []
    left_kill: list = []
    try:
        if ask("") != "ready":
            raise RuntimeError("save server did not start")
        baseline = {p.name for p in folder.iterdir()}
        for i in range(kills):
            pid = int(ask("fork"))
            time.sleep(rng.uniform(0.0, max_delay_s))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            ask(f"reap {pid}")
            extra = sorted({p.name for p in folder.iterdir()} - baseline)
            left_kill += [f"kill {i}: {n}" for n in extra]
            if not path.exists():
                torn.append(f"kill {i}: {path.name} missing")
                continue
            try:
                value = load(path)
            except Exception as exc:  # noqa: BLE001 - a torn file shows up here
                torn.append(f"kill {i}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            if not any(_same(value, v) for v in versions):
                torn.append(f"kill {i}: the file holds neither saved version")
        if ask("save") != "saved":
            raise RuntimeError("final save failed")
        left_next = sorted({p.name for p in folder.iterdir()} - baseline)
    finally:
        with contextlib.suppress(Exception):
            srv.stdin.write("quit\n")
            srv.stdin.flush()
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(srv.pid, signal.SIGKILL)
            srv.wait(timeout=10)
    return KillReport(kills, torn, left_kill, left_next, round(time.perf_counter() - t0, 2))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


# ==========================================================================================
# Whole runs and reports


@dataclasses.dataclass
class FuzzReport:
    """Outcome records of a run (one dict per call) plus planning problems."""

    records: list[dict]
    broken: dict[str, str]
    skipped: dict[str, str]
    entries: list[str]
    seconds: float = 0.0

    def failures(self) -> list[dict]:
        """Records whose outcome is a failure (crash, nan, hang, died)."""
        return [r for r in self.records if r["outcome"] in FAILURES]

    def figures(self) -> dict[str, int]:
        """Entry points fuzzed, calls, and failures by class."""
        fails = self.failures()
        c = Counter(r["outcome"] for r in self.records)
        return {"entry_points": len(self.entries), "calls": len(self.records),
                "crashes": c["crash"], "crash_entry_points": len({r["entry"] for r in fails
                                                                 if r["outcome"] == "crash"}),
                "crash_lines": len({r["line"] for r in fails if r["outcome"] == "crash"}),
                "hangs": c["hang"], "died": c["died"], "silent_nan": c["nan"],
                "errors": c["error"], "returned": c["returned"], "broken": len(self.broken)}

    def to_markdown(self) -> str:
        """Triage list: per area, each failing entry point, input class, exception, line."""
        f = self.figures()
        lines = [f"Entry points fuzzed: {f['entry_points']}; calls: {f['calls']}; crashes "
                 f"outside the error tree: {f['crashes']} in {f['crash_entry_points']} entry "
                 f"points ({f['crash_lines']} distinct lines); hangs: {f['hangs']}; "
                 f"died: {f['died']}; silent NaN: {f['silent_nan']}; no valid example: "
                 f"{f['broken']}.", ""]
        by_area: dict[str, list[dict]] = defaultdict(list)
        for r in self.failures():
            by_area[r["area"]].append(r)
        for area in sorted(by_area):
            lines.append(f"### {area}")
            lines.append("")
            groups: dict[tuple, list[dict]] = defaultdict(list)
            for r in by_area[area]:
                groups[(r["entry"], r["outcome"], r["exc"], r["line"])].append(r)
            for (entry, outcome, exc, line), rs in sorted(groups.items()):
                inputs = ", ".join(sorted({f"{r['param']}={r['value']}" for r in rs})[:8])
                more = "" if len(rs) <= 8 else f" (+{len(rs) - 8} more)"
                msg = rs[0]["message"].replace("\n", " ")[:160]
                where = f" at `{line}`" if line else ""
                lines.append(f"- `{entry}` [{outcome}] {exc}{where}: {msg} — inputs: "
                             f"{inputs}{more}")
            lines.append("")
        if self.broken:
            lines.append("### no valid example / harness could not build the call")
            lines.append("")
            for k, v in sorted(self.broken.items()):
                lines.append(f"- `{k}`: {v}")
            lines.append("")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"figures": self.figures(), "records": self.records,
                           "broken": self.broken, "skipped": self.skipped,
                           "entries": self.entries, "seconds": self.seconds}, indent=1,
                          default=str)


def run_fuzz(entries: Sequence[EntryPoint] | None = None, *, package: str = "metrology",
             examples: str | os.PathLike | None = None, mode: str = "sample",
             sample: int = 6, seed: int = 0, workers: int = 2, timeout: float = 15.0,
             plan_timeout: float = 180.0, memory_mb: int = 6144,
             progress: Callable[[str], None] | None = None,
             pool: WorkerPool | None = None,
             on_record: Callable[[dict], None] | None = None) -> FuzzReport:
    """Fuzz ``entries`` (default: all of ``package``) and return the report.

    Parameters
    ----------
    mode : {"sample", "full"}
        ``sample``: ``sample`` cases per entry point (deterministic for a ``seed``);
        ``full``: every case of every battery.
    timeout : float
        Per-call time limit in seconds (an entry's example may raise it).
    on_record : callable, optional
        Called with each outcome record as it arrives (e.g. to stream a long run to a file).
    """
    if mode not in ("sample", "full"):
        raise ValueError(f"mode: expected 'sample' or 'full', given {mode!r}")
    t0 = time.perf_counter()
    if entries is None:
        entries = discover(package, exclude_modules=_SELF_MODULES)
    own = pool is None
    pool = pool or WorkerPool(workers, examples=examples, package=package, memory_mb=memory_mb)
    records: list[dict] = []
    broken: dict[str, str] = {}
    skipped: dict[str, str] = {}
    try:
        plans = {}
        jobs = [(e.name, ("plan", e.name, mode, seed, sample), plan_timeout) for e in entries]
        for name, res in pool.run(jobs):
            if res.get("outcome") in ("hang", "died", "broken") and "cases" not in res:
                res = {"entry": name, "cases": [], "baseline": {**res, "entry": name}}
            plans[name] = res
            if res.get("skipped"):
                skipped[name] = res["skipped"]
            if res.get("broken"):
                broken[name] = res["broken"]
        by_name = {e.name: e for e in entries}
        jobs = []
        for name, plan in plans.items():
            base = plan.get("baseline")
            if base is not None:
                base = {**base, "entry": name, "area": by_name[name].area,
                        "param": None, "value": "example"}
                base.setdefault("kind", "")
                for k in ("exc", "message", "line"):
                    base.setdefault(k, "")
                if base.get("outcome") == "broken":
                    broken[name] = f"{base.get('exc')}: {base.get('message')}"
                else:
                    if base.get("outcome") == "nan":
                        base["outcome"] = "returned"
                    records.append(base)
            t = plan.get("timeout") or timeout
            for case in plan.get("cases", []):
                jobs.append(((name, case), ("case", case, plan.get("allowed_nan", [])), t))
        done = 0
        for (name, case), res in pool.run(jobs):
            res = {"entry": name, "area": by_name[name].area, "param": case.param,
                   "value": case.value, "kind": case.kind, "exc": "", "message": "",
                   "line": "", **res}
            if res["outcome"] == "broken":
                broken.setdefault(f"{name} [{case.label}]", f"{res['exc']}: {res['message']}")
            else:
                records.append(res)
                if on_record is not None:
                    on_record(res)
            done += 1
            if progress and done % 200 == 0:
                progress(f"{done}/{len(jobs)} calls")
    finally:
        if own:
            pool.close()
    return FuzzReport(records, broken, skipped, [e.name for e in entries],
                      round(time.perf_counter() - t0, 1))


def run_cli_fuzz(*, package: str = "metrology", examples: str | os.PathLike | None = None,
                 mode: str = "sample", sample: int = 12, seed: int = 0, workers: int = 2,
                 timeout: float = 30.0, pool: WorkerPool | None = None,
                 commands: Sequence[tuple] | None = None) -> FuzzReport:
    """Fuzz the command line: every subcommand of ``<package>.cli`` run bare, and its valid
    invocation (from the examples' ``registry.cli``) with one argument replaced, added or
    dropped.  A traceback, an exit code other than 0/1/2/130/143, or an exit 2 without exactly
    one line on stderr is a failure."""
    if mode not in ("sample", "full"):
        raise ValueError(f"mode: expected 'sample' or 'full', given {mode!r}")
    t0 = time.perf_counter()
    cmds = cli_commands(package)
    reg = load_registry(examples)
    if commands is not None:
        cmds = {c: a for c, a in cmds.items() if c in set(map(tuple, commands))}
    own = pool is None
    pool = pool or WorkerPool(workers, examples=examples, package=package)
    records: list[dict] = []
    broken: dict[str, str] = {}
    try:
        plans = [(cmd, ("cli_plan", cmd, args, mode, seed, sample), 300.0)
                 for cmd, args in sorted(cmds.items())]
        jobs = []
        for cmd, res in pool.run(plans):
            if "cases" not in res:
                broken["cli: metrology " + " ".join(cmd)] = f"{res.get('exc')}: " \
                                                           f"{res.get('message')}"
                continue
            t = (reg.cli_examples[cmd][1] if cmd in reg.cli_examples else None) or timeout
            jobs += [((cmd, case), ("cli", cmd, case), t) for case in res["cases"]]
        for (cmd, case), res in pool.run(jobs):
            res = {"entry": "cli: metrology " + " ".join(cmd), "area": "cli",
                   "param": None if case[1] is None else str(case[1]),
                   "value": f"{case[0]}:{case[2]}", "kind": "cli", "exc": "", "message": "",
                   "line": "", **res}
            if res["outcome"] == "broken":
                broken.setdefault(res["entry"], f"{res['exc']}: {res['message']}")
            else:
                records.append(res)
    finally:
        if own:
            pool.close()
    return FuzzReport(records, broken, {}, ["cli: metrology " + " ".join(c) for c in cmds],
                      round(time.perf_counter() - t0, 1))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m metrology.testing.fuzz``: fuzz a package and write the triage list."""
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--worker" in argv:
        return _worker_main(argv)
    ap = argparse.ArgumentParser(prog="python -m metrology.testing.fuzz",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", default="metrology")
    ap.add_argument("--examples", help="module defining `registry = Registry()`")
    ap.add_argument("--full", action="store_true", help="every case (default: a sample)")
    ap.add_argument("--sample", type=int, default=6, help="cases per entry point (sample mode)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=15.0, help="seconds per call")
    ap.add_argument("--entry", action="append", default=[],
                    help="only entry points whose name contains this (repeatable)")
    ap.add_argument("--json", help="write every record here")
    ap.add_argument("--markdown", help="write the triage list here")
    ap.add_argument("--stream", help="append each record here as a JSON line while running")
    a = ap.parse_args(argv)
    stream = open(a.stream, "a") if a.stream else None

    def on_record(rec: dict) -> None:
        if stream is not None:
            stream.write(json.dumps(rec, default=str) + "\n")
            stream.flush()

    entries = discover(a.package, exclude_modules=_SELF_MODULES)
    if a.entry:
        entries = [e for e in entries if any(s in e.name for s in a.entry)]
    rep = run_fuzz(entries, package=a.package, examples=a.examples,
                   mode="full" if a.full else "sample", sample=a.sample, seed=a.seed,
                   workers=a.workers, timeout=a.timeout,
                   progress=lambda m: print(m, file=sys.stderr, flush=True),
                   on_record=on_record)
    if stream is not None:
        stream.close()
    if a.json:
        Path(a.json).write_text(rep.to_json())
    md = rep.to_markdown()
    if a.markdown:
        Path(a.markdown).write_text(md + "\n")
    else:
        print(md)
    print(json.dumps(rep.figures()), file=sys.stderr)
    return 1 if rep.failures() else 0


if __name__ == "__main__":
    # run the imported module's main, so the classes an examples module imports from
    # metrology.testing.fuzz are the ones the harness checks against
    from metrology.testing import fuzz as _fuzz

    sys.exit(_fuzz.main())
