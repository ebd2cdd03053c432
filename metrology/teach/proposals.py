"""Features and the measurements a drawing would carry, proposed from part geometry (pure logic).

From a :class:`~metrology.teach.geometry.PartGeometry` in part-frame mm:

* **features** with stable, readable names: ``hole_1`` ... (full circles, sorted by their centre
  in the part frame: by y, then x), ``ellipse_1`` ..., ``slot_1`` ... (an inner loop of two
  parallel straight sides and two equal end arcs: ``slot_1_side_1/2``, ``slot_1_end_1/2``),
  ``arc_1`` ... (other circular arcs), ``edge_1`` ... (straight edges, sorted by midpoint);
  free curves (flattened splines) are part of the outline but get no feature;
* **measurements**: every hole/ellipse diameter and arc radius (an arc tangent to its
  neighbouring edges, a fillet or a slot end, fitted jointly with them: ``tangent_to``);
  centre-to-centre distances of
  holes (all pairs up to 5 holes, else each hole to its nearest); widths between parallel edges
  that face each other (each edge with its nearest partner; an edge pair narrower than
  ``pair_max_mm`` also gets an edge-pair tool: ``web_k`` across material, the slot's own width
  across a slot); the angle between adjacent straight edges (the angle between their directions
  of travel, 90 at a square corner, 45 at a 45-degree chamfer's corners); the position (x, y) of
  every hole and ellipse, and of both end centres of every slot, in a datum frame on the two
  longest perpendicular edges (origin at their intersection, x along the longer one), or, on a
  part without them (a round flange), the distance of every hole and straight outline edge from
  the centre of the largest hole;
* nominal values from the geometry; tolerances from a :class:`~metrology.teach.tolerances.ToleranceRule`
  (ISO 2768-1 class or fixed), replaced by a drawing's own toleranced ``DIMENSION`` where one
  matches (:func:`apply_dimensions`).

Examples
--------
>>> from metrology.teach.geometry import PartGeometry, Loop, Arc
>>> g = PartGeometry.from_polygons([[0, 0], [40, 0], [40, 20], [0, 20]])
>>> g = PartGeometry(g.outline, (Loop((Arc((10, 10), 3.0, 0.0, 360.0),)),))
>>> p = propose(g)
>>> [f.name for f in p.features]
['hole_1', 'edge_1', 'edge_2', 'edge_3', 'edge_4']
>>> [m["name"] for m in p.measurements][:3]
['hole_1_diameter', 'edge_1_to_edge_4', 'edge_2_to_edge_3']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .geometry import Arc, EllipseArc, Line, PartGeometry
from .tolerances import ToleranceRule

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []

PARALLEL_DEG = 0.5
PERPENDICULAR_DEG = 0.5


@dataclass(frozen=True)
class FeatureSpec:
    """A named feature on one primitive (part-frame mm).

    ``kind``: ``"circle"`` (full circle), ``"arc"``, ``"ellipse"``, ``"line"``.
    ``material_outside``: for circles/arcs/ellipses, True when the part's material lies outside
    the curve (a hole, a concave fillet).  Lines run with the material on their left
    (``(-dy, dx)`` side), like every loop of a :class:`PartGeometry`.
    """

    name: str
    kind: str
    primitive: Any
    loop: int
    material_outside: bool = False
    group: str = ""


@dataclass(frozen=True)
class EdgePair:
    """Two facing parallel edges closer than the edge-pair limit: an edge-pair tool across them
    (``p0`` on/behind ``first`` to ``p1`` behind ``second``), ``material`` True for a web."""

    name: str
    first: str
    second: str
    p0: np.ndarray
    p1: np.ndarray
    width: float
    material: bool


@dataclass(frozen=True)
class Proposal:
    """Features, edge pairs and measurement specs (recipe JSON dicts, mm and deg)."""

    features: tuple
    pairs: tuple
    measurements: tuple
    datum: dict | None = None
    notes: tuple = ()
    tol_kinds: dict = field(default_factory=dict)

    def feature(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)


def _key(p: np.ndarray) -> tuple:
    return (round(float(p[1]), 3), round(float(p[0]), 3))


def _features(g: PartGeometry) -> tuple[list[FeatureSpec], list[str]]:
    holes, ellipses, slots, arcs, edges = [], [], [], [], []
    notes = []
    for li, lp in enumerate(g.loops):
        items = lp.items
        if len(items) == 1 and isinstance(items[0], Arc) and items[0].is_full:
            holes.append((li, items[0]))
            continue
        if len(items) == 1 and isinstance(items[0], EllipseArc) and items[0].is_full:
            ellipses.append((li, items[0]))
            continue
        if li > 0 and _is_slot(items):
            slots.append((li, items))
            continue
        for it in items:
            if isinstance(it, Line):
                edges.append((li, it))
            elif isinstance(it, Arc):
                arcs.append((li, it))
            elif isinstance(it, EllipseArc):
                ellipses.append((li, it))
            else:
                notes.append(f"free curve {it.source or ''} (loop {li}): no tool")
    feats: list[FeatureSpec] = []
    holes.sort(key=lambda t: _key(np.asarray(t[1].center)))
    for k, (li, a) in enumerate(holes, 1):
        name = f"hole_{k}" if li > 0 else ("outline" if k == 1 else f"outline_{k}")
        feats.append(FeatureSpec(name, "circle", a, li, a.extent_deg < 0))
    ellipses.sort(key=lambda t: _key(np.asarray(t[1].center)))
    for k, (li, e) in enumerate(ellipses, 1):
        feats.append(FeatureSpec(f"ellipse_{k}", "ellipse", e, li, e.extent_deg < 0))
    slots.sort(key=lambda t: _key(np.mean([np.asarray(i.midpoint) for i in t[1]], axis=0)))
    for k, (li, items) in enumerate(slots, 1):
        sides = sorted([i for i in items if isinstance(i, Line)], key=lambda i: _key(i.midpoint))
        ends = sorted([i for i in items if isinstance(i, Arc)], key=lambda i: _key(
            np.asarray(i.center)))
        for j, s in enumerate(sides, 1):
            feats.append(FeatureSpec(f"slot_{k}_side_{j}", "line", s, li, group=f"slot_{k}"))
        for j, e in enumerate(ends, 1):
            feats.append(FeatureSpec(f"slot_{k}_end_{j}", "arc", e, li, e.extent_deg < 0,
                                     group=f"slot_{k}"))
    arcs.sort(key=lambda t: _key(np.asarray(t[1].center)))
    for k, (li, a) in enumerate(arcs, 1):
        feats.append(FeatureSpec(f"arc_{k}", "arc", a, li, a.extent_deg < 0))
    edges.sort(key=lambda t: _key(t[1].midpoint))
    for k, (li, e) in enumerate(edges, 1):
        feats.append(FeatureSpec(f"edge_{k}", "line", e, li))
    return feats, notes


def _is_slot(items) -> bool:
    lines = [i for i in items if isinstance(i, Line)]
    arcs = [i for i in items if isinstance(i, Arc)]
    if len(items) != 4 or len(lines) != 2 or len(arcs) != 2:
        return False
    d0, d1 = lines[0].direction, lines[1].direction
    # tolerant enough for primitives taught from an image (radii to a few %, sides to 1 deg)
    anti = float(d0 @ d1) < -math.cos(math.radians(1.0))
    r0, r1 = arcs[0].radius, arcs[1].radius
    return anti and abs(r0 - r1) <= 0.05 * max(r0, r1)


def angle_between(d1: np.ndarray, d2: np.ndarray) -> float:
    """Angle (deg, 0..180) between two direction vectors (2,)."""
    return math.degrees(math.atan2(abs(d1[0] * d2[1] - d1[1] * d2[0]), float(d1 @ d2)))


def _line_line(a: Line, b: Line) -> float:
    """The recipe's line-line distance: mean distance of each midpoint to the other line."""
    na = np.array([-a.direction[1], a.direction[0]])
    nb = np.array([-b.direction[1], b.direction[0]])
    return 0.5 * (abs(float((a.midpoint - b.midpoint) @ nb))
                  + abs(float((b.midpoint - a.midpoint) @ na)))


