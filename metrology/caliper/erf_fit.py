"""Least-squares fits of blurred steps to caliper profiles (all edges of a batch at once).

Model in the window of edge ``e`` (:mod:`metrology.caliper.erf_model` gives ``P``)::

    y = background + slope * u + step * P(x - position; blur)
        [+ step_left * P(x - position_left) + step_right * P(x - position_right)]
        [+ shading * u * P(x - position)]

``u = (x - t0) / half`` runs across the window.  The neighbours L / R on the same profile are
modelled jointly when they fall inside the window (a narrow stripe's two edges pull each other's
derivative peaks apart; fitting them together removes that); the window spans ``+-(6 s + 5)``
px but stops halfway to the next edge not modelled, whose blur tail is subtracted first.
``blur`` is the optical blur (shared by the neighbours: one optics); where ``blur_fixed`` is
finite it is held.  The ``shading`` term (the step height changing across the window) is only
used where a score test on the plain fit finds it (it costs ~20 % of precision on clean edges).

Two solvers share the model (:func:`metrology.caliper.erf_model.corner_sums`):

* :class:`_GeneralFit`: damped Gauss-Newton (Levenberg-Marquardt) over any subset of the ten
  parameters -- neighbours, shading, held blur;
* :class:`_SingleFit`: one edge per profile, no shading term, free blur (the line and circle
  tools' usual case) in about half the time: from the second step on, Newton's step (the
  Gauss-Newton matrix less the residuals times the model's second derivatives) is computed
  beside the Gauss-Newton one and ends the fit when it is small for every edge; the statistics
  at the final point follow from the last step to first order.  Same window, start, damping
  and outputs (to ~1e-6 px).

The parameter vectors are indexed by the names below (``p[:, POSITION]``), in this order.
"""

from __future__ import annotations

import math

import numpy as np

from .erf_general import fit_general
from .erf_model import StepFit
from .erf_single import fit_single

__all__: list[str] = []  # fit_steps: internal stage of detect_edges

_SHADING_Z = 4.0      # score-test threshold for one edge's step-height slope (z units)
_SHADING_RMS_Z = 1.5  # ... and for the RMS over >= 8 edges (1 +- 0.25 on clean images)


def _fit_model(v, offsets, rows, t_n, s_n, a_n, iters=7, s_fixed=None, shading=False,
               foot=None, single=True, multi=None) -> StepFit:
    """One round of blurred-step fits: the single-edge solver where it applies (``single``:
    one edge per profile, no shading term, no held blur), the general one otherwise."""
    if multi is None:
        multi = bool((rows[1:] == rows[:-1]).any())
    if single and not shading and s_fixed is None and not multi:
        return fit_single(v, offsets, rows, t_n, s_n, a_n, iters, foot)
    return fit_general(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, shading, foot)


def _fit_round(v, offsets, rows, t_n, s_n, a_n, iters=7, s_fixed=None, foot=None,
               shading_test="edge", multi=None) -> StepFit:
    """Blurred-step fits; edges whose residuals show a significant change of step height
    across the window (multiplicative shading) are refitted with that term.

    ``shading_test="contour"``: the profiles cross one closed curved contour (ray calipers
    round a circle or ellipse).  A blurred curved edge is itself asymmetric (its outer side
    is the wider): on a small circle (``sigma_e / R`` > 0.1) that reads as a step-height slope
    of 2 - 5 % of the step, the same on every caliper and as large as real shading's, and a
    refit with the slope term moves the radius by 0.02 - 0.05 px.  Illumination varies
    across the part, so round a contour its slope changes sign: the signed score is tested
    after removing its mean over the calipers (the curvature's share)."""
    out = _fit_model(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, foot=foot, multi=multi)
    redo = shading_redo(out.shading_z, shading_test)
    if redo.any():
        sub = _fit_model(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, shading=True,
                         foot=foot)
        out = out.where(redo & sub.refined, sub)   # where the refit fails, the plain fit stands
    return out


def shading_redo(z: np.ndarray, shading_test: str) -> np.ndarray:
    """Which edges to refit with the step-height slope term, from their score-test
    statistics ``z`` (E,) (see :func:`_fit_round`)."""
    if shading_test == "contour" and z.size >= 4:
        z = z - float(z.sum()) / z.size
    z = np.abs(z)
    redo = z > _SHADING_Z
    if z.size >= 8 and math.sqrt(float((z * z).sum()) / z.size) > _SHADING_RMS_Z:
        redo[:] = True    # shading is an image property: many mildly significant edges
    return redo


def fit_steps(v, offsets, rows, t, s, a, foot=None, shading_test="edge") -> StepFit:
    """Refine every candidate edge ``(rows, t)`` (sorted by row, then position).

    Parameters
    ----------
    v : ndarray (K, L)
        Profiles.
    offsets : ndarray (L,)
        Sample positions (increasing by 1 px).
    rows : ndarray (E,) int
        Profile of each edge.
    t, s, a : ndarray (E,)
        Start position, total blur and step height (the Gaussian-peak estimates).
    foot : ndarray (E, 2), optional
        Image direction of each edge's profile (the pixel footprint; None: a pixel axis).
    shading_test : {"edge", "contour"}
        See :func:`_fit_round`.

    Returns
    -------
    StepFit
        Two rounds when some profile holds several candidates: the second models the
        neighbours with the first round's refined values instead of their estimates, and on
        a profile with >= 3 refined edges holds their median blur (one optics: a narrow
        stripe's width and blur are nearly degenerate when both are free).
    """
    multi = bool((rows[1:] == rows[:-1]).any())
    out = _fit_round(v, offsets, rows, t, s, a, foot=foot, shading_test=shading_test,
                     multi=multi)
    if not multi:
        return out
    urow, inv = np.unique(rows, return_inverse=True)
    ok = out.refined
    t = np.where(ok, out.position, t)
    s2 = np.where(ok, out.blur, s)
    a = np.where(ok, out.step, a)
    fixed = np.full(rows.size, np.nan)
    n_ok = np.bincount(inv, weights=ok.astype(float), minlength=urow.size)
    for r in np.flatnonzero(n_ok >= 3):   # loop over crowded profiles only
        fixed[inv == r] = np.median(out.blur[(inv == r) & ok])
    return _fit_round(v, offsets, rows, t, s2, a, s_fixed=fixed, foot=foot,
                      shading_test=shading_test)
