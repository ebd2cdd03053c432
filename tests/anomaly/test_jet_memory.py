"""The jet memory (``jet_memory``, ``"auto"`` by default: kept where the held-back good parts
lie evenly far from it): the good faces' whitened jet responses kept as vectors, a pixel's
distance to the nearest of them, the mean of the image's largest distances summed (in z) with
the other channels' fused score.  It finds a mark made of the face's own kind of responses in
an unusual combination; its pass shares the jet's responses and gives what two separate
passes give; the bank keeps it (version 19, the default's with its setting ``"auto"``;
damaged entries raise :class:`FileFormatError`); ``jet_memory=False``, or the gate dropping
it, leaves it out and writes the bank as before; bad settings raise :class:`InputError`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly._fusion import channel_scores, fuse, pc_stats
from metrology.anomaly._jet_memory import (COARSE_STRIDE, EVAL_STRIDE, GATE_CV, N_MEMORY,
                                           REFINE_TOP, TOP_K, VERSION, JetMemory, with_memory)
from metrology.anomaly._jet_scan import JetScan
from metrology.errors import InputError
from tests.anomaly.test_jet_scan import N, _dent, _texture
from tests.anomaly.test_patchcore import _each_damage_raises, bank_version, round_trips
from tests.anomaly.test_texture_energy import _good

LAY = 0.3


@pytest.fixture(scope="module")
def fitted():
    """The jet channel and its memory fitted on 40 streaked faces of one lay; 20 good faces
    and 20 with a shaded dent of 8 gray levels."""
    g = np.random.default_rng(0)
    faces = [_texture(g, lay=LAY) for _ in range(40)]
    held = np.arange(40) % 5 == 4
    js = JetScan.fit(faces, held, np.ones((N, N), bool))
    js.memory = JetMemory.fit(js, faces, held)
    goods = [_texture(g, lay=LAY) for _ in range(20)]
    dents = [_dent(g, _texture(g, lay=LAY), 8.0) for _ in range(20)]
    return js, faces, held, goods, dents


def test_memory_size_and_calibration(fitted):
    js, faces, held, _, _ = fitted
    mem = js.memory
    # 32 faces not held back, their inner face on a 4 px grid: more vectors than the memory
    assert mem.vectors.shape == (N_MEMORY, 2 * js.n_groups)
    assert np.isfinite(mem.vectors).all()
    # the held-back parts' statistics have mean and spread as stored
    held_stats = [mem.raw(js.features(faces[i]))[1] for i in np.flatnonzero(held)]
    assert mem.stats[0] == pytest.approx(np.mean(held_stats), rel=1e-6)
    assert mem.stats[1] == pytest.approx(np.std(held_stats), rel=1e-6)


def test_memory_finds_dents_and_its_map_peaks_there(fitted):
    # a dent of 8 gray levels (1.3 texture spreads): far from every good vector
    js, _, _, goods, dents = fitted
    good = [js.memory.score(js.features(x))[1] for x in goods]
    bad = [js.memory.score(js.features(d))[1] for d, _ in dents]
    assert auroc(good, bad) >= 0.95, auroc(good, bad)
    near = 0
    for d, c in dents:
        m, _ = js.memory.score(js.features(d))
        y, x = np.unravel_index(np.argmax(m), m.shape)
        near += np.hypot(x - c[0], y - c[1]) <= 8
    assert near >= 16, near           # 20 dents, 8 px: about two of their sigmas


def test_statistic_is_the_coarse_to_fine_top_k(fitted):
    from scipy.spatial import cKDTree

    js, _, _, goods, dents = fitted
    mem = js.memory
    tree = cKDTree(mem.vectors.astype(np.float64))
    fine = np.flatnonzero(mem._fine.ravel() >= 0)
    for img in (goods[0], dents[0][0]):
        feats = js.features(img)
        flat = feats.reshape(len(feats), -1)
        exact = dict(zip(fine, tree.query(flat[:, fine].T.astype(np.float64))[0]))
        d, value = mem.raw(feats)
        # the coarse grid: every 4th row and column of the inner face, exact distances
        rows, cols = np.divmod(mem.eval_idx, N)
        assert np.all(rows % COARSE_STRIDE == 0) and np.all(cols % COARSE_STRIDE == 0)
        assert np.allclose(d, [exact[i] for i in mem.eval_idx], rtol=1e-4, atol=1e-4)
        # the fine grid within 2 px (Chebyshev) of the 16 farthest coarse pixels, written
        # out pixel by pixel
        top = mem.eval_idx[np.argsort(d)[-REFINE_TOP:]]
        near = {int(i) for i in fine for t in top
                if max(abs(i // N - t // N), abs(i % N - t % N)) <= EVAL_STRIDE}
        pool = sorted(set(mem.eval_idx.tolist()) | near)
        want = np.sort([exact[i] for i in pool])[-TOP_K:].mean()
        assert value == pytest.approx(want, rel=1e-4)
        # between the coarse grid's own top k and the whole fine grid's
        every = np.sort(list(exact.values()))[-TOP_K:].mean()
        assert np.sort(d)[-TOP_K:].mean() - 1e-4 <= value <= every + 1e-4
    # on a dent the refinement reaches the fine grid's farthest pixels
    assert value == pytest.approx(every, rel=0.02), (value, every)


def test_one_pass_equals_two(fitted):
    js, _, _, goods, dents = fitted
    for x in (goods[0], dents[0][0]):
        (m, v), feats = js.score_with_features(x)
        m2, v2 = js.score(x)
        assert v == v2 and np.array_equal(m, m2)
        assert np.array_equal(feats, js.features(x))


def test_fit_is_deterministic(fitted):
    js, faces, held, _, _ = fitted
    again = JetMemory.fit(js, faces, held)
    assert np.array_equal(again.vectors, js.memory.vectors) and again.stats == js.memory.stats


def test_with_memory_sums_the_z_scores():
    class _Line:
        pc_stats = (10.0, 2.0)

    class _PC:
        _line, _energy = _Line(), None

    pc = _PC()
    # fused z 3, memory z 1: (3 + 1) / sqrt 2 spreads
    assert with_memory(pc, 16.0, 12.0) == pytest.approx(10.0 + 2.0 * 4.0 / np.sqrt(2.0))
    assert with_memory(pc, 16.0, None) == 16.0
    assert with_memory(pc, 16.0, float("-inf")) == 16.0


@pytest.fixture(scope="module")
def bank_pc():
    return PatchCore(select="off", jet_memory=True, comb_scan=False).fit(
        _good(range(300, 340)))


def test_memory_on_keeps_it_and_round_trips(bank_pc, tmp_path):
    assert bank_pc.info["jet_memory"] == "on" and bank_pc.info["jet_memory_seconds"] > 0
    back = round_trips(bank_pc, tmp_path / "b.npz", VERSION, _good(range(900, 903)))
    assert back._jet.memory is not None and back.settings.jet_memory is True
    assert np.array_equal(back._jet.memory.vectors, bank_pc._jet.memory.vectors)


def test_fusion_sums_the_memory_with_the_others(bank_pc):
    img = _good([905])[0]
    chans = channel_scores(bank_pc, img, None)
    names = [c[0] for c in chans]
    assert "jet_memory" in names
    s = bank_pc.score(img)
    value = s.score
    others = [c for c in chans if c[0] != "jet_memory"]
    memory = chans[names.index("jet_memory")][2]
    # the fused score of the other channels, then the memory's z added (over sqrt 2)
    up = np.zeros(img.shape, np.float32)
    _, total_others, _ = fuse(bank_pc, up, 0.0, others)
    _, total, _ = fuse(bank_pc, up, 0.0, chans)
    mean, sd = pc_stats(bank_pc)
    assert total == pytest.approx(mean + ((total_others - mean) + (memory - mean))
                                  / np.sqrt(2.0), rel=1e-6)
    assert np.isfinite(value)


@pytest.fixture(scope="module")
def default_pc():
    """The default fit (``jet_memory="auto"``) on ``bank_pc``'s faces."""
    return PatchCore(select="off", comb_scan=False).fit(_good(range(300, 340)))


