"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
27's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``kink``     a kinked scratch (a tool or a part that slipped and was pushed on in another
             direction): a thin groove of 2-3 straight legs, 15-50 px in all, turning by
             30-100 degrees (either way) once or twice at sharp corners, each leg at least
             0.23 of the length; one width (sigma 0.5-0.9 px) and depth along all its legs;
             dark, 12-30 gray levels, or bright if given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the kinked scratch: its length (px, all legs), the groove's sigma (px), the turn at each
#: kink (degrees, either way) and the contrast (gray levels) drawn in these ranges
KINK_LENGTH, KINK_SIGMA, KINK_TURN, KINK_CONTRAST = (15.0, 50.0), (0.5, 0.9), (30.0, 100.0), \
    (12.0, 30.0)


def polyline_distance(x, y, pts):
    """The distance (px) from the points ``(x, y)`` (arrays of one shape) to the polyline
    through ``pts`` (N x 2, x and y): the nearest of its segments', each clamped to its ends."""
    p, q = pts[:-1], pts[1:]
    d = q - p
    px, py = x[..., None] - p[:, 0], y[..., None] - p[:, 1]
    t = np.clip((px * d[:, 0] + py * d[:, 1]) / np.sum(d * d, axis=1), 0.0, 1.0)
    return np.min(np.hypot(px - t * d[:, 0], py - t * d[:, 1]), axis=-1)


def kink_points(length, angle_deg, turns_deg, shares):
    """The kinked scratch's corners (legs + 1, 2), centred on its middle point (the mean of its
    corners): legs of ``shares`` (summing to 1) x ``length``, the first along ``angle_deg``,
    each next one turned by the next of ``turns_deg``."""
    heading = np.deg2rad(angle_deg + np.concatenate([[0.0], np.cumsum(turns_deg)]))
    steps = length * np.asarray(shares)[:, None] * np.stack([np.cos(heading),
                                                             np.sin(heading)], axis=1)
    pts = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    return pts - pts.mean(axis=0)


def _kink_params(g, shape, params):
    """The kinked scratch's length, legs' shares, turns, sigma and contrast, drawn or given,
    checked."""
    length = drawn_length(g, shape, params, KINK_LENGTH, "kink",   # the same from 167 px up
                          "a shorter one shows no kink")
    legs = int(g.integers(2, 4))
    turns = g.uniform(*KINK_TURN, legs - 1) * g.choice([-1.0, 1.0], legs - 1)
    if "turn_deg" in params:  # every turn the one given, its sign too
        turns = np.full(legs - 1, float(params["turn_deg"]))
    if not np.all((np.abs(turns) >= 20.0) & (np.abs(turns) <= 120.0)):
        raise InputError(f"defect_params: kink's turn_deg ({turns[0]:g}) must be 20-120 "
                         f"degrees either way: a gentler turn is a curved scratch, a sharper "
                         f"one folds the groove back on itself")
    shares = g.uniform(0.75, 1.25, legs)
    shares = shares / shares.sum()
    # a groove wider than 0.1 length is a gouge, one under 0.3 px no groove: a sigma given
    # beyond them is cut to them (an extreme size renders, as every kind's does)
    sigma = float(np.clip(params.get("sigma_px", g.uniform(*KINK_SIGMA)), 0.3, 0.1 * length))
    contrast = params.get("contrast", g.uniform(*KINK_CONTRAST))
    return length, turns, shares, sigma, contrast


def _kink(g, shape, lay, pose, params):
    """A kinked scratch: the groove ``-contrast exp(-d^2 / 2 sigma^2)`` (``d`` the distance to
    :func:`kink_points`' polyline, :func:`polyline_distance`; ``length_px`` in
    :data:`KINK_LENGTH`, at most 0.3 x the image's smaller side; 2 or 3 legs, their shares
    of the length 0.75-1.25 of the mean, so each at least 0.23 of it; the turns in
    :data:`KINK_TURN` either way, or every one ``turn_deg`` (20-120 either way) if given;
    ``sigma_px`` in :data:`KINK_SIGMA`, one given cut to 0.3-0.1 ``length_px``;
    ``angle_deg`` the first leg's direction, any; ``contrast`` in :data:`KINK_CONTRAST`,
    bright if negative).  The centre is the corners' mean, the size its length, the mask
    also where the groove is at least a quarter deep.  Drawn on a box around it."""
    length, turns, shares, sigma, contrast = _kink_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = kink_points(length, angle, turns, shares)
    reach = float(np.max(np.hypot(pts[:, 0], pts[:, 1])))
    c = pick_center(g, lay, pose, reach + 3.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 4.0 * sigma + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    d = polyline_distance(xx - c[0], yy - c[1], pts)
    depth = np.exp(-0.5 * (d / sigma) ** 2)
    h, w = shape
    delta, foot = np.zeros((h, w)), np.zeros((h, w), bool)
    delta[r0:r1, c0:c1] = -contrast * depth
    foot[r0:r1, c0:c1] = depth >= 0.25
    corners = [(float(c[0] + x), float(c[1] + y)) for x, y in pts]
    spec = ("kink", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"legs": len(shares), "turns_deg": [float(t) for t in turns],
                              "sigma_px": float(sigma), "corners": corners})
    return delta, None, spec, foot
