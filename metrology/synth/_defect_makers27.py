"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
50's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``pickmark`` a pick or scribe slip mark: where a scriber, a dental pick or a probe's hard
             point skidded over the face and chattered, jumping sideways at each catch: a
             short sharp zig-zag scratch of 3-6 straight segments (12-28 px in all, each
             0.75-1.25 of the mean segment), turning 40-120 degrees at each corner, the turns
             alternating in sign (a zig-zag, not a hook or a loop); a thin sharp groove
             (sigma 0.4-0.7 px) and, along one side of it only, the thin burr the point
             ploughed up (1.3-2.2 px off the groove's axis, a finer line, sigma 0.35-0.5 px,
             0.35-0.55 as deep: the lip's shadowed flank, parted from the groove by a lighter
             gap), following every segment; 14-30 gray levels dark, bright if the contrast is
             negative.  Unlike ``kink`` (a wider groove of 2-3 long legs, 15-50 px, turning
             once or twice, no burr), ``scratch`` and ``hairline`` (one line), ``burr`` (a
             bowed bright ridge with its shadow) and ``pigtail`` (loops): a short jagged
             line of many alternate sharp turns, doubled on one side by a finer line.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length
from ._defect_makers5 import kink_points

#: the pick mark: its length (px, all segments), the segments (how many), the turn at each
#: corner (degrees, alternating in sign), the groove's sigma (px), the burr's offset from
#: the groove's axis (px), its sigma (px) and depth (x the groove's), the contrast (gray
#: levels) drawn in these ranges
PM_LENGTH, PM_SEGMENTS, PM_TURN, PM_SIGMA = (12.0, 28.0), (3, 6), (40.0, 120.0), (0.4, 0.7)
PM_OFFSET, PM_BURR_SIGMA, PM_BURR_DEPTH, PM_CONTRAST = (1.3, 2.2), (0.35, 0.5), (0.35, 0.55), \
    (14.0, 30.0)


def segment_frames(x, y, pts):
    """Each point's place along and across every segment of the polyline ``pts`` (N x 2):
    ``(over, across, dist)``, arrays of ``x``'s shape + (N - 1,): ``over`` how far (px)
    beyond the segment's nearer end it lies along it (0 over the segment), ``across`` its
    signed distance from the segment's line (positive on the side its direction points to
    when turned by +90 degrees, x towards y) and ``dist`` its distance to the segment."""
    p, d = pts[:-1], pts[1:] - pts[:-1]
    n = np.hypot(d[:, 0], d[:, 1])
    ex, ey = d[:, 0] / n, d[:, 1] / n
    px, py = x[..., None] - p[:, 0], y[..., None] - p[:, 1]
    t = px * ex + py * ey
    across = px * -ey + py * ex
    over = np.maximum(-t, 0.0) + np.maximum(t - n, 0.0)
    return over, across, np.hypot(over, across)


def pickmark_change(x, y, pts, sigma, offset, burr_sigma, burr_depth, side):
    """The pick mark's depth (0 to 1) at ``x``, ``y`` (px, the polyline's frame): the groove
    ``exp(-d^2 / 2 sigma^2)`` (``d`` the distance to the polyline ``pts``) compounded with the
    burr, ``burr_depth`` x the deepest of a thin line along each segment ``offset`` px to its
    ``side`` (+1 or -1, the sign of ``across`` of :func:`segment_frames`; a Gaussian of ``burr_sigma`` across and beyond the segment's
    ends): ``1 - (1 - groove)(1 - burr)``, so the groove stays the deepest."""
    over, across, dist = segment_frames(np.asarray(x, float), np.asarray(y, float), pts)
    groove = np.exp(-0.5 * (np.min(dist, axis=-1) / sigma) ** 2)
    line = np.exp(-0.5 * (((across - side * offset) ** 2 + over ** 2) / burr_sigma ** 2))
    burr = burr_depth * np.max(line, axis=-1)
    return 1.0 - (1.0 - groove) * (1.0 - burr)


