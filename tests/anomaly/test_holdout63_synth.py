"""The sixty-third held-out configuration's generator pieces: texture ``foam``, layout
``busbar`` and the surface defect ``fishscale``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from matplotlib.path import Path
from scipy.spatial import cKDTree

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import change_on_a_still_face, check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_missing_features,
                                               check_on_the_face, check_pasted_on_a_face,
                                               check_reach_on_the_face, check_texture_contract,
                                               check_texture_fast, chord_frame, plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled
from tests.anomaly.test_holdout50_synth import (check_one_centred_piece,
                                                check_room_on_small_images, mirrored_changes,
                                                skews_and_contrasts)
from tests.anomaly.test_holdout51_synth import spectral_lay
from tests.anomaly.test_holdout61_synth import check_turned_not_mirrored

KW = dict(layout="busbar", texture="foam")


def test_new_names_are_appended_at_the_end():
    # after held-out 62's names (made with it), last
    assert TEXTURES.index("foam") == 65 and LAYOUTS.index("busbar") == 64
    assert DEFECT_KINDS.index("fishscale") == 65 and SURFACE_KINDS.index("fishscale") == 63
    assert TEXTURES.index("sunray") == 64 and LAYOUTS.index("axialfan") == 63
    assert DEFECT_KINDS.index("spiderweb") == 64 and SURFACE_KINDS.index("spiderweb") == 62


def test_foam_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more44 import foam_texture

    check_texture_contract("foam")
    check_texture_fast("foam", 150.0)               # about 45-50 ms seen
    check_texture_bad_input(foam_texture)


def test_foam_face_is_two_sided_and_more_contrasty_than_brushed():
    skews, sig = skews_and_contrasts("foam", ("brushed", "peened"))
    # light walls and dark deep floors, both a minority: -0.11 to 0.11 seen (seeds 0-7)
    assert min(skews) > -0.3 and max(skews) < 0.3, skews
    # texture_sigma 8.6 seen (seeds 0-1; brushed 6.5, peened 7.25): the bowls' shading
    assert 7.0 < sig["foam"] < 10.5, sig
    assert 1.1 * sig["brushed"] < sig["foam"] < 1.5 * sig["brushed"], sig
    assert 1.0 * sig["peened"] < sig["foam"] < 1.35 * sig["peened"], sig


def test_foam_is_cells_cut_into_bowls_shaded_by_the_light_between_light_walls():
    from metrology.synth._textures_more44 import (FO_CELL, FO_DEPTH, FO_WALL, foam_cells,
                                                  foam_height)

    yy, xx = np.mgrid[0:256, 0:256].astype(float)
    for r in range(6):
        t = make_texture("foam", (256, 256), np.random.default_rng(r), 30.0)
        if r < 2:                                         # the part's angle is not taken
            assert np.array_equal(t, make_texture("foam", (256, 256),
                                                  np.random.default_rng(r), -75.0))
        # the texture's draws in order: the cells, each cell's depth, the walls, the light
        g = np.random.default_rng(r)
        cell, seeds, near, second, index, seed_dist = foam_cells(g, 256, 256)
        assert FO_CELL[0] <= cell <= FO_CELL[1]
        assert 0.9 < len(np.unique(index)) / (256 / cell) ** 2 < 1.5       # 1.13-1.17 seen
        depth = g.uniform(*FO_DEPTH, len(seeds))[index]
        half = g.uniform(*FO_WALL)
        height, walls = foam_height(cell, near, second, seed_dist, depth, half)
        light = g.uniform(0.0, 2.0 * np.pi)
        bowl = ~walls
        # thin walls, a light minority (0.12-0.19 of the face, 1.64-1.72 spreads above the
        # bowls seen), thicker where two boundaries meet (near a boundary: all wall within
        # 1.5 wall half widths of a second one, 0.64-0.66 beyond 4 px)
        assert 0.1 < walls.mean() < 0.22 and t[walls].mean() - t[bowl].mean() > 1.4, r
        close = near < 1.5 * half
        assert walls[close & (second < 1.5 * half)].mean() > 0.95, r
        assert walls[close & (second > 4.0)].mean() < 0.75, r
        # each bowl lit on its side away from the light (0.82-0.91 apart seen) and darker
        # the deeper it is (its middle 1.03-1.14 darker in the deepest cells than in the
        # shallowest seen)
        off = (xx - seeds[index, 0]) * np.cos(light) + (yy - seeds[index, 1]) * np.sin(light)
        assert t[bowl & (off < -2)].mean() - t[bowl & (off > 2)].mean() > 0.6, r
        mid = bowl & (seed_dist < 0.3 * (seed_dist + np.maximum(near - half, 1e-9)))
        assert t[mid & (depth < 0.65)].mean() - t[mid & (depth > 0.85)].mean() > 0.7, r
        assert height[walls].max() == 0.0 and height[bowl].max() < 0.0
        # no lay: 0.09-0.13 strong
        assert spectral_lay(t)[1] < 0.2, r


def _outline(s, step=0.02):
    """A dense sampling, in order round it, of the busbar's outline from its definition
    alone: the centre line (the constants) offset by the half width either way, the offsets
    meeting in mitres (each bend's two offset lines crossed), each corner rounded by an arc
    of its radius tangent to its two edges, the edges between the arcs' ends."""
    from metrology.synth._textures_more44 import (BB_END, BB_INNER, BB_OUTER, BB_PATH,
                                                  BB_WIDTH)

    p, w = np.asarray(BB_PATH) * s, BB_WIDTH * s
    d = np.diff(p, axis=0)
    n = np.c_[d[:, 1], -d[:, 0]] / np.hypot(*d.T)[:, None]

    def crossing(a0, da, b0, db):                    # where two lines cross
        k = np.linalg.solve(np.c_[da, -db], b0 - a0)[0]
        return a0 + k * da

    sides = []
    for sign in (1.0, -1.0):
        pts = [p[0] + sign * w * n[0]]
        pts += [crossing(p[k - 1] + sign * w * n[k - 1], d[k - 1], p[k] + sign * w * n[k], d[k])
                for k in (1, 2)]
        sides.append(pts + [p[3] + sign * w * n[2]])
    corners = np.array(sides[0] + sides[1][::-1])
    radii = np.array([BB_END, BB_OUTER, BB_INNER, BB_END, BB_END, BB_OUTER, BB_INNER,
                      BB_END]) * s
    ends = []                                        # each corner's arc, its ends in order
    pts = []
    for i, (c, r) in enumerate(zip(corners, radii)):
        a, b = corners[i - 1] - c, corners[(i + 1) % 8] - c
        a, b = a / np.hypot(*a), b / np.hypot(*b)
        half = 0.5 * np.arccos(np.clip(a @ b, -1.0, 1.0))
        o = c + (a + b) / np.hypot(*(a + b)) * r / np.sin(half)
        ta, tb = c + a * r / np.tan(half), c + b * r / np.tan(half)
        qa, qb = (np.arctan2(*(z - o)[::-1]) for z in (ta, tb))
        turn = np.mod(qb - qa + np.pi, 2.0 * np.pi) - np.pi
        q = qa + np.linspace(0.0, turn, max(int(abs(turn) * r / step), 2))
        ends.append((ta, tb))
        pts.append(np.c_[o[0] + r * np.cos(q), o[1] + r * np.sin(q)])
    out = []
    for i in range(8):
        out.append(pts[i])
        a, b = ends[i][1], ends[(i + 1) % 8][0]
        m = max(int(np.hypot(*(b - a)) / step), 2)
        out.append(a + np.linspace(0.0, 1.0, m)[:, None] * (b - a))
    return np.concatenate(out), corners


def test_busbar_outline_is_exact_everywhere():
    from metrology.synth._textures_more44 import BB_WIDTH

    s = 256.0
    lay = layout_features("busbar", (256, 256))
    edge, corners = _outline(s)
    assert np.allclose(np.array(lay["busbar"][0]), corners)          # the module's corners
    assert np.abs(_sd(lay, edge[:, 0], edge[:, 1])).max() < 1e-6
    # exact everywhere: at 4000 points over the image its size is the distance to the dense
    # outline (within 0.02 px: the samples' spacing), its sign inside the sampled outline
    p = np.random.default_rng(0).uniform(-127.0, 127.0, (4000, 2))
    d, _ = cKDTree(edge).query(p)
    sd = _sd(lay, p[:, 0], p[:, 1])
    assert np.abs(np.abs(sd) - d).max() < 0.02
    assert np.array_equal(sd < 0, Path(edge).contains_points(p))
    # 1 px either side of the top edge, an end, and the middle leg's sides (across it)
    leg = corners[2] - corners[1]
    across = np.array([leg[1], -leg[0]]) / np.hypot(*leg)
    w = BB_WIDTH * s
    for e in (-1.0, 1.0):
        assert _sd(lay, [-0.3 * s], [-0.44 * s - e])[0] == pytest.approx(e)
        assert _sd(lay, [-0.44 * s - e], [-0.27 * s])[0] == pytest.approx(e)
        for m in (-1.0, 1.0):
            x, y = m * (w + e) * across
            assert _sd(lay, [x], [y])[0] == pytest.approx(e)
    check_turned_not_mirrored(lay, 180.0)        # point-symmetric, no mirror line
    share = check_one_centred_piece(lay)
    assert 0.41 < share < 0.43, share                          # 0.420 (holes not cut out)


def test_busbar_features_are_four_bolt_holes_on_its_centre_line_leaving_room():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more44 import BB_HOLE, BB_HOLES

    s = 256.0
    lay = layout_features("busbar", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == [] and lay.get("sinks", []) == []
    want = [(x * s, -0.27 * s) for x in BB_HOLES]
    want += [(-x, -y) for x, y in want]
    assert [c for c, _ in lay["holes"]] == pytest.approx(want)
    assert [r for _, r in lay["holes"]] == pytest.approx([BB_HOLE * s] * 4)
    walls = [-_sd(lay, [x], [y])[0] - r for (x, y), r in lay["holes"]]
    assert min(walls) > 0.045 * s                               # walled: 0.05 s the ends'
    assert n_features(lay) == 4 and n_missable(lay) == 4
    # room to place a defect on 10.4 % of the placing box at 96 px, 18.1 % at 128 px (over
    # 8 and 15 % asserted: along the middle leg)
    check_room_on_small_images("busbar", ((96, 0.08), (128, 0.15)))


def test_a_missing_feature_of_the_busbar_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2, 3}, n=24)


