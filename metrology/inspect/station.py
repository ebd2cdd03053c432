"""The measuring station of a recipe: which calibration and which plane turn pixels into mm.

Recipe field ``station`` (paths relative to the recipe file)::

    {"calibration": "station.json", "plane": {"board_image": "plane.png"}}
    {"calibration": "station.json", "plane": {"board_image": "plane.png",
                                              "board": {"cols": 11, "rows": 8, "square_mm": 3}}}
    {"calibration": "station.json", "plane": {"view": 0}}
    {"calibration": "station.json", "plane": {"file": "plane.json"}}
    {"pixel_size_mm": 0.05}

Any of them may add what the station knows about its own errors beyond the calibration, for
the uncertainty budget (:mod:`metrology.inspect.uncertainty`; both default to 0)::

    "uncertainty": {"height_mm": 0.005, "scale_rel": 2e-5}

``height_mm``: standard uncertainty of the measured surface's height above the board that
located the plane (parts of varying thickness, a part not lying flat); ``scale_rel``: relative
standard uncertainty of the board's pitch (printing, temperature) or of a bare pixel size.

The first three use :mod:`metrology.calib`: the station file (camera: a pinhole or a
telecentric station, :func:`metrology.calib.stations.load_station`) plus the measuring plane,
given by an image of a board lying on that plane (the usual way: put the board where the parts
go, take one picture; ``board`` names it when it is not the calibration board), by one of the
calibration views, or by a plane file (:func:`save_plane`).  ``plane.to_mm``
undistorts then maps to the plane, so distortion and a tilted camera are handled.

``pixel_size_mm`` is a bare scale for an uncalibrated, telecentric or pre-rectified setup; it
corrects neither distortion nor perspective, and says so in every result.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._io import check_json_numbers
from ..core.checks import as_points
from ..errors import FileFormatError, InputError

__all__ = ["StationSpec", "ScalePlane", "Station", "save_plane", "load_plane",
           "PLANE_FORMAT", "PLANE_VERSION"]

PLANE_FORMAT = "metrology.plane"
PLANE_VERSION = 1


def save_plane(plane: Any, path: str | Path) -> Path:
    """Write a :class:`metrology.calib.Plane` as a versioned JSON file (atomic).

    Raises
    ------
    InputError
        ``plane`` is not a plane (no ``to_dict``, ``to_mm`` and ``to_px``) or a bad path.
    """
    from .._io import write_json_file

    if not all(callable(getattr(plane, m, None)) for m in ("to_dict", "to_mm", "to_px")):
        raise InputError(f"plane: expected a metrology.calib.Plane, given "
                         f"{type(plane).__name__}")
    return write_json_file(path, {"plane": plane.to_dict()}, fmt=PLANE_FORMAT,
                           version=PLANE_VERSION)


def load_plane(path: str | Path) -> Any:
    """Read a plane file written by :func:`save_plane` (``FileFormatError`` names the field)."""
    from .._io import read_json_file, require
    from ..calib.stations import plane_from_dict

    doc = read_json_file(path, fmt=PLANE_FORMAT, versions=[PLANE_VERSION])
    return plane_from_dict(require(doc, "plane", dict, str(path)), f"{path}: plane")


@dataclass(frozen=True)
class ScalePlane:
    """Pixels -> mm by one scale factor: ``mm = px * pixel_size_mm`` (no distortion model).

    Examples
    --------
    >>> ScalePlane(0.05).to_mm([[10.0, 20.0]]).tolist()
    [[0.5, 1.0]]
    """

    pixel_size_mm: float

    def __post_init__(self) -> None:
        from ..core.checks import check_positive

        object.__setattr__(self, "pixel_size_mm",
                           check_positive(self.pixel_size_mm, "pixel_size_mm", max=1e6))

    def to_mm(self, points_xy: Any) -> np.ndarray:
        """Image pixels (N, 2) -> mm (N, 2)."""
        return as_points(points_xy, "points_xy") * self.pixel_size_mm

    def to_px(self, points_mm: Any) -> np.ndarray:
        """Plane mm (N, 2) -> image pixels (N, 2)."""
        return as_points(points_mm, "points_mm") / self.pixel_size_mm


_UNCERTAINTY_KEYS = ("height_mm", "scale_rel")


def _stated(doc: Any, where: str) -> dict[str, float]:
    """The ``uncertainty`` field: ``{"height_mm": u_z, "scale_rel": u_s}`` (both >= 0)."""
    if not isinstance(doc, Mapping):
        raise FileFormatError(f"{where}: expected an object {{\"height_mm\": U, "
                              f"\"scale_rel\": U}}, given {doc!r:.60}")
    unknown = sorted(set(doc) - set(_UNCERTAINTY_KEYS))
    if unknown:
        raise FileFormatError(f"{where}: unknown field(s) {unknown}; allowed: "
                              f"{list(_UNCERTAINTY_KEYS)}")
    out = {}
    for k, v in doc.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or v < 0:
            raise FileFormatError(f"{where}.{k}: expected a number >= 0 (a standard "
                                  f"uncertainty), given {v!r}")
        out[k] = float(v)
    return out


@dataclass(frozen=True)
class StationSpec:
    """What the recipe file says about the station (see module docstring)."""

    calibration: str | None = None
    plane: Mapping[str, Any] | None = None
    pixel_size_mm: float | None = None
    uncertainty: Mapping[str, float] | None = None

    def to_dict(self) -> dict:
        extra = {} if not self.uncertainty else {"uncertainty": dict(self.uncertainty)}
        if self.pixel_size_mm is not None:
            return {"pixel_size_mm": self.pixel_size_mm, **extra}
        return {"calibration": self.calibration, "plane": dict(self.plane), **extra}

    @classmethod
    def from_dict(cls, doc: Any, where: str = "station") -> "StationSpec":
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where}: expected an object with 'calibration' and "
                                  f"'plane', or 'pixel_size_mm'; given {type(doc).__name__}")
        if "uncertainty" in doc:
            stated = _stated(doc["uncertainty"], f"{where}.uncertainty")
            rest = cls.from_dict({k: v for k, v in doc.items() if k != "uncertainty"}, where)
            return cls(rest.calibration, rest.plane, rest.pixel_size_mm, stated)
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
        unknown = sorted(map(str, set(doc) - {"calibration", "plane"}))
        if unknown:
            raise FileFormatError(f"{where}: unknown field(s) {unknown}; allowed: "
                                  f"['calibration', 'plane'] or ['pixel_size_mm']")
        cal = doc.get("calibration")
        if not isinstance(cal, str) or not cal:
            raise FileFormatError(f"{where}.calibration: missing field (path of the station "
                                  f"calibration file, relative to the recipe)")
        plane = doc.get("plane")
        # a board image on the plane, of another board than the calibration's
        if isinstance(plane, Mapping) and "board_image" in plane and "board" in plane:
            b = plane["board"]
            if not (isinstance(b, Mapping) and set(b) == {"cols", "rows", "square_mm"}):
                raise FileFormatError(f"{where}.plane.board: expected {{\"cols\", \"rows\", "
                                      f"\"square_mm\"}}, given {b!r}")
            rest = {k: v for k, v in plane.items() if k != "board"}
            spec = cls.from_dict({"calibration": cal, "plane": rest}, where)
            return cls(calibration=cal, plane={**spec.plane, "board": dict(b)})
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
    a description of the mapping's own quality and what is known of its errors
    (``covariance``, a :class:`~metrology.inspect.uncertainty.PlaneCovariance`, for the
    uncertainty budget of every value; None: not known)."""

    def __init__(self, plane: Any, image_size: tuple[int, int] | None, info: dict,
                 covariance: Any = None):
        from .uncertainty import PlaneCovariance

        if not all(callable(getattr(plane, m, None)) for m in ("to_mm", "to_px")):
            raise InputError(f"plane: expected a plane with to_mm/to_px, given "
                             f"{type(plane).__name__}")
        if image_size is not None and not (
                isinstance(image_size, (tuple, list)) and len(image_size) == 2 and all(
                    isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                    for v in image_size)):
            raise InputError(f"image_size: expected (w, h) positive integers or None, given "
                             f"{image_size!r:.60}")
        if not isinstance(info, dict) or not all(isinstance(k, str) for k in info):
            raise InputError(f"info: expected a dict with string keys, given "
                             f"{type(info).__name__}")
        if check_json_numbers(info):                 # what the station says of itself: finite
            raise InputError(f"info: {check_json_numbers(info)}")
        if covariance is not None and not isinstance(covariance, PlaneCovariance):
            raise InputError(f"covariance: expected a PlaneCovariance or None, given "
                             f"{type(covariance).__name__}")
        self.plane = plane
        self.image_size = image_size
        self.info = info
        self.covariance = covariance

    @classmethod
    def load(cls, spec: StationSpec, base: Path) -> "Station":
        from .uncertainty import PlaneCovariance

        if not isinstance(spec, StationSpec):
            raise InputError(f"spec: expected a StationSpec, given {type(spec).__name__}")
        if not isinstance(base, (str, os.PathLike)):
            raise InputError(f"base: expected a folder path, given {type(base).__name__}")
        base = Path(base)
        stated = dict(spec.uncertainty or {})
        if spec.pixel_size_mm is not None:
            why = ("a pixel_size_mm station has no calibration: distortion and perspective are "
                   "neither corrected nor in the budget")
            cov = PlaneCovariance(scale_rel_std=stated.get("scale_rel", 0.0),
                                  notes={"calibration": why, "plane": why, "placement": why,
                                         "corner_bias": "no board located the plane"})
            return cls(ScalePlane(spec.pixel_size_mm), None,
                       {"mapping": "pixel_size_mm", "pixel_size_mm": spec.pixel_size_mm,
                        "note": "scale only: no distortion or perspective correction"}, cov)
        from ..calib.stations import load_station, plane_from_board

        cal_path = (base / spec.calibration)
        cal = load_station(cal_path, allow_rig=False)  # pinhole or telecentric
        camera = cal.camera
        key, val = next(iter(spec.plane.items()))
        if key == "view":
            plane = cal.plane(view=val)
        elif key == "file":
            plane = load_plane(base / val)
            if tuple(plane.camera.image_size) != tuple(camera.image_size):
                raise FileFormatError(f"{base / val}: plane file is for a "
                                      f"{plane.camera.image_size} camera, the station for "
                                      f"{camera.image_size}")
        else:
            from ..calib import Checkerboard
            from ..image.io import load_image

            b = spec.plane.get("board")
            board = Checkerboard(**b) if b else cal.board
            img = load_image(base / val, "station.plane.board_image")
            plane = plane_from_board(camera, img, board)
        info = {"mapping": "plane", "calibration": str(spec.calibration),
                "plane": dict(spec.plane)}
        v = getattr(plane, "residual_rms_mm", None)
        if isinstance(v, (int, float)) and math.isfinite(v):
            info["plane_residual_rms_mm"] = float(v)
        rms = getattr(cal, "rms_px", None)
        if isinstance(rms, (int, float)) and math.isfinite(rms):
            info["calibration_rms_px"] = float(rms)
        cov = station_covariance(cal, plane, height_std_mm=stated.get("height_mm", 0.0),
                                 scale_rel_std=stated.get("scale_rel", 0.0))
        return cls(plane, tuple(int(v) for v in camera.image_size), info, cov)

    def check_image(self, image: np.ndarray, name: str = "image") -> None:
        """Raise :class:`InputError` when the image size differs from the calibrated one."""
        if self.image_size is None:
            return
        h, w = image.shape[:2]
        if (w, h) != tuple(self.image_size):
            raise InputError(f"{name}: image is {w}x{h} px but the station calibration is for "
                             f"{self.image_size[0]}x{self.image_size[1]} px; use images from "
                             f"the calibrated camera (same resolution, no cropping)")


