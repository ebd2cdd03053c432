"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 63's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``foam``     the milled face of a closed-cell aluminium foam panel (a crash absorber's, a
             machine's damping plate, an architectural panel's core), the cells cut open:
             **cells** (:func:`foam_cells`: the Voronoi cells of seeds on a jittered grid of
             :data:`FO_CELL` px, drawn per part, each moved by up to half of it) **cut open
             into bowls** (each cell's floor a paraboloid, deepest at its seed, its depth
             :data:`FO_DEPTH` of half the spacing drawn per cell, as the milling cut each
             bubble at its own height) **between thin flat walls** (the cut cell walls,
             :data:`FO_WALL` px either side of the cells' boundaries, drawn per part, thickening
             where two boundaries meet: the Plateau borders, each wall's thickness up to 2.2 x
             there); each bowl **shaded by its slope** to a light at an azimuth drawn per part
             (:data:`FO_LIT`: lit on the side away from the light, dark on the side towards
             it) and **darker the deeper it is** (:data:`FO_DARK`), the walls' tops light
             (:data:`FO_TOP`), a fine grain (:data:`FO_GRAIN`, sigma 0.6 px).  The part's angle
             is not taken (the light is drawn per part).  Two-sided (the face-signal
             skewness -0.11 to 0.11, seeds 0-7): the walls a light minority, the bowls' deep
             floors a dark one.
             Unlike ``peened`` and ``hammered`` (shallow round dimples overlapping, no flat
             between them), ``eroded`` and ``passivated`` (small craters with raised rims),
             ``electropolished`` (flat grains of one level seen by thin dark grooves),
             ``leathergrain`` (domed cells in a net of soft ridges) and ``granite`` and
             ``sintered`` (flat grains each of its own level): polygonal cells 13-20 px across
             each cut open into a bowl shaded across by the light, divided by thin light flat
             walls that thicken at their junctions.

