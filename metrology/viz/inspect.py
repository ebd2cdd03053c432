"""Overlay of an inspection: tools, edge points, fitted features, values, pass/fail colours."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..caliper.shapes import Segment
from ..errors import MetrologyError
from .caliper import draw_shapes
from .draw import COLORS, SHIFT, to_bgr, to_fixed

__all__ = ["draw_inspection"]


def _line(img, p, q, color, thickness=1):
    draw_shapes(img, [Segment(p, q)], color, thickness)


def _tool(d: Any):
    """The placed tool of a ``tools_px`` entry (None when it cannot be read back)."""
    from ..caliper import tool_from_dict

    if not isinstance(d, dict):
        return None
    try:
        return tool_from_dict(d)
    except MetrologyError:
        return None


def _feature(d: Any, name: str):
    """The feature of a ``features[name]["px"]`` entry (None when absent or unreadable)."""
    from ..caliper import feature_from_dict

    if not d:
        return None
    try:
        return feature_from_dict(d, name)
    except MetrologyError:
        return None


def _text(img, text, org, color, scale=0.5, thickness=1):
    import cv2

    x, y = int(round(org[0])), int(round(org[1]))
    for dx, dy in ((1, 1), (-1, -1), (1, -1), (-1, 1)):  # dark outline, same glyph widths
        cv2.putText(img, text, (x + dx, y + dy), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                    thickness, cv2.LINE_AA)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness,
                cv2.LINE_AA)


def _points(img, pts, color):
    import cv2

    pts = np.asarray(pts, float).reshape(-1, 2)
    if len(pts) == 0:
        return
    for p in to_fixed(pts):  # a few dozen markers per tool
        cv2.circle(img, (int(p[0]), int(p[1])), 2 << SHIFT, color, 1, cv2.LINE_AA, SHIFT)


def draw_inspection(image: Any, result: Any, *, show_tools: bool = True,
                    show_points: bool = True, font_scale: float | None = None) -> np.ndarray:
    """Draw ``result`` (an :class:`~metrology.inspect.InspectionResult`) on ``image``.

    Tools are drawn in the tool colour, edge points kept/rejected by the fits in yellow/magenta,
    each fitted feature in green when every measurement using it passes and red otherwise,
    measurement values next to their feature, and the overall status in the top-left corner.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3), or path
        The inspected image.
    result : InspectionResult

    Returns
    -------
    ndarray (H, W, 3) uint8, BGR
    """
    from ..image.io import load_image

    img = to_bgr(load_image(image))
    h, w = img.shape[:2]
    fs = font_scale if font_scale is not None else max(0.35, min(0.8, w / 2000))
    # feature colour: red if any measurement naming it failed
    bad: set[str] = set()
    for m in result.measurements:
        if m.passed is False:
            bad.update(_names_in(m.name, result))
    tools = result.tools_px or {}
    feats = result.features or {}
    if show_tools:
        for t in tools.values():
            tool = _tool(t)
            if tool is not None:
                draw_shapes(img, tool.outline(), COLORS["tool"], 1)
    if show_points:
        for run in (result.edge_points_px or {}).values():
            _points(img, run.points_px, COLORS["inlier"])
            _points(img, run.outliers_px, COLORS["outlier"])
    labels = []
    for name, f in feats.items():
        px = _feature(f.get("px") if isinstance(f, dict) else None, name)
        if px is None:
            tool = _tool(tools.get(name))
            if tool is not None:
                a = tool.anchor()
                _text(img, f"{name}: no edge", (a[0] + 4, a[1] - 4), COLORS["fail"], fs)
            continue
        col = COLORS["fail"] if name in bad else COLORS["pass"]
        draw_shapes(img, px.outline(), col, 2)
        labels.append((name, px.point, col))
    # tool names next to their features
    for name, a, col in labels:
        _text(img, name, (a[0] + 5, a[1] - 5), col, fs * 0.8)
    # header: status, pose, then one line per measurement on a dark panel
    lines: list[tuple[str, tuple]] = []
    status = result.status.upper().replace("_", " ")
    if result.pose is not None and result.match_score is not None:
        p = result.pose
        frame = " (rectified view)" if getattr(result, "pose_frame", "image") != "image" else ""
        lines.append((f"pose{frame} x={p.x:.2f} y={p.y:.2f} a={p.angle_deg:.2f}deg "
                      f"score={result.match_score:.2f}", COLORS["text"]))
        if getattr(result, "pose_frame", "image") == "image":
            L = 40.0
            o = np.array([p.x, p.y])
            _line(img, o, o + L * np.array([math.cos(p.angle_rad), math.sin(p.angle_rad)]),
                  COLORS["fail"], 1)
            _line(img, o, o + L * np.array([-math.sin(p.angle_rad), math.cos(p.angle_rad)]),
                  COLORS["pass"], 1)
    for m in result.measurements:
        col = COLORS["text"] if m.passed is None else (COLORS["pass"] if m.passed
                                                       else COLORS["fail"])
        if m.value is None:
            val = "n/a"
        else:
            val = f"{m.value:.4f} {m.unit}"
            if m.nominal is not None:
                val += f"  (nom {m.nominal:.4f})"
        mark = "" if m.passed is None else ("  ok" if m.passed else "  FAIL")
        lines.append((f"{m.name}: {val}{mark}", col))
    if result.anomaly_score is not None:
        ok = result.anomaly_passed
        lines.append((f"anomaly {result.anomaly_score:.3g} (threshold "
                      f"{result.anomaly_threshold:.3g})",
                      COLORS["pass"] if ok else COLORS["fail"]))
    step = 18 * fs / 0.5
    top = 10 + 36 * fs / 0.5
    panel_w = int(min(w - 10, 10 + max([len(t) for t, _ in lines] + [10]) * 9.2 * fs / 0.5))
    panel_h = int(top + step * len(lines) + 8)
    roi = img[0:min(h, panel_h), 0:min(w, panel_w)]
    roi[:] = (roi.astype(np.float32) * 0.35).astype(np.uint8)
    _text(img, status, (10, 10 + 28 * fs / 0.5), COLORS["pass"] if result.status == "pass"
          else COLORS["fail"], fs * 2, 2)
    for k, (t, col) in enumerate(lines):
        _text(img, t, (10, top + step * (k + 1) - 4), col, fs)
    if result.error and result.status != "pass":
        _text(img, result.error[:110], (10, h - 12), COLORS["fail"], fs * 0.9)
    return img


def _names_in(mname: str, result: Any) -> set[str]:
    """Feature names the measurement ``mname`` was computed from."""
    for m in result.measurements:
        if m.name == mname:
            return set(m.features)
    return set()
