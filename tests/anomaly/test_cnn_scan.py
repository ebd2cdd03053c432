"""The discriminator channel (``cnn_scan``, an option, off by default): its numpy forward is
the torch net's, and its scoring by OpenCV's DNN module (the net written as ONNX here) equals
the numpy forward on any thread (without torch too); a fitted bank keeps the channel (round
trip, version 8) and scores without torch; damaged entries, bad settings, too few images, no
line channel and a missing torch raise the library's errors; banks without the channel are
written as before; trained (700 steps by default, the shipped 2000 with --runslow) it
separates marked faces from good ones."""

from __future__ import annotations

import functools
import json
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly import _cnn_scan
from metrology.anomaly._cnn_onnx import net_onnx
from metrology.anomaly._cnn_scan import CnnScan, fit_cnn_state, forward
from metrology.anomaly._fusion import channel_scores
from metrology.errors import FileFormatError, InputError
from metrology.image.io import as_gray
from metrology.synth.defects import make_defect_set
from tests.anomaly.test_patchcore import _each_damage_raises, _rewrite

N = 128
#: training steps of the fast tests (the channel's plumbing, not its accuracy)
FAST_STEPS = 30
#: the shipped training's steps, and the shorter one the default run trains
FULL_STEPS = 2000
SHORT_STEPS = 700
#: AUROC on the 15 good and 15 marked test faces below after SHORT_STEPS: measured 0.929
#: (0.34 after 20 steps: the bound fails for an untrained net); one swapped pair of 225 moves
#: it by 0.0044, so 0.85 leaves 18 pairs for another BLAS or torch build.  700 is about the
#: shortest training that passes (the one-cycle rate spans the steps given): all marks /
#: spots and dents 0.782 / 0.867 after 550 steps, 0.676 / 0.753 after 450, 0.49-0.51 after
#: 200 and 300 (measured when the suite's time was looked at, twenty-seventh session), so the
#: default run's sample cannot be made shorter without loosening both bounds
AUROC_SHORT_MIN = 0.85
#: the same after FULL_STEPS: measured 1.000 (every mark 4.6 logits above the highest good
#: face); 0.95 leaves 11 swapped pairs
AUROC_MIN = 0.95
#: spots and dents against the good faces: measured 1.000 (the lowest mark 0.33 logits above
#: the highest good face); 0.95 allows 5 swapped pairs of 150
AUROC_SPOT_DENT_MIN = 0.95


def _faces(n: int, seed: int, kinds=(), per_kind: int = 0) -> list:
    return make_defect_set(n, kinds, per_kind, shape=(N, N), layout="face", seed=seed)


def _train_images() -> list[np.ndarray]:
    """40 good faces (fresh copies; rendered once per process: four fits train on them)."""
    return [im.copy() for im in _train_faces()]


@functools.lru_cache(maxsize=1)
def _train_faces() -> tuple[np.ndarray, ...]:
    images = tuple(d.image for d in _faces(40, 0))
    for im in images:
        im.flags.writeable = False
    return images


@pytest.fixture(scope="module")
def fitted():
    """PatchCore with the channel on 40 good 128 x 128 faces, trained :data:`FAST_STEPS`."""
    pytest.importorskip("torch")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cnn_scan, "STEPS", FAST_STEPS)
        # without the comb channel (default "auto") and the jet memory (default "auto"; its
        # version 19 would wrap the bank's): the version checks below are the discriminator's,
        # against a bank of its own era
        return PatchCore(cnn_scan=True, comb_scan=False, jet_memory=False,
                         select="off").fit(_train_images())


def test_numpy_forward_equals_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    net = _cnn_scan._torch_net()
    for p in net.parameters():  # larger than the default initialisation: every layer counts
        torch.nn.init.normal_(p, 0.0, 0.3)
    weights = _cnn_scan.net_weights(net)
    g = np.random.default_rng(0)
    for shape in ((96, 96), (121, 127)):  # an odd size: the stride-2 layer's ceil(H / 2)
        x = g.normal(size=shape).astype(np.float32)
        with torch.no_grad():
            ref = net(torch.from_numpy(x[None, None]))[0].numpy()
        out = forward(weights, x)
        assert out.shape == ref.shape == ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
        # float32 sums in another order: 1e-4 of the largest logit
        assert np.max(np.abs(out - ref)) <= 1e-4 * np.max(np.abs(ref))
        assert np.max(np.abs(ref)) > 1.0  # the weights make a non-trivial map


