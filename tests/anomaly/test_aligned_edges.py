"""The edge-support half of the position-aware check (metrology/anomaly/_aligned_edges.py) on
rendered ladder parts (metrology/synth/_missing_features.py): a missing small hole is caught
where the brightness band alone misses it, good jittered parts raise no false alarm, old banks
without the edge arrays load, damaged edge arrays are refused; the coarse scale (rule 61)
catches a missing hole on a coarse ridge lay that the fine scale takes for the lay's own
edges, and banks written before it load and score with the fine scale only.

Parts of 160 x 160: the ladder's holes have radius 2.6-5.1 px (``SMALL_RADII`` x 160), smaller
than the benchmark's 4.1-8.2 px at 256 x 256; placement jitter +-3 px / +-2 deg and lighting
+-10 % as in the benchmark, parts cut at their pose with a match error of 0.2 px / 0.05 deg.
"""

import copy
import dataclasses
import json

import numpy as np
import pytest

from metrology.anomaly import PatchCore, auroc
from metrology.anomaly.aligned import AlignedModel
from metrology.anomaly.hook import aligned_crop
from metrology.core.pose import Pose2D
from metrology.errors import FileFormatError
from metrology.synth._missing_features import ladder_layout, render_feature_sample

SHAPE = (160, 160)
JITTER = dict(placement_px=3.0, placement_deg=2.0, lighting=0.10)


def _crop(sample, rng, shape=SHAPE):
    p = sample.pose
    pose = Pose2D(p.x + rng.normal(0, 0.2), p.y + rng.normal(0, 0.2),
                  p.angle_deg + rng.normal(0, 0.05), 1.0)
    return aligned_crop(sample.image, pose, (0.0, 0.0), shape[::-1])


@pytest.fixture(scope="module")
def parts():
    rng = np.random.default_rng(7)
    train = [_crop(render_feature_sample(SHAPE, rng=100 + i, **JITTER), rng) for i in range(20)]
    good = [_crop(render_feature_sample(SHAPE, rng=200 + i, **JITTER), rng) for i in range(20)]
    # the three smallest holes (radius 2.6, 3.0, 3.3 px) left out, on three parts each
    missing = [(f, _crop(render_feature_sample(SHAPE, "missing", rng=300 + 3 * f + j,
                                               feature=f, **JITTER), rng))
               for f in range(3) for j in range(3)]
    return train, good, missing


@pytest.fixture(scope="module")
def model(parts):
    return AlignedModel.fit(parts[0], stride=4, tolerance_px=4.0)


def test_missing_small_hole_is_caught_where_the_band_alone_misses_it(parts, model):
    _, good, missing = parts
    band_only = dataclasses.replace(model, edges=None, coarse=None)
    good_max = max(float(model.deviation(g).max()) for g in good)
    for f, img in missing:
        dev = model.deviation(img)
        assert float(dev.max()) > 2 * max(good_max, 1.0), (f, float(dev.max()), good_max)
    # without the edge support the band (widened 4 px around every edge) leaves a hole of
    # radius 2.6-3.3 px no core outside it: most of these parts look good
    band_good = max(float(band_only.deviation(g).max()) for g in good)
    missed = [f for f, img in missing if float(band_only.deviation(img).max()) <= band_good]
    assert len(missed) >= 7, missed  # all 9 on the seeds here (band 0.0 on each)


def test_missing_hole_peaks_on_its_place(parts, model):
    _, _, missing = parts
    holes = ladder_layout(SHAPE)["holes"]
    for f, img in missing:
        dev = model.deviation(img)
        y, x = np.unravel_index(int(np.argmax(dev)), dev.shape)
        # crop pixel (u, v) is model point (u, v) - (size - 1) / 2
        cx, cy = np.array(holes[f][0]) + (np.array(SHAPE[::-1]) - 1) / 2.0
        # the most deviating cell's centre within 1.5 cells (6 px) of the hole's centre
        assert np.hypot(4 * x + 1.5 - cx, 4 * y + 1.5 - cy) <= 6.0, (f, x, y, cx, cy)


def test_no_false_alarm_on_good_jittered_parts(parts, model):
    """Held-out good parts: the edge shortfall stays at 0 in at least 99.5 % of the cells of
    every part (20 parts x 1600 cells: a good part's edges are where training put them within
    the 1 px reach, and the spread floor forgives the +-20 % lighting ramps)."""
    _, good, _ = parts
    for g in good:
        short = model.edges.shortfall(_norm(g), 4)
        assert np.mean(short > 0) <= 0.005, float(np.mean(short > 0))


