"""The twenty-seventh held-out configuration's generator pieces: texture ``cladded``, layout
``cam`` and the surface defect ``kink``."""

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

KW = dict(layout="cam", texture="cladded")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("cladded") == 29 and LAYOUTS.index("cam") == 28
    assert DEFECT_KINDS.index("kink") == 29 and SURFACE_KINDS.index("kink") == 27
    # held-out 26's names stay where they were
    assert TEXTURES.index("satin") == 28 and LAYOUTS.index("link") == 27
    assert DEFECT_KINDS.index("dragmark") == 28 and SURFACE_KINDS.index("dragmark") == 26


def test_cladded_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more9 import cladded_texture

    check_texture_contract("cladded")
    check_texture_fast("cladded")
    check_texture_bad_input(cladded_texture)


def _ripples(t):
    """The ripples read from a render: their period (px, the strongest spectral peak over 8
    px and finer), their direction (unit vector, x and y) and the local tilt (degrees) of
    their crests from square across that direction (the phase gradient of the band 0.6-1.4
    x the peak's frequency, on its side of the spectrum)."""
    h, w = t.shape
    spec = np.fft.fft2(t)
    power = np.abs(spec) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    f = np.hypot(fx, fy)
    power[f < 1 / 8.0] = 0
    i = np.unravel_index(np.argmax(power), power.shape)
    period, ang = 1.0 / f[i], np.arctan2(fy[i], fx[i])
    k0 = np.array([np.cos(ang), np.sin(ang)])
    band = (np.abs(f * period - 1.0) < 0.4) & (fx * k0[0] + fy * k0[1] > 0)
    z = np.fft.ifft2(spec * band)
    gx = np.angle(z[:, 1:] * np.conj(z[:, :-1]))[:-1]
    gy = np.angle(z[1:] * np.conj(z[:-1]))[:, :-1]
    tilt = np.degrees(np.arctan2(-gx * k0[1] + gy * k0[0], gx * k0[0] + gy * k0[1]))
    return period, k0, tilt


def _across(tilt, k0, lag):
    """The correlation of the tilt with itself ``lag`` px across the ripples' direction (away
    from the border)."""
    c = tilt - tilt.mean()
    moved = ndimage.shift(c, (lag * k0[0], -lag * k0[1]), order=1, mode="wrap")
    return np.corrcoef(c[32:-32, 32:-32].ravel(), moved[32:-32, 32:-32].ravel())[0, 1]


def test_cladded_ripples_are_crescents_in_tracks_laid_both_ways():
    from metrology.synth._textures_more9 import cladded_texture

    for r in range(6):
        t = cladded_texture((256, 256), rng=r)
        period, k0, tilt = _ripples(t)
        # the ripples 3.5-5 px apart (the spectrum's resolution 0.2 px there)
        assert 3.3 <= period <= 5.2, (r, period)
        # crescents, not straight ripples: the crests tilt, 10 degrees or more at the median
        # (straight ones: 3-10, their phase noise)
        assert np.median(np.abs(tilt)) > 11.0, (r, np.median(np.abs(tilt)))
        # the tilt changes sign across each track and the tracks alternate: it repeats every
        # two tracks (its correlation across the ripples falls to its least one track, 7-11
        # px, over, and is high again two tracks over), a herring-bone; tracks laid all one
        # way repeat every track, straight ripples not at all
        lags = np.arange(5.0, 13.5, 0.5)
        corr = np.array([_across(tilt, k0, lag) for lag in lags])
        j = int(np.argmin(corr))
        assert 6.5 <= lags[j] <= 12.0 and corr[j] < -0.25, (r, lags[j], corr[j])
        assert _across(tilt, k0, 2.0 * lags[j]) > 0.25, r


def test_cladded_powder_balls_are_sparse_small_and_bright():
    from metrology.synth._textures_more9 import cladded_texture

    for r in range(4):
        t = cladded_texture((256, 256), rng=r)
        lab, n = ndimage.label(t > 3.0)
        sizes = ndimage.sum(np.ones_like(t), lab, np.arange(1, n + 1))
        # about one per 1500 px^2 (44 here), many of them lifted over 3 sigma, each a few px
        expect = 256 * 256 / 1500.0
        assert 0.3 * expect < n < 1.2 * expect and sizes.max() <= 30, (r, n, sizes.max())
        # the ripples and beads alone stay under it: nothing as bright below 1 per 1500 px^2
        assert (t > 3.0).mean() < 0.003


def _rim(lay, theta_deg):
    """The outline's radius (px) along the ray at ``theta_deg`` from the centre (0.05 px)."""
    t = np.deg2rad(theta_deg)
    r = np.arange(0.0, 140.0, 0.05)
    sd = _sd(lay, r * np.cos(t), r * np.sin(t))
    return float(r[np.argmax(sd > 0)])


