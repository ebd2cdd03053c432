"""The demo part: a machined plate with holes, rendered on a measuring plane through a camera.

Ground truth is exact by construction: the plate's dimensions are defined in millimetres on the
measuring plane (the frame of a checkerboard lying on that plane), the camera (intrinsics and
lens distortion) is the one the shipped ``calib_images/`` were rendered with, and each image
pixel is traced back through the lens onto the plane, where the plate is evaluated.

Image formation follows :func:`metrology.synth.render.render_scene`: sub-pixel samples, optical
blur at the fine resolution, pixel integration, lighting, noise, 8-bit.  Each fine sample takes
the *area-weighted* value of a linear ramp one sample wide across every edge (signed distance in
mm converted to samples), so edge positions carry no sample-grid quantisation bias even at
``supersample=4``.  Only the part's bounding box is rendered; the rest of the image is the flat
background it would be anyway.

Part frame: origin at the plate centre, x to the right, y down (like the image), millimetres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.checks import as_points, check_finite, check_int, check_positive, check_seed
from ..core.pose import Pose2D
from ..errors import InputError
from .render import MAX_PSF_SIGMA_PX, check_supersample, finish_image, render_scene

#: Largest plate dimension / hole diameter of a demo part (mm) and largest plane sampling.
_MAX_MM = 1e6

__all__ = ["DemoHole", "DemoPart", "DemoStation", "DemoRender", "demo_part", "demo_station",
           "render_demo_part", "render_plane_board", "default_demo_camera"]


@dataclass(frozen=True)
class DemoHole:
    """A through hole: centre ``(x, y)`` in the part frame and diameter, mm."""

    name: str
    x: float
    y: float
    diameter: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"DemoHole.name: expected a non-empty string, given "
                             f"{self.name!r:.40}")
        for f in ("x", "y"):
            object.__setattr__(self, f, check_finite(getattr(self, f), f"DemoHole.{f}",
                                                     min=-_MAX_MM, max=_MAX_MM))
        object.__setattr__(self, "diameter", check_positive(self.diameter, "DemoHole.diameter",
                                                            max=_MAX_MM))


@dataclass(frozen=True)
class DemoPart:
    """A rectangular plate ``width`` x ``height`` mm with one chamfered corner (top right,
    ``chamfer`` mm legs, so the part has one orientation) and round holes.

    All dimensions are exact ground truth.
    """

    width: float = 22.0
    height: float = 14.0
    chamfer: float = 4.0
    holes: tuple[DemoHole, ...] = (DemoHole("hole_a", -6.0, -2.0, 4.0),
                                   DemoHole("hole_b", 4.5, 1.5, 6.0),
                                   DemoHole("hole_c", -6.5, 4.0, 2.5))

    def __post_init__(self) -> None:
        for f in ("width", "height"):
            object.__setattr__(self, f, check_positive(getattr(self, f), f"DemoPart.{f}",
                                                       max=_MAX_MM))
        c = check_positive(self.chamfer, "DemoPart.chamfer", allow_zero=True)
        if c >= min(self.width, self.height):
            raise InputError(f"DemoPart.chamfer: expected less than the plate's width and "
                             f"height, given {c}")
        object.__setattr__(self, "chamfer", c)
        if isinstance(self.holes, (str, bytes)) or not hasattr(self.holes, "__iter__"):
            raise InputError("DemoPart.holes: expected a sequence of DemoHole")
        holes = tuple(self.holes)
        if not all(isinstance(h, DemoHole) for h in holes):
            raise InputError("DemoPart.holes: expected a sequence of DemoHole")
        object.__setattr__(self, "holes", holes)

    def hole(self, name: str) -> DemoHole:
        """The hole called ``name``; :class:`InputError` if there is none."""
        for h in self.holes:
            if h.name == name:
                return h
        raise InputError(f"hole: expected one of {[h.name for h in self.holes]}, given "
                         f"{name!r:.40}")

    @property
    def web_b(self) -> float:
        """Width of the web between hole_b and the bottom edge (mm)."""
        b = self.hole("hole_b")
        return self.height / 2 - (b.y + b.diameter / 2)

    def true_values(self) -> dict[str, float]:
        """Ground truth of the demo recipe's measurements (mm, deg)."""
        a, b, c = self.hole("hole_a"), self.hole("hole_b"), self.hole("hole_c")
        return {
            "hole_a_diameter": a.diameter, "hole_b_diameter": b.diameter,
            "hole_c_diameter": c.diameter,
            "plate_width": self.width, "plate_height": self.height,
            "hole_a_to_hole_b": math.hypot(b.x - a.x, b.y - a.y),
            "hole_a_to_left_edge": a.x + self.width / 2,
            "hole_b_to_bottom_edge": self.height / 2 - b.y,
            "web_b_width": self.web_b,
            "corner_angle": 90.0,
            "hole_c_position_x": c.x + self.width / 2,
            "hole_c_position_y": self.height / 2 - c.y,
        }

    def outline(self) -> np.ndarray:
        """Plate outline polygon (5, 2), part frame, clockwise on screen from top-left."""
        w, h, c = self.width / 2, self.height / 2, self.chamfer
        return np.array([[-w, -h], [w - c, -h], [w, -h + c], [w, h], [-w, h]], float)

    def material(self, u: np.ndarray, v: np.ndarray, ramp_mm: float) -> np.ndarray:
        """Fraction of plate material at part-frame points, with a linear ramp ``ramp_mm``
        wide centred on every edge (0 outside/in holes, 1 inside)."""
        u = _plane_array(u, "u")
        v = _plane_array(v, "v")
        if u.shape != v.shape:
            raise InputError(f"u, v: expected arrays of the same shape, given {u.shape} and "
                             f"{v.shape}")
        ramp_mm = check_positive(ramp_mm, "ramp_mm", max=_MAX_MM)
        w, h, c = self.width / 2, self.height / 2, self.chamfer
        s2 = math.sqrt(0.5)
        # signed distance inside the convex plate = min over its half-planes
        d = np.minimum(np.minimum(w - u, w + u), np.minimum(h - v, h + v))
        d = np.minimum(d, ((w + h - c) - (u - v)) * s2)  # chamfer: u - v <= w + h - c
        inside = np.clip(0.5 + d / ramp_mm, 0.0, 1.0)
        for hole in self.holes:
            r = hole.diameter / 2
            dh = np.hypot(u - hole.x, v - hole.y) - r  # > 0 outside the hole
            inside = inside * np.clip(0.5 + dh / ramp_mm, 0.0, 1.0)
        return inside


