"""Checkerboard description and detection with unbiased sub-pixel corners.

Detection runs in two stages:

1. **Find** the board with OpenCV: the classic ``findChessboardCorners`` (fast) followed by
   ``cornerSubPix`` with a window derived from the square size in pixels (not a fixed 11x11),
   falling back to ``findChessboardCornersSB`` (exhaustive + accuracy mode) when it fails or
   when more than 10 % of its corners cannot be refined.
2. **Refine** every corner by a least-squares fit of a blurred X-junction model

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
   the corner), and the result is mapped back.

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
from scipy.special import erf

from .. import _cv
from .._serial import Serializable
from ..core.checks import check_positive
from ..errors import BoardNotFoundError, InputError
from ..image.io import as_gray

__all__ = ["Checkerboard", "BoardDetection", "detect_board", "refine_corners"]


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

    cols: int = field(metadata={"min": 2})
    rows: int = field(metadata={"min": 2})
    square_mm: float = field(metadata={"min": 0.0})

    def __post_init__(self) -> None:
        for name in ("cols", "rows"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
                raise InputError(f"Checkerboard.{name}: expected an integer >= 2 (inner corners),"
                                 f" given {v!r}")
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

    @property
    def n_ok(self) -> int:
        return int(np.count_nonzero(self.corner_ok))


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


def _neighbour_geometry(corners: np.ndarray, cols: int, rows: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per corner: row direction angle, column direction angle (radians) and distance to the
    nearest neighbouring corner (4- and diagonal neighbours), each ``(N,)``."""
    g = corners.reshape(rows, cols, 2)
    dc = np.empty_like(g)
    dc[:, 1:-1] = (g[:, 2:] - g[:, :-2]) / 2
    dc[:, 0] = g[:, 1] - g[:, 0]
    dc[:, -1] = g[:, -1] - g[:, -2]
    dr = np.empty_like(g)
    dr[1:-1] = (g[2:] - g[:-2]) / 2
    dr[0] = g[1] - g[0]
    dr[-1] = g[-1] - g[-2]
    th_c = np.arctan2(dc[..., 1], dc[..., 0]).ravel()
    th_r = np.arctan2(dr[..., 1], dr[..., 0]).ravel()
    big = np.full((rows + 2, cols + 2, 2), np.nan)
    big[1:-1, 1:-1] = g
    dmin = np.full((rows, cols), np.inf)
    for oy, ox in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)):
        nb = big[1 + oy:1 + oy + rows, 1 + ox:1 + ox + cols]
        d = np.linalg.norm(nb - g, axis=-1)
        dmin = np.fmin(dmin, d)
    return th_c, th_r, dmin.ravel()


# ----------------------------------------------------------------------------- model fit
_SQ2 = np.sqrt(2.0)
_C = np.sqrt(2.0 / np.pi)


def _saddle_model(p: np.ndarray, X: np.ndarray, Y: np.ndarray, jac: bool):
    """Model values ``(N, M)`` and optionally the Jacobian ``(N, M, 9)``.

    ``p = [x0, y0, th1, th2, log_s, m, A, gx, gy]`` per row.
    """
    x0, y0, t1, t2, ls, m, A, gx, gy = (p[:, i:i + 1] for i in range(9))
    s = np.exp(np.clip(ls, -4.0, 4.0))
    dx = X - x0
    dy = Y - y0
    s1, c1, s2, c2 = np.sin(t1), np.cos(t1), np.sin(t2), np.cos(t2)
    d1 = -dx * s1 + dy * c1
    d2 = -dx * s2 + dy * c2
    e1 = erf(d1 / (_SQ2 * s))
    e2 = erf(d2 / (_SQ2 * s))
    f = m + gx * dx + gy * dy + A * e1 * e2
    if not jac:
        return f, None
    g1 = _C / s * np.exp(-0.5 * (d1 / s) ** 2)
    g2 = _C / s * np.exp(-0.5 * (d2 / s) ** 2)
    a1 = A * g1 * e2
    a2 = A * e1 * g2
    J = np.empty(X.shape + (9,))
    J[..., 0] = a1 * s1 + a2 * s2 - gx
    J[..., 1] = -a1 * c1 - a2 * c2 - gy
    J[..., 2] = a1 * (-dx * c1 - dy * s1)
    J[..., 3] = a2 * (-dx * c2 - dy * s2)
    J[..., 4] = -(a1 * d1 + a2 * d2)
    J[..., 5] = 1.0
    J[..., 6] = e1 * e2
    J[..., 7] = dx
    J[..., 8] = dy
    return f, J


