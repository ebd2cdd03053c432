"""Golden-image segmentation: the part region, primitives, and images without a part."""

from __future__ import annotations

import numpy as np
import pytest
from teach_helpers import pose_at, render

from metrology.core.pose import Pose2D
from metrology.errors import InputError, MetrologyError
from metrology.inspect import Recipe
from metrology.synth.drawn import ScaleStation
from metrology.synth.render import finish_image
from metrology.teach.geometry import Arc, EllipseArc, Line, Loop, PartGeometry
from metrology.teach.segment import find_part_region, segment_part

STATION = ScaleStation(0.1, (640, 480))


def _part_with_ellipse_and_fillet():
    """A 36 x 24 plate, one rounded corner (R 5, tangent to both sides), a round hole and an
    elliptical hole."""
    out = Loop((Line((0, 0), (31, 0)), Arc((31, 5), 5.0, -90.0, 90.0), Line((36, 5), (36, 24)),
                Line((36, 24), (0, 24)), Line((0, 24), (0, 0))))
    holes = (Loop((Arc((8, 12), 3.0, 0.0, 360.0),)),
             Loop((EllipseArc((24, 13), (6.0, 3.0), 25.0, 0.0, 360.0),)))
    return PartGeometry(out, holes)


def test_primitives_of_a_part_with_fillet_circle_and_ellipse():
    g = _part_with_ellipse_and_fillet()
    img = render(STATION, g, pose_at(STATION, g, 20.0), rng=1)
    seg = segment_part(img)
    assert seg.polarity == "bright"
    kinds = sorted(type(p).__name__ for p in seg.geometry.outline.items)
    assert kinds == ["Arc", "Line", "Line", "Line", "Line"]
    fillet = [p for p in seg.geometry.outline.items if isinstance(p, Arc)][0]
    assert fillet.radius == pytest.approx(50.0, abs=1.0)          # R 5 mm at 0.1 mm/px
    assert abs(fillet.extent_deg) == pytest.approx(90.0, abs=1.5)   # cut at the tangent points
    holes = sorted(type(h.items[0]).__name__ for h in seg.geometry.holes)
    assert holes == ["Arc", "EllipseArc"]
    ell = [h.items[0] for h in seg.geometry.holes if isinstance(h.items[0], EllipseArc)][0]
    assert sorted(ell.semi_axes) == pytest.approx([30.0, 60.0], abs=0.5)
    # and the recipe taught from it measures the ellipse (major/minor diameters)
    recipe = Recipe.teach(img, station=0.1)
    names = {m.name for m in recipe.measurements}
    assert {"ellipse_1_major_diameter", "ellipse_1_minor_diameter", "hole_1_diameter",
            "arc_1_radius"} <= names
    res = recipe.run(render(STATION, g, pose_at(STATION, g, -55.0, (1.0, 0.5)), rng=2))
    by = {m.name: m.value for m in res.measurements}
    assert by["ellipse_1_major_diameter"] == pytest.approx(12.0, abs=0.005)
    assert by["ellipse_1_minor_diameter"] == pytest.approx(6.0, abs=0.005)
    assert by["hole_1_diameter"] == pytest.approx(6.0, abs=0.005)


def test_region_found_with_dust_and_a_dark_part():
    g = PartGeometry.from_polygons([[0, 0], [20, 0], [20, 15], [0, 15]])
    img = render(STATION, g, pose_at(STATION, g, 5.0), polarity="dark", rng=2).copy()
    img[20:23, 20:23] = 40                                      # dust near the border
    mask, pol, (part, bg) = find_part_region(img)
    assert pol == "dark" and part < bg
    assert mask.sum() == pytest.approx(200 * 150, rel=0.02)


def _flat(value=120.0, noise=2.0):
    return finish_image(np.full((240, 320), value), noise_sigma=noise, rng=0)


