"""The synthetic defect generator: determinism, masks, bad input."""

import numpy as np
import pytest

from metrology.errors import InputError
from metrology.synth.defects import (DEFECT_KINDS, SURFACE_KINDS, brushed_texture,
                                     make_defect_set, paste_defects, render_defect_sample,
                                     texture_patch)
from metrology.synth.surfaces import LAYOUTS, TEXTURES
from tests import sampling
from tests.sampling import covering_pairs

SHAPE = (96, 96)


def test_same_seed_same_image_and_good_has_empty_mask():
    a = render_defect_sample(SHAPE, "good", rng=7)
    b = render_defect_sample(SHAPE, "good", rng=7)
    assert np.array_equal(a.image, b.image)
    assert a.image.dtype == np.uint8 and a.image.shape == SHAPE
    assert not a.mask.any() and a.is_good and a.kind == "good"


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_each_kind_has_a_mask_on_the_face(kind):
    s = render_defect_sample(SHAPE, kind, rng=3)
    assert s.kind == kind and len(s.defects) == 1
    area = int(s.mask.sum())
    assert 3 <= area <= 0.15 * s.mask.size  # a small, local defect
    x, y = s.defects[0].center_xy
    assert 0 <= x < SHAPE[1] and 0 <= y < SHAPE[0]
    d = s.to_dict()
    assert d["kind"] == kind and d["mask_pixels"] == area


def test_defect_changes_the_image_inside_its_mask():
    # a strong fixed-contrast dark spot: inside the mask the image is darker than around it
    s = render_defect_sample(SHAPE, "spot", rng=11, defect_params={"contrast": -60.0,
                                                                    "radius_px": 4.0})
    ring = np.zeros_like(s.mask)
    cx, cy = map(int, np.round(s.defects[0].center_xy))
    ring[cy - 9:cy + 10, cx - 9:cx + 10] = True
    ring &= ~s.mask
    # 60 gray levels peak on a 7-level texture: the mean inside is >= 20 levels darker
    assert s.image[s.mask].mean() < s.image[ring].mean() - 20


def test_make_defect_set_layout_and_multiple_defects():
    parts = make_defect_set(2, ("scratch", "dent"), 1, shape=SHAPE, seed=1)
    assert [p.kind for p in parts] == ["good", "good", "scratch", "dent"]
    two = render_defect_sample(SHAPE, ["spot", "scratch"], rng=2)
    assert two.kind == "spot+scratch" and len(two.defects) == 2


def test_textures():
    t = brushed_texture((64, 80), rng=0)
    assert t.shape == (64, 80)
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # brushing along x: neighbours along x are far more alike than along y
    cx = np.corrcoef(t[:, :-1].ravel(), t[:, 1:].ravel())[0, 1]
    cy = np.corrcoef(t[:-1].ravel(), t[1:].ravel())[0, 1]
    assert cx > 0.9 and cy < 0.6
    p = texture_patch(np.random.default_rng(0).random((100, 100)), (64, 64), rng=0)
    assert p.shape == (64, 64) and abs(p.std() - 1) < 1e-9


def test_bad_input():
    with pytest.raises(InputError):
        render_defect_sample(SHAPE, "rust")
    with pytest.raises(InputError):
        render_defect_sample((32, 32), "good")
    with pytest.raises(InputError):
        render_defect_sample(SHAPE, "good", texture="wood")
    with pytest.raises(InputError):
        texture_patch(np.zeros((10, 10)), (64, 64))
    with pytest.raises(InputError, match="layout"):
        render_defect_sample(SHAPE, "good", layout="gear")
    with pytest.raises(InputError, match="scene option"):
        render_defect_sample(SHAPE, "good", colour="red")
    with pytest.raises(InputError):
        make_defect_set(-1)


@pytest.mark.parametrize("kind", SURFACE_KINDS)  # every kind, later ones included
def test_extreme_defect_sizes_render_without_crashing(kind):
    # a defect wider than the plate: its clearance shrinks (numpy's uniform raised "high - low
    # < 0" before); one too small to change any pixel has an empty mask, not the whole face.
    # Wider: 1000 px on the 64 px image by default, 10000 px under --runslow (a lap 10000 px
    # long or a pigtail of 10000 px loops takes 15-25 s to draw, 1000 px under 1 s)
    huge = 1e4 if sampling.FULL else 1e3
    for name in ("radius_px", "sigma_px", "length_px"):
        s = render_defect_sample((64, 64), kind, rng=0, defect_params={name: huge})
        assert s.image.shape == (64, 64) and s.kind == kind
    tiny = render_defect_sample((64, 64), kind, rng=0, defect_params={"radius_px": 1e-3,
                                                                     "sigma_px": 1e-3})
    if kind in ("spot", "stain", "blister", "corrosion"):
        assert not tiny.mask.any()


