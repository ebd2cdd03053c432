"""Kill tests for saves: SIGKILL at random instants while a process saves in a loop."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ._checks import as_path
from ._checks import check_int, check_positive
from ...errors import InputError


@dataclasses.dataclass
class KillReport:
    """What :func:`kill_during_saves` saw: ``torn`` lists kills after which the file did not
    load as one of the saved versions (or was missing), ``left_after_kill`` temp files present
    right after kills, ``left_after_next_save`` those still there after one more save."""

    kills: int
    torn: list
    left_after_kill: list
    left_after_next_save: list
    seconds: float = 0.0

_KILL_SERVER = """
import os, sys

{setup}
path = sys.argv[1]
save(A, path)
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "fork":
        pid = os.fork()
        if pid == 0:
            try:
                while True:
                    save(B, path)
                    save(A, path)
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif cmd[0] == "reap":
        os.waitpid(int(cmd[1]), 0)
        print("reaped", flush=True)
    elif cmd[0] == "save":
        save(A, path)
        print("saved", flush=True)
    else:
        break
"""


def kill_during_saves(setup: str, path: str | os.PathLike, *, load: Callable[[Path], Any],
                      versions: Sequence[Any], kills: int = 20, seed: int = 0,
                      max_delay_s: float = 0.05, timeout_s: float = 120.0,
                      env: dict | None = None) -> KillReport:
    """SIGKILL a process at random instants while it saves two versions in turn to ``path``.

    ``setup`` is Python code defining ``A``, ``B`` and ``save(obj, path)``.  A server process
    runs it once and saves ``A``; for each kill it forks a child that saves ``B``, ``A``, ``B``
    ... without end, which is killed after a random delay (0 to ``max_delay_s``).  After each
    kill ``load(path)`` must equal one of ``versions``, and the folder may only hold what was
    there after the first save.  Finally the server saves once more, which must remove the temp
    files left by the killed children.

    Returns
    -------
    KillReport
    """
    from ._checks import output_dir

    if not isinstance(setup, str) or not setup.strip():
        raise InputError("setup: expected Python code defining A, B and save(obj, path)")
    if not callable(load):
        raise InputError(f"load: expected a function path -> value, given {type(load).__name__}")
    if isinstance(versions, (str, bytes)) or not hasattr(versions, "__len__") or \
            len(versions) < 1:
        raise InputError("versions: expected the values load() gives for the saved versions")
    kills = check_int(kills, "kills", min=1, max=100000)
    seed = check_int(seed, "seed", min=0, max=2 ** 63 - 1)
    max_delay_s = check_positive(max_delay_s, "max_delay_s", allow_zero=True, max=60.0)
    timeout_s = check_positive(timeout_s, "timeout_s", max=24 * 3600)
    if env is not None and not (isinstance(env, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise InputError("env: expected a mapping of strings")
    t0 = time.perf_counter()
    path = as_path(path, "path")
    output_dir(path.parent, "path (its folder)")
    if path.is_dir():
        raise InputError(f"path: {path} is a folder, expected the file the saves write")
    folder = path.parent
    rng = random.Random(seed)
    env = {**os.environ, **(env or {})}
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(k, "1")
    code = _KILL_SERVER.format(setup=setup)
    srv = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           start_new_session=True)

    def ask(cmd: str) -> str:
        if cmd:
            srv.stdin.write(cmd + "\n")
            srv.stdin.flush()
        sel = selectors.DefaultSelector()
        sel.register(srv.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout=timeout_s):
                raise InputError(f"kill_during_saves: the save server was silent for {timeout_s} s "
                             f"after {cmd!r}")
        finally:
            sel.close()
        line = srv.stdout.readline()
        if not line:
            raise InputError("kill_during_saves: the save server died: "
                             + srv.stderr.read()[-1000:])
        return line.strip()

    torn: list = []
    left_kill: list = []
    try:
        if ask("") != "ready":
            raise InputError("kill_during_saves: the save server did not start")
        baseline = {p.name for p in folder.iterdir()}
        for i in range(kills):
            pid = int(ask("fork"))
            time.sleep(rng.uniform(0.0, max_delay_s))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            ask(f"reap {pid}")
            extra = sorted({p.name for p in folder.iterdir()} - baseline)
            left_kill += [f"kill {i}: {n}" for n in extra]
            if not path.exists():
                torn.append(f"kill {i}: {path.name} missing")
                continue
            try:
                value = load(path)
            except Exception as exc:  # noqa: BLE001 - a torn file shows up here
                torn.append(f"kill {i}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            if not any(_same(value, v) for v in versions):
                torn.append(f"kill {i}: the file holds neither saved version")
        if ask("save") != "saved":
            raise InputError("kill_during_saves: the final save failed")
        left_next = sorted({p.name for p in folder.iterdir()} - baseline)
    finally:
        with contextlib.suppress(Exception):
            srv.stdin.write("quit\n")
            srv.stdin.flush()
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(srv.pid, signal.SIGKILL)
            srv.wait(timeout=10)
    return KillReport(kills, torn, left_kill, left_next, round(time.perf_counter() - t0, 2))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False
