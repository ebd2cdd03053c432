"""The thirty-third held-out configuration's generator pieces: texture ``peenground``, layout
``crescentarm`` and the surface defect ``halo``."""

import numpy as np
import pytest
from scipy import ndimage
from scipy.signal import find_peaks

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_missing_features,
                                               check_on_the_face, check_pasted_on_a_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.sampling import sample

KW = dict(layout="crescentarm", texture="peenground")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("peenground") == 35 and LAYOUTS.index("crescentarm") == 34
    assert DEFECT_KINDS.index("halo") == 35 and SURFACE_KINDS.index("halo") == 33
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 36 and len(LAYOUTS) >= 35 and len(DEFECT_KINDS) >= 36
    # held-out 32's names stay where they were
    assert TEXTURES.index("guilloche") == 34 and LAYOUTS.index("bearingcap") == 33
    assert DEFECT_KINDS.index("clampmark") == 34 and SURFACE_KINDS.index("clampmark") == 32


def test_peenground_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more15 import peenground_texture

    check_texture_contract("peenground")
    check_texture_fast("peenground")
    check_texture_bad_input(peenground_texture)


def _pits_and_lay(t):
    """The render's dark pits (under -1.2 sigma), their components of 5 px or more (count,
    median equivalent radius, median roundness: the area over the disc through the farthest
    pixel from the centroid), the one-lay order of the structure tensor (1 px pre-blur,
    2.5 px window: the coherent sum of the doubled angles over the summed coherence) on the
    plateau (4 px off the pits) and in the pits' cores (1 px in), and the pits' Laplacian
    over the plateau's (smoothness)."""
    dark = t < -1.2
    lab, n = ndimage.label(dark)
    idx = np.arange(1, n + 1)
    area = ndimage.sum(dark, lab, idx)
    cy, cx = np.array(ndimage.center_of_mass(dark, lab, idx)).T
    yy, xx = np.mgrid[0:t.shape[0], 0:t.shape[1]]
    far = ndimage.maximum(np.hypot(yy - cy[lab - 1], xx - cx[lab - 1]) * dark, lab, idx)
    big = area >= 5
    gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
    jxx, jyy, jxy = (ndimage.gaussian_filter(a, 2.5) for a in (gx * gx, gy * gy, gx * gy))
    z = np.hypot(jxx - jyy, 2.0 * jxy) * np.exp(1j * np.arctan2(2.0 * jxy, jxx - jyy))
    plateau = ~ndimage.binary_dilation(dark, iterations=4)
    core = ndimage.binary_erosion(dark, iterations=1)
    lap = np.abs(ndimage.laplace(t))

    def order(m):
        return abs(z[m].sum()) / np.abs(z[m]).sum()

    return dict(share=dark.mean(), n=int(big.sum()),
                radius=float(np.median(np.sqrt(area[big] / np.pi))),
                round=float(np.median(area[big] / (np.pi * (far[big] + 0.5) ** 2))),
                lay=order(plateau), lay_pits=order(core),
                smooth=float(lap[core].mean() / lap[plateau].mean()))


def test_peenground_is_a_lay_with_smooth_round_pits():
    from metrology.synth.surfaces import make_texture

    for r in range(8):
        m = _pits_and_lay(make_texture("peenground", (256, 256), np.random.default_rng(r), 0))
        # dark pits, 0.12-0.25 of the face (0.15-0.19 seen; a Gaussian field's tail 0.11),
        # a few hundred, round (the area over the circumscribed disc's: over 0.5, 0.6-0.67
        # seen; ground 0.18-0.32, hammered 0.32-0.35, painted 0.34-0.44), 2.2-4 px in
        # radius (2.5-3.0 seen; peened 2.0, dimplearray 1.6, satin 1.8)
        assert 0.12 < m["share"] < 0.25 and 150 < m["n"] < 700, (r, m)
        assert m["round"] > 0.5 and 2.2 < m["radius"] < 4.0, (r, m)
        # the plateau has one lay (over 0.5: 0.6-0.9 seen; peened, satin 0-0.08), the pits
        # none (under 0.35 and under half the plateau's: 0.14-0.21 seen; ground, brushed
        # 1.0, honed 0.83-0.92, hammered 0.7-0.75 in their dark spots) and they are smooth
        # (their Laplacian under 0.6 of the plateau's: 0.29-0.46 seen; satin 6, peened 1.6)
        assert m["lay"] > 0.5 and m["lay_pits"] < min(0.35, 0.5 * m["lay"]), (r, m)
        assert m["smooth"] < 0.6, (r, m)


