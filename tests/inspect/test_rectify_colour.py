"""The rectified view keeps a colour image's colour (a colour anomaly bank scores it), and
gray images are rectified as before."""

import numpy as np
import pytest

from metrology.calib import CameraModel, Plane
from metrology.errors import InputError
from metrology.image.io import as_gray
from metrology.inspect.rectify import Rectifier, RectifySpec
from metrology.synth.colour import colourise
from metrology.synth.demo import demo_station

CAM = CameraModel([[1100.0, 0.0, 517.3], [0.0, 1100.0, 379.6], [0.0, 0.0, 1.0]],
                  [-0.21, 0.14, 4e-4, -3e-4, -0.05], (1024, 768))


@pytest.fixture(scope="module")
def rectifier():
    st = demo_station(CAM, mm_per_px=0.05, tilt_deg=(15.0, 5.0))
    plane = Plane(CAM, st.rvec, st.tvec)
    return Rectifier(RectifySpec.covering(plane, CAM.image_size, 0.05), plane)


def test_colour_is_rectified_channel_by_channel(rectifier):
    rng = np.random.default_rng(0)
    gray = (rng.random((768, 1024)) * 80 + 90).astype(np.uint8)
    bgr = colourise(gray, "gold", rng=1, noise=0.0)
    out = rectifier.image(bgr)
    assert out.shape == rectifier.image(gray).shape + (3,) and out.dtype == np.uint8
    for c in range(3):  # each channel as that channel alone is rectified
        assert np.array_equal(out[..., c], rectifier.image(np.ascontiguousarray(bgr[..., c])))
    # its luminance is the rectified luminance (bilinear is linear; rounding of 3 channels)
    lum = as_gray(out, dtype=np.float32)
    ref = rectifier.image(as_gray(bgr, dtype=np.float32))
    assert np.abs(lum - ref).max() <= 1.5


def test_rectifier_rejects_bad_images(rectifier):
    bad = np.zeros((768, 1024), np.float32)
    bad[5, 5] = np.nan
    with pytest.raises(InputError):
        rectifier.image(bad)
    with pytest.raises(InputError):
        rectifier.image(np.zeros((768, 1024, 2, 2), np.uint8))
