"""What :func:`~metrology.calib.calibrate` returns: :class:`Calibration` and its parts.

:class:`Calibration` is also what a station file holds: versioned JSON (``format``
``"metrology.station"``, ``version`` 1) whose layout is :meth:`Calibration.to_dict`; NaN
(a figure not computed, a grid point outside the lens model's valid region) is written as
``null`` and read back as NaN.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._serial import Serializable, from_jsonable, to_jsonable
from .._version import __version__
from ..core.checks import MAX_COORD, as_points
from ..errors import FileFormatError, InputError, ShapeError
from ._fields import CheckedFromDict
from .board import Checkerboard
from .camera import CameraModel, _as_array, _pose_vector, _real_number
from .opencv_yaml import read_opencv_yaml, write_opencv_yaml
from .plane import Plane
from .targets import board_from_dict

__all__ = ["Calibration", "ViewResult", "RejectedView", "ProjectionUncertainty", "REASONS",
           "STATION_FORMAT", "STATION_VERSION"]

STATION_FORMAT = "metrology.station"
STATION_VERSION = 1

REASONS = ("no_board", "blur", "size_mismatch", "outlier", "unreadable", "too_few_corners")


def param_names(model: str) -> list[str]:
    """Names of the intrinsic parameters of a lens model, in :attr:`Calibration.param_std`'s
    order: ``fx, fy, cx, cy`` then the distortion coefficients in OpenCV's order."""
    d = {"standard": ["k1", "k2", "p1", "p2", "k3"],
         "rational": ["k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"],
         "fisheye": ["k1", "k2", "k3", "k4"]}
    d["thin_prism"] = d["rational"] + ["s1", "s2", "s3", "s4"]
    d["tilted"] = d["thin_prism"] + ["tau_x", "tau_y"]
    return ["fx", "fy", "cx", "cy"] + d[model]


