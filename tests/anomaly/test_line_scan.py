"""The line channel of PatchCore (``line_scan=True``): a faint straight line of known place and
contrast on a rendered texture is found and located, good parts do not alarm, the channel
survives save / load bit for bit, banks without it still load, and damaged files or bad
settings raise.

Data: 20 good training faces and 10 fresh good faces of 128 x 128 (layout ``face``: the texture
fills the image; ``milled``, the first held-out set's texture; the benchmark's jitter and
lighting), and the same 10 fresh faces with a line added: 60 px long, Gaussian profile of
sigma 1 px (a 0.6 px hairline through the 0.8 px PSF), peak contrast 2 texture standard
deviations (measured after removing an 8 px local mean, as docs/anomaly.md defines it), dark
or bright, at 10 angles spread over 180 degrees: on and between the scan's 16 directions.

The angular gap: on the porous ``cast`` and ``peened`` textures the same lines at 2 texture
standard deviations, 16 on the scan's directions and 16 midway between two of them (128 x 128
faces, 20 training and 16 fresh good faces each): the refinement at the half steps (an option,
``_line_scan.REFINE``) must find the midway lines about as well as those on a direction.
"""

import json

import cv2
import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings
from metrology.anomaly import _line_scan
from metrology.anomaly._line_scan import LineScan
from metrology.errors import InputError
from metrology.synth.defects import make_defect_set
from tests.anomaly.test_patchcore import _each_damage_raises, _rewrite

SHAPE = (128, 128)
SCENE = dict(shape=SHAPE, layout="face", texture="milled", placement_px=3.0,
             placement_deg=2.0, lighting=0.1)
CONTRAST_SIGMA = 2.0


def _add_line(img, angle, center, sign, amp):
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    t = (xx - center[0]) * np.cos(angle) + (yy - center[1]) * np.sin(angle)
    s = -(xx - center[0]) * np.sin(angle) + (yy - center[1]) * np.cos(angle)
    prof = np.exp(-0.5 * s ** 2) * np.clip(30 - np.abs(t), 0, 1)
    return np.clip(img + sign * amp * prof, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def data():
    return line_faces()


def line_faces():
    """(training faces, fresh good faces, [(the fresh face with a line, angle, centre)])."""
    train = [s.image for s in make_defect_set(20, (), 0, seed=50, **SCENE)]
    good = [s.image for s in make_defect_set(10, (), 0, seed=51, **SCENE)]
    local = [x.astype(np.float32) - cv2.GaussianBlur(x.astype(np.float32), (0, 0), 8)
             for x in good]
    tex_sd = float(np.std([v[16:-16, 16:-16] for v in local]))
    rng = np.random.default_rng(7)
    lines = []
    for i, x in enumerate(good):
        angle = (i + 0.5) * np.pi / 10
        center = rng.uniform(50, 78, 2)
        lines.append((_add_line(x, angle, center, 1 if i % 2 else -1,
                                CONTRAST_SIGMA * tex_sd), angle, center))
    return train, good, lines


#: the fit-time band selection off: the line channel is the subject, not the selection (on
#: these faces, which fill the image, it chooses the 0 px band the settings give anyway: the
#: same bank and the same scores, for 5.4 s instead of 0.8 s a fit)
#: and the channels combined by their maximum (the default: the line channel alone, no blob
#: channel; the sum and the blob channel are tests/anomaly/test_fusion.py's subject)
#: and the face signal as it is (the milled face here is uneven enough for ``local_rms``'s
#: gate, 0.168: the division is tests/anomaly/test_local_rms.py's subject)
FIT = dict(line_scan=True, select="off", texture_energy=False, fusion="max", local_rms=False)


@pytest.fixture(scope="module")
def fitted(data):
    return PatchCore(**FIT).fit(data[0])


@pytest.fixture(scope="module")
def refined(data, fitted):
    # the bank with the refinement at the half steps: `fitted` itself while the refinement is
    # on by default (_line_scan.REFINE), a bank of its own if that default changes
    if _line_scan.REFINE:
        return fitted
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_line_scan, "REFINE", True)
        return PatchCore(**FIT).fit(data[0])


def _z(pc, image):
    ls = pc._line
    return (ls.score(image.astype(np.float32))[1] - ls.stats[0]) / ls.stats[1]


