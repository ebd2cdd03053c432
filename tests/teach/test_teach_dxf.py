"""DXF reading: entities, units, blocks, OCS, chaining, dimensions, and one clear error per bad
input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrology.errors import FileFormatError, InputError, MetrologyError
from metrology.teach.dxf import read_dxf
from metrology.teach.geometry import Arc, EllipseArc, Line, Polyline

from teach_helpers import ezdxf, plate_inch, plate_mm


def _kinds(loop):
    return [type(p).__name__ for p in loop.items]


def test_plate_mm_outline_holes_slot_and_dimensions(tmp_path):
    d = read_dxf(plate_mm(tmp_path / "p.dxf"))
    g = d.geometry
    assert d.units == "mm" and d.mm_per_unit == 1.0
    assert sorted(_kinds(g.outline)) == ["Arc", "Line", "Line", "Line", "Line", "Line"]
    assert len(g.holes) == 4                      # three holes and the slot
    # exact areas: plate - chamfer - corner + (R6 quarter) - holes - slot
    plate = 48 * 30 - 12.5 - (36 - 9 * math.pi)
    holes = math.pi * (9 + 4 + 16) + (10 * 2.4 + 1.44 * math.pi)
    assert g.area == pytest.approx(plate - holes, rel=1e-7)   # polygon of chord error 1e-7 x size
    # y mirrored into the part frame: the drawing's (9, 9) hole is at (9, -9)
    centres = sorted(tuple(np.round(h.items[0].center, 9)) for h in g.holes if len(h.items) == 1)
    assert (9.0, -9.0) in centres and (38.0, -14.0) in centres
    assert d.counts["ignored:TEXT"] == 1 and d.counts["DIMENSION"] == 3
    dia = [x for x in d.dimensions if x.kind == "diameter"][0]
    assert dia.value == pytest.approx(6.0) and (dia.lower, dia.upper) == (-0.01, 0.02)
    ang = [x for x in d.dimensions if x.kind == "angular"][0]
    assert min(ang.value, 180 - ang.value) == pytest.approx(45.0)   # 135 or 45, as drawn
    assert ang.upper == pytest.approx(0.25)
    assert len(ang.points) == 4
    lin = [x for x in d.dimensions if x.kind in ("linear", "aligned")][0]
    assert lin.value == pytest.approx(math.hypot(29, 8)) and lin.upper == pytest.approx(0.05)


def test_rotated_offset_drawing_is_the_same_part(tmp_path):
    a = read_dxf(plate_mm(tmp_path / "a.dxf")).geometry
    b = read_dxf(plate_mm(tmp_path / "b.dxf", origin=(120.0, -35.0), rot_deg=30.0)).geometry
    assert b.area == pytest.approx(a.area, rel=1e-7)
    assert b.outline.length == pytest.approx(a.outline.length, rel=1e-12)
    ra = sorted(h.items[0].radius for h in a.holes if len(h.items) == 1)
    rb = sorted(h.items[0].radius for h in b.holes if len(h.items) == 1)
    assert rb == pytest.approx(ra, abs=1e-12)


def test_inch_units_polyline_bulge_and_block_inserts(tmp_path):
    d = read_dxf(plate_inch(tmp_path / "i.dxf", origin=(3.0, 1.0)))
    assert d.units == "inch" and d.mm_per_unit == 25.4
    arcs = [p for p in d.geometry.outline.items if isinstance(p, Arc)]
    assert len(arcs) == 1 and arcs[0].radius == pytest.approx(0.25 * 25.4, abs=1e-9)
    assert abs(arcs[0].extent_deg) == pytest.approx(90.0)
    radii = sorted(h.items[0].radius for h in d.geometry.holes)
    assert radii == pytest.approx([0.1 * 25.4, 0.15 * 25.4])    # the block, scaled 1.5x once
    centre = [h.items[0] for h in d.geometry.holes if h.items[0].radius < 3][0].center
    assert centre == pytest.approx((3.4 * 25.4, -1.4 * 25.4))
    assert "in block 'HOLE'" in d.geometry.holes[0].items[0].source
    # units= overrides the header (the same drawing read as mm)
    assert read_dxf(tmp_path / "i.dxf", units="mm").mm_per_unit == 1.0


def test_ellipse_spline_mirrored_arc_and_layer(tmp_path):
    doc = ezdxf.new(units=4)
    msp = doc.modelspace()
    doc.layers.add("PART")
    doc.layers.add("NOTES")
    doc.layers.add("BORDER")
    at = {"layer": "PART"}
    # outline: bottom line, right side a spline, top line, left side a half ellipse
    msp.add_line((0, 0), (30, 0), dxfattribs=at)
    msp.add_spline([(30, 0), (33, 5), (31, 10), (30, 15)], dxfattribs=at)
    msp.add_line((30, 15), (0, 15), dxfattribs=at)
    msp.add_ellipse((0, 7.5), major_axis=(0, 7.5), ratio=0.4, start_param=0, end_param=math.pi,
                    dxfattribs=at)
    # a hole drawn as an arc pair with extrusion (0, 0, -1) (mirrored CAD geometry)
    msp.add_arc((-10, 5), 2.0, 0, 180, dxfattribs={**at, "extrusion": (0, 0, -1)})
    msp.add_arc((-10, 5), 2.0, 180, 360, dxfattribs={**at, "extrusion": (0, 0, -1)})
    msp.add_circle((100, 100), 5, dxfattribs={"layer": "NOTES"})   # outside: other layer
    msp.add_ellipse((20, 7.5), major_axis=(4, 0), ratio=0.5, dxfattribs=at)   # elliptic hole
    path = tmp_path / "e.dxf"
    doc.saveas(path)
    d = read_dxf(path, layer="PART")
    kinds = _kinds(d.geometry.outline)
    assert "Polyline" in kinds and "EllipseArc" in kinds
    holes = {type(h.items[0]).__name__: h for h in d.geometry.holes}
    e = holes["EllipseArc"].items[0]
    assert e.semi_axes == pytest.approx((4.0, 2.0)) and e.is_full
    # the mirrored arcs: centre x -> +10 in world coordinates (OCS x is flipped)
    arc_hole = [h for h in d.geometry.holes if isinstance(h.items[0], Arc)][0]
    assert arc_hole.items[0].center == pytest.approx((10.0, -5.0))
    assert abs(arc_hole.area) == pytest.approx(math.pi * 4.0, rel=1e-6)
    spl = [p for p in d.geometry.outline.items if isinstance(p, Polyline)][0]
    assert spl.start == pytest.approx((30.0, 0.0)) or spl.end == pytest.approx((30.0, 0.0))
    # the whole model space has a circle far outside the outline: another part, left out
    d_all = read_dxf(path)
    assert len(d_all.ignored) == 1 and "CIRCLE" in d_all.ignored[0]
    assert d_all.counts["ignored:outlines outside the part"] == 1
    assert len(d_all.geometry.holes) == len(d.geometry.holes)
    # a border drawn around the part makes the part an island inside it: refused, saying why
    msp.add_lwpolyline([(-40, -20), (150, -20), (150, 130), (-40, 130)], close=True,
                       dxfattribs={"layer": "BORDER"})
    doc.saveas(path)
    with pytest.raises(FileFormatError, match="border or title block.*layer="):
        read_dxf(path)
    assert len(read_dxf(path, layer="PART").geometry.holes) == len(d.geometry.holes)
    assert isinstance(d.geometry.outline.items[0], (Line, Polyline, EllipseArc))


# --------------------------------------------------------------------------------------------
# bad input: one clear error each, from the library's tree
# --------------------------------------------------------------------------------------------
def _save(doc, path):
    doc.saveas(path)
    return path


def test_empty_dxf(tmp_path):
    p = _save(ezdxf.new(units=4), tmp_path / "empty.dxf")
    with pytest.raises(FileFormatError, match="no outline in model space: found no entities"):
        read_dxf(p)


def test_empty_file(tmp_path):
    p = tmp_path / "zero.dxf"
    p.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        read_dxf(p)


def test_only_text_and_hatch(tmp_path):
    doc = ezdxf.new(units=4)
    msp = doc.modelspace()
    msp.add_text("hello")
    h = msp.add_hatch()
    h.paths.add_polyline_path([(0, 0), (10, 0), (10, 10)], is_closed=True)
    p = _save(doc, tmp_path / "text.dxf")
    with pytest.raises(FileFormatError, match=r"found only 1 HATCH, 1 TEXT"):
        read_dxf(p)


def test_outline_that_does_not_close_names_entity_and_gap(tmp_path):
    doc = ezdxf.new(units=4)
    msp = doc.modelspace()
    msp.add_line((0, 0), (20, 0))
    msp.add_line((20, 0), (20, 10))
    bad = msp.add_line((20, 10), (0, 10.3))
    msp.add_line((0, 10), (0, 0))
    p = _save(doc, tmp_path / "gap.dxf")
    with pytest.raises(FileFormatError) as ei:
        read_dxf(p)
    msg = str(ei.value)
    assert "does not close" in msg and "0.3 mm away" in msg
    assert f"#{bad.dxf.handle}" in msg or "LINE #" in msg


def test_branching_lines(tmp_path):
    doc = ezdxf.new(units=4)
    msp = doc.modelspace()
    for a, b in (((0, 0), (10, 0)), ((10, 0), (10, 10)), ((10, 10), (0, 10)), ((0, 10), (0, 0)),
                 ((0, 0), (10, 10))):
        msp.add_line(a, b)
    with pytest.raises(FileFormatError, match="3 curves meet"):
        read_dxf(_save(doc, tmp_path / "branch.dxf"))


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                                     b"0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\nabc\n"],
                         ids=["binary", "corrupt"])
def test_binary_or_corrupt_file(tmp_path, content):
    p = tmp_path / "bad.dxf"
    p.write_bytes(content)
    with pytest.raises(FileFormatError, match="not a readable DXF file|cannot read|no outline"):
        read_dxf(p)


@pytest.mark.parametrize("code", [0, 42])
def test_unitless_or_unknown_units(tmp_path, code):
    doc = ezdxf.new()
    doc.header["$INSUNITS"] = code
    doc.modelspace().add_circle((0, 0), 5)
    p = _save(doc, tmp_path / "u.dxf")
    with pytest.raises(FileFormatError, match="pass units='mm'"):
        read_dxf(p)
    assert read_dxf(p, units="cm").geometry.outline.items[0].radius == pytest.approx(50.0)
    with pytest.raises(InputError, match="units: expected one of"):
        read_dxf(p, units="furlong")


def test_missing_file_and_layer(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_dxf(tmp_path / "nope.dxf")
    p = plate_mm(tmp_path / "p.dxf")
    with pytest.raises(FileFormatError, match="no layer 'XYZ'"):
        read_dxf(p, layer="XYZ")


def test_every_error_is_a_metrology_error(tmp_path):
    """The bad inputs above never leak ezdxf's own exceptions."""
    p = tmp_path / "junk.dxf"
    p.write_text("0\nSECTION\n2\nHEADER\n9\n$INSUNITS\n70\nnot-a-number\n0\nENDSEC\n0\nEOF\n")
    with pytest.raises(MetrologyError):
        read_dxf(p)


