"""The sixtieth held-out configuration's generator pieces: texture ``blued``, layout
``hingeleaf`` and the surface defect ``flake``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import change_on_a_still_face, check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               chord_frame, plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled
from tests.anomaly.test_holdout50_synth import (check_one_centred_piece,
                                                check_room_on_small_images, mirrored_changes,
                                                skews_and_contrasts)
from tests.anomaly.test_holdout51_synth import _gap, spectral_lay
from tests.anomaly.test_holdout54_synth import check_hole_gone_with_its_sink

KW = dict(layout="hingeleaf", texture="blued")


def test_new_names_are_appended_at_the_end():
    # after held-outs 58 and 59's names (merged), last
    assert TEXTURES.index("blued") == 62 and LAYOUTS.index("hingeleaf") == 61
    assert DEFECT_KINDS.index("flake") == 62 and SURFACE_KINDS.index("flake") == 60
    assert TEXTURES.index("granite") == 61 and LAYOUTS.index("keyedcollar") == 60
    assert DEFECT_KINDS.index("ringcrack") == 61 and SURFACE_KINDS.index("ringcrack") == 59


def test_blued_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more41 import blued_texture

    check_texture_contract("blued")
    check_texture_fast("blued", 150.0)             # about 9 ms seen
    check_texture_bad_input(blued_texture)


def test_blued_face_is_nearly_two_sided_and_as_contrasty_as_the_others():
    skews, sig = skews_and_contrasts("blued", ("brushed", "anodised"))
    # the lines and the matte two-sided, the bright specks too sparse to skew it much: -0.03
    # to 0.12 seen (seeds 0-7), -0.2 to 0.3 asserted
    assert min(skews) > -0.2 and max(skews) < 0.3, skews
    # texture_sigma 6.6 / 6.2 seen (seeds 0-1; brushed 6.5, anodised 5.2): 5-10
    assert 5.0 < sig["blued"] < 10.0, sig
    assert 0.85 * sig["brushed"] < sig["blued"] < 1.15 * sig["brushed"], sig
    assert sig["blued"] > sig["anodised"], sig


def test_blued_lines_lie_at_an_angle_drawn_per_part_under_a_blotchy_tint_with_bright_specks():
    from metrology.synth._textures_more41 import oxide_tint, polishing_lines

    lays = []
    for r in range(8):
        t = make_texture("blued", (256, 256), np.random.default_rng(r), 30.0)
        if r < 2:                                         # the part's angle is not taken
            assert np.array_equal(t, make_texture("blued", (256, 256),
                                                  np.random.default_rng(r), -75.0))
        # the lines' angle is the texture's first draw: the spectrum's lay is it, strongly
        _, lay = polishing_lines(np.random.default_rng(r), 256, 256)
        seen, strength = spectral_lay(t)
        assert _gap(seen, np.rad2deg(lay)) < 2.0, (r, seen, np.rad2deg(lay))    # 0.35 seen
        assert strength > 0.8, (r, strength)              # 0.85-0.88 seen (seeds 0-7)
        lays.append(seen)
        # the specks: the face's outliers bright, 7-15 past 4 spreads up, at most 1 down
        assert (t > 4.0).sum() >= 4 and (t < -4.0).sum() <= 2, r
        # the tint: blotches tens of px across (its correlation along the rows and the
        # columns, their mean: 0.61-0.92 10 px off, -0.18 to 0.17 60 px off; seeds 0-7)
        tint = oxide_tint(np.random.default_rng(r), 256, 256)
        near, far = (np.mean([np.corrcoef(tint[:, :-k].ravel(), tint[:, k:].ravel())[0, 1],
                              np.corrcoef(tint[:-k].ravel(), tint[k:].ravel())[0, 1]])
                     for k in (10, 60))
        assert near > 0.5 and abs(far) < 0.3, (r, near, far)
    assert max(_gap(a, b) for a in lays for b in lays) > 45.0      # drawn per part


def _leaf_outline(lay, n=20000):
    """A dense sampling of the leaf's outline (image model px): its sides, bottom and bottom
    corners, the notch's floor, each strip's top and its ends' upper quarters."""
    (cx, cy), (hx, hy), rc, (notch, rk) = lay["leaf"]
    ix, iy, a, b = hx - rc, hy - rc, notch + rk, hx - rk
    y, x, q = np.linspace(-hy, iy, n), np.linspace(-1.0, 1.0, n), np.linspace(0, np.pi / 2, n)
    pts = [np.c_[np.full(n, hx), y], np.c_[np.full(n, -hx), y], np.c_[ix * x, np.full(n, hy)],
           np.c_[notch * x, np.full(n, -hy)]]
    pts += [np.c_[m * (ix + rc * np.cos(q)), iy + rc * np.sin(q)] for m in (-1, 1)]
    for m in (-1, 1):
        pts.append(np.c_[m * np.linspace(a, b, n), np.full(n, -hy - rk)])
        pts.append(np.c_[m * (a - rk * np.cos(q)), -hy - rk * np.sin(q)])
        pts.append(np.c_[m * (b + rk * np.cos(q)), -hy - rk * np.sin(q)])
    return np.concatenate(pts) + [cx, cy]


