"""Image pyramids by 2x2 block averaging, Gaussian-derivative gradients and bilinear sampling.

The pyramid halves the resolution by averaging 2x2 blocks (exact area integration, as a camera
with half the resolution would see the scene).  With the library's pixel-centre convention
(pixel ``(r, c)`` has centre ``(x=c, y=r)``) a point at level ``l`` maps to level 0 by
``x0 = 2**l * x_l + (2**l - 1) / 2`` (:func:`level_to_base`, :func:`base_to_level`).

Gradients are Gaussian derivatives (Gaussian smoothing then central differences) in gray levels
per pixel of the level they are computed on.

>>> import numpy as np
>>> img = np.add.outer(2.0 * np.arange(32), np.arange(32)).astype(np.float32)  # 2 y + x
>>> [p.shape for p in block_pyramid(img, 3)]
[(32, 32), (16, 16), (8, 8)]
>>> gx, gy = gaussian_gradients(img, 1.0)                     # away from the borders
>>> round(float(gx[16, 16]), 4), round(float(gy[16, 16]), 4)
(1.0, 2.0)
>>> level_to_base(np.array([1.0, 1.0]), 2).tolist()           # a level-2 pixel covers 4 x 4
[5.5, 5.5]
>>> float(sample_bilinear_exact(img, np.array([2.5, 1.0])))
4.5
"""

from __future__ import annotations

import numpy as np

from ..core.checks import _numeric, check_finite, check_int
from ..errors import InputError, ShapeError
from .io import check_image

__all__ = ["block_pyramid", "half_level", "gaussian_gradients", "level_to_base", "base_to_level",
           "sample_bilinear", "sample_bilinear_exact",
           "sample_bicubic_exact"]
# The exported functions check their arguments (the library's errors for bad input) and call
# the unchecked versions (_block_pyramid, _half_level, _gradients, _level_to_base,
# _base_to_level, _sample_bilinear, _sample_bilinear_exact), which match/ uses on arrays it
# made itself.  bicubic_taps and bicubic_combine are internal helpers of match/_edges.

MAX_LEVEL = 30       # pyramid levels: 2**30 px is far beyond any image
MAX_SIGMA = 100.0    # Gaussian smoothing of the gradients, px
MAX_COORD = 1e9      # sample / level coordinates, px
_F32_MAX = float(np.finfo(np.float32).max)


def _field(field: object, name: str = "field") -> np.ndarray:
    """A real 2-D or 3-D image-like array, non-empty and finite (checked)."""
    arr = _numeric(field, name, "an array (H, W) or (H, W, C)")
    if arr.ndim not in (2, 3) or arr.shape[0] == 0 or arr.shape[1] == 0 or arr.size == 0:
        raise ShapeError(f"{name}: expected a non-empty array (H, W) or (H, W, C), given shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: expected finite values, given NaN or inf")
    return arr


def _xy(xy: object, name: str = "xy") -> np.ndarray:
    """Points (..., 2) as float64, finite and within +-MAX_COORD (checked)."""
    arr = _numeric(xy, name, "points of shape (..., 2)")
    if arr.ndim < 1 or arr.shape[-1] != 2:
        raise ShapeError(f"{name}: expected points of shape (..., 2), given shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: expected finite coordinates, given NaN or inf")
    if arr.size and float(np.abs(arr).max()) > MAX_COORD:
        raise InputError(f"{name}: coordinates beyond +-{MAX_COORD:g} px")
    return arr


def _gray_image(image: object, name: str = "image") -> np.ndarray:
    img = check_image(image, name)
    if img.ndim != 2:
        if img.shape[2] != 1:
            raise ShapeError(f"{name}: expected a single-channel image (H, W), given shape "
                             f"{img.shape}; convert it to gray first")
        img = img[:, :, 0]
    return np.ascontiguousarray(img, dtype=np.float32)


