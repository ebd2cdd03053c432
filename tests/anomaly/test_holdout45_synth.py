"""The forty-fifth held-out configuration's generator pieces: texture ``superfinished``,
layout ``ecore`` and the surface defect ``chainmark``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import check_missing_features, check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness
from tests.anomaly.test_holdout39_synth import STILL

KW = dict(layout="ecore", texture="superfinished")


def test_new_names_are_appended_at_the_end():
    # after held-out 44's names, last
    assert TEXTURES.index("superfinished") == 47 and LAYOUTS.index("ecore") == 46
    assert DEFECT_KINDS.index("chainmark") == 47 and SURFACE_KINDS.index("chainmark") == 45
    assert TEXTURES.index("torn") == 46 and DEFECT_KINDS.index("knurlprint") == 46


def test_superfinished_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more26 import superfinished_texture

    check_texture_contract("superfinished")
    check_texture_fast("superfinished")
    check_texture_bad_input(superfinished_texture)


def _coherence(t):
    """The structure tensor's coherence of ``t`` (0: no direction, 1: one) and the lay's
    direction (degrees, 0-180: the gradient's dominant direction turned by 90)."""
    gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
    j11, j22, j12 = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
    lay = np.rad2deg(0.5 * np.arctan2(2 * j12, j11 - j22)) + 90.0
    return np.hypot(j11 - j22, 2 * j12) / (j11 + j22), lay % 180.0


def test_superfinished_face_spreads_both_ways_about_a_strong_lay():
    for r in range(4):
        t = make_texture("superfinished", (256, 256), np.random.default_rng(r), 0.0)
        # as many burrs as grooves: the face signal's skewness -0.21 to +0.12 seen (seeds
        # 0-7), within +-0.5 asserted; the tails alike (0.1 % and 99.9 % quantiles -3.3 to
        # -4.1 and +3.1 to +3.7 sd)
        skew = face_signal_skewness(t)
        lo, hi = np.quantile(t, [0.001, 0.999])
        assert abs(skew) < 0.5 and abs(lo + hi) < 1.0, (r, skew, lo, hi)
        # a strong lay: the structure tensor's coherence 0.78-0.85 seen (honed's crossing
        # families 0.32-0.41, ground's straight lines 0.9)
        assert _coherence(t)[0] > 0.65, (r, _coherence(t))
    assert _coherence(make_texture("honed", (256, 256), np.random.default_rng(0), 0.0))[0] < 0.5
    for lay in (0.0, 60.0, 135.0):               # lay_deg fixes the lay
        from metrology.synth._textures_more26 import superfinished_texture

        got = _coherence(superfinished_texture((256, 256), rng=1, lay_deg=lay))[1]
        assert abs((got - lay + 90.0) % 180.0 - 90.0) < 3.0, (lay, got)


def _along(t, k):
    """The correlation of ``t`` with itself ``k`` px along its rows."""
    return np.corrcoef(t[:, :-k].ravel(), t[:, k:].ravel())[0, 1]


def test_superfinished_paths_are_sines_of_one_wavelength_at_random_phases():
    from metrology.synth._textures_more26 import (SF_SWING, SF_WAVE, grit_paths,
                                                  superfinished_texture)

    d = np.ceil(np.hypot(256, 256)) + 4.0
    for r in range(3):
        g = np.random.default_rng(r)
        g.uniform()                                         # the lay's draw
        wave, amp, v0, phase, u0, u1, depth, _ = grit_paths(g, d)
        swing = np.rad2deg(np.arctan(2 * np.pi * amp / wave))
        assert SF_WAVE[0] <= wave <= SF_WAVE[1] and SF_SWING[0] <= swing <= SF_SWING[1]
        assert 0.9 * d <= len(v0) <= 1.1 * d and 0.4 < (depth < 0).mean() < 0.6
        assert stats_uniform(phase / (2 * np.pi)) and np.all(u1 > u0)
        # the render repeats along the lay with the stone's wavelength (the paths are
        # periodic there): correlated 0.87-0.89 a wavelength along it (seeds 0-3), the
        # lag of the best match in 10-60 px within a px of it, and 0.11-0.27 half a
        # wavelength along (the paths' phases swapped sides)
        t = superfinished_texture((256, 256), rng=r, lay_deg=0.0)
        c = {k: _along(t, k) for k in range(10, 61)}
        best = max(c, key=c.get)
        assert abs(best - wave) <= 1.0 and c[best] > 0.75, (r, best, wave, c[best])
        assert _along(t, int(round(0.5 * wave))) < c[best] - 0.4, r
    # straight lines (ground) match best right away, farther less
    from metrology.synth._textures_more import ground_texture

    t = ground_texture((256, 256), rng=0, lay_deg=0.0)
    c = [_along(t, k) for k in range(10, 61)]
    assert np.argmax(c) == 0 and np.all(np.diff(c) < 0.02)


def stats_uniform(x) -> bool:
    """Whether samples ``x`` in 0-1 look uniform (each tenth holds 5-15 % of them)."""
    counts = np.histogram(x, bins=10, range=(0.0, 1.0))[0] / len(x)
    return bool(counts.min() > 0.05 and counts.max() < 0.15)


def test_ecore_is_a_yoke_with_three_legs_and_two_open_windows():
    from metrology.synth._textures_more26 import (EC_BACK, EC_INNER, EC_MIDDLE, EC_OUTER,
                                                  EC_TIP, EC_YOKE)

    s = 256.0
    lay = layout_features("ecore", (256, 256))
    back, tip, yoke = EC_BACK * s, EC_TIP * s, EC_YOKE * s
    outer, inner, mid = EC_OUTER * s, EC_INNER * s, EC_MIDDLE * s
    win = 0.5 * (inner + mid)
    for e in (-1.0, 1.0):
        assert _sd(lay, [back - e], [0.0])[0] == pytest.approx(e, abs=1e-6)       # the yoke
        assert _sd(lay, [tip + e], [0.0])[0] == pytest.approx(e, abs=1e-6)        # a tip
        assert _sd(lay, [tip + e], [0.5 * (inner + outer)])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [0.0], [outer + e])[0] == pytest.approx(e, abs=1e-6)      # a side
        assert _sd(lay, [yoke + e], [win])[0] == pytest.approx(e, abs=1e-6)       # a window's
        assert _sd(lay, [0.1 * s], [mid + e])[0] == pytest.approx(e, abs=1e-6)    # bottom, side
    # against a raster: one part, its background one piece (the windows open to it), exact
    # in and out within the raster's half px, symmetric about the middle leg's axis
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 1
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err).max() < 0.55 and np.abs(out).max() < 0.55
    assert np.allclose(_sd(lay, grid[1], -grid[0]), sdg)
    # across the legs a line meets three, the middle one about twice as wide as the outer
    # ones; across the yoke one
    runs, n = ndimage.label(inside[:, int(2 * (128 + 0.2 * s))])
    widths = np.bincount(runs)[1:] * 0.5
    assert n == 3 and widths[1] / widths[0] == pytest.approx(mid / (0.5 * (outer - inner)),
                                                             rel=0.05)
    assert ndimage.label(inside[:, int(2 * (128 - 0.25 * s))])[1] == 1


