"""ISO 2768-1 general tolerances: the published table values, range edges, gaps, parsing."""

from __future__ import annotations

import pytest

from metrology.errors import InputError
from metrology.teach.tolerances import ToleranceRule, general_tolerance, parse_tolerance

# ISO 2768-1:1989 table 1 (linear): one nominal inside each range, m and c rows
LINEAR = [(2.0, "m", 0.1), (5.0, "m", 0.1), (20.0, "m", 0.2), (100.0, "m", 0.3),
          (300.0, "m", 0.5), (800.0, "m", 0.8), (1500.0, "m", 1.2), (3000.0, "m", 2.0),
          (2.0, "f", 0.05), (20.0, "f", 0.1), (100.0, "f", 0.15), (1500.0, "f", 0.5),
          (2.0, "c", 0.2), (5.0, "c", 0.3), (20.0, "c", 0.5), (3000.0, "c", 4.0),
          (5.0, "v", 0.5), (20.0, "v", 1.0), (3000.0, "v", 8.0)]


@pytest.mark.parametrize("nominal,cls,dev", LINEAR)
def test_linear_table(nominal, cls, dev):
    assert general_tolerance(nominal, "linear", cls) == dev


def test_range_edges_belong_to_the_lower_range():
    assert general_tolerance(3.0, "linear", "m") == 0.1       # 0.5 .. 3
    assert general_tolerance(6.0, "linear", "m") == 0.1       # > 3 .. 6
    assert general_tolerance(6.0001, "linear", "m") == 0.2    # > 6 .. 30
    assert general_tolerance(30.0, "linear", "m") == 0.2
    assert general_tolerance(30.5, "linear", "m") == 0.3
    assert general_tolerance(120.0, "linear", "c") == 0.8


def test_no_general_tolerance_where_the_standard_gives_none():
    assert general_tolerance(0.3, "linear", "m") is None      # below 0.5 mm
    assert general_tolerance(2.0, "linear", "v") is None      # v below 3 mm
    assert general_tolerance(2500.0, "linear", "f") is None   # f above 2000 mm
    assert general_tolerance(5000.0, "linear", "m") is None   # beyond the table


def test_radius_and_chamfer_table():
    assert [general_tolerance(r, "radius", "m") for r in (2, 5, 10)] == [0.2, 0.5, 1.0]
    assert [general_tolerance(r, "radius", "c") for r in (2, 5, 10)] == [0.4, 1.0, 2.0]


def test_angle_table_by_shorter_leg():
    m = [general_tolerance(90, "angle", "m", leg_mm=L) for L in (5, 30, 80, 200, 600)]
    assert m == pytest.approx([1.0, 0.5, 20 / 60, 10 / 60, 5 / 60])
    v = [general_tolerance(90, "angle", "v", leg_mm=L) for L in (5, 30, 80, 200, 600)]
    assert v == pytest.approx([3.0, 2.0, 1.0, 0.5, 20 / 60])
    assert general_tolerance(45, "angle", "c", leg_mm=10.0) == 1.5   # "up to 10" includes 10
    with pytest.raises(InputError, match="shorter leg"):
        general_tolerance(90, "angle", "m")


def test_parse_tolerance():
    assert parse_tolerance("ISO2768-m").cls == "m"
    assert parse_tolerance("ISO 2768-1 f").cls == "f"
    assert parse_tolerance("2768-cK").cls == "c"
    r = parse_tolerance(0.02)
    assert (r.fixed, r.fixed_deg) == (0.02, 0.5)
    assert r.deviation(100.0, "linear") == 0.02 and r.deviation(90, "angle", 5) == 0.5
    assert parse_tolerance((0.01, 0.1)).fixed_deg == 0.1
    assert isinstance(parse_tolerance(ToleranceRule("v")), ToleranceRule)
    for bad in ("ISO2768-x", "tight", -0.1, float("nan"), True, None):
        with pytest.raises(InputError):
            parse_tolerance(bad)
    with pytest.raises(InputError):
        general_tolerance(10.0, "linear", "q")
