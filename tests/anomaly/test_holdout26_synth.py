"""The twenty-sixth held-out configuration's generator pieces: texture ``satin``, layout
``link`` and the surface defect ``dragmark``."""

import numpy as np
import pytest
from scipy import ndimage, stats

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast, face_box, plate_sd as _sd)
from tests.sampling import sample

KW = dict(layout="link", texture="satin")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("satin") == 28 and LAYOUTS.index("link") == 27
    assert DEFECT_KINDS.index("dragmark") == 28 and SURFACE_KINDS.index("dragmark") == 26
    # held-out 25's names stay where they were
    assert TEXTURES.index("tumbled") == 27 and LAYOUTS.index("lbracket") == 26
    assert DEFECT_KINDS.index("crescent") == 27 and SURFACE_KINDS.index("crescent") == 25


def test_satin_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more8 import satin_texture

    check_texture_contract("satin")
    check_texture_fast("satin")
    check_texture_bad_input(satin_texture)


def _levels(t):
    """Skewness, the share within 0.3 of the median, and the spreads above and below it
    (99th and 5th percentiles from the median)."""
    med = np.median(t)
    return (stats.skew(t.ravel()), np.mean(np.abs(t - med) < 0.3),
            np.percentile(t, 99) - med, med - np.percentile(t, 5))


def test_satin_is_a_flat_plateau_cut_by_valleys():
    from metrology.synth._textures_more8 import satin_texture

    for r in range(4):
        skew, flat, up, down = _levels(satin_texture((256, 256), rng=r))
        # one-sided levels: a plateau (half the face within 0.3 sigma of one level), nothing
        # standing above it, the valleys reaching far below it
        assert skew < -2.0 and flat > 0.45, (r, skew, flat)
        assert up < 1.0 and down > 1.8, (r, up, down)
        # the peened face it was polished from spreads both ways
        skew, flat, up, down = _levels(make_texture("peened", (256, 256),
                                                    np.random.default_rng(r), 0.0))
        assert skew > -1.0 and flat < 0.3 and up > 1.4, (r, skew, flat, up)


def test_satin_valleys_are_isolated_cups_and_its_pits_sparse_and_deep():
    from metrology.synth._textures_more8 import satin_texture

    for r in range(4):
        t = satin_texture((256, 256), rng=r)
        med = np.median(t)
        valley = t < med - 0.8
        assert 0.12 < valley.mean() < 0.35, valley.mean()
        # the cups: islands of a dimple's size in one connected plateau
        lab, n = ndimage.label(valley)
        sizes = ndimage.sum(valley, lab, np.arange(1, n + 1))
        assert n > 500 and 3 <= np.median(sizes) <= 40, (n, np.median(sizes))
        land, m = ndimage.label(~valley)
        assert np.bincount(land.ravel())[1:].max() > 0.9 * (~valley).sum()
        # round (what is left of round dimples): the cups of 6-60 px, their long axis over
        # their short one 1.6 at the median (swirled's arcs and tumbled's comets, whose dark
        # marks skew their levels as much, 2-2.7)
        idx = np.arange(1, n + 1)
        yy, xx = np.mgrid[0:256, 0:256].astype(float)
        mx, my = ndimage.mean(xx, lab, idx), ndimage.mean(yy, lab, idx)
        vxx = ndimage.mean(xx * xx, lab, idx) - mx ** 2
        vyy = ndimage.mean(yy * yy, lab, idx) - my ** 2
        vxy = ndimage.mean(xx * yy, lab, idx) - mx * my
        half = np.sqrt(0.25 * (vxx - vyy) ** 2 + vxy ** 2)
        ratio = np.sqrt((0.5 * (vxx + vyy) + half) / np.maximum(0.5 * (vxx + vyy) - half, 1e-9))
        keep = (sizes >= 6) & (sizes <= 60)
        assert keep.sum() > 300 and np.median(ratio[keep]) < 1.6, np.median(ratio[keep])
        # the deep pits: sparse, small, far below any cup (5 sigma), about one per 900 px^2
        lab, n = ndimage.label(t < -5.0)
        sizes = ndimage.sum(np.ones_like(t), lab, np.arange(1, n + 1))
        expect = 256 * 256 / 900.0
        assert 0.5 * expect < n < 1.2 * expect and sizes.max() <= 25, (n, expect, sizes.max())
        # no lay: the slopes alike along the rows, the columns and both diagonals
        gx, gy = np.diff(t, axis=1), np.diff(t, axis=0)
        assert 0.85 < (gx ** 2).mean() / (gy ** 2).mean() < 1.15
        d1, d2 = t[1:, 1:] - t[:-1, :-1], t[1:, :-1] - t[:-1, 1:]
        assert 0.85 < (d1 ** 2).mean() / (d2 ** 2).mean() < 1.15


