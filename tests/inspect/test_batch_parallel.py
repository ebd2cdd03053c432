"""``--jobs 2`` gives the same results as ``--jobs 1`` on a real recipe (rendered plates).

The worker processes run OpenCV on one thread, and so does the calling process while it works
beside them; every measured value, status and pose must still be identical, bit for bit, to a
run in one process with OpenCV's default threads.
"""

from __future__ import annotations

import json

import cv2
import pytest

from _inspect_helpers import plate_recipe_doc, render_plate, rotated
from metrology.inspect import Recipe, run_many


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_jobs_2_gives_the_results_of_jobs_1(tmp_path, start, start_method):
    start_method(start)
    (tmp_path / "plate.recipe.json").write_text(json.dumps(plate_recipe_doc()))
    paths = []
    for i in range(8):
        p = tmp_path / f"p_{i}.png"
        cv2.imwrite(str(p), render_plate(rotated(0.4 * i - 1.5, dx=i - 4, dy=3 - i), seed=i))
        paths.append(p)
    recipe = Recipe.load(tmp_path / "plate.recipe.json")
    s1 = run_many(recipe, paths, jobs=1, output=tmp_path / "j1.jsonl", progress=False)
    s2 = run_many(Recipe.load(tmp_path / "plate.recipe.json"), paths, jobs=2,
                  output=tmp_path / "j2.jsonl", progress=False)

    def key(r):
        return (r.image, r.status, r.pose, [(m.name, m.value, m.passed) for m in r.measurements])

    assert [key(r) for r in s1.results] == [key(r) for r in s2.results]
    assert {r.status for r in s1.results} == {"pass"}
    assert s2.processed == 8
    assert s2.processes[1]["start"] == start and s2.processes[1]["images"] > 0


def test_a_rectified_recipe_hands_its_maps_and_station_to_the_workers(tmp_path, start_method):
    """The demo recipe searches a rectified view: spawned workers take the parent's rectifier
    and station (built and loaded while they start) instead of building and loading the same;
    results stay identical."""
    import contextlib
    import io
    import queue

    from metrology.inspect._batch_pool import _hand_loaded, _ships_loaded, _take_loaded
    from metrology.inspect.demo import run_demo

    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(out_dir=tmp_path / "demo", n_parts=2, as_json=True)
    src = sorted((tmp_path / "demo" / "parts").glob("part_*.png"))
    paths = [src[i % len(src)] for i in range(4)]
    recipe = Recipe.load(tmp_path / "demo" / "plate.recipe.json")
    assert _ships_loaded(recipe)

    # the hand-off itself: the worker's copy gets the parent's maps and station, loads the rest
    parent = Recipe.load(tmp_path / "demo" / "plate.recipe.json").prepare()
    q: queue.Queue = queue.Queue()
    _hand_loaded(parent, q, 1)
    worker = Recipe.load(tmp_path / "demo" / "plate.recipe.json")
    _take_loaded(worker, q)
    assert worker.rectifier is parent.rectifier and worker._model is not None
    assert worker.station is parent.station
    _hand_loaded(Recipe.load(tmp_path / "demo" / "plate.recipe.json"), q, 1)  # none built
    worker = Recipe.load(tmp_path / "demo" / "plate.recipe.json")
    _take_loaded(worker, q)
    assert worker._rectifier is None and worker._station is None   # loads its own
    assert worker.rectifier is not None and worker.station is not None

    s1 = run_many(recipe, paths, jobs=1, output=tmp_path / "j1.jsonl", progress=False)
    start_method("spawn")
    s2 = run_many(Recipe.load(tmp_path / "demo" / "plate.recipe.json"), paths, jobs=2,
                  output=tmp_path / "j2.jsonl", progress=False)

    def key(r):
        return (r.image, r.status, r.pose, [(m.name, m.value, m.passed) for m in r.measurements])

    assert [key(r) for r in s1.results] == [key(r) for r in s2.results]
    assert {r.status for r in s2.results} == {"pass"}
