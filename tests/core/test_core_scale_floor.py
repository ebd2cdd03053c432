"""The floor on the robust (MAD) scale of the Tukey IRLS fits and of RANSAC's final refit.

On nearly noise-free points the MAD scale alone becomes ~1e-4 px and Tukey's biweight (cut at
4.685 x scale) drops good points that are only a few 0.001 px off; ``scale_floor_px``
(default 0.01 px) keeps every point within ~0.047 px while real outliers are still rejected.
"""

import numpy as np
import pytest

from metrology.core import fit_circle, fit_ellipse, fit_line, ransac
from metrology.errors import InputError


def _nearly_exact(kind: str, seed: int = 0) -> np.ndarray:
    """Points on a shape with 1e-4 px jitter and every 7th point 0.004 px off (the size of
    8-bit / interpolation residue on a clean rendered edge)."""
    rng = np.random.default_rng(seed)
    if kind == "line":
        x = np.linspace(0.0, 50.0, 42)
        pts = np.c_[x, 3.0 + 0.2 * x]
    else:
        t = np.linspace(0.0, 2 * np.pi, 60, endpoint=False)
        a, b = (20.0, 20.0) if kind == "circle" else (24.0, 13.0)
        th = np.radians(20.0)
        u, v = a * np.cos(t), b * np.sin(t)
        pts = np.c_[50 + u * np.cos(th) - v * np.sin(th), 40 + u * np.sin(th) + v * np.cos(th)]
    pts = pts + rng.normal(0.0, 1e-4, pts.shape)
    pts[::7] += rng.choice([-1.0, 1.0], size=(len(pts[::7]), 1)) * np.array([0.003, 0.003])
    return pts


def _robust(kind, pts, **kw):
    fit = {"line": fit_line, "circle": fit_circle, "ellipse": fit_ellipse}[kind]
    return fit(pts, method="tukey", **kw)


@pytest.mark.parametrize("kind", ["line", "circle", "ellipse"])
def test_noise_free_points_keep_all_inliers(kind):
    pts = _nearly_exact(kind)
    n = len(pts)
    assert int(_robust(kind, pts).inliers.sum()) == n
    assert int(ransac(pts, kind, threshold_px=1.0, rng=0).inliers.sum()) == n
    # without the floor the MAD scale (~1e-4 px) rejects the 0.004 px points: the bug fixed
    assert int(_robust(kind, pts, scale_floor_px=0.0).inliers.sum()) < n


@pytest.mark.parametrize("kind", ["line", "circle", "ellipse"])
def test_outliers_still_rejected_with_the_floor(kind):
    pts = _nearly_exact(kind, seed=1)
    out = np.arange(3, len(pts), 11)
    pts[out] += 0.5  # 0.5 px off: 10x the floor's Tukey cut (4.685 * 0.01 = 0.047 px)
    f = _robust(kind, pts)
    assert not f.inliers[out].any()
    assert int(f.inliers.sum()) == len(pts) - len(out)
    r = ransac(pts, kind, threshold_px=0.2, rng=0)
    assert not r.inliers[out].any() and int(r.inliers.sum()) == len(pts) - len(out)


def test_floor_in_batches_and_bad_values():
    pts = np.stack([_nearly_exact("circle", s) for s in range(3)])
    f = fit_circle(pts, method="tukey")
    assert f.inliers.all()
    f0 = fit_circle(pts, method="tukey", scale_floor_px=0.0)
    assert not f0.inliers.all()
    for bad in (-0.1, float("nan"), "x"):
        with pytest.raises(InputError, match="scale_floor_px"):
            fit_line(pts[0], method="tukey", scale_floor_px=bad)
        with pytest.raises(InputError, match="scale_floor_px"):
            ransac(pts[0], "circle", scale_floor_px=bad)