@pytest.mark.parametrize("make,match", [
    (lambda: _flat(), "flat"),
    (lambda: _flat(noise=12.0), "flat|no part"),
    (lambda: np.zeros((240, 320), np.uint8), "flat"),
], ids=["flat", "noise-only", "black"])
def test_golden_image_without_a_part(make, match):
    with pytest.raises(InputError, match=match):
        segment_part(make())
    with pytest.raises(InputError, match=match):
        Recipe.teach(make(), station=0.1)


def test_part_touching_the_border_or_low_contrast():
    g = PartGeometry.from_polygons([[0, 0], [40, 0], [40, 15], [0, 15]])
    station = ScaleStation(0.1, (640, 480))
    big = render(station, g, pose_at(station, g, 0.0), rng=0)
    with pytest.raises(InputError, match="border"):
        segment_part(big[:, 150:-150])                          # cut through the part
    faint = render(station, g, pose_at(station, g, 0.0), levels=(52.0, 45.0))
    with pytest.raises(InputError, match="no part found"):
        segment_part(faint)


def test_bad_roi_and_mask():
    img = _flat()
    for roi in ((0, 0, 5, 5), (300, 200, 100, 100), "abc", (0, 0, float("inf"), 50)):
        with pytest.raises(InputError, match="roi"):
            segment_part(img, roi)
    with pytest.raises(InputError, match="mask"):
        segment_part(img, np.ones((10, 10), bool))
    with pytest.raises(MetrologyError):
        Recipe.teach(img[:, :, None].repeat(3, axis=2)[:0], station=0.1)


@pytest.mark.parametrize("angle", [17.0, pytest.param(-100.0, marks=pytest.mark.slow)])
def test_teach_on_the_library_s_own_parts(angle):
    """Parts drawn by another renderer (metrology.synth.parts, polygons at 1 px scale): the
    bracket's 9 outline edges, 3 holes and its slot (2 sides, 2 R 8 px ends) are found, and
    the taught recipe passes the same part at another pose."""
    from metrology.synth.parts import make_part, render_part_scene

    scene = render_part_scene("bracket", [Pose2D(320, 240, angle, 1.0)], rng=1)
    recipe = Recipe.teach(scene.image, station=0.05)
    names = {t.name for t in recipe.tools}
    assert recipe.teach_info["counts"] == {"circle": 3, "line": 11, "arc": 2}
    assert {"hole_1", "hole_2", "hole_3", "slot_1_side_1", "slot_1_side_2", "slot_1_end_1",
            "slot_1_end_2"} <= names
    part = make_part("bracket")
    sides = np.hypot(*(np.roll(part.outline, -1, axis=0) - part.outline).T)
    assert sum(n.startswith("edge_") for n in names) == len(sides) == 9
    other = render_part_scene("bracket", [Pose2D(300, 250, angle + 123.0, 1.0)], rng=2)
    res = recipe.run(other.image)
    assert res.status == "pass", res.error


def test_dark_part_roi_on_a_calibrated_station(tmp_path):
    """A back-lit part seen by the tilted pinhole camera, an ROI given in the golden image's
    pixels: taught in the rectified view; an ROI that cuts the part is refused (its bright
    holes are not taken for the part)."""
    from teach_helpers import pinhole_station, plane_of, plate_inch

    from metrology.teach.dxf import read_dxf

    st = pinhole_station()
    g = read_dxf(plate_inch(tmp_path / "p.dxf")).geometry
    img = render(st, g, pose_at(st, g, 30.0), polarity="dark", rng=1)
    with pytest.raises(InputError, match="no dark blob lies clear of the image"):
        Recipe.teach(img, station=plane_of(st), roi=(150, 100, 700, 560))
    recipe = Recipe.teach(img, station=plane_of(st), roi=(100, 50, 820, 660))
    assert recipe.teach_info["polarity"] == "dark"
    assert recipe.teach_info["counts"] == {"circle": 2, "arc": 1, "line": 4}
    res = recipe.run(render(st, g, pose_at(st, g, -80.0, (2, 1)), polarity="dark", rng=2))
    assert res.status == "pass", res.error
