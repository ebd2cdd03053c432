"""The redesigned overlay: the panel beside (or below) the image never covers the part, every
value is written with its deviation, tolerance and, for a failure, the reason with its numbers;
text sizes follow the image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from _inspect_helpers import PLATE_H, PLATE_W, plate_recipe_doc, render_plate, rotated
from metrology.inspect import MeasurementResult, Recipe
from metrology.viz._overlay import value_text
from metrology.viz.inspect import failure_reason, render_inspection


def _overlap(a, b):
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1]
                or b[1] + b[3] <= a[1])


def _part_bbox(pose):
    c = pose.apply(np.array([[-PLATE_W / 2, -PLATE_H / 2], [PLATE_W / 2, -PLATE_H / 2],
                             [PLATE_W / 2, PLATE_H / 2], [-PLATE_W / 2, PLATE_H / 2]]))
    x0, y0 = c.min(axis=0)
    x1, y1 = c.max(axis=0)
    return (int(x0), int(y0), int(np.ceil(x1 - x0)), int(np.ceil(y1 - y0)))


@pytest.mark.parametrize("panel", ["right", "below"])
def test_panel_beside_the_part_and_every_value_written(tmp_path, panel):
    pose = rotated(8.0, 2.0, -1.0)
    img = render_plate(pose, seed=4)
    doc = plate_recipe_doc()
    doc["measurements"][0]["nominal_mm"] = 2.45   # true 2.5: +0.05 > +0.02 fails
    res = Recipe.from_dict(doc, tmp_path).run(img)
    out, lay = render_inspection(img, res, panel=panel)
    h, w = img.shape
    assert lay.image_rect == (0, 0, w, h)
    # the image is where it was, unscaled; the panel is outside it, so it never covers the part
    assert not _overlap(lay.panel_rect, lay.image_rect)
    assert not _overlap(lay.panel_rect, _part_bbox(pose))
    assert out.shape[0] >= h and out.shape[1] >= w
    assert (out.shape[1] > w) if panel == "right" else (out.shape[0] > h)
    texts = lay.text_items()
    panel_texts = [t for t, r in lay.texts if _overlap(r, lay.panel_rect)]
    for k, m in enumerate(res.measurements, start=1):
        row = [t for t in panel_texts if f"{m.name}: {value_text(m)}" in t]
        assert len(row) == 1, (m.name, panel_texts)
        assert f"{m.deviation:+.4f}" in row[0]
        assert ("tol +/-0.020" in row[0]) if m.unit == "mm" else ("tol +/-0.500" in row[0])
        # and the same value on its dimension in the image
        assert any(t == f"{k}: {m.value:.4f}" or t == f"{k}: {m.value:.3f}" for t in texts)
    m = res.measurement("hole_d")
    dev = m.value - 2.45
    assert failure_reason(m) == f"out of tolerance: {dev:+.3f} mm > +0.020"
    assert any(failure_reason(m) in t for t in panel_texts)
    assert "FAIL" in texts and any(t.endswith("FAIL") and "hole_d" in t for t in texts)
    # image labels stay inside the image and do not overlap each other
    on_image = [r for t, r in lay.texts if not _overlap(r, lay.panel_rect)]
    for i, a in enumerate(on_image):
        assert a[0] >= 0 and a[1] >= 0 and a[0] + a[2] <= w + 1 and a[1] + a[3] <= h + 1
        for b in on_image[i + 1:]:
            assert not _overlap(a, b)


def test_not_measured_says_how_many_calipers_found_an_edge(tmp_path):
    img = render_plate(rotated(0.0), hole=False, seed=5)
    res = Recipe.from_dict(plate_recipe_doc(), tmp_path).run(img)
    out, lay = render_inspection(img, res)
    why = failure_reason(res.measurement("hole_d"))
    assert why == "not measured: 32 of 32 calipers found no edge (tool hole)"
    assert any(why in t for t in lay.text_items())
    assert res.measurement("width").passed and failure_reason(res.measurement("width")) is None


def test_failure_reasons_one_sided_and_below():
    m = MeasurementResult("gap", "distance", "mm", 5.041, min=None, max=5.03, passed=False)
    assert failure_reason(m) == "out of tolerance: 5.0410 mm > max 5.0300"
    m = MeasurementResult("d", "diameter", "mm", 3.95, nominal=4.0, min=3.97, max=4.03,
                          passed=False)
    assert failure_reason(m) == "out of tolerance: -0.050 mm < -0.030"
    assert failure_reason(MeasurementResult("d", "diameter", "mm", 4.0, passed=None)) is None


@pytest.mark.parametrize("size, min_px", [((640, 480), 9), ((2592, 1944), 18)])
def test_text_is_readable_at_100_percent(tmp_path, size, min_px):
    """Cap height of the text: >= 9 px on 640x480 and >= 18 px on a 5 MP image (each about
    1/50-1/100 of the image height), drawn once on a dark box."""
    w, h = size
    base = render_plate(rotated(0.0), seed=6)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_LINEAR)
    res = Recipe.from_dict(plate_recipe_doc(), tmp_path).run(base)
    out, lay = render_inspection(img, res, show_points=False)
    (_, cap), _ = cv2.getTextSize("H", 0, lay.font_scale, 1)
    assert cap >= min_px
    assert out.shape[0] >= h and out.shape[1] >= w


def test_colorbar_matches_the_map_it_explains():
    from metrology.viz._text import draw_colorbar

    img = np.zeros((300, 200, 3), np.uint8)
    draw_colorbar(img, (20, 40, 16, 200), 0.42, label="sigma (px)", gain=0.6)
    top = img[41, 28]
    bottom = img[238, 28]
    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_VIRIDIS)[:, 0]
    assert np.abs(top.astype(int) - lut[153]).max() <= 2   # 255 * 0.6 at vmax
    assert np.abs(bottom.astype(int) - lut[1]).max() <= 3
    assert img[40:240, 40:120].max() > 100     # tick labels
    assert img[10:35, 20:120].max() > 100      # title
