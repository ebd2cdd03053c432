"""Anomaly scoring on colour parts: the chroma channel (``chroma_scan``, on by default for
colour banks since 2026-12-05, eleventh session) against the same bank scored as gray (the
channel off: how colour images were scored before), in the same process.

Sets: the generator's parts (``metrology.synth.defects``, jittered +-3 px / +-2 deg, lighting
+-10 %) in a material's colour (``metrology.synth.colour.colourise``: an isoluminant colour
drift of 1.5 % over 24 px, a 1 % shift per part, 1.5 gray levels of noise per channel): 100
training parts, 30 good, 12 each of four gray kinds (scratch, spot, dent, stain, as rendered,
then coloured) and 12 each of two discolourations that keep the luminance (``discolour``:
6-15 % along a colour direction, on the footprints of the generator's stain and watermark).
``--quick``: 40 training parts, 15 good, 6 per kind.  Rule 39 (docs/anomaly-log.md, *Colour parts:
the chroma channel*) judged the channel on held-outs 13, 18 and 21; tune and held-out 1 were
its development sets.

Per set: AUROC per kind with the channel off and on, the mean of the gray kinds, the map
maximum on the discolouration (its footprint dilated by 4 px), and the scoring time per image
(CPU, one thread, median, on and off interleaved on the same bank).

Real photos (``../shared/data/calib/udacity_carnd``: 20 colour JPEGs of a checkerboard on a
stucco wall; skipped with a message when absent): crops of the wall, training from the even
photos, test from the odd ones; 96 px crops discoloured or darkened, and 128 px crops with the
generator's ten surface kinds pasted (``paste_defects``), scored by the colour bank with and
without the channel and by a gray bank of the same crops.

Usage: ``python benchmarks/bench_anomaly_colour.py [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import Row  # noqa: E402
from metrology.anomaly import PatchCore  # noqa: E402
from metrology.synth.colour import colourise, discolour  # noqa: E402
from metrology.synth.defects import make_defect_set  # noqa: E402

JITTER = dict(placement_px=3.0, placement_deg=2.0, lighting=0.10)
GRAY_KINDS = ("scratch", "spot", "dent", "stain")
#: (discolouration, the generator kind whose footprint it takes)
TINT_KINDS = (("tint blob", "stain"), ("tint ring", "watermark"))
#: name: (layout, texture, seed, tint); the seeds are the gray sets' (bench_anomaly.py)
SETS = {"tune (plate, brushed, steel)": ("plate", "brushed", 100, "steel"),
        "held-out 1 (bracket, milled, blue)": ("bracket", "milled", 200, "blue"),
        "held-out 13 (panel, painted, red)": ("panel", "painted", 2900, "red"),
        "held-out 18 (rotor, wrinkled, gold)": ("rotor", "wrinkled", 3900, "gold"),
        "held-out 21 (cruciform, jewelled, brass)": ("cruciform", "jewelled", 4500, "brass")}


def colour_set(layout, texture, seed, tint, n_train, n_good, n_per):
    """(training images, test images, kinds, masks) of one colour set (module docstring)."""
    kw = dict(layout=layout, texture=texture, **JITTER)
    rng = np.random.default_rng(seed + 99)
    train = [colourise(s.image, tint, rng=rng)
             for s in make_defect_set(n_train, (), 0, seed=seed, **kw)]
    test = make_defect_set(n_good, GRAY_KINDS, n_per, seed=seed + 1, **kw)
    imgs = [colourise(s.image, tint, rng=rng) for s in test]
    kinds, masks = [s.kind for s in test], [s.mask for s in test]
    for name, src in TINT_KINDS:
        for s in make_defect_set(0, (src,), n_per, seed=seed + 7, contrast_scale=1e-6, **kw):
            imgs.append(discolour(colourise(s.image, tint, rng=rng), s.mask, tint, rng=rng,
                                  amplitude=rng.uniform(0.06, 0.15)))
            kinds.append(name)
            masks.append(s.mask)
    return train, imgs, np.array(kinds), masks


def _auroc(good, bad) -> float:
    good, bad = np.asarray(good), np.asarray(bad)
    return float(((bad[:, None] > good[None]).sum() + 0.5 * (bad[:, None] == good[None]).sum())
                 / (len(good) * len(bad)))


def _per_kind(scores, kinds) -> dict:
    good = scores[kinds == "good"]
    return {k: _auroc(good, scores[kinds == k]) for k in dict.fromkeys(kinds) if k != "good"}


def _interleaved_ms(pc, img, repeat) -> tuple[float, float]:
    """Median CPU ms of one score with the channel on and off, alternated (the machine's
    load moves both alike)."""
    ch, on, off = pc._chroma, [], []
    pc.score(img)
    try:
        for _ in range(repeat):
            for store, chan in ((on, ch), (off, None)):
                pc._chroma = chan
                t0 = time.process_time()
                pc.score(img)
                store.append((time.process_time() - t0) * 1e3)
    finally:
        pc._chroma = ch
    return statistics.median(on), statistics.median(off)


def _one_set(name, spec, quick, rep) -> Row:
    if spec is None:
        train, imgs, kinds, masks = _wall_set(quick)
    else:
        train, imgs, kinds, masks = colour_set(*spec, *((40, 15, 6) if quick else (100, 30, 12)))
    c0 = time.process_time()
    pc = PatchCore().fit(train)
    fit_s = time.process_time() - c0
    on, peaks = [], []
    for im, m, k in zip(imgs, masks, kinds):
        r = pc.score(im)
        on.append(r.score)
        if k.startswith("tint"):
            near = cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
            peaks.append(bool(near[np.unravel_index(np.argmax(r.map), r.map.shape)]))
    ch, pc._chroma = pc._chroma, None
    try:
        off = [pc.score(im).score for im in imgs]
    finally:
        pc._chroma = ch
    a_on, a_off = _per_kind(np.array(on), kinds), _per_kind(np.array(off), kinds)
    gray = [k for k in a_on if not k.startswith("tint")]
    g_on, g_off = (float(np.mean([a[k] for k in gray])) for a in (a_on, a_off))
    on_ms, off_ms = _interleaved_ms(pc, imgs[0], max(rep, 15))
    acc = (f"gray kinds {g_off:.4f} -> {g_on:.4f}; "
           + " ".join(f"{k} {a_off[k]:.3f}->{a_on[k]:.3f}" for k in a_on)
           + f"; discolouration peak on defect {100 * np.mean(peaks):.0f} %; fit {fit_s:.1f} s "
             f"CPU ({pc.info['chroma_scan']}, {pc.info.get('chroma_scan_seconds', 0):.2f} s)")
    return Row(f"anomaly colour {name}: chroma_scan auto vs off", on_ms,
               "same bank, channel off", off_ms, acc,
               {"auroc_on": a_on, "auroc_off": a_off, "gray_on": g_on, "gray_off": g_off,
                "peak": float(np.mean(peaks)), "fit_cpu_s": fit_s})


#: the real colour photos: a checkerboard on a stucco wall (../shared/data, its README)
WALL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "calib" / "udacity_carnd"
WALL_PX = 96


def wall_crops(size: int = WALL_PX) -> list[tuple[int, np.ndarray]]:
    """(photo index, crop) of every ``size`` x ``size`` crop of the wall in the real photos:
    outside the board (the convex hull of its dark squares) by 60 px and 16 px inside the
    photo."""
    out = []
    for i, f in enumerate(sorted(WALL_DIR.glob("*.jpg"))):
        im = cv2.imread(str(f), cv2.IMREAD_COLOR)
        g = cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)
        dark = cv2.morphologyEx((g < 90).astype(np.uint8), cv2.MORPH_OPEN,
                                np.ones((9, 9), np.uint8))
        board = np.zeros_like(g)
        pts = cv2.findNonZero(dark)
        if pts is not None:
            cv2.fillConvexPoly(board, cv2.convexHull(pts), 1)
        wall = cv2.erode((board == 0).astype(np.uint8), np.ones((121, 121), np.uint8))
        for y in range(16, g.shape[0] - size - 16, size):
            for x in range(16, g.shape[1] - size - 16, size):
                if wall[y:y + size, x:x + size].all():
                    out.append((i, im[y:y + size, x:x + size].copy()))
    return out


def _wall_split(size: int, seed: int):
    """(generator, training crops from the even photos, test crops from the odd ones, both
    shuffled, number of crops)."""
    crops = wall_crops(size)
    rng = np.random.default_rng(seed)
    train = [c for i, c in crops if i % 2 == 0]
    test = [c for i, c in crops if i % 2 == 1]
    rng.shuffle(train)
    rng.shuffle(test)
    return rng, train, test, len(crops)


#: the generator's surface kinds pasted on the real wall (``paste_defects``)
WALL_KINDS = ("scratch", "spot", "dent", "crack", "stain", "pits", "gouge", "hairline",
              "chatter", "scuff")


def _wall_defects(quick, rep) -> Row:
    """The real wall (128 x 128 crops, colour) with the generator's surface defects pasted
    (``paste_defects``: the same change in each channel): the colour bank with the chroma
    channel (the default), without it, and a gray bank of the same crops (a gray camera's
    default), trained on the even photos, tested on the odd."""
    from metrology.image.io import as_gray
    from metrology.synth.defects import paste_defects

    rng, train, test, n_crops = _wall_split(128, 5)
    n_train, n_good, n_per = (40, 20, 4) if quick else (100, 40, 8)
    imgs, kinds = list(test[:n_good]), ["good"] * n_good
    rest = iter(test[n_good:])
    for k in WALL_KINDS:
        for _ in range(n_per):
            imgs.append(paste_defects(next(rest), k, rng=rng).image)
            kinds.append(k)
    kinds = np.array(kinds)
    colour_pc = PatchCore().fit(train[:n_train])
    on = np.array([colour_pc.score(im).score for im in imgs])
    ch, colour_pc._chroma = colour_pc._chroma, None
    off = np.array([colour_pc.score(im).score for im in imgs])
    colour_pc._chroma = ch
    gray_pc = PatchCore().fit([as_gray(c) for c in train[:n_train]])
    gray = np.array([gray_pc.score(as_gray(im)).score for im in imgs])
    res = {name: _per_kind(v, kinds) for name, v in (("on", on), ("off", off), ("gray", gray))}
    mean = {name: float(np.mean(list(r.values()))) for name, r in res.items()}
    on_ms, off_ms = _interleaved_ms(colour_pc, imgs[0], max(rep, 15))
    acc = (f"AUROC colour bank {mean['on']:.3f} (chroma off {mean['off']:.3f}), gray bank "
           f"{mean['gray']:.3f}; per kind (on / gray): "
           + " ".join(f"{k} {res['on'][k]:.3f}/{res['gray'][k]:.3f}" for k in WALL_KINDS)
           + f"; {n_crops} crops; jet {colour_pc.info['jet_scan'][:3]}")
    return Row("anomaly real wall (udacity_carnd), generator defects pasted", on_ms,
               "same bank, chroma off", off_ms, acc, {"auroc": res, "mean": mean})


def _ellipse(rng) -> np.ndarray:
    m = np.zeros((WALL_PX, WALL_PX), np.uint8)
    c = tuple(int(v) for v in rng.integers(24, WALL_PX - 24, 2))
    ax = tuple(int(v) for v in rng.integers(6, 18, 2))
    cv2.ellipse(m, c, ax, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    return m > 0


def _wall_set(quick):
    """Training crops from the even photos, test crops from the odd ones: good, discoloured
    (``discolour`` on an ellipse, 6-15 %, along a direction that keeps the wall crop's own
    luminance) and darkened (a gray spot: the three channels times 1 - 4-10 % on an
    ellipse, soft-edged)."""
    rng, train, test, _ = _wall_split(WALL_PX, 3)
    n_train, n_good, n_per = (40, 30, 10) if quick else (100, 60, 30)
    good, rest = test[:n_good], test[n_good:]
    imgs, kinds, masks = list(good), ["good"] * n_good, [np.zeros((WALL_PX,) * 2, bool)] * n_good
    for j in range(n_per):
        m = _ellipse(rng)
        base = rest[j]
        imgs.append(discolour(base, m, base.reshape(-1, 3).mean(0), rng=rng,
                              amplitude=rng.uniform(0.06, 0.15)))
        kinds.append("tint blob")
        masks.append(m)
        m = _ellipse(rng)
        w = cv2.GaussianBlur(m.astype(np.float32), (0, 0), 2.0)
        w /= w.max()
        dark = rest[n_per + j].astype(np.float32) * (1 - rng.uniform(0.04, 0.10) * w[..., None])
        imgs.append(np.clip(np.round(dark), 0, 255).astype(np.uint8))
        kinds.append("gray spot")
        masks.append(m)
    return train[:n_train], imgs, np.array(kinds), masks


def run(quick: bool = False) -> list[Row]:
    rows = []
    for name, spec in SETS.items():
        rows.append(_one_set(name, spec, quick, 5 if quick else 15))
        _print(rows[-1])
    if not WALL_DIR.is_dir():
        print(f"real wall photos skipped: {WALL_DIR} is absent (../shared/data)")
        return rows
    rows.append(_one_set("real wall (udacity_carnd photos)", None, quick, 5 if quick else 15))
    _print(rows[-1])
    rows.append(_wall_defects(quick, 5 if quick else 15))
    _print(rows[-1])
    return rows


def _print(r: Row) -> None:
    print(f"{r.name:60s} {r.ours_ms:7.1f} ms  {r.peer} {r.peer_ms:7.1f} ms  {r.accuracy}",
          flush=True)


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
