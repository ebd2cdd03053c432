"""The eighteenth held-out configuration's generator pieces: texture ``wrinkled``, layout
``rotor`` and the surface defect ``chip``."""


import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_pasted_on_a_face, check_texture_contract,
                                               check_texture_fast)
from tests.sampling import sample

KW = dict(layout="rotor", texture="wrinkled")
#: a bare face, no texture, noise, lighting or placement: a defect's own change shows
BARE = dict(layout="face", texture="blasted", texture_amplitude=0.0, noise_sigma=0.0,
            lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come after every older one
    assert TEXTURES.index("wrinkled") == 20 and LAYOUTS.index("rotor") == 19
    assert DEFECT_KINDS.index("chip") == 20 and SURFACE_KINDS.index("chip") == 18


def test_wrinkled_texture_contract_speed_and_tiny_sizes():
    check_texture_contract("wrinkled")
    check_texture_fast("wrinkled")


def _radial_power(t):
    """Power of ``t`` (square) by the integer radius of its spatial frequency (cycles per
    image side), windowed (Hann) so the image's edges add no power."""
    n = t.shape[0]
    p = np.abs(np.fft.fft2(t * np.outer(np.hanning(n), np.hanning(n)))) ** 2
    f = np.fft.fftfreq(n) * n
    k = np.rint(np.hypot(f[:, None], f[None, :])).astype(int)
    return np.bincount(k.ravel(), p.ravel())[: n // 2] / np.bincount(k.ravel())[: n // 2]


def _direction_spread(t, k0):
    """Largest over smallest power of ``t`` (square) in eight direction sectors of the band
    within a quarter of ``k0`` (cycles per side) of ``k0``: 1 for an isotropic field."""
    n = t.shape[0]
    p = np.abs(np.fft.fft2(t)) ** 2
    f = np.fft.fftfreq(n) * n
    k = np.hypot(f[:, None], f[None, :])
    sector = (np.mod(np.arctan2(f[:, None], f[None, :]), np.pi) / np.pi * 8).astype(int) % 8
    band = np.abs(k - k0) < 0.25 * k0
    s = np.bincount(sector[band], p[band], minlength=8)
    return s.max() / s.min()


def test_wrinkles_are_a_ring_band_at_one_wavelength_lit_from_one_side():
    from metrology.synth._textures_more3 import WRINKLE_PX, wrinkle_relief, wrinkled_texture

    for r in range(4):
        relief, lam = wrinkle_relief(np.random.default_rng(r), 256, 256)  # the first draws
        assert WRINKLE_PX[0] <= lam <= WRINKLE_PX[1]
        k0 = 256.0 / lam
        for field in (relief, wrinkled_texture((256, 256), rng=r)):
            power = _radial_power(field)
            top = 6 + int(np.argmax(power[6:100]))          # above the slow mottling
            assert abs(top - k0) <= 0.15 * k0, (r, top, k0)
            # a band, not a low-pass roughness: far less power at half and twice k0
            assert power[top] > 20 * power[int(round(0.5 * k0))], r
            assert power[top] > 20 * power[int(round(2.0 * k0))], r
        # the relief alike in every direction; the lit texture not (its flanks face a light)
        assert _direction_spread(relief, k0) < 2.0
        assert _direction_spread(wrinkled_texture((256, 256), rng=r), k0) > 2.5


def test_wrinkle_ridges_form_a_labyrinth_half_a_wavelength_wide():
    from metrology.synth._textures_more3 import wrinkle_relief

    for r in range(4):
        relief, lam = wrinkle_relief(np.random.default_rng(10 + r), 256, 256)
        ridge = relief > 0
        assert 0.4 < ridge.mean() < 0.6
        lab, n = ndimage.label(ridge)
        sizes = np.bincount(lab.ravel())[1:]
        widest = 2 * ndimage.maximum(ndimage.distance_transform_edt(ridge), lab,
                                     np.arange(1, n + 1))
        long = sizes >= 3 * lam ** 2
        # most of the ridge area in long meandering ridges, not in dots or blobs (a disc's
        # area over its width squared is 0.8)
        assert sizes[long].sum() > 0.65 * sizes.sum(), r
        assert np.median(sizes[long] / widest[long] ** 2) > 5, r
        assert 0.5 < np.median(widest[long]) / lam < 1.0, r      # about half a wavelength


def test_rotor_layout_is_round_with_radial_slots_a_bore_and_cooling_holes():
    lay = layout_features("rotor", (256, 256))
    s = 256.0
    hx, hy = lay["half"]
    assert lay["corner"] == hx == hy                                # a disc
    assert len(lay["holes"]) == 4 and len(lay["slots"]) == 12 and len(lay["windows"]) == 1
    assert lay["keep_windows"] and lay["keep_slots"] and "sinks" not in lay
    (bx, by), (bhx, bhy), br = lay["windows"][0]
    assert (bx, by) == (0.0, 0.0) and bhx == bhy == br                # a round bore
    rad, ang = [], []
    for (cx, cy), half, r, a in lay["slots"]:
        rad.append(np.hypot(cx, cy))
        ang.append(np.degrees(np.arctan2(cy, cx)) % 360)
        assert a % 180 == pytest.approx(ang[-1] % 180)                # along its radius
        assert rad[-1] + half + r < hx - 0.015 * s                     # a web at the rim
        assert rad[-1] - half - r > br + 0.2 * s
    assert np.allclose(rad, rad[0]) and np.allclose(np.diff(np.sort(ang)), 30.0)
    for (cx, cy), r in lay["holes"]:                   # between the bore and the slots
        assert br + 0.05 * s + r < np.hypot(cx, cy) < rad[0] - 0.027 * s - 0.05 * s - r


def test_rotor_renders_bore_slots_holes_and_a_round_outline():
    s = render_defect_sample((256, 256), "good", rng=1, placement_px=0, placement_deg=0, **KW)
    lay = layout_features("rotor", (256, 256))
    c = 127.5
    assert s.image[int(c), int(c)] < 90                                 # the bore
    for (cx, cy), _, _, _ in lay["slots"] + [(h[0], 0, 0, 0) for h in lay["holes"]]:
        assert s.image[int(round(c + cy)), int(round(c + cx))] < 90
    for rho in (0.15, 0.3, 0.39, 0.425):          # face between the features, to the rim
        x, y = c + rho * 256 * np.cos(np.deg2rad(15.0)), c + rho * 256 * np.sin(np.deg2rad(15.0))
        assert s.image[int(round(y)), int(round(x))] > 100, rho
    # round: inside the plate's rectangle, off the disc, is background (a rectangular
    # plate's face there)
    for sx in (-1, 1):
        for sy in (-1, 1):
            assert s.image[int(c + sy * 0.36 * 256), int(c + sx * 0.36 * 256)] < 60
    assert s.image[int(c), int(c + 0.47 * 256)] < 60                  # and off it


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "chip"])
def test_rotor_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_rotor_is_a_cooling_hole():
    seen = set()
    for r in range(16):
        s = render_defect_sample((128, 128), "missing", rng=r, **KW)
        spec = s.defects[0]
        seen.add(spec.params["feature"])
        assert spec.params["half_length_px"] == 0.0 and spec.size_px == pytest.approx(0.025 * 128)
    assert seen <= {0, 1, 2, 3} and len(seen) >= 3