def test_centre_lines_and_duplicates_are_not_outline(tmp_path):
    """Drafting habits of real drawings: centre lines through the holes (linetype CENTER, on
    their own layer or per entity; or continuous, touching nothing) and curves drawn twice."""
    doc = ezdxf.new(units=4)
    if "CENTER" not in doc.linetypes:
        doc.linetypes.add("CENTER", pattern=[2.0, 1.25, -0.25, 0.25, -0.25])
    doc.layers.add("AXES", linetype="CENTER")
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (40, 0), (40, 20), (0, 20)], close=True)
    msp.add_line((0, 0), (40, 0))                                  # drawn twice
    msp.add_line((40, 0), (0, 0))                                  # and once more, reversed
    msp.add_circle((10, 10), 3)
    msp.add_circle((10, 10), 3)                                    # duplicate hole
    msp.add_line((5, 10), (15, 10), dxfattribs={"layer": "AXES"})
    msp.add_line((10, 5), (10, 15), dxfattribs={"linetype": "CENTER"})
    p = _save(doc, tmp_path / "cl.dxf")
    # read as curves (all_linetypes, or a centre cross drawn continuous), the centre lines touch
    # nothing: loose lines, left out and counted, not an open outline
    d = read_dxf(p, all_linetypes=True)
    assert d.counts["ignored:loose lines (centre marks, construction)"] == 2
    assert len(d.geometry.holes) == 1 and len(d.geometry.outline.items) == 4
    d = read_dxf(p)
    assert d.counts["ignored:LINE (center line)"] == 2
    assert len(d.geometry.holes) == 1


