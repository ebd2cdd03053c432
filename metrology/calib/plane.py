"""The measuring plane: image pixels <-> millimetres on a plane seen by a calibrated camera.

A :class:`Plane` is built from one view of the checkerboard lying on the measuring plane (or
from a calibration view). It holds the board's pose; :meth:`Plane.to_mm` takes **raw image
pixels** (as they appear in the image, distorted), undistorts them internally with the camera
model and intersects their rays with the plane; :meth:`Plane.to_px` goes back to raw pixels.
Millimetre coordinates are the board's own: origin at inner corner 0 (the one nearest the
image's top-left when the board was detected), ``X`` along the board rows, ``Y`` down the
columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._cv import cv_call, to_cv_points, to_cv_points3
from .._serial import from_jsonable, to_jsonable
from ..core.checks import MAX_COORD, as_points, check_finite, check_int
from ..errors import CalibrationError, FileFormatError, InputError, ShapeError
from .board import Checkerboard, detect_board
from .camera import CameraModel, _as_array, _pose_vector, _real_number, rodrigues
from .targets import is_partial_board

__all__ = ["Plane"]


def _check_camera_board(camera: Any, board: Any) -> None:
    if not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel, given {type(camera).__name__}")
    if not (isinstance(board, Checkerboard) or is_partial_board(board)):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")


def _solve_pose(camera: CameraModel, obj: np.ndarray, px: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Board pose from corners via PnP on undistorted normalised points (any lens model)."""
    import cv2

    norm = camera.normalize(px, on_invalid="nan")
    ok = np.all(np.isfinite(norm), axis=1)
    if ok.sum() < 4:
        raise CalibrationError(f"plane: only {int(ok.sum())} board corners lie in the valid "
                               f"region of the lens model; need at least 4")
    ok_flag, rvec, tvec = cv_call(cv2.solvePnP, to_cv_points3(obj[ok], np.float64),
                                  to_cv_points(norm[ok], np.float64), np.eye(3), None,
                                  flags=cv2.SOLVEPNP_ITERATIVE, what="estimating the board pose")
    if not ok_flag:
        raise CalibrationError("plane: the board pose could not be estimated")
    rvec, tvec = cv_call(cv2.solvePnPRefineLM, to_cv_points3(obj[ok], np.float64),
                         to_cv_points(norm[ok], np.float64), np.eye(3), None, rvec, tvec,
                         what="refining the board pose")
    return rvec.ravel(), tvec.ravel()


