"""``fusion="colocated"``: the channels' maximum plus the support of the others at the same
place.

The sum itself on hand-made maps (co-located moderate answers against a lone stronger one,
no support is the maximum, each map shifted to its score, the window, the maximum's map and
score kept off the face), then a fitted bank: at least the maximum's score and on
PatchCore's scale, faint spots caught at least as well as by the maximum, a missing feature
still caught off the face, the bank round trip and its damaged header."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly import _colocated as C
from metrology.errors import FileFormatError, InputError
from tests.anomaly.test_fusion import _spot
from tests.anomaly.test_patchcore import _rewrite
from tests.anomaly.test_texture_energy import _good

MEAN, SD = 5.0, 0.5


def _pc():
    """A stand-in with PatchCore's held-back scale (what ``pc_stats`` reads)."""
    return SimpleNamespace(_line=SimpleNamespace(pc_stats=(MEAN, SD)), _energy=None)


def _units(z: np.ndarray) -> np.ndarray:
    return (MEAN + SD * z).astype(np.float32)


def _face(shape=(64, 64)) -> np.ndarray:
    f = np.zeros(shape, bool)
    f[8:56, 8:56] = True
    return f


def _chan(z_at: dict, face: np.ndarray, base: float = -2.0) -> np.ndarray:
    """A channel's map in PatchCore units: ``base`` z on the face, the given z at pixels."""
    z = np.full(face.shape, base, np.float32)
    for (r, c), v in z_at.items():
        z[r, c] = v
    return np.where(face, _units(z), np.float32(0.0))


def _combine(up, chans, value=None):
    """``combine_colocated`` as ``_fusion.combine`` calls it, with ``"max"``'s score and map."""
    value = float(up.max()) if value is None else value
    top = up
    for _, m, _ in chans:
        top = np.where(m != 0, np.maximum(top, m), top)
    fused = max([value] + [s for n, _, s in chans if n != "blob"])
    return C.combine_colocated(_pc(), up, value, chans, fused, top)


def _scored(name, m):
    return (name, m, float(m[m != 0].max()))


def test_colocated_moderate_answers_outrank_a_lone_stronger_one():
    face = _face()
    up = _chan({}, face)
    # two channels at 1.5 spreads at one place; a third at 2 spreads elsewhere: the maximum
    # ranks the lone answer first, the support the pair (1.5 + 0.25 x 2.5 = 2.125 > 2)
    pair = [_scored("jet", _chan({(20, 20): 1.5}, face)),
            _scored("comb", _chan({(20, 20): 1.5}, face))]
    lone = _scored("line", _chan({(40, 40): 2.0}, face))
    zs, got_face = C.layers(_pc(), up, float(up.max()), pair + [lone])
    assert got_face.sum() == face.sum() and len(zs) == 4
    total = C.support_sum(zs)
    # the pair: 1.5 plus SUPPORT x (1.5 + OFFSET), with the bank and the lone channel at -2
    # spreads adding max(-2 + OFFSET, 0) each
    rest = 2 * max(-2.0 + C.OFFSET, 0.0)
    at_pair = 1.5 + C.SUPPORT * (1.5 + C.OFFSET + rest)
    assert total[20, 20] == pytest.approx(at_pair, abs=1e-5)
    assert total[40, 40] == pytest.approx(2.0 + C.SUPPORT * (3 * max(-2.0 + C.OFFSET, 0.0)),
                                          abs=1e-5)
    assert np.argmax(total) == np.ravel_multi_index((20, 20), total.shape)
    m, score = _combine(up, pair + [lone])
    assert score == pytest.approx(MEAN + SD * at_pair, abs=1e-4)
    assert np.argmax(m) == np.ravel_multi_index((20, 20), m.shape)    # the map peaks there
    # the blob channel is left out, as the maximum leaves it out
    zs2, _ = C.layers(_pc(), up, float(up.max()), [pair[0], ("blob", pair[1][1], pair[1][2])])
    assert len(zs2) == 2


