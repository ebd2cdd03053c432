"""What a tool class owns: placement, flat JSON, its inspection feature and its outline, so a new
tool type defined in the caliper layer runs in a recipe and draws in the overlays unchanged."""

from dataclasses import dataclass

import numpy as np
import pytest

from metrology.caliper import (CircleTool, EdgePairTool, EdgeTool, EllipseTool, LineTool,
                               find_circle, plan)
from metrology.caliper.features import CircleFeature
from metrology.caliper.shapes import Circle, Markers, Polygons, Segment
from metrology.core import Pose2D
from metrology.errors import InputError
from metrology.inspect import Recipe
from metrology.synth.shapes import Disk, render_shapes
from metrology.viz.caliper import draw_caliper_result, draw_shapes


@dataclass(frozen=True)
class BoreTool(CircleTool):
    """A tool type of the caliper layer's own (here: a circle with a cross-hair outline)."""

    recipe_type = "bore"

    def outline(self):
        c, r = np.asarray(self.center_xy), self.radius
        return [Circle(c, r, role="tool"), Segment(c - [r, 0], c + [r, 0], role="tool")]


def test_a_new_tool_type_needs_no_change_in_inspect_or_viz(monkeypatch):
    monkeypatch.setitem(plan.TOOL_TYPES, "BoreTool", BoreTool)
    monkeypatch.setitem(plan.RECIPE_TYPES, "bore", BoreTool)
    img = render_shapes([(Disk((40.3, 30.2), 20.0), 150.0)], (60, 80), background=50)
    recipe = Recipe.from_dict({
        "station": {"pixel_size_mm": 0.05},
        "tools": [{"name": "b", "type": "bore", "center_xy": [40, 30], "radius": 20,
                   "threshold": 30}],
        "measurements": [{"name": "d", "type": "diameter", "feature": "b",
                          "nominal_mm": 2.0, "tolerance_mm": 0.01}]})
    assert isinstance(recipe.tools[0], BoreTool)
    assert recipe.to_dict()["tools"][0]["type"] == "bore"
    res = recipe.run(img)
    assert res.status == "pass" and res.values()["d"] == pytest.approx(2.0, abs=2e-4)
    assert res.tools_px["b"]["type"] == "bore"
    # the overlay reads the stored tool back and draws its own outline (the cross-hair)
    plain = res.overlay(img)
    monkeypatch.setattr(BoreTool, "outline", lambda self: [])
    assert np.any(plain != res.overlay(img))


def test_every_tool_moves_draws_and_round_trips():
    pose = Pose2D(30.0, -5.0, 25.0, 1.5)
    tools = [EdgeTool((0.0, 0.0), (10.0, 0.0)), EdgePairTool((0.0, 0.0), (10.0, 0.0)),
             LineTool((0.0, 0.0), (10.0, 0.0)), CircleTool((1.0, 2.0), 5.0),
             EllipseTool((1.0, 2.0), (5.0, 3.0), 10.0, arc_deg=(20.0, 90.0))]
    for t in tools:
        m = t.placed(pose)
        np.testing.assert_allclose(m.anchor(), pose.apply(t.anchor()[None])[0], atol=1e-12)
        assert plan.tool_from_dict(m.to_dict()) == m
        assert all(s.role == "tool" for s in m.outline())
        draw_shapes(np.zeros((50, 50, 3), np.uint8), m.outline())
    e = tools[-1].placed(pose)
    assert e.angle_deg == pytest.approx(35.0) and e.arc_deg == pytest.approx((45.0, 90.0))
    assert e.semi_axes == pytest.approx((7.5, 4.5)) and e.caliper_size == (None, None)
    with pytest.raises(InputError, match="no inspection feature"):
        tools[0].to_features(None, None)
    assert CircleTool.feature_type is CircleFeature and EdgeTool.recipe_type is None


def test_result_outlines_draw_calipers_fit_and_points():
    img = render_shapes([(Disk((40.3, 30.2), 20.0), 150.0)], (60, 80), background=50)
    res = find_circle(img, (41, 30), 21, num_calipers=16)
    kinds = [type(s) for s in res.outline()]
    assert kinds == [Polygons, Circle, Markers]
    out = draw_caliper_result(img, res)
    bare = draw_caliper_result(img, res, show_calipers=False)
    assert out.shape == (60, 80, 3) and np.any(out != bare)
    with pytest.raises(InputError, match="expected a caliper result"):
        draw_caliper_result(img, object())
