"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 37's pieces, keeping :mod:`metrology.synth._textures_more18` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``ballmilled`` a face finished by raster (zigzag) ball-end milling, as on a die's or a mould's
             free-form face (:func:`ballmilled_texture`): parallel tool tracks side by side
             (the stepover, 6-10 px per part, at a random angle), each a shallow round
             scallop lit from one side (a ramp of shading across the track, a sharp cusp
             where two tracks meet), and in each track fine crescent feed marks
             (:func:`feed_marks`), one a tooth pass, 2.6-3.8 px apart along the track, each a
             thin groove bowed 0.8-1.6 px at the track's edges, the bow pointing the way the
             tool went: one way in a track, the other in the next (the zigzag), each track its
             own phase and depth; over a fine grain.  The first texture of two periodic
             families at right angles and at two scales, the fine one made of arcs that flip
             from track to track: ``wirecut``'s cusps are one family, ``knurled``'s,
             ``honed``'s and ``crossrolled``'s two families are alike and cross obliquely or
             aperiodic, ``milled``'s arcs all curve round one centre, ``woven``'s tows are
             equal both ways.

``handhole`` layout (:func:`handhole_layout`): an elliptical handhole cover (the inside cover
             of a boiler's, a tank's or a gearbox's handhole, held by one central stud): an
             ellipse of semi-axes 0.555 and 0.335 x the smaller side with its major axis
             along the image's rising diagonal (:func:`sd_handhole`, the plate's
             ``"ellipse"``), the stud's hole (0.06) at its centre (part of the outline, never
             missing), two tapped jacking holes (0.032) on the major axis 0.34 either side and
             a drain hole (0.025) on the minor axis 0.2 below-right of the centre (any of the
             three missable).  The first elliptical outline (its curvature changing all round
             it) and the first outline turned off the image's axes as a whole: ``ovalflange``
             is a circle and two lobes joined by straight edges, ``dshim`` a circle cut by a
             chord, ``rotor`` and ``endshield`` discs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the tracks: the stepover (px), the feed marks' pitch along a track (px), their bow at the
#: track's edge (px), sigma across (px) and depth (each track's); the scallop's weight, the
#: feed marks' weight and the grain's weight and blur (px)
BM_STEP, BM_FEED, BM_BOW, BM_SIGMA = (6.0, 10.0), (2.6, 3.8), (0.8, 1.6), (0.45, 0.65)
BM_DEPTH, BM_SCALLOP, BM_MARKS, BM_GRAIN = (0.6, 1.0), 1.0, 0.9, (0.25, 0.6)
#: the tracks' table length (tracks indexed modulo it)
BM_TRACKS = 256


def feed_marks(s, c, k, step, feed, bow, table):
    """The feed marks' depth (0 to 1) at ``s`` (px along the tracks), ``c`` (px across, from
    the middle of track ``k``): per track ``table`` (tracks, 3) the phase (px), sigma (px) and
    depth.  A mark is a groove along the arc ``s = phase + n feed + dir bow (2 c / step)^2``
    (a parabola through the track, ``bow`` px behind at its edges), ``dir`` +1 in even
    tracks and -1 in odd ones (the zigzag: the tool's way flips from track to track); its
    depth the track's x a Gaussian of the distance along from the nearest arc."""
    n = table.shape[0]
    row = table[k % n]
    sign = np.where(k % 2 == 0, 1.0, -1.0)
    lag = s - row[..., 0] - sign * bow * (2.0 * c / step) ** 2
    off = (lag / feed - np.round(lag / feed)) * feed
    return row[..., 2] * np.exp(-0.5 * (off / row[..., 1]) ** 2)


def ballmilled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A raster ball-end milled face: tracks :data:`BM_STEP` apart at a random angle, each a
    scallop shaded by its slope (light from one side, at random) at :data:`BM_SCALLOP`, the
    :func:`feed_marks` (:data:`BM_FEED`, :data:`BM_BOW`, :data:`BM_SIGMA`, :data:`BM_DEPTH`)
    dark at :data:`BM_MARKS` and a fine grain (:data:`BM_GRAIN`).  Zero mean, unit standard
    deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    step, feed, bow = g.uniform(*BM_STEP), g.uniform(*BM_FEED), g.uniform(*BM_BOW)
    n = BM_TRACKS
    table = np.stack([g.uniform(0.0, feed, n), g.uniform(*BM_SIGMA, n),
                      g.uniform(*BM_DEPTH, n)], axis=-1)
    ang, t0 = g.uniform(0.0, np.pi), g.uniform(0.0, step)
    light = g.choice([-1.0, 1.0])
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), BM_GRAIN[1], mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    s = xx * np.cos(ang) + yy * np.sin(ang)
    t = -xx * np.sin(ang) + yy * np.cos(ang) + (w + h) + t0       # positive
    k = np.floor(t / step).astype(np.int64)
    c = t - (k + 0.5) * step                                        # -step/2 to step/2
    # the scallop: a circle of the tool's radius (the stepover) through the cusps; its slope
    slope = c / np.sqrt(step * step - c * c)
    marks = feed_marks(s, c, k, step, feed, bow, table)
    out = (BM_SCALLOP * light * slope / 0.58 - BM_MARKS * marks
           + BM_GRAIN[0] * _unit(grain))
    return _unit(out)


