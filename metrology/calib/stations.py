"""Any station file, any camera: one loader and one plane builder for callers that take
whatever station the user calibrated (recipes, the CLI).

* :func:`load_station` reads a pinhole station (``metrology.station``), a telecentric one
  (``metrology.telecentric_station``) or a rig of several cameras (``metrology.rig``),
  dispatching on the file's ``format`` field;
* :func:`plane_from_board` locates the measuring plane from a board image with the right
  plane type for the camera (:class:`~metrology.calib.Plane` or
  :class:`~metrology.calib.telecentric.TelecentricPlane`);
* :func:`plane_from_dict` reads either plane back from its ``to_dict()``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .._io import as_path
from ..core.checks import check_bool
from ..errors import FileFormatError, InputError
from .camera import CameraModel
from .plane import Plane
from .results import STATION_FORMAT, Calibration
from .rig import RIG_FORMAT, RigCalibration
from .telecentric import TelecentricCamera, TelecentricPlane
from .telecentric_calib import TELECENTRIC_FORMAT, TelecentricCalibration

__all__ = ["load_station", "plane_from_board", "plane_from_dict", "STATION_FORMATS"]

#: station file format -> the class that reads it
STATION_FORMATS = {STATION_FORMAT: Calibration, TELECENTRIC_FORMAT: TelecentricCalibration,
                   RIG_FORMAT: RigCalibration}


def load_station(path: str | os.PathLike, *, allow_rig: bool = True) -> Any:
    """Read a station file of any kind (see the module docstring).

    Parameters
    ----------
    path : path
    allow_rig : bool
        False: a rig file (several cameras) is refused with :class:`FileFormatError`, for
        callers that need one camera.

    Returns
    -------
    Calibration, TelecentricCalibration or RigCalibration

    Raises
    ------
    InputError
        The file does not exist.
    FileFormatError
        Not a station file, or a bad field (named).
    """
    p = as_path(path)
    check_bool(allow_rig, "allow_rig")
    if not p.is_file():
        raise InputError(f"file not found: {p}")
    try:
        fmt = json.loads(p.read_bytes().decode("utf-8")).get("format")
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        fmt = None  # the format's own loader reports what is wrong with the file
    if fmt is not None and not isinstance(fmt, str):
        raise FileFormatError(f"{p}: field 'format': expected a string, given "
                              f"{type(fmt).__name__}")
    if isinstance(fmt, str) and fmt not in STATION_FORMATS:
        raise FileFormatError(f"{p}: field 'format': expected a station file "
                              f"({', '.join(sorted(STATION_FORMATS))}), given {fmt!r}")
    cls = STATION_FORMATS.get(fmt, Calibration)
    if cls is RigCalibration and not allow_rig:
        raise FileFormatError(f"{p}: a station of several cameras (a rig); it needs a "
                              f"multi-camera recipe (metrology.inspect.MultiCameraRecipe)")
    return cls.load(p)


def plane_from_board(camera: Any, image: Any, board: Any, *, height_mm: float = 0.0) -> Any:
    """The measuring plane from an image of ``board`` lying on it, for a pinhole or a
    telecentric camera (:meth:`Plane.from_board` / :meth:`TelecentricPlane.from_board`)."""
    if not isinstance(camera, (CameraModel, TelecentricCamera)):
        raise InputError(f"camera: expected a CameraModel or TelecentricCamera, given "
                         f"{type(camera).__name__}")
    if isinstance(camera, TelecentricCamera):
        return TelecentricPlane.from_board(camera, image, board, height_mm=height_mm)
    return Plane.from_board(camera, image, board, height_mm=height_mm)


def plane_from_dict(doc: Any, where: str = "plane") -> Any:
    """A :class:`Plane` or :class:`TelecentricPlane` from its ``to_dict()`` (``"kind":
    "telecentric"`` marks the latter)."""
    if isinstance(doc, dict) and doc.get("kind") == "telecentric":
        return TelecentricPlane.from_dict(doc, where)
    if isinstance(doc, dict) and "kind" in doc:
        raise FileFormatError(f"{where}.kind: expected 'telecentric' or no kind (a pinhole "
                              f"plane), given {doc['kind']!r}")
    return Plane.from_dict(doc, where)
