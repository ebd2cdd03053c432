"""The seventeenth held-out configuration's generator pieces: texture ``hammered``, layout
``louvre`` and the surface defect ``drip``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="louvre", texture="hammered")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("hammered") == 19 and LAYOUTS.index("louvre") == 18
    assert DEFECT_KINDS.index("drip") == 19 and SURFACE_KINDS.index("drip") == 17


def test_hammered_texture_unit_deterministic_per_part_and_fast():
    check_texture_contract("hammered")
    check_texture_fast("hammered")


def test_hammered_facets_are_round_dishes_of_the_right_size():
    from metrology.synth._textures_more2 import hammer_relief

    for r in range(3):
        relief = hammer_relief(np.random.default_rng(r), 256, 256)
        assert np.isfinite(relief).all()
        # each facet is a bowl: its own local minimum; facets from their basins (the lowest
        # point's region of the relief's creases)
        lows = (relief == ndimage.minimum_filter(relief, size=9)) & (relief < 0)
        lab, n = ndimage.label(lows)
        assert 30 <= n <= 130, n                       # a few dozen facets on the face
        # the creases: where the slope turns sharply (second difference large), thin lines
        lap = np.abs(ndimage.laplace(relief))
        smooth = np.median(lap)
        creases = lap > 5 * smooth
        assert 0.02 < creases.mean() < 0.3
        # facets 12-40 px across: the basins cut by the creases
        cells, m = ndimage.label(~ndimage.binary_dilation(creases))
        sizes = ndimage.sum(np.ones_like(relief), cells, np.arange(1, m + 1))
        big = sizes[sizes > 30]
        diam = 2 * np.sqrt(np.median(big) / np.pi)
        assert 12 <= diam <= 40, diam


def test_hammered_is_lit_from_one_side_over_a_fine_grain():
    t = check_texture_contract("hammered")
    # not a pure grain: most of the variance is in structures several px wide
    smooth = ndimage.gaussian_filter(t, 1.5)
    assert smooth.std() > 0.6
    # isotropic on the whole (no lay): the spread of the x and y gradients within a factor 2.5
    gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
    assert 0.4 < gx.std() / gy.std() < 2.5


def test_louvre_layout_features_inside_the_plate():
    lay = layout_features("louvre", (256, 256))
    hx, hy = lay["half"]
    assert len(lay["holes"]) == 2 and len(lay["slots"]) == 5 and len(lay["windows"]) == 1
    assert lay["keep_windows"] and lay["keep_slots"] and "sinks" not in lay
    angles = {ang for _, _, _, ang in lay["slots"]}
    assert len(angles) == 1 and abs(90.0 - angles.pop()) == pytest.approx(20.0)  # parallel
    xs = [c[0] for c, _, _, _ in lay["slots"]]
    assert xs == sorted(xs) and np.allclose(np.diff(xs), np.diff(xs)[0])
    for (cx, cy), half, r, _ in lay["slots"]:
        assert abs(cx) < 0.3 * 256 and abs(cy) + half < hy and 2 * r < 0.5 * np.diff(xs)[0]
    (wx, wy), (whx, why), wr = lay["windows"][0]                  # the window at the right
    assert wx > max(xs) + 0.15 * 256 and wx + whx < hx and why < hy and wr < whx
    (ax, ay), ra = lay["holes"][0]
    (bx, by), rb = lay["holes"][1]
    assert ax < 0 and ay < 0 and bx > 0 and by > 0                 # upper left, lower right
    assert abs(ax) + ra < hx and abs(by) + rb < hy


def test_louvre_renders_slots_window_and_holes():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("louvre", (256, 256))
    c = 127.5
    for (cx, cy), _, _, _ in lay["slots"]:
        assert s.image[int(c + cy), int(c + cx)] < 90
        assert s.image[int(c + cy), int(c + cx + 10)] > 100            # face between louvres
    (wx, wy), _, _ = lay["windows"][0]
    assert s.image[int(c + wy), int(c + wx)] < 90
    for (cx, cy), _ in lay["holes"]:
        assert s.image[int(c + cy), int(c + cx)] < 90


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "drip"])
def test_louvre_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_louvre_is_a_mounting_hole():
    seen = set()
    for r in range(16):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.params["half_length_px"] == 0.0                    # a hole, never a louvre
    assert seen == {0, 1}


def test_louvre_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _aspect(mask):
    ys, xs = np.nonzero(mask)
    ev = np.linalg.eigvalsh(np.cov(np.c_[xs, ys].T))
    return float(np.sqrt(ev[1] / ev[0]))


def test_drip_is_local_brighter_with_a_darker_rim_elongated_and_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "drip"):
        s = render_defect_sample((256, 256), "drip", rng=r, **KW)
        twin = render_defect_sample((256, 256), "drip", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "drip", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "drip" and 14 <= spec.contrast <= 30
        assert 15 <= spec.size_px <= 40 and 3 <= spec.params["width_px"] <= 7
        assert s.mask.sum() >= 40 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() == 0                             # only near its mask
        assert (d[s.mask] >= 0.5 * spec.contrast).sum() >= 5            # brighter (glossy)
        assert (d[s.mask] <= -3).sum() >= 3                             # and a darker rim
        assert d[s.mask].sum() > 0                                      # brighter on the whole
        assert _aspect(s.mask) >= 2.0                                   # elongated
        ys, xs = np.nonzero(s.mask)
        cx, cy = spec.center_xy
        assert np.hypot(xs - cx, ys - cy).max() <= 0.5 * spec.size_px + spec.params["width_px"]
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_drip_narrows_from_its_head_along_its_direction():
    s = render_defect_sample((256, 256), "drip", rng=4, layout="face", texture="blasted",
                             texture_amplitude=0.0, noise_sigma=0.0,
                             defect_params={"length_px": 36.0, "width_px": 7.0,
                                            "contrast": 30.0, "angle_deg": 30.0})
    twin = render_defect_sample((256, 256), "drip", rng=4, layout="face", texture="blasted",
                                texture_amplitude=0.0, noise_sigma=0.0, contrast_scale=1e-6,
                                defect_params={"length_px": 36.0, "width_px": 7.0,
                                               "contrast": 30.0, "angle_deg": 30.0})
    d = s.image.astype(float) - twin.image.astype(float)
    cx, cy = s.defects[0].center_xy
    ca, sa = np.cos(np.deg2rad(30.0)), np.sin(np.deg2rad(30.0))
    yy, xx = np.mgrid[0:256, 0:256]
    along = (xx - cx) * ca + (yy - cy) * sa + 18.0                  # 0 at the head's centre
    bright = d >= 8
    widths = [bright[np.abs(along - a) < 1.5].sum() for a in (2.0, 14.0, 26.0)]
    assert widths[0] > widths[1] > widths[2] > 0, widths              # a teardrop
    assert _aspect(bright) > 3


def test_drip_takes_fixed_parameters_and_is_pasted():
    s = render_defect_sample((128, 128), "drip", rng=0, layout="face",
                             defect_params={"length_px": 20.0, "width_px": 5.0,
                                            "contrast": 18.0})
    spec = s.defects[0]
    assert spec.size_px == 20.0 and spec.params["width_px"] == 5.0 and spec.contrast == 18.0
    from metrology.errors import InputError

    for bad in ({"length_px": -3.0}, {"width_px": float("nan")}, {"head": 3.0},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "drip", rng=0, defect_params=bad)
    check_pasted_on_a_face("drip")
