"""Camera calibration: checkerboard detection with unbiased corners, calibration with honest
quality figures, the camera model (undistortion to 1e-6 px), the measuring plane (px <-> mm)
and station files; boards seen in part (ChArUco, marker checkerboards), telecentric cameras
and rigs of several cameras.

>>> import tempfile, pathlib
>>> import metrology as mt
>>> board = mt.Checkerboard(cols=9, rows=6, square_mm=20.0)
>>> cal = mt.calibrate("calib_images/view_0[0-4].png", board, holdout=False)
>>> folder = tempfile.mkdtemp()
>>> path = cal.save(pathlib.Path(folder) / "station.json")
>>> plane = mt.Calibration.load(path).plane(view=0)
>>> plane.to_mm([[512.0, 384.0]]).round(1)
array([[147.5, 108.7]])
>>> import shutil; shutil.rmtree(folder)
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:  # the names below are imported on first use (a batch worker needs few)
    from .board import BoardDetection, Checkerboard, detect_board, refine_corners, refine_detection
    from .calibration import calibrate
    from .camera import CameraModel, projection_difference
    from .inputs import collect_images
    from .multicam import calibrate_rig
    from .plane import Plane
    from .results import Calibration, ProjectionUncertainty, RejectedView, ViewResult
    from .rig import RelativePose, RigCalibration, RigView
    from .stations import load_station, plane_from_board
    from .targets import CharucoBoard, MarkerCheckerboard
    from .telecentric import TelecentricCamera, TelecentricPlane, telecentric_difference
    from .telecentric_calib import TelecentricCalibration, calibrate_telecentric

__all__ = ["Checkerboard", "BoardDetection", "detect_board", "refine_detection", "refine_corners",
           "calibrate", "Calibration", "CameraModel", "Plane", "ViewResult", "RejectedView",
           "ProjectionUncertainty", "collect_images", "projection_difference",
           "CharucoBoard", "MarkerCheckerboard", "TelecentricCamera", "TelecentricPlane",
           "TelecentricCalibration", "calibrate_telecentric", "telecentric_difference",
           "calibrate_rig", "RigCalibration", "RigView", "RelativePose", "load_station",
           "plane_from_board"]

_HOMES = {"Checkerboard": "board", "BoardDetection": "board", "detect_board": "board",
          "refine_detection": "board", "refine_corners": "board", "calibrate": "calibration",
          "CameraModel": "camera", "projection_difference": "camera", "collect_images": "inputs",
          "calibrate_rig": "multicam", "Plane": "plane", "Calibration": "results",
          "ProjectionUncertainty": "results", "RejectedView": "results", "ViewResult": "results",
          "RelativePose": "rig", "RigCalibration": "rig", "RigView": "rig",
          "load_station": "stations", "plane_from_board": "stations",
          "CharucoBoard": "targets", "MarkerCheckerboard": "targets",
          "TelecentricCamera": "telecentric", "TelecentricPlane": "telecentric",
          "telecentric_difference": "telecentric", "TelecentricCalibration": "telecentric_calib",
          "calibrate_telecentric": "telecentric_calib"}
__getattr__ = lazy_names(__name__, _HOMES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
