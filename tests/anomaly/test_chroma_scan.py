"""The chroma channel (``chroma_scan``) and the colour parts it is tested on
(``metrology.synth.colour``): a discolouration that keeps the luminance is invisible to every
gray channel and found by this one; gray banks are untouched."""

import json
import zipfile

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings
from metrology.anomaly._chroma_scan import ChromaScan, deviation
from metrology.errors import FileFormatError, InputError
from metrology.synth import colour
from metrology.synth.defects import make_defect_set

SHAPE = (128, 128)


def _auroc(good, bad) -> float:
    good, bad = np.asarray(good), np.asarray(bad)
    return float(((bad[:, None] > good[None]).sum() + 0.5 * (bad[:, None] == good[None]).sum())
                 / (len(good) * len(bad)))


# ---------------------------------------------------------------- the colour parts
def test_colourise_keeps_the_luminance():
    g = np.random.default_rng(0).integers(40, 150, SHAPE).astype(np.uint8)
    for name in colour.TINTS:
        c = colour.colourise(g, name, rng=1, noise=0.0, drift=0.03, shift=0.02)
        lum = c.astype(float) @ colour.LUMINANCE
        # rounding each channel moves the luminance by at most 0.5 (no channel clips here)
        assert np.abs(lum - g).max() <= 0.5 + 1e-9, name
    # coloured, not gray: the blue tint's B channel above its R channel everywhere
    c = colour.colourise(g, "blue", rng=1, noise=0.0)
    assert np.all(c[..., 0].astype(int) >= c[..., 2])
    # the same seed, the same image; another seed, another drift and noise
    assert np.array_equal(colour.colourise(g, "red", rng=5), colour.colourise(g, "red", rng=5))
    assert not np.array_equal(colour.colourise(g, "red", rng=5),
                              colour.colourise(g, "red", rng=6))


def test_discolour_changes_the_colour_not_the_luminance():
    g = np.full(SHAPE, 110, np.uint8)
    base = colour.colourise(g, "gold", rng=0, noise=0.0, drift=0.0, shift=0.0)
    mask = np.zeros(SHAPE, bool)
    mask[40:70, 50:80] = True
    out = colour.discolour(base, mask, "gold", rng=3, amplitude=0.12)
    lum0, lum1 = base.astype(float) @ colour.LUMINANCE, out.astype(float) @ colour.LUMINANCE
    assert np.abs(lum1 - lum0).max() <= 1.0  # rounding of three channels
    rel = out.astype(float) / base - 1
    # inside: some channel changed by most of the amplitude; far outside: nothing
    assert np.abs(rel[50:60, 60:70]).max(axis=2).min() >= 0.06
    assert np.array_equal(out[:20], base[:20]) and np.array_equal(out[:, :30], base[:, :30])


@pytest.mark.parametrize("call", [
    lambda: colour.tint("purple"),
    lambda: colour.tint((1.0, -1.0, 1.0)),
    lambda: colour.tint((1.0, 1.0)),
    lambda: colour.colourise(np.zeros((4, 4, 3)), "red"),
    lambda: colour.colourise(np.full((4, 4), np.nan), "red"),
    lambda: colour.colourise(np.zeros((4, 4)), "red", drift=float("nan")),
    lambda: colour.discolour(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), bool)),
    lambda: colour.discolour(np.zeros((4, 4, 3), np.uint8), np.ones((5, 4), bool)),
    lambda: colour.discolour(np.zeros((4, 4), np.uint8), np.ones((4, 4), bool)),
    lambda: colour.discolour(np.zeros((4, 4, 3), np.uint8), np.ones((4, 4), bool),
                             amplitude=2.0),
])
def test_colour_parts_reject_bad_input(call):
    with pytest.raises(InputError):
        call()


# ---------------------------------------------------------------- the deviation
def test_deviation_ignores_gain_gray_and_a_uniform_colour():
    rng = np.random.default_rng(2)
    img = colour.colourise(rng.integers(60, 160, SHAPE).astype(np.uint8), "blue", rng=2)
    d, sat = deviation(img.astype(np.float32))
    d2, _ = deviation(img.astype(np.float32) * 1.3)  # a lighting gain
    assert not sat.any() and np.abs(d2 - d).max() <= 1e-5 * np.abs(d).max() + 1e-7
    gray = np.repeat(rng.integers(0, 255, SHAPE).astype(np.uint8)[..., None], 3, axis=2)
    assert np.abs(deviation(gray)[0]).max() < 1e-6
    # a whole part in another colour: no local deviation (the background takes it)
    flat = np.empty(SHAPE + (3,), np.float32)
    flat[:] = (90.0, 120.0, 160.0)
    assert np.abs(deviation(flat)[0]).max() < 1e-5


