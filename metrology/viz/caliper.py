"""Overlays of caliper measurements: caliper outlines, edge points (inliers / outliers) and the
fitted line, circle or ellipse, drawn with sub-pixel precision (OpenCV ``shift``).

Every caliper result, tool and feature describes itself as drawing primitives
(:mod:`metrology.caliper.shapes`, ``outline()``); :func:`draw_shapes` draws any list of them, so
these overlays need no knowledge of the kinds of tools.

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

from ..caliper.shapes import Circle, Ellipse, Markers, Polygons, Segment
from ..errors import InputError
from .draw import COLORS, SHIFT, check_color, check_thickness, to_bgr, to_fixed

__all__ = ["draw_calipers", "draw_edge_points", "draw_caliper_result", "draw_shapes"]


def draw_calipers(image, calipers, *, color=COLORS["tool"], thickness: int = 1,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Outline every caliper of a :class:`~metrology.image.profiles.Calipers` set.

    Rectangles are drawn as quadrilaterals; ray (annular-sector) calipers as their four
    corners joined (the arcs are short enough to draw straight).

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    from ..image.profiles import Calipers

    if not isinstance(calipers, Calipers):
        raise InputError(f"calipers: expected Calipers, given {type(calipers).__name__}")
    img = to_bgr(image) if out is None else _check_out(out)
    return draw_shapes(img, [Polygons(calipers.corners())], color, thickness)


def draw_edge_points(image, points_xy, inliers=None, *, radius: float = 2.0,
                     out: np.ndarray | None = None) -> np.ndarray:
    """Mark edge points: inliers yellow, outliers magenta (crosses)."""
    from ..core.checks import as_points, check_positive

    img = to_bgr(image) if out is None else _check_out(out)
    pts = as_points(points_xy, "points_xy", allow_batch=False)
    inl = np.ones(len(pts), bool) if inliers is None else np.asarray(inliers, bool).ravel()
    if inl.shape != (len(pts),):
        raise InputError(f"inliers: expected {len(pts)} flags, given {inl.size}")
    r = int(round(check_positive(radius, "radius", max=100.0) * (1 << SHIFT)))
    for p, good in zip(to_fixed(pts), inl):  # one marker per point: drawing, not arithmetic
        col = COLORS["inlier"] if good else COLORS["outlier"]
        x, y = int(p[0]), int(p[1])
        cv2.line(img, (x - r, y - r), (x + r, y + r), col, 1, cv2.LINE_AA, SHIFT)
        cv2.line(img, (x - r, y + r), (x + r, y - r), col, 1, cv2.LINE_AA, SHIFT)
    return img


_SHAPES = (Segment, Circle, Ellipse, Polygons, Markers)


def _check_out(img, name: str = "out") -> np.ndarray:
    """An image to draw on in place: (H, W, 3) uint8."""
    if not (isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.ndim == 3
            and img.shape[2] == 3 and img.shape[0] > 0 and img.shape[1] > 0):
        raise InputError(f"{name}: expected an (H, W, 3) uint8 image to draw on")
    if not (img.flags.c_contiguous and img.flags.writeable):
        raise InputError(f"{name}: expected a writable C-contiguous image to draw on in place "
                         f"(np.ascontiguousarray(img) makes one)")
    return img


def _ellipse_points(s: Ellipse) -> np.ndarray:
    c = np.asarray(s.center_xy, float)
    a, b = (float(v) for v in np.asarray(s.semi_axes))
    t = np.linspace(0, 2 * math.pi, 181)
    th = math.radians(float(s.angle_deg))
    u, v = a * np.cos(t), b * np.sin(t)
    return np.stack([c[0] + u * math.cos(th) - v * math.sin(th),
                     c[1] + u * math.sin(th) + v * math.cos(th)], axis=1)


def draw_shapes(image: np.ndarray, shapes: list, color=COLORS["model"], thickness: int = 1,
                tool_color=COLORS["tool"]) -> np.ndarray:
    """Draw drawing primitives (:mod:`metrology.caliper.shapes`) on a BGR image in place.

    ``role`` "fit" shapes get ``color`` and ``thickness``, "mark" ones ``color`` and width 1,
    "tool" ones ``tool_color`` and width 1; markers are drawn as edge points.

    Returns
    -------
    ndarray (H, W, 3) uint8
        ``image``.
    """
    image = _check_out(image, "image")
    color = check_color(color)
    tool_color = check_color(tool_color, "tool_color")
    thickness = check_thickness(thickness)
    if not isinstance(shapes, (list, tuple)) or not all(isinstance(s, _SHAPES) for s in shapes):
        raise InputError("shapes: expected a list of drawing primitives "
                         "(metrology.caliper.shapes), given " + type(shapes).__name__)
    for s in shapes:
        col = tool_color if s.role == "tool" else color
        th = thickness if s.role == "fit" else 1
        if isinstance(s, Segment):
            p0, p1 = to_fixed(np.stack([np.asarray(s.p0_xy, float), np.asarray(s.p1_xy, float)]))
            cv2.line(image, (int(p0[0]), int(p0[1])), (int(p1[0]), int(p1[1])), col, th,
                     cv2.LINE_AA, SHIFT)
        elif isinstance(s, Circle):
            c = to_fixed(s.center_xy)
            cv2.circle(image, (int(c[0]), int(c[1])), int(round(s.radius * (1 << SHIFT))), col,
                       th, cv2.LINE_AA, SHIFT)
        elif isinstance(s, Ellipse):
            cv2.polylines(image, [to_fixed(_ellipse_points(s)).reshape(-1, 1, 2)], True, col, th,
                          cv2.LINE_AA, SHIFT)
        elif isinstance(s, Polygons):
            quads = to_fixed(np.asarray(s.corners_xy, float))
            cv2.polylines(image, [q.reshape(-1, 1, 2) for q in quads], True, col, th,
                          cv2.LINE_AA, SHIFT)
        elif isinstance(s, Markers):
            draw_edge_points(image, s.points_xy, s.inliers, out=image)
        else:
            raise InputError(f"draw_shapes: expected caliper drawing primitives, given "
                             f"{type(s).__name__}")
    return image


def draw_caliper_result(image, result: Any, *, color=COLORS["model"], thickness: int = 1,
                        show_calipers: bool = True) -> np.ndarray:
    """Overlay of any caliper result on ``image``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3)
    result : LineResult, CircleResult, EllipseResult, EdgeResult or PairResult
        Anything with ``outline()`` (:mod:`metrology.caliper.shapes`).
    color : BGR tuple
        Colour of the fitted shape.
    thickness : int
        Line width of the fitted shape.
    show_calipers : bool
        Outline the calipers of line/circle/ellipse results.

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    outline = getattr(result, "outline", None)
    if not callable(outline):
        raise InputError(f"draw_caliper_result: expected a caliper result, given "
                         f"{type(result).__name__}")
    if not isinstance(show_calipers, (bool, np.bool_)):
        raise InputError(f"show_calipers: expected True or False, given {show_calipers!r:.40}")
    shapes = [s for s in outline() if show_calipers or not isinstance(s, Polygons)]
    # the calipers first, the edge points last (on top)
    shapes.sort(key=lambda s: (not isinstance(s, Polygons), isinstance(s, Markers)))
    return draw_shapes(to_bgr(image), shapes, color, thickness)