# every layout with two textures and every texture with two layouts by default (the whole
# cross product, over 1400 renders and growing with each held-out set, under --runslow)
@pytest.mark.parametrize("layout, texture", covering_pairs(
    [n for n in LAYOUTS if n != "face"], list(TEXTURES)))
def test_layouts_textures_and_feature_defects(layout, texture):
    # a missing feature darkens nothing: the face level fills its footprint; an extra hole
    # puts the hole level (45 before lighting) where the face was (150)
    s = render_defect_sample((128, 128), ["missing", "extra"], rng=5, layout=layout,
                             texture=texture, placement_px=0, placement_deg=0, lighting=0)
    good = render_defect_sample((128, 128), "good", rng=5, layout=layout, texture=texture,
                                placement_px=0, placement_deg=0, lighting=0)
    miss, extra = s.defects
    for d, sign in ((miss, +1), (extra, -1)):
        x, y = (int(round(v)) for v in d.center_xy)
        # a 5 x 5 window, 3 x 3 on a hole under 3 px radius so it stays inside the footprint
        # (the Geneva wheel's 2.56 px hole at 128 px: 56 levels over 5 x 5 on the swirled face,
        # its blurred rim inside the window; 78 over 3 x 3)
        h = 1 if d.size_px < 3 else 2
        win = (slice(y - h, y + h + 1), slice(x - h, x + h + 1))
        change = s.image[win].astype(float).mean() - good.image[win].astype(float).mean()
        assert sign * change > 60, (d.kind, change)  # ~105 levels, blur and texture aside
        assert s.mask[y, x]


@pytest.mark.parametrize("texture", TEXTURES)
def test_every_texture_is_finite_at_tiny_sizes(texture):
    # a single pixel has no spread: brushed and honed divided by it and gave NaN at 1 x 1
    from metrology.synth.surfaces import make_texture

    for shape in ((1, 1), (1, 40), (40, 1), (2, 2), (5, 300)):
        t = make_texture(texture, shape, np.random.default_rng(0), 0.0)
        assert t.shape == shape and np.all(np.isfinite(t)), (texture, shape)


def test_texture_character():
    from metrology.synth.surfaces import blasted_texture, milled_texture

    b = blasted_texture((128, 128), rng=0)
    m = milled_texture((128, 128), rng=0)
    for t in (b, m):
        assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # blasted is isotropic: neighbour correlation alike along x and y
    cx = np.corrcoef(b[:, :-1].ravel(), b[:, 1:].ravel())[0, 1]
    cy = np.corrcoef(b[:-1].ravel(), b[1:].ravel())[0, 1]
    assert abs(cx - cy) < 0.1
    # milled has a dominant spatial period near its 5 px pitch along the arcs' normal
    spec = np.abs(np.fft.fft2(m - m.mean())) ** 2
    fy, fx = np.unravel_index(np.argmax(spec), spec.shape)
    f = np.hypot(min(fx, 128 - fx), min(fy, 128 - fy)) / 128
    assert 1 / 6.5 < f < 1 / 4.0


def test_peened_texture_character():
    from metrology.synth.surfaces import blasted_texture, peened_texture

    p = peened_texture((128, 128), rng=0)
    assert abs(p.mean()) < 1e-9 and abs(p.std() - 1) < 1e-9
    assert not np.array_equal(p, peened_texture((128, 128), rng=1))
    # dimples of 2.5-5 px radius: neighbours 2 px apart still correlate, unlike the blasted
    # grain (correlation length 1.1 px)
    b = blasted_texture((128, 128), rng=0)
    lag2 = [np.corrcoef(t[:, :-2].ravel(), t[:, 2:].ravel())[0, 1] for t in (p, b)]
    assert lag2[0] > 0.4 and lag2[0] > lag2[1] + 0.2, lag2
    with pytest.raises(InputError):
        peened_texture((64, 64), radius_px=(5, 2))


