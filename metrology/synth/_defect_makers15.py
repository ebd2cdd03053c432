"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
37's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``pigtail``  a pigtail: the curly scratch a grit caught under a random-orbit sander's pad
             (or a polishing mop) cuts while the pad spins and moves on: a thin groove
             (sigma 0.4-0.65 px) along a prolate trochoid, a chain of small overlapping loops
             (radius 3-5 px, the pad's turn either way) whose centre advances 2.5-4.5 px a
             loop (``pitch_px``, at most 1.5 x the radius, so each loop crosses the one before)
             along a straight chord 14-32 px long; fading to 0.3 as deep at both ends (the grit
             caught and let go); 14-26 gray levels dark, bright if the contrast is negative.
             Unlike ``scratch`` and ``hairline`` (straight), ``lap`` (a wavy seam), ``kink``
             and ``crescent`` (one bend or arc), ``swarf`` (one bright curl with its shadow),
             ``halo`` (specks on one ring) and the ``swirled`` texture (loose arcs
             everywhere), it is one short chain of loops.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the pigtail: its length (px), the loops' radius (px), the advance a loop (px; a drawn one
#: at most PT_CURL x the radius), the groove's sigma (px), the depth at the ends (x the
#: middle's) and the contrast (gray levels at the deepest)
PT_LENGTH, PT_RADIUS, PT_PITCH, PT_SIGMA = (14.0, 32.0), (3.0, 5.0), (2.5, 4.5), (0.4, 0.65)
PT_CURL, PT_FADE, PT_CONTRAST = 1.5, 0.3, (14.0, 26.0)
#: the trochoid's samples: their spacing along the path (px) and their most
PT_STEP, PT_MAX_SAMPLES = 0.2, 200_000


def trochoid(length, radius, pitch, spin, phase):
    """Points (k, 3: x, y, the place along the chord, 0 to 1) of the path of a point on a
    circle of ``radius`` turning ``spin`` (+1 or -1) once while its centre moves ``pitch``
    along the x axis from ``-length / 2`` to ``length / 2``, starting at angle ``phase``;
    sampled about :data:`PT_STEP` px apart along the path."""
    turns = length / pitch
    path = turns * (2.0 * np.pi * radius + pitch)          # longer than the path itself
    k = int(min(max(np.ceil(path / PT_STEP), 2), PT_MAX_SAMPLES))
    a = np.linspace(0.0, 1.0, k)
    th = phase + spin * 2.0 * np.pi * turns * a
    x = (a - 0.5) * length + radius * np.cos(th)
    y = radius * np.sin(th)
    return np.stack([x, y, a], axis=-1)


def pigtail_change(xx, yy, pts, sigma):
    """The pigtail's depth (0 to 1) at ``xx``, ``yy`` (px): a Gaussian of ``sigma`` of the
    distance to the nearest of the path's points ``pts`` (k, 3: x, y, place 0-1) x the fade
    at that point's place (1 in the middle, :data:`PT_FADE` at the ends, a sine), so that
    where the loops cross the groove is no deeper."""
    d, i = cKDTree(pts[:, :2]).query(np.stack([xx.ravel(), yy.ravel()], axis=-1))
    fade = PT_FADE + (1.0 - PT_FADE) * np.sin(np.pi * pts[i, 2])
    return (fade * np.exp(-0.5 * (d / sigma) ** 2)).reshape(np.shape(xx))


def _pigtail_params(g, shape, params):
    """The length, radius, pitch, sigma and contrast, drawn or given: a ``radius_px`` of any
    size given renders, as every kind's extreme sizes do (a tiny one fills the loops in to a
    line, a huge one leaves an arc); a ``pitch_px`` given under 0.5 px or at 2 x the radius
    or more (the loops no longer cross: a wavy line) or over a third of the length (fewer
    than three loops) is refused; a drawn pitch is cut to :data:`PT_CURL` x the radius and a
    third of the length, a sigma over 0.3 x the radius to that."""
    length = drawn_length(g, shape, params, PT_LENGTH, "pigtail",
                          "a shorter one is a single loop, a ring")
    radius = params.get("radius_px", g.uniform(*PT_RADIUS))
    pitch = params.get("pitch_px", min(g.uniform(*PT_PITCH), PT_CURL * radius, length / 3.0))
    if "pitch_px" in params and not 0.5 <= pitch < 2.0 * radius:
        raise InputError(f"defect_params: pigtail's pitch_px ({pitch:g}) must be 0.5 px to "
                         f"under 2 x its radius_px ({radius:g}): farther, the loops no longer "
                         f"cross and it is a wavy line")
    if "pitch_px" in params and length < 3.0 * pitch:
        raise InputError(f"defect_params: pigtail's length_px ({length:g}) must be at least 3 "
                         f"x its pitch_px ({pitch:g}): fewer than three loops")
    sigma = min(params.get("sigma_px", g.uniform(*PT_SIGMA)), 0.3 * radius)
    contrast = params.get("contrast", g.uniform(*PT_CONTRAST))
    return length, radius, pitch, sigma, contrast


def _pigtail(g, shape, lay, pose, params):
    """A pigtail: the change ``-contrast x`` :func:`pigtail_change` of :func:`trochoid`
    (``length_px`` in :data:`PT_LENGTH`, cut to 0.15-0.3 x the image's smaller side;
    ``radius_px`` in :data:`PT_RADIUS`; ``pitch_px`` in :data:`PT_PITCH`; ``sigma_px`` in
    :data:`PT_SIGMA`; ``angle_deg`` the chord's, any; ``contrast`` in :data:`PT_CONTRAST`,
    dark, bright if negative; the turn's way and start drawn).  Its mask where the change is
    at least a quarter of its peak.  Drawn on a box around it."""
    length, radius, pitch, sigma, contrast = _pigtail_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    spin = float(g.choice([-1.0, 1.0]))
    phase = g.uniform(0.0, 2.0 * np.pi)
    pts = trochoid(length, radius, pitch, spin, phase)
    reach = 0.5 * length + radius + 3.0 * sigma
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * pigtail_change(t, a, pts, sigma))
    spec = ("pigtail", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "radius_px": float(radius), "pitch_px": float(pitch),
             "sigma_px": float(sigma), "spin": spin})
    return delta, None, spec, None
