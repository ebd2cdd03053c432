"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 31's pieces, keeping :mod:`metrology.synth._textures_more12` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``dimplearray`` a laser-textured face (laser surface texturing, as on a seal's or a thrust
             washer's running face; :func:`dimplearray_texture`): a regular hexagonal array of
             small round sunk dimples (pitch 7-10 px per part, the lattice at a random angle,
             each dimple a bowl of radius 0.26-0.34 x the pitch, its depth 0.85-1.15 of the
             mean, its place within 0.15 px of the lattice's) with a thin bright recast rim,
             over a lapped (nearly smooth) ground: a faint fine haze and a slow mottle.  The
             first texture of isolated round marks on a strict two-dimensional lattice:
             ``knurled``'s periodic ridges and ``honed``'s grooves are lines, ``treadplate``'s
             lattice carries raised lozenges in two orientations, ``peened``'s, ``satin``'s and
             ``hammered``'s round cups lie at random.

``ovalflange`` layout (:func:`ovalflange_layout`): a two-bolt oval flange (a hydraulic port
             flange): a round body (radius 0.44 x the smaller side) and two end lobes (radius
             0.17, their centres 0.40 either side, along the image's diagonal) joined by
             straight edges tangent to both
             (:func:`sd_ovalflange`, the plate's ``"oval"``: the convex hull of three circles
             of two sizes); the port's bore in the middle (a window, never missing) and a bolt
             hole at each lobe's centre (either missable).  The first outline of straight edges
             tangent to arcs of two radii: ``link``'s lobes are joined by concave arcs,
             ``hexplate``'s and ``gusset``'s straight edges meet at rounded corners of one
             radius; face about 0.65 of a 256 x 256 image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the dimple array: the lattice's pitch (px), the dimples' radius (x the pitch), their depth's
#: spread (x the mean), their places' jitter (px), the rim's height (x the depth) and width
#: (px), the haze's and the mottle's weights
DIMPLE_PITCH, DIMPLE_RADIUS, DIMPLE_DEPTH, DIMPLE_JITTER = (7.0, 10.0), (0.26, 0.34), 0.15, 0.15
DIMPLE_RIM, DIMPLE_RIM_WIDTH, DIMPLE_HAZE, DIMPLE_MOTTLE = 0.3, 0.6, 0.06, 0.05
#: per-part tables of the dimples' depths and offsets, indexed by lattice index modulo this
_TABLE = 64


def dimple_field(xx, yy, pitch, ang, radius, depth, offset):
    """The dimples' relief (0 on the ground, down to about ``-depth``, a rim up to
    :data:`DIMPLE_RIM` x that) at ``xx``, ``yy`` (px): a hexagonal lattice of ``pitch`` px
    along ``ang`` (radians) and 60 degrees from it, each dimple ``1 - (r / radius)^2`` deep
    (a bowl) times its entry of ``depth`` (a square table indexed by the lattice's indices
    modulo its size), its centre moved by its entry of ``offset`` (the table's x and y, px);
    the rim a Gaussian ring of sigma :data:`DIMPLE_RIM_WIDTH` / 2 at ``radius``.  The nearest
    lattice point is one of the four corners of the point's cell."""
    a1 = pitch * np.array([np.cos(ang), np.sin(ang)])
    a2 = pitch * np.array([np.cos(ang + np.pi / 3), np.sin(ang + np.pi / 3)])
    det = a1[0] * a2[1] - a1[1] * a2[0]
    s = (xx * a2[1] - yy * a2[0]) / det
    t = (yy * a1[0] - xx * a1[1]) / det
    i0, j0 = np.floor(s).astype(np.int64), np.floor(t).astype(np.int64)
    best = np.full(xx.shape, np.inf)
    bi, bj = i0, j0
    n = depth.shape[0]
    for di, dj in ((0, 0), (1, 0), (0, 1), (1, 1)):
        i, j = i0 + di, j0 + dj
        cx = i * a1[0] + j * a2[0] + offset[0][i % n, j % n]
        cy = i * a1[1] + j * a2[1] + offset[1][i % n, j % n]
        d = np.hypot(xx - cx, yy - cy)
        near = d < best
        best, bi, bj = np.where(near, d, best), np.where(near, i, bi), np.where(near, j, bj)
    k = depth[bi % n, bj % n]
    bowl = np.clip(1.0 - (best / radius) ** 2, 0.0, None)
    rim = DIMPLE_RIM * np.exp(-0.5 * ((best - radius) / (0.5 * DIMPLE_RIM_WIDTH)) ** 2)
    return k * (rim - bowl)


def dimplearray_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A laser-textured face: :func:`dimple_field` (pitch in :data:`DIMPLE_PITCH`, the lattice
    at a random angle and phase, radius :data:`DIMPLE_RADIUS` x the pitch, depths 1 +-
    :data:`DIMPLE_DEPTH`, offsets +-:data:`DIMPLE_JITTER` px) over a fine haze (sigma 0.6 px,
    :data:`DIMPLE_HAZE`) and a slow mottle (20 px, :data:`DIMPLE_MOTTLE`).  Zero mean, unit
    standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    pitch, ang = g.uniform(*DIMPLE_PITCH), g.uniform(0.0, np.pi / 3)
    radius = g.uniform(*DIMPLE_RADIUS) * pitch
    x0, y0 = g.uniform(0.0, pitch, 2)
    depth = 1.0 + g.uniform(-DIMPLE_DEPTH, DIMPLE_DEPTH, (_TABLE, _TABLE))
    offset = g.uniform(-DIMPLE_JITTER, DIMPLE_JITTER, (2, _TABLE, _TABLE))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    relief = dimple_field(xx - x0, yy - y0, pitch, ang, radius, depth, offset)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 20.0, mode="wrap"))
    return _unit(_unit(relief) + DIMPLE_HAZE * haze + DIMPLE_MOTTLE * mottle)


