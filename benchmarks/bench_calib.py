"""Calibration: ours vs OpenCV's raw pipeline on the same images (time and accuracy).

* board detection per view (ours: classic/SB + X-junction model fit; peer: findChessboardCorners
  + cornerSubPix 5x5), accuracy = corner RMS error vs ground truth;
* full calibration on the 14 committed rendered views, from the files (peer: the same images,
  already decoded, + calibrateCamera), accuracy = projection difference to the true camera over
  the image and focal error;
* the same with the leave-one-view-out error (peer: OpenCV's own leave-one-out, i.e. detection
  once and 14 more calibrateCamera + solvePnP);
* undistorting 10k points on a wide lens (peer: cv2.undistortPoints), accuracy = max error.

Profile (issue 16, cProfile with process time, 2-core machine under load), before -> after:

* ``detect_board`` 64 ms: ~95 % in the corner model fit. ``scipy.special.erf`` was 27 ns per
  value (two per pixel per evaluation); each Levenberg-Marquardt iteration evaluated the model
  twice (trial value, then the Jacobian at the accepted point); a (54 corners x 961 px x 9)
  float64 Jacobian overflowed the CPU cache (one evaluation 7.2 ms, the same in blocks of 18
  corners 1.9 ms); every corner was fitted twice (the window re-centred on the refined corner,
  moving results by < 3e-4 px when the first estimate is within 0.25 px). Now: one model +
  Jacobian evaluation per iteration, erf from the exponential the Jacobian needs anyway
  (A&S 7.1.26, 1.4e-7), disk windows, blocks of 18 corners, float32 around each window's origin
  (corners equal to float64's within 7e-7 px), a second fit only for corners that moved
  > 0.25 px, a step tolerance of 2e-4 px (the next step is ~30x smaller).
* ``calibrate`` 3.2 s: 14 detections (~0.9 s), then the second pass re-fitted every corner in
  undistorted coordinates after Newton-undistorting 52k window pixels per view with a
  finite-difference Jacobian (~1.7 s), image decoding ~0.1 s, OpenCV's calibrations ~0.05 s each.
  Now: the first camera comes from OpenCV's corners and each corner's model is fitted once, in
  undistorted coordinates (the windows undistorted from the local affine inverse at each corner,
  an analytic lens Jacobian, batches of 4096 points that stay in cache).
* hold-out: 14 OpenCV re-calibrations (~25 ms each). Now Gauss-Newton from the full solution:
  the first step from the full normal equations less the view's own Schur terms, then
  re-linearised steps until the predicted gain is < 1e-9 of the cost; the folds equal OpenCV's
  re-calibrations to 3.5e-4 px (tests/calib/test_calib_kernels.py).
* ``undistort_points`` 9.5 ms: a finite-difference Jacobian (4 extra model evaluations per
  Newton step), a separate backtracking evaluation, arrays of 10k points whose ~30 temporaries
  overflow the cache. Now: analytic Jacobian, one evaluation per step, two fixed-point steps on
  the radial factor to start, batches of 4096 points.

Compiled kernels (issue 16, second round; numba, the optional ``fast`` extra, in
``metrology/calib/_kernels.py``; the NumPy code above stays the reference and the fallback).
What the profile showed on main (one thread, CPU time): NumPy call overhead on small arrays,
e.g. the corner fit's ~60 calls per view on (14, 700) blocks, ``_undistort_near``'s Newton
on 4096-point batches. Now:

* the corner fit per corner in one compiled function: the window's non-zero-weight pixels
  made contiguous, the model, Jacobian and normal equations accumulated without a
  Jacobian array per block, Cholesky 9x9, the same damping/acceptance/stopping rules;
  ``exp(-u^2)`` by a polynomial and ten squarings (< 1e-13 absolute) and sums with
  reassociation only, so the pixel loops vectorise (1.7x on the evaluation);
* undistortion: the same Newton iteration (start, halving, stopping) point by point,
  identical results (0 px difference on the 10k benchmark);
* window sampling: indices and weights compiled, the gather one ``np.take``.

Figures, ``run(quick=True)``, CPU medians one thread (``process_time``, OpenCV one
thread), 2-core machine at load average ~20 (wall times there are 3-10x the CPU times and
meaningless); main measured the same way before:

===========================  ==========  =================  ========  ==========
row                          main (CPU)  now, compiled      NumPy     peer (CPU)
                                         (CPU)              path now
===========================  ==========  =================  ========  ==========
detect_board 1024x768 9x6    22.4 ms     6.5 ms             15.1 ms   2.2 ms
calibrate 14 views           655 ms      335 ms             481 ms    45 ms
calibrate + hold-out         --          463 ms             683 ms    270 ms (LOO)
undistort_points 10k         2.66 ms     1.61 ms            2.65 ms   0.95 ms
===========================  ==========  =================  ========  ==========

Accuracy unchanged: corner RMS 0.0107 px (peer 0.0412), projection diff 0.039 px (peer
0.294), gauge-free 0.014, focal 0.0042 % (peer 0.060 %), hold-out 0.0098 px (peer 0.0405),
undistort max error 9.7e-9 px (peer 0.67 px); compiled vs NumPy corners within 7e-7 px raw
and 2.2e-6 px undistorted, the same corners kept.

The floors left are not ours: ``detect_board`` = OpenCV's findChessboardCorners +
cornerSubPix (2.8 ms CPU here, ~43 % of the 6.5 ms) + the fit (~3.5 ms); ``calibrate`` =
PNG decoding (14 x 9.4 ms: these noisy renders compress poorly; the peer's time starts from
decoded images), findChessboardCorners + cornerSubPix (~70 ms), calibrateCamera (2 calls,
~45 ms): ~245 ms of the 335 ms.  The window undistortion of calibrate's corner fit (~40 ms
here) runs ~40 ns a Newton evaluation point by point; a model-specialised loop (no
fisheye/prism/tilt branches) measured 2x faster but was not done.

Compile time (``python bench_calib.py --compile``: fresh processes, empty numba cache):
13-15 s CPU once after an install (108-114 s wall at load ~20); with the cache (numba's
``__pycache__`` next to the module, or ``NUMBA_CACHE_DIR``) a process pays the numba import
(0.22-0.26 s CPU) and the cache load: first detection + undistortion in a fresh process
0.83 s CPU vs 0.42 s with the kernels off.  Any edit of ``_kernels.py`` invalidates its
cache (keyed by the file's time stamp).  In the test suite the first calib test that fits a
corner pays the compile once (tests/calib runs before tests/fuzz, whose workers then load
the cache).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from _common import Row, median_ms

ROOT = Path(__file__).resolve().parents[1]


def _cpu_ms(fn, repeat=7, warmup=1):
    """Median CPU time of ``fn()`` in this process (``time.process_time``), milliseconds: less
    sensitive to other load on a shared machine than wall time (one thread: run with
    OMP_NUM_THREADS=1; OpenCV is set to one thread in :func:`run`)."""
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        t.append((time.process_time() - t0) * 1e3)
    return statistics.median(t)


def _both(fn, repeat):
    """(wall ms, CPU ms) medians of ``fn``, and the same with the compiled kernels switched
    off (the NumPy reference path)."""
    from metrology.calib import _accel

    out = {"wall": median_ms(fn, repeat=repeat), "cpu": _cpu_ms(fn, repeat=repeat)}
    with _accel.disabled():
        out["numpy_cpu"] = _cpu_ms(fn, repeat=repeat)
    out["compiled"] = _accel.kernels() is not None
    return out


def _timing_note(ours, peer_cpu):
    kind = "compiled" if ours["compiled"] else "NumPy only (numba absent)"
    return (f"; CPU ours {ours['cpu']:.2f} ms ({kind}; NumPy path {ours['numpy_cpu']:.2f} ms), "
            f"peer {peer_cpu:.2f} ms")


def compile_times() -> dict:
    """Time to the end of a first ``detect_board`` and ``undistort_points`` in fresh processes
    (imports of metrology.calib and cv2 included; numba imported before, timed apart): with
    an empty on-disk kernel cache (the compile, once after an install), with the cache filled
    (every later process) and with the kernels off (``numpy``: the difference to ``warm`` is
    the cache load); CPU and wall seconds.  Empty dict without numba."""
    import os
    import subprocess
    import sys
    import tempfile

    try:
        import numba  # noqa: F401
    except ImportError:
        return {}
    code = ("import time, json, numpy as np; t0, w0 = time.process_time(), time.time(); "
            "import numba; t1, w1 = time.process_time(), time.time(); "
            "from metrology.calib import detect_board, CameraModel, Checkerboard; "
            "import cv2; g = cv2.imread('calib_images/view_00.png', 0); "
            "detect_board(g, Checkerboard(9, 6, 20.0)); "
            "CameraModel([[900., 0, 640], [0, 900., 360], [0, 0, 1]], [-.2, .05, 0, 0, 0], "
            "(1280, 720)).undistort_points(np.zeros((3, 2)) + 5); "
            "print(json.dumps([t1 - t0, w1 - w0, time.process_time() - t1, time.time() - w1]))")
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT),
               "OMP_NUM_THREADS": "1"}
        for name in ("cold", "warm", "numpy"):
            r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                               env={**env, "METROLOGY_NUMBA": "0" if name == "numpy" else "1"},
                               capture_output=True, text=True)
            imp_cpu, imp_wall, cpu, wall = json.loads(r.stdout.strip().splitlines()[-1])
            out[name] = {"cpu_s": cpu, "wall_s": wall}
            out["import_numba"] = {"cpu_s": imp_cpu, "wall_s": imp_wall}
    return out


def _opencv_detect(gray, board):
    from metrology.calib.board import _canonical_order

    ok, c = cv2.findChessboardCorners(gray, board.pattern_size)
    c = cv2.cornerSubPix(gray, c, (5, 5), (-1, -1),
                         (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-3))
    return _canonical_order(c.reshape(-1, 2), board.cols, board.rows)


def _opencv_leave_one_out(grays, board, size):
    """OpenCV's own leave-one-out: detection once, then per view a calibration without it and
    the view's pose by solvePnP; returns the hold-out RMS."""
    obj = board.object_points().astype(np.float32)
    pts = [_opencv_detect(g, board).astype(np.float32).reshape(-1, 1, 2) for g in grays]
    cv2.calibrateCamera([obj] * len(pts), pts, size, None, None)
    errs = []
    for j in range(len(pts)):
        others = [p for i, p in enumerate(pts) if i != j]
        _, K, d, _, _ = cv2.calibrateCamera([obj] * len(others), others, size, None, None)
        _, rv, tv = cv2.solvePnP(obj, pts[j], K, d)
        pr, _ = cv2.projectPoints(obj, rv, tv, K, d)
        errs.append(np.linalg.norm(pr.reshape(-1, 2) - pts[j].reshape(-1, 2), axis=1))
    return float(np.sqrt(np.mean(np.concatenate(errs) ** 2)))


