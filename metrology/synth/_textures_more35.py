"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 54's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``planed``   a shaper- or planer-finished steel face (a machine base's slideway, a fixture
             block's or a die shoe's flat, finished by a single-point tool on a ram or a
             table stroking to and fro, the work fed sideways a step after every stroke)
             (:func:`planed_texture`): straight parallel strokes, one a feed apart (3.5-6.5
             px, strictly periodic across the lay), each a round-nosed tool's groove whose
             edges meet the next stroke's in a sharp ridge (:func:`stroke_ridges`: a
             parabola across each stroke, its floor ``depth`` below the ridges, each stroke
             of its own depth, 1 + 0.2 x a normal draw, the tool's spring and the ram's
             wear); along every stroke a faint periodic chatter (the ram's vibration: the
             groove's depth 1 +- 0.06-0.14 x a sine of 8-16 px, one period for the part, its
             phase its own on every stroke, as each stroke starts afresh); occasional torn
             patches where the tool dragged and tore the metal (:func:`torn_patches`: 0.8-2
             a 256 x 256 px, soft ellipses 10-24 px long along the lay and 4-7 across, a
             rough dark pitting in them over the ridges, which they wipe out); all seen by
             its level and by its slope towards a light at any azimuth, over a fine grain
             and a low-frequency tint (sigma 20-40 px, 0.15-0.25 of the spread).  **The lay
             turns from part to part**: the strokes' direction is the texture's first draw,
             uniform over 0-180 degrees (the part clamped on the table as it comes; the
             part's own angle is not taken; the spectrum's lay strength 0.85-0.90, seeds
             0-7).  Its levels two-sided (the sharp ridges up, the broad floors and the
             tears down, the slope symmetric: the face-signal skewness -0.16 to 0.20, seeds
             0-7).  Unlike
             ``broached`` (fine tool lines 2-5 px apart, band-passed, not periodic, crossed
             by regular step marks across the lay, torn streaks), ``beltsanded`` (scratches
             of mixed lengths, a second set, no pitch), ``flycut`` and ``milled`` (arcs),
             ``ground`` and ``brushed`` (aperiodic streaks; brushed's along the part's own
             angle), ``skimmed`` (a faint sine lay in patches of cast skin) and ``wirecut``
             (strictly periodic cusps, uncrossed, bright recast spots): a coarse, strictly
             periodic ridge lay, each stroke its own depth, a chatter ripple along every
             stroke with its own phase, and rare torn patches.

