"""Sampling internals of :mod:`metrology.image.profiles`: interpolation taps and weights,
their gather, and the small memo the layouts and sampling plans are kept in."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from .._accel import kernels


class _Memo:
    """A small thread-safe LRU mapping."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            v = self.items.get(key)
            if v is not None:
                self.items.move_to_end(key)
            return v

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


#: Largest argument (elements) a memoised layout is keyed by.
_KEY_MAX_SIZE = 4096


def _layout_key(*args):
    """Exact key of layout arguments (numbers and arrays as float64 bytes), or None when an
    argument is not plainly numeric (the layout function then validates it and raises)."""
    key = []
    for a in args:
        if isinstance(a, (bool, str)) or a is None:
            key.append(a)
            continue
        if type(a) is float:                    # the usual scalars: the same key, cheaper
            key.append(((), a.hex()))
            continue
        if type(a) is np.ndarray and a.dtype == np.float64 and a.size <= _KEY_MAX_SIZE:
            key.append((a.shape, a.tobytes()))
            continue
        try:
            if np.size(a) > _KEY_MAX_SIZE:      # a huge argument is validated, never keyed
                return None
            v = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return None
        key.append((v.shape, v.tobytes()))
    return tuple(key)


def _spline_weights(t):
    """Cubic B-spline weights of the taps at -1, 0, 1, 2 for fractional positions ``t``."""
    t2 = t * t
    t3 = t2 * t
    u = 1.0 - t
    w0 = u * u * u * (1.0 / 6.0)
    w1 = (2.0 / 3.0) - t2 + 0.5 * t3
    w3 = t3 * (1.0 / 6.0)
    return w0, w1, 1.0 - w0 - w1 - w3, w3   # the four weights sum to 1


def _cubic_weights(t):
    """Catmull-Rom (Keys a = -0.5) weights of the taps at -1, 0, 1, 2."""
    t2, t3 = t * t, t * t * t
    return ((-t3 + 2 * t2 - t) * 0.5, (3 * t3 - 5 * t2 + 2) * 0.5,
            (-3 * t3 + 4 * t2 + t) * 0.5, (t3 - t2) * 0.5)


def _planar(points: np.ndarray) -> np.ndarray:
    """Points (..., 2) as a contiguous (2, N) array: rows x and y (the per-point arithmetic
    then runs on both coordinates at once, on contiguous rows)."""
    return np.ascontiguousarray(points.reshape(-1, 2).T)


def _taps(shape, q: np.ndarray, interpolation: str, f32: bool) -> tuple:
    """What :func:`interpolate` gathers for the points ``q`` (2, N) on an image of ``shape``:
    the flat index of each point's first tap (N,), the taps' offsets along x and y (T,), and
    their weights (T, N) (a function of the points alone, so a caliper set sampled again reuses them)."""
    h, w = shape
    if interpolation == "linear":
        lim = np.array([[max(w - 2, 0)], [max(h - 2, 0)]], dtype=np.float64)
        i0 = np.minimum(np.floor(q), lim).astype(np.intp)
        f = q - i0
        return (i0[1] * w + i0[0], np.array([0, 1 if w > 1 else 0]),
                np.array([0, w if h > 1 else 0]), np.stack((1.0 - f[0], f[0])),
                np.stack((1.0 - f[1], f[1])))
    if interpolation == "spline" and f32 and q.dtype == np.float64 and q.flags.c_contiguous:
        kern = kernels("image")         # the same taps, compiled (a new pose's plan)
        if kern is not None:
            base, wx, wy = kern.spline_taps(q, h, w)
            return base, np.arange(4), np.arange(0, 4 * w, w), wx, wy
    i0 = np.minimum(np.floor(q), np.array([[w - 3], [h - 3]], dtype=np.float64)).astype(np.intp)
    weights = _spline_weights if interpolation == "spline" else _cubic_weights
    # float32 coefficients: float32 arithmetic throughout
    wts = weights((q - i0).astype(np.float32) if f32 else q - i0)
    return ((i0[1] - 1) * w + (i0[0] - 1), np.arange(4), np.arange(0, 4 * w, w),
            np.stack([a[0] for a in wts]), np.stack([a[1] for a in wts]))