def test_collinear_pieces_are_one_edge(tmp_path):
    """A polyline with extra vertices along its sides (as CAD exports often write them) and a
    side drawn as two lines: one edge each."""
    doc = ezdxf.new(units=4)
    msp = doc.modelspace()
    xs = np.linspace(0, 40, 9)
    pts = [(x, 0.0) for x in xs] + [(40.0, 10.0), (40.0, 20.0)]
    msp.add_lwpolyline(pts, close=False)
    msp.add_line((40, 20), (20, 20))
    msp.add_line((20, 20), (0, 20))
    msp.add_line((0, 20), (0, 0))
    d = read_dxf(_save(doc, tmp_path / "col.dxf"))
    assert [type(p).__name__ for p in d.geometry.outline.items] == ["Line"] * 4
    assert sorted(round(p.length, 9) for p in d.geometry.outline.items) == [20, 20, 40, 40]


def test_ordinate_and_three_point_angular_dimensions(tmp_path):
    """Ordinates from the datum corner match the positions (and, for edges, the distances from
    the edge through the origin) they show; a three-point angle on the chamfer matches its
    angle; an angle between hole centres matches nothing and is listed."""
    from teach_parts import l_bracket

    from metrology.inspect import Recipe

    path = l_bracket(tmp_path / "l.dxf", origin=(0.0, 0.0), rot_deg=0.0, dims=True)
    d = read_dxf(path)
    kinds = sorted((x.kind, x.axis) for x in d.dimensions if x.kind != "angular3")
    assert kinds == [("ordinate", "x")] * 3 + [("ordinate", "y")] * 2
    r = Recipe.from_dxf(path, station=0.08)
    report = r.teach_info["dimensions"]
    assert len(report) == 7
    by = {m.name: m for m in r.measurements}
    for axis in ("x", "y"):                     # the hole, +-0.03 from the drawing
        t = by[f"hole_1_position_{axis}"].tolerance
        assert abs(t.nominal) == pytest.approx(6.0) and t.upper == pytest.approx(0.03)
    matched = " ".join(report)
    assert "slot_2_end_1_position_x" in matched
    assert sum("= 40 mm" in x or "= 12 mm" in x for x in report) == 2   # right end, leg top
    chamfer = [m for m in r.measurements if m.type == "angle"
               and m.tolerance.upper == pytest.approx(0.2)]
    assert len(chamfer) == 1 and chamfer[0].tolerance.nominal == pytest.approx(45.0)
    assert sum("not matched" in x for x in report) == 1 and "angular3 90" in matched


