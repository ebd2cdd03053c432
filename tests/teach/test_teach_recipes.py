"""Recipes from DXF drawings and from golden images, measured on unseen poses against the truth.

Scenes: the drawings of ``teach_helpers`` (a 48 x 30 mm plate drawn rotated 30 deg about an
offset origin, with a chamfer, an R6 corner, three holes, a narrow slot and toleranced
dimensions; a 1.8 x 1.2 inch plate from a bulged polyline and block inserts) rendered by
:mod:`metrology.synth.drawn` at 0.08 mm/px, blur 0.9 px, noise 1.5 gray levels, 8 bits, through
(a) the demo's distorted pinhole camera over a plane tilted (3, -2) deg and (b) a telecentric /
scale station.

Target (issue 13): every nominal measured within 0.05 px-equivalent (mm / (mm/px); an angle
error times its shorter leg in px).  The taught tools are sized so that each measurement's
predicted 1-sigma (the Cramer-Rao bound of its edge pixels, ``recipe.teach_info
["predicted_sigma_px"]``) is at most 0.0125 px, a quarter of the target, wherever the geometry
allows it: the R6 quarter arc's radius and the slot's centre distance are fitted jointly with the
edges they are tangent to (predicted 0.0086 and 0.0066 px, where the arcs alone gave 0.026 and
0.02).  The only exception allowed is a measurement whose *predicted* 1-sigma exceeds 0.0125 px
(the recipe warns about it, naming the features that limit it); it is held to 4 predicted sigma
instead, and its name is printed.  None of the drawings here has one.
"""

from __future__ import annotations

import math

import pytest
from teach_checks import FAST_POSES, SLOW_POSES, TARGET_PX, dxf_case, teach_case
from teach_helpers import (MM_PER_PX, feats_of, pinhole_station, plate_inch, plate_mm, pose_at,
                           render, scale_station, truth_values)

from metrology.core.pose import Pose2D
from metrology.inspect import Recipe
from metrology.synth.drawn import ScaleStation
from metrology.teach.dxf import read_dxf
from metrology.teach.proposals import propose


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


def test_from_dxf_mm_plate_telecentric(mm_drawing, mm_recipe):
    dxf_case(mm_drawing, scale_station(), FAST_POSES, mm_recipe)


def test_from_dxf_inch_plate_pinhole(inch_drawing):
    dxf_case(inch_drawing, pinhole_station(), FAST_POSES)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["mm", "inch"])
@pytest.mark.parametrize("kind", ["pinhole", "scale"])
def test_from_dxf_sweep(which, kind, mm_drawing, inch_drawing):
    station = pinhole_station() if kind == "pinhole" else scale_station()
    dxf_case(mm_drawing if which == "mm" else inch_drawing, station, SLOW_POSES)


def test_from_dxf_recipe_content(mm_recipe):
    recipe = mm_recipe
    names = [t.name for t in recipe.tools]
    assert names[:3] == ["hole_1", "hole_2", "hole_3"]
    assert {"slot_1_width", "arc_1", "slot_1_end_1", "slot_1_side_1"} <= set(names)
    kinds = {type(t).__name__ for t in recipe.tools}
    assert kinds == {"CircleTool", "LineTool", "EdgePairTool"}
    arc = [t for t in recipe.tools if t.name == "arc_1"][0]
    assert 80 < arc.arc_deg[1] < 90            # a quarter arc, a blur margin off each end
    # the R6 fillet and the slot's ends are measured jointly with the edges they touch
    by_m = {m.name: m for m in recipe.measurements}
    assert len(by_m["arc_1_radius"].tangent_to) == 2
    assert set(by_m["slot_1_centres"].tangent_to) == {"slot_1_side_1", "slot_1_side_2"}
    # every measurement's predicted 1 sigma reaches a quarter of the target: no warning
    pred = recipe.teach_info["predicted_sigma_px"]
    assert set(pred) == set(by_m) and max(pred.values()) <= TARGET_PX / 4
    assert recipe.teach_info["warnings"] == []
    # the slot's width: one edge-pair caliper along the whole stretch where the flanks run
    # clear (10 mm = 125 px less a blur margin at each end), not a 10 px stub
    pair = [t for t in recipe.tools if t.name == "slot_1_width"][0]
    assert 110 < pair.width < 125                      # model px (0.08 mm)
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


def test_out_of_tolerance_parts_fail_a_taught_recipe(mm_drawing, tmp_path):
    """The same two bad parts against a recipe taught on a golden image of the good one: the
    taught nominals carry the golden part's measurement noise (within the target of the
    truth), so a measurement fails exactly when the bad part's true value leaves its band."""
    from teach_checks import match_taught

    from metrology.teach.proposals import FeatureSpec

    _, g = mm_drawing
    station = scale_station()
    golden_pose = pose_at(station, g, 8.0, (0.5, 0.5))
    golden = render(station, g, golden_pose, rng=99)
    recipe = Recipe.teach(golden, station=MM_PER_PX)
    found, spurious, drawing = match_taught(recipe, station, golden, golden_pose, g)
    assert spurious == []
    index = {id(f.primitive): i for i, f in enumerate(drawing)}
    nominal = {m.name: m.tolerance for m in recipe.measurements}
    bent = plate_mm(tmp_path / "moved.dxf", origin=(120.0, -35.0), rot_deg=30.0,
                    hole_shift=(0.5, 0.0))
    cases = {"scaled 1.01": g.transformed(Pose2D(0, 0, 0, 1.01)),
             "hole moved 0.5 mm": read_dxf(bent).geometry}
    for label, geom in cases.items():
        bad = propose(geom).features
        feats = {t: FeatureSpec(t, f.kind, bad[index[id(f.primitive)]].primitive, f.loop,
                                f.material_outside) for t, f in found.items()}
        truth = truth_values(recipe.measurements, feats, recipe.teach_info["pairs"])
        img = render(station, geom, pose_at(station, geom, -47.0, (1.0, -1.0)), rng=8)
        res = recipe.run(img)
        assert res.status == "fail", label
        n_fail = 0
        for m in res.measurements:
            tol = nominal[m.name]
            if tol is None or m.name not in truth:
                continue
            t = truth[m.name]
            if min(abs(t - tol.min), abs(t - tol.max)) < 0.1 * MM_PER_PX:
                continue
            expected = tol.min <= t <= tol.max
            assert m.passed == expected, (label, m.name, m.value, t, tol)
            n_fail += not expected
        assert n_fail >= 1
        print(f"\n{label} (taught recipe): {n_fail} measurements out of tolerance, as the "
              f"geometry says")


# --------------------------------------------------------------------------------------------
# from a golden image
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["pinhole", pytest.param("scale", marks=pytest.mark.slow)])
def test_teach_recovers_the_drawing_and_measures_unseen_poses(kind, mm_drawing):
    _, g = mm_drawing
    station = pinhole_station() if kind == "pinhole" else scale_station()
    teach_case(g, station, FAST_POSES, label=f"mm plate, {kind}")


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
