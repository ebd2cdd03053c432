"""Data shipped with the package: the calibration images of ``metrology demo``.

``calib_images/`` (15 rendered checkerboard views with exact ground truth, see its README) is
installed with the package, so the demo runs from any install, not only from a source
checkout.

>>> (calib_images_dir() / "ground_truth.json").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["calib_images_dir"]


def calib_images_dir() -> Path:
    """Folder of the shipped calibration images (``view_*.png`` and ``ground_truth.json``)."""
    return Path(__file__).resolve().parent / "calib_images"
