"""Chaining drawn curves into closed outlines: endpoints that meet, duplicates, nesting.

Used by :mod:`metrology.teach.dxf`: open curves whose endpoints lie closer than a tolerance are
walked into closed loops (a graph whose every node must join exactly two curves); curves drawn
twice are read once; consecutive straight pieces of one edge become one line; the largest loop
is the part's outer boundary and the loops inside it its holes (shapely decides containment).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import FileFormatError, MetrologyError
from .geometry import Arc, Line, Loop, PartGeometry, Polyline

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []


#: a LINE whose two ends touch nothing, none within this (mm), is a loose construction line
LOOSE_CLEARANCE_MM = 0.5


def loose_lines(items: list, tol: float) -> list[int]:
    """Indices of the straight lines of ``items`` whose ends both touch no other curve, with
    no other endpoint within :data:`LOOSE_CLEARANCE_MM` (or 100 ``tol``) of either: centre
    marks and construction lines drawn in a continuous linetype, not a broken outline (whose
    open ends meet its neighbours' within a gap, or run on into other curves)."""
    from scipy.spatial import cKDTree

    if len(items) < 2:
        return []
    m = len(items)
    ends = np.concatenate([np.array([p.start for p in items]), np.array([p.end for p in items])])
    clear = max(LOOSE_CLEARANCE_MM, 100.0 * tol)
    d, idx = cKDTree(ends).query(ends, k=3)
    j = np.arange(2 * m)
    partner = (j + m) % (2 * m)
    valid = (idx != j[:, None]) & (idx != partner[:, None]) & (idx < 2 * m)
    near = np.where(valid, d, np.inf).min(axis=1)      # nearest endpoint of another curve
    free = near > clear
    return [i for i in range(m) if isinstance(items[i], Line) and free[i] and free[i + m]]


def chain_loops(items: list, tol: float, name: str = "drawing", unit: str = "mm",
                loose: list | None = None) -> list[Loop]:
    """Chain open primitives whose endpoints meet (within ``tol``) into closed loops.

    Parameters
    ----------
    items : list of primitives
    tol : float
    name, unit : str
        For the messages.
    loose : list, optional
        When given, loose lines (:func:`loose_lines`) are left out and appended to it instead
        of stopping the chaining as open ends.

    Raises
    ------
    FileFormatError
        An open end (naming the entity, where it is and the gap to the nearest other endpoint),
        or three or more curves meeting at one point.
    """
    if loose is not None:
        drop = set(loose_lines(items, tol))
        loose.extend(items[i] for i in sorted(drop))
        items = [p for i, p in enumerate(items) if i not in drop]
    if not items:
        return []
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    ends = np.concatenate([np.array([p.start for p in items]), np.array([p.end for p in items])])
    m = len(items)
    tree = cKDTree(ends)
    pairs = tree.query_pairs(tol, output_type="ndarray")
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])) if len(pairs) else
                   (np.zeros(0), (np.zeros(0, int), np.zeros(0, int))), shape=(2 * m, 2 * m))
    _, node = connected_components(g, directed=False)
    degree = np.bincount(node, minlength=node.max() + 1)
    bad = np.nonzero(degree[node] != 2)[0]
    if bad.size:
        k = int(bad[0])
        item = items[k % m]
        where = ends[k]
        if degree[node[k]] == 1:
            d, _ = tree.query(where, k=2)
            others = np.hypot(*(ends - where).T)
            others[node == node[k]] = np.inf
            gap = float(others.min()) if np.isfinite(others).any() else float("nan")
            raise FileFormatError(
                f"{name}: the outline does not close: {item.source or item.kind} ends at "
                f"({where[0]:.6g}, {-where[1]:.6g}) {unit} with no other curve within "
                f"{tol:.3g} {unit}; the nearest other endpoint is {gap:.6g} {unit} away "
                f"(close the gap in the drawing, or raise join_tol_mm)")
        meet = [items[j % m].source or items[j % m].kind for j in np.nonzero(node == node[k])[0]]
        raise FileFormatError(
            f"{name}: {len(meet)} curves meet at ({where[0]:.6g}, {-where[1]:.6g}) {unit} "
            f"({', '.join(meet[:4])}): overlapping or branching lines; an outline must be a "
            f"simple closed chain (clean up duplicates, or read one layer with layer=)")
    # at every node exactly two endpoints: walk the cycles
    partner = np.empty(2 * m, int)
    order = np.argsort(node, kind="stable")
    a, b = order[0::2], order[1::2]
    partner[a], partner[b] = b, a
    used = np.zeros(m, bool)
    loops = []
    for start in range(m):  # one pass per loop, a step per curve
        if used[start]:
            continue
        seq = []
        k, forward = start, True
        while not used[k]:
            used[k] = True
            seq.append(items[k] if forward else items[k].reversed())
            end_slot = k + m if forward else k       # endpoint index where this curve ends
            nxt = partner[end_slot]
            k, forward = nxt % m, nxt < m             # entering at its start: forward
        loops.append(Loop(tuple(seq)))
    return loops


