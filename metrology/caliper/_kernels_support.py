"""Compiled (numba) kernel of the finders' support check (:mod:`metrology.caliper._support`);
imported only through :mod:`metrology._accel` (re-exported by :mod:`._kernels`).

* :func:`response_mad`: :func:`metrology.caliper._support.response_noise` -- the robust
  standard deviation (1.4826 MAD) of the derivative-of-Gaussian response of every sample of
  every profile -- in one compiled pass instead of a ``correlate1d`` and two ``np.median``
  calls (~80 us of a ~1 ms find_circle, twice a call).  The correlation sums the taps in
  order (scipy pairs the antisymmetric kernel's taps), so the two agree to rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["response_mad"]

#: MAD to standard deviation of a Gaussian (1 / Phi^-1(3/4)), as _support
_MAD_TO_SD = 1.482602218505602

_MAD_SIG = "f8(f8[:, ::1], f8[::1])"


@njit(_MAD_SIG, cache=True, nogil=True)
def response_mad(v, kern):  # pragma: no cover - compiled
    """``1.4826 * median(|resp - median(resp)|)`` of ``resp``, the correlation of each row of
    ``v`` (K, L) with ``kern`` (odd size; mode "nearest"); 0 for an empty ``v``."""
    k, ll = v.shape
    if k * ll == 0:
        return 0.0
    h = kern.size // 2
    resp = np.empty(k * ll)
    for r in range(k):
        for i in range(ll):
            acc = 0.0
            for j in range(kern.size):
                acc += kern[j] * v[r, min(max(i + j - h, 0), ll - 1)]
            resp[r * ll + i] = acc
    med = np.median(resp)
    for i in range(resp.size):
        resp[i] = abs(resp[i] - med)
    return _MAD_TO_SD * np.median(resp)
