"""What the line, circle and ellipse finders share: measuring a caliper set, and fitting.

:func:`measure_calipers` samples every caliper of a set in one gather and finds one edge on
each (:func:`metrology.caliper.edges.detect_edges`); calipers whose fit context (``pad``)
leaves the image are measured again without it and merged back.  :func:`final_fit` fits the
shape: least squares when an outlier test finds none, else the core's RANSAC followed by Tukey
IRLS; :func:`covariance` gives the parameter covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..core import fit_circle, fit_ellipse, fit_line, ransac
from ..core._batch import MAD_TO_SIGMA, TUKEY_C
from ..errors import EdgeNotFoundError, FitError, InputError
from ..image.profiles import Calipers, Profiles, sample_profiles
from .edges import EdgeSet, detect_sampled, median
from .measure import auto_interpolation
from .results import assemble
from .settings import EdgeSettings, with_interpolation

#: internal stages of find_line / find_circle / find_ellipse (imported by name, not public)
__all__: list[str] = []

PAD_PX = 6.0  # context sampled beyond each caliper end for the edge fit
_MODELS = ("line", "circle", "ellipse")


@dataclass(frozen=True)
class Found:
    """Edges found by a caliper set: one point per caliper that found one.

    Attributes
    ----------
    points : ndarray (N, 2)
    caliper : ndarray (N,) int
        Index of each point's caliper in the requested set.
    edges : EdgeSet
    profiles : Profiles
    """

    points: np.ndarray
    caliper: np.ndarray
    edges: EdgeSet
    profiles: Profiles


def coarse(edges: EdgeSettings) -> EdgeSettings:
    """Detection settings of a first pass that only re-lays the calipers: bilinear sampling
    and the Gaussian peak (+-0.02 px, plenty for that), about half the cost."""
    return replace(edges, interpolation="linear", subpixel="gauss")


def measure_calipers(gray, cal: Calipers, edges: EdgeSettings, plain=None,
                     shading_test: str = "edge") -> Found:
    """Sample and detect; ``cal`` may be padded, and calipers whose pad leaves the image are
    measured again from ``plain()`` (a callable laying the same calipers without pad).
    Interpolation "auto" is resolved as in :func:`metrology.caliper.measure_edges`."""

    def run(interp):
        got = _measure_once(gray, cal, with_interpolation(edges, interp), plain, shading_test)
        return got, got.edges

    return auto_interpolation(run, edges.interpolation)[0]


def _measure_once(gray, cal: Calipers, edges: EdgeSettings, plain, shading_test) -> Found:
    try:
        prof = sample_profiles(gray, cal, edges.interpolation, gray=gray)
    except InputError:
        if plain is None:
            raise
        return _measure_once(gray, plain(), edges, None, shading_test)
    es = detect_sampled(prof.values, prof.calipers.offsets, edges, cal.search_half,
                        prof.calipers.directions, shading_test)
    c = prof.calipers       # to_image's arithmetic without its argument checks (our own arrays)
    pts = c.origins[es.profile] + es.position[:, None] * c.directions[es.profile]
    found = assemble(Found, points=pts, caliper=prof.index[es.profile], edges=es, profiles=prof)
    if plain is None or prof.dropped.size == 0:
        return found
    try:
        rest = _measure_once(gray, plain().subset(prof.dropped), edges, None, shading_test)
    except InputError:
        return found
    return _merge(found, rest, prof.dropped)


def _merge(a: Found, b: Found, b_index: np.ndarray) -> Found:
    """Edges of two disjoint caliper subsets as one set (b's calipers are ``b_index``)."""
    ea, eb = a.edges, b.edges
    kb = a.profiles.values.shape[0]
    es = EdgeSet(np.concatenate([ea.profile, eb.profile + kb]),
                 *(np.concatenate([getattr(ea, f), getattr(eb, f)]) for f in
                   ("position", "amplitude", "step", "blur", "std_px", "score", "refined",
                    "candidates")))
    index = np.concatenate([a.profiles.index, b_index[b.profiles.index]])
    dropped = b_index[b.profiles.dropped]
    calipers = _concat_calipers(a.profiles.calipers, b.profiles.calipers)
    prof = Profiles(np.zeros((index.size, 0)), calipers, index, dropped)
    order = np.argsort(index[es.profile], kind="stable")
    pts = np.concatenate([a.points, b.points])[order]
    caliper = np.concatenate([a.caliper, b_index[b.caliper]])[order]
    es = EdgeSet(*(getattr(es, f)[order] if f != "candidates" else es.candidates
                   for f in EdgeSet.__dataclass_fields__))
    return Found(pts, caliper, es, prof)


def _concat_calipers(a: Calipers, b: Calipers) -> Calipers:
    """Caliper sets of different lengths as one set for drawing (geometry of the search
    range; the profile samples of the shorter set are repeated at its ends)."""
    la, lb = a.offsets.size, b.offsets.size
    if la != lb:
        pad = (la - lb) // 2
        pts_b = np.pad(b.points, ((0, 0), (0, 0), (pad, la - lb - pad), (0, 0)), mode="edge")
    else:
        pts_b = b.points
    return Calipers(np.concatenate([a.origins, b.origins]),
                    np.concatenate([a.directions, b.directions]), a.offsets,
                    np.concatenate([a.points, pts_b]), a.kind, a.width, a.search_half)


def need(found: Found, k: int, minimum: int, what: str, threshold: float) -> None:
    """Raise :class:`EdgeNotFoundError` when fewer than ``minimum`` of ``k`` calipers found an
    edge (saying how many did, and how many left the image)."""
    if found.points.shape[0] >= minimum:
        return
    n_cal = int(np.unique(found.caliper).size)
    dropped = found.profiles.dropped
    extra = (f"; {len(dropped)} caliper(s) reaching outside the image were dropped"
             if len(dropped) else "")
    raise EdgeNotFoundError(
        f"{what}: only {n_cal} of {k} calipers found an edge above threshold {threshold:g} "
        f"(need {minimum}){extra}: check the ROI, the transition or lower the threshold")


def _least_squares(points, model: str, geometric: bool):
    if model == "line":
        return fit_line(points)
    if model == "circle":
        return fit_circle(points, method="geometric" if geometric else "hyper")
    return fit_ellipse(points, method="geometric" if geometric else "direct")


def _robust(points, model: str, thr: float, seed: int):
    """The core's RANSAC (+ Tukey IRLS); a fit that cannot be made is an EdgeNotFoundError."""
    if model == "line" and points.shape[0] == 2:
        return fit_line(points)
    try:
        return ransac(points, model, threshold_px=thr, rng=seed)
    except FitError as exc:
        raise EdgeNotFoundError(f"find_{model}: the {points.shape[0]} edge points do not lie "
                                f"on a{'n' if model == 'ellipse' else ''} {model} within "
                                f"{thr:g} px ({exc})") from None


def first_fit(points, model: str, thr: float, seed: int):
    """First-pass fit, only used to re-lay the calipers: the algebraic fit when every point
    lies within ``thr`` of it (cheap), else the core's RANSAC."""
    try:
        f = _least_squares(points, model, geometric=False)
        if np.all(np.abs(f.distance(points)) <= thr):
            return f
    except FitError:
        pass
    return _robust(points, model, thr, seed)


def final_fit(found: Found, points, model: str, thr: float, seed: int):
    """Final fit: least squares (geometric) when no point is an outlier, else the core's RANSAC
    followed by Tukey IRLS.

    A point is an outlier beyond ``min(thr, TUKEY_C s)`` from the least-squares fit, ``s``
    being the larger of the residuals' robust scale (MAD) and the edges' median position
    uncertainty.  On clean data the least-squares fit is the maximum-likelihood one (Tukey's
    weights would cost ~5 % efficiency) and much cheaper.
    """
    try:
        f = _least_squares(points, model, geometric=True)
        r = f.distance(points)
        es = found.edges.std_px
        es = es[np.isfinite(es)]
        scale = max(MAD_TO_SIGMA * median(np.abs(r - median(r))),
                    median(es) if es.size else 0.0)
        if np.all(np.abs(r) <= min(thr, TUKEY_C * scale)):
            return f
    except FitError:
        pass
    return _robust(points, model, thr, seed)


def covariance(jac, res, inl, edge_std, n_par) -> np.ndarray:
    """Parameter covariance ``s^2 (J^T J)^-1`` over the inliers, with ``s`` the larger of the
    edges' own position uncertainty (RMS) and the residual RMS (dof-corrected)."""
    j = jac[inl]
    n = j.shape[0]
    if n <= n_par:
        return np.full((n_par, n_par), np.nan)
    r = res[inl]
    s_res = math.sqrt(float(r @ r) / (n - n_par))
    es = edge_std[inl]
    es = es[np.isfinite(es)]
    s_edge = math.sqrt(float((es * es).sum()) / es.size) if es.size else 0.0
    s = max(s_res, s_edge)
    try:
        return s * s * np.linalg.inv(j.T @ j)
    except np.linalg.LinAlgError:
        return np.full((n_par, n_par), np.nan)


def blur_estimate(found: Found, mask: np.ndarray) -> float:
    """Median blur of the refined edges among ``mask`` (all of ``mask`` if none refined)."""
    es = found.edges
    use = mask & es.refined
    if not use.any():
        use = mask
    return median(es.blur[use]) if use.any() else float("nan")
