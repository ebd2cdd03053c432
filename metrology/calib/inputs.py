"""Calibration inputs: a folder, a glob pattern, paths or image arrays -> a list of views."""

from __future__ import annotations

import glob
import os
from typing import Any

import numpy as np

from .._io import as_path
from ..errors import InputError
from ..image.io import check_image

__all__ = ["collect_images", "IMAGE_EXTS"]

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp")


def collect_images(images_or_paths: Any) -> list[tuple[str, Any]]:
    """Expand a folder, a glob pattern, one path, an array, or a list of those into
    ``[(name, path_or_array), ...]`` (folders: image files sorted by name).

    Parameters
    ----------
    images_or_paths : str, PathLike, ndarray, or an iterable of those
        Every array must be a valid image (see :func:`metrology.image.io.check_image`).

    Returns
    -------
    list of (str, str or ndarray)

    Raises
    ------
    InputError
        Nothing given, a file or folder not found, a pattern matching nothing, a bad array
        (:func:`~metrology.calib.calibrate` instead leaves a bad array out of the
        calibration as an unreadable view).

    Examples
    --------
    >>> [name for name, _ in collect_images("calib_images/view_0[01].png")]
    ['calib_images/view_00.png', 'calib_images/view_01.png']
    """
    out = _collect(images_or_paths)
    for name, item in out:
        if not isinstance(item, str):
            check_image(item, name)
    return out


def _collect(images_or_paths: Any) -> list[tuple[str, Any]]:
    """:func:`collect_images` without checking the arrays (calibrate rejects bad ones)."""
    if isinstance(images_or_paths, np.ndarray):
        if images_or_paths.ndim in (2, 3) and images_or_paths.dtype != object and \
                images_or_paths.ndim == 2 or (images_or_paths.ndim == 3 and
                                              images_or_paths.shape[2] in (1, 3, 4)):
            return [("image 0", images_or_paths)]
        items = list(images_or_paths)
    elif isinstance(images_or_paths, (str, os.PathLike)):
        items = [images_or_paths]
    else:
        try:
            items = list(images_or_paths)
        except TypeError:
            raise InputError(f"images_or_paths: expected a folder, a glob pattern, paths or "
                             f"image arrays, given {type(images_or_paths).__name__}") from None
    out: list[tuple[str, Any]] = []
    for i, it in enumerate(items):
        if isinstance(it, (str, os.PathLike)):
            p = as_path(it, "images")
            if p.is_dir():
                files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS)
                if not files:
                    raise InputError(f"images: folder {p} holds no image files "
                                     f"({', '.join(IMAGE_EXTS)})")
                out.extend((str(f), str(f)) for f in files)
            elif p.is_file():
                out.append((str(p), str(p)))
            elif any(ch in str(it) for ch in "*?["):
                files = sorted(glob.glob(str(it)))
                if not files:
                    raise InputError(f"images: pattern {str(it)!r} matches no file")
                out.extend((f, f) for f in files)
            else:
                raise InputError(f"images: file not found: {p}")
        else:
            out.append((f"image {i}", it))
    if not out:
        raise InputError("images: no images given")
    return out
