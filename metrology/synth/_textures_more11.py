"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 29's pieces, keeping :mod:`metrology.synth._textures_more10` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``crossrolled`` cross-rolled sheet (:func:`crossrolled_texture`): sheet rolled first one way,
             then turned 82-98 degrees and rolled again (to even out its properties), so it
             carries two families of roll streaks crossing nearly square: each an extruded
             aperiodic profile (the rolls' own grinding marks, printed onto the sheet; sigma
             0.8-1.4 px across the streaks) with a few deeper roll marks, the first pass's
             streaks partly rolled out by the second (0.35-0.55 of its strength), over a fine
             grain and a slow mottle.  The first texture of two crossing families of dense
             streaks: ``honed``'s cross-hatch is of sparse fine grooves at 50-70 degrees on a
             plateau, ``knurled``'s of periodic ridges, ``woven``'s two directions lie in
             separate tows, ``luders``' bands are strips of changed roughness.

``forkend`` layout (:func:`forkend_layout`): a fork end (a clevis fork cut from plate): a
             square plate with a wide U slot cut in from its right edge to just past its middle
             (0.26 x the side wide, its inner end a half circle, the mouth's corners rounded:
             :func:`sd_forkend`, the plate's ``"fork"``), leaving two tines; the pin's cross
             hole through both tines (a hole in each tine on one line across the slot, either
             missable) and, at the closed end, the rod's counterbored bore (never missing).
             The first outline open on one side: a slot cut in from the edge, the face in two
             tines either side of it; face about 0.62 of a 256 x 256 image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the cross-rolling: the second pass's angle to the first (degrees), the first pass's strength
#: (x the second's), the streaks' sigma across them (px) and the deeper roll marks' spacing
#: (px per mark, along the profile) and depth (x the profile's spread)
CROSS_ANGLE, CROSS_FIRST, CROSS_SIGMA = (82.0, 98.0), (0.35, 0.55), (0.8, 1.4)
CROSS_MARK_EVERY, CROSS_MARK_DEPTH = 24.0, (1.5, 3.0)


def roll_streaks(g, across, sigma):
    """One family of roll streaks at ``across`` px across them (an array): an aperiodic profile
    (white noise smoothed by ``sigma`` px, unit spread) with a deeper roll mark (a groove of
    sigma 0.7 px, depth in :data:`CROSS_MARK_DEPTH`) every :data:`CROSS_MARK_EVERY` px on
    average, read off at ``across`` by linear interpolation (the profile extruded along the
    streaks).  Unit spread."""
    from .surfaces import _unit

    lo = float(np.min(across)) - 4.0
    m = int(np.ceil(float(np.max(across)) - lo)) + 8
    prof = _unit(ndimage.gaussian_filter1d(g.standard_normal(m), sigma))
    marks = np.zeros(m)
    k = max(1, int(round(m / CROSS_MARK_EVERY)))
    marks[g.integers(0, m, k)] = -g.uniform(*CROSS_MARK_DEPTH, k)
    prof = prof + ndimage.gaussian_filter1d(marks, 0.7) * np.sqrt(2.0 * np.pi) * 0.7
    return np.interp(across - lo, np.arange(m, dtype=np.float64), prof)


def crossrolled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Cross-rolled sheet: the first pass's :func:`roll_streaks` along a random direction
    (strength in :data:`CROSS_FIRST`), the second pass's at :data:`CROSS_ANGLE` to it (either
    way; strength 1), each its own sigma in :data:`CROSS_SIGMA`, plus a fine grain (0.6 px,
    0.35) and a slow mottle (16 px, 0.12).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    first = np.deg2rad(g.uniform(0.0, 180.0))
    second = first + np.deg2rad(g.uniform(*CROSS_ANGLE)) * g.choice([-1.0, 1.0])
    weight = g.uniform(*CROSS_FIRST)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((h, w))
    for ang, strength in ((first, weight), (second, 1.0)):
        across = -xx * np.sin(ang) + yy * np.cos(ang)
        out += strength * roll_streaks(g, across, g.uniform(*CROSS_SIGMA))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    return _unit(out + 0.35 * grain + 0.12 * mottle)


#: the fork end (x the smaller side): the plate's half size and corner radius, the U slot's
#: width, its inner end's centre (x) and the mouth's fillet; the pin holes' radius and their
#: place (x, and +-y: the tines' middles), the rod's bore and its counterbore's radius and
#: place (x)
FORK_HALF, FORK_CORNER, FORK_SLOT, FORK_END, FORK_FILLET = 0.44, 0.08, 0.26, 0.02, 0.03
FORK_PIN, FORK_PIN_X, FORK_PIN_Y, FORK_BORE, FORK_SEAT, FORK_BORE_X = \
    0.05, 0.26, 0.285, 0.05, 0.08, -0.25


def sd_forkend(u, v, lay):
    """Signed distance (px, negative inside) to the fork end's outline of ``lay`` (``"fork"``:
    the plate's half size and corner radius, the slot's half width, its inner end's centre
    (x) and the mouth's fillet, px): the rounded square less the U slot (a stadium from the
    inner end out past the right edge), where the slot's sides meet the plate's right edge
    (square to them) rounded by the fillet.  Exact inside; outside a lower bound (exact but
    near the tines' tips, where the fillet meets the edges)."""
    half, corner, slot, end, fillet = lay["fork"]
    qx, qy = np.abs(u) - half + corner, np.abs(v) - half + corner
    plate = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + \
        np.minimum(np.maximum(qx, qy), 0) - corner
    ux = np.clip(u, end, half + 4.0 * slot)
    cut = slot - np.hypot(u - ux, v)                     # in the slot: > 0
    return np.minimum(np.maximum(plate, cut), -fillet) + \
        np.hypot(np.maximum(plate + fillet, 0.0), np.maximum(cut + fillet, 0.0))


def forkend_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``forkend`` layout in model pixels (origin at the image centre, y down): the plate
    of :func:`sd_forkend` (``"fork"``: half size :data:`FORK_HALF`, corners
    :data:`FORK_CORNER`, a slot :data:`FORK_SLOT` wide ending at :data:`FORK_END`, fillet
    :data:`FORK_FILLET`, all x the smaller side ``s``; ``"half"`` and ``"corner"`` the plate's),
    the pin's cross hole: a hole of :data:`FORK_PIN` s in each tine at
    (:data:`FORK_PIN_X`, +-:data:`FORK_PIN_Y`) s (``missing`` leaves out one of them), and the
    rod's bore (:data:`FORK_BORE` s in a counterbore to :data:`FORK_SEAT` s, ``"sinks"``, never
    missing) at :data:`FORK_BORE_X` s on the slot's line."""
    h, w = shape
    s = float(min(h, w))
    holes = [((FORK_PIN_X * s, sg * FORK_PIN_Y * s), FORK_PIN * s) for sg in (-1.0, 1.0)]
    sinks = [((FORK_BORE_X * s, 0.0), FORK_BORE * s, FORK_SEAT * s, "counterbore")]
    return dict(base, half=(FORK_HALF * s, FORK_HALF * s), corner=FORK_CORNER * s, holes=holes,
                slots=[], windows=[], sinks=sinks,
                fork=(FORK_HALF * s, FORK_CORNER * s, 0.5 * FORK_SLOT * s, FORK_END * s,
                      FORK_FILLET * s))
