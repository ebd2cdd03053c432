"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
38's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``shrinkage`` interdendritic shrinkage porosity opened by machining a casting's face: where the
             last metal to freeze could not be fed, a void stays between the arms of a
             dendrite, and the cut shows it as a dark fern: a stem (sigma 0.6-1 px) 10-26 px
             long with side arms branching off alternately on both sides at one angle to it
             (40-70 degrees, towards the stem's tip), evenly spaced (the secondary arm
             spacing, 2.5-4 px), each arm thinner (0.75 of the stem's sigma) and shorter
             towards the tip (0.35-0.55 x the stem's length at its root, tapering to 0.1 of
             that at the tip); 18-34 gray levels dark, bright if the contrast is negative.
             Unlike ``crack`` (a jagged random walk), ``starcrack`` (straight cracks from one
             point), ``crazing`` (a network closed into cells), ``kink`` (a scratch of a few
             legs) and the ``greyiron`` texture (flakes round many centres), it is one stem
             with a comb of side arms at one angle on both sides.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the fern: its stem's length (px), sigma (px), the arms' angle to the stem (degrees), their
#: spacing (px), length at the root (x the stem's), at the tip (x the root's), sigma (x the
#: stem's); the contrast (gray levels)
SH_LENGTH, SH_SIGMA, SH_ANGLE, SH_PITCH = (10.0, 26.0), (0.6, 1.0), (40.0, 70.0), (2.5, 4.0)
SH_ARM, SH_ARM_TIP, SH_ARM_SIGMA, SH_CONTRAST = (0.35, 0.55), 0.1, 0.75, (18.0, 34.0)
#: the fern's samples: their spacing along a branch (px) and the most arms drawn
SH_STEP, SH_MAX_ARMS = 0.25, 400


def fern(length, pitch, arm, angle_deg, sigma):
    """Points (k, 3: x, y, sigma) of a fern whose stem runs along the x axis from
    ``-length / 2`` to ``length / 2`` (sigma ``sigma``), with side arms every ``pitch`` px
    from a half pitch on, alternately above and below, leaning ``angle_deg`` towards the tip,
    ``arm`` x ``length`` long at the root falling linearly to :data:`SH_ARM_TIP` of that at
    the tip (sigma :data:`SH_ARM_SIGMA` x ``sigma``); sampled :data:`SH_STEP` px apart."""
    ns = max(int(np.ceil(length / SH_STEP)), 1) + 1
    sx = np.linspace(-0.5 * length, 0.5 * length, ns)
    stem = np.stack([sx, np.zeros(ns), np.full(ns, sigma)], axis=-1)
    at = np.arange(0.5 * pitch, length, pitch)[:SH_MAX_ARMS]        # along the stem, px
    if at.size == 0:
        return stem
    frac = at / length
    alen = arm * length * (1.0 - (1.0 - SH_ARM_TIP) * frac)
    side = np.where(np.arange(at.size) % 2 == 0, 1.0, -1.0)
    m = int(np.ceil(alen.max() / SH_STEP)) + 1
    t = np.linspace(0.0, 1.0, m)[None, :] * alen[:, None]             # along each arm
    a = np.deg2rad(angle_deg)
    ax = (at - 0.5 * length)[:, None] + t * np.cos(a)
    ay = side[:, None] * t * np.sin(a)
    arms = np.stack([ax.ravel(), ay.ravel(), np.full(ax.size, SH_ARM_SIGMA * sigma)], axis=-1)
    return np.concatenate([stem, arms])


def fern_change(xx, yy, pts):
    """The fern's depth (0 to 1) at ``xx``, ``yy`` (px): the largest Gaussian (each point's
    own sigma) of the distance to the four nearest of its points ``pts`` (k, 3: x, y,
    sigma), so a branch is no deeper where it meets the stem."""
    k = min(4, len(pts))
    d, i = cKDTree(pts[:, :2]).query(np.stack([xx.ravel(), yy.ravel()], axis=-1), k=k)
    d, i = d.reshape(-1, k), i.reshape(-1, k)
    depth = np.exp(-0.5 * (d / pts[i, 2]) ** 2).max(axis=1)
    return depth.reshape(np.shape(xx))


def chord_change(g, shape, lay, pose, reach, angle, change):
    """A defect's change on an image of ``shape``: its centre placed on the face ``reach`` +
    1 px clear (``pick_center``), ``change(t, a)`` of each pixel's place along the chord at
    ``angle_deg`` ``angle`` and across it (px, from the centre) drawn on a box of half size
    ``reach`` round it (at most 4 x the image's larger side), 0 elsewhere.  Returns the
    change and the centre (shared by the makers of ``_defect_makers15``, ``16`` and ``17``)."""
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(min(reach, 4.0 * max(shape)) + 1.0)), shape)
    a = np.deg2rad(angle)
    ca, sa = np.cos(a), np.sin(a)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    dx, dy = xx - c[0], yy - c[1]
    delta = np.zeros(shape)
    if dx.size:
        delta[r0:r1, c0:c1] = change(dx * ca + dy * sa, -dx * sa + dy * ca)
    return delta, c


