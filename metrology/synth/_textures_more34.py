"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 53's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``passivated`` a bead-blasted, then passivated stainless face (a pump body's, a valve
             bonnet's or a food-plant bracket's: glass-bead blasted to an even matte, then
             dipped in nitric or citric acid to dissolve the free iron the blast left and
             the sulphide inclusions cut open at the face) (:func:`passivated_texture`): the
             beads' overlapping shallow craters (:func:`bead_craters`: round dents of 1.1-1.8
             px radius, 0.5-0.8 of them a px^2, each a spherical cap of its own depth with a
             raised lip round it, the metal the bead pushed aside, 0.6 of its depth high),
             their crests dulled by the acid (a Gaussian of 0.45 px), seen by their level
             (a diffuse light: no slope towards one side); fine dark pits where the inclusions
             were dissolved (:func:`inclusion_pits`: 0.6-1.2 per 1000 px^2, 0.5-0.9 px across,
             sharp-edged and deeper than the craters); and a faint mottle of the passive
             film's uneven tint (sigma 10-18 px, 0.15-0.25 of the spread).  **No lay**: the
             beads strike from every side and the acid has no direction, so nothing in the
             face depends on the part's angle or is drawn per part but the random places
             (the part's angle is not taken; the spectrum's lay strength 0.03 at most, seeds
             0-7).  Its levels two-sided (the lips up, the bowls and the pits down: the face
             signal's skewness within +-0.2, seeds 0-7; the dents alone, without their
             lips, -0.6 to -0.8, seeds 0-2).  Unlike ``blasted`` (grit:
             angular facets), ``wetblasted`` (a slurry's softer, finer matte), ``peened``
             (larger round dimples), ``etchedmatte`` (etch pits with rims, no craters) and
             ``electropolished`` (levelled, glossy): a fine isotropic crater matte,
             sparse sharp dark pits in it and a slow tint.

``motorplate`` layout (:func:`motorplate_layout`): a motor mounting plate (the adapter a
             stepper or a servo motor is bolted to on a machine's frame) seen face on: a
             square plate (0.38 x the smaller side either way of its centre) with its four
             corners chamfered at 45 degrees (legs 0.12; :func:`sd_motorplate`, the plate's
             ``"mount"``, an octagon of unequal sides), the motor's pilot bore (0.09) at the
             centre, the four bolt holes (0.028) on the bolt square (0.22 either way), and a
             vertical belt-tension slot (0.025 either side of its axis, 0.16 long between its
             ends' centres) on the right, 0.28 from the centre; every feature missable.  The
             first octagon of unequal sides: ``plate`` is a rounded rectangle, ``hexplate`` a
             regular hexagon, ``trimount`` a Reuleaux triangle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._textures_more23 import _to_segment

#: the beads' craters: their radius (px), how many a px^2, each one's depth spread (1 + it
#: x a normal draw, clipped at 0.3), the acid's dulling (sigma, px), the lip's height (x the
#: dent's depth) and sigma (x the radius)
PS_CRATER, PS_DENSITY, PS_SPREAD, PS_DULL = (1.1, 1.8), (0.5, 0.8), 0.3, 0.45
PS_LIP, PS_LIP_SIGMA = 0.6, 0.35
#: the dissolved inclusions' pits: how many a 1000 px^2, their radius (px) and depth (x the
#: craters' relief's standard deviation)
PS_PITS, PS_PIT_RADIUS, PS_PIT_DEPTH = (0.6, 1.2), (0.25, 0.45), (1.5, 2.5)
#: the mottle's weight and sigma (px)
PS_MOTTLE, PS_MOTTLE_SIGMA = (0.15, 0.25), (10.0, 18.0)


def _gauss_filter(h, w, sigma):
    """The rfft2 transfer function (``h`` x ``w//2+1``) of an isotropic Gaussian of
    ``sigma`` px (wrapping)."""
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    return np.exp(-2.0 * np.pi ** 2 * sigma * sigma * (fx * fx + fy * fy))


def _cap_filter(h, w, radius):
    """The rfft2 transfer function (``h`` x ``w//2+1``) of a bead's crater of ``radius``
    px: a spherical-cap dent (``-(1 - r^2 / radius^2)`` inside it) and its lip (a ring
    :data:`PS_LIP` high, a Gaussian of :data:`PS_LIP_SIGMA` x the radius across, on the
    rim), centred on (0, 0) of a wrapping ``h`` x ``w`` grid."""
    yy = np.minimum(np.arange(h), h - np.arange(h))[:, None].astype(float)
    xx = np.minimum(np.arange(w), w - np.arange(w))[None, :].astype(float)
    r = np.hypot(xx, yy)
    kernel = -np.clip(1.0 - (r / radius) ** 2, 0.0, None) + \
        PS_LIP * np.exp(-0.5 * ((r - radius) / (PS_LIP_SIGMA * radius)) ** 2)
    return np.fft.rfft2(kernel)


def bead_craters(g, h, w):
    """The beads' craters' height (``h`` x ``w``): impacts at uniform places (a Poisson
    count of :data:`PS_DENSITY` a px^2, drawn), each of its own depth (1 +
    :data:`PS_SPREAD` x a normal draw, clipped at 0.3), all of one radius
    (:data:`PS_CRATER` px, drawn), summed (wrapping) and dulled by a Gaussian of
    :data:`PS_DULL` px."""
    radius, density = g.uniform(*PS_CRATER), g.uniform(*PS_DENSITY)
    n = int(g.poisson(density * h * w))
    hits = np.zeros((h, w))
    np.add.at(hits, (g.integers(0, h, n), g.integers(0, w, n)),
              np.maximum(1.0 + PS_SPREAD * g.standard_normal(n), 0.3))
    filt = _cap_filter(h, w, radius) * _gauss_filter(h, w, PS_DULL)
    return np.fft.irfft2(np.fft.rfft2(hits) * filt, s=(h, w))


def inclusion_pits(g, h, w):
    """The dissolved inclusions' pits (``<= 0``, ``h`` x ``w``): a Poisson count of
    :data:`PS_PITS` per 1000 px^2 at uniform places, each a sharp-edged round dip of its own
    radius (:data:`PS_PIT_RADIUS` px) and depth (:data:`PS_PIT_DEPTH`), drawn where its
    3 x 3 neighbourhood falls (its area's fraction of each pixel, a fine grid's)."""
    n = int(g.poisson(g.uniform(*PS_PITS) * h * w / 1000.0))
    ys, xs = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    radius, depth = g.uniform(*PS_PIT_RADIUS, n), g.uniform(*PS_PIT_DEPTH, n)
    out = np.zeros((h, w))
    sub = (np.arange(4) + 0.5) / 4.0
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            r, c = np.floor(ys).astype(int) + dy, np.floor(xs).astype(int) + dx
            ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            oy, ox = r[:, None, None] + sub[None, :, None], c[:, None, None] + sub[None, None, :]
            inside = np.hypot(oy - ys[:, None, None], ox - xs[:, None, None]) \
                < radius[:, None, None]
            frac = inside.mean(axis=(1, 2))
            np.add.at(out, (r[ok], c[ok]), -(depth * frac)[ok])
    return out


def passivated_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A bead-blasted, passivated face: :func:`bead_craters` (standardised, seen by its
    level) less :func:`inclusion_pits`, over a faint mottle (:data:`PS_MOTTLE` of the spread, sigma
    :data:`PS_MOTTLE_SIGMA` px).  No lay (the part's angle is not taken).  Zero mean, unit
    standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    face = _unit(bead_craters(g, h, w)) + inclusion_pits(g, h, w)
    mottle = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                           * _gauss_filter(h, w, g.uniform(*PS_MOTTLE_SIGMA)), s=(h, w))
    return _unit(_unit(face) + g.uniform(*PS_MOTTLE) * _unit(mottle))


#: the motor plate (x the smaller side): its half size, the corners' chamfer legs; the
#: pilot bore's radius; the bolt holes' radius and the bolt square's half size; the slot's
#: half width, half length (between its ends' centres) and its axis's distance right of the
#: centre
MP_HALF, MP_CHAMFER, MP_BORE = 0.38, 0.12, 0.09
MP_BOLT, MP_BOLT_AT = 0.028, 0.22
MP_SLOT, MP_SLOT_HALF, MP_SLOT_AT = 0.025, 0.08, 0.28


def motorplate_corners(half, chamfer):
    """The motor plate's outline as a closed convex octagon (8 x 2, px, about its centre,
    anticlockwise with y down read as x towards y): the square of ``half`` px either way with
    each corner cut by a 45-degree chamfer of legs ``chamfer`` px."""
    a, b = half, half - chamfer
    return np.array([(a, -b), (a, b), (b, a), (-b, a), (-a, b), (-a, -b), (-b, -a), (b, -a)],
                    float)


def sd_motorplate(u, v, lay):
    """Signed distance (px, negative inside) to the motor plate's outline of ``lay``
    (``"mount"``: the centre (x and y), the half size and the chamfers' legs, px): the
    distance to the nearest edge of :func:`motorplate_corners`' octagon, negative where the
    point lies inside every edge's half-plane.  Exact everywhere."""
    (cx, cy), half, chamfer = lay["mount"]
    x, y = np.asarray(u, float) - cx, np.asarray(v, float) - cy
    pts = motorplate_corners(half, chamfer)
    dist = np.full(np.broadcast(x, y).shape, np.inf)
    inside = np.ones(dist.shape, bool)
    for (ax, ay), (bx, by) in zip(pts, np.roll(pts, -1, axis=0)):
        dist = np.minimum(dist, _to_segment(x, y, ax, ay, bx, by))
        inside &= (bx - ax) * (y - ay) - (by - ay) * (x - ax) > 0.0
    return np.where(inside, -dist, dist)


def motorplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``motorplate`` layout in model pixels (origin at the image centre, y down): the
    chamfered square of :func:`sd_motorplate` (half size :data:`MP_HALF` s, chamfers
    :data:`MP_CHAMFER` s; s the smaller side) centred (``"half"``, where defects are placed
    from; ``"corner"`` 0); the pilot bore (:data:`MP_BORE` s), the four bolt holes
    (:data:`MP_BOLT` s at :data:`MP_BOLT_AT` s either way) and the vertical slot (half width
    :data:`MP_SLOT` s, half length :data:`MP_SLOT_HALF` s) :data:`MP_SLOT_AT` s right of the
    centre (``missing`` leaves out any of the six)."""
    s = float(min(shape))
    b = MP_BOLT_AT * s
    holes = [((0.0, 0.0), MP_BORE * s)]
    holes += [((x, y), MP_BOLT * s) for x, y in ((-b, -b), (b, -b), (b, b), (-b, b))]
    slot = ((MP_SLOT_AT * s, 0.0), MP_SLOT_HALF * s, MP_SLOT * s, 90.0)
    return dict(base, half=(MP_HALF * s, MP_HALF * s), corner=0.0,
                mount=((0.0, 0.0), MP_HALF * s, MP_CHAMFER * s),
                holes=holes, slots=[slot], windows=[])
