"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 41's pieces, keeping :mod:`metrology.synth._textures_more22` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``babbitt``  the fine-bored face of a tin-based white-metal (babbitt) bearing lining, as on a
             journal bearing's shell or a thrust pad (:func:`babbitt_texture`): the soft,
             darker tin-rich matrix (a faint fine grain and a faint mottle) holds the alloy's
             hard crystals, which the boring tool cuts flat with it and which shine brighter:
             antimony-tin (SbSn) cuboids, seen as sharp-cornered squares (side 3-7 px, each
             at its own turn, flat, 0.8-1) about one per 1100 px^2, and copper-tin (Cu6Sn5)
             needles, thin straight bright lines (6-16 px long, half width 0.45-0.7 px,
             0.7-0.95), one group per 1300 px^2, a third of the groups three needles crossing
             at their middles 60 degrees apart (a six-armed star) (:func:`babbitt_crystals`;
             where two meet the brighter shows).  Its levels are one-sided: sparse bright
             marks on a darker face.  The first texture of two kinds of sparse bright marks,
             compact squares and thin needles and stars: ``hardfaced``'s grains are compact
             hexagons only, ``strandmat``'s strands long (20-60 px) and dense, ``painted``'s
             flakes 1-2 px specks, ``eroded``'s and ``wirecut``'s recast round.

