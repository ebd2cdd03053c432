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


def _filter1d(a: np.ndarray, sigma: float, axis: int) -> np.ndarray:
    return ndimage.gaussian_filter1d(a, sigma, axis, mode="nearest", truncate=4.0)


def _constant(v: np.ndarray, sigma: float, axis: int | None) -> float:
    """The output of the filter (one pass along ``axis``, or both when None) wherever its
    input is the float64 of bits ``v``: filtered from a 1 x 1 array by the same call."""
    one = np.full((1, 1), v, dtype=np.int64).view(np.float64)
    return (_filter(one, sigma) if axis is None else _filter1d(one, sigma, axis))[0, 0]


def _cells(x: np.ndarray, op: np.ufunc) -> np.ndarray:
    """``op`` reduced over groups of ``_CELL`` rows (the last group may be shorter), returned
    transposed so that a second call groups the columns."""
    n = x.shape[0] // _CELL * _CELL
    parts = [op.reduce(x[:n].reshape(n // _CELL, _CELL, x.shape[1]), axis=1)] if n else []
    if n < x.shape[0]:
        parts.append(op.reduce(x[n:], axis=0, keepdims=True))
    return np.concatenate(parts).T


def _column_constants(a: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Per tile of ``_CELL * _TILE_CELLS`` samples: whether the tile's columns, extended by
    ``radius`` rows up and down (clipped), hold one float64 bit pattern, and that pattern."""
    bits = a.view(np.int64)
    lo = _cells(_cells(bits, np.minimum), np.minimum)
    hi = _cells(_cells(bits, np.maximum), np.maximum)
    k = _TILE_CELLS
    c = -(-radius // _CELL)  # cells of margin covering `radius` samples
    nt, mt = -(-lo.shape[0] // k), -(-lo.shape[1] // k)
    # edge padding repeats the array's own cells, so windows stay clipped to the array
    pad = ((c, nt * k - lo.shape[0] + c), (0, mt * k - lo.shape[1]))
    win = (k + 2 * c, k)
    lo = sliding_window_view(np.pad(lo, pad, mode="edge"), win)[::k, ::k].min(axis=(2, 3))
    hi = sliding_window_view(np.pad(hi, pad, mode="edge"), win)[::k, ::k].max(axis=(2, 3))
    return lo == hi, lo


def _row_constants(same: np.ndarray, value: np.ndarray, radius: int) -> np.ndarray:
    """Tiles whose rows, extended by ``radius`` columns left and right (clipped), lie in
    tiles of ``same`` with one value: there the first pass's output is one number."""
    q = -(-radius // (_CELL * _TILE_CELLS))
    key = np.where(same, value, 0)
    ok = same.copy()
    for d in range(1, q + 1):
        for s0, s1 in ((slice(d, None), slice(None, -d)), (slice(None, -d), slice(d, None))):
            ok[:, s0] &= same[:, s1] & (key[:, s1] == key[:, s0])
    return ok


def _blocks(varying: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Rectangles ``(i0, i1, j0, j1)`` of tiles covering the True tiles: runs along each tile
    row, a run extended downwards while the next row has the same run."""
    edge = np.diff(np.pad(varying.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edge == 1)  # row-major order: a row's runs in turn
    stops = np.nonzero(edge == -1)[1]
    done, open_ = [], {}  # open_: (j0, j1) -> (first row, last row)
    for i, j0, j1 in zip(rows.tolist(), starts.tolist(), stops.tolist()):
        i0, last = open_.get((j0, j1), (i, i - 1))
        if last != i - 1:
            done.append((i0, last + 1, j0, j1))
            i0 = i
        open_[(j0, j1)] = (i0, i)
    return done + [(i0, last + 1, j0, j1) for (j0, j1), (i0, last) in open_.items()]


def _fill(shape: tuple[int, int], same: np.ndarray, value: np.ndarray,
          constant) -> np.ndarray:
    """An array of ``shape`` holding ``constant(v)`` on each tile of ``same`` (value ``v``);
    the other tiles are left for the caller to fill."""
    t = _CELL * _TILE_CELLS
    consts = np.zeros(same.shape)
    for v in np.unique(value[same]):
        consts[same & (value == v)] = constant(v)
    rows = np.repeat(consts, t, axis=1)[:, :shape[1]]
    out = np.empty(shape)
    for i, row in enumerate(rows):
        out[i * t:(i + 1) * t] = row
    return out


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
    same, value = _column_constants(a, radius)
    if same.mean() < _MIN_CONSTANT_SHARE:
        return _filter(a, sigma)
    t, (n, m) = _CELL * _TILE_CELLS, a.shape
    # first pass, along axis 0: blocks are runs of tiles down a tile column, R rows of margin
    mid = _fill(a.shape, same, value, lambda v: _constant(v, sigma, 0))
    for j0, j1, i0, i1 in _blocks(~same.T):
        r0, r1, c0, c1 = i0 * t, min(n, i1 * t), j0 * t, min(m, j1 * t)
        b0, b1 = max(0, r0 - radius), min(n, r1 + radius)
        mid[r0:r1, c0:c1] = _filter1d(a[b0:b1, c0:c1], sigma, 0)[r0 - b0:r1 - b0]
    # second pass, along axis 1: runs of tiles along a tile row, R columns of margin
    same = _row_constants(same, value, radius)
    out = _fill(a.shape, same, value, lambda v: _constant(v, sigma, None))
    for i0, i1, j0, j1 in _blocks(~same):
        r0, r1, c0, c1 = i0 * t, min(n, i1 * t), j0 * t, min(m, j1 * t)
        d0, d1 = max(0, c0 - radius), min(m, c1 + radius)
        out[r0:r1, c0:c1] = _filter1d(mid[r0:r1, d0:d1], sigma, 1)[:, c0 - d0:c1 - d0]
    return out
