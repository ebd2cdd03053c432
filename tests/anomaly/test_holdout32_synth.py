"""The thirty-second held-out configuration's generator pieces: texture ``guilloche``, layout
``bearingcap`` and the surface defect ``clampmark``."""

import numpy as np
import pytest
from scipy import ndimage

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

KW = dict(layout="bearingcap", texture="guilloche")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("guilloche") == 34 and LAYOUTS.index("bearingcap") == 33
    assert DEFECT_KINDS.index("clampmark") == 34 and SURFACE_KINDS.index("clampmark") == 32
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 35 and len(LAYOUTS) >= 34 and len(DEFECT_KINDS) >= 35
    # held-out 31's names stay where they were
    assert TEXTURES.index("dimplearray") == 33 and LAYOUTS.index("ovalflange") == 32
    assert DEFECT_KINDS.index("punch") == 33 and SURFACE_KINDS.index("punch") == 31


def test_guilloche_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more14 import guilloche_texture

    check_texture_contract("guilloche")
    check_texture_fast("guilloche")
    check_texture_bad_input(guilloche_texture)


def _unit_render(r):
    from metrology.synth._textures_more14 import guilloche_texture

    t = guilloche_texture((256, 256), rng=r)
    return (t - t.mean()) / t.std()


def _lay_and_swing(t):
    """The render's lay (radians, the lines' mean direction from the structure tensor, 1 px
    pre-blur, 2.5 px window), its lines' mean coherence and the swing: each pixel's line
    direction off the lay (degrees), 8 px in from the border."""
    gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
    jxx, jyy, jxy = (ndimage.gaussian_filter(a, 2.5) for a in (gx * gx, gy * gy, gx * gy))
    two = np.arctan2(2.0 * jxy, jxx - jyy)                  # the gradient's doubled angle
    coh = np.hypot(jxx - jyy, 2.0 * jxy) / (jxx + jyy + 1e-12)
    m = np.angle(np.sum(coh * np.exp(1j * two)))
    swing = np.degrees(0.5 * np.angle(np.exp(1j * (two - m))))
    return 0.5 * m + 0.5 * np.pi, coh[8:-8, 8:-8].mean(), swing[8:-8, 8:-8]


def _strongest_wave(d):
    """The wavelength (px) and direction (radians) of the strongest wave of the field ``d``
    (its mean out, a Hann window) and the share of its power within 2.5 bins of it."""
    d = (d - d.mean()) * np.outer(np.hanning(d.shape[0]), np.hanning(d.shape[1]))
    p = np.abs(np.fft.fft2(d)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(d.shape[0]), np.fft.fftfreq(d.shape[1]), indexing="ij")
    iy, ix = np.unravel_index(np.argmax(p), p.shape)
    near = np.zeros(p.shape, bool)
    for sg in (1.0, -1.0):
        near |= np.hypot((fx - sg * fx[iy, ix] + 0.5) % 1.0 - 0.5,
                         (fy - sg * fy[iy, ix] + 0.5) % 1.0 - 0.5) <= 2.5 / d.shape[0]
    k = np.hypot(fx[iy, ix], fy[iy, ix])
    return 1.0 / k, np.arctan2(fy[iy, ix], fx[iy, ix]), p[near].sum() / p.sum()


def _pitch_across(t, lay):
    """The grooves' pitch (px): the strongest wave of 31 profiles 180 px long across the lay
    (every 4 px along it, sampled every 0.5 px), their power spectra summed."""
    s, c = np.arange(-90.0, 90.0, 0.5), 127.5
    ca, sa = np.cos(lay), np.sin(lay)
    power = 0.0
    for o in np.arange(-60.0, 61.0, 4.0):
        prof = ndimage.map_coordinates(t, [c + o * sa + s * ca, c + o * ca - s * sa], order=1)
        power = power + np.abs(np.fft.rfft((prof - prof.mean()) * np.hanning(s.size))) ** 2
    f = np.fft.rfftfreq(s.size, 0.5)
    return 1.0 / f[3 + np.argmax(power[3:])]


def test_guilloche_is_periodic_grooves_that_wave_in_step():
    for r in range(10):
        t = _unit_render(r)
        lay, coh, swing = _lay_and_swing(t)
        # lines with one lay (coherence over 0.6: 0.64-0.96 seen; honed 0.45, knurled 0.2,
        # swirled 0.4), the grooves 3.3-5.8 px apart across it (3.5-5.5 drawn)
        assert coh > 0.6, (r, coh)
        assert 3.3 < _pitch_across(t, lay) < 5.8, (r, _pitch_across(t, lay))
        # the lines swing off the lay by 8-40 degrees rms (11-28 seen; brushed's straight
        # streaks 3), and the swing is one wave: its strongest wave holds over 0.6 of its
        # power (0.95-1.0 seen; honed, knurled, brushed, swirled, wrinkled, lasercut, faced,
        # milled, wirecut, crossrolled 0.03-0.26), 15-45 px long (20-40 drawn), running
        # along the lay (within 35 degrees: the twist turns it up to 29; 0-15 seen), so
        # neighbouring grooves wave in step
        rms = np.sqrt(np.mean(swing ** 2))
        assert 8.0 < rms < 40.0, (r, rms)
        wave, ang, share = _strongest_wave(swing)
        assert share > 0.6 and 15.0 < wave < 45.0, (r, share, wave)
        off = abs((np.degrees(ang - lay) + 90.0) % 180.0 - 90.0)
        assert off < 35.0, (r, off)