def test_link_layout_is_a_figure_eight_with_a_pin_hole_in_each_lobe():
    from metrology.synth._textures_more8 import (LINK_ANGLE, LINK_LOBE, LINK_PIN, LINK_PITCH,
                                                 LINK_WAIST, link_geometry)

    s = 256.0
    lay = layout_features("link", (256, 256))
    lobe, pitch, waist, angle = lay["eight"]
    assert (lobe, pitch, waist) == pytest.approx((LINK_LOBE * s, LINK_PITCH * s,
                                                  LINK_WAIST * s))
    assert angle == LINK_ANGLE == -45.0 and lay["slots"] == [] and len(lay["holes"]) == 2
    a = np.deg2rad(angle)
    ax, ac = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])

    def at(along, across):  # model coordinates of a point in the link's own frame
        p = along * ax + across * ac
        return float(_sd(lay, [p[0]], [p[1]])[0])

    k = link_geometry(lobe, pitch, waist)
    for d in (-4.0, 0.0, 3.0):
        assert at(0.0, waist + d) == pytest.approx(d)                 # the waist, both sides
        assert at(0.0, -waist - d) == pytest.approx(d)
        assert at(0.5 * pitch + lobe + d, 0.0) == pytest.approx(d)    # the lobes' ends
        assert at(-0.5 * pitch - lobe - d, 0.0) == pytest.approx(d)
        # across a tangent point, along its normal (from the lobe's centre): smooth there
        n = np.array([k["xt"] - k["half"], k["yt"]]) / lobe
        p = np.array([k["xt"], k["yt"]]) + d * n
        assert at(p[0], p[1]) == pytest.approx(d, abs=1e-9)
    # the waist's sides are concave: the outline at the middle dips towards the axis
    assert at(0.0, waist + 1.0) > 0 and at(0.5 * k["xt"], waist + 1.0) < 0
    assert at(k["half"], lobe - 2.0) < 0
    # exact in and out: a raster of the outline agrees with it
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert np.abs(0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]).max() < 0.6
    assert np.abs(0.5 * ndimage.distance_transform_edt(~inside)[~inside]
                  - sdg[~inside]).max() < 0.6
    # a pin hole at each lobe's centre, the lower left one first, well clear of the outline
    for (cx, cy), r in lay["holes"]:
        assert r == pytest.approx(LINK_PIN * s)
        assert abs(np.hypot(cx, cy) - 0.5 * pitch) < 1e-9 and abs(cx * ac[0] + cy * ac[1]) < 1e-9
        assert _sd(lay, [cx], [cy])[0] == pytest.approx(-lobe) and lobe - r > 0.1 * s
    assert lay["holes"][0][0][0] < 0 < lay["holes"][0][0][1]


def test_link_is_small_on_the_background_all_round_at_any_jitter():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 14 px inside the border or more
    check_inside_at_jitter("link", 14)
    # rendered: the part face (the plate less its holes) is 0.30-0.42 of the image (0.355)
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.34 < face.mean() < 0.37, face.mean()
        assert img[:14].max() < 40 and img[-14:].max() < 40      # background at the border
        assert img[:, :14].max() < 40 and img[:, -14:].max() < 40
        # on the diagonal: the face's long axis at -45 degrees (y down)
        yy, xx = np.nonzero(face)
        cov = np.cov(np.c_[xx, yy].T)
        ev, evec = np.linalg.eigh(cov)
        long = evec[:, 1]
        assert abs(np.degrees(np.arctan2(long[1], long[0])) % 180.0 - 135.0) < 3.0
        assert ev[1] > 2.0 * ev[0]
        # the holes: dark, in the lobes, and the waist's middle face
        for (hx, hy), _ in layout_features("link", (256, 256))["holes"]:
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c), int(c)] > 80
    # the jitter as the bench draws it keeps the plate inside too
    for r in range(4):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=3, placement_deg=2,
                                 **KW)
        r0, r1, c0, c1 = face_box("link", s.pose)
        assert min(r0, c0, 255 - r1, 255 - c1) >= 14


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "dragmark"])
def test_link_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_link_is_a_pin_hole_either_one():
    from metrology.synth._defect_makers import n_features, n_missable

    lay = layout_features("link", (128, 128))
    assert n_features(lay) == n_missable(lay) == 2
    seen = set()
    for r in range(20):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.size_px == pytest.approx(0.065 * 128) and spec.params["half_length_px"] == 0
    assert seen == {0, 1}


