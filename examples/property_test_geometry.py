"""Property-based testing of your own geometry code with metrology.testing.

Run as a script (``python examples/property_test_geometry.py``) or collect it with pytest
(``pytest examples/property_test_geometry.py``).  Each test states a property that must hold
for every input hypothesis draws: points on a noisy circle or ellipse (with the ground truth),
random poses, well-conditioned triangles.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from metrology.core import fit_circle, fit_ellipse, intersect_lines
from metrology.testing import (assert_points_close, circle_points, ellipse_points, poses,
                               triangles)


@settings(max_examples=30, deadline=None)
@given(sample=circle_points(min_points=20, min_arc_deg=120.0, max_noise_px=0.1,
                            max_radius=200.0))
def test_circle_fit_finds_the_truth(sample):
    fit = fit_circle(sample.points, method="geometric")
    # 20+ points with <= 0.1 px noise on >= 120 degrees of arc: the centre is known to a few
    # hundredths of a pixel; 8 times the predicted 1-sigma (plus rounding) cannot fail by chance
    tol = 8 * float(np.max(fit.center_std_px)) + 1e-6
    assert_points_close(fit.center_xy[None], sample.center_xy[None], max_px=tol)


@settings(max_examples=30, deadline=None)
@given(sample=ellipse_points(max_noise_px=0.0, max_ratio=0.8), pose=poses())
def test_ellipse_fit_commutes_with_a_pose(sample, pose):
    a = fit_ellipse(sample.points)
    b = fit_ellipse(pose.apply(sample.points))
    # fitting then moving == moving then fitting (exact data: only rounding differs)
    tol = 1e-6 * (1 + sample.semi_axes[0]) * pose.scale
    assert_points_close(b.center_xy[None], pose.apply(a.center_xy)[None], max_px=tol)
    np.testing.assert_allclose(b.semi_axes, pose.scale * a.semi_axes, atol=tol)


@settings(max_examples=30, deadline=None)
@given(tri=triangles(min_angle_deg=15.0))
def test_medians_meet_at_the_centroid(tri):
    mid = (np.roll(tri, -1, 0) + np.roll(tri, -2, 0)) / 2      # midpoint opposite each vertex
    p = intersect_lines(tri[0], mid[0] - tri[0], tri[1], mid[1] - tri[1])
    assert_points_close(p[None], tri.mean(0)[None], max_px=1e-6 * (1 + np.abs(tri).max()))


if __name__ == "__main__":
    for test in (test_circle_fit_finds_the_truth, test_ellipse_fit_commutes_with_a_pose,
                 test_medians_meet_at_the_centroid):
        test()
        print(f"{test.__name__}: passed")
