"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
56's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``knitline`` a moulding's knit (weld) line: where two melt fronts met round a core pin or
             behind an obstacle in an injection mould and did not quite fuse, a thin faint
             V-notch line (10-30 px, a Gaussian of sigma 0.4-0.6 px across, gently wavy: a
             sine of 0.3-0.8 px over 8-16 px along it), fading over its last quarter at its
             far end, its near end splaying into a small fan of three to five faint flow marks
             (thinner lines, 0.3-0.5 of the line's depth, 0.2-0.35 of its length, spread
             over 40-70 degrees about its direction, each fading to its tip), and a subtle
             gloss change on one side (the later front's skin, duller: a shallow darkening,
             0.1-0.2 of the contrast, fading over 2-4 px from the line on that side only,
             along the line's length); dark, 10-20 gray levels, bright if the contrast is
             negative.  Unlike ``hairline`` (a long, straight, very thin line, 40-90 px, no
             end), ``scratch`` (a groove of one width, slightly curved, dark, bright or a
             pair, no fan), ``crack`` (a jagged random walk of varying width), ``lap`` (a
             wavy seam along a brighter step on one side) and ``dragmark`` (a band of 3-6
             parallel streaks, sharp at its start): a short faint wavy line that ends in a
             fan of flow marks at one end, duller on one side, no bright step.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the knit line: its length (px), sigma (px), its wave's amplitude (px) and wavelength
#: (px), the share of its length it fades over at its far end; the fan: how many flow marks,
#: their depth (x the line's), length (x the line's), spread (degrees, the whole fan) and
#: sigma (x the line's); the gloss: its depth (x the contrast) and reach (px); the contrast
#: (gray levels)
KL_LENGTH, KL_SIGMA, KL_WAVE, KL_WAVELENGTH, KL_FADE = (10.0, 30.0), (0.4, 0.6), (0.3, 0.8), \
    (8.0, 16.0), 0.25
KL_MARKS, KL_MARK, KL_MARK_LENGTH, KL_FAN, KL_MARK_SIGMA = (3, 5), (0.3, 0.5), (0.2, 0.35), \
    (40.0, 70.0), 0.8
KL_GLOSS, KL_GLOSS_REACH, KL_CONTRAST = (0.1, 0.2), (2.0, 4.0), (10.0, 20.0)
#: the least length a caller may give (px): shorter, the fan and the fade fill it, no line
KL_LENGTH_GIVEN = 6.0


def knit_shape(g):
    """The knit line's shape, drawn from a generator of its own (one draw of ``g``, so the
    draws after it do not depend on what is given): its sigma, the wave's amplitude,
    wavelength (px) and phase, the flow marks' angles off the line's direction (radians,
    spread evenly over the fan, each jittered by a tenth of the gap), depths and lengths (x
    the line's), the gloss's depth and reach and its side (+1 or -1 across)."""
    r = np.random.default_rng(int(g.integers(2 ** 32)))
    sigma, amp, lam, phase = r.uniform(*KL_SIGMA), r.uniform(*KL_WAVE), \
        r.uniform(*KL_WAVELENGTH), r.uniform(0.0, 2.0 * np.pi)
    n = int(r.integers(KL_MARKS[0], KL_MARKS[1] + 1))
    fan = np.deg2rad(r.uniform(*KL_FAN))
    gap = fan / (n - 1)
    angles = np.linspace(-0.5 * fan, 0.5 * fan, n) + r.uniform(-0.1, 0.1, n) * gap
    marks = np.stack([angles, r.uniform(*KL_MARK, n), r.uniform(*KL_MARK_LENGTH, n)], axis=1)
    gloss = (r.uniform(*KL_GLOSS), r.uniform(*KL_GLOSS_REACH), float(r.choice([-1.0, 1.0])))
    return sigma, (amp, lam, phase), marks, gloss


def knit_change(t, a, length, sigma, wave, marks, gloss):
    """The knit line's darkening (peak about 1) at ``t``, ``a`` (px along its chord and
    across it, from its middle; the fan at ``t = -length / 2``, the far end at ``+length /
    2``): the line a Gaussian of ``sigma`` across its path (``a`` less ``amp sin(2 pi t /
    lam + phase)``, ``wave``), full from the fan's end to :data:`KL_FADE` of the length
    before the far end, then fading linearly to nothing at it (and over ``sigma`` past the
    fan's end); each flow mark (``marks``: angle off the line's backward direction, depth,
    length x the line's) a Gaussian of :data:`KL_MARK_SIGMA` x ``sigma`` about its ray from
    the fan's end, fading linearly to its tip; the gloss (``gloss``: depth, reach, side)
    ``depth`` times an exponential of the distance from the path over ``reach``, on the one
    side, along the line's length; the largest of the three."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    amp, lam, phase = wave
    across = a - amp * np.sin(2.0 * np.pi * t / lam + phase)
    half = 0.5 * length
    along = np.clip((half - t) / (KL_FADE * length), 0.0, 1.0)
    before = np.maximum(-half - t, 0.0)
    line = along * np.exp(-0.5 * (across * across + before * before) / (sigma * sigma))
    x0, y0 = -half, amp * np.sin(-2.0 * np.pi * half / lam + phase)
    dx, dy = t - x0, a - y0
    fan = np.zeros(np.broadcast(t, a).shape)
    ms = KL_MARK_SIGMA * sigma
    for ang, depth, share in marks:
        ux, uy = -np.cos(ang), np.sin(ang)                 # backwards, out of the line's end
        s = dx * ux + dy * uy
        off = -dx * uy + dy * ux
        reach = share * length
        fade = np.clip(1.0 - s / reach, 0.0, 1.0) * (s >= 0.0)
        fan = np.maximum(fan, depth * fade * np.exp(-0.5 * (off / ms) ** 2))
    depth, reach, side = gloss
    inside = (t >= -half) & (t <= half) & (side * across > 0.0)
    dull = depth * np.exp(-np.abs(across) / reach) * inside
    return np.maximum(np.maximum(line, fan), dull)


def _knitline_params(g, shape, lay, params):
    """The length, the shape (:func:`knit_shape`) and the contrast, drawn or given: a drawn
    length longer than the region it is pasted on has room for (``"free"``) is drawn
    shorter; a ``length_px`` given under :data:`KL_LENGTH_GIVEN` px is refused (the
    library's :class:`~metrology.errors.InputError`; ``radius_px``, ``width_px`` and
    ``sigma_px`` are not read)."""
    length = drawn_length(g, shape, params, KL_LENGTH, "knitline",
                          "a shorter one is a dot, no line")
    shape_ = knit_shape(g)
    contrast = params.get("contrast", g.uniform(*KL_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = (float(np.max(lay["free"])) - 4.0) / (0.5 + max(KL_MARK_LENGTH))
        length = min(length, max(KL_LENGTH_GIVEN, room))
    if "length_px" in params and length < KL_LENGTH_GIVEN:
        raise InputError(f"defect_params: knitline's length_px ({length:g}) must be at least "
                         f"{KL_LENGTH_GIVEN:g} px: a shorter one's fan and fade fill it, no "
                         f"line shows")
    return length, shape_, contrast


def _knitline(g, shape, lay, pose, params):
    """A knit line: the change ``-contrast x`` :func:`knit_change` (``length_px`` in
    :data:`KL_LENGTH`, cut to 0.15-0.3 x the image's smaller side; its sigma
    :data:`KL_SIGMA`, its wave :data:`KL_WAVE` over :data:`KL_WAVELENGTH`; :data:`KL_MARKS`
    flow marks over :data:`KL_FAN` degrees; the gloss :data:`KL_GLOSS` over
    :data:`KL_GLOSS_REACH` px; ``angle_deg`` the chord's direction, from the fan to the far
    end, any; ``contrast`` in :data:`KL_CONTRAST`: dark, bright if negative), centred on the
    chord's middle.  Its mask where the change's size is at least a quarter of its peak.
    Drawn on a box around it."""
    length, (sigma, wave, marks, gloss), contrast = _knitline_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    fan = 0.5 * length + float(marks[:, 2].max()) * length
    reach = float(max(fan, 0.5 * length + 3.0 * sigma,
                      wave[0] + 4.0 * gloss[1]) + 2.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * knit_change(t, a, length, sigma, wave,
                                                                 marks, gloss))
    spec = ("knitline", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "sigma_px": float(sigma),
                              "wave_px": float(wave[0]), "wavelength_px": float(wave[1]),
                              "marks": int(len(marks)), "fan_px": float(fan - 0.5 * length),
                              "gloss": float(gloss[0]), "gloss_side": float(gloss[2])})
    return delta, None, spec, None
