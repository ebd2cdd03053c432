"""The optional compiled kernels of calibration (``metrology.calib._kernels``): whether to use
them, through the package-wide switch of :mod:`metrology._accel`.

:func:`kernels` returns the kernels module when numba is installed (the ``fast`` extra) and not
switched off (``METROLOGY_NUMBA=0`` or :func:`disabled`, which switches off every package's
kernels in this thread), else None: every caller then runs its NumPy implementation, the
reference the kernels are tested against.

>>> from metrology.calib import _accel
>>> with _accel.disabled():
...     _accel.kernels() is None
True
"""

from __future__ import annotations

from types import ModuleType

from .. import _accel
from .._accel import ENV, disabled

__all__ = ["kernels", "disabled", "ENV"]


def kernels() -> ModuleType | None:
    """The calibration kernels, or None (numba absent, ``METROLOGY_NUMBA=0``, :func:`disabled`)."""
    return _accel.kernels("calib")