def _overlap(a: Line, b: Line) -> float:
    """Length of b's projection onto a that overlaps a."""
    d = a.direction
    t = sorted([0.0, a.length])
    u = sorted([float((b.start - a.start) @ d), float((b.end - a.start) @ d)])
    return max(0.0, min(t[1], u[1]) - max(t[0], u[0]))


def _facing_pairs(lines: list[FeatureSpec]) -> list[tuple[int, int, float]]:
    """For every edge, its nearest facing parallel edge in the same loop and in another loop:
    ``(i, j, distance)`` (all pairs tested at once)."""
    n = len(lines)
    if n < 2:
        return []
    P0 = np.array([f.primitive.start for f in lines])
    P1 = np.array([f.primitive.end for f in lines])
    D = np.array([f.primitive.direction for f in lines])
    L = np.array([f.primitive.length for f in lines])
    M = 0.5 * (P0 + P1)
    N = np.stack([-D[:, 1], D[:, 0]], axis=1)
    loop = np.array([f.loop for f in lines])
    facing = (D @ D.T) < -math.cos(math.radians(PARALLEL_DEG))   # run in opposite directions
    # overlap of j's projection onto i, and the recipe's line-line distance
    t0 = np.einsum("jk,ik->ij", P0, D) - np.einsum("ik,ik->i", P0, D)[:, None]
    t1 = np.einsum("jk,ik->ij", P1, D) - np.einsum("ik,ik->i", P0, D)[:, None]
    ov = np.minimum(L[:, None], np.maximum(t0, t1)) - np.maximum(0.0, np.minimum(t0, t1))
    dm = M[None, :, :] - M[:, None, :]                                  # (i, j, 2)
    dist = 0.5 * (np.abs(np.einsum("ijk,jk->ij", dm, N)) + np.abs(np.einsum("ijk,ik->ij", dm, N)))
    ok = facing & (ov >= 0.2 * np.minimum(L[:, None], L[None, :]))
    np.fill_diagonal(ok, False)
    out = []
    for same in (True, False):
        sel = ok & ((loop[:, None] == loop[None, :]) == same)
        dd = np.where(sel, dist, np.inf)
        j = np.argmin(dd, axis=1)
        for i in np.nonzero(np.isfinite(dd[np.arange(n), j]))[0]:
            out.append((int(i), int(j[i]), float(dd[i, j[i]])))
    out.sort(key=lambda t: (t[0], t[2]))
    return out


