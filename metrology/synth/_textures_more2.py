"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: split off to keep
:mod:`metrology.synth._textures_more` within its size limit; registered through that module's
``MORE_TEXTURES`` and ``MORE_LAYOUTS``, reached through
:func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``swirled``  orbital-sanded face (:func:`swirled_texture`): a few hundred short curved sanding
             marks overlapping at random, each a thin groove along a piece of a small
             epicycloid loop (the path of a grit on a pad that spins while it orbits: a circle
             of radius 6-20 px with a smaller wobble riding on it), 15-50 px of it, from a
             random centre, start angle and turning sense, of random depth; no common
             direction; over a faint isotropic fine grain.

``terminal`` layout (:func:`terminal_layout`): a terminal block plate: a row of three square
             windows in the upper middle, a small screw hole centred below each window and one
             long vertical slot at each end of the row (``missing`` leaves out a screw hole
             only, never a window or a slot).

``scaled``   hot-rolled steel with mill scale (:func:`scaled_texture`): a base of long faint
             streaks of varying width along one random rolling direction, under a few dozen
             irregular scale flakes (10-60 px across, jagged sharp edges, each of its own
             brightness, some spalled off so the brighter streaky base shows), thin dark cracks
             between flakes and a fine isotropic grain.

``keyplate`` layout (:func:`keyplate_layout`): a plate with a counterbored hole (a bore inside
             a larger shallow flat ring) upper left and upper right, a keyhole in the middle (a
             round hole joined to a narrower slot going down) and a row of four small holes
             along the bottom (``missing`` leaves out one of the small holes only).

``treadplate`` rolled steel tread (checker) plate (:func:`treadplate_texture`): raised
             lozenges (14-22 px long, 4-6 px wide, rounded ends) on a regular lattice of period
             14-24 px at a random rotation, neighbours in two orientations about 90 degrees
             apart, jittered slightly per lozenge, lit from one side, over a faint mottled base
             and a fine grain.

``hinge``    layout (:func:`hinge_layout`): a hinge leaf: three knuckle cut-outs along the top,
             a large oblong (stadium) window in the middle and two countersunk holes (a bore in
             a soft shallow cone) lower left and right (``missing`` leaves out a countersunk
             hole only, never a knuckle or the window).

``hammered`` hand-hammered (planished) sheet (:func:`hammered_texture`): overlapping shallow
             round hammer facets 12-40 px across, each a spherical dish (the lowest of the
             dishes wins, so neighbours meet in creases), lit from one side: each facet a soft
             gradient with a sharper rim, over a faint low-frequency mottling and a fine grain.

``louvre``   layout (:func:`louvre_layout`): a vent plate: five parallel narrow slots tilted 20
             degrees in the middle, a mounting hole upper left and lower right and a rounded
             rectangular window near the right edge (``missing`` leaves out a mounting hole
             only, never a louvre or the window).

