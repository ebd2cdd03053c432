"""The fortieth held-out configuration's generator pieces: texture ``sized``, layout
``tabwasher`` and the surface defect ``treeing``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input, chord_frame)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import _marks, check_local_and_scaled, face_signal_skewness
from tests.anomaly.test_holdout39_synth import STILL, _islands

KW = dict(layout="tabwasher", texture="sized")


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("sized") == 42 and LAYOUTS.index("tabwasher") == 41
    assert DEFECT_KINDS.index("treeing") == 42 and SURFACE_KINDS.index("treeing") == 40
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 43 and len(LAYOUTS) >= 42 and len(DEFECT_KINDS) >= 43
    # held-out 39's names stay where they were
    assert TEXTURES.index("hardfaced") == 41 and LAYOUTS.index("starflange") == 40
    assert DEFECT_KINDS.index("comet") == 41 and SURFACE_KINDS.index("comet") == 39


def test_sized_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more22 import sized_texture

    check_texture_contract("sized")
    check_texture_fast("sized")
    check_texture_bad_input(sized_texture)


def test_sized_face_is_one_sided_dark():
    # sparse dark pores on a bright, nearly plain plateau: the face signal's skewness -2.44
    # to -2.59 seen (seeds 0-7), within -4 to -1 asserted (freemachining's -3.36 to -3.55)
    for r in range(4):
        t = make_texture("sized", (256, 256), np.random.default_rng(r), 0.0)
        skew = face_signal_skewness(t)
        assert -4.0 <= skew <= -1.0, (r, skew)
        # the plateau is plain: half the face within 0.5 sd of its median; nothing bright
        # (0.43-0.45 within 0.3 sd seen: the pores, sparse and small, spread the face little,
        # so its faint grain counts for more of a sd than freemachining's)
        assert np.mean(np.abs(t - np.median(t)) < 0.5) > 0.5 and t.max() < 2.5, r


def test_sized_pores_are_compact_cusped_and_of_many_sizes():
    for r in range(3):
        t = make_texture("sized", (256, 256), np.random.default_rng(r), 0.0)
        isl = _islands(-t)                    # dark marks: (area, solidity), 9 px or more
        elong = _marks(t, min_px=9)[:, 1]
        # many pores (144-154 seen, seeds 0-2), compact (elongation under 1.6: 0.83-0.89 of
        # them; freemachining's 0.01-0.05, greyiron's 0.02-0.06, tumbled's 0.22-0.27), of
        # many sizes (the 90th percentile's area 4.4-4.8 x the 10th's; satin's 2.0-2.4), many
        # of them large (36-58 of 25 px or more; satin's 4-10) and those cusped (their
        # median solidity 0.76 seen, pixel corners against the hull)
        assert len(isl) > 100 and (elong < 1.6).mean() > 0.7, (r, len(isl))
        p10, p90 = np.percentile(isl[:, 0], [10, 90])
        big = isl[isl[:, 0] >= 25]
        assert p90 > 3.0 * p10 and len(big) > 20 and np.median(big[:, 1]) < 0.8, (r, p10, p90)
    for name in ("freemachining", "tumbled"):
        t = make_texture(name, (256, 256), np.random.default_rng(0), 0.0)
        assert (_marks(t, min_px=9)[:, 1] < 1.6).mean() < 0.4, name
    satin = _islands(-make_texture("satin", (256, 256), np.random.default_rng(0), 0.0))
    assert (satin[:, 0] >= 25).sum() < 15


def test_particle_pores_are_closed_curved_polygons_with_cusps():
    from metrology.synth._textures_more22 import SZ_RANGE, particle_pores, pore_sd

    g = np.random.default_rng(0)
    centres, rho, offs, rp, level = particle_pores(g, 40, 256, 256)
    assert rho.min() >= SZ_RANGE[0] and rho.max() <= SZ_RANGE[1] and offs.shape == (40, 4, 2)
    # every particle touches the pore's inscribed circle: the centre is inside by its radius
    zero = pore_sd(np.zeros((40, 1)), np.zeros((40, 1)), rho, offs, rp)[:, 0]
    assert np.allclose(zero, -rho)
    # on a fine raster (0.05 px) each pore is one closed piece (but a raster px or two cut
    # off at a cusp's tip), well inside its bound, and concave: its area under 0.8 of its
    # convex hull's between three particles (0.70-0.77 seen, seed 0), under 0.9 between four
    # (0.81-0.89; a straight-sided polygon's is 1)
    from scipy.spatial import ConvexHull

    for i in range(12):
        k = 4.0 * rho[i]
        yy, xx = np.mgrid[-k:k:0.05, -k:k:0.05]
        inside = pore_sd(xx.reshape(1, -1), yy.reshape(1, -1), rho[i:i + 1], offs[i:i + 1],
                         rp[i:i + 1]).reshape(xx.shape) < 0
        lab, n = ndimage.label(inside)
        assert ndimage.sum(inside, lab, range(1, n + 1)).max() > inside.sum() - 3, i
        assert not inside[0].any() and not inside[-1].any()
        pts = np.stack([xx[inside], yy[inside]], -1)
        solidity = inside.sum() * 0.05 ** 2 / ConvexHull(pts).volume
        three = np.array_equal(offs[i, 3], offs[i, 0])
        assert solidity < (0.8 if three else 0.9), (i, three, solidity)


def test_tabwasher_is_a_ring_with_two_round_ended_tabs():
    from metrology.synth._textures_more22 import TW_BORE, TW_LONG, TW_R, TW_SHORT, TW_WIDTH

    s = 256.0
    lay = layout_features("tabwasher", (256, 256))
    cx, cy, r_out, bore, hw, long_end, short_end = lay["tabs"]
    assert (r_out, bore, hw, long_end, short_end) == pytest.approx(
        (TW_R * s, TW_BORE * s, 0.5 * TW_WIDTH * s, TW_LONG * s, TW_SHORT * s))
    for e in (-1.0, 1.0):
        for deg in (100.0, 150.0, 200.0, 240.0):           # the rim, away from the tabs
            a = np.deg2rad(deg)
            for rad, sign in ((r_out, 1.0), (bore, -1.0)):
                rr = rad + sign * e
                assert _sd(lay, [cx + rr * np.cos(a)], [cy + rr * np.sin(a)])[0] == \
                    pytest.approx(e, abs=1e-6)
        # the tabs' ends and their sides, beyond the ring
        assert _sd(lay, [cx], [cy - long_end - e])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [cx + short_end + e], [cy])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [cx + hw + e], [cy - 0.5 * (r_out + long_end - hw)])[0] == \
            pytest.approx(e, abs=1e-6)
        assert _sd(lay, [cx + 0.5 * (r_out + short_end - hw)], [cy - hw - e])[0] == \
            pytest.approx(e, abs=1e-6)
    # against a raster: one part, one hole (the bore) besides the background; the depth
    # within 0.75 px of the raster's (its half px steps) for 99 % of the face, the tabs'
    # roots included (their re-entrant corners are ends of the sides)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    assert np.percentile(np.abs(err), 99) < 0.75 and err.min() > -0.75
    # the tabs stand out of the ring, up and to the right, as wide as each other
    up = inside[:, 256 + int(2 * cx) - 60:256 + int(2 * cx) + 60][:int(2 * (128 + cy - r_out))]
    right = inside[256 + int(2 * cy) - 60:256 + int(2 * cy) + 60, int(2 * (128 + cx + r_out)):]
    assert up.sum(axis=1).max() == right.sum(axis=0).max() == pytest.approx(4 * hw, abs=2)


def test_tabwasher_features_are_two_missable_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("tabwasher", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    cx, cy = lay["tabs"][:2]
    (h0, r0), (h1, r1) = lay["holes"]
    assert h0 == pytest.approx((cx, cy - 0.41 * s)) and r0 == pytest.approx(0.028 * s)
    assert h1 == pytest.approx((cx + 0.39 * s, cy)) and r1 == pytest.approx(0.026 * s)
    for (x, y), r in lay["holes"]:
        assert -_sd(lay, [x], [y])[0] - r > 0.05 * s          # walled all round
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_a_missing_feature_of_the_tabwasher_is_a_whole_hole():
    check_missing_features(KW, {0, 1})


def test_tabwasher_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("tabwasher", 5)
    lay = layout_features("tabwasher", (256, 256))
    cx, cy = lay["tabs"][:2]
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the ring and tabs less the bore and two holes: 0.39-0.45 (0.418 seen)
        assert 0.39 < face.mean() < 0.45, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        assert img[:20, -60:].max() < 40 and img[:20, :60].max() < 40   # beside the long tab
        bx, by = int(round(c + cx)), int(round(c + cy))
        assert img[by - 9:by + 9, bx - 9:bx + 9].max() < 40        # the bore
        for (x, y), _ in lay["holes"]:                                       # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((-0.23, 0.0), (0.0, 0.23), (0.16, -0.16)):            # the ring
            assert img[int(c + cy + 256 * y), int(c + cx + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "treeing"])
def test_tabwasher_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_tabwasher():
    check_on_the_face(KW, ("extra", "spot", "treeing"), whole="treeing")


def test_tabwasher_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_tabwasher():
    check_reach_on_the_face("tabwasher", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """An electrical tree of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("treeing", r, params, scale, **(STILL | kw))


