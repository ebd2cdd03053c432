"""The image side of matching: gradient and clipped direction fields over a block pyramid.

The direction field of a level is ``g / max(|g|, min_contrast)`` (gradient ``g`` from Gaussian
derivatives with sigma 1 px of that level): unit vectors on strong edges, shorter ones on weak
edges, near zero on flat or noisy regions, so those count as missing edges rather than as
random directions.  The top-level search uses a slightly blurred copy (:func:`top_field`) so
that its coarse angle and scale steps are covered.

>>> import numpy as np
>>> img = np.zeros((64, 64), np.uint8)
>>> img[:, 32:] = 100
>>> im = SearchImage(img)
>>> f = level_fields(im, 0, min_contrast=5.0)
>>> f.grad.shape, [u.shape for u in direction_fields(im.level(0), 3, 5.0)]
((64, 64, 2), [(64, 64, 2), (32, 32, 2), (16, 16, 2)])
>>> round(float(f.unit[10, 31, 0]), 3)        # on the edge: a unit vector along +x
1.0
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..image.io import as_gray, load_image
from ..core.checks import check_int, check_positive
from ..image.pyramid import MAX_LEVEL, _block_pyramid, _gradients, _half_level

__all__ = ["SearchImage"]  # the level fields are internal to match/

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


def _inv_norm(gx: np.ndarray, gy: np.ndarray, min_contrast: float) -> np.ndarray:
    """``1 / max(|g|, min_contrast)`` (H, W) float32, computed in one buffer."""
    import cv2

    inv = cv2.magnitude(gx, gy)
    np.maximum(inv, np.float32(min_contrast), out=inv)
    return np.divide(np.float32(1.0), inv, out=inv)


def _unit(gx: np.ndarray, gy: np.ndarray, min_contrast: float) -> np.ndarray:
    """Clipped direction field (H, W, 2) float32 of one gradient."""
    import cv2

    inv = _inv_norm(gx, gy, min_contrast)
    return cv2.merge([gx * inv, gy * inv])


def _grad_and_unit(gx: np.ndarray, gy: np.ndarray,
                   min_contrast: float) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (H, W, 2) and its clipped direction field, with the same values as
    ``cv2.merge([gx, gy])`` and :func:`_unit` but a third fewer full-size buffers and passes
    (a search's level-0 window is most of the image: this is its largest memory traffic, which
    two processes side by side share through one L3 cache)."""
    import cv2

    grad = cv2.merge([gx, gy])
    inv = _inv_norm(gx, gy, min_contrast)
    return grad, np.multiply(grad, inv[..., None])


def _grad_key(lv: Any, gain: Any) -> tuple[int, float]:
    return (check_int(lv, "lv", min=0, max=MAX_LEVEL),
            check_positive(gain, "gain", max=1e6))


