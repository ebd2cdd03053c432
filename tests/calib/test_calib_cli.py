"""`metrology calibrate` / `metrology undistort` and the report picture."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np

from metrology.calib import Calibration
from metrology.cli import main


def test_calibrate_cli_json_png_yaml(tmp_path, ground_truth, capsys):
    src = tmp_path / "imgs"
    src.mkdir()
    for f in ground_truth["files"][:5]:
        shutil.copy(f, src / f.name)
    cv2.imwrite(str(src / "zz_blank.png"), np.full((768, 1024), 100, np.uint8))
    out = tmp_path / "station.json"
    png = tmp_path / "report.png"
    code = main(["calibrate", str(src), "--board", "9x6", "--square-mm", "20", "-o", str(out),
                 "--json", "--report-png", str(png), "--yaml", str(tmp_path / "s.yml"),
                 "--no-holdout"])
    assert code == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["rms_px"] < 0.03 and len(doc["views"]) == 5
    assert doc["rejected_views"][0]["reason"] == "no_board"
    assert "5/6" in captured.err or "6/6" in captured.err  # progress on stderr
    cal = Calibration.load(out)
    assert cal.board.square_mm == 20.0
    img = cv2.imread(str(png))
    assert img is not None and img.shape[1] == 1400 and img.std() > 10
    assert (tmp_path / "s.yml").read_text().startswith("%YAML")

    # human-readable output: per-view table and the rejected view
    code = main(["calibrate", str(src / "*.png"), "--board", "9x6", "--square-mm", "20", "-o",
                 str(out), "--no-holdout", "-q"])
    text = capsys.readouterr().out
    assert code == 0 and "rms px" in text and "zz_blank.png: no_board" in text

    # undistort one image and a folder
    und = tmp_path / "und.png"
    assert main(["undistort", str(out), str(ground_truth["files"][0]), "-o", str(und)]) == 0
    u = cv2.imread(str(und), cv2.IMREAD_UNCHANGED)
    assert u.shape == (768, 1024)
    od = tmp_path / "und"
    od.mkdir()
    assert main(["undistort", str(out), *map(str, ground_truth["files"][:2]), "-o", str(od),
                 "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["written"]) == 2


def test_cli_bad_input_exit_2(tmp_path, capsys):
    assert main(["calibrate", str(tmp_path / "none"), "--board", "9x6", "--square-mm", "20",
                 "-o", str(tmp_path / "s.json")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path), "--board", "9by6", "--square-mm", "20", "-o",
                 str(tmp_path / "s.json")]) == 2
    (tmp_path / "bad.json").write_text("{")
    assert main(["undistort", str(tmp_path / "bad.json"), "x.png", "-o", "y.png"]) == 2
    assert not (tmp_path / "s.json").exists()  # nothing half-written
