"""The forty-ninth held-out configuration's generator pieces: texture ``flamecut``, layout
``hookplate`` and the surface defect ``spallpit``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import (DEFECT_KINDS, SURFACE_KINDS, paste_defects,
                                     render_defect_sample, texture_sigma)
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input, chord_frame)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness

KW = dict(layout="hookplate", texture="flamecut")


def test_new_names_are_appended_at_the_end():
    # after held-out 48's names (broached, clutchplate, fretting), last
    assert TEXTURES.index("flamecut") == 51 and LAYOUTS.index("hookplate") == 50
    assert DEFECT_KINDS.index("spallpit") == 51 and SURFACE_KINDS.index("spallpit") == 49
    assert TEXTURES.index("broached") == 50 and LAYOUTS.index("clutchplate") == 49
    assert DEFECT_KINDS.index("fretting") == 50 and SURFACE_KINDS.index("fretting") == 48


def test_flamecut_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more30 import flamecut_texture

    check_texture_contract("flamecut")
    check_texture_fast("flamecut", 60.0)           # about 11 ms seen
    check_texture_bad_input(flamecut_texture)


def test_flamecut_face_is_two_sided_and_as_contrasty_as_the_others():
    skews = [face_signal_skewness(make_texture("flamecut", (256, 256),
                                               np.random.default_rng(r), 0.0))
             for r in range(8)]
    # -0.08 to -0.02 seen (seeds 0-7): the gouges sparse; within +-0.3 asserted (+-0.6 asked)
    assert max(np.abs(skews)) < 0.3, skews
    # on the rendered face its own contrast is the other cut faces': texture_sigma 6.2-6.4
    # seen, brushed 6.2-6.6, wirecut 6.6-7.1, lasercut 7.1-7.8 (seeds 0-2)
    sig = {name: texture_sigma(render_defect_sample((256, 256), "good", rng=0, layout="face",
                                                    texture=name).image)
           for name in ("flamecut", "brushed", "lasercut")}
    assert 0.85 * sig["brushed"] < sig["flamecut"] < 1.15 * sig["lasercut"], sig


def _slant(lines):
    """The lines' direction from their gradients' structure tensor (degrees)."""
    gy, gx = np.gradient(lines)
    return np.degrees(0.5 * np.arctan2(2 * (gx * gy).mean(), (gx * gx).mean() - (gy * gy).mean()))


def test_flamecut_drag_lines_bow_towards_the_bottom_rough_on_top_with_sparse_gouges():
    from metrology.synth._textures_more30 import FC_GOUGE_AREA, drag_lines, dross_gouges

    for r in range(4):
        # bowed, the lines turn down the depth: their slant in the bottom 32 rows differs
        # from the top's by 38-80 degrees (bow 0.3, seeds 0-3); without a bow under 1
        diffs = []
        for bow in (0.3, 0.0):
            lines, _, _ = drag_lines(np.random.default_rng(r), 256, 256, 2.5, bow)
            diffs.append(abs(_slant(lines[-32:]) - _slant(lines[:32])))
        assert diffs[0] > 20.0 and diffs[1] < 2.0, (r, diffs)
        # the upper band rougher: down the thickness (along the lines) the texture changes
        # 2.6-11 x as much in its top 30 rows as at 0.3-0.43 of the height
        g = np.random.default_rng(r)
        t = np.rot90(make_texture("flamecut", (256, 256), np.random.default_rng(r), 0.0),
                     -int(g.integers(0, 4)))
        dv = np.diff(t, axis=0) ** 2
        assert dv[:30].mean() > 1.6 * dv[80:110].mean(), r
        # the gouges: dark only, a few separate notches (8-13 seen on 256 x 256)
        f = dross_gouges(np.random.default_rng(r), 256, 256)
        notches = (f == ndimage.minimum_filter(f, 9)) & (f < -1.0)
        assert f.max() <= 0.0 and (f < -0.3).mean() < 0.03
        assert 0.7 * 256 * 256 / FC_GOUGE_AREA[1] <= notches.sum() <= 256 * 256 / \
            FC_GOUGE_AREA[0] + 2, (r, notches.sum())


def test_hookplate_is_a_rounded_plate_with_an_eye_and_a_j_shaped_throat():
    from metrology.synth._textures_more30 import HP_EYE, HP_HALF, HP_SADDLE, HP_SLOT

    s = 256.0
    lay = layout_features("hookplate", (256, 256))
    hx, hy = (x * s for x in HP_HALF)
    ey, er = (x * s for x in HP_EYE)
    sx, sy, sr = (x * s for x in HP_SADDLE)
    half = HP_SLOT * s
    cx = sx + sr - half                                         # the slot's middle
    low = 0.5 * (sy + hy)                                       # a place down the slot
    for e in (-1.0, 1.0):
        # e px off the face (out of the plate or into a cut)
        for x, y in ((hx + e, 0.0), (-hx - e, 0.0), (0.0, -hy - e),                # the plate
                     (0.0, ey - er + e), (0.0, ey + er - e),                         # the eye
                     (sx - sr + e, sy), (sx, sy - sr + e),                        # the saddle
                     (cx - half + e, low), (cx + half - e, low)):                   # the slot
            assert _sd(lay, [x], [y])[0] == pytest.approx(e, abs=1e-6), (x, y, e)
    # against a raster: one part; its background two pieces (round it with the throat open
    # to it, and the eye)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    # a J: across the saddle's middle the cut is its diameter, down the slot the slot's width
    # off to the saddle's right; the slot open through the bottom edge
    for y, width, mid in ((sy, 2 * sr, sx), (low, 2 * half, cx)):
        k = np.arange(-0.3 * s, 0.3 * s, 0.25)
        cut = _sd(lay, k, np.full_like(k, y)) > 0
        assert cut.sum() * 0.25 == pytest.approx(width, abs=0.6)
        assert k[cut].mean() == pytest.approx(mid, abs=0.3)
    assert _sd(lay, [cx], [hy - 1.0])[0] > 0 and _sd(lay, [cx - half - 2.0], [hy - 1.0])[0] < 0


def test_hookplate_features_are_two_missable_rivet_holes():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more30 import HP_HOLE, HP_HOLE_AT

    s = 256.0
    lay = layout_features("hookplate", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 2
    for ((x, y), r), side in zip(lay["holes"], (-1.0, 1.0)):
        assert r == pytest.approx(HP_HOLE * s)
        assert (x, y) == pytest.approx((side * HP_HOLE_AT[0] * s, HP_HOLE_AT[1] * s))
        assert -_sd(lay, [x], [y])[0] - r > 0.08 * s                    # walled all round
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_a_missing_feature_of_the_hookplate_is_a_whole_hole():
    check_missing_features(KW, {0, 1})


def test_hookplate_face_share_room_on_small_images_and_background_all_round():
    from metrology.synth._defect_makers import sd_features

    c = 127.5
    check_inside_at_jitter("hookplate", 8)               # 11 px seen
    # room for a defect 6 px clear (the face 12 px from the edges, 10 px from the holes) on
    # 96 and 128 px images: 16 % and 33 % of the middle box seen
    for side, want in ((96, 0.08), (128, 0.2)):
        lay = layout_features("hookplate", (side, side))
        g = np.mgrid[-0.31 * side:0.31 * side:0.5, -0.31 * side:0.31 * side:0.5]
        room = (_sd(lay, g[1], g[0]) < -12) & (sd_features(g[1], g[0], lay, None) > 10)
        assert room.mean() > want, (side, room.mean())
    lay = layout_features("hookplate", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the plate less its eye, throat and holes: 0.35-0.55 asked, 0.531 seen
        assert 0.5 < face.mean() < 0.55, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for x, y in ((0.0, -0.25), (0.06, 0.17), (0.11, 0.4)):     # eye, saddle, slot
            assert img[int(c + 256 * y), int(c + 256 * x)] < 40, (x, y)
        for (x, y), _ in lay["holes"]:                                     # the rivet holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((-0.2, 0.2), (0.0, -0.4), (0.28, 0.3), (0.0, -0.05)):  # the face
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "spallpit"])
def test_hookplate_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_hookplate():
    check_on_the_face(KW, ("extra", "spot", "spallpit"), whole="spallpit")


def test_hookplate_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_hookplate():
    check_reach_on_the_face("hookplate", SURFACE_KINDS, seeds=2)


def _change(r, params=None):
    """A spalled pit of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("spallpit", r, params)


