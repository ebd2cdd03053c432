"""Batch inspection: many images, parallel processes (or a Dask cluster), resumable JSONL output.

Guarantees
----------
* One JSON line per image is appended to the output and flushed as soon as that image
  finishes, so a crash or Ctrl-C loses nothing that was done; its fsync runs on a helper
  thread while the next image is inspected (the next line waits for it).
* A rerun with the same output skips images already recorded there (``resume="retry_errors"``
  re-runs those recorded with status ``error``).  A half-written last line left by a crash is
  cut off before appending.
* A failure on one image (unreadable, wrong size, part not found, a bug) is recorded on that
  image's line with the reason; the batch continues.
* Writing a line that fails (full disk) stops the batch with :class:`BatchWriteError`; the
  partial line is removed, every line written before stays.
* With ``jobs=N`` the calling process and N - 1 worker processes take images from one queue.
  By default the workers are forked from the caller once it has prepared the recipe, when
  the caller is in a state where a fork is safe (only its main thread runs; OpenCV's pool is
  stopped first; OpenBLAS stops its own): they start in milliseconds with everything loaded.
  Otherwise (or after ``multiprocessing.set_start_method("spawn")``) they are fresh
  interpreters that load the recipe's model and scorer once and take the station (and a
  rectified view's maps) the caller loads meanwhile; the caller starts at once while they
  start up.
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
import functools
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .._io import atomic_write_text
from ..errors import InputError, MetrologyError
from ._batch_pool import inspect_one, run_dask, run_pool
from ._batch_writer import BatchWriteError, JsonlWriter
from .records import MAX_RECORD_LINE
from .result import InspectionResult

__all__ = ["run_many", "BatchSummary", "BatchWriteError", "read_results", "write_csv",
           "list_images", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp")


def list_images(sources: Sequence[str | os.PathLike]) -> list[Path]:
    """Image files named by ``sources``: folders (their images, sorted, not recursive) and files.

    Raises
    ------
    InputError
        A source does not exist, or a folder holds no images.
    """
    out: list[Path] = []
    for s in _path_list(sources, "sources"):
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


def _path_list(paths: Any, name: str) -> list[str | os.PathLike]:
    """``paths`` as a list of paths (str or path-like), or an InputError naming ``name``."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise InputError(f"{name}: expected a list of paths, given the single path "
                         f"{os.fsdecode(paths)!r}; wrap it in a list")
    if isinstance(paths, (dict, set, frozenset)) or not hasattr(paths, "__iter__"):
        raise InputError(f"{name}: expected a list of paths, given {type(paths).__name__}")
    try:
        items = list(paths)
    except TypeError as exc:
        raise InputError(f"{name}: expected a list of paths ({exc})") from None
    for i, p in enumerate(items):
        if _text_path(p) is None:
            raise InputError(f"{name}[{i}]: expected a path (str or path-like), given "
                             f"{_short(p)}")
    return items


def _text_path(value: Any) -> str | None:
    """``value`` as a non-empty text path without NUL, or None."""
    try:
        f = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    except TypeError:
        return None
    return f if isinstance(f, str) and f and "\0" not in f else None


def _short(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.60}"


def _optional_path(value: Any, name: str) -> Path | None:
    if value is None:
        return None
    if _text_path(value) is None:
        raise InputError(f"{name}: expected a path (str or path-like) or None, given "
                         f"{_short(value)}")
    return Path(value)


# --------------------------------------------------------------------------------------------
# the results file
# --------------------------------------------------------------------------------------------
def _key(path: str | os.PathLike) -> str:
    return os.path.abspath(os.fspath(path))


