"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 44's and 45's pieces, keeping :mod:`metrology.synth._textures_more23` and
``surfaces`` small; registered through :mod:`metrology.synth._textures_more`'s
``MORE_TEXTURES`` and ``MORE_LAYOUTS``, reached through
:func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``torn``     a finish-turned face of a gummy metal (a low-carbon or an austenitic stainless
             steel, a soft aluminium cut with a worn or a too-slow tool) torn by a built-up
             edge (:func:`torn_texture`): the turning lay, fine straight feed marks (a
             periodic profile, pitch 2.8-4.2 px, at any angle) under fine streaks along the
             lay, interrupted where the built-up edge broke away and tore metal out of the face
             ahead of the tool: dark tear pockets (:func:`tear_pockets`), each a scoop behind
             a sharp torn step across the cut, deepest at the step and shallowing to the face
             behind it (4-11 px long, its outline a parabola 3-7 px wide at the step), all
             their steps facing the same way (the cutting direction, along the lay, +-12
             degrees), about one per 480 px^2.  Its levels are moderately one-sided: sparse
             dark pockets over a lay that spreads both ways.  The first texture of dark marks
             with a sharp edge on one side, all facing one way: ``tumbled``'s comets point at
             every angle, ``freemachining``'s lenses and ``peenground``'s pits are symmetric,
             ``faced``'s pores round.

``tensile``  layout (:func:`tensile_layout`): a pin-loaded flat tensile test coupon (as cut
             from plate for a tensile test): two wide grip ends (0.62 x the smaller side
             high, 0.2 long) joined by a straight parallel gauge section (0.4 high, 0.5 long),
             the shoulders square steps with the gauge's corners filleted (0.08) and the outer
             corners rounded (0.02 and 0.015) (:func:`sd_tensile`, the plate's
             ``"tensile"``, a :func:`sd_round_polygon`); a pin hole (0.06) in the middle of
             each grip (either missable).  The first outline of two wide ends joined by a
             long straight neck at square filleted shoulders: ``link``'s waist is two
             concave arcs between round lobes, ``cruciform``'s and ``tnut``'s fillets join
             arms of one width.

``superfinished`` a superfinished (microfinished) face, as on a bearing's race or a
             crankshaft's journal (:func:`superfinished_texture`): the stone, oscillating
             across the lay while the part turns under it, draws every grit along a sine
             (wavelength 24-44 px, its amplitude swinging the path 18-30 degrees either side
             of the lay at its steepest, one per part); the grits' paths (about one per px
             across the lay, most across the whole face, a third 20-80 % of it, their ends
             tapered) are fine grooves or burrs of random depth (sigma 0.45-0.8 px), each
             at its own phase, so that they cross one another at every angle up to twice the
             swing, over a fine haze and a faint mottle.  Its levels spread both ways.  The
             first texture of curved scratches of one wavelength at random phases:
             ``honed``'s cross-hatch is two families of straight grooves at one angle,
             ``guilloche``'s waves are periodic grooves side by side at nearly one phase,
             ``ground``'s and ``brushed``'s lines are straight, ``lapped``'s and
             ``swirled``'s arcs have no lay.

``ecore``    layout (:func:`ecore_layout`): a transformer's E core lamination (punched from
             electrical steel sheet) lying flat, its legs to the right: a yoke (0.28 x the
             smaller side wide, 0.88 high) and three legs (0.42 long; the middle one 0.32
             wide, the outer ones 0.15) with two windows between them (0.13 wide) open at
             the right, the window's inner corners filleted (0.02) and the outer corners
             rounded (0.02, the legs' tips 0.012) (:func:`sd_ecore`, the plate's
             ``"ecore"``, a :func:`sd_round_polygon`); four bolt holes (0.03) at the core's
             corners, two in the yoke and one near each outer leg's tip (any missable).  The
             first outline of three parallel legs, two slots open on one side: ``forkend``
             has one slot and two tines, ``rack`` short teeth.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more23 import _to_segment