def _detection_row(grays, truth, board, quick):
    from metrology.calib import detect_board

    rep = 3 if quick else 15
    ours = _both(lambda: detect_board(grays[0], board), rep)
    first = _both(lambda: detect_board(grays[0], board, refine=False), rep)
    peer_ms = median_ms(lambda: _opencv_detect(grays[0], board), repeat=rep)
    peer_cpu = _cpu_ms(lambda: _opencv_detect(grays[0], board), repeat=rep)
    e_ours = np.concatenate([detect_board(g, board).corners_xy - t for g, t in zip(grays, truth)])
    e_peer = np.concatenate([_opencv_detect(g, board) - t for g, t in zip(grays, truth)])
    rms = lambda e: float(np.sqrt(np.mean(np.sum(e ** 2, 1))))  # noqa: E731
    return Row("calib detect_board 1024x768 9x6", ours["wall"], "cv2 findCB+cornerSubPix5",
               peer_ms, f"corner RMS ours {rms(e_ours):.4f} px, peer {rms(e_peer):.4f} px"
               + _timing_note(ours, peer_cpu)
               + f"; of which OpenCV's first stage (findCB + cornerSubPix) {first['cpu']:.2f} ms",
               extra={"ours": ours, "first_stage": first, "peer_cpu_ms": peer_cpu})


