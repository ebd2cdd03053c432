"""Every result type of the caliper and inspection layers round-trips through JSON, NaN fields
included: the Serializable ones by property test (random instances from their annotations),
the hand-laid-out ones (tools, features, inspection results) on real measurements."""

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from caliper_scenes import disk, edge, stripes
from metrology import caliper
from metrology._serial import Serializable
from metrology.caliper import (EdgeSettings, FitSettings, feature_from_dict, find_circle,
                               find_ellipse, find_line, measure_edges, measure_pairs,
                               tool_from_dict)
from metrology.inspect import InspectionResult, MeasurementResult

_spec = importlib.util.spec_from_file_location(
    "_core_serial", Path(__file__).resolve().parents[1] / "core" / "test_serial.py")
_core = sys.modules.setdefault("_core_serial", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_core)   # its generic strategies: instances built from annotations


def _ours() -> list[type]:
    return [c for c in _core._all_serializable()
            if c.__module__.startswith(("metrology.caliper", "metrology.inspect"))]


def _json(d):
    return json.loads(json.dumps(d, allow_nan=False))


def test_the_layers_result_types_are_serializable():
    names = {c.__name__ for c in _ours()}
    assert {"EdgeResult", "PairResult", "LineResult", "CircleResult", "EllipseResult",
            "EdgeSettings", "FitSettings", "MeasurementResult", "RectifySpec"} <= names


@pytest.mark.parametrize("cls", _ours(), ids=lambda c: c.__name__)
def test_every_result_type_round_trips_with_nan_fields(cls, request):
    @settings(max_examples=_core.examples(request.config, 15),
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(_core.instances(cls))
    def check(obj):
        d = _json(obj.to_dict())
        back = cls.from_dict(d)
        assert type(back) is cls
        assert _json(back.to_dict()) == d
    check()


def _same(a, b):
    """Equal, NaN equal to NaN (arrays, floats, nested results)."""
    if isinstance(a, Serializable):
        return all(_same(getattr(a, k), getattr(b, k)) for k in a.__dataclass_fields__
                   if k != "calipers")
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def test_measured_results_round_trip_with_their_nan_fields():
    img = disk(55.23, 54.61, 33.37)
    results = [find_circle(img, (55, 55), 33),
               find_line(edge(70.4, 69.7, 90.0), (20, 70), (120, 70), num_calipers=2),
               find_ellipse(img, (55, 55), (33, 33)),
               measure_edges(edge(30.4, 0.0, 0.0, shape=(40, 60)), (15, 20), (45, 20),
                             edges=EdgeSettings(subpixel="gauss")),
               measure_pairs(stripes(27.2, 0.0, 0.0, (6.0,), (1.0,), shape=(40, 60)),
                             (15, 20), (45, 20), 4)]
    # NaN where nothing could be estimated: two points fix a line exactly (no scatter left),
    # the Gaussian peak gives no position uncertainty
    assert math.isnan(results[1].std_offset_px)
    assert np.isnan(results[3].std_px).all()
    for r in results:
        d = _json(r.to_dict())
        back = type(r).from_dict(d)
        assert _same(r, back), type(r).__name__
    assert len(_json(results[0].to_dict())["caliper_corners_xy"]) == 32


def test_tools_features_and_inspection_results_round_trip():
    tools = [caliper.CircleTool((10.0, 5.0), 20.0, arc_deg=(30, 90), direction="inward",
                                edges=EdgeSettings(sigma=1.5, transition="negative"),
                                fit=FitSettings(passes=1, correct_curvature=False), name="c"),
             caliper.EllipseTool((1.0, 2.0), (30.0, 20.0), 15.0, 40, (12.0, 3.0)),
             caliper.LineTool((0.0, 0.0), (50.0, 3.0), name="datum A"),
             caliper.EdgePairTool((0.0, 0.0), (40.0, 0.0), width=12)]
    for t in tools:
        assert tool_from_dict(_json(t.to_dict())) == t
        assert tool_from_dict(_json({**t.to_dict(omit_defaults=True), "name": t.name})) == t
    pts = np.c_[3 + 2 * np.cos(np.arange(8)), 4 + 2 * np.sin(np.arange(8))]
    feats = [caliper.features.circle_feature("h", pts, "mm"),
             caliper.features.line_feature("l", pts[:3] * [1, 0], "px", [1, 0]),
             caliper.features.pair_feature("p", pts[:1], pts[1:2], "mm")]
    for f in feats:
        back = feature_from_dict(_json(f.to_dict()), f.name)
        assert type(back) is type(f) and back.to_dict() == f.to_dict()
    m = MeasurementResult("d", "diameter", "mm", float("nan"), 10.0, None, 4.0, 3.99,
                          float("inf"), False, "no edge", ("hole",))
    back = MeasurementResult.from_dict(_json(m.to_dict()))
    assert back.value is None and back.max is None and back.features == ("hole",)
    res = InspectionResult("a.png", "fail", measurements=(m,),
                           features={"h": {"px": feats[0].to_dict(), "mm": feats[0].to_dict()}},
                           tools_px={"c": {**tools[0].to_dict(), "type": "circle"}},
                           timings_ms={"total": 1.23456}, anomaly_score=0.25,
                           anomaly_threshold=0.5, match_score=None)
    d = _json(res.to_dict())
    assert d["match_score"] is None and d["anomaly"]["passed"] is True
    assert d["timings_ms"]["total"] == 1.235 and d["measurements"][0]["value"] is None
    again = InspectionResult.from_dict(d).to_dict()
    assert again == d
