"""Exhaustive search at the top pyramid level over position x angle x scale.

The score of every position for one (angle, scale) step is a correlation of the spread
direction field (:func:`~metrology.match.fields.top_field`) with a sparse kernel (the turned
model points, splatted bilinearly); all steps are computed at once by batched FFTs against a
bank of kernel spectra (:class:`KernelBank`, built once per image size and cached by the model).
Candidates are the spatial peaks with every angle/scale step that peaks there or comes close to
the best: near-symmetric parts (gears) keep all their alignments, the finer levels tell them
apart.

Steps: the farthest model point moves 2 px (angle) / 1.5 px (scale) per top-level step; the
threshold is ``min_score`` times the score the template itself reaches there
(``top_self_score``), times a greediness-dependent fraction.

>>> angles, scales = top_steps((-180.0, 180.0), (0.9, 1.1), radius_px=80.0, top=3)
>>> len(angles) == len(scales), sorted(set(scales.round(3).tolist()))
(True, [0.95, 1.05])
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..image.pyramid import _base_to_level, _level_to_base, _sample_bilinear_exact
from .fields import SIGMA, TOP_SPREAD
from .poses import PoseBatch

__all__: list[str] = []  # a pipeline stage, internal to match/: the public API is metrology.match

TOP_MOVE_PX = 2.0        # angle step at the top level: farthest point moves this far
TOP_SCALE_MOVE_PX = 1.5  # scale step at the top level: farthest point moves this far
ANGLE_RETENTION = 0.9    # score a model must keep half an angle step off to take wider steps


def angle_factor(points: np.ndarray, dirs: np.ndarray, top: int, radius_px: float,
                 doubled: bool, scale_half: float = 0.0) -> float:
    """How much wider than the standard one (:data:`TOP_MOVE_PX`) the top-level angle step may
    be: the largest of 1, 1.5 and 2 at which the model, off the search grid by half an angle
    step and half a scale step (the worst of the four corners), still keeps
    :data:`ANGLE_RETENTION` of its score on its own spread direction field.

    A mostly round part (circles are unchanged by a turn) keeps enough at a wider step, and its
    top-level search then needs fewer FFTs: at scales 0.9-1.1 (two scale steps) the gear keeps
    92.5 % at twice the standard step, the flange 90.5 % at 1.5 times; a part with long
    straight edges (bracket, L-part: 84-86 % at 1.5 times) stays at 1, where they keep
    92-93 %.  The field is estimated from the points themselves (splatted, spread by the edge
    width and :data:`~metrology.match.fields.TOP_SPREAD`), so a loaded model gets the same steps
    as the one built from the template.

    Parameters
    ----------
    points, dirs : ndarray (N, 2)
        Top-level model points (level-0 px relative to the origin) and unit directions.
    top : int
        The level searched.
    radius_px : float
        Distance of the farthest model point from the origin, level-0 px.
    doubled : bool
        Doubled-angle directions (``polarity="ignore_local"``).
    scale_half : float
        Half the relative scale step of the search (0: one scale).

    Returns
    -------
    float
        1.0, 1.5 or 2.0.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    >>> circle = 80.0 * np.stack([np.cos(t), np.sin(t)], 1)
    >>> angle_factor(circle, circle / 80.0, 3, 80.0, False)
    2.0
    """
    import cv2

    pts = points / 2 ** top
    d = dirs
    if doubled:
        d = np.stack([d[:, 0] ** 2 - d[:, 1] ** 2, 2 * d[:, 0] * d[:, 1]], 1)
    r = radius_px / 2 ** top
    n = int(np.ceil(2 * r * (1 + scale_half))) + 16
    c = n / 2.0
    field = np.zeros((n, n, 2), np.float32)
    q = pts + c
    q0 = np.floor(q).astype(np.intp)
    f = q - q0
    for ox, oy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        w = (f[:, 0] if ox else 1 - f[:, 0]) * (f[:, 1] if oy else 1 - f[:, 1])
        np.add.at(field, (q0[:, 1] + oy, q0[:, 0] + ox), (w[:, None] * d).astype(np.float32))
    # spread like an image edge (gradient sigma) blurred by TOP_SPREAD
    field = cv2.GaussianBlur(field, (0, 0), float(np.hypot(SIGMA, TOP_SPREAD)))

    def score(da: float, scale: float) -> float:
        cs, sn = np.cos(da), np.sin(da)
        rot = np.array([[cs, -sn], [sn, cs]])
        dd = d @ (rot @ rot).T if doubled else d @ rot.T
        v = _sample_bilinear_exact(field, scale * pts @ rot.T + c)
        return float(np.sum(v * dd, axis=1).mean())

    s0 = score(0.0, 1.0)
    if not s0 > 0:
        return 1.0
    for k in (2.0, 1.5):
        half = 0.5 * k * TOP_MOVE_PX / r
        worst = min(score(a, 1.0 + ds) for a in (half, -half) for ds in {scale_half, -scale_half})
        if worst >= ANGLE_RETENTION * s0:
            return k
    return 1.0


def top_steps(angle_range_deg: Sequence[float], scale_range: Sequence[float], radius_px: float,
              top: int, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Angles (rad) and scales of the exhaustive top-level search, angle-major.

    Parameters
    ----------
    angle_range_deg, scale_range : (lo, hi)
        The model's search ranges.
    radius_px : float
        Distance of the farthest model point from the origin, level-0 px.
    top : int
        The level searched.
    factor : float
        Angle step in units of the standard one (:func:`angle_factor`).

    Returns
    -------
    angles, scales : ndarray (K,)
        ``K = num_angles * num_scales`` steps; scale varies fastest.
    """
    a0, a1 = np.radians(angle_range_deg)
    r = radius_px / 2 ** top
    da = factor * TOP_MOVE_PX / r
    span = a1 - a0
    if span >= 2 * np.pi - 1e-9:
        n = max(4, int(np.ceil(2 * np.pi / da)))
        angles = a0 + np.arange(n) * (2 * np.pi / n)
    else:
        n = max(1, int(np.ceil(span / da)))
        angles = a0 + (np.arange(n) + 0.5) * (span / n) if span > 0 else np.array([a0])
    s0, s1 = scale_range
    ds = TOP_SCALE_MOVE_PX / r
    ns = max(1, int(np.ceil((s1 - s0) / ds - 1e-9)))
    scales = s0 + (np.arange(ns) + 0.5) * ((s1 - s0) / ns) if s1 > s0 else np.array([s0])
    A, S = np.meshgrid(angles, scales, indexing="ij")
    return A.ravel(), S.ravel()


