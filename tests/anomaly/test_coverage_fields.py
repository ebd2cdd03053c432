"""The renderer's inside/outside fields evaluated only near their edges
(``metrology.synth._coverage``) equal evaluating every sample, for every layout's outline and
features at any pose, and for shapes the module's bound covers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology.synth._coverage import MARGIN, MAX_SLOPE, inside_fields
from metrology.synth._defect_makers import sd_features, sd_plate
from metrology.synth.render import fine_grid
from metrology.synth.surfaces import LAYOUTS, layout_features


def _direct(X, Y, distances):
    return [f(X, Y) <= 0 for f in distances]


def _posed(fn, x0, y0, ang):
    ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))

    def f(X, Y):
        dx, dy = X - x0, Y - y0
        return fn(ca * dx + sa * dy, -sa * dx + ca * dy)
    return f


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_at_two_poses_equals_every_sample(layout):
    shape = (96, 112)
    lay = layout_features(layout, shape)
    X, Y = fine_grid(shape, 4)
    for x0, y0, ang in ((56.0, 48.0, 0.0), (57.3, 46.8, 37.5)):
        dists = [_posed(lambda u, v: sd_plate(u, v, lay), x0, y0, ang),
                 _posed(lambda u, v: sd_features(u, v, lay, None), x0, y0, ang)]
        got, want = inside_fields(X, Y, dists), _direct(X, Y, dists)
        for g, w in zip(got, want):
            assert g.dtype == bool and g.shape == X.shape
            assert np.array_equal(g, w), (layout, ang, int((g != w).sum()))


@settings(max_examples=40, deadline=None)
@given(cx=st.floats(-10, 60), cy=st.floats(-10, 60), r=st.floats(0.0, 40.0),
       ss=st.integers(1, 8), row0=st.integers(-9, 40))
def test_circles_and_chunks_with_rows_beyond_the_image(cx, cy, r, ss, row0):
    # a chunk as render_scene passes it: some rows of the fine grid, padded rows above the
    # image included (negative y), and a circle that may be thinner than a pixel
    offs = (np.arange(ss) + 0.5) / ss - 0.5
    xs = (np.arange(50)[:, None] + offs).ravel()
    fy = np.arange(row0 * ss - 3, row0 * ss + 5 * ss + 3)
    X, Y = np.meshgrid(xs, fy // ss + offs[fy % ss])
    dists = [lambda x, y: np.hypot(x - cx, y - cy) - r]
    assert np.array_equal(inside_fields(X, Y, dists)[0], _direct(X, Y, dists)[0])


def test_a_distance_steeper_than_the_bound_is_where_it_may_differ():
    # the module's stated bound: a field that changes by more than MAX_SLOPE per pixel can
    # flip within a pixel whose centre is beyond MARGIN.  An edge 0.4 px left of a pixel
    # centre: at slope 1 the centre is inside the margin (evaluated), at slope 3 it is 1.2
    # out and its left samples lie across the edge
    X, Y = fine_grid((40, 40), 8)
    assert MAX_SLOPE == pytest.approx(MARGIN * np.sqrt(2.0))
    for slope, equal in ((1.0, True), (MAX_SLOPE, True), (3.0, False)):
        d = [lambda x, y, k=slope: (x - 20.6) * k]
        assert np.array_equal(inside_fields(X, Y, d)[0], _direct(X, Y, d)[0]) == equal, slope


def test_a_grid_that_is_not_a_meshgrid_is_evaluated_sample_by_sample():
    rng = np.random.default_rng(1)
    X, Y = rng.uniform(0, 30, (2, 7, 9))
    dists = [lambda x, y: np.hypot(x - 15, y - 15) - 7.0]
    assert np.array_equal(inside_fields(X, Y, dists)[0], _direct(X, Y, dists)[0])
    one = np.array([3.0])
    assert inside_fields(one, one, dists)[0].tolist() == [False]
