"""Ground-truth part scenes for shape matching and the demo: parts at an exactly known pose.

A :class:`Part` is a set of closed polygons in the part frame (pixels at scale 1, origin at the
part's reference point): one outer outline, oriented counter-clockwise in (x, y), and holes
(circles, slots, keyways) oriented the other way, so the winding number is 1 on material and 0
elsewhere.  Scenes are painted in layers (background, parts, distractors, occluders) and rendered
by :func:`metrology.synth.render.render_scene` (supersampling, optical blur at the fine
resolution, pixel integration), then :func:`~metrology.synth.render.finish_image` adds the
illumination ramp, noise and 8-bit quantisation.

Each fine sample carries the exact fraction of its width covered along x (computed from the edge
crossings of its row) averaged over ``4`` sub-rows, so straight edges at any angle have no
staircase bias even at a modest ``supersample`` (the extra box of ``1/supersample`` px is
symmetric and does not move edges).

A part placed with ``Pose2D(x, y, angle_deg, scale)`` has its part-frame point ``p`` at
``pose.apply(p)`` in the image.  :func:`render_template` draws the part at
``Pose2D(*origin_xy, 0, 1)`` with ``origin_xy`` the template centre ``((w-1)/2, (h-1)/2)``, so a
shape model built from the template with its default origin must return exactly the scene pose.

Examples
--------
>>> from metrology.synth.parts import make_part, render_template
>>> tpl = render_template(make_part("bracket"))
>>> tpl.image.dtype.name, tpl.origin_xy == ((tpl.image.shape[1] - 1) / 2, (tpl.image.shape[0] - 1) / 2)
('uint8', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..core.checks import (as_points, as_vector, check_bool, check_finite, check_int,
                           check_positive, check_seed)
from ..core.pose import Pose2D
from ..errors import InputError
from ._raster import _render_layers
from .render import MAX_PSF_SIGMA_PX, check_shape, check_supersample, finish_image

#: Most contour samples :func:`contour_samples` returns.
_MAX_SAMPLES = 10 ** 7
_MAX_LEVEL = 1e6

__all__ = ["Part", "PartInstance", "PartScene", "PartTemplate", "PART_NAMES", "SceneLook",
           "Nuisances", "make_part",
           "render_template", "render_part_scene", "random_pose", "random_poses",
           "contour_samples"]

PART_NAMES = ("bracket", "lpart", "gear", "flange")


def _part(part) -> "Part":
    """A :class:`Part`, or a built-in one by name."""
    if isinstance(part, str):
        return make_part(part)
    if not isinstance(part, Part):
        raise InputError(f"part: expected a Part or one of {PART_NAMES}, given "
                         f"{type(part).__name__}")
    return part


def _range(v, name: str) -> tuple[float, float]:
    lo, hi = as_vector(v, name)
    if lo > hi:
        raise InputError(f"{name}: expected (min, max) with min <= max, given ({lo}, {hi})")
    return float(lo), float(hi)


# --------------------------------------------------------------------------------------------
# geometry
def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _oriented(poly: np.ndarray, positive: bool) -> np.ndarray:
    poly = np.asarray(poly, dtype=np.float64)
    if (_signed_area(poly) > 0) != positive:
        poly = poly[::-1].copy()
    return poly


def _circle(cx: float, cy: float, r: float, n: int | None = None) -> np.ndarray:
    # chord sagitta r(1 - cos(pi/n)) below 2e-4 px keeps the polygon a true circle at our accuracy
    n = n or int(max(64, np.ceil(np.pi / np.arccos(1.0 - 2e-4 / max(r, 1e-3)))))
    t = np.arange(n) * (2 * np.pi / n)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def _arc(cx: float, cy: float, r: float, t0: float, t1: float, n: int = 48) -> np.ndarray:
    t = np.linspace(np.radians(t0), np.radians(t1), n)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def _slot(x0: float, y0: float, x1: float, y1: float, r: float) -> np.ndarray:
    """Stadium from centre (x0, y0) to (x1, y1) with half-width r."""
    a = np.degrees(np.arctan2(y1 - y0, x1 - x0))
    return np.concatenate([_arc(x1, y1, r, a - 90, a + 90, 64), _arc(x0, y0, r, a + 90, a + 270, 64)])


def _round_rect(cx: float, cy: float, w: float, h: float, r: float) -> np.ndarray:
    x0, x1, y0, y1 = cx - w / 2 + r, cx + w / 2 - r, cy - h / 2 + r, cy + h / 2 - r
    return np.concatenate([_arc(x1, y0, r, -90, 0, 16), _arc(x1, y1, r, 0, 90, 16),
                           _arc(x0, y1, r, 90, 180, 16), _arc(x0, y0, r, 180, 270, 16)])


@dataclass(frozen=True)
class Part:
    """A flat part: an outer outline and holes, polygons in the part frame (px at scale 1).

    Attributes
    ----------
    name : str
    outline : ndarray (N, 2)
        Outer contour, counter-clockwise (positive signed area in x-right, y-down axes).
    holes : tuple of ndarray (M_k, 2)
        Inner contours, opposite orientation.
    """

    name: str
    outline: np.ndarray
    holes: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise InputError(f"Part.name: expected a string, given {type(self.name).__name__}")
        object.__setattr__(self, "outline", as_points(self.outline, "Part.outline",
                                                      min_points=3, allow_batch=False))
        if isinstance(self.holes, (str, bytes)) or not hasattr(self.holes, "__iter__"):
            raise InputError("Part.holes: expected a sequence of polygons (M, 2)")
        object.__setattr__(self, "holes", tuple(
            as_points(h, f"Part.holes[{i}]", min_points=3, allow_batch=False)
            for i, h in enumerate(self.holes)))

    @property
    def rings(self) -> list[np.ndarray]:
        """All closed polygons (outline first)."""
        return [self.outline, *self.holes]

    @property
    def radius(self) -> float:
        """Largest distance of the outline from the part origin, px at scale 1."""
        return float(np.max(np.hypot(self.outline[:, 0], self.outline[:, 1])))

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Bounding box ``(xmin, ymin, xmax, ymax)`` in the part frame."""
        return (float(self.outline[:, 0].min()), float(self.outline[:, 1].min()),
                float(self.outline[:, 0].max()), float(self.outline[:, 1].max()))

    def to_dict(self) -> dict:
        return {"name": self.name, "outline": self.outline.tolist(),
                "holes": [h.tolist() for h in self.holes]}


