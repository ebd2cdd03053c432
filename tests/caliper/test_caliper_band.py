"""Search-band flags of the contour tools (issue 12, "silent wrong answers").

A fit that crosses any of the tool's nominal calipers more than ``length / 2`` (+1 px slack,
``metrology.caliper._band.BAND_SLACK_PX``) from the nominal geometry was not measured by the
calipers the user placed: ``ok=False`` with a reason that says what and by how much.  Ground
truth from ``metrology.synth`` renders; the good cases are the same tools on their own edges.
"""

from __future__ import annotations

import numpy as np
import pytest

from metrology.caliper import CircleTool, find_circle, find_ellipse, find_line
from metrology.caliper._band import BAND_SLACK_PX, circle_band, line_band
from metrology.errors import FitError
from metrology.inspect import Recipe
from metrology.synth.shapes import Disk, HalfPlane, render_shapes
from metrology.viz.inspect import draw_inspection, failure_reason


@pytest.fixture(scope="module")
def two_holes():
    """A plate with a hole of radius 10 at (60, 60) and one of radius 20 at (160, 60)."""
    return render_shapes([(Disk((60.0, 60.0), 10.0), -100.0),
                          (Disk((160.0, 60.0), 20.0), -100.0)], (120, 220), background=180)


def test_circle_band_geometry():
    # nominal r 10, calipers of length 10 (reach +-5): a radius beyond 10 +- (5 + slack) fails
    ang = np.arange(8) * 45.0
    assert circle_band((0, 0), 10.0, ang, 10.0, (0, 0), 10.0 + 5.0 + 0.9 * BAND_SLACK_PX) is None
    why = circle_band((0, 0), 10.0, ang, 10.0, (0, 0), 16.5)
    assert why is not None and "+6.50 px from the nominal 10.00 px" in why
    assert "reach of +-5.00 px" in why
    # a shifted fit: the rays cross it at 10 + 4 cos(phi), all within reach
    assert circle_band((0, 0), 10.0, ang, 10.0, (4.0, 0.0), 10.0) is None
    # shifted by 8: rays at 0/180 deg cross 8 px off, +-45/135 deg 5.7 px (slack: inside),
    # 90/270 deg 3.6 px: 6 of 8 inside -- the second pass follows such a hole
    assert circle_band((0, 0), 10.0, ang, 10.0, (8.0, 0.0), 10.0) is None
    # the nominal radius far away: crosses no ray within reach (most not at all)
    why = circle_band((0, 0), 10.0, ang, 10.0, (30.0, 0.0), 10.0)
    assert why is not None and "crosses only 0 of 8 calipers" in why
    assert "does not cross caliper" in why


def test_line_band_geometry():
    # segment along x, 4 calipers at x = 12.5, 37.5, 62.5, 87.5, reach +-12 (+1 slack)
    assert line_band((0, 0), (100, 0), 4, 24.0, (50.0, 12.9), (1.0, 0.0)) is None
    why = line_band((0, 0), (100, 0), 4, 24.0, (50.0, 13.5), (1.0, 0.0))
    assert why is not None and "middle is +13.50 px from the nominal segment" in why

    def turned(deg):
        return np.cos(np.radians(deg)), np.sin(np.radians(deg))

    # turned 40 deg about the middle: 12.5 tan 40 = 10.5 px inside, 37.5 tan 40 = 31.5 px not:
    # half the calipers see it (a turned part the second pass follows)
    assert line_band((0, 0), (100, 0), 4, 24.0, (50.0, 0.0), turned(40)) is None
    # 60 deg: 21.7 and 65.0 px, none inside
    why = line_band((0, 0), (100, 0), 4, 24.0, (50.0, 0.0), turned(60))
    assert why is not None and "60.0 deg" in why and "only 0 of 4" in why
    # parallel to the calipers: crosses none of them
    assert "does not cross" in line_band((0, 0), (100, 0), 4, 24.0, (50.0, 0.0), (0.0, 1.0))


def test_circle_tool_over_the_wrong_hole_fails(two_holes):
    good = find_circle(two_holes, (60, 60), 10)
    assert good.ok and good.reason is None and abs(good.radius - 10.0) < 0.01
    # the case: nominal radius 10 placed 10 px beside the radius-20 hole; the first
    # pass sees that hole's rim on the rays towards it and the second pass follows it
    wrong = find_circle(two_holes, (150, 60), 10)
    assert abs(wrong.radius - 20.0) < 0.05        # the fit itself: twice the nominal radius
    assert not wrong.ok
    assert "outside the search band" in wrong.reason
    assert "radius 20.00 px is +10.00 px from the nominal 10.00 px" in wrong.reason
    assert "reach of +-5.00 px" in wrong.reason
    # the round trip keeps the flag
    back = type(wrong).from_dict(wrong.to_dict())
    assert not back.ok and back.reason == wrong.reason


def test_ellipse_tool_over_the_wrong_hole_fails(two_holes):
    assert find_ellipse(two_holes, (60, 60), (10, 10)).ok
    assert find_ellipse(two_holes, (160, 60), (20, 19)).ok
    # placed 12 px beside the radius-20 hole with axes (12, 10): the second pass follows the
    # other hole's rim
    wrong = find_ellipse(two_holes, (148, 60), (12, 10))
    assert np.allclose(wrong.semi_axes, 20.0, atol=0.1) and not wrong.ok
    assert "a fitted semi-axis" in wrong.reason and "+9.9" in wrong.reason


