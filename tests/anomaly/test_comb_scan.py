"""The comb channel (``comb_scan``, on the jet channel's face signal; ``"auto"`` by default): a faint band
of fine grooves (0.42 cycles per px, 1/6 of the texture's spread) is found, located and its
direction read, where the jet channel does not see it; coarse grooves are not its business;
the score ignores lighting gain; the ``"auto"`` gate drops it on a face made of comb-band
patches and keeps it on a plain one; the 0.25 band on its quarter-size blocks finds and
locates its own grooves as the half-size scan did; the two bands share one spectrum per image;
the bank keeps the channel (version 14, with or without the jet's head; version 13 banks score
their 0.25 band on half-size blocks, as calibrated); damaged entries, contradicting settings and
too few images raise the library's errors."""

from __future__ import annotations


import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly._comb_scan import (BLOCK_DIV, GATE_MEAN, N_DIRECTIONS, CombScan,
                                          fit_comb_state, score_bands)
from metrology.anomaly._jet_scan import JetScan
from metrology.errors import FileFormatError, InputError
from tests.anomaly.test_patchcore import (_each_damage_raises, _rewrite, bank_version,
                                          round_trips)
from tests.anomaly.test_texture_energy import _good

N = 128
HELD = np.arange(40) % 5 == 4
#: the jet memory pinned off in the banks below: where its gate keeps it (on by default) it
#: wraps the bank to its own version, 19 (``test_jet_memory``); these check the comb's alone
NO_MEMORY = {"jet_memory": False}


def _texture(g: np.random.Generator) -> np.ndarray:
    """A blasted-like face: white noise blurred over 1.2 px, 6 gray levels spread on 128,
    and 1 level of sensor noise, float32."""
    import cv2

    t = cv2.GaussianBlur(g.normal(size=(N, N)).astype(np.float32), (0, 0), 1.2)
    return (128 + 6 * t / t.std() + g.normal(0, 1, (N, N))).astype(np.float32)


def _grooves(g: np.random.Generator, img: np.ndarray, amp: float, freq: float = 0.42):
    """A band of parallel grooves (a drag mark): a cosine of ``freq`` cycles per px across
    them, ``amp`` gray levels, under a Gaussian envelope about 36 px along them and 14 px
    across; returns the image, the band's centre (x, y) and its normal's angle (rad)."""
    yy, xx = np.mgrid[0:N, 0:N].astype(float)
    c, a = g.uniform(32, N - 32, 2), g.uniform(0, np.pi)
    dx, dy = xx - c[0], yy - c[1]
    across = dx * np.cos(a) + dy * np.sin(a)
    along = -dx * np.sin(a) + dy * np.cos(a)
    env = np.exp(-0.5 * (along / 14.4) ** 2 - 0.5 * (across / 5.6) ** 2)
    return (img + amp * env * np.cos(2 * np.pi * freq * across)).astype(np.float32), c, a


@pytest.fixture(scope="module")
def fitted():
    """Jet and comb channels fitted on 40 plain faces (every 5th held back), 15 good faces."""
    g = np.random.default_rng(0)
    train = [_texture(g) for _ in range(40)]
    js = JetScan.fit(train, HELD, np.ones((N, N), bool))
    js.pc_stats = (0.0, 1.0)
    cs = CombScan.fit([js.signal(x) for x in train], HELD, js.roi)
    return js, cs, [_texture(g) for _ in range(15)]


def _scores(js, cs, imgs):
    return [cs.score_signal(js.signal(x)) for x in imgs]


