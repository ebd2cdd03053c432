"""Helpers for the shape-matching tests: models of the built-in parts (built once per session),
random scenes with the issue's nuisance ranges, pose errors."""

from __future__ import annotations

import numpy as np
from metrology.core.pose import Pose2D
from metrology.match import ShapeModel
from metrology.synth.parts import make_part, random_pose, render_part_scene, render_template

_CACHE: dict = {}


def get_model(name: str, polarity: str = "use", scale_range=(0.9, 1.1)) -> ShapeModel:
    key = (name, polarity, tuple(scale_range))
    if key not in _CACHE:
        _CACHE[key] = ShapeModel.create(render_template(name).image, scale_range=scale_range,
                                        polarity=polarity)
    return _CACHE[key]


def pose_error(found: Pose2D, true: Pose2D) -> tuple[float, float, float]:
    """(position error px, angle error deg (wrapped), relative scale error)."""
    d = float(np.hypot(found.x - true.x, found.y - true.y))
    da = float((found.angle_deg - true.angle_deg + 180.0) % 360.0 - 180.0)
    return d, da, found.scale / true.scale - 1.0


def random_scene(name: str, seed: int, **kw):
    """A scene with one instance at a random pose, blur 0.7-1.5 px and noise 1-4 gray levels
    (the issue's ranges) unless given."""
    rng = np.random.default_rng(seed)
    part = make_part(name)
    pose = random_pose(rng, part, kw.pop("shape", (480, 640)))
    kw.setdefault("psf_sigma_px", float(rng.uniform(0.7, 1.5)))
    kw.setdefault("noise_sigma", float(rng.uniform(1.0, 4.0)))
    return render_part_scene(part, [pose], rng=rng, **kw), pose
