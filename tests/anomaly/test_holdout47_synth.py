"""The forty-seventh held-out configuration's generator pieces: texture ``powdercoat``, layout
``pulley`` and the surface defect ``tackweld``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy import ndimage, stats

from metrology.errors import InputError
from metrology.synth.defects import (DEFECT_KINDS, SURFACE_KINDS, paste_defects,
                                     render_defect_sample)
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness

KW = dict(layout="pulley", texture="powdercoat")


def test_new_names_are_appended_at_the_end():
    # after held-out 46's names, last
    assert TEXTURES.index("powdercoat") == 49 and LAYOUTS.index("pulley") == 48
    assert DEFECT_KINDS.index("tackweld") == 49 and SURFACE_KINDS.index("tackweld") == 47
    assert TEXTURES.index("skimmed") == 48 and DEFECT_KINDS.index("lockwasher") == 48


def test_powdercoat_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more28 import powdercoat_texture

    check_texture_contract("powdercoat")
    check_texture_fast("powdercoat", 60.0)         # about 8 ms seen
    check_texture_bad_input(powdercoat_texture)


def _face_sd(texture: str, r: int) -> float:
    """The gray levels' spread on the pulley's face (3 px in from every edge) of a good part
    of ``texture`` (seed ``r``, no jitter or lighting)."""
    from metrology.synth._defect_makers import sd_features

    s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                             lighting=0, layout="pulley", texture=texture)
    lay = layout_features("pulley", (256, 256))
    yy, xx = np.mgrid[0:256, 0:256] - 127.5
    face = (_sd(lay, xx, yy) < -3) & (sd_features(xx, yy, lay, None) > 3)
    return float(s.image[face].std())


def test_powdercoat_face_is_two_sided_its_speckle_too_and_its_contrast_like_the_others():
    skews = [face_signal_skewness(make_texture("powdercoat", (256, 256),
                                               np.random.default_rng(r), 0.0)) for r in range(8)]
    # -0.023 to +0.010 seen (seeds 0-7); within +-0.6 asked
    assert max(np.abs(skews)) < 0.2, skews
    # its fine speckle is two-sided (the texture less its blur, sigma 1 px: skewness within
    # +-0.02 seen), where painted's metallic flakes are one-sided bright (5.6-7.9)
    for name, lo, hi in (("powdercoat", -0.3, 0.3), ("painted", 2.0, np.inf)):
        for r in range(2):
            t = make_texture(name, (256, 256), np.random.default_rng(r), 0.0)
            fine = stats.skew((t - ndimage.gaussian_filter(t, 1.0)).ravel())
            assert lo < fine < hi, (name, r, fine)
    # rendered, its face's spread is that of the other finishes (7.3 gray levels seen; painted
    # 6.9-7.6, peened 7.2-7.4, hammered 7.0-7.4): not washed out by the blur
    ours = _face_sd("powdercoat", 0)
    for name in ("painted", "peened", "hammered"):
        assert 0.85 < ours / _face_sd(name, 0) < 1.2, name


def test_powdercoat_peel_is_one_bump_size_isotropic_with_few_trapped_grains():
    from metrology.synth._textures_more28 import PC_TRAP_AREA, peel_relief, trapped_grains

    for bump in (3.0, 5.0, 8.0):
        peel, _ = peel_relief(np.random.default_rng(1), 256, 256, bump)
        power = np.abs(np.fft.fft2(peel)) ** 2
        fr = np.hypot(*np.meshgrid(np.fft.fftfreq(256), np.fft.fftfreq(256)))
        bins = np.round(fr * 256).astype(int).ravel()
        radial = np.bincount(bins, power.ravel()) / np.maximum(np.bincount(bins), 1)
        # a band round one wavelength (2 bump), not a low-pass field: its radial spectrum
        # peaks at 1 / (2 bump) and the frequencies under 0.4 of that hold little
        assert np.argmax(radial) / 256 == pytest.approx(0.5 / bump, rel=0.15), bump
        assert power.ravel()[fr.ravel() < 0.2 / bump].sum() < 0.03 * power.sum(), bump
        # isotropic: its gradients have no direction (structure-tensor coherence under 0.05)
        gy, gx = np.gradient(peel)
        j11, j22, j12 = (gx ** 2).mean(), (gy ** 2).mean(), (gx * gy).mean()
        assert np.hypot(j11 - j22, 2 * j12) / (j11 + j22) < 0.05, bump
    for r in range(4):
        field = trapped_grains(np.random.default_rng(r), 256, 256)
        peaks = (field == ndimage.maximum_filter(field, 9)) & (field > 1.5)
        # a few: one per 2500-5000 px^2 (13-26 on 256 x 256; a few merge), 2-3.5 x the peel
        assert 256 * 256 / PC_TRAP_AREA[1] - 5 <= peaks.sum() <= 256 * 256 / PC_TRAP_AREA[0]
        assert field.max() < 3.5 * 1.6 and (field > 0.5).mean() < 0.25


def test_pulley_is_a_disc_with_windows_between_tapering_arms_and_a_keyed_bore():
    from metrology.synth._textures_more28 import (PU_ARM, PU_BORE, PU_FILLET, PU_HUB, PU_KEY,
                                                  PU_R, PU_RIM, arm_side)

    s = 256.0
    lay = layout_features("pulley", (256, 256))
    for e in (-1.0, 1.0):
        for x, y in ((PU_R * s + e, 0.0), (0.0, PU_R * s + e)):             # the rim's outside
            assert _sd(lay, [x], [y])[0] == pytest.approx(e, abs=1e-6)
        # a window's ends on its middle: the rim's inside, the V its arms' sides make (just
        # outside the hub's radius, rounded by the fillet)
        theta, o = arm_side(4, PU_HUB * s, PU_RIM * s, (PU_ARM[0] * s, PU_ARM[1] * s))
        tip = (o + PU_FILLET * s) / np.sin(theta) - PU_FILLET * s
        assert PU_HUB * s < tip < PU_HUB * s + 1.0
        for x in (tip + e, PU_RIM * s - e):              # e px into the window
            assert _sd(lay, [x], [0.0])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [0.0], [PU_BORE * s - e])[0] == pytest.approx(e, abs=1e-6)  # the bore
        top = (PU_BORE + PU_KEY[1]) * s                                            # the keyway
        assert _sd(lay, [0.0], [-top + e])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [PU_KEY[0] * s - e], [-0.5 * top - 0.3 * PU_BORE * s])[0] == \
            pytest.approx(e, abs=1e-6)
        # an arm's side between its fillets (its line from arm_side, in the frame of the
        # window below the bore: along it is down, v; across it -u)
        m, t = np.array([np.sin(theta), -np.cos(theta)]), np.array([np.cos(theta), np.sin(theta)])
        f = PU_FILLET * s                   # the straight piece between the two fillets
        along = 0.5 * ((tip + f) * np.cos(theta) + np.sqrt((PU_RIM * s - f) ** 2 - (o + f) ** 2))
        p = o * m + along * t + e * m                                 # e px into the window
        assert _sd(lay, [-p[1]], [p[0]])[0] == pytest.approx(e, abs=1e-6)
    # against a raster: one part; its background the surround, four windows and the bore;
    # symmetric about the vertical axis and, out of the hub, a quarter turn
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 6
    assert np.allclose(_sd(lay, -grid[1], grid[0]), sdg)
    far = np.hypot(grid[1], grid[0]) > 0.25 * s
    assert np.allclose(_sd(lay, -grid[0], grid[1])[far], sdg[far])
    # the arm at 45 degrees is 0.278 s wide across where it leaves the hub (0.26 s out); the
    # window below the bore a V towards the hub: 0.124 s wide at 0.27 s out, 0.224 s at 0.33 s
    k = np.arange(-0.3 * s, 0.3 * s, 0.25)
    widths = []
    for rad, ang in ((0.26, np.pi / 4), (0.27, np.pi / 2), (0.33, np.pi / 2)):
        c = rad * s * np.array([np.cos(ang), np.sin(ang)])
        pts = c[:, None] + np.array([-np.sin(ang), np.cos(ang)])[:, None] * k
        run = ndimage.label((_sd(lay, pts[0], pts[1]) < 0) == (ang == np.pi / 4))[0]
        widths.append((run == run[len(k) // 2]).sum() * 0.25 / s)
    assert widths[0] == pytest.approx(0.278, abs=0.01) and widths[1] < 0.6 * widths[2], widths


def test_pulley_features_are_two_missable_puller_holes_in_the_hub():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more28 import PU_BORE, PU_HOLE, PU_HUB

    s = 256.0
    lay = layout_features("pulley", (256, 256))
    assert lay["slots"] == [] and lay["windows"] == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 2
    for ((x, y), r), sign in zip(lay["holes"], (-1, 1)):
        assert r == pytest.approx(PU_HOLE * s) and y == 0.0
        assert x == pytest.approx(sign * 0.5 * (PU_BORE + PU_HUB) * s)
        # walled all round: 0.085 s to the bore and to the window beyond it
        assert -_sd(lay, [x], [y])[0] - r > 0.08 * s
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_a_missing_feature_of_the_pulley_is_a_whole_hole():
    check_missing_features(KW, {0, 1})


def test_pulley_face_share_room_on_small_images_and_background_all_round():
    from metrology.synth._defect_makers import sd_features

    c = 127.5
    check_inside_at_jitter("pulley", 5)                  # 6 px seen
    # room for a defect 6 px clear on a 96 px image (where the generator's placing needs the
    # face 12 px from the edges and 10 px from the holes): 5 % of the box it draws from
    lay96 = layout_features("pulley", (96, 96))
    g = np.mgrid[-30:30:0.5, -30:30:0.5]
    room = (_sd(lay96, g[1], g[0]) < -12) & (sd_features(g[1], g[0], lay96, None) > 10)
    assert room.mean() > 0.03, room.mean()
    lay = layout_features("pulley", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the disc less its windows, bore and holes: 0.53-0.57 (0.552 seen)
        assert 0.53 < face.mean() < 0.57, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for x, y in ((0.0, 0.0), (0.0, -0.05), (0.33, 0.0), (0.0, 0.33), (-0.33, 0.0)):
            assert img[int(c + 256 * y), int(c + 256 * x)] < 40, (x, y)   # bore, key, windows
        for (x, y), _ in lay["holes"]:                                     # the puller holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((0.0, 0.435), (0.21, 0.21), (-0.25, -0.25), (0.0, 0.15)):  # rim, arms, hub
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "tackweld"])
def test_pulley_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_pulley():
    check_on_the_face(KW, ("extra", "spot", "tackweld"), whole="tackweld")


def test_pulley_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_pulley():
    check_reach_on_the_face("pulley", SURFACE_KINDS, seeds=2)


def _change(r, params=None):
    """A tack weld of seed ``r`` on a still, untextured face and its change."""
    return change_on_a_still_face("tackweld", r, params)


def test_tackweld_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "tackweld", KW, lambda spec, t, a: np.hypot(t, a) > 0.5 * spec.size_px + 5.0)
    for spec in specs:
        p = spec.params
        assert 14 <= spec.contrast <= 30 and 6 <= spec.size_px <= 14
        assert 0.45 <= p["width_px"] / spec.size_px <= 0.7
        assert 1.6 <= p["pitch_px"] <= 2.4 and 0.45 <= p["sigma_px"] <= 0.75
        assert 1.0 <= p["gap_px"] <= 2.0 and 0.5 <= p["level"] <= 0.75
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _depth_at(depth, spec, t, a):
    """``depth`` (an image) at ``t`` px along the bead's length and ``a`` across it from its
    centre (bilinear)."""
    ang = np.deg2rad(spec.angle_deg)
    x = spec.center_xy[0] + np.asarray(t) * np.cos(ang) - np.asarray(a) * np.sin(ang)
    y = spec.center_xy[1] + np.asarray(t) * np.sin(ang) + np.asarray(a) * np.cos(ang)
    return ndimage.map_coordinates(depth, [np.atleast_1d(y), np.atleast_1d(x)], order=1)


def test_tackweld_is_a_rippled_oval_bead_inside_a_thin_ring():
    for r in range(4):
        p = {"contrast": 80.0, "length_px": 24.0, "width_px": 14.0, "pitch_px": 4.0,
             "sigma_px": 0.7}
        s, d = _change(r, p)
        spec = s.defects[0]
        gap = spec.params["gap_px"]
        depth = -d / -d.min()
        # the ring: deepest about gap px past the toe all round (on both axes), nothing 4 px
        # beyond it, the bead between (its level under the ring's)
        for t, a in ((12.0 + gap, 0.0), (-12.0 - gap, 0.0), (0.0, 7.0 + gap), (0.0, -7 - gap)):
            assert _depth_at(depth, spec, t, a)[0] > 0.6, (r, t, a)
            out = 1.0 + 4.0 / np.hypot(t, a)
            assert _depth_at(depth, spec, out * t, out * a)[0] < 0.08, (r, t, a)
        line = _depth_at(depth, spec, np.arange(-8.0, 8.0, 0.25), np.zeros(64))
        assert 0.1 < line.mean() < 0.75, (r, line.mean())
        # ripples across it at the pitch: the profile along its middle swings with a period
        # of 4 px (its spectrum's peak), crests bowed back at the sides (the crest nearest the
        # middle lies farther back 4.5 px to the side)
        spec_ = np.abs(np.fft.rfft(line - line.mean()))
        assert np.argmax(spec_) == pytest.approx(16.0 / 4.0, abs=1), (r, np.argmax(spec_))
        tt = np.arange(-4.0, 4.0, 0.1)
        mid = tt[np.argmax(_depth_at(depth, spec, tt, np.zeros_like(tt)))]
        near = np.abs(tt - mid) <= 2.0
        side = tt[near][np.argmax(_depth_at(depth, spec, tt[near], np.full(near.sum(), 4.5)))]
        assert side < mid, (r, mid, side)


def test_tackweld_is_bright_if_negative():
    # the same weld either way, its change mirrored (within the rounding) and its mask kept
    for r in range(3):
        dark, dp = _change(r, {"contrast": 22.0})
        bright, dn = _change(r, {"contrast": -22.0})
        assert dp.min() < -0.5 * 22 and dp.max() <= 1.0 and dn.max() > 0.5 * 22
        assert np.abs(dn + dp).max() <= 1.0
        assert dark.mask.any() and np.array_equal(dark.mask, bright.mask), r


def test_tackweld_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    p = {"length_px": 12.0, "width_px": 7.0, "pitch_px": 2.0, "sigma_px": 0.5,
         "contrast": 20.0, "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "tackweld", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 12.0
    assert spec.params["width_px"] == 7.0 and spec.params["pitch_px"] == 2.0
    assert spec.params["sigma_px"] == min(0.5, 0.5 * spec.params["gap_px"])
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "tackweld", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "tackweld", rng=3, layout="face",
                             defect_params={"length_px": 10.0, "pitch_px": 2.0}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["gap_px"] == b.params["gap_px"] and a.params["bow"] == b.params["bow"]
    assert b.size_px == 10.0
    # pasted on a small region, a shorter bead (what the region has room for)
    face = render_defect_sample((96, 96), "good", rng=0, layout="face").image
    region = np.zeros((96, 96), bool)
    region[40:56, 40:56] = True
    for r in range(3):
        spec = paste_defects(face, "tackweld", rng=r, region=region).defects[0]
        assert spec.size_px + 2 * (spec.params["gap_px"] + 3 * spec.params["sigma_px"]) <= 16
    for bad in ({"width_px": 13.0, "length_px": 12.0}, {"width_px": 2.0},
                {"pitch_px": 1.0}, {"pitch_px": 5.0, "length_px": 12.0}, {"length_px": 4.0},
                {"sigma_px": 0.0}, {"contrast": float("inf")}, {"gap_px": 2.0}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "tackweld", rng=0, defect_params=bad)
    check_pasted_on_a_face("tackweld")
