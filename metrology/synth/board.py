"""Checkerboards seen through a known camera: images with exact ground-truth corners.

The board lies in its own plane ``Z = 0`` with inner corner 0 at the origin, ``X`` along a row
of inner corners (``cols`` of them, ``square_mm`` apart) and ``Y`` down the rows.  Squares
extend one square beyond the inner corners (``(cols + 1) x (rows + 1)`` squares, the top-left
one black), then a white paper margin, then the background.

Image formation (:func:`metrology.synth.render.render_scene`): every sub-pixel sample is
back-projected through the exact lens model onto the board plane (the inverse distortion is
solved exactly on the pixel grid and interpolated bilinearly between pixels, an error below
``1e-4`` px for the lenses used here), blurred by the optics at the fine resolution, integrated
over the pixel, then vignetted, given Gaussian noise and quantised.  The true corner positions
are the forward projection of the board corners, so they are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..calib.board import Checkerboard
from ..calib.camera import CameraModel, rodrigues
from ..calib.camera import _pose_vector
from ..core.checks import (MAX_COORD, as_points, as_vector, check_finite, check_int, check_positive,
                           check_seed)
from ..errors import InputError
from .render import finish_image, render_scene

__all__ = ["render_board", "BoardLook", "BoardRender", "random_board_poses", "look_at_pose"]


def _check_camera_board(camera: Any, board: Any) -> None:
    if not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel, given {type(camera).__name__}")
    if not isinstance(board, Checkerboard):
        raise InputError(f"board: expected a Checkerboard, given {type(board).__name__}")


def _vec3(v: Any, name: str) -> np.ndarray:
    a = as_vector(v, name, 3)
    if np.max(np.abs(a)) > MAX_COORD:
        raise InputError(f"{name}: coordinates beyond {MAX_COORD:g}")
    return a


@dataclass(frozen=True)
class BoardRender:
    """A rendered board view and its ground truth.

    Attributes
    ----------
    image : ndarray (h, w) uint8/uint16/float32
    corners_xy : ndarray (N, 2) float64
        True distorted pixel positions of the inner corners, row-major from corner 0 (our
        detection order when corner 0 is the one nearest the image's top-left).
    rvec, tvec : ndarray (3,)
        Board -> camera pose (OpenCV convention).
    """

    image: np.ndarray
    corners_xy: np.ndarray
    rvec: np.ndarray
    tvec: np.ndarray

    def __post_init__(self) -> None:
        from ..image.io import check_image

        check_image(self.image, "BoardRender.image")
        object.__setattr__(self, "corners_xy", as_points(self.corners_xy,
                                                         "BoardRender.corners_xy",
                                                         allow_batch=False))
        object.__setattr__(self, "rvec", _pose_vector(self.rvec, "BoardRender.rvec", 1e6))
        object.__setattr__(self, "tvec", _pose_vector(self.tvec, "BoardRender.tvec", MAX_COORD))

    def to_dict(self) -> dict:
        return {"corners_xy": self.corners_xy.tolist(), "rvec": self.rvec.tolist(),
                "tvec": self.tvec.tolist(), "image_shape": list(self.image.shape)}


_MAX_LEVEL = 1e6


@dataclass(frozen=True)
class BoardLook:
    """How a rendered board looks: gray levels of the dark squares (``black``), the paper
    (``white``) and what lies beyond the paper (``background``); ``vignetting``, the relative
    brightness loss at the image corners (``gain = 1 - v * (r / r_corner)^2``); the white paper
    margin around the outer squares, in squares (``margin_squares``)."""

    black: float = 35.0
    white: float = 215.0
    background: float = 110.0
    vignetting: float = 0.15
    margin_squares: float = 0.75

    def __post_init__(self) -> None:
        for f in ("black", "white", "background"):
            object.__setattr__(self, f, check_finite(getattr(self, f), f"BoardLook.{f}",
                                                     min=-_MAX_LEVEL, max=_MAX_LEVEL))
        object.__setattr__(self, "vignetting", check_finite(
            self.vignetting, "BoardLook.vignetting", min=0.0, max=1.0))
        object.__setattr__(self, "margin_squares", check_finite(
            self.margin_squares, "BoardLook.margin_squares", min=0.0, max=100.0))


def _undistort_grid(camera: CameraModel, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact normalised rays at integer pixels from ``-pad`` to ``size - 1 + pad``."""
    w, h = camera.image_size
    xs = np.arange(-pad, w + pad, dtype=np.float64)
    ys = np.arange(-pad, h + pad, dtype=np.float64)
    grid = np.stack(np.meshgrid(xs, ys), -1)
    rays = camera.normalize(grid.reshape(-1, 2), on_invalid="nan").reshape(grid.shape)
    return rays[..., 0], rays[..., 1]


def render_board(camera: CameraModel, board: Checkerboard, rvec: Any, tvec: Any, *,
                 blur_px: float = 0.8, noise_sigma: float = 2.0, look: BoardLook | None = None,
                 supersample: int = 8, bits: int = 8,
                 rng: np.random.Generator | int | None = 0, **flat: Any) -> BoardRender:
    """Render ``board`` at pose ``(rvec, tvec)`` through ``camera``.

    Parameters
    ----------
    camera : CameraModel
        The true camera (any lens model).
    board : Checkerboard
    rvec, tvec : array_like (3,)
        Board -> camera rotation (Rodrigues) and translation in mm (board in front: tvec z > 0).
    blur_px : float
        Gaussian optical blur sigma in pixels (applied before pixel integration).
    noise_sigma : float
        Additive Gaussian noise in gray levels.
    look : BoardLook, optional
        Gray levels, vignetting and paper margin (default ``BoardLook()``: squares 35 on paper
        215, background 110, vignetting 0.15, margin 0.75 squares).
    supersample : int
        Sub-samples per pixel and axis (8: coverage exact to ~1/64 px area).
    bits : {8, 16, 0}
        Output quantisation (0: float32).
    **flat
        The fields of ``look`` may be given directly instead (``black=20``), as before
        ``BoardLook`` existed; not together with ``look``.

    Returns
    -------
    BoardRender
    """
    look = _board_look(look, flat)
    black, white, background = look.black, look.white, look.background
    vignetting, margin_squares = look.vignetting, look.margin_squares
    _check_camera_board(camera, board)
    blur_px = check_positive(blur_px, "blur_px", allow_zero=True, max=50.0)
    noise_sigma = check_positive(noise_sigma, "noise_sigma", allow_zero=True, max=1e4)
    rvec = _pose_vector(rvec, "rvec", 1e6)
    tvec = _pose_vector(tvec, "tvec", MAX_COORD)
    R = rodrigues(rvec)
    H = np.column_stack([R[:, 0], R[:, 1], tvec])  # board (X, Y, 1) -> ray (x, y, 1) * s
    if not abs(np.linalg.det(H)) > 1e-12 * max(1.0, float(np.abs(H).max()) ** 3):
        raise InputError("rvec, tvec: the board plane passes through the camera centre")
    Hinv = np.linalg.inv(H)
    pad = 3
    rx, ry = _undistort_grid(camera, pad)
    sq = board.square_mm
    x_lo, x_hi = -sq, board.cols * sq
    y_lo, y_hi = -sq, board.rows * sq
    m = margin_squares * sq

    def _interp_rays(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear interpolation of the exact inverse-distortion grid at (X, Y)."""
        gx = X + pad
        gy = Y + pad
        xs, ys = gx[0], gy[:, 0]
        if X.ndim == 2 and np.array_equal(gx, np.broadcast_to(xs, gx.shape)) and \
                np.array_equal(gy, np.broadcast_to(ys[:, None], gy.shape)):
            # separable sample grid (render_scene's): interpolate along x on the few grid rows
            # needed, then along y by whole-row gathers
            ix = np.clip(np.floor(xs).astype(np.int64), 0, rx.shape[1] - 2)
            fx = xs - ix
            iy = np.clip(np.floor(ys).astype(np.int64), 0, rx.shape[0] - 2)
            fy = (ys - iy)[:, None]
            r0, r1 = int(iy.min()), int(iy.max()) + 2
            out = []
            for grid in (rx, ry):
                band = grid[r0:r1]
                bx = band[:, ix] * (1 - fx) + band[:, ix + 1] * fx
                out.append(bx[iy - r0] * (1 - fy) + bx[iy - r0 + 1] * fy)
            return out[0], out[1]
        ix = np.clip(np.floor(gx).astype(np.int64), 0, rx.shape[1] - 2)
        iy = np.clip(np.floor(gy).astype(np.int64), 0, rx.shape[0] - 2)
        fx = gx - ix
        fy = gy - iy
        res = []
        for grid in (rx, ry):
            res.append((1 - fx) * (1 - fy) * grid[iy, ix] + fx * (1 - fy) * grid[iy, ix + 1]
                       + (1 - fx) * fy * grid[iy + 1, ix] + fx * fy * grid[iy + 1, ix + 1])
        return res[0], res[1]

    def radiance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        nx, ny = _interp_rays(X, Y)
        d = Hinv[2, 0] * nx + Hinv[2, 1] * ny + Hinv[2, 2]
        bx = (Hinv[0, 0] * nx + Hinv[0, 1] * ny + Hinv[0, 2]) / d
        by = (Hinv[1, 0] * nx + Hinv[1, 1] * ny + Hinv[1, 2]) / d
        valid = np.isfinite(bx) & np.isfinite(by) & (d > 0)
        bx = np.where(valid, bx, 1e9)
        by = np.where(valid, by, 1e9)
        in_squares = (bx >= x_lo) & (bx < x_hi) & (by >= y_lo) & (by < y_hi)
        on_paper = (bx >= x_lo - m) & (bx < x_hi + m) & (by >= y_lo - m) & (by < y_hi + m)
        parity = (np.floor(bx / sq) + np.floor(by / sq)) % 2 == 0
        out = np.full(X.shape, background, dtype=np.float64)
        out[on_paper] = white
        out[in_squares & parity] = black
        return out

    h_img = camera.image_size[1]
    w_img = camera.image_size[0]
    clean = render_scene(radiance, (h_img, w_img), supersample=supersample, psf_sigma_px=blur_px)
    ys, xs = np.mgrid[0:h_img, 0:w_img]
    r2 = ((xs - (w_img - 1) / 2) ** 2 + (ys - (h_img - 1) / 2) ** 2) / (
        ((w_img - 1) / 2) ** 2 + ((h_img - 1) / 2) ** 2)
    gain = 1.0 - float(vignetting) * r2
    image = finish_image(clean, noise_sigma=noise_sigma, rng=rng, gain=gain, bits=bits)
    corners = camera.project(board.object_points(), rvec, tvec)
    return BoardRender(image=image, corners_xy=corners, rvec=rvec, tvec=tvec)


def _board_look(look: BoardLook | None, flat: dict) -> BoardLook:
    fields = set(BoardLook.__dataclass_fields__)
    unknown = sorted(set(flat) - fields)
    if unknown:
        raise InputError(f"render_board: unknown argument(s) {', '.join(unknown)}")
    if look is None:
        return BoardLook(**flat)
    if not isinstance(look, BoardLook):
        raise InputError(f"look: expected a BoardLook, given {type(look).__name__}")
    if flat:
        raise InputError("render_board: give the look's fields either in look= or as "
                         "keywords, not both")
    return look


def look_at_pose(eye_mm: Any, target_mm: Any, up: Any = (0.0, -1.0, 0.0)
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Board -> camera pose ``(rvec, tvec)`` of a camera at ``eye_mm`` (board frame, board at
    ``Z = 0``, camera on the ``Z < 0`` side) looking at ``target_mm``; ``up`` is the board-frame
    direction that appears upward in the image."""
    import cv2

    eye = _vec3(eye_mm, "eye_mm")
    z = _vec3(target_mm, "target_mm") - eye
    up = _vec3(up, "up")
    if not np.linalg.norm(z) > 0:
        raise InputError("look_at_pose: eye_mm and target_mm are the same point")
    z /= np.linalg.norm(z)
    x = np.cross(-up, z)
    if not np.linalg.norm(x) > 1e-9 * max(np.linalg.norm(up), 1e-300):
        raise InputError("look_at_pose: `up` is zero or along the viewing direction")
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])  # rows: camera axes in board frame -> board -> camera rotation
    t = -R @ eye
    rvec, _ = cv2.Rodrigues(R)
    return rvec.ravel(), t


