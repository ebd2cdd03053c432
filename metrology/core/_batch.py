"""Private helpers shared by the fits: batching, weights, robust scale, safe batched solves.

Every fit works on a flattened batch ``(B, N, 2)`` with weights ``(B, N)`` and reshapes its
results back to the caller's leading shape at the end.  Nothing here loops over items or points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import FitError, InputError, ShapeError
from .checks import as_points

#: Tukey biweight tuning constant (95 % efficiency under Gaussian noise).
TUKEY_C = 4.685
#: Huber tuning constant (95 % efficiency under Gaussian noise).
HUBER_K = 1.345
#: Consistency factor turning the median absolute deviation into a Gaussian sigma.
MAD_TO_SIGMA = 1.482602218505602
#: Default lower bound (in the units of the points, normally px) on the MAD scale of the robust
#: fits.  Without it, on nearly noise-free points (rendered edges, quantised coordinates) the
#: MAD becomes tiny and Tukey's biweight (cut at 4.685 x scale) drops good points whose
#: residual is a few thousandths of a pixel.  0.01 px is below any real edge noise, so with
#: noisy data the MAD still rules.
SCALE_FLOOR_PX = 0.01
#: Smallest RMS spread of a point set, relative to the magnitude of its centroid, treated as a
#: spread at all: below it the points are identical up to rounding (float64 resolves ~1e-16 of
#: a coordinate), and any fit to them would fit rounding noise.
MIN_REL_SPREAD = 1e-12


def check_scale_floor(v: Any) -> float:
    """Validate ``scale_floor_px``: a finite number >= 0."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InputError(f"scale_floor_px: expected a number >= 0, given {v!r}") from None
    if not np.isfinite(f) or f < 0:
        raise InputError(f"scale_floor_px: expected a finite number >= 0, given {v!r}")
    return f


def prepare(points: Any, weights: Any, name: str = "points"):
    """Validate points/weights and flatten to a batch.

    Returns
    -------
    P : ndarray (B, N, 2)
    W : ndarray (B, N), float64, >= 0
    lead : tuple
        The caller's leading shape (``()`` for a single point set).
    """
    pts = as_points(points, name)
    lead = pts.shape[:-2]
    n = pts.shape[-2]
    if weights is None:
        w = np.ones(pts.shape[:-1])
    else:
        try:
            w = np.asarray(weights, dtype=np.float64)
        except Exception:
            raise ShapeError(f"weights: expected numbers of shape {pts.shape[:-1]}, "
                             f"given {type(weights).__name__}") from None
        try:
            w = np.broadcast_to(w, pts.shape[:-1])
        except ValueError:
            raise ShapeError(f"weights: expected shape {pts.shape[:-1]} (one per point), "
                             f"given shape {w.shape}") from None
        if not np.all(np.isfinite(w)):
            raise InputError("weights: expected finite values, given NaN/inf")
        if np.any(w < 0):
            raise InputError("weights: expected non-negative values, given a negative weight")
    b = int(np.prod(lead, dtype=np.int64))
    P = pts.reshape(b, n, 2)
    W = np.array(w, dtype=np.float64).reshape(b, n)
    return P, W, lead


def normalize(P: np.ndarray, W: np.ndarray, with_spread: bool = False):
    """Centre on the weighted centroid and scale to unit RMS distance (per item).

    Returns ``(Pn, mean (B, 2), scale (B,))`` with ``P = Pn * scale + mean``; items with no
    weight or no spread get ``scale=1`` (they are flagged by the caller).  With
    ``with_spread=True`` also returns ``has_spread (B,)``: weighted points not all identical.
    """
    sw = W.sum(-1)
    safe = np.where(sw > 0, sw, 1.0)
    x, y = P[..., 0], P[..., 1]
    mx = np.einsum("bn,bn->b", W, x) / safe
    my = np.einsum("bn,bn->b", W, y) / safe
    qx = x - mx[:, None]
    qy = y - my[:, None]
    var = (np.einsum("bn,bn->b", W * qx, qx) + np.einsum("bn,bn->b", W * qy, qy)) / safe
    scale = np.sqrt(var)
    good = np.isfinite(scale) & (scale > MIN_REL_SPREAD * np.hypot(mx, my))
    scale = np.where(good, scale, 1.0)
    inv = 1.0 / scale[:, None]
    Pn = np.empty_like(P)
    Pn[..., 0] = qx * inv
    Pn[..., 1] = qy * inv
    if with_spread:
        return Pn, np.stack([mx, my], -1), scale, good & (sw > 0)
    return Pn, np.stack([mx, my], -1), scale


