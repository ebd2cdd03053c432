"""Pose2D: convention, round trips (inverse, compose, matrix, dict) as hypothesis properties."""

import json
import math

import numpy as np
import pytest
from hypothesis import given

from metrology import Pose2D
from metrology.errors import InputError, ShapeError
from metrology.testing import assert_points_close, assert_pose_close, finite_points, poses

# Poses have |t| <= 1000 px, scale in [0.5, 2] and points |x| <= 1e4: composed round trips
# lose ~1e-16 * 1e4 * (a few products); 1e-7 px is far above that and far below any use.
TOL_PX = 1e-7


def test_convention():
    T = Pose2D(0, 0, 30.0)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    np.testing.assert_allclose(T.apply([1.0, 0.0]), [c, s], atol=1e-15)
    np.testing.assert_allclose(Pose2D(5, -2, 90, 2).apply([[1.0, 0.0]]), [[5.0, 0.0]],
                               atol=1e-12)


@given(poses(), finite_points(bound=1e4))
def test_inverse_roundtrip(T, p):
    assert_points_close(T.inverse().apply(T.apply(p)), p, max_px=TOL_PX)
    assert_pose_close(T @ T.inverse(), Pose2D.identity(), tol_px=TOL_PX, tol_deg=1e-9,
                      tol_scale=1e-12)


@given(poses(), poses(), finite_points(bound=1e3))
def test_composition(A, B, p):
    assert_points_close((A @ B).apply(p), A.apply(B.apply(p)), max_px=TOL_PX)
    np.testing.assert_allclose((A @ B).matrix, A.matrix @ B.matrix, atol=1e-9)


@given(poses())
def test_matrix_roundtrips(T):
    assert_pose_close(Pose2D.from_matrix(T.matrix), T, tol_px=1e-9, tol_deg=1e-9,
                      tol_scale=1e-12)
    assert_pose_close(Pose2D.from_matrix(T.matrix2x3), T, tol_px=1e-9, tol_deg=1e-9,
                      tol_scale=1e-12)
    d = json.loads(json.dumps(T.to_dict()))
    assert Pose2D.from_dict(d) == T


@given(poses(), finite_points(max_points=10, bound=100.0))
def test_apply_vectors_and_batches(T, p):
    v = T.apply_vectors(p)
    assert_points_close(v, T.apply(p) - T.apply(np.zeros(2)), max_px=1e-9)
    batch = np.stack([p, p + 1.0])
    out = T.apply(batch)
    assert out.shape == batch.shape
    assert_points_close(out[1], T.apply(p + 1.0), max_px=1e-9)


def test_pose_input_errors():
    with pytest.raises(InputError):
        Pose2D(0, 0, 0, 0)
    with pytest.raises(InputError):
        Pose2D(float("nan"), 0, 0)
    with pytest.raises(ShapeError):
        Pose2D.from_matrix(np.eye(4))
    with pytest.raises(InputError, match="similarity"):
        Pose2D.from_matrix([[1, 0.5, 0], [0, 1, 0]])
    with pytest.raises(InputError, match="similarity"):
        Pose2D.from_matrix([[1, 0, 0], [0, -1, 0]])          # reflection
    with pytest.raises(InputError):
        Pose2D.from_dict({"x": 1})
    with pytest.raises(InputError):
        Pose2D.from_dict([1, 2, 3])
    with pytest.raises(ShapeError):
        Pose2D().apply([[1, 2, 3]])
    with pytest.raises(InputError):
        Pose2D().apply([[np.nan, 1.0]])


def test_almost_equal_wraps_angle():
    assert Pose2D(1, 1, 179.9999999).almost_equal(Pose2D(1, 1, -180.0), tol_deg=1e-5)
    assert not Pose2D(1, 1, 10).almost_equal(Pose2D(1, 1, 11))
