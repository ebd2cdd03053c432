"""Calibrating a telecentric camera from views of a planar board.

:func:`calibrate_telecentric` follows :func:`~metrology.calib.calibrate`'s stages (it shares
:func:`~metrology.calib.calibration.load_views` and
:func:`~metrology.calib.calibration.detect_views`, so every board kind works, partial views
included) with its own optimiser, since OpenCV has no telecentric model:

1. **start** -- each view's corners give an affine map board -> image ``M (X, Y) + b``; the
   magnification is the median over views of ``M``'s larger singular value (a tilted plane is
   foreshortened along one direction only, so that value is the magnification whatever the
   tilt), each pose follows from ``M`` (:func:`~metrology.calib.telecentric.orthographic_pose`);
2. **fit** -- Levenberg-Marquardt over the intrinsics and every view's rotation and in-plane
   translation (:mod:`metrology.calib.bundle`);
3. **outliers** -- single corners above ``max(5 sigma, 0.25 px)`` and views above
   ``max(3x, +0.5 px)`` the median view, then a refit;
4. **refine** -- every corner refitted in undistorted coordinates with the fitted lens, then
   a refit;
5. **uncertainty** -- covariance ``sigma^2 (J^T J)^-1`` of the intrinsics (poses marginalised),
   projection uncertainty over the image with the gauge (a shift and a turn of the camera
   frame, absorbed by the poses) removed; a degenerate set of views raises;
6. **hold-out** -- leave-one-view-out error.

Planar boards give each view's pose only up to the telecentric ambiguity (module
:mod:`~metrology.calib.telecentric`): the views are reported with ``tvec[2] = 0`` and the tilt
sign convention ``+1``; neither affects the intrinsics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._serial import from_jsonable, to_jsonable
from .._version import __version__
from ..core.checks import check_bool, check_positive
from ..errors import CalibrationError, FileFormatError, InputError
from ._fields import get_field
from .board import Checkerboard, refine_corners
from .bundle import BlockProblem, global_covariance, solve_blocks
from .calibration import Observations, detect_views, load_views
from .lens import distort_norm
from .results import ProjectionUncertainty, RejectedView, ViewResult
from .solver import rotate_points
from .targets import board_from_dict, is_partial_board, refine_target_detection
from .telecentric import (TelecentricCamera, TelecentricPlane,
                          _rotation_from_top_left, orthographic_pose, rotation_vector,
                          tilt_sign_of, mirror_pose)

__all__ = ["calibrate_telecentric", "TelecentricCalibration", "TELECENTRIC_FORMAT",
           "TELECENTRIC_VERSION"]

TELECENTRIC_FORMAT = "metrology.telecentric_station"
TELECENTRIC_VERSION = 1

Progress = Callable[[int, int, str, str], None]


def _quiet(i: int, n: int, name: str, msg: str) -> None:
    """The default progress callback: says nothing."""


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class _Params:
    """Which intrinsics are free: ``theta (10,) = T @ x + c`` (:data:`TELECENTRIC_PARAMS`
    order) for the free vector ``x``."""

    names: tuple
    T: np.ndarray
    c: np.ndarray

    @classmethod
    def make(cls, affine: bool, principal_point: bool, k3: bool, cxy: tuple[float, float]
             ) -> _Params:
        cols, names = [], []

        def col(rows: tuple[int, ...], name: str) -> None:
            v = np.zeros(10)
            v[list(rows)] = 1.0
            cols.append(v)
            names.append(name)
        if affine:
            col((0,), "sx")
            col((1,), "sy")
            col((2,), "skew")
        else:
            col((0, 1), "s")
        if principal_point:
            col((3,), "cx")
            col((4,), "cy")
        for k, name in zip(range(5, 9), ("k1", "k2", "p1", "p2")):
            col((k,), name)
        if k3:
            col((9,), "k3")
        c = np.zeros(10)
        if not principal_point:
            c[3], c[4] = cxy
        return cls(tuple(names), np.stack(cols, axis=1), c)

    def theta(self, x: np.ndarray) -> np.ndarray:
        return self.T @ x + self.c

    def free(self, theta: np.ndarray) -> np.ndarray:
        return np.linalg.lstsq(self.T, theta - self.c, rcond=None)[0]


def _camera(theta: np.ndarray, size: tuple[int, int], affine: bool) -> TelecentricCamera:
    A = [[theta[0], theta[2], theta[3]], [0, theta[1], theta[4]], [0, 0, 1]]
    return TelecentricCamera(A, theta[5:], size, "telecentric_affine" if affine else
                             "telecentric")


def _project(theta: np.ndarray, r0: float, b: np.ndarray, obj: np.ndarray) -> np.ndarray:
    """Pixels ``(V, N, 2)`` of board points ``obj (N, 3)`` for poses ``b (V, 5)`` (rvec,
    t_xy)."""
    P = rotate_points(b[:, :3], np.broadcast_to(obj, (len(b),) + obj.shape))
    q = P[..., :2] + b[:, None, 3:5]
    d = np.stack([theta[0] * q[..., 0] + theta[2] * q[..., 1], theta[1] * q[..., 1]], -1)
    nd = distort_norm(d / r0, theta[5:], "standard")
    return nd * r0 + theta[3:5]


@dataclass(frozen=True, eq=False)
class _Fit:
    """One fit: free parameters, poses ``(V, 5)``, the views they belong to, residuals."""

    x: np.ndarray
    poses: np.ndarray
    views: tuple
    residuals: dict
    problem: BlockProblem
    n_obs: int


def _problem(params: _Params, r0: float, obj: np.ndarray, obs: Observations, views: tuple,
             x_ref: np.ndarray) -> tuple[BlockProblem, int]:
    O = np.stack([np.where(obs.ok[i][:, None], obs.corners[i], 0.0) for i in views])
    m = np.stack([obs.ok[i] for i in views])[..., None]

    def residuals(g: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(m, _project(params.theta(g), r0, b, obj) - O, 0.0).ravel()
    n_g = params.T.shape[1]
    g_steps = np.array([1e-6 * max(abs(v), 1.0) if n in ("s", "sx", "sy", "cx", "cy")
                        else 1e-7 for n, v in zip(params.names, x_ref)])
    prob = BlockProblem(residuals, n_g, len(views), 5, g_steps,
                        np.array([1e-7, 1e-7, 1e-7, 1e-6, 1e-6]),
                        np.repeat(np.arange(len(views)), obj.shape[0] * 2))
    return prob, 2 * int(m.sum())


def _fit(params: _Params, r0: float, board: Any, obs: Observations, views: tuple,
         x0: np.ndarray, poses0: np.ndarray, size: tuple[int, int]) -> _Fit:
    obj = board.object_points()
    prob, n_obs = _problem(params, r0, obj, obs, views, x0)
    sol = solve_blocks(prob, prob.join(x0, poses0))
    g, b = prob.split(sol)
    px = _project(params.theta(g), r0, b, obj)
    res = {i: np.where(obs.ok[i], np.linalg.norm(px[k] - np.where(obs.ok[i][:, None],
                                                                  obs.corners[i], 0.0), axis=1),
                       np.nan) for k, i in enumerate(views)}
    return _Fit(g, b, tuple(views), res, prob, n_obs)


def _start(params: _Params, board: Any, obs: Observations, size: tuple[int, int]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Starting intrinsics (free vector) and poses from per-view affine maps."""
    obj = board.object_points()
    Ms, bs = [], []
    for i in obs.views:
        ok = obs.ok[i]
        G = np.column_stack([obj[ok, :2], np.ones(int(ok.sum()))])
        sol, *_ = np.linalg.lstsq(G, obs.corners[i][ok], rcond=None)
        Ms.append(sol[:2].T)
        bs.append(sol[2])
    s = float(np.median([np.linalg.svd(M, compute_uv=False)[0] for M in Ms]))
    if not (np.isfinite(s) and s > 0):
        raise CalibrationError("telecentric calibration: the views give no magnification")
    theta = np.zeros(10)
    theta[0] = theta[1] = s
    theta[3:5] = ((size[0] - 1) / 2, (size[1] - 1) / 2)  # the image centre
    poses = []
    for M, b in zip(Ms, bs):
        R = _rotation_from_top_left(M / s)
        poses.append(np.r_[rotation_vector(R), (b - theta[3:5]) / s])
    return params.free(theta), np.array(poses)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class TelecentricCalibration:
    """Result of :func:`calibrate_telecentric` (also what its station file holds).

    Attributes
    ----------
    camera : TelecentricCamera
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
    rms_px, per_view_rms_px, holdout_rms_px, views, rejected_views, uncertainty,
    n_corners_rejected, created, library_version
        As :class:`~metrology.calib.Calibration`; each view's ``rvec`` is the tilt-sign +1
        pose and its ``tvec[2]`` is 0 (see :mod:`~metrology.calib.telecentric`).
    param_names : tuple of str
        The free intrinsics (``s`` is the magnification of the square-pixel model).
    param_std : ndarray (P,)
    param_cov : ndarray (P, P)
        Covariance of the free intrinsics (poses marginalised); :meth:`full_covariance` gives
        it in :data:`~metrology.calib.telecentric.TELECENTRIC_PARAMS` order.
    """

    camera: TelecentricCamera
    board: Any
    rms_px: float
    per_view_rms_px: np.ndarray
    holdout_rms_px: float
    views: tuple
    rejected_views: tuple
    param_names: tuple
    param_std: np.ndarray
    param_cov: np.ndarray
    uncertainty: ProjectionUncertainty | None
    n_corners_rejected: int = 0
    created: str = ""
    library_version: str = __version__

    def full_covariance(self) -> np.ndarray:
        """Covariance ``(10, 10)`` of ``camera.params()`` (zero rows for fixed parameters,
        ``sx`` and ``sy`` fully correlated in the square-pixel model)."""
        p = _Params.make(self.camera.model == "telecentric_affine", "cx" in self.param_names,
                         "k3" in self.param_names, (self.camera.cx, self.camera.cy))
        return p.T @ self.param_cov @ p.T.T

    def plane(self, view: int | str = 0, *, height_mm: float = 0.0,
              tilt_sign: int | None = None) -> TelecentricPlane:
        """The measuring plane of one calibration view (index into ``views`` or its name)."""
        if isinstance(view, str):
            match = [v for v in self.views if v.name == view or Path(v.name).name == view]
            if not match:
                raise InputError(f"plane: no calibration view named {view!r}")
            v = match[0]
        else:
            if isinstance(view, bool) or not isinstance(view, (int, np.integer)) or \
                    not -len(self.views) <= view < len(self.views):
                raise InputError(f"plane: view must be an index in 0..{len(self.views) - 1}, "
                                 f"given {view!r}")
            v = self.views[int(view)]
        return TelecentricPlane.from_corners(self.camera, self.board, v.corners_xy,
                                             v.corner_ok, height_mm=height_mm,
                                             tilt_sign=tilt_sign)

    def summary(self) -> str:
        """A readable multi-line report."""
        c = self.camera
        std = dict(zip(self.param_names, self.param_std))
        s_std = std.get("s", std.get("sx", float("nan")))
        lines = [f"camera: {c.model} model, {c.image_size[0]}x{c.image_size[1]}",
                 f"  magnification sx {c.sx:.6f} sy {c.sy:.6f} px/mm (std {s_std:.2g}), "
                 f"skew {c.skew:.3g}, {c.mm_per_px * 1000:.3f} um/px",
                 f"  centre ({c.cx:.2f}, {c.cy:.2f})  dist "
                 f"{np.array2string(c.dist, precision=6, suppress_small=True)}",
                 f"reprojection RMS {self.rms_px:.4f} px over {len(self.views)} views; "
                 f"hold-out RMS {self.holdout_rms_px:.4f} px"]
        u = self.uncertainty
        if u is not None:
            lines.append(f"projection uncertainty (1 sigma): RMS {u.rms_px:.4f} px, max "
                         f"{u.max_px:.4f} px over the image")
        for v in self.views:
            lines.append(f"  view {v.index:3d} {Path(v.name).name[:30]:30s} {v.n_corners:4d} "
                         f"corners  rms {v.rms_px:.4f} px")
        for r in self.rejected_views:
            lines.append(f"rejected {r.index:3d}  {Path(r.name).name}: {r.reason} ({r.detail})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ station file
    def to_dict(self) -> dict:
        """The station file's payload (NaN becomes null)."""
        quality = {"rms_px": self.rms_px, "per_view_rms_px": self.per_view_rms_px,
                   "holdout_rms_px": self.holdout_rms_px, "param_names": self.param_names,
                   "param_std": self.param_std, "param_cov": self.param_cov,
                   "uncertainty": self.uncertainty,
                   "n_corners_rejected": self.n_corners_rejected}
        return to_jsonable({"created": self.created, "library_version": self.library_version,
                            "board": self.board, "camera": self.camera, "quality": quality,
                            "views": self.views, "rejected_views": self.rejected_views})

    def save(self, path: str | os.PathLike) -> Path:
        """Write the station file (versioned JSON, atomic)."""
        from .._io import write_json_file

        if not (np.isfinite(self.rms_px) and self.rms_px >= 0):
            raise InputError(f"cannot write {path}: rms_px is {self.rms_px}; not a "
                             f"calibration result")
        return write_json_file(path, self.to_dict(), fmt=TELECENTRIC_FORMAT,
                               version=TELECENTRIC_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TelecentricCalibration:
        """Read a telecentric station file; :class:`FileFormatError` names a bad field."""
        from .._io import read_json_file

        doc = read_json_file(path, fmt=TELECENTRIC_FORMAT, versions=[TELECENTRIC_VERSION])
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: dict, where: str = "station") -> TelecentricCalibration:
        """Build from :meth:`to_dict` output; :class:`FileFormatError` names a bad field."""
        err = FileFormatError

        def get(d: Any, key: str, tp: Any, path: str, **meta: Any) -> Any:
            return get_field(d, key, tp, path, err, **meta)

        board = board_from_dict(get(doc, "board", dict, where), f"{where}.board", error=err)
        camera = TelecentricCamera.from_dict(get(doc, "camera", dict, where), f"{where}.camera")
        wq = f"{where}.quality"
        q = get(doc, "quality", dict, where)
        names = tuple(get(q, "param_names", list[str], wq))
        known = {"s", "sx", "sy", "skew", "cx", "cy", "k1", "k2", "p1", "p2", "k3"}
        if not names or not set(names) <= known:
            raise err(f"{wq}.param_names: expected names among {sorted(known)}, given "
                      f"{list(names)}")
        P = len(names)
        std = get(q, "param_std", np.ndarray, wq, shape=(P,), min=0.0)
        cov = get(q, "param_cov", np.ndarray, wq, shape=(P, P))
        views = get(doc, "views", tuple[ViewResult, ...], where)
        n = board.n_corners
        for i, v in enumerate(views):
            if v.corners_xy.shape != (n, 2) or v.corner_ok.shape != (n,):
                raise err(f"{where}.views[{i}]: corners_xy/corner_ok must hold {n} corners")
        per_view = get(q, "per_view_rms_px", np.ndarray, wq, shape=(len(views),))
        rms = get(q, "rms_px", float, wq, min=0.0)
        if not np.isfinite(rms):
            raise err(f"{wq}.rms_px: expected a non-negative number, given null")
        unc = from_jsonable(ProjectionUncertainty | None, q.get("uncertainty"),
                            f"{wq}.uncertainty", err)
        if unc is not None and not (np.isfinite(unc.rms_px) and np.isfinite(unc.max_px)):
            raise err(f"{wq}.uncertainty: rms_px and max_px must be numbers, given "
                      f"{unc.rms_px} / {unc.max_px}")
        if unc is not None and unc.sigma_px.shape != unc.grid_xy.shape[:2]:
            raise err(f"{wq}.uncertainty.sigma_px: expected shape {unc.grid_xy.shape[:2]} (the "
                      f"grid's), given {unc.sigma_px.shape}")
        return cls(camera, board, rms, per_view,
                   from_jsonable(float, q.get("holdout_rms_px"), f"{wq}.holdout_rms_px", err),
                   views, get(doc, "rejected_views", tuple[RejectedView, ...], where), names,
                   std, cov, unc,
                   from_jsonable(int, q.get("n_corners_rejected", 0),
                                 f"{wq}.n_corners_rejected", err, {"min": 0}),
                   str(doc.get("created", "")), str(doc.get("library_version", "")))


# ----------------------------------------------------------------------------- stages
def _reject(fit: _Fit, obs: Observations, names: tuple, n_corners: int
            ) -> tuple[Observations, list, bool]:
    """Outlier corners and views (the rules of :func:`~metrology.calib.calibrate`)."""
    ok = dict(obs.ok)
    allr = np.concatenate([fit.residuals[i][ok[i]] for i in fit.views])
    thr = max(5.0 * np.median(allr) / 1.1774, 0.25)
    n_bad = obs.n_rejected_corners
    for i in fit.views:
        bad = ok[i] & (np.nan_to_num(fit.residuals[i], nan=0.0) > thr)
        if 0 < bad.sum() <= max(1, n_corners // 10):
            ok[i] = ok[i] & ~bad
            n_bad += int(bad.sum())
    rms = {i: float(np.sqrt(np.mean(fit.residuals[i][ok[i]] ** 2))) for i in fit.views}
    med = float(np.median(list(rms.values())))
    bad_views = [i for i in fit.views if rms[i] > max(3.0 * med, med + 0.5)]
    rejected = []
    views = obs.views
    if bad_views and len(fit.views) - len(bad_views) >= 3:
        rejected = [RejectedView(i, names[i], "outlier", f"reprojection RMS {rms[i]:.3f} px vs "
                                 f"median {med:.3f} px") for i in bad_views]
        views = tuple(i for i in obs.views if i not in bad_views)
    changed = bool(rejected) or n_bad > obs.n_rejected_corners
    return Observations(views, obs.corners, ok, n_bad), rejected, changed


def _refine_undistorted(board: Any, obs: Observations, detections: dict, grays: tuple,
                        camera: TelecentricCamera) -> Observations:
    """Re-fit the corners in undistorted coordinates (the lens part of the camera)."""
    corners, ok = dict(obs.corners), dict(obs.ok)
    partial = is_partial_board(board)
    for i in obs.views:
        if partial:
            c2, ok2 = refine_target_detection(board, grays[i], detections[i], camera.lens)
        else:
            c2, ok2, *_ = refine_corners(grays[i].astype(np.float32), detections[i].corners_xy,
                                         board.cols, board.rows, camera=camera.lens)
        keep = ok[i] & ok2
        if keep.sum() >= 0.5 * ok[i].sum():
            corners[i] = np.where(ok2[:, None], c2, corners[i])
            ok[i] = keep
    return Observations(obs.views, corners, ok, obs.n_rejected_corners)


def _check_identifiable(cov: np.ndarray, names: tuple, x: np.ndarray, fit: _Fit) -> None:
    """Raise when the views leave intrinsics undetermined (singular normal matrix)."""
    from .bundle import block_jacobian

    J = block_jacobian(fit.problem, fit.problem.join(fit.x, fit.poses))
    N = J.T @ J
    n_g = len(names)
    # Schur complement of the poses, scaled to unit diagonal
    A, B, C = N[:n_g, :n_g], N[:n_g, n_g:], N[n_g:, n_g:]
    S = A - B @ np.linalg.pinv(C, rcond=1e-12, hermitian=True) @ B.T
    d = np.sqrt(np.maximum(np.diag(S), 1e-300))
    Sn = S / d[:, None] / d[None, :]
    w, V = np.linalg.eigh(Sn)
    weak = []
    if w[0] < 1e-10 * w[-1]:
        weak = [names[k] for k in np.argsort(-np.abs(V[:, 0]))[:3] if abs(V[k, 0]) > 0.2]
    # a magnification known to worse than 0.1 % is no calibration (well-spread views give
    # 1e-5): the views nearly confound it with the poses (e.g. one tilt axis, affine model)
    std = np.sqrt(np.maximum(np.diag(cov), 0))
    rel = {n: std[k] / abs(x[k]) for k, n in enumerate(names) if n in ("s", "sx", "sy")}
    weak += [f"{n} (std {100 * r:.2g} %)" for n, r in rel.items() if r > 1e-3]
    if weak:
        raise CalibrationError(
            f"telecentric calibration: the views leave {', '.join(weak)} undetermined (the "
            f"poses can absorb them); tilt the board about different axes between views, "
            f"or fix them (affine=False, fix_principal_point=True)")


def _projection_uncertainty(camera: TelecentricCamera, params: _Params, x: np.ndarray,
                            cov: np.ndarray, grid: tuple[int, int] = (16, 12)
                            ) -> ProjectionUncertainty:
    """1-sigma projection uncertainty over an image grid; the gauge (camera-frame shift and
    turn about the axis, absorbed by the poses) removed."""
    w, h = camera.image_size
    g = np.stack(np.meshgrid(np.linspace(0, w - 1, grid[0]), np.linspace(0, h - 1, grid[1])),
                 -1)
    q = camera.to_camera_mm(g.reshape(-1, 2), on_invalid="nan")
    ok = np.all(np.isfinite(q), axis=1)
    q = q[ok]
    r0 = camera.norm_radius_px

    def proj(xv: np.ndarray, qq: np.ndarray) -> np.ndarray:
        th = params.theta(xv)
        d = np.stack([th[0] * qq[:, 0] + th[2] * qq[:, 1], th[1] * qq[:, 1]], -1)
        return distort_norm(d / r0, th[5:], "standard") * r0 + th[3:5]
    cols = []
    for k, name in enumerate(params.names):
        hstep = 1e-6 * max(abs(x[k]), 1.0) if name in ("s", "sx", "sy", "cx", "cy") else 1e-7
        xp, xm = x.copy(), x.copy()
        xp[k] += hstep
        xm[k] -= hstep
        cols.append((proj(xp, q) - proj(xm, q)) / (2 * hstep))
    Jp = np.stack(cols, -1)  # (M, 2, P)
    var_fixed = np.einsum("mip,pq,miq->m", Jp, cov, Jp)
    eps = 1e-6
    gauge = []
    for dq in (np.array([1.0, 0.0]), np.array([0.0, 1.0])):
        gauge.append((proj(x, q + eps * dq) - proj(x, q - eps * dq)) / (2 * eps))
    rot = np.stack([-q[:, 1], q[:, 0]], -1)
    gauge.append((proj(x, q + eps * rot) - proj(x, q - eps * rot)) / (2 * eps))
    Ag = np.stack(gauge, -1).reshape(-1, 3)
    Q = np.eye(Ag.shape[0]) - Ag @ np.linalg.solve(Ag.T @ Ag, Ag.T)
    Jg = (Q @ Jp.reshape(-1, len(params.names))).reshape(Jp.shape)
    var = np.einsum("mip,pq,miq->m", Jg, cov, Jg)
    sig = np.full(len(ok), np.nan)
    sig[ok] = np.sqrt(np.maximum(var, 0))
    sig = sig.reshape(g.shape[:2])
    return ProjectionUncertainty(float(np.sqrt(np.nanmean(sig ** 2))), float(np.nanmax(sig)),
                                 g, sig, float(np.sqrt(np.mean(np.maximum(var_fixed, 0)))))


def _holdout(params: _Params, r0: float, board: Any, obs: Observations, fit: _Fit,
             size: tuple[int, int], affine: bool) -> float:
    """Leave-one-view-out RMS: each view predicted by a camera fitted without it."""
    if len(fit.views) < 4:
        return float("nan")
    obj = board.object_points()
    errs = []
    for k, j in enumerate(fit.views):
        others = tuple(i for i in fit.views if i != j)
        keep = [m for m in range(len(fit.views)) if m != k]
        try:
            fj = _fit(params, r0, board, obs, others, fit.x, fit.poses[keep], size)
            cam = _camera(params.theta(fj.x), size, affine)
            ok = obs.ok[j]
            rvec, tvec, _ = orthographic_pose(cam, obj[ok], obs.corners[j][ok])
            errs.append(np.linalg.norm(cam.project(obj[ok], rvec, tvec) - obs.corners[j][ok],
                                       axis=1))
        except (CalibrationError, InputError):
            continue
    if not errs:
        return float("nan")
    return float(np.sqrt(np.mean(np.concatenate(errs) ** 2)))


def calibrate_telecentric(images_or_paths: Any, board: Any, *, affine: bool = False,
                          fix_principal_point: bool = True, k3: bool = False,
                          holdout: bool = True, max_blur_px: float | None = None,
                          refine_pass: bool = True, progress: Progress | None = None
                          ) -> TelecentricCalibration:
    """Calibrate a telecentric camera from views of a planar board.

    Parameters
    ----------
    images_or_paths : folder, glob pattern, path, image array, or a list of them
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
    affine : bool
        Fit ``sx``, ``sy`` and ``skew`` (model ``"telecentric_affine"``: a tilted sensor,
        non-square pixels) instead of one magnification.  The views must then tilt the board
        about different axes (one tilt axis confounds the aspect ratio with the tilt).
    fix_principal_point : bool
        Hold the centre of distortion at the image centre (default): with the small
        distortion of telecentric lenses it is poorly determined, and a shift of it is
        absorbed by ``p1, p2`` and the poses to first order.
    k3 : bool
        Also fit the sixth-order radial term.
    holdout, max_blur_px, refine_pass, progress
        As :func:`~metrology.calib.calibrate`.

    Returns
    -------
    TelecentricCalibration

    Raises
    ------
    CalibrationError
        No board in any view, fewer than 3 usable views, or views that leave intrinsics
        undetermined.

    Examples
    --------
    >>> from metrology.calib import Checkerboard
    >>> cal = calibrate_telecentric(views, Checkerboard(9, 6, 2.0))  # doctest: +SKIP
    >>> cal.camera.mm_per_px                                          # doctest: +SKIP
    """
    if not isinstance(board, Checkerboard) and not is_partial_board(board):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    if max_blur_px is not None:
        max_blur_px = check_positive(max_blur_px, "max_blur_px")
    affine, fix_principal_point, k3, holdout, refine_pass = (
        check_bool(v, n) for v, n in ((affine, "affine"), (fix_principal_point,
                                                            "fix_principal_point"),
                                      (k3, "k3"), (holdout, "holdout"),
                                      (refine_pass, "refine_pass")))
    if progress is not None and not callable(progress):
        raise InputError(f"progress: expected a callable or None, given {type(progress).__name__}")
    say = progress or _quiet
    loaded = load_views(images_or_paths, say)
    detected = detect_views(loaded, board, max_blur_px=max_blur_px, progress=say)
    size = loaded.image_size
    n = len(loaded.names)
    obs = Observations.from_detections(detected.detections)
    cam0 = TelecentricCamera([[1.0, 0, (size[0] - 1) / 2], [0, 1.0, (size[1] - 1) / 2],
                              [0, 0, 1]], np.zeros(5), size)
    r0 = cam0.norm_radius_px
    params = _Params.make(affine, not fix_principal_point, k3, (cam0.cx, cam0.cy))
    say(n, n, "", f"calibrating a telecentric camera ({len(obs.views)} views)")
    x0, poses0 = _start(params, board, obs, size)
    fit = _fit(params, r0, board, obs, obs.views, x0, poses0, size)
    obs, outliers, changed = _reject(fit, obs, loaded.names, board.n_corners)
    if changed:
        keep = [k for k, i in enumerate(fit.views) if i in obs.views]
        fit = _fit(params, r0, board, obs, obs.views, fit.x, fit.poses[keep], size)
    if refine_pass:
        say(n, n, "", "re-fitting corners in undistorted coordinates")
        cam = _camera(params.theta(fit.x), size, affine)
        obs = _refine_undistorted(board, obs, detected.detections, loaded.grays, cam)
        fit = _fit(params, r0, board, obs, obs.views, fit.x, fit.poses, size)
    cov, _, _ = global_covariance(fit.problem, fit.problem.join(fit.x, fit.poses), fit.n_obs)
    _check_identifiable(cov, params.names, fit.x, fit)
    camera = _camera(params.theta(fit.x), size, affine)
    unc = _projection_uncertainty(camera, params, fit.x, cov)
    hold = float("nan")
    if holdout and len(fit.views) >= 4:
        say(n, n, "", f"hold-out check ({len(fit.views)} calibrations)")
        hold = _holdout(params, r0, board, obs, fit, size, affine)
    per_view = np.array([float(np.sqrt(np.mean(fit.residuals[i][obs.ok[i]] ** 2)))
                         for i in fit.views])
    allr = np.concatenate([fit.residuals[i][obs.ok[i]] for i in fit.views])
    views = []
    for k, i in enumerate(fit.views):
        rvec = fit.poses[k, :3]
        if tilt_sign_of(rvec) < 0:
            rvec = mirror_pose(rvec)
        views.append(ViewResult(i, loaded.names[i], rvec, np.r_[fit.poses[k, 3:5], 0.0],
                                float(per_view[k]), obs.corners[i], obs.ok[i],
                                detected.detections[i].sharpness))
    rejected = sorted(list(detected.rejected) + outliers, key=lambda r: r.index)
    return TelecentricCalibration(camera, board, float(np.sqrt(np.mean(allr ** 2))), per_view,
                                  hold, tuple(views), tuple(rejected), params.names,
                                  np.sqrt(np.maximum(np.diag(cov), 0)), 0.5 * (cov + cov.T),
                                  unc, obs.n_rejected_corners,
                                  datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                  __version__)