def _no_constant(name: str) -> Any:
    """``json.loads`` hook: NaN / Infinity are not JSON, and never written by the batch."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):   # 1e400
        raise ValueError(f"{text} is out of range")
    return x


def read_results(path: str | os.PathLike) -> dict[str, dict]:
    """Records of a JSONL results file, ``image -> last record`` (lines that are not complete
    JSON objects, such as a line cut by a crash, are ignored)."""
    path = _optional_path(path, "path")
    if path is None:
        raise InputError("path: expected the path of a results file, given None")
    out: dict[str, dict] = {}
    try:
        if not path.is_file():
            return out
        with open(path, "rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # cut by a crash
                if len(raw) > MAX_RECORD_LINE:
                    continue  # megabytes on one line: not a record of ours, not parsed
                try:
                    rec = json.loads(raw, parse_constant=_no_constant,
                                     parse_float=_finite_float)
                except (ValueError, RecursionError):  # not JSON (or NaN), not UTF-8, too deep
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("image"), str):
                    out[rec["image"]] = rec
    except OSError as exc:
        raise InputError(f"{path}: cannot read the results file: {exc.strerror or exc}") \
            from None
    return out


def write_csv(records: Iterable[dict], path: str | os.PathLike) -> Path:
    """Write a CSV summary (one row per image; a column per measurement value), atomically.

    Parameters
    ----------
    records : iterable of dict
        Inspection records (the JSON lines of a batch, or ``InspectionResult.to_dict()``).
    path : path
        The CSV file.

    Raises
    ------
    InputError
        ``records`` is not a sequence of record dicts, or ``path`` is not a path.
    """
    records = _record_list(records)
    if _text_path(path) is None:
        raise InputError(f"path: expected a path (str or path-like), given {_short(path)}")
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


def _record_list(records: Any) -> list[dict]:
    """``records`` as a list of record dicts (image, status, measurements list), or an
    InputError naming the first bad one."""
    if isinstance(records, (str, bytes, dict)) or not hasattr(records, "__iter__"):
        raise InputError(f"records: expected a list of inspection record dicts, given "
                         f"{type(records).__name__}")
    try:
        out = list(records)
    except TypeError as exc:
        raise InputError(f"records: expected a list of inspection record dicts ({exc})") \
            from None
    for i, r in enumerate(out):
        if not isinstance(r, dict):
            raise InputError(f"records[{i}]: expected a dict, given {type(r).__name__}")
        ms = r.get("measurements")
        if ms is not None and (not isinstance(ms, (list, tuple))
                               or not all(isinstance(m, dict) and isinstance(m.get("name"), str)
                                          for m in ms)):
            raise InputError(f"records[{i}].measurements: expected a list of dicts with a "
                             f"'name'")
        for k in ("pose", "anomaly", "timings_ms"):
            if r.get(k) is not None and not isinstance(r[k], dict):
                raise InputError(f"records[{i}].{k}: expected a dict or None, given "
                                 f"{type(r[k]).__name__}")
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


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
    the output file), :class:`InspectionResult` objects made from ``records`` (the same, as
    JSON dicts) when first asked for (200 demo records take 0.1-0.2 s, which a command-line
    run that prints the counts need not wait for); ``counts`` are over all of them;
    ``processed`` is how many ran this time.
    ``processes`` says where the CPU went, one dict per process that inspected this time:
    ``role`` ("main": the calling process, or "worker"), ``pid``, ``images``, ``cpu_s`` (the
    main process's CPU over the batch, its helper threads included; a worker's since it was
    spawned), ``start_cpu_s`` (a worker's CPU before its first image: interpreter, imports,
    model, kernels), ``ready_s`` (seconds from the start until it could take images),
    ``idle_s`` (a worker's seconds waiting for images after that) and, for a worker,
    ``start`` (``"fork"`` or ``"spawn"``, see :func:`run_many`'s ``jobs``).
    """

    counts: dict[str, int]
    processed: int
    skipped: int
    elapsed_s: float
    output: Path | None = None
    csv: Path | None = None
    interrupted: bool = False
    records: list[dict] = field(default_factory=list, repr=False)
    processes: list[dict] = field(default_factory=list, repr=False)

    @functools.cached_property
    def results(self) -> list[InspectionResult]:
        return [InspectionResult.from_dict(r) for r in self.records]

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

    import inspect

    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        unknown = sorted(k for k in kw if k not in sig.parameters and k != "retry_errors")
        if unknown:
            raise InputError(f"run_many: unknown keyword argument(s) {unknown}")
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
        Processes that inspect (1: this process alone; N: this one and N - 1 workers, started
        once, each taking images as they come).  The workers are forked from this process once it has prepared the recipe and
        loaded the compiled kernels (milliseconds), or spawned as fresh interpreters that
        import the library and load the model and scorer (about 1.2 s of CPU each on a
        2-core machine; the station and a rectified view's maps come from this process).
        They are forked when :func:`multiprocessing.set_start_method` chose ``"fork"``, or
        when no start method was set and this process calls from its main thread and runs
        no other Python thread; else spawned (a script that uses spawned workers must call
        this under ``if __name__ == "__main__":``).  Both give byte-identical records.
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
    if not any(resume is m or (isinstance(m, str) and isinstance(resume, str) and resume == m)
               for m in RESUME_MODES):
        raise InputError(f"resume: expected True, False or 'retry_errors', given {resume!r}")
    _check_run_args(recipe, progress, scheduler, on_result)
    t_start = time.perf_counter()
    keys = list(dict.fromkeys(_key(p) for p in _path_list(paths, "paths")))  # keep order
    out_path = _optional_path(output, "output")
    csv_path = _optional_path(csv_path, "csv_path")
    overlay_path = _optional_path(overlay_dir, "overlay_dir")
    done: dict[str, dict] = read_results(out_path) if (out_path is not None and resume) else {}
    todo = [k for k in keys if k not in done
            or (resume == "retry_errors" and done[k].get("status") == "error")]
    ov = None
    if overlay_path is not None:
        try:
            overlay_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"overlay_dir: cannot create {overlay_path}: "
                             f"{exc.strerror or exc}") from None
        ov = str(overlay_path)
    new, interrupted, procs = _run_batch(recipe, todo, jobs, out_path, ov, progress,
                                         scheduler, on_result)
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
    return BatchSummary(counts, len(new), len(keys) - len(todo), time.perf_counter() - t_start,
                        out_path, csv_out, interrupted, ordered, procs)


