"""Distances and projections: sign conventions, brute-force references, equivariance, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology.core import (closest_point_ellipse, distance_point_circle,
                            distance_point_ellipse, distance_point_line, project_point_on_line)
from metrology.errors import InputError, ShapeError
from metrology.testing import finite_points, poses

angles = st.floats(-180, 180, allow_nan=False)
dirs = angles.map(lambda a: np.array([np.cos(np.radians(a)), np.sin(np.radians(a))]))


def test_line_sign_convention():
    # normal of direction (1, 0) is (0, 1): y down, so "below" the line on screen is positive
    np.testing.assert_allclose(distance_point_line([[0, 2], [5, -3]], [0, 0], [2, 0]), [2, -3])
    np.testing.assert_allclose(project_point_on_line([[3, 4]], [1, 1], [0, 5]), [[1, 4]])


@given(p=finite_points(bound=1e3), c=finite_points(1, 1, 1e3), d=dirs, T=poses())
def test_line_distance_properties(p, c, d, T):
    dist = distance_point_line(p, c[0], d)
    foot = project_point_on_line(p, c[0], d)
    assert np.allclose(distance_point_line(foot, c[0], d), 0, atol=1e-9)
    normal = np.array([-d[1], d[0]])
    np.testing.assert_allclose(foot + dist[:, None] * normal, p, atol=1e-9)
    # scaling the direction changes nothing; flipping it flips the sign
    np.testing.assert_allclose(distance_point_line(p, c[0], -3.0 * d), -dist, atol=1e-9)
    # equivariance: distances scale with the pose
    np.testing.assert_allclose(distance_point_line(T.apply(p), T.apply(c[0]), T.apply_vectors(d)),
                               T.scale * dist, atol=1e-8)


@given(p=finite_points(bound=1e3), c=finite_points(1, 1, 1e3), r=st.floats(0, 1e3), T=poses())
def test_circle_distance_properties(p, c, r, T):
    d = distance_point_circle(p, c[0], r)
    np.testing.assert_allclose(d, np.linalg.norm(p - c[0], axis=1) - r, atol=1e-9)
    np.testing.assert_allclose(distance_point_circle(T.apply(p), T.apply(c[0]), T.scale * r),
                               T.scale * d, atol=1e-8)


def _brute_ellipse(p, c, a, b, ang, n=400_001):
    t = np.linspace(0, 2 * np.pi, n)
    th = np.radians(ang)
    e = np.c_[c[0] + a * np.cos(t) * np.cos(th) - b * np.sin(t) * np.sin(th),
              c[1] + a * np.cos(t) * np.sin(th) + b * np.sin(t) * np.cos(th)]
    return np.array([np.min(np.hypot(*(e - q).T)) for q in p])


def test_ellipse_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    c, a, b, ang = np.array([3.0, -2.0]), 12.0, 4.0, 30.0
    p = np.r_[rng.normal(0, 8, (40, 2)) + c,                   # inside and around
              c + rng.normal(0, 0.5, (10, 2)),                 # near the centre (evolute)
              [[3.0, -2.0]], c + [[12 * np.cos(np.radians(30)), 12 * np.sin(np.radians(30))]]]
    d = distance_point_ellipse(p, c, [a, b], ang)
    ref = _brute_ellipse(p, c, a, b, ang)
    # dense sampling: spacing 2*pi*12/4e5 ~ 2e-4 px, so the reference is within ~1e-8 px
    np.testing.assert_allclose(np.abs(d), ref, atol=1e-7)
    th = np.radians(ang)
    u = (p - c) @ np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    inside = (u[:, 0] / a) ** 2 + (u[:, 1] / b) ** 2 < 1
    assert np.all(np.sign(d[~inside]) >= 0) and np.all(d[inside] < 0)
    q, d2 = closest_point_ellipse(p, c, [a, b], ang)
    uq = (q - c) @ np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    np.testing.assert_allclose((uq[:, 0] / a) ** 2 + (uq[:, 1] / b) ** 2, 1.0, atol=1e-9)
    np.testing.assert_allclose(np.hypot(*(q - p).T), np.abs(d2), atol=1e-9)


@given(p=finite_points(max_points=20, bound=200.0), a=st.floats(1, 100), ratio=st.floats(0.1, 1),
       ang=angles, T=poses())
def test_ellipse_distance_equivariance_and_axis_order(p, a, ratio, ang, T):
    c = np.array([5.0, -7.0])
    b = a * ratio
    d = distance_point_ellipse(p, c, [a, b], ang)
    # the same ellipse described with swapped axes and the angle turned by 90 degrees
    np.testing.assert_allclose(distance_point_ellipse(p, c, [b, a], ang + 90.0), d, atol=1e-7)
    np.testing.assert_allclose(distance_point_ellipse(T.apply(p), T.apply(c),
                                                      [T.scale * a, T.scale * b],
                                                      ang + T.angle_deg), T.scale * d,
                               atol=1e-6 * (1 + a) * T.scale)


def test_ellipse_with_equal_axes_is_a_circle():
    p = np.random.default_rng(1).normal(0, 10, (100, 2))
    np.testing.assert_allclose(distance_point_ellipse(p, [1, 2], [5, 5], 17.0),
                               distance_point_circle(p, [1, 2], 5.0), atol=1e-9)


def test_broadcasting_batches():
    P = np.random.default_rng(2).normal(size=(4, 10, 2))
    c = np.zeros((4, 2))
    d = np.tile([1.0, 0.0], (4, 1))
    out = distance_point_line(P, c[:, None], d[:, None])
    assert out.shape == (4, 10)
    np.testing.assert_allclose(out, P[..., 1])
    assert distance_point_ellipse(P, c[:, None], np.ones((4, 1, 2)), np.zeros((4, 1))).shape \
        == (4, 10)


def test_errors():
    with pytest.raises(InputError, match="non-zero"):
        distance_point_line([[0, 0]], [0, 0], [0, 0])
    with pytest.raises(InputError):
        distance_point_line([[np.nan, 0]], [0, 0], [1, 0])
    with pytest.raises(ShapeError):
        distance_point_line([[0, 0, 0]], [0, 0], [1, 0])
    with pytest.raises(ShapeError, match="broadcast"):
        distance_point_line(np.zeros((3, 2)), np.zeros((4, 2)), [1, 0])
    with pytest.raises(InputError, match="radius"):
        distance_point_circle([[0, 0]], [0, 0], -1.0)
    with pytest.raises(InputError, match="semi_axes"):
        distance_point_ellipse([[0, 0]], [0, 0], [1.0, 0.0], 0.0)
    with pytest.raises(ShapeError):
        distance_point_ellipse([[0, 0]], [0, 0], [1.0, 2.0, 3.0], 0.0)
