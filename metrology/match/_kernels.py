"""Compiled (numba) kernel of pose scoring; imported only through :mod:`metrology._accel`.

:func:`score_batch` computes what :func:`metrology.match.track.score_poses` computes with one
``cv2.remap`` and two products, in one loop over poses and points without the (n, P, 2) map
and sample arrays: each model point is placed in float32 as there, its coordinates are
rounded to 1/32 px and the two channels interpolated with the bilinear weights of that grid,
as ``cv2.remap`` (``INTER_LINEAR``, ``BORDER_CONSTANT`` 0) does with a float map; the sums over
the points are then accumulated in float64.  The NumPy path sums in float32 (einsum), so the
scores agree to ~1e-6 (held by ``tests/match/test_match_accel.py``).  ``cache=True`` and an
explicit signature: compiled once per machine, loaded from numba's cache afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["score_batch"]

_SIG = ("f8[::1](f4[:, :, ::1], f4[:, ::1], f4[:, ::1], f8[::1], f8[::1], f8[::1], f8[::1], "
        "f8[::1], f8, f8, f8, i8)")


@njit(_SIG, cache=True, nogil=True)
def score_batch(unit, pts, dirs, xs, ys, scale, c, s, f, ox, oy, mode):  # pragma: no cover
    """Scores (P,) of P poses (level-0 ``xs``, ``ys``, ``scale``, ``c`` = cos and ``s`` = sin of
    the angle) on the field ``unit`` (H, W, 2) of the level with ``f = 2 ** level`` whose
    top-left sample is level pixel (``ox``, ``oy``).  Point ``i`` of pose ``p`` sits at
    ``[px, py, 1] @ coef`` with the float32 coefficients of ``track.score_poses``; ``mode`` 0:
    mean cosine ``(c S1 + s S2) / n`` (the caller clips or takes its absolute value), 1: mean
    absolute cosine (``ignore_local``)."""
    h, w = unit.shape[0], unit.shape[1]
    n = pts.shape[0]
    npose = xs.shape[0]
    out = np.empty(npose)
    inv32 = np.float32(1.0 / 32.0)
    one = np.float32(1.0)
    off = (f - 1.0) / 2.0
    for p in range(npose):
        cp, sp = c[p], s[p]
        a0 = np.float32(scale[p] * cp / f)
        a1 = np.float32(scale[p] * sp / f)
        b0 = -a1
        b1 = a0
        t0 = np.float32((xs[p] - off) / f - ox)
        t1 = np.float32((ys[p] - off) / f - oy)
        s1 = 0.0
        s2 = 0.0
        sa = 0.0
        for i in range(n):
            px, py = pts[i, 0], pts[i, 1]
            x = px * a0 + py * b0 + t0
            y = px * a1 + py * b1 + t1
            xi = np.int64(np.rint(x * np.float32(32.0)))
            yi = np.int64(np.rint(y * np.float32(32.0)))
            x0 = xi >> 5
            y0 = yi >> 5
            fx = np.float32(xi & 31) * inv32
            fy = np.float32(yi & 31) * inv32
            w00 = (one - fy) * (one - fx)
            w01 = (one - fy) * fx
            w10 = fy * (one - fx)
            w11 = fy * fx
            ux = np.float32(0.0)
            uy = np.float32(0.0)
            if 0 <= x0 < w - 1 and 0 <= y0 < h - 1:
                ux = (unit[y0, x0, 0] * w00 + unit[y0, x0 + 1, 0] * w01
                      + unit[y0 + 1, x0, 0] * w10 + unit[y0 + 1, x0 + 1, 0] * w11)
                uy = (unit[y0, x0, 1] * w00 + unit[y0, x0 + 1, 1] * w01
                      + unit[y0 + 1, x0, 1] * w10 + unit[y0 + 1, x0 + 1, 1] * w11)
            elif -1 <= x0 < w and -1 <= y0 < h:   # a tap or more outside: the border's 0
                for dy in range(2):
                    yy = y0 + dy
                    if yy < 0 or yy >= h:
                        continue
                    for dx in range(2):
                        xx = x0 + dx
                        if xx < 0 or xx >= w:
                            continue
                        wt = (fy if dy else one - fy) * (fx if dx else one - fx)
                        ux += unit[yy, xx, 0] * wt
                        uy += unit[yy, xx, 1] * wt
            dxi, dyi = dirs[i, 0], dirs[i, 1]
            e1 = np.float64(ux * dxi + uy * dyi)
            e2 = np.float64(uy * dxi - ux * dyi)
            if mode == 1:
                sa += abs(cp * e1 + sp * e2)
            else:
                s1 += e1
                s2 += e2
        out[p] = sa / n if mode == 1 else (cp * s1 + sp * s2) / n
    return out
