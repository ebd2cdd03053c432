"""metrology.image.pyramid's exported functions check their arguments (the library's errors for
bad input, issue 12) and give exactly what the unchecked versions used by the search give."""

from __future__ import annotations

import numpy as np
import pytest

from metrology.errors import InputError
from metrology.image import pyramid as pyr


def _image():
    rng = np.random.default_rng(1)
    return (rng.uniform(0, 255, (37, 52))).astype(np.float32)


def test_checked_equal_unchecked():
    img = _image()
    xy = np.array([[3.25, 4.5], [40.0, 20.75], [-3.0, 5.0]])
    for a, b in zip(pyr.block_pyramid(img, 3), pyr._block_pyramid(img, 3), strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(pyr.half_level(img), pyr._half_level(img))
    for a, b in zip(pyr.gaussian_gradients(img, 1.0), pyr._gradients(img, 1.0), strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(pyr.sample_bilinear(img, xy), pyr._sample_bilinear(img, xy))
    assert np.array_equal(pyr.sample_bilinear_exact(img, xy), pyr._sample_bilinear_exact(img, xy))
    assert np.array_equal(pyr.level_to_base(xy, 2), pyr._level_to_base(xy, 2))
    assert np.allclose(pyr.base_to_level(pyr.level_to_base(xy, 3), 3), xy, atol=1e-12)
    # uint8 images are accepted and computed in float32
    u8 = np.clip(img, 0, 255).astype(np.uint8)
    assert np.array_equal(pyr.gaussian_gradients(u8)[0], pyr._gradients(u8.astype(np.float32))[0])


@pytest.mark.parametrize("call", [
    lambda: pyr.block_pyramid([], 2),
    lambda: pyr.block_pyramid(_image(), "2x"),
    lambda: pyr.block_pyramid(_image(), 40),
    lambda: pyr.block_pyramid(_image(), 8),              # too many levels for 37 x 52
    lambda: pyr.half_level(np.zeros((1, 5), np.float32)),
    lambda: pyr.half_level(np.full((4, 4), np.nan, np.float32)),
    lambda: pyr.gaussian_gradients(_image(), float("inf")),
    lambda: pyr.gaussian_gradients(_image(), 1e6),
    lambda: pyr.gaussian_gradients("image.png", 1.0),
    lambda: pyr.gaussian_gradients(np.zeros((4, 4, 3), np.uint8), 1.0),
    lambda: pyr.level_to_base([[1.0, np.nan]], 1),
    lambda: pyr.base_to_level([[1.0, 2.0]], 10 ** 30),
    lambda: pyr.base_to_level({"x": 1}, 1),
    lambda: pyr.sample_bilinear(_image(), np.zeros((3, 3))),
    lambda: pyr.sample_bilinear(np.full((5, 5), 1e300), [[1.0, 1.0]]),
    lambda: pyr.sample_bilinear_exact(_image(), [[np.inf, 1.0]]),
    lambda: pyr.sample_bicubic_exact(7, [[1.0, 1.0]]),
    lambda: pyr.sample_bicubic_exact(_image(), [[1.0, 1.0]], fill="x"),
])
def test_bad_arguments_raise_library_errors(call):
    with pytest.raises(InputError):
        call()
