"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 25's pieces, keeping :mod:`metrology.synth._textures_more6` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``tumbled``  a vibratory-finished (tumbled) face (:func:`tumbled_texture`): the media's
             glancing strikes leave short comet marks (:func:`tumble_marks`), each a small
             dark round nick at its head (the strike) trailed by a tail 4-10 px long that
             tapers and fades away from it (the medium sliding off), at every angle (no lay)
             and of random depth, densely over a fine matte grain and a slow mottle.  The
             first texture made of short marks with a head and a tail: each mark is
             asymmetric along its own length.

``lbracket`` layout (:func:`lbracket_layout`): a flat L-shaped angle bracket: a vertical leg
             along the plate's left side and a horizontal leg along its bottom, each 0.5 of
             the smaller side wide, the outer corners rounded and the one re-entrant (inner)
             corner filleted (:func:`sd_lbracket`, the plate's ``"ell"``), two fixing holes in
             a column in the vertical leg and a row of three horizontal adjusting slots along
             the horizontal leg (``missing`` leaves out a fixing hole only, never a slot).
             The first outline with a single re-entrant corner and no symmetry: the plate's
             upper right quarter is open.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the comet marks: image area per mark (px^2), tail length (px, per mark), head radius
#: (the Gaussian's sigma, px) and tail half width at the head (sigma, px)
TUMBLE_AREA, TUMBLE_TAIL, TUMBLE_HEAD, TUMBLE_WIDTH = 55.0, (4.0, 10.0), 0.9, 0.7
#: the half size (px) of the patch each mark is drawn on (around its middle: it holds the
#: head's and the tail's every value above 1e-4)
_TUMBLE_REACH = 8


def tumble_marks(g: np.random.Generator, h: int, w: int) -> dict:
    """The comet marks of a tumbled face of ``h`` x ``w`` px: one per :data:`TUMBLE_AREA` px^2
    (at least one), heads uniform over the image grown by the longest tail (marks from
    outside reach in), each with its heading (radians, uniform: no lay), its tail's length
    (:data:`TUMBLE_TAIL`) and its depth (0.5-1).  Returns ``{"head"`` (n, 2: x, y),
    ``"heading"``, ``"length"``, ``"depth"}``."""
    m = TUMBLE_TAIL[1]
    n = max(1, int(round((h + 2 * m) * (w + 2 * m) / TUMBLE_AREA)))
    head = np.c_[g.uniform(-m, w - 1 + m, n), g.uniform(-m, h - 1 + m, n)]
    heading = g.uniform(0.0, 2.0 * np.pi, n)
    length = g.uniform(*TUMBLE_TAIL, n)
    depth = g.uniform(0.5, 1.0, n)
    return {"head": head, "heading": heading, "length": length, "depth": depth}


def comet_profile(a, b, length):
    """A comet mark's depth (0-1) at ``a`` px along its heading from its head (the tail at
    ``a > 0``) and ``b`` px across: the head ``exp(-(a^2 + b^2) / 2 TUMBLE_HEAD^2)`` or the
    tail ``0.8 (1 - a / length) exp(-b^2 / 2 s^2)`` (``s`` narrowing from
    :data:`TUMBLE_WIDTH` to half of it at the tail's end), whichever is deeper; nothing
    ahead of the head but the head's own round edge."""
    head = np.exp(-0.5 * (a * a + b * b) / TUMBLE_HEAD ** 2)
    frac = np.clip(a / length, 0.0, 1.0)
    s = TUMBLE_WIDTH * (1.0 - 0.5 * frac)
    tail = np.where(a > 0.0, 0.8 * (1.0 - frac) * np.exp(-0.5 * (b / s) ** 2), 0.0)
    return np.maximum(head, tail)


def tumbled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Tumbled face: ``-`` the comet marks of :func:`tumble_marks` (each its depth x
    :func:`comet_profile`, drawn on a patch of :data:`_TUMBLE_REACH` px round its middle,
    ``length / 2 - 1`` px from its head along its tail, and summed where they overlap; one vectorised pass over all marks and one ``bincount``),
    plus 0.35 of a fine matte grain (white noise smoothed by 0.7 px) and 0.2 of a slow
    mottle (8 px).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    mk = tumble_marks(g, h, w)
    off = np.arange(-_TUMBLE_REACH, _TUMBLE_REACH + 1)
    ca, sa = np.cos(mk["heading"])[:, None, None], np.sin(mk["heading"])[:, None, None]
    mid = mk["head"] + (0.5 * mk["length"] - 1.0)[:, None] * np.c_[ca[:, 0, 0], sa[:, 0, 0]]
    ix = np.round(mid[:, 0]).astype(np.int64)[:, None, None] + off[None, None, :]
    iy = np.round(mid[:, 1]).astype(np.int64)[:, None, None] + off[None, :, None]
    dx, dy = ix - mk["head"][:, 0, None, None], iy - mk["head"][:, 1, None, None]
    a, b = dx * ca + dy * sa, -dx * sa + dy * ca
    val = mk["depth"][:, None, None] * comet_profile(a, b, mk["length"][:, None, None])
    ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h) & (val > 1e-4)
    marks = np.bincount((iy * w + ix)[ok], weights=val[ok], minlength=h * w).reshape(h, w)
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 8.0, mode="wrap"))
    return _unit(-_unit(marks) + 0.35 * grain + 0.2 * mottle)


