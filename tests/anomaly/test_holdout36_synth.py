"""The thirty-sixth held-out configuration's generator pieces: texture ``greyiron``, layout
``dshim`` and the surface defect ``stringer``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_texture_bad_input,
                                               chord_frame)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.sampling import sample

KW = dict(layout="dshim", texture="greyiron")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("greyiron") == 38 and LAYOUTS.index("dshim") == 37
    assert DEFECT_KINDS.index("stringer") == 38 and SURFACE_KINDS.index("stringer") == 36
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 39 and len(LAYOUTS) >= 38 and len(DEFECT_KINDS) >= 39
    # held-out 35's names stay where they were
    assert TEXTURES.index("chemmilled") == 37 and LAYOUTS.index("splitcollar") == 36
    assert DEFECT_KINDS.index("burr") == 37 and SURFACE_KINDS.index("burr") == 35


def test_greyiron_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more18 import greyiron_texture

    check_texture_contract("greyiron")
    check_texture_fast("greyiron")
    check_texture_bad_input(greyiron_texture)


def _graphite(t, thr=-1.5):
    """The render's dark thin marks (components of the field smoothed by 0.7 px under
    ``thr``, 5 px or more, elongation (the axes' ratio) 2.5 or more): their number, the
    resultant of their axes' directions (the larger of the doubled and quadrupled angles'
    mean vectors: 0 at random, 1 along one or two directions) and the coherence of the
    field's gradients (of their structure tensor over the whole field: 0 no lay, 1 one)."""
    sm = ndimage.gaussian_filter(t, 0.7)
    lab, n = ndimage.label(sm < thr)
    idx = np.arange(1, n + 1)
    yy, xx = np.mgrid[0:t.shape[0], 0:t.shape[1]].astype(float)
    area = ndimage.sum(np.ones_like(t), lab, idx)
    my, mx = ndimage.mean(yy, lab, idx), ndimage.mean(xx, lab, idx)
    cyy = ndimage.mean(yy * yy, lab, idx) - my ** 2
    cxx = ndimage.mean(xx * xx, lab, idx) - mx ** 2
    cxy = ndimage.mean(xx * yy, lab, idx) - mx * my
    tr, det = cxx + cyy, cxx * cyy - cxy ** 2
    disc = np.sqrt(np.maximum(0.25 * tr ** 2 - det, 0.0))
    elong = np.sqrt((0.5 * tr + disc) / np.maximum(0.5 * tr - disc, 1e-3))
    keep = (area >= 5) & (elong >= 2.5)
    a = 0.5 * np.arctan2(2 * cxy, cxx - cyy)[keep]
    axes = max(abs(np.exp(2j * a).mean()), abs(np.exp(4j * a).mean())) if keep.any() else 1.0
    gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
    jxx, jyy, jxy = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
    return dict(n=int(keep.sum()), axes=float(axes),
                lay=float(np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy)))


def test_greyiron_is_many_dark_flakes_at_every_angle_over_a_lay():
    from metrology.synth.surfaces import make_texture

    for r in range(6):
        m = _graphite(make_texture("greyiron", (256, 256), np.random.default_rng(r), 0))
        # over 100 dark thin marks (113-174 seen), their axes at every angle (0.07-0.25
        # seen), over a lay: the gradients 0.15-0.5 coherent (0.21-0.31 seen)
        assert m["n"] > 100 and m["axes"] < 0.35, (r, m)
        assert 0.15 < m["lay"] < 0.5, (r, m)
    # none of the other textures measured (seeds 0-2) has over 100 marks at every angle:
    # wrinkled's 101-155 lie along its ridges (0.83-0.86), the others have 0-81 marks


def _table(turn, rows, nf=4):
    """One cell's pinwheel ``turn`` (turn, bend) and flakes ``rows`` ({j: (place, start,
    length, sigma, depth)}), the others left out."""
    flakes = np.zeros((1, nf, 5))
    flakes[..., 2:4] = 1.0
    for j, row in rows.items():
        flakes[0, j] = row
    return np.array([turn], float), flakes


