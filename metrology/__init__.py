"""metrology: classical machine-vision measurement.

Calibrate a camera with a checkerboard, find a part by its contour, place caliper tools relative
to it and report dimensions in millimetres with pass/fail against tolerances.

Names are imported lazily so ``import metrology`` stays light (and never imports torch).

>>> import metrology as mt
>>> mt.Pose2D(10, 0, 90, 1).apply([[1.0, 0.0]]).round(6).tolist()
[[10.0, 1.0]]
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .errors import (BoardNotFoundError, CalibrationError, EdgeNotFoundError, FileFormatError,
                     FitError, InputError, MetrologyError, ModelError, ShapeError)

# public name -> module that defines it (imported on first access)
_LAZY: dict[str, str] = {
    "Pose2D": "metrology.core.pose",
    # calibration
    "Checkerboard": "metrology.calib",
    "BoardDetection": "metrology.calib",
    "detect_board": "metrology.calib",
    "calibrate": "metrology.calib",
    "Calibration": "metrology.calib",
    "CameraModel": "metrology.calib",
    "Plane": "metrology.calib",
    "CharucoBoard": "metrology.calib",
    "MarkerCheckerboard": "metrology.calib",
    "calibrate_telecentric": "metrology.calib",
    "calibrate_rig": "metrology.calib",
    "load_station": "metrology.calib",
    # matching
    "ShapeModel": "metrology.match",
    "Match": "metrology.match",
    # calipers
    "measure_edges": "metrology.caliper",
    "measure_pairs": "metrology.caliper",
    "find_line": "metrology.caliper",
    "find_circle": "metrology.caliper",
    "find_ellipse": "metrology.caliper",
    # inspection
    "Recipe": "metrology.inspect",
    "InspectionResult": "metrology.inspect",
}
_SUBMODULES = {"geometry", "core", "image", "calib", "match", "caliper", "anomaly", "inspect",
               "viz", "synth", "testing", "errors", "cli"}

__all__ = ["__version__", "Pose2D", "MetrologyError", "InputError", "ShapeError", "FitError",
           "BoardNotFoundError", "CalibrationError", "EdgeNotFoundError", "ModelError",
           "FileFormatError", *sorted(set(_LAZY) - {"Pose2D"}), *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"metrology.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'metrology' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