def test_without_support_it_is_the_maximum(monkeypatch):
    face = _face()
    up = _chan({(30, 30): 0.5}, face)
    chans = [_scored("jet", _chan({(20, 20): 1.5}, face)),
             _scored("comb", _chan({(20, 20): 1.4}, face))]
    monkeypatch.setattr(C, "SUPPORT", 0.0)
    m, score = _combine(up, chans)
    assert score == pytest.approx(MEAN + SD * 1.5, abs=1e-5)
    assert m.max() == pytest.approx(score, abs=1e-5)


def test_each_map_is_shifted_to_its_image_score():
    face = _face()
    up = _chan({}, face)
    # the line channel's map peaks at 0.5 spreads, its image score (refined) is 2.5
    line = ("line", _chan({(25, 25): 0.5}, face), float(MEAN + SD * 2.5))
    zs, _ = C.layers(_pc(), up, float(up.max()), [line])
    assert zs[1][25, 25] == pytest.approx(2.5, abs=1e-5)
    assert zs[1][30, 30] == pytest.approx(2.5 - (0.5 - -2.0), abs=1e-5)


def test_window_joins_nearby_peaks_only(monkeypatch):
    monkeypatch.setattr(C, "WINDOW_PX", 5)
    face = _face()
    up = _chan({}, face)
    near = [_scored("jet", _chan({(30, 30): 1.5}, face)),
            _scored("comb", _chan({(30, 32): 1.5}, face))]
    far = [_scored("jet", _chan({(30, 20): 1.5}, face)),
           _scored("comb", _chan({(30, 35): 1.5}, face))]
    pair = 1.5 + C.SUPPORT * (1.5 + C.OFFSET)
    assert C.support_sum(C.layers(_pc(), up, float(up.max()), near)[0]).max() == \
        pytest.approx(pair, abs=1e-5)
    assert C.support_sum(C.layers(_pc(), up, float(up.max()), far)[0]).max() == \
        pytest.approx(1.5, abs=1e-5)


def test_off_the_face_the_maximum_map_and_its_score_are_kept():
    face = _face()
    up = np.full(face.shape, np.float32(MEAN + SD * 0.5))      # the bank's map everywhere
    up[2, 2] = MEAN + SD * 6.0                                  # a missing hole, off the face
    chans = [_scored("jet", _chan({}, face))]
    m, score = _combine(up, chans, value=float(MEAN + SD * 5.0))
    assert m[2, 2] == up[2, 2] and m[60, 60] == up[60, 60]
    assert score == pytest.approx(MEAN + SD * 5.0, abs=1e-5)   # "max"'s, the larger


# ---------------------------------------------------------------------- a fitted bank
FIT = dict(select="off")  # the fit-time selection does not touch the fusion: fast tests


@pytest.fixture(scope="module")
def data():
    train = _good(range(100, 125))
    goods = _good(range(500, 512))
    centres = [(40 + 5 * i, 80 - 3 * i) for i in range(len(goods))]
    spots = [_spot(g, c, 2.0, -30.0) for g, c in zip(goods, centres)]   # test_fusion's spots
    return train, goods, spots


@pytest.fixture(scope="module")
def coloc(data):
    return PatchCore(fusion="colocated", **FIT).fit(data[0])


@pytest.fixture(scope="module")
def maxed(data):
    """The same bank fused by the maximum (fitted once: the tests only score with it)."""
    return PatchCore(fusion="max", **FIT).fit(data[0])


def test_fitted_scale_score_and_map(data, coloc, maxed):
    assert coloc.fusion_used == "colocated"
    mean, sd = coloc._line.pc_stats
    gains = []
    for img in data[1] + data[2][:4]:
        r, r_max = coloc.score(img), maxed.score(img)
        # the same bank and channels: at least "max"'s score, more by the support
        assert r.score >= r_max.score - 1e-4
        gains.append((r.score - r_max.score) / sd)
        assert r.map.min() >= 0 and np.isfinite(r.map).all()
    # measured 0 to 1.14 held-back spreads: the support acts on some images, and a quarter of
    # the other channels' support stays within 2 spreads on these faces
    assert max(gains) > 0.1 and max(gains) < 2.0, gains
    good = [(coloc.score(g).score - mean) / sd for g in data[1]]
    # good parts on PatchCore's scale: measured z 0.01-3.64 (the held-back spread is of 5
    # parts, the good maxima over 12 parts and 6 channels lie a few spreads up)
    assert all(-1.0 < v < 5.0 for v in good), good