def test_defects_and_extra_holes_lie_on_the_link():
    check_on_the_face(KW, ("extra", "spot", "dragmark"))


def test_link_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A drag mark of seed ``r`` on a still, untextured face and its change: the sample minus
    its twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "dragmark", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "dragmark", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_dragmark_is_local_and_follows_contrast_scale():
    # the same check of every seed: 5 under --runslow, two of them by default
    for r in sample(range(5), 2, "dragmark"):
        s = render_defect_sample((256, 256), "dragmark", rng=r, **KW)
        twin = render_defect_sample((256, 256), "dragmark", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "dragmark", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "dragmark" and 10 <= spec.contrast <= 24
        assert 15 <= spec.size_px <= 40 and 4 <= p["width_px"] <= 11
        assert 2 <= p["pitch_px"] <= 2.8 and 3 <= p["streaks"] <= 6
        assert p["streaks"] == int(p["width_px"] / p["pitch_px"]) + 1
        assert ndimage.label(s.mask)[1] == 1
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 2                        # nothing off the mark
        assert d[s.mask].sum() < 0                                # dark grooves
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def _read(spec, d, t, s):
    """The change ``d`` read ``t`` px along the drag from the mark's start and ``s`` px
    across (arrays of one shape)."""
    a = np.deg2rad(spec.angle_deg)
    t = np.asarray(t, float) - 0.5 * spec.size_px
    x = spec.center_xy[0] + t * np.cos(a) - np.asarray(s) * np.sin(a)
    y = spec.center_xy[1] + t * np.sin(a) + np.asarray(s) * np.cos(a)
    return ndimage.map_coordinates(d, [y, x], order=1)


def _minima(prof, level):
    """Indices of the local minima of ``prof`` below ``level``."""
    m = (prof[1:-1] < prof[:-2]) & (prof[1:-1] <= prof[2:]) & (prof[1:-1] < level)
    return np.nonzero(m)[0] + 1


@pytest.mark.parametrize("pitch", [2.2, 2.7])
def test_dragmark_is_a_band_of_parallel_separate_streaks(pitch):
    for r in range(6):
        p = {"length_px": 30.0, "width_px": 8.0, "pitch_px": pitch, "contrast": 24.0,
             "sigma_px": 0.45, "angle_deg": 40.0 * r}
        s, d = _change(r, p)
        spec = s.defects[0]
        n = spec.params["streaks"]
        across = np.arange(-8.0, 8.0, 0.1)
        ts = np.arange(4.0, 17.0)
        places = []
        for t in ts:
            prof = _read(spec, d, np.full_like(across, t), across)
            idx = _minima(prof, -0.15 * 24.0)
            assert len(idx) == n == int(8.0 / pitch) + 1, (r, t, idx, prof.min())
            gaps = np.diff(across[idx])
            assert np.all(np.abs(gaps - pitch) < 0.45 * pitch), (r, gaps)
            places.append(across[idx])
        # parallel and along the drag: each streak's place across, fitted along 12 px of it,
        # drifts by under 0.05 px a px (3 degrees; the same for all: not a fan), the thin
        # grooves' wander on the pixel grid (up to 0.5 px) averaged out
        slopes = np.polyfit(ts, np.array(places), 1)[0]
        assert np.abs(slopes).max() < 0.05 and np.ptp(slopes) < 0.06, (r, slopes)
        # the band: nothing beside it
        side = _read(spec, d, np.full(40, 8.0), np.r_[np.linspace(-9, -6, 20),
                                                       np.linspace(6, 9, 20)])
        assert np.abs(side).max() < 0.1 * 24.0


def test_dragmark_starts_sharp_and_fades_along_the_drag():
    for r in range(8):
        for angle in (0.0, 73.0, 200.0):
            p = {"length_px": 32.0, "width_px": 7.0, "contrast": 24.0, "angle_deg": angle}
            s, d = _change(r, p)
            spec = s.defects[0]
            across = np.linspace(-5.0, 5.0, 41)

            def depth(t, spec=spec, d=d, across=across):  # the mean depth across the band,
                return -_read(spec, d, np.full_like(across, t), across).mean()  # t px in

            ts = np.arange(3.0, 0.85 * 32.0, 3.0)
            along = np.array([depth(t) for t in ts])
            peak = along[0]
            assert depth(-2.0) < 0.12 * peak and depth(-5.0) < 0.05 * peak   # sharp start
            assert depth(1.5) > 0.6 * peak and peak > 0.2 * 24
            assert np.all(np.diff(along) < 0.02 * peak), (r, angle, along)   # fades steadily
            assert along[-1] < 0.35 * peak                                  # nearly gone
            assert abs(depth(32.0 + 4.0)) < 0.05 * peak                     # past its end
            # the direction: the sharp end where the drag starts (a reversed mark fails)
            assert depth(4.0) > 2.0 * depth(32.0 - 4.0)


def test_dragmark_is_dark_or_bright_if_given_a_negative_contrast():
    for r in range(4):
        p = {"length_px": 24.0, "width_px": 6.0, "contrast": 20.0}
        _, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0


def test_dragmark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "dragmark", rng=0, layout="face",
                             defect_params={"length_px": 25.0, "width_px": 6.0, "pitch_px": 2.0,
                                            "contrast": 15.0, "angle_deg": 30.0,
                                            "sigma_px": 0.5})
    spec = s.defects[0]
    assert spec.size_px == 25.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params == {"width_px": 6.0, "pitch_px": 2.0, "streaks": 4, "sigma_px": 0.5}
    for bad in ({"pitch_px": 1.2}, {"width_px": 4.0, "pitch_px": 2.5}, {"width_px": 2.5},
                {"length_px": 10.0, "width_px": 8.0},
                {"length_px": 0.0}, {"width_px": -3.0}, {"pitch_px": float("nan")},
                {"contrast": float("inf")}, {"streaks": 4}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "dragmark", rng=0, defect_params=bad)
    # a groove wider than 0.4 pitch is cut to it (the streaks stay apart)
    s = render_defect_sample((128, 128), "dragmark", rng=0, layout="face",
                             defect_params={"pitch_px": 2.0, "width_px": 6.0, "sigma_px": 1.0})
    assert s.defects[0].params["sigma_px"] == pytest.approx(0.8)
    check_pasted_on_a_face("dragmark")