def _shrinkage_params(g, shape, params):
    """The stem's length, the arms' spacing, length, angle, the sigma and contrast, drawn or
    given: a ``pitch_px`` given under 1.5 px (the arms merge into a plate) or over half the
    length (fewer than two arms: no fern) is refused, as an ``angle_deg`` off 15-85 degrees
    (arms along the stem or square to it); a sigma over 0.3 x the pitch is cut to that."""
    length = drawn_length(g, shape, params, SH_LENGTH, "shrinkage",
                          "a shorter one is a dot, no fern")
    pitch = params.get("pitch_px", min(g.uniform(*SH_PITCH), 0.5 * length))
    if "pitch_px" in params and not 1.5 <= pitch <= 0.5 * length:
        raise InputError(f"defect_params: shrinkage's pitch_px ({pitch:g}) must be 1.5 px to "
                         f"half its length_px ({length:g}): closer the arms merge, farther "
                         f"there are fewer than two")
    arm = g.uniform(*SH_ARM)
    angle = params.get("turn_deg", g.uniform(*SH_ANGLE))
    if not 15.0 <= angle <= 85.0:
        raise InputError(f"defect_params: shrinkage's turn_deg ({angle:g}), the arms' angle "
                         f"to the stem, must be 15-85 degrees")
    sigma = min(params.get("sigma_px", g.uniform(*SH_SIGMA)), 0.3 * pitch)
    contrast = params.get("contrast", g.uniform(*SH_CONTRAST))
    return length, pitch, arm, angle, sigma, contrast


def _shrinkage(g, shape, lay, pose, params):
    """Shrinkage porosity: the change ``-contrast x`` :func:`fern_change` of :func:`fern`
    (``length_px`` in :data:`SH_LENGTH`, cut to 0.15-0.3 x the image's smaller side;
    ``pitch_px`` in :data:`SH_PITCH`; ``turn_deg``, the arms' angle, in :data:`SH_ANGLE`;
    ``sigma_px`` in :data:`SH_SIGMA`; ``angle_deg`` the stem's, any; ``contrast`` in
    :data:`SH_CONTRAST`, dark, bright if negative).  Its mask where the change is at least a
    quarter of its peak.  Drawn on a box around it."""
    length, pitch, arm, turn, sigma, contrast = _shrinkage_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = fern(length, pitch, arm, turn, sigma)
    reach = float(np.hypot(pts[:, 0], pts[:, 1]).max()) + 3.0 * sigma + 1.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * fern_change(t, a, pts))
    spec = ("shrinkage", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "pitch_px": float(pitch), "arm": float(arm),
             "turn_deg": float(turn), "sigma_px": float(sigma)})
    return delta, None, spec, None
