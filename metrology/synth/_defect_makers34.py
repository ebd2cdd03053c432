"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
57's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``bubbleburst`` a burst coating blister: where a blister in a coat (a zinc-flake, a paint or
             a powder coat, lifted by trapped solvent, gas or a salt under it) burst and its
             skin tore away: a round crater (5-14 px across, its edge a circle wavering by
             0.06 of its radius at most) with a dark floor (the bare metal showing, flat,
             darkest), a ragged bright torn rim round it (the coating's flaps curled up at
             the edge and catching the light: a thin line 0.6-1.4 px out, its brightness
             uneven round the circle, 0.3-1.2 x its level, 0.3-0.55 of the contrast, and
             its distance wavering with the flaps), missing on part of the circle (an arc of
             60-150 degrees at ``angle_deg`` where the skin tore off cleanly), and a faint
             halo of lifted coating round it (a broad soft brightening, 0.08-0.16 of the
             contrast, out to about twice the radius); 16-30 gray levels dark, bright if the
             contrast is negative.  Unlike ``blister`` (a whole raised dome, shaded bright and
             dark on two flanks), ``fisheye`` (a smooth dark floor in a thin even rim all
             round, nothing past it), ``punch`` (a small dot in a faint thin ring),
             ``spallpit`` (a jagged polygonal crater with a broken rim on the side the light
             picks) and ``pits`` (a cluster of small dots): one round dark crater, its rim
             torn and uneven and open on one side, in a faint broad halo.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the crater: its size across (px), its edge's waver (x the radius) and sigma (px); the
#: rim: its gap past the edge (px), its flaps' reach further out (px), sigma (px), level (x
#: the contrast), its brightness' spread round the circle (x its level, clipped to
#: :data:`BB_RIM_CLIP`), the missing arc (degrees); the halo: its level (x the contrast) and
#: its reach (x the radius); the contrast (gray levels); the harmonics of the outline's
#: waver and the rim's unevenness (orders 2-7)
BB_SIZE, BB_WAVER, BB_EDGE = (5.0, 14.0), 0.06, 0.45
BB_GAP, BB_FLAP, BB_RIM_SIGMA, BB_RIM = 0.6, 0.8, 0.55, (0.3, 0.55)
BB_UNEVEN, BB_RIM_CLIP, BB_MISSING = 0.45, (0.3, 1.2), (60.0, 150.0)
BB_HALO, BB_HALO_REACH, BB_CONTRAST, BB_ORDERS = (0.08, 0.16), 1.0, (16.0, 30.0), 6


