"""Whether a finder's fit is supported by the data (issue 12: silent wrong answers on noise).

A caliper finds "the strongest edge" on its profile even where there is none: on a noisy
image with the part absent, most calipers of a tool still report an edge above the threshold
(the noise's own peaks), and RANSAC then finds a handful of them that happen to agree with a
line or circle.  Such a fit is flagged ``ok=False`` unless one of two kinds of evidence holds:

- **Consensus** (an *a contrario* test): with ``n`` calipers reporting an edge, ``m`` of them
  inliers within ``+-h`` px of the fit (``h`` the largest inlier residual) and ``s`` points
  fixing the shape (line 2, circle 3, ellipse 5), the expected number of fits that edges at
  random positions along the calipers (uniform over their length ``L``) would produce with as
  much agreement is ``NFA = C(n, s) * P[Binomial(n - s, 4h / L) >= m - s]``: each of the
  ``C(n, s)`` shapes through ``s`` of the edges, the others within ``+-2h`` of it (a shape
  through two inliers lies up to ``h`` from their least-squares fit).  A fit is supported
  when ``NFA < 1``: on pure noise (20 calipers, 4-6 agreeing within 1 px) NFA is 1-30; a real
  edge at a contrast of one noise standard deviation (12-16 of 20 calipers agreeing) gives
  ``NFA < 0.05``, a clean edge ``< 1e-20``.
- The test runs on the first pass too (the calipers laid by the user) and fails the fit when
  either pass fails it: a second pass re-lays the calipers on the first fit, so on noise it
  re-measures the very peaks that fit chose and finds more of them "agreeing" (10 of 20 on one
  noise image where the first pass had 6).
- **Strong edges**: at least ``s`` inliers whose edge response stands :data:`STRONG_Z` times
  above the noise of the calipers' derivative response (its MAD over every sample of every
  profile: an edge covers a few samples of each, so the median ignores it).  Two clean edges
  fix a line although two points carry no consensus; a noise peak reaches 6 sigma about once
  in 10^7 samples.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import correlate1d
from scipy.special import bdtrc, comb

from .._accel import kernels
from ..image.filters import gaussian_derivative_kernel_1d

__all__: list[str] = []

#: Edge response (in noise standard deviations of the derivative response) above which an edge
#: counts as evidence on its own.
STRONG_Z = 6.0
#: Expected false alarms below which a consensus counts as evidence.
MAX_NFA = 1.0


def response_noise(values, sigma: float) -> float:
    """Robust standard deviation (MAD) of the derivative-of-Gaussian response of profiles
    ``values`` (K, L) in step units (0 for noise-free profiles): one compiled pass where numba
    is in use (:func:`metrology.caliper._kernels_support.response_mad`), else NumPy."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return 0.0
    kern = kernels("caliper")
    if kern is not None and v.ndim == 2:
        return float(kern.response_mad(np.ascontiguousarray(v), _derivative_kernel(sigma)))
    resp = correlate1d(v, _derivative_kernel(sigma), axis=-1, mode="nearest")
    return float(1.482602218505602 * np.median(np.abs(resp - np.median(resp))))


_KERNELS: dict = {}


def _derivative_kernel(sigma: float) -> np.ndarray:
    """The derivative kernel of ``sigma``, made once (a handful of sigmas per process; never
    written to: writable only because the compiled kernel's signature takes writable arrays)."""
    k = _KERNELS.get(sigma)
    if k is None:
        if len(_KERNELS) > 32:
            _KERNELS.clear()
        k = _KERNELS[sigma] = gaussian_derivative_kernel_1d(sigma)
    return k


def false_alarms(n: int, m: int, s: int, p: float) -> float:
    """``C(n, s) * P[Binomial(n - s, p) >= m - s]``: fits as good as ``m`` of ``n`` points
    agreeing, expected from points at random."""
    if m <= s:
        return float(comb(n, s)) if n >= s else math.inf
    p = min(max(p, 1e-300), 1.0)
    return float(comb(n, s)) * float(bdtrc(m - s - 1, n - s, p))


def support_reason(found, inliers, residuals_px, length: float, minimal: int, sigma: float,
                   what: str, noise: float | None = None) -> str | None:
    """None when the fit is supported (module docstring), else the reason it is not.

    Parameters
    ----------
    found : contour.Found
        The calipers' edges (``edges.amplitude`` (N,)) and profiles (``profiles.values``).
    inliers : ndarray (N,) bool
    residuals_px : ndarray (N,) or callable
        The fit's residuals, or a function returning them (called only where the strong
        edges alone do not decide).
    length : float
        Caliper length (the search range each edge position could take).
    minimal : int
        Points that fix the shape.
    sigma : float
        Edge filter sigma (px).
    what : str
        "line", "circle", "ellipse" (for the message).
    noise : float, optional
        :func:`response_noise` of ``found``'s profiles when already known.
    """
    inl = np.asarray(inliers, dtype=bool)
    n, m = int(inl.size), int(np.count_nonzero(inl))
    if noise is None:
        noise = response_noise(found.profiles.values, sigma)
    amp = np.abs(np.asarray(found.edges.amplitude, dtype=np.float64))[inl]
    strong = int(np.count_nonzero(amp > STRONG_Z * noise)) if noise > 0 else m
    if strong >= minimal:
        return None
    if callable(residuals_px):
        residuals_px = residuals_px()
    res = np.abs(np.asarray(residuals_px, dtype=np.float64))[inl]
    half = float(res.max()) if res.size and np.all(np.isfinite(res)) else length / 2
    nfa = false_alarms(n, m, minimal, 4.0 * half / max(float(length), 1e-12))
    if nfa < MAX_NFA:
        return None
    z = float(np.median(amp) / noise) if noise > 0 and amp.size else math.inf
    return (f"not supported by the data: {m} of the {n} edges found agree on the {what} "
            f"(within +-{half:.2f} px), as many as edges at random would "
            f"(expected false alarms {nfa:.2g} >= {MAX_NFA:g}), and only {strong} edge(s) "
            f"stand {STRONG_Z:g} sigma above the profile noise (median {z:.1f} sigma): "
            f"noise or the part absent")


def unsupported(found, result, first, length: float, minimal: int, sigma: float,
                what: str) -> str | None:
    """:func:`support_reason` of the final pass (``found`` and the tool's ``result``: its
    ``inliers``, ``residuals_px``) and of the first one, ``first = (found, fit, points)``: the
    edges, the fit (``inliers``, ``distance``) and the points it was fitted to (N, 2).  The
    profile noise is computed once where both passes measured the same profiles (no second
    pass), and the first fit's residuals only where its strong edges do not decide."""
    f1, fit1, pts1 = first
    noise = response_noise(found.profiles.values, sigma)
    why = support_reason(found, result.inliers, result.residuals_px, length, minimal, sigma,
                         what, noise)
    if why is not None:
        return why
    return support_reason(f1, fit1.inliers, lambda: fit1.distance(pts1), length, minimal,
                          sigma, what + " (first pass)",
                          noise if f1.profiles is found.profiles else None)
