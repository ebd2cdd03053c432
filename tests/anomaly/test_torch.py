"""Optional torch backbone.  These tests use RANDOM, UNTRAINED weights written to a temporary
file: they exercise the plumbing (weights loading and checks, grid shape, PatchCore fit/score,
save/load) only, not the accuracy of pretrained features.  Skipped when torch is absent."""

import sys

import numpy as np
import pytest

from metrology.anomaly import MissingDependencyError, PatchCore
from metrology.errors import FileFormatError, InputError


def test_missing_torch_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    from metrology.anomaly.torch_features import TorchFeatures

    with pytest.raises(MissingDependencyError, match=r"metrology\[torch\]"):
        TorchFeatures(tmp_path / "w.pth")
    with pytest.raises(ImportError):  # also an ImportError for generic handlers
        TorchFeatures(tmp_path / "w.pth")


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from metrology.anomaly.torch_features import _build

    torch.manual_seed(0)
    net = _build("resnet18")  # random init: plumbing only, NOT pretrained
    path = tmp_path_factory.mktemp("w") / "resnet18-random.pth"
    state = net.state_dict()
    state["fc.weight"] = torch.zeros(10, 512)  # extra tensors (layer4, fc) are ignored
    torch.save(state, path)
    return path


def test_torch_features_plumbing(random_weights, tmp_path):
    from metrology.anomaly import TorchFeatures
    from metrology.synth.defects import make_defect_set

    feats = TorchFeatures(random_weights, "resnet18")
    parts = make_defect_set(4, ("spot",), 1, shape=(72, 80), seed=0)
    f = feats(parts[0].image)
    assert f.shape == (9, 10, 384) and f.dtype == np.float32 and np.all(np.isfinite(f))
    assert feats(np.dstack([parts[0].image] * 3)).shape == (9, 10, 384)
    pc = PatchCore(features=feats, coreset_ratio=0.5).fit([p.image for p in parts[:4]])
    r = pc.score(parts[4].image)
    assert r.map.shape == (72, 80) and np.isfinite(r.score)
    path = pc.save(tmp_path / "bank.json")
    loaded = PatchCore.load(path)  # rebuilds TorchFeatures from the saved weights path
    assert loaded.features.arch == "resnet18"
    assert loaded.score(parts[4].image).score == pytest.approx(r.score, rel=1e-5)


def test_torch_weights_errors(random_weights, tmp_path):
    torch = pytest.importorskip("torch")
    from metrology.anomaly import TorchFeatures

    with pytest.raises(InputError, match="nothing.pth"):
        TorchFeatures(tmp_path / "nothing.pth")
    with pytest.raises(InputError, match="never downloads"):
        TorchFeatures(None)
    with pytest.raises(InputError):
        TorchFeatures(random_weights, arch="vgg16")
    with pytest.raises(FileFormatError, match="wide_resnet50_2"):
        TorchFeatures(random_weights, arch="wide_resnet50_2")  # resnet18 tensors: wrong shapes
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(FileFormatError):
        TorchFeatures(junk)
    partial = tmp_path / "partial.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, partial)
    with pytest.raises(FileFormatError, match="missing"):
        TorchFeatures(partial)
