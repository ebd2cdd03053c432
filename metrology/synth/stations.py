"""Stations with exact ground truth: a telecentric camera over a plane, two cameras over one
plane, and parts on the plane seen whole or in part by each camera.

:class:`PlaneView` is a camera (pinhole :class:`~metrology.calib.CameraModel` or
:class:`~metrology.calib.telecentric.TelecentricCamera`) looking at a measuring plane whose
millimetre frame is that of the board lying on it.  It has the interface of
:class:`metrology.synth.demo.DemoStation` (``camera``, ``rvec``, ``tvec``, ``board``,
``center_mm``, ``project``, ``mm_per_px``, ``plane_maps``), so the demo's part renderer and
recipe builder accept it.  :func:`render_part` renders a part on the plane, also when only part
of it is in view, by the demo's image formation (each fine sample takes the area-weighted value
of a linear ramp one sample wide across every edge, traced back through the exact lens model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..calib.board import Checkerboard
from ..calib.camera import CameraModel, rodrigues
from ..calib.telecentric import TelecentricCamera, rotation_vector
from ..core.checks import as_vector, check_finite, check_int, check_positive
from ..core.pose import Pose2D
from ..errors import InputError
from .demo import DemoStation
from .render import finish_image, render_scene
from .targets import _angles, _camera_plane_grid, _check_camera_board, _to_board

__all__ = ["PlaneView", "plane_view", "telecentric_camera", "render_part", "two_camera_rig"]


@dataclass(frozen=True, eq=False)
class PlaneView(DemoStation):
    """A camera over a measuring plane (see the module docstring): the demo's station for
    any camera, pinhole or telecentric.

    Attributes
    ----------
    camera : CameraModel or TelecentricCamera
    rvec, tvec : ndarray (3,)
        Plane frame (``Z = 0``) -> camera frame.
    board : Checkerboard or other board
        The board lying on the plane that locates it (its frame is the plane's).
    center_mm : ndarray (2,)
        The plane point seen at the image centre.
    """

    def __post_init__(self) -> None:
        from ..calib.targets import is_partial_board

        if not isinstance(self.camera, (CameraModel, TelecentricCamera)):
            raise InputError(f"PlaneView.camera: expected a CameraModel or TelecentricCamera, "
                             f"given {type(self.camera).__name__}")
        if not isinstance(self.board, Checkerboard) and not is_partial_board(self.board):
            raise InputError(f"PlaneView.board: expected a Checkerboard, CharucoBoard or "
                             f"MarkerCheckerboard, given {type(self.board).__name__}")
        for f, n in (("rvec", 3), ("tvec", 3), ("center_mm", 2)):
            object.__setattr__(self, f, as_vector(getattr(self, f), f"PlaneView.{f}", n))
        if isinstance(self.camera, CameraModel) and not self.tvec[2] > 0:
            raise InputError("PlaneView.tvec: the plane must lie in front of the camera "
                             f"(z > 0), given z = {self.tvec[2]}")

    def plane_maps(self, pad: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Plane coordinates ``(X, Y)`` mm of every integer pixel from ``-pad`` to
        ``size - 1 + pad`` (exact inverse of the lens model), cached."""
        pad = check_int(pad, "pad", min=0, max=1024)
        key = ("maps", pad)
        if key not in self._cache:
            u, v = _camera_plane_grid(self.camera, pad)
            X, Y, ok = _to_board(self.camera, rodrigues(self.rvec), self.tvec, u, v)
            self._cache[key] = (np.where(ok, X, np.nan), np.where(ok, Y, np.nan))
        return self._cache[key]


def plane_view(camera: Any, *, mm_per_px: float | None = None, distance_mm: float | None = None,
               tilt_deg: tuple[float, float] = (0.0, 0.0), roll_deg: float = 0.0,
               center_mm: Any = (0.0, 0.0), board: Any = None) -> PlaneView:
    """A plane tilted by ``tilt_deg`` (about its X and Y axes) and turned by ``roll_deg``,
    whose point ``center_mm`` is seen at the image centre.

    A pinhole camera needs ``distance_mm`` (along its axis) or ``mm_per_px`` (the distance
    that gives it); a telecentric camera needs neither.  ``board`` (default 11 x 8 inner
    corners, 3 mm squares) is the target laid on the plane.
    """
    board = board if board is not None else Checkerboard(cols=11, rows=8, square_mm=3.0)
    _check_camera_board(camera, board)
    ax, ay = (math.radians(a) for a in _angles(tilt_deg, "tilt_deg"))
    rz = math.radians(check_finite(roll_deg, "roll_deg", min=-360.0, max=360.0))
    Rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    Ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    Rz = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    R = Rz @ Ry @ Rx
    c = np.r_[as_vector(center_mm, "center_mm", 2), 0.0]
    w, h = camera.image_size
    if isinstance(camera, CameraModel):
        if distance_mm is None:
            if mm_per_px is None:
                raise InputError("plane_view: a pinhole camera needs distance_mm or mm_per_px")
            distance_mm = check_positive(mm_per_px, "mm_per_px", max=1e3) * 0.5 * (
                camera.fx + camera.fy)
        distance_mm = check_positive(distance_mm, "distance_mm", max=1e7)
        ray = np.r_[camera.normalize([[(w - 1) / 2, (h - 1) / 2]])[0], 1.0]
        p = ray * float(distance_mm)
    else:
        p = np.r_[camera.to_camera_mm([[(w - 1) / 2, (h - 1) / 2]])[0], 0.0]
    t = p - R @ c
    return PlaneView(camera, rotation_vector(R), t, board, c[:2].copy())


def _image_size(v: Any) -> tuple[int, int]:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise InputError(f"image_size: expected (width, height), given {v!r:.60}")
    return (check_int(v[0], "image_size[0]", min=16, max=20000),
            check_int(v[1], "image_size[1]", min=16, max=20000))


def telecentric_camera(image_size: tuple[int, int] = (640, 480), *, mm_per_px: float = 0.04,
                       dist: Any = (-0.003, 0.001, 2e-4, -1e-4, 0.0),
                       principal_xy: Any = None, aspect: float = 1.0,
                       skew: float = 0.0) -> TelecentricCamera:
    """A telecentric camera: ``mm_per_px`` object-side pixels, a lens distortion of about
    0.1 % at the image corner, the centre of distortion a few pixels off the image centre
    (default); ``aspect`` and ``skew`` make it affine (a tilted sensor)."""
    w, h = _image_size(image_size)
    s = 1.0 / check_positive(mm_per_px, "mm_per_px", max=1e3)
    aspect = check_positive(aspect, "aspect", max=10.0)
    skew = check_finite(skew, "skew", min=-1.0, max=1.0)
    c = (np.array([(w - 1) / 2 - 1.3, (h - 1) / 2 + 3.6]) if principal_xy is None
         else as_vector(principal_xy, "principal_xy", 2))
    affine = aspect != 1.0 or skew != 0.0
    return TelecentricCamera([[s, skew * s, c[0]], [0, s * aspect, c[1]], [0, 0, 1]], dist,
                             (w, h), "telecentric_affine" if affine else "telecentric")


def render_part(view: PlaneView, part: Any, pose_mm: Pose2D, *, blur_px: float = 0.9,
                noise_sigma: float = 1.5, levels: tuple[float, float] = (190.0, 45.0),
                lighting: float = 0.08, supersample: int = 4,
                rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """Render ``part`` (anything with ``material(u, v, ramp_mm)``, e.g.
    :class:`~metrology.synth.demo.DemoPart`) placed on the plane at ``pose_mm`` (part frame
    -> plane frame); the part may extend beyond the image.

    Parameters
    ----------
    levels : (part, background)
        Gray levels of the part and of what is around it / seen through its holes.

    Returns
    -------
    ndarray (h, w) uint8
    """
    if not isinstance(view, DemoStation):
        raise InputError(f"view: expected a PlaneView, given {type(view).__name__}")
    if not callable(getattr(part, "material", None)):
        raise InputError(f"part: expected a part with material(u, v, ramp_mm) (e.g. DemoPart), "
                         f"given {type(part).__name__}")
    if not isinstance(pose_mm, Pose2D):
        raise InputError(f"pose_mm: expected a Pose2D, given {type(pose_mm).__name__}")
    blur_px = check_positive(blur_px, "blur_px", max=50.0)
    noise_sigma = check_positive(noise_sigma, "noise_sigma", allow_zero=True, max=1e4)
    lighting = check_finite(lighting, "lighting", min=0.0, max=0.9)
    supersample = check_int(supersample, "supersample", min=1, max=16)
    levels = as_vector(levels, "levels", 2)
    if np.any(levels < 0) or np.any(levels > 255):
        raise InputError(f"levels: expected gray levels 0..255, given {levels.tolist()}")
    w_img, h_img = view.camera.image_size
    pad = 3
    MX, MY = view.plane_maps(pad)
    inv = pose_mm.inverse()
    ramp_mm = view.mm_per_px() / supersample
    part_level, background = (float(v) for v in levels)

    def radiance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        gx, gy = X + pad, Y + pad
        ix = np.clip(np.floor(gx).astype(np.int64), 0, MX.shape[1] - 2)
        iy = np.clip(np.floor(gy).astype(np.int64), 0, MX.shape[0] - 2)
        fx, fy = gx - ix, gy - iy
        mx = ((1 - fx) * (1 - fy) * MX[iy, ix] + fx * (1 - fy) * MX[iy, ix + 1]
              + (1 - fx) * fy * MX[iy + 1, ix] + fx * fy * MX[iy + 1, ix + 1])
        my = ((1 - fx) * (1 - fy) * MY[iy, ix] + fx * (1 - fy) * MY[iy, ix + 1]
              + (1 - fx) * fy * MY[iy + 1, ix] + fx * fy * MY[iy + 1, ix + 1])
        m = inv.linear
        u = m[0, 0] * mx + m[0, 1] * my + inv.x
        v = m[1, 0] * mx + m[1, 1] * my + inv.y
        ok = np.isfinite(u) & np.isfinite(v)
        mat = part.material(np.where(ok, u, 1e9), np.where(ok, v, 1e9), ramp_mm)
        return background + (part_level - background) * np.where(ok, mat, 0.0)

    clean = render_scene(radiance, (h_img, w_img), supersample=supersample,
                         psf_sigma_px=blur_px)
    ys, xs = np.mgrid[0:h_img, 0:w_img]
    r2 = ((xs - (w_img - 1) / 2) ** 2 + (ys - (h_img - 1) / 2) ** 2) / (
        ((w_img - 1) / 2) ** 2 + ((h_img - 1) / 2) ** 2)
    return finish_image(clean, noise_sigma=noise_sigma, rng=rng, gain=1.0 - lighting * r2,
                        bits=8)


def two_camera_rig(image_size: tuple[int, int] = (480, 360), *, baseline_mm: float = 80.0,
                   toe_in_deg: float = 4.0, fx: float = 600.0) -> tuple[dict, np.ndarray]:
    """Two pinhole cameras ``"A"`` and ``"B"`` side by side, ``baseline_mm`` apart along x,
    each turned ``toe_in_deg`` towards the other, with different lenses.

    Returns
    -------
    cameras : dict name -> CameraModel
    T_B_A : ndarray (4, 4)
        Camera A's frame -> camera B's frame.
    """
    w, h = _image_size(image_size)
    baseline_mm = check_positive(baseline_mm, "baseline_mm", max=1e5)
    toe_in_deg = check_finite(toe_in_deg, "toe_in_deg", min=-45.0, max=45.0)
    fx = check_positive(fx, "fx", max=1e6)
    cam_a = CameraModel([[fx, 0, (w - 1) / 2 + 3.1], [0, fx * 1.001, (h - 1) / 2 - 2.4],
                         [0, 0, 1]], [-0.18, 0.09, 3e-4, -2e-4, -0.02], (w, h))
    cam_b = CameraModel([[fx * 1.02, 0, (w - 1) / 2 - 4.2], [0, fx * 1.02, (h - 1) / 2 + 1.7],
                         [0, 0, 1]], [-0.15, 0.06, -2e-4, 1e-4, 0.0], (w, h))
    def pose(cx: float, yaw_deg: float) -> np.ndarray:
        """W -> camera for a camera at x = ``cx`` in a common frame W, yawed by ``yaw_deg``."""
        R = rodrigues(np.array([0.0, math.radians(yaw_deg), 0.0]))  # camera -> W rotation
        T = np.eye(4)
        T[:3, :3] = R.T
        T[:3, 3] = -R.T @ np.array([cx, 0.0, 0.0])
        return T
    T_A_W = pose(-baseline_mm / 2, toe_in_deg)
    T_B_W = pose(baseline_mm / 2, -toe_in_deg)
    T_B_A = T_B_W @ np.linalg.inv(T_A_W)
    return {"A": cam_a, "B": cam_b}, T_B_A