def test_ecore_features_are_four_missable_bolt_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("ecore", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 4
    for (x, y), r in lay["holes"]:
        assert r == pytest.approx(0.03 * s) and abs(y) == pytest.approx(0.365 * s)
        assert -_sd(lay, [x], [y])[0] - r > 0.04 * s            # walled all round
    assert n_features(lay) == 4 and n_missable(lay) == 4


def test_a_missing_feature_of_the_ecore_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2, 3})


def test_ecore_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("ecore", 6)
    lay = layout_features("ecore", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the E less its four holes: 0.48-0.53 (0.504 seen)
        assert 0.48 < face.mean() < 0.53, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for y in (-0.225, 0.225):                                    # the windows
            for x in (0.0, 0.3):
                assert img[int(c + 256 * y), int(c + 256 * x)] < 40, (x, y)
        for (x, y), _ in lay["holes"]:                                       # the holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((-0.2, 0.0), (0.3, 0.0), (0.3, 0.4), (0.3, -0.4), (-0.3, 0.2)):  # face
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "chainmark"])
def test_ecore_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_ecore():
    check_on_the_face(KW, ("extra", "spot", "chainmark"), whole="chainmark")


def test_ecore_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_ecore():
    check_reach_on_the_face("ecore", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, shape=(256, 256)):
    """A chain mark of seed ``r`` on a still, untextured face (``shape``) and its change."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0, defect_params=params)
    s = render_defect_sample(shape, "chainmark", rng=r, contrast_scale=scale, **kw)
    twin = render_defect_sample(shape, "chainmark", rng=r, contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_chainmark_is_local_and_follows_contrast_scale():
    from metrology.synth._defect_makers22 import chain_length

    specs = check_local_and_scaled(
        "chainmark", KW, lambda spec, t, a: (np.abs(t) > 0.5 * spec.size_px + 5.0) |
        (np.abs(a) > 0.5 * spec.params["width_px"] + 5.0))
    for spec in specs:
        p = spec.params
        half = spec.size_px / chain_length(p["links"], 1.0)
        assert 12 <= spec.contrast <= 28 and p["links"] in (3, 5, 7) and 3.5 <= half <= 5.5
        assert 0.5 <= p["width_px"] / (2 * half) <= 0.65 and 0.45 <= p["sigma_px"] <= 0.7
        assert 0.6 <= p["flat"] <= 0.85
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def _depth_at(depth, spec, t, a):
    """``depth`` (an image) at ``t`` px along a defect's chord (its ``angle_deg``) and ``a``
    across it from its centre (bilinear)."""
    ang = np.deg2rad(spec.angle_deg)
    x = spec.center_xy[0] + t * np.cos(ang) - a * np.sin(ang)
    y = spec.center_xy[1] + t * np.sin(ang) + a * np.cos(ang)
    return ndimage.map_coordinates(depth, [[y], [x]], order=1)[0]


def test_chainmark_is_rings_and_bars_alternating_along_a_row():
    from metrology.synth._defect_makers22 import KC_STEP, chain_length

    seen = set()
    for r in range(6):
        s, d = _change(r, {"contrast": 80.0, "sigma_px": 0.5, "width_px": 5.0})
        spec = s.defects[0]
        n = spec.params["links"]
        seen.add(n)
        half = spec.size_px / chain_length(n, 1.0)
        depth = -d / -d.min()

        def at(t, a, depth=depth, spec=spec):
            return _depth_at(depth, spec, t, a)

        for k in range(n):
            tk = (k - 0.5 * (n - 1)) * 2 * KC_STEP * half
            side = max(at(tk, 2.5), at(tk, -2.5))
            if k % 2 == 0:        # flat: a ring, hollow in its middle, dark on its sides
                flat = spec.params["flat"]       # (as deep as flat x the bars, less the blur)
                assert at(tk, 0.0) < 0.25 and min(at(tk, 2.5), at(tk, -2.5)) > 0.4 * flat, \
                    (r, k, at(tk, 0.0), min(at(tk, 2.5), at(tk, -2.5)), flat)
            else:                 # on edge: a bar along the row, nothing beside it
                assert at(tk, 0.0) > 0.55 and side < 0.25, (r, k, at(tk, 0.0), side)
        # nothing beyond the first and the last ring
        assert at(0.5 * spec.size_px + 3.0, 0.0) < 0.1 and at(-0.5 * spec.size_px - 3.0, 0) < 0.1
    assert seen >= {3, 5}, seen


def test_chainmark_is_bright_if_negative():
    for r in range(3):
        p = {"contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.6 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        assert s.mask.any(), r


def test_chainmark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    p = {"length_px": 30.0, "width_px": 5.0, "sigma_px": 0.6, "contrast": 20.0,
         "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "chainmark", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0
    assert spec.size_px == pytest.approx(30.0) and spec.params["width_px"] == 5.0
    assert spec.params["sigma_px"] == 0.6
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "chainmark", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "chainmark", rng=3, layout="face",
                             defect_params={"length_px": 40.0, "sigma_px": 0.5}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["links"] == b.params["links"] and a.params["flat"] == b.params["flat"]
    assert b.size_px == pytest.approx(40.0)
    # a small image gets fewer or shorter links
    for shape in ((64, 64), (96, 96)):
        small = render_defect_sample(shape, "chainmark", rng=1).defects[0]
        assert small.size_px <= 0.3 * shape[0] + 1e-9 and small.params["links"] >= 3
    for bad in ({"width_px": 20.0}, {"width_px": 1.0, "sigma_px": 0.6}, {"length_px": 4.0,
                "width_px": 3.0}, {"sigma_px": 0.0}, {"contrast": float("inf")}, {"links": 3}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "chainmark", rng=0, defect_params=bad)
    check_pasted_on_a_face("chainmark")
