"""The forty-first held-out configuration's generator pieces: texture ``babbitt``, layout
``rack`` and the surface defect ``dotpeen``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import _marks, check_local_and_scaled, face_signal_skewness
from tests.anomaly.test_holdout39_synth import STILL, _islands

KW = dict(layout="rack", texture="babbitt")


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("babbitt") == 43 and LAYOUTS.index("rack") == 42
    assert DEFECT_KINDS.index("dotpeen") == 43 and SURFACE_KINDS.index("dotpeen") == 41
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 44 and len(LAYOUTS) >= 43 and len(DEFECT_KINDS) >= 44
    # held-out 40's names stay where they were
    assert TEXTURES.index("sized") == 42 and LAYOUTS.index("tabwasher") == 41
    assert DEFECT_KINDS.index("treeing") == 42 and SURFACE_KINDS.index("treeing") == 40


def test_babbitt_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more23 import babbitt_texture

    check_texture_contract("babbitt")
    check_texture_fast("babbitt")
    check_texture_bad_input(babbitt_texture)


def test_babbitt_face_is_one_sided_bright():
    # sparse bright crystals on a darker, nearly plain matrix: the face signal's skewness
    # +2.82 to +2.94 seen (seeds 0-7), within +1 to +4 asserted (hardfaced's +2.15 to +2.25)
    for r in range(4):
        t = make_texture("babbitt", (256, 256), np.random.default_rng(r), 0.0)
        skew = face_signal_skewness(t)
        assert 1.0 <= skew <= 4.0, (r, skew)
        # the matrix is plain: half the face within 0.5 sd of its median (0.59-0.63 seen);
        # nothing dark (the least -2.3 to -2.9 sd)
        assert np.mean(np.abs(t - np.median(t)) < 0.5) > 0.5 and t.min() > -3.5, r


def test_babbitt_marks_are_squares_and_needles():
    for r in range(3):
        t = make_texture("babbitt", (256, 256), np.random.default_rng(r), 0.0)
        elong = _marks(-t, min_px=9)[:, 1]        # bright marks over 2 sd, 9 px or more
        # two kinds (81-84 marks seen, seeds 0-2): compact cuboids (elongation under 1.6:
        # 0.59-0.63 of them) and needles (over 3: 0.18-0.25); hardfaced's grains are compact
        # only (0.00-0.01 over 3), strandmat's strands long (0.10-0.19 under 1.6)
        assert len(elong) > 60 and (elong < 1.6).mean() > 0.45 and (elong > 3).mean() > 0.1, r
        # the cuboids flat and square: the compact marks' median solidity over 0.75
        isl = _islands(t)
        assert np.median(isl[:, 1]) > 0.72, (r, np.median(isl, 0))
    hard = _marks(-make_texture("hardfaced", (256, 256), np.random.default_rng(0), 0.0), min_px=9)
    strand = _marks(-make_texture("strandmat", (256, 256), np.random.default_rng(0), 0.0),
                    min_px=9)
    assert (hard[:, 1] > 3).mean() < 0.05 and (strand[:, 1] < 1.6).mean() < 0.3


def test_babbitt_crystals_squares_needles_and_six_armed_stars():
    from metrology.synth._textures_more23 import (BB_LENGTH, BB_SIDE, _crystal_sd,
                                                  babbitt_crystals)

    g = np.random.default_rng(0)
    (cc, ct, chalf, _), (nc, nt, nhalf, nwidth, _) = babbitt_crystals(g, 256, 256)
    assert chalf.min() >= 0.5 * BB_SIDE[0] and chalf.max() <= 0.5 * BB_SIDE[1]
    assert nhalf.min() >= 0.5 * BB_LENGTH[0] and nhalf.max() <= 0.5 * BB_LENGTH[1]
    # stars: three needles on one centre, 60 degrees apart; the rest alone
    _, inv, count = np.unique(nc, axis=0, return_inverse=True, return_counts=True)
    assert set(count) == {1, 3} and 0.2 < (count == 3).mean() < 0.5
    for grp in np.nonzero(count == 3)[0][:5]:
        turns = np.sort(np.mod(nt[inv.ravel() == grp], np.pi))
        assert np.allclose(np.diff(turns), np.pi / 3)
    # a square: the centre inside by its half side, the corners on the outline, the edges'
    # middles too; a needle: its ends' points on the outline at its half width beyond
    sd = _crystal_sd(np.zeros((len(ct), 1)), np.zeros((len(ct), 1)), ct, chalf)
    assert np.allclose(sd[:, 0], -chalf)
    cx = (chalf * (np.cos(ct) - np.sin(ct)))[:, None]
    cy = (chalf * (np.sin(ct) + np.cos(ct)))[:, None]
    assert np.allclose(_crystal_sd(cx, cy, ct, chalf), 0.0)
    ex = ((nhalf + nwidth) * np.cos(nt))[:, None]
    ey = ((nhalf + nwidth) * np.sin(nt))[:, None]
    assert np.allclose(_crystal_sd(ex, ey, nt, nhalf, nwidth), 0.0)


def test_rack_is_a_bar_with_eight_trapezoid_teeth():
    from metrology.synth._textures_more23 import RK_DEPTH, RK_PITCH, RK_TEETH

    s = 256.0
    lay = layout_features("rack", (256, 256))
    half, root, bottom, rc, teeth, pitch, depth, tip, flank = lay["rack"]
    assert (teeth, pitch, depth) == pytest.approx((RK_TEETH, RK_PITCH * s, RK_DEPTH * s))
    top = root - depth
    foot = tip + depth * np.tan(np.deg2rad(flank))
    ca, sa = np.cos(np.deg2rad(flank)), np.sin(np.deg2rad(flank))
    for k in range(teeth):
        x0 = (k - 3.5) * pitch
        for e in (-1.0, 1.0):
            assert _sd(lay, [x0], [top - e])[0] == pytest.approx(e, abs=1e-6)      # the tip
            # a flank's middle, along its outward normal
            mx, my = x0 + 0.5 * (tip + foot), 0.5 * (top + root)
            assert _sd(lay, [mx + e * ca], [my - e * sa])[0] == pytest.approx(e, abs=1e-6)
            if k < teeth - 1:                                      # the floor between two
                assert _sd(lay, [x0 + 0.5 * pitch], [root - e])[0] == \
                    pytest.approx(e, abs=1e-6)
    for e in (-1.0, 1.0):
        assert _sd(lay, [half + e], [0.0])[0] == pytest.approx(e, abs=1e-6)        # an end
        assert _sd(lay, [0.0], [bottom + e])[0] == pytest.approx(e, abs=1e-6)      # bottom
    # against a raster: one part, no hole in the outline, exact in and out (within the
    # raster's half px), symmetric left to right; a line across the teeth meets eight
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 1
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err).max() < 0.55 and np.abs(out).max() < 0.55
    assert np.allclose(_sd(lay, -grid[1], grid[0]), sdg)
    row = inside[int(round(2 * (128 + root - 0.5 * depth)))]
    assert ndimage.label(row)[1] == teeth


def test_rack_features_are_three_missable_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("rack", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    (b0, r0), (b1, r1), (dw, rd) = lay["holes"]
    assert b0 == pytest.approx((-0.3 * s, 0.05 * s)) and b1 == pytest.approx((0.3 * s, 0.05 * s))
    assert dw == pytest.approx((0.0, 0.1 * s)) and (r0, r1, rd) == pytest.approx(
        (0.035 * s, 0.035 * s, 0.02 * s))
    for (x, y), r in lay["holes"]:
        assert -_sd(lay, [x], [y])[0] - r > 0.05 * s          # walled all round
    assert n_features(lay) == 3 and n_missable(lay) == 3


def test_a_missing_feature_of_the_rack_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2})


def test_rack_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("rack", 5)
    lay = layout_features("rack", (256, 256))
    half, root, bottom, _, teeth, pitch, depth = lay["rack"][:7]
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the bar and its teeth less three holes: 0.38-0.43 (0.406 seen)
        assert 0.38 < face.mean() < 0.43, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        y_top = int(c + root - depth) - 3
        assert img[:y_top].max() < 40                                # above the tips
        for k in range(teeth - 1):                                   # between two tips
            assert img[int(c + root - 0.8 * depth), int(c + (k - 3) * pitch)] < 40, k
        for (x, y), _ in lay["holes"]:                                       # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((-0.4, 0.2), (0.4, -0.15), (0.0, -0.1), (-0.15, 0.2)):   # the face
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "dotpeen"])
def test_rack_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_rack():
    check_on_the_face(KW, ("extra", "spot", "dotpeen"), whole="dotpeen")


def test_rack_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_rack():
    check_reach_on_the_face("rack", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """A dot-peen mark of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("dotpeen", r, params, scale, **(STILL | kw))


