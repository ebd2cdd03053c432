"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 55's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``forgescale`` a hot-forged steel face with its mill scale (a drop-forged lever's, a
             flange's or a crank's, as it leaves the die and cools in air, not yet blasted)
             (:func:`forgescale_texture`): irregular flakes of dark oxide scale
             (:func:`scale_flakes`: polygonal islands, the Voronoi cells of seeds whose
             spacing drifts across the face from 3 to 15 px, their edges sharp, each flake of
             its own level) over a lighter base where flakes have spalled off, finely pitted
             (:func:`base_pits`: small sharp dark pits, 0.4-0.8 px, 4-8 per 1000 px^2); where
             the scale holds is patchy (a slow coverage field, sigma 14-22 px, so some
             stretches are nearly all scale and others nearly bare: non-stationary); a thin
             bright lip along the base's edge where a flake broke away (the fracture's raised
             edge catching the light), which balances the dark flakes and pits; faint flow
             lines from the forging (:func:`flow_lines`: a weak, broad directional grain,
             10-16 px along by 1.2-2 px across, at an angle drawn per part, 0.12-0.2 of the
             spread; the part's angle is not taken) and a low-frequency tint (sigma 24-40 px).
             Its levels two-sided (the face signal's skewness -0.17 to 0.15, seeds 0-7; without
             the lips, 0.15-0.3 high, -0.25 to -0.06).
             Unlike ``scaled`` (hot-rolled: a few dozen large jagged flakes, 10-60 px, over
             long rolling streaks, every flake its own random level, a fifth spalled, cracks
             between them, stationary), its flakes are small polygons of drifting size, dark
             against a brighter pitted base, their coverage patchy across the part, with a
             faint broad flow grain rather than streaks; unlike ``flamecut`` (drag lines
             bowing across the face, a rough band, dross notches), ``cast`` (isotropic
             multi-scale roughness, pores), ``greyiron`` (ground lay cut by graphite rosettes),
             ``hammered`` (round shaded facets) and ``torn`` (dark scoops behind steps on a
             turning lay): a two-level patchwork of sharp-edged polygons, its mix drifting.

``pipeclamp`` layout (:func:`pipeclamp_layout`): a forged pipe-clamp half (one half of a
             two-bolt clamp round a small-bore pipe or a hydraulic line) seen face on: a
             half-annulus saddle arching over the pipe (inner radius 0.12, outer 0.42 x the
             smaller side, concentric), joined at its feet to two rectangular ears left and
             right (from the bore's edge out to 0.465 either side, flush with the split line
             below and 0.10 high; :func:`sd_pipeclamp`, the plate's ``"clamp"``, exact), each
             ear with a bolt hole (0.025) where it joins the saddle's foot, and a small
             rectangular drain slot (0.09 x 0.04) in the saddle's crown; every feature
             missable.  The brief's thinner saddle (inner 0.2, outer 0.33) left no point 12 px
             inside it and 10 px off the features on a 96 or a 128 px image (every surface
             kind refused there): its wall, 0.13 x the side, is narrower than the 24 px such
             a point needs, and the ears beside a 0.2 bore have 0.27 of the side at most; so
             the bore is smaller and the wall thicker.  The first outline open to one side
             through a round bore under a concentric arch with side steps: ``bearingcap``'s
             arch stands on straight flanks and a flat base, ``splitcollar`` is a whole ring
             cut by a slot, ``crescentarm``'s lune has no bore, ``forkend``'s U has parallel
             sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage, special

from ._textures_more23 import _to_segment

#: the flakes: their spacing's range (px, drifting across the face on a field of this sigma,
#: px), the coverage's mean (drawn per part), its field's sigma (px) and spread (the coverage
#: a normal CDF of mean + spread x the field), each flake's level spread; the scale's
#: darkness (the base 0); the base's lip at a flake's broken edge: height, sigma (px)
FS_SPACING, FS_SPACING_SIGMA = (3.0, 15.0), 20.0
FS_COVER, FS_COVER_SIGMA, FS_COVER_SPREAD = (0.42, 0.58), (14.0, 22.0), 1.3
FS_LEVEL, FS_DARK, FS_LIP, FS_LIP_SIGMA = 0.2, 1.0, (0.15, 0.3), 0.7
#: the base's pits: how many a 1000 px^2, sigma (px) and depth (x the scale's darkness)
FS_PITS, FS_PIT_SIGMA, FS_PIT_DEPTH = (4.0, 8.0), (0.4, 0.8), (0.8, 1.4)
#: the flow lines: sigma along and across (px), weight; the tint: sigma (px), weight; the
#: fine grain's weight (sigma 0.6 px)
FS_FLOW_ALONG, FS_FLOW_ACROSS, FS_FLOW = (10.0, 16.0), (1.2, 2.0), (0.12, 0.2)
FS_TINT_SIGMA, FS_TINT, FS_GRAIN = (24.0, 40.0), (0.2, 0.3), 0.15


def _smooth(g, h, w, sigma):
    """A white-noise field (``h`` x ``w``) blurred by an isotropic Gaussian of ``sigma`` px
    (wrapping), zero mean, unit spread."""
    from .surfaces import _unit

    return _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), sigma, mode="wrap"))


