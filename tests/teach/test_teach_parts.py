"""Teaching parts no one tuned it for (``teach_parts``): a flange with a D-cut and a bolt circle,
an L-bracket with a chamfer, a concave fillet and two slotted holes; both routes (drawing and
golden image), pinhole and telecentric stations, measured against the drawing's truth on unseen
poses (0.05 px for every measurement; 4 predicted sigma only where the recipe itself warns that
the geometry allows no better, see ``teach_checks.bound_px``).  ``--runslow`` for every
combination over six poses; ``python tests/teach/teach_sweep.py --parts flange,l_bracket`` for
the per-measurement table.
"""

from __future__ import annotations

import pytest
from teach_checks import FAST_POSES, SLOW_POSES, dxf_case, teach_case
from teach_helpers import MM_PER_PX, pinhole_station, scale_station
from teach_parts import block_plate, flange, l_bracket

from metrology.inspect import Recipe
from metrology.teach.dxf import read_dxf

PARTS = {"flange": flange, "l_bracket": l_bracket, "block_plate": block_plate}


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    out = {}
    for name, make in PARTS.items():
        path = make(folder / f"{name}.dxf")
        out[name] = (path, read_dxf(path).geometry)
    return out


def test_flange_recipe(drawings):
    """Seven holes (the bore the largest), the outline arc and the D-cut's flat; no two
    perpendicular edges, so the bore is the datum: the bolt holes' distance from it (the pitch
    radius, 15 mm) and the flat's (17 mm)."""
    recipe = Recipe.from_dxf(drawings["flange"][0], station=MM_PER_PX)
    kinds = [type(t).__name__ for t in recipe.tools]
    assert kinds.count("CircleTool") == 8 and kinds.count("LineTool") == 1
    bore = [t for t in recipe.tools_as_given if getattr(t, "radius", 0) == pytest.approx(6.0)]
    assert len(bore) == 1 and bore[0].arc_deg[1] == 360.0
    by = {m.name: m for m in recipe.measurements}
    from_bore = [m for m in recipe.measurements if m.type == "distance"
                 and bore[0].name in m.features]
    assert sorted(round(m.tolerance.nominal, 6) for m in from_bore) == [15.0] * 6 + [17.0]
    assert any("largest hole" in n for n in recipe.teach_info["notes"])
    assert by["arc_1_radius"].tolerance.nominal == pytest.approx(20.0)
    assert recipe.teach_info["warnings"] == []
    # the two bolt holes 2 mm from the flat keep full-circle tools (shorter calipers instead)
    holes = [t for t in recipe.tools_as_given if getattr(t, "radius", 0) == pytest.approx(2.0)]
    assert len(holes) == 6 and all(t.arc_deg[1] == 360.0 for t in holes)


def test_l_bracket_recipe(drawings):
    recipe = Recipe.from_dxf(drawings["l_bracket"][0], station=MM_PER_PX)
    by = {m.name: m for m in recipe.measurements}
    names = {t.name for t in recipe.tools}
    assert {"hole_1", "arc_1", "slot_1_width"} <= names          # the 3 mm slot: an edge pair
    assert sum(n.startswith("edge_") for n in names) == 7
    assert len(by["arc_1_radius"].tangent_to) == 2               # the concave fillet
    assert by["arc_1_radius"].tolerance.nominal == pytest.approx(3.0)
    assert by["slot_2_width"].type == "distance"                 # 4 mm: wider than 40 px
    for k in (1, 2):
        assert set(by[f"slot_{k}_centres"].tangent_to) == {f"slot_{k}_side_1",
                                                           f"slot_{k}_side_2"}
        for e in (1, 2):
            for axis in ("x", "y"):
                m = by[f"slot_{k}_end_{e}_position_{axis}"]
                assert m.datum is not None and len(m.tangent_to) == 2
    chamfer = [m for m in recipe.measurements if m.type == "angle"
               and m.tolerance.nominal == pytest.approx(45.0)]
    assert len(chamfer) == 2


def test_flange_from_dxf_telecentric(drawings):
    dxf_case(drawings["flange"], scale_station(), FAST_POSES)


def test_l_bracket_teach_pinhole(drawings):
    teach_case(drawings["l_bracket"][1], pinhole_station(), FAST_POSES, label="L-bracket, pinhole")


@pytest.mark.slow
@pytest.mark.parametrize("route", ["dxf", "teach"])
@pytest.mark.parametrize("kind", ["pinhole", "scale"])
@pytest.mark.parametrize("part", sorted(PARTS))
def test_parts_sweep(part, kind, route, drawings):
    station = pinhole_station() if kind == "pinhole" else scale_station()
    if route == "dxf":
        dxf_case(drawings[part], station, SLOW_POSES)
    else:
        teach_case(drawings[part][1], station, SLOW_POSES, label=f"{part}, {kind}")


def test_block_plate_from_dxf_pinhole(drawings):
    """The CAD-export drawing (a rotated block, nested and mirrored inserts, a hole as two
    bulged halves and one as a 72-gon, a slot of LINEs and ARCs, inch units): four holes
    and the slot's ends measured, every nominal within the target on unseen poses."""
    recipe = Recipe.from_dxf(drawings["block_plate"][0], station=MM_PER_PX)
    assert sum(m.type == "diameter" for m in recipe.measurements) == 4
    assert {"slot_1_side_1", "slot_1_end_1", "slot_1_end_2"} <= {t.name for t in recipe.tools}
    dxf_case(drawings["block_plate"], pinhole_station(), FAST_POSES)


def test_recipe_saved_and_loaded_keeps_tangent_measurements(drawings, tmp_path):
    recipe = Recipe.from_dxf(drawings["l_bracket"][0], station=MM_PER_PX)
    recipe.save(tmp_path / "b.recipe.json")
    back = Recipe.load(tmp_path / "b.recipe.json")
    assert [m.to_dict() for m in back.measurements] == [m.to_dict() for m in recipe.measurements]
    assert sum(bool(m.tangent_to) for m in back.measurements) == 15
