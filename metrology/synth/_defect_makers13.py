"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
35's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``burr``     a rolled-over burr along a short stretch: where a cutter or a deburring tool
             pushed a thin lip of metal over onto the face instead of cutting it off, the lip
             catches the light as a bright thin ridge (a Gaussian line, sigma 0.45-0.75 px,
             8-24 px long, gently bowed) and throws a dark line beside it on one side only
             (its shadow, 1.6-2.6 px off the ridge, 0.5-0.8 as dark as the ridge is bright,
             sigma 0.6-0.9 px), both tapering to nothing at the ends; 14-28 gray levels at the
             ridge; a dark ridge with a bright line beside it if given a negative contrast.
             Unlike ``gouge`` (a wide groove with a burr along it), ``scratch`` and
             ``hairline`` (one line), ``lap`` (a wavy dark seam by a brighter step) and
             ``swarf`` (a curl lying on the face), it is a bright line paired with a parallel
             dark one, on one side.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the burr: its length (px), the ridge's sigma (px), the shadow's offset from the ridge
#: (px), sigma (px) and depth (x the ridge's brightness), the bow (the sagitta, x the
#: length, either way) and the contrast (gray levels at the ridge) drawn in these ranges
BURR_LENGTH, BURR_SIGMA, BURR_OFFSET = (8.0, 24.0), (0.45, 0.75), (1.6, 2.6)
BURR_SHADOW_SIGMA, BURR_SHADOW_DEPTH, BURR_BOW = (0.6, 0.9), (0.5, 0.8), 0.08
BURR_CONTRAST = (14.0, 28.0)


def burr_change(t, s, length, bend, sigma, offset, shadow_sigma, shadow_depth, side):
    """The burr's change (x the contrast) at ``t`` px along and ``s`` px across its chord
    (from its middle): the ridge, a Gaussian line of ``sigma`` across on the bowed centre
    line ``s = bend (1 - (2 t / length)^2)``, and the shadow, ``-shadow_depth`` x a Gaussian
    line of ``shadow_sigma`` ``offset`` px to the ``side`` (+1 or -1) of it, both x the
    taper ``sqrt(cos(pi t / length))`` (0 beyond the ends)."""
    x = np.clip(2.0 * t / length, -1.0, 1.0)
    taper = np.sqrt(np.cos(0.5 * np.pi * x))
    rel = s - bend * (1.0 - x * x)
    ridge = np.exp(-0.5 * (rel / sigma) ** 2)
    shadow = shadow_depth * np.exp(-0.5 * ((rel - side * offset) / shadow_sigma) ** 2)
    return taper * (ridge - shadow)


def _burr_params(g, shape, params):
    """The length, the ridge's sigma, the shadow's offset and the contrast, drawn or given:
    a shadow closer than 1.2 px refused (it merges with the ridge) and one farther than 6 px
    (it is a second mark); a sigma over half the offset cut to it (the shadow would cancel
    the ridge), so that any sigma given renders."""
    length = drawn_length(g, shape, params, BURR_LENGTH, "burr",
                          "a shorter lip is a spot")
    sigma = params.get("sigma_px", g.uniform(*BURR_SIGMA))
    offset = params.get("width_px", g.uniform(*BURR_OFFSET))
    if not 1.2 <= offset <= 6.0:
        raise InputError(f"defect_params: burr's width_px ({offset:g}), the shadow's offset "
                         f"from the ridge, must be 1.2 to 6 px: closer, the shadow merges "
                         f"with the ridge; farther, it is a second mark")
    contrast = params.get("contrast", g.uniform(*BURR_CONTRAST))
    return length, min(sigma, 0.5 * offset), offset, contrast


def _burr(g, shape, lay, pose, params):
    """A rolled-over burr: the change ``contrast x`` :func:`burr_change` (``length_px`` in
    :data:`BURR_LENGTH`, cut to 0.15-0.3 x the image's smaller side; ``sigma_px`` the
    ridge's, in :data:`BURR_SIGMA`; ``width_px`` the shadow's offset, in
    :data:`BURR_OFFSET`; the shadow's sigma :data:`BURR_SHADOW_SIGMA` and depth
    :data:`BURR_SHADOW_DEPTH` on a random side; ``bend_px`` the bow, up to :data:`BURR_BOW`
    x the length either way; ``angle_deg`` the chord's, any; ``contrast`` in
    :data:`BURR_CONTRAST`, inverted if negative).  Its mask where the change is at least a
    quarter of its peak.  Drawn on a box around it."""
    length, sigma, offset, contrast = _burr_params(g, shape, params)
    shadow_sigma, shadow_depth = g.uniform(*BURR_SHADOW_SIGMA), g.uniform(*BURR_SHADOW_DEPTH)
    side = float(g.choice([-1.0, 1.0]))
    bend = params.get("bend_px", g.uniform(-BURR_BOW, BURR_BOW) * length)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = 0.5 * length + abs(bend) + offset + 3.0 * max(sigma, shadow_sigma)
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(min(reach, 4.0 * max(shape)) + 1.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    t, s = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * burr_change(t, s, length, bend, sigma, offset,
                                                 shadow_sigma, shadow_depth, side)
    spec = ("burr", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"length_px": float(length), "sigma_px": float(sigma), "width_px": float(offset),
             "shadow_sigma_px": float(shadow_sigma), "shadow_depth": float(shadow_depth),
             "side": side, "bend_px": float(bend)})
    return delta, None, spec, None
