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
speed-up expected on two idle cores from those, and whether both runs gave identical
results.  A table then gives each process's CPU (``BatchSummary.processes``): the main
process and each worker, with the worker's start-up CPU (interpreter, imports, model,
kernels: all it spends before its first image).

The idle-core model: on two idle cores each process has a core to itself, so it finishes
after about its own CPU (a worker's CPU includes its start-up; the images are shared through
one queue, so the processes end within an image of each other).  The expected speed-up is
then ``C1 / max(C2_main, C2_worker)``: the CPU of the ``--jobs 1`` run (its wall on an idle
core) over the CPU of the busiest process of ``--jobs 2``.  It leaves out the worker's
waits that are not CPU (the spawn's exec, the parent's rectifier hand-off), tens of ms on
an idle machine.  ``2 C1 / C2`` (perfect balance) is printed beside it.

The same line gives the machine's own ceiling for this workload, measured right after the
runs: two spawned loops that inspect a prepared image in their own process (no start-up, no
queue, no records) side by side against one alone; ``2 x alone / slower of the two``.  On two
truly idle cores it is 2.0; on this shared VM it swings between runs (its two vCPUs share the
host's memory system: a DRAM-streaming NumPy loop runs 1.7x slower beside a copy of itself
while a pure-Python loop does not slow), so the wall speed-up is read against it.

The library is byte-compiled first (``compileall``), as an installed package is: with
``PYTHONDONTWRITEBYTECODE=1`` (this machine) a source checkout compiles every module again
in every worker, 0.3-0.4 s of CPU.  ``--no-bytecode`` skips that step (and measures that).

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


def _sys_faults() -> tuple[float, int]:
    """(system CPU s, minor page faults) of this process and its finished workers: a process
    whose allocator hands memory back and maps it again pays both on every image."""
    import resource

    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_stime + b.ru_stime, a.ru_minflt + b.ru_minflt


def _run(recipe_path: Path, paths: list[Path], jobs: int, out: Path, start: str = "auto"):
    """(wall s, CPU s of this process and its finished workers, summary, (system CPU s, page
    faults) per image)."""
    from metrology.inspect import Recipe, run_many

    import multiprocessing

    recipe = Recipe.load(recipe_path)
    before = multiprocessing.get_start_method(allow_none=True)
    if start != "auto":                   # run_many follows multiprocessing's start method
        multiprocessing.set_start_method(start, force=True)
    (s0, f0), c0, t0 = _sys_faults(), _cpu(), time.perf_counter()
    try:
        s = run_many(recipe, paths, jobs=jobs, output=out, progress=False)
    finally:
        multiprocessing.set_start_method(before, force=True)
    wall, cpu, (s1, f1) = time.perf_counter() - t0, _cpu() - c0, _sys_faults()
    return wall, cpu, s, ((s1 - s0) / len(paths), (f1 - f0) / len(paths))   # per image


def _worker_startup(recipe_path: Path) -> tuple[float, float]:
    """(wall s, CPU s) for one batch worker to start: spawn, import, unpickle and prepare the
    recipe (the same initializer and rectifier hand-off as ``run_many``), then answer one
    trivial task."""
    from concurrent.futures import ProcessPoolExecutor

    from metrology.inspect import Recipe
    from metrology.inspect._batch_pool import (_hand_loaded, _ships_loaded, _worker_init,
                                               _WorkerContext)

    recipe = Recipe.load(recipe_path)
    recipe.prepare()
    ctx = _WorkerContext()
    handoff = ctx.Queue() if _ships_loaded(recipe) else None  # as run_pool: the maps
    c0, t0 = _cpu(), time.perf_counter()                         # come from this process
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_worker_init,
                             initargs=(recipe, None, handoff)) as ex:
        if handoff is not None:
            _hand_loaded(recipe, handoff, 1)
        ex.submit(os.getpid).result()  # a builtin: picklable when run.py loads this file
    if handoff is not None:
        handoff.close()
    return time.perf_counter() - t0, _cpu() - c0


def _compile_library() -> None:
    """Byte-compile the library beside its sources, as ``pip install`` does."""
    import compileall

    import metrology

    compileall.compile_dir(str(Path(metrology.__file__).parent), quiet=1)