def make_part(name: str) -> Part:
    """One of the built-in parts (:data:`PART_NAMES`), none with a rotational symmetry.

    * ``bracket`` — 170 x 110 plate with a chamfer, a notch, a slot and three holes;
    * ``lpart`` — L-shaped plate with a fillet in the inner corner and two holes;
    * ``gear`` — 14 trapezoidal teeth, a bore with a keyway and one off-centre hole;
    * ``flange`` — round flange with two lugs of different size, a bore and bolt holes.
    """
    if not isinstance(name, str) or name not in PART_NAMES:
        raise InputError(f"part name: expected one of {PART_NAMES}, given {name!r:.40}")
    if name == "bracket":
        w, h = 170.0, 110.0
        x0, x1, y0, y1 = -w / 2, w / 2, -h / 2, h / 2
        outline = np.array([[x0, y0], [-15, y0], [-15, y0 + 22], [15, y0 + 22], [15, y0],
                            [x1 - 24, y0], [x1, y0 + 24], [x1, y1], [x0, y1]])
        holes = (_circle(-55, -20, 14), _circle(55, 25, 9), _circle(-60, 30, 6),
                 _slot(-15, 25, 25, 25, 8))
    elif name == "lpart":
        # fillet: from (-25, -14) curving to (-11, 0) (inner corner of the L)
        outline = np.concatenate([np.array([[-70, -60], [-25, -60]]),
                                  _arc(-11, -14, 14, 180, 90, 24),
                                  np.array([[70, 0], [70, 60], [-70, 60]])])
        holes = (_circle(-48, -25, 10), _circle(40, 30, 12), _circle(-40, 38, 7))
    elif name == "gear":
        n_teeth, r_out, r_root = 14, 72.0, 60.0
        pitch = 2 * np.pi / n_teeth
        pts = []
        for k in range(n_teeth):  # geometry construction, not image processing
            a = k * pitch
            for frac, r in ((0.0, r_root), (0.18, r_out), (0.5, r_out), (0.68, r_root)):
                t = a + frac * pitch
                pts.append((r * np.cos(t), r * np.sin(t)))
            t = np.linspace(a + 0.68 * pitch, a + pitch, 6)[1:-1]
            pts.extend(zip(r_root * np.cos(t), r_root * np.sin(t)))
        outline = np.array(pts)
        bore = _circle(0, 0, 20, 256)
        t = np.arctan2(bore[:, 1], bore[:, 0])
        keep = np.abs(t) > np.arcsin(5.0 / 20.0)
        b = bore[keep]
        b = b[np.argsort(np.mod(np.arctan2(b[:, 1], b[:, 0]), 2 * np.pi))]
        yk = 5.0
        xk = np.sqrt(20.0 ** 2 - yk ** 2)
        bore = np.concatenate([[[xk, yk], [26.0, yk]], [[26.0, -yk], [xk, -yk]], b[::-1]])
        holes = (bore, _circle(-36, 14, 6))
    elif name == "flange":
        body = _circle(0, 0, 55, 360)
        t = np.degrees(np.arctan2(body[:, 1], body[:, 0]))
        lug1 = (np.abs(t) < 18)
        lug2 = (np.abs(np.abs(t) - 180) < 12)
        r = np.where(lug1, 78.0, np.where(lug2, 68.0, 55.0))
        ang = np.radians(t)
        outline = np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)
        holes = (_circle(0, 0, 24), _circle(66, 0, 6), _circle(-60, 0, 4),
                 _circle(0, 40, 5), _slot(-18, -38, 18, -38, 5))
    else:
        raise InputError(f"part name: expected one of {PART_NAMES}, given {name!r}")
    outline = _oriented(outline, True)
    holes = tuple(_oriented(hh, False) for hh in holes)
    return Part(name, outline, holes)


