"""Where a batch's CPU went (``BatchSummary.processes``), and how its workers end.

* ``processes`` has one entry per process that inspected: the calling process ("main") and
  each worker, whose image counts add up to the batch and match the pids on the records; a
  worker's start-up CPU is part of its CPU, and it was ready some time after the start.
* A worker leaves without the interpreter's teardown (it cost 0.3 s of CPU per worker, and
  the batch waited for it): an ``atexit`` hook registered in a worker never runs, while the
  same hook in a plain spawned process does (so the check can fail), and no record is lost.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

from metrology.inspect import InspectionResult, run_many


class _HookRecipe:
    """Records which process inspected each image (in ``error``); its ``prepare`` registers,
    in a spawned process only, an ``atexit`` hook that leaves a file named by the pid."""

    def __init__(self, folder: str):
        self.folder = folder

    def prepare(self):
        if mp.parent_process() is not None:
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
    s = run_many(_HookRecipe(str(marks)), _paths(tmp_path, 40), jobs=2, progress=False)
    assert s.counts == {"pass": 40}
    by_pid: dict[int, int] = {}
    for r in s.results:
        by_pid[int(r.error)] = by_pid.get(int(r.error), 0) + 1
    assert [p["role"] for p in s.processes] == ["main", "worker"]
    assert {p["pid"]: p["images"] for p in s.processes} == by_pid
    main, worker = s.processes
    assert main["pid"] == os.getpid() and main["cpu_s"] > 0 and main["ready_s"] >= 0
    assert 0 < worker["start_cpu_s"] <= worker["cpu_s"] and worker["ready_s"] > 0
    # the worker left through os._exit: its atexit hook did not run
    assert not any(marks.iterdir()), sorted(p.name for p in marks.iterdir())


def test_jobs_1_is_one_main_process(tmp_path):
    s = run_many(_HookRecipe(str(tmp_path)), _paths(tmp_path, 5), jobs=1, progress=False)
    assert [(p["role"], p["images"], p["start_cpu_s"]) for p in s.processes] \
        == [("main", 5, None)]


def _prepare_and_exit(folder: str) -> None:
    _HookRecipe(folder).prepare()


def test_a_plain_spawned_process_does_run_the_hook(tmp_path):
    # the control of the first test: the hook runs on a normal interpreter exit
    p = mp.get_context("spawn").Process(target=_prepare_and_exit, args=(str(tmp_path),))
    p.start()
    p.join(300)
    assert p.exitcode == 0
    assert [f.name for f in tmp_path.iterdir()] == [f"teardown_{p.pid}"]