def test_cad_export_habits_block_part_polygon_and_split_circles(tmp_path):
    """A part drawn as one rotated, scaled block INSERT (holes from a nested, partly mirrored
    block), a hole as two bulged half circles, one as a 72-gon of chords, a slot as LINEs and
    ARCs: every hole reads as one full circle of the drawn size (the polygon's within 1e-6 mm:
    its vertices lie on the circle), the slot as two sides and two ends, the chamfer a line."""
    from teach_parts import block_plate

    from metrology.teach.geometry import Arc

    d = read_dxf(block_plate(tmp_path / "b.dxf"))
    assert d.units == "inch"
    assert [type(p).__name__ for p in d.geometry.outline.items] == ["Line"] * 5
    holes = sorted(d.geometry.holes, key=lambda lp: len(lp.items))
    circles = [h.items[0] for h in holes if len(h.items) == 1]
    assert len(circles) == 4 and all(isinstance(c, Arc) and c.is_full for c in circles)
    assert sorted(round(c.radius, 6) for c in circles) == pytest.approx(
        [2.032, 2.032, 2.54, 3.048], abs=1e-6)                  # inch x 25.4 x 0.8
    slot = holes[-1]
    assert sorted(type(p).__name__ for p in slot.items) == ["Arc", "Arc", "Line", "Line"]


