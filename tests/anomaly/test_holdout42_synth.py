"""The forty-second held-out configuration's generator pieces: texture ``wetblasted``, layout
``dovetail`` and the surface defect ``layoutmark``."""

import numpy as np
import pytest
from scipy import ndimage, stats

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
from tests.anomaly.test_holdout39_synth import STILL

KW = dict(layout="dovetail", texture="wetblasted")


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("wetblasted") == 44 and LAYOUTS.index("dovetail") == 43
    assert DEFECT_KINDS.index("layoutmark") == 44 and SURFACE_KINDS.index("layoutmark") == 42
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 45 and len(LAYOUTS) >= 44 and len(DEFECT_KINDS) >= 45
    # held-out 41's names stay where they were
    assert TEXTURES.index("babbitt") == 43 and LAYOUTS.index("rack") == 42
    assert DEFECT_KINDS.index("dotpeen") == 43 and SURFACE_KINDS.index("dotpeen") == 41


def test_wetblasted_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more24 import wetblasted_texture

    check_texture_contract("wetblasted")
    check_texture_fast("wetblasted")
    check_texture_bad_input(wetblasted_texture)


def _jet(r):
    """The jet's direction (radians) of seed ``r``: the texture's first draw."""
    return np.random.default_rng(r).uniform(0.0, np.pi)


def test_wetblasted_face_is_two_sided_and_heavy_tailed():
    # each dimple as bright on one flank as dark on the other: the face signal's skewness
    # -0.05 to +0.06 seen (seeds 0-7: +0.03, +0.06, -0.05, +0.03, +0.02, +0.02, -0.01,
    # +0.03), within +-0.5 asserted (babbitt's +2.9, freemachining's -3.4)
    for r in range(4):
        t = make_texture("wetblasted", (256, 256), np.random.default_rng(r), 0.0)
        skew = face_signal_skewness(t)
        assert abs(skew) < 0.5, (r, skew)
        # the deepest dimples: heavy tails both ways (excess kurtosis 2.7-4.7 seen; a
        # Gaussian's 0, phosphated's -0.3), the tails within 40 % of each other
        assert stats.kurtosis(t.ravel()) > 1.5, r
        lo, hi = np.percentile(t, [0.1, 99.9])
        assert 0.6 < -lo / hi < 1.6, (r, lo, hi)


def _lag_corr(t, angle, lag):
    """The correlation of a render with itself shifted ``lag`` px along ``angle`` (radians;
    it wraps), away from a 16 px border."""
    h, w = t.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    moved = ndimage.map_coordinates(t, [yy + lag * np.sin(angle), xx + lag * np.cos(angle)],
                                    order=1, mode="wrap")
    return np.corrcoef(t[16:-16, 16:-16].ravel(), moved[16:-16, 16:-16].ravel())[0, 1]


def test_wetblasted_dimples_are_short_and_lie_along_the_jet():
    for r in range(3):
        t = make_texture("wetblasted", (256, 256), np.random.default_rng(r), 0.0)
        gy, gx = np.gradient(t)
        tensor = np.array([[np.mean(gx * gx), np.mean(gx * gy)],
                           [np.mean(gx * gy), np.mean(gy * gy)]])
        ev, vec = np.linalg.eigh(tensor)
        # one way: the gradients' energy 3.4-6.5 times stronger across the jet than along
        # it (seeds 0-7; blasted's 1.00-1.03), the weak direction the jet's
        assert ev[1] / ev[0] > 2.5, (r, ev)
        weak = np.arctan2(vec[1, 0], vec[0, 0])
        off = abs((np.rad2deg(weak - _jet(r)) + 90.0) % 180.0 - 90.0)
        assert off < 12.0, (r, off)
        # short: along the jet 0.81-0.83 alike 1 px on, 0.04-0.15 8 px on (ground's lay
        # 0.76 at 8 px); across it 0.25-0.36 at 1 px
        along = [_lag_corr(t, _jet(r), k) for k in (1, 8)]
        across = _lag_corr(t, _jet(r) + 0.5 * np.pi, 1)
        assert along[0] > 0.7 and along[1] < 0.3 and across < 0.5, (r, along, across)


def test_wetblast_passes_are_broad_bands_along_the_jet():
    from metrology.synth._textures_more24 import WB_PASS

    for r in range(3):
        t = make_texture("wetblasted", (256, 256), np.random.default_rng(r), 0.0)
        jet = _jet(r)
        yy, xx = np.mgrid[0:256, 0:256].astype(float)
        across = -xx * np.sin(jet) + yy * np.cos(jet)
        b = np.floor(across - across.min()).astype(int).ravel()
        n = np.bincount(b)
        energy = np.bincount(b, ndimage.gaussian_filter(t * t, 1.0).ravel()) / np.maximum(n, 1)
        prof = ndimage.gaussian_filter1d(energy[n > 60], 4.0)
        # the dimples' strength swings across the passes: the roughness's profile across
        # the jet 2.6-4.1 from its least to its most (seeds 0-7), its strongest period 43-69
        # px (the passes' step drawn in 40-70)
        assert prof.max() / prof.min() > 1.8, r
        spec = np.abs(np.fft.rfft(prof - prof.mean()))
        k = int(np.argmax(spec[1:])) + 1
        period = len(prof) / k
        assert 0.8 * WB_PASS[0] < period < 1.25 * WB_PASS[1], (r, period)


