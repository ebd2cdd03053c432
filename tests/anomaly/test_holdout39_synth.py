"""The thirty-ninth held-out configuration's generator pieces: texture ``hardfaced``, layout
``starflange`` and the surface defect ``comet``."""

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
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness

KW = dict(layout="starflange", texture="hardfaced")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("hardfaced") == 41 and LAYOUTS.index("starflange") == 40
    assert DEFECT_KINDS.index("comet") == 41 and SURFACE_KINDS.index("comet") == 39
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 42 and len(LAYOUTS) >= 41 and len(DEFECT_KINDS) >= 42
    # held-out 38's names stay where they were
    assert TEXTURES.index("freemachining") == 40 and LAYOUTS.index("thrustpad") == 39
    assert DEFECT_KINDS.index("shrinkage") == 40 and SURFACE_KINDS.index("shrinkage") == 38


def test_hardfaced_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more21 import hardfaced_texture

    check_texture_contract("hardfaced")
    check_texture_fast("hardfaced")
    check_texture_bad_input(hardfaced_texture)


def test_hardfaced_face_is_one_sided_bright():
    # sparse bright marks on a darker, nearly plain ground: the face signal's skewness +2.15
    # to +2.25 seen (seeds 0-5), within +1 to +4 asserted
    for r in range(4):
        t = make_texture("hardfaced", (256, 256), np.random.default_rng(r), 0.0)
        skew = face_signal_skewness(t)
        assert 1.0 <= skew <= 4.0, (r, skew)
        # the ground is plain: half the face within 0.3 sd of its median; nothing dark
        # (0.58-0.6 within 0.5 sd of the median seen, seeds 0-2)
        assert np.mean(np.abs(t - np.median(t)) < 0.5) > 0.5 and t.min() > -3.0, r


def _islands(t):
    """The bright islands of a render (connected pixels over 2 sd, 9 px or more): each one's
    area and solidity (area over its convex hull's, from the pixel centres and corners)."""
    from scipy.spatial import ConvexHull

    lab, n = ndimage.label(t > 2.0)
    out = []
    for sl, i in zip(ndimage.find_objects(lab), range(1, n + 1)):
        on = lab[sl] == i
        if on.sum() < 9:
            continue
        yy, xx = np.nonzero(on)
        corners = np.concatenate([np.stack([xx + dx, yy + dy], -1)
                                  for dx in (-0.5, 0.5) for dy in (-0.5, 0.5)])
        out.append((on.sum(), on.sum() / ConvexHull(corners).volume))
    return np.array(out)


def test_hardfaced_marks_are_compact_convex_islands():
    for r in range(4):
        t = make_texture("hardfaced", (256, 256), np.random.default_rng(r), 0.0)
        isl = _islands(t)
        # many islands (81-85 seen, seeds 0-3) of the grains' size (the median 35-38.5 px:
        # radii 2-5.5 px), convex (the median solidity 0.87-0.89 seen, pixel corners
        # against the hull)
        assert len(isl) > 60 and 25 < np.median(isl[:, 0]) < 60, (r, len(isl))
        assert np.median(isl[:, 1]) > 0.83, (r, np.median(isl, 0))
    # seed 0: painted's flakes are specks (8 islands of 9 px over 2 sd), strandmat's strands
    # and spangle's grains are not convex (solidity 0.67, 0.71), cast's inclusions small
    # (13 px, solidity 0.79)
    assert len(_islands(make_texture("painted", (256, 256), np.random.default_rng(0), 0.0))) < 20
    for name in ("strandmat", "spangle", "cast"):
        isl = _islands(make_texture(name, (256, 256), np.random.default_rng(0), 0.0))
        assert np.median(isl[:, 1]) < 0.83 or np.median(isl[:, 0]) < 25, name


def test_carbide_grains_are_convex_polygons_of_jittered_edges():
    from metrology.synth._textures_more21 import (HF_EDGES, HF_JITTER, HF_RADIUS,
                                                  carbide_grains, polygon_sd)

    g = np.random.default_rng(0)
    centres, ang, reach, level = carbide_grains(g, 200, 256, 256)
    assert ang.shape == reach.shape == (200, HF_EDGES) and level.shape == (200,)
    step = 2 * np.pi / HF_EDGES
    gaps = np.diff(np.sort(np.mod(ang, 2 * np.pi), axis=1), axis=1)
    assert gaps.min() > (1 - 2 * HF_JITTER) * step - 1e-9          # the edges all round
    assert reach.max() <= HF_RADIUS[1] and reach.min() >= 0.7 * HF_RADIUS[0]
    # each edge is a straight line: points along it (on its tangent) are 0 from the edge
    # as long as no other edge is nearer; the centre is inside by the nearest edge's reach
    zero = polygon_sd(np.zeros((200, 1)), np.zeros((200, 1)), ang, reach)[:, 0]
    assert np.allclose(zero, -reach.min(axis=1))
    k = np.argmin(reach, axis=1)
    a, rr = ang[np.arange(200), k], reach[np.arange(200), k]
    foot = polygon_sd((rr * np.cos(a))[:, None], (rr * np.sin(a))[:, None], ang, reach)
    assert np.allclose(foot, 0.0)


