"""Blur-curvature correction table (metrology.caliper.curvature)."""

import math

import numpy as np
import pytest

from metrology.caliper import EdgeSettings, FitSettings, find_circle
from metrology.caliper.curvature import (MAX_BLUR_RATIO, MIN_RADIUS_PX, blurred_disk,
                                         edge_from_radius, edge_shift, in_domain,
                                         radius_from_edge)
from metrology.caliper.edges import detect_edges
from metrology.errors import InputError
from metrology.image.profiles import ray_calipers
from metrology.synth.render import finish_image
from metrology.synth.shapes import Disk, render_shapes


@pytest.mark.parametrize("s", [0.6, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("radius", [400.0, 4000.0])
def test_reduces_to_first_order_for_small_blur_over_radius(s, radius):
    first = s * s / (2.0 * radius)
    for kind in ("straight", "fit"):
        corr = radius_from_edge(radius, s, blur=kind) - radius
        assert corr == pytest.approx(first, rel=0.005)
    # per point: -s^2 kappa / 2, odd in the curvature, 0 on a straight stretch
    k = 1.0 / radius
    assert edge_shift(k, s, blur="straight") == pytest.approx(-first, rel=0.005)
    assert edge_shift(-k, s, blur="straight") == -edge_shift(k, s, blur="straight")
    assert edge_shift(0.0, s) == 0.0


def test_nearly_sharp_optics_limit_is_set_by_the_pixel_box():
    # s = 0.3 px is almost all pixel box (sigma_o = 0.08): the square footprint's anisotropy
    # lowers the shift to ~0.96 of s^2 / 2R (the fit's own behaviour, from the table)
    corr = radius_from_edge(1000.0, 0.3, blur="straight") - 1000.0
    assert corr / (0.09 / 2000.0) == pytest.approx(0.963, abs=0.01)


def test_round_trip_and_monotone_over_the_domain():
    radius = np.geomspace(MIN_RADIUS_PX, 200.0, 60)
    for s in (0.4, 0.8, 1.2, 1.6, 2.0, 2.4, 3.0):
        r = radius[s / radius <= MAX_BLUR_RATIO]
        r_m, s_fit = edge_from_radius(r, s)
        assert np.all(r_m < r)
        assert np.all(np.diff(r_m) > 0)                  # one true radius per measured one
        np.testing.assert_allclose(radius_from_edge(r_m, s_fit), r, atol=1e-7)
        np.testing.assert_allclose(radius_from_edge(r_m, s, blur="straight"), r, atol=1e-7)
        opt = math.sqrt(s * s - 1.0 / 12.0)
        np.testing.assert_allclose(radius_from_edge(r_m, opt, blur="optics"), r, atol=1e-7)
        # the per-point form agrees with the circle's
        np.testing.assert_allclose(edge_shift(1.0 / r_m, s_fit), r_m - r, atol=1e-7)
    # more blur, larger shift, at every radius of the domain
    for r in (MIN_RADIUS_PX, 6.0, 10.0, 30.0):
        s = np.linspace(0.3, min(3.3, MAX_BLUR_RATIO * r), 40)
        r_m, s_fit = edge_from_radius(r, s)
        assert np.all(np.diff(r_m) < 0) and np.all(np.diff(s_fit) > 0)


def test_scalar_and_array_paths_agree():
    rng = np.random.default_rng(3)
    r = rng.uniform(5.0, 80.0, 50)
    s = rng.uniform(0.3, 2.4, 50)
    ok = in_domain(r, s)
    assert ok.sum() > 40
    arr = radius_from_edge(r[ok], s[ok], shading=0.3)
    one = [radius_from_edge(float(a), float(b), shading=0.3) for a, b in zip(r[ok], s[ok])]
    np.testing.assert_allclose(arr, one, atol=1e-8)
    assert isinstance(radius_from_edge(10.0, 1.0), float)
    assert radius_from_edge(np.full((2, 3), 10.0), 1.0).shape == (2, 3)


def test_domain_handling():
    assert in_domain(8.0, 2.0) and in_domain(4.6, 1.0)   # true radius 4.71 >= 4.5
    assert not in_domain(4.3, 1.0) and not in_domain(5.0, 2.8) and not in_domain(20.0, 3.5)
    with pytest.raises(InputError, match="outside the curvature table"):
        radius_from_edge(3.0, 2.0)
    out = radius_from_edge([3.0, 8.0], 2.0, out_of_domain="nan")
    assert np.isnan(out[0]) and np.isfinite(out[1])
    # "clip" freezes q and h at the domain's edge: continuous, still growing with blur
    a = radius_from_edge(5.5, [2.6, 2.9, 3.2], blur="straight", out_of_domain="clip")
    assert np.all(np.diff(a) > 0)
    for bad in (dict(measured_radius=-1.0, blur_px=1.0), dict(measured_radius=5.0, blur_px=0.0),
                dict(measured_radius=5.0, blur_px=np.nan)):
        with pytest.raises(InputError):
            radius_from_edge(**bad)
    with pytest.raises(InputError):
        radius_from_edge(8.0, 1.0, blur="gauss")
    with pytest.raises(InputError):
        radius_from_edge(8.0, 1.0, shading=1.5)
    with pytest.raises(InputError):
        edge_from_radius(8.0, 1.0, blur="fit")
    with pytest.raises(InputError):
        edge_shift(np.inf, 1.0)


def test_table_matches_the_edge_fit_on_exact_profiles():
    # an off-grid node, redone as scripts/make_curvature_table.py does it (fewer directions):
    # flags a stale table when the edge fit changes
    radius, sigma_o = 7.3, 1.7
    gx, gw = np.polynomial.legendre.leggauss(6)
    ux, uy = np.meshgrid(gx / 2, gx / 2)
    wts = np.outer(gw, gw) / 4
    deltas, blurs = [], []
    for e in (np.arange(10) + 0.5) / 10 - 0.5:
        r0 = radius + e
        cal = ray_calipers((0.0, 0.0), r0, [3.75, 26.25], min(24.0, r0), 1.0, pad=6.0)
        pts = cal.points[:, 0]                                      # (2, L, 2)
        rho = np.hypot(pts[..., 0, None, None] + ux, pts[..., 1, None, None] + uy)
        vals = 100.0 * (blurred_disk(rho, radius, sigma_o) * wts).sum(axis=(-2, -1))
        es = detect_edges(vals, cal.offsets,
                          edges=EdgeSettings(threshold=1.0, select="strongest"),
                          search_half=cal.search_half, directions=cal.directions)
        assert es.count == 2 and es.refined.all()
        deltas.append(e + es.position.mean())
        blurs.append(es.blur.mean())
    s = math.sqrt(sigma_o ** 2 + 1.0 / 12.0)
    r_m, s_fit = radius + np.mean(deltas), np.mean(blurs)
    assert (radius - r_m) / (s * s / (2 * radius)) == pytest.approx(1.02, abs=0.01)
    assert radius_from_edge(r_m, s_fit) == pytest.approx(radius, abs=0.001)
    assert radius_from_edge(r_m, s, blur="straight") == pytest.approx(radius, abs=0.001)


@pytest.mark.parametrize("polarity", ["bright disk, outward", "dark hole, inward"])
def test_rendered_small_disk(polarity):
    # R = 6 px, psf 1.5 (s / R = 0.26): the first-order s^2 / 2R over-corrects by ~0.01 px.
    # Median over 16 noise draws: the per-draw spread is 0.005 px (the fitted blur's noise
    # enters through d(delta)/ds = 2 delta / s), so the median's is ~0.0015; the table itself
    # is good to ~0.001 here, hence 0.005 (measured medians over 20 seed sets: -0.0013 ..
    # +0.0026 with the fitted blur, first order +0.008 .. +0.012).
    radius, psf, c = 6.0, 1.5, (20.3, 19.6)
    hole = polarity.startswith("dark")
    clean = render_shapes([(Disk(c, radius), -120.0 if hole else 120.0)], (40, 40),
                          background=180.0 if hole else 60.0, psf_sigma_px=psf, supersample=8)
    s = math.sqrt(psf ** 2 + 1.0 / 12.0)
    errs = []
    for seed in range(16):
        img = finish_image(clean, noise_sigma=0.3, rng=seed)
        r = find_circle(img, (20, 20), radius, num_calipers=12, caliper_size=(11, None),
                        fit=FitSettings(correct_curvature=False),
                        direction="inward" if hole else "outward")
        errs.append((r.radius + r.edge_blur_px ** 2 / (2 * r.radius) - radius,
                     radius_from_edge(r.radius, r.edge_blur_px) - radius,
                     radius_from_edge(r.radius, s, blur="straight") - radius))
    first, fitted, straight = np.median(errs, axis=0)
    assert abs(fitted) < 0.005 and abs(straight) < 0.005
    assert first > 0.006


@pytest.mark.parametrize("r,b", [(35.4, 1.05), (5.2, 2.1), (3.0, 2.5), (100.0, 0.3), (4.0, 3.5)])
def test_scalar_circle_correction_equals_the_clipped_inversion(r, b):
    from metrology.caliper.curvature import circle_correction

    assert circle_correction(r, b) == pytest.approx(
        radius_from_edge(r, b, out_of_domain="clip") - r, abs=1e-12)