def test_dovetail_is_a_block_with_an_undercut_groove():
    from metrology.synth._textures_more24 import DT_DEPTH, DT_FLANK, DT_MOUTH

    s = 256.0
    lay = layout_features("dovetail", (256, 256))
    half, top, bottom, rc, mouth, depth, flank = lay["dovetail"]
    assert (mouth, depth, flank) == pytest.approx((DT_MOUTH * s, DT_DEPTH * s, DT_FLANK))
    floor, under = bottom - depth, depth / np.tan(np.deg2rad(flank))
    L = np.hypot(depth, under)
    for e in (-1.0, 1.0):                       # e px out of the face along the outline's normal
        for px, py, nx, ny in ((0.0, top, 0.0, -1.0), (half, 0.0, 1.0, 0.0),
                               (-half, 0.0, -1.0, 0.0), (0.5 * (half + mouth), bottom, 0.0, 1.0),
                               (0.0, floor, 0.0, 1.0),                       # the floor
                               (mouth + 0.5 * under, bottom - 0.5 * depth,   # a flank
                                -depth / L, -under / L),
                               (-mouth - 0.5 * under, bottom - 0.5 * depth,
                                depth / L, -under / L)):
            assert _sd(lay, [px + e * nx], [py + e * ny])[0] == pytest.approx(e, abs=1e-6), \
                (px, py, e)
    # undercut: the groove is wider at its floor than at its mouth
    yy = np.array([bottom - 1.0, floor + 1.0])
    xs = np.arange(-(half - rc - 1.0), half - rc - 1.0, 0.25)        # off the corners
    width = [(_sd(lay, xs, np.full_like(xs, y)) > 0).sum() * 0.25 for y in yy]
    assert width[1] - width[0] == pytest.approx(2 * (depth - 2.0) / np.tan(np.deg2rad(flank)),
                                                abs=1.0)
    # against a raster: one part, one outside (the groove opens onto it), exact on the face
    # (within the raster's half px), a bound of slope 1 off it; symmetric left to right
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 1
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err).max() < 0.55 and out.min() > -0.55
    assert np.abs(np.diff(sdg, axis=0)).max() <= 0.5 + 1e-9
    assert np.abs(np.diff(sdg, axis=1)).max() <= 0.5 + 1e-9
    assert np.allclose(_sd(lay, -grid[1], grid[0]), sdg)


def test_dovetail_features_are_three_missable_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("dovetail", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    (b0, r0), (b1, r1), (dw, rd) = lay["holes"]
    assert b0 == pytest.approx((-0.3 * s, -0.12 * s)) and b1 == pytest.approx((0.3 * s, -0.12 * s))
    assert dw == pytest.approx((0.0, -0.05 * s)) and (r0, r1, rd) == pytest.approx(
        (0.035 * s, 0.035 * s, 0.02 * s))
    for (x, y), r in lay["holes"]:
        assert -_sd(lay, [x], [y])[0] - r > 0.08 * s          # walled all round
    assert n_features(lay) == 3 and n_missable(lay) == 3


def test_a_missing_feature_of_the_dovetail_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2})


def test_dovetail_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("dovetail", 5)
    lay = layout_features("dovetail", (256, 256))
    half, top, bottom, _, mouth, depth, flank = lay["dovetail"]
    floor, under = bottom - depth, depth / np.tan(np.deg2rad(flank))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the block less its groove and three holes: 0.43-0.47 (0.454 seen)
        assert 0.43 < face.mean() < 0.47, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        # the groove: background at its mouth and under the legs' overhang, near the floor
        assert img[int(c + bottom - 3), int(c)] < 40
        for sx in (-1.0, 1.0):
            assert img[int(c + floor + 3), int(round(c + sx * (mouth + under - 5)))] < 40
            assert img[int(c + bottom - 3), int(round(c + sx * (mouth + 5)))] > 60   # a leg
        for (x, y), _ in lay["holes"]:                                       # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((-0.4, 0.2), (0.4, -0.25), (0.0, 0.05), (-0.15, -0.25)):   # the face
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "layoutmark"])
def test_dovetail_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_dovetail():
    check_on_the_face(KW, ("extra", "spot", "layoutmark"), whole="layoutmark")


