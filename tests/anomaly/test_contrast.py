"""The generator's defect-contrast scale and the texture-contrast helper (issue 15: is a
held-out set's gap the scorer or the defects' visibility?)."""

import numpy as np
import pytest

from metrology.errors import InputError
from metrology.synth.defects import make_defect_set, render_defect_sample, texture_sigma

SHAPE = (96, 96)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), None])
def test_contrast_scale_is_checked(bad):
    with pytest.raises(InputError, match="contrast_scale"):
        render_defect_sample(SHAPE, "spot", rng=1, contrast_scale=bad)
    with pytest.raises(InputError, match="contrast_scale"):
        make_defect_set(1, ("spot",), 1, shape=SHAPE, seed=1, contrast_scale=bad)


def test_default_scale_leaves_the_output_unchanged():
    kw = dict(shape=SHAPE, seed=3, layout="manifold", texture="scraped")
    a = make_defect_set(1, ("scratch", "dent", "missing", "scuff"), 1, **kw)
    b = make_defect_set(1, ("scratch", "dent", "missing", "scuff"), 1, contrast_scale=1.0, **kw)
    for x, y in zip(a, b):
        assert np.array_equal(x.image, y.image) and np.array_equal(x.mask, y.mask)
        assert [d.to_dict() for d in x.defects] == [d.to_dict() for d in y.defects]


@pytest.mark.parametrize("kind", ["spot", "dent", "pits", "scuff", "hairline"])
def test_larger_scale_changes_the_image_more_inside_the_mask(kind):
    # a scale near 0 draws the same part with the defect all but gone: its twin
    twin = render_defect_sample(SHAPE, kind, rng=5, contrast_scale=1e-6)
    one = render_defect_sample(SHAPE, kind, rng=5)
    two = render_defect_sample(SHAPE, kind, rng=5, contrast_scale=2.0)
    assert np.array_equal(one.mask, two.mask) and np.array_equal(one.mask, twin.mask)
    assert two.defects[0].contrast == pytest.approx(2 * one.defects[0].contrast)
    m = one.mask
    d1 = np.abs(one.image.astype(float) - twin.image)[m].mean()
    d2 = np.abs(two.image.astype(float) - twin.image)[m].mean()
    assert d2 > 1.5 * d1 > 0
    assert np.array_equal(one.image[~m], two.image[~m]) or \
        np.abs(one.image.astype(float) - two.image)[~m].mean() < 0.5 * (d2 - d1)


def test_texture_sigma_flat_and_known_noise():
    assert texture_sigma(np.full((64, 64), 150.0)) == pytest.approx(0.0, abs=1e-9)
    g = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:128]
    shading = 140 + 0.2 * xx - 0.1 * yy  # slow ramp: not the texture's contrast
    for sigma in (2.0, 7.0):
        img = shading + g.normal(0, sigma, (128, 128))
        assert texture_sigma(img) == pytest.approx(sigma, rel=0.1)
    # region: a dark hole in the face is left out, not counted as contrast
    img = shading + g.normal(0, 3.0, (128, 128))
    region = np.hypot(xx - 64, yy - 64) > 20
    img[~region] = 40
    assert texture_sigma(img, region) == pytest.approx(3.0, rel=0.1)
    with pytest.raises(InputError):
        texture_sigma(img, region[:10])
    with pytest.raises(InputError):
        texture_sigma(np.zeros((4, 4)))
