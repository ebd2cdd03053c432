"""``metrology anomaly fit`` / ``score``: files in, exit codes out."""

import json

import cv2
import pytest

from metrology.cli import main
from metrology.synth.defects import make_defect_set


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("imgs")
    parts = make_defect_set(8, ("spot",), 1, shape=(96, 96), seed=4,
                            defect_params={"contrast": -60.0, "radius_px": 4.0})
    return d, write_parts(d, parts)


def write_parts(d, parts) -> list[str]:
    """Each generated part as ``d/NN_kind.png``; their paths in order."""
    paths = []
    for i, p in enumerate(parts):
        path = d / f"{i:02d}_{p.kind}.png"
        cv2.imwrite(str(path), p.image)
        paths.append(str(path))
    return paths


def test_fit_then_score(images, capsys):
    d, paths = images
    bank = str(d / "bank.json")
    assert main(["anomaly", "fit", *paths[:6], "-o", bank, "--calibrate", *paths[6:8],
                 "--coreset-ratio", "0.2", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["bank_size"] > 0 and summary["threshold"]["n_images"] == 2
    # the good images pass (exit 0); a strong 60-level spot is above the threshold (exit 1)
    assert main(["anomaly", "score", paths[6], "--bank", bank]) == 0
    out = capsys.readouterr().out
    assert "score" in out and "ok" in out
    assert main(["anomaly", "score", paths[8], "--bank", bank, "--json",
                 "--overlay", str(d / "ov")]) == 1
    res = json.loads(capsys.readouterr().out)["results"][0]
    assert res["anomalous"] is True
    assert (d / "ov" / "08_spot.anomaly.png").is_file()


def test_bad_input_exit_2(images, tmp_path, capsys):
    _, paths = images
    assert main(["anomaly", "score", paths[0], "--bank", str(tmp_path / "none.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["anomaly", "score", paths[0], "--bank", str(bad)]) == 2
    assert main(["anomaly", "fit", str(tmp_path / "missing.png"), "-o",
                 str(tmp_path / "b.json")]) == 2
    assert "error" in capsys.readouterr().err


def test_a_folder_as_bank_is_one_line_exit_2(images, tmp_path, capsys):
    # "--bank ." reached Path.with_suffix on an empty name (ValueError, the CLI fuzz)
    _, paths = images
    for folder in (".", str(tmp_path)):
        assert main(["anomaly", "score", paths[0], "--bank", folder]) == 2
        err = capsys.readouterr().err
        assert "folder" in err and "unexpected" not in err


def test_fit_passes_select_and_line_scan(images, capsys):
    d, paths = images
    bank = str(d / "plain.json")
    assert main(["anomaly", "fit", *paths[:6], "-o", bank, "--select", "off",
                 "--line-scan", "off", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["config"]["select"] == "off"
    assert summary["config"]["line_scan"] is False
    assert summary["info"]["line_scan"] == "off"
    # an unknown choice is a usage error: exit 2
    assert main(["anomaly", "fit", *paths[:6], "-o", bank, "--select", "maybe"]) == 2


def test_fit_passes_the_band_and_the_channels(images, capsys):
    d, paths = images
    bank = str(d / "banded.json")
    assert main(["anomaly", "fit", *paths[:6], "-o", bank, "--select", "off",
                 "--edge-band-px", "3", "--texture-energy", "off", "--jet-scan", "off",
                 "--jet-head", "off", "--jet-memory", "on", "--gaussianize", "off",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    cfg, info = summary["config"], summary["info"]
    # the memory asked for, with the jet channel off: off, as the head is without it
    assert cfg["jet_memory"] is True and info["jet_memory"] == "off"
    assert cfg["edge_band_px"] == 3.0 and cfg["texture_energy"] is False
    assert cfg["jet_scan"] is False and info["jet_scan"] == "off"
    assert cfg["jet_head"] is False and info["jet_head"] == "off"
    assert cfg["cnn_scan"] is False and info["cnn_scan"] == "off"  # the option's default
    assert info["texture_energy"] == "off"
    assert cfg["gaussianize"] is False and info["gaussianize"] == "off"
    assert cfg["chroma_scan"] == "auto" and info["chroma_scan"].startswith("off")  # gray
    # the chroma channel asked for on gray images: a clear error (exit 2), no bank
    gray = d / "chroma_on.json"
    assert main(["anomaly", "fit", *paths[:6], "-o", str(gray), "--chroma-scan", "on"]) == 2
    assert "chroma_scan" in capsys.readouterr().err
    assert not gray.exists() and not gray.with_suffix(".npz").exists()
    # the jet channel asked for on 6 images: it needs 10, a clear error (exit 2), no bank
    on = d / "jet_on.json"
    assert main(["anomaly", "fit", *paths[:6], "-o", str(on), "--jet-scan", "on"]) == 2
    assert "jet_scan" in capsys.readouterr().err
    assert not on.exists() and not on.with_suffix(".npz").exists()
    # the discriminator channel asked for on 6 images: it needs 40, a clear error, no bank
    assert main(["anomaly", "fit", *paths[:6], "-o", str(on), "--cnn-scan", "on"]) == 2
    assert "cnn_scan" in capsys.readouterr().err
    assert not on.exists() and not on.with_suffix(".npz").exists()
    # a negative band is the settings' own error, exit 2
    assert main(["anomaly", "fit", *paths[:6], "-o", bank, "--edge-band-px", "-1"]) == 2
    assert "edge_band_px" in capsys.readouterr().err


def test_fit_with_a_roi_mask_learns_and_scores_only_its_pixels(images, tmp_path, capsys):
    """``--roi MASK``: the nonzero pixels of a mask image are the region learned and scored.
    A 60-level dark spot of radius 5 px in the right half is flagged by a bank of the whole
    image and not by one whose mask is the left half (its map is 0 there)."""
    import numpy as np

    from metrology.anomaly import PatchCore

    d, paths = images
    goods = paths[:8]
    img = cv2.imread(goods[7], cv2.IMREAD_UNCHANGED)
    spotted = img.copy()
    cv2.circle(spotted, (76, 48), 5, int(max(int(img[48, 76]) - 60, 0)), -1)
    spot = str(tmp_path / "spot_right.png")
    cv2.imwrite(spot, spotted)
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[:, :48] = 255
    mask_path = str(tmp_path / "left.png")
    cv2.imwrite(mask_path, mask)
    whole, left = str(tmp_path / "whole.json"), str(tmp_path / "left.json")
    common = [*goods[:6], "--calibrate", *goods[6:8], "--coreset-ratio", "0.2"]
    assert main(["anomaly", "fit", *common, "-o", whole]) == 0
    assert main(["anomaly", "fit", *common, "-o", left, "--roi", mask_path]) == 0
    capsys.readouterr()
    assert main(["anomaly", "score", spot, "--bank", whole]) == 1   # seen: anomalous
    capsys.readouterr()
    assert main(["anomaly", "score", spot, "--bank", left, "--json"]) == 0  # outside the mask
    res = json.loads(capsys.readouterr().out)["results"][0]
    assert res["max_xy"][0] < 48
    pc = PatchCore.load(left)
    assert pc.roi is not None and pc.roi.any() and not pc.roi[:, 48:].any()
    assert not pc.score(spotted).map[:, 52:].any()
    # the spot's pixels are not looked at: the image scores as it does without the spot
    assert pc.score(spotted).score == pytest.approx(pc.score(img).score, abs=1e-6)


def test_a_bad_roi_mask_is_a_clear_error_and_no_bank(images, tmp_path, capsys):
    import numpy as np

    _, paths = images
    cases = {"small.png": np.full((40, 40), 255, np.uint8),      # not the training size
             "empty.png": np.zeros((96, 96), np.uint8)}           # no pixel
    for name, mask in cases.items():
        path = tmp_path / name
        cv2.imwrite(str(path), mask)
        bank = tmp_path / f"{name}.json"
        assert main(["anomaly", "fit", *paths[:6], "-o", str(bank), "--roi", str(path)]) == 2
        err = capsys.readouterr().err
        assert "--roi" in err and "unexpected" not in err
        assert not bank.exists() and not bank.with_suffix(".npz").exists()
    assert main(["anomaly", "fit", *paths[:6], "-o", str(tmp_path / "m.json"), "--roi",
                 str(tmp_path / "missing.png")]) == 2
    assert "--roi" in capsys.readouterr().err
