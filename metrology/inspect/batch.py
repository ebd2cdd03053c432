"""Batch inspection: many images, parallel processes (or a Dask cluster), resumable JSONL output.

Guarantees
----------
* One JSON line per image is appended to the output and flushed (and fsynced) as soon as that
  image finishes, so a crash or Ctrl-C loses nothing that was done.
* A rerun with the same output skips images already recorded there (``resume="retry_errors"``
  re-runs those recorded with status ``error``).  A half-written last line left by a crash is
  cut off before appending.
* A failure on one image (unreadable, wrong size, part not found, a bug) is recorded on that
  image's line with the reason; the batch continues.
* Writing a line that fails (full disk) stops the batch with :class:`BatchWriteError`; the
  partial line is removed, every line written before stays.
* With ``jobs=N`` the calling process and N - 1 worker processes (started with ``spawn``: a fresh
  interpreter, never a fork of a process whose thread pools have run) take images from one
  queue; each loads the recipe's station, model and scorer once.  The caller starts at once
  while the workers start up.
* Stops: Ctrl-C (SIGINT, also when the terminal sends it to the workers) and SIGTERM reach the
  calling process only (workers start with both signals blocked); it kills its workers, waits
  for them, appends the records that were already finished and returns (Ctrl-C) or lets the
  exception through (SIGTERM under ``metrology``: exit 143).  A line being written when the
  signal comes is finished first, so the file never ends in a torn line after a stop.  A
  worker whose parent dies (SIGKILL) exits by itself.  Images in progress are not recorded: a
  rerun inspects them, so over the runs every image is recorded exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .._io import atomic_write_bytes, atomic_write_text
from .._serial import to_jsonable
from ..errors import InputError, MetrologyError
from .result import InspectionResult

__all__ = ["run_many", "BatchSummary", "BatchWriteError", "read_results", "write_csv",
           "list_images", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp")


class BatchWriteError(MetrologyError):
    """The results file could not be written (full disk, permissions); earlier lines are kept."""


def list_images(sources: Sequence[str | os.PathLike]) -> list[Path]:
    """Image files named by ``sources``: folders (their images, sorted, not recursive) and files.

    Raises
    ------
    InputError
        A source does not exist, or a folder holds no images.
    """
    out: list[Path] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS)
            if not found:
                raise InputError(f"{p}: folder holds no images ({', '.join(IMAGE_EXTENSIONS)})")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


# --------------------------------------------------------------------------------------------
# the results file
# --------------------------------------------------------------------------------------------
def _key(path: str | os.PathLike) -> str:
    return os.path.abspath(os.fspath(path))


def read_results(path: str | os.PathLike) -> dict[str, dict]:
    """Records of a JSONL results file, ``image -> last record`` (lines that are not complete
    JSON objects, such as a line cut by a crash, are ignored)."""
    path = Path(path)
    out: dict[str, dict] = {}
    if not path.is_file():
        return out
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # cut by a crash
            try:
                rec = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(rec, dict) and isinstance(rec.get("image"), str):
                out[rec["image"]] = rec
    return out


# --------------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------------
_STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n))


@contextmanager
def _signals_deferred():
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
def _signals_blocked():
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


class _JsonlWriter:
    """Append-only JSONL writer: flush + fsync per line; a failed write is rolled back."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a .jsonl file path")
        if not path.parent.is_dir():
            raise InputError(f"{path}: folder {path.parent} does not exist")
        try:
            self.fh = open(path, "ab+")
        except OSError as exc:
            raise InputError(f"cannot open {path} for writing: {exc.strerror}") from None
        self._repair()

    def _repair(self) -> None:
        """Cut a last line left incomplete by a crash, so the next line starts clean."""
        fh = self.fh
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        block = 65536
        pos = size
        while pos > 0:
            start = max(0, pos - block)
            fh.seek(start)
            chunk = fh.read(pos - start)
            i = chunk.rfind(b"\n")
            if i >= 0:
                fh.truncate(start + i + 1)
                return
            pos = start
        fh.truncate(0)

    def write(self, record: dict) -> None:
        line = (json.dumps(to_jsonable(record), allow_nan=False) + "\n").encode()
        with _signals_deferred():  # a stop never leaves half a line
            self._append(line)

    def _append(self, line: bytes) -> None:
        fh = self.fh
        pos = fh.seek(0, os.SEEK_END)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as exc:
            try:  # roll back the partial line; everything before it stays
                fh.truncate(pos)
                fh.flush()
            except OSError:
                pass
            raise BatchWriteError(f"cannot append to {self.path}: {exc.strerror or exc}; the "
                                  f"results written before are kept; free space and rerun "
                                  f"(finished images are skipped)") from None

    def close(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass


def write_csv(records: Iterable[dict], path: str | os.PathLike) -> Path:
    """Write a CSV summary (one row per image; a column per measurement value), atomically."""
    records = list(records)
    names: list[str] = []
    for r in records:
        for m in r.get("measurements") or ():
            if m.get("name") not in names:
                names.append(m["name"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["image", "status", "match_score", "x", "y", "angle_deg", "anomaly_score",
                "total_ms", *names, "error"])
    for r in records:
        pose = r.get("pose") or {}
        vals = {m["name"]: m.get("value") for m in r.get("measurements") or ()}
        an = r.get("anomaly") or {}
        w.writerow([r.get("image"), r.get("status"), _fmt(r.get("match_score")),
                    _fmt(pose.get("x")), _fmt(pose.get("y")), _fmt(pose.get("angle_deg")),
                    _fmt(an.get("score")), _fmt((r.get("timings_ms") or {}).get("total")),
                    *[_fmt(vals.get(n)) for n in names], r.get("error") or ""])
    return atomic_write_text(path, buf.getvalue())


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# --------------------------------------------------------------------------------------------
# workers
# --------------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _error_record(path: str, reason: str, t0: float) -> dict:
    return InspectionResult(path, "error", error=reason,
                            timings_ms={"total": (time.perf_counter() - t0) * 1e3}).to_dict()


def _inspect_one(recipe: Any, path: str, overlay_dir: str | None) -> dict:
    """Inspect one image and return its JSON record; never raises (errors become records)."""
    t0 = time.perf_counter()
    try:
        res = recipe.run(path, name=path)
        rec = res.to_dict()
    except MetrologyError as exc:
        return _error_record(path, str(exc), t0)
    except MemoryError:
        return _error_record(path, "out of memory", t0)
    except Exception as exc:  # a bug must not stop a batch of thousands; record it
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


def _worker_init(recipe: Any, overlay_dir: str | None) -> None:
    # the parent handles Ctrl-C and SIGTERM and stops its workers; both signals are blocked
    # here from the start (see _WorkerProcess), SIGINT also ignored where masks do not exist
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    try:  # parallelism is across processes: one OpenCV thread per worker, no oversubscription
        import cv2

        cv2.setNumThreads(1)
    except Exception:  # pragma: no cover - OpenCV is a dependency, but never fail on this
        pass
    prepare = getattr(recipe, "prepare", None)
    error = None
    if callable(prepare):
        try:
            prepare()
        except MetrologyError as exc:  # reported per image rather than killing the pool
            error = str(exc)
    _WORKER.update(recipe=recipe, overlay_dir=overlay_dir, error=error)


def _worker_run(path: str) -> dict:
    if _WORKER.get("error"):
        return _error_record(path, _WORKER["error"], time.perf_counter())
    return _inspect_one(_WORKER["recipe"], path, _WORKER["overlay_dir"])


_DASK_CACHE: dict[int, Any] = {}


def _dask_run(recipe: Any, path: str, overlay_dir: str | None) -> dict:
    """Dask task: the recipe (scattered once) is prepared once per worker process."""
    key = id(recipe)
    if key not in _DASK_CACHE:
        prepare = getattr(recipe, "prepare", None)
        if callable(prepare):
            prepare()
        _DASK_CACHE[key] = recipe
    return _inspect_one(_DASK_CACHE[key], path, overlay_dir)


# --------------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------------
class _Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, total: int, enabled: bool | None, stream=None):
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled and total > 0
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {}
        self.t0 = time.perf_counter()
        self._last = 0.0

    def update(self, status: str) -> None:
        self.done += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        now = time.perf_counter()
        if not self.enabled or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        el = now - self.t0
        rate = self.done / el if el > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 28
        fill = int(width * self.done / self.total)
        counts = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
                          f"{rate:.1f} img/s ETA {eta:.0f}s  {counts}   ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------------------------
# the batch
# --------------------------------------------------------------------------------------------
@dataclass
class BatchSummary:
    """Outcome of :func:`run_many`.

    ``results`` are in input order (images skipped because already recorded are read back from
    the output file); ``counts`` are over all of them; ``processed`` is how many ran this time.
    """

    results: list[InspectionResult]
    counts: dict[str, int]
    processed: int
    skipped: int
    elapsed_s: float
    output: Path | None = None
    csv: Path | None = None
    interrupted: bool = False
    records: list[dict] = field(default_factory=list, repr=False)

    @property
    def images_per_s(self) -> float:
        return self.processed / self.elapsed_s if self.elapsed_s > 0 else float("nan")

    @property
    def exit_code(self) -> int:
        """0 all pass, 1 some fail / not found, 2 some images could not be inspected."""
        if self.counts.get("error"):
            return 2
        if self.counts.get("fail") or self.counts.get("not_found"):
            return 1
        return 0

    def to_dict(self) -> dict:
        return {"counts": self.counts, "processed": self.processed, "skipped": self.skipped,
                "elapsed_s": round(self.elapsed_s, 3),
                "images_per_s": None if math.isnan(self.images_per_s)
                else round(self.images_per_s, 3),
                "output": None if self.output is None else str(self.output),
                "csv": None if self.csv is None else str(self.csv),
                "interrupted": self.interrupted, "exit_code": self.exit_code}


RESUME_MODES = (True, False, "retry_errors")


def _retry_errors_keyword(fn: Callable) -> Callable:
    """Accept ``retry_errors=True`` of earlier releases (now ``resume="retry_errors"``) for
    one more release, with a DeprecationWarning; not part of the signature."""
    import functools
    import warnings

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        if "retry_errors" in kw:
            warnings.warn("run_many: retry_errors= is deprecated; pass "
                          "resume='retry_errors'", DeprecationWarning, stacklevel=2)
            if kw.pop("retry_errors") and kw.get("resume", True):
                kw["resume"] = "retry_errors"
        return fn(*args, **kw)

    return wrapper


@_retry_errors_keyword
def run_many(recipe: Any, paths: Iterable[str | os.PathLike], *, jobs: int = 1,
             output: str | os.PathLike | None = None, resume: bool | str = True,
             csv_path: str | os.PathLike | None = None,
             overlay_dir: str | os.PathLike | None = None, progress: bool | None = None,
             scheduler: str | None = None,
             on_result: Callable[[dict], None] | None = None) -> BatchSummary:
    """Inspect many images with ``recipe`` (anything with ``run(path, name=...)`` returning an
    :class:`InspectionResult`, normally a :class:`~metrology.inspect.Recipe`).

    Parameters
    ----------
    recipe : Recipe
    paths : iterable of path
        Image files (see :func:`list_images` for folders).
    jobs : int
        Worker processes (1: in this process).  Workers are *spawned* (fresh interpreters)
        once, each loads the recipe's station, model and scorer once and then takes images
        as they come; a script that calls this with ``jobs > 1`` must do so under
        ``if __name__ == "__main__":``.
    output : path, optional
        JSONL results file: one line appended per image as it finishes.
    resume : {True, False, "retry_errors"}
        True: skip images already recorded in ``output``; ``"retry_errors"``: skip them too,
        but run again those recorded with status ``error``; False: run every image.
    csv_path : path, optional
        CSV summary of every image in the output (written at the end, also after Ctrl-C).
    overlay_dir : path, optional
        Folder for ``<stem>.overlay.png`` pictures.
    progress : bool or None
        Progress bar on stderr; None: only when stderr is a terminal.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to run on a cluster instead of local
        processes (needs ``metrology[dask]``; paths must be readable by the workers).
    on_result : callable, optional
        Called with each new record (dict) in the parent process.

    Returns
    -------
    BatchSummary
        ``KeyboardInterrupt`` stops the batch, cancels pending images and returns with
        ``interrupted=True``; every finished image is in the output.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs: expected an integer >= 1, given {jobs!r}")
    if not any(resume is m or (isinstance(m, str) and resume == m) for m in RESUME_MODES):
        raise InputError(f"resume: expected True, False or 'retry_errors', given {resume!r}")
    t_start = time.perf_counter()
    keys = list(dict.fromkeys(_key(p) for p in paths))  # drop duplicates, keep order
    out_path = Path(output) if output is not None else None
    done: dict[str, dict] = read_results(out_path) if (out_path is not None and resume) else {}
    todo = [k for k in keys if k not in done
            or (resume == "retry_errors" and done[k].get("status") == "error")]
    ov = None
    if overlay_dir is not None:
        Path(overlay_dir).mkdir(parents=True, exist_ok=True)
        ov = str(overlay_dir)
    new, interrupted = _run_batch(recipe, todo, jobs, out_path, ov, progress, scheduler,
                                  on_result)
    records = {**done, **new}
    ordered = [records[k] for k in keys if k in records]
    csv_out = None
    if csv_path is not None:
        try:
            csv_out = write_csv(read_results(out_path).values() if out_path is not None
                                else ordered, csv_path)
        except OSError as exc:  # full disk, permissions: the JSONL results are intact
            raise BatchWriteError(f"cannot write the CSV summary {csv_path}: "
                                  f"{exc.strerror or exc}; the results in "
                                  f"{out_path or 'memory'} are complete") from None
    counts: dict[str, int] = {}
    for r in ordered:
        counts[r.get("status", "error")] = counts.get(r.get("status", "error"), 0) + 1
    results = [InspectionResult.from_dict(r) for r in ordered]
    return BatchSummary(results, counts, len(new), len(keys) - len(todo),
                        time.perf_counter() - t_start, out_path, csv_out, interrupted, ordered)


def _run_batch(recipe, todo, jobs, out_path, ov, progress, scheduler, on_result):
    """Inspect ``todo`` (appending each record to ``out_path`` as it finishes): the new
    records by image, and whether Ctrl-C stopped the batch."""
    writer = _JsonlWriter(out_path) if out_path is not None else None
    new: dict[str, dict] = {}
    bar = _Progress(len(todo), progress)
    interrupted = False

    def record(rec: dict) -> None:
        if writer is not None:
            writer.write(rec)
        new[rec["image"]] = rec
        bar.update(rec.get("status", "error"))
        if on_result is not None:
            on_result(rec)

    try:
        if todo and callable(getattr(recipe, "prepare", None)):
            recipe.prepare()   # station/model/scorer loaded once: a bad file is one error
        if todo and scheduler is not None:
            _run_dask(recipe, todo, scheduler, ov, record)
        elif jobs == 1 or len(todo) <= 1:
            for k in todo:
                record(_inspect_one(recipe, k, ov))
        else:
            _run_pool(recipe, todo, jobs, ov, record)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return new, interrupted


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


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker that starts with SIGINT and SIGTERM blocked (its parent stops it), and
    whose start is not cut short by a signal in the parent (a half-sent start-up would make
    the child print a traceback)."""

    def start(self) -> None:
        with _signals_deferred(), _signals_blocked():
            super().start()


class _WorkerContext(multiprocessing.context.SpawnContext):
    """The ``spawn`` context, with quiet workers that the batch can find again to stop them."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[_WorkerProcess] = []

    def Process(self, *args: Any, **kw: Any) -> _WorkerProcess:  # noqa: N802 - multiprocessing API
        p = _WorkerProcess(*args, **kw)
        self.started.append(p)
        return p


def _kill_workers(procs: Sequence[Any], timeout: float = 10.0) -> None:
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


def _run_pool(recipe: Any, todo: list[str], jobs: int, ov: str | None,
              record: Callable[[dict], None]) -> None:
    """``jobs - 1`` spawned workers and this process, all taking images from one queue.

    This process has the recipe loaded already, so it inspects images from the first moment
    while the workers start (a spawned interpreter takes seconds to import the library and
    load the station, model and scorer); each worker then keeps its loaded recipe for every
    image it takes.  Each worker holds at most two images (one running, one waiting), so the
    batch ends evenly.  On a stop (Ctrl-C, SIGTERM, any exception) the workers are killed and
    reaped before the exception goes on, and records already finished are written first."""
    # "spawn", not "fork": forking a process whose OpenCV/OpenBLAS thread pools have run can
    # deadlock the children; each spawned worker imports the library and loads the recipe once
    ctx = _WorkerContext()
    n_workers = min(jobs - 1, len(todo))
    ex = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx,
                             initializer=_worker_init, initargs=(recipe, ov))
    pool = _Pool(ex, iter(todo), 2 * n_workers)
    try:
        with _one_thread_here():
            _drive(pool, recipe, ov, record)
    except BaseException as exc:
        with _signals_deferred():      # a second Ctrl-C waits until the workers are gone
            _kill_workers(ctx.started)
            ex.shutdown(wait=False, cancel_futures=True)
            if not isinstance(exc, Exception):   # a stop, not a failure: keep what is done
                for f in [f for f in pool.pending if f.done() and not f.cancelled()]:
                    if f.exception() is None:
                        record(pool.collect(f))
        raise
    ex.shutdown(wait=True)


def _drive(pool: "_Pool", recipe: Any, ov: str | None, record: Callable[[dict], None]) -> None:
    """Hand images to the workers, inspect others here, record every outcome as it comes."""
    pool.fill()
    while True:
        for f in [f for f in pool.pending if f.done()]:
            record(pool.collect(f))
        pool.fill()
        nxt = pool.take()
        if nxt is not None:        # this process works too
            record(_inspect_one(recipe, nxt, ov))
            continue
        if not pool.pending:
            break
        finished, _ = wait(pool.pending, return_when=FIRST_COMPLETED)
        for f in finished:
            record(pool.collect(f))


class _Pool:
    """The images handed to the worker processes (a bounded window) and their outcomes."""

    def __init__(self, ex: ProcessPoolExecutor, images, window: int):
        self.ex, self.images, self.window = ex, images, window
        self.pending: dict = {}
        self.done = 0

    def take(self) -> str | None:
        return next(self.images, None)

    def fill(self) -> None:
        with _signals_deferred():  # never stop half-way through starting a worker
            while len(self.pending) < self.window:
                k = self.take()
                if k is None:
                    return
                self.pending[self.ex.submit(_worker_run, k)] = k

    def collect(self, f) -> dict:
        """The record of a finished future (a worker failure becomes an error record)."""
        k = self.pending.pop(f)
        try:
            rec = f.result()
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
        return rec


def _run_dask(recipe: Any, todo: list[str], scheduler: str, ov: str | None,
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