def test_polygon_runs_become_arcs_but_real_polygons_stay(tmp_path):
    """A fillet drawn as 12 chords between two straight edges is one arc (tangent to them); a
    hexagonal hole (60 deg turns) and a coarse 8-sided one (45 deg) stay polygons."""
    import math

    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    fillet = [(40 + 5 * math.cos(math.radians(a)), 5 + 5 * math.sin(math.radians(a)))
              for a in np.linspace(-90, 0, 13)]
    msp.add_lwpolyline([(0, 0), (40, 0)] + fillet[1:-1] + [(45, 5), (45, 30), (0, 30)],
                       close=True)
    for cx, k in ((10, 6), (25, 8)):
        msp.add_lwpolyline([(cx + 4 * math.cos(2 * math.pi * i / k),
                             15 + 4 * math.sin(2 * math.pi * i / k)) for i in range(k)],
                           close=True)
    d = read_dxf(_save(doc, tmp_path / "f.dxf"))
    kinds = [type(p).__name__ for p in d.geometry.outline.items]
    assert kinds.count("Arc") == 1 and kinds.count("Line") == 4
    arc = [p for p in d.geometry.outline.items if type(p).__name__ == "Arc"][0]
    assert arc.radius == pytest.approx(5.0, abs=1e-9) and abs(arc.extent_deg) == \
        pytest.approx(90.0, abs=1e-6)
    assert sorted(len(h.items) for h in d.geometry.holes) == [6, 8]


def test_rounded_rectangle_drawn_all_in_chords(tmp_path):
    """An outline that is nothing but one polyline of chords and straight sides (every turn
    small): the four straight sides stay lines, the four R5 corners become arcs."""
    import math

    doc = ezdxf.new("R2010", units=4)
    pts = []
    for cx, cy, a0 in ((35, 5, -90), (35, 25, 0), (5, 25, 90), (5, 5, 180)):
        pts += [(cx + 5 * math.cos(math.radians(a)), cy + 5 * math.sin(math.radians(a)))
                for a in np.linspace(a0, a0 + 90, 10)]
    doc.modelspace().add_lwpolyline(pts, close=True)
    d = read_dxf(_save(doc, tmp_path / "r.dxf"))
    items = d.geometry.outline.items
    assert sorted(type(p).__name__ for p in items) == ["Arc"] * 4 + ["Line"] * 4
    assert all(p.radius == pytest.approx(5.0, abs=1e-9) for p in items if isinstance(p, Arc))


def test_splines_that_are_lines_or_circles(tmp_path):
    """CAD exports that write straight edges and holes as SPLINEs: a straight spline is a line,
    a closed rational spline of a circle a hole of its radius (measured, with a tool); a free
    spline stays a free curve."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    msp.add_line((0, 0), (40, 0))
    msp.add_line((40, 0), (40, 20))
    msp.add_spline([(40, 20), (30, 26), (20, 22), (10, 27), (0, 20)])      # free
    msp.add_spline_control_frame([(0, 20), (0, 10), (0, 0)], degree=2)     # straight
    from ezdxf.math import rational_bspline_from_arc

    msp.add_spline().apply_construction_tool(
        rational_bspline_from_arc(center=(10, 10), radius=4.0, start_angle=0, end_angle=360))
    d = read_dxf(_save(doc, tmp_path / "s.dxf"))
    kinds = sorted(type(p).__name__ for p in d.geometry.outline.items)
    assert kinds == ["Line", "Line", "Line", "Polyline"]
    (hole,) = d.geometry.holes
    assert len(hole.items) == 1 and isinstance(hole.items[0], Arc) and hole.items[0].is_full
    assert hole.items[0].radius == pytest.approx(4.0, abs=1e-6)
