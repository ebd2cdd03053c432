"""What :func:`~metrology.calib.multicam.calibrate_rig` returns: :class:`RigCalibration`,
its views and relative poses, and the rig station file (``format`` ``"metrology.rig"``,
version 1: cameras, their poses ``T_cam_ref``, the covariance of intrinsics and poses, every
scene's board pose and every view's corners; NaN written as null; written atomically).

Transforms are 4x4 rigid matrices named ``T_dst_src`` (``T_a_c = T_a_b @ T_b_c``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._serial import Serializable, to_jsonable
from .._version import __version__
from ..errors import CalibrationError, FileFormatError, InputError
from ._fields import CheckedFromDict, get_field
from .board import detect_board
from .camera import CameraModel, rodrigues
from .plane import Plane, _solve_pose
from .results import RejectedView
from .targets import board_from_dict
from .telecentric import rotation_vector

# (compose, invert and pose_matrix are helpers of calibrate_rig, not exported)
__all__ = ["RigCalibration", "RigView", "RelativePose", "RIG_FORMAT", "RIG_VERSION"]

RIG_FORMAT = "metrology.rig"
RIG_VERSION = 1


# ----------------------------------------------------------------------------- transforms
def pose_matrix(rvec: Any, tvec: Any) -> np.ndarray:
    """``(rvec, tvec)`` -> 4x4 rigid transform."""
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


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class RigView(CheckedFromDict, Serializable):
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

    def __post_init__(self) -> None:
        c, ok = np.asarray(self.corners_xy), np.asarray(self.corner_ok)
        if c.ndim == 2 and ok.shape == c.shape[:1] and ok.dtype == bool and \
                c.dtype.kind in "iuf" and not np.all(np.isfinite(c[ok])):
            raise InputError("RigView.corners_xy: NaN or inf at a corner used (corner_ok)")


@dataclass(frozen=True, eq=False)
class RelativePose(CheckedFromDict, Serializable):
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
            T = compose(pose_matrix(va[:3], va[3:]), invert(pose_matrix(vb[:3], vb[3:])))  # T_a_ref T_ref_b
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
            whichever camera measured it.  Its ``residual_rms_mm`` / ``residual_max_mm`` are
            those of the board corners that camera saw, mapped to mm (NaN, with
            ``n_points`` 0, for a camera that saw none of them).
        """
        if (scene is None) == (images is None):
            raise InputError("planes: give either a calibration scene or images of a board")
        if images is not None:
            T_ref_board, seen = self._locate_board(images, board or self.board)
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
            obj = self.board.object_points()
            seen = {self.index(v.camera): (obj[v.corner_ok], v.corners_xy[v.corner_ok])
                    for v in self.views if v.scene == self.scenes[s] and v.corner_ok.any()}
        out = {}
        for c, name in enumerate(self.names):
            T = compose(self.T_cam_ref[c], T_ref_board)
            r = _rt(T)
            out[name] = _plane(self.cameras[c], r[:3], r[3:], height_mm, *seen.get(c, (None,
                                                                                         None)))
        return out

    def _locate_board(self, images: dict, board: Any) -> tuple[np.ndarray, dict]:
        """``T_ref_board`` of a board seen in ``images`` (camera -> image), fitted to every
        camera's corners together, and the corners ``{camera index: (board points (n, 3),
        pixels (n, 2))}`` it was fitted to."""
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
        x0 = _rt(compose(invert(self.T_cam_ref[c0]), pose_matrix(rv, tv)))

        def res(x: np.ndarray) -> np.ndarray:
            T = pose_matrix(x[:3], x[3:])
            return np.concatenate([(self.cameras[c].project(o, *_split(compose(
                self.T_cam_ref[c], T))) - p).ravel() for c, o, p in seen])
        x = least_squares(res, x0, method="lm", x_scale="jac").x
        return pose_matrix(x[:3], x[3:]), {c: (o, p) for c, o, p in seen}

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
            return get_field(d, key, tp, path, err, **meta)

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


def _plane(camera: CameraModel, rvec: np.ndarray, tvec: np.ndarray, height_mm: float,
           obj: np.ndarray | None, px: np.ndarray | None) -> Plane:
    """A camera's :class:`Plane` of a board pose, with the residuals of the board corners
    ``obj`` (n, 3) the camera saw at pixels ``px`` (n, 2) (none: NaN residuals)."""
    if obj is None or len(obj) < 4:
        return Plane(camera, rvec, tvec, height_mm)
    mm = Plane(camera, rvec, tvec, 0.0).to_mm(px, on_invalid="nan")
    used = np.all(np.isfinite(mm), axis=1)
    err = np.linalg.norm(mm[used] - obj[used, :2], axis=1)
    if len(err) < 4:
        return Plane(camera, rvec, tvec, height_mm)
    return Plane(camera, rvec, tvec, height_mm, float(np.sqrt(np.mean(err ** 2))),
                 float(err.max()), int(err.size), px[used], obj[used, :2])


def _split(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return rotation_vector(T[:3, :3]), T[:3, 3]


def _check_rigid(T: np.ndarray, where: str) -> np.ndarray:
    R = T[:3, :3]
    if not np.all(np.isfinite(T)) or np.abs(R @ R.T - np.eye(3)).max() > 1e-6 or \
            abs(np.linalg.det(R) - 1) > 1e-6 or np.abs(T[3] - [0, 0, 0, 1]).max() > 0:
        raise FileFormatError(f"{where}: not a rigid transform (rotation + translation)")
    return T