def _curve_key(p: Any, q: float) -> tuple:
    """Endpoints (either order) and midpoint of a curve on a grid of ``q``: equal for a curve
    drawn twice."""
    a, b, m = (tuple(np.round(np.asarray(v, float) / q).astype(np.int64).tolist())
               for v in (p.start, p.end, p.midpoint))
    return (min(a, b), max(a, b), m)


def dedupe(items: list, tol: float, taken: set | None = None) -> list:
    """Drop curves drawn twice (or already part of a closed loop, ``taken``): CAD exports often
    hold exact duplicates, which would otherwise branch or dangle."""
    seen = set(taken or ())
    out = []
    for p in items:  # one key per curve
        key = _curve_key(p, 4.0 * tol)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def dedupe_loops(loops: list, tol: float) -> tuple[list, set]:
    """Closed loops drawn twice read once; returns them and the keys of their curves."""
    seen, out, keys = set(), [], set()
    for lp in loops:
        k = frozenset(_curve_key(p, 4.0 * tol) for p in lp.items)
        if k not in seen:
            seen.add(k)
            out.append(lp)
            keys |= k
    return out, keys


def merge_collinear(loop: Loop, tol: float) -> Loop:
    """Consecutive pieces of one edge as one piece: straight pieces of one straight edge (a
    polyline with extra vertices, a line drawn in two) as one line, and arcs of one circle (a
    hole drawn as two bulged half-circles, a fillet drawn in two) as one arc, a full circle
    when they close it: one edge, one tool.

    Parameters
    ----------
    loop : Loop
    tol : float
        How far (mm) a piece may stray from the line or circle it continues.

    Returns
    -------
    Loop
    """
    items = list(loop.items)
    if len(items) < 2:
        return loop

    def joinable(a, b) -> bool:
        if isinstance(a, Line) and isinstance(b, Line):
            d = a.direction
            n = np.array([-d[1], d[0]])
            return float(d @ b.direction) > 0 and abs(float((b.end - a.start) @ n)) <= tol
        if isinstance(a, Arc) and isinstance(b, Arc):
            return (float(np.hypot(*np.subtract(a.center, b.center))) <= tol
                    and abs(a.radius - b.radius) <= tol
                    and a.extent_deg * b.extent_deg > 0
                    and abs(a.extent_deg + b.extent_deg) <= 360.0 + 1e-6)
        return False

    def joined(a, b):
        if isinstance(a, Line):
            return Line(a.start, b.end, a.source)
        ext = a.extent_deg + b.extent_deg
        if abs(abs(ext) - 360.0) <= math.degrees(tol / a.radius):
            ext = math.copysign(360.0, ext)
        return Arc(a.center, a.radius, a.start_deg, ext, a.source)

    merged = True
    while merged and len(items) > 1:
        merged = False
        for i in range(len(items)):  # pieces of one loop
            j = (i + 1) % len(items)
            if i != j and joinable(items[i], items[j]):
                items[i] = joined(items[i], items[j])
                del items[j]
                merged = True
                break
    return Loop(tuple(items))


