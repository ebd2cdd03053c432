"""Test configuration: hypothesis profiles, the --runslow switch, the xdist scheduler and the
shared-data fixture.

Hypothesis profiles: ``ci`` (default, derandomized so CI is repeatable, 60 examples) and
``dev`` (200 examples).  Select with ``HYPOTHESIS_PROFILE=dev``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="run the long accuracy sweeps marked 'slow'")


#: The native thread pools that busy-wait for work (OpenMP: torch's; OpenBLAS; MKL) get one
#: thread in each xdist worker: with a worker per core, a second thread has no core of its own
#: and its spinning takes CPU from the other worker (the suite's CPU time fell by about a tenth,
#: measured on 2 cores).  Set before the workers start (they and their subprocesses inherit it);
#: a value already in the environment is kept; OpenCV's pool is left as it is (tests compare
#: against its default threads).  ``-n 0`` runs with the libraries' defaults.
ONE_THREAD_POOLS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    """The long generator sweeps take all their cases under ``--runslow`` (tests/sampling.py);
    under xdist the workers' native pools get one thread each (:data:`ONE_THREAD_POOLS`)."""
    from tests import sampling

    sampling.FULL = bool(config.getoption("--runslow"))
    workers = getattr(config.option, "tx", None) or ()
    if len(workers) > 1 and not hasattr(config, "workerinput"):
        for name in ONE_THREAD_POOLS:
            os.environ.setdefault(name, "1")


def pytest_sessionstart(session):
    """Load (and on a cold cache compile, ~30 s once per machine) the optional numba kernels
    before any test or fuzz worker needs them: workers then load them from numba's cache.

    The image and match kernels load in a subprocess beside the caliper ones here (on a cold
    cache they compile in about a third of the time the caliper ones take, on the other core:
    the run starts ~10 s sooner); its cache is complete before this process asks for them."""
    import importlib.util
    import subprocess
    import sys

    import metrology
    from metrology import _accel

    helper = None
    if (_accel._env_allows() and importlib.util.find_spec("numba") is not None
            and not hasattr(session.config, "workerinput")):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(metrology.__file__).resolve().parents[1])] +
            ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        helper = subprocess.Popen(
            [sys.executable, "-c", "from metrology import _accel\n"
             "_accel.kernels('image'), _accel.kernels('match')"], env=env)
    try:
        _accel.kernels("caliper")
    finally:
        if helper is not None:
            helper.wait()
    _accel.available()
    _accel.kernels("calib")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow accuracy sweep: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


#: Work units that take longest (seconds of summed test time, measured on 2 cores), sent to
#: the workers first, longest first, so no long file starts last while the other worker
#: idles: the discriminator's 700-step training (~60-100 s, one test), the fuzz run with the
#: kill tests (~60-90 s), then the files of 20-50 s; the rest (under ~15 s each) follow in
#: xdist's order, so the last units are short.  A unit not listed (or renamed) keeps xdist's
#: order: only the finish time changes.
LONG_FIRST = ("tests/anomaly/test_cnn_scan.py", "tests/fuzz", "tests/anomaly/test_jet_head.py",
              "tests/anomaly/test_deep_variants.py", "tests/anomaly/test_comb_scan.py",
              "tests/anomaly/test_defects.py", "tests/anomaly/test_face_roi.py",
              "tests/teach/test_teach_recipes.py", "tests/inspect/test_batch_stops.py",
              "tests/inspect/test_batch_parallel.py", "tests/teach/test_teach_units_cli.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the files of ``tests/fuzz`` as one unit and long units first.

    The fuzz files share the session's fuzz workers and fuzz run (``tests/fuzz/conftest.py``):
    as one unit they run on one xdist worker, which starts the pool and runs the fuzz once
    (as separate files, two workers each ran it, ~30 s twice).
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    # xdist's private hooks (3.5-3.8): another version without them keeps its own scheduler
    if not all(callable(getattr(LoadFileScheduling, a, None))
               for a in ("_split_scope", "_assign_work_unit")):
        return None

    class LongFirstFileScheduling(LoadFileScheduling):
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "tests/fuzz" if scope.startswith("tests/fuzz/") else scope

        def _assign_work_unit(self, node) -> None:
            if not self._ordered:  # the queue is complete at the first assignment
                self._ordered = True
                rank = {s: i for i, s in enumerate(LONG_FIRST)}
                units = sorted(self.workqueue.items(),
                               key=lambda u: rank.get(u[0], len(rank)))  # stable
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return LongFirstFileScheduling(config, log)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test (saying why) when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}: real-image tests skipped")
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
