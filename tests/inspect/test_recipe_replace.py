"""Recipe.replace: an edited copy, validated like a file, keeping what was loaded."""

from __future__ import annotations

import pytest

from metrology.errors import FileFormatError, InputError
from metrology.inspect import Recipe


def _recipe() -> Recipe:
    doc = {"name": "plate", "station": {"pixel_size_mm": 0.05},
           "tools": [{"name": "hole", "type": "circle", "center_xy": [50.0, 40.0], "radius": 12.0}],
           "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
                             "nominal_mm": 1.2, "tolerance_mm": 0.05}]}
    return Recipe.from_dict(doc)


def test_replace_edits_and_keeps_what_was_loaded():
    r = _recipe()
    station = r.station                       # loaded once
    tools = r.to_dict()["tools"]
    tools[0]["radius"] = 15.0
    new = r.replace(name="plate B", tools=tools)
    assert new is not r and new.name == "plate B" and r.name == "plate"
    assert new.to_dict()["tools"][0]["radius"] == 15.0
    assert r.to_dict()["tools"][0]["radius"] == 12.0      # the original is untouched
    assert new.station is station                          # not reloaded
    assert new.to_dict()["measurements"] == r.to_dict()["measurements"]


def test_replace_checks_like_a_file():
    r = _recipe()
    bad = r.to_dict()["tools"]
    bad[0]["radius"] = -3.0
    with pytest.raises(FileFormatError, match=r"tools\[0\]"):
        r.replace(tools=bad)
    with pytest.raises(FileFormatError):
        r.replace(measurements=[{"name": "d", "type": "diameter", "feature": "nope"}])
    with pytest.raises(FileFormatError):
        r.replace(name=3)
    with pytest.raises(InputError):
        r.replace(tools=5)
