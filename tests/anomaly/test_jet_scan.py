"""The jet channel (``jet_scan``, on by default with the line channel and at least 40 good
images): a faint shaded dent on a streaked texture whose lay turns from part to part is found
and located, which the trained whitening alone cannot do; the score ignores lighting gain; the
bank keeps the channel (round trip, version 7; version-6 banks still load); damaged entries,
bad settings and too few images raise the library's errors; banks without the channel still
load."""

from __future__ import annotations

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly._jet_scan import JetScan
from metrology.errors import FileFormatError, InputError
from tests.anomaly.test_patchcore import _each_damage_raises, _rewrite
from tests.anomaly.test_texture_energy import _good

N = 128


def _texture(g: np.random.Generator, lay: float | None = None) -> np.ndarray:
    """Streaks (Gaussian noise filtered along a lay, random per part unless ``lay``), 6 gray
    levels spread on 128, and 1 level of sensor noise, float32."""
    ang = g.uniform(0, np.pi) if lay is None else lay
    fy, fx = np.fft.fftfreq(N)[:, None], np.fft.fftfreq(N)[None, :]
    u = fx * np.cos(ang) + fy * np.sin(ang)
    v = -fx * np.sin(ang) + fy * np.cos(ang)
    env = np.exp(-0.5 * ((u / 0.02) ** 2 + (v / 0.25) ** 2))
    t = np.real(np.fft.ifft2(np.fft.fft2(g.normal(size=(N, N))) * env))
    return (128 + 6 * t / t.std() + g.normal(0, 1, (N, N))).astype(np.float32)


def _dent(g: np.random.Generator, img: np.ndarray, amp: float):
    """A shaded dent (the slope of a round bump of sigma 3-5 px lit from a random side: bright
    on one side, dark on the other, ``amp`` gray levels at its extremes) and its centre."""
    yy, xx = np.mgrid[0:N, 0:N].astype(float)
    c = g.uniform(24, N - 24, 2)
    s, a = g.uniform(3, 5), g.uniform(0, 2 * np.pi)
    dx, dy = xx - c[0], yy - c[1]
    shade = (np.cos(a) * dx + np.sin(a) * dy) / s * np.exp(-0.5 * (dx ** 2 + dy ** 2) / s ** 2)
    return (img + amp * shade / np.abs(shade).max()).astype(np.float32), c


@pytest.fixture(scope="module")
def turning():
    """A jet channel fitted on 40 faces whose lay turns from part to part; 15 good faces and
    15 with a dent of 8 gray levels (1.3 texture spreads) from the same generator."""
    g = np.random.default_rng(0)
    train = [_texture(g) for _ in range(40)]
    js = JetScan.fit(train, np.arange(40) % 5 == 4, np.ones((N, N), bool))
    goods = [_texture(g) for _ in range(15)]
    dents = [_dent(g, _texture(g), 8.0) for _ in range(15)]
    return js, goods, dents


def test_dent_on_turning_lay_found_and_located(turning):
    js, goods, dents = turning
    sg = [js.score(x)[1] for x in goods]
    res = [js.score(d) for d, _ in dents]
    # measured 1.000 (amplitude 8; 0.88 at 6, 0.76 at 4): the dents' lowest score is above
    # every good part's
    assert auroc(sg, [v for _, v in res]) >= 0.95
    # the map peaks on the dent (measured 15 / 15 within 6 px, a dent's radius being 2 sigma
    # = 6-10 px)
    hits = 0
    for (m, _), (_, c) in zip(res, dents):
        y, x = np.unravel_index(np.argmax(m), m.shape)
        hits += np.hypot(x - c[0], y - c[1]) <= 6
    assert hits >= 12


def test_own_whitening_is_what_finds_it(turning):
    # the same statistics whitened only as trained (the even rows): the training lays are
    # averaged, so a part's own streaks look like marks (measured 0.60 against 1.00)
    js, goods, dents = turning

    def trained_only(x):  # the largest z over each level's own face
        return max(float(((st - js.mu[i]) / js.sd[i])[lv.inner].max())
                   for i, lv, st in js.statistics(js.signal(x)) if i % 2 == 0)

    a = auroc([trained_only(x) for x in goods], [trained_only(d) for d, _ in dents])
    assert a <= 0.8


