"""The twenty-second held-out configuration's generator pieces: texture ``lasercut``, layout
``gusset`` and the surface defect ``rollmark``."""

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

KW = dict(layout="gusset", texture="lasercut")
#: a bare face, no texture, noise, lighting or placement: a defect's own change shows
BARE = dict(layout="face", texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
            lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("lasercut") == 24 and LAYOUTS.index("gusset") == 23
    assert DEFECT_KINDS.index("rollmark") == 24 and SURFACE_KINDS.index("rollmark") == 22
    # held-out 21's names stay where they were
    assert TEXTURES.index("jewelled") == 23 and LAYOUTS.index("cruciform") == 22
    assert DEFECT_KINDS.index("residue") == 23 and SURFACE_KINDS.index("residue") == 21


def test_lasercut_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more5 import lasercut_texture

    check_texture_contract("lasercut")
    check_texture_fast("lasercut")
    check_texture_bad_input(lasercut_texture)


def _cut(r):
    """The texture of seed ``r`` (256 x 256) and the lines it was drawn from (the same
    draws)."""
    from metrology.synth._textures_more5 import cut_lines, lasercut_texture

    t = lasercut_texture((256, 256), rng=r)
    return t, cut_lines(np.random.default_rng(r), 256, 256)


def _straightened(t, cl):
    """``t`` with each row moved back by its lag (bilinear), the 40 columns at either side
    (where a lag of up to 0.2 x 256 px reads off the image) cut off."""
    yy, xx = np.mgrid[0:256, 40:216].astype(np.float64)
    lag = cl["drag"] * cl["depth"] ** 2
    return ndimage.map_coordinates(t, [yy, xx + lag], order=1)


def test_lasercut_lines_are_periodic_across_at_their_pitch():
    from metrology.synth._textures_more5 import CUT_DRAG, CUT_PITCH_PX

    for r in range(4):
        t, cl = _cut(r)
        p = cl["pitch"]
        assert CUT_PITCH_PX[0] <= p <= CUT_PITCH_PX[1]
        assert CUT_DRAG[0] <= abs(cl["drag"]) / 256 <= CUT_DRAG[1]
        s = _straightened(t, cl)[:128]                  # the entry half, the lines regular
        power = (np.abs(np.fft.rfft((s - s.mean(axis=1, keepdims=True)) * np.hanning(176),
                                    axis=1)) ** 2).mean(axis=0)
        f = np.fft.rfftfreq(176)
        band = (f > 0.06) & (f < 0.45)
        peak = f[band][np.argmax(power[band])]
        assert abs(peak * p - 1.0) < 0.08, (r, peak, 1 / p)
        assert power[band].max() > 8 * np.median(power[band]), r


def _row_shift(t, y0, y1, gap, near, pitch):
    """The shift (px, sub-pixel) within half a ``pitch`` of ``near`` (the lines repeat at a
    pitch: so does their match) that best matches each row ``y`` of ``y0:y1`` with row ``y +
    gap`` (row ``y + gap`` at ``x + shift`` like row ``y`` at ``x``), from their
    cross-correlations summed over the rows."""
    shifts = np.arange(-12, 13)
    a, b = t[y0:y1, 20:-20], t[y0 + gap:y1 + gap]
    corr = np.array([(a * b[:, 20 + s:b.shape[1] - 20 + s]).sum() for s in shifts])
    corr[np.abs(shifts - near) > 0.5 * pitch + 1] = -np.inf
    k = int(np.argmax(corr))
    c0, c1, c2 = corr[k - 1:k + 2]
    assert np.isfinite([c0, c2]).all() and c1 >= max(c0, c2)      # a peak, not the window
    return shifts[k] + 0.5 * (c0 - c2) / (c0 - 2 * c1 + c2)


def test_lasercut_lines_bend_along_one_drag_curve():
    signs = set()
    for r in range(6):
        t, cl = _cut(r)
        drag = cl["drag"]
        signs.add(np.sign(drag))
        for y0 in (20, 110, 180):              # rows y0 to y0 + 40 against those 6 below
            ys = np.arange(y0, y0 + 40)
            want = drag * np.mean((ys + 6.0) ** 2 - ys ** 2) / 255.0 ** 2   # the lag's step
            got = _row_shift(t, y0, y0 + 40, 6, want, cl["pitch"])
            assert abs(got - want) < 0.2 + 0.3 * abs(want), (r, y0, got, want)
        assert abs(want) > 0.6                                  # at the exit: well bent
    assert signs == {-1.0, 1.0}                                 # cut either way


def _alike(s, y0, y1, gap=6):
    """The correlation of the rows ``y0:y1`` of ``s`` with those ``gap`` below them."""
    return np.corrcoef(s[y0:y1 - gap].ravel(), s[y0 + gap:y1].ravel())[0, 1]


def test_lasercut_gets_rougher_towards_the_exit():
    for r in range(4):
        t, cl = _cut(r)
        s = _straightened(t, cl)
        top, bottom = _alike(s, 0, 64), _alike(s, 192, 256)
        assert top > 0.75 and bottom < top - 0.3, (r, top, bottom)
        assert np.std(t[192:]) > 1.1 * np.std(t[:64]), r


def test_gusset_layout_is_a_rounded_triangle_with_a_bore_and_three_holes():
    from metrology.synth._defect_makers import sd_features, sd_plate
    from metrology.synth._textures_more5 import GUSSET_BORE, GUSSET_CLEAR, GUSSET_HOLE

    s = 256.0
    lay = layout_features("gusset", (256, 256))
    assert len(lay["holes"]) == 3 and lay["slots"] == [] and len(lay["windows"]) == 1
    assert lay["keep_windows"] and not lay.get("keep_slots")
    hx, hy = lay["half"]
    r = lay["corner"]
    # the three sides: two legs along the plate's left and bottom edges and the hypotenuse
    # through the centre, each straight (distance 0 along it, away from the corners)
    t = np.linspace(-0.6, 0.6, 25)
    for u, v in ((t * hx, np.full(25, hy)), (np.full(25, -hx), t * hy), (t * hx, t * hy)):
        assert np.allclose(sd_plate(u, v, lay), 0.0, atol=1e-9)
    # inside below the hypotenuse, outside above it: by the distance to its line
    n = np.array([hy, -hx]) / np.hypot(hx, hy)       # the normal out of the plate
    for d in (-20.0, -5.0, 5.0, 20.0):
        assert sd_plate(np.array([d * n[0]]), np.array([d * n[1]]), lay)[0] == \
            pytest.approx(d)
    # the plate's upper right corner is not part; the triangle's corners rounded by r
    assert sd_plate(np.array([0.8 * hx]), np.array([-0.8 * hy]), lay)[0] > 0.5 * hx
    assert sd_plate(np.array([-hx]), np.array([hy]), lay)[0] == \
        pytest.approx(r * (np.sqrt(2) - 1))
    # the lightening hole a circle at the incentre, each fixing hole as far from both edges
    # of its corner
    (cx, cy), (bx, by), br = lay["windows"][0]
    rho = 0.5 * (4 * hx - np.hypot(2 * hx, 2 * hy))
    assert (cx, cy) == pytest.approx((-hx + rho, hy - rho)) and bx == by == br
    assert br == pytest.approx(GUSSET_BORE * s)
    for (x, y), rad in lay["holes"]:
        assert rad == pytest.approx(GUSSET_HOLE * s)
        edges = sorted([hy - y, x + hx, abs(n @ (x, y))])
        assert edges[0] == pytest.approx(GUSSET_CLEAR * s) and \
            edges[1] == pytest.approx(GUSSET_CLEAR * s), edges
    # the outline's distance is exact: a raster of the plate's inside agrees with it
    grid = np.mgrid[-hy - 4:hy + 4:0.5, -hx - 4:hx + 4:0.5]
    sd = sd_plate(grid[1], grid[0], lay)
    inside = sd < 0
    raster = 0.5 * (ndimage.distance_transform_edt(~inside) -
                    ndimage.distance_transform_edt(inside))
    assert np.abs(raster - sd).max() < 0.6
    # every feature clear of the outline by 0.05 s and of each other
    feats = sd_features(grid[1], grid[0], lay, None)
    assert (sd[feats <= 0] < -0.05 * s).all()


def test_gusset_renders_a_triangle_with_its_hypotenuse_at_45_degrees():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0,
                             lighting=0, **KW)
    img, c = s.image.astype(float), 127.5
    assert img[int(c - 90), int(c + 90)] < 40               # the upper right: background
    assert img[int(c + 60), int(c - 20)] > 90 and img[int(c + 95), int(c + 20)] > 90
    # across the hypotenuse (from the face, down left, to the background, up right) the
    # edge at the line through the centre, wherever along it
    t = np.arange(-30.0, 30.0, 0.25)
    for along in (-60.0, -20.0, 30.0, 70.0):
        x = c + along / np.sqrt(2) + t / np.sqrt(2)
        y = c + along / np.sqrt(2) - t / np.sqrt(2)
        prof = ndimage.map_coordinates(img, [y, x], order=1)
        half = 0.5 * (prof[:40].mean() + prof[-40:].mean())
        edge = t[np.argmax(prof < half)]
        assert prof[:40].mean() > 90 and prof[-40:].mean() < 40 and abs(edge) < 1.5, edge
    lay = layout_features("gusset", (256, 256))
    (wx, wy), _, _ = lay["windows"][0]
    assert img[int(c + wy), int(c + wx)] < 60                # the lightening hole
    for (hx, hy), _ in lay["holes"]:
        assert img[int(round(c + hy)), int(round(c + hx))] < 60


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "rollmark"])
def test_gusset_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_gusset_is_a_fixing_hole_never_the_lightening_hole():
    seen = set()
    for r in range(24):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.size_px == pytest.approx(0.03 * 128) and spec.params["half_length_px"] == 0
    assert seen == {0, 1, 2}