def _plane_array(v: Any, name: str) -> np.ndarray:
    from ..core.checks import _numeric

    a = _numeric(v, name, "plane coordinates (mm)")
    if not np.all(np.isfinite(a)) or (a.size and float(np.abs(a).max()) > 1e15):
        raise InputError(f"{name}: expected finite coordinates within +-1e15")
    return a


def demo_part() -> DemoPart:
    """The demo's plate (22 x 14 mm, holes 4.0, 6.0, 2.5 mm)."""
    return DemoPart()


def default_demo_camera():
    """The camera of the shipped ``calib_images/`` (read from its ``ground_truth.json`` when
    present), else a 1024x768 camera with f = 1250 px and moderate barrel distortion."""
    from ..calib.camera import CameraModel

    return CameraModel([[1250.0, 0, 511.5], [0, 1250.0, 383.5], [0, 0, 1]],
                       [-0.12, 0.08, 0.0004, -0.0003, 0.0], (1024, 768))


@dataclass(frozen=True)
class DemoStation:
    """A camera above a measuring plane.

    ``rvec, tvec`` map plane coordinates ``(X, Y, 0)`` mm (the frame of ``board`` lying on the
    plane: corner 0 at the origin, X along its rows) into the camera frame.
    ``center_mm`` is the plane point seen at the image centre.
    """

    camera: Any
    rvec: np.ndarray
    tvec: np.ndarray
    board: Any
    center_mm: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        from ..calib.board import Checkerboard
        from ..calib.camera import CameraModel

        if not isinstance(self.camera, CameraModel):
            raise InputError(f"DemoStation.camera: expected a CameraModel, given "
                             f"{type(self.camera).__name__}")
        if not isinstance(self.board, Checkerboard):
            raise InputError(f"DemoStation.board: expected a Checkerboard, given "
                             f"{type(self.board).__name__}")
        from ..core.checks import as_vector

        for f, n in (("rvec", 3), ("tvec", 3), ("center_mm", 2)):
            v = as_vector(np.reshape(_plane_array(getattr(self, f), f"DemoStation.{f}"), -1),
                          f"DemoStation.{f}", n)
            object.__setattr__(self, f, v)
        if not self.tvec[2] > 0:
            raise InputError("DemoStation.tvec: the plane must lie in front of the camera "
                             f"(z > 0), given z = {self.tvec[2]}")

    def project(self, points_mm: Any) -> np.ndarray:
        """Plane points (N, 2) mm -> distorted image pixels (N, 2)."""
        raw = _plane_array(points_mm, "points_mm")
        if raw.ndim == 0 or raw.shape[-1] != 2:
            raise InputError(f"points_mm: expected shape (N, 2), given {raw.shape}")
        p = as_points(raw.reshape(-1, 2), "points_mm")
        P = np.column_stack([p, np.zeros(len(p))])
        return self.camera.project(P, self.rvec, self.tvec)

    def mm_per_px(self) -> float:
        """Mean plane sampling at the image centre (mm per pixel)."""
        c = self.center_mm
        px = self.project([c, c + [1.0, 0.0], c + [0.0, 1.0]])
        return 2.0 / (np.hypot(*(px[1] - px[0])) + np.hypot(*(px[2] - px[0])))

    def plane_maps(self, pad: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Plane coordinates (X, Y) mm of every integer pixel from ``-pad`` to ``size-1+pad``
        (exact inverse of the lens model, then ray-plane intersection), cached."""
        pad = check_int(pad, "pad", min=0, max=1024)
        key = ("maps", pad)
        if key not in self._cache:
            from ..calib.camera import rodrigues

            w, h = self.camera.image_size
            xs = np.arange(-pad, w + pad, dtype=np.float64)
            ys = np.arange(-pad, h + pad, dtype=np.float64)
            grid = np.stack(np.meshgrid(xs, ys), -1)
            rays = self.camera.normalize(grid.reshape(-1, 2), on_invalid="nan")
            R = rodrigues(np.asarray(self.rvec, float))
            H = np.column_stack([R[:, 0], R[:, 1], np.asarray(self.tvec, float)])
            Hinv = np.linalg.inv(H)
            hom = np.column_stack([rays, np.ones(len(rays))]) @ Hinv.T
            with np.errstate(invalid="ignore", divide="ignore"):
                X = hom[:, 0] / hom[:, 2]
                Y = hom[:, 1] / hom[:, 2]
            self._cache[key] = (X.reshape(grid.shape[:2]), Y.reshape(grid.shape[:2]))
        return self._cache[key]


def demo_station(camera: Any = None, *, mm_per_px: float = 0.05,
                 tilt_deg: tuple[float, float] = (3.0, -2.0), roll_deg: float = 1.5,
                 board: Any = None) -> DemoStation:
    """A measuring plane seen at about ``mm_per_px`` at the image centre, tilted by
    ``tilt_deg`` (about the plane's X and Y axes) and rolled by ``roll_deg``.

    ``board`` (default 11 x 8 inner corners, 3 mm squares) is the plate-sized target laid on
    the plane to locate it; the plane frame is that board's frame.
    """
    import cv2

    from ..calib.board import Checkerboard

    from ..calib.camera import CameraModel
    from ..core.checks import as_vector

    camera = camera if camera is not None else default_demo_camera()
    if not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel, given {type(camera).__name__}")
    board = board if board is not None else Checkerboard(cols=11, rows=8, square_mm=3.0)
    if not isinstance(board, Checkerboard):
        raise InputError(f"board: expected a Checkerboard, given {type(board).__name__}")
    mm_per_px = check_positive(mm_per_px, "mm_per_px", max=1e6)
    tilt = as_vector(tilt_deg, "tilt_deg")
    if np.any(np.abs(tilt) >= 80):
        raise InputError(f"tilt_deg: expected tilts within +-80 degrees, given {tilt.tolist()}")
    roll_deg = check_finite(roll_deg, "roll_deg")
    f = 0.5 * (camera.K[0, 0] + camera.K[1, 1])
    z = mm_per_px * f
    ax, ay = (math.radians(a) for a in tilt)
    rz = math.radians(roll_deg)
    Rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    Ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    Rz = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    R = Rz @ Ry @ Rx
    sq = board.square_mm
    c = np.array([(board.cols - 1) * sq / 2, (board.rows - 1) * sq / 2, 0.0])
    # the plane point c lies on the ray through the principal point, at depth z
    K = camera.K
    ray = np.linalg.solve(K, [K[0, 2], K[1, 2], 1.0])
    tvec = ray * z - R @ c
    rvec, _ = cv2.Rodrigues(R)
    return DemoStation(camera, rvec.ravel(), tvec, board, c[:2].copy())


@dataclass(frozen=True)
class DemoRender:
    """A rendered part image and its ground truth: ``pose_mm`` maps part-frame mm to plane mm."""

    image: np.ndarray
    pose_mm: Pose2D
    truth: dict

    def to_dict(self) -> dict:
        return {"pose_mm": self.pose_mm.to_dict(), "truth": self.truth,
                "image_shape": list(self.image.shape)}


def render_demo_part(station: DemoStation, part: DemoPart, pose_mm: Pose2D, *,
                     blur_px: float = 0.9, noise_sigma: float = 1.5,
                     levels: tuple[float, float] = (190.0, 45.0), lighting: float = 0.08,
                     supersample: int = 4, rng: np.random.Generator | int | None = 0,
                     bits: int = 8, **flat: float) -> DemoRender:
    """Render ``part`` placed on the plane at ``pose_mm`` (part frame -> plane frame, mm, deg).

    Parameters
    ----------
    blur_px : float
        Optical blur sigma (px), applied at the fine resolution before pixel integration.
    noise_sigma : float
        Gaussian noise (gray levels) before 8-bit rounding.
    levels : (part_level, background)
        Gray levels of the plate and of what is around it / seen through the holes (also
        accepted as ``part_level=`` / ``background=`` keywords).
    lighting : float
        Relative brightness fall-off towards the image corners.
    supersample : int
        Sub-samples per pixel and axis.

    Returns
    -------
    DemoRender
    """
    if not isinstance(station, DemoStation):
        raise InputError(f"station: expected a DemoStation, given {type(station).__name__}")
    if not isinstance(part, DemoPart):
        raise InputError(f"part: expected a DemoPart, given {type(part).__name__}")
    if not isinstance(pose_mm, Pose2D):
        raise InputError(f"pose_mm: expected a Pose2D, given {type(pose_mm).__name__}")
    supersample = check_supersample(supersample)
    blur_px = check_positive(blur_px, "blur_px", allow_zero=True, max=MAX_PSF_SIGMA_PX)
    unknown = sorted(set(flat) - {"part_level", "background"})
    if unknown:
        raise InputError(f"render_demo_part: unknown keyword(s) {unknown}")
    from ..core.checks import as_vector

    part_level, background = as_vector(levels, "levels").tolist()
    part_level = check_finite(flat.get("part_level", part_level), "part_level", min=-1e6,
                              max=1e6)
    background = check_finite(flat.get("background", background), "background", min=-1e6,
                              max=1e6)
    lighting = check_finite(lighting, "lighting", min=0.0, max=1.0)
    rng = check_seed(rng)
    cam = station.camera
    w_img, h_img = cam.image_size
    outline = pose_mm.apply(part.outline())
    px = station.project(outline)
    margin = int(math.ceil(4 * blur_px)) + 4
    x0 = max(0, int(math.floor(px[:, 0].min())) - margin)
    x1 = min(w_img, int(math.ceil(px[:, 0].max())) + margin + 1)
    y0 = max(0, int(math.floor(px[:, 1].min())) - margin)
    y1 = min(h_img, int(math.ceil(px[:, 1].max())) + margin + 1)
    if x0 <= 0 or y0 <= 0 or x1 >= w_img or y1 >= h_img:
        raise InputError("render_demo_part: the part does not lie fully inside the image at "
                         f"this pose ({pose_mm})")
    pad = 3
    MX, MY = station.plane_maps(pad)
    inv = pose_mm.inverse()
    ramp_mm = station.mm_per_px() / supersample  # one fine sample

    def radiance(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        gx = X + x0 + pad
        gy = Y + y0 + pad
        ix = np.floor(gx).astype(np.int64)
        iy = np.floor(gy).astype(np.int64)
        fx = gx - ix
        fy = gy - iy
        mx = ((1 - fx) * (1 - fy) * MX[iy, ix] + fx * (1 - fy) * MX[iy, ix + 1]
              + (1 - fx) * fy * MX[iy + 1, ix] + fx * fy * MX[iy + 1, ix + 1])
        my = ((1 - fx) * (1 - fy) * MY[iy, ix] + fx * (1 - fy) * MY[iy, ix + 1]
              + (1 - fx) * fy * MY[iy + 1, ix] + fx * fy * MY[iy + 1, ix + 1])
        m = inv.linear
        u = m[0, 0] * mx + m[0, 1] * my + inv.x
        v = m[1, 0] * mx + m[1, 1] * my + inv.y
        return background + (part_level - background) * part.material(u, v, ramp_mm)

    crop = render_scene(radiance, (y1 - y0, x1 - x0), supersample=supersample,
                        psf_sigma_px=blur_px)
    clean = np.full((h_img, w_img), float(background))
    clean[y0:y1, x0:x1] = crop
    ys, xs = np.mgrid[0:h_img, 0:w_img]
    r2 = ((xs - (w_img - 1) / 2) ** 2 + (ys - (h_img - 1) / 2) ** 2) / (
        ((w_img - 1) / 2) ** 2 + ((h_img - 1) / 2) ** 2)
    gain = 1.0 - float(lighting) * r2
    image = finish_image(clean, noise_sigma=noise_sigma, rng=rng, gain=gain, bits=bits)
    return DemoRender(image, pose_mm, part.true_values())


def render_plane_board(station: DemoStation, *, rng: np.random.Generator | int | None = 0,
                       **kwargs: Any):
    """The station's board lying on the measuring plane (to locate the plane), as
    :func:`metrology.synth.board.render_board` renders it; returns its ``BoardRender``."""
    from .board import render_board

    if not isinstance(station, DemoStation):
        raise InputError(f"station: expected a DemoStation, given {type(station).__name__}")
    rng = check_seed(rng)
    kwargs.setdefault("blur_px", 0.9)
    kwargs.setdefault("noise_sigma", 1.5)
    return render_board(station.camera, station.board, station.rvec, station.tvec, rng=rng,
                        **kwargs)
