"""The fifty-second held-out configuration's generator pieces: texture ``flycut``, layout
``ratchet`` and the surface defect ``nutprint``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import change_on_a_still_face, check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled
from tests.anomaly.test_holdout50_synth import (check_one_centred_piece,
                                                check_room_on_small_images, mirrored_changes,
                                                skews_and_contrasts)
from tests.anomaly.test_holdout51_synth import (_gap, check_missing_slot_whole,
                                                check_walled_features, spectral_lay)

KW = dict(layout="ratchet", texture="flycut")


def test_new_names_are_appended_at_the_end():
    # after held-out 51's names (beltsanded, sectorblank, grindburn), last
    assert TEXTURES.index("flycut") == 54 and LAYOUTS.index("ratchet") == 53
    assert DEFECT_KINDS.index("nutprint") == 54 and SURFACE_KINDS.index("nutprint") == 52
    assert TEXTURES.index("beltsanded") == 53 and LAYOUTS.index("sectorblank") == 52
    assert DEFECT_KINDS.index("grindburn") == 53 and SURFACE_KINDS.index("grindburn") == 51


def test_flycut_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more33 import flycut_texture

    check_texture_contract("flycut")
    check_texture_fast("flycut", 60.0)              # about 7 ms seen
    check_texture_bad_input(flycut_texture)


def test_flycut_face_is_two_sided_and_as_contrasty_as_the_others():
    skews, sig = skews_and_contrasts("flycut", ("milled", "brushed"))
    # scallops' cusps up, the heel's grooves down, the slope symmetric: -0.10 to 0.24 seen
    # (seeds 0-7), within +-0.4 asserted (+-0.6 asked)
    assert max(np.abs(skews)) < 0.4, skews
    # on the rendered face a little more contrast than the other cut faces (its feed marks
    # 3-5.5 px apart outlive the blur): texture_sigma 7.5-8.0 seen (seeds 0-2), milled and
    # brushed 6.5 (means of seeds 0-1)
    assert sig["milled"] < sig["flycut"] < 1.35 * sig["brushed"], sig


def _drawn(r, side=256):
    """Seed ``r``'s first draws of :func:`flycut_texture` on a ``side`` px square: the
    direction square to the feed (degrees, 0-180) and the front and heel arcs' tangents at
    the image's centre (degrees, 0-180)."""
    from metrology.synth._textures_more33 import FC_OFFSET, FC_RADIUS

    g = np.random.default_rng(r)
    feed = g.uniform(0.0, 2.0 * np.pi)
    radius = g.uniform(*FC_RADIUS) * side
    tilt = np.arcsin(g.uniform(-FC_OFFSET, FC_OFFSET))    # the arcs' tilt at the centre
    square = np.rad2deg(feed + 0.5 * np.pi)
    assert radius > side
    return square % 180.0, (square + np.rad2deg(tilt)) % 180.0, (square - np.rad2deg(tilt)) % 180.0