def block_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """Pyramid of ``levels`` float32 images; level ``l+1`` averages 2x2 blocks of level ``l``.

    Parameters
    ----------
    image : ndarray (H, W)
        Level 0, a gray image (uint8, uint16, float32 or float64; finite).
    levels : int
        Number of levels (1 to 30).  An odd last row/column is dropped before averaging.

    Returns
    -------
    list of ndarray, ``[ (H, W), (H//2, W//2), ... ]``, float32

    Raises
    ------
    InputError, ShapeError
        Bad image, or a level count out of range or too large for the image.
    """
    levels = check_int(levels, "levels", min=1, max=MAX_LEVEL)
    return _block_pyramid(_gray_image(image), levels)


def _block_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """:func:`block_pyramid` of a float32 image already checked."""
    out = [np.ascontiguousarray(image, dtype=np.float32)]
    for _ in range(levels - 1):
        out.append(_half_level(out[-1], image.shape, levels))
    return out


def half_level(image: np.ndarray) -> np.ndarray:
    """The next pyramid level of ``image``: means of its 2x2 blocks (an odd last row or column
    dropped), by ``cv2.resize`` with area interpolation (the same means up to float32 rounding,
    7x faster than NumPy slicing).

    Parameters
    ----------
    image : ndarray (H, W), H and W >= 2
        A gray image (uint8, uint16, float32 or float64; finite).

    Returns
    -------
    ndarray (H // 2, W // 2), float32
    """
    return _half_level(_gray_image(image))


def _half_level(prev: np.ndarray, shape0: tuple = (), levels: int = 0) -> np.ndarray:
    """:func:`half_level` of a float32 image already checked (``shape0`` and ``levels`` only
    name the request in the error when the image is too small)."""
    import cv2

    h, w = prev.shape[0] // 2, prev.shape[1] // 2
    if h < 1 or w < 1:
        raise InputError(f"image of shape {shape0 or prev.shape} is too small for "
                         f"{levels or 'another'} pyramid levels")
    return cv2.resize(prev[:2 * h, :2 * w], (w, h), interpolation=cv2.INTER_AREA)


