"""The twenty-first held-out configuration's generator pieces: texture ``jewelled``, layout
``cruciform`` and the surface defect ``residue``."""

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

KW = dict(layout="cruciform", texture="jewelled")
#: a bare face, no texture, noise, lighting or placement: a defect's own change shows
BARE = dict(layout="face", texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
            lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("jewelled") == 23 and LAYOUTS.index("cruciform") == 22
    assert DEFECT_KINDS.index("residue") == 23 and SURFACE_KINDS.index("residue") == 21
    # held-out 20's names stay where they were
    assert TEXTURES.index("anodised") == 22 and LAYOUTS.index("quadrant") == 21
    assert DEFECT_KINDS.index("swarf") == 22


def test_jewelled_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more4 import jewelled_texture

    check_texture_contract("jewelled")
    check_texture_fast("jewelled")
    for bad in (dict(shape=(0, 5)), dict(shape=(5,)), dict(angle_deg=float("nan")),
                dict(angle_deg="across"), dict(rng=-1), dict(rng=1.5)):
        args = dict(shape=(32, 32), rng=0, angle_deg=0.0) | bad
        with pytest.raises(InputError):
            jewelled_texture(args.pop("shape"), **args)


def _spots(r, angle):
    """The spots the texture of seed ``r`` at ``angle`` was drawn from (the same draws)."""
    from metrology.synth._textures_more4 import jewel_spots

    return jewel_spots(np.random.default_rng(r), 256, 256, angle)


def _autocorrelation(t):
    """The normalised (wrapped) autocorrelation of ``t`` (256 x 256) as a function of a lag
    (px) and its direction (degrees; 0: +x, 90: +y), read bilinearly."""
    f = np.fft.fft2(t - t.mean())
    auto = np.fft.fftshift(np.fft.ifft2(np.abs(f) ** 2).real)
    auto /= auto[128, 128]

    def at(lag, deg):
        a = np.deg2rad(deg)
        return ndimage.map_coordinates(auto, [[128 + lag * np.sin(a)],
                                              [128 + lag * np.cos(a)]], order=1)[0]
    return at


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, -60.0])
def test_jewelled_spots_repeat_on_a_square_lattice_along_its_direction(angle):
    from metrology.synth._textures_more4 import JEWEL_PITCH, JEWEL_RADIUS_PX, jewelled_texture

    for r in range(3):
        t = jewelled_texture((256, 256), rng=r, angle_deg=angle)
        sp = _spots(r, angle)
        p = sp["pitch"]
        assert JEWEL_RADIUS_PX[0] <= sp["radius"] <= JEWEL_RADIUS_PX[1]
        assert JEWEL_PITCH[0] <= p / sp["radius"] <= JEWEL_PITCH[1]
        at = _autocorrelation(t)
        # one pitch along the rows and across them: the next spot, alike (a lattice)
        along, across = at(p, angle), at(p, angle + 90.0)
        assert along > 0.3 and across > 0.3, (r, along, across)
        # half a pitch, or one pitch on the diagonal (between lattice points): unlike
        for lag, deg in ((0.5 * p, angle), (0.5 * p, angle + 90.0), (p, angle + 45.0)):
            assert at(lag, deg) < along - 0.2, (r, lag, deg)
        # and the diagonal's next lattice point (sqrt 2 pitches) alike again
        assert at(np.sqrt(2.0) * p, angle + 45.0) > 0.3, r


def _radial_share(t, sp):
    """Share of the fine gradient energy of ``t`` (less its Gaussian blur of 1.5 px) along
    the radius of the spot on top, inside the spots (0.4 R to R - 2 px from their centre, 2 px
    or more from where another spot is on top); 0.5 for a grain with no direction."""
    spot, r = sp["spot"], np.hypot(sp["dx"], sp["dy"])
    fine = t - ndimage.gaussian_filter(t, 1.5)
    gx, gy = ndimage.sobel(fine, 1), ndimage.sobel(fine, 0)
    inside = (r > 0.4 * sp["radius"]) & (r < sp["radius"] - 2.0) & \
        (ndimage.maximum_filter(spot, 5) == ndimage.minimum_filter(spot, 5))
    inside[:2], inside[-2:], inside[:, :2], inside[:, -2:] = False, False, False, False
    along_r = (gx * sp["dx"] + gy * sp["dy"]) ** 2 / np.maximum(r * r, 1e-12)
    return along_r[inside].sum() / (gx * gx + gy * gy)[inside].sum()