def test_flycut_lay_turns_from_part_to_part_between_its_two_families():
    lays = []
    for r in range(8):
        t = make_texture("flycut", (256, 256), np.random.default_rng(r), 30.0)
        square, front, heel = _drawn(r)
        lay, strength = spectral_lay(t)
        # the spectrum's lay lies between the two families' tangents (the front arcs' and
        # the heel's, the feed's square their bisector: 0.4-11.5 degrees off it seen, within
        # half their crossing, 0.6-19.5 degrees), whatever the part's own angle (30 given)
        assert _gap(lay, square) <= 0.5 * _gap(front, heel) + 2.0, (r, lay, square, front)
        assert strength > 0.5, (r, strength)                   # 0.59-0.75 seen
        lays.append(lay)
    # spread over the half turn: 15, 19, 70, 91, 97, 128 (two) and 142 degrees seen; every
    # quarter taken, no gap between neighbours over 60 degrees (53 seen)
    assert len({int(a // 45.0) for a in lays}) == 4, lays
    ordered = np.sort(lays)
    assert np.diff(np.append(ordered, ordered[0] + 180.0)).max() < 60.0, lays
    # and on rendered parts (a square of face between the bore, two holes and the roots,
    # blur, noise and all): 20, 36, 119 and 123 degrees seen for seeds 0-3, each held
    seen = []
    for r in range(4):
        img = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                   **KW).image
        lay, strength = spectral_lay(img[81:117, 59:95].astype(float))
        assert strength > 0.45, (r, strength)                    # 0.56-0.76 seen
        seen.append(lay)
    assert max(_gap(a, b) for i, a in enumerate(seen) for b in seen[:i]) > 60.0, seen


def test_flycut_front_and_heel_arcs_bend_opposite_ways_at_the_feed_pitch():
    from metrology.synth._textures_more33 import cutter_phases, heel_marks, scallops

    radius, offset, feed = 400.0, 120.0, 4.0
    front, back = cutter_phases(256, 256, 0.0, radius, offset)          # fed along x
    sc = scallops(np.random.default_rng(0), front, feed)
    heel = heel_marks(np.random.default_rng(1), back, feed)
    for rows, y in ((slice(40, 104), -56.0), (slice(96, 160), 0.0), (slice(152, 216), 56.0)):
        tilt = np.rad2deg(np.arcsin((y + offset) / radius))    # the arcs' tilt there
        # the front arcs lean one way, the heel's the other (each within 0.3 degrees seen)
        lay_f, st_f = spectral_lay(sc[rows, 96:160])
        lay_h, st_h = spectral_lay(heel[rows, 96:160])
        assert _gap(lay_f, 90.0 + tilt) < 2.0 and _gap(lay_h, 90.0 - tilt) < 2.0, \
            (y, lay_f, lay_h, tilt)
        assert st_f > 0.8 and st_h > 0.8, (st_f, st_h)               # 0.96-0.99 seen
    # along the feed both repeat at the feed exactly: a row's strongest period
    for field in (sc, heel):
        row = field[128] - field[128].mean()
        power = np.abs(np.fft.rfft(row, n=1024)) ** 2
        assert 1.0 / np.fft.rfftfreq(1024)[1 + np.argmax(power[1:])] == pytest.approx(feed,
                                                                                      rel=0.02)
    # each turn its own depth: the scallops' ranges turn by turn differ (1 +- 0.25 drawn;
    # their spread 0.18 of their mean seen)
    turns = np.floor(front[128] / feed)
    ranges = [np.ptp(sc[128][turns == k]) for k in np.unique(turns)[2:-2]]
    assert np.std(ranges) / np.mean(ranges) > 0.1, ranges
    # a cusp's neighbourhood is higher than the groove's middle: round bottoms, sharp cusps
    assert sc.min() >= -1.6 / 3.0 - 1e-9 and heel.max() <= 0.0 and heel.min() < -0.99


def test_ratchet_is_twelve_saw_teeth_leaning_one_way_exact_at_its_edges():
    from metrology.synth._textures_more33 import RW_ROOT, RW_TEETH, RW_TIP, ratchet_corners

    s = 256.0
    lay = layout_features("ratchet", (256, 256))
    (cx, cy), teeth, tip, root = lay["ratchet"]
    assert (cx, cy, teeth) == (0.0, 0.0, RW_TEETH)
    assert (tip, root) == pytest.approx((RW_TIP * s, RW_ROOT * s))
    pts = ratchet_corners(teeth, tip, root)
    for k in range(teeth):
        th = 2.0 * np.pi * k / teeth
        ray, face_n = np.array([np.cos(th), np.sin(th)]), np.array([-np.sin(th), np.cos(th)])
        a, b = pts[2 * k + 1], pts[(2 * k + 2) % (2 * teeth)]            # the flank
        n = np.array([b[1] - a[1], a[0] - b[0]]) / np.hypot(*(b - a))
        m = 0.5 * (a + b)
        for e in (-1.0, 1.0):
            p = m + e * n                                    # either side of the flank
            assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(e, abs=1e-6)
            p = 0.5 * (tip + root) * ray + e * face_n        # either side of the radial face
            assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(e, abs=1e-6)
        p = (tip + 1.0) * ray                                # beyond the tip
        assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(1.0, abs=1e-6)
    # inside: the centre, as far as the roots (a flank's foot from it falls past its root)
    assert _sd(lay, [0.0], [0.0])[0] == pytest.approx(-root)
    # twelve-fold, but no mirror line: the raster turned by 30 degrees is itself, mirrored
    # about any line through the centre (every 7.5 degrees) it differs on over 4 % of its box
    grid = np.mgrid[-128:128:1.0, -128:128:1.0] + 0.5
    inside = _sd(lay, grid[1], grid[0]) < 0
    t = np.deg2rad(30.0)
    turned = _sd(lay, np.cos(t) * grid[1] - np.sin(t) * grid[0],
                 np.sin(t) * grid[1] + np.cos(t) * grid[0]) < 0
    assert (turned != inside).mean() < 0.005
    for deg in np.arange(0.0, 180.0, 7.5):
        c2, s2 = np.cos(np.deg2rad(2 * deg)), np.sin(np.deg2rad(2 * deg))
        mirrored = _sd(lay, c2 * grid[1] + s2 * grid[0], s2 * grid[1] - c2 * grid[0]) < 0
        assert (mirrored != inside).mean() > 0.04, deg
    # against a raster: one part, its background one piece, its box centred; the outline
    # 0.50 of the image (holes not cut out)
    share = check_one_centred_piece(lay)
    assert 0.48 < share < 0.52, share


def test_ratchet_features_are_four_holes_and_a_slot_leaving_room_on_small_images():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more33 import RW_BORE, RW_HOLE, RW_SLOT

    s = 256.0
    lay = layout_features("ratchet", (256, 256))
    assert lay.get("windows", []) == [] and lay.get("sinks", []) == []
    assert [r for _, r in lay["holes"]] == pytest.approx([RW_BORE * s] + [RW_HOLE * s] * 3)
    assert lay["holes"][0][0] == pytest.approx((0.0, 0.0))                 # the bore
    (sx, sy), _, slot_r, slot_ang = lay["slots"][0]
    assert sx == 0.0 and sy > 0.0 and slot_ang == 90.0 and slot_r == pytest.approx(RW_SLOT * s)
    check_walled_features(lay, s)
    assert n_features(lay) == 5 and n_missable(lay) == 5
    # room to place a defect on 4.0 % of the placing box at 96 px, 10 % at 128 px (over 3
    # and 7 % asserted)
    check_room_on_small_images("ratchet", ((96, 0.03), (128, 0.07)))


def test_a_missing_feature_of_the_ratchet_is_a_whole_feature():
    # the holes (features 0-3) with no length, the slot (feature 4) whole
    check_missing_slot_whole(KW, 4, 30)


def test_ratchet_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("ratchet", 8)               # 10 px seen
    lay = layout_features("ratchet", (256, 256))
    _, teeth, tip, root = lay["ratchet"]
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the wheel less its features: 0.44-0.47 (0.453-0.455 seen; the brief's 0.35-0.55)
        assert 0.44 < face.mean() < 0.47, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (x, y), _ in lay["holes"]:                               # the holes, the slot
            assert img[int(round(c + y)), int(round(c + x))] < 70
        (sx, sy), _, _, _ = lay["slots"][0]
        assert img[int(round(c + sy)), int(round(c + sx))] < 70
        for k in range(teeth):                    # a tooth's gap just past its radial face,
            th = 2.0 * np.pi * (k + 0.12) / teeth     # the tooth just before it
            r_gap, r_tooth = 0.5 * (tip + root) + 3.0, 0.5 * (tip + root) - 3.0
            assert img[int(round(c + r_gap * np.sin(th))), int(round(c + r_gap * np.cos(th)))] \
                < 40, k
            th = 2.0 * np.pi * (k - 0.12) / teeth
            assert img[int(round(c + r_tooth * np.sin(th))),
                       int(round(c + r_tooth * np.cos(th)))] > 60, k


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "nutprint"])
def test_ratchet_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_ratchet():
    check_on_the_face(KW, ("extra", "spot", "nutprint"), whole="nutprint")


def test_ratchet_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_ratchet():
    check_reach_on_the_face("ratchet", SURFACE_KINDS, seeds=2)


def test_nutprint_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "nutprint", KW, lambda spec, t, a: np.hypot(t, a) > spec.params["chamfer_px"] + 3.0)
    for spec in specs:
        p = spec.params
        assert 12 <= spec.contrast <= 26 and 10 <= spec.size_px <= 22
        assert 0.28 <= p["radius_px"] / spec.size_px <= 0.36 and 0.4 <= p["light"] <= 0.7
        corners = spec.size_px / np.cos(np.pi / 6.0)
        assert 0.95 * 0.5 * corners <= p["chamfer_px"] <= 0.5 * corners + 1e-9
        assert 0.25 <= p["streaks"] <= 0.5
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _edges(d, spec, deg):
    """Where the print's change along the ray at ``deg`` (degrees, from its hexagon's axis)
    falls to half its deepest there: the inner and the outer edge (px from its centre)."""
    ang = np.deg2rad(spec.angle_deg + deg)
    r = np.arange(0.0, spec.params["chamfer_px"] + 4.0, 0.05)
    (cx, cy) = spec.center_xy
    prof = -ndimage.map_coordinates(d, [cy + r * np.sin(ang), cx + r * np.cos(ang)], order=1)
    deep = prof >= 0.5 * prof.max()
    return r[np.argmax(deep)], r[len(r) - 1 - np.argmax(deep[::-1])]


