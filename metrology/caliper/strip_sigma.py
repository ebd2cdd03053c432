"""The exact uncertainty of an edge pair's width measured in strips (:mod:`.strips`).

Each strip's edge fit takes its profile's samples as independent, but the samples are
interpolated (bilinear taps, or bicubic B-spline taps of a prefiltered image): neighbouring
samples along a strip share pixels, so do neighbouring strips, and how much they share
depends on the sub-pixel phase of the taps, i.e. on the caliper's angle and position.  The
strips' own sigmas are then short by a factor that changes with the angle (0.8x at 45 deg).

Here the width's variance is propagated from the pixels themselves.  To first order each
strip's edge position is ``g^T y`` over its fit window (``g`` the position row of the
blurred-step least-squares fit, ``(J^T J)^-1 J^T``), the profile samples are ``y = W x`` (the
interpolation weights ``W`` of the pixels ``x``) and the width is ``sum_j (c2_j p2_j - c1_j
p1_j)`` (the strips' weights ``c``), so with pixel noise of variance ``sigma^2``::

    var(width) = sigma^2 h^T (W W^T) h,    h = the stacked +-c_j g_j

``W W^T`` comes exactly from the taps, one factor per axis
(:func:`metrology.image._taps.separable_taps`), so ``h^T W W^T h`` is a sum over the pixels.
``sigma^2`` is estimated from the fits' residuals, pooled over every window of both edges:
with correlated samples ``E[RSS] = sigma^2 tr((I - H) W W^T)`` (``H`` each fit's hat matrix),
so ``sigma^2 = sum RSS / sum tr((I - H) W W^T)``; its degrees of freedom follow by
Satterthwaite, ``nu = tr(M)^2 / tr(M^2)`` with ``M = A W W^T`` (``A`` the block-diagonal
``I - H``; taken over each window's own block: the windows' residuals share few pixels, and
the cross terms move ``nu`` by < 1 %), about 150-190 for the demo's 6 strips.  The variance carries Student's
``nu / (nu - 2)`` (1.01 there), as the line fits' does (:mod:`metrology.caliper.features`).
"""

from __future__ import annotations

import numpy as np

from ..image._taps import separable_taps
from .erf_model import HALF_A, HALF_B, corner_offsets, corner_sums, footprint, optics, \
    step_terms

__all__: list[str] = []   # internal stage of pair_strips


def _windows(offsets: np.ndarray, t: np.ndarray, blur: np.ndarray, other: np.ndarray):
    """Sample indices (E, Lw) and mask of each edge's fit window ``t +- (6 s + 5)``, stopped
    halfway to the pair's other edge on the same strip (not modelled here)."""
    half = HALF_A * blur + HALF_B
    lo = np.maximum(t - half, np.where(other < t, 0.5 * (t + other), -np.inf))
    hi = np.minimum(t + half, np.where(other > t, 0.5 * (t + other), np.inf))
    j0 = np.searchsorted(offsets, lo - 1e-9)
    n = np.searchsorted(offsets, hi + 1e-9, "right") - j0
    lw = max(int(n.max(initial=0)), 1)
    kk = np.arange(lw)
    idx = np.minimum(j0[:, None] + kk, offsets.size - 1)
    return idx, kk < n[:, None], half


def _fit_rows(x, y, mask, t, blur, step, directions, half):
    """Per window: the position's sensitivity ``g`` (E, Lw) to the samples, the residual
    projector ``I - H`` (E, Lw, Lw) and the residual sum of squares (E,), of the fit
    ``background + slope u + step P(x - t; blur)`` at the fitted values."""
    fab = footprint(directions, t.size)
    s = optics(blur, (fab * fab).sum(1) / 12.0)[:, None]
    sums = corner_sums(x + corner_offsets(fab) - t[:, None], s)
    p, p_d, p_s = step_terms(sums, s, fab)
    w = mask.astype(np.float64)
    a = step[:, None]
    J = np.stack([w, (x - t[:, None]) / half[:, None] * w, p * w, -a * p_d * w,
                  a * p_s * w], axis=2)                               # (E, Lw, 5)
    jtj = J.transpose(0, 2, 1) @ J + 1e-12 * np.eye(5)
    sens = np.linalg.solve(jtj, J.transpose(0, 2, 1))                 # (E, 5, Lw)
    resid_proj = w[:, :, None] * np.eye(mask.shape[1]) - J @ sens     # masked I - H
    r = (resid_proj @ (y * w)[:, :, None])[..., 0]
    return sens[:, 3], resid_proj, np.sum(r * r, axis=1)


