"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 32's pieces, keeping :mod:`metrology.synth._textures_more13` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``guilloche`` a rose-engine (guilloche) wave-cut face, as on an engine-turned cover or a watch
             plate (:func:`guilloche_texture`): fine V grooves side by side (pitch 3.5-5.5 px
             per part, the lay at a random angle), every groove swung sideways in one sine
             wave along the lay (amplitude 2-4 px, wavelength 20-40 px), the wave's phase
             advancing a little from groove to groove (the rosette's twist, so the crests
             slant across the lay), each groove a little deeper or shallower than the mean
             (0.85-1.15); a faint fine haze and a slow mottle.  The first texture of periodic
             grooves that wave: ``honed``'s, ``knurled``'s and ``lasercut``'s lines are
             straight, ``milled``'s and ``faced``'s arcs bend one way only, ``swirled``'s
             and ``wrinkled``'s curved marks have no common lay or pitch.

``bearingcap`` layout (:func:`bearingcap_layout`): a main bearing cap seen on its face: a
             tombstone outline (a flat base 0.88 x the smaller side wide, straight flanks up
             to the middle, a round arch of the half width over them; :func:`sd_bearingcap`,
             the plate's ``"cap"``) with the half-round bearing seat (radius 0.20) cut into
             the middle of its base, and a bolt hole in each foot beside the seat (either
             missable).  The first outline with one large concave seat in a straight edge
             under an arch: ``forkend``'s U slot has parallel sides, ``sprocket``'s seats
             are small and all round, ``strip``'s notch is a V; face about 0.62 of a
             256 x 256 image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the guilloche: the grooves' pitch (px), the wave's amplitude (px) and wavelength (px), the
#: wave's phase advance from groove to groove (radians), the grooves' depth spread (x the
#: mean), the haze's and the mottle's weights
GUIL_PITCH, GUIL_AMP, GUIL_WAVE, GUIL_TWIST = (3.5, 5.5), (2.0, 4.0), (20.0, 40.0), (0.0, 0.3)
GUIL_DEPTH, GUIL_HAZE, GUIL_MOTTLE = 0.15, 0.08, 0.05
#: per-part table of the grooves' depths, indexed by groove number modulo its size
_TABLE = 256


def guilloche_relief(xx, yy, pitch, ang, amp, wave, twist, depth):
    """The grooves' relief (0 at the ridges, down to about ``-1`` at a groove's bottom) at
    ``xx``, ``yy`` (px): with ``u`` along ``ang`` (radians) and ``v`` across, the groove
    coordinate ``t = (v + amp sin(2 pi u / wave + twist v / pitch)) / pitch``; a groove at
    each integer ``t`` (its number ``k``), a V of the pitch's width, ``1 - 2 |t - k|`` deep
    times its entry of ``depth`` (indexed by ``k`` modulo its size)."""
    ca, sa = np.cos(ang), np.sin(ang)
    u, v = xx * ca + yy * sa, -xx * sa + yy * ca
    t = (v + amp * np.sin(2.0 * np.pi * u / wave + twist * v / pitch)) / pitch
    k = np.floor(t + 0.5)
    return -depth[k.astype(np.int64) % depth.shape[0]] * (1.0 - 2.0 * np.abs(t - k))


def guilloche_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A rose-engine wave-cut face: :func:`guilloche_relief` (pitch in :data:`GUIL_PITCH`,
    the lay at a random angle and phase, amplitude :data:`GUIL_AMP`, wavelength
    :data:`GUIL_WAVE`, twist :data:`GUIL_TWIST`, depths 1 +- :data:`GUIL_DEPTH`) over a fine
    haze (sigma 0.6 px, :data:`GUIL_HAZE`) and a slow mottle (20 px, :data:`GUIL_MOTTLE`).
    Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    pitch, ang = g.uniform(*GUIL_PITCH), g.uniform(0.0, np.pi)
    amp, wave, twist = g.uniform(*GUIL_AMP), g.uniform(*GUIL_WAVE), g.uniform(*GUIL_TWIST)
    x0, y0 = g.uniform(0.0, wave), g.uniform(0.0, pitch)
    depth = 1.0 + g.uniform(-GUIL_DEPTH, GUIL_DEPTH, _TABLE)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    relief = guilloche_relief(xx - x0, yy - y0, pitch, ang, amp, wave, twist, depth)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 20.0, mode="wrap"))
    return _unit(_unit(relief) + GUIL_HAZE * haze + GUIL_MOTTLE * mottle)