class SearchImage:
    """An image prepared for shape search: gray float32, its gray-level unit, and a block
    pyramid and full-level gradients built on demand and kept.

    Pass one to several models' ``find`` to build the pyramid and the top-level gradients once
    (thread-safe).  A plain array or path given to ``find`` is wrapped in one for that call.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3), uint8/uint16/float32/float64, or a path

    Examples
    --------
    >>> im = SearchImage(np.zeros((48, 64), np.uint8))
    >>> im.shape, im.value_scale, im.level(2).shape
    ((48, 64), 1.0, (12, 16))
    """

    def __init__(self, image: Any) -> None:
        src = load_image(image, "image")
        gray = as_gray(src, "image")
        self.value_scale = value_scale(src, gray)
        self._levels = [np.ascontiguousarray(gray, dtype=np.float32)]
        self._grads: dict = {}
        self._lock = threading.Lock()

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of level 0."""
        return self._levels[0].shape

    def level(self, lv: int) -> np.ndarray:
        """Pyramid level ``lv`` (2x2 block means), float32, in the image's own gray unit."""
        return self._level(check_int(lv, "lv", min=0, max=MAX_LEVEL))

    def _level(self, lv: int) -> np.ndarray:
        with self._lock:
            while len(self._levels) <= lv:
                self._levels.append(_half_level(self._levels[-1]))
            return self._levels[lv]

    def gradients(self, lv: int, gain: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian-derivative gradient (gx, gy) of all of level ``lv``, times ``gain`` (kept)."""
        return self._gradients(*_grad_key(lv, gain))

    def _gradients(self, lv: int, gain: float) -> tuple[np.ndarray, np.ndarray]:
        key = (lv, gain)
        with self._lock:
            g = self._grads.get(key)
        if g is None:
            gx, gy = _gradients(self._level(lv), SIGMA)
            g = (gx, gy) if gain == 1.0 else (gx * np.float32(gain), gy * np.float32(gain))
            with self._lock:
                self._grads[key] = g
        return g

    def cached_gradients(self, lv: int, gain: float = 1.0) -> tuple | None:
        """The full-level gradients of ``lv`` if already built, else None."""
        key = _grad_key(lv, gain)
        with self._lock:
            return self._grads.get(key)

    def _cached(self, lv: int, gain: float) -> tuple | None:
        with self._lock:
            return self._grads.get((lv, gain))


@dataclass(frozen=True)
class LevelFields:
    """Gradient and direction field of (a window of) one pyramid level.

    Attributes
    ----------
    level : int
    grad, unit : ndarray (h, w, 2) float32
        Gradient (gx, gy) and clipped direction field of the window; zero is read outside it.
    x0, y0 : int
        Level pixel of the window's top-left sample (0, 0 for the whole level).
    """

    level: int
    grad: np.ndarray
    unit: np.ndarray
    x0: int = 0
    y0: int = 0

    @property
    def origin(self) -> tuple[float, float]:
        """``(x0, y0)`` as floats: subtract from level coordinates to index the window."""
        return float(self.x0), float(self.y0)


def level_fields(image: SearchImage, lv: int, min_contrast: float,
                 gain: float = 1.0) -> LevelFields:
    """Gradient and direction field of all of level ``lv``.

    ``gain`` brings the image's gray levels to the model's (``model.value_scale /
    image.value_scale``); ``min_contrast`` is in the model's unit.
    """
    gx, gy = image._gradients(lv, gain)   # lv and gain from the checked query
    return LevelFields(lv, *_grad_and_unit(gx, gy, min_contrast))


def box_fields(image: SearchImage, lv: int, x: np.ndarray, y: np.ndarray, reach_px: float,
               min_contrast: float, gain: float = 1.0) -> LevelFields:
    """Gradient and direction fields of level ``lv`` in the window that holds every candidate
    position ``(x, y)`` (level-0 px) with a margin of ``reach_px`` (px of level ``lv``; the
    9-tap smoothing makes the fields exact more than 5 px inside it).  Uses the full-level
    gradients when another search has built them.
    """
    if image._cached(lv, gain) is not None:
        return level_fields(image, lv, min_contrast, gain)
    im = image._level(lv)
    h, w = im.shape
    empty = np.zeros((1, 1, 2), np.float32)
    if len(x) == 0:
        return LevelFields(lv, empty, empty)
    f = float(2 ** lv)
    xl, yl = (x - (f - 1) / 2) / f, (y - (f - 1) / 2) / f
    x0 = max(int(np.floor(xl.min() - reach_px)), 0)
    y0 = max(int(np.floor(yl.min() - reach_px)), 0)
    x1 = min(int(np.ceil(xl.max() + reach_px)) + 1, w)
    y1 = min(int(np.ceil(yl.max() + reach_px)) + 1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return LevelFields(lv, empty, empty)
    gx, gy = _gradients(im[y0:y1, x0:x1], SIGMA)
    if gain != 1.0:
        gx *= np.float32(gain)
        gy *= np.float32(gain)
    return LevelFields(lv, *_grad_and_unit(gx, gy, min_contrast), x0, y0)


def direction_fields(img: np.ndarray, levels: int, min_contrast: float) -> list[np.ndarray]:
    """Direction field of each level of the pyramid of ``img`` (H, W) float32, all levels in
    full (used on the padded template when building a model).

    Returns
    -------
    list of ndarray (H_l, W_l, 2) float32
    """
    return [_unit(*_gradients(im, SIGMA), min_contrast)
            for im in _block_pyramid(img, levels)]


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
