"""The twenty-fifth held-out configuration's generator pieces: texture ``tumbled``, layout
``lbracket`` and the surface defect ``crescent``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="lbracket", texture="tumbled")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("tumbled") == 27 and LAYOUTS.index("lbracket") == 26
    assert DEFECT_KINDS.index("crescent") == 27 and SURFACE_KINDS.index("crescent") == 25
    # held-out 24's names stay where they were
    assert TEXTURES.index("electropolished") == 26 and LAYOUTS.index("hexplate") == 25
    assert DEFECT_KINDS.index("fisheye") == 26 and SURFACE_KINDS.index("fisheye") == 24


def test_tumbled_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more7 import tumbled_texture

    check_texture_contract("tumbled")
    check_texture_fast("tumbled")
    check_texture_bad_input(tumbled_texture)


def _along_marks(r, fracs):
    """The texture of seed ``r`` (256 x 256) read at points ``f x length`` px along each of
    its comet marks from the head (the tail at ``f > 0``; ahead of the head at ``f < 0``),
    averaged over the marks lying wholly in the image: one mean per ``f``."""
    from metrology.synth._textures_more7 import tumble_marks, tumbled_texture

    t = tumbled_texture((256, 256), rng=r)
    mk = tumble_marks(np.random.default_rng(r), 256, 256)   # the same draws
    head, length = mk["head"], mk["length"][:, None]
    d = np.c_[np.cos(mk["heading"]), np.sin(mk["heading"])]
    ok = np.ones(len(head), bool)
    for f in (-0.6, 1.3):
        p = head + f * length * d
        ok &= ((p >= 3.0) & (p <= 252.0)).all(axis=1)
    assert ok.sum() > 600
    out = []
    for f in fracs:
        p = (head + f * length * d)[ok]
        out.append(ndimage.map_coordinates(t, [p[:, 1], p[:, 0]], order=1).mean())
    return out


def test_tumbled_marks_are_comets_dark_heads_and_fading_tails():
    for r in range(4):
        ahead, head, q1, mid, q3, end, past = _along_marks(
            r, (-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.3))
        assert head < -2.0, (r, head)                         # a dark nick at the head
        assert head < q1 < mid < q3 < end, (r, head, q1, mid, q3, end)   # the tail fades
        assert mid < -0.6 and abs(end - past) < 0.25, (r, mid, end, past)
        # asymmetric: half a tail behind the head it is dark, as far ahead of it the face
        # is as it is past the tail's end (a scratch or a pit would be alike both ways)
        assert mid - ahead < -0.6 and abs(ahead - past) < 0.25, (r, mid, ahead, past)


def test_tumbled_has_no_lay_and_short_marks():
    for r in range(4):
        from metrology.synth._textures_more7 import tumbled_texture

        t = tumbled_texture((256, 256), rng=r)
        # no direction: the slopes alike along the rows, the columns and both diagonals
        gx, gy = np.diff(t, axis=1), np.diff(t, axis=0)
        assert 0.85 < (gx ** 2).mean() / (gy ** 2).mean() < 1.15
        d1, d2 = t[1:, 1:] - t[:-1, :-1], t[1:, :-1] - t[:-1, 1:]
        assert 0.85 < (d1 ** 2).mean() / (d2 ** 2).mean() < 1.15
        # short marks: neighbours alike, 12 px apart not, in every direction (no long lay)
        for a, b in ((t[:, :-1], t[:, 1:]), (t[:-1], t[1:])):
            assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.5
        for a, b in ((t[:, :-12], t[:, 12:]), (t[:-12], t[12:]), (t[:-12, :-12], t[12:, 12:]),
                     (t[:-12, 12:], t[12:, :-12])):
            assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.1
        # the marks seen in the render (darker than 1 sigma below the mean, 4 px at least)
        # short: nine in ten under 11 px long (a line's length from its second moments)
        lab, n = ndimage.label(t < -1.0)
        idx = np.arange(1, n + 1)
        yy, xx = np.mgrid[0:256, 0:256].astype(float)
        mx, my = ndimage.mean(xx, lab, idx), ndimage.mean(yy, lab, idx)
        vxx = ndimage.mean(xx * xx, lab, idx) - mx ** 2
        vyy = ndimage.mean(yy * yy, lab, idx) - my ** 2
        vxy = ndimage.mean(xx * yy, lab, idx) - mx * my
        big = 0.5 * (vxx + vyy) + np.sqrt(0.25 * (vxx - vyy) ** 2 + vxy ** 2)
        keep = ndimage.sum(np.ones_like(t), lab, idx) >= 4
        assert keep.sum() > 400 and np.percentile(np.sqrt(12.0 * big[keep]), 90) < 11.0


def test_lbracket_layout_is_an_l_with_a_column_of_holes_and_a_row_of_slots():
    from metrology.synth._defect_makers import sd_features, sd_plate
    from metrology.synth._textures_more7 import (ELL_CORNER, ELL_FILLET, ELL_HOLE, ELL_LEG,
                                                 ELL_SLOT, ELL_SLOT_HALF)

    s = 256.0
    lay = layout_features("lbracket", (256, 256))
    hx, hy = lay["half"]
    leg, fillet = lay["ell"]
    assert leg == pytest.approx(ELL_LEG * s) and fillet == pytest.approx(ELL_FILLET * s)
    assert lay["corner"] == pytest.approx(ELL_CORNER * s) and lay["keep_slots"]
    assert len(lay["holes"]) == 2 and len(lay["slots"]) == 3 and "windows" not in lay
    x0, y0 = -hx + leg, hy - leg                      # the re-entrant corner
    sd = lambda u, v: sd_plate(np.array([u], float), np.array([v], float), lay)[0]  # noqa
    for d in (-5.0, 0.0, 3.0):
        assert sd(-hx - d, 0.0) == pytest.approx(d)        # the left edge
        assert sd(0.0, hy + d) == pytest.approx(d)         # the bottom edge
        assert sd(x0 + d, -0.3 * s) == pytest.approx(d)    # the vertical leg's right edge
        assert sd(0.3 * s, y0 - d) == pytest.approx(d)     # the horizontal leg's top edge
        assert sd(-0.3 * s, -hy - d) == pytest.approx(d)   # the top of the vertical leg
        assert sd(hx + d, 0.3 * s) == pytest.approx(d)     # the end of the horizontal leg
    assert sd(0.3 * s, -0.3 * s) > 0.1 * s                 # the open upper right quarter
    # the inner corner filleted: its bisector meets the outline fillet (sqrt 2 - 1) off it
    k = fillet * (np.sqrt(2.0) - 1.0) / np.sqrt(2.0)
    assert sd(x0 + k, y0 - k) == pytest.approx(0.0, abs=1e-9)
    # exact inside: a raster of the plate agrees with it
    grid = np.mgrid[-hy - 20:hy + 20:0.5, -hx - 20:hx + 20:0.5]
    sdg = sd_plate(grid[1], grid[0], lay)
    inside = sdg < 0
    raster = 0.5 * ndimage.distance_transform_edt(inside)
    assert np.abs(raster[inside] + sdg[inside]).max() < 0.6
    # the holes in a column on the vertical leg above the horizontal one, the slots in a row
    # on the horizontal leg, horizontal
    (ax, ay), ar = lay["holes"][0]
    (bx, by), br = lay["holes"][1]
    assert ax == bx == pytest.approx(-hx + 0.5 * leg) and ay < by < y0 - br
    assert ar == br == pytest.approx(ELL_HOLE * s)
    assert [cy for (_cx, cy), *_ in lay["slots"]] == pytest.approx([hy - 0.5 * leg] * 3)
    xs = [cx for (cx, _cy), *_ in lay["slots"]]
    assert xs == sorted(xs) and np.ptp(np.diff(xs)) < 1e-9
    for _c, half, rad, ang in lay["slots"]:
        assert ang == 0.0 and half == pytest.approx(ELL_SLOT_HALF * s)
        assert rad == pytest.approx(ELL_SLOT * s)
    feats = sd_features(grid[1], grid[0], lay, None)
    assert (sdg[feats <= 0] < -0.05 * s).all()                      # clear of the edges
    for i, (x, y), rad, half in [(i, *f, 0.0) for i, f in enumerate(lay["holes"])] + \
            [(2 + i, c, rad, half) for i, (c, half, rad, _) in enumerate(lay["slots"])]:
        # each feature's axis (a hole's centre, a slot's two ends and its middle) well clear
        # of the others
        u = np.array([x - half, x, x + half]) if half else np.array([x])
        gap = sd_features(u, np.full_like(u, y), lay, i) - rad
        assert (gap > 0.05 * s).all(), (i, gap)


def test_lbracket_renders_an_open_quarter_and_covers_most_of_the_image():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0,
                             lighting=0, **KW)
    img, c = s.image.astype(float), 127.5
    lay = layout_features("lbracket", (256, 256))
    hx, hy = lay["half"]
    leg, _ = lay["ell"]
    x0, y0 = c - hx + leg, c + hy - leg             # the re-entrant corner in the image
    # straight edges where the L has them: found along lines across each
    t = np.arange(-10.0, 10.0, 0.25)
    for along in (0.3, 0.6):
        # the vertical leg's right edge (face to its left), the horizontal leg's top edge
        # (face below it)
        prof = ndimage.map_coordinates(img, [np.full_like(t, c - hy + along * (2 * hy - leg)),
                                             x0 + t], order=1)
        assert abs(t[np.argmax(prof < 0.5 * (prof[:8].mean() + prof[-8:].mean()))]) < 1.0
        prof = ndimage.map_coordinates(img, [y0 - t, np.full_like(t, x0 + along * (2 * hx
                                                                                - leg))],
                                       order=1)
        assert abs(t[np.argmax(prof < 0.5 * (prof[:8].mean() + prof[-8:].mean()))]) < 1.0
    assert img[int(c - 0.3 * 256), int(c + 0.3 * 256)] < 40        # the open quarter dark
    assert img[int(c + 0.3 * 256), int(c - 0.35 * 256)] > 80       # the heel face
    # the part face covers about 0.6 of the image (the L less its holes and slots)
    share = np.mean(img > 80)
    assert 0.55 < share < 0.65, share


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "crescent"])
def test_lbracket_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_lbracket_is_a_fixing_hole_only():
    seen = set()
    for r in range(20):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.size_px == pytest.approx(0.04 * 128) and spec.params["half_length_px"] == 0
    assert seen == {0, 1}


def test_defects_and_extra_holes_lie_on_the_lbracket():
    good = render_defect_sample((128, 128), "good", rng=0, placement_px=0, placement_deg=0,
                                lighting=0, **KW).image
    for r in range(12):
        for kind in ("extra", "spot", "crescent"):
            s = render_defect_sample((128, 128), kind, rng=r, placement_px=0, placement_deg=0,
                                     lighting=0, **KW)
            x, y = (int(round(v)) for v in s.defects[0].center_xy)
            assert good[y - 1:y + 2, x - 1:x + 2].min() > 80, (kind, r)   # face


def test_lbracket_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A crescent of seed ``r`` and its change: the sample minus its twin drawn at a
    vanishing contrast (the same face, the same groove's flattening)."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "crescent", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "crescent", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, twin, s.image.astype(float) - twin.image.astype(float)


def test_crescent_is_local_and_follows_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "crescent"):
        s = render_defect_sample((256, 256), "crescent", rng=r, **KW)
        twin = render_defect_sample((256, 256), "crescent", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "crescent", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "crescent" and 12 <= spec.contrast <= 26
        assert 5 <= p["radius_px"] <= 12 and 110 <= p["span_deg"] <= 170
        assert 0.9 <= p["width_px"] <= 1.6 and spec.size_px == pytest.approx(2 * p["radius_px"])
        assert ndimage.label(s.mask)[1] == 1
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 2                        # nothing off the crescent
        a = np.deg2rad(spec.angle_deg)
        cx, cy = spec.center_xy[0] - p["radius_px"] * np.cos(a), \
            spec.center_xy[1] - p["radius_px"] * np.sin(a)        # the arc's centre
        yy, xx = np.nonzero(s.mask)
        assert np.abs(np.hypot(xx - cx, yy - cy) - p["radius_px"]).max() <= 4.5
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def _polar(spec):
    """Each pixel's distance to the crescent's arc centre and its angle from the arc's middle
    (degrees, -180-180), on the 128 x 128 image."""
    p, a = spec.params, np.deg2rad(spec.angle_deg)
    cx = spec.center_xy[0] - p["radius_px"] * np.cos(a)
    cy = spec.center_xy[1] - p["radius_px"] * np.sin(a)
    yy, xx = np.mgrid[0:128, 0:128]
    phi = np.rad2deg(np.angle(np.exp(1j * (np.arctan2(yy - cy, xx - cx) - a))))
    return np.hypot(xx - cx, yy - cy), phi


@pytest.mark.parametrize("radius", [5.0, 8.0, 12.0])
def test_crescent_is_an_arc_tapering_to_two_horns(radius):
    for r in range(4):
        p = {"radius_px": radius, "contrast": 24.0, "width_px": 1.2, "span_deg": 140.0}
        # the groove seen under two lights at right angles: its slope's size, whatever the
        # light
        s, _, d1 = _change(r, p | {"light_deg": 30.0})
        _, _, d2 = _change(r, p | {"light_deg": 120.0})
        e = d1 ** 2 + d2 ** 2
        rr, phi = _polar(s.defects[0])
        assert abs(np.sum(e * rr) / e.sum() - radius) < 1.0       # along the arc's circle
        assert e[rr < radius - 4.0].sum() < 0.02 * e.sum()        # the inside untouched
        assert e[np.abs(phi) > 85.0].sum() < 0.02 * e.sum()       # nothing past the horns
        # deepest and widest at the middle, a point at each horn
        band = np.abs(rr - radius) < 3.5
        middle = e[band & (np.abs(phi) < 25.0)].mean()
        horns = e[band & (np.abs(phi) > 50.0) & (np.abs(phi) < 70.0)].mean()
        assert middle > 2.5 * horns, (middle, horns)


def test_crescent_is_shaded_bright_towards_the_light_dark_away():
    # the same check of every seed: 6 under --runslow, two by default (three apart: one odd,
    # one even, so the crescent is turned both ways to its light)
    for r in sample(range(6), 2, "crescent shading"):
        for light in (0.0, 90.0, 200.0, 315.0):
            p = {"radius_px": 9.0, "contrast": 24.0, "light_deg": light, "span_deg": 150.0}
            s, _, d = _change(r, p | {"angle_deg": light + 180.0 * (r % 2)})
            yy, xx = np.mgrid[0:128, 0:128]
            lx, ly = np.cos(np.deg2rad(light)), np.sin(np.deg2rad(light))
            pos, neg = np.clip(d, 0, None), np.clip(-d, 0, None)
            assert pos.max() > 0.6 * 24 and neg.max() > 0.6 * 24       # both flanks show
            # a groove: bright on its flank towards the light, dark on the other
            shift = [(np.sum(pos * q) / pos.sum() - np.sum(neg * q) / neg.sum())
                     for q in (xx, yy)]
            assert shift[0] * lx + shift[1] * ly > 0.8, (r, light, shift)
            assert abs(d.sum()) < 0.15 * np.abs(d).sum()               # as bright as dark
            # a negative contrast swaps the shading (a raised crescent)
            _, _, dn = _change(r, p | {"angle_deg": light, "contrast": -24.0})
            _, _, dp = _change(r, p | {"angle_deg": light})
            assert np.abs(dn + dp).max() <= 1.0


def test_crescent_presses_the_groove_flatter_and_leaves_the_face_off_it():
    kw = dict(texture="tumbled", texture_amplitude=14.0)
    for r in range(6):
        p = {"radius_px": 10.0, "width_px": 1.5, "span_deg": 160.0}
        s, twin, _ = _change(r, p, **kw)
        good = render_defect_sample((128, 128), "good", rng=r, **(STILL | kw)).image
        rr, phi = _polar(s.defects[0])
        x, y = twin.image.astype(float), good.astype(float)
        far = np.abs(rr - 10.0) > 7.0
        assert np.array_equal(x[far], y[far])              # the same face off the crescent
        groove = (np.abs(rr - 10.0) < 0.5) & (np.abs(phi) < 20.0)
        # pressed to half at its deepest: the texture's deviation there about halved
        ratio = np.abs(x[groove] - 150.0).mean() / np.abs(y[groove] - 150.0).mean()
        assert ratio < 0.75, ratio


def test_crescent_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "crescent", rng=0, layout="face",
                             defect_params={"radius_px": 7.0, "width_px": 1.0, "contrast": 20.0,
                                            "span_deg": 120.0, "angle_deg": 45.0,
                                            "light_deg": 10.0})
    spec = s.defects[0]
    assert spec.size_px == 14.0 and spec.contrast == 20.0 and spec.angle_deg == 45.0
    assert spec.params == {"radius_px": 7.0, "span_deg": 120.0, "width_px": 1.0,
                           "light_deg": 10.0}
    for bad in ({"span_deg": 20.0}, {"span_deg": 200.0}, {"radius_px": 5.0, "width_px": 2.0},
                {"radius_px": 0.0}, {"radius_px": -3.0}, {"width_px": float("nan")},
                {"span_deg": float("inf")}, {"contrast": float("inf")}, {"arc": 90.0}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "crescent", rng=0, defect_params=bad)
    check_pasted_on_a_face("crescent")