def test_graphite_rosettes_are_flakes_radiating_from_the_cells_centre():
    from metrology.synth._textures_more18 import graphite_rosettes

    rho = np.linspace(0.05, 20.0, 800)
    zero = np.zeros(rho.shape, np.int64)
    # one flake in sector 0 of 4 (0-90 degrees), at its middle (45 degrees), from 3 px out
    # for 8 px, sigma 0.7, depth 0.9
    turn, fl = _table((0.0, 0.0), {0: (0.0, 3.0, 8.0, 0.7, 0.9)})
    a = np.deg2rad(45.0)
    on = graphite_rosettes(rho * np.cos(a), rho * np.sin(a), zero, turn, fl)
    assert on.max() == pytest.approx(0.9, abs=1e-4)                  # the depth at its middle
    assert abs(rho[np.argmax(on)] - 7.0) < 0.05
    assert np.abs(on[(rho < 3.0) | (rho > 11.0)]).max() < 1e-6        # nothing before, beyond
    # tapering to both ends: at a tenth of its length in from either end sqrt(sin(pi/10))
    for x in (3.8, 10.2):
        k = np.argmin(np.abs(rho - x))
        assert on[k] == pytest.approx(0.9 * np.sqrt(np.sin(np.pi * (rho[k] - 3.0) / 8.0)),
                                      abs=1e-4)
    # across it: a Gaussian of the sigma (at 7 px out, 0.7 px off the track: exp(-0.5))
    off = np.deg2rad(np.rad2deg(0.7 / 7.0))
    side = graphite_rosettes(np.array([7 * np.cos(a + off)]), np.array([7 * np.sin(a + off)]),
                             zero[:1], turn, fl)
    assert side[0] == pytest.approx(0.9 * np.exp(-0.5), rel=0.01)
    # the other sectors' flakes are left out (depth 0): nothing along 135 degrees
    b = np.deg2rad(135.0)
    assert np.abs(graphite_rosettes(rho * np.cos(b), rho * np.sin(b), zero, turn, fl)).max() \
        < 1e-6
    # the place moves the track in its sector (+0.25 of 90 degrees: to 67.5 degrees)
    turn, fl = _table((0.0, 0.0), {0: (0.25, 3.0, 8.0, 0.7, 0.9)})
    c = np.deg2rad(67.5)
    assert graphite_rosettes(7 * np.cos(np.array([c])), 7 * np.sin(np.array([c])), zero[:1],
                             turn, fl)[0] == pytest.approx(0.9, abs=1e-4)
    # the turn and the bend: the track at 45 degrees + turn + bend x the radius
    turn, fl = _table((0.3, 0.05), {0: (0.0, 3.0, 8.0, 0.7, 0.9)})
    for r in (4.0, 7.0, 10.0):
        d = a + 0.3 + 0.05 * r
        val = graphite_rosettes(np.array([r * np.cos(d)]), np.array([r * np.sin(d)]), zero[:1],
                                turn, fl)[0]
        straight = graphite_rosettes(np.array([r * np.cos(a + 0.3)]),
                                     np.array([r * np.sin(a + 0.3)]), zero[:1], turn, fl)[0]
        assert val > 0.8 * 0.9 * np.sqrt(np.sin(np.pi * (r - 3.0) / 8.0)) and val > straight