#: the turning lay: the feed's pitch (px), the feed marks' weight, the streaks' weight and
#: their sigma along and across the lay (px); the tears: their density (per px^2), length
#: behind the step (px), half width at the step (px), depth, the scatter of their axes about
#: the lay (degrees) and the step's softness (px); the tears' weight and blur (px), the grain
#: (weight, blur px)
TN_PITCH, TN_FEED, TN_STREAK, TN_STREAK_SIGMA = (2.8, 4.2), 0.6, 0.8, (8.0, 0.6)
TN_DENSITY, TN_LENGTH, TN_HALF, TN_DEPTH = 1.0 / 480.0, (4.0, 11.0), (1.5, 3.5), (0.6, 1.0)
TN_SCATTER, TN_SOFT = 12.0, 0.5
TN_WEIGHT, TN_BLUR, TN_GRAIN = 9.0, 0.4, (0.3, 0.6)


def tear_pockets(g, h, w, lay):
    """The tear pockets of an ``h`` x ``w`` face (centres of their steps anywhere on it and
    12 px beyond) torn along the cutting direction ``lay`` (radians): their steps' centres
    (n, 2: x, y), the directions their scoops run behind the steps (radians: ``lay`` +-
    :data:`TN_SCATTER`, all on one side), their lengths, half widths and depths."""
    n = max(1, int(round((h + 24) * (w + 24) * TN_DENSITY)))
    centres = np.stack([g.uniform(-12.0, w + 12.0, n), g.uniform(-12.0, h + 12.0, n)], axis=-1)
    axis = lay + np.deg2rad(g.uniform(-TN_SCATTER, TN_SCATTER, n))
    return (centres, axis, g.uniform(*TN_LENGTH, n), g.uniform(*TN_HALF, n),
            g.uniform(*TN_DEPTH, n))


def pocket_depth(a, b, length, half):
    """A tear pocket's depth (0 to 1) at ``a`` px behind its step (along its axis) and ``b``
    across it (arrays (n, k); ``length``, ``half`` (n)): ``1 - a / length - (b / half)^2``
    behind the step (deepest there, its outline the parabola where that is 0), cut off
    sharply in front of it (softened over :data:`TN_SOFT` px)."""
    inside = 1.0 - a / length[:, None] - (b / half[:, None]) ** 2
    return np.clip(inside, 0.0, 1.0) * np.clip(0.5 + a / TN_SOFT, 0.0, 1.0)


def torn_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A turned face torn by a built-up edge: the feed marks (a sine across the lay, pitch in
    :data:`TN_PITCH`, weight :data:`TN_FEED`) and fine streaks along it (white noise filtered
    by a Gaussian of sigma :data:`TN_STREAK_SIGMA` along and across, weight
    :data:`TN_STREAK`), the lay at any angle, less :func:`tear_pockets` (about
    :data:`TN_DENSITY` a px^2, :func:`pocket_depth` each, the deepest where two meet,
    blurred by :data:`TN_BLUR`, weight :data:`TN_WEIGHT`), over a fine grain
    (:data:`TN_GRAIN`).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    cut = lay + np.pi * (g.random() < 0.5)                  # the cutting direction's sign
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(lay) + yy * np.cos(lay)
    feed = np.sin(2.0 * np.pi * across / g.uniform(*TN_PITCH) + g.uniform(0.0, 2.0 * np.pi))
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    fa, fb = fx * np.cos(lay) + fy * np.sin(lay), -fx * np.sin(lay) + fy * np.cos(lay)
    sa, sb = TN_STREAK_SIGMA
    filt = np.exp(-2.0 * np.pi ** 2 * (sa * sa * fa * fa + sb * sb * fb * fb))
    streaks = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * filt, s=(h, w))
    centres, axis, length, half, depth = tear_pockets(g, h, w, cut)
    m = int(np.ceil(TN_LENGTH[1])) + 1
    oy, ox = np.mgrid[-m:m + 1, -m:m + 1].reshape(2, 1, -1)
    row = np.floor(centres[:, 1:2]).astype(np.int64) + oy
    col = np.floor(centres[:, 0:1]).astype(np.int64) + ox
    dx, dy = col - centres[:, 0:1], row - centres[:, 1:2]
    c, s = np.cos(axis)[:, None], np.sin(axis)[:, None]
    val = pocket_depth(dx * c + dy * s, -dx * s + dy * c, length, half) * depth[:, None]
    ok = (row >= 0) & (row < h) & (col >= 0) & (col < w) & (val > 0)
    flat = np.zeros(h * w)
    np.maximum.at(flat, row[ok] * w + col[ok], val[ok])
    tears = ndimage.gaussian_filter(flat.reshape(h, w), TN_BLUR)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), TN_GRAIN[1], mode="wrap")
    out = TN_FEED * _unit(feed) + TN_STREAK * _unit(streaks) - TN_WEIGHT * tears + \
        TN_GRAIN[0] * _unit(grain)
    return _unit(out)


