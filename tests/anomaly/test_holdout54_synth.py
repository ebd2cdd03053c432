"""The fifty-fourth held-out configuration's generator pieces: texture ``planed``, layout
``latchplate`` and the surface defect ``seamburst``.  Made before any scoring: nothing here
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
from tests.anomaly.test_holdout51_synth import _gap, _profile, spectral_lay

KW = dict(layout="latchplate", texture="planed")


def test_new_names_are_appended_at_the_end():
    # after held-out 53's names (passivated, motorplate, cornerdent), last
    assert TEXTURES.index("planed") == 56 and LAYOUTS.index("latchplate") == 55
    assert DEFECT_KINDS.index("seamburst") == 56 and SURFACE_KINDS.index("seamburst") == 54
    assert TEXTURES.index("passivated") == 55 and LAYOUTS.index("motorplate") == 54
    assert DEFECT_KINDS.index("cornerdent") == 55 and SURFACE_KINDS.index("cornerdent") == 53


def test_planed_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more35 import planed_texture

    check_texture_contract("planed")
    check_texture_fast("planed", 60.0)              # about 9 ms seen
    check_texture_bad_input(planed_texture)


def test_planed_face_is_two_sided_and_as_contrasty_as_the_others():
    skews, sig = skews_and_contrasts("planed", ("broached", "flycut"))
    # the sharp ridges up, the broad floors and the tears down, the slope symmetric: -0.16
    # to 0.20 seen (seeds 0-7), within +-0.35 asserted (+-0.6 asked)
    assert max(np.abs(skews)) < 0.35, skews
    # on the rendered face as contrasty as the other coarse cut faces: texture_sigma 7.8 seen
    # (7.6-8.4, seeds 0-2), broached 6.2, flycut 7.7 (means of seeds 0-1)
    assert sig["broached"] < sig["planed"] < 1.2 * sig["flycut"], sig


def test_planed_lay_is_strong_and_turns_from_part_to_part():
    lays = []
    for r in range(8):
        t = make_texture("planed", (256, 256), np.random.default_rng(r), 30.0)
        drawn = np.rad2deg(np.random.default_rng(r).uniform(0.0, np.pi))   # the first draw
        lay, strength = spectral_lay(t)
        # the spectrum's lay is the one drawn (within 0.92 degrees seen), held strongly
        # (0.85-0.90 seen), whatever the part's own angle (30 given, not taken)
        assert _gap(lay, drawn) < 2.0 and strength > 0.75, (r, lay, drawn, strength)
        if r < 2:
            assert np.array_equal(t, make_texture("planed", (256, 256),
                                                  np.random.default_rng(r), -75.0))
        lays.append(lay)
    # spread over the half turn: 115, 92, 47, 14, 170, 145, 97 and 112 degrees seen; every
    # quarter of it taken, no gap between neighbours over 60 degrees (44 seen)
    assert len({int(a // 45.0) for a in lays}) == 4, lays
    ordered = np.sort(lays)
    assert np.diff(np.append(ordered, ordered[0] + 180.0)).max() < 60.0, lays
    # and on rendered parts (the face between the left screw hole and the window, blur,
    # noise and lighting and all): each held strongly, each its own (147, 56, 108 and 17
    # degrees seen for seeds 0-3)
    seen = []
    for r in range(4):
        img = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                   **KW).image
        lay, strength = spectral_lay(img[100:156, 52:128].astype(float))
        drawn = np.rad2deg(np.random.default_rng(r).uniform(0.0, np.pi))
        assert strength > 0.6, (r, strength)                     # 0.83-0.84 seen
        seen.append(lay)
    assert min(_gap(a, b) for i, a in enumerate(seen) for b in seen[:i]) > 15.0, seen


def test_planed_strokes_are_ridges_a_feed_apart_each_its_own_depth_with_chatter():
    from metrology.synth._textures_more35 import (PL_TEARS, stroke_ridges, torn_patches)

    yy, xx = np.mgrid[0:256, 0:256].astype(float)
    feed, period, chatter = 5.0, 12.0, 0.1
    z = stroke_ridges(np.random.default_rng(0), xx, yy, feed, period, chatter)  # lay along x
    # the ridges at 0, the floors below: never up
    assert z.max() <= 0.0 and z.min() < -0.5
    # across the lay it repeats at the feed exactly: a column's strongest period
    col = z[:, 40] - z[:, 40].mean()
    power = np.abs(np.fft.rfft(col, n=1024)) ** 2
    assert 1.0 / np.fft.rfftfreq(1024)[1 + np.argmax(power[1:])] == pytest.approx(feed, rel=0.02)
    # each stroke its own depth: the floors' depths differ (1 +- 0.2 drawn)
    floors = np.array([z[k * 5:(k + 1) * 5].min() for k in range(1, 50)])
    assert np.std(floors) / -np.mean(floors) > 0.08, floors
    # along a stroke the chatter: the floor's depth ripples at its period, by the chatter
    row = z[np.argmin(z[:, 0])]
    ripple = row / row.mean()
    assert np.ptp(ripple) == pytest.approx(2.0 * chatter, rel=0.05)
    power = np.abs(np.fft.rfft(ripple - ripple.mean(), n=1536)) ** 2
    assert 1.0 / np.fft.rfftfreq(1536)[1 + np.argmax(power[1:])] == pytest.approx(period,
                                                                                  rel=0.02)
    # each stroke its own chatter phase: neighbouring floors' ripples are not in step
    lows = [np.argmin(z[k * 5:(k + 1) * 5, 0]) + k * 5 for k in range(10, 20)]
    peaks = {int(np.argmin(z[i, :12])) for i in lows}
    assert len(peaks) > 4, peaks
    # the torn patches: rare soft ellipses along the lay, peaking at 1
    env = torn_patches(np.random.default_rng(3), 512, 512, 0.0)
    assert env.min() >= 0.0 and env.max() <= 1.0
    lab, n = ndimage.label(env > 0.5)
    assert 0 < n <= 4 * PL_TEARS[1] * 4, n
    for sl in ndimage.find_objects(lab):
        assert sl[1].stop - sl[1].start > sl[0].stop - sl[0].start       # along x, the lay


def test_latchplate_is_a_notched_rounded_rectangle_exact_at_its_edges():
    from metrology.synth._textures_more35 import (LP_CORNER, LP_HALF, LP_NOTCH,
                                                  LP_NOTCH_AT, LP_NOTCH_DEPTH,
                                                  latchplate_pieces)

    s = 256.0
    lay = layout_features("latchplate", (256, 256))
    (cx, cy), (hx, hy), rc, (nx, nw, nd) = lay["latch"]
    assert (cx, cy) == (0.0, 0.0) and hx / hy == pytest.approx(2.5)
    assert (hx, hy, rc) == pytest.approx((LP_HALF[0] * s, LP_HALF[1] * s, LP_CORNER * s))
    assert (nx, nw, nd) == pytest.approx((LP_NOTCH_AT * s, LP_NOTCH * s, LP_NOTCH_DEPTH * s))
    segs, arcs = latchplate_pieces(hx, hy, rc, nx, nw, nd)
    # either side of every straight piece (its normal pointing out of the plate: the
    # pieces run with the plate on their right, y down, but for the notch's, checked by
    # the sign at the centre of the piece's outward side)
    for ax, ay, bx, by in segs:
        n = np.array([by - ay, ax - bx]) / np.hypot(bx - ax, by - ay)
        m = np.array([0.5 * (ax + bx), 0.5 * (ay + by)])
        if _sd(lay, [m[0] + 0.5 * n[0]], [m[1] + 0.5 * n[1]])[0] < 0:
            n = -n
        for e in (-1.0, 1.0):
            p = m + e * n
            assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(e, abs=1e-9), (ax, ay, e)
    for ox, oy, sx, sy in arcs:                        # 2 px out and in on each corner
        d = np.array([sx, sy]) / np.sqrt(2.0)
        for e in (-2.0, 2.0):
            p = np.array([ox, oy]) + (rc + e) * d
            assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(e, abs=1e-9)
    assert _sd(lay, [0.0], [0.0])[0] == pytest.approx(-hy)
    # the notch: its middle is out, nd / 2 from its floor and its mouth's line, nw from its
    # walls; under its floor the plate; its mouth's corners sharp (2 px out diagonally)
    assert _sd(lay, [nx], [hy - 0.5 * nd])[0] == pytest.approx(min(0.5 * nd, nw))
    assert _sd(lay, [nx], [hy - nd - 2.0])[0] == pytest.approx(-2.0)
    assert _sd(lay, [nx + nw - 2.0], [hy + 2.0])[0] == pytest.approx(np.sqrt(8.0))
    # against the distance to a dense sampling of the outline (every 0.01 px), anywhere
    pts = [np.c_[np.linspace(ax, bx, int(np.hypot(bx - ax, by - ay) * 100) + 2),
                 np.linspace(ay, by, int(np.hypot(bx - ax, by - ay) * 100) + 2)]
           for ax, ay, bx, by in segs]
    t = np.linspace(0.0, 0.5 * np.pi, 2500)
    pts += [np.c_[ox + sx * rc * np.cos(t), oy + sy * rc * np.sin(t)] for ox, oy, sx, sy in arcs]
    outline = np.vstack(pts)
    g = np.random.default_rng(0)
    u = np.r_[g.uniform(-128, 128, 300), g.uniform(nx - 2 * nw, nx + 2 * nw, 200)]
    v = np.r_[g.uniform(-128, 128, 300), g.uniform(hy - 2 * nd, hy + nd, 200)]
    near = np.sqrt(((u[:, None] - outline[:, 0]) ** 2 + (v[:, None] - outline[:, 1]) ** 2)
                   .min(axis=1))
    assert np.abs(np.abs(_sd(lay, u, v)) - near).max() < 0.01
    # the mirror line along the long axis held but for the notch, and the short one
    grid = np.mgrid[-128:128:1.0, -128:128:1.0] + 0.5
    inside = _sd(lay, grid[1], grid[0]) < 0
    notch = (np.abs(grid[1] - nx) < nw) & (np.abs(grid[0]) > hy - nd) & (np.abs(grid[0]) < hy)
    assert np.array_equal(inside | notch, (inside | notch)[::-1])
    assert (inside != inside[:, ::-1]).sum() == 2 * (notch & (grid[0] > 0)).sum()
    share = check_one_centred_piece(lay)
    assert 0.31 < share < 0.33, share                          # 0.320 (holes not cut out)


def test_latchplate_features_are_two_countersunk_holes_and_a_window_leaving_room():
    from metrology.synth._defect_makers import n_features, n_missable, sd_features
    from metrology.synth._textures_more import sd_window
    from metrology.synth._textures_more35 import (LP_SCREW, LP_SCREW_AT, LP_SINK, LP_WINDOW,
                                                  LP_WINDOW_AT)

    s = 256.0
    lay = layout_features("latchplate", (256, 256))
    assert lay["slots"] == [] and lay.get("sinks", []) == [] and not lay.get("keep_windows")
    assert [r for _, r in lay["holes"]] == pytest.approx([LP_SCREW * s] * 2)
    assert [c for c, _ in lay["holes"]] == pytest.approx([(-LP_SCREW_AT * s, 0.0),
                                                          (LP_SCREW_AT * s, 0.0)])
    # a countersink to every hole, in order
    assert [(c, r) for c, r, _ in lay["cones"]] == lay["holes"]
    assert [o for _, _, o in lay["cones"]] == pytest.approx([LP_SINK * s] * 2)
    (wx, wy), (whx, why), _ = lay["windows"][0]
    assert (wx, wy) == pytest.approx((LP_WINDOW_AT * s, 0.0)) and wx - whx > 0.0   # off centre
    assert (whx, why) == pytest.approx((LP_WINDOW[0] * s, LP_WINDOW[1] * s))
    _, (hx, hy), _, _ = lay["latch"]
    for (x, y), r in lay["holes"]:                   # walled: 0.049 s past the bore, 0.025 s
        assert -_sd(lay, [x], [y])[0] - LP_SINK * s > 0.02 * s        # past the countersink
        assert -_sd(lay, [x], [y])[0] - r > 0.045 * s
    yy, xx = np.mgrid[-128:128:0.25, -128:128:0.25]          # the window walled all round
    inner = sd_window(xx, yy, lay["windows"][0]) <= 0
    walls = -_sd(lay, xx[inner], yy[inner])
    assert walls.min() > 0.09 * s                            # by the notch: 0.095 s seen
    assert (sd_window(np.array([-LP_SCREW_AT * s]), np.array([0.0]), lay["windows"][0])
            > 0.2 * s).all()
    assert sd_features(np.array([wx]), np.array([hy]), lay, None)[0] > 0.1 * s
    assert n_features(lay) == 3 and n_missable(lay) == 3
    # room to place a defect on 28 % of the placing box at 96 px, 35 % at 128 px (over 20
    # and 25 % asserted; 10 % at 96 px asked)
    check_room_on_small_images("latchplate", ((96, 0.20), (128, 0.25)))


def check_hole_gone_with_its_sink(s, lay: dict, good: np.ndarray) -> None:
    """A still, untextured 256 x 256 ``missing`` part ``s`` that left out a countersunk hole
    of its layout ``lay`` (one of ``lay["holes"]``, with its ``"cones"`` ring) and its good
    twin's image ``good``: the whole countersink masked and nothing past it, no bore, and no
    ring either (the face's level there, where the good part's ring is darker); shared with
    held-out 60."""
    yy, xx = np.mgrid[0:256, 0:256] - 127.5
    spec = s.defects[0]
    i = spec.params["feature"]
    (x, y), bore = lay["holes"][i]
    sink = lay["cones"][i][2]
    assert spec.params["half_length_px"] == 0 and spec.size_px == pytest.approx(bore)
    d = np.hypot(xx - x, yy - y)
    assert s.mask[d <= sink].all() and not s.mask[d > sink + 2.0].any()
    img = s.image.astype(float)
    assert img[d <= bore - 1].min() > 90                        # no bore
    # no countersink either: its ring the face's level (on an untextured face, where a
    # drawn ring is darkened by 14 levels and shaded by its slope)
    band = (d > bore + 1.5) & (d < sink - 1.0)
    level = np.median(img[img > 100])                            # the face's, 150
    assert np.abs(img[band] - level).max() <= 1.0, i
    assert good[band].mean() < level - 8.0


def test_a_missing_feature_of_the_latchplate_is_a_whole_feature():
    # each screw hole with its countersink, or the window, left out whole: the face there
    from metrology.synth._textures_more import sd_window

    still = dict(placement_px=0, placement_deg=0, lighting=0, texture_amplitude=0.0,
                 noise_sigma=0.0, **KW)
    lay = layout_features("latchplate", (256, 256))
    good = render_defect_sample((256, 256), "good", rng=0, **still).image.astype(float)
    yy, xx = np.mgrid[0:256, 0:256] - 127.5
    seen = set()
    for r in range(12):
        s = render_defect_sample((256, 256), "missing", rng=r, **still)
        i = s.defects[0].params["feature"]
        seen.add(i)
        img = s.image.astype(float)
        if i < 2:
            check_hole_gone_with_its_sink(s, lay, good)
        else:
            inner = sd_window(xx, yy, lay["windows"][0])
            assert s.mask[inner <= 0].all() and not s.mask[inner > 2.0].any()
            assert img[inner < -1.0].min() > 90                       # the window is face
    assert seen == {0, 1, 2}


def test_latchplate_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("latchplate", 8)            # 9 px seen
    lay = layout_features("latchplate", (256, 256))
    _, (hx, hy), _, (nx, nw, nd) = lay["latch"]
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the plate less its features: 0.29-0.31 (0.301-0.302 seen)
        assert 0.29 < face.mean() < 0.31, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (x, y), _ in lay["holes"]:                               # the holes, the window
            assert img[int(round(c + y)), int(round(c + x))] < 70
        (wx, wy), _, _ = lay["windows"][0]
        assert img[int(round(c + wy)), int(round(c + wx))] < 70
        # the notch is background, the plate beside it and under it face
        assert img[int(round(c + hy - 0.4 * nd)), int(round(c + nx))] < 40
        assert img[int(round(c + hy - 0.4 * nd)), int(round(c + nx + nw + 4))] > 60
        assert img[int(round(c + hy - nd - 4)), int(round(c + nx))] > 60


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "seamburst"])
def test_latchplate_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_latchplate():
    check_on_the_face(KW, ("extra", "spot", "seamburst"), whole="seamburst")


def test_latchplate_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_latchplate():
    check_reach_on_the_face("latchplate", SURFACE_KINDS, seeds=2)


def _off_the_seam(spec, t, a):
    """Beyond a burst seam's reach: past its ends or past its path, gap and lips."""
    from metrology.synth._defect_makers31 import SB_LIP_AT, SB_LIP_SIGMA

    p = spec.params
    side = np.max(np.abs(p["path_px"])) + p["open_px"] + SB_LIP_AT + 3.0 * SB_LIP_SIGMA
    return (np.abs(t) > 0.5 * spec.size_px + 3.0 * p["sigma_px"] + 1.0) | (np.abs(a) > side + 1.0)


