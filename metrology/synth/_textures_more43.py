"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 62's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``sunray``   a sunray (sunburst, soleil) brushed face, as on a watch dial, an audio
             amplifier's knob or cap, a spun cover: the part spun under an abrasive pad
             pressed across it, so every scratch runs **radially from the spin axis**
             (:func:`sunray_lines`: a centre drawn per part within :data:`SR_OFFSET` of the
             image's smaller side of its middle; :data:`SR_LINES` lines round the turn, each
             a fine aperiodic profile across (sigma :data:`SR_ACROSS` of a line's spacing),
             its strength drifting along the radius (sigma :data:`SR_ALONG` px, drawn per
             part); as the lines crowd towards the centre a pixel spans several of them, so
             the lines are averaged there (read from copies of the profile blurred 4 and 16
             times as much across), and the face turns smooth at its middle) and **a
             bow-tie sheen** (:func:`sunray_sheen`): a brushed face scatters light across
             its scratches, so the sectors whose lines run across the light's azimuth (drawn
             per part) shine and the two between them are dull (``cos 2(theta - light)``,
             :data:`SR_SHEEN` of the lines' spread); the lines stand out more where it shines
             (their weight 1 + :data:`SR_GAIN` x the sheen), and a fine grain
             (:data:`SR_GRAIN`, sigma 0.7 px).  The part's angle is not taken (the pattern
             turns into itself; the light is drawn per part).  Two-sided (the face-signal
             skewness -0.08 to 0.09, seeds 0-7).
             Unlike ``brushed``, ``ground``, ``beltsanded`` and ``blued`` (parallel straight
             lines, one lay over the whole face), ``faced`` (a spiral of turning grooves
             round a centre: lines across the radius, not along it), ``milled`` and
             ``blanchard`` (arcs of a cutter's sweep), ``jewelled`` (a lattice of spots of
             concentric scratches) and ``lapped`` and ``swirled`` (short arcs of no common
             direction): straight lines all radiating from one point near the middle, a lay
             that turns with the place on the face, and a sheen that splits the face into
             two bright and two dull sectors.