def test_face_layout_fills_the_image():
    # no plate edge and no features: with the largest jitter the face (150 gray levels, texture
    # std 7, lighting +-10 %) still reaches every border pixel; the background (22) never shows
    s = render_defect_sample((96, 96), "good", rng=4, layout="face", placement_px=3,
                             placement_deg=2, lighting=0.1)
    assert s.image.min() > 90
    extra = render_defect_sample((96, 96), "extra", rng=4, layout="face")
    x, y = (int(round(v)) for v in extra.defects[0].center_xy)
    assert extra.image[y, x] < 80  # the extra hole's bottom (45 before lighting)
    with pytest.raises(InputError, match="no feature"):
        render_defect_sample((96, 96), "missing", rng=4, layout="face")


def test_paste_defects_on_any_image():
    rng = np.random.default_rng(0)
    flat = np.full((80, 100), 100, np.uint8)
    assert np.array_equal(paste_defects(flat, "good").image, flat)
    s = paste_defects(flat, "spot", rng=1, defect_params={"contrast": -60.0, "radius_px": 4.0})
    assert s.image.dtype == np.uint8 and s.kind == "spot" and s.mask.any()
    # the contrast is scaled by the image level / 150: -60 -> -40 at the centre
    x, y = (int(round(v)) for v in s.defects[0].center_xy)
    assert abs(int(s.image[y, x]) - 60) <= 2
    assert np.all(s.image[~s.mask] >= 100 - 10)  # outside the mask less than a quarter peak
    # the same defect on a uint16 image of the same relative level, and on a colour image
    s16 = paste_defects(flat.astype(np.uint16) * 257, "spot", rng=1,
                        defect_params={"contrast": -60.0, "radius_px": 4.0})
    assert np.array_equal(s16.mask, s.mask)
    assert abs(int(s16.image[y, x]) - 60 * 257) <= 2 * 257
    col = paste_defects(np.dstack([flat] * 3), "spot", rng=1,
                        defect_params={"contrast": -60.0, "radius_px": 4.0})
    assert np.array_equal(col.image[:, :, 1], s.image)
    # every surface kind, several at once, inside the border; floats stay floats
    img = rng.normal(0.5, 0.02, (96, 96)).astype(np.float32)
    many = paste_defects(img, list(SURFACE_KINDS), rng=2)
    assert many.image.dtype == np.float32 and len(many.defects) == len(SURFACE_KINDS)
    assert not many.mask[:2].any() and not many.mask[:, -2:].any()


def test_paste_defects_scale_contrast_by_the_region_level():
    """Contrasts are drawn for a face of 150 gray levels and scaled by the level where the
    defect goes: with a region, its median.  A part covering under half the image on a dark
    background has the background's median (22 here), which drew a 60-level spot at 9 levels
    (the fit-time band selection painted its defects so: at chance on held-out 22)."""
    img = np.full((128, 128), 22, np.uint8)
    img[24:104, 24:84] = 150                     # the part: 0.29 of the image
    part = img == 150
    spot = {"contrast": -60.0, "radius_px": 5.0}
    on_part = paste_defects(img, "spot", rng=3, defect_params=spot, region=part)
    assert np.median(img) == 22 and on_part.mask.any() and not on_part.mask[~part].any()
    change = on_part.image.astype(float) - img
    assert change.min() == pytest.approx(-60.0, abs=1.0)      # 60 x 150 / 150
    # without a region the image's median level scales it (a face filling the image)
    face = np.full((128, 128), 75, np.uint8)
    whole = paste_defects(face, "spot", rng=3, defect_params=spot)
    assert (whole.image.astype(float) - face).min() == pytest.approx(-30.0, abs=1.0)
    with pytest.raises(InputError, match="region is 0"):
        paste_defects(np.where(part, 0, 90).astype(np.uint8), "spot", region=part)
    # a level given scales them for that level (the band selection's painted copies: the
    # image's median, as the selection was judged)
    given = paste_defects(img, "spot", rng=3, defect_params=spot, region=part, level=22.0)
    assert (given.image.astype(float) - img).min() == pytest.approx(-60.0 * 22 / 150, abs=1.0)
    for bad in (0.0, -1.0, float("nan"), "x"):
        with pytest.raises(InputError, match="level"):
            paste_defects(img, "spot", region=part, level=bad)


