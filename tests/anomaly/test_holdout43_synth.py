"""The forty-third held-out configuration's generator pieces: texture ``phosphated``, layout
``geneva`` and the surface defect ``rinsespots``."""

import numpy as np
import pytest
from scipy import ndimage, stats

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features, make_texture
from tests.anomaly.test_holdout9_synth import (change_on_a_still_face, check_missing_features,
                                               check_texture_bad_input)
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_on_the_face,
                                               check_pasted_on_a_face, check_reach_on_the_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.anomaly.test_holdout38_synth import check_local_and_scaled, face_signal_skewness
from tests.anomaly.test_holdout39_synth import STILL

KW = dict(layout="geneva", texture="phosphated")


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("phosphated") == 45 and LAYOUTS.index("geneva") == 44
    assert DEFECT_KINDS.index("rinsespots") == 45 and SURFACE_KINDS.index("rinsespots") == 43
    # at least: a later held-out's names come after these
    assert len(TEXTURES) >= 46 and len(LAYOUTS) >= 45 and len(DEFECT_KINDS) >= 46
    # held-out 42's names stay where they were
    assert TEXTURES.index("wetblasted") == 44 and LAYOUTS.index("dovetail") == 43
    assert DEFECT_KINDS.index("layoutmark") == 44 and SURFACE_KINDS.index("layoutmark") == 42


def test_phosphated_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more25 import phosphated_texture

    check_texture_contract("phosphated")
    check_texture_fast("phosphated")
    check_texture_bad_input(phosphated_texture)


def test_phosphated_face_is_two_sided_and_bimodal():
    # the two coat levels cover half the face each: the face signal's skewness -0.05 to
    # +0.02 seen (seeds 0-7: +0.02, -0.00, -0.04, -0.02, -0.05, +0.01, -0.04, -0.04), within
    # +-0.5 asserted (babbitt's +2.9, freemachining's -3.4)
    for r in range(4):
        t = make_texture("phosphated", (256, 256), np.random.default_rng(r), 0.0)
        skew = face_signal_skewness(t)
        assert abs(skew) < 0.5, (r, skew)
        # blurred by 2 px (the crystals gone) the face is one of two levels: its excess
        # kurtosis -1.16 to -0.97 seen (a Gaussian's 0; peened's -0.67 to -0.50,
        # wetblasted's 0.0 to 0.9, anodised's 0.5 to 1.9), half of it above its mean
        blur = ndimage.gaussian_filter(t, 2.0)
        assert stats.kurtosis(blur.ravel()) < -0.75, r
        assert 0.4 < np.mean(blur > 0) < 0.6, r


def _replay(r):
    """The crystals' pitch, mosaic and the coat's patches of seed ``r`` (the texture's first
    draws, replayed)."""
    from metrology.synth._textures_more25 import PH_CELL, coat_patches, phosphate_crystals

    g = np.random.default_rng(r)
    cell = g.uniform(*PH_CELL)
    crystals = phosphate_crystals(g, 256, 256, cell)
    return cell, crystals, coat_patches(g, 256, 256)


def test_phosphated_patches_are_two_levels_with_soft_borders():
    for r in range(3):
        t = make_texture("phosphated", (256, 256), np.random.default_rng(r), 0.0)
        _, _, patches = _replay(r)
        # two levels, half the face each, most of it far from the border between them
        assert np.mean(patches > 0) == pytest.approx(0.5, abs=0.01)
        assert np.mean(np.abs(patches) > 0.9) > 0.6, r
        # the render blurred by 3 px takes the patches' sign (0.93-0.95 of the face seen)
        agree = np.mean(np.sign(ndimage.gaussian_filter(t, 3.0)) == np.sign(patches))
        assert agree > 0.88, (r, agree)


