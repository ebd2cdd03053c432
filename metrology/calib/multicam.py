"""Several cameras calibrated together: intrinsics and relative poses from shared board views.

:func:`calibrate_rig` takes, per camera, its views of a board, matched by *scene* (the same
board pose seen at the same moment by several cameras; partial views welcome with id'd boards).
Each camera is first calibrated on its own (:func:`~metrology.calib.calibrate`'s stages, the
corners refitted in undistorted coordinates), then one bundle adjustment refines everything
together:

* per camera ``c``: intrinsics ``[fx, fy, cx, cy, dist...]`` and, except for the reference
  camera (the first), its pose ``T_c_ref`` (rotation vector + translation, mm);
* per scene ``s``: the board's pose in the reference camera ``T_ref_board(s)``;
* residual: every corner of every view, ``project_c(T_c_ref T_ref_board(s) X) - measured``.

Relative poses start from each pair's per-scene poses (rotation mean, translation mean) along
the co-visibility graph.  The covariance of the intrinsics and relative poses (scenes
marginalised) gives each relative pose's uncertainty: rotation (deg), translation and
baseline (mm) -- :meth:`RigCalibration.relative_pose`.

A rig station file (``format`` ``"metrology.rig"``, version 1) holds the cameras, their poses,
the covariance, every scene's board pose and every view's corners, written atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._serial import Serializable, from_jsonable, to_jsonable
from .._version import __version__
from ..core.checks import check_choice
from ..errors import CalibrationError, FileFormatError, InputError
from .board import Checkerboard, detect_board
from .bundle import BlockProblem, global_covariance, solve_blocks
from .calibration import (Observations, Problem, detect_views, fit_camera, load_views,
                          refine_in_undistorted, reject_outliers)
from .camera import MODELS, CameraModel, rodrigues
from .plane import Plane, _solve_pose
from .results import RejectedView, param_names
from .solver import project_params, rotate_points
from .targets import board_from_dict, is_partial_board
from .telecentric import rotation_vector

__all__ = ["calibrate_rig", "RigCalibration", "RigView", "RelativePose", "RIG_FORMAT",
           "RIG_VERSION", "compose", "invert"]

RIG_FORMAT = "metrology.rig"
RIG_VERSION = 1

Progress = Callable[[int, int, str, str], None]


def _quiet(i: int, n: int, name: str, msg: str) -> None:
    """The default progress callback: says nothing."""


# ----------------------------------------------------------------------------- transforms
def _T(rvec: Any, tvec: Any) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = rodrigues(np.asarray(rvec, float).ravel())
    T[:3, 3] = np.asarray(tvec, float).ravel()
    return T


def compose(*Ts: np.ndarray) -> np.ndarray:
    """``T_a_b @ T_b_c @ ...`` of 4x4 rigid transforms."""
    out = np.eye(4)
    for T in Ts:
        out = out @ T
    return out


def invert(T: np.ndarray) -> np.ndarray:
    """Inverse of a 4x4 rigid transform."""
    out = np.eye(4)
    out[:3, :3] = T[:3, :3].T
    out[:3, 3] = -T[:3, :3].T @ T[:3, 3]
    return out


def _rt(T: np.ndarray) -> np.ndarray:
    """4x4 -> (rvec, tvec) as one (6,) vector."""
    return np.r_[rotation_vector(T[:3, :3]), T[:3, 3]]


def _mean_transform(Ts: list[np.ndarray]) -> np.ndarray:
    """Chordal mean of rotations (SVD of the summed matrices) and mean translation."""
    U, _, Vt = np.linalg.svd(sum(T[:3, :3] for T in Ts))
    R = U @ Vt
    if np.linalg.det(R) < 0:
        R = U @ np.diag([1, 1, -1]) @ Vt
    out = np.eye(4)
    out[:3, :3] = R
    out[:3, 3] = np.mean([T[:3, 3] for T in Ts], axis=0)
    return out


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class RigView(Serializable):
    """One camera's view of one scene.

    Attributes
    ----------
    camera : str
    scene : str
    name : str
        File name (or ``"image i"``).
    corners_xy : ndarray (N, 2)
        Measured corners (NaN where not seen).
    corner_ok : ndarray (N,) bool
        Corners used.
    rms_px : float
        Reprojection RMS of the corners used, after the joint fit.
    """

    _json_type = None

    camera: str
    scene: str
    name: str
    corners_xy: np.ndarray = field(metadata={"shape": (None, 2)})
    corner_ok: np.ndarray = field(metadata={"dtype": "bool", "shape": (None,)})
    rms_px: float = field(default=float("nan"), metadata={"min": 0.0})


@dataclass(frozen=True, eq=False)
class RelativePose(Serializable):
    """The pose of camera ``src`` in camera ``dst``'s frame, ``T_dst_src``, with its 1-sigma
    uncertainty from the calibration.

    Attributes
    ----------
    dst, src : str
        Camera names (``T_dst_src`` maps ``src``-frame points into ``dst``'s frame).
    T_dst_src : ndarray (4, 4)
    rotation_deg : ndarray (3,)
        Rotation vector of ``T_dst_src`` in degrees; ``angle_deg`` its length.
    translation_mm : ndarray (3,)
    baseline_mm : float
        Distance between the two camera centres.
    rotation_std_deg : ndarray (3,)
        Standard deviation of each rotation-vector component; ``angle_std_deg`` the total
        (square root of the trace).
    translation_std_mm : ndarray (3,)
    baseline_std_mm : float
    """

    dst: str
    src: str
    T_dst_src: np.ndarray = field(metadata={"shape": (4, 4)})
    rotation_deg: np.ndarray = field(metadata={"shape": (3,)})
    angle_deg: float
    translation_mm: np.ndarray = field(metadata={"shape": (3,)})
    baseline_mm: float
    rotation_std_deg: np.ndarray = field(metadata={"shape": (3,)})
    angle_std_deg: float
    translation_std_mm: np.ndarray = field(metadata={"shape": (3,)})
    baseline_std_mm: float

    def __str__(self) -> str:
        return (f"T_{self.dst}_{self.src}: rotation {self.angle_deg:.4f} +/- "
                f"{self.angle_std_deg:.4f} deg, translation "
                f"{np.array2string(self.translation_mm, precision=3)} +/- "
                f"{np.array2string(self.translation_std_mm, precision=3)} mm, baseline "
                f"{self.baseline_mm:.4f} +/- {self.baseline_std_mm:.4f} mm")


@dataclass(frozen=True, eq=False)
class RigCalibration:
    """Result of :func:`calibrate_rig` (also what a rig station file holds).

    Attributes
    ----------
    names : tuple of str
        Camera names; the first is the reference camera.
    cameras : tuple of CameraModel
    T_cam_ref : ndarray (C, 4, 4)
        Each camera's pose: reference-camera frame -> that camera's frame (identity first).
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
    scenes : tuple of str
        Scene keys, in the order of ``T_ref_board``.
    T_ref_board : ndarray (S, 4, 4)
        Each scene's board pose in the reference camera's frame.
    views : tuple of RigView
    rms_px : float
        Reprojection RMS over every corner of every view.
    per_camera_rms_px : ndarray (C,)
    param_names : tuple of str
        ``"<camera>.<intrinsic>"`` for every camera, then ``"<camera>.r{x,y,z}"`` (rad) and
        ``"<camera>.t{x,y,z}"`` (mm) of every non-reference camera's ``T_cam_ref``.
    param_cov : ndarray (P, P)
        Their covariance (scene poses marginalised).
    param_std : ndarray (P,)
    rejected_views : tuple of RejectedView
        Names are ``"<camera>: <file>"``.
    created, library_version : str
    """

    names: tuple
    cameras: tuple
    T_cam_ref: np.ndarray
    board: Any
    scenes: tuple
    T_ref_board: np.ndarray
    views: tuple
    rms_px: float
    per_camera_rms_px: np.ndarray
    param_names: tuple
    param_cov: np.ndarray
    param_std: np.ndarray
    rejected_views: tuple = ()
    created: str = ""
    library_version: str = __version__

    # ------------------------------------------------------------------ access
    def index(self, name: str) -> int:
        """Position of camera ``name``."""
        if name not in self.names:
            raise InputError(f"camera {name!r}: the rig has cameras {list(self.names)}")
        return self.names.index(name)

    def camera(self, name: str) -> CameraModel:
        """The camera model of camera ``name``."""
        return self.cameras[self.index(name)]

    def _pose_params(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """``T_cam_ref`` parameters (6,) of camera ``c`` and their indices in ``param_cov``
        (empty for the reference camera)."""
        if c == 0:
            return np.zeros(6), np.zeros(0, int)
        start = self.param_names.index(f"{self.names[c]}.rx")
        return _rt(self.T_cam_ref[c]), np.arange(start, start + 6)

    def relative_pose(self, dst: str, src: str) -> RelativePose:
        """``T_dst_src`` with its uncertainty (first order, from ``param_cov``)."""
        a, b = self.index(dst), self.index(src)
        pa, ia = self._pose_params(a)
        pb, ib = self._pose_params(b)
        idx = np.r_[ia, ib].astype(int)
        v0 = np.r_[pa[:ia.size], pb[:ib.size]]  # the free pose parameters involved

        def rel(v: np.ndarray) -> np.ndarray:
            va = v[:6] if ia.size else pa
            vb = v[ia.size:ia.size + 6] if ib.size else pb
            T = compose(_T(va[:3], va[3:]), invert(_T(vb[:3], vb[3:])))  # T_a_ref T_ref_b
            return np.r_[rotation_vector(T[:3, :3]), T[:3, 3], np.linalg.norm(T[:3, 3])]
        out0 = rel(v0)
        cov = np.zeros((7, 7))
        if idx.size:
            J = np.zeros((7, idx.size))
            for k in range(idx.size):
                h = 1e-7 if k % 6 < 3 else 1e-6 * max(float(np.linalg.norm(v0[k - k % 6 + 3:
                                                                             k - k % 6 + 6])),
                                                       1.0)
                vp, vm = v0.copy(), v0.copy()
                vp[k] += h
                vm[k] -= h
                J[:, k] = (rel(vp) - rel(vm)) / (2 * h)
            cov = J @ self.param_cov[np.ix_(idx, idx)] @ J.T
        std = np.sqrt(np.maximum(np.diag(cov), 0))
        T = compose(self.T_cam_ref[a], invert(self.T_cam_ref[b]))
        deg = np.degrees(1.0)
        return RelativePose(dst, src, T, out0[:3] * deg, float(np.linalg.norm(out0[:3]) * deg),
                            out0[3:6], float(out0[6]), std[:3] * deg,
                            float(np.sqrt(np.trace(cov[:3, :3])) * deg), std[3:6],
                            float(std[6]))

    def planes(self, scene: str | int | None = None, *, images: dict | None = None,
               board: Any = None, height_mm: float = 0.0) -> dict[str, Plane]:
        """Measuring planes of every camera in one millimetre frame (a board's).

        Parameters
        ----------
        scene : str or int, optional
            A calibration scene whose board lay on the measuring plane.
        images : dict camera -> image, optional
            Or images of a board lying on the measuring plane (any subset of the cameras;
            its pose is fitted to all of them at once).
        board : optional
            The board in ``images`` (default: the calibration board).
        height_mm : float
            The measuring plane lies that far above the board.

        Returns
        -------
        dict camera name -> Plane
            Each camera's plane, all in the board's frame: a point in mm is the same point
            whichever camera measured it.
        """
        if (scene is None) == (images is None):
            raise InputError("planes: give either a calibration scene or images of a board")
        if images is not None:
            T_ref_board = self._locate_board(images, board or self.board)
        else:
            if isinstance(scene, str):
                if scene not in self.scenes:
                    raise InputError(f"planes: no scene {scene!r}; scenes are "
                                     f"{list(self.scenes)}")
                s = self.scenes.index(scene)
            else:
                s = int(scene)
                if not 0 <= s < len(self.scenes):
                    raise InputError(f"planes: scene index {s} outside 0..{len(self.scenes) - 1}")
            T_ref_board = self.T_ref_board[s]
        out = {}
        for c, name in enumerate(self.names):
            T = compose(self.T_cam_ref[c], T_ref_board)
            r = _rt(T)
            out[name] = Plane(self.cameras[c], r[:3], r[3:], height_mm)
        return out

    def _locate_board(self, images: dict, board: Any) -> np.ndarray:
        """``T_ref_board`` of a board seen in ``images`` (camera -> image), fitted to every
        camera's corners together."""
        from scipy.optimize import least_squares

        if not isinstance(images, dict) or not images:
            raise InputError("planes: images must be a non-empty dict camera name -> image")
        obj = board.object_points()
        seen = []
        for name, img in images.items():
            c = self.index(name)
            det = detect_board(img, board, camera=self.cameras[c])
            if det.image_size != self.cameras[c].image_size:
                raise InputError(f"camera {name!r}: image is {det.image_size}, the camera was "
                                 f"calibrated at {self.cameras[c].image_size}")
            ok = det.corner_ok
            if ok.sum() < 4:
                continue
            seen.append((c, obj[ok], det.corners_xy[ok]))
        if not seen:
            raise CalibrationError("planes: the board was found in none of the images")
        c0, o0, p0 = max(seen, key=lambda t: len(t[1]))
        rv, tv = _solve_pose(self.cameras[c0], o0, p0)
        x0 = _rt(compose(invert(self.T_cam_ref[c0]), _T(rv, tv)))

        def res(x: np.ndarray) -> np.ndarray:
            T = _T(x[:3], x[3:])
            return np.concatenate([(self.cameras[c].project(o, *_split(compose(
                self.T_cam_ref[c], T))) - p).ravel() for c, o, p in seen])
        x = least_squares(res, x0, method="lm", x_scale="jac").x
        return _T(x[:3], x[3:])

    def summary(self) -> str:
        """A readable multi-line report."""
        lines = [f"rig of {len(self.names)} cameras ({', '.join(self.names)}), "
                 f"{len(self.scenes)} scenes; reprojection RMS {self.rms_px:.4f} px"]
        for c, name in enumerate(self.names):
            cam = self.cameras[c]
            n = sum(1 for v in self.views if v.camera == name)
            lines.append(f"  {name}: {cam.model} {cam.image_size[0]}x{cam.image_size[1]}, fx "
                         f"{cam.fx:.3f} fy {cam.fy:.3f} cx {cam.cx:.3f} cy {cam.cy:.3f}, "
                         f"{n} views, RMS {self.per_camera_rms_px[c]:.4f} px")
        for name in self.names[1:]:
            lines.append("  " + str(self.relative_pose(self.names[0], name)))
        for r in self.rejected_views:
            lines.append(f"rejected {r.index:3d}  {r.name}: {r.reason} ({r.detail})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ station file
    def to_dict(self) -> dict:
        """The rig station file's payload (NaN as null)."""
        return to_jsonable({
            "created": self.created, "library_version": self.library_version,
            "board": self.board,
            "cameras": [{"name": n, "camera": c, "T_cam_ref": T}
                        for n, c, T in zip(self.names, self.cameras, self.T_cam_ref)],
            "scenes": [{"scene": s, "T_ref_board": T}
                       for s, T in zip(self.scenes, self.T_ref_board)],
            "quality": {"rms_px": self.rms_px, "per_camera_rms_px": self.per_camera_rms_px,
                        "param_names": self.param_names, "param_std": self.param_std,
                        "param_cov": self.param_cov},
            "views": self.views, "rejected_views": self.rejected_views})

    def save(self, path: str | os.PathLike) -> Path:
        """Write the rig station file (versioned JSON, atomic)."""
        from .._io import write_json_file

        if not (np.isfinite(self.rms_px) and self.rms_px >= 0):
            raise InputError(f"cannot write {path}: rms_px is {self.rms_px}")
        return write_json_file(path, self.to_dict(), fmt=RIG_FORMAT, version=RIG_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> RigCalibration:
        """Read a rig station file; :class:`FileFormatError` names a bad field."""
        from .._io import read_json_file

        doc = read_json_file(path, fmt=RIG_FORMAT, versions=[RIG_VERSION])
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: dict, where: str = "rig") -> RigCalibration:
        """Build from :meth:`to_dict` output; :class:`FileFormatError` names a bad field."""
        err = FileFormatError

        def get(d: Any, key: str, tp: Any, path: str, **meta: Any) -> Any:
            if not isinstance(d, dict) or key not in d:
                raise err(f"{path}: missing field {key!r}")
            return from_jsonable(tp, d[key], f"{path}.{key}", err, meta)

        board = board_from_dict(get(doc, "board", dict, where), f"{where}.board", error=err)
        cams = get(doc, "cameras", list[dict], where)
        if not cams:
            raise err(f"{where}.cameras: a rig needs at least one camera")
        names, cameras, Ts = [], [], []
        for i, c in enumerate(cams):
            w = f"{where}.cameras[{i}]"
            names.append(get(c, "name", str, w))
            cameras.append(CameraModel.from_dict(get(c, "camera", dict, w), f"{w}.camera"))
            Ts.append(_check_rigid(get(c, "T_cam_ref", np.ndarray, w, shape=(4, 4)),
                                   f"{w}.T_cam_ref"))
        if len(set(names)) != len(names):
            raise err(f"{where}.cameras: camera names must be distinct, given {names}")
        scenes_doc = get(doc, "scenes", list[dict], where)
        scenes, Tb = [], []
        for i, s in enumerate(scenes_doc):
            w = f"{where}.scenes[{i}]"
            scenes.append(get(s, "scene", str, w))
            Tb.append(_check_rigid(get(s, "T_ref_board", np.ndarray, w, shape=(4, 4)),
                                   f"{w}.T_ref_board"))
        views = get(doc, "views", tuple[RigView, ...], where)
        n = board.n_corners
        for i, v in enumerate(views):
            if v.camera not in names or v.scene not in scenes:
                raise err(f"{where}.views[{i}]: camera {v.camera!r} / scene {v.scene!r} not "
                          f"in the rig")
            if v.corners_xy.shape != (n, 2) or v.corner_ok.shape != (n,):
                raise err(f"{where}.views[{i}]: corners must hold {n} corners")
        q = get(doc, "quality", dict, where)
        wq = f"{where}.quality"
        pn = tuple(get(q, "param_names", list[str], wq))
        P = len(pn)
        rms = get(q, "rms_px", float, wq, min=0.0)
        if not np.isfinite(rms):
            raise err(f"{wq}.rms_px: expected a non-negative number, given null")
        return cls(tuple(names), tuple(cameras), np.stack(Ts), board, tuple(scenes),
                   np.stack(Tb) if Tb else np.zeros((0, 4, 4)), views, rms,
                   get(q, "per_camera_rms_px", np.ndarray, wq, shape=(len(names),)), pn,
                   get(q, "param_cov", np.ndarray, wq, shape=(P, P)),
                   get(q, "param_std", np.ndarray, wq, shape=(P,), min=0.0),
                   get(doc, "rejected_views", tuple[RejectedView, ...], where),
                   str(doc.get("created", "")), str(doc.get("library_version", "")))


def _split(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return rotation_vector(T[:3, :3]), T[:3, 3]


def _check_rigid(T: np.ndarray, where: str) -> np.ndarray:
    R = T[:3, :3]
    if not np.all(np.isfinite(T)) or np.abs(R @ R.T - np.eye(3)).max() > 1e-6 or \
            abs(np.linalg.det(R) - 1) > 1e-6 or np.abs(T[3] - [0, 0, 0, 1]).max() > 0:
        raise FileFormatError(f"{where}: not a rigid transform (rotation + translation)")
    return T


# ----------------------------------------------------------------------------- inputs
def _scene_lists(views: Any) -> tuple[list[str], list[str], list[list]]:
    """Camera names, scene keys and ``items[c][s]`` (image/path or None) from the user's
    ``{camera: list or dict}``."""
    if not isinstance(views, dict) or not views:
        raise InputError("views: expected a dict camera name -> list of images (one per scene, "
                         "None where the camera has no view) or dict scene -> image")
    names = [str(k) for k in views]
    vals = list(views.values())
    if all(isinstance(v, dict) for v in vals):
        scenes = sorted({str(s) for v in vals for s in v})
        items = [[v.get(s, v.get(_maybe_int(s))) for s in scenes] for v in vals]
        return names, scenes, items
    if any(isinstance(v, dict) for v in vals):
        raise InputError("views: give every camera's views as lists, or every camera's as "
                         "dicts scene -> image, not a mix")
    lists = []
    for n, v in zip(names, vals):
        if isinstance(v, (str, os.PathLike)):
            from .inputs import collect_images

            v = [src for _, src in collect_images(v)]
        try:
            lists.append(list(v))
        except TypeError:
            raise InputError(f"views[{n!r}]: expected a list of images or paths") from None
    lens = {len(v) for v in lists}
    if len(lens) != 1:
        raise InputError(f"views: every camera needs one entry per scene (None where it has no "
                         f"view); given {dict(zip(names, map(len, lists)))} entries")
    return names, [str(s) for s in range(lens.pop())], lists


def _maybe_int(s: str) -> Any:
    try:
        return int(s)
    except ValueError:
        return s


# ----------------------------------------------------------------------------- the fit
@dataclass(frozen=True, eq=False)
class _Cam:
    """One camera's own calibration on the way in."""

    name: str
    problem: Problem
    obs: Observations
    scene_of: dict  # input index (within this camera's views) -> scene index
    camera: CameraModel
    poses: dict  # scene index -> T_cam_board (4x4)
    names: tuple
    rejected: list


def _calibrate_one(name: str, items: list, board: Any, model: str, refine_pass: bool,
                   say: Progress) -> _Cam:
    """A camera's own calibration (the stages of :func:`~metrology.calib.calibrate`)."""
    present = [s for s, it in enumerate(items) if it is not None]
    if not present:
        raise CalibrationError(f"camera {name!r} has no view")
    loaded = load_views([items[s] for s in present], say)
    mism = [r for r in loaded.rejected if r.reason == "size_mismatch"]
    if mism:
        raise InputError(f"camera {name!r}: its views differ in size ({mism[0].detail}); every "
                         f"view of a camera must come from it at its full resolution")
    try:
        detected = detect_views(loaded, board, progress=say)
    except CalibrationError as exc:
        raise CalibrationError(f"camera {name!r}: {exc}") from None
    problem = Problem(board, model, loaded.image_size, True)
    obs = Observations.from_detections(detected.detections)
    fit = fit_camera(problem, obs)
    obs, fit, outliers = reject_outliers(problem, obs, fit, loaded.names)
    if refine_pass:
        obs = refine_in_undistorted(problem, obs, fit, detected, loaded.grays)
        fit = fit_camera(problem, obs, guess=fit.camera)
    scene_of = {i: present[i] for i in range(len(present))}
    poses = {scene_of[i]: _T(r, t) for i, r, t in zip(fit.views, fit.rvecs, fit.tvecs)}
    rejected = [RejectedView(scene_of[r.index], f"{name}: {r.name}", r.reason, r.detail)
                for r in list(detected.rejected) + list(outliers)]
    return _Cam(name, problem, obs, scene_of, fit.camera, poses, loaded.names, rejected)


def _symmetries(board: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The board's own symmetries: ``(perm (N,), F (4, 4))`` with ``X[perm[k]] = F X[k]``.

    A plain checkerboard looks the same turned by half a turn (a quarter turn too when
    square), so two cameras may number the same corners differently; id'd boards have only
    the identity."""
    n = board.n_corners
    out = [(np.arange(n), np.eye(4))]
    if is_partial_board(board):
        return out
    obj = board.object_points()
    c = np.r_[(board.cols - 1) * board.square_mm / 2, (board.rows - 1) * board.square_mm / 2, 0]
    turns = (2,) if board.cols != board.rows else (1, 2, 3)
    for q in turns:
        R = rodrigues(np.array([0.0, 0.0, q * np.pi / 2]))
        F = np.eye(4)
        F[:3, :3] = R
        F[:3, 3] = c - R @ c
        moved = obj @ R.T + F[:3, 3]
        d = np.linalg.norm(moved[:, None, :] - obj[None, :, :], axis=-1)
        out.append((np.argmin(d, axis=1), F))
    return out


def _distance(T1: np.ndarray, T2: np.ndarray, scale: float) -> float:
    """Rotation angle (deg) between two poses plus their translation difference in units of
    ``scale`` (mm per degree)."""
    dR = T1[:3, :3].T @ T2[:3, :3]
    ang = np.degrees(np.arccos(np.clip((np.trace(dR) - 1) / 2, -1.0, 1.0)))
    return float(ang + np.linalg.norm(T1[:3, 3] - T2[:3, 3]) / scale)


def _edge(ca: _Cam, cb: _Cam, syms: list, scale: float) -> np.ndarray | None:
    """``T_b_a`` from the scenes both cameras saw, trying every board symmetry per scene
    and keeping the relative pose most scenes agree on."""
    shared = sorted(set(ca.poses) & set(cb.poses))
    if not shared:
        return None
    cands = {(s, g): compose(cb.poses[s], F, invert(ca.poses[s]))
             for s in shared for g, (_, F) in enumerate(syms)}

    def support(T: np.ndarray) -> tuple[int, float]:
        best = [min(_distance(T, cands[(s, g)], scale) for g in range(len(syms)))
                for s in shared]
        return sum(d < 2.0 for d in best), -sum(min(d, 2.0) for d in best)
    ref = max(cands.values(), key=support)
    chosen = [min((cands[(s, g)] for g in range(len(syms))),
                  key=lambda T: _distance(ref, T, scale)) for s in shared]
    chosen = [T for T in chosen if _distance(ref, T, scale) < 2.0]
    return _mean_transform(chosen)


def _initial_poses(cams: list[_Cam], n_scenes: int, board: Any
                   ) -> tuple[list[np.ndarray], dict, list[_Cam]]:
    """``T_cam_ref`` of every camera (breadth-first over shared scenes), ``T_ref_board``
    of every scene seen, and the cameras with every view's corners numbered like the first
    camera that saw its scene (a plain checkerboard's half-turn ambiguity resolved)."""
    syms = _symmetries(board)
    sizes = [np.linalg.norm(p[:3, 3]) for c in cams for p in c.poses.values()]
    scale = 0.02 * max(float(np.median(sizes)) if sizes else 1.0, 1e-9)  # 2 % of range/deg
    T = {0: np.eye(4)}
    todo = [0]
    while todo:
        a = todo.pop(0)
        for b in range(len(cams)):
            if b in T:
                continue
            T_ba = _edge(cams[a], cams[b], syms, scale)
            if T_ba is None:
                continue
            T[b] = compose(T_ba, T[a])
            todo.append(b)
    lost = [cams[c].name for c in range(len(cams)) if c not in T]
    if lost:
        raise CalibrationError(f"camera(s) {lost} share no scene (a board seen at the same "
                               f"time) with {cams[0].name!r} or the cameras linked to it; "
                               f"their pose in the rig cannot be found")
    # every scene numbered like the first camera that saw it
    cams = [_relabel(c, {}, syms) for c in cams]
    scenes = {}
    for s in range(n_scenes):
        seen = [c for c in range(len(cams)) if s in cams[c].poses]
        if not seen:
            continue
        ref = compose(invert(T[seen[0]]), cams[seen[0]].poses[s])
        est = [ref]
        for c in seen[1:]:
            g = min(range(len(syms)), key=lambda g: _distance(
                ref, compose(invert(T[c]), cams[c].poses[s], syms[g][1]), scale))
            if g:
                cams[c] = _relabel(cams[c], {s: g}, syms)
            est.append(compose(invert(T[c]), cams[c].poses[s]))
        scenes[s] = _mean_transform(est)
    return [T[c] for c in range(len(cams))], scenes, cams


def _relabel(cam: _Cam, flips: dict, syms: list) -> _Cam:
    """A copy of ``cam`` with the views of scenes ``flips`` (scene -> symmetry) renumbered."""
    if not flips:
        return cam
    corners, ok, poses = dict(cam.obs.corners), dict(cam.obs.ok), dict(cam.poses)
    for i, s in cam.scene_of.items():
        if s in flips and i in corners:
            perm, F = syms[flips[s]]
            corners[i] = corners[i][perm]
            ok[i] = ok[i][perm]
            poses[s] = compose(poses[s], F)
    obs = Observations(cam.obs.views, corners, ok, cam.obs.n_rejected_corners)
    return _Cam(cam.name, cam.problem, obs, cam.scene_of, cam.camera, poses, cam.names,
                cam.rejected)


def _rig_problem(cams: list[_Cam], scene_ids: list[int], x_ref: np.ndarray
                 ) -> tuple[BlockProblem, int, list[int]]:
    """The joint problem: global ``[intrinsics of every camera, T_c_ref of cameras 1..]``,
    blocks = scenes ``(rvec, tvec)`` of ``T_ref_board``."""
    obj = cams[0].problem.board.object_points()
    n_int = [4 + len(c.camera.dist) for c in cams]
    starts = np.cumsum([0] + n_int)
    pose0 = int(starts[-1])
    pos = {s: k for k, s in enumerate(scene_ids)}
    per_cam = []
    for c in cams:
        rows = [(pos[c.scene_of[i]], np.where(c.obs.ok[i][:, None], c.obs.corners[i], 0.0),
                 c.obs.ok[i]) for i in c.obs.views if c.scene_of[i] in pos]
        per_cam.append((np.array([r[0] for r in rows], int), np.stack([r[1] for r in rows]),
                        np.stack([r[2] for r in rows])[..., None]))

    def residuals(g: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = []
        for ci, (cam, (sidx, O, m)) in enumerate(zip(cams, per_cam)):
            theta = g[starts[ci]:starts[ci + 1]]
            P = rotate_points(b[sidx, :3], np.broadcast_to(obj, (len(sidx),) + obj.shape)) + \
                b[sidx, None, 3:]
            if ci:
                pv = g[pose0 + 6 * (ci - 1):pose0 + 6 * ci]
                P = P @ rodrigues(pv[:3]).T + pv[3:]
            px = project_params(theta, cam.problem.model, P)
            out.append(np.where(m, px - O, 0.0).ravel())
        return np.concatenate(out)
    row_block = np.concatenate([np.repeat(sidx, obj.shape[0] * 2) for sidx, _, _ in per_cam])
    n_obs = int(sum(2 * m.sum() for _, _, m in per_cam))
    g_steps = np.empty(len(x_ref))
    for ci in range(len(cams)):
        for k in range(n_int[ci]):
            v = x_ref[starts[ci] + k]
            g_steps[starts[ci] + k] = 1e-6 * max(abs(v), 1.0) if k < 4 else 1e-7
    for ci in range(1, len(cams)):
        base = pose0 + 6 * (ci - 1)
        g_steps[base:base + 3] = 1e-7
        g_steps[base + 3:base + 6] = 1e-6 * max(float(np.abs(x_ref[base + 3:base + 6]).max()),
                                                1.0)
    t_scale = 1e-6 * max(1.0, float(np.median([np.linalg.norm(p[:3, 3]) for c in cams
                                               for p in c.poses.values()])))
    prob = BlockProblem(residuals, len(x_ref), len(scene_ids), 6, g_steps,
                        np.array([1e-7, 1e-7, 1e-7, t_scale, t_scale, t_scale]), row_block)
    return prob, n_obs, list(starts)


def calibrate_rig(views: dict, board: Any, model: str = "standard", *,
                  refine_pass: bool = True, progress: Progress | None = None
                  ) -> RigCalibration:
    """Calibrate several cameras at once: intrinsics and relative poses.

    Parameters
    ----------
    views : dict camera name -> list or dict
        Per camera, its images (paths or arrays) by scene: lists of equal length (``None``
        where a camera has no view of that scene), a folder or glob pattern (sorted files,
        one per scene), or dicts ``scene -> image``.  The first camera is the reference.
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
        With id'd boards a view may show part of the board.
    model : str
        Lens model of every camera (:data:`metrology.calib.camera.MODELS`, not fisheye).
    refine_pass : bool
        Refit every corner in undistorted coordinates before the joint fit (as
        :func:`~metrology.calib.calibrate`).
    progress : callable ``(i, n, name, message)``, optional

    Returns
    -------
    RigCalibration

    Raises
    ------
    InputError
        Bad ``views`` (lists of different lengths), a camera whose views differ in size.
    CalibrationError
        A camera without views (or fewer than 3 usable), a camera that shares no scene with
        the others.

    Examples
    --------
    >>> rig = calibrate_rig({"left": left_files, "right": right_files},
    ...                     Checkerboard(9, 6, 25.0))                     # doctest: +SKIP
    >>> print(rig.relative_pose("left", "right"))                         # doctest: +SKIP
    """
    check_choice(model, "model", tuple(m for m in MODELS if m != "fisheye"))
    if not isinstance(board, Checkerboard) and not is_partial_board(board):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    say = progress or _quiet
    names, scenes, items = _scene_lists(views)
    if len(set(names)) != len(names):
        raise InputError(f"views: camera names must be distinct, given {names}")
    cams = []
    for name, its in zip(names, items):
        say(0, len(names), name, f"calibrating camera {name!r} on its own")
        cams.append(_calibrate_one(name, its, board, model, refine_pass, say))
    T_cam_ref, scene_T, cams = _initial_poses(cams, len(scenes), board)
    scene_ids = sorted(scene_T)
    g0 = np.concatenate([np.r_[[c.camera.fx, c.camera.fy, c.camera.cx, c.camera.cy],
                               c.camera.dist] for c in cams] +
                        [_rt(T) for T in T_cam_ref[1:]])
    b0 = np.stack([_rt(scene_T[s]) for s in scene_ids])
    say(0, 0, "", f"joint fit of {len(cams)} cameras over {len(scene_ids)} scenes")
    prob, n_obs, starts = _rig_problem(cams, scene_ids, g0)
    x = solve_blocks(prob, prob.join(g0, b0))
    g, b = prob.split(x)
    cov, _, _ = global_covariance(prob, x, n_obs)
    pnames = [f"{c.name}.{p}" for c in cams for p in param_names(c.problem.model)] + \
        [f"{c.name}.{p}" for c in cams[1:] for p in ("rx", "ry", "rz", "tx", "ty", "tz")]
    pose0 = starts[-1]
    cameras, Ts = [], [np.eye(4)]
    for ci, c in enumerate(cams):
        th = g[starts[ci]:starts[ci + 1]]
        try:
            cameras.append(CameraModel([[th[0], 0, th[2]], [0, th[1], th[3]], [0, 0, 1]],
                                       th[4:], c.problem.image_size, model))
        except InputError as exc:
            raise CalibrationError(f"joint calibration diverged for camera {c.name!r} ({exc})"
                                   ) from None
        if ci:
            pv = g[pose0 + 6 * (ci - 1):pose0 + 6 * ci]
            Ts.append(_T(pv[:3], pv[3:]))
    r = prob.residuals(g, b).reshape(-1, 2)
    # per-view RMS and the overall figures from the joint residuals
    rig_views, per_cam, offset = [], [], 0
    pos = {s: k for k, s in enumerate(scene_ids)}
    for ci, c in enumerate(cams):
        sq = []
        for i in c.obs.views:
            if c.scene_of[i] not in pos:
                continue
            n = board.n_corners
            rv = np.linalg.norm(r[offset:offset + n], axis=1)
            offset += n
            ok = c.obs.ok[i]
            sq.append(rv[ok] ** 2)
            rig_views.append(RigView(c.name, scenes[c.scene_of[i]], str(c.names[i]),
                                     c.obs.corners[i], ok, float(np.sqrt(np.mean(rv[ok] ** 2)))))
        per_cam.append(float(np.sqrt(np.mean(np.concatenate(sq)))))
    allsq = np.concatenate([np.linalg.norm(r, axis=1) ** 2])
    rms = float(np.sqrt(allsq.sum() / (n_obs / 2)))
    rejected = sorted([rv for c in cams for rv in c.rejected], key=lambda v: (v.index, v.name))
    return RigCalibration(tuple(names), tuple(cameras), np.stack(Ts), board,
                          tuple(scenes[s] for s in scene_ids),
                          np.stack([_T(v[:3], v[3:]) for v in b]), tuple(rig_views), rms,
                          np.array(per_cam), tuple(pnames), 0.5 * (cov + cov.T),
                          np.sqrt(np.maximum(np.diag(cov), 0)), tuple(rejected),
                          datetime.now(timezone.utc).isoformat(timespec="seconds"), __version__)