:func:`stain_delta` (the ``stain`` defect's blob) moved here from ``surfaces`` for room.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: samples per px of a sanding mark's path (2: 0.5 px apart) and the longest mark, px
_MARK_STEP_PX = 0.5
_MARK_MAX_PX = 50.0


def _mark_points(g: np.random.Generator, n: int, h: int, w: int):
    """Sample points (x, y, depth) of ``n`` sanding marks, about 0.5 px apart along each: the
    epicycloid ``c + R e^(i s t) + rho e^(i s k t)`` (``R`` 6-20 px, ``rho`` 0.1-0.3 ``R``,
    ``k`` 3-6, sense ``s`` +-1) from a random start angle, over 15-50 px of its length (taken
    as ``R`` times the angle swept), centres anywhere in the image and up to 20 px beyond it,
    the depth 0.3-1 per mark tapered to nothing at both ends."""
    cx, cy = g.uniform(-20, w + 20, n), g.uniform(-20, h + 20, n)
    rad = g.uniform(6.0, 20.0, n)
    rho = g.uniform(0.1, 0.3, n) * rad
    lobes = g.integers(3, 7, n).astype(np.float64)
    sense = g.choice([-1.0, 1.0], n)
    start = g.uniform(0.0, 2 * np.pi, n)
    length = g.uniform(15.0, _MARK_MAX_PX, n)
    depth = g.uniform(0.3, 1.0, n)
    u = np.arange(0.0, _MARK_MAX_PX + _MARK_STEP_PX, _MARK_STEP_PX)[None, :] / length[:, None]
    keep = u <= 1.0                                         # (n, 101): each mark's own samples
    t = start[:, None] + sense[:, None] * (u * length[:, None] / rad[:, None])
    x = cx[:, None] + rad[:, None] * np.cos(t) + rho[:, None] * np.cos(lobes[:, None] * t)
    y = cy[:, None] + rad[:, None] * np.sin(t) + rho[:, None] * np.sin(lobes[:, None] * t)
    a = depth[:, None] * np.sin(np.pi * np.clip(u, 0.0, 1.0)) ** 0.5
    return x[keep], y[keep], a[keep]


def swirled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Orbital-sanded face: about one sanding mark per 180 px of the image and its 20 px margin
    (about 430 on 256 x 256; :func:`_mark_points`) splatted bilinearly as grooves and blurred
    by 0.6 px (thin), over a faint fine grain (sigma 0.7 px, 0.3 of the marks' std).
    Vectorised (one ``bincount`` per bilinear corner).  Zero mean, unit standard deviation,
    different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    n = max(1, int(round((h + 40) * (w + 40) / 180.0)))
    x, y, a = _mark_points(g, n, h, w)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    acc = np.zeros((h + 2) * (w + 2))
    for dy, dx, wt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                       (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        r, c = y0 + dy + 1, x0 + dx + 1                        # one pixel of margin each side
        ok = (r >= 0) & (r < h + 2) & (c >= 0) & (c < w + 2)
        acc += np.bincount(r[ok] * (w + 2) + c[ok], weights=(a * wt)[ok], minlength=acc.size)
    marks = -ndimage.gaussian_filter(acc.reshape(h + 2, w + 2), 0.6)[1:-1, 1:-1]  # grooves
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    return _unit(_unit(marks) + 0.3 * grain)


def terminal_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``terminal`` layout in model pixels (origin at the image centre) on the plate
    ``base``: three square windows of half side 0.065 x the smaller side (corners rounded to
    0.01), 0.19 x the width apart, centred 0.14 x the height above the centre; a screw hole of
    radius 0.03 x the smaller side 0.2 x the height below each window's centre; and a vertical
    slot (half length 0.12 x the height, radius 0.025 x the smaller side) 0.36 x the width
    either side of the centre, level with the windows.  ``"keep_windows"`` and
    ``"keep_slots"``: a ``missing`` part leaves out a screw hole only."""
    h, w = shape
    s = float(min(h, w))
    xs = (-0.19 * w, 0.0, 0.19 * w)
    holes = [((x, 0.06 * h), 0.03 * s) for x in xs]
    slots = [((x * w, -0.14 * h), 0.12 * h, 0.025 * s, 90.0) for x in (-0.36, 0.36)]
    windows = [((x, -0.14 * h), (0.065 * s, 0.065 * s), 0.01 * s) for x in xs]
    return dict(base, holes=holes, slots=slots, windows=windows, keep_windows=True,
                keep_slots=True)


#: scale flakes: about one per this many px of the face (a few dozen on 256 x 256) and the
#: spalled share (flakes gone, the brighter base showing)
_FLAKE_AREA_PX = 1600.0
_SPALLED = 0.2


def _streaks(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Long faint rolling streaks: two 1-D noise profiles across one random direction (sigma
    0.8 and 3 px: narrow and wide streaks) read at every pixel's distance across it, each
    faded by a slow field (sigma 20 px), so a streak runs out after some tens of px.  Not
    normalised."""
    a = g.uniform(0.0, np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(a) + yy * np.cos(a)
    lo = float(across.min()) - 2.0
    n = int(np.ceil(float(across.max()) - lo)) + 4
    out = np.zeros((h, w))
    for sigma, amp in ((0.8, 1.0), (3.0, 0.8)):
        prof = ndimage.gaussian_filter1d(g.standard_normal(n), sigma)
        prof /= max(float(prof.std()), 1e-12)
        fade = ndimage.gaussian_filter(g.standard_normal((h, w)), 20.0, mode="wrap")
        fade /= max(float(fade.std()), 1e-12)
        out += amp * np.interp(across - lo, np.arange(n), prof) * np.clip(1.0 + 0.5 * fade, 0, None)
    return out


def scaled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Hot-rolled steel with mill scale: flakes are the cells of nearest random seeds (about
    one per 1600 px), read through coordinates displaced by 3 px of fine noise so their edges
    are jagged (and left sharp); each intact flake has its own level (std 0.6) with the base
    streaks (:func:`_streaks`) faint through it (0.3), a fifth of them spalled off (1.3 above,
    the streaks at full strength); one-pixel dark cracks where flakes meet and a fine grain
    (sigma 0.6 px).  Vectorised.  Zero mean, unit standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    base = _unit(_streaks(g, h, w))
    n = max(1, int(round(h * w / _FLAKE_AREA_PX)))
    seeds = np.ones((h, w), bool)
    seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
    _, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
    cell = iy * w + ix
    jag = [3.0 * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 1.5, mode="wrap"))
           for _ in range(2)]
    yy, xx = np.mgrid[0:h, 0:w]
    cell = cell[np.clip(np.rint(yy + jag[0]), 0, h - 1).astype(np.int64),
                np.clip(np.rint(xx + jag[1]), 0, w - 1).astype(np.int64)]
    level = g.normal(0.0, 0.6, h * w)[cell]
    spalled = (g.random(h * w) < _SPALLED)[cell]
    crack = np.zeros((h, w), bool)
    crack[:, :-1] |= cell[:, :-1] != cell[:, 1:]
    crack[:-1, :] |= cell[:-1, :] != cell[1:, :]
    face = np.where(spalled, 1.3 + base, level + 0.3 * base) - 0.8 * crack
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(face + 0.25 * grain)


def keyplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``keyplate`` layout in model pixels (origin at the image centre) on the plate
    ``base``: two counterbored holes (``"sinks"`` marked ``"counterbore"``: bore 0.04 x the
    smaller side, a flat shallow ring out to 0.075) 0.27 x the width either side of the
    centre, 0.2 x the height above it; a keyhole: a round hole of radius 0.06 x the smaller
    side at the centre (a circular ``"windows"`` entry, so it is never left out) joined to a
    slot of radius 0.028 running down from it to 0.2 x the height below the centre; and four
    small holes of radius 0.025 x the smaller side at 0.16 x the width apart, 0.32 x the height
    below the centre.  ``"keep_windows"`` and ``"keep_slots"``: a ``missing`` part leaves out
    a small hole only (sinks never)."""
    h, w = shape
    s = float(min(h, w))
    holes = [(((-0.24 + 0.16 * i) * w, 0.32 * h), 0.025 * s) for i in range(4)]
    slots = [((0.0, 0.1 * h), 0.1 * h, 0.028 * s, 90.0)]
    windows = [((0.0, 0.0), (0.06 * s, 0.06 * s), 0.06 * s)]
    sinks = [((x * w, -0.2 * h), 0.04 * s, 0.075 * s, "counterbore") for x in (-0.27, 0.27)]
    return dict(base, holes=holes, slots=slots, windows=windows, sinks=sinks, keep_windows=True,
                keep_slots=True)


def stain_delta(g: np.random.Generator, shape: tuple[int, int], center: np.ndarray,
                radius: float, contrast: float) -> np.ndarray:
    """An irregular stain of about ``radius`` px around ``center``: a smooth random field
    thresholded inside a soft disk, with soft edges.  Returns the image change (H, W)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(xx - center[0], yy - center[1]) / radius
    field = ndimage.gaussian_filter(g.standard_normal((h, w)), max(1.0, radius / 3), mode="wrap")
    field = field / max(float(field.std()), 1e-12)
    from scipy.special import expit

    shape_fn = expit((0.6 * field + 1.0 - r ** 2) * 4.0)
    shape_fn = ndimage.gaussian_filter(shape_fn * (r < 1.8), 0.8)
    return contrast * shape_fn / max(float(shape_fn.max()), 1e-12)


def tread_params(g: np.random.Generator) -> dict:
    """The random lattice of one ``treadplate`` face (its first draws from ``g``): period
    14-24 px, lozenge width 4-6 px and length 14-22 px (at most ``2 period - width - 2``, so
    the ends of a lozenge stay clear of its crosswise neighbours' flanks), lattice rotation,
    the first orientation within +-10 degrees of the lattice axis and the second 85-95 degrees
    from it, the light's azimuth and the lattice's offset."""
    period = float(g.uniform(14.0, 24.0))
    width = float(g.uniform(4.0, 6.0))
    length = float(g.uniform(14.0, min(22.0, 2.0 * period - width - 2.0)))
    return dict(period=period, width=width, length=length, rot=float(g.uniform(0.0, np.pi)),
                first=float(np.deg2rad(g.uniform(-10.0, 10.0))),
                apart=float(np.deg2rad(g.uniform(85.0, 95.0))),
                light=float(g.uniform(0.0, 2 * np.pi)), offset=g.uniform(0.0, period, 2))


def _lozenge_relief(g: np.random.Generator, h: int, w: int, p: dict) -> np.ndarray:
    """Height of the tread plate's lozenges at every pixel: each pixel's lattice cell ``(i, j)``
    (of the rotated, offset lattice) and its four crosswise neighbours are the only lozenges
    that can reach it; each lozenge is a capsule (half width ``r``, core half length
    ``length / 2 - r``) of rounded profile ``sqrt(1 - (d / r)**2)``, oriented by the parity of
    ``i + j`` (the two orientations alternate), jittered per lozenge by up to 1.2 px in
    position and 3.5 degrees in angle (tables indexed by the cell), and 0.85-1.15 high.  The
    five candidates are evaluated on whole arrays and the highest kept."""
    per, r = p["period"], 0.5 * p["width"]
    core = 0.5 * p["length"] - r
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ca, sa = np.cos(p["rot"]), np.sin(p["rot"])
    a = xx * ca + yy * sa + p["offset"][0]
    b = -xx * sa + yy * ca + p["offset"][1]
    i, j = np.floor(a / per).astype(np.int64), np.floor(b / per).astype(np.int64)
    i0, j0 = int(i.min()) - 1, int(j.min()) - 1
    ni, nj = int(i.max()) - i0 + 2, int(j.max()) - j0 + 2
    jit = g.uniform(-1.2, 1.2, (2, ni, nj))
    tilt = np.deg2rad(g.uniform(-3.5, 3.5, (ni, nj)))
    tall = g.uniform(0.85, 1.15, (ni, nj))
    relief = np.zeros((h, w))
    for di, dj in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
        ci, cj = i + di, j + dj
        ti, tj = ci - i0, cj - j0
        ang = p["first"] + p["apart"] * ((ci + cj) % 2) + tilt[ti, tj]
        da = a - (ci + 0.5) * per - jit[0, ti, tj]
        db = b - (cj + 0.5) * per - jit[1, ti, tj]
        along = da * np.cos(ang) + db * np.sin(ang)
        across = -da * np.sin(ang) + db * np.cos(ang)
        d = np.hypot(along - np.clip(along, -core, core), across)
        relief = np.maximum(relief, tall[ti, tj] * np.sqrt(np.clip(1.0 - (d / r) ** 2, 0, 1)))
    return relief


def treadplate_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Rolled steel tread (checker) plate: raised lozenges on a rotated lattice
    (:func:`tread_params`, :func:`_lozenge_relief`), softened by 0.8 px and seen lit from one
    side (the relief's slope along the light: one flank brighter, the other darker, with the
    tops a little brighter), over a faint mottled base (sigma 12 px, 0.25) and a fine
    isotropic grain (sigma 0.6 px, 0.2).  Vectorised.  Zero mean, unit standard deviation,
    different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    p = tread_params(g)
    relief = ndimage.gaussian_filter(_lozenge_relief(g, h, w, p), 0.8)
    gy, gx = np.gradient(relief) if min(h, w) > 1 else (np.zeros((h, w)), np.zeros((h, w)))
    lit = -(gx * np.cos(p["light"]) + gy * np.sin(p["light"])) + 0.25 * relief
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 12.0, mode="wrap"))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(_unit(lit) + 0.25 * mottle + 0.2 * grain)


