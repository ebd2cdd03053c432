"""The pieces of the uncertainty budget against independent references: feature parameters vs
their points (a refit), mm points vs the camera, pose and height (Plane.to_mm with changed
parameters), the plane pose covariance and its coupling to the intrinsics (Monte Carlo of the
plane's own PnP on noisy corners)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrology.calib import CameraModel, Checkerboard, Plane
from metrology.inspect.features import (
    circle_feature,
    ellipse_feature,
    line_feature,
    pair_feature,
)
from metrology.inspect.uncertainty import (
    budget,
    camera_parameters,
    plane_covariance,
    point_sensitivity,
)

CAM = CameraModel([[1100.0, 0, 517.3], [0, 1100.0, 379.6], [0, 0, 1]],
                  [-0.21, 0.14, 4e-4, -3e-4, -0.05], (1024, 768))
BOARD = Checkerboard(cols=11, rows=8, square_mm=3.0)


def _plane_pose():
    import cv2

    R = cv2.Rodrigues(np.radians([3.0, -2.0, 1.5]))[0]
    c = np.array([15.0, 10.5, 0.0])
    tvec = np.linalg.solve(CAM.K, [CAM.cx, CAM.cy, 1.0]) * 55.0 - R @ c
    return cv2.Rodrigues(R)[0].ravel(), tvec


def _with(camera, theta):
    K = np.array(camera.K, float)
    K[0, 0], K[1, 1], K[0, 2], K[1, 2] = theta[:4]
    return CameraModel(K, theta[4:], camera.image_size, camera.model)


def test_point_jacobian_is_the_refit():
    """G dp equals the change of a refit to points moved by dp (second-order agreement: the
    moves are 1e-5 of the size, the refits agree to ~1e-3 relative of the change)."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    circle = np.c_[3 + 2 * np.cos(t), 1 + 2 * np.sin(t)] + rng.normal(0, 1e-3, (40, 2))
    line = np.c_[np.linspace(0, 5, 20), 0.3 * np.linspace(0, 5, 20) + 1] \
        + rng.normal(0, 1e-3, (20, 2))
    c, s = math.cos(0.3), math.sin(0.3)
    ell = np.c_[3 + 2.5 * np.cos(t) * c - 1.2 * np.sin(t) * s,
                1 + 2.5 * np.cos(t) * s + 1.2 * np.sin(t) * c] + rng.normal(0, 1e-3, (40, 2))
    for fit, pts in ((lambda q: circle_feature("c", q, "mm"), circle),
                     (lambda q: ellipse_feature("e", q, "mm"), ell)):
        f0 = fit(pts)
        dp = rng.normal(0, 1e-5, pts.shape)
        pred = np.einsum("pnk,nk->p", f0.point_jacobian(pts), dp)
        np.testing.assert_allclose(fit(pts + dp).params - f0.params, pred, rtol=0,
                                   atol=2e-3 * np.abs(pred).max())
    f0 = line_feature("l", line, "mm", [1, 0.3])
    dp = rng.normal(0, 1e-5, line.shape)
    f1 = line_feature("l", line + dp, "mm", [1, 0.3])
    moved = np.array([(f1.point - f0.base) @ f0.base_normal, f1.params[1] - f0.params[1]])
    pred = np.einsum("pnk,nk->p", f0.point_jacobian(line), dp)
    np.testing.assert_allclose(moved, pred, rtol=0, atol=2e-3 * np.abs(pred).max())
    a = np.array([[0, 0.0], [0, 1], [0, 2]]) + rng.normal(0, 1e-3, (3, 2))
    b = a + [2.5, 0.1]
    for c in (None, np.array([[0.6, 0.7, -0.3], [-0.1, 0.5, 0.6]])):  # mean; strip weights
        f0 = pair_feature("p", a, b, "mm", weights=c)
        dp = rng.normal(0, 1e-5, (6, 2))
        pred = np.einsum("pnk,nk->p", f0.point_jacobian(np.vstack([a, b])), dp)
        np.testing.assert_allclose(pair_feature("p", a + dp[:3], b + dp[3:], "mm",
                                                weights=c).params - f0.params, pred, atol=1e-9)


def test_point_sensitivity_matches_plane_to_mm():
    rvec, tvec = _plane_pose()
    plane = Plane(CAM, rvec, tvec)
    rng = np.random.default_rng(1)
    px = rng.uniform([100, 80], [900, 700], (30, 2))
    s = point_sensitivity(plane, px)
    np.testing.assert_allclose(s.d_scale, plane.to_mm(px), atol=1e-9)
    theta = camera_parameters(CAM)
    for k in range(theta.size):
        h = 1e-4 * max(abs(theta[k]), 1e-2)
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        ref = (Plane(_with(CAM, tp), rvec, tvec).to_mm(px)
               - Plane(_with(CAM, tm), rvec, tvec).to_mm(px)) / (2 * h)
        np.testing.assert_allclose(s.d_theta[:, :, k], ref, rtol=1e-4,
                                   atol=1e-6 * np.abs(ref).max() + 1e-12)
    for k in range(6):
        h = 1e-5 if k < 3 else 1e-3
        rp, rm, tp, tm = rvec.copy(), rvec.copy(), tvec.copy(), tvec.copy()
        if k < 3:
            rp[k] += h
            rm[k] -= h
        else:
            tp[k - 3] += h
            tm[k - 3] -= h
        ref = (Plane(CAM, rp, tp).to_mm(px) - Plane(CAM, rm, tm).to_mm(px)) / (2 * h)
        np.testing.assert_allclose(s.d_pose[:, :, k], ref, rtol=1e-4, atol=1e-9)
    ref = (plane.at_height(0.01).to_mm(px) - plane.at_height(-0.01).to_mm(px)) / 0.02
    np.testing.assert_allclose(s.d_height, ref, rtol=1e-5, atol=1e-9)


