"""What the teach tests check, shared: the accuracy target, recipe runs against the truth, and
taught tools matched to the drawing's features (also used by ``teach_sweep``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from teach_helpers import (MM_PER_PX, feats_of, plane_of, pose_at, px_equivalent, render,
                           truth_values)

from metrology.inspect import Recipe
from metrology.teach.geometry import Arc, Line
from metrology.teach.proposals import FeatureSpec, propose

TARGET_PX = 0.05
FAST_POSES = [(17.0, (1.0, -0.5)), (-131.0, (-2.0, 1.5))]
SLOW_POSES = FAST_POSES + [(73.0, (3.0, 2.0)), (-20.0, (-4.0, -2.5)), (178.0, (0.0, 3.0)),
                           (-95.0, (2.5, -3.0))]


def bound_px(m, recipe) -> float:
    """Allowed error in px for one measurement result: the target, or 4 predicted sigma for a
    measurement the recipe itself warns is geometry-limited (see the module docstring)."""
    sigma = recipe.teach_info["predicted_sigma_px"][m.name]
    if sigma > TARGET_PX / 4:
        assert any(w.startswith(f"{m.name}:") for w in recipe.teach_info["warnings"]), m.name
        return 4.0 * sigma
    return TARGET_PX


def check_recipe(recipe, station, geometry, poses, truth, legs, seed=0):
    assert set(recipe.teach_info["predicted_sigma_px"]) >= {m.name for m in recipe.measurements}
    worst, relaxed, worst_rel = 0.0, set(), 0.0
    for i, (ang, off) in enumerate(poses):
        img = render(station, geometry, pose_at(station, geometry, ang, off), rng=seed + i)
        res = recipe.run(img)
        assert res.status == "pass", (ang, res.status, res.error)
        assert len(res.measurements) == len(recipe.measurements)
        for m in res.measurements:
            err = px_equivalent(m, m.value - truth[m.name], legs)
            bound = bound_px(m, recipe)
            if bound > TARGET_PX:
                relaxed.add(m.name)
                worst_rel = max(worst_rel, err)
            assert err <= bound, (m.name, ang, err, bound)
            worst = max(worst, err) if bound == TARGET_PX else worst
    print(f"\n{len(recipe.measurements)} measurements x {len(poses)} poses: worst "
          f"{worst:.4f} px (target {TARGET_PX}); held to 4 predicted sigma: {sorted(relaxed)} "
          f"(worst {worst_rel:.4f} px)")
    return worst


def dxf_truth(recipe, geometry):
    prop = propose(geometry)
    legs = {n: k[1] for n, k in prop.tol_kinds.items()
            if k[0] == "angle"}
    truth = truth_values(recipe.measurements, feats_of(prop), recipe.teach_info["pairs"])
    assert set(truth) == {m.name for m in recipe.measurements}
    return truth, legs


def dxf_case(drawing, station, poses, recipe=None):
    path, g = drawing
    recipe = recipe or Recipe.from_dxf(path, station=plane_of(station))
    truth, legs = dxf_truth(recipe, g)
    # the drawing's own nominals are the truth
    for m in recipe.measurements:
        assert m.tolerance.nominal == pytest.approx(truth[m.name], abs=1e-5), m.name
    return check_recipe(recipe, station, g, poses, truth, legs)


def to_part(station, recipe, golden_pose, res_pose, pts_model):
    """Model-frame px of a taught recipe -> drawing part frame mm (through the golden match)."""
    view = res_pose.apply(np.asarray(pts_model, float).reshape(-1, 2))
    if recipe.model_spec.rectify is not None:
        plane_mm = recipe.model_spec.rectify.to_mm(view)
    else:
        plane_mm = view * recipe.station.plane.pixel_size_mm
    return golden_pose.inverse().apply(plane_mm)


def match_taught(recipe, station, golden, golden_pose, geometry):
    """Map every taught tool onto the drawing's feature it sits on (or None: spurious)."""
    res = recipe.run(golden)
    assert res.status == "pass", res.error
    P = res.pose
    recipe.golden_result = res
    s = MM_PER_PX
    drawing = propose(geometry).features
    found: dict[str, FeatureSpec] = {}
    spurious = []
    for t in recipe.tools:
        kind = type(t).__name__
        hit = None
        if kind == "CircleTool":
            c = to_part(station, recipe, golden_pose, P, [t.center_xy])[0]
            r = t.radius * P.scale * s
            full = t.arc_deg[1] >= 360
            for f in drawing:      # a partial tool may sit on a hole (a neighbour cut it)
                if isinstance(f.primitive, Arc) and (f.primitive.is_full or not full) and \
                        np.hypot(*(np.asarray(f.primitive.center) - c)) < 0.5 * s and \
                        abs(f.primitive.radius - r) < 0.5 * s:
                    hit = f
        elif kind == "LineTool":
            a, b = to_part(station, recipe, golden_pose, P, [t.p0_xy, t.p1_xy])
            d = (b - a) / np.hypot(*(b - a))
            for f in drawing:
                ln = f.primitive
                if not isinstance(ln, Line) or float(d @ ln.direction) < math.cos(
                        math.radians(1.0)):
                    continue
                n = np.array([-ln.direction[1], ln.direction[0]])
                u = [float((q - ln.start) @ ln.direction) for q in (a, b)]
                if all(abs(float((q - ln.start) @ n)) < 0.5 * s for q in (a, b)) and \
                        min(u) > -s and max(u) < ln.length + s:
                    hit = f
        else:
            continue  # edge pairs: checked through their measurement
        if hit is None:
            spurious.append(t.name)
        else:
            found[t.name] = FeatureSpec(t.name, hit.kind, hit.primitive, hit.loop,
                                        hit.material_outside)
    return found, spurious, drawing