def _norm(img):
    from metrology.anomaly.aligned import _normalised

    return _normalised(img, 4)


@pytest.fixture(scope="module")
def bank(parts, tmp_path_factory):
    # the fit-time selection off, as when these figures were taken: it chooses the 6 px band
    # on these 20 parts and one good part then scores 6.00 against the lowest missing 5.99
    # (AUROC 0.994; docs/anomaly-log.md, *Configuration chosen at fit*)
    pc = PatchCore(coreset_ratio=0.1, select="off").fit(parts[0])
    return pc, pc.save(tmp_path_factory.mktemp("bank") / "ladder.npz")


def test_missing_small_hole_scores_above_every_good_part_end_to_end(parts, bank):
    """Through PatchCore's map (bank distance, smoothing, top-4 mean): each of the 9 parts
    missing a 2.6-3.3 px hole scores above each of the 20 good parts (AUROC 1; on these seeds
    5.4-6.7 against 3.8-4.3); the band alone ranks them among the good parts (3.9-4.4)."""
    pc, _ = bank
    _, good, missing = parts
    for edges, bar in ((pc._aligned.edges, 1.0), (None, None)):
        pa = copy.copy(pc)
        pa._aligned = dataclasses.replace(pc._aligned, edges=edges,
                                          coarse=pc._aligned.coarse if edges else None)
        g = [pa.score(x, aligned=True).score for x in good]
        a = auroc(g, [pa.score(x, aligned=True).score for _, x in missing])
        assert a == bar if bar else a < 0.9, (edges is not None, a)


def _rewrite(src, dst, meta=None, drop=(), **arrays):
    with np.load(src) as z:
        d = {k: z[k] for k in z.files if k not in drop}
    m = json.loads(d.pop("meta").tobytes())
    if meta:
        meta(m)
    d.update(arrays)
    np.savez(dst, meta=np.frombuffer(json.dumps(m).encode(), np.uint8), **d)
    return dst


def test_bank_round_trip_keeps_the_edge_support(parts, bank):
    pc, path = bank
    loaded = PatchCore.load(path)
    assert loaded._aligned.edges is not None
    assert np.array_equal(loaded._aligned.edges.mean, pc._aligned.edges.mean)
    img = parts[2][0][1]
    assert loaded.score(img, aligned=True).score == pytest.approx(
        pc.score(img, aligned=True).score, rel=1e-6)


def test_old_bank_without_edge_support_loads_and_scores_as_before(parts, bank, tmp_path):
    pc, path = bank
    old = _rewrite(path, tmp_path / "old.npz", lambda m: m["aligned"].pop("edges"),
                   drop=("aligned_edge_mean", "aligned_edge_spread"))
    loaded = PatchCore.load(old)
    assert loaded._aligned.edges is None
    before = dataclasses.replace(pc._aligned, edges=None)
    img = parts[2][0][1]
    assert np.allclose(loaded._aligned.deviation(img), before.deviation(img))


@pytest.mark.parametrize("meta, arrays, drop, msg", [
    (None, {"aligned_edge_mean": "nan"}, (), "aligned_edge_mean"),
    (None, {"aligned_edge_spread": "zero"}, (), "spread"),
    (None, {"aligned_edge_spread": "shape"}, (), "aligned_edge_spread"),
    (None, {"aligned_edge_mean": "int"}, (), "aligned_edge_mean"),
    (None, {}, ("aligned_edge_mean",), "aligned_edge_mean"),
    (lambda m: m["aligned"]["edges"].update(sigma="x"), {}, (), "edges"),
    (lambda m: m["aligned"]["edges"].update(reach_px=1e9), {}, (), "reach_px"),
    (lambda m: m["aligned"].update(edges=[1]), {}, (), "edges"),
])
def test_damaged_edge_support_in_a_bank_is_refused(bank, tmp_path, meta, arrays, drop, msg):
    pc, path = bank
    m, s = pc._aligned.edges.mean, pc._aligned.edges.spread
    made = {"nan": np.where(np.arange(m.size).reshape(m.shape) == 5, np.nan, m),
            "zero": np.zeros_like(s), "shape": s[:-1], "int": m.astype(np.int32)}
    bad = _rewrite(path, tmp_path / "bad.npz", meta, drop,
                   **{k: made[v] for k, v in arrays.items()})
    with pytest.raises(FileFormatError, match=msg):
        PatchCore.load(bad)