def _pickmark_params(g, shape, params):
    """The length, segments' shares, turns, the groove's sigma, the burr's offset, sigma,
    depth and side and the contrast, drawn or given: a ``length_px`` given under 8 px (no
    room for three segments) refused, a ``turn_deg`` off 40-120 degrees either way (a gentler
    turn is a wavy scratch, a sharper one folds back on itself) and a ``width_px`` (the
    burr's offset) off 1-4 px (nearer it merges with the groove, farther it is a second
    scratch); a sigma over half the offset is cut to it."""
    length = drawn_length(g, shape, params, PM_LENGTH, "pickmark",
                          "a shorter one shows no zig-zag")
    if "length_px" in params and length < 8.0:
        raise InputError(f"defect_params: pickmark's length_px ({length:g}) must be at least "
                         f"8 px: a shorter one has no room for three segments")
    n = int(g.integers(PM_SEGMENTS[0], PM_SEGMENTS[1] + 1))
    first = float(g.choice([-1.0, 1.0]))
    signs = first * (-1.0) ** np.arange(n - 1)
    turns = g.uniform(*PM_TURN, n - 1)
    if "turn_deg" in params:  # every turn of the size given, alternating from its sign
        turn = float(params["turn_deg"])
        if not 40.0 <= abs(turn) <= 120.0:
            raise InputError(f"defect_params: pickmark's turn_deg ({turn:g}) must be 40-120 "
                             f"degrees either way: a gentler turn is a wavy scratch, a "
                             f"sharper one folds the groove back on itself")
        turns, signs = np.full(n - 1, abs(turn)), np.sign(turn) * (-1.0) ** np.arange(n - 1)
    shares = g.uniform(0.75, 1.25, n)
    shares = shares / shares.sum()
    offset = params.get("width_px", g.uniform(*PM_OFFSET))
    if not 1.0 <= offset <= 4.0:
        raise InputError(f"defect_params: pickmark's width_px ({offset:g}), the burr's offset "
                         f"from the groove, must be 1 to 4 px: nearer it merges with the "
                         f"groove, farther it is a second scratch")
    sigma = min(params.get("sigma_px", g.uniform(*PM_SIGMA)), 0.5 * offset)
    burr = (g.uniform(*PM_BURR_SIGMA), g.uniform(*PM_BURR_DEPTH), float(g.choice([-1.0, 1.0])))
    contrast = params.get("contrast", g.uniform(*PM_CONTRAST))
    return length, shares, signs * turns, sigma, offset, burr, contrast


def _pickmark(g, shape, lay, pose, params):
    """A pick or scribe slip mark: the change ``-contrast x`` :func:`pickmark_change` on the
    zig-zag of :func:`~metrology.synth._defect_makers5.kink_points` (``length_px`` in
    :data:`PM_LENGTH`, cut to 0.15-0.3 x the image's smaller side; segments in
    :data:`PM_SEGMENTS`, their shares 0.75-1.25 of the mean; the turns in :data:`PM_TURN`,
    alternating in sign, or every one ``turn_deg``; ``sigma_px`` the groove's, in
    :data:`PM_SIGMA`; ``width_px`` the burr's offset, in :data:`PM_OFFSET`, its sigma
    :data:`PM_BURR_SIGMA` and depth :data:`PM_BURR_DEPTH` on a random side; ``angle_deg``
    the first segment's direction, any; ``contrast`` in :data:`PM_CONTRAST`, bright if
    negative).  The centre is the corners' mean, the size its length; its mask where the
    change is at least a quarter of its peak.  Drawn on a box around it."""
    length, shares, turns, sigma, offset, burr, contrast = _pickmark_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = kink_points(length, angle, turns, shares)
    reach = float(np.max(np.hypot(pts[:, 0], pts[:, 1]))) + offset + 3.0 * burr[0]
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0 * sigma + 2.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    h, w = shape
    delta = np.zeros((h, w))
    if xx.size:
        delta[r0:r1, c0:c1] = -contrast * pickmark_change(xx - c[0], yy - c[1], pts, sigma,
                                                          offset, *burr)
    corners = [(float(c[0] + x), float(c[1] + y)) for x, y in pts]
    spec = ("pickmark", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "sigma_px": float(sigma),
                              "width_px": float(offset), "segments": len(shares),
                              "turns_deg": [float(t) for t in turns],
                              "burr_sigma_px": float(burr[0]), "burr_depth": float(burr[1]),
                              "side": burr[2], "corners": corners})
    return delta, None, spec, None
