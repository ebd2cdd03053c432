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
from ..errors import InputError, ShapeError

__all__ = [
    "COMPONENTS",
    "PlaneCovariance",
    "UncertaintyBudget",
]
# budget, plane_covariance, point_sensitivity, camera_parameters, feature_gradients,
# intrinsics_covariance: the station's and the measurements' internal machinery

#: budget components in the order they are reported
COMPONENTS = ("edge_fit", "calibration", "plane", "corner_bias", "placement", "scale")
K_EXPANDED = 2.0
#: Relative scale error that the board-corner detector (:func:`metrology.calib.detect_board`)
#: leaves on lengths measured through a plane it located, stated as a standard uncertainty (a
#: bias, which no covariance covers).  Measured on noise-free renders of the demo's plane board
#: through its true camera (36 mm diagonal): +10.0 ppm (supersample 4) and +8.4 ppm (8) while
#: the corner model's illumination gradient was additive; +2.6 and +1.8 ppm with the
#: multiplicative one (``metrology.calib.corners``), -0.4 +- 0.9 ppm averaged over six
#: sub-pixel placements without lens distortion (see ``docs/measurement-system.md``)
CORNER_BIAS_REL = 3e-6


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
    """What is known about the errors of a measuring plane (what a station gives the budget).

    Attributes
    ----------
    intrinsics_cov : ndarray (P, P) or None
        Covariance of ``[fx, fy, cx, cy, dist...]`` from the calibration.
    pose_cov : ndarray (6, 6) or None
        Covariance of the plane pose ``(rvec, tvec)`` from its board's corner noise, at fixed
        intrinsics.
    pose_from_intrinsics : ndarray (6, P) or None
        ``dω/dθ``: how the plane pose estimated from the same corners moves when the
        intrinsics change.
    corner_sigma_px : float or None
        Corner noise of the plane board, from the PnP residuals (``2N - 6`` d.o.f.; None
        where no board located the plane).
    n_corners : int
    height_std_mm : float
        Standard uncertainty of the measured surface's height above the board (placement).
    scale_rel_std : float
        Relative standard uncertainty of the board's pitch, or of a bare pixel size.
    corner_bias_rel : float or None
        Relative scale error the board-corner detector leaves on lengths
        (:data:`CORNER_BIAS_REL`; None where no board located the plane).
    notes : dict
        Component name -> why it is not evaluated (a station file without views, a plane
        file without its corners, a bare pixel size).
    """

    intrinsics_cov: np.ndarray | None = None
    pose_cov: np.ndarray | None = None
    pose_from_intrinsics: np.ndarray | None = None
    corner_sigma_px: float | None = None
    n_corners: int = 0
    height_std_mm: float = 0.0
    scale_rel_std: float = 0.0
    corner_bias_rel: float | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from ..core.checks import check_finite, check_int

        for k in ("height_std_mm", "scale_rel_std"):
            object.__setattr__(self, k, check_finite(getattr(self, k), k, min=0.0, max=1e6))
        if self.corner_bias_rel is not None:
            object.__setattr__(self, "corner_bias_rel",
                               check_finite(self.corner_bias_rel, "corner_bias_rel", min=0.0,
                                            max=1.0))
        if self.corner_sigma_px is not None:
            object.__setattr__(self, "corner_sigma_px",
                               check_finite(self.corner_sigma_px, "corner_sigma_px", min=0.0))
        object.__setattr__(self, "n_corners", check_int(self.n_corners, "n_corners", min=0))
        P = None
        for k, shape in (("intrinsics_cov", (None, None)), ("pose_cov", (6, 6)),
                         ("pose_from_intrinsics", (6, None))):
            a = _finite_matrix(getattr(self, k), k, shape)
            if a is not None:
                n = a.shape[1]
                if k == "intrinsics_cov" and a.shape[0] != n:
                    raise ShapeError(f"intrinsics_cov: expected a square matrix, given shape "
                                     f"{a.shape}")
                if k != "pose_cov" and P is not None and n != P:
                    raise ShapeError(f"pose_from_intrinsics: expected {P} columns (one per "
                                     f"intrinsic of intrinsics_cov), given {n}")
                P = n if k != "pose_cov" else P
            object.__setattr__(self, k, a)
        object.__setattr__(self, "notes", _str_mapping(self.notes, "notes"))

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError
                  ) -> "PlaneCovariance":
        """Inverse of :meth:`to_dict`, checking every field."""
        return _checked_from_dict(cls, d, where, error)

    def stated(self, *, height_std_mm: float | None = None, scale_rel_std: float | None = None
               ) -> "PlaneCovariance":
        """The same with the station's stated placement / scale uncertainties."""
        from dataclasses import replace

        from ..core.checks import check_finite

        kw: dict[str, float] = {}
        for name, v in (("height_std_mm", height_std_mm), ("scale_rel_std", scale_rel_std)):
            if v is not None:
                kw[name] = check_finite(v, name, min=0.0)
        return replace(self, **kw)


