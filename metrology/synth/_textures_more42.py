"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 61's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``veneer``   a sanded and lacquered flat-sliced oak veneer face, as on a veneered panel, a
             cabinet's door or an instrument case (:func:`veneer_texture`): **growth rings**
             (:func:`ring_phase`: the slice cuts the log's rings at a slant, so they show as
             nested arches, the cathedral figure: bands across the grain, the grain at an
             angle drawn per part over 0-180 degrees, bent into parabolic arches about a
             crest drawn per part, 2-6 rings deep over the half image, and wandering by a
             smooth warp of 0.3-0.8 rings over 40-70 px); within each ring of 6-12 px (drawn
             per part) the wood darkens from the light earlywood to the dark latewood, ever
             faster (the ring's fraction to the power 2-3.5, drawn per part), then turns light
             again at once at the ring's boundary (:func:`ring_profile`); **the earlywood's
             pores** (:func:`earlywood_pores`: oak is ring-porous: its large vessels lie in a
             band at the start of each ring, the first 0.25 of it, cut open by the slice:
             short dark dashes 1.5-2.5 px (sigma) along the grain, 0.5 px across, 0.04-0.08
             per px^2 of that band); **the fibres** (an anisotropic noise of sigma 0.6 px
             across and 10-20 px along the grain) and a faint slow tint of the wood's colour.
             The part's angle is not taken (the grain's angle is drawn per part).  One-sided:
             dark latewood bands and dark pores on a light face (the face-signal skewness
             -0.51 to -0.32, seeds 0-7; its darkest points the latewood's, not the pores').
             The fibres run straight along the grain and the rings arch across it, as in
             flat-sliced wood.
             Unlike ``guilloche`` (grooves of one pitch side by side, each waving in one
             sine), ``brushed``, ``blued`` and ``ground`` (straight lines of no pitch, two-sided),
             ``luders`` (bands of a rougher grain at 50-56 degrees to roll streaks) and
             ``woven`` (tows crossing in a twill): bands of one pitch bent into nested arches,
             each darkening across itself and ending in a sharp step, a row of dark dashes
             along each ring's start.

