"""Drawing basics shared by all overlays: colours and conversion of any image to 8-bit BGR.

Coordinates are sub-pixel: drawing functions use OpenCV's ``shift`` (4 fractional bits), so an
overlay marks a position to 1/16 px.
"""

from __future__ import annotations

import numpy as np

from ..image.io import as_gray, check_image

__all__ = ["COLORS", "to_bgr", "SHIFT"]  # check_color, check_thickness, to_fixed: internal

COLORS = {
    "pass": (80, 200, 60),      # green (BGR)
    "fail": (40, 40, 230),      # red
    "tool": (230, 160, 40),     # blue-ish
    "inlier": (60, 220, 250),   # yellow
    "outlier": (200, 60, 220),  # magenta
    "model": (60, 230, 60),
    "text": (255, 255, 255),
}
SHIFT = 4


def to_bgr(image) -> np.ndarray:
    """Return an 8-bit 3-channel BGR copy of ``image`` for drawing (uint16/float are rescaled
    to their min..max range)."""
    img = check_image(image)
    if img.ndim == 3 and img.shape[2] >= 3 and img.dtype == np.uint8:
        return np.ascontiguousarray(img[:, :, :3]).copy()
    g = as_gray(img, dtype=np.float64)
    if img.dtype != np.uint8:
        lo, hi = float(g.min()), float(g.max())
        g = (g - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(g)
    g = np.clip(np.rint(g), 0, 255).astype(np.uint8)
    return np.repeat(g[:, :, None], 3, axis=2)


def to_fixed(points_xy) -> np.ndarray:
    """Float (x, y) pixel coordinates -> int32 fixed-point for cv2 drawing with ``shift=SHIFT``."""
    return np.rint(np.asarray(points_xy, dtype=np.float64) * (1 << SHIFT)).astype(np.int32)


def check_color(color, name: str = "color") -> tuple[int, int, int]:
    """``color`` as a BGR tuple of three ints in 0..255, or :class:`InputError`."""
    from ..errors import InputError

    try:
        c = np.asarray(color, dtype=np.float64)
    except (TypeError, ValueError):
        c = np.zeros(0)
    if c.shape != (3,) or not np.all(np.isfinite(c)) or c.min() < 0 or c.max() > 255:
        raise InputError(f"{name}: expected three BGR values in 0..255, given {color!r:.60}")
    return tuple(int(round(v)) for v in c)


def check_thickness(thickness, name: str = "thickness") -> int:
    """A line thickness in px (1..50), or :class:`InputError`."""
    from ..core.checks import check_int

    return check_int(thickness, name, min=1, max=50)
