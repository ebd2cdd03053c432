"""How the batch runner's worker processes start: ``fork`` of the prepared caller, or ``spawn``.

``spawn`` starts a fresh interpreter that imports the library, loads the recipe's model and
scorer and the compiled kernels: about 1.2 s of CPU per worker on this project's 2-core
machine (numba's first use 0.65-0.85 s, SciPy 0.3 s, the library and model 0.3 s), which a
200-image batch on two cores cannot win back (``--jobs 2`` reached 1.71x of ``--jobs 1``).

``fork`` copies the caller *after* it has prepared the recipe and loaded the kernels: the
worker starts with everything in place (copy-on-write), in milliseconds.  Forking a process
is safe only when no other thread of it holds a lock the child will need, so with no start
method set the fork is taken only on Linux and in a known state (:func:`fork_state`):

* the caller's Python threads: only the calling (main) thread runs; a caller with threads of
  its own (a web server, a notebook's kernel threads) gets spawned workers;
* OpenCV's thread pool is shut down first (``cv2.setNumThreads(1)`` joins its threads; the
  child inherits one thread and runs every OpenCV call inline, never touching the pool);
* OpenBLAS (NumPy's, SciPy's and OpenCV's copies) registers ``pthread_atfork`` handlers that
  stop its threads before the fork and start them again when next needed;
* the numba kernels run no threads (no ``parallel=True``); compiled code is plain memory;
* ``gc.freeze()`` around the fork (:func:`forking`) keeps the child's collector off the
  parent's objects, so the child does not copy the parent's whole heap page by page.

A user who wants fresh interpreters says so the standard way,
``multiprocessing.set_start_method("spawn")`` (``metrology inspect --start-method spawn``);
``"forkserver"`` gets spawned workers too.

Checked by the tests: after the caller has run OpenCV, BLAS and SciPy on their thread pools,
a forked worker computes exactly what the caller computes and the caller's pools still work;
records are byte-identical to ``--jobs 1`` with forked and with spawned workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Sequence

_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n))


def fork_state() -> str | None:
    """None when this process may fork its workers, else why not (with no start method set,
    the workers are then spawned)."""
    if not sys.platform.startswith("linux"):  # macOS: system frameworks are not fork-safe
        return f"workers are forked only on Linux, not on {sys.platform}"
    if threading.current_thread() is not threading.main_thread():
        return "the batch runs outside the main thread"
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        return f"other Python threads run in this process ({', '.join(others[:3])})"
    return None


def resolve_start() -> str:
    """The start method of a batch's workers: the one set with
    :func:`multiprocessing.set_start_method` (``"fork"``, or ``"spawn"`` for any other), and
    when none was set, ``"fork"`` where :func:`fork_state` allows, else ``"spawn"``."""
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen is not None:
        return "fork" if chosen == "fork" else "spawn"
    return "fork" if fork_state() is None else "spawn"


@contextmanager
def forking():
    """Around the fork: the objects allocated so far are left out of the cyclic collector (a
    forked child then never writes to the parent's objects' headers when it collects, so
    their pages stay shared; the parent gets them back afterwards), and Python 3.12's warning
    about forking a multi-threaded process is not shown: the threads it counts here are
    OpenBLAS's, which its own fork handler stops before the fork (see the module's notes)."""
    import warnings

    gc.freeze()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*multi-threaded.*fork",
                                    category=DeprecationWarning)
            yield
    finally:
        gc.unfreeze()


@contextmanager
def signals_deferred():
    """Hold Ctrl-C / SIGTERM during the block (a line being written, workers being stopped);
    a signal that came meanwhile is handled as usual at its end.

    Python runs signal handlers in the main thread between bytecodes, so a ``KeyboardInterrupt``
    could cut a ``write`` short; here the handlers only note the signal until the block ends.
    Outside the main thread (where no handler runs) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old: dict[int, Any] = {}
    for s in _STOP_SIGNALS:
        try:
            old[s] = signal.signal(s, lambda signum, frame: got.append(signum))
        except (ValueError, OSError, TypeError):  # pragma: no cover - embedded interpreters
            pass
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if got:
            h = old.get(got[0], signal.SIG_DFL)
            if callable(h):
                h(got[0], None)           # KeyboardInterrupt, the CLI's Terminated, ...
            elif h == signal.SIG_DFL:
                signal.raise_signal(got[0])


@contextmanager
def signals_blocked():
    """Block SIGINT/SIGTERM in this thread: a process started inside inherits the mask, so
    neither the terminal's Ctrl-C nor a SIGTERM to the process group reaches it."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _QuietWorker:
    """A worker that starts with SIGINT and SIGTERM blocked (its parent stops it), whose start
    is not cut short by a signal in the parent (a half-sent start-up would make the child
    print a traceback), and that exits fast."""

    def start(self) -> None:
        with signals_deferred(), signals_blocked():
            super().start()  # type: ignore[misc]

    def run(self) -> None:
        """The pool's worker loop, then a fast exit once it returns.

        The loop returns only after the pool's final handshake (this worker's pid written to
        the result pipe, synchronously), when nothing of the batch is left in this process.
        Its exit then cost a worker of ``run_many`` 0.35 s of CPU after 40 demo images (its
        CPU after reaping minus its CPU at its last image; 0.01-0.02 s with ``os._exit``), and
        the batch waited for it; ``os._exit`` skips the interpreter's teardown after flushing
        the standard streams.  An exception in the loop propagates as usual (exit code 1).
        """
        super().run()  # type: ignore[misc]
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):  # pragma: no cover - closed / broken pipe
                pass
        os._exit(0)


class WorkerProcess(_QuietWorker, multiprocessing.context.SpawnProcess):
    """A spawned worker (a fresh interpreter)."""


class SpawnWorkers(multiprocessing.context.SpawnContext):
    """The ``spawn`` context, with quiet workers that the batch can find again to stop them."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[Any] = []

    def Process(self, *args: Any, **kw: Any) -> WorkerProcess:  # noqa: N802 - multiprocessing API
        p = WorkerProcess(*args, **kw)
        self.started.append(p)
        return p


if "fork" in multiprocessing.get_all_start_methods():
    class ForkedWorkerProcess(_QuietWorker, multiprocessing.context.ForkProcess):
        """A worker forked from the prepared caller."""

    class ForkWorkers(multiprocessing.context.ForkContext):
        """The ``fork`` context, with quiet workers that the batch can find again."""

        def __init__(self) -> None:
            super().__init__()
            self.started: list[Any] = []

        def Process(self, *args: Any, **kw: Any) -> ForkedWorkerProcess:  # noqa: N802
            p = ForkedWorkerProcess(*args, **kw)
            self.started.append(p)
            return p


def worker_context(method: str) -> Any:
    """A fresh context for ``method`` (``"fork"`` or ``"spawn"``)."""
    return ForkWorkers() if method == "fork" else SpawnWorkers()


def kill_workers(procs: Sequence[Any], timeout: float = 10.0) -> None:
    """SIGKILL the workers and wait for them (they hold no file being written: records are
    written by the parent, overlays atomically)."""
    for p in procs:
        if p.pid is not None and p.exitcode is None:
            try:
                p.kill()
            except (OSError, ValueError):  # already gone / closed
                pass
    deadline = time.monotonic() + timeout
    for p in procs:
        if p.pid is not None:
            try:
                p.join(max(0.0, deadline - time.monotonic()))
            except (OSError, ValueError, AssertionError):  # pragma: no cover
                pass
