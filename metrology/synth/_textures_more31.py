"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 50's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``etchedmatte`` an acid-etched matte aluminium face (a caustic or acid etch, often after a
             light bead blast, as on a camera body's or an enclosure's cover)
             (:func:`etchedmatte_texture`): a fine isotropic grain of shallow etch pits of
             two sizes (about 1 and 2.5 px across; many small, fewer large, each a dish with
             a faint rim, seen by its own level and by its slope towards a light), the pits'
             density drifting slowly across the face (a smooth field: the grain's strength
             varies by at most 1.5 x over tens of px, where the bath ran fresher or the part
             hung longer), and two to four faint lighter streaks where the rinse water ran
             down the face (long soft bands, 3-6 px wide, along one gently wavy direction).
             Its levels are two-sided (dishes with rims, slopes symmetric: the face-signal
             skewness within +-0.3).  Unlike ``blasted`` (one grain with sparse pits and
             bumps of either sign, uniform), ``anodised`` (die lines along the extrusion under
             a satin grain), ``chemmilled`` (large shallow etch dishes in cells over a grain)
             and ``sintered`` (faceted grains with dark pores at their boundaries): a matte of
             two pit sizes only, its strength drifting, crossed by a few faint rinse streaks.

``bellcrank`` layout (:func:`bellcrank_layout`): a bell-crank lever seen face on: a round
             boss (radius 0.23 x the smaller side) with a pivot hole at its centre, two arms
             at a right angle from it (0.32 wide; one 0.48 long to the right, one 0.42 up),
             each ending in a rounded eye (radius 0.17) with a pin hole; a small grease hole
             in the boss (every hole missable) (:func:`sd_bellcrank`, the plate's
             ``"crank"``).  The first L-shaped lever of round ends: ``lbracket`` is an L of
             square-cornered flanges, ``link`` a straight figure-eight, ``forkend`` a rod
             end with two prongs, ``crescentarm`` a curved arm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._textures_more23 import _to_segment
from ._textures_more29 import lay_filter

#: the etched matte: the small and large pits' Gaussian sigma (px), their densities (per
#: px^2) and relative depths, the rim's weight (a wider Gaussian's share taken off each
#: dish), the shading's weight against the level's, the drift field's sigma (px) and its
#: swing (the grain's strength 1 -+ it: at most 1.5 x between its extremes), the rinse
#: streaks (how many), their sigma across (px), height (x the grain's spread) and waviness
EM_SIGMA, EM_DENSITY, EM_DEPTH, EM_RIM = (0.5, 1.25), (0.4, 0.1), (1.0, 1.2), 0.6
EM_SHADE, EM_DRIFT_SIGMA, EM_DRIFT, EM_STREAKS = 1.0, 40.0, 0.2, (2, 4)
EM_STREAK_SIGMA, EM_STREAK_H, EM_STREAK_WAVE = (1.5, 3.0), (0.3, 0.5), 6.0


