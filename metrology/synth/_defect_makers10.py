"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
32's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``clampmark`` a clamp pressure mark: the print of a vice jaw's or a clamp's flat pad pressed
             too hard into the face: a faint rounded-rectangle imprint (12-28 px long,
             0.35-0.65 as wide, its corners rounded to 0.15-0.3 of its width) with a flat
             floor, slightly darker than the face (10-22 gray levels), a little deeper at the
             end towards ``angle_deg`` (the pad not quite parallel: the far end 0.65-0.85 as
             deep), and a thin brighter raised lip just outside its edge all round (the metal
             pushed up, 0.4-0.7 of the floor's contrast); bright floor and dark lip if given
             a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the clamp mark: its length (px), its width (x the length), its corners' radius (x the
#: width), the far end's depth (x the near end's), the lip's height (x the floor's depth) and
#: the contrast (gray levels) drawn in these ranges
CLAMP_LENGTH, CLAMP_ASPECT, CLAMP_CORNER = (12.0, 28.0), (0.35, 0.65), (0.15, 0.3)
CLAMP_TILT, CLAMP_LIP, CLAMP_CONTRAST = (0.65, 0.85), (0.4, 0.7), (10.0, 22.0)
#: the floor's edge (a ramp this wide, px), the lip's distance outside the edge (px) and its
#: Gaussian's sigma across (px)
CLAMP_EDGE, CLAMP_LIP_AT, CLAMP_LIP_SIGMA = 1.0, 1.0, 0.6


def sd_rounded_box(x, y, length, width, corner):
    """Signed distance (px, negative inside) at ``x`` along and ``y`` across (about its
    middle) to a ``length`` by ``width`` rectangle with its corners rounded to ``corner``
    px: exact in and out."""
    qx = np.abs(x) - 0.5 * length + corner
    qy = np.abs(y) - 0.5 * width + corner
    out = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return out + np.minimum(np.maximum(qx, qy), 0.0) - corner


def clamp_change(x, y, length, width, corner, tilt, lip):
    """The clamp mark's change (x the contrast: negative in the floor, positive on the lip)
    at ``x`` along and ``y`` across: the floor ``-(tilt + (1 - tilt) (1/2 + x / length))``
    deep (1 at the end at ``+x``, ``tilt`` at the other) inside :func:`sd_rounded_box`, its
    edge a ramp :data:`CLAMP_EDGE` px wide; the lip ``lip x exp(-(d - at)^2 / 2 sigma^2)``,
    ``d`` the distance outside the edge (:data:`CLAMP_LIP_AT`, :data:`CLAMP_LIP_SIGMA`)."""
    d = sd_rounded_box(x, y, length, width, corner)
    floor = np.clip(0.5 - d / CLAMP_EDGE, 0.0, 1.0)
    slope = tilt + (1.0 - tilt) * np.clip(0.5 + x / length, 0.0, 1.0)
    ridge = lip * np.exp(-0.5 * ((d - CLAMP_LIP_AT) / CLAMP_LIP_SIGMA) ** 2)
    return ridge - floor * slope


def _clamp_params(g, shape, params):
    """The clamp mark's length, width, corner radius and contrast, drawn or given, checked."""
    length = drawn_length(g, shape, params, CLAMP_LENGTH, "clampmark",
                          "a shorter print is a dent, not a pad's")
    aspect, share = g.uniform(*CLAMP_ASPECT), g.uniform(*CLAMP_CORNER)
    width = params.get("width_px", aspect * length)
    if not 2.0 <= width <= length:
        raise InputError(f"defect_params: clampmark's width_px ({width:g}) must be 2 px to its "
                         f"length_px ({length:g}): a narrower print is a scratch, and the "
                         f"length is the longer side")
    contrast = params.get("contrast", g.uniform(*CLAMP_CONTRAST))
    return length, width, share * width, contrast


def _clampmark(g, shape, lay, pose, params):
    """A clamp pressure mark: the change ``contrast x`` :func:`clamp_change` (``length_px``
    in :data:`CLAMP_LENGTH`, at most 0.3 x the image's smaller side, at least 5 px;
    ``width_px`` :data:`CLAMP_ASPECT` x the length, 2 px to the length given; the corners
    :data:`CLAMP_CORNER` x the width; ``angle_deg`` the direction of its length and of its
    deeper end, any; the far end :data:`CLAMP_TILT` as deep, the lip :data:`CLAMP_LIP` of
    the floor; ``contrast`` in :data:`CLAMP_CONTRAST`, a bright floor if negative).  Its
    mask where the change is at least a quarter of its peak: the floor and the lip round
    it.  Drawn on a box around it."""
    length, width, corner, contrast = _clamp_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    tilt, lip = g.uniform(*CLAMP_TILT), g.uniform(*CLAMP_LIP)
    reach = 0.5 * float(np.hypot(length, width)) + CLAMP_LIP_AT + 3.0 * CLAMP_LIP_SIGMA
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 1.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    x, y = (xx - c[0]) * ca + (yy - c[1]) * sa, -(xx - c[0]) * sa + (yy - c[1]) * ca
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * clamp_change(x, y, length, width, corner, tilt, lip)
    spec = ("clampmark", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"width_px": float(width), "corner_px": float(corner),
                              "tilt": float(tilt), "lip": float(lip)})
    return delta, None, spec, None
