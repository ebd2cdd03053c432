"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 35's pieces, keeping :mod:`metrology.synth._textures_more16` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``chemmilled`` a chemically milled (etched to depth) aluminium face
             (:func:`chemmilled_texture`): a smooth matte etch grain in which the etchant,
             where it stood longer or the maskant's pinholes let it in early, ate broad
             shallow dishes (:func:`etch_dishes`): round, 12-22 px across, scattered at random
             (one or none to a square cell of 20-24 px), each a flat floor of its own depth
             with a soft wall (about 1.2 px) and a soft raised rim just outside it (the etch
             front's lip, about a third of the depth), overlapping dishes one floor; a slow
             mottle over all.  The first texture of sparse, isolated flat-floored dishes on an
             untouched ground: ``peened``'s and ``hammered``'s cups tile the whole face and are
             shaded bowls, ``dimplearray``'s sit on a strict lattice, ``fisheye`` is a defect.

``splitcollar`` layout (:func:`splitcollar_layout`): a one-piece clamp-type shaft collar seen
             end-on: a ring (outer radius 0.46 x the smaller side, bore 0.15) cut through at
             the bottom by a radial split 0.03 wide (:func:`sd_splitcollar`, the plate's
             ``"collar"``), a clamp screw hole (0.04) beside the split and two axial tapped
             holes (0.03) in the upper half of the wall (any of the three missable).  The
             first outline that is not simply connected and open: a C, its bore joined to the
             background through the split (``endshield``'s and ``rotor``'s rounds are discs
             with holes, ``crescentarm``'s lune has no bore).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage
from scipy.special import erf

#: the dishes: the cell (px), the share of cells holding one, the centres' spread in the
#: cell, their radius (px), depth, wall (the floor's edge, an erf of this sigma, px), the
#: rim's height (x the depth), offset outside the edge and width (px), the grain's weight and
#: blur (px), the mottle's weight and blur (px)
CM_CELL, CM_FILL, CM_SPREAD, CM_RADIUS = (20.0, 24.0), 0.6, (0.2, 0.8), (6.0, 11.0)
CM_DEPTH, CM_WALL, CM_RIM, CM_RIM_AT, CM_RIM_WIDTH = (0.8, 1.2), 1.2, 0.45, 2.0, 1.1
CM_GRAIN, CM_MOTTLE = (0.22, 0.7), (0.12, 12.0)


def etch_dishes(xx, yy, cell, table):
    """The dishes at ``xx``, ``yy`` (px): the floor (``-depth`` inside a dish, 0 off it, the
    edge an erf of sigma :data:`CM_WALL`) and the rim (a Gaussian lip :data:`CM_RIM_AT` px
    outside the edge, :data:`CM_RIM_WIDTH` px wide, :data:`CM_RIM` x the depth, faded
    inside the dish), both of the dish whose edge is farthest inside (or nearest outside):
    where dishes overlap, the one floor of the dish the point is deepest in.  One dish or
    none to a square ``cell`` (px): ``table`` (n, n, 4) holds per cell its centre ``cx, cy``
    (0-1 of the cell), its radius (px; -1000 for none: far from every point) and depth, the
    radius plus the rim's reach at most the cell, so that the nine nearest cells hold every
    dish reaching a point.  Tables are indexed by cell modulo their size."""
    n = table.shape[0]
    flat = table.reshape(n * n, -1)
    ci, cj = np.floor(yy / cell).astype(np.int64), np.floor(xx / cell).astype(np.int64)
    edge = np.full(xx.shape, np.inf)
    depth = np.zeros(xx.shape)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            t = flat[((ci + di) % n) * n + (cj + dj) % n]
            d = np.hypot(xx - (cj + dj + t[..., 0]) * cell, yy - (ci + di + t[..., 1]) * cell)
            u = d - t[..., 2]                               # px outside the dish's edge
            near = u < edge
            np.copyto(edge, u, where=near)
            np.copyto(depth, t[..., 3], where=near)
    ramp = 0.5 * (1.0 - erf(edge / (np.sqrt(2.0) * CM_WALL)))
    lip = CM_RIM * np.exp(-0.5 * ((edge - CM_RIM_AT) / CM_RIM_WIDTH) ** 2)
    return -depth * ramp, depth * lip * (1.0 - ramp)


def chemmilled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A chemically milled face: :func:`etch_dishes` (the cell :data:`CM_CELL`, a dish in
    :data:`CM_FILL` of the cells, its centre :data:`CM_SPREAD` of the cell, radius
    :data:`CM_RADIUS`, depth :data:`CM_DEPTH`) over a matte etch grain (:data:`CM_GRAIN`:
    weight, blur) and a slow mottle (:data:`CM_MOTTLE`).  Zero mean, unit standard deviation,
    per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, n = g.uniform(*CM_CELL), 32
    radius = np.where(g.random((n, n)) < CM_FILL, g.uniform(*CM_RADIUS, (n, n)), -1e3)
    table = np.stack([g.uniform(*CM_SPREAD, (n, n)), g.uniform(*CM_SPREAD, (n, n)), radius,
                      g.uniform(*CM_DEPTH, (n, n))], axis=-1)
    x0, y0 = g.uniform(0.0, n * cell, 2)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), CM_GRAIN[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), CM_MOTTLE[1], mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    floor, rim = etch_dishes(xx + x0, yy + y0, cell, table)
    out = floor + rim + CM_GRAIN[0] * _unit(grain) + CM_MOTTLE[0] * _unit(mottle)
    return _unit(out)


#: the split collar (x the smaller side): the ring's outer radius and bore, the split's
#: width, the clamp screw hole's radius and the tapped holes'; the split's direction
#: (degrees, y down: 90 is straight down), the clamp screw's and the tapped holes' angles
#: (degrees) on the wall's middle circle
SC_OUTER, SC_BORE, SC_SPLIT, SC_SCREW, SC_TAPPED = 0.46, 0.15, 0.03, 0.04, 0.03
SC_SPLIT_DEG, SC_SCREW_DEG, SC_TAPPED_DEG = 90.0, 60.0, (-140.0, -40.0)


def sd_splitcollar(u, v, lay):
    """Signed distance (px, negative inside) to the split collar's outline of ``lay``
    (``"collar"``: outer radius, bore radius, the split's half width (px) and direction
    (degrees)): the ring (exact: the larger of the distances past the outer circle and
    inside the bore's) less the split, a strip of the half width running from the centre
    outward along the direction (the larger of the ring's and the strip's negated; exact off
    the split's corners)."""
    outer, bore, half, ang = lay["collar"]
    d = np.hypot(u, v)
    ring = np.maximum(d - outer, bore - d)
    a = np.deg2rad(ang)
    along, across = u * np.cos(a) + v * np.sin(a), -u * np.sin(a) + v * np.cos(a)
    strip = np.maximum(np.abs(across) - half, -along)
    return np.maximum(ring, -strip)


def splitcollar_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``splitcollar`` layout in model pixels (origin at the image centre, y down): the
    collar of :func:`sd_splitcollar` (``"collar"``: :data:`SC_OUTER` s, the bore
    :data:`SC_BORE` s, the split :data:`SC_SPLIT` s wide at :data:`SC_SPLIT_DEG`; s the
    smaller side; ``"half"`` its bounding box, where defects are placed from, ``"corner"``
    0), the clamp screw hole (:data:`SC_SCREW` s) at :data:`SC_SCREW_DEG` and two tapped
    holes (:data:`SC_TAPPED` s) at :data:`SC_TAPPED_DEG`, all on the wall's middle circle
    (``missing`` leaves out any of them)."""
    h, w = shape
    s = float(min(h, w))
    outer, bore = SC_OUTER * s, SC_BORE * s
    mid = 0.5 * (outer + bore)

    def at(deg):
        return (float(mid * np.cos(np.deg2rad(deg))), float(mid * np.sin(np.deg2rad(deg))))

    holes = [(at(SC_SCREW_DEG), SC_SCREW * s)]
    holes += [(at(deg), SC_TAPPED * s) for deg in SC_TAPPED_DEG]
    return dict(base, half=(outer, outer), corner=0.0,
                collar=(outer, bore, 0.5 * SC_SPLIT * s, SC_SPLIT_DEG), holes=holes, slots=[])