def test_seamburst_is_local_and_follows_contrast_scale():
    # its lips are bright: at most 0.55 of the contrast
    specs = check_local_and_scaled("seamburst", KW, _off_the_seam, bright=0.56)
    for spec in specs:
        p = spec.params
        assert 16 <= spec.contrast <= 30 and 8 <= spec.size_px <= 24
        assert 0.35 <= p["gap_px"] / spec.size_px <= 0.55 and 1.0 <= p["open_px"] <= 2.0
        assert abs(p["gap_at_px"]) <= 0.1 * spec.size_px and 0.45 <= p["sigma_px"] <= 0.7
        assert all(0.3 <= lip <= 0.55 for lip in p["lips"])
        assert np.ptp(p["path_px"]) > 0.5                            # jagged
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _across(d, spec, t, a):
    """The change ``d`` of a burst seam ``spec`` read across its path at ``t`` along its
    chord, at ``a`` (px) off the path there."""
    p = spec.params["path_px"]
    along = np.linspace(-0.5 * spec.size_px, 0.5 * spec.size_px, len(p))
    return _profile(d, spec, np.full_like(a, t), a + np.interp(t, along, p))


def test_seamburst_is_a_jagged_crack_opening_into_a_lens_with_two_bright_lips():
    a = np.arange(-6.0, 6.0001, 0.1)
    for r in range(4):
        p = {"contrast": 60.0, "length_px": 24.0}
        s, d = change_on_a_still_face("seamburst", r, p)
        spec = s.defects[0]
        q = spec.params
        at, half = q["gap_at_px"], 0.5 * q["gap_px"]

        def across(t, d=d, spec=spec):
            return _across(d, spec, t, a)

        # in the gap's middle a wide dark floor (its half width the opening, 1-2 px: dark
        # over 2 x it less the soft edges: 2.7-3.5 px seen for openings of 1.5-1.9), a
        # bright lip either side of it (0.17-0.49 of the contrast seen, of 0.3-0.55 drawn)
        mid = across(at)
        dark = a[mid < -30.0]
        assert dark.max() - dark.min() > 2.0 * q["open_px"] - 0.8, (r, dark)
        for side, lip in ((a > 0, q["lips"][0]), (a < 0, q["lips"][1])):
            assert mid[side].max() > 0.5 * lip * 60.0, (r, mid[side].max(), lip)
        # on the crack beyond the gap a thin dark line (0.9-1.6 px dark seen), no lips
        for t in (at - half - 2.5, at + half + 2.5):
            prof = across(t)
            dark = a[prof < -30.0]
            assert dark.size and dark.max() - dark.min() < 2.0, (r, t, dark)
            assert prof.max() <= 1.0, (r, t, prof.max())
        # the gap is a lens: narrower half way to its tips than in its middle
        quarter = across(at + 0.5 * half)
        assert (quarter < -30.0).sum() < (mid < -30.0).sum(), r
        # nothing past the ends
        t, aa = (np.linspace(-20.0, 20.0, 81)[:, None], np.linspace(-8.0, 8.0, 33)[None, :])
        far = _profile(d, spec, np.broadcast_to(t, (81, 33)).ravel(),
                       np.broadcast_to(aa, (81, 33)).ravel()).reshape(81, 33)
        assert np.abs(far[np.abs(t[:, 0]) > 14.5]).max() <= 1.0