def _pose_jacobian(camera: Any, obj: np.ndarray, rvec: np.ndarray, tvec: np.ndarray
                   ) -> np.ndarray:
    """``∂(projected corners)/∂(rvec, tvec)``, shape (2N, 6)."""
    cols = [((camera.project(obj, rp, tp) - camera.project(obj, rm, tm)) / (2 * h)).reshape(-1)
            for h, rp, tp, rm, tm in _pose_steps(rvec, tvec)]
    return np.stack(cols, axis=1)


def _pose_steps(rvec: np.ndarray, tvec: np.ndarray):
    """Central-difference steps of the six pose parameters: ``(h, rvec+, tvec+, rvec-,
    tvec-)`` for rvec[0..2] (1e-7 rad) then tvec[0..2] (1e-6 of the largest |tvec|, >= 1e-6)."""
    for k in range(6):
        h = 1e-7 if k < 3 else 1e-6 * max(float(np.abs(tvec).max()), 1.0)
        rp, rm, tp, tm = rvec.copy(), rvec.copy(), tvec.copy(), tvec.copy()
        if k < 3:
            rp[k] += h
            rm[k] -= h
        else:
            tp[k - 3] += h
            tm[k - 3] -= h
        yield h, rp, tp, rm, tm


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
                           float(height_std_mm), float(scale_rel_std), CORNER_BIAS_REL)


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
    for k, (h, rp, tp, rm, tm) in enumerate(_pose_steps(rvec, tvec)):
        d_pose[:, :, k] = (_rays_to_mm(_plane_h(rp, tp, h0), rays)
                           - _rays_to_mm(_plane_h(rm, tm, h0), rays)) / (2 * h)
    hh = 1e-4
    d_height = (_rays_to_mm(_plane_h(rvec, tvec, h0 + hh), rays)
                - _rays_to_mm(_plane_h(rvec, tvec, h0 - hh), rays)) / (2 * hh)
    return PointSensitivity(d_theta, d_pose, d_height, _rays_to_mm(Hi, rays))


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

    def __post_init__(self) -> None:
        from ..core.checks import check_finite

        if not isinstance(self.components, Mapping):
            raise InputError(f"components: expected a mapping of name -> standard uncertainty "
                             f"or None, given {type(self.components).__name__}")
        comps = {}
        for k, v in self.components.items():
            if not isinstance(k, str):
                raise InputError(f"components: expected string names, given "
                                 f"{type(k).__name__}")
            comps[k] = None if v is None else check_finite(v, f"components[{k!r}]", min=0.0)
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "combined", check_finite(self.combined, "combined", min=0.0))
        object.__setattr__(self, "k", check_finite(self.k, "k", min=0.0))
        if not isinstance(self.unit, str):
            raise InputError(f"unit: expected a string, given {type(self.unit).__name__}")
        object.__setattr__(self, "notes", _str_mapping(self.notes, "notes"))

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError
                  ) -> "UncertaintyBudget":
        """Inverse of :meth:`to_dict` (its ``expanded`` is derived, so ignored)."""
        return _checked_from_dict(cls, d, where, error)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "expanded": to_jsonable(self.expanded)}


def _checked_from_dict(cls: type, d: Any, where: Any, error: Any) -> Any:
    """``Serializable.from_dict`` after checking its ``where`` and ``error`` arguments."""
    from ..calib._fields import check_error

    check_error(error, cls.__name__ if where is None else where)
    return super(cls, cls).from_dict(d, where=where, error=error)


def _finite_matrix(a: Any, name: str, shape: tuple) -> np.ndarray | None:
    """``a`` as a finite float matrix of ``shape`` (None entries: any size), or None."""
    if a is None:
        return None
    try:
        m = np.array(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a matrix of numbers, given "
                         f"{type(a).__name__}") from None
    if m.ndim != 2 or any(s is not None and s != n for s, n in zip(shape, m.shape)):
        want = "x".join("P" if s is None else str(s) for s in shape)
        raise ShapeError(f"{name}: expected shape {want}, given {m.shape}")
    if not np.all(np.isfinite(m)):
        raise InputError(f"{name}: contains NaN or inf")
    return m


