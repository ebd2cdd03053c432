"""The twelfth held-out configuration's generator pieces: texture ``woven``, layout ``bezel``
and the surface defect ``inclusion``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="bezel", texture="woven")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("woven") == 14 and LAYOUTS.index("bezel") == 13
    assert DEFECT_KINDS.index("inclusion") == 14 and SURFACE_KINDS.index("inclusion") == 12


def test_woven_texture_unit_deterministic_and_per_part():
    check_texture_contract("woven")


def _weave_period(t: np.ndarray) -> float:
    """The strongest spatial period (px) of ``t`` between 6 and 80 px (its power spectrum's
    peak, any direction)."""
    p = np.abs(np.fft.fft2(t - t.mean())) ** 2
    fy = np.fft.fftfreq(t.shape[0])[:, None]
    fx = np.fft.fftfreq(t.shape[1])[None, :]
    f = np.hypot(fx, fy)
    p[(f < 1 / 80) | (f > 1 / 6)] = 0
    return float(1.0 / f.flat[int(np.argmax(p))])


def test_woven_is_a_periodic_weave_of_streaked_tows_and_fast():
    from metrology.synth._textures_more import woven_texture

    for r in range(4):
        t = woven_texture((256, 256), rng=r)
        # the twill repeats every four tow widths (32-56 px) or shows the tow width (8-14 px)
        # or its twill diagonal in between: the strongest period lies within 5-60 px
        assert 5.0 <= _weave_period(t) <= 60.0
        # streaks and tows run along both axes: the 1 px lag correlation is high along
        # either axis and gone over a few tow widths
        lag = [np.corrcoef(t[:, :-k].ravel(), t[:, k:].ravel())[0, 1] for k in (1, 40)]
        lagy = [np.corrcoef(t[:-k].ravel(), t[k:].ravel())[0, 1] for k in (1, 40)]
        assert lag[0] > 0.4 and lagy[0] > 0.4 and abs(lag[1]) < 0.4 and abs(lagy[1]) < 0.4
    # warp and weft differ in brightness: the image splits into two levels when smoothed
    # along the tows (bimodal: the middle of the range is rarer than its flanks)
    t = ndimage.uniform_filter(woven_texture((256, 256), rng=5), 3)
    lo, mid, hi = np.quantile(t, [0.2, 0.5, 0.8])
    assert hi - lo > 0.8
    check_texture_fast("woven")


def test_woven_angle_within_ten_degrees_of_the_axes():
    from metrology.synth._textures_more import woven_texture

    angles = []
    for r in range(6):
        t = woven_texture((256, 256), rng=r)
        gy, gx = np.gradient(ndimage.gaussian_filter(t, 0.8))
        # the weave's edges and streaks run along its two (perpendicular) axes: the four-fold
        # mean orientation of the gradients (angle of the mean of (gx + i gy) ** 4, over 4)
        # is the weave's turn, at most 10 degrees from the image axes (the pixel grid biases
        # the estimate by up to about 2 degrees)
        angles.append(np.rad2deg(np.angle(np.mean((gx + 1j * gy) ** 4)) / 4.0))
    assert max(np.abs(angles)) <= 13.0, angles
    assert max(angles) - min(angles) > 5.0, angles                      # random per part


def test_bezel_layout_features_inside_the_plate():
    lay = layout_features("bezel", (256, 256))
    assert len(lay["holes"]) == 4 and len(lay["slots"]) == 2 and len(lay["windows"]) == 1
    hx, hy = lay["half"]
    (wc, (wx, wy), wr) = lay["windows"][0]
    assert wc == (0.0, 0.0) and 0 < wr < min(wx, wy)
    assert 0.40 < wx / hx < 0.50 and 0.30 < wy / hy < 0.40                # 45 % x 35 %
    for (cx, cy), r in lay["holes"]:                                        # near the corners
        assert abs(cx) > wx + r and abs(cy) > wy and abs(cx) + r < hx and abs(cy) + r < hy
        assert abs(cx) > 0.6 * hx and abs(cy) > 0.6 * hy
    assert len({(np.sign(c[0]), np.sign(c[1])) for c, _ in lay["holes"]}) == 4
    (c0, half0, r0, a0), (c1, half1, r1, a1) = lay["slots"]
    assert c0[0] == c1[0] < -wx and c0[1] < 0 < c1[1]                       # left, stacked
    for (cx, _cy), half, r, _ in lay["slots"]:
        assert -hx < cx - half - r and cx + half + r < -wx                  # short, left side
    assert lay["keep_windows"]


def test_bezel_renders_the_window_and_holes():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("bezel", (256, 256))
    cx, cy = 127.5, 127.5
    assert s.image[int(cy), int(cx)] < 90                                   # window bottom
    (hc, _) = lay["holes"][0]
    assert s.image[int(cy + hc[1]), int(cx + hc[0])] < 90                   # hole bottom
    (wc, (wx, wy), _) = lay["windows"][0]
    assert s.image[int(cy), int(cx + wx + 8)] > 90                          # face beside it


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "inclusion"])
def test_bezel_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_bezel_is_a_hole_or_slot_never_the_window():
    seen = set()
    for r in range(40):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        seen.add(s.defects[0].params["feature"])
        assert s.mask.sum() < 0.05 * s.mask.size                            # not the window
    assert seen == set(range(6))


def test_bezel_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_inclusion_is_local_dark_core_bright_halo_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "inclusion"):
        s = render_defect_sample((256, 256), "inclusion", rng=r, **KW)
        twin = render_defect_sample((256, 256), "inclusion", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "inclusion", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "inclusion" and 25 <= spec.contrast <= 50 and 3 <= spec.size_px <= 7
        assert 5 <= spec.params["vertices"] <= 8 and 2 <= spec.params["halo_px"] <= 3
        assert 1 <= s.mask.sum() <= 49 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=5)       # halo and optical blur
        assert np.abs(d[~near]).max() == 0                        # only near its mask
        assert d[s.mask].mean() <= -0.4 * spec.contrast           # dark core
        ring = ndimage.binary_dilation(s.mask, iterations=3) & \
            ~ndimage.binary_dilation(s.mask, iterations=1)
        assert 0 < d[ring].mean() < 0.4 * spec.contrast           # faint brighter halo
        assert d[ring].max() < 0.4 * spec.contrast
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_inclusion_is_irregular_and_pasted():
    areas = {int(render_defect_sample((128, 128), "inclusion", rng=r).mask.sum())
             for r in range(8)}
    assert len(areas) > 3                                          # sizes and shapes vary
    check_pasted_on_a_face("inclusion")
