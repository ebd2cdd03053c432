"""A fixtured part rendered with exact geometry (640x480) and its recipe, for the studio tests.

The part is bright (190) with two dark round holes, a dark region left of x = 60 (its left
edge) and a dark slot 25 px wide; 0.05 mm per pixel.  Hole A (radius 40 px, Ø 4.000 mm) is
where the circle tool is dragged to; the recipe starts with that tool off the hole.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import cv2
import numpy as np

from metrology.synth.render import finish_image
from metrology.synth.shapes import Disk, HalfPlane, Stripe, render_shapes

SHAPE = (480, 640)
PX_MM = 0.05
HOLE_A = (200.0, 240.0, 40.0)   # x, y, r (px): Ø 4.000 mm
HOLE_B = (450.0, 200.0, 30.0)
LEFT_X = 60.0
SLOT = (520.0, 25.0)            # left edge x, width (px): 1.250 mm
START_A = (150.0, 360.0)        # where the recipe's hole_a tool starts (no hole there)


@functools.lru_cache(maxsize=4)
def _clean(hole_a_r: float) -> np.ndarray:
    """The noise-free render (cached: the renderer takes seconds on a busy machine)."""
    layers = [(Disk(HOLE_A[:2], hole_a_r), -140.0),
              (Disk(HOLE_B[:2], HOLE_B[2]), -140.0),
              (HalfPlane((LEFT_X, 0.0), 180.0), -140.0),
              (Stripe((SLOT[0], 0.0), 0.0, SLOT[1]), -140.0)]
    return render_shapes(layers, SHAPE, background=190.0, psf_sigma_px=1.0, supersample=4)


def render(hole_a_r: float = HOLE_A[2], seed: int = 0) -> np.ndarray:
    """uint8 (480, 640) picture of the part with noise of 1 gray level (seeded)."""
    return finish_image(_clean(float(hole_a_r)), noise_sigma=1.0, rng=seed)


def recipe_doc(tool_at=START_A) -> dict:
    return {
        "format": "metrology.recipe", "version": 1, "name": "studio plate",
        "station": {"pixel_size_mm": PX_MM},
        "tools": [
            {"name": "hole_a", "type": "circle", "center_xy": list(tool_at), "radius": 36.0,
             "num_calipers": 48, "caliper_length": 20},
            {"name": "hole_b", "type": "circle", "center_xy": [451.0, 199.0], "radius": 30.0,
             "num_calipers": 32, "caliper_length": 16},
            {"name": "left", "type": "line", "p0_xy": [LEFT_X, 120.0], "p1_xy": [LEFT_X, 380.0],
             "num_calipers": 12, "caliper_length": 16},
            {"name": "slot", "type": "edge_pair", "p0_xy": [500.0, 330.0],
             "p1_xy": [565.0, 330.0], "transition": "negative"},
        ],
        "measurements": [
            {"name": "hole_a_d", "type": "diameter", "feature": "hole_a",
             "nominal_mm": 4.0, "tolerance_mm": 0.02},
            {"name": "a_to_b", "type": "distance", "from": "hole_a", "to": "hole_b",
             "nominal_mm": float(np.hypot(HOLE_B[0] - HOLE_A[0], HOLE_B[1] - HOLE_A[1]) * PX_MM),
             "tolerance_mm": 0.05},
            {"name": "a_to_left", "type": "distance", "from": "hole_a", "to": "left",
             "nominal_mm": (HOLE_A[0] - LEFT_X) * PX_MM, "tolerance_mm": 0.05},
            {"name": "slot_w", "type": "width", "feature": "slot",
             "nominal_mm": SLOT[1] * PX_MM, "tolerance_mm": 0.02},
        ],
    }


def make_folder(root: Path, *, tool_at=START_A, parts: bool = True) -> dict:
    """The recipe folder (recipe + golden image) and a parts folder of three images:
    two good parts, one with hole A of Ø 4.100 mm (fails)."""
    folder = root / "recipe"
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "golden.png"), render(seed=1))
    recipe = folder / "plate.recipe.json"
    recipe.write_text(json.dumps(recipe_doc(tool_at), indent=1))
    out = {"folder": folder, "recipe": recipe}
    if parts:
        images = root / "parts"
        images.mkdir()
        cv2.imwrite(str(images / "part_01.png"), render(seed=2))
        cv2.imwrite(str(images / "part_02.png"), render(seed=3))
        cv2.imwrite(str(images / "part_03.png"), render(hole_a_r=41.0, seed=4))
        out["images"] = images
    return out