def test_rotor_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def test_chip_is_local_brighter_and_contrast_scale():
    # the same check of every seed: 8 under --runslow, two of them by default
    for r in sample(range(8), 2, "chip"):
        s = render_defect_sample((256, 256), "chip", rng=r, **KW)
        twin = render_defect_sample((256, 256), "chip", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "chip", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        assert spec.kind == "chip" and 20 <= spec.contrast <= 40 and 4 <= spec.size_px <= 10
        assert 0.4 <= spec.params["terrace"] <= 0.6 and 6 <= spec.params["vertices"] <= 9
        assert s.mask.sum() >= 20 and np.array_equal(s.mask, twin.mask)
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() == 0                             # only near its mask
        assert d[s.mask].mean() > 0.3 * spec.contrast                   # brighter
        assert (d[s.mask] <= -3).sum() == 0                             # nowhere darker
        ys, xs = np.nonzero(s.mask)
        cx, cy = spec.center_xy
        assert np.hypot(xs - cx, ys - cy).max() <= spec.size_px + 1.0
        d2 = big.image.astype(float) - twin.image.astype(float)
        assert big.defects[0].contrast == pytest.approx(2.0 * spec.contrast)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.6 < ratio < 2.4, ratio


def test_chip_is_two_flat_terraces_with_sharp_angular_edges():
    for r in range(6):
        kw = dict(rng=r, defect_params={"radius_px": 9.0, "contrast": 30.0})
        s = render_defect_sample((128, 128), "chip", **kw, **BARE)
        twin = render_defect_sample((128, 128), "chip", contrast_scale=1e-6, **kw, **BARE)
        d = s.image.astype(float) - twin.image.astype(float)
        p, m = s.defects[0].params["terrace"], s.mask
        metal, primer = np.abs(d - 30.0) <= 1.5, np.abs(d - 30.0 * p) <= 1.5
        # the bare metal inside a primer ring, each level flat: most of the chip on one of
        # the two levels, the rest its edges
        assert metal.sum() >= 12 and primer.sum() >= 40 and (metal | primer)[m].mean() > 0.6
        assert ndimage.binary_erosion(m, iterations=2)[metal].mean() > 0.8  # metal inside
        # sharp (not blurred) edges: the pixels between nothing and the primer's level are
        # about one outline's worth
        outline = (m & ~ndimage.binary_erosion(m)).sum()
        assert ((d > 4.5 * p) & (d < 25.5 * p)).sum() <= 1.2 * outline
        # angular, not round: its outline's nearest point well inside its farthest (a
        # disc's pixel outline: 0.88)
        ys, xs = np.nonzero(m & ~ndimage.binary_erosion(m))
        cx, cy = s.defects[0].center_xy
        rad = np.hypot(xs - cx, ys - cy)
        assert rad.min() < 0.8 * rad.max(), r


def test_chip_removes_the_coat_texture_inside_it():
    for r in range(4):
        kw = dict(rng=r, defect_params={"radius_px": 9.0, "contrast": 30.0}, layout="face",
                  texture="blasted", noise_sigma=0.0, lighting=0.0)
        s = render_defect_sample((128, 128), "chip", **kw)
        twin = render_defect_sample((128, 128), "chip", contrast_scale=1e-6, **kw)
        metal = np.abs(s.image.astype(float) - twin.image.astype(float) - 30.0) <= 1.5
        cx, cy = s.defects[0].center_xy
        yy, xx = np.mgrid[0:128, 0:128]
        ring = np.abs(np.hypot(xx - cx, yy - cy) - 15.0) < 3.0         # the coat around it
        assert s.image[metal].std() < 0.35 * s.image[ring].std(), r


def test_chip_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "chip", rng=0, layout="face",
                             defect_params={"radius_px": 6.0, "contrast": 25.0})
    spec = s.defects[0]
    assert spec.size_px == 6.0 and spec.params["radius_px"] == 6.0 and spec.contrast == 25.0
    for bad in ({"radius_px": -3.0}, {"radius_px": float("nan")}, {"depth": 3.0},
                {"contrast": float("inf")}, {"radius_px": "big"}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "chip", rng=0, defect_params=bad)
    check_pasted_on_a_face("chip")