def gaussian_gradients(image: np.ndarray, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-derivative gradient ``(gx, gy)`` of a gray image (gray levels per pixel).

    Parameters
    ----------
    image : ndarray (H, W)
        uint8, uint16, float32 or float64 (finite); computed in float32.
    sigma : float
        Smoothing scale in pixels, 0 to 100 (0 = plain central differences).

    Returns
    -------
    gx, gy : ndarray (H, W), float32
        Derivatives along x (columns) and y (rows); borders are replicated.
    """
    sigma = check_finite(sigma, "sigma", min=0.0, max=MAX_SIGMA)
    return _gradients(_gray_image(image), sigma)


def _gradients(image: np.ndarray, sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gaussian_gradients` of an image already checked."""
    import cv2

    img = np.ascontiguousarray(image, dtype=np.float32)
    if sigma > 0:
        k = int(np.ceil(3.5 * sigma)) * 2 + 1
        img = cv2.GaussianBlur(img, (k, k), sigma, sigma, borderType=cv2.BORDER_REPLICATE)
    kd = np.array([[-0.5, 0.0, 0.5]], dtype=np.float32)
    gx = cv2.filter2D(img, cv2.CV_32F, kd, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.filter2D(img, cv2.CV_32F, kd.T, borderType=cv2.BORDER_REPLICATE)
    return gx, gy


def level_to_base(xy: np.ndarray, level: int) -> np.ndarray:
    """Coordinates at pyramid ``level`` -> level 0: ``2**l * xy + (2**l - 1) / 2``.

    Parameters
    ----------
    xy : array_like (..., 2)
        Finite points, px of ``level``.
    level : int
        0 to 30.

    Returns
    -------
    ndarray (..., 2), float64
    """
    return _level_to_base(_xy(xy), check_int(level, "level", min=0, max=MAX_LEVEL))


def base_to_level(xy: np.ndarray, level: int) -> np.ndarray:
    """Level-0 coordinates -> pyramid ``level`` (inverse of :func:`level_to_base`).

    Parameters
    ----------
    xy : array_like (..., 2)
        Finite points, level-0 px.
    level : int
        0 to 30.

    Returns
    -------
    ndarray (..., 2), float64
    """
    return _base_to_level(_xy(xy), check_int(level, "level", min=0, max=MAX_LEVEL))


def _level_to_base(xy: np.ndarray, level: int) -> np.ndarray:
    f = float(2 ** level)
    return np.asarray(xy, dtype=np.float64) * f + (f - 1.0) / 2.0


def _base_to_level(xy: np.ndarray, level: int) -> np.ndarray:
    f = float(2 ** level)
    return (np.asarray(xy, dtype=np.float64) - (f - 1.0) / 2.0) / f


def _sample_args(field: object, xy: object, fill: object) -> tuple[np.ndarray, np.ndarray, float]:
    return _field(field), _xy(xy), check_finite(fill, "fill")


def sample_bilinear(field: np.ndarray, xy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bilinear samples of ``field`` at points ``xy`` (one ``cv2.remap`` call for all points).

    Parameters
    ----------
    field : ndarray (H, W) or (H, W, C)
        Finite values (sampled in float32; C <= 4).
    xy : ndarray (..., 2)
        Sample positions (x, y) in pixels; positions outside the image give ``fill``.
    fill : float

    Returns
    -------
    ndarray (...) or (..., C), float32
    """
    f, xy, fill = _sample_args(field, xy, fill)
    if f.ndim == 3 and f.shape[2] > 4:
        raise ShapeError(f"field: expected at most 4 channels, given shape {f.shape}")
    if max(float(np.abs(f).max()), abs(fill)) > _F32_MAX:
        raise InputError("field: values beyond the float32 range this sampler works in; use "
                         "sample_bilinear_exact")
    return _sample_bilinear(f.astype(np.float32), xy, fill)


def _sample_bilinear(field: np.ndarray, xy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """:func:`sample_bilinear` of a float32 field already checked."""
    import cv2

    xy = np.asarray(xy, dtype=np.float32)
    lead = xy.shape[:-1]
    flat = xy.reshape(-1, 2)
    n = flat.shape[0]
    if n == 0:
        extra = field.shape[2:] if field.ndim == 3 else ()
        return np.zeros(lead + tuple(extra), np.float32)
    # cv2.remap maps are limited to SHRT_MAX rows and columns: lay the points out as a 2-D
    # block, the caller's last axis as columns when it fits, else rows of <= 4096 (padded)
    if len(lead) >= 2 and lead[-1] < 4096 and n // lead[-1] < 32767:
        rows, cols = n // lead[-1], lead[-1]
    else:
        rows = -(-n // 4096)
        cols = -(-n // rows)
        pad = rows * cols - n
        if pad:
            flat = np.concatenate([flat, np.full((pad, 2), -1e4, np.float32)])
    out = cv2.remap(field, flat.reshape(rows, cols, 2), None, interpolation=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    if field.ndim == 3 and field.shape[2] > 1:
        out = out.reshape(rows * cols, field.shape[2])[:n]
        return out.reshape(lead + (field.shape[2],))
    return out.reshape(-1)[:n].reshape(lead)


def sample_bilinear_exact(field: np.ndarray, xy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bilinear samples in float64 arithmetic (no fixed-point weights, unlike ``cv2.remap``,
    whose 1/32-px weight table would add a position quantisation to subpixel measurements).

    Parameters
    ----------
    field : ndarray (H, W) or (H, W, C)
        Finite values.
    xy : ndarray (..., 2)
    fill : float

    Returns
    -------
    ndarray (...) or (..., C), float64; ``fill`` outside the image.
    """
    return _sample_bilinear_exact(*_sample_args(field, xy, fill))


def _sample_bilinear_exact(field: np.ndarray, xy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """:func:`sample_bilinear_exact` of a field already checked."""
    xy = np.asarray(xy, dtype=np.float64)
    h, w = field.shape[:2]
    x, y = xy[..., 0], xy[..., 1]
    inside = (x >= 0) & (y >= 0) & (x <= w - 1) & (y <= h - 1)
    xc = np.clip(x, 0, w - 1)
    yc = np.clip(y, 0, h - 1)
    x0 = np.minimum(np.floor(xc).astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(np.floor(yc).astype(np.intp), max(h - 2, 0))
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = xc - x0
    fy = yc - y0
    if field.ndim == 3:
        fx, fy, inside = fx[..., None], fy[..., None], inside[..., None]
    f = field
    v = ((f[y0, x0] * (1 - fx) + f[y0, x1] * fx) * (1 - fy)
         + (f[y1, x0] * (1 - fx) + f[y1, x1] * fx) * fy)
    return np.where(inside, v, fill)


def _keys_weights(f: np.ndarray) -> np.ndarray:
    """Keys (a = -0.5, Catmull-Rom) cubic weights (4, ...) of taps -1, 0, 1, 2 at fraction
    ``f`` (...) in [0, 1); exact for quadratics."""
    f2 = f * f
    f3 = f2 * f
    return np.stack([-0.5 * (f + f3) + f2, 1.0 - 2.5 * f2 + 1.5 * f3,
                     0.5 * f + 2.0 * f2 - 1.5 * f3, 0.5 * (f3 - f2)])


def bicubic_taps(field: np.ndarray, x: np.ndarray,
                 y: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The 4 x 4 support of a Keys (a = -0.5) bicubic sample at each point and its separable
    weights, with the points along the last axes (long, contiguous inner loops), so a caller
    may combine channels before weighting (:func:`bicubic_combine`).

    Parameters
    ----------
    field : ndarray (H, W) or (H, W, C)
    x, y : ndarray (...)
        Sample positions, px.

    Returns
    -------
    taps : list of C ndarray (16, ...), the field's dtype
        Support values of each channel, row-major (y then x).
    wy, wx : ndarray (4, ...) float64
        Weights of the 4 rows and the 4 columns.
    inside : ndarray (...) bool
        The support lies in the image (elsewhere the taps are clamped to the border).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    h, w = field.shape[:2]
    nc = 1 if field.ndim == 2 else field.shape[2]
    inside = (x >= 1) & (y >= 1) & (x < w - 2) & (y < h - 2)
    xc = np.clip(x, 1.0, w - 2.000001)
    yc = np.clip(y, 1.0, h - 2.000001)
    ix = xc.astype(np.intp)                          # floor: >= 1
    iy = yc.astype(np.intp)
    offs = (np.arange(4)[:, None] * w + np.arange(4)[None, :]).reshape((16,) + (1,) * x.ndim)
    idx = (((iy - 1) * w + (ix - 1))[None] + offs) * nc                       # (16, ...)
    flat = np.ascontiguousarray(field).reshape(-1)
    taps = [np.take(flat, idx + c) for c in range(nc)]  # take: ~15x fancy indexing
    return taps, _keys_weights(yc - iy), _keys_weights(xc - ix), inside


def bicubic_combine(taps: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> np.ndarray:
    """The bicubic samples (...) from one channel's ``taps`` (16, ...) and the weights (4, ...)
    of :func:`bicubic_taps`."""
    t = taps.reshape((4, 4) + taps.shape[1:])
    rows = t[:, 0] * wx[0] + t[:, 1] * wx[1] + t[:, 2] * wx[2] + t[:, 3] * wx[3]   # (4, ...)
    return rows[0] * wy[0] + rows[1] * wy[1] + rows[2] * wy[2] + rows[3] * wy[3]


def sample_bicubic_exact(field: np.ndarray, xy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bicubic (Keys, a = -0.5) samples in float64 arithmetic; exact for quadratics, so the
    peak of a smooth profile sampled with it is not pulled toward pixel centres as bilinear
    interpolation does.

    Parameters
    ----------
    field : ndarray (H, W) or (H, W, C)
        Finite values.
    xy : ndarray (..., 2)
    fill : float

    Returns
    -------
    ndarray (...) or (..., C), float64; ``fill`` where the 4x4 support leaves the image.
    """
    field, xy, fill = _sample_args(field, xy, fill)
    taps, wy, wx, inside = bicubic_taps(field, xy[..., 0], xy[..., 1])
    out = np.stack([np.where(inside, bicubic_combine(t, wy, wx), fill) for t in taps], -1)
    return out[..., 0] if field.ndim == 2 else out