def torn_outline(g):
    """The crater's outline and rim drawn from a generator of their own (one draw of ``g``,
    so the draws after it do not depend on what a caller gives): three rows of
    :data:`BB_ORDERS` harmonics (orders 2-7; amplitude, phase), the edge's waver, the rim's
    unevenness and its flaps' reach, each normalised by its spread round the circle."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    amp = own.uniform(0.5, 1.0, (3, BB_ORDERS)) / np.arange(2, 2 + BB_ORDERS) ** 0.5
    phase = own.uniform(0.0, 2.0 * np.pi, (3, BB_ORDERS))
    return np.stack([amp / np.sqrt(0.5 * (amp * amp).sum(axis=1, keepdims=True)), phase],
                    axis=-1)


def _harmonics(phi, rows):
    """The sum of ``rows`` (order-1 indexed from 2: amplitude, phase) of cosines at ``phi``
    (the burst blister's outline here, the ring crack's in ``_defect_makers35``)."""
    out = np.zeros(np.shape(phi))
    for k, (amp, phase) in enumerate(rows, start=2):
        out = out + amp * np.cos(k * phi + phase)
    return out


def burst_change(t, a, radius, outline, rim, missing, halo):
    """The burst blister's darkening (the floor 1, the rim and the halo below 0) at ``t``,
    ``a`` (px from its centre, the missing arc centred on ``+t``): the floor inside the
    crater's edge (``radius`` x (1 + :data:`BB_WAVER` x the first row of ``outline``'s
    harmonics), soft over :data:`BB_EDGE` px, an error function); the rim a Gaussian of
    :data:`BB_RIM_SIGMA` px :data:`BB_GAP` px past the edge plus the flaps' reach (0 to
    :data:`BB_FLAP` px by the third row), ``rim`` x its unevenness (1 + :data:`BB_UNEVEN` x
    the second row, clipped to :data:`BB_RIM_CLIP`), none within ``missing`` / 2 (radians)
    of ``+t`` (a soft cut over 0.15 radians); the halo ``halo`` x a Gaussian past the edge
    of sigma :data:`BB_HALO_REACH` x ``radius`` / 2, from the rim out (0 inside)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    phi, rr = np.arctan2(a, t), np.hypot(t, a)
    edge = radius * (1.0 + BB_WAVER * _harmonics(phi, outline[0]))
    d = rr - edge
    floor = 0.5 * special.erfc(d / (np.sqrt(2.0) * BB_EDGE))
    uneven = np.clip(1.0 + BB_UNEVEN * _harmonics(phi, outline[1]), *BB_RIM_CLIP)
    reach = BB_GAP + BB_FLAP * np.clip(0.5 + 0.35 * _harmonics(phi, outline[2]), 0.0, 1.0)
    open_ = np.clip((np.abs(phi) - 0.5 * missing) / 0.15, 0.0, 1.0)
    lip = rim * uneven * open_ * np.exp(-0.5 * ((d - reach) / BB_RIM_SIGMA) ** 2)
    spread = 0.5 * BB_HALO_REACH * radius
    lifted = halo * np.exp(-0.5 * (np.maximum(d - BB_GAP, 0.0) / spread) ** 2) * (d > 0.0)
    return floor - lip - lifted


def _bubbleburst_params(g, shape, lay, params):
    """The crater's size, its outline (:func:`torn_outline`), the rim's level, the missing
    arc (radians), the halo's level and the contrast, drawn or given: a drawn size larger
    than the region it is pasted on has room for (``"free"``) is drawn smaller; a
    ``length_px`` (the size across) given under 5 px is refused (``drawn_length``'s
    :class:`~metrology.errors.InputError`; ``radius_px`` and ``width_px`` are not read)."""
    size = drawn_length(g, shape, params, BB_SIZE, "bubbleburst",
                        "a smaller crater is a pit, no torn rim or halo")
    outline = torn_outline(g)
    rim, missing, halo = g.uniform(*BB_RIM), g.uniform(*BB_MISSING), g.uniform(*BB_HALO)
    contrast = params.get("contrast", g.uniform(*BB_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        size = min(size, max(5.0, (float(np.max(lay["free"])) - 6.0) /
                                  (0.5 + 0.75 * BB_HALO_REACH)))
    return size, outline, rim, np.deg2rad(missing), halo, contrast


def _bubbleburst(g, shape, lay, pose, params):
    """A burst coating blister: the change ``-contrast x`` :func:`burst_change`
    (``length_px``, the crater's size across, in :data:`BB_SIZE`, cut to 0.15-0.3 x the
    image's smaller side; the rim :data:`BB_RIM`, missing over :data:`BB_MISSING` degrees
    round ``angle_deg``, any; the halo :data:`BB_HALO`; ``contrast`` in
    :data:`BB_CONTRAST`: dark, bright if negative), centred on the crater.  Its mask where
    the change's size is at least a quarter of its peak.  Drawn on a box around it."""
    size, outline, rim, missing, halo, contrast = _bubbleburst_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    radius = 0.5 * size
    reach = float(radius * (1.0 + BB_WAVER * np.abs(outline[0, :, 0]).sum()) + BB_GAP +
                  max(BB_FLAP + 3.0 * BB_RIM_SIGMA, 1.5 * BB_HALO_REACH * radius) + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * burst_change(t, a, radius, outline, rim,
                                                                  missing, halo))
    spec = ("bubbleburst", (float(c[0]), float(c[1])), float(size), float(angle),
            float(contrast), {"length_px": float(size), "rim": float(rim),
                              "missing_deg": float(np.rad2deg(missing)),
                              "halo": float(halo)})
    return delta, None, spec, None