``bayonet``  layout (:func:`bayonet_layout`): a bayonet (twist-lock) plate seen face on, the
             flat locking flange of a quick coupling, a lamp's or a filter's mounting base: a
             round plate (radius :data:`BY_RADIUS` x the smaller side) with three L-shaped
             bayonet slots cut in from its rim, 120 degrees apart (mouths at 15, 135 and 255
             degrees, none at the bounding box's extremes): each slot a milled path of half
             width :data:`BY_SLOT` (the cutter's radius), radially in from the rim to the
             circle of radius :data:`BY_TRACK`, then :data:`BY_TURN` degrees round it (the
             locking leg, where the mating part's pin turns and is held under the rim's
             lip), its end round (:func:`sd_bayonet`, the plate's ``"bayonet"``: exact
             everywhere); a centre bore (:data:`BY_BORE`) and three screw holes
             (:data:`BY_SCREW`, on a circle of :data:`BY_SCREW_AT`, between the slots),
             each missable.  No mirror line; a three-fold turn.  Unlike ``geneva`` (straight
             radial slots, concave arcs between them), ``hookplate`` (one J-shaped throat
             widening into a bowl), ``forkend`` (one straight U slot), ``circlip`` and
             ``keyedcollar`` (a ring cut through by one gap): slots that turn a right angle
             inside the plate, their locking legs running along the rim under a thin lip.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more23 import _to_segment
from ._textures_more29 import _filtered, lay_filter
from ._textures_more37 import _arc_distance
from ._textures_more39 import _smooth

#: the rings: their pitch (px, drawn per part), the arches' depth over the half image (in
#: rings), the warp's size (in rings) and its sigma (px), the profile's power (drawn per part)
#: and its softening (sigma, px)
VN_PITCH, VN_ARCH, VN_WARP, VN_WARP_SIGMA = (6.0, 12.0), (2.0, 6.0), (0.3, 0.8), (40.0, 70.0)
VN_POWER, VN_SOFT = (2.0, 3.5), 0.6
#: the pores: the earlywood band (the share of the ring from its start), their density in it
#: (per px^2), their sigma along and across the grain (px) and their depth (x the rings'
#: spread); the fibres' sigma along (px, drawn per part) and across (px) and weight; the
#: tint's sigma (px) and weight
VN_BAND, VN_PORES, VN_PORE_ALONG, VN_PORE_ACROSS = 0.25, (0.04, 0.08), (1.5, 2.5), 0.5
VN_PORE = 1.6
VN_FIBRE_ALONG, VN_FIBRE_ACROSS, VN_FIBRE = (10.0, 20.0), 0.6, 0.45
VN_TINT_SIGMA, VN_TINT = 30.0, 0.2


def ring_phase(g, h, w):
    """The growth rings' phase on an ``h`` x ``w`` face (in rings: its integer steps are the
    ring boundaries) and the grain's angle (radians, x towards y): the distance across the
    grain (drawn per part over 0-180 degrees, the texture's first draw) bent into
    parabolic arches about a crest drawn along it (:data:`VN_ARCH` rings deep over the half
    image) plus a smooth warp (:data:`VN_WARP` rings, sigma :data:`VN_WARP_SIGMA` px), over
    the pitch (:data:`VN_PITCH` px, drawn per part)."""
    grain, pitch = g.uniform(0.0, np.pi), g.uniform(*VN_PITCH)
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    xx, yy = xx - 0.5 * (w - 1), yy - 0.5 * (h - 1)
    along = xx * np.cos(grain) + yy * np.sin(grain)
    across = -xx * np.sin(grain) + yy * np.cos(grain)
    half = 0.5 * max(h, w, 2)
    crest = g.uniform(-0.5, 0.5) * half
    arch = g.choice([-1.0, 1.0]) * g.uniform(*VN_ARCH) * pitch * ((along - crest) / half) ** 2
    warp = g.uniform(*VN_WARP) * pitch * _smooth(g, h, w, g.uniform(*VN_WARP_SIGMA))
    return (across + arch + warp) / pitch, grain


def ring_profile(frac, power):
    """The wood's level across a ring (``frac`` its fraction from the ring's start, 0-1):
    ``-frac ** power``: light earlywood darkening ever faster to the dark latewood at the
    ring's end, then light at once (the next ring's start)."""
    return -np.asarray(frac, float) ** power


def earlywood_pores(g, frac, grain):
    """The earlywood's pores (an array of ``frac``'s shape, 0 to about 1 deep): seeds drawn
    at each pixel whose ring fraction ``frac`` is under :data:`VN_BAND` with the chance
    :data:`VN_PORES` (drawn per part), each a dash (an anisotropic Gaussian of
    :data:`VN_PORE_ALONG` px along the grain at ``grain``, drawn per part, and
    :data:`VN_PORE_ACROSS` px across it) of depth 1 at its seed (overlaps add)."""
    h, w = frac.shape
    along = g.uniform(*VN_PORE_ALONG)
    seeds = (g.random((h, w)) < g.uniform(*VN_PORES)) & (frac < VN_BAND)
    dashes = _filtered(seeds.astype(float), lay_filter(h, w, grain, along, VN_PORE_ACROSS))
    return dashes * (2.0 * np.pi * along * VN_PORE_ACROSS)


def veneer_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A flat-sliced oak veneer face: :func:`ring_profile` of :func:`ring_phase`'s fraction
    (the power :data:`VN_POWER` drawn per part), softened by :data:`VN_SOFT` px and made unit,
    less :data:`VN_PORE` x :func:`earlywood_pores`, plus :data:`VN_FIBRE` x the fibres (an
    anisotropic noise of :data:`VN_FIBRE_ACROSS` px across and :data:`VN_FIBRE_ALONG` px
    along the grain) and :data:`VN_TINT` x a slow tint (sigma :data:`VN_TINT_SIGMA` px).  The
    part's angle is not taken.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    phase, grain = ring_phase(g, h, w)
    frac = np.mod(phase, 1.0)
    rings = ndimage.gaussian_filter(ring_profile(frac, g.uniform(*VN_POWER)), VN_SOFT,
                                    mode="nearest")
    face = _unit(rings) - VN_PORE * earlywood_pores(g, frac, grain)
    fibres = _filtered(g.standard_normal((h, w)),
                       lay_filter(h, w, grain, g.uniform(*VN_FIBRE_ALONG), VN_FIBRE_ACROSS))
    face = face + VN_FIBRE * _unit(fibres) + VN_TINT * _smooth(g, h, w, VN_TINT_SIGMA)
    return _unit(face)


#: the plate (x the smaller side): its radius; the slots' half width (the cutter's radius),
#: the radius of the circle their locking legs run round (their paths') and the legs' turn
#: (degrees, towards growing angles: clockwise on the image, y down) from the mouths' angles
#: (degrees); the centre bore's radius, the screw holes' radius and their circle's
BY_RADIUS, BY_SLOT, BY_TRACK, BY_TURN = 0.46, 0.04, 0.365, 40.0
BY_MOUTHS = (15.0, 135.0, 255.0)
BY_BORE, BY_SCREW, BY_SCREW_AT = 0.05, 0.028, 0.34


def bayonet_pieces(radius, slot, track, turn, mouths):
    """The bayonet plate's outline as straight pieces ``(ax, ay, bx, by)`` and arcs ``(cx,
    cy, r, start, span)`` (radians, about the plate's centre, y down): per slot (its mouth at
    ``phi`` in ``mouths``, radians; its path radially in to ``track``, then ``turn`` round
    it) its two straight sides from the rim inward (the side away from the turn to the path's
    corner, the other to where it meets the locking leg's outer side), the corner's quarter
    circle (radius ``slot`` round the path's corner), the locking leg's inner and outer
    sides (the outer from where the straight side meets it) and its round end; and the rim's
    arcs between the slots' mouths."""
    segs, arcs = [], []
    edge = float(np.sqrt(radius ** 2 - slot ** 2))           # the mouth's corners' reach
    meet = float(np.sqrt((track + slot) ** 2 - slot ** 2))   # the side meets the outer leg
    half_mouth = float(np.arcsin(slot / radius))
    for phi in mouths:
        er, et = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
        a, b = track * er - slot * et, edge * er - slot * et
        segs.append((a[0], a[1], b[0], b[1]))
        a, b = meet * er + slot * et, edge * er + slot * et
        segs.append((a[0], a[1], b[0], b[1]))
        corner = track * er
        arcs.append((corner[0], corner[1], slot, phi + np.pi, 0.5 * np.pi))
        arcs.append((0.0, 0.0, track - slot, phi, turn))
        start = phi + float(np.arcsin(slot / (track + slot)))
        arcs.append((0.0, 0.0, track + slot, start, phi + turn - start))
        end = phi + turn
        arcs.append((track * np.cos(end), track * np.sin(end), slot, end, np.pi))
    for k, phi in enumerate(mouths):
        nxt = mouths[(k + 1) % len(mouths)]
        span = np.mod(nxt - phi, 2.0 * np.pi) - 2.0 * half_mouth
        arcs.append((0.0, 0.0, radius, phi + half_mouth, span))
    return segs, arcs


def bayonet_slots(u, v, radius, slot, track, turn, mouths):
    """The signed distance (px) to the slots (negative inside one): the distance to the
    nearest slot's path (from past the rim radially in to ``track``, then ``turn`` round
    it) less ``slot`` (the path's half width)."""
    d = np.full(np.broadcast(u, v).shape, np.inf)
    for phi in mouths:
        c, s = np.cos(phi), np.sin(phi)
        out = radius + 2.0 * slot
        d = np.minimum(d, _to_segment(u, v, out * c, out * s, track * c, track * s))
        d = np.minimum(d, _arc_distance(u, v, (0.0, 0.0, track, phi, turn)))
    return d - slot


def sd_bayonet(u, v, lay):
    """Signed distance (px, negative inside) to the bayonet plate's outline of ``lay``
    (``"bayonet"``: the plate's radius, the slots' half width, their track's radius, the
    turn and the mouths' angles (radians), px): the least distance to
    :func:`bayonet_pieces`, negative within the plate's circle and out of every slot
    (:func:`bayonet_slots`).  Exact everywhere (inside it equals the lesser of the rim's
    and the slots' distances; outside, the mouths' corners and the lips' corners are the
    pieces' ends)."""
    radius, slot, track, turn, mouths = lay["bayonet"]
    u, v = np.asarray(u, float), np.asarray(v, float)
    segs, arcs = bayonet_pieces(radius, slot, track, turn, mouths)
    dist = np.full(np.broadcast(u, v).shape, np.inf)
    for ax, ay, bx, by in segs:
        dist = np.minimum(dist, _to_segment(u, v, ax, ay, bx, by))
    for arc in arcs:
        dist = np.minimum(dist, _arc_distance(u, v, arc))
    inside = (np.hypot(u, v) < radius) & \
        (bayonet_slots(u, v, radius, slot, track, turn, mouths) > 0.0)
    return np.where(inside, -dist, dist)


def bayonet_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``bayonet`` layout in model pixels (origin at the image centre, y down): the plate
    of :func:`sd_bayonet` (radius :data:`BY_RADIUS` x the smaller side ``s``; the slots of
    half width :data:`BY_SLOT` s, their locking legs round the circle of :data:`BY_TRACK` s,
    :data:`BY_TURN` degrees from their mouths at :data:`BY_MOUTHS` degrees; ``"half"`` its
    bounding box, where defects are placed from, ``"corner"`` its radius); the centre bore
    (:data:`BY_BORE` s) and three screw holes (:data:`BY_SCREW` s on the circle of
    :data:`BY_SCREW_AT` s, each mid-way between one slot's locking leg's end and the next
    slot's mouth), in ``"holes"``, bore first; ``missing`` leaves out any of them."""
    s = float(min(shape))
    radius, turn = BY_RADIUS * s, float(np.deg2rad(BY_TURN))
    mouths = tuple(float(np.deg2rad(m)) for m in BY_MOUTHS)
    holes = [((0.0, 0.0), BY_BORE * s)]
    for k, phi in enumerate(mouths):
        nxt = mouths[(k + 1) % 3] + (2.0 * np.pi if k == 2 else 0.0)
        at = 0.5 * (phi + turn + nxt)
        holes.append(((float(BY_SCREW_AT * s * np.cos(at)), float(BY_SCREW_AT * s * np.sin(at))),
                      BY_SCREW * s))
    return dict(base, half=(radius, radius), corner=radius,
                bayonet=(radius, BY_SLOT * s, BY_TRACK * s, turn, mouths), holes=holes,
                slots=[], windows=[])