def test_nearest_centre_is_the_voronoi_cell():
    from metrology.synth._textures_more18 import nearest_centre

    g = np.random.default_rng(0)
    n, cell = 5, 20.0
    centres = g.uniform(0.15, 0.85, (n, n, 2))
    yy, xx = np.mgrid[0:100:0.7, 0:100:0.7]
    dx, dy, idx = nearest_centre(xx, yy, cell, centres)
    # against every centre (the grid's cells and their wrapped copies one period away)
    ii, jj = np.mgrid[-1:n + 1, -1:n + 1]
    cx = (jj + centres[ii % n, jj % n, 0]) * cell
    cy = (ii + centres[ii % n, jj % n, 1]) * cell
    d = np.hypot(xx[..., None] - cx.ravel(), yy[..., None] - cy.ravel())
    assert np.allclose(np.hypot(dx, dy), d.min(-1))
    k = d.argmin(-1)
    assert np.array_equal(idx, ((ii.ravel()[k] % n) * n + jj.ravel()[k] % n))


def test_dshim_is_a_disc_cut_by_a_flat_round_a_keyed_bore():
    from metrology.synth._textures_more18 import DS_BORE, DS_FLAT, DS_KEY_TO, DS_KEY_W, DS_R

    s = 256.0
    lay = layout_features("dshim", (256, 256))
    assert (DS_R, DS_FLAT, DS_BORE, DS_KEY_W, DS_KEY_TO) == (0.465, 0.35, 0.12, 0.05, 0.17)
    r, flat, bore, half, reach = lay["dee"]
    assert (r, flat, bore, 2 * half, reach) == pytest.approx((0.465 * s, 0.35 * s, 0.12 * s,
                                                             0.05 * s, 0.17 * s))
    corner = np.rad2deg(np.arcsin(flat / r))                      # where the flat meets the arc
    # 1 px in and out on the arc, all round above the flat's corners
    for e in (-1.0, 1.0):
        for deg in np.arange(-180.0, 180.0, 10.0):
            if corner - 8 < deg < 180 - corner + 8:
                continue
            c, sn = np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))
            assert _sd(lay, [(r + e) * c], [(r + e) * sn])[0] == pytest.approx(e), deg
            if abs(deg + 90.0) > 12.0:                            # the bore, off the notch
                assert _sd(lay, [(bore - e) * c], [(bore - e) * sn])[0] == pytest.approx(e)
    # the flat: straight across, 1 px in and out, between its corners
    xc = np.sqrt(r * r - flat * flat)
    for x in np.linspace(-xc + 6, xc - 6, 9):
        for e in (-1.0, 1.0):
            assert _sd(lay, [x], [flat + e])[0] == pytest.approx(e), x
    # the key notch (off the part): straight up from the bore (y down), 1 px in and out of
    # its sides and its end
    for e in (-1.0, 1.0):
        for y in np.linspace(-bore - 2, -reach + 2, 4):
            for side in (-1.0, 1.0):
                assert _sd(lay, [side * (half + e)], [y])[0] == pytest.approx(-e)
        assert _sd(lay, [0.0], [-(reach + e)])[0] == pytest.approx(-e)
    assert _sd(lay, [0.0], [-bore - 3])[0] > 0                    # the notch is off the part
    assert _sd(lay, [0.0], [bore + 3])[0] < 0                     # below the bore: no notch
    # against a raster: one part and, besides the background, the bore (with its notch)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    assert np.percentile(np.abs(err), 99) < 0.75
    assert np.allclose(_sd(lay, -grid[1], grid[0]), sdg)          # symmetric about x = 0