``axialfan`` layout (:func:`axialfan_layout`): an axial fan's blade wheel (a cast or stamped
             cooling fan, a ventilation fan's impeller) seen along its axis: a round hub
             (radius :data:`AF_HUB` x the smaller side) and four swept blades, 90 degrees
             apart on the diagonals, each the lens between a leading and a trailing circular
             arc (:func:`fan_blades`: both through the hub's centre and a far point
             :data:`AF_FAR` out, swept :data:`AF_SKEW` degrees round from the blade's axis,
             bulging :data:`AF_LEAD` and :data:`AF_TRAIL` either side of that chord), its tip
             cut on the fan's circle (radius :data:`AF_TIP`, as a fan's tips are cut for
             their clearance in the shroud); the blades' edges meet the hub sharply
             (:func:`sd_axialfan`, the plate's ``"blades"``: exact everywhere); a centre bore
             (:data:`AF_BORE`) and a bolt hole (:data:`AF_BOLT`) on each blade's axis at
             :data:`AF_BOLT_AT` (the blade's root, where it is fixed to the hub), each
             missable.  Four-fold turning, no mirror line.
             Unlike ``spokewheel`` (curved spokes joining the hub to a rim: the openings
             closed all round), ``ratchet`` (saw teeth round a wheel), ``starflange`` (round
             scallops between lobes) and ``trimount`` (a convex rounded triangle): blades free
             at their tips, each bounded by two arcs that bow either way, the gaps between
             them open to the rim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more37 import _arc_distance
from ._textures_more39 import _smooth

#: the lines: how many round the turn, their sigma across (x their spacing at the rim) and
#: along the radius (px, drawn per part); the centre's offset (x the smaller side) either way
SR_LINES, SR_ACROSS, SR_ALONG, SR_OFFSET = 512, 0.6, (10.0, 25.0), 0.04
#: the sheen's weight (x the lines' spread), the lines' gain with it and the grain's weight
SR_SHEEN, SR_GAIN, SR_GRAIN = 0.5, 0.4, 0.2


def sunray_lines(g, h, w):
    """The radial lines on an ``h`` x ``w`` face (unit spread where a pixel spans one line
    or less, averaged towards the centre) and each pixel's angle about the spin centre
    (radians): the centre drawn within :data:`SR_OFFSET` x the smaller side of the face's
    middle; a white noise of :data:`SR_LINES` angles by the radius (1 px steps, drawn 4
    sigmas longer at each end, so the centre is no different) blurred along the radius by
    :data:`SR_ALONG` px (drawn per part) and across by
    :data:`SR_ACROSS`, 4 x and 16 x that of a line's spacing; each pixel reads the copy
    blurred as much as the lines it spans (blending between copies by the log of the count),
    bilinearly."""
    s = float(min(h, w))
    cx = 0.5 * (w - 1) + g.uniform(-SR_OFFSET, SR_OFFSET) * s
    cy = 0.5 * (h - 1) + g.uniform(-SR_OFFSET, SR_OFFSET) * s
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    r, theta = np.hypot(xx - cx, yy - cy), np.arctan2(yy - cy, xx - cx)
    along = g.uniform(*SR_ALONG)
    pad = int(np.ceil(4.0 * along))                  # the radius' ends as far from the edges
    noise = g.standard_normal((SR_LINES, int(np.ceil(r.max())) + 2 + 2 * pad))
    noise = ndimage.gaussian_filter1d(noise, along, axis=1, mode="wrap")[:, pad:-pad]
    copies = [ndimage.gaussian_filter1d(noise, SR_ACROSS * 4.0 ** k, axis=0, mode="wrap")
              for k in range(3)]
    at = [np.mod(theta, 2.0 * np.pi) * (SR_LINES / (2.0 * np.pi)), r]
    read = [ndimage.map_coordinates(c, at, order=1, mode="grid-wrap") / copies[0].std()
            for c in copies]
    spans = SR_LINES / (2.0 * np.pi * np.maximum(r, 1.0))       # lines a pixel spans
    level = np.clip(np.log(np.maximum(spans, 1.0)) / np.log(4.0), 0.0, 2.0)
    k = np.minimum(level.astype(int), 1)
    f = level - k
    return np.choose(k, read[:2]) * (1.0 - f) + np.choose(k, read[1:]) * f, theta


def sunray_sheen(theta, light):
    """The bow-tie sheen at the angles ``theta`` (radians) about the spin centre for a
    light at the azimuth ``light``: ``cos 2(theta - light)``, 1 where the lines run along
    the light's azimuth (they scatter it across themselves, towards the camera), -1 across
    it."""
    return np.cos(2.0 * (np.asarray(theta, float) - light))


def sunray_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A sunray brushed face: :data:`SR_SHEEN` x :func:`sunray_sheen` (the light's azimuth
    drawn per part) plus :func:`sunray_lines` weighted by 1 + :data:`SR_GAIN` x the sheen,
    plus :data:`SR_GRAIN` x a fine grain (sigma 0.7 px).  The part's angle is not taken.
    Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    light = g.uniform(0.0, np.pi)
    lines, theta = sunray_lines(g, h, w)
    sheen = sunray_sheen(theta, light)
    face = SR_SHEEN * sheen + (1.0 + SR_GAIN * sheen) * lines + SR_GRAIN * _smooth(g, h, w, 0.7)
    return _unit(face)


#: the fan (x the smaller side): the tip circle's radius, the hub's; each blade's far point
#: (the chord's end from the hub's centre) and its sweep from the blade's axis (degrees,
#: towards growing angles); the leading and the trailing arcs' bulge off that chord; the
#: blades' axes (degrees); the centre bore, the bolt holes and their circle
AF_TIP, AF_HUB, AF_FAR, AF_SKEW = 0.46, 0.2, 0.7, 14.0
AF_LEAD, AF_TRAIL = 0.18, 0.12
AF_AXES = (45.0, 135.0, 225.0, 315.0)
AF_BORE, AF_BOLT, AF_BOLT_AT = 0.045, 0.022, 0.13


def fan_blades(far, skew, lead, trail, axes):
    """Each blade's two circles ``((cx, cy, r), (cx, cy, r))`` (px, about the hub's
    centre): the leading one through the centre and the far point (``far`` out at the
    blade's axis plus ``skew``, radians), bulging ``lead`` off their chord towards growing
    angles, the trailing one through the same points bulging ``trail`` the other way; the
    blade is the lens within both."""
    out = []
    for beta in axes:
        p1 = far * np.array([np.cos(beta + skew), np.sin(beta + skew)])
        c = float(np.hypot(*p1))
        t = p1 / c
        n = np.array([-t[1], t[0]])                     # towards growing angles
        circles = []
        for bulge, side in ((lead, 1.0), (trail, -1.0)):
            rho = (0.25 * c * c + bulge * bulge) / (2.0 * bulge)
            centre = 0.5 * p1 - side * n * (rho - bulge)
            circles.append((float(centre[0]), float(centre[1]), float(rho)))
        out.append(tuple(circles))
    return out


def _crossing(circle, radius, far_point):
    """The point where ``circle`` (``(cx, cy, r)``) crosses the circle of ``radius`` about
    the origin on its arc towards ``far_point`` (the crossing nearer to it)."""
    cx, cy, r = circle
    d = np.hypot(cx, cy)
    a = (radius * radius - r * r + d * d) / (2.0 * d)
    k = np.sqrt(max(radius * radius - a * a, 0.0))
    ex, ey = cx / d, cy / d
    pts = [np.array([a * ex - s * k * ey, a * ey + s * k * ex]) for s in (1.0, -1.0)]
    return min(pts, key=lambda p: np.hypot(*(p - far_point)))


def _minor(cx, cy, p, q):
    """The shorter arc ``(cx, cy, r, start, span)`` of the circle about ``(cx, cy)`` from
    ``p`` to ``q`` (points on it)."""
    a, b = (float(np.arctan2(z[1] - cy, z[0] - cx)) for z in (p, q))
    span = np.mod(b - a, 2.0 * np.pi)
    start, span = (a, span) if span <= np.pi else (b, 2.0 * np.pi - span)
    return (cx, cy, float(np.hypot(p[0] - cx, p[1] - cy)), start, float(span))


def fan_pieces(tip, hub, far, skew, lead, trail, axes):
    """The fan's outline as arcs ``(cx, cy, r, start, span)`` (radians, y down): per blade
    its leading and trailing arcs from the hub's circle to the tip's and its tip (the tip
    circle's arc between them); and the hub's arcs between the blades."""
    arcs, roots = [], []
    for beta, circles in zip(axes, fan_blades(far, skew, lead, trail, axes)):
        end = far * np.array([np.cos(beta + skew), np.sin(beta + skew)])
        tips = []
        for cx, cy, r in circles:
            a = _crossing((cx, cy, r), hub, end)
            b = _crossing((cx, cy, r), tip, end)
            arcs.append(_minor(cx, cy, a, b))
            tips.append(b)
            roots.append(float(np.arctan2(a[1], a[0])))
        arcs.append(_minor(0.0, 0.0, *tips))
    # the hub's arcs: from each blade's leading root (its edge towards growing angles) to
    # the next blade's trailing root
    for k in range(len(axes)):
        start = roots[2 * k]
        nxt = roots[(2 * k + 3) % (2 * len(axes))]
        arcs.append((0.0, 0.0, hub, start, float(np.mod(nxt - start, 2.0 * np.pi))))
    return arcs


def sd_axialfan(u, v, lay):
    """Signed distance (px, negative inside) to the fan's outline of ``lay`` (``"blades"``:
    the tip's and the hub's radii, the far point's reach, the sweep, the bulges and the
    blades' axes (radians), px): the least distance to :func:`fan_pieces`, negative within
    the hub or within a blade (inside both its circles and the tip's).  Exact everywhere:
    the pieces are the outline, each arc an arc of its circle between its ends."""
    tip, hub, far, skew, lead, trail, axes = lay["blades"]
    u, v = np.asarray(u, float), np.asarray(v, float)
    r = np.hypot(u, v)
    dist = np.full(np.broadcast(u, v).shape, np.inf)
    for arc in fan_pieces(tip, hub, far, skew, lead, trail, axes):
        dist = np.minimum(dist, _arc_distance(u, v, arc))
    inside = r < hub
    for circles in fan_blades(far, skew, lead, trail, axes):
        blade = r < tip
        for cx, cy, rho in circles:
            blade &= np.hypot(u - cx, v - cy) < rho
        inside |= blade
    return np.where(inside, -dist, dist)


def axialfan_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``axialfan`` layout in model pixels (origin at the image centre, y down): the fan
    of :func:`sd_axialfan` (s the smaller side: tip :data:`AF_TIP` s, hub :data:`AF_HUB` s,
    the blades of :func:`fan_blades` on the axes :data:`AF_AXES` degrees; ``"half"`` its
    bounding box, where defects are placed from, ``"corner"`` the tip's radius); the centre
    bore (:data:`AF_BORE` s) and four bolt holes (:data:`AF_BOLT` s, :data:`AF_BOLT_AT` s
    out on the blades' axes), in ``"holes"``, bore first; ``missing`` leaves out any of
    them."""
    s = float(min(shape))
    axes = tuple(float(np.deg2rad(a)) for a in AF_AXES)
    holes = [((0.0, 0.0), AF_BORE * s)]
    holes += [((float(AF_BOLT_AT * s * np.cos(a)), float(AF_BOLT_AT * s * np.sin(a))),
               AF_BOLT * s) for a in axes]
    blades = (AF_TIP * s, AF_HUB * s, AF_FAR * s, float(np.deg2rad(AF_SKEW)), AF_LEAD * s,
              AF_TRAIL * s, axes)
    return dict(base, half=(AF_TIP * s, AF_TIP * s), corner=AF_TIP * s, blades=blades, holes=holes,
                slots=[], windows=[])
