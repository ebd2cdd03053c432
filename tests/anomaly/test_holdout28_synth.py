"""The twenty-eighth held-out configuration's generator pieces: texture ``luders``, layout
``endshield`` and the surface defect ``lap``."""

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

KW = dict(layout="endshield", texture="luders")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("luders") == 30 and LAYOUTS.index("endshield") == 29
    assert DEFECT_KINDS.index("lap") == 30 and SURFACE_KINDS.index("lap") == 28
    # held-out 27's names stay where they were
    assert TEXTURES.index("cladded") == 29 and LAYOUTS.index("cam") == 28
    assert DEFECT_KINDS.index("kink") == 29 and SURFACE_KINDS.index("kink") == 27


def test_luders_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more10 import luders_texture

    check_texture_contract("luders")
    check_texture_fast("luders")
    check_texture_bad_input(luders_texture)


def _roughness(t):
    """The local roughness of a render: its high-pass (less a 1.5 px blur) squared, averaged
    over 2 px."""
    hp = t - ndimage.gaussian_filter(t, 1.5, mode="wrap")
    return ndimage.gaussian_filter(hp ** 2, 2.0, mode="wrap")


def _direction(img, fmin, fmax):
    """The direction (degrees, 0-180, to the nearest degree) of the wave vector carrying the
    most power at spatial frequencies ``fmin``-``fmax`` (per px), and how many times the
    median direction's power it carries."""
    h, w = img.shape
    p = np.abs(np.fft.fft2(img - img.mean())) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    f = np.hypot(fx, fy)
    ang = np.mod(np.degrees(np.arctan2(fy, fx)), 180.0)
    sel = (f >= fmin) & (f <= fmax)
    hist = np.bincount(np.round(ang[sel]).astype(int) % 180, weights=p[sel], minlength=180)
    hist = ndimage.uniform_filter1d(hist, 3, mode="wrap")
    return float(np.argmax(hist)), float(hist.max() / np.median(hist))


def test_luders_bands_cross_the_roll_streaks_at_50_to_56_degrees():
    from metrology.synth._textures_more10 import luders_texture

    for r in range(10):
        t = luders_texture((256, 256), rng=r)
        rough = _roughness(t)
        # the bands, read from the roughness (periods 8-40 px), run one way: their direction
        # carries over 4 times the median direction's power
        bands, peak = _direction(rough, 1 / 40, 1 / 8)
        assert peak > 4.0, (r, peak)
        # the streaks, read from the render (periods 4-12 px), run one way too
        streaks, peak = _direction(t, 1 / 12, 1 / 4)
        assert peak > 4.0, (r, peak)
        # Lueders bands lie 50-56 degrees off the pull (the rolling direction): here within
        # 3 degrees of that (the spectrum's direction read to 1 degree)
        off = abs((bands - streaks + 90.0) % 180.0 - 90.0)
        assert 47.0 <= off <= 59.0, (r, bands, streaks, off)


def test_luders_bands_are_sunk_rougher_strips():
    from metrology.synth._textures_more10 import luders_texture

    for r in range(6):
        t = luders_texture((256, 256), rng=r)
        rough = _roughness(t)
        band = rough > 2.0 * np.median(rough)
        # strips covering 0.1-0.35 of the face, over 1.5 times as rough (spread) as the rest
        assert 0.1 < band.mean() < 0.35, (r, band.mean())
        ratio = np.sqrt(np.median(rough[band]) / np.median(rough[~band]))
        assert ratio > 1.5, (r, ratio)
        # sunk: darker on average than the face between them
        smooth = ndimage.gaussian_filter(t, 2.0, mode="wrap")
        assert smooth[band].mean() < smooth[~band].mean() - 0.2, r
        # strips, not blobs: their pieces long and thin (the largest over 60 px long)
        lab, n = ndimage.label(ndimage.binary_opening(band))
        boxes = ndimage.find_objects(lab)
        longest = max(max(b[0].stop - b[0].start, b[1].stop - b[1].start) for b in boxes)
        assert longest > 60, (r, longest)