def test_dshim_features_are_two_missable_slots_either_side_of_the_bore():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("dshim", (256, 256))
    assert lay["holes"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    (c0, h0, r0, a0), (c1, h1, r1, a1) = lay["slots"]
    assert c0 == pytest.approx((-c1[0], c1[1])) and c1[0] == pytest.approx(0.29 * s)
    assert (h0, r0, a0) == (h1, r1, a1) == pytest.approx((0.05 * s, 0.025 * s, 90.0))
    bore = lay["dee"][2]
    for (x, y), half, r, _ in lay["slots"]:
        # walled all round: the plate's edge and the bore 0.1 s away or more
        for yy in (y - half, y, y + half):
            assert -_sd(lay, [x], [yy])[0] - r > 0.1 * s
        assert abs(x) - r - bore > 0.1 * s
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_a_missing_feature_of_the_dshim_is_a_whole_slot():
    lay = layout_features("dshim", (128, 128))
    seen = set()
    for r in range(20):
        spec = render_defect_sample((128, 128), "missing", rng=r, **KW).defects[0]
        i = spec.params["feature"]
        seen.add(i)
        assert spec.params["half_length_px"] == lay["slots"][i][1]
    assert seen == {0, 1}


def test_dshim_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 5 px inside the border or more
    check_inside_at_jitter("dshim", 5)
    lay = layout_features("dshim", (256, 256))
    r, flat, bore, half, reach = lay["dee"]
    for seed in range(3):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        # the part face (the D less its keyed bore and two slots): 0.55-0.60 (0.572)
        assert 0.55 < face.mean() < 0.60, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        assert img[int(c + flat) + 3:].max() < 40                 # below the flat
        assert img[int(c) - 20:int(c) + 21, int(c) - 20:int(c) + 21].max() < 40  # the bore
        assert img[int(c - reach) + 2, int(c)] < 40              # the key notch
        for (x, y), _, _, _ in lay["slots"]:                      # the slots
            assert img[int(c + y), int(c + x)] < 70
        for x, y in ((0.0, flat - 6), (0.0, -reach - 8), (-0.4 * r, -0.4 * r)):   # the face
            assert img[int(c + y), int(c + x)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "stringer"])
def test_dshim_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_dshim():
    check_on_the_face(KW, ("extra", "spot", "stringer"), whole="stringer")


