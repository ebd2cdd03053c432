"""The twentieth held-out configuration's generator pieces: texture ``anodised``, layout
``quadrant`` and the surface defect ``swarf``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="quadrant", texture="anodised")
#: a bare face, no texture, noise, lighting or placement: a defect's own change shows
BARE = dict(layout="face", texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
            lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("anodised") == 22 and LAYOUTS.index("quadrant") == 21
    assert DEFECT_KINDS.index("swarf") == 22 and SURFACE_KINDS.index("swarf") == 20
    # held-out 19's names stay where they were
    assert TEXTURES.index("strandmat") == 21 and LAYOUTS.index("perforated") == 20
    assert DEFECT_KINDS.index("watermark") == 21


def test_anodised_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more3 import anodised_texture

    check_texture_contract("anodised")
    check_texture_fast("anodised")
    for bad in (dict(shape=(0, 5)), dict(shape=(5,)), dict(angle_deg=float("nan")),
                dict(angle_deg="along"), dict(rng=-1)):
        args = dict(shape=(32, 32), rng=0, angle_deg=0.0) | bad
        with pytest.raises(InputError):
            anodised_texture(args.pop("shape"), **args)


def _coherence(t, blur):
    """Coherence (0: no direction, 1: one) and doubled-angle orientation (degrees, halved) of
    the gradients of ``t`` (smoothed by a Gaussian of ``blur`` px first, 0: none), summed
    over the whole image."""
    if blur:
        t = ndimage.gaussian_filter(t, blur, mode="wrap")
    gx, gy = ndimage.sobel(t, 1, mode="wrap"), ndimage.sobel(t, 0, mode="wrap")
    jxx, jyy, jxy = (gx * gx).sum(), (gy * gy).sum(), (gx * gy).sum()
    return np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy), np.rad2deg(np.arctan2(2 * jxy,
                                                                            jxx - jyy)) / 2


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, -60.0])
def test_anodised_is_isotropic_finely_and_lined_coarsely_along_its_die_direction(angle):
    from metrology.synth._textures_more3 import anodised_texture

    for r in range(3):
        t = anodised_texture((256, 256), rng=r, angle_deg=angle)
        fine, _ = _coherence(t, 0.0)
        coarse, across = _coherence(t, 3.0)
        # the satin etch: no direction in the finest gradients (brushed: 0.97)
        assert fine < 0.15, (r, fine)
        # seen 3 px blurred, the die lines: one direction, the gradients across the lines
        assert coarse > 0.35, (r, coarse)
        off = (across - (angle + 90.0) + 90.0) % 180.0 - 90.0     # modulo 180 degrees
        assert abs(off) < 6.0, (r, across)
    ref = make_texture("blasted", (256, 256), np.random.default_rng(0), 0.0)
    assert _coherence(ref, 3.0)[0] < 0.1                     # an isotropic grain has no lines


def test_anodised_pits_are_dark_and_sparse():
    from metrology.synth._textures_more3 import PIT_AREA_PX

    for r in range(3):
        t = make_texture("anodised", (256, 256), np.random.default_rng(r), 0.0)
        low, high = (t < -3.5).mean(), (t > 3.5).mean()
        # a dark tail ten times a Gaussian's (0.00023), with no bright one to match
        assert low > 2.3e-3 and high < 0.25 * low, (r, low, high)
        # sparse: the deep ones are isolated small spots, fewer than one per PIT_AREA_PX px
        lab, n = ndimage.label(t < -3.5)
        assert 10 < n < 256 * 256 / PIT_AREA_PX, (r, n)
        assert np.bincount(lab.ravel())[1:].max() <= 12, r


def test_quadrant_layout_is_a_bore_an_arc_of_straight_pieces_and_three_holes():
    from metrology.synth._textures_more3 import ARC_PIECES, ARC_RADIUS, ARC_SPAN_DEG

    s = 256.0
    lay = layout_features("quadrant", (256, 256))
    assert len(lay["holes"]) == 4 and len(lay["slots"]) == ARC_PIECES and "windows" not in lay
    assert lay["keep_slots"] and not lay.get("keep_windows")
    (bx, by), bore = lay["holes"][0]
    assert bore == pytest.approx(0.06 * s) and bx < 0 < by            # lower left
    hx, hy = lay["half"]
    ends = []
    for (cx, cy), half, r, ang in lay["slots"]:
        assert r == pytest.approx(0.03 * s)
        polar = np.rad2deg(np.arctan2(cy - by, cx - bx))
        assert ARC_SPAN_DEG[0] < polar < ARC_SPAN_DEG[1]
        # each piece a chord of the arc: its middle on the arc to 0.001 s, along the tangent
        assert abs(np.hypot(cx - bx, cy - by) - ARC_RADIUS * s) < 0.001 * s
        assert ang == pytest.approx(polar + 90.0)
        a = np.deg2rad(ang)
        for sg in (-1.0, 1.0):
            ex, ey = cx + sg * half * np.cos(a), cy + sg * half * np.sin(a)
            assert np.hypot(ex - bx, ey - by) == pytest.approx(ARC_RADIUS * s)
            ends.append((ex, ey))
        assert abs(cx) + half + r < hx and abs(cy) + half + r < hy
    # consecutive pieces meet end to end (the far end of one, the near end of the next):
    # one unbroken curved slot
    ends = np.array(ends)
    assert np.allclose(ends[1:-1:2], ends[2::2])
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx and abs(cy) + r < hy
        # every hole clear of every piece of the arc by more than a slot's width
        for (sx, sy), half, sr, ang in lay["slots"]:
            a = np.deg2rad(ang)
            t = np.clip((cx - sx) * np.cos(a) + (cy - sy) * np.sin(a), -half, half)
            gap = np.hypot(cx - sx - t * np.cos(a), cy - sy - t * np.sin(a)) - r - sr
            assert gap > 0.06 * s, ((cx, cy), gap)


def test_quadrant_renders_a_smooth_curved_slot_holes_and_face():
    from metrology.synth._textures_more3 import ARC_RADIUS, ARC_SPAN_DEG

    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("quadrant", (256, 256))
    c = 127.5
    (bx, by), _ = lay["holes"][0]
    for (cx, cy), _ in lay["holes"]:
        assert s.image[int(round(c + cy)), int(round(c + cx))] < 90
    radius, r = ARC_RADIUS * 256, 0.03 * 256

    def at(rad, deg):
        t = np.deg2rad(deg)
        return s.image[int(round(c + by + rad * np.sin(t))), int(round(c + bx + rad * np.cos(t)))]

    # along the arc every 1.5 degrees (the pieces' joints included): slot; beside it: face
    for deg in np.arange(ARC_SPAN_DEG[0], ARC_SPAN_DEG[1] + 0.1, 1.5):
        assert at(radius, deg) < 90, deg
        assert at(radius - r - 4, deg) > 90 and at(radius + r + 4, deg) > 90, deg
    # past its ends: face
    for deg in (ARC_SPAN_DEG[0] - 12, ARC_SPAN_DEG[1] + 12):
        assert at(radius, deg) > 90, deg


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "swarf"])
def test_quadrant_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_quadrant_is_a_hole_never_the_arc():
    seen = set()
    for r in range(24):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.params["half_length_px"] == 0.0
        assert min(abs(spec.size_px - 0.06 * 128), abs(spec.size_px - 0.035 * 128)) < 1e-9
    assert seen == set(range(4))


def test_quadrant_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_swarf_is_local_brighter_and_follows_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "swarf"):
        s = render_defect_sample((256, 256), "swarf", rng=r, **KW)
        twin = render_defect_sample((256, 256), "swarf", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "swarf", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "swarf" and 20 <= spec.contrast <= 40
        assert 3 <= spec.size_px <= 8 and 0.5 <= spec.params["width_px"] <= 0.8
        assert 0.8 <= spec.params["turns"] <= 1.4 and s.mask.sum() >= 15
        assert np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=2)
        assert np.abs(d[~near]).max() <= 2                       # nothing off the curl
        assert d[s.mask].max() > 0.6 * spec.contrast             # the bright metal
        assert d[s.mask].min() > -0.7 * spec.contrast            # its shadow only half as dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


@pytest.mark.parametrize("light", [0.0, 90.0, 200.0, 300.0])
def test_swarf_is_a_thin_spiral_curl_shadowed_away_from_the_light(light):
    for r in range(3):
        p = {"radius_px": 7.0, "width_px": 0.7, "contrast": 30.0, "light_deg": light}
        s = render_defect_sample((128, 128), "swarf", rng=r, defect_params=p, **BARE)
        twin = render_defect_sample((128, 128), "swarf", rng=r, defect_params=p,
                                    contrast_scale=1e-6, **BARE)
        dark_chip = render_defect_sample((128, 128), "swarf", rng=r, **BARE,
                                         defect_params=p | {"contrast": -30.0})
        d = s.image.astype(float) - twin.image.astype(float)
        spec = s.defects[0]
        (cx, cy), q = spec.center_xy, spec.params
        bright, dark = d > 0.25 * 30.0, d < -0.25 * 15.0
        ys, xs = np.nonzero(bright)
        # a curl about its centre: bright all round it (0.8 turns or more), not a line
        sector = (np.mod(np.arctan2(ys - cy, xs - cx), 2 * np.pi) / (2 * np.pi) * 12)
        assert len(np.unique(sector.astype(int))) >= 11, r
        # a spiral, not a ring: its radius falls from R to 0.5-0.7 R
        rad = np.hypot(xs - cx, ys - cy)
        assert rad.max() < 7.0 + 1.5 and rad.max() > 6.5 and rad.min() < 0.7 * 7.0, r
        # thin: its area is its length (R sweep (1 - tightening / 2)) times 1.2-3.2 px
        length = 7.0 * 2 * np.pi * q["turns"] * (1.0 - 0.5 * q["tightening"])
        assert 1.2 < bright.sum() / length < 3.2, r
        # the shadow: half as dark, beside the curl on the side away from the light
        assert -0.6 * 30.0 < d.min() < -0.3 * 30.0 and dark.sum() > 10, r
        yd, xd = np.nonzero(dark)
        la = np.deg2rad(light)
        dx, dy = xd.mean() - xs.mean(), yd.mean() - ys.mean()
        along, across = dx * np.cos(la) + dy * np.sin(la), -dx * np.sin(la) + dy * np.cos(la)
        assert along < -1.0 and abs(across) < 0.6 * abs(along), (r, along, across)
        # a negative contrast: the same curl and shadow, signs swapped (a dark, oxidised chip)
        dn = dark_chip.image.astype(float) - twin.image.astype(float)
        assert np.abs(dn + d).max() <= 1.0 and dark_chip.defects[0].contrast == -30.0


def test_swarf_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "swarf", rng=0, layout="face",
                             defect_params={"radius_px": 5.0, "width_px": 0.6, "contrast": 25.0,
                                            "light_deg": 45.0, "angle_deg": 120.0})
    spec = s.defects[0]
    assert spec.size_px == 5.0 and spec.angle_deg == 120.0 and spec.contrast == 25.0
    assert spec.params["width_px"] == 0.6 and spec.params["light_deg"] == 45.0
    for bad in ({"radius_px": -3.0}, {"width_px": 0.0}, {"radius_px": float("nan")},
                {"turns": 2.0}, {"contrast": float("inf")}, {"light_deg": "left"}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "swarf", rng=0, defect_params=bad)
    check_pasted_on_a_face("swarf")