def test_phosphate_crystals_are_a_fine_isotropic_mosaic():
    for r in range(3):
        cell, crystals, _ = _replay(r)
        # one level a cell: as many levels as cells, each about a cell's area (0.97-0.99 x
        # the pitch squared on average, the largest 1.9-2.2 x)
        _, area = np.unique(crystals, return_counts=True)
        assert 0.85 < area.mean() / cell ** 2 < 1.15 and area.max() < 3.5 * cell ** 2, r
        t = make_texture("phosphated", (256, 256), np.random.default_rng(r), 0.0)
        fine = t - ndimage.gaussian_filter(t, 4.0)
        # the render's fine part: alike 1 px on (0.59-0.68 seen), not 5 px on (-0.09 to
        # -0.04), the same along both axes
        for axis in (0, 1):
            a, b = np.moveaxis(fine, axis, 0)[:-1], np.moveaxis(fine, axis, 0)[1:]
            c1 = np.corrcoef(a.ravel(), b.ravel())[0, 1]
            a5, b5 = np.moveaxis(fine, axis, 0)[:-5], np.moveaxis(fine, axis, 0)[5:]
            c5 = np.corrcoef(a5.ravel(), b5.ravel())[0, 1]
            assert 0.45 < c1 < 0.8 and abs(c5) < 0.15, (r, axis, c1, c5)


def test_phosphate_crystals_are_the_nearest_jittered_points():
    from metrology.synth._textures_more25 import phosphate_crystals
    from scipy.spatial import cKDTree

    # against a brute-force search: the same draws, the nearest of all the points
    cell, h, w = 3.0, 40, 50
    g = np.random.default_rng(7)
    out = phosphate_crystals(g, h, w, cell)
    g = np.random.default_rng(7)
    nr, nc = int(np.ceil(h / cell)) + 2, int(np.ceil(w / cell)) + 2
    jit, level = g.uniform(0.0, 1.0, (nr, nc, 2)), g.standard_normal((nr, nc))
    ii, jj = np.mgrid[0:nr, 0:nc]
    pts = np.stack([((jj - 1 + jit[..., 1]) * cell).ravel(),
                    ((ii - 1 + jit[..., 0]) * cell).ravel()], -1)
    yy, xx = np.mgrid[0:h, 0:w]
    _, k = cKDTree(pts).query(np.stack([xx.ravel(), yy.ravel()], -1).astype(float))
    assert np.array_equal(out.ravel(), level.ravel()[k])


def test_geneva_is_a_disc_with_four_slots_and_four_locking_arcs():
    from metrology.synth._textures_more25 import GV_LOCK, GV_LOCK_AT, GV_SLOT, GV_SLOT_IN

    s = 256.0
    lay = layout_features("geneva", (256, 256))
    r, n, half, inner, lock, lock_at, bore = lay["geneva"]
    assert (n, half, inner, lock, lock_at) == pytest.approx(
        (4, GV_SLOT * s, GV_SLOT_IN * s, GV_LOCK * s, GV_LOCK_AT * s))
    q = np.deg2rad(45.0)
    for e in (-1.0, 1.0):                       # e px out of the face along the outline's normal
        for px, py, nx, ny in ((r * np.cos(0.2), r * np.sin(0.2), np.cos(0.2), np.sin(0.2)),
                               (0.33 * s, half, 0.0, -1.0),             # a slot's side
                               (0.33 * s, -half, 0.0, 1.0),
                               (inner, 0.0, 1.0, 0.0),                  # its inner end
                               ((lock_at - lock) * np.cos(q), (lock_at - lock) * np.sin(q),
                                np.cos(q), np.sin(q)),                  # a locking arc
                               (bore * np.cos(1.0), bore * np.sin(1.0),
                                -np.cos(1.0), -np.sin(1.0))):           # the bore
            assert _sd(lay, [px + e * nx], [py + e * ny])[0] == pytest.approx(e, abs=1e-6), \
                (px, py, e)
    # against a raster: one part round one bore, exact on the face (within the raster's half
    # px), a bound of slope 1 off it; the same turned a quarter and mirrored
    grid = np.mgrid[-128:128:0.5, -128:128:0.5] + 0.25
    sdg = _sd(lay, grid[1], grid[0])
    inside = sdg < 0
    assert ndimage.label(inside)[1] == 1 and ndimage.label(~inside)[1] == 2
    err = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err).max() < 0.55 and out.min() > -0.55
    assert np.abs(np.diff(sdg, axis=0)).max() <= 0.5 + 1e-9
    assert np.abs(np.diff(sdg, axis=1)).max() <= 0.5 + 1e-9
    assert np.allclose(_sd(lay, -grid[0], grid[1]), sdg)
    assert np.allclose(_sd(lay, grid[1], -grid[0]), sdg)
    # a circle at 0.3 s meets the four slots; one at 0.44 s the slots and the arcs: eight gaps
    for rad, gaps in ((0.3 * s, 4), (0.44 * s, 8)):
        a = np.deg2rad(np.arange(0.0, 360.0, 0.25)) + 1e-3
        ring = _sd(lay, rad * np.cos(a), rad * np.sin(a)) < 0
        assert np.count_nonzero(np.diff(ring.astype(int)) == 1) + (ring[0] and not ring[-1]) \
            == gaps, rad


