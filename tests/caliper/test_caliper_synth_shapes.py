"""The ground-truth shapes: exact coverage, areas, burrs."""

import math

import numpy as np
import pytest

from metrology.errors import InputError
from metrology.synth.shapes import (Disk, Ellipse, HalfPlane, Stripe, disk_with_burrs,
                                    render_shapes, square_coverage)


def test_square_coverage_is_the_exact_area():
    # a unit cell cut by a line at 30 degrees: compare with a dense Monte-Carlo of the cell
    rng = np.random.default_rng(0)
    u = rng.uniform(-0.5, 0.5, (200000, 2))
    n = np.array([math.cos(math.radians(30)), math.sin(math.radians(30))])
    for d in (-0.6, -0.3, 0.0, 0.2, 0.55):
        mc = np.mean(u @ n < d)
        assert square_coverage(np.array(d), n[0], n[1], 1.0) == pytest.approx(mc, abs=0.003)
    # axis-aligned limit: linear in d
    assert square_coverage(np.array(0.25), 1.0, 0.0, 1.0) == pytest.approx(0.75)


@pytest.mark.parametrize("shape,area", [(Disk((20.3, 19.6), 9.0), math.pi * 81),
                                        (Ellipse((20.0, 20.2), (12.0, 5.0), 33.0),
                                         math.pi * 60)])
def test_rendered_area_matches(shape, area):
    img = render_shapes([(shape, 1.0)], (40, 40), psf_sigma_px=1.0, supersample=4)
    # coverage is exact to O(cell^2 / R) on the rim: 0.1 % of the area
    assert img.sum() == pytest.approx(area, rel=1e-3)


def test_halfplane_and_stripe_positions():
    img = render_shapes([(HalfPlane((10.3, 0.0), 0.0), 1.0)], (4, 20), psf_sigma_px=0.0,
                        supersample=4)
    # column c covers x in [c-0.5, c+0.5]: column 10 is 0.2 covered
    assert img[0, 10] == pytest.approx(0.2, abs=1e-6)
    s = render_shapes([(Stripe((5.25, 0.0), 0.0, 3.5), 1.0)], (4, 20), psf_sigma_px=0.0,
                      supersample=4)
    # axis-aligned edges use a 1e-7-wide trapezoid instead of a division by zero: 1e-6 px
    assert s.sum() / 4 == pytest.approx(3.5, abs=1e-6)


def test_burrs_stick_out():
    u = disk_with_burrs((20.0, 20.0), 10.0, [(0.0, 2.0)])
    img = render_shapes([(u, 1.0)], (40, 40), psf_sigma_px=0.0, supersample=4)
    assert img[20, 32] > 0.9 and img[20, 8] < 0.1 and img[20, 12] > 0.9
    with pytest.raises(InputError):
        disk_with_burrs((20.0, 20.0), 10.0, [(0.0, -2.0)])
    with pytest.raises(InputError):
        render_shapes([], (10, 10))
    with pytest.raises(InputError):
        render_shapes([("disk", 1.0)], (10, 10))
