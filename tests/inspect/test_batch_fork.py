"""How batch workers start (``multiprocessing.set_start_method``, ``metrology inspect
--start-method``).

``"fork"`` copies the caller once it has prepared the recipe; with no start method set it is
taken only in a state where a fork is safe (no other Python thread; OpenCV's pool stopped
first; OpenBLAS stops its own pools at a fork).  Checked here:

* a forked worker computes exactly what the caller computes with OpenCV, BLAS, SciPy's FFT and
  the compiled kernels, after the caller has run all of them on their thread pools (the
  state in which a careless fork deadlocks or corrupts), and the caller's pools still work;
* with no method set, workers are spawned when another Python thread runs or the batch runs
  off the main thread; a method set by the user is followed;
* the CLI sets the method it is given.

That records are byte-identical between ``--jobs 1`` and forked or spawned ``--jobs 2`` on a
real recipe is in ``test_batch_parallel.py``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading

import numpy as np
import pytest

from metrology.errors import InputError
from metrology.inspect import InspectionResult, run_many
from metrology.inspect._batch_procs import fork_state, resolve_start

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="this platform has no fork")


def _native_work() -> str:
    """A digest of OpenCV (threaded blur and resize), BLAS (matrix product), SciPy's FFT and a
    compiled kernel of the library, all on fixed data."""
    import cv2
    import scipy.fft

    from metrology import _accel

    rng = np.random.default_rng(7)
    img = (rng.random((480, 640)) * 255).astype(np.uint8)
    a = rng.random((300, 300))
    h = hashlib.sha256()
    h.update(cv2.GaussianBlur(img, (0, 0), 2.0).tobytes())
    h.update(cv2.resize(img, (320, 240), interpolation=cv2.INTER_AREA).tobytes())
    h.update((a @ a).tobytes())
    h.update(scipy.fft.rfft2(a).tobytes())
    _accel.kernels("caliper")
    return h.hexdigest()


class _NativeRecipe:
    """Each image: the process's pid and its :func:`_native_work` digest (in ``error``)."""

    def prepare(self):
        return self

    def run(self, path, name=None):
        return InspectionResult(name, "pass", error=f"{os.getpid()} {_native_work()}")


def _paths(tmp_path, n):
    return [str(tmp_path / f"img_{i:03d}.png") for i in range(n)]   # never read


@needs_fork
def test_a_forked_worker_computes_what_the_caller_computes(tmp_path, start_method):
    import cv2

    start_method("fork")
    before = cv2.getNumThreads()
    cv2.setNumThreads(-1)          # OpenCV's pool and the BLAS pools run before the fork
    try:
        _forked_run(tmp_path, cv2)
    finally:
        cv2.setNumThreads(before)


def _forked_run(tmp_path, cv2):
    want = _native_work()
    assert len(os.listdir("/proc/self/task")) > 1, "no native thread pool ran: a weak check"
    s = run_many(_NativeRecipe(), _paths(tmp_path, 24), jobs=2, progress=False)
    assert s.counts == {"pass": 24}
    assert [p.get("start") for p in s.processes] == [None, "fork"]
    worker = s.processes[1]["pid"]
    digests = {r.error.split()[1] for r in s.results}
    assert digests == {want}
    assert worker in {int(r.error.split()[0]) for r in s.results}, "the worker took no image"
    assert _native_work() == want          # the caller's own pools still work after the fork
    assert cv2.getNumThreads() != 1        # and its OpenCV threads are given back


def test_unset_forks_only_from_a_lone_main_thread(tmp_path, start_method):
    start_method(None)
    if fork_state() is None:
        assert resolve_start() == "fork"
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, name="user-server")
    t.start()
    try:
        assert "user-server" in (fork_state() or "")
        assert resolve_start() == "spawn"
        s = run_many(_NativeRecipe(), _paths(tmp_path, 6), jobs=2, progress=False)
        assert [p.get("start") for p in s.processes] == [None, "spawn"]
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize("method,want", [("spawn", "spawn"), ("forkserver", "spawn"),
                                         ("fork", "fork")])
def test_a_start_method_set_by_the_user_is_followed(start_method, method, want):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    start_method(method)
    assert resolve_start() == want


def test_unset_spawns_off_the_main_thread(tmp_path, start_method):
    start_method(None)
    out: list = []
    t = threading.Thread(target=lambda: out.append(
        (fork_state(), run_many(_NativeRecipe(), _paths(tmp_path, 4), jobs=2,
                                progress=False))))
    t.start()
    t.join()
    reason, s = out[0]
    assert "main thread" in reason
    assert s.counts == {"pass": 4}
    assert [p.get("start") for p in s.processes] == [None, "spawn"]


def test_the_cli_sets_its_start_method(monkeypatch, tmp_path, capsys, start_method):
    import metrology.inspect.batch as batch
    from metrology.cli import main

    start_method(None)
    seen: list = []

    def fake_run_many(recipe, paths, **kw):
        seen.append(multiprocessing.get_start_method(allow_none=True))
        raise InputError("stop here")

    monkeypatch.setattr(batch, "run_many", fake_run_many)
    monkeypatch.setattr("metrology.inspect.recipe.Recipe.load", staticmethod(lambda p: None))
    monkeypatch.setattr(batch, "list_images", lambda srcs: [tmp_path / "a.png"])
    args = ["inspect", "r.recipe.json", str(tmp_path), "--jobs", "2"]
    assert main(args) == 2                                   # auto: nothing set
    assert main([*args, "--start-method", "spawn"]) == 2
    assert seen == [None, "spawn"]
    assert main([*args, "--start-method", "vfork"]) == 2
    assert "invalid choice" in capsys.readouterr().err
