"""`metrology measure` and the caliper overlays."""

import json

import cv2
import numpy as np
import pytest

from caliper_scenes import disk, edge, noisy, stripes
from metrology.caliper import find_circle, find_line, measure_edges, measure_pairs
from metrology.cli import main
from metrology.errors import InputError
from metrology.viz.caliper import draw_caliper_result, draw_calipers


@pytest.fixture(scope="module")
def disk_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "disk.png"
    cv2.imwrite(str(path), noisy(disk(55.2, 54.6, 33.0), 1.2, np.random.default_rng(0)))
    return path


def test_measure_circle_json(disk_png, capsys, tmp_path):
    ov = tmp_path / "ov.png"
    code = main(["measure", str(disk_png), "--circle", "55,55,33", "--json",
                 "--overlay", str(ov)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["result"]["type"] == "CircleResult"
    assert out["result"]["fit"]["radius"] == pytest.approx(33.0, abs=0.01)
    img = cv2.imread(str(ov))
    assert img.shape == (110, 110, 3)


def test_measure_text_outputs(disk_png, capsys):
    assert main(["measure", str(disk_png), "--edges", "5,55,100,55"]) == 0
    assert "rising" in capsys.readouterr().out
    assert main(["measure", str(disk_png), "--pairs", "5,55,100,55"]) == 0
    assert "width" in capsys.readouterr().out
    assert main(["measure", str(disk_png), "--circle", "55,55,33", "--arc", "0,180"]) == 0
    out = capsys.readouterr().out
    radius = float(out.split("radius ")[1].split()[0])
    assert radius == pytest.approx(33.0, abs=0.02)   # half circle, 3 px calipers: std ~0.005


def test_measure_exit_codes(disk_png, tmp_path, capsys):
    flat = tmp_path / "flat.png"
    cv2.imwrite(str(flat), np.full((80, 80), 100, np.uint8))
    assert main(["measure", str(flat), "--circle", "40,40,20"]) == 1       # no edge
    assert main(["measure", str(flat), "--circle", "40,40,20", "--json"]) == 1
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["ok"] is False
    assert main(["measure", str(disk_png), "--circle", "55,55"]) == 2       # malformed
    assert main(["measure", str(tmp_path / "missing.png"), "--circle", "1,2,3"]) == 2
    assert main(["measure", str(disk_png), "--circle", "500,500,30"]) == 2  # outside
    assert main(["measure", str(disk_png)]) == 2                           # no tool


def test_overlays_draw_every_result_kind():
    img = disk(55.2, 54.6, 33.0)
    res = find_circle(img, (55, 55), 33)
    out = draw_caliper_result(img, res)
    assert out.shape == (110, 110, 3) and out.dtype == np.uint8
    assert not np.array_equal(out[..., 0], out[..., 1])          # something coloured drawn
    draw_calipers(img, res.calipers)
    straight = edge(50.3, 40.0, 90.0, shape=(80, 100))
    draw_caliper_result(straight, find_line(straight, (20, 50), (80, 50), num_calipers=6))
    bar = stripes(20.3, 0.0, 0.0, (6.0,), (1.0,), shape=(40, 60))
    draw_caliper_result(bar, measure_edges(bar, (10, 20), (40, 20)))
    draw_caliper_result(bar, measure_pairs(bar, (10, 20), (40, 20)))
    with pytest.raises(InputError):
        draw_caliper_result(img, object())