def station_covariance(cal: Any, plane: Any, *, height_std_mm: float = 0.0,
                       scale_rel_std: float = 0.0) -> Any:
    """What is known of a calibrated station's errors
    (:class:`~metrology.inspect.uncertainty.PlaneCovariance`): the intrinsics' covariance
    (recomputed from the views the station file keeps) and the plane pose's (from the board
    corners the plane keeps).  A part that cannot be had is None, with a note saying why."""
    from ..calib import CameraModel
    from ..errors import MetrologyError
    from .uncertainty import PlaneCovariance, intrinsics_covariance, plane_covariance

    if not isinstance(getattr(plane, "camera", None), CameraModel):
        why = "not evaluated: the budget models a pinhole camera's intrinsics only"
        return PlaneCovariance(height_std_mm=height_std_mm, scale_rel_std=scale_rel_std,
                               notes={"calibration": why, "plane": why, "corner_bias": why})
    notes: dict[str, str] = {}
    try:
        C = intrinsics_covariance(cal)
    except (MetrologyError, np.linalg.LinAlgError, ValueError) as exc:
        C = None
        notes["calibration"] = f"not evaluated: no intrinsic covariance ({exc})"
    if getattr(plane, "corners_xy", None) is None:
        why = ("not evaluated: the plane file holds no board corners (written before "
               "they were kept); locate the plane again and save it")
        return PlaneCovariance(intrinsics_cov=C, height_std_mm=height_std_mm,
                               scale_rel_std=scale_rel_std,
                               notes={"calibration": notes.get("calibration", why),
                                      "plane": why, "corner_bias": why})
    from .uncertainty import camera_parameters

    n_theta = camera_parameters(plane.camera).size
    pc = plane_covariance(plane, plane.board_xy, plane.corners_xy,
                          np.zeros((n_theta, n_theta)) if C is None else C,
                          height_std_mm=height_std_mm, scale_rel_std=scale_rel_std)
    if C is None:
        from dataclasses import replace

        pc = replace(pc, intrinsics_cov=None, notes=notes)
    return pc
