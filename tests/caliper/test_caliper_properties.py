"""Property tests: any caliper placement on a known edge finds that edge."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from caliper_scenes import edge
from metrology.caliper import EdgeSettings, measure_edges

EDGE_ANGLE = 23.0                       # normal direction of the rendered edge (degrees)
POINT = np.array([60.37, 59.81])        # a point on it


@settings(max_examples=25)
@given(tilt=st.floats(-35.0, 35.0), along=st.floats(-20.0, 20.0), shift=st.floats(-5.0, 5.0),
       width=st.floats(1.0, 12.0), reverse=st.booleans())
def test_any_caliper_across_the_edge_finds_it(tilt, along, shift, width, reverse):
    # a caliper crossing the edge obliquely sees it smeared by width * tan(tilt) across its
    # width; keep that below 2 px (the line/circle tools re-lay calipers square to the edge)
    width = min(width, 2.0 / max(math.tan(math.radians(abs(tilt))), 1e-9))
    img = edge(float(POINT[0]), float(POINT[1]), EDGE_ANGLE, shape=(120, 120))
    n = np.array([math.cos(math.radians(EDGE_ANGLE)), math.sin(math.radians(EDGE_ANGLE))])
    t = np.array([-n[1], n[0]])
    a = math.radians(EDGE_ANGLE + tilt)
    u = np.array([math.cos(a), math.sin(a)])           # caliper direction, tilted
    centre = POINT + along * t + shift * u
    p0, p1 = centre - 15 * u, centre + 15 * u
    if reverse:
        p0, p1 = p1, p0
    r = measure_edges(img, p0, p1, width=width, edges=EdgeSettings(select="strongest"))
    # the point lies on the true edge line; a tilted caliper stretches the profile by
    # 1/cos(tilt) (<= 1.22), still within 0.003 px
    assert abs((r.points_xy[0] - POINT) @ n) < 0.003
    assert r.transitions[0] == (-1 if reverse else 1)
    # and on the caliper's centre line, at the reported distance from p0
    d = (p1 - p0) / np.hypot(*(p1 - p0))
    q = r.points_xy[0] - p0
    assert abs(d[0] * q[1] - d[1] * q[0]) < 0.5 + 1e-9   # axis calipers snap by <= 0.5 px
    assert abs(r.positions[0] - (r.points_xy[0] - p0) @ d) < 1e-9


@settings(max_examples=20)
@given(gain=st.floats(0.2, 3.0), offset=st.floats(-50.0, 50.0))
def test_gray_level_gain_and_offset_do_not_move_edges(gain, offset):
    img = edge(float(POINT[0]), float(POINT[1]), EDGE_ANGLE, shape=(120, 120))
    n = np.array([math.cos(math.radians(EDGE_ANGLE)), math.sin(math.radians(EDGE_ANGLE))])
    base = measure_edges(img, POINT - 15 * n, POINT + 15 * n, edges=EdgeSettings(threshold=5))
    moved = measure_edges((img * gain + offset).astype(np.float32), POINT - 15 * n,
                          POINT + 15 * n, edges=EdgeSettings(threshold=5))
    # float32 image rounding: 1e-4 px
    np.testing.assert_allclose(moved.points_xy, base.points_xy, atol=1e-4)
    np.testing.assert_allclose(moved.steps, base.steps * gain, rtol=1e-4)
