"""``--jobs 2`` gives the same results as ``--jobs 1`` on a real recipe (rendered plates).

The worker processes run OpenCV on one thread, and so does the calling process while it works
beside them; every measured value, status and pose must still be identical, bit for bit, to a
run in one process with OpenCV's default threads.
"""

from __future__ import annotations

import json

import cv2

from _inspect_helpers import plate_recipe_doc, render_plate, rotated
from metrology.inspect import Recipe, run_many


def test_jobs_2_gives_the_results_of_jobs_1(tmp_path):
    (tmp_path / "plate.recipe.json").write_text(json.dumps(plate_recipe_doc()))
    paths = []
    for i in range(8):
        p = tmp_path / f"p_{i}.png"
        cv2.imwrite(str(p), render_plate(rotated(0.4 * i - 1.5, dx=i - 4, dy=3 - i), seed=i))
        paths.append(p)
    recipe = Recipe.load(tmp_path / "plate.recipe.json")
    s1 = run_many(recipe, paths, jobs=1, output=tmp_path / "j1.jsonl", progress=False)
    s2 = run_many(recipe, paths, jobs=2, output=tmp_path / "j2.jsonl", progress=False)

    def key(r):
        return (r.image, r.status, r.pose, [(m.name, m.value, m.passed) for m in r.measurements])

    assert [key(r) for r in s1.results] == [key(r) for r in s2.results]
    assert {r.status for r in s1.results} == {"pass"}
    assert s2.processed == 8
