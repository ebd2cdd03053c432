"""An edge pair measured in strips: its width on the caliper's centre line, not averaged.

A caliper of width ``W`` averages its profile across its width, so it measures the mean
edge-to-edge distance over that width.  Where an edge is curved (radius ``R``, e.g. the web
between a hole and a straight edge) the edge recedes from the centre line by ``s^2 / (2R)`` at
a lateral offset ``s``, and the mean over the caliper exceeds the width on its centre line by
``W^2 / (24 R)`` per curved edge: 0.025 px (1.25 um at 0.05 mm/px) for ``W = 6``, ``R = 60`` px.

:func:`pair_strips` measures the pair again on each of the caliper's ``round(W)`` sampling
lines (the lines its wide profile averages; each a 1 px strip), finds on every strip the edges
nearest the pair found on the wide profile, and fits each edge's position with a quadratic
across the strips, weighted by the edge fits' uncertainties.  Its intercept is the edge on the
centre line; its curvature also gives the blur-curvature shift of that edge (a blurred curved
edge images displaced towards its centre of curvature by about ``s^2 kappa / 2``, 0.37 um for
the demo's hole; :func:`metrology.caliper.curvature.edge_shift`), which is removed.  Both are
linear in the strips' edge positions: each edge is ``sum_j c_j p_j`` with weights ``c_j``
(sum 1) that the inspection feature keeps (:func:`metrology.caliper.features.pair_feature`), so
its uncertainty and its sensitivities stay exact.  The price is noise: the intercept of a
quadratic over a uniform spread of strips has 1.5 times the standard deviation of their mean.
That uncertainty is propagated from the pixels through the interpolation weights (the strips'
samples share pixels; :mod:`metrology.caliper.strip_sigma`).

Examples
--------
>>> import numpy as np
>>> from metrology.synth.shapes import Disk, HalfPlane, render_shapes
>>> img = render_shapes([(HalfPlane((0.0, 70.0), -90.0), 200.0), (Disk((50.0, 10.0), 40.0),
...                      -150.0)], (100, 100), background=50, psf_sigma_px=0.9)
>>> from metrology.caliper import EdgePairTool
>>> r = EdgePairTool((50.0, 45.0), (50.0, 78.0), width=8, name="web").measure(img)
>>> round(float(r.widths[0]), 3), round(float(r.strips.width_px), 3)  # true: 70 - 50
(20.077, 20.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._serial import Serializable
from ..image.io import as_gray
from ..image.profiles import rect_calipers, sample_profiles
from .edges import detect_edges
from .measure import PairResult, auto_interpolation
from .settings import EdgeSettings
from .strip_sigma import width_std

#: internal stage of EdgePairTool (its result types are reached through it, not built by users)
__all__ = ["MIN_STRIPS"]

#: strips needed for the quadratic across them (fewer: the wide caliper's mean is kept)
MIN_STRIPS = 3
_XY = {"shape": (None, 2)}
_V = {"shape": (None,)}


@dataclass(frozen=True)
class StripPairs(Serializable):
    """One edge pair measured on the strips of its caliper.

    Attributes
    ----------
    pair : int
        Index of the pair (in the wide caliper's result) that was measured in strips.
    offsets_px : ndarray (S,)
        Lateral offset of each strip that found both edges (px, across the caliper).
    first_xy, second_xy : ndarray (S, 2)
        Its first and second edge points.
    std_edges_px : ndarray (2, S)
        1-sigma position uncertainty of each strip's first (row 0) and second (row 1) edge:
        the fits' own, scaled by one factor so that ``sum c^2 std^2`` is the width's exact
        variance (the strips' errors are correlated; the factor carries that).
    weights : ndarray (2, S)
        Per edge, ``c_j`` (sum 1): the edge's point on the centre line, blur curvature
        removed, is ``sum_j c_j p_j``.
    curvature_px : ndarray (2,)
        Each edge's fitted curvature (1/px; positive: the centre of curvature lies ahead,
        along the caliper).
    width_px, std_px : float
        The width on the centre line and its 1-sigma uncertainty.
    """

    _json_type = None

    pair: int
    offsets_px: np.ndarray = field(metadata=_V)
    first_xy: np.ndarray = field(metadata=_XY)
    second_xy: np.ndarray = field(metadata=_XY)
    std_edges_px: np.ndarray = field(metadata={"shape": (2, None)})
    weights: np.ndarray = field(metadata={"shape": (2, None)})
    curvature_px: np.ndarray = field(metadata={"shape": (2,)})
    width_px: float = float("nan")
    std_px: float = float("nan")


@dataclass(frozen=True)
class StripPairResult(PairResult):
    """A :class:`~metrology.caliper.measure.PairResult` whose strongest pair was also measured
    in strips (``strips``; None when the caliper is narrower than :data:`MIN_STRIPS` px or
    too few strips found both edges)."""

    strips: StripPairs | None = None


def strongest_pair(result: PairResult) -> int:
    """Index of the pair whose weaker edge is strongest (noise pairs are weak on both
    sides)."""
    return int(np.argmax(np.minimum(np.abs(result.first.amplitudes),
                                    np.abs(result.second.amplitudes))))


def _edge_weights(s: np.ndarray, pos: np.ndarray, std: np.ndarray, blur: np.ndarray
                  ) -> tuple[np.ndarray, float]:
    """Weights ``c`` (S,), summing to 1, of one edge's position on the centre line with its
    blur curvature removed, and the edge's curvature.

    ``pos(s) = e0 + b s + q s^2`` fitted across the strips (weighted by ``1/std^2``); a curved
    edge images displaced towards its centre of curvature (the side ``sign(q)`` along the
    caliper) by ``|edge_shift(kappa)|`` (:func:`metrology.caliper.curvature.edge_shift`,
    ``kappa = 2|q| / (1 + b^2)^1.5``), so the true position is ``e0 - g q`` with
    ``g = 2 |edge_shift(kappa)| / (kappa (1 + b^2)^1.5)``: linear in the strips' positions
    (``g`` taken at the fitted curvature).
    """
    from .curvature import edge_shift

    X = np.column_stack([np.ones_like(s), s, s * s])
    Wt = X / np.maximum(std, 1e-6)[:, None] ** 2
    M = np.linalg.solve(X.T @ Wt, Wt.T)          # (3, S): e0, b, q from the positions
    e0, b, q = M @ pos
    slope = (1.0 + b * b) ** 1.5
    kappa = max(2.0 * abs(q) / slope, 1e-6)
    shift = abs(float(edge_shift(kappa, float(np.median(blur)), blur="fit",
                                 out_of_domain="clip")))
    g = 2.0 * shift / (kappa * slope)
    return M[0] - g * M[2], float(np.sign(q) * 2.0 * abs(q) / slope)


def _exact_std(std: np.ndarray, c: np.ndarray, u_w: float) -> np.ndarray:
    """The strips' edge sigmas (2, S) scaled by one factor so that ``sum c^2 std^2`` is the
    width's exact variance ``u_w^2`` (:func:`metrology.caliper.strip_sigma.width_std`; the
    inspection feature rebuilds the width's variance from them); unscaled when ``u_w`` is
    not finite (a degenerate window)."""
    own = float(np.sqrt(np.sum(c * c * std * std)))
    return std * (u_w / own) if np.isfinite(u_w) and u_w > 0 and own > 0 else std


def pair_strips(image, p0_xy, p1_xy, width: float, edges: EdgeSettings,
                result: PairResult) -> StripPairResult:
    """Measure the strongest pair of ``result`` (the wide caliper's) on each 1 px strip of the
    caliper ``p0_xy -> p1_xy`` of ``width`` px, in one batched sampling.

    Parameters
    ----------
    image : ndarray (H, W)
    p0_xy, p1_xy : array_like (2,)
    width : float
    edges : EdgeSettings
        The caliper's edge settings (threshold, sigma, interpolation).
    result : PairResult
        The wide caliper's pairs (at least one).

    Returns
    -------
    StripPairResult
        ``result`` with ``strips`` (None when fewer than :data:`MIN_STRIPS` strips, or
        strips on one side only, found both edges).
    """
    base = {f: getattr(result, f) for f in ("first", "second", "widths", "centers_xy",
                                            "center_positions", "inter_distances",
                                            "std_width_px")}
    n = int(round(width))
    if n < MIN_STRIPS or len(result) == 0:
        return StripPairResult(**base)
    k = strongest_pair(result)
    p0, p1 = np.asarray(p0_xy, float), np.asarray(p1_xy, float)
    length = float(np.hypot(*(p1 - p0)))
    u = (p1 - p0) / length
    perp = np.array([-u[1], u[0]])
    s = (np.arange(n) - (n - 1) / 2.0) * (width / n)   # the wide caliper's own lines
    centers = 0.5 * (p0 + p1) + s[:, None] * perp
    img = as_gray(image, dtype=None)
    detect = EdgeSettings(edges.sigma, edges.threshold, "any", "all", edges.interpolation,
                          edges.subpixel)

    def run(interp):
        cal = rect_calipers(centers, u, length, width / n, pad=6.0)
        prof = sample_profiles(img, cal, interp, gray=img)
        c = prof.calipers
        return (prof, interp), detect_edges(prof.values, c.offsets, edges=detect,
                                            search_half=c.search_half, directions=c.directions)

    (prof, interp), es = auto_interpolation(run, detect.interpolation)
    cal = prof.calipers
    pts = cal.to_image(es.profile, es.position)
    along = (pts - p0) @ u
    sign = np.where(es.amplitude >= 0, 1, -1)
    targets = (result.first.positions[k], result.second.positions[k])
    signs = (int(result.first.transitions[k]), int(result.second.transitions[k]))
    window = max(2.0, 0.5 * width)
    found = []
    for t, sg in zip(targets, signs):   # the two edges of the pair
        d = np.where(sign == sg, np.abs(along - t), np.inf)
        cost = np.full((cal.count, max(es.count, 1)), np.inf)
        if es.count:
            cost[es.profile, np.arange(es.count)] = d
        j = np.argmin(cost, axis=1)
        ok = np.isfinite(cost[np.arange(cal.count), j]) & \
            (cost[np.arange(cal.count), j] <= window)
        found.append((j, ok))
    (j1, ok1), (j2, ok2) = found
    ok = ok1 & ok2 & np.isfinite(es.std_px[j1] if es.count else np.zeros(cal.count)) & \
        np.isfinite(es.std_px[j2] if es.count else np.zeros(cal.count))
    off = s[prof.index]
    if ok.sum() < MIN_STRIPS or not (np.any(off[ok] < 0) and np.any(off[ok] > 0)):
        return StripPairResult(**base)
    a, b, so, jj = pts[j1[ok]], pts[j2[ok]], off[ok], np.stack([j1[ok], j2[ok]])
    std = es.std_px[jj]                          # the fits' own: their relative weights
    c1, k1 = _edge_weights(so, along[j1[ok]], std[0], es.blur[j1[ok]])
    c2, k2 = _edge_weights(so, along[j2[ok]], std[1], es.blur[j2[ok]])
    c = np.stack([c1, c2])
    d = c2 @ b - c1 @ a
    cos = cal.directions[es.profile[jj]] @ (d / np.hypot(*d)) * np.array([[-1.0], [1.0]])
    std = _exact_std(std, c, width_std(prof, interp, img.shape, es, jj, c, cos)[0])
    strips = StripPairs(k, so, a, b, std, c, np.array([k1, k2]), float(np.hypot(*d)),
                        float(np.sqrt(np.sum(c * c * std * std))))
    return StripPairResult(**base, strips=strips)
