"""The renderer's optical blur, bit for bit ``scipy.ndimage.gaussian_filter(a, sigma,
mode="nearest", truncate=4.0)`` on float64, without filtering regions that are constant.

Why the shortcut is exact
-------------------------
``gaussian_filter`` runs ``correlate1d`` along axis 0, then along axis 1 on that result, with
radius ``R = int(4.0 * sigma + 0.5)`` samples. Each output of a pass is computed from the
``2R + 1`` inputs around it with the same weights in the same order, whatever its position
(``mode="nearest"`` only decides which inputs fill the line beyond the array's ends). Hence:

* **Constant neighbourhoods.** If every input within R samples (along both axes) of an output
  holds the same float64 ``v`` (same bits), the first pass gives one number ``C0(v)`` at every
  sample within R columns of that output, and the second pass gives one number ``C(v)``. ``C(v)``
  is taken from the filter itself -- by filtering a small array filled with ``v`` by the same
  call -- never from a formula, so it carries the very rounding of the full filter.
* **Blocks with a margin.** Filtering on its own a block that extends R samples beyond a
  rectangle on each side (clipped to the array) gives the rectangle's outputs exactly: the
  first pass is exact on rows at least R inside the block's cut edges, and the second pass on
  those rows reads first-pass outputs only within R columns. Where the block is clipped, its
  edge *is* the array's edge, and ``mode="nearest"`` extends both alike.

Both claims were checked by experiment (and are by ``tests/anomaly/test_render_blur.py``,
which also fails with a margin of R - 1). "Same value" means the same bits, so ``-0.0`` and
``0.0`` are not mixed into one constant (they would give outputs of different sign).

So the array is cut into square tiles; a tile whose block (tile plus R, clipped) holds one
value gets ``C(v)``, and the other tiles, merged into runs along rows and then into taller
rectangles where consecutive runs match, are filtered as blocks. When too few tiles are
constant for that to pay (smooth radiance, calibration boards), the plain filter runs.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage

__all__ = ["gaussian_blur_nearest"]

#: Side of the cells whose constancy is tested, in samples.
_CELL = 8
#: Cells per tile side.
_TILE_CELLS = 4
#: Below this share of constant tiles the plain filter is used (the blocks' margins and
#: per-block calls would cost more than they save).
_MIN_CONSTANT_SHARE = 0.25
#: Arrays smaller than this (samples) are filtered plainly.
_MIN_SAMPLES = 4096


def _filter(a: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(a, sigma, mode="nearest", truncate=4.0)


def _cells(x: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op`` reduced over groups of ``_CELL`` rows (the last group may be shorter), returned
    transposed so that a second call groups the columns."""
    n = x.shape[0] // _CELL * _CELL
    parts = [op.reduce(x[:n].reshape(n // _CELL, _CELL, -1), axis=1)]
    if n < x.shape[0]:
        parts.append(op.reduce(x[n:], axis=0, keepdims=True))
    return np.concatenate(parts).T


def _tile_constants(a: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Per tile of ``_CELL * _TILE_CELLS`` samples: whether its block (tile plus ``radius``
    samples, clipped) holds one float64 bit pattern, and that pattern (as int64)."""
    bits = a.view(np.int64)
    lo = _cells(_cells(bits, np.minimum), np.minimum)
    hi = _cells(_cells(bits, np.maximum), np.maximum)
    k = _TILE_CELLS
    c = -(-radius // _CELL)  # cells of margin covering `radius` samples
    nt, mt = -(-lo.shape[0] // k), -(-lo.shape[1] // k)
    # edge padding repeats the array's own cells, so windows stay clipped to the array
    pad = ((c, nt * k - lo.shape[0] + c), (c, mt * k - lo.shape[1] + c))
    win = (k + 2 * c, k + 2 * c)
    lo = sliding_window_view(np.pad(lo, pad, mode="edge"), win)[::k, ::k].min(axis=(2, 3))
    hi = sliding_window_view(np.pad(hi, pad, mode="edge"), win)[::k, ::k].max(axis=(2, 3))
    return lo == hi, lo


def _blocks(varying: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Rectangles ``(i0, i1, j0, j1)`` of tiles covering the True tiles: runs along each tile
    row, a run extended downwards while the next row has the same run."""
    done, open_ = [], {}
    edge = np.diff(np.pad(varying.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    for i in range(varying.shape[0]):
        starts, stops = np.flatnonzero(edge[i] == 1), np.flatnonzero(edge[i] == -1)
        now = {}
        for j0, j1 in zip(starts.tolist(), stops.tolist()):
            now[(j0, j1)] = open_.pop((j0, j1), i)
        done += [(i0, i, j0, j1) for (j0, j1), i0 in open_.items()]
        open_ = now
    done += [(i0, varying.shape[0], j0, j1) for (j0, j1), i0 in open_.items()]
    return done


def gaussian_blur_nearest(a: np.ndarray, sigma: float) -> np.ndarray:
    """``ndimage.gaussian_filter(a, sigma, mode="nearest", truncate=4.0)`` of a 2-D float64
    array, bit for bit, filtering only the tiles whose neighbourhood is not one value."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    radius = int(4.0 * float(sigma) + 0.5)
    if a.ndim != 2 or a.size < _MIN_SAMPLES or not sigma > 1e-15:
        return _filter(a, sigma)
    grid = a.view(np.int64)[::_CELL, ::_CELL]  # a glance first: a smooth field stops here
    if grid.shape[1] < 2 or np.mean(grid[:, 1:] == grid[:, :-1]) < _MIN_CONSTANT_SHARE:
        return _filter(a, sigma)
    same, value = _tile_constants(a, radius)
    if same.mean() < _MIN_CONSTANT_SHARE:
        return _filter(a, sigma)
    t = _CELL * _TILE_CELLS
    n, m = a.shape
    nt, mt = same.shape
    consts = np.zeros(same.shape)
    for v in np.unique(value[same]):
        c = _filter(np.full((1, 1), v, dtype=np.int64).view(np.float64), sigma)[0, 0]
        consts[same & (value == v)] = c
    full = np.empty((nt, t, mt, t))
    full[...] = consts[:, None, :, None]
    out = full.reshape(nt * t, mt * t)[:n, :m]
    for i0, i1, j0, j1 in _blocks(~same):
        r0, r1, c0, c1 = i0 * t, min(n, i1 * t), j0 * t, min(m, j1 * t)
        b0, b1, d0, d1 = max(0, r0 - radius), min(n, r1 + radius), max(0, c0 - radius), \
            min(m, c1 + radius)
        blk = _filter(a[b0:b1, d0:d1], sigma)
        out[r0:r1, c0:c1] = blk[r0 - b0:r1 - b0, c0 - d0:c1 - d0]
    return np.ascontiguousarray(out)