#: the handhole cover (x the smaller side): the ellipse's semi-axes, its major axis's angle
#: (degrees, y down: -45 rises to the right), the stud's hole; the jacking holes' distance
#: along the major axis and radius; the drain hole's distance along the minor axis and radius
HH_A, HH_B, HH_DEG, HH_STUD = 0.555, 0.335, -45.0, 0.06
HH_JACK_AT, HH_JACK, HH_DRAIN_AT, HH_DRAIN = 0.34, 0.032, 0.2, 0.025
#: Newton steps of the ellipse's nearest point
HH_NEWTON = 8


def _nearest_t(p, q, a, b, t):
    """The parameter ``t`` (0 to pi/2) of a point of the ellipse where the normal passes
    through ``p``, ``q``: :data:`HH_NEWTON` Newton steps from ``t``."""
    e = a * a - b * b
    for _ in range(HH_NEWTON):
        st, ct = np.sin(t), np.cos(t)
        f = e * st * ct - p * a * st + q * b * ct
        df = e * (ct * ct - st * st) - p * a * ct - q * b * st
        t = np.clip(t - f / np.where(np.abs(df) > 1e-12, df, -1e-12), 0.0, 0.5 * np.pi)
    return np.hypot(p - a * np.cos(t), q - b * np.sin(t))


def ellipse_sd(x, y, a, b):
    """Signed distance (negative inside) of points ``x``, ``y`` to the ellipse of semi-axes
    ``a`` >= ``b`` along x and y: the nearest of the feet of the normals (``(a cos t, b sin
    t)`` in the point's quarter) that Newton's steps reach from the angle of the point scaled
    to the unit circle and from the minor axis's end (inside, near the major axis, the first
    may find a farther foot)."""
    p, q = np.abs(x), np.abs(y)
    d = np.minimum(_nearest_t(p, q, a, b, np.arctan2(a * q, b * p)),
                   _nearest_t(p, q, a, b, np.full(np.shape(p), 0.5 * np.pi)))
    inside = (p / a) ** 2 + (q / b) ** 2 < 1.0
    return np.where(inside, -d, d)


def sd_handhole(u, v, lay):
    """Signed distance (px, negative inside) to the handhole cover's outline of ``lay``
    (``"ellipse"``: the semi-axes, the major axis's angle (degrees) and the stud hole's
    radius): the ellipse less the stud's hole at its centre."""
    a, b, deg, stud = lay["ellipse"]
    ca, sa = np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))
    x, y = u * ca + v * sa, -u * sa + v * ca
    return np.maximum(ellipse_sd(x, y, a, b), stud - np.hypot(u, v))


def handhole_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``handhole`` layout in model pixels (origin at the image centre, y down): the cover
    of :func:`sd_handhole` (``"ellipse"``: semi-axes :data:`HH_A`, :data:`HH_B` s at
    :data:`HH_DEG`, the stud hole :data:`HH_STUD` s; s the smaller side; ``"half"`` its
    bounding box, where defects are placed from, ``"corner"`` 0), two jacking holes
    (:data:`HH_JACK` s) :data:`HH_JACK_AT` s either side along the major axis and a drain
    hole (:data:`HH_DRAIN` s) :data:`HH_DRAIN_AT` s along the minor axis (``missing`` leaves
    out any of the three)."""
    h, w = shape
    s = float(min(h, w))
    a, b = HH_A * s, HH_B * s
    ca, sa = np.cos(np.deg2rad(HH_DEG)), np.sin(np.deg2rad(HH_DEG))
    ext = float(np.hypot(a * ca, b * sa))                # the same both ways at 45 degrees
    holes = [((float(side * HH_JACK_AT * s * ca), float(side * HH_JACK_AT * s * sa)),
              HH_JACK * s) for side in (-1.0, 1.0)]
    holes.append(((float(-HH_DRAIN_AT * s * sa), float(HH_DRAIN_AT * s * ca)), HH_DRAIN * s))
    return dict(base, half=(ext, ext), corner=0.0, ellipse=(a, b, HH_DEG, HH_STUD * s),
                holes=holes, slots=[])
