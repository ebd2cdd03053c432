"""The error tree and the shared input checks (shapes, dtypes, NaN, choices)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology import errors
from metrology.core import as_points, as_vector, check_choice, check_finite, check_positive
from metrology.errors import FitError, InputError, MetrologyError, ShapeError
from metrology.testing import finite_points


def test_error_tree():
    assert issubclass(InputError, ValueError) and issubclass(InputError, MetrologyError)
    assert issubclass(ShapeError, InputError)
    for name in ("FitError", "BoardNotFoundError", "CalibrationError", "EdgeNotFoundError",
                 "ModelError", "FileFormatError"):
        cls = getattr(errors, name)
        assert issubclass(cls, MetrologyError) and not issubclass(cls, InputError)
    assert set(errors.__all__) >= {"MetrologyError", "InputError", "ShapeError", "FitError"}


@given(finite_points())
def test_as_points_roundtrip(p):
    out = as_points(p)
    assert out.dtype == np.float64 and out.shape == p.shape
    np.testing.assert_array_equal(out, p)


@pytest.mark.parametrize("bad", [None, "abc", [[1, 2], [3]], np.zeros((3, 3)), np.zeros(4),
                                 np.array([[1 + 1j, 2]]), np.array([["a", "b"]]),
                                 np.array([[object(), 1]], dtype=object)])
def test_as_points_rejects_shapes(bad):
    with pytest.raises(ShapeError, match="points"):
        as_points(bad)


@pytest.mark.parametrize("val", [np.nan, np.inf, -np.inf])
def test_as_points_rejects_non_finite(val):
    with pytest.raises(InputError, match="finite"):
        as_points([[0.0, 1.0], [val, 2.0]])
    assert as_points([[0.0, val]], finite=False).shape == (1, 2)


def test_as_points_batch_and_min_points():
    assert as_points(np.zeros((4, 5, 2))).shape == (4, 5, 2)
    with pytest.raises(ShapeError, match=r"single point set"):
        as_points(np.zeros((4, 5, 2)), allow_batch=False)
    with pytest.raises(ShapeError, match="at least 3 points"):
        as_points(np.zeros((2, 2)), min_points=3)
    assert as_points(np.zeros((3, 2), dtype=np.uint8)).dtype == np.float64


def test_scalar_checks():
    assert check_finite("2.5", "v") == 2.5
    with pytest.raises(InputError):
        check_finite("x", "v")
    with pytest.raises(InputError):
        check_finite(float("nan"), "v")
    assert check_positive(0, "v", allow_zero=True) == 0.0
    for bad in (0, -1.0):
        with pytest.raises(InputError, match="positive"):
            check_positive(bad, "v")
    assert check_choice("a", "m", ("a", "b")) == "a"
    with pytest.raises(InputError, match="'a', 'b'"):
        check_choice("c", "m", ("a", "b"))
    np.testing.assert_array_equal(as_vector([1, 2], "p"), [1.0, 2.0])
    with pytest.raises(ShapeError):
        as_vector([1, 2, 3], "p")
    with pytest.raises(InputError):
        as_vector([1, np.nan], "p")
    with pytest.raises(ShapeError):
        as_vector("ab", "p")


def test_fit_error_is_not_input_error():
    assert not issubclass(FitError, ValueError)


@given(st.integers(0, 1))
def test_points_from_lists(k):
    pts = [[float(k), 1.0], [2.0, 3.0]]
    np.testing.assert_array_equal(as_points(pts), np.array(pts))
