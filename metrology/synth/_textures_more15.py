"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 33's pieces, keeping :mod:`metrology.synth._textures_more14` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``peenground`` a shot-peened face later ground flat (:func:`peenground_texture`): the peening
             left overlapping round craters (cell 7-10 px per part, each crater a spherical
             dish of radius 0.7-1.0 x the cell and its own depth), then the grinder took the
             face down to a plane (0.45-0.6 of the deepest crater's depth): the plateau
             carries the grinding lay (``ground``'s fine straight scratches at a random angle)
             and only the deepest parts of the craters survive below it
             (:func:`peen_pits`), as isolated round or merged dark pits without lay, their
             edges sharp where the wheel cut them, their floors shaded a little from one side.
             The first texture of two processes, a directional lay interrupted by smooth round
             islands: ``ground``'s and ``honed``'s lines run everywhere, ``peened``'s,
             ``hammered``'s and ``dimplearray``'s cups cover the face without a lay.

``crescentarm`` layout (:func:`crescentarm_layout`): a crescent-shaped cam follower arm: a
             round body (radius 0.45 x the smaller side) with a round bite (radius 0.36,
             its centre 0.62 above the body's) taken out of its top, so the outline is two
             circular arcs, the convex rim and the concave bite, meeting at two sharp horns
             (:func:`sd_crescentarm`, the plate's ``"lune"``); a pivot bore (radius 0.07) in
             the left horn's root and a smaller roller pin hole (0.05) in the right one's
             (either missable).  The first outline of two arcs alone meeting at sharp
             points: ``bearingcap``'s seat is cut into a straight base, ``link``'s concave
             arcs are tangent to its lobes, ``quadrant``'s sector has straight sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the peened-then-ground face: the craters' cell (px), radius (x the cell), depth (x the
#: deepest), the grinder's cut (x the deepest crater's depth), the pits' shading weights
PG_CELL, PG_RADIUS, PG_DEPTH, PG_CUT = (7.0, 10.0), (0.7, 1.0), (0.4, 1.0), (0.55, 0.7)
PG_LEVEL, PG_SLOPE, PG_FLOOR, PG_HAZE = 2.6, 0.8, 1.5, 0.15


def peen_pits(xx, yy, cell, centre, radius, depth, cut):
    """The craters surviving the grinder at ``xx``, ``yy`` (px): the depth below the ground
    plane (0 on the plateau, positive in a pit).  The craters sit one to a square ``cell``
    (px), cell ``(i, j)``'s at ``(j + cx, i + cy) x cell`` (``centre[..., 0:2]`` its
    offsets; ``radius`` x cell, at most 1), each a dish ``depth (1 - (r / R)^2)`` deep; the
    relief is the deepest dish at each point (the nearest nine cells hold every crater that
    reaches it) and the pit what lies deeper than ``cut``.  Tables are indexed by cell
    modulo their size."""
    n = depth.shape[0]
    ci, cj = np.floor(yy / cell).astype(np.int64), np.floor(xx / cell).astype(np.int64)
    deepest = np.zeros(xx.shape)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            k = ((ci + di) % n) * n + (cj + dj) % n
            dx = xx - (cj + dj + centre[..., 0].ravel()[k]) * cell
            dy = yy - (ci + di + centre[..., 1].ravel()[k]) * cell
            rr = radius.ravel()[k] * cell
            z = depth.ravel()[k] * (1.0 - (dx * dx + dy * dy) / (rr * rr))
            np.maximum(deepest, z, out=deepest)
    return np.clip(deepest - cut, 0.0, None)


def peenground_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A shot-peened face ground flat: the ``ground`` lay (a random angle) on the plateau and
    :func:`peen_pits` below it (the cell :data:`PG_CELL`, radius :data:`PG_RADIUS`, depth
    :data:`PG_DEPTH`, the cut :data:`PG_CUT`): each pit :data:`PG_LEVEL` darker than the
    plateau, darker still with its depth (:data:`PG_FLOOR`) and shaded by its slope along x
    (:data:`PG_SLOPE`), smooth but for a faint haze (:data:`PG_HAZE`).  Zero mean, unit
    standard deviation, per part."""
    from ._textures_more import ground_texture
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, cut = g.uniform(*PG_CELL), g.uniform(*PG_CUT)
    n = 64
    centre = g.uniform(0.0, 1.0, (n, n, 2))
    radius, depth = g.uniform(*PG_RADIUS, (n, n)), g.uniform(*PG_DEPTH, (n, n))
    x0, y0 = g.uniform(0.0, n * cell, 2)
    lay = g.uniform(0.0, 180.0)
    plateau = ground_texture((h, w), rng=int(g.integers(2 ** 31)), lay_deg=lay)
    haze = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.8, mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    pit = peen_pits(xx + x0, yy + y0, cell, centre, radius, depth, cut)
    inside = pit > 0.0
    slope = np.gradient(pit, axis=1) if w > 1 else np.zeros((h, w))
    floor = -PG_LEVEL - PG_FLOOR * pit / (1.0 - cut) + PG_SLOPE * slope * cell
    out = np.where(inside, floor + PG_HAZE * _unit(haze), plateau)
    return _unit(out)


#: the crescent arm (x the smaller side): the body's radius and its centre's drop below the
#: middle, the bite's radius and its centre's height above the body's, the pivot bore's and
#: the roller pin hole's radius, their centres across and down from the middle
LUNE_BODY, LUNE_DROP, LUNE_BITE, LUNE_BITE_AT = 0.46, 0.0, 0.34, 0.64
LUNE_PIVOT, LUNE_PIN, LUNE_HOLE_X, LUNE_HOLE_Y = 0.065, 0.045, 0.27, 0.02


def _arc_part(px, py, cx, cy, radius, other, keep_inside):
    """Distance from ``(px, py)`` to circle ``(cx, cy, radius)`` where its nearest circle
    point lies inside (``keep_inside``) or outside the circle ``other`` (x, y, r); inf
    elsewhere (the nearest point of the arc is then one of its ends)."""
    dx, dy = px - cx, py - cy
    d = np.hypot(dx, dy)
    k = radius / np.maximum(d, 1e-12)
    qx, qy = cx + dx * k, cy + dy * k
    din = np.hypot(qx - other[0], qy - other[1]) <= other[2]
    on = din if keep_inside else ~din
    return np.where(on, np.abs(d - radius), np.inf)


def lune_tips(lune):
    """The crescent's two horns (x, y: the crossings of the body's and the bite's circles)."""
    ra, ya, rb, yb = lune
    y = 0.5 * (ya + yb) + (ra * ra - rb * rb) / (2.0 * (yb - ya))
    x = np.sqrt(max(ra * ra - (y - ya) ** 2, 0.0))
    return (-x, y), (x, y)


def sd_crescentarm(u, v, lay):
    """Signed distance (px, negative inside) to the crescent arm's outline of ``lay``
    (``"lune"``: the body's radius and centre ``y``, the bite's radius and centre ``y``,
    px, y down, both on ``x = 0``): the least distance to the rim (the body's circle outside
    the bite), the bite's arc (its circle inside the body) and the two horns where they
    meet; exact in and out, its sign by whether the point lies in the body and out of the
    bite."""
    ra, ya, rb, yb = lay["lune"]
    rim = _arc_part(u, v, 0.0, ya, ra, (0.0, yb, rb), keep_inside=False)
    bite = _arc_part(u, v, 0.0, yb, rb, (0.0, ya, ra), keep_inside=True)
    (lx, ty), (rx, _) = lune_tips(lay["lune"])
    tips = np.minimum(np.hypot(u - lx, v - ty), np.hypot(u - rx, v - ty))
    dist = np.minimum(np.minimum(rim, bite), tips)
    inside = (np.hypot(u, v - ya) < ra) & (np.hypot(u, v - yb) > rb)
    return np.where(inside, -dist, dist)


def crescentarm_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``crescentarm`` layout in model pixels (origin at the image centre, y down): the
    arm of :func:`sd_crescentarm` (``"lune"``: the body :data:`LUNE_BODY` dropped
    :data:`LUNE_DROP`, the bite :data:`LUNE_BITE` :data:`LUNE_BITE_AT` above the body's
    centre, all x the smaller side ``s``; ``"half"`` the body's bounding box, where defects
    are placed from, ``"corner"`` 0: the horns are sharp), the pivot bore of
    :data:`LUNE_PIVOT` s at -:data:`LUNE_HOLE_X` s across and the roller pin hole of
    :data:`LUNE_PIN` s at +:data:`LUNE_HOLE_X` s, both :data:`LUNE_HOLE_Y` s down
    (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    ya = LUNE_DROP * s
    holes = [((float(-LUNE_HOLE_X * s), float(LUNE_HOLE_Y * s)), LUNE_PIVOT * s),
             ((float(LUNE_HOLE_X * s), float(LUNE_HOLE_Y * s)), LUNE_PIN * s)]
    return dict(base, half=(LUNE_BODY * s, LUNE_BODY * s), corner=0.0,
                lune=(LUNE_BODY * s, ya, LUNE_BITE * s, ya - LUNE_BITE_AT * s), holes=holes,
                slots=[])
