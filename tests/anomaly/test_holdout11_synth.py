"""The eleventh held-out configuration's generator pieces: texture ``spangle``, layout ``strip``
and the surface defect ``blister``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="strip", texture="spangle")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("spangle") == 13 and LAYOUTS.index("strip") == 12
    assert DEFECT_KINDS.index("blister") == 13 and SURFACE_KINDS.index("blister") == 11


def test_spangle_texture_unit_deterministic_and_per_part():
    check_texture_contract("spangle")


def test_spangle_is_a_mosaic_of_grains_and_fast():
    from metrology.synth._textures_more import spangle_texture

    t = spangle_texture((256, 256), rng=2)
    # grains: the brightness stays put over a few px (the grain offset) and decorrelates over
    # a few grains; thin boundaries and dendrites keep the 1 px lag below 1
    lag = [np.corrcoef(t[:, :-k].ravel(), t[:, k:].ravel())[0, 1] for k in (1, 4, 80)]
    assert lag[0] > 0.5 and lag[1] > 0.3 and abs(lag[2]) < 0.2, lag
    # a smoothed copy is piecewise flat: its gradient is small on most pixels, large on few
    sm = ndimage.median_filter(t, 5)
    gy, gx = np.gradient(sm)
    mag = np.hypot(gx, gy)
    assert np.quantile(mag, 0.5) < 0.25 * np.quantile(mag, 0.98), np.quantile(mag, [0.5, 0.98])
    check_texture_fast("spangle")


def test_strip_layout_features_inside_the_plate():
    from metrology.synth._defect_makers import sd_plate

    lay = layout_features("strip", (256, 256))
    assert len(lay["holes"]) == 6 and lay["slots"] == [] and len(lay["windows"]) == 2
    hx, hy = lay["half"]
    xs = [c[0] for c, _ in lay["holes"]]
    assert np.allclose(np.diff(xs), xs[1] - xs[0]) and xs[1] > xs[0]      # equally spaced
    for (cx, cy), r in lay["holes"]:
        assert -hy < cy - r and cy + r < -hy / 3 and abs(cx) + r < hx       # upper third
    (c0, half0, r0), (c1, half1, r1) = lay["windows"]
    assert c0[0] + half0[0] < c1[0] - half1[0]                              # side by side
    for (cx, cy), (wx, wy), r in lay["windows"]:
        assert hy / 3 < cy - wy and cy + wy < hy and abs(cx) + wx < hx       # lower third
        assert 0 < r < min(wx, wy)                                          # rounded corners
    (ax, ay), half_angle = lay["notch"]
    assert 0 < ax < hx and 0 < half_angle < 45
    # the notch cuts the right edge: inside the plate's rectangle, outside the part
    assert sd_plate(np.array([hx - 2.0]), np.array([ay]), lay)[0] > 0
    assert sd_plate(np.array([ax - 3.0]), np.array([ay]), lay)[0] < 0
    assert sd_plate(np.array([hx - 2.0]), np.array([ay + 0.25 * hy]), lay)[0] < 0
    assert sd_plate(np.array([-hx + 2.0]), np.array([ay]), lay)[0] < 0     # left edge whole


def test_strip_renders_the_notch_and_windows():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("strip", (256, 256))
    (ax, _), _ = lay["notch"]
    cx, cy = 127.5, 127.5
    assert s.image[int(cy), int(cx + lay["half"][0] - 3)] < 60             # background
    assert s.image[int(cy), int(cx + ax - 6)] > 90                          # face
    (wc, _, _) = lay["windows"][0]
    assert s.image[int(cy + wc[1]), int(cx + wc[0])] < 90                   # window bottom


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "blister"])
def test_strip_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_window_is_face_and_masked_whole():
    lay = layout_features("strip", (256, 256))
    for r in range(40):
        s = render_defect_sample((256, 256), "missing", rng=r, **KW)
        if s.defects[0].params["feature"] >= 6:
            break
    else:
        pytest.fail("no window left out in 40 parts")
    (wx, wy) = lay["windows"][s.defects[0].params["feature"] - 6][1]
    assert 0.9 * 4 * wx * wy < s.mask.sum() < 1.3 * 4 * (wx + 1) * (wy + 1)
    assert s.image[s.mask].mean() > 110


def test_strip_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_blister_mask_change_both_signs_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "blister"):
        s = render_defect_sample((256, 256), "blister", rng=r, **KW)
        twin = render_defect_sample((256, 256), "blister", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "blister", rng=r, contrast_scale=3.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "blister" and 12 <= spec.contrast <= 30 and 3 <= spec.size_px <= 7
        assert np.pi * 9 * 0.8 < s.mask.sum() < np.pi * 81 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=4)       # ring tail and optical blur
        assert np.abs(d[~near]).max() == 0
        assert d[s.mask].max() >= 5 and d[s.mask].min() <= -5     # a lit and a shaded flank
        # the bright flank faces the light
        (cx, cy), la = spec.center_xy, np.deg2rad(spec.params["light_deg"])
        yy, xx = np.nonzero(s.mask)
        toward = (xx - cx) * np.cos(la) + (yy - cy) * np.sin(la)
        assert d[yy, xx][toward > 1].mean() > 0 > d[yy, xx][toward < -1].mean()
        d3 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(3.0 * spec.contrast)
        ratio = np.abs(d3[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 2.5 < ratio < 3.5, ratio


def test_blister_ring_sometimes_and_pasted():
    rings = {render_defect_sample((128, 128), "blister", rng=r).defects[0].params["ring"]
             for r in range(12)}
    assert rings == {0.0, 1.0}
    check_pasted_on_a_face("blister")
