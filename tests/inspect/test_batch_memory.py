"""A batch worker keeps the memory it freed: after its first images, an image maps no fresh
pages.

A worker that takes the parent's rectifier (``model.rectify``: the maps are handed over rather
than built again) never frees a big array while it starts, so glibc's adaptive thresholds
stayed low and every image's ~18 MB of temporaries (the demo recipe) were mmapped, zero-filled
and handed back: 3600-4900 minor page faults and 8-28 ms of system CPU per image, 15 % of the
worker's CPU, which the parent (whose own map building had raised the thresholds) never paid.
The worker now fixes the thresholds (``metrology._memory.keep_freed_memory``).  The count is
read inside the worker, per image, with ``getrusage`` (deterministic: it counts pages, not time).
"""

from __future__ import annotations

import contextlib
import io
import platform
import resource
import statistics
from concurrent.futures import ProcessPoolExecutor

import pytest

from metrology.inspect import Recipe
from metrology.inspect._batch_pool import _hand_loaded, _worker_init, _WorkerContext

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the allocator thresholds are glibc's")


def _faults_per_image(paths) -> list[tuple[str, int]]:
    """Run in the worker: each image's status and the minor page faults it caused."""
    from metrology.inspect._batch_pool import _WORKER, inspect_one

    out = []
    for p in paths:
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        rec = inspect_one(_WORKER["recipe"], p, None)
        out.append((rec["status"], resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before))
    return out


def test_a_worker_given_the_rectifier_maps_no_fresh_pages_per_image(tmp_path):
    from metrology.inspect.demo import run_demo

    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(out_dir=tmp_path / "demo", n_parts=2, as_json=True)
    src = sorted(str(p) for p in (tmp_path / "demo" / "parts").glob("part_*.png"))
    doc = tmp_path / "demo" / "plate.recipe.json"
    ctx = _WorkerContext()
    handoff = ctx.Queue()
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_worker_init,
                             initargs=(Recipe.load(doc), None, handoff)) as ex:
        fut = ex.submit(_faults_per_image, [src[i % 2] for i in range(8)])
        _hand_loaded(Recipe.load(doc).prepare(), handoff, 1)   # as run_pool does
        got = fut.result(timeout=600)
    handoff.close()
    assert [s for s, _ in got] == ["pass"] * 8
    # the first two images grow the heap; after them an image needs (nearly) no new page.
    # Before the fix every image took 3600-4900 pages (its temporaries, 4 KB each); with it
    # 0-60 were measured.  1000 pages (4 MB) is far from both.
    steady = [n for _, n in got[2:]]
    assert statistics.median(steady) < 1000, steady
