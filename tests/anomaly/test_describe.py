"""``metrology anomaly info BANK`` and the end of ``anomaly fit``: what a bank is and what its
fit chose (:mod:`metrology.anomaly.describe`)."""

import json

import numpy as np
import pytest

from metrology.anomaly import PatchCore
from metrology.anomaly.describe import channel_states, describe
from metrology.cli import main
from metrology.errors import InputError
from metrology.synth.defects import make_defect_set
from tests.anomaly.test_cli import write_parts


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    d = tmp_path_factory.mktemp("describe")
    return d, write_parts(d, make_defect_set(8, (), 0, shape=(96, 96), seed=11))


def test_fit_says_what_it_chose_and_info_says_it_again(paths, capsys):
    d, imgs = paths
    bank = d / "b.npz"
    assert main(["anomaly", "fit", *imgs[:6], "-o", str(bank), "--select", "off",
                 "--edge-band-px", "3", "--jet-scan", "off", "--calibrate", *imgs[6:]]) == 0
    fit_out = capsys.readouterr().out
    assert main(["anomaly", "info", str(bank)]) == 0
    info_out = capsys.readouterr().out
    for out in (fit_out, info_out):
        assert "images 96 x 96 gray" in out and "fitted on 6 good images" in out
        assert "face band 3 px, as set" in out
        # each channel's state, and why an "auto" one is off: the chroma channel on gray
        # images, the jet channel as asked
        assert "line on" in out and "jet off" in out
        assert "chroma off: chroma_scan: the training images are gray" in out
        assert "Gaussianized face signal off" in out   # an option, off by default
        assert "combined by 'colocated'" in out
        assert "threshold " in out and "from 2 good images" in out
        assert "threshold: none" not in out
    # the file's lines after the path are the same whether just fitted or loaded
    assert fit_out.splitlines()[1:] == info_out.splitlines()[1:]


def test_info_json_and_a_bad_bank(paths, tmp_path, capsys):
    d, imgs = paths
    bank = tmp_path / "j.npz"
    assert main(["anomaly", "fit", *imgs[:6], "-o", str(bank), "--select", "off", "--json"]) == 0
    capsys.readouterr()
    assert main(["anomaly", "info", str(bank), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["channels"]["line"] == "on" and got["fusion"] == "colocated"
    assert got["image_shape"] == [96, 96] and got["bank_size"] > 0
    # every fit keeps the position-aware model; the bank uses it only for aligned parts
    assert got["aligned_model"] is True and got["config"]["aligned"] is False
    assert main(["anomaly", "info", str(bank)]) == 0
    assert "position-aware check fitted, on for aligned parts" in capsys.readouterr().out
    # a missing or broken bank: one line on stderr, exit 2
    assert main(["anomaly", "info", str(tmp_path / "none.npz")]) == 2
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    assert main(["anomaly", "info", str(broken)]) == 2
    assert "error" in capsys.readouterr().err


def test_describe_in_python_and_the_band_chosen_at_fit():
    assert describe(PatchCore()) == ["PatchCore bank: not fitted"]
    for bad in (None, {}, 2, "bank.npz"):   # the API fuzz's crash: one clear error now
        with pytest.raises(InputError, match="expected a PatchCore"):
            describe(bad)
        with pytest.raises(InputError, match="expected a PatchCore"):
            channel_states(bad)
    parts = make_defect_set(16, (), 0, shape=(64, 64), seed=12)
    few = describe(PatchCore(jet_scan=False).fit([p.image for p in parts[:10]]))
    # with 10 images there is no choice: the band as set, and why
    assert "face band 0 px, as set (select off: needs at least 15 good images, given 10)" in few
    pc = PatchCore(jet_scan=False).fit([p.image for p in parts])
    lines = describe(pc)
    # select="auto" (the default) chose a band on painted held-back parts: it says which,
    # and each candidate's AUROC
    band = [ln for ln in lines if ln.startswith("face band")]
    assert len(band) == 1 and "chosen at fit" in band[0]
    chosen = pc.info["select"]["edge_band_px"]
    assert band[0].startswith(f"face band {chosen:g} px")
    for c in pc.info["select"]["candidates"]:
        assert f"{c['edge_band_px']:g} px {c['auroc']:.3f}" in band[0]
    states = channel_states(pc)
    assert states["jet"] == "off" and list(states)[0] == "line"
    assert np.all([isinstance(v, str) for v in states.values()])
    # a bank whose info records no channel (written before them) says so, and no band chosen
    pc.info = {k: v for k, v in pc.info.items() if k in ("n_images", "feature_dim")}
    lines = describe(pc)
    assert "channels: none recorded (a bank from before the extra channels)" in lines
    assert "face band 0 px, as set" in lines