def test_the_default_writes_a_kept_memory_at_its_version_with_auto(default_pc, tmp_path):
    assert PatchCoreSettings().jet_memory == "auto" and default_pc.settings.jet_memory == "auto"
    assert default_pc.info["jet_memory"] == "on" and default_pc._jet.memory is not None
    back = round_trips(default_pc, tmp_path / "auto.npz", VERSION, _good(range(900, 903)))
    meta = json.loads(np.load(tmp_path / "auto.npz")["meta"].tobytes())
    assert meta["settings"]["jet_memory"] == "auto" and "memory" in meta["jet_scan"]
    assert meta["memory_base_version"] in range(6, VERSION)
    assert back._jet.memory is not None and back.settings.jet_memory == "auto"
    assert np.array_equal(back._jet.memory.vectors, default_pc._jet.memory.vectors)


def test_memory_off_writes_the_bank_as_before(tmp_path):
    pc = PatchCore(select="off", comb_scan=False, jet_memory=False).fit(_good(range(300, 340)))
    assert pc.info["jet_memory"] == "off" and pc._jet is not None and pc._jet.memory is None
    path = pc.save(tmp_path / "off.npz")
    meta = json.loads(np.load(path)["meta"].tobytes())
    assert bank_version(path) < VERSION and "jet_memory" not in meta["settings"]
    assert "memory_base_version" not in meta and "memory" not in meta["jet_scan"]
    back = PatchCore.load(path)
    img = _good([905])[0]
    assert back._jet.memory is None and back.score(img).score == pc.score(img).score
    # the setting left out (readers that predate the memory load the bank), it reads back
    # as the default, "auto", as a bank whose gate dropped the memory does
    assert back.settings.jet_memory == "auto"


