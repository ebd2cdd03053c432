"""A drawing's own dimensions on the proposed measurements: their tolerances replace the general
ones.

:func:`apply_dimensions` matches each ``DIMENSION`` entity of a drawing
(:class:`~metrology.teach.dxf.DimensionInfo`) to the proposed measurement it shows:

* diameter / radius: the circle or arc whose centre and size it shows;
* linear / aligned: a distance (or width) whose two features lie on its two definition points
  and whose nominal equals its value (a horizontal dimension between two holes that are not
  level measures a projection, which no measurement shows: left out and listed);
* angular (two lines or three points): the angle between the two edges it shows (added when
  no adjacent-edge angle was proposed for them);
* ordinate: the position of the feature at its point in the datum frame when the datum's
  origin and axis are the ordinate's, else the distance from the feature to the edge through
  its origin square to its axis (added when missing).
"""

from __future__ import annotations

import math

import numpy as np

from .proposals import (PARALLEL_DEG, Proposal, angle_between, datum_axes, measurement_value,
                        with_tolerance)
from .tolerances import ToleranceRule

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []


def apply_dimensions(proposal: Proposal, dimensions, *, tol_mm: float = 0.01,
                     rule: ToleranceRule | None = None) -> tuple[Proposal, list]:
    """Give proposed measurements the tolerances of matching DXF ``DIMENSION`` entities.

    A diameter/radius dimension matches the circle or arc whose centre and size it shows; a
    linear or aligned dimension matches a distance (or width) whose two features lie on its two
    definition points and whose nominal equals its measurement (a horizontal dimension between
    two holes that are not level measures a projection, which the recipe has no measurement for:
    it is left out and listed); a two-line angular dimension matches the angle between the two
    edges it shows (added if no adjacent-edge angle was proposed for them).  The dimension's
    deviations replace the general tolerance (``rule``, for angles it adds without any).

    Returns
    -------
    (Proposal, list of str)
        The updated proposal and one line per dimension saying what it was matched to.
    """
    feats = {f.name: f for f in proposal.features}
    meas = [dict(m) for m in proposal.measurements]
    report = []

    def near_center(p, f):
        c = getattr(f.primitive, "center", None)
        return c is not None and float(np.hypot(*(np.asarray(c) - p))) <= tol_mm

    def on_line(p, f):
        if f.kind != "line":
            return False
        ln = f.primitive
        n = np.array([-ln.direction[1], ln.direction[0]])
        t = float((p - ln.start) @ ln.direction)
        return abs(float((p - ln.start) @ n)) <= tol_mm and -tol_mm <= t <= ln.length + tol_mm

    for dim in dimensions:
        target = None
        if dim.kind in ("diameter", "radius") and len(dim.points) >= 2:
            if dim.kind == "diameter":
                c = 0.5 * (dim.points[0] + dim.points[1])
                r = 0.5 * dim.value
            else:
                c, r = dim.points[0], dim.value
            for m in meas:
                if m["type"] not in ("diameter", "radius"):
                    continue
                f = feats[m["feature"]]
                if near_center(c, f) and abs(getattr(f.primitive, "radius", -1) - r) <= tol_mm:
                    if (m["type"] == "diameter") == (dim.kind == "diameter"):
                        target = m
                        break
                    target = target or m
        elif dim.kind in ("angular", "angular3") and len(dim.points) == 4:
            target = _angular_target(dim, feats, meas, tol_mm, proposal,
                                     rule or ToleranceRule("m"))
        elif dim.kind == "ordinate" and len(dim.points) == 2 and dim.axis in ("x", "y"):
            target = _ordinate_target(dim, feats, meas, tol_mm, proposal,
                                      rule or ToleranceRule("m"))
        elif dim.kind in ("linear", "aligned") and len(dim.points) >= 2:
            p, q = dim.points[0], dim.points[1]
            for m in meas:
                names = ([m.get("from"), m.get("to")] if m["type"] == "distance" else
                         [pr.first for pr in proposal.pairs if pr.name == m.get("feature")]
                         + [pr.second for pr in proposal.pairs if pr.name == m.get("feature")]
                         if m["type"] == "width" else [])
                if len(names) != 2 or None in names:
                    continue
                fa, fb = feats[names[0]], feats[names[1]]
                hit = ((near_center(p, fa) or on_line(p, fa)) and (near_center(q, fb)
                                                                   or on_line(q, fb))) or \
                      ((near_center(q, fa) or on_line(q, fa)) and (near_center(p, fb)
                                                                   or on_line(p, fb)))
                nominal = m.get("nominal_mm")
                if nominal is None and m["type"] == "distance":
                    nominal = measurement_value(m, feats)
                if hit and nominal is not None and abs(nominal - dim.value) <= tol_mm:
                    target = m
                    break
        if target is None:
            report.append(f"{dim.source}: {dim.kind} {dim.value:.4g} not matched to a proposed "
                          f"measurement (left out)")
            continue
        unit = "deg" if target["type"] == "angle" else "mm"
        value = dim.value if not (target["type"] == "diameter" and dim.kind == "radius") \
            else 2 * dim.value
        if "_nominal" in target:   # the dimension may show the supplement of our angle, or an
            value = target["_nominal"]          # ordinate the magnitude of a signed position
        scale = 2.0 if (target["type"] == "diameter" and dim.kind == "radius") else 1.0
        target[f"nominal_{unit}"] = round(float(value), 6)
        if dim.lower is not None and dim.upper is not None:
            lo, hi = dim.lower * scale, dim.upper * scale
            target[f"tolerance_{unit}"] = hi if abs(lo + hi) < 1e-12 else [lo, hi]
            report.append(f"{dim.source}: {target['name']} = {value:.4g} {unit} "
                          f"[{lo:+.4g}, {hi:+.4g}] from the drawing")
        else:
            report.append(f"{dim.source}: {target['name']} = {value:.4g} {unit} "
                          f"(general tolerance)")
    for m in meas:
        m.pop("_nominal", None)
    new = Proposal(proposal.features, proposal.pairs, tuple(meas), proposal.datum,
                   proposal.notes, proposal.tol_kinds)
    return new, report


