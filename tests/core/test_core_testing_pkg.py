"""metrology.testing itself: the strategies produce what they promise; the assertions fail
when they should, with useful messages."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology import Pose2D
from metrology.core import distance_point_circle, distance_point_ellipse, distance_point_line
from metrology.errors import InputError
from metrology.testing import (assert_points_close, assert_pose_close, circle_points,
                               ellipse_points, finite_points, line_points, poses, triangles)

# Gaussian noise: |n| < 6 sigma per axis has probability 1 - 2e-9 per coordinate, and the
# draws are derandomized in CI, so this bound cannot flake.
SIX_SIGMA = 6.0 * np.sqrt(2)


@given(finite_points(min_points=2, max_points=7, bound=10.0))
def test_finite_points(p):
    assert p.dtype == np.float64 and p.ndim == 2 and p.shape[1] == 2 and 2 <= len(p) <= 7
    assert np.all(np.isfinite(p)) and np.abs(p).max() <= 10.0


@given(poses(max_translation=5.0, min_scale=0.8, max_scale=1.2, min_angle_deg=-10,
             max_angle_deg=10))
def test_poses(T):
    assert isinstance(T, Pose2D) and abs(T.x) <= 5 and 0.8 <= T.scale <= 1.2
    assert -10 <= T.angle_deg <= 10


@given(line_points(max_noise_px=0.2))
def test_line_points(s):
    d = distance_point_line(s.points, s.point_xy, s.direction)
    assert np.abs(d).max() <= SIX_SIGMA * s.noise_px + 1e-9
    assert np.linalg.norm(s.direction) == pytest.approx(1.0)
    along = (s.points - s.point_xy) @ s.direction
    if s.noise_px == 0:
        assert along.max() - along.min() == pytest.approx(s.length_px)


@given(circle_points(max_noise_px=0.2))
def test_circle_points(s):
    d = distance_point_circle(s.points, s.center_xy, s.radius)
    assert np.abs(d).max() <= SIX_SIGMA * s.noise_px + 1e-9 * (1 + s.radius)
    assert 5 <= len(s.points) <= 64 and 30 <= s.arc_deg <= 360


@given(ellipse_points(max_noise_px=0.2))
def test_ellipse_points(s):
    a, b = s.semi_axes
    assert a >= b > 0 and -90 < s.angle_deg <= 90
    d = distance_point_ellipse(s.points, s.center_xy, s.semi_axes, s.angle_deg)
    assert np.abs(d).max() <= SIX_SIGMA * s.noise_px + 1e-8 * (1 + a)


@given(triangles(min_angle_deg=20.0, min_size=2.0, max_size=50.0))
def test_triangles(t):
    assert t.shape == (3, 2)
    e = np.roll(t, -1, 0) - t
    lengths = np.linalg.norm(e, axis=1)
    cosines = [np.dot(-e[i - 1], e[i]) / (lengths[i - 1] * lengths[i]) for i in range(3)]
    ang = np.degrees(np.arccos(np.clip(cosines, -1, 1)))
    assert ang.sum() == pytest.approx(180.0)
    assert ang.min() >= 20.0 - 1e-6
    assert lengths.min() >= 2 * 2.0 * np.sin(np.radians(20.0)) * (1 - 1e-9)   # 2 R sin(angle)


def _draw_once(strategy):
    @settings(max_examples=1, database=None)
    @given(st.data())
    def draw(data):
        data.draw(strategy)
    draw()


def test_strategy_argument_checks():
    with pytest.raises(InputError):
        poses(min_scale=0.0)
    with pytest.raises(InputError):
        _draw_once(circle_points(min_radius=5.0, max_radius=1.0))
    with pytest.raises(InputError):
        _draw_once(triangles(min_angle_deg=70.0))


def test_assert_points_close():
    a = np.zeros((3, 2))
    b = a.copy()
    b[1] = [0.3, 0.4]                                      # 0.5 px off
    assert_points_close(a, b, max_px=0.5)
    assert_points_close(a, b, rms_px=0.5 / np.sqrt(3) + 1e-12)
    with pytest.raises(AssertionError, match=r"max 0.5 px > 0.4 px at index \(1,\)"):
        assert_points_close(a, b, max_px=0.4)
    with pytest.raises(AssertionError, match="rms"):
        assert_points_close(a, b, rms_px=0.2)
    with pytest.raises(AssertionError, match="shapes"):
        assert_points_close(a, b[:2], max_px=1)
    with pytest.raises(AssertionError, match="NaN"):
        assert_points_close(np.full((1, 2), np.nan), np.zeros((1, 2)), max_px=1)
    with pytest.raises(InputError):
        assert_points_close(a, b)
    with pytest.raises(InputError):
        assert_points_close(a, b, max_px=-1)
    assert_points_close(np.zeros((0, 2)), np.zeros((0, 2)), max_px=0)
    with pytest.raises(AssertionError, match="calib"):
        assert_points_close(a, b, max_px=0.1, msg="calib")


def test_assert_pose_close():
    assert_pose_close(Pose2D(1, 2, 180.0, 2.0), Pose2D(1, 2, -180.0, 2.0))
    with pytest.raises(AssertionError, match="angle"):
        assert_pose_close(Pose2D(0, 0, 1.0), Pose2D(0, 0, 0.0), tol_deg=0.5)
    with pytest.raises(AssertionError, match="translation"):
        assert_pose_close(Pose2D(0, 0.1, 0.0), Pose2D(0, 0, 0.0), tol_px=0.01)
    with pytest.raises(InputError):
        assert_pose_close((0, 0, 0), Pose2D())