def _calibration_rows(files, grays, board, true, quick):
    from metrology.calib import CameraModel, calibrate, projection_difference

    cal = {}

    def ours():
        cal["c"] = calibrate([str(f) for f in files], board, holdout=False)

    def ours_holdout():
        cal["h"] = calibrate([str(f) for f in files], board)

    def peer():
        objs = [board.object_points().astype(np.float32)] * len(grays)
        pts = [_opencv_detect(g, board).astype(np.float32).reshape(-1, 1, 2) for g in grays]
        r = cv2.calibrateCamera(objs, pts, true.image_size, None, None)
        cal["p"] = CameraModel(r[1], r[2].ravel(), true.image_size)

    def peer_holdout():
        cal["ph"] = _opencv_leave_one_out(grays, board, true.image_size)

    rep = 1 if quick else 5
    t_ours = _both(ours, rep)
    ours_ms = t_ours["wall"]
    peer_ms = median_ms(peer, repeat=rep)
    peer_cpu = _cpu_ms(peer, repeat=rep)
    d_ours = projection_difference(cal["c"].camera, true)
    d_peer = projection_difference(cal["p"], true)
    g_ours = projection_difference(cal["c"].camera, true, compensate_rotation=True)["rms_px"]
    g_peer = projection_difference(cal["p"], true, compensate_rotation=True)["rms_px"]
    rows = [Row("calib calibrate 14 views (no hold-out)", ours_ms, "cv2 classic pipeline",
                peer_ms, f"proj diff RMS ours {d_ours['rms_px']:.3f} px (max "
                         f"{d_ours['max_px']:.3f}), peer {d_peer['rms_px']:.3f} px (max "
                         f"{d_peer['max_px']:.3f}); gauge-free ours {g_ours:.3f}, peer "
                         f"{g_peer:.3f} px; focal err ours "
                         f"{abs(cal['c'].camera.fx / true.fx - 1) * 100:.4f} %, peer "
                         f"{abs(cal['p'].fx / true.fx - 1) * 100:.4f} %"
                         + _timing_note(t_ours, peer_cpu), extra={"ours": t_ours})]
    t_ours = _both(ours_holdout, rep)
    peer_ms = median_ms(peer_holdout, repeat=rep)
    peer_cpu = _cpu_ms(peer_holdout, repeat=rep)
    rows.append(Row("calib calibrate 14 views + hold-out", t_ours["wall"], "cv2 leave-one-out",
                    peer_ms, f"hold-out RMS ours {cal['h'].holdout_rms_px:.4f} px, peer "
                             f"{cal['ph']:.4f} px" + _timing_note(t_ours, peer_cpu),
                    extra={"ours": t_ours}))
    return rows