def hinge_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hinge`` layout in model pixels (origin at the image centre) on the plate ``base``:
    three knuckle cut-outs (``"windows"``: half size 0.08 x the width by 0.05 x the height,
    corners rounded to 0.015 x the smaller side) 0.26 x the width apart, 0.33 x the height
    above the centre (along the top edge); a large oblong window (a stadium: a ``"slots"``
    entry of half length 0.17 x the width, radius 0.08 x the smaller side) at the centre; and
    two countersunk holes 0.3 x the width either side of the centre, 0.28 x the height below
    it: bores (``"holes"``, radius 0.035 x the smaller side) inside shallow cones
    (``"cones"``, one per hole, in the same order, marked ``"ramp"``: a soft radial ramp out
    to 0.075, drawn by :func:`~metrology.synth._textures_more.sink_shading`).
    ``"keep_windows"`` and ``"keep_slots"``: a ``missing`` part leaves out a countersunk hole
    only (with its cone), never a knuckle or the window."""
    h, w = shape
    s = float(min(h, w))
    holes = [((x * w, 0.28 * h), 0.035 * s) for x in (-0.3, 0.3)]
    cones = [(c, r, 0.075 * s, "ramp") for c, r in holes]
    slots = [((0.0, 0.0), 0.17 * w, 0.08 * s, 0.0)]
    windows = [((x * w, -0.33 * h), (0.08 * w, 0.05 * h), 0.015 * s) for x in (-0.26, 0.0, 0.26)]
    return dict(base, holes=holes, slots=slots, windows=windows, cones=cones, keep_windows=True,
                keep_slots=True)


def hammer_relief(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Height of a hammered face: one blow per cell of a 30 px grid (offset at random), each
    centred anywhere within 0.45 of a cell of its cell's middle, a shallow spherical
    (paraboloid) dish ``(rho**2 - r**2) / (2 R)`` of its own radius ``r`` 6-20 px and sphere
    radius ``R`` (0.8-1.25 of 60 px); the surface is the lowest of the dishes (the last blow
    flattens the metal into its dish: facets of random sizes, mostly 12-40 px across), taken
    over the blows of each pixel's cell and its eight neighbours (index arithmetic on whole
    arrays, no loop over pixels).  Neighbouring dishes meet in creases: each facet a smooth
    bowl, a sharper rim where two meet."""
    cell = 30.0
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    off = g.uniform(0.0, cell, 2)
    i = np.floor((xx + off[0]) / cell).astype(np.int64)
    j = np.floor((yy + off[1]) / cell).astype(np.int64)
    ni, nj = int(i.max()) + 3, int(j.max()) + 3            # cells -1 .. max + 1, shifted by 1
    cx = (np.arange(ni)[:, None] - 0.5 + g.uniform(-0.45, 0.45, (ni, nj))) * cell - off[0]
    cy = (np.arange(nj)[None, :] - 0.5 + g.uniform(-0.45, 0.45, (ni, nj))) * cell - off[1]
    r2 = g.uniform(6.0, 20.0, (ni, nj)) ** 2
    curv = 1.0 / (2.0 * 60.0 * g.uniform(0.8, 1.25, (ni, nj)))
    relief = np.full((h, w), np.inf)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            a, b = i + 1 + di, j + 1 + dj
            dish = ((xx - cx[a, b]) ** 2 + (yy - cy[a, b]) ** 2 - r2[a, b]) * curv[a, b]
            np.minimum(relief, dish, out=relief)
    return relief


