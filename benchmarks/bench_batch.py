"""Batch inspection throughput: ``--jobs 2`` against ``--jobs 1`` on the same 200 images.

The images are the demo's rendered plates (``metrology demo``: calibrated station, shape model,
8 tools, 12 measurements), a handful rendered at random poses and repeated under different
file names up to 200.  Both runs go through :func:`metrology.inspect.run_many` exactly as
``metrology inspect FOLDER -o results.jsonl --jobs N`` does (JSONL appended and fsynced per
image).  The ratio printed is the speed-up of 2 processes over 1 (ideal 2.0 on an idle
2-core machine); accuracy beside it is the worst length error against the renderer's truth.

On a shared machine the wall ratio says little, so the stderr line also gives CPU figures:
CPU per image of each run, the CPU work ratio (total CPU of ``--jobs 2`` / ``--jobs 1``: the
parallel overhead), a worker's start-up (spawn, imports, recipe load; wall and CPU), the
speed-up expected on two idle cores from those, ``2 W1 / W2`` (a start-up on an idle core
takes about its CPU time in wall time), and whether
both runs gave identical results.

Run: ``python benchmarks/run.py batch`` (``--quick``: 24 images).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import Row  # noqa: E402


def _prepare(work: Path, n_images: int, n_unique: int) -> tuple[Path, list[Path], dict]:
    import contextlib
    import io

    from metrology.inspect.demo import run_demo

    demo = work / "demo"
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(out_dir=demo, n_parts=n_unique, as_json=True)
    truth = json.loads((demo / "parts" / "truth.json").read_text())["parts"]
    src = sorted((demo / "parts").glob("part_*.png"))
    folder = work / "batch"
    folder.mkdir()
    paths, tmap = [], {}
    for i in range(n_images):
        s = src[i % len(src)]
        p = folder / f"img_{i:04d}.png"
        shutil.copyfile(s, p)
        paths.append(p)
        tmap[os.path.abspath(p)] = truth[s.name]["values"]
    return demo / "plate.recipe.json", paths, tmap


def _cpu() -> float:
    import resource

    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _run(recipe_path: Path, paths: list[Path], jobs: int, out: Path):
    """(wall s, CPU s of this process and its finished workers, summary)."""
    from metrology.inspect import Recipe, run_many

    recipe = Recipe.load(recipe_path)
    c0, t0 = _cpu(), time.perf_counter()
    s = run_many(recipe, paths, jobs=jobs, output=out, progress=False)
    return time.perf_counter() - t0, _cpu() - c0, s


def _worker_startup(recipe_path: Path) -> tuple[float, float]:
    """(wall s, CPU s) for one batch worker to start: spawn, import, unpickle and prepare the
    recipe (the same initializer and rectifier hand-off as ``run_many``), then answer one
    trivial task."""
    from concurrent.futures import ProcessPoolExecutor

    from metrology.inspect import Recipe
    from metrology.inspect._batch_pool import (_hand_rectifier, _ships_rectifier, _worker_init,
                                               _WorkerContext)

    recipe = Recipe.load(recipe_path)
    recipe.prepare()
    ctx = _WorkerContext()
    handoff = ctx.Queue() if _ships_rectifier(recipe) else None  # as run_pool: the maps
    c0, t0 = _cpu(), time.perf_counter()                         # come from this process
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_worker_init,
                             initargs=(recipe, None, handoff)) as ex:
        if handoff is not None:
            _hand_rectifier(recipe, handoff, 1)
        ex.submit(os.getpid).result()  # a builtin: picklable when run.py loads this file
    if handoff is not None:
        handoff.close()
    return time.perf_counter() - t0, _cpu() - c0


def _key(r) -> tuple:
    return (r.image, r.status, tuple((m.name, m.value, m.passed) for m in r.measurements))


def run(quick: bool = False) -> list[Row]:
    n = 24 if quick else 200
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        recipe, paths, truth = _prepare(work, n, 4 if quick else 8)
        _run(recipe, paths[:2], 1, work / "warm.jsonl")   # numba cache, OS file cache
        t1, c1, s1 = _run(recipe, paths, 1, work / "j1.jsonl")
        t2, c2, s2 = _run(recipe, paths, 2, work / "j2.jsonl")
        ts, cs = _worker_startup(recipe)
        worst = 0.0
        for r in s2.results:
            tv = truth[r.image]
            for m in r.measurements:
                if m.unit == "mm" and m.value is not None:
                    worst = max(worst, abs(m.value - tv[m.name]))
        ok = s1.counts.get("pass", 0) == n and s2.counts.get("pass", 0) == n
        same = [_key(r) for r in s1.results] == [_key(r) for r in s2.results]
        # the quiet-machine figure: with W = CPU s of the --jobs 1 run and s = a worker's
        # start-up (wall s, of which cs CPU), this process and one worker on two free cores
        # finish in about (W2 - cs + s) / 2: the worker's share starts s late.  On an idle
        # core a start-up's wall is about its CPU (s = cs), so the estimate is 2 W1 / W2 (the
        # start-up wall measured on a loaded machine would only measure the load)
        bound = 2 * c1 / c2 if c2 > 0 else float("nan")
        # CPU seconds per wall second: how much of the machine each run actually got (on a
        # shared machine the wall speed-up is bounded by this, not by the code)
        print(f"# batch: {n} images  --jobs 1: {t1:.1f} s ({n / t1:.2f} img/s, CPU "
              f"{1e3 * c1 / n:.0f} ms/img, CPU busy {c1 / t1:.2f})   --jobs 2: {t2:.1f} s "
              f"({n / t2:.2f} img/s, CPU {1e3 * c2 / n:.0f} ms/img, CPU busy {c2 / t2:.2f})   "
              f"wall speed-up {t1 / t2:.2f}x   CPU work ratio (jobs 2 / jobs 1) {c2 / c1:.3f}   "
              f"worker start-up {ts:.2f} s wall, {cs:.2f} s CPU   expected on 2 idle cores "
              f"{bound:.2f}x   results identical: {same}   cpus {os.cpu_count()}, load "
              f"{os.getloadavg()[0]:.1f}", file=sys.stderr)
        return [Row(f"inspect {n} imgs, --jobs 2 (ms/img)", 1e3 * t2 / n,
                    "same batch, --jobs 1", 1e3 * t1 / n,
                    accuracy=f"max |err| {worst * 1e3:.2f} um, all pass: {ok}, "
                             f"jobs 1 == jobs 2: {same}",
                    extra={"jobs1_img_per_s": n / t1, "jobs2_img_per_s": n / t2,
                           "speedup": t1 / t2, "n_images": n, "cpu_busy_jobs1": c1 / t1,
                           "cpu_busy_jobs2": c2 / t2, "cpu_work_ratio": c2 / c1,
                           "cpu_ms_per_img_jobs1": 1e3 * c1 / n,
                           "cpu_ms_per_img_jobs2": 1e3 * c2 / n,
                           "worker_startup_s": ts, "worker_startup_cpu_s": cs,
                           "expected_speedup_idle": bound, "identical": same,
                           "load": os.getloadavg()[0]})]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for r in run(quick):
        print(f"{r.name}: ours {r.ours_ms:.1f} ms, {r.peer} {r.peer_ms:.1f} ms, "
              f"ratio {r.ratio:.2f}x; {r.accuracy}")
