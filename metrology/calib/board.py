"""Checkerboard description and detection with unbiased sub-pixel corners.

Detection runs in two stages:

1. **Find** the board with OpenCV: the classic ``findChessboardCorners`` (fast) followed by
   ``cornerSubPix`` with a window derived from the square size in pixels (not a fixed 11x11),
   falling back to ``findChessboardCornersSB`` (exhaustive + accuracy mode) when it fails or
   when more than 10 % of its corners cannot be refined.
2. **Refine** every corner by a least-squares fit of a blurred X-junction model
   (:mod:`metrology.calib.corners`)

   ``I(x, y) = m + g . (p - c) + A * erf(d1 / (sqrt2 s)) * erf(d2 / (sqrt2 s))``

   where ``d1``, ``d2`` are the signed distances of pixel ``p`` to the two board lines through
   the corner ``c`` (any angle between them, so perspective is modelled), ``s`` is the edge
   blur and ``m, g, A`` absorb brightness, illumination gradient and contrast.  The model is
   point-symmetric about ``c``, like the blurred and pixel-integrated image of a real corner,
   so the fitted ``c`` is unbiased where gradient-based refiners (``cornerSubPix``) are not.
   All corners of a view are fitted together (batched Levenberg-Marquardt, no Python loop per
   corner) in a circular window of radius ``0.42 x`` the distance to the nearest neighbouring
   corner (at most 14 px).  When a camera model is given the fit is made in undistorted
   pixel coordinates, where board lines are straight again (lens curvature no longer biases
   the corner), and the result is mapped back (:func:`refine_detection` does this step alone,
   for a detection made without it).

Corners whose fit fails (no convergence, a jump of more than half the window, a non-corner
pattern) are marked ``corner_ok = False`` and left out of calibration.

**Corner order** (fixed and documented): row-major, ``cols`` corners per row, ``N = cols * rows``.
Corner 0 is the end of the board nearest the image's top-left (smallest ``x + y``), the
second corner lies along the board's row direction (``+X`` on the board) and the board's
``+Y`` direction is such that ``(+X, +Y)`` has the image's own handedness (a board seen from
the front).  For ``cols != rows`` this leaves a choice between two labelings (0 and 180
degrees) and the top-left rule picks one; square boards pick among four rotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _cv
from .._serial import Serializable
from ..core.checks import _image_size_wh, as_points, check_bool, check_positive
from ..errors import BoardNotFoundError, InputError, ShapeError
from ..image.io import as_gray
from .camera import CameraModel, _as_array, _real_number
from .corners import _neighbour_geometry, _refine, refine_corners

__all__ = ["Checkerboard", "BoardDetection", "detect_board", "refine_detection", "refine_corners"]

#: Most inner corners per side of a :class:`Checkerboard` (a board of 1000 x 1000 squares is
#: far beyond any printed target; the cap keeps a mistyped size from allocating gigabytes).
MAX_CORNERS_PER_SIDE = 1000


def _describe(a: Any) -> str:
    return (f"array of shape {a.shape} and dtype {a.dtype}" if isinstance(a, np.ndarray)
            else type(a).__name__)


@dataclass(frozen=True)
class Checkerboard(Serializable):
    """A planar checkerboard: ``cols`` x ``rows`` *inner* corners, ``square_mm`` apart.

    A board printed with 10 x 7 squares has 9 x 6 inner corners.  There is no default square
    size: millimetres must come from the user.

    Examples
    --------
    >>> b = Checkerboard(cols=9, rows=6, square_mm=25.0)
    >>> b.object_points().shape
    (54, 3)
    """

    _json_type = None  # as in station files (version 1): no type tag

    cols: int = field(metadata={"min": 2, "max": 1000})
    rows: int = field(metadata={"min": 2, "max": 1000})
    square_mm: float = field(metadata={"min": 0.0})

    def __post_init__(self) -> None:
        for name in ("cols", "rows"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not \
                    2 <= v <= MAX_CORNERS_PER_SIDE:
                raise InputError(f"Checkerboard.{name}: expected an integer from 2 to "
                                 f"{MAX_CORNERS_PER_SIDE} (inner corners), given {v!r:.40}")
            object.__setattr__(self, name, int(v))
        object.__setattr__(self, "square_mm", check_positive(self.square_mm, "square_mm"))

    @property
    def n_corners(self) -> int:
        return self.cols * self.rows

    @property
    def pattern_size(self) -> tuple[int, int]:
        """``(cols, rows)`` as OpenCV wants it."""
        return (self.cols, self.rows)

    def object_points(self) -> np.ndarray:
        """Board-frame corner coordinates in mm, ``(N, 3)``, row-major (Z = 0)."""
        r, c = np.mgrid[0:self.rows, 0:self.cols]
        return np.stack([c.ravel() * self.square_mm, r.ravel() * self.square_mm,
                         np.zeros(self.n_corners)], axis=1).astype(np.float64)

    @classmethod
    def parse(cls, text: str, square_mm: float) -> "Checkerboard":
        """``Checkerboard.parse("9x6", 25.0)``."""
        m = re.fullmatch(r"\s*(\d+)\s*[xX*,]\s*(\d+)\s*", str(text))
        if not m:
            raise InputError(f"board: expected COLSxROWS of inner corners such as '9x6', "
                             f"given {text!r}")
        return cls(int(m.group(1)), int(m.group(2)), square_mm)



@dataclass(frozen=True)
class BoardDetection(Serializable):
    """One detected board.

    Attributes
    ----------
    corners_xy : ndarray (N, 2) float64
        Distorted pixel positions in the documented order (module docstring).
    corner_ok : ndarray (N,) bool
        False for corners whose model fit failed (left out of calibration).
    image_size : (w, h)
    method : str
        ``"sb"`` or ``"classic"`` (the first-stage detector that found the board).
    refined : bool
        Whether the model fit was applied.
    sharpness : float
        Median fitted edge blur sigma in pixels (optics + pixel; larger = blurrier).
    square_px : float
        Median distance between neighbouring corners in pixels.
    contrast : float
        Median fitted corner contrast ``2|A|`` in gray levels.
    fit_rms : ndarray (N,)
        Residual RMS of each corner's model fit in gray levels (NaN where it failed).
    """

    corners_xy: np.ndarray = field(metadata={"shape": (None, 2)})
    corner_ok: np.ndarray = field(metadata={"dtype": "bool", "shape": (None,)})
    image_size: tuple[int, int]
    method: str
    refined: bool
    sharpness: float
    square_px: float
    contrast: float
    fit_rms: np.ndarray = field(repr=False, metadata={"shape": (None,)})

    def __post_init__(self) -> None:
        c = as_points(self.corners_xy, "corners_xy", allow_batch=False, finite=False)
        ok = _as_array(self.corner_ok, "corner_ok")
        if ok.dtype != bool or ok.shape != (len(c),):
            raise ShapeError(f"corner_ok: expected a bool array of shape ({len(c)},), given "
                             f"{_describe(self.corner_ok)}")
        rms = _as_array(self.fit_rms, "fit_rms")
        if rms.dtype.kind not in "fiu" or rms.shape != (len(c),):
            raise ShapeError(f"fit_rms: expected a float array of shape ({len(c)},), given "
                             f"{_describe(self.fit_rms)}")
        rms = rms.astype(np.float64)
        if not np.all(np.isfinite(c[ok])):
            raise InputError("corners_xy: NaN or inf at a corner marked ok (corner_ok True)")
        w, h = _image_size_wh(self.image_size)
        if not isinstance(self.method, str) or not 0 < len(self.method) <= 40:
            raise InputError(f"method: expected the detector's name, given "
                             f"{self.method!r:.40}")
        refined = check_bool(self.refined, "refined")
        figures = {f: _real_number(getattr(self, f), f) for f in ("sharpness", "square_px", "contrast")}
        if ok.any():  # measured figures are finite, and >= 0
            need = ("square_px",) + (("sharpness", "contrast") if refined else ())
            for f in need:
                if not (np.isfinite(figures[f]) and figures[f] >= 0):
                    raise InputError(f"{f}: expected a finite number >= 0 for a detection "
                                     f"with corners, given {figures[f]}")
            if refined and not np.all(np.isfinite(rms[ok]) & (rms[ok] >= 0)):
                raise InputError("fit_rms: NaN, inf or negative at a corner marked ok")
        for f, v in (("corners_xy", c), ("corner_ok", ok), ("fit_rms", rms),
                     ("image_size", (w, h)), ("refined", refined)):
            object.__setattr__(self, f, v)
        for f, v in figures.items():
            object.__setattr__(self, f, v)

    @property
    def n_ok(self) -> int:
        return int(np.count_nonzero(self.corner_ok))

    @property
    def ok(self) -> bool:
        """Whether every figure was measured: the model fit was applied and succeeded at every
        corner.  Otherwise ``sharpness``, ``contrast`` (no corner fitted) and ``fit_rms`` (at
        the corners not fitted) are NaN: not measured."""
        return bool(self.refined and self.corner_ok.all())


# ----------------------------------------------------------------------------- ordering
def _canonical_order(corners: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Reorder ``(N, 2)`` corners into the documented order (see module docstring)."""
    g = corners.reshape(rows, cols, 2)
    vc = np.mean(g[:, 1:] - g[:, :-1], axis=(0, 1))
    vr = np.mean(g[1:] - g[:-1], axis=(0, 1))
    if vc[0] * vr[1] - vc[1] * vr[0] < 0:  # mirrored labeling: flip the rows' direction
        g = g[:, ::-1]
    cands = [g, g[::-1, ::-1]]
    if cols == rows:  # square boards: the two quarter turns are valid labelings too
        t = np.transpose(g, (1, 0, 2))
        cands += [t[::-1, :], t[:, ::-1]]
    best = min(cands, key=lambda c: (c[0, 0, 0] + c[0, 0, 1], c[0, 0, 1]))
    return np.ascontiguousarray(best.reshape(-1, 2))


