"""Fuzz cases: building the valid call, swapping in a hostile value, judging the outcome."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import math
import os
import pickle
import random
import time
import traceback
import types
import warnings
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ...errors import InputError
from .entries import EntryPoint, _MSG_CHARS, resolve
from .registry import Call, Context, _Example
from .values import annotation_kind, battery, infer_kind, make_value
from .values_layout import applicable
from .files import _deep, _file_cases, _raw_to_python, file_variant, leaf_cases, mutate_doc


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

    def __post_init__(self) -> None:
        if not isinstance(self.entry, str) or not isinstance(self.value, str) or \
                not isinstance(self.kind, str):
            raise InputError("Case: entry, value and kind are strings")
        if self.param is not None and not isinstance(self.param, str):
            raise InputError("Case.param: expected a parameter name or None")
        if self.payload is not None and not isinstance(self.payload, bytes):
            raise InputError("Case.payload: expected pickled bytes or None")

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
    missing: list = dataclasses.field(default_factory=list)


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
    missing = []
    if sig is not None:
        for k, p in sig.parameters.items():
            if k not in args and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) \
                    and p.default is inspect.Parameter.empty:
                missing.append(k)                  # no valid value known: generic battery
                args[k] = None
    kinds = {k: infer_kind(k, v, entry) for k, v in args.items()}
    if sig is not None:
        for k in args:
            if k in missing:
                kinds[k] = annotation_kind(sig.parameters[k].annotation)
            elif kinds[k] == "none" and k in sig.parameters:
                kinds[k] = "none+" + annotation_kind(sig.parameters[k].annotation)
    if ex is not None:
        kinds.update(ex.kinds)
    return _Prepared(fn, sig, args, extra, kinds, ex, missing)


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
        keys = [k for k in battery(kind) if not k.startswith("lay_") or applicable(k, value)]
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
        documented = set(prep.example.nan_paths) if prep.example else set()
        nan = sorted(non_finite_paths(result) - set(allowed_nan) - documented) \
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
