"""The thirtieth held-out configuration's generator pieces: texture ``wirecut``, layout ``tnut``
and the surface defect ``pinch``."""

import numpy as np
import pytest
from scipy import ndimage, stats

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

KW = dict(layout="tnut", texture="wirecut")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("wirecut") == 32 and LAYOUTS.index("tnut") == 31
    assert DEFECT_KINDS.index("pinch") == 32 and SURFACE_KINDS.index("pinch") == 30
    # held-out 29's names stay where they were
    assert TEXTURES.index("crossrolled") == 31 and LAYOUTS.index("forkend") == 30
    assert DEFECT_KINDS.index("stamp") == 31 and SURFACE_KINDS.index("stamp") == 29


def test_wirecut_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more12 import wirecut_texture

    check_texture_contract("wirecut")
    check_texture_fast("wirecut")
    check_texture_bad_input(wirecut_texture)


def _spectrum(img, fmin=1 / 16):
    """The render's power at spatial frequencies of ``fmin`` per px and up, with each
    frequency's x and y components (per px)."""
    h, w = img.shape
    p = np.abs(np.fft.fft2(img - img.mean())) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    return np.where(np.hypot(fx, fy) >= fmin, p, 0.0), fx, fy


def test_wirecut_cusps_are_one_family_strictly_periodic():
    from metrology.synth._textures_more12 import wirecut_texture

    for r in range(10):
        t = wirecut_texture((256, 256), rng=r)
        p, fx, fy = _spectrum(t)
        iy, ix = np.unravel_index(np.argmax(p), p.shape)
        kx, ky = fx[iy, ix], fy[iy, ix]
        # the strongest wave: the cusps' pitch, 3-5 px (read within a bin of the spectrum)
        assert 2.9 < 1.0 / np.hypot(kx, ky) < 5.2, (r, 1.0 / np.hypot(kx, ky))
        # strictly periodic: the fundamental and its second harmonic (each a peak within 1.5
        # bins) hold over 0.45 of all the power above 1/16 per px (0.57-0.66 seen); aperiodic
        # streaks (crossrolled, ground) spread theirs along a line (0.07-0.15), knurled's two
        # families split theirs (0.27-0.29)
        near = np.zeros(p.shape, bool)
        for m in (1, 2, -1, -2):
            d = np.hypot((fx - m * kx + 0.5) % 1.0 - 0.5, (fy - m * ky + 0.5) % 1.0 - 0.5)
            near |= d <= 1.5 / 256
        assert p[near].sum() > 0.45 * p.sum(), (r, p[near].sum() / p.sum())
        # one family: the power within 10 degrees of the cusps' direction over 0.6 of all of
        # it (0.71-0.81 seen; knurled 0.45, honed 0.4: two crossing families)
        off = np.abs((np.degrees(np.arctan2(fy, fx) - np.arctan2(ky, kx)) + 90.0) % 180.0
                     - 90.0)
        assert p[off <= 10.0].sum() > 0.6 * p.sum(), (r, p[off <= 10.0].sum() / p.sum())


def test_wirecut_has_sparse_bright_recast_spots_and_no_dark_ones():
    from metrology.synth._textures_more12 import wirecut_texture

    for r in range(10):
        t = wirecut_texture((256, 256), rng=r)
        bright = t > 3.0
        # bright outliers (the cusps' crests reach only 2.2 sd): 0.3-2.5 % of the face
        # (0.6-1.1 % seen), skewing the levels bright; no dark ones
        assert 0.003 < bright.mean() < 0.025, (r, bright.mean())
        assert stats.skew(t.ravel()) > 0.5 and (t < -3.0).mean() < 0.0005, r
        # in blobs, not single pixels: 60 spots or more, half of them 2 px or more above 3 sd,
        # the largest 6 px or more (2-6 px across)
        lab, n = ndimage.label(bright)
        areas = np.bincount(lab.ravel())[1:]
        assert n >= 60 and np.median(areas) >= 2 and areas.max() >= 6, (r, n, areas.max())


