"""The part-scene renderer's ground truth (the matcher's accuracy tests rest on it)."""

from __future__ import annotations

import numpy as np
import pytest

from metrology.core.pose import Pose2D
from metrology.errors import InputError
from metrology.synth.parts import (PART_NAMES, contour_samples, make_part, random_poses,
                                   render_part_scene, render_template)
from metrology.synth.parts import _signed_area


@pytest.mark.parametrize("name", PART_NAMES)
def test_rendered_area_matches_polygon_area(name):
    """Sum of (image - background) / contrast = part area (outline minus holes) to 0.1 %
    (no noise, float output; the area is exact up to the blur leaving the image, which the
    margin prevents)."""
    part = make_part(name)
    area = sum(_signed_area(r) for r in part.rings)  # holes are negative
    scene = render_part_scene(part, [Pose2D(200.3, 170.7, 33.0, 1.07)], shape=(340, 400),
                              noise_sigma=0.0, bits=0, rng=0)
    measured = (scene.image.astype(np.float64) - 40.0).sum() / 160.0
    assert abs(measured / (area * 1.07 ** 2) - 1) < 1e-3


def test_edge_position_is_exact():
    """A straight edge of the bracket, rendered at an angle, crosses 50 % gray where the
    polygon says (to 0.01 px, blur 1 px, no noise)."""
    scene = render_part_scene("bracket", [Pose2D(200.0, 150.0, 10.0, 1.0)], shape=(300, 400),
                              noise_sigma=0.0, bits=0, rng=0)
    img = scene.image.astype(np.float64)
    # the bottom side y = 55 (part frame) from x = -60 to 60, normal (0, 1) turned by 10 deg
    pose = Pose2D(200.0, 150.0, 10.0, 1.0)
    n = pose.apply_vectors([0.0, 1.0])
    errs = []
    for x in np.linspace(-50, 50, 11):  # 11 profiles
        p0 = pose.apply([x, 55.0])
        t = np.linspace(-4, 4, 161)
        pts = p0 + t[:, None] * n
        from metrology.image.pyramid import sample_bicubic_exact
        v = sample_bicubic_exact(img, pts)
        k = np.nonzero(v < 120.0)[0][0]      # 120 = half-way between 40 and 200
        frac = (v[k - 1] - 120.0) / (v[k - 1] - v[k])
        errs.append(t[k - 1] + frac * (t[k] - t[k - 1]))
    assert np.abs(errs).max() < 0.03  # linear interpolation of a 1-px-blurred step


def test_template_and_scene_bookkeeping():
    tpl = render_template("gear")
    h, w = tpl.image.shape
    assert tpl.origin_xy == ((w - 1) / 2, (h - 1) / 2) and tpl.image.dtype == np.uint8
    part = make_part("lpart")
    scene = render_part_scene(part, [Pose2D(320, 240, 0, 1)], occlusion=0.25, rng=3)
    assert abs(scene.instances[0].occluded_fraction - 0.25) < 0.01
    assert scene.to_dict()["instances"][0]["pose"]["x"] == 320
    poses = random_poses(np.random.default_rng(0), part, (600, 800), 3)
    for i in range(3):
        for j in range(i):
            assert np.hypot(poses[i].x - poses[j].x, poses[i].y - poses[j].y) > part.radius * 1.8
    pts = contour_samples(part, Pose2D(10, 20, 0, 1), spacing=0.5)
    assert pts.shape[1] == 2 and len(pts) > 1000
    with pytest.raises(InputError):
        make_part("spoon")
    with pytest.raises(InputError):
        random_poses(np.random.default_rng(0), part, (300, 300), 5)
