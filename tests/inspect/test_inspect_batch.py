"""Batch runner: JSONL append/resume, failures recorded, Ctrl-C and full disk lose nothing.

The inspection itself is replaced by a trivial stage (``_FakeRecipe``) so these tests exercise
only the batch machinery.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import time

import pytest

from metrology.errors import InputError
from metrology.inspect import InspectionResult, MeasurementResult, read_results, run_many
from metrology.inspect.batch import BatchWriteError


class _FakeRecipe:
    """Status from the file name: ``bad*`` unreadable, ``fail*`` out of tolerance, ``lost*``
    not found, ``stop*`` raises KeyboardInterrupt, anything else passes."""

    prepared = 0

    def prepare(self):
        _FakeRecipe.prepared += 1
        return self

    def run(self, path, name=None):
        base = os.path.basename(path)
        if base.startswith("bad"):
            raise InputError(f"image: cannot read {path} as an image")
        if base.startswith("stop"):
            raise KeyboardInterrupt
        if base.startswith("boom"):
            raise ZeroDivisionError("division by zero")
        if base.startswith("lost"):
            return InspectionResult(name, "not_found", error="part not found")
        value = 1.0 if base.startswith("fail") else 0.5
        m = MeasurementResult("w", "width", "mm", value, passed=value < 0.9, nominal=0.5,
                              min=0.4, max=0.6)
        return InspectionResult(name, "pass" if value < 0.9 else "fail", measurements=(m,),
                                timings_ms={"total": 1.0})


def _images(tmp_path, names):
    d = tmp_path / "imgs"
    d.mkdir(exist_ok=True)
    out = []
    for n in names:
        p = d / n
        p.write_bytes(b"x")
        out.append(p)
    return out


def test_records_every_image_and_continues_after_failures(tmp_path):
    paths = _images(tmp_path, ["a.png", "bad.png", "fail.png", "lost.png", "boom.png", "b.png"])
    out = tmp_path / "r.jsonl"
    s = run_many(_FakeRecipe(), paths, output=out, csv_path=tmp_path / "s.csv")
    assert s.processed == 6 and s.skipped == 0
    assert s.counts == {"pass": 2, "error": 2, "fail": 1, "not_found": 1}
    assert s.exit_code == 2
    lines = out.read_text().splitlines()
    assert len(lines) == 6
    recs = [json.loads(x) for x in lines]
    by = {os.path.basename(r["image"]): r for r in recs}
    assert "cannot read" in by["bad.png"]["error"]
    assert by["boom.png"]["error"].startswith("internal error: ZeroDivisionError")
    assert by["lost.png"]["status"] == "not_found"
    assert [os.path.basename(r.image) for r in s.results] == [p.name for p in paths]
    rows = list(csv.DictReader(open(tmp_path / "s.csv")))
    assert len(rows) == 6 and rows[0]["w"] == "0.5" and rows[2]["w"] == "1"


def test_results_are_made_from_the_records_when_asked_for(tmp_path, monkeypatch):
    """``BatchSummary.results`` is built from ``records`` on first use (a command-line run
    that only prints the counts never pays for 200 conversions), and it is the same as the
    records read back one by one."""
    calls = []
    real = InspectionResult.from_dict
    monkeypatch.setattr(InspectionResult, "from_dict",
                        classmethod(lambda cls, d: calls.append(d) or real(d)))
    paths = _images(tmp_path, ["a.png", "fail.png", "lost.png"])
    s = run_many(_FakeRecipe(), paths, output=tmp_path / "r.jsonl")
    assert calls == [] and s.counts == {"pass": 1, "fail": 1, "not_found": 1}
    assert [r.to_dict() for r in s.results] == [real(d).to_dict() for d in s.records]
    assert s.results is s.results and len(calls) == 3      # made once


def test_rerun_skips_done_and_retries_errors(tmp_path):
    paths = _images(tmp_path, ["a.png", "bad.png", "c.png"])
    out = tmp_path / "r.jsonl"
    run_many(_FakeRecipe(), paths[:2], output=out)
    s = run_many(_FakeRecipe(), paths, output=out)
    assert s.skipped == 2 and s.processed == 1
    assert len(out.read_text().splitlines()) == 3
    assert len(s.results) == 3
    s = run_many(_FakeRecipe(), paths, output=out, resume="retry_errors")
    assert s.processed == 1 and s.skipped == 2  # only bad.png again
    assert len(read_results(out)) == 3


def test_half_written_last_line_is_cut_before_appending(tmp_path):
    paths = _images(tmp_path, ["a.png", "b.png"])
    out = tmp_path / "r.jsonl"
    run_many(_FakeRecipe(), paths[:1], output=out)
    with open(out, "ab") as fh:
        fh.write(b'{"image": "/x/b.png", "status": "pa')  # a crash mid-line
    s = run_many(_FakeRecipe(), paths, output=out)
    assert s.processed == 1
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x) for x in lines)


def test_ctrl_c_keeps_finished_images(tmp_path):
    paths = _images(tmp_path, ["a.png", "b.png", "stop.png", "d.png"])
    out = tmp_path / "r.jsonl"
    s = run_many(_FakeRecipe(), paths, output=out)
    assert s.interrupted
    assert len(out.read_text().splitlines()) == 2
    s2 = run_many(_FakeRecipe(), [paths[0], paths[1], paths[3]], output=out)
    assert s2.skipped == 2 and s2.processed == 1


def test_full_disk_keeps_earlier_lines(tmp_path, monkeypatch):
    paths = _images(tmp_path, ["a.png", "b.png", "c.png", "d.png"])
    out = tmp_path / "r.jsonl"
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(BatchWriteError, match="No space left"):
        run_many(_FakeRecipe(), paths, output=out)
    monkeypatch.setattr(os, "fsync", real)
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["status"] == "pass" for x in lines)
    s = run_many(_FakeRecipe(), paths, output=out)
    assert s.skipped == 2 and s.processed == 2


def test_parallel_matches_serial(tmp_path):
    names = [f"p{i:02d}.png" for i in range(10)] + ["fail.png", "bad.png"]
    paths = _images(tmp_path, names)
    s1 = run_many(_FakeRecipe(), paths, jobs=1, output=tmp_path / "a.jsonl")
    s2 = run_many(_FakeRecipe(), paths, jobs=2, output=tmp_path / "b.jsonl")
    key = lambda r: (r.image, r.status, r.values())  # noqa: E731
    assert [key(r) for r in s1.results] == [key(r) for r in s2.results]
    assert len((tmp_path / "b.jsonl").read_text().splitlines()) == 12


class _PidRecipe(_FakeRecipe):
    """Records which process inspected each image (in ``error``)."""

    def run(self, path, name=None):
        time.sleep(0.02)
        return InspectionResult(name, "pass", error=str(os.getpid()))


def test_the_caller_works_beside_its_workers(tmp_path):
    # jobs=2: one spawned worker and this process, which starts at once (the worker needs
    # seconds to start) and keeps its loaded recipe; the worker gets its queued images
    paths = _images(tmp_path, [f"q{i:02d}.png" for i in range(30)])
    s = run_many(_PidRecipe(), paths, jobs=2, output=tmp_path / "p.jsonl")
    pids = [r.error for r in s.results]
    assert len(pids) == 30 and str(os.getpid()) in pids and len(set(pids)) == 2


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="jobs"):
        run_many(_FakeRecipe(), [], jobs=0)
    with pytest.raises(InputError, match="does not exist"):
        run_many(_FakeRecipe(), _images(tmp_path, ["a.png"]), output=tmp_path / "no" / "r.jsonl")


def test_list_images(tmp_path):
    from metrology.inspect import list_images

    _images(tmp_path, ["b.png", "a.jpg", "notes.txt"])
    assert [p.name for p in list_images([tmp_path / "imgs"])] == ["a.jpg", "b.png"]
    with pytest.raises(InputError, match="no such file"):
        list_images([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no images"):
        list_images([tmp_path / "empty"])


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    paths = _images(tmp_path, ["a.png", "fail.png", "bad.png"])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        s = run_many(_FakeRecipe(), paths, output=tmp_path / "r.jsonl",
                     scheduler=cluster.scheduler_address)
    assert s.counts == {"pass": 1, "fail": 1, "error": 1}
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 3


def test_csv_write_failure_is_one_clear_error(tmp_path, monkeypatch):
    import metrology.inspect.batch as batch

    paths = _images(tmp_path, ["a.png", "b.png"])

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch, "atomic_write_text", full)
    with pytest.raises(BatchWriteError, match="CSV summary .* No space left"):
        run_many(_FakeRecipe(), paths, output=tmp_path / "r.jsonl", csv_path=tmp_path / "s.csv")
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2
