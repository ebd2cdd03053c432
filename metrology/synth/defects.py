"""Textured part faces with surface defects and their ground-truth masks.

Used by the anomaly tests, examples and benchmark.  A *part face* is a machined plate with
drilled holes and slots (``layout``: ``plate`` — two holes and a slot —, ``flange``, ``bracket``;
see :mod:`metrology.synth.surfaces`), lying on a dark background; its surface is brushed metal,
blasted or milled (random textures that differ from part to part, as real finishes do) or any
texture array you pass.  Each image has a small random placement (shift, rotation) and lighting variation
(global gain and an illumination ramp), optical blur, noise and 8-bit quantisation.  The plate and
feature outlines go through the physical renderer (:func:`~metrology.synth.render.render_scene`).

Defect kinds (:data:`DEFECT_KINDS`; :data:`SURFACE_KINDS` those that can be pasted onto any
surface), each drawn with random size, orientation and contrast, are described one by one in
:mod:`metrology.synth._defect_kinds` (a module of its own since the fiftieth held-out: the list
grows with each): scratches, spots, dents, missing and extra features, cracks, stains and the
rest, down to punch witnesses, tack welds and pick marks.

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

from ..core.checks import as_vector, check_int, check_positive, check_seed
from ..core.pose import Pose2D
from ..errors import InputError
from ._coverage import inside_fields
from ._defect_kinds import DEFECT_KINDS, SURFACE_KINDS
from ._defect_makers import (draw_defect, feature_extent, free_distance, n_features, n_missable,
                             pick_center, sd_features, sd_plate, window_of)
from ._textures_more import sd_window, sink_shading
from .render import finish_image, render_scene
from .surfaces import (MAX_TEXTURE_SIDE, _defect_params, _kinds, brushed_texture, check_scene,
                       check_spec, layout_features, make_texture)

__all__ = ["DEFECT_KINDS", "SURFACE_KINDS", "DefectSpec", "DefectSample", "DefectScene",
           "brushed_texture", "texture_patch", "render_defect_sample", "make_defect_set",
           "paste_defects", "texture_sigma"]

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


def _shape(shape: Any, min_side: int) -> tuple[int, int]:
    """Checked image size ``(h, w)``: two integers in [min_side, MAX_TEXTURE_SIDE]."""
    h, w = (check_int(v, "shape", min=min_side, max=MAX_TEXTURE_SIDE)
            for v in as_vector(shape, "shape", 2))
    return h, w


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
    g = check_seed(rng)
    h, w = _shape(shape, 1)
    highpass_sigma_px = check_positive(highpass_sigma_px, "highpass_sigma_px", max=1000.0)
    if not isinstance(texture, np.ndarray) or texture.dtype.kind not in "uif" or \
            texture.ndim not in (2, 3) or texture.size > 64e6:
        raise InputError(f"texture: expected a 2-D (or H x W x C) numeric array of at most "
                         f"64 million values, given {getattr(texture, 'shape', type(texture).__name__)}")
    tex = texture.astype(np.float64)
    if tex.ndim == 3:
        tex = tex.mean(axis=2)
    if not np.all(np.isfinite(tex)):
        raise InputError("texture: contains NaN or inf")
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


def texture_sigma(image: np.ndarray, region: np.ndarray | None = None, *,
                  shading_sigma_px: float = 8.0, margin_px: int = 3) -> float:
    """A face's own contrast: robust standard deviation (gray levels) of its texture and noise.

    The slow shading (lighting ramp, gain) is removed by a Gaussian of ``shading_sigma_px``
    normalised over ``region``, so the region's edges do not leak into it; the spread is
    1.4826 x the median absolute deviation of the rest over ``region`` eroded by ``margin_px``
    (a Gaussian's standard deviation, not raised by sparse pores or bright inclusions).  Use it
    to state a defect's contrast in units of the texture it lies on.

    Parameters
    ----------
    image : ndarray (H, W)
        A good part face (any numeric dtype).
    region : ndarray (H, W) bool, optional
        The face's pixels (off holes, background and outline); default: the whole image.

    Examples
    --------
    >>> flat = np.full((64, 64), 120, np.uint8)
    >>> texture_sigma(flat)
    0.0
    """
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.dtype.kind not in "uif" \
            or min(image.shape) < 8 or not np.all(np.isfinite(image)):
        raise InputError(f"image: expected a finite 2-D numeric array of at least 8 x 8, given "
                         f"{getattr(image, 'shape', type(image).__name__)}")
    shading_sigma_px = check_positive(shading_sigma_px, "shading_sigma_px", max=1000.0)
    margin_px = check_int(margin_px, "margin_px", min=0, max=1000)
    m = np.ones(image.shape, bool) if region is None else region
    if not isinstance(m, np.ndarray) or m.shape != image.shape:
        raise InputError(f"region: expected a boolean array of shape {image.shape}")
    m = m.astype(bool)
    x, mf = image.astype(np.float64), m.astype(np.float64)
    shading = ndimage.gaussian_filter(x * mf, shading_sigma_px, mode="reflect") / np.maximum(
        ndimage.gaussian_filter(mf, shading_sigma_px, mode="reflect"), 1e-6)
    inner = ndimage.binary_erosion(m, iterations=margin_px, border_value=0) if margin_px else m
    if not inner.any():
        raise InputError("region: nothing left after eroding it by margin_px; give a larger one")
    r = (x - shading)[inner]
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


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
                         defect_params: dict | None = None, contrast_scale: float = 1.0,
                         **scene_options: Any) -> DefectSample:
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
    contrast_scale : float
        Factor (finite, > 0) on every surface defect's drawn signed change (its ``contrast``,
        as recorded in its :class:`DefectSpec`), applied after all random draws: the same seed
        gives the same part, defect and mask at any scale, only the defect's contrast differs
        (1.0, the default, leaves the output unchanged).  The texture flattening of a dent or
        scuff is not scaled (it is already relative to the texture); missing / extra features
        are not changed.  For detectability sweeps (:func:`texture_sigma` measures the face's
        own contrast to compare with).
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
    h, w = _shape(shape, 64)
    contrast_scale = check_positive(contrast_scale, "contrast_scale", max=1e6)
    kinds = [k for k in _kinds(kind, DEFECT_KINDS) if k != "good"]
    g = check_seed(rng)
    params = _defect_params(defect_params)
    lay = layout_features(layout, (h, w))
    pose = Pose2D((w - 1) / 2 + g.uniform(-placement_px, placement_px),
                  (h - 1) / 2 + g.uniform(-placement_px, placement_px),
                  g.uniform(-placement_deg, placement_deg), 1.0)
    if "missing" in kinds and n_features(lay) == 0:
        raise InputError(f"kind 'missing': layout {layout!r} has no feature to leave out")
    skip = int(g.integers(0, n_missable(lay))) if "missing" in kinds else None
    cones = lay.get("cones", [])  # countersinks of holes (layout hinge): one per hole, in order
    if skip is not None and skip < len(cones):  # a countersunk hole left out: its cone too
        lay["cones"] = cones[:skip] + cones[skip + 1:]
    if "extra" in kinds:
        r_extra = float(g.uniform(0.035, 0.06) * min(h, w))
        # centre in model coordinates (identity pose), clear of the plate edge and features
        uv = pick_center(g, lay, Pose2D(0.0, 0.0, 0.0, 1.0), r_extra + 4)
        lay["extra"] = [((float(uv[0]), float(uv[1])), r_extra)]
    inv = pose.inverse()

    ca, sa = np.cos(np.deg2rad(pose.angle_deg)), np.sin(np.deg2rad(pose.angle_deg))
    held: list[np.ndarray] = []  # hole indicator of each chunk, computed with the face one

    def model(X, Y):  # image to model coordinates: the inverse pose (rotation by -angle)
        dx, dy = X - pose.x, Y - pose.y
        return ca * dx + sa * dy, -sa * dx + ca * dy

    def face_fn(X, Y):  # machined face: inside the plate, outside every feature
        # the two signs, evaluated sample by sample only near their edges (``_coverage``)
        plate, feat = inside_fields(X, Y, [lambda x, y: sd_plate(*model(x, y), lay),
                                           lambda x, y: sd_features(*model(x, y), lay, skip)])
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
            i = skip if k == "missing" else n_features(lay) - 1
            (cx, cy), r, half, ang = (feature_extent(lay, i) if k == "missing" else
                                      (lay["extra"][0][0], lay["extra"][0][1], 0.0, 0.0))
            c = pose.apply(np.array([[cx, cy]]))[0]
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
            uv = inv.apply(np.stack([xx, yy], axis=-1))
            ca_, sa_ = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
            a_ = (uv[..., 0] - cx) * ca_ + (uv[..., 1] - cy) * sa_
            b_ = -(uv[..., 0] - cx) * sa_ + (uv[..., 1] - cy) * ca_
            t = np.clip(a_, -half, half)
            win = window_of(lay, i) if k == "missing" else None
            r_mask = cones[i][2] if k == "missing" and i < len(cones) else r  # with its cone
            mask |= (np.hypot(a_ - t, b_) <= r_mask + 1.0) if win is None else \
                (sd_window(uv[..., 0], uv[..., 1], win) <= 1.0)
            specs.append(DefectSpec(k, (float(c[0]), float(c[1])), float(r), float(ang),
                                    float(_FACE_LEVEL - _HOLE_LEVEL),
                                    {"feature": int(i), "half_length_px": float(half)}))
            continue
        d, f, m, spec = draw_defect(g, k, (h, w), lay, pose, params, face > 0.5)
        mask |= m
        delta += d * contrast_scale
        if f is not None:
            flatten *= f
        spec = spec[:4] + (spec[4] * contrast_scale,) + spec[5:]
        specs.append(DefectSpec(*spec))

    if lay.get("sinks") or lay.get("cones"):  # countersinks (panel, hinge), counterbores
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        ring, slope = sink_shading(*np.moveaxis(inv.apply(np.stack([xx, yy], -1)), -1, 0), lay)
        tex, delta = tex * (1.0 - 0.6 * ring), delta - 14.0 * ring + 10.0 * slope
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
    different seeds share no part.  ``kwargs`` go to :func:`render_defect_sample` (among them
    ``contrast_scale``: the same seed at two scales gives the same parts and defects, only the
    defects' contrast differing).
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
                  defect_params: dict | None = None, region: np.ndarray | None = None,
                  level: float | None = None) -> DefectSample:
    """Draw the generator's surface defects onto an image of a real, good surface.

    Use it to measure a scorer on your own parts: paste defects into held-back good images and
    compare their scores with the untouched ones (:func:`~metrology.anomaly.auroc`).  The
    defects are those of :func:`render_defect_sample`; their contrasts (drawn for a face of 150
    gray levels) are scaled by ``level`` / 150 (by default the median level of ``region``, of
    the image without one), and a dent flattens the image's own texture inside it.  Each
    defect lies at least its own size from the image border.

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
    region : ndarray (H, W) bool, optional
        Where the defects may lie (e.g. the part face, off its holes and outline): each
        defect's centre is then placed as :func:`render_defect_sample` places it on a part,
        its own size plus 4 px clear of the region's edges and of the image border (the
        clearance shrinking to 6 + 4 px where there is no such room, and the deepest pixel of
        the region where there is none), and their contrasts are scaled by the region's median
        level: a part covering under half the image on a dark background has the background's
        median, which drew its defects at a fraction of their contrast (0.15 on held-out 22's
        gusset).  Default: the whole image.
    level : float > 0, optional
        The face level the contrasts are scaled for (default: the region's median level).

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
    gray = x if x.ndim == 2 else x.mean(axis=2)
    g, params, ch = check_seed(rng), _defect_params(defect_params), (h, w) + (1,) * (x.ndim - 2)
    lay, pose = layout_features("face", (h, w)), Pose2D((w - 1) / 2, (h - 1) / 2, 0.0, 1.0)
    if region is not None:
        if not isinstance(region, np.ndarray) or region.shape != (h, w):
            raise InputError(f"region: expected a boolean array of shape {(h, w)}, given "
                             f"{getattr(region, 'shape', type(region).__name__)}")
        if kinds and not region.any():
            raise InputError("region: empty; give the pixels the defects may lie on")
        lay["free"] = free_distance(region.astype(bool))
    # the level the contrasts are scaled by: given, or where the defects go (the region), else
    # the image's
    given = level
    if level is not None:
        level = check_positive(level, "level (the face level defect contrasts are scaled by)",
                               allow_zero=True)
    else:
        level = float(np.median(gray[region.astype(bool)] if region is not None and region.any()
                                else gray))
    if level <= 0:
        where = "region" if region is not None and region.any() else "image"
        raise InputError(f"image: the median level of the {where} is 0; defect contrasts are "
                         f"scaled by it" if given is None else
                         "level: 0; defect contrasts are scaled by it (give a level > 0)")
    delta, flatten, mask = np.zeros((h, w)), np.ones((h, w)), np.zeros((h, w), bool)
    specs: list[DefectSpec] = []
    for k in kinds:
        d, f, m, spec = draw_defect(g, k, (h, w), lay, pose, params, np.ones((h, w), bool))
        delta, mask = delta + d, mask | m
        flatten = flatten if f is None else flatten * f
        specs.append(DefectSpec(*spec))
    if kinds:
        local = ndimage.gaussian_filter(x, (4.0, 4.0) + (0.0,) * (x.ndim - 2), mode="reflect")
        x = local + (x - local) * flatten.reshape(ch) + (delta * (level / _FACE_LEVEL)).reshape(ch)
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(x), info.min, info.max).astype(image.dtype)
    else:
        out = x.astype(image.dtype)
    return DefectSample(out, mask, "+".join(kinds) if kinds else "good", tuple(specs), pose)