def random_board_poses(board: Checkerboard, camera: CameraModel, n: int, *,
                       rng: np.random.Generator | int | None = 0, fill: tuple[float, float] =
                       (0.45, 0.8), max_tilt_deg: float = 40.0, max_roll_deg: float = 25.0,
                       margin_px: float = 12.0, max_tries: int = 2000
                       ) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` varied board poses whose whole board (paper margin included) stays inside the
    image with ``margin_px`` to spare: tilts up to ``max_tilt_deg``, in-plane roll up to
    ``max_roll_deg``, the board spanning ``fill`` of the image width, spread over the image."""
    import cv2

    _check_camera_board(camera, board)
    n = check_int(n, "n", min=1, max=10_000)
    rng = check_seed(rng)
    fill = as_vector(fill, "fill", 2)
    if not (0 < fill[0] <= fill[1] <= 2):
        raise InputError(f"fill: expected 0 < low <= high <= 2 (fraction of the image width), "
                         f"given {fill.tolist()}")
    max_tilt_deg = check_finite(max_tilt_deg, "max_tilt_deg", min=0.0, max=85.0) + 0.0
    max_roll_deg = check_finite(max_roll_deg, "max_roll_deg", min=0.0, max=180.0) + 0.0
    w, h = camera.image_size
    # (+ 0.0 turns -0.0 into 0.0: rng.uniform(0, -0.0) refuses the interval)
    margin_px = check_finite(margin_px, "margin_px", min=0.0, max=(min(w, h) - 1) / 2)
    max_tries = check_int(max_tries, "max_tries", min=1, max=1_000_000)
    sq = board.square_mm
    bw = (board.cols + 1) * sq
    centre = np.array([(board.cols - 1) * sq / 2, (board.rows - 1) * sq / 2, 0.0])
    outline = np.array([[-1.75 * sq, -1.75 * sq, 0], [board.cols * sq + 0.75 * sq, -1.75 * sq, 0],
                        [board.cols * sq + 0.75 * sq, board.rows * sq + 0.75 * sq, 0],
                        [-1.75 * sq, board.rows * sq + 0.75 * sq, 0]])
    poses = []
    for _ in range(max_tries):
        if len(poses) == n:
            break
        f = rng.uniform(*fill)
        dist = camera.fx * bw / (f * w)
        tilt = np.radians(rng.uniform(0, max_tilt_deg))
        az = rng.uniform(0, 2 * np.pi)
        eye = centre + dist * np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az),
                                        -np.cos(tilt)])
        roll = np.radians(rng.uniform(-max_roll_deg, max_roll_deg))
        up = np.array([np.sin(roll), -np.cos(roll), 0.0])
        rvec, tvec = look_at_pose(eye, centre, up)
        # shift the board within the image so views cover the corners too
        R, _ = cv2.Rodrigues(rvec)
        shift = np.array([rng.uniform(-0.35, 0.35) * w, rng.uniform(-0.35, 0.35) * h])
        tvec = tvec + np.array([shift[0] / camera.fx, shift[1] / camera.fy, 0.0]) * tvec[2]
        cam_pts = outline @ R.T + tvec
        if np.any(cam_pts[:, 2] <= 0):
            continue
        try:
            px = camera.project(outline, rvec, tvec)
        except InputError:
            continue
        if np.all(px[:, 0] > margin_px) and np.all(px[:, 0] < w - 1 - margin_px) and \
                np.all(px[:, 1] > margin_px) and np.all(px[:, 1] < h - 1 - margin_px):
            poses.append((rvec, tvec))
    if len(poses) < n:
        raise InputError(f"random_board_poses: found only {len(poses)} of {n} poses that keep "
                         f"the board inside the image; lower `fill` or the tilt")
    return poses
