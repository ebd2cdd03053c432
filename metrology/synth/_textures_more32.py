"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 51's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``beltsanded`` a belt-sanded face (a flat face finished on a linishing belt: the part held
             against the belt running over a platen, as a stainless panel's, a bracket's
             or a blade's flat) (:func:`beltsanded_texture`): the lay, the belt's running
             direction, drawn per part uniformly over 0-180 degrees (the part is presented
             to the belt as it comes); along it, dense straight sanding scratches of many
             lengths and depths (:func:`sanding_scratches`: three families of Gaussian
             streaks, about 4, 12 and 36 px long, fewer the longer, each of its own depth;
             every scratch a groove with the lips its grit ploughed up either side, so its
             profile across is a narrow dip between two wider, shallower rises of nine
             tenths its volume: the grit mostly ploughs, cutting little away); a few deeper
             grit scratches (:func:`grit_scratches`: a coarse grain stray in the belt, long,
             4-6 x as deep, about 3 per 256 x 256 px); a fainter, sparser second set 3-8
             degrees off the lay (:func:`second_set`: the previous pass's scratches, not
             quite sanded out, the part presented a little skew then); and a slow drift of
             the scratches' strength along the lay (:func:`belt_gain`: 1 -+ 0.25, bands
             across the lay tens of px wide, where the pressure on the platen rose and fell
             as the part was fed along the belt).  Seen by the scratches' level and by their
             slope towards a light at any azimuth; a faint isotropic haze.  Its levels
             two-sided (the lips balance the grooves, the slope is symmetric: the
             face-signal skewness -0.29 to 0.01, seeds 0-7).  Unlike ``brushed`` (streaks
             of one length along the part's own angle, which turns with the part, no grit
             scratches, no second set), ``ground`` (a wheel's full-length scratches within
             +-3 degrees of the lay, wheel marks and periodic chatter bands across it),
             ``broached`` (tool lines at a pitch, crossed by regular step marks) and
             ``superfinished`` (grit paths crossing along sines): a straight lay of mixed
             short and long scratches, a second set a few degrees off it and a strength
             drifting along it.