def contour_samples(part: Part, pose: Pose2D | None = None, spacing: float = 1.0) -> np.ndarray:
    """Points along every ring of ``part`` about ``spacing`` px apart (in the image if ``pose``).

    Returns
    -------
    ndarray (N, 2)
    """
    part = _part(part)
    if pose is not None and not isinstance(pose, Pose2D):
        raise InputError(f"pose: expected a Pose2D or None, given {type(pose).__name__}")
    spacing = check_positive(spacing, "spacing")
    total = sum(float(np.hypot(*(np.roll(r, -1, 0) - r).T).sum()) for r in part.rings)
    if total / spacing > _MAX_SAMPLES:
        raise InputError(f"spacing: {spacing:g} px gives more than {_MAX_SAMPLES} samples "
                         f"along a contour of {total:.0f} px; use a larger spacing")
    out = []
    for ring in part.rings:
        a = ring
        b = np.roll(ring, -1, axis=0)
        seg = np.hypot(*(b - a).T)
        n = np.maximum(1, np.ceil(seg / spacing).astype(int))
        idx = np.repeat(np.arange(len(a)), n)
        frac = np.concatenate([np.arange(k) / k for k in n])
        out.append(a[idx] + (b[idx] - a[idx]) * frac[:, None])
    pts = np.concatenate(out)
    return pose.apply(pts) if pose is not None else pts


