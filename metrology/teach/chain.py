"""Chaining drawn curves into closed outlines: endpoints that meet, duplicates, nesting.

Used by :mod:`metrology.teach.dxf`: open curves whose endpoints lie closer than a tolerance are
walked into closed loops (a graph whose every node must join exactly two curves); curves drawn
twice are read once; consecutive straight pieces of one edge become one line; the largest loop
is the part's outer boundary and the loops inside it its holes (shapely decides containment).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError
from .geometry import Line, Loop, PartGeometry

#: the stages of reading a drawing (metrology.teach.dxf.read_dxf): importable, not public API
__all__: list[str] = []


def chain_loops(items: list, tol: float, name: str = "drawing", unit: str = "mm") -> list[Loop]:
    """Chain open primitives whose endpoints meet (within ``tol``) into closed loops.

    Raises
    ------
    FileFormatError
        An open end (naming the entity, where it is and the gap to the nearest other endpoint),
        or three or more curves meeting at one point.
    """
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
    """Consecutive straight pieces of one straight edge (a polyline with extra vertices, a line
    drawn in two) as one line: one edge, one tool."""
    items = list(loop.items)
    if len(items) < 2:
        return loop

    def joinable(a, b) -> bool:
        if not (isinstance(a, Line) and isinstance(b, Line)):
            return False
        d = a.direction
        n = np.array([-d[1], d[0]])
        return float(d @ b.direction) > 0 and abs(float((b.end - a.start) @ n)) <= tol

    merged = True
    while merged and len(items) > 1:
        merged = False
        for i in range(len(items)):  # pieces of one loop
            j = (i + 1) % len(items)
            if i != j and joinable(items[i], items[j]):
                items[i] = Line(items[i].start, items[j].end, items[i].source)
                del items[j]
                merged = True
                break
    return Loop(tuple(items))


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
