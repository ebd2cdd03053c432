"""The results file's fsync runs beside the next image, never after the batch has returned.

Each line is written and flushed at once; its fsync (milliseconds of waiting on the disk, in
the calling process, which also inspects images) runs on a helper thread and the next line
waits for it.  These tests hold the three properties that make that safe: one fsync per line,
all of them finished before ``run_many`` returns, and a failed fsync of the *last* line (seen
only when the file is closed) rolled back like any other.
"""

from __future__ import annotations

import errno
import json
import os
import threading

import pytest

from metrology.inspect import InspectionResult, run_many
from metrology.inspect.batch import BatchWriteError


class _Recipe:
    """Every image passes; ``started[i]`` is set when image ``i`` begins."""

    def __init__(self, n: int):
        self.started = [threading.Event() for _ in range(n)]

    def run(self, path, name=None):
        self.started[int(os.path.basename(path)[1:-4])].set()
        return InspectionResult(name, "pass", timings_ms={"total": 1.0})


def _images(tmp_path, n):
    d = tmp_path / "imgs"
    d.mkdir()
    out = []
    for i in range(n):
        (d / f"p{i}.png").write_bytes(b"x")
        out.append(d / f"p{i}.png")
    return out


def test_fsync_runs_beside_the_next_image_and_is_done_on_return(tmp_path, monkeypatch):
    paths = _images(tmp_path, 4)
    recipe = _Recipe(4)
    real = os.fsync
    log: list[tuple[str, int, bool]] = []  # (thread, lines in the file, next image began)

    def fsync(fd):
        real(fd)
        with open(tmp_path / "r.jsonl", "rb") as fh:
            n = fh.read().count(b"\n")
        # the fsync of line n waits for image n + 1 to begin: were fsync in line with the
        # images, that could never happen (the wait would time out)
        began = recipe.started[n].wait(30.0) if n < 4 else True
        log.append((threading.current_thread().name, n, began))

    monkeypatch.setattr(os, "fsync", fsync)
    s = run_many(recipe, paths, output=tmp_path / "r.jsonl", progress=False)
    assert s.processed == 4
    # one fsync per line, in order, each beside the next image, all finished on return
    assert [(n, began) for _, n, began in log] == [(1, True), (2, True), (3, True), (4, True)]
    assert all(t != threading.main_thread().name for t, _, _ in log)


def test_a_failed_fsync_of_the_last_line_is_rolled_back(tmp_path, monkeypatch):
    paths = _images(tmp_path, 3)
    out = tmp_path / "r.jsonl"
    calls = {"n": 0}
    real = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:       # the last line: its failure is seen when the file closes
            raise OSError(errno.EIO, "Input/output error")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(BatchWriteError, match="Input/output error"):
        run_many(_Recipe(3), paths, output=out, progress=False)
    monkeypatch.setattr(os, "fsync", real)
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3            # two complete lines, no third
    assert all(json.loads(x)["status"] == "pass" for x in lines[:-1])
    s = run_many(_Recipe(3), paths, output=out, progress=False)
    assert s.skipped == 2 and s.processed == 1


def test_a_line_is_what_the_full_conversion_writes():
    """The writer dumps plain records directly; values JSON lacks (NumPy scalars and arrays,
    paths, tuples) and NaN / infinity (null) come out exactly as ``to_jsonable`` makes them."""
    import math
    from pathlib import Path

    import numpy as np

    from metrology._serial import to_jsonable
    from metrology.inspect._batch_writer import json_line

    cases = [{"image": "a.png", "status": "pass", "v": [0.5, 1, None, True, "x"]},
             {"image": "b", "a": np.float64(np.nan), "b": np.array([1.0, np.inf]),
              "c": np.int64(3), "d": (np.float32(0.1), np.bool_(False))},
             {"image": "c", "z": {1: "a", 2.5: "b"}, "p": Path("/a/b"), "m": -math.inf},
             {"image": "d", "n": [[float("nan")]], "big": np.float64(1e300) * 10}]
    for rec in cases:
        assert json_line(rec) == json.dumps(to_jsonable(rec), allow_nan=False)
        assert "NaN" not in json_line(rec) and "Infinity" not in json_line(rec)
