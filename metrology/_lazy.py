"""Lazy attribute lookup for packages whose names live in several sibling modules."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, Callable


def lazy_getattr(package: str, modules: list[str], namespace: dict) -> Any:
    """Build a module ``__getattr__`` that finds ``name`` in the ``__all__`` of ``modules``."""

    def __getattr__(name: str) -> Any:
        for mod in modules:
            try:
                m = importlib.import_module(f"{package}.{mod}")
            except ModuleNotFoundError as exc:
                if exc.name == f"{package}.{mod}":
                    continue
                raise
            if name in getattr(m, "__all__", ()):
                value = getattr(m, name)
                namespace[name] = value
                return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def lazy_names(package: str, homes: dict[str, str], namespace: dict) -> Callable[[str], Any]:
    """Build a module ``__getattr__`` for a package that imports its public names on first use.

    ``homes`` maps each name to the submodule that defines it (``{"Plane": "plane"}``), so
    only that submodule is imported.  A submodule not yet imported is found as an attribute
    too (``package.board``), as it was when the package imported them all.
    """

    def __getattr__(name: str) -> Any:
        if name in homes:
            value = getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    return __getattr__