``rack``     layout (:func:`rack_layout`): a straight gear rack's segment seen on its side: a
             bar 0.88 x the smaller side long, its body 0.42 deep, with eight involute-rack
             teeth along its top (pitch 0.11, whole depth 0.079, flanks at 20 degrees, the
             tips 0.03 wide; :func:`sd_rack`, the plate's ``"rack"``), its bottom corners
             rounded (0.03), its top ones square; two bolt holes (0.035) and a dowel hole (0.02) in the body (any of
             the three missable).  The first outline with straight trapezoid teeth in a row on
             a straight edge: ``sprocket``'s seats are round and all round a disc,
             ``starflange``'s scallops concave, ``strip``'s notch a single V.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the cuboids: their density (per px^2), side (px), level; the needles' groups: their
#: density (per px^2), the share that are stars of three, the needles' length and half width
#: (px) and level; the edge's blur (px); the crystals' weight, the matrix's grain (weight,
#: blur px) and mottle (weight, blur px)
BB_CUBES, BB_SIDE, BB_CUBE_LEVEL = 1.0 / 1100.0, (3.0, 7.0), (0.8, 1.0)
BB_NEEDLES, BB_STARS, BB_LENGTH, BB_HALF = 1.0 / 1300.0, 1.0 / 3.0, (6.0, 16.0), (0.45, 0.7)
BB_NEEDLE_LEVEL, BB_BLUR = (0.7, 0.95), 0.4
BB_WEIGHT, BB_GRAIN, BB_MOTTLE = 1.0, (0.08, 0.6), (0.05, 14.0)


def babbitt_crystals(g, h, w):
    """The crystals of an ``h`` x ``w`` face (centres anywhere on it and 10 px beyond): the
    cuboids (centres (n, 2: x, y), turns, half sides, levels) and the needles (centres, turns,
    half lengths, half widths, levels; a star's three needles share its centre, turned 60
    degrees apart)."""
    area = (h + 20) * (w + 20)
    nc, ng = max(1, int(round(area * BB_CUBES))), max(1, int(round(area * BB_NEEDLES)))
    cc = np.stack([g.uniform(-10.0, w + 10.0, nc), g.uniform(-10.0, h + 10.0, nc)], axis=-1)
    cubes = (cc, g.uniform(0.0, 0.5 * np.pi, nc), 0.5 * g.uniform(*BB_SIDE, nc),
             g.uniform(*BB_CUBE_LEVEL, nc))
    gc = np.stack([g.uniform(-10.0, w + 10.0, ng), g.uniform(-10.0, h + 10.0, ng)], axis=-1)
    turn = g.uniform(0.0, np.pi, ng)
    star = g.random(ng) < BB_STARS
    arms = np.where(star, 3, 1)
    k = np.concatenate([np.arange(a) for a in arms])                 # the arm of its group
    grp = np.repeat(np.arange(ng), arms)
    n = len(grp)
    needles = (gc[grp], turn[grp] + k * np.pi / 3.0, 0.5 * g.uniform(*BB_LENGTH, n),
               g.uniform(*BB_HALF, n), g.uniform(*BB_NEEDLE_LEVEL, n))
    return cubes, needles


def _crystal_sd(dx, dy, turn, half, width=None):
    """The distance (px, negative inside) of points at offsets ``dx``, ``dy`` (n, k) from the
    crystals' centres: a square of half side ``half`` turned by ``turn``, or with ``width``
    a needle (a segment of half length ``half`` along ``turn``, grown by ``width``).  Exact
    inside and along the edges."""
    c, s = np.cos(turn)[:, None], np.sin(turn)[:, None]
    along, across = dx * c + dy * s, -dx * s + dy * c
    if width is None:
        return np.maximum(np.abs(along), np.abs(across)) - half[:, None]
    return np.hypot(along - np.clip(along, -half[:, None], half[:, None]), across) - width[:, None]


def _stamp(flat, h, w, centres, level, m, sd_of):
    """Draws crystals (centres (n, 2), levels (n)) on ``flat`` (h x w, raveled) at their
    level inside ``sd_of(dx, dy)``'s outline (antialiased over a px), the brightest where
    two meet, each on a box of half size ``m`` px round its centre."""
    oy, ox = np.mgrid[-m:m + 1, -m:m + 1].reshape(2, 1, -1)
    row = np.floor(centres[:, 1:2]).astype(np.int64) + oy
    col = np.floor(centres[:, 0:1]).astype(np.int64) + ox
    val = np.clip(0.5 - sd_of(col - centres[:, 0:1], row - centres[:, 1:2]), 0.0, 1.0)
    val = val * level[:, None]
    ok = (row >= 0) & (row < h) & (col >= 0) & (col < w) & (val > 0)
    np.maximum.at(flat, row[ok] * w + col[ok], val[ok])


def babbitt_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A babbitt bearing face: :func:`babbitt_crystals`' cuboids (about :data:`BB_CUBES` a
    px^2) and needles (groups about :data:`BB_NEEDLES` a px^2) drawn flat at their levels,
    the brightest where two meet, their edges blurred by :data:`BB_BLUR`, bright at weight
    :data:`BB_WEIGHT` on a faint grain (:data:`BB_GRAIN`) and mottle (:data:`BB_MOTTLE`) of
    the matrix.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    (cc, ct, chalf, clevel), (nc, nt, nhalf, nwidth, nlevel) = babbitt_crystals(g, h, w)
    flat = np.zeros(h * w)
    _stamp(flat, h, w, cc, clevel, int(np.ceil(0.5 * BB_SIDE[1] * np.sqrt(2.0))) + 1,
           lambda dx, dy: _crystal_sd(dx, dy, ct, chalf))
    _stamp(flat, h, w, nc, nlevel, int(np.ceil(0.5 * BB_LENGTH[1] + BB_HALF[1])) + 1,
           lambda dx, dy: _crystal_sd(dx, dy, nt, nhalf, nwidth))
    crystals = ndimage.gaussian_filter(flat.reshape(h, w), BB_BLUR)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), BB_GRAIN[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), BB_MOTTLE[1], mode="wrap")
    out = BB_WEIGHT * crystals + BB_GRAIN[0] * _unit(grain) + BB_MOTTLE[0] * _unit(mottle)
    return _unit(out)


#: the rack (x the smaller side): the bar's half length, the body's top (the teeth's roots)
#: and bottom (y, down from the image's centre), its bottom corners' radius; the teeth's
#: count, pitch, whole depth, their tips' width and the flanks' angle (degrees); the bolt
#: holes' x (either side), y and radius, the dowel hole's y and radius (at x 0)
RK_HALF, RK_ROOT, RK_BOTTOM, RK_CORNER = 0.44, -0.18, 0.24, 0.03
RK_TEETH, RK_PITCH, RK_DEPTH, RK_TIP, RK_FLANK = 8, 0.11, 0.079, 0.03, 20.0
RK_BOLT_X, RK_BOLT_Y, RK_BOLT, RK_DOWEL_Y, RK_DOWEL = 0.3, 0.05, 0.035, 0.1, 0.02


def _to_segment(px, py, ax, ay, bx, by):
    """The distance (px) of points ``px``, ``py`` to the segment from ``(ax, ay)`` to
    ``(bx, by)`` (scalars or arrays broadcasting with the points)."""
    dx, dy = bx - ax, by - ay
    f = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12),
                0.0, 1.0)
    return np.hypot(px - ax - f * dx, py - ay - f * dy)


