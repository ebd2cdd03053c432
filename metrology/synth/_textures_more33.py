"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 52's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``flycut``   a fly-cut face (a flat face machined by a fly cutter: one single-point tool on
             an arm of a large swing radius, the part fed under it, as a cast bracket's or a
             fixture plate's datum face on a knee mill) (:func:`flycut_texture`): every turn
             of the arm the tool's leading side cuts an arc of the swing radius (1.2-2.4 x
             the image's larger side), the next turn's arc shifted by the feed (3-5.5 px a
             turn) along the feed direction, so the front marks are arcs of one radius whose
             centres step along the feed (:func:`cutter_phases`), not concentric ones; each a
             scallop the tool's nose leaves (:func:`scallops`: round-bottomed, its cusps
             sharp, each turn's depth its own, 1 + 0.25 x a normal draw: the arm's spring
             and the feed's unevenness); the spindle square to the table, the tool's heel
             drags over the face on the arm's trailing half too (:func:`heel_marks`: fine
             grooves along arcs bent the other way, at the same feed, 0.4-0.6 x as deep), so
             the two families cross, at twice the arcs' tilt where the part lies off the
             cutter path's centreline (the part's centre drawn up to 0.35 x the swing radius
             off it: crossing at 0-41 degrees at the part's centre); all seen by their level
             and by their slope towards a light at any azimuth, over a fine grain.  **The lay
             turns from part to part**: the feed direction is the texture's first draw,
             uniform over the full turn (the part clamped on the table as it comes), the
             front arcs' tangent at the part's centre square to it, tilted by the arcs' bend
             there.  Its levels two-sided (the scallops' cusps up, the heel's grooves down,
             the slope symmetric: the face-signal skewness -0.10 to 0.24, seeds 0-7).
             Unlike ``milled`` (concentric arcs round one centre off the part, one family),
             ``faced`` (a fine spiral round a centre near the image's), ``blanchard`` (a cup
             wheel's grit arcs sweeping both ways, dense and random, not at a feed pitch),
             ``ground`` and ``broached`` (straight lays): two families of arcs of one large
             radius at a regular feed pitch, bent opposite ways, crossing at an angle that
             varies across the face.

``ratchet`` layout (:func:`ratchet_layout`): a ratchet wheel cut from plate (the pawl stop
             of a hoist's, a winch's or a tensioner's drum) seen face on: a wheel of twelve
             saw teeth (:func:`sd_ratchet`, the plate's ``"ratchet"``), each a radial face
             dropping from the tip circle (0.45 x the smaller side) to the root circle
             (0.37), then a straight sloped flank rising to the next tip, all leaning one way;
             the shaft bore (0.075) at the centre, three lightening holes (0.06) 0.22 from
             it at 30, 150 and 270 degrees, and a radial slot (0.022 either side of its axis)
             below the bore, from 0.14 to 0.27 (the pawl spring's anchor); every feature
             missable.  The first outline without a mirror line: ``sprocket`` has round
             roller seats between symmetric teeth, ``geneva`` four radial slots,
             ``starflange`` five round scallops, ``rack`` straight symmetric teeth on a bar.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._textures_more23 import _to_segment
from ._textures_more29 import lay_filter

#: the fly cutter: its swing radius (x the image's larger side), the part's centre off the
#: cutter path's centreline (up to x the swing radius), the feed a turn (px), each turn's
#: depth spread (1 + it x a normal draw), the heel's grooves' depth (x the scallops') and
#: sigma across (px)
FC_RADIUS, FC_OFFSET, FC_FEED, FC_SPREAD = (1.2, 2.4), 0.35, (3.0, 5.5), 0.25
FC_HEEL, FC_HEEL_SIGMA = (0.4, 0.6), 0.55
#: the slope's weight against the level's, the grain's weight and sigma (px)
FC_SHADE, FC_GRAIN, FC_GRAIN_SIGMA = 1.0, 0.5, 0.7


def cutter_phases(h, w, feed_dir, radius, offset):
    """The fly cutter's two arc coordinates at every pixel (``h`` x ``w``, px): the feed along
    ``feed_dir`` (radians, x towards y) through the image's centre, the cutter path's
    centreline ``offset`` px off the centre (to the feed's left); a front arc (the tool's
    leading side, centre at ``(c, 0)`` in the path's frame) holds ``front = x - sqrt(R^2 -
    y^2) = c``, a heel arc (its trailing side) ``back = x + sqrt(R^2 - y^2) = c``
    (``radius`` R px; ``y`` clipped to 0.98 R).  Returns ``(front, back)``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = xx - 0.5 * (w - 1), yy - 0.5 * (h - 1)
    along = dx * np.cos(feed_dir) + dy * np.sin(feed_dir)
    across = np.clip(-dx * np.sin(feed_dir) + dy * np.cos(feed_dir) + offset,
                     -0.98 * radius, 0.98 * radius)
    bow = np.sqrt(radius * radius - across * across)
    return along - bow, along + bow


def scallops(g, front, feed):
    """The front arcs' height (grooves low, the cusps between them at 1): each turn a
    parabola across its groove, ``4 (f - 1/2)^2`` of the fraction ``f`` of the way from one
    cusp to the next (``feed`` px apart along ``front``), times that turn's own depth (1 +
    :data:`FC_SPREAD` x a normal draw, clipped to 0.4-1.6) less its mean."""
    pos = front / feed + g.uniform(0.0, 1.0)
    turn = np.floor(pos)
    k0 = int(turn.min()) if turn.size else 0
    depth = np.clip(1.0 + FC_SPREAD * g.standard_normal(int(turn.max()) - k0 + 1
                                                       if turn.size else 1), 0.4, 1.6)
    frac = pos - turn
    return depth[(turn - k0).astype(int)] * (4.0 * (frac - 0.5) ** 2 - 1.0 / 3.0)


def heel_marks(g, back, feed):
    """The heel's drag marks (``<= 0``): a Gaussian groove of :data:`FC_HEEL_SIGMA` px across
    on every arc ``back = c`` (``feed`` px apart, a phase of their own), of unit depth."""
    pos = back / feed + g.uniform(0.0, 1.0)
    off = (pos - np.floor(pos) - 0.5) * feed
    return -np.exp(-0.5 * (off / FC_HEEL_SIGMA) ** 2)


def flycut_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A fly-cut face: the feed direction drawn first (uniform over the full turn), then the
    swing radius (:data:`FC_RADIUS` x the larger side), the path's offset (up to
    :data:`FC_OFFSET` x the radius either way) and the feed (:data:`FC_FEED` px); the
    height of :func:`scallops` less a heel's depth (:data:`FC_HEEL`) x :func:`heel_marks`,
    seen by its level and by its slope towards a light at any azimuth (weight
    :data:`FC_SHADE`), and a fine isotropic grain (:data:`FC_GRAIN`).  Zero mean, unit
    standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    feed_dir = g.uniform(0.0, 2.0 * np.pi)
    radius = g.uniform(*FC_RADIUS) * max(h, w)
    offset = g.uniform(-FC_OFFSET, FC_OFFSET) * radius
    feed = g.uniform(*FC_FEED)
    front, back = cutter_phases(h, w, feed_dir, radius, offset)
    height = scallops(g, front, feed) + g.uniform(*FC_HEEL) * heel_marks(g, back, feed)
    light = g.uniform(0.0, 2.0 * np.pi)
    gy, gx = np.gradient(height) if min(h, w) > 1 else (np.zeros((h, w)),) * 2
    face = _unit(height) + FC_SHADE * _unit(np.cos(light) * gx + np.sin(light) * gy)
    grain = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                          * lay_filter(h, w, 0.0, FC_GRAIN_SIGMA, FC_GRAIN_SIGMA), s=(h, w))
    return _unit(_unit(face) + FC_GRAIN * _unit(grain))


#: the ratchet wheel (x the smaller side): the teeth's count, the tip and root circles'
#: radii; the bore's radius; the lightening holes' radius, their distance from the centre
#: and angles (degrees, x towards y, y down); the slot's half width and its ends' distances
#: below the centre
RW_TEETH, RW_TIP, RW_ROOT, RW_BORE = 12, 0.45, 0.37, 0.075
RW_HOLE, RW_HOLE_AT, RW_HOLE_DEG = 0.06, 0.22, (30.0, 150.0, 270.0)
RW_SLOT, RW_SLOT_ENDS = 0.022, (0.14, 0.27)


def ratchet_corners(teeth, r_tip, r_root):
    """The ratchet's outline as a closed polygon (``2 teeth`` x 2, px, about its centre):
    at each tooth's angle ``2 pi k / teeth`` the tip, then the root on the same ray (the
    radial face); the straight flank runs from that root to the next tooth's tip."""
    t = 2.0 * np.pi * np.arange(teeth) / teeth
    r = np.stack([np.full(teeth, r_tip), np.full(teeth, r_root)], 1).ravel()
    a = np.repeat(t, 2)
    return np.stack([r * np.cos(a), r * np.sin(a)], 1)


def sd_ratchet(u, v, lay):
    """Signed distance (px, negative inside) to the ratchet wheel's outline of ``lay``
    (``"ratchet"``: the centre (x and y), the teeth's count, the tip and root circles'
    radii, px): the distance to the nearest edge of :func:`ratchet_corners`' polygon, its
    sign by the even-odd rule.  Exact everywhere."""
    (cx, cy), teeth, r_tip, r_root = lay["ratchet"]
    x, y = np.asarray(u, float) - cx, np.asarray(v, float) - cy
    pts = ratchet_corners(int(teeth), r_tip, r_root)
    dist = np.full(np.broadcast(x, y).shape, np.inf)
    inside = np.zeros(dist.shape, bool)
    for (ax, ay), (bx, by) in zip(pts, np.roll(pts, -1, axis=0)):
        dist = np.minimum(dist, _to_segment(x, y, ax, ay, bx, by))
        if ay != by:
            cross = (ay > y) != (by > y)
            xs = ax + (y - ay) * (bx - ax) / (by - ay)
            inside ^= cross & (x < xs)
    return np.where(inside, -dist, dist)


def ratchet_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``ratchet`` layout in model pixels (origin at the image centre, y down): the wheel
    of :func:`sd_ratchet` (:data:`RW_TEETH` teeth, tips :data:`RW_TIP` s, roots
    :data:`RW_ROOT` s; s the smaller side) centred, a tip on each axis so its bounding box
    is centred (``"half"``, where defects are placed from; ``"corner"`` 0); the bore
    (:data:`RW_BORE` s), the lightening holes (:data:`RW_HOLE` s, :data:`RW_HOLE_AT` s out at
    :data:`RW_HOLE_DEG`) and the radial slot (half width :data:`RW_SLOT` s) below the bore
    between :data:`RW_SLOT_ENDS` s (``missing`` leaves out any of the five)."""
    s = float(min(shape))
    holes = [((0.0, 0.0), RW_BORE * s)]
    for t in np.deg2rad(RW_HOLE_DEG):
        holes.append(((float(RW_HOLE_AT * s * np.cos(t)), float(RW_HOLE_AT * s * np.sin(t))),
                      RW_HOLE * s))
    lo, hi = RW_SLOT_ENDS
    slot = ((0.0, float(0.5 * (lo + hi) * s)), 0.5 * (hi - lo) * s, RW_SLOT * s, 90.0)
    return dict(base, half=(RW_TIP * s, RW_TIP * s), corner=0.0,
                ratchet=((0.0, 0.0), RW_TEETH, RW_TIP * s, RW_ROOT * s),
                holes=holes, slots=[slot], windows=[])
