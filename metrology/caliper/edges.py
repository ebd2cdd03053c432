"""1-D edges on batches of caliper profiles, and the single-caliper tools built on them.

Pipeline for every profile (all calipers at once, no loop per profile):

1. Gaussian-derivative filter (:func:`metrology.image.filters.gaussian_derivative_1d`), output
   in gray-level-step units, so ``threshold`` means "a step of at least this many gray levels"
   at any ``sigma``.
2. Local maxima of the response for the requested ``transition`` (``"positive"``: dark to
   bright along the profile, ``"negative"``: bright to dark, ``"any"``), above ``threshold``,
   then the ``select``-ed one(s): ``"first"``, ``"last"``, ``"strongest"`` or ``"all"``.
3. Sub-pixel position by a Gaussian (log-parabola) fit to the three samples around the peak;
   its width gives a first estimate of the edge blur.
4. ``subpixel="erf"`` (default): the position is refined by a least-squares fit of a blurred
   step ``B + A * Phi((x - t) / s)`` to the profile in a window around the edge (Gauss-Newton,
   all edges at once).  That is the maximum-likelihood estimate for a blurred step in white
   noise and reaches the Cramer-Rao bound, where the derivative peak alone stays about 1.2x
   above it at its best ``sigma``.  The fit also returns the edge blur ``s`` and a per-edge
   position uncertainty; an edge whose fit fails keeps its Gaussian-peak position.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.special import ndtr

from ..core.checks import as_vector, check_choice, check_positive
from ..errors import EdgeNotFoundError, InputError
from ..image.filters import gaussian_derivative_1d, gaussian_derivative_kernel_1d
from ..image.io import as_gray
from ..image.peaks import local_maxima, subpixel_peaks
from ..image.profiles import Profiles, rect_calipers, sample_profiles

__all__ = ["EdgeSet", "detect_edges", "EdgeResult", "PairResult", "measure_edges",
           "measure_pairs", "TRANSITIONS", "SELECTIONS"]

TRANSITIONS = ("positive", "negative", "any")
#: interpolation choices of the caliper tools: the sampling ones, and "auto"
TOOL_INTERPOLATIONS = ("auto", "linear", "cubic", "spline")
#: "auto" sampling: cubic B-spline, but bilinear where the edges turn out sharper than this
#: total blur (px): the spline rings on under-sampled edges (0.035 px on a sharp circle,
#: 0.0075 px bilinear), while on well-sampled ones it is the more exact of the two
SHARP_BLUR_PX = 0.75
SELECTIONS = ("first", "last", "strongest", "all")
SUBPIXEL = ("erf", "gauss")
SHADING_TESTS = ("edge", "contour")
_SQRT2PI = math.sqrt(2.0 * math.pi)
HALF_A, HALF_B = 6.0, 5.0  # fit window +-(6 s + 5) px: the step levels need long plateaus


@dataclass(frozen=True)
class EdgeSet:
    """Edges found on a batch of profiles (flat arrays over the E edges).

    Attributes
    ----------
    profile : ndarray (E,) int
        Row of the profile array each edge was found on.
    position : ndarray (E,)
        Sub-pixel position along the profile (pixels, in the calipers' ``offsets`` units).
    amplitude : ndarray (E,)
        Signed Gaussian-derivative response at the peak (gray levels; + = dark to bright).
    step : ndarray (E,)
        Signed step height of the edge (fitted; gray levels).
    blur : ndarray (E,)
        Edge blur ``s`` (px): standard deviation of the fitted blurred step.
    std_px : ndarray (E,)
        1-sigma position uncertainty from the fit (NaN where not refined).
    score : ndarray (E,)
        Fraction of the profile variance near the edge explained by an ideal blurred step
        (1 = perfect step).
    refined : ndarray (E,) bool
        True where the erf refinement was used.
    candidates : ndarray (K,) int
        Number of peaks above threshold on each profile (before selection).
    """

    profile: np.ndarray
    position: np.ndarray
    amplitude: np.ndarray
    step: np.ndarray
    blur: np.ndarray
    std_px: np.ndarray
    score: np.ndarray
    refined: np.ndarray
    candidates: np.ndarray

    @property
    def count(self) -> int:
        return int(self.profile.size)


def _check_params(sigma, threshold, transition, select, subpixel):
    sigma = check_positive(sigma, "sigma")
    if sigma < 0.4:
        raise InputError(f"sigma: expected >= 0.4 px (a narrower Gaussian is not sampled by "
                         f"1 px profiles), given {sigma}")
    threshold = check_positive(threshold, "threshold", allow_zero=True)
    check_choice(transition, "transition", TRANSITIONS)
    check_choice(select, "select", SELECTIONS)
    check_choice(subpixel, "subpixel", SUBPIXEL)
    return sigma, threshold


def detect_edges(values: np.ndarray, offsets: np.ndarray, *, sigma: float = 1.0,
                 threshold: float = 20.0, transition: str = "any", select: str = "all",
                 subpixel: str = "erf", search_half: float = float("inf"),
                 directions: np.ndarray | None = None,
                 shading_test: str = "edge") -> EdgeSet:
    """Find sub-pixel edges on every row of a profile array.

    Parameters
    ----------
    values : ndarray (K, L)
        Profiles sampled 1 px apart.
    offsets : ndarray (L,)
        Profile position of each sample (pixels, increasing by 1).
    sigma : float
        Gaussian-derivative smoothing (px).
    threshold : float
        Minimum response in gray-level-step units.
    transition : {"positive", "negative", "any"}
    select : {"first", "last", "strongest", "all"}
    subpixel : {"erf", "gauss"}
    search_half : float
        Only edges with ``|offset| <= search_half`` are selected; the samples beyond give the
        fit context (a neighbouring edge there is still modelled).
    directions : ndarray (K, 2), optional
        Image direction of each profile: the pixel footprint on the profile is a trapezoid
        of widths ``|dx|``, ``|dy|`` (default: along a pixel axis, a 1 px box).
    shading_test : {"edge", "contour"}
        How the erf fit decides to add a step-height slope (shading) term: "edge" tests each
        edge's slope as it is; "contour" (ray calipers round one closed curved contour) first
        removes the slope common to all profiles, which is the blurred curve's own asymmetry
        (see :func:`_fit_round`).

    Returns
    -------
    EdgeSet
    """
    sigma, threshold = _check_params(sigma, threshold, transition, select, subpixel)
    check_choice(shading_test, "shading_test", SHADING_TESTS)
    v = np.asarray(values, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    resp = _derivative(v, sigma)
    thr = max(threshold, 1e-12)
    neigh = None
    if transition == "positive":
        s = resp
    elif transition == "negative":
        s = -resp
    else:
        s = np.abs(resp)
    if transition == "any" and subpixel != "gauss" and v.shape[1] >= 3:
        # local maxima of |response| above the threshold, and (below) above half of it: as
        # two calls of local_maxima, sharing the comparisons with the neighbours
        c_ = s[:, 1:-1]
        peak = (c_ > s[:, :-2]) & (c_ >= s[:, 2:])
        mask = np.zeros(s.shape, dtype=bool)
        neigh = np.zeros(s.shape, dtype=bool)
        np.logical_and(peak, c_ >= thr, out=mask[:, 1:-1])
        np.logical_and(peak, c_ >= 0.5 * thr, out=neigh[:, 1:-1])
    else:
        mask = local_maxima(s, thr)
    if np.isfinite(search_half):
        mask &= (np.abs(offsets) <= search_half + 1e-9)[None, :]
    candidates = mask.sum(axis=1)
    k, ln = v.shape
    has = candidates > 0
    if select == "all":
        rows, cols = np.nonzero(mask)
    else:
        if select == "first":
            c = np.argmax(mask, axis=1)
        elif select == "last":
            c = ln - 1 - np.argmax(mask[:, ::-1], axis=1)
        else:
            c = np.argmax(np.where(mask, s, -np.inf), axis=1)
        rows = np.flatnonzero(has)
        cols = c[has]
    n = rows.size
    if subpixel == "gauss":
        t, blur, step, amp = _gauss_estimates(resp, offsets, rows, cols, sigma)
        return EdgeSet(rows.astype(np.intp), t, amp, step, blur, np.full(n, np.nan),
                       np.zeros(n), np.zeros(n, dtype=bool), candidates.astype(np.intp))
    # every peak of |response| above half the threshold (and the selected ones) is a candidate:
    # all are refined together so neighbouring edges can be modelled jointly
    if neigh is None:
        neigh = local_maxima(np.abs(resp), 0.5 * thr)
        neigh[rows, cols] = True
    # (else the selected peaks, of |response| above the threshold, are among them already)
    cr, cc = np.nonzero(neigh)
    foot = None if directions is None else np.abs(np.asarray(directions, np.float64))[cr]
    est = _gauss_estimates(resp, offsets, cr, cc, sigma)
    ref = _refine_all(v, offsets, resp, cr, cc, sigma, do_fit=subpixel == "erf", foot=foot,
                      shading_test=shading_test,
                      est=est)
    if cr.size == rows.size:    # the candidates are the selected edges
        pos, blur, step, std, score, refined = ref
        amp = est[3]
    else:
        ci = np.searchsorted(cr * ln + cc, rows * ln + cols)
        pos, blur, step, std, score, refined = (r[ci] for r in ref)
        amp = est[3][ci]    # the Gaussian peak heights of the selected edges
    return EdgeSet(rows.astype(np.intp), pos, amp, step, blur, std, score, refined,
                   candidates.astype(np.intp))


@functools.lru_cache(maxsize=8)
def _derivative_kernel(sigma: float) -> np.ndarray:
    k = gaussian_derivative_kernel_1d(sigma)
    k.flags.writeable = False
    return k


def _derivative(v: np.ndarray, sigma: float) -> np.ndarray:
    """:func:`metrology.image.filters.gaussian_derivative_1d` of ``v`` (K, L), the kernel
    computed once per ``sigma``; its own checks and errors for anything unusual."""
    if v.ndim == 2 and v.shape[1] >= 3 and np.isfinite(v).all():
        return ndimage.correlate1d(v, _derivative_kernel(sigma), axis=1, mode="nearest")
    return gaussian_derivative_1d(v, sigma)


_MIN_FOOT = 0.05     # px: narrower trapezoid sides are modelled as this (variance 2e-4)
_MIN_OPTICS = 0.05   # px: smallest optical blur the fit may reach


def _pixel_step(u, s, a, b, cst=None):
    """Unit step at 0 blurred by a Gaussian ``s`` and averaged over a trapezoid footprint
    (box ``a`` convolved with box ``b``), at offsets ``u``; with its derivatives.

    Uses the second antiderivative of Phi, ``H(z) = ((z^2 + 1) Phi(z) + z phi(z)) / 2``::

        P(u) = s^2 / (a b) * sum_i sign_i H((u + c_i) / s),  c = (a+b)/2, (a-b)/2, ...
        dP/du = s / (a b) * sum_i sign_i G(z_i),  G = z Phi + phi
        dP/ds = s / (a b) * sum_i sign_i Phi(z_i)

    ``cst``: the corner offsets ``c`` stacked as (4, ...) (:func:`_pixel_corners`), when the
    caller evaluates the same footprint repeatedly.

    Returns
    -------
    P, dP/du, dP/ds : ndarray, broadcast shape of the inputs
    """
    if cst is None:
        cst = _pixel_corners(a, b)
    z = (u[None] + cst) / s[None]          # (4, ...) all at once
    ph = ndtr(z)
    de = np.exp(-0.5 * z * z) * (1.0 / _SQRT2PI)
    zph = z * ph
    gg = zph + de
    hh = z * zph
    hh += ph
    hh += z * de
    k = s / (a * b)
    return (0.5 * s * k * (hh[0] - hh[1] - hh[2] + hh[3]), k * (gg[0] - gg[1] - gg[2] + gg[3]),
            k * (ph[0] - ph[1] - ph[2] + ph[3]))


def _pixel_corners(a, b):
    """The four corner offsets ``(a+b)/2, (a-b)/2, -(a-b)/2, -(a+b)/2`` of a trapezoid
    footprint, stacked (4, ...)."""
    c1 = 0.5 * (a + b)
    c2 = 0.5 * (a - b)
    return np.stack([c1, c2, -c2, -c1])


def _gauss_estimates(resp, offsets, nr, nc, sigma):
    """Position, blur and step height of peaks ``(nr, nc)`` from the Gaussian peak fit."""
    position, height, width = _gauss_peaks(resp, nr, nc)
    wdt = np.where(np.isfinite(width), width, math.sqrt(sigma ** 2 + 1.0))
    s_n = np.sqrt(np.clip(wdt ** 2 - sigma ** 2, 0.25, 25.0))
    a_n = height * np.sqrt(sigma ** 2 + s_n ** 2) / sigma
    return offsets[0] + position, s_n, a_n, height


_TRIPLE = np.array([-1, 0, 1])


def _gauss_peaks(resp, nr, nc):
    """``subpixel_peaks(resp, nr, nc, "gauss")`` as (position, height, width), with its
    usual case (each peak and its two neighbours of one sign, concave in log space: no
    parabola fallback) in fewer array operations; the same formulas, hence the same values."""
    if nr.size == 0 or nc.min() < 1 or nc.max() > resp.shape[1] - 2:
        pk = subpixel_peaks(resp, nr, nc, method="gauss")
        return pk.position, pk.height, pk.width
    y3 = resp[nr[:, None], nc[:, None] + _TRIPLE]           # (E, 3): left, peak, right
    sign = np.where(y3[:, 1] < 0, -1.0, 1.0)
    ya = y3 * sign[:, None]                                  # |y| where the signs agree
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(ya)
    lm, l0, lp = lg.T
    curv = lm - 2.0 * l0 + lp
    if not (ya.min() > 1e-300 and np.all(curv < 0)):
        pk = subpixel_peaks(resp, nr, nc, method="gauss")
        return pk.position, pk.height, pk.width
    b = 0.5 * (lp - lm)
    shift = np.clip(-b / curv, -0.5, 0.5)
    peak = np.exp(l0 - b * b / (2.0 * curv))
    return nc + shift, sign * peak, np.sqrt(-1.0 / curv)


def _refine_all(v, offsets, resp, nr, nc, sigma, do_fit=True, foot=None, est=None,
                shading_test="edge"):
    """Refine every candidate edge ``(nr, nc)`` (sorted by row, then column).

    Two rounds when some profile holds several candidates: the second models the neighbours
    with the first round's refined values instead of their Gaussian-peak estimates.
    ``est``: :func:`_gauss_estimates` of these peaks when the caller has them.
    """
    t, s_, a, _ = est if est is not None else _gauss_estimates(resp, offsets, nr, nc, sigma)
    c = nr.size
    if not do_fit or c == 0:
        return t, s_, a, np.full(c, np.nan), np.zeros(c), np.zeros(c, bool)
    crowded = bool(np.any(nr[1:] == nr[:-1]))
    out = _fit_round(v, offsets, nr, t, s_, a, foot=foot, shading_test=shading_test)
    if crowded:
        urow, inv = np.unique(nr, return_inverse=True)
        ok = out[5]
        t = np.where(ok, out[0], t)
        s_ = np.where(ok, out[1], s_)
        a = np.where(ok, out[2], a)
        # one optics: on a profile with >= 3 refined edges, share their median blur (a narrow
        # stripe's width and blur are nearly degenerate when both are free)
        fixed = np.full(c, np.nan)
        n_ok = np.bincount(inv, weights=ok.astype(float), minlength=urow.size)
        for r in np.flatnonzero(n_ok >= 3):   # loop over crowded profiles only
            sel = (inv == r) & ok
            fixed[inv == r] = np.median(out[1][sel])
        out = _fit_round(v, offsets, nr, t, s_, a, s_fixed=fixed, foot=foot,
                         shading_test=shading_test)
    return out


def _fit_round(v, offsets, rows, t_n, s_n, a_n, iters=7, s_fixed=None, foot=None,
               shading_test="edge"):
    """Blurred-step fits with a linear background term; edges whose residuals show a
    significant change of step height across the window (multiplicative shading) are refitted
    with that term too (it is not always on: it costs ~20 % of precision on clean edges).

    ``shading_test="contour"``: the profiles cross one closed curved contour (ray calipers
    round a circle or ellipse).  A blurred curved edge is itself asymmetric (its outer side
    is the wider): on a small circle (``sigma_e / R`` > 0.1) that reads as a step-height slope
    of 2 - 5 % of the step, the same on every caliper and as large as real shading's, and a
    refit with the slope term moves the radius by 0.02 - 0.05 px.  Illumination varies
    across the part, so round a contour its slope changes sign: the signed score is tested
    after removing its mean over the calipers (the curvature's share)."""
    out = _fit_round_model(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, shading=False,
                           foot=foot)
    z = out[6]
    if shading_test == "contour" and z.size >= 4:
        z = z - float(np.mean(z))
    z = np.abs(z)
    redo = z > _SHADING_Z
    if z.size >= 8 and math.sqrt(float(np.mean(z * z))) > _SHADING_RMS_Z:
        redo[:] = True    # shading is an image property: many mildly significant edges
    if np.any(redo):
        sub = _fit_round_model(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, shading=True,
                               foot=foot)
        redo &= sub[5]    # where the refit fails, the plain fit stands
        out = tuple(np.where(redo, b, a) for a, b in zip(out, sub))
    return out[:6]


_GN_STEP_T, _GN_STEP_S = 2e-5, 1e-4   # Gauss-Newton steps (px) in t and s that end the fit
_SHADING_Z = 4.0      # score-test threshold for one edge's step-height slope (z units)
_SHADING_RMS_Z = 1.5  # ... and for the RMS over >= 8 edges (1 +- 0.25 on clean images)


def _position_std_score(nm, rhs, it, rss, dof, tss):
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
    score = np.clip(1.0 - rss / np.where(tss > 0, tss, np.inf), 0.0, 1.0)
    return sol, std, score


def _fit_round_model(v, offsets, rows, t_n, s_n, a_n, iters=7, s_fixed=None, shading=False,
                     foot=None, single=True):
    """Least-squares fit of blurred steps around each candidate edge (Gauss-Newton, all at once).

    Model in the window of edge ``e``::

        y = B + A P(x - t) + A_L P(x - t_L) + A_R P(x - t_R)

    with ``P`` a unit step blurred by the optics (Gaussian ``s_o``) *and* averaged over the
    pixel's footprint on the profile (a trapezoid of widths ``|d_x|``, ``|d_y|`` for a profile
    direction ``d``; a 1 px box along a pixel axis).  With the footprint modelled, sharp edges
    (optics blur well under a pixel) are located as exactly as blurred ones; a Gaussian of
    variance s_o^2 + 1/12 in its place misplaces them by up to 0.1 px.

    where the neighbouring edges L / R on the same profile are modelled jointly when they fall
    inside the window (a narrow stripe's two edges pull each other's derivative peaks apart;
    fitting them together removes that).  The window spans ``+-(6 s + 5)`` px but stops
    halfway to the next edge not modelled; the blur tails of edges outside the model are
    subtracted first.  ``s`` is shared (same optics); where ``s_fixed`` is finite it is held
    at that value.

    ``s_n``, ``s_fixed`` and the returned blur are *total* edge blurs
    ``sqrt(s_o^2 + (d_x^2 + d_y^2) / 12)`` (optics and pixel), ``foot`` (E, 2) the footprint
    widths (default: a 1 px box).

    ``single``: one edge per profile without shading term or held blur goes to the faster
    :func:`_fit_single` (same results to ~1e-6 px).

    Returns ``(position, blur, step, std, score, refined, shading_z)``, each (E,),
    E = ``rows.size`` (sorted by row, then position).
    """
    if single and not shading and s_fixed is None and not np.any(rows[1:] == rows[:-1]):
        return _fit_single(v, offsets, rows, t_n, s_n, a_n, iters, foot)
    e = rows.size
    x = offsets[None, :]
    y = v[rows].copy()                                      # (E, L)
    t0, s0, a0 = t_n, s_n, a_n
    if foot is None:
        foot = np.tile([1.0, 0.0], (e, 1))
    fa_w = np.maximum(np.abs(foot[:, 0:1]), _MIN_FOOT)      # (E, 1) trapezoid widths
    fb_w = np.maximum(np.abs(foot[:, 1:2]), _MIN_FOOT)
    box_var = (fa_w ** 2 + fb_w ** 2)[:, 0] / 12.0          # (E,) pixel-footprint variance
    ar = np.arange(e)
    half = HALF_A * s0 + HALF_B
    crowded = bool(np.any(rows[1:] == rows[:-1]))
    if not crowded:
        # one candidate per profile (the usual case in line/circle tools): no neighbours
        has_l = has_r = np.zeros(e, dtype=bool)
        ip = inn = ar
        tp = tq = t0
        lo, hi = t0 - half, t0 + half
    else:
        def valid(i):
            ic = np.clip(i, 0, e - 1)
            return (i >= 0) & (i < e) & (rows[ic] == rows), ic

        vp, ip = valid(ar - 1)
        vn, inn = valid(ar + 1)
        vp2, ip2 = valid(ar - 2)
        vn2, in2 = valid(ar + 2)
        tp = np.where(vp, t_n[ip], -np.inf)
        tq = np.where(vn, t_n[inn], np.inf)
        has_l = vp & (t0 - tp < half)
        has_r = vn & (tq - t0 < half)
        tp2 = np.where(vp2, t_n[ip2], -np.inf)
        tq2 = np.where(vn2, t_n[in2], np.inf)
        lo = np.maximum(t0 - half, np.where(has_l, 0.5 * (tp2 + tp), 0.5 * (tp + t0)))
        hi = np.minimum(t0 + half, np.where(has_r, 0.5 * (tq + tq2), 0.5 * (tq + t0)))
    w = ((x >= lo[:, None] - 1e-9) & (x <= hi[:, None] + 1e-9)).astype(np.float64)
    nwin = w.sum(axis=1)
    if crowded:
        # subtract the blur tails of edges that are not modelled: A_n (Phi(z_n) - [z_n > 0])
        pair = (rows[:, None] == rows[None, :]) & (ar[:, None] != ar[None, :])
        pair &= ~(has_l[:, None] & (ar[None, :] == ip[:, None]))
        pair &= ~(has_r[:, None] & (ar[None, :] == inn[:, None]))
        ei, ci = np.nonzero(pair)
        if ei.size:
            z = (x - t_n[ci, None]) / s_n[ci, None]
            np.add.at(y, ei, -(a_n[ci, None] * (ndtr(z) - (z > 0))))
    # Only the window takes part from here on: gather each edge's (contiguous) window into
    # the first columns of an (E, Lw) array, Lw the longest window; the columns beyond an
    # edge's own window get weight 0 as before.
    nw_i = nwin.astype(np.intp)
    lw = max(int(nw_i.max(initial=0)), 1)
    if lw < x.shape[1]:
        j0 = np.argmax(w > 0, axis=1)
        kk = np.arange(lw)
        idx = np.minimum(j0[:, None] + kk, x.shape[1] - 1)
        x = offsets[idx]
        y = np.take_along_axis(y, idx, axis=1)
        w = (kk < nw_i[:, None]).astype(np.float64)
    # parameters: B, A, t, s, A_L, t_L, A_R, t_R (absent neighbours: A = 0, frozen)
    # B, A, t, s, A_L, t_L, A_R, t_R, C, D: C and D let the background and the step height
    # vary linearly across the window (shading, vignetting): y += C u + D u Phi0
    p = np.zeros((e, 10))
    p[:, 2] = t0
    p[:, 3] = np.sqrt(np.maximum(s0 ** 2 - box_var, _MIN_OPTICS ** 2))   # optics only
    u = (x - t0[:, None]) / half[:, None]
    p[:, 5] = np.where(has_l, tp, 0.0)
    p[:, 7] = np.where(has_r, tq, 0.0)
    p[:, 4] = np.where(has_l, a_n[ip], 0.0)
    p[:, 6] = np.where(has_r, a_n[inn], 0.0)
    free = np.ones((e, 10), bool)
    free[:, 4:6] = has_l[:, None]
    free[:, 6:8] = has_r[:, None]
    if s_fixed is not None:
        hold = np.isfinite(s_fixed)
        s_hold = np.sqrt(np.maximum(np.where(hold, s_fixed, 1.0) ** 2 - box_var,
                                    _MIN_OPTICS ** 2))
        p[:, 3] = np.where(hold, s_hold, p[:, 3])
        free[:, 3] &= ~hold
    fm = free.astype(np.float64)

    use_l, use_r = bool(has_l.any()), bool(has_r.any())
    corners = _pixel_corners(fa_w, fb_w)     # (4, E, 1): constant over the iterations

    def model(p):
        """Unit steps at t, t_L, t_R and their derivatives in position and blur."""
        s_ = p[:, 3:4]
        f0, d0u, d0s = _pixel_step(x - p[:, 2:3], s_, fa_w, fb_w, corners)
        if use_l:
            fl, dlu, dls = _pixel_step(x - p[:, 5:6], s_, fa_w, fb_w, corners)
            fl, dlu, dls = fl * fm[:, 4:5], dlu * fm[:, 4:5], dls * fm[:, 4:5]
        else:
            fl = dlu = dls = 0.0
        if use_r:
            fr, dru, drs = _pixel_step(x - p[:, 7:8], s_, fa_w, fb_w, corners)
            fr, dru, drs = fr * fm[:, 6:7], dru * fm[:, 6:7], drs * fm[:, 6:7]
        else:
            fr = dru = drs = 0.0
        return (f0, d0u, d0s), (fl, dlu, dls), (fr, dru, drs)

    # amplitudes by linear least squares for the initial positions (only the columns some
    # edge uses; the model at these positions serves the first Gauss-Newton step too, since
    # the linear parameters do not enter it)
    mdl = model(p)
    (f0, _, _), (fl, _, _), (fr, _, _) = mdl
    lcols = [w, f0 * w]
    lmap = [0, 1]
    if use_l:
        lcols.append(fl * w)
        lmap.append(4)
    if use_r:
        lcols.append(fr * w)
        lmap.append(6)
    lcols.append(u * w)
    lmap.append(8)
    if shading:
        lcols.append(u * f0 * w)
        lmap.append(9)
    jl = np.stack(lcols, axis=2)
    jlt = jl.transpose(0, 2, 1)
    nl = jlt @ jl
    fr_l = fm[:, lmap]
    eye_l = np.eye(len(lmap))
    nl += (1.0 - fr_l)[:, :, None] * eye_l + 1e-9 * eye_l
    lin = np.linalg.solve(nl, jlt @ (y * w)[..., None])[..., 0]
    lin *= fr_l
    p[:, lmap] = lin
    lam = 1e-3
    # only the parameters some edge uses take part (no neighbours anywhere: a 4-parameter fit)
    act = [0, 1, 2, 3] + ([4, 5] if has_l.any() else []) + ([6, 7] if has_r.any() else []) \
        + ([8, 9] if shading else [8])
    na = len(act)
    eye = np.eye(na)
    fa = fm[:, act]
    # loop constants: column weights (window x free), the frozen parameters' unit diagonal,
    # the positions of the step positions among the active parameters
    wfa = w[:, :, None] * fa[:, None, :]
    frozen = 1.0 - fa
    ones = np.ones_like(w)
    pos_cols = [act.index(c) for c in (2, 5, 7) if c in act]

    def jacobian(p, mdl=None):
        (f0, d0u, d0s), (fl, dlu, dls), (fr, dru, drs) = mdl if mdl is not None else model(p)
        a = p[:, 1:2] + p[:, 9:10] * u if shading else p[:, 1:2]   # local step height
        res = y - p[:, 0:1] - p[:, 8:9] * u - a * f0
        dsum = a * d0s
        cols_ = [ones, f0, -a * d0u, None]
        if na > 6:
            for f_, du_, ds_, c_a in ((fl, dlu, dls, 4), (fr, dru, drs, 6)):
                if c_a not in act:
                    continue
                a_ = p[:, c_a:c_a + 1]
                res = res - a_ * f_
                dsum = dsum + a_ * ds_
                cols_ += [f_, -a_ * du_]
        cols_[3] = dsum
        cols_ += [u, u * f0] if shading else [u]
        jac = np.stack(cols_, axis=2)
        jac *= wfa
        res *= w
        return jac, res, f0

    converged = False
    for _ in range(iters):
        jac, res, f0 = jacobian(p, mdl)
        mdl = None
        jt = jac.transpose(0, 2, 1)
        nm = jt @ jac
        gv = (jt @ res[..., None])[..., 0]
        diag = np.diagonal(nm, axis1=1, axis2=2)
        nm = nm + (lam * diag + 1e-12 * (diag.sum(1, keepdims=True) + 1.0)
                   + frozen)[:, :, None] * eye
        try:
            dpa = np.linalg.solve(nm, gv[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        dpa = np.where(np.isfinite(dpa), dpa, 0.0) * fa        # steps of the active ones
        dpa[:, pos_cols] = np.minimum(np.maximum(dpa[:, pos_cols], -0.5), 0.5)
        lim = 0.5 * p[:, 3]
        dpa[:, 3] = np.minimum(np.maximum(dpa[:, 3], -lim), lim)
        p_new = p.copy()
        p_new[:, act] += dpa
        p_new[:, 3] = np.minimum(np.maximum(p_new[:, 3], _MIN_OPTICS), 10.0)
        if (np.abs(dpa[:, 2]).max(initial=0.0) < _GN_STEP_T
                and np.abs(dpa[:, 3]).max(initial=0.0) < _GN_STEP_S):
            # converged: the last step is below 2e-5 px, so the residuals after it follow
            # from the Jacobian at hand to second order in the step (< 1e-9 gray levels)
            # instead of another model evaluation
            res = res - (jac @ (p_new - p)[:, act, None])[..., 0]
            p = p_new
            converged = True
            break
        p = p_new
    if not converged:
        jac, res, f0 = jacobian(p)
    rss = (res * res).sum(1)
    ym = (w * y).sum(1) / nwin.clip(1)
    tss = (w * (y - ym[:, None]) ** 2).sum(1)
    nm = jac.transpose(0, 2, 1) @ jac + frozen[:, :, None] * eye
    npar = fa.sum(1)
    dof = np.maximum(nwin - npar, 1)
    with np.errstate(all="ignore"):
        q = None
        if not shading:
            # right-hand sides: the unit vector of t (its variance) and, for the score test
            # below, the shading direction u * Phi0 projected on the model
            q = u * f0 * w
            rhs = np.concatenate([np.broadcast_to(eye[:, 2:3], (e, na, 1)),
                                  jac.transpose(0, 2, 1) @ q[..., None]], axis=2)
        else:
            rhs = np.broadcast_to(eye[:, 2:3], (e, na, 1))
        sol, std, score = _position_std_score(nm + 1e-12 * eye, rhs, 2, rss, dof, tss)
    ok = (np.all(np.isfinite(p), axis=1) & (np.abs(p[:, 2] - t0) <= 1.0) & (p[:, 3] < 9.5)
          & (np.sign(p[:, 1]) == np.sign(a0)) & (nwin >= npar + 2) & np.isfinite(std))
    pos = np.where(ok, p[:, 2], t0)
    blur = np.where(ok, np.sqrt(p[:, 3] ** 2 + box_var), s0)
    step = np.where(ok, p[:, 1], a0)
    std = np.where(ok, std, np.nan)
    score = np.where(np.isfinite(score), score, 0.0)
    shade_z = np.zeros(e)
    if not shading:
        # score test for a step height changing across the window: the residuals' component
        # along u * Phi0, after projecting out the fitted model's own directions
        if sol is not None:
            with np.errstate(all="ignore"):
                q_perp = q - (jac @ sol[:, :, 1:2])[..., 0]
                var = rss / dof * (q_perp * q_perp).sum(1)
                shade_z = (q_perp * res).sum(1) / np.sqrt(np.maximum(var, 1e-300))
        shade_z = np.where(np.isfinite(shade_z), shade_z, 0.0)
    return pos, blur, step, std, score, ok, shade_z


_SIGNS = np.array([1.0, -1.0, -1.0, 1.0])   # signs of the four trapezoid corners' terms
#: corner offsets (a+b)/2, (a-b)/2, -(a-b)/2, -(a+b)/2 of a trapezoid footprint: (a, b) @ this
_CORNERS = np.array([[0.5, 0.5, -0.5, -0.5], [0.5, -0.5, 0.5, -0.5]])
_LOG_SQRT2PI = math.log(_SQRT2PI)
_EYE5 = np.eye(5)
_EYE3_REG = 1e-9 * np.eye(3)
_EYE5_REG = 1e-12 * _EYE5
_DAMP = 1.0 + 1e-3 * _EYE5       # Levenberg-Marquardt as _fit_round_model: diagonal x (1 + lam)
#: a Newton step below these ends the fit (position, blur: px; B, C, A: times |A|): measured
#: on 2,700 batches (the test suite's, slow sweeps included), the result then lies within
#: 1.6e-6 px in position and 4.4e-6 px in blur of the least-squares optimum (median 4e-8 px)
_NEWTON_TOL_T = 1e-3
_NEWTON_TOL_S = 2e-3
_NEWTON_TOL_L = 1e-3
# the first-order map T (7 x 11) of _fit_single's statistics: its unit entries, and where the
# step's coefficients go (rows: the 5 Jacobian columns, residuals, shading direction)
_T_ONE_R, _T_ONE_C = np.array([0, 1, 2, 5, 6]), np.array([0, 1, 2, 5, 8])
_T_R = np.array([2, 2, 3, 3, 3, 4, 4, 4, 6, 6])
_T_C = np.array([3, 4, 3, 4, 6, 4, 6, 7, 9, 10])
# ... and their values: fac[F1] fac[F2] fac[F3] SIGN (fac: see _fit_single); in order
# dt/A, ds/A, A'/A, (A'/A) dt/s, -A' ds/(ab), (A'/A)(1 + ds/s), -A' dt/(ab), -A' ds/(ab),
# dt/A, ds/A
_T_F1 = np.array([1, 2, 4, 4, 5, 4, 5, 5, 1, 2])
_T_F2 = np.array([3, 3, 0, 1, 2, 7, 1, 2, 3, 3])
_T_F3 = np.array([0, 0, 0, 6, 0, 0, 0, 0, 0, 0])
_T_SIGN = np.array([1.0, 1.0, 1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0])


def _fit_single(v, offsets, rows, t0, s0, a0, iters, foot):
    """:func:`_fit_round_model` for one edge per profile, no shading term, free blur (the
    usual case of the line and circle tools), in about half the time.

    Same model, window, start, damped Gauss-Newton steps and outputs; parameters B, C, A, t,
    s only.  The differences:

    * From the second step on, Newton's step (the Gauss-Newton matrix less the residuals
      times the model's second derivatives, which come with the first ones: ``P_uu = P_s /
      s``, ``P_us`` and ``P_ss`` from the corner sums of phi and z phi) is computed beside the
      Gauss-Newton one.  It converges quadratically (the damped Gauss-Newton steps only
      linearly, at ~0.02-0.1 per step here), so where it is small for every edge (see
      ``_NEWTON_TOL_*``) the fit ends with it: two model evaluations instead of three or
      four.  Otherwise the Gauss-Newton step is taken as before, so edges that do not
      converge follow the same path as in :func:`_fit_round_model`.
    * The statistics (std, score, shading z) use the Jacobian, residuals and shading
      direction at the final point to first order in the last step (from the second
      derivatives), not at the point before it; their sums of products come from small
      matrices.
    * Sums of products come from one Gram matrix per step instead of separate products.
    """
    e = rows.size
    ln = offsets.size
    fab = (np.full((e, 2), [1.0, _MIN_FOOT]) if foot is None
           else np.maximum(np.abs(foot), _MIN_FOOT))        # trapezoid widths (E, 2)
    box_var = (fab * fab).sum(1) / 12.0
    inv_ab = 1.0 / (fab[:, 0:1] * fab[:, 1:2])
    half = HALF_A * s0 + HALF_B
    # the window t0 +- half (offsets increase by 1), gathered into (E, Lw) arrays
    j0 = np.searchsorted(offsets, t0 - half - 1e-9)
    nw_i = np.searchsorted(offsets, t0 + half + 1e-9, "right") - j0
    nwin = nw_i.astype(np.float64)
    lw = max(int(nw_i.max(initial=0)), 1)
    kk = np.arange(lw)
    idx = j0[:, None] + kk
    np.minimum(idx, ln - 1, out=idx)
    x = offsets[idx]
    xc = x + (fab @ _CORNERS).T[:, :, None]     # (4, E, Lw): x + the footprint's corners
    # columns: w, u w, P w, -A dP/du w, A dP/ds w (the Jacobian in B, C, A, t, s), the
    # residuals, the corner sums of phi and z phi times w (second derivatives), and u w times
    # the columns P w, -A dP/du w, A dP/ds w (the shading direction and its derivatives)
    cols = np.empty((e, 11, lw))
    w = cols[:, 0]
    np.less(kk, nw_i[:, None], out=w)
    np.multiply((x - t0[:, None]) / half[:, None], w, out=cols[:, 1])
    yw = v[rows[:, None], idx] * w
    buf = np.empty((5, 4, e, lw))       # 2 H, G, Phi, phi, z phi at the four corners

    def model(t, s):
        """Corner sums of 2H, G, Phi, phi, z phi at z = (x - t + c) / s, (5, E, Lw)."""
        z = xc - t
        z *= 1.0 / s
        hh, gg, ph, de, zd = buf
        ndtr(z, out=ph)
        np.multiply(z, z, out=de)
        de *= -0.5
        de -= _LOG_SQRT2PI
        np.exp(de, out=de)
        np.multiply(z, ph, out=gg)
        gg += de
        np.multiply(z, gg, out=hh)
        hh += ph
        np.multiply(z, de, out=zd)
        return (_SIGNS @ buf.reshape(5, 4, -1)).reshape(5, e, lw)

    def columns(sm, s, a=None):
        """The model's columns P w, -A P_u w, A P_s w for the blur s (E, 1) and step height
        a (E, 1; None: 1)."""
        k = s * inv_ab
        np.multiply(sm[0], (0.5 * s * k) * w, out=cols[:, 2])
        ak = k if a is None else a * k
        np.multiply(sm[1:3].transpose(1, 0, 2), (np.concatenate([-ak, ak], axis=1)[:, :, None]
                                                 * w[:, None, :]), out=cols[:, 3:5])

    def residuals(p):
        np.subtract(yw, (p[:, None, :3] @ cols[:, :3])[:, 0], out=res)

    p = np.empty((e, 5))                # B, C, A, t, s
    p[:, 3] = t0
    p[:, 4] = np.sqrt(np.maximum(s0 ** 2 - box_var, _MIN_OPTICS ** 2))    # optics only
    sm = model(p[:, 3:4], p[:, 4:5])
    # B, C, A by linear least squares at the start position, and the first Gauss-Newton
    # step there: both from the sums of products gl of w, u w, P w, -P_u w, P_s w (the
    # Jacobian with A = 1) and y w
    columns(sm, p[:, 4:5])
    cols[:, 5] = yw
    gl = cols[:, :6] @ cols[:, :6].transpose(0, 2, 1)
    # (right-hand sides as stacked vectors: a strided (E, n, 1) view is much slower there)
    lin = np.linalg.solve(gl[:, :3, :3] + _EYE3_REG, gl[:, :3, 5, None])[..., 0]
    p[:, :3] = lin
    sc = np.ones((e, 5))
    sc[:, 3:] = lin[:, 2:3]             # the Jacobian's column scales: 1, 1, 1, A, A
    eye = _EYE5
    jac = cols[:, :5]
    res = cols[:, 5]
    converged = False
    for it in range(iters):
        if it:
            sm = model(p[:, 3:4], p[:, 4:5])
            columns(sm, p[:, 4:5], p[:, 2:3])
            residuals(p)
            np.multiply(sm[3:5].transpose(1, 0, 2), w[:, None, :], out=cols[:, 6:8])
            np.multiply(cols[:, 2:5], cols[:, 1, None, :], out=cols[:, 8:11])
            g = cols @ cols.transpose(0, 2, 1)
            jtj = g[:, :5, :5]
            gv = g[:, :5, 5]
        else:
            jtj = gl[:, :5, :5] * (sc[:, :, None] * sc[:, None, :])
            gv = sc * (gl[:, :5, 5] - (gl[:, :5, :3] @ lin[..., None])[..., 0])
        # damping as in _fit_round_model: lam times the diagonal, and 1e-12 (trace + 1)
        reg = (np.trace(jtj, axis1=1, axis2=2) + 1.0)[:, None, None] * _EYE5_REG
        dn = nd = None
        if it:
            # Newton's step: the matrix less the residuals times the model's second
            # derivatives (in A t, A s, t t, t s, s s)
            a = p[:, 2]
            s = p[:, 4]
            with np.errstate(all="ignore"):
                q1 = gv[:, 3:5] / a[:, None]
                stt = gv[:, 4] / s
                r67 = g[:, 5, 6:8] * (a * inv_ab[:, 0])[:, None]
            hn = jtj + reg
            hn[:, 2, 3:5] -= q1
            hn[:, 3:5, 2] -= q1
            hn[:, 3, 3] -= stt
            hn[:, 3, 4] += r67[:, 0]
            hn[:, 4, 3] += r67[:, 0]
            hn[:, 4, 4] -= stt - r67[:, 1]
            try:
                dn = np.linalg.solve(hn, gv[..., None])[..., 0]
            except np.linalg.LinAlgError:
                dn = None
            if dn is not None:
                adn = np.abs(dn)
                sn = s + dn[:, 4]
                with np.errstate(invalid="ignore"):
                    nd = ((adn[:, 3] < _NEWTON_TOL_T) & (adn[:, 4] < _NEWTON_TOL_S)
                          & (adn[:, :3].max(1) < _NEWTON_TOL_L * np.abs(a))
                          & (sn > _MIN_OPTICS) & (sn < 10.0))
        if nd is not None and nd.all():
            p_new = p + dn
        else:
            try:
                dp = np.linalg.solve(jtj * _DAMP + reg, gv[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
            dp[~np.isfinite(dp)] = 0.0
            np.clip(dp[:, 3], -0.5, 0.5, out=dp[:, 3])
            lim = 0.5 * p[:, 4]
            dp[:, 4] = np.minimum(np.maximum(dp[:, 4], -lim), lim)
            p_new = p + dp
            p_new[:, 4] = np.minimum(np.maximum(p_new[:, 4], _MIN_OPTICS), 10.0)
            done = (np.abs(dp[:, 3]) < _GN_STEP_T) & (np.abs(dp[:, 4]) < _GN_STEP_S)
            if nd is not None:
                done |= nd
            if not done.all():
                p = p_new
                continue
            if nd is not None:
                p_new[nd] = p[nd] + dn[nd]
        if not it:
            # converged on the first step (Gauss-Newton): the columns the statistics need
            columns(sm, p[:, 4:5], p[:, 2:3])
            residuals(p)
            np.multiply(sm[3:5].transpose(1, 0, 2), w[:, None, :], out=cols[:, 6:8])
            np.multiply(cols[:, 2:5], cols[:, 1, None, :], out=cols[:, 8:11])
            g = cols @ cols.transpose(0, 2, 1)
        # the statistics at the new point need its Jacobian, residuals and shading direction:
        # to first order in the step d, linear combinations of the columns at hand (with the
        # second derivatives), so their sums of products follow from g: T g T^t
        d = p_new - p
        # factors 1, dt, ds, 1 / A, A' / A, A' / (a b), 1 / s, 1 + ds / s (A, s before the
        # step, A' after it): T's coefficients are products of three of them
        fac = np.empty((e, 8))
        fac[:, 0] = 1.0
        fac[:, 1:3] = d[:, 3:5]
        fac[:, 3] = 1.0 / np.where(p[:, 2] != 0.0, p[:, 2], np.inf)
        fac[:, 4] = p_new[:, 2] * fac[:, 3]
        fac[:, 5] = p_new[:, 2] * inv_ab[:, 0]
        fac[:, 6] = 1.0 / p[:, 4]
        fac[:, 7] = 1.0 + d[:, 4] * fac[:, 6]
        tm = np.zeros((e, 7, 11))
        tm[:, _T_ONE_R, _T_ONE_C] = 1.0
        tm[:, _T_R, _T_C] = fac[:, _T_F1] * fac[:, _T_F2] * fac[:, _T_F3] * _T_SIGN
        tm[:, 5, :5] = -d
        gp = tm @ g @ tm.transpose(0, 2, 1)
        p = p_new
        converged = True
        break
    if not converged:
        sm = model(p[:, 3:4], p[:, 4:5])
        columns(sm, p[:, 4:5], p[:, 2:3])
        residuals(p)
        np.multiply(cols[:, 1], cols[:, 2], out=cols[:, 6])
        gp = cols[:, :7] @ cols[:, :7].transpose(0, 2, 1)
    # gp: sums of products of the Jacobian's columns (5), the residuals and the shading
    # direction q = u P w
    rss = gp[:, 5, 5]
    # total sum of squares about the window mean, from the start's sums of w, w y, w y^2
    tss = gl[:, 5, 5] - gl[:, 0, 5] ** 2 / nwin.clip(1)
    dof = np.maximum(nwin - 5, 1)
    shade_z = np.zeros(e)
    with np.errstate(all="ignore"):
        rhs = np.zeros((e, 5, 2))
        rhs[:, 3, 0] = 1.0
        rhs[:, :, 1] = gp[:, :5, 6]
        sol, std, score = _position_std_score(gp[:, :5, :5] + 1e-12 * eye, rhs, 3, rss, dof,
                                              tss)
        if sol is not None:
            # score test: the residuals along q after projecting out the model's directions,
            # q_perp = q - J sol (sums of products from gp)
            sq = sol[:, :, 1]
            qq = gp[:, 6, 6]
            qp2 = qq - (sq * gp[:, :5, 6]).sum(1)
            qpr = gp[:, 5, 6] - (sq * gp[:, :5, 5]).sum(1)
            shade_z = np.where(qp2 > 1e-12 * qq, qpr / np.sqrt(rss / dof * qp2), 0.0)
    ok = (np.all(np.isfinite(p), axis=1) & (np.abs(p[:, 3] - t0) <= 1.0) & (p[:, 4] < 9.5)
          & (np.sign(p[:, 2]) == np.sign(a0)) & (nwin >= 7) & np.isfinite(std))
    pos = np.where(ok, p[:, 3], t0)
    blur = np.where(ok, np.sqrt(p[:, 4] ** 2 + box_var), s0)
    step = np.where(ok, p[:, 2], a0)
    std = np.where(ok, std, np.nan)
    score = np.where(np.isfinite(score), score, 0.0)
    shade_z = np.where(np.isfinite(shade_z), shade_z, 0.0)
    return pos, blur, step, std, score, ok, shade_z


# --------------------------------------------------------------------------------------------
# single-caliper tools


def _to_list(a) -> list:
    """Array -> nested lists for JSON, NaN/inf -> None."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return np.where(np.isfinite(a), a, None).tolist()
    return a.tolist()


@dataclass(frozen=True)
class EdgeResult:
    """Edges along one caliper from ``p0_xy`` to ``p1_xy``.

    Attributes
    ----------
    points_xy : ndarray (E, 2)
        Sub-pixel edge points on the caliper's centre line.
    positions : ndarray (E,)
        Distance of each edge from ``p0_xy`` along the caliper (px), increasing.
    amplitudes : ndarray (E,)
        Signed Gaussian-derivative response (gray levels; + = dark to bright from p0 to p1).
    transitions : ndarray (E,) int
        +1 dark to bright, -1 bright to dark.
    steps : ndarray (E,)
        Fitted step height (gray levels, signed).
    blur_px : ndarray (E,)
        Fitted edge blur (px).
    std_px : ndarray (E,)
        1-sigma position uncertainty (px; NaN where the Gaussian peak was kept).
    scores : ndarray (E,)
        Fit quality in [0, 1].
    p0_xy, p1_xy : ndarray (2,)
    """

    points_xy: np.ndarray
    positions: np.ndarray
    amplitudes: np.ndarray
    transitions: np.ndarray
    steps: np.ndarray
    blur_px: np.ndarray
    std_px: np.ndarray
    scores: np.ndarray
    p0_xy: np.ndarray
    p1_xy: np.ndarray

    def __len__(self) -> int:
        return int(self.positions.size)

    @property
    def distances(self) -> np.ndarray:
        """Distances between consecutive edges (E-1,)."""
        return np.diff(self.positions)

    def to_dict(self) -> dict:
        return {k: _to_list(getattr(self, k)) for k in
                ("points_xy", "positions", "amplitudes", "transitions", "steps", "blur_px",
                 "std_px", "scores", "p0_xy", "p1_xy")}

    @classmethod
    def from_dict(cls, d: dict) -> "EdgeResult":
        return cls(**{k: np.asarray(d[k], dtype=np.int64 if k == "transitions" else np.float64)
                      for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PairResult:
    """Edge pairs (e.g. the two sides of a stripe) along one caliper.

    Attributes
    ----------
    first, second : EdgeResult
        First and second edge of each pair (P edges each), in order along the caliper.
    widths : ndarray (P,)
        Intra-pair distance (px).
    centers_xy : ndarray (P, 2)
        Midpoints of the pairs.
    center_positions : ndarray (P,)
        Distance of each pair centre from ``p0_xy`` (px).
    inter_distances : ndarray (P-1,)
        Distance between consecutive pair centres (px).
    std_width_px : ndarray (P,)
        1-sigma width uncertainty (px).
    """

    first: EdgeResult
    second: EdgeResult
    widths: np.ndarray
    centers_xy: np.ndarray
    center_positions: np.ndarray
    inter_distances: np.ndarray
    std_width_px: np.ndarray

    def __len__(self) -> int:
        return int(self.widths.size)

    def to_dict(self) -> dict:
        return {"first": self.first.to_dict(), "second": self.second.to_dict(),
                "widths": _to_list(self.widths), "centers_xy": _to_list(self.centers_xy),
                "center_positions": _to_list(self.center_positions),
                "inter_distances": _to_list(self.inter_distances),
                "std_width_px": _to_list(self.std_width_px)}


def _auto_interp(run, interpolation):
    """``run(interp) -> (anything, EdgeSet)`` with "auto" resolved: spline, redone bilinear
    when the refined edges' median blur is below :data:`SHARP_BLUR_PX`."""
    if interpolation != "auto":
        return run(interpolation)
    out = run("spline")
    es = out[1]
    ok = es.refined
    if np.any(ok) and float(np.median(es.blur[ok])) < SHARP_BLUR_PX:
        return run("linear")
    return out


def _single_profile(image, p0_xy, p1_xy, width, interpolation):
    p0 = as_vector(p0_xy, "p0_xy")
    p1 = as_vector(p1_xy, "p1_xy")
    width = check_positive(width, "width")
    d = p1 - p0
    length = float(np.hypot(*d))
    if length < 4.0:
        raise InputError(f"p0_xy, p1_xy: expected a caliper at least 4 px long, given "
                         f"{length:.3g} px")
    img = as_gray(image, dtype=None)
    try:
        # 6 px of context beyond each end for the edge fit, where the image has it
        cal = rect_calipers((0.5 * (p0 + p1))[None], d[None], length, width, pad=6.0)
        prof = sample_profiles(img, cal, interpolation, gray=img)
    except InputError:
        cal = rect_calipers((0.5 * (p0 + p1))[None], d[None], length, width)
        try:
            prof = sample_profiles(img, cal, interpolation, gray=img)
        except InputError as exc:
            raise InputError(f"caliper {p0.tolist()} -> {p1.tolist()} (width {width}) reaches "
                             f"outside the image of size {img.shape[1]} x {img.shape[0]}") \
                from exc
    return p0, p1, length, prof


def _edge_result(es: EdgeSet, prof: Profiles, p0, p1, length, sel=None) -> EdgeResult:
    sel = np.arange(es.count) if sel is None else sel
    cal = prof.calipers
    pos = es.position[sel]
    order = np.argsort(pos, kind="stable")
    sel = sel[order]
    pos = es.position[sel]
    pts = cal.to_image(es.profile[sel], pos)
    u = (p1 - p0) / length
    return EdgeResult(pts, (pts - p0) @ u, es.amplitude[sel],
                      np.where(es.amplitude[sel] >= 0, 1, -1).astype(np.int64),
                      es.step[sel], es.blur[sel], es.std_px[sel], es.score[sel],
                      np.asarray(p0), np.asarray(p1))


def measure_edges(image, p0_xy, p1_xy, width: float = 10.0, sigma: float = 1.0,
                  threshold: float = 20.0, transition: str = "any", select: str = "all",
                  interpolation: str = "auto", subpixel: str = "erf") -> EdgeResult:
    """Sub-pixel edges along a rotated-rectangle caliper from ``p0_xy`` to ``p1_xy``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3) or path
    p0_xy, p1_xy : array_like (2,)
        Ends of the caliper's centre line; the profile runs from p0 to p1.
    width : float
        Caliper width across the profile (px); the profile is the mean over it.
    sigma : float
        Gaussian-derivative smoothing (px).
    threshold : float
        Minimum edge response in gray-level-step units (independent of ``sigma``).
    transition : {"positive", "negative", "any"}
        ``"positive"``: dark to bright going from p0 to p1.
    select : {"first", "last", "strongest", "all"}
    interpolation : {"auto", "spline", "linear", "cubic"}
        Profile sampling: "auto" (default) uses the cubic B-spline, and bilinear sampling
        where the edges are sharper than 0.75 px (the spline rings on under-sampled edges).
        Calipers along a pixel axis need no interpolation along the profile.
    subpixel : {"erf", "gauss"}
        Blurred-step least-squares refinement (default) or the Gaussian peak fit alone.

    Returns
    -------
    EdgeResult

    Raises
    ------
    EdgeNotFoundError
        If no edge reaches ``threshold``.
    InputError
        Bad parameters, or a caliper reaching outside the image.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((20, 40), np.uint8); img[:, 20:] = 200
    >>> r = measure_edges(img, (5, 10), (35, 10), width=5, threshold=50)
    >>> round(float(r.points_xy[0, 0]), 2)
    19.5
    """
    check_choice(interpolation, "interpolation", TOOL_INTERPOLATIONS)

    def run(interp):
        got = _single_profile(image, p0_xy, p1_xy, width, interp)
        prof_ = got[3]
        return got, detect_edges(prof_.values, prof_.calipers.offsets, sigma=sigma,
                                 threshold=threshold, transition=transition, select=select,
                                 subpixel=subpixel, search_half=prof_.calipers.search_half,
                                 directions=prof_.calipers.directions)

    (p0, p1, length, prof), es = _auto_interp(run, interpolation)
    if es.count == 0:
        strongest = float(np.abs(gaussian_derivative_1d(prof.values, sigma)).max())
        raise EdgeNotFoundError(f"no {transition} edge above threshold {threshold:g} along the "
                                f"caliper {p0.tolist()} -> {p1.tolist()} (strongest response "
                                f"{strongest:.3g} gray levels): lower the threshold or move the "
                                f"caliper")
    return _edge_result(es, prof, p0, p1, length)


def measure_pairs(image, p0_xy, p1_xy, width: float = 10.0, sigma: float = 1.0,
                  threshold: float = 20.0, transition: str = "positive",
                  interpolation: str = "auto", subpixel: str = "erf") -> PairResult:
    """Pairs of opposite edges (stripes) along a caliper: widths, centres, inter distances.

    Parameters
    ----------
    transition : {"positive", "negative", "any"}
        Transition of the *first* edge of each pair: ``"positive"`` pairs a dark-to-bright edge
        with the following bright-to-dark edge (a bright stripe), ``"negative"`` a dark stripe,
        ``"any"`` takes the polarity of the first edge found.
    Other parameters as :func:`measure_edges`.

    Returns
    -------
    PairResult

    Raises
    ------
    EdgeNotFoundError
        If no pair of edges is found.
    """
    check_choice(transition, "transition", TRANSITIONS)
    check_choice(interpolation, "interpolation", TOOL_INTERPOLATIONS)

    def run(interp):
        got = _single_profile(image, p0_xy, p1_xy, width, interp)
        prof_ = got[3]
        return got, detect_edges(prof_.values, prof_.calipers.offsets, sigma=sigma,
                                 threshold=threshold, transition="any", select="all",
                                 subpixel=subpixel, search_half=prof_.calipers.search_half,
                                 directions=prof_.calipers.directions)

    (p0, p1, length, prof), es = _auto_interp(run, interpolation)
    order = np.argsort(es.position, kind="stable")
    sg = np.where(es.amplitude[order] >= 0, 1, -1)
    if sg.size and transition == "any":
        first = int(sg[0])
    else:
        first = 1 if transition == "positive" else -1
    is_pair = np.zeros(sg.size, dtype=bool)
    if sg.size >= 2:
        is_pair[:-1] = (sg[:-1] == first) & (sg[1:] == -first)
    i1 = order[np.flatnonzero(is_pair)]
    i2 = order[np.flatnonzero(is_pair) + 1]
    if i1.size == 0:
        raise EdgeNotFoundError(f"no {transition} edge pair above threshold {threshold:g} along "
                                f"the caliper {p0.tolist()} -> {p1.tolist()} ({es.count} single "
                                f"edge(s) found)")
    e1 = _edge_result(es, prof, p0, p1, length, i1)
    e2 = _edge_result(es, prof, p0, p1, length, i2)
    widths = e2.positions - e1.positions
    centers = 0.5 * (e1.points_xy + e2.points_xy)
    cpos = 0.5 * (e1.positions + e2.positions)
    std_w = np.hypot(e1.std_px, e2.std_px)
    return PairResult(e1, e2, widths, centers, cpos, np.diff(cpos), std_w)
