"""The sixteenth held-out configuration's generator pieces: texture ``treadplate``, layout
``hinge`` and the surface defect ``crazing``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="hinge", texture="treadplate")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("treadplate") == 18 and LAYOUTS.index("hinge") == 17
    assert DEFECT_KINDS.index("crazing") == 18 and SURFACE_KINDS.index("crazing") == 16


def test_treadplate_texture_unit_deterministic_per_part_and_fast():
    check_texture_contract("treadplate")
    check_texture_fast("treadplate")


def _radial_power(t):
    """Power of ``t`` (square) by the integer radius of its spatial frequency (cycles per
    image side)."""
    n = t.shape[0]
    p = np.abs(np.fft.fft2(t * np.outer(np.hanning(n), np.hanning(n)))) ** 2
    f = np.fft.fftfreq(n) * n
    k = np.rint(np.hypot(f[:, None], f[None, :])).astype(int)
    return np.bincount(k.ravel(), p.ravel())[: n // 2] / np.bincount(k.ravel())[: n // 2]


def test_treadplate_has_a_spectral_peak_at_its_lattice_period():
    from metrology.synth._textures_more2 import tread_params, treadplate_texture

    for r in range(4):
        p = tread_params(np.random.default_rng(r))        # the texture's first draws
        assert 14 <= p["period"] <= 24 and 4 <= p["width"] <= 6 and 14 <= p["length"] <= 22
        t = treadplate_texture((256, 256), rng=r)
        power = _radial_power(t)
        k0 = 256 / p["period"]                              # the lattice's frequency
        near = power[int(np.floor(k0)) - 1:int(np.ceil(k0)) + 2].max()
        band = power[6:100]                                 # above the slow mottling
        assert near > 30 * np.median(band), (r, near / np.median(band))
        # and the strongest line of the band is the lattice's, or one of its first harmonics
        # (the checker's alternating orientations add lines at |(1, 1/2)|, |(1, 1)|, |(3/2, 1/2)|
        # x k0)
        top = 6 + int(np.argmax(band))
        lines = (1, np.sqrt(1.25), np.sqrt(2), np.sqrt(2.5), 2)
        assert min(abs(top - m * k0) for m in lines) <= 1.5, (r, top)


def test_treadplate_lozenges_alternate_and_are_lit_from_one_side():
    from metrology.synth._textures_more2 import _lozenge_relief, tread_params

    g = np.random.default_rng(3)
    p = tread_params(g)
    relief = _lozenge_relief(g, 200, 200, p)
    lab, n = ndimage.label(relief > 0.05)
    # a lozenge each per period squared, apart (not merged into a network)
    assert 0.6 * 200 ** 2 / p["period"] ** 2 < n < 1.6 * 200 ** 2 / p["period"] ** 2
    sizes = ndimage.sum(np.ones_like(relief), lab, np.arange(1, n + 1))
    assert np.median(sizes) < 1.3 * p["length"] * p["width"]
    # two orientations about 90 degrees apart, in equal shares
    ang = []
    for sl in ndimage.find_objects(lab):
        ys, xs = np.nonzero(lab[sl] > 0)
        if len(ys) > 0.5 * p["length"] * p["width"]:
            cov = np.cov(np.c_[xs, ys].T)
            w, v = np.linalg.eigh(cov)
            ang.append(np.degrees(np.arctan2(v[1, 1], v[0, 1])) % 180)
    ang = np.array(ang)
    a0 = np.degrees(p["rot"] + p["first"]) % 180
    d = np.abs((ang - a0 + 90) % 180 - 90)
    assert 0.35 < np.mean(d < 20) < 0.65 and np.mean((d < 20) | (d > 70)) > 0.9


def test_hinge_layout_features_inside_the_plate():
    lay = layout_features("hinge", (256, 256))
    hx, hy = lay["half"]
    assert len(lay["holes"]) == 2 and len(lay["slots"]) == 1 and len(lay["windows"]) == 3
    assert lay["keep_windows"] and lay["keep_slots"] and "sinks" not in lay
    for ((cx, cy), (wx, wy), r) in lay["windows"]:                  # knuckles along the top
        assert cy < -0.25 * hy * 2 and abs(cy) + wy < hy and abs(cx) + wx < hx and r < wy
    xs = [c[0] for c, _, _ in lay["windows"]]
    assert xs == sorted(xs) and np.allclose(np.diff(xs), np.diff(xs)[0])
    (sx, sy), half, sr, ang = lay["slots"][0]                       # the stadium window
    assert (sx, sy) == (0.0, 0.0) and ang == 0.0 and half > sr > 10
    assert len(lay["cones"]) == 2
    for ((cx, cy), r), ((kx, ky), kr, out, tag) in zip(lay["holes"], lay["cones"]):
        assert (cx, cy, r) == (kx, ky, kr) and tag == "ramp" and out > 1.5 * r
        assert cy > sy + sr + out and abs(cx) + out < hx and abs(cy) + out < hy
    assert lay["holes"][0][0][0] < 0 < lay["holes"][1][0][0]


def test_hinge_renders_knuckles_window_and_countersinks():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("hinge", (256, 256))
    c = 127.5
    for (cx, cy), _, _ in lay["windows"]:
        assert s.image[int(c + cy), int(c + cx)] < 90
    (sx, sy), half, _, _ = lay["slots"][0]
    assert s.image[int(c + sy), int(c + sx + 0.8 * half)] < 90
    for (cx, cy), _ in lay["holes"]:
        assert s.image[int(c + cy), int(c + cx)] < 90                     # the bore
    assert s.image[int(c - 0.15 * 256), int(c)] > 100                     # face between


def test_countersink_ramp_is_soft_and_falls_to_nothing():
    from metrology.synth._textures_more import sink_shading

    u, v = np.meshgrid(np.arange(-20.0, 21.0), np.arange(-20.0, 21.0))
    cone, _ = sink_shading(u, v, {"sinks": [((0.0, 0.0), 5.0, 15.0)]})
    ramp, slope = sink_shading(u, v, {"cones": [((0.0, 0.0), 5.0, 15.0, "ramp")]})
    rr = np.hypot(u, v)
    assert ramp.max() <= 1.0 and ramp[(rr > 6) & (rr < 7)].min() > 0.8
    assert ramp[rr >= 15].max() < 1e-9 and 0.3 < ramp[np.abs(rr - 10) < 0.5].mean() < 0.7
    assert cone[np.abs(rr - 13) < 0.5].min() == pytest.approx(1.0)     # the cone has an edge
    assert np.abs(slope[np.abs(rr - 8) < 1]).max() > 0.3


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "crazing"])
def test_hinge_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_hinge_is_a_countersunk_hole_with_its_cone():
    seen = set()
    for r in range(16):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.params["half_length_px"] == 0.0                     # a hole, not the window
        # the mask covers the cone too (its outer radius, not the bore's)
        assert s.mask.sum() > np.pi * (1.5 * spec.size_px) ** 2
    assert seen == {0, 1}


def test_hinge_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_crazing_is_local_darker_on_its_cracks_and_contrast_scale():
    # the same check of every seed: 6 under --runslow, two of them by default
    for r in sample(range(6), 2, "crazing"):
        s = render_defect_sample((256, 256), "crazing", rng=r, **KW)
        twin = render_defect_sample((256, 256), "crazing", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "crazing", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "crazing" and -22 <= spec.contrast <= -10
        assert 8 <= spec.size_px <= 20 and 3 <= spec.params["cell_px"] <= 7
        assert s.mask.sum() >= 40 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() == 0                          # only near its mask
        cracks = s.mask & (np.abs(d) >= 3)
        assert cracks.sum() >= 15 and np.mean(d[cracks] < 0) > 0.9   # darker on its cracks
        assert cracks.sum() < 0.7 * s.mask.sum()                     # lines, not a blotch
        ys, xs = np.nonzero(s.mask)
        cx, cy = spec.center_xy
        assert np.hypot(xs - cx, ys - cy).max() <= 1.35 * spec.size_px + 1
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_crazing_cracks_form_a_connected_network_of_small_cells():
    s = render_defect_sample((256, 256), "crazing", rng=4, layout="face", texture="blasted",
                             texture_amplitude=0.0, noise_sigma=0.0,
                             defect_params={"radius_px": 18.0, "contrast": 20.0})
    twin = render_defect_sample((256, 256), "crazing", rng=4, layout="face",
                                texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
                                defect_params={"radius_px": 18.0, "contrast": 20.0},
                                contrast_scale=1e-6)
    d = s.image.astype(float) - twin.image.astype(float)
    cx, cy = s.defects[0].center_xy
    yy, xx = np.mgrid[0:256, 0:256]
    inner = np.hypot(xx - cx, yy - cy) < 8
    crack = d <= -5
    lab, n = ndimage.label(crack & inner)
    assert n <= 3                                           # the lines meet: one network
    cells, m = ndimage.label(~crack & inner)
    assert m >= 4                                           # enclosing several small cells


def test_crazing_takes_fixed_parameters_and_is_pasted():
    s = render_defect_sample((128, 128), "crazing", rng=0, layout="face",
                             defect_params={"radius_px": 12.0, "contrast": 15.0})
    assert s.defects[0].size_px == 12.0 and s.defects[0].contrast == -15.0
    from metrology.errors import InputError

    for bad in ({"radius_px": -3.0}, {"radius_px": float("nan")}, {"cell": 3.0}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "crazing", rng=0, defect_params=bad)
    check_pasted_on_a_face("crazing")
