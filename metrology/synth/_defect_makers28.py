"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
51's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``grindburn`` a grinding (or sanding) burn streak: where a wheel or a belt pressed too hard
             for a moment (a glazed patch, a dwell, a heavy hand) and the face overheated and
             took a temper tint along the stroke: a straight lens-shaped band along one
             direction (24-60 px long), its darkened core (the hottest, brown-blue tint: a
             Gaussian 4-9 px wide at half its depth in the middle, narrowing to the ends,
             where it fades out) flanked on both sides by a faint lighter fringe (the cooler
             straw tint: 0.2-0.35 of the core's contrast, a narrower Gaussian band 2.2 core
             sigmas off the axis), the tint pulsing along the band (0.6-1 of its depth, every
             8-16 px: the wheel's out-of-round or the belt's joint pressing harder once a
             turn); 12-26 gray levels dark, its fringes light; the signs swapped if the
             contrast is negative.  Unlike ``burn`` (a round heat tint, a ring round a core),
             ``stain`` (an irregular blob), ``drip`` (a brighter teardrop with a rim on one
             side), ``scuff`` (an ellipse of fine bright streaks) and ``dragmark`` (a band of
             fine streaks, sharp at its start): a long soft band, dark in its middle, light
             at both its sides, its tint pulsing at a regular pitch along it.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the burn: its length (px), its core's width at half depth in its middle (px), the tint's
#: pulse pitch along it (px) and its trough (x the crests' depth); the fringes' place off
#: the axis and sigma (x the core's sigma) and lightness (x the contrast); the core's width
#: at its ends (x its middle's); the contrast (gray levels)
GB_LENGTH, GB_WIDTH, GB_PITCH, GB_TROUGH = (24.0, 60.0), (4.0, 9.0), (8.0, 16.0), 0.6
GB_FRINGE_AT, GB_FRINGE_SIGMA, GB_FRINGE, GB_END = 2.2, 0.7, (0.2, 0.35), 0.35
GB_CONTRAST = (12.0, 26.0)
#: the core's sigma over its width at half depth
_FWHM = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def burn_change(t, a, length, width, pitch, fringe, phase=0.0):
    """The burn's darkening at ``t``, ``a`` (px along its band and across it, from its
    centre; the core positive, the fringes negative): along the band a lens, its depth
    ``sqrt(1 - (2 t / length)^2)`` (0 past the ends) x the pulse (from :data:`GB_TROUGH`
    at its troughs to 1 at its crests, a cosine of ``pitch`` px at ``phase``); across it the
    core, a Gaussian of sigma ``width`` x :data:`_FWHM` in the middle, narrowing to
    :data:`GB_END` of that at the ends, less ``fringe`` x two Gaussians of
    :data:`GB_FRINGE_SIGMA` x that sigma, :data:`GB_FRINGE_AT` sigmas either side."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    lens = np.clip(1.0 - (2.0 * t / length) ** 2, 0.0, 1.0)
    pulse = GB_TROUGH + (1.0 - GB_TROUGH) * (0.5 + 0.5 * np.cos(2.0 * np.pi * t / pitch + phase))
    sigma = width * _FWHM * (GB_END + (1.0 - GB_END) * np.sqrt(lens))
    core = np.exp(-0.5 * (a / sigma) ** 2)
    side = np.exp(-0.5 * ((np.abs(a) - GB_FRINGE_AT * sigma) / (GB_FRINGE_SIGMA * sigma)) ** 2)
    return np.sqrt(lens) * pulse * (core - fringe * side)


def _grindburn_params(g, shape, lay, params):
    """The length, width, pitch, the fringes' lightness, the pulse's phase and the contrast,
    drawn or given: a drawn band longer than the region it is pasted on has room for
    (``"free"``) is drawn shorter, and a drawn width and pitch are cut to a third and a half
    of the length; a ``length_px`` given under 12 px (no room for a pulse), a ``width_px``
    given off 2-12 px (narrower it is a scratch, wider a stain) or over a third of the
    length (a blob, not a band) and a ``pitch_px`` given off 4 px to half the length (closer
    the pulses merge under the blur, farther there are fewer than two) are refused."""
    length = drawn_length(g, shape, params, GB_LENGTH, "grindburn",
                          "a shorter one is a spot, no band")
    width, pitch = g.uniform(*GB_WIDTH), g.uniform(*GB_PITCH)
    fringe, phase = g.uniform(*GB_FRINGE), g.uniform(0.0, 2.0 * np.pi)
    contrast = params.get("contrast", g.uniform(*GB_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        length = min(length, max(12.0, 2.0 * (float(np.max(lay["free"])) - 4.0)))
    if "length_px" in params and length < 12.0:
        raise InputError(f"defect_params: grindburn's length_px ({length:g}) must be at least "
                         f"12 px: a shorter one has no room for a pulse")
    width = params.get("width_px", min(width, length / 3.0))   # drawn: cut to a short band
    if "width_px" in params and not (2.0 <= width <= 12.0 and width <= length / 3.0):
        raise InputError(f"defect_params: grindburn's width_px ({width:g}) must be 2 to 12 px "
                         f"and at most a third of its length_px ({length:g}): narrower it is a "
                         f"scratch, wider a stain or a blob")
    pitch = params.get("pitch_px", min(pitch, 0.5 * length))
    if "pitch_px" in params and not 4.0 <= pitch <= 0.5 * length:
        raise InputError(f"defect_params: grindburn's pitch_px ({pitch:g}), the tint's pulse "
                         f"along it, must be 4 px to half its length_px ({length:g}): closer "
                         f"the pulses merge, farther there are fewer than two")
    return length, width, pitch, fringe, phase, contrast


def _grindburn(g, shape, lay, pose, params):
    """A grinding burn streak: the change ``-contrast x`` :func:`burn_change` (``length_px``
    in :data:`GB_LENGTH`, cut to 0.15-0.3 x the image's smaller side; ``width_px``, the
    core's width at half depth in its middle, in :data:`GB_WIDTH`, at most a third of the
    length; ``pitch_px``, the pulse's, in :data:`GB_PITCH`, at most half the length; the
    fringes :data:`GB_FRINGE` x the contrast; ``angle_deg`` the band's direction, any;
    ``contrast`` in :data:`GB_CONTRAST`: a dark core with light fringes, swapped if
    negative), centred on the band.  Its mask where the change's size is at least a quarter
    of its peak.  Drawn on a box around it."""
    length, width, pitch, fringe, phase, contrast = _grindburn_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    sigma = width * _FWHM
    reach = float(max(0.5 * length, (GB_FRINGE_AT + 3.0 * GB_FRINGE_SIGMA) * sigma) + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * burn_change(t, a, length, width, pitch,
                                                                 fringe, phase))
    spec = ("grindburn", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(width),
                              "pitch_px": float(pitch), "fringe": float(fringe),
                              "phase": float(phase)})
    return delta, None, spec, None
