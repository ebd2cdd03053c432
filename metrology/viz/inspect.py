"""Overlay of an inspection: tools, edge points, fitted features, values, pass/fail colours."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .draw import COLORS, SHIFT, to_bgr, to_fixed

__all__ = ["draw_inspection"]


def _line(img, p, q, color, thickness=1):
    import cv2

    a, b = to_fixed([p, q])
    cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), color, thickness,
             cv2.LINE_AA, SHIFT)


def _circle(img, c, r, color, thickness=1):
    import cv2

    cc = to_fixed(c)
    cv2.circle(img, (int(cc[0]), int(cc[1])), int(round(r * (1 << SHIFT))), color, thickness,
               cv2.LINE_AA, SHIFT)


def _ellipse(img, c, axes, angle_deg, color, thickness=1):
    import cv2

    cc = to_fixed(c)
    ax = (int(round(axes[0] * (1 << SHIFT))), int(round(axes[1] * (1 << SHIFT))))
    cv2.ellipse(img, (int(cc[0]), int(cc[1])), ax, float(angle_deg), 0, 360, color, thickness,
                cv2.LINE_AA, SHIFT)


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
        for name, t in tools.items():
            col = COLORS["tool"]
            kind = t.get("type")
            if kind in ("line", "edge_pair") and "p0_xy" in t:
                _line(img, t["p0_xy"], t["p1_xy"], col, 1)
            elif kind == "circle" and "center_xy" in t:
                _circle(img, t["center_xy"], t["radius"], col, 1)
            elif kind == "ellipse" and "center_xy" in t:
                _ellipse(img, t["center_xy"], t["semi_axes"], t.get("angle_deg", 0.0), col, 1)
    if show_points:
        for name, run in (result.edge_points_px or {}).items():
            _points(img, run.points_px, COLORS["inlier"])
            _points(img, run.outliers_px, COLORS["outlier"])
            if run.first_px is not None:
                _points(img, run.first_px, COLORS["inlier"])
                _points(img, run.second_px, COLORS["inlier"])
    for name, f in feats.items():
        px = f.get("px") if isinstance(f, dict) else None
        if not px:
            t = tools.get(name, {})
            anchor = t.get("center_xy") or t.get("p0_xy")
            if anchor is not None:
                _text(img, f"{name}: no edge", (anchor[0] + 4, anchor[1] - 4), COLORS["fail"], fs)
            continue
        col = COLORS["fail"] if name in bad else COLORS["pass"]
        kind = px["kind"]
        if kind == "circle":
            _circle(img, px["center"], px["radius"], col, 2)
            _circle(img, px["center"], 2, col, 1)
        elif kind == "ellipse":
            _ellipse(img, px["center"], px["semi_axes"], px["angle_deg"], col, 2)
        elif kind == "line":
            p, d, half = np.array(px["point"]), np.array(px["direction"]), px["length"] / 2
            _line(img, p - d * half, p + d * half, col, 2)
        else:
            c = np.array(px["center"])
            _circle(img, c, 3, col, 1)
    # tool names next to their features
    for name, f in feats.items():
        px = f.get("px") if isinstance(f, dict) else None
        if px:
            a = np.array(px.get("center") or px.get("point"), float)
            col = COLORS["fail"] if name in bad else COLORS["pass"]
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


def _anchor(m: Any, result: Any):
    names = list(m.features)
    for n in names:
        f = (result.features or {}).get(n) or {}
        px = f.get("px")
        if px:
            return np.array(px.get("center") or px.get("point"), float)
    for n in names:
        t = (result.tools_px or {}).get(n) or {}
        a = t.get("center_xy") or t.get("p0_xy")
        if a is not None:
            return np.array(a, float)
    return None
