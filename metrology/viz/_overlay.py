"""Inspection overlay, redesigned: the image untouched by any panel, dimension lines on the part,
a results panel beside (or below) the image.

* The canvas is the image plus a panel on its right (or below it for wide images): the panel
  never covers the part or anything else in the image.
* On the image: the tools (thin), the edge points kept / rejected by the fits, each fitted
  feature, and per measurement a dimension: a double arrow between the two features of a
  distance or across an edge pair, a diameter leader across a circle, an arc for an angle, the
  two legs of a position in its datum frame; each with its number and value.
* In the panel: per measurement its number, value, deviation from the nominal and tolerance,
  and, for a failure, in red, why: ``out of tolerance: +0.041 mm > +0.030`` or
  ``not measured: only 17 of 48 calipers found an edge ...``.
* Text is drawn once (on a dark box), never as an outline plus a text whose glyph spacing can
  differ; its size follows the image (readable at 100 % from 640x480 to 5 MP).

:func:`render_inspection` returns the picture and its layout (where the panel, the image and
every text went), which is what the tests check.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MetrologyError
from .caliper import draw_shapes
from .draw import COLORS, SHIFT, to_bgr, to_fixed
from ._text import label_scale, put_label, text_size

__all__: list[str] = []  # public through metrology.viz.inspect

_PANEL_BG = (32, 32, 32)
_NEUTRAL = (235, 235, 235)
_DIM = (255, 210, 120)   # dimension lines of measurements without a tolerance (light blue)
_CALIPERS = re.compile(r"only (\d+) of (\d+) calipers found an edge")


@dataclass
class OverlayLayout:
    """Where things went on the overlay (canvas pixels, ``(x, y, w, h)`` rectangles)."""

    image_rect: tuple[int, int, int, int]
    panel_rect: tuple[int, int, int, int]
    texts: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)
    font_scale: float = 0.5

    def text_items(self) -> list[str]:
        return [t for t, _ in self.texts]


# --------------------------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------------------------
def _fmt_num(v: float, unit: str) -> str:
    return f"{v:.4f}" if unit == "mm" else f"{v:.3f}"


def value_text(m: Any) -> str:
    """``22.0003 mm`` (or ``n/a``)."""
    if m.value is None:
        return "n/a"
    return f"{_fmt_num(m.value, m.unit)} {m.unit}"


def _tol_text(m: Any) -> str:
    if m.min is None and m.max is None:
        return "no tolerance"
    if m.nominal is None:
        parts = []
        if m.min is not None:
            parts.append(f"min {_fmt_num(m.min, m.unit)}")
        if m.max is not None:
            parts.append(f"max {_fmt_num(m.max, m.unit)}")
        return " ".join(parts)
    lo = None if m.min is None else m.min - m.nominal
    hi = None if m.max is None else m.max - m.nominal
    if lo is not None and hi is not None and abs(lo + hi) < 1e-12:
        return f"tol +/-{hi:.3f}"
    return f"tol {'' if lo is None else f'{lo:+.3f}'}/{'' if hi is None else f'{hi:+.3f}'}"


def failure_reason(m: Any) -> str | None:
    """Why a measurement failed, with the numbers (None when it passed or has no tolerance).

    Examples
    --------
    >>> from metrology.inspect import MeasurementResult
    >>> failure_reason(MeasurementResult("w", "width", "mm", 2.541, nominal=2.5, min=2.47,
    ...                                  max=2.53, passed=False))
    'out of tolerance: +0.041 mm > +0.030'
    """
    if m.passed is not False:
        return None
    if m.value is None:
        why = (m.error or "no value").strip()
        c = _CALIPERS.search(why)
        if c is not None:  # the caliper's "only N of K calipers found an edge ..."
            n, k = int(c.group(1)), int(c.group(2))
            tool = why.split(":", 1)[0]
            return f"not measured: {k - n} of {k} calipers found no edge (tool {tool})"
        return f"not measured: {why}"
    u = m.unit
    if m.nominal is not None:
        d = m.value - m.nominal
        if m.max is not None and m.value > m.max:
            return f"out of tolerance: {d:+.3f} {u} > {m.max - m.nominal:+.3f}"
        if m.min is not None and m.value < m.min:
            return f"out of tolerance: {d:+.3f} {u} < {m.min - m.nominal:+.3f}"
    if m.max is not None and m.value > m.max:
        return f"out of tolerance: {_fmt_num(m.value, u)} {u} > max {_fmt_num(m.max, u)}"
    if m.min is not None and m.value < m.min:
        return f"out of tolerance: {_fmt_num(m.value, u)} {u} < min {_fmt_num(m.min, u)}"
    return f"failed: {m.error}" if m.error else "failed"


class _Writer:
    """Draws text once on a dark box and records it in the layout."""

    def __init__(self, img: np.ndarray, layout: OverlayLayout, scale: float):
        self.img = img
        self.layout = layout
        self.scale = scale
        _, h, base = text_size("Hg", scale)
        self.line_h = int(round((h + base) * 1.45))
        self.ascent = h

    def place(self, text: str, anchor: np.ndarray, color: tuple, *, scale: float,
              clip: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """Put a label near ``anchor`` where it overlaps no earlier label: candidate spots on
        rings around the anchor, nearest first (the anchor itself when none is free)."""
        w, hgt = self.size(text, scale)
        pad = max(2, int(round(3 * scale)))
        taken = [r for _, r in self.layout.texts]
        cx, cy, cw, ch = clip
        step = hgt + 2 * pad
        for ring in range(0, 6):
            for k in range(8 if ring else 1):
                ang = 2 * math.pi * k / 8
                ox = anchor[0] + 4 + ring * step * math.cos(ang) * 1.6
                oy = anchor[1] - 4 + ring * step * math.sin(ang)
                x = float(np.clip(ox, cx + pad, max(cx + pad, cx + cw - w - pad)))
                y = float(np.clip(oy, cy + hgt + pad, max(cy + hgt + pad, cy + ch - pad)))
                r = (int(x) - pad, int(y) - hgt - pad, w + 2 * pad, hgt + 2 * pad)
                if not any(_overlap(r, t) for t in taken):
                    return self.put(text, (x, y), color, scale=scale)
        return self.put(text, (anchor[0] + 4, anchor[1] - 4), color, scale=scale, clip=clip)

    def size(self, text: str, scale: float | None = None) -> tuple[int, int]:
        w, h, base = text_size(text, scale or self.scale)
        return w, h + base

    def put(self, text: str, org: tuple[float, float], color: tuple, *, scale: float | None = None,
            box: bool = True, clip: tuple[int, int, int, int] | None = None
            ) -> tuple[int, int, int, int]:
        """Text with its baseline-left at ``org`` (moved inside ``clip`` when given), drawn
        once (``put_label``)."""
        s = scale or self.scale
        w, h, base = text_size(text, s)
        x, y = org
        pad = max(2, int(round(3 * s)))
        if clip is not None:
            cx, cy, cw, ch = clip
            x = float(np.clip(x, cx + pad, max(cx + pad, cx + cw - w - pad)))
            y = float(np.clip(y, cy + h + pad, max(cy + h + pad, cy + ch - base - pad)))
        rect = put_label(self.img, text, (x, y), color, s, box=box)
        self.layout.texts.append((text, rect))
        return rect


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
    """The feature of a ``features[name]["px"]`` entry (None when unreadable)."""
    from ..caliper import feature_from_dict

    try:
        return feature_from_dict(d, name)
    except MetrologyError:
        return None


def _has_px(feats: dict, name: str) -> bool:
    f = feats.get(name)
    return isinstance(f, dict) and bool(f.get("px"))


def _overlap(a: tuple, b: tuple) -> bool:
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1]
                or b[1] + b[3] <= a[1])


# --------------------------------------------------------------------------------------------
# geometry helpers (image pixels)
# --------------------------------------------------------------------------------------------
def _line(img, p, q, color, thickness=1):
    import cv2

    a, b = to_fixed([p, q])
    cv2.line(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), color, thickness,
             cv2.LINE_AA, SHIFT)


def _arrow(img, p, q, color, thickness=1, head_px=8.0):
    """Line p -> q with an arrow head at q (head length in px, not relative)."""
    import cv2

    p, q = np.asarray(p, float), np.asarray(q, float)
    L = float(np.hypot(*(q - p)))
    if L < 1e-6:
        return
    tip = min(0.45, head_px / L)
    a, b = to_fixed([p, q])
    cv2.arrowedLine(img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), color, thickness,
                    cv2.LINE_AA, SHIFT, tip)


def _double_arrow(img, p, q, color, thickness, head_px):
    m = 0.5 * (np.asarray(p, float) + np.asarray(q, float))
    _arrow(img, m, p, color, thickness, head_px)
    _arrow(img, m, q, color, thickness, head_px)


def _circle(img, c, r, color, thickness=1):
    import cv2

    cc = to_fixed(c)
    cv2.circle(img, (int(cc[0]), int(cc[1])), int(round(r * (1 << SHIFT))), color, thickness,
               cv2.LINE_AA, SHIFT)


def _ellipse(img, c, axes, angle_deg, color, thickness=1, arc=(0, 360)):
    import cv2

    cc = to_fixed(c)
    ax = (int(round(axes[0] * (1 << SHIFT))), int(round(axes[1] * (1 << SHIFT))))
    cv2.ellipse(img, (int(cc[0]), int(cc[1])), ax, float(angle_deg), float(arc[0]),
                float(arc[1]), color, thickness, cv2.LINE_AA, SHIFT)


def _dots(img, pts, color, r):
    import cv2

    pts = np.asarray(pts, float).reshape(-1, 2)
    for p in to_fixed(pts):  # a few dozen markers per tool
        cv2.circle(img, (int(p[0]), int(p[1])), int(r * (1 << SHIFT)), color, -1, cv2.LINE_AA,
                   SHIFT)


class _Geo:
    """A fitted feature in image pixels, from the result's ``features[name]["px"]``."""

    def __init__(self, name: str, px: dict, tool: dict | None):
        self.name = name
        self.kind = px.get("kind")
        self.px = px
        if self.kind == "line":
            self.p = np.asarray(px["point"], float)
            d = np.asarray(px["direction"], float)
            self.d = d / max(np.hypot(*d), 1e-12)
            self.half = 0.5 * float(px.get("length", 0.0))
        else:
            self.p = np.asarray(px["center"], float)
            self.d = None
        if self.kind == "edge_pair" and tool and "p0_xy" in tool:
            d = np.asarray(tool["p1_xy"], float) - np.asarray(tool["p0_xy"], float)
            self.d = d / max(np.hypot(*d), 1e-12)

    @property
    def is_line(self) -> bool:
        return self.kind == "line"

    @property
    def normal(self) -> np.ndarray:
        return np.array([-self.d[1], self.d[0]])

    def foot(self, q: np.ndarray) -> np.ndarray:
        """Nearest point of the (infinite) line to ``q``."""
        return self.p + float(np.dot(q - self.p, self.d)) * self.d