def test_starflange_is_a_disc_with_five_scallops_round_a_bore():
    from metrology.synth._textures_more21 import SF_BORE, SF_R, SF_SCALLOP, SF_SCALLOP_AT

    s = 256.0
    lay = layout_features("starflange", (256, 256))
    r_disc, r_sc, at, lobes, bore = lay["star"]
    assert (r_disc, r_sc, at, lobes, bore) == pytest.approx((SF_R * s, SF_SCALLOP * s,
                                                             SF_SCALLOP_AT * s, 5, SF_BORE * s))
    for k in range(5):
        lobe = -0.5 * np.pi + 2 * np.pi * k / 5
        # the rim across a lobe's tip, 1 px in and out
        for e in (-1.0, 1.0):
            rr = r_disc + e
            assert _sd(lay, [rr * np.cos(lobe)], [rr * np.sin(lobe)])[0] == \
                pytest.approx(e, abs=1e-6)
            # the scallop's floor between two lobes (at - r_sc from the centre)
            a = lobe + np.pi / 5
            rr = at - r_sc + e
            assert _sd(lay, [rr * np.cos(a)], [rr * np.sin(a)])[0] == pytest.approx(e, abs=1e-6)
            # the bore
            rr = bore - e
            assert _sd(lay, [rr * np.cos(a)], [rr * np.sin(a)])[0] == pytest.approx(e, abs=1e-6)
    # against a raster: one part, one hole (the bore) besides the background; five-fold
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    assert np.percentile(np.abs(err), 99) < 0.75
    c, sn = np.cos(2 * np.pi / 5), np.sin(2 * np.pi / 5)
    x, y = grid[1], grid[0]
    assert np.allclose(_sd(lay, c * x - sn * y, sn * x + c * y), sdg, atol=1e-9)
    assert np.allclose(_sd(lay, -x, y), sdg)                  # symmetric about the upright
    # concave all round: a lobe's tip and the next one's joined by a chord pass off the part
    a0, a1 = -0.5 * np.pi, -0.5 * np.pi + 2 * np.pi / 5
    mid = 0.5 * r_disc * np.array([np.cos(a0) + np.cos(a1), np.sin(a0) + np.sin(a1)])
    assert _sd(lay, [mid[0]], [mid[1]])[0] > 0


def test_starflange_features_are_five_missable_bolt_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("starflange", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 5
    (x0, y0), _ = lay["holes"][0]
    assert x0 == pytest.approx(0.0, abs=1e-9) and y0 == pytest.approx(-0.33 * s)   # up
    for (x, y), r in lay["holes"]:
        assert r == pytest.approx(0.035 * s) and np.hypot(x, y) == pytest.approx(0.33 * s)
        assert -_sd(lay, [x], [y])[0] - r > 0.05 * s          # walled all round
    assert n_features(lay) == 5 and n_missable(lay) == 5


def test_a_missing_feature_of_the_starflange_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2, 3, 4}, n=30)


def test_starflange_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("starflange", 5)
    lay = layout_features("starflange", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the flange's face less its bore and bolt holes: 0.53-0.59 (0.560 seen)
        assert 0.53 < face.mean() < 0.59, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        assert img[int(c) - 9:int(c) + 9, int(c) - 9:int(c) + 9].max() < 40   # the bore
        for k in range(5):                                          # the scallops' middles
            a = -0.5 * np.pi + 2 * np.pi * (k + 0.5) / 5
            x, y = c + 0.4 * 256 * np.cos(a), c + 0.4 * 256 * np.sin(a)
            assert img[int(y), int(x)] < 40, k
        for (x, y), _ in lay["holes"]:                                       # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for r_, k in ((0.4, 0), (0.4, 2), (0.22, 1), (0.22, 3)):             # the face
            a = -0.5 * np.pi + 2 * np.pi * k / 5
            assert img[int(c + 256 * r_ * np.sin(a)), int(c + 256 * r_ * np.cos(a))] > 60


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "comet"])
def test_starflange_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_starflange():
    check_on_the_face(KW, ("extra", "spot", "comet"), whole="comet")


