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

import numpy as np

from .._version import __version__
from ..errors import FileFormatError, InputError
from .board import Checkerboard
from .camera import CameraModel
from .opencv_yaml import read_opencv_yaml, write_opencv_yaml
from .plane import Plane

__all__ = ["Calibration", "ViewResult", "RejectedView", "ProjectionUncertainty", "REASONS",
           "param_names", "STATION_FORMAT", "STATION_VERSION"]

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

    rms_px: float
    max_px: float
    grid_xy: np.ndarray = field(repr=False)
    sigma_px: np.ndarray = field(repr=False)
    fixed_ray_rms_px: float = float("nan")

    @property
    def n_outside(self) -> int:
        """Grid points outside the valid region (NaN in :attr:`sigma_px`)."""
        return int(np.count_nonzero(np.isnan(self.sigma_px)))

    def to_dict(self) -> dict:
        return {"rms_px": self.rms_px, "max_px": self.max_px,
                "grid_xy": self.grid_xy.tolist(),
                "sigma_px": [[float(v) if np.isfinite(v) else None for v in row]
                             for row in self.sigma_px],
                "fixed_ray_rms_px": None if not np.isfinite(self.fixed_ray_rms_px)
                else self.fixed_ray_rms_px}


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
    def load(cls, path: str | os.PathLike) -> Calibration:
        """Read a station file; :class:`FileFormatError` names a missing/bad/inconsistent field."""
        from .._io import read_json_file

        doc = read_json_file(path, fmt=STATION_FORMAT, versions=[STATION_VERSION])
        return cls.from_dict(doc, where=str(path))

    @classmethod
    def from_dict(cls, doc: dict, where: str = "station") -> Calibration:
        """Build from :meth:`to_dict` output; :class:`FileFormatError` names a bad field."""
        from .._io import require, require_array

        board = Checkerboard.from_dict(require(doc, "board", dict, where), f"{where}: board")
        camera = CameraModel.from_dict(require(doc, "camera", dict, where), f"{where}: camera")
        model = require(doc, "model", str, where)
        if model != camera.model:
            raise FileFormatError(f"{where}: field 'model' ({model!r}) disagrees with "
                                  f"camera.model ({camera.model!r})")
        q = _quality_from_dict(require(doc, "quality", dict, where), model, f"{where}: quality")
        flat = require(doc, "flat_board", bool, where)
        bpts = require_array(doc, "board_points", where, (board.n_corners, 3))
        views = [_view_from_dict(v, board, f"{where}: views[{i}]")
                 for i, v in enumerate(require(doc, "views", list, where))]
        if len(views) != q["per_view"].size:
            raise FileFormatError(f"{where}: quality: field 'per_view_rms_px' has "
                                  f"{q['per_view'].size} values for {len(views)} views")
        if len(views) < 3:
            raise FileFormatError(f"{where}: field 'views': a calibration needs >= 3 views, "
                                  f"given {len(views)}")
        rejected = [_rejected_from_dict(r, f"{where}: rejected_views[{i}]")
                    for i, r in enumerate(require(doc, "rejected_views", list, where))]
        return cls(camera, board, q["rms"], q["per_view"], q["hold"], tuple(views),
                   tuple(rejected), tuple(q["names"]), q["std"], q["unc"], bpts, q["n_rej"],
                   flat, str(doc.get("created", "")), str(doc.get("library_version", "")))

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
def _number_or_null(doc: dict, key: str, where: str) -> float:
    """``doc[key]`` as a float, NaN for null or absent."""
    v = doc.get(key)
    if v is None:
        return float("nan")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FileFormatError(f"{where}: field {key!r} must be a number or null")
    return float(v)


def _quality_from_dict(q: dict, model: str, wq: str) -> dict:
    from .._io import require, require_array

    rms = float(require(q, "rms_px", (int, float), wq))
    if not (np.isfinite(rms) and rms >= 0):
        raise FileFormatError(f"{wq}: field 'rms_px' must be a non-negative number")
    names = require(q, "param_names", list, wq)
    if names != param_names(model):
        raise FileFormatError(f"{wq}: field 'param_names' does not match model {model!r}")
    std_raw = require(q, "param_std", list, wq)
    if len(std_raw) != len(names):
        raise FileFormatError(f"{wq}: field 'param_std' has {len(std_raw)} values for "
                              f"{len(names)} parameters")
    unc = None
    if q.get("uncertainty") is not None:
        unc = _uncertainty_from_dict(require(q, "uncertainty", dict, wq), f"{wq}: uncertainty")
    return {"rms": rms, "per_view": require_array(q, "per_view_rms_px", wq, (None,)),
            "hold": _number_or_null(q, "holdout_rms_px", wq), "names": names,
            "std": _float_array(std_raw, "param_std", wq), "unc": unc,
            "n_rej": int(q.get("n_corners_rejected", 0))}


def _float_array(values: list, key: str, where: str) -> np.ndarray:
    """A (nested) JSON list with null for NaN -> float64 array."""
    try:
        return np.array(values, dtype=np.float64)  # None -> NaN
    except (TypeError, ValueError):
        raise FileFormatError(f"{where}: field {key!r} is not a numeric array") from None


def _uncertainty_from_dict(u: dict, wu: str) -> ProjectionUncertainty:
    from .._io import require, require_array

    grid = require_array(u, "grid_xy", wu, (None, None, 2))
    sigma = _float_array(require(u, "sigma_px", list, wu), "sigma_px", wu)
    if sigma.shape != grid.shape[:2]:
        raise FileFormatError(f"{wu}: field 'sigma_px': expected shape {grid.shape[:2]} "
                              f"(the grid's), given {sigma.shape}")
    if np.any(np.isinf(sigma)) or np.any(sigma < 0):
        raise FileFormatError(f"{wu}: field 'sigma_px' must hold non-negative numbers or null")
    return ProjectionUncertainty(float(require(u, "rms_px", (int, float), wu)),
                                 float(require(u, "max_px", (int, float), wu)), grid, sigma,
                                 _number_or_null(u, "fixed_ray_rms_px", wu))


def _view_from_dict(v: dict, board: Checkerboard, wv: str) -> ViewResult:
    from .._io import require, require_array

    corners = require_array(v, "corners_xy", wv, (board.n_corners, 2))
    ok = require(v, "corner_ok", list, wv)
    if len(ok) != board.n_corners or not all(isinstance(b, bool) for b in ok):
        raise FileFormatError(f"{wv}: field 'corner_ok' must be {board.n_corners} booleans")
    return ViewResult(int(require(v, "index", int, wv)), str(require(v, "name", str, wv)),
                      require_array(v, "rvec", wv, (3,)), require_array(v, "tvec", wv, (3,)),
                      float(require(v, "rms_px", (int, float), wv)), corners,
                      np.array(ok, bool), _number_or_null(v, "sharpness", wv))


def _rejected_from_dict(r: dict, wr: str) -> RejectedView:
    from .._io import require

    return RejectedView(int(require(r, "index", int, wr)), str(require(r, "name", str, wr)),
                        str(require(r, "reason", str, wr)), str(require(r, "detail", str, wr)))
