"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
47's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``tackweld`` a stray tack weld's spot: a welder's tack (a short fusion bead struck to hold two
             parts, or struck by mistake) left on the finished face: a small oval bead (6-14 px
             long, 0.45-0.7 as wide) crossed by the fine ripple arcs of its solidified pool
             (crescents 1.6-2.4 px apart, bowed back against the travel along its length), its
             crown a little deeper than its toe, and round it, 1-2 px clear of its toe, a thin
             heat-tint ring (the oxide film the heat left: a Gaussian line of sigma 0.45-0.75
             px following the oval), the darkest part; the bead 0.5-0.75 as dark; 14-30 gray
             levels dark, bright if the contrast is negative.  Unlike ``blister`` (a dome lit
             from one side), ``spatter`` (droplets), ``burn`` and ``arcstrike`` (an annulus or a
             fused core with radial streaks), ``fisheye``, ``punch`` and ``watermark`` (a floor
             or a dot in a ring, a ring alone) and ``chainmark``'s links (oval rings in a
             row), it is an oval rippled across its length inside a separate thin ring.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the bead: its length (px), width (x the length), the ripples' pitch (px), their bow (the
#: lag at the bead's side, x its half width) and depth (the share of the bead's level they
#: take), the bead's level (x the ring's); the ring's gap past the toe (px), its sigma (px);
#: the contrast (gray levels)
TW_LENGTH, TW_ASPECT, TW_PITCH, TW_BOW = (6.0, 14.0), (0.45, 0.7), (1.6, 2.4), (0.3, 0.6)
TW_RIPPLE, TW_LEVEL, TW_GAP, TW_SIGMA, TW_CONTRAST = 0.45, (0.5, 0.75), (1.0, 2.0), \
    (0.45, 0.75), (14.0, 30.0)


def oval_distance(t, a, half_length, half_width):
    """The approximate distance (px, negative inside) of ``t``, ``a`` (along the oval's long
    axis and across it, from its centre) to the ellipse of those half axes, and the
    ellipse's normalised radius there: the radius less 1 over its gradient's magnitude (first
    order: exact on the axes' ends, within a few % near the ellipse)."""
    rho = np.hypot(t / half_length, a / half_width)
    grad = np.hypot(t / half_length ** 2, a / half_width ** 2) / np.maximum(rho, 1e-9)
    return (rho - 1.0) / np.maximum(grad, 1e-9), rho


def weld_change(t, a, length, width, pitch, bow, level, gap, sigma, phase=0.0):
    """The tack weld's depth (0 to 1) at ``t``, ``a`` (px along its length and across it, from
    its centre): the bead (the oval of ``length`` by ``width``, its toe soft over 1 px, its
    crown deeper: ``level`` x (0.6 + 0.4 x the dome's height)) less :data:`TW_RIPPLE` of
    itself at the ripples' troughs (a cosine of ``pitch`` along ``t`` whose crests lag
    ``bow`` x the half width at its sides: crescents), and the ring (a Gaussian of ``sigma``
    about ``gap`` px past the toe, depth 1), the deeper of the two."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    hw = 0.5 * width
    d, rho = oval_distance(t, a, 0.5 * length, hw)
    toe = np.clip(0.5 - d, 0.0, 1.0)
    crown = 0.6 + 0.4 * np.sqrt(np.clip(1.0 - rho * rho, 0.0, 1.0))
    lag = bow * hw * np.clip(a / hw, -1.0, 1.0) ** 2
    ripple = 1.0 - TW_RIPPLE * (0.5 + 0.5 * np.cos(2.0 * np.pi * (t + lag) / pitch + phase))
    ring = np.exp(-0.5 * ((d - gap) / sigma) ** 2)
    return np.maximum(level * toe * crown * ripple, ring)


def _weld_params(g, shape, lay, params):
    """The bead's length, width, pitch, bow, level, the ring's gap and sigma, the ripples'
    phase and the contrast, drawn or given: a drawn bead larger than the region it is pasted
    on has room for (``"free"``) is drawn shorter; a ``width_px`` under 2.5 px (a line, no
    oval) or over the length (give ``angle_deg`` to turn it) and a ``pitch_px`` under 1.2 px
    (the ripples merge under the blur) or over a third of the length (fewer than three) are
    refused; a sigma over half the gap is cut to that (the ring stays apart from the toe)."""
    length = drawn_length(g, shape, params, TW_LENGTH, "tackweld",
                          "a shorter bead is a spot, no ripples")
    aspect, pitch, bow = g.uniform(*TW_ASPECT), g.uniform(*TW_PITCH), g.uniform(*TW_BOW)
    level, gap, sigma = g.uniform(*TW_LEVEL), g.uniform(*TW_GAP), g.uniform(*TW_SIGMA)
    phase = g.uniform(0.0, 2.0 * np.pi)
    contrast = params.get("contrast", g.uniform(*TW_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = max(5.0, 2.0 * (float(np.max(lay["free"])) - gap - 3.0 * sigma - 4.0))
        length = min(length, room)
    width = params.get("width_px", aspect * length)
    if "width_px" in params and not 2.5 <= width <= length:
        raise InputError(f"defect_params: tackweld's width_px ({width:g}) must be 2.5 px to its "
                         f"length_px ({length:g}): narrower the bead is a line, wider it is "
                         f"turned (give angle_deg)")
    pitch = params.get("pitch_px", min(pitch, length / 3.0))
    if not 1.2 <= pitch <= length / 3.0:
        raise InputError(f"defect_params: tackweld's pitch_px ({pitch:g}), the ripples' "
                         f"spacing, must be 1.2 px to a third of its length_px ({length:g}): "
                         f"closer they merge, farther there are fewer than three")
    sigma = min(params.get("sigma_px", sigma), 0.5 * gap)
    return length, width, pitch, bow, level, gap, sigma, phase, contrast


def _tackweld(g, shape, lay, pose, params):
    """A stray tack weld: the change ``-contrast x`` :func:`weld_change` (``length_px`` in
    :data:`TW_LENGTH`; ``width_px`` :data:`TW_ASPECT` x it; ``pitch_px`` in :data:`TW_PITCH`;
    the bow :data:`TW_BOW`, the bead's level :data:`TW_LEVEL`, the ring's gap
    :data:`TW_GAP`; ``sigma_px``, the ring's, in :data:`TW_SIGMA`; ``angle_deg`` its length's
    direction, any; ``contrast`` in :data:`TW_CONTRAST`, dark, bright if negative), centred
    on the bead.  Its mask where the change is at least a quarter of its peak.  Drawn on a
    box around it."""
    length, width, pitch, bow, level, gap, sigma, phase, contrast = \
        _weld_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = float(0.5 * length + gap + 3.0 * sigma + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * weld_change(t, a, length, width, pitch,
                                                                 bow, level, gap, sigma, phase))
    spec = ("tackweld", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(width),
                              "pitch_px": float(pitch), "sigma_px": float(sigma),
                              "gap_px": float(gap), "bow": float(bow), "level": float(level)})
    return delta, None, spec, None
