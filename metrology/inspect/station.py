"""The measuring station of a recipe: which calibration and which plane turn pixels into mm.

Recipe field ``station`` (paths relative to the recipe file)::

    {"calibration": "station.json", "plane": {"board_image": "plane.png"}}
    {"calibration": "station.json", "plane": {"view": 0}}
    {"calibration": "station.json", "plane": {"file": "plane.json"}}
    {"pixel_size_mm": 0.05}

The first three use :mod:`metrology.calib`: the station file (camera) plus the measuring plane,
given by an image of the board lying on that plane (the usual way: put the board where the parts
go, take one picture), by one of the calibration views, or by a saved plane.  ``plane.to_mm``
undistorts then maps to the plane, so distortion and a tilted camera are handled.

``pixel_size_mm`` is a bare scale for an uncalibrated, telecentric or pre-rectified setup; it
corrects neither distortion nor perspective, and says so in every result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..core.checks import as_points
from ..errors import FileFormatError, InputError

__all__ = ["StationSpec", "ScalePlane", "Station"]


@dataclass(frozen=True)
class ScalePlane:
    """Pixels -> mm by one scale factor: ``mm = px * pixel_size_mm`` (no distortion model).

    Examples
    --------
    >>> ScalePlane(0.05).to_mm([[10.0, 20.0]]).tolist()
    [[0.5, 1.0]]
    """

    pixel_size_mm: float

    def to_mm(self, points_xy: Any) -> np.ndarray:
        """Image pixels (N, 2) -> mm (N, 2)."""
        return as_points(points_xy, "points_xy") * self.pixel_size_mm

    def to_px(self, points_mm: Any) -> np.ndarray:
        """mm (N, 2) -> image pixels (N, 2)."""
        return as_points(points_mm, "points_mm") / self.pixel_size_mm


@dataclass(frozen=True)
class StationSpec:
    """What the recipe file says about the station (see module docstring)."""

    calibration: str | None = None
    plane: Mapping[str, Any] | None = None
    pixel_size_mm: float | None = None

    def to_dict(self) -> dict:
        if self.pixel_size_mm is not None:
            return {"pixel_size_mm": self.pixel_size_mm}
        return {"calibration": self.calibration, "plane": dict(self.plane)}

    @classmethod
    def from_dict(cls, doc: Any, where: str = "station") -> "StationSpec":
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where}: expected an object with 'calibration' and "
                                  f"'plane', or 'pixel_size_mm'; given {type(doc).__name__}")
        if "pixel_size_mm" in doc:
            extra = sorted(set(doc) - {"pixel_size_mm"})
            if extra:
                raise FileFormatError(f"{where}: 'pixel_size_mm' excludes {extra}")
            v = doc["pixel_size_mm"]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or v <= 0:
                raise FileFormatError(f"{where}.pixel_size_mm: expected a positive number, "
                                      f"given {v!r}")
            return cls(pixel_size_mm=float(v))
        unknown = sorted(set(doc) - {"calibration", "plane"})
        if unknown:
            raise FileFormatError(f"{where}: unknown field(s) {unknown}; allowed: "
                                  f"['calibration', 'plane'] or ['pixel_size_mm']")
        cal = doc.get("calibration")
        if not isinstance(cal, str) or not cal:
            raise FileFormatError(f"{where}.calibration: missing field (path of the station "
                                  f"calibration file, relative to the recipe)")
        plane = doc.get("plane")
        if not isinstance(plane, Mapping) or len(plane) != 1 or \
                next(iter(plane)) not in ("board_image", "view", "file"):
            raise FileFormatError(f"{where}.plane: expected one of {{\"board_image\": PATH}}, "
                                  f"{{\"view\": N}}, {{\"file\": PATH}}; given {plane!r}")
        key, val = next(iter(plane.items()))
        if key == "view" and (isinstance(val, bool) or not isinstance(val, int) or val < 0):
            raise FileFormatError(f"{where}.plane.view: expected a view index >= 0, given {val!r}")
        if key != "view" and (not isinstance(val, str) or not val):
            raise FileFormatError(f"{where}.plane.{key}: expected a path, given {val!r}")
        return cls(calibration=cal, plane=dict(plane))


class Station:
    """The loaded station: a plane with ``to_mm``/``to_px``, the image size it is valid for,
    and a description of the mapping's own quality."""

    def __init__(self, plane: Any, image_size: tuple[int, int] | None, info: dict):
        self.plane = plane
        self.image_size = image_size
        self.info = info

    @classmethod
    def load(cls, spec: StationSpec, base: Path) -> "Station":
        if spec.pixel_size_mm is not None:
            return cls(ScalePlane(spec.pixel_size_mm), None,
                       {"mapping": "pixel_size_mm", "pixel_size_mm": spec.pixel_size_mm,
                        "note": "scale only: no distortion or perspective correction"})
        from ..calib import Calibration, Plane

        cal_path = (base / spec.calibration)
        cal = Calibration.load(cal_path)
        camera = cal.camera
        key, val = next(iter(spec.plane.items()))
        if key == "view":
            plane = cal.plane(view=val)
        elif key == "file":
            plane = Plane.load(base / val)
        else:
            from ..image.io import load_image

            board = getattr(cal, "board", None)
            if board is None:
                raise FileFormatError(f"{cal_path}: the station file names no board, needed to "
                                      f"find the measuring plane in {val}")
            img = load_image(base / val, "station.plane.board_image")
            plane = Plane.from_board(camera, img, board)
        info = {"mapping": "plane", "calibration": str(spec.calibration),
                "plane": dict(spec.plane)}
        for attr in ("residual_mm", "rms_mm"):
            v = getattr(plane, attr, None)
            if isinstance(v, (int, float)) and math.isfinite(v):
                info["plane_residual_mm"] = float(v)
                break
        rms = getattr(cal, "rms_px", None)
        if isinstance(rms, (int, float)) and math.isfinite(rms):
            info["calibration_rms_px"] = float(rms)
        return cls(plane, tuple(int(v) for v in camera.image_size), info)

    def check_image(self, image: np.ndarray, name: str = "image") -> None:
        """Raise :class:`InputError` when the image size differs from the calibrated one."""
        if self.image_size is None:
            return
        h, w = image.shape[:2]
        if (w, h) != tuple(self.image_size):
            raise InputError(f"{name}: image is {w}x{h} px but the station calibration is for "
                             f"{self.image_size[0]}x{self.image_size[1]} px; use images from "
                             f"the calibrated camera (same resolution, no cropping)")