def test_faint_line_found_and_located(fitted, data):
    _, good, lines = data
    good_scores = [fitted.score(x).score for x in good]
    for img, angle, center in lines:
        r = fitted.score(img)
        # found: above every fresh good part (image AUROC 1 over 10 x 10 pairs; measured: the
        # lines score 10.9-14.2, good parts at most 6.2)
        assert r.score > max(good_scores)
        # located: the map's maximum on the line, within 1.5 px across it (measured 0-0.6 px;
        # the evidence is computed at half resolution, 1 px there is 2 px here, and the map is
        # upsampled bilinearly) and within its 60 px length plus 3 px along it
        d = np.asarray(r.max_xy) - center
        across = abs(-d[0] * np.sin(angle) + d[1] * np.cos(angle))
        along = abs(d[0] * np.cos(angle) + d[1] * np.sin(angle))
        assert across <= 1.5 and along <= 33


def test_good_parts_do_not_alarm(fitted, data):
    _, good, lines = data
    # the line evidence of fresh good parts, in spreads of the 4 held-back parts' maxima:
    # measured -1.2 to 4.5 over these 10 parts (a maximum over ~3000 correlated pixels has a
    # heavy upper tail, and 4 parts estimate its spread to +-35 %); 6 leaves that margin and
    # is still far below the lines' 24-39
    zg = [_z(fitted, x) for x in good]
    assert max(zg) < 6
    assert min(_z(fitted, img) for img, _, _ in lines) > 12
    # the channel leaves good parts' scores on PatchCore's scale: the combined score of a
    # good part is within 10 % of the plain PatchCore score (the line evidence is mapped
    # through the held-back parts' mean and spread of both channels)
    plain = PatchCore(line_scan=False, select="off", texture_energy=False).fit(data[0])
    for x in good:
        assert fitted.score(x).score == pytest.approx(plain.score(x).score, rel=0.1)


