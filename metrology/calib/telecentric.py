"""Telecentric cameras: parallel projection with a magnification, an optional affine sensor
and lens distortion; and their measuring plane.

Model (a point ``P = (X, Y, Z)`` in the camera frame, mm)::

    q = (X, Y)                              # parallel projection: Z (the depth) does not matter
    d = [[sx, skew], [0, sy]] q             # ideal pixel offset from the principal point
    n = d / R0                              # normalised by a fixed radius R0 (px)
    n' = distort(n; k1, k2, p1, p2, k3)     # OpenCV's radial + tangential polynomial
    pixel = (cx, cy) + R0 n'

``sx, sy`` are the magnification in pixels per mm (``sx = sy`` and ``skew = 0`` for the
``"telecentric"`` model; ``"telecentric_affine"`` frees them, which models a sensor tilted in a
telecentric path: the affine image of a tilt, no Scheimpflug condition); ``(cx, cy)`` is the
centre of distortion; ``R0`` (``norm_radius_px``, default half the image diagonal) only sets
the scale of the distortion coefficients and is not fitted.  The distortion part is exactly
a :class:`~metrology.calib.camera.CameraModel` (``standard`` model) with ``K = [[R0, 0, cx],
[0, R0, cy], [0, 0, 1]]`` (:attr:`TelecentricCamera.lens`), so undistortion is the same exact
Newton inverse (to 1e-8 px) with the same valid region.

**The telecentric ambiguity.**  Seen along parallel rays, a plane tilted by an angle ``t``
about some axis gives the same image as the plane tilted by ``-t`` (the pose ``R`` and its
mirror ``D R D``, ``D = diag(1, 1, -1)``, share their top-left 2x2 block, which is all the
projection of a plane uses), and the plane's distance along the axis is not seen at all.  So
a board's pose is known only up to the sign of its tilt, and ``tvec[2]`` is set to 0.  This
does not touch the intrinsics nor the mapping of the board's own plane (:meth:`TelecentricPlane
.to_mm` at ``height_mm = 0``), but it does decide in which direction a plane *above* the
board moves in the image; :meth:`TelecentricPlane.at_height` therefore refuses a height
offset on a tilted plane unless the tilt's sign is given (``tilt_sign``), and the reported
pose is, of the two, the one whose board normal ``n = R e_z`` has its larger in-plane
component positive (``tilt_sign = +1``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._serial import to_jsonable
from ..core.checks import (_image_size_wh, _numeric, as_points, as_vector, check_choice, check_finite,
                           check_int, check_positive)
from ..errors import CalibrationError, FileFormatError, InputError, ShapeError
from ._fields import check_error, get_field, read_fields
from .board import detect_board
from ._tele_pose import _rotation_from_top_left, mirror_pose, rotation_vector, tilt_sign_of
from .camera import CameraModel, rodrigues

# (orthographic_pose, mirror_pose and rotation_vector serve the calibration and the renderers;
# they are not exported and do not check their arguments)
__all__ = ["TelecentricCamera", "TelecentricPlane", "TELECENTRIC_MODELS", "telecentric_difference",
           "TELECENTRIC_PARAMS"]

TELECENTRIC_MODELS = ("telecentric", "telecentric_affine")
#: every intrinsic parameter of a telecentric camera, in the order of :meth:`params`
TELECENTRIC_PARAMS = ("sx", "sy", "skew", "cx", "cy", "k1", "k2", "p1", "p2", "k3")


@dataclass(frozen=True, eq=False)
class TelecentricCamera:
    """A telecentric camera (see the module docstring for the model).

    Parameters
    ----------
    A : array_like (3, 3)
        ``[[sx, skew, cx], [0, sy, cy], [0, 0, 1]]``: magnification in px per mm (``sx``,
        ``sy``, ``skew``) and the centre of distortion in pixels.
    dist : array_like (5,)
        ``k1 k2 p1 p2 k3`` on coordinates normalised by ``norm_radius_px``.
    image_size : (w, h)
    model : {"telecentric", "telecentric_affine"}
        ``"telecentric"`` requires ``sx == sy`` and ``skew == 0``.
    norm_radius_px : float, optional
        Normalising radius of the distortion (default half the image diagonal).
    valid_radius : float, optional
        Normalised radius up to which the distortion is one-to-one (computed when omitted).

    Examples
    --------
    >>> cam = TelecentricCamera([[25.0, 0, 320], [0, 25.0, 240], [0, 0, 1]],
    ...                         [0.01, 0, 0, 0, 0], (640, 480))
    >>> px = cam.project([[1.0, 2.0, 123.0]])
    >>> cam.to_camera_mm(px).round(9).tolist()
    [[1.0, 2.0]]
    >>> round(cam.mm_per_px, 4)
    0.04
    """

    A: np.ndarray
    dist: np.ndarray
    image_size: tuple[int, int]
    model: str = "telecentric"
    norm_radius_px: float | None = None
    valid_radius: float | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False, init=False)

    def __post_init__(self) -> None:
        check_choice(self.model, "model", TELECENTRIC_MODELS)
        A = _numeric(self.A, "A", "a 3x3 matrix")
        if A.shape != (3, 3):
            raise ShapeError(f"A: expected a 3x3 matrix, given shape {A.shape}")
        if not np.all(np.isfinite(A)) or not (A[0, 0] > 0 and A[1, 1] > 0) or A[1, 0] != 0 \
                or A[2, 0] != 0 or A[2, 1] != 0 or A[2, 2] != 1:
            raise InputError(f"A: expected [[sx, skew, cx], [0, sy, cy], [0, 0, 1]] with "
                             f"sx, sy > 0, given {A.tolist()}")
        if self.model == "telecentric" and (abs(A[0, 0] - A[1, 1]) > 1e-12 * A[0, 0]
                                            or A[0, 1] != 0):
            raise InputError(f"A: the 'telecentric' model has square pixels (sx == sy, no "
                             f"skew), given sx {A[0, 0]}, sy {A[1, 1]}, skew {A[0, 1]}; use "
                             f"model='telecentric_affine'")
        d = _numeric(self.dist, "dist", "up to 5 distortion coefficients").ravel().copy()
        if d.size > 5 or not np.all(np.isfinite(d)):
            raise InputError(f"dist: expected up to 5 finite coefficients (k1 k2 p1 p2 k3), "
                             f"given {d.tolist()}")
        d = np.concatenate([d, np.zeros(5 - d.size)])
        w, h = _image_size_wh(self.image_size)
        r0 = 0.5 * float(np.hypot(w, h)) if self.norm_radius_px is None else \
            check_positive(self.norm_radius_px, "norm_radius_px", max=1e9)
        if self.valid_radius is not None:
            check_positive(self.valid_radius, "valid_radius", allow_zero=True, max=1e9)
        A.setflags(write=False)
        d.setflags(write=False)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "dist", d)
        object.__setattr__(self, "image_size", (w, h))
        object.__setattr__(self, "norm_radius_px", r0)
        lens = CameraModel([[r0, 0, A[0, 2]], [0, r0, A[1, 2]], [0, 0, 1]], d, (w, h),
                           "standard", self.valid_radius)
        object.__setattr__(self, "valid_radius", lens.valid_radius)
        self._cache["lens"] = lens

    # ------------------------------------------------------------------ basics
    @property
    def lens(self) -> CameraModel:
        """The distortion as a pinhole :class:`CameraModel` whose ideal pixels are
        ``(cx, cy) + d`` (used to undistort points and images, and to refit corners in
        undistorted coordinates)."""
        return self._cache["lens"]

    @property
    def sx(self) -> float:
        return float(self.A[0, 0])

    @property
    def sy(self) -> float:
        return float(self.A[1, 1])

    @property
    def skew(self) -> float:
        return float(self.A[0, 1])

    @property
    def cx(self) -> float:
        return float(self.A[0, 2])

    @property
    def cy(self) -> float:
        return float(self.A[1, 2])

    @property
    def mm_per_px(self) -> float:
        """Mean object-side pixel size, ``1 / sqrt(sx sy)`` mm."""
        return float(1.0 / np.sqrt(self.sx * self.sy))

    def magnification(self, pixel_pitch_mm: float) -> float:
        """Optical magnification for a sensor of ``pixel_pitch_mm`` (``sqrt(sx sy)`` px/mm
        times the pitch)."""
        return float(np.sqrt(self.sx * self.sy) * check_positive(pixel_pitch_mm,
                                                                 "pixel_pitch_mm", max=1e3))

    def params(self) -> np.ndarray:
        """``[sx, sy, skew, cx, cy, k1, k2, p1, p2, k3]`` (:data:`TELECENTRIC_PARAMS`),
        the order of a calibration's ``param_std`` and ``param_cov``."""
        return np.concatenate([[self.sx, self.sy, self.skew, self.cx, self.cy], self.dist])

    def with_params(self, theta: Any) -> TelecentricCamera:
        """The same camera with parameters ``theta`` (:meth:`params` order)."""
        t = _numeric(theta, "theta", "the camera parameters (10,)").ravel()
        if t.size != len(TELECENTRIC_PARAMS):
            raise InputError(f"theta: expected {len(TELECENTRIC_PARAMS)} values, given {t.size}")
        model = self.model if (t[0] == t[1] and t[2] == 0) else "telecentric_affine"
        return TelecentricCamera([[t[0], t[2], t[3]], [0, t[1], t[4]], [0, 0, 1]], t[5:],
                                 self.image_size, model, self.norm_radius_px)

    # ------------------------------------------------------------------ mapping
    def _ideal_offset(self, q: np.ndarray) -> np.ndarray:
        A = self.A
        return np.stack([A[0, 0] * q[..., 0] + A[0, 1] * q[..., 1], A[1, 1] * q[..., 1]], -1)

    def project(self, points_3d: Any, rvec: Any = None, tvec: Any = None) -> np.ndarray:
        """Camera-frame (or, with ``rvec``/``tvec``, world-frame) 3-D points ``(..., N, 3)``
        mm -> distorted pixels ``(..., N, 2)``."""
        P = _numeric(points_3d, "points_3d", "3-D points (..., N, 3) mm")
        if P.ndim < 2 or P.shape[-1] != 3:
            raise ShapeError(f"points_3d: expected shape (..., N, 3), given {P.shape}")
        if not np.all(np.isfinite(P)):
            raise InputError("points_3d: contains NaN or inf")
        if rvec is not None:
            P = P @ rodrigues(as_vector(rvec, "rvec", 3)).T
        if tvec is not None:
            P = P + as_vector(tvec, "tvec", 3)
        return self.project_camera_mm(P[..., :2])

    def project_camera_mm(self, q: np.ndarray) -> np.ndarray:
        """Camera-plane points ``(..., N, 2)`` mm -> distorted pixels."""
        q = _numeric(q, "q", "camera-plane points (..., N, 2) mm")
        if q.ndim < 1 or q.shape[-1] != 2 or not np.all(np.isfinite(q)):
            raise InputError(f"q: expected finite points of shape (..., N, 2), given shape "
                             f"{q.shape}")
        n = self._ideal_offset(q) / self.norm_radius_px
        with np.errstate(over="ignore", invalid="ignore"):
            px = self.lens.project(np.concatenate([n, np.ones(n.shape[:-1] + (1,))], -1))
        if not np.all(np.isfinite(px)):
            raise InputError(f"q: points too far from the optical axis to project (up to "
                             f"{float(np.max(np.abs(q))):.3g} mm; the lens polynomial overflows)")
        return px

    def to_camera_mm(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Distorted pixels ``(..., N, 2)`` -> camera-plane points ``(X, Y)`` mm (the ray
        through each pixel, parallel to the optical axis); see
        :meth:`CameraModel.undistort_points` for ``on_invalid``."""
        d = self.lens.normalize(points_xy, on_invalid=on_invalid) * self.norm_radius_px
        A = self.A
        y = d[..., 1] / A[1, 1]
        x = (d[..., 0] - A[0, 1] * y) / A[0, 0]
        return np.stack([x, y], -1)

    def undistort_points(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Distorted pixels -> ideal pixels ``(cx, cy) + d`` (same magnification)."""
        return self.lens.undistort_points(points_xy, on_invalid=on_invalid)

    def distort_points(self, points_xy: Any) -> np.ndarray:
        """Ideal pixels -> distorted pixels."""
        return self.lens.distort_points(points_xy)

    def in_valid_region(self, points_xy: Any) -> np.ndarray:
        """Boolean mask ``(..., N)``: pixels whose undistortion is valid."""
        return self.lens.in_valid_region(points_xy)

    def undistort_image(self, image: Any, *, interpolation: str = "linear") -> np.ndarray:
        """Resample ``image`` to the distortion-free camera (same magnification)."""
        return self.lens.undistort_image(image, interpolation=interpolation)

    # ------------------------------------------------------------------ io
    _JSON_FIELDS: ClassVar[dict] = {"model": (str, {}), "A": (np.ndarray, {"shape": (3, 3)}),
                                    "dist": (np.ndarray, {"shape": (5,)}),
                                    "image_size": (tuple[int, int], {"min": 1}),
                                    "norm_radius_px": (float, {"min": 0.0}),
                                    "valid_radius": (float | None, {"min": 0.0})}

    def to_dict(self) -> dict:
        """JSON-ready dict (``"kind": "telecentric"``), round-tripping through
        :meth:`from_dict`."""
        return {"kind": "telecentric",
                **{k: to_jsonable(getattr(self, k)) for k in self._JSON_FIELDS}}

    @classmethod
    def from_dict(cls, doc: dict, where: str = "camera", *,
                  error: type[Exception] = FileFormatError) -> TelecentricCamera:
        """Build from :meth:`to_dict` output; ``error`` names a bad field."""
        check_error(error, where)
        if isinstance(doc, dict) and doc.get("kind") != "telecentric":
            raise error(f"{where}.kind: expected 'telecentric', given {doc.get('kind')!r}")
        kw = read_fields(cls._JSON_FIELDS, doc, where, error, optional=("valid_radius",))
        if kw["model"] not in TELECENTRIC_MODELS:
            raise error(f"{where}.model: expected one of {TELECENTRIC_MODELS}, given "
                        f"{kw['model']!r}")
        try:
            return cls(**kw)
        except InputError as exc:
            raise error(f"{where}: inconsistent camera ({exc})") from None

    def __repr__(self) -> str:
        return (f"TelecentricCamera(model={self.model!r}, sx={self.sx:.6f}, sy={self.sy:.6f} "
                f"px/mm, skew={self.skew:.3g}, cx={self.cx:.3f}, cy={self.cy:.3f}, "
                f"dist={np.round(self.dist, 7).tolist()}, image_size={self.image_size})")


# ----------------------------------------------------------------------------- poses
def orthographic_pose(camera: TelecentricCamera, obj: np.ndarray, px: np.ndarray, *,
                      tilt_sign: int = 1) -> tuple[np.ndarray, np.ndarray, float]:
    """Pose of a planar board seen by a telecentric camera.

    Parameters
    ----------
    camera : TelecentricCamera
    obj : ndarray (N, 3)
        Board points (Z = 0), mm.
    px : ndarray (N, 2)
        Their distorted pixels.
    tilt_sign : {1, -1}
        Which of the two mirror poses to return (see the module docstring).

    Returns
    -------
    rvec (3,), tvec (3,) (``tvec[2] = 0``), and the RMS pixel residual.
    """
    from scipy.optimize import least_squares

    q = camera.to_camera_mm(px, on_invalid="nan")
    ok = np.all(np.isfinite(q), axis=1)
    if ok.sum() < 4:
        raise CalibrationError(f"telecentric pose: only {int(ok.sum())} board corners lie in "
                               f"the valid region of the lens model; need at least 4")
    q, o, p = q[ok], obj[ok], px[ok]
    G = np.column_stack([o[:, :2], np.ones(len(o))])
    sol, *_ = np.linalg.lstsq(G, q, rcond=None)  # q = B (X, Y) + t
    R = _rotation_from_top_left(sol[:2].T)
    x0 = np.r_[rotation_vector(R), sol[2]]

    def res(x: np.ndarray) -> np.ndarray:
        return (camera.project(o, x[:3], np.r_[x[3:5], 0.0]) - p).ravel()

    x = least_squares(res, x0, method="lm", x_scale="jac", xtol=1e-14, ftol=1e-14).x
    rvec = x[:3]
    if tilt_sign_of(rvec) * int(np.sign(tilt_sign)) < 0:
        rvec = mirror_pose(rvec)
    rms = float(np.sqrt(np.mean(res(np.r_[rvec, x[3:5]]) ** 2) * 2))
    return rvec, np.r_[x[3:5], 0.0], rms


# ----------------------------------------------------------------------------- plane
@dataclass(frozen=True, eq=False)
class TelecentricPlane:
    """A plane seen by a telecentric camera, with a millimetre frame (the board's).

    The counterpart of :class:`~metrology.calib.Plane`: :meth:`to_mm` takes raw image pixels
    (undistorted internally), :meth:`to_px` returns them.

    Attributes
    ----------
    camera : TelecentricCamera
    rvec, tvec : ndarray (3,)
        Board -> camera pose (``tvec[2]`` unused: depth is not seen).
    height_mm : float
        The measuring plane lies ``height_mm`` above the board plane.
    tilt_sign : int or None
        The sign of the tilt, when known (see the module docstring); None: assumed, which
        only matters for a height offset.
    residual_rms_mm, residual_max_mm : float
        Board corners mapped to mm vs their true positions (NaN, with ``n_points`` 0, for a
        plane given by its pose alone).
    n_points : int
        Corners the residuals were measured on.
    """

    camera: TelecentricCamera
    rvec: np.ndarray
    tvec: np.ndarray
    height_mm: float = 0.0
    tilt_sign: int | None = None
    residual_rms_mm: float = float("nan")
    residual_max_mm: float = float("nan")
    n_points: int = 0
    _M: np.ndarray = field(default=None, repr=False)

    #: a height offset may move the image of the plane by this much (px) before the
    #: unknown tilt sign counts as ambiguous
    AMBIGUITY_PX: ClassVar[float] = 0.01

    def __post_init__(self) -> None:
        if not isinstance(self.camera, TelecentricCamera):
            raise InputError(f"TelecentricPlane.camera: expected a TelecentricCamera, given "
                             f"{type(self.camera).__name__}")
        rvec = _numeric(self.rvec, "rvec", "a rotation vector (3,)").ravel()
        tvec = _numeric(self.tvec, "tvec", "a translation (3,)").ravel()
        if rvec.shape != (3,) or tvec.shape != (3,) or not np.all(np.isfinite(rvec)) \
                or not np.all(np.isfinite(tvec)):
            raise InputError("TelecentricPlane: rvec and tvec must be 3 finite numbers each")
        h = check_finite(self.height_mm, "height_mm")
        R = rodrigues(rvec)
        if abs(np.linalg.det(R[:2, :2])) < 1e-9:
            raise InputError("TelecentricPlane: the plane is seen edge-on")
        if self.tilt_sign is not None and self.tilt_sign not in (1, -1):
            raise InputError(f"tilt_sign: expected +1, -1 or None, given {self.tilt_sign!r}")
        amb = 2 * abs(h) * float(np.hypot(R[0, 2], R[1, 2])) * max(self.camera.sx,
                                                                   self.camera.sy)
        if self.tilt_sign is None and amb > self.AMBIGUITY_PX:
            tilt = float(np.degrees(np.arccos(np.clip(abs(R[2, 2]), 0, 1))))
            raise CalibrationError(
                f"ambiguous telecentric pose: the board is tilted {tilt:.2f} deg, and a "
                f"telecentric camera cannot tell +{tilt:.2f} from -{tilt:.2f} deg; a plane "
                f"{h:g} mm above it would land {amb:.3f} px apart in the two cases.  Give the "
                f"tilt's sign (tilt_sign=+1 or -1) or lay the board square to the optical axis")
        n = check_int(self.n_points, "n_points", min=0, max=10**9)
        res = []
        for f in ("residual_rms_mm", "residual_max_mm"):
            v = getattr(self, f)
            if n == 0 and isinstance(v, float) and np.isnan(v):
                res.append(float("nan"))  # a plane given by its pose alone: not measured
            else:  # measured on n_points corners: a number
                res.append(check_finite(v, f, min=0.0))
        object.__setattr__(self, "rvec", rvec)
        object.__setattr__(self, "tvec", tvec)
        object.__setattr__(self, "height_mm", h)
        object.__setattr__(self, "n_points", n)
        object.__setattr__(self, "residual_rms_mm", res[0])
        object.__setattr__(self, "residual_max_mm", res[1])
        # camera-plane mm = M @ (X, Y, 1) at Z = -height
        M = np.column_stack([R[:2, 0], R[:2, 1], tvec[:2] - h * R[:2, 2]])
        object.__setattr__(self, "_M", M)

    @classmethod
    def from_corners(cls, camera: TelecentricCamera, board: Any, corners_xy: Any,
                     corner_ok: Any = None, *, height_mm: float = 0.0,
                     tilt_sign: int | None = None) -> TelecentricPlane:
        """Plane from detected board corners (raw pixels, in board order; NaN allowed where
        ``corner_ok`` is False)."""
        _check_camera(camera, "camera")
        if not callable(getattr(board, "object_points", None)):
            raise InputError(f"board: expected a board, given {type(board).__name__}")
        px = as_points(corners_xy, "corners_xy", finite=False)
        if px.shape != (board.n_corners, 2):
            raise InputError(f"corners_xy: expected ({board.n_corners}, 2) corners, given "
                             f"{px.shape}")
        if tilt_sign is not None and (isinstance(tilt_sign, bool) or not isinstance(
                tilt_sign, (int, np.integer)) or tilt_sign not in (1, -1)):
            raise InputError(f"tilt_sign: expected +1, -1 or None, given {tilt_sign!r:.40}")
        height_mm = check_finite(height_mm, "height_mm", min=-1e6, max=1e6)
        ok = np.ones(len(px), bool) if corner_ok is None else np.asarray(corner_ok)
        if ok.shape != (len(px),) or ok.dtype != bool:
            raise InputError(f"corner_ok: expected {len(px)} booleans")
        ok = ok.copy()
        ok &= np.all(np.isfinite(px), axis=1)
        obj = board.object_points()[ok]
        rvec, tvec, _ = orthographic_pose(camera, obj, px[ok], tilt_sign=tilt_sign or 1)
        plane = cls(camera, rvec, tvec, 0.0, tilt_sign)
        mm = plane.to_mm(px[ok], on_invalid="nan")
        err = np.linalg.norm(mm - obj[:, :2], axis=1)
        err = err[np.isfinite(err)]
        rms = float(np.sqrt(np.mean(err ** 2))) if err.size else float("nan")
        mx = float(err.max()) if err.size else float("nan")
        return cls(camera, rvec, tvec, height_mm, tilt_sign, rms, mx, int(err.size))

    @classmethod
    def from_board(cls, camera: TelecentricCamera, image: Any, board: Any, *,
                   height_mm: float = 0.0, tilt_sign: int | None = None) -> TelecentricPlane:
        """Detect ``board`` in ``image`` (lying on the measuring plane) and build the plane."""
        _check_camera(camera, "camera")
        det = detect_board(image, board, camera=camera.lens)
        if det.image_size != camera.image_size:
            raise InputError(f"image is {det.image_size[0]}x{det.image_size[1]}, the camera "
                             f"was calibrated at {camera.image_size[0]}x{camera.image_size[1]}")
        return cls.from_corners(camera, board, det.corners_xy, det.corner_ok,
                                height_mm=height_mm, tilt_sign=tilt_sign)

    def at_height(self, height_mm: float) -> TelecentricPlane:
        """The parallel plane ``height_mm`` above the board (same mm frame); raises
        :class:`CalibrationError` when the unknown tilt sign makes it ambiguous."""
        return TelecentricPlane(self.camera, self.rvec, self.tvec, height_mm, self.tilt_sign,
                                self.residual_rms_mm, self.residual_max_mm, self.n_points)

    @property
    def tilt_deg(self) -> float:
        """Angle between the plane's normal and the optical axis, degrees."""
        return float(np.degrees(np.arccos(np.clip(abs(rodrigues(self.rvec)[2, 2]), 0, 1))))

    def to_mm(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Raw image pixels ``(..., N, 2)`` -> plane millimetres ``(..., N, 2)``."""
        q = self.camera.to_camera_mm(points_xy, on_invalid=on_invalid)
        M = self._M
        a = q[..., 0] - M[0, 2]
        b = q[..., 1] - M[1, 2]
        det = M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]
        return np.stack([(M[1, 1] * a - M[0, 1] * b) / det,
                         (-M[1, 0] * a + M[0, 0] * b) / det], -1)

    def to_px(self, points_mm: Any) -> np.ndarray:
        """Plane millimetres ``(..., N, 2)`` -> raw image pixels."""
        mm = as_points(points_mm, "points_mm")
        M = self._M
        q = np.stack([M[0, 0] * mm[..., 0] + M[0, 1] * mm[..., 1] + M[0, 2],
                      M[1, 0] * mm[..., 0] + M[1, 1] * mm[..., 1] + M[1, 2]], -1)
        return self.camera.project_camera_mm(q)

    def mm_per_px(self, points_xy: Any) -> np.ndarray:
        """Local scale (mm per pixel, geometric mean of the two directions), ``(..., N)``."""
        p = as_points(points_xy, "points_xy")
        h = 0.5
        dx = (self.to_mm(p + [h, 0.0]) - self.to_mm(p - [h, 0.0])) / (2 * h)
        dy = (self.to_mm(p + [0.0, h]) - self.to_mm(p - [0.0, h])) / (2 * h)
        return np.sqrt(np.abs(dx[..., 0] * dy[..., 1] - dx[..., 1] * dy[..., 0]))

    _JSON_FIELDS: ClassVar[dict] = {"rvec": (np.ndarray, {"shape": (3,)}),
                                    "tvec": (np.ndarray, {"shape": (3,)}),
                                    "height_mm": (float, {}), "tilt_sign": (int | None, {}),
                                    "residual_rms_mm": (float, {}),
                                    "residual_max_mm": (float, {}),
                                    "n_points": (int, {"min": 0})}

    def to_dict(self) -> dict:
        """JSON-ready dict (``"kind": "telecentric"``, NaN as null)."""
        return {"kind": "telecentric", "camera": self.camera.to_dict(),
                **{k: to_jsonable(getattr(self, k)) for k in self._JSON_FIELDS}}

    @classmethod
    def from_dict(cls, doc: dict, where: str = "plane", *,
                  error: type[Exception] = FileFormatError) -> TelecentricPlane:
        """Build from :meth:`to_dict` output; ``error`` names a bad field."""
        check_error(error, where)
        camera = get_field(doc, "camera", dict, where, error)
        kw = read_fields(cls._JSON_FIELDS, doc, where, error,
                         optional=("tilt_sign", "residual_rms_mm", "residual_max_mm",
                                   "n_points"))
        kw["camera"] = TelecentricCamera.from_dict(camera, f"{where}.camera", error=error)
        try:
            return cls(**kw)
        except (InputError, CalibrationError) as exc:
            raise error(f"{where}: {exc}") from None


def _check_camera(camera: Any, name: str) -> None:
    if not isinstance(camera, TelecentricCamera):
        raise InputError(f"{name}: expected a TelecentricCamera, given {type(camera).__name__}")


def telecentric_difference(estimated: TelecentricCamera, true: TelecentricCamera, *,
                           step_px: float = 8.0) -> dict:
    """Compare two telecentric cameras over the image.

    Every pixel of a grid (``step_px`` apart) is traced back through ``true`` to its
    camera-plane point, which ``estimated`` projects again.  The differences are reported
    three ways: ``rms_px``/``max_px`` after removing the best shift and turn of the camera
    frame (the gauge a calibration's poses absorb); ``distortion_rms_px``/
    ``distortion_max_px`` after removing the best 2-D affine map (what is left is the error
    of the distortion model alone); ``magnification_error`` is the relative error of
    ``sqrt(sx sy)``.

    Returns
    -------
    dict
    """
    _check_camera(estimated, "estimated")
    _check_camera(true, "true")
    step_px = check_positive(step_px, "step_px", max=max(true.image_size) / 2)
    if step_px < max(true.image_size) / 4096:     # at most ~4096 x 4096 grid points
        raise InputError(f"step_px: expected at least {max(true.image_size) / 4096:.3g} px "
                         f"(a grid of at most 4096 points a side), given {step_px:g}")
    w, h = true.image_size
    g = np.stack(np.meshgrid(np.arange(0, w, step_px), np.arange(0, h, step_px)), -1)
    g = g.reshape(-1, 2).astype(float)
    q = true.to_camera_mm(g, on_invalid="nan")
    ok = np.all(np.isfinite(q), axis=1)
    g, q = g[ok], q[ok]

    def fit_gauge(affine: bool) -> np.ndarray:
        # camera-plane transform that best aligns the estimated projection with the true one
        x = np.zeros(6 if affine else 3)
        for _ in range(5):
            def moved(v: np.ndarray) -> np.ndarray:
                if affine:
                    M = np.array([[1 + v[0], v[1]], [v[2], 1 + v[3]]])
                    return q @ M.T + v[4:6]
                c, s = np.cos(v[0]), np.sin(v[0])
                return q @ np.array([[c, -s], [s, c]]).T + v[1:3]
            r = (estimated.project_camera_mm(moved(x)) - g).ravel()
            J = []
            for k in range(x.size):
                e = np.zeros(x.size)
                e[k] = 1e-7
                J.append(((estimated.project_camera_mm(moved(x + e))
                           - estimated.project_camera_mm(moved(x - e))) / 2e-7).ravel())
            x = x - np.linalg.lstsq(np.stack(J, 1), r, rcond=None)[0]
        return np.linalg.norm((estimated.project_camera_mm(moved(x)) - g), axis=1)

    d = fit_gauge(False)
    da = fit_gauge(True)
    return {"rms_px": float(np.sqrt(np.mean(d ** 2))), "max_px": float(d.max()),
            "distortion_rms_px": float(np.sqrt(np.mean(da ** 2))),
            "distortion_max_px": float(da.max()),
            "magnification_error": float(np.sqrt(estimated.sx * estimated.sy
                                                 / (true.sx * true.sy)) - 1.0),
            "n": int(len(g))}
