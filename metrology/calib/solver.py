"""The optimiser behind :func:`~metrology.calib.calibrate` and the projection model it fits.

:func:`cv_calibrate` runs OpenCV's calibration (``calibrateCameraExtended``,
``calibrateCameraROExtended`` for a non-flat board, ``fisheye.calibrate``) through
:mod:`metrology._cv`; :func:`project_params` / :func:`view_residuals` evaluate the same model
in NumPy from an intrinsic vector ``theta = [fx, fy, cx, cy, dist...]`` (used by the
uncertainty estimate).
"""

from __future__ import annotations

import numpy as np

from .. import _cv
from .lens import distort_norm

__all__ = ["cv_calibrate", "project_params", "view_residuals", "rotate_points"]


def cv_calibrate(obj: list, img: list, size: tuple[int, int], model: str,
                 K0: np.ndarray | None = None, d0: np.ndarray | None = None,
                 flat_board: bool = True, fixed_point: int = -1) -> tuple:
    """Run OpenCV's calibration on corresponding board and image points.

    Parameters
    ----------
    obj, img : list of ndarray (N_v, 3) and (N_v, 2)
        Board points (mm) and their measured pixels, one pair per view.
    size : (w, h)
    model : str
        Lens model (:data:`metrology.calib.camera.MODELS`).
    K0, d0 : ndarray (3, 3) and (n,), optional
        Starting intrinsics (``CALIB_USE_INTRINSIC_GUESS``).
    flat_board : bool
        False: also refine the board points (``calibrateCameraRO``; every view must then
        give all ``N`` points in board order).
    fixed_point : int
        Index of the board point ``calibrateCameraRO`` holds fixed (besides point 0).

    Returns
    -------
    K (3, 3), dist (n,), rvecs list of (3,), tvecs list of (3,), board points (N, 3) or None
        (None unless ``flat_board`` is False).
    """
    import cv2

    crit = (cv2.TERM_CRITERIA_COUNT + cv2.TERM_CRITERIA_EPS, 200, 1e-12)
    what = f"calibrating from {len(obj)} views"
    if model == "fisheye":
        flags = _cv.fisheye_flags(K0 is not None)
        K = np.eye(3) if K0 is None else K0.copy()
        D = np.zeros((4, 1)) if d0 is None else d0.reshape(4, 1).copy()
        res = _cv.cv_call(cv2.fisheye.calibrate,
                          [o.reshape(1, -1, 3).astype(np.float64) for o in obj],
                          [p.reshape(1, -1, 2).astype(np.float64) for p in img], size, K, D,
                          flags=flags, criteria=crit, what=what)
        _, K, D, rv, tv = res[:5]
        return K, D.ravel(), [r.ravel() for r in rv], [t.ravel() for t in tv], None
    flags = _cv.calib_flags(model)
    n = _cv.DIST_COUNTS[model]
    K = None if K0 is None else K0.copy()
    D = None if d0 is None else np.asarray(d0, float).reshape(1, -1).copy()
    if K0 is not None:
        flags |= cv2.CALIB_USE_INTRINSIC_GUESS
    objs = [_cv.to_cv_points3(o) for o in obj]
    imgs = [_cv.to_cv_points(p) for p in img]
    if not flat_board:
        ro_flags = _cv.calib_ro_flags(model) | (flags & cv2.CALIB_USE_INTRINSIC_GUESS)
        if D is not None:
            D = np.concatenate([D.ravel(), np.zeros(14 - D.size)]).reshape(1, -1)
        res = _cv.cv_call(cv2.calibrateCameraROExtended, objs, imgs, size, fixed_point, K, D,
                          flags=ro_flags, criteria=crit, what=what + " (non-flat board)")
        _, K, D, rv, tv, newobj = res[:6]
        newobj = np.asarray(newobj, float).reshape(-1, 3)
    else:
        res = _cv.cv_call(cv2.calibrateCameraExtended, objs, imgs, size, K, D, flags=flags,
                          criteria=crit, what=what)
        _, K, D, rv, tv = res[:5]
        newobj = None
    d = np.zeros(n)
    Dr = np.asarray(D, float).ravel()
    d[:min(n, Dr.size)] = Dr[:n]
    return (np.asarray(K, float), d, [np.asarray(r, float).ravel() for r in rv],
            [np.asarray(t, float).ravel() for t in tv], newobj)


def project_params(params_int: np.ndarray, model: str, P: np.ndarray) -> np.ndarray:
    """Project camera-frame points with an intrinsic vector ``[fx, fy, cx, cy, dist...]``."""
    xy = P[..., :2] / P[..., 2:3]
    d = distort_norm(xy, params_int[4:], model)
    return np.stack([params_int[0] * d[..., 0] + params_int[2],
                     params_int[1] * d[..., 1] + params_int[3]], -1)


def rotate_points(rvecs: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Rotate ``pts (V, N, 3)`` by per-view Rodrigues vectors ``(V, 3)``."""
    th = np.linalg.norm(rvecs, axis=1)[:, None, None]
    k = np.where(th > 1e-15, rvecs[:, None, :] / np.maximum(th, 1e-300), 0.0)
    c, s = np.cos(th), np.sin(th)
    kxp = np.cross(k, pts)
    kdp = np.sum(k * pts, axis=-1, keepdims=True)
    return pts * c + kxp * s + k * kdp * (1 - c)


def view_residuals(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
               obs: np.ndarray, model: str) -> np.ndarray:
    """Residuals ``(V, N, 2)`` of all views (board points ``obj (N, 3)``)."""
    P = rotate_points(rv, np.broadcast_to(obj, (len(rv),) + obj.shape)) + tv[:, None, :]
    return project_params(theta, model, P) - obs