def scale_flakes(g, h, w):
    """The scale's flakes on an ``h`` x ``w`` face: seeds drawn at each pixel with the
    chance ``1 / spacing^2`` (the spacing drifting over :data:`FS_SPACING` on a slow field,
    log-uniformly; at least one seed), each pixel's flake the nearest seed's (a Voronoi cell:
    straight sharp edges), a flake kept as scale where its own uniform draw falls under the
    coverage at its seed (a normal CDF of a slow field, :data:`FS_COVER`,
    :data:`FS_COVER_SIGMA`, :data:`FS_COVER_SPREAD`).  Returns the cells (each pixel's seed's
    flat index), the scale's mask and each flake's level draw (by seed index)."""
    lo, hi = np.log(FS_SPACING[0]), np.log(FS_SPACING[1])
    drift = special.ndtr(_smooth(g, h, w, FS_SPACING_SIGMA))
    spacing = np.exp(lo + (hi - lo) * drift)
    free = g.random((h, w)) >= 1.0 / spacing ** 2
    free[int(g.integers(0, h)), int(g.integers(0, w))] = False
    _, (iy, ix) = ndimage.distance_transform_edt(free, return_indices=True)
    cell = iy * w + ix
    cover = special.ndtr(special.ndtri(g.uniform(*FS_COVER))
                         + FS_COVER_SPREAD * _smooth(g, h, w, g.uniform(*FS_COVER_SIGMA)))
    keep = g.random(h * w) < cover.ravel()
    return cell, keep[cell], FS_LEVEL * g.standard_normal(h * w)


def base_pits(g, h, w):
    """The base's fine pits (``<= 0``, ``h`` x ``w``): a Poisson count of :data:`FS_PITS`
    per 1000 px^2 at uniform places, each a Gaussian dip of its own sigma
    (:data:`FS_PIT_SIGMA` px) and depth (:data:`FS_PIT_DEPTH`)."""
    from ._textures_more8 import _pit_field

    n = int(g.poisson(g.uniform(*FS_PITS) * h * w / 1000.0))
    ys, xs = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    return -_pit_field(h, w, xs, ys, g.uniform(*FS_PIT_SIGMA, n), g.uniform(*FS_PIT_DEPTH, n))


def flow_lines(g, h, w):
    """The forging's flow lines (``h`` x ``w``, zero mean, unit spread): white noise through
    an anisotropic Gaussian (:data:`FS_FLOW_ALONG` px along, :data:`FS_FLOW_ACROSS` across)
    turned to an angle drawn per part (0-180 degrees, the first draw), wrapping.  Also
    returns the angle (degrees, x towards y)."""
    from .surfaces import _unit

    ang = g.uniform(0.0, 180.0)
    along, across = g.uniform(*FS_FLOW_ALONG), g.uniform(*FS_FLOW_ACROSS)
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    c, s = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
    fa, fc = fx * c + fy * s, -fx * s + fy * c
    filt = np.exp(-2.0 * np.pi ** 2 * ((along * fa) ** 2 + (across * fc) ** 2))
    noise = np.fft.rfft2(g.standard_normal((h, w)))
    return _unit(np.fft.irfft2(noise * filt, s=(h, w))), ang


def forgescale_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A hot-forged face with its mill scale: :func:`flow_lines` (weight :data:`FS_FLOW`);
    the dark flakes of :func:`scale_flakes` (:data:`FS_DARK` under the base, each its own
    level) over the base with :func:`base_pits` and a bright lip (:data:`FS_LIP`, a Gaussian
    of :data:`FS_LIP_SIGMA` px into the base from the scale's edge, the base's distance to
    the nearest scale pixel); a tint (:data:`FS_TINT`) and a fine grain.  The part's angle
    is not taken.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    flow, _ = flow_lines(g, h, w)
    cell, scale, level = scale_flakes(g, h, w)
    if scale.any():
        edge = ndimage.distance_transform_edt(~scale)
    else:
        edge = np.full((h, w), np.inf)
    lip = g.uniform(*FS_LIP) * np.exp(-0.5 * ((edge - 1.0) / FS_LIP_SIGMA) ** 2) * ~scale
    face = np.where(scale, level[cell] - FS_DARK, lip) + base_pits(g, h, w) * ~scale
    tint = _smooth(g, h, w, g.uniform(*FS_TINT_SIGMA))
    face = face + g.uniform(*FS_FLOW) * flow + g.uniform(*FS_TINT) * tint + \
        FS_GRAIN * _smooth(g, h, w, 0.6)
    return _unit(face)


