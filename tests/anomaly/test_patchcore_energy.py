"""The texture-energy channel in PatchCore (``texture_energy``): a rendered flattened region the
patch distances miss is caught, the bank keeps the channel (round trip, old banks, damaged
entries), bad settings raise."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.errors import InputError
from tests.anomaly.test_patchcore import _each_damage_raises, _rewrite
from tests.anomaly.test_texture_energy import SHAPE, _flatten_disc, _good

#: fitted without the fit-time selection (it does not touch the channel; keeps the tests fast)
#: and with the channels combined by their maximum, the channel's own figures (the default; the sum
#: of the channels' z-scores and the blob channel are tests/anomaly/test_fusion.py's subject)
FIT = dict(select="off", fusion="max")


@pytest.fixture(scope="module")
def data():
    train = _good(range(100, 125))
    goods = _good(range(500, 510))
    centres = [(40 + 6 * i, 70 - 3 * i) for i in range(len(goods))]
    flat = [_flatten_disc(g, c, 12.0, keep=0.3) for g, c in zip(goods, centres)]
    return train, goods, flat, centres


@pytest.fixture(scope="module")
def plain(data):
    return PatchCore(texture_energy=False, **FIT).fit(data[0])


@pytest.fixture(scope="module")
def energy(data):
    return PatchCore(texture_energy=True, **FIT).fit(data[0])


def test_flattened_region_caught_where_the_default_misses_it(data, plain, energy):
    _, goods, flat, centres = data
    assert plain._energy is None and plain.info["texture_energy"] == "off"
    assert energy._energy is not None and energy.info["texture_energy"] == "on"
    pg = np.array([plain.score(g).score for g in goods])
    pf = np.array([plain.score(f).score for f in flat])
    eg = np.array([energy.score(g).score for g in goods])
    res = [energy.score(f) for f in flat]
    ef = np.array([r.score for r in res])
    # without the channel: a texture pulled to 30 % of its contrast over a 12 px disc looks
    # like the good faces' own smooth patches (measured: flattened 5.80-6.45 against good
    # 5.81-6.37, one part of ten above the good maximum, its map peak 4-82 px off the disc)
    assert auroc(pg, pf) < 0.75 and np.mean(pf > pg.max()) <= 0.2, (pf, pg)
    # with the channel every flattened part scores above every good part, by many times the
    # good parts' range (measured: 12.0-14.2 against 5.81-6.37, about 10 ranges)
    assert ef.min() > eg.max() + 5.0 * (eg.max() - eg.min()), (ef, eg)
    # and the map peaks on the disc (measured 0-1 px from its centre)
    for r, c in zip(res, centres):
        assert np.hypot(r.max_xy[0] - c[0], r.max_xy[1] - c[1]) <= 4.0, (r.max_xy, c)
    # good parts stay on PatchCore's scale: the channel maps through the held-back parts
    for a, b in zip(eg, pg):
        assert a == pytest.approx(b, rel=0.15)


def test_aligned_path_and_roi_keep_working(data, energy):
    _, goods, flat, _ = data
    # the position-aware check adds its evidence: the channel's stays in the score and map
    for img in (goods[0], flat[0]):
        a = energy.score(img, aligned=True)
        assert a.map.shape == SHAPE and np.isfinite(a.score)
        assert a.score >= energy.score(img).score - 1e-6
    assert energy.score(flat[0], aligned=True).score > max(
        energy.score(g, aligned=True).score for g in goods)
    # an ROI set after the fit (on a copy: the fixture is shared): the channel counts inside
    # it only, the map is 0 outside
    roi = np.zeros(SHAPE, bool)
    roi[:, :64] = True
    cut = copy.deepcopy(energy).set_roi(roi)
    r = cut.score(flat[0])
    assert np.all(r.map[:, 64:] == 0) and np.isfinite(r.score)


def test_round_trip_identical_scores(data, energy, tmp_path):
    _, goods, flat, _ = data
    path = energy.save(tmp_path / "energy.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert {"energy_roi", "energy_center", "energy_spread", "energy_chan"} <= set(z.files)
    assert meta["version"] == 10 and meta["settings"]["texture_energy"] is True  # 4 + gain
    assert meta["texture_energy"]["window_px"] == 5.0
    loaded = PatchCore.load(path)
    assert loaded.settings.texture_energy is True and loaded._energy is not None
    for img in (goods[0], flat[0], flat[5]):
        a, b = energy.score(img), loaded.score(img)
        assert a.score == b.score
        assert np.array_equal(a.map, b.map)
        a, b = energy.score(img, aligned=True), loaded.score(img, aligned=True)
        assert a.score == b.score and np.array_equal(a.map, b.map)


def test_banks_without_the_channel_load(data, plain, energy, tmp_path):
    _, goods, flat, _ = data
    # switched off explicitly: no arrays, no header, version 10 (the line channel's, with
    # its shift gain; 3 before it), the choice kept in the settings
    path = plain.save(tmp_path / "plain.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert not any(k.startswith("energy_") for k in z.files)
    assert meta["version"] == 10 and meta["settings"]["texture_energy"] is False
    assert "texture_energy" not in meta
    back = PatchCore.load(path)
    assert back._energy is None and back.settings.texture_energy is False
    assert np.array_equal(back.score(flat[0]).map, plain.score(flat[0]).map)
    # an old bank: the bank as a writer before the channel wrote it (version 3, no setting,
    # no header, no arrays; nor the line channel's shift gain, which came later) loads
    # without the channel (the setting its default, which acts at fit only)
    old = energy.save(tmp_path / "old.npz")

    def strip(m):
        m.pop("texture_energy")
        m["settings"].pop("texture_energy")
        m["version"] = 3

    _rewrite(old, strip, energy_roi=None, energy_center=None, energy_spread=None,
             energy_chan=None, line_gain_ref=None)
    back = PatchCore.load(old)
    assert back._energy is None and back.settings.texture_energy == "auto"
    assert back._line.gain_ref is None
    # and scores as the plain one once that has no gain either (the gain's own effect is
    # tests/anomaly/test_line_shift_gain.py's)
    plain_old = copy.deepcopy(plain)
    plain_old._line.gain_ref = None
    for img in (goods[1], flat[1]):
        assert back.score(img).score == plain_old.score(img).score
    # "auto" (the default) where the channel cannot be fitted: off, said why, written as
    # before the channel existed (version 2, no setting), so readers that predate it load it
    few = PatchCore(texture_energy="auto", **FIT).fit(data[0][:4])
    assert few._energy is None and few.info["texture_energy"].startswith("off: ")
    with np.load(few.save(tmp_path / "few.npz")) as z:
        meta = json.loads(z["meta"].tobytes())
    assert meta["version"] == 2 and "texture_energy" not in meta["settings"]


def test_damaged_energy_arrays_raise(energy, tmp_path):
    path = energy.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    te = energy._energy.te
    nb = te.n_bands
    cases = [(None, {"energy_center": np.full(nb, np.nan, np.float32)}, "energy_center"),
             (None, {"energy_center": te.center[:-1]}, "energy_center"),
             (None, {"energy_spread": np.zeros(nb, np.float32)}, "energy_spread"),
             (None, {"energy_spread": te.spread.astype(np.int64)}, "energy_spread"),
             (None, {"energy_chan": te.chan[:, :3]}, "energy_chan"),
             (None, {"energy_chan": np.stack([te.chan[0], -te.chan[1]])}, "energy_chan"),
             (None, {"energy_chan": None}, "energy_chan"),
             (None, {"energy_roi": np.zeros(SHAPE, np.uint8)}, "energy_roi"),
             (None, {"energy_roi": np.ones((64, 64), np.uint8)}, "energy_roi"),
             (lambda m: m["texture_energy"].update(score_sd=0.0), {}, "score statistics"),
             (lambda m: m["texture_energy"].update(patchcore_mean=None), {}, "header field"),
             (lambda m: m["texture_energy"].pop("window_px"), {}, "header field"),
             (lambda m: m["texture_energy"].update(top_k=0), {}, "top_k"),
             (lambda m: m["texture_energy"].update(window_px=1e300), {}, "window_px"),
             (lambda m: m["texture_energy"].update(bands_px="12"), {}, "energy_center"),
             (lambda m: m["texture_energy"].update(level="yes"), {}, "level"),
             (lambda m: m["texture_energy"].update(erode_px=2), {}, "re-fit"),
             (lambda m: m.update(texture_energy=[1]), {}, "not an object"),
             (lambda m: m.pop("texture_energy"), {}, "without their header"),
             (lambda m: m.update(version=3), {"line_gain_ref": None}, "without their header"),
             (lambda m: m.pop("texture_energy"),
              {"energy_roi": None, "energy_center": None, "energy_spread": None,
               "energy_chan": None}, "has none"),
             (lambda m: m["settings"].update(texture_energy=False), {}, "texture_energy off")]
    _each_damage_raises(path, good, cases)


def test_bad_setting_raises(data):
    train = data[0]
    for bad in (float("nan"), 1, 0, "yes", "Auto", None, "on"):
        with pytest.raises(InputError, match="texture_energy"):
            PatchCoreSettings(texture_energy=bad)
        with pytest.raises(InputError, match="texture_energy"):
            PatchCore(texture_energy=bad)
    with pytest.raises(InputError, match="texture_energy"):
        PatchCore(texture_energy=True, image_score="reweighted")
    with pytest.raises(InputError, match="at least 5"):
        PatchCore(texture_energy=True, **FIT).fit(train[:4])
    tiny = np.zeros(SHAPE, bool)
    tiny[60:66, 60:66] = True
    with pytest.raises(InputError, match="texture energy"):
        PatchCore(texture_energy=True, line_scan=False, **FIT).fit(train[:6], roi=tiny)
    # "auto" leaves it out where it cannot be used, and says why
    rw = PatchCore(texture_energy="auto", image_score="reweighted", **FIT).fit(train[:5])
    assert rw._energy is None and "reweighted" in rw.info["texture_energy"]
    s = PatchCoreSettings(texture_energy="auto")
    assert PatchCoreSettings.from_dict(s.to_dict()) == s
