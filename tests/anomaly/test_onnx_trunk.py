"""EfficientNet-Lite0 trunk exported to ONNX and scored with OpenCV's DNN module: the same
features, maps and scores as the torch extractor, and the files checked.  Skipped, with the
reason, where torch, the weights package or onnx is missing (extra ``[deep]``).

Tolerances: torch and OpenCV compute the same float32 network with different kernels (operation
order in the convolutions, batch norm folded by OpenCV), so the features differ by rounding,
not by a different computation.  Measured (96x128 and 256x256,
with and without contrast gain): max |diff| 0.9e-4 to 2.1e-4 for features reaching 37..49, at
most 5.6e-6 of the largest feature; asserted at 2e-5 of it, about four times the measured.
Maps and scores are nearest-neighbour distances of those features (measured 2.2e-6 and 5e-7
relative): asserted at 1e-4 relative.
"""

import json
import os
import pickle
import sys

import cv2
import numpy as np
import pytest

from metrology.anomaly import PatchCore
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set

SHAPE = (96, 128)


def _lite0():
    try:
        import onnx  # noqa: F401

        from metrology.anomaly.efficientnet import EfficientNetFeatures

        return EfficientNetFeatures()
    except ImportError as exc:
        pytest.skip(f"extra [deep] (torch, weights, onnx) not installed ({exc}); "
                    f"pip install \"metrology[deep]\"")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from metrology.anomaly import OnnxLite0Features, export_lite0_onnx

    lite0 = _lite0()
    d = tmp_path_factory.mktemp("onnx")
    path = export_lite0_onnx(d / "trunk.onnx", SHAPE, lite0)
    return lite0, path, OnnxLite0Features(path)


@pytest.fixture(scope="module")
def parts():
    return make_defect_set(4, ("scratch",), 2, shape=SHAPE, seed=3)


def _close(a, b, rel):
    return np.abs(np.asarray(a) - np.asarray(b)).max() <= rel * np.abs(np.asarray(a)).max()


def test_features_equal_torch(exported, parts):
    lite0, path, onnx_f = exported
    assert onnx_f.config() == lite0.config() and onnx_f.stride == lite0.stride
    side = json.loads((path.parent / (path.name + ".json")).read_text())
    (entry,) = side["exports"].values()       # one entry: the file now in place
    assert entry["image_shape"] == list(SHAPE) and entry["input_shape"] == [1, 3, 160, 192]
    for img in (parts[0].image, np.dstack([parts[5].image] * 3)):
        a, b = lite0(img), onnx_f(img)
        assert a.shape == b.shape == (12, 16, 152) and b.dtype == np.float32
        assert _close(a, b, 2e-5)
    # gray and its 3-channel copy give the same features, as with torch
    g = parts[1].image
    assert np.allclose(onnx_f(g), onnx_f(np.dstack([g] * 3)), atol=1e-5)
    # a worker gets the extractor by pickling: the file is read and checked again
    assert np.array_equal(pickle.loads(pickle.dumps(onnx_f))(g), onnx_f(g))


def test_bank_scores_the_same(exported, parts, tmp_path):
    _, path, onnx_f = exported
    from metrology.anomaly import OnnxLite0Features

    pc = PatchCore("efficientnet-lite0", coreset_ratio=0.5, select="off", line_scan=False)
    pc.fit([p.image for p in parts[:4]])
    bank = pc.save(tmp_path / "lite0.bank.npz")
    via_onnx = PatchCore.load(bank, features=OnnxLite0Features(path))
    for p in parts[4:]:
        a, b = pc.score(p.image), via_onnx.score(p.image)
        assert abs(a.score - b.score) <= 1e-4 * abs(a.score)
        assert _close(a.map, b.map, 1e-4)
    # a bank of another extractor refuses the ONNX one
    cl = PatchCore(coreset_ratio=0.5).fit([p.image for p in parts[:3]])
    with pytest.raises(FileFormatError, match="classical"):
        PatchCore.load(cl.save(tmp_path / "cl.bank.npz"), features=onnx_f)


def test_tampered_or_missing_sidecar(exported, tmp_path):
    from metrology.anomaly import OnnxLite0Features

    _, path, _ = exported
    data = bytearray(path.read_bytes())
    bad = tmp_path / "bad.onnx"
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    (tmp_path / "bad.onnx.json").write_text((path.parent / (path.name + ".json")).read_text())
    with pytest.raises(FileFormatError, match="bad.onnx: sha256"):
        OnnxLite0Features(bad)
    lone = tmp_path / "lone.onnx"
    lone.write_bytes(path.read_bytes())
    with pytest.raises(FileFormatError, match="sidecar"):
        OnnxLite0Features(lone)
    (tmp_path / "lone.onnx.json").write_text("{not json")
    with pytest.raises(FileFormatError, match="lone.onnx.json"):
        OnnxLite0Features(lone)


