"""A small bundle adjuster for the calibrations OpenCV does not do (telecentric cameras,
several cameras at once).

The unknowns are a vector of *global* parameters ``g`` (intrinsics, relative poses) and
``B`` blocks of ``k`` *local* parameters (one pose per view or scene); each residual depends
on ``g`` and on one block only.  The Jacobian is taken by central differences in few
evaluations: one per global parameter, and one per local parameter index for all blocks at
once (their residuals are disjoint).  Least squares by Levenberg-Marquardt
(``scipy.optimize.least_squares``); the covariance of ``g`` is ``sigma^2 (J^T J)^-1`` with the
blocks marginalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import CalibrationError

__all__: list[str] = []  # internal to metrology.calib (no argument checks)


@dataclass(frozen=True)
class BlockProblem:
    """Residuals ``r(g, b)`` of ``n_global`` global parameters and ``(n_blocks, block_size)``
    local ones.

    Attributes
    ----------
    residuals : callable ``(g (G,), b (B, k)) -> r (M,)``
    n_global, n_blocks, block_size : int
    g_steps : ndarray (G,)
        Finite-difference step of each global parameter.
    b_steps : ndarray (k,)
        Finite-difference step of each local parameter.
    row_block : ndarray (M,) int
        The block each residual depends on.
    """

    residuals: Callable[[np.ndarray, np.ndarray], np.ndarray]
    n_global: int
    n_blocks: int
    block_size: int
    g_steps: np.ndarray
    b_steps: np.ndarray
    row_block: np.ndarray

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[:self.n_global], x[self.n_global:].reshape(self.n_blocks, self.block_size)

    def join(self, g: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(g, float).ravel(), np.asarray(b, float).ravel()])


def block_jacobian(prob: BlockProblem, x: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian ``(M, G + B k)`` at ``x`` (``2 (G + k)`` evaluations)."""
    g, b = prob.split(np.asarray(x, float))
    r0 = prob.residuals(g, b)
    cols = np.zeros((r0.size, prob.n_global + prob.n_blocks * prob.block_size))
    for i in range(prob.n_global):
        h = prob.g_steps[i]
        gp, gm = g.copy(), g.copy()
        gp[i] += h
        gm[i] -= h
        cols[:, i] = (prob.residuals(gp, b) - prob.residuals(gm, b)) / (2 * h)
    if prob.n_blocks:
        owner = np.asarray(prob.row_block)
        rows = np.arange(r0.size)
        for j in range(prob.block_size):
            h = prob.b_steps[j]
            bp, bm = b.copy(), b.copy()
            bp[:, j] += h
            bm[:, j] -= h
            d = (prob.residuals(g, bp) - prob.residuals(g, bm)) / (2 * h)
            cols[rows, prob.n_global + owner * prob.block_size + j] = d
    return cols


def solve_blocks(prob: BlockProblem, x0: np.ndarray, *, max_nfev: int = 200) -> np.ndarray:
    """Least-squares solution from ``x0`` (Levenberg-Marquardt with the block Jacobian)."""
    from scipy.optimize import least_squares

    def fun(x: np.ndarray) -> np.ndarray:
        return prob.residuals(*prob.split(x))

    r0 = fun(np.asarray(x0, float))
    if not np.all(np.isfinite(r0)):
        raise CalibrationError("calibration: the starting guess projects some points to "
                               "invalid positions (NaN); the views may be too extreme")
    res = least_squares(fun, np.asarray(x0, float), jac=lambda x: block_jacobian(prob, x),
                        method="lm", x_scale="jac", max_nfev=max_nfev, xtol=1e-12, ftol=1e-12,
                        gtol=1e-12)
    if not np.all(np.isfinite(res.x)):
        raise CalibrationError("calibration diverged (non-finite parameters)")
    return res.x


def global_covariance(prob: BlockProblem, x: np.ndarray, n_obs: int
                      ) -> tuple[np.ndarray, np.ndarray, float]:
    """Covariance of the global parameters ``(G, G)`` (blocks marginalised), the full
    covariance ``(P, P)`` and the residual sigma per coordinate.

    ``n_obs`` is the number of scalar residuals that carry information (masked ones are
    zero rows).
    """
    J = block_jacobian(prob, x)
    r = prob.residuals(*prob.split(x))
    dof = max(n_obs - J.shape[1], 1)
    s2 = float(r @ r) / dof
    N = J.T @ J
    # scale to unit diagonal first: the parameters' units differ by many orders of magnitude
    # and an unscaled pseudo-inverse would cut weakly determined directions as if null
    d = np.sqrt(np.maximum(np.diag(N), 1e-300))
    full = s2 * np.linalg.pinv(N / d[:, None] / d[None, :], rcond=1e-12, hermitian=True)
    full = full / d[:, None] / d[None, :]
    return full[:prob.n_global, :prob.n_global], full, float(np.sqrt(s2))