def test_nutprint_is_a_ring_hexagonal_outside_round_inside_deeper_on_one_side():
    streaky = []
    for r in range(4):
        p = {"contrast": 60.0, "length_px": 30.0, "width_px": 6.0}
        s, d = change_on_a_still_face("nutprint", r, p)
        spec = s.defects[0]
        flats = [_edges(d, spec, deg) for deg in range(0, 360, 60)]
        corners = [_edges(d, spec, deg) for deg in range(30, 390, 60)]
        # the outer edge at the flats half the across flats (14.6-15.1 seen), at the
        # corners the chamfer circle (16.5-17.0 seen, 16.6-17.2 drawn), farther than the
        # flats by 1.5-2.4 px
        out_f, out_c = np.mean([o for _, o in flats]), np.mean([o for _, o in corners])
        assert abs(out_f - 15.0) < 0.8 and abs(out_c - spec.params["chamfer_px"]) < 0.8, \
            (r, out_f, out_c)
        assert out_c - out_f > 1.0, (r, out_f, out_c)
        # the inner edge round: the bore's radius (9: 6 px wide given) in every direction (8.9-9.5 seen)
        inner = [i for i, _ in flats + corners]
        assert np.ptp(inner) < 1.0 and abs(np.mean(inner) - 9.0) < 0.6, (r, inner)
        # no change in the bore, none past the chamfer
        cx, cy = spec.center_xy
        yy, xx = np.mgrid[0:128, 0:128]
        rr = np.hypot(xx - cx, yy - cy)
        assert np.abs(d[rr < 7.5]).max() <= 1.0
        assert np.abs(d[rr > spec.params["chamfer_px"] + 2.0]).max() <= 1.0
        # deeper on the heavy side: the half ring towards it darker than the other half
        # (the light side 0.4-0.7 of the heavy one's depth drawn; the halves 0.75-0.79 seen)
        ang = np.arctan2(yy - cy, xx - cx) - np.deg2rad(spec.angle_deg + spec.params["heavy_deg"])
        ring = (rr > 10.0) & (rr < 14.0)
        heavy, light = (-d[ring & (np.cos(ang) > 0)]).mean(), (-d[ring & (np.cos(ang) < 0)]).mean()
        assert spec.params["light"] < light / heavy < 0.9, (r, light / heavy)
        # streaked round its centre: on the heavy side the depth rises and falls along the
        # radius across the ring's middle (10.5-13.5 px) far more than round it (+-12 degrees)
        th = np.deg2rad(spec.angle_deg + spec.params["heavy_deg"])
        rad = np.arange(10.5, 13.5, 0.1)
        arc = th + np.deg2rad(np.arange(-12.0, 12.0, 0.5))
        along = -ndimage.map_coordinates(d, [cy + rad * np.sin(th), cx + rad * np.cos(th)],
                                         order=1)
        round_ = -ndimage.map_coordinates(d, [cy + 12.0 * np.sin(arc), cx + 12.0 * np.cos(arc)],
                                          order=1)
        assert along.std() / along.mean() > 2.0 * round_.std() / round_.mean(), \
            (r, along.std() / along.mean(), round_.std() / round_.mean())
        streaky.append(along.std() / along.mean())
    # separate streaks on about half the radius: strong on some seeds' rays (0.003-0.19
    # seen along, 0.006 at most round)
    assert max(streaky) > 0.08, streaky