def _index(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
        raise InputError(f"{name}: expected an integer >= 0, given {v!r:.40}")
    return int(v)


def _text(v: Any, name: str) -> str:
    if not isinstance(v, str):
        raise InputError(f"{name}: expected a string, given {type(v).__name__}")
    return v


def _figure(v: Any, name: str, *, unknown: bool) -> float:
    """A figure >= 0 (NaN allowed, meaning not measured, when ``unknown``)."""
    v = _real_number(v, name)
    if not (0 <= v < np.inf or (unknown and np.isnan(v))):
        raise InputError(f"{name}: expected a finite number >= 0"
                         f"{' or NaN (not measured)' if unknown else ''}, given {v}")
    return v


@dataclass(frozen=True)
class RejectedView(CheckedFromDict, Serializable):
    """A view left out of the calibration and why (``reason`` is one of
    ``no_board``, ``blur``, ``size_mismatch``, ``outlier``, ``unreadable``,
    ``too_few_corners``; ``detail`` is a readable sentence)."""

    _json_type = None  # station file layout (version 1): no type tag

    index: int
    name: str
    reason: str
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", _index(self.index, "RejectedView.index"))
        for f in ("name", "reason", "detail"):
            _text(getattr(self, f), f"RejectedView.{f}")


@dataclass(frozen=True, eq=False)
class ViewResult(CheckedFromDict, Serializable):
    """A view used in the calibration: its pose, its corners and its reprojection error.

    Attributes
    ----------
    index : int
        Position of the view among the inputs of :func:`~metrology.calib.calibrate`.
    name : str
        File name, or ``"image i"`` for arrays.
    rvec, tvec : ndarray (3,)
        Board -> camera pose.
    rms_px : float
        Reprojection RMS of the view's corners used.
    corners_xy : ndarray (N, 2)
        Measured (distorted) corner positions.
    corner_ok : ndarray (N,) bool
        Corners used.
    sharpness : float
        Median fitted edge blur sigma in pixels (NaN if unknown).
    """

    _json_type = None  # station file layout (version 1): no type tag

    index: int
    name: str
    rvec: np.ndarray = field(metadata={"shape": (3,)})
    tvec: np.ndarray = field(metadata={"shape": (3,)})
    rms_px: float = field(metadata={"min": 0.0})
    corners_xy: np.ndarray = field(metadata={"shape": (None, 2)})
    corner_ok: np.ndarray = field(metadata={"dtype": "bool", "shape": (None,)})
    sharpness: float = float("nan")

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", _index(self.index, "ViewResult.index"))
        _text(self.name, "ViewResult.name")
        for f in ("rvec", "tvec"):
            object.__setattr__(self, f, _pose_vector(getattr(self, f), f"ViewResult.{f}",
                                                     1e6 if f == "rvec" else MAX_COORD))
        c = as_points(self.corners_xy, "ViewResult.corners_xy", allow_batch=False,
                      finite=False)
        ok = _as_array(self.corner_ok, "ViewResult.corner_ok")
        if ok.dtype != bool or ok.shape != (len(c),):
            raise ShapeError(f"ViewResult.corners_xy, corner_ok: {len(c)} corners but "
                             f"corner_ok of shape {ok.shape} and dtype {ok.dtype} (expected "
                             f"{len(c)} booleans)")
        if not np.all(np.isfinite(c[ok])):
            raise InputError("ViewResult.corners_xy: NaN or inf at a corner used (corner_ok)")
        object.__setattr__(self, "corners_xy", c)
        object.__setattr__(self, "corner_ok", ok)
        object.__setattr__(self, "rms_px", _figure(self.rms_px, "ViewResult.rms_px",
                                                   unknown=False))
        object.__setattr__(self, "sharpness", _figure(self.sharpness, "ViewResult.sharpness",
                                                      unknown=True))

    @property
    def n_corners(self) -> int:
        return int(np.count_nonzero(self.corner_ok))


@dataclass(frozen=True, eq=False)
class ProjectionUncertainty(CheckedFromDict, Serializable):
    """1-sigma projection uncertainty of the intrinsics over an image grid.

    The intrinsic covariance (extrinsics marginalised) is propagated to the projection of a
    fixed ray at each grid point, after removing the part a small global camera rotation
    undoes (that part never affects measurements: poses absorb it).

    Attributes
    ----------
    rms_px, max_px : float
        RMS and maximum over the grid points inside the valid region (rotation gauge removed).
    grid_xy : ndarray (gh, gw, 2)
        Grid pixel positions.
    sigma_px : ndarray (gh, gw)
        ``sqrt(trace(Sigma_p))`` at each grid point; NaN where the pixel lies outside the
        camera's valid region (no ray of the fitted lens model reaches it, typically an image
        corner beyond the fold of a polynomial fitted to boards that never reached there).
    fixed_ray_rms_px : float
        RMS without removing the rotation gauge (a conservative upper figure).
    """

    _json_type = None  # station file layout (version 1): no type tag

    rms_px: float = field(metadata={"min": 0.0})
    max_px: float = field(metadata={"min": 0.0})
    grid_xy: np.ndarray = field(repr=False, metadata={"shape": (None, None, 2)})
    sigma_px: np.ndarray = field(repr=False, metadata={"shape": (None, None), "min": 0.0})
    fixed_ray_rms_px: float = field(default=float("nan"), metadata={"min": 0.0})

    def __post_init__(self) -> None:
        for f, unknown in (("rms_px", False), ("max_px", False), ("fixed_ray_rms_px", True)):
            object.__setattr__(self, f, _figure(getattr(self, f), f"ProjectionUncertainty.{f}",
                                                unknown=unknown))
        try:
            g, sig = np.asarray(self.grid_xy), np.asarray(self.sigma_px)
        except (TypeError, ValueError):  # ragged nested lists
            raise ShapeError("ProjectionUncertainty: grid_xy and sigma_px must be regular "
                             "arrays") from None
        if g.dtype.kind not in "iuf" or g.ndim != 3 or g.shape[2] != 2 or \
                sig.dtype.kind not in "iuf" or sig.shape != g.shape[:2]:
            raise ShapeError(f"ProjectionUncertainty: grid_xy (gh, gw, 2) and sigma_px "
                             f"(gh, gw) of real numbers expected, given {g.shape} and "
                             f"{sig.shape}")
        g, sig = g.astype(np.float64), sig.astype(np.float64)
        if not np.all(np.isfinite(g)):
            raise InputError("ProjectionUncertainty.grid_xy: NaN or inf")
        if np.any(sig < 0) or np.any(np.isinf(sig)):  # NaN: a point outside the valid region
            raise InputError("ProjectionUncertainty.sigma_px: negative or infinite values")
        object.__setattr__(self, "grid_xy", g)
        object.__setattr__(self, "sigma_px", sig)

    @property
    def n_outside(self) -> int:
        """Grid points outside the valid region (NaN in :attr:`sigma_px`)."""
        return int(np.count_nonzero(np.isnan(self.sigma_px)))


@dataclass(frozen=True, eq=False)
class Calibration:
    """Result of :func:`~metrology.calib.calibrate` (also what a station file holds).

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
    flat_board : bool
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
        u = self.uncertainty
        if u is not None:
            lines.append(f"projection uncertainty (1 sigma): RMS {u.rms_px:.4f} "
                         f"px, max {u.max_px:.4f} px over the image")
            if u.n_outside:
                lines.append(f"  {u.n_outside} of {u.sigma_px.size} grid points lie outside "
                             f"the lens model's valid region (no ray reaches them)")
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

    # ------------------------------------------------------------------ station file
    def to_dict(self) -> dict:
        """The station file's payload (version 1 layout; NaN becomes null)."""
        quality = {"rms_px": self.rms_px, "per_view_rms_px": self.per_view_rms_px,
                   "holdout_rms_px": self.holdout_rms_px, "param_names": self.param_names,
                   "param_std": self.param_std, "uncertainty": self.uncertainty,
                   "n_corners_rejected": self.n_corners_rejected}
        return to_jsonable({
            "created": self.created, "library_version": self.library_version,
            "board": self.board, "model": self.camera.model, "camera": self.camera,
            "quality": quality, "flat_board": self.flat_board,
            "board_points": self.board_points, "views": self.views,
            "rejected_views": self.rejected_views})

    def save(self, path: str | os.PathLike) -> Path:
        """Write the station file (versioned JSON, atomic: a crash never leaves half a file)."""
        from .._io import write_json_file

        if not (np.isfinite(self.rms_px) and self.rms_px >= 0):
            # NaN elsewhere means "not computed" and is written as null; a calibration always
            # has its reprojection RMS, and a file without it could not be loaded again
            raise InputError(f"cannot write {path}: rms_px is {self.rms_px} (NaN or negative); "
                             f"not a calibration result")
        return write_json_file(path, self.to_dict(), fmt=STATION_FORMAT, version=STATION_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Calibration:
        """Read a station file; :class:`FileFormatError` names a missing/bad/inconsistent field."""
        from .._io import read_json_file

        doc = read_json_file(path, fmt=STATION_FORMAT, versions=[STATION_VERSION])
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: dict, where: str = "station") -> Calibration:
        """Build from :meth:`to_dict` output; :class:`FileFormatError` names a bad field."""
        err = FileFormatError

        def get(d: dict, key: str, tp: Any, path: str, **meta: Any) -> Any:
            if not isinstance(d, dict) or key not in d:
                raise err(f"{path}: missing field {key!r}")
            return from_jsonable(tp, d[key], f"{path}.{key}", err, meta)

        board = board_from_dict(get(doc, "board", dict, where), f"{where}.board",
                                error=err)
        camera = CameraModel.from_dict(get(doc, "camera", dict, where), f"{where}.camera")
        model = get(doc, "model", str, where)
        if model != camera.model:
            raise err(f"{where}.model: {model!r} disagrees with camera.model "
                      f"({camera.model!r})")
        q = _quality_from_dict(get(doc, "quality", dict, where), model, f"{where}.quality")
        views = get(doc, "views", tuple[ViewResult, ...], where)
        n = board.n_corners
        for i, v in enumerate(views):
            if v.corners_xy.shape != (n, 2) or v.corner_ok.shape != (n,):
                raise err(f"{where}.views[{i}]: corners_xy/corner_ok must hold {n} corners "
                          f"(a {board.cols}x{board.rows} board), given "
                          f"{v.corners_xy.shape[0]}/{v.corner_ok.shape[0]}")
        if len(views) != q["per_view_rms_px"].size:
            raise err(f"{where}.quality.per_view_rms_px: {q['per_view_rms_px'].size} values "
                      f"for {len(views)} views")
        if len(views) < 3:
            raise err(f"{where}.views: a calibration needs >= 3 views, given {len(views)}")
        board_points = get(doc, "board_points", np.ndarray, where, shape=(n, 3))
        if not np.all(np.isfinite(board_points)) or np.max(np.abs(board_points)) > MAX_COORD:
            raise err(f"{where}.board_points: expected finite coordinates (mm)")
        return cls(camera, board, q["rms_px"], q["per_view_rms_px"], q["holdout_rms_px"],
                   views, get(doc, "rejected_views", tuple[RejectedView, ...], where),
                   tuple(q["param_names"]), q["param_std"], q["uncertainty"], board_points,
                   q["n_corners_rejected"], get(doc, "flat_board", bool, where),
                   str(doc.get("created", "")), str(doc.get("library_version", "")))

    # ------------------------------------------------------------------ OpenCV YAML
    def export_opencv_yaml(self, path: str | os.PathLike) -> Path:
        """Write ``camera_matrix``, ``distortion_coefficients``, ``image_width``,
        ``image_height`` (plus ``distortion_model``, ``avg_reprojection_error``) as OpenCV
        FileStorage YAML, atomically."""
        return write_opencv_yaml(path, self.camera, rms_px=self.rms_px, created=self.created)

    @staticmethod
    def import_opencv_yaml(path: str | os.PathLike, model: str | None = None) -> CameraModel:
        """Read a camera from an OpenCV FileStorage file (see :func:`read_opencv_yaml`)."""
        return read_opencv_yaml(path, model)


# ----------------------------------------------------------------------------- station parts
_QUALITY_FIELDS = {"rms_px": (float, {"min": 0.0}), "per_view_rms_px": (np.ndarray, {"shape": (None,)}),
                   "holdout_rms_px": (float, {}), "param_names": (list[str], {}),
                   "param_std": (np.ndarray, {"shape": (None,), "min": 0.0}),
                   "uncertainty": (ProjectionUncertainty | None, {}),
                   "n_corners_rejected": (int, {"min": 0})}
_QUALITY_OPTIONAL = {"holdout_rms_px": float("nan"), "uncertainty": None,
                     "n_corners_rejected": 0}


def _quality_from_dict(q: dict, model: str, wq: str) -> dict:
    """The ``quality`` block of a station file, checked (``FileFormatError`` names the field)."""
    out = {}
    for key, (tp, meta) in _QUALITY_FIELDS.items():
        if key not in q:
            if key not in _QUALITY_OPTIONAL:
                raise FileFormatError(f"{wq}: missing field {key!r}")
            out[key] = _QUALITY_OPTIONAL[key]
            continue
        out[key] = from_jsonable(tp, q[key], f"{wq}.{key}", FileFormatError, meta)
    if not np.isfinite(out["rms_px"]):
        raise FileFormatError(f"{wq}.rms_px: expected a non-negative number, given null")
    pv = out["per_view_rms_px"]
    if not np.all(np.isfinite(pv) & (pv >= 0)):
        raise FileFormatError(f"{wq}.per_view_rms_px: expected finite numbers >= 0")
    h = out["holdout_rms_px"]
    if not (np.isnan(h) or 0 <= h < np.inf):  # null: not computed (fewer than 4 views)
        raise FileFormatError(f"{wq}.holdout_rms_px: expected a number >= 0 or null, given {h}")
    if out["param_names"] != param_names(model):
        raise FileFormatError(f"{wq}.param_names: does not match model {model!r}")
    if out["param_std"].size != len(out["param_names"]):
        raise FileFormatError(f"{wq}.param_std: {out['param_std'].size} values for "
                              f"{len(out['param_names'])} parameters")
    u = out["uncertainty"]
    if u is not None and u.sigma_px.shape != u.grid_xy.shape[:2]:
        raise FileFormatError(f"{wq}.uncertainty.sigma_px: expected shape {u.grid_xy.shape[:2]} "
                              f"(the grid's), given {u.sigma_px.shape}")
    return out
