"""Optional compiled kernels (the ``fast`` extra: numba), loaded lazily.

The library's NumPy code is the reference and the fallback: where numba is installed, the
caliper hot path (profile gathering, the per-edge blurred-step fit) runs compiled kernels
that compute the same values (held equal by tests); without numba, or with the environment
variable ``METROLOGY_NUMBA=0``, the NumPy code runs.  Nothing here imports numba before a
kernel is first needed (``import metrology`` and the command line stay fast).

>>> from metrology import _accel
>>> with _accel.disabled():
...     _accel.kernels("caliper") is None
True
"""

from __future__ import annotations

import importlib
import os
import threading
from contextlib import contextmanager

__all__ = ["kernels", "disabled", "available", "ENV"]

#: set to 0 / false / off to run the NumPy code even where numba is installed
ENV = "METROLOGY_NUMBA"
_PACKAGES = ("caliper", "image", "calib", "match")
_lock = threading.Lock()
_loaded: dict = {}
_off = threading.local()


#: os.environ's own store where it is a dict of encoded names (POSIX CPython): a lookup there
#: sees every change made through os.environ (monkeypatch.setenv included) at a tenth of
#: ``os.environ.get``'s cost (which encodes the name and decodes the value on each call; the
#: finders ask several times a call)
_STORE = getattr(os.environ, "_data", None)
_KEY = ENV.encode() if isinstance(_STORE, dict) and all(
    isinstance(k, bytes) for k in list(_STORE)[:1]) else None
_ALLOWS: dict = {}


def _env_allows() -> bool:
    raw = _STORE.get(_KEY, b"1") if _KEY is not None else os.environ.get(ENV, "1")
    ok = _ALLOWS.get(raw)
    if ok is None:
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        ok = _ALLOWS[raw] = text.strip().lower() not in ("0", "false", "no", "off")
    return ok


def kernels(package: str):
    """The compiled kernels of ``package`` ("caliper", "image", "calib" or "match"), or None when numba is
    absent, switched off (``METROLOGY_NUMBA=0``, :func:`disabled`) or failed to load."""
    if getattr(_off, "depth", 0) or not _env_allows():
        return None
    mod = _loaded.get(package, False)
    if mod is not False:
        return mod
    if package not in _PACKAGES:
        raise ValueError(f"package: expected one of {_PACKAGES}, given {package!r}")
    with _lock:
        if package not in _loaded:
            try:
                _loaded[package] = importlib.import_module(f"metrology.{package}._kernels")
            except ImportError:          # numba absent (or not usable with this NumPy)
                _loaded[package] = None
    return _loaded[package]


def available() -> bool:
    """Whether the compiled kernels are in use (numba importable and not switched off)."""
    return kernels("caliper") is not None and kernels("image") is not None


@contextmanager
def disabled():
    """Run the NumPy code inside the block (this thread), even where numba is installed."""
    _off.depth = getattr(_off, "depth", 0) + 1
    try:
        yield
    finally:
        _off.depth -= 1
