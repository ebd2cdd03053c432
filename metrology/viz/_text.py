"""Text and colour bars for OpenCV overlays.

Text is drawn **once**, in its colour, on a darkened box behind it.  Drawing a thick dark
"outline" pass and then the text pass (the usual trick) garbles labels under OpenCV 5, whose
Hershey glyph advance depends on the stroke thickness: the two passes drift apart along the
string.  One pass on a box has nothing to drift.

>>> import numpy as np
>>> img = np.zeros((60, 200, 3), np.uint8)
>>> x, y, w, h = put_label(img, "hole_a 4.0001", (10, 30), (80, 200, 60))
>>> (x, y, w, h), int(img[25, 12:120].max())
((8, 14, 103, 19), 200)
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__: list[str] = []  # internal: used by the overlays

FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


def label_scale(shape: Sequence[int]) -> float:
    """OpenCV font scale for an image of ``shape`` (H, W[, C]): 0.45 at 640x480 (capitals
    ~10 px high), growing with the image to ~1.1 at 5 MP, so text reads at 100 %."""
    h, w = int(shape[0]), int(shape[1])
    return float(np.clip(0.45 * math.sqrt(w * h / (640 * 480)) ** 0.75, 0.42, 1.3))


def _thickness(scale: float) -> int:
    return 1 if scale < 0.9 else 2 if scale < 1.6 else 3


def text_size(text: str, scale: float) -> tuple[int, int, int]:
    """``(width, height above the baseline, descent)`` of ``text`` in pixels."""
    import cv2

    (w, h), base = cv2.getTextSize(text, FONT, scale, _thickness(scale))
    return w, h, base


def put_label(img: np.ndarray, text: str, org: Sequence[float], color: Sequence[int],
              scale: float = 0.5, *, box: bool = True, box_dim: float = 0.25
              ) -> tuple[int, int, int, int]:
    """Draw ``text`` with its baseline-left at ``org`` on ``img`` (BGR uint8, in place).

    Parameters
    ----------
    img : ndarray (H, W, 3) uint8
    text : str
    org : (x, y)
        Baseline-left point of the text, pixels.
    color : BGR
    scale : float
        OpenCV font scale.
    box : bool
        Darken a box behind the text first (``box_dim`` times its brightness).

    Returns
    -------
    (x, y, w, h)
        The box the label occupies (clipped drawing; the box itself may reach outside).
    """
    import cv2

    th = _thickness(scale)
    w, h, base = text_size(text, scale)
    x, y = int(round(org[0])), int(round(org[1]))
    pad = max(2, int(round(3 * scale)))
    rect = (x - pad, y - h - pad, w + 2 * pad, h + base + 2 * pad)
    if box:
        x0, y0 = max(rect[0], 0), max(rect[1], 0)
        x1 = min(rect[0] + rect[2], img.shape[1])
        y1 = min(rect[1] + rect[3], img.shape[0])
        if x1 > x0 and y1 > y0:
            roi = img[y0:y1, x0:x1]
            roi[:] = (roi.astype(np.float32) * box_dim).astype(np.uint8)
    cv2.putText(img, text, (x, y), FONT, scale, tuple(int(c) for c in color), th, cv2.LINE_AA)
    return rect


def draw_colorbar(img: np.ndarray, rect: Sequence[int], vmax: float, *, label: str = "",
                  colormap: int | None = None, gain: float = 1.0, ticks: int = 5,
                  fmt: str = "{:.3f}", scale: float = 0.4) -> None:
    """A vertical colour bar in ``rect = (x, y, w, h)`` of ``img`` (in place): value 0 at the
    bottom, ``vmax`` at the top, coloured exactly as ``cv2.applyColorMap(uint8(255 * gain *
    value / vmax))`` colours a map, with ``ticks`` labelled values to its right and ``label``
    above it.

    Parameters
    ----------
    img : ndarray (H, W, 3) uint8
    rect : (x, y, w, h)
        The bar itself (labels go to its right, the title above).
    vmax : float
        The value at the top.
    colormap : int, optional
        OpenCV colormap (default ``cv2.COLORMAP_VIRIDIS``).
    gain : float
        The factor the map was drawn with (its colours stop at ``255 * gain``).
    """
    import cv2

    cmap = cv2.COLORMAP_VIRIDIS if colormap is None else colormap
    x, y, w, h = (int(v) for v in rect)
    if w < 1 or h < 2:
        return
    frac = np.linspace(1.0, 0.0, h)  # top row = vmax
    levels = np.clip(np.rint(255 * gain * frac), 0, 255).astype(np.uint8)
    bar = cv2.applyColorMap(np.repeat(levels[:, None], w, axis=1), cmap)
    y1, x1 = min(y + h, img.shape[0]), min(x + w, img.shape[1])
    img[y:y1, x:x1] = bar[:y1 - y, :x1 - x]
    cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (200, 200, 200), 1)
    for k in range(ticks):
        f = k / max(ticks - 1, 1)
        ty = int(round(y + (1 - f) * (h - 1)))
        cv2.line(img, (x + w, ty), (x + w + 4, ty), (200, 200, 200), 1)
        _, th, _ = text_size("0", scale)
        put_label(img, fmt.format(f * vmax), (x + w + 7, ty + th // 2), (230, 230, 230), scale,
                  box=False)
    if label:
        _, th, _ = text_size(label, scale)
        put_label(img, label, (x, y - th - 8), (230, 230, 230), scale, box=False)
