"""Image input at the library boundary: reading files, validating arrays, converting to gray.

Every function that accepts an image calls :func:`as_gray` (or :func:`load_image` for paths),
so empty images, wrong dtypes, NaN and unreadable files give one clear
:class:`~metrology.errors.InputError` instead of a crash deep in OpenCV.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError, ShapeError

__all__ = ["load_image", "as_gray", "check_image", "ImageLike", "MAX_IMAGE_PIXELS"]

ImageLike = Any  # ndarray (H, W) / (H, W, 3) / (H, W, 4) or a path

_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
#: Largest image accepted, in pixels (H x W): 2**28 = 268 MP, e.g. 16384 x 16384; an image
#: decoded or passed beyond it raises :class:`~metrology.errors.InputError` before any work
#: (like Pillow's ``MAX_IMAGE_PIXELS``).  Raise it for larger mosaics.
MAX_IMAGE_PIXELS = 2 ** 28
#: Largest magnitude of a float image value: beyond it a conversion to float32 (which every
#: filter does) would overflow to inf.
_MAX_FLOAT_VALUE = float(np.finfo(np.float32).max) / 4


def load_image(source: ImageLike, name: str = "image") -> np.ndarray:
    """Return an image array from an array or a file path (read unchanged, BGR order).

    Raises
    ------
    InputError
        If the path does not exist, is not a readable file, the file cannot be decoded as an
        image, or the image is invalid (see :func:`check_image`).
    """
    if isinstance(source, (str, bytes, os.PathLike)):
        import cv2

        from .._io import input_file

        path = input_file(source, name)
        try:
            data = np.fromfile(str(path), dtype=np.uint8)
        except (OSError, MemoryError) as exc:
            raise InputError(f"{name}: cannot read {path} ({exc})") from None
        img = None
        if data.size:
            try:
                img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
            except cv2.error:
                img = None
        if img is None:
            raise InputError(f"{name}: cannot read {path} as an image (corrupt or unsupported "
                             f"format)")
        return check_image(img, f"{name} ({path.name})")
    return check_image(source, name)


def check_image(image: Any, name: str = "image") -> np.ndarray:
    """Validate an image array: shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), a supported
    dtype (uint8, uint16, float32, float64; booleans become 0/255 and other integers within
    0..65535 become uint8/uint16), non-empty, at most :data:`MAX_IMAGE_PIXELS` pixels, and
    finite values within float32 range.

    Returns
    -------
    ndarray
        The same array (no copy) when it is valid as given.

    Raises
    ------
    InputError, ShapeError
        Naming ``name``, what was expected and what was given.
    """
    if image is None:
        raise InputError(f"{name}: expected an image array, given None")
    if isinstance(image, (str, bytes, os.PathLike)):
        raise InputError(f"{name}: expected an image array here, given a path "
                         f"({os.fspath(image)!r:.80})")
    if not isinstance(image, np.ndarray):
        try:
            image = np.asarray(image)
        except Exception:
            raise ShapeError(f"{name}: expected an image array, given "
                             f"{type(image).__name__}") from None
    if image.ndim == 3 and image.shape[2] in (1, 3, 4):
        pass
    elif image.ndim != 2:
        raise ShapeError(f"{name}: expected shape (H, W) or (H, W, 3), given {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InputError(f"{name}: image is empty (shape {image.shape})")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise InputError(f"{name}: {image.shape[1]}x{image.shape[0]} px is more than "
                         f"{MAX_IMAGE_PIXELS} pixels (metrology.image.io.MAX_IMAGE_PIXELS)")
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.dtype not in _DTYPES:
        if image.dtype == np.float16:
            image = image.astype(np.float32)
        elif image.dtype.kind in "iu":
            lo, hi = (int(image.min()), int(image.max()))
            if lo < 0 or hi > 65535:
                raise ShapeError(f"{name}: expected dtype uint8, uint16, float32 or float64; "
                                 f"the {image.dtype} values {lo}..{hi} do not fit in uint16")
            image = image.astype(np.uint16 if hi > 255 else np.uint8)
        else:
            raise ShapeError(f"{name}: expected dtype uint8, uint16, float32 or float64, "
                             f"given {image.dtype}")
    if image.dtype.kind == "f":
        lo, hi = float(image.min()), float(image.max())     # NaN propagates; no temporaries
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise InputError(f"{name}: image contains NaN or inf values")
        if max(-lo, hi) > _MAX_FLOAT_VALUE:
            raise InputError(f"{name}: image values up to {max(-lo, hi):.3g} are beyond the "
                             f"float32 range the filters work in")
    return image


def as_gray(image: ImageLike, name: str = "image", dtype: Any = np.float32) -> np.ndarray:
    """Load/validate an image and return a single-channel array of ``dtype``.

    Colour images are taken as BGR(A) (OpenCV order) and converted with the ITU-R 601 weights.
    Gray levels keep their scale (0..255 for uint8, 0..65535 for uint16).

    Parameters
    ----------
    image : ndarray (H, W) | (H, W, 3) | (H, W, 4) or path
    dtype : numpy dtype, default float32
        Output dtype (uint8, uint16, float32 or float64); pass ``None`` to keep the input's
        dtype.

    Returns
    -------
    ndarray, shape (H, W)
    """
    if dtype is not None:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise InputError(f"dtype: expected a numpy dtype, given {dtype!r}") from None
        if dt not in _DTYPES:
            raise InputError(f"dtype: expected uint8, uint16, float32 or float64, given {dt}")
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
