"""Batched Levenberg-Marquardt and iteratively re-weighted LM for the geometric fits.

Each iteration works only on the items still active (index arrays, no Python loop over items),
with per-item damping, acceptance and convergence.  Parameters are in the normalised units of
the caller (data centred and scaled to unit RMS spread), so tolerances are relative to the
size of the point cloud.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._batch import huber_weights, robust_scale, safe_solve, tukey_weights

ResJac = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def lm(P: np.ndarray, W: np.ndarray, prm: np.ndarray, ok: np.ndarray, res_jac: ResJac,
       iters: int = 60, tol: float = 1e-12,
       reweight: Callable[[np.ndarray, int, np.ndarray], np.ndarray] | None = None,
       min_iters: int = 0):
    """Minimise ``sum(W r^2)`` per item by Levenberg-Marquardt.

    Parameters
    ----------
    P : (B, N, 2) points;  W : (B, N) weights;  prm : (B, k) start;  ok : (B,) items to solve.
    res_jac : callable ``(P (b, N, 2), prm (b, k)) -> (r (b, N), J (b, N, k))``.
    reweight : callable ``(r (b, N), iteration, idx (b,)) -> weights (b, N)``, optional
        IRLS mode: after every accepted step the weights are recomputed from the residuals
        (each step is accepted only if it lowers the cost under the weights it was computed
        with).  Convergence is then a step below ``tol`` after ``min_iters`` iterations.

    Returns
    -------
    prm : (B, k);  ok : (B,) finite results of the solved items;  W : (B, N) final weights.
    """
    prm = np.array(prm, dtype=np.float64)
    B, k = prm.shape
    lam = np.full(B, 1e-3)
    r, J = res_jac(P, prm)
    Wc = np.array(W if reweight is None else reweight(r, 0, np.arange(B)), dtype=np.float64)
    cost = np.einsum("bn,bn->b", Wc, r * r)
    active = ok & np.isfinite(cost) & np.all(np.isfinite(prm), -1)
    eye = np.eye(k)
    for it in range(iters):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Pa, Wa, ra, Ja, pa, la, ca = P[idx], Wc[idx], r[idx], J[idx], prm[idx], lam[idx], cost[idx]
        WJ = Ja * Wa[..., None]
        A = np.matmul(WJ.transpose(0, 2, 1), Ja)
        g = np.einsum("bnk,bn->bk", WJ, ra)
        dA = np.diagonal(A, axis1=1, axis2=2)
        damp = la[:, None] * (dA + 1e-9 * dA.sum(-1, keepdims=True) / k + 1e-300)
        delta, good = safe_solve(A + damp[:, :, None] * eye, -g)
        delta = np.where(good[:, None], delta, 0.0)
        new = pa + delta
        r2, J2 = res_jac(Pa, new)
        with np.errstate(invalid="ignore", over="ignore"):
            cost2 = np.einsum("bn,bn->b", Wa, r2 * r2)
        better = good & np.isfinite(cost2) & (cost2 <= ca)
        pa = np.where(better[:, None], new, pa)
        ra = np.where(better[:, None], r2, ra)
        Ja = np.where(better[:, None, None], J2, Ja)
        la = np.where(better, np.maximum(la * 0.2, 1e-12), np.minimum(la * 10.0, 1e12))
        gain = ca - cost2
        if reweight is None:
            ca = np.where(better, cost2, ca)
            small = (np.abs(delta).max(-1) < tol) | (np.abs(gain) <= 1e-14 * ca)
        else:
            # weights from the current residuals even after a rejected step: a step rejected
            # at the minimum (rounding) must not keep the previous weights, or the switch from
            # Huber to Tukey weights could be skipped and the fit end as the Huber solution
            Wa = reweight(ra, it + 1, idx)
            ca = np.einsum("bn,bn->b", Wa, ra * ra)
            small = np.abs(delta).max(-1) < tol
        # a tiny step ends the run even when rounding made it look uphill (at the minimum)
        done = (small & (it + 1 >= min_iters)) | (la >= 1e12) | ~good
        prm[idx], r[idx], J[idx], lam[idx], cost[idx], Wc[idx] = pa, ra, Ja, la, ca, Wa
        active[idx] = ~done
    return prm, ok & np.all(np.isfinite(prm), -1), Wc


def robust_lm(P: np.ndarray, W: np.ndarray, prm: np.ndarray, ok: np.ndarray, res_jac: ResJac,
              huber_iters: int = 6, iters: int = 80, tol: float = 1e-9,
              floor: float | np.ndarray = 1e-9):
    """M-estimation on geometric residuals: LM whose weights are re-computed after every
    accepted step from a MAD scale of the residuals, Huber (k = 1.345) for the first
    ``huber_iters`` iterations (they pull a non-robust start towards the bulk of the data),
    Tukey's biweight (c = 4.685) afterwards.

    ``floor`` (scalar or (B,), in the units of ``P``) bounds the MAD scale from below.

    Returns ``(prm, ok, Wfin)`` with ``Wfin = W * tukey(r / scale)`` at the solution (zero for
    rejected points).
    """
    floor = np.broadcast_to(np.asarray(floor, dtype=np.float64), (len(W),))

    def reweight(r, it, idx):
        s = robust_scale(r, W[idx], floor[idx])
        wr = huber_weights(r, s) if it < huber_iters else tukey_weights(r, s)
        return W[idx] * wr

    prm, ok2, _ = lm(P, W, prm, ok, res_jac, iters=iters, tol=tol, reweight=reweight,
                     min_iters=huber_iters + 1)
    r, _ = res_jac(P, np.where(np.isfinite(prm), prm, 0.0))
    s = robust_scale(r, W, floor)
    return prm, ok2, W * tukey_weights(r, s)