def test_paste_defects_bad_input():
    flat = np.full((80, 80), 100, np.uint8)
    with pytest.raises(InputError, match="kind"):
        paste_defects(flat, "missing")  # a missing or extra feature needs a part layout
    with pytest.raises(InputError, match="kind"):
        paste_defects(flat, "rust")
    with pytest.raises(InputError, match="64"):
        paste_defects(flat[:40], "spot")
    with pytest.raises(InputError, match="median level"):
        paste_defects(np.zeros((80, 80), np.uint8), "spot")
    bad = flat.astype(np.float64)
    bad[1, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        paste_defects(bad, "spot")
    for arr in ([[1, 2]], np.zeros((80, 80, 2), np.uint8), np.zeros((80, 80), bool),
                np.broadcast_to(np.uint8(9), (6000, 6000))):
        with pytest.raises(InputError):
            paste_defects(arr, "spot")
    for params in ("contrast", {"radius_px": 0.0}, {"contrast": "x"}, {"colour": 1.0},
                   {"polarity": "up"}, {"length_px": float("nan")}):
        with pytest.raises(InputError, match="defect_params"):
            paste_defects(flat, "spot", defect_params=params)
    for k in (3, None, ["spot", 2]):
        with pytest.raises(InputError, match="kind"):
            paste_defects(flat, k)
    with pytest.raises(InputError, match="rng"):
        paste_defects(flat, "spot", rng=-1)


def _lag_corr(t, angle_deg, lag_px=4.0):
    """Correlation of a texture with itself shifted ``lag_px`` along ``angle_deg``."""
    from scipy import ndimage

    a = np.deg2rad(angle_deg)
    s = ndimage.shift(t, (lag_px * np.sin(a), lag_px * np.cos(a)), order=1, mode="wrap")
    return np.corrcoef(t[8:-8, 8:-8].ravel(), s[8:-8, 8:-8].ravel())[0, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_honed_texture_is_a_cross_hatch(seed):
    from metrology.synth.surfaces import honed_texture

    t = honed_texture((128, 128), rng=seed)
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # two groove families at +-25-35 deg: 4 px along either the texture still correlates
    # (measured 0.31-0.52 on seeds 0-3), across the hatch's axes much less (-0.03-0.11)
    plus = max(_lag_corr(t, a) for a in (25, 30, 35))
    minus = max(_lag_corr(t, a) for a in (-25, -30, -35))
    axes = max(_lag_corr(t, 0), _lag_corr(t, 90))
    assert plus > 0.25 and minus > 0.25 and axes < min(plus, minus) - 0.1, (plus, minus, axes)
    with pytest.raises(InputError):
        honed_texture((64, 64), groove_width_px=0)


def test_rail_layout_has_its_features():
    from metrology.synth.surfaces import layout_features

    lay = layout_features("rail", (256, 256))
    assert len(lay["holes"]) == 5 and len(lay["slots"]) == 2
    s = render_defect_sample((256, 256), "good", rng=0, layout="rail", placement_px=0,
                             placement_deg=0, lighting=0)
    # the central hole (45 gray levels before noise) at the image centre, the face around it
    assert s.image[126:131, 126:131].mean() < 70 and s.image[100:105, 40:45].mean() > 120


def test_pits_and_gouge_shapes():
    pits = render_defect_sample(SHAPE, "pits", rng=4, defect_params={"contrast": 40.0},
                                texture_amplitude=0.0, noise_sigma=0.0, lighting=0.0)
    d = pits.defects[0]
    assert d.kind == "pits" and 4 <= d.params["count"] <= 9 and d.contrast == -40.0
    # every pit is dark: inside the mask the face (150) is darker by a good share of 40
    assert pits.image[pits.mask].mean() < 150 - 15
    g = render_defect_sample(SHAPE, "gouge", rng=4, defect_params={"contrast": 40.0},
                             texture_amplitude=0.0, noise_sigma=0.0, lighting=0.0)
    # a dark groove with a bright burr along one side: both signs around the face level
    x, y = (int(round(v)) for v in g.defects[0].center_xy)
    win = g.image[y - 12:y + 13, x - 12:x + 13].astype(float)
    assert win.min() < 150 - 20 and win.max() > 150 + 8


def test_shape_and_texture_arguments_are_checked():
    tex = np.random.default_rng(0).random((100, 100))
    for bad in ([], (64,), (np.inf, 64), (64.5, 64), "ab", None):
        with pytest.raises(InputError):
            texture_patch(tex, bad)
        with pytest.raises(InputError):
            render_defect_sample(bad, "good")
    for bad in (np.inf, None, 0.0, -1.0):
        with pytest.raises(InputError):
            texture_patch(tex, (64, 64), highpass_sigma_px=bad)
    for bad in ("abc", 1.5, -1, np.float64(2.0)):
        with pytest.raises(InputError):
            texture_patch(tex, (64, 64), rng=bad)
    for bad in (np.full((80, 80), np.nan), [[1.0] * 80] * 80, np.zeros((80, 80), complex)):
        with pytest.raises(InputError):
            texture_patch(bad, (64, 64))


def test_cast_texture_yoke_layout_hairline_and_chatter():
    """The fourth held-out configuration's pieces (texture ``cast``, layout ``yoke``, defects
    ``hairline`` and ``chatter``) draw what they say."""
    from metrology.synth.surfaces import cast_texture, layout_features

    t = cast_texture((128, 128), rng=0)
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # heavy dark tail of the pores: the minimum lies further from 0 than the maximum
    assert t.min() < -1.2 * t.max()
    lay = layout_features("yoke", (256, 256))
    assert len(lay["holes"]) == 4 and [sl[3] for sl in lay["slots"]] == [-35.0, 35.0]
    flat = dict(texture_amplitude=0.0, noise_sigma=0.0, lighting=0.0, layout="yoke")
    h = render_defect_sample(SHAPE, "hairline", rng=5, defect_params={"contrast": -15.0,
                                                                      "length_px": 60.0}, **flat)
    d = h.defects[0]
    assert d.kind == "hairline" and d.size_px == 60.0
    # long and thin: its mask spans most of its length but is only a few pixels wide
    ys, xs = np.nonzero(h.mask)
    assert np.hypot(np.ptp(xs), np.ptp(ys)) > 40 and h.mask.sum() < 60 * 4
    assert h.image[h.mask].mean() < 150 - 5
    c = render_defect_sample(SHAPE, "chatter", rng=5, defect_params={"contrast": 30.0}, **flat)
    d = c.defects[0]
    assert d.kind == "chatter" and 4 <= d.params["count"] <= 8
    # separate dashes: the mask falls apart into about `count` pieces
    from scipy import ndimage

    assert ndimage.label(c.mask)[1] >= d.params["count"] - 1
    assert c.image[c.mask].mean() > 150 + 10


def test_sintered_texture_bridge_layout_and_scuff():
    """The fifth held-out configuration's pieces (texture ``sintered``, layout ``bridge``,
    defect ``scuff``) draw what they say."""
    from metrology.synth.surfaces import layout_features, sintered_texture

    t = sintered_texture((128, 128), rng=0)
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # dark pores along the grain boundaries: a heavier dark tail than bright one
    assert np.percentile(t, 0.5) < -1.2 * np.percentile(t, 99.5)
    with pytest.raises(InputError):
        sintered_texture((64, 64), grain_px=(5.0, 2.0))
    lay = layout_features("bridge", (256, 256))
    assert len(lay["holes"]) == 3 and [sl[3] for sl in lay["slots"]] == [0.0, 60.0]
    flat = dict(texture_amplitude=0.0, noise_sigma=0.0, lighting=0.0, layout="bridge")
    s = render_defect_sample(SHAPE, "scuff", rng=5, defect_params={"contrast": 20.0,
                                                                   "length_px": 30.0,
                                                                   "width_px": 8.0}, **flat)
    d = s.defects[0]
    assert d.kind == "scuff" and d.size_px == 30.0 and d.params["width_px"] == 8.0
    # the mask is the ellipse (about pi * 15 * 4 = 188 px) and the patch is brighter on the
    # whole: 0.4 * contrast * mean envelope (0.8) = 6.4 levels, give or take the streaks' mean
    assert 120 < s.mask.sum() < 260 and s.image[s.mask].mean() > 150 + 2
    # a scuff rubs the texture down inside it
    tex = dict(flat, texture_amplitude=7.0, texture="sintered", placement_px=0, placement_deg=0)
    good = render_defect_sample(SHAPE, "good", rng=5, **tex).image.astype(float)
    sc = render_defect_sample(SHAPE, "scuff", rng=5, defect_params={"contrast": 1e-3}, **tex)
    m = sc.mask
    assert np.std(sc.image[m].astype(float)) < 0.85 * np.std(good[m])
    # small images get a shorter scuff (at most 0.2 x their side), never an error
    small = render_defect_sample((64, 64), "scuff", rng=1, layout="bridge", texture="sintered")
    assert small.defects[0].size_px <= 0.2 * 64 and small.mask.any()


def test_paste_defects_region_keeps_them_clear_of_its_edges():
    """``region``: each pasted defect lies on the region, clear of its edges by a margin as the
    generator keeps real ones clear of the plate edge and the features (ground truth: masks)."""
    from scipy import ndimage

    img = np.full((128, 128), 120, np.uint8)
    region = np.zeros((128, 128), bool)
    region[20:110, 30:100] = True
    region[50:70, 50:70] = False           # a hole in the face
    depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
    for i, k in enumerate(SURFACE_KINDS):
        s = paste_defects(img, k, rng=i, region=region, defect_params={"contrast": 30.0})
        assert s.mask.any() and region[s.mask].all(), k
        assert depth[s.mask].min() >= 3, (k, depth[s.mask].min())
    with pytest.raises(InputError, match="region"):
        paste_defects(img, "spot", rng=0, region=region[:64])
    with pytest.raises(InputError, match="region"):
        paste_defects(img, "spot", rng=0, region=np.zeros((128, 128), bool))


def test_knurled_and_faced_textures_clevis_layout():
    """The sixth held-out configuration's pieces draw what they say."""
    from metrology.synth.surfaces import faced_texture, knurled_texture, layout_features

    for t in (knurled_texture((128, 128), rng=0), faced_texture((128, 128), rng=0)):
        assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    # a diamond knurl repeats: along x (angle 0, ridges at +-35-45 deg) its autocorrelation
    # comes back strongly within a few pitches, unlike the faced texture's
    k = knurled_texture((128, 128), rng=1)
    ac = [np.mean(k[:, :-d] * k[:, d:]) for d in range(4, 20)]
    assert max(ac) > 0.4
    # exposed casting pores: a few pixels far darker than the rest
    f = faced_texture((256, 256), rng=2)
    assert f.min() < -3.5 and np.mean(f < -3.0) < 1e-3
    lay = layout_features("clevis", (256, 256))
    assert len(lay["holes"]) == 4 and [sl[3] for sl in lay["slots"]] == [90.0, -20.0]


def test_scraped_texture_manifold_layout():
    """The seventh held-out configuration's pieces: a unit texture that turns with the part, a
    layout of four holes and two slots inside the plate."""
    from metrology.synth.surfaces import layout_features, make_texture, scraped_texture

    t = scraped_texture((128, 128), rng=0)
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9
    a = make_texture("scraped", (64, 64), np.random.default_rng(1), 0.0)
    b = make_texture("scraped", (64, 64), np.random.default_rng(1), 30.0)
    assert not np.allclose(a, b)
    with pytest.raises(InputError, match="angle_deg"):
        scraped_texture((32, 32), rng=0, angle_deg=float("nan"))
    lay = layout_features("manifold", (256, 256))
    assert len(lay["holes"]) == 4 and [sl[3] for sl in lay["slots"]] == [110.0, 0.0]
    hx, hy = lay["half"]
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx and abs(cy) + r < hy


def test_eroded_texture_and_grille_layout():
    # the EDM crater field: deterministic, zero mean, unit std, different per seed; craters of
    # 1.5-3.5 px: neighbours 1 px apart correlate, 6 px apart hardly
    from metrology.synth.surfaces import eroded_texture, layout_features, make_texture

    e = eroded_texture((128, 128), rng=0)
    assert np.array_equal(e, make_texture("eroded", (128, 128), np.random.default_rng(0), 30.0))
    assert abs(e.mean()) < 1e-9 and abs(e.std() - 1) < 1e-9
    assert not np.array_equal(e, eroded_texture((128, 128), rng=1))
    lag = [np.corrcoef(e[:, :-k].ravel(), e[:, k:].ravel())[0, 1] for k in (1, 6)]
    assert lag[0] > 0.3 and abs(lag[1]) < 0.15, lag
    # the grille: five parallel slots and two holes; its renders are deterministic
    lay = layout_features("grille", (256, 256))
    assert len(lay["slots"]) == 5 and len(lay["holes"]) == 2
    assert {sl[3] for sl in lay["slots"]} == {80.0}
    a, b = (render_defect_sample((128, 128), "scratch", rng=4, layout="grille", texture="eroded")
            for _ in range(2))
    assert np.array_equal(a.image, b.image) and a.mask.any()
