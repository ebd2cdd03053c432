"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
39's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``comet``    a comet tail, as polishing leaves it: a hard particle (a carbide, an oxide
             inclusion, a stray grit) torn out of the face leaves a round pit (radius 1.2-2.5
             px, flat-bottomed, soft-edged over 0.35 px), and the pad drags it on across the
             face, so behind the pit a tail of 2-4 fine streaks (sigma 0.4-0.6 px) runs
             8-24 px in the polishing direction, the streaks starting spread across the pit's
             width and converging to one point at the tail's end, fading from 0.55 of the
             pit's depth to nothing; 18-34 gray levels dark, bright if the contrast is
             negative.  Unlike ``pits`` and ``spot`` (no tail), ``dragmark`` (a band of
             parallel streaks of one width, no pit), ``scratch`` and ``hairline`` (one line)
             and the ``tumbled`` texture (comets everywhere), it is one pit whose tail
             narrows to a point.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the comet: its tail's length (px), the pit's radius (px) and its edge's softness (px),
#: the streaks (count) and their sigma (px), their spread at the pit (x its radius), the
#: tail's depth at the pit (x the pit's) and the contrast (gray levels)
CM_LENGTH, CM_RADIUS, CM_SOFT, CM_STREAKS = (8.0, 24.0), (1.2, 2.5), 0.35, (2, 4)
CM_SIGMA, CM_SPREAD, CM_TAIL, CM_CONTRAST = (0.4, 0.6), 0.8, 0.55, (18.0, 34.0)
#: the streaks' samples' spacing along the tail (px)
CM_STEP = 0.2


def comet_tail(length, radius, offsets):
    """Points (k, 3: x, y, fade) of a comet's streaks: the pit at the origin, the tail along
    +x, each streak from ``(0, offset x radius)`` (``offsets`` in -1..1, x
    :data:`CM_SPREAD`) to ``(length, 0)``, sampled :data:`CM_STEP` px apart along x, its
    fade falling linearly from :data:`CM_TAIL` at the pit to 0 at the end."""
    m = max(int(np.ceil(length / CM_STEP)), 1) + 1
    a = np.linspace(0.0, 1.0, m)[None, :]
    x = np.broadcast_to(a * length, (len(offsets), m))
    y = np.asarray(offsets, float)[:, None] * CM_SPREAD * radius * (1.0 - a)
    fade = np.broadcast_to(CM_TAIL * (1.0 - a), x.shape)
    return np.stack([x.ravel(), y.ravel(), fade.ravel()], axis=-1)


def comet_change(xx, yy, radius, pts, sigma):
    """The comet's depth (0 to 1) at ``xx``, ``yy`` (px, the pit at the origin): the pit (1
    inside its ``radius``, falling over :data:`CM_SOFT` px at its edge) or the tail (a
    Gaussian of ``sigma`` of the distance to the nearest of the streaks' points ``pts``, x
    that point's fade), whichever is deeper."""
    pit = 1.0 / (1.0 + np.exp(np.clip((np.hypot(xx, yy) - radius) / CM_SOFT, -50.0, 50.0)))
    d, i = cKDTree(pts[:, :2]).query(np.stack([xx.ravel(), yy.ravel()], axis=-1))
    tail = (pts[i, 2] * np.exp(-0.5 * (d / sigma) ** 2)).reshape(np.shape(xx))
    return np.maximum(pit, tail)


def _comet_params(g, shape, params):
    """The tail's length, the pit's radius, the streaks' offsets (2-4, spread evenly across
    -1..1 with a jitter), sigma and the contrast, drawn or given: a ``radius_px`` of any size
    given renders (a tiny one leaves the tail alone, a huge one a disc); a sigma over half
    the radius is cut to that."""
    length = drawn_length(g, shape, params, CM_LENGTH, "comet",
                          "a shorter tail is part of its pit")
    radius = params.get("radius_px", g.uniform(*CM_RADIUS))
    k = int(g.integers(CM_STREAKS[0], CM_STREAKS[1] + 1))
    offsets = np.clip(np.linspace(-1.0, 1.0, k) + g.uniform(-0.15, 0.15, k), -1.0, 1.0)
    sigma = min(params.get("sigma_px", g.uniform(*CM_SIGMA)), 0.5 * radius)
    contrast = params.get("contrast", g.uniform(*CM_CONTRAST))
    return length, radius, offsets, sigma, contrast


def _comet(g, shape, lay, pose, params):
    """A comet tail: the change ``-contrast x`` :func:`comet_change` of the pit and
    :func:`comet_tail` (``length_px`` the tail's, in :data:`CM_LENGTH`, cut to 0.15-0.3 x the
    image's smaller side; ``radius_px`` the pit's, in :data:`CM_RADIUS`; ``sigma_px`` the
    streaks', in :data:`CM_SIGMA`; ``angle_deg`` the tail's direction, any; ``contrast`` in
    :data:`CM_CONTRAST`, dark, bright if negative), centred on the middle of pit and tail.
    Its mask where the change is at least a quarter of its peak.  Drawn on a box around it."""
    length, radius, offsets, sigma, contrast = _comet_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = comet_tail(length, radius, offsets)
    half = 0.5 * (length + radius)                      # the centre: mid-way, pit to end
    reach = half + 3.0 * sigma + CM_SOFT * 8.0
    # the pit at -(length - radius) / 2 along the chord from the centre
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * comet_change(
                                t + 0.5 * (length - radius), a, radius, pts, sigma))
    spec = ("comet", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"length_px": float(length), "radius_px": float(radius), "sigma_px": float(sigma),
             "streaks": len(offsets)})
    return delta, None, spec, None