def test_defects_and_extra_holes_lie_on_the_triangle():
    good = render_defect_sample((128, 128), "good", rng=0, placement_px=0, placement_deg=0,
                                lighting=0, **KW).image
    for r in range(12):
        for kind in ("extra", "spot", "rollmark"):
            s = render_defect_sample((128, 128), kind, rng=r, placement_px=0, placement_deg=0,
                                     lighting=0, **KW)
            x, y = (int(round(v)) for v in s.defects[0].center_xy)
            assert good[y - 1:y + 2, x - 1:x + 2].min() > 90, (kind, r)   # face


def test_gusset_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_rollmark_is_local_darker_and_follows_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "rollmark"):
        s = render_defect_sample((256, 256), "rollmark", rng=r, **KW)
        twin = render_defect_sample((256, 256), "rollmark", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "rollmark", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "rollmark" and 14 <= spec.contrast <= 30
        assert 4 <= spec.size_px <= 6 and 10 <= spec.params["pitch_px"] <= 18
        assert spec.params["count"] in (3.0, 4.0, 5.0)
        assert np.array_equal(s.mask, twin.mask)
        assert ndimage.label(s.mask)[1] == spec.params["count"]     # one blob per copy
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=2)
        assert np.abs(d[~near]).max() <= 2                       # nothing off the imprints
        assert d[s.mask].mean() < -0.5 * spec.contrast           # darker all over
        assert d[s.mask].max() < 2                               # nowhere brighter
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = d2[s.mask].sum() / d[s.mask].sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def _moments(m):
    """Elongation (the ratio of the principal second moments) and the long axis's angle
    (degrees, 0-180) of the blob ``m``."""
    yy, xx = np.nonzero(m)
    cov = np.cov(np.vstack([xx, yy]).astype(float))
    vals, vecs = np.linalg.eigh(cov)
    return vals[1] / vals[0], np.rad2deg(np.arctan2(vecs[1, 1], vecs[0, 1])) % 180.0