#: the bearing cap (x the smaller side): the half width (the arch's radius), the base's
#: distance below the middle (the arch's centre), the seat's radius, the bolt holes' radius
#: and their centres' distance from the middle across and down
CAP_HALF, CAP_BASE, CAP_SEAT, CAP_HOLE, CAP_HOLE_X, CAP_HOLE_Y = \
    0.44, 0.44, 0.20, 0.045, 0.32, 0.27


def _arc_distance(x, y, cy, radius):
    """Distance from ``x >= 0``, ``y`` to the quarter circle of ``radius`` about ``(0, cy)``
    above its centre (``y <= cy``, ``x >= 0``): to the circle where the point lies above the
    centre (its nearest circle point is then on the quarter), else to its end
    ``(radius, cy)``."""
    ring = np.abs(np.hypot(x, y - cy) - radius)
    return np.where(y <= cy, ring, np.hypot(x - radius, y - cy))


def sd_bearingcap(u, v, lay):
    """Signed distance (px, negative inside) to the bearing cap's outline of ``lay``
    (``"cap"``: the half width ``a``, the base's ``y`` ``b`` (px, y down) and the seat's
    radius ``r``): the arch (a half circle of radius ``a`` about the middle, above it), the
    flanks (``x = +-a`` from the middle down to the base), the base (``y = b``, from the
    seat's edge to the flanks) and the seat (a half circle of radius ``r`` about ``(0, b)``,
    above it).  The least distance to these four pieces, exact in and out, its sign by
    whether the point lies in the tombstone and out of the seat."""
    a, b, r = lay["cap"]
    x, y = np.abs(u), v
    arch = _arc_distance(x, y, 0.0, a)
    flank = np.hypot(x - a, y - np.clip(y, 0.0, b))
    base = np.hypot(x - np.clip(x, r, a), y - b)
    seat = _arc_distance(x, y, b, r)
    dist = np.minimum(np.minimum(arch, flank), np.minimum(base, seat))
    inside = (y <= b) & (x <= a) & ((y >= 0.0) | (np.hypot(x, y) <= a)) & \
        (np.hypot(x, y - b) >= r)
    return np.where(inside, -dist, dist)


def bearingcap_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``bearingcap`` layout in model pixels (origin at the image centre, y down): the cap
    of :func:`sd_bearingcap` (``"cap"``: the half width :data:`CAP_HALF`, the base
    :data:`CAP_BASE` below the middle, the seat :data:`CAP_SEAT`, all x the smaller side
    ``s``; ``"half"`` its bounding box, where defects are placed from, ``"corner"`` 0: the
    base's corners are sharp) and a bolt hole of :data:`CAP_HOLE` s in each foot, at
    +-:data:`CAP_HOLE_X` s across and :data:`CAP_HOLE_Y` s down (``missing`` leaves out
    either).  Its face (less the seat and the holes) is about 0.62 of a square image, 15 px
    inside its border at 256 px."""
    h, w = shape
    s = float(min(h, w))
    holes = [((float(sg * CAP_HOLE_X * s), float(CAP_HOLE_Y * s)), CAP_HOLE * s)
             for sg in (-1.0, 1.0)]
    return dict(base, half=(CAP_HALF * s, CAP_HALF * s), corner=0.0,
                cap=(CAP_HALF * s, CAP_BASE * s, CAP_SEAT * s), holes=holes, slots=[])
