"""The nineteenth held-out configuration's generator pieces: texture ``strandmat``, layout
``perforated`` and the surface defect ``watermark``."""

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

KW = dict(layout="perforated", texture="strandmat")
#: a bare face, no texture, noise, lighting or placement: a defect's own change shows
BARE = dict(layout="face", texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
            lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("strandmat") == 21 and LAYOUTS.index("perforated") == 20
    assert DEFECT_KINDS.index("watermark") == 21 and SURFACE_KINDS.index("watermark") == 19
    # held-out 18's names stay where they were
    assert TEXTURES.index("wrinkled") == 20 and DEFECT_KINDS.index("chip") == 20


def test_strandmat_texture_contract_speed_and_tiny_sizes():
    check_texture_contract("strandmat")
    check_texture_fast("strandmat")


def _orientation(t, sigma):
    """Coherence (0: no direction, 1: one direction) and doubled-angle orientation of the
    structure tensor of ``t``, its products smoothed by a Gaussian of ``sigma`` px."""
    gx, gy = ndimage.sobel(t, 1, mode="wrap"), ndimage.sobel(t, 0, mode="wrap")
    jxx, jyy, jxy = (ndimage.gaussian_filter(a, sigma, mode="wrap")
                     for a in (gx * gx, gy * gy, gx * gy))
    coh = np.hypot(jxx - jyy, 2 * jxy) / np.maximum(jxx + jyy, 1e-12)
    return coh, np.arctan2(2 * jxy, jxx - jyy), jxx + jyy


def test_strands_are_straight_lines_at_every_angle():
    for r in range(4):
        t = make_texture("strandmat", (256, 256), np.random.default_rng(r), 1.0)
        ref = make_texture("blasted", (256, 256), np.random.default_rng(r), 1.0)
        coh, ang, energy = _orientation(t, 3.0)
        coh_ref, _, _ = _orientation(ref, 3.0)
        strong = energy > np.quantile(energy, 0.75)        # on the strands' flanks
        # locally one direction over 3 px and more (straight lines), unlike a grain
        assert np.median(coh[strong]) > 0.6 and np.median(coh_ref) < 0.35, r
        # globally no common direction: each of four direction bins (45 degrees) holds at
        # least a tenth of the oriented energy (a quarter if even; brushed or ground: 0)
        hist = np.bincount(((ang[strong] + np.pi) / (2 * np.pi) * 4).astype(int) % 4,
                           (energy * coh)[strong], minlength=4)
        assert hist.min() > 0.1 * hist.sum(), (r, hist)


def test_strands_are_brighter_than_the_resin_and_about_two_px_wide():
    from metrology.synth._textures_more3 import STRAND_PX, strand_layer

    for r in range(3):
        layer, theta = strand_layer(np.random.default_rng(r), 256, 256)
        assert len(theta) == round(256 * 256 / 450) and (0 <= theta).all() and (theta < np.pi).all()
        assert 0.0 <= layer.min() and layer.max() < 1.0                    # saturating overlaps
        on = layer > 0.5 * layer.max()
        assert 0.05 < on.mean() < 0.35, on.mean()                         # a mat, not a sheet
        # thin: two erosions (a band up to 4 px wide gone) leave only crossings
        assert ndimage.binary_erosion(on, iterations=2).sum() < 0.2 * on.sum()
        # and long: most of it in pieces of at least a short strand's length times its width
        lab, n = ndimage.label(on)
        sizes = np.bincount(lab.ravel())[1:]
        assert sizes[sizes >= 1.5 * STRAND_PX[0]].sum() > 0.8 * sizes.sum(), r
        t = make_texture("strandmat", (256, 256), np.random.default_rng(r), 1.0)
        skew = float((t ** 3).mean())
        assert skew > 0.5, skew                      # bright strands on a darker resin


def test_perforated_layout_is_a_hexagonal_field_and_two_slots():
    lay = layout_features("perforated", (256, 256))
    s = 256.0
    assert len(lay["holes"]) == 17 and len(lay["slots"]) == 2 and "windows" not in lay
    assert lay["keep_slots"] and not lay.get("keep_windows")
    xy = np.array([c for c, _ in lay["holes"]])
    assert np.allclose([r for _, r in lay["holes"]], 0.03 * s)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).T)
    np.fill_diagonal(d, np.inf)
    assert np.allclose(d.min(axis=1), 0.1 * s)                 # every neighbour one pitch away
    # hexagonal: the middle row's three inner perforations have six neighbours each
    assert (np.isclose(d, 0.1 * s).sum(axis=1) == 6).sum() == 3
    assert len(np.unique(np.round(xy[:, 1], 6))) == 3          # three staggered rows
    hx, hy = lay["half"]
    assert (np.abs(xy[:, 0]) + 0.03 * s < hx).all() and (xy[:, 1] - 0.03 * s > -hy).all()
    for (cx, cy), half, r, a in lay["slots"]:
        assert a == 0.0 and cy > xy[:, 1].max() + 0.3 * s and abs(cx) + half + r < hx