def test_guilloche_grooves_are_vees_side_by_side():
    from metrology.synth._textures_more14 import guilloche_relief

    # the relief alone, a straight lay: a V across each groove (depth 1 - 2 |t - k|, the
    # ridges sharp and nothing flat between grooves), deepest at the groove's line
    v = np.linspace(-10.0, 10.0, 401)
    rel = guilloche_relief(np.zeros_like(v), v, 4.0, 0.0, 0.0, 30.0, 0.0, np.ones(8))
    assert rel.max() == pytest.approx(0.0, abs=0.02) and rel.min() == pytest.approx(-1.0)
    steps = np.abs(np.diff(rel)) / 0.05                      # the slope, per px
    assert np.mean(np.isclose(steps, 2.0 / 4.0)) > 0.95 and steps.max() <= 0.5 + 1e-9
    assert np.isclose(rel[np.abs(v) < 1e-9], -1.0).all()
    # the wave swings every groove alike: a point moved along the lay by half a wavelength
    # sees the groove moved by twice the amplitude
    u0 = np.full(3, 7.5)
    a = guilloche_relief(u0, np.array([0.0, 1.0, 2.0]), 4.0, 0.0, 2.0, 30.0, 0.0, np.ones(8))
    b = guilloche_relief(u0 + 15.0, np.array([4.0, 5.0, 6.0]), 4.0, 0.0, 2.0, 30.0, 0.0,
                         np.ones(8))
    assert np.allclose(a, b)


def test_bearingcap_is_an_arch_over_flanks_with_a_seat_in_its_base():
    from metrology.synth._textures_more14 import (CAP_BASE, CAP_HALF, CAP_HOLE, CAP_HOLE_X,
                                                  CAP_HOLE_Y, CAP_SEAT)

    s = 256.0
    lay = layout_features("bearingcap", (256, 256))
    assert (CAP_HALF, CAP_BASE, CAP_SEAT, CAP_HOLE, CAP_HOLE_X, CAP_HOLE_Y) == \
        (0.44, 0.44, 0.20, 0.045, 0.32, 0.27)
    a, b, r = 0.44 * s, 0.44 * s, 0.20 * s
    assert lay["cap"] == pytest.approx((a, b, r))
    for e in (-1.0, 1.0):
        for sg in (-1.0, 1.0):
            # the arch (a half circle of the half width about the middle), 1 px in and out
            for phi in np.deg2rad([10.0, 45.0, 80.0]):
                x, y = sg * (a + e) * np.cos(phi), -(a + e) * np.sin(phi)
                assert _sd(lay, [x], [y])[0] == pytest.approx(e)
            # the flanks, straight down from the middle to the base; the base from the
            # seat's edge to the flanks; the seat a half circle about the base's middle
            for y in np.linspace(0.02, 0.98, 5) * b:
                assert _sd(lay, [sg * (a + e)], [y])[0] == pytest.approx(e)
            for x in np.linspace(r + 4.0, a - 4.0, 5):
                assert _sd(lay, [sg * x], [b + e])[0] == pytest.approx(e)
            for phi in np.deg2rad([10.0, 45.0, 80.0, 90.0]):
                x, y = sg * (r - e) * np.cos(phi), b - (r - e) * np.sin(phi)
                assert _sd(lay, [x], [y])[0] == pytest.approx(e)
            # the corners: the base's outer corners and the seat's edges, sqrt 2 out
            assert _sd(lay, [sg * (a + 1.0)], [b + 1.0])[0] == pytest.approx(np.sqrt(2.0))
            assert _sd(lay, [sg * (r - 1.0)], [b + 1.0])[0] == pytest.approx(np.sqrt(2.0))
    # the seat's middle is off the part by its radius; the top of the arch at the half width
    assert _sd(lay, [0.0], [b])[0] == pytest.approx(r)
    assert _sd(lay, [0.0], [-a])[0] == pytest.approx(0.0)
    # exact in and out against a raster at 0.5 px (within its grid), mirrored in x
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    assert np.allclose(sdg, _sd(lay, -grid[1], grid[0]))
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and np.abs(err_out).max() < 0.75
    # one piece, its outline's only concave stretch the seat: the midpoint of two points of
    # the part is on it unless the segment crosses the seat's half disc
    g = np.random.default_rng(0)
    p, q = g.uniform(-128, 128, (2, 2, 6000))
    on = (_sd(lay, *p) < 0) & (_sd(lay, *q) < 0)
    mid = 0.5 * (p + q)[:, on]
    off = _sd(lay, *mid) > 1e-9
    assert np.all(np.hypot(mid[0][off], mid[1][off] - b) < r + 1e-9)
    assert off.any()