@pytest.fixture(scope="module")
def latch_parts():
    """Held-out 54's parts (layout ``latchplate``, texture ``planed``: a coarse ridge lay 3.5-6.5
    px apart at an angle drawn per part) cut at their pose as the benchmark cuts them: 30
    training, 10 good and the 7 of 10 missing parts whose missing feature is a countersunk screw
    hole (the others miss the latch window, which the band catches)."""
    from metrology.synth.defects import make_defect_set

    kw = dict(layout="latchplate", texture="planed", **JITTER)
    rng = np.random.default_rng(0)
    train = [_crop(s, rng, (256, 256)) for s in make_defect_set(30, (), 0, seed=5, **kw)]
    test = make_defect_set(10, ("missing",), 10, seed=6, **kw)
    good = [_crop(s, rng, (256, 256)) for s in test if s.kind == "good"]
    holes = [_crop(s, rng, (256, 256)) for s in test
             if s.kind == "missing" and s.mask.sum() < 900]
    return AlignedModel.fit(train, stride=4, tolerance_px=4.0), good, holes


def test_a_missing_hole_on_a_coarse_lay_gets_the_coarse_scales_headroom(latch_parts):
    """The fine scale's spread is floored at 0.15 of its mean (lighting ramps on sharp edges),
    so a missing contour falls short by at most 1 / 0.15 - 3 = 3.7 spreads there; on a coarse
    lay the hole's cells then deviate by 2.8-5.3 (seen), under what the patch distance gives a
    good part of that lay, and held-out 54's missing AUROC was 0.836.  The coarse scale (3 px,
    the lay blurred away) is floored at 0.08: 9.2-9.3 (seen; at most 9.5), and held-out 54
    goes to 1.000.  Good parts stay at 1.0 or under (seen 1.00; 0.40 with the fine scale
    alone)."""
    model, good, holes = latch_parts
    assert len(holes) >= 5 and model.coarse is not None and model.coarse.sigma == 3.0
    fine = dataclasses.replace(model, coarse=None)
    both_good = max(float(model.deviation(g).max()) for g in good)
    both = [float(model.deviation(x).max()) for x in holes]
    fine_only = [float(fine.deviation(x).max()) for x in holes]
    assert both_good < 1.5 and min(both) > 8.0, (both_good, both)
    assert max(fine_only) < 6.0 and min(both) > 1.5 * max(fine_only), fine_only


def test_old_bank_without_the_coarse_scale_loads_and_scores_with_the_fine_one(parts, bank,
                                                                              tmp_path):
    pc, path = bank
    old = _rewrite(path, tmp_path / "old.npz", lambda m: m["aligned"].pop("coarse_edges"),
                   drop=("aligned_coarse_edge_mean", "aligned_coarse_edge_spread"))
    loaded = PatchCore.load(old)
    assert loaded._aligned.coarse is None and loaded._aligned.edges is not None
    before = dataclasses.replace(pc._aligned, coarse=None)
    img = parts[2][0][1]
    assert np.allclose(loaded._aligned.deviation(img), before.deviation(img))
    back = PatchCore.load(path)
    assert np.array_equal(back._aligned.coarse.spread, pc._aligned.coarse.spread)
    assert np.allclose(back._aligned.deviation(img), pc._aligned.deviation(img))


@pytest.mark.parametrize("meta, arrays, drop, msg", [
    (None, {"aligned_coarse_edge_mean": "nan"}, (), "coarse scale.*aligned_coarse_edge_mean"),
    (None, {"aligned_coarse_edge_spread": "zero"}, (), "coarse scale.*spread"),
    (None, {}, ("aligned_coarse_edge_spread",), "aligned_coarse_edge_spread"),
    (lambda m: m["aligned"]["coarse_edges"].update(sigma=99.0), {}, (), "coarse scale.*sigma"),
])
def test_damaged_coarse_scale_in_a_bank_is_refused(bank, tmp_path, meta, arrays, drop, msg):
    pc, path = bank
    m, s = pc._aligned.coarse.mean, pc._aligned.coarse.spread
    made = {"nan": np.where(np.arange(m.size).reshape(m.shape) == 5, np.nan, m),
            "zero": np.zeros_like(s)}
    bad = _rewrite(path, tmp_path / "bad.npz", meta, drop,
                   **{k: made[v] for k, v in arrays.items()})
    with pytest.raises(FileFormatError, match=msg):
        PatchCore.load(bad)
