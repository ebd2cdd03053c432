"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
52's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``nutprint`` a hex nut's (or a hex bolt head's) bearing-face print: where a nut was run down
             on the face without a washer (a fixture's clamp nut, a part stacked on a loose
             nut, a bolt torqued on the wrong face) its bearing face burnished and pressed the
             metal: a flat hexagonal ring, its outer edge the hexagon's flats (across flats
             10-22 px) with its corners clipped by the nut's chamfer circle (0.95-1.0 of the
             across-corners size), its inner edge the round thread bore (0.28-0.36 of the
             across flats as a radius), darker than the face (12-26 gray levels), deeper on
             one side (the nut not square to the face: the light side 0.4-0.7 of the heavy
             side's depth) and crossed by fine concentric streaks (the nut turned under load
             as it was tightened: 0.25-0.5 of the depth, a band-passed profile along the
             radius); its edges soft over a fraction of a px.  The signs swapped if the
             contrast is negative.  Unlike ``clampmark`` (a rounded rectangle with a bright
             lip), ``lockwasher`` (dashes round a ring), ``watermark`` (a thin round tide
             line), ``punch`` (a dot in a thin ring) and ``fisheye`` (a round floor in a
             bright rim): a flat ring, hexagonal outside and round inside, deeper on one side,
             streaked round its centre.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, special

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the print: its across flats (px), the bore's radius (x the across flats), the chamfer
#: circle (x the across corners), the light side's depth (x the heavy side's), the streaks'
#: depth (x the print's), their profile's sigma along the radius (px), the edges' sigma (px),
#: the contrast (gray levels)
NP_FLATS, NP_BORE, NP_CHAMFER, NP_LIGHT = (10.0, 22.0), (0.28, 0.36), (0.95, 1.0), (0.4, 0.7)
NP_STREAKS, NP_STREAK_SIGMA, NP_EDGE, NP_CONTRAST = (0.25, 0.5), 0.9, 0.45, (12.0, 26.0)
#: the ring's width at the flats a caller may give (x the across flats; the bore's radius is
#: half the across flats less it): narrower a thin washer's ring, wider a disc with a pin hole
NP_WIDTH_GIVEN = (0.1, 0.3)


def hex_ring_sd(t, a, flats, bore, chamfer):
    """The signed distance (px, negative inside) of ``t``, ``a`` (px, the hexagon's frame:
    a flat square to the ``t`` axis) to the print's ring: inside the hexagon of ``flats``
    px across flats, inside the chamfer circle of radius ``chamfer`` px, outside the bore
    circle of radius ``bore`` px (the larger of the three distances; exact off the
    hexagon's corners and the chamfer's meeting with the flats)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    hexa = np.zeros(np.broadcast(t, a).shape)
    for phi in np.deg2rad([0.0, 60.0, 120.0]):
        hexa = np.maximum(hexa, np.abs(t * np.cos(phi) + a * np.sin(phi)))
    r = np.hypot(t, a)
    return np.maximum(np.maximum(hexa - 0.5 * flats, r - chamfer), bore - r)


def print_change(t, a, flats, bore, chamfer, light, heavy_deg, streaks, profile):
    """The print's darkening (peak about 1) at ``t``, ``a`` (px from its centre, the
    hexagon's frame): the ring of :func:`hex_ring_sd` with edges soft over :data:`NP_EDGE`
    px (an error function), its depth from ``light`` on one side to 1 on the other (a
    cosine round the centre, the heavy side at ``heavy_deg``), less ``streaks`` x the
    streaks' ``profile`` (a callable of the radius, 0-1)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    ring = 0.5 * special.erfc(hex_ring_sd(t, a, flats, bore, chamfer) / (np.sqrt(2.0) * NP_EDGE))
    side = light + (1.0 - light) * (0.5 + 0.5 * np.cos(np.arctan2(a, t) - np.deg2rad(heavy_deg)))
    return ring * side * (1.0 - streaks * profile(np.hypot(t, a)))