def _intersect(p: np.ndarray, d: np.ndarray, q: np.ndarray, e: np.ndarray) -> np.ndarray:
    A = np.column_stack([d, -e])
    t = np.linalg.solve(A, q - p)
    return p + t[0] * d


def measurement_value(m: dict, feats: dict[str, FeatureSpec], datum: dict | None = None) -> float:
    """Nominal value of a proposed measurement from the geometry (mm or deg)."""
    t = m["type"]
    if t in ("diameter", "radius"):
        p = feats[m["feature"]].primitive
        if isinstance(p, EllipseArc):
            a, b = p.semi_axes
            r = {"major": max(a, b), "minor": min(a, b)}.get(m.get("which", "mean"), 0.5 * (a + b))
        else:
            r = p.radius
        return 2 * r if t == "diameter" else r
    if t == "angle":
        return angle_between(feats[m["from"]].primitive.direction, feats[m["to"]].primitive.direction)
    if t == "distance":
        a, b = feats[m["from"]].primitive, feats[m["to"]].primitive
        if isinstance(a, Line) and isinstance(b, Line):
            return _line_line(a, b)
        if isinstance(a, Line) or isinstance(b, Line):
            line, pt = (a, b) if isinstance(a, Line) else (b, a)
            n = np.array([-line.direction[1], line.direction[0]])
            return abs(float((np.asarray(pt.center) - line.midpoint) @ n))
        return float(np.hypot(*(np.asarray(a.center) - np.asarray(b.center))))
    if t == "position":
        o, x, y = datum_axes(m["datum"], feats)
        p = np.asarray(feats[m["feature"]].primitive.center) - o
        return float(p @ x) if m["axis"] == "x" else float(p @ y)
    raise KeyError(t)


def datum_axes(dat: dict, feats: dict[str, FeatureSpec]) -> tuple[np.ndarray, ...]:
    """Origin, x and y unit vectors (part-frame mm) of a proposed datum frame (the two edges'
    intersection, x along the ``x_axis`` edge, y towards the ``origin`` edge)."""
    o_line, x_line = feats[dat["origin"]].primitive, feats[dat["x_axis"]].primitive
    o = _intersect(o_line.midpoint, o_line.direction, x_line.midpoint, x_line.direction)
    x = x_line.direction
    y = np.array([-x[1], x[0]])
    if float((o_line.midpoint - o) @ y) < 0:
        y = -y
    return o, x, y


