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

from ..core.checks import check_finite, check_int, check_positive, check_seed
from ..errors import InputError, MetrologyError
from ._blur import gaussian_blur_nearest

__all__ = ["fine_grid", "render_scene", "finish_image", "MAX_SUPERSAMPLE", "MAX_PSF_SIGMA_PX"]

#: Most sub-samples per pixel along an axis (16 already gives sub-0.005 px ground truth).
MAX_SUPERSAMPLE = 64
#: Largest optical blur of a rendered scene, in pixels.
MAX_PSF_SIGMA_PX = 64.0
#: Most fine samples held at once (one chunk of rows of the fine grid): ~400 MB of float64.
_MAX_FINE = 5 * 10 ** 7


def check_shape(shape, name: str = "shape") -> tuple[int, int]:
    """``(H, W)`` as two positive ints whose product is at most the library's image size limit
    (:data:`metrology.image.io.MAX_IMAGE_PIXELS`)."""
    from ..image.io import MAX_IMAGE_PIXELS

    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 2:
        raise InputError(f"{name}: expected (H, W), given {shape!r:.60}")
    h = check_int(shape[0], f"{name}[0]", min=1)
    w = check_int(shape[1], f"{name}[1]", min=1)
    if h * w > MAX_IMAGE_PIXELS:
        raise InputError(f"{name}: {w}x{h} px is more than {MAX_IMAGE_PIXELS} pixels")
    return h, w


def check_supersample(supersample, name: str = "supersample") -> int:
    """Sub-samples per pixel: an integer from 1 to :data:`MAX_SUPERSAMPLE`."""
    return check_int(supersample, name, min=1, max=MAX_SUPERSAMPLE)


def fine_grid(shape: tuple[int, int], supersample: int,
              rows: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``(X, Y)`` of the sub-pixel sample centres, each of shape
    ``(H*ss, W*ss)`` (or only the rows of ``rows``, in fine-row units)."""
    h, w = check_shape(shape)
    ss = check_supersample(supersample)
    if rows is not None and not isinstance(rows, slice):
        raise InputError(f"rows: expected a slice of fine rows, given {type(rows).__name__}")
    n_rows = len(range(h * ss)[rows]) if rows is not None else h * ss
    if float(n_rows) * w * ss > _MAX_FINE:
        raise InputError(f"fine_grid: {n_rows} x {w * ss} samples is too many at once; pass "
                         f"fewer rows (rows=slice(...)) or a smaller supersample")
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
    if not callable(radiance):
        raise InputError(f"radiance: expected a function (X, Y) -> values, given "
                         f"{type(radiance).__name__}")
    h, w = check_shape(shape)
    ss = check_supersample(supersample)
    sigma_fine = check_positive(psf_sigma_px, "psf_sigma_px", allow_zero=True,
                                max=MAX_PSF_SIGMA_PX) * ss
    pad = int(np.ceil(4 * sigma_fine))  # fine rows of margin so blur is exact across chunks
    step = check_int(chunk_rows, "chunk_rows", min=1)
    # rows per chunk so one chunk of the fine grid stays below _MAX_FINE samples
    step = max(1, min(step, (_MAX_FINE // (w * ss) - 2 * pad) // ss))
    if float(step * ss + 2 * pad) * w * ss > _MAX_FINE:
        raise InputError(f"render_scene: a {w} px wide image at supersample {ss} with a "
                         f"{psf_sigma_px} px blur needs too many fine samples per row")
    out = np.empty((h, w))
    for r0 in range(0, h, step):  # chunks of image rows bound the memory of the fine grid
        r1 = min(h, r0 + step)
        f0, f1 = r0 * ss - pad, r1 * ss + pad
        offs = (np.arange(ss) + 0.5) / ss - 0.5
        xs = (np.arange(w)[:, None] + offs[None, :]).ravel()
        fy = np.arange(f0, f1)
        ys = (fy // ss) + offs[fy % ss]
        X, Y = np.meshgrid(xs, ys)
        try:
            fine = np.asarray(radiance(X, Y), dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("radiance: expected numbers of the shape of its X, Y "
                             "arguments") from None
        except MetrologyError:
            raise
        except Exception as exc:    # the caller's function failed: say so, keep the cause
            raise InputError(f"radiance raised {type(exc).__name__}: {exc}") from exc
        if fine.shape != X.shape:
            fine = np.broadcast_to(fine, X.shape) if fine.ndim == 0 else fine
        if fine.shape != X.shape:
            raise InputError(f"radiance: returned shape {fine.shape}, expected {X.shape}")
        if not np.all(np.isfinite(fine)):
            raise InputError("radiance: returned NaN or inf")
        if sigma_fine > 0:
            fine = gaussian_blur_nearest(fine, sigma_fine)  # = ndimage.gaussian_filter, bit for bit
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
    rng = check_seed(rng)
    bits = check_int(bits, "bits")
    if bits not in (8, 16, 0):
        raise InputError(f"bits: expected 8, 16 or 0, given {bits}")
    noise_sigma = check_positive(noise_sigma, "noise_sigma", allow_zero=True, max=1e6)
    from ..image.io import check_image

    clean = check_image(clean, "clean")
    if clean.ndim != 2:
        raise InputError(f"clean: expected a gray image (H, W), given shape {clean.shape}")
    g = gain if np.ndim(gain) else check_finite(gain, "gain")
    if np.ndim(g):
        g = check_image(np.asarray(g, dtype=np.float64) if np.asarray(g).dtype.kind in "iufb"
                        else g, "gain")
        if g.shape != clean.shape:
            raise InputError(f"gain: expected a number or an array of shape {clean.shape}, "
                             f"given shape {g.shape}")
    img = clean * g
    if noise_sigma > 0:
        img = img + rng.normal(0.0, noise_sigma, size=img.shape)
    if not np.all(np.isfinite(img)) or float(np.abs(img).max()) > 3e38:
        raise InputError("finish_image: the lit image overflows (gain or values too large)")
    if bits == 8:
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if bits == 16:
        return np.clip(np.rint(img), 0, 65535).astype(np.uint16)
    return img.astype(np.float32)