# --------------------------------------------------------------------------------------------
# scenes
@dataclass(frozen=True)
class PartInstance:
    """One part placed in a scene: ``pose`` maps part-frame points into the image."""

    part: str
    pose: Pose2D
    occluded_fraction: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.part, str):
            raise InputError(f"PartInstance.part: expected a part name, given "
                             f"{type(self.part).__name__}")
        if not isinstance(self.pose, Pose2D):
            raise InputError(f"PartInstance.pose: expected a Pose2D, given "
                             f"{type(self.pose).__name__}")
        object.__setattr__(self, "occluded_fraction", check_finite(
            self.occluded_fraction, "PartInstance.occluded_fraction", min=0.0, max=1.0))

    def to_dict(self) -> dict:
        return {"part": self.part, "pose": self.pose.to_dict(),
                "occluded_fraction": self.occluded_fraction}


@dataclass(frozen=True)
class PartScene:
    """A rendered scene and its ground truth.

    Attributes
    ----------
    image : ndarray (H, W), uint8 (or uint16/float32 per ``bits``)
    instances : tuple of PartInstance
        Every part in the scene with its exact pose.
    params : dict
        The rendering parameters (blur, noise, ramp, ...), JSON-ready.
    """

    image: np.ndarray
    instances: tuple
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"shape": list(self.image.shape), "instances": [i.to_dict() for i in self.instances],
                "params": self.params}


@dataclass(frozen=True)
class PartTemplate:
    """Template image of a part and its origin (the part frame's origin in template pixels)."""

    image: np.ndarray
    origin_xy: tuple
    part: str

    def to_dict(self) -> dict:
        return {"shape": list(self.image.shape), "origin_xy": list(self.origin_xy),
                "part": self.part}


def render_template(part: Part | str, *, margin: int = 12, background: float = 40.0,
                    foreground: float = 200.0, psf_sigma_px: float = 1.0, supersample: int = 8,
                    noise_sigma: float = 0.0, rng: int | np.random.Generator | None = 0) -> PartTemplate:
    """Render the template image of ``part`` with the part origin at the template centre.

    Parameters
    ----------
    part : Part or str
    margin : int
        Background pixels around the part's bounding box.
    background, foreground : float
        Gray levels of the background and the part.
    psf_sigma_px : float
        Optical blur of the template view.

    Returns
    -------
    PartTemplate
        ``image`` uint8 (H, W) and ``origin_xy = ((W-1)/2, (H-1)/2)``.
    """
    part = _part(part)
    margin = check_int(margin, "margin", min=0, max=100000)
    background = check_finite(background, "background", min=-_MAX_LEVEL, max=_MAX_LEVEL)
    foreground = check_finite(foreground, "foreground", min=-_MAX_LEVEL, max=_MAX_LEVEL)
    psf_sigma_px = check_positive(psf_sigma_px, "psf_sigma_px", allow_zero=True,
                                  max=MAX_PSF_SIGMA_PX)
    supersample = check_supersample(supersample)
    r = part.outline
    half_w = max(abs(r[:, 0].min()), abs(r[:, 0].max()))
    half_h = max(abs(r[:, 1].min()), abs(r[:, 1].max()))
    w = int(np.ceil(2 * half_w + 2 * margin)) + 1
    h = int(np.ceil(2 * half_h + 2 * margin)) + 1
    h, w = check_shape((h, w), "template size")
    origin = ((w - 1) / 2.0, (h - 1) / 2.0)
    pose = Pose2D(origin[0], origin[1], 0.0, 1.0)
    clean = _render_layers([([pose.apply(g) for g in part.rings], foreground)], (h, w),
                           background, psf_sigma_px, supersample)
    img = finish_image(clean, noise_sigma=noise_sigma, rng=rng)
    return PartTemplate(img, origin, part.name)


