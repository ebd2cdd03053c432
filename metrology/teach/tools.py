"""Caliper tools on a proposal's features, sized from each feature, and what they predict.

:func:`build_tools` places one tool per feature and edge pair with the layout of
:mod:`metrology.teach.layout` (the stretch clear of other edges, the caliper length from the
blur and the placement uncertainty, calipers tiling the stretch); :func:`precision_report`
gives every proposed measurement's predicted 1-sigma and warns where the geometry keeps it
above 0.0125 px; :func:`golden_edge_model` measures contrast, noise and blur on a golden image.
The helpers that restrict measurements to the tools there are (``usable_measurements``,
``keep_features``) are shared by both routes of :mod:`metrology.teach.build`.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

from ..errors import InputError
from .geometry import Arc, EllipseArc, Line
from .layout import (TARGET_SIGMA_PX, EdgeModel, Obstacles, arc_layout, line_layout, pair_layout,
                     predicted_features, predicted_sigma)
from .proposals import Proposal

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []

#: how far (px) an edge may lie from where its tool expects it: a pose error and a part off its
#: nominal by 0.5 mm at 0.08 mm/px
PLACEMENT_PX = 6.0
#: what from_dxf assumes of the images (no image to measure it from): the template's levels
#: (190 / 45), noise 1.5 gray levels, blur 1 px; TeachOptions(edge_model=...) for yours
DXF_EDGES = EdgeModel(145.0, 1.5, 1.0, "assumed: a drawing has no image; pass "
                      "TeachOptions(edge_model=EdgeModel(contrast, noise, blur_px))")


def transition_for(material_first: bool, polarity: str) -> str:
    """Transition along a profile that goes from material into background (``material_first``)
    or the other way, for a bright or dark part."""
    bright_up = not material_first  # background -> material: up for a bright part
    return "positive" if bright_up == (polarity == "bright") else "negative"


def build_tools(proposal: Proposal, mm_per_px: float, polarity: str, *,
                threshold: float = 20.0, edge_model: EdgeModel | None = None,
                obstacles: Obstacles | None = None,
                placement_px: float = PLACEMENT_PX) -> tuple[list, list[str]]:
    """Caliper tools (part-frame mm, y down) on every feature and edge pair of ``proposal``,
    each sized from its feature and its neighbours (:mod:`metrology.teach.layout`).

    Parameters
    ----------
    proposal : Proposal
    mm_per_px : float
        Pixel size of the view the tools measure (mm).
    polarity : {"bright", "dark"}
    threshold : float
        The edge threshold (gray-level step).
    edge_model : EdgeModel, optional
        Blur (the margin other edges keep from a caliper, the caliper length); default
        :data:`DXF_EDGES`.
    obstacles : Obstacles, optional
        Every edge of the part (default: the proposal's features).
    placement_px : float
        How far (px) an edge may lie from where its tool expects it.

    Returns
    -------
    (tools, notes)
        The tools, and one note per feature left without a tool (too short to measure).
    """
    from ..caliper import CircleTool, EdgePairTool, EdgeSettings, EllipseTool, LineTool

    def edges(tr: str) -> EdgeSettings:
        return EdgeSettings(threshold=threshold, transition=tr)

    em = edge_model or DXF_EDGES
    s = float(mm_per_px)
    px = 1.0 / s
    if obstacles is None:
        obstacles = Obstacles.from_primitives([f.primitive for f in proposal.features], 0.5 * s)
    caliper0 = 2.0 * (placement_px + 3.0 * em.sigma_e)
    tools, notes = [], []
    for f in proposal.features:
        p = f.primitive
        if isinstance(p, Arc):
            st = arc_layout(p, obstacles, s, em, caliper0)
            if st is None:
                notes.append(f"{f.name}: arc too short to measure (no tool)")
                continue
            ext = st.hi - st.lo
            full = ext >= 360.0 - 1e-9
            n = int(np.clip(round(st.length_px / 3.0), 16 if full else 8, 64))
            tools.append(CircleTool(
                tuple(np.asarray(p.center, float)), p.radius, n, (st.caliper_px * s, None),
                arc_deg=(0.0, 360.0) if full else (st.lo, ext), direction="outward",
                edges=edges(transition_for(not f.material_outside, polarity)), name=f.name))
        elif isinstance(p, EllipseArc):
            a, b = p.semi_axes
            length = min(caliper0, max(6.0, 0.8 * min(a, b) * px))
            start, ext = (p.start_deg, p.extent_deg) if p.extent_deg > 0 else \
                (p.start_deg + p.extent_deg, -p.extent_deg)
            tools.append(EllipseTool(
                tuple(np.asarray(p.center, float)), (a, b), p.angle_deg,
                int(np.clip(round(p.length * px / 5), 12, 72)), (length * s, None),
                arc_deg=(0.0, 360.0) if p.is_full else (start, ext), direction="outward",
                edges=edges(transition_for(not f.material_outside, polarity)), name=f.name))
        elif isinstance(p, Line):
            st = line_layout(p, obstacles, s, em, caliper0)
            if st is None:
                notes.append(f"{f.name}: edge too short to measure (no tool)")
                continue
            d = p.direction
            n = int(np.clip(round(st.length_px / 4.0), 4, 48))
            # material on the left of p0 -> p1: the caliper normal points into it
            tools.append(LineTool(tuple(p.start + d * st.lo), tuple(p.start + d * st.hi), n,
                                  (st.caliper_px * s, None),
                                  edges=edges(transition_for(False, polarity)), name=f.name))
    for pr in proposal.pairs:
        first = proposal.feature(pr.first).primitive
        second = proposal.feature(pr.second).primitive
        got = pair_layout(first, second, obstacles, s, em)
        if got is None:
            notes.append(f"{pr.name}: no stretch where both edges run clear (no tool)")
            continue
        p0, p1, width = got
        u = (p1 - p0) / max(float(np.hypot(*(p1 - p0))), 1e-12)
        # a web: background -> material -> background (a bright stripe on a bright part)
        tr = transition_for(False, polarity) if pr.material else transition_for(True, polarity)
        tools.append(EdgePairTool(tuple(p0 - u * 6.0 * s), tuple(p1 + u * 6.0 * s), width * s,
                                  edges=edges(tr), name=pr.name))
    return tools, notes


def tool_extent(tool: Any, mm_per_px: float) -> str:
    """How much edge a tool covers, for the precision notes."""
    s = mm_per_px
    if hasattr(tool, "radius"):
        ext = tool.arc_deg[1]
        return (f"{ext:.0f} deg of R {tool.radius / s:.0f} px "
                f"({math.radians(ext) * tool.radius / s:.0f} px of edge)")
    if hasattr(tool, "num_calipers"):
        return f"{float(np.hypot(*np.subtract(tool.p1_xy, tool.p0_xy))) / s:.0f} px of edge"
    return f"one caliper {tool.width / s:.0f} px wide"


def precision_report(proposal: Proposal, tools: list, mm_per_px: float,
                     em: EdgeModel) -> tuple[dict, list[str]]:
    """Predicted 1-sigma of every proposed measurement, in px-equivalents (mm / (mm/px); an
    angle times its shorter leg), and one warning per measurement the geometry keeps above
    :data:`~metrology.teach.layout.TARGET_SIGMA_PX`, naming the features that limit it."""
    from ..inspect.spec import parse_measurement

    s = float(mm_per_px)
    feats = predicted_features(tools, s, em)
    by_tool = {t.name: t for t in tools}
    specs = [parse_measurement(m, m["name"]) for m in usable_measurements(proposal.measurements,
                                                                set(by_tool))]
    sig = predicted_sigma(specs, feats)
    out, warnings = {}, []
    for spec in specs:
        v = sig.get(spec.name)
        if v is None:
            continue
        if spec.unit == "deg":
            leg = proposal.tol_kinds.get(spec.name, ("angle", None))[1]
            if leg is None:
                continue
            v_px = math.radians(v) * leg / s
        else:
            v_px = v / s
        out[spec.name] = round(v_px, 5)
        if v_px > TARGET_SIGMA_PX:
            names = list(dict.fromkeys(list(spec.features) + list(spec.tangent_to)))
            why = "; ".join(f"{n}: {tool_extent(by_tool[n], s)}" for n in names
                            if n in by_tool)
            warnings.append(f"{spec.name}: predicted 1 sigma {v_px:.3f} px ({v:.2g} "
                            f"{spec.unit}) above {TARGET_SIGMA_PX} px, the geometry allows no "
                            f"better ({why})")
    return out, warnings


def rounded(tool: Any, digits: int = 6) -> Any:
    """The tool with its geometry rounded to ``digits`` decimals (1 nm in mm: far below any
    pixel) so recipe files read cleanly."""
    from dataclasses import fields, replace

    kw = {}
    for f in fields(tool):
        v = getattr(tool, f.name)
        if isinstance(v, float):
            kw[f.name] = round(v, digits)
        elif isinstance(v, tuple) and all(isinstance(x, float) or x is None for x in v):
            kw[f.name] = tuple(x if x is None else round(x, digits) for x in v)
    return replace(tool, **kw)


def keep_features(proposal: Proposal, features: Any) -> Proposal:
    """Restrict a proposal to the features named (or of the kinds named) in ``features``."""
    if features == "auto" or features is None:
        return proposal
    if isinstance(features, str):
        features = [features]
    wanted = set(features)
    kinds = {"holes": "circle", "circles": "circle", "arcs": "arc", "edges": "line",
             "lines": "line", "ellipses": "ellipse"}
    keep = {f.name for f in proposal.features
            if f.name in wanted or f.kind in wanted or kinds.get(f.kind) in wanted
            or any(kinds.get(w) == f.kind for w in wanted)}
    if not keep:
        raise InputError(f"features: none of {sorted(wanted)} names a feature or a kind "
                         f"(features: {[f.name for f in proposal.features]}; kinds: holes, "
                         f"arcs, edges, ellipses)")
    pairs = tuple(p for p in proposal.pairs if p.first in keep and p.second in keep)
    names = keep | {p.name for p in pairs}
    meas = tuple(usable_measurements(proposal.measurements, names))
    feats = tuple(f for f in proposal.features if f.name in keep)
    return Proposal(feats, pairs, meas, proposal.datum, proposal.notes, proposal.tol_kinds)


def usable_measurements(measurements: Iterable[Mapping], names: set) -> list[dict]:
    """The measurements that ``names`` (tools) can serve: a tangent line without a tool is
    dropped from ``tangent_to`` (the arc is then fitted without it), any other missing
    feature drops the measurement."""
    out = []
    for m in measurements:
        m = dict(m)
        if "tangent_to" in m:
            kept = [n for n in m["tangent_to"] if n in names]
            if kept:
                m["tangent_to"] = kept
            else:
                del m["tangent_to"]
        if set(measurement_needs(m)) <= names:
            out.append(m)
    return out


def measurement_needs(m: Mapping) -> list[str]:
    """The features a measurement dict names (``feature``, ``from``, ``to``, its datum's; not
    ``tangent_to``, which :func:`usable_measurements` trims instead)."""
    out = [m[k] for k in ("feature", "from", "to") if k in m]
    if "datum" in m:
        out += [v for v in m["datum"].values() if v]
    return out


def golden_edge_model(gray: np.ndarray, seg: Any, view: Any, threshold: float) -> EdgeModel:
    """Contrast, noise and blur of the golden image: the segmentation's two levels, the noise
    of the raw image (second differences, robust) and the edge blur the caliper fits on the
    part's longest straight edge (mapped back into the raw image; 1 px if there is none)."""
    from ..caliper import EdgeSettings, find_line
    from ..errors import MetrologyError
    from .segment import noise_sigma

    contrast = abs(seg.levels[0] - seg.levels[1])
    noise = noise_sigma(np.asarray(gray, np.float64))
    lines = [p for _, _, p in seg.geometry.primitives() if isinstance(p, Line)]
    blur = 1.0
    if lines:
        ln = max(lines, key=lambda p: p.length)
        ends = np.array([ln.start + 0.1 * (ln.end - ln.start), ln.end - 0.1 * (ln.end - ln.start)])
        if view.rectify is not None:
            ends = view.station.plane.to_px(view.rectify.to_mm(ends))
        try:
            r = find_line(gray, ends[0], ends[1], 12, (16.0, None),
                          edges=EdgeSettings(threshold=threshold))
            if math.isfinite(r.edge_blur_px):
                blur = float(r.edge_blur_px)
        except MetrologyError:
            pass
    return EdgeModel(max(contrast, 1.0), noise, blur, "measured on the golden image")