def test_treeing_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "treeing", KW, lambda spec, t, a: np.hypot(t, a) > 1.3 * spec.size_px + 4.0)
    for spec in specs:
        p = spec.params
        assert 18 <= spec.contrast <= 34 and 10.0 <= spec.size_px <= 28.0
        assert 20.0 <= p["turn_deg"] <= 40.0 and 0.55 <= p["sigma_px"] <= 0.85
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _branches_across(depth, root, angle_deg, radius):
    """How many dark runs (depth over 0.3) an arc of ``radius`` px round the tree's ``root``
    crosses within 80 degrees of its line (sampled every 0.05 px along the arc)."""
    a = np.deg2rad(angle_deg) + np.linspace(-1.4, 1.4, int(2.8 * radius / 0.05))
    x, y = root[0] + radius * np.cos(a), root[1] + radius * np.sin(a)
    return ndimage.label(ndimage.map_coordinates(depth, [y, x], order=1) > 0.3)[1]


def test_treeing_branches_double_away_from_its_root():
    seen = []
    for turn in (25.0, 35.0):
        for r in range(3):
            p = {"length_px": 26.0, "turn_deg": turn, "sigma_px": 0.7, "contrast": 80.0,
                 "angle_deg": 67.0 * r + 5.0}
            s, d = _change(r, p)
            spec = s.defects[0]
            depth = -d / 80.0
            a = np.deg2rad(spec.angle_deg)
            root = (spec.center_xy[0] - 13.0 * np.cos(a), spec.center_xy[1] - 13.0 * np.sin(a))
            # the root is on the track, nothing behind it
            assert depth[int(round(root[1])), int(round(root[0]))] > 0.5
            t, _ = chord_frame(spec)
            assert depth[t < -13.0 - 3.0].max() < 0.03
            # one trunk near the root, more branches farther out, most at the tips' reach
            counts = [_branches_across(depth, root, spec.angle_deg, rad)
                      for rad in (4.0, 14.0, 22.0)]
            seen.append(counts)
            assert counts[0] == 1 and counts[1] >= 2 and counts[2] >= counts[1], (turn, r, counts)
    assert max(c[2] for c in seen) >= 5, seen