def _match(d, on, dx, dy):
    """The cosine of ``d`` moved by ``(dx, dy)`` px (bilinear) and ``d`` itself on ``on``."""
    m = ndimage.shift(d, (dy, dx), order=1)[on]
    return (m * d[on]).sum() / max(np.sqrt((m * m).sum() * (d[on] ** 2).sum()), 1e-9)


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 143.0])
def test_rollmark_repeats_one_oval_imprint_at_its_pitch_along_a_line(angle):
    turns = []
    for r in range(4):
        p = {"radius_px": 2.8, "pitch_px": 14.0, "contrast": 24.0, "angle_deg": angle}
        s = render_defect_sample((128, 128), "rollmark", rng=r, defect_params=p, **BARE)
        twin = render_defect_sample((128, 128), "rollmark", rng=r, defect_params=p,
                                    contrast_scale=1e-6, **BARE)
        d = s.image.astype(float) - twin.image.astype(float)
        spec = s.defects[0]
        n = int(spec.params["count"])
        lab, k = ndimage.label(s.mask)
        assert k == n, (r, k, n)
        cents = np.array(ndimage.center_of_mass(-d, lab, range(1, k + 1)))[:, ::-1]   # x, y
        order = np.argsort(cents @ [np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))])
        cents = cents[order]
        # equally spaced at the pitch, in a straight line along the rolling direction
        step = np.diff(cents, axis=0)
        assert np.allclose(np.hypot(*step.T), 14.0, atol=0.3), (r, step)
        heading = np.rad2deg(np.arctan2(step[:, 1], step[:, 0])) % 180.0
        assert np.all(np.abs((heading - angle + 90.0) % 180.0 - 90.0) < 2.0), heading
        # the same imprint every time: the change moved by one pitch matches itself
        dx, dy = 14.0 * np.cos(np.deg2rad(angle)), 14.0 * np.sin(np.deg2rad(angle))
        on = ndimage.binary_dilation(np.isin(lab, order[1:] + 1), iterations=1)
        match = [_match(d, on, f * dx, f * dy) for f in (1.0, 0.5, 0.9)]
        assert match[0] > 0.95 and match[1] < 0.2 and match[2] < 0.9, (r, match)
        # an oval, not a round dent, turned alike in every copy
        shapes = [_moments(lab == i + 1) for i in range(k)]
        ratios, axes = np.array(shapes).T
        assert ratios.min() > 1.5, ratios
        assert np.all(np.abs((axes - axes[0] + 90.0) % 180.0 - 90.0) < 15.0), axes
        turns.append(axes[0])
        # a negative contrast: the same imprints, raised and brighter
        bump = render_defect_sample((128, 128), "rollmark", rng=r, **BARE,
                                    defect_params=p | {"contrast": -24.0})
        db = bump.image.astype(float) - twin.image.astype(float)
        assert np.abs(db + d).max() <= 1.0 and bump.defects[0].contrast == -24.0
    # the imprint differs from part to part
    assert np.ptp(turns) > 20.0, turns


