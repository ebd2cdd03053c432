"""1-D edges on batches of caliper profiles.

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
   step ``B + A * Phi((x - t) / s)`` to the profile in a window around the edge
   (:mod:`metrology.caliper.erf_fit`, all edges at once).  That is the maximum-likelihood
   estimate for a blurred step in white noise and reaches the Cramer-Rao bound, where the
   derivative peak alone stays about 1.2x above it at its best ``sigma``.  The fit also
   returns the edge blur ``s`` and a per-edge position uncertainty; an edge whose fit fails
   keeps its Gaussian-peak position.

Examples
--------
>>> import numpy as np
>>> from scipy.special import ndtr
>>> x = np.arange(-15.0, 16.0)
>>> profile = 40 + 120 * ndtr((x - 2.3) / 1.2)           # a blurred step at +2.3 px
>>> es = detect_edges(profile[None], x, edges=EdgeSettings(select="strongest"))
>>> round(float(es.position[0]), 4), round(float(es.step[0]), 1)
(2.3, 120.0)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._accel import kernels
from ..core.checks import check_choice
from ..errors import InputError
from ..image.filters import gaussian_derivative_1d, gaussian_derivative_kernel_1d
from ..image.peaks import local_maxima, subpixel_peaks
from . import erf_fit
from .erf_fit import fit_steps
from .erf_model import footprint
from .results import assemble
from .settings import EdgeSettings, as_edge_settings, flat_keywords

__all__ = ["EdgeSet", "detect_edges", "SHADING_TESTS"]

SHADING_TESTS = ("edge", "contour")


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


def _real_array(a, name: str) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected an array of numbers") from None
    if arr.dtype.kind not in "iuf":
        raise InputError(f"{name}: expected real numbers, given dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: expected finite numbers")
    return arr


def _check_profiles(values, offsets, search_half, directions):
    """detect_edges' array arguments, checked: (K, L) values, (L,) offsets 1 px apart, a
    search half-width >= 0 (inf: all), (K, 2) directions or None."""
    v = _real_array(values, "values")
    o = _real_array(offsets, "offsets")
    if v.ndim != 2 or o.ndim != 1 or o.size != v.shape[1] or o.size < 2:
        raise InputError(f"values, offsets: expected (K, L) and (L,) with L >= 2, given "
                         f"{v.shape} and {o.shape}")
    if not np.allclose(np.diff(o), 1.0, atol=1e-6):
        raise InputError("offsets: expected positions 1 px apart, increasing")
    if isinstance(search_half, bool) or not isinstance(search_half, (int, float, np.integer,
                                                                     np.floating)) \
            or math.isnan(search_half) or search_half < 0:
        raise InputError(f"search_half: expected a number >= 0 (inf: everywhere), given "
                         f"{search_half!r:.40}")
    if directions is not None:
        directions = _real_array(directions, "directions")
        if directions.shape != (v.shape[0], 2):
            raise InputError(f"directions: expected shape ({v.shape[0]}, 2), given "
                             f"{directions.shape}")
    return v, o, float(search_half), directions


@flat_keywords
def detect_edges(values: np.ndarray, offsets: np.ndarray, *, edges: EdgeSettings | None = None,
                 search_half: float = float("inf"), directions: np.ndarray | None = None,
                 shading_test: str = "edge") -> EdgeSet:
    """Find sub-pixel edges on every row of a profile array.

    Parameters
    ----------
    values : ndarray (K, L)
        Profiles sampled 1 px apart.
    offsets : ndarray (L,)
        Profile position of each sample (pixels, increasing by 1).
    edges : EdgeSettings, optional
        ``sigma``, ``threshold``, ``transition`` (default "any"), ``select`` (default "all"),
        ``subpixel``; ``interpolation`` is the sampler's business and not used here.
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
        (see :func:`metrology.caliper.erf_fit.fit_steps`).

    Returns
    -------
    EdgeSet
    """
    edges = as_edge_settings(edges).with_defaults(transition="any", select="all")
    check_choice(shading_test, "shading_test", SHADING_TESTS)
    v, offsets, search_half, directions = _check_profiles(values, offsets, search_half,
                                                          directions)
    kern = kernels("caliper")
    if kern is not None:
        got = _detect_compiled(kern, v, offsets, edges, search_half, directions, shading_test)
        if got is not None:
            return got
    resp = _derivative(v, edges.sigma)
    mask, neigh, s = _peak_masks(resp, edges)
    if math.isfinite(search_half):
        mask &= (np.abs(offsets) <= search_half + 1e-9)[None, :]
    candidates = mask.sum(axis=1).astype(np.intp)
    rows, cols = _select(mask, s, edges.select, candidates > 0)
    n = rows.size
    if edges.subpixel == "gauss":
        t, blur, step, amp = _gauss_estimates(resp, offsets, rows, cols, edges.sigma)
        return EdgeSet(rows.astype(np.intp), t, amp, step, blur, np.full(n, np.nan),
                       np.zeros(n), np.zeros(n, dtype=bool), candidates)
    # every peak of |response| above half the threshold (and the selected ones) is a candidate:
    # all are refined together so neighbouring edges can be modelled jointly
    if neigh is None:
        neigh = local_maxima(np.abs(resp), 0.5 * max(edges.threshold, 1e-12))
        neigh[rows, cols] = True
    # (else the selected peaks, of |response| above the threshold, are among them already)
    cr, cc = np.nonzero(neigh)
    foot = None if directions is None else np.abs(np.asarray(directions, np.float64))[cr]
    t, s_, a, amp = _gauss_estimates(resp, offsets, cr, cc, edges.sigma)
    ref = fit_steps(v, offsets, cr, t, s_, a, foot=foot, shading_test=shading_test) \
        if cr.size else None
    if cr.size != rows.size:       # the selected edges among the candidates
        ci = np.searchsorted(cr * v.shape[1] + cc, rows * v.shape[1] + cols)
        ref, amp = ref.take(ci), amp[ci]
    if ref is None:
        return EdgeSet(rows.astype(np.intp), t, amp, a, s_, np.full(n, np.nan), np.zeros(n),
                       np.zeros(n, dtype=bool), candidates)
    return EdgeSet(rows.astype(np.intp), ref.position, amp, ref.step, ref.blur, ref.std,
                   ref.score, ref.refined, candidates)


def detect_sampled(values, offsets, edges: EdgeSettings, search_half, directions,
                   shading_test: str) -> EdgeSet:
    """:func:`detect_edges` on profiles the package sampled itself (the finders' internal
    path): ``values`` (K, L) from :func:`~metrology.image.profiles.sample_profiles`, their
    calipers' ``offsets``, ``search_half`` and ``directions``, ``edges`` with ``transition``
    and ``select`` resolved.  The compiled kernels run without re-checking those arrays (the
    kernel path checks the values are finite itself); anything else, and every case the
    kernels leave to NumPy, goes through :func:`detect_edges` with its checks and errors."""
    kern = kernels("caliper")
    if (kern is not None and edges.transition is not None and edges.select is not None
            and values.dtype == np.float64 and offsets.dtype == np.float64):
        got = _detect_compiled(kern, values, offsets, edges, search_half, directions,
                               shading_test)
        if got is not None:
            return got
    return detect_edges(values, offsets, edges=edges, search_half=search_half,
                        directions=directions, shading_test=shading_test)


_MODES = {"any": 0, "positive": 1, "negative": 2}
_SELECT = {"first": 0, "last": 1, "strongest": 2}


def _detect_compiled(kern, v, offsets, edges, search_half, directions, shading_test):
    """:func:`detect_edges` with the derivative, peaks, selection and Gaussian estimates from
    the compiled kernel (:func:`metrology.caliper._kernels.peaks`); None where its usual case
    does not hold (the NumPy code then runs, with its checks and fallbacks)."""
    if (edges.select == "all" or v.ndim != 2 or v.shape[1] < 3 or offsets.shape != v.shape[1:]
            or not isinstance(search_half, (int, float)) or search_half != search_half
            or not np.isfinite(v).all()):
        return None
    k = v.shape[0]
    cols = np.empty((k, 3), dtype=np.int64)
    est = np.full((k, 4), np.nan)
    if edges.subpixel != "gauss":
        got = _edges_compiled(kern, v, offsets, edges, search_half, directions, shading_test,
                              cols, est)
        if got is not None:
            return got
    status = kern.peaks(np.array(v, order="C"), np.array(offsets, order="C"),
                        np.array(_derivative_kernel(edges.sigma), np.float64),
                        max(edges.threshold, 1e-12), float(edges.sigma),
                        _MODES[edges.transition], _SELECT[edges.select], float(search_half),
                        cols, est)
    if status == 2 or (status == 1 and edges.subpixel != "gauss"):
        return None
    candidates = cols[:, 1].astype(np.intp)
    rows = np.flatnonzero(cols[:, 0] >= 0)
    n = rows.size
    if edges.subpixel == "gauss":
        t, blur, step, amp = est[rows].T.copy()
        return EdgeSet(rows, t, amp, step, blur, np.full(n, np.nan), np.zeros(n),
                       np.zeros(n, dtype=bool), candidates)
    cr = np.flatnonzero(cols[:, 2] >= 0)          # one fit candidate a profile at most
    if cr.size == 0:
        e = np.zeros(0)
        return EdgeSet(rows, e, e, e, e, e, e, np.zeros(0, dtype=bool), candidates)
    foot = None if directions is None else np.abs(np.asarray(directions, np.float64))[cr]
    t, s_, a, amp = est[cr].T.copy()
    ref = fit_steps(v, offsets, cr, t, s_, a, foot=foot, shading_test=shading_test)
    if cr.size != n:              # the selected edges among the candidates
        ci = np.searchsorted(cr, rows)
        ref, amp = ref.take(ci), amp[ci]
    return EdgeSet(rows, ref.position, amp, ref.step, ref.blur, ref.std, ref.score,
                   ref.refined, candidates)


def _edges_compiled(kern, v, offsets, edges, search_half, directions, shading_test, cols,
                    est):
    """The erf case of :func:`_detect_compiled` in one kernel call
    (:func:`metrology.caliper._kernels.edges_single`: peaks, the one candidate of each
    profile fitted, the fits' outputs); None where a profile holds several candidates, a
    Gaussian estimate needs the NumPy fallbacks or the shading test asks for a refit (the
    staged path then runs)."""
    k = v.shape[0]
    fab = footprint(None if directions is None else np.asarray(directions, np.float64), k)
    out = np.empty((k, 7))
    status = kern.edges_single(np.array(v, order="C"), np.array(offsets, order="C"),
                               np.array(_derivative_kernel(edges.sigma), np.float64),
                               max(edges.threshold, 1e-12), float(edges.sigma),
                               _MODES[edges.transition], _SELECT[edges.select],
                               float(search_half), np.ascontiguousarray(fab), 7,
                               (1.0 if shading_test == "contour" else 0.0,
                                float(erf_fit._SHADING_Z), float(erf_fit._SHADING_RMS_Z)),
                               cols, est, out)
    if status != 0:
        return None
    rows = np.flatnonzero(cols[:, 0] >= 0)       # (among the candidates: status 0)
    o = out[rows].T.copy()
    return assemble(EdgeSet, profile=rows, position=o[0], amplitude=est[rows, 3], step=o[2],
                    blur=o[1], std_px=o[3], score=o[4], refined=o[6] > 0.5,
                    candidates=cols[:, 1].astype(np.intp))


def median(a: np.ndarray) -> float:
    """``float(np.median(a))`` of a small 1-D array by one sort (``np.median``'s dispatch
    costs ~10x the sort on a few dozen values); the same value, NaN included."""
    n = a.size
    if n == 0:
        return float(np.median(a))
    v = np.sort(a)
    if v[-1] != v[-1]:          # a NaN sorts last: np.median gives NaN
        return float("nan")
    h = n // 2
    return float(v[h]) if n % 2 else 0.5 * (float(v[h - 1]) + float(v[h]))


def _peak_masks(resp: np.ndarray, edges: EdgeSettings):
    """Peaks of the response for the transition above the threshold, the candidates to model
    beside them (peaks of |response| above half of it; None when not computed here), and
    the signed response the selection ranks."""
    thr = max(edges.threshold, 1e-12)
    if edges.transition == "positive":
        s = resp
    elif edges.transition == "negative":
        s = -resp
    else:
        s = np.abs(resp)
    if edges.transition == "any" and edges.subpixel != "gauss" and resp.shape[1] >= 3:
        # local maxima of |response| above the threshold, and above half of it: as two calls
        # of local_maxima, sharing the comparisons with the neighbours
        c_ = s[:, 1:-1]
        peak = (c_ > s[:, :-2]) & (c_ >= s[:, 2:])
        mask = np.zeros(s.shape, dtype=bool)
        neigh = np.zeros(s.shape, dtype=bool)
        np.logical_and(peak, c_ >= thr, out=mask[:, 1:-1])
        np.logical_and(peak, c_ >= 0.5 * thr, out=neigh[:, 1:-1])
        return mask, neigh, s
    return local_maxima(s, thr), None, s


def _select(mask: np.ndarray, s: np.ndarray, select: str, has: np.ndarray):
    """(rows, columns) of the selected peaks."""
    if select == "all":
        return np.nonzero(mask)
    if select == "first":
        c = np.argmax(mask, axis=1)
    elif select == "last":
        c = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)
    else:
        c = np.argmax(np.where(mask, s, -np.inf), axis=1)
    rows = np.flatnonzero(has)
    return rows, c[has]


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




def _gauss_estimates(resp, offsets, nr, nc, sigma):
    """Position, blur and step height of peaks ``(nr, nc)`` from the Gaussian peak fit."""
    position, height, width = _gauss_peaks(resp, nr, nc)
    wdt = np.where(np.isfinite(width), width, math.sqrt(sigma ** 2 + 1.0))
    s_n = np.sqrt(np.minimum(np.maximum(wdt ** 2 - sigma ** 2, 0.25), 25.0))
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
    if not (ya.min() > 1e-300 and (curv < 0).all()):
        pk = subpixel_peaks(resp, nr, nc, method="gauss")
        return pk.position, pk.height, pk.width
    b = 0.5 * (lp - lm)
    shift = np.minimum(np.maximum(-b / curv, -0.5), 0.5)   # np.clip's wrapper costs 2x
    peak = np.exp(l0 - b * b / (2.0 * curv))
    return nc + shift, sign * peak, np.sqrt(-1.0 / curv)