def test_peen_pits_are_the_craters_below_the_cut():
    from metrology.synth._textures_more15 import peen_pits

    # one crater a cell (radius 0.5 cell, so none overlap), depth 1, cut 0.6: a round pit of
    # radius R sqrt(1 - cut) about each crater's centre, the depth below the cut inside
    cell, n = 10.0, 4
    centre = np.full((n, n, 2), 0.5)
    yy, xx = np.mgrid[0:80, 0:80].astype(float) + 0.25
    pit = peen_pits(xx, yy, cell, centre, np.full((n, n), 0.5), np.ones((n, n)), 0.6)
    dx, dy = (xx % cell) - 5.0, (yy % cell) - 5.0
    r = np.hypot(dx, dy)
    assert np.allclose(pit, np.clip(1.0 - (r / 5.0) ** 2 - 0.6, 0.0, None))
    assert ((pit > 0) == (r < 5.0 * np.sqrt(0.4))).all()
    # a crater shallower than the cut leaves no pit; where two dishes overlap the deeper wins
    depth = np.ones((n, n))
    depth[1, 2] = 0.5
    pit = peen_pits(xx, yy, cell, centre, np.full((n, n), 0.5), depth, 0.6)
    assert not pit[10:20, 20:30].any() and pit[0:10, 0:10].any()
    wide = peen_pits(xx, yy, cell, centre, np.full((n, n), 1.0), np.ones((n, n)), 0.6)
    assert np.allclose(wide, np.clip(1.0 - (r / 10.0) ** 2 - 0.6, 0.0, None))


def _lune(lay):
    ra, ya, rb, yb = lay["lune"]
    return ra, ya, rb, yb


def test_crescentarm_is_two_arcs_meeting_at_sharp_horns():
    from metrology.synth._textures_more15 import (LUNE_BITE, LUNE_BITE_AT, LUNE_BODY, LUNE_DROP,
                                                  LUNE_HOLE_X, LUNE_HOLE_Y, LUNE_PIN, LUNE_PIVOT,
                                                  lune_tips)

    s = 256.0
    lay = layout_features("crescentarm", (256, 256))
    assert (LUNE_BODY, LUNE_DROP, LUNE_BITE, LUNE_BITE_AT) == (0.46, 0.0, 0.34, 0.64)
    assert (LUNE_PIVOT, LUNE_PIN, LUNE_HOLE_X, LUNE_HOLE_Y) == (0.065, 0.045, 0.27, 0.02)
    ra, ya, rb, yb = _lune(lay)
    assert (ra, ya, rb, yb) == pytest.approx((0.46 * s, 0.0, 0.34 * s, -0.64 * s))
    (lx, ty), (rx, ty2) = lune_tips(lay["lune"])
    # the horns: on both circles, mirrored
    for x in (lx, rx):
        assert np.hypot(x, ty - ya) == pytest.approx(ra) and np.hypot(x, ty - yb) == \
            pytest.approx(rb)
    assert rx == pytest.approx(-lx) and ty == ty2 and _sd(lay, [rx], [ty])[0] == \
        pytest.approx(0.0, abs=1e-9)
    for e in (-1.0, 1.0):
        # the rim (the body's circle below the horns), 1 px in and out
        for phi in np.deg2rad([-30.0, 0.0, 45.0, 90.0, 135.0, 180.0, 210.0]):
            x, y = (ra + e) * np.cos(phi), ya + (ra + e) * np.sin(phi)
            assert _sd(lay, [x], [y])[0] == pytest.approx(e)
        # the bite (its circle within the body), 1 px out (into the bite) and in
        for phi in np.deg2rad([60.0, 75.0, 90.0, 105.0, 120.0]):
            x, y = (rb - e) * np.cos(phi), yb + (rb - e) * np.sin(phi)
            assert _sd(lay, [x], [y])[0] == pytest.approx(e)
    # beyond a horn, along the line through it away from both centres, the horn is nearest
    # (its distance the point's distance to the horn, not to either circle)
    for x in (lx, rx):
        p = np.array([x * 1.05, ty - 10.0])
        assert _sd(lay, [p[0]], [p[1]])[0] == pytest.approx(np.hypot(p[0] - x, p[1] - ty))
    # exact in and out against a raster at 0.5 px (within its grid), mirrored in x
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    assert np.allclose(sdg, _sd(lay, -grid[1], grid[0]))
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and np.abs(err_out).max() < 0.75
    # one piece, its only concave stretch the bite: the midpoint of two points of the part is
    # on it unless it falls in the bite's disc
    g = np.random.default_rng(0)
    p, q = g.uniform(-128, 128, (2, 2, 6000))
    on = (_sd(lay, *p) < 0) & (_sd(lay, *q) < 0)
    mid = 0.5 * (p + q)[:, on]
    off = _sd(lay, *mid) > 1e-9
    assert np.all(np.hypot(mid[0][off], mid[1][off] - yb) < rb + 1e-9) and off.any()


