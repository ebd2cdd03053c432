"""The recipe's ``illumination`` key: "flatten" makes the tools measure the image divided by
its smooth gain field (tests/image/test_illumination.py checks the field and the edge shift
it removes); here the key itself: parsed, kept by to_dict / replace, checked."""

import numpy as np
import pytest

from metrology.errors import FileFormatError
from metrology.inspect import Recipe
from metrology.synth.shapes import Disk, render_shapes

DOC = {"station": {"pixel_size_mm": 0.05},
       "tools": [{"name": "hole", "type": "circle", "center_xy": [40, 30], "radius": 20}],
       "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
                         "nominal_mm": 2.0, "tolerance_mm": 0.01}]}


def test_key_round_trip():
    assert Recipe.from_dict(DOC).illumination == "none"
    assert "illumination" not in Recipe.from_dict(DOC).to_dict()
    r = Recipe.from_dict({**DOC, "illumination": "flatten"})
    assert r.illumination == "flatten"
    assert r.to_dict()["illumination"] == "flatten"
    assert r.replace(name="x").illumination == "flatten"


@pytest.mark.parametrize("bad", ["flat", 1, None, True])
def test_bad_value(bad):
    with pytest.raises(FileFormatError, match="illumination"):
        Recipe.from_dict({**DOC, "illumination": bad})


def test_flatten_under_uniform_light_measures_the_same():
    # a disk (R 20 px) under uniform light: the estimated field is ~1 (slope < 3e-5/px over
    # ~2000 flat pixels), so the diameter moves by far less than its 1-sigma uncertainty
    img = render_shapes([(Disk((40.0, 30.0), 20.0), 120.0)], (64, 96), background=60.0,
                        psf_sigma_px=1.0, supersample=8)
    img = np.clip(np.rint(img + np.random.default_rng(5).normal(0, 1.5, img.shape)), 0, 255)
    a = Recipe.from_dict(DOC).run(img.astype(np.uint8)).measurement("d")
    b = Recipe.from_dict({**DOC, "illumination": "flatten"}).run(
        img.astype(np.uint8)).measurement("d")
    assert abs(a.value - b.value) < 0.2 * a.uncertainty