@dataclass(frozen=True)
class KernelBank:
    """Conjugate FFT spectra of the turned top-level kernels for one padded image size.

    Attributes
    ----------
    spec : ndarray (K, 2, n1, n2 // 2 + 1) complex64
        One kernel per (angle, scale) step and field channel.
    angles, scales : ndarray (K,)
        The steps (angle-major, see :func:`top_steps`).
    num_angles, num_scales : int
    full_circle : bool
        The angle steps wrap around (360 deg searched).
    fft_shape : (int, int)
        Padded image size ``(n1, n2)`` the spectra are for.
    angle_factor : float
        Angle step in units of the standard one (:func:`angle_factor`).
    """

    spec: np.ndarray
    angles: np.ndarray
    scales: np.ndarray
    num_angles: int
    num_scales: int
    full_circle: bool
    fft_shape: tuple[int, int]
    angle_factor: float = 1.0

    @property
    def nbytes(self) -> int:
        """Memory held by the spectra, bytes."""
        return int(self.spec.nbytes)


def build_bank(points: np.ndarray, dirs: np.ndarray, top: int, steps: tuple[np.ndarray, np.ndarray],
               doubled: bool, shape: tuple[int, int], full_circle: bool,
               factor: float = 1.0) -> KernelBank:
    """Kernel spectra of the top-level model for a padded image of ``shape`` (n1, n2).

    Parameters
    ----------
    points, dirs : ndarray (N, 2)
        Top-level model points (level-0 px relative to the origin) and unit directions.
    top : int
        The level searched.
    steps : (angles, scales)
        From :func:`top_steps`.
    doubled : bool
        Doubled-angle directions (``polarity="ignore_local"``).
    shape : (n1, n2)
        FFT size.
    full_circle : bool
        The angle range covers 360 deg.
    factor : float
        The angle-step factor ``steps`` were made with (recorded in the bank).
    """
    import scipy.fft as sfft

    A, S = steps
    K = len(A)
    pts = points / 2 ** top                                         # level-top px, rel. origin
    n1, n2 = shape
    c, s = np.cos(A)[:, None], np.sin(A)[:, None]
    qx = S[:, None] * (c * pts[None, :, 0] - s * pts[None, :, 1])
    qy = S[:, None] * (s * pts[None, :, 0] + c * pts[None, :, 1])
    dx = c * dirs[None, :, 0] - s * dirs[None, :, 1]
    dy = s * dirs[None, :, 0] + c * dirs[None, :, 1]
    if doubled:
        dx, dy = dx * dx - dy * dy, 2 * dx * dy
    npts = pts.shape[0]
    x0 = np.floor(qx).astype(np.int64)
    y0 = np.floor(qy).astype(np.int64)
    fx, fy = qx - x0, qy - y0
    ker = np.zeros((K, 2, n1 * n2), np.float64)
    kidx = np.repeat(np.arange(K), npts)
    for ox, oy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                        (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        flat = ((y0 + oy) % n1) * n2 + ((x0 + ox) % n2)
        for ch, dv in ((0, dx), (1, dy)):
            np.add.at(ker[:, ch], (kidx, flat.ravel()), (wgt * dv / npts).ravel())
    ker = ker.reshape(K, 2, n1, n2).astype(np.float32)
    ns = len(np.unique(S))
    return KernelBank(np.conj(sfft.rfft2(ker)), A, S, K // ns, ns, full_circle, (n1, n2),
                      float(factor))


class BankCache:
    """The last few kernel banks of a model, keyed by ``(top, fft_shape)``; thread-safe.

    A search reads from it and may add to it; it memoises, it holds no search result.
    """

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._banks: dict = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], KernelBank]) -> KernelBank:
        """The bank for ``key``, built by ``make()`` on a miss (the oldest one is dropped)."""
        with self._lock:
            bank = self._banks.get(key)
        if bank is None:
            bank = make()
            with self._lock:
                while len(self._banks) >= self._size:
                    self._banks.pop(next(iter(self._banks)))
                self._banks[key] = bank
        return bank

    def values(self) -> list[KernelBank]:
        """The cached banks."""
        with self._lock:
            return list(self._banks.values())


