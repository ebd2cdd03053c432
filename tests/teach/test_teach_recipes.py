"""Recipes from DXF drawings and from golden images, measured on unseen poses against the truth.

Scenes: the drawings of ``teach_helpers`` (a 48 x 30 mm plate drawn rotated 30 deg about an
offset origin, with a chamfer, an R6 corner, three holes, a narrow slot and toleranced
dimensions; a 1.8 x 1.2 inch plate from a bulged polyline and block inserts) rendered by
:mod:`metrology.synth.drawn` at 0.08 mm/px, blur 0.9 px, noise 1.5 gray levels, 8 bits, through
(a) the demo's distorted pinhole camera over a plane tilted (3, -2) deg and (b) a telecentric /
scale station.

Target (issue 13): every nominal measured within 0.05 px-equivalent (mm / (mm/px); an angle
error times its shorter leg in px).  Exception, stated: what rests on a partial arc is
noise-limited — a quarter arc of R 75 px has a 1-sigma radius uncertainty of 0.024-0.032 px here,
the centre distance of a narrow slot's two R 15 px ends 0.02 px (reported by the recipe itself,
and matching the spread seen over poses) — so a measurement whose own 1-sigma exceeds 0.0125 px
(a quarter of the target) is held to 4 sigma instead (the names are printed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from teach_helpers import (MM_PER_PX, feats_of, pinhole_station, plane_of, plate_inch, plate_mm,
                           pose_at, px_equivalent, render, scale_station, truth_values)

from metrology.core.pose import Pose2D
from metrology.inspect import Recipe
from metrology.synth.drawn import ScaleStation
from metrology.teach.dxf import read_dxf
from metrology.teach.geometry import Arc, Line
from metrology.teach.proposals import FeatureSpec, propose

TARGET_PX = 0.05
FAST_POSES = [(17.0, (1.0, -0.5)), (-131.0, (-2.0, 1.5))]
SLOW_POSES = FAST_POSES + [(73.0, (3.0, 2.0)), (-20.0, (-4.0, -2.5)), (178.0, (0.0, 3.0)),
                           (-95.0, (2.5, -3.0))]


def _bound(m, legs) -> float:
    """Allowed error in px for one measurement result (see the module docstring)."""
    sigma = px_equivalent(m, m.uncertainty, legs) if m.uncertainty else 0.0
    if sigma > TARGET_PX / 4:
        return max(TARGET_PX, 4.0 * sigma)
    return TARGET_PX


def _check(recipe, station, geometry, poses, truth, legs, seed=0):
    worst, relaxed, worst_rel = 0.0, set(), 0.0
    for i, (ang, off) in enumerate(poses):
        img = render(station, geometry, pose_at(station, geometry, ang, off), rng=seed + i)
        res = recipe.run(img)
        assert res.status == "pass", (ang, res.status, res.error)
        assert len(res.measurements) == len(recipe.measurements)
        for m in res.measurements:
            err = px_equivalent(m, m.value - truth[m.name], legs)
            bound = _bound(m, legs)
            if bound > TARGET_PX:
                relaxed.add(m.name)
                worst_rel = max(worst_rel, err)
            assert err <= bound, (m.name, ang, err, bound)
            worst = max(worst, err) if bound == TARGET_PX else worst
    print(f"\n{len(recipe.measurements)} measurements x {len(poses)} poses: worst "
          f"{worst:.4f} px (target {TARGET_PX}); held to 4 sigma: {sorted(relaxed)} (worst "
          f"{worst_rel:.4f} px)")
    return worst


# --------------------------------------------------------------------------------------------
# from a drawing
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mm_drawing(tmp_path_factory):
    path = plate_mm(tmp_path_factory.mktemp("dxf") / "plate.dxf", origin=(120.0, -35.0),
                    rot_deg=30.0)
    return path, read_dxf(path).geometry


@pytest.fixture(scope="module")
def inch_drawing(tmp_path_factory):
    path = plate_inch(tmp_path_factory.mktemp("dxf") / "plate_in.dxf", origin=(3.0, 1.0))
    return path, read_dxf(path).geometry


@pytest.fixture(scope="module")
def mm_recipe(mm_drawing):
    """The mm plate's recipe on the telecentric station (built once for three tests)."""
    return Recipe.from_dxf(mm_drawing[0], station=MM_PER_PX)