def normalize_planar(P: np.ndarray, W: np.ndarray):
    """Like :func:`normalize` but returns the centred, scaled coordinates as one contiguous
    ``(2, B, N)`` array (x plane, y plane), which the circle fits read many times.

    Returns ``(Q (2, B, N), mean (B, 2), scale (B,), has_spread (B,))``."""
    sw = W.sum(-1)
    safe = np.where(sw > 0, sw, 1.0)
    Q = np.moveaxis(P, -1, 0).copy()                       # (2, B, N), contiguous planes
    m = np.einsum("bn,kbn->kb", W, Q) / safe
    Q -= m[:, :, None]
    var = np.einsum("bn,kbn,kbn->b", W, Q, Q) / safe
    scale = np.sqrt(var)
    good = np.isfinite(scale) & (scale > MIN_REL_SPREAD * np.hypot(m[0], m[1]))
    scale = np.where(good, scale, 1.0)
    Q *= (1.0 / scale)[None, :, None]
    return Q, m.T.copy(), scale, good & (sw > 0)


def weighted_median(values: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Median over the last axis of ``values`` restricted to entries with ``W > 0`` (unweighted
    among them).  Rows with no such entries give NaN.  Shape ``(B, N) -> (B,)``."""
    v = np.where(W > 0, values, np.inf)
    v = np.sort(v, axis=-1)
    k = np.count_nonzero(W > 0, axis=-1)
    lo = np.clip((k - 1) // 2, 0, max(v.shape[-1] - 1, 0))
    hi = np.clip(k // 2, 0, max(v.shape[-1] - 1, 0))
    if v.shape[-1] == 0:
        return np.full(v.shape[:-1], np.nan)
    a = np.take_along_axis(v, lo[:, None], -1)[:, 0]
    b = np.take_along_axis(v, hi[:, None], -1)[:, 0]
    with np.errstate(invalid="ignore"):
        med = 0.5 * (a + b)
    return np.where(k > 0, med, np.nan)


def robust_scale(r: np.ndarray, W: np.ndarray, floor: np.ndarray | float) -> np.ndarray:
    """MAD scale of residuals ``r`` (B, N) about zero, over points with ``W > 0``, floored."""
    s = MAD_TO_SIGMA * weighted_median(np.abs(r), W)
    s = np.where(np.isfinite(s), s, 0.0)
    return np.maximum(s, floor)


def tukey_weights(r: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Tukey biweight ``(1 - u^2)^2`` for ``|u| < 1``, ``u = r / (c * scale)``; (B, N)."""
    u = r / (TUKEY_C * scale[:, None])
    return np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)


