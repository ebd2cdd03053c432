"""Textured part faces with surface defects and their ground-truth masks.

Used by the anomaly tests, examples and benchmark.  A *part face* is a machined plate with
drilled holes and slots (``layout``: ``plate`` — two holes and a slot —, ``flange``, ``bracket``;
see :mod:`metrology.synth.surfaces`), lying on a dark background; its surface is brushed metal,
blasted or milled (random textures that differ from part to part, as real finishes do) or any
texture array you pass.  Each image has a small random placement (shift, rotation) and lighting variation
(global gain and an illumination ramp), optical blur, noise and 8-bit quantisation.  The plate and
feature outlines go through the physical renderer (:func:`~metrology.synth.render.render_scene`).

Defect kinds (:data:`DEFECT_KINDS`), each drawn with random size, orientation and contrast:

``scratch``  a thin groove, slightly curved, 10-70 px long (at most 0.3 x the image size), dark, bright or a dark/bright pair
             (a groove lit from one side), intermittent along its length;
``spot``     a stain or pit: a soft-edged elliptical blob, 2-7 px radius, darker or brighter;
``dent``     a soft, shallow dent: a smooth height bump seen through directional lighting
             (intensity follows the surface slope, so a dent is a low-contrast dark/bright pair),
             which also flattens the brushing texture inside it;
``missing``  a missing feature: one hole or slot was never machined;
``extra``    an extra feature: a hole machined where the layout has none;
``crack``    a thin, jagged dark line (random walk, varying width), 12-50 px;
``stain``    an irregular soft blob (thresholded random field), 4-10 px radius, darker or
             brighter.

Every sample carries a boolean ``mask`` of the defect (pixels where the defect changes the image
by at least a quarter of its peak, or the missing feature's footprint) so tests can check where an
anomaly map peaks.

Example
-------
>>> s = render_defect_sample((128, 128), "scratch", rng=1)
>>> s.image.shape, s.image.dtype, bool(s.mask.any())
((128, 128), dtype('uint8'), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy import ndimage

from ..core.pose import Pose2D
from ..errors import InputError
from .render import finish_image, render_scene
from ..core.checks import check_int, check_seed
from .surfaces import (_defect_params, _kinds, brushed_texture, check_scene, check_spec,
                       crack_delta, layout_features, make_texture, stain_delta)

__all__ = ["DEFECT_KINDS", "SURFACE_KINDS", "DefectSpec", "DefectSample", "DefectScene",
           "brushed_texture", "texture_patch", "render_defect_sample", "make_defect_set",
           "paste_defects"]

DEFECT_KINDS = ("scratch", "spot", "dent", "missing", "extra", "crack", "stain")
#: kinds that can be drawn onto any surface (:func:`paste_defects`); the others need a layout
SURFACE_KINDS = ("scratch", "spot", "dent", "crack", "stain")

_BG_LEVEL = 22.0      # background behind the part (gray levels before lighting)
MAX_SET_SIZE = 100_000  # largest number of samples make_defect_set renders
_FACE_LEVEL = 150.0   # mean level of the machined face
_HOLE_LEVEL = 45.0    # bottom of a drilled hole / slot


@dataclass(frozen=True)
class DefectSpec:
    """One defect drawn into a sample.

    Attributes
    ----------
    kind : str
        One of :data:`DEFECT_KINDS`.
    center_xy : tuple of float
        Centre in image pixels.
    size_px : float
        Length (scratch), radius (spot), Gaussian sigma of the height (dent) or feature radius
        (missing), in pixels.
    angle_deg : float
        Orientation (scratch axis, spot/dent ellipse axis, dent light direction otherwise 0).
    contrast : float
        Peak signed change in gray levels (before lighting gain).
    """

    kind: str
    center_xy: tuple[float, float]
    size_px: float
    angle_deg: float
    contrast: float
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_spec(self, DEFECT_KINDS)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "center_xy": list(self.center_xy), "size_px": self.size_px,
                "angle_deg": self.angle_deg, "contrast": self.contrast,
                "params": dict(self.params)}


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields explicitly
class DefectSample:
    """A rendered part face with its ground truth.

    Attributes
    ----------
    image : ndarray (H, W) uint8
    mask : ndarray (H, W) bool
        Defect pixels (all False for a good part).
    kind : str
        ``"good"`` or the defect kind(s) joined by ``"+"``.
    defects : tuple of DefectSpec
    pose : Pose2D
        Maps part (model) coordinates, centred on the image centre, to image pixels.
    """

    image: np.ndarray
    mask: np.ndarray
    kind: str
    defects: tuple[DefectSpec, ...]
    pose: Pose2D

    @property
    def is_good(self) -> bool:
        return not self.defects

    def to_dict(self) -> dict:
        """JSON-ready summary (the image and mask are summarised, not included)."""
        return {"kind": self.kind, "shape": list(self.image.shape),
                "mask_pixels": int(self.mask.sum()), "pose": self.pose.to_dict(),
                "defects": [d.to_dict() for d in self.defects]}


def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def texture_patch(texture: np.ndarray, shape: tuple[int, int], *, rng: Any = None,
                  highpass_sigma_px: float = 24.0) -> np.ndarray:
    """Random crop of a texture image, high-pass filtered and normalised to unit std.

    Use it to put any surface (for instance scikit-image's CC0 ``gravel`` or ``grass``) on the
    part face.  Split the source image between training and test crops so test parts are not
    copies of training parts.

    Returns
    -------
    ndarray (H, W) float64, zero mean, unit standard deviation.
    """
    g = _rng(rng)
    tex = np.asarray(texture, dtype=np.float64)
    if tex.ndim == 3:
        tex = tex.mean(axis=2)
    h, w = int(shape[0]), int(shape[1])
    if tex.ndim != 2 or tex.shape[0] < h or tex.shape[1] < w:
        raise InputError(f"texture: expected a 2-D array of at least {h}x{w}, given shape "
                         f"{np.shape(texture)}")
    r0 = int(g.integers(0, tex.shape[0] - h + 1))
    c0 = int(g.integers(0, tex.shape[1] - w + 1))
    crop = tex[r0:r0 + h, c0:c0 + w]
    crop = crop - ndimage.gaussian_filter(crop, highpass_sigma_px, mode="reflect")
    s = crop.std()
    if s <= 0:
        raise InputError("texture: the crop is constant; pass a textured image")
    return (crop - crop.mean()) / s


def _layout(shape: tuple[int, int], name: str = "plate") -> dict:
    return layout_features(name, shape)


def _sd_plate(u, v, lay):
    hx, hy = lay["half"]
    r = lay["corner"]
    qx, qy = np.abs(u) - hx + r, np.abs(v) - hy + r
    out = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
    return out - r


def _n_features(lay) -> int:
    return len(lay["holes"]) + len(lay["slots"]) + len(lay.get("extra", []))


def _sd_features(u, v, lay, skip: int | None):
    """Signed distance to the nearest machined feature (holes, then slots, then extra holes),
    leaving out feature number ``skip``."""
    d = np.full(np.shape(u), np.inf)
    feats = [("h", f) for f in lay["holes"]] + [("s", f) for f in lay["slots"]] + \
        [("h", f) for f in lay.get("extra", [])]
    for i, (kind, f) in enumerate(feats):
        if i == skip:
            continue
        if kind == "h":
            (cx, cy), r = f
            d = np.minimum(d, np.hypot(u - cx, v - cy) - r)
        else:
            (cx, cy), half, r, ang = f
            ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
            a, b = (u - cx) * ca + (v - cy) * sa, -(u - cx) * sa + (v - cy) * ca
            t = np.clip(a, -half, half)
            d = np.minimum(d, np.hypot(a - t, b) - r)
    return d


def _feature_extent(lay, i):
    """Centre, radius, half length and angle of feature number ``i``."""
    nh = len(lay["holes"])
    if i < nh:
        (cx, cy), r = lay["holes"][i]
        return (cx, cy), r, 0.0, 0.0
    (cx, cy), half, r, ang = lay["slots"][i - nh]
    return (cx, cy), r, half, ang


def _pick_center(g, lay, pose: Pose2D, extent: float, tries: int = 200):
    """A defect centre on the free face, ``extent`` px clear of the edges and features (the
    clearance shrinks, down to 6 px, where the layout leaves no such room: a long scratch may
    then run into a feature, as real ones do)."""
    hx, hy = lay.get("inner", lay["half"])
    while True:
        u = g.uniform(-hx + extent + 6, hx - extent - 6, tries)
        v = g.uniform(-hy + extent + 6, hy - extent - 6, tries)
        ok = (_sd_plate(u, v, lay) < -(extent + 6)) & (_sd_features(u, v, lay, None) > extent + 4)
        if ok.any():
            j = int(np.argmax(ok))
            return pose.apply(np.array([[u[j], v[j]]]))[0]
        if extent <= 6:
            raise InputError(f"image too small to place a defect of extent {extent:.0f} px; "
                             f"use a larger shape")
        extent = max(6.0, 0.8 * extent)


def _scratch(g, shape, lay, pose, params):
    length = params.get("length_px", g.uniform(10, min(70.0, 0.3 * min(shape))))
    width = params.get("width_px", g.uniform(0.55, 1.3))  # Gaussian sigma of the groove
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(16, 45))
    polarity = params.get("polarity", g.choice(["dark", "bright", "pair"]))
    bend = params.get("bend_px", g.uniform(-0.08, 0.08) * length)
    c = _pick_center(g, lay, pose, length / 2 + 3)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    t = dx * np.cos(a) + dy * np.sin(a)
    s = -dx * np.sin(a) + dy * np.cos(a)
    tn = np.clip(t / (length / 2), -1, 1)
    s = s - bend * (1 - tn ** 2)                       # gentle arc
    ends = np.clip((length / 2 - np.abs(t)) / 2.0 + 0.5, 0, 1)  # 2 px tapered ends
    along = 0.65 + 0.35 * np.cos(t * g.uniform(0.15, 0.5) + g.uniform(0, 2 * np.pi))
    prof = np.exp(-0.5 * (s / width) ** 2)
    if polarity == "dark":
        delta = -contrast * prof
    elif polarity == "bright":
        delta = contrast * prof
    else:  # groove lit from one side: a dark and a bright flank
        delta = contrast * 1.6 * (s / width) * np.exp(-0.5 * (s / width) ** 2)
    delta = delta * ends * along
    spec = DefectSpec("scratch", (float(c[0]), float(c[1])), float(length), float(angle),
                      float(contrast if polarity != "dark" else -contrast),
                      {"width_px": float(width), "polarity": str(polarity),
                       "bend_px": float(bend)})
    return delta, None, spec, None


def _spot(g, shape, lay, pose, params):
    radius = params.get("radius_px", g.uniform(2.0, 7.0))
    aspect = params.get("aspect", g.uniform(0.6, 1.0))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(18, 50) * g.choice([-1, 1]))
    power = params.get("edge_power", g.uniform(2.0, 4.0))
    c = _pick_center(g, lay, pose, radius * 2 + 2)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    p = (dx * np.cos(a) + dy * np.sin(a)) / radius
    q = (-dx * np.sin(a) + dy * np.cos(a)) / (radius * aspect)
    delta = contrast * np.exp(-(np.hypot(p, q) ** power))
    spec = DefectSpec("spot", (float(c[0]), float(c[1])), float(radius), float(angle),
                      float(contrast), {"aspect": float(aspect), "edge_power": float(power)})
    return delta, None, spec, None


def _dent(g, shape, lay, pose, params):
    sigma = params.get("sigma_px", g.uniform(4.0, 9.0))
    aspect = params.get("aspect", g.uniform(0.6, 1.0))
    angle = params.get("angle_deg", g.uniform(0, 180))
    light = params.get("light_deg", g.uniform(0, 360))
    contrast = params.get("contrast", g.uniform(12, 24))
    c = _pick_center(g, lay, pose, 2.5 * sigma)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    p = (dx * np.cos(a) + dy * np.sin(a)) / sigma
    q = (-dx * np.sin(a) + dy * np.cos(a)) / (sigma * aspect)
    height = -np.exp(-0.5 * (p * p + q * q))             # a depression
    gy, gx = np.gradient(height)
    la = np.deg2rad(light)
    shade = gx * np.cos(la) + gy * np.sin(la)              # Lambertian slope term
    shade = shade / max(np.abs(shade).max(), 1e-12)
    delta = contrast * shade
    footprint = (p * p + q * q) <= 2.0 * np.log(4.0)  # depth >= a quarter of the deepest point
    flatten = 1.0 - 0.6 * np.exp(-0.5 * (p * p + q * q))    # brushing pressed flat inside
    spec = DefectSpec("dent", (float(c[0]), float(c[1])), float(sigma), float(angle),
                      float(contrast), {"aspect": float(aspect), "light_deg": float(light)})
    return delta, flatten, spec, footprint


def _crack(g, shape, lay, pose, params):
    length = params.get("length_px", g.uniform(12, min(50.0, 0.2 * min(shape))))
    contrast = params.get("contrast", g.uniform(22, 50))
    c = _pick_center(g, lay, pose, length / 3 + 4)  # a random walk spans less than its length
    delta = crack_delta(g, shape, c, length, contrast)
    spec = DefectSpec("crack", (float(c[0]), float(c[1])), float(length), 0.0, -float(contrast))
    return delta, None, spec, None


def _stain(g, shape, lay, pose, params):
    radius = params.get("radius_px", g.uniform(4.0, 10.0))
    contrast = params.get("contrast", g.uniform(14, 35) * g.choice([-1, 1]))
    c = _pick_center(g, lay, pose, 1.8 * radius + 2)
    delta = stain_delta(g, shape, c, radius, contrast)
    spec = DefectSpec("stain", (float(c[0]), float(c[1])), float(radius), 0.0, float(contrast))
    return delta, None, spec, None


_MAKERS = {"scratch": _scratch, "spot": _spot, "dent": _dent, "crack": _crack,
           "stain": _stain}


def _draw_defect(g, kind, shape, lay, pose, params, visible):
    """One surface defect: image change, texture flattening (or None), mask, spec.  The mask
    is where the change reaches a quarter of its peak and the face shows it (``visible``), plus
    the maker's footprint (a dent's depression)."""
    d, f, spec, footprint = _MAKERS[kind](g, shape, lay, pose, params)
    mask = (np.abs(d) >= 0.25 * np.abs(d).max()) & visible
    if footprint is not None:
        mask |= footprint
    return d, f, mask, spec


@dataclass(frozen=True)
class DefectScene:
    """How a part face is rendered (everything but its size, defects and seed).

    Attributes
    ----------
    texture : {"brushed", "blasted", "milled"} or ndarray (h, w)
        Surface texture (:mod:`metrology.synth.surfaces`), or random crops of the given image
        (see :func:`texture_patch`).
    texture_amplitude : float
        Standard deviation of the texture on the face, in gray levels.
    brush_angle_deg : float
        Brushing direction relative to the part (jittered by +-3 degrees per part).
    layout : {"plate", "flange", "bracket"}
        Holes and slots of the part (:func:`~metrology.synth.surfaces.layout_features`).
    noise_sigma : float
        Sensor noise, gray levels.
    placement_px, placement_deg : float
        Maximum random shift (each axis) and rotation of the part.
    lighting : float
        Maximum relative change of the global gain and of the illumination ramp across the image.
    psf_sigma_px : float
        Optical blur.
    supersample : int
        Sub-pixel samples per axis of the outline renderer.
    """

    texture: Any = "brushed"
    texture_amplitude: float = 7.0
    brush_angle_deg: float = 0.0
    layout: str = "plate"
    noise_sigma: float = 2.0
    placement_px: float = 3.0
    placement_deg: float = 1.5
    lighting: float = 0.06
    psf_sigma_px: float = 0.8
    supersample: int = 4

    def __post_init__(self) -> None:
        check_scene(self)


def render_defect_sample(shape: tuple[int, int] = (256, 256), kind: str | Sequence[str] = "good",
                         *, rng: Any = None, scene: DefectScene | None = None,
                         defect_params: dict | None = None, **scene_options: Any) -> DefectSample:
    """Render one part face, good or with defects, with its ground-truth mask.

    Parameters
    ----------
    shape : (H, W)
        Image size (at least 64 x 64).
    kind : str or sequence of str
        ``"good"`` or one or more of :data:`DEFECT_KINDS` (several give several defects).
    rng : int, Generator or None
        Seed or generator; the same seed gives the same image.
    scene : DefectScene, optional
        Texture, layout, placement, lighting, blur and noise (defaults: :class:`DefectScene`).
    defect_params : dict, optional
        Fixed parameters for the defect maker (e.g. ``{"contrast": 20, "length_px": 30}``);
        anything not given is drawn at random.
    **scene_options
        Fields of :class:`DefectScene` given flat (``texture="milled", placement_px=0``).

    Returns
    -------
    DefectSample
    """
    import dataclasses

    if scene is None:
        scene = DefectScene()
    try:
        scene = dataclasses.replace(scene, **scene_options) if scene_options else scene
    except TypeError:
        known = [f.name for f in dataclasses.fields(DefectScene)]
        raise InputError(f"unknown scene option(s) {sorted(set(scene_options) - set(known))}; "
                         f"known: {known}") from None
    texture, texture_amplitude = scene.texture, scene.texture_amplitude
    brush_angle_deg, layout, noise_sigma = scene.brush_angle_deg, scene.layout, scene.noise_sigma
    placement_px, placement_deg = scene.placement_px, scene.placement_deg
    lighting, psf_sigma_px, supersample = scene.lighting, scene.psf_sigma_px, scene.supersample
    h, w = int(shape[0]), int(shape[1])
    if h < 64 or w < 64:
        raise InputError(f"shape: expected at least (64, 64), given {shape}")
    kinds = [k for k in _kinds(kind, DEFECT_KINDS) if k != "good"]
    g = _rng(rng)
    params = _defect_params(defect_params)
    lay = _layout((h, w), layout)
    pose = Pose2D((w - 1) / 2 + g.uniform(-placement_px, placement_px),
                  (h - 1) / 2 + g.uniform(-placement_px, placement_px),
                  g.uniform(-placement_deg, placement_deg), 1.0)
    if "missing" in kinds and _n_features(lay) == 0:
        raise InputError(f"kind 'missing': layout {layout!r} has no feature to leave out")
    skip = int(g.integers(0, _n_features(lay))) if "missing" in kinds else None
    if "extra" in kinds:
        r_extra = float(g.uniform(0.035, 0.06) * min(h, w))
        # centre in model coordinates (identity pose), clear of the plate edge and features
        uv = _pick_center(g, lay, Pose2D(0.0, 0.0, 0.0, 1.0), r_extra + 4)
        lay["extra"] = [((float(uv[0]), float(uv[1])), r_extra)]
    inv = pose.inverse()

    ca, sa = np.cos(np.deg2rad(pose.angle_deg)), np.sin(np.deg2rad(pose.angle_deg))
    held: list[np.ndarray] = []  # hole indicator of each chunk, computed with the face one

    def face_fn(X, Y):  # machined face: inside the plate, outside every feature
        dx, dy = X - pose.x, Y - pose.y
        u, v = ca * dx + sa * dy, -sa * dx + ca * dy  # inverse pose (rotation by -angle)
        plate = _sd_plate(u, v, lay) <= 0
        feat = _sd_features(u, v, lay, skip) <= 0
        held.append((plate & feat).astype(float))
        return (plate & ~feat).astype(float)

    def hole_fn(X, Y):  # bottoms of the holes and the slot (same chunks, same order)
        return held.pop(0)

    face = render_scene(face_fn, (h, w), supersample=supersample, psf_sigma_px=psf_sigma_px)
    hole = render_scene(hole_fn, (h, w), supersample=supersample, psf_sigma_px=psf_sigma_px)

    if isinstance(texture, str):
        tex = make_texture(texture, (h, w), g,
                           pose.angle_deg + brush_angle_deg + g.uniform(-3, 3))
    else:
        tex = texture_patch(texture, (h, w), rng=g)
    tex = tex * texture_amplitude

    delta = np.zeros((h, w))
    flatten = np.ones((h, w))
    mask = np.zeros((h, w), bool)
    specs: list[DefectSpec] = []
    for k in kinds:
        if k in ("missing", "extra"):
            i = skip if k == "missing" else _n_features(lay) - 1
            (cx, cy), r, half, ang = (_feature_extent(lay, i) if k == "missing" else
                                      (lay["extra"][0][0], lay["extra"][0][1], 0.0, 0.0))
            c = pose.apply(np.array([[cx, cy]]))[0]
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
            uv = inv.apply(np.stack([xx, yy], axis=-1))
            ca_, sa_ = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
            a_ = (uv[..., 0] - cx) * ca_ + (uv[..., 1] - cy) * sa_
            b_ = -(uv[..., 0] - cx) * sa_ + (uv[..., 1] - cy) * ca_
            t = np.clip(a_, -half, half)
            mask |= np.hypot(a_ - t, b_) <= r + 1.0
            specs.append(DefectSpec(k, (float(c[0]), float(c[1])), float(r), float(ang),
                                    float(_FACE_LEVEL - _HOLE_LEVEL),
                                    {"feature": int(i), "half_length_px": float(half)}))
            continue
        d, f, m, spec = _draw_defect(g, k, (h, w), lay, pose, params, face > 0.5)
        mask |= m
        delta += d
        if f is not None:
            flatten *= f
        specs.append(spec)

    surface = _FACE_LEVEL + tex * flatten + delta
    clean = _BG_LEVEL + face * (surface - _BG_LEVEL) + hole * (_HOLE_LEVEL - _BG_LEVEL)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ramp_a = g.uniform(-lighting, lighting) * 2
    ang = g.uniform(0, 2 * np.pi)
    ramp = 1.0 + ramp_a * ((xx / w - 0.5) * np.cos(ang) + (yy / h - 0.5) * np.sin(ang))
    gain = g.uniform(1 - lighting, 1 + lighting) * ramp
    image = finish_image(clean, noise_sigma=noise_sigma, rng=g, gain=gain, bits=8)
    return DefectSample(image, mask, "+".join(kinds) if kinds else "good", tuple(specs), pose)


def make_defect_set(n_good: int, kinds: Sequence[str] = ("scratch", "spot", "dent"),
                    n_per_kind: int = 0, *, shape: tuple[int, int] = (256, 256), seed: int = 0,
                    **kwargs: Any) -> list[DefectSample]:
    """``n_good`` good samples followed by ``n_per_kind`` samples of each defect kind.

    Every sample uses its own child seed of ``seed``, so sets are reproducible and two sets with
    different seeds share no part.  ``kwargs`` go to :func:`render_defect_sample`.
    """
    n_good, n_per_kind = (check_int(v, nm, min=0, max=MAX_SET_SIZE) for v, nm in
                          ((n_good, "n_good"), (n_per_kind, "n_per_kind")))
    kinds, seed = _kinds(kinds, DEFECT_KINDS), check_int(seed, "seed", min=0)
    n = n_good + n_per_kind * len(kinds)
    if n > MAX_SET_SIZE:
        raise InputError(f"make_defect_set: expected at most {MAX_SET_SIZE} samples, given {n}")
    seeds = np.random.SeedSequence(seed).spawn(n)
    out = [render_defect_sample(shape, "good", rng=np.random.default_rng(s), **kwargs)
           for s in seeds[:n_good]]
    for j, k in enumerate([k for k in kinds for _ in range(n_per_kind)]):
        out.append(render_defect_sample(shape, k, rng=np.random.default_rng(seeds[n_good + j]),
                                        **kwargs))
    return out


def paste_defects(image: np.ndarray, kind: str | Sequence[str] = "scratch", *, rng: Any = None,
                  defect_params: dict | None = None) -> DefectSample:
    """Draw the generator's surface defects onto an image of a real, good surface.

    Use it to measure a scorer on your own parts: paste defects into held-back good images and
    compare their scores with the untouched ones (:func:`~metrology.anomaly.auroc`).  The
    defects are those of :func:`render_defect_sample`; their contrasts (drawn for a face of 150
    gray levels) are scaled by the image's median level / 150, and a dent flattens the image's
    own texture inside it.  Each defect lies at least its own size from the image border.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3)
        uint8, uint16 or float; H, W >= 64.  Colour images get the same change in each channel.
    kind : str or sequence of str
        ``"good"`` (the image unchanged) or one or more of :data:`SURFACE_KINDS`.
    rng : int, Generator or None
        Seed or generator.
    defect_params : dict, optional
        Fixed parameters of the defect maker, as in :func:`render_defect_sample`.

    Returns
    -------
    DefectSample
        ``image`` of the input's shape and dtype (integer images rounded and clipped to their
        range), the defect ``mask``, ``kind``, ``defects`` and ``pose`` (the identity about the
        image centre: defect centres are image pixels).

    Examples
    --------
    >>> face = render_defect_sample((96, 96), "good", rng=0, layout="face").image
    >>> s = paste_defects(face, "spot", rng=1)
    >>> s.image.shape == face.shape and s.image.dtype == face.dtype, s.kind, bool(s.mask.any())
    (True, 'spot', True)
    """
    shp = getattr(image, "shape", type(image).__name__)
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.shape[0] < 64 \
            or image.shape[1] < 64 or (image.ndim == 3 and image.shape[2] != 3):
        raise InputError(f"image: expected an (H, W) or (H, W, 3) array, H, W >= 64, given {shp}")
    if image.shape[0] * image.shape[1] > 25e6:
        raise InputError(f"image: at most 25 megapixels (crop it), given shape {shp}")
    if image.dtype not in (np.uint8, np.uint16) and not np.issubdtype(image.dtype, np.floating):
        raise InputError(f"image: expected uint8, uint16 or float, given dtype {image.dtype}")
    if not np.all(np.isfinite(image)):
        raise InputError("image: contains NaN or inf")
    h, w = image.shape[:2]
    kinds = [k for k in _kinds(kind, SURFACE_KINDS) if k != "good"]
    x = image.astype(np.float64)
    level = float(np.median(x if x.ndim == 2 else x.mean(axis=2)))
    if level <= 0:
        raise InputError("image: its median level is 0; defect contrasts are scaled by it")
    g, params, ch = check_seed(rng), _defect_params(defect_params), (h, w) + (1,) * (x.ndim - 2)
    lay, pose = layout_features("face", (h, w)), Pose2D((w - 1) / 2, (h - 1) / 2, 0.0, 1.0)
    delta, flatten, mask = np.zeros((h, w)), np.ones((h, w)), np.zeros((h, w), bool)
    specs: list[DefectSpec] = []
    for k in kinds:
        d, f, m, spec = _draw_defect(g, k, (h, w), lay, pose, params, np.ones((h, w), bool))
        delta, mask = delta + d, mask | m
        flatten = flatten if f is None else flatten * f
        specs.append(spec)
    if kinds:
        local = ndimage.gaussian_filter(x, (4.0, 4.0) + (0.0,) * (x.ndim - 2), mode="reflect")
        x = local + (x - local) * flatten.reshape(ch) + (delta * (level / _FACE_LEVEL)).reshape(ch)
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(x), info.min, info.max).astype(image.dtype)
    else:
        out = x.astype(image.dtype)
    return DefectSample(out, mask, "+".join(kinds) if kinds else "good", tuple(specs), pose)
