"""The renderer's blur that skips constant tiles (``metrology.synth._blur``) equals
``ndimage.gaussian_filter(a, sigma, mode="nearest", truncate=4.0)`` bit for bit: binary fields
with edges, several values, smooth fields, tiny and odd shapes, small and large sigma."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import metrology.synth._blur as blur
from metrology.synth._blur import gaussian_blur_nearest

SIGMAS = (0.05, 0.3, 0.8, 3.2, 8.0, 20.0)


def _plain(a, sigma):
    return ndimage.gaussian_filter(a, sigma, mode="nearest", truncate=4.0)


def _same_bits(a, b):
    """Equal bits, and laid out alike (the render's pixel means depend on the layout)."""
    return (a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
            and a.flags.c_contiguous == b.flags.c_contiguous)


@pytest.fixture(params=["default", "forced", "small tiles"])
def config(request, monkeypatch):
    """The shipped settings; the tile path taken whatever the share of constant tiles; the
    same with 2-sample cells and 1-cell tiles, so that tiny arrays have many tiles."""
    if request.param != "default":
        monkeypatch.setattr(blur, "_MIN_SAMPLES", 0)
        monkeypatch.setattr(blur, "_MIN_CONSTANT_SHARE", 0.0)
    if request.param == "small tiles":
        monkeypatch.setattr(blur, "_CELL", 2)
        monkeypatch.setattr(blur, "_TILE_CELLS", 1)
    return request.param


def _binary(shape):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    h, w = shape
    disk = (xx - 0.43 * w) ** 2 + (yy - 0.55 * h) ** 2 < (0.3 * min(h, w)) ** 2
    rect = (xx > 0.1 * w) & (xx < 0.8 * w) & (yy > 0.2 * h)
    slant = yy > 0.3 * xx + 0.1 * h
    return (disk ^ rect ^ slant).astype(np.float64)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("sigma", SIGMAS)
@pytest.mark.parametrize("shape", [(282, 1024), (137, 301), (64, 64), (33, 5000)])
def test_binary_fields_with_edges(config, shape, sigma, order):
    a = np.asarray(_binary(shape), order=order)
    assert _same_bits(gaussian_blur_nearest(a, sigma), _plain(a, sigma))


@pytest.mark.parametrize("sigma", SIGMAS)
def test_several_constant_values(config, sigma):
    a = np.full((211, 389), 0.25)
    a[20:90, 30:200] = 1.0
    a[100:180, 150:380] = -3.5
    a[150:211, :60] = 1e-300
    a[5:15, 300:389] = 7.0
    a[190:200, 200:220] = 0.1 + 0.2  # a value with a rounded representation
    for b in (a, np.asfortranarray(a), a[:, ::-1], a[3:, 5:]):
        assert _same_bits(gaussian_blur_nearest(b, sigma), _plain(b, sigma))


@pytest.mark.parametrize("sigma", (0.8, 3.2))
def test_signed_zeros_are_not_one_value(config, sigma):
    a = np.zeros((160, 240))
    a[:, 120:] = -0.0
    a[70:90, 50:70] = 1.0
    ref = _plain(a, sigma)
    assert np.signbit(ref).any() and _same_bits(gaussian_blur_nearest(a, sigma), ref)


@pytest.mark.parametrize("sigma", SIGMAS)
def test_random_smooth_fields(config, sigma):
    rng = np.random.default_rng(7)
    a = ndimage.gaussian_filter(rng.normal(size=(150, 270)), 6.0) * 40 + 100
    assert _same_bits(gaussian_blur_nearest(a, sigma), _plain(a, sigma))


@pytest.mark.parametrize("sigma", SIGMAS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (9, 1), (2, 3), (3, 5), (7, 200), (40, 1),
                                   (31, 33), (65, 17)])
def test_tiny_and_odd_arrays(config, shape, sigma):
    a = _binary(shape) * 2.0 - 0.5
    a[: shape[0] // 2] = 1.5
    assert _same_bits(gaussian_blur_nearest(a, sigma), _plain(a, sigma))


def test_constant_array_and_input_left_alone(config):
    a = np.full((300, 500), 0.7)
    keep = a.copy()
    assert _same_bits(gaussian_blur_nearest(a, 3.2), _plain(a, 3.2))
    assert _same_bits(a, keep)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 150), w=st.integers(1, 150),
       sigma=st.floats(0.02, 15.0, allow_nan=False),
       rects=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
                                st.floats(0, 1), st.sampled_from([0.0, 1.0, -2.0, 0.3])),
                      max_size=6),
       cell=st.sampled_from([1, 2, 3, 8]), tile_cells=st.integers(1, 5),
       order=st.sampled_from("CF"))
def test_property_piecewise_constant_fields(h, w, sigma, rects, cell, tile_cells, order):
    a = np.zeros((h, w), order=order)
    for y0, y1, x0, x1, v in rects:
        a[int(min(y0, y1) * h):int(max(y0, y1) * h) + 1,
          int(min(x0, x1) * w):int(max(x0, x1) * w) + 1] = v
    saved = blur._MIN_SAMPLES, blur._MIN_CONSTANT_SHARE, blur._CELL, blur._TILE_CELLS
    try:
        blur._MIN_SAMPLES, blur._MIN_CONSTANT_SHARE = 0, 0.0
        blur._CELL, blur._TILE_CELLS = cell, tile_cells
        assert _same_bits(gaussian_blur_nearest(a, sigma), _plain(a, sigma))
    finally:
        blur._MIN_SAMPLES, blur._MIN_CONSTANT_SHARE, blur._CELL, blur._TILE_CELLS = saved


def test_the_render_uses_it():
    """render_scene's blur goes through the module (so the tests above cover the renders)."""
    from metrology.synth import render

    assert render.gaussian_blur_nearest is gaussian_blur_nearest


@pytest.mark.parametrize("sigma", (0.3, 0.8, 3.2, 8.0))
def test_the_margin_claim_itself(sigma):
    """A block filtered on its own with R samples of margin (clipped at the array's edges) gives
    its inner outputs exactly, and R - 1 does not (the module relies on the first; its blocks
    also end next to constant tiles, so the tests above cannot see a margin cut short)."""
    rng = np.random.default_rng(3)
    a = ndimage.gaussian_filter(rng.normal(size=(120, 160)), 2.0)
    radius = int(4.0 * sigma + 0.5)
    ref = _plain(a, sigma)
    for margin, exact in ((radius, True), (radius - 1, False)):
        for r0, r1, c0, c1 in ((0, 50, 0, 60), (37, 90, 41, 133), (70, 120, 100, 160)):
            b0, d0 = max(0, r0 - margin), max(0, c0 - margin)
            blk = _plain(a[b0:r1 + margin, d0:c1 + margin], sigma)
            same = np.array_equal(blk[r0 - b0:r1 - b0, c0 - d0:c1 - d0], ref[r0:r1, c0:c1])
            assert same == exact, (margin, r0, c0)
