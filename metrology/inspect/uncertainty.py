"""Uncertainty budget (GUM) of a measured value: edge/fit noise, calibration, plane, placement,
scale; combined standard uncertainty and expanded uncertainty (k = 2).

Model of the measurement chain: raw edge points ``u_i`` (px) -> normalised rays
``n_i = normalize(u_i; θ)`` (camera intrinsics ``θ``: fx, fy, cx, cy, distortion) -> plane
millimetres ``p_i = h(n_i; ω, z)`` (plane pose ``ω`` = rvec, tvec of the board that located it;
``z`` the height of the measured surface above that board) -> features fitted to the ``p_i``
-> measurement ``m``.  Each input has its own, independent source of error:

========================  =====================================================================
component                 what varies, and where its covariance comes from
========================  =====================================================================
``edge_fit``              the edge points of this image: each feature's least-squares
                          covariance ``s² (JᵀJ)⁻¹`` (type A), propagated through ``m``.
``calibration``           the intrinsics ``θ`` (covariance of the calibration, extrinsics
                          marginalised), **with the plane pose re-estimated** from the plane's
                          board corners under the changed intrinsics (``dω/dθ``): most of a
                          focal-length error is absorbed by the plane's distance.
``plane``                 the plane pose ``ω`` given ``θ``: noise of the plane board's corners
                          (``σ_c² (J_ωᵀJ_ω)⁻¹``, ``σ_c`` from the PnP residuals).
``placement``             the height of the measured surface above the board (part thickness,
                          a part not lying flat): ``u_z`` given by the station (default 0).
``scale``                 the board's pitch (printing, temperature) or a bare pixel size:
                          relative ``u_s`` given by the station (default 0); ``m`` scales with
                          it (lengths and positions; angles do not).
========================  =====================================================================

All sensitivities are first order and analytic in the points: the features' parameters move
with their edge points as ``dθ_f = -(JᵀJ)⁻¹Jᵀ (∂r/∂p) dp`` (the Gauss-Newton step of the fit),
and the points move with the global parameters through the exact chain above (forward lens model
differentiated numerically, no iterative undistortion per perturbation).  The components add in
quadrature (their sources are independent); the expanded uncertainty is ``U = 2 u_c``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._serial import Serializable, to_jsonable
from ..errors import InputError

__all__ = [
    "COMPONENTS",
    "PlaneCovariance",
    "PointSensitivity",
    "UncertaintyBudget",
    "budget",
    "camera_parameters",
    "plane_covariance",
    "point_jacobian",
    "point_sensitivity",
]

#: budget components in the order they are reported
COMPONENTS = ("edge_fit", "calibration", "plane", "placement", "scale")
K_EXPANDED = 2.0


# --------------------------------------------------------------------------------------------
# camera parameters
# --------------------------------------------------------------------------------------------
def camera_parameters(camera: Any) -> np.ndarray:
    """``[fx, fy, cx, cy, dist...]`` of a :class:`~metrology.calib.CameraModel`, shape (P,)
    (the order of the calibration's covariance)."""
    return np.concatenate([[camera.K[0, 0], camera.K[1, 1], camera.K[0, 2], camera.K[1, 2]],
                           np.asarray(camera.dist, float).ravel()])


def _with_parameters(camera: Any, theta: np.ndarray) -> Any:
    from ..calib import CameraModel

    K = np.array(camera.K, float)
    K[0, 0], K[1, 1], K[0, 2], K[1, 2] = theta[:4]
    return CameraModel(K, theta[4:], camera.image_size, camera.model,
                       valid_radius=camera.valid_radius)


def _steps(theta: np.ndarray) -> np.ndarray:
    h = np.full(theta.shape, 1e-7)
    h[:4] = 1e-6 * np.maximum(np.abs(theta[:4]), 1.0)
    return h


def _project_rays(camera: Any, rays: np.ndarray) -> np.ndarray:
    P = np.column_stack([rays, np.ones(len(rays))])
    return camera.project(P)


def _ray_jacobians(camera: Any, rays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``∂u/∂n`` (N, 2, 2) and ``∂u/∂θ`` (N, 2, P) of the forward model ``u = proj(n; θ)``."""
    eps = 1e-7
    Jn = np.empty((len(rays), 2, 2))
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        Jn[:, :, k] = (_project_rays(camera, rays + d) - _project_rays(camera, rays - d)) / (2 * eps)
    theta = camera_parameters(camera)
    hs = _steps(theta)
    Jt = np.empty((len(rays), 2, theta.size))
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += hs[k]
        tm[k] -= hs[k]
        Jt[:, :, k] = (_project_rays(_with_parameters(camera, tp), rays)
                       - _project_rays(_with_parameters(camera, tm), rays)) / (2 * hs[k])
    return Jn, Jt


# --------------------------------------------------------------------------------------------
# plane covariance
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaneCovariance(Serializable):
    """What is known about the errors of a measuring plane.

    Attributes
    ----------
    intrinsics_cov : ndarray (P, P)
        Covariance of ``[fx, fy, cx, cy, dist...]`` from the calibration.
    pose_cov : ndarray (6, 6)
        Covariance of the plane pose ``(rvec, tvec)`` from its board's corner noise, at fixed
        intrinsics.
    pose_from_intrinsics : ndarray (6, P)
        ``dω/dθ``: how the plane pose estimated from the same corners moves when the
        intrinsics change.
    corner_sigma_px : float
        Corner noise of the plane board, from the PnP residuals (``2N - 6`` d.o.f.).
    n_corners : int
    height_std_mm : float
        Standard uncertainty of the measured surface's height above the board (placement).
    scale_rel_std : float
        Relative standard uncertainty of the board's pitch.
    """

    intrinsics_cov: np.ndarray
    pose_cov: np.ndarray
    pose_from_intrinsics: np.ndarray
    corner_sigma_px: float
    n_corners: int
    height_std_mm: float = 0.0
    scale_rel_std: float = 0.0


def _pose_jacobian(camera: Any, obj: np.ndarray, rvec: np.ndarray, tvec: np.ndarray
                   ) -> np.ndarray:
    """``∂(projected corners)/∂(rvec, tvec)``, shape (2N, 6)."""
    cols = []
    for k in range(6):
        h = 1e-7 if k < 3 else 1e-6 * max(float(np.abs(tvec).max()), 1.0)
        rp, rm, tp, tm = rvec.copy(), rvec.copy(), tvec.copy(), tvec.copy()
        if k < 3:
            rp[k] += h
            rm[k] -= h
        else:
            tp[k - 3] += h
            tm[k - 3] -= h
        cols.append(((camera.project(obj, rp, tp) - camera.project(obj, rm, tm)) / (2 * h))
                    .reshape(-1))
    return np.stack(cols, axis=1)


def plane_covariance(plane: Any, object_points: Any, corners_px: Any, intrinsics_cov: Any, *,
                     height_std_mm: float = 0.0, scale_rel_std: float = 0.0) -> PlaneCovariance:
    """Covariance of a plane located from board corners, with a calibrated camera.

    Parameters
    ----------
    plane : Plane
        The plane (its camera and pose).
    object_points : array_like (N, 3) or (N, 2)
        Board corners in the board frame (mm).
    corners_px : array_like (N, 2)
        Their detected raw pixel positions (the ones the pose was estimated from).
    intrinsics_cov : array_like (P, P)
        Covariance of ``[fx, fy, cx, cy, dist...]`` from the calibration.
    height_std_mm, scale_rel_std : float
        Placement height and board-pitch uncertainties (see :class:`PlaneCovariance`).

    Returns
    -------
    PlaneCovariance
    """
    cam = plane.camera
    obj = np.asarray(object_points, float)
    if obj.ndim != 2 or obj.shape[1] not in (2, 3):
        raise InputError(f"object_points: expected (N, 2) or (N, 3), given {obj.shape}")
    if obj.shape[1] == 2:
        obj = np.column_stack([obj, np.zeros(len(obj))])
    px = np.asarray(corners_px, float).reshape(-1, 2)
    if len(px) != len(obj) or len(px) < 4:
        raise InputError(f"corners_px: expected {len(obj)} corners (>= 4), given {len(px)}")
    theta = camera_parameters(cam)
    C = np.asarray(intrinsics_cov, float)
    if C.shape != (theta.size, theta.size) or not np.all(np.isfinite(C)):
        raise InputError(f"intrinsics_cov: expected a finite ({theta.size}, {theta.size}) "
                         f"matrix for the {cam.model!r} model, given shape {C.shape}")
    rvec, tvec = np.asarray(plane.rvec, float), np.asarray(plane.tvec, float)
    Jw = _pose_jacobian(cam, obj, rvec, tvec)
    hs = _steps(theta)
    Jt = np.empty((2 * len(obj), theta.size))
    for k in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[k] += hs[k]
        tm[k] -= hs[k]
        Jt[:, k] = ((_with_parameters(cam, tp).project(obj, rvec, tvec)
                     - _with_parameters(cam, tm).project(obj, rvec, tvec)) / (2 * hs[k])
                    ).reshape(-1)
    r = (cam.project(obj, rvec, tvec) - px).reshape(-1)
    dof = max(r.size - 6, 1)
    s2 = float(r @ r) / dof
    N = Jw.T @ Jw
    Ninv = np.linalg.inv(N)
    A = -Ninv @ Jw.T @ Jt
    return PlaneCovariance(0.5 * (C + C.T), s2 * Ninv, A, math.sqrt(s2), len(obj),
                           float(height_std_mm), float(scale_rel_std))


# --------------------------------------------------------------------------------------------
# points -> mm sensitivities
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PointSensitivity:
    """How mm points move with the global parameters.

    ``d_theta`` (N, 2, P): per intrinsic at fixed plane pose; ``d_pose`` (N, 2, 6);
    ``d_height`` (N, 2): per mm of surface height; ``d_scale`` (N, 2): per unit relative scale.
    """

    d_theta: np.ndarray
    d_pose: np.ndarray
    d_height: np.ndarray
    d_scale: np.ndarray


def _plane_h(rvec: np.ndarray, tvec: np.ndarray, height: float) -> np.ndarray:
    from ..calib.camera import rodrigues

    R = rodrigues(rvec)
    t = tvec + R[:, 2] * (-height)
    return np.linalg.inv(np.column_stack([R[:, 0], R[:, 1], t]))


def _rays_to_mm(Hi: np.ndarray, n: np.ndarray) -> np.ndarray:
    d = Hi[2, 0] * n[:, 0] + Hi[2, 1] * n[:, 1] + Hi[2, 2]
    return np.column_stack([(Hi[0, 0] * n[:, 0] + Hi[0, 1] * n[:, 1] + Hi[0, 2]) / d,
                            (Hi[1, 0] * n[:, 0] + Hi[1, 1] * n[:, 1] + Hi[1, 2]) / d])


def point_sensitivity(plane: Any, points_px: Any) -> PointSensitivity:
    """Sensitivities of ``plane.to_mm(points_px)`` (N points) to the global parameters.

    A :class:`~metrology.inspect.station.ScalePlane` (bare pixel size) has no intrinsics or
    pose: only ``d_scale`` is non-zero.
    """
    u = np.asarray(points_px, float).reshape(-1, 2)
    n_pts = len(u)
    if not hasattr(plane, "camera"):  # ScalePlane: mm = px * s
        mm = plane.to_mm(u)
        return PointSensitivity(np.zeros((n_pts, 2, 0)), np.zeros((n_pts, 2, 6)),
                                np.zeros((n_pts, 2)), mm)
    cam = plane.camera
    rays = cam.normalize(u)
    Jn, Jt = _ray_jacobians(cam, rays)
    dn_dtheta = -np.linalg.solve(Jn, Jt)  # (N, 2, P): u fixed, θ moves
    rvec, tvec, h0 = np.asarray(plane.rvec, float), np.asarray(plane.tvec, float), \
        float(plane.height_mm)
    Hi = _plane_h(rvec, tvec, h0)
    eps = 1e-7
    dp_dn = np.empty((n_pts, 2, 2))
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        dp_dn[:, :, k] = (_rays_to_mm(Hi, rays + d) - _rays_to_mm(Hi, rays - d)) / (2 * eps)
    d_theta = np.einsum("nij,njk->nik", dp_dn, dn_dtheta)
    d_pose = np.empty((n_pts, 2, 6))
    for k in range(6):
        h = 1e-7 if k < 3 else 1e-6 * max(float(np.abs(tvec).max()), 1.0)
        rp, rm, tp, tm = rvec.copy(), rvec.copy(), tvec.copy(), tvec.copy()
        if k < 3:
            rp[k] += h
            rm[k] -= h
        else:
            tp[k - 3] += h
            tm[k - 3] -= h
        d_pose[:, :, k] = (_rays_to_mm(_plane_h(rp, tp, h0), rays)
                           - _rays_to_mm(_plane_h(rm, tm, h0), rays)) / (2 * h)
    hh = 1e-4
    d_height = (_rays_to_mm(_plane_h(rvec, tvec, h0 + hh), rays)
                - _rays_to_mm(_plane_h(rvec, tvec, h0 - hh), rays)) / (2 * hh)
    return PointSensitivity(d_theta, d_pose, d_height, _rays_to_mm(Hi, rays))


# --------------------------------------------------------------------------------------------
# features: parameters vs their points
# --------------------------------------------------------------------------------------------
def point_jacobian(feature: Any, points_mm: Any, second_mm: Any = None) -> np.ndarray:
    """``d params / d points`` of a fitted feature, shape (P, N, 2): how its least-squares
    parameters move with its edge points (one Gauss-Newton step of the fit).

    Parameters
    ----------
    feature : Feature
        A fitted feature (:mod:`metrology.inspect.features`), in the space of the points.
    points_mm : array_like (N, 2)
        The points it was fitted to (an edge pair: its first edges).
    second_mm : array_like (N, 2), optional
        An edge pair's second edges; the result then covers ``[first; second]`` (2N points).
    """
    f = feature
    p = np.asarray(points_mm, float).reshape(-1, 2)
    if f.kind == "edge_pair":
        b = np.asarray(second_mm, float).reshape(-1, 2)
        k = len(p)
        v = b - p
        unit = v / np.hypot(v[:, 0], v[:, 1])[:, None]
        G = np.zeros((3, 2 * k, 2))
        G[0, :, 0] = 0.5 / k
        G[1, :, 1] = 0.5 / k
        G[2, :k] = -unit / k
        G[2, k:] = unit / k
        return G
    if f.kind == "circle":
        d = p - f.params[:2]
        dist = np.hypot(d[:, 0], d[:, 1])
        nrm = d / dist[:, None]
        J = np.column_stack([-nrm, -np.ones(len(p))])
    elif f.kind == "line":
        # e_i = (p_i - base - offset n0) . n(angle); at the fit n(angle) = n0:
        # de/doffset = -1, de/dangle = -(p_i - base) . d, de/dp_i = n0
        t = (p - f.base) @ f.direction
        nrm = np.broadcast_to(f.base_normal, p.shape)
        J = np.column_stack([-np.ones(len(p)), -t])
    elif f.kind == "ellipse":
        from ..core import distance_point_ellipse

        q = f.params

        def resid(pts, qq):
            return np.asarray(distance_point_ellipse(pts, qq[:2], qq[2:4], math.degrees(qq[4])),
                              float)

        J = np.empty((len(p), 5))
        for j in range(5):
            h = 1e-6 * max(1.0, abs(q[j]))
            dq = np.zeros(5)
            dq[j] = h
            J[:, j] = (resid(p, q + dq) - resid(p, q - dq)) / (2 * h)
        eps = 1e-6 * max(1.0, float(np.abs(q[2:4]).max()))
        nrm = np.column_stack([(resid(p + [eps, 0], q) - resid(p - [eps, 0], q)) / (2 * eps),
                               (resid(p + [0, eps], q) - resid(p - [0, eps], q)) / (2 * eps)])
    else:
        raise InputError(f"point_jacobian: unknown feature kind {f.kind!r}")
    M = np.linalg.solve(J.T @ J, J.T)  # (P, N)
    return -M[:, :, None] * nrm[None, :, :]


# --------------------------------------------------------------------------------------------
# the budget
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UncertaintyBudget(Serializable):
    """Standard uncertainties of one measured value by component (same unit as the value).

    ``components`` maps each name of :data:`COMPONENTS` to its standard uncertainty (None
    when it could not be evaluated, e.g. a station file without covariance; ``notes`` say
    why); ``combined`` is their root sum of squares, ``expanded`` ``k`` times that.
    """

    components: dict[str, float | None]
    combined: float
    k: float = K_EXPANDED
    unit: str = "mm"
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def expanded(self) -> float:
        return self.k * self.combined

    _json_type = None

    def to_dict(self) -> dict:
        return {**super().to_dict(), "expanded": to_jsonable(self.expanded)}


def budget(fn: Callable[[Mapping[str, Any]], float], feats: Mapping[str, Any], names: list[str],
           grads: Mapping[str, Mapping[str, np.ndarray]], cov: PlaneCovariance | None, *,
           unit: str = "mm", scale_invariant: bool = False) -> UncertaintyBudget:
    """Budget of ``m = fn(features)``.

    Parameters
    ----------
    fn : callable
        The measurement from a mapping of features.
    feats : mapping
        The fitted mm features.
    names : list of str
        The features ``fn`` uses.
    grads : mapping
        Per feature, ``{"theta": (P_f, P), "pose": (P_f, 6), "height": (P_f,),
        "scale": (P_f,)}``: how its parameters move with the global parameters
        (``point_jacobian`` contracted with ``point_sensitivity``).
    cov : PlaneCovariance or None
        None: the calibration, plane and placement components are not evaluated.
    scale_invariant : bool
        The value does not change with the plane's scale (angles): no scale component.
    """
    var_fit = 0.0
    g_theta = g_pose = None
    g_height = g_scale = 0.0
    fit_ok = True
    for n in dict.fromkeys(names):
        f = feats[n]
        p0 = f.params
        J = np.empty(len(p0))
        for j in range(len(p0)):
            h = 1e-6 * max(1.0, abs(float(p0[j])))
            dp = np.zeros_like(p0)
            dp[j] = h
            J[j] = (fn(dict(feats, **{n: f.with_params(p0 + dp)}))
                    - fn(dict(feats, **{n: f.with_params(p0 - dp)}))) / (2 * h)
        if f.cov is None:
            fit_ok = False
        else:
            var_fit += float(J @ f.cov @ J)
        gr = grads.get(n)
        if gr is None:
            continue
        gt, gp = J @ gr["theta"], J @ gr["pose"]
        g_theta = gt if g_theta is None else g_theta + gt
        g_pose = gp if g_pose is None else g_pose + gp
        g_height += float(J @ gr["height"])
        g_scale += float(J @ gr["scale"])
    comps: dict[str, float | None] = dict.fromkeys(COMPONENTS)
    notes: dict[str, str] = {}
    comps["edge_fit"] = math.sqrt(max(var_fit, 0.0)) if fit_ok else None
    if not fit_ok:
        notes["edge_fit"] = "a feature's covariance could not be estimated (too few points)"
    if cov is not None and g_theta is not None:
        g_tot = g_theta + g_pose @ cov.pose_from_intrinsics if g_theta.size else g_theta
        comps["calibration"] = math.sqrt(max(float(g_tot @ cov.intrinsics_cov @ g_tot), 0.0)) \
            if g_theta.size else 0.0
        comps["plane"] = math.sqrt(max(float(g_pose @ cov.pose_cov @ g_pose), 0.0))
        comps["placement"] = abs(g_height) * cov.height_std_mm
        comps["scale"] = 0.0 if scale_invariant else abs(g_scale) * cov.scale_rel_std
    else:
        notes["calibration"] = notes["plane"] = notes["placement"] = \
            "not evaluated: the station gives no covariance"
        comps["scale"] = None
    total = math.sqrt(sum(v * v for v in comps.values() if v is not None))
    return UncertaintyBudget(comps, total, K_EXPANDED, unit, notes)


# --------------------------------------------------------------------------------------------
# glue: a calibration's intrinsic covariance, the gradients of an image's features
# --------------------------------------------------------------------------------------------
def intrinsics_covariance(cal: Any) -> np.ndarray:
    """Covariance ``σ² (JᵀJ)⁻¹`` of ``[fx, fy, cx, cy, dist...]`` of a
    :class:`~metrology.calib.Calibration` (extrinsics marginalised), recomputed from the views
    it keeps (so it works for any station file that holds its views), shape (P, P).

    Raises
    ------
    InputError
        The calibration holds no views.
    """
    from ..calib.uncertainty import covariance

    views = list(getattr(cal, "views", ()) or ())
    if not views:
        raise InputError("the calibration holds no views: its intrinsic covariance cannot be "
                         "recomputed")
    theta = camera_parameters(cal.camera)
    rv = np.stack([np.asarray(v.rvec, float) for v in views])
    tv = np.stack([np.asarray(v.tvec, float) for v in views])
    obs = np.stack([np.asarray(v.corners_xy, float) for v in views])
    mask = np.stack([np.asarray(v.corner_ok, bool) for v in views])
    cov, _ = covariance(theta, rv, tv, np.asarray(cal.board_points, float), obs, mask,
                        cal.camera.model)
    return 0.5 * (cov + cov.T)


def feature_gradients(plane: Any, items: Mapping[str, tuple]) -> dict[str, dict[str, np.ndarray]]:
    """How each feature's parameters move with the global parameters of the plane.

    Parameters
    ----------
    plane : Plane or ScalePlane
        The mapping the features' mm points came from.
    items : mapping
        ``name -> (feature_mm, points_px)`` or ``(feature_mm, first_px, second_px)`` (an edge
        pair): the fitted mm feature and the raw pixel points it was fitted to.

    Returns
    -------
    dict
        ``name -> {"theta": (P_f, P), "pose": (P_f, 6), "height": (P_f,), "scale": (P_f,)}``
        (the ``grads`` of :func:`budget`).  One :func:`point_sensitivity` over all points.
    """
    names, chunks, mm_pts = [], [], []
    for name, it in items.items():
        pts = np.vstack([np.asarray(p, float).reshape(-1, 2) for p in it[1:]])
        names.append(name)
        chunks.append(len(pts))
        mm_pts.append(pts)
    if not names:
        return {}
    s = point_sensitivity(plane, np.vstack(mm_pts))
    out = {}
    start = 0
    for name, n in zip(names, chunks):
        sl = slice(start, start + n)
        start += n
        it = items[name]
        f = it[0]
        mm = s.d_scale[sl]  # the mm points themselves (d mm / d log scale = mm)
        G = point_jacobian(f, mm[:len(mm) // 2], mm[len(mm) // 2:]) if len(it) == 3 \
            else point_jacobian(f, mm)
        out[name] = {"theta": np.einsum("pnk,nkq->pq", G, s.d_theta[sl]),
                     "pose": np.einsum("pnk,nkq->pq", G, s.d_pose[sl]),
                     "height": np.einsum("pnk,nk->p", G, s.d_height[sl]),
                     "scale": np.einsum("pnk,nk->p", G, mm)}
    return out
