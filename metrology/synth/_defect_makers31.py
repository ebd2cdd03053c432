"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
54's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``seamburst`` a burst seam: where a forging's or a rolled bar's seam (a fold or an oxide
             streak closed up in the hot work) burst open under the cold forming or the
             heat treatment after it: a short jagged dark crack (8-24 px, its path stepping
             0.5-1 px aside every 2 px, sigma 0.45-0.7 px) that in its middle opens into a
             lens-shaped gap (0.35-0.55 of the length, its half width 1-2 px at its widest,
             its centre up to 0.1 of the length off the crack's, its floor dark, its edges
             soft over 0.4 px), the gap's two edges each raised into a thin bright lip (the
             metal pushed up as the seam's walls bulged apart: 0.9 px off the edge, sigma 0.5
             px, 0.3-0.55 of the contrast, each side its own), the lips fading with the gap
             to its tips; dark, 16-30 gray levels, bright if the contrast is negative (the
             signs swapped).  Unlike ``crack`` (a thin jagged line, 12-50 px, no opening),
             ``starcrack`` (straight cracks radiating from a pit), ``lap`` (a wavy seam along
             a brighter step on one side), ``kink`` (straight legs at sharp turns),
             ``stringer`` (a dotted line), ``gouge`` and ``pickmark`` (a groove with a burr
             on one side only) and ``fisheye`` (a round floor in a rim): a short jagged line
             opening in its middle into a lens of dark floor, both of whose edges carry a
             bright lip.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the burst seam: its length (px), the crack's step aside (px, either way, every
#: :data:`SB_STEP` px) and sigma (px); the gap's length (x the crack's), half width at its
#: widest (px), centre's shift (up to x the length, either way) and edges' sigma (px); the
#: lips' offset from the gap's edge and sigma (px) and height (x the contrast); the contrast
#: (gray levels)
SB_LENGTH, SB_STEP, SB_JAG, SB_SIGMA = (8.0, 24.0), 2.0, (0.5, 1.0), (0.45, 0.7)
SB_GAP, SB_OPEN, SB_SHIFT, SB_EDGE = (0.35, 0.55), (1.0, 2.0), 0.1, 0.4
SB_LIP_AT, SB_LIP_SIGMA, SB_LIP, SB_CONTRAST = 0.9, 0.5, (0.3, 0.55), (16.0, 30.0)
#: the least length a caller may give (px): shorter, the gap fills the crack, no crack shows
SB_LENGTH_GIVEN = 6.0


def seam_path(g, length, jag):
    """The crack's path: its offsets across the chord (px) at the places along it
    (``(along, offsets)``, each ``n + 1`` long, ``n`` steps of about :data:`SB_STEP` px
    over ``length`` px, centred): each ``jag`` x a uniform draw either way, so the path
    steps aside at every vertex (jagged), their mean removed.  Drawn from a generator of
    its own (one draw of ``g``), so the draws after it do not depend on the length."""
    n = max(3, int(round(length / SB_STEP)))
    along = np.linspace(-0.5 * length, 0.5 * length, n + 1)
    off = jag * np.random.default_rng(int(g.integers(2 ** 32))).uniform(-1.0, 1.0, n + 1)
    return along, off - off.mean()