def test_faint_groove_band_found_located_and_turned(fitted):
    # grooves of 1 gray level (a sixth of the texture's spread): every band scores above every
    # good face (measured 1.000; the jet channel 0.60, its compact templates do not add up a
    # periodic mark).  At 1.5 levels (14 of 15 located at 1.0, all at 1.5) the map's peak
    # within 8 px of the band's centre (its envelope is 36 x 14 px) and the strongest
    # direction at the centre within 3 degrees of the grooves' normal (the grid is 5 degrees:
    # at most half a step off; measured 2.5)
    js, cs, goods = fitted
    g = np.random.default_rng(5)
    bands = [_grooves(g, _texture(g), 1.0) for _ in range(15)]
    res = _scores(js, cs, [b for b, _, _ in bands])
    assert auroc([v for _, v in _scores(js, cs, goods)], [v for _, v in res]) >= 0.95
    assert auroc([js.score(x)[1] for x in goods], [js.score(b)[1] for b, _, _ in bands]) < 0.8
    g = np.random.default_rng(5)
    bands = [_grooves(g, _texture(g), 1.5) for _ in range(15)]
    res = _scores(js, cs, [b for b, _, _ in bands])
    for (m, _), (b, c, a) in zip(res, bands):
        peak = np.array(np.unravel_index(m.argmax(), m.shape))[::-1]
        assert np.hypot(*(peak - c)) < 8
        e = cs.energies(js.signal(b))[:, int(c[1]) // 2, int(c[0]) // 2]
        off = abs((e.argmax() * 180 / N_DIRECTIONS - np.degrees(a) + 90) % 180 - 90)
        assert off <= 3.0


def test_coarse_grooves_are_not_its_business(fitted):
    # the same band at 0.15 cycles per px (a 6.7 px pitch) lies outside the band-pass:
    # near chance (measured 0.57), where the 0.42 band at the same amplitude scores 1.000
    js, cs, goods = fitted
    g = np.random.default_rng(5)
    bands = [_grooves(g, _texture(g), 1.0, freq=0.15)[0] for _ in range(15)]
    assert auroc([v for _, v in _scores(js, cs, goods)],
                 [v for _, v in _scores(js, cs, bands)]) < 0.75


def test_the_025_band_on_quarter_blocks_finds_and_locates_its_grooves(fitted, monkeypatch):
    # grooves 4 px apart (0.25 cycles per px) at 3 gray levels (half the texture's spread,
    # which is stronger at 0.25 than at 0.42 cycles per px): the 0.25 band on its quarter-size
    # blocks (the default, rule 52) scores every band above every good face (measured 1.000;
    # at 2 levels 0.93) and puts the map's peak within 12 px of the band's centre (its
    # envelope is 36 x 14 px; measured <= 6.7 px).  On half-size blocks (before rule 52): the
    # same (1.000, 0.89 at 2 levels; <= 9.7 px), and the two scans' scores agree
    js, _, goods = fitted
    g0 = np.random.default_rng(0)
    train = [js.signal(_texture(g0)) for _ in range(40)]
    g = np.random.default_rng(6)
    bands = [_grooves(g, _texture(g), 3.0, freq=0.25) for _ in range(12)]
    got = {}
    for div in (4, 2):
        monkeypatch.setitem(BLOCK_DIV, "comb25", div)
        c25 = CombScan.fit(train, HELD, js.roi, "comb25")
        assert c25.div == div and \
            c25.energies(train[0]).shape == (N_DIRECTIONS, N // div, N // div)
        good = [c25.score_signal(js.signal(x))[1] for x in goods]
        res = [c25.score_signal(js.signal(b)) for b, _, _ in bands]
        assert auroc(good, [v for _, v in res]) >= 0.95, div
        for (m, _), (_, c, _) in zip(res, bands):
            peak = np.unravel_index(np.argmax(m), m.shape)
            assert np.hypot(peak[1] - c[0], peak[0] - c[1]) <= 12.0, div
        got[div] = good + [v for _, v in res]
    assert np.corrcoef(got[2], got[4])[0, 1] > 0.9


def test_lighting_gain_does_not_change_the_score(fitted):
    js, cs, goods = fitted
    for x in goods[:3]:
        (m1, v1), (m2, v2) = _scores(js, cs, [x, x * np.float32(1.12)])
        assert v2 == pytest.approx(v1, abs=1e-3) and np.max(np.abs(m2 - m1)) < 1e-2


def test_map_is_zero_off_the_face_and_positive_on_it(fitted):
    js, cs, goods = fitted
    m, v = _scores(js, cs, goods[:1])[0]
    assert m.shape == (N, N) and np.isfinite(v) and np.all(np.isfinite(m))
    assert np.all(m[~cs.inner] == 0) and np.all(m[cs.inner] > 0)


def test_gate_drops_it_on_a_combed_face_and_keeps_it_on_a_plain_one(fitted):
    # good faces carrying three strong groove bands each (4 gray levels at 0.42 cycles/px):
    # their own held-back score in that band (measured 4.4) is over the gate, so "auto" drops
    # the band and says why, True keeps it; on plain faces (measured 2.23) "auto" keeps both
    js, _, _ = fitted
    g = np.random.default_rng(9)
    combed = []
    for _ in range(40):
        x = _texture(g)
        for _ in range(3):
            x = _grooves(g, x, 4.0)[0]
        combed.append(x)
    jc = JetScan.fit(combed, HELD, np.ones((N, N), bool))
    jc.pc_stats = (0.0, 1.0)
    info: dict = {}
    # each band is gated on its own: the 0.25 band sees no comb of its own there and stays
    assert set(fit_comb_state("auto", jc, combed, HELD, info)) == {"comb25"}
    assert info["comb_scan"].startswith("on: comb25 (gate: comb ") and \
        info["comb_scan_gate"]["comb"]["held_mean"] >= GATE_MEAN > \
        info["comb_scan_gate"]["comb25"]["held_mean"]
    assert set(fit_comb_state(True, jc, combed, HELD, {})) == {"comb", "comb25"}
    info = {}
    plain = [_texture(np.random.default_rng(i)) for i in range(40)]
    assert set(fit_comb_state("auto", js, plain, HELD, info)) == {"comb", "comb25"}
    assert info["comb_scan"] == "on" and \
        all(g["held_mean"] < GATE_MEAN for g in info["comb_scan_gate"].values())
    assert fit_comb_state(False, js, plain, HELD, {}) == {}


class _ThinJet:
    """A jet channel's stand-in on a face 13 px wide: 1 px is left inside it at full
    resolution, none at half."""
    roi = np.zeros((N, N), bool)
    roi[20:100, 60:73] = True
    pc_stats = (0.0, 1.0)

    @staticmethod
    def signal(x):
        return np.where(_ThinJet.roi, x / 128 - 1, 0).astype(np.float32)


def test_small_face_and_odd_size():
    roi = np.zeros((N, N), bool)
    roi[60:70, 60:70] = True
    with pytest.raises(InputError, match="too small"):
        CombScan(roi, np.ones((N, N)), np.ones(N_DIRECTIONS))
    # on a face too thin for it "auto" leaves the channel off and says why (the default's
    # fit goes on); True raises
    g = np.random.default_rng(4)
    faces, info = [_texture(g) for _ in range(40)], {}
    assert fit_comb_state("auto", _ThinJet, faces, HELD, info) == {}
    assert info["comb_scan"].startswith("off: 'auto'") and "too small" in info["comb_scan"]
    with pytest.raises(InputError, match="comb_scan: the part face is too small"):
        fit_comb_state(True, _ThinJet, faces, HELD, {})
    # an odd size: half-size blocks of floor(h / 2) x floor(w / 2), the map back at full size
    g = np.random.default_rng(3)
    ims = [_texture(g)[:121, :127] for _ in range(10)]
    cs = CombScan.fit(ims, np.arange(10) % 5 == 4, np.ones((121, 127), bool))
    m, v = cs.score_signal(ims[0] / 128 - 1)
    assert m.shape == (121, 127) and np.isfinite(v)


class _NarrowJet(_ThinJet):
    """A face 16 px wide: 4 px are left inside it, two half-resolution pixels, no
    quarter-resolution one (its 4 x 4 blocks straddle the 4 px)."""
    roi = np.zeros((N, N), bool)
    roi[20:100, 56:72] = True

    @staticmethod
    def signal(x):
        return np.where(_NarrowJet.roi, x / 128 - 1, 0).astype(np.float32)


def test_a_face_too_thin_for_the_quarter_grid_keeps_the_042_band():
    # "auto" leaves out only the band whose grid the face is too thin for (the 0.25 band's,
    # the coarser) and keeps the 0.42 band, which scans it; True raises
    g = np.random.default_rng(4)
    faces, info = [_texture(g) for _ in range(40)], {}
    got = fit_comb_state("auto", _NarrowJet, faces, HELD, info)
    assert set(got) == {"comb"} and set(info["comb_scan_gate"]) == {"comb"}
    assert info["comb_scan"].startswith("on: comb (comb25: face too thin") and \
        "1/4 resolution" in info["comb_scan"]
    with pytest.raises(InputError, match="1/4 resolution"):
        fit_comb_state(True, _NarrowJet, faces, HELD, {})


@pytest.fixture(scope="module")
def bank_pc():
    return PatchCore(select="off", comb_scan=True, **NO_MEMORY).fit(_good(range(300, 340)))


def test_patchcore_with_the_comb_round_trips(bank_pc, tmp_path):
    assert bank_pc.info["comb_scan"] == "on" and set(bank_pc._jet.combs) == {"comb", "comb25"}
    assert bank_pc.info["comb_scan_seconds"] > 0
    back = round_trips(bank_pc, tmp_path / "comb.npz", 14, _good(range(900, 903)))
    assert set(back._jet.combs) == {"comb", "comb25"} and back.settings.comb_scan is True
    # the comb's evidence is in the fused score: without it the score is never higher
    saved, bank_pc._jet.combs = bank_pc._jet.combs, {}
    try:
        plain = [bank_pc.score(img).score for img in _good(range(900, 903))]
    finally:
        bank_pc._jet.combs = saved
    assert all(p <= bank_pc.score(img).score for p, img in zip(plain, _good(range(900, 903))))


def test_comb_with_the_head_round_trips(tmp_path):
    pc = PatchCore(select="off", comb_scan=True, jet_head=True, **NO_MEMORY).fit(
        _good(range(300, 340)))
    back = round_trips(pc, tmp_path / "both.npz", 14, _good([905]))
    assert back._jet.head is not None and back._jet.combs


def test_bands_share_one_spectrum_and_score_as_band_by_band(bank_pc, tmp_path):
    # the bands of one fit share their whitening (one object), so the scorer whitens an
    # image's spectrum once for both; the values are exactly the band-by-band ones, also on a
    # loaded bank (two equal arrays) and where the whitenings differ (each its own)
    js = bank_pc._jet
    assert js.combs["comb"].white is js.combs["comb25"].white
    x = js.signal(_good([907])[0].astype(np.float32))
    one = {n: c.score_signal(x) for n, c in js.combs.items()}

    def same(got):
        return all(np.array_equal(m, one[n][0]) and v == one[n][1] for n, _, (m, v) in got)

    assert same(score_bands(js.combs, x))
    back = PatchCore.load(bank_pc.save(tmp_path / "b.npz"))._jet.combs
    assert back["comb"].white is not back["comb25"].white and same(score_bands(back, x))
    calls = []
    for c in back.values():
        c._spectrum = lambda y, c=c: calls.append(c.name) or CombScan._spectrum(c, y)
    assert same(score_bands(back, x)) and calls == ["comb"]
    back["comb25"].white = back["comb25"].white * 1.5
    assert same(score_bands(back, x)) is False and calls == ["comb", "comb", "comb25"]


def test_a_version_13_bank_scores_its_025_band_on_half_blocks(monkeypatch, tmp_path):
    # a bank written before rule 52 (the 0.25 band on half-size blocks, no 'block_div') loads
    # as version 13 and scores as it was calibrated: half-size blocks, the same scores
    monkeypatch.setitem(BLOCK_DIV, "comb25", 2)
    old = PatchCore(select="off", comb_scan=True, **NO_MEMORY).fit(_good(range(300, 340)))
    path = old.save(tmp_path / "v13.npz")
    assert bank_version(path) == 13
    monkeypatch.setitem(BLOCK_DIV, "comb25", 4)
    back = PatchCore.load(path)
    assert back._jet.combs["comb25"].div == 2 and back._jet.combs["comb"].div == 2
    imgs = _good(range(910, 913))
    assert [back.score(im).score for im in imgs] == [old.score(im).score for im in imgs]
    assert bank_version(back.save(tmp_path / "again.npz")) == 13


def test_damaged_comb_entries_raise(bank_pc, tmp_path):
    path = bank_pc.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    cases = [(None, {"jet_comb_ref": np.ones(3)}, "jet_comb_ref"),
             (None, {"jet_comb_ref": None}, "jet_comb_ref"),
             (None, {"jet_comb_white": np.full((N, N), np.nan, np.float32)}, "jet_comb_white"),
             (None, {"jet_comb_white": np.zeros((N, N), np.float32)}, "jet_comb_white"),
             (lambda m: m["jet_scan"]["comb"].update(frequency=0.3), {}, "re-fit"),
             (lambda m: m["jet_scan"]["comb"].update(score_sd=0.0), {}, "spread"),
             (lambda m: m["jet_scan"]["comb"].update(score_mean="x"), {}, "header field"),
             (lambda m: m["jet_scan"].update(comb=[1]), {}, "not an object"),
             (lambda m: m["jet_scan"].pop("comb"), {}, "without the header's 'comb'"),
             (None, {"jet_comb25_ref": np.ones(3)}, "jet_comb25_ref"),
             (lambda m: m["jet_scan"]["comb25"].update(frequency=0.42), {}, "re-fit"),
             (lambda m: m["jet_scan"].pop("comb25"), {}, "without the header's 'comb25'"),
             (lambda m: m.update(version=12), {}, "version 13"),
             (lambda m: m.update(version=13), {}, "quarter-size"),
             (lambda m: m["jet_scan"]["comb25"].update(block_div=8), {}, "block_div"),
             (lambda m: m["jet_scan"]["comb"].update(block_div=4), {}, "block_div"),
             (lambda m: m["jet_scan"]["comb25"].update(block_div=[4]), {}, "block_div"),
             (lambda m: m["jet_scan"]["comb25"].update(block_div=True), {}, "block_div"),
             (lambda m: m.update(version=11), {}, "version 12"),
             (lambda m: m["settings"].update(comb_scan=False), {}, "comb_scan False")]
    _each_damage_raises(path, good, cases)


def test_default_fits_it_where_the_gate_keeps_it():
    pc = PatchCore(select="off").fit(_good(range(300, 340)))
    assert pc.settings.comb_scan == "auto" and pc.info["comb_scan"] == "on"
    assert set(pc._jet.combs) == {"comb", "comb25"}
    assert all(g["held_mean"] < GATE_MEAN for g in pc.info["comb_scan_gate"].values())


def test_bank_without_the_comb_refuses_settings_asking_for_it(tmp_path):
    pc = PatchCore(select="off", comb_scan=False, **NO_MEMORY).fit(_good(range(300, 340)))
    assert pc._jet is not None and not pc._jet.combs and pc.info["comb_scan"] == "off"
    path = pc.save(tmp_path / "plain.npz")
    assert bank_version(path) == 10
    assert PatchCore.load(path).settings.comb_scan is False
    _rewrite(path, lambda m: m["settings"].update(comb_scan=True))
    with pytest.raises(FileFormatError, match="comb_scan True"):
        PatchCore.load(path)


def test_bad_settings_and_too_few_images_raise():
    for bad in ("yes", None, 1, "Auto"):
        with pytest.raises(InputError, match="comb_scan"):
            PatchCoreSettings(comb_scan=bad)
    with pytest.raises(InputError, match="comb_scan: needs the jet channel"):
        PatchCoreSettings(comb_scan=True, jet_scan=False)
    with pytest.raises(InputError, match="comb_scan: the jet channel needs at least 40"):
        PatchCore(comb_scan=True, select="off").fit(_good(range(300, 320)))


def test_a_band_pickled_before_rule_52_scores_as_before(fitted):
    # a band object from before the quarter-size blocks (no ``div``, its mask ``inner_half``)
    # unpickles as the half-size scan it was, with the same scores
    import pickle

    js, cs, goods = fitted
    state = dict(cs.__dict__)
    state["inner_half"] = state.pop("inner_block")
    del state["div"]
    old = CombScan.__new__(CombScan)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    x = js.signal(goods[0])
    assert old.div == 2 and old.score_signal(x)[1] == cs.score_signal(x)[1]
