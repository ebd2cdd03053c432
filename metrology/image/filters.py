"""Gaussian smoothing and derivative filters on batches of 1-D profiles (and 2-D images).

The 1-D derivative kernel is normalised so that its output is in *gray-level-step units*: an
ideal (sharp) step of height ``A`` gives a peak response of ``A`` whatever ``sigma`` is, so an
edge threshold means the same thing at every smoothing scale (as HALCON's ``measure_pos``).
A step blurred by ``sigma_e`` gives ``A * sigma / sqrt(sigma**2 + sigma_e**2)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ..core.checks import _numeric, check_positive
from ..errors import InputError, ShapeError

__all__ = ["gaussian_kernel_1d", "gaussian_derivative_kernel_1d", "gaussian_derivative_1d",
           "gaussian_smooth_1d", "gaussian_gradient"]


#: Smallest and largest smoothing (px): below 0.1 px the derivative kernel has no samples
#: beside the centre (its normalisation would divide by ~0); above 1000 px it is wider than
#: any profile.
MIN_SIGMA, MAX_SIGMA = 0.1, 1000.0


def _sigma(sigma: float) -> float:
    s = check_positive(sigma, "sigma", max=MAX_SIGMA)
    if s < MIN_SIGMA:
        raise InputError(f"sigma: expected at least {MIN_SIGMA} px (a narrower Gaussian has no "
                         f"samples beside its centre), given {s:g}")
    return s


def _half_width(sigma: float, truncate: float) -> int:
    truncate = check_positive(truncate, "truncate", max=20.0)
    return max(1, int(math.ceil(truncate * sigma)))


def gaussian_kernel_1d(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Sampled Gaussian of standard deviation ``sigma`` normalised to sum 1.

    Returns
    -------
    ndarray, shape (2*h + 1,), h = ceil(truncate * sigma)

    Raises
    ------
    InputError
        ``sigma`` outside [0.1, 1000] px or ``truncate`` outside (0, 20].
    """
    sigma = _sigma(sigma)
    h = _half_width(sigma, truncate)
    x = np.arange(-h, h + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_derivative_kernel_1d(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Odd derivative-of-Gaussian kernel in step units (for :func:`scipy.ndimage.correlate1d`).

    ``k[j] ~ -g'(j)`` reversed for correlation, scaled so that ``sum_{j > 0} k[j] = 1``: the
    response to a unit step (anywhere between or on samples) peaks at 1 for a sharp step.

    Returns
    -------
    ndarray, shape (2*h + 1,), h = ceil(truncate * sigma)
    """
    sigma = _sigma(sigma)
    h = _half_width(sigma, truncate)
    x = np.arange(-h, h + 1, dtype=np.float64)
    k = x * np.exp(-0.5 * (x / sigma) ** 2)  # correlation with +x side positive
    return k / k[h + 1:].sum()


def _as_profiles(profiles) -> np.ndarray:
    p = _numeric(profiles, "profiles", "profiles of shape (L,) or (K, L)")
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2:
        raise ShapeError(f"profiles: expected shape (L,) or (K, L), given {p.shape}")
    if p.shape[1] < 3:
        raise ShapeError(f"profiles: expected at least 3 samples per profile, given {p.shape[1]}")
    if not np.all(np.isfinite(p)):
        raise InputError("profiles: contain NaN or inf")
    return p


def gaussian_derivative_1d(profiles, sigma: float, truncate: float = 4.0) -> np.ndarray:
    """First Gaussian derivative of each profile, in gray-level-step units.

    Parameters
    ----------
    profiles : array_like, shape (K, L) or (L,)
        Profiles sampled every 1 px.
    sigma : float
        Smoothing in samples (pixels).

    Returns
    -------
    ndarray, shape (K, L), float64
        Positive where the gray level increases along the profile.
    """
    p = _as_profiles(profiles)
    return ndimage.correlate1d(p, gaussian_derivative_kernel_1d(sigma, truncate), axis=1,
                               mode="nearest")


def gaussian_smooth_1d(profiles, sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Gaussian smoothing of each profile: shape (K, L) -> (K, L)."""
    p = _as_profiles(profiles)
    return ndimage.correlate1d(p, gaussian_kernel_1d(sigma, truncate), axis=1, mode="nearest")


def gaussian_gradient(image, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-derivative gradient ``(gx, gy)`` of a gray image in step units.

    Parameters
    ----------
    image : ndarray (H, W)
    sigma : float

    Returns
    -------
    gx, gy : ndarray (H, W) float64
    """
    from .io import as_gray

    img = as_gray(image, dtype=np.float64)
    d = gaussian_derivative_kernel_1d(sigma)
    g = gaussian_kernel_1d(sigma)
    gx = ndimage.correlate1d(ndimage.correlate1d(img, g, axis=0, mode="nearest"), d, axis=1,
                             mode="nearest")
    gy = ndimage.correlate1d(ndimage.correlate1d(img, g, axis=1, mode="nearest"), d, axis=0,
                             mode="nearest")
    return gx, gy