def test_geneva_features_are_four_missable_holes_walled_all_round():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("geneva", (256, 256))
    assert lay["slots"] == [] and lay.get("windows", []) == [] and lay.get("sinks", []) == []
    assert len(lay["holes"]) == 4
    for (x, y), r in lay["holes"]:
        assert np.hypot(x, y) == pytest.approx(0.16 * s) and r == pytest.approx(0.02 * s)
        assert min(abs(x), abs(y)) < 1e-9                     # on the slots' lines
        assert -_sd(lay, [x], [y])[0] - r > 0.07 * s          # walled all round
    assert n_features(lay) == 4 and n_missable(lay) == 4


def test_a_missing_feature_of_the_geneva_is_a_whole_hole():
    check_missing_features(KW, {0, 1, 2, 3})


def test_geneva_face_share_and_background_all_round():
    c = 127.5
    check_inside_at_jitter("geneva", 5)
    lay = layout_features("geneva", (256, 256))
    r, n, half, inner, lock, lock_at, bore = lay["geneva"]
    for seed in range(2):
        s = render_defect_sample((256, 256), "good", rng=seed, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 60
        # the disc less its slots, arcs, bore and four holes: 0.53-0.59 (0.559 seen)
        assert 0.53 < face.mean() < 0.59, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        assert img[int(round(c)), int(round(c))] < 70                      # the bore
        for k in range(4):
            a, b = 0.5 * np.pi * k, 0.5 * np.pi * k + 0.25 * np.pi
            x, y = 0.5 * (inner + r) * np.cos(a), 0.5 * (inner + r) * np.sin(a)
            assert img[int(round(c + y)), int(round(c + x))] < 40, k           # a slot
            x, y = (lock_at - lock + 6) * np.cos(b), (lock_at - lock + 6) * np.sin(b)
            assert img[int(round(c + y)), int(round(c + x))] < 40, k           # an arc's cut
            x, y = 0.4 * 256 * np.cos(a + 0.25), 0.4 * 256 * np.sin(a + 0.25)
            assert img[int(round(c + y)), int(round(c + x))] > 60, k           # an arm
            x, y = 0.2 * 256 * np.cos(b), 0.2 * 256 * np.sin(b)
            assert img[int(round(c + y)), int(round(c + x))] > 60, k           # the hub


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "rinsespots"])
def test_geneva_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_defects_and_extra_holes_lie_on_the_geneva():
    check_on_the_face(KW, ("extra", "spot", "rinsespots"), whole="rinsespots")


def test_geneva_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_every_surface_kind_reaches_only_the_face_of_the_geneva():
    check_reach_on_the_face("geneva", SURFACE_KINDS, seeds=2)


def _change(r, params=None, scale=1.0, **kw):
    """Rinse spots of seed ``r`` on a still, untextured face and their change."""
    return change_on_a_still_face("rinsespots", r, params, scale, **(STILL | kw))


def test_rinsespots_are_local_and_follow_contrast_scale():
    specs = check_local_and_scaled(
        "rinsespots", KW, lambda spec, t, a: np.hypot(t, a) > 0.5 * spec.size_px + 3.0)
    for spec in specs:
        p = spec.params
        assert 14 <= spec.contrast <= 30 and 12 <= spec.size_px <= 30
        assert 5 <= p["spots"] <= 12 and 1.3 <= p["radius_px"] <= 3.5
        assert 0.4 <= p["sigma_px"] <= 0.6
    assert len({s.contrast for s in specs}) == len({s.size_px for s in specs}) == 4