def test_crescentarm_features_a_pivot_bore_and_a_roller_pin_hole():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("crescentarm", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    (p, rp), (q, rq) = lay["holes"]
    assert rp == pytest.approx(0.065 * s) and rq == pytest.approx(0.045 * s)
    assert p == pytest.approx((-0.27 * s, 0.02 * s)) and q == pytest.approx((0.27 * s, 0.02 * s))
    for (x, y), r in lay["holes"]:            # walls: the rim nearest, over 0.12 s of metal
        assert -_sd(lay, [x], [y])[0] - r > 0.12 * s
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_crescentarm_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 6 px inside the border or more
    check_inside_at_jitter("crescentarm", 6)
    # rendered: the part face (the body less its bite and holes) is 0.57-0.62 (0.596)
    lay = layout_features("crescentarm", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.57 < face.mean() < 0.62, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the holes
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c - 0.40 * 256), int(c)] < 40              # the bite: background
        for x, y in ((0.42, -0.42), (-0.42, 0.42), (0.0, -0.36)):  # off the part
            assert img[int(c + y * 256), int(c + x * 256)] < 40, (x, y)
        for x, y in ((0.0, 0.4), (0.3, 0.2), (-0.3, -0.2), (0.0, -0.2), (0.0, 0.1)):  # face
            assert img[int(c + y * 256), int(c + x * 256)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "halo"])
def test_crescentarm_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_crescentarm_is_a_hole():
    check_missing_features(KW, {0, 1})


def test_defects_and_extra_holes_lie_on_the_crescentarm():
    check_on_the_face(KW, ("extra", "spot", "halo"), whole="halo")