def _process_table(label: str, s) -> str:
    """One line per process of a run: its images, CPU and (a worker) start-up."""
    rows = []
    for i, p in enumerate(s.processes):
        name = "main" if p["role"] == "main" else f"worker {i}"
        start = ("" if p["start_cpu_s"] is None else
                 f", start-up {p['start_cpu_s']:.2f} s CPU, ready after {p['ready_s']:.2f} s, "
                 f"then waited {p['idle_s']:.2f} s for images")
        rows.append(f"#   {label} {name:9s} {p['images']:4d} images, CPU {p['cpu_s']:6.2f} s"
                    f"{start}")
    return "\n".join(rows)


def _key(r) -> tuple:
    return (r.image, r.status, tuple((m.name, m.value, m.passed) for m in r.measurements))


def run(quick: bool = False, bytecode: bool = True) -> list[Row]:
    n = 24 if quick else 200
    if bytecode:
        _compile_library()
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        recipe, paths, truth = _prepare(work, n, 4 if quick else 8)
        _run(recipe, paths[:2], 1, work / "warm.jsonl")   # numba cache, OS file cache
        t1, c1, s1, f1 = _run(recipe, paths, 1, work / "j1.jsonl")
        t2, c2, s2, f2 = _run(recipe, paths, 2, work / "j2.jsonl")
        t2s, c2s, s2s, _ = _run(recipe, paths, 2, work / "j2s.jsonl", "spawn")
        ts, cs = _worker_startup(recipe)
        ceiling, ceil_rows = _ceiling(recipe, paths[0])
        worst = 0.0
        for r in s2.results:
            tv = truth[r.image]
            for m in r.measurements:
                if m.unit == "mm" and m.value is not None:
                    worst = max(worst, abs(m.value - tv[m.name]))
        ok = s1.counts.get("pass", 0) == n and s2.counts.get("pass", 0) == n
        same = [_key(r) for r in s1.results] == [_key(r) for r in s2.results] \
            == [_key(r) for r in s2s.results]
        w2 = s2.processes[1]
        # the quiet-machine figure (module docstring): each process on its own idle core
        # ends after about its own CPU, so the --jobs 2 run takes its busiest process's CPU
        # (the start-up wall measured on a loaded machine would only measure the load)
        bound = 2 * c1 / c2 if c2 > 0 else float("nan")
        p1 = sum(p["cpu_s"] for p in s1.processes)
        busiest = max(p["cpu_s"] for p in s2.processes)
        model = p1 / busiest
        # CPU seconds per wall second: how much of the machine each run actually got (on a
        # shared machine the wall speed-up is bounded by this, not by the code)
        print(f"# batch: {n} images  --jobs 1: {t1:.1f} s ({n / t1:.2f} img/s, CPU "
              f"{1e3 * c1 / n:.0f} ms/img, CPU busy {c1 / t1:.2f})   --jobs 2: {t2:.1f} s "
              f"({n / t2:.2f} img/s, CPU {1e3 * c2 / n:.0f} ms/img, CPU busy {c2 / t2:.2f})   "
              f"wall speed-up {t1 / t2:.2f}x   CPU work ratio (jobs 2 / jobs 1) {c2 / c1:.3f}   "
              f"workers {w2['start']}ed: start-up {w2['start_cpu_s']:.3f} s CPU, ready "
              f"{w2['ready_s']:.2f} s after the start   --jobs 2 spawned instead: {t2s:.1f} s, "
              f"speed-up {t1 / t2s:.2f}x, a spawned worker's start-up {ts:.2f} s wall, "
              f"{cs:.2f} s CPU   expected on 2 idle cores "
              f"{model:.2f}x (C1 / busiest process; balanced 2 C1 / C2 {bound:.2f}x)   "
              f"results identical: {same}   system CPU / page faults per image: "
              f"--jobs 1 {1e3 * f1[0]:.1f} ms / {f1[1]:.0f}, --jobs 2 "
              f"{1e3 * f2[0]:.1f} ms / {f2[1]:.0f}   machine ceiling for this workload "
              f"{ceiling:.2f}x (two independent inspection loops side by side: "
              f"{ceil_rows})   cpus "
              f"{os.cpu_count()}, load {os.getloadavg()[0]:.1f}, byte-compiled: {bytecode}",
              file=sys.stderr)
        print(_process_table("--jobs 1", s1) + "\n" + _process_table("--jobs 2", s2),
              file=sys.stderr)
        return [Row(f"inspect {n} imgs, --jobs 2 (ms/img)", 1e3 * t2 / n,
                    "same batch, --jobs 1", 1e3 * t1 / n,
                    accuracy=f"max |err| {worst * 1e3:.2f} um, all pass: {ok}, "
                             f"jobs 1 == jobs 2 (fork, spawn): {same}",
                    extra={"jobs1_img_per_s": n / t1, "jobs2_img_per_s": n / t2,
                           "speedup": t1 / t2, "n_images": n, "cpu_busy_jobs1": c1 / t1,
                           "cpu_busy_jobs2": c2 / t2, "cpu_work_ratio": c2 / c1,
                           "cpu_ms_per_img_jobs1": 1e3 * c1 / n,
                           "cpu_ms_per_img_jobs2": 1e3 * c2 / n,
                           "start_method": w2["start"],
                           "worker_startup_cpu_s": w2["start_cpu_s"],
                           "speedup_spawn": t1 / t2s,
                           "spawn_worker_startup_s": ts, "spawn_worker_startup_cpu_s": cs,
                           "expected_speedup_idle": model, "expected_balanced": bound,
                           "processes_jobs1": s1.processes, "processes_jobs2": s2.processes,
                           "byte_compiled": bytecode, "identical": same,
                           "sys_ms_per_img_jobs1": 1e3 * f1[0],
                           "sys_ms_per_img_jobs2": 1e3 * f2[0],
                           "faults_per_img_jobs1": f1[1],
                           "faults_per_img_jobs2": f2[1],
                           "ceiling": ceiling,
                           "load": os.getloadavg()[0]})]


