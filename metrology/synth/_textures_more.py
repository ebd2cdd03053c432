"""More textures and layouts of :mod:`metrology.synth.surfaces` (private: split off to keep that
module within its size limit; reached through :func:`~metrology.synth.surfaces.make_texture`
and :func:`~metrology.synth.surfaces.layout_features`).

``lapped``  random-orbit lapped / polished face (:func:`lapped_texture`): many short, faint,
            curved swirl arcs (radius of curvature 15-60 px, 10-40 px long, 0.6-1 px wide, of
            random orientation, bend and sign) overlapping densely, over a low fine haze grain
            and slow mottling.

``hub``     layout (:func:`hub_layout`): a round-ish machined part on the rectangular plate, a
            large central bore, a bolt circle of six small holes around it and a short keyway
            slot at the bore's top.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: swirl widths (Gaussian sigma, px): each arc is drawn with one of them
_ARC_WIDTHS = (0.6, 0.8, 1.0)


def _arc_points(g: np.random.Generator, n: int, h: int, w: int):
    """Sample points (x, y, amplitude, width bin) of ``n`` random circular arcs, 0.5 px apart
    along each: centres anywhere in the image (and up to 20 px beyond it), heading uniform,
    curvature ``+-1/R`` with R in 15-60 px, length 10-40 px, tapered at both ends."""
    cx, cy = g.uniform(-20, w + 20, n), g.uniform(-20, h + 20, n)
    head = g.uniform(0.0, 2 * np.pi, n)
    k = g.choice([-1.0, 1.0], n) / g.uniform(15.0, 60.0, n)
    length = g.uniform(10.0, 40.0, n)
    amp = g.choice([-1.0, 1.0], n) * g.uniform(0.4, 1.0, n)
    wbin = g.integers(0, len(_ARC_WIDTHS), n)
    s = np.arange(-20.0, 20.25, 0.5)[None, :]               # arc length from the middle, px
    keep = np.abs(s) <= length[:, None] / 2.0               # (n, 81): each arc's own samples
    th = head[:, None] + k[:, None] * s
    x = cx[:, None] + (np.sin(th) - np.sin(head)[:, None]) / k[:, None]
    y = cy[:, None] - (np.cos(th) - np.cos(head)[:, None]) / k[:, None]
    taper = np.sqrt(np.cos(np.pi * np.clip(s / length[:, None], -0.5, 0.5)))
    a = amp[:, None] * taper
    return x[keep], y[keep], a[keep], np.broadcast_to(wbin[:, None], keep.shape)[keep]


def lapped_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Random-orbit lapped / polished face: about one swirl arc per 40 px (radius of curvature
    15-60 px, 10-40 px long, Gaussian width 0.6-1 px, random heading, bend and sign, tapered
    ends) splatted bilinearly and blurred per width, over a fine haze grain (sigma 0.6 px) and
    a slow mottling (sigma 18 px).  Zero mean, unit standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    n = max(1, int(round((h + 40) * (w + 40) / 40.0)))
    x, y, a, wb = _arc_points(g, n, h, w)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    swirls = np.zeros((h, w))
    for b, sigma in enumerate(_ARC_WIDTHS):
        acc = np.zeros((h + 2) * (w + 2))
        for dy, dx, wt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                           (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
            r, c = y0 + dy + 1, x0 + dx + 1                    # one pixel of margin each side
            ok = (wb == b) & (r >= 0) & (r < h + 2) & (c >= 0) & (c < w + 2)
            acc += np.bincount(r[ok] * (w + 2) + c[ok], weights=(a * wt)[ok],
                               minlength=acc.size)
        swirls += ndimage.gaussian_filter(acc.reshape(h + 2, w + 2), sigma)[1:-1, 1:-1]
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 18.0, mode="wrap"))
    return _unit(_unit(swirls) + 0.35 * haze + 0.3 * low)


def hub_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hub`` layout in model pixels (origin at the image centre), on the plate ``base``
    (``half`` and ``corner``): a central bore of radius 0.13 x the smaller side, six holes of
    0.035 on a bolt circle of radius 0.3 (at 0, 60, ... 300 degrees, so none is above the bore)
    and a vertical keyway slot reaching 0.055 above the bore's top edge."""
    h, w = shape
    s = float(min(h, w))
    bore = 0.13 * s
    holes = [((0.0, 0.0), bore)]
    holes += [((float(0.3 * s * np.cos(t)), float(0.3 * s * np.sin(t))), 0.035 * s)
              for t in np.deg2rad(np.arange(0.0, 360.0, 60.0))]
    keyway = ((0.0, -(bore + 0.01 * s)), 0.025 * s, 0.02 * s, 90.0)
    return dict(base, holes=holes, slots=[keyway])
