"""`metrology model create` and `metrology find`: outputs and exit codes."""

from __future__ import annotations

import json

import cv2
import pytest

from metrology.cli import main
from metrology.core.pose import Pose2D
from metrology.synth.parts import render_part_scene, render_template


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    cv2.imwrite(str(d / "tpl.png"), render_template("lpart").image)
    cv2.imwrite(str(d / "scene.png"),
                render_part_scene("lpart", [Pose2D(300.25, 250.5, -33.0, 1.05)], rng=0).image)
    cv2.imwrite(str(d / "empty.png"), render_part_scene(None, [], rng=0).image)
    return d


def test_create_and_find(files, capsys):
    model = files / "part.model.json"
    assert main(["model", "create", str(files / "tpl.png"), "-o", str(model),
                 "--scale-range", "0.9,1.1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["num_levels"] >= 3 and model.is_file()
    overlay = files / "overlay.png"
    assert main(["find", str(files / "scene.png"), "--model", str(model), "--json",
                 "--overlay", str(overlay)]) == 0
    out = json.loads(capsys.readouterr().out)
    pose = out["matches"][0]["pose"]
    # single scene, blur 1 px, noise 2: well inside 0.05 px / 0.05 deg
    assert abs(pose["x"] - 300.25) < 0.05 and abs(pose["y"] - 250.5) < 0.05
    assert abs(pose["angle_deg"] + 33.0) < 0.05 and abs(pose["scale"] - 1.05) < 1e-3
    assert cv2.imread(str(overlay)).shape == (480, 640, 3)
    assert main(["find", str(files / "scene.png"), "--model", str(model)]) == 0
    line = capsys.readouterr().out
    angle = float(line.split("angle=")[1].split("deg")[0])
    assert line.startswith("#0:") and abs(angle + 33.0) < 0.05


def test_not_found_and_bad_input(files, capsys):
    model = files / "m2.model.json"
    assert main(["model", "create", str(files / "tpl.png"), "-o", str(model)]) == 0
    assert main(["find", str(files / "empty.png"), "--model", str(model)]) == 1
    bad = files / "bad.model.json"
    bad.write_text('{"format": "metrology.shape_model", "version": 1}')
    assert main(["find", str(files / "scene.png"), "--model", str(bad)]) == 2
    assert "missing field" in capsys.readouterr().err
    assert main(["find", str(files / "missing.png"), "--model", str(model)]) == 2
    assert main(["model", "create", str(files / "tpl.png"), "-o", str(model),
                 "--angle-range", "10"]) == 2
    flat = files / "flat.png"
    cv2.imwrite(str(flat), render_part_scene(None, [], shape=(60, 60), rng=0,
                                             noise_sigma=0).image)
    assert main(["model", "create", str(flat), "-o", str(files / "f.json")]) == 2
    assert "flat" in capsys.readouterr().err
