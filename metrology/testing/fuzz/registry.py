"""Valid examples, instances, parameter defaults and shared fixtures for a fuzz run."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

from ._checks import input_file
from ._checks import check_bool, check_positive
from ...errors import InputError, MetrologyError


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
    nan_paths: tuple = ()


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
      ``AssertionError`` for assertion helpers); ``nan_paths`` lists result paths (as in
      :func:`~metrology.testing.fuzz.non_finite_paths`, e.g. ``".std_px"``) where NaN is a
      documented per-item marker (an edge whose uncertainty is unknown): NaN elsewhere is
      still a finding.
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
        self.cli_stubs: dict[tuple, dict[str, Callable[..., Any]]] = {}

    def example(self, name: str, *, timeout: float | None = None, kinds: dict | None = None,
                nan_ok: bool = False, sample: int | None = None, expensive: bool = False,
                raises: tuple = (), nan_paths: tuple = ()):
        _name(name, "name")
        if timeout is not None:
            check_positive(timeout, "timeout", max=24 * 3600)
        if kinds is not None and not isinstance(kinds, dict):
            raise InputError("kinds: expected a mapping of parameter name -> kind")
        check_bool(nan_ok, "nan_ok")
        check_bool(expensive, "expensive")
        if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int)
                                   or sample < 0):
            raise InputError(f"sample: expected an integer >= 0 or None, given {sample!r:.40}")
        if not isinstance(raises, tuple) or not all(
                isinstance(c, type) and issubclass(c, BaseException) for c in raises):
            raise InputError("raises: expected a tuple of exception classes")
        if not isinstance(nan_paths, tuple) or not all(
                isinstance(q, str) and q for q in nan_paths):
            raise InputError("nan_paths: expected a tuple of result paths, e.g. ('.std_px',)")

        def deco(fn):
            _callable(fn)
            self.examples[canonical(name)] = _Example(fn, timeout, dict(kinds or {}), nan_ok,
                                                      sample, expensive, tuple(raises),
                                                      nan_paths)
            return fn
        return deco

    def instance(self, class_name: str):
        _name(class_name, "class_name")

        def deco(fn):
            _callable(fn)
            self.instances[canonical(class_name)] = fn
            return fn
        return deco

    def param(self, *names: str):
        for n in names:
            _name(n, "names")

        def deco(fn):
            _callable(fn)
            for n in names:
                self.params[n] = fn
            return fn
        return deco

    def fixture(self, name: str):
        _name(name, "name")

        def deco(fn):
            _callable(fn)
            self.fixtures[name] = fn
            return fn
        return deco

    def skip(self, name: str, reason: str) -> None:
        _name(name, "name")
        _name(reason, "reason")
        self.skipped[canonical(name)] = reason

    def cli(self, *command: str, timeout: float | None = None, stubs: dict | None = None):
        """Register ``(ctx) -> argv`` (without the program name): a valid invocation of the
        command-line subcommand ``command`` (e.g. ``reg.cli("model", "create")``).

        ``stubs`` maps ``"module:attribute"`` to a stand-in used while the command runs (every
        case of the command, bare included): for a command that would run until stopped (a
        server), stub the function that serves, so the fuzz checks everything up to it."""
        if not command:
            raise InputError("command: expected the subcommand's words")
        for w in command:
            _name(w, "command")
        if timeout is not None:
            check_positive(timeout, "timeout", max=24 * 3600)
        if stubs is not None and (not isinstance(stubs, dict) or not all(
                isinstance(k, str) and k.count(":") == 1 and callable(v)
                for k, v in stubs.items())):
            raise InputError("stubs: expected a mapping 'module:attribute' -> function")

        def deco(fn):
            _callable(fn)
            self.cli_examples[tuple(command)] = (fn, timeout)
            if stubs:
                self.cli_stubs[tuple(command)] = dict(stubs)
            return fn
        return deco

    def after_return(self, cls: type, fn: Callable[[Any], Any]) -> None:
        """Post-process results of type ``cls`` inside the call (e.g. draw from a strategy)."""
        if not isinstance(cls, type):
            raise InputError(f"cls: expected a class, given {type(cls).__name__}")
        _callable(fn)
        self.postprocess.append((cls, fn))


class Context:
    """Per-worker state: a scratch folder, a shared folder (files built once for all workers,
    under a lock) and cached fixtures."""

    def __init__(self, registry: Registry, shared_dir: Path, scratch: Path):
        from ._checks import output_dir

        if not isinstance(registry, Registry):
            raise InputError(f"registry: expected a Registry, given {type(registry).__name__}")
        output_dir(shared_dir, "shared_dir")
        output_dir(scratch, "scratch")
        self.registry = registry
        self.shared = Path(shared_dir)
        self.scratch = Path(scratch)
        self._cache: dict[str, Any] = {}
        self._n = 0

    def get(self, name: str) -> Any:
        """The fixture ``name`` (built on first use, then cached in this worker)."""
        if not isinstance(name, str) or name not in self.registry.fixtures:
            raise InputError(f"no fixture {name!r:.60} (registered: "
                             f"{sorted(self.registry.fixtures)[:20]})")
        if name not in self._cache:
            self._cache[name] = self.registry.fixtures[name](self)
        return self._cache[name]

    def tmp(self, name: str = "f") -> Path:
        """A fresh path in the scratch folder (not created)."""
        if not isinstance(name, str) or not name or "/" in name or "\x00" in name:
            raise InputError(f"name: expected a file name, given {name!r:.60}")
        self._n += 1
        d = self.scratch / f"c{self._n:06d}"
        d.mkdir(parents=True, exist_ok=True)
        return d / name

    @contextlib.contextmanager
    def shared_file(self, name: str) -> Iterator[tuple[Path, bool]]:
        """Build-once protocol for files shared by all workers: yields ``(path, exists)`` while
        holding a lock; the caller writes ``path`` when ``exists`` is False."""
        if not isinstance(name, str) or not name or "/" in name or "\x00" in name \
                or len(name) > 200:
            raise InputError(f"name: expected a file name, given {name!r:.60}")
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
    path = input_file(path, "examples")
    if path.suffix != ".py":
        raise InputError(f"examples: expected a Python module (.py), given {path.name}")
    name = f"_fuzz_examples_{path.stem}"
    if isinstance(getattr(sys.modules.get(name), "registry", None), Registry) and \
            getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name].registry
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"examples: cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    try:
        spec.loader.exec_module(mod)
    except MetrologyError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken examples module
        del sys.modules[spec.name]
        raise InputError(f"examples: {path} failed to load ({type(exc).__name__}: "
                         f"{str(exc)[:200]})") from None
    reg = getattr(mod, "registry", None)
    if not isinstance(reg, Registry):
        raise InputError(f"examples: {path} defines no 'registry = Registry()'")
    return reg


def canonical(name: str) -> str:
    """The entry-point name :func:`discover` gives the object at the dotted path ``name``
    (``"metrology.calib.Calibration.load"`` -> ``"metrology.calib.results.Calibration.load"``):
    examples may name an object by any path that reaches it, so they survive a move of the
    code between modules.  A path that does not resolve is returned unchanged."""
    parts = name.split(".")
    try:
        obj: Any = importlib.import_module(parts[0])
        owner = None
        for i, part in enumerate(parts[1:], 1):
            if hasattr(obj, part):
                owner, obj = obj, getattr(obj, part)
            else:
                owner, obj = None, importlib.import_module(".".join(parts[:i + 1]))
    except Exception:  # noqa: BLE001 - not (yet) there: keep the name as written
        return name
    if isinstance(owner, type) and not isinstance(obj, type):
        return f"{owner.__module__}.{owner.__qualname__}.{parts[-1]}"
    mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(mod, str) and isinstance(qual, str) and "<locals>" not in qual \
            and getattr(sys.modules.get(mod), qual.split(".")[0], None) is not None:
        return f"{mod}.{qual}"
    return name


def _name(v: Any, what: str) -> None:
    if not isinstance(v, str) or not v or "\x00" in v:
        raise InputError(f"{what}: expected a non-empty string, given {v!r:.60}")


def _callable(fn: Any) -> None:
    if not callable(fn):
        raise InputError(f"expected a function (ctx) -> value, given {type(fn).__name__}")