def sd_rack(u, v, lay):
    """Signed distance (px, negative inside) to the rack's outline of ``lay`` (``"rack"``:
    the half length, the roots' and the bottom's y, the bottom corners' radius, the teeth's
    count, pitch, depth, tips' half width and flanks' angle in degrees): the body (a box, its
    bottom corners rounded) united with the teeth (trapezoids standing on its top, their
    tips ``depth`` above it).  Exact everywhere: the nearest of the outline's pieces (the
    body's ends, bottom and rounded corners, the top's stretches between the teeth's feet,
    the nearest tooth's flanks and tip), negative inside the body or a tooth."""
    half, root, bottom, rc, teeth, pitch, depth, tip, flank = lay["rack"]
    x, y = np.abs(np.asarray(u, float)), np.asarray(v, float)      # symmetric left to right
    top, foot = root - depth, tip + depth * np.tan(np.deg2rad(flank))
    centres = (np.arange(teeth) - 0.5 * (teeth - 1)) * pitch
    k = np.clip(np.round(np.asarray(u, float) / pitch + 0.5 * (teeth - 1)), 0, teeth - 1)
    tx = np.abs(np.asarray(u, float) - centres[k.astype(np.int64)])   # off the nearest tooth
    ca, sa = np.cos(np.deg2rad(flank)), np.sin(np.deg2rad(flank))
    in_tooth = np.maximum(np.maximum(top - y, y - root), (tx - tip) * ca - (y - top) * sa) < 0
    cy = bottom - rc
    corner = (x > half - rc) & (y > cy)
    in_body = (x <= half) & (y >= root) & (y <= bottom) & \
        ~(corner & (np.hypot(x - (half - rc), y - cy) > rc))
    # the top's stretches between the feet (right of the middle; the pieces mirror)
    right = centres[centres > 0]
    lo = np.concatenate([[0.0 if teeth % 2 == 0 else -1.0], right + foot])
    hi = np.concatenate([right - foot, [half]])
    lo, hi = lo[lo < hi], hi[lo < hi]
    gaps = _to_segment(x[..., None], y[..., None], np.maximum(lo, 0.0), root, hi, root)
    near = np.minimum.reduce([
        gaps.min(axis=-1),
        _to_segment(x, y, half, root, half, cy),                           # the end
        _to_segment(x, y, 0.0, bottom, half - rc, bottom),                 # the bottom
        np.where(corner, np.abs(np.hypot(x - (half - rc), y - cy) - rc), np.inf),
        _to_segment(tx, y, tip, top, foot, root),                          # a flank
        _to_segment(tx, y, 0.0, top, tip, top)])                           # a tip
    return np.where(in_body | in_tooth, -near, near)


def rack_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``rack`` layout in model pixels (origin at the image centre, y down): the rack of
    :func:`sd_rack` (``"rack"``: half length :data:`RK_HALF` s, roots at :data:`RK_ROOT` s,
    bottom :data:`RK_BOTTOM` s, bottom corners :data:`RK_CORNER` s, :data:`RK_TEETH` teeth of pitch
    :data:`RK_PITCH` s, depth :data:`RK_DEPTH` s, tips :data:`RK_TIP` s wide, flanks
    :data:`RK_FLANK` degrees; s the smaller side; ``"half"`` a box round it, where defects
    are placed from, ``"corner"`` 0), two bolt holes (:data:`RK_BOLT` s at +-:data:`RK_BOLT_X`
    s, :data:`RK_BOLT_Y` s) and a dowel hole (:data:`RK_DOWEL` s at 0, :data:`RK_DOWEL_Y` s;
    ``missing`` leaves out any of the three)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((side * RK_BOLT_X * s, RK_BOLT_Y * s), RK_BOLT * s) for side in (-1.0, 1.0)]
    holes.append(((0.0, RK_DOWEL_Y * s), RK_DOWEL * s))
    top = (RK_ROOT - RK_DEPTH) * s
    return dict(base, half=(RK_HALF * s, float(max(-top, RK_BOTTOM * s))), corner=0.0,
                rack=(RK_HALF * s, RK_ROOT * s, RK_BOTTOM * s, RK_CORNER * s, RK_TEETH,
                      RK_PITCH * s, RK_DEPTH * s, 0.5 * RK_TIP * s, RK_FLANK),
                holes=holes, slots=[])
