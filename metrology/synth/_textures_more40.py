"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 59's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``chromeplate`` a bright decorative chrome-plated face (nickel-chrome on a buffed base, as on
             a tap's body, a bathroom fitting or a motorcycle's lever) (:func:`chromeplate_texture`):
             nearly smooth; **a strong smooth reflection of the surroundings**
             (:func:`reflection_bands`: broad bright and dark bands across the part, a 1-D
             smoothed noise of sigma 20-60 px along a direction drawn per part, gently bent by
             a slow warp, as the room's windows and walls are mirrored by a curved face), which
             holds nearly all of the texture's variance at low frequency; faint curved
             polishing swirls (:func:`polish_swirls`: arcs round random centres, radius of
             curvature 30-120 px, 20-70 px long, 0.5-0.8 px wide, of either sign, at half
             the reflection's spread), the buffing wheel's marks through the plate; a fine
             plating haze (sigma 1 px); sparse micro-pits (dark points 0.5-1 px across,
             0.5-1.5 per 1000 px^2, where the plate did not cover a pore).  The part's angle
             is not taken (the bands' direction is drawn per part).  The reflection is the
             largest piece but 0.41 of the variance (the haze 0.49, the swirls 0.10): a
             rendered contrast of 5 gray levels as ``texture_sigma`` reads it (8 px shading
             off) needs the fine detail that strong (5.2-5.4 seen; with the reflection at
             0.85 of the variance, 3.0); the face signal's skewness -0.05 to 0.04 (seeds
             0-7).
             Unlike ``electropolished`` (a mosaic of levelled grains seen by thin dark grooves
             on their boundaries, no reflection), ``lapped`` (swirl arcs dense and dominant,
             over a haze and a weak mottle), ``superfinished`` (a fine straight cross lay of
             the stone's strokes), ``swirled`` (overlapping spiral swirl marks of a random
             orbit, the swirls the texture) and ``satin`` (a brushed lay of fine parallel
             streaks, dulled): a mirror whose variance is a slow reflection, its fine detail
             faint, curved and sparse.

``slottedarm`` layout (:func:`slottedarm_layout`): an adjusting arm (a belt tensioner's or an
             alternator's adjusting link) seen face on: a long bar (a capsule, 0.26 x the
             smaller side wide, rounded at its far end) with a round boss at its other end (a
             circle of radius 0.18 centred on the bar's axis, merged with it) holding the pivot
             hole, and a long straight adjustment slot along the bar's axis in the bar's other
             half (rounded ends); the whole 0.82 long (:func:`sd_slottedarm`, the plate's
             ``"arm"``: exact everywhere, its distance the nearest of the boss's arc outside
             the bar, the bar's two edges outside the boss and its far end's half circle).
             Both features missable.  Wider than the brief's 0.22 / 0.16: at 96 px a defect
             needs a point 12 px inside the outline and 10 px off the features, and a bar of
             0.22 (10.6 px either side of its axis) has none.  The first long single bar with
             a boss at one end and a slot along its axis (``lever`` is a tapering arm with
             holes at either end, ``link`` a figure-eight, ``bellcrank`` an L of two arms,
             ``rail`` a rectangle with parallel slots).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more20 import splat
from ._textures_more23 import _to_segment
from ._textures_more37 import _arc_distance

#: the reflection: the bands' sigma (px, drawn per part), the warp bending them (its sigma,
#: px, and its reach, px)
CP_BAND_SIGMA, CP_WARP_SIGMA, CP_WARP = (20.0, 60.0), 40.0, 8.0
#: the swirls: arcs per 1000 px^2, their radius of curvature and length (px), their widths
#: (Gaussian sigma, px), their weight (x the reflection's spread); the haze's weight and
#: sigma (px); the micro-pits: how many a 1000 px^2, their sigma (px) and depth (x the reflection's spread)
CP_SWIRLS, CP_BEND, CP_LEN, CP_WIDTHS, CP_SWIRL = 1.2, (30.0, 120.0), (20.0, 70.0), \
    (0.5, 0.8), 0.5
CP_HAZE, CP_HAZE_SIGMA = 1.1, 1.0
CP_PITS, CP_PIT_SIGMA, CP_PIT = (0.5, 1.5), (0.35, 0.5), (1.5, 2.5)


def reflection_bands(g, h, w):
    """The mirrored surroundings (``h`` x ``w``, zero mean, unit spread): a 1-D white noise
    along the bands' normal (a direction drawn per part over 0-180 degrees) blurred by a
    Gaussian of :data:`CP_BAND_SIGMA` px (drawn per part), read at each pixel's distance
    along the normal shifted by a slow warp (a Gaussian-blurred noise of
    :data:`CP_WARP_SIGMA` px, :data:`CP_WARP` px at one spread): broad bands, gently bent."""
    from .surfaces import _unit

    ang, sigma = g.uniform(0.0, np.pi), g.uniform(*CP_BAND_SIGMA)
    pad = int(np.ceil(4.0 * CP_BAND_SIGMA[1] + 4.0 * CP_WARP))
    half = 0.5 * float(np.hypot(h, w))
    n = int(np.ceil(2.0 * half)) + 2 * pad
    line = ndimage.gaussian_filter1d(g.standard_normal(n), sigma, mode="wrap")
    warp = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), CP_WARP_SIGMA, mode="wrap"))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    t = (xx - 0.5 * w) * np.cos(ang) + (yy - 0.5 * h) * np.sin(ang) + CP_WARP * warp
    return _unit(np.interp(t + half + pad, np.arange(n, dtype=float), line))


