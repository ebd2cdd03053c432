"""Pretrained backbones on real photographed surfaces: EfficientNet-Lite0, Lite1 and Lite2
features (extra ``[deep]``) beside the classical default, one bank each on the same parts.

Surfaces, all real photographs with the generator's defects drawn on them:

* scikit-image's CC0 textures ``brick``, ``gravel``, ``grass`` and ``moon`` (gray), and its
  bundled ``hubble_deep_field`` (its luminance: sparse bright galaxies on a dark sky, the one
  real photo of a strongly one-sided face here, added for rule 56), drawn as
  ``bench_anomaly.py --part=skimage`` draws them (plate layout, training from the photo's left
  300 columns, test from column 212 on) but with a larger test set: 40 training parts, 40
  good, 12 of each of the five surface kinds;
* the stucco wall of ``../shared/data/calib/udacity_carnd`` (gray 128 x 128 crops, training
  from the even photos, test from the odd; the ten surface kinds pasted, 8 each; 100 training
  crops, 40 good), as ``bench_anomaly_colour.py``'s wall part draws them; skipped with a
  message when ``../shared`` is absent.

Each row: the mean over kinds of each kind's image AUROC against the good parts, per
extractor, and the CPU time of one score (one thread, median of 5).  Skipped, naming the
extra, where torch or a weights package is missing.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_anomaly_pretrained.py [--quick]`` (about 6
minutes; ``--quick`` fits on 20 parts and tests 15 good and 4 per kind).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from _common import Row
from bench_anomaly import JITTER, TEXTURE_KINDS
from bench_anomaly_colour import WALL_DIR, WALL_KINDS, _print, _wall_split
from metrology.anomaly import PatchCore, auroc
from metrology.image.io import as_gray
from metrology.synth.defects import make_defect_set, paste_defects

EXTRACTORS = ("classical", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")
PHOTOS = ("brick", "gravel", "grass", "moon", "hubble_deep_field")


def _photo_set(name: str, quick: bool):
    from skimage import data

    photo = getattr(data, name)()
    if photo.ndim == 3:   # the Hubble deep field is colour: its luminance, 0-255
        from skimage.color import rgb2gray

        photo = rgb2gray(photo) * 255.0
    n_tr, n_g, n_p = (20, 15, 4) if quick else (40, 40, 12)
    kw = dict(shape=(256, 256), texture_amplitude=4.0, **JITTER)
    train = make_defect_set(n_tr, (), 0, seed=400, texture=photo[:, :300], **kw)
    test = make_defect_set(n_g, TEXTURE_KINDS, n_p, seed=401, texture=photo[:, 212:], **kw)
    return [s.image for s in train], [s.image for s in test], [s.kind for s in test]


def _wall_set(quick: bool):
    rng, train, test, _ = _wall_split(128, 5)
    n_tr, n_g, n_p = (40, 15, 4) if quick else (100, 40, 8)
    imgs, kinds = [as_gray(c) for c in test[:n_g]], ["good"] * n_g
    rest = iter(test[n_g:])
    for k in WALL_KINDS:
        for _ in range(n_p):
            imgs.append(as_gray(paste_defects(next(rest), k, rng=rng).image))
            kinds.append(k)
    return [as_gray(c) for c in train[:n_tr]], imgs, kinds


def _score_set(name: str, train, imgs, kinds, extractors) -> Row:
    kinds = np.array(kinds)
    means, times = {}, {}
    for ex in extractors:
        pc = PatchCore(ex).fit(train)
        sc = np.array([pc.score(im).score for im in imgs])
        good = sc[kinds == "good"]
        means[ex] = float(np.mean([auroc(good, sc[kinds == k])
                                   for k in sorted(set(kinds) - {"good"})]))
        ts = []
        for _ in range(5):
            t = time.process_time()
            pc.score(imgs[0])
            ts.append(time.process_time() - t)
        times[ex] = float(np.median(ts)) * 1e3
    best = max((e for e in extractors if e != "classical"), key=lambda e: means[e])
    acc = "; ".join(f"{e} {means[e]:.3f} ({times[e]:.0f} ms)" for e in extractors)
    return Row(f"anomaly pretrained models: {name}", times[best], "classical",
               times["classical"], f"mean AUROC over kinds: {acc}",
               {"auroc": means, "score_ms": times})


def run(quick: bool = False) -> list[Row]:
    try:
        from metrology.anomaly.efficientnet import EfficientNetFeatures

        for ex in EXTRACTORS[1:]:
            EfficientNetFeatures(variant=ex)
    except ImportError as exc:
        print(f"pretrained models skipped: extra [deep] not installed ({exc}); "
              f"pip install \"metrology[deep]\"")
        return []
    rows = []
    for name in PHOTOS:
        rows.append(_score_set(name, *_photo_set(name, quick), EXTRACTORS))
        _print(rows[-1])
    if not WALL_DIR.is_dir():
        print(f"real wall photos skipped: {WALL_DIR} is absent (../shared/data)")
        return rows
    rows.append(_score_set("stucco wall (udacity_carnd), gray", *_wall_set(quick), EXTRACTORS))
    _print(rows[-1])
    return rows


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
