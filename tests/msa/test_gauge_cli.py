"""``metrology gauge-study`` end to end: a type-1 study of a rendered reference plate re-placed
between 12 shots (images + recipe, and the JSONL they give), a GR&R from a results file, the
HTML report and the exit codes."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from _inspect_helpers import plate_recipe_doc, render_plate, rotated, truth_mm
from test_gauge import GRR_DATA, _grr_records
from test_spc_report import parse

from metrology.cli import main


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """12 shots of the plate, re-placed (a few px, a few degrees) and with fresh noise."""
    from metrology.match import ShapeModel

    d = tmp_path_factory.mktemp("type1")
    template = render_plate(rotated(0.0), noise=0.5, seed=100)
    ShapeModel.create(template, origin_xy=(120.0, 90.0)).save(d / "plate.model.json")
    doc = plate_recipe_doc(model={"file": "plate.model.json", "min_score": 0.6})
    (d / "plate.recipe.json").write_text(json.dumps(doc))
    imgs = d / "shots"
    imgs.mkdir()
    rng = np.random.default_rng(11)
    for i in range(12):
        pose = rotated(rng.uniform(-5, 5), rng.uniform(-3, 3), rng.uniform(-3, 3))
        cv2.imwrite(str(imgs / f"shot_{i + 1}.png"), render_plate(pose, seed=200 + i))
    return d


def test_type1_from_images_and_recipe(shots, capsys):
    truth = truth_mm()
    refs = [f"--reference={n}={truth[n]!r}" for n in ("hole_d", "width", "hole_to_left")]
    res = shots / "r.jsonl"
    code = main(["gauge-study", str(shots / "shots"), "--recipe", str(shots / "plate.recipe.json"),
                 "--results", str(res), *refs, "--json-out", str(shots / "study.json"),
                 "-o", str(shots / "study.html")])
    out = capsys.readouterr().out
    study = json.loads((shots / "study.json").read_text())
    assert code == (0 if study["passed"] else 1), out
    assert list(study["results"]) == ["hole_d", "width", "hole_to_left"]
    for name, r in study["results"].items():
        assert r["n"] == 12 and r["n_missing"] == 0
        # the plate is rendered exactly: the bias is the measuring error, within the 0.1 px
        # (0.005 mm) the inspection tests hold the calipers to on this scene
        assert abs(r["bias"]) < 0.005, (name, r["bias"])
        # tolerance +-0.02 mm: T = 0.04; Cg = 0.2 T / (4 s) needs s < 0.0015 mm (0.03 px)
        # for 1.33; the calipers scatter ~0.005-0.01 px here
        assert r["s"] < 0.0015 and r["cg"] > 1.33, (name, r)
        assert r["cg"] == pytest.approx(0.2 * 0.04 / (4 * r["s"]), rel=1e-9)
    # the JSONL the images gave yields the same study
    code2 = main(["gauge-study", str(res), *refs, "--json"])
    again = json.loads(capsys.readouterr().out)
    assert code2 == code and again["results"]["width"]["cg"] == study["results"]["width"]["cg"]
    doc = parse((shots / "study.html").read_text())
    assert float(doc.cells[("width", "cg")]["raw"]) == pytest.approx(study["results"]["width"]["cg"])
    assert (shots / "study.html").read_text().count("<svg") == 3  # a run chart each


def test_type1_cli_bad_input(shots, capsys):
    res = shots / "few.jsonl"
    lines = (shots / "r.jsonl").read_text().splitlines()
    res.write_text("\n".join(lines[:9]) + "\n")
    assert main(["gauge-study", str(res), "--reference", "width=8.0"]) == 2
    assert "9 measured value(s); a type-1 study needs at least 10" in capsys.readouterr().err
    assert main(["gauge-study", str(shots / "r.jsonl")]) == 2
    assert "needs the reference part's values" in capsys.readouterr().err
    assert main(["gauge-study", str(shots / "r.jsonl"), "--reference", "width"]) == 2
    assert "expected NAME=NUMBER" in capsys.readouterr().err
    # corner has a tolerance in deg: fine; a measurement without one is a clear error
    recs = [json.loads(x) for x in lines]
    for r in recs:
        for m in r["measurements"]:
            if m["name"] == "width":
                m.update(min=None, max=None, nominal=None, passed=None)
    (shots / "notol.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert main(["gauge-study", str(shots / "notol.jsonl"), "--reference", "width=8.0"]) == 2
    assert "width: the results give no tolerance" in capsys.readouterr().err
    assert main(["gauge-study", str(shots / "notol.jsonl"), "--reference", "width=8.0",
                 "--tolerance", "width=0.04"]) in (0, 1)
    capsys.readouterr()


def test_grr_cli(tmp_path, capsys):
    p = tmp_path / "grr.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in _grr_records(GRR_DATA)))
    code = main(["gauge-study", str(p), "--grr", "--pattern",
                 r"p(?P<part>\d+)_op(?P<operator>[A-Z])_", "--json", "-o",
                 str(tmp_path / "grr.html")])
    r = json.loads(capsys.readouterr().out)["results"]["x"]
    assert code == 1  # 46 % GRR, ndc 2: not acceptable
    assert r["pct_study_var"]["grr"] == pytest.approx(46.086, abs=1e-3) and r["ndc"] == 2
    doc = parse((tmp_path / "grr.html").read_text())
    assert doc.cells[("x", "pct_grr")]["text"] == "46.1 %"
    assert main(["gauge-study", str(p), "--grr"]) == 2
    assert "--pattern" in capsys.readouterr().err
