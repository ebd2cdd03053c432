"""Intersections and angles: points lie on both curves, order/sides, no-intersection cases."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology.core import (angle_between_lines, distance_point_circle, distance_point_line,
                            intersect_circles, intersect_line_circle, intersect_lines)
from metrology.errors import FitError, InputError
from metrology.testing import poses

coords = st.floats(-1e3, 1e3, allow_nan=False)
pts = st.tuples(coords, coords).map(np.array)
angles = st.floats(-180, 180, allow_nan=False)
dirs = angles.map(lambda a: np.array([np.cos(np.radians(a)), np.sin(np.radians(a))]))


@given(p1=pts, d1=dirs, p2=pts, d2=dirs, T=poses())
def test_lines(p1, d1, p2, d2, T):
    sin = abs(d1[0] * d2[1] - d1[1] * d2[0])
    if sin < 1e-3:                                      # near-parallel: tested separately
        return
    x = intersect_lines(p1, d1, p2, d2)
    # the point lies on both lines: error ~ eps * |p| / sin(angle)
    tol = 1e-9 * (1 + np.abs(p1).max() + np.abs(p2).max()) / sin
    assert abs(distance_point_line(x, p1, d1)) < tol and abs(distance_point_line(x, p2, d2)) < tol
    y = intersect_lines(T.apply(p1), T.apply_vectors(d1), T.apply(p2), T.apply_vectors(d2))
    assert np.hypot(*(T.apply(x) - y)) < tol * T.scale * 10


def test_parallel_lines():
    with pytest.raises(FitError, match="parallel"):
        intersect_lines([0, 0], [1, 1], [0, 1], [-2, -2])
    out = intersect_lines([[0, 0], [0, 0]], [[1, 0], [1, 0]], [[0, 1], [0, 1]], [[1, 0], [0, 1]])
    assert np.all(np.isnan(out[0])) and np.allclose(out[1], [0, 0])
    with pytest.raises(InputError):
        intersect_lines([0, 0], [0, 0], [0, 1], [1, 0])


@given(p=pts, d=dirs, c=pts, r=st.floats(0.5, 500), off=st.floats(-1.5, 1.5))
def test_line_circle(p, d, c, r, off):
    # put the line at a known offset from the centre
    n = np.array([-d[1], d[0]])
    p = c + off * r * n + 0.3 * r * d
    out = intersect_line_circle(p, d, c, r)
    assert out.shape == (2, 2)
    if abs(off) > 1 + 1e-9:
        assert np.all(np.isnan(out))
        return
    tol = 1e-7 * (1 + r + np.abs(c).max())
    assert np.all(np.abs(distance_point_circle(out, c, r)) < tol / max(1e-3, np.sqrt(1 - off**2)))
    assert np.all(np.abs(distance_point_line(out, p, d)) < tol)
    assert np.dot(out[1] - out[0], d) >= -tol                       # ordered along d


def test_line_circle_tangent_and_example():
    out = intersect_line_circle([0, 2], [1, 0], [0, 0], 2.0)
    np.testing.assert_allclose(out, [[0, 2], [0, 2]], atol=1e-12)
    np.testing.assert_allclose(intersect_line_circle([5, 0], [-1, 0], [0, 0], 1.0),
                               [[1, 0], [-1, 0]])


@given(c1=pts, r1=st.floats(0.5, 300), ang=angles, f=st.floats(0.05, 2.5), r2=st.floats(0.5, 300),
       T=poses())
def test_circles(c1, r1, ang, f, r2, T):
    u = np.array([np.cos(np.radians(ang)), np.sin(np.radians(ang))])
    c2 = c1 + f * (r1 + r2) * u
    out = intersect_circles(c1, r1, c2, r2)
    dist = f * (r1 + r2)
    meets = abs(r1 - r2) <= dist <= r1 + r2
    if not meets:
        assert np.all(np.isnan(out))
        return
    h = np.sqrt(max(r1 ** 2 - ((dist ** 2 + r1 ** 2 - r2 ** 2) / (2 * dist)) ** 2, 0))
    if h < 1e-3 * max(r1, r2):                     # near tangency: ill-conditioned, skip
        return
    tol = 1e-8 * (1 + r1 + r2 + np.abs(c1).max())
    assert np.all(np.abs(distance_point_circle(out, c1, r1)) < tol)
    assert np.all(np.abs(distance_point_circle(out, c2, r2)) < tol)
    n = np.array([-u[1], u[0]])
    assert np.dot(out[0] - c1, n) < 0 < np.dot(out[1] - c1, n)
    moved = intersect_circles(T.apply(c1), T.scale * r1, T.apply(c2), T.scale * r2)
    np.testing.assert_allclose(moved, T.apply(out), atol=tol * T.scale * 10)


def test_circle_special_cases():
    assert np.all(np.isnan(intersect_circles([0, 0], 1.0, [0, 0], 1.0)))      # identical
    assert np.all(np.isnan(intersect_circles([0, 0], 1.0, [5, 0], 1.0)))      # apart
    assert np.all(np.isnan(intersect_circles([0, 0], 5.0, [1, 0], 1.0)))      # nested
    np.testing.assert_allclose(intersect_circles([0, 0], 2.0, [3, 0], 1.0), [[2, 0], [2, 0]],
                               atol=1e-7)                                       # tangent
    b = intersect_circles(np.zeros((3, 2)), [1.0, 1.0, 1.0], [[1, 0], [9, 0], [0, 1]], 1.0)
    assert b.shape == (3, 2, 2) and np.isnan(b[1]).all() and np.isfinite(b[[0, 2]]).all()
    with pytest.raises(InputError):
        intersect_circles([0, 0], -1.0, [1, 0], 1.0)


@given(a=angles, b=angles, rot=angles, s1=st.floats(0.1, 10), s2=st.floats(-10, -0.1))
def test_angle_between_lines(a, b, rot, s1, s2):
    d1 = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
    d2 = np.array([np.cos(np.radians(b)), np.sin(np.radians(b))])
    ang = angle_between_lines(d1, d2)
    assert 0 <= ang <= 90
    diff = abs((b - a + 90) % 180 - 90)
    assert ang == pytest.approx(diff, abs=1e-9)
    assert angle_between_lines(s1 * d1, s2 * d2) == pytest.approx(ang, abs=1e-9)
    R = np.array([[np.cos(np.radians(rot)), -np.sin(np.radians(rot))],
                  [np.sin(np.radians(rot)), np.cos(np.radians(rot))]])
    assert angle_between_lines(R @ d1, R @ d2) == pytest.approx(ang, abs=1e-9)
    sd = angle_between_lines(d1, d2, directed=True)
    assert -180 < sd <= 180
    assert abs((sd - (b - a) + 180) % 360 - 180) < 1e-9


def test_angle_examples_and_batch():
    assert angle_between_lines([1, 0], [0, 1], directed=True) == pytest.approx(90.0)
    assert angle_between_lines([1, 0], [-1, 0], directed=True) == pytest.approx(180.0)
    out = angle_between_lines(np.array([[1, 0], [1, 1]]), np.array([[0, 1], [1, 1]]))
    np.testing.assert_allclose(out, [90, 0])