def test_dshim_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_dshim():
    # held-out 36's kinds (each set's are a part of them), two poses within the bench's
    # jitter: the whole change on the face (the check held-out 35 added)
    check_reach_on_the_face("dshim", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """A stringer of seed ``r`` on a still, untextured face and its change (the shared helper)."""
    return change_on_a_still_face("stringer", r, params, scale, **(STILL | kw))


_frame = chord_frame


def test_stringer_is_local_and_follows_contrast_scale():
    drawn = set()
    # the drawn parameters of all 4 seeds (they differ across seeds); the image checks, the
    # same for every seed, on two of them by default and all 4 under --runslow
    imaged = sample(range(4), 2, "stringer")
    for r in range(4):
        s = render_defect_sample((256, 256), "stringer", rng=r, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "stringer" and 16 <= spec.contrast <= 30
        drawn.add((round(spec.contrast, 3), round(spec.size_px, 3), round(p["pitch_px"], 3)))
        assert 14.0 <= spec.size_px <= 34.0 and p["length_px"] == spec.size_px
        assert 2.8 <= p["pitch_px"] <= 4.2 and 0.45 <= p["sigma_px"] <= 0.8
        assert p["dots"] == round(spec.size_px / p["pitch_px"]) + 1
        if r not in imaged:
            continue
        twin = render_defect_sample((256, 256), "stringer", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "stringer", rng=r, contrast_scale=2.0, **KW)
        d = s.image.astype(float) - twin.image.astype(float)
        # nothing off the row: beyond half its length and a pitch's jitter, 3 px across
        t, a = _frame(spec, (256, 256))
        reach = 0.5 * (p["dots"] - 1) * p["pitch_px"] + 0.2 * p["pitch_px"] + 3.5
        off = (np.abs(t) > reach) | (np.abs(a) > 3.5)
        assert np.abs(d[off]).max() <= 1.0
        assert d[s.mask].min() < -0.4 * spec.contrast and d.max() <= 1.0   # dark only
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
    assert len({c for c, _, _ in drawn}) == 4 and len({n for _, n, _ in drawn}) == 4
    assert len({q for _, _, q in drawn}) == 4                      # drawn


def test_stringer_is_a_dotted_line_fading_to_its_ends():
    for r in range(8):
        p = {"length_px": 28.0, "pitch_px": 4.0, "sigma_px": 0.6, "contrast": 80.0,
             "angle_deg": 41.0 * r + 7.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        depth = -d / 80.0
        # along the chord (0.25 px steps, the darkest within 0.6 px across, smoothed by
        # 0.5 px against the 8-bit steps): one dip a dot (the deepest within 1.5 px; eight, or
        # seven where two faint end dots jittered 2.5 px apart merge), 2.2 px apart or more,
        # 3.5-4.5 px the median (the pitch 4), each pair parted by a rise to under 0.85 of the
        # shallower, the median pair under half (two jittered close together part less)
        t = np.arange(-18.0, 18.01, 0.25)
        a = np.deg2rad(spec.angle_deg)
        prof = ndimage.gaussian_filter1d(np.max([ndimage.map_coordinates(depth, [
            spec.center_xy[1] + t * np.sin(a) + off * np.cos(a),
            spec.center_xy[0] + t * np.cos(a) - off * np.sin(a)], order=1)
            for off in (-0.6, -0.3, 0.0, 0.3, 0.6)], axis=0), 2.0)
        peaks = np.nonzero((prof == ndimage.maximum_filter1d(prof, 13)) & (prof > 0.03))[0]
        assert len(peaks) in (7, 8), (r, t[peaks])
        gaps = np.diff(t[peaks])
        assert 2.2 < gaps.min() and 3.5 < np.median(gaps) < 4.5, (r, gaps)
        part = [prof[i:j + 1].min() / min(prof[i], prof[j]) for i, j in zip(peaks[:-1],
                                                                             peaks[1:])]
        assert max(part) < 0.85 and np.median(part) < 0.5, (r, part)
        # fading: the middle two dots darker than the end ones
        assert min(prof[peaks[3]], prof[peaks[4]]) > max(prof[peaks[0]], prof[peaks[-1]]), r
        # a line: nothing beyond 3 px across it, nor past its ends
        tt, aa = _frame(spec)
        assert np.abs(depth[(np.abs(aa) > 3.0) | (np.abs(tt) > 17.5)]).max() < 0.03, r


def test_stringer_is_bright_if_negative():
    for r in range(4):
        p = {"length_px": 20.0, "contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.4 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        # small: the mask within the length and 3 px either side
        assert s.mask.sum() < (20.0 + 4.0) * 7.0, r


def test_stringer_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "stringer", rng=0, layout="face",
                             defect_params={"length_px": 18.0, "pitch_px": 3.0,
                                            "sigma_px": 0.7, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 18.0 and spec.contrast == 20.0 and spec.angle_deg == 30.0
    assert spec.params["pitch_px"] == 3.0 and spec.params["sigma_px"] == 0.7
    assert spec.params["dots"] == 7
    # the draws do not depend on what is given: the same angle, sigma and contrast for any
    # length or pitch (the dots' draws taken at the most dots)
    a = render_defect_sample((128, 128), "stringer", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "stringer", rng=3, layout="face",
                             defect_params={"length_px": 20.0, "pitch_px": 3.5}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["sigma_px"] == b.params["sigma_px"]
    # a sigma given over 0.3 x the pitch is cut to it; a drawn pitch to a third of the length
    wide = render_defect_sample((128, 128), "stringer", rng=0, defect_params={"sigma_px": 9.0})
    assert wide.defects[0].params["sigma_px"] == 0.3 * wide.defects[0].params["pitch_px"]
    short = render_defect_sample((128, 128), "stringer", rng=0,
                                 defect_params={"length_px": 6.0}).defects[0]
    assert short.params["pitch_px"] == 2.0 and short.params["dots"] == 4
    for bad in ({"length_px": 4.0}, {"pitch_px": 1.0}, {"pitch_px": 6.0},
                {"length_px": 10.0, "pitch_px": 4.0}, {"sigma_px": 0.0}, {"dots": 5},
                {"length_px": float("nan")}, {"pitch_px": float("inf")},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "stringer", rng=0, defect_params=bad)
    check_pasted_on_a_face("stringer")
