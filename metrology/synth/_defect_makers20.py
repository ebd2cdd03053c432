"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
42's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``layoutmark`` a scribed layout mark left on a finished face: before machining, a hole's
             centre was laid out with a scriber (two straight lines crossing square at the
             centre) and a divider (a circle round it, the hole's size, to check the drill
             by); the hole was drilled elsewhere, or the face finished without taking the
             mark off: two thin straight grooves 16-36 px long crossing at their middles at
             right angles (sigma 0.5-0.75 px, even depth along them, cut off square at their
             ends) and a thin full circle (radius 0.25-0.4 x the lines' length) round the
             crossing, as deep (where lines and circle cross, no deeper); 14-30 gray levels
             dark, bright if the contrast is negative.  Unlike ``hairline`` (one line),
             ``starcrack`` (4-7 cracks of unequal length at random angles from a crushed pit),
             ``kink`` (legs joined end to end), ``punch`` (a dot in a small ring) and
             ``watermark`` (a ring alone), it is two equal straight lines crossing square
             inside a circle: a crosshair.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change, fern_change

#: the mark: its lines' length (px), the circle's radius (x the length), the grooves' sigma
#: (px) and the contrast (gray levels); the samples' spacing along the grooves (px)
LM_LENGTH, LM_CIRCLE, LM_SIGMA, LM_CONTRAST = (16.0, 36.0), (0.25, 0.4), (0.5, 0.75), (14.0, 30.0)
LM_STEP = 0.25


def crosshair(length, radius, sigma):
    """Points (k, 3: x, y, sigma) of a layout mark centred at the origin: a line along x and
    one along y, each ``length`` px through the origin, and a circle of ``radius`` round it,
    sampled :data:`LM_STEP` px apart, all of sigma ``sigma``."""
    n = max(int(np.ceil(length / LM_STEP)), 1) + 1
    s = np.linspace(-0.5 * length, 0.5 * length, n)
    m = max(int(np.ceil(2.0 * np.pi * radius / LM_STEP)), 8)
    a = 2.0 * np.pi * np.arange(m) / m
    x = np.concatenate([s, np.zeros(n), radius * np.cos(a)])
    y = np.concatenate([np.zeros(n), s, radius * np.sin(a)])
    return np.stack([x, y, np.full(x.size, sigma)], axis=-1)


def _layoutmark_params(g, shape, params):
    """The lines' length, the circle's radius, the sigma and the contrast, drawn or given: a
    ``length_px`` under 5 px (a dot, no crosshair) is refused; a ``radius_px`` over half the
    length is cut to that (the circle within the lines' ends), a sigma over 0.25 x the
    radius too (the circle stays a ring)."""
    length = drawn_length(g, shape, params, LM_LENGTH, "layoutmark",
                          "a shorter one is a dot, no crosshair")
    radius = min(params.get("radius_px", g.uniform(*LM_CIRCLE) * length), 0.5 * length)
    sigma = min(params.get("sigma_px", g.uniform(*LM_SIGMA)), 0.25 * radius)
    contrast = params.get("contrast", g.uniform(*LM_CONTRAST))
    return length, radius, sigma, contrast


def _layoutmark(g, shape, lay, pose, params):
    """A scribed layout mark: the change ``-contrast x``
    :func:`~metrology.synth._defect_makers16.fern_change` of :func:`crosshair` (``length_px``
    the lines', in :data:`LM_LENGTH`, cut to 0.15-0.3 x the image's smaller side;
    ``radius_px`` the circle's, :data:`LM_CIRCLE` x the length; ``sigma_px`` in
    :data:`LM_SIGMA`; ``angle_deg`` the first line's, any; ``contrast`` in
    :data:`LM_CONTRAST`, dark, bright if negative), centred on the crossing.  Its mask where
    the change is at least a quarter of its peak.  Drawn on a box around it."""
    length, radius, sigma, contrast = _layoutmark_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = crosshair(length, radius, sigma)
    reach = float(max(0.5 * length, radius)) + 3.0 * sigma + 1.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * fern_change(t, a, pts))
    spec = ("layoutmark", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "radius_px": float(radius), "sigma_px": float(sigma)})
    return delta, None, spec, None