``latchplate`` layout (:func:`latchplate_layout`): a door latch's striker plate (the steel
             plate screwed into a door frame that the latch bolt springs into) seen face on:
             an elongated rounded rectangle (0.45 x 0.18 of the smaller side either way of
             its centre, aspect 2.5:1, corners 0.06), a small rectangular notch (0.05 wide,
             0.045 deep, sharp-cornered: the tongue's relief) cut into its lower long edge
             right of the centre (:func:`sd_latchplate`, the plate's ``"latch"``); a latch
             window (a rectangle 0.16 x 0.12, corners rounded to 0.02) off centre, 0.12 right
             of it, and a countersunk screw hole (a bore of 0.026 in a chamfer ring to
             0.05) near either end, 0.375 from the centre; every feature missable (a screw
             hole with its countersink).  The first plate of aspect 2.5:1 with a notch in a
             long edge: ``plate`` and ``strip`` are squarer rounded rectangles (``strip``'s
             V-notch in its short edge), ``hinge`` a square leaf with knuckle cut-outs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._textures_more23 import _to_segment
from ._textures_more29 import lay_filter

#: the planer's strokes: the feed a stroke (px), each stroke's depth spread (1 + it x a
#: normal draw, clipped to 0.5-1.5); the chatter's period along the stroke (px) and depth
#: (x the stroke's)
PL_FEED, PL_SPREAD, PL_CHATTER, PL_CHATTER_W = (3.5, 6.5), 0.2, (8.0, 16.0), (0.06, 0.14)
#: the torn patches: how many a 256 x 256 px (a Poisson mean drawn in this range), their
#: sigma along and across the lay (px), the pitting's depth (x the ridges' spread)
PL_TEARS, PL_TEAR_SIGMA, PL_TEAR_DEPTH = (0.8, 2.0), ((5.0, 12.0), (2.0, 3.5)), (1.2, 2.0)
#: the slope's weight against the level's, the grain's weight and sigma (px), the tint's
#: weight and sigma (px)
PL_SHADE, PL_GRAIN, PL_GRAIN_SIGMA, PL_TINT, PL_TINT_SIGMA = 0.8, 0.3, 0.7, (0.15, 0.25), \
    (20.0, 40.0)


def stroke_ridges(g, along, across, feed, period, chatter):
    """The strokes' height (the ridges at 0, the floors below) at the places ``along`` and
    ``across`` the lay (px, arrays of one shape): stroke ``k`` the band ``k <= across / feed
    + phase < k + 1`` (a random phase), its height ``-depth_k (1 - 4 (f - 1/2)^2)`` of the
    fraction ``f`` of the way across it (a round nose's groove, its edges meeting the
    neighbours' in a sharp ridge), ``depth_k`` its own (1 + :data:`PL_SPREAD` x a normal
    draw, clipped to 0.5-1.5) x the chatter ``1 + chatter x sin(2 pi along / period +
    phi_k)``, ``phi_k`` drawn per stroke."""
    pos = across / feed + g.uniform(0.0, 1.0)
    stroke = np.floor(pos)
    k0 = int(stroke.min()) if stroke.size else 0
    n = int(stroke.max()) - k0 + 1 if stroke.size else 1
    depth = np.clip(1.0 + PL_SPREAD * g.standard_normal(n), 0.5, 1.5)
    phi = g.uniform(0.0, 2.0 * np.pi, n)
    k = (stroke - k0).astype(int)
    frac = pos - stroke
    ripple = 1.0 + chatter * np.sin(2.0 * np.pi * along / period + phi[k])
    return -depth[k] * ripple * (1.0 - 4.0 * (frac - 0.5) ** 2)


def torn_patches(g, h, w, lay):
    """The torn patches' envelope (0 to about 1, ``h`` x ``w``, wrapping): a Poisson count
    (a mean of :data:`PL_TEARS` a 256 x 256 px, drawn) of soft ellipses at uniform places,
    each a Gaussian of :data:`PL_TEAR_SIGMA` (sigma along and across ``lay``, radians, drawn
    for the part) peaking at 1."""
    n = int(g.poisson(g.uniform(*PL_TEARS) * h * w / 65536.0))
    (a0, a1), (b0, b1) = PL_TEAR_SIGMA
    sa, sb = g.uniform(a0, a1), g.uniform(b0, b1)
    seeds = np.zeros((h, w))
    np.add.at(seeds, (g.integers(0, h, n), g.integers(0, w, n)), 1.0)
    env = np.fft.irfft2(np.fft.rfft2(seeds) * lay_filter(h, w, lay, sa, sb), s=(h, w))
    return np.clip(env * 2.0 * np.pi * sa * sb, 0.0, 1.0)


def planed_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A planed face: the lay drawn first (uniform over 0-180 degrees), then the feed
    (:data:`PL_FEED` px), the chatter's period and depth (:data:`PL_CHATTER`,
    :data:`PL_CHATTER_W`); the height of :func:`stroke_ridges`, wiped out where
    :func:`torn_patches` lie and pitted there instead (a fine grain's magnitude, down, of
    :data:`PL_TEAR_DEPTH`), seen by its level and by its slope towards a light at any
    azimuth (:data:`PL_SHADE`), a fine isotropic grain (:data:`PL_GRAIN`) and a tint
    (:data:`PL_TINT` of the spread, sigma :data:`PL_TINT_SIGMA` px).  The part's own angle
    is not taken.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    feed, period, chatter = g.uniform(*PL_FEED), g.uniform(*PL_CHATTER), g.uniform(*PL_CHATTER_W)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    along = xx * np.cos(lay) + yy * np.sin(lay)
    across = -xx * np.sin(lay) + yy * np.cos(lay)
    ridges = _unit(stroke_ridges(g, along, across, feed, period, chatter))
    env = torn_patches(g, h, w, lay)
    fine = lay_filter(h, w, 0.0, PL_GRAIN_SIGMA, PL_GRAIN_SIGMA)
    rough = _unit(np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * fine, s=(h, w)))
    pits = g.uniform(*PL_TEAR_DEPTH) * (np.abs(rough) + 0.5)
    height = ridges * (1.0 - env) - env * pits
    light = g.uniform(0.0, 2.0 * np.pi)
    gy, gx = np.gradient(height) if min(h, w) > 1 else (np.zeros((h, w)),) * 2
    # the slope towards the light over the gradient's whole spread, not its own: a light
    # along the lay sees the chatter's faint slope, not a chatter raised to the ridges' size
    slope = (np.cos(light) * gx + np.sin(light) * gy) / max(
        float(np.sqrt(np.mean(gx * gx + gy * gy))), 1e-12)
    face = _unit(height) + PL_SHADE * np.sqrt(2.0) * (slope - slope.mean())
    grain = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * fine, s=(h, w))
    tint = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                         * lay_filter(h, w, 0.0, *(g.uniform(*PL_TINT_SIGMA),) * 2), s=(h, w))
    return _unit(_unit(face) + PL_GRAIN * _unit(grain) + g.uniform(*PL_TINT) * _unit(tint))