def test_dragmark_on_a_small_box_is_drawn_narrower_not_refused():
    """Held-out 40's narrow washer face drew a dragmark 15.5 px long and 16 px wide, which
    raised; a drawn width is now cut to 2/3 of the drawn length (a given one still raises)."""
    from metrology.synth._defect_makers4 import _drag_params

    for seed in range(300):
        g = np.random.default_rng(seed)
        length, width, pitch, _, _ = _drag_params(g, (100, 100), {})
        assert length >= 1.5 * width - 1e-9 and 1.5 <= pitch <= 0.5 * width, seed
    # a draw that rendered before is untouched: the width is the raw draw wherever the raw
    # length was at least 1.5 raw widths (the draws replayed from the same seed)
    from metrology.synth._defect_makers4 import DRAG_LENGTH, DRAG_WIDTH

    kept = 0
    for seed in range(300):
        raw = np.random.default_rng(seed)
        length = raw.uniform(min(DRAG_LENGTH[0], 0.15 * 100), min(DRAG_LENGTH[1], 0.3 * 100))
        width = raw.uniform(*DRAG_WIDTH)
        got = _drag_params(np.random.default_rng(seed), (100, 100), {})
        assert got[0] == length
        if length >= 1.5 * width:
            assert got[1] == width, seed
            kept += 1
    assert 0 < kept < 300   # both cases drawn
    with pytest.raises(InputError, match="1.5 width_px"):
        _drag_params(np.random.default_rng(0), (100, 100), {"length_px": 10.0, "width_px": 8.0})
