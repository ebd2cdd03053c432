"""The optimiser behind :func:`~metrology.calib.calibrate` and the projection model it fits.

:func:`cv_calibrate` runs OpenCV's calibration (``calibrateCameraExtended``,
``calibrateCameraROExtended`` for a non-flat board, ``fisheye.calibrate``) through
:mod:`metrology._cv`; :func:`project_params` / :func:`view_residuals` evaluate the same model
in NumPy from an intrinsic vector ``theta = [fx, fy, cx, cy, dist...]``, whose per-view
normal-equation blocks (:func:`normal_blocks`) serve the uncertainty estimate and the
leave-one-view-out calibrations (:func:`leave_one_out`).
"""

from __future__ import annotations

import numpy as np

from .. import _cv
from ..errors import InputError
from .lens import distort_norm

__all__: list[str] = []  # internal to metrology.calib (no argument checks)


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
    th = np.linalg.norm(rvecs, axis=1)[:, None]
    k = np.where(th > 1e-15, rvecs / np.maximum(th, 1e-300), 0.0)[:, None, :]  # (V, 1, 3)
    c, s = np.cos(th)[:, :, None], np.sin(th)[:, :, None]
    kx, ky, kz = k[..., 0], k[..., 1], k[..., 2]
    x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
    kxp = np.stack([ky * z - kz * y, kz * x - kx * z, kx * y - ky * x], axis=-1)
    kdp = (kx * x + ky * y + kz * z)[..., None]
    return pts * c + kxp * s + k * kdp * (1 - c)


def _camera_points(rv: np.ndarray, tv: np.ndarray, obj: np.ndarray) -> np.ndarray:
    """Board points in each view's camera frame, ``(V, N, 3)``."""
    return rotate_points(rv, np.broadcast_to(obj, (len(rv),) + obj.shape)) + tv[:, None, :]


def view_residuals(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
               obs: np.ndarray, model: str) -> np.ndarray:
    """Residuals ``(V, N, 2)`` of all views (board points ``obj (N, 3)``)."""
    return project_params(theta, model, _camera_points(rv, tv, obj)) - obs


def _step(theta: np.ndarray, i: int) -> float:
    """Central-difference step of intrinsic ``i`` (pixels for fx..cy, unitless after)."""
    return 1e-6 * max(abs(float(theta[i])), 1.0) if i < 4 else 1e-7


def normal_blocks(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
                  obs: np.ndarray, mask: np.ndarray, model: str) -> dict[str, np.ndarray]:
    """Per-view blocks of the Gauss-Newton normal equations of the whole calibration.

    The Jacobian is taken by central differences, every view at once (an extrinsic parameter
    moves only its own view's residuals).

    Parameters
    ----------
    theta : ndarray (P,)
        ``[fx, fy, cx, cy, dist...]``.
    rv, tv : ndarray (V, 3)
        Per-view poses.
    obj : ndarray (N, 3)
    obs : ndarray (V, N, 2)
    mask : ndarray (V, N) bool
        Corners used (the others get zero rows).
    model : str

    Returns
    -------
    dict with ``A (V, P, P)``, ``B (V, P, 6)``, ``C (V, 6, 6)`` (intrinsic, mixed and
    extrinsic blocks of ``J^T J``), ``gi (V, P)``, ``ge (V, 6)`` (``J^T r``) and ``rr (V,)``
    (``r^T r``), each per view.
    """
    V, N = mask.shape
    m = mask.astype(float)[..., None]
    P = _camera_points(rv, tv, obj)
    # corners not used carry no weight (an id'd board's unseen corners are NaN)
    r = np.where(mask[..., None], project_params(theta, model, P) - obs, 0.0).reshape(V, 2 * N)
    ji = np.empty((V, 2 * N, theta.size))
    for i in range(theta.size):  # the camera-frame points do not depend on the intrinsics
        h = _step(theta, i)
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        d = (project_params(tp, model, P) - project_params(tm, model, P)) / (2 * h)
        ji[:, :, i] = (d * m).reshape(V, 2 * N)
    je = np.empty((V, 2 * N, 6))
    for j in range(6):  # each extrinsic parameter moves only its own view: all views at once
        h = 1e-7 if j < 3 else 1e-6 * max(float(np.abs(tv).max()), 1.0)
        if j < 3:
            rp, rm_ = rv.copy(), rv.copy()
            rp[:, j] += h
            rm_[:, j] -= h
            Pp, Pm = _camera_points(rp, tv, obj), _camera_points(rm_, tv, obj)
        else:
            Pp, Pm = P.copy(), P.copy()
            Pp[..., j - 3] += h
            Pm[..., j - 3] -= h
        d = (project_params(theta, model, Pp) - project_params(theta, model, Pm)) / (2 * h)
        je[:, :, j] = (d * m).reshape(V, 2 * N)
    jit = ji.transpose(0, 2, 1)
    jet = je.transpose(0, 2, 1)
    return {"A": jit @ ji, "B": jit @ je, "C": jet @ je, "gi": (jit @ r[..., None])[..., 0],
            "ge": (jet @ r[..., None])[..., 0], "rr": np.einsum("vk,vk->v", r, r)}


