"""The forty-eighth held-out configuration's generator pieces: texture ``broached``, layout
``clutchplate`` and the surface defect ``fretting``.  Made before any scoring: nothing here
scores them."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import (DEFECT_KINDS, SURFACE_KINDS, render_defect_sample,
                                     texture_sigma)
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input, chord_frame)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness

KW = dict(layout="clutchplate", texture="broached")


def test_new_names_are_appended_at_the_end():
    # after held-out 47's names; later held-outs' names (49, 50) come after these
    assert TEXTURES.index("broached") == 50 and LAYOUTS.index("clutchplate") == 49
    assert DEFECT_KINDS.index("fretting") == 50 and SURFACE_KINDS.index("fretting") == 48
    assert TEXTURES.index("powdercoat") == 49 and DEFECT_KINDS.index("tackweld") == 49


def test_broached_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more29 import broached_texture

    check_texture_contract("broached")
    check_texture_fast("broached")
    check_texture_bad_input(broached_texture)


def test_broached_face_is_two_sided_and_as_contrasty_as_the_others():
    skews = [face_signal_skewness(make_texture("broached", (256, 256),
                                               np.random.default_rng(r), 0.0))
             for r in range(8)]
    # the lines and steps symmetric, the tears sparse: -0.24 to -0.14 seen (seeds 0-7),
    # within +-0.4 asserted (+-0.6 asked)
    assert max(np.abs(skews)) < 0.4, skews
    # on the rendered face (blur, noise, 8 bits) its own contrast is the other lay
    # textures': texture_sigma 6.2-6.5 seen, ground 6.1-6.2, wirecut 6.6-7.1 (seeds 0-2)
    sig = {name: texture_sigma(render_defect_sample((256, 256), "good", rng=0, layout="face",
                                                    texture=name).image)
           for name in ("broached", "ground", "wirecut")}
    assert 0.85 * sig["ground"] < sig["broached"] < 1.15 * sig["wirecut"], sig


def _lay_frame(t, lay, n=150):
    """The middle ``n`` x ``n`` px of a texture ``t`` resampled in the frame of its lay
    (``lay`` radians): columns along the lay, rows across it."""
    c = (np.array(t.shape) - 1) / 2.0
    s = np.arange(n) - (n - 1) / 2.0
    a, b = np.meshgrid(s, s, indexing="xy")
    return ndimage.map_coordinates(t, [c[0] + a * np.sin(lay) + b * np.cos(lay),
                                       c[1] + a * np.cos(lay) - b * np.sin(lay)], order=1)


def _acorr(p):
    """The autocorrelation of a profile ``p`` (lag 0 is 1)."""
    p = p - p.mean()
    a = np.fft.irfft(np.abs(np.fft.rfft(p, 2 * len(p))) ** 2)[:len(p)]
    return a / a[0]


def test_broached_lines_are_crossed_by_regular_steps_and_torn_dark():
    for name, r in (("broached", 0), ("broached", 1), ("broached", 3), ("wirecut", 0)):
        t = make_texture(name, (256, 256), np.random.default_rng(r), 0.0)
        g = np.random.default_rng(r)        # the lay: each texture's first draw
        lay = g.uniform(0.0, np.pi) if name == "broached" else np.deg2rad(g.uniform(0, 180))
        face = _lay_frame(t, lay)
        # the tool lines: across the lay, neighbours 3-5 px apart alike (0.55-0.61 seen at
        # the first peak, 2-7 px) but not strictly periodic as wirecut's cusps (0.89-0.95)
        lines = _acorr(face.mean(axis=1))
        k = 2 + int(np.argmax(lines[2:8]))
        assert (lines[k] < 0.75) if name == "broached" else (lines[k] > 0.85), (name, r, k)
        if name != "broached":
            continue
        # along the lay the lines hold (10 px apart: 0.6-0.76 correlated)
        assert np.corrcoef(face[:, :-10].ravel(), face[:, 10:].ravel())[0, 1] > 0.45
        # the tooth steps: the profile along the lay (averaged across, less its level over
        # 4 px) repeats at one lag of 12-30 px: 0.74-0.82 seen (0.17-0.36 without steps)
        steps = face.mean(axis=0)
        steps = _acorr(steps - ndimage.gaussian_filter1d(steps, 4.0))
        assert steps[10 + int(np.argmax(steps[10:40]))] > 0.6, r
        # the tears: short along the lay (the face over 2 px less over 12 px), dark: under
        # -3 sigma on 19-24 per mille, over +3 on 0.4-1.4 (without tears both about 2)
        short = ndimage.gaussian_filter(face, (0.0, 2.0)) - \
            ndimage.gaussian_filter(face, (0.0, 12.0))
        short /= short.std()
        dark, bright = (short < -3).mean(), (short > 3).mean()
        assert dark > 0.01 and dark > 5 * bright, (r, dark, bright)


def test_clutchplate_is_a_grooved_annulus_with_a_splined_bore():
    from metrology.synth._textures_more29 import (CP_GROOVE, CP_GROOVE_IN, CP_OUTER, CP_ROOT,
                                                  CP_TIP, CP_TOOTH)

    s = 256.0
    lay = layout_features("clutchplate", (256, 256))
    outer, root, tip, g_in, gw, tw = (x * s for x in (CP_OUTER, CP_ROOT, CP_TIP,
                                                      CP_GROOVE_IN, CP_GROOVE, CP_TOOTH))
    mid, gr = np.deg2rad(9.0), 0.4 * s       # between two teeth; in the groove at the bottom
    for e in (-1.0, 1.0):
        assert _sd(lay, [outer + e], [0.0])[0] == pytest.approx(e, abs=1e-6)       # the rim
        assert _sd(lay, [(root - e) * np.cos(mid)], [(root - e) * np.sin(mid)])[0] == \
            pytest.approx(e, abs=1e-6)                                   # the spline's root
        assert _sd(lay, [tip - e], [0.0])[0] == pytest.approx(e, abs=1e-6)      # a tooth's tip
        assert _sd(lay, [0.5 * (tip + root)], [tw + e])[0] == pytest.approx(e, abs=1e-6)
        assert _sd(lay, [gw - e], [gr])[0] == pytest.approx(e, abs=1e-6)     # a groove's side
        assert _sd(lay, [0.0], [g_in - e])[0] == pytest.approx(-e, abs=1e-6)   # its inner end
    # against a raster: one part; its background two pieces (round it, and the bore)
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    assert np.allclose(_sd(lay, -grid[1], grid[0]), sdg)          # symmetric about both axes
    assert np.allclose(_sd(lay, grid[1], -grid[0]), sdg)
    # six grooves round the rim and twenty teeth round the bore (runs round a circle)
    ang = np.linspace(0.0, 2 * np.pi, 3600, endpoint=False)
    for r, kind, n in ((gr, "groove", 6), (0.5 * (tip + root), "tooth", 20)):
        ring = _sd(lay, r * np.cos(ang), r * np.sin(ang)) < 0
        ring = ~ring if kind == "groove" else ring
        assert np.sum(ring & ~np.roll(ring, 1)) == n, kind


def test_clutchplate_features_are_two_missable_rivet_holes():
    from metrology.synth._defect_makers import n_features, n_missable
    from metrology.synth._textures_more29 import CP_RIVET, CP_RIVET_AT

    s = 256.0
    lay = layout_features("clutchplate", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 2
    for ((x, y), r), side in zip(lay["holes"], (-1.0, 1.0)):
        assert r == pytest.approx(CP_RIVET * s) and (x, y) == pytest.approx((side * CP_RIVET_AT
                                                                            * s, 0.0))
        assert -_sd(lay, [x], [y])[0] - r > 0.05 * s                    # walled all round
    assert n_features(lay) == 2 and n_missable(lay) == 2


def test_a_missing_feature_of_the_clutchplate_is_a_whole_hole():
    check_missing_features(KW, {0, 1})


def test_clutchplate_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("clutchplate", 8)             # 12 px seen
    lay = layout_features("clutchplate", (256, 256))
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the annulus and its teeth less the grooves and rivet holes: 0.52-0.57 (0.558 seen)
        assert 0.52 < face.mean() < 0.57, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40          # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for x, y in ((0.0, 0.0), (0.0, 0.42), (0.0, -0.42), (0.36, 0.21)):   # bore, grooves
            assert img[int(c + 256 * y), int(c + 256 * x)] < 40, (x, y)
        for (x, y), _ in lay["holes"]:                                      # the rivet holes
            assert img[int(round(c + y)), int(round(c + x))] < 70
        for x, y in ((0.0, 0.3), (0.25, 0.0), (-0.2, -0.2), (0.12, 0.0)):   # face, a tooth
            assert img[int(c + 256 * y), int(c + 256 * x)] > 60, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "fretting"])
def test_clutchplate_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_clutchplate():
    check_on_the_face(KW, ("extra", "spot", "fretting"), whole="fretting")


def test_clutchplate_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_clutchplate():
    check_reach_on_the_face("clutchplate", SURFACE_KINDS, seeds=2)


def _change(r, params=None):
    """A fretting patch of seed ``r`` on a still, untextured face (128 x 128) and its
    change."""
    return change_on_a_still_face("fretting", r, params)


def test_fretting_is_local_and_follows_contrast_scale():
    specs = check_local_and_scaled(
        "fretting", KW, lambda spec, t, a: (np.abs(t) > 0.5 * spec.size_px + 10.0)
        | (np.abs(a) > 0.5 * spec.params["width_px"] + 4.0))
    for spec in specs:
        p = spec.params
        assert 14 <= spec.contrast <= 30 and 8 <= spec.size_px <= 20
        assert 0.3 <= p["width_px"] / spec.size_px <= 0.55 and 0.55 <= p["sigma_px"] <= 0.75
        assert 14 <= p["marks"] <= 32 and 0 <= p["streaks"] <= p["marks"]
        assert 0.15 <= p["haze"] <= 0.3
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_fretting_is_a_cloud_of_marks_along_the_slip_densest_at_its_middle():
    seen = []
    for r in range(5):
        p = {"contrast": 80.0, "sigma_px": 0.6, "length_px": 18.0, "width_px": 6.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        seen.append(spec.params["streaks"])
        t, a = chord_frame(spec)
        depth = np.clip(-d, 0.0, None)
        # drawn out along the slip: its spread along 2.7-3.5 x its spread across (seeds 0-4)
        st, sa = (np.sqrt((depth * x * x).sum() / depth.sum()) for x in (t, a))
        assert 1.8 < st / sa < 6.0, (r, st, sa)
        # densest at its middle: the middle third along holds more than either outer third
        mid = depth[np.abs(t) < 3.0].sum()
        assert mid > depth[(t > 3.0) & (t < 9.0)].sum() and \
            mid > depth[(t < -3.0) & (t > -9.0)].sum(), r
        # separate marks (local minima of the change: 6-9 seen, 5 or more asserted), over a
        # haze: dark all over the patch's inner half
        low = (d == ndimage.minimum_filter(d, 3)) & (d < -0.2 * 80.0)
        assert ndimage.label(low)[1] >= 5, r
        inner = (2 * t / 18.0) ** 2 + (2 * a / 6.0) ** 2 < 0.25
        assert d[inner].max() < -0.05 * 80.0, r
    assert len(set(seen)) >= 3 and max(seen) > 0, seen


def test_fretting_is_bright_if_negative():
    for r in range(3):
        p = {"contrast": 25.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.5 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        assert s.mask.any(), r


def test_fretting_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    p = {"length_px": 16.0, "width_px": 5.0, "sigma_px": 0.6, "contrast": 20.0,
         "angle_deg": 30.0}
    spec = render_defect_sample((128, 128), "fretting", rng=0, layout="face",
                                defect_params=p).defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 16.0
    assert spec.params["width_px"] == 5.0 and spec.params["sigma_px"] == 0.6
    # the draws do not depend on what is given
    a = render_defect_sample((256, 256), "fretting", rng=3, layout="face").defects[0]
    b = render_defect_sample((256, 256), "fretting", rng=3, layout="face",
                             defect_params={"length_px": 12.0, "sigma_px": 0.7}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["marks"] == b.params["marks"] and a.params["haze"] == b.params["haze"]
    assert b.size_px == 12.0
    # a small image gets a smaller patch; a wide sigma is cut to a quarter of the width
    for shape in ((64, 64), (80, 80)):
        small = render_defect_sample(shape, "fretting", rng=1).defects[0]
        assert small.size_px <= 0.3 * shape[0] + 1e-9
    cut = render_defect_sample((128, 128), "fretting", rng=0, layout="face",
                               defect_params={"width_px": 3.0, "sigma_px": 2.0}).defects[0]
    assert cut.params["sigma_px"] == 0.75
    for bad in ({"width_px": 12.0, "length_px": 10.0}, {"width_px": 1.5},
                {"length_px": 4.0}, {"sigma_px": 0.0}, {"contrast": float("inf")},
                {"marks": 9}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "fretting", rng=0, defect_params=bad)
    check_pasted_on_a_face("fretting")