def test_line_tool_off_its_edge_fails():
    # an edge 30 deg from the nominal segment, crossing it at its middle: the middle calipers
    # see it, the second pass lays all calipers on it; only the 4 calipers within 22.5 px of
    # the middle (13 px / tan 30) have it within their reach
    img = render_shapes([(HalfPlane((60.0, 40.0), 120.0), 150.0)], (100, 140), background=50)
    wrong = find_line(img, (10, 40), (110, 40), num_calipers=10)
    assert abs(wrong.angle_deg - 30.0) < 0.01 and not wrong.ok
    assert "30.0 deg from the nominal" in wrong.reason and "only 4 of 10" in wrong.reason
    # the same edge under a short segment stays inside the calipers' reach (+-10.4 px)
    assert find_line(img, (40, 40), (80, 40), num_calipers=10).ok
    flat = render_shapes([(HalfPlane((60.0, 40.3), 90.0), 150.0)], (100, 140), background=50)
    good = find_line(flat, (10, 40), (110, 40), num_calipers=10)
    assert good.ok and abs(good.point_xy[1] - 40.3) < 0.01


def test_failed_tool_fails_its_measurement_with_the_reason(two_holes):
    recipe = Recipe.from_dict({
        "station": {"pixel_size_mm": 0.1},
        "tools": [{"name": "good", "type": "circle", "center_xy": [60, 60], "radius": 10},
                  {"name": "hole", "type": "circle", "center_xy": [150, 60], "radius": 10}],
        "measurements": [
            {"name": "d_hole", "type": "diameter", "feature": "hole", "nominal_mm": 2.0,
             "tolerance_mm": 0.1},
            {"name": "d_good", "type": "diameter", "feature": "good", "nominal_mm": 2.0,
             "tolerance_mm": 0.1}]})
    res = recipe.run(two_holes, name="plate")
    assert res.status == "fail"
    assert "tool hole failed: outside the search band" in res.error
    assert "no edge" not in res.error
    d_hole, d_good = res.measurements
    assert d_hole.passed is False and d_hole.value is None
    assert d_hole.error.startswith("hole: outside the search band")
    assert d_good.passed is True and abs(d_good.value - 2.0) < 0.002
    # what the overlay prints under the measurement
    assert "outside the search band" in failure_reason(d_hole)
    assert draw_inspection(two_holes, res).ndim == 3
    # the tool's own to_features refuses the failed result
    tool = CircleTool((150.0, 60.0), 10.0, name="hole")
    with pytest.raises(FitError, match="outside the search band"):
        tool.to_features(tool.measure(two_holes), recipe.station.plane)


def test_circle_band_shortcut_matches_crossings():
    # circle_band returns None without computing the crossings when |d| <= r and
    # |d| + |r - r0| <= reach + slack; the crossings computed here must then all lie within
    # the reach (the bound is exact: |t - r| <= |d| on each ray), including right at the limit
    rng = np.random.default_rng(5)
    ang = np.arange(32) * (360.0 / 32) + 5.0
    u = np.stack([np.cos(np.radians(ang)), np.sin(np.radians(ang))], axis=1)
    for _ in range(500):
        r0, length = rng.uniform(3, 50), rng.uniform(2, 24)
        budget = (length / 2 + BAND_SLACK_PX) * rng.uniform(0.5, 1.0)
        off = rng.uniform(0, budget)
        r = r0 + rng.choice([-1, 1]) * (budget - off)
        if r < off:
            continue                                   # the centre outside the circle
        phi = rng.uniform(0, 2 * np.pi)
        d = off * np.array([np.cos(phi), np.sin(phi)])
        ud = u @ d
        t = ud + np.sqrt(ud * ud - d @ d + r * r)      # the crossing at t >= 0
        assert np.all(np.abs(t - r0) <= length / 2 + BAND_SLACK_PX + 1e-9)
        assert circle_band((0, 0), r0, ang, length, d, r) is None
    # just beyond the reach, the full check still flags
    why = circle_band((0, 0), 10.0, ang, 10.0, (0, 0), 10.0 + 5.0 + 1.01 * BAND_SLACK_PX)
    assert why is not None


def test_line_band_shortcut_matches_crossings():
    # line_band returns None from the crossings at the first and last caliper and the
    # middle (the crossing offset is linear along the segment); against every crossing
    # computed here: None exactly when all are within the reach and the middle's too
    # (cases within 1e-6 px of the limit left out)
    rng = np.random.default_rng(8)
    for _ in range(800):
        k = int(rng.integers(2, 30))
        p0 = rng.uniform(-50, 50, 2)
        p1 = p0 + rng.uniform(-100, 100, 2)
        length = rng.uniform(4, 30)
        ang = rng.normal(0, 0.3) + np.arctan2(*(p1 - p0)[::-1])
        u = np.array([np.cos(ang), np.sin(ang)])
        point = 0.5 * (p0 + p1) + rng.normal(0, length / 3, 2)
        seg = p1 - p0
        n = np.array([-seg[1], seg[0]]) / np.hypot(*seg)
        q = p0 + np.append((np.arange(k) + 0.5) / k, 0.5)[:, None] * seg
        t = ((point - q) @ np.array([u[1], -u[0]])) / (n[0] * u[1] - n[1] * u[0])
        reach = length / 2 + BAND_SLACK_PX
        if np.any(np.abs(np.abs(t) - reach) < 1e-6):
            continue
        inside = bool(np.all(np.abs(t) <= reach))
        assert (line_band(p0, p1, k, length, point, u) is None) == inside or (
            not inside and abs(t[k]) <= reach and 2 * np.sum(np.abs(t[:k]) <= reach) >= k)
