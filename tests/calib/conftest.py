"""Shared, cached calibration fixtures (calibration on 14 views is the expensive part)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from calib_helpers import opencv_classic
from metrology.calib import CameraModel, Checkerboard, calibrate

ROOT = Path(__file__).resolve().parents[2]
CALIB_DIR = ROOT / "calib_images"


@pytest.fixture(scope="session")
def ground_truth():
    doc = json.loads((CALIB_DIR / "ground_truth.json").read_text())
    b = doc["board"]
    board = Checkerboard(b["cols"], b["rows"], b["square_mm"])
    cam = CameraModel.from_dict(doc["camera"])
    files = [CALIB_DIR / v["file"] for v in doc["views"]]
    truth = [np.array(v["corners_xy"]) for v in doc["views"]]
    return {"board": board, "camera": cam, "files": files, "truth": truth, "doc": doc}


@pytest.fixture(scope="session")
def cal14(ground_truth):
    """Our calibration on the first 14 committed views (the brief's 14-view set)."""
    return calibrate([str(f) for f in ground_truth["files"][:14]], ground_truth["board"])


@pytest.fixture(scope="session")
def cv14(ground_truth):
    """OpenCV's classic pipeline on the same 14 views."""
    return opencv_classic(ground_truth["files"][:14], ground_truth["board"],
                          ground_truth["camera"].image_size)