@dataclass(frozen=True, eq=False)
class Plane:
    """A plane in front of a calibrated camera, with a millimetre frame.

    Attributes
    ----------
    camera : CameraModel
    rvec, tvec : ndarray (3,)
        Board -> camera pose (mm).
    height_mm : float
        The measuring plane lies ``height_mm`` above the board plane (towards the camera), e.g.
        the board's thickness or a part's height.
    residual_rms_mm, residual_max_mm : float
        Board corners mapped to mm by :meth:`to_mm` vs their true positions (only meaningful at
        ``height_mm == 0``, where they were measured).
    n_points : int
        Corners used.
    corners_xy, board_xy : ndarray (N, 2) or None
        The board corners the pose was estimated from: raw pixels and board millimetres (kept
        so the pose's uncertainty can be computed later; None for a plane given by its pose
        alone or read from a file written without them).
    """

    camera: CameraModel
    rvec: np.ndarray
    tvec: np.ndarray
    height_mm: float = 0.0
    residual_rms_mm: float = float("nan")
    residual_max_mm: float = float("nan")
    n_points: int = 0
    corners_xy: np.ndarray | None = field(default=None, repr=False)
    board_xy: np.ndarray | None = field(default=None, repr=False)
    _H: np.ndarray = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.camera, CameraModel):
            raise InputError(f"Plane.camera: expected a CameraModel, given "
                             f"{type(self.camera).__name__}")
        rvec = _pose_vector(self.rvec, "rvec", 1e6)
        tvec = _pose_vector(self.tvec, "tvec", MAX_COORD)
        h = check_finite(self.height_mm, "height_mm", min=-MAX_COORD, max=MAX_COORD)
        for name in ("residual_rms_mm", "residual_max_mm"):  # NaN: not measured
            v = _real_number(getattr(self, name), f"Plane.{name}")
            if not (np.isnan(v) or 0 <= v < np.inf):
                raise InputError(f"Plane.{name}: expected a number >= 0 or NaN (not measured), "
                                 f"given {v}")
            object.__setattr__(self, name, v)
        object.__setattr__(self, "n_points", check_int(self.n_points, "n_points", min=0))
        R = rodrigues(rvec)
        t_plane = tvec + R[:, 2] * (-h)  # plane Z = -height in the board frame
        H = np.column_stack([R[:, 0], R[:, 1], t_plane])  # (X, Y, 1) -> normalised ray
        if abs(np.linalg.det(H)) < 1e-12:
            raise InputError("Plane: the plane passes through the camera centre")
        if (self.corners_xy is None) != (self.board_xy is None):
            raise InputError("Plane: corners_xy and board_xy go together")
        if self.corners_xy is not None:
            c = as_points(self.corners_xy, "corners_xy", allow_batch=False)
            b = as_points(self.board_xy, "board_xy", allow_batch=False)
            if len(c) != len(b) or len(c) < 4:
                raise InputError(f"Plane: corners_xy and board_xy must hold the same number "
                                 f"(>= 4) of points, given {len(c)} and {len(b)}")
            object.__setattr__(self, "corners_xy", c)
            object.__setattr__(self, "board_xy", b)
        object.__setattr__(self, "rvec", rvec)
        object.__setattr__(self, "tvec", tvec)
        object.__setattr__(self, "height_mm", h)
        object.__setattr__(self, "_H", H)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_corners(cls, camera: CameraModel, board: Checkerboard, corners_xy: Any,
                     corner_ok: Any = None, *, height_mm: float = 0.0) -> "Plane":
        """Plane from detected board corners (raw pixels, in detection order; corners not
        seen in a partial view are NaN with ``corner_ok`` False)."""
        _check_camera_board(camera, board)
        raw = as_points(corners_xy, "corners_xy", allow_batch=False, finite=False)
        if len(raw) != board.n_corners:
            raise InputError(f"corners_xy: expected {board.n_corners} corners for the "
                             f"board, given {len(raw)}")
        if corner_ok is None:
            ok = np.ones(len(raw), bool)
        else:
            ok = _as_array(corner_ok, "corner_ok")
            if ok.dtype != bool or ok.shape != (len(raw),):
                raise ShapeError(f"corner_ok: expected {len(raw)} booleans, given "
                                 f"{getattr(ok, 'shape', ())} of {ok.dtype}")
        px = as_points(np.where(ok[:, None], raw, 0.0), "corners_xy", allow_batch=False)
        height_mm = check_finite(height_mm, "height_mm", min=-MAX_COORD, max=MAX_COORD)
        obj = board.object_points()[ok]
        rvec, tvec = _solve_pose(camera, obj, px[ok])
        plane = cls(camera, rvec, tvec, 0.0)
        mm = plane.to_mm(px[ok], on_invalid="nan")
        err = np.linalg.norm(mm - obj[:, :2], axis=1)
        err = err[np.isfinite(err)]
        rms = float(np.sqrt(np.mean(err ** 2))) if err.size else float("nan")
        mx = float(err.max()) if err.size else float("nan")
        used = np.all(np.isfinite(mm), axis=1)
        return cls(camera, rvec, tvec, height_mm, rms, mx, int(err.size),
                   px[ok][used], obj[used, :2])

    @classmethod
    def from_board(cls, camera: CameraModel, image: Any, board: Checkerboard, *,
                   height_mm: float = 0.0) -> "Plane":
        """Detect ``board`` in ``image`` (lying on the measuring plane) and build the plane.

        Examples
        --------
        The committed view 0 of ``calib_images/`` seen by its true camera:

        >>> import json
        >>> truth = json.load(open("calib_images/ground_truth.json"))
        >>> camera = CameraModel.from_dict(truth["camera"])
        >>> board = Checkerboard(9, 6, 20.0)
        >>> plane = Plane.from_board(camera, "calib_images/view_00.png", board)
        >>> plane.to_mm([[512.0, 384.0]]).round(1)
        array([[147.5, 108.7]])
        """
        _check_camera_board(camera, board)
        det = detect_board(image, board, camera=camera)
        if det.image_size != camera.image_size:
            raise InputError(f"image is {det.image_size[0]}x{det.image_size[1]}, the camera "
                             f"was calibrated at {camera.image_size[0]}x{camera.image_size[1]}")
        return cls.from_corners(camera, board, det.corners_xy, det.corner_ok,
                                height_mm=height_mm)

    def at_height(self, height_mm: float) -> "Plane":
        """The parallel plane ``height_mm`` above the board (same mm frame)."""
        return Plane(self.camera, self.rvec, self.tvec, height_mm, self.residual_rms_mm,
                     self.residual_max_mm, self.n_points, self.corners_xy, self.board_xy)

    # ------------------------------------------------------------------ mapping
    def to_mm(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Raw (distorted) image pixels -> plane millimetres.

        Parameters
        ----------
        points_xy : array_like (..., N, 2)
            Pixel positions as measured in the original image (undistortion is applied here).
        on_invalid : {"raise", "nan"}
            Points outside the lens model's valid region (see :class:`CameraModel`).

        Returns
        -------
        ndarray (..., N, 2) float64, millimetres
        """
        norm = self.camera.normalize(points_xy, on_invalid=on_invalid)
        Hi = np.linalg.inv(self._H)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._plane_xy(Hi, norm, on_invalid)

    def _plane_xy(self, Hi: np.ndarray, norm: np.ndarray, on_invalid: str) -> np.ndarray:
        d = Hi[2, 0] * norm[..., 0] + Hi[2, 1] * norm[..., 1] + Hi[2, 2]
        x = (Hi[0, 0] * norm[..., 0] + Hi[0, 1] * norm[..., 1] + Hi[0, 2]) / d
        y = (Hi[1, 0] * norm[..., 0] + Hi[1, 1] * norm[..., 1] + Hi[1, 2]) / d
        out = np.stack([x, y], axis=-1)
        bad = ~np.all(np.isfinite(out), axis=-1) & np.all(np.isfinite(norm), axis=-1)
        if bad.any():  # rays parallel to the plane (on its horizon)
            if on_invalid == "raise":
                raise InputError(f"to_mm: {int(bad.sum())} point(s) see the plane's horizon "
                                 f"(their rays never meet it)")
            out[bad] = np.nan
        return out

    def to_px(self, points_mm: Any) -> np.ndarray:
        """Plane millimetres -> raw (distorted) image pixels, ``(..., N, 2)``."""
        mm = as_points(points_mm, "points_mm")
        P = np.concatenate([mm, np.full(mm.shape[:-1] + (1,), -self.height_mm)], axis=-1)
        return self.camera.project(P, self.rvec, self.tvec)

    def mm_per_px(self, points_xy: Any) -> np.ndarray:
        """Local scale (mm per pixel, geometric mean of the two directions) at raw pixels,
        shape ``(..., N)``; includes lens distortion and perspective."""
        p = as_points(points_xy, "points_xy")
        h = 0.5
        ex = np.array([h, 0.0])
        ey = np.array([0.0, h])
        dx = (self.to_mm(p + ex) - self.to_mm(p - ex)) / (2 * h)
        dy = (self.to_mm(p + ey) - self.to_mm(p - ey)) / (2 * h)
        det = dx[..., 0] * dy[..., 1] - dx[..., 1] * dy[..., 0]
        return np.sqrt(np.abs(det))

    # ------------------------------------------------------------------ io
    # Not a Serializable: a Plane needs a valid CameraModel and a pose that does not pass
    # through the camera centre; the fields go through the shared serialiser one by one.
    _JSON_FIELDS: ClassVar[dict] = {"rvec": (np.ndarray, {"shape": (3,)}),
                                    "tvec": (np.ndarray, {"shape": (3,)}),
                                    "height_mm": (float, {}), "residual_rms_mm": (float, {}),
                                    "residual_max_mm": (float, {}),
                                    "n_points": (int, {"min": 0}),
                                    "corners_xy": (np.ndarray, {"shape": (None, 2)}),
                                    "board_xy": (np.ndarray, {"shape": (None, 2)})}
    #: optional fields (absent from files written before they existed)
    _OPTIONAL: ClassVar[tuple] = ("corners_xy", "board_xy")

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as null), round-tripping through :meth:`from_dict`; the
        board corners only when the plane has them."""
        return {"camera": self.camera.to_dict(),
                **{k: to_jsonable(getattr(self, k)) for k in self._JSON_FIELDS
                   if k not in self._OPTIONAL or getattr(self, k) is not None}}

    @classmethod
    def from_dict(cls, doc: dict, where: str = "plane", *,
                  error: type[Exception] = FileFormatError) -> Plane:
        """Build from :meth:`to_dict` output; ``error`` (:class:`FileFormatError`) names a bad
        field."""
        if not isinstance(doc, dict) or "camera" not in doc:
            raise error(f"{where}: missing field 'camera'")
        kw = {"camera": CameraModel.from_dict(doc["camera"], f"{where}.camera", error=error)}
        for key, (tp, meta) in cls._JSON_FIELDS.items():
            if key in doc and not (key in cls._OPTIONAL and doc[key] is None):
                kw[key] = from_jsonable(tp, doc[key], f"{where}.{key}", error, meta)
            elif key in ("rvec", "tvec", "height_mm"):
                raise error(f"{where}: missing field {key!r}")
        try:
            return cls(**kw)
        except InputError as exc:
            raise error(f"{where}: {exc}") from None