def _ceiling(recipe_path: Path, image_path: Path, seconds: float = 4.0) -> tuple[float, str]:
    """The speed-up two processes can reach on this machine *now* for this workload: two
    spawned loops inspecting in their own process (prepared beforehand: no start-up, no
    queue, no records) side by side against one alone, run right after the batch runs.  It
    is the ceiling of any two-process scheme; on two truly idle cores it is 2.0, and the
    batch's wall speed-up is read against it.  (Same loops as ``--contention``.)"""
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(v, "1")
    a = _contention_trial("inspect", 1, seconds, str(recipe_path), str(image_path))
    b = _contention_trial("inspect", 2, seconds, str(recipe_path), str(image_path))
    alone = a["ms_per_unit"][0]
    # two processes finish a batch when the slower one does: its rate sets the speed-up
    ceiling = 2 * alone / max(b["ms_per_unit"])
    return ceiling, (f"alone {alone:.1f} ms/image, side by side "
                     f"{' / '.join(f'{m:.1f}' for m in b['ms_per_unit'])} ms, others' CPU "
                     f"{b['others_cpu_s']:.2f} s")


# --------------------------------------------------------------------------------------------
# contention: is the slow-down of two busy processes the machine (clock, shared core) or the
# memory system (caches, bandwidth)?  ``python benchmarks/bench_batch.py --contention``
# --------------------------------------------------------------------------------------------
def _unit_python(state) -> None:
    s = 0
    for i in range(600_000):       # integer arithmetic in the interpreter: no memory traffic
        s += i ^ (i >> 3)