def test_starflange_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_starflange():
    check_reach_on_the_face("starflange", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """A comet of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("comet", r, params, scale, **(STILL | kw))


def test_comet_is_local_and_follows_contrast_scale():
    def off_of(spec, t, a):
        r = spec.params["radius_px"]
        return (np.abs(t) > 0.5 * (spec.size_px + r) + 3.0) | (np.abs(a) > r + 3.0)

    specs = check_local_and_scaled("comet", KW, off_of, dip=0.5)
    drawn = set()
    for spec in specs:
        p = spec.params
        assert 18 <= spec.contrast <= 34
        drawn.add((round(spec.contrast, 3), round(spec.size_px, 3), round(p["radius_px"], 3)))
        assert 8.0 <= spec.size_px <= 24.0
        assert 1.2 <= p["radius_px"] <= 2.5 and 0.4 <= p["sigma_px"] <= 0.6
        assert 2 <= p["streaks"] <= 4
    assert len({c for c, _, _ in drawn}) == 4 and len({n for _, n, _ in drawn}) == 4


def test_comet_is_a_pit_with_a_tail_narrowing_and_fading_behind_it():
    for length, radius in ((20.0, 2.0), (16.0, 1.5), (24.0, 2.5)):
        for r in range(3):
            p = {"length_px": length, "radius_px": radius, "sigma_px": 0.5, "contrast": 80.0,
                 "angle_deg": 53.0 * r + 9.0}
            s, d = _change(r, p)
            spec = s.defects[0]
            depth = -d / 80.0
            t, a = chord_frame(spec)
            t = t + 0.5 * (length - radius)                  # from the pit's centre
            # the pit: full depth within it, round (as deep ahead as across)
            pit = np.hypot(t, a) < radius - 0.8
            assert depth[pit].min() > 0.85, (length, r)
            # nothing ahead of the pit, nor beyond the tail's end
            assert depth[t < -radius - 2.0].max() < 0.03
            assert depth[t > length + 2.0].max() < 0.03
            # the tail: fading along (its depth at a quarter over that at three quarters)
            # and narrowing (the dark band's width, depth over 0.1, shrinking to its end)
            q1 = depth[(np.abs(t - 0.25 * length) < 1.0)].max()
            q3 = depth[(np.abs(t - 0.75 * length) < 1.0)].max()
            assert 0.25 < q1 < 0.6 and q3 < 0.75 * q1, (length, r, q1, q3)
            w1 = np.ptp(a[(np.abs(t - 0.2 * length) < 0.7) & (depth > 0.1)])
            w3 = np.ptp(a[(np.abs(t - 0.8 * length) < 0.7) & (depth > 0.05)])
            assert w3 < w1 and w1 > radius, (length, r, w1, w3)


def test_comet_is_bright_if_negative():
    for r in range(3):
        p = {"length_px": 18.0, "contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.8 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        assert s.mask.sum() < 0.5 * 18.0 * 18.0, r                 # a pit and a tail, small


def test_comet_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "comet", rng=0, layout="face",
                             defect_params={"length_px": 18.0, "radius_px": 2.0,
                                            "sigma_px": 0.5, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 18.0 and spec.contrast == 20.0 and spec.angle_deg == 30.0
    assert spec.params["radius_px"] == 2.0 and spec.params["sigma_px"] == 0.5
    a = render_defect_sample((128, 128), "comet", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "comet", rng=3, layout="face",
                             defect_params={"length_px": 20.0, "radius_px": 2.2}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["sigma_px"] == b.params["sigma_px"]
    assert a.params["streaks"] == b.params["streaks"]
    # a sigma given over half the radius is cut to it; any radius given renders
    wide = render_defect_sample((128, 128), "comet", rng=0,
                                defect_params={"sigma_px": 9.0, "radius_px": 2.0})
    assert wide.defects[0].params["sigma_px"] == 1.0
    for radius in (1e-3, 1.0, 9.0):
        huge = render_defect_sample((64, 64), "comet", rng=0,
                                    defect_params={"radius_px": radius})
        assert huge.defects[0].params["radius_px"] == radius and huge.mask.any()
    for bad in ({"length_px": 4.0}, {"sigma_px": 0.0}, {"radius_px": -1.0}, {"tails": 2},
                {"length_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "comet", rng=0, defect_params=bad)
    check_pasted_on_a_face("comet")