def test_hingeleaf_outline_is_exact_everywhere():
    from metrology.synth._textures_more41 import HL_CORNER, HL_HALF, HL_KNUCKLE, HL_NOTCH

    s = 256.0
    lay = layout_features("hingeleaf", (256, 256))
    (cx, cy), (hx, hy), rc, (notch, rk) = lay["leaf"]
    assert (hx, hy, rc) == pytest.approx((HL_HALF[0] * s, HL_HALF[1] * s, HL_CORNER * s))
    assert (notch, rk) == pytest.approx((HL_NOTCH * s, HL_KNUCKLE * s))
    assert (cx, cy) == pytest.approx((0.0, 0.5 * rk))
    assert lay["half"] == pytest.approx((hx, hy + 0.5 * rk))
    edge = _leaf_outline(lay)
    assert np.abs(_sd(lay, edge[:, 0], edge[:, 1])).max() < 1e-9
    # exact everywhere: at 4000 points over the image its size is the distance to the dense
    # outline (within 0.02 px: the samples' spacing)
    p = np.random.default_rng(0).uniform(-127.0, 127.0, (4000, 2))
    d, _ = cKDTree(edge).query(p)
    assert np.abs(np.abs(_sd(lay, p[:, 0], p[:, 1])) - d).max() < 0.02
    top = cy - hy
    for e in (-1.0, 1.0):                        # 1 px either side of each piece
        assert _sd(lay, [0.0], [top - e])[0] == pytest.approx(e)              # the notch
        assert _sd(lay, [0.6 * hx], [top - rk - e])[0] == pytest.approx(e)    # a strip
        assert _sd(lay, [0.0], [cy + hy + e])[0] == pytest.approx(e)          # the bottom
        assert _sd(lay, [hx + e], [cy])[0] == pytest.approx(e)                # a side
    assert _sd(lay, [hx - rk], [top])[0] == pytest.approx(-rk)   # a strip's end on the edge
    # the notch's inner corners: 1 px into the notch past its floor's end, outside
    assert _sd(lay, [notch - 1.0], [top - 1.0])[0] == pytest.approx(1.0)
    # one mirror line (the vertical), none across the horizontal
    grid = np.mgrid[-128:128:1.0, -128:128:1.0] + 0.5
    inside = _sd(lay, grid[1], grid[0]) < 0
    assert np.array_equal(inside, inside[:, ::-1]) and not np.array_equal(inside, inside[::-1])
    share = check_one_centred_piece(lay)
    assert 0.46 < share < 0.48, share                          # 0.472 (holes not cut out)


def test_hingeleaf_features_are_three_countersunk_holes_in_a_row_leaving_room():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more41 import HL_ROW, HL_SCREW, HL_SCREW_AT, HL_SINK

    s = 256.0
    lay = layout_features("hingeleaf", (256, 256))
    (cx, cy), (hx, hy), _, _ = lay["leaf"]
    assert lay["slots"] == [] and lay["windows"] == [] and lay.get("sinks", []) == []
    xs = [c[0] for c, _ in lay["holes"]]
    assert xs == pytest.approx([-HL_SCREW_AT * s, 0.0, HL_SCREW_AT * s])
    assert [c[1] for c, _ in lay["holes"]] == pytest.approx([cy + HL_ROW * s] * 3)
    assert [r for _, r in lay["holes"]] == pytest.approx([HL_SCREW * s] * 3)
    assert [(c, r) for c, r, _ in lay["cones"]] == lay["holes"]     # a countersink each
    assert [o for _, _, o in lay["cones"]] == pytest.approx([HL_SINK * s] * 3)
    for (x, y), _ in lay["holes"]:
        assert -_sd(lay, [x], [y])[0] - HL_SINK * s > 0.1 * s       # walled past the sink
    assert n_features(lay) == 3 and n_missable(lay) == 3
    # room to place a defect on 35.5 % of the placing box at 96 px, 55.7 % at 128 px (over
    # 30 and 50 % asserted; 10 % at 96 px asked)
    check_room_on_small_images("hingeleaf", ((96, 0.30), (128, 0.50)))


def test_a_missing_screw_hole_of_the_hingeleaf_goes_with_its_countersink():
    still = dict(placement_px=0, placement_deg=0, lighting=0, texture_amplitude=0.0,
                 noise_sigma=0.0, **KW)
    lay = layout_features("hingeleaf", (256, 256))
    good = render_defect_sample((256, 256), "good", rng=0, **still).image.astype(float)
    seen = set()
    for r in range(12):
        s = render_defect_sample((256, 256), "missing", rng=r, **still)
        seen.add(s.defects[0].params["feature"])
        check_hole_gone_with_its_sink(s, lay, good)
    assert seen == {0, 1, 2}