def polish_swirls(g, h, w):
    """The buffing swirls (``h`` x ``w``): :data:`CP_SWIRLS` arcs a 1000 px^2 (over the image
    and 30 px beyond it), each round a centre of its own (a radius of curvature in
    :data:`CP_BEND` px, bowed either way, at any heading), :data:`CP_LEN` px long, tapered at
    both ends, of either sign, sampled 0.5 px apart and splatted, each of one of
    :data:`CP_WIDTHS` (Gaussian sigma, px)."""
    n = max(1, int(round(CP_SWIRLS * (h + 60) * (w + 60) / 1000.0)))
    cx, cy = g.uniform(-30.0, w + 30.0, n), g.uniform(-30.0, h + 30.0, n)
    head = g.uniform(0.0, 2.0 * np.pi, n)
    k = g.choice([-1.0, 1.0], n) / g.uniform(*CP_BEND, n)
    length = g.uniform(*CP_LEN, n)
    amp = g.choice([-1.0, 1.0], n) * g.uniform(0.5, 1.0, n)
    wbin = g.integers(0, len(CP_WIDTHS), n)
    s = np.arange(-0.5 * CP_LEN[1], 0.5 * CP_LEN[1] + 0.25, 0.5)[None, :]
    keep = np.abs(s) <= length[:, None] / 2.0
    th = head[:, None] + k[:, None] * s
    x = cx[:, None] + (np.sin(th) - np.sin(head)[:, None]) / k[:, None]
    y = cy[:, None] - (np.cos(th) - np.cos(head)[:, None]) / k[:, None]
    a = amp[:, None] * np.sqrt(np.cos(np.pi * np.clip(s / length[:, None], -0.5, 0.5)))
    wb = np.broadcast_to(wbin[:, None], keep.shape)
    return splat(h, w, x[keep], y[keep], a[keep], wb[keep], CP_WIDTHS)