def test_spots_lie_in_the_cluster_and_are_hollow_rings():
    from metrology.synth._defect_makers21 import RS_FILL, RS_RADIUS, spots, spots_change

    g = np.random.default_rng(0)
    for length in (12.0, 20.0, 30.0):
        c, r, fill = spots(g, length, 12)
        assert (np.hypot(*c.T) + r <= 0.5 * length + 1e-9).all()
        assert RS_RADIUS[0] <= r.min() and r.max() <= RS_RADIUS[1]
        assert RS_FILL[0] <= fill.min() and fill.max() <= RS_FILL[1]
    # one spot: its ring at depth 1, its middle at its fill, nothing outside
    c, r, fill = np.zeros((1, 2)), np.array([3.0]), np.array([0.2])
    t = np.array([3.0, 0.0, 0.0, 6.0])
    a = np.array([0.0, -3.0, 0.0, 0.0])
    d = spots_change(t, a, c, r, fill, 0.5)
    assert d[:2] == pytest.approx(1.0) and d[2] == pytest.approx(0.2, abs=1e-3)
    assert d[3] < 1e-3
    # rendered: hollow rings, each round a hole in the mask (4-9 seen, overlaps make more)
    for seed in range(4):
        s, ch = _change(seed, {"radius_px": 3.0, "sigma_px": 0.5, "contrast": 80.0,
                               "length_px": 24.0})
        holes = ndimage.binary_fill_holes(s.mask) & ~s.mask
        assert ndimage.label(holes)[1] >= 3, seed
        assert (-ch[holes] / 80.0).max() < 0.5 and ch.max() <= 1.0


def test_rinsespots_are_bright_if_negative():
    for r in range(3):
        p = {"length_px": 20.0, "contrast": 25.0}
        _, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -25.0})
        assert dp.min() < -0.4 * 25 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0


def test_rinsespots_take_fixed_parameters_reject_bad_ones_and_are_pasted():
    s = render_defect_sample((128, 128), "rinsespots", rng=0, layout="face",
                             defect_params={"length_px": 24.0, "radius_px": 2.5,
                                            "sigma_px": 0.45, "contrast": 20.0,
                                            "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.contrast == 20.0 and spec.angle_deg == 30.0 and spec.size_px == 24.0
    assert spec.params["radius_px"] == 2.5 and spec.params["sigma_px"] == 0.45
    # the draws do not depend on what is given
    a = render_defect_sample((128, 128), "rinsespots", rng=3, layout="face").defects[0]
    b = render_defect_sample((128, 128), "rinsespots", rng=3, layout="face",
                             defect_params={"length_px": 20.0, "radius_px": 2.0}).defects[0]
    assert a.angle_deg == b.angle_deg and a.contrast == b.contrast
    assert a.params["spots"] == b.params["spots"]
    # a sigma over 0.4 x the radius is cut to it; a small image, a smaller cluster
    thick = render_defect_sample((128, 128), "rinsespots", rng=0,
                                 defect_params={"radius_px": 2.0, "sigma_px": 3.0})
    assert thick.defects[0].params["sigma_px"] == pytest.approx(0.8)
    # a radius over a quarter of the cluster is cut to it (the spots within it)
    wide = render_defect_sample((128, 128), "rinsespots", rng=0,
                                defect_params={"length_px": 16.0, "radius_px": 9.0})
    assert wide.defects[0].params["radius_px"] == 4.0
    small = render_defect_sample((64, 64), "rinsespots", rng=0).defects[0]
    assert small.size_px <= 0.3 * 64 + 1e-9
    for bad in ({"length_px": 4.0}, {"sigma_px": 0.0}, {"radius_px": 0.0}, {"drops": 3},
                {"radius_px": float("nan")},
                {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "rinsespots", rng=0, defect_params=bad)
    check_pasted_on_a_face("rinsespots")
