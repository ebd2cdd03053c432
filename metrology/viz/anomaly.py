"""Heat-map overlay of an anomaly map on its image.

Example
-------
>>> import numpy as np
>>> from metrology.anomaly import AnomalyScore
>>> img = np.full((32, 32), 128, np.uint8)
>>> m = np.zeros((32, 32), np.float32); m[10, 20] = 5.0
>>> out = draw_anomaly(img, AnomalyScore(5.0, m, threshold=2.0))
>>> out.shape, out.dtype
((32, 32, 3), dtype('uint8'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.checks import check_bool, check_finite, check_int
from ..errors import InputError
from .draw import COLORS, to_bgr

__all__ = ["anomaly_heatmap", "draw_anomaly"]


def anomaly_heatmap(anomaly_map: np.ndarray, *, vmin: float | None = None,
                    vmax: float | None = None, colormap: int | None = None) -> np.ndarray:
    """Colour-map an anomaly map to 8-bit BGR.

    Parameters
    ----------
    anomaly_map : ndarray (H, W)
    vmin, vmax : float, optional
        Values mapped to the ends of the colour map (default: the map's min and max). Pass the
        scorer's threshold range to compare images on one scale.
    colormap : int, optional
        OpenCV colour map (default ``cv2.COLORMAP_JET``).

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    import cv2

    try:
        m = np.asarray(anomaly_map, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"anomaly_map: expected a (H, W) array of numbers, given "
                         f"{type(anomaly_map).__name__}") from None
    if m.ndim != 2 or m.size == 0:
        raise InputError(f"anomaly_map: expected a non-empty (H, W) array, given shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise InputError("anomaly_map: contains NaN or inf")
    lo = float(m.min()) if vmin is None else check_finite(vmin, "vmin")
    hi = float(m.max()) if vmax is None else check_finite(vmax, "vmax")
    if colormap is not None:
        colormap = check_int(colormap, "colormap", min=0, max=21)
    u = np.clip((m - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(m)
    u8 = np.rint(u * 255).astype(np.uint8)
    return cv2.applyColorMap(u8, cv2.COLORMAP_JET if colormap is None else colormap)


def draw_anomaly(image: Any, result: Any, *, alpha: float = 0.45, vmin: float | None = None,
                 vmax: float | None = None, threshold: float | None = None,
                 contour: bool = True, label: bool = True) -> np.ndarray:
    """Blend an anomaly heat map over the image, outline the region above threshold, mark the
    maximum and print the score.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3)
    result : AnomalyScore or ndarray (H, W)
        A scorer's result (its ``threshold`` is used when ``threshold`` is not given) or a map.
    alpha : float in [0, 1]
        Weight of the heat map.
    vmin, vmax : float, optional
        Colour scale (default: 0 .. max(map max, 1.5 x threshold)).
    threshold : float, optional
        Map level outlined in red.
    contour, label : bool
        Draw the threshold outline / the score text and maximum marker.

    Returns
    -------
    ndarray (H, W, 3) uint8, BGR
    """
    import cv2

    base = to_bgr(image)
    amap = getattr(result, "map", result)
    try:
        amap = np.asarray(amap, dtype=np.float32)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"result: expected an AnomalyScore or a (H, W) map, given "
                         f"{type(result).__name__}") from None
    if amap.shape != base.shape[:2]:
        raise InputError(f"result: map shape {amap.shape} does not match the image "
                         f"{base.shape[:2]}")
    alpha = check_finite(alpha, "alpha", min=0.0, max=1.0)
    thr = check_finite(threshold, "threshold") if threshold is not None \
        else getattr(result, "threshold", None)
    vmin = None if vmin is None else check_finite(vmin, "vmin")
    vmax = None if vmax is None else check_finite(vmax, "vmax")
    contour, label = check_bool(contour, "contour"), check_bool(label, "label")
    lo = 0.0 if vmin is None else vmin
    hi = vmax if vmax is not None else max(float(amap.max()), 1.5 * thr if thr else 0.0)
    heat = anomaly_heatmap(amap, vmin=lo, vmax=hi)
    out = cv2.addWeighted(base, 1 - alpha, heat, alpha, 0.0)
    if contour and thr is not None:
        above = (amap > thr).astype(np.uint8)
        cnts, _ = cv2.findContours(above, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, cnts, -1, COLORS["fail"], 1, cv2.LINE_8)
    if label:
        r, c = np.unravel_index(int(np.argmax(amap)), amap.shape)
        cv2.drawMarker(out, (int(c), int(r)), COLORS["text"], cv2.MARKER_CROSS, 9, 1,
                       cv2.LINE_AA)
        score = getattr(result, "score", float(amap.max()))
        bad = thr is not None and score > thr
        txt = f"score {score:.3g}" + (f" / thr {thr:.3g}" if thr is not None else "")
        cv2.putText(out, txt, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    COLORS["fail"] if bad else COLORS["pass"], 1, cv2.LINE_AA)
    return out