def simple_curve(curve: Polyline, tol: float) -> Line | Arc | Polyline:
    """A free curve (a flattened SPLINE) that is in fact straight or circular, as a line or an
    arc (CAD exports write both as splines): every point within ``tol`` (mm) of it.

    Parameters
    ----------
    curve : Polyline
    tol : float

    Returns
    -------
    Line, Arc or the Polyline itself
    """
    from ..core.fit_circle import fit_circle

    p = curve.array
    a, b = p[0], p[-1]
    chord = float(np.hypot(*(b - a)))
    if chord > 10 * tol:
        d = (b - a) / chord
        if np.all(np.abs((p - a) @ np.array([-d[1], d[0]])) <= tol):
            return Line(a, b, curve.source)
    if len(p) < 5:
        return curve
    try:
        fit = fit_circle(p)
    except MetrologyError:
        return curve
    c, r = np.asarray(fit.center_xy, float), float(fit.radius)
    if not (np.isfinite(r) and 0 < r < 1e6) or np.any(np.abs(np.hypot(*(p - c).T) - r) > tol):
        return curve
    ang = np.unwrap(np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0]))
    steps = np.diff(ang)
    if not (np.all(steps > 0) or np.all(steps < 0)):
        return curve
    ext = math.degrees(float(ang[-1] - ang[0]))
    if chord <= tol:                                     # a closed curve: the full circle
        ext = math.copysign(360.0, ext)
    if abs(ext) > 360.0 + 1e-6:
        return curve
    return Arc(tuple(c), r, math.degrees(float(ang[0])), ext, curve.source)


#: a run of straight pieces is read as an arc when it has at least this many pieces, each
#: turning the same way by at most MAX_TURN_DEG, and its vertices lie on one circle
MIN_POLYGON_PIECES, MAX_TURN_DEG = 5, 20.0


def arcs_from_polygons(loop: Loop, tol: float) -> Loop:
    """Runs of short straight pieces that approximate a circle (CAD exports that write a hole
    or a fillet as a polyline of chords) as one arc through their vertices, a full circle when
    the whole loop is such a run: one edge, one tool, a diameter to measure.

    A run needs :data:`MIN_POLYGON_PIECES` pieces or more, each turning the same way by at
    least 0.1 and at most :data:`MAX_TURN_DEG` degrees from the previous one and within a
    factor 2 of its length, and every vertex
    within ``tol`` of the circle fitted to them (a real polygon, e.g. a hexagon, turns by more;
    a free curve's vertices stray from any one circle).

    Parameters
    ----------
    loop : Loop
    tol : float
        How far (mm) a vertex may lie from the fitted circle.

    Returns
    -------
    Loop
    """
    from ..core.fit_circle import fit_circle

    items = [simple_curve(p, tol) if isinstance(p, Polyline) else p for p in loop.items]
    n = len(items)
    if n < MIN_POLYGON_PIECES or sum(isinstance(p, Line) for p in items) < MIN_POLYGON_PIECES:
        return Loop(tuple(items))

    def turn(a, b) -> float:
        if not (isinstance(a, Line) and isinstance(b, Line)):
            return 0.0
        da, db = a.direction, b.direction
        return math.degrees(math.atan2(da[0] * db[1] - da[1] * db[0], float(da @ db)))

    turns = np.array([turn(items[i], items[(i + 1) % n]) for i in range(n)])
    ok = (np.abs(turns) >= 0.1) & (np.abs(turns) <= MAX_TURN_DEG)

    def as_arc(run: list, closed: bool):
        pts = np.array([items[i].start for i in run] + ([] if closed else [items[run[-1]].end]))
        fit = fit_circle(pts)
        c, r = np.asarray(fit.center_xy, float), float(fit.radius)
        if not np.all(np.abs(np.hypot(*(pts - c).T) - r) <= tol):
            return None
        sense = 1.0 if turns[run[0]] > 0 else -1.0
        a0 = math.degrees(math.atan2(pts[0][1] - c[1], pts[0][0] - c[0]))
        if closed:
            return Arc(tuple(c), r, a0, 360.0 * sense, items[run[0]].source)
        a1 = math.degrees(math.atan2(pts[-1][1] - c[1], pts[-1][0] - c[0]))
        ext = (a1 - a0) % 360.0 if sense > 0 else -((a0 - a1) % 360.0)
        return Arc(tuple(c), r, a0, ext, items[run[0]].source)

    same = np.sign(turns)
    if ok.all() and np.all(same == same[0]):             # the whole loop: a circle?
        arc = as_arc(list(range(n)), True)
        if arc is not None:
            return Loop((arc,))
    lens = np.array([p.length for p in items])

    def fit_run(run: list):
        """(a, b, arc): pieces run[a:b] as one arc, trimming longer pieces (the straight
        edges a run of chords meets) off its ends; or None."""
        a, b = 0, len(run)
        while b - a >= MIN_POLYGON_PIECES:
            if all(isinstance(items[j], Line) for j in run[a:b]):
                arc = as_arc(run[a:b], False)
                if arc is not None:
                    return a, b, arc
            med = float(np.median(lens[run[a:b]]))
            if lens[run[a]] >= lens[run[b - 1]] and lens[run[a]] > 1.5 * med:
                a += 1
            elif lens[run[b - 1]] > 1.5 * med:
                b -= 1
            else:
                return None
        return None

    # runs of pieces where every turn to the next piece is ok and of one sign (and the pieces
    # are of like lengths), starting after
    # a piece whose turn is not (or at the longest piece), so runs never wrap the loop's start
    start = int(np.argmin(ok)) + 1 if not ok.all() else int(np.argmax(lens))
    order = [(start + k) % n for k in range(n)]
    out, k = [], 0
    while k < n:
        i = order[k]
        run = [i]
        while k + len(run) < n:
            last, nxt = order[k + len(run) - 1], order[k + len(run)]
            # chords of one arc turn alike and have like lengths (a straight edge does not)
            if not (ok[last] and same[last] == same[i]
                    and 0.5 <= lens[nxt] / max(lens[last], 1e-300) <= 2.0):
                break
            run.append(nxt)
        got = fit_run(run) if len(run) >= MIN_POLYGON_PIECES else None
        if got is None:
            out.append(items[i])
            k += 1
        else:
            a, b, arc = got
            out.extend(items[j] for j in run[:a])
            out.append(arc)
            k += b
    return Loop(tuple(out))