def schur_terms(blocks: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each view's contribution to the reduced intrinsic system ``S (V, P, P)``,
    ``b (V, P)`` (extrinsics eliminated) and ``C^-1 (V, 6, 6)``."""
    C = blocks["C"] + 1e-12 * np.eye(6)
    Ci = np.linalg.inv(C)
    BCi = blocks["B"] @ Ci
    S = blocks["A"] - BCi @ blocks["B"].transpose(0, 2, 1)
    b = blocks["gi"] - (BCi @ blocks["ge"][..., None])[..., 0]
    return S, b, Ci


def leave_one_out(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
                  obs: np.ndarray, mask: np.ndarray, model: str, max_iter: int = 12
                  ) -> list[np.ndarray | None]:
    """Intrinsics of every leave-one-view-out calibration, ``(P,)`` each, from the full one.

    Each fold starts at the full calibration (its minimum) and takes Gauss-Newton steps on the
    other views' problem: the first from the full problem's normal equations less the left-out
    view's own terms (no new Jacobian), each further one re-linearised at the fold's current
    intrinsics and poses, halving a step that raises the cost, until the next step's
    predicted gain (``d^T S d``) is below 1e-9 of the cost (then it is taken; directions the
    data barely determine may still move, without changing any prediction).  Tested against
    OpenCV's own re-calibrations: the same held-out errors to OpenCV's own run-to-run
    reproducibility.

    Parameters
    ----------
    theta, rv, tv, obj, obs, mask, model
        As :func:`normal_blocks`, at the full calibration.
    max_iter : int
        Re-linearisations per fold at most.

    Returns
    -------
    list of ndarray (P,) or None
        None for a fold that did not converge (singular or diverging); the caller
        re-calibrates that one from scratch.
    """
    blocks = normal_blocks(theta, rv, tv, obj, obs, mask, model)
    S, b, Ci = schur_terms(blocks)
    S_all, b_all = S.sum(0), b.sum(0)
    out: list[np.ndarray | None] = []
    for j in range(len(rv)):
        keep = np.arange(len(rv)) != j
        try:
            d = -np.linalg.solve(S_all - S[j], b_all - b[j])
        except np.linalg.LinAlgError:
            out.append(None)
            continue
        de = -(Ci[keep] @ (blocks["ge"][keep] + blocks["B"][keep].transpose(0, 2, 1) @ d)
               [..., None])[..., 0]
        out.append(_fold(theta, rv[keep], tv[keep], d, de, float(blocks["rr"][keep].sum()),
                         (obj, obs[keep], mask[keep], model), max_iter))
    return out


def _fold(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, d: np.ndarray, de: np.ndarray,
          cost: float, problem: tuple, max_iter: int) -> np.ndarray | None:
    """Gauss-Newton on one fold from ``(theta, rv, tv)`` with the first step ``(d, de)``
    already known; ``cost`` is the residual sum of squares at the start."""
    obj, obs, mask, model = problem
    base = (theta, rv, tv)
    scale = 1.0
    for _ in range(max_iter):
        th, r_, t_ = base[0] + scale * d, base[1] + scale * de[:, :3], base[2] + scale * de[:, 3:]
        try:
            bl = normal_blocks(th, r_, t_, obj, obs, mask, model)
        except InputError:  # a point behind the camera: the step went too far
            bl = None
        new_cost = np.inf if bl is None else float(bl["rr"].sum())
        if not new_cost <= cost * (1 + 1e-12):
            scale *= 0.5  # the step raised the cost: halve it
            if scale < 1 / 64:
                return None
            continue
        base, cost, scale = (th, r_, t_), new_cost, 1.0
        S, b, Ci = schur_terms(bl)
        try:
            d = -np.linalg.solve(S.sum(0), b.sum(0))
        except np.linalg.LinAlgError:
            return None
        if -float(d @ b.sum(0)) <= 1e-9 * cost:  # the next step would gain nothing
            return th + d
        de = -(Ci @ (bl["ge"] + bl["B"].transpose(0, 2, 1) @ d)[..., None])[..., 0]
    return None
