"""Recipe schema: round trips and validation messages that name the bad field."""

from __future__ import annotations

import copy
import json

import pytest

from metrology.errors import FileFormatError
from metrology.inspect import Recipe, Tolerance
from metrology.inspect.recipe import RECIPE_FORMAT, RECIPE_VERSION

BASE = {
    "name": "plate",
    "station": {"pixel_size_mm": 0.05},
    "tools": [
        {"name": "hole", "type": "circle", "center_xy": [0, 0], "radius": 40,
         "num_calipers": 32, "caliper_length": 20},
        {"name": "left", "type": "line", "p0_xy": [-100, -50], "p1_xy": [-100, 50]},
        {"name": "bottom", "type": "LineTool", "p0_xy": [-80, 60], "p1_xy": [80, 60]},
        {"name": "web", "type": "edge_pair", "p0_xy": [50, 20], "p1_xy": [50, 80]},
        {"name": "slot", "type": "ellipse", "center_xy": [30, 0], "semi_axes": [20, 10]},
    ],
    "measurements": [
        {"name": "d", "type": "diameter", "feature": "hole", "nominal_mm": 4.0,
         "tolerance_mm": 0.02},
        {"name": "dist", "type": "distance", "from": "hole", "to": "left",
         "nominal_mm": 5.0, "tolerance_mm": [-0.01, 0.03]},
        {"name": "ang", "type": "angle", "from": "left", "to": "bottom",
         "nominal_deg": 90, "tolerance_deg": 0.2},
        {"name": "w", "type": "width", "feature": "web", "min_mm": 1.0},
        {"name": "major", "type": "diameter", "feature": "slot", "which": "major"},
        {"name": "px", "type": "position", "feature": "hole",
         "datum": {"origin": "left", "x_axis": "bottom", "y_towards": "hole"}, "axis": "x",
         "nominal_mm": 5.0, "tolerance_mm": 0.05},
        {"name": "tp", "type": "position", "feature": "hole",
         "datum": {"origin": "left", "x_axis": "bottom"}, "axis": "true_position",
         "nominal_xy_mm": [5.0, 3.0], "max_mm": 0.1},
    ],
}


def _doc(**changes):
    d = copy.deepcopy(BASE)
    d.update(changes)
    return d


def test_round_trip_through_file(tmp_path):
    r = Recipe.from_dict(BASE, tmp_path)
    p = r.save(tmp_path / "a.recipe.json")
    doc = json.loads(p.read_text())
    assert doc["format"] == RECIPE_FORMAT and doc["version"] == RECIPE_VERSION
    r2 = Recipe.load(p)
    assert r2.to_dict() == r.to_dict()
    assert [t.name for t in r2.tools] == ["hole", "left", "bottom", "web", "slot"]
    m = {m.name: m for m in r2.measurements}
    assert m["dist"].tolerance.min == pytest.approx(4.99)
    assert m["dist"].tolerance.max == pytest.approx(5.03)
    assert m["w"].tolerance.min == 1.0 and m["w"].tolerance.max == float("inf")


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["tools"].append({"name": "x", "type": "blob"}), "tools[5].type"),
    (lambda d: d["tools"][0].pop("radius"), "tools[0] ('hole'): missing field 'radius'"),
    (lambda d: d["tools"][0].update(radius=-3), "tools[0] ('hole'): radius"),
    (lambda d: d["tools"][1].update(p1_xy=[1, "a"]), "tools[1] ('left'): p1_xy"),
    (lambda d: d["tools"][0].update(bogus=1), "unknown field(s) ['bogus']"),
    (lambda d: d["tools"][0].update(num_calipers=-2), "num_calipers"),
    (lambda d: d["tools"][0].pop("name"), "tools[0].name: missing field"),
    (lambda d: d["tools"][2].update(name="left"), "duplicate tool name"),
    (lambda d: d["measurements"][0].update(feature="nope"), "no tool has that name"),
    (lambda d: d["measurements"][0].update(feature="left"), "cannot use the line tool"),
    (lambda d: d["measurements"][0].update(type="volume"), "measurements[0].type"),
    (lambda d: d["measurements"][0].pop("nominal_mm"), "measurements[0].nominal_mm"),
    (lambda d: d["measurements"][1].update(tolerance_mm=[0.01, 0.03]), "lower <= 0 <= upper"),
    (lambda d: d["measurements"][2].update(to="hole"), "cannot use the circle tool"),
    (lambda d: d["measurements"][5]["datum"].pop("x_axis"), "datum.x_axis: missing field"),
    (lambda d: d["measurements"][6].pop("nominal_xy_mm"), "nominal_xy_mm: missing field"),
    (lambda d: d.pop("station"), "station: missing field"),
    (lambda d: d.update(station={"pixel_size_mm": 0}), "station.pixel_size_mm"),
    (lambda d: d.update(station={"calibration": "s.json", "plane": {"viewz": 1}}),
     "station.plane"),
    (lambda d: d.update(model={"min_score": 0.5}), "model.file: missing field"),
    (lambda d: d.update(model={"file": "m.json", "min_score": 2}), "model.min_score"),
    (lambda d: d.update(anomaly={"bank": "b.npz"}), "anomaly.threshold"),
    (lambda d: d.update(extra=1), "unknown field(s) ['extra']"),
    (lambda d: d.update(tools=[]), "at least one tool"),
])
def test_validation_names_the_field(tmp_path, mutate, needle):
    d = copy.deepcopy(BASE)
    mutate(d)
    path = tmp_path / "bad.recipe.json"
    path.write_text(json.dumps({"format": RECIPE_FORMAT, "version": RECIPE_VERSION, **d}))
    with pytest.raises(FileFormatError) as exc:
        Recipe.load(path)
    assert needle in str(exc.value)
    assert str(path) in str(exc.value)


