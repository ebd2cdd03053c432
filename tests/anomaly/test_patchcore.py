"""PatchCore end to end on rendered brushed-metal parts: accuracy, localisation, files, bad input.

Default tests use 128 x 128 parts and few images so the module runs in seconds; the full target
(40 training images of 256 x 256, AUROC >= 0.98, localisation >= 90 %) is the slow test below and
the benchmark ``benchmarks/bench_anomaly.py``.
"""

import json
import sys

import cv2
import numpy as np
import pytest

import metrology as mt
from metrology.anomaly import (AnomalyScore, AnomalyScorer, NotFittedError, PatchCore, auroc,
                               is_scorer)
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set

SHAPE = (128, 128)
KINDS = ("scratch", "spot", "dent")


def _hit(sample, result, tol_px=4):
    """Map maximum on the defect: inside its mask dilated by ``tol_px`` (one feature cell of the
    default 4 px stride: the map is built from 4 px cells, so its peak is placed to a cell)."""
    k = 2 * tol_px + 1
    m = cv2.dilate(sample.mask.astype(np.uint8), np.ones((k, k), np.uint8))
    x, y = (int(round(v)) for v in result.max_xy)
    return bool(m[y, x])


@pytest.fixture(scope="module")
def data():
    train = make_defect_set(12, (), 0, shape=SHAPE, seed=10)
    test = make_defect_set(10, KINDS, 6, shape=SHAPE, seed=11)
    return [s.image for s in train], test


@pytest.fixture(scope="module")
def fitted(data):
    train, _ = data
    return PatchCore(coreset_ratio=0.1).fit(train)


def test_small_auroc_and_localisation(fitted, data):
    _, test = data
    res = [fitted.score(s.image) for s in test]
    scores = np.array([r.score for r in res])
    kinds = np.array([s.kind for s in test])
    good = scores[kinds == "good"]
    # 12 training images of 128 x 128 instead of 40 of 256 x 256 (short scratches, few
    # patches): over seeds this setting gives 0.91-0.99, so the bar here is 0.90 (0.98 in the
    # slow full-size test); 10 good x 18 defective pairs, 0.90 allows 18 mis-ordered pairs
    assert auroc(good, scores[kinds != "good"]) >= 0.90
    assert auroc(good, scores[kinds == "spot"]) >= 0.95  # spots are the clearest defects
    hits = [_hit(s, r) for s, r in zip(test, res) if s.defects]
    assert np.mean(hits) >= 0.85  # >= 16 of 18 (0.90 on the full-size slow test)
    r = res[0]
    assert r.map.shape == SHAPE and r.map.dtype == np.float32
    assert np.all(np.isfinite(r.map)) and np.isfinite(r.score)


def test_fit_info_and_protocol(fitted):
    assert fitted.is_fitted and fitted.bank_size > 0
    assert fitted.bank.shape == (fitted.bank_size, fitted.info["feature_dim"])
    assert fitted.info["n_images"] == 12
    # 12 images x 32 x 32 cells, 10 % kept
    assert fitted.info["patches_total"] == 12 * 32 * 32
    assert fitted.bank_size == round(0.1 * 12 * 32 * 32)
    assert isinstance(fitted, AnomalyScorer) and is_scorer(fitted)
    json.dumps(fitted.to_dict())
    assert "bank=" in repr(fitted)
    with pytest.raises(ValueError):
        fitted.bank[0, 0] = 1.0  # read-only view


def test_threshold_calibration(fitted):
    held_back = [s.image for s in make_defect_set(6, (), 0, shape=SHAPE, seed=12)]
    pc = PatchCore.__new__(PatchCore)
    pc.__dict__.update(fitted.__dict__)  # a copy, so the shared fixture keeps no threshold
    t = pc.calibrate_threshold(held_back, "max_margin", margin=0.1)
    scores = [pc.score(im).score for im in held_back]
    assert abs(t.value - 1.1 * max(scores)) < 1e-9 and t.n_images == 6
    r = pc.score(held_back[0])
    assert r.threshold == t.value and r.anomalous is False


def test_deterministic_and_user_scorer_protocol(data):
    train, test = data
    a = PatchCore(coreset_ratio=0.05, seed=3).fit(train[:4]).score(test[-1].image)
    b = PatchCore(coreset_ratio=0.05, seed=3).fit(train[:4]).score(test[-1].image)
    assert a.score == b.score and np.array_equal(a.map, b.map)

    class MeanScorer:  # any object with fit/score satisfies the protocol
        def fit(self, images):
            self.m = np.mean(images)
            return self

        def score(self, image):
            d = np.abs(image.astype(np.float32) - self.m)
            return AnomalyScore(float(d.max()), d)

    assert is_scorer(MeanScorer()) and isinstance(MeanScorer(), AnomalyScorer)
    assert not is_scorer(object())