def burst_change(t, a, path, length, sigma, gap, lips):
    """The burst seam's darkening (the crack and the gap's floor about 1, the lips below 0)
    at ``t``, ``a`` (px along the chord and across it, from its centre): ``a`` taken from
    the crack's path (``path``: along and offsets, read linearly); the crack a Gaussian of
    ``sigma`` across it, fading past its ends (``length`` px) over ``sigma``; the gap
    (``gap``: its length, half width at its widest and centre along the chord, px) a lens,
    its half width ``open (1 - (2 (t - centre) / length)^2)``, its floor dark, edges soft
    over :data:`SB_EDGE` px (an error function); the darker of the two; less each side's
    lip (``lips``: the heights on the side ``a > 0`` and ``a < 0``), a Gaussian of
    :data:`SB_LIP_SIGMA` px :data:`SB_LIP_AT` px off the gap's edge, x the gap's half width
    there over its widest."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    across = a - np.interp(t, *path)
    past = np.maximum(np.abs(t) - 0.5 * length, 0.0)
    crack = np.exp(-0.5 * (across * across + past * past) / (sigma * sigma))
    g_len, g_open, g_at = gap
    half = g_open * np.clip(1.0 - (2.0 * (t - g_at) / g_len) ** 2, 0.0, None)
    edge = np.abs(across) - half
    floor = 0.5 * special.erfc(edge / (np.sqrt(2.0) * SB_EDGE)) * (half > 0.0)
    lip = np.where(across > 0.0, lips[0], lips[1]) * (half / g_open) * \
        np.exp(-0.5 * ((edge - SB_LIP_AT) / SB_LIP_SIGMA) ** 2)
    return np.maximum(crack, floor) - lip


def _seamburst_params(g, shape, lay, params):
    """The length, the path, the crack's sigma, the gap (length, half width, centre), the
    lips and the contrast, drawn or given: a drawn length longer than the region it is
    pasted on has room for (``"free"``) is drawn shorter; a ``length_px`` given under
    :data:`SB_LENGTH_GIVEN` px is refused (``radius_px``, ``width_px`` and ``sigma_px`` are
    not read)."""
    length = drawn_length(g, shape, params, SB_LENGTH, "seamburst",
                          "a shorter one is a dot, no seam")
    jag, sigma = g.uniform(*SB_JAG), g.uniform(*SB_SIGMA)
    share, g_open, shift = g.uniform(*SB_GAP), g.uniform(*SB_OPEN), g.uniform(-1.0, 1.0)
    lips = (float(g.uniform(*SB_LIP)), float(g.uniform(*SB_LIP)))
    contrast = params.get("contrast", g.uniform(*SB_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        length = min(length, max(SB_LENGTH_GIVEN, 2.0 * (float(np.max(lay["free"])) - 3.0)))
    if "length_px" in params and length < SB_LENGTH_GIVEN:
        raise InputError(f"defect_params: seamburst's length_px ({length:g}) must be at least "
                         f"{SB_LENGTH_GIVEN:g} px: a shorter one's gap fills it, no crack "
                         f"shows either side")
    path = seam_path(g, length, jag)
    gap = (share * length, g_open, shift * SB_SHIFT * length)
    return length, path, sigma, gap, lips, contrast


def _seamburst(g, shape, lay, pose, params):
    """A burst seam: the change ``-contrast x`` :func:`burst_change` (``length_px`` in
    :data:`SB_LENGTH`, cut to 0.15-0.3 x the image's smaller side; the path's steps
    :data:`SB_JAG`, the crack's sigma :data:`SB_SIGMA`; the gap :data:`SB_GAP` of the
    length, its half width :data:`SB_OPEN` px, its centre up to :data:`SB_SHIFT` of the
    length off; the lips :data:`SB_LIP`; ``angle_deg`` the chord's direction, any;
    ``contrast`` in :data:`SB_CONTRAST`: dark, bright if negative), centred on the chord's
    middle.  Its mask where the change's size is at least a quarter of its peak.  Drawn on a
    box around it."""
    length, path, sigma, gap, lips, contrast = _seamburst_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    side = float(np.max(np.abs(path[1]))) + gap[1] + SB_LIP_AT + 3.0 * SB_LIP_SIGMA
    reach = float(max(0.5 * length + 3.0 * sigma, side) + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * burst_change(t, a, path, length, sigma,
                                                                  gap, lips))
    spec = ("seamburst", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "sigma_px": float(sigma),
                              "gap_px": float(gap[0]), "open_px": float(gap[1]),
                              "gap_at_px": float(gap[2]), "lips": [lips[0], lips[1]],
                              "path_px": [float(x) for x in path[1]]})
    return delta, None, spec, None