def linearised(prof, es, edges: np.ndarray, c: np.ndarray, along: np.ndarray) -> tuple:
    """The width to first order in the strips' samples: the fit windows' sample points
    ``pts`` (N, 2), the width's sensitivity ``h`` (N,) to each, and per window (E = 2S: row
    0 of ``edges`` then row 1) its mask (E, Lw), residual projector and residual sum of
    squares (:func:`width_std` has the parameters)."""
    e = edges.reshape(-1)
    rows = es.profile[e]
    t = es.position[e]
    other = es.position[edges[::-1].reshape(-1)]
    cal = prof.calipers
    idx, mask, half = _windows(cal.offsets, t, es.blur[e], other)
    g, resid_proj, rss = _fit_rows(cal.offsets[idx], prof.values[rows[:, None], idx], mask, t,
                                   es.blur[e], es.step[e], cal.directions[rows], half)
    pts = cal.points[rows, 0][np.arange(e.size)[:, None], idx][mask]
    return pts, ((c * along).reshape(-1)[:, None] * g)[mask], mask, resid_proj, rss


def width_std(prof, interpolation: str, shape, es, edges: np.ndarray, c: np.ndarray,
              along: np.ndarray) -> tuple[float, float]:
    """1-sigma uncertainty of the strips' width and its degrees of freedom ``nu``.

    Parameters
    ----------
    prof : Profiles
        The strips' profiles (one 1 px line each).
    interpolation : str
        How they were sampled ("linear", "cubic" or "spline").
    shape : tuple
        The sampled image's shape.
    es : EdgeSet
        The edges found on the strips.
    edges : ndarray (2, S) int
        Indices into ``es`` of each strip's first (row 0) and second (row 1) edge.
    c : ndarray (2, S)
        The strips' weights of each edge (:func:`.strips._edge_weights`).
    along : ndarray (2, S)
        ``d(width) / d(position)`` of each strip edge: the cosine between its profile and the
        pair's direction (signed: negative for the first edges).
    """
    pts, h, mask, resid_proj, rss = linearised(prof, es, edges, c, along)
    dx, dy, rx, ry = separable_taps(shape, pts, interpolation)[:4]
    sens = dx.T @ (h[:, None] * dy)          # the width's weights on the pixels (prefilter aside)
    var_unit = float(np.sum((rx @ sens @ ry) * sens))
    # each window's M = (I - H) W W^T over its own block, all windows at once: the taps of
    # every window's samples padded to (E, Lw, n) (zero rows where its mask is off, where
    # I - H is zero too)
    pad_x = np.zeros(mask.shape + (dx.shape[1],))
    pad_y = np.zeros(mask.shape + (dy.shape[1],))
    pad_x[mask], pad_y[mask] = dx, dy
    gram = ((pad_x @ rx) @ pad_x.transpose(0, 2, 1)) * ((pad_y @ ry) @ pad_y.transpose(0, 2, 1))
    m = resid_proj @ gram
    tr = float(np.trace(m, axis1=1, axis2=2).sum())
    sq = float(np.sum(m * m.transpose(0, 2, 1)))
    if not (tr > 0 and np.isfinite(rss).all()):
        return float("nan"), float("nan")
    nu = tr * tr / sq
    var = float(rss.sum()) / tr * var_unit
    return float(np.sqrt(var * (nu / (nu - 2.0) if nu > 4.0 else 1.0))), nu
