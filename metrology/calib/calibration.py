"""Camera calibration from checkerboard views: one call, honest quality figures.

:func:`calibrate` detects the board in every view (:func:`~metrology.calib.board.detect_board`,
unbiased corner model fit), rejects unusable views with a reason, calibrates with OpenCV's
optimiser, removes single outlier corners and outlier views, then **re-fits every corner in
undistorted coordinates** with the first camera estimate (lens curvature no longer biases the
corner model) and calibrates again.  It reports:

* ``rms_px`` / ``per_view_rms_px``: reprojection error of the views used;
* ``holdout_rms_px``: leave-one-view-out error (each view's corners predicted by a camera
  calibrated without it, the view's pose by PnP) -- the figure to trust for new images;
* ``param_std``: standard deviation of each intrinsic parameter from the Jacobian of the full
  problem (``sigma^2 (J^T J)^-1``, extrinsics marginalised);
* ``uncertainty``: the resulting 1-sigma projection uncertainty over the image (RMS and max
  over a grid), i.e. how far a given ray's predicted pixel may be off.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import _cv
from .._version import __version__
from ..core.checks import check_choice, check_positive
from ..errors import (BoardNotFoundError, CalibrationError, FileFormatError, InputError)
from ..image.io import as_gray
from .board import BoardDetection, Checkerboard, detect_board, refine_corners
from .camera import MODELS, CameraModel, _distort_norm
from .plane import Plane

__all__ = ["calibrate", "Calibration", "ViewResult", "RejectedView", "ProjectionUncertainty",
           "collect_images", "STATION_FORMAT", "STATION_VERSION"]

STATION_FORMAT = "metrology.station"
STATION_VERSION = 1
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", ".ppm", ".webp")
REASONS = ("no_board", "blur", "size_mismatch", "outlier", "unreadable", "too_few_corners")


@dataclass(frozen=True)
class RejectedView:
    """A view left out of the calibration and why (``reason`` is one of
    ``no_board``, ``blur``, ``size_mismatch``, ``outlier``, ``unreadable``,
    ``too_few_corners``; ``detail`` is a readable sentence)."""

    index: int
    name: str
    reason: str
    detail: str

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "reason": self.reason,
                "detail": self.detail}


@dataclass(frozen=True, eq=False)
class ViewResult:
    """A view used in the calibration: its pose, its corners and its reprojection error."""

    index: int
    name: str
    rvec: np.ndarray
    tvec: np.ndarray
    rms_px: float
    corners_xy: np.ndarray
    corner_ok: np.ndarray
    sharpness: float

    @property
    def n_corners(self) -> int:
        return int(np.count_nonzero(self.corner_ok))

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "rvec": self.rvec.tolist(),
                "tvec": self.tvec.tolist(), "rms_px": self.rms_px,
                "corners_xy": self.corners_xy.tolist(), "corner_ok": self.corner_ok.tolist(),
                "sharpness": self.sharpness if np.isfinite(self.sharpness) else None}


@dataclass(frozen=True, eq=False)
class ProjectionUncertainty:
    """1-sigma projection uncertainty of the intrinsics over an image grid.

    The intrinsic covariance (extrinsics marginalised) is propagated to the projection of a
    fixed ray at each grid point, after removing the part a small global camera rotation
    undoes (that part never affects measurements: poses absorb it).

    Attributes
    ----------
    rms_px, max_px : float
        RMS and maximum over the grid (rotation gauge removed).
    fixed_ray_rms_px : float
        RMS without removing the rotation gauge (a conservative upper figure).
    grid_xy : ndarray (gh, gw, 2)
        Grid pixel positions.
    sigma_px : ndarray (gh, gw)
        ``sqrt(trace(Sigma_p))`` at each grid point.
    """

    rms_px: float
    max_px: float
    grid_xy: np.ndarray = field(repr=False)
    sigma_px: np.ndarray = field(repr=False)
    fixed_ray_rms_px: float = float("nan")

    def to_dict(self) -> dict:
        return {"rms_px": self.rms_px, "max_px": self.max_px,
                "grid_xy": self.grid_xy.tolist(), "sigma_px": self.sigma_px.tolist(),
                "fixed_ray_rms_px": None if not np.isfinite(self.fixed_ray_rms_px)
                else self.fixed_ray_rms_px}


def _param_names(model: str) -> list[str]:
    d = {"standard": ["k1", "k2", "p1", "p2", "k3"],
         "rational": ["k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"],
         "fisheye": ["k1", "k2", "k3", "k4"]}
    d["thin_prism"] = d["rational"] + ["s1", "s2", "s3", "s4"]
    d["tilted"] = d["thin_prism"] + ["tau_x", "tau_y"]
    return ["fx", "fy", "cx", "cy"] + d[model]


@dataclass(frozen=True, eq=False)
class Calibration:
    """Result of :func:`calibrate` (also what a station file holds).

    Attributes
    ----------
    camera : CameraModel
    board : Checkerboard
    rms_px : float
        Reprojection RMS over all corners used.
    per_view_rms_px : ndarray (V,)
        Per used view, in the order of ``views``.
    holdout_rms_px : float
        Leave-one-view-out reprojection RMS (NaN if not computed).
    views : tuple of ViewResult
    rejected_views : tuple of RejectedView
    param_names : tuple of str
    param_std : ndarray (P,)
        Standard deviation of each intrinsic parameter.
    uncertainty : ProjectionUncertainty or None
    board_points : ndarray (N, 3)
        Board corner coordinates used (refined when ``flat_board=False``).
    n_corners_rejected : int
        Single corners removed as outliers.
    created, library_version : str
    """

    camera: CameraModel
    board: Checkerboard
    rms_px: float
    per_view_rms_px: np.ndarray
    holdout_rms_px: float
    views: tuple
    rejected_views: tuple
    param_names: tuple
    param_std: np.ndarray
    uncertainty: ProjectionUncertainty | None
    board_points: np.ndarray
    n_corners_rejected: int = 0
    flat_board: bool = True
    created: str = ""
    library_version: str = __version__

    # ------------------------------------------------------------------ use
    def plane(self, view: int | str = 0, *, height_mm: float = 0.0) -> Plane:
        """The measuring plane of one calibration view (index into ``views`` or its name)."""
        if isinstance(view, str):
            match = [v for v in self.views if v.name == view or Path(v.name).name == view]
            if not match:
                raise InputError(f"plane: no calibration view named {view!r}; views are "
                                 f"{[v.name for v in self.views]}")
            v = match[0]
        else:
            if isinstance(view, bool) or not isinstance(view, (int, np.integer)) or \
                    not -len(self.views) <= view < len(self.views):
                raise InputError(f"plane: view must be an index in 0..{len(self.views) - 1}, "
                                 f"given {view!r}")
            v = self.views[int(view)]
        return Plane.from_corners(self.camera, self.board, v.corners_xy, v.corner_ok,
                                  height_mm=height_mm)

    def summary(self) -> str:
        """A readable multi-line report (per-view table, rejected views, hold-out error)."""
        c = self.camera
        lines = [f"camera: {c.model} model, {c.image_size[0]}x{c.image_size[1]}",
                 f"  fx {c.fx:.3f}  fy {c.fy:.3f}  cx {c.cx:.3f}  cy {c.cy:.3f}",
                 f"  dist {np.array2string(c.dist, precision=5, suppress_small=True)}",
                 f"reprojection RMS {self.rms_px:.4f} px over {len(self.views)} views; "
                 f"hold-out RMS {self.holdout_rms_px:.4f} px"]
        if self.uncertainty is not None:
            lines.append(f"projection uncertainty (1 sigma): RMS {self.uncertainty.rms_px:.4f} "
                         f"px, max {self.uncertainty.max_px:.4f} px over the image")
        std = dict(zip(self.param_names, self.param_std))
        lines.append(f"  std: fx {std['fx']:.3f} fy {std['fy']:.3f} cx {std['cx']:.3f} "
                     f"cy {std['cy']:.3f} px")
        lines.append(f"{'view':>4s}  {'name':30s} {'corners':>7s} {'rms px':>8s} {'blur px':>8s}")
        for v in self.views:
            lines.append(f"{v.index:4d}  {Path(v.name).name[:30]:30s} {v.n_corners:7d} "
                         f"{v.rms_px:8.4f} {v.sharpness:8.2f}")
        if self.n_corners_rejected:
            lines.append(f"single outlier corners removed: {self.n_corners_rejected}")
        for r in self.rejected_views:
            lines.append(f"rejected {r.index:3d}  {Path(r.name).name}: {r.reason} ({r.detail})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ io
    def to_dict(self) -> dict:
        return {
            "created": self.created, "library_version": self.library_version,
            "board": self.board.to_dict(), "model": self.camera.model,
            "camera": self.camera.to_dict(),
            "quality": {"rms_px": self.rms_px, "per_view_rms_px": self.per_view_rms_px.tolist(),
                        "holdout_rms_px": None if not np.isfinite(self.holdout_rms_px)
                        else self.holdout_rms_px,
                        "param_names": list(self.param_names),
                        "param_std": [None if not np.isfinite(s) else float(s)
                                      for s in self.param_std],
                        "uncertainty": None if self.uncertainty is None
                        else self.uncertainty.to_dict(),
                        "n_corners_rejected": self.n_corners_rejected},
            "flat_board": self.flat_board, "board_points": self.board_points.tolist(),
            "views": [v.to_dict() for v in self.views],
            "rejected_views": [r.to_dict() for r in self.rejected_views],
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the station file (versioned JSON, atomic: a crash never leaves half a file)."""
        from .._io import write_json_file

        return write_json_file(path, self.to_dict(), fmt=STATION_FORMAT, version=STATION_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Calibration":
        """Read a station file; :class:`FileFormatError` names a missing/bad/inconsistent field."""
        from .._io import read_json_file

        doc = read_json_file(path, fmt=STATION_FORMAT, versions=[STATION_VERSION])
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: dict, where: str = "station") -> "Calibration":
        from .._io import require, require_array

        board = Checkerboard.from_dict(require(doc, "board", dict, where), f"{where}: board")
        camera = CameraModel.from_dict(require(doc, "camera", dict, where), f"{where}: camera")
        model = require(doc, "model", str, where)
        if model != camera.model:
            raise FileFormatError(f"{where}: field 'model' ({model!r}) disagrees with "
                                  f"camera.model ({camera.model!r})")
        q = require(doc, "quality", dict, where)
        wq = f"{where}: quality"
        rms = float(require(q, "rms_px", (int, float), wq))
        per_view = require_array(q, "per_view_rms_px", wq, (None,))
        hold = q.get("holdout_rms_px")
        if hold is not None and not isinstance(hold, (int, float)):
            raise FileFormatError(f"{wq}: field 'holdout_rms_px' must be a number or null")
        names = require(q, "param_names", list, wq)
        if names != _param_names(model):
            raise FileFormatError(f"{wq}: field 'param_names' does not match model {model!r}")
        std_raw = require(q, "param_std", list, wq)
        if len(std_raw) != len(names):
            raise FileFormatError(f"{wq}: field 'param_std' has {len(std_raw)} values for "
                                  f"{len(names)} parameters")
        std = np.array([np.nan if s is None else s for s in std_raw], dtype=float)
        unc = None
        if q.get("uncertainty") is not None:
            u = require(q, "uncertainty", dict, wq)
            fr = u.get("fixed_ray_rms_px")
            unc = ProjectionUncertainty(float(require(u, "rms_px", (int, float), wq)),
                                        float(require(u, "max_px", (int, float), wq)),
                                        require_array(u, "grid_xy", wq, (None, None, 2)),
                                        require_array(u, "sigma_px", wq, (None, None)),
                                        float("nan") if not isinstance(fr, (int, float))
                                        else float(fr))
        flat = require(doc, "flat_board", bool, where)
        bpts = require_array(doc, "board_points", where, (board.n_corners, 3))
        views = []
        for i, v in enumerate(require(doc, "views", list, where)):
            wv = f"{where}: views[{i}]"
            corners = require_array(v, "corners_xy", wv, (board.n_corners, 2))
            ok = require(v, "corner_ok", list, wv)
            if len(ok) != board.n_corners or not all(isinstance(b, bool) for b in ok):
                raise FileFormatError(f"{wv}: field 'corner_ok' must be {board.n_corners} "
                                      f"booleans")
            sharp = v.get("sharpness")
            views.append(ViewResult(int(require(v, "index", int, wv)),
                                    str(require(v, "name", str, wv)),
                                    require_array(v, "rvec", wv, (3,)),
                                    require_array(v, "tvec", wv, (3,)),
                                    float(require(v, "rms_px", (int, float), wv)), corners,
                                    np.array(ok, bool),
                                    float("nan") if sharp is None else float(sharp)))
        if len(views) != per_view.size:
            raise FileFormatError(f"{wq}: field 'per_view_rms_px' has {per_view.size} values "
                                  f"for {len(views)} views")
        if len(views) < 3:
            raise FileFormatError(f"{where}: field 'views': a calibration needs >= 3 views, "
                                  f"given {len(views)}")
        rejected = []
        for i, r in enumerate(require(doc, "rejected_views", list, where)):
            wr = f"{where}: rejected_views[{i}]"
            rejected.append(RejectedView(int(require(r, "index", int, wr)),
                                         str(require(r, "name", str, wr)),
                                         str(require(r, "reason", str, wr)),
                                         str(require(r, "detail", str, wr))))
        if not (np.isfinite(rms) and rms >= 0):
            raise FileFormatError(f"{wq}: field 'rms_px' must be a non-negative number")
        return cls(camera, board, rms, per_view, float("nan") if hold is None else float(hold),
                   tuple(views), tuple(rejected), tuple(names), std, unc, bpts,
                   int(q.get("n_corners_rejected", 0)), flat, str(doc.get("created", "")),
                   str(doc.get("library_version", "")))

    # ------------------------------------------------------------------ OpenCV YAML
    def export_opencv_yaml(self, path: str | os.PathLike) -> Path:
        """Write ``camera_matrix``, ``distortion_coefficients``, ``image_width``,
        ``image_height`` (plus ``distortion_model``, ``avg_reprojection_error``) as OpenCV
        FileStorage YAML, atomically."""
        from .._io import atomic_write_text

        c = self.camera
        text = _cv.filestorage_write({
            "image_width": c.image_size[0], "image_height": c.image_size[1],
            "camera_matrix": c.K, "distortion_coefficients": c.dist.reshape(1, -1),
            "distortion_model": c.model, "avg_reprojection_error": self.rms_px,
            "calibration_time": self.created})
        return atomic_write_text(path, text)

    @staticmethod
    def import_opencv_yaml(path: str | os.PathLike, model: str | None = None) -> CameraModel:
        """Read a camera from an OpenCV FileStorage file (YAML/XML/JSON) with
        ``camera_matrix``, ``distortion_coefficients``, ``image_width``, ``image_height``.

        ``model`` defaults to the file's ``distortion_model`` or is inferred from the number of
        coefficients (4 -> fisheye only if the file says so, 5 standard, 8 rational, 12 thin
        prism, 14 tilted)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise FileFormatError(f"{path}: not a text FileStorage file") from None
        fs = _cv.filestorage_read(text, str(path))
        try:
            def mat(key: str) -> np.ndarray:
                node = fs.getNode(key)
                if node.empty():
                    raise FileFormatError(f"{path}: missing field {key!r}")
                m = node.mat()
                if m is None:
                    raise FileFormatError(f"{path}: field {key!r} is not a matrix")
                return np.asarray(m, dtype=np.float64)

            def num(key: str) -> float:
                node = fs.getNode(key)
                if node.empty() or not (node.isInt() or node.isReal()):
                    raise FileFormatError(f"{path}: missing or non-numeric field {key!r}")
                return node.real()

            K = mat("camera_matrix")
            dist = mat("distortion_coefficients").ravel()
            w, h = int(num("image_width")), int(num("image_height"))
            node = fs.getNode("distortion_model")
            file_model = node.string() if not node.empty() and node.isString() else None
        finally:
            fs.release()
        if model is None:
            model = file_model if file_model in MODELS else {
                4: "fisheye", 5: "standard", 8: "rational", 12: "thin_prism",
                14: "tilted"}.get(dist.size)
            if model == "fisheye" and file_model != "fisheye":
                model = "standard"
        if model not in MODELS:
            raise FileFormatError(f"{path}: field 'distortion_coefficients': cannot infer the "
                                  f"lens model from {dist.size} coefficients")
        if K.shape != (3, 3):
            raise FileFormatError(f"{path}: field 'camera_matrix': expected 3x3, given {K.shape}")
        try:
            return CameraModel(K, dist, (w, h), model)
        except InputError as exc:
            raise FileFormatError(f"{path}: {exc}") from None


# ----------------------------------------------------------------------------- inputs
def collect_images(images_or_paths: Any) -> list[tuple[str, Any]]:
    """Expand a folder, a glob pattern, one path, an array, or a list of those into
    ``[(name, path_or_array), ...]`` (folders: image files sorted by name)."""
    if isinstance(images_or_paths, np.ndarray):
        if images_or_paths.ndim in (2, 3) and images_or_paths.dtype != object and \
                images_or_paths.ndim == 2 or (images_or_paths.ndim == 3 and
                                              images_or_paths.shape[2] in (1, 3, 4)):
            return [("image 0", images_or_paths)]
        items = list(images_or_paths)
    elif isinstance(images_or_paths, (str, os.PathLike)):
        items = [images_or_paths]
    else:
        try:
            items = list(images_or_paths)
        except TypeError:
            raise InputError(f"images_or_paths: expected a folder, a glob pattern, paths or "
                             f"image arrays, given {type(images_or_paths).__name__}") from None
    out: list[tuple[str, Any]] = []
    for i, it in enumerate(items):
        if isinstance(it, (str, os.PathLike)):
            p = Path(it)
            if p.is_dir():
                files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_EXTS)
                if not files:
                    raise InputError(f"images: folder {p} holds no image files "
                                     f"({', '.join(IMAGE_EXTS)})")
                out.extend((str(f), str(f)) for f in files)
            elif p.is_file():
                out.append((str(p), str(p)))
            elif any(ch in str(it) for ch in "*?["):
                files = sorted(glob.glob(str(it)))
                if not files:
                    raise InputError(f"images: pattern {str(it)!r} matches no file")
                out.extend((f, f) for f in files)
            else:
                raise InputError(f"images: file not found: {p}")
        else:
            out.append((f"image {i}", it))
    if not out:
        raise InputError("images: no images given")
    return out


# ----------------------------------------------------------------------------- optimisation
def _cv_calibrate(obj: list, img: list, size: tuple[int, int], model: str, K0=None, d0=None,
                  flat_board: bool = True, fixed_point: int = -1):
    """Run OpenCV's calibration; returns K, dist, rvecs, tvecs, new board points or None."""
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


