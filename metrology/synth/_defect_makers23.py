"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
46's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``lockwasher`` a lock washer's print: an external-tooth lock washer (a serrated star washer
             under a screw's head or a nut, fitted to bite) clamped on the finished face
             leaves its twisted teeth's bites when it is taken off: 8-12 short straight
             dashes evenly spaced round a ring (its outer diameter 10-22 px), each from the
             ring's inner circle outward at 15-35 degrees off the radius, all turned the same
             way (the teeth's twist), 0.3-0.45 x the outer radius long; each a Gaussian groove
             (sigma 0.45-0.7 px, its ends round), its own depth (0.75-1), the washer seated a
             little tilted (the far side 0.6-0.9 as deep as the near one); nothing inside the
             ring (the washer's body only pressed); 12-28 gray levels dark, bright if the
             contrast is negative.  Unlike ``starcrack`` and ``treeing`` (lines from one
             point), ``rinsespots``, ``halo`` and ``watermark`` (rings), ``rollmark`` and
             ``dotpeen`` (repeated imprints on a line or a grid) and ``chainmark`` (links in a
             row), it is a ring of separate short dashes, all twisted one way round it.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the washer: its outer diameter (px), the teeth (how many), their length (x the outer
#: radius), twist off the radius (degrees), sigma (px), depths, the far side's depth (x the
#: near side's) and the contrast (gray levels)
LW_LENGTH, LW_TEETH, LW_TOOTH, LW_TURN = (10.0, 22.0), (8, 12), (0.3, 0.45), (15.0, 35.0)
LW_SIGMA, LW_DEPTH, LW_TILT, LW_CONTRAST = (0.45, 0.7), (0.75, 1.0), (0.6, 0.9), (12.0, 28.0)


def inner_radius(outer, tooth, turn):
    """The radius (px) a tooth of length ``tooth`` starts at so that, ``turn`` degrees off
    the radius, its outer end lies on the ``outer`` circle."""
    c = np.cos(np.deg2rad(turn))
    return float(-tooth * c + np.sqrt(max(outer * outer - tooth * tooth * (1.0 - c * c), 0.0)))


def washer_change(t, a, outer, tooth, turn, sigma, depths, tilt):
    """The print's depth (0 to 1) at ``t``, ``a`` (px along its chord and across it, from its
    centre): ``len(depths)`` teeth evenly spaced round the circle (the first on the chord),
    each a segment of length ``tooth`` from :func:`inner_radius` outward, ``turn`` degrees off
    the radius, a Gaussian groove of ``sigma`` about it (round at its ends) of its depth, the
    deepest where two meet; falling linearly along the chord from 1 at ``t = -outer`` to
    ``tilt`` at ``t = outer``."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    r0 = inner_radius(outer, tooth, turn)
    out = np.zeros(t.shape)
    n = len(depths)
    for k in range(n):
        phi = 2.0 * np.pi * k / n
        ax, ay = r0 * np.cos(phi), r0 * np.sin(phi)
        dx, dy = np.cos(phi + np.deg2rad(turn)), np.sin(phi + np.deg2rad(turn))
        f = np.clip((t - ax) * dx + (a - ay) * dy, 0.0, tooth)
        d2 = (t - ax - f * dx) ** 2 + (a - ay - f * dy) ** 2
        out = np.maximum(out, depths[k] * np.exp(-0.5 * d2 / (sigma * sigma)))
    return out * (1.0 - (1.0 - tilt) * np.clip(0.5 * t / max(outer, 1e-9) + 0.5, 0.0, 1.0))


def _washer_params(g, shape, lay, params):
    """The outer radius, the teeth's length, twist, sigma, depths, the tilt and the contrast,
    drawn or given: a drawn washer larger than the region it is pasted on has room for
    (``"free"``) is drawn smaller; a ``width_px`` (a tooth's length) over 0.6 x the outer
    radius (the teeth meet in the middle) or under 1.5 px (dots, no dashes) and a
    ``turn_deg`` off 0-60 degrees are refused; a sigma over a quarter of the teeth's spacing
    at the inner circle or over a third of their length is cut to that."""
    length = drawn_length(g, shape, params, LW_LENGTH, "lockwasher",
                          "a smaller print is a dot, no ring of teeth")
    n = int(g.integers(LW_TEETH[0], LW_TEETH[1] + 1))
    aspect, turn = g.uniform(*LW_TOOTH), g.uniform(*LW_TURN)
    sigma, depths, tilt = g.uniform(*LW_SIGMA), g.uniform(*LW_DEPTH, n), g.uniform(*LW_TILT)
    contrast = params.get("contrast", g.uniform(*LW_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = max(5.0, 2.0 * (float(np.max(lay["free"])) - 2.0 * sigma - 4.0))
        length = min(length, room)
    outer = 0.5 * length
    tooth = params.get("width_px", aspect * outer)
    if "width_px" in params and not 1.5 <= tooth <= 0.6 * outer:
        raise InputError(f"defect_params: lockwasher's width_px ({tooth:g}), a tooth's length, "
                         f"must be 1.5 px to 0.6 x its outer radius ({outer:g} px): shorter "
                         f"the teeth are dots, longer they meet in the middle")
    turn = params.get("turn_deg", turn)
    if not 0.0 <= turn <= 60.0:
        raise InputError(f"defect_params: lockwasher's turn_deg ({turn:g}), the teeth's twist "
                         f"off the radius, must be 0-60 degrees")
    spacing = 2.0 * np.pi * inner_radius(outer, tooth, turn) / n
    sigma = min(params.get("sigma_px", sigma), 0.25 * spacing, tooth / 3.0)
    return outer, n, tooth, turn, sigma, depths, tilt, contrast


def _lockwasher(g, shape, lay, pose, params):
    """A lock washer's print: the change ``-contrast x`` :func:`washer_change`
    (``length_px``, the outer diameter, in :data:`LW_LENGTH`; teeth in :data:`LW_TEETH`;
    ``width_px``, a tooth's length, :data:`LW_TOOTH` x the outer radius; ``turn_deg`` in
    :data:`LW_TURN`; ``sigma_px`` in :data:`LW_SIGMA`; depths in :data:`LW_DEPTH`, the far
    side :data:`LW_TILT` as deep; ``angle_deg`` the first tooth's and the tilt's, any;
    ``contrast`` in :data:`LW_CONTRAST`, dark, bright if negative), centred on the washer.
    Its mask where the change is at least a quarter of its peak.  Drawn on a box around it."""
    outer, n, tooth, turn, sigma, depths, tilt, contrast = _washer_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = float(outer + 3.0 * sigma + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * washer_change(t, a, outer, tooth, turn,
                                                                   sigma, depths, tilt))
    spec = ("lockwasher", (float(c[0]), float(c[1])), float(2.0 * outer), float(angle),
            float(contrast), {"length_px": float(2.0 * outer), "width_px": float(tooth),
                              "turn_deg": float(turn), "sigma_px": float(sigma), "teeth": n,
                              "tilt": float(tilt)})
    return delta, None, spec, None
