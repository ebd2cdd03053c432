"""The one place that knows OpenCV's quirks.

* OpenCV wants point arrays as ``(N, 1, 2)`` float32 (or float64 for some calls) and returns
  them in the same layout; we use ``(N, 2)`` float64 everywhere else (:func:`to_cv_points`,
  :func:`from_cv_points`).
* OpenCV sizes are ``(width, height)``; NumPy shapes are ``(rows, cols)``
  (:func:`size_wh`).
* OpenCV raises ``cv2.error`` from deep inside C++ with messages about assertions; every call
  made through :func:`cv_call` turns that into the library's own exception with a message
  saying what we were doing.
* Flags and function names that moved between OpenCV 4.x and 5.x are looked up here
  (:data:`CB_SB_FLAGS`, :func:`calib_flags`).
* :func:`cv_rotation_deg` converts between our angle sign (positive = clockwise on screen,
  y down) and ``cv2.getRotationMatrix2D``'s (positive = counter-clockwise).

Nothing outside this module should import ``cv2`` for calibration work.
"""

from __future__ import annotations

from typing import Any, Callable

import cv2
import numpy as np

from .errors import CalibrationError, InputError, MetrologyError

__all__ = ["CV_VERSION", "to_cv_points", "to_cv_points3", "from_cv_points", "size_wh", "cv_call",
           "CB_SB_FLAGS", "CB_CLASSIC_FLAGS", "calib_flags", "calib_ro_flags", "fisheye_flags",
           "DIST_COUNTS", "to_uint8", "gray_range_std",
           "cv_rotation_deg", "filestorage_write", "filestorage_read"]

CV_VERSION = tuple(int(p) for p in cv2.__version__.split(".")[:2])


def to_cv_points(points: Any, dtype: Any = np.float32) -> np.ndarray:
    """``(N, 2)`` points -> contiguous ``(N, 1, 2)`` array of ``dtype`` (OpenCV's layout)."""
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return np.ascontiguousarray(arr.reshape(-1, 1, 2), dtype=dtype)


def to_cv_points3(points: Any, dtype: Any = np.float32) -> np.ndarray:
    """``(N, 3)`` object points -> contiguous ``(N, 1, 3)`` array of ``dtype``."""
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return np.ascontiguousarray(arr.reshape(-1, 1, 3), dtype=dtype)


def from_cv_points(points: Any) -> np.ndarray:
    """Any OpenCV point array (``(N, 1, 2)``, ``(1, N, 2)``, ``(N, 2)``) -> ``(N, 2)`` float64."""
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def size_wh(image_or_shape: Any) -> tuple[int, int]:
    """``(width, height)`` of an image array or of a NumPy shape ``(H, W[, C])``."""
    shape = image_or_shape.shape if hasattr(image_or_shape, "shape") else tuple(image_or_shape)
    return int(shape[1]), int(shape[0])


def cv_call(fn: Callable, *args: Any, what: str, error: type[MetrologyError] = CalibrationError,
            **kwargs: Any) -> Any:
    """Call an OpenCV function, turning ``cv2.error`` into ``error`` with context.

    Parameters
    ----------
    fn : callable
        The ``cv2`` function.
    what : str
        What we were doing, for the message (``"calibrating 12 views"``).
    error : MetrologyError subclass
        Exception raised on failure.
    """
    try:
        return fn(*args, **kwargs)
    except cv2.error as exc:  # OpenCV's C++ assertion text is kept as the detail
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "cv2.error"
        raise error(f"OpenCV failed while {what}: {detail}") from None


def gray_range_std(gray: np.ndarray) -> tuple[float, float, float]:
    """Minimum, maximum and standard deviation of a gray image (OpenCV's single passes; for
    float64 images NumPy's, which OpenCV's min/max does not take)."""
    if gray.dtype in (np.uint8, np.uint16, np.float32):
        lo, hi, _, _ = cv2.minMaxLoc(gray)
        _, sd = cv2.meanStdDev(gray)
        return float(lo), float(hi), float(sd[0, 0])
    return float(gray.min()), float(gray.max()), float(np.std(gray))