def huber_weights(r: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Huber weight ``min(1, k / |u|)``, ``u = r / scale``; (B, N)."""
    u = np.abs(r) / (HUBER_K * scale[:, None])
    with np.errstate(divide="ignore"):
        return np.where(u > 1.0, 1.0 / np.maximum(u, 1.0), 1.0)


def _guard(A: np.ndarray, rcond: float):
    """Replace singular / non-finite stacked matrices by the identity; return (A', good)."""
    k = A.shape[-1]
    finite = np.all(np.isfinite(A), axis=(-1, -2))
    A2 = np.where(finite[:, None, None], A, np.eye(k))
    sv = np.linalg.svd(A2, compute_uv=False)
    good = finite & (sv[:, -1] > rcond * sv[:, 0]) & (sv[:, 0] > 0)
    return np.where(good[:, None, None], A2, np.eye(k)), good


def safe_solve(A: np.ndarray, b: np.ndarray, rcond: float = 1e-13):
    """Solve the stacked systems ``A x = b`` (A (B, k, k), b (B, k)) without letting one singular
    item raise for the whole batch.  Returns ``(x, good)``; bad items get NaN."""
    A3, good = _guard(A, rcond)
    good &= np.all(np.isfinite(b), axis=-1)
    x = np.linalg.solve(A3, np.where(good[:, None], b, 0.0)[..., None])[..., 0]
    return np.where(good[:, None], x, np.nan), good


def safe_inv(A: np.ndarray, rcond: float = 1e-13):
    """Stacked inverse with the same protection as :func:`safe_solve`; returns ``(inv, good)``."""
    A3, good = _guard(A, rcond)
    inv = np.linalg.inv(A3)
    return np.where(good[:, None, None], inv, np.nan), good


def inv3_sym(A: np.ndarray, rcond: float = 1e-12):
    """Closed-form inverse of stacked symmetric 3x3 matrices (adjugate / determinant).

    Much faster than LAPACK for many tiny systems.  Returns ``(inv (B, 3, 3), good (B,))``;
    items whose determinant is below ``rcond * ||A||^3`` (or non-finite) get NaN."""
    a, b, c = A[:, 0, 0], A[:, 0, 1], A[:, 0, 2]
    d, e, f = A[:, 1, 1], A[:, 1, 2], A[:, 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = a * c00 + b * c01 + c * c02
    norm = np.abs(A).max(axis=(1, 2))
    good = np.isfinite(det) & (np.abs(det) > rcond * norm ** 3) & (norm > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(good, 1.0 / np.where(good, det, 1.0), np.nan)
    inv = np.stack([np.stack([c00, c01, c02], -1), np.stack([c01, c11, c12], -1),
                    np.stack([c02, c12, c22], -1)], -2) * s[:, None, None]
    return inv, good


#: Points per block in :func:`blockwise`: 8192 float64 = 64 KiB per temporary, below glibc's
#: mmap threshold (128 KiB), so the dozens of temporaries of a fit come from the heap instead
#: of fresh zeroed pages (page faults cost more than the arithmetic), and stay in cache.
BLOCK_POINTS = 8192


def blockwise(fn, *arrays: np.ndarray, block_points: int = BLOCK_POINTS) -> dict:
    """Apply ``fn(*blocks) -> dict of (b, ...) arrays`` to consecutive blocks of items of
    ``arrays`` (all with the items on axis 0; the second array's axis 1, or the first's, is the
    point count N) and concatenate the results along axis 0.

    A loop over blocks of many items (not over items or points): each block is itself fully
    vectorized; the split only bounds the size of the temporaries."""
    B = len(arrays[0])
    N = arrays[0].shape[1] if arrays[0].ndim > 1 else 1
    step = max(1, block_points // max(N, 1))
    if B <= step:
        return fn(*arrays)
    parts = [fn(*(a[i:i + step] for a in arrays)) for i in range(0, B, step)]
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


def finish(lead: tuple, **fields):
    """Reshape flat (B, ...) arrays to ``lead + ...``; for a single set return Python scalars."""
    out = {}
    for key, val in fields.items():
        if isinstance(val, np.ndarray):
            val = val.reshape(lead + val.shape[1:])
            if val.ndim == 0:
                val = val.item()
        out[key] = val
    return out


def raise_if_failed(lead: tuple, ok: np.ndarray, reason: np.ndarray | str, what: str) -> None:
    """In the single-set API turn a failed fit into :class:`FitError`."""
    if lead == () and not bool(ok[0]):
        msg = reason if isinstance(reason, str) else str(reason[0])
        raise FitError(f"{what}: {msg}")


# --- single point set helpers -------------------------------------------------------------
# For one small set (N ~ 10-200) the batched machinery is dominated by per-call overhead of
# numpy on (1, ...) arrays; these helpers let a fit's single-set fast path do the O(N) work in
# a few whole-array numpy calls and the tiny (3x3) algebra in plain Python floats.

def normalize_single(p: np.ndarray, w: np.ndarray | None):
    """Single-set counterpart of :func:`normalize_planar`: centre ``p`` (N, 2) on the weighted
    centroid and scale to unit RMS distance.

    ``w`` (N,) non-negative weights, or ``None`` for unit weights (saves the multiplies).
    Returns ``(Q (2, N) contiguous, mx, my, scale, sw, good)`` with Python floats ``mx, my,
    scale, sw`` (``sw`` the weight sum); ``good`` is False when there is no weight or no spread
    (then ``Q`` is meaningless and the caller must take its general path)."""
    Q = p.T.copy()                                         # (2, N), contiguous planes
    if w is None:
        sw = float(p.shape[0])
        m = Q.sum(-1)
    else:
        sw = float(w.sum())
        m = Q @ w
    if not sw > 0:
        return Q, 0.0, 0.0, 1.0, sw, False
    m /= sw
    Q -= m[:, None]
    QQ = Q * Q if w is None else Q * (Q * w)
    var = float(QQ.sum()) / sw
    scale = math.sqrt(var) if var >= 0 else math.nan
    mx, my = m.tolist()
    if not (math.isfinite(scale) and scale > MIN_REL_SPREAD * math.hypot(mx, my)):
        return Q, 0.0, 0.0, 1.0, sw, False
    Q *= 1.0 / scale
    return Q, mx, my, scale, sw, True


def inv3_sym_floats(a: float, b: float, c: float, d: float, e: float, f: float,
                    rcond: float = 1e-12):
    """Closed-form inverse of one symmetric 3x3 matrix ``[[a, b, c], [b, d, e], [c, e, f]]`` in
    Python floats, with the acceptance rule of :func:`inv3_sym` (determinant above
    ``rcond * max|A|^3``, finite).  Returns the upper triangle ``(i00, i01, i02, i11, i12,
    i22)`` of the inverse, or ``None`` when it is rejected."""
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    det = a * c00 + b * c01 + c * c02
    if not math.isfinite(det):                    # also catches any non-finite entry
        return None
    norm = max(abs(a), abs(b), abs(c), abs(d), abs(e), abs(f))
    if not (norm > 0 and abs(det) > rcond * (norm * norm * norm)):   # no OverflowError
        return None
    s = 1.0 / det
    return (c00 * s, c01 * s, c02 * s, (a * f - c * c) * s, (b * c - a * e) * s,
            (a * d - b * b) * s)