def _check_run_args(recipe: Any, progress: Any, scheduler: Any, on_result: Any) -> None:
    if not callable(getattr(recipe, "run", None)):
        raise InputError(f"recipe: expected a Recipe (anything with run(path, name=...)), "
                         f"given {_short(recipe)}")
    if progress is not None and not isinstance(progress, bool):
        raise InputError(f"progress: expected True, False or None, given {_short(progress)}")
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler.strip()
                                      or callable(getattr(scheduler, "submit", None))):
        raise InputError(f"scheduler: expected a Dask scheduler address (tcp://host:8786) or "
                         f"client, given {_short(scheduler)}")
    if on_result is not None and not callable(on_result):
        raise InputError(f"on_result: expected a callable or None, given {_short(on_result)}")
    if on_result is not None:
        import inspect

        try:
            inspect.signature(on_result).bind({})
        except TypeError:
            raise InputError("on_result: expected a function of one argument (the record)") \
                from None
        except ValueError:      # no signature (some builtins): found out when called
            pass


def _prepare(recipe: Any) -> None:
    if callable(getattr(recipe, "prepare", None)):
        recipe.prepare()


def _run_batch(recipe, todo, jobs, out_path, ov, progress, scheduler, on_result):
    """Inspect ``todo`` (appending each record to ``out_path`` as it finishes): the new
    records by image, whether Ctrl-C stopped the batch, and the processes' figures
    (:attr:`BatchSummary.processes`)."""
    writer = JsonlWriter(out_path) if out_path is not None else None
    new: dict[str, dict] = {}
    bar = _Progress(len(todo), progress)
    interrupted = False
    cpu0, t0 = time.process_time(), time.monotonic()
    ready, workers = None, []

    def record(rec: dict) -> None:
        if writer is not None:
            writer.write(rec)
        new[rec["image"]] = rec
        bar.update(rec.get("status", "error"))
        if on_result is not None:
            try:
                on_result(rec)
            except MetrologyError:
                raise
            except Exception as exc:    # the caller's callback: stop, say so, keep the cause
                raise InputError(f"on_result raised {type(exc).__name__} on {rec['image']}: "
                                 f"{exc}") from exc

    try:
        if todo and (scheduler is not None or jobs == 1 or len(todo) <= 1):
            _prepare(recipe)   # station/model/scorer loaded once: a bad file is one error
            ready = time.monotonic() - t0
        if todo and scheduler is not None:
            run_dask(recipe, todo, scheduler, ov, record)
        elif jobs == 1 or len(todo) <= 1:
            for k in todo:
                record(inspect_one(recipe, k, ov))
        elif todo:   # the workers start first, then this process prepares (in their start-up)
            ready, workers = run_pool(recipe, todo, jobs, ov, record, _prepare)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    n_main = len(new) - sum(w["images"] for w in workers)
    main = {"role": "main", "pid": os.getpid(), "images": n_main,
            "cpu_s": time.process_time() - cpu0, "start_cpu_s": None, "ready_s": ready,
            "idle_s": None}
    return new, interrupted, ([main] if scheduler is None else []) + workers