#: the oval flange (x the smaller side): the body's radius, the lobes' radius and their
#: centres' distance from the middle; the bore's and the bolt holes' radii
OVAL_BODY, OVAL_LOBE, OVAL_AT, OVAL_BORE, OVAL_HOLE = 0.44, 0.17, 0.40, 0.10, 0.05
#: the lobes' direction (degrees from the image's x axis, y down: along the diagonal)
OVAL_ANGLE = 45.0


def sd_ovalflange(u, v, lay):
    """Signed distance (px, negative inside) to the oval flange's outline of ``lay``
    (``"oval"``: the body's radius ``R``, the lobes' radius ``r``, their centres' distance
    ``d`` (px) and direction (degrees)): the convex hull of the body's circle and the two
    lobes', drawn in the quadrant ``|x|, |y|`` of the frame along the lobes: the edge
    tangent to both circles has the outward normal ``n = ((R - r) / d, sqrt(1 - ((R - r) /
    d)^2))`` and runs from ``R n`` to ``(d, 0) + r n``.
    Outside, the distance to the nearest of the arc, the edge and the lobe (by where the
    point projects along the edge): exact.  Inside, the least of the edge's distance and the
    arcs' where the point lies in their fan of normals: exact too (a convex outline)."""
    big, small, d, ang = lay["oval"]
    ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
    x, y = np.abs(u * ca + v * sa), np.abs(v * ca - u * sa)
    nx = (big - small) / d
    ny = np.sqrt(1.0 - nx * nx)
    along = x * ny - y * nx                       # along the edge, 0 at the body's tangent point
    edge = x * nx + y * ny - big
    body = np.hypot(x, y) - big
    lobe = np.hypot(x - d, y) - small
    out = np.where(along < 0.0, body, np.where(along > d * ny, lobe, edge))
    on_body = y * nx >= x * ny                    # within the body's arc's fan of normals
    on_lobe = y * nx <= (x - d) * ny              # within the lobe's
    inner = np.maximum(edge, np.maximum(np.where(on_body, body, -np.inf),
                                        np.where(on_lobe, lobe, -np.inf)))
    return np.where(out > 0.0, out, inner)


def ovalflange_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``ovalflange`` layout in model pixels (origin at the image centre, y down): the
    flange of :func:`sd_ovalflange` (``"oval"``: the body :data:`OVAL_BODY`, the lobes
    :data:`OVAL_LOBE` at +-:data:`OVAL_AT` along :data:`OVAL_ANGLE`, all x the smaller side
    ``s``; ``"half"`` its bounding box, where defects are placed from, ``"corner"`` the
    lobes' radius), the port's bore of :data:`OVAL_BORE` s in the middle (a window rounded
    to a circle, kept) and a bolt hole of :data:`OVAL_HOLE` s at each lobe's centre
    (``missing`` leaves out one of them).  Its face (less the holes) is about 0.65 of a
    square image, 12 px inside its border at 256 px."""
    h, w = shape
    s = float(min(h, w))
    ca, sa = np.cos(np.deg2rad(OVAL_ANGLE)), np.sin(np.deg2rad(OVAL_ANGLE))
    holes = [((float(sg * OVAL_AT * s * ca), float(sg * OVAL_AT * s * sa)), OVAL_HOLE * s)
             for sg in (-1.0, 1.0)]
    bore = OVAL_BORE * s
    hx = max(OVAL_BODY, OVAL_AT * abs(ca) + OVAL_LOBE) * s
    hy = max(OVAL_BODY, OVAL_AT * abs(sa) + OVAL_LOBE) * s
    return dict(base, half=(hx, hy), corner=OVAL_LOBE * s,
                oval=(OVAL_BODY * s, OVAL_LOBE * s, OVAL_AT * s, OVAL_ANGLE), holes=holes,
                slots=[], windows=[((0.0, 0.0), (bore, bore), bore)], keep_windows=True)