def test_rollmark_presses_the_texture_flatter():
    kw = dict(BARE, texture="lasercut", texture_amplitude=12.0)
    for r in range(4):
        p = {"radius_px": 3.0, "pitch_px": 12.0}
        twin = render_defect_sample((128, 128), "rollmark", rng=r, defect_params=p,
                                    contrast_scale=1e-6, **kw)
        good = render_defect_sample((128, 128), "good", rng=r, **kw)
        m = twin.mask
        inside = ndimage.binary_erosion(m, iterations=1)
        outside = ~ndimage.binary_dilation(m, iterations=3)
        x, y = twin.image.astype(float), good.image.astype(float)
        assert np.array_equal(x[outside], y[outside])        # the same face off the marks
        ratio = (x[inside] - 150).std() / (y[inside] - 150).std()
        assert 0.3 < ratio < 0.6, (r, ratio)                 # the texture at 0.4 in them


def test_rollmark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "rollmark", rng=0, layout="face",
                             defect_params={"radius_px": 2.5, "pitch_px": 11.0,
                                            "contrast": 18.0, "angle_deg": 40.0})
    spec = s.defects[0]
    assert spec.size_px == 5.0 and spec.angle_deg == 40.0 and spec.contrast == 18.0
    assert spec.params["pitch_px"] == 11.0 and 0.2 <= spec.params["elongation"] <= 0.3
    for bad in ({"pitch_px": 7.0, "radius_px": 2.5}, {"pitch_px": -3.0},
                {"radius_px": float("nan")}, {"count": 4}, {"contrast": float("inf")},
                {"angle_deg": "along"}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "rollmark", rng=0, defect_params=bad)
    check_pasted_on_a_face("rollmark")
