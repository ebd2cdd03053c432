"""Stopping ``metrology inspect`` (issue 12, "Stops"): SIGKILL, SIGTERM and Ctrl-C mid-batch and
during worker start-up, with ``--jobs 1`` and ``--jobs 2``; then a rerun resumes.

Each test runs the real command in its own session (so a Ctrl-C can go to the whole process
group, as a terminal sends it), waits on progress in the JSONL output (never on a fixed sleep:
the machine may be loaded), sends the signal and checks:

* the exit: 143 for SIGTERM, 130 for Ctrl-C, each with exactly one line on stderr;
* no process left: every descendant seen while the batch ran (workers, the resource tracker)
  is gone (checked by pid and start time, so a reused pid is not mistaken for a survivor);
* the results file ends with a complete line; after a rerun with resume, every image is
  recorded exactly once (none lost, none twice) and every line is a JSON record.

The images are small plates rendered by the project's renderer; the kernels run as NumPy
(``METROLOGY_NUMBA=0``) so a cold numba cache cannot make a run slow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from _inspect_helpers import plate_recipe_doc, render_plate, rotated
from metrology.inspect import Recipe, run_many

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the process table from /proc")

N_IMAGES = 48
TIMEOUT = 300.0   # generous: a loaded 2-core machine imports the library in 10-20 s


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, list[Path]]:
    d = tmp_path_factory.mktemp("stops")
    (d / "plate.recipe.json").write_text(json.dumps(plate_recipe_doc()))
    imgs = d / "imgs"
    imgs.mkdir()
    paths = []
    for i in range(N_IMAGES):
        p = imgs / f"p_{i:03d}.png"
        cv2.imwrite(str(p), render_plate(rotated(0.0), seed=i))
        paths.append(p)
    return d, paths


# -- the process table -------------------------------------------------------------------------
def _table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, start time, state) of every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                rest = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(name)] = (int(rest[1]), rest[19], rest[0])
    return out


def _descendants(pid: int) -> dict[int, str]:
    """pid -> start time of every descendant of ``pid`` now."""
    table, found, front = _table(), {}, [pid]
    while front:
        p = front.pop()
        for c, (pp, start, _) in table.items():
            if pp == p and c not in found:
                found[c] = start
                front.append(c)
    return found


def _alive(seen: dict[int, str]) -> list[int]:
    table = _table()
    return [p for p, start in seen.items()
            if p in table and table[p][1] == start and table[p][2] not in ("Z", "X")]


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _is_worker(pid: int, command: bytes) -> bool:
    """A spawned worker (multiprocessing's ``spawn_main``) or a forked one (the command's own
    command line)."""
    line = _cmdline(pid)
    return b"spawn_main" in line or (bool(line) and line == command)


def _images_done(out: Path) -> list[str]:
    if not out.is_file():
        return []
    return [json.loads(x)["image"] for x in out.read_bytes().split(b"\n")[:-1] if x.strip()]


@pytest.fixture()
def groups():
    """Process groups started by a test: whatever a failed test left is killed afterwards."""
    started: list[int] = []
    yield started
    for pgid in started:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# -- one stopped run ---------------------------------------------------------------------------
def _stopped_run(batch, tmp_path, groups, sig: int, jobs: int, when: str):
    """Run the command, send ``sig`` at ``when`` ("mid": after 3 records, with --jobs 2 once
    the worker has recorded an image; "startup": as soon as a worker process exists); return
    (exit code, stderr, descendants seen, worker pids, output path).

    "mid" runs with the default start (workers forked from the prepared command); "startup"
    with ``--start-method spawn``, whose workers take seconds to start (a forked one is
    ready in milliseconds: there is no start-up to stop)."""
    d, paths = batch
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "METROLOGY_NUMBA": "0"}
    # a test run started in the background of a script (``pytest &``) has SIGINT ignored, and
    # the command would inherit that, as a background command should; here it must behave as
    # from a terminal: a handled signal is reset to the default in the child at exec
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "metrology.cli", "inspect", str(d / "plate.recipe.json"),
             str(d / "imgs"), "-o", str(out), "--jobs", str(jobs),
             "--start-method", "spawn" if when == "startup" else "auto"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, before)
    groups.append(proc.pid)
    seen: dict[int, str] = {}
    # with --jobs 2 the first two images go to the worker's queue (the caller takes the next
    # ones itself): a record of p_000 means the worker is up and inspecting
    first = os.path.abspath(paths[0])
    deadline = time.monotonic() + TIMEOUT
    try:
        while True:
            assert proc.poll() is None, f"the batch ended before the signal: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no progress within the time limit"
            seen.update(_descendants(proc.pid))
            done = _images_done(out)
            command = _cmdline(proc.pid)
            workers = [p for p in seen if _is_worker(p, command)]
            if when == "startup" and workers:
                break
            if when == "mid" and len(done) >= 3 and (jobs == 1 or first in done
                                                     or len(done) >= N_IMAGES - 12):
                break   # (a worker slower to start than the caller's 36 images: stop anyway)
            time.sleep(0.02)
        seen.update(_descendants(proc.pid))
        workers = [p for p in seen if _is_worker(p, command)]
        n_before = len(_images_done(out))
        assert n_before < N_IMAGES, "the batch finished before the signal"
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)           # Ctrl-C: the terminal signals the whole group
        else:
            os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, seen, workers, out


def _nothing_left(seen: dict[int, str], within: float) -> list[int]:
    deadline = time.monotonic() + within
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(seen)


def _resume_and_check(batch, out: Path) -> None:
    """Rerun with resume (a line torn by SIGKILL is cut first): every image exactly once."""
    d, paths = batch
    s = run_many(Recipe.load(d / "plate.recipe.json"), paths, output=out, progress=False)
    assert s.processed + s.skipped == N_IMAGES and not s.interrupted
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    images = [json.loads(x)["image"] for x in lines[:-1]]
    assert sorted(images) == sorted(os.path.abspath(p) for p in paths), \
        "every image exactly once over the stopped run and the rerun"
    assert {r.status for r in s.results} == {"pass"}


STOPS = {signal.SIGTERM: (143, "metrology inspect: terminated"),
         signal.SIGINT: (130, "metrology inspect: interrupted; finished images are saved, "
                              "rerun to continue")}


@pytest.mark.parametrize("jobs,when", [(1, "mid"), (2, "mid"), (2, "startup")])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_exits_with_one_line_leaves_nothing_and_resumes(batch, tmp_path, groups, sig, jobs,
                                                           when):
    code, err, seen, workers, out = _stopped_run(batch, tmp_path, groups, sig, jobs, when)
    want_code, want_line = STOPS[sig]
    assert (code, err.strip()) == (want_code, want_line), err
    assert not _alive({p: seen[p] for p in workers}), "workers outlived the command"
    assert not _nothing_left(seen, 10.0), "a process outlived the command (resource tracker?)"
    raw = out.read_bytes() if out.is_file() else b""
    assert not raw or raw.endswith(b"\n"), "a stop left a torn last line"
    _resume_and_check(batch, out)


@pytest.mark.parametrize("jobs,when", [(1, "mid"), (2, "mid"), (2, "startup")])
def test_sigkill_leaves_no_worker_behind_and_resumes(batch, tmp_path, groups, jobs, when):
    code, _, seen, _, out = _stopped_run(batch, tmp_path, groups, signal.SIGKILL, jobs, when)
    assert code == -signal.SIGKILL
    # the workers see their parent die and exit (a starting one once it has started)
    assert not _nothing_left(seen, 60.0), "a worker outlived its killed parent"
    _resume_and_check(batch, out)