def _str_mapping(d: Any, name: str) -> dict[str, str]:
    """``d`` checked to be a mapping of strings to strings (a copy)."""
    if not isinstance(d, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in d.items()):
        raise InputError(f"{name}: expected a mapping of strings to strings, given "
                         f"{type(d).__name__}")
    return dict(d)


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
        (:func:`feature_gradients`).  A feature missing here has no global terms.
    cov : PlaneCovariance or None
        What the station knows; None: only ``edge_fit`` is evaluated.  A part of it that is
        None leaves its component None, with the station's note saying why.
    scale_invariant : bool
        The value does not change with the plane's scale (angles): no scale or corner-bias
        component.

    Returns
    -------
    UncertaintyBudget
    """
    var_fit = 0.0
    g_theta = g_pose = None
    g_height = g_scale = 0.0
    fit_ok = True
    for n in dict.fromkeys(names):
        f = feats[n]
        p0 = f.params
        J = np.empty(len(p0))
        for j in range(len(p0)):  # a few parameters per feature
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
    if cov is None or g_theta is None:
        for k in COMPONENTS[1:]:
            notes[k] = "not evaluated: the station gives no covariance"
    else:
        have_pose = cov.pose_cov is not None and cov.pose_from_intrinsics is not None
        if g_theta.size and cov.intrinsics_cov is not None and have_pose:
            g_tot = g_theta + g_pose @ cov.pose_from_intrinsics
            comps["calibration"] = math.sqrt(max(float(g_tot @ cov.intrinsics_cov @ g_tot),
                                                 0.0))
        if cov.pose_cov is not None:
            comps["plane"] = math.sqrt(max(float(g_pose @ cov.pose_cov @ g_pose), 0.0))
        if cov.corner_bias_rel is not None:
            comps["corner_bias"] = 0.0 if scale_invariant else abs(g_scale) * cov.corner_bias_rel
        if g_theta.size or have_pose:  # a plane seen by a camera: heights matter
            comps["placement"] = abs(g_height) * cov.height_std_mm
        comps["scale"] = 0.0 if scale_invariant else abs(g_scale) * cov.scale_rel_std
        for k in COMPONENTS[1:]:
            if comps[k] is None:
                notes[k] = cov.notes.get(k, "not evaluated")
    for k, v in comps.items():  # a NaN feature or sensitivity: said, not passed on
        if v is not None and not math.isfinite(v):
            comps[k] = None
            notes[k] = "not evaluated: its sensitivity or covariance is not finite"
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


def feature_gradients(plane: Any, tools: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """How each feature's parameters move with the global parameters of the plane.

    Parameters
    ----------
    plane : Plane or ScalePlane
        The mapping the features' mm points came from.
    tools : mapping
        ``name -> ToolFeatures`` (:class:`metrology.caliper.ToolFeatures`): each tool's mm
        feature and the raw pixel points it was fitted to (``points_px``).

    Returns
    -------
    dict
        ``name -> {"theta": (P_f, P), "pose": (P_f, 6), "height": (P_f,), "scale": (P_f,)}``
        (the ``grads`` of :func:`budget`), from one :func:`point_sensitivity` over all points
        and each feature's own :meth:`~metrology.caliper.features.Feature.point_jacobian`.
    """
    names = list(tools)
    cam = getattr(plane, "camera", None)
    if not names or (cam is not None and not hasattr(cam, "normalize")):
        return {}  # a telecentric station: only the edge term is evaluated (station.py says why)
    pts = [np.asarray(tools[n].points_px, float).reshape(-1, 2) for n in names]
    s = point_sensitivity(plane, np.vstack(pts))
    out = {}
    start = 0
    for name, p in zip(names, pts):
        sl = slice(start, start + len(p))
        start += len(p)
        mm = s.d_scale[sl]  # the mm points themselves (d mm / d log scale = mm)
        G = tools[name].mm.point_jacobian(mm)
        out[name] = {"theta": np.einsum("pnk,nkq->pq", G, s.d_theta[sl]),
                     "pose": np.einsum("pnk,nkq->pq", G, s.d_pose[sl]),
                     "height": np.einsum("pnk,nk->p", G, s.d_height[sl]),
                     "scale": np.einsum("pnk,nk->p", G, mm)}
    return out
