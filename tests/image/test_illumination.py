"""The smooth gain field estimated away from the edges, and the edge shift it removes.

Ground truth from ``metrology.synth``: a straight edge (HalfPlane, levels 60 / 180, 1 px
optics) multiplied by a known ramp ``1 + g (x - x_edge)``, and the demo plate with its known
radial fall-off ``1 - 0.08 r^2``.
"""

import numpy as np
import pytest

from metrology.caliper.edges import detect_edges
from metrology.caliper.settings import EdgeSettings
from metrology.errors import FileFormatError, InputError
from metrology.image._illumination import check_mode, estimate_illumination, tool_image
from metrology.synth.shapes import HalfPlane, render_shapes

H, W, X0 = 128, 240, 120.3


@pytest.fixture(scope="module")
def edge_image():
    return render_shapes([(HalfPlane((X0, 4.0), 0.0), 120.0)], (H, W), background=60.0,
                         psf_sigma_px=1.0, supersample=16)


def _noisy(clean, g, seed):
    x = np.arange(float(W))
    v = clean * (1.0 + g * (x[None, :] - X0))
    return np.clip(np.round(v + np.random.default_rng(seed).normal(0.0, 2.0, v.shape)), 0, 255)


def _edge_errors(img):
    rows = img[:, 60:180].astype(float)
    es = detect_edges(rows, np.arange(120.0), edges=EdgeSettings(select="strongest"))
    assert es.count == H
    return es.position + 60.0 - X0


def test_ramp_is_found_and_its_edge_shift_removed(edge_image):
    # the plain fit moves the edge by ~11 g px at 1 px optics (scripts/edge_ramp_bias.py):
    # +0.011 px at g = 1e-3; paired with the same noise at g = 0 the difference of the mean
    # over 128 rows has a standard error ~1e-4 px, so 0.008 / 0.0015 px separate the two
    g = 1e-3
    shift_plain, shift_flat = [], []
    for seed in range(3):
        v0, vg = _noisy(edge_image, 0.0, seed), _noisy(edge_image, g, seed)
        f = estimate_illumination(vg)
        # the local slope at the edge, to 10 % (a log-quadratic fitted to a linear gain)
        assert f.gradient([[X0, H / 2]])[0] == pytest.approx([g, 0.0], abs=1e-4)
        shift_plain.append(np.mean(_edge_errors(vg) - _edge_errors(v0)))
        flat0 = estimate_illumination(v0).flatten(v0)
        shift_flat.append(np.mean(_edge_errors(f.flatten(vg)) - _edge_errors(flat0)))
    assert np.mean(shift_plain) > 0.008
    assert abs(np.mean(shift_flat)) < 0.0015


def test_uniform_light_changes_nothing(edge_image):
    v = _noisy(edge_image, 0.0, 7)
    f = estimate_illumination(v)
    # ~900 flat 4x4 blocks: the slope is known to ~1e-5/px where the edges are (the
    # quadratic's corners, extrapolated over the masked band, to ~4e-5)
    assert np.abs(f.gradient([[X0, 32], [X0, 64], [X0, 96]])).max() < 3e-5
    e_plain, e_flat = _edge_errors(v), _edge_errors(f.flatten(v))
    assert np.abs(e_flat - e_plain).max() < 2e-3        # 1e-5/px over 100 px: 1e-3 px
    assert tool_image(v, "none") is v


def test_demo_fall_off_recovered():
    from metrology.core.pose import Pose2D
    from metrology.synth.demo import demo_part, demo_station, render_demo_part
    from metrology.calib import CameraModel

    cam = CameraModel([[800.0, 0, 319.5], [0, 800.0, 239.5], [0, 0, 1]], np.zeros(5),
                      (640, 480))
    st = demo_station(cam, mm_per_px=0.05)
    r = render_demo_part(st, demo_part(), Pose2D(float(st.center_mm[0]),
                                                 float(st.center_mm[1]), 25.0), rng=3)
    f = estimate_illumination(r.image)
    h, w = r.image.shape
    ys, xs = np.mgrid[20:h - 20:40, 20:w - 20:40].astype(float)
    big = ((w - 1) / 2) ** 2 + ((h - 1) / 2) ** 2
    r2 = ((xs - (w - 1) / 2) ** 2 + (ys - (h - 1) / 2) ** 2) / big
    gain = 1.0 - 0.08 * r2
    true = np.stack([-0.16 * (xs - (w - 1) / 2) / big / gain,
                     -0.16 * (ys - (h - 1) / 2) / big / gain], axis=-1).reshape(-1, 2)
    got = f.gradient(np.c_[xs.ravel(), ys.ravel()])
    # the fall-off's slope reaches ~3e-4/px; an edge moves ~11-33 px per unit slope, so
    # 3e-5/px leaves < 0.001 px
    assert np.abs(true).max() > 2e-4
    assert np.abs(got - true).max() < 3e-5


def test_bad_input():
    with pytest.raises(InputError):
        estimate_illumination(np.zeros((5, 5)))
    with pytest.raises(InputError):
        estimate_illumination(np.full((40, 40), np.nan))
    with pytest.raises(InputError):
        estimate_illumination(np.ones((40, 40)), degree=5)
    with pytest.raises(FileFormatError):
        check_mode("flat")
    # an image without flat pixels: the identity field, not a failure
    f = estimate_illumination(np.random.default_rng(0).uniform(0, 255, (40, 40)))
    assert np.all(np.isfinite(f.flatten(np.ones((40, 40)))))