#: the grits' paths: how many per px across the lay, the sine's wavelength (px) and its
#: steepest swing off the lay (degrees), the share drawn across the whole face and the others'
#: length (x the canvas), the share of grooves (the others burrs), the depths, the widths
#: (sigma px, one of them a path); the haze (weight, blur px) and mottle (weight, blur px);
#: the paths' sampling step along the lay (px: 0.87 px along a path at its steepest)
SF_DENSITY, SF_WAVE, SF_SWING, SF_FULL, SF_PART = 1.0, (24.0, 44.0), (18.0, 30.0), 2 / 3, (0.2, 0.8)
SF_GROOVES, SF_DEPTH, SF_WIDTHS = 0.5, (0.3, 1.0), (0.45, 0.6, 0.8)
SF_HAZE, SF_MOTTLE, SF_STEP = (0.3, 0.6), (0.12, 16.0), 0.75


def grit_paths(g, d):
    """The grits' sine paths on a ``d`` x ``d`` canvas in the lay's frame (u along the lay, v
    across it, both from the canvas's centre): the wavelength and amplitude (px, one a part)
    and for each path its v at the middle, its phase, its first and last u, its depth
    (negative: a groove) and its width's bin in :data:`SF_WIDTHS`."""
    wave = g.uniform(*SF_WAVE)
    amp = wave * np.tan(np.deg2rad(g.uniform(*SF_SWING))) / (2.0 * np.pi)
    n = max(2, int(round(SF_DENSITY * d)))
    v0 = g.uniform(-0.5 * d - amp, 0.5 * d + amp, n)
    phase = g.uniform(0.0, 2.0 * np.pi, n)
    full = g.random(n) < SF_FULL
    length = np.where(full, 2.0 * d, g.uniform(*SF_PART, n) * d)
    u0 = np.where(full, -d, g.uniform(-0.6 * d, 0.6 * d, n) - 0.5 * length)
    depth = g.uniform(*SF_DEPTH, n) * np.where(g.random(n) < SF_GROOVES, -1.0, 1.0)
    return wave, amp, v0, phase, u0, u0 + length, depth, g.integers(0, len(SF_WIDTHS), n)


def superfinished_texture(shape: tuple[int, int], *, rng: Any = None,
                          lay_deg: float | None = None) -> np.ndarray:
    """A superfinished face: :func:`grit_paths` (about :data:`SF_DENSITY` a px across the lay,
    the lay at any angle) sampled every :data:`SF_STEP` px along the lay, tapered over 6 px at their
    ends, turned onto the image and splatted at their depths, each bin blurred by its width
    (:data:`SF_WIDTHS`), over a fine haze (:data:`SF_HAZE`) and a faint mottle
    (:data:`SF_MOTTLE`).  The lay is uniform in 0-180 degrees (x towards y) unless ``lay_deg``
    fixes it (the draws alike).  Zero mean, unit standard deviation, per part."""
    from ._textures_more20 import splat
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    lay = lay if lay_deg is None else np.deg2rad(float(lay_deg))
    d = float(np.ceil(np.hypot(h, w))) + 4.0
    wave, amp, v0, phase, u0, u1, depth, wb = grit_paths(g, d)
    u = np.arange(-0.5 * d, 0.5 * d + 0.25, SF_STEP)[None, :]
    taper = np.clip(np.minimum(u - u0[:, None], u1[:, None] - u) / 6.0, 0.0, 1.0)
    v = v0[:, None] + amp * np.sin(2.0 * np.pi * u / wave + phase[:, None])
    ca, sa = np.cos(lay), np.sin(lay)
    x = 0.5 * (w - 1) + u * ca - v * sa
    y = 0.5 * (h - 1) + u * sa + v * ca
    keep = (taper > 0) & (x > -2.0) & (x < w + 1.0) & (y > -2.0) & (y < h + 1.0)
    wbin = np.broadcast_to(wb[:, None], keep.shape)[keep]
    paths = splat(h, w, x[keep], y[keep], (depth[:, None] * taper)[keep], wbin, SF_WIDTHS)
    haze = ndimage.gaussian_filter(g.standard_normal((h, w)), SF_HAZE[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), SF_MOTTLE[1], mode="wrap")
    return _unit(_unit(paths) + SF_HAZE[0] * _unit(haze) + SF_MOTTLE[0] * _unit(mottle))