def test_cam_is_a_spiral_with_a_radial_drop():
    from metrology.synth._textures_more9 import CAM_DROP, CAM_R0, CAM_R1

    s = 256.0
    lay = layout_features("cam", (256, 256))
    assert lay["spiral"] == pytest.approx((CAM_R0 * s, CAM_R1 * s, CAM_DROP))
    assert (CAM_R0, CAM_R1, CAM_DROP) == (0.42, 0.47, 90.0)
    # the radius rises steadily over the turn from the drop (down, y down) ...
    turn = np.arange(1.0, 360.0, 7.0)
    radii = np.array([_rim(lay, CAM_DROP + a) for a in turn])
    assert np.all(np.diff(radii) > 0)
    expect = s * (0.42 + 0.05 * turn / 360.0)
    assert np.abs(radii - expect).max() < 0.1, np.abs(radii - expect).max()
    # ... and drops back at a radial step: r1 just before the drop, r0 just after it
    assert _rim(lay, CAM_DROP - 0.2) == pytest.approx(0.47 * s, abs=0.2)
    assert _rim(lay, CAM_DROP + 0.2) == pytest.approx(0.42 * s, abs=0.2)
    # on the step (a radial face 12.8 px long): the distance across it, in and out
    mid = 0.445 * s
    for d in (-3.0, -1.0, 1.0, 3.0):
        assert _sd(lay, [-d], [mid])[0] == pytest.approx(d, abs=1e-9)
    # a distance in and out: a raster of the outline agrees with it within its 0.5 px grid
    # (its nearest sample up to a step beyond the drop's corners: 0.75) and, deep inside, 2 %
    # of the depth (the rim read along the point's own ray: the centre's nearest rim is the
    # drop's foot, a turn away)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.all(np.abs(err_in) < 0.75 + 0.02 * np.abs(sdg[inside]))
    assert np.abs(err_in[sdg[inside] > -40]).max() < 0.75 and np.abs(err_out).max() < 0.75


def test_cam_holes_a_kept_bore_two_lightening_holes_and_a_dowel():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("cam", (256, 256))
    assert lay["slots"] == [] and lay["keep_windows"]
    (bc, bh, br), = lay["windows"]
    assert bc == (0.0, 0.0) and bh == pytest.approx((0.08 * s, 0.08 * s)) and br == bh[0]
    (h1, r1), (h2, r2), (h3, r3) = lay["holes"]
    assert r1 == r2 == pytest.approx(0.045 * s) and r3 == pytest.approx(0.022 * s)
    assert np.hypot(*h1) == pytest.approx(0.24 * s) and np.hypot(*h2) == pytest.approx(0.24 * s)
    assert h1[0] < 0 < h2[0] and h1[1] < 0 and h2[1] < 0       # upper left, upper right
    assert h3 == pytest.approx((0.0, 0.16 * s))                  # below the bore
    for (cx, cy), r in lay["holes"]:
        assert _sd(lay, [cx], [cy])[0] < -(r + 0.1 * s)           # well inside the plate
    assert n_features(lay) == 4 and n_missable(lay) == 3


def test_cam_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 4 px inside the border or more
    check_inside_at_jitter("cam", 4)
    # rendered: the part face (the plate less its holes) is 0.57-0.61 of the image (0.589)
    lay = layout_features("cam", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.57 < face.mean() < 0.61, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the holes and the bore
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c), int(c)] < 70
        # the drop: just right of it (the rim's top) face, just left of it (its foot) not
        assert img[int(c + 0.455 * 256), int(c + 3)] > 80
        assert img[int(c + 0.455 * 256), int(c - 3)] < 70


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "kink"])
def test_cam_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_cam_is_a_hole_never_the_bore():
    check_missing_features(KW, {0, 1, 2}, n=30)


def test_defects_and_extra_holes_lie_on_the_cam():
    check_on_the_face(KW, ("extra", "spot", "kink"))


