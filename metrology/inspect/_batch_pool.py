"""The process side of the batch runner (:mod:`metrology.inspect.batch`): worker processes,
signals, and the Dask path.

* Worker processes are forked from the prepared caller, or spawned (fresh interpreters)
  (:mod:`._batch_procs` says when which), with SIGINT and SIGTERM blocked: Ctrl-C
  from a terminal (sent to the whole process group) or a SIGTERM to the group reaches the
  parent only, which stops the workers itself (SIGKILL, then reaps them).  A worker whose
  parent dies (SIGKILL) exits by itself instead of waiting on its queue forever.
* Lines are written and workers started and stopped with the stop signals deferred
  (:func:`signals_deferred`), so a stop never cuts a line or a worker's start-up in half.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from .._memory import keep_freed_memory
from .._io import atomic_write_bytes
from .._serial import to_jsonable
from ..errors import InputError, MetrologyError, reraise_stop
from ._batch_procs import (forking, kill_workers, resolve_start, signals_deferred,
                           worker_context)
from ._batch_procs import SpawnWorkers as _WorkerContext  # noqa: F401 - the tests' and bench's
from .result import InspectionResult

# --------------------------------------------------------------------------------------------
# workers
# --------------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _error_record(path: str, reason: str, t0: float) -> dict:
    return InspectionResult(path, "error", error=reason,
                            timings_ms={"total": (time.perf_counter() - t0) * 1e3}).to_dict()


def inspect_one(recipe: Any, path: str, overlay_dir: str | None) -> dict:
    """Inspect one image and return its JSON record; never raises (errors become records)."""
    t0 = time.perf_counter()
    try:
        res = recipe.run(path, name=path)
        rec = res.to_dict()
    except MetrologyError as exc:
        reraise_stop(exc)   # a stop that came inside a wrapped call still stops the batch
        return _error_record(path, str(exc), t0)
    except MemoryError:
        return _error_record(path, "out of memory", t0)
    except Exception as exc:  # a bug must not stop a batch of thousands; record it
        reraise_stop(exc)
        return _error_record(path, f"internal error: {type(exc).__name__}: {exc}", t0)
    if overlay_dir is not None and res.status != "error":
        try:
            import cv2

            ov = res.overlay(path)
            ok, buf = cv2.imencode(".png", ov)
            if ok:
                atomic_write_bytes(Path(overlay_dir) / (Path(path).stem + ".overlay.png"),
                                   buf.tobytes())
        except (MetrologyError, OSError) as exc:
            reraise_stop(exc)
            rec["overlay_error"] = str(exc)
    return to_jsonable(rec)


def _exit_with_parent() -> None:
    """Exit this worker when its parent process dies (SIGKILL gives the parent no chance to
    stop it, and an idle worker would otherwise wait on its queue forever)."""
    import multiprocessing as mp
    from multiprocessing.connection import wait as wait_ready

    parent = mp.parent_process()
    if parent is None or getattr(parent, "sentinel", None) is None:  # pragma: no cover
        return

    def watch() -> None:
        wait_ready([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="metrology-parent-watch", daemon=True).start()


def _worker_init(recipe: Any, overlay_dir: str | None, handoff: Any = None) -> None:
    # the parent handles Ctrl-C and SIGTERM and stops its workers; both signals are blocked
    # here from the start (see _batch_procs), SIGINT also ignored where masks do not exist
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    # its own thresholds, whatever the parent set: a worker that takes the parent's rectifier
    # never frees a big array, so glibc's adaptive ones would stay low (metrology._memory)
    keep_freed_memory(force=True)
    try:  # parallelism is across processes: one OpenCV thread per worker, no oversubscription
        import cv2

        if cv2.getNumThreads() != 1:   # a forked worker has it already (and no pool to stop)
            cv2.setNumThreads(1)
    except Exception:  # pragma: no cover - OpenCV is a dependency, but never fail on this
        pass
    prepare = getattr(recipe, "prepare", None)
    error = None
    if callable(prepare):
        try:
            if handoff is not None:
                _take_loaded(recipe, handoff)
            prepare()
        except MetrologyError as exc:  # reported per image rather than killing the pool
            error = str(exc)
    _load_kernels()
    _WORKER.update(recipe=recipe, overlay_dir=overlay_dir, error=error,
                   ready_cpu=time.process_time(), ready_t=time.monotonic(), images=0,
                   last_t=time.monotonic(), idle=0.0)


def _load_kernels() -> None:
    """Load the compiled (numba) kernels now rather than on the first image: ~0.45 s of CPU
    either way, but here it fills the wait for the parent's rectifier maps and a worker is at
    full speed from its first image (the start-up it reports is then all of it).  A kernel
    that fails to load fails again on the image that needs it, and is reported there."""
    from .. import _accel

    for package in ("image", "caliper", "match", "calib"):
        try:
            _accel.kernels(package)
        except Exception:  # pragma: no cover - a broken numba cache: the image reports it
            pass


def _ships_loaded(recipe: Any) -> bool:
    """Whether the recipe keeps a loaded station (and rectifier) worth handing to workers."""
    return hasattr(recipe, "_station") and hasattr(recipe, "_rectifier")


def _take_loaded(recipe: Any, handoff: Any) -> None:
    """Load the model and scorer (while the parent loads the station and builds the
    rectifier's maps), then take the parent's station and
    :class:`~metrology.inspect.rectify.Rectifier` instead of loading and building the same
    again (the demo's: 0.12 s of CPU for the station, 0.5 s for the 1100 x 800 maps, against
    a 5 KB and a 7.6 MB unpickle); what the parent has not loaded (None) ``prepare`` loads."""
    _ = recipe.model, recipe.scorer
    _load_kernels()
    rect, station = handoff.get()
    if station is not None and recipe._station is None:
        recipe._station = station
    if rect is not None and recipe._rectifier is None:
        recipe._rectifier = rect


def _hand_loaded(recipe: Any, handoff: Any, n: int) -> None:
    """Give each of the ``n`` workers this process's rectifier and station (None for what it
    has not loaded)."""
    item = (getattr(recipe, "_rectifier", None), getattr(recipe, "_station", None))
    for _ in range(n):
        handoff.put(item)


def _worker_run(path: str) -> tuple[dict, dict]:
    """The image's record, and this worker's CPU figures so far (see :func:`worker_stats`)."""
    t0 = time.monotonic()
    if _WORKER.get("error"):
        rec = _error_record(path, _WORKER["error"], time.perf_counter())
    else:
        rec = inspect_one(_WORKER["recipe"], path, _WORKER["overlay_dir"])
    # the wall time between the previous image (or being ready) and this one: waiting for
    # work (an idle machine's figure; on a loaded one it also holds time off the CPU)
    _WORKER["idle"] = _WORKER.get("idle", 0.0) + t0 - _WORKER.get("last_t", t0)
    _WORKER["last_t"] = time.monotonic()
    _WORKER["images"] = _WORKER.get("images", 0) + 1
    return rec, {"pid": os.getpid(), "cpu_s": time.process_time(), "images": _WORKER["images"],
                 "start_cpu_s": _WORKER.get("ready_cpu"), "ready_t": _WORKER.get("ready_t"),
                 "idle_s": _WORKER["idle"]}


_DASK_CACHE: dict[int, Any] = {}


def _dask_run(recipe: Any, path: str, overlay_dir: str | None) -> dict:
    """Dask task: the recipe (scattered once) is prepared once per worker process."""
    key = id(recipe)
    if key not in _DASK_CACHE:
        prepare = getattr(recipe, "prepare", None)
        if callable(prepare):
            prepare()
        _DASK_CACHE[key] = recipe
    return inspect_one(_DASK_CACHE[key], path, overlay_dir)


@contextmanager
def _one_thread_here():
    """OpenCV on one thread in this process while it works beside its workers (which do the
    same): N busy processes on N cores, not N times OpenCV's thread pool competing."""
    try:
        import cv2

        before = cv2.getNumThreads()
        cv2.setNumThreads(1)
    except Exception:  # pragma: no cover - OpenCV is a dependency; never fail on this
        yield
        return
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def run_pool(recipe: Any, todo: list[str], jobs: int, ov: str | None,
             record: Callable[[dict], None],
             prepare: Callable[[Any], None] = lambda recipe: None) -> tuple[float, list[dict]]:
    """``jobs - 1`` worker processes and this process, all taking images from one queue.

    How the workers start (:func:`._batch_procs.resolve_start`): forked, this process
    prepares the recipe and loads the kernels, then forks the workers, which start with
    everything in place; spawned, fresh interpreters start first and import the library and
    load the model and scorer while this process prepares (seconds), then take the station
    and rectifier from it.  This process inspects images from the moment it is prepared;
    each worker keeps its loaded recipe for every image it takes and holds at most two images
    (one running, one waiting), so the batch ends evenly.  On a stop (Ctrl-C, SIGTERM, any
    exception) the workers are killed and reaped before the exception goes on, and records
    already finished are written first.

    Returns the seconds until this process had prepared the recipe, and each worker's
    figures (:func:`_worker_figures`, with the start method)."""
    method = resolve_start()
    ctx = worker_context(method)
    n_workers = min(jobs - 1, len(todo))
    # spawn: the station and a rectified recipe's maps are loaded here (in prepare) while the
    # workers import and load the rest, and handed to them through this queue (its feeder
    # thread: put never blocks); fork: the workers inherit them
    handoff = ctx.Queue() if method == "spawn" and _ships_loaded(recipe) else None
    t0 = time.monotonic()
    ex = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx,
                             initializer=_worker_init, initargs=(recipe, ov, handoff))
    pool = _Pool(ex, iter(todo), 2 * n_workers)
    try:
        with _one_thread_here():   # also: OpenCV's pool is down before a fork
            if method == "fork":
                prepare(recipe)    # a bad file: one error, before any worker exists
                _load_kernels()
                ready = time.monotonic() - t0
                with forking():
                    pool.fill()    # the first submission forks every worker
            else:
                pool.fill()        # the workers start (seconds of imports and loading) ...
                prepare(recipe)    # ... while this process loads the recipe (a bad file:
                if handoff is not None:   # one error, and the workers are stopped)
                    _hand_loaded(recipe, handoff, n_workers)
                ready = time.monotonic() - t0
            _drive(pool, recipe, ov, record)
    except BaseException as exc:
        with signals_deferred():      # a second Ctrl-C waits until the workers are gone
            pool.stop()
            kill_workers(ctx.started)
            ex.shutdown(wait=False, cancel_futures=True)
            if not isinstance(exc, Exception):   # a stop, not a failure: keep what is done
                for f in [f for f in pool.snapshot() if f.done() and not f.cancelled()]:
                    if f.exception() is None:
                        record(pool.collect(f))
        raise
    finally:
        if handoff is not None:  # never wait at exit for hand-offs no worker took
            handoff.cancel_join_thread()
            handoff.close()
    ex.shutdown(wait=True)
    return ready, [dict(_worker_figures(w, t0), start=method) for w in pool.workers.values()]


