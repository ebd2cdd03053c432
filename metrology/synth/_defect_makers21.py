"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
43's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``rinsespots`` rinse-water spots: a splash of rinse water (after washing, phosphating or
             plating) dried on the face in droplets, each leaving a ring of the salts it
             carried at its rim (the coffee-ring effect) and a faint film inside: 5-12 small
             thin rings within a round cluster 12-30 px across, each ring's radius log-uniform
             in 1.3-3.5 px, its tide line sigma 0.4-0.6 px, its inside 0.15-0.3 as dark
             (soft over half a px); where two overlap, the darker shows; 14-30 gray levels
             dark, bright if the contrast is negative.  Unlike ``watermark`` (one ring, radius
             5-14 px), ``pits`` (a cluster of filled dots), ``halo`` (a ring of specks round a
             soft centre) and ``spatter`` (raised droplets lit from one side), it is a cluster
             of small hollow rings.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the cluster: its diameter (px), the spots' count, radius (px, log-uniform), the tide line's
#: sigma (px), the inside's depth (x the ring's), its edge's softness (px) and the contrast
#: (gray levels)
RS_LENGTH, RS_COUNT, RS_RADIUS, RS_SIGMA = (12.0, 30.0), (5, 12), (1.3, 3.5), (0.4, 0.6)
RS_FILL, RS_SOFT, RS_CONTRAST = (0.15, 0.3), 0.5, (14.0, 30.0)


def spots(g, length, n, radius=None):
    """The droplets of a cluster ``length`` px across: ``n`` centres (n, 2: x, y) uniform in
    the disc their radius leaves inside it, radii log-uniform in :data:`RS_RADIUS` (each at
    most a quarter of ``length``), or all ``radius`` if given (drawn either way, so the
    stream does not depend on it), and each one's inside depth in :data:`RS_FILL`."""
    r = np.exp(g.uniform(*np.log(RS_RADIUS), n))
    r = np.minimum(r, 0.25 * length) if radius is None else np.full(n, float(radius))
    room = np.maximum(0.5 * length - r, 0.0)
    rho, phi = room * np.sqrt(g.random(n)), g.uniform(0.0, 2.0 * np.pi, n)
    centres = np.stack([rho * np.cos(phi), rho * np.sin(phi)], axis=-1)
    return centres, r, g.uniform(*RS_FILL, n)


def spots_change(t, a, centres, r, fill, sigma):
    """The spots' depth (0 to 1) at ``t``, ``a`` (px from the cluster's centre): each spot's
    tide line (a Gaussian of sigma ``sigma`` of the distance to its ring) or its inside
    (``fill``, soft over :data:`RS_SOFT` px), the largest of them all."""
    d = np.hypot(t[..., None] - centres[:, 0], a[..., None] - centres[:, 1])
    ring = np.exp(-0.5 * ((d - r) / sigma) ** 2)
    inside = fill / (1.0 + np.exp(np.clip((d - r) / RS_SOFT, -50.0, 50.0)))
    return np.maximum(ring, inside).max(axis=-1)


def _rinsespots_params(g, shape, params):
    """The cluster's diameter, the spots' count, the radius given (or None), the sigma and the
    contrast, drawn or given: a ``length_px`` under 5 px (one spot, no cluster) is refused; a
    ``radius_px`` over a quarter of the diameter is cut to that (the spots within the
    cluster; a sigma over 0.4 x the smallest radius is cut in :func:`_rinsespots`: the rings
    stay hollow)."""
    length = drawn_length(g, shape, params, RS_LENGTH, "rinsespots",
                          "a smaller cluster is one spot")
    n = int(g.integers(RS_COUNT[0], RS_COUNT[1] + 1))
    radius = params.get("radius_px")
    if radius is not None:
        radius = min(radius, 0.25 * length)
    sigma = params.get("sigma_px", g.uniform(*RS_SIGMA))
    contrast = params.get("contrast", g.uniform(*RS_CONTRAST))
    return length, n, radius, sigma, contrast


def _rinsespots(g, shape, lay, pose, params):
    """Rinse-water spots: the change ``-contrast x`` :func:`spots_change` of :func:`spots`
    (``length_px`` the cluster's diameter, in :data:`RS_LENGTH`, cut to 0.15-0.3 x the
    image's smaller side; :data:`RS_COUNT` spots; ``radius_px`` every spot's, else each in
    :data:`RS_RADIUS`; ``sigma_px`` the tide lines', in :data:`RS_SIGMA`; ``angle_deg`` the
    cluster's turn, any; ``contrast`` in :data:`RS_CONTRAST`, dark, bright if negative),
    centred on the cluster.  Its mask where the change is at least a quarter of its peak.
    Drawn on a box around it."""
    length, n, radius, sigma, contrast = _rinsespots_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    centres, r, fill = spots(g, length, n, radius)
    sigma = min(sigma, 0.4 * float(r.min()))
    reach = float(np.max(np.hypot(*centres.T) + r)) + 3.0 * sigma + 1.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * spots_change(t, a, centres, r, fill,
                                                                  sigma))
    spec = ("rinsespots", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "radius_px": float(np.median(r)),
             "sigma_px": float(sigma), "spots": n})
    return delta, None, spec, None