def test_deviation_flags_saturated_pixels_and_rejects_gray():
    img = np.full(SHAPE + (3,), 100, np.uint8)
    img[60, 60, 2] = 255
    _, sat = deviation(img)
    assert sat[58:63, 58:63].all() and sat.sum() == 25  # widened by 2 px
    with pytest.raises(InputError):
        deviation(np.zeros(SHAPE, np.uint8))
    bad = np.zeros(SHAPE + (3,), np.float32)
    bad[3, 3, 1] = np.inf
    with pytest.raises(InputError):
        deviation(bad)


# ---------------------------------------------------------------- the channel in PatchCore
@pytest.fixture(scope="module")
def colour_set():
    kw = dict(layout="plate", texture="brushed", placement_px=3.0, placement_deg=2.0,
              lighting=0.1)
    rng = np.random.default_rng(7)
    train = [colour.colourise(p.image, "steel", rng=rng)
             for p in make_defect_set(25, (), 0, shape=SHAPE, seed=11, **kw)]
    good = [colour.colourise(p.image, "steel", rng=rng)
            for p in make_defect_set(10, (), 0, shape=SHAPE, seed=12, **kw)]
    # stains' footprints on the face, drawn at no contrast: the twin of a good part
    feet = make_defect_set(0, ("stain",), 6, shape=SHAPE, seed=13, contrast_scale=1e-6, **kw)
    bad = [colour.discolour(colour.colourise(p.image, "steel", rng=rng), p.mask, "steel",
                            rng=rng, amplitude=0.12) for p in feet]
    return train, good, bad, [p.mask for p in feet]


@pytest.fixture(scope="module")
def colour_bank(colour_set):
    return PatchCore().fit(colour_set[0])


def test_chroma_channel_finds_what_gray_cannot(colour_set, colour_bank):
    train, good, bad, masks = colour_set
    pc = colour_bank
    assert pc.info["chroma_scan"] == "on" and pc._chroma is not None
    on_good = [pc.score(im).score for im in good]
    on_bad = [pc.score(im).score for im in bad]
    # every discolouration (12 % along a colour direction) above every good part
    assert _auroc(on_good, on_bad) == 1.0
    # the map's maximum on the discoloured footprint (dilated by 4 px) for every one
    import cv2

    for im, m in zip(bad, masks):
        mp = pc.score(im).map
        near = cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
        assert near[np.unravel_index(np.argmax(mp), mp.shape)]
    # the same bank without the channel: the gray channels see nothing (chance, +-0.3 for
    # 10 good and 6 bad parts)
    saved, pc._chroma = pc._chroma, None
    try:
        off = _auroc([pc.score(im).score for im in good], [pc.score(im).score for im in bad])
    finally:
        pc._chroma = saved
    assert off <= 0.8


def test_chroma_bank_round_trip(colour_set, colour_bank, tmp_path):
    pc, im = colour_bank, colour_set[2][0]
    path = pc.save(tmp_path / "c.npz")
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.load(z.open("meta.npy")).tobytes())
    assert meta["version"] == 10 and "chroma_scan" in meta  # 10: the line channel's shift gain
    back = PatchCore.load(path)
    assert back._chroma is not None and back.score(im).score == pc.score(im).score
    assert np.array_equal(back.score(im).map, pc.score(im).map)