def test_spallpit_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "spallpit", KW, lambda spec, t, a: np.hypot(t, a) > 0.5 * spec.size_px + 5.0,
        bright=0.5)
    for spec in specs:
        p = spec.params
        assert 14 <= spec.contrast <= 30 and 6 <= spec.size_px <= 14
        assert 0.55 <= p["width_px"] / spec.size_px <= 0.9 and 0.5 <= p["sigma_px"] <= 0.9
        assert 7 <= p["corners"] <= 11 and 3 <= p["pieces"] <= 5 and 0.3 <= p["rim"] <= 0.5
        assert 0.6 <= p["gap_px"] <= 1.2
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_spallpit_is_a_jagged_dark_crater_with_a_broken_bright_rim_on_one_side():
    from metrology.synth._defect_makers26 import polygon_radius

    # the outline: straight sides between its corners (a square's radius at its corners and
    # at its sides' middles), not an oval
    sq = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    phi = np.deg2rad([0.0, 45.0, 90.0, 225.0, 300.0])
    assert polygon_radius(phi, sq) == pytest.approx([1.0, np.sqrt(0.5), 1.0, np.sqrt(0.5),
                                                     1.0 / (np.cos(np.deg2rad(60)) +
                                                            np.sin(np.deg2rad(60)))])
    for r in range(4):
        p = {"contrast": 80.0, "length_px": 28.0, "width_px": 20.0, "sigma_px": 0.8,
             "light_deg": 90.0 * r}
        s, d = _change(r, p)
        spec = s.defects[0]
        t, a = chord_frame(spec)
        rr, phi = np.hypot(t, a), np.arctan2(a, t) + np.deg2rad(spec.angle_deg)
        # the floor dark, deepest in its middle
        assert d[rr < 2.0].min() < -0.9 * 80 and d[rr < 2.0].max() < -0.7 * 80
        # jagged: the floor's edge radius round the crater swings more than an oval's would
        # between its length and width (some corners drawn well in)
        floor = d < -0.4 * 80
        assert floor.sum() < 0.97 * np.pi * 14 * 10, (r, floor.sum())
        # the rim bright only on the side towards light_deg, and broken into pieces there
        toward = np.cos(phi - np.deg2rad(90.0 * r))
        bright = d > 0.1 * 80
        assert bright.any() and d.max() > 0.15 * 80, r
        assert toward[bright].min() > 0.0 and d[toward < -0.1].max() <= 1.0, r
        ring = ndimage.binary_dilation(bright, iterations=1) & ~floor
        assert ndimage.label(ring)[1] >= 2, r


