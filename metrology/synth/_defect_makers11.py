"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
33's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``halo``     a weld spatter halo: the faint mark a spot weld's or a tack's fine spatter leaves
             round it: a ring (radius 6-14 px) of 10-40 tiny separate dark specks (Gaussian
             dots of sigma 0.6-0.9 px, one every 2.5-4 px along the ring, each moved up to
             1 px in or out and 0.6-1.0 as dark as the darkest) round a slightly darker
             soft centre (a disc 0.5-0.7 of the ring's radius, 0.25-0.45 as dark as the
             specks, its edge blurred by 1.5 px), the face untouched between them; 10-22 gray
             levels dark at the specks; bright if given a negative contrast.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from ._defect_makers import box_around, pick_center

#: the halo: the ring's radius (px), the specks' spacing along it (px) and sigma (px), their
#: depths (x the darkest), the centre's radius (x the ring's) and depth (x the specks') and
#: the contrast (gray levels) drawn in these ranges
HALO_RADIUS, HALO_SPACING, HALO_SIGMA, HALO_DEPTH = (6.0, 14.0), (2.5, 4.0), (0.6, 0.9), 0.6
HALO_CENTRE, HALO_CORE, HALO_CONTRAST = (0.5, 0.7), (0.25, 0.45), (10.0, 22.0)
#: the specks' radial jitter (px) and the centre's edge blur (px)
HALO_JITTER, HALO_BLUR = 1.0, 1.5
#: at most this many specks (the ring's table of draws)
HALO_MAX = 64


def halo_depth(dx, dy, specks, sigma, centre, core):
    """The halo's depth (0 to about 1) at ``dx``, ``dy`` px from its centre: each speck
    (``specks``: rows ``x, y, depth``) a Gaussian dot of ``sigma`` px (the deepest of them
    where two meet) plus the centre ``core x (1 - erf((r - centre) / blur)) / 2``
    (:data:`HALO_BLUR`)."""
    ex = (dx[None] - specks[:, 0, None, None]) ** 2 + (dy[None] - specks[:, 1, None, None]) ** 2
    dots = np.max(specks[:, 2, None, None] * np.exp(-0.5 * ex / (sigma * sigma)), axis=0)
    r = np.hypot(dx, dy)
    return dots + core * 0.5 * (1.0 - erf((r - centre) / HALO_BLUR))


def _halo_params(g, shape, params):
    """The ring's radius, the specks' sigma and spacing and the contrast, drawn or given: a
    sigma given is cut to 0.4 x the spacing (wider specks would merge into a ring; an
    extreme size renders, as every kind's does)."""
    side = min(shape)
    radius = params.get("radius_px", g.uniform(min(HALO_RADIUS[0], 0.06 * side),
                                               min(HALO_RADIUS[1], 0.15 * side)))
    spacing = g.uniform(*HALO_SPACING)
    sigma = min(params.get("sigma_px", g.uniform(*HALO_SIGMA)), 0.4 * spacing)
    contrast = params.get("contrast", g.uniform(*HALO_CONTRAST))
    return radius, sigma, spacing, contrast


def _halo(g, shape, lay, pose, params):
    """A weld spatter halo: the change ``-contrast x`` :func:`halo_depth` (``radius_px`` the
    ring's, in :data:`HALO_RADIUS`, cut to 0.06-0.15 x the image's smaller side, any size
    given; ``sigma_px`` the specks', in :data:`HALO_SIGMA`, cut to 0.4 x the spacing; one
    speck every :data:`HALO_SPACING` px along the ring from ``angle_deg`` (any), each
    jittered along and by :data:`HALO_JITTER` across, 1 - :data:`HALO_DEPTH` to 1 deep;
    the centre :data:`HALO_CENTRE` of the radius, :data:`HALO_CORE` as deep; ``contrast``
    in :data:`HALO_CONTRAST`, bright if negative).  Its mask where the change is at least a
    quarter of its peak: the specks and most of the centre.  Drawn on a box around it."""
    radius, sigma, spacing, contrast = _halo_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    share, core = g.uniform(*HALO_CENTRE), g.uniform(*HALO_CORE)
    along, across = g.uniform(-0.3, 0.3, HALO_MAX), g.uniform(-1.0, 1.0, HALO_MAX)
    depth = g.uniform(1.0 - HALO_DEPTH, 1.0, HALO_MAX)
    n = int(np.clip(round(2.0 * np.pi * radius / spacing), 6, HALO_MAX))
    phi = np.deg2rad(angle) + 2.0 * np.pi * (np.arange(n) + along[:n]) / n
    rad = radius + HALO_JITTER * across[:n]
    specks = np.stack([rad * np.cos(phi), rad * np.sin(phi), depth[:n]], axis=1)
    reach = radius + HALO_JITTER + 4.0 * sigma
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 1.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * halo_depth(xx - c[0], yy - c[1], specks, sigma,
                                                 share * radius, core)
    spec = ("halo", (float(c[0]), float(c[1])), float(radius), float(angle), float(contrast),
            {"radius_px": float(radius), "sigma_px": float(sigma), "n_specks": n,
             "spacing_px": float(spacing), "centre_px": float(share * radius),
             "core": float(core)})
    return delta, None, spec, None