def test_dovetail_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_dovetail():
    check_reach_on_the_face("dovetail", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """A layout mark of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("layoutmark", r, params, scale, **(STILL | kw))


def test_layoutmark_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "layoutmark", KW, lambda spec, t, a: np.maximum(np.abs(t), np.abs(a)) >
        0.5 * spec.size_px + 3.0)
    for spec in specs:
        p = spec.params
        assert 14 <= spec.contrast <= 30 and 16 <= spec.size_px <= 36
        assert 0.25 <= p["radius_px"] / spec.size_px <= 0.4 and 0.5 <= p["sigma_px"] <= 0.75
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _at(depth, spec, t, a):
    """``depth`` sampled at ``t``, ``a`` (px along the defect's first line and square to it,
    from its centre)."""
    ang = np.deg2rad(spec.angle_deg)
    x = spec.center_xy[0] + t * np.cos(ang) - a * np.sin(ang)
    y = spec.center_xy[1] + t * np.sin(ang) + a * np.cos(ang)
    return ndimage.map_coordinates(depth, [np.atleast_1d(y), np.atleast_1d(x)], order=1)


def test_layoutmark_is_two_lines_crossing_square_in_a_circle():
    for r in range(4):
        p = {"length_px": 30.0, "radius_px": 9.0, "sigma_px": 0.6, "contrast": 80.0,
             "angle_deg": 37.0 * r + 5.0}
        s, d = _change(r, p)
        depth = -d / 80.0

        def at(t, a, depth=depth, spec=s.defects[0]):
            return _at(depth, spec, t, a)

        run = np.concatenate([np.arange(-13.0, -1.0), np.arange(2.0, 14.0)])
        # the two lines, square to each other, deep all along (0.5-0.6 seen after the
        # scene's blur), cut off at their ends; the circle as deep all round
        assert at(run, 0 * run).min() > 0.4 and at(0 * run, run).min() > 0.4, r
        assert at(np.array([-19.0, 19.0, 0, 0]), np.array([0, 0, -19.0, 19.0])).max() < 0.05
        turn = np.deg2rad(np.arange(10.0, 360.0, 20.0))
        assert at(9.0 * np.cos(turn), 9.0 * np.sin(turn)).min() > 0.4, r
        # nothing between: inside the circle off the lines, outside it off them
        for rad in (4.5, 13.0):
            q = np.deg2rad([45.0, 135.0, 225.0, 315.0])
            assert at(rad * np.cos(q), rad * np.sin(q)).max() < 0.1, (r, rad)
        # the mask: the lines and the circle, not the disc they span
        assert s.mask.sum() < 0.5 * np.pi * 9.0 ** 2 + 2 * 30 * 3, r
        assert d.max() <= 1.0


def test_layoutmark_is_bright_if_negative():
    for r in range(3):
        p = {"length_px": 24.0, "contrast": 25.0}
        _, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.4 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0


def test_layoutmark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "layoutmark", rng=0, layout="face",
                             defect_params={"length_px": 24.0, "radius_px": 8.0,
                                            "sigma_px": 0.7, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 24.0
    assert spec.params["radius_px"] == 8.0 and spec.params["sigma_px"] == 0.7
    # the draws do not depend on what is given
    a = render_defect_sample((128, 128), "layoutmark", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "layoutmark", rng=3, layout="face",
                             defect_params={"length_px": 30.0, "radius_px": 10.0}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["sigma_px"] == b.params["sigma_px"]
    # a sigma over a quarter of the radius is cut to it; a small image, a shorter mark
    thick = render_defect_sample((128, 128), "layoutmark", rng=0,
                                 defect_params={"radius_px": 4.0, "sigma_px": 3.0})
    assert thick.defects[0].params["sigma_px"] == 1.0
    # a radius over half the length is cut to it (the circle within the lines' ends)
    wide = render_defect_sample((128, 128), "layoutmark", rng=0,
                                defect_params={"length_px": 20.0, "radius_px": 15.0})
    assert wide.defects[0].params["radius_px"] == 10.0
    small = render_defect_sample((64, 64), "layoutmark", rng=0).defects[0]
    assert small.size_px <= 0.3 * 64 + 1e-9
    for bad in ({"length_px": 4.0}, {"sigma_px": 0.0}, {"radius_px": 0.0}, {"lines": 3},
                {"radius_px": float("nan")},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "layoutmark", rng=0, defect_params=bad)
    check_pasted_on_a_face("layoutmark")


def test_layoutmark_change_is_of_its_chord_frame():
    # the spec's frame is the mark's: its first line along angle_deg through the centre
    s, d = _change(1, {"length_px": 28.0, "radius_px": 8.0, "contrast": 60.0})
    t, a = chord_frame(s.defects[0])
    on_line = (np.abs(a) < 0.5) & (np.abs(t) > 2.0) & (np.abs(t) < 12.0)
    assert (-d[on_line] / 60.0).min() > 0.35
