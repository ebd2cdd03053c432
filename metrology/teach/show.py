"""What a recipe holds, for a person: a table of tools and measurements, and a labelled overlay.

:func:`describe_recipe` lists every tool (type, where it is, in the recipe's own units) and every
measurement (type, features, nominal and limits), by name, so a user can prune or rename them in
the JSON.  :func:`show_recipe` draws them: on an image (the recipe is run on it; every tool and
fitted feature is drawn and labelled by name on the part, every measurement with its value,
nominal and ok/FAIL in a panel beside it) or, without an image, on a blank sheet in the model
frame (tools and their names only).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["describe_recipe", "show_recipe"]


def _fmt(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _where(tool: Any) -> str:
    d = tool.to_dict()
    if "center_xy" in d:
        out = f"center {_fmt(d['center_xy'])}"
        if "radius" in d:
            out += f" r {_fmt(d['radius'])}"
        if "semi_axes" in d:
            out += f" axes {_fmt(d['semi_axes'])}"
        if d.get("arc_extent_deg", 360.0) < 360.0:
            out += f" arc {_fmt(d['arc_start_deg'])}+{_fmt(d['arc_extent_deg'])} deg"
        return out
    return f"{_fmt(d['p0_xy'])} -> {_fmt(d['p1_xy'])}"


def _check_recipe(recipe: Any) -> None:
    from ..inspect.recipe import Recipe

    if not isinstance(recipe, Recipe):
        raise InputError(f"recipe: expected a Recipe, given {type(recipe).__name__}")


def describe_recipe(recipe: Any) -> str:
    """A plain-text table of ``recipe``'s tools and measurements.

    Returns
    -------
    str
        One line per tool (name, type, geometry in the recipe's units, transition) and per
        measurement (name, type, features, nominal, limits and, for a taught recipe, the 1-sigma
        its layout predicts), then the warnings (measurements the geometry keeps above 0.0125
        px), the drawing's dimensions and the teaching notes, if any.
    """
    from ..inspect.spec import tool_kind

    _check_recipe(recipe)
    units = getattr(recipe, "units", "px")
    lines = [f"recipe {recipe.name!r}: {len(recipe.tools)} tools, "
             f"{len(recipe.measurements)} measurements; tool coordinates in "
             f"{'mm (part frame)' if units == 'mm' else 'model pixels'}"]
    tools = getattr(recipe, "tools_as_given", recipe.tools)
    w = max([len(t.name) for t in tools] + [4])
    lines.append("")
    lines.append(f"  {'tool':{w}s}  {'type':9s}  where")
    for t in tools:
        tr = t.edges.transition
        lines.append(f"  {t.name:{w}s}  {tool_kind(t):9s}  {_where(t)}  [{tr}]")
    lines.append("")
    info = getattr(recipe, "teach_info", None) or {}
    pred = info.get("predicted_sigma_px") or {}
    wm = max([len(m.name) for m in recipe.measurements] + [11])
    lines.append(f"  {'measurement':{wm}s}  {'type':9s}  {'features':34s}  nominal      limits"
                 + ("           1 sigma px" if pred else ""))
    for m in recipe.measurements:
        feats = ", ".join(m.features)
        if m.datum is not None:
            feats += f" in datum ({m.datum.origin}, {m.datum.x_axis})"
        if m.tangent_to:
            feats += f" tangent to {', '.join(m.tangent_to)}"
        tol = m.tolerance
        if tol is None:
            nom, lim = "-", "reported only"
        elif not tol.has_nominal:
            nom = "-"
            lim = f"[{tol.min:.4g}, {tol.max:.4g}] {tol.unit}"
        else:
            nom = f"{tol.nominal:.4f}"
            lim = (f"+-{tol.upper:.4g} {tol.unit}" if tol.lower == -tol.upper else
                   f"{tol.lower:+.4g}/{tol.upper:+.4g} {tol.unit}")
        row = f"  {m.name:{wm}s}  {m.type:9s}  {feats:34s}  {nom:11s}  {lim}"
        if m.name in pred:
            row = f"{row:{wm + 76}s}  {pred[m.name]:.4f}"
        lines.append(row)
    if pred:
        lines.append("")
        lines.append(f"  1 sigma px: predicted from each tool's edge pixels (the Cramer-Rao "
                     f"bound; mm / (mm/px), an angle times its shorter leg) for "
                     f"{info.get('edge_model', 'the assumed images')}")
    for key in ("warnings", "dimensions", "notes"):
        if info.get(key):
            lines.append("")
            lines.append(f"  {key}:")
            lines.extend(f"    {x}" for x in info[key])
    return "\n".join(lines)


def _sheet(recipe: Any, scale: float, margin: int = 40) -> np.ndarray:
    """Tools of ``recipe`` drawn in the model frame on a white sheet, labelled by name."""
    import cv2

    from ..inspect.spec import tool_kind

    pts = []
    for t in recipe.tools:
        d = t.to_dict()
        if "center_xy" in d:
            r = d.get("radius") or max(d.get("semi_axes", (1.0, 1.0)))
            c = np.asarray(d["center_xy"], float)
            pts += [c - r, c + r]
        else:
            pts += [np.asarray(d["p0_xy"], float), np.asarray(d["p1_xy"], float)]
    P = np.array(pts) * scale
    lo = P.min(axis=0) - margin
    size = np.ceil(P.max(axis=0) - lo + margin).astype(int)
    if size.max() > 6000:
        raise InputError("show: the tools span more than 6000 px at this scale")
    img = np.full((size[1], size[0], 3), 255, np.uint8)

    def q(p):
        v = np.asarray(p, float) * scale - lo
        return (int(round(v[0])), int(round(v[1])))

    col = {"circle": (200, 80, 0), "ellipse": (200, 80, 0), "line": (0, 120, 0),
           "edge_pair": (0, 0, 200)}
    for t in recipe.tools:
        k = tool_kind(t)
        d = t.to_dict()
        c = col[k]
        if k == "circle":
            ext = d.get("arc_extent_deg", 360.0)
            st = d.get("arc_start_deg", 0.0)
            cv2.ellipse(img, q(d["center_xy"]), (int(round(d["radius"] * scale)),) * 2, 0.0, st,
                        st + ext, c, 2, cv2.LINE_AA)
            anchor = np.asarray(d["center_xy"]) + d["radius"] * np.array(
                [math.cos(math.radians(st + ext / 2)), math.sin(math.radians(st + ext / 2))])
        elif k == "ellipse":
            ax = tuple(int(round(a * scale)) for a in d["semi_axes"])
            cv2.ellipse(img, q(d["center_xy"]), ax, d.get("angle_deg", 0.0), 0, 360, c, 2,
                        cv2.LINE_AA)
            anchor = np.asarray(d["center_xy"])
        else:
            cv2.arrowedLine(img, q(d["p0_xy"]), q(d["p1_xy"]), c, 2, cv2.LINE_AA,
                            tipLength=min(0.2, 12.0 / max(1.0, scale * float(np.hypot(*(
                                np.asarray(d["p1_xy"]) - np.asarray(d["p0_xy"])))))))
            anchor = 0.5 * (np.asarray(d["p0_xy"]) + np.asarray(d["p1_xy"]))
        a = q(anchor)
        cv2.putText(img, t.name, (a[0] + 4, a[1] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.45, c, 1,
                    cv2.LINE_AA)
    return img


def show_recipe(recipe: Any, image: Any = None, *, scale: float = 1.0) -> np.ndarray:
    """An overlay of ``recipe``: on ``image`` (run and labelled) or on a blank model-frame sheet.

    Parameters
    ----------
    recipe : Recipe
    image : ndarray or path, optional
        An image of the part from the recipe's station: the recipe is run on it and every tool,
        fitted feature and measurement is drawn with its name and value.
    scale : float
        Without an image: pixels of the sheet per model pixel.

    Returns
    -------
    ndarray (H, W, 3) uint8, BGR
    """
    from ..core.checks import check_positive

    _check_recipe(recipe)
    scale = check_positive(scale, "scale", max=16.0)
    if image is None:
        return _sheet(recipe, scale)
    return _overlay(image, recipe.run(image))


def _overlay(image: Any, result: Any) -> np.ndarray:
    """The image with every tool and fitted feature labelled by name, and beside it a panel
    with the status and every measurement (name, value, nominal, ok/FAIL), so nothing on the
    part is hidden under the table."""
    import cv2

    from ..image.io import load_image
    from ..viz.draw import COLORS, SHIFT, to_bgr, to_fixed

    img = to_bgr(load_image(image))
    h, w = img.shape[:2]
    fs = max(0.4, min(0.7, w / 1800))
    bad: set[str] = set()
    for m in result.measurements:
        if m.passed is False:
            bad.update(m.features)
    aa = cv2.LINE_AA

    def pt(p):
        return tuple(int(v) for v in to_fixed(p))

    for t in (result.tools_px or {}).values():
        if "p0_xy" in t:
            cv2.line(img, pt(t["p0_xy"]), pt(t["p1_xy"]), COLORS["tool"], 1, aa, SHIFT)
        elif "center_xy" in t:
            ax = t.get("semi_axes") or (t["radius"], t["radius"])
            cv2.ellipse(img, pt(t["center_xy"]), tuple(int(round(a * (1 << SHIFT))) for a in ax),
                        float(t.get("angle_deg", 0.0)), float(t.get("arc_start_deg", 0.0)),
                        float(t.get("arc_start_deg", 0.0)) + float(t.get("arc_extent_deg", 360)),
                        COLORS["tool"], 1, aa, SHIFT)
    for name, f in (result.features or {}).items():
        px = f.get("px") if isinstance(f, dict) else None
        t = (result.tools_px or {}).get(name, {})
        if not px:
            anchor = t.get("center_xy") or t.get("p0_xy")
            if anchor is not None:
                cv2.putText(img, f"{name}: no edge", (int(anchor[0]) + 5, int(anchor[1]) - 5),
                            cv2.FONT_HERSHEY_SIMPLEX, fs, COLORS["fail"], 1, aa)
            continue
        col = COLORS["fail"] if name in bad else COLORS["pass"]
        if px["kind"] == "line":
            p, d, half = np.array(px["point"]), np.array(px["direction"]), px["length"] / 2
            cv2.line(img, pt(p - d * half), pt(p + d * half), col, 2, aa, SHIFT)
            a = p
        elif px["kind"] in ("circle", "ellipse"):
            ax = px.get("semi_axes") or (px["radius"], px["radius"])
            a0 = float(t.get("arc_start_deg", 0.0))   # an arc's fit drawn over its span only
            a1 = a0 + float(t.get("arc_extent_deg", 360.0))
            if px["kind"] == "ellipse":
                a0, a1 = 0.0, 360.0
            cv2.ellipse(img, pt(px["center"]), tuple(int(round(v * (1 << SHIFT))) for v in ax),
                        float(px.get("angle_deg", 0.0)), a0, a1, col, 2, aa, SHIFT)
            a = np.array(px["center"]) + [0.0, 0.0]
            if t.get("arc_extent_deg", 360.0) < 360.0:   # label an arc on the arc
                mid = np.radians(t["arc_start_deg"] + t["arc_extent_deg"] / 2)
                a = np.array(px["center"]) + px["radius"] * np.array([np.cos(mid), np.sin(mid)])
        else:
            a = np.array(px["center"])
            cv2.circle(img, pt(a), 3 << SHIFT, col, 1, aa, SHIFT)
        cv2.putText(img, name, (int(a[0]) + 5, int(a[1]) - 5), cv2.FONT_HERSHEY_SIMPLEX,
                    0.8 * fs, col, 1, aa)
    lines = [(result.status.upper().replace("_", " "),
              COLORS["pass"] if result.status == "pass" else COLORS["fail"])]
    for m in result.measurements:
        val = "n/a" if m.value is None else f"{m.value:.4f} {m.unit}"
        nom = "" if m.nominal is None else f"  nom {m.nominal:.4f}"
        mark = "" if m.passed is None else ("  ok" if m.passed else "  FAIL")
        col = COLORS["text"] if m.passed is None else (COLORS["pass"] if m.passed
                                                       else COLORS["fail"])
        lines.append((f"{m.name}: {val}{nom}{mark}", col))
    step = int(22 * fs / 0.5)
    width = int(max(len(s) for s, _ in lines) * 9.0 * fs / 0.5) + 20
    panel = np.full((max(h, step * (len(lines) + 2)), width, 3), 24, np.uint8)
    for k, (s, col) in enumerate(lines):
        cv2.putText(panel, s, (10, step * (k + 1) + 4), cv2.FONT_HERSHEY_SIMPLEX,
                    fs * (1.6 if k == 0 else 1.0), col, 2 if k == 0 else 1, aa)
    if panel.shape[0] > h:
        img = np.vstack([img, np.full((panel.shape[0] - h, w, 3), 24, np.uint8)])
    return np.hstack([img, panel])
