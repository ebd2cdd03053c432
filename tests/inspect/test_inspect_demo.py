"""The demo's ground truth and the mm pipeline through a real lens and a tilted plane.

The demo plate is rendered through the camera of ``calib_images/`` (barrel distortion,
k1 = -0.21) onto a plane tilted by a few degrees, at 0.05 mm/px; measuring it through the *true*
plane isolates the inspection pipeline (edges -> undistortion -> plane -> fits in mm) from the
calibration's own error, which ``metrology demo`` (slow test) adds back.
"""

from __future__ import annotations

import numpy as np
import pytest

from metrology.calib import CameraModel, Plane
from metrology.core.pose import Pose2D
from metrology.synth.demo import demo_part, demo_station, render_demo_part

TRUE_CAM = CameraModel([[1100.0, 0.0, 517.3], [0.0, 1100.0, 379.6], [0.0, 0.0, 1.0]],
                       [-0.21, 0.14, 4e-4, -3e-4, -0.05], (1024, 768))


@pytest.fixture(scope="module")
def station():
    return demo_station(TRUE_CAM, mm_per_px=0.05)


def _sample(img, xy):
    """Cubic-spline interpolation (bilinear would add up to ~f''/8 = 5 gray levels here)."""
    from scipy.ndimage import map_coordinates

    return map_coordinates(img, [xy[:, 1], xy[:, 0]], order=3, mode="nearest")


def test_renderer_puts_edges_where_the_lens_projects_them(station):
    """Noise-free render: at the forward projection (``camera.project``, the lens polynomial)
    of the plate's straight edges the image sits at the mid level; the slope there is ~60 gray
    levels/px, so 0.5 level is 0.008 px."""
    part = demo_part()
    pose = Pose2D(float(station.center_mm[0]) + 1.3, float(station.center_mm[1]) - 0.7, 27.0)
    r = render_demo_part(station, part, pose, noise_sigma=0.0, lighting=0.0, bits=0)
    img = r.image.astype(np.float64)
    mid = 0.5 * (190.0 + 45.0)
    t = np.linspace(-0.35, 0.35, 15)  # along the edges, away from the corners
    w, h = part.width / 2, part.height / 2
    edges = np.concatenate([np.c_[-w + 0 * t, t * part.height],
                            np.c_[t * part.width, h + 0 * t]])
    vals = _sample(img, station.project(pose.apply(edges)))
    assert np.max(np.abs(vals - mid)) < 0.5
    # rims of the holes: the same, plus the blurred circle's known inward shift
    # sigma_e^2 / (2R) (<= 0.02 px for the 2.5 mm hole, ~1.2 levels): bound 2 levels
    for hole in part.holes:
        a = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        rim = np.c_[hole.x + hole.diameter / 2 * np.cos(a), hole.y + hole.diameter / 2 * np.sin(a)]
        vals = _sample(img, station.project(pose.apply(rim)))
        assert np.max(np.abs(vals - mid)) < 2.0, hole.name


def test_plate_through_true_plane_within_5_um(station, tmp_path):
    from metrology.inspect import Recipe
    from metrology.inspect.demo import build_demo_recipe
    from metrology.inspect.station import Station
    from metrology.match import ShapeModel

    part = demo_part()
    rng = np.random.default_rng(11)
    tp = Pose2D(float(station.center_mm[0]), float(station.center_mm[1]), 0.0)
    tpl = render_demo_part(station, part, tp, rng=rng)
    o = station.project(tp.apply(part.outline()))
    x0, y0 = (np.floor(o.min(0)) - 24).astype(int)
    x1, y1 = (np.ceil(o.max(0)) + 25).astype(int)
    origin = station.project(tp.apply([[0.0, 0.0]]))[0] - [x0, y0]
    ShapeModel.create(np.ascontiguousarray(tpl.image[y0:y1, x0:x1]),
                      origin_xy=tuple(origin)).save(tmp_path / "m.model.json")
    doc = build_demo_recipe(station, part, tp, origin, (x0, y0))
    doc.update(station={"pixel_size_mm": 1.0}, model={"file": "m.model.json"})
    recipe = Recipe.from_dict(doc, tmp_path)
    recipe._station = Station(Plane(TRUE_CAM, station.rvec, station.tvec), (1024, 768), {})
    pose = Pose2D(float(station.center_mm[0]) - 1.9, float(station.center_mm[1]) + 1.4, 141.0)
    r = render_demo_part(station, part, pose, rng=rng)
    res = recipe.run(r.image)
    assert res.status == "pass", res.error
    for m in res.measurements:
        err = m.value - r.truth[m.name]
        if m.unit == "deg":
            assert abs(err) < 0.01, m  # 0.01 deg over a 14 mm edge is 2.4 um
        else:
            # 5 um = 0.1 px at 0.05 mm/px: half the 10 um target; the web width's
            # caliper-width bias (+2 um, see docs/inspection.md) included
            assert abs(err) < 0.005, (m.name, err)
            assert m.uncertainty < 0.002