def test_bearingcap_features_a_bolt_hole_in_each_foot():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("bearingcap", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    (p, rp), (q, rq) = lay["holes"]
    assert rp == rq == pytest.approx(0.045 * s)
    assert p == pytest.approx((-0.32 * s, 0.27 * s)) and q == pytest.approx((0.32 * s, 0.27 * s))
    for x, y in (p, q):                        # the flank nearest, 0.12 s; the seat 0.16 s
        assert _sd(lay, [x], [y])[0] == pytest.approx(-0.12 * s)
        assert np.hypot(x, y - 0.44 * s) - 0.2 * s > 0.16 * s
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_bearingcap_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 6 px inside the border or more
    check_inside_at_jitter("bearingcap", 6)
    # rendered: the part face (the cap less its seat and holes) is 0.59-0.65 (0.619)
    lay = layout_features("bearingcap", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.59 < face.mean() < 0.65, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the bolt holes
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c + 0.40 * 256), int(c)] < 40              # the seat: background
        for x, y in ((0.42, -0.42), (-0.42, -0.42)):              # beside the arch: off it
            assert img[int(c + y * 256), int(c + x * 256)] < 40, (x, y)
        for x, y in ((0.0, -0.4), (0.4, 0.4), (-0.4, 0.4), (0.3, 0.0), (0.0, 0.1)):  # face
            assert img[int(c + y * 256), int(c + x * 256)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "clampmark"])
def test_bearingcap_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_bearingcap_is_a_bolt_hole():
    check_missing_features(KW, {0, 1})


def test_defects_and_extra_holes_lie_on_the_bearingcap():
    check_on_the_face(KW, ("extra", "spot", "clampmark"), whole="clampmark")


def test_bearingcap_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A clamp mark of seed ``r`` on a still, untextured face and its change: the sample
    minus its twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "clampmark", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "clampmark", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def _frame(spec, shape=(128, 128)):
    """Each pixel's place along (``x``, towards ``angle_deg``) and across (``y``) the mark of
    ``spec`` and its signed distance to the mark's drawn outline (px)."""
    from metrology.synth._defect_makers10 import sd_rounded_box

    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(float)
    ca, sa = np.cos(np.deg2rad(spec.angle_deg)), np.sin(np.deg2rad(spec.angle_deg))
    dx, dy = xx - spec.center_xy[0], yy - spec.center_xy[1]
    x, y = dx * ca + dy * sa, -dx * sa + dy * ca
    p = spec.params
    return x, y, sd_rounded_box(x, y, spec.size_px, p["width_px"], p["corner_px"])


