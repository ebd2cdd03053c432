"""Pixel windows around checkerboard corners for the X-junction fit (:mod:`.corners`)."""

from __future__ import annotations

import numpy as np

from . import _accel

__all__: list[str] = []


def _disk_offsets(radius_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer offsets ``(M,)`` covering every pixel with non-zero weight in a window of
    radius ``radius_px`` (+0.5 soft edge) around any centre within half a pixel of the
    origin."""
    R = int(np.ceil(radius_px)) + 1
    oy, ox = (o.ravel() for o in np.mgrid[-R:R + 1, -R:R + 1])
    keep = np.hypot(ox, oy) <= radius_px + 0.5 + np.sqrt(0.5)
    return ox[keep], oy[keep]


def _sample_windows(gray: np.ndarray, cur: np.ndarray, radius: np.ndarray, ox: np.ndarray,
                    oy: np.ndarray) -> tuple[np.ndarray, ...]:
    """Windows around the corners ``cur (N, 2)``.

    Returns gray values, pixel x, pixel y and weights ``(N, M)`` at the offsets ``(ox, oy)``
    from the rounded corners; the weights make a circle of ``radius (N,)`` with a one-pixel
    soft edge, zero outside the image.
    """
    h, w = gray.shape
    k = _accel.kernels()
    if k is not None:
        f64 = (lambda a: np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
        flat, X, Y, wt = k.sample_windows(f64(cur[:, 0]), f64(cur[:, 1]), f64(radius),
                                          np.ascontiguousarray(ox, dtype=np.intp),
                                          np.ascontiguousarray(oy, dtype=np.intp), h, w)
        vals = np.take(np.ascontiguousarray(gray).ravel(), flat).astype(np.float64)
        return vals, X, Y, wt
    ix = np.rint(cur[:, 0]).astype(np.intp)[:, None] + ox[None]
    iy = np.rint(cur[:, 1]).astype(np.intp)[:, None] + oy[None]
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    flat = np.minimum(np.maximum(iy, 0), h - 1) * w + np.minimum(np.maximum(ix, 0), w - 1)
    vals = np.take(np.ascontiguousarray(gray).ravel(), flat).astype(np.float64)
    X = ix.astype(np.float64)
    Y = iy.astype(np.float64)
    ddx = X - cur[:, :1]
    ddy = Y - cur[:, 1:]
    wt = np.minimum(np.maximum(radius[:, None] + 0.5 - np.sqrt(ddx * ddx + ddy * ddy), 0.0), 1.0)
    wt *= inside
    return vals, X, Y, wt
