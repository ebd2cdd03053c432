"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
34's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``arcstrike`` an arc strike: the mark a welding electrode or an earth clamp leaves where it
             touched the face and struck an arc: a small bright fused core (a disc of radius
             1.8-3.5 px, its edge soft over 0.6 px), a dark scorched rim round it (a ring
             from the core's edge out to 1.7-2.1 x its radius, 0.5-0.8 as dark as the core
             is bright) and 3-6 short thin dark radial streaks from the rim outward (4-10 px
             long, sigma 0.5-0.8 px across, spread round the core with a random jitter,
             fading to nothing at their tips, 0.45-0.8 as dark), the face untouched beyond;
             12-26 gray levels at the core; a dark core, bright rim and streaks if given a
             negative contrast.  Unlike ``burn`` (a soft heat tint: a darker core inside a
             brighter ring, 6-18 px), ``fisheye`` (a dark floor in a bright rim) and
             ``starcrack`` (dark cracks 8-20 px from a crushed dark pit), its core is bright
             and small and its rim and streaks are dark.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

from ..errors import InputError
from ._defect_makers import box_around, pick_center

#: the arc strike: the core's radius (px), the rim's outer radius (x the core's) and depth
#: (x the core's brightness), the streaks' count, length beyond the rim (px), sigma (px) and
#: depth, and the contrast (gray levels at the core) drawn in these ranges
ARC_RADIUS, ARC_RIM, ARC_RIM_DEPTH = (1.8, 3.5), (1.7, 2.1), (0.5, 0.8)
ARC_STREAKS, ARC_LENGTH, ARC_SIGMA, ARC_DEPTH = (3, 6), (4.0, 10.0), (0.5, 0.8), (0.45, 0.8)
ARC_CONTRAST = (12.0, 26.0)
#: the core's edge (an erf ramp of this sigma, px) and the rim's edges' (px); the streaks'
#: angular jitter (x the even spacing) and the most streaks drawn
ARC_EDGE, ARC_RIM_EDGE, ARC_JITTER, ARC_MAX = 0.6, 0.5, 0.3, 6


def arc_change(dx, dy, core, rim, rim_depth, streaks, sigma):
    """The arc strike's change (x the contrast: positive in the core, negative in the rim and
    streaks) at ``dx``, ``dy`` px from its centre: the core ``(1 - erf((r - core) / edge)) /
    2`` (:data:`ARC_EDGE`), the rim ``-rim_depth`` between ``core`` and ``rim`` px (its
    edges soft over :data:`ARC_RIM_EDGE`), and each streak (``streaks``: rows angle
    (radians), length (px), depth) a Gaussian line of ``sigma`` px across, running out
    radially from ``rim`` px, ``-depth`` where it starts and fading linearly to 0 at its
    tip; the darkest of rim and streaks where they meet."""
    r = np.hypot(dx, dy)
    bright = 0.5 * (1.0 - erf((r - core) / (np.sqrt(2.0) * ARC_EDGE)))
    ring = 0.25 * (1.0 + erf((r - core) / ARC_RIM_EDGE)) * (1.0 - erf((r - rim) / ARC_RIM_EDGE))
    ca, sa = np.cos(streaks[:, 0])[:, None, None], np.sin(streaks[:, 0])[:, None, None]
    along = dx[None] * ca + dy[None] * sa - rim
    across = dy[None] * ca - dx[None] * sa
    fade = np.clip(1.0 - along / streaks[:, 1, None, None], 0.0, 1.0) * (along > -1.0)
    lines = streaks[:, 2, None, None] * fade * np.exp(-0.5 * (across / sigma) ** 2)
    dark = np.maximum(rim_depth * ring, np.max(lines, axis=0) if len(streaks) else 0.0)
    return bright - dark * (1.0 - bright)


def _arc_params(g, shape, params):
    """The core's radius, the streaks' length and sigma and the contrast, drawn or given:
    a streak under 2 px long refused (it is the rim)."""
    side = min(shape)
    radius = params.get("radius_px", g.uniform(min(ARC_RADIUS[0], 0.02 * side),
                                               min(ARC_RADIUS[1], 0.04 * side)))
    length = params.get("length_px", g.uniform(min(ARC_LENGTH[0], 0.04 * side),
                                               min(ARC_LENGTH[1], 0.1 * side)))
    if not length >= 2.0:
        raise InputError(f"defect_params: arcstrike's length_px ({length:g}), the streaks', "
                         f"must be at least 2 px: a shorter streak is part of the rim")
    sigma = params.get("sigma_px", g.uniform(*ARC_SIGMA))
    contrast = params.get("contrast", g.uniform(*ARC_CONTRAST))
    return radius, length, sigma, contrast


def _arcstrike(g, shape, lay, pose, params):
    """An arc strike: the change ``contrast x`` :func:`arc_change` (``radius_px`` the core's,
    in :data:`ARC_RADIUS`, cut to 0.02-0.04 x the image's smaller side; the rim out to
    :data:`ARC_RIM` of it, :data:`ARC_RIM_DEPTH` deep; :data:`ARC_STREAKS` streaks, the first
    at ``angle_deg`` (any) and the rest evenly round it, each jittered by
    :data:`ARC_JITTER` of the spacing, ``length_px`` long (in :data:`ARC_LENGTH`, each
    0.7-1.0 of it), ``sigma_px`` across (in :data:`ARC_SIGMA`, cut to a third of their
    spacing at the rim), :data:`ARC_DEPTH` deep;
    ``contrast`` in :data:`ARC_CONTRAST`, inverted if negative).  Its mask where the change
    is at least a quarter of its peak.  Drawn on a box around it."""
    radius, length, sigma, contrast = _arc_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    rim, rim_depth = g.uniform(*ARC_RIM), g.uniform(*ARC_RIM_DEPTH)
    n = int(g.integers(ARC_STREAKS[0], ARC_STREAKS[1] + 1))
    jitter = g.uniform(-ARC_JITTER, ARC_JITTER, ARC_MAX)
    share, depth = g.uniform(0.7, 1.0, ARC_MAX), g.uniform(*ARC_DEPTH, ARC_MAX)
    # a sigma over a third of the streaks' spacing at the rim is cut (wider streaks merge
    # into a second rim; the drawn ones are never cut from 96 px up)
    sigma = min(sigma, 2.0 * np.pi * rim * radius / (3.0 * n))
    phi = np.deg2rad(angle) + 2.0 * np.pi * (np.arange(n) + np.r_[0.0, jitter[1:n]]) / n
    streaks = np.stack([phi, share[:n] * length, depth[:n]], axis=1)
    reach = rim * radius + length + 3.0 * sigma
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(min(reach, 4.0 * max(shape)) + 1.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * arc_change(xx - c[0], yy - c[1], radius, rim * radius,
                                                rim_depth, streaks, sigma)
    spec = ("arcstrike", (float(c[0]), float(c[1])), float(radius), float(angle),
            float(contrast),
            {"radius_px": float(radius), "rim_px": float(rim * radius),
             "rim_depth": float(rim_depth), "n_streaks": n, "length_px": float(length),
             "sigma_px": float(sigma), "streak_deg": [float(v) for v in np.rad2deg(phi)],
             "streak_px": [float(v) for v in share[:n] * length]})
    return delta, None, spec, None