#: the pipe-clamp half (x the smaller side): the saddle's inner (the bore's) and outer radius;
#: the ears' outer end (either side of the middle) and height above the split line; the bolt
#: holes' radius, their centres' distance from the middle and height above the split line; the
#: drain slot's half width and half height (a rectangle, its corners rounded by PC_SLOT_CORNER)
#: at the middle of the crown's wall
PC_BORE, PC_OUTER, PC_EAR_END, PC_EAR_HIGH = 0.12, 0.42, 0.465, 0.10
PC_BOLT, PC_BOLT_AT, PC_BOLT_HIGH = 0.025, 0.35, 0.06
PC_SLOT, PC_SLOT_CORNER = (0.045, 0.02), 0.005


def _arc_distance(x, w, radius, start):
    """Distance from points ``x >= 0``, ``w`` (up) to the arc of ``radius`` about the origin
    from the angle ``start`` (radians, from the x axis towards w) up to a quarter turn: to the
    circle where the point's angle is at least ``start``, else to the arc's end there."""
    ring = np.abs(np.hypot(x, w) - radius)
    ex, ew = radius * np.cos(start), radius * np.sin(start)
    return np.where(np.arctan2(w, x) >= start, ring, np.hypot(x - ex, w - ew))


def sd_pipeclamp(u, v, lay):
    """Signed distance (px, negative inside) to the pipe-clamp half's outline of ``lay``
    (``"clamp"``: the bore's centre (x and y, px: the middle of the split line), the bore's
    and the saddle's radius, the ears' outer end and height, px): folded about the middle,
    the least distance to the saddle's outer arc (from the ear's top up to the crown), the
    ear's top, its end, the split line (from the ear's end in to the bore) and the bore's
    arc; negative where the point lies in the saddle (above the split line, between the two
    radii) or in an ear (from the bore's radius out to its end, from the split line up to its
    height).  Exact everywhere."""
    (cx, cy), r_in, r_out, end, high = lay["clamp"]
    x, w = np.abs(np.asarray(u, float) - cx), cy - np.asarray(v, float)
    foot = float(np.sqrt(r_out * r_out - high * high))         # where the ear meets the arc
    dist = np.minimum(_arc_distance(x, w, r_out, float(np.arcsin(high / r_out))),
                      _arc_distance(x, w, r_in, 0.0))
    for (ax, aw), (bx, bw) in (((foot, high), (end, high)), ((end, high), (end, 0.0)),
                               ((end, 0.0), (r_in, 0.0))):
        dist = np.minimum(dist, _to_segment(x, w, ax, aw, bx, bw))
    d = np.hypot(x, w)
    inside = ((w >= 0.0) & (d >= r_in) & (d <= r_out)) | \
        ((x >= r_in) & (x <= end) & (w >= 0.0) & (w <= high))
    return np.where(inside, -dist, dist)


def pipeclamp_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``pipeclamp`` layout in model pixels (origin at the image centre, y down): the
    saddle and ears of :func:`sd_pipeclamp` (the bore :data:`PC_BORE` s, the saddle
    :data:`PC_OUTER` s, the ears out to :data:`PC_EAR_END` s and :data:`PC_EAR_HIGH` s high;
    s the smaller side), the bore's centre :data:`PC_OUTER` / 2 s below the middle so that
    the part's box is centred (``"half"``, where defects are placed from; ``"corner"`` 0);
    a bolt hole of :data:`PC_BOLT` s in each ear (:data:`PC_BOLT_AT` s either side,
    :data:`PC_BOLT_HIGH` s above the split line) and the drain slot (a window of half size
    :data:`PC_SLOT` s) at the middle of the crown's wall (``missing`` leaves out any of the
    three)."""
    s = float(min(shape))
    cy = 0.5 * PC_OUTER * s
    hy = cy - PC_BOLT_HIGH * s
    holes = [((sg * PC_BOLT_AT * s, hy), PC_BOLT * s) for sg in (-1.0, 1.0)]
    slot = ((0.0, cy - 0.5 * (PC_BORE + PC_OUTER) * s), (PC_SLOT[0] * s, PC_SLOT[1] * s),
            PC_SLOT_CORNER * s)
    return dict(base, half=(PC_EAR_END * s, cy), corner=0.0,
                clamp=((0.0, cy), PC_BORE * s, PC_OUTER * s, PC_EAR_END * s, PC_EAR_HIGH * s),
                holes=holes, slots=[], windows=[slot])