def _unit_numpy(state) -> None:
    import numpy as np

    a, b, c = state                # in cache (L2): compute-bound / in DRAM: bandwidth-bound
    for _ in range(max(1, 3_000_000 // a.size)):
        np.multiply(a, b, out=c)
        np.add(c, a, out=c)


def _unit_inspect(state) -> None:
    recipe, image = state
    recipe.run(image, name="x")


_UNITS = {"python": _unit_python, "numpy_l2": _unit_numpy, "numpy_dram": _unit_numpy,
          "inspect": _unit_inspect}


def _unit_state(kind: str, recipe_path: str, image_path: str):
    import numpy as np

    if kind == "numpy_l2":          # 3 x 128 KB: stays in the 1 MB L2 of each core
        return tuple(np.random.rand(16_000) for _ in range(3))
    if kind == "numpy_dram":        # 3 x 32 MB: streams through the shared 32 MB L3
        return tuple(np.random.rand(4_000_000) for _ in range(3))
    if kind == "inspect":           # one image of the batch, as a worker runs it
        import cv2

        from metrology.image.io import load_image
        from metrology.inspect import Recipe

        cv2.setNumThreads(1)
        return Recipe.load(recipe_path).prepare(), load_image(image_path)
    return None


def _contention_child(kind, recipe_path, image_path, barrier, seconds, q) -> None:
    state = _unit_state(kind, recipe_path, image_path)
    f = _UNITS[kind]
    for _ in range(3):
        f(state)
    barrier.wait()
    n, c0, t0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        f(state)
        n += 1
    q.put((n, time.process_time() - c0, time.perf_counter() - t0))


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat, Linux)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")   # minus idle, iowait


def _contention_trial(kind: str, nproc: int, seconds: float, recipe_path: str,
                      image_path: str) -> dict:
    """``nproc`` spawned copies of ``kind`` (one thread each) run side by side for
    ``seconds``: their CPU ms per unit, and the CPU the rest of the machine used meanwhile
    (a trial is clean only when that is ~0: "alone" must really be alone)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, q = ctx.Barrier(nproc + 1), ctx.Queue()
    ps = [ctx.Process(target=_contention_child,
                      args=(kind, recipe_path, image_path, barrier, seconds, q))
          for _ in range(nproc)]
    for p in ps:
        p.start()
    barrier.wait()
    m0, t0 = _machine_busy(), time.perf_counter()
    out = [q.get() for _ in ps]
    m1, t1 = _machine_busy(), time.perf_counter()
    for p in ps:
        p.join()
    ours = sum(c for _, c, _ in out)
    return {"kind": kind, "nproc": nproc, "ms_per_unit": [1e3 * c / n for n, c, _ in out],
            "busy": [c / w for _, c, w in out], "others_cpu_s": (m1 - m0) - ours,
            "wall_s": t1 - t0}


def _idle_now(seconds: float = 1.0) -> float:
    """Fraction of the machine idle over the next ``seconds``."""
    b0, t0 = _machine_busy(), time.perf_counter()
    time.sleep(seconds)
    return 1.0 - (_machine_busy() - b0) / ((time.perf_counter() - t0) * os.cpu_count())


def contention(recipe_path: str, image_path: str, kinds=tuple(_UNITS), seconds: float = 3.0,
               rounds: int = 1, wait_idle_until: float | None = None, log=sys.stdout) -> list:
    """Alone (1 process) against side by side (2 processes) CPU ms per unit for each workload.

    If the pure-Python loop slows as much as the inspection, the cause is the machine (clock
    or a shared physical core under the VM), not memory; if only the NumPy-in-DRAM loop and
    the inspection slow, it is the shared cache / memory bandwidth.  Every trial reports the
    CPU the rest of the machine used meanwhile; ``wait_idle_until`` (a ``time.time()``) waits
    for an idle machine (>= 95 % idle over 2 s) before each pair of trials, until then.
    """
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMBA_NUM_THREADS"):
        os.environ[v] = "1"        # inherited by the spawned children
    rows = []
    for _ in range(rounds):
        for kind in kinds:
            while wait_idle_until is not None and _idle_now(2.0) < 0.95:
                if time.time() > wait_idle_until:
                    return rows
                time.sleep(5.0)
            a = _contention_trial(kind, 1, seconds, recipe_path, image_path)
            b = _contention_trial(kind, 2, seconds, recipe_path, image_path)
            ratio = (sum(b["ms_per_unit"]) / 2) / a["ms_per_unit"][0]
            rows.append({"alone": a, "both": b, "ratio": ratio, "time": time.time()})
            print(f"{kind:11s} alone {a['ms_per_unit'][0]:8.2f} ms/unit (busy "
                  f"{a['busy'][0]:.2f}, others {a['others_cpu_s']:5.2f} s)   both "
                  f"{b['ms_per_unit'][0]:8.2f} / {b['ms_per_unit'][1]:8.2f} (busy "
                  f"{b['busy'][0]:.2f} / {b['busy'][1]:.2f}, others {b['others_cpu_s']:5.2f} s)"
                  f"   both/alone {ratio:.3f}   {time.strftime('%H:%M:%S')}", file=log,
                  flush=True)
    return rows


if __name__ == "__main__":
    if "--contention" in sys.argv:     # [--wait-idle MINUTES] [--rounds N]: see contention()
        import tempfile as _tf

        args = sys.argv
        wait = float(args[args.index("--wait-idle") + 1]) if "--wait-idle" in args else None
        rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 1
        with _tf.TemporaryDirectory(prefix="bench_contention_") as tmp:
            recipe_path, paths, _ = _prepare(Path(tmp), 1, 1)
            contention(str(recipe_path), str(paths[0]), rounds=rounds,
                       wait_idle_until=None if wait is None else time.time() + 60 * wait)
        sys.exit(0)
    quick = "--quick" in sys.argv
    for r in run(quick, bytecode="--no-bytecode" not in sys.argv):
        print(f"{r.name}: ours {r.ours_ms:.1f} ms, {r.peer} {r.peer_ms:.1f} ms, "
              f"ratio {r.ratio:.2f}x; {r.accuracy}")
