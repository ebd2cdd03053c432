"""The blurred pixel step: the one model every sub-pixel edge fit of the library uses.

A straight edge of unit height at profile position 0, blurred by Gaussian optics of standard
deviation ``s`` and averaged over the pixel's footprint on the profile, reads at offset ``d``::

    P(d; s) = s^2 / (a b) * sum_i sign_i H((d + c_i) / s)

with ``H(z) = ((z^2 + 1) Phi(z) + z phi(z)) / 2`` the second antiderivative of the normal CDF
``Phi`` and ``c_i`` the four corners ``(a+b)/2, (a-b)/2, -(a-b)/2, -(a+b)/2`` (signs ``+, -, -,
+``) of the footprint: a trapezoid, the convolution of boxes of widths ``a = |d_x|``, ``b =
|d_y|`` for a profile direction ``d`` (a 1 px box along a pixel axis).  With the footprint
modelled, sharp edges (optics well under a pixel) are located as exactly as blurred ones.

Its derivatives follow from the corner sums of ``G = z Phi + phi`` (``H' = G``), ``Phi``,
``phi`` and ``z phi``::

    dP/dd = s / (a b) * sum sign G          dP/ds = s / (a b) * sum sign Phi
    d2P/dd2 = (dP/ds) / s                    d2P/dd ds = 1 / (a b) * sum sign phi
    d2P/ds2 = (dP/ds) / s - 1 / (a b) * sum sign z phi

:func:`corner_sums` evaluates the sums (all of a batch at once), :func:`step_terms` turns
them into ``P`` and its first derivatives.  The fits in :mod:`metrology.caliper.erf_fit` use
nothing else.

Examples
--------
>>> import numpy as np
>>> fab = footprint(None, 1)
>>> d = np.array([[-3.0, 0.0, 3.0]])
>>> p, p_d, p_s = step_terms(corner_sums(d + corner_offsets(fab), np.array([[1.0]])),
...                          np.array([[1.0]]), fab)
>>> np.round(p, 4).tolist()   # blur 1 px and the 1 px pixel box: rises from 0 to 1
[[0.0019, 0.5, 0.9981]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtr

#: the erf fit's model terms: internal to detect_edges (imported by name, not public)
__all__: list[str] = []

#: px: narrower trapezoid sides are modelled as this (variance 2e-4)
MIN_FOOT = 0.05
#: px: smallest optical blur a fit may reach
MIN_OPTICS = 0.05
#: rows of :func:`corner_sums`: 2 H, G, Phi (first order), phi, z phi (second order)
SUMS_H2, SUMS_G, SUMS_PHI, SUMS_DENSITY, SUMS_Z_DENSITY = range(5)

_SIGNS = np.array([1.0, -1.0, -1.0, 1.0])    # signs of the four corners' terms
#: corner offsets of a trapezoid of widths (a, b): (a, b) @ this
_CORNERS = np.array([[0.5, 0.5, -0.5, -0.5], [0.5, -0.5, 0.5, -0.5]])
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)


def footprint(directions: np.ndarray | None, count: int) -> np.ndarray:
    """Trapezoid widths ``(a, b)`` of the pixel footprint of ``count`` profiles, (E, 2).

    ``directions`` (E, 2) are the profiles' image directions (None: along a pixel axis, a
    1 px box); widths below :data:`MIN_FOOT` are raised to it.
    """
    if directions is None:
        return np.tile([1.0, MIN_FOOT], (count, 1))
    return np.maximum(np.abs(directions), MIN_FOOT)


def corner_offsets(fab: np.ndarray) -> np.ndarray:
    """The four corner offsets of each footprint ``fab`` (E, 2), shaped (4, E, 1) to add to
    profile offsets (E, L)."""
    return (fab @ _CORNERS).T[:, :, None]


def corner_sums(d: np.ndarray, s: np.ndarray, second: bool = False,
                out: np.ndarray | None = None) -> np.ndarray:
    """Signed corner sums of ``2H, G, Phi`` (and, with ``second``, ``phi, z phi``).

    Parameters
    ----------
    d : ndarray (4, E, L)
        Offset from the edge plus each corner's offset, ``x - t + c_i``.
    s : ndarray (E, 1)
        Optical blur (px).
    second : bool
        Also the sums the second derivatives need.
    out : ndarray (5, 4, E, L), optional
        Work buffer (reused across calls).

    Returns
    -------
    ndarray (3, E, L), or (5, E, L) with ``second``
        Rows :data:`SUMS_H2`, :data:`SUMS_G`, :data:`SUMS_PHI` (, :data:`SUMS_DENSITY`,
        :data:`SUMS_Z_DENSITY`).
    """
    n = 5 if second else 3
    buf = np.empty((5,) + d.shape) if out is None else out
    z = np.divide(d, s, out=buf[4])
    h2, g, ph, de = buf[0], buf[1], buf[2], buf[3]
    ndtr(z, out=ph)
    np.multiply(z, z, out=de)
    de *= -0.5
    de -= _LOG_SQRT2PI
    np.exp(de, out=de)                    # phi(z)
    np.multiply(z, ph, out=g)
    g += de                               # G = z Phi + phi
    np.multiply(z, g, out=h2)
    h2 += ph                              # 2 H = z G + Phi
    if second:
        z *= de                           # z phi
    return (_SIGNS @ buf[:n].reshape(n, 4, -1)).reshape((n,) + d.shape[1:])


def step_terms(sums: np.ndarray, s: np.ndarray, fab: np.ndarray):
    """``P``, ``dP/dd`` and ``dP/ds`` of unit steps from their :func:`corner_sums`.

    Parameters
    ----------
    sums : ndarray (3 or 5, E, L)
    s : ndarray (E, 1)
        Optical blur (px).
    fab : ndarray (E, 2)
        Footprint widths.

    Returns
    -------
    P, dP/dd, dP/ds : ndarray (E, L)
    """
    k = s / (fab[:, 0:1] * fab[:, 1:2])
    return 0.5 * s * k * sums[SUMS_H2], k * sums[SUMS_G], k * sums[SUMS_PHI]


# --------------------------------------------------------------------------------------------
# what the fits share: parameter names, window, limits, outputs

#: the fit parameters, in the order of the parameter vectors
PARAMETERS = ("background", "slope", "step", "position", "blur", "step_left", "position_left",
              "step_right", "position_right", "shading")
(BACKGROUND, SLOPE, STEP, POSITION, BLUR, STEP_LEFT, POSITION_LEFT, STEP_RIGHT, POSITION_RIGHT,
 SHADING) = range(10)
HALF_A, HALF_B = 6.0, 5.0  # fit window +-(6 s + 5) px: the step levels need long plateaus
GN_STEP_T, GN_STEP_S = 2e-5, 1e-4   # Gauss-Newton steps (px) in t and s that end the fit
LAMBDA = 1e-3        # Levenberg-Marquardt damping: the diagonal times (1 + lambda)


@dataclass(frozen=True)
class StepFit:
    """Refined edges, (E,) each.

    Attributes
    ----------
    position : ndarray
        Edge position along the profile (px; the start value where the fit failed).
    blur : ndarray
        Total edge blur ``sqrt(optics^2 + footprint variance)`` (px).
    step : ndarray
        Signed step height (gray levels).
    std : ndarray
        1-sigma position uncertainty (NaN where the fit failed).
    score : ndarray
        Fraction of the window's variance the model explains.
    refined : ndarray bool
        The fit succeeded.
    shading_z : ndarray
        Score-test statistic of a step-height slope across the window (0 when tested in the
        fit itself).
    """

    position: np.ndarray
    blur: np.ndarray
    step: np.ndarray
    std: np.ndarray
    score: np.ndarray
    refined: np.ndarray
    shading_z: np.ndarray

    def where(self, mask: np.ndarray, other: "StepFit") -> "StepFit":
        """``other`` where ``mask`` is True, these fits elsewhere."""
        return StepFit(*(np.where(mask, getattr(other, f.name), getattr(self, f.name))
                         for f in fields(self)))

    def take(self, index: np.ndarray) -> "StepFit":
        """The fits of edges ``index``."""
        return StepFit(*(getattr(self, f.name)[index] for f in fields(self)))


def finish(p, t0, s0, a0, box_var, std, score, shade_z, enough) -> StepFit:
    """Outputs from the final parameters ``p`` (E, >= 5): start values where the fit failed."""
    ok = (np.isfinite(p).all(1) & (np.abs(p[:, POSITION] - t0) <= 1.0)
          & (p[:, BLUR] < 9.5) & (np.sign(p[:, STEP]) == np.sign(a0)) & enough
          & np.isfinite(std))
    return StepFit(np.where(ok, p[:, POSITION], t0),
                   np.where(ok, np.sqrt(p[:, BLUR] ** 2 + box_var), s0),
                   np.where(ok, p[:, STEP], a0), np.where(ok, std, np.nan),
                   np.where(np.isfinite(score), score, 0.0), ok,
                   np.where(np.isfinite(shade_z), shade_z, 0.0))


def position_std_score(nm, rhs, it, rss, dof, tss):
    """Solve the stacked normal equations ``nm sol = rhs`` (rhs column 0: the unit vector of
    the position parameter ``it``); return ``sol`` (None if singular), the position's 1-sigma
    uncertainty ``sqrt(rss / dof * (nm^-1)[it, it])`` and the fit score ``1 - rss / tss``."""
    try:
        sol = np.linalg.solve(nm, rhs)
        cov_tt = sol[:, it, 0]
    except np.linalg.LinAlgError:
        sol = None
        cov_tt = np.full(rss.shape, np.nan)
    std = np.sqrt(np.maximum(rss / dof * cov_tt, 0.0))
    score = np.minimum(np.maximum(1.0 - rss / np.where(tss > 0, tss, np.inf), 0.0), 1.0)
    return sol, std, score


def optics(s_total, box_var):
    """Optical blur of a total edge blur (the footprint's variance removed)."""
    return np.sqrt(np.maximum(s_total ** 2 - box_var, MIN_OPTICS ** 2))


