"""The optional compiled kernels of calibration: whether to use them.

:func:`kernels` returns :mod:`metrology.calib._kernels` when numba is installed (the ``fast``
extra: ``pip install metrology-vision[fast]``) and not switched off, else None, in which case
every caller runs its NumPy implementation (the reference the kernels are tested against).
numba is imported at the first call that needs a kernel, never by ``import metrology``.

Switch the kernels off with the environment variable ``METROLOGY_NUMBA=0`` or, in this thread,
inside :func:`disabled` (the same switches as the other packages' kernels).

>>> from metrology.calib import _accel
>>> with _accel.disabled():
...     _accel.kernels() is None
True
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

#: set to 0 / false / no / off to run the NumPy code even where numba is installed
ENV = "METROLOGY_NUMBA"
_lock = threading.Lock()
_loaded: dict = {}
_off = threading.local()


def kernels() -> ModuleType | None:
    """The kernels module, or None (numba absent or not importable, ``METROLOGY_NUMBA=0``,
    or inside :func:`disabled`)."""
    if getattr(_off, "depth", 0) or os.environ.get(ENV, "1").strip().lower() in (
            "0", "false", "no", "off"):
        return None
    if "calib" not in _loaded:
        with _lock:
            if "calib" not in _loaded:
                try:
                    from . import _kernels as module
                except ImportError:  # numba absent (or not usable with this NumPy)
                    module = None
                _loaded["calib"] = module
    return _loaded["calib"]


@contextmanager
def disabled() -> Iterator[None]:
    """Run the NumPy implementations inside the block (this thread)."""
    _off.depth = getattr(_off, "depth", 0) + 1
    try:
        yield
    finally:
        _off.depth -= 1
