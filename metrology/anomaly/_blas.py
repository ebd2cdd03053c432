"""Run a block of BLAS calls on one thread.

OpenBLAS spin-waits its worker threads; on a busy machine (more runnable threads than cores) a
multi-threaded matrix product of the size PatchCore uses (4096 x 40 by 40 x 4096) measured 3-10x
*slower* than the same product on one thread.  :func:`single_blas_thread` limits BLAS to one
thread for the nearest-neighbour search and restores the previous setting afterwards.  It uses
OpenBLAS's own ``*set_num_threads*`` entry point of the library NumPy loaded (Linux: about a
microsecond), else ``threadpoolctl`` when installed, else does nothing.  Both lookups are made
once per process: a failed ``import threadpoolctl`` on every call cost 0.7 ms, which a score
paid twice (measured 2026-12-07).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from typing import Iterator

__all__ = ["single_blas_thread"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_api: tuple | None | bool = None  # (set, get) functions, False when unavailable


def _openblas_api():
    global _api
    if _api is None:
        _api = False
        try:
            if sys.platform.startswith("linux"):
                import numpy  # noqa: F401  (makes sure its BLAS is loaded)

                with open("/proc/self/maps") as fh:
                    libs = sorted({ln.split()[-1] for ln in fh if "openblas" in ln.lower()
                                   and ln.split()[-1].startswith("/")})
                for path in libs:
                    lib = ctypes.CDLL(path)
                    s = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
                    g = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
                    if s is not None and g is not None:
                        s.argtypes, g.restype = [ctypes.c_int], ctypes.c_int
                        _api = (s, g)
                        break
        except (OSError, AttributeError, ValueError):
            _api = False
    return _api


_tpc: object = None  # threadpoolctl's ``threadpool_limits``, False when not installed


def _threadpoolctl():
    global _tpc
    if _tpc is None:
        try:
            from threadpoolctl import threadpool_limits
            _tpc = threadpool_limits
        except ImportError:
            _tpc = False
    return _tpc


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Context manager: BLAS on one thread inside, previous thread count restored after."""
    api = _openblas_api()
    if not api:
        limits = _threadpoolctl()
        if limits:
            with limits(1, user_api="blas"):
                yield
        else:
            yield
        return
    setter, getter = api
    before = int(getter())
    if before <= 1:
        yield
        return
    setter(1)
    try:
        yield
    finally:
        setter(before)
