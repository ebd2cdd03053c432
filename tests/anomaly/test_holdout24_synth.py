"""The twenty-fourth held-out configuration's generator pieces: texture ``electropolished``,
layout ``hexplate`` and the surface defect ``fisheye``."""

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="hexplate", texture="electropolished")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)
COS30 = np.cos(np.pi / 6.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("electropolished") == 26 and LAYOUTS.index("hexplate") == 25
    assert DEFECT_KINDS.index("fisheye") == 26 and SURFACE_KINDS.index("fisheye") == 24
    # held-out 23's names stay where they were
    assert TEXTURES.index("diecast") == 25 and LAYOUTS.index("sprocket") == 24
    assert DEFECT_KINDS.index("starcrack") == 25 and SURFACE_KINDS.index("starcrack") == 23


def test_electropolished_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more6 import electropolished_texture

    check_texture_contract("electropolished")
    check_texture_fast("electropolished")
    check_texture_bad_input(electropolished_texture)


def _polished(r):
    """The texture of seed ``r`` (256 x 256) and the grains it was drawn on (the same
    draws)."""
    from metrology.synth._textures_more6 import electropolished_texture, polish_grains

    return (electropolished_texture((256, 256), rng=r),
            polish_grains(np.random.default_rng(r), 256, 256))


def test_electropolished_relief_is_thin_grooves_on_the_grain_boundaries():
    for r in range(6):
        t, gr = _polished(r)
        edge, label = gr["edge"], gr["label"]
        # dark on the boundaries, about level 3 px inside the grains
        assert t[edge < 0.5].mean() < -1.2, (r, t[edge < 0.5].mean())
        inner = edge > 3.0
        assert t[inner].mean() > 0.2 and t[(edge > 1.5) & (edge < 3.0)].mean() < \
            t[inner].mean() + 0.05
        # the grooves thin: a pixel's darkening falls to under a fifth of the boundary's
        # 2 px from it (a broad valley would not)
        base = t[inner].mean()
        on, off = t[edge < 0.5].mean() - base, t[(edge > 2.0) & (edge < 2.5)].mean() - base
        assert abs(off) < 0.2 * abs(on), (r, on, off)
        # inside a grain nearly flat: its pixels spread about their grain's mean by a small
        # part of the texture's (unit) spread, less than the grains' levels differ
        lab = label[inner]
        idx = np.unique(lab)
        means = ndimage.mean(t[inner], lab, idx)
        dev = t[inner] - means[np.searchsorted(idx, lab)]
        assert dev.std() < 0.3 and dev.std() < 0.6 * means.std(), (r, dev.std(), means.std())


def test_electropolished_grains_have_the_drawn_size_and_differ_per_part():
    from metrology.synth._textures_more6 import POLISH_GRAIN

    cells = []
    for r in range(6):
        t, gr = _polished(r)
        assert POLISH_GRAIN[0] <= gr["cell"] <= POLISH_GRAIN[1]
        # the grains seen in the render: the face cut along its grooves (darker than 1 sigma
        # below the mean), whole grains only (clear of the border)
        lab, n = ndimage.label(t > -1.0)
        sizes = np.bincount(lab.ravel())[1:]
        edge_lab = np.unique(np.r_[lab[0], lab[-1], lab[:, 0], lab[:, -1]])
        keep = np.setdiff1d(np.arange(1, n + 1), edge_lab)
        area = np.median(sizes[keep - 1])
        assert 0.5 * gr["cell"] ** 2 < area < 1.1 * gr["cell"] ** 2, (r, area, gr["cell"])
        cells.append(gr["cell"])
    assert np.ptp(cells) > 3.0


def test_hexplate_layout_is_a_rounded_hexagon_with_a_bore_and_six_bolt_holes():
    from metrology.synth._defect_makers import sd_features, sd_plate
    from metrology.synth._textures_more6 import HEX_BORE, HEX_CORNER, HEX_HOLE, HEX_RING

    s = 256.0
    lay = layout_features("hexplate", (256, 256))
    a, r = lay["hexa"]
    assert a == pytest.approx(0.44 * s * COS30) and r == pytest.approx(HEX_CORNER * s)
    assert len(lay["holes"]) == 6 and lay["slots"] == [] and len(lay["windows"]) == 1
    assert lay["keep_windows"]
    # flats at the top and the bottom (and the four others at 60 degrees): the plate's edge
    # a from the centre along each flat's normal, its rounded corners (a - r) / cos 30 + r
    for k in range(6):
        n = np.deg2rad(90.0 + 60.0 * k)
        for d in (-6.0, 0.0, 4.0):
            assert sd_plate(np.array([(a + d) * np.cos(n)]), np.array([(a + d) * np.sin(n)]),
                            lay)[0] == pytest.approx(d)
        c = n + np.pi / 6.0
        tip = (a - r) / COS30 + r
        assert sd_plate(np.array([tip * np.cos(c)]), np.array([tip * np.sin(c)]), lay)[0] == \
            pytest.approx(0.0, abs=1e-9)
    # exact inside: a raster of the plate agrees with it
    grid = np.mgrid[-a - 30:a + 30:0.5, -a - 30:a + 30:0.5]
    sd = sd_plate(grid[1], grid[0], lay)
    inside = sd < 0
    raster = 0.5 * ndimage.distance_transform_edt(inside)
    assert np.abs(raster[inside] + sd[inside]).max() < 0.6
    (bx, by), (hx, hy), br = lay["windows"][0]
    assert (bx, by) == (0.0, 0.0) and hx == hy == br == pytest.approx(HEX_BORE * s)
    heads = []
    for (x, y), rad in lay["holes"]:
        assert rad == pytest.approx(HEX_HOLE * s) and np.hypot(x, y) == pytest.approx(HEX_RING * s)
        heads.append(np.rad2deg(np.arctan2(y, x)) % 360.0)
    assert np.allclose(sorted(heads), 60.0 * np.arange(6))          # towards the corners
    feats = sd_features(grid[1], grid[0], lay, None)
    assert (sd[feats <= 0] < -0.05 * s).all()                       # clear of the edges
    for i in range(6):
        (x, y), rad = lay["holes"][i]
        assert sd_features(np.array([x]), np.array([y]), lay, i)[0] > rad + 0.05 * s


def test_hexplate_renders_six_corners_and_straight_flats():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0,
                             lighting=0, **KW)
    img, c = s.image.astype(float), 127.5
    a, r = layout_features("hexplate", (256, 256))["hexa"]
    phi = np.deg2rad(np.arange(0.0, 360.0, 0.25))

    def ring(rad):
        return ndimage.map_coordinates(img, [c + rad * np.sin(phi), c + rad * np.cos(phi)],
                                       order=1)

    corners = ring(0.5 * (a + (a - r) / COS30 + r)) > 80      # between flats and corners
    assert np.count_nonzero(corners != np.roll(corners, 1)) == 12
    assert (ring(a - 6.0) > 80).all() and (ring((a - r) / COS30 + r + 4.0) < 40).all()
    # each flat a straight edge a from the centre: the edge found along lines across it
    for k in range(6):
        n = np.deg2rad(90.0 + 60.0 * k)
        for off in (-0.3 * a, 0.0, 0.3 * a):
            t = np.arange(a - 10.0, a + 10.0, 0.25)
            xs = c + t * np.cos(n) - off * np.sin(n)
            ys = c + t * np.sin(n) + off * np.cos(n)
            prof = ndimage.map_coordinates(img, [ys, xs], order=1)
            hi, lo = prof[:8].mean(), prof[-8:].mean()
            assert hi > 80 and lo < 40, (k, off)
            edge = t[np.argmax(prof < 0.5 * (hi + lo))]
            assert abs(edge - a) < 1.0, (k, off, edge, a)
    # the part face covers about 0.45 of the image (the hexagon less its holes)
    assert 0.40 < np.mean(img > 80) < 0.50


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "fisheye"])
def test_hexplate_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_hexplate_is_a_bolt_hole_only():
    seen = set()
    for r in range(30):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.size_px == pytest.approx(0.03 * 128) and spec.params["half_length_px"] == 0
    assert seen == set(range(6))


