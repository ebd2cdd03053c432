"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
63's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``fishscale`` fish-scaling of a vitreous enamel (a stove's, a bath's, a silo panel's, a
             signboard's) or a glazed coat: hydrogen taken up by the steel in the firing
             comes out as it cools and pops off small half-moon flakes of the coat, many
             side by side, all the same way round: a cluster (14-30 px across) of 5-12
             scales (:func:`scales`: radii 2-4.5 px, log-uniform, each centre in the disc
             its radius leaves inside the cluster), **each a half-moon
             crater** (:func:`scale_change`: within its circle, behind its flat side, a
             third of its radius back from its centre) **whose floor deepens towards its
             curved side** (the full contrast at the curve, 0 at the flat side, as the
             square root of the way across: the coat broke off steeply at the curve),
             **with a thin bright lip along the curve** (the broken coat's edge, 0.4-0.6 of
             the contrast, sigma 0.4-0.7 px, fading towards
             the flat side), every scale's curve facing ``angle_deg``; 18-36 gray levels,
             the floors bright and the lips dark if the contrast is negative.  Its mask
             where the change is at least a quarter of its peak (the floors' deep halves and
             the lips).  Unlike ``crescent`` (one arc-shaped groove tapering to two horns),
             ``rinsespots`` (a cluster of thin rings), ``pits`` and ``halo`` (clusters of
             round dark dots), ``spatter`` (raised droplets lit on one side) and ``chip`` and
             ``flake`` (one flake, its edge all round): a cluster of small half-moon
             craters, each deepest and lit along its curve, all facing one way.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the cluster: its diameter (px), the scales' count and radii (px, log-uniform); the flat
#: side's place (x the radius, behind the centre); the lip's brightness (x the contrast)
#: and sigma (px); the contrast (gray levels)
FS_LENGTH, FS_COUNT, FS_RADIUS, FS_BACK = (14.0, 30.0), (5, 12), (2.0, 4.5), 0.3
FS_LIP, FS_SIGMA, FS_CONTRAST = (0.4, 0.6), (0.4, 0.7), (18.0, 36.0)
#: the edges' softness (px); the radius and the lip's sigma a given radius_px or sigma_px
#: is cut to (px; the radius at most a quarter of the diameter, as the drawn ones)
FS_SOFT, FS_RADIUS_CUT, FS_SIGMA_CUT = 0.4, 0.8, (0.3, 1.0)


def scales(g, length, n, radius=None):
    """The scales of a cluster ``length`` px across: ``n`` radii log-uniform in
    :data:`FS_RADIUS` (each at most a quarter of ``length``), or all ``radius`` if given
    (drawn either way, so the stream does not depend on it), and their centres (n x 2, px)
    uniform in the disc each radius leaves inside the cluster."""
    r = np.minimum(np.exp(g.uniform(*np.log(FS_RADIUS), n)), 0.25 * length)
    r = r if radius is None else np.full(n, float(radius))
    rho = np.maximum(0.5 * length - r, 0.0) * np.sqrt(g.random(n))
    phi = g.uniform(0.0, 2.0 * np.pi, n)
    return np.stack([rho * np.cos(phi), rho * np.sin(phi)], axis=-1), r


def scale_change(t, a, centres, r, lip, sigma):
    """The change (x the contrast: the floors negative, the lips positive) at ``t``, ``a``
    (px from the cluster's centre; ``t`` the way the scales' curves face) of scales at
    ``centres`` (n x 2) of radii ``r``: each a half-moon within its circle and in front of
    its flat side (:data:`FS_BACK` x its radius behind its centre), its depth rising from
    0 at the flat side to 1 at the curve as the square root of the way across (softened by
    :data:`FS_SOFT` px at the circle and the flat side), and a lip of ``lip`` just outside the circle (sigma ``sigma``, centred
    ``sigma`` past it) along the curve's front half, fading to 0 at the flat side; the
    deepest floor and the brightest lip of all, the lips where nothing is dark."""
    x = t[..., None] - centres[:, 0]
    y = a[..., None] - centres[:, 1]
    d = np.hypot(x, y)
    back = FS_BACK * r
    within = 1.0 / (1.0 + np.exp(np.clip((d - r) / FS_SOFT, -50.0, 50.0)))
    front = 1.0 / (1.0 + np.exp(np.clip(-(x + back) / FS_SOFT, -50.0, 50.0)))
    floor = (within * front * np.sqrt(np.clip((x + back) / (r + back), 0.0, 1.0)))
    floor = floor.max(axis=-1)
    rim = np.exp(-0.5 * ((d - r - sigma) / sigma) ** 2) * np.clip((x + back) / (r + back),
                                                                   0.0, 1.0)
    return lip * rim.max(axis=-1) * (1.0 - floor) - floor


def _fishscale_params(g, shape, lay, params):
    """The cluster's diameter, the scales (centres and radii, :func:`scales`), the lip's brightness and sigma, the
    way they face and the contrast, drawn or given: a drawn diameter larger than the region
    it is pasted on has room for (``"free"``) is drawn smaller; a ``length_px`` (the
    diameter) under 5 px is refused (:class:`~metrology.errors.InputError`: one scale, no
    cluster); a ``radius_px`` (every scale's) is cut to :data:`FS_RADIUS_CUT` px and a
    quarter of the diameter, a ``sigma_px`` (the lips') to :data:`FS_SIGMA_CUT`;
    ``width_px`` is not read."""
    length = drawn_length(g, shape, params, FS_LENGTH, "fishscale",
                          "a smaller cluster is one scale")
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        length = min(length, max(FS_LENGTH[0], 2.0 * (float(np.max(lay["free"])) - 4.0)))
    n = int(g.integers(FS_COUNT[0], FS_COUNT[1] + 1))
    radius = params.get("radius_px")
    if radius is not None:
        radius = float(np.clip(radius, FS_RADIUS_CUT, max(FS_RADIUS_CUT, 0.25 * length)))
    centres, r = scales(g, length, n, radius)
    sigma = float(np.clip(params.get("sigma_px", g.uniform(*FS_SIGMA)), *FS_SIGMA_CUT))
    lip = g.uniform(*FS_LIP)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(*FS_CONTRAST))
    return length, centres, r, sigma, lip, angle, contrast


def _fishscale(g, shape, lay, pose, params):
    """Fish-scaling: the change ``contrast x`` :func:`scale_change` (``length_px`` the
    cluster's diameter, in :data:`FS_LENGTH`, cut to 0.15-0.3 x the image's smaller side;
    :data:`FS_COUNT` scales; ``radius_px`` every scale's, else each drawn; ``sigma_px`` the
    lips', in :data:`FS_SIGMA`; ``angle_deg`` the way the scales' curves face, any;
    ``contrast`` in :data:`FS_CONTRAST`, the floors dark, bright if negative), centred on
    the cluster.  Its mask where the change's size is at least a quarter of its peak.
    Drawn on a box around it."""
    length, centres, r, sigma, lip, angle, contrast = _fishscale_params(g, shape, lay, params)
    reach = float(np.max(np.hypot(*centres.T) + r)) + 3.0 * sigma + 2.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: contrast * scale_change(t, a, centres, r, lip, sigma))
    spec = ("fishscale", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "radius_px": float(np.median(r)),
             "sigma_px": sigma, "lip": float(lip), "scales": len(r),
             "centres_ta": [(float(x), float(y)) for x, y in centres],
             "radii_px": [float(x) for x in r]})
    return delta, None, spec, None
