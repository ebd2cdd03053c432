"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
58's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``ringcrack`` a Hertzian ring (cone) crack: where a hard small body (a dropped tool, a ball,
             a stone) struck a brittle face (a granite plate, a ceramic, a glass, a
             hardened steel) without chipping it, the contact's edge cracked along a circle:
             a small impact point at the centre (a dark dot with a bright speck beside it,
             the crushed contact catching the light on one side), a thin dark crack along a
             circular arc round it (radius 4-10 px, ``length_px`` the circle's size across,
             wavering by 0.03 of the radius in spread) covering 180-330 degrees of the circle
             (the gap round ``angle_deg``), its width varying along the arc (a Gaussian
             line of sigma 0.45-1.2 px, 0.55-0.8 x an unevenness of 0.6-1.5) and fading at
             its two ends, and a faint bright halo on the inside of the arc (the cone's
             flank under the face scattering the light: 0.1-0.2 of the contrast, a band
             1.6 px inside the crack, along it); 18-34 gray levels dark, bright if the
             contrast is negative.  Unlike ``crack`` (a jagged random-walk line, 12-50 px,
             no centre), ``starcrack`` (straight cracks radiating from a crushed pit),
             ``punch`` (a dark dot in a faint thin ring, whole, nothing lit), ``halo`` (a
             ring of tiny dark specks round a soft darker centre) and ``crescent`` (a
             side-lit groove along an arc tapering to two horns, no centre): one thin dark
             arc of uneven width round a small impact point, open on one side, lit faintly
             on its inside only.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change
from ._defect_makers34 import _harmonics

#: the ring: its size across (px; radius 4-10), its waver (x the radius); the crack: its
#: sigma (px, the mean's range), its unevenness along the arc (x the mean, clipped to
#: :data:`RC_CLIP`), its least and largest sigma (px), the fade at its ends (radians), the
#: arc's span (degrees); the halo: its level (x the contrast), its place inside the crack
#: and its sigma (px); the impact point: its dark dot's sigma (px) and level, the bright
#: speck's offset (px) and level (x the contrast); the contrast (gray levels); the harmonics
#: of the ring's waver and the crack's unevenness (orders 2-7)
RC_SIZE, RC_WAVER = (8.0, 20.0), 0.03
RC_SIGMA, RC_UNEVEN, RC_CLIP, RC_WIDTHS = (0.55, 0.8), 0.45, (0.6, 1.5), (0.45, 1.2)
RC_FADE, RC_SPAN = 0.3, (180.0, 330.0)
RC_HALO, RC_HALO_AT, RC_HALO_SIGMA = (0.1, 0.2), 1.6, 0.9
RC_DOT_SIGMA, RC_DOT, RC_SPECK_AT, RC_SPECK = 0.6, 0.7, 1.0, 0.45
RC_CONTRAST, RC_ORDERS = (18.0, 34.0), 6