# ----------------------------------------------------------------------------- detection
def _find_first_stage(gray8: np.ndarray, board: Checkerboard) -> tuple[np.ndarray | None, str]:
    """OpenCV's detectors: the classic one (fast; corners refined by cornerSubPix with a window
    from the square size), then findChessboardCornersSB (exhaustive + accuracy) when it fails."""
    import cv2

    found, corners = _cv.cv_call(cv2.findChessboardCorners, gray8, board.pattern_size,
                                 flags=_cv.CB_CLASSIC_FLAGS,
                                 what="searching for the board (classic)",
                                 error=BoardNotFoundError)
    if found and corners is not None:
        pts = _cv.from_cv_points(corners)
        _, _, dmin = _neighbour_geometry(_canonical_order(pts, board.cols, board.rows),
                                         board.cols, board.rows)
        half = int(np.clip(np.round(0.3 * np.median(dmin)), 2, 12))  # window from square size
        crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-4)
        refined = _cv.cv_call(cv2.cornerSubPix, gray8, _cv.to_cv_points(pts), (half, half),
                              (-1, -1), crit, what="refining corners (cornerSubPix)",
                              error=BoardNotFoundError)
        return _cv.from_cv_points(refined), "classic"
    found, corners = _cv.cv_call(cv2.findChessboardCornersSB, gray8, board.pattern_size,
                                 flags=_cv.CB_SB_FLAGS, what="searching for the board (SB)",
                                 error=BoardNotFoundError)
    if found and corners is not None:
        return _cv.from_cv_points(corners), "sb"
    return None, ""