def test_clampmark_is_local_and_follows_contrast_scale():
    drawn = set()
    # the drawn parameters of all 4 seeds (they differ across seeds); the image checks, the
    # same for every seed, on two of them by default and all 4 under --runslow
    imaged = sample(range(4), 2, "clampmark")
    for r in range(4):
        s = render_defect_sample((256, 256), "clampmark", rng=r, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "clampmark" and 10 <= spec.contrast <= 22
        drawn.add(round(spec.contrast, 3))
        assert 12 <= spec.size_px <= 28
        assert 0.35 <= p["width_px"] / spec.size_px <= 0.65
        assert 0.15 <= p["corner_px"] / p["width_px"] <= 0.3
        assert 0.65 <= p["tilt"] <= 0.85 and 0.4 <= p["lip"] <= 0.7
        if r not in imaged:
            continue
        twin = render_defect_sample((256, 256), "clampmark", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "clampmark", rng=r, contrast_scale=2.0, **KW)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 1.0                        # nothing off the mark
        assert d[s.mask].min() < -0.4 * spec.contrast               # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
        # the mask: the floor and the lip, within 3 px of the outline
        still, _ = _change(r)
        _, _, sd = _frame(still.defects[0])
        assert still.mask[sd < -2.0].all() and not still.mask[sd > 3.0].any(), r
    assert len(drawn) == 4                                          # drawn, not fixed


def test_clampmark_is_a_flat_floored_rounded_rectangle_with_a_bright_lip():
    for r in range(10):
        p = {"length_px": 18.0 + r, "width_px": 12.0 + 0.4 * r, "contrast": 60.0,
             "angle_deg": 37.0 * r + 5.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        x, y, sd = _frame(spec)
        tilt, lip = spec.params["tilt"], spec.params["lip"]
        depth = -d / 60.0
        # the floor (2 px in from the edge) flat across and sloping straight along: the
        # depth tilt + (1 - tilt) (1/2 + x / length), deepest at the end towards angle_deg
        # (a least-squares plane's level and slope along within 0.03 of the drawn ones, its
        # slope across under 0.005 per px, its residue under 0.02: 0.001, 0.0002 and 0.005
        # seen; a bowl, a dent's, fails the residue)
        fl = sd < -2.0
        A = np.c_[np.ones(fl.sum()), x[fl] / spec.size_px, y[fl] / spec.size_px]
        coef, *_ = np.linalg.lstsq(A, depth[fl], rcond=None)
        res = depth[fl] - A @ coef
        assert abs(coef[0] - 0.5 * (1.0 + tilt)) < 0.03, (r, coef, tilt)
        assert abs(coef[1] - (1.0 - tilt)) < 0.03, (r, coef, tilt)
        assert abs(coef[2]) < 0.005 * spec.size_px and res.std() < 0.02, (r, coef, res.std())
        # its outline: along rays from the centre (the ends, the sides and the corners'
        # middles) the depth falls to half the floor's within 0.5 px of the drawn rounded
        # rectangle (0.04-0.34 px inside seen, the lip's foot lifting it; a sharp corner is
        # 0.9-1.7 px farther out, an ellipse's 2-4 px nearer)
        hl, hw, rc = 0.5 * spec.size_px, 0.5 * spec.params["width_px"], spec.params["corner_px"]
        k = rc * (1.0 - np.sqrt(0.5))
        for ex, ey in ((hl, 0.0), (-hl, 0.0), (0.0, hw), (0.0, -hw), (hl - k, hw - k),
                       (-hl + k, hw - k), (hl - k, -hw + k), (-hl + k, -hw + k)):
            edge = np.hypot(ex, ey)
            t = np.linspace(0.0, edge + 3.0, 301)
            ca, sa = np.cos(np.deg2rad(spec.angle_deg)), np.sin(np.deg2rad(spec.angle_deg))
            ux, uy = ex / edge, ey / edge
            px = spec.center_xy[0] + t * (ux * ca - uy * sa)
            py = spec.center_xy[1] + t * (ux * sa + uy * ca)
            prof = ndimage.map_coordinates(depth, [py, px], order=1)
            floor = tilt + (1.0 - tilt) * np.clip(0.5 + t * ux / spec.size_px, 0.0, 1.0)
            cross = t[np.argmax(prof < 0.5 * floor)]
            assert abs(cross - edge) < 0.5, (r, ex, ey, cross, edge)
        # the lip: bright just outside the edge (0.5-1.5 px out: 0.7-1.05 x lip of the
        # contrast, 0.87-0.92 seen), nothing 3.5 px out
        band = (sd > 0.5) & (sd < 1.5)
        assert 0.7 * lip < -depth[band].mean() < 1.05 * lip, (r, -depth[band].mean(), lip)
        assert np.abs(depth[sd > 3.5]).max() < 0.03, r


def test_clampmark_is_dark_or_bright_if_negative():
    for r in range(4):
        p = {"length_px": 20.0, "contrast": 20.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() > 0.3 * 20 * s.defects[0].params["lip"]
        assert np.abs(dn + dp).max() <= 1.0
        # small: the mask within the box about the mark and 3 px beyond
        w = s.defects[0].params["width_px"]
        assert s.mask.sum() < (20.0 + 6.0) * (w + 6.0), r


def test_clampmark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "clampmark", rng=0, layout="face",
                             defect_params={"length_px": 22.0, "width_px": 9.0,
                                            "contrast": 15.0, "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 22.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["width_px"] == 9.0
    # a square print (the width its length) is kept; the draws do not depend on what is given
    s = render_defect_sample((128, 128), "clampmark", rng=0, layout="face",
                             defect_params={"width_px": 14.0, "length_px": 14.0})
    assert s.defects[0].params["width_px"] == 14.0
    a = render_defect_sample((128, 128), "clampmark", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "clampmark", rng=3, layout="face",
                             defect_params={"width_px": 5.0}).defects[0]
    assert a.params["tilt"] == b.params["tilt"] and a.size_px == b.size_px
    for bad in ({"length_px": 4.0}, {"width_px": 1.5}, {"width_px": 30.0, "length_px": 20.0},
                {"length_px": 0.0}, {"tilt": 0.5}, {"corner_px": 2.0},
                {"length_px": float("nan")}, {"width_px": float("nan")},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "clampmark", rng=0, defect_params=bad)
    check_pasted_on_a_face("clampmark")