def test_crescentarm_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A halo of seed ``r`` on a still, untextured face and its change: the sample minus its
    twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "halo", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "halo", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def _polar(spec, shape=(128, 128)):
    """Each pixel's distance from the halo's centre and its angle (radians)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    dx, dy = xx - spec.center_xy[0], yy - spec.center_xy[1]
    return np.hypot(dx, dy), np.arctan2(dy, dx)


def test_halo_is_local_and_follows_contrast_scale():
    drawn = set()
    # the drawn parameters of all 4 seeds (they differ across seeds); the image checks, the
    # same for every seed, on two of them by default and all 4 under --runslow
    imaged = sample(range(4), 2, "halo")
    for r in range(4):
        s = render_defect_sample((256, 256), "halo", rng=r, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "halo" and 10 <= spec.contrast <= 22
        drawn.add(round(spec.contrast, 3))
        assert 6 <= spec.size_px <= 14 and p["radius_px"] == spec.size_px
        assert 0.6 <= p["sigma_px"] <= 0.9 and 2.5 <= p["spacing_px"] <= 4.0
        assert p["n_specks"] == round(2 * np.pi * spec.size_px / p["spacing_px"])
        assert 0.5 <= p["centre_px"] / spec.size_px <= 0.7 and 0.25 <= p["core"] <= 0.45
        if r not in imaged:
            continue
        twin = render_defect_sample((256, 256), "halo", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "halo", rng=r, contrast_scale=2.0, **KW)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 1.0                        # nothing off the mark
        assert d[s.mask].min() < -0.4 * spec.contrast               # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
        # the mask: within the ring and 3 px beyond it
        still, _ = _change(r)
        rr, _ = _polar(still.defects[0])
        assert not still.mask[rr > still.defects[0].size_px + 3.0].any(), r
    assert len(drawn) == 4                                          # drawn, not fixed


def test_halo_is_a_ring_of_separate_specks_round_a_darker_centre():
    for r in range(10):
        p = {"radius_px": 7.0 + r, "contrast": 60.0, "angle_deg": 37.0 * r + 5.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        rad, n, sigma = spec.size_px, spec.params["n_specks"], spec.params["sigma_px"]
        rr, phi = _polar(spec)
        depth = -d / 60.0
        # the specks lie on the ring: outside the centre, the dark pixels (over a quarter
        # deep) are within the ring's radius +-1 px (their jitter) and 2 sigma
        outer = rr > spec.params["centre_px"] + 2.5
        dark = outer & (depth > 0.25)
        assert dark.any() and np.all(np.abs(rr[dark] - rad) < 1.0 + 2.0 * sigma + 0.75), r
        # separate specks: along the ring (the darkest within +-1.5 px of it, every 0.5
        # degree) the darkness rises and falls once a speck: 0.75 n to n peaks of prominence
        # 0.1 (0.84-1.0 n seen; two specks jittered together may merge), and it falls to
        # under 0.45 of its peak between specks (0.04-0.25 seen at its 10th percentile)
        t = np.deg2rad(np.arange(0.0, 360.0, 0.5))
        prof = np.max([ndimage.map_coordinates(
            depth, [spec.center_xy[1] + (rad + o) * np.sin(t),
                    spec.center_xy[0] + (rad + o) * np.cos(t)], order=1)
            for o in np.arange(-1.5, 1.51, 0.25)], axis=0)
        peaks, _ = find_peaks(np.concatenate([prof, prof[:40]]), prominence=0.1)
        k = np.count_nonzero((peaks >= 20) & (peaks < t.size + 20))      # once round
        assert 0.75 * n <= k <= n, (r, k, n)
        assert np.percentile(prof, 10) < 0.45 * prof.max(), r
        # the centre: a darker soft disc, core as deep (within 0.05) in its middle half
        mid = rr < 0.5 * spec.params["centre_px"]
        assert np.abs(depth[mid] - spec.params["core"]).max() < 0.05, r
        # nothing beyond the ring and its specks
        assert np.abs(depth[rr > rad + 1.0 + 4.0 * sigma + 1.0]).max() < 0.03, r


def test_halo_is_dark_or_bright_if_negative():
    for r in range(4):
        p = {"radius_px": 9.0, "contrast": 20.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 0.5
        assert np.abs(dn + dp).max() <= 1.0
        # small: the mask within the ring's disc and 3 px beyond
        assert s.mask.sum() < np.pi * (9.0 + 3.0) ** 2, r


def test_halo_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "halo", rng=0, layout="face",
                             defect_params={"radius_px": 10.0, "sigma_px": 0.8,
                                            "contrast": 15.0, "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 10.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["sigma_px"] == 0.8
    # the draws do not depend on what is given
    a = render_defect_sample((128, 128), "halo", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "halo", rng=3, layout="face",
                             defect_params={"radius_px": 9.0}).defects[0]
    assert a.params["core"] == b.params["core"] and a.params["spacing_px"] == \
        b.params["spacing_px"] and a.params["sigma_px"] == b.params["sigma_px"]
    # a sigma given over 0.4 x the spacing is cut (wider specks merge); any radius renders
    wide = render_defect_sample((128, 128), "halo", rng=0, defect_params={"sigma_px": 5.0})
    assert wide.defects[0].params["sigma_px"] <= 0.4 * wide.defects[0].params["spacing_px"]
    assert render_defect_sample((128, 128), "halo", rng=0,
                                defect_params={"radius_px": 1e-3}).image.shape == (128, 128)
    for bad in ({"radius_px": 0.0}, {"sigma_px": -1.0}, {"tilt": 0.5}, {"core": 0.3},
                {"radius_px": float("nan")}, {"sigma_px": float("nan")},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "halo", rng=0, defect_params=bad)
    check_pasted_on_a_face("halo")


def test_halo_specks_lie_at_the_given_radius_from_the_given_centre():
    # a halo placed by its centre only (the specks drawn, but the ring's radius ignored or
    # the ring collapsed onto the centre) is caught here: the specks, found in the render as
    # the local darkness peaks outside the centre, lie at the radius_px given (not the spec's
    # record of it) from the centre the spec gives, all round
    for r, radius in enumerate((6.0, 7.5, 10.0, 13.0, 16.0, 20.0)):
        s, d = _change(r, {"radius_px": radius, "contrast": 60.0, "angle_deg": 50.0 * r})
        spec = s.defects[0]
        rr, phi = _polar(spec)
        depth = -d / 60.0
        peak = (depth == ndimage.maximum_filter(depth, size=3)) & (depth > 0.3) & \
            (rr > spec.params["centre_px"] + 1.5)
        n = spec.params["n_specks"]
        at, ang = rr[peak], phi[peak]
        assert 0.6 * n <= at.size <= n + 2, (r, at.size, n)
        # at the given radius: the median within 0.5 px, each within its 1 px jitter and
        # the pixel grid
        assert abs(np.median(at) - radius) < 0.5 and np.abs(at - radius).max() < 1.9, \
            (r, radius, np.median(at))
        # all round the centre: every quarter of the circle holds specks
        quarter = np.floor((ang + np.pi) / (np.pi / 2)).astype(int) % 4
        assert set(quarter) == {0, 1, 2, 3}, r
