"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
31's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``punch``    a centre-punch witness: a stray punch mark where no hole was drilled: a small
             conical dot (2-3 px across) at the centre of a faint thin ring (radius 4-7 px,
             the print of the punch's guide sleeve), the face untouched between them; the ring
             deepest on one side (the punch held at a slight tilt: on its far side 0.4-0.7 as
             deep), 0.45-0.6 as deep as the dot; 12-26 gray levels dark at the dot; bright if
             given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center

#: the punch witness: the ring's radius and the dot's diameter (px), the ring's depth at its
#: deepest (x the dot's), its depth on the far side (x its deepest) and the contrast (gray
#: levels) drawn in these ranges
PUNCH_RADIUS, PUNCH_DOT, PUNCH_RING = (4.0, 7.0), (2.0, 3.0), (0.45, 0.6)
PUNCH_TILT, PUNCH_CONTRAST = (0.4, 0.7), (12.0, 26.0)
#: the ring's profile across (a Gaussian's sigma, px) and the least gap between the dot's
#: edge and the ring (px)
PUNCH_SIGMA, PUNCH_GAP = 0.7, 2.5


def punch_depth(dx, dy, radius, dot, ring, tilt, angle):
    """The punch witness's depth (0-1) at ``dx``, ``dy`` px from its centre: the dot
    ``1 - r / (dot / 2 + 0.5)`` (a cone, 0 beyond) plus the ring ``ring x (tilt + (1 - tilt)
    (1 + cos(phi - angle)) / 2) x exp(-(r - radius)^2 / 2 sigma^2)`` (sigma
    :data:`PUNCH_SIGMA`; deepest towards ``angle``, radians, ``tilt`` of that opposite)."""
    r = np.hypot(dx, dy)
    cone = np.clip(1.0 - r / (0.5 * dot + 0.5), 0.0, 1.0)
    side = tilt + (1.0 - tilt) * 0.5 * (1.0 + np.cos(np.arctan2(dy, dx) - angle))
    band = np.exp(-0.5 * ((r - radius) / PUNCH_SIGMA) ** 2)
    return cone + ring * side * band


def _punch_params(g, params):
    """The punch witness's ring radius, dot diameter and contrast, drawn or given, checked: a
    drawn dot is cut so it clears a small ring given (1 px at least: a ring under 3 px then
    closes on it); a dot given must clear the ring."""
    radius = params.get("radius_px", g.uniform(*PUNCH_RADIUS))
    dot = params.get("width_px", None)
    drawn = g.uniform(*PUNCH_DOT)
    if dot is None:
        dot = max(1.0, min(drawn, 2.0 * (radius - PUNCH_GAP)))
    if not 1.0 <= dot <= 6.0:
        raise InputError(f"defect_params: punch's width_px ({dot:g}), the dot's diameter, must "
                         f"be 1-6 px: a smaller dot is below the optics, a larger one a drill's "
                         f"spot")
    if "width_px" in params and not radius >= 0.5 * dot + PUNCH_GAP:
        raise InputError(f"defect_params: punch's radius_px ({radius:g}), the ring's, must be "
                         f"at least {0.5 * dot + PUNCH_GAP:g} px to clear the dot of width_px "
                         f"{dot:g}: a closer ring merges with the dot")
    contrast = params.get("contrast", g.uniform(*PUNCH_CONTRAST))
    return radius, dot, contrast


def _punch(g, shape, lay, pose, params):
    """A centre-punch witness: the change ``-contrast x`` :func:`punch_depth` (``radius_px``
    the ring's, in :data:`PUNCH_RADIUS`, any size given, as for the other kinds; ``width_px``
    the dot's diameter, in :data:`PUNCH_DOT` and cut to clear the ring by :data:`PUNCH_GAP`,
    1-6 px and clear of the ring given; the ring :data:`PUNCH_RING` as deep as the dot at its deepest, towards
    ``angle_deg`` (any), :data:`PUNCH_TILT` of that opposite; ``contrast`` in
    :data:`PUNCH_CONTRAST`, bright if negative).  Its mask where the change is at least a
    quarter of its peak: the dot and the ring (on its shallow side the ring may fall under
    that).  Drawn on a box around it."""
    radius, dot, contrast = _punch_params(g, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    ring, tilt = g.uniform(*PUNCH_RING), g.uniform(*PUNCH_TILT)
    reach = radius + 4.0 * PUNCH_SIGMA
    c = pick_center(g, lay, pose, reach + 2.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 2.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    depth = punch_depth(xx - c[0], yy - c[1], radius, dot, ring, tilt, np.deg2rad(angle))
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * depth
    spec = ("punch", (float(c[0]), float(c[1])), float(radius), float(angle), float(contrast),
            {"radius_px": float(radius), "width_px": float(dot), "ring": float(ring),
             "tilt": float(tilt)})
    return delta, None, spec, None
