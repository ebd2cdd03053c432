"""Shape matching vs a naive coarse-to-fine cv2.matchTemplate rotation sweep (same scenes, same run).

Scenes: 640x480, one part at a random position, any angle, scale 0.9-1.1, blur 0.7-1.5 px, noise
1-4 gray levels (issue 5).  Both methods search the full 360 deg and scales 0.9-1.1.

Peer (what users write first): templates rotated/scaled ahead of time (not timed); at 1/4
resolution a sweep of TM_CCOEFF_NORMED over 6 deg x 3 scales, then at full resolution around the
best +-6 deg in 1 deg and +-0.05 in 0.025 scale steps in a local window, then +-1 deg in 0.2 deg
steps, with a parabolic subpixel peak on the final correlation map.

Profile (issue 16; CPU time on one thread, measured on the busy shared machine, so absolute
figures are inflated; the split is what guided the work):

- before: top-level FFT correlation 4-6 ms (K = 58-80 (angle, scale) steps, FFT 90 x 108),
  tracking 3-8 ms, two thirds of it the +-1 top-step angle search just below the top
  (32 candidates x 81 poses x 160 points for the gear and the flange), refinement 4-5 ms (half
  of it bicubic sampling by fancy indexing), pyramid and fields 1-1.5 ms, Python loops in the
  de-duplication ~1 ms for the gear.
- what changed: the tracking scores each candidate's 27-81 neighbouring poses with 40 points
  first and only the best 3 with its 160 (greediness); one remap and one einsum per score
  call (OpenBLAS threaded the former matmuls, and its spinning threads made a search 2-3x
  slower in wall time on the busy machine); one FFT margin instead of two (FFT 80 x 96: the
  irfft2 batch 2x faster); bicubic samples by np.take; fields below the top level only in a
  window around the candidates; pyramid by cv2.resize; vectorised de-duplication.
- after (part B): top-level FFT ~3-4 ms (now the largest stage for the bracket, K = 80),
  tracking 3-5 ms, refinement ~3.5 ms, everything else < 1 ms.  ``workers=2`` splits the FFT
  batch over threads (same results; it helps only on an idle machine).
- then (autocorrelation step, rival pruning): the top-level angle step is widened when the
  model keeps 90 % of its score half an angle step and half a scale step off the grid (gear
  2x: K 58 -> 30; flange 1.5x: K 62 -> 42; bracket and L-part stay at 1x); with one match
  wanted, candidates at the position of a better one scoring 0.05 less (greediness 0.8) stop
  being tracked (the gear's other teeth: 10-12 candidates down to level 0 before, 1 now);
  the inverse FFT skips the rows cut off; the first refinement step uses every third point.
  Interleaved in one process with the previous commit (CPU time, one thread, 12 scenes x 5,
  machine at load ~20): new/old 0.87-0.91 bracket, 0.69-0.79 gear, 0.72-0.83 flange,
  0.97 L-part; poses within 1.4e-4 deg / 7e-5 px of the old ones (5e-4 px L-part).
- issue 12 hardening (2026-12-03 evening): every exported function checks its arguments, the
  search calls unchecked internal versions, and results built by the search skip their checks
  (the ~35 checks a find first made cost ~0.15 ms).  Alternating processes of main (5315e8d)
  and the new code, CPU time of one thread, 12 scenes x 4 per part, load 27-40: new/old
  0.89-1.08 bracket, 0.92-1.09 gear, 0.93-1.05 flange (4 rounds; equal within the noise of
  the busy machine, 13-16 ms CPU per search for both); poses identical.  Profile at that load
  (CPU per find, bracket / gear / flange): top-level FFT correlation 4.2 / 1.4 / 1.9 ms
  (bracket K = 80: its strided inverse c2c along the rows is ~60 % of it, and transposed or
  2-D inverse layouts measured no faster), tracking 2.8 / 3.2 / 3.1 ms plus 0.9-1.3 ms of
  window fields, refinement 2.8-3.4 ms; cv2.remap is ~1.4 ms of a find.
- compiled pose scoring (2026-12-03 night): with numba (``metrology._accel``, package
  "match") ``score_poses`` is one loop over poses and points (``match._kernels.score_batch``:
  cv2.remap's 1/32 px bilinear weights, no (n, P, 2) map and sample arrays, the pose
  coefficients computed inside); the NumPy path stays and is held equal
  (tests/match/test_match_accel.py: scores within 2e-5, found poses identical).  Profile
  before it (CPU, one thread, 12 scenes x 5, load 5-9; bracket / gear / flange / L-part):
  total 12.3 / 8.2 / 9.1 / 11.2 ms, of it top-level FFT 4.3 / 1.6 / 2.1 / 3.5 ms, tracking
  4.3 / 3.4 / 3.6 / 3.9 ms (2-8 / 15 / 21 / 1-5 top candidates, 1 tracked to level 0),
  refinement 3.2 / 2.5 / 2.5 / 2.8 ms; score_poses was ~14 calls per find at ~0.2 ms, two
  thirds of it per-call NumPy overhead.  Interleaved in one process, compiled vs NumPy path
  (CPU, one thread, 12 scenes x 3, load 13-16): 0.94 bracket, 0.90 gear, 0.93 flange,
  0.95 L-part; poses identical, scores within 4.2e-7.  Full run after it at load 17-19
  (CPU, one thread; ours / peer / ratio): bracket 12.6 / 157 ms / 12.5x, gear 13.0 / 175 ms /
  13.5x, flange 10.6 / 139 ms / 13.2x (the peer's idle wall is 120-135 ms, so CPU time is
  inflated ~20-30 % at this load); accuracy unchanged (pos 0.0055 / 0.0075 / 0.0082 px, angle
  0.0034 / 0.0024 / 0.0076 deg, 12/12).  Not < 10 ms for every part yet: what is left is
  spread over the top FFT (bracket K = 80 steps at the 0.9 angle retention), the window
  fields and the refinement, ~2,700 Python-level calls per find.  Quiet machine (load
  0.3-0.9, 2026-12-03 23:49, ``python benchmarks/run.py match``, wall): compiled 7.7 / 6.8 /
  7.0 ms and 7.7 / 6.7 / 7.3 ms (bracket / gear / flange), NumPy path (METROLOGY_NUMBA=0,
  main's code) 8.9 / 7.0 / 7.7 ms, peer 116-138 ms: < 10 ms either way on an idle machine.

Figures: CPU time (``time.process_time``) with one thread (OMP, OpenBLAS and OpenCV set to 1
before loading) for ours and the peer, medians; wall time beside.  On the shared machine the
wall times are inflated several-fold by other work; the CPU ratio is the figure to compare.
``--greediness`` and ``--parts`` select the configuration.
"""