def ring_shape(g):
    """The ring's waver, the crack's unevenness and the speck's direction drawn from a
    generator of their own (one draw of ``g``, so the draws after it do not depend on what
    a caller gives): two rows of :data:`RC_ORDERS` harmonics (orders 2-7; amplitude, phase),
    each normalised by its spread round the circle, and an angle (radians)."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    amp = own.uniform(0.5, 1.0, (2, RC_ORDERS)) / np.arange(2, 2 + RC_ORDERS) ** 0.5
    phase = own.uniform(0.0, 2.0 * np.pi, (2, RC_ORDERS))
    rows = np.stack([amp / np.sqrt(0.5 * (amp * amp).sum(axis=1, keepdims=True)), phase],
                    axis=-1)
    return rows, float(own.uniform(0.0, 2.0 * np.pi))


def ring_change(t, a, radius, shape, sigma, span, halo):
    """The ring crack's darkening (the crack and the dot above 0, the halo and the speck
    below) at ``t``, ``a`` (px from the impact point, the arc's gap centred on ``+t``):
    the crack a Gaussian line of the distance to the ring (``radius`` x (1 +
    :data:`RC_WAVER` x the first row of ``shape``'s harmonics)) of sigma ``sigma`` x the
    unevenness (1 + :data:`RC_UNEVEN` x the second row, clipped to :data:`RC_CLIP`, then to
    :data:`RC_WIDTHS` px), over the arc of ``span`` radians (none within half the gap of
    ``+t``, fading over :data:`RC_FADE` radians at its ends); the halo ``halo`` x a Gaussian
    :data:`RC_HALO_AT` px inside the ring (sigma :data:`RC_HALO_SIGMA` px) over the same arc
    and only inside it; the impact point a dark dot (:data:`RC_DOT`, sigma
    :data:`RC_DOT_SIGMA`) and a bright speck (:data:`RC_SPECK`) :data:`RC_SPECK_AT` px from
    it towards ``shape``'s angle."""
    rows, speck = shape
    t, a = np.asarray(t, float), np.asarray(a, float)
    phi, rr = np.arctan2(a, t), np.hypot(t, a)
    d = rr - radius * (1.0 + RC_WAVER * _harmonics(phi, rows[0]))
    width = np.clip(sigma * np.clip(1.0 + RC_UNEVEN * _harmonics(phi, rows[1]), *RC_CLIP),
                    *RC_WIDTHS)
    arc = np.clip((np.abs(phi) - np.pi + 0.5 * span) / RC_FADE, 0.0, 1.0)
    crack = arc * np.exp(-0.5 * (d / width) ** 2)
    lit = halo * arc * np.exp(-0.5 * ((d + RC_HALO_AT) / RC_HALO_SIGMA) ** 2) * (d < 0.0)
    dot = RC_DOT * np.exp(-0.5 * (rr / RC_DOT_SIGMA) ** 2)
    st, sa = t - RC_SPECK_AT * np.cos(speck), a - RC_SPECK_AT * np.sin(speck)
    bright = RC_SPECK * np.exp(-0.5 * (st * st + sa * sa) / RC_DOT_SIGMA ** 2)
    return crack + dot - lit - bright


def _ringcrack_params(g, shape, lay, params):
    """The ring's size across, its shape (:func:`ring_shape`), the crack's sigma, the arc's
    span (radians), the halo's level and the contrast, drawn or given: a drawn size larger
    than the region it is pasted on has room for (``"free"``) is drawn smaller; a
    ``length_px`` given under 8 px (a radius under 4) is refused
    (:class:`~metrology.errors.InputError`; ``radius_px`` and ``width_px`` are not read)."""
    size = drawn_length(g, shape, params, RC_SIZE)
    size = size if "length_px" in params else max(size, 8.0)     # on images under 54 px
    if not size >= 8.0:
        raise InputError(f"defect_params: ringcrack's length_px ({size:g}) must be at least "
                         f"8 px: a smaller ring round its point is a punch mark")
    rows = ring_shape(g)
    sigma, span, halo = g.uniform(*RC_SIGMA), g.uniform(*RC_SPAN), g.uniform(*RC_HALO)
    contrast = params.get("contrast", g.uniform(*RC_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        size = min(size, max(8.0, 2.0 * (float(np.max(lay["free"])) - 11.0) /
                                  (1.0 + RC_WAVER * 3.5)))
    return size, rows, sigma, np.deg2rad(span), halo, contrast


def _ringcrack(g, shape, lay, pose, params):
    """A Hertzian ring crack: the change ``-contrast x`` :func:`ring_change` (``length_px``,
    the ring's size across, in :data:`RC_SIZE`, cut to 0.15-0.3 x the image's smaller side;
    the arc over :data:`RC_SPAN` degrees, its gap round ``angle_deg``, any; the halo
    :data:`RC_HALO`; ``contrast`` in :data:`RC_CONTRAST`: dark, bright if negative),
    centred on the impact point.  Its mask where the change's size is at least a quarter of
    its peak.  Drawn on a box around it."""
    size, rows, sigma, span, halo, contrast = _ringcrack_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    radius = 0.5 * size
    reach = float(radius * (1.0 + RC_WAVER * np.abs(rows[0][0, :, 0]).sum()) +
                  3.0 * RC_WIDTHS[1] + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * ring_change(t, a, radius, rows, sigma,
                                                                 span, halo))
    spec = ("ringcrack", (float(c[0]), float(c[1])), float(size), float(angle),
            float(contrast), {"length_px": float(size), "crack_sigma": float(sigma),
                              "span_deg": float(np.rad2deg(span)), "halo": float(halo)})
    return delta, None, spec, None