def sd_round_polygon(u, v, verts, radii):
    """Signed distance (px, negative inside) to a simple polygon (``verts`` (n, 2), either
    turn) whose corner ``i`` is rounded to ``radii[i]`` (0: sharp): a convex corner cut by an
    arc, a re-entrant one filled by a fillet, each tangent to its two edges (the radii small
    enough that the tangent points of one edge do not pass each other).  Exact everywhere:
    the nearest of the edges (trimmed at their tangent points) and the arcs (where a point
    lies in the arc's sector), negative inside the sharp polygon less the convex corners'
    caps and with the fillets' pieces."""
    x, y = np.asarray(u, float), np.asarray(v, float)
    p = np.asarray(verts, float)
    r = np.asarray(radii, float)
    n = len(p)
    e_out = np.roll(p, -1, axis=0) - p
    e_out /= np.linalg.norm(e_out, axis=1, keepdims=True)
    e_in = np.roll(e_out, 1, axis=0)
    area = np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
    convex = np.sign(e_in[:, 0] * e_out[:, 1] - e_in[:, 1] * e_out[:, 0]) == np.sign(area)
    alpha = np.arccos(np.clip(np.sum(-e_in * e_out, axis=1), -1.0, 1.0))   # the corner's angle
    tang = r / np.tan(0.5 * alpha)
    inside = np.zeros(x.shape, bool)
    near = np.full(x.shape, np.inf)
    for i in range(n):                                # the edges, trimmed; the crossing test
        j = (i + 1) % n
        a, b = p[i] + e_out[i] * tang[i], p[j] - e_out[i] * tang[j]
        near = np.minimum(near, _to_segment(x, y, a[0], a[1], b[0], b[1]))
        (ax, ay), (bx, by) = p[i], p[j]
        if ay != by:
            inside ^= ((ay > y) != (by > y)) & (x < ax + (y - ay) * (bx - ax) / (by - ay))
    for i in np.nonzero(r > 0)[0]:                    # the arcs and their caps
        bis = -e_in[i] + e_out[i]
        bis /= np.linalg.norm(bis)
        reach = r[i] / np.sin(0.5 * alpha[i])
        cx, cy = p[i] + bis * reach
        dist = np.hypot(x - cx, y - cy)
        towards = ((x - cx) * -bis[0] + (y - cy) * -bis[1])
        sector = towards >= dist * np.cos(0.5 * (np.pi - alpha[i])) - 1e-12
        near = np.where(sector, np.minimum(near, np.abs(dist - r[i])), near)
        cap = sector & (dist > r[i]) & (dist <= reach + 1e-9)
        inside = inside & ~cap if convex[i] else inside | cap
    return np.where(inside, -near, near)


#: the tensile coupon (x the smaller side): its half length, the grips' half height, the
#: gauge's half height, the shoulders' x; the fillets' radius, the shoulders' outer corners'
#: and the ends' corners' radii; the pin holes' radius (at the grips' middles)
TS_HALF, TS_GRIP, TS_GAUGE, TS_SHOULDER = 0.45, 0.31, 0.2, 0.25
TS_FILLET, TS_STEP, TS_END, TS_PIN = 0.08, 0.015, 0.02, 0.06


def sd_tensile(u, v, lay):
    """Signed distance (px, negative inside) to the tensile coupon's outline of ``lay``
    (``"tensile"``: its corners and their radii, px): a :func:`sd_round_polygon`."""
    return sd_round_polygon(u, v, *lay["tensile"])