def random_pose(rng: np.random.Generator, part: Part, shape: tuple[int, int], *,
                angle_range_deg: tuple[float, float] = (-180.0, 180.0),
                scale_range: tuple[float, float] = (0.9, 1.1), margin: float = 4.0) -> Pose2D:
    """A random pose keeping the whole part inside an image of ``shape`` (H, W)."""
    rng = check_seed(rng)
    part = _part(part)
    h, w = check_shape(shape)
    lo_a, hi_a = _range(angle_range_deg, "angle_range_deg")
    lo_s, hi_s = _range(scale_range, "scale_range")
    if not lo_s > 0 or hi_s > 1e6:
        raise InputError(f"scale_range: expected scales in (0, 1e6], given {(lo_s, hi_s)}")
    margin = check_positive(margin, "margin", allow_zero=True, max=1e9)
    s = float(rng.uniform(lo_s, hi_s))
    a = float(rng.uniform(lo_a, hi_a))
    rad = part.radius * s + margin
    if 2 * rad >= min(h, w):
        raise InputError(f"part {part.name!r} (radius {rad:.0f} px) does not fit in {shape}")
    return Pose2D(float(rng.uniform(rad, w - 1 - rad)), float(rng.uniform(rad, h - 1 - rad)), a, s)


def random_poses(rng: np.random.Generator, part: Part, shape: tuple[int, int], n: int, *,
                 angle_range_deg: tuple[float, float] = (-180.0, 180.0),
                 scale_range: tuple[float, float] = (0.9, 1.1), gap: float = 4.0,
                 max_tries: int = 2000) -> list[Pose2D]:
    """``n`` random poses whose bounding circles do not overlap (rejection sampling).

    Raises
    ------
    InputError
        When ``n`` instances do not fit in ``shape`` after ``max_tries`` draws.
    """
    rng = check_seed(rng)
    part = _part(part)
    n = check_int(n, "n", min=0, max=10000)
    gap = check_positive(gap, "gap", allow_zero=True, max=1e9)
    max_tries = check_int(max_tries, "max_tries", min=1, max=10 ** 6)
    poses: list[Pose2D] = []
    for _ in range(max_tries):  # rejection sampling of a few poses
        if len(poses) == n:
            break
        p = random_pose(rng, part, shape, angle_range_deg=angle_range_deg,
                        scale_range=scale_range)
        if all(np.hypot(p.x - q.x, p.y - q.y) > part.radius * (p.scale + q.scale) + gap
               for q in poses):
            poses.append(p)
    if len(poses) < n:
        raise InputError(f"cannot place {n} non-overlapping {part.name!r} parts in {shape}")
    return poses


def _random_shape(rng: np.random.Generator, cx: float, cy: float, size: float) -> list[np.ndarray]:
    kind = rng.integers(0, 5)
    a = rng.uniform(0, 360)
    P = Pose2D(cx, cy, a, 1.0)
    if kind == 0:
        poly = _circle(0, 0, size / 2, 96)
    elif kind == 1:
        ww, hh = size, size * rng.uniform(0.3, 1.0)
        poly = np.array([[-ww / 2, -hh / 2], [ww / 2, -hh / 2], [ww / 2, hh / 2], [-ww / 2, hh / 2]])
    elif kind == 2:
        t = np.radians([90, 210, 330]) + rng.uniform(-0.3, 0.3, 3)
        poly = np.stack([size / 2 * np.cos(t), size / 2 * np.sin(t)], 1)
    elif kind == 3:
        s = size / 2
        poly = np.array([[-s, -s], [0, -s], [0, 0], [s, 0], [s, s], [-s, s]])
    else:
        poly = _round_rect(0, 0, size, size * rng.uniform(0.4, 0.9), size * 0.15)
    poly = _oriented(P.apply(poly), True)
    return [poly]