def with_tolerance(m: dict, rule: ToleranceRule, kind: str, nominal: float, unit: str,
              leg: float | None = None) -> dict:
    """The measurement with its nominal and +- deviation; without a general tolerance for it
    (ISO 2768 gives none below 0.5 mm) it is reported only: no nominal, no limits."""
    m = dict(m)
    dev = rule.deviation(nominal, kind, leg)
    if dev is not None:
        m[f"nominal_{unit}"] = round(float(nominal), 6)
        m[f"tolerance_{unit}"] = float(dev)
    return m


def propose(geometry: PartGeometry, *, rule: ToleranceRule | None = None,
            pair_max_mm: float = 0.0, max_hole_pairs: int = 5,
            tangent_tol_mm: float = 0.005) -> Proposal:
    """Name the features of ``geometry`` and propose the measurements a drawing would carry.

    Parameters
    ----------
    geometry : PartGeometry
        Part-frame mm (loops with material on the left of their direction of travel).
    rule : ToleranceRule, optional
        Tolerances (default ISO 2768-m).
    pair_max_mm : float
        Facing parallel edges closer than this get an edge-pair tool (``web_k`` / the slot
        width) instead of a line-to-line distance.
    max_hole_pairs : int
        Up to this many holes, every pair's centre distance; above, each hole to its nearest.
    tangent_tol_mm : float
        An arc whose centre lies this close (or within 2 % of its radius) to its radius from a
        neighbouring straight edge, meeting it end to end, is tangent to it: its radius (and a
        slot's centre distance) is then measured jointly with that edge (``tangent_to``).

    Returns
    -------
    Proposal
    """
    pr = _Proposer(geometry, rule or ToleranceRule("m"), tangent_tol_mm)
    pr.round_features()
    pr.hole_distances(max_hole_pairs)
    pr.widths(pair_max_mm)
    pr.slot_centres()
    pr.corner_angles()
    pr.datum_positions()
    return Proposal(tuple(pr.feats), tuple(pr.pairs), tuple(pr.meas), pr.datum,
                    tuple(pr.notes), pr.kinds)