def test_save_load_round_trip(fitted, data, tmp_path):
    _, test = data
    path = fitted.save(tmp_path / "bank.json")
    assert (tmp_path / "bank.npz").is_file()
    doc = json.loads(path.read_text())
    assert doc["format"] == "metrology.anomaly.patchcore" and doc["version"] == 1
    loaded = PatchCore.load(path)
    assert loaded.bank_size == fitted.bank_size
    # either file of the pair names the bank (recipes may refer to the .npz)
    assert PatchCore.load(tmp_path / "bank.npz").bank_size == fitted.bank_size
    assert fitted.save(tmp_path / "other.npz") == tmp_path / "other.json"
    for s in test[:3]:
        a, b = fitted.score(s.image), loaded.score(s.image)
        assert a.score == pytest.approx(b.score, rel=1e-6)
        assert np.allclose(a.map, b.map, atol=1e-6)


def test_corrupt_files(fitted, tmp_path):
    path = fitted.save(tmp_path / "bank.json")
    npz = tmp_path / "bank.npz"
    good_json, good_npz = path.read_bytes(), npz.read_bytes()

    npz.write_bytes(good_npz[: len(good_npz) // 2])  # truncated bank
    with pytest.raises(FileFormatError, match="checksum"):
        PatchCore.load(path)
    npz.write_bytes(good_npz)

    path.write_bytes(good_json[:100])  # truncated JSON
    with pytest.raises(FileFormatError):
        PatchCore.load(path)

    doc = json.loads(good_json)
    doc["bank_size"] = 7  # JSON no longer matches the arrays
    path.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="bank"):
        PatchCore.load(path)

    doc = json.loads(good_json)
    doc["arrays"]["file"] = "../elsewhere.npz"
    path.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError):
        PatchCore.load(path)

    doc = json.loads(good_json)
    doc["config"]["coreset_ratio"] = -1
    path.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="config"):
        PatchCore.load(path)

    # a bank whose arrays are swapped for NaN (with a matching checksum) is refused too
    from metrology._io import save_npz_bytes
    import hashlib

    z = np.load(npz)
    data = save_npz_bytes(bank=np.full_like(z["bank"], np.nan), center=z["center"],
                          scale=z["scale"])
    npz.write_bytes(data)
    doc = json.loads(good_json)
    doc["arrays"]["sha256"] = hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="finite"):
        PatchCore.load(path)

    npz.unlink()
    path.write_bytes(good_json)
    with pytest.raises(FileFormatError, match="missing"):
        PatchCore.load(path)
    with pytest.raises(InputError):
        PatchCore.load(tmp_path / "nothing.json")


