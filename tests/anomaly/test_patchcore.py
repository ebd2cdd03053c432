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
from metrology.anomaly.bankfile import BANK_VERSION
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
    # 12 images x 32 x 32 cells, 10 % kept up to max_bank
    assert fitted.info["patches_total"] == 12 * 32 * 32
    assert fitted.bank_size == min(fitted.settings.max_bank, round(0.1 * 12 * 32 * 32))
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
    path = fitted.save(tmp_path / "bank.npz")
    assert path == tmp_path / "bank.npz" and sorted(p.name for p in tmp_path.iterdir()) == \
        ["bank.npz"]  # one file: nothing to get out of step
    loaded = PatchCore.load(path)
    assert loaded.bank_size == fitted.bank_size and loaded.settings == fitted.settings
    # a .json name (what older recipes keep) is written and read as the .npz beside it
    assert fitted.save(tmp_path / "other.json") == tmp_path / "other.npz"
    assert PatchCore.load(tmp_path / "other.json").bank_size == fitted.bank_size
    for s in test[:3]:
        for aligned in (False, True):
            a, b = fitted.score(s.image, aligned=aligned), loaded.score(s.image, aligned=aligned)
            assert a.score == pytest.approx(b.score, rel=1e-6)
            assert np.allclose(a.map, b.map, atol=1e-6)


def _rewrite(path, meta=None, **arrays):
    """Re-pack a bank file with a changed header or arrays (None: the array removed; checks
    the loader, not the writer)."""
    with np.load(path) as z:
        d = {k: z[k] for k in z.files}
    m = json.loads(d.pop("meta").tobytes())
    if meta:
        meta(m)
    for k, v in arrays.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    np.savez(path, meta=np.frombuffer(json.dumps(m).encode(), np.uint8), **d)


def bank_version(path) -> int:
    """The format version a bank file's header holds."""
    with np.load(path) as z:
        return json.loads(z["meta"].tobytes())["version"]


def round_trips(pc, path, version: int, imgs) -> PatchCore:
    """``pc`` saved to ``path`` is written as ``version`` and loads back scoring ``imgs`` as
    ``pc`` does (scores and maps equal); the loaded bank."""
    pc.save(path)
    assert bank_version(path) == version
    back = PatchCore.load(path)
    for img in imgs:
        a, b = pc.score(img), back.score(img)
        assert a.score == b.score and np.array_equal(a.map, b.map)
    return back


def _each_damage_raises(path, good: bytes, cases) -> None:
    """Each case (header edit or None, array edits, message) applied to a fresh copy of the
    bank ``good`` at ``path`` makes :meth:`PatchCore.load` raise :class:`FileFormatError`
    matching its message."""
    for meta, arrays, msg in cases:
        path.write_bytes(good)
        _rewrite(path, meta, **arrays)
        with pytest.raises(FileFormatError, match=msg):
            PatchCore.load(path)


def test_corrupt_files(fitted, tmp_path):
    path = fitted.save(tmp_path / "bank.npz")
    good = path.read_bytes()

    path.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(FileFormatError):
        PatchCore.load(path)
    path.write_bytes(b"{not an archive")
    with pytest.raises(FileFormatError, match="not a PatchCore bank"):
        PatchCore.load(path)

    cases = [(lambda m: m.update(bank_size=7), {}, "bank"),
             (lambda m: m["settings"].update(coreset_ratio=-1), {}, "coreset_ratio"),
             (lambda m: m.update(version=BANK_VERSION + 1), {}, "version"),  # a future one
             (lambda m: m.update(format="other"), {}, "not a PatchCore bank"),
             (lambda m: m["features"].update(name="mystery"), {}, "mystery"),
             (lambda m: m["features"].update(sigmas="x"), {}, "features"),
             (None, {"bank": np.full_like(fitted.bank, np.nan)}, "finite"),
             (None, {"aligned_spread": np.zeros((2, 2), np.float32)}, "aligned")]
    _each_damage_raises(path, good, cases)
    with pytest.raises(InputError, match="not found"):
        PatchCore.load(tmp_path / "nothing.npz")