def detect_board(image: Any, board: Checkerboard, *, refine: bool = True,
                 camera: Any = None) -> BoardDetection:
    """Find ``board`` in ``image`` and return unbiased sub-pixel corners.

    Parameters
    ----------
    image : ndarray (h, w) or (h, w, 3) (BGR), uint8/uint16/float, or a path
    board : Checkerboard
    refine : bool
        Apply the X-junction model fit (default). ``False`` returns OpenCV's corners (ordered).
    camera : CameraModel, optional
        Known lens: refine in undistorted coordinates (used by :func:`calibrate`'s second pass).

    Returns
    -------
    BoardDetection
        ``corners_xy`` (N, 2) in the documented order (module docstring).

    Raises
    ------
    BoardNotFoundError
        Blank image, or no ``cols x rows`` board found.
    InputError
        Unreadable file, bad array.

    Examples
    --------
    >>> det = detect_board("calib_images/view_00.png", Checkerboard(9, 6, 20.0))
    >>> det.corners_xy.shape, det.n_ok
    ((54, 2), 54)
    """
    if not isinstance(board, Checkerboard):
        # boards with identified corners (metrology.calib.targets) detect themselves
        if callable(getattr(board, "detect", None)):
            return board.detect(image, refine=refine, camera=camera)
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    refine = check_bool(refine, "refine")
    _check_camera(camera)
    gray = as_gray(image, dtype=None)
    size = _cv.size_wh(gray)
    lo, hi, std = _cv.gray_range_std(gray)
    if hi - lo < 1e-6 or std < 0.5 * (
            1 if gray.dtype == np.uint8 else 257 if gray.dtype == np.uint16 else 1 / 255):
        raise BoardNotFoundError(f"no board: the image ({size[0]}x{size[1]}) is blank "
                                 f"(uniform gray)")
    gray8 = _cv.to_uint8(gray)
    pts, method = _find_first_stage(gray8, board)
    if pts is None:
        raise BoardNotFoundError(
            f"no {board.cols}x{board.rows} checkerboard found in the {size[0]}x{size[1]} image "
            f"(board size counts inner corners: 10x7 squares -> 9x6; the whole board must be "
            f"visible)")
    pts = _canonical_order(pts, board.cols, board.rows)
    _, _, dmin = _neighbour_geometry(pts, board.cols, board.rows)
    square_px = float(np.median(dmin))
    n = len(pts)
    det = BoardDetection(pts, np.ones(n, bool), size, method, False, float("nan"), square_px,
                         float("nan"), np.full(n, np.nan))
    return _refine_detection(gray, det, board, camera, gray8) if refine else det