def teach_case(g, station, poses, label=""):
    """Teach on a golden image of the drawn part ``g`` and check, against the drawing: every hole
    and every straight edge longer than 40 px found, no spurious tool, the taught nominals and
    the measurements on unseen ``poses`` within the target.  Returns (recipe, worst px)."""
    golden_pose = pose_at(station, g, 8.0, (0.5, 0.5))
    golden = render(station, g, golden_pose, rng=99)
    recipe = Recipe.teach(golden, station=plane_of(station))
    found, spurious, drawing = match_taught(recipe, station, golden, golden_pose, g)
    assert spurious == []
    matched = {id(f.primitive) for f in found.values()}
    holes = [f for f in drawing if f.kind == "circle"]
    long_edges = [f for f in drawing if f.kind == "line" and f.primitive.length / MM_PER_PX > 40]
    missed = [f.name for f in holes + long_edges if id(f.primitive) not in matched]
    assert missed == []
    arcs = [f for f in drawing if f.kind == "arc"]
    print(f"\nteach ({label}): {len(recipe.tools)} tools; holes {len(holes)}/{len(holes)}, edges "
          f"> 40 px {len(long_edges)}/{len(long_edges)}, arcs "
          f"{sum(id(f.primitive) in matched for f in arcs)}/{len(arcs)}, spurious 0; "
          f"counts {recipe.teach_info['counts']}")
    # accuracy on unseen poses against the drawing's truth
    pairs = recipe.teach_info["pairs"]
    truth = truth_values(recipe.measurements, found, pairs)
    assert set(truth) == {m.name for m in recipe.measurements}
    legs = {}
    for m in recipe.measurements:
        if m.type == "angle":
            a, b = (found[n].primitive.length for n in m.features)
            legs[m.name] = min(a, b)
    # the taught nominals themselves are within the target of the truth
    for m in recipe.golden_result.measurements:
        err = px_equivalent(m, m.nominal - truth[m.name], legs)
        assert err <= bound_px(m, recipe), (m.name, err, bound_px(m, recipe))
    worst = check_recipe(recipe, station, g, poses, truth, legs, seed=40)
    return recipe, worst
