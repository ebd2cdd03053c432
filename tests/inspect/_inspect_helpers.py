"""Small scenes with exact geometry for the inspection tests (rendered by the project's physical
renderer: fine grid, blur at fine resolution, pixel integration, noise, 8-bit)."""

from __future__ import annotations

import math

import numpy as np

from metrology.core.pose import Pose2D
from metrology.synth.render import finish_image, render_scene

# plate in its own frame (px): centre (0, 0), 160 x 100, one hole of radius 25 at (-35, -10)
PLATE_W, PLATE_H = 160.0, 100.0
HOLE = (-35.0, -10.0, 25.0)
SHAPE = (180, 240)  # (H, W)


def render_plate(pose: Pose2D, *, noise: float = 1.0, seed: int = 0, blur: float = 1.0,
                 hole: bool = True, bright: float = 190.0, dark: float = 50.0) -> np.ndarray:
    """The plate at ``pose`` (plate frame px -> image px); uint8 (180, 240)."""
    inv = pose.inverse()
    ss = 4
    ramp = 1.0 / ss

    def radiance(X, Y):
        m = inv.linear
        u = m[0, 0] * X + m[0, 1] * Y + inv.x
        v = m[1, 0] * X + m[1, 1] * Y + inv.y
        d = np.minimum(np.minimum(PLATE_W / 2 - u, PLATE_W / 2 + u),
                       np.minimum(PLATE_H / 2 - v, PLATE_H / 2 + v))
        inside = np.clip(0.5 + d / ramp, 0, 1)
        if hole:
            dh = np.hypot(u - HOLE[0], v - HOLE[1]) - HOLE[2]
            inside = inside * np.clip(0.5 + dh / ramp, 0, 1)
        return dark + (bright - dark) * inside

    clean = render_scene(radiance, SHAPE, supersample=ss, psf_sigma_px=blur)
    return finish_image(clean, noise_sigma=noise, rng=seed)


def plate_recipe_doc(*, pixel_size_mm: float = 0.05, model: dict | None = None,
                     hole_tol: float = 0.02) -> dict:
    """A recipe for the plate; tools in the plate frame (with a model) or in the image at the
    identity-free reference pose (120, 90, 0 deg) when fixtured."""
    off = np.array([0.0, 0.0]) if model else np.array([120.0, 90.0])
    w, h = PLATE_W / 2, PLATE_H / 2

    def p(x, y):
        return [float(x + off[0]), float(y + off[1])]

    return {
        "format": "metrology.recipe", "version": 1, "name": "test plate",
        "station": {"pixel_size_mm": pixel_size_mm},
        **({"model": model} if model else {}),
        "tools": [
            {"name": "hole", "type": "circle", "center_xy": p(HOLE[0], HOLE[1]),
             "radius": HOLE[2], "num_calipers": 32, "caliper_length": 16},
            {"name": "left", "type": "line", "p0_xy": p(-w, -h + 15), "p1_xy": p(-w, h - 15),
             "num_calipers": 10, "caliper_length": 16},
            {"name": "right", "type": "line", "p0_xy": p(w, -h + 15), "p1_xy": p(w, h - 15),
             "num_calipers": 10, "caliper_length": 16},
            {"name": "bottom", "type": "line", "p0_xy": p(-w + 15, h), "p1_xy": p(w - 15, h),
             "num_calipers": 10, "caliper_length": 16},
        ],
        "measurements": [
            {"name": "hole_d", "type": "diameter", "feature": "hole",
             "nominal_mm": 2 * HOLE[2] * pixel_size_mm, "tolerance_mm": hole_tol},
            {"name": "width", "type": "distance", "from": "left", "to": "right",
             "nominal_mm": PLATE_W * pixel_size_mm, "tolerance_mm": 0.02},
            {"name": "hole_to_left", "type": "distance", "from": "hole", "to": "left",
             "nominal_mm": (HOLE[0] + w) * pixel_size_mm, "tolerance_mm": 0.02},
            {"name": "corner", "type": "angle", "from": "left", "to": "bottom",
             "nominal_deg": 90.0, "tolerance_deg": 0.5},
            {"name": "hole_x", "type": "position", "feature": "hole", "axis": "x",
             "datum": {"origin": "left", "x_axis": "bottom", "y_towards": "hole"},
             "nominal_mm": (HOLE[0] + w) * pixel_size_mm, "tolerance_mm": 0.02},
            {"name": "hole_y", "type": "position", "feature": "hole", "axis": "y",
             "datum": {"origin": "left", "x_axis": "bottom", "y_towards": "hole"},
             "nominal_mm": (h - HOLE[1]) * pixel_size_mm, "tolerance_mm": 0.02},
        ],
    }


def truth_mm(pixel_size_mm: float = 0.05) -> dict:
    w, h = PLATE_W / 2, PLATE_H / 2
    return {"hole_d": 2 * HOLE[2] * pixel_size_mm, "width": PLATE_W * pixel_size_mm,
            "hole_to_left": (HOLE[0] + w) * pixel_size_mm, "corner": 90.0,
            "hole_x": (HOLE[0] + w) * pixel_size_mm, "hole_y": (h - HOLE[1]) * pixel_size_mm}


def rotated(angle_deg: float, dx: float = 0.0, dy: float = 0.0) -> Pose2D:
    return Pose2D(120.0 + dx, 90.0 + dy, angle_deg)


__all__ = ["render_plate", "plate_recipe_doc", "truth_mm", "rotated", "math"]
