"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
53's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``cornerdent`` a corner's dent: where a part was dropped, or knocked in handling, on a
             hard part's corner (a square block's, a bolt head's, a fixture's), the corner
             (three faces meeting square) pressed a pyramidal dent into the face: its outline
             a triangle (8-20 px a side), its three flat facets meeting at the deepest point,
             which lies off the triangle's centre as the corner came in tilted (each side
             0.7-1.3 of the mean distance from it); lit from one side (any azimuth), each
             facet reads its own level by its slope towards the light (the facet tilted
             away darkest, the one facing the light least dark), over a uniform darkening
             of the burnished metal (0.6 + 0.4 x the slope's share: 0.57-0.97 of the
             contrast seen, seeds 0-3); a thin bright lip round the outline
             where the metal piled up (0.15-0.3 of the contrast); its edges soft over a
             fraction of a px; dark, 14-28 gray levels, bright if the contrast is negative
             (the signs swapped).  Unlike ``dent`` (a smooth round bump), ``chip`` (a polygon
             of two flat terraces, the texture gone), ``spallpit`` (a jagged crater, a broken
             rim on one side), ``punch`` (a dot in a ring) and ``nutprint`` (a hexagonal ring):
             a triangle of three flat facets, each its own level, meeting at one point.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the dent: its triangle's side (px), each side's distance from the deepest point (x the
#: mean's, the corner's tilt), the burnished floor's darkening and the slope's weight (x the
#: depth), the lip's height (x the contrast) and sigma (px), the edges' sigma (px), the
#: contrast (gray levels)
CD_SIDE, CD_TILT, CD_FLOOR, CD_SLOPE = (8.0, 20.0), (0.7, 1.3), 0.6, 0.4
CD_LIP, CD_LIP_SIGMA, CD_EDGE, CD_CONTRAST = (0.15, 0.3), 0.6, 0.4, (14.0, 28.0)
#: the least side a caller may give (px): smaller, its three facets are under a px each
CD_SIDE_GIVEN = 6.0


def facet_normals():
    """The three facets' outward directions in the dent's frame (3 x 2): at 0, 120 and 240
    degrees (``t`` towards ``a``); a triangle's sides are square to them."""
    t = np.deg2rad([0.0, 120.0, 240.0])
    return np.stack([np.cos(t), np.sin(t)], 1)


def dent_change(t, a, dist, light_deg, lip):
    """The dent's darkening (peak about 1; its lip below 0) at ``t``, ``a`` (px from the
    deepest point, the dent's frame): the triangle whose sides lie ``dist`` (three px
    distances) out along :func:`facet_normals`; inside it facet ``i`` (where ``(t, a) .
    n_i / dist_i`` is largest) darkened by :data:`CD_FLOOR` plus :data:`CD_SLOPE` x its
    slope away from the light at ``light_deg`` (the slope ``1 / dist_i``, over its mean),
    its edges soft over :data:`CD_EDGE` px (an error function of the distance to the
    triangle, the sides' half-planes' largest); ``lip`` x a Gaussian of
    :data:`CD_LIP_SIGMA` px just outside the outline, brightening."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    n = facet_normals()
    dist = np.asarray(dist, float)
    reach = np.stack([t * nx + a * ny for nx, ny in n])              # along each normal
    dist = dist.reshape((3,) + (1,) * (reach.ndim - 1))
    facet = np.argmax(reach / dist, axis=0)
    sd = np.max(reach - dist, axis=0)
    lit = np.deg2rad(light_deg)
    # a facet rises outwards along its normal: it faces the light where the normal points
    # away from it (``n . light < 0``), and is darker the more it faces away
    slope = (n[:, 0] * np.cos(lit) + n[:, 1] * np.sin(lit)) / dist.ravel() * np.mean(dist)
    level = CD_FLOOR + CD_SLOPE * (0.5 + 0.5 * slope)[facet]
    inside = 0.5 * special.erfc(sd / (np.sqrt(2.0) * CD_EDGE))
    rim = np.exp(-0.5 * ((sd - 1.5 * CD_LIP_SIGMA) / CD_LIP_SIGMA) ** 2) * (sd > 0.0)
    return inside * level - lip * rim


def _cornerdent_params(g, shape, lay, params):
    """The triangle's side, the sides' distances from the deepest point, the light's
    azimuth, the lip and the contrast, drawn or given: a drawn side larger than the region
    it is pasted on has room for (``"free"``) is drawn smaller; a ``length_px`` (the side)
    given under :data:`CD_SIDE_GIVEN` px is refused (``radius_px``, ``width_px`` are not
    read)."""
    side = drawn_length(g, shape, params, CD_SIDE, "cornerdent", "a smaller one has no facets")
    tilt = g.uniform(*CD_TILT, 3)
    light = params.get("light_deg", g.uniform(0.0, 360.0))
    lip = g.uniform(*CD_LIP)
    contrast = params.get("contrast", g.uniform(*CD_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        side = min(side, max(CD_SIDE_GIVEN, 1.5 * (float(np.max(lay["free"])) - 3.0)))
    if "length_px" in params and side < CD_SIDE_GIVEN:
        raise InputError(f"defect_params: cornerdent's length_px ({side:g}), its triangle's "
                         f"side, must be at least {CD_SIDE_GIVEN:g} px: a smaller one's "
                         f"three facets are under a px each")
    dist = side / (2.0 * np.sqrt(3.0)) * tilt / tilt.mean()      # the inradius, tilted
    return side, dist, light, lip, contrast


def _cornerdent(g, shape, lay, pose, params):
    """A corner's dent: the change ``-contrast x`` :func:`dent_change` (``length_px``, the
    triangle's side, in :data:`CD_SIDE`, cut to 0.15-0.3 x the image's smaller side; the
    sides' distances from the deepest point :data:`CD_TILT` of their mean; ``light_deg``
    the light's azimuth in the dent's frame, any; the lip :data:`CD_LIP`; ``angle_deg`` the
    triangle's turn, any; ``contrast`` in :data:`CD_CONTRAST`: dark, bright if negative),
    centred on its deepest point.  Its mask where the change's size is at least a quarter of
    its peak.  Drawn on a box around it."""
    side, dist, light, lip, contrast = _cornerdent_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = float(2.0 * dist.max() + 4.0 * CD_LIP_SIGMA + 3.0 * CD_EDGE + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * dent_change(t, a, dist, light, lip))
    spec = ("cornerdent", (float(c[0]), float(c[1])), float(side), float(angle),
            float(contrast), {"length_px": float(side), "dist_px": [float(d) for d in dist],
                              "light_deg": float(light), "lip": float(lip)})
    return delta, None, spec, None