def test_perforated_renders_its_holes_slots_and_a_free_face():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("perforated", (256, 256))
    c = 127.5
    for (cx, cy), _ in lay["holes"]:
        assert s.image[int(round(c + cy)), int(round(c + cx))] < 90
    for (cx, cy), _, _, _ in lay["slots"]:
        assert s.image[int(round(c + cy)), int(round(c + cx))] < 90
    # between perforations (a lattice's gap) and the face below them: plate
    (x0, y0), _ = lay["holes"][0]
    assert s.image[int(round(c + y0)), int(round(c + x0 + 0.05 * 256))] > 90
    assert s.image[int(c + 0.1 * 256), int(c)] > 90


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "watermark"])
def test_perforated_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_perforated_plate_is_a_perforation():
    seen = set()
    for r in range(24):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.params["half_length_px"] == 0.0 and spec.size_px == pytest.approx(0.03 * 128)
    assert seen <= set(range(17)) and len(seen) >= 8


def test_perforated_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_watermark_is_local_darker_on_its_ring_and_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "watermark"):
        s = render_defect_sample((256, 256), "watermark", rng=r, **KW)
        twin = render_defect_sample((256, 256), "watermark", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "watermark", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "watermark" and 14 <= spec.contrast <= 30
        assert 5 <= spec.size_px <= 14 and 0.5 <= spec.params["width_px"] <= 0.9
        assert s.mask.sum() >= 15 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 4                      # the faint lift, nothing else
        assert d[s.mask].mean() < -0.3 * spec.contrast          # the ring darker
        assert (d[s.mask] >= 3).sum() == 0                      # never brighter on it
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)


def test_watermark_is_a_thin_closed_ring_around_a_faintly_lifted_face():
    for r in range(6):
        kw = dict(rng=r, defect_params={"radius_px": 10.0, "contrast": 24.0})
        s = render_defect_sample((128, 128), "watermark", **kw, **BARE)
        twin = render_defect_sample((128, 128), "watermark", contrast_scale=1e-6, **kw, **BARE)
        d = s.image.astype(float) - twin.image.astype(float)
        m = s.mask
        assert ndimage.label(m)[1] == 1                                 # one closed loop
        hole = ndimage.binary_fill_holes(m) & ~m
        assert hole.sum() > 2.0 * m.sum() * 0.5 and hole.sum() > 150   # a face inside it
        # thin: its area is its length times about 1-3 px
        assert 1.0 < m.sum() / (2 * np.pi * 10.0) < 3.0, m.sum()
        core = ndimage.binary_erosion(hole, iterations=2)
        assert 1.0 <= d[core].mean() <= 0.2 * 24.0                      # a faint lift inside
        assert d[m].min() < -0.7 * 24.0
        ys, xs = np.nonzero(m)
        cx, cy = s.defects[0].center_xy
        rad = np.hypot(xs - cx, ys - cy)
        assert 0.8 * 10.0 < rad.min() and rad.max() < 1.25 * 10.0 + 2    # about its radius


def test_watermark_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "watermark", rng=0, layout="face",
                             defect_params={"radius_px": 7.0, "width_px": 0.8,
                                            "contrast": 20.0})
    spec = s.defects[0]
    assert spec.size_px == 7.0 and spec.params["width_px"] == 0.8 and spec.contrast == 20.0
    for bad in ({"radius_px": -3.0}, {"width_px": 0.0}, {"radius_px": float("nan")},
                {"depth": 3.0}, {"contrast": float("inf")}, {"width_px": "thin"}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "watermark", rng=0, defect_params=bad)
    check_pasted_on_a_face("watermark")