def test_plane_covariance_predicts_the_scatter_of_its_pnp():
    """300 planes located from the same board with fresh corner noise (0.02 px): the scatter of
    a 30 mm length and of a point's position across them matches the pose covariance within
    the Monte-Carlo error (±10 % at 300 draws for a standard deviation: 4 sigma of its
    1/sqrt(2 * 300) relative error)."""
    rvec, tvec = _plane_pose()
    true = Plane(CAM, rvec, tvec)
    obj = BOARD.object_points()
    clean = CAM.project(obj, rvec, tvec)
    rng = np.random.default_rng(2)
    sigma = 0.02
    probe = true.to_px([[0.0, 0.0], [30.0, 0.0], [15.0, 21.0]])
    lengths, xs = [], []
    for _ in range(300):
        p = Plane.from_corners(CAM, BOARD, clean + rng.normal(0, sigma, clean.shape))
        mm = p.to_mm(probe)
        lengths.append(np.hypot(*(mm[1] - mm[0])))
        xs.append(mm[2, 0])
    pc = plane_covariance(true, obj, clean + rng.normal(0, sigma, clean.shape),
                          np.zeros((9, 9)))
    assert pc.corner_sigma_px == pytest.approx(sigma, rel=0.15)  # 170 d.o.f.: ±5.4 % 1 sigma
    s = point_sensitivity(true, probe)
    u = s.d_scale[1] - s.d_scale[0]
    g_len = (u / np.linalg.norm(u)) @ (s.d_pose[1] - s.d_pose[0])
    scale = (sigma / pc.corner_sigma_px) ** 2  # predict with the true corner noise
    pred_len = math.sqrt(g_len @ pc.pose_cov @ g_len * scale)
    pred_x = math.sqrt(s.d_pose[2, 0] @ pc.pose_cov @ s.d_pose[2, 0] * scale)
    assert np.std(lengths, ddof=1) == pytest.approx(pred_len, rel=0.10)
    assert np.std(xs, ddof=1) == pytest.approx(pred_x, rel=0.10)


def test_plane_pose_follows_the_intrinsics():
    """dω/dθ: the plane re-located from the same corners with other intrinsics."""
    rvec, tvec = _plane_pose()
    true = Plane(CAM, rvec, tvec)
    obj = BOARD.object_points()
    corners = CAM.project(obj, rvec, tvec)
    pc = plane_covariance(true, obj, corners, np.eye(9) * 1e-6)
    theta = camera_parameters(CAM)
    for k, h in ((0, 2.0), (2, 1.5), (4, 2e-3)):  # fx, cx, k1
        tp = theta.copy()
        tp[k] += h
        moved = Plane.from_corners(_with(CAM, tp), BOARD, corners)
        dw = np.concatenate([moved.rvec - rvec, moved.tvec - tvec])
        pred = pc.pose_from_intrinsics[:, k] * h
        # first order: agreement to a few % of the change (the PnP is solved on normalised rays,
        # the Jacobian in pixels; both are least squares on the same corners)
        np.testing.assert_allclose(dw, pred, atol=0.05 * np.abs(pred).max())


def test_budget_adds_components_in_quadrature():
    from metrology.inspect.uncertainty import PlaneCovariance

    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rng = np.random.default_rng(3)
    pts = np.c_[2 * np.cos(t), 2 * np.sin(t)] + rng.normal(0, 2e-4, (24, 2))
    f = circle_feature("h", pts, "mm")
    grads = {"h": {"theta": np.zeros((3, 2)), "pose": np.zeros((3, 6)),
                   "height": np.array([0.0, 0.0, 0.01]), "scale": f.params.copy()}}
    pc = PlaneCovariance(np.zeros((2, 2)), np.zeros((6, 6)), np.zeros((6, 2)), 0.01, 88,
                         height_std_mm=0.05, scale_rel_std=1e-4, corner_bias_rel=3e-5)
    b = budget(lambda ff: 2 * ff["h"].params[2], {"h": f}, ["h"], grads, pc)
    assert b.components["edge_fit"] == pytest.approx(2 * math.sqrt(f.cov[2, 2]))
    assert b.components["placement"] == pytest.approx(2 * 0.01 * 0.05)
    assert b.components["scale"] == pytest.approx(2 * f.params[2] * 1e-4)  # d * u_rel
    assert b.components["corner_bias"] == pytest.approx(2 * f.params[2] * 3e-5)
    assert b.components["calibration"] == 0 and b.components["plane"] == 0
    assert b.combined == pytest.approx(math.sqrt(sum(v ** 2 for v in b.components.values())))
    assert b.expanded == pytest.approx(2 * b.combined)
    none = budget(lambda ff: 2 * ff["h"].params[2], {"h": f}, ["h"], grads, None)
    assert none.components["calibration"] is None and "no covariance" in none.notes["plane"]
    assert none.combined == pytest.approx(b.components["edge_fit"])


def test_intrinsics_covariance_from_a_station_file(repo_root):
    """Recomputed from the views a station file keeps, the covariance's diagonal is the
    calibration's own parameter standard deviations (written when it was calibrated)."""
    from metrology.calib import Calibration
    from metrology.inspect.uncertainty import intrinsics_covariance

    cal = Calibration.load(repo_root / "tests" / "calib" / "data" / "station_v1_4views.json")
    C = intrinsics_covariance(cal)
    np.testing.assert_allclose(np.sqrt(np.diag(C)), cal.param_std, rtol=1e-6)
    np.testing.assert_allclose(C, C.T)
    assert np.all(np.linalg.eigvalsh(C) > -1e-12 * np.abs(C).max())
