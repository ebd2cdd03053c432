"""Overlays of caliper measurements: caliper outlines, edge points (inliers / outliers) and the
fitted line, circle or ellipse, drawn with sub-pixel precision (OpenCV ``shift``).

Example
-------
>>> import numpy as np
>>> from metrology.caliper import find_line
>>> img = np.full((60, 80), 40, np.uint8); img[30:] = 200
>>> out = draw_caliper_result(img, find_line(img, (10, 30), (70, 30), num_calipers=6))
>>> out.shape
(60, 80, 3)
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from ..errors import InputError
from .draw import COLORS, SHIFT, to_bgr, to_fixed

__all__ = ["draw_calipers", "draw_edge_points", "draw_caliper_result"]


def draw_calipers(image, calipers, *, color=COLORS["tool"], thickness: int = 1,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Outline every caliper of a :class:`~metrology.image.profiles.Calipers` set.

    Rectangles are drawn as quadrilaterals; ray (annular-sector) calipers as their four
    corners joined (the arcs are short enough to draw straight).

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    img = to_bgr(image) if out is None else out
    quads = to_fixed(calipers.corners())
    cv2.polylines(img, [q.reshape(-1, 1, 2) for q in quads], True, color, thickness,
                  cv2.LINE_AA, SHIFT)
    return img


def draw_edge_points(image, points_xy, inliers=None, *, radius: float = 2.0,
                     out: np.ndarray | None = None) -> np.ndarray:
    """Mark edge points: inliers yellow, outliers magenta (crosses)."""
    img = to_bgr(image) if out is None else out
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    inl = np.ones(len(pts), bool) if inliers is None else np.asarray(inliers, bool)
    r = int(round(radius * (1 << SHIFT)))
    for p, good in zip(to_fixed(pts), inl):  # one marker per point: drawing, not arithmetic
        col = COLORS["inlier"] if good else COLORS["outlier"]
        x, y = int(p[0]), int(p[1])
        cv2.line(img, (x - r, y - r), (x + r, y + r), col, 1, cv2.LINE_AA, SHIFT)
        cv2.line(img, (x - r, y + r), (x + r, y - r), col, 1, cv2.LINE_AA, SHIFT)
    return img


def _draw_fit(img, res, color, thickness):
    name = type(res).__name__
    if name == "LineResult":
        p0, p1 = to_fixed(np.stack([res.p0_xy, res.p1_xy]))
        cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), color, thickness,
                 cv2.LINE_AA, SHIFT)
    elif name == "CircleResult":
        c = to_fixed(res.center_xy)
        cv2.circle(img, (int(c[0]), int(c[1])), int(round(res.radius * (1 << SHIFT))), color,
                   thickness, cv2.LINE_AA, SHIFT)
    elif name == "EllipseResult":
        c = res.center_xy
        a, b = res.semi_axes
        t = np.linspace(0, 2 * math.pi, 181)
        th = math.radians(res.angle_deg)
        u, v = a * np.cos(t), b * np.sin(t)
        pts = np.stack([c[0] + u * math.cos(th) - v * math.sin(th),
                        c[1] + u * math.sin(th) + v * math.cos(th)], axis=1)
        cv2.polylines(img, [to_fixed(pts).reshape(-1, 1, 2)], True, color, thickness,
                      cv2.LINE_AA, SHIFT)


def draw_caliper_result(image, result: Any, *, color=COLORS["model"], thickness: int = 1,
                        show_calipers: bool = True) -> np.ndarray:
    """Overlay of any caliper result on ``image``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3)
    result : LineResult, CircleResult, EllipseResult, EdgeResult or PairResult
    color : BGR tuple
        Colour of the fitted shape.
    show_calipers : bool
        Outline the calipers of line/circle/ellipse results.

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    img = to_bgr(image)
    name = type(result).__name__
    if name in ("LineResult", "CircleResult", "EllipseResult"):
        if show_calipers and result.calipers is not None:
            draw_calipers(img, result.calipers, out=img)
        _draw_fit(img, result, color, thickness)
        draw_edge_points(img, result.points_xy, result.inliers, out=img)
    elif name == "EdgeResult":
        p = to_fixed(np.stack([result.p0_xy, result.p1_xy]))
        cv2.line(img, tuple(int(v) for v in p[0]), tuple(int(v) for v in p[1]),
                 COLORS["tool"], 1, cv2.LINE_AA, SHIFT)
        draw_edge_points(img, result.points_xy, out=img)
    elif name == "PairResult":
        p = to_fixed(np.stack([result.first.p0_xy, result.first.p1_xy]))
        cv2.line(img, tuple(int(v) for v in p[0]), tuple(int(v) for v in p[1]),
                 COLORS["tool"], 1, cv2.LINE_AA, SHIFT)
        for a, b in zip(to_fixed(result.first.points_xy), to_fixed(result.second.points_xy)):
            cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), color, 2,
                     cv2.LINE_AA, SHIFT)
        draw_edge_points(img, np.concatenate([result.first.points_xy,
                                              result.second.points_xy]), out=img)
    else:
        raise InputError(f"draw_caliper_result: expected a caliper result, given {name}")
    return img
