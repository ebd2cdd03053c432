"""Subprocess workers with a time limit per call; hung or dead workers are replaced."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import os
import pickle
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator

from ._checks import check_int, check_positive
from ...errors import InputError

from .entries import EntryPoint, _MSG_CHARS, _SELF_MODULES, discover
from .registry import Context, load_registry
from .cases import Case, plan_cases, prepare_call, run_case
from .commands import plan_cli, run_cli


_HEADER = struct.Struct("!Q")
#: First message of a worker, once it has imported the package and the examples: a job's time
#: limit starts then, so a slow start on a loaded machine is not counted as the job's hang.
_READY = {"ready": "metrology.testing.fuzz worker"}
#: Longest a worker may take to start (imports, examples) before its job counts as hung.
STARTUP_S = 300.0


def _send(fh, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:                          # a raw (unbuffered) pipe may take part of it
        n = fh.write(view)
        view = view[len(view) if n is None else n:]
    fh.flush()


def _read_exactly(fh, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        b = fh.read(n - got)             # a raw pipe returns what has arrived
        if not b:
            raise EOFError
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def _recv(fh) -> Any:
    (n,) = _HEADER.unpack(_read_exactly(fh, _HEADER.size))
    return pickle.loads(_read_exactly(fh, n))


def _worker_main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="metrology.testing.fuzz --worker")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--package", default="metrology")
    ap.add_argument("--examples")
    ap.add_argument("--shared", required=True)
    ap.add_argument("--memory-mb", type=int, default=0)
    a = ap.parse_args(argv)
    if a.memory_mb > 0:
        lim = a.memory_mb * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                       # prints of the code under test go to the log
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    pkg = importlib.import_module(a.package)
    package_dir = os.path.dirname(os.path.abspath(pkg.__file__))
    errors = importlib.import_module(f"{a.package}.errors")
    base_error = getattr(errors, "MetrologyError", Exception)
    registry = load_registry(a.examples)
    scratch = Path(tempfile.mkdtemp(prefix="fuzzw-", dir=a.shared))
    os.chmod(scratch, 0o755)
    ctx = Context(registry, Path(a.shared), scratch)
    entries = {e.name: e for e in discover(a.package, exclude_modules=_SELF_MODULES)}
    # modules the code under test imports lazily: loaded now, so a call run as an
    # unprivileged user (read-only folder cases) does not fail to import them
    for mod in ("cv2", "scipy.ndimage", "scipy.spatial", "scipy.optimize", "scipy.linalg",
                "scipy.special", "scipy.interpolate", "scipy.signal", "scipy.stats", "csv",
                "zipfile", "gzip", "zlib", "multiprocessing", "concurrent.futures"):
        with contextlib.suppress(Exception):
            importlib.import_module(mod)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    _send(out, _READY)
    while True:
        try:
            job = _recv(inp)
        except EOFError:
            return 0
        op = job[0]
        try:
            if op == "plan":
                res = _plan_job(entries[job[1]], ctx, job[2], job[3], job[4], package_dir,
                                base_error)
            elif op == "case":
                case, allowed = job[1], job[2]
                res = run_case(entries[case.entry], case, ctx, allowed, package_dir, base_error)
            elif op == "cli":
                res = run_cli(a.package, job[1], job[2], ctx, package_dir)
            elif op == "cli_plan":
                cmd, args, mode, seed, sample = job[1:]
                ex = registry.cli_examples.get(cmd)
                base = ex[0](ctx) if ex else None
                res = {"cases": plan_cli(cmd, args, base, mode, seed, sample)}
            else:
                res = {"error": f"unknown job {op!r}"}
        except Exception as exc:  # noqa: BLE001 - the harness itself failed on this job
            res = {"outcome": "broken", "exc": type(exc).__name__,
                   "message": f"harness: {exc}"[:_MSG_CHARS],
                   "trace": traceback.format_exc()[-2000:]}
        _send(out, res)


def _plan_job(entry: EntryPoint, ctx: Context, mode: str, seed: int, sample: int,
              package_dir: str, base_error: type) -> dict:
    reg = ctx.registry
    if entry.name in reg.skipped:
        return {"entry": entry.name, "skipped": reg.skipped[entry.name], "cases": []}
    if entry.kind == "method" and entry.owner not in reg.instances:
        return {"entry": entry.name, "cases": [],
                "generic": "not fuzzed: no valid instance of its class is registered"}
    try:
        prep = prepare_call(entry, ctx)
    except Exception as exc:  # noqa: BLE001
        return {"entry": entry.name, "broken": f"{type(exc).__name__}: {exc}"[:_MSG_CHARS],
                "cases": []}
    ex = prep.example
    if prep.missing and ex is None:
        # no valid call known: every argument gets the generic and kind batteries, with the
        # other unknown arguments None (a hostile value of their own)
        n = sample
        return {"entry": entry.name, "cases": plan_cases(entry, prep, None, mode, seed, n),
                "baseline": None, "allowed_nan": [], "timeout": None,
                "generic": f"no valid example for {prep.missing}: generic battery only"}
    if ex is not None and ex.expensive and mode == "sample" and ex.sample == 0:
        return {"entry": entry.name, "skipped": "expensive: fuzzed in the full run only",
                "cases": []}
    if ex is not None and ex.expensive and mode == "sample":
        base = {"outcome": "returned", "exc": "", "message": "", "line": "", "nan_paths": []}
    else:
        base = run_case(entry, Case(entry.name, None, "example"), ctx, (), package_dir,
                        base_error)
    if base["outcome"] == "crash" and base["exc"] == "TypeError" and (
            "required" in base["message"] and "argument" in base["message"]):
        return {"entry": entry.name, "broken": "no valid example (" + base["message"] + ")",
                "cases": []}
    n = ex.sample if ex is not None and ex.sample is not None else sample
    if mode == "full" and ex is not None and ex.expensive:
        n = max(n, 12)                       # a full run samples expensive entries more
    cases = plan_cases(entry, prep, None, mode, seed, n)
    return {"entry": entry.name, "cases": cases, "baseline": base,
            "allowed_nan": base.get("nan_paths", []),
            "timeout": ex.timeout if ex is not None else None}


@dataclasses.dataclass
class _Worker:
    proc: subprocess.Popen
    log: Path
    job: Any = None
    deadline: float = 0.0
    started: float = 0.0
    jobs_done: int = 0
    ready: bool = False
    timeout: float = 0.0


class WorkerPool:
    """Subprocess workers that run fuzz jobs with a time limit each; a worker that hangs is
    killed (with its process group) and one that dies is restarted, and the job is reported
    as ``hang`` or ``died``.

    Parameters
    ----------
    n : int
        Number of workers (processes).
    examples : path, optional
        Examples module defining ``registry``.
    package : str
        Package under test.
    memory_mb : int
        Address-space limit per worker (0: none); an allocation beyond it raises MemoryError
        in the worker (reported as a crash) instead of exhausting the machine.
    recycle : int
        Restart a worker after this many jobs (bounds leaks of state between calls).
    """

    def __init__(self, n: int = 2, *, examples: str | os.PathLike | None = None,
                 package: str = "metrology", memory_mb: int = 6144, recycle: int = 400,
                 workdir: str | os.PathLike | None = None):
        from ._checks import input_file, output_dir

        self.n = check_int(n, "n", min=1, max=64)
        self.examples = None if examples is None else str(input_file(examples,
                                                                     "examples").resolve())
        if not isinstance(package, str) or not package.isidentifier():
            raise InputError(f"package: expected a top-level package name, given "
                             f"{package!r:.60}")
        self.package = package
        self.memory_mb = check_int(memory_mb, "memory_mb", min=0, max=10 ** 7)
        self.recycle = check_int(recycle, "recycle", min=1, max=10 ** 9)
        self._own_dir = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="fuzz-")) if workdir is None else \
            output_dir(workdir, "workdir")
        os.chmod(self.dir, 0o755)
        self.shared = self.dir / "shared"
        self.shared.mkdir(exist_ok=True)
        os.chmod(self.shared, 0o755)
        self.workers: list[_Worker | None] = [None] * n
        self._spawned = 0
        self.sel = selectors.DefaultSelector()

    # -- process management ----------------------------------------------------------------
    def _spawn(self, i: int) -> _Worker:
        self._spawned += 1
        log = self.dir / f"worker{i}-{self._spawned}.log"
        env = dict(os.environ)
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(k, "1")
        env["PYTHONFAULTHANDLER"] = "1"
        root = str(Path(importlib.import_module(self.package).__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "metrology.testing.fuzz", "--worker",
               "--package", self.package, "--shared", str(self.shared),
               "--memory-mb", str(self.memory_mb)]
        if self.examples:
            cmd += ["--examples", self.examples]
        fh = open(log, "wb")
        # unbuffered: no message may sit in a Python buffer the selector cannot see (the
        # "ready" message and a quick job's result can arrive together)
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=fh,
                                env=env, start_new_session=True, cwd=str(self.dir),
                                bufsize=0)
        fh.close()
        w = _Worker(proc, log)
        self.workers[i] = w
        return w

    def _kill(self, i: int) -> None:
        w = self.workers[i]
        if w is None:
            return
        try:
            self.sel.unregister(w.proc.stdout)
        except (KeyError, ValueError):
            pass
        if w.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(w.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            w.proc.wait(timeout=10)
        for fh in (w.proc.stdin, w.proc.stdout):
            with contextlib.suppress(Exception):
                fh.close()
        self.workers[i] = None

    def close(self) -> None:
        """Stop every worker and remove the pool's folder."""
        for i, w in enumerate(self.workers):
            if w is None:
                continue
            with contextlib.suppress(Exception):
                w.proc.stdin.close()
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._kill(i)
        self.sel.close()
        if self._own_dir:
            _rmtree(self.dir)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _tail(self, w: _Worker, n: int = 6) -> str:
        try:
            lines = w.log.read_text("utf-8", "replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(lines[-n:])[-600:]

    # -- running ---------------------------------------------------------------------------
    def run(self, jobs: Iterable[tuple[Any, Any, float]]) -> Iterator[tuple[Any, dict]]:
        """Run ``(key, job, timeout_s)`` triples; yield ``(key, result)`` as they finish.

        A job that exceeds its time limit yields ``{"outcome": "hang", ...}``; one whose worker
        dies yields ``{"outcome": "died", ...}`` (with the end of the worker's log)."""
        if isinstance(jobs, (str, bytes)) or not hasattr(jobs, "__iter__"):
            raise InputError("jobs: expected (key, job, timeout_s) triples")
        pending = list(jobs)[::-1]
        for item in pending:
            if not (isinstance(item, tuple) and len(item) == 3):
                raise InputError("jobs: expected (key, job, timeout_s) triples")
            check_positive(item[2], "timeout_s", max=24 * 3600)
        running = 0
        while pending or running:
            for i in range(self.n):
                if not pending:
                    break
                w = self.workers[i]
                if w is not None and w.job is not None:
                    continue
                if w is not None and w.jobs_done >= self.recycle:
                    with contextlib.suppress(Exception):
                        w.proc.stdin.close()
                    self._kill(i)
                    w = None
                if w is None:
                    w = self._spawn(i)
                key, job, timeout = pending.pop()
                w.job, w.started, w.timeout = (key, job), time.monotonic(), float(timeout)
                # a starting worker gets STARTUP_S more; its job's limit restarts on "ready"
                w.deadline = w.started + w.timeout + (0.0 if w.ready else STARTUP_S)
                try:
                    _send(w.proc.stdin, job)
                except (BrokenPipeError, OSError):
                    pass                                 # seen as EOF below
                self.sel.register(w.proc.stdout, selectors.EVENT_READ, i)
                running += 1
            now = time.monotonic()
            busy = [w for w in self.workers if w is not None and w.job is not None]
            wait = max(0.0, min(w.deadline for w in busy) - now) if busy else 0.0
            events = self.sel.select(timeout=min(wait, 1.0))
            for sk, _ in events:
                i = sk.data
                w = self.workers[i]
                key, job = w.job
                try:
                    res = _recv(w.proc.stdout)
                    if not w.ready and res == _READY:
                        w.ready = True
                        w.started = time.monotonic()
                        w.deadline = w.started + w.timeout
                        continue
                except (EOFError, OSError, pickle.UnpicklingError):
                    code = w.proc.wait(timeout=10) if w.proc.poll() is None else w.proc.poll()
                    res = {"outcome": "died", "exc": f"exit {code}",
                           "message": self._tail(w),
                           "seconds": round(time.monotonic() - w.started, 3)}
                    self._kill(i)
                    running -= 1
                    yield key, res
                    continue
                self.sel.unregister(w.proc.stdout)
                w.job = None
                w.jobs_done += 1
                running -= 1
                yield key, res
            now = time.monotonic()
            for i, w in enumerate(self.workers):
                if w is not None and w.job is not None and now > w.deadline:
                    key, job = w.job
                    res = {"outcome": "hang", "exc": "timeout",
                           "message": f"no answer after {now - w.started:.1f} s",
                           "seconds": round(now - w.started, 3)}
                    self._kill(i)
                    running -= 1
                    yield key, res

    def call(self, job: Any, timeout: float) -> dict:
        """Run one job and return its result (see :meth:`run`)."""
        for _, res in self.run([(0, job, timeout)]):
            return res
        raise InputError("call: the job gave no result")


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o755)
            os.chmod(p, 0o755)
            func(p)
    shutil.rmtree(path, onerror=onerror)
