"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 34's pieces, keeping :mod:`metrology.synth._textures_more15` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``flamespray`` a flame-sprayed (thermal spray) coating, as sprayed (:func:`flamespray_texture`):
             molten droplets flattened into splats on impact, one to a square cell of 6-9 px
             per part, each a slightly elliptical pancake (radius 0.6-0.85 x the cell, aspect
             1-1.35 at its own angle, its edge wobbling by a splash harmonic), laid in a
             random order so that a later splat covers the earlier ones where they overlap
             (:func:`top_splats`); each splat its own flat level (its own oxidation) and a low
             dome, its visible edge a thin dark oxide rim (about 0.8 px), the few spots no
             splat covers dark pores, a fine grain over all.  The first texture of stacked
             flat lamellae: the visible boundaries are arcs of the upper splat's outline, all
             convex towards the lower ones, where ``spangle``'s and ``sintered``'s grains meet
             at straight or random borders, and ``peened``'s and ``hammered``'s cups are
             shaded dishes without rims.

``trimount`` layout (:func:`trimount_layout`): a triangular motor mount: a rounded Reuleaux
             triangle (three convex arcs, each centred on the opposite corner, of width 0.72 x
             the smaller side, grown by 0.10 so its corners are round lobes;
             :func:`sd_trimount`, the plate's ``"reuleaux"``), one corner up, a central bore
             (radius 0.085) and three bolt holes (0.035) in the lobes, concentric with them
             (any of the four missable).  The first outline of constant width, three-fold
             symmetric with convex arc sides: ``gusset``'s triangle has straight sides,
             ``hexplate``'s six, ``crescentarm``'s two arcs meet at sharp horns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the splats: the cell (px), the centres' spread in it, radius (x the cell), aspect, the
#: splash (the edge's wobble: a smooth field's weight and blur, px), the levels' spread, the
#: dome's height, the rim's width (px) and depth, the pores' level and the grain's weight
FS_CELL, FS_SPREAD, FS_RADIUS, FS_ASPECT = (6.0, 9.0), (0.15, 0.85), (0.72, 0.9), (1.0, 1.3)
FS_SPLASH, FS_LEVELS, FS_DOME = (0.12, 1.2), 0.55, 0.35
FS_RIM, FS_RIM_DEPTH, FS_PORE, FS_GRAIN = 0.8, 2.4, -2.0, 0.12


def top_splats(xx, yy, cell, table, wobble=None):
    """The uppermost splat at ``xx``, ``yy`` (px): its index into ``table`` (-1 where no splat
    covers the point) and its normalised radius there (0 at its centre, 1 at its edge).  The
    splats sit one to a square ``cell`` (px), cell ``(i, j)``'s centre at ``(j + cx, i + cy)
    x cell``; ``table`` (n, n, 7) holds per cell ``cx, cy`` (0-1), the cosine and sine of the
    splat's angle, the inverse of its semi-axes (1 / px; the longer at most ``cell``, so the
    nine nearest cells hold every splat reaching a point) and its order (higher later, on
    top).  ``wobble`` (as ``xx``, or None) scales the squared normalised radius everywhere:
    the edges' splash (at least the square of the longer semi-axis over the cell, so that
    no splat reaches past the nine cells).  Tables are indexed by cell modulo their size."""
    n = table.shape[0]
    flat = table.reshape(n * n, -1)
    ci, cj = np.floor(yy / cell).astype(np.int64), np.floor(xx / cell).astype(np.int64)
    best = np.full(xx.shape, -np.inf)
    idx = np.full(xx.shape, -1, dtype=np.int64)
    r2 = np.ones(xx.shape)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            k = ((ci + di) % n) * n + (cj + dj) % n
            t = flat[k]
            dx = xx - (cj + dj + t[..., 0]) * cell
            dy = yy - (ci + di + t[..., 1]) * cell
            a = (dx * t[..., 2] + dy * t[..., 3]) * t[..., 4]
            b = (dy * t[..., 2] - dx * t[..., 3]) * t[..., 5]
            q = a * a + b * b
            if wobble is not None:
                q *= wobble
            top = (q < 1.0) & (t[..., 6] > best)
            best[top] = t[..., 6][top]
            idx[top] = k[top]
            r2[top] = q[top]
    return idx, np.sqrt(r2)


def flamespray_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A flame-sprayed coating: :func:`top_splats` (the cell :data:`FS_CELL`, the centres
    :data:`FS_SPREAD` of it, radius :data:`FS_RADIUS`, aspect :data:`FS_ASPECT`, the splash
    :data:`FS_SPLASH`) each at its own level (spread :data:`FS_LEVELS`) with a dome
    (:data:`FS_DOME`), a dark oxide rim of :data:`FS_RIM` px (:data:`FS_RIM_DEPTH` deep)
    along its visible edge, :data:`FS_PORE` in the pores and a grain (:data:`FS_GRAIN`).
    Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, n = g.uniform(*FS_CELL), 64
    radius, asp = g.uniform(*FS_RADIUS, (n, n)) * cell, g.uniform(*FS_ASPECT, (n, n))
    ang = g.uniform(0.0, np.pi, (n, n))
    table = np.stack([g.uniform(*FS_SPREAD, (n, n)), g.uniform(*FS_SPREAD, (n, n)),
                      np.cos(ang), np.sin(ang), 1.0 / radius, asp / radius,
                      g.permutation(n * n).reshape(n, n).astype(np.float64)], axis=-1)
    level = g.normal(0.0, FS_LEVELS, n * n)
    x0, y0 = g.uniform(0.0, n * cell, 2)
    splash = ndimage.gaussian_filter(g.standard_normal((h, w)), FS_SPLASH[1], mode="wrap")
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    wobble = np.maximum(1.0 + FS_SPLASH[0] * _unit(splash), FS_RADIUS[1] ** 2)
    idx, rho = top_splats(xx + x0, yy + y0, cell, table, wobble)
    covered = idx >= 0
    k = np.maximum(idx, 0)
    # px from the splat's visible edge (its semi-axes' geometric mean for the radius)
    to_edge = (1.0 - rho) * radius.ravel()[k] / np.sqrt(asp.ravel()[k])
    rim = np.exp(-0.5 * (to_edge / FS_RIM) ** 2)
    splat = level[k] + FS_DOME * (1.0 - rho * rho) - FS_RIM_DEPTH * rim
    out = np.where(covered, splat, FS_PORE) + FS_GRAIN * _unit(grain)
    return _unit(out)


#: the triangular mount (x the smaller side): the Reuleaux triangle's width (each arc's
#: radius, the corners' distance apart), the rounding that grows it, the central bore's and
#: the bolt holes' radius
TRI_WIDTH, TRI_ROUND, TRI_BORE, TRI_BOLT = 0.72, 0.10, 0.085, 0.035


def trimount_corners(width, drop):
    """The Reuleaux triangle's corners (x, y; y down): one up, its centre ``drop`` px below
    the image's middle, ``width`` apart."""
    rc = width / np.sqrt(3.0)
    ang = np.deg2rad([-90.0, 30.0, 150.0])
    return [(float(rc * np.cos(a)), float(drop + rc * np.sin(a))) for a in ang]


def sd_trimount(u, v, lay):
    """Signed distance (px, negative inside) to the motor mount's outline of ``lay``
    (``"reuleaux"``: the width, the rounding and the centre's drop, px): the Reuleaux
    triangle (the common part of three discs of radius the width, each about one corner)
    grown by the rounding.  The triangle's own distance is exact: inside, each disc's
    distance (its nearest circle point lies on its arc, the point being in the 60 degree
    wedge at its corner); outside, the least of the distances to the arcs (a circle's where
    its nearest point lies in the opposite wedge) and to the corners."""
    width, rnd, drop = lay["reuleaux"]
    corners = trimount_corners(width, drop)
    inside_d = np.full(np.shape(u), np.inf)
    out_d = np.full(np.shape(u), np.inf)
    for cx, cy in corners:
        dx, dy = u - cx, v - cy
        d = np.hypot(dx, dy)
        inside_d = np.minimum(inside_d, width - d)
        # the arc about corner i runs between the other two corners: its points are those
        # of the circle within 30 degrees of the direction from corner i to the centre
        axis = np.arctan2(drop - cy, -cx)
        off = np.angle(np.exp(1j * (np.arctan2(dy, dx) - axis)))
        on_arc = np.abs(off) <= np.pi / 6.0
        out_d = np.minimum(out_d, np.where(on_arc, np.abs(d - width), np.inf))
        out_d = np.minimum(out_d, d)
    sd = np.where(inside_d > 0.0, -inside_d, out_d)
    return sd - rnd


def trimount_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``trimount`` layout in model pixels (origin at the image centre, y down): the
    mount of :func:`sd_trimount` (``"reuleaux"``: :data:`TRI_WIDTH` s wide, grown by
    :data:`TRI_ROUND` s, its centre dropped so its extent is centred, s the smaller side;
    ``"half"`` its bounding box, where defects are placed from, ``"corner"`` 0), the central
    bore of :data:`TRI_BORE` s and three bolt holes of :data:`TRI_BOLT` s at the corners
    (``missing`` leaves out any of them)."""
    h, w = shape
    s = float(min(h, w))
    width, rnd = TRI_WIDTH * s, TRI_ROUND * s
    # the top corner is width / sqrt(3) above the centre, the bottom arc width (1 - 1/sqrt(3))
    # below it: centre the extent
    drop = 0.5 * width * (2.0 / np.sqrt(3.0) - 1.0)
    half = 0.5 * width + rnd
    holes = [((0.0, float(drop)), TRI_BORE * s)]
    holes += [(c, TRI_BOLT * s) for c in trimount_corners(width, drop)]
    return dict(base, half=(half, half), corner=0.0, reuleaux=(width, rnd, float(drop)),
                holes=holes, slots=[])