def test_auto_keeps_the_memory_where_good_parts_lie_evenly_far(bank_pc, default_pc):
    # the default ("auto") on the same faces as bank_pc's: their held-back statistics spread
    # a few % of their mean
    pc = default_pc
    gate = pc.info["jet_memory_gate"]
    assert pc.info["jet_memory"] == "on" and pc._jet.memory is not None
    assert gate["limit"] == GATE_CV and 0 < gate["spread_share"] < GATE_CV
    assert gate["spread_share"] == pytest.approx(
        bank_pc._jet.memory.stats[1] / bank_pc._jet.memory.stats[0], abs=1e-4)
    img = _good([905])[0]
    assert pc.score(img).score == pytest.approx(bank_pc.score(img).score, rel=1e-6)


def test_auto_drops_the_memory_over_the_limit_and_writes_the_bank_as_before(
        monkeypatch, tmp_path):
    import metrology.anomaly._jet_memory as jm

    imgs = _good(range(300, 340))
    off = PatchCore(select="off", comb_scan=False, jet_memory=False).fit(imgs)
    # a limit under these faces' spread: the gate drops the memory, the fit is as without it
    monkeypatch.setattr(jm, "GATE_CV", 1e-4)
    pc = PatchCore(select="off", jet_memory="auto", comb_scan=False).fit(imgs)
    assert pc._jet.memory is None
    assert pc.info["jet_memory"].startswith("off: gate") and "limit 0.0001" in \
        pc.info["jet_memory"]
    img = _good([905])[0]
    assert pc.score(img).score == off.score(img).score
    path = pc.save(tmp_path / "gated.npz")
    meta = json.loads(np.load(path)["meta"].tobytes())
    assert bank_version(path) < VERSION and "jet_memory" not in meta["settings"]
    back = PatchCore.load(path)
    assert back._jet.memory is None and back.score(img).score == pc.score(img).score