def test_cam_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A kink of seed ``r`` on a still, untextured face and its change: the sample minus its
    twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "kink", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "kink", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_kink_is_local_and_follows_contrast_scale():
    # the same check of every seed: 12 under --runslow, two of them by default
    for r in sample(range(12), 2, "kink"):
        s = render_defect_sample((256, 256), "kink", rng=r, **KW)
        twin = render_defect_sample((256, 256), "kink", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "kink", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "kink" and 12 <= spec.contrast <= 30
        assert 15 <= spec.size_px <= 50 and p["legs"] in (2, 3)
        assert len(p["turns_deg"]) == p["legs"] - 1 and len(p["corners"]) == p["legs"] + 1
        assert all(30 <= abs(a) <= 100 for a in p["turns_deg"]) and 0.5 <= p["sigma_px"] <= 0.9
        # the legs add up to the length, none under 0.23 of it (a stub is no kink)
        legs = np.hypot(*np.diff(np.array(p["corners"]), axis=0).T)
        assert legs.sum() == pytest.approx(spec.size_px) and legs.min() >= 0.23 * spec.size_px
        assert ndimage.label(s.mask)[1] == 1
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 2                        # nothing off the groove
        assert d[s.mask].sum() < 0                                # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def _groove_centres(d, p, q):
    """Where the groove crosses the lines square to the leg ``p -> q`` at 15 places along its
    middle 60 %, each found as the change's least point read across +-4 px (a parabola
    through the least sample and its neighbours), and its depth there."""
    u = (q - p) / np.hypot(*(q - p))
    n = np.array([-u[1], u[0]])
    across = np.arange(-4.0, 4.0 + 1e-9, 0.1)
    out = []
    for f in np.linspace(0.2, 0.8, 15):
        m = p + f * (q - p)
        pts = m[:, None] + n[:, None] * across
        prof = ndimage.map_coordinates(d, [pts[1], pts[0]], order=3)
        i = int(np.clip(np.argmin(prof), 1, len(prof) - 2))
        a, b, c = prof[i - 1:i + 2]
        off = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c > 0 else 0.0
        out.append((m + n * (across[i] + 0.1 * off), -b))
    return np.array([o[0] for o in out]), np.array([o[1] for o in out])


def test_kink_legs_are_straight_and_meet_at_sharp_turns():
    for r in range(10):
        for turn in (None, 40.0, -90.0):
            p = {"length_px": 44.0, "contrast": 28.0, "sigma_px": 0.7, "angle_deg": 37.0 * r}
            if turn is not None:
                p["turn_deg"] = turn
            s, d = _change(r, p)
            spec = s.defects[0]
            corners = np.array(spec.params["corners"])
            lines, depths = [], []
            for a, b in zip(corners[:-1], corners[1:]):
                cen, dep = _groove_centres(d, a, b)
                # straight: the groove's centre within 0.3 px of one line along the leg
                mid = cen.mean(axis=0)
                _, sv, vt = np.linalg.svd(cen - mid)
                resid = (cen - mid) @ vt[1]
                assert np.abs(resid).max() < 0.3, (r, turn, np.abs(resid).max())
                lines.append((mid, vt[0]))
                depths.append(dep)
            # the legs turn as drawn: the fitted directions' angle, each turn within 3 degrees
            for i, t in enumerate(spec.params["turns_deg"]):
                (m1, v1), (m2, v2) = lines[i], lines[i + 1]
                got = np.degrees(np.arccos(abs(float(v1 @ v2))))
                assert abs(got - min(abs(t), 180 - abs(t))) < 3.0, (r, turn, got, t)
                # sharp: the two fitted lines meet within 0.7 px of the corner (a rounded or
                # curved turn pulls the legs' middles off the corner's lines)
                a = np.array([v1, -v2]).T
                k = np.linalg.solve(a, m2 - m1)
                dist = float(np.hypot(*(m1 + k[0] * v1 - corners[i + 1])))
                assert dist < 0.7, (r, turn, i, dist)
            # one groove: the same depth all along its legs (within 15 %)
            dep = np.concatenate(depths)
            assert dep.min() > 0.85 * dep.max() and dep.max() > 0.5 * 28.0, (r, turn, dep)


def test_kink_is_thin_and_dark_or_bright_if_given_a_negative_contrast():
    for r in range(4):
        p = {"length_px": 30.0, "contrast": 20.0, "sigma_px": 0.6}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        # thin: under 1.5 px from the groove its change is a sixth of the depth or less
        corners = np.array(s.defects[0].params["corners"])
        yy, xx = np.mgrid[0:128, 0:128].astype(float)
        from metrology.synth._defect_makers5 import polyline_distance

        dist = polyline_distance(xx, yy, corners)
        assert np.abs(dp[dist > 2.5]).max() < 0.15 * 20, r
        assert s.mask.sum() < 6.0 * 30.0


def test_kink_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "kink", rng=0, layout="face",
                             defect_params={"length_px": 30.0, "turn_deg": -50.0,
                                            "contrast": 15.0, "angle_deg": 30.0,
                                            "sigma_px": 0.6})
    spec = s.defects[0]
    assert spec.size_px == 30.0 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["sigma_px"] == 0.6
    assert spec.params["turns_deg"] == [-50.0] * (spec.params["legs"] - 1)
    # the legs add up to the length and the first one runs along angle_deg
    c = np.array(spec.params["corners"])
    assert np.hypot(*np.diff(c, axis=0).T).sum() == pytest.approx(30.0)
    assert np.degrees(np.arctan2(*(c[1] - c[0])[::-1])) == pytest.approx(30.0)
    for bad in ({"turn_deg": 10.0}, {"turn_deg": -150.0}, {"length_px": 3.0},
                {"length_px": 0.0}, {"legs": 2}, {"turns_deg": 40.0},
                {"turn_deg": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "kink", rng=0, defect_params=bad)
    # a groove wider than 0.1 length, or under 0.3 px, is cut to it
    for sigma, cut in ((5.0, 2.0), (0.01, 0.3)):
        s = render_defect_sample((128, 128), "kink", rng=0, layout="face",
                                 defect_params={"length_px": 20.0, "sigma_px": sigma})
        assert s.defects[0].params["sigma_px"] == pytest.approx(cut)
    check_pasted_on_a_face("kink")