def _worker_figures(stats: dict, t0: float) -> dict:
    """A worker's figures as its last image left them: ``cpu_s`` all its CPU (start-up
    included), ``start_cpu_s`` its CPU before the first image (interpreter, imports, model,
    kernels), ``ready_s`` the seconds from the pool's start until it could take images,
    ``idle_s`` the seconds it then waited for images."""
    ready_t = stats.get("ready_t")
    return {"role": "worker", "pid": stats["pid"], "images": stats["images"],
            "cpu_s": stats["cpu_s"], "start_cpu_s": stats.get("start_cpu_s"),
            "ready_s": None if ready_t is None else ready_t - t0,
            "idle_s": stats.get("idle_s")}


def _drive(pool: "_Pool", recipe: Any, ov: str | None, record: Callable[[dict], None]) -> None:
    """Hand images to the workers, inspect others here, record every outcome as it comes."""
    pool.fill()
    while True:
        for f in [f for f in pool.snapshot() if f.done()]:
            record(pool.collect(f))
        nxt = pool.take()
        if nxt is not None:        # this process works too
            record(inspect_one(recipe, nxt, ov))
            continue
        pending = pool.snapshot()
        if not pending:
            break
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for f in finished:
            record(pool.collect(f))


class _Pool:
    """The images handed to the worker processes (a bounded window) and their outcomes.

    A worker's window (one image running, one waiting) is refilled the moment one of its
    images finishes, from the pool's result thread (a done callback), not when this process
    next looks up from its own image: a worker whose waiting image is shorter than the image
    this process is on would otherwise sit idle until that one ends.  ``pending`` holds the
    futures not yet collected (recorded) by this process; a lock keeps the image iterator and
    ``pending`` consistent between the two threads.
    """

    def __init__(self, ex: ProcessPoolExecutor, images, window: int):
        self.ex, self.images, self.window = ex, images, window
        self.pending: dict = {}
        self.done = 0
        self.workers: dict[int, dict] = {}   # pid -> the figures of its latest image
        self.lock = threading.RLock()          # a callback may run inside fill (a fast image)
        self.in_flight = 0
        self.stopped = False

    def take(self) -> str | None:
        with self.lock:
            return next(self.images, None)

    def snapshot(self) -> list:
        with self.lock:
            return list(self.pending)

    def fill(self) -> None:
        with signals_deferred():  # never stop half-way through starting a worker
            self._refill()

    def stop(self) -> None:
        """No more submissions (before the executor shuts down or the workers are killed)."""
        with self.lock:
            self.stopped = True

    def _refill(self) -> None:
        with self.lock:
            while not self.stopped and self.in_flight < self.window:
                k = next(self.images, None)
                if k is None:
                    return
                try:
                    f = self.ex.submit(_worker_run, k)
                except RuntimeError:  # shut down or broken (BrokenProcessPool): a stop is on
                    self.stopped = True
                    return
                self.pending[f] = k
                self.in_flight += 1
                f.add_done_callback(self._finished)

    def _finished(self, f) -> None:
        """Done callback (the executor's result thread): the worker takes its next image."""
        with self.lock:
            self.in_flight -= 1
        self._refill()

    def collect(self, f) -> dict:
        """The record of a finished future (a worker failure becomes an error record)."""
        with self.lock:
            k = self.pending.pop(f)
        try:
            rec, stats = f.result()
        except BrokenProcessPool as exc:
            if self.done == 0:  # the workers never ran: a start-up problem, not this image
                raise MetrologyError(
                    "batch worker processes could not start (" + str(exc) + "); in a "
                    "script, call run_many/--jobs under `if __name__ == '__main__':` "
                    "(workers are spawned and re-import the main module)") from None
            return _error_record(k, f"worker failed: {type(exc).__name__}: {exc}",
                                 time.perf_counter())
        except Exception as exc:  # a worker died (killed, segfault)
            return _error_record(k, f"worker failed: {type(exc).__name__}: {exc}",
                                 time.perf_counter())
        self.done += 1
        self.workers[stats["pid"]] = stats
        return rec


def run_dask(recipe: Any, todo: list[str], scheduler: str, ov: str | None,
              record: Callable[[dict], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'metrology[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s") if isinstance(scheduler, str) else scheduler
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    own = isinstance(scheduler, str)
    try:
        [rfut] = client.scatter([recipe], broadcast=True)
        futs = [client.submit(_dask_run, rfut, k, ov, pure=False) for k in todo]
        keymap = {f.key: k for f, k in zip(futs, todo)}
        try:
            for f in as_completed(futs):
                k = keymap[f.key]
                try:
                    rec = f.result()
                except Exception as exc:
                    rec = _error_record(k, f"dask task failed: {type(exc).__name__}: {exc}",
                                        time.perf_counter())
                record(rec)
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        if own:
            client.close()