def test_rectified_matching_on_a_15_degree_tilted_station(tmp_path):
    """At 15 deg of tilt the plate's image is no longer a similarity of the template (a plain
    model scores ~0.45 < 0.7); searching on the rectified plane view finds it (score ~1) and the
    tools mapped back into the raw image measure within 5 um (0.1 px)."""
    from metrology.inspect import Recipe
    from metrology.inspect.demo import build_demo_recipe
    from metrology.inspect.rectify import Rectifier, RectifySpec
    from metrology.inspect.station import Station
    from metrology.match import ShapeModel

    st = demo_station(TRUE_CAM, mm_per_px=0.05, tilt_deg=(15.0, 5.0))
    plane = Plane(TRUE_CAM, st.rvec, st.tvec)
    spec = RectifySpec.covering(plane, TRUE_CAM.image_size, 0.05)
    part = demo_part()
    rng = np.random.default_rng(5)
    tp = Pose2D(float(st.center_mm[0]), float(st.center_mm[1]), 0.0)
    rect = Rectifier(spec, plane).image(render_demo_part(st, part, tp, rng=rng).image)
    o = spec.to_rect(tp.apply(part.outline()))
    x0, y0 = (np.floor(o.min(0)) - 24).astype(int)
    x1, y1 = (np.ceil(o.max(0)) + 25).astype(int)
    origin = spec.to_rect(tp.apply([[0.0, 0.0]]))[0] - [x0, y0]
    ShapeModel.create(np.ascontiguousarray(rect[y0:y1, x0:x1]),
                      origin_xy=tuple(origin)).save(tmp_path / "m.model.json")
    doc = build_demo_recipe(st, part, tp, origin, (x0, y0), project=spec.to_rect)
    doc.update(station={"pixel_size_mm": 1.0},
               model={"file": "m.model.json", "rectify": spec.to_dict()})
    recipe = Recipe.from_dict(doc, tmp_path)
    recipe._station = Station(plane, TRUE_CAM.image_size, {})
    pose = Pose2D(float(st.center_mm[0]) + 1.7, float(st.center_mm[1]) - 1.1, -121.0)
    r = render_demo_part(st, part, pose, rng=rng)
    res = recipe.run(r.image)
    assert res.status == "pass", res.error
    assert res.match_score > 0.9 and res.pose_frame == "rectified"
    for m in res.measurements:
        err = m.value - r.truth[m.name]
        assert abs(err) < (0.01 if m.unit == "deg" else 0.005), (m.name, err)


def test_rectifier_maps_built_in_blocks_are_the_one_call_maps():
    """The rectified view's maps are built in blocks of rows (fast: the temporaries stay in
    the cache); every value is bit-identical to mapping the whole view in one call, also when
    the block ends in the middle of the view."""
    from metrology.inspect import rectify
    from metrology.inspect.rectify import Rectifier, RectifySpec

    st = demo_station(TRUE_CAM, mm_per_px=0.05, tilt_deg=(15.0, 5.0))
    plane = Plane(TRUE_CAM, st.rvec, st.tvec)
    spec = RectifySpec.from_dict({"mm_per_px": 0.07, "origin_mm": [-8.0, -6.0],
                                  "size_px": [333, 251]})
    w, h = spec.size_px
    u, v = np.meshgrid(np.arange(w, dtype=float), np.arange(h, dtype=float))
    raw = plane.to_px(spec.to_mm(np.stack([u.ravel(), v.ravel()], 1)))
    for block in (1, 7 * w + 5, rectify._MAP_BLOCK, 10**9):
        old = rectify._MAP_BLOCK
        rectify._MAP_BLOCK = block
        try:
            r = Rectifier(spec, plane)
        finally:
            rectify._MAP_BLOCK = old
        assert r.map_x.dtype == np.float32 and r.map_x.shape == (h, w)
        assert np.array_equal(r.map_x, raw[:, 0].reshape(h, w).astype(np.float32))
        assert np.array_equal(r.map_y, raw[:, 1].reshape(h, w).astype(np.float32))