``busbar``   layout (:func:`busbar_layout`): an offset (dog-leg) busbar link, as in a
             switchboard, seen face on: a flat bar of one width (:data:`BB_WIDTH` x the
             smaller side either side of its centre line) along a centre line that runs from
             the left end along the top, bends down through an oblique middle leg and runs on
             along the bottom to the right end (:data:`BB_PATH`), its ends square (corners
             rounded :data:`BB_END`), each bend's outer corner rounded :data:`BB_OUTER` and its
             inner corner filleted :data:`BB_INNER` (:func:`sd_busbar`, the plate's
             ``"busbar"``, a :func:`~metrology.synth._textures_more26.sd_round_polygon` of the
             bar's outline, :func:`bar_outline`: exact everywhere); two bolt holes
             (:data:`BB_HOLE`) along each end's pad (:data:`BB_HOLES`), each missable.
             Point-symmetric (turned by 180 degrees it is itself), no mirror line.
             Unlike ``lbracket`` (one re-entrant corner), ``tnut`` (two on one side),
             ``cruciform`` (four, a cross) and ``tensile``, ``link``, ``lever`` and
             ``slottedarm`` (straight or waisted, one axis): a bar bent twice the same
             width, its two re-entrant corners on opposite sides, its middle leg oblique.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from ._textures_more26 import sd_round_polygon
from ._textures_more39 import _smooth

#: the cells: the seeds' spacing (px, drawn per part); the walls' half thickness (px, drawn
#: per part) and their thickening where two meet (the most, x it, and its reach, x it); the
#: bowls' depth (x half the spacing, drawn per cell)
FO_CELL, FO_WALL, FO_JOIN, FO_DEPTH = (13.0, 20.0), (0.4, 0.7), (1.2, 1.5), (0.5, 1.0)
#: the weights: the slope's shading, the depth's darkening (both x their spread), the walls'
#: tops and the grain
FO_LIT, FO_DARK, FO_TOP, FO_GRAIN = 0.6, 1.0, 0.8, 0.15


def foam_cells(g, h, w):
    """The cells on an ``h`` x ``w`` face: seeds on a jittered grid (spacing :data:`FO_CELL`,
    drawn per part, over the face and two cells beyond it); per pixel, the distances (px) to
    the two nearest of its cell's boundaries with the three nearest other seeds (each the
    power of the pixel to the two seeds over twice their distance apart: exact for a
    Voronoi edge), its own seed's index and its distance to it.  Returns the spacing, the
    seeds, the two boundary distances (h x w each, the nearer first), the index and the
    distance."""
    cell = float(g.uniform(*FO_CELL))
    ky, kx = int(np.ceil(h / cell)) + 4, int(np.ceil(w / cell)) + 4
    gv, gu = np.mgrid[-2:ky - 2, -2:kx - 2].astype(float) * cell
    seeds = np.c_[gu.ravel(), gv.ravel()] + g.uniform(-0.5, 0.5, (gu.size, 2)) * cell
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    d, i = cKDTree(seeds).query(np.c_[xx.ravel(), yy.ravel()], k=4)
    apart = np.hypot(*(seeds[i[:, 1:]] - seeds[i[:, :1]]).transpose(2, 0, 1))
    edges = np.sort((d[:, 1:] ** 2 - d[:, :1] ** 2) / (2.0 * apart), axis=1)
    return (cell, seeds, edges[:, 0].reshape(h, w), edges[:, 1].reshape(h, w),
            i[:, 0].reshape(h, w), d[:, 0].reshape(h, w))


def foam_height(cell, near, second, seed_dist, depth, half):
    """The cut face's height (px, 0 on the walls' tops, negative in the bowls): the walls
    ``half`` px either side of the boundaries (``near``, ``second``: a pixel's distances to
    its cell's two nearest boundaries), thickened by up to :data:`FO_JOIN` [0] x ``half``
    where the two come together (falling off over :data:`FO_JOIN` [1] x ``half``); within,
    a paraboloid bowl ``depth`` x half the spacing deep at the seed (``seed_dist`` px off),
    rising to 0 at the wall (the pixel's place ``q``: its distance to the seed over that plus
    its distance to the wall).  Returns the height and the walls (bool)."""
    wall = near - half * (1.0 + FO_JOIN[0] * np.exp(-(second - near) / (FO_JOIN[1] * half)))
    q = seed_dist / (seed_dist + np.maximum(wall, 1e-9))
    bowl = wall > 0.0
    return np.where(bowl, -depth * 0.5 * cell * (1.0 - q * q), 0.0), ~bowl


def foam_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A milled aluminium foam face: :func:`foam_height` of :func:`foam_cells` (each bowl's
    depth :data:`FO_DEPTH`, the walls :data:`FO_WALL` px either side, both drawn), shaded by
    its slope to a light at an azimuth drawn per part (:data:`FO_LIT` x the shading over its
    spread), less :data:`FO_DARK` x its depth over its spread, plus :data:`FO_TOP` on the
    walls and :data:`FO_GRAIN` x a fine grain (sigma 0.6 px).  The part's angle is not
    taken.  Zero mean, unit standard deviation, per part."""
    from scipy import ndimage

    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, seeds, near, second, index, seed_dist = foam_cells(g, h, w)
    depth = g.uniform(*FO_DEPTH, len(seeds))[index]
    height, walls = foam_height(cell, near, second, seed_dist, depth, g.uniform(*FO_WALL))
    light = g.uniform(0.0, 2.0 * np.pi)
    # the slopes (the height padded by a pixel: a face of one pixel across has them too)
    gy, gx = (d[1:-1, 1:-1] for d in
              np.gradient(np.pad(ndimage.gaussian_filter(height, 0.5), 1, mode="edge")))
    lit = -(gx * np.cos(light) + gy * np.sin(light))
    face = FO_LIT * lit / max(float(lit.std()), 1e-12) + \
        FO_DARK * height / max(float(height.std()), 1e-12) + FO_TOP * walls + \
        FO_GRAIN * _smooth(g, h, w, 0.6)
    return _unit(face)


#: the bar (x the smaller side): its half width; its centre line's corners (x, y: the left
#: end, the first bend, the second bend, the right end); the ends' corners' radius, the
#: bends' outer corners' radius and the inner ones' fillet; the bolt holes' radius and
#: their places along each end's pad (x, the left pad's; the right pad's turned by 180)
BB_WIDTH = 0.17
BB_PATH = ((-0.44, -0.27), (-0.11, -0.27), (0.11, 0.27), (0.44, 0.27))
BB_END, BB_OUTER, BB_INNER = 0.02, 0.12, 0.04
BB_HOLE, BB_HOLES = 0.035, (-0.355, -0.205)


def bar_outline(path, half):
    """The outline (corners, in order round it) of a bar of half width ``half`` along the
    polyline ``path`` (its ends square): each side the path offset by ``half``, the offset
    edges meeting at their bends in a mitre; the first side's corners from the start,
    then the second's back."""
    p = np.asarray(path, float)
    t = np.diff(p, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    n = np.c_[t[:, 1], -t[:, 0]]                        # the first side
    sides = []
    for sign in (1.0, -1.0):
        pts = [p[0] + sign * half * n[0]]
        for k in range(1, len(p) - 1):
            m = n[k - 1] + n[k]
            pts.append(p[k] + sign * half * m / (1.0 + float(n[k - 1] @ n[k])))
        pts.append(p[-1] + sign * half * n[-1])
        sides.append(pts)
    return np.array(sides[0] + sides[1][::-1])


def sd_busbar(u, v, lay):
    """Signed distance (px, negative inside) to the busbar's outline of ``lay``
    (``"busbar"``: its corners and their radii, px): a
    :func:`~metrology.synth._textures_more26.sd_round_polygon`."""
    return sd_round_polygon(u, v, *lay["busbar"])


def busbar_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``busbar`` layout in model pixels (origin at the image centre, y down): the bar of
    :func:`sd_busbar` (:func:`bar_outline` of :data:`BB_PATH` x s, half width
    :data:`BB_WIDTH` s, s the smaller side; the ends' corners rounded :data:`BB_END` s, the
    bends' outer corners :data:`BB_OUTER` s and their inner ones :data:`BB_INNER` s;
    ``"half"`` its bounding box, where defects are placed from, ``"corner"`` 0); the four
    bolt holes (:data:`BB_HOLE` s) on the centre line, two in each end's pad at
    :data:`BB_HOLES` s (the right pad's turned by 180 degrees), in ``"holes"``; ``missing``
    leaves out any of them."""
    s = float(min(shape))
    path = np.asarray(BB_PATH) * s
    verts = bar_outline(path, BB_WIDTH * s)
    # corners: the first side's (its start's end, the first bend's outer, the second bend's
    # inner, its end's end), then the second side's back (end, outer, inner, start)
    radii = np.array([BB_END, BB_OUTER, BB_INNER, BB_END, BB_END, BB_OUTER, BB_INNER,
                      BB_END]) * s
    y = BB_PATH[0][1] * s
    holes = [((x * s, y), BB_HOLE * s) for x in BB_HOLES]
    holes += [((-c[0], -c[1]), r) for c, r in holes]
    hx = float(np.abs(verts[:, 0]).max())
    hy = float(np.abs(verts[:, 1]).max())
    return dict(base, half=(hx, hy), corner=0.0,
                busbar=(tuple(map(tuple, verts)), tuple(radii)), holes=holes, slots=[],
                windows=[])