@pytest.mark.parametrize("angle", [0.0, 30.0, -60.0])
def test_jewelled_spots_are_concentric_scratches_with_a_two_lobed_sheen(angle):
    from metrology.synth._textures_more4 import jewelled_texture

    for r in range(3):
        t = jewelled_texture((256, 256), rng=r, angle_deg=angle)
        sp = _spots(r, angle)
        # the fine scratches run round each spot's centre: their gradients along its radius
        share = _radial_share(t, sp)
        grain = _radial_share(make_texture("blasted", (256, 256), np.random.default_rng(r),
                                           0.0), sp)
        assert share > 0.68 and abs(grain - 0.5) < 0.05, (r, share, grain)
        # seen 1.5 px blurred, each spot's sheen: bright along the light's azimuth and
        # opposite it, dark across (cos 2 (phi - light)), the same in every spot
        phi = np.arctan2(sp["dy"], sp["dx"])
        rr = np.hypot(sp["dx"], sp["dy"])
        on = (rr > 0.4 * sp["radius"]) & (rr < sp["radius"] - 2.0)
        blur = ndimage.gaussian_filter(t, 1.5)[on]
        lobes = np.cos(2.0 * (phi - np.deg2rad(sp["light_deg"])))[on]
        assert np.corrcoef(blur, lobes)[0, 1] > 0.5, r
        turned = np.cos(2.0 * (phi - np.deg2rad(sp["light_deg"] + 90.0)))[on]
        assert np.corrcoef(blur, turned)[0, 1] < -0.5, r


def test_jewelled_spots_are_laid_row_by_row_each_over_the_one_before():
    for r in range(3):
        sp = _spots(r, 0.0)
        spot, dx, dy = sp["spot"], sp["dx"], sp["dy"]
        assert np.hypot(dx, dy).max() < sp["radius"]              # every pixel in a spot
        # along a row (x) the spot on top changes to a later one far more often than to an
        # earlier one (the next spot covers the one before), and down (y) all but never to an
        # earlier one (the next row covers the row before)
        for axis, times in ((1, 4), (0, 20)):
            step = np.diff(spot, axis=axis)
            later, earlier = (step > 0).sum(), (step < 0).sum()
            assert later > times * earlier, (r, axis, later, earlier)
        # each spot shows about a pitch squared of itself: under 60 % of its disc
        shown = np.bincount(spot.ravel())
        shown = shown[shown > 0]
        full = np.pi * sp["radius"] ** 2
        assert 0.8 < np.median(shown) / sp["pitch"] ** 2 < 1.2 and shown.max() < 0.6 * full


def test_cruciform_layout_is_a_filleted_cross_with_a_bore_and_four_holes():
    from metrology.synth._defect_makers import sd_features, sd_plate
    from metrology.synth._textures_more4 import ARM_FILLET, ARM_HALF

    s = 256.0
    lay = layout_features("cruciform", (256, 256))
    assert len(lay["holes"]) == 4 and lay["slots"] == [] and len(lay["windows"]) == 1
    assert lay["keep_windows"] and not lay.get("keep_slots")
    (wx, wy), (bx, by), br = lay["windows"][0]
    assert (wx, wy) == (0.0, 0.0) and bx == by == br == pytest.approx(0.07 * s)  # round
    a = ARM_HALF * s
    hx, hy = lay["half"]
    for (cx, cy), r in lay["holes"]:
        assert r == pytest.approx(0.03 * s) and min(abs(cx), abs(cy)) == 0.0     # on an arm
        assert sd_plate(np.array([cx]), np.array([cy]), lay)[0] < -(r + 0.03 * s)
    # the cross: its arms' ends inside, the plate's corners outside, the middle inside
    u = np.array([0.95 * hx, 0.0, -0.95 * hx, 0.0, 0.0, 0.8 * hx, -0.8 * hx, 0.7 * hx])
    v = np.array([0.0, 0.95 * hy, 0.0, -0.95 * hy, 0.0, 0.8 * hy, 0.6 * hy, -0.7 * hy])
    inside = sd_plate(u, v, lay) < 0
    assert inside[:5].all() and not inside[5:].any()
    # the arms' sides are straight, their half width ARM_HALF s
    along = np.linspace(a + ARM_FILLET * s + 2.0, 0.8 * hx, 20)
    assert np.allclose(sd_plate(along, np.full(20, a), lay), 0.0, atol=1e-9)
    assert np.allclose(sd_plate(np.full(20, a), along, lay), 0.0, atol=1e-9)
    # the re-entrant corners filleted (by a quarter of the fillet width on the diagonal):
    # the sharp corner's point is plate, 6 px past it along both axes not
    corner = sd_plate(np.array([a, a + 6.0]), np.array([a, a + 6.0]), lay)
    assert corner[0] < -2.0 and corner[1] > 0.0
    # every feature clear of the outline and of each other by 0.03 s at least
    grid = np.mgrid[-hx:hx:1.0, -hy:hy:1.0]
    plate, feats = sd_plate(*grid, lay), sd_features(*grid, lay, None)
    assert (plate[feats <= 0] < -0.03 * s).all()


