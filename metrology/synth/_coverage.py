"""Inside/outside fields of signed distances on a renderer's fine grid, evaluated exactly only
near their edges (private helper of ``defects``).

``render_scene`` asks a scene for its radiance on a fine grid of ``supersample`` x
``supersample`` samples per pixel.  A part's face and hole indicators are the signs of signed
distances (to the plate's outline, to its features).  A sample lies less than ``sqrt(2) / 2``
px from its pixel's centre, so an exact signed distance differs between the two by less than
that, and any distance whose slope is at most :data:`MAX_SLOPE` (1.41) by less than
:data:`MARGIN` (1 px): where the centre is more than ``MARGIN`` from the edge, every sample of
the pixel is on the centre's side.  :func:`inside_fields` evaluates each distance at the pixel
centres, takes the centre's side for those pixels, and evaluates the samples of the others.
The holes, slots, windows and the plain and notched plates are exact distances; the other
outlines are checked against evaluating every sample by ``tests/anomaly/
test_coverage_fields.py`` (every layout at two poses) and by the lead's render hashes (every
texture, layout, kind and benchmark set, bit for bit).  The work is about a fifth of
evaluating every sample, which was half of a part's render.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: pixels whose centre lies within this distance of an edge have their samples evaluated
MARGIN = 1.0
#: the steepest a signed distance may change per pixel for :data:`MARGIN` to hold (a sample
#: is at most sqrt(2) / 2 px from its pixel's centre): the exact distances change by 1
MAX_SLOPE = MARGIN / (np.sqrt(2.0) / 2.0)


def _pixel_index(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the pixel centres, each fine coordinate's index among them) of fine sample
    coordinates ``coords`` (pixel centres are at integers, samples within half a pixel)."""
    pix = np.floor(coords + 0.5)
    return np.unique(pix, return_inverse=True)


def inside_fields(X: np.ndarray, Y: np.ndarray,
                  distances: list[Callable[[np.ndarray, np.ndarray], np.ndarray]]
                  ) -> list[np.ndarray]:
    """For each signed distance ``f(x, y)`` (image pixels; negative inside), the boolean field
    ``f(X, Y) <= 0`` on the fine grid ``X, Y`` of ``render_scene`` (a meshgrid: rows of equal
    y, columns of equal x), exactly as evaluating every sample (module docstring).  Any other
    grid is evaluated sample by sample."""
    if X.ndim != 2 or X.shape != Y.shape or X.size == 0 or \
            not (np.all(X == X[:1]) and np.all(Y == Y[:, :1])):
        return [f(X, Y) <= 0 for f in distances]
    cx, ci = _pixel_index(X[0])
    cy, ri = _pixel_index(Y[:, 0])
    CX, CY = np.meshgrid(cx, cy)
    out = []
    for f in distances:
        c = np.asarray(f(CX, CY))
        field = (c <= 0)[ri][:, ci]             # the centre's side, for every sample
        near = (np.abs(c) <= MARGIN)[ri][:, ci]
        if near.any():
            field[near] = np.asarray(f(X[near], Y[near])) <= 0
        out.append(field)
    return out