def test_bad_input(fitted, data):
    train, test = data
    with pytest.raises(NotFittedError, match="fit"):
        PatchCore().score(train[0])
    with pytest.raises(InputError, match="at least one"):
        PatchCore().fit([])
    with pytest.raises(InputError):
        PatchCore().fit(train[0])  # a single image, not a list
    with pytest.raises(InputError, match="size"):
        PatchCore().fit([train[0], train[1][:100]])
    with pytest.raises(InputError, match="channel"):
        PatchCore().fit([train[0], np.dstack([train[1]] * 3)])
    with pytest.raises(InputError, match="resize=True"):
        fitted.score(train[0][:96, :100])
    with pytest.raises(InputError, match="channel"):
        fitted.score(np.dstack([train[0]] * 3))
    bad = train[0].astype(np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        fitted.score(bad)
    with pytest.raises(InputError):
        fitted.score(np.zeros((0, 0), np.uint8))
    for kw in ({"coreset_ratio": 0}, {"k": 0}, {"patch_size": 2}, {"nn": "annoy"},
               {"features": "resnet"}, {"features": 3}, {"smoothing_sigma": -1}):
        with pytest.raises(InputError):
            PatchCore(**kw)


def test_resize_option(data):
    train, test = data
    pc = PatchCore(coreset_ratio=0.1, resize=True).fit(train[:6])
    big = cv2.resize(test[-1].image, (192, 192), interpolation=cv2.INTER_LINEAR)
    r = pc.score(big)
    assert r.map.shape == (192, 192)
    # the resized defect image still scores above the resized good images' maximum
    good = max(pc.score(cv2.resize(s.image, (192, 192))).score for s in test[:10])
    assert r.score > good


def test_position_weight_finds_missing_features(data):
    # a missing hole is ordinary surface: position-free PatchCore cannot see it, the optional
    # position channels (fixtured, aligned parts) can
    train, _ = data
    test = make_defect_set(6, ("missing",), 6, shape=SHAPE, seed=13)
    pc = PatchCore(coreset_ratio=0.1, position_weight=0.25).fit(train)
    s = np.array([pc.score(t.image).score for t in test])
    assert auroc(s[:6], s[6:]) >= 0.9  # 36 pairs: at most 3 mis-ordered


def test_import_does_not_pull_torch():
    import subprocess

    code = ("import metrology, metrology.anomaly, sys; "
            "metrology.anomaly.PatchCore; sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_lazy_names():
    assert mt.anomaly.PatchCore is PatchCore
    assert callable(mt.viz.draw_anomaly) and callable(mt.synth.render_defect_sample)


@pytest.mark.slow
def test_full_target_40_images_256():
    train = [s.image for s in make_defect_set(40, (), 0, shape=(256, 256), seed=1)]
    test = make_defect_set(30, KINDS, 20, shape=(256, 256), seed=2)
    pc = PatchCore().fit(train)
    res = [pc.score(s.image) for s in test]
    scores = np.array([r.score for r in res])
    kinds = np.array([s.kind for s in test])
    good = scores[kinds == "good"]
    for k in KINDS:
        assert auroc(good, scores[kinds == k]) >= 0.98, k
    assert auroc(good, scores[kinds != "good"]) >= 0.98
    hits = [_hit(s, r) for s, r in zip(test, res) if s.defects]
    assert np.mean(hits) >= 0.90


def _gravel_sets(shape, n_train, n_good, n_per_kind, seed):
    data = pytest.importorskip("skimage.data")
    gravel = data.gravel()
    kw = dict(shape=shape, texture_amplitude=4.0)
    train = [s.image for s in make_defect_set(n_train, (), 0, seed=seed,
                                               texture=gravel[:, :300], **kw)]
    test = make_defect_set(n_good, KINDS, n_per_kind, seed=seed + 1, texture=gravel[:, 212:],
                           **kw)
    return train, test


def _evaluate(pc, test):
    res = [pc.score(s.image) for s in test]
    scores = np.array([r.score for r in res])
    kinds = np.array([s.kind for s in test])
    hits = [_hit(s, r) for s, r in zip(test, res) if s.defects]
    per_kind = {k: auroc(scores[kinds == "good"], scores[kinds == k]) for k in KINDS}
    return auroc(scores[kinds == "good"], scores[kinds != "good"]), per_kind, np.mean(hits)


def test_second_surface_scikit_image_gravel():
    # another surface than the generator's brushed metal, with no tuning for it: scikit-image's
    # CC0 "gravel" photo as the part texture (training crops from its left part, test crops
    # from its right part, so no test surface copies a training surface).  Gravel is much busier
    # than brushed metal and 20 small images cover it poorly: over seeds this setting gives
    # AUROC 0.79-0.89, so the bar is 0.75 here; the slow full-size test asks for 0.95.
    train, test = _gravel_sets(SHAPE, 20, 20, 8, seed=20)
    a, per_kind, loc = _evaluate(PatchCore(coreset_ratio=0.1).fit(train), test)
    assert a >= 0.75, (a, per_kind)
    assert loc >= 0.7, loc  # measured 0.8-0.9 at this size


@pytest.mark.slow
def test_second_surface_gravel_full_size():
    train, test = _gravel_sets((256, 256), 40, 30, 20, seed=3)
    a, per_kind, loc = _evaluate(PatchCore().fit(train), test)
    assert a >= 0.95, (a, per_kind)  # measured 0.98
    assert loc >= 0.9, loc


def test_options_knn_kdtree_and_degenerate_images(data):
    train, test = data
    a = PatchCore(coreset_ratio=0.1, k=3, nn="kdtree").fit(train[:4])
    b = PatchCore(coreset_ratio=0.1, k=3, nn="brute").fit(train[:4])
    ra, rb = a.score(test[-1].image), b.score(test[-1].image)
    assert a.info["nn_method"] == "kdtree"
    # same bank, exact search both ways: equal up to float32 rounding of the distances
    assert ra.score == pytest.approx(rb.score, rel=1e-4)
    assert np.allclose(ra.map, rb.map, rtol=1e-4, atol=1e-4)
    flat = PatchCore().fit([np.zeros((40, 40), np.uint8)] * 3)  # constant images: no NaN
    r = flat.score(np.zeros((40, 40), np.uint8))
    assert r.score == pytest.approx(0.0, abs=1e-6) and np.all(np.isfinite(r.map))
    assert flat.score(np.full((40, 40), 50, np.uint8)).score >= 0
