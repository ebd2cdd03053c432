"""Where a batch's CPU went (``BatchSummary.processes``).

``processes`` has one entry per process that inspected: the calling process ("main") and each
worker, whose image counts add up to the batch and match the pids on the records; a worker's
start-up CPU is part of its CPU, it was ready some time after the start, and the time it
waited for images is reported.  The images are never read (a recipe that only sleeps), so the
figures are checked for what they must be, not for values.

A worker leaves without the interpreter's teardown (0.35 s of CPU after 40 demo images, and
the batch waited for it): an ``atexit`` hook registered in a worker never runs, while the same
hook in a plain spawned process does (so the check can fail), and no record is lost.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

from metrology.inspect import InspectionResult, run_many


class _PidRecipe:
    """Records which process inspected each image (in ``error``); with a ``folder``, its
    ``prepare`` registers, in a spawned process only, an ``atexit`` hook that leaves a file
    named by the pid there."""

    def __init__(self, folder: str | None = None):
        self.folder = folder

    def prepare(self):
        if self.folder is not None and mp.parent_process() is not None:
            import atexit

            atexit.register(_leave_mark, self.folder)
        return self

    def run(self, path, name=None):
        time.sleep(0.01)
        return InspectionResult(name, "pass", error=str(os.getpid()))


def _leave_mark(folder: str) -> None:
    Path(folder, f"teardown_{os.getpid()}").write_text("ran")


def _paths(tmp_path: Path, n: int) -> list[str]:
    return [str(tmp_path / f"img_{i:03d}.png") for i in range(n)]   # never read


def test_processes_account_for_every_image_and_pid(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    s = run_many(_PidRecipe(str(marks)), _paths(tmp_path, 40), jobs=2, progress=False)
    assert s.counts == {"pass": 40}
    by_pid: dict[int, int] = {}
    for r in s.results:
        by_pid[int(r.error)] = by_pid.get(int(r.error), 0) + 1
    assert [p["role"] for p in s.processes] == ["main", "worker"]
    assert {p["pid"]: p["images"] for p in s.processes} == by_pid
    main, worker = s.processes
    assert main["pid"] == os.getpid() and main["cpu_s"] > 0 and main["ready_s"] >= 0
    assert 0 < worker["start_cpu_s"] <= worker["cpu_s"] and worker["ready_s"] > 0
    assert worker["idle_s"] >= 0 and main["idle_s"] is None
    # the worker left through os._exit: its atexit hook did not run
    assert not any(marks.iterdir()), sorted(p.name for p in marks.iterdir())


def _prepare_and_exit(folder: str) -> None:
    _PidRecipe(folder).prepare()


def test_a_plain_spawned_process_does_run_the_hook(tmp_path):
    # the control of the check above: the hook runs on a normal interpreter exit
    p = mp.get_context("spawn").Process(target=_prepare_and_exit, args=(str(tmp_path),))
    p.start()
    p.join(300)
    assert p.exitcode == 0
    assert [f.name for f in tmp_path.iterdir()] == [f"teardown_{p.pid}"]


def test_jobs_1_is_one_main_process(tmp_path):
    s = run_many(_PidRecipe(), _paths(tmp_path, 5), jobs=1, progress=False)
    assert [(p["role"], p["pid"], p["images"], p["start_cpu_s"]) for p in s.processes] \
        == [("main", os.getpid(), 5, None)]


class _SlowHereRecipe(_PidRecipe):
    """An image takes 2 s in the calling process and no time in a worker."""

    def __init__(self):
        super().__init__()
        self.caller = os.getpid()

    def run(self, path, name=None):
        if os.getpid() == self.caller:
            time.sleep(2.0)
        return InspectionResult(name, "pass", error=str(os.getpid()))


def test_a_worker_is_refilled_while_the_caller_is_on_a_long_image(tmp_path):
    # the worker's window (one image running, one waiting) is refilled as each of its images
    # ends, not when the caller looks up from its own image: once the worker is ready it does
    # the rest while the caller is on one or two 2 s images.  Refilled only by the caller, the
    # worker would do 2 images per caller image, the caller a third of those left (~12 more)
    n = 40
    s = run_many(_SlowHereRecipe(), _paths(tmp_path, n), jobs=2, progress=False)
    assert s.counts == {"pass": n}
    main, worker = s.processes
    before_ready = worker["ready_s"] / 2.0 + 1       # images the caller began meanwhile
    assert main["images"] <= before_ready + 4, (main, worker)
