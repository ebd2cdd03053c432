"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
26's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``dragmark`` a drag mark (a hard particle or a burr caught under a slide, a gripper or a
             stacked part, dragged across the face): a straight band 4-11 px wide of 3-6
             fine parallel streaks (pitch 2-2.8 px), 15-40 px long, each starting sharply
             where the particle bit in (all within 1.5 px of each other) and fading to
             nothing along the drag (its depth ``1 - x`` of the way ``x`` along), each
             its own strength and a little shorter or longer; dark (grooves), 10-24 gray
             levels at its start, or bright if given a negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center

#: the drag mark: its length (px), the band's width (px), the streaks' pitch (px), their
#: groove's sigma (px) and the contrast at the start (gray levels) drawn in these ranges
DRAG_LENGTH, DRAG_WIDTH, DRAG_PITCH = (15.0, 40.0), (4.0, 11.0), (2.0, 2.8)
DRAG_SIGMA, DRAG_CONTRAST = (0.4, 0.55), (10.0, 24.0)


def drag_streaks(t, s, offsets, starts, lengths, strengths, sigma):
    """The drag mark's depth (0-1) at ``t`` px along the drag from its start and ``s`` px
    across (arrays of one shape): the sum over its streaks ``i`` (at ``offsets[i]`` across,
    starting ``starts[i]`` px in, ``lengths[i]`` long, of relative depth ``strengths[i]``) of
    ``strength x onset x (1 - x) x exp(-(s - offset)^2 / 2 sigma^2)``, ``x`` the share of
    the streak behind and ``onset`` a step 0.3 px wide at its start (``1/2 (1 + tanh)``)."""
    ti = t[..., None] - starts
    x = np.clip(ti / lengths, 0.0, 1.0)
    onset = 0.5 * (1.0 + np.tanh(ti / 0.3))
    across = np.exp(-0.5 * ((s[..., None] - offsets) / sigma) ** 2)
    return np.sum(strengths * onset * (1.0 - x) * across, axis=-1)


def drawn_length(g, shape, params, bounds, kind: str = "", why: str = ""):
    """A maker's ``length_px``: the one given, or drawn in ``bounds`` (px), each end cut to
    0.15 and 0.3 x the image's smaller side (so the same draw on images of ``bounds[1] / 0.3``
    px and up); the draw is consumed either way, so a kind's random stream does not depend
    on what is given.
    With ``kind``, a length under 5 px raises :class:`InputError` naming it and ``why``."""
    side = min(shape)
    length = params.get("length_px", g.uniform(min(bounds[0], 0.15 * side),
                                               min(bounds[1], 0.3 * side)))
    if kind and not length >= 5.0:
        raise InputError(f"defect_params: {kind}'s length_px ({length:g}) must be at least "
                         f"5 px: {why}")
    return length


def _drag_params(g, shape, params):
    """The drag mark's length, width, pitch, grooves' sigma and contrast, drawn or given,
    checked."""
    length = drawn_length(g, shape, params, DRAG_LENGTH)  # the same draw from 134 px up
    width = params.get("width_px", g.uniform(*DRAG_WIDTH))
    if "width_px" not in params:
        # on a small box (a narrow face's region) the drawn length can fall under 1.5 drawn
        # widths: the band is drawn narrower then (the draws are consumed as before, so every
        # sample that rendered before renders the same)
        width = min(width, length / 1.5 * (1.0 - 1e-9))   # (under the check's rounding)
    pitch = params.get("pitch_px", min(g.uniform(*DRAG_PITCH), 0.5 * width))
    if pitch < 1.5 or pitch > 0.5 * width:
        raise InputError(f"defect_params: dragmark's pitch_px ({pitch:g}) must be 1.5 px to "
                         f"half its width_px ({0.5 * width:g}): closer streaks merge into one "
                         f"groove, fewer than three are a scratch or a pair")
    if length < 1.5 * width:
        raise InputError(f"defect_params: dragmark's length_px ({length:g}) must be at least "
                         f"1.5 width_px ({1.5 * width:g}): a drag mark is a band along its drag")
    # wider grooves would merge into one: a larger one given is cut to 0.4 pitch (an extreme
    # size renders, as every kind's does)
    sigma = min(params.get("sigma_px", g.uniform(*DRAG_SIGMA)), 0.4 * pitch)
    contrast = params.get("contrast", g.uniform(*DRAG_CONTRAST))
    return length, width, pitch, sigma, contrast


def _dragmark(g, shape, lay, pose, params):
    """A drag mark: :func:`drag_streaks` (``length_px`` in :data:`DRAG_LENGTH`, at most 0.3 x
    the image's smaller side; ``width_px``, the band's, in :data:`DRAG_WIDTH`; ``pitch_px`` in
    :data:`DRAG_PITCH`, at most half the width: ``floor(width / pitch) + 1`` streaks, each
    its offset jittered by 0.08 pitch, its start 0-1.5 px in, its length 0.8-1 of the mark's,
    its strength 0.6-1 (the strongest 1); the grooves' ``sigma_px`` in :data:`DRAG_SIGMA`,
    at most 0.4 pitch, a larger one given cut to it) along
    ``angle_deg`` (the drag's direction, any: from the sharp start to the faded end) as the
    change ``-contrast x`` depth (``contrast`` in :data:`DRAG_CONTRAST`; bright streaks if
    negative).  The centre is the band's middle, the size its length, the mask also the band
    (its width and 0.5 px, from the first streak's start to the last one's end).  Drawn on a
    box around it."""
    length, width, pitch, sigma, contrast = _drag_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    n = int(np.floor(width / pitch + 1e-9)) + 1
    offsets = (np.arange(n) - 0.5 * (n - 1)) * pitch + g.uniform(-0.08, 0.08, n) * pitch
    starts = g.uniform(0.0, 1.5, n)
    lengths = length * g.uniform(0.8, 1.0, n)
    strengths = g.uniform(0.6, 1.0, n)
    strengths = strengths / strengths.max()
    c = pick_center(g, lay, pose, 0.5 * length + 3.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(0.5 * length + 0.5 * width + 4.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    t = dx * np.cos(a) + dy * np.sin(a) + 0.5 * length           # from the start
    s = -dx * np.sin(a) + dy * np.cos(a)
    depth = drag_streaks(t, s, offsets, starts, lengths, strengths, sigma)
    h, w = shape
    delta, foot = np.zeros((h, w)), np.zeros((h, w), bool)
    delta[r0:r1, c0:c1] = -contrast * depth
    foot[r0:r1, c0:c1] = (np.abs(s) <= 0.5 * width + 0.5) & (t >= starts.min()) & \
        (t <= (starts + lengths).max())
    spec = ("dragmark", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"width_px": float(width), "pitch_px": float(pitch),
                              "streaks": n, "sigma_px": float(sigma)})
    return delta, None, spec, foot