def test_reexport_keeps_the_pair_consistent(exported, tmp_path, monkeypatch):
    """A re-export killed after its first sidecar write (the file not yet replaced) leaves the
    old export loadable; done, the new one with one sidecar entry (kills at random instants:
    tests/fuzz/test_kill_saves.py)."""
    import metrology._io as io
    from metrology.anomaly import OnnxLite0Features, export_lite0_onnx

    lite0 = exported[0]
    path = export_lite0_onnx(tmp_path / "t.onnx", SHAPE, lite0)

    real = io.atomic_write_bytes

    def killed(p, data):      # the sidecar's write goes through; the .onnx file's is killed
        if str(p).endswith(".onnx"):
            raise KeyboardInterrupt
        return real(p, data)

    with monkeypatch.context() as m:
        m.setattr(io, "atomic_write_bytes", killed)
        with pytest.raises(KeyboardInterrupt):
            export_lite0_onnx(path, (64, 96), lite0)
    assert len(json.loads((tmp_path / "t.onnx.json").read_text())["exports"]) == 2
    assert OnnxLite0Features(path).image_shape == SHAPE
    export_lite0_onnx(path, (64, 96), lite0)
    assert OnnxLite0Features(path).image_shape == (64, 96)
    assert len(json.loads((tmp_path / "t.onnx.json").read_text())["exports"]) == 1


def test_wrong_size_and_bad_input(exported):
    _, _, onnx_f = exported
    with pytest.raises(InputError, match=r"exported for 128x96 px.*export-onnx"):
        onnx_f(np.zeros((96, 96), np.uint8))
    with pytest.raises(InputError):
        onnx_f(np.full(SHAPE, np.nan, np.float32))
    with pytest.raises(InputError):
        onnx_f("not an image")


def test_failed_export_writes_nothing(exported, tmp_path):
    from metrology.anomaly import ClassicalFeatures, export_lite0_onnx

    lite0 = exported[0]
    for shape in ((16, 128), (96,), (96.0, 128), None):
        with pytest.raises(InputError, match="image_shape"):
            export_lite0_onnx(tmp_path / "x.onnx", shape, lite0)
    with pytest.raises(InputError, match="EfficientNetFeatures"):
        export_lite0_onnx(tmp_path / "x.onnx", SHAPE, ClassicalFeatures())
    with pytest.raises(InputError):
        export_lite0_onnx(tmp_path / "no" / "such" / "x.onnx", SHAPE, lite0)
    assert os.listdir(tmp_path) == []


def test_cli_export_then_score(exported, parts, tmp_path, capsys):
    from metrology.cli import main

    paths = []
    for i, p in enumerate(parts):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], p.image)
    bank, out = str(tmp_path / "b.npz"), str(tmp_path / "t.onnx")
    assert main(["anomaly", "fit", *paths[:4], "-o", bank, "--features", "efficientnet-lite0",
                 "--select", "off", "--line-scan", "off", "--coreset-ratio", "0.5"]) == 0
    assert main(["anomaly", "export-onnx", bank, out]) == 0
    assert os.path.isfile(out + ".json")
    capsys.readouterr()
    assert main(["anomaly", "score", *paths[4:], "--bank", bank, "--json"]) == 0
    ref = json.loads(capsys.readouterr().out)["results"]
    assert main(["anomaly", "score", *paths[4:], "--bank", bank, "--onnx", out, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["results"]
    assert [abs(a["score"] - b["score"]) <= 1e-4 * a["score"] for a, b in zip(ref, got)] == \
        [True] * len(ref)


def test_scoring_needs_no_torch_and_export_names_the_extra(exported, parts, monkeypatch,
                                                            tmp_path):
    from metrology.anomaly import MissingDependencyError, OnnxLite0Features, export_lite0_onnx

    lite0, path, onnx_f = exported
    want = onnx_f(parts[0].image)
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails from here on
    assert np.array_equal(OnnxLite0Features(path)(parts[0].image), want)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(MissingDependencyError, match=r"metrology\[deep\]"):
        export_lite0_onnx(tmp_path / "x.onnx", SHAPE, lite0)
    assert os.listdir(tmp_path) == []