def fft_shape(field_shape: tuple[int, int], reach: int) -> tuple[int, int]:
    """FFT size for a top-level field of ``field_shape`` and a kernel reaching ``reach`` px.

    One margin of ``reach`` suffices for a circular correlation: an output position ``p`` in
    the field reads ``p + k`` for ``|k| <= reach``; below 0 that wraps to ``n + p + k >= n -
    reach``, which lies in the zero margin, and above it never passes ``n - 1``.
    """
    import scipy.fft as sfft

    ht, wt = field_shape
    return (sfft.next_fast_len(ht + reach, real=True),
            sfft.next_fast_len(wt + reach, real=True))


def correlate(field: np.ndarray, bank: KernelBank, absolute: bool, workers: int = 1) -> np.ndarray:
    """Score volume of every (angle, scale) step at every top-level position.

    Parameters
    ----------
    field : ndarray (ht, wt, 2) float32
        Spread top-level direction field.
    bank : KernelBank
    absolute : bool
        Absolute value of the mean cosine (``polarity="ignore_global"``).
    workers : int
        Threads of the inverse FFTs, split over the (angle, scale) steps.

    Returns
    -------
    ndarray (K, ht, wt) float32
    """
    import scipy.fft as sfft

    ht, wt = field.shape[:2]
    K = len(bank.angles)
    n1, n2 = bank.fft_shape
    padded = np.zeros((2, n1, n2), np.float32)
    padded[:, :ht, :wt] = np.moveaxis(field, 2, 0)
    fspec = sfft.rfft2(padded)
    vol = np.empty((K, ht, wt), np.float32)
    chunk = max(1, int(4_000_000 // (n1 * n2)))
    for k0 in range(0, K, chunk):  # chunks bound memory; each is one batched FFT
        sp = bank.spec[k0:k0 + chunk]
        prod = sp[:, 0] * fspec[0] + sp[:, 1] * fspec[1]
        # irfft2 by axes, the last (real) transform only for the ht rows kept: 25 % fewer
        cols = sfft.ifft(prod, axis=1, overwrite_x=True, workers=workers)[:, :ht]
        vol[k0:k0 + chunk] = sfft.irfft(cols, n=n2, axis=2, workers=workers)[:, :, :wt]
    if absolute:
        np.abs(vol, out=vol)
    return vol


def mask_roi(vol: np.ndarray, roi: Sequence[float], top: int) -> None:
    """Set the score of positions whose level-0 origin lies outside ``roi`` (x0, y0, x1, y1)
    to -1, in place (``vol`` is the search's own volume)."""
    ht, wt = vol.shape[1:]
    lo = np.ceil(_base_to_level(np.array([roi[0], roi[1]]), top)).astype(int)
    hi = np.floor(_base_to_level(np.array([roi[2], roi[3]]), top)).astype(int)
    m = np.zeros((ht, wt), bool)
    m[max(lo[1], 0):max(hi[1] + 1, 0), max(lo[0], 0):max(hi[0] + 1, 0)] = True
    vol[:, ~m] = -1.0


def top_candidates(vol: np.ndarray, bank: KernelBank, top: int, threshold: float,
                   n_track: int, best: np.ndarray | None = None) -> PoseBatch:
    """Candidates from the score volume: at each spatial peak of the best-over-steps map, every
    step that is a local maximum along angle and scale and reaches 70 % of that peak, or any
    step within 85 % of it (a near-periodic contour such as a gear is sampled at about 2 steps
    per period: its peaks alias); of the steps of one angle at one peak only the best scale.

    Parameters
    ----------
    vol : ndarray (K, ht, wt)
        From :func:`correlate`.
    bank : KernelBank
    top : int
        The level searched (positions are returned in level-0 px).
    threshold : float
        Lowest top-level score of a candidate.
    n_track : int
        Spatial peaks examined; at most ``2 * n_track`` candidates are returned, best first.
    best : ndarray (ht, wt), optional
        ``vol.max(axis=0)`` when the caller has it.

    Returns
    -------
    PoseBatch
        Scores are the top-level scores.
    """
    from scipy import ndimage

    na, ns = bank.num_angles, bank.num_scales
    best = vol.max(axis=0) if best is None else best
    sp = (best >= threshold) & (best >= ndimage.maximum_filter(best, size=3))
    yy, xx = np.nonzero(sp)
    if len(yy) == 0:
        return PoseBatch.empty()
    order = np.argsort(-best[yy, xx])[:n_track]
    yy, xx = yy[order], xx[order]
    prof = vol[:, yy, xx].reshape(na, ns, -1)                     # (na, ns, P)
    a_mode = "wrap" if bank.full_circle else "nearest"
    pm = ndimage.maximum_filter(prof, size=(3, 3, 1), mode=(a_mode, "nearest", "nearest"))
    near = best[yy, xx][None, None, :]
    ok = (prof >= threshold) & (((prof >= pm) & (prof >= 0.7 * near)) | (prof >= 0.85 * near))
    ia, is_, ip = np.nonzero(ok)
    kk = ia * ns + is_
    score = prof[ia, is_, ip]
    order = np.argsort(-score, kind="stable")
    # one scale per peak and angle (the best): the tracking searches the scale anyway, and a
    # second scale at the same angle would repeat the same angle search
    _, first = np.unique((ip * na + ia)[order], return_index=True)
    order = order[np.sort(first)][:2 * n_track]
    kk, ip, score = kk[order], ip[order], score[order]
    xy = _level_to_base(np.stack([xx[ip], yy[ip]], 1).astype(np.float64), top)
    return PoseBatch.from_arrays(xy[:, 0], xy[:, 1], bank.angles[kk], bank.scales[kk], score)