from __future__ import annotations

import os

# one thread everywhere (set before NumPy/OpenCV load): CPU time then is the work of the search
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from _common import Row, median_ms  # noqa: E402

from metrology.match import ShapeModel  # noqa: E402
from metrology.synth.parts import make_part, random_pose, render_part_scene, render_template  # noqa: E402


def cpu_ms(fn, repeat: int = 7, warmup: int = 1) -> float:
    """Median CPU time (``time.process_time``, all threads of the process) of ``fn()`` in ms;
    with one thread set (OMP, OpenBLAS, ``cv2.setNumThreads(1)``) it is one thread's work."""
    return median_ms(fn, repeat=repeat, warmup=warmup, clock=time.process_time)


class NaiveMatcher:
    """Coarse-to-fine rotation/scale sweep with cv2.matchTemplate (the peer)."""

    def __init__(self, template: np.ndarray, scales=(0.9, 1.0, 1.1)):
        import cv2

        self.cv2 = cv2
        self.tpl = template.astype(np.float32)
        self.bg = float(np.median(np.concatenate([template[0], template[-1]])))
        self.scales = scales
        self.coarse = {}
        small = cv2.resize(self.tpl, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
        for a in np.arange(-180, 180, 6.0):
            for s in scales:
                self.coarse[(a, s)] = self._warp(small, a, s)
        self._cache: dict = {}

    def _warp(self, img, angle, scale):
        cv2 = self.cv2
        h, w = img.shape
        d = int(np.ceil(np.hypot(h, w) * scale)) + 2
        d += (d + 1) % 2  # odd size: exact centre pixel
        c = (d - 1) / 2.0
        # our angle convention (clockwise on screen) is cv2's negative angle
        M = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), -angle, scale)
        M[:, 2] += c - np.array([(w - 1) / 2.0, (h - 1) / 2.0])
        return cv2.warpAffine(img, M, (d, d), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=self.bg)

    def _full(self, angle, scale):
        key = (round(angle, 3), round(scale, 4))
        if key not in self._cache:
            self._cache[key] = self._warp(self.tpl, angle, scale)
        return self._cache[key]

    def find(self, image: np.ndarray):
        cv2 = self.cv2
        img = image.astype(np.float32)
        small = cv2.resize(img, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
        best = (-2.0, None)
        for (a, s), t in self.coarse.items():  # the naive sweep: one matchTemplate per step
            r = cv2.matchTemplate(small, t, cv2.TM_CCOEFF_NORMED)
            _, v, _, loc = cv2.minMaxLoc(r)
            if v > best[0]:
                best = (v, (a, s, loc[0] + (t.shape[1] - 1) / 2.0, loc[1] + (t.shape[0] - 1) / 2.0))
        a, s, x, y = best[1]
        x, y = 4 * x + 1.5, 4 * y + 1.5
        for angles, scales, win in ((np.arange(a - 6, a + 6.01, 1.0), np.arange(s - 0.05, s + 0.051, 0.025), 8),
                                    (np.arange(-1, 1.01, 0.2), np.array([0.0]), 3)):
            if win == 3:
                angles, scales = a + angles, np.array([s])
            best = (-2.0, None)
            for aa in angles:
                for ss in scales:
                    t = self._full(aa, ss)
                    th, tw = t.shape
                    x0 = int(round(x - (tw - 1) / 2)) - win
                    y0 = int(round(y - (th - 1) / 2)) - win
                    x0c, y0c = max(x0, 0), max(y0, 0)
                    roi = img[y0c:y0 + th + 2 * win, x0c:x0 + tw + 2 * win]
                    if roi.shape[0] < th or roi.shape[1] < tw:
                        continue
                    r = cv2.matchTemplate(roi, t, cv2.TM_CCOEFF_NORMED)
                    _, v, _, loc = cv2.minMaxLoc(r)
                    if v > best[0]:
                        px, py = loc
                        dx = dy = 0.0
                        if 0 < px < r.shape[1] - 1:
                            l, c, rr = r[py, px - 1], r[py, px], r[py, px + 1]
                            dx = 0.5 * (l - rr) / (l - 2 * c + rr) if (l - 2 * c + rr) < 0 else 0.0
                        if 0 < py < r.shape[0] - 1:
                            l, c, rr = r[py - 1, px], r[py, px], r[py + 1, px]
                            dy = 0.5 * (l - rr) / (l - 2 * c + rr) if (l - 2 * c + rr) < 0 else 0.0
                        best = (v, (aa, ss, x0c + px + dx + (tw - 1) / 2.0, y0c + py + dy + (th - 1) / 2.0))
            a, s, x, y = best[1]
        return x, y, a, s


def _scenes(name: str, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    part = make_part(name)
    out = []
    for _ in range(n):
        pose = random_pose(rng, part, (480, 640))
        sc = render_part_scene(part, [pose], psf_sigma_px=float(rng.uniform(0.7, 1.5)),
                               noise_sigma=float(rng.uniform(1, 4)), rng=rng)
        out.append((sc.image, pose))
    return out


def _errors(results, scenes):
    pos, ang, scl = [], [], []
    for (x, y, a, s), (_, t) in zip(results, scenes, strict=True):
        pos.append(np.hypot(x - t.x, y - t.y))
        ang.append((a - t.angle_deg + 180) % 360 - 180)
        scl.append(s / t.scale - 1)
    pos, ang, scl = map(np.asarray, (pos, ang, scl))
    hit = (pos < 2.0) & (np.abs(ang) < 1.0)
    return {"pos_rms_px": float(np.sqrt(np.mean(pos[hit] ** 2))) if hit.any() else float("nan"),
            "angle_rms_deg": float(np.sqrt(np.mean(ang[hit] ** 2))) if hit.any() else float("nan"),
            "scale_rms_pct": float(100 * np.sqrt(np.mean(scl[hit] ** 2))) if hit.any() else float("nan"),
            "found": f"{int(hit.sum())}/{len(hit)}"}


def run(quick: bool = False, greediness: float = 0.8, workers2: bool = False,
        parts: tuple[str, ...] = ("bracket", "gear", "flange")) -> list[Row]:
    import cv2

    cv2.setNumThreads(1)
    rows = []
    n = 4 if quick else 12
    repeat = 3 if quick else 7
    for name in parts:
        tpl = render_template(name).image
        tracemalloc.start()
        t0 = time.perf_counter()
        model = ShapeModel.create(tpl, scale_range=(0.9, 1.1))
        create_ms = (time.perf_counter() - t0) * 1e3
        _, peak_create = tracemalloc.get_traced_memory()
        scenes = _scenes(name, n)
        model.find(scenes[0][0])  # builds the per-image-size FFT kernel bank (cached)
        _, peak_find = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        bank_mb = sum(b.nbytes for b in model.kernel_banks) / 2 ** 20
        peer = NaiveMatcher(tpl)
        ours_res, peer_res = [], []
        ours_t, peer_t, ours_cpu, peer_cpu = [], [], [], []
        ours_w2, stages = [], {}
        for img, _ in scenes:
            def ours(m=model, im=img):
                return m.find(im, greediness=greediness)

            def theirs(p=peer, im=img):
                return p.find(im)

            ours_t.append(median_ms(ours, repeat=repeat, warmup=1))
            ours_cpu.append(cpu_ms(ours, repeat=repeat, warmup=0))
            if workers2:
                ours_w2.append(median_ms(lambda m=model, im=img: m.find(
                    im, greediness=greediness, workers=2), repeat=repeat, warmup=0))
            m = ours()
            for k, v in m.stats.stage_ms.items():
                stages.setdefault(k, []).append(v)
            ours_res.append((m[0].pose.x, m[0].pose.y, m[0].pose.angle_deg, m[0].pose.scale)
                            if m else (1e9, 1e9, 0.0, 1.0))
            peer_t.append(median_ms(theirs, repeat=max(1, repeat // 3), warmup=0))
            peer_cpu.append(cpu_ms(theirs, repeat=max(1, repeat // 3), warmup=0))
            peer_res.append(theirs())
        eo, ep = _errors(ours_res, scenes), _errors(peer_res, scenes)
        acc = (f"ours pos {eo['pos_rms_px']:.4f}px ang {eo['angle_rms_deg']:.4f}deg "
               f"scale {eo['scale_rms_pct']:.4f}% found {eo['found']}; peer pos "
               f"{ep['pos_rms_px']:.3f}px ang {ep['angle_rms_deg']:.3f}deg scale "
               f"{ep['scale_rms_pct']:.3f}% found {ep['found']}")
        oc, pc = float(np.median(ours_cpu)), float(np.median(peer_cpu))
        rows.append(Row(f"match find {name} 640x480 360deg s0.9-1.1", float(np.median(ours_t)),
                        "cv2.matchTemplate sweep", float(np.median(peer_t)), acc,
                        {"create_ms": create_ms, "create_peak_mb": peak_create / 2 ** 20,
                         "first_find_peak_mb": peak_find / 2 ** 20, "fft_bank_mb": bank_mb,
                         "model_points": [len(model.level_points(i)) for i in range(model.num_levels)],
                         "greediness": greediness,
                         "ours_cpu_ms_median": oc, "peer_cpu_ms_median": pc,
                         "cpu_ratio": pc / oc,
                         "ours_workers2_ms": float(np.median(ours_w2)) if ours_w2 else None,
                         "stage_ms_median": {k: float(np.median(v)) for k, v in stages.items()},
                         "ours": eo, "peer": ep}))
        print(f"# {name} (greediness {greediness}): model creation {create_ms:.1f} ms, "
              f"points/level {rows[-1].extra['model_points']}, bank {bank_mb:.1f} MiB; "
              f"CPU (one thread) ours {oc:.2f} ms, peer {pc:.1f} ms, ratio {pc / oc:.2f}x; "
              f"wall ours {np.median(ours_t):.2f} ms, peer {np.median(peer_t):.1f} ms"
              + (f", workers=2 {np.median(ours_w2):.2f} ms" if ours_w2 else "")
              + "; stages " + ", ".join(f"{k} {np.median(v):.2f}" for k, v in stages.items()),
              flush=True)
    return rows


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--greediness", type=float, default=0.8)
    ap.add_argument("--workers2", action="store_true")
    ap.add_argument("--parts", default="bracket,gear,flange")
    a = ap.parse_args()
    for r in run(quick=a.quick, greediness=a.greediness, workers2=a.workers2,
                 parts=tuple(a.parts.split(","))):
        print(f"{r.name}: ours {r.ours_ms:.2f} ms, peer {r.peer_ms:.2f} ms, ratio {r.ratio:.1f}x "
              f"(CPU {r.extra['cpu_ratio']:.1f}x); {r.accuracy}")