def nest(loops: list[Loop], name: str) -> tuple[PartGeometry, list[str]]:
    """Outer boundary (largest loop) and its holes; loops outside it are left out (and
    named), islands inside holes refused."""
    from shapely.geometry import Polygon

    if not loops:
        raise FileFormatError(f"{name}: no closed outline")
    sizes = [lp.size for lp in loops]
    tol = 1e-4 * max(sizes)
    polys = []
    for lp in loops:
        poly = Polygon(lp.polygon(tol))
        if not poly.is_valid or poly.area <= 0:
            src = lp.items[0].source or lp.items[0].kind
            raise FileFormatError(f"{name}: the closed outline starting at {src} crosses itself "
                                  f"or has no area")
        polys.append(poly)
    i_out = int(np.argmax([p.area for p in polys]))
    outer = polys[i_out]
    holes, outside = [], []
    for i, (lp, poly) in enumerate(zip(loops, polys)):
        if i == i_out:
            continue
        src = lp.items[0].source or lp.items[0].kind
        if not outer.contains(poly):
            if outer.intersects(poly):
                raise FileFormatError(f"{name}: the closed outline starting at {src} crosses "
                                      f"the outer boundary; an outline must not overlap another")
            outside.append(src)   # another view or another part: not this one
            continue
        holes.append((lp, poly))
    for i, (lp, poly) in enumerate(holes):
        for j, (_, other) in enumerate(holes):
            if i != j and other.contains(poly):
                src = lp.items[0].source or lp.items[0].kind
                raise FileFormatError(f"{name}: the closed outline starting at {src} lies inside "
                                      f"a hole (an island; or is the largest outline a border "
                                      f"or title block around the part? then read the part's "
                                      f"layer with layer=); not supported")
    return PartGeometry(loops[i_out], tuple(lp for lp, _ in holes)), outside
