"""Physical image formation shared by every ground-truth renderer.

The order matters and follows a real camera: the scene is sampled on a fine grid
(``supersample`` x ``supersample`` points per pixel), blurred by the optics *at that resolution*,
integrated over each pixel's area, then lit (vignetting / gradient), given noise and quantised.
Blurring after pixel integration would flatter parabolic interpolators; doing it here keeps the
ground truth honest.

Pixel ``(row r, col c)`` covers ``x in [c - 0.5, c + 0.5]``, ``y in [r - 0.5, r + 0.5]``
(centre ``(x=c, y=r)``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage

from ..core.checks import check_positive
from ..errors import InputError

__all__ = ["fine_grid", "render_scene", "finish_image"]


def fine_grid(shape: tuple[int, int], supersample: int,
              rows: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``(X, Y)`` of the sub-pixel sample centres, each of shape
    ``(H*ss, W*ss)`` (or only the rows of ``rows``, in fine-row units)."""
    h, w = shape
    ss = int(supersample)
    offs = (np.arange(ss) + 0.5) / ss - 0.5
    xs = (np.arange(w)[:, None] + offs[None, :]).ravel()
    ys = (np.arange(h)[:, None] + offs[None, :]).ravel()
    if rows is not None:
        ys = ys[rows]
    return np.meshgrid(xs, ys)


def render_scene(radiance: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 shape: tuple[int, int], *, supersample: int = 8, psf_sigma_px: float = 0.0,
                 chunk_rows: int = 64) -> np.ndarray:
    """Render a scene to a float image by supersampling, optical blur and pixel integration.

    Parameters
    ----------
    radiance : callable ``(X, Y) -> values``
        Scene radiance at image coordinates (arrays of equal shape, float64 pixels); typically
        ``background + contrast * inside(X, Y)``.
    shape : (H, W)
        Output image size.
    supersample : int
        Sub-samples per pixel along each axis (8 gives coverage exact to ~1/64 of a pixel
        area for straight edges; use 16 for ground-truth accuracy tests below 0.01 px).
    psf_sigma_px : float
        Standard deviation of the Gaussian optical blur, in output pixels (0 = none).

    Returns
    -------
    ndarray, shape (H, W), float64
        Mean radiance over each pixel's area.
    """
    h, w = int(shape[0]), int(shape[1])
    if h <= 0 or w <= 0:
        raise InputError(f"shape: expected positive (H, W), given {shape}")
    ss = int(supersample)
    if ss < 1:
        raise InputError(f"supersample: expected >= 1, given {supersample}")
    sigma_fine = check_positive(psf_sigma_px, "psf_sigma_px", allow_zero=True) * ss
    pad = int(np.ceil(4 * sigma_fine))  # fine rows of margin so blur is exact across chunks
    out = np.empty((h, w))
    step = max(1, int(chunk_rows))
    for r0 in range(0, h, step):  # chunks of image rows bound the memory of the fine grid
        r1 = min(h, r0 + step)
        f0, f1 = r0 * ss - pad, r1 * ss + pad
        offs = (np.arange(ss) + 0.5) / ss - 0.5
        xs = (np.arange(w)[:, None] + offs[None, :]).ravel()
        fy = np.arange(f0, f1)
        ys = (fy // ss) + offs[fy % ss]
        X, Y = np.meshgrid(xs, ys)
        fine = np.asarray(radiance(X, Y), dtype=np.float64)
        if sigma_fine > 0:
            fine = ndimage.gaussian_filter(fine, sigma_fine, mode="nearest", truncate=4.0)
        fine = fine[pad:pad + (r1 - r0) * ss]
        out[r0:r1] = fine.reshape(r1 - r0, ss, w, ss).mean(axis=(1, 3))
    return out


def finish_image(clean: np.ndarray, *, noise_sigma: float = 0.0, rng: np.random.Generator | int | None = 0,
                 gain: np.ndarray | float = 1.0, bits: int = 8) -> np.ndarray:
    """Apply lighting gain, additive Gaussian noise and quantisation.

    Parameters
    ----------
    clean : ndarray (H, W), float
        Output of :func:`render_scene` in gray levels.
    noise_sigma : float
        Gaussian noise in gray levels.
    gain : float or ndarray (H, W)
        Multiplicative lighting (vignetting, illumination ramp).
    bits : {8, 16, 0}
        8 -> uint8, 16 -> uint16 (both rounded and clipped), 0 -> float32 without rounding.
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    img = clean * gain
    if noise_sigma > 0:
        img = img + rng.normal(0.0, noise_sigma, size=img.shape)
    if bits == 8:
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if bits == 16:
        return np.clip(np.rint(img), 0, 65535).astype(np.uint16)
    if bits == 0:
        return img.astype(np.float32)
    raise InputError(f"bits: expected 8, 16 or 0, given {bits}")
