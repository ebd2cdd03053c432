"""Peaks of 1-D responses: local maxima above a threshold and their sub-pixel position.

The sub-pixel fit is a Gaussian through the three samples around the maximum (a parabola
through their logarithms).  A derivative-of-Gaussian response to a blurred step *is* a
Gaussian, so the fit is exact for it, where the plain 3-point parabola carries a phase-dependent
bias of about +-0.02 px (kept here only as ``method="parabola"`` for comparison).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.checks import _numeric, check_choice, check_finite
from ..errors import InputError, ShapeError

__all__ = ["PeakFit", "local_maxima", "subpixel_peaks"]

_TINY = 1e-300


@dataclass(frozen=True)
class PeakFit:
    """Sub-pixel peaks of rows of a response.

    Attributes
    ----------
    position : ndarray (E,)
        Peak position in samples (the integer index of the maximum plus the fitted shift).
    height : ndarray (E,)
        Interpolated response at the peak (same sign as the input samples).
    width : ndarray (E,)
        Standard deviation of the fitted Gaussian in samples (NaN for ``"parabola"`` or when
        the three samples are not concave in log space).
    """

    position: np.ndarray
    height: np.ndarray
    width: np.ndarray


def local_maxima(values: np.ndarray, threshold: float) -> np.ndarray:
    """Interior local maxima of each row at or above ``threshold``.

    Parameters
    ----------
    values : ndarray (K, L)
    threshold : float

    Returns
    -------
    ndarray (K, L) bool
        True at samples ``1 <= l <= L-2`` with ``v[l-1] < v[l] >= v[l+1]`` and
        ``v[l] >= threshold`` (plateaus give their first sample).
    """
    v = _numeric(values, "values", "a response of shape (K, L)")
    if v.ndim != 2:
        raise ShapeError(f"values: expected shape (K, L), given {v.shape}")
    threshold = check_finite(threshold, "threshold")
    if not np.all(np.isfinite(v)):
        raise InputError("values: contain NaN or inf")
    out = np.zeros(v.shape, dtype=bool)
    if v.shape[1] < 3:
        return out
    c = v[:, 1:-1]
    out[:, 1:-1] = (c > v[:, :-2]) & (c >= v[:, 2:]) & (c >= threshold)
    return out


def subpixel_peaks(values: np.ndarray, rows, cols, method: str = "gauss") -> PeakFit:
    """Sub-pixel refinement of peaks at ``values[rows, cols]`` from their two neighbours.

    Parameters
    ----------
    values : ndarray (K, L)
        Response; peaks of negative lobes are handled by their absolute value.
    rows, cols : array_like (E,) int
        Peak samples, with ``1 <= cols <= L-2``.
    method : {"gauss", "parabola"}
        ``"gauss"``: parabola through ``log|v|`` (exact for a Gaussian-shaped peak);
        ``"parabola"``: parabola through ``v`` (biased; for comparison only).

    Returns
    -------
    PeakFit
    """
    check_choice(method, "method", ("gauss", "parabola"))
    v = _numeric(values, "values", "a response of shape (K, L)")
    if v.ndim != 2:
        raise ShapeError(f"values: expected shape (K, L), given {v.shape}")
    if not np.all(np.isfinite(v)):
        raise InputError("values: contain NaN or inf")
    rows = _indices(rows, "rows")
    cols = _indices(cols, "cols")
    if rows.shape != cols.shape:
        raise ShapeError(f"rows, cols: expected the same shape, given {rows.shape} and "
                         f"{cols.shape}")
    if rows.size and (rows.min() < 0 or rows.max() >= v.shape[0]):
        raise ShapeError(f"rows: expected indices 0..{v.shape[0] - 1}")
    if rows.size and (cols.min() < 1 or cols.max() > v.shape[1] - 2):
        raise ShapeError("cols: peaks must be interior samples (1 <= col <= L-2)")
    ym, y0, yp = v[rows, cols - 1], v[rows, cols], v[rows, cols + 1]
    sign = np.where(y0 < 0, -1.0, 1.0)
    ym, y0, yp = np.abs(ym), np.abs(y0), np.abs(yp)
    if method == "gauss":
        lm = np.log(np.maximum(ym, _TINY))
        l0 = np.log(np.maximum(y0, _TINY))
        lp = np.log(np.maximum(yp, _TINY))
        # a neighbour of opposite sign or zero has no logarithm: fall back to the parabola there
        ok = (ym > 0) & (yp > 0) & (np.sign(v[rows, cols - 1]) == sign) \
            & (np.sign(v[rows, cols + 1]) == sign)
        curv = lm - 2.0 * l0 + lp
        ok &= curv < 0
        b = 0.5 * (lp - lm)
        safe = np.where(ok, curv, -1.0)
        shift = np.where(ok, -b / safe, 0.0)
        peak = np.where(ok, np.exp(l0 - b * b / (2.0 * safe)), y0)
        width = np.where(ok, np.sqrt(-1.0 / safe), np.nan)
        if not np.all(ok):
            pb = _parabola(ym, y0, yp)
            shift = np.where(ok, shift, pb[0])
            peak = np.where(ok, peak, pb[1])
    else:
        shift, peak = _parabola(ym, y0, yp)
        width = np.full(shift.shape, np.nan)
    shift = np.clip(shift, -0.5, 0.5)
    return PeakFit(cols + shift, sign * peak, width)


def _indices(v, name: str) -> np.ndarray:
    a = _numeric(v, name, "integer indices")
    if a.ndim > 1 or not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        raise ShapeError(f"{name}: expected a 1-D array of integer indices")
    return a.astype(np.intp)


def _parabola(ym, y0, yp):
    curv = ym - 2.0 * y0 + yp
    ok = curv < 0
    safe = np.where(ok, curv, -1.0)
    shift = np.where(ok, 0.5 * (ym - yp) / safe, 0.0)
    peak = np.where(ok, y0 - 0.125 * (ym - yp) ** 2 / safe, y0)
    return shift, peak