def _undistort_row(quick):
    from metrology.calib import CameraModel

    wide = CameraModel([[1157.0, 0, 667.0], [0, 1152.0, 386.0], [0, 0, 1]],
                       [-0.2466, -0.0237, -0.0011, 0.0002, 0.0292], (1280, 720))
    g = np.stack(np.meshgrid(np.linspace(0, 1279, 125), np.linspace(0, 719, 80)), -1)
    g = g.reshape(-1, 2)
    ref = wide.undistort_points(g)
    rep = 5 if quick else 31
    ours = _both(lambda: wide.undistort_points(g), rep)

    def peer():
        return cv2.undistortPoints(g.reshape(-1, 1, 2), wide.K, wide.dist, P=wide.K)

    peer_ms = median_ms(peer, repeat=rep)
    peer_cpu = _cpu_ms(peer, repeat=rep)
    cvp = cv2.undistortPoints(g.reshape(-1, 1, 2), wide.K, wide.dist, P=wide.K).reshape(-1, 2)
    e_ours = np.abs(wide.distort_points(ref) - g).max()
    e_peer = np.linalg.norm(cvp - ref, axis=1).max()
    from metrology.calib import _accel

    with _accel.disabled():
        e_numpy = np.abs(wide.undistort_points(g) - ref).max()
    return Row("calib undistort_points 10k wide lens", ours["wall"], "cv2.undistortPoints",
               peer_ms, f"max err ours {e_ours:.1e} px, peer {e_peer:.2f} px; NumPy path "
                        f"differs by {e_numpy:.1e} px" + _timing_note(ours, peer_cpu),
               extra={"ours": ours})


def run(quick: bool = False) -> list[Row]:
    from metrology.calib import CameraModel, Checkerboard

    doc = json.loads((ROOT / "calib_images" / "ground_truth.json").read_text())
    b = doc["board"]
    board = Checkerboard(b["cols"], b["rows"], b["square_mm"])
    true = CameraModel.from_dict(doc["camera"])
    files = [ROOT / "calib_images" / v["file"] for v in doc["views"]][:14]
    truth = [np.array(v["corners_xy"]) for v in doc["views"]][:14]
    grays = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one thread for both (CPU times comparable)
    try:
        return [_detection_row(grays, truth, board, quick),
                *_calibration_rows(files, grays, board, true, quick), _undistort_row(quick)]
    finally:
        cv2.setNumThreads(threads)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    for r in run(quick="--quick" in sys.argv):
        print(r)
    if "--compile" in sys.argv:
        print("compile times (fresh processes):", compile_times())
