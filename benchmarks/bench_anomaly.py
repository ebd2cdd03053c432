"""Anomaly scoring: PatchCore (classical features) against a per-pixel z-score baseline.

Data: rendered brushed-metal part faces (``metrology.synth.defects``), 256 x 256, small random
placement (+-3 px, +-1.5 deg) and lighting (+-6 % gain and ramp), 40 good training images; test
set of good parts and parts with scratches, spots and soft dents (and missing features, which a
position-free PatchCore is not meant to see; the ``position_weight`` variant is shown too).

Peer: the naive baseline a user would write first: per-pixel mean and standard deviation of the
training images, anomaly map ``|I - mean| / std`` smoothed like ours, image score = map maximum.

Rows: scoring time + AUROC (per defect type) + localisation, fit time + bank size, the greedy
coreset on 100 000 patches against a naive implementation (with the covering radius against a
random subset of the same size), nearest-neighbour search brute force vs cKDTree.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from _common import Row, median_ms
from metrology.anomaly import NearestNeighbors, PatchCore, auroc, greedy_coreset
from metrology.synth.defects import make_defect_set

KINDS = ("scratch", "spot", "dent")


class ZScoreBaseline:
    """Per-pixel mean/std of aligned good images; map = |I - mean| / std (smoothed)."""

    def fit(self, images):
        x = np.stack([im.astype(np.float32) for im in images])
        self.mean = x.mean(0)
        self.std = x.std(0) + 1.0  # +1 gray level: 8-bit quantisation floor
        return self

    def score(self, image):
        z = np.abs(image.astype(np.float32) - self.mean) / self.std
        m = cv2.GaussianBlur(z, (0, 0), 4.0)
        return float(m.max()), m


def _hit(sample, max_xy, tol_px=4):
    k = 2 * tol_px + 1
    m = cv2.dilate(sample.mask.astype(np.uint8), np.ones((k, k), np.uint8))
    return bool(m[int(round(max_xy[1])), int(round(max_xy[0]))])


def _summary(scores, kinds, hits):
    good = scores[kinds == "good"]
    per = {k: auroc(good, scores[kinds == k]) for k in KINDS if np.any(kinds == k)}
    three = auroc(good, scores[np.isin(kinds, KINDS)])
    miss = auroc(good, scores[kinds == "missing"]) if np.any(kinds == "missing") else float("nan")
    return three, per, miss, float(np.mean(hits))


def run(quick: bool = False) -> list[Row]:
    n_train, n_good, n_per = (20, 10, 6) if quick else (40, 30, 20)
    train = [s.image for s in make_defect_set(n_train, (), 0, shape=(256, 256), seed=1)]
    test = make_defect_set(n_good, KINDS + ("missing",), n_per, shape=(256, 256), seed=2)
    kinds = np.array([s.kind for s in test])
    rows: list[Row] = []

    t0 = time.perf_counter()
    pc = PatchCore().fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = ZScoreBaseline().fit(train)
    base_fit_s = time.perf_counter() - t0

    res = [pc.score(s.image) for s in test]
    ours = _summary(np.array([r.score for r in res]), kinds,
                    [_hit(s, r.max_xy) for s, r in zip(test, res) if s.kind in KINDS])
    bres = [base.score(s.image) for s in test]
    bxy = [np.unravel_index(int(np.argmax(m)), m.shape)[::-1] for _, m in bres]
    theirs = _summary(np.array([b[0] for b in bres]), kinds,
                      [_hit(s, xy) for s, xy in zip(test, bxy) if s.kind in KINDS])
    img = test[-1].image
    rep = 5 if quick else 15
    ours_ms = median_ms(lambda: pc.score(img), repeat=rep)
    base_ms = median_ms(lambda: base.score(img), repeat=rep)
    per = " ".join(f"{k} {v:.3f}" for k, v in ours[1].items())
    bper = " ".join(f"{k} {v:.3f}" for k, v in theirs[1].items())
    rows.append(Row(
        "anomaly: score 256x256 (PatchCore classical)", ours_ms, "per-pixel z-score", base_ms,
        f"AUROC ours {ours[0]:.3f} ({per}), loc {100 * ours[3]:.0f} %; z-score "
        f"{theirs[0]:.3f} ({bper}), loc {100 * theirs[3]:.0f} %",
        {"bank_size": pc.bank_size, "feature_dim": pc.info["feature_dim"],
         "nn": pc.info["nn_method"], "auroc_missing_ours": ours[2],
         "auroc_missing_zscore": theirs[2], "n_train": n_train, "n_test": len(test)}))
    rows.append(Row(f"anomaly: fit {n_train} images", fit_s * 1e3, "per-pixel z-score fit",
                    base_fit_s * 1e3,
                    f"bank {pc.bank_size} x {pc.info['feature_dim']} from "
                    f"{pc.info['patches_total']} patches; coreset {pc.info['coreset_seconds']:.1f}"
                    f" s", dict(pc.info)))

    # optional position channels (fixtured parts): missing features become visible
    pcp = PatchCore(position_weight=0.25).fit(train)
    rp = [pcp.score(s.image) for s in test]
    posd = _summary(np.array([r.score for r in rp]), kinds,
                    [_hit(s, r.max_xy) for s, r in zip(test, rp) if s.kind in KINDS])
    rows.append(Row("anomaly: position_weight=0.25 variant", median_ms(lambda: pcp.score(img),
                                                                        repeat=rep),
                    "per-pixel z-score", base_ms,
                    f"AUROC 3 kinds {posd[0]:.3f}, missing feature {posd[2]:.3f} (position-free "
                    f"{ours[2]:.3f}, z-score {theirs[2]:.3f})"))

    # greedy coreset on 100k patches (our real features), against a naive loop
    feats = np.concatenate([pc._normalise(pc._raw_patches(im)).reshape(-1, pc.info["feature_dim"])
                            for im in train])
    rng = np.random.default_rng(0)
    x = feats[rng.choice(len(feats), min(100_000, len(feats)), replace=False)]
    n_sel = 1000 if not quick else 300

    def naive():
        sel = [0]
        d = np.linalg.norm(x - x[0], axis=1)
        for _ in range(n_sel - 1):
            j = int(np.argmax(d))
            sel.append(j)
            d = np.minimum(d, np.linalg.norm(x - x[j], axis=1))
        return sel

    t0 = time.perf_counter()
    sel = greedy_coreset(x, n_sel, rng=0)
    core_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    naive()
    naive_ms = (time.perf_counter() - t0) * 1e3
    nn_g = NearestNeighbors(x[sel], "brute").query(x)[0].max()
    rnd = rng.choice(len(x), n_sel, replace=False)
    nn_r = NearestNeighbors(x[rnd], "brute").query(x)[0].max()
    rows.append(Row(f"anomaly: greedy coreset {len(x)} -> {n_sel}", core_ms,
                    "naive norm loop", naive_ms,
                    f"covering radius {nn_g:.2f} vs random subset {nn_r:.2f}"))

    # nearest-neighbour search for one image against the bank
    q = pc._normalise(pc._raw_patches(img)).reshape(-1, pc.info["feature_dim"])
    brute = NearestNeighbors(pc.bank, "brute")
    tree = NearestNeighbors(pc.bank, "kdtree")
    db = brute.query(q)[0]
    dt = tree.query(q)[0]
    rows.append(Row(f"anomaly: NN {len(q)} patches vs bank {pc.bank_size}",
                    median_ms(lambda: brute.query(q), repeat=rep), "scipy cKDTree",
                    median_ms(lambda: tree.query(q), repeat=max(3, rep // 3)),
                    f"max |d_brute - d_tree| {float(np.abs(db - dt).max()):.1e}"))
    return rows


if __name__ == "__main__":
    import sys

    for r in run(quick="--quick" in sys.argv):
        print(f"{r.name:48s} {r.ours_ms:10.1f} ms  {r.peer:24s} {r.peer_ms:10.1f} ms  "
              f"x{r.ratio:5.1f}  {r.accuracy}")