def tensile_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``tensile`` layout in model pixels (origin at the image centre, y down): the coupon
    of :func:`sd_tensile` (half length :data:`TS_HALF` s, grips :data:`TS_GRIP` s and gauge
    :data:`TS_GAUGE` s half high, shoulders at +-:data:`TS_SHOULDER` s, the gauge's corners
    filleted to :data:`TS_FILLET` s, the shoulders' outer corners rounded to :data:`TS_STEP`
    s and the ends' to :data:`TS_END` s; s the smaller side; ``"half"`` its box, where
    defects are placed from, ``"corner"`` 0), a pin hole of :data:`TS_PIN` s in the middle
    of each grip (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    x, gh, gg, xs = TS_HALF * s, TS_GRIP * s, TS_GAUGE * s, TS_SHOULDER * s
    top = [(-x, -gh), (-xs, -gh), (-xs, -gg), (xs, -gg), (xs, -gh), (x, -gh)]
    verts = tuple(top + [(px, -py) for px, py in top[::-1]])
    half_r = (TS_END * s, TS_STEP * s, TS_FILLET * s, TS_FILLET * s, TS_STEP * s, TS_END * s)
    holes = [((side * 0.5 * (x + xs), 0.0), TS_PIN * s) for side in (-1.0, 1.0)]
    return dict(base, half=(x, gh), corner=0.0, tensile=(verts, half_r + half_r[::-1]),
                holes=holes, slots=[])


#: the E core (x the smaller side): the yoke's outer edge and the legs' tips (x), the yoke's
#: inner edge (the windows' bottoms), the outer legs' outer and inner edges and the middle
#: leg's half width (y); the windows' fillets, the outer corners' and the tips' radii; the
#: bolt holes' radius, their x in the yoke and near the tips and their y
EC_BACK, EC_TIP, EC_YOKE, EC_OUTER, EC_INNER, EC_MIDDLE = -0.35, 0.35, -0.07, 0.44, 0.29, 0.16
EC_FILLET, EC_CORNER, EC_TIPR = 0.02, 0.02, 0.012
EC_BOLT, EC_BOLT_X, EC_BOLT_Y = 0.03, (-0.265, 0.255), 0.365


def sd_ecore(u, v, lay):
    """Signed distance (px, negative inside) to the E core's outline of ``lay`` (``"ecore"``:
    its corners and their radii, px): a :func:`sd_round_polygon`."""
    return sd_round_polygon(u, v, *lay["ecore"])


def ecore_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``ecore`` layout in model pixels (origin at the image centre, y down): the E of
    :func:`sd_ecore` (the yoke from :data:`EC_BACK` s to :data:`EC_YOKE` s, the legs to
    :data:`EC_TIP` s; the outer legs between +-:data:`EC_INNER` s and +-:data:`EC_OUTER` s,
    the middle one +-:data:`EC_MIDDLE` s; the windows' inner corners filleted to
    :data:`EC_FILLET` s, the yoke's corners rounded to :data:`EC_CORNER` s and the tips' to
    :data:`EC_TIPR` s; s the smaller side; ``"half"`` its box, ``"corner"`` 0) and four bolt
    holes of :data:`EC_BOLT` s at the core's corners (x :data:`EC_BOLT_X` s, y
    +-:data:`EC_BOLT_Y` s; ``missing`` leaves out any)."""
    h, w = shape
    s = float(min(h, w))
    back, tip, yoke = EC_BACK * s, EC_TIP * s, EC_YOKE * s
    outer, inner, mid = EC_OUTER * s, EC_INNER * s, EC_MIDDLE * s
    verts = ((back, -outer), (tip, -outer), (tip, -inner), (yoke, -inner), (yoke, -mid),
             (tip, -mid), (tip, mid), (yoke, mid), (yoke, inner), (tip, inner), (tip, outer),
             (back, outer))
    c, t, f = EC_CORNER * s, EC_TIPR * s, EC_FILLET * s
    radii = (c, t, t, f, f, t, t, f, f, t, t, c)
    holes = [((bx * s, side * EC_BOLT_Y * s), EC_BOLT * s) for bx in EC_BOLT_X
             for side in (-1.0, 1.0)]
    return dict(base, half=(max(-back, tip), outer), corner=0.0, ecore=(verts, radii),
                holes=holes, slots=[])