def _damaged(path, tmp_path, edit):
    data = dict(np.load(path))
    meta = json.loads(data["meta"].tobytes())
    edit(meta, data)
    data["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    out = tmp_path / "bad.npz"
    np.savez(out, **data)
    return out


@pytest.mark.parametrize("edit, words", [
    (lambda m, a: a.pop("chroma_icov"), "chroma_icov"),
    (lambda m, a: a.__setitem__("chroma_icov", -np.eye(2, dtype=np.float32)), "positive"),
    (lambda m, a: m["chroma_scan"].__setitem__("sigma_px", 3.0), "constants"),
    (lambda m, a: m["chroma_scan"].__setitem__("score_sd", 0.0), "spreads"),
    # a version-8 bank has neither the chroma channel nor the line channel's shift gain
    (lambda m, a: (m.__setitem__("version", 8), a.pop("line_gain_ref")), "version 9 to 14"),
    (lambda m, a: m["settings"].__setitem__("chroma_scan", False), "chroma_scan off"),
])
def test_damaged_chroma_bank_is_a_file_format_error(colour_bank, tmp_path, edit, words):
    path = colour_bank.save(tmp_path / "c.npz")
    with pytest.raises(FileFormatError, match=words):
        PatchCore.load(_damaged(path, tmp_path, edit))


def test_gray_banks_are_untouched(tmp_path):
    parts = make_defect_set(10, (), 0, shape=(96, 96), seed=3)
    imgs = [p.image for p in parts]
    pc = PatchCore(select="off").fit(imgs)
    assert pc._chroma is None and pc.info["chroma_scan"].startswith("off")
    assert "gray" in pc.info["chroma_scan"]
    path = pc.save(tmp_path / "g.npz")
    meta = json.loads(np.load(path)["meta"].tobytes())
    assert "chroma_scan" not in meta and "chroma_scan" not in meta["settings"]
    with pytest.raises(InputError, match="chroma_scan"):
        PatchCore(select="off", chroma_scan=True).fit(imgs)
    # off: colour images scored as gray, as before the channel
    c = [colour.colourise(im, "red", rng=i) for i, im in enumerate(imgs)]
    pc = PatchCore(select="off", chroma_scan=False).fit(c)
    assert pc._chroma is None and pc.info["chroma_scan"] == "off"


@pytest.mark.parametrize("kw", [dict(chroma_scan="yes"), dict(chroma_scan=1),
                                dict(chroma_scan=True, image_score="reweighted")])
def test_chroma_settings_are_checked(kw):
    with pytest.raises(InputError, match="chroma_scan"):
        PatchCoreSettings(**kw)


def test_chroma_scan_rejects_another_size(colour_bank):
    ch: ChromaScan = colour_bank._chroma
    with pytest.raises(InputError, match="size"):
        ch.distance(np.zeros((64, 64, 3), np.uint8))


def test_auto_stays_off_where_it_was_not_measured(colour_set):
    train = colour_set[0][:10]
    pc = PatchCore(select="off", image_score="reweighted").fit(train)
    assert pc._chroma is None and "reweighted" in pc.info["chroma_scan"]
    # asked for explicitly, it is fitted with the gray channels' statistics measured here
    pc = PatchCore(select="off", line_scan=False, texture_energy=False, chroma_scan=True)
    pc.fit(train)
    assert pc._chroma is not None and pc.info["chroma_scan"] == "on"


def test_hostile_colour_images_give_finite_scores(colour_bank):
    rng = np.random.default_rng(1)
    for im in (np.zeros(SHAPE + (3,), np.uint8), np.full(SHAPE + (3,), 255, np.uint8),
               rng.normal(0, 50, SHAPE + (3,)).astype(np.float32),  # S crosses zero
               np.full(SHAPE + (3,), -20.0, np.float32)):
        r = colour_bank.score(im)
        assert np.isfinite(r.score) and np.isfinite(r.map).all()
    # a negative image's S is floored at a small positive level: finite deviations
    d, _ = deviation(np.dstack([np.full(SHAPE, -1.0, np.float32)] * 3))
    assert np.isfinite(d).all()


def test_colour_images_without_colour_leave_the_channel_off(colour_set):
    # a mono camera writing three equal channels: nothing to whiten, the channel stays off
    gray3 = [np.repeat(colour.colourise(im[..., 1], "steel", rng=i, noise=0.0)[..., 1:2], 3, 2)
             for i, im in enumerate(colour_set[0][:10])]
    pc = PatchCore(select="off").fit(gray3)
    assert pc._chroma is None and "no colour" in pc.info["chroma_scan"]
    with pytest.raises(InputError, match="no colour"):
        PatchCore(select="off", chroma_scan=True).fit(gray3)
    # two channels equal (no blue-yellow variation): whitened without blowing up its noise
    two = [im.copy() for im in colour_set[0][:10]]
    for im in two:
        im[..., 0] = im[..., 1]
    pc = PatchCore(select="off").fit(two)
    w = np.linalg.eigvalsh(pc._chroma.icov)
    assert pc.info["chroma_scan"] == "on" and w.max() <= 1e3 * w.min() * 1.001
    assert np.isfinite(pc.score(colour_set[1][0]).score)
