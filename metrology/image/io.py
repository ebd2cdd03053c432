"""Image input at the library boundary: reading files, validating arrays, converting to gray.

Every function that accepts an image calls :func:`as_gray` (or :func:`load_image` for paths),
so empty images, wrong dtypes, NaN and unreadable files give one clear
:class:`~metrology.errors.InputError` instead of a crash deep in OpenCV.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ShapeError

__all__ = ["load_image", "as_gray", "check_image", "ImageLike"]

ImageLike = Any  # ndarray (H, W) / (H, W, 3) / (H, W, 4) or a path

_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)


def load_image(source: ImageLike, name: str = "image") -> np.ndarray:
    """Return an image array from an array or a file path (read unchanged, BGR order).

    Raises
    ------
    InputError
        If the path does not exist or the file cannot be decoded as an image.
    """
    if isinstance(source, (str, os.PathLike)):
        import cv2

        path = Path(source)
        if not path.is_file():
            raise InputError(f"{name}: file not found: {path}")
        data = np.fromfile(str(path), dtype=np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
        if img is None:
            raise InputError(f"{name}: cannot read {path} as an image (corrupt or unsupported "
                             f"format)")
        return img
    return check_image(source, name)


def check_image(image: Any, name: str = "image") -> np.ndarray:
    """Validate an image array: shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), a supported
    dtype (uint8, uint16, float32, float64), non-empty and finite.

    Returns
    -------
    ndarray
        The same array (no copy).
    """
    if image is None:
        raise InputError(f"{name}: expected an image array, given None")
    if not isinstance(image, np.ndarray):
        try:
            image = np.asarray(image)
        except Exception:
            raise ShapeError(f"{name}: expected an image array, given "
                             f"{type(image).__name__}") from None
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.dtype not in _DTYPES:
        if np.issubdtype(image.dtype, np.integer) and image.size and image.min() >= 0 \
                and image.max() <= 65535:
            image = image.astype(np.uint16 if image.max() > 255 else np.uint8)
        else:
            raise ShapeError(f"{name}: expected dtype uint8, uint16, float32 or float64, "
                             f"given {image.dtype}")
    if image.ndim == 3 and image.shape[2] in (1, 3, 4):
        pass
    elif image.ndim != 2:
        raise ShapeError(f"{name}: expected shape (H, W) or (H, W, 3), given {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError(f"{name}: image is empty (shape {image.shape})")
    if image.dtype.kind == "f" and not np.all(np.isfinite(image)):
        raise InputError(f"{name}: image contains NaN or inf values")
    return image


def as_gray(image: ImageLike, name: str = "image", dtype: Any = np.float32) -> np.ndarray:
    """Load/validate an image and return a single-channel array of ``dtype``.

    Colour images are taken as BGR(A) (OpenCV order) and converted with the ITU-R 601 weights.
    Gray levels keep their scale (0..255 for uint8, 0..65535 for uint16).

    Parameters
    ----------
    image : ndarray (H, W) | (H, W, 3) | (H, W, 4) or path
    dtype : numpy dtype, default float32
        Output dtype; pass ``None`` to keep the input's dtype.

    Returns
    -------
    ndarray, shape (H, W)
    """
    img = load_image(image, name)
    if img.ndim == 3:
        if img.shape[2] == 1:
            img = img[:, :, 0]
        else:
            w = np.array([0.114, 0.587, 0.299])  # B, G, R
            g = img[:, :, :3].astype(np.float64) @ w
            if img.dtype.kind in "ui":
                g = np.clip(np.rint(g), 0, np.iinfo(img.dtype).max).astype(img.dtype)
            else:
                g = g.astype(img.dtype)
            img = g
    if dtype is not None:
        img = img.astype(dtype, copy=False)
    return np.ascontiguousarray(img)
