"""The fuzz harness itself: a worker's start-up is not charged to its first job (on a loaded
machine a restarted worker took longer to import than a job's limit, so every job after one
hang was reported as a hang too), and ``nan_paths`` is checked."""

from __future__ import annotations

import pytest

from metrology.errors import InputError
from metrology.testing.fuzz import Registry, WorkerPool


def test_a_slow_worker_start_is_not_a_hang(tmp_path):
    # the examples alone take 1.5 s to load (the imports before them more): a start-up charged
    # to the first job overruns its 1 s limit by half of it at least
    slow = tmp_path / "slow_examples.py"
    slow.write_text("import time\ntime.sleep(1.5)\n"
                    "from metrology.testing.fuzz import Registry\nregistry = Registry()\n")
    with WorkerPool(1, examples=slow, memory_mb=0) as pool:
        res = pool.call(("no-such-job",), timeout=1.0)       # answered at once once started
        assert res == {"error": "unknown job 'no-such-job'"}, res
        res = pool.call(("no-such-job",), timeout=1.0)       # the same worker, already up
        assert res == {"error": "unknown job 'no-such-job'"}, res


@pytest.mark.parametrize("bad", [".std_px", ("",), (3,), [".std_px"]])
def test_nan_paths_are_a_tuple_of_paths(bad):
    with pytest.raises(InputError, match="nan_paths"):
        Registry().example("metrology.x.y", nan_paths=bad)


def test_nan_paths_are_recorded_with_the_example():
    reg = Registry()
    reg.example("metrology.caliper.measure.measure_edges", nan_paths=(".std_px",))(
        lambda ctx: None)
    assert reg.examples["metrology.caliper.measure.measure_edges"].nan_paths == (".std_px",)