def test_tnut_is_a_t_with_two_filleted_reentrant_corners():
    from metrology.synth._textures_more12 import (TEE_BAR, TEE_CORNER, TEE_FILLET, TEE_HALF,
                                                  TEE_STEM)

    s = 256.0
    lay = layout_features("tnut", (256, 256))
    assert (TEE_HALF, TEE_CORNER, TEE_BAR, TEE_STEM, TEE_FILLET) == \
        (0.44, 0.06, 0.46, 0.27, 0.04)
    assert lay["tee"] == pytest.approx((0.44 * s, 0.06 * s, 0.46 * s, 0.27 * s, 0.04 * s))
    # each straight edge 1 px in and out, exact: the bar's top and ends, its underside (at
    # 0.02 s below the centre) beside the stem, the stem's sides and bottom
    for d in (-1.0, 1.0):
        e = 0.44 * s + d
        for t in np.linspace(-0.3, 0.3, 7) * s:
            assert _sd(lay, [t], [-e])[0] == pytest.approx(d, abs=1e-9), (t, d)
        for t in np.linspace(-0.3, -0.1, 5) * s:
            for u in (-e, e):
                assert _sd(lay, [u], [t])[0] == pytest.approx(d, abs=1e-9), (u, t, d)
        for u in np.linspace(0.32, 0.37, 3) * s:
            for sg in (-1.0, 1.0):
                assert _sd(lay, [sg * u], [0.02 * s + d])[0] == pytest.approx(d), (u, d)
        for t in np.linspace(0.12, 0.36, 5) * s:
            for sg in (-1.0, 1.0):
                assert _sd(lay, [sg * (0.27 * s + d)], [t])[0] == pytest.approx(d), (t, d)
        for u in np.linspace(-0.18, 0.18, 5) * s:
            assert _sd(lay, [u], [e])[0] == pytest.approx(d, abs=1e-9), (u, d)
    # beside the stem below the bar: off the plate (the cut corners), well inside the bar
    for sg in (-1.0, 1.0):
        assert _sd(lay, [sg * 0.36 * s], [0.3 * s])[0] > 0.05 * s
        assert _sd(lay, [sg * 0.36 * s], [-0.2 * s])[0] < -0.05 * s
    # the re-entrant corners filleted (0.04 s): the sharp corner (+-0.27 s, 0.02 s) on the
    # plate, (sqrt 2 - 1) x the fillet in; the convex corners rounded (0.06 s): the sharp
    # corners of the bar's ends below and of the stem's foot off it by (sqrt 2 - 1) x that
    for sg in (-1.0, 1.0):
        got = _sd(lay, [sg * 0.27 * s], [0.02 * s])[0]
        assert got == pytest.approx(-(np.sqrt(2) - 1) * 0.04 * s, abs=1e-9)
        for u, v in ((0.44, 0.02), (0.27, 0.44), (0.44, -0.44)):
            got = _sd(lay, [sg * u * s], [v * s])[0]
            assert got == pytest.approx((np.sqrt(2) - 1) * 0.06 * s, abs=1e-9), (u, v)
    # symmetric about the stem's line; a distance exact inside and within 0.12 s outside (a
    # raster of the outline agrees within its 0.5 px grid; farther out only the sign counts,
    # and it is never over the true distance by more than 0.03 s)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    assert np.allclose(sdg, _sd(lay, -grid[1], grid[0]))
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    true_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside]
    err_out = true_out - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and err_out[true_out < 0.12 * s].min() > -0.75
    assert np.abs(err_out[true_out < 0.12 * s]).max() < 0.75 and err_out.min() > -0.03 * s


def test_tnut_features_a_bolt_hole_in_each_end_of_the_bar_and_a_kept_tapped_hole():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("tnut", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == []
    (c, bore, ring), = lay["sinks"]                            # a countersink: a chamfer ring
    assert c == pytest.approx((0.0, 0.23 * s))
    assert bore == pytest.approx(0.045 * s) and ring == pytest.approx(0.07 * s)
    # the tapped hole in the stem (its chamfer 0.05 s or more from the stem's edges), the bolt
    # holes in the bar's ends, mirror images, each with a wall of 0.04 s or more all round
    assert _sd(lay, [c[0]], [c[1]])[0] < -(ring + 0.05 * s)
    (p, r), (q, r2) = lay["holes"]
    assert r == r2 == pytest.approx(0.05 * s)
    assert p == pytest.approx((-0.29 * s, -0.21 * s)) and q == pytest.approx((0.29 * s, -0.21 * s))
    for x, y in (p, q):
        assert _sd(lay, [x], [y])[0] < -(r + 0.04 * s)
        assert _sd(lay, [x], [y + 0.3 * s])[0] > 0                 # over the cut corner
    assert n_features(lay) == 3 and n_missable(lay) == 2


def test_tnut_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 4 px inside the border or more
    check_inside_at_jitter("tnut", 4)
    # rendered: the part face (the T less its holes) is 0.58-0.64 (0.609)
    lay = layout_features("tnut", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.58 < face.mean() < 0.64, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the bolt and tapped holes
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c + 0.23 * 256), int(c)] < 70
        for x in (-0.36, 0.36):                                   # beside the stem: background
            for y in (0.15, 0.3, 0.4):
                assert img[int(c + y * 256), int(c + x * 256)] < 40, (x, y)
        for x, y in ((0.0, -0.3), (-0.4, -0.05), (0.4, -0.05), (0.0, 0.05), (-0.2, 0.4),
                     (0.2, 0.35)):                                # the bar and the stem: face
            assert img[int(c + y * 256), int(c + x * 256)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "pinch"])
