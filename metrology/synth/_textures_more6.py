"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 24's pieces, keeping :mod:`metrology.synth._textures_more5` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``electropolished`` an electropolished stainless face (:func:`electropolished_texture`): near
             mirror-smooth grains of the metal (a Voronoi mosaic, :func:`polish_grains`, grains
             14-24 px across), all of almost one level (the polish levels them: a grain's own
             level varies by a fifth of the relief's scale only, unlike ``spangle``'s grains of
             their own brightness), seen by the thin dark grooves the polish etches along their
             boundaries (about 1 px wide), under a faint slow orange-peel waviness and a very
             fine haze.  The first texture whose relief is a network of thin lines.

``hexplate`` layout (:func:`hexplate_layout`): a hexagonal flange plate (a hex nut's or a
             hexagonal mounting flange's outline): a regular hexagon with flats at its top and
             bottom, corners rounded (:func:`sd_hexplate`, the plate's ``"hexa"``), a round
             central bore and six bolt holes on a circle, one towards each corner (``missing``
             leaves out a bolt hole only, never the bore).  The first outline with six edges,
             four of them at 60 degrees to the image's axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

#: the electropolished grains: their spacing (px, the range drawn per part), the grooves'
#: width (the Gaussian's sigma across a boundary, px) and the grains' own level (x the groove)
POLISH_GRAIN, POLISH_GROOVE, POLISH_LEVEL = (14.0, 24.0), 0.7, 0.2


def polish_grains(g: np.random.Generator, h: int, w: int) -> dict:
    """The grains of an electropolished face of ``h`` x ``w`` px: seeds on a jittered grid of
    spacing ``cell`` (:data:`POLISH_GRAIN`, per part; each moved by up to 0.5 of it) over the
    image and one cell beyond it; each pixel's grain (``"label"``, the nearest seed's index)
    and its distance to the grain's boundary (``"edge"``, px: half the difference of its
    distances to the nearest and the second-nearest seeds, exact for a Voronoi edge between
    the two).  Returns ``{"cell", "seeds", "label", "edge"}``."""
    cell = float(g.uniform(*POLISH_GRAIN))
    ky, kx = int(np.ceil(h / cell)) + 2, int(np.ceil(w / cell)) + 2
    gv, gu = np.mgrid[-1:ky, -1:kx].astype(np.float64) * cell
    seeds = np.c_[gu.ravel(), gv.ravel()] + g.uniform(-0.5, 0.5, (gu.size, 2)) * cell
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    d, i = cKDTree(seeds).query(np.c_[xx.ravel(), yy.ravel()], k=2)
    edge = 0.5 * (d[:, 1] - d[:, 0])
    return {"cell": cell, "seeds": seeds, "label": i[:, 0].reshape(h, w),
            "edge": edge.reshape(h, w)}


def electropolished_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Electropolished face: ``-exp(-edge^2 / 2 POLISH_GROOVE^2)`` (the grain-boundary grooves
    of :func:`polish_grains`, 1 deep) plus each grain's own level (:data:`POLISH_LEVEL` x a
    standard normal per grain), plus 0.15 of a slow orange peel (white noise smoothed by a
    Gaussian of 0.3 x the grain spacing, to unit spread) and 0.05 of a fine haze (0.6 px).
    Vectorised (one nearest-two-seeds query).  Zero mean, unit standard deviation, per
    part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    gr = polish_grains(g, h, w)
    groove = np.exp(-0.5 * (gr["edge"] / POLISH_GROOVE) ** 2)
    level = POLISH_LEVEL * g.standard_normal(len(gr["seeds"]))[gr["label"]]
    peel = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.3 * gr["cell"],
                                         mode="wrap"))
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(level - groove + 0.15 * peel + 0.05 * haze)


#: the hexagonal plate: its corners' radius, the bore's and the bolt holes' radii and the
#: bolt circle's radius (x the smaller side), how many bolt holes
HEX_CORNER, HEX_BORE, HEX_HOLE, HEX_RING, HEX_HOLES = 0.03, 0.075, 0.03, 0.29, 6


def sd_hexplate(u, v, lay):
    """Signed distance (px, negative inside; exact) to the hexagonal plate's outline of
    ``lay`` (``"hexa"``: ``(a, r)``): the regular hexagon of apothem ``a - r`` with flats at
    its top and bottom (``v = +-(a - r)``), grown by ``r`` (its corners rounded to ``r``; its
    flats at ``+-a``).  The hexagon's distance folds the point into one sixth of it (the
    usual exact construction)."""
    a, r = lay["hexa"]
    k = a - r
    kx, ky, kz = -0.8660254037844386, 0.5, 0.5773502691896258
    px, py = np.abs(u), np.abs(v)
    dot = np.minimum(kx * px + ky * py, 0.0)
    px, py = px - 2.0 * dot * kx, py - 2.0 * dot * ky
    px = px - np.clip(px, -kz * k, kz * k)
    py = py - k
    return np.hypot(px, py) * np.sign(py) - r


def hexplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hexplate`` layout in model pixels (origin at the image centre) on the plate
    ``base``: a regular hexagon with flats at its top and bottom of apothem ``a`` (the
    smaller of the plate's half height and its half width x cos 30 degrees: its corners at
    ``+-a / cos 30`` on the horizontal axis), corners rounded to :data:`HEX_CORNER` s
    (``"hexa"``: ``(a, r)``, the outline of :func:`sd_hexplate`), a round central bore of
    radius :data:`HEX_BORE` s (a window rounded to its half size) and :data:`HEX_HOLES` bolt
    holes of radius :data:`HEX_HOLE` s on a circle of :data:`HEX_RING` s at 0, 60, ... 300
    degrees (one towards each corner).  Holes first (the bolt holes), the bore.
    ``"keep_windows"``: a ``missing`` part leaves out a bolt hole only."""
    h, w = shape
    s = float(min(h, w))
    hx, hy = base["half"]
    apothem = float(min(hy, hx * np.cos(np.pi / 6.0)))
    ring, bore = HEX_RING * s, HEX_BORE * s
    holes = [((float(ring * np.cos(t)), float(ring * np.sin(t))), HEX_HOLE * s)
             for t in np.deg2rad(60.0 * np.arange(HEX_HOLES))]
    windows = [((0.0, 0.0), (bore, bore), bore)]
    return dict(base, corner=0.0, hexa=(apothem, HEX_CORNER * s), holes=holes, slots=[],
                windows=windows, keep_windows=True)
