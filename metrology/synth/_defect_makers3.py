"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
25's shape, keeping :mod:`metrology.synth._defect_makers2` small; gathered into its
``MORE_MAKERS``, which ``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``crescent`` a crescent dent (the mark a dropped part's edge leaves when it strikes the face
             at a slant: only an arc of its rim bites in): a groove along an arc of a circle
             of radius 5-12 px (less on small images) spanning 110-170 degrees, deepest and
             widest at the arc's middle and tapering to points at its two horns, seen through
             the light (its slope towards a light at any azimuth: a bright flank and a dark
             one), 12-26 gray levels, the texture pressed flatter in the groove; a bump (the
             shading swapped) if given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center

#: the crescent's arc: its radius (px), its span (degrees) and its groove's half width at the
#: middle (a Gaussian's sigma, px) drawn in these ranges
CRESCENT_RADIUS, CRESCENT_SPAN, CRESCENT_WIDTH = (5.0, 12.0), (110.0, 170.0), (0.9, 1.6)


def crescent_depth(dx, dy, radius, span_deg, width, angle_deg):
    """The crescent's depth (0-1) at offsets ``dx``, ``dy`` (px) from its arc's centre: along
    the arc of ``radius`` whose middle lies at ``angle_deg`` from the centre and which spans
    ``span_deg``, the taper ``t = 1 - (phi / half span)^2`` (``phi`` the angle from the
    middle; 0 beyond the horns) times the groove ``exp(-(r - radius)^2 / 2 s^2)`` of sigma
    ``s = width (0.4 + 0.6 t)`` (``r`` the distance to the centre): deepest and widest at the
    middle, a point at each horn."""
    r = np.hypot(dx, dy)
    phi = np.angle(np.exp(1j * (np.arctan2(dy, dx) - np.deg2rad(angle_deg))))
    taper = np.clip(1.0 - (phi / np.deg2rad(0.5 * span_deg)) ** 2, 0.0, 1.0)
    s = width * (0.4 + 0.6 * taper)
    return taper * np.exp(-0.5 * ((r - radius) / s) ** 2)


def _crescent(g, shape, lay, pose, params):
    """A crescent dent: :func:`crescent_depth` (``radius_px`` in :data:`CRESCENT_RADIUS`, at
    most 0.1 x the image's smaller side, 5 at least; pasted on a region, what its deepest
    point has room for; ``span_deg`` in :data:`CRESCENT_SPAN`, 30-180 if given;
    ``width_px`` in :data:`CRESCENT_WIDTH`, at most 0.3 ``radius_px``, a larger one given
    refused; ``angle_deg`` the direction from the arc's centre to its middle, any) as a
    depression lit from ``light_deg`` (any): the change ``contrast x`` its slope towards the
    light over the largest slope (``contrast`` 12-26 gray levels; the shading swapped if
    given negative), the texture flattened to ``1 - 0.5 depth``.  The centre is the arc's
    middle (its deepest point), the size the arc's diameter, the mask also where the depth
    is at least a quarter.  Drawn on a box around the arc's circle."""
    hi = min(CRESCENT_RADIUS[1], max(CRESCENT_RADIUS[0], 0.1 * min(shape)))
    if "free" in lay:  # pasted on a region: what its deepest point has room for
        hi = min(hi, max(CRESCENT_RADIUS[0], float(np.max(lay["free"])) - 9.0))
    radius = params.get("radius_px", g.uniform(min(CRESCENT_RADIUS[0], hi), hi))
    span = params.get("span_deg", g.uniform(*CRESCENT_SPAN))
    if not 30.0 <= span <= 180.0:
        raise InputError(f"defect_params: crescent's span_deg ({span:g}) must be 30-180: a "
                         f"shorter arc is a nick, a longer one a ring")
    width = params.get("width_px", min(g.uniform(*CRESCENT_WIDTH), 0.3 * radius))
    if width > 0.3 * radius:
        raise InputError(f"defect_params: crescent's width_px ({width:g}) must be at most 0.3 "
                         f"radius_px ({0.3 * radius:g}): its groove would fill the arc")
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    light = params.get("light_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(12.0, 26.0))
    reach = radius + 4.0 * width
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    depth = crescent_depth(xx - c[0], yy - c[1], radius, span, width, angle)
    gy, gx = np.gradient(-depth) if min(depth.shape) > 1 else (depth * 0.0, depth * 0.0)
    la = np.deg2rad(light)
    shade = gx * np.cos(la) + gy * np.sin(la)
    h, w = shape
    delta, flatten, foot = np.zeros((h, w)), np.ones((h, w)), np.zeros((h, w), bool)
    delta[r0:r1, c0:c1] = contrast * shade / max(float(np.abs(shade).max()), 1e-12)
    flatten[r0:r1, c0:c1] = 1.0 - 0.5 * depth
    foot[r0:r1, c0:c1] = depth >= 0.25
    a = np.deg2rad(angle)
    mid = (float(c[0] + radius * np.cos(a)), float(c[1] + radius * np.sin(a)))
    spec = ("crescent", mid, 2.0 * float(radius), float(angle), float(contrast),
            {"radius_px": float(radius), "span_deg": float(span), "width_px": float(width),
             "light_deg": float(light)})
    return delta, flatten, spec, foot