def test_half_resolution_scales_find_what_full_resolution_finds(turning):
    # the same channel with every scale at full resolution (as version-6 banks were fitted):
    # the two maps agree on every dent (measured: correlated 0.94-1.00, peaks within 7.6 px,
    # both on the dent, whose radius is 6-10 px); where a large scale gives the score the
    # half-resolution one is lower (0.72-1.00 of the full one's), as it is on good parts
    # (their highest 3.7 against 4.5)
    js, goods, dents = turning
    g = np.random.default_rng(0)
    train = [_texture(g) for _ in range(40)]
    full = JetScan.fit(train, np.arange(40) % 5 == 4, np.ones((N, N), bool), half_from=None)
    assert len(js.levels) == 2 and len(full.levels) == 1 and full.half_from is None
    for d, _ in dents:
        (m1, v1), (m2, v2) = js.score(d), full.score(d)
        assert 0.6 < v1 / v2 < 1.1
        assert np.corrcoef(m1.ravel(), m2.ravel())[0, 1] > 0.9
        p1, p2 = np.unravel_index(np.argmax(m1), m1.shape), np.unravel_index(np.argmax(m2),
                                                                               m2.shape)
        assert np.hypot(p1[0] - p2[0], p1[1] - p2[1]) <= 10
    assert max(js.score(x)[1] for x in goods) < max(full.score(x)[1] for x in goods)


def test_lighting_gain_does_not_change_the_score(turning):
    js, goods, dents = turning
    for img in (goods[0], dents[0][0]):
        m1, v1 = js.score(img)
        m2, v2 = js.score(img * np.float32(1.12))
        assert v2 == pytest.approx(v1, abs=1e-3)
        assert np.max(np.abs(m2 - m1)) < 1e-2


def test_black_and_constant_frames_stay_finite(bank_pc):
    # a black frame has almost no covariance of its own: a little of the trained one floors
    # it (without that floor the score was 1.6e18); measured 1.2e5, far above good parts
    # (about 5-10) and finite; a constant gray frame has no texture at all and scores as the other
    # channels say (83 measured)
    good = bank_pc.score(_good([905])[0]).score
    img = _good([905])[0]
    for frame in (np.zeros_like(img), np.full_like(img, 128), np.full_like(img, 255)):
        r = bank_pc.score(frame)
        assert np.isfinite(r.score) and np.all(np.isfinite(r.map))
        assert good < r.score < 1e6


def test_small_face_raises():
    roi = np.zeros((N, N), bool)
    roi[60:70, 60:70] = True
    g = np.random.default_rng(1)
    with pytest.raises(InputError, match="too small"):
        JetScan.fit([_texture(g) for _ in range(10)], np.arange(10) % 5 == 4, roi)


@pytest.fixture(scope="module")
def bank_pc():
    # the jet memory pinned off: where its gate keeps it (on by default) it wraps the bank to
    # its own version, 19 (``test_jet_memory``); these check the jet channel's and head's
    return PatchCore(jet_scan=True, jet_head=True, jet_memory=False,
                     select="off").fit(_good(range(300, 320)))


def test_patchcore_with_the_channel_round_trip(bank_pc, tmp_path):
    assert bank_pc.info["jet_scan"] == "on" and bank_pc._jet is not None
    assert bank_pc.info["jet_head"] == "on" and bank_pc._jet.head is not None
    path = bank_pc.save(tmp_path / "jet.npz")
    back = PatchCore.load(path)
    assert back._jet is not None and back._jet.head is not None
    for img in _good(range(900, 903)):
        a, b = bank_pc.score(img), back.score(img)
        assert a.score == b.score and np.array_equal(a.map, b.map)
    import json
    with np.load(path) as z:
        # 7, the line gain, the head and the comb channel's two bands ("auto", kept; the 0.25
        # band on quarter-size blocks: 14)
        assert json.loads(z["meta"].tobytes())["version"] == 14


