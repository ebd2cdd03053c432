"""The twenty-ninth held-out configuration's generator pieces: texture ``crossrolled``, layout
``forkend`` and the surface defect ``stamp``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_missing_features,
                                               check_on_the_face, check_pasted_on_a_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.sampling import sample

KW = dict(layout="forkend", texture="crossrolled")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("crossrolled") == 31 and LAYOUTS.index("forkend") == 30
    assert DEFECT_KINDS.index("stamp") == 31 and SURFACE_KINDS.index("stamp") == 29
    # held-out 28's names stay where they were
    assert TEXTURES.index("luders") == 30 and LAYOUTS.index("endshield") == 29
    assert DEFECT_KINDS.index("lap") == 30 and SURFACE_KINDS.index("lap") == 28


def test_crossrolled_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more11 import crossrolled_texture

    check_texture_contract("crossrolled")
    check_texture_fast("crossrolled")
    check_texture_bad_input(crossrolled_texture)


def _directions(img, fmin, fmax):
    """The power of the render at spatial frequencies ``fmin``-``fmax`` (per px) by the
    direction of its wave vector (180 bins of 1 degree, smoothed over 3)."""
    h, w = img.shape
    p = np.abs(np.fft.fft2(img - img.mean())) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    f = np.hypot(fx, fy)
    ang = np.mod(np.degrees(np.arctan2(fy, fx)), 180.0)
    sel = (f >= fmin) & (f <= fmax)
    hist = np.bincount(np.round(ang[sel]).astype(int) % 180, weights=p[sel], minlength=180)
    return ndimage.uniform_filter1d(hist, 3, mode="wrap")


def test_crossrolled_has_two_streak_families_crossing_nearly_square():
    from metrology.synth._textures_more11 import crossrolled_texture

    for r in range(10):
        t = crossrolled_texture((256, 256), rng=r)
        hist = _directions(t, 1 / 16, 1 / 3)
        med = np.median(hist)
        one = int(np.argmax(hist))
        # the second family: the strongest direction over 20 degrees from the first
        off = np.abs((np.arange(180) - one + 90) % 180 - 90)
        two = int(np.argmax(np.where(off > 20, hist, 0.0)))
        # each family one sharp direction (over 5 times the median direction's power), the
        # two crossing 82-98 degrees apart (read to 1 degree)
        assert hist[one] > 8.0 * med and hist[two] > 5.0 * med, (r, hist[one], hist[two], med)
        cross = off[two]
        assert 80.0 <= cross <= 90.0, (r, one, two, cross)
        # the first pass partly rolled out: 0.35-0.55 of the second's strength, its power
        # 0.12-0.3 of it (here 0.06-0.5: the grain and the directions' binning add their own)
        ratio = hist[two] / hist[one]
        assert 0.06 < ratio < 0.5, (r, ratio)
        # nothing else: a third direction (over 20 degrees from both) under a tenth of the first
        off2 = np.abs((np.arange(180) - two + 90) % 180 - 90)
        assert np.where((off > 20) & (off2 > 20), hist, 0.0).max() < 0.1 * hist[one], r


def test_crossrolled_streaks_are_dense_and_aperiodic():
    from metrology.synth._textures_more11 import crossrolled_texture

    yy, xx = np.mgrid[0:256, 0:256].astype(float)
    for r in range(8):
        t = crossrolled_texture((256, 256), rng=r)
        a = np.deg2rad(np.argmax(_directions(t, 1 / 16, 1 / 3)))
        # the profile across the strongest family: the render averaged along its streaks
        # (over 60 px of them or more)
        k = np.round((xx - 127.5) * np.cos(a) + (yy - 127.5) * np.sin(a)).astype(int) + 200
        n = np.bincount(k.ravel(), None, 400)
        prof = (np.bincount(k.ravel(), t.ravel(), 400) / np.maximum(n, 1))[n >= 60]
        prof = prof - prof.mean()
        # dense: it changes sign every 3-10 px (0.14-0.22 per px seen)
        rate = np.mean(np.diff(np.sign(prof)) != 0)
        assert 0.1 < rate < 0.33, (r, rate)
        # aperiodic: correlated with itself 3-40 px on at 0.55 at most (0.18-0.42 seen;
        # knurled's periodic ridges 0.89-0.98)
        ac = [np.corrcoef(prof[:-lag], prof[lag:])[0, 1] for lag in range(3, 41)]
        assert max(ac) < 0.55, (r, max(ac))


def test_forkend_is_a_square_plate_with_a_u_slot_open_at_its_right_edge():
    from metrology.synth._textures_more11 import (FORK_CORNER, FORK_END, FORK_FILLET, FORK_HALF,
                                                  FORK_SLOT)

    s = 256.0
    lay = layout_features("forkend", (256, 256))
    assert (FORK_HALF, FORK_CORNER, FORK_SLOT, FORK_END, FORK_FILLET) == \
        (0.44, 0.08, 0.26, 0.02, 0.03)
    assert lay["fork"] == pytest.approx((0.44 * s, 0.08 * s, 0.13 * s, 0.02 * s, 0.03 * s))
    # the plate's left, top and bottom edges at 0.44 s (1 px in and out, exact)
    for t in np.linspace(-0.3, 0.3, 7) * s:
        for d in (-1.0, 1.0):
            edge = 0.44 * s + d
            for u, v in ((-edge, t), (t, -edge), (t, edge)):
                assert _sd(lay, [u], [v])[0] == pytest.approx(d, abs=1e-9), (u, v, d)
    # the slot: 0.26 s wide along its length (its sides at +-0.13 s, 1 px in and out), its
    # inner end a half circle about (0.02 s, 0), open at the right edge
    for x in np.linspace(0.05, 0.35, 7) * s:
        for d in (-1.0, 1.0):
            assert _sd(lay, [x, x], [0.13 * s - d, -0.13 * s + d])[0] == pytest.approx(d)
    for t in np.deg2rad(np.arange(95.0, 270.0, 10.0)):
        for d in (-1.0, 1.0):
            r = 0.13 * s - d
            u, v = 0.02 * s + r * np.cos(t), r * np.sin(t)
            assert _sd(lay, [u], [v])[0] == pytest.approx(d, abs=1e-9), (t, d)
    assert _sd(lay, [0.46 * s], [0.0])[0] > 0.1 * s          # the mouth: open, no edge
    # the mouth's corners rounded: the sharp corner (0.44 s, 0.13 s) off the plate by
    # (sqrt 2 - 1) x the fillet
    for sg in (-1.0, 1.0):
        got = _sd(lay, [0.44 * s], [sg * 0.13 * s])[0]
        assert got == pytest.approx((np.sqrt(2) - 1) * 0.03 * s, abs=1e-9)
    # a distance exact inside (a raster of the outline agrees within its 0.5 px grid) and,
    # outside, never over the true distance
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and err_out.min() > -0.75


def test_forkend_features_a_pin_hole_in_each_tine_and_a_kept_rod_bore():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("forkend", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == []
    (c, bore, seat, kind), = lay["sinks"]
    assert c == pytest.approx((-0.25 * s, 0.0)) and kind == "counterbore"
    assert bore == pytest.approx(0.05 * s) and seat == pytest.approx(0.08 * s)
    assert _sd(lay, [c[0]], [c[1]])[0] < -(seat + 0.05 * s)        # in the plate's closed end
    (p, r), (q, r2) = lay["holes"]
    assert r == r2 == pytest.approx(0.05 * s)
    # the cross hole: one line across the slot (the same x, either side of it), each hole in
    # the middle of its tine (0.13-0.44 s) with a wall of 0.05 s or more all round
    assert p[0] == q[0] == pytest.approx(0.26 * s) and p[1] == pytest.approx(-q[1])
    assert abs(p[1]) == pytest.approx(0.285 * s)
    for x, y in (p, q):
        assert _sd(lay, [x], [y])[0] < -(r + 0.05 * s)
    assert n_features(lay) == 3 and n_missable(lay) == 2


def test_forkend_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 4 px inside the border or more
    check_inside_at_jitter("forkend", 4)
    # rendered: the part face (the plate less its slot and holes) is 0.59-0.64 (0.616)
    lay = layout_features("forkend", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.59 < face.mean() < 0.64, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the pin holes and the bore
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c), int(c - 0.25 * 256)] < 70
        for x in (0.1, 0.25, 0.4):                                # the slot dark, the tines face
            assert img[int(c), int(c + x * 256)] < 70
            for y in (-0.2, 0.2, -0.38, 0.38):
                assert img[int(c + y * 256), int(c + x * 256)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "stamp"])
def test_forkend_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_forkend_is_a_pin_hole_never_the_rod_bore():
    check_missing_features(KW, {0, 1})


def test_defects_and_extra_holes_lie_on_the_forkend():
    check_on_the_face(KW, ("extra", "spot", "stamp"), whole="stamp")


def test_forkend_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A stamp of seed ``r`` on a still, untextured face and its change: the sample minus its
    twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "stamp", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "stamp", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_stamp_is_local_and_follows_contrast_scale():
    # the same check of every seed: 4 under --runslow, two of them by default
    for r in sample(range(4), 2, "stamp"):
        s = render_defect_sample((256, 256), "stamp", rng=r, **KW)
        twin = render_defect_sample((256, 256), "stamp", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "stamp", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "stamp" and 10 <= spec.contrast <= 24
        assert 8 <= spec.size_px <= 14 and 1 <= p["width_px"] <= min(1.8, 0.15 * spec.size_px)
        assert 0.85 <= p["pitch_px"] / spec.size_px <= 1.0
        assert p["glyphs"] in (2, 3) and len(p["digits"]) == len(p["strike"]) == p["glyphs"]
        assert all(0 <= k <= 9 for k in p["digits"]) and 0 <= p["tilt"] <= 0.4
        assert all(0.85 * 0.6 <= k <= 1.0 for k in p["strike"])
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 1.0                        # nothing off the stamp
        assert d[s.mask].min() < -0.4 * spec.contrast               # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
        # one piece per glyph (the strokes of a glyph join, the glyphs stay apart), on a still
        # face
        still, _ = _change(r)
        assert ndimage.label(still.mask)[1] == still.defects[0].params["glyphs"], r


def _glyph_points(spec, height, pitch, where):
    """The image points (2 x N, x and y) of the glyph-frame points ``where`` (N x 2, in units
    of a glyph's half width and half height; a glyph half as wide as high) of each glyph of
    the stamp ``spec``: a list, glyph by glyph."""
    c, t = np.array(spec.center_xy), np.deg2rad(spec.angle_deg)
    e, n = np.array([np.cos(t), np.sin(t)]), np.array([-np.sin(t), np.cos(t)])
    k = spec.params["glyphs"]
    out = []
    for i in range(k):
        m = np.asarray(where) * [0.25 * height, 0.5 * height]
        m = m + [(i - 0.5 * (k - 1)) * pitch, 0.0]
        out.append(c[:, None] + e[:, None] * m[:, 0] + n[:, None] * m[:, 1])
    return out


#: the seven-segment digits, written out here (not the maker's table): the segments each
#: digit lights, and each segment's middle (a top, b upper right, c lower right, d bottom, e
#: lower left, f upper left, g middle; units of a glyph's half width and half height, y down)
SEVEN = {0: "abcdef", 1: "bc", 2: "abdeg", 3: "abcdg", 4: "bcfg", 5: "acdfg", 6: "acdefg",
         7: "abc", 8: "abcdefg", 9: "abcdfg"}
MIDDLES = np.array([[0.0, -1.0], [1.0, -0.5], [1.0, 0.5], [0.0, 1.0], [-1.0, 0.5],
                    [-1.0, -0.5], [0.0, 0.0]])


def test_stamp_reads_back_as_its_seven_segment_digits_struck_unevenly():
    for r in range(10):
        p = {"length_px": 14.0, "width_px": 1.6, "pitch_px": 13.0, "contrast": 24.0,
             "angle_deg": 37.0 * r}
        s, d = _change(r, p)
        spec = s.defects[0]
        q = spec.params
        for dg, strike, pts in zip(q["digits"], q["strike"],
                                   _glyph_points(spec, 14, 13, MIDDLES)):
            v = ndimage.map_coordinates(d, [pts[1], pts[0]], order=1) / 24.0
            lit = np.array([ch in SEVEN[dg] for ch in "abcdefg"])
            # a lit segment as deep as the glyph was struck (within 0.15 of the contrast: the
            # blur takes a little off a stroke 1.6 px wide), an unlit one untouched
            assert np.abs(v[lit] + strike).max() < 0.15, (r, dg, v, strike)
            assert np.abs(v[~lit]).max(initial=0.0) <= 1.0 / 24.0, (r, dg, v)
        # struck unevenly: one end of the row shallower by the tilt, each glyph its own
        # 0.85-1 of it
        k = q["glyphs"]
        ramp = 1.0 - q["tilt"] * np.arange(k) / (k - 1)
        own = np.array(q["strike"]) / ramp
        assert np.all((own >= 0.85 - 1e-9) & (own <= 1.0 + 1e-9)), (r, own)


def test_stamp_strokes_are_straight_flat_and_of_one_width():
    for r in range(6):
        p = {"length_px": 14.0, "width_px": 2.5, "pitch_px": 13.0, "contrast": 24.0,
             "angle_deg": 29.0 * r + 3.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        across = np.linspace(-4.0, 4.0, 161)
        # the upright b of every glyph but 5 and 6: read across it (x = +1) at three places
        # along it
        for i, dg in enumerate(spec.params["digits"]):
            if dg in (5, 6):
                continue
            depths, widths = [], []
            for y in (-0.7, -0.5, -0.3):
                pts = _glyph_points(spec, 14, 13, np.stack([1.0 + across / 3.5,
                                                            np.full_like(across, y)], 1))[i]
                prof = -ndimage.map_coordinates(d, [pts[1], pts[0]], order=1)
                depths.append(prof.max())
                widths.append(0.05 * np.sum(prof >= 0.5 * prof.max()))
            # flat along the stroke (one depth within 0.1 of the contrast: the pixel grid's
            # phase on a turned stroke) and straight, of one width (within 0.5 px, the same),
            # its width at half depth the drawn 2.5 px within 0.5
            assert np.ptp(depths) < 0.1 * 24, (r, dg, depths)
            assert np.ptp(widths) < 0.5 and abs(np.mean(widths) - 2.5) < 0.5, (r, dg, widths)
    # blocky, as drawn (before the optical blur, which rounds a stroke 1.6 px wide): a
    # stroke's box flat-bottomed across its width less its edges' ramp, square-ended half a
    # width past its ends, nothing beyond the ramp
    from metrology.synth._defect_makers7 import STAMP_EDGE, stroke_depth

    ends = np.array([[[-3.0, 0.0], [3.0, 0.0]]])
    width = 3.0
    flat = 0.5 * width - 0.5 * STAMP_EDGE
    y = np.linspace(-flat, flat, 9)
    assert np.all(stroke_depth(np.zeros(9), y, ends, width)[:, 0] == 1.0)
    x = np.linspace(-3.0 - flat, 3.0 + flat, 9)
    assert np.all(stroke_depth(x, np.zeros(9), ends, width)[:, 0] == 1.0)
    off = 0.5 * width + 0.5 * STAMP_EDGE
    assert np.all(stroke_depth(np.array([0.0, 0.0, 3.0 + off, -3.0 - off]),
                               np.array([off, -off, 0.0, 0.0]), ends, width) == 0.0)


def test_stamp_is_dark_or_bright_if_negative():
    for r in range(4):
        p = {"length_px": 12.0, "contrast": 20.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        h, k = s.defects[0].size_px, s.defects[0].params["glyphs"]
        assert s.mask.sum() < k * h * 2.5 * s.defects[0].params["width_px"] + 40


def test_stamp_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "stamp", rng=0, layout="face",
                             defect_params={"length_px": 12.0, "width_px": 1.5,
                                            "pitch_px": 11.0, "contrast": 15.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 12.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["width_px"] == 1.5 and spec.params["pitch_px"] == 11.0
    # a drawn pitch never lets the glyphs touch: a wide stroke given moves them apart
    s = render_defect_sample((128, 128), "stamp", rng=0, layout="face",
                             defect_params={"length_px": 10.0, "width_px": 2.0})
    assert s.defects[0].params["pitch_px"] >= 0.5 * 10.0 + 2.0 + 1.0
    for bad in ({"length_px": 4.0}, {"length_px": 0.0}, {"width_px": 0.3},
                {"length_px": 10.0, "width_px": 2.5}, {"length_px": 10.0, "pitch_px": 7.0},
                {"length_px": 10.0, "pitch_px": 21.0}, {"tilt": 0.2},
                {"width_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "stamp", rng=0, defect_params=bad)
    check_pasted_on_a_face("stamp")
