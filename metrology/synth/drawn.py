"""Parts defined by drawn geometry (mm), rendered at a known pose through a station.

The part is any object with ``polygons(max_error_mm, max_step_mm) -> [outline, *holes]``
(closed polygons in the part frame, mm; :class:`metrology.teach.geometry.PartGeometry` is one):
lines, arcs, ellipses, chamfers and slots are turned into polygons whose chords stay within
``MAX_ERROR_PX`` (2e-4 px) of the true curves, so the rendering is exact at the accuracy
the tests ask for.

Two stations:

* a **calibrated pinhole station** with lens distortion (:class:`~metrology.synth.demo.DemoStation`,
  the camera and tilted measuring plane of the demo): every polygon vertex is placed on the plane
  by the pose, projected through the lens, and the polygon is densified first (vertices at most
  ``MAX_STEP_PX`` apart in the image) so the curvature that distortion gives a straight edge is
  kept too;
* a **telecentric / scale station** (:class:`ScaleStation`): ``px = (mm - origin_mm) /
  mm_per_px``, no perspective, no distortion (a plain stand-in until a telecentric camera model
  exists).

Image formation is the one of :mod:`metrology.synth.parts`: exact x-coverage of each fine sample
from its row's polygon crossings (no staircase bias at any angle), optical blur on the fine grid,
pixel integration (:func:`~metrology.synth.render.render_scene`), then lighting fall-off,
Gaussian noise and 8-bit rounding (:func:`~metrology.synth.render.finish_image`).

Examples
--------
>>> import numpy as np
>>> from metrology.core.pose import Pose2D
>>> square = np.array([[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0], [-5.0, 5.0]])
>>> class Plate:
...     def polygons(self, max_error_mm, max_step_mm=None):
...         return [square]
>>> st = ScaleStation(0.05, (400, 300))
>>> r = render_drawn_part(st, Plate(), Pose2D(10.0, 7.5, 30.0), noise_sigma=0.0)
>>> r.image.shape, int(r.image[150, 200]) > 150
((300, 400), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.checks import (as_points, as_vector, check_choice, check_finite, check_int,
                           check_positive)
from ..core.pose import Pose2D
from ..errors import InputError
from .parts import _oriented, _render_layers
from .render import finish_image

#: ``DrawnRender`` is what :func:`render_drawn_part` returns (not made by callers)
__all__ = ["ScaleStation", "render_drawn_part", "render_drawn_template", "station_mm_per_px"]

#: largest rendered image side (px)
MAX_SIDE_PX = 20000


@dataclass(frozen=True)
class ScaleStation:
    """A telecentric (or pre-rectified) view: plane mm -> pixels by one scale.

    ``px = (mm - origin_mm) / mm_per_px``; ``image_size`` is ``(w, h)``.  With
    ``origin_mm = (0, 0)`` it is exactly what a recipe's ``{"pixel_size_mm": s}`` station reads
    back (:class:`metrology.inspect.station.ScalePlane`).
    """

    mm_per_px: float
    image_size: tuple[int, int]
    origin_mm: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self):
        object.__setattr__(self, "mm_per_px",
                           check_finite(self.mm_per_px, "mm_per_px", min=1e-6, max=1e6))
        if not isinstance(self.image_size, (tuple, list)) or len(self.image_size) != 2:
            raise InputError(f"image_size: expected (w, h), given {self.image_size!r:.60}")
        object.__setattr__(self, "image_size", tuple(
            check_int(v, "image_size", min=1, max=MAX_SIDE_PX) for v in self.image_size))
        o = as_vector(self.origin_mm, "origin_mm", 2)
        object.__setattr__(self, "origin_mm", (float(o[0]), float(o[1])))

    def project(self, points_mm: Any) -> np.ndarray:
        """Plane points (N, 2) mm -> pixels (N, 2)."""
        p = as_points(points_mm, "points_mm", allow_batch=False)
        return (p - np.asarray(self.origin_mm, float)) / self.mm_per_px

    def to_mm(self, points_px: Any) -> np.ndarray:
        """Pixels (N, 2) -> plane mm."""
        p = as_points(points_px, "points_px", allow_batch=False)
        return np.asarray(self.origin_mm, float) + self.mm_per_px * p


def station_mm_per_px(station: Any) -> float:
    """The plane sampling of ``station`` (mm per px; at the image centre for a pinhole).

    Examples
    --------
    >>> station_mm_per_px(ScaleStation(0.05, (400, 300)))
    0.05
    """
    v = getattr(station, "mm_per_px", None)
    if v is None or not hasattr(station, "project"):
        raise InputError(f"station: expected a ScaleStation or DemoStation (with project() and "
                         f"mm_per_px), given {type(station).__name__}")
    return check_finite(v() if callable(v) else v, "station.mm_per_px", min=1e-6, max=1e6)


def _image_size(station: Any) -> tuple[int, int]:
    size = getattr(station, "image_size", None)
    if size is None:
        size = getattr(getattr(station, "camera", None), "image_size", None)
    if not isinstance(size, (tuple, list, np.ndarray)) or len(size) != 2:
        raise InputError(f"station: expected an image size (w, h), given {size!r:.60}")
    return (check_int(size[0], "image_size", min=1, max=MAX_SIDE_PX),
            check_int(size[1], "image_size", min=1, max=MAX_SIDE_PX))


@dataclass(frozen=True)
class DrawnRender:
    """A rendered drawn part and its ground truth.

    Attributes
    ----------
    image : ndarray (H, W)
    pose_mm : Pose2D
        Part frame -> plane frame (mm, deg).
    rings_px : list of ndarray (N_k, 2)
        The part's polygons in image pixels (outline first), as rendered.
    """

    image: np.ndarray
    pose_mm: Pose2D
    rings_px: list

    def to_dict(self) -> dict:
        return {"pose_mm": self.pose_mm.to_dict(), "image_shape": list(self.image.shape)}


def _densify(poly: np.ndarray, max_step: float) -> np.ndarray:
    """Closed polygon with extra vertices so no side is longer than ``max_step``."""
    b = np.roll(poly, -1, axis=0)
    seg = np.hypot(*(b - poly).T)
    n = np.maximum(1, np.ceil(seg / max_step).astype(np.int64))
    idx = np.repeat(np.arange(len(poly)), n)
    frac = np.concatenate([np.arange(k) / k for k in n])
    return poly[idx] + (b[idx] - poly[idx]) * frac[:, None]


def _polygons(part: Any, max_error_mm: float, max_step_mm: float) -> list:
    """``part.polygons(...)``, checked: a part is anything with that method."""
    if not callable(getattr(part, "polygons", None)):
        raise InputError(f"part: expected drawn geometry with polygons(max_error_mm, "
                         f"max_step_mm) (e.g. a PartGeometry), given {type(part).__name__}")
    polys = part.polygons(max_error_mm, max_step_mm)
    if not isinstance(polys, (list, tuple)) or not polys:
        raise InputError("part: polygons() returned no outline")
    return list(polys)


def _check_extent(part: Any, mm_per_px: float, max_px: float) -> None:
    """Refuse a part more than ``max_px`` px across at ``mm_per_px`` before sampling it finely
    (a coarse polygon: chords within 1000 px)."""
    polys = _polygons(part, 1000.0 * mm_per_px, None)
    p = as_points(polys[0], "part polygon 0", allow_batch=False, max_abs=1e7)
    span = float(np.max(p.max(axis=0) - p.min(axis=0))) / mm_per_px if len(p) else 0.0
    if span > max_px:
        raise InputError(f"part: {span:.3g} px across at {mm_per_px:g} mm/px, more than "
                         f"{max_px:g} px")


def _rings_px(station: Any, part: Any, pose_mm: Pose2D, max_error_px: float,
              max_step_px: float) -> list[np.ndarray]:
    s = station_mm_per_px(station)
    _check_extent(part, s, 4.0 * MAX_SIDE_PX)
    polys = _polygons(part, max_error_px * s, max_step_px * s)
    rings = []
    for k, poly in enumerate(polys):
        p = as_points(poly, f"part polygon {k}", allow_batch=False, max_abs=1e7)
        if len(p) < 3:
            raise InputError(f"part: polygon {k} needs at least 3 finite vertices")
        p = _densify(pose_mm.apply(p), max_step_px * s)
        px = station.project(p)
        rings.append(_oriented(px, k == 0))
    return rings


#: chord error of curves and longest polygon side, image px (exact at the tests' accuracy; a
#: side of 3 px keeps the curvature distortion gives a straight edge)
MAX_ERROR_PX, MAX_STEP_PX = 2e-4, 3.0


def render_drawn_part(station: Any, part: Any, pose_mm: Pose2D, *, polarity: str = "bright",
                      blur_px: float = 0.9, noise_sigma: float = 1.5,
                      levels: tuple[float, float] = (190.0, 45.0), lighting: float = 0.0,
                      supersample: int = 4,
                      rng: np.random.Generator | int | None = 0) -> DrawnRender:
    """Render ``part`` placed on the measuring plane at ``pose_mm`` and seen by ``station``.

    Parameters
    ----------
    station : DemoStation or ScaleStation
        Anything with ``project(points_mm) -> px`` (distorted image pixels), an image size
        (``image_size`` or ``camera.image_size``, (w, h)) and ``mm_per_px``.
    part : object with ``polygons(max_error_mm, max_step_mm)``
        Closed polygons in the part frame (mm), outline first.
    pose_mm : Pose2D
        Part frame -> plane frame (mm, degrees).
    polarity : {"bright", "dark"}
        Part brighter than the background (front light) or darker (back light).
    blur_px, noise_sigma : float
        Optical blur sigma (px, on the fine grid) and Gaussian noise (gray levels).
    levels : (part, background)
        Gray levels of the part's face and of what surrounds it (and shows through holes);
        swapped by ``polarity="dark"``.  Levels up to 255 give an 8-bit image; a level above
        255 asks for a 16-bit one (uint16, e.g. ``(48640, 11520)``: the default levels x 256),
        with ``noise_sigma`` on the same scale.
    lighting : float
        Relative brightness fall-off towards the image corners.
    supersample : int
        Sub-samples per pixel and axis (4 is exact to ~0.003 px on straight edges thanks to the
        x-coverage; 8 for the finest tests).

    Returns
    -------
    DrawnRender

    Raises
    ------
    InputError
        Bad options, or the part does not lie fully inside the image at this pose.
    """
    check_choice(polarity, "polarity", ("bright", "dark"))
    if not isinstance(pose_mm, Pose2D):
        raise InputError(f"pose_mm: expected a Pose2D, given {type(pose_mm).__name__}")
    blur_px = check_positive(blur_px, "blur_px", allow_zero=True, max=64.0)
    noise_sigma = check_positive(noise_sigma, "noise_sigma", allow_zero=True, max=1e5)
    lighting = check_finite(lighting, "lighting", min=0.0, max=0.9)
    supersample = check_int(supersample, "supersample", min=1, max=16)
    part_level, background = _levels(levels)
    w, h = _image_size(station)
    rings = _rings_px(station, part, pose_mm, MAX_ERROR_PX, MAX_STEP_PX)
    allp = np.concatenate(rings)
    margin = 4.0 * blur_px + 3.0
    if (allp[:, 0].min() < margin or allp[:, 1].min() < margin
            or allp[:, 0].max() > w - 1 - margin or allp[:, 1].max() > h - 1 - margin):
        raise InputError(f"render_drawn_part: the part does not lie fully inside the {w}x{h} "
                         f"image at this pose ({pose_mm})")
    bits = 16 if max(part_level, background) > 255 else 8
    fg, bg = (part_level, background) if polarity == "bright" else (background, part_level)
    clean = _render_layers([(rings, fg)], (h, w), bg, blur_px, int(supersample))
    gain = 1.0
    if lighting:
        ys, xs = np.mgrid[0:h, 0:w]
        r2 = ((xs - (w - 1) / 2) ** 2 + (ys - (h - 1) / 2) ** 2) / (
            ((w - 1) / 2) ** 2 + ((h - 1) / 2) ** 2)
        gain = 1.0 - float(lighting) * r2
    image = finish_image(clean, noise_sigma=noise_sigma, rng=rng, gain=gain, bits=bits)
    return DrawnRender(image, pose_mm, rings)


def _levels(levels: Any) -> tuple[float, float]:
    """(part, background) gray levels, each in 0..65535."""
    if not isinstance(levels, (tuple, list, np.ndarray)) or len(levels) != 2:
        raise InputError(f"levels: expected (part, background) gray levels, given "
                         f"{levels!r:.60}")
    return (check_finite(levels[0], "levels", min=0.0, max=65535.0),
            check_finite(levels[1], "levels", min=0.0, max=65535.0))


def render_drawn_template(part: Any, mm_per_px: float, *, origin_mm: tuple[float, float] | None
                          = None, margin_px: int = 16, polarity: str = "bright",
                          blur_px: float = 1.0, levels: tuple[float, float] = (190.0, 45.0),
                          supersample: int = 4
                          ) -> tuple[np.ndarray, tuple[float, float]]:
    """A noise-free template of ``part`` at ``mm_per_px`` (for a shape model from a drawing).

    Returns
    -------
    image : ndarray (h, w) uint8
    origin_xy : (x, y)
        Template pixel of the part-frame point ``origin_mm`` (default: the centre of the
        part's bounding box).
    """
    s = check_finite(mm_per_px, "mm_per_px", min=1e-6, max=1e6)
    margin_px = check_int(margin_px, "margin_px", min=0, max=1000)
    _check_extent(part, s, 8000.0)
    polys = [as_points(p, "part polygon", allow_batch=False, max_abs=1e7)
             for p in _polygons(part, 2e-4 * s, 3.0 * s)]
    if origin_mm is not None:
        origin_mm = as_vector(origin_mm, "origin_mm", 2)
    lo = polys[0].min(axis=0)
    hi = polys[0].max(axis=0)
    c = 0.5 * (lo + hi) if origin_mm is None else np.asarray(origin_mm, float)
    size = np.ceil((hi - lo) / s).astype(int) + 2 * int(margin_px) + 1
    if size.max() > 8000:
        raise InputError(f"template of {size[0]}x{size[1]} px at {s} mm/px is too large; use a "
                         f"coarser scale")
    x0 = lo - margin_px * s  # plane point at template pixel (0, 0)
    station = ScaleStation(s, (int(size[0]), int(size[1])), (float(x0[0]), float(x0[1])))
    r = render_drawn_part(station, part, Pose2D.identity(), polarity=polarity, blur_px=blur_px,
                          noise_sigma=0.0, levels=levels,
                          supersample=supersample)
    o = station.project(c[None])[0]
    return r.image, (float(o[0]), float(o[1]))