def test_channel_on_and_its_map(fitted):
    assert fitted.info["cnn_scan"] == "on" and fitted.info["cnn_scan_seconds"] > 0
    cs = fitted._cnn
    assert isinstance(cs, CnnScan) and cs.pc_stats == fitted._line.pc_stats
    img = _faces(1, 7)[0].image
    m, v = cs.score(as_gray(img, "image", dtype=np.float32))
    assert m.shape == (N, N) and np.all(m[~cs.inner] == 0) and np.all(m[cs.inner] >= 1e-3)
    assert v == pytest.approx(float(cs.logits(as_gray(img, "i", dtype=np.float32))
                                    [cs.inner2].max()))
    names = [name for name, _, _ in channel_scores(fitted, img, None)]
    assert "cnn" in names


def _random_channel(seed: int = 0) -> CnnScan:
    """A channel on a 128 x 128 face with random weights (no torch needed)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, cin, cout, _, _ in _cnn_scan._layer_specs(_cnn_scan.CH):
        k = 1 if name == "out" else 3
        weights[f"{name}_w"] = rng.normal(0.0, 0.2, (cout, cin, k, k)).astype(np.float32)
        weights[f"{name}_b"] = rng.normal(0.0, 0.1, cout).astype(np.float32)
    roi = np.zeros((N, N), bool)
    roi[8:-8, 8:-8] = True
    return CnnScan(roi, weights, norm=20.0)


def test_dnn_scoring_equals_numpy(monkeypatch):
    # runs without torch (CI installs no [deep]): random weights, the same net
    cs = _random_channel()
    grays = [as_gray(d.image, "i", dtype=np.float32) for d in _faces(3, 11, ("scratch",), 1)]
    assert cs._dnn_scorer() is not None  # OpenCV reads the model: no silent numpy fallback
    with_dnn = [(cs.logits(g), cs.score(g)) for g in grays]
    back = pickle.loads(pickle.dumps(cs))  # a pickled channel leaves its OpenCV nets behind
    assert "_dnn" in vars(cs) and "_dnn" not in vars(back)
    with ThreadPoolExecutor(2) as ex:  # each thread its own net, the same logits
        other = list(ex.map(lambda g: cs.score(g)[1], grays * 2))
    assert other == [v for _, (_, v) in with_dnn] * 2
    monkeypatch.setattr(_cnn_scan, "SCORE_WITH_DNN", False)
    for (lg1, (m1, v1)), g in zip(with_dnn, grays):
        lg0 = cs.logits(g)
        m0, v0 = cs.score(g)
        # float32 sums in another order: 1e-5 of the largest logit (measured: about 1e-6)
        tol = 1e-5 * float(np.abs(lg0).max())
        assert tol > 1e-6 and float(np.std(lg0)) > 1e-2  # logits worth comparing
        assert np.max(np.abs(lg1 - lg0)) <= tol
        assert np.max(np.abs(m1 - m0)) <= tol and abs(v1 - v0) <= tol
        assert back.score(g)[1] == v0  # numpy here too


def test_opencv_without_a_reader_scores_in_numpy(monkeypatch):
    import cv2

    def broken(*_a):
        raise cv2.error("no ONNX importer in this build")

    cs, g = _random_channel(2), as_gray(_faces(1, 12)[0].image, "i", dtype=np.float32)
    monkeypatch.setattr(_cnn_scan, "dnn_net", broken)
    assert cs._dnn_scorer() is None  # remembered: not tried again on this thread
    lg = cs.logits(g)
    monkeypatch.setattr(_cnn_scan, "SCORE_WITH_DNN", False)
    assert np.array_equal(lg, cs.logits(g))


def test_onnx_model_is_valid_onnx():
    onnx = pytest.importorskip("onnx", reason="the onnx package checks the hand-written "
                               "model where it is installed ([deep])")
    cs = _random_channel(1)
    model = onnx.load_from_string(net_onnx(cs.weights, _cnn_scan.DILATIONS, (201, 157)))
    onnx.checker.check_model(model)
    names = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert names.keys() == cs.weights.keys()
    assert all(np.array_equal(names[k], v) for k, v in cs.weights.items())
    assert [n.op_type for n in model.graph.node].count("Conv") == 7
    dims = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    assert dims == [1, 1, 101, 79]


def test_round_trip_and_scoring_without_torch(fitted, tmp_path):
    # the process without torch scores with OpenCV's DNN module, as this one does
    path = fitted.save(tmp_path / "cnn.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        assert meta["version"] == 10 and meta["settings"]["cnn_scan"] is True  # 10: line gain
        assert "cnn_d3_w" in z.files and z["cnn_d3_w"].dtype == np.float32
    back = PatchCore.load(path)
    imgs = [d.image for d in _faces(3, 9)]
    for img in imgs:
        a, b = fitted.score(img), back.score(img)
        assert a.score == b.score and np.array_equal(a.map, b.map)
    np.save(tmp_path / "imgs.npy", np.stack(imgs))
    code = ("import sys; sys.modules['torch'] = None\n"
            "import numpy as np\nfrom metrology.anomaly import PatchCore\n"
            f"pc = PatchCore.load({str(path)!r})\n"
            f"imgs = np.load({str(tmp_path / 'imgs.npy')!r})\n"
            "print([repr(pc.score(im).score) for im in imgs])\n"
            "print(pc._cnn is not None, 'torch' in sys.modules and sys.modules['torch'] is None)")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.splitlines()
    assert out[0] == str([repr(fitted.score(im).score) for im in imgs])
    assert out[1] == "True True"


def test_damaged_cnn_entries_raise(fitted, tmp_path):
    path = fitted.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    ch = fitted._cnn.channels
    cases = [(None, {"cnn_d0_w": None}, "cnn_d0_w"),
             (None, {"cnn_c1_b": np.ones(3, np.float32)}, "cnn_c1_b"),
             (None, {"cnn_out_w": np.full((1, ch, 1, 1), np.nan, np.float32)}, "cnn_out_w"),
             (None, {"cnn_c0_w": np.ones((16, 1, 3, 3), np.int32)}, "cnn_c0_w"),
             (None, {"cnn_roi": np.zeros((N, N), np.uint8)}, "cnn_roi"),
             (None, {"cnn_roi": None}, "cnn_roi"),
             (None, {"cnn_extra": np.ones(2, np.float32)}, "unknown arrays"),
             (lambda m: m["cnn_scan"].update(channels=2.5), {}, "channels"),
             (lambda m: m["cnn_scan"].update(norm=0.0), {}, "norm"),
             (lambda m: m["cnn_scan"].update(score_sd="x"), {}, "header field"),
             (lambda m: m["cnn_scan"].update(dilations=[1, 2]), {}, "re-fit"),
             (lambda m: m.update(cnn_scan=[1]), {}, "not an object"),
             (lambda m: m.update(version=7), {"line_gain_ref": None}, "version 8"),
             (lambda m: m.pop("cnn_scan"), {}, "version 8"),
             (lambda m: m["settings"].update(cnn_scan=False), {}, "cnn_scan off")]
    _each_damage_raises(path, good, cases)
    # settings that ask for the channel, a bank without it
    path.write_bytes(good)
    with np.load(path) as z:
        names = [k for k in z.files if k.startswith("cnn_")]
    _rewrite(path, lambda m: m.pop("cnn_scan"), **{k: None for k in names})
    with pytest.raises(FileFormatError, match="settings ask for the cnn channel"):
        PatchCore.load(path)


def test_bank_without_the_channel_is_written_as_before(tmp_path):
    pc = PatchCore(select="off").fit([d.image for d in _faces(12, 3)])
    assert pc._cnn is None and pc.info["cnn_scan"] == "off"
    path = pc.save(tmp_path / "plain.npz")
    with np.load(path) as z:
        meta = json.loads(z["meta"].tobytes())
        # as before the channel: its own version (8) not written, no setting (10: the line
        # channel's shift gain)
        assert meta["version"] in (7, 10) and "cnn_scan" not in meta["settings"]
        assert not any(k.startswith("cnn_") for k in z.files)
    back = PatchCore.load(path)
    img = _faces(1, 8)[0].image
    assert back._cnn is None and back.score(img).score == pc.score(img).score


def test_bad_settings_too_few_images_and_no_line_channel_raise():
    for bad in ("yes", None, 1, "auto"):
        with pytest.raises(InputError, match="cnn_scan"):
            PatchCoreSettings(cnn_scan=bad)
    with pytest.raises(InputError, match="line channel"):
        PatchCoreSettings(cnn_scan=True, line_scan=False)
    assert PatchCoreSettings().cnn_scan is False
    imgs = _train_images()
    with pytest.raises(InputError, match="at least 40"):
        PatchCore(cnn_scan=True, select="off").fit(imgs[:39])
    # the reweighted image score leaves the line channel off ('auto'): no face to train on
    with pytest.raises(InputError, match="needs the line channel"):
        PatchCore(cnn_scan=True, image_score="reweighted", select="off").fit(imgs)


def test_missing_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)   # ``import torch`` raises ImportError

    class Line:
        roi = np.ones((N, N), bool)
        pc_stats = (0.0, 1.0)

    class Fake:
        _line, info = Line(), {}

    with pytest.raises(InputError, match=r"metrology\[deep\]"):
        fit_cnn_state(Fake(), True, _train_images())


def test_torch_thread_count_restored(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(_cnn_scan, "STEPS", 2)
    # from 2 threads, not the default: the suite's workers run torch on one thread
    # (conftest), where the fit's one thread would be restored whether or not it restores
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        g = np.random.default_rng(0)
        grays = [(128 + 6 * g.normal(size=(N, N))).astype(np.float32) for _ in range(10)]
        CnnScan.fit(grays, np.arange(10) % 5 == 4, np.ones((N, N), bool))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def _trained_aurocs(steps: int) -> tuple[float, float]:
    """AUROC of the channel trained ``steps`` steps (seeded, one thread: deterministic) on 40
    good faces: 15 good test faces against 15 with the generator's scratches, spots and dents
    (a fresh seed: none of them was trained on); all marks, then spots and dents only."""
    pytest.importorskip("torch")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cnn_scan, "STEPS", steps)
        pc = PatchCore(cnn_scan=True, select="off").fit(_train_images())
    test = _faces(15, 1, ("scratch", "spot", "dent"), 5)
    sc = [pc._cnn.score(as_gray(d.image, "i", dtype=np.float32))[1] for d in test]
    good = [s for s, d in zip(sc, test) if d.kind == "good"]
    bad = [s for s, d in zip(sc, test) if d.kind != "good"]
    spot_dent = [s for s, d in zip(sc, test) if d.kind in ("spot", "dent")]
    return auroc(good, bad), auroc(good, spot_dent)


def test_shorter_training_separates_marked_faces():
    # about a third of the shipped training (the small sample of the default run; about 1.5 min)
    assert _cnn_scan.STEPS == FULL_STEPS
    all_marks, spot_dent = _trained_aurocs(SHORT_STEPS)
    assert all_marks >= AUROC_SHORT_MIN
    assert spot_dent >= AUROC_SPOT_DENT_MIN


@pytest.mark.slow
def test_trained_channel_separates_marked_faces():
    # the shipped training (about 3 min of CPU)
    all_marks, spot_dent = _trained_aurocs(FULL_STEPS)
    assert all_marks >= AUROC_MIN
    assert spot_dent >= AUROC_SPOT_DENT_MIN
