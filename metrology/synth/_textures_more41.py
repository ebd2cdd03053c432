"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 60's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``blued``    a gun-blued (black-oxide) steel face, as on a firearm's slide, a gauge block's
             case or a machine screw (:func:`blued_texture`): the steel was polished, then
             blackened, so the face is dark and dull; **a mottled tint** (:func:`oxide_tint`:
             the oxide's thickness and colour vary in soft blotches 20-60 px across, a
             smoothed noise of sigma 7-20 px drawn per part, its crests flattened by a
             ``tanh``, at a modest weight); under it **fine parallel polishing lines** (the
             wheel's or the belt's, before the bluing: an anisotropic Gaussian noise of sigma
             0.5 px across and 30-60 px along, drawn per part, at an angle drawn per part over
             0-180 degrees), the most of the fine detail; the oxide's fine matte (sigma 0.6
             px); and **sparse tiny bright wear specks** (0.2-0.6 per 1000 px^2, Gaussian
             bumps of sigma 0.4-0.7 px, 4-6 x the lines' spread high: where the oxide is
             rubbed through on a high spot and the bare steel shines).  The face's level is
             the generator's one face level (no texture sets its own); the dark oxide is seen
             in the texture as a dull face whose only outliers are bright (its values past 4
             spreads the specks', up to 5-6 spreads, its darkest -3.4 to -4); the specks too
             sparse to skew it much (the face-signal skewness -0.03 to 0.12, seeds 0-7).  The
             part's angle is not taken (the lines' angle is drawn per part).
             Unlike ``brushed`` (streaks 14 px long along the part's own angle, sparse deeper
             brush marks of either sign, a mild Gaussian mottle), ``anodised`` (a satin grain
             with dark etch pits over 2-8 px wide die lines), ``phosphated`` (a crystal mosaic
             in crisp-bordered patches of two levels), ``ground`` and ``beltsanded`` (dense
             scratches with lips, of mixed lengths) and ``satin`` (dark cups in a plateau):
             long fine lines under soft blotches of tint, and the only outliers bright.

