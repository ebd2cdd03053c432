"""The process allocator told to keep the memory it frees (glibc only), so an image's large
temporaries reuse pages already mapped instead of faulting fresh ones in every time.

Left to itself glibc serves an array above an adaptive threshold (128 KB at first, raised to
the size of the largest mmapped block freed so far) with fresh ``mmap`` pages, and hands free
memory at the top of its heap back to the system above twice that threshold.  Scoring one
256 x 256 image with the anomaly scorer's default channels makes about 33 MB of temporaries
(spectra, 36 direction maps per comb band, the jet's response maps); they were mapped,
zero-filled on first touch and handed back on every image: **6000-8400 minor page faults and
12-18 ms of system CPU per score** on this project's machine (a process that loads a bank and
scores; one that fitted it raised the adaptive thresholds with its own frees), a quarter of
the whole score (docs/anomaly-log.md, *Scoring under 50 ms again*).  A batch worker paid the
same per image (docs/inspection.md, *The "contention" was page faults in the worker*).
Since 2026-12-07 the comb bands invert their direction blocks one at a time, and the bench's
process scoring a loaded 256 x 256 bank maps 0 pages per image without the setting too; the
setting stays for larger images and channels with larger temporaries (a pattern of 8, 8 and
4 MB temporaries per image: 1511 pages per image without it, 0 with it; tests/test_memory.py).

:func:`keep_freed_memory` fixes the thresholds (32 MB for ``mmap``, glibc's ceiling; up to
256 MB kept free at the top of the heap), so after its first images a process stays at its
peak working set and an image maps no new pages.  The library calls it the first time an
anomaly scorer fits or scores, and in every batch worker; the setting is the
process's (it is the C allocator's), so it also serves the rest of the program.  The cost is
memory that is not given back: up to the peak working set plus 256 MB of free heap.

Set the environment variable ``METROLOGY_KEEP_FREED=0`` (before the first call) to leave the
allocator as it is.  Elsewhere than glibc (macOS, Windows, musl) nothing is changed.

>>> from metrology import _memory
>>> _memory.keep_freed_memory() in (True, False)
True
"""

from __future__ import annotations

import os
import threading

__all__ = ["keep_freed_memory", "ENV", "THRESHOLDS"]

#: set to 0 / false / no / off to leave the allocator's thresholds as they are
ENV = "METROLOGY_KEEP_FREED"
#: glibc's mallopt parameters (malloc.h: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3) and the
#: values set: arrays up to 32 MB from the heap, up to 256 MB kept free at its top
THRESHOLDS = {-3: 32 << 20, -1: 256 << 20}
_lock = threading.Lock()
_done: dict = {}


def _allowed() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _set_thresholds() -> bool:
    import ctypes
    import platform

    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        return all(libc.mallopt(k, v) == 1 for k, v in THRESHOLDS.items())
    except (OSError, AttributeError):  # pragma: no cover - no mallopt in this libc
        return False


def keep_freed_memory(force: bool = False) -> bool:
    """Fix glibc's allocator thresholds once per process (module docstring); True when they
    are set, False where the allocator is not glibc's or ``METROLOGY_KEEP_FREED=0`` says
    no.  Later calls return the first call's answer at the cost of a dict lookup; ``force``
    sets them again (a worker process does, whatever its parent did)."""
    pid = os.getpid()
    done = _done.get(pid)
    if done is not None and not force:
        return done
    with _lock:
        if force or pid not in _done:
            _done[pid] = _allowed() and _set_thresholds()
        return _done[pid]