``sectorblank`` layout (:func:`sectorblank_layout`): a sector gear's blank (a gear segment
             before its teeth are cut, as on a steering box's or a quadrant drive's sector
             shaft) seen face on: a fan, a circular sector of half angle 36 degrees opening
             upwards, its arc 0.70 x the smaller side from the apex, its two corners rounded
             (0.03), spreading from a round hub (radius 0.18) centred on the apex
             (:func:`sd_sectorblank`, the plate's ``"fan"``); the shaft bore (0.065) in the
             hub, two lightening holes (0.055) 0.36 from the apex, 20 degrees either side of
             the sector's axis, and a radial slot (0.022 either side of its axis) on the axis
             between them, its axis from 0.27 to 0.41 from the apex (the stop pin's slot);
             every feature missable.  The band under the arc, where the teeth are to be cut,
             is left solid.  The first fan-shaped outline: ``thrustpad`` is an annular sector
             round a centre off the image (no apex, no hub), ``quadrant`` a rectangular
             plate with an arcuate slot, ``bellcrank`` and ``link`` arms with round ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more23 import _to_segment
from ._textures_more29 import lay_filter

#: the sanding scratches: the three families' sigma along the lay (px), their densities (per
#: px^2) and weights, the scratches' sigma across (px), the lips' share of a groove's volume
#: (their Gaussian twice as wide), the depths' log-normal spread; the grit scratches' density
#: (per px^2), sigma along and across (px) and depth (x a family scratch's); the second set's
#: offset from the lay (degrees, either way) and depth (it is drawn as the middle family, a
#: third as dense)
BS_LENGTHS, BS_DENSITY, BS_WEIGHT = (4.0, 12.0, 36.0), (0.18, 0.06, 0.018), (0.33, 0.58, 1.0)
BS_WIDTH, BS_LIP, BS_SPREAD = 0.5, 0.9, 0.4
BS_GRIT, BS_GRIT_SIGMA, BS_GRIT_DEPTH = 5e-5, (50.0, 0.8), (4.0, 6.0)
BS_SECOND, BS_SECOND_W = (3.0, 8.0), 0.35
#: the level's and the slope's weights, the belt's strength drift (1 -+ it) and its sigma
#: along the lay (px), the haze's weight and sigma (px)
BS_SHADE, BS_DRIFT, BS_DRIFT_SIGMA, BS_HAZE, BS_HAZE_SIGMA = 1.3, 0.25, 50.0, 0.2, 0.6


def _streaks(g, h, w, lay, sigma_along, sigma_across, density, depth):
    """The rfft2 spectrum of a family of scratches along ``lay`` (radians): seeds at
    ``density`` per px, each ``depth`` x a log-normal draw (:data:`BS_SPREAD`), each a
    Gaussian streak of ``sigma_along`` by ``sigma_across`` px less :data:`BS_LIP` of one
    twice as wide across (the lips either side of the groove), peak about its depth."""
    seeds = (g.random((h, w)) < density) * g.lognormal(0.0, BS_SPREAD, (h, w))
    shape = lay_filter(h, w, lay, sigma_along, sigma_across) - BS_LIP * lay_filter(
        h, w, lay, sigma_along, 2.0 * sigma_across)
    return depth * 2.0 * np.pi * sigma_along * sigma_across * np.fft.rfft2(seeds) * shape


def sanding_scratches(g, h, w, lay):
    """The sanding scratches' depth field (``h`` x ``w``, wrapping, grooves positive): the
    three families of :data:`BS_LENGTHS` along ``lay`` (radians; densities
    :data:`BS_DENSITY`, weights :data:`BS_WEIGHT`: the square root of their length's share,
    so a long scratch is deeper than a short one)."""
    spec = np.zeros((h, w // 2 + 1), complex)
    for length, dens, weight in zip(BS_LENGTHS, BS_DENSITY, BS_WEIGHT):
        spec += _streaks(g, h, w, lay, length, BS_WIDTH, dens, weight)
    return np.fft.irfft2(spec, s=(h, w))


def grit_scratches(g, h, w, lay):
    """The grit scratches' depth field (``h`` x ``w``, wrapping): seeds at :data:`BS_GRIT`
    per px, streaks of :data:`BS_GRIT_SIGMA` along ``lay`` and across, one depth in
    :data:`BS_GRIT_DEPTH` x a family scratch's for the part."""
    depth = g.uniform(*BS_GRIT_DEPTH)
    spec = _streaks(g, h, w, lay, *BS_GRIT_SIGMA, BS_GRIT, depth)
    return np.fft.irfft2(spec, s=(h, w))


def second_set(g, h, w, second):
    """The previous pass's scratches (``h`` x ``w``, wrapping): the middle family along
    ``second`` (radians), a third as dense, :data:`BS_SECOND_W` as deep."""
    spec = _streaks(g, h, w, second, BS_LENGTHS[1], BS_WIDTH, BS_DENSITY[1] / 3.0,
                    BS_SECOND_W * BS_WEIGHT[1])
    return np.fft.irfft2(spec, s=(h, w))


def belt_gain(g, h, w, lay):
    """The scratches' strength (``h`` x ``w``): ``1 + BS_DRIFT x`` a smooth profile along
    ``lay`` (white noise on a 1 px grid through a Gaussian of :data:`BS_DRIFT_SIGMA` px, of
    unit spread, clipped to +-1), the same all across the lay: bands across it."""
    from .surfaces import _unit

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    along = xx * np.cos(lay) + yy * np.sin(lay)
    lo = float(along.min())
    n = int(np.ceil(float(along.max()) - lo)) + 2
    prof = ndimage.gaussian_filter1d(g.standard_normal(n), BS_DRIFT_SIGMA, mode="wrap")
    prof = 1.0 + BS_DRIFT * np.clip(_unit(prof), -1.0, 1.0)
    return np.interp(along - lo, np.arange(n, dtype=np.float64), prof)


def beltsanded_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A belt-sanded face: the lay drawn first, uniform over 0-180 degrees, the second set
    :data:`BS_SECOND` degrees off it either way; the depth of :func:`sanding_scratches`,
    :func:`grit_scratches` and :func:`second_set` seen by its level (grooves dark) and by
    its slope towards a light at any azimuth (weight :data:`BS_SHADE`), scaled by
    :func:`belt_gain`, and a faint isotropic haze (:data:`BS_HAZE`).  Zero mean, unit
    standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    second = lay + np.deg2rad(g.choice([-1.0, 1.0]) * g.uniform(*BS_SECOND))
    depth = sanding_scratches(g, h, w, lay) + grit_scratches(g, h, w, lay) + \
        second_set(g, h, w, second)
    light = g.uniform(0.0, 2.0 * np.pi)
    gy, gx = np.gradient(depth) if min(h, w) > 1 else (np.zeros((h, w)),) * 2
    face = -_unit(depth) + BS_SHADE * _unit(np.cos(light) * gx + np.sin(light) * gy)
    face = _unit(face) * belt_gain(g, h, w, lay)
    haze = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                         * lay_filter(h, w, 0.0, BS_HAZE_SIGMA, BS_HAZE_SIGMA), s=(h, w))
    return _unit(face + BS_HAZE * _unit(haze))


#: the sector blank (x the smaller side): the hub's radius, the arc's radius from the apex
#: (the hub's centre), the sector's half angle (degrees), its corners' radius; the bore's
#: radius; the lightening holes' radius, their distance from the apex and angle off the axis
#: (degrees); the slot's half width and its ends' distances from the apex
SB_HUB, SB_REACH, SB_HALF_DEG, SB_CORNER, SB_BORE = 0.18, 0.70, 36.0, 0.03, 0.065
SB_HOLE, SB_HOLE_AT, SB_HOLE_DEG, SB_SLOT, SB_SLOT_ENDS = 0.055, 0.36, 20.0, 0.022, (0.27, 0.41)


def sd_sectorblank(u, v, lay):
    """Signed distance (px, negative inside) to the sector blank's outline of ``lay``
    (``"fan"``: the apex (the hub's centre, x and y), the hub's radius, the arc's radius,
    the half angle in degrees and the corners' radius, px): the sector of the arc's radius
    less the corners' opening upwards from the apex (the exact distance of a circular
    sector: the larger of the distance past its arc and the signed distance to its nearer
    flank's segment), grown by the corners' radius, united with the hub's disc (the smaller
    distance).  Exact outside and off the hub's junction with the flanks inside."""
    (cx, cy), r_hub, reach, half, rc = lay["fan"]
    x, y = np.abs(np.asarray(u, float) - cx), cy - np.asarray(v, float)   # up from the apex
    sa, ca = np.sin(np.deg2rad(half)), np.cos(np.deg2rad(half))
    r = reach - rc
    flank = _to_segment(x, y, 0.0, 0.0, r * sa, r * ca)
    pie = np.maximum(np.hypot(x, y) - r, np.where(ca * x - sa * y > 0.0, flank, -flank))
    return np.minimum(pie - rc, np.hypot(x, y) - r_hub)


def sectorblank_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``sectorblank`` layout in model pixels (origin at the image centre, y down): the
    fan of :func:`sd_sectorblank` (hub :data:`SB_HUB` s, arc :data:`SB_REACH` s, half angle
    :data:`SB_HALF_DEG`, corners :data:`SB_CORNER` s; s the smaller side), its apex below
    the centre so that its bounding box is centred (``"half"``, where defects are placed
    from; ``"corner"`` 0); the bore (:data:`SB_BORE` s) at the apex, two lightening holes
    (:data:`SB_HOLE` s) :data:`SB_HOLE_AT` s from it at +-:data:`SB_HOLE_DEG` degrees off the
    axis and the radial slot (half width :data:`SB_SLOT` s) on the axis between
    :data:`SB_SLOT_ENDS` s (``missing`` leaves out any of the four)."""
    h, w = shape
    s = float(min(h, w))
    cy = 0.5 * (SB_REACH - SB_HUB) * s
    a = np.deg2rad(SB_HALF_DEG)
    hx = max(SB_HUB, (SB_REACH - SB_CORNER) * np.sin(a) + SB_CORNER) * s
    holes = [((0.0, cy), SB_BORE * s)]
    for t in np.deg2rad([-SB_HOLE_DEG, SB_HOLE_DEG]):
        holes.append(((float(SB_HOLE_AT * s * np.sin(t)), float(cy - SB_HOLE_AT * s * np.cos(t))),
                      SB_HOLE * s))
    lo, hi = SB_SLOT_ENDS
    slot = ((0.0, float(cy - 0.5 * (lo + hi) * s)), 0.5 * (hi - lo) * s, SB_SLOT * s, 90.0)
    return dict(base, half=(float(hx), 0.5 * (SB_REACH + SB_HUB) * s), corner=0.0,
                fan=((0.0, float(cy)), SB_HUB * s, SB_REACH * s, SB_HALF_DEG, SB_CORNER * s),
                holes=holes, slots=[slot], windows=[])