``hingeleaf`` layout (:func:`hingeleaf_layout`): one leaf of a butt hinge seen face on: a
             rectangular plate (:data:`HL_HALF` x the smaller side either way, its bottom
             corners rounded to :data:`HL_CORNER`) and, along its top long edge, the knuckle:
             two rounded strips (capsules of radius :data:`HL_KNUCKLE` centred on the edge,
             so half of each stands out past it) from the leaf's ends, flush with its sides,
             inward, with a gap between them in the middle (the notch, :data:`HL_NOTCH`
             either side of the centre: where the other leaf's knuckle goes)
             (:func:`sd_hingeleaf`, the plate's ``"leaf"``:
             exact everywhere); three countersunk screw holes in a row along its length
             (bores of :data:`HL_SCREW` in chamfer rings to :data:`HL_SINK`, at the centre and
             :data:`HL_SCREW_AT` either side, :data:`HL_ROW` below the leaf's middle line),
             each missable with its countersink.  Unlike ``hinge`` (a square plate with three
             knuckle cut-outs as windows inside its top edge, a stadium window and two
             countersunk holes), ``latchplate`` (a notch cut into a long edge, a window, two
             screws) and ``plate`` / ``strip``: the knuckle is the outline itself, two strips
             standing out past the long edge with a notch between them, and no window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._textures_more23 import _to_segment
from ._textures_more29 import _filtered, lay_filter
from ._textures_more39 import _smooth

#: the polishing lines: their sigma along (px, drawn per part) and across (px); the tint:
#: its blotches' sigma (px, drawn per part), the ``tanh`` gain flattening their crests and
#: its weight (x the lines' spread); the oxide's matte: its sigma (px) and weight
BL_ALONG, BL_ACROSS = (30.0, 60.0), 0.5
BL_TINT_SIGMA, BL_TINT_GAIN, BL_TINT = (7.0, 20.0), 1.5, 0.5
BL_MATTE_SIGMA, BL_MATTE = 0.6, 0.35
#: the wear specks: how many a 1000 px^2, their sigma (px) and height (x the lines' spread)
BL_SPECKS, BL_SPECK_SIGMA, BL_SPECK = (0.2, 0.6), (0.4, 0.7), (4.0, 6.0)


def polishing_lines(g, h, w):
    """The polishing lines under the oxide (``h`` x ``w``, zero mean, unit spread): a white
    noise filtered (wrapping) by an anisotropic Gaussian of :data:`BL_ACROSS` px across and
    :data:`BL_ALONG` px along (drawn per part) at an angle drawn per part over 0-180 degrees
    (its first draw).  Returns the lines and the angle (radians, x towards y)."""
    from .surfaces import _unit

    lay, along = g.uniform(0.0, np.pi), g.uniform(*BL_ALONG)
    lines = _filtered(g.standard_normal((h, w)), lay_filter(h, w, lay, along, BL_ACROSS))
    return _unit(lines), lay


def oxide_tint(g, h, w):
    """The oxide's mottled tint (``h`` x ``w``, zero mean, unit spread): a smoothed noise of
    sigma in :data:`BL_TINT_SIGMA` px (drawn per part; blotches about 20-60 px across),
    its crests flattened by ``tanh`` of :data:`BL_TINT_GAIN` x it."""
    from .surfaces import _unit

    return _unit(np.tanh(BL_TINT_GAIN * _smooth(g, h, w, g.uniform(*BL_TINT_SIGMA))))


def blued_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A gun-blued steel face: :func:`polishing_lines` (unit spread), plus :data:`BL_TINT` x
    :func:`oxide_tint` and :data:`BL_MATTE` x a fine matte (sigma :data:`BL_MATTE_SIGMA` px),
    plus the wear specks (a Poisson count of :data:`BL_SPECKS` a 1000 px^2, Gaussian bumps
    of :data:`BL_SPECK_SIGMA` px, :data:`BL_SPECK` high: bright).  The part's angle is not
    taken.  Zero mean, unit standard deviation, per part."""
    from ._textures_more8 import _pit_field
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    face = polishing_lines(g, h, w)[0] + BL_TINT * oxide_tint(g, h, w)
    face = face + BL_MATTE * _smooth(g, h, w, BL_MATTE_SIGMA)
    n = int(g.poisson(g.uniform(*BL_SPECKS) * h * w / 1000.0))
    ys, xs = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    face = face + _pit_field(h, w, xs, ys, g.uniform(*BL_SPECK_SIGMA, n), g.uniform(*BL_SPECK, n))
    return _unit(face)


#: the leaf (x the smaller side): its half length and half width, its bottom corners'
#: radius; the knuckle's radius (its strips' axis on the top edge) and the notch's half width
#: (from the centre to the inner ends of the strips, on the edge); the screw holes' bore,
#: their countersinks' outer radius, their distance either way of the centre and their row's
#: place below the leaf's middle line
HL_HALF, HL_CORNER = (0.44, 0.25), 0.04
HL_KNUCKLE, HL_NOTCH = 0.055, 0.13
HL_SCREW, HL_SINK, HL_SCREW_AT, HL_ROW = 0.026, 0.05, 0.29, 0.05


def hingeleaf_pieces(hx, hy, rc, notch, rk):
    """The leaf's outline as straight pieces and quarter arcs (about the leaf's centre, y
    down, the knuckle on the top edge ``y = -hy``): the leaf's sides, its bottom and the top
    edge's notch floor from ``-notch`` to ``notch`` (the rest of the top edge lies under the
    strips) and each strip's top, each a segment ``(ax, ay, bx, by)``; the bottom corners'
    arcs and the strips' ends' upper quarters, each ``(ox, oy, r, sx, sy)``: the centre, the
    radius and the quadrant it spans (``sx (x - ox) >= 0`` and ``sy (y - oy) >= 0``).  Each
    strip's axis runs from ``a`` to ``b`` (and ``-b`` to ``-a``) on the top edge, ``a =
    notch + rk``, ``b = hx - rk``: its outer end's quarter meets the leaf's side at the top
    corner, tangent to it."""
    ix, iy = hx - rc, hy - rc
    a, b = notch + rk, hx - rk
    segs = [(hx, -hy, hx, iy), (-hx, -hy, -hx, iy), (-ix, hy, ix, hy), (-notch, -hy, notch, -hy)]
    arcs = [(sx * ix, iy, rc, sx, 1.0) for sx in (-1.0, 1.0)]
    for m in (-1.0, 1.0):
        segs.append((m * a, -hy - rk, m * b, -hy - rk))
        arcs += [(m * a, -hy, rk, -m, -1.0), (m * b, -hy, rk, m, -1.0)]
    return segs, arcs, (a, b)


def sd_hingeleaf(u, v, lay):
    """Signed distance (px, negative inside) to the hinge leaf's outline of ``lay``
    (``"leaf"``: the leaf's centre (x and y), half sizes and bottom corners' radius, and the
    knuckle's notch half width and radius, px): the distance to the nearest of
    :func:`hingeleaf_pieces`, negative inside the leaf (a rectangle, its bottom corners
    rounded) or either strip (a capsule round its axis on the top edge).  Exact everywhere
    (the notch on the top edge between the strips)."""
    from ._textures_more import _sd_round_rect

    (cx, cy), (hx, hy), rc, (notch, rk) = lay["leaf"]
    x, y = np.asarray(u, float) - cx, np.asarray(v, float) - cy
    segs, arcs, (a, b) = hingeleaf_pieces(hx, hy, rc, notch, rk)
    dist = np.full(np.broadcast(x, y).shape, np.inf)
    for ax, ay, bx, by in segs:
        dist = np.minimum(dist, _to_segment(x, y, ax, ay, bx, by))
    for ox, oy, r, sx, sy in arcs:
        on = (sx * (x - ox) >= 0.0) & (sy * (y - oy) >= 0.0)
        dist = np.where(on, np.minimum(dist, np.abs(np.hypot(x - ox, y - oy) - r)), dist)
    # the leaf: a rectangle rounded at its bottom corners (a taller one, cut square at the top)
    inside = (_sd_round_rect(x, y, (0.0, -rc), (hx, hy + rc), rc) < 0.0) & (y > -hy)
    for m in (-1.0, 1.0):
        inside |= _to_segment(x, y, m * a, -hy, m * b, -hy) < rk
    return np.where(inside, -dist, dist)


def hingeleaf_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hingeleaf`` layout in model pixels (origin at the image centre, y down): the
    leaf of :func:`sd_hingeleaf` (half sizes :data:`HL_HALF` s, bottom corners
    :data:`HL_CORNER` s;
    s the smaller side; the knuckle's strips of radius :data:`HL_KNUCKLE` s on its top edge,
    the notch :data:`HL_NOTCH` s either side of the centre), its centre half the knuckle's
    radius below the image's so that its bounding box is centred (``"half"``, where defects
    are placed from; ``"corner"`` its corners); the three screw holes (``"holes"``, bore
    :data:`HL_SCREW` s, at the centre and :data:`HL_SCREW_AT` s either way, :data:`HL_ROW` s
    below the leaf's middle line) in their countersinks (``"cones"``, one per hole, in
    order: a chamfer ring to :data:`HL_SINK` s); ``missing`` leaves out any of them (with its
    countersink)."""
    s = float(min(shape))
    hx, hy, rk = HL_HALF[0] * s, HL_HALF[1] * s, HL_KNUCKLE * s
    y0 = 0.5 * rk
    holes = [((x * HL_SCREW_AT * s, y0 + HL_ROW * s), HL_SCREW * s) for x in (-1.0, 0.0, 1.0)]
    cones = [(c, r, HL_SINK * s) for c, r in holes]
    return dict(base, half=(hx, hy + y0), corner=HL_CORNER * s,
                leaf=((0.0, y0), (hx, hy), HL_CORNER * s, (HL_NOTCH * s, rk)),
                holes=holes, cones=cones, slots=[], windows=[])