def _ordinate_target(dim, feats: dict, meas: list, tol_mm: float, proposal: Proposal,
                     rule: ToleranceRule):
    """The measurement an ordinate dimension shows (added when missing), or None.

    The dimension gives the offset of a feature's point (a hole or arc centre, or a point of
    an edge square to the axis) from its origin along the drawing's x or y axis.  It matches a
    proposed ``position`` of that feature when the datum's origin is the ordinate's and its axis
    the ordinate's; else the distance from the feature to the edge through the origin square
    to the axis (its "zero line", added if not proposed)."""
    origin, point = dim.points[0], dim.points[1]
    axis = np.array([1.0, 0.0]) if dim.axis == "x" else np.array([0.0, 1.0])
    par = math.cos(math.radians(PARALLEL_DEG))
    square = math.sin(math.radians(PARALLEL_DEG))

    def square_line_through(p):
        for f in feats.values():
            if f.kind == "line" and abs(float(f.primitive.direction @ axis)) < square and \
                    abs(float((p - f.primitive.start) @ axis)) <= tol_mm:
                return f
        return None

    hit = None
    for f in feats.values():
        c = getattr(f.primitive, "center", None)
        if c is not None and float(np.hypot(*(np.asarray(c) - point))) <= tol_mm:
            hit = f
            break
    if hit is None:
        hit = square_line_through(point)
    if hit is None:
        return None
    if hit.kind != "line" and proposal.datum is not None:
        o, x, y = datum_axes(proposal.datum, feats)
        if float(np.hypot(*(o - origin))) <= tol_mm:
            which = "x" if abs(float(x @ axis)) >= par else "y" if abs(float(y @ axis)) >= par \
                else None
            for m in meas:
                if m["type"] == "position" and m["feature"] == hit.name and m["axis"] == which:
                    nominal = measurement_value(m, feats)
                    if abs(abs(nominal) - dim.value) <= tol_mm:
                        m["_nominal"] = nominal
                        return m
    zero = square_line_through(origin)
    if zero is None or zero is hit:
        return None
    for m in meas:
        if m["type"] == "distance" and {m["from"], m["to"]} == {hit.name, zero.name}:
            break
    else:
        m = with_tolerance({"name": f"{hit.name}_to_{zero.name}", "type": "distance",
                       "from": hit.name, "to": zero.name}, rule, "linear",
                      measurement_value({"type": "distance", "from": hit.name, "to": zero.name},
                                        feats), "mm")
        if abs(measurement_value(m, feats) - dim.value) > tol_mm:
            return None
        meas.append(m)
        proposal.tol_kinds[m["name"]] = ("linear", None)
        return m
    return m if abs(measurement_value(m, feats) - dim.value) <= tol_mm else None


def _angular_target(dim, feats: dict, meas: list, tol_mm: float, proposal: Proposal,
                    rule: ToleranceRule):
    """The angle measurement between the two drawn edges an angular dimension shows (added when
    no adjacent-edge angle was proposed for them), or None."""
    def line_through(p, q):
        for f in feats.values():
            if f.kind != "line":
                continue
            ln = f.primitive
            n = np.array([-ln.direction[1], ln.direction[0]])
            if all(abs(float((x - ln.start) @ n)) <= tol_mm for x in (p, q)):
                return f
        return None

    a = line_through(dim.points[0], dim.points[1])
    b = line_through(dim.points[2], dim.points[3])
    if a is None or b is None or a is b:
        return None
    nominal = angle_between(a.primitive.direction, b.primitive.direction)
    if min(abs(nominal - dim.value), abs(180.0 - nominal - dim.value)) > 1e-3:
        return None
    for m in meas:
        if m["type"] == "angle" and {m["from"], m["to"]} == {a.name, b.name}:
            m["_nominal"] = m["nominal_deg"] = round(nominal, 6)
            return m
    leg = min(a.primitive.length, b.primitive.length)
    m = with_tolerance({"name": f"angle_{a.name}_{b.name}", "type": "angle", "from": a.name,
                   "to": b.name}, rule, "angle", nominal, "deg", leg)
    m["nominal_deg"] = m["_nominal"] = round(nominal, 6)
    if "tolerance_deg" not in m and dim.lower is None:
        return None
    meas.append(m)
    proposal.tol_kinds[m["name"]] = ("angle", leg)
    return m
