"""Parts with small machined features, good or with one feature missing or one extra: a held-out
check of the position-aware anomaly check (:class:`~metrology.anomaly.aligned.AlignedModel`).

The generator's layouts (:func:`~metrology.synth.surfaces.layout_features`) have holes of 7.7 px
radius and more at 256 x 256.  The ``ladder`` layout here has two long slots (the stiles) and
five rungs of two holes each between them, whose radii run from ``0.016`` to ``0.032`` of the
image side (4.1 to 8.2 px at 256 x 256): most missing features are then small holes.  An extra
feature is a hole of the same range of radii drilled on the free face.  Faces, lighting, blur,
noise and placement are those of :func:`~metrology.synth.defects.render_defect_sample`.

Example
-------
>>> s = render_feature_sample((128, 128), "missing", rng=3)
>>> s.kind, s.image.shape, bool(s.mask.any())
('missing', (128, 128), True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.checks import check_finite, check_int, check_seed
from ..core.pose import Pose2D
from ..errors import InputError
from ._defect_makers import feature_extent, n_features, pick_center, sd_features, sd_plate
from .defects import _BG_LEVEL, _FACE_LEVEL, _HOLE_LEVEL, DefectSample, DefectSpec
from .render import finish_image, render_scene
from .surfaces import TEXTURES, make_texture

__all__ = ["ladder_layout", "render_feature_sample", "make_feature_set"]

#: smallest and largest hole radius of the ladder layout and of an extra hole, x image side
SMALL_RADII = (0.016, 0.032)


def ladder_layout(shape: tuple[int, int]) -> dict:
    """The ``ladder`` layout in model pixels (origin at the image centre), in the dictionary
    form of :func:`~metrology.synth.surfaces.layout_features`: two vertical slots at
    x = +-0.3 W and ten holes in five rungs, radii ``SMALL_RADII`` (smallest first)."""
    h, w = shape
    s = float(min(h, w))
    radii = np.linspace(SMALL_RADII[0], SMALL_RADII[1], 10) * s
    rungs = [(x * w, y * h) for y in (-0.3, -0.15, 0.0, 0.15, 0.3) for x in (-0.12, 0.12)]
    return {"half": (0.44 * w, 0.44 * h), "corner": 0.08 * s,
            "holes": [((float(cx), float(cy)), float(r)) for (cx, cy), r in zip(rungs, radii)],
            "slots": [((sg * 0.3 * w, 0.0), 0.3 * h, 0.03 * s, 90.0) for sg in (-1.0, 1.0)]}


def _footprint(shape, pose, extent) -> np.ndarray:
    """Pixels within 1 px of feature ``extent`` ((cx, cy), r, half, angle: model frame)."""
    (cx, cy), r, half, ang = extent
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    uv = pose.inverse().apply(np.stack([xx, yy], axis=-1))
    ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
    a = (uv[..., 0] - cx) * ca + (uv[..., 1] - cy) * sa
    b = -(uv[..., 0] - cx) * sa + (uv[..., 1] - cy) * ca
    return np.hypot(a - np.clip(a, -half, half), b) <= r + 1.0


def render_feature_sample(shape: tuple[int, int] = (256, 256), kind: str = "good", *,
                          rng: Any = None, texture: str = "blasted",
                          placement_px: float = 3.0, placement_deg: float = 2.0,
                          lighting: float = 0.10, feature: int | None = None) -> DefectSample:
    """One ``ladder`` part: ``kind`` ``"good"``, ``"missing"`` (one feature, chosen at
    random, never machined) or ``"extra"`` (one more hole of radius ``SMALL_RADII`` on the free
    face).  The face texture is one of :data:`~metrology.synth.surfaces.TEXTURES` (amplitude 7
    gray levels); noise 2 gray levels, blur 0.8 px, 8 bits.  ``pose`` maps model coordinates
    (origin at the image centre) to the image; ``mask`` is the missing or extra feature's
    footprint dilated by 1 px.  ``feature`` fixes which one is missing (0..11: the ten holes,
    smallest first, then the two slots)."""
    h, w = (check_int(v, f"shape[{i}]", min=64, max=4096) for i, v in enumerate(shape))
    if kind not in ("good", "missing", "extra"):
        raise InputError(f"kind: expected 'good', 'missing' or 'extra', given {kind!r:.40}")
    if texture not in TEXTURES:
        raise InputError(f"texture: expected one of {TEXTURES}, given {texture!r:.40}")
    placement_px = check_finite(placement_px, "placement_px", min=0.0, max=0.1 * min(h, w))
    placement_deg = check_finite(placement_deg, "placement_deg", min=0.0, max=45.0)
    lighting = check_finite(lighting, "lighting", min=0.0, max=0.5)
    g = check_seed(rng)
    lay = ladder_layout((h, w))
    pose = Pose2D((w - 1) / 2 + g.uniform(-placement_px, placement_px),
                  (h - 1) / 2 + g.uniform(-placement_px, placement_px),
                  g.uniform(-placement_deg, placement_deg), 1.0)
    skip = int(g.integers(0, n_features(lay))) if kind == "missing" else None
    if feature is not None and kind == "missing":
        skip = check_int(feature, "feature", min=0, max=n_features(lay) - 1)
    if kind == "extra":
        r = float(g.uniform(*SMALL_RADII) * min(h, w))
        uv = pick_center(g, lay, Pose2D(0.0, 0.0, 0.0, 1.0), r + 4)
        lay["extra"] = [((float(uv[0]), float(uv[1])), r)]
    ca, sa = np.cos(np.deg2rad(pose.angle_deg)), np.sin(np.deg2rad(pose.angle_deg))

    held: list[np.ndarray] = []  # hole indicator of each chunk, computed with the face one

    def face_fn(X, Y):  # the face: inside the plate, outside every feature
        dx, dy = X - pose.x, Y - pose.y
        u, v = ca * dx + sa * dy, -sa * dx + ca * dy
        plate, feat = sd_plate(u, v, lay) <= 0, sd_features(u, v, lay, skip) <= 0
        held.append((plate & feat).astype(float))
        return (plate & ~feat).astype(float)

    face = render_scene(face_fn, (h, w), supersample=4, psf_sigma_px=0.8)
    hole = render_scene(lambda X, Y: held.pop(0), (h, w), supersample=4, psf_sigma_px=0.8)
    tex = 7.0 * make_texture(texture, (h, w), g, pose.angle_deg + g.uniform(-3, 3))
    clean = _BG_LEVEL + face * (_FACE_LEVEL + tex - _BG_LEVEL) + hole * (_HOLE_LEVEL - _BG_LEVEL)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ramp_a, ang = g.uniform(-lighting, lighting) * 2, g.uniform(0, 2 * np.pi)
    ramp = 1.0 + ramp_a * ((xx / w - 0.5) * np.cos(ang) + (yy / h - 0.5) * np.sin(ang))
    gain = g.uniform(1 - lighting, 1 + lighting) * ramp
    image = finish_image(clean, noise_sigma=2.0, rng=g, gain=gain, bits=8)
    if kind == "good":
        return DefectSample(image, np.zeros((h, w), bool), "good", (), pose)
    i = skip if kind == "missing" else n_features(lay) - 1
    ext = feature_extent(lay, i) if kind == "missing" else (*lay["extra"][0], 0.0, 0.0)
    c = pose.apply(np.array([ext[0]], float))[0]
    spec = DefectSpec(kind, (float(c[0]), float(c[1])), float(ext[1]), float(ext[3]),
                      _FACE_LEVEL - _HOLE_LEVEL, {"feature": int(i), "half_length_px":
                                                  float(ext[2])})
    return DefectSample(image, _footprint((h, w), pose, ext), kind, (spec,), pose)


def make_feature_set(n_good: int, n_per_kind: int = 0, *, shape: tuple[int, int] = (256, 256),
                     seed: int = 0, **kwargs: Any) -> list[DefectSample]:
    """``n_good`` good ladder parts, then ``n_per_kind`` with a missing feature and as many with
    an extra hole; every sample has its own child seed of ``seed`` (as
    :func:`~metrology.synth.defects.make_defect_set`).  ``kwargs`` go to
    :func:`render_feature_sample`."""
    n_good = check_int(n_good, "n_good", min=0, max=10_000)
    n_per_kind = check_int(n_per_kind, "n_per_kind", min=0, max=10_000)
    seeds = np.random.SeedSequence(check_int(seed, "seed", min=0)).spawn(n_good + 2 * n_per_kind)
    kinds = ["good"] * n_good + ["missing"] * n_per_kind + ["extra"] * n_per_kind
    return [render_feature_sample(shape, k, rng=np.random.default_rng(s), **kwargs)
            for k, s in zip(kinds, seeds)]