def test_nutprint_takes_fixed_parameters_rejects_bad_ones_is_bright_if_negative_and_pasted():
    p = {"length_px": 16.0, "width_px": 3.0, "contrast": 20.0, "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "nutprint", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 16.0
    assert spec.params["width_px"] == 3.0 and spec.params["radius_px"] == 5.0
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "nutprint", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "nutprint", rng=3, layout="face",
                             defect_params={"length_px": 14.0, "width_px": 3.0}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["light"] == b.params["light"] and a.params["heavy_deg"] == \
        b.params["heavy_deg"] and a.params["streaks"] == b.params["streaks"]
    assert b.size_px == 14.0 and b.params["radius_px"] == 4.0
    # a small image gets a smaller print, never refused
    for shape in ((64, 64), (80, 80)):
        for r in range(4):
            small = render_defect_sample(shape, "nutprint", rng=r).defects[0]
            assert 8.0 <= small.size_px <= 0.3 * shape[0] + 1e-9
    for bad in ({"length_px": 7.0}, {"length_px": 20.0, "width_px": 1.5},
                {"length_px": 20.0, "width_px": 6.5}, {"contrast": float("inf")},
                {"segments": 4}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "nutprint", rng=0, defect_params=bad)
    for dp in mirrored_changes("nutprint"):           # bright if negative: the mirror image
        assert dp.min() < -0.5 * 25 and dp.max() <= 1.0
    check_pasted_on_a_face("nutprint")