def test_cruciform_renders_a_cross_outline():
    from metrology.synth._textures_more4 import ARM_FILLET, ARM_HALF

    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    img, c, a = s.image.astype(float), 127.5, ARM_HALF * 256
    for sx in (-1, 1):
        for sy in (-1, 1):
            # the plate's corner cut away: background (22 before lighting), the arms face
            assert img[int(c + sy * 100), int(c + sx * 100)] < 40
            assert img[int(c + sy * 100), int(c + sx * 20)] > 90
            assert img[int(c + sy * 20), int(c + sx * 100)] > 90
            # along the diagonal the face ends past the sharp corner (a, a), by the fillet
            t = np.arange(0.0, 120.0, 0.25)
            prof = ndimage.map_coordinates(img, [c + sy * t / np.sqrt(2), c + sx * t /
                                                 np.sqrt(2)], order=1)
            edge = t[np.argmax(prof < 0.5 * (prof[20:60].mean() + 22.0))]
            fillet = ARM_FILLET * 256 / 4 * np.sqrt(2)      # the smooth minimum's reach
            assert a * np.sqrt(2) + 0.5 * fillet < edge < a * np.sqrt(2) + 2 * fillet, edge
    (cx, cy), _ = layout_features("cruciform", (256, 256))["holes"][0]
    assert img[int(c + cy), int(c + cx)] < 90 and img[int(c), int(c)] < 90   # hole, bore


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "residue"])
def test_cruciform_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_cruciform_is_a_fixing_hole_never_the_bore():
    seen = set()
    for r in range(24):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.size_px == pytest.approx(0.03 * 128) and spec.params["half_length_px"] == 0
    assert seen == set(range(4))


def test_defects_and_extra_holes_lie_on_the_cross():
    good = render_defect_sample((128, 128), "good", rng=0, placement_px=0, placement_deg=0,
                                lighting=0, **KW).image
    for r in range(12):
        for kind in ("extra", "spot", "residue"):
            s = render_defect_sample((128, 128), kind, rng=r, placement_px=0, placement_deg=0,
                                     lighting=0, **KW)
            x, y = (int(round(v)) for v in s.defects[0].center_xy)
            assert good[y - 1:y + 2, x - 1:x + 2].min() > 90, (kind, r)   # face, not corner