#: the L bracket: its legs' width, the outer corners' and the inner fillet's radii (x the
#: smaller side), the fixing holes' and the slots' radii and the slots' half length
ELL_LEG, ELL_CORNER, ELL_FILLET = 0.5, 0.05, 0.05
ELL_HOLE, ELL_SLOT, ELL_SLOT_HALF = 0.04, 0.028, 0.05


def sd_lbracket(u, v, lay):
    """Signed distance (px, negative inside; exact inside the plate) to the L bracket's
    outline of ``lay`` (``"ell"``: ``(leg, fillet)``): the plate's rounded rectangle
    (``"half"``, ``"corner"``) less its open upper right quarter (a rectangle from
    ``leg`` px right of the plate's left edge and ``leg`` px above its bottom edge out past
    the plate, its corner rounded to ``fillet``: the fillet of the re-entrant corner)."""
    from ._textures_more import _sd_round_rect

    (hx, hy), r, (leg, fillet) = lay["half"], lay["corner"], lay["ell"]
    plate = _sd_round_rect(u, v, (0.0, 0.0), (hx, hy), r)
    x0, y0 = -hx + leg, hy - leg                  # the open quarter's inner corner
    far = hx + hy + 10.0                          # its other sides well off the plate
    cut = _sd_round_rect(u, v, (0.5 * (x0 + far), 0.5 * (y0 - far)),
                         (0.5 * (far - x0), 0.5 * (y0 + far)), fillet)
    return np.maximum(plate, -cut)


def lbracket_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``lbracket`` layout in model pixels (origin at the image centre, y down) on the
    plate ``base``: the L outline of :func:`sd_lbracket` (``"ell"``: legs :data:`ELL_LEG` s
    wide, ``s`` the smaller side, the inner fillet :data:`ELL_FILLET` s; the outer corners
    :data:`ELL_CORNER` s), two fixing holes of radius :data:`ELL_HOLE` s in a column on the
    vertical leg's middle line (0.31 s and 0.11 s above the centre, the upper part of the
    leg) and three horizontal slots (radius :data:`ELL_SLOT` s, half length
    :data:`ELL_SLOT_HALF` s) in a row on the horizontal leg's middle line at -0.2, 0.02 and
    0.24 s.  Holes first, then the slots.  ``"keep_slots"``: a ``missing`` part leaves out
    a fixing hole only."""
    h, w = shape
    s = float(min(h, w))
    hx, hy = base["half"]
    leg = ELL_LEG * s
    xv, yh = -hx + 0.5 * leg, hy - 0.5 * leg      # the legs' middle lines
    holes = [((float(xv), float(-f * s)), ELL_HOLE * s) for f in (0.31, 0.11)]
    slots = [((float(f * s), float(yh)), ELL_SLOT_HALF * s, ELL_SLOT * s, 0.0)
             for f in (-0.2, 0.02, 0.24)]
    return dict(base, corner=ELL_CORNER * s, ell=(leg, ELL_FILLET * s), holes=holes,
                slots=slots, keep_slots=True)
