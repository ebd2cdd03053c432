"""Calibration targets of every kind, seen through a pinhole or a telecentric camera, with exact
ground truth: :class:`~metrology.calib.Checkerboard`, :class:`~metrology.calib.CharucoBoard`
(ArUco markers in the white squares) and :class:`~metrology.calib.MarkerCheckerboard`
(OpenCV's radon checkerboard with three dots), whole or partly in view.

Image formation is that of :func:`metrology.synth.render.render_scene` (sub-pixel samples,
optical blur at the fine resolution, pixel integration, vignetting, noise, quantisation).
Each fine sample is traced back through the exact lens model (the inverse is solved exactly
on the pixel grid and interpolated bilinearly between pixels) onto the board plane, and takes
the **area average of the board's printed pattern over its own footprint** there: the
footprint is the square of the sample's local size on the board (from the Jacobian of the
pixel -> board map), and since the pattern is piecewise constant on a grid of lines (square
edges, marker cells, paper edge), that average is exact, ``sum w_x w_y v`` over the at most
four cells the square overlaps.  The round dots of a marker checkerboard take the area
fraction of a linear ramp one footprint wide across their edge.  Edges are therefore unbiased
at any ``supersample``; the true corner positions are the forward projection of the board
corners, exact.

Telecentric cameras (:class:`~metrology.calib.telecentric.TelecentricCamera`) see the board
along parallel rays: a sample's camera-plane point ``(x, y)`` mm is moved along the optical
axis onto the board plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._serial import to_jsonable
from ..calib.board import Checkerboard
from ..calib.camera import CameraModel, rodrigues
from ..calib.targets import CharucoBoard, MarkerCheckerboard
from ..calib.telecentric import TelecentricCamera
from ..core.checks import (_numeric, as_vector, check_choice, check_finite, check_int, check_positive,
                           check_seed)
from ..errors import InputError
from .render import finish_image, render_scene

__all__ = ["TargetLook", "TargetRender", "render_target", "target_poses", "board_pose_towards"]


@dataclass(frozen=True, eq=False)
class TargetRender:
    """A rendered view of a target and its ground truth.

    Attributes
    ----------
    image : ndarray (h, w)
    corners_xy : ndarray (N, 2)
        True distorted pixel positions of all ``N`` inner corners in board order (NaN for a
        corner behind a pinhole camera).
    in_image : ndarray (N,) bool
        Corners at least 3 px inside the image.
    rvec, tvec : ndarray (3,)
        Board -> camera pose.
    """

    image: np.ndarray
    corners_xy: np.ndarray
    in_image: np.ndarray
    rvec: np.ndarray
    tvec: np.ndarray

    def to_dict(self) -> dict:
        return to_jsonable({"corners_xy": self.corners_xy, "in_image": self.in_image,
                            "rvec": self.rvec, "tvec": self.tvec,
                            "image_shape": list(self.image.shape)})


# ----------------------------------------------------------------------------- the pattern
class _Pattern:
    """The printed pattern of a board as a piecewise-constant function on a grid of lines."""

    def __init__(self, board: Any, margin_squares: float, levels: tuple[float, float, float]):
        self.board = board
        self.black, self.white, self.background = (float(v) for v in levels)
        sq = board.square_mm
        self.sq = sq
        m = margin_squares * sq
        self.paper = (-sq - m, board.cols * sq + m, -sq - m, board.rows * sq + m)
        cuts = [0.0, sq]
        self.charuco = isinstance(board, CharucoBoard)
        if self.charuco:
            cells = board.marker_cells()
            self.cells = cells
            s = cells.shape[1]
            self.margin = 0.5 * (sq - board.marker_mm)
            self.cell = board.marker_mm / s
            cuts += [self.margin + k * self.cell for k in range(s + 1)]
            table = np.full((board.rows + 1, board.cols + 1), -1, int)
            sqs = board.marker_squares()
            table[sqs[:, 1], sqs[:, 0]] = np.arange(len(sqs))
            self.table = table
        self.cuts = np.unique(np.array(cuts))
        self.dots = None
        if isinstance(board, MarkerCheckerboard):
            d = np.array(board.dots, float)
            self.dots = (d - 1.0 + 0.5) * sq  # square (i, j) spans [(i - 1) s, i s]
            self.dot_white = board.dot_is_white()
            self.dot_r = board.DOT_RADIUS * sq

    def nearest_line(self, v: np.ndarray, axis: int) -> np.ndarray:
        """The grid line nearest to each coordinate ``v`` (board mm) along one axis."""
        sq = self.sq
        base = np.floor(v / sq) * sq
        loc = v - base
        k = np.clip(np.searchsorted(self.cuts, loc), 1, len(self.cuts) - 1)
        lo, hi = self.cuts[k - 1], self.cuts[k]
        best = base + np.where(loc - lo <= hi - loc, lo, hi)
        for e in self.paper[2 * axis:2 * axis + 2]:
            best = np.where(np.abs(v - e) < np.abs(v - best), e, best)
        return best

    def value(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Point value: the gray level printed there (black, white, or the background beyond
        the paper)."""
        b, sq = self.board, self.sq
        x0, x1, y0, y1 = self.paper
        on_paper = (X >= x0) & (X < x1) & (Y >= y0) & (Y < y1)
        i = np.floor(X / sq).astype(np.int64) + 1  # square column from the top-left outer one
        j = np.floor(Y / sq).astype(np.int64) + 1
        in_sq = (i >= 0) & (i <= b.cols) & (j >= 0) & (j <= b.rows)
        if self.charuco:
            ic = np.clip(i, 0, b.cols)
            jc = np.clip(j, 0, b.rows)
            k = self.table[jc, ic]
            s = self.cells.shape[1]
            cx = np.floor((X - (i - 1) * sq - self.margin) / self.cell).astype(np.int64)
            cy = np.floor((Y - (j - 1) * sq - self.margin) / self.cell).astype(np.int64)
            in_mk = (cx >= 0) & (cx < s) & (cy >= 0) & (cy < s)
            cellv = self.cells[np.maximum(k, 0), np.clip(cy, 0, s - 1), np.clip(cx, 0, s - 1)]
            white_sq = (k >= 0) & ~(in_mk & ~cellv)
        else:
            white_sq = (i + j) % 2 == 1
        out = np.where(in_sq & ~white_sq, self.black, self.white)
        return np.where(on_paper, out, self.background)

    def average(self, X: np.ndarray, Y: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Area average of the pattern over the ``r x r`` square centred on each point (exact
        while ``r`` is below the smallest cell); dots by a ramp across their edge."""
        out = self.value(X, Y)
        rr = np.maximum(r, 1e-12)
        xl = self.nearest_line(X, 0)
        yl = self.nearest_line(Y, 1)
        # only samples whose footprint crosses a line need the four-cell average
        near = np.nonzero((np.abs(X - xl) < 0.5 * rr) | (np.abs(Y - yl) < 0.5 * rr))
        xn, yn, xln, yln, rn = X[near], Y[near], xl[near], yl[near], rr[near]
        e = 1e-7 * self.sq
        wx = np.clip(0.5 + (xn - xln) / rn, 0.0, 1.0)  # fraction on the + side of the line
        wy = np.clip(0.5 + (yn - yln) / rn, 0.0, 1.0)
        acc = np.zeros(xn.shape)
        for sx, fx in ((-1, 1 - wx), (1, wx)):
            for sy, fy in ((-1, 1 - wy), (1, wy)):
                acc += fx * fy * self.value(xln + sx * e, yln + sy * e)
        out[near] = acc
        if self.dots is not None:
            for (dx, dy), white in zip(self.dots, self.dot_white):
                dist = np.hypot(X - dx, Y - dy) - self.dot_r
                cov = np.clip(0.5 - dist / rr, 0.0, 1.0)
                out = out * (1 - cov) + cov * (self.white if white else self.black)
        return out


# ----------------------------------------------------------------------------- the camera side
def _camera_plane_grid(camera: Any, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact back-projection of every integer pixel from ``-pad`` to ``size - 1 + pad``:
    normalised rays ``(x/z, y/z)`` of a pinhole camera, camera-plane mm of a telecentric one
    (NaN outside the lens model's valid region).  Cached on the camera."""
    key = ("synth_targets_grid", pad)
    cache = getattr(camera, "_cache", None)
    if cache is not None and key in cache:
        return cache[key]
    w, h = camera.image_size
    xs = np.arange(-pad, w + pad, dtype=np.float64)
    ys = np.arange(-pad, h + pad, dtype=np.float64)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    if isinstance(camera, CameraModel):
        pts = camera.normalize(grid, on_invalid="nan")
    else:
        pts = camera.to_camera_mm(grid, on_invalid="nan")
    out = (pts[:, 0].reshape(len(ys), len(xs)), pts[:, 1].reshape(len(ys), len(xs)))
    if cache is not None:
        cache[key] = out
    return out


def _interp(grids: tuple[np.ndarray, np.ndarray], X: np.ndarray, Y: np.ndarray, pad: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear interpolation of the padded integer-pixel grids at sample positions (X, Y);
    separable sample grids (render_scene's) interpolate row bands, the rest point by point."""
    gx, gy = X + pad, Y + pad
    g0 = grids[0]
    xs, ys = gx[0], gy[:, 0]
    if np.array_equal(gx, np.broadcast_to(xs, gx.shape)) and \
            np.array_equal(gy, np.broadcast_to(ys[:, None], gy.shape)):
        ix = np.clip(np.floor(xs).astype(np.int64), 0, g0.shape[1] - 2)
        fx = xs - ix
        iy = np.clip(np.floor(ys).astype(np.int64), 0, g0.shape[0] - 2)
        fy = (ys - iy)[:, None]
        r0, r1 = int(iy.min()), int(iy.max()) + 2
        out = []
        for g in grids:
            band = g[r0:r1]
            bx = band[:, ix] * (1 - fx) + band[:, ix + 1] * fx
            out.append(bx[iy - r0] * (1 - fy) + bx[iy - r0 + 1] * fy)
        return out[0], out[1]
    ix = np.clip(np.floor(gx).astype(np.int64), 0, g0.shape[1] - 2)
    iy = np.clip(np.floor(gy).astype(np.int64), 0, g0.shape[0] - 2)
    fx, fy = gx - ix, gy - iy
    out = []
    for g in grids:
        out.append((1 - fx) * (1 - fy) * g[iy, ix] + fx * (1 - fy) * g[iy, ix + 1]
                   + (1 - fx) * fy * g[iy + 1, ix] + fx * fy * g[iy + 1, ix + 1])
    return out[0], out[1]


def _to_board(camera: Any, R: np.ndarray, t: np.ndarray, u: np.ndarray, v: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Camera-side coordinates -> board-plane mm ``(X, Y)`` and a validity mask."""
    if isinstance(camera, CameraModel):  # ray (u, v, 1) meets the plane
        Hi = np.linalg.inv(np.column_stack([R[:, 0], R[:, 1], t]))
        d = Hi[2, 0] * u + Hi[2, 1] * v + Hi[2, 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            X = (Hi[0, 0] * u + Hi[0, 1] * v + Hi[0, 2]) / d
            Y = (Hi[1, 0] * u + Hi[1, 1] * v + Hi[1, 2]) / d
        ok = np.isfinite(X) & np.isfinite(Y) & (d > 0)
    else:  # line parallel to the optical axis through (u, v): [r1 r2] (X, Y) = (u, v) - t_xy
        A = np.linalg.inv(R[:2, :2])
        a, b = u - t[0], v - t[1]
        X = A[0, 0] * a + A[0, 1] * b
        Y = A[1, 0] * a + A[1, 1] * b
        ok = np.isfinite(X) & np.isfinite(Y)
    return np.where(ok, X, 1e9), np.where(ok, Y, 1e9), ok


@dataclass(frozen=True)
class TargetLook:
    """How a printed target looks in the image (the settings of :func:`render_target`).

    Attributes
    ----------
    blur_px : float
        Gaussian optical blur sigma in pixels (applied before pixel integration).
    noise_sigma : float
        Additive Gaussian noise in gray levels.
    vignetting : float
        Relative brightness loss at the image corners (``1 - v (r / r_corner)^2``).
    black, white, background : float
        Gray levels of the print's black, its white (squares, markers, paper), and what lies
        beyond the paper.
    margin_squares : float
        White paper margin around the outer squares, in squares.
    """

    blur_px: float = 0.8
    noise_sigma: float = 2.0
    vignetting: float = 0.15
    black: float = 35.0
    white: float = 215.0
    background: float = 110.0
    margin_squares: float = 0.75

    def __post_init__(self) -> None:
        for name in ("blur_px", "noise_sigma", "vignetting", "margin_squares"):
            check_positive(getattr(self, name), f"TargetLook.{name}", allow_zero=True)
        for name in ("black", "white", "background"):
            v = check_positive(getattr(self, name), f"TargetLook.{name}", allow_zero=True)
            if v > 65535:
                raise InputError(f"TargetLook.{name}: expected a gray level <= 65535, given {v}")


def _check_camera_board(camera: Any, board: Any) -> None:
    """:class:`InputError` unless ``camera`` is a pinhole or telecentric camera and ``board``
    a board of :mod:`metrology.calib`."""
    if not isinstance(camera, (CameraModel, TelecentricCamera)):
        raise InputError(f"camera: expected a CameraModel or TelecentricCamera, given "
                         f"{type(camera).__name__}")
    if not isinstance(board, (Checkerboard, CharucoBoard, MarkerCheckerboard)):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")


def _angles(v: Any, name: str, n: int = 2, limit: float = 89.0) -> np.ndarray:
    """``n`` finite angles (degrees) within ``+-limit``."""
    a = as_vector(v, name, n)
    if np.any(np.abs(a) > limit):
        raise InputError(f"{name}: expected angles within +-{limit} deg, given {a.tolist()}")
    return a


def render_target(camera: Any, board: Any, rvec: Any, tvec: Any, *,
                  look: TargetLook | None = None, supersample: int = 4, bits: int = 8,
                  rng: np.random.Generator | int | None = 0) -> TargetRender:
    """Render ``board`` at pose ``(rvec, tvec)`` through ``camera``.

    Parameters
    ----------
    camera : CameraModel or TelecentricCamera
        The true camera.
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
    rvec, tvec : array_like (3,)
        Board -> camera pose (mm); a pinhole camera needs the board in front (``z > 0``).
    look : TargetLook, optional
        Blur, noise, vignetting, gray levels, paper margin (default ``TargetLook()``).
    supersample : int
        Sub-samples per pixel and axis (1..16); the footprint average makes edges unbiased at
        any value, 4 resolves the blur profile well.
    bits : {8, 16, 0}
        Output quantisation (0: float32).
    rng : Generator or int or None
        Noise source.

    Returns
    -------
    TargetRender

    Examples
    --------
    >>> from metrology.calib import CameraModel, CharucoBoard
    >>> cam = CameraModel([[400, 0, 159.5], [0, 400, 119.5], [0, 0, 1]], [-0.1, 0, 0, 0, 0],
    ...                   (320, 240))
    >>> r = render_target(cam, CharucoBoard(8, 6, 10.0, 7.5), [0.1, -0.2, 0.0],
    ...                   [-30.0, -20.0, 150.0], supersample=2)
    >>> r.image.shape, int(r.in_image.sum())
    ((240, 320), 35)
    """
    _check_camera_board(camera, board)
    look = TargetLook() if look is None else look
    if not isinstance(look, TargetLook):
        raise InputError(f"look: expected a TargetLook, given {type(look).__name__}")
    if isinstance(supersample, bool) or not isinstance(supersample, (int, np.integer)) or \
            not 1 <= supersample <= 16:
        raise InputError(f"supersample: expected an integer 1..16, given {supersample!r}")
    if not isinstance(board, (Checkerboard, CharucoBoard, MarkerCheckerboard)):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    rvec = as_vector(np.reshape(_numeric(rvec, "rvec", "3 numbers"), -1), "rvec", 3)
    tvec = as_vector(np.reshape(_numeric(tvec, "tvec", "3 numbers"), -1), "tvec", 3)
    R = rodrigues(rvec)
    telecentric = not isinstance(camera, CameraModel)
    if telecentric and abs(R[2, 2]) < 1e-3:
        raise InputError("render_target: the board is seen edge-on by the telecentric camera")
    pad = 3
    grids = _camera_plane_grid(camera, pad)
    pattern = _Pattern(board, look.margin_squares, (look.black, look.white, look.background))

    def radiance(Xp: np.ndarray, Yp: np.ndarray) -> np.ndarray:
        u, v = _interp(grids, Xp, Yp, pad)
        X, Y, ok = _to_board(camera, R, tvec, u, v)
        # footprint of one sample on the board: sqrt|det J| with J per fine step
        dxr, dxc = np.gradient(X)
        dyr, dyc = np.gradient(Y)
        r = np.sqrt(np.abs(dxc * dyr - dxr * dyc))
        r = np.where(np.isfinite(r) & ok, r, 0.0)
        return np.where(ok, pattern.average(X, Y, r), look.background)

    w_img, h_img = camera.image_size
    clean = render_scene(radiance, (h_img, w_img), supersample=int(supersample),
                         psf_sigma_px=look.blur_px)
    ys, xs = np.mgrid[0:h_img, 0:w_img]
    r2 = ((xs - (w_img - 1) / 2) ** 2 + (ys - (h_img - 1) / 2) ** 2) / (
        ((w_img - 1) / 2) ** 2 + ((h_img - 1) / 2) ** 2)
    image = finish_image(clean, noise_sigma=look.noise_sigma, rng=rng,
                         gain=1.0 - float(look.vignetting) * r2, bits=bits)
    corners = _project_corners(camera, board.object_points(), rvec, tvec)
    inside = np.all(np.isfinite(corners), axis=1)
    cxy = np.where(inside[:, None], corners, -1e9)
    inside &= (cxy[:, 0] >= 3) & (cxy[:, 0] <= w_img - 4) & (cxy[:, 1] >= 3) & \
        (cxy[:, 1] <= h_img - 4)
    return TargetRender(image, corners, inside, rvec, tvec)


def _project_corners(camera: Any, obj: np.ndarray, rvec: np.ndarray, tvec: np.ndarray
                     ) -> np.ndarray:
    """Exact distorted pixels of board points ``(N, 2)``; NaN behind a pinhole camera or
    beyond the lens model's valid region."""
    P = obj @ rodrigues(rvec).T + tvec
    out = np.full((len(obj), 2), np.nan)
    if isinstance(camera, CameraModel):
        front = P[:, 2] > 1e-9
        if np.any(front):
            xy = P[front, :2] / P[front, 2:3]
            ok = np.linalg.norm(xy, axis=1) <= camera.valid_radius
            px = camera.project(np.column_stack([xy[ok], np.ones(int(ok.sum()))]))
            idx = np.nonzero(front)[0][ok]
            out[idx] = px
        return out
    return camera.project(obj, rvec, tvec)


# ----------------------------------------------------------------------------- poses
def board_pose_towards(camera: Any, board: Any, target_px: Any, *, distance_mm: float,
                       tilt_deg: tuple[float, float] = (0.0, 0.0), roll_deg: float = 0.0,
                       anchor_mm: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Board -> camera pose that puts the board point ``anchor_mm`` (default: the board's
    centre) on the image point ``target_px`` at ``distance_mm`` along that pixel's ray (a
    pinhole camera) or at depth ``distance_mm`` (telecentric), the board turned by
    ``roll_deg`` about its normal and tilted by ``tilt_deg`` about its X and Y axes."""
    _check_camera_board(camera, board)
    distance_mm = check_finite(distance_mm, "distance_mm", min=-1e6, max=1e6)
    if isinstance(camera, CameraModel) and not distance_mm > 0:
        raise InputError(f"distance_mm: a pinhole camera needs the board in front of it "
                         f"(> 0), given {distance_mm}")
    sq = board.square_mm
    anchor = (np.array([(board.cols - 1) * sq / 2, (board.rows - 1) * sq / 2, 0.0])
              if anchor_mm is None else np.r_[as_vector(anchor_mm, "anchor_mm", 2), 0.0])
    ax, ay = np.radians(_angles(tilt_deg, "tilt_deg"))
    rz = np.radians(check_finite(roll_deg, "roll_deg", min=-360.0, max=360.0))
    Rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    Ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    Rz = np.array([[np.cos(rz), -np.sin(rz), 0], [np.sin(rz), np.cos(rz), 0], [0, 0, 1]])
    R = Ry @ Rx @ Rz
    tp = as_vector(target_px, "target_px", 2).reshape(1, 2)
    if isinstance(camera, CameraModel):
        ray = np.r_[camera.normalize(tp)[0], 1.0]
        p = ray / np.linalg.norm(ray) * float(distance_mm)
    else:
        xy = camera.to_camera_mm(tp)[0]
        p = np.r_[xy, float(distance_mm)]
    t = p - R @ anchor
    w, _ = _rodrigues_vec(R)
    return w, t


def _rodrigues_vec(R: np.ndarray) -> tuple[np.ndarray, float]:
    """Rotation matrix -> rotation vector (and angle)."""
    c = np.clip((np.trace(R) - 1) / 2, -1.0, 1.0)
    th = float(np.arccos(c))
    if th < 1e-12:
        return np.zeros(3), 0.0
    if np.pi - th < 1e-6:
        # near a half turn: axis from the symmetric part
        M = (R + np.eye(3)) / 2
        k = np.sqrt(np.maximum(np.diag(M), 0))
        i = int(np.argmax(k))
        k = M[i] / k[i]
        return k / np.linalg.norm(k) * th, th
    k = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]]) / (2 * np.sin(th))
    return k * th, th


def target_poses(camera: Any, board: Any, n: int, *, reach: str = "full",
                 distance_mm: float | None = None, max_tilt_deg: float = 35.0,
                 max_roll_deg: float = 20.0, min_corners: int = 20,
                 rng: np.random.Generator | int | None = 0
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` varied board poses for a calibration set.

    Parameters
    ----------
    camera : CameraModel or TelecentricCamera
    board : any board
    n : int
    reach : {"full", "corners"}
        ``"full"``: the whole board (with its paper margin) inside the image, as a plain
        checkerboard needs.  ``"corners"``: views of a board larger than the image, aimed in
        turn at the four image corners, the four edges and the centre, so that the corners
        of the image are covered; only corners in the image count.
    distance_mm : float, optional
        Working distance (pinhole: along the ray; default so the board spans ~0.6 of the
        image width for ``"full"`` and ~1.3 for ``"corners"``).  A telecentric camera needs
        none (depth does not matter).
    max_tilt_deg, max_roll_deg : float
        Largest tilt about the board's X/Y axes and turn about its normal.
    min_corners : int
        Fewest corners a ``"corners"`` view must show.

    Returns
    -------
    list of (rvec, tvec)
    """
    _check_camera_board(camera, board)
    n = check_int(n, "n", min=1, max=200)
    check_choice(reach, "reach", ("full", "corners"))
    if distance_mm is not None:
        distance_mm = check_positive(distance_mm, "distance_mm", max=1e6)
    max_tilt_deg = abs(check_finite(max_tilt_deg, "max_tilt_deg", min=0.0, max=80.0))
    max_roll_deg = abs(check_finite(max_roll_deg, "max_roll_deg", min=0.0, max=180.0))
    min_corners = check_int(min_corners, "min_corners", min=4, max=board.n_corners)
    rng = check_seed(rng)
    w, h = camera.image_size
    sq = board.square_mm
    bw = (board.cols + 1) * sq
    pinhole = isinstance(camera, CameraModel)
    if distance_mm is None:
        span = 0.6 if reach == "full" else 1.3
        distance_mm = camera.fx * bw / (span * w) if pinhole else 0.0
    elif pinhole and not 0.2 * w < camera.fx * bw / distance_mm < (1.0 if reach == "full"
                                                                      else 20.0) * w:
        raise InputError(f"distance_mm: at {distance_mm} mm the board would span "
                         f"{camera.fx * bw / distance_mm:.0f} px of the {w} px wide image; "
                         f"give a distance where it spans 0.2 .. "
                         f"{'1' if reach == 'full' else '20'} x the image")
    outline = np.array([[-1.75 * sq, -1.75 * sq, 0], [board.cols * sq + 0.75 * sq, -1.75 * sq, 0],
                        [board.cols * sq + 0.75 * sq, board.rows * sq + 0.75 * sq, 0],
                        [-1.75 * sq, board.rows * sq + 0.75 * sq, 0]])
    aims = np.array([[0.03, 0.03], [0.97, 0.03], [0.97, 0.97], [0.03, 0.97], [0.5, 0.5],
                     [0.5, 0.03], [0.97, 0.5], [0.5, 0.97], [0.03, 0.5]])
    poses: list[tuple[np.ndarray, np.ndarray]] = []
    obj = board.object_points()
    for _ in range(50 * n + 500):  # (the test scenes need at most ~60 tries per pose)
        if len(poses) == n:
            break
        tilt = rng.uniform(-max_tilt_deg, max_tilt_deg, 2)
        roll = rng.uniform(-max_roll_deg, max_roll_deg)
        d = float(distance_mm) * rng.uniform(0.9, 1.1)
        if reach == "full":
            target = np.array([rng.uniform(0.3, 0.7) * (w - 1), rng.uniform(0.3, 0.7) * (h - 1)])
            pose = board_pose_towards(camera, board, target, distance_mm=d, tilt_deg=tilt,
                                      roll_deg=roll)
            try:
                px = _project_corners(camera, outline, *pose)
            except InputError:
                continue
            if np.all(np.isfinite(px)) and np.all(px[:, 0] > 8) and np.all(px[:, 0] < w - 9) \
                    and np.all(px[:, 1] > 8) and np.all(px[:, 1] < h - 9):
                poses.append(pose)
            continue
        a = aims[len(poses) % len(aims)]
        target = np.array([a[0] * (w - 1), a[1] * (h - 1)])
        # the board point put on the aimed image point lies as far into the board as the
        # aim lies into the image, so the board covers the image from there inwards
        f = np.clip(0.15 + 0.7 * a + rng.uniform(-0.05, 0.05, 2), 0, 1)
        anchor = np.array([f[0] * (board.cols - 1) * sq, f[1] * (board.rows - 1) * sq])
        if isinstance(board, MarkerCheckerboard):  # its dots must stay in view
            a = 0.5 + 0.55 * (a - 0.5)
            target = np.array([a[0] * (w - 1), a[1] * (h - 1)])
            anchor = (np.mean(board.dots, axis=0) - 0.5) * sq + rng.uniform(-1.5, 1.5, 2) * sq
        pose = board_pose_towards(camera, board, target, distance_mm=d, tilt_deg=tilt,
                                  roll_deg=roll, anchor_mm=anchor)
        px = _project_corners(camera, obj, *pose)
        ok = np.all(np.isfinite(px), axis=1)
        inside = ok & (np.nan_to_num(px[:, 0], nan=-1) > 6) & \
            (np.nan_to_num(px[:, 0], nan=-1) < w - 7) & \
            (np.nan_to_num(px[:, 1], nan=-1) > 6) & (np.nan_to_num(px[:, 1], nan=-1) < h - 7)
        if inside.sum() >= min_corners:
            poses.append(pose)
    if len(poses) < n:
        raise InputError(f"target_poses: found only {len(poses)} of {n} poses; lower the tilt "
                         f"or min_corners, or change distance_mm")
    return poses
