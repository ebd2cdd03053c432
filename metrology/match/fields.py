"""The image side of matching: gradient and clipped direction fields over a block pyramid.

The direction field of a level is ``g / max(|g|, min_contrast)`` (gradient ``g`` from Gaussian
derivatives with sigma 1 px of that level): unit vectors on strong edges, shorter ones on weak
edges, near zero on flat or noisy regions, so those count as missing edges rather than as
random directions.  The top-level search uses a slightly blurred copy (:func:`top_field`) so
that its coarse angle and scale steps are covered.

>>> import numpy as np
>>> img = np.zeros((64, 64), np.float32)
>>> img[:, 32:] = 100.0
>>> grads, units = direction_fields(img, 3, min_contrast=5.0)
>>> [u.shape for u in units], grads[0].shape
([(64, 64, 2), (32, 32, 2), (16, 16, 2)], (64, 64, 2))
>>> round(float(units[0][10, 31, 0]), 3)          # on the edge: a unit vector along +x
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image.pyramid import block_pyramid, gaussian_gradients

__all__ = ["SIGMA", "TOP_SPREAD", "value_scale", "direction_fields", "level0_fields",
           "top_field"]

SIGMA = 1.0         # Gaussian smoothing of the gradients, px of each level
TOP_SPREAD = 1.0    # blur (px) of the top-level direction field so the coarse steps are covered


def value_scale(source: Any, gray: np.ndarray) -> float:
    """Gray-level unit of an image relative to 8-bit: 257 for uint16, 1/255 for float images
    in [0, 1], else 1 (so thresholds learnt on one kind of image apply to another).

    Parameters
    ----------
    source : ndarray
        The image as given (its dtype decides).
    gray : ndarray (H, W)
        Its gray version (its range decides for float images).
    """
    src = np.asarray(source)
    if src.dtype == np.uint16:
        return 257.0
    if src.dtype.kind == "f":
        return 1.0 / 255.0 if float(np.max(np.abs(gray))) <= 1.0 + 1e-6 else 1.0
    return 1.0


def _unit(gx: np.ndarray, gy: np.ndarray, min_contrast: float) -> np.ndarray:
    """Clipped direction field (H, W, 2) float32 of one gradient."""
    import cv2

    inv = 1.0 / np.maximum(cv2.magnitude(gx, gy), np.float32(min_contrast))
    return cv2.merge([gx * inv, gy * inv])


def direction_fields(img: np.ndarray, levels: int, min_contrast: float,
                     skip0: bool = False) -> tuple[list, list]:
    """Gradient and direction fields of each pyramid level.

    Parameters
    ----------
    img : ndarray (H, W) float32
        Level 0 (gray, validated, in the model's gray-level unit).
    levels : int
        Pyramid levels.
    min_contrast : float
        Gradient magnitude at which an edge counts fully.
    skip0 : bool
        Leave level 0 out (None): the search computes it only around the candidates
        (:func:`level0_fields`).

    Returns
    -------
    grads : list of ndarray (H, W, 2) float32 or None
        The gradient of level 0 (None at the other levels, and at level 0 with ``skip0``).
    units : list of ndarray (H_l, W_l, 2) float32 or None
        Direction field of each level (None at level 0 with ``skip0``).
    """
    import cv2

    grads, units = [], []
    for lv, im in enumerate(block_pyramid(img, levels)):
        if lv == 0 and skip0:
            grads.append(None)
            units.append(None)
            continue
        gx, gy = gaussian_gradients(im, SIGMA)
        grads.append(cv2.merge([gx, gy]) if lv == 0 else None)
        units.append(_unit(gx, gy, min_contrast))
    return grads, units


def level0_fields(img: np.ndarray, x: np.ndarray, y: np.ndarray, reach_px: float,
                  min_contrast: float) -> tuple[np.ndarray, np.ndarray]:
    """Level-0 gradient and direction fields, computed only in the box that holds every
    ``(x, y)`` with a margin of ``reach_px`` (the 9-tap smoothing makes them exact there) and
    zero elsewhere.

    Parameters
    ----------
    img : ndarray (H, W) float32
    x, y : ndarray (K,)
        Candidate positions, level-0 px.
    reach_px : float
        Margin around them, px.
    min_contrast : float

    Returns
    -------
    grad, unit : ndarray (H, W, 2) float32
    """
    import cv2

    h, w = img.shape
    grad = np.zeros((h, w, 2), np.float32)
    unit = np.zeros((h, w, 2), np.float32)
    if len(x) == 0:
        return grad, unit
    x0 = max(int(np.floor(x.min() - reach_px)), 0)
    y0 = max(int(np.floor(y.min() - reach_px)), 0)
    x1 = min(int(np.ceil(x.max() + reach_px)) + 1, w)
    y1 = min(int(np.ceil(y.max() + reach_px)) + 1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return grad, unit
    gx, gy = gaussian_gradients(img[y0:y1, x0:x1], SIGMA)
    grad[y0:y1, x0:x1] = cv2.merge([gx, gy])
    unit[y0:y1, x0:x1] = _unit(gx, gy, min_contrast)
    return grad, unit


def top_field(unit: np.ndarray, polarity: str) -> np.ndarray:
    """Direction field used by the exhaustive top-level search: spread by a Gaussian so the
    coarse angle/scale steps are covered, with doubled angles for ``polarity="ignore_local"``.

    Parameters
    ----------
    unit : ndarray (H, W, 2) float32
    polarity : {"use", "ignore_global", "ignore_local"}

    Returns
    -------
    ndarray (H, W, 2) float32
    """
    import cv2

    u = cv2.GaussianBlur(unit, (0, 0), TOP_SPREAD) if TOP_SPREAD > 0 else unit
    if polarity == "ignore_local":
        ux, uy = u[..., 0], u[..., 1]
        m2 = np.maximum(np.hypot(ux, uy), 1e-12)
        u = cv2.merge([(ux * ux - uy * uy) / m2, 2 * ux * uy / m2])
    return u