def _fit_saddles(vals: np.ndarray, X: np.ndarray, Y: np.ndarray, w: np.ndarray,
                 p0: np.ndarray, iters: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Levenberg-Marquardt fit of :func:`_saddle_model`.

    Returns the parameters ``(N, 9)``, the weighted residual RMS ``(N,)`` and a converged mask.
    """
    p = p0.copy()
    sw = np.sqrt(w)
    f, J = _saddle_model(p, X, Y, True)
    r = (vals - f) * sw
    cost = np.sum(r * r, axis=1)
    lam = np.full(len(p), 1e-3)
    done = np.zeros(len(p), bool)
    eye = np.eye(9)
    need_j = np.zeros(len(p), bool)
    for _ in range(iters):
        if np.any(need_j):  # Jacobian only where the last step was accepted
            _, J[need_j] = _saddle_model(p[need_j], X[need_j], Y[need_j], True)
        a = np.nonzero(~done)[0]  # work only on the corners still iterating
        Jw = J[a] * sw[a, :, None]
        JT = np.swapaxes(Jw, 1, 2)
        JTJ = JT @ Jw
        JTr = (JT @ r[a, :, None])[..., 0]
        diag = np.einsum("nii->ni", JTJ)
        A = JTJ + lam[a, None, None] * (diag[:, :, None] * eye + 1e-9 * eye)
        try:
            step = np.linalg.solve(A, JTr[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(m_, b_, rcond=None)[0] for m_, b_ in zip(A, JTr)])
        pn = p[a] + step
        fn, _ = _saddle_model(pn, X[a], Y[a], False)
        rn = (vals[a] - fn) * sw[a]
        cn = np.sum(rn * rn, axis=1)
        better = (cn < cost[a]) & np.all(np.isfinite(pn), axis=1)
        small = np.max(np.abs(step[:, :2]), axis=1) < 1e-5  # corner moved < 1e-5 px
        rel = np.where(better, (cost[a] - cn) / np.maximum(cost[a], 1e-30), 0)
        ab = a[better]
        p[ab] = pn[better]
        r[ab] = rn[better]
        cost[ab] = cn[better]
        lam[a] = np.where(better, lam[a] * 0.3, lam[a] * 10)
        done[a] = (better & (small | (rel < 1e-9))) | (lam[a] > 1e8)
        need_j[:] = False
        need_j[ab] = ~done[ab]
        if np.all(done):
            break
    rms = np.sqrt(cost / np.maximum(np.sum(w, axis=1), 1e-12))
    return p, rms, done


def _sample_windows(gray: np.ndarray, cur: np.ndarray, radius: np.ndarray, ox: np.ndarray,
                    oy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gray values, pixel x, pixel y and weights ``(N, M)`` of the square windows of offsets
    ``(ox, oy) (M,)`` around each corner ``cur (N, 2)``; the weights make a circle of
    ``radius (N,)`` with a one-pixel soft edge, zero outside the image."""
    h, w = gray.shape
    ix = np.rint(cur[:, 0]).astype(int)[:, None] + ox[None]
    iy = np.rint(cur[:, 1]).astype(int)[:, None] + oy[None]
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    vals = gray[np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)].astype(np.float64)
    dist = np.hypot(ix - cur[:, :1], iy - cur[:, 1:])
    wt = np.clip(radius[:, None] + 0.5 - dist, 0.0, 1.0) * inside
    return vals, ix.astype(np.float64), iy.astype(np.float64), wt


def _undistort_windows(camera: Any, X: np.ndarray, Y: np.ndarray, wt: np.ndarray,
                       cur: np.ndarray) -> tuple[np.ndarray, ...]:
    """Window pixels and corners in undistorted pixel coordinates: ``X, Y, wt (N, M)`` (zero
    weight where a pixel cannot be undistorted), centres ``(N, 2)`` and their valid mask."""
    pts = camera.undistort_points(np.stack([X, Y], -1), on_invalid="nan")
    bad = ~np.all(np.isfinite(pts), -1)
    wt = np.where(bad, 0.0, wt)
    pts = np.where(bad[..., None], 0.0, pts)
    centre = camera.undistort_points(cur, on_invalid="nan")
    valid = np.all(np.isfinite(centre), -1)
    return pts[..., 0], pts[..., 1], wt, np.where(np.isfinite(centre), centre, cur), valid