def to_uint8(gray: np.ndarray) -> np.ndarray:
    """Gray image of any supported dtype -> uint8 for OpenCV's board detectors (uint16 and float
    images are scaled by their own 0.5 %..99.5 % range so dim 16-bit images still work)."""
    if gray.dtype == np.uint8:
        return gray
    g = gray.astype(np.float32)
    lo, hi = np.percentile(g, [0.5, 99.5])
    if not hi > lo:
        return np.zeros(g.shape, np.uint8)
    return np.clip((g - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


# findChessboardCornersSB: exhaustive search and the accuracy (upsampled) mode
CB_SB_FLAGS = (cv2.CALIB_CB_EXHAUSTIVE | cv2.CALIB_CB_ACCURACY
               | getattr(cv2, "CALIB_CB_NORMALIZE_IMAGE", 0))
CB_CLASSIC_FLAGS = (cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
                    | getattr(cv2, "CALIB_CB_FILTER_QUADS", 0))

# distortion coefficients of each lens model (OpenCV order)
DIST_COUNTS = {"standard": 5, "rational": 8, "thin_prism": 12, "tilted": 14, "fisheye": 4}


def calib_flags(model: str) -> int:
    """``cv2.calibrateCamera`` flags for one of our lens models (not for ``fisheye``)."""
    if model == "standard":
        return 0
    if model == "rational":
        return cv2.CALIB_RATIONAL_MODEL
    if model == "thin_prism":
        return cv2.CALIB_RATIONAL_MODEL | cv2.CALIB_THIN_PRISM_MODEL
    if model == "tilted":
        return cv2.CALIB_RATIONAL_MODEL | cv2.CALIB_THIN_PRISM_MODEL | cv2.CALIB_TILTED_MODEL
    raise InputError(f"model: expected 'standard', 'rational', 'thin_prism' or 'tilted', "
                     f"given {model!r}")


def calib_ro_flags(model: str) -> int:
    """Flags for ``cv2.calibrateCameraRO`` (non-flat board).

    OpenCV 5.0's ``calibrateCameraRO`` fails an internal assertion (``nparams == NINTRINSIC +
    nimages * 6`` in ``calibrateCameraInternalSchur``) unless the full 14-coefficient model is
    enabled; we enable it and *fix* the coefficients our model does not use at zero, which is
    the same optimisation problem.
    """
    full = cv2.CALIB_RATIONAL_MODEL | cv2.CALIB_THIN_PRISM_MODEL | cv2.CALIB_TILTED_MODEL
    fix_k456 = cv2.CALIB_FIX_K4 | cv2.CALIB_FIX_K5 | cv2.CALIB_FIX_K6
    fix_s = cv2.CALIB_FIX_S1_S2_S3_S4
    fix_t = cv2.CALIB_FIX_TAUX_TAUY
    calib_flags(model)  # validates the name
    return full | {"standard": fix_k456 | fix_s | fix_t, "rational": fix_s | fix_t,
                   "thin_prism": fix_t, "tilted": 0}[model]


def fisheye_flags(use_guess: bool) -> int:
    """``cv2.fisheye.calibrate`` flags: recompute extrinsics, fix skew (+ intrinsic guess).

    OpenCV 4.x names them ``cv2.fisheye.CALIB_*`` (values 2, 8, 1); OpenCV 5 moved them into
    the shared ``cv2.CALIB_*`` namespace with new values (``CALIB_RECOMPUTE_EXTRINSIC =
    1 << 23``, ``CALIB_FIX_SKEW = 1 << 25``).
    """
    ns = cv2.fisheye if hasattr(cv2.fisheye, "CALIB_RECOMPUTE_EXTRINSIC") else cv2
    flags = ns.CALIB_RECOMPUTE_EXTRINSIC | ns.CALIB_FIX_SKEW
    if use_guess:
        flags |= ns.CALIB_USE_INTRINSIC_GUESS
    return flags


def cv_rotation_deg(angle_deg: float) -> float:
    """Our angle (positive = clockwise on screen) -> ``cv2.getRotationMatrix2D``'s angle."""
    return -float(angle_deg)


def filestorage_write(nodes: dict[str, Any]) -> str:
    """Write ``nodes`` (name -> int/float/str/ndarray) to an OpenCV FileStorage YAML string."""
    fs = cv2.FileStorage(".yml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY)
    for key, value in nodes.items():
        if isinstance(value, np.ndarray):
            fs.write(key, np.ascontiguousarray(value, dtype=np.float64))
        elif isinstance(value, (bool, np.bool_)):
            fs.write(key, int(value))
        elif isinstance(value, (int, np.integer)):
            fs.write(key, int(value))
        elif isinstance(value, (float, np.floating)):
            fs.write(key, float(value))
        else:
            fs.write(key, str(value))
    return fs.releaseAndGetString()


def filestorage_read(text: str, where: str) -> "cv2.FileStorage":
    """Open FileStorage text (YAML/XML/JSON) for reading; ``where`` names the source."""
    from .errors import FileFormatError

    try:
        fs = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
    except (cv2.error, SystemError) as exc:  # OpenCV 5 raises SystemError for unknown formats
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(f"{where}: not a readable OpenCV FileStorage file "
                              f"({detail})") from None
    if not fs.isOpened():
        raise FileFormatError(f"{where}: not a readable OpenCV FileStorage file")
    return fs
