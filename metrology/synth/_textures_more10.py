"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 28's pieces, keeping :mod:`metrology.synth._textures_more9` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``luders``   stretcher-strained (Lueders-banded) mild-steel sheet (:func:`luders_texture`): a
             cold-rolled base of faint roll streaks along the rolling (pulling) direction over
             a fine grain, crossed by Lueders bands, the strips that yielded when the annealed
             sheet was stretched: bands 4-11 px wide, 50-56 degrees off the streaks, 10-32
             px apart in one family (a sparse second family mirrored across the streaks in
             about half the parts), their fronts wavy, each band slightly sunk and matte (a
             rougher grain: about 1.7 times the base's spread).  The first texture of patches of a
             changed roughness: the others vary their relief, not their roughness, from place
             to place (``honed``'s cross-hatch is of fine grooves, not of bands of texture).

``endshield`` layout (:func:`endshield_layout`): a motor end shield (end bell) seen end on: a
             round plate (radius 0.47 x the smaller side) with three kidney-shaped cooling
             windows (0.12-0.2 x the side from the centre) between three straight radial
             ribs of one width (0.12 x the side, their sides parallel, not radial), the
             windows' corners filleted (:func:`sd_endshield`, the plate's ``"spokes"``); a
             counterbored bearing seat in the middle (a bore in a flat ring, never missing)
             and three bolt holes in the rim, one on each rib's line (any of them missable).
             The first outline with spokes: a round plate pierced by windows that are part of
             its outline; face about 0.63 of a 256 x 256 image, and a rim 0.27 x the side
             wide, where the surface defects go.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the Lueders bands: their angle to the roll streaks (degrees), their width (px) and the
#: gaps between them (px) in the main family and in the sparse second one
LUDERS_ANGLE, LUDERS_WIDTH, LUDERS_GAP, LUDERS_GAP2 = (50.0, 56.0), (4.0, 11.0), (10.0, 32.0), \
    (40.0, 110.0)


def band_field(n, s, g, gap, width, wave):
    """A family of bands across the coordinate ``n`` (px, an array) with fronts displaced
    along ``s`` by a smooth wobble of ``wave`` px (one draw per family): 1 inside a band, 0
    between; bands ``width`` (a range, px) wide, ``gap`` (a range, px) apart, the first
    starting at a random phase before ``n.min()``."""
    lo, hi = float(np.min(n)) - 2.0 * wave - gap[1], float(np.max(n)) + 2.0 * wave + 1.0
    k = int(np.ceil((hi - lo) / (gap[0] + width[0]))) + 1
    steps = np.empty(2 * k)
    steps[0::2], steps[1::2] = g.uniform(*gap, k), g.uniform(*width, k)
    edges = lo + g.uniform(0.0, gap[1]) + np.cumsum(steps)
    s0 = float(np.min(s))
    m = int(np.ceil(float(np.max(s)) - s0)) + 2
    wob = ndimage.gaussian_filter1d(g.standard_normal(m + 16), 5.0, mode="wrap")[8:8 + m]
    wob = wave * wob / max(float(wob.std()), 1e-12)
    moved = n + wob[np.clip((s - s0).astype(np.int64), 0, m - 1)]
    return (np.searchsorted(edges, moved, side="right") % 2 == 1).astype(np.float64)


def luders_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Stretcher-strained sheet: roll streaks along a random direction (an extruded profile
    of sigma 1.2 px, 0.6) over a fine grain (0.6 px, 0.5) and a slow mottle (16 px, 0.15);
    :func:`band_field` bands at :data:`LUDERS_ANGLE` to the streaks (either side), widths in
    :data:`LUDERS_WIDTH`, gaps in :data:`LUDERS_GAP`, fronts wavy by 1.2 px, and in half the
    parts a second family mirrored across the streaks, gaps in :data:`LUDERS_GAP2`; in a band
    (softened over 0.7 px) the face sinks by 0.6 and gains a rough grain (0.8 px, 1.1).  Zero
    mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    roll = np.deg2rad(g.uniform(0.0, 180.0))
    tilt = np.deg2rad(g.uniform(*LUDERS_ANGLE)) * g.choice([-1.0, 1.0])
    second = g.uniform() < 0.5
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(roll) + yy * np.cos(roll)
    m = int(np.ceil(np.ptp(across))) + 3
    prof = _unit(ndimage.gaussian_filter1d(g.standard_normal(m), 1.2))
    streaks = prof[np.clip((across - across.min()).astype(np.int64), 0, m - 1)]
    bands = np.zeros((h, w))
    for sign, gap in ((1.0, LUDERS_GAP), (-1.0, LUDERS_GAP2 if second else None)):
        if gap is None:
            continue
        ang = roll + sign * tilt
        along, normal = xx * np.cos(ang) + yy * np.sin(ang), -xx * np.sin(ang) + yy * np.cos(ang)
        bands = np.maximum(bands, band_field(normal, along, g, gap, LUDERS_WIDTH, 1.2))
    soft = ndimage.gaussian_filter(bands, 0.7)
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    rough = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.8, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    return _unit(0.6 * streaks + 0.5 * grain + 0.15 * mottle + soft * (1.1 * rough - 0.6))


#: the end shield (x the smaller side): the plate's radius, the cooling windows' inner and
#: outer radius, the ribs' width, the windows' fillet, the bearing bore's and its seat's
#: radius, the bolt holes' radius and circle; the first rib's direction (degrees, y down)
ES_R, ES_WIN_IN, ES_WIN_OUT, ES_RIB, ES_FILLET = 0.47, 0.12, 0.2, 0.12, 0.015
ES_BORE, ES_SEAT, ES_HOLE, ES_HOLE_AT, ES_RIB0 = 0.06, 0.09, 0.025, 0.37, 90.0


def _window_distance(along, across, half, o, a, b):
    """The exact distance (px, negative inside) to one window, shrunk by its fillet, in its
    own frame (``along`` its middle line, ``across`` >= 0: it is symmetric about that line):
    the set at least ``o`` px from the rib line at ``half`` radians (towards the middle) and
    ``a``-``b`` px from the centre.  Its edge: the rib line's piece between the two circles
    and the two arcs up to where they meet it; the nearest of them, signed."""
    m = np.array([np.sin(half), -np.cos(half)])              # the rib line's normal, inwards
    t = np.array([np.cos(half), np.sin(half)])               # and its direction
    p, q = o * m + np.sqrt(a * a - o * o) * t, o * m + np.sqrt(b * b - o * o) * t
    dx, dy = q - p
    k = np.clip(((along - p[0]) * dx + (across - p[1]) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    dist = np.hypot(along - p[0] - k * dx, across - p[1] - k * dy)
    rho, phi = np.hypot(along, across), np.arctan2(across, along)
    for radius, end in ((a, p), (b, q)):
        on = np.abs(phi) <= np.arctan2(end[1], end[0])
        dist = np.minimum(dist, np.where(on, np.abs(rho - radius), np.inf))
    inside = (along * m[0] + across * m[1] >= o) & (rho >= a) & (rho <= b)
    return np.where(inside, -dist, dist)


def sd_endshield(u, v, lay):
    """Signed distance (px, negative inside) to the end shield's outline of ``lay``
    (``"spokes"``: the plate's radius, the windows' inner and outer radius, the ribs' width
    and the fillet, px, the number of ribs and the first rib's direction, degrees): the disc
    less the windows, each window the set at least half a rib's width from both its ribs'
    centre lines and between the two radii, its corners rounded by the fillet (the window
    shrunk by the fillet, :func:`_window_distance`, less the fillet: exact)."""
    radius, r_in, r_out, rib, fillet, n, first = lay["spokes"]
    windows = np.full(np.shape(u), np.inf)
    half = np.pi / n                                   # a window's half angle, rib to rib
    for k in range(int(n)):
        mid = np.deg2rad(first) + (2 * k + 1) * half
        along = u * np.cos(mid) + v * np.sin(mid)
        across = np.abs(-u * np.sin(mid) + v * np.cos(mid))
        d = _window_distance(along, across, half, 0.5 * rib + fillet, r_in + fillet,
                             r_out - fillet)
        windows = np.minimum(windows, d - fillet)
    return np.maximum(np.hypot(u, v) - radius, -windows)


def endshield_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``endshield`` layout in model pixels (origin at the image centre, y down): the
    plate of :func:`sd_endshield` (``"spokes"``: radius :data:`ES_R`, windows from
    :data:`ES_WIN_IN` to :data:`ES_WIN_OUT`, ribs :data:`ES_RIB` wide, fillet
    :data:`ES_FILLET`, all x the smaller side ``s``, three ribs, the first at :data:`ES_RIB0`
    degrees, pointing down; ``"half"`` and ``"corner"`` its radius: round), a counterbored
    bearing seat in the middle (``"sinks"``: bore :data:`ES_BORE` s in a flat ring to
    :data:`ES_SEAT` s, never missing) and three bolt holes of :data:`ES_HOLE` s on a circle of
    :data:`ES_HOLE_AT` s, one on each rib's line (``missing`` leaves out one of them)."""
    h, w = shape
    s = float(min(h, w))
    at = np.deg2rad(ES_RIB0 + np.array([0.0, 120.0, 240.0]))
    holes = [((float(ES_HOLE_AT * s * np.cos(t)), float(ES_HOLE_AT * s * np.sin(t))),
              ES_HOLE * s) for t in at]
    sinks = [((0.0, 0.0), ES_BORE * s, ES_SEAT * s, "counterbore")]
    return dict(base, half=(ES_R * s, ES_R * s), corner=ES_R * s, holes=holes, slots=[],
                windows=[], sinks=sinks,
                spokes=(ES_R * s, ES_WIN_IN * s, ES_WIN_OUT * s, ES_RIB * s, ES_FILLET * s,
                        3, ES_RIB0))