def test_busbar_face_share_leg_and_background_beside_it():
    c = 127.5
    check_inside_at_jitter("busbar", 7)                 # 9 px seen (the ends at 0.44)
    lay = layout_features("busbar", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the bar less its holes: 0.40-0.43 (0.413 seen)
        assert 0.40 < face.mean() < 0.43, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for x, y, bright in ((0.0, 0.0, True), (-0.3, -0.3, True), (0.3, 0.3, True),
                             (-0.3, 0.2, False), (0.3, -0.2, False)):   # leg, pads, beside
            v = img[int(round(c + y * 256)), int(round(c + x * 256))]
            assert (v > 60) if bright else (v < 40), (seed, x, y, v)
        for (x, y), _ in lay["holes"]:                               # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "fishscale"])
def test_busbar_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_busbar():
    check_on_the_face(KW, ("extra", "spot", "fishscale"), whole="fishscale")


def test_busbar_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_busbar():
    check_reach_on_the_face("busbar", SURFACE_KINDS, seeds=2)


def test_fishscale_is_local_and_follows_contrast_scale():
    # its floors dark, its lips bright: at most 0.6 of the contrast
    specs = check_local_and_scaled(
        "fishscale", KW,
        lambda spec, t, a: np.hypot(t, a) > 0.5 * spec.size_px + 3.0 * spec.params["sigma_px"]
        + 3.0, dip=0.6, bright=0.6)
    for spec in specs:
        p = spec.params
        assert 18 <= spec.contrast <= 36 and 14 <= spec.size_px <= 30
        assert 0.4 <= p["sigma_px"] <= 0.7 and 0.4 <= p["lip"] <= 0.6
        assert 5 <= p["scales"] == len(p["radii_px"]) <= 12
        assert all(2.0 <= r <= 4.5 for r in p["radii_px"])
        assert all(np.hypot(*c) + r <= 0.5 * spec.size_px + 1e-9
                   for c, r in zip(p["centres_ta"], p["radii_px"]))
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_fishscale_is_half_moon_craters_deepest_and_lit_along_their_curves_one_way():
    def near(d, t, a, x, y):                         # the change within 0.7 px of a place
        return d[np.hypot(t - x, a - y) < 0.7]

    curves, lips = [], []
    for r in range(12):
        s, d = change_on_a_still_face("fishscale", r, {"contrast": 60.0, "length_px": 30.0})
        spec = s.defects[0]
        p = spec.params
        t, a = chord_frame(spec)
        centres, radii = np.array(p["centres_ta"]), np.array(p["radii_px"])
        for k, ((x, y), rr) in enumerate(zip(centres, radii)):
            # every scale deep towards its curve, all facing the same way (-35 to -50 seen,
            # 89 scales)
            curves.append(near(d, t, a, x + 0.7 * rr, y).min())
            others = np.delete(np.arange(len(radii)), k)
            gap = np.hypot(*(centres[others] - (x, y)).T) - radii[others] - rr
            if rr < 2.5 or gap.min() < 1.0:          # a scale of its own, large enough
                continue
            # shallow at its flat side (-20 at most seen), nothing behind it; its lip
            # bright outside its curve (3-20 seen, 10 scales), none behind
            assert near(d, t, a, x - 0.3 * rr, y).min() > -0.4 * 60, (r, k)
            assert np.abs(near(d, t, a, x - rr - 1.5, y)).max() < 0.1 * 60, (r, k)
            assert near(d, t, a, x - rr - p["sigma_px"], y).max() < 0.05 * 60, (r, k)
            lips.append(near(d, t, a, x + rr + p["sigma_px"], y).max())
        assert s.mask[d < -0.5 * 60].all(), r
    assert max(curves) < -0.5 * 60 and len(curves) > 50
    assert len(lips) >= 6 and min(lips) > 0.0 and np.mean(lips) > 0.12 * 60, lips


def test_fishscale_takes_fixed_parameters_rejects_bad_ones_is_mirrored_if_negative_and_pasted():
    p = {"length_px": 16.0, "contrast": 20.0, "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "fishscale", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 16.0
    # the draws do not depend on what is given; width_px is not read
    a = render_defect_sample((256, 256), "fishscale", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "fishscale", rng=3, layout="face",
                             defect_params={"length_px": 12.0, "radius_px": 2.5,
                                            "width_px": 1e3})
    assert b.defects[0].size_px == 12.0 and b.mask.any()
    b = b.defects[0]
    assert b.params["radii_px"] == [2.5] * b.params["scales"]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    for key in ("sigma_px", "lip", "scales"):
        assert a.params[key] == b.params[key], key
    # a scale's radius given is cut to 0.8 px and a quarter of the diameter, the lips'
    # sigma to 0.3-1 px (an extreme size renders)
    for given, cut in ((1e-3, 0.8), (1e3, 0.25 * 16.0)):
        spec = render_defect_sample((128, 128), "fishscale", rng=0, layout="face",
                                    defect_params={"radius_px": given,
                                                   "length_px": 16.0}).defects[0]
        assert spec.params["radii_px"] == [cut] * spec.params["scales"]
    for given, cut in ((1e-3, 0.3), (1e3, 1.0)):
        spec = render_defect_sample((128, 128), "fishscale", rng=0, layout="face",
                                    defect_params={"sigma_px": given}).defects[0]
        assert spec.params["sigma_px"] == cut
    # a small image gets a smaller cluster, never refused
    for shape in ((64, 64), (80, 80)):
        for r in range(4):
            small = render_defect_sample(shape, "fishscale", rng=r)
            assert small.mask.any() and 5.0 <= small.defects[0].size_px <= 30.0
    for bad in ({"length_px": 4.9}, {"contrast": float("inf")}, {"scales": 4}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "fishscale", rng=0, defect_params=bad)
    for dp in mirrored_changes("fishscale"):  # mirrored if negative: the floors bright
        assert dp.min() < -0.5 * 25 and dp.max() <= 0.6 * 25 + 1.0
    check_pasted_on_a_face("fishscale")