def test_dotpeen_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "dotpeen", KW, lambda spec, t, a: np.maximum(np.abs(t), np.abs(a)) >
        0.5 * spec.size_px + 3.0)
    for spec in specs:
        p = spec.params
        assert 18 <= spec.contrast <= 34 and p["modules"] in (10, 12, 14)
        assert 2.2 <= p["pitch_px"] <= 3.0 and spec.size_px == pytest.approx(
            p["modules"] * p["pitch_px"])
        assert 0.32 <= p["radius_px"] / p["pitch_px"] <= 0.42 and 0.3 <= p["sigma_px"] <= 0.45
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_dotpeen_is_a_grid_of_dimples_with_a_solid_l_and_a_clock_track():
    for r in range(4):
        p = {"pitch_px": 3.0, "radius_px": 0.9, "sigma_px": 0.3, "contrast": 80.0,
             "angle_deg": 41.0 * r + 7.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        n = spec.params["modules"]
        depth = -d / 80.0
        # each module's centre: deep where dimpled, flat where not, nothing between modules
        i = np.arange(n)
        t = (i[None, :] - 0.5 * (n - 1)) * 3.0 + 0 * i[:, None]           # along a row
        a = (i[:, None] - 0.5 * (n - 1)) * 3.0 + 0 * i[None, :]           # down a column
        ang = np.deg2rad(spec.angle_deg)
        x = spec.center_xy[0] + t * np.cos(ang) - a * np.sin(ang)
        y = spec.center_xy[1] + t * np.sin(ang) + a * np.cos(ang)
        at = ndimage.map_coordinates(depth, [y, x], order=1)
        on = at > 0.6
        assert ((at > 0.6) | (at < 0.1)).all(), r
        assert on[:, 0].all() and on[-1, :].all()                  # the finder's solid L
        assert np.array_equal(on[0], i % 2 == 0)                   # the clock track, top
        assert np.array_equal(on[:, -1], (n - 1 - i) % 2 == 0)     # and right
        assert 0.3 < on[1:-1, 1:-1].mean() < 0.7                   # the data
        # between two dimpled neighbours of the L the face rises again (separate dots: at
        # most 0.49-0.58 of the dimples' least depth seen after the scene's blur)
        mid = ndimage.map_coordinates(depth, [0.5 * (y[1:, 0] + y[:-1, 0]),
                                              0.5 * (x[1:, 0] + x[:-1, 0])], order=1)
        assert mid.max() < 0.75 * at[:, 0].min(), (r, mid.max(), at[:, 0].min())


def test_dotpeen_is_bright_if_negative():
    for r in range(3):
        p = {"pitch_px": 2.5, "contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.8 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        side = s.defects[0].size_px
        assert s.mask.sum() < 0.7 * side * side, r                 # dots, not a square


def test_dotpeen_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "dotpeen", rng=0, layout="face",
                             defect_params={"pitch_px": 2.5, "radius_px": 1.0,
                                            "sigma_px": 0.4, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0
    assert spec.params["pitch_px"] == 2.5 and spec.params["radius_px"] == 1.0
    assert spec.params["sigma_px"] == 0.4
    # a side given sets the pitch; the draws do not depend on what is given
    a = render_defect_sample((128, 128), "dotpeen", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "dotpeen", rng=3, layout="face",
                             defect_params={"length_px": 30.0, "radius_px": 0.9}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["modules"] == b.params["modules"] and a.params["sigma_px"] == \
        b.params["sigma_px"]
    assert b.size_px == pytest.approx(30.0) and b.params["pitch_px"] == pytest.approx(
        30.0 / b.params["modules"])
    # a radius given over half the pitch is cut to it; a small image gets fewer modules
    wide = render_defect_sample((128, 128), "dotpeen", rng=0,
                                defect_params={"pitch_px": 2.5, "radius_px": 9.0})
    assert wide.defects[0].params["radius_px"] == 1.25
    small = render_defect_sample((64, 64), "dotpeen", rng=0).defects[0]
    assert small.size_px <= 0.3 * 64 + 1e-9 and small.params["modules"] % 2 == 0
    for bad in ({"pitch_px": 1.0}, {"sigma_px": 0.0}, {"radius_px": -1.0}, {"dots": 3},
                {"pitch_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "dotpeen", rng=0, defect_params=bad)
    check_pasted_on_a_face("dotpeen")
