"""Batched caliper layout and profile sampling."""

import math

import numpy as np
import pytest
from scipy import ndimage

from metrology.errors import InputError, ShapeError
from metrology.image import interpolate, ray_calipers, rect_calipers, sample_profiles


def _ramp(h=60, w=80, a=1.7, b=-0.6, c=20.0):
    y, x = np.mgrid[0:h, 0:w]
    return (c + a * x + b * y).astype(np.float64)


def test_rect_caliper_layout():
    cal = rect_calipers([[20.0, 30.0], [40.0, 30.0]], [0.0, 2.0], length=10.0, width=4.0)
    assert cal.points.shape == (2, 4, 11, 2)
    np.testing.assert_allclose(cal.offsets, np.arange(-5, 6))
    np.testing.assert_allclose(cal.directions, [[0, 1], [0, 1]])
    # position s maps to origin + s * direction; the width runs across (here along -x..+x)
    np.testing.assert_allclose(cal.to_image([1], [2.5]), [[40.0, 32.5]])
    xs = cal.points[0, :, 0, 0]
    np.testing.assert_allclose(np.sort(xs), [18.5, 19.5, 20.5, 21.5])


def test_ray_caliper_layout_stays_on_circles():
    c = np.array([50.0, 40.0])
    cal = ray_calipers(c, 20.0, [0.0, 90.0, 200.0], length=8.0, width=5.0)
    r = np.hypot(*(cal.points - c).transpose(3, 0, 1, 2))
    # every sample of profile position l lies at radius 20 + l, across the whole width
    np.testing.assert_allclose(r, 20.0 + cal.offsets[None, None, :] + 0 * r, atol=1e-12)
    np.testing.assert_allclose(cal.origins[1], [50.0, 60.0], atol=1e-12)
    inward = ray_calipers(c, 20.0, [0.0], length=8.0, width=5.0, inward=True)
    np.testing.assert_allclose(inward.directions[0], [-1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("interp", ["linear", "cubic", "spline"])
def test_interpolations_reproduce_a_plane_exactly(interp):
    img = _ramp()
    rng = np.random.default_rng(3)
    cal = rect_calipers(rng.uniform(20, 50, (12, 2)), rng.normal(size=(12, 2)), 12.0, 5.0)
    prof = sample_profiles(img, cal, interp)
    pts = cal.points.mean(axis=1)
    expected = 20.0 + 1.7 * pts[..., 0] - 0.6 * pts[..., 1]
    # linear/cubic: exact; spline: its prefilter runs on a crop with an 8 px margin whose
    # mirrored border leaks 0.268^8 of the border mismatch: < 1e-3 gray levels (5e-5 px here)
    np.testing.assert_allclose(prof.values, expected, atol=1e-9 if interp != "spline" else 1e-3)


def test_spline_matches_scipy_cubic_spline():
    rng = np.random.default_rng(0)
    img = ndimage.gaussian_filter(rng.uniform(0, 255, (64, 64)), 1.5)
    cal = rect_calipers(rng.uniform(25, 40, (5, 2)), rng.normal(size=(5, 2)), 10.0, 3.0)
    prof = sample_profiles(img, cal, "spline")
    ref = ndimage.map_coordinates(img, cal.points[..., ::-1].reshape(-1, 2).T, order=3,
                                  mode="mirror").reshape(cal.points.shape[:-1]).mean(axis=1)
    # same cubic B-spline; our prefilter sees a crop with 8 px margin (pole 0.268^8 ~ 3e-5)
    np.testing.assert_allclose(prof.values, ref, atol=2e-3)


def test_batched_sampling_equals_one_caliper_at_a_time():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (70, 90)).astype(np.uint8)
    cal = rect_calipers(rng.uniform(20, 60, (9, 2)), rng.normal(size=(9, 2)), 14.0, 6.0)
    allp = sample_profiles(img, cal, "linear").values
    for k in range(cal.count):
        one = sample_profiles(img, cal.subset([k]), "linear").values[0]
        np.testing.assert_allclose(allp[k], one, atol=1e-12)


def test_partly_outside_calipers_are_dropped_and_reported():
    img = np.zeros((50, 50), np.uint8)
    # caliper 1 reaches x = -3; caliper 2's width spans y 46.5..49.5 (> 49); caliper 3 fits
    cal = rect_calipers([[25.0, 25.0], [2.0, 25.0], [25.0, 48.0], [25.0, 47.0]], [1.0, 0.0],
                        10.0, 4.0)
    prof = sample_profiles(img, cal, "linear")
    assert prof.index.tolist() == [0, 3]
    assert prof.dropped.tolist() == [1, 2]
    assert prof.values.shape[0] == prof.index.size


def test_all_outside_is_an_input_error():
    img = np.zeros((50, 50), np.uint8)
    cal = rect_calipers([[200.0, 25.0]], [1.0, 0.0], 10.0, 4.0)
    with pytest.raises(InputError, match="outside the image"):
        sample_profiles(img, cal)


def test_bad_layout_inputs():
    with pytest.raises(InputError):
        rect_calipers([[1.0, 2.0]], [0.0, 0.0], 10.0, 3.0)
    with pytest.raises(InputError):
        rect_calipers([[np.nan, 2.0]], [1.0, 0.0], 10.0, 3.0)
    with pytest.raises(InputError):
        rect_calipers([[1.0, 2.0]], [1.0, 0.0], 0.0, 3.0)
    with pytest.raises(InputError):
        rect_calipers([[1.0, 2.0]], [1.0, 0.0], 10.0, -1.0)
    with pytest.raises(InputError):
        rect_calipers([[1.0, 2.0]], [1.0, 0.0], 2.0, 3.0)
    with pytest.raises(ShapeError):
        rect_calipers([[1.0, 2.0, 3.0]], [1.0, 0.0], 10.0, 3.0)
    with pytest.raises(InputError):
        ray_calipers((10.0, 10.0), 5.0, [0.0], length=12.0, width=3.0)  # past the centre
    with pytest.raises(InputError):
        ray_calipers((10.0, 10.0), -5.0, [0.0], length=4.0, width=3.0)
    with pytest.raises(InputError):
        ray_calipers((10.0, 10.0), 5.0, [], length=4.0, width=3.0)
    with pytest.raises(InputError):
        sample_profiles(np.zeros((0, 5)), rect_calipers([[1.0, 2.0]], [1.0, 0.0], 4.0, 1.0))
    with pytest.raises(InputError):
        sample_profiles(np.zeros((20, 20)), rect_calipers([[10.0, 10.0]], [1.0, 0.0], 4.0, 1.0),
                        interpolation="nearest")


def test_interpolate_uint8_directly():
    img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    v = interpolate(img, np.array([[1.5, 2.0], [0.0, 0.0], [3.0, 3.0]]), "linear")
    np.testing.assert_allclose(v, [9.5, 0.0, 15.0])
    assert math.isfinite(float(v.sum()))


@pytest.mark.parametrize("shape", [(9, 30), (13, 13), (115, 115), (64, 200)])
def test_fir_spline_prefilter_matches_the_recursive_one(shape):
    # The FIR prefilter truncates the exact response c z^|k| (z = sqrt(3) - 2) at |k| <= 12:
    # the dropped tail is ~z^13 ~ 4e-8 of the signal per axis; on full-range white noise (the
    # worst case, every tap at +-128) that is < 1e-3 gray levels, 1e-3 of an 8-bit step.
    from metrology.image.profiles import spline_coefficients

    img = np.random.default_rng(3).uniform(0, 255, shape)
    ref = ndimage.spline_filter(img, 3, mode="mirror")
    assert np.abs(spline_coefficients(img) - ref).max() < 1e-3
    # float32 (what sample_profiles uses): ~1e-7 of the gray range more
    c32 = spline_coefficients(img, np.float32)
    assert c32.dtype == np.float32 and np.abs(c32 - ref).max() < 2e-3


def _thawed(cal):
    """The same caliper set with writeable copies of its arrays (never memoised)."""
    from dataclasses import replace

    return replace(cal, origins=cal.origins.copy(), directions=cal.directions.copy(),
                   offsets=cal.offsets.copy(), points=cal.points.copy())


def test_layouts_are_memoised_read_only_and_equal_to_a_cold_computation():
    from metrology.image import profiles

    ang = (np.arange(12) + 0.5) * 30.0
    a = ray_calipers([50.3, 40.7], 20.0, ang, 12.0, 5.0, pad=4.0)
    b = ray_calipers(np.array([50.3, 40.7]), 20.0, list(ang), 12.0, 5.0, pad=4.0)
    assert a is b                                    # same arguments: the same object
    assert not a.points.flags.writeable and not a.origins.flags.writeable
    with pytest.raises(ValueError):
        a.points[0, 0, 0, 0] = 0.0
    # a new centre reuses the layout about the centre (a translation): bitwise the values a
    # cold computation gives
    c = ray_calipers([51.1, 39.2], 20.0, ang, 12.0, 5.0, pad=4.0)
    profiles._LAYOUTS.items.clear()
    d = ray_calipers([51.1, 39.2], 20.0, ang, 12.0, 5.0, pad=4.0)
    assert d is not c
    for f in ("origins", "directions", "offsets", "points"):
        np.testing.assert_array_equal(getattr(c, f), getattr(d, f))
    r1 = rect_calipers([[20.0, 30.0]], [1.0, 0.2], 10.0, 4.0, pad=2.0)
    assert rect_calipers([[20.0, 30.0]], [1.0, 0.2], 10.0, 4.0, pad=2.0) is r1
    # the memo is bounded
    for i in range(3 * profiles._LAYOUTS.size):
        ray_calipers([50.0 + 0.01 * i, 40.0], 20.0, ang, 12.0, 5.0)
    assert len(profiles._LAYOUTS.items) <= profiles._LAYOUTS.size


@pytest.mark.parametrize("interp", ["linear", "cubic", "spline"])
def test_sampling_again_gives_identical_profiles(interp):
    # the memoised sampling plan (inside test, crop, tap weights) is the same arithmetic as
    # a first sampling: identical values, whatever was sampled before; calipers partly
    # outside are dropped alike
    rng = np.random.default_rng(4)
    img = (rng.uniform(0, 255, (90, 100))).astype(np.uint8)
    cal = ray_calipers([41.4, 45.3], 30.0, (np.arange(16) + 0.5) * 22.5, 16.0, 6.0, pad=5.0)
    first = sample_profiles(img, cal, interp)
    again = sample_profiles(img, cal, interp)
    fresh = sample_profiles(img, _thawed(cal), interp)          # never memoised
    assert first.dropped.size > 0 and first.values.shape[0] + first.dropped.size == 16
    for p in (again, fresh):
        np.testing.assert_array_equal(p.values, first.values)
        np.testing.assert_array_equal(p.index, first.index)
        np.testing.assert_array_equal(p.dropped, first.dropped)
    # another image of the same size: the plan is reused, the pixels are the new ones
    img2 = img[::-1].copy()
    np.testing.assert_array_equal(sample_profiles(img2, cal, interp).values,
                                  sample_profiles(img2, _thawed(cal), interp).values)
    # another size: its own plan
    big = np.pad(img, 20)
    shifted = ray_calipers([61.4, 65.3], 30.0, (np.arange(16) + 0.5) * 22.5, 16.0, 6.0,
                           pad=5.0)
    np.testing.assert_array_equal(sample_profiles(big, cal, interp).values,
                                  sample_profiles(big, _thawed(cal), interp).values)
    assert sample_profiles(big, shifted, interp).dropped.size == 0