def test_damaged_jet_entries_raise(bank_pc, tmp_path):
    path = bank_pc.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    n = 2 * len(bank_pc._jet.sigmas) * 3
    cases = [(None, {"jet_sd": np.zeros(n, np.float32)}, "jet_sd"),
             (None, {"jet_mu": np.ones(3, np.float32)}, "jet_mu"),
             (None, {"jet_psd": np.full((4, 4), np.nan, np.float32)}, "jet_psd"),
             (None, {"jet_whiten": None}, "jet_whiten"),
             (None, {"jet_whiten": np.zeros((n // 2, 3, 3), np.float32)}, "singular"),
             (lambda m: m["jet_scan"].update(sigmas_px=[1e9]), {}, "sigmas_px"),
             (lambda m: m["jet_scan"].update(score_sd="x"), {}, "header field"),
             (lambda m: m["jet_scan"].update(score_sd=0.0), {}, "spreads"),
             (lambda m: m["jet_scan"].update(erode_px=3), {}, "re-fit"),
             (lambda m: m.update(jet_scan=[1]), {}, "not an object"),
             (lambda m: m.update(version=5), {"line_gain_ref": None}, "version 6"),
             (lambda m: m.pop("jet_scan"), {}, "version 6"),
             (lambda m: m.update(version=6), {"line_gain_ref": None}, "half resolution"),
             (lambda m: m["jet_scan"].update(half_from_px=0.5), {}, "half_from_px"),
             (lambda m: m["jet_scan"].update(half_from_px="x"), {}, "header field"),
             (None, {"jet_psd_half": None}, "jet_psd_half"),
             (None, {"jet_psd_half": np.ones((5, 5), np.float32)}, "jet_psd_half"),
             (None, {"jet_psd_half": np.zeros_like(bank_pc._jet.levels[-1].psd)},
              "jet_psd_half"),
             (lambda m: m["settings"].update(jet_scan=False), {}, "jet_scan off")]
    _each_damage_raises(path, good, cases)


def test_version_6_bank_loads_and_scores_as_fitted(monkeypatch, tmp_path):
    # a bank fitted before the half-resolution scales (every scale at full resolution) is
    # written as version 6, loads as such and scores exactly as it did (fitted before the
    # line channel's shift gain too)
    from metrology.anomaly import _jet_scan, _line_scan

    monkeypatch.setattr(_jet_scan, "HALF_FROM_PX", None)
    monkeypatch.setattr(_line_scan, "SHIFT_GAIN", False)
    pc = PatchCore(jet_scan=True, jet_head=False, comb_scan=False, jet_memory=False,
                   select="off").fit(_good(range(300, 320)))
    assert pc._jet.half_from is None and len(pc._jet.levels) == 1
    path = pc.save(tmp_path / "v6.npz")
    import json
    with np.load(path) as z:
        assert json.loads(z["meta"].tobytes())["version"] == 6 and "jet_psd_half" not in z
    back = PatchCore.load(path)
    assert back._jet.half_from is None
    for img in _good(range(900, 902)):
        a, b = pc.score(img), back.score(img)
        assert a.score == b.score and np.array_equal(a.map, b.map)


def test_bank_without_the_channel_loads(tmp_path):
    pc = PatchCore(select="off").fit(_good(range(300, 320)))   # 20 images: 'auto' leaves it off
    assert pc._jet is None and pc.info["jet_scan"].startswith("off: 'auto' needs at least 40")
    path = pc.save(tmp_path / "plain.npz")
    back = PatchCore.load(path)
    assert back._jet is None
    img = _good([901])[0]
    assert back.score(img).score == pc.score(img).score
    # a bank that asks for the channel but has none is refused
    _rewrite(path, lambda m: m["settings"].update(jet_scan=True))
    with pytest.raises(FileFormatError, match="jet channel"):
        PatchCore.load(path)


def test_bad_settings_and_too_few_images_raise():
    for bad in ("yes", None, 1, "Auto"):
        with pytest.raises(InputError, match="jet_scan"):
            PatchCoreSettings(jet_scan=bad)
    with pytest.raises(InputError, match="line channel"):
        PatchCoreSettings(jet_scan=True, line_scan=False)
    with pytest.raises(InputError, match="at least 10"):
        PatchCore(jet_scan=True, select="off").fit(_good(range(300, 309)))


def test_odd_image_size_scores_and_round_trips(tmp_path):
    # an odd size has a half-resolution level of ceil(h / 2) x ceil(w / 2) (OpenCV's area
    # resampling); its map comes back at full size, and the bank written with it loads and
    # scores the same
    g = np.random.default_rng(0)
    ims = [_texture(g)[:121, :127] for _ in range(12)]
    js = JetScan.fit(ims, np.arange(12) % 5 == 4, np.ones((121, 127), bool))
    assert [lv.roi.shape for lv in js.levels] == [(121, 127), (61, 64)]
    m, v = js.score(ims[0])
    assert m.shape == (121, 127) and np.isfinite(v) and np.all(np.isfinite(m))
    pc = PatchCore(jet_scan=True, select="off").fit([im.astype(np.uint8) for im in ims])
    back = PatchCore.load(pc.save(tmp_path / "odd.npz"))
    a, b = pc.score(ims[0].astype(np.uint8)), back.score(ims[0].astype(np.uint8))
    assert back._jet.half_from == 4.0 and a.score == b.score and np.array_equal(a.map, b.map)