#: the striker plate (x the smaller side): its half length and half height, its corners'
#: radius; the notch's centre right of the plate's centre, its half width and depth (cut
#: into the lower long edge); the latch window's centre right of the centre, its half sizes
#: and corners' radius; the screw holes' bore, their countersinks' outer radius and their
#: distance either way of the centre
LP_HALF, LP_CORNER = (0.45, 0.18), 0.06
LP_NOTCH_AT, LP_NOTCH, LP_NOTCH_DEPTH = 0.27, 0.025, 0.045
LP_WINDOW_AT, LP_WINDOW, LP_WINDOW_R = 0.12, (0.08, 0.06), 0.02
LP_SCREW, LP_SINK, LP_SCREW_AT = 0.026, 0.05, 0.375


def latchplate_pieces(hx, hy, rc, nx, nw, nd):
    """The striker plate's outline as straight pieces and quarter arcs (about its centre,
    y down): the rounded rectangle's sides (the lower one broken by the notch's mouth from
    ``nx - nw`` to ``nx + nw``) and the notch's two walls and floor (``nd`` deep), each a
    segment ``(ax, ay, bx, by)``; and its four corners' arcs, each ``(ox, oy, sx, sy)``:
    the centre and the quadrant it spans (``sx (x - ox) >= 0`` and ``sy (y - oy) >= 0``)."""
    ix, iy = hx - rc, hy - rc
    segs = [(-ix, -hy, ix, -hy), (hx, -iy, hx, iy), (-hx, -iy, -hx, iy),
            (-ix, hy, nx - nw, hy), (nx + nw, hy, ix, hy),
            (nx - nw, hy, nx - nw, hy - nd), (nx - nw, hy - nd, nx + nw, hy - nd),
            (nx + nw, hy - nd, nx + nw, hy)]
    arcs = [(sx * ix, sy * iy, sx, sy) for sx in (-1.0, 1.0) for sy in (-1.0, 1.0)]
    return segs, arcs


def sd_latchplate(u, v, lay):
    """Signed distance (px, negative inside) to the striker plate's outline of ``lay``
    (``"latch"``: the centre (x and y), the half sizes and the corners' radius, and the
    notch's centre (x, off the plate's), half width and depth, px): the distance to the
    nearest of :func:`latchplate_pieces`, negative inside the rounded rectangle but out of
    the notch's rectangle.  Exact everywhere (the notch on the lower side's straight part)."""
    (cx, cy), (hx, hy), rc, (nx, nw, nd) = lay["latch"]
    x, y = np.asarray(u, float) - cx, np.asarray(v, float) - cy
    segs, arcs = latchplate_pieces(hx, hy, rc, nx, nw, nd)
    dist = np.full(np.broadcast(x, y).shape, np.inf)
    for ax, ay, bx, by in segs:
        dist = np.minimum(dist, _to_segment(x, y, ax, ay, bx, by))
    for ox, oy, sx, sy in arcs:
        on = (sx * (x - ox) >= 0.0) & (sy * (y - oy) >= 0.0)
        dist = np.where(on, np.minimum(dist, np.abs(np.hypot(x - ox, y - oy) - rc)), dist)
    qx, qy = np.abs(x) - hx + rc, np.abs(y) - hy + rc
    box = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0)) + np.minimum(np.maximum(qx, qy),
                                                                         0.0) - rc
    inside = (box < 0.0) & ~((np.abs(x - nx) < nw) & (y > hy - nd))
    return np.where(inside, -dist, dist)


def latchplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``latchplate`` layout in model pixels (origin at the image centre, y down): the
    plate of :func:`sd_latchplate` (half sizes :data:`LP_HALF` s, corners :data:`LP_CORNER`
    s; s the smaller side; the notch :data:`LP_NOTCH_AT` s right of the centre, half width
    :data:`LP_NOTCH` s, :data:`LP_NOTCH_DEPTH` s deep into the lower edge) centred
    (``"half"``, where defects are placed from; ``"corner"`` its corners); the two screw
    holes (``"holes"``, bore :data:`LP_SCREW` s, :data:`LP_SCREW_AT` s either way on the
    long axis) in their countersinks (``"cones"``, one per hole, in order: a chamfer ring to
    :data:`LP_SINK` s) and the latch window (``"windows"``: half sizes :data:`LP_WINDOW` s,
    corners :data:`LP_WINDOW_R` s, :data:`LP_WINDOW_AT` s right of the centre); ``missing``
    leaves out any of the three (a screw hole with its countersink)."""
    s = float(min(shape))
    hx, hy = LP_HALF[0] * s, LP_HALF[1] * s
    holes = [((x * LP_SCREW_AT * s, 0.0), LP_SCREW * s) for x in (-1.0, 1.0)]
    cones = [(c, r, LP_SINK * s) for c, r in holes]
    window = ((LP_WINDOW_AT * s, 0.0), (LP_WINDOW[0] * s, LP_WINDOW[1] * s), LP_WINDOW_R * s)
    notch = (LP_NOTCH_AT * s, LP_NOTCH * s, LP_NOTCH_DEPTH * s)
    return dict(base, half=(hx, hy), corner=LP_CORNER * s,
                latch=((0.0, 0.0), (hx, hy), LP_CORNER * s, notch),
                holes=holes, cones=cones, slots=[], windows=[window])
