"""The fourteenth held-out configuration's generator pieces: texture ``swirled``, layout
``terminal`` and the surface defect ``spatter``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="terminal", texture="swirled")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("swirled") == 16 and LAYOUTS.index("terminal") == 15
    assert DEFECT_KINDS.index("spatter") == 16 and SURFACE_KINDS.index("spatter") == 14


def test_swirled_texture_unit_deterministic_per_part_and_fast():
    check_texture_contract("swirled")
    check_texture_fast("swirled")


def test_swirled_marks_are_thin_curved_and_of_no_common_direction():
    from metrology.synth._textures_more2 import swirled_texture

    for r in range(4):
        t = swirled_texture((256, 256), rng=r)
        # thin marks over a fine grain: neighbours correlate, 6 px apart hardly
        lag = [np.corrcoef(t[:, :-k].ravel(), t[:, k:].ravel())[0, 1] for k in (1, 6)]
        assert lag[0] > 0.3 and abs(lag[1]) < 0.2, lag
        # grooves: the deepest pixels lie further from the mean than the brightest ones
        assert -np.percentile(t, 0.5) > np.percentile(t, 99.5)
        # no lay: the structure tensor over the whole face is nearly isotropic
        gy, gx = np.gradient(ndimage.gaussian_filter(t, 0.7))
        jxx, jyy, jxy = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
        coherence = np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy)
        assert coherence < 0.15, coherence
        # but locally the marks are lines (a coherent tensor over 3 px), unlike the grain alone
        sm = [ndimage.gaussian_filter(v, 3.0) for v in (gx * gx, gy * gy, gx * gy)]
        local = np.hypot(sm[0] - sm[1], 2 * sm[2]) / np.maximum(sm[0] + sm[1], 1e-12)
        assert np.median(local) > 0.3, np.median(local)


def test_terminal_layout_features_inside_the_plate():
    lay = layout_features("terminal", (256, 256))
    hx, hy = lay["half"]
    assert len(lay["holes"]) == 3 and len(lay["slots"]) == 2 and len(lay["windows"]) == 3
    assert lay["keep_windows"] and lay["keep_slots"]
    xs = []
    for (wc, (wx, wy), wr), (hc, hr) in zip(lay["windows"], lay["holes"]):
        assert wx == wy and 0 < wr < 0.3 * wx                          # square windows
        assert wc[1] < 0 and abs(wc[1]) < 0.5 * hy                      # in the upper middle
        assert hc[0] == wc[0] and hc[1] > wc[1] + wy + hr               # a screw hole below
        assert hr < 0.5 * wx
        xs.append(wc[0])
    assert xs == sorted(xs) and xs[0] < 0 < xs[2] and xs[1] == 0.0
    (wl, (wx, _), _), (wr_, _, _) = lay["windows"][0], lay["windows"][2]
    (s0, half0, r0, a0), (s1, half1, r1, a1) = lay["slots"]
    assert s0[0] + r0 < wl[0] - wx and s1[0] - r1 > wr_[0] + wx        # one at each end
    assert half0 == half1 > 1.5 * wx and a0 == a1 == 90.0  # longer than a window is wide
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx and abs(cy) + r < hy
    for (cx, cy), half, r, _ in lay["slots"]:
        assert abs(cx) + r < hx and abs(cy) + half + r < hy


def test_terminal_renders_windows_holes_and_slots():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("terminal", (256, 256))
    c = 127.5
    for (wc, _, _) in lay["windows"]:
        assert s.image[int(c + wc[1]), int(c + wc[0])] < 90
    for (hc, _) in lay["holes"]:
        assert s.image[int(c + hc[1]), int(c + hc[0])] < 90
    for (sc, half, _, _) in lay["slots"]:
        assert s.image[int(c + sc[1] + 0.8 * half), int(c + sc[0])] < 90
    assert s.image[int(c + 0.3 * 256), int(c)] > 110                   # face below the holes


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "spatter"])
def test_terminal_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_terminal_is_a_screw_hole():
    seen = set()
    for r in range(30):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        seen.add(s.defects[0].params["feature"])
        assert s.defects[0].params["half_length_px"] == 0.0             # a hole, not a slot
    assert seen == {0, 1, 2}


def test_terminal_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_spatter_is_local_both_signs_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "spatter"):
        s = render_defect_sample((256, 256), "spatter", rng=r, **KW)
        twin = render_defect_sample((256, 256), "spatter", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "spatter", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "spatter" and 15 <= spec.contrast <= 35
        assert 10 <= spec.size_px <= 25 and 3 <= spec.params["count"] <= 8
        assert 15 <= s.mask.sum() <= 600 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=4)       # the halo and optical blur
        assert np.abs(d[~near]).max() == 0                         # only near its mask
        assert d[s.mask].max() >= 5 and d[s.mask].min() <= -5      # lit and shaded sides
        # the mask stays within the cluster
        ys, xs = np.nonzero(s.mask)
        (cx, cy) = spec.center_xy
        assert np.hypot(xs - cx, ys - cy).max() <= spec.size_px / 2 + 2
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_spatter_bright_side_faces_the_light_and_pasted():
    for r in range(4):
        s = render_defect_sample((128, 128), "spatter", rng=r, noise_sigma=0.0, layout="face")
        twin = render_defect_sample((128, 128), "spatter", rng=r, noise_sigma=0.0,
                                    layout="face", contrast_scale=1e-6)
        d = s.image.astype(float) - twin.image.astype(float)
        gy, gx = np.gradient(ndimage.gaussian_filter(d, 0.5))
        la = np.deg2rad(s.defects[0].params["light_deg"])
        # brighter towards the light on the whole: the change grows along it inside the mask
        assert (gx * np.cos(la) + gy * np.sin(la))[s.mask].mean() > 0
    check_pasted_on_a_face("spatter")
