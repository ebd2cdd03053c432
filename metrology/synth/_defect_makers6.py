"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
28's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``lap``      a lap (cold shut): a skin of metal folded over onto the face in rolling or
             forging and not welded to it: a short wavy seam, 15-45 px long, a thin dark fold
             line (sigma 0.5-0.8 px) along a sine of 1-3 px amplitude and 8-16 px wavelength,
             with a slight step in level across it: the folded-over side 0.3-0.6 x the seam's
             contrast brighter, fading over 3-6 px away from the seam and towards its ends;
             12-28 gray levels, the seam bright and the step dark if given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length
from ._defect_makers5 import polyline_distance

#: the lap: its length (px, end to end along its axis), the wave's amplitude (px) and
#: wavelength (px), the seam's sigma (px), the step's share of the contrast and its fade (px),
#: the contrast (gray levels) drawn in these ranges
LAP_LENGTH, LAP_AMPLITUDE, LAP_PITCH, LAP_SIGMA = (15.0, 45.0), (1.0, 3.0), (8.0, 16.0), \
    (0.5, 0.8)
LAP_STEP, LAP_FADE, LAP_CONTRAST = (0.3, 0.6), (3.0, 6.0), (12.0, 28.0)


def lap_points(length, amplitude, pitch, phase, angle_deg):
    """The lap's seam, sampled every 0.25 px or finer (N x 2, x and y, centred on its axis'
    middle): ``across = amplitude sin(2 pi along / pitch + phase)`` for ``along`` in
    ``-length/2..length/2``, turned by ``angle_deg``."""
    a = np.linspace(-0.5 * length, 0.5 * length, int(np.ceil(4.0 * length)) + 1)
    b = amplitude * np.sin(2.0 * np.pi * a / pitch + phase)
    ca, sa = np.cos(np.deg2rad(angle_deg)), np.sin(np.deg2rad(angle_deg))
    return np.stack([a * ca - b * sa, a * sa + b * ca], axis=1)


def _lap_params(g, shape, params):
    """The lap's length, amplitude, pitch, sigma, step and fade and contrast, drawn or given,
    checked."""
    length = drawn_length(g, shape, params, LAP_LENGTH, "lap",   # the same from 150 px up
                          "a shorter one shows no seam")
    pitch = params.get("pitch_px", g.uniform(*LAP_PITCH))
    amplitude = params.get("bend_px", g.uniform(LAP_AMPLITUDE[0],
                                                max(LAP_AMPLITUDE[0],
                                                    min(LAP_AMPLITUDE[1], 0.25 * pitch))))
    if not 0.0 <= amplitude <= 0.25 * pitch:
        raise InputError(f"defect_params: lap's bend_px ({amplitude:g}) must be 0-0.25 x its "
                         f"pitch_px ({pitch:g}): a deeper wave folds the seam back on itself")
    if not 3.0 <= pitch <= 4.0 * length:
        raise InputError(f"defect_params: lap's pitch_px ({pitch:g}) must be 3 px to 4 x its "
                         f"length_px ({length:g})")
    # a seam wider than 0.1 length is a groove, one under 0.3 px none: a sigma given beyond
    # them is cut to them (an extreme size renders, as every kind's does)
    sigma = float(np.clip(params.get("sigma_px", g.uniform(*LAP_SIGMA)), 0.3, 0.1 * length))
    step, fade = g.uniform(*LAP_STEP), g.uniform(*LAP_FADE)
    contrast = params.get("contrast", g.uniform(*LAP_CONTRAST))
    return length, amplitude, pitch, sigma, step, fade, contrast


def _lap(g, shape, lay, pose, params):
    """A lap: the seam ``-contrast exp(-d^2 / 2 sigma^2)`` (``d`` the distance to
    :func:`lap_points`' curve, :func:`polyline_distance`; ``length_px`` in
    :data:`LAP_LENGTH`, at most 0.3 x the image's smaller side; ``bend_px``, the amplitude,
    in :data:`LAP_AMPLITUDE`, at most 0.25 ``pitch_px`` (drawn under it, one given over it
    refused); ``pitch_px`` in :data:`LAP_PITCH`;
    ``sigma_px`` in :data:`LAP_SIGMA`, one given cut to 0.3-0.1 ``length_px``; ``angle_deg``
    its axis, any) plus the step ``step x contrast x exp(-d / fade)`` on the folded-over
    side (``fold``: +1 the side 90 degrees on from the axis, y down, -1 the other),
    tapered to 0 over ``fade`` px at the seam's ends (``step`` in :data:`LAP_STEP`,
    ``fade`` in :data:`LAP_FADE`); ``contrast`` in :data:`LAP_CONTRAST`, a negative one
    makes the seam bright and the step dark.  Its mask where either is at least a quarter
    of its peak.  Drawn on a box around it."""
    length, amplitude, pitch, sigma, step, fade, contrast = _lap_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    phase, fold = g.uniform(0.0, 2.0 * np.pi), float(g.choice([-1.0, 1.0]))
    pts = lap_points(length, amplitude, pitch, phase, angle)
    reach = 0.5 * length + amplitude
    c = pick_center(g, lay, pose, reach + 3.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + max(4.0 * sigma, 3.0 * fade) + 3)),
                                shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    x, y = xx - c[0], yy - c[1]
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    a, b = x * ca + y * sa, -x * sa + y * ca
    wave = amplitude * np.sin(2.0 * np.pi * np.clip(a, -0.5 * length, 0.5 * length) / pitch
                              + phase)
    d = polyline_distance(x, y, pts)
    seam = np.exp(-0.5 * (d / sigma) ** 2)
    taper = np.clip((0.5 * length - np.abs(a)) / fade, 0.0, 1.0)
    side = (fold * (b - wave) > 0).astype(np.float64)
    lift = side * taper * np.exp(-d / fade)
    h, w = shape
    delta, foot = np.zeros((h, w)), np.zeros((h, w), bool)
    delta[r0:r1, c0:c1] = contrast * (step * lift - seam)
    foot[r0:r1, c0:c1] = (seam >= 0.25) | (lift >= 0.25)
    spec = ("lap", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"amplitude_px": float(amplitude), "pitch_px": float(pitch),
             "sigma_px": float(sigma), "step": float(step), "fade_px": float(fade),
             "fold": fold, "phase": float(phase)})
    return delta, None, spec, foot