def test_treeing_is_bright_if_negative():
    for r in range(3):
        p = {"length_px": 20.0, "contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.4 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        assert s.mask.sum() < 0.5 * 20.0 * 20.0, r                  # a tree of lines


def test_treeing_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "treeing", rng=0, layout="face",
                             defect_params={"length_px": 18.0, "turn_deg": 30.0,
                                            "sigma_px": 0.7, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 18.0 and spec.contrast == 20.0 and spec.angle_deg == 30.0
    assert spec.params["turn_deg"] == 30.0 and spec.params["sigma_px"] == 0.7
    # the draws do not depend on what is given
    a = render_defect_sample((128, 128), "treeing", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "treeing", rng=3, layout="face",
                             defect_params={"length_px": 20.0, "sigma_px": 0.6}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["turn_deg"] == b.params["turn_deg"]
    # a sigma given over 0.08 x the reach is cut to it
    wide = render_defect_sample((128, 128), "treeing", rng=0, defect_params={"sigma_px": 9.0})
    assert wide.defects[0].params["sigma_px"] == pytest.approx(
        0.08 * wide.defects[0].params["length_px"])
    for bad in ({"length_px": 4.0}, {"turn_deg": 2.0}, {"turn_deg": 80.0}, {"sigma_px": 0.0},
                {"forks": 3}, {"length_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "treeing", rng=0, defect_params=bad)
    check_pasted_on_a_face("treeing")