def _initial_params(centre: np.ndarray, cols: int, rows: int, vals: np.ndarray, X: np.ndarray,
                    Y: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """Starting parameters ``(N, 9)``: corner, board-line angles from the neighbours, blur
    1 px, and the linear ones (m, A, gx, gy) by weighted least squares at that geometry."""
    th_c, th_r, _ = _neighbour_geometry(centre, cols, rows)
    pinit = np.zeros((len(centre), 9))
    pinit[:, 0:2] = centre
    pinit[:, 2] = th_c
    pinit[:, 3] = th_r
    pinit[:, 4] = np.log(1.0)
    _, Jl = _saddle_model(pinit, X, Y, True)
    L = Jl[..., 5:9] * np.sqrt(wt)[..., None]
    bvec = vals * np.sqrt(wt)
    LTL = np.einsum("nmi,nmj->nij", L, L) + 1e-9 * np.eye(4)
    LTb = np.einsum("nmi,nm->ni", L, bvec)
    pinit[:, 5:9] = np.linalg.solve(LTL, LTb[..., None])[..., 0]
    return pinit


def _plausible(p: np.ndarray, rms: np.ndarray, conv: np.ndarray, moved: np.ndarray,
               jump: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Fits to keep ``(N,)``: converged, finite, moved less than half the window, a blur
    between 0.15 px and the window, board lines at least 11 degrees apart, contrast well
    above the residual."""
    s = np.exp(p[:, 4])
    ang = np.abs(np.sin(p[:, 2] - p[:, 3]))
    return (conv & np.all(np.isfinite(moved), 1) & (jump < 0.5 * radius)
            & (s > 0.15) & (s < radius) & (ang > 0.2) & (np.abs(p[:, 6]) > 5 * rms))


def refine_corners(gray: np.ndarray, corners_xy: np.ndarray, cols: int, rows: int, *,
                   camera: Any = None, max_radius_px: float = 14.0, weight_fn: Any = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Refine ordered corners by the X-junction model fit (see module docstring).

    Parameters
    ----------
    gray : ndarray (h, w) float
    corners_xy : ndarray (N, 2)
        Initial distorted pixel positions, ordered (``rows`` x ``cols``, row-major).
    cols, rows : int
        Inner corners per row and rows of the board.
    camera : CameraModel, optional
        If given, fit in undistorted pixel coordinates (lines straight) and map back.
    max_radius_px : float
        Largest fit window radius.
    weight_fn : callable ``(X, Y, index) -> (n, M)``, optional
        Multiplies the fit weights of the window pixels (raw pixel positions ``X, Y`` of the
        windows of corners ``index``), e.g. to keep a ChArUco board's markers out of the model.

    Returns
    -------
    corners (N, 2), ok (N,) bool, blur_sigma (N,), contrast (N,), fit_rms (N,)
    """
    c0 = np.asarray(corners_xy, float)
    _, _, dmin = _neighbour_geometry(c0, cols, rows)
    radius = np.clip(0.42 * dmin, 2.5, max_radius_px)
    R = int(np.ceil(radius.max())) + 1
    off = np.arange(-R, R + 1)
    oy, ox = (o.ravel() for o in np.meshgrid(off, off, indexing="ij"))
    cur = c0.copy()
    p = None
    ok = np.ones(len(c0), bool)
    for outer in range(2):  # second pass re-centres the window on the refined corner
        vals, X, Y, wt = _sample_windows(gray, cur, radius, ox, oy)
        if weight_fn is not None:
            wt = wt * weight_fn(X, Y, np.arange(len(cur)))
        centre = cur.copy()
        if camera is not None:
            X, Y, wt, centre, valid = _undistort_windows(camera, X, Y, wt, cur)
            ok &= valid
        if p is None or camera is not None and outer == 0:
            pinit = _initial_params(centre, cols, rows, vals, X, Y, wt)
        else:
            pinit = p.copy()
            pinit[:, 0:2] = centre
        p, rms, conv = _fit_saddles(vals, X, Y, wt, pinit)
        new = p[:, :2]
        newd = (new if camera is None
                else camera.distort_points(np.where(np.isfinite(new), new, 0.0)))
        ok_pass = ok & _plausible(p, rms, conv, newd, np.linalg.norm(newd - c0, axis=1), radius)
        cur = np.where(ok_pass[:, None], newd, c0)
        if outer == 1:
            ok = ok_pass
    # outliers among the fits: residual far above the board's typical residual
    med = np.nanmedian(rms[ok]) if np.any(ok) else np.nan
    if np.isfinite(med):  # (+0.5 % of the contrast keeps noise-free renders from tripping it)
        ok &= rms < 4.0 * med + 0.005 * np.median(2 * np.abs(p[ok, 6]))
    cur = np.where(ok[:, None], cur, c0)
    return cur, ok, np.exp(p[:, 4]), 2 * np.abs(p[:, 6]), np.where(ok, rms, np.nan)


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
    gray = as_gray(image, dtype=None)
    size = _cv.size_wh(gray)
    g32 = gray.astype(np.float32)
    if float(g32.max() - g32.min()) < 1e-6 or float(np.std(g32)) < 0.5 * (
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
    if not refine:
        n = len(pts)
        return BoardDetection(pts, np.ones(n, bool), size, method, False, float("nan"),
                              square_px, float("nan"), np.full(n, np.nan))
    corners, ok, blur, contrast, rms = refine_corners(g32, pts, board.cols, board.rows,
                                                      camera=camera)
    if method == "classic" and ok.sum() < 0.9 * len(ok):
        # the classic detector's corners were too far off for many fits: try SB's instead
        import cv2

        found, sb = _cv.cv_call(cv2.findChessboardCornersSB, gray8, board.pattern_size,
                                flags=_cv.CB_SB_FLAGS, what="searching for the board (SB)",
                                error=BoardNotFoundError)
        if found and sb is not None:
            pts_sb = _canonical_order(_cv.from_cv_points(sb), board.cols, board.rows)
            alt = refine_corners(g32, pts_sb, board.cols, board.rows, camera=camera)
            if alt[1].sum() > ok.sum():
                corners, ok, blur, contrast, rms = alt
                method = "sb"
    sharp = float(np.median(blur[ok])) if np.any(ok) else float("nan")
    con = float(np.median(contrast[ok])) if np.any(ok) else float("nan")
    return BoardDetection(corners, ok, size, method, True, sharp, square_px, con, rms)
