"""The optional compiled pose-scoring kernel (numba) against the NumPy reference.

``metrology.match._kernels.score_batch`` replaces ``cv2.remap`` + two products in
``track.score_poses``.  It rounds each point to 1/32 px and interpolates with the same bilinear
weights as ``cv2.remap`` (INTER_LINEAR, float maps, BORDER_CONSTANT 0), so the samples agree to
float32 rounding; the sums over the points are float64 in the kernel and float32 in NumPy's
einsum.  Tolerance on scores 2e-5: n <= 800 float32 terms of magnitude <= 1 summed, relative
rounding ~6e-8 per addition, gives <= 800 * 6e-8 = 5e-5 in the worst case for the sum and /n
for the mean (measured: <= 5e-7 on the parts' scenes).  Found poses must be identical
(the tracking picks the same discrete poses, the refinement does not use the kernel).

Without numba these tests are skipped.
"""

from __future__ import annotations

import numpy as np
import pytest

from metrology import _accel
from metrology.match.poses import PoseBatch
from metrology.match.track import score_poses

from match_helpers import get_model, random_scene

pytest.importorskip("numba")

SCORE_TOL = 2e-5


def _field(rng, h=60, w=80):
    """Mostly +x directions, turning slowly across the field, with noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    phi = 0.02 * xx + 0.01 * yy
    f = np.stack([np.cos(phi), np.sin(phi)], 2) + 0.3 * rng.normal(size=(h, w, 2))
    return (f / np.maximum(np.linalg.norm(f, axis=2, keepdims=True), 1.0)).astype(np.float32)


@pytest.mark.parametrize("polarity", ["use", "ignore_global", "ignore_local"])
@pytest.mark.parametrize("lv", [0, 2])
def test_kernel_scores_equal_numpy(polarity, lv):
    assert _accel.kernels("match") is not None
    rng = np.random.default_rng(3 + lv)
    field = _field(rng)
    n, P = 200, 300
    t = rng.uniform(0, 2 * np.pi, n)
    pts = np.stack([40 * np.cos(t), 30 * np.sin(t)], 1) * rng.uniform(0.5, 1.0, (n, 1))
    dirs = np.stack([np.cos(0.3 * t), np.sin(0.3 * t)], 1)
    # poses all over the level, some partly or wholly outside (the border's zeros)
    f = 2 ** lv
    poses = PoseBatch.from_arrays(rng.uniform(-30, 110, P) * f, rng.uniform(-30, 90, P) * f,
                                  rng.uniform(-np.pi, np.pi, P), rng.uniform(0.9, 1.1, P))
    origin = (1.5, -2.0)
    fast = score_poses(field, lv, poses, pts, dirs, polarity, origin)
    with _accel.disabled():
        ref = score_poses(field, lv, poses, pts, dirs, polarity, origin)
    assert fast.shape == ref.shape == (P,)
    assert np.all(np.isfinite(fast))
    np.testing.assert_allclose(fast, ref, rtol=0, atol=SCORE_TOL)
    assert np.ptp(ref) > 0.1          # the poses are not all alike (the test can fail)


def test_kernel_takes_points_on_the_grid_and_the_border_exactly():
    """Points on pixel centres read the field's values; a half-outside point the border's 0s."""
    field = np.zeros((10, 10, 2), np.float32)
    field[..., 0] = 1.0
    pts = np.array([[0.0, 0.0], [0.5, 0.0], [9.0, 0.0], [9.5, 0.0], [12.0, 0.0]])
    dirs = np.array([[1.0, 0.0]] * 5)
    b = PoseBatch.from_arrays([0.0], [4.0], [0.0], [1.0])
    got = [score_poses(field, 0, b, pts[i:i + 1], dirs[i:i + 1], "use")[0] for i in range(5)]
    with _accel.disabled():
        ref = [score_poses(field, 0, b, pts[i:i + 1], dirs[i:i + 1], "use")[0]
               for i in range(5)]
    np.testing.assert_allclose(got, [1.0, 1.0, 1.0, 0.5, 0.0], atol=1e-6)
    np.testing.assert_allclose(got, ref, atol=1e-6)


@pytest.mark.parametrize("name", ["bracket", "gear"])
def test_find_is_the_same_with_and_without_the_kernel(name):
    model = get_model(name)
    for seed in range(3):
        scene, _ = random_scene(name, 100 + seed)
        fast = model.find(scene.image)
        with _accel.disabled():
            ref = model.find(scene.image)
        assert len(fast) == len(ref) == 1
        a, b = fast[0].pose, ref[0].pose
        assert (a.x, a.y, a.angle_deg, a.scale) == (b.x, b.y, b.angle_deg, b.scale)
        assert abs(fast[0].score - ref[0].score) < SCORE_TOL