def etch_pits(g, h, w, drift):
    """The etch pits' depth field (``h`` x ``w``, wrapping, deeper positive): for each of the
    two sizes (:data:`EM_SIGMA`) seeds at :data:`EM_DENSITY` x ``drift`` per px (the local
    density), each of its size's depth (:data:`EM_DEPTH`) x 0.7-1.3, made a dish with a rim
    (a Gaussian less :data:`EM_RIM` x one twice as wide, of the same volume), summed."""
    spec = np.zeros((h, w // 2 + 1), complex)
    for sigma, dens, depth in zip(EM_SIGMA, EM_DENSITY, EM_DEPTH):
        seeds = (g.random((h, w)) < dens * drift) * g.uniform(0.7, 1.3, (h, w))
        dish = lay_filter(h, w, 0.0, sigma, sigma) - EM_RIM * lay_filter(h, w, 0.0, 2.0 * sigma,
                                                                      2.0 * sigma)
        spec += depth * sigma * np.fft.rfft2(seeds) * dish
    return np.fft.irfft2(spec, s=(h, w))


def rinse_streaks(g, h, w):
    """The rinse streaks' lightening (``h`` x ``w``, peak about 1): 2-4 long soft bands
    (:data:`EM_STREAKS`, a Gaussian of :data:`EM_STREAK_SIGMA` across) along one direction
    (near the image's y axis, +-25 degrees: the way the water ran), each wandering a few px
    across (:data:`EM_STREAK_WAVE`) as a slow sine along it, of its own height (0.6-1) and
    fading in and out along it."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(90.0 + g.uniform(-25.0, 25.0))
    along = xx * np.cos(a) + yy * np.sin(a)
    across = -xx * np.sin(a) + yy * np.cos(a)
    n = int(g.integers(EM_STREAKS[0], EM_STREAKS[1] + 1))
    lo, hi = float(across.min()), float(across.max())
    out = np.zeros((h, w))
    for _ in range(n):                              # a loop over a few streaks only
        at = g.uniform(lo, hi)
        wave = g.uniform(0.3, 1.0) * EM_STREAK_WAVE * np.sin(
            2.0 * np.pi * along / g.uniform(80.0, 200.0) + g.uniform(0.0, 2.0 * np.pi))
        fade = 0.6 + 0.4 * np.sin(2.0 * np.pi * along / g.uniform(60.0, 160.0)
                                  + g.uniform(0.0, 2.0 * np.pi))
        sig = g.uniform(*EM_STREAK_SIGMA)
        out += g.uniform(0.6, 1.0) * fade * np.exp(-0.5 * ((across - at - wave) / sig) ** 2)
    return out


def strength_drift(g, h, w):
    """The etch's local strength (``h`` x ``w``, wrapping): ``1 + EM_DRIFT x`` a smooth
    field (white noise through a Gaussian of :data:`EM_DRIFT_SIGMA` px, of unit spread)
    clipped to +-1, so its largest over its smallest is at most
    ``(1 + EM_DRIFT) / (1 - EM_DRIFT)`` (1.5)."""
    from .surfaces import _unit

    field = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                          * lay_filter(h, w, 0.0, EM_DRIFT_SIGMA, EM_DRIFT_SIGMA), s=(h, w))
    return 1.0 + EM_DRIFT * np.clip(_unit(field), -1.0, 1.0)


def etchedmatte_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """An acid-etched matte face: the depth of :func:`etch_pits` (two sizes, their density
    x :func:`strength_drift`), seen by its
    level (dark pits, light rims) and by its slope towards a light at any azimuth (weight
    :data:`EM_SHADE`); the grain's strength scaled by the same drift; plus the lighter
    :func:`rinse_streaks` (height in :data:`EM_STREAK_H` x the grain's spread).  Zero mean,
    unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    drift = strength_drift(g, h, w)
    depth = etch_pits(g, h, w, drift)
    light = g.uniform(0.0, 2.0 * np.pi)
    gy, gx = np.gradient(depth) if min(h, w) > 1 else (np.zeros((h, w)),) * 2
    shade = np.cos(light) * gx + np.sin(light) * gy
    grain = -_unit(depth) + EM_SHADE * _unit(shade)
    grain = _unit(grain * drift)
    return _unit(grain + g.uniform(*EM_STREAK_H) * rinse_streaks(g, h, w))


#: the bell crank (x the smaller side): the boss's radius, the arms' half width, the right
#: arm's and the upper arm's lengths (boss centre to eye centre), the eyes' radius; the
#: pivot hole's, the pin holes' and the grease hole's radii, the grease hole's distance from
#: the pivot (towards the lower left)
BC_BOSS, BC_ARM, BC_LEN_A, BC_LEN_B, BC_EYE = 0.23, 0.16, 0.48, 0.42, 0.17
BC_PIVOT, BC_PIN, BC_GREASE, BC_GREASE_AT = 0.06, 0.045, 0.022, 0.13


def bellcrank_centres(s):
    """The boss's, the right eye's and the upper eye's centres (px, x and y, y down) of a
    bell crank on an image of smaller side ``s``: the boss placed so that the whole outline's
    bounding box is centred on the origin."""
    bx = -0.5 * (BC_LEN_A + BC_EYE - BC_BOSS) * s
    by = 0.5 * (BC_LEN_B + BC_EYE - BC_BOSS) * s
    return (bx, by), (bx + BC_LEN_A * s, by), (bx, by - BC_LEN_B * s)


def sd_bellcrank(u, v, lay):
    """Signed distance (px, negative inside) to the bell crank's outline of ``lay``
    (``"crank"``: the boss's centre, the two eyes' centres, the boss's radius, the arms' half
    width and the eyes' radius, px): the union (the smallest distance) of the boss's disc,
    the two arms (capsules: within ``half`` px of the segment from the boss's centre to
    each eye's) and the eyes' discs.  Exact
    outside and off the junctions inside (where two pieces overlap, the deeper is taken)."""
    boss, eye_a, eye_b, r_boss, half, r_eye = lay["crank"]
    x, y = np.asarray(u, float), np.asarray(v, float)
    d = np.hypot(x - boss[0], y - boss[1]) - r_boss
    for eye in (eye_a, eye_b):                      # the two arms, each with its eye
        d = np.minimum(d, _to_segment(x, y, *boss, *eye) - half)
        d = np.minimum(d, np.hypot(x - eye[0], y - eye[1]) - r_eye)
    return d


def bellcrank_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``bellcrank`` layout in model pixels (origin at the image centre, y down): the
    lever of :func:`sd_bellcrank` (the boss :data:`BC_BOSS` s, arms :data:`BC_ARM` s either
    side of their axes, :data:`BC_LEN_A` s to the right and :data:`BC_LEN_B` s up, eyes
    :data:`BC_EYE` s, centres :func:`bellcrank_centres`; s the smaller side; ``"half"`` its
    bounding box, where defects are placed from, ``"corner"`` 0) and its holes: the pivot
    (:data:`BC_PIVOT` s) at the boss's centre, a pin hole (:data:`BC_PIN` s) in each eye and
    a grease hole (:data:`BC_GREASE` s) :data:`BC_GREASE_AT` s from the pivot towards the
    lower left (``missing`` leaves out any one)."""
    h, w = shape
    s = float(min(h, w))
    boss, eye_a, eye_b = bellcrank_centres(s)
    g = BC_GREASE_AT * s / np.sqrt(2.0)
    holes = [(tuple(map(float, boss)), BC_PIVOT * s), (tuple(map(float, eye_a)), BC_PIN * s),
             (tuple(map(float, eye_b)), BC_PIN * s),
             ((float(boss[0] - g), float(boss[1] + g)), BC_GREASE * s)]
    hx = 0.5 * (BC_BOSS + BC_LEN_A + BC_EYE) * s
    hy = 0.5 * (BC_BOSS + BC_LEN_B + BC_EYE) * s
    return dict(base, half=(hx, hy), corner=0.0,
                crank=(boss, eye_a, eye_b, BC_BOSS * s, BC_ARM * s, BC_EYE * s),
                holes=holes, slots=[])
