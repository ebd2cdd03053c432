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
           "CB_SB_FLAGS", "CB_CLASSIC_FLAGS", "board_size_seen", "calib_flags", "calib_ro_flags", "fisheye_flags",
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


def board_size_seen(gray8: np.ndarray) -> tuple[int, int] | None:
    """Inner corners ``(a, b)`` (``a >= b``) of the checkerboard an image shows, whatever its
    size, or None: ``findChessboardCornersSBWithMeta`` with ``CALIB_CB_LARGER`` grows a 4x4
    pattern to the whole board (0.2 s on 1024x768).  Used to say which size a view shows when
    the size given was not found."""
    try:
        found, corners, meta = cv2.findChessboardCornersSBWithMeta(
            gray8, (4, 4), cv2.CALIB_CB_LARGER | cv2.CALIB_CB_EXHAUSTIVE)
    except cv2.error:
        return None
    if not found or corners is None or meta is None or meta.ndim != 2:
        return None
    a, b = sorted(meta.shape, reverse=True)
    return (int(a), int(b)) if a * b == len(corners) else None


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


# ----------------------------------------------------------------------------- id'd boards
# The ArUco API moved in OpenCV 4.7 (cv2.aruco.CharucoBoard_create, detectMarkers and
# interpolateCornersCharuco became the CharucoBoard constructor and CharucoDetector); we
# require >= 4.9 and use only the new one.  OpenCV 4.6 changed the ChArUco layout of boards
# with an even number of square rows (setLegacyPattern restores the old one).

ARUCO_DICTIONARIES = ("DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_4X4_1000",
                      "DICT_5X5_50", "DICT_5X5_100", "DICT_5X5_250", "DICT_5X5_1000",
                      "DICT_6X6_50", "DICT_6X6_100", "DICT_6X6_250", "DICT_6X6_1000",
                      "DICT_7X7_50", "DICT_7X7_100", "DICT_7X7_250", "DICT_7X7_1000",
                      "DICT_ARUCO_ORIGINAL", "DICT_APRILTAG_16h5", "DICT_APRILTAG_25h9",
                      "DICT_APRILTAG_36h10", "DICT_APRILTAG_36h11", "DICT_ARUCO_MIP_36h12")


def aruco_dictionary(name: str) -> Any:
    """The predefined ``cv2.aruco.Dictionary`` called ``name`` (one of
    :data:`ARUCO_DICTIONARIES`)."""
    if name not in ARUCO_DICTIONARIES:
        raise InputError(f"dictionary: expected one of {', '.join(ARUCO_DICTIONARIES)}, "
                         f"given {name!r}")
    return cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))


def aruco_marker_bits(name: str, marker_id: int) -> np.ndarray:
    """The ``(s + 2, s + 2)`` cells of one marker including its black border, ``True`` =
    white, in the marker's upright orientation (row 0 at the top)."""
    d = aruco_dictionary(name)
    bits = cv2.aruco.Dictionary_getBitsFromByteList(d.bytesList[marker_id:marker_id + 1],
                                                    d.markerSize)
    out = np.zeros((d.markerSize + 2, d.markerSize + 2), bool)
    out[1:-1, 1:-1] = np.asarray(bits, bool)
    return out


def charuco_board(squares_xy: tuple[int, int], square: float, marker: float, name: str,
                  ids: np.ndarray, legacy: bool) -> Any:
    """A ``cv2.aruco.CharucoBoard`` (OpenCV's own layout: which squares hold markers)."""
    d = aruco_dictionary(name)
    board = cv_call(cv2.aruco.CharucoBoard, tuple(int(v) for v in squares_xy), float(square),
                    float(marker), d, np.asarray(ids, np.int32).reshape(-1, 1),
                    what="building the ChArUco board", error=InputError)
    board.setLegacyPattern(bool(legacy))
    return board