def test_seamburst_takes_fixed_parameters_rejects_bad_ones_is_bright_if_negative_and_pasted():
    p = {"length_px": 16.0, "contrast": 20.0, "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "seamburst", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 16.0
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "seamburst", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "seamburst", rng=3, layout="face",
                             defect_params={"length_px": 14.0, "radius_px": 1e3,
                                            "width_px": 1e-3, "sigma_px": 50.0}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    for key in ("lips", "open_px", "sigma_px"):
        assert a.params[key] == b.params[key], key
    assert a.params["gap_px"] / a.size_px == pytest.approx(b.params["gap_px"] / b.size_px)
    assert b.size_px == 14.0
    # a small image gets a shorter seam, never refused
    for shape in ((64, 64), (80, 80)):
        for r in range(4):
            small = render_defect_sample(shape, "seamburst", rng=r).defects[0]
            assert 8.0 <= small.size_px <= 0.3 * shape[0] + 1e-9
    for bad in ({"length_px": 5.5}, {"contrast": float("inf")}, {"segments": 4}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "seamburst", rng=0, defect_params=bad)
    for dp in mirrored_changes("seamburst"):           # bright if negative: the mirror image
        assert dp.min() < -0.5 * 25 and dp.max() <= 0.56 * 25 + 1.0
    check_pasted_on_a_face("seamburst")