def _intersect(a: _Geo, b: _Geo) -> np.ndarray | None:
    A = np.column_stack([a.d, -b.d])
    if abs(np.linalg.det(A)) < 1e-9:
        return None
    t = np.linalg.solve(A, b.p - a.p)
    return a.p + t[0] * a.d


# --------------------------------------------------------------------------------------------
# the overlay
# --------------------------------------------------------------------------------------------
def _font_scale(w: int, h: int) -> float:
    return label_scale((h, w))


def render_inspection(image: Any, result: Any, *, panel: str = "auto",
                      show_tools: bool = True, show_points: bool = True,
                      font_scale: float | None = None) -> tuple[np.ndarray, OverlayLayout]:
    """Draw ``result`` (an :class:`~metrology.inspect.InspectionResult`) beside ``image``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3), or path
        The inspected image.
    result : InspectionResult
    panel : {"auto", "right", "below"}
        Where the results panel goes: beside the image, or as a strip below it ("auto": below
        when the image is much wider than tall).
    show_tools, show_points : bool
        Draw the placed tools / the edge points.
    font_scale : float, optional
        OpenCV font scale of the text (default: from the image size).

    Returns
    -------
    overlay : ndarray (H', W', 3) uint8, BGR
        The image (unchanged in size and position, at the top-left) plus the panel.
    layout : OverlayLayout
    """
    import cv2

    from ..image.io import load_image

    src = to_bgr(load_image(image))
    h, w = src.shape[:2]
    fs = float(font_scale) if font_scale is not None else _font_scale(w, h)
    img = src.copy()
    probe = OverlayLayout((0, 0, w, h), (0, 0, 0, 0), font_scale=fs)
    tw = _Writer(img, probe, fs)
    head = max(6.0, 10.0 * fs / 0.45)
    thick = 1 if fs < 0.8 else 2
    tools = result.tools_px or {}
    feats = result.features or {}
    status_of: dict[str, bool | None] = {}
    for m in result.measurements:
        for n in m.features:
            # a value not measured marks only its missing features (not its datums) red
            if m.passed is False and (m.value is not None or not _has_px(feats, n)):
                status_of[n] = False
            elif status_of.get(n) is None and m.passed is not None:
                status_of[n] = True

    # -- tools and edge points ----------------------------------------------------------------
    if show_tools:  # each tool draws itself (its outline), whatever its type
        for t in tools.values():
            tool = _tool(t)
            if tool is not None:
                draw_shapes(img, tool.outline(), COLORS["tool"], 1, COLORS["tool"])
    dot = max(1.2, 1.6 * fs / 0.45)
    if show_points:
        for run in (result.edge_points_px or {}).values():
            _dots(img, run.points_px, COLORS["inlier"], dot)
            _dots(img, run.outliers_px, COLORS["outlier"], dot)
            for extra in ("first_px", "second_px"):  # edge pairs before the tools' features
                if getattr(run, extra, None) is not None:
                    _dots(img, getattr(run, extra), COLORS["inlier"], dot)

    # -- fitted features ------------------------------------------------------------------------
    geo: dict[str, _Geo] = {}
    for name, f in feats.items():
        px = f.get("px") if isinstance(f, dict) else None
        if not px:
            continue
        g = _Geo(name, px, tools.get(name))
        geo[name] = g
        ok = status_of.get(name)
        col = COLORS["fail"] if ok is False else COLORS["pass"] if ok else _DIM
        feat = _feature(px, name)
        if feat is not None:  # the feature's own outline, whatever its kind
            draw_shapes(img, [sh for sh in feat.outline() if sh.role != "tool"], col, 2, col)

    # -- dimensions ---------------------------------------------------------------------------
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    for k, m in enumerate(result.measurements, start=1):
        col = COLORS["fail"] if m.passed is False else COLORS["pass"] if m.passed else _DIM
        anchor = _draw_dimension(img, m, geo, col, thick, head, centre)
        if anchor is None:  # not measured: tag it at its tool
            for n in m.features:
                tool = _tool(tools.get(n))
                if tool is not None:
                    anchor = np.asarray(tool.anchor(), float).reshape(-1)[:2]
                    break
        if anchor is None:
            continue
        label = f"{k}" if m.value is None else f"{k}: {_fmt_num(m.value, m.unit)}"
        tw.place(label, anchor, col, scale=0.9 * fs, clip=(0, 0, w, h))

    # -- panel --------------------------------------------------------------------------------
    lines = _panel_lines(result)
    line_h = tw.line_h
    widths = [tw.size(t, fs * s)[0] for t, _, s in lines]
    pw = int(max(widths + [10]) + 2 * line_h)
    ph = int(line_h * (sum(s for _, _, s in lines) + 1.5) + line_h)
    if panel == "auto":
        panel = "below" if w > 1.9 * h else "right"
    if panel == "right":
        cw, ch = w + pw, max(h, ph)
        prect = (w, 0, pw, ch)
    elif panel == "below":
        cols = max(1, int((w - line_h) // max(pw, 1)))
        rows = math.ceil(len(lines) / cols)
        ph = int(line_h * (rows * 1.25 + 2.5))
        cw, ch = max(w, pw), h + ph
        prect = (0, h, cw, ph)
    else:
        from ..errors import InputError

        raise InputError(f"panel: expected 'auto', 'right' or 'below', given {panel!r}")
    canvas = np.empty((ch, cw, 3), np.uint8)
    canvas[:] = _PANEL_BG
    canvas[:h, :w] = img
    layout = OverlayLayout((0, 0, w, h), prect, list(probe.texts), fs)
    pw_ = _Writer(canvas, layout, fs)
    x0, y = prect[0] + line_h, prect[1] + line_h
    if panel == "below":
        col_w = pw
        ncol = max(1, int((prect[2] - line_h) // max(col_w, 1)))
        per = math.ceil(len(lines) / ncol)
        for i, (t, c, s) in enumerate(lines):
            cx = prect[0] + line_h + (i // per) * col_w
            cy = prect[1] + line_h + (i % per) * line_h * 1.25 + pw_.ascent
            pw_.put(t, (cx, cy), c, scale=fs * min(s, 1.4), box=False)
    else:
        for t, c, s in lines:
            y += line_h * s
            pw_.put(t, (x0, y - (line_h - pw_.ascent) / 2), c, scale=fs * s, box=False)
    cv2.line(canvas, (prect[0], prect[1]), (prect[0], prect[1] + prect[3]) if panel == "right"
             else (prect[0] + prect[2], prect[1]), (90, 90, 90), 1)
    return canvas, layout


def _panel_lines(result: Any) -> list[tuple[str, tuple, float]]:
    """(text, colour, size) rows of the panel."""
    ok = result.status == "pass"
    out: list[tuple[str, tuple, float]] = [
        (result.status.upper().replace("_", " "), COLORS["pass"] if ok else COLORS["fail"], 2.0),
        (Path(str(result.image)).name, _NEUTRAL, 1.0)]
    if str(result.image).startswith("<"):  # "<array>": no file name to show
        out.pop()
    if result.pose is not None and result.match_score is not None:
        p = result.pose
        frame = " (rectified)" if getattr(result, "pose_frame", "image") != "image" else ""
        out.append((f"pose{frame} x {p.x:.1f} y {p.y:.1f} a {p.angle_deg:.2f} deg, "
                    f"score {result.match_score:.2f}", _NEUTRAL, 1.0))
    if result.status in ("not_found", "error") and result.error:
        out.append((result.error[:90], COLORS["fail"], 1.0))
    out.append(("", _NEUTRAL, 0.5))
    for k, m in enumerate(result.measurements, start=1):
        col = COLORS["fail"] if m.passed is False else COLORS["pass"] if m.passed else _NEUTRAL
        dev = "" if m.deviation is None else f"  {m.deviation:+.4f}"
        mark = "" if m.passed is None else ("  ok" if m.passed else "  FAIL")
        out.append((f"{k:2d} {m.name}: {value_text(m)}{dev}  ({_tol_text(m)}){mark}", col, 1.0))
        why = failure_reason(m)
        if why:
            out.append(("     " + why[:100], COLORS["fail"], 1.0))
    if result.anomaly_score is not None:
        a_ok = result.anomaly_passed
        out.append((f"anomaly {result.anomaly_score:.3g} (threshold "
                     f"{result.anomaly_threshold:.3g})", COLORS["pass"] if a_ok
                    else COLORS["fail"], 1.0))
    used = {n for m in result.measurements for n in m.features}
    bad_tools = [n for n, f in (result.features or {}).items()
                 if isinstance(f, dict) and "error" in f and n not in used]
    for n in bad_tools:
        out.append((f"   tool {n}: {str(result.features[n]['error'])[:90]}", COLORS["fail"],
                    1.0))
    return out


def _draw_dimension(img, m, geo: dict, col, thick, head, centre) -> np.ndarray | None:
    """Draw the dimension of ``m``; return where its label goes (None when not drawable)."""
    names = list(m.features)
    if m.value is None or not names or any(n not in geo for n in names):
        return None
    t = m.type
    if t in ("diameter", "radius"):
        g = geo[names[0]]
        r = float(g.px["radius"]) if g.kind == "circle" else float(np.mean(g.px["semi_axes"]))
        u = g.p - centre
        u = u / np.hypot(*u) if np.hypot(*u) > 1 else np.array([0.7071, -0.7071])
        u = np.array([u[0] - u[1], u[0] + u[1]]) / math.sqrt(2)  # 45 deg off the radial
        if t == "diameter":
            _double_arrow(img, g.p - r * u, g.p + r * u, col, thick, head)
        else:
            _arrow(img, g.p, g.p + r * u, col, thick, head)
        _line(img, g.p + r * u, g.p + (r + 3 * head) * u, col, thick)
        return g.p + (r + 3 * head) * u
    if t == "width":
        g = geo[names[0]]
        if g.d is None:
            return g.p
        half = 0.5 * float(g.px["width"])
        a, b = g.p - half * g.d, g.p + half * g.d
        _double_arrow(img, a, b, col, thick, head)
        return g.p + 2 * head * g.normal
    if t == "distance":
        a, b = geo[names[0]], geo[names[1]]
        if not a.is_line and not b.is_line:
            p, q = a.p, b.p
        elif a.is_line and b.is_line:
            p = a.p
            q = b.foot(a.p)
        else:
            line, pt = (a, b) if a.is_line else (b, a)
            p, q = pt.p, line.foot(pt.p)
        _double_arrow(img, p, q, col, thick, head)
        mid = 0.5 * (p + q)
        d = q - p
        n = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-9)
        return mid + 1.5 * head * n
    if t == "angle":
        a, b = geo[names[0]], geo[names[1]]
        o = _intersect(a, b) if a.is_line and b.is_line else None
        if o is None:
            return None
        da, db = a.p - o, b.p - o
        ra, rb = np.hypot(*da), np.hypot(*db)
        if ra < 1e-6 or rb < 1e-6:
            return None
        R = 0.35 * min(ra, rb, 120.0)
        t0 = math.degrees(math.atan2(da[1], da[0]))
        t1 = math.degrees(math.atan2(db[1], db[0]))
        if (t1 - t0) % 360 > 180:
            t0, t1 = t1, t0
        t1 = t0 + (t1 - t0) % 360
        _ellipse(img, o, (R, R), 0.0, col, thick, (t0, t1))
        mid = math.radians(0.5 * (t0 + t1))
        return o + (R + head) * np.array([math.cos(mid), math.sin(mid)])
    if t == "position" and len(names) >= 3:
        f, org, xa = geo[names[0]], geo[names[1]], geo[names[2]]
        if not xa.is_line:
            return None
        o = _intersect(org, xa) if org.is_line else org.p
        if o is None:
            return None
        x = xa.d
        y = np.array([-x[1], x[0]])
        v = f.p - o
        px_, py_ = float(v @ x), float(v @ y)
        if m.value_px is not None and abs(abs(py_) - abs(m.value_px)) < abs(abs(px_)
                                                                             - abs(m.value_px)):
            foot = o + py_ * y  # y position: from the x axis (through o) up to the point
            _line(img, o, foot, col, 1)
            _double_arrow(img, o + px_ * x, f.p, col, thick, head)
            return 0.5 * (o + px_ * x + f.p) + 1.5 * head * x
        foot = o + px_ * x
        _double_arrow(img, o, foot, col, thick, head)
        _line(img, foot, f.p, col, 1)
        return 0.5 * (o + foot) - 1.5 * head * y
    return None
