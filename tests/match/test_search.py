"""The search pipeline: statistics returned with the matches, the model left unchanged, one
model shared by threads, and the batched pose type the stages pass along."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from metrology.core.pose import Pose2D
from metrology.errors import InputError, ShapeError
from metrology.match import Matches, SearchStats
from metrology.match.poses import PoseBatch
from metrology.synth.parts import render_part_scene

from match_helpers import get_model, pose_error, random_scene


def _state(model) -> dict:
    """Everything a search could change on a model, except the kernel-bank memo."""
    d = {k: copy.deepcopy(v) for k, v in vars(model).items() if k not in ("_banks", "_levels")}
    d["_levels"] = [[lv.points, lv.dirs, lv.refine] for lv in model.levels]
    return json.loads(json.dumps(d, default=lambda o: np.asarray(o).tolist()))


def test_find_returns_stats_and_leaves_the_model_unchanged():
    model = get_model("bracket")
    scene, truth = random_scene("bracket", 21)
    model.find(scene.image)                 # memoise the kernel bank for this size
    before = _state(model)
    found = model.find(scene.image)
    assert _state(model) == before
    assert not hasattr(model, "last_search")
    assert isinstance(found, Matches) and isinstance(found, list)
    st = found.stats
    assert isinstance(st, SearchStats)
    assert st.top_level == model.num_levels - 1 and st.num_steps > 10
    assert st.top_candidates >= st.tracked >= st.refined >= len(found) == 1
    assert set(st.stage_ms) == {"fields", "top", "track", "suppress", "refine"}
    assert all(v >= 0 for v in st.stage_ms.values())
    json.dumps(found.to_dict())
    d, da, _ = pose_error(found[0].pose, truth)
    assert d < 0.05 and abs(da) < 0.05


def test_nothing_found_still_has_stats():
    found = get_model("lpart").find(np.full((480, 640), 90, np.uint8))
    assert found == [] and found.stats.top_candidates == 0 and found.stats.refined == 0


def test_one_model_serves_several_threads():
    """The same scenes searched from 4 threads give exactly the poses of a serial run."""
    model = get_model("flange")
    scenes = [random_scene("flange", s)[0].image for s in (31, 32, 33, 34)]
    serial = [model.find(img)[0].pose for img in scenes]
    with ThreadPoolExecutor(4) as ex:
        threaded = list(ex.map(lambda img: model.find(img)[0].pose, scenes * 2))
    assert threaded == serial * 2


def test_pose_batch_operations():
    b = PoseBatch.from_arrays([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.1, np.pi],
                              [1.0, 1.0, 0.9], [0.5, 0.9, 0.7])
    s = b.sorted()
    assert s.score.tolist() == [0.9, 0.7, 0.5] and s.x.tolist() == [2.0, 3.0, 1.0]
    assert len(b.at_least(0.7)) == 2 and len(PoseBatch.empty()) == 0
    g = b.around([0.0, 1.0], [0.0, 0.0], [0.0, 0.5], [0.0, 0.0])
    assert len(g) == 6 and g.x.tolist() == [1.0, 2.0, 2.0, 3.0, 3.0, 4.0]
    assert g.angle_rad.tolist()[2:4] == [0.1, 0.6] and np.isnan(g.score).all()
    p = b.pose(2)
    assert p == Pose2D(3.0, 6.0, -180.0, 0.9)          # wrapped to [-180, 180)
    assert b.params(1) == (2.0, 5.0, 0.1, 1.0)
    with pytest.raises(ShapeError, match="one length"):
        PoseBatch.from_arrays([1.0, 2.0], [1.0], [0.0, 0.0], [1.0, 1.0])


def test_find_option_checks():
    model = get_model("lpart")
    img = render_part_scene("lpart", [Pose2D(320, 240, 0, 1)], rng=0).image
    for kw in ({"greediness": 1.5}, {"max_overlap": -0.1}, {"min_score": 0.0},
               {"max_matches": -1}, {"roi": (0, 0, 10)}, {"min_score": float("nan")}):
        with pytest.raises(InputError):
            model.find(img, **kw)


def test_fft_threads_give_the_same_matches():
    """workers=2 splits the top-level FFTs over threads: the matches are identical."""
    model = get_model("gear")
    scene, _ = random_scene("gear", 41)
    a, b = model.find(scene.image), model.find(scene.image, workers=2)
    assert [m.pose for m in a] == [m.pose for m in b] and [m.score for m in a] == [m.score for m in b]
    with pytest.raises(InputError):
        model.find(scene.image, workers=0)


def test_a_search_image_shared_by_several_models():
    """One SearchImage searched by two models gives what each finds on the plain array, and
    keeps the top-level gradients for the second model."""
    from metrology.match import SearchImage

    scene = render_part_scene("lpart", [Pose2D(200, 150, 40, 1.0)], rng=3).image
    simg = SearchImage(scene)
    for name in ("lpart", "bracket", "lpart"):
        model = get_model(name)
        assert [m.pose for m in model.find(simg)] == [m.pose for m in model.find(scene)]
    top = get_model("lpart").num_levels - 1
    assert simg.cached_gradients(top) is not None