def _project(params_int: np.ndarray, model: str, P: np.ndarray) -> np.ndarray:
    """Project camera-frame points with an intrinsic vector ``[fx, fy, cx, cy, dist...]``."""
    xy = P[..., :2] / P[..., 2:3]
    d = _distort_norm(xy, params_int[4:], model)
    return np.stack([params_int[0] * d[..., 0] + params_int[2],
                     params_int[1] * d[..., 1] + params_int[3]], -1)


def _rotate(rvecs: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Rotate ``pts (V, N, 3)`` by per-view Rodrigues vectors ``(V, 3)``."""
    th = np.linalg.norm(rvecs, axis=1)[:, None, None]
    k = np.where(th > 1e-15, rvecs[:, None, :] / np.maximum(th, 1e-300), 0.0)
    c, s = np.cos(th), np.sin(th)
    kxp = np.cross(k, pts)
    kdp = np.sum(k * pts, axis=-1, keepdims=True)
    return pts * c + kxp * s + k * kdp * (1 - c)


def _residuals(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
               obs: np.ndarray, model: str) -> np.ndarray:
    """Residuals ``(V, N, 2)`` of all views (board points ``obj (N, 3)``)."""
    P = _rotate(rv, np.broadcast_to(obj, (len(rv),) + obj.shape)) + tv[:, None, :]
    return _project(theta, model, P) - obs


def _covariance(theta, rv, tv, obj, obs, mask, model) -> tuple[np.ndarray, float]:
    """Intrinsic covariance ``sigma^2 (J^T J)^-1`` (extrinsics marginalised) and sigma."""
    V = len(rv)
    n_int = theta.size
    base = _residuals(theta, rv, tv, obj, obs, model)
    m = mask.astype(float)[..., None]
    cols = []
    for i in range(n_int):  # intrinsics: one column each
        h = 1e-6 * max(abs(theta[i]), 1.0) if i < 4 else 1e-7
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        d = (_residuals(tp, rv, tv, obj, obs, model)
             - _residuals(tm, rv, tv, obj, obs, model)) / (2 * h)
        cols.append((d * m).reshape(-1))
    Jint = np.stack(cols, axis=1)
    Jext = np.zeros((V * obj.shape[0] * 2, 6 * V))
    for j in range(6):  # each extrinsic parameter moves only its own view: perturb all at once
        h = 1e-7 if j < 3 else 1e-6 * max(float(np.abs(tv).max()), 1.0)
        rp, rm_, tp, tm = rv.copy(), rv.copy(), tv.copy(), tv.copy()
        if j < 3:
            rp[:, j] += h
            rm_[:, j] -= h
        else:
            tp[:, j - 3] += h
            tm[:, j - 3] -= h
        d = (_residuals(theta, rp, tp, obj, obs, model)
             - _residuals(theta, rm_, tm, obj, obs, model)) / (2 * h) * m
        for v in range(V):
            rows = slice(v * obj.shape[0] * 2, (v + 1) * obj.shape[0] * 2)
            Jext[rows, 6 * v + j] = d[v].reshape(-1)
    J = np.concatenate([Jint, Jext], axis=1)
    r = (base * m).reshape(-1)
    n_obs = 2 * int(mask.sum())
    dof = max(n_obs - J.shape[1], 1)
    sigma2 = float(r @ r) / dof
    JTJ = J.T @ J
    # Schur complement: marginalise the extrinsics (block diagonal per view)
    A = JTJ[:n_int, :n_int]
    S = A.copy()
    for v in range(V):
        sl = slice(n_int + 6 * v, n_int + 6 * v + 6)
        B = JTJ[:n_int, sl]
        C = JTJ[sl, sl]
        S -= B @ np.linalg.solve(C + 1e-12 * np.eye(6), B.T)
    cov = sigma2 * np.linalg.pinv(S)
    return cov, float(np.sqrt(sigma2))


def _projection_uncertainty(camera: CameraModel, theta: np.ndarray, cov: np.ndarray,
                            grid: tuple[int, int] = (16, 12)) -> ProjectionUncertainty:
    w, h = camera.image_size
    xs = np.linspace(0, w - 1, grid[0])
    ys = np.linspace(0, h - 1, grid[1])
    g = np.stack(np.meshgrid(xs, ys), -1)
    rays = camera.normalize(g.reshape(-1, 2), on_invalid="nan")
    ok = np.all(np.isfinite(rays), 1)
    P = np.concatenate([rays, np.ones((len(rays), 1))], 1)[ok]
    cols = []
    for i in range(theta.size):
        hstep = 1e-6 * max(abs(theta[i]), 1.0) if i < 4 else 1e-7
        tp, tm = theta.copy(), theta.copy()
        tp[i] += hstep
        tm[i] -= hstep
        cols.append((_project(tp, camera.model, P) - _project(tm, camera.model, P)) / (2 * hstep))
    Jp = np.stack(cols, -1)  # (M, 2, P)
    var_fixed = np.einsum("mip,pq,miq->m", Jp, cov, Jp)
    # remove the rotation gauge: an intrinsics change that a small camera rotation undoes
    # (e.g. principal point vs. orientation) does not move any measurement made with this
    # camera and its own poses; project it out of the Jacobian over the whole grid
    Jr = _rotation_jacobian(theta, camera.model, P)  # (M, 2, 3)
    A = Jr.reshape(-1, 3)
    Q = np.eye(A.shape[0]) - A @ np.linalg.solve(A.T @ A, A.T)
    Jg = (Q @ Jp.reshape(-1, theta.size)).reshape(Jp.shape)
    var = np.einsum("mip,pq,miq->m", Jg, cov, Jg)
    sig = np.full(len(rays), np.nan)
    sig[ok] = np.sqrt(np.maximum(var, 0))
    sig = sig.reshape(g.shape[:2])
    fixed = np.sqrt(np.mean(np.maximum(var_fixed, 0)))
    return ProjectionUncertainty(float(np.sqrt(np.nanmean(sig ** 2))), float(np.nanmax(sig)),
                                 g, sig, float(fixed))


def _rotation_jacobian(theta: np.ndarray, model: str, P: np.ndarray, h: float = 1e-7
                       ) -> np.ndarray:
    """d projection / d (small camera rotation), ``(M, 2, 3)``, rays ``P (M, 3)``."""
    cols = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        cols.append((_project(theta, model, P + np.cross(e, P))
                     - _project(theta, model, P - np.cross(e, P))) / (2 * h))
    return np.stack(cols, -1)


def _pnp_rms(camera: CameraModel, obj: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Per-corner reprojection errors of one view with its pose estimated by PnP."""
    from .plane import _solve_pose

    rvec, tvec = _solve_pose(camera, obj, px)
    return np.linalg.norm(camera.project(obj, rvec, tvec) - px, axis=1)


# ----------------------------------------------------------------------------- main entry
def calibrate(images_or_paths: Any, board: Checkerboard, model: str = "standard", *,
              flat_board: bool = True, holdout: bool = True, max_blur_px: float | None = None,
              refine_pass: bool = True, progress: Callable[[int, int, str, str], None] | None
              = None) -> Calibration:
    """Calibrate a camera from checkerboard views.

    Parameters
    ----------
    images_or_paths : folder, glob pattern (``"calib_images/*.png"``), path, image array, or a
        list of paths / arrays
    board : Checkerboard
        Inner corners and square size in mm.
    model : {"standard", "rational", "thin_prism", "tilted", "fisheye"}
        Lens model (see :mod:`metrology.calib.camera`).
    flat_board : bool
        False: also refine the board's 3-D corner positions (``calibrateCameraRO``), for
        boards that are not perfectly flat.
    holdout : bool
        Compute the leave-one-view-out error (one extra calibration per view).
    max_blur_px : float, optional
        Views whose corners' fitted edge blur sigma (px) exceeds this are rejected as
        ``blur``. Default: automatic, views blurrier than 2.5x the median view (and > 1.5 px).
    refine_pass : bool
        Re-fit every corner in undistorted coordinates with the first estimate and calibrate
        again (default; removes the lens-curvature bias of the corner model).
    progress : callable ``(i, n, name, message)``, optional
        Called after each view is examined and at each stage.

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        Missing files, bad arguments.
    CalibrationError
        No board in any view (the message says how many views had a board) or fewer than 3
        usable views.

    Examples
    --------
    >>> cal = calibrate("calib_images/*.png", Checkerboard(9, 6, 20.0))  # doctest: +SKIP
    >>> round(cal.rms_px, 2) < 0.1                                         # doctest: +SKIP
    True
    """
    if not isinstance(board, Checkerboard):
        raise InputError(f"board: expected a Checkerboard, given {type(board).__name__}")
    check_choice(model, "model", MODELS)
    if max_blur_px is not None:
        max_blur_px = check_positive(max_blur_px, "max_blur_px")
    items = collect_images(images_or_paths)
    n_total = len(items)
    say = progress or (lambda i, n, name, msg: None)

    # ---- load + size check
    grays: list[np.ndarray | None] = []
    rejected: list[RejectedView] = []
    sizes: dict[int, tuple[int, int]] = {}
    for i, (name, src) in enumerate(items):
        try:
            g = as_gray(src, name=name, dtype=None)
        except InputError as exc:
            if isinstance(src, (str, os.PathLike)) and not Path(src).is_file():
                raise
            grays.append(None)
            rejected.append(RejectedView(i, name, "unreadable", str(exc)))
            say(i + 1, n_total, name, f"unreadable: {exc}")
            continue
        grays.append(g)
        sizes[i] = _cv.size_wh(g)
    if not sizes:
        raise CalibrationError(f"none of the {n_total} image(s) could be read")
    counts: dict[tuple[int, int], int] = {}
    for s in sizes.values():
        counts[s] = counts.get(s, 0) + 1
    ref_size = max(counts, key=lambda s: (counts[s], s))

    # ---- detection
    dets: dict[int, BoardDetection] = {}
    n_board = 0
    for i, (name, _) in enumerate(items):
        g = grays[i]
        if g is None:
            continue
        if sizes[i] != ref_size:
            rejected.append(RejectedView(
                i, name, "size_mismatch", f"image is {sizes[i][0]}x{sizes[i][1]}, the other "
                f"views are {ref_size[0]}x{ref_size[1]}"))
            say(i + 1, n_total, name, f"rejected: size {sizes[i][0]}x{sizes[i][1]}")
            grays[i] = None
            continue
        try:
            det = detect_board(g, board)
        except BoardNotFoundError as exc:
            rejected.append(RejectedView(i, name, "no_board", str(exc)))
            say(i + 1, n_total, name, "no board")
            grays[i] = None
            continue
        n_board += 1
        if max_blur_px is not None and det.sharpness > max_blur_px:
            rejected.append(RejectedView(i, name, "blur", f"edge blur sigma {det.sharpness:.2f} px"
                                         f" > max_blur_px {max_blur_px:.2f}"))
            say(i + 1, n_total, name, f"rejected: blurred ({det.sharpness:.2f} px)")
            grays[i] = None
            continue
        if det.n_ok < 0.5 * board.n_corners:
            rejected.append(RejectedView(i, name, "too_few_corners",
                                         f"only {det.n_ok} of {board.n_corners} corners could "
                                         f"be measured"))
            grays[i] = None
            continue
        dets[i] = det
        say(i + 1, n_total, name, f"board found ({det.n_ok} corners, {det.method}, "
                                  f"blur {det.sharpness:.2f} px)")
    if max_blur_px is None and len(dets) >= 3:
        # automatic: a view much blurrier than the others (motion, focus) is left out
        blur_med = float(np.median([d.sharpness for d in dets.values()]))
        limit = max(2.5 * blur_med, 1.5)
        for i in sorted(dets):
            if dets[i].sharpness > limit:
                rejected.append(RejectedView(
                    i, items[i][0], "blur", f"edge blur sigma {dets[i].sharpness:.2f} px > "
                    f"2.5 x the median view's {blur_med:.2f} px"))
                say(i + 1, n_total, items[i][0], f"rejected: blurred ({dets[i].sharpness:.2f} px)")
                del dets[i]
                grays[i] = None
    if n_board == 0:
        raise CalibrationError(
            f"no {board.cols}x{board.rows} board found in any of the {n_total} view(s) "
            f"(0 of {n_total} had a board); check the board size (inner corners) and that the "
            f"whole board is visible")
    if len(dets) < 3:
        raise CalibrationError(
            f"only {len(dets)} usable view(s) of {n_total} ({n_board} had a board); "
            f"calibration needs at least 3 (rejected: "
            f"{', '.join(f'{Path(r.name).name}: {r.reason}' for r in rejected) or 'none'})")

    obj_all = board.object_points()
    idx = sorted(dets)
    corners = {i: dets[i].corners_xy.copy() for i in idx}
    okmask = {i: dets[i].corner_ok.copy() for i in idx}
    n_rejected_corners = 0

    def run(views: list[int], K0=None, d0=None, objp=None):
        op = obj_all if objp is None else objp
        if flat_board:
            o = [op[okmask[i]] for i in views]
            p = [corners[i][okmask[i]] for i in views]
        else:
            o = [op for _ in views]
            p = [corners[i] for i in views]
        return _cv_calibrate(o, p, ref_size, model, K0, d0, flat_board, board.cols - 1)

    def residuals(K, d, rv, tv, views, objp):
        try:
            cam = CameraModel(K, d, ref_size, model)
        except InputError as exc:
            raise CalibrationError(f"calibration diverged ({exc}); the views may be too similar "
                                   f"(vary the board's tilt and position) or the lens model "
                                   f"too flexible for the data") from None
        return {i: np.linalg.norm(cam.project(objp, r, t) - corners[i], axis=1)
                for i, r, t in zip(views, rv, tv)}, cam

    say(n_total, n_total, "", f"calibrating ({len(idx)} views, {model} model)")
    K, d, rv, tv, newobj = run(idx)
    objp = obj_all if newobj is None else newobj
    res, cam = residuals(K, d, rv, tv, idx, objp)

    # ---- single outlier corners, then outlier views
    if flat_board:
        allr = np.concatenate([res[i][okmask[i]] for i in idx])
        sig = np.median(allr) / 1.1774  # median of a 2-D Gaussian error's norm is 1.1774 sigma
        thr = max(5.0 * sig, 0.25)
        changed = False
        for i in idx:
            bad = okmask[i] & (res[i] > thr)
            if 0 < bad.sum() <= max(1, board.n_corners // 10):
                okmask[i] &= ~bad
                n_rejected_corners += int(bad.sum())
                changed = True
    view_rms = {i: float(np.sqrt(np.mean(res[i][okmask[i]] ** 2))) for i in idx}
    med = float(np.median(list(view_rms.values())))
    bad_views = [i for i in idx if view_rms[i] > max(3.0 * med, med + 0.5)]
    if bad_views and len(idx) - len(bad_views) >= 3:
        for i in bad_views:
            rejected.append(RejectedView(i, items[i][0], "outlier",
                                         f"reprojection RMS {view_rms[i]:.3f} px vs median "
                                         f"{med:.3f} px"))
        idx = [i for i in idx if i not in bad_views]
        changed = True
    else:
        changed = flat_board and n_rejected_corners > 0
    if changed:
        K, d, rv, tv, newobj = run(idx, K, d)
        objp = obj_all if newobj is None else newobj
        res, cam = residuals(K, d, rv, tv, idx, objp)

    # ---- second pass: corner model fit in undistorted coordinates
    if refine_pass:
        say(n_total, n_total, "", "re-fitting corners in undistorted coordinates")
        for i in idx:
            c2, ok2, *_ = refine_corners(grays[i].astype(np.float32), dets[i].corners_xy,
                                         board.cols, board.rows, camera=cam)
            keep = okmask[i] & ok2
            if keep.sum() >= 0.5 * board.n_corners:
                corners[i] = np.where(ok2[:, None], c2, corners[i])
                okmask[i] = keep
        K, d, rv, tv, newobj = run(idx, K, d)
        objp = obj_all if newobj is None else newobj
        res, cam = residuals(K, d, rv, tv, idx, objp)

    per_view = np.array([float(np.sqrt(np.mean(res[i][okmask[i]] ** 2))) for i in idx])
    allr = np.concatenate([res[i][okmask[i]] for i in idx])
    rms = float(np.sqrt(np.mean(allr ** 2)))

    # ---- uncertainty
    theta = np.concatenate([[K[0, 0], K[1, 1], K[0, 2], K[1, 2]], d])
    obs = np.stack([corners[i] for i in idx])
    mask = np.stack([okmask[i] for i in idx])
    try:
        cov, _ = _covariance(theta, np.stack(rv), np.stack(tv), objp, obs, mask, model)
        std = np.sqrt(np.maximum(np.diag(cov), 0))
        unc = _projection_uncertainty(cam, theta, cov)
    except (np.linalg.LinAlgError, InputError):
        std = np.full(theta.size, np.nan)
        unc = None

    # ---- hold-out (leave one view out)
    hold = float("nan")
    if holdout and len(idx) >= 4:
        say(n_total, n_total, "", f"hold-out check ({len(idx)} calibrations)")
        errs = []
        for j in idx:
            others = [i for i in idx if i != j]
            try:
                Kj, dj, _, _, newj = run(others, K, d)
                camj = CameraModel(Kj, dj, ref_size, model)
                op = obj_all if newj is None else newj
                e = _pnp_rms(camj, op[okmask[j]], corners[j][okmask[j]])
                errs.append(e)
            except (CalibrationError, InputError):
                continue
        if errs:
            e = np.concatenate(errs)
            hold = float(np.sqrt(np.mean(e ** 2)))

    views = tuple(ViewResult(i, items[i][0], r, t, float(pv), corners[i], okmask[i],
                             dets[i].sharpness) for i, r, t, pv in zip(idx, rv, tv, per_view))
    rejected.sort(key=lambda r: r.index)
    return Calibration(cam, board, rms, per_view, hold, views, tuple(rejected),
                       tuple(_param_names(model)), std, unc, np.asarray(objp, float),
                       n_rejected_corners, flat_board,
                       datetime.now(timezone.utc).isoformat(timespec="seconds"), __version__)