def test_tnut_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_tnut_is_a_bolt_hole_never_the_tapped_hole():
    check_missing_features(KW, {0, 1})


def test_defects_and_extra_holes_lie_on_the_tnut():
    check_on_the_face(KW, ("extra", "spot", "pinch"), whole="pinch")


def test_tnut_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A pinch of seed ``r`` on a still, untextured face and its change: the sample minus its
    twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "pinch", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "pinch", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_pinch_is_local_and_follows_contrast_scale():
    # the same check of every seed: 4 under --runslow, two of them by default
    for r in sample(range(4), 2, "pinch"):
        s = render_defect_sample((256, 256), "pinch", rng=r, **KW)
        twin = render_defect_sample((256, 256), "pinch", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "pinch", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "pinch" and 10 <= spec.contrast <= 24
        assert 8 <= spec.size_px <= 16 and 2.5 <= p["width_px"] <= 4.0
        assert 1.6 <= p["pitch_px"] / p["width_px"] <= 2.4 and 2.8 <= p["teeth_px"] <= 3.6
        assert len(p["bite"]) == 2 and all(0.85 <= k <= 1.0 for k in p["bite"])
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 1.0                        # nothing off the pinch
        assert d[s.mask].min() < -0.4 * spec.contrast               # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
        # one piece per dent, on a still face
        still, _ = _change(r)
        assert ndimage.label(still.mask)[1] == 2, r


def _frame(spec, x, y):
    """Image points (x row, y row) of the pinch-frame points ``x`` along and ``y`` across its
    dents (px, about its centre)."""
    c, t = np.array(spec.center_xy), np.deg2rad(spec.angle_deg)
    return (c[0] + x * np.cos(t) - y * np.sin(t), c[1] + x * np.sin(t) + y * np.cos(t))


def test_pinch_is_two_parallel_dents_of_one_length_side_by_side():
    for r in range(10):
        p = {"length_px": 14.0, "width_px": 3.5, "pitch_px": 8.0, "contrast": 24.0,
             "angle_deg": 37.0 * r + 5.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        bite = np.array(spec.params["bite"])
        # across the pair, averaged along its middle 8 px (over the teeth): two troughs
        # centred at -+4 px (within 0.3 px, the dents' middles), each 0.6-0.8 x its jaw's
        # bite deep (0.7 drawn: the teeth take 0.3 off on average), the two in the ratio of
        # their bites (within 0.05), the ground between them (0 across) and beyond them
        # (+-9 px) untouched
        y = np.linspace(-10.0, 10.0, 401)
        xg, yg = np.meshgrid(np.linspace(-4.0, 4.0, 81), y)
        xs, ys = _frame(spec, xg, yg)
        prof = -ndimage.map_coordinates(d, [ys, xs], order=1).mean(axis=1) / 24.0
        deep = np.zeros(2)
        for i, sg in enumerate((-1.0, 1.0)):
            side = sg * y > 0
            mid = np.sum(np.where(side, prof * y, 0.0)) / np.sum(np.where(side, prof, 0.0))
            deep[i] = np.where(side, prof, 0.0).max()
            assert abs(mid - 4.0 * sg) <= 0.3, (r, mid)
        assert np.all((deep > 0.6 * bite) & (deep < 0.8 * bite)), (r, deep, bite)
        assert abs(deep[0] / deep[1] - bite[0] / bite[1]) < 0.05, (r, deep, bite)
        assert np.abs(prof[np.abs(y) < 0.3]).max() < 0.1, r
        assert np.abs(prof[np.abs(y) > 9.0]).max() < 0.05, r
        # along each dent's middle line: one length (14 px where it is 0.3 of its deepest,
        # within 1.25 px: the blur, and a tooth's ridge 0.4 deep, or a valley, at its ends),
        # both about the same centre: the dents side by side and parallel (along one direction)
        x = np.linspace(-12.0, 12.0, 481)
        ends = []
        for yc in (-4.0, 4.0):
            xs, ys = _frame(spec, x, np.full_like(x, yc))
            along = -ndimage.map_coordinates(d, [ys, xs], order=1)
            idx = np.nonzero(along >= 0.3 * along.max())[0]
            ends.append((x[idx[0]], x[idx[-1]]))
        for lo, hi in ends:
            assert abs(hi - lo - 14.0) <= 1.25 and abs(lo + hi) <= 1.0, (r, ends)
        assert abs(ends[0][0] - ends[1][0]) <= 0.5 and abs(ends[0][1] - ends[1][1]) <= 0.5


def test_pinch_dents_carry_the_jaw_teeth_in_line():
    for r in range(8):
        p = {"length_px": 16.0, "width_px": 3.5, "pitch_px": 8.0, "contrast": 24.0,
             "angle_deg": 41.0 * r + 2.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        teeth = spec.params["teeth_px"]
        # along each dent's middle line, inside its ends: a ridge (the dent shallower) at the
        # middle and every teeth_px from it, deepest half-way between; the teeth's ripple over
        # 0.15 of the contrast after the optical blur (0.6 drawn), at the teeth's period
        x = np.linspace(-6.0, 6.0, 241)
        rows = []
        for yc in (-4.0, 4.0):
            xs, ys = _frame(spec, x, np.full_like(x, yc))
            rows.append(-ndimage.map_coordinates(d, [ys, xs], order=1) / 24.0)
        phases = []
        for prof in rows:
            wave = np.cos(2.0 * np.pi * x / teeth)
            phases.append(np.angle(np.sum(prof * np.exp(-2j * np.pi * x / teeth))))
            # shallower on the ridges: the profile follows -cos(2 pi x / teeth)
            assert np.corrcoef(prof, wave)[0, 1] < -0.6, (r, np.corrcoef(prof, wave)[0, 1])
            assert np.ptp(prof) > 0.15, (r, np.ptp(prof))
            spec_f = np.abs(np.fft.rfft(prof - prof.mean(), 2048)) ** 2
            f = np.fft.rfftfreq(2048, x[1] - x[0])
            assert abs(1.0 / f[np.argmax(spec_f)] - teeth) < 0.3 * teeth, r
        # the teeth of both jaws in line: the two dents' ridges at one phase (within 0.1 of
        # the teeth's pitch), a ridge at the middle (phase pi: shallowest at 0)
        gap = abs((phases[0] - phases[1] + np.pi) % (2.0 * np.pi) - np.pi)
        assert gap < 0.2 * np.pi, (r, phases)
        assert all(abs(abs(ph) - np.pi) < 0.2 * np.pi for ph in phases), (r, phases)


def test_pinch_is_dark_or_bright_if_negative():
    for r in range(4):
        p = {"length_px": 12.0, "contrast": 20.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        q = s.defects[0].params
        assert s.mask.sum() < 2 * (12.0 + 2.0) * (q["width_px"] + 2.0) + 20


def test_pinch_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "pinch", rng=0, layout="face",
                             defect_params={"length_px": 12.0, "width_px": 3.0,
                                            "pitch_px": 7.0, "contrast": 15.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 12.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["width_px"] == 3.0 and spec.params["pitch_px"] == 7.0
    # a drawn spacing never lets the dents touch: a wide dent given moves them apart
    s = render_defect_sample((128, 128), "pinch", rng=0, layout="face",
                             defect_params={"length_px": 12.0, "width_px": 6.0})
    assert s.defects[0].params["pitch_px"] >= 6.0 + 1.5
    for bad in ({"length_px": 4.0}, {"length_px": 0.0}, {"width_px": 0.5},
                {"length_px": 10.0, "width_px": 5.5}, {"width_px": 3.0, "pitch_px": 4.0},
                {"width_px": 3.0, "pitch_px": 9.5}, {"teeth_px": 2.0},
                {"width_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "pinch", rng=0, defect_params=bad)
    check_pasted_on_a_face("pinch")