def test_round_trip_identical_maps(fitted, data, tmp_path):
    path = fitted.save(tmp_path / "lines.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert {"line_psd", "line_spread", "line_roi"} <= set(z.files)
    assert meta["version"] == 10 and meta["settings"]["line_scan"] is True  # with its gain
    # the refinement is on by default (_line_scan.REFINE) and its parameters are in the header
    ref = meta["line_scan"]["refine"]
    assert fitted._line.refine is not None and set(ref) == {"steps", "candidates", "directions"}
    assert ref["steps"] == _line_scan.REFINE_STEPS and ref["directions"] == _line_scan.REFINE_BEST
    loaded = PatchCore.load(path)
    assert loaded.settings.line_scan and loaded._line is not None
    for img in (data[1][0], data[2][3][0]):
        a, b = fitted.score(img), loaded.score(img)
        assert a.score == b.score
        assert np.array_equal(a.map, b.map)


def test_banks_without_the_channel(data, tmp_path):
    # the default ("auto") leaves the channel out below 5 good images, and says so
    plain = PatchCore().fit(data[0][:4])
    assert plain._line is None and plain.info["line_scan"].startswith("off: line_scan: needs")
    path = plain.save(tmp_path / "plain.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert not any(k.startswith("line_") for k in z.files)
    # written as before the channel existed: version 2, no 'line_scan' in the settings, so a
    # reader that predates the channel (strict about unknown settings) still loads it
    assert meta["version"] == 2 and "line_scan" not in meta["settings"]
    loaded = PatchCore.load(path)
    assert loaded.settings.line_scan == "auto" and loaded._line is None
    img = data[1][0]
    assert np.array_equal(loaded.score(img).map, plain.score(img).map)
    # switched off explicitly: version 2 as well, the choice kept in the settings
    off = PatchCore(line_scan=False).fit(data[0][:6])
    back = PatchCore.load(off.save(tmp_path / "off.npz"))
    assert back.settings.line_scan is False and back._line is None
    assert np.array_equal(back.score(img).map, off.score(img).map)
    # on by default from 5 good images: version 3, the setting kept as "auto"
    auto = PatchCore().fit(data[0][:5])
    assert auto._line is not None and auto.info["line_scan"] == "on"
    back = PatchCore.load(auto.save(tmp_path / "auto.npz"))
    assert back.settings.line_scan == "auto" and back._line is not None
    assert np.array_equal(back.score(img).map, auto.score(img).map)


def test_refined_round_trip_identical_maps(refined, data, tmp_path):
    path = refined.save(tmp_path / "refined.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
    # the refinement is kept with the bank (its statistics were estimated with it)
    assert meta["line_scan"]["refine"] == {"steps": 2, "candidates": refined._line.refine[1],
                                           "directions": 2}
    loaded = PatchCore.load(path)
    assert loaded._line.refine == refined._line.refine
    for img in (data[1][0], data[2][3][0]):
        a, b = refined.score(img), loaded.score(img)
        assert a.score == b.score
        assert np.array_equal(a.map, b.map)


def test_damaged_line_channel_raises(refined, tmp_path):
    path = refined.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    psd = refined._line.psd
    cases = [(None, {"line_psd": np.full_like(psd, np.nan)}, "line_psd"),
             (None, {"line_psd": -psd}, "line_psd"),
             (None, {"line_psd": psd[:-1]}, "line_psd"),
             (None, {"line_spread": np.ones(3, np.float32)}, "line_spread"),
             (None, {"line_spread": np.zeros(16, np.float32)}, "line_spread"),
             (None, {"line_roi": None}, "line_roi"),
             (None, {"line_roi": np.zeros(SHAPE, np.uint8)}, "line_roi"),
             (lambda m: m["line_scan"].update(score_sd=0.0), {}, "score_sd"),
             # lines longer than the image allows (the window would not fit: a crash before)
             (lambda m: m["line_scan"].update(length_px=4000.0), {}, "length_px"),
             (lambda m: m["line_scan"].update(n_dir="16"), {}, "n_dir"),
             (lambda m: m["line_scan"].update(refine=True), {}, "refine"),
             (lambda m: m["line_scan"]["refine"].update(steps=3), {}, "refine"),
             (lambda m: m["line_scan"]["refine"].update(candidates=0), {}, "refine"),
             (lambda m: m["line_scan"]["refine"].update(directions=17), {}, "refine"),
             (lambda m: m["line_scan"]["refine"].pop("directions"), {}, "refine"),
             (lambda m: m["line_scan"].pop("patchcore_mean"), {}, "header field"),
             (lambda m: m["line_scan"].update(scale=1.0), {}, "re-fit"),
             (lambda m: m.pop("line_scan"), {}, "without their header"),
             (lambda m: m.update(version=2), {}, "without their header"),
             (lambda m: m.pop("line_scan"),
              {"line_psd": None, "line_spread": None, "line_roi": None, "line_gain_ref": None},
              "has none"),
             (lambda m: m["settings"].update(line_scan=False), {}, "line_scan off")]
    _each_damage_raises(path, good, cases)


def test_bad_input_raises(data):
    for bad in (float("nan"), 1, 0, "yes", "Auto", None):
        with pytest.raises(InputError, match="line_scan"):
            PatchCoreSettings(line_scan=bad)
    with pytest.raises(InputError, match="image_score"):
        PatchCore(line_scan=True, image_score="reweighted")
    # the default leaves the channel out where it cannot be used, and says why
    pr = PatchCore(image_score="reweighted").fit(data[0][:5])
    assert pr._line is None and "reweighted" in pr.info["line_scan"]
    with pytest.raises(InputError, match="at least 5"):
        PatchCore(line_scan=True).fit(data[0][:4])
    tiny = np.zeros(SHAPE, bool)
    tiny[60:66, 60:66] = True
    with pytest.raises(InputError, match="line_scan"):
        PatchCore(line_scan=True).fit(data[0][:5], roi=tiny)
    # the settings round trip through their dictionary, the field included
    s = PatchCoreSettings(line_scan=True)
    assert PatchCoreSettings.from_dict(s.to_dict()) == s


def test_line_scan_alone_is_gain_invariant(data):
    train, good, lines = data
    face = np.ones(SHAPE, bool)
    ls = LineScan.fit([x.astype(np.float32) for x in train], np.arange(20) % 5 == 4, face)
    img = lines[0][0].astype(np.float32)
    a, b = ls.evidence(img), ls.evidence(1.3 * img)
    # the face signal divides the image by its local level: a lighting gain changes the
    # evidence only through float32 rounding
    assert np.allclose(a, b, rtol=1e-3, atol=1e-3)


def test_bank_without_refinement_scores_as_fitted(refined, data, tmp_path):
    # a bank written before the refinement existed (no 'refine' in its header) was calibrated
    # without it: it loads with the refinement off and scores as the plain scan
    path = refined.save(tmp_path / "old.npz")
    # (nor the shift gain, which came later: version 10)
    _rewrite(path, lambda m: (m["line_scan"].pop("refine"), m.update(version=9)),
             line_gain_ref=None)
    old = PatchCore.load(path)
    assert old._line.refine is None and old._line.gain_ref is None
    img = data[2][3][0].astype(np.float32)
    x = _line_scan.face_signal(img, old._line.roi_small, old._line.weight)
    r = refined._line._responses(x)
    plain = np.where(refined._line.inner, np.abs(r).max(axis=0), 0)
    assert np.allclose(old._line.evidence(img), plain, rtol=1e-6, atol=1e-6)
    # the refinement only raises the map (the scan's, with the gain), at some local maxima
    g = np.maximum(1.0, refined._line._median_z(r) / refined._line.gain_ref)
    gained = np.where(refined._line.inner,
                      np.abs(r / g.astype(np.float32)[:, None, None]).max(axis=0), 0)
    ev = refined._line.evidence(img)
    assert np.all(ev >= gained - 1e-6) and np.any(ev > gained + 1e-3)


def test_refinement_templates_match_the_scan(refined, data):
    # every 2nd fine template is a scan direction: its correlation on the window reproduces
    # the FFT pass (float32 rounding) and its spread is the measured one
    ls = refined._line
    x = _line_scan.face_signal(data[1][0].astype(np.float32), ls.roi_small, ls.weight)
    import scipy.fft as sf
    w = sf.irfft2(sf.rfft2(x) / ls.psd, s=x.shape)
    p = ls._fine.shape[-1] // 2
    pad = np.pad(w, p, mode="wrap")
    r = ls._responses(x)
    for d in (0, 5, 11):
        for y, xx in ((20, 30), (40, 41)):
            v = np.sum(pad[y:y + 2 * p + 1, xx:xx + 2 * p + 1] * ls._fine[2 * d])
            assert v / ls.spread[d] == pytest.approx(r[d, y, xx], rel=1e-3, abs=1e-4)
    assert np.allclose(ls._fine_spread[::2], ls.spread, rtol=1e-5)
    # the half steps' spreads lie between (or near) their neighbours' on this texture
    lo = np.minimum(ls.spread, np.roll(ls.spread, -1))
    hi = np.maximum(ls.spread, np.roll(ls.spread, -1))
    assert np.all(ls._fine_spread[1::2] > 0.8 * lo) and np.all(ls._fine_spread[1::2] < 1.2 * hi)


@pytest.mark.parametrize("texture", ["cast", "peened"])
def test_lines_between_scan_directions(texture):
    # the angular gap: 16 lines on the scan's directions and 16 midway between two of them, at
    # 2 texture standard deviations, on a porous texture.  A line is *hit* when the image's
    # line z is above every fresh good face's and the map's maximum lies on it (1.5 px across,
    # the 60 px length plus 3 px along, as above).  Measured, without the refinement / with it
    # (line-channel z over the held-back good faces):
    #   cast:   midway lines hit 4 / 13 of 16 (on a direction 16 / 16), median z midway
    #           0.5 / 8.9 against 13.5 on a direction, good faces at most 2.0 / 2.0;
    #   peened: midway 2 / 12 of 16 (on 15 / 15), median z 0.7 / 9.9 against 15.4, good 1.2 /
    #           1.1 (one midway line scores above the good faces with its maximum 5 px off it,
    #           with and without the refinement).
    # Two other draws of faces and lines: midway lines above the good faces 2-5 of 16 without,
    # 9-15 with.  The test asks for 10 midway hits of 16 (two to three below what was
    # measured) and a midway median z at least 0.4 of the on-direction one (0.03-0.05 without,
    # 0.65-0.66 with): the scan without the refinement (``refine=False``, the default, the same
    # as the code before it) fails both by a wide margin.
    scene = dict(shape=SHAPE, layout="face", texture=texture, placement_px=3.0,
                 placement_deg=2.0, lighting=0.1)
    train = [s.image.astype(np.float32) for s in make_defect_set(20, (), 0, seed=60, **scene)]
    good = [s.image for s in make_defect_set(16, (), 0, seed=61, **scene)]
    local = [x.astype(np.float32) - cv2.GaussianBlur(x.astype(np.float32), (0, 0), 8)
             for x in good]
    tex_sd = float(np.std([v[16:-16, 16:-16] for v in local]))
    ls = LineScan.fit(train, np.arange(20) % 5 == 4, np.ones(SHAPE, bool), refine=True)

    def z(value):
        return (value - ls.stats[0]) / ls.stats[1]

    z_good = max(z(ls.score(x.astype(np.float32))[1]) for x in good)
    rng = np.random.default_rng(8)
    z_line = {0.0: [], 0.5: []}
    hits = {0.0: 0, 0.5: 0}
    for i in range(16):
        for phase in (0.0, 0.5):
            angle = (i + phase) * np.pi / 16
            center = rng.uniform(50, 78, 2)
            img = _add_line(good[i], angle, center, 1 if i % 2 else -1,
                            CONTRAST_SIGMA * tex_sd)
            m, value = ls.score(img.astype(np.float32))
            y, x = np.unravel_index(np.argmax(m), m.shape)
            d = np.array([x, y]) - center
            on_line = (abs(-d[0] * np.sin(angle) + d[1] * np.cos(angle)) <= 1.5
                       and abs(d[0] * np.cos(angle) + d[1] * np.sin(angle)) <= 33)
            z_line[phase].append(z(value))
            hits[phase] += bool(z(value) > z_good and on_line)
    assert z_good < 4      # measured 2.0 / 1.1: the refinement adds no false alarm here
    assert hits[0.0] >= 14
    assert hits[0.5] >= 10
    assert np.median(z_line[0.5]) >= 0.4 * np.median(z_line[0.0])


def test_set_roi_limits_the_line_channel():
    """An ROI set after the fit limits the line evidence as it limits PatchCore's: a faint
    line drawn only outside it leaves the map at exactly 0 there (before the fix the line
    channel, which keeps the face it was fitted on, still lit it up and set the score)."""
    train = make_defect_set(20, (), 0, seed=3, layout="face", texture="milled")
    imgs = [s.image for s in train]
    pc = PatchCore(select="off").fit(imgs)   # the channel is the subject, not the selection
    assert pc.info["line_scan"] == "on"
    img = imgs[0].astype(np.float32)
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.abs((yy - 0.3 * h) - 0.2 * (xx - 0.25 * w))
    img = img - 30 * np.exp(-0.5 * (d / 0.8) ** 2) * ((xx > 20) & (xx < 110))
    full = pc.score(img)
    assert np.argmax(full.map.max(axis=0)) < w // 2      # the line is the peak, left half
    roi = np.zeros((h, w), bool)
    roi[:, w // 2:] = True
    cut = pc.set_roi(roi).score(img)
    assert float(cut.map[:, :w // 2].max()) == 0.0
    assert cut.score < 0.5 * full.score


@pytest.mark.parametrize("side", [32, 48, 61])
def test_images_too_small_for_the_lines(side):
    """Images of 32-61 px a side crashed the default fit inside NumPy (a ValueError from the
    refinement's 31 x 31 half-resolution line window copied into a smaller array).  Now the
    line channel (and with it the jet) says it needs 62 px: ``"auto"`` leaves it off and the
    fit and scores go on; ``line_scan=True`` raises ``InputError``; at 62 px it is on."""
    rng = np.random.default_rng(side)
    goods = [rng.normal(128, 4, (side, side)).clip(0, 255).astype(np.uint8) for _ in range(11)]
    pc = PatchCore(select="off").fit(goods[:10])
    assert pc.info["line_scan"].startswith("off") and "62 px" in pc.info["line_scan"]
    assert pc.info["jet_scan"].startswith("off")
    assert np.isfinite(pc.score(goods[10]).score)
    with pytest.raises(InputError, match="too small"):
        PatchCore(select="off", line_scan=True).fit(goods[:10])
    big = [rng.normal(128, 4, (62, 62)).clip(0, 255).astype(np.uint8) for _ in range(10)]
    assert PatchCore(select="off").fit(big).info["line_scan"] == "on"
