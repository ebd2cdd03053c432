"""The fifteenth held-out configuration's generator pieces: texture ``scaled``, layout
``keyplate`` and the surface defect ``burn``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="keyplate", texture="scaled")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("scaled") == 17 and LAYOUTS.index("keyplate") == 16
    assert DEFECT_KINDS.index("burn") == 17 and SURFACE_KINDS.index("burn") == 15


def test_scaled_texture_unit_deterministic_per_part_and_fast():
    check_texture_contract("scaled")
    check_texture_fast("scaled")


def test_scaled_has_flakes_with_sharp_edges_and_streaks_along_one_direction():
    from metrology.synth._textures_more2 import scaled_texture

    for r in range(4):
        t = scaled_texture((256, 256), rng=r)
        # flakes: a coarse level shows through (pixels 8 px apart still correlate) ...
        lag8 = np.corrcoef(t[:, :-8].ravel(), t[:, 8:].ravel())[0, 1]
        assert lag8 > 0.3, lag8
        # ... with sharp edges: some neighbour steps are far larger than the grain's
        step = np.abs(np.diff(t, axis=1))
        assert np.percentile(step, 99.5) > 4 * np.median(step)
        # a few dozen flakes: the face smoothed over 3 px splits into many level patches
        sm = ndimage.gaussian_filter(t, 3.0)
        n_hi = ndimage.label(sm > np.percentile(sm, 70))[1]
        assert 5 <= n_hi <= 120, n_hi
        # a lay: the streaks make the fine structure tensor coherent along one direction
        gy, gx = np.gradient(ndimage.gaussian_filter(t, 1.0))
        jxx, jyy, jxy = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
        assert np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy) > 0.1


def test_keyplate_layout_features_inside_the_plate():
    lay = layout_features("keyplate", (256, 256))
    hx, hy = lay["half"]
    assert len(lay["holes"]) == 4 and len(lay["slots"]) == 1 and len(lay["windows"]) == 1
    assert len(lay["sinks"]) == 2 and lay["keep_windows"] and lay["keep_slots"]
    for (cx, cy), bore, ring, tag in lay["sinks"]:                  # counterbores at the top
        assert tag == "counterbore" and bore < ring and cy < -0.1 * hy
        assert abs(cx) + ring < hx and abs(cy) + ring < hy
    assert lay["sinks"][0][0][0] < 0 < lay["sinks"][1][0][0]
    ((kx, ky), (rx, ry), kr) = lay["windows"][0]                    # the keyhole's round hole
    assert rx == ry == kr and kx == 0.0
    (sx, sy), half, sr, ang = lay["slots"][0]                       # its narrower slot, down
    assert sx == kx and ang == 90.0 and sr < kr and sy - half <= ky < sy
    xs = [c[0] for c, _ in lay["holes"]]
    assert xs == sorted(xs) and all(c[1] > sy + half + sr for c, _ in lay["holes"])
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx and abs(cy) + r < hy and r < sr


def test_keyplate_renders_counterbores_keyhole_and_holes():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("keyplate", (256, 256))
    c = 127.5
    for (cx, cy), bore, ring, _ in lay["sinks"]:
        assert s.image[int(c + cy), int(c + cx)] < 90                  # the bore
        on = s.image[int(c + cy), int(c + cx + 0.5 * (bore + ring))]    # the flat ring: face
        assert 90 < on
    (kx, ky), _, _ = lay["windows"][0]
    assert s.image[int(c + ky), int(c + kx)] < 90
    (sx, sy), half, _, _ = lay["slots"][0]
    assert s.image[int(c + sy + 0.8 * half), int(c + sx)] < 90
    for (hc, _) in lay["holes"]:
        assert s.image[int(c + hc[1]), int(c + hc[0])] < 90
    assert s.image[int(c + 0.1 * 256), int(c + 0.2 * 256)] > 110       # face beside the slot


def test_counterbore_ring_is_shallower_than_a_countersink():
    from metrology.synth._textures_more import sink_shading

    u, v = np.meshgrid(np.arange(-20.0, 21.0), np.arange(-20.0, 21.0))
    cone, cone_slope = sink_shading(u, v, {"sinks": [((0.0, 0.0), 5.0, 15.0)]})
    flat, flat_slope = sink_shading(u, v, {"sinks": [((0.0, 0.0), 5.0, 15.0, "counterbore")]})
    assert flat.max() == pytest.approx(0.5) and cone.max() == pytest.approx(1.0)
    mid = np.abs(np.hypot(u, v) - 10.0) < 2.0                         # the floor: not shaded
    assert np.abs(flat_slope[mid]).max() == 0 and np.abs(cone_slope[mid]).max() > 0.3
    assert np.abs(flat_slope).max() > 0.3                             # the wall is


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "burn"])
def test_keyplate_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_keyplate_is_a_small_hole():
    seen = set()
    for r in range(30):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        seen.add(s.defects[0].params["feature"])
        assert s.defects[0].params["half_length_px"] == 0.0             # a hole, not a slot
    assert seen == {0, 1, 2, 3}


def test_keyplate_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_burn_is_local_both_signs_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "burn"):
        s = render_defect_sample((256, 256), "burn", rng=r, **KW)
        twin = render_defect_sample((256, 256), "burn", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "burn", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "burn" and 12 <= spec.contrast <= 30
        assert 6 <= spec.size_px <= 18 and 0 < spec.params["ring_px"] < 0.3 * spec.size_px
        assert s.mask.sum() >= 20 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=5)
        assert np.abs(d[~near]).max() == 0                         # only near its mask
        assert d[s.mask].max() >= 3 and d[s.mask].min() <= -5      # brighter ring, darker core
        ys, xs = np.nonzero(s.mask)
        (cx, cy) = spec.center_xy
        rr = np.hypot(xs - cx, ys - cy)
        assert rr.max() <= 1.2 * spec.size_px                      # within its outer radius
        # the darker core in the middle, the brighter ring further out
        assert rr[d[s.mask] < 0].mean() < rr[d[s.mask] > 0].mean()
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_burn_takes_fixed_parameters_and_is_pasted():
    s = render_defect_sample((128, 128), "burn", rng=0, layout="face",
                             defect_params={"radius_px": 10.0, "contrast": 20.0})
    assert s.defects[0].size_px == 10.0 and s.defects[0].contrast == 20.0
    from metrology.errors import InputError

    with pytest.raises(InputError):
        render_defect_sample((128, 128), "burn", rng=0, defect_params={"radius_px": -3.0})
    check_pasted_on_a_face("burn")