def test_cruciform_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _rect_sd(shape, spec, corner=0.0):
    """Each pixel's distance (px) outside (+) or inside (-) the rectangle of a residue's
    spec, its corners rounded to ``corner`` px (0: sharp), and its coordinates along and
    across it."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    (cx, cy), a = spec.center_xy, np.deg2rad(spec.angle_deg)
    along = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)
    across = -(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)
    qx = np.abs(along) - 0.5 * spec.size_px + corner
    qy = np.abs(across) - 0.5 * spec.params["width_px"] + corner
    out = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return out + np.minimum(np.maximum(qx, qy), 0.0) - corner, along, across


def test_residue_is_local_darker_and_follows_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "residue"):
        s = render_defect_sample((256, 256), "residue", rng=r, **KW)
        twin = render_defect_sample((256, 256), "residue", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "residue", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "residue" and 10 <= spec.contrast <= 22
        assert 14 <= spec.size_px <= 36
        assert 0.35 <= spec.params["width_px"] / spec.size_px <= 0.65
        assert np.array_equal(s.mask, twin.mask)
        assert 0.85 < s.mask.sum() / (spec.size_px * spec.params["width_px"]) < 1.15
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=2)
        assert np.abs(d[~near]).max() <= 2                       # nothing off the film
        assert d[s.mask].mean() < -0.4 * spec.contrast           # darker all over
        assert d[s.mask].max() < 0.15 * spec.contrast + 2        # nowhere brighter
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = d2[s.mask].sum() / d[s.mask].sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


@pytest.mark.parametrize("angle", [0.0, 25.0, 90.0, 137.0])
def test_residue_is_a_rectangle_with_a_beaded_edge_and_dust(angle):
    for r in range(3):
        p = {"length_px": 30.0, "width_px": 14.0, "contrast": 16.0, "angle_deg": angle}
        s = render_defect_sample((128, 128), "residue", rng=r, defect_params=p, **BARE)
        twin = render_defect_sample((128, 128), "residue", rng=r, defect_params=p,
                                    contrast_scale=1e-6, **BARE)
        glossy = render_defect_sample((128, 128), "residue", rng=r, **BARE,
                                      defect_params=p | {"contrast": -16.0})
        d = s.image.astype(float) - twin.image.astype(float)
        spec = s.defects[0]
        sd, along, across = _rect_sd((128, 128), spec)
        rect = sd <= 0
        ellipse = (along / 15.0) ** 2 + (across / 7.0) ** 2 <= 1.0
        m = s.mask

        def iou(x, y):
            return (x & y).sum() / (x | y).sum()

        # a rectangle with straight sides (its rounded corners small), not an oval
        assert iou(m, rect) > 0.88 and iou(m, ellipse) < 0.85, (r, iou(m, rect))
        # its outline: every pixel on the mask's border within a px of the rounded rectangle
        rounded, _, _ = _rect_sd((128, 128), spec, spec.params["corner_px"])
        assert (np.abs(rounded[m ^ ndimage.binary_erosion(m)]) <= 1.0).all(), r
        # a bead of glue along the edge at the full contrast, the film inside at half of it
        edge, mid = (sd > -1.6) & (sd < -0.4), sd < -3.0
        assert np.median(d[edge]) < -0.8 * 16.0, r
        assert -0.6 * 16.0 < np.median(d[mid]) < -0.4 * 16.0, r
        # dust caught in the film: a few specks darker than the film, none outside it
        specks = ndimage.label((d < -0.75 * 16.0) & mid)[1]
        assert 1 <= specks <= spec.params["specks"], (r, specks, spec.params)
        # a negative contrast: the same film and bead, brighter (a glossy residue)
        dg = glossy.image.astype(float) - twin.image.astype(float)
        assert np.abs(dg + d).max() <= 1.0 and glossy.defects[0].contrast == -16.0


def test_residue_dulls_the_texture_under_it():
    kw = dict(BARE, texture="jewelled", texture_amplitude=12.0)
    for r in range(4):
        p = {"length_px": 32.0, "width_px": 18.0}
        twin = render_defect_sample((128, 128), "residue", rng=r, defect_params=p,
                                    contrast_scale=1e-6, **kw)
        good = render_defect_sample((128, 128), "good", rng=r, **kw)
        sd, _, _ = _rect_sd((128, 128), twin.defects[0])
        inside, outside = sd < -1.5, sd > 1.5
        x, y = twin.image.astype(float), good.image.astype(float)
        assert np.array_equal(x[outside], y[outside])        # the same face off the film
        ratio = (x[inside] - 150).std() / (y[inside] - 150).std()
        assert 0.4 < ratio < 0.6, (r, ratio)                 # the texture at half under it


def test_residue_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "residue", rng=0, layout="face",
                             defect_params={"length_px": 20.0, "width_px": 9.0,
                                            "contrast": 12.0, "angle_deg": 40.0})
    spec = s.defects[0]
    assert spec.size_px == 20.0 and spec.angle_deg == 40.0 and spec.contrast == 12.0
    assert spec.params["width_px"] == 9.0 and 0.9 <= spec.params["corner_px"] <= 2.25
    for bad in ({"length_px": -3.0}, {"width_px": 0.0}, {"length_px": float("nan")},
                {"tear": 0.3}, {"contrast": float("inf")}, {"angle_deg": "up"}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "residue", rng=0, defect_params=bad)
    check_pasted_on_a_face("residue")
