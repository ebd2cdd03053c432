"""Cached ground-truth scenes for the caliper tests (rendered once per session).

All scenes go through the physical renderer (exact sub-pixel coverage on a fine grid, Gaussian
optics there, pixel integration); noise and 8-bit rounding are added per draw.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from metrology.synth.render import finish_image
from metrology.synth.shapes import Disk, Ellipse, HalfPlane, Stripe, Union, render_shapes

CONTRAST, BACKGROUND, PSF = 120.0, 60.0, 1.0
SIGMA_E = math.sqrt(PSF ** 2 + 1.0 / 12.0)   # edge blur: optics + pixel box


def noise_var(sigma_n: float) -> float:
    """Noise variance of an 8-bit image: Gaussian noise plus 1/12 of quantisation."""
    return sigma_n ** 2 + 1.0 / 12.0


def crb_std(length_px: float, sigma_n: float, contrast: float = CONTRAST) -> float:
    """Cramer-Rao bound (std, px) of an edge position measured over ``length_px`` of edge."""
    return math.sqrt(2.0 * math.sqrt(math.pi) * SIGMA_E * noise_var(sigma_n)
                     / (contrast ** 2 * length_px))


@lru_cache(maxsize=None)
def disk(cx: float, cy: float, r: float, size: int = 110, ss: int = 8) -> np.ndarray:
    return render_shapes([(Disk((cx, cy), r), CONTRAST)], (size, size), background=BACKGROUND,
                         psf_sigma_px=PSF, supersample=ss)


@lru_cache(maxsize=None)
def burred_disk(cx, cy, r, burrs, size=110, ss=8) -> np.ndarray:
    """Disk with burrs: ``burrs`` = ((angle_rad, radius_px), ...) blobs on the rim."""
    blobs = [Disk((cx + (r + 0.5 * b) * math.cos(a), cy + (r + 0.5 * b) * math.sin(a)), b)
             for a, b in burrs]
    return render_shapes([(Union((Disk((cx, cy), r), *blobs)), CONTRAST)], (size, size),
                         background=BACKGROUND, psf_sigma_px=PSF, supersample=ss)


@lru_cache(maxsize=None)
def ellipse(cx, cy, a, b, angle_deg, size=110, ss=8) -> np.ndarray:
    return render_shapes([(Ellipse((cx, cy), (a, b), angle_deg), CONTRAST)], (size, size),
                         background=BACKGROUND, psf_sigma_px=PSF, supersample=ss)


@lru_cache(maxsize=None)
def edge(px, py, normal_deg, shape=(140, 140), ss=8) -> np.ndarray:
    return render_shapes([(HalfPlane((px, py), normal_deg), CONTRAST)], shape,
                         background=BACKGROUND, psf_sigma_px=PSF, supersample=ss)


@lru_cache(maxsize=None)
def stripes(px, py, normal_deg, widths, gaps, shape=(60, 80), ss=8) -> np.ndarray:
    """Bright stripes of ``widths`` separated by ``gaps`` starting at (px, py) along the normal."""
    layers = []
    off = 0.0
    t = math.radians(normal_deg)
    n = np.array([math.cos(t), math.sin(t)])
    for w, g in zip(widths, gaps):
        p = np.array([px, py]) + off * n
        layers.append((Stripe((float(p[0]), float(p[1])), normal_deg, w), CONTRAST))
        off += w + g
    return render_shapes(layers, shape, background=BACKGROUND, psf_sigma_px=PSF,
                         supersample=ss)


def noisy(clean: np.ndarray, sigma_n: float, rng) -> np.ndarray:
    return finish_image(clean, noise_sigma=sigma_n, rng=rng)