def _gather(flat: np.ndarray, taps: tuple) -> np.ndarray:
    """Sum of the taps of :func:`_taps` on the flattened image: gathers from shifted views
    with one index array (``take``, about twice as fast as fancy indexing here); a fixed
    small loop over the kernel, not over points."""
    base, ox, oy, wx, wy = taps
    out = None
    for jy, o in enumerate(oy):
        acc = flat[o:].take(base) * wx[0]
        for jx in range(1, len(ox)):
            acc += flat[o + ox[jx]:].take(base) * wx[jx]
        acc *= wy[jy]
        if out is None:
            out = acc
        else:
            out += acc
    return out


def _prefilter_autocorrelation(half: int = 16) -> np.ndarray:
    """Autocorrelation ``r(k)``, ``|k| <= half``, of the cubic B-spline prefilter's impulse
    response ``h(k) = c z^|k|`` (``z = sqrt(3) - 2``, ``c = -6 z / (1 - z^2)``): in closed form
    ``c^2 z^|k| (|k| + (1 + z^2) / (1 - z^2))`` (``r(0) = 2 sqrt(3)``; the FIR kernel of
    :mod:`metrology.image.profiles` matches it to 7e-7; beyond 16 taps it is below 1e-8)."""
    z = np.sqrt(3.0) - 2.0
    k = np.abs(np.arange(-half, half + 1))
    return (6.0 * z / (1.0 - z * z)) ** 2 * z ** k * (k + (1.0 + z * z) / (1.0 - z * z))


def separable_taps(shape, points: np.ndarray, interpolation: str) -> tuple:
    """The interpolation at ``points`` (N, 2) on an image of ``shape`` as separable factors:
    dense tap weights along x and y, ``dx`` (N, nx) and ``dy`` (N, ny), over columns ``x0 +
    arange(nx)`` and rows ``y0 + arange(ny)``, and the covariances ``rx`` (nx, nx), ``ry`` (ny,
    ny) the interpolated image's source carries per axis for unit white pixel noise (the
    Toeplitz matrix of the B-spline prefilter's autocorrelation for "spline", the identity for
    "linear" and "cubic").  A point's weight on pixel ``(x0 + i, y0 + j)`` is ``dx[., i]
    dy[., j]`` (prefilter aside); returns ``(dx, dy, rx, ry, x0, y0)``."""
    q = _planar(np.asarray(points, np.float64))
    base, ox, _, wx, wy = _taps(shape, q, interpolation, False)
    n, taps = q.shape[1], len(ox)
    r = _prefilter_autocorrelation() if interpolation == "spline" else np.ones(1)
    out, origin = [], []
    for i0, w in ((base % shape[1], wx), (base // shape[1], wy)):
        origin.append(int(i0.min()))
        i0 = i0 - origin[-1]
        dense = np.zeros((n, int(i0.max()) + taps))
        dense[np.arange(n)[:, None], i0[:, None] + np.arange(taps)] = w.T
        out.append(dense)
    for dense in list(out):
        lag = np.abs(np.subtract.outer(np.arange(dense.shape[1]), np.arange(dense.shape[1])))
        out.append(np.where(lag <= r.size // 2, r[np.minimum(lag + r.size // 2, r.size - 1)],
                            0.0))
    return (*out, *origin)


def sample_noise_gram(shape, points: np.ndarray, interpolation: str) -> np.ndarray:
    """Covariance (N, N) of the values interpolated at ``points`` (N, 2) from an image of
    ``shape`` whose pixels carry independent noise of unit variance: ``W W^T`` (``W`` the
    interpolation weights, for ``"spline"`` composed with the B-spline prefilter), the
    elementwise product of one factor per axis (:func:`separable_taps`)."""
    dx, dy, rx, ry = separable_taps(shape, points, interpolation)[:4]
    return ((dx @ rx) @ dx.T) * ((dy @ ry) @ dy.T)
