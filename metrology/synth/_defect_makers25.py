"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
48's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``fretting`` fretting corrosion: where two clamped faces (a bearing's seat, a spline's
             flank, a bolted joint's faying face) rubbed to and fro over a few micrometres
             under vibration, the worn-off metal oxidised in place: an elongated patch
             (8-20 px long along the micro-slip, 0.3-0.55 x as wide) of 14-32 fine dark oxide
             marks, round dots and short streaks (a third to a half of them) drawn out along
             the slip, scattered densest at its middle (a Gaussian spread, 0.45 x the
             patch's half axes), each a Gaussian (sigma 0.55-0.75 px across; a streak 1.3-2.5
             px along) of its own depth (0.6-1), over a faint haze (the reddish-brown oxide
             powder, a darker smudge in grey: 0.15-0.3 deep, the patch's Gaussian); 14-30
             gray levels dark, bright if the contrast is negative.  Unlike ``pits`` and
             ``halo`` (round clusters of dots), ``stringer`` (a dotted line), ``corrosion``
             (a blotchy darkened patch with an oxide rim) and ``dragmark`` (a band of long
             parallel streaks), it is a cloud of short aligned dots and streaks, densest at
             its middle, thinning out along one direction.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the patch: its length (px) and width (x the length), the marks (how many), the streaks'
#: share of them, the marks' sigma across (px), the streaks' sigma along (px), the depths,
#: the marks' spread (x the patch's half axes), the haze's depth and the contrast (gray
#: levels)
FR_LENGTH, FR_WIDTH, FR_MARKS, FR_STREAKS = (8.0, 20.0), (0.3, 0.55), (14, 32), (0.33, 0.5)
FR_SIGMA, FR_STREAK, FR_DEPTH, FR_SPREAD = (0.55, 0.75), (1.3, 2.5), (0.6, 1.0), 0.45
FR_HAZE, FR_CONTRAST = (0.15, 0.3), (14.0, 30.0)


def fretting_marks(g, length, width, n):
    """``n`` marks' places (px along the slip and across it, from the patch's centre):
    a Gaussian spread of :data:`FR_SPREAD` x the half axes about the centre (densest at the
    middle), those beyond the patch's ellipse (``length`` by ``width``) drawn in onto its
    rim less a tenth."""
    p = g.standard_normal((n, 2)) * FR_SPREAD
    r = np.hypot(p[:, 0], p[:, 1])
    p *= (np.minimum(r, 0.9) / np.maximum(r, 1e-12))[:, None]
    return 0.5 * length * p[:, 0], 0.5 * width * p[:, 1]


def fretting_change(t, a, length, width, marks, along, sigma, depths, haze):
    """The patch's depth (0 to 1) at ``t``, ``a`` (px along the slip and across it, from its
    centre): the marks (centres ``marks``, each an anisotropic Gaussian of ``along`` px along
    (one per mark: a dot where it equals ``sigma``) and ``sigma`` across, of its depth; the
    deepest where they meet) over a haze ``haze x exp(-(2t/length)^2 - (2a/width)^2)``
    (the two compounded: ``1 - (1 - marks)(1 - haze)``)."""
    t, a = np.asarray(t, float)[..., None], np.asarray(a, float)[..., None]
    mt, ma = marks
    q = ((t - mt) / along) ** 2 + ((a - ma) / sigma) ** 2
    dots = np.max(depths * np.exp(-0.5 * q), axis=-1)
    h = haze * np.exp(-(2.0 * t[..., 0] / length) ** 2 - (2.0 * a[..., 0] / width) ** 2)
    return 1.0 - (1.0 - dots) * (1.0 - h)


def _fretting_params(g, shape, lay, params):
    """The patch's length and width, the marks (places, lengths along, depths), their sigma,
    the haze and the contrast, drawn or given: a drawn patch longer than the region it is
    pasted on has room for (``"free"``) is drawn shorter; a ``width_px`` over the length (no
    direction of slip) or under 2 px (a line, no patch) is refused; a sigma over a quarter of
    the width is cut to that."""
    length = drawn_length(g, shape, params, FR_LENGTH, "fretting",
                          "a shorter patch is a dot, no cloud of marks")
    aspect = g.uniform(*FR_WIDTH)
    n = int(g.integers(FR_MARKS[0], FR_MARKS[1] + 1))
    streaks = g.random(n) < g.uniform(*FR_STREAKS)
    sigma, stretch = g.uniform(*FR_SIGMA), g.uniform(*FR_STREAK, n)
    unit = fretting_marks(g, 1.0, 1.0, n)
    depths, haze = g.uniform(*FR_DEPTH, n), g.uniform(*FR_HAZE)
    contrast = params.get("contrast", g.uniform(*FR_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = max(5.0, 2.0 * (float(np.max(lay["free"])) - 2.0 * sigma - 4.0))
        length = min(length, room)
    width = params.get("width_px", aspect * length)
    if "width_px" in params and not 2.0 <= width <= length:
        raise InputError(f"defect_params: fretting's width_px ({width:g}) must be 2 px to its "
                         f"length_px ({length:g}): narrower it is a line, wider it has no "
                         f"direction of slip")
    sigma = min(params.get("sigma_px", sigma), 0.25 * width)
    marks = (unit[0] * length, unit[1] * width)
    along = np.where(streaks, np.maximum(stretch, sigma), sigma)
    return length, width, marks, along, sigma, depths, haze, contrast


def _fretting(g, shape, lay, pose, params):
    """Fretting corrosion: the change ``-contrast x`` :func:`fretting_change` (``length_px``
    in :data:`FR_LENGTH`; ``width_px`` :data:`FR_WIDTH` x it; marks in :data:`FR_MARKS`, a
    share :data:`FR_STREAKS` of them streaks (sigma along in :data:`FR_STREAK`), placed by
    :func:`fretting_marks`; ``sigma_px`` in :data:`FR_SIGMA`; depths in :data:`FR_DEPTH`;
    the haze in :data:`FR_HAZE`; ``angle_deg`` the slip's, any; ``contrast`` in
    :data:`FR_CONTRAST`, dark, bright if negative), centred on the patch.  Its mask where the
    change is at least a quarter of its peak.  Drawn on a box around it."""
    length, width, marks, along, sigma, depths, haze, contrast = \
        _fretting_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 180.0))
    reach = float(0.5 * length + 3.0 * float(np.max(along)) + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * fretting_change(
                                t, a, length, width, marks, along, sigma, depths, haze))
    spec = ("fretting", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(width),
                              "sigma_px": float(sigma), "marks": len(depths),
                              "streaks": int(np.sum(along > sigma)), "haze": float(haze)})
    return delta, None, spec, None