def test_corrupt_and_foreign_files(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('{"format": "metrology.recipe", "version": 1, "tools": [')
    with pytest.raises(FileFormatError, match="not a valid JSON"):
        Recipe.load(p)
    p.write_text(json.dumps({"format": "metrology.shape_model", "version": 1}))
    with pytest.raises(FileFormatError, match="'format'"):
        Recipe.load(p)
    p.write_text(json.dumps({"format": RECIPE_FORMAT, "version": 99}))
    with pytest.raises(FileFormatError, match="'version'"):
        Recipe.load(p)


def test_tolerance_limits():
    t = Tolerance(6.0, -0.02, 0.01)
    assert t.check(5.98) and t.check(6.01) and not t.check(6.0100001)
    assert not t.check(float("nan"))
    with pytest.raises(FileFormatError):
        Tolerance(1.0, 0.1, -0.1)


def test_tools_are_caliper_tools_and_save_compactly(tmp_path):
    from metrology.caliper import CircleTool, LineTool

    r = Recipe.from_dict(BASE, tmp_path)
    assert isinstance(r.tools[0], CircleTool) and isinstance(r.tools[1], LineTool)
    d = r.to_dict()["tools"][0]
    assert d == {"type": "circle", "name": "hole", "center_xy": [0.0, 0.0], "radius": 40.0,
                 "caliper_length": 20.0}  # num_calipers 32 is the default: omitted


def test_the_recipe_module_docstring_shows_a_recipe_the_loader_accepts(tmp_path):
    import re

    from metrology.inspect import recipe as recipe_module

    text = recipe_module.__doc__
    block = text[text.index("{"):text.index("Tool entries")]
    doc = json.loads(re.sub(r"\s+", " ", block).strip())
    r = Recipe.from_dict(doc, tmp_path)
    assert [t.name for t in r.tools] == ["hole", "left"]
    assert r.tools[0].caliper_size == (16.0, None) and r.tools[0].edges.threshold == 30.0
    assert r.anomaly_spec.threshold == 0.35


def test_station_plane_from_a_board_image_of_another_board():
    from metrology.inspect import StationSpec

    spec = StationSpec.from_dict({"calibration": "s.json", "plane": {
        "board_image": "p.png", "board": {"cols": 11, "rows": 8, "square_mm": 3}}})
    assert spec.plane == {"board_image": "p.png",
                          "board": {"cols": 11, "rows": 8, "square_mm": 3}}
    with pytest.raises(FileFormatError, match="station.plane.board"):
        StationSpec.from_dict({"calibration": "s.json", "plane": {
            "board_image": "p.png", "board": {"cols": 11}}})