class _Proposer:
    """The steps of :func:`propose`, sharing the features, the rule and the list being built."""

    def __init__(self, geometry: PartGeometry, rule: ToleranceRule, tangent_tol_mm: float):
        self.geometry = geometry
        self.rule = rule
        self.tangent_tol = float(tangent_tol_mm)
        self.feats, self.notes = _features(geometry)
        self.by = {f.name: f for f in self.feats}
        self.lines = [f for f in self.feats if f.kind == "line"]
        self.line_of = {id(f.primitive): f for f in self.lines}
        self.meas: list[dict] = []
        self.kinds: dict[str, tuple] = {}
        self.pairs: list[EdgePair] = []
        self.datum: dict | None = None

    def add(self, m: dict, kind: str, leg: float | None = None) -> None:
        unit = "deg" if m["type"] == "angle" else "mm"
        self.meas.append(with_tolerance(m, self.rule, kind, measurement_value(m, self.by), unit, leg))
        self.kinds[m["name"]] = (kind, leg)

    def round_features(self) -> None:
        """Hole and ellipse diameters, arc radii."""
        for f in self.feats:
            if f.kind == "circle":
                self.add({"name": f"{f.name}_diameter", "type": "diameter", "feature": f.name},
                         "linear")
            elif f.kind == "ellipse" and f.primitive.is_full:
                for which in ("major", "minor"):
                    self.add({"name": f"{f.name}_{which}_diameter", "type": "diameter",
                              "feature": f.name, "which": which}, "linear")
            elif f.kind == "arc":
                m = {"name": f"{f.name}_radius", "type": "radius", "feature": f.name}
                tangent = self.tangent_lines([f]) if not f.group else self.slot_flanks(f.group)
                if tangent:
                    m["tangent_to"] = tangent
                self.add(m, "radius")

    def hole_distances(self, max_hole_pairs: int) -> None:
        """Centre distances: every pair up to ``max_hole_pairs`` holes, else each to its
        nearest."""
        holes = [f for f in self.feats if f.kind == "circle" and f.loop > 0]
        if len(holes) <= max_hole_pairs:
            pairs = [(i, j) for i in range(len(holes)) for j in range(i + 1, len(holes))]
        else:
            C = np.array([h.primitive.center for h in holes])
            D = np.hypot(*(C[:, None] - C[None]).transpose(2, 0, 1))
            np.fill_diagonal(D, np.inf)
            pairs = sorted({tuple(sorted((i, int(np.argmin(D[i]))))) for i in range(len(holes))})
        for i, j in pairs:
            self.add({"name": f"{holes[i].name}_to_{holes[j].name}", "type": "distance",
                      "from": holes[i].name, "to": holes[j].name}, "linear")

    def widths(self, pair_max_mm: float) -> None:
        """Facing parallel edges: a width (edge pair) when narrow, else a line-line distance."""
        from shapely import make_valid
        from shapely.geometry import Point, Polygon

        g = self.geometry
        polys = [p for p in g.polygons(1e-3 * max(g.outline.size, 1e-9)) if len(p) >= 3]
        material = make_valid(Polygon(polys[0], polys[1:])) if polys else Polygon()
        lines, seen = self.lines, set()
        for i, j, d in _facing_pairs(lines):
            key = tuple(sorted((lines[i].name, lines[j].name)))
            if key in seen:
                continue
            seen.add(key)
            first, second = sorted((lines[i], lines[j]), key=lambda f: f.name)
            # the point half-way between the two edges, inside their common span
            pa, pb = first.primitive, second.primitive
            dd = pa.direction
            u = sorted([float((pb.start - pa.start) @ dd), float((pb.end - pa.start) @ dd)])
            foot = pa.start + dd * 0.5 * (max(0.0, u[0]) + min(pa.length, u[1]))
            n = np.array([-dd[1], dd[0]])
            other = foot + n * float((pb.midpoint - foot) @ n)
            is_material = bool(material.contains(Point(*(0.5 * (foot + other)))))
            group = first.group if first.group and first.group == second.group else ""
            if d < pair_max_mm:
                name = f"{group}_width" if group else \
                    f"{'web' if is_material else 'gap'}_{len(self.pairs) + 1}"
                self.pairs.append(EdgePair(name, first.name, second.name, foot, other, d,
                                           is_material))
                self.meas.append(with_tolerance({"name": name, "type": "width", "feature": name},
                                           self.rule, "linear", d, "mm"))
                self.kinds[name] = ("linear", None)
            else:
                name = f"{group}_width" if group else f"{first.name}_to_{second.name}"
                self.add({"name": name, "type": "distance", "from": first.name,
                          "to": second.name}, "linear")

    def tangent_lines(self, arcs: list[FeatureSpec]) -> list[str]:
        """The straight edges every arc of ``arcs`` touches, end to end in its loop (a fillet's
        two edges, a slot's flanks), by name."""
        out = None
        for f in arcs:
            a = f.primitive
            items = self.geometry.loops[f.loop].items
            k = next(i for i, it in enumerate(items) if it is a)
            prev, nxt = items[k - 1], items[(k + 1) % len(items)]
            hits = {self.line_of[id(it)].name
                    for it, joint in ((prev, (prev.end, a.start)), (nxt, (a.end, nxt.start)))
                    if id(it) in self.line_of and self._touches(a, it, joint)}
            out = hits if out is None else out & hits
        return sorted(out or ())

    def _touches(self, arc: Arc, line: Line, joint: tuple) -> bool:
        """``line`` is tangent to ``arc`` and meets it at ``joint`` (its two end points)."""
        tol = max(self.tangent_tol, 0.02 * arc.radius)
        n = np.array([-line.direction[1], line.direction[0]])
        if abs(abs(float((np.asarray(arc.center) - line.start) @ n)) - arc.radius) > tol:
            return False
        return float(np.hypot(*(joint[0] - joint[1]))) <= max(tol, 0.05 * arc.radius)

    def slot_flanks(self, group: str) -> list[str]:
        """The sides of slot ``group`` that both its ends touch."""
        ends = [f for f in self.feats if f.group == group and f.kind == "arc"]
        return self.tangent_lines(ends) if len(ends) == 2 else []

    def slot_centres(self) -> None:
        for s in sorted({f.group for f in self.feats if f.group}):
            ends = [f for f in self.feats if f.group == s and f.kind == "arc"]
            if len(ends) == 2:
                m = {"name": f"{s}_centres", "type": "distance", "from": ends[0].name,
                     "to": ends[1].name}
                flanks = self.slot_flanks(s)
                if flanks:
                    m["tangent_to"] = flanks
                self.add(m, "linear")

    def corner_angles(self) -> None:
        """The angle between adjacent straight edges, in loop order."""
        line_of = {id(f.primitive): f for f in self.lines}
        for lp in self.geometry.loops:
            items = lp.items
            if len(items) < 2:
                continue
            for k in range(len(items)):  # corners of one loop
                p, q = items[k], items[(k + 1) % len(items)]
                fp, fq = line_of.get(id(p)), line_of.get(id(q))
                if fp is None or fq is None or fp is fq:
                    continue
                if np.hypot(*(p.end - q.start)) > 0.2 * min(p.length, q.length):
                    continue  # not adjacent (a piece between them was dropped)
                if angle_between(p.direction, q.direction) < 1.0:
                    continue
                self.add({"name": f"angle_{fp.name}_{fq.name}", "type": "angle",
                          "from": fp.name, "to": fq.name}, "angle", min(p.length, q.length))

    def datum_positions(self) -> None:
        """Hole and ellipse positions in the frame of the two longest perpendicular outline
        edges (the pair whose shorter edge is longest; x along the longer one)."""
        out = [f for f in self.lines if f.loop == 0]
        if len(out) >= 2:
            D = np.array([f.primitive.direction for f in out])
            L = np.array([f.primitive.length for f in out])
            cross = np.abs(D[:, 0][:, None] * D[:, 1][None] - D[:, 1][:, None] * D[:, 0][None])
            perp = cross >= math.cos(math.radians(PERPENDICULAR_DEG))
            score = np.where(perp, np.minimum(L[:, None], L[None, :]), -np.inf)
            i, j = np.unravel_index(int(np.argmax(score)), score.shape)
            if np.isfinite(score[i, j]):
                xa, ya = (out[i], out[j]) if L[i] >= L[j] else (out[j], out[i])
                self.datum = {"origin": ya.name, "x_axis": xa.name, "y_towards": ya.name}
        if self.datum is None:
            self.centre_distances()
            return
        for f in self.feats:
            if f.kind in ("circle", "ellipse") and f.loop > 0:
                points = [(f, None)]
            elif f.group and f.kind == "arc":          # a slot, by the centres of its ends
                points = [(f, self.slot_flanks(f.group))]
            else:
                continue
            for g, tangent in points:
                for axis in ("x", "y"):
                    m = {"name": f"{g.name}_position_{axis}", "type": "position",
                         "feature": g.name, "axis": axis, "datum": dict(self.datum)}
                    if tangent:
                        m["tangent_to"] = tangent
                    self.add(m, "linear")

    def centre_distances(self) -> None:
        """A part without two perpendicular outline edges (a round flange): the largest hole
        is the datum; the distance from its centre to every other hole (on a bolt circle, the
        pitch radius) and to every straight outline edge (a D-cut's flat)."""
        holes = [f for f in self.feats if f.kind == "circle" and f.loop > 0]
        if not holes:
            self.notes.append("no two perpendicular outline edges and no hole: hole positions "
                              "are not proposed (no datum)")
            return
        c = max(holes, key=lambda f: f.primitive.radius)
        self.notes.append(f"no two perpendicular outline edges: positions are distances from "
                          f"the centre of {c.name} (the largest hole)")
        have = {frozenset((m.get("from"), m.get("to"))) for m in self.meas}
        others = [f for f in self.feats if f.kind in ("circle", "ellipse") and f.loop > 0
                  and f is not c] + [f for f in self.lines if f.loop == 0]
        for f in others:
            if frozenset((f.name, c.name)) in have:
                continue
            self.add({"name": f"{f.name}_to_{c.name}", "type": "distance", "from": f.name,
                      "to": c.name}, "linear")
