"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
29's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``stamp``    a stray stamp: a part number struck in the wrong place, two or three blocky
             glyphs (seven-segment digits: straight strokes of one width, square-ended,
             flat-bottomed) 8-14 px high in a row, a glyph every 0.85-1 x their height,
             shallow: 10-24 gray levels dark, the stamp struck a little unevenly (one end of
             the row 0-0.4 shallower, each glyph 0.85-1 of its depth); bright if given a
             negative contrast.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the stamp: its glyphs' height (px), their number, the strokes' width (px, at most 0.15 x the
#: height when drawn), the glyphs' pitch (x their height), the row's tilt in depth (the
#: shallow end's loss) and the contrast (gray levels) drawn in these ranges
STAMP_HEIGHT, STAMP_GLYPHS, STAMP_WIDTH, STAMP_PITCH = (8.0, 14.0), (2, 3), (1.0, 1.8), \
    (0.85, 1.0)
STAMP_TILT, STAMP_CONTRAST = (0.0, 0.4), (10.0, 24.0)
#: a glyph's width (x its height) and its edges' softness (px: the strokes' sides a ramp this
#: wide)
STAMP_ASPECT, STAMP_EDGE = 0.5, 0.5

#: the seven segments (a top, b upper right, c lower right, d bottom, e lower left, f upper
#: left, g middle) as ends in units of the glyph's half width (x) and half height (y), y down
SEGMENTS = np.array([[[-1, -1], [1, -1]], [[1, -1], [1, 0]], [[1, 0], [1, 1]], [[-1, 1], [1, 1]],
                     [[-1, 0], [-1, 1]], [[-1, -1], [-1, 0]], [[-1, 0], [1, 0]]], float)
#: the digits 0-9 as the segments they light (a-g)
DIGITS = ("abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg",
          "abcdfg")


def glyph_segments(digits, height, pitch):
    """The strokes (N x 2 x 2: ends, x and y, px) of the row of ``digits`` (0-9 each), glyphs
    ``height`` px high and :data:`STAMP_ASPECT` x that wide, ``pitch`` px apart, the row
    centred on 0 along x; and each stroke's glyph number (N)."""
    half = np.array([0.5 * STAMP_ASPECT * height, 0.5 * height])
    ends, which = [], []
    for i, dg in enumerate(digits):
        x0 = (i - 0.5 * (len(digits) - 1)) * pitch
        for ch in DIGITS[int(dg)]:
            ends.append(SEGMENTS["abcdefg".index(ch)] * half + [x0, 0.0])
            which.append(i)
    return np.array(ends), np.array(which)


def stroke_depth(x, y, ends, width):
    """Each point's depth (0-1) under the strokes ``ends`` (N x 2 x 2, axis-parallel): the
    union (the deepest) of flat-bottomed boxes, each a stroke's length plus ``width`` long
    (square ends that fill the glyph's corners) and ``width`` wide, their sides ramps
    :data:`STAMP_EDGE` px wide; returns the depth under each stroke (..., N)."""
    lo, hi = np.minimum(ends[:, 0], ends[:, 1]), np.maximum(ends[:, 0], ends[:, 1])
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo) + 0.5 * width
    dx = half[:, 0] - np.abs(x[..., None] - mid[:, 0])
    dy = half[:, 1] - np.abs(y[..., None] - mid[:, 1])
    return np.clip(dx / STAMP_EDGE + 0.5, 0.0, 1.0) * np.clip(dy / STAMP_EDGE + 0.5, 0.0, 1.0)


def _stamp_params(g, shape, params):
    """The stamp's glyph height, stroke width, pitch and contrast, drawn or given, checked."""
    height = drawn_length(g, shape, params, STAMP_HEIGHT, "stamp",
                          "a smaller glyph is a dot, not a figure")
    width = params.get("width_px", g.uniform(STAMP_WIDTH[0],
                                             max(STAMP_WIDTH[0],
                                                 min(STAMP_WIDTH[1], 0.15 * height))))
    if not 0.5 <= width <= 0.2 * height:
        raise InputError(f"defect_params: stamp's width_px ({width:g}) must be 0.5 px to 0.2 x "
                         f"its length_px, the glyphs' height ({height:g}): wider strokes fill "
                         f"the glyph, a blob")
    least = STAMP_ASPECT * height + width + 1.0      # the glyphs 1 px apart at least
    pitch = params.get("pitch_px", max(least, g.uniform(*STAMP_PITCH) * height))
    if not least <= pitch <= 2.0 * height:
        raise InputError(f"defect_params: stamp's pitch_px ({pitch:g}) must be {least:g} px "
                         f"(the glyphs 1 px apart) to 2 x its length_px ({height:g}): closer "
                         f"glyphs touch, farther ones are not one number")
    contrast = params.get("contrast", g.uniform(*STAMP_CONTRAST))
    return height, width, pitch, contrast


def _stamp(g, shape, lay, pose, params):
    """A stray stamp: the change ``-contrast x depth x strike`` (depth the glyphs'
    :func:`stroke_depth` over :func:`glyph_segments`' strokes: ``length_px``, the glyphs'
    height, in :data:`STAMP_HEIGHT`, at most 0.3 x the image's smaller side; two or three
    random digits; ``width_px``, the strokes', in :data:`STAMP_WIDTH`, at most 0.15 x the
    height drawn, 0.5 px to 0.2 x the height given; ``pitch_px`` :data:`STAMP_PITCH` x the
    height, the glyphs at least 1 px apart; ``angle_deg`` the row's direction, any; the
    strike ``1 - tilt x`` the share of the row behind (from its deep end, ``tilt`` in
    :data:`STAMP_TILT`) times each glyph's own 0.85-1; ``contrast`` in
    :data:`STAMP_CONTRAST`, bright if negative).  Its mask where the change is at least a
    quarter of its peak.  Drawn on a box around it."""
    height, width, pitch, contrast = _stamp_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    n = int(g.integers(STAMP_GLYPHS[0], STAMP_GLYPHS[1] + 1))
    digits = tuple(int(k) for k in g.integers(0, 10, n))
    tilt, own = g.uniform(*STAMP_TILT), g.uniform(0.85, 1.0, n)
    ends, which = glyph_segments(digits, height, pitch)
    row = 0.5 * ((n - 1) * pitch + STAMP_ASPECT * height + width)
    reach = float(np.hypot(row, 0.5 * (height + width)))
    c = pick_center(g, lay, pose, reach + 3.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    x, y = (xx - c[0]) * ca + (yy - c[1]) * sa, -(xx - c[0]) * sa + (yy - c[1]) * ca
    strike = own * (1.0 - tilt * np.arange(n) / max(n - 1, 1))
    depth = np.max(stroke_depth(x, y, ends, width) * strike[which], axis=-1)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * depth
    spec = ("stamp", (float(c[0]), float(c[1])), float(height), float(angle), float(contrast),
            {"width_px": float(width), "pitch_px": float(pitch), "glyphs": n,
             "digits": digits, "tilt": float(tilt),
             "strike": tuple(float(k) for k in strike)})
    return delta, None, spec, None