@dataclass(frozen=True)
class SceneLook:
    """How a part scene looks: gray levels of the background and the parts (``reverse=True``
    swaps them: dark parts on a bright background), optical blur (px) and Gaussian noise (gray
    levels)."""

    background: float = 40.0
    foreground: float = 200.0
    reverse: bool = False
    psf_sigma_px: float = 1.0
    noise_sigma: float = 2.0

    def __post_init__(self) -> None:
        for f in ("background", "foreground"):
            object.__setattr__(self, f, check_finite(getattr(self, f), f"SceneLook.{f}",
                                                     min=-_MAX_LEVEL, max=_MAX_LEVEL))
        object.__setattr__(self, "reverse", check_bool(self.reverse, "SceneLook.reverse"))
        object.__setattr__(self, "psf_sigma_px", check_positive(
            self.psf_sigma_px, "SceneLook.psf_sigma_px", allow_zero=True, max=MAX_PSF_SIGMA_PX))
        object.__setattr__(self, "noise_sigma", check_positive(
            self.noise_sigma, "SceneLook.noise_sigma", allow_zero=True, max=1e6))


@dataclass(frozen=True)
class Nuisances:
    """What makes a scene hard: an illumination ``ramp`` (the gain falls linearly from 1 to
    ``1 - ramp`` across the image along a random direction), ``occlusion`` (fraction of each
    instance's contour covered by a plate of random gray level, a half-plane cut), random
    ``distractors`` (shapes placed clear of the parts) and ``clutter`` (shapes anywhere)."""

    ramp: float = 0.0
    occlusion: float = 0.0
    distractors: int = 0
    clutter: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ramp", check_finite(self.ramp, "Nuisances.ramp", min=0.0,
                                                      max=1.0))
        object.__setattr__(self, "occlusion", check_finite(
            self.occlusion, "Nuisances.occlusion", min=0.0, max=0.99))
        for f in ("distractors", "clutter"):
            object.__setattr__(self, f, check_int(getattr(self, f), f"Nuisances.{f}", min=0,
                                                  max=1000))


def _settings(cls: type, given, flat: dict, name: str):
    """``given`` (a ``cls`` or None) with the flat keywords of ``cls``'s fields popped from
    ``flat`` applied (not both)."""
    from dataclasses import fields, replace

    keys = {f.name for f in fields(cls)} & set(flat)
    if given is not None and not isinstance(given, cls):
        raise InputError(f"{name}: expected a {cls.__name__} or None, given "
                         f"{type(given).__name__}")
    if given is not None and keys:
        raise InputError(f"give either {name}= or its fields ({sorted(keys)}), not both")
    return replace(given or cls(), **{k: flat.pop(k) for k in keys})


