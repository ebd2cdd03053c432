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


def _pass_constants(a: np.ndarray, radius: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per tile of ``_CELL * _TILE_CELLS`` samples: whether the tile, extended by ``radius``
    samples both ways along ``axis`` (clipped), holds one float64 bit pattern, and that
    pattern (a C-ordered ``a``)."""
    bits = a.view(np.int64)
    lo = _cells(_cells(bits, np.minimum), np.minimum)
    return _along(lo, _cells(_cells(bits, np.maximum), np.maximum), radius, axis)


def _along(lo: np.ndarray, hi: np.ndarray, radius: int, axis: int):
    """:func:`_tiles` with the windows extended along ``axis`` of the cell grid."""
    if axis == 0:
        return _tiles(lo, hi, radius)
    same, value = _tiles(lo.T, lo.T if hi is lo else hi.T, radius)
    return same.T, value.T


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


def _second_constants(same: np.ndarray, value: np.ndarray, radius: int, axis: int):
    """Tiles whose extension by ``radius`` samples both ways along ``axis`` (clipped) lies in
    tiles of ``same`` with one value: there the first pass's output is one number."""
    if axis == 0:
        return _second_constants(same.T, value.T, radius, 1).T
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


def _fill(out: np.ndarray, same: np.ndarray, value: np.ndarray, constant) -> None:
    """``constant(v)`` into each tile of ``same`` (value ``v``) of ``out``; the other tiles
    are left for the caller."""
    t = _CELL * _TILE_CELLS
    consts = np.zeros(same.shape)
    for v in np.unique(value[same]):
        consts[same & (value == v)] = constant(v)
    rows = np.repeat(consts, t, axis=1)[:, :out.shape[1]]
    for i, row in enumerate(rows):
        out[i * t:(i + 1) * t] = row


def _pass(src: np.ndarray, out: np.ndarray, sigma: float, radius: int, axis: int,
          same: np.ndarray, value: np.ndarray, constant) -> None:
    """One pass along ``axis`` into ``out``: ``constant(v)`` on the tiles of ``same``, the
    others filtered in runs of tiles along ``axis`` with ``radius`` samples of margin."""
    _fill(out, same, value, constant)
    t, size = _CELL * _TILE_CELLS, src.shape
    runs = _blocks(~same) if axis else [(i0, i1, j0, j1) for j0, j1, i0, i1 in _blocks(~same.T)]
    for i0, i1, j0, j1 in runs:
        box = [[i0 * t, min(size[0], i1 * t)], [j0 * t, min(size[1], j1 * t)]]
        lo, hi = box[axis]
        b0, b1 = max(0, lo - radius), min(size[axis], hi + radius)
        take = [slice(*box[0]), slice(*box[1])]
        keep = [slice(None), slice(None)]
        take[axis], keep[axis] = slice(b0, b1), slice(lo - b0, hi - b0)
        out[box[0][0]:box[0][1], box[1][0]:box[1][1]] = \
            _filter1d(src[tuple(take)], sigma, axis)[tuple(keep)]


def gaussian_blur_nearest(a: np.ndarray, sigma: float) -> np.ndarray:
    """``ndimage.gaussian_filter(a, sigma, mode="nearest", truncate=4.0)`` of a 2-D float64
    array, bit for bit (C-ordered, as it returns), filtering only the tiles whose
    neighbourhood is not one value."""
    a = np.asarray(a, dtype=np.float64)
    radius = int(4.0 * float(sigma) + 0.5)
    if a.ndim != 2 or a.size < _MIN_SAMPLES or not sigma > 1e-15:
        return _filter(a, sigma)
    # work on C-ordered memory: a Fortran-ordered array (as the generator's fields are) is
    # used transposed, its axis 0 -- the first pass -- becoming axis 1
    flip = a.flags.f_contiguous and not a.flags.c_contiguous
    x = a.T if flip else np.ascontiguousarray(a)
    first = int(flip)
    # a glance first, one sample per cell: a field with few constant tiles stops here
    grid = x.view(np.int64)[::_CELL, ::_CELL]
    along = grid[:, 1:] == grid[:, :-1]
    if ((along.size and along.mean() < _MIN_CONSTANT_SHARE)
            or _along(grid, grid, radius, first)[0].mean() < _MIN_CONSTANT_SHARE):
        return _filter(a, sigma)
    same, value = _pass_constants(x, radius, first)
    if same.mean() < _MIN_CONSTANT_SHARE:
        return _filter(a, sigma)
    mid = np.empty(x.shape)
    _pass(x, mid, sigma, radius, first, same, value, lambda v: _constant(v, sigma, 0))
    same = _second_constants(same, value, radius, 1 - first)
    res = np.empty(a.shape)  # C-ordered like gaussian_filter's output
    _pass(mid, res.T if flip else res, sigma, radius, 1 - first, same, value,
          lambda v: _constant(v, sigma, None))
    return res
