"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
30's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``pinch``    a pinch mark: the bite of two serrated jaw tips (pliers, or a gripper's two
             fingers) pressed into the face side by side: two short parallel flat-bottomed
             dents of one length (8-16 px) and one width (2.5-4 px), 1.6-2.4 x their width
             apart (centre to centre), each crossed by the jaw's teeth (fine ridges across it
             every 2.8-3.6 px, the dent 0.4 as deep on a tooth's ridge), the teeth of both jaws
             in line; shallow, 10-24 gray levels dark, each jaw's bite 0.85-1 of it; bright if
             given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the pinch: the dents' length and width (px), their spacing centre to centre (x the width),
#: the jaw's teeth's pitch (px), each jaw's bite (its depth share) and the contrast (gray
#: levels) drawn in these ranges
PINCH_LENGTH, PINCH_WIDTH, PINCH_SPACING = (8.0, 16.0), (2.5, 4.0), (1.6, 2.4)
PINCH_TEETH, PINCH_BITE, PINCH_CONTRAST = (2.8, 3.6), (0.85, 1.0), (10.0, 24.0)
#: how much shallower a dent is on a tooth's ridge than between teeth (x its depth), and the
#: dents' edges' softness (px: their sides and ends a ramp this wide)
PINCH_RIDGE, PINCH_EDGE = 0.6, 1.0


def dent_depth(x, y, length, width, teeth):
    """The depth (0-1) of one jaw's dent at ``x`` along and ``y`` across it (px, about its
    middle): flat-bottomed, ``length`` by ``width`` px, its sides and ends ramps
    :data:`PINCH_EDGE` px wide, times the teeth's ``1 - PINCH_RIDGE x (1 + cos(2 pi x /
    teeth)) / 2`` (a ridge at the dent's middle and every ``teeth`` px from it)."""
    box = np.clip((0.5 * length - np.abs(x)) / PINCH_EDGE + 0.5, 0.0, 1.0) * \
        np.clip((0.5 * width - np.abs(y)) / PINCH_EDGE + 0.5, 0.0, 1.0)
    return box * (1.0 - PINCH_RIDGE * 0.5 * (1.0 + np.cos(2.0 * np.pi * x / teeth)))


def _pinch_params(g, shape, params):
    """The pinch's dent length, width, spacing and contrast, drawn or given, checked."""
    length = drawn_length(g, shape, params, PINCH_LENGTH, "pinch",
                          "a shorter dent is a dot, not a jaw's bite")
    width = params.get("width_px", g.uniform(*PINCH_WIDTH))
    if not 1.0 <= width <= 0.5 * length:
        raise InputError(f"defect_params: pinch's width_px ({width:g}) must be 1 px to half "
                         f"its length_px ({length:g}): a wider dent is a pad's print, not a "
                         f"jaw tip's")
    least = width + 1.5 * PINCH_EDGE                   # the dents 0.5 px apart at least
    pitch = params.get("pitch_px", max(least, g.uniform(*PINCH_SPACING) * width))
    if not least <= pitch <= 3.0 * width:
        raise InputError(f"defect_params: pinch's pitch_px ({pitch:g}), the dents' spacing, "
                         f"must be {least:g} px (the dents apart) to 3 x its width_px "
                         f"({width:g}): closer dents merge into one, farther ones are two marks")
    contrast = params.get("contrast", g.uniform(*PINCH_CONTRAST))
    return length, width, pitch, contrast


def _pinch(g, shape, lay, pose, params):
    """A pinch mark: the change ``-contrast x bite x`` :func:`dent_depth` of two dents
    (``length_px`` in :data:`PINCH_LENGTH`, at most 0.3 x the image's smaller side, at least
    5 px; ``width_px`` in :data:`PINCH_WIDTH`, 1 px to half the length given; ``pitch_px``,
    their spacing centre to centre, :data:`PINCH_SPACING` x the width, the dents at least half
    a pixel apart, at most 3 x the width given; ``angle_deg`` the dents' direction, any; the
    teeth every :data:`PINCH_TEETH` px, in line across both; each jaw's bite in
    :data:`PINCH_BITE`; ``contrast`` in :data:`PINCH_CONTRAST`, bright if negative).  Its
    mask where the change is at least a quarter of its peak: one piece per dent.  Drawn on a
    box around it."""
    length, width, pitch, contrast = _pinch_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    teeth, bite = g.uniform(*PINCH_TEETH), g.uniform(*PINCH_BITE, 2)
    reach = float(np.hypot(0.5 * length + PINCH_EDGE, 0.5 * (pitch + width) + PINCH_EDGE))
    c = pick_center(g, lay, pose, reach + 3.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    x, y = (xx - c[0]) * ca + (yy - c[1]) * sa, -(xx - c[0]) * sa + (yy - c[1]) * ca
    depth = np.maximum(bite[0] * dent_depth(x, y + 0.5 * pitch, length, width, teeth),
                       bite[1] * dent_depth(x, y - 0.5 * pitch, length, width, teeth))
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * depth
    spec = ("pinch", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"width_px": float(width), "pitch_px": float(pitch), "teeth_px": float(teeth),
             "bite": (float(bite[0]), float(bite[1]))})
    return delta, None, spec, None
