"""The shipped example recipe loads with everything it references (station, plane, model)."""

from __future__ import annotations

import pytest

from metrology.inspect import Recipe


def test_example_recipe_loads(repo_root):
    path = repo_root / "examples" / "plate.recipe.json"
    if not path.is_file():
        pytest.skip("examples/plate not present")
    recipe = Recipe.load(path).prepare()
    assert len(recipe.tools) == 8 and len(recipe.measurements) == 12
    assert recipe.station.image_size == (1024, 768)
    # the plane maps the image centre to about 0.05 mm per pixel
    mm = recipe.station.plane.to_mm([[512.0, 384.0], [612.0, 384.0]])
    assert abs(((mm[1] - mm[0]) ** 2).sum() ** 0.5 / 100 - 0.05) < 0.002
