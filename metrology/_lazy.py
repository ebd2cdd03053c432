"""Lazy attribute lookup for packages whose names live in several sibling modules."""

from __future__ import annotations

import importlib
from typing import Any


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