def test_spallpit_is_bright_if_negative():
    # the same crater either way, its change mirrored (within the rounding), its mask kept
    for r in range(3):
        dark, dp = _change(r, {"contrast": 22.0})
        bright, dn = _change(r, {"contrast": -22.0})
        assert dp.min() < -0.5 * 22 and dn.max() > 0.5 * 22
        assert np.abs(dn + dp).max() <= 1.0
        assert dark.mask.any() and np.array_equal(dark.mask, bright.mask), r


def test_spallpit_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    p = {"length_px": 12.0, "width_px": 8.0, "sigma_px": 0.6, "contrast": 20.0,
         "angle_deg": 30.0, "light_deg": 200.0}
    spec = render_defect_sample((128, 128), "spallpit", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 12.0
    assert spec.params["width_px"] == 8.0 and spec.params["sigma_px"] == 0.6
    assert spec.params["light_deg"] == 200.0
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "spallpit", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "spallpit", rng=3, layout="face",
                             defect_params={"length_px": 10.0, "sigma_px": 0.7}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["gap_px"] == b.params["gap_px"] and a.params["corners"] == \
        b.params["corners"] and a.params["light_deg"] == b.params["light_deg"]
    assert b.size_px == 10.0
    # pasted on a small region, a smaller crater (what the region has room for)
    face = render_defect_sample((96, 96), "good", rng=0, layout="face").image
    region = np.zeros((96, 96), bool)
    region[40:56, 40:56] = True
    for r in range(3):
        spec = paste_defects(face, "spallpit", rng=r, region=region).defects[0]
        assert spec.size_px + 2 * (spec.params["gap_px"] + 3 * spec.params["sigma_px"]) <= 16
    # a rim's sigma out of 0.3-1.5 px is cut to that
    for sigma, cut in ((0.1, 0.3), (2.0, 1.5)):
        spec = render_defect_sample((128, 128), "spallpit", rng=0, layout="face",
                                    defect_params={"sigma_px": sigma}).defects[0]
        assert spec.params["sigma_px"] == cut
    for bad in ({"width_px": 13.0, "length_px": 12.0}, {"width_px": 2.0}, {"length_px": 4.0},
                {"contrast": float("inf")}, {"gap_px": 1.0}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "spallpit", rng=0, defect_params=bad)
    check_pasted_on_a_face("spallpit")