def test_defects_and_extra_holes_lie_on_the_hexplate():
    good = render_defect_sample((128, 128), "good", rng=0, placement_px=0, placement_deg=0,
                                lighting=0, **KW).image
    for r in range(12):
        for kind in ("extra", "spot", "fisheye"):
            s = render_defect_sample((128, 128), kind, rng=r, placement_px=0, placement_deg=0,
                                     lighting=0, **KW)
            x, y = (int(round(v)) for v in s.defects[0].center_xy)
            assert good[y - 1:y + 2, x - 1:x + 2].min() > 80, (kind, r)   # face


def test_hexplate_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A fisheye of seed ``r`` and its change: the sample minus its twin drawn at a vanishing
    contrast (the same face, the same crater's flattening)."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "fisheye", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "fisheye", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, twin, s.image.astype(float) - twin.image.astype(float)


def test_fisheye_is_local_and_follows_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "fisheye"):
        s = render_defect_sample((256, 256), "fisheye", rng=r, **KW)
        twin = render_defect_sample((256, 256), "fisheye", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "fisheye", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "fisheye" and 16 <= spec.contrast <= 36
        assert 3 <= spec.params["radius_px"] <= 8 and 0.7 <= spec.params["width_px"] <= 1.1
        assert spec.size_px == pytest.approx(2 * spec.params["radius_px"])
        assert ndimage.label(s.mask)[1] == 1
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 2                        # nothing off the crater
        cx, cy = spec.center_xy
        yy, xx = np.nonzero(s.mask)
        assert np.hypot(xx - cx, yy - cy).max() <= spec.params["radius_px"] + 4.0
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


@pytest.mark.parametrize("radius", [3.0, 5.5, 8.0])
def test_fisheye_is_a_round_dark_floor_in_a_bright_rim(radius):
    for r in range(4):
        p = {"radius_px": radius, "contrast": 30.0, "width_px": 0.8}
        s, twin, d = _change(r, p)
        cx, cy = s.defects[0].center_xy
        yy, xx = np.mgrid[0:128, 0:128]
        rr = np.hypot(xx - cx, yy - cy)
        floor, rim = rr < radius - 1.0, (rr > radius + 0.5) & (rr < radius + 2.0)
        assert d[floor].mean() < -0.8 * 30.0                       # a dark floor
        assert d[rim].mean() > 0.25 * 30.0 and d[rim].max() > 0.4 * 30.0     # a bright rim
        assert np.abs(d[rr > radius + 6.0]).max() <= 1.0
        # the rim's peak just outside the floor's edge, at radius + width (radial profile)
        bins = np.arange(radius - 1.0, radius + 6.0, 0.5)
        prof = ndimage.mean(d, np.digitize(rr, bins), np.arange(1, len(bins)))
        peak = bins[np.argmax(prof)] + 0.25
        assert abs(peak - (radius + 0.8)) < 0.8, (peak, radius)
        # round: the darkening's second moments alike in every direction
        wt = np.clip(-d, 0, None)
        cov = np.cov(np.vstack([xx.ravel(), yy.ravel()]), aweights=wt.ravel() + 1e-12)
        vals = np.linalg.eigvalsh(cov)
        assert vals[1] / vals[0] < 1.15, vals
        # a negative contrast swaps the signs: a bright floor, a dark rim
        w, _, dw = _change(r, p | {"contrast": -30.0})
        assert np.abs(dw + d).max() <= 1.0 and w.defects[0].contrast == -30.0


def test_fisheye_floor_is_smooth_and_the_face_unchanged_off_it():
    kw = dict(texture="electropolished", texture_amplitude=14.0)
    for r in range(6):
        s, twin, _ = _change(r, {"radius_px": 7.0}, **kw)
        good = render_defect_sample((128, 128), "good", rng=r, **(STILL | kw)).image
        cx, cy = s.defects[0].center_xy
        yy, xx = np.mgrid[0:128, 0:128]
        rr = np.hypot(xx - cx, yy - cy)
        x, y = twin.image.astype(float), good.astype(float)
        far = rr > 7.0 + 6.0
        assert np.array_equal(x[far], y[far])              # the same face off the crater
        floor = rr < 5.0                                   # the bare substrate: pressed flat
        assert (x[floor] - x[floor].mean()).std() < 0.45 * (y[floor] - y[floor].mean()).std()


def test_fisheye_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "fisheye", rng=0, layout="face",
                             defect_params={"radius_px": 6.0, "width_px": 1.0, "contrast": 25.0})
    spec = s.defects[0]
    assert spec.size_px == 12.0 and spec.contrast == 25.0 and spec.params["width_px"] == 1.0
    for bad in ({"radius_px": 0.0}, {"radius_px": 4.0, "width_px": 1.5}, {"radius_px": -3.0},
                {"width_px": float("nan")}, {"angle_deg": 30.0}, {"rim": 1.0},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "fisheye", rng=0, defect_params=bad)
    check_pasted_on_a_face("fisheye")
