"""The thirteenth held-out configuration's generator pieces: texture ``painted``, layout
``panel`` and the surface defect ``corrosion``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="panel", texture="painted")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("painted") == 15 and LAYOUTS.index("panel") == 14
    assert DEFECT_KINDS.index("corrosion") == 15 and SURFACE_KINDS.index("corrosion") == 13


def test_painted_texture_unit_deterministic_per_part_and_fast():
    check_texture_contract("painted")
    check_texture_fast("painted")


def test_painted_is_smooth_peel_with_sparse_bright_flakes():
    from metrology.synth._textures_more import painted_texture

    lights = []
    for r in range(6):
        t = painted_texture((256, 256), rng=r)
        # flakes: isolated bright pixels far above the smooth peel, on 0.5-2 % of the pixels
        # (a flake of two pixels and the 0.5 px blur give a few more above the bar)
        peel = ndimage.median_filter(t, 5)
        bright = (t - peel) > 1.0
        assert 0.002 < bright.mean() < 0.05, bright.mean()
        # the peel (flakes removed) is smooth: correlated over a few px, not over 60 px
        lag = [np.corrcoef(peel[:, :-k].ravel(), peel[:, k:].ravel())[0, 1] for k in (2, 60)]
        assert lag[0] > 0.7 and abs(lag[1]) < 0.4, lag
        # it is shading: its slope lies along one light direction (the gradient's mean
        # orientation, two-fold), random per part
        gy, gx = np.gradient(ndimage.gaussian_filter(peel, 2.0))
        lights.append(np.rad2deg(np.angle(np.mean((gx + 1j * gy) ** 2)) / 2.0))
    assert max(lights) - min(lights) > 20.0, lights


def test_panel_layout_features_inside_the_plate():
    lay = layout_features("panel", (256, 256))
    hx, hy = lay["half"]
    assert len(lay["holes"]) == 7 and lay["slots"] == [] and len(lay["windows"]) == 1
    (wc, (wx, wy), wr) = lay["windows"][0]
    assert wc[1] < 0 and 0 < wr < 0.3 * min(wx, wy) and wx > wy        # upper half, oblong
    (m0, r0), (m1, r1) = lay["holes"][:2]                                # mounting holes
    assert m0[0] < -wx < wx < m1[0] and m0[1] == m1[1] == wc[1] and r0 == r1
    vents = lay["holes"][2:]
    ys = {c[1] for c, _ in vents}
    assert len(ys) == 1 and ys.pop() > 0.2 * hy                          # a row at the bottom
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx and abs(cy) + r < hy
    [((sx, sy), bore, ring)] = lay["sinks"]
    assert sx > wx and bore > max(r for _, r in lay["holes"]) and ring > bore
    assert sx + ring < hx and lay["keep_windows"]


def test_panel_renders_the_cut_out_holes_and_countersink():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("panel", (256, 256))
    cx, cy = 127.5, 127.5
    (wc, (wx, wy), _) = lay["windows"][0]
    assert s.image[int(cy + wc[1]), int(cx + wc[0])] < 90                # cut-out bottom
    (vc, _) = lay["holes"][3]
    assert s.image[int(cy + vc[1]), int(cx + vc[0])] < 90                # vent hole bottom
    [((sx, sy), bore, ring)] = lay["sinks"]
    assert s.image[int(cy + sy), int(cx + sx)] < 90                      # countersunk bore
    # the chamfer ring is a shallow step: darker than the face beside it, lighter than a hole
    yy, xx = np.mgrid[0:256, 0:256]
    rr = np.hypot(xx - (cx + sx), yy - (cy + sy))
    on = (rr > bore + 2) & (rr < ring - 2)
    off = (rr > ring + 3) & (rr < ring + 8)
    assert 90 < s.image[on].mean() < s.image[off].mean() - 5


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "corrosion"])
def test_panel_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_panel_is_a_mounting_or_vent_hole():
    seen = set()
    for r in range(40):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        seen.add(s.defects[0].params["feature"])
        assert s.mask.sum() < 0.03 * s.mask.size           # never the cut-out or countersink
    assert seen == set(range(7))


def test_panel_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_corrosion_is_local_darker_inside_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "corrosion"):
        s = render_defect_sample((256, 256), "corrosion", rng=r, **KW)
        twin = render_defect_sample((256, 256), "corrosion", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "corrosion", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "corrosion" and -30 <= spec.contrast <= -10
        assert 8 <= spec.size_px <= 20
        assert 10 <= s.mask.sum() <= 500 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=8)   # the oxide rim and the blur
        assert np.abs(d[~near]).max() == 0                     # only near its mask
        assert d[s.mask].mean() <= 0.7 * spec.contrast         # darker inside on average
        assert d[s.mask].min() < 1.5 * spec.contrast           # dark pits below the patch
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_corrosion_outline_is_irregular_and_pasted():
    areas = set()
    for r in range(8):
        s = render_defect_sample((128, 128), "corrosion", rng=r)
        areas.add(int(s.mask.sum()))
        # irregular: the patch fills clearly less than its bounding disc
        ys, xs = np.nonzero(s.mask)
        rad = np.hypot(xs - xs.mean(), ys - ys.mean()).max() + 0.5
        assert s.mask.sum() < 0.95 * np.pi * rad ** 2
    assert len(areas) > 3                                      # sizes and shapes vary
    check_pasted_on_a_face("corrosion")