def streak_profile(g, reach):
    """The concentric streaks' profile along the radius (0 to ``reach`` px): white noise on
    a 0.25 px grid through a Gaussian of :data:`NP_STREAK_SIGMA` px less its 3 px mean (a
    band), its crests only, over 1.5 x its spread, clipped to 0-1 (separate streaks on
    about half the radius); read linearly."""
    n = int(np.ceil(reach / 0.25)) + 2
    raw = g.standard_normal(n + 48)
    band = ndimage.gaussian_filter1d(raw, NP_STREAK_SIGMA / 0.25) - \
        ndimage.gaussian_filter1d(raw, 3.0 / 0.25)
    band = band[24:24 + n]
    band = np.clip(band / max(1.5 * float(band.std()), 1e-12), 0.0, 1.0)
    grid = 0.25 * np.arange(n)
    return lambda r: np.interp(r, grid, band)


def _nutprint_params(g, shape, lay, params):
    """The across flats, the bore's and the chamfer's radii, the light side's depth, the
    heavy side's angle, the streaks' depth and the contrast, drawn or given: a drawn print
    wider than the region it is pasted on has room for (``"free"``) is drawn smaller; a
    ``length_px`` (the across flats) given under 8 px (no ring left round the bore) and a
    ``width_px`` (the ring's at the flats) given off :data:`NP_WIDTH_GIVEN` x it are
    refused."""
    flats = drawn_length(g, shape, params, NP_FLATS, "nutprint", "a smaller one has no ring")
    bore, chamfer = g.uniform(*NP_BORE), g.uniform(*NP_CHAMFER) / np.cos(np.pi / 6.0)
    light, heavy = g.uniform(*NP_LIGHT), g.uniform(0.0, 360.0)
    streaks = g.uniform(*NP_STREAKS)
    contrast = params.get("contrast", g.uniform(*NP_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        flats = min(flats, max(8.0, 1.6 * (float(np.max(lay["free"])) - 3.0)))
    if "length_px" in params and flats < 8.0:
        raise InputError(f"defect_params: nutprint's length_px ({flats:g}), the across flats, "
                         f"must be at least 8 px: a smaller one has no ring round its bore")
    width = params.get("width_px", (0.5 - bore) * flats)
    lo, hi = NP_WIDTH_GIVEN
    if "width_px" in params and not lo * flats <= width <= hi * flats:
        raise InputError(f"defect_params: nutprint's width_px ({width:g}), the ring's at its "
                         f"flats, must be {lo:g} to {hi:g} of its length_px ({flats:g}): "
                         f"narrower it is a thin washer's ring, wider a disc with a pin hole")
    return flats, 0.5 * flats - width, 0.5 * chamfer * flats, light, heavy, streaks, contrast


def _nutprint(g, shape, lay, pose, params):
    """A hex nut's bearing-face print: the change ``-contrast x`` :func:`print_change`
    (``length_px``, the across flats, in :data:`NP_FLATS`, cut to 0.15-0.3 x the image's
    smaller side; the bore's radius :data:`NP_BORE` x it, ``width_px`` the ring's width at
    the flats, half the across flats less the bore's radius; the chamfer circle
    :data:`NP_CHAMFER` x the across corners; the light side :data:`NP_LIGHT` of the heavy
    one's depth, the heavy side at any angle; the streaks :data:`NP_STREAKS` deep;
    ``angle_deg`` the hexagon's turn, any; ``contrast`` in :data:`NP_CONTRAST`: dark,
    bright if negative), centred on the bore.  Its mask where the change's size is at least
    a quarter of its peak.  Drawn on a box around it."""
    flats, radius, chamfer, light, heavy, streaks, contrast = _nutprint_params(g, shape, lay,
                                                                               params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = float(chamfer + 3.0 * NP_EDGE + 1.0)
    profile = streak_profile(g, reach + 2.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * print_change(
                                t, a, flats, radius, chamfer, light, heavy, streaks, profile))
    spec = ("nutprint", (float(c[0]), float(c[1])), float(flats), float(angle),
            float(contrast), {"length_px": float(flats), "width_px": float(0.5 * flats - radius),
                              "radius_px": float(radius),
                              "chamfer_px": float(chamfer), "light": float(light),
                              "heavy_deg": float(heavy), "streaks": float(streaks)})
    return delta, None, spec, None