def chromeplate_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A bright chrome-plated face: :func:`reflection_bands` (unit spread), plus
    :data:`CP_SWIRL` x :func:`polish_swirls` (unit spread), :data:`CP_HAZE` x a fine haze
    (sigma :data:`CP_HAZE_SIGMA` px), less the micro-pits (:data:`CP_PITS` a 1000 px^2, Gaussian dips of
    :data:`CP_PIT_SIGMA` px, :data:`CP_PIT` deep).  The part's angle is not taken.  Zero
    mean, unit standard deviation, per part."""
    from ._textures_more8 import _pit_field
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    face = reflection_bands(g, h, w)
    face = face + CP_SWIRL * _unit(polish_swirls(g, h, w))
    haze = ndimage.gaussian_filter(g.standard_normal((h, w)), CP_HAZE_SIGMA, mode="wrap")
    face = face + CP_HAZE * _unit(haze)
    n = int(g.poisson(g.uniform(*CP_PITS) * h * w / 1000.0))
    ys, xs = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    face = face - _pit_field(h, w, xs, ys, g.uniform(*CP_PIT_SIGMA, n), g.uniform(*CP_PIT, n))
    return _unit(face)


#: the arm (x the smaller side): its length end to end, the bar's half width, the boss's
#: radius (its centre on the bar's axis, the bar's near end); the pivot hole's radius; the
#: slot's half width (radius), its half length between its ends' centres and its centre's
#: place along the axis from the arm's middle
SA_LENGTH, SA_BAR, SA_BOSS, SA_PIVOT = 0.84, 0.16, 0.19, 0.04
SA_SLOT, SA_SLOT_HALF, SA_SLOT_AT = 0.03, 0.08, 0.25


def arm_geometry(s):
    """The arm's boss centre x, the bar's far end's centre x (its axis along y = 0, the
    whole centred on the origin), the bar's half width and the boss's radius, px, for the
    smaller side ``s``."""
    boss, bar = SA_BOSS * s, SA_BAR * s
    left = -0.5 * SA_LENGTH * s + boss
    right = 0.5 * SA_LENGTH * s - bar
    return left, right, bar, boss


def sd_slottedarm(u, v, lay):
    """Signed distance (px, negative inside) to the adjusting arm's outline of ``lay``
    (``"arm"``: the boss's centre x, the bar's far end's centre x, the bar's half width and
    the boss's radius, px; the axis along y = 0): inside where within the boss's circle or
    the bar's capsule; the distance the nearest of the union's boundary's pieces: the
    boss's arc outside the bar (the circle less the part of it right of the centre within
    the bar's half width), the bar's two straight edges from where they leave the boss to
    the far end, and the far end's half circle.  Exact everywhere (the concave corners where
    the edges meet the boss are the pieces' ends)."""
    left, right, bar, boss = lay["arm"]
    u, v = np.asarray(u, float), np.asarray(v, float)
    phi = float(np.arcsin(bar / boss))
    dist = _arc_distance(u, v, (left, 0.0, boss, phi, 2.0 * np.pi - 2.0 * phi))
    x0 = left + float(np.sqrt(boss * boss - bar * bar))
    for y in (-bar, bar):
        dist = np.minimum(dist, _to_segment(u, v, x0, y, right, y))
    cap = np.where(u >= right, np.abs(np.hypot(u - right, v) - bar), np.inf)
    dist = np.minimum(dist, cap)
    inside = (np.hypot(u - left, v) < boss) | (_to_segment(u, v, left, 0.0, right, 0.0) < bar)
    return np.where(inside, -dist, dist)


def slottedarm_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``slottedarm`` layout in model pixels (origin at the image centre, y down): the
    arm of :func:`sd_slottedarm` (:data:`SA_LENGTH` x the smaller side ``s`` end to end, the
    bar :data:`SA_BAR` s either side of its axis, the boss :data:`SA_BOSS` s at the left
    end; :func:`arm_geometry`; ``"half"`` its bounding box, where defects are placed from,
    ``"corner"`` 0), the pivot hole (:data:`SA_PIVOT` s) at the boss's centre and the
    adjustment slot (half width :data:`SA_SLOT` s, half length :data:`SA_SLOT_HALF` s)
    along the axis :data:`SA_SLOT_AT` s right of the middle; ``missing`` leaves out
    either."""
    h, w = shape
    s = float(min(h, w))
    left, right, bar, boss = arm_geometry(s)
    return dict(base, half=(0.5 * SA_LENGTH * s, boss), corner=0.0,
                arm=(left, right, bar, boss), holes=[((left, 0.0), SA_PIVOT * s)],
                slots=[((SA_SLOT_AT * s, 0.0), SA_SLOT_HALF * s, SA_SLOT * s, 0.0)])
