"""Compiled (numba) kernel of profile sampling; imported only through :mod:`metrology._accel`.

:func:`gather_mean` computes what :func:`metrology.image._taps._gather` and the mean across
each caliper's width compute (``sample_profiles``), per sample point in a compiled loop, in
the same order and precision (float32 coefficients and weights stay float32 until the mean, as
there); :func:`spline_taps` what :func:`metrology.image._taps._taps` computes for the
B-spline in float32 (a new caliper pose's sampling plan), the same operations in the same
precision, so the same taps.  ``cache=True`` and explicit signatures: compiled once per machine, loaded from
numba's cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["gather_mean", "supports", "spline_taps"]

_FLAT = ("f8", "f4", "u1", "u2")
_SIGS = [f"f8[:, ::1]({f}[::1], i8[::1], i8[::1], i8[::1], f8[:, ::1], f8[:, ::1], i8, i8)"
         for f in _FLAT]
_SIGS.append("f8[:, ::1](f4[::1], i8[::1], i8[::1], i8[::1], f4[:, ::1], f4[:, ::1], i8, i8)")
_KINDS = {(np.dtype(f), np.dtype(np.float64)) for f in _FLAT} | {
    (np.dtype(np.float32), np.dtype(np.float32))}


def supports(src: np.ndarray, taps: tuple) -> bool:
    """Whether :func:`gather_mean` has a specialisation for these arrays (else the NumPy
    gather runs)."""
    base, ox, oy, wx, wy = taps
    arrays = (src, base, ox, oy, wx, wy)
    return ((src.dtype, wx.dtype) in _KINDS and wy.dtype == wx.dtype
            and base.dtype == ox.dtype == oy.dtype == np.int64
            and all(a.flags.c_contiguous and a.flags.writeable for a in arrays))


@njit(cache=True, nogil=True, inline="always")
def _row4(flat, b, x1, x2, x3, wx, n):  # pragma: no cover - compiled
    """One row of a 4 x 4 kernel: ``sum_i flat[b + ox[i]] * wx[i, n]`` (``ox[0]`` is 0), in
    the order of the general loop."""
    acc = flat[b] * wx[0, n]
    acc += flat[b + x1] * wx[1, n]
    acc += flat[b + x2] * wx[2, n]
    acc += flat[b + x3] * wx[3, n]
    return acc


@njit(_SIGS, cache=True, nogil=True)
def gather_mean(flat, base, ox, oy, wx, wy, k, m):  # pragma: no cover - compiled
    """Profile values (K, L) from the taps of N = K * M * L sample points: point ``n`` sums
    ``flat[base[n] + oy[j] + ox[i]] * wx[i, n]`` over i, times ``wy[j, n]``, over j; then the
    mean over the M samples across each caliper, in float64.

    The 4 x 4 kernels (cubic, B-spline) are unrolled (2.2x faster than the general loop on
    the finders' calipers, the same operations in the same order); points are visited in
    their (K, M, L) order, so no index arithmetic per point."""
    n_pts = base.size
    ll = n_pts // (k * m)
    out = np.zeros((k, ll))
    nx, ny = ox.size, oy.size
    four = nx == 4 and ny == 4 and ox[0] == 0
    n = 0
    for kk in range(k):
        for _ in range(m):
            for i in range(ll):
                b = base[n]
                if four:
                    tot = _row4(flat, b + oy[0], ox[1], ox[2], ox[3], wx, n) * wy[0, n]
                    tot += _row4(flat, b + oy[1], ox[1], ox[2], ox[3], wx, n) * wy[1, n]
                    tot += _row4(flat, b + oy[2], ox[1], ox[2], ox[3], wx, n) * wy[2, n]
                    tot += _row4(flat, b + oy[3], ox[1], ox[2], ox[3], wx, n) * wy[3, n]
                else:
                    tot = flat[b + oy[0] + ox[0]] * wx[0, n]
                    for q in range(1, nx):
                        tot += flat[b + oy[0] + ox[q]] * wx[q, n]
                    tot *= wy[0, n]
                    for j in range(1, ny):
                        acc = flat[b + oy[j] + ox[0]] * wx[0, n]
                        for q in range(1, nx):
                            acc += flat[b + oy[j] + ox[q]] * wx[q, n]
                        acc *= wy[j, n]
                        tot += acc
                out[kk, i] += np.float64(tot)
                n += 1
    inv = 1.0 / m
    for kk in range(k):
        for i in range(ll):
            out[kk, i] *= inv
    return out


_TAPS_SIG = "Tuple((i8[::1], f4[:, ::1], f4[:, ::1]))(f8[:, ::1], i8, i8)"
_SIXTH = np.float32(1.0 / 6.0)
_TWO_THIRDS = np.float32(2.0 / 3.0)


@njit(cache=True, nogil=True, inline="always")
def _weights4(t, wts, a, i):  # pragma: no cover - compiled
    """The 4 cubic B-spline weights of float32 fraction ``t`` into ``wts[a, :, i]``
    (``_taps._spline_weights``' operations in float32)."""
    t2 = t * t
    t3 = t2 * t
    u = np.float32(1.0) - t
    w0 = u * u * u * _SIXTH
    w1 = _TWO_THIRDS - t2 + np.float32(0.5) * t3
    w3 = t3 * _SIXTH
    wts[a, 0, i] = w0
    wts[a, 1, i] = w1
    wts[a, 2, i] = np.float32(1.0) - w0 - w1 - w3
    wts[a, 3, i] = w3


@njit(_TAPS_SIG, cache=True, nogil=True)
def spline_taps(q, h, w):  # pragma: no cover - compiled
    """Cubic B-spline taps of the points ``q`` (2, N) (x, y) on an image of ``h`` x ``w``
    (``_taps(.., "spline", f32=True)``): the flat index of each point's first tap (N,) and
    the float32 weights of its 4 taps along x and along y (4, N) each."""
    n = q.shape[1]
    base = np.empty(n, dtype=np.int64)
    wts = np.empty((2, 4, n), dtype=np.float32)
    lim_x = float(w - 3)
    lim_y = float(h - 3)
    for i in range(n):
        x = q[0, i]
        y = q[1, i]
        ix = int(min(np.floor(x), lim_x))
        iy = int(min(np.floor(y), lim_y))
        _weights4(np.float32(x - ix), wts, 0, i)
        _weights4(np.float32(y - iy), wts, 1, i)
        base[i] = (iy - 1) * w + (ix - 1)
    return base, wts[0], wts[1]
