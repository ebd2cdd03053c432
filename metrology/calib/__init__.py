"""Camera calibration: checkerboard detection with unbiased corners, calibration with honest
quality figures, the camera model (undistortion to 1e-6 px), the measuring plane (px <-> mm)
and station files.

>>> import metrology as mt
>>> board = mt.Checkerboard(cols=9, rows=6, square_mm=20.0)
>>> cal = mt.calibrate("calib_images/*.png", board)            # doctest: +SKIP
>>> cal.save("station.json")                                   # doctest: +SKIP
>>> plane = cal.plane(view=0); plane.to_mm([[512, 384]])       # doctest: +SKIP
"""

from .board import BoardDetection, Checkerboard, detect_board, refine_corners
from .calibration import (Calibration, ProjectionUncertainty, RejectedView, ViewResult, calibrate,
                        collect_images)
from .camera import CameraModel, projection_difference
from .plane import Plane

__all__ = ["Checkerboard", "BoardDetection", "detect_board", "refine_corners", "calibrate",
           "Calibration", "CameraModel", "Plane", "ViewResult", "RejectedView",
           "ProjectionUncertainty", "collect_images", "projection_difference"]