def test_version1_pair_still_loads_and_foreign_extractor_is_refused(fitted, data, tmp_path):
    """A bank written by the previous version (JSON header + .npz) loads and scores as before
    (reweighted maximum); given another extractor than the bank's, load refuses saying which."""
    import hashlib

    from metrology._io import save_npz_bytes, write_json_file
    from metrology.anomaly import ClassicalFeatures

    _, test = data
    arrays = save_npz_bytes(bank=fitted.bank, center=fitted._center, scale=fitted._scale)
    (tmp_path / "old.npz").write_bytes(arrays)
    cfg = {k: getattr(fitted.settings, k) for k in
           ("coreset_ratio", "max_bank", "max_patches", "k", "reweight_neighbors", "patch_size",
            "compress", "smoothing_sigma", "nn", "resize", "projection_dim", "seed")}
    write_json_file(tmp_path / "old.json", {
        "config": dict(cfg, position_weight=0.0), "features": fitted.features.config(),
        "image_shape": list(fitted.image_shape), "image_channels": 1, "info": fitted.info,
        "bank_size": fitted.bank_size, "bank_dim": int(fitted.bank.shape[1]), "threshold": None,
        "arrays": {"file": "old.npz", "sha256": hashlib.sha256(arrays).hexdigest()}},
        fmt="metrology.anomaly.patchcore", version=1)
    for name in ("old.json", "old.npz"):
        old = PatchCore.load(tmp_path / name)
        assert old.settings.image_score == "reweighted"
        ref = PatchCore(settings=fitted.settings.replace(image_score="reweighted"))
        ref.__dict__.update({k: v for k, v in fitted.__dict__.items() if k != "settings"})
        ref._line = ref._blob = ref._energy = None  # a version-1 bank has no other channel
        assert old.score(test[-1].image).score == pytest.approx(
            ref.score(test[-1].image).score, rel=1e-6)
    (tmp_path / "old.npz").write_bytes(arrays[:-10])
    with pytest.raises(FileFormatError, match="checksum"):
        PatchCore.load(tmp_path / "old.json")
    path = fitted.save(tmp_path / "new.npz")
    with pytest.raises(FileFormatError, match="sigmas"):
        PatchCore.load(path, features=ClassicalFeatures(sigmas=(1.0, 2.0)))
    # a version-2 save under the pair's .json name: load of that name reads the new .npz, not
    # the stale version-1 header left beside it
    (tmp_path / "old.npz").write_bytes(arrays)
    fitted.save(tmp_path / "old.json")
    again = PatchCore.load(tmp_path / "old.json")
    assert again.settings.image_score == fitted.settings.image_score
    assert again.score(test[-1].image).score == pytest.approx(
        fitted.score(test[-1].image).score, rel=1e-6)


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
    # a colour image given to a gray bank is converted (documented), not refused
    colour = fitted.score(np.dstack([train[0]] * 3))
    assert colour.score == pytest.approx(fitted.score(train[0]).score, rel=1e-5)
    colour_bank = PatchCore(coreset_ratio=0.1).fit([np.dstack([im] * 3) for im in train[:2]])
    with pytest.raises(InputError, match="channel"):
        colour_bank.score(train[0])
    with pytest.raises(InputError, match="roi"):
        PatchCore().fit(train[:2], roi=np.zeros(SHAPE, bool))
    with pytest.raises(InputError, match="roi"):
        PatchCore().fit(train[:2], roi=np.ones((5, 5), bool))
    bad = train[0].astype(np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        fitted.score(bad)
    with pytest.raises(InputError):
        fitted.score(np.zeros((0, 0), np.uint8))
    for kw in ({"coreset_ratio": 0}, {"k": 0}, {"patch_size": 2}, {"nn": "annoy"},
               {"features": "resnet"}, {"features": 3}, {"smoothing_sigma": -1},
               {"image_score": "mean"}, {"top_k": 0}, {"aligned": "yes"},
               {"position_weight": 0.25}, {"settings": {"k": 2}}):
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


def test_aligned_check_finds_missing_and_extra_features(data):
    # a missing hole is ordinary surface and an extra hole an ordinary hole edge: the
    # position-free bank cannot see them, the position-aware check of aligned parts can.
    # Parts rendered without placement jitter stand for parts the recipe aligned.
    kw = dict(shape=SHAPE, placement_px=0.0, placement_deg=0.0)
    train = [s.image for s in make_defect_set(12, (), 0, seed=30, **kw)]
    test = make_defect_set(8, ("missing", "extra"), 8, seed=31, **kw)
    pc = PatchCore(coreset_ratio=0.1).fit(train)
    kinds = np.array([t.kind for t in test])
    on = np.array([pc.score(t.image, aligned=True).score for t in test])
    for k in ("missing", "extra"):
        # 64 pairs each: at most one mis-ordered (0.98 on the full-size benchmark)
        assert auroc(on[kinds == "good"], on[kinds == k]) >= 0.98, k
    off = np.array([pc.score(t.image).score for t in test])
    assert auroc(off[kinds == "good"], off[kinds == "missing"]) < 0.9  # unseen without it
    r = pc.score(test[8].image, aligned=True)  # the map peaks on the missing feature
    assert _hit(test[8], r)


def test_roi_and_ignore_margin(data):
    train, test = data
    roi = np.zeros(SHAPE, bool)
    roi[20:100, 10:110] = True
    pc = PatchCore(coreset_ratio=0.1).fit(train[:4], roi=roi)
    r = pc.score(test[0].image)
    assert np.all(r.map[roi == 0][::7] <= 1e-6)  # 0 outside the ROI (bilinear edge aside)
    assert r.map[roi].max() > 0
    assert pc.bank_size == round(0.1 * 4 * 20 * 25)  # cells whose centre is in the ROI
    m = PatchCore(coreset_ratio=0.1, ignore_margin_px=16).fit(train[:4]).score(test[0].image)
    assert m.map[:12].max() == 0 and m.map[:, -12:].max() == 0
    with pytest.raises(InputError, match="no feature cell"):
        PatchCore(ignore_margin_px=80).fit(train[:2])


def test_image_score_modes(fitted, data):
    _, test = data
    img = test[-1].image
    r = {m: PatchCore(settings=fitted.settings.replace(image_score=m)) for m in
         ("topk", "max", "reweighted")}
    out = {}
    for m, pc in r.items():
        pc.__dict__.update({k: v for k, v in fitted.__dict__.items() if k != "settings"})
        out[m] = pc.score(img)
    grid = fitted.patch_scores(img)
    assert out["max"].score >= out["topk"].score > 0  # a mean of the top cells <= the top
    assert out["reweighted"].score <= grid.max() + 1e-6  # the paper's weight is in (0, 1]
    one = PatchCore(settings=fitted.settings.replace(top_k=1))
    one.__dict__.update({k: v for k, v in fitted.__dict__.items() if k != "settings"})
    assert one.score(img).score == pytest.approx(out["max"].score, rel=1e-6)


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


def test_save_is_atomic(fitted, tmp_path, monkeypatch):
    """A save interrupted before its one rename leaves the previous bank whole and loadable
    (the old two-file save could leave a new .npz beside an old .json)."""
    import os

    path = fitted.save(tmp_path / "bank.npz")
    before = path.read_bytes()
    other = PatchCore(coreset_ratio=0.05).fit([np.zeros((64, 64), np.uint8)] * 2)

    def killed(src, dst):
        raise KeyboardInterrupt("killed between write and rename")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert PatchCore.load(path).bank_size == fitted.bank_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.npz"]  # no temp file left


def test_border_rings_normalised(tmp_path):
    # a blasted face filling 96 x 96 images (layout "face": no plate edge to hide the border):
    # features near the border see a reflected margin and new border patches are rarer in the
    # bank, so their distances run higher; the ring scale measured on held-out training images
    # divides them (ring 0 measured 1.16 at 128 x 128), the interior stays at 1, and the scale
    # survives save / load.  A corrupt scale is refused.
    kw = dict(shape=(96, 96), layout="face", texture="blasted", placement_px=3.0,
              placement_deg=2.0, lighting=0.1)
    train = [s.image for s in make_defect_set(20, (), 0, seed=30, **kw)]
    # the fit-time band selection off: on a face filling the image it chooses the 0 px band
    # the settings give anyway (the same ring scale), for 1.3 s of the test's 2 s
    pc = PatchCore(select="off").fit(train)
    rs = pc._ring_scale
    assert rs is not None and rs[-1] == 1.0 and np.all(rs >= 1.0) and rs[0] > 1.03
    img = train[0][::-1].copy()
    loaded = PatchCore.load(pc.save(tmp_path / "b.npz"))
    assert np.array_equal(loaded._ring_scale, rs)
    assert loaded.score(img).score == pytest.approx(pc.score(img).score, rel=1e-6)
    _rewrite(tmp_path / "b.npz", ring_scale=np.array([0.5, 1.0], np.float32))
    with pytest.raises(FileFormatError, match="ring_scale"):
        PatchCore.load(tmp_path / "b.npz")
    assert PatchCore().fit(train[:4])._ring_scale is None  # fewer than 5 images: not measured


def test_edge_band_keeps_only_the_face(data, tmp_path):
    """``edge_band_px``: the ROI is the part face of the mean good image, without a band along
    the plate outline and the holes (the plate layout: holes of radius 9.6 px at (-33, -28)
    and (33, -28) px from the centre, a slot 32 px below the centre)."""
    from metrology.synth.surfaces import layout_features

    train, test = data
    pc = PatchCore(coreset_ratio=0.1, edge_band_px=6).fit(train)
    roi = pc.roi
    (hx, hy), r = layout_features("plate", SHAPE)["holes"][0]
    cx, cy = 63.5 + hx, 63.5 + hy
    assert not roi[round(cy), round(cx)]                 # the hole's bottom is not face
    # to the right of the hole: within 6 px (+ 3 px placement jitter, + 1 px blur) of its
    # edge left out, farther kept
    for d, face in ((r + 3, False), (r + 6, False), (r + 13, True)):
        assert roi[round(cy), round(cx + d)] == face, d
    assert roi[64, 64] and not roi[0, 0] and not roi[127, 64]   # face centre; background
    res = pc.score(test[0].image)
    assert res.map[round(cy), round(cx)] == 0 and res.map[64, 64] > 0
    pc.save(tmp_path / "band.npz")
    back = PatchCore.load(tmp_path / "band.npz")
    assert back.settings.edge_band_px == 6.0 and np.array_equal(back.roi, roi)
    # with a user ROI the two are combined; off (0) the ROI is the user's alone
    user = np.zeros(SHAPE, bool)
    user[40:90, 40:90] = True
    both = PatchCore(coreset_ratio=0.1, edge_band_px=6).fit(train[:4], roi=user).roi
    assert not both[~user].any() and both[64, 64]
    assert np.array_equal(PatchCore(coreset_ratio=0.1).fit(train[:4], roi=user).roi, user)
    for bad in (-1, float("nan"), "6", True):
        with pytest.raises(InputError, match="edge_band_px"):
            PatchCore(edge_band_px=bad)