def refine_detection(image: Any, detection: BoardDetection, board: Checkerboard, *,
                     camera: Any = None) -> BoardDetection:
    """The X-junction model fit of a detection's corners (``detect_board(refine=True)`` is
    ``detect_board(refine=False)`` followed by this).

    Parameters
    ----------
    image : ndarray (h, w) or (h, w, 3) (BGR), or a path
        The image the detection was made in.
    detection : BoardDetection
        Usually OpenCV's corners (``detect_board(..., refine=False)``).
    board : Checkerboard
    camera : CameraModel, optional
        Known lens: fit in undistorted coordinates (what :func:`calibrate` does once it has a
        first camera estimate).

    Returns
    -------
    BoardDetection
        ``refined`` True; corners whose fit failed keep the detection's position with
        ``corner_ok`` False. When more than 10 % of the classic detector's corners fail, the
        corners of ``findChessboardCornersSB`` are fitted instead if that keeps more.
    """
    if not isinstance(board, Checkerboard):
        raise InputError(f"board: expected a Checkerboard, given {type(board).__name__}")
    if not isinstance(detection, BoardDetection):
        raise InputError(f"detection: expected a BoardDetection, given "
                         f"{type(detection).__name__}")
    _check_camera(camera)
    gray = as_gray(image, dtype=None)
    if _cv.size_wh(gray) != tuple(detection.image_size) or \
            detection.corners_xy.shape != (board.n_corners, 2) or \
            not np.all(np.isfinite(detection.corners_xy)):
        raise InputError(f"refine_detection: the detection ({detection.image_size}, "
                         f"{len(detection.corners_xy)} corners) does not belong to this "
                         f"{_cv.size_wh(gray)} image and {board.cols}x{board.rows} board")
    return _refine_detection(gray, detection, board, camera)


def _check_camera(camera: Any) -> None:
    if camera is not None and not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel or None, given "
                         f"{type(camera).__name__}")


def _refine_detection(gray: np.ndarray, det: BoardDetection, board: Checkerboard, camera: Any,
                      gray8: np.ndarray | None = None) -> BoardDetection:
    """:func:`refine_detection` on a checked gray image (``gray8``: its uint8 version)."""
    corners, ok, p, rms = _refine(gray, det.corners_xy, board.cols, board.rows, camera, 14.0,
                                  1.0)
    method = det.method
    if method == "classic" and ok.sum() < 0.9 * len(ok):
        # the classic detector's corners were too far off for many fits: try SB's instead
        import cv2

        found, sb = _cv.cv_call(cv2.findChessboardCornersSB,
                                _cv.to_uint8(gray) if gray8 is None else gray8,
                                board.pattern_size, flags=_cv.CB_SB_FLAGS,
                                what="searching for the board (SB)", error=BoardNotFoundError)
        if found and sb is not None:
            pts_sb = _canonical_order(_cv.from_cv_points(sb), board.cols, board.rows)
            alt = _refine(gray, pts_sb, board.cols, board.rows, camera, 14.0, 1.0)
            if alt[1].sum() > ok.sum():
                corners, ok, p, rms = alt
                method = "sb"
    blur, contrast = np.exp(p[:, 4]), 2 * np.abs(p[:, 6])
    if camera is not None:  # blur fitted in undistorted pixels: back to the image's pixels
        blur = blur * camera._magnification(np.where(np.isfinite(p[:, :2]), p[:, :2], 0.0))
    sharp = float(np.median(blur[ok])) if np.any(ok) else float("nan")
    con = float(np.median(contrast[ok])) if np.any(ok) else float("nan")
    return BoardDetection(corners, ok, det.image_size, method, True, sharp, det.square_px, con,
                          np.where(ok, rms, np.nan))