def test_endshield_is_a_disc_with_three_windows_between_straight_ribs():
    from metrology.synth._textures_more10 import (ES_FILLET, ES_R, ES_RIB, ES_RIB0, ES_WIN_IN,
                                                  ES_WIN_OUT)

    s = 256.0
    lay = layout_features("endshield", (256, 256))
    assert (ES_R, ES_WIN_IN, ES_WIN_OUT, ES_RIB, ES_FILLET, ES_RIB0) == \
        (0.47, 0.12, 0.2, 0.12, 0.015, 90.0)
    assert lay["spokes"] == pytest.approx((0.47 * s, 0.12 * s, 0.2 * s, 0.12 * s,
                                           0.015 * s, 3, 90.0))
    # the rim: a circle of 0.47 s all round (its distance exact: 1 px in and out)
    for t in np.deg2rad(np.arange(0.0, 360.0, 7.0)):
        for d in (-1.0, 1.0):
            r = 0.47 * s + d
            assert _sd(lay, [r * np.cos(t)], [r * np.sin(t)])[0] == pytest.approx(d, abs=1e-9)
    # a window's middle (between two ribs, 0.17 s out) is off the plate, a rib's is on it
    for k in range(3):
        for a, off in ((ES_RIB0 + 60.0 + 120.0 * k, True), (ES_RIB0 + 120.0 * k, False)):
            t = np.deg2rad(a)
            inside = _sd(lay, [0.17 * s * np.cos(t)], [0.17 * s * np.sin(t)])[0]
            assert (inside > 5.0) if off else (inside < -5.0), (k, a, inside)
    # each rib's sides parallel to its centre line, half its width off it (the window's
    # edge found on lines square to the rib at 0.15-0.17 s out: the same offset all along;
    # radial sides would open 2 px over that span)
    for k in range(3):
        t = np.deg2rad(ES_RIB0 + 120.0 * k)
        along, normal = np.array([np.cos(t), np.sin(t)]), np.array([-np.sin(t), np.cos(t)])
        for side in (-1.0, 1.0):
            edges = []
            for rho in np.linspace(0.15, 0.17, 6) * s:
                off = np.arange(0.0, 40.0, 0.02)
                pts = rho * along[:, None] + side * off * normal[:, None]
                edges.append(off[np.argmax(_sd(lay, pts[0], pts[1]) > 0)])
            assert np.ptp(edges) < 0.1 and np.mean(edges) == pytest.approx(0.06 * s, abs=0.05)
    # a distance in and out: a raster of the outline agrees with it within its 0.5 px grid
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and np.abs(err_out).max() < 0.75


def test_endshield_features_a_kept_bearing_seat_and_three_bolt_holes_on_the_ribs():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("endshield", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == []
    (c, bore, seat, kind), = lay["sinks"]
    assert c == (0.0, 0.0) and bore == pytest.approx(0.06 * s) and kind == "counterbore"
    assert seat == pytest.approx(0.09 * s)
    assert len(lay["holes"]) == 3
    for ((cx, cy), r), a in zip(lay["holes"], (90.0, 210.0, 330.0)):
        assert r == pytest.approx(0.025 * s) and np.hypot(cx, cy) == pytest.approx(0.37 * s)
        assert np.degrees(np.arctan2(cy, cx)) % 360.0 == pytest.approx(a)   # on a rib's line
        assert _sd(lay, [cx], [cy])[0] < -(r + 0.06 * s)                   # in the rim
    assert n_features(lay) == 4 and n_missable(lay) == 3


def test_endshield_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 4 px inside the border or more
    check_inside_at_jitter("endshield", 4)
    # rendered: the part face (the plate less its windows and holes) is 0.61-0.65 (0.629)
    lay = layout_features("endshield", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.61 < face.mean() < 0.65, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the holes and the bore
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c), int(c)] < 70
        for a in (30.0, 150.0, 270.0):                            # windows dark, ribs face
            t = np.deg2rad(a)
            assert img[int(c + 0.17 * 256 * np.sin(t)), int(c + 0.17 * 256 * np.cos(t))] < 70
            t = np.deg2rad(a + 60.0)
            assert img[int(c + 0.17 * 256 * np.sin(t)), int(c + 0.17 * 256 * np.cos(t))] > 80


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "lap"])
def test_endshield_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_endshield_is_a_bolt_hole_never_the_seat():
    check_missing_features(KW, {0, 1, 2})