def _truth(recipe, geometry):
    prop = propose(geometry)
    legs = {n: k[1] for n, k in prop.tol_kinds.items()
            if k[0] == "angle"}
    truth = truth_values(recipe.measurements, feats_of(prop), recipe.teach_info["pairs"])
    assert set(truth) == {m.name for m in recipe.measurements}
    return truth, legs


def _dxf_case(drawing, station, poses, recipe=None):
    path, g = drawing
    recipe = recipe or Recipe.from_dxf(path, station=plane_of(station))
    truth, legs = _truth(recipe, g)
    # the drawing's own nominals are the truth
    for m in recipe.measurements:
        assert m.tolerance.nominal == pytest.approx(truth[m.name], abs=1e-5), m.name
    return _check(recipe, station, g, poses, truth, legs)


def test_from_dxf_mm_plate_telecentric(mm_drawing, mm_recipe):
    _dxf_case(mm_drawing, scale_station(), FAST_POSES, mm_recipe)


def test_from_dxf_inch_plate_pinhole(inch_drawing):
    _dxf_case(inch_drawing, pinhole_station(), FAST_POSES)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["mm", "inch"])
@pytest.mark.parametrize("kind", ["pinhole", "scale"])
def test_from_dxf_sweep(which, kind, mm_drawing, inch_drawing):
    station = pinhole_station() if kind == "pinhole" else scale_station()
    _dxf_case(mm_drawing if which == "mm" else inch_drawing, station, SLOW_POSES)


def test_from_dxf_recipe_content(mm_recipe):
    recipe = mm_recipe
    names = [t.name for t in recipe.tools]
    assert names[:3] == ["hole_1", "hole_2", "hole_3"]
    assert {"slot_1_width", "arc_1", "slot_1_end_1", "slot_1_side_1"} <= set(names)
    kinds = {type(t).__name__ for t in recipe.tools}
    assert kinds == {"CircleTool", "LineTool", "EdgePairTool"}
    arc = [t for t in recipe.tools if t.name == "arc_1"][0]
    assert 70 < arc.arc_deg[1] < 90                       # a trimmed quarter arc
    d = recipe.to_dict()
    assert d["units"] == "mm" and d["model"]["frame"]["y_up"] is True
    # tool coordinates are the drawing's own (the Ø6 hole drawn at (9, 9) in the part frame)
    hole = [t for t in d["tools"] if t["name"] == "hole_3"][0]
    x, y = 120.0 + 9 * math.cos(math.radians(30)) - 9 * math.sin(math.radians(30)), \
        -35.0 + 9 * math.sin(math.radians(30)) + 9 * math.cos(math.radians(30))
    assert hole["center_xy"] == pytest.approx([x, y], abs=1e-6)
    assert hole["radius"] == pytest.approx(3.0)
    # the drawing's toleranced dimensions replaced the ISO 2768 ones
    by = {m.name: m for m in recipe.measurements}
    assert (by["hole_3_diameter"].tolerance.lower, by["hole_3_diameter"].tolerance.upper) == \
        pytest.approx((-0.01, 0.02))
    assert by["hole_1_to_hole_2"].tolerance.upper == pytest.approx(0.05)
    assert by["edge_2_to_edge_4"].tolerance.upper == pytest.approx(0.3)   # 48 mm, ISO 2768-m
    assert len(recipe.teach_info["dimensions"]) == 3
    chamfer = [m for m in recipe.measurements if m.type == "angle"
               and m.tolerance.upper == pytest.approx(0.25)]
    assert len(chamfer) == 1 and chamfer[0].tolerance.nominal == pytest.approx(45.0)
    text = recipe.describe()
    for n in names + list(by):
        assert n in text


def test_out_of_tolerance_parts_fail_the_right_measurements(mm_drawing, mm_recipe, tmp_path):
    path, g = mm_drawing
    station = scale_station()
    recipe = mm_recipe
    nominal = {m.name: m.tolerance for m in recipe.measurements}
    bent = plate_mm(tmp_path / "moved.dxf", origin=(120.0, -35.0), rot_deg=30.0,
                    hole_shift=(0.5, 0.0))
    cases = {"scaled 1.01": g.transformed(Pose2D(0, 0, 0, 1.01)),
             "hole moved 0.5 mm": read_dxf(bent).geometry}
    for label, geom in cases.items():
        prop = propose(geom)
        truth = truth_values(recipe.measurements, feats_of(prop), recipe.teach_info["pairs"])
        img = render(station, geom, pose_at(station, geom, 61.0, (1.0, 1.0)), rng=7)
        res = recipe.run(img)
        assert res.status == "fail", label
        n_fail = 0
        for m in res.measurements:
            tol = nominal[m.name]
            t = truth[m.name]
            margin = min(abs(t - tol.min), abs(t - tol.max))
            if margin < 0.1 * MM_PER_PX:      # within 0.1 px of a limit: either answer is fair
                continue
            expected = tol.min <= t <= tol.max
            assert m.passed == expected, (label, m.name, m.value, t, tol)
            n_fail += not expected
        assert n_fail >= 1
        print(f"\n{label}: {n_fail} measurements out of tolerance, as the geometry says")


