"""EdgeSettings / FitSettings: checked once, flat JSON, the deprecated flat keywords, and the
size of every public signature in the caliper layer."""

import inspect
import json
import warnings

import numpy as np
import pytest

from caliper_scenes import disk, edge
from metrology import caliper
from metrology.caliper import (CircleTool, EdgeSettings, EllipseTool, FitSettings, LineTool,
                               find_circle, find_line, measure_edges, tool_from_dict)
from metrology.errors import InputError


@pytest.mark.parametrize("kwargs", [dict(sigma=0.3), dict(sigma=float("nan")), dict(sigma="1"),
                                    dict(threshold=-1), dict(transition="rising"),
                                    dict(select="best"), dict(interpolation="nearest"),
                                    dict(subpixel="parabola"), dict(sigma=True)])
def test_edge_settings_are_checked_when_made(kwargs):
    with pytest.raises(InputError, match="EdgeSettings"):
        EdgeSettings(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(ransac_threshold_px=0), dict(passes=3),
                                    dict(passes=True), dict(correct_curvature="yes"),
                                    dict(seed=-1), dict(seed=1.5)])
def test_fit_settings_are_checked_when_made(kwargs):
    with pytest.raises(InputError, match="FitSettings"):
        FitSettings(**kwargs)


def test_settings_are_frozen_and_fill_the_callers_defaults():
    e = EdgeSettings(sigma=2)
    assert e.sigma == 2.0 and isinstance(e.sigma, float)
    with pytest.raises(AttributeError):
        e.sigma = 3.0
    assert e.with_defaults(transition="positive", select="all").transition == "positive"
    assert EdgeSettings(select="first").with_defaults(select="all").select == "first"
    assert EdgeSettings.from_dict(json.loads(json.dumps(e.to_dict()))) == e
    with pytest.raises(InputError, match="unknown field"):
        EdgeSettings.from_dict({"sigmaa": 1.0})


def test_flat_keywords_still_work_with_a_deprecation_warning():
    img = disk(55.23, 54.61, 33.37)
    new = find_circle(img, (55.0, 55.0), 33.0, 24, (20.0, None), arc_deg=(10.0, 300.0),
                      edges=EdgeSettings(threshold=30, transition="negative"),
                      fit=FitSettings(ransac_threshold_px=0.8, correct_curvature=False))
    with pytest.warns(DeprecationWarning, match="threshold, transition"):
        old = find_circle(img, (55.0, 55.0), 33.0, 24, caliper_length=20.0,
                          arc_start_deg=10.0, arc_extent_deg=300.0, threshold=30,
                          transition="negative", ransac_threshold_px=0.8,
                          correct_curvature=False)
    assert old.radius == new.radius
    np.testing.assert_array_equal(old.points_xy, new.points_xy)
    with pytest.warns(DeprecationWarning):
        tool = CircleTool((1.0, 2.0), 5.0, caliper_length=4.0, sigma=1.5)
    assert tool.caliper_size == (4.0, None) and tool.edges.sigma == 1.5
    with pytest.raises(TypeError):      # not a keyword of any release
        find_line(edge(70.4, 69.7, 90.0), (20, 70), (120, 70), colour="red")


def test_no_public_caliper_function_takes_more_than_ten_parameters():
    # functions, tools and settings (what users call; result records are built by the
    # library); the flat keywords of earlier releases are not in the signatures
    checked = 0
    for name in caliper.__all__:
        obj = getattr(caliper, name)
        if inspect.isfunction(obj) or (inspect.isclass(obj) and issubclass(
                obj, (caliper.Tool, EdgeSettings, FitSettings))):
            n = len(inspect.signature(obj).parameters)
            assert n <= 10, f"{name}: {n} parameters"
            checked += 1
    assert checked >= 15


def test_tool_json_is_flat_and_old_recipe_keys_load():
    old = {"type": "CircleTool", "center_xy": [0, 0], "radius": 30, "num_calipers": 24,
           "caliper_length": 16, "caliper_width": None, "arc_start_deg": 15,
           "arc_extent_deg": 180, "direction": "inward", "sigma": 1.5, "threshold": 25,
           "transition": "negative", "select": "first", "interpolation": "linear",
           "subpixel": "erf", "ransac_threshold_px": 0.7, "name": "bore"}
    t = tool_from_dict(old)
    assert t.caliper_size == (16.0, None) and t.arc_deg == (15.0, 180.0)
    assert t.edges == EdgeSettings(1.5, 25.0, "negative", "first", "linear", "erf")
    assert t.fit == FitSettings(ransac_threshold_px=0.7)
    d = t.to_dict()
    assert {k: d[k] for k in old} == {**old, "center_xy": [0.0, 0.0]}
    assert json.loads(json.dumps(d)) == d
    assert tool_from_dict(d) == t
    compact = LineTool((0.0, 0.0), (10.0, 0.0), name="a",
                       edges=EdgeSettings(sigma=2.0)).to_dict(omit_defaults=True)
    assert compact == {"type": "LineTool", "p0_xy": [0.0, 0.0], "p1_xy": [10.0, 0.0],
                       "sigma": 2.0, "name": "a"}
    with pytest.raises(InputError, match=r"EllipseTool.caliper_length: expected a number"):
        tool_from_dict({"type": "ellipse", "center_xy": [0, 0], "semi_axes": [5, 3],
                        "caliper_length": "long"})
    with pytest.raises(InputError, match="EllipseTool.semi_axes"):
        EllipseTool((0, 0), (5, -3))


def test_legacy_shim_warns_once_per_call_and_names_the_function():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        measure_edges(edge(30.4, 0.0, 0.0, shape=(40, 60)), (15, 20), (45, 20), sigma=1.2,
                      threshold=30)
    assert len(w) == 1 and "measure_edges" in str(w[0].message)


def test_derived_settings_memoised_and_checked():
    # the finders derive the same settings on every call: made (and checked) once, equal to
    # what replace() makes; a bad argument still raises the settings' own InputError
    from dataclasses import replace

    from metrology.caliper.settings import with_interpolation

    e = EdgeSettings(sigma=1.5)
    a = e.with_defaults(transition="any", select="strongest")
    assert a == replace(e, transition="any", select="strongest")
    assert e.with_defaults(transition="any", select="strongest") is a
    assert with_interpolation(a, "spline") == replace(a, interpolation="spline")
    assert with_interpolation(a, "spline") is with_interpolation(a, "spline")
    assert with_interpolation(a, "auto") is a
    for bad in (["any"], 3, "sideways"):
        with pytest.raises(InputError):
            e.with_defaults(transition=bad)
