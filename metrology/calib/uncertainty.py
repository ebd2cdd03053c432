"""Parameter and projection uncertainty of a calibration (first order, from the Jacobian).

:func:`covariance` gives the intrinsic covariance ``sigma^2 (J^T J)^-1`` with the extrinsics
marginalised (Schur complement per view); :func:`projection_uncertainty` propagates it to the
projection of fixed rays over an image grid, with and without the rotation gauge.
"""

from __future__ import annotations

import numpy as np

from .camera import CameraModel
from .results import ProjectionUncertainty
from .solver import normal_blocks, project_params, schur_terms

__all__: list[str] = []  # internal to metrology.calib (no argument checks)


def covariance(theta: np.ndarray, rv: np.ndarray, tv: np.ndarray, obj: np.ndarray,
               obs: np.ndarray, mask: np.ndarray, model: str) -> tuple[np.ndarray, float]:
    """Intrinsic covariance ``sigma^2 (J^T J)^-1`` (extrinsics marginalised) and sigma.

    Parameters
    ----------
    theta : ndarray (P,)
        ``[fx, fy, cx, cy, dist...]``.
    rv, tv : ndarray (V, 3)
        Per-view poses.
    obj : ndarray (N, 3)
        Board points.
    obs : ndarray (V, N, 2)
        Measured corners.
    mask : ndarray (V, N) bool
        Corners used.
    model : str

    Returns
    -------
    cov : ndarray (P, P)
    sigma : float
        Residual standard deviation per coordinate (px).
    """
    blocks = normal_blocks(theta, rv, tv, obj, obs, mask, model)
    n_obs = 2 * int(mask.sum())
    dof = max(n_obs - theta.size - 6 * len(rv), 1)
    sigma2 = float(blocks["rr"].sum()) / dof
    S, _, _ = schur_terms(blocks)  # extrinsics marginalised, view by view
    cov = sigma2 * np.linalg.pinv(S.sum(0))
    return cov, float(np.sqrt(sigma2))


def projection_uncertainty(camera: CameraModel, theta: np.ndarray, cov: np.ndarray,
                           grid: tuple[int, int] = (16, 12)) -> ProjectionUncertainty:
    """Propagate the intrinsic covariance ``cov (P, P)`` to projections over a ``grid``
    (``(gw, gh)`` points spanning the image); grid pixels outside the camera's valid region
    get NaN (no ray of the lens model reaches them)."""
    w, h = camera.image_size
    xs = np.linspace(0, w - 1, grid[0])
    ys = np.linspace(0, h - 1, grid[1])
    g = np.stack(np.meshgrid(xs, ys), -1)
    rays = camera.normalize(g.reshape(-1, 2), on_invalid="nan")
    ok = np.all(np.isfinite(rays), 1)
    P = np.concatenate([rays, np.ones((len(rays), 1))], 1)[ok]
    cols = []
    for i in range(theta.size):
        hstep = 1e-6 * max(abs(theta[i]), 1.0) if i < 4 else 1e-7
        tp, tm = theta.copy(), theta.copy()
        tp[i] += hstep
        tm[i] -= hstep
        cols.append((project_params(tp, camera.model, P)
                     - project_params(tm, camera.model, P)) / (2 * hstep))
    Jp = np.stack(cols, -1)  # (M, 2, P)
    var_fixed = np.einsum("mip,pq,miq->m", Jp, cov, Jp)
    # remove the rotation gauge: an intrinsics change that a small camera rotation undoes
    # (e.g. principal point vs. orientation) does not move any measurement made with this
    # camera and its own poses; project it out of the Jacobian over the whole grid
    Jr = _rotation_jacobian(theta, camera.model, P)  # (M, 2, 3)
    A = Jr.reshape(-1, 3)
    Q = np.eye(A.shape[0]) - A @ np.linalg.solve(A.T @ A, A.T)
    Jg = (Q @ Jp.reshape(-1, theta.size)).reshape(Jp.shape)
    var = np.einsum("mip,pq,miq->m", Jg, cov, Jg)
    sig = np.full(len(rays), np.nan)
    sig[ok] = np.sqrt(np.maximum(var, 0))
    sig = sig.reshape(g.shape[:2])
    fixed = np.sqrt(np.mean(np.maximum(var_fixed, 0)))
    return ProjectionUncertainty(float(np.sqrt(np.nanmean(sig ** 2))), float(np.nanmax(sig)),
                                 g, sig, float(fixed))


def _rotation_jacobian(theta: np.ndarray, model: str, P: np.ndarray, h: float = 1e-7
                       ) -> np.ndarray:
    """Derivative of the projection by a small camera rotation, ``(M, 2, 3)``, for rays
    ``P (M, 3)``."""
    cols = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        cols.append((project_params(theta, model, P + np.cross(e, P))
                     - project_params(theta, model, P - np.cross(e, P))) / (2 * h))
    return np.stack(cols, -1)
