"""Rasterising parts: exact winding-number coverage of polygons on the fine grid, and painting
layers of polygons through the physical renderer (private helpers of :mod:`.parts`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .render import render_scene


# rasterisation: exact x-coverage of each fine sample from its row's edge crossings
def _coverage(rings: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, nsub: int = 4) -> np.ndarray:
    """Winding-number coverage (0..1) of the samples ``(X, Y)`` by the polygons ``rings``."""
    edges_a = np.concatenate([r for r in rings])
    edges_b = np.concatenate([np.roll(r, -1, axis=0) for r in rings])
    xs = X[0]
    ys = Y[:, 0]
    grid = (X.ndim == 2 and X.shape[1] > 1 and X.shape[0] >= 1
            and np.array_equal(X[-1], xs) and np.array_equal(Y[:, -1], ys))
    if not grid:  # arbitrary points: winding number at the point itself
        return _winding(edges_a, edges_b, X, Y)
    hx = float(xs[1] - xs[0])
    hy = float(ys[1] - ys[0]) if len(ys) > 1 else hx
    nrow, ncol = len(ys), len(xs)
    # restrict to edges spanning these rows
    ylo = np.minimum(edges_a[:, 1], edges_b[:, 1])
    yhi = np.maximum(edges_a[:, 1], edges_b[:, 1])
    sel = (yhi >= ys[0] - hy) & (ylo <= ys[-1] + hy) & (yhi > ylo)
    out = np.zeros((nrow, ncol))
    if not np.any(sel):
        return out
    a, b = edges_a[sel], edges_b[sel]
    offs = ((np.arange(nsub) + 0.5) / nsub - 0.5) * hy
    yy = (ys[:, None] + offs[None, :]).ravel()                     # (R,)
    y0, y1 = a[:, 1], b[:, 1]
    up = y1 > y0
    lo = np.where(up, y0, y1)
    hi = np.where(up, y1, y0)
    cross = (yy[:, None] >= lo[None, :]) & (yy[:, None] < hi[None, :])  # half-open rule
    ri, ei = np.nonzero(cross)
    t = (yy[ri] - y0[ei]) / (y1[ei] - y0[ei])
    xc = a[ei, 0] + t * (b[ei, 0] - a[ei, 0])
    sgn = np.where(up[ei], -1.0, 1.0)  # CCW outline (area > 0, y down) goes up on its left side
    # integral of the winding number over each cell [x_j - hx/2, x_j + hx/2]
    left = xs[0] - hx / 2
    pos = (xc - left) / hx
    j = np.floor(pos).astype(np.int64)
    frac_right = 1.0 - (pos - j)
    before = j < 0
    j = np.where(before, 0, j)
    frac_right = np.where(before, 1.0, frac_right)
    keep = j < ncol
    ri, j, frac_right, sgn = ri[keep], j[keep], frac_right[keep], sgn[keep]
    width = ncol + 1
    nR = len(yy)
    d = np.bincount(ri * width + j, weights=sgn * frac_right, minlength=nR * width)
    d += np.bincount(ri * width + j + 1, weights=sgn * (1.0 - frac_right), minlength=nR * width)
    cov = np.cumsum(d.reshape(nR, width), axis=1)[:, :ncol]
    cov = cov.reshape(nrow, nsub, ncol).mean(axis=1)
    return np.clip(cov, 0.0, 1.0)


def _winding(a: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    w = np.zeros(X.shape)
    for (xa, ya), (xb, yb) in zip(a, b):  # loop over polygon edges, arrays over points
        if ya == yb:
            continue
        up = yb > ya
        lo, hi = (ya, yb) if up else (yb, ya)
        inrow = (Y >= lo) & (Y < hi)
        xc = xa + (Y - ya) * (xb - xa) / (yb - ya)
        w += np.where(inrow & (xc < X), -1.0 if up else 1.0, 0.0)
    return np.clip(np.abs(w), 0, 1)


def _render_layers(layers: list[tuple[list[np.ndarray], float]], shape: tuple[int, int],
                   background: float, psf_sigma_px: float, supersample: int) -> np.ndarray:
    """Paint layers (rings, gray value) over ``background``; render only around the layers."""
    h, w = shape
    img = np.full((h, w), float(background))
    if not layers:
        return img
    margin = int(np.ceil(4 * psf_sigma_px + 3))
    boxes = []
    for rings, _ in layers:
        pts = np.concatenate(rings)
        boxes.append([int(np.floor(pts[:, 0].min())) - margin, int(np.floor(pts[:, 1].min())) - margin,
                      int(np.ceil(pts[:, 0].max())) + margin + 1, int(np.ceil(pts[:, 1].max())) + margin + 1])
    boxes = np.array(boxes)
    # group layers whose boxes overlap (their blur interacts), merging until the union boxes
    # of the groups are disjoint; a handful of layers, so plain loops over groups
    groups = [([i], boxes[i].copy()) for i in range(len(layers))]
    merged = True
    while merged:
        merged = False
        for a in range(len(groups)):
            for b in range(a):
                ba, bb = groups[a][1], groups[b][1]
                if ba[0] < bb[2] and bb[0] < ba[2] and ba[1] < bb[3] and bb[1] < ba[3]:
                    box = np.array([min(ba[0], bb[0]), min(ba[1], bb[1]),
                                    max(ba[2], bb[2]), max(ba[3], bb[3])])
                    groups[b] = (groups[b][0] + groups[a][0], box)
                    del groups[a]
                    merged = True
                    break
            if merged:
                break
    for members, box in groups:
        members = sorted(members)
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(w, int(box[2])), min(h, int(box[3]))
        if x1 <= x0 or y1 <= y0:
            continue
        lay = [layers[i] for i in members]

        lay_boxes = boxes[members]

        def radiance(X, Y, lay=lay, x0=x0, y0=y0, lay_boxes=lay_boxes):
            val = np.full(X.shape, float(background))
            ylo, yhi = float(Y.min()) + y0, float(Y.max()) + y0
            for (rings, value), bx in zip(lay, lay_boxes):  # painter's order, a few layers
                if bx[3] < ylo or bx[1] > yhi:
                    continue  # layer outside these rows
                cov = _coverage(rings, X + x0, Y + y0)
                val = val * (1.0 - cov) + value * cov
            return val

        img[y0:y1, x0:x1] = render_scene(radiance, (y1 - y0, x1 - x0), supersample=supersample,
                                         psf_sigma_px=psf_sigma_px)
    return img