def test_faint_spots_caught(data, coloc, maxed):
    a_col = auroc([coloc.score(g).score for g in data[1]], [coloc.score(s).score for s in data[2]])
    a_max = auroc([maxed.score(g).score for g in data[1]], [maxed.score(s).score for s in data[2]])
    # measured: 0.726 against the maximum's 0.719 (these 30-level spots are at the edge of
    # what either sees: test_fusion's figures); the sum may not lose to the maximum here
    assert a_col >= a_max - 1e-9 and a_col > 0.7, (a_col, a_max)


def test_round_trip_and_damaged_header(data, coloc, tmp_path):
    p = coloc.save(tmp_path / "c.npz")
    back = PatchCore.load(p)
    assert back.fusion_used == "colocated"
    for img in data[2][:3]:
        assert back.score(img).score == coloc.score(img).score
    for change, what in (({"offset": 2.0}, "offset"), ({"support": 1.0}, "support"),
                         ({"window_px": 9}, "window")):
        bad = shutil.copy(p, tmp_path / f"bad_{what}.npz")
        _rewrite(bad, lambda m, ch=change: m["colocated"].update(ch))
        with pytest.raises(FileFormatError, match="colocated"):
            PatchCore.load(bad)
    gone = shutil.copy(p, tmp_path / "gone.npz")
    _rewrite(gone, lambda m: m.pop("colocated"))
    with pytest.raises(FileFormatError, match="colocated"):
        PatchCore.load(gone)


def test_bank_without_the_setting_loads_with_the_maximum(coloc, tmp_path):
    p = coloc.save(tmp_path / "c.npz")

    def drop(m):
        m["settings"].pop("fusion")
        m.pop("fusion_used")
        m.pop("colocated")
    old = shutil.copy(p, tmp_path / "old.npz")
    _rewrite(old, drop)
    assert PatchCore.load(old).fusion_used == "max"
    with np.load(p, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
    assert meta["settings"]["fusion"] == "colocated" and meta["fusion_used"] == "colocated"


def test_missing_feature_off_the_face_still_caught():
    from metrology.synth.defects import make_defect_set

    kw = dict(shape=(128, 128), layout="plate", texture="brushed", placement_px=1.0)
    train = [s.image for s in make_defect_set(25, (), 0, seed=31, **kw)]
    test = make_defect_set(6, ("missing",), 6, seed=32, **kw)
    pc = PatchCore(fusion="colocated", aligned=True, **FIT).fit(train)
    good = [pc.score(s.image).score for s in test if s.kind == "good"]
    miss = [pc.score(s.image).score for s in test if s.kind == "missing"]
    assert auroc(good, miss) == 1.0


def test_bad_setting_raises():
    assert "colocated" in PatchCoreSettings.__dataclass_fields__["fusion"].type
    with pytest.raises(InputError, match="fusion"):
        PatchCoreSettings(fusion="colocate")


def test_without_channels_it_is_the_maximum_and_saved_as_before(data, tmp_path):
    # four good images: no line or texture-energy channel (they need five), so nothing holds
    # PatchCore's scale: the co-located score is "max"'s, and the bank is written as a plain
    # one (no fusion setting, version 2), which readers that predate the setting load
    col = PatchCore(**FIT).fit(data[0][:4])
    mx = PatchCore(fusion="max", **FIT).fit(data[0][:4])
    assert col.settings.fusion == "colocated" and col._line is None and col._energy is None
    for img in data[2][:2]:
        assert col.score(img).score == mx.score(img).score
    with np.load(col.save(tmp_path / "plain.npz"), allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
    assert meta["version"] == 2 and "fusion" not in meta["settings"]
    assert "colocated" not in meta
