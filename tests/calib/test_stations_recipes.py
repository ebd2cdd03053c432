"""Recipes on the stations of issue 17: the demo plate on a telecentric station (against the
bare pixel_size_mm route), and one part measured across two cameras into one mm frame."""

from __future__ import annotations

import functools
import json

import cv2
import numpy as np
import pytest
from station_scenes import (RIG_BOARD, RIG_CAMERAS, RIG_T_B_A, SS, TELE, rig_calibration,
                            tele_calibration)

from metrology.calib import Checkerboard, detect_board
from metrology.core.pose import Pose2D
from metrology.errors import FileFormatError, InputError
from metrology.inspect import MultiCameraRecipe, Recipe
from metrology.inspect.demo import build_demo_recipe
from metrology.synth.demo import DemoHole, DemoPart, demo_part
from metrology.synth.stations import plane_view, render_part
from metrology.synth.targets import TargetLook, render_target

PLANE_BOARD = Checkerboard(11, 8, 1.5)


def _png(path, img):
    ok, buf = cv2.imencode(".png", img)
    path.write_bytes(buf.tobytes())
    return path.name


@functools.lru_cache(maxsize=None)
def _tele_scene():
    """The demo plate on a plane tilted 4 deg under the telecentric camera, and the board
    that locates the plane."""
    view = plane_view(TELE, tilt_deg=(3.0, -2.5), roll_deg=1.5, center_mm=(7.5, 5.25),
                      board=PLANE_BOARD)
    board_img = render_target(TELE, PLANE_BOARD, view.rvec, view.tvec, supersample=SS,
                              look=TargetLook(blur_px=0.9, noise_sigma=1.5), rng=21).image
    part = demo_part()
    pose = Pose2D(7.5, 5.25, 2.0, 1.0)
    img = render_part(view, part, pose, supersample=4, rng=22)
    return view, board_img, part, pose, img


def _run_tele(tmp_path, station: dict) -> dict:
    view, board_img, part, pose, img = _tele_scene()
    doc = build_demo_recipe(view, part, pose, np.zeros(2), (0, 0))
    for t in doc["tools"]:
        if t["name"] == "web_b":
            # one caliper across hole_b's curved edge: 6 px wide (the demo's, at 50 um/px) it
            # averages 0.04 px of the edge's sagitta at these 80 um pixels (4.8 um, with the
            # true camera as well); 2 px wide keeps that below 0.4 um
            t["width"] = 2.0
    for m in doc["measurements"]:
        m.pop("nominal_mm", None), m.pop("tolerance_mm", None)
        m.pop("nominal_deg", None), m.pop("tolerance_deg", None)
    recipe = Recipe.from_dict({**doc, "station": station}, base_dir=tmp_path)
    res = recipe.run(img)
    assert res.status == "pass", res.error
    return res.values()


def test_telecentric_station_measures_the_demo_plate_within_2_um(tmp_path):
    cal = tele_calibration()
    cal.save(tmp_path / "tele.json")
    _, board_img, part, _, _ = _tele_scene()
    _png(tmp_path / "plane.png", board_img)
    got = _run_tele(tmp_path, {"calibration": "tele.json",
                               "plane": {"board_image": "plane.png",
                                         "board": {"cols": 11, "rows": 8, "square_mm": 1.5}}})
    truth = part.true_values()
    err_um = {k: abs(got[k] - truth[k]) * 1000 for k in truth if k != "corner_angle"}
    # issue 17 target: within 2 um (80 um pixels, the plate 22 x 14 mm on a plane tilted
    # 4 deg).  Measured: worst 0.9 um (hole_a_to_hole_b), median 0.3 um
    assert max(err_um.values()) < 2.0, err_um
    assert abs(got["corner_angle"] - 90.0) < 0.01

    # the bare pixel_size_mm route on the same image: one scale from the same board image
    # (its corner spacing); it ignores the tilt (cos 4 deg anisotropy), distortion and
    # nothing else: tens of um off
    det = detect_board(board_img, PLANE_BOARD)
    scale = PLANE_BOARD.square_mm / det.square_px
    bare = _run_tele(tmp_path, {"pixel_size_mm": scale})
    bare_err = {k: abs(bare[k] - truth[k]) * 1000 for k in truth if k != "corner_angle"}
    assert max(bare_err.values()) > 10 * max(err_um.values()), (bare_err, err_um)


# ----------------------------------------------------------------------------- two cameras
LONG_PLATE = DemoPart(width=160.0, height=50.0, chamfer=8.0,
                      holes=(DemoHole("hole", -60.0, 0.0, 16.0),))