def test_defects_and_extra_holes_lie_on_the_endshield():
    check_on_the_face(KW, ("extra", "spot", "lap"))


def test_endshield_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A lap of seed ``r`` on a still, untextured face and its change: the sample minus its
    twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "lap", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "lap", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_lap_is_local_and_follows_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "lap"):
        s = render_defect_sample((256, 256), "lap", rng=r, **KW)
        twin = render_defect_sample((256, 256), "lap", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "lap", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "lap" and 12 <= spec.contrast <= 28
        assert 15 <= spec.size_px <= 45 and 8 <= p["pitch_px"] <= 16
        assert 1 <= p["amplitude_px"] <= min(3, 0.25 * p["pitch_px"])
        assert 0.5 <= p["sigma_px"] <= 0.8 and 0.3 <= p["step"] <= 0.6
        assert 3 <= p["fade_px"] <= 6 and p["fold"] in (-1.0, 1.0)
        assert ndimage.label(s.mask)[1] == 1
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        # nothing off the lap (its step's tail under a tenth of the contrast, and the 8-bit
        # rounding's gray level)
        assert np.abs(d[~near]).max() <= 1.0 + 0.1 * spec.contrast
        assert d[s.mask].min() < -0.4 * spec.contrast             # a dark seam
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def _frame(spec):
    """The lap's axis frame: its centre, the unit vector along its axis and the one 90
    degrees on (y down)."""
    t = np.deg2rad(spec.angle_deg)
    return np.array(spec.center_xy), np.array([np.cos(t), np.sin(t)]), \
        np.array([-np.sin(t), np.cos(t)])


def _profiles(d, c, e, n, a, across):
    """The change read across the axis at each of ``a`` (m,) px along it, ``across`` (k,) or
    (m, k) px along ``n``: (m, k), one interpolation for all of them."""
    a = np.asarray(a, float)
    across = np.broadcast_to(np.asarray(across, float), (len(a), np.shape(across)[-1]))
    pts = c[:, None, None] + e[:, None, None] * a[:, None] + n[:, None, None] * across
    return ndimage.map_coordinates(d, [pts[1].ravel(), pts[0].ravel()],
                                   order=3).reshape(across.shape)


def test_lap_seam_is_a_sine_across_its_axis():
    for r in range(10):
        p = {"length_px": 40.0, "contrast": 24.0, "sigma_px": 0.7, "angle_deg": 33.0 * r,
             "pitch_px": 12.0, "bend_px": 2.5}
        s, d = _change(r, p)
        spec = s.defects[0]
        c, e, n = _frame(spec)
        across = np.arange(-6.0, 6.0 + 1e-9, 0.05)
        a = np.linspace(-14.0, 14.0, 29)
        seam = across[np.argmin(_profiles(d, c, e, n, a, across), axis=1)]
        # the seam's least point on a sine of the drawn pitch: fitted (its phase and a
        # constant free: the render's half-pixel grid and the step beside the seam shift it
        # a little), the amplitude the drawn one within 0.3 px, the points 0.35 px off the
        # fit at the rms (0.13-0.27 seen), 0.8 at most; a straight seam fits one near 0
        basis = np.stack([np.sin(2 * np.pi * a / 12.0), np.cos(2 * np.pi * a / 12.0),
                          np.ones_like(a)], axis=1)
        coef, *_ = np.linalg.lstsq(basis, seam, rcond=None)
        res = basis @ coef - seam
        assert abs(np.hypot(coef[0], coef[1]) - 2.5) < 0.3, (r, coef)
        assert np.sqrt(np.mean(res ** 2)) < 0.35 and np.abs(res).max() < 0.8, (r, res)
        # its phase the drawn one (within 0.6 rad: up to 1 px along the axis)
        got = np.arctan2(coef[1], coef[0])
        assert abs(np.angle(np.exp(1j * (got - spec.params["phase"])))) < 0.6, (r, got)


def test_lap_has_a_step_on_its_folded_side_fading_away_and_at_its_ends():
    for r in range(8):
        p = {"length_px": 40.0, "contrast": 24.0, "sigma_px": 0.6, "angle_deg": 47.0 * r,
             "pitch_px": 14.0, "bend_px": 1.5}
        s, d = _change(r, p)
        spec = s.defects[0]
        c, e, n = _frame(spec)
        q = spec.params
        fold, step, fade = q["fold"], q["step"], q["fade_px"]
        at = np.linspace(-10.0, 10.0, 11)
        wave = 1.5 * np.sin(2.0 * np.pi * at / 14.0 + q["phase"])
        off = fold * np.array([2.5, 5.0])
        up = _profiles(d, c, e, n, at, wave[:, None] + off)
        down = _profiles(d, c, e, n, at, wave[:, None] - off)
        # the folded-over side raised: step x contrast x exp(-dist / fade) (2.5 px and 5 px
        # off the seam; within 2 gray levels and the blur's), the other side unchanged
        want = step * 24.0 * np.exp(-np.array([2.5, 5.0]) / fade)
        assert np.abs(up.mean(axis=0) - want).max() < 2.0, (r, up.mean(axis=0), want)
        assert np.abs(down).max() <= 1.5, (r, np.abs(down).max())
        assert up[:, 0].mean() > up[:, 1].mean() + 0.5                 # fading away
        # tapered to nothing at the seam's ends: past them by fade, no change to speak of
        ends = np.array([-20.0 - fade - 2.0, 20.0 + fade + 2.0])
        assert np.abs(_profiles(d, c, e, n, ends, np.arange(-6.0, 6.1, 0.5))).max() <= 1.5


def test_lap_is_thin_and_dark_or_bright_with_a_dark_step_if_negative():
    for r in range(4):
        p = {"length_px": 30.0, "contrast": 20.0, "sigma_px": 0.6}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 0.6 * 20
        assert np.abs(dn + dp).max() <= 1.0
        assert s.mask.sum() < 12.0 * 30.0


def test_lap_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "lap", rng=0, layout="face",
                             defect_params={"length_px": 30.0, "bend_px": 2.0, "pitch_px": 10.0,
                                            "contrast": 15.0, "angle_deg": 30.0,
                                            "sigma_px": 0.6})
    spec = s.defects[0]
    assert spec.size_px == 30.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["sigma_px"] == 0.6 and spec.params["amplitude_px"] == 2.0
    assert spec.params["pitch_px"] == 10.0
    for bad in ({"bend_px": 3.0, "pitch_px": 10.0}, {"pitch_px": 2.0}, {"length_px": 3.0},
                {"length_px": 0.0}, {"pitch_px": 200.0, "length_px": 20.0}, {"step": 0.5},
                {"bend_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "lap", rng=0, defect_params=bad)
    # a seam wider than 0.1 length, or under 0.3 px, is cut to it
    for sigma, cut in ((5.0, 2.0), (0.01, 0.3)):
        s = render_defect_sample((128, 128), "lap", rng=0, layout="face",
                                 defect_params={"length_px": 20.0, "sigma_px": sigma})
        assert s.defects[0].params["sigma_px"] == pytest.approx(cut)
    check_pasted_on_a_face("lap")