def render_part_scene(part: Part | str | None, poses: Sequence[Pose2D] = (), *,
                      shape: tuple[int, int] = (480, 640), look: SceneLook | None = None,
                      nuisances: Nuisances | None = None, supersample: int = 4,
                      rng: int | np.random.Generator | None = 0, bits: int = 8,
                      **flat) -> PartScene:
    """Render ``part`` at each of ``poses`` with optional nuisances; exact ground truth.

    Parameters
    ----------
    part : Part, str or None
        The part (None: a scene without any part, e.g. pure clutter).
    poses : sequence of Pose2D
        Where each instance goes (part frame -> image).
    shape : (H, W)
    look : SceneLook, optional
        Gray levels, polarity, blur and noise (default ``SceneLook()``: parts at 200 on 40,
        blur 1 px, noise 2).
    nuisances : Nuisances, optional
        Illumination ramp, occlusion, distractors and clutter (default: none).
    supersample : int
        Passed to :func:`render_scene` (4 is exact to ~0.003 px on straight edges thanks to the
        x-coverage; use 8 for the finest accuracy tests).
    rng, bits
        Seed or generator of every random choice; output depth (8, 16, or 0 for float32).
    **flat
        The fields of ``look`` and ``nuisances`` may be given directly instead
        (``background=``, ``foreground=``, ``reverse=``, ``psf_sigma_px=``, ``noise_sigma=``,
        ``ramp=``, ``occlusion=``, ``distractors=``, ``clutter=``).

    Returns
    -------
    PartScene
    """
    look = _settings(SceneLook, look, flat, "look")
    nuisances = _settings(Nuisances, nuisances, flat, "nuisances")
    if flat:
        raise InputError(f"render_part_scene: unknown keyword(s) {sorted(flat)}")
    background, foreground, reverse = look.background, look.foreground, look.reverse
    psf_sigma_px, noise_sigma = look.psf_sigma_px, look.noise_sigma
    ramp, occlusion = nuisances.ramp, nuisances.occlusion
    distractors, clutter = nuisances.distractors, nuisances.clutter
    rng = check_seed(rng)
    h, w = check_shape(shape)
    supersample = check_supersample(supersample)
    bg, fg = (foreground, background) if reverse else (background, foreground)
    layers: list[tuple[list[np.ndarray], float]] = []
    instances = []
    part = None if part is None else _part(part)
    if isinstance(poses, (str, bytes, Pose2D)) or not hasattr(poses, "__iter__"):
        raise InputError(f"poses: expected a sequence of Pose2D, given {type(poses).__name__}")
    poses = list(poses)
    if not all(isinstance(p, Pose2D) for p in poses):
        raise InputError("poses: expected a sequence of Pose2D")
    if len(poses) > 1000:
        raise InputError(f"poses: at most 1000 instances, given {len(poses)}")
    for pose in poses:
        if part is None:
            raise InputError("poses given without a part")
        layers.append(([pose.apply(g) for g in part.rings], fg))
    # distractors: clear of every part's bounding circle
    placed = 0
    tries = 0
    while placed < distractors and tries < 200 * max(1, distractors):
        tries += 1
        size = rng.uniform(15, 60)
        cx, cy = rng.uniform(size, w - size), rng.uniform(size, h - size)
        if part is not None and any(np.hypot(cx - p.x, cy - p.y) < part.radius * p.scale + size * 0.75
                                    for p in poses):
            continue
        value = rng.uniform(min(bg, fg) + 20, max(bg, fg) + 30)
        layers.append((_random_shape(rng, cx, cy, size), value))
        placed += 1
    for _ in range(int(clutter)):
        size = rng.uniform(10, 120)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        layers.append((_random_shape(rng, cx, cy, size), rng.uniform(0, 255)))
    # occluders: cut a fraction of each instance's contour with a half-plane plate
    for pose in poses:
        frac = 0.0
        if occlusion > 0:
            pts = contour_samples(part, pose, spacing=0.5)
            u = np.array([np.cos(t := rng.uniform(0, 2 * np.pi)), np.sin(t)])
            proj = pts @ u
            d = float(np.quantile(proj, 1.0 - occlusion))
            v = np.array([-u[1], u[0]])
            ext = part.radius * pose.scale * 2.5
            c = d * u + (pose.translation @ v) * v
            plate = np.array([c - v * ext, c + v * ext, c + v * ext + u * ext, c - v * ext + u * ext])
            value = rng.uniform(min(bg, fg) + 0.3 * abs(fg - bg), max(bg, fg) - 0.3 * abs(fg - bg))
            layers.append(([_oriented(plate, True)], value))
            frac = float(np.mean(proj > d))
        instances.append(PartInstance(part.name, pose, frac))
    clean = _render_layers(layers, (h, w), bg, psf_sigma_px, supersample)
    gain = 1.0
    if ramp > 0:
        t = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w]
        proj = xx * np.cos(t) + yy * np.sin(t)
        proj = (proj - proj.min()) / max(np.ptp(proj), 1e-9)
        gain = 1.0 - ramp * proj
    img = finish_image(clean, noise_sigma=noise_sigma, rng=rng, gain=gain, bits=bits)
    params = {"psf_sigma_px": psf_sigma_px, "noise_sigma": noise_sigma, "ramp": ramp,
              "occlusion": occlusion, "distractors": distractors, "clutter": clutter,
              "reverse": reverse, "background": bg, "foreground": fg, "supersample": supersample}
    return PartScene(img, tuple(instances), params)