def detect_charuco(gray8: np.ndarray, board: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV's ChArUco detection: ``(corners (M, 2), corner ids (M,), marker ids (K,))``.

    Markers are detected first (every id of the board's dictionary, ``marker ids`` keeps
    them all); markers whose id is seen more than once are left out before OpenCV
    interpolates the corners from the markers around them (local homographies, two adjacent
    markers), since it would otherwise refuse the view or mix the copies.
    """
    from .errors import BoardNotFoundError

    d = board.getDictionary()
    det = cv2.aruco.ArucoDetector(d, cv2.aruco.DetectorParameters())
    mc, mid, _ = cv_call(det.detectMarkers, gray8, what="detecting ArUco markers",
                         error=BoardNotFoundError)
    if mid is None or len(mid) == 0:
        return np.zeros((0, 2)), np.zeros(0, int), np.zeros(0, int)
    mids = np.asarray(mid, int).ravel()
    vals, counts = np.unique(mids, return_counts=True)
    keep = ~np.isin(mids, vals[counts > 1])
    if not keep.any():
        return np.zeros((0, 2)), np.zeros(0, int), mids
    params = cv2.aruco.CharucoParameters()
    params.tryRefineMarkers = True
    cdet = cv2.aruco.CharucoDetector(board, params)
    kept_c = [mc[i] for i in np.nonzero(keep)[0]]
    kept_i = mids[keep].reshape(-1, 1).astype(np.int32)
    cc, cid, _, _ = cv_call(cdet.detectBoard, gray8, markerCorners=kept_c, markerIds=kept_i,
                            what="interpolating ChArUco corners", error=BoardNotFoundError)
    corners = np.zeros((0, 2)) if cc is None else from_cv_points(cc)
    ids = np.zeros(0, int) if cid is None else np.asarray(cid, int).ravel()
    return corners, ids, mids


def detect_aruco_markers(gray8: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Every marker of dictionary ``name`` in the image: ``(corners (K, 4, 2), ids (K,))``."""
    from .errors import BoardNotFoundError

    det = cv2.aruco.ArucoDetector(aruco_dictionary(name), cv2.aruco.DetectorParameters())
    corners, ids, _ = cv_call(det.detectMarkers, gray8, what="detecting ArUco markers",
                              error=BoardNotFoundError)
    if ids is None or len(ids) == 0:
        return np.zeros((0, 4, 2)), np.zeros(0, int)
    return (np.asarray(corners, float).reshape(-1, 4, 2), np.asarray(ids, int).ravel())


# findChessboardCornersSB on boards larger than the view, located by their marker dots
CB_SB_MARKER_FLAGS = (cv2.CALIB_CB_EXHAUSTIVE | cv2.CALIB_CB_ACCURACY | cv2.CALIB_CB_LARGER
                      | cv2.CALIB_CB_MARKER | getattr(cv2, "CALIB_CB_NORMALIZE_IMAGE", 0))


def find_chessboard_sb_meta(gray8: np.ndarray, pattern_size: tuple[int, int],
                            flags: int = CB_SB_MARKER_FLAGS
                            ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``findChessboardCornersSBWithMeta``: the detected grid's corners ``(r, c, 2)`` (row-major
    in OpenCV's order) and its meta array ``(r, c)`` uint8 (1/2: top-left corner of a black /
    white cell, 3/4: of a black cell with a white dot / a white cell with a black dot), or
    ``(None, None)`` when no board is found."""
    from .errors import BoardNotFoundError

    found, corners, meta = cv_call(cv2.findChessboardCornersSBWithMeta, gray8,
                                   tuple(int(v) for v in pattern_size), flags,
                                   what="searching for the marker checkerboard (SB)",
                                   error=BoardNotFoundError)
    if not found or corners is None or meta is None:
        return None, None
    meta = np.asarray(meta, np.uint8)
    pts = from_cv_points(corners)
    if pts.shape[0] != meta.size:
        return None, None
    return pts.reshape(meta.shape + (2,)), meta