def test_hingeleaf_face_share_knuckle_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("hingeleaf", 8)             # 10 px seen
    lay = layout_features("hingeleaf", (256, 256))
    (cx, cy), (hx, hy), _, (notch, rk) = lay["leaf"]
    top = c + cy - hy
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the leaf less its holes: 0.46-0.48 (0.469 seen)
        assert 0.46 < face.mean() < 0.48, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        # the knuckle's strips stand out past the top edge; the notch between them does not
        for x in (-0.6 * hx, 0.6 * hx):
            assert img[int(round(top - 0.5 * rk)), int(round(c + x))] > 60
        assert img[int(round(top - 0.5 * rk)), int(c)] < 40
        for (x, y), _ in lay["holes"]:                               # the bores
            assert img[int(round(c + y)), int(round(c + x))] < 70


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "flake"])
def test_hingeleaf_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_hingeleaf():
    check_on_the_face(KW, ("extra", "spot", "flake"), whole="flake")


def test_hingeleaf_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_hingeleaf():
    check_reach_on_the_face("hingeleaf", SURFACE_KINDS, seeds=2)


def test_flake_is_local_and_follows_contrast_scale():
    # its shadow dark, its lit rim bright: at most 1.4 of the contrast (the rim over a
    # raised level)
    specs = check_local_and_scaled(
        "flake", KW,
        lambda spec, t, a: np.hypot(t, a) > 0.5 * spec.size_px + spec.params["shadow_px"] + 3.0,
        bright=1.4)
    for spec in specs:
        p = spec.params
        assert 16 <= spec.contrast <= 32 and 6 <= spec.size_px <= 16
        assert 0.1 <= abs(p["level"]) <= 0.3 and 0.6 <= p["rim"] <= 1.0
        assert 1.0 <= p["rim_px"] <= 1.8 and 1.5 <= p["shadow_px"] <= 3.0
        assert 0.7 <= p["shadow"] <= 1.0 and 5 <= p["corners"] <= 8
        assert p["light_deg"] == spec.angle_deg
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_flake_is_a_flat_polygon_lit_at_its_edge_and_casting_a_shadow():
    from metrology.synth._defect_makers37 import flake_cover, flake_outline

    for r in range(4):
        s, d = change_on_a_still_face("flake", r, {"contrast": 60.0, "length_px": 14.0})
        spec = s.defects[0]
        p = spec.params
        t, a = chord_frame(spec)                     # the light towards +t
        # the bright rim on the side facing the light, the shadow on the other
        hi, lo = d > 0.3 * 60, d < -0.3 * 60
        assert hi.any() and lo.any(), r
        assert np.median(t[hi]) > 1.0 and np.median(t[lo]) < -1.0, r
        assert d[lo].min() < -0.5 * 60, r
        # the flake: an irregular polygon, its middle the face's level plus its own (the
        # rim may reach into the middle of a narrow one: the median)
        core = np.hypot(t, a) < 2.0
        assert abs(np.median(d[core]) - p["level"] * 60) <= 1.0, r
        # the whole polygon masked, nothing changed past the shadow's reach
        assert s.mask[core].all(), r
        reach = 0.5 * spec.size_px + p["shadow_px"] + 2.0
        assert np.abs(d[np.hypot(t, a) > reach]).max() <= 1.0, r
    # the outline: 5-8 corners, each 0.7-1 of the radius of an oval of the size by 0.6-1 x
    # it, the cover 1 at the centre and 0 a px past the farthest corner
    for r in range(8):
        corners = flake_outline(np.random.default_rng(r), 14.0)
        rad = np.hypot(*corners.T)
        assert 5 <= len(corners) <= 8 and 0.7 * 0.6 * 7.0 - 1e-9 <= rad.min() <= rad.max() <= 7.0
        assert flake_cover(np.zeros(1), np.zeros(1), corners)[0] == 1.0
        phi = np.linspace(0.0, 2.0 * np.pi, 720)
        out = rad.max() + 1.0
        assert flake_cover(out * np.cos(phi), out * np.sin(phi), corners).max() == 0.0


def test_flake_takes_fixed_parameters_rejects_bad_ones_is_mirrored_if_negative_and_pasted():
    p = {"length_px": 10.0, "contrast": 20.0, "light_deg": 30.0}
    spec = render_defect_sample((128, 128), "flake", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 10.0
    # the draws do not depend on what is given; radius_px and width_px are not read
    a = render_defect_sample((256, 256), "flake", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "flake", rng=3, layout="face",
                             defect_params={"length_px": 8.0, "radius_px": 1e3,
                                            "width_px": 1e-3})
    assert b.mask.any() and b.defects[0].size_px == 8.0
    b = b.defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    for key in ("level", "rim", "rim_px", "shadow", "shadow_px", "corners"):
        assert a.params[key] == b.params[key], key
    # a small image gets a smaller flake, never refused
    for shape in ((64, 64), (80, 80)):
        for r in range(4):
            small = render_defect_sample(shape, "flake", rng=r)
            assert small.mask.any() and 6.0 <= small.defects[0].size_px <= 16.0
    for bad in ({"length_px": 4.9}, {"contrast": float("inf")}, {"lobes": 4}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "flake", rng=0, defect_params=bad)
    for dp in mirrored_changes("flake"):     # mirrored if negative: the rim dark, the shadow lit
        assert dp.min() < -0.5 * 25 and dp.max() <= 1.4 * 25 + 1.0
    check_pasted_on_a_face("flake")
