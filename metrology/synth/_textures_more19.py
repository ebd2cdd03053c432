"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 37's pieces, keeping :mod:`metrology.synth._textures_more18` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``blanchard`` a rotary surface ground (Blanchard ground) face, as on a machine plate or a die
             set's face (:func:`blanchard_texture`): the cup wheel's rim, far larger than the
             part (radius 450-600 px), sweeps its grits across the face while the table
             carries the part along, so each grit cuts a circular arc of the wheel's radius;
             the leading and the trailing side of the rim cut two families of such arcs
             (:func:`rim_arcs`: fine aperiodic scratches, sigma about 0.7 px, with sparse
             deeper ones), which cross at an angle that changes steadily across the face
             (from nearly parallel at the wheel's path's middle line to nearly square near
             its edge; the face lies 0.45-0.55 of the radius off that line, so about 20 to
             120 degrees across a 256 px face), over a faint mottle and a fine grain.  The
             first texture of two families of curved scratches crossing at an angle that
             changes across the face: ``honed``'s and ``crossrolled``'s two families are
             straight at one angle, ``milled``'s and ``faced``'s arcs are one family round
             one centre, ``lapped``'s and ``swirled``'s arcs are short and at random.

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

#: the wheel: its rim's radius (px) and the face's offset from its path's middle line (x the
#: radius); the scratches' blur across (px), the share of deeper ones and their depth (x the
#: fine ones' spread); the two families' weights, the mottle's weight and blur (px) and the
#: grain's weight and blur (px)
BL_RADIUS, BL_OFFSET, BL_BLUR, BL_DEEP = (450.0, 600.0), (0.45, 0.55), 0.7, (0.04, 2.0)
BL_WEIGHTS, BL_MOTTLE, BL_GRAIN = (1.0, (0.75, 1.0)), (0.15, 12.0), (0.2, 0.6)


def rim_arcs(p, q, radius, profiles):
    """The two families of the rim's arcs at ``p`` (px along the table's travel) and ``q``
    (px across it, from the wheel's path's middle line): the leading side's scratches
    ``profiles[0]`` (a 1-D profile, one sample a px, centred on ``p`` = 0) looked up
    at ``p - a`` and the trailing side's ``profiles[1]`` at ``p + a``, ``a = sqrt(radius^2 -
    q^2)`` (0 beyond the rim): each family's scratches are circles of the radius round
    centres on the middle line.  Returns the two fields."""
    a = np.sqrt(np.maximum(radius * radius - q * q, 0.0))
    grid = np.arange(profiles.shape[1], dtype=np.float64) - 0.5 * (profiles.shape[1] - 1)
    lead = np.interp(p - a, grid, profiles[0])
    trail = np.interp(p + a, grid, profiles[1])
    return lead, trail


def _scratch_profile(g, n):
    """A 1-D profile of ``n`` px of fine aperiodic scratches (white noise blurred by
    :data:`BL_BLUR`) with sparse deeper (dark) ones (:data:`BL_DEEP`), unit-scaled."""
    from .surfaces import _unit

    base = g.standard_normal(n)
    deep = np.where(g.random(n) < BL_DEEP[0], -BL_DEEP[1] * np.abs(g.standard_normal(n)), 0.0)
    return _unit(ndimage.gaussian_filter1d(base + deep, BL_BLUR, mode="wrap"))


def blanchard_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A Blanchard ground face: :func:`rim_arcs` of a wheel of radius :data:`BL_RADIUS` (the
    face :data:`BL_OFFSET` x it off the path's middle line, the travel at a random angle), the
    leading family at weight 1, the trailing one at :data:`BL_WEIGHTS` (its share of the cut),
    over a mottle (:data:`BL_MOTTLE`) and a fine grain (:data:`BL_GRAIN`).  Zero mean, unit
    standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    radius, off = g.uniform(*BL_RADIUS), g.uniform(*BL_OFFSET)
    ang, trail_w = g.uniform(0.0, 2.0 * np.pi), g.uniform(*BL_WEIGHTS[1])
    n = int(np.ceil(2.0 * (radius + h + w))) + 5
    profiles = np.stack([_scratch_profile(g, n), _scratch_profile(g, n)])
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), BL_MOTTLE[1], mode="wrap")
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), BL_GRAIN[1], mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    xx, yy = xx - 0.5 * (w - 1), yy - 0.5 * (h - 1)
    p = xx * np.cos(ang) + yy * np.sin(ang)
    q = -xx * np.sin(ang) + yy * np.cos(ang) + off * radius
    lead, trail = rim_arcs(p, q, radius, profiles)
    out = (BL_WEIGHTS[0] * lead + trail_w * trail + BL_MOTTLE[0] * _unit(mottle)
           + BL_GRAIN[0] * _unit(grain))
    return _unit(out)


#: the handhole cover (x the smaller side): the ellipse's semi-axes, its major axis's angle
#: (degrees, y down: -45 rises to the right), the stud's hole; the jacking holes' distance
#: along the major axis and radius; the drain hole's distance along the minor axis and radius
HH_A, HH_B, HH_DEG, HH_STUD = 0.555, 0.335, -45.0, 0.06
HH_JACK_AT, HH_JACK, HH_DRAIN_AT, HH_DRAIN = 0.34, 0.032, 0.2, 0.025
#: Newton steps of the ellipse's nearest point
HH_NEWTON = 6


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
    ``a`` >= ``b`` along x and y: the foot of the normal (``(a cos t, b sin t)`` in the
    point's quarter) that :data:`HH_NEWTON` Newton steps reach from the angle of the point
    scaled to the unit circle, or, inside, from the foot of the normal through the point's
    shadow on the major axis (``cos t = a p / (a^2 - b^2)``) where that is the larger: from
    the first alone a point inside near the major axis finds the major axis's end."""
    p, q = np.abs(np.asarray(x, float)), np.abs(np.asarray(y, float))
    inside = (p / a) ** 2 + (q / b) ** 2 < 1.0
    t = np.arctan2(a * q, b * p)
    shadow = np.arccos(np.clip(a * p / max(a * a - b * b, 1e-12), 0.0, 1.0))
    d = _nearest_t(p, q, a, b, np.where(inside, np.maximum(t, shadow), t))
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
