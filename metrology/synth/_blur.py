"""The renderer's optical blur, bit for bit ``scipy.ndimage.gaussian_filter(a, sigma,
mode="nearest", truncate=4.0)`` on float64, without filtering regions that are constant.

Why the shortcut is exact
-------------------------
``gaussian_filter`` is ``gaussian_filter1d`` along axis 0, then along axis 1 on that float64
result (scipy's source; the tests check the equality), each a ``correlate1d`` with radius
``R = int(4.0 * sigma + 0.5)`` samples. Each output of a pass is computed from the ``2R + 1``
inputs around it along the pass's axis with the same weights in the same order, whatever its
position (``mode="nearest"`` only decides which inputs fill the line beyond the array's ends).
Hence, for either pass:

* **Constant neighbourhoods.** Where the ``2R + 1`` inputs of an output all hold the same
  float64 ``v`` (same bits), the output is one number ``C(v)`` -- ``C0(v)`` after the first
  pass, ``C(v) = C1(C0(v))`` after both. It is taken from the filter itself, by filtering a
  1 x 1 array holding ``v`` with the same call, never from a formula, so it carries the very
  rounding of the full filter. "Same value" means the same bits: ``-0.0`` and ``0.0`` are not
  one value (their outputs differ in sign).
* **Blocks with a margin.** Filtering on its own a block that extends R samples beyond a
  rectangle along the pass's axis (clipped to the array) gives the rectangle's outputs
  exactly, as each needs only inputs within R along that axis. Where the block is clipped,
  its edge *is* the array's edge, and ``mode="nearest"`` extends both alike. (A 2-D block
  for both passes at once would need R of margin on all four sides; that cost as much as
  skipping saved on the generator's parts, so each pass has its own blocks.)

Both claims were checked by experiment before use, and are by
``tests/anomaly/test_render_blur.py``: the margin claim on its own (R - 1 is not exact), the
module's output against the plain filter (it fails when a tile's constancy window falls short
by a sample). The blocks below end next to tiles whose windows are constant, so their margin
is belt and braces: the extension beyond a block's cut edge equals what lies there.

So the array is cut into tiles of ``_CELL * _TILE_CELLS`` samples. First pass: a tile whose
columns, R rows above and below included, hold one value gets ``C0(v)``; the other tiles,
grouped into runs down each tile column, are filtered along axis 0 with R rows of margin.
Second pass: a tile gets ``C(v)`` when it and the tiles within R samples to its left and right
were constant in the first pass with the same ``v`` (so its first-pass rows there are all
``C0(v)``); the others, grouped into runs along tile rows, are filtered along axis 1 with R
columns of margin from the first pass's output. When few tiles are constant (smooth
radiance, calibration boards) the plain filter runs, after a glance at one sample per cell
that costs a few hundredths of the filter.
"""

from __future__ import annotations

import numpy as np
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
    return _tiles(lo, _cells(_cells(bits, np.maximum), np.maximum), radius)


def _tiles(lo: np.ndarray, hi: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """From the least and greatest bits of each cell, per tile: whether its window (the
    tile's cells and ``radius`` samples of cells above and below) holds one value, and it."""
    k = _TILE_CELLS
    c = -(-radius // _CELL)  # cells of margin covering `radius` samples
    nt, mt = -(-lo.shape[0] // k), -(-lo.shape[1] // k)
    # edge padding repeats the array's own cells, so windows stay clipped to the array
    pad = ((c, nt * k - lo.shape[0] + c), (0, mt * k - lo.shape[1]))
    padded = np.pad(lo, pad, mode="edge")
    hi = padded if hi is lo else np.pad(hi, pad, mode="edge")
    lo, hi = padded.reshape(-1, mt, k).min(axis=2), hi.reshape(-1, mt, k).max(axis=2)
    t_lo, t_hi = lo[:nt * k:k].copy(), hi[:nt * k:k].copy()
    for d in range(1, k + 2 * c):  # rows of cells of each tile's window in turn
        np.minimum(t_lo, lo[d:d + nt * k:k], out=t_lo)
        np.maximum(t_hi, hi[d:d + nt * k:k], out=t_hi)
    return t_lo == t_hi, t_lo


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
    # a glance first, one sample per cell: a field with few constant tiles stops here
    grid = a.view(np.int64)[::_CELL, ::_CELL]
    along = grid[:, 1:] == grid[:, :-1]
    if ((along.size and along.mean() < _MIN_CONSTANT_SHARE)
            or _tiles(grid, grid, radius)[0].mean() < _MIN_CONSTANT_SHARE):
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