def hammered_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Hand-hammered (planished) sheet: overlapping shallow round facets
    (:func:`hammer_relief`), softened by 0.7 px and lit from a random side (the relief's slope
    along the light: each facet a soft gradient, bright on one side and dark on the other, a
    sharper change at the rims where facets meet), over a faint low-frequency mottling (sigma
    18 px, 0.3) and a fine isotropic grain (sigma 0.6 px, 0.25).  Vectorised.  Zero mean, unit
    standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    light = float(g.uniform(0.0, 2 * np.pi))
    relief = ndimage.gaussian_filter(hammer_relief(g, h, w), 0.7)
    gy, gx = np.gradient(relief) if min(h, w) > 1 else (np.zeros((h, w)), np.zeros((h, w)))
    lit = -(gx * np.cos(light) + gy * np.sin(light))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 18.0, mode="wrap"))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(_unit(lit) + 0.3 * mottle + 0.25 * grain)


def louvre_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``louvre`` layout in model pixels (origin at the image centre) on the plate ``base``:
    five parallel narrow slots (vent louvres: half length 0.13 x the height, radius 0.018 x the
    smaller side, tilted 20 degrees from vertical) 0.085 x the width apart, centred 0.05 x the
    width left of the centre; two mounting holes (radius 0.04 x the smaller side) upper left
    (-0.33, -0.3) and lower right (0.33, 0.3) in fractions of the width and height; and a
    rounded rectangular window (half size 0.055 x the width by 0.12 x the height, corners
    rounded to 0.03 x the smaller side) 0.3 x the width right of the centre, at mid height.
    ``"keep_windows"`` and ``"keep_slots"``: a ``missing`` part leaves out a mounting hole
    only, never a louvre or the window."""
    h, w = shape
    s = float(min(h, w))
    holes = [((-0.33 * w, -0.3 * h), 0.04 * s), ((0.33 * w, 0.3 * h), 0.04 * s)]
    slots = [(((-0.05 + 0.085 * i) * w, 0.0), 0.13 * h, 0.018 * s, 70.0) for i in range(-2, 3)]
    windows = [((0.3 * w, 0.0), (0.055 * w, 0.12 * h), 0.03 * s)]
    return dict(base, holes=holes, slots=slots, windows=windows, keep_windows=True,
                keep_slots=True)