def test_damaged_memory_entries_raise(bank_pc, tmp_path):
    path = bank_pc.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    d = bank_pc._jet.memory.vectors.shape[1]
    cases = [(None, {"jet_memory_vectors": None}, "jet_memory_vectors"),
             (None, {"jet_memory_vectors": np.ones((5, d - 1), np.float32)},
              "jet_memory_vectors"),
             (None, {"jet_memory_vectors": np.full((5, d), np.nan, np.float32)},
              "jet_memory_vectors"),
             (None, {"jet_memory_vectors": np.ones((5, d), np.int64)}, "jet_memory_vectors"),
             (lambda m: m["jet_scan"]["memory"].update(score_sd=0.0), {}, "spread"),
             (lambda m: m["jet_scan"]["memory"].update(score_mean="x"), {}, "header field"),
             (lambda m: m["jet_scan"]["memory"].update(top_k=3), {}, "re-fit"),
             (lambda m: m["jet_scan"].update(memory=[1]), {}, "not an object"),
             (lambda m: m["jet_scan"].pop("memory"), {}, "memory"),
             (lambda m: m.update(version=VERSION - 1), {}, f"version {VERSION}"),
             (lambda m: m.update(memory_base_version=VERSION), {}, "memory_base_version")]
    _each_damage_raises(path, good, cases)


@pytest.mark.parametrize("bad", ["yes", 1, None, 0.5, "on"])
def test_bad_setting_raises(bad):
    with pytest.raises(InputError, match="jet_memory"):
        PatchCore(jet_memory=bad)


def test_explain_lists_the_memory_but_never_names_it_deciding(bank_pc):
    from metrology.anomaly.explain import explain

    for img in _good(range(905, 909)):
        for aligned in (False, True):
            ex = explain(bank_pc, img, aligned=aligned)
            assert "jet_memory" in {c.name for c in ex.channels}
            assert ex.decides != "jet_memory"
            assert ex.score == bank_pc.score(img, aligned=aligned).score    # the same float


def test_an_roi_that_cuts_the_face_leaves_the_memory_out(bank_pc):
    # its statistic (the mean of the largest distances) was calibrated over the whole face:
    # on a cut face it sits out, the other channels count as without it
    img = _good([909])[0]
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[:, : img.shape[1] // 2] = 1
    chans = channel_scores(bank_pc, img, mask)
    memory = [s for name, _, s in chans if name == "jet_memory"]
    assert memory == [float("-inf")]
    up = np.zeros(img.shape[:2], np.float32)
    others = [c for c in chans if c[0] != "jet_memory"]
    assert fuse(bank_pc, up, 0.0, chans)[1] == fuse(bank_pc, up, 0.0, others)[1]


def test_a_face_off_the_grid_is_scored_at_every_pixel():
    # a thin face with no pixel on the 4 px grid: every inner pixel is scored instead
    inner = np.zeros((16, 16), bool)
    inner[5, 3:14] = True
    g = np.random.default_rng(1)
    mem = JetMemory(inner, g.normal(size=(30, 4)).astype(np.float32))
    feats = g.normal(size=(4, 16, 16)).astype(np.float32)
    assert np.array_equal(mem.eval_idx, np.flatnonzero(inner.ravel()))
    m, value = mem.score(feats)
    assert np.isfinite(value) and m.shape == inner.shape and np.all(m[~inner] == 0)


def test_sampled_responses_equal_the_full_resolution_maps(fitted):
    # the memory's scoring reads the responses at its pixels only: the half-resolution
    # levels interpolated there as cv2.resize brings them up, to float32 rounding
    from metrology.anomaly._jet_memory import Sampled

    js, _, _, goods, _ = fitted
    x = js.signal(goods[0])
    (_, value), full = js.score_with_features(goods[0], x=x)
    (_, value2), sampled = js.score_with_features(goods[0], x=x, full=False)
    assert isinstance(sampled, Sampled) and value2 == value
    assert any(v.shape[1:] != full.shape[1:] for _, v in sampled.got)   # a half level
    idx = np.arange(0, full.shape[1] * full.shape[2], 7)
    want = full.reshape(len(full), -1)[:, idx].T
    np.testing.assert_allclose(sampled.at(idx), want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    d1, v1 = js.memory.raw(full)
    d2, v2 = js.memory.raw(sampled)
    np.testing.assert_allclose(d2, d1, rtol=1e-5)
    assert v2 == pytest.approx(v1, rel=1e-5)
