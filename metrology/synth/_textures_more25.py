"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 43's pieces, keeping :mod:`metrology.synth._textures_more24` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``phosphated`` a manganese- (or zinc-) phosphated steel face, as on a gear's, a cam
             follower's or a firearm part's (:func:`phosphated_texture`): the conversion coat
             is a mat of small phosphate crystals, each platelet a facet of its own sheen: a
             fine mosaic of cells (:func:`phosphate_crystals`: the nearest of points jittered
             on a square grid of 2.5-3.5 px per part, each cell one level, a normal draw,
             softened by 0.4 px); the coat's weight varies in cloudy patches (where the part
             drained slowly or the bath was hotter it grew heavier and darker): a smooth
             field (sigma 7-11 px per part) cut at its median into two levels, its borders
             soft over about 2 px, half the face each; the machining lay below shows faintly
             through (fine straight streaks at a random angle).  Its levels are two-sided and
             bimodal: at a few px the face is one of two levels, as much of it light as dark
             (the face signal's skewness within +-0.1; blurred by 2 px its kurtosis about -1,
             a Gaussian's 0).  The first texture of crisp-bordered patches of two levels over
             a fine isotropic grain: ``anodised``'s, ``painted``'s and the others' mottles are
             smooth, ``luders``' bands change the roughness in narrow strips, ``scaled``'s
             flakes are jagged and each its own level, ``spangle``'s and ``electropolished``'s
             grains are 12-40 px cells.

``geneva``   layout (:func:`geneva_layout`): a Geneva drive's driven wheel (the star wheel of
             an indexing mechanism) seen end-on: a disc (radius 0.46 x the smaller side) with
             four radial slots cut in from its rim (0.07 wide, their round inner ends 0.26
             from the centre: where the driver's pin enters) and between them four concave
             locking arcs (circles of radius 0.26 centred 0.66 out on the diagonals, cutting
             the rim 0.06 deep: where the driver's locking disc turns), leaving four arms
             with square-cut slot sides (:func:`sd_geneva`, the plate's ``"geneva"``); a bore
             (0.06) at its centre (part of the outline, never missing) and four hub screw
             holes (0.02) at 0.16 on the slots' lines (any of the four missable).  The first
             outline of straight-sided radial slots in a rim alternating with concave arcs:
             ``sprocket``'s seats are half circles, ``starflange``'s scallops are concave arcs
             alone, ``rotor``'s bar slots are holes inside the rim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more23 import _to_segment

#: the crystals: the grid's pitch (px), their softening (px); the patches' field's sigma (px)
#: and the width of their borders (in the field's standard deviations); the lay's sigma (px);
#: the weights of the crystals, the patches and the lay
PH_CELL, PH_SOFT, PH_PATCH, PH_BORDER, PH_LAY = (2.5, 3.5), 0.4, (7.0, 11.0), 0.2, 0.8
PH_WEIGHTS = (0.75, 0.65, 0.2)


def phosphate_crystals(g, h, w, cell):
    """The crystals' mosaic of an ``h`` x ``w`` face: each pixel takes the level (a normal
    draw) of the nearest of points jittered uniformly in the cells of a square grid of
    ``cell`` px (the nearest is among its own cell's and the eight neighbours', searched as
    nine whole-image steps, no per-pixel loop)."""
    nr, nc = int(np.ceil(h / cell)) + 2, int(np.ceil(w / cell)) + 2
    jit = g.uniform(0.0, 1.0, (nr, nc, 2))
    level = g.standard_normal((nr, nc))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ci, cj = (yy // cell).astype(np.int64) + 1, (xx // cell).astype(np.int64) + 1
    best, out = np.full((h, w), np.inf), np.zeros((h, w))
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i, j = ci + di, cj + dj
            py, px = (i - 1 + jit[i, j, 0]) * cell, (j - 1 + jit[i, j, 1]) * cell
            d = (yy - py) ** 2 + (xx - px) ** 2
            closer = d < best
            best, out = np.where(closer, d, best), np.where(closer, level[i, j], out)
    return out


def coat_patches(g, h, w):
    """The coat's weight patches: a slow field (sigma :data:`PH_PATCH` px, it wraps) over its
    median in its standard deviations, through ``tanh`` of :data:`PH_BORDER` (two levels,
    -1 and 1, half the face each, soft borders)."""
    from ._textures_more3 import _slow_field

    f = _slow_field(g, h, w, g.uniform(*PH_PATCH))
    return np.tanh((f - np.median(f)) / max(float(f.std()), 1e-12) / PH_BORDER)


def phosphated_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A phosphated face: :func:`phosphate_crystals` (a grid of :data:`PH_CELL` px, softened
    by :data:`PH_SOFT`), :func:`coat_patches` and the lay (a profile of white noise smoothed
    by :data:`PH_LAY` px across a random angle), weighted by :data:`PH_WEIGHTS`, each of unit
    spread first.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    crystals = ndimage.gaussian_filter(phosphate_crystals(g, h, w, g.uniform(*PH_CELL)),
                                       PH_SOFT, mode="nearest")
    patches = coat_patches(g, h, w)
    a = g.uniform(0.0, np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -(xx - 0.5 * (w - 1)) * np.sin(a) + (yy - 0.5 * (h - 1)) * np.cos(a)
    half = int(np.ceil(0.5 * np.hypot(h, w))) + 2
    profile = ndimage.gaussian_filter1d(g.standard_normal(2 * half + 1), PH_LAY, mode="wrap")
    lay = np.interp(across, np.arange(-half, half + 1.0), profile)
    wc, wp, wl = PH_WEIGHTS
    return _unit(wc * _unit(crystals) + wp * _unit(patches) + wl * _unit(lay))


#: the wheel (x the smaller side): its radius; the slots' count, half width and inner ends'
#: distance from the centre; the locking arcs' radius and their centres' distance; the bore's
#: radius; the hub screw holes' distance and radius
GV_R, GV_SLOTS, GV_SLOT, GV_SLOT_IN = 0.46, 4, 0.035, 0.26
GV_LOCK, GV_LOCK_AT, GV_BORE, GV_HOLE_AT, GV_HOLE = 0.26, 0.66, 0.06, 0.16, 0.02


def sd_geneva(u, v, lay):
    """Signed distance (px, negative inside) to the Geneva wheel's outline of ``lay``
    (``"geneva"``: the radius, the slots' count, half width and inner ends' distance, the
    locking arcs' radius and their centres' distance, the bore's radius): the disc less the
    slots (each a stadium from its inner end out past the rim, along the angles
    ``k 360 / n``), the locking circles (between the slots) and the bore.  Exact on the face
    (the nearest of the rim, the slots', the arcs' and the bore's outlines), a bound of slope
    1 off it."""
    r, n, half, inner, lock, lock_at, bore = lay["geneva"]
    x, y = np.asarray(u, float), np.asarray(v, float)
    rho = np.hypot(x, y)
    out = np.maximum(rho - r, bore - rho)
    a = 2.0 * np.pi * np.arange(n) / n
    ca, sa = np.cos(a), np.sin(a)
    slots = _to_segment(x[..., None], y[..., None], (inner + half) * ca, (inner + half) * sa,
                        2.0 * r * ca, 2.0 * r * sa).min(axis=-1) - half
    b = a + np.pi / n
    locks = np.hypot(x[..., None] - lock_at * np.cos(b),
                     y[..., None] - lock_at * np.sin(b)).min(axis=-1) - lock
    return np.maximum(out, np.maximum(-slots, -locks))


def geneva_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``geneva`` layout in model pixels (origin at the image centre, y down): the wheel
    of :func:`sd_geneva` (``"geneva"``: radius :data:`GV_R` s, :data:`GV_SLOTS` slots of half
    width :data:`GV_SLOT` s from :data:`GV_SLOT_IN` s, locking arcs of :data:`GV_LOCK` s
    centred :data:`GV_LOCK_AT` s out, the bore :data:`GV_BORE` s; s the smaller side;
    ``"half"`` its bounding box, where defects are placed from, ``"corner"`` 0) and four hub
    screw holes (:data:`GV_HOLE` s at :data:`GV_HOLE_AT` s on the slots' lines, between the
    bore and the slots' ends, leaving the hub's diagonals clear; ``missing`` leaves out any
    of them)."""
    h, w = shape
    s = float(min(h, w))
    b = 2.0 * np.pi * np.arange(GV_SLOTS) / GV_SLOTS
    holes = [((float(GV_HOLE_AT * s * np.cos(t)), float(GV_HOLE_AT * s * np.sin(t))),
              GV_HOLE * s) for t in b]
    return dict(base, half=(GV_R * s, GV_R * s), corner=0.0,
                geneva=(GV_R * s, GV_SLOTS, GV_SLOT * s, GV_SLOT_IN * s, GV_LOCK * s,
                        GV_LOCK_AT * s, GV_BORE * s),
                holes=holes, slots=[])