@functools.lru_cache(maxsize=None)
def _two_camera_scene():
    """A 160 x 50 mm plate on a plane 300 mm from the rig: camera A sees its hole, camera B
    its right edge; and both cameras' images of a board lying on that plane."""
    from metrology.calib.rig import pose_matrix

    T_A_plane = pose_matrix([0.05, -0.03, 0.02], [-60.0, -40.0, 300.0])
    out = {}
    for name, T in (("A", T_A_plane), ("B", RIG_T_B_A @ T_A_plane)):
        rv = cv2.Rodrigues(T[:3, :3])[0].ravel()
        board = render_target(RIG_CAMERAS[name], RIG_BOARD, rv, T[:3, 3], supersample=SS,
                              rng=31 if name == "A" else 32).image
        view = _view(RIG_CAMERAS[name], rv, T[:3, 3])
        part = render_part(view, LONG_PLATE, Pose2D(85.0, 60.0, 1.0, 1.0), supersample=3,
                           rng=33 if name == "A" else 34)
        out[name] = (view, board, part)
    return out


def _view(cam, rv, tv):
    from metrology.synth.stations import PlaneView

    return PlaneView(cam, np.asarray(rv, float), np.asarray(tv, float), RIG_BOARD,
                     np.zeros(2))


def test_one_part_across_two_cameras_in_one_mm_frame(tmp_path):
    rig = rig_calibration()
    rig.save(tmp_path / "rig.json")
    scene = _two_camera_scene()
    pose = Pose2D(85.0, 60.0, 1.0, 1.0)
    hole = scene["A"][0].project(pose.apply([[-60.0, 0.0]]))[0]
    r_px = float(np.linalg.norm(scene["A"][0].project(pose.apply([[-52.0, 0.0]]))[0] - hole))
    edge = scene["B"][0].project(pose.apply([[80.0, -15.0], [80.0, 20.0]]))
    files = {}
    for name in ("A", "B"):
        files[name] = _png(tmp_path / f"plane_{name}.png", scene[name][1])
    doc = {"format": "metrology.multicam_recipe", "version": 1, "name": "long plate",
           "rig": "rig.json", "plane": {"board_images": files},
           "cameras": {"A": {"tools": [{"name": "hole", "type": "circle",
                                        "center_xy": hole.round(2).tolist(),
                                        "radius": round(r_px, 2), "num_calipers": 32}]},
                       "B": {"tools": [{"name": "right_edge", "type": "line",
                                        "p0_xy": edge[0].round(2).tolist(),
                                        "p1_xy": edge[1].round(2).tolist(),
                                        "num_calipers": 16}]}},
           "measurements": [{"name": "hole_to_right_edge", "type": "distance", "from": "hole",
                             "to": "right_edge", "nominal_mm": 140.0, "tolerance_mm": 0.1},
                            {"name": "hole_d", "type": "diameter", "feature": "hole",
                             "nominal_mm": 16.0, "tolerance_mm": 0.05}]}
    (tmp_path / "long.recipe.json").write_text(json.dumps(doc))
    recipe = MultiCameraRecipe.load(tmp_path / "long.recipe.json")
    res = recipe.run({"A": scene["A"][2], "B": scene["B"][2]})
    v = res.values()
    # the hole (camera A) to the right edge (camera B): 140 mm exactly.  At 0.6 mm/px the
    # 1-sigma of this distance is ~0.02 mm (edges ~0.01 px, the rig's baseline 0.01 %, the
    # plane's pose); measured 0.005 mm off
    assert abs(v["hole_to_right_edge"] - 140.0) < 0.05, v
    assert abs(v["hole_d"] - 16.0) < 0.03, v
    assert res.status == "pass"
    m = {r.name: r for r in res.measurements}["hole_to_right_edge"]
    assert m.uncertainty is not None and m.uncertainty > 0
    assert res.features["hole"]["camera"] == "A" and res.features["right_edge"]["camera"] == "B"
    # bad input: a missing camera's image, a feature no camera has, a wrong size
    with pytest.raises(InputError, match=r"no image for camera\(s\) \['B'\]"):
        recipe.run({"A": scene["A"][2]})
    with pytest.raises(InputError, match="calibrated at"):
        recipe.run({"A": scene["A"][2][::2, ::2], "B": scene["B"][2]})
    bad = json.loads(json.dumps(doc))
    bad["measurements"][0]["to"] = "left_edge"
    with pytest.raises(FileFormatError, match="no camera has a tool"):
        MultiCameraRecipe.from_dict(bad)
    bad = json.loads(json.dumps(doc))
    bad["cameras"]["B"]["tools"][0]["name"] = "hole"
    with pytest.raises(FileFormatError, match="used by camera 'A' too"):
        MultiCameraRecipe.from_dict(bad)
