"""Entry points: the public callables of a package, found from ``__all__``."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from typing import Any, Sequence

from ...errors import InputError



OUTCOMES = ("returned", "error", "crash", "nan", "badexit", "hang", "died", "broken")

FAILURES = ("crash", "nan", "badexit", "hang", "died")

#: Side of the "huge" image (a broadcast view: no memory is allocated for it).
HUGE_SIDE = 20000

#: Longest string kept from an exception message in reports.
_MSG_CHARS = 240


@dataclasses.dataclass(frozen=True)
class EntryPoint:
    """One public callable: ``kind`` is ``function``, ``class`` (the constructor),
    ``classmethod``, ``staticmethod`` or ``method`` (called on a valid instance of ``owner``)."""

    name: str
    kind: str
    module: str
    owner: str | None = None
    attr: str | None = None

    def __post_init__(self) -> None:
        for f in ("name", "module"):
            if not isinstance(getattr(self, f), str) or not getattr(self, f):
                raise InputError(f"EntryPoint.{f}: expected a non-empty string")
        if self.kind not in _KINDS:
            raise InputError(f"EntryPoint.kind: expected one of {_KINDS}, given {self.kind!r:.40}")
        if self.kind in ("method", "classmethod", "staticmethod") and not (
                isinstance(self.owner, str) and isinstance(self.attr, str)):
            raise InputError("EntryPoint: a method needs its owner class and attribute names")

    @property
    def area(self) -> str:
        """The sub-package the entry point lives in (``core``, ``calib``, ... or ``cli``)."""
        return area_of(self.module)


_KINDS = ("function", "class", "classmethod", "staticmethod", "method")


def area_of(module: str) -> str:
    """Area (sub-package) of a module name: ``metrology.calib.board`` -> ``calib``; command-line
    modules -> ``cli``; top-level private helpers -> ``core``."""
    if not isinstance(module, str):
        raise InputError(f"module: expected a module name, given {type(module).__name__}")
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
        Modules (and their sub-modules) to leave out, e.g. the fuzzing harness itself.

    Returns
    -------
    list of EntryPoint
        Sorted by name.
    """
    if not isinstance(package, str) or not package or "\x00" in package:
        raise InputError(f"package: expected a module name, given {package!r:.60}")
    if isinstance(exclude_modules, (str, bytes)) or not all(
            isinstance(m, str) for m in exclude_modules):
        raise InputError("exclude_modules: expected a sequence of module names")
    exclude = tuple(exclude_modules)
    try:
        pkg = importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001 - ImportError and whatever the import raises
        raise InputError(f"package: cannot import {package!r:.60} ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None
    names = [package]
    if hasattr(pkg, "__path__"):
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".",
                                                        onerror=lambda _name: None)]
    seen: set[int] = set()
    out: dict[str, EntryPoint] = {}
    for modname in names:
        if not _is_public_module(modname) or any(
                modname == m or modname.startswith(m + ".") for m in exclude):
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
    """The object an entry point names (function, class, or the unbound class attribute).

    Raises
    ------
    InputError
        Not an :class:`EntryPoint`, or it names nothing importable.
    """
    if not isinstance(entry, EntryPoint):
        raise InputError(f"entry: expected an EntryPoint, given {type(entry).__name__}")
    try:
        return _resolve(entry)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InputError(f"entry: cannot resolve {entry.name!r:.80} ({exc})") from None


def _resolve(entry: EntryPoint) -> Any:
    if entry.owner is None:
        obj: Any = importlib.import_module(entry.module)
        for part in entry.name[len(entry.module) + 1:].split("."):
            obj = getattr(obj, part)
        return obj
    cls = _resolve(EntryPoint(entry.owner, "class", entry.module))
    return getattr(cls, entry.attr)

_SELF_MODULES = ("metrology.testing.fuzz",)
