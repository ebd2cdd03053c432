"""Small covariance helpers of the jet channel (``_jet_scan``): a group's covariance with its
eigenvalues floored, and its whitener (private)."""

from __future__ import annotations

import numpy as np

#: eigenvalue floor of a group's covariance, as a share of its largest
EIG_FLOOR = 1e-6


def _eig_floored(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (floored at :data:`EIG_FLOOR` of the largest) and eigenvectors of a
    covariance."""
    ev, vec = np.linalg.eigh(np.atleast_2d(cov))
    return np.maximum(ev, EIG_FLOOR * max(float(ev.max()), 1e-30)), vec


def _cov_of(v: np.ndarray) -> np.ndarray:
    """Covariance (k, k) of the rows of ``v`` (k, n), eigenvalues floored (so its inverse
    exists)."""
    # np.cov's result without its argument handling (called 18 times per scored image, the
    # overhead was a tenth of a millisecond each) and without a centred copy of v:
    # (sum of v v^T - n m m^T) / (n - 1), in float64 (the cancellation costs nothing at these
    # means and spreads; tests/anomaly/test_scan_kernels.py compares it with np.cov)
    n = v.shape[1]
    m = v.sum(axis=1)
    c = np.dot(v, v.T)
    c -= np.outer(m, m) / n
    c *= np.true_divide(1, max(n - 1, 1))
    ev, vec = _eig_floored(c)
    return (vec * ev) @ vec.T


def _whitener(cov: np.ndarray) -> np.ndarray:
    """W with W C W^T = I (rows: C's eigenvectors over the root of their floored
    eigenvalues)."""
    ev, vec = _eig_floored(cov)
    return (vec / np.sqrt(ev)).T