# --------------------------------------------------------------------------------------------
# from a golden image
# --------------------------------------------------------------------------------------------
def _to_part(station, recipe, golden_pose, res_pose, pts_model):
    """Model-frame px of a taught recipe -> drawing part frame mm (through the golden match)."""
    view = res_pose.apply(np.asarray(pts_model, float).reshape(-1, 2))
    if recipe.model_spec.rectify is not None:
        plane_mm = recipe.model_spec.rectify.to_mm(view)
    else:
        plane_mm = view * recipe.station.plane.pixel_size_mm
    return golden_pose.inverse().apply(plane_mm)


def _match_taught(recipe, station, golden, golden_pose, geometry):
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
            c = _to_part(station, recipe, golden_pose, P, [t.center_xy])[0]
            r = t.radius * P.scale * s
            full = t.arc_deg[1] >= 360
            for f in drawing:
                if isinstance(f.primitive, Arc) and f.primitive.is_full == full and \
                        np.hypot(*(np.asarray(f.primitive.center) - c)) < 0.5 * s and \
                        abs(f.primitive.radius - r) < 0.5 * s:
                    hit = f
        elif kind == "LineTool":
            a, b = _to_part(station, recipe, golden_pose, P, [t.p0_xy, t.p1_xy])
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


@pytest.mark.parametrize("kind", ["pinhole", pytest.param("scale", marks=pytest.mark.slow)])
def test_teach_recovers_the_drawing_and_measures_unseen_poses(kind, mm_drawing):
    _, g = mm_drawing
    station = pinhole_station() if kind == "pinhole" else scale_station()
    golden_pose = pose_at(station, g, 8.0, (0.5, 0.5))
    golden = render(station, g, golden_pose, rng=99)
    recipe = Recipe.teach(golden, station=plane_of(station))
    found, spurious, drawing = _match_taught(recipe, station, golden, golden_pose, g)
    assert spurious == []
    matched = {id(f.primitive) for f in found.values()}
    holes = [f for f in drawing if f.kind == "circle"]
    long_edges = [f for f in drawing if f.kind == "line" and f.primitive.length / MM_PER_PX > 40]
    missed = [f.name for f in holes + long_edges if id(f.primitive) not in matched]
    assert missed == []
    arcs = [f for f in drawing if f.kind == "arc"]
    print(f"\nteach ({kind}): {len(recipe.tools)} tools; holes {len(holes)}/{len(holes)}, edges "
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
        assert err <= _bound(m, legs), (m.name, err, _bound(m, legs))
    _check(recipe, station, g, FAST_POSES, truth, legs, seed=40)


def test_teach_dark_part_and_roi():
    """A back-lit (dark) part: polarity found, the same features recovered; an ROI works."""
    from metrology.teach.geometry import PartGeometry

    g = PartGeometry.from_polygons([[0, 0], [30, 0], [30, 20], [0, 20]])
    g = PartGeometry(g.outline, (PartGeometry.from_polygons(
        [[10, 6], [20, 6], [20, 14], [10, 14]]).outline,))
    station = ScaleStation(0.1, (640, 480))
    img = render(station, g, pose_at(station, g, 12.0), polarity="dark", rng=3)
    recipe = Recipe.teach(img, station=0.1, roi=(100, 60, 440, 360))
    assert recipe.teach_info["polarity"] == "dark"
    assert recipe.teach_info["counts"] == {"line": 8}
    res = recipe.run(render(station, g, pose_at(station, g, -40.0), polarity="dark", rng=4))
    assert res.status == "pass", res.error
    widths = sorted(m.value for m in res.measurements if m.type == "distance")
    truth = sorted(m["nominal_mm"] for m in propose(g).measurements if m["type"] == "distance")
    assert len(widths) == len(truth) >= 6
    assert widths == pytest.approx(truth, abs=TARGET_PX * 0.1)
