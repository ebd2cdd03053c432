"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 21's pieces, keeping :mod:`metrology.synth._textures_more3` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``jewelled`` engine-turned (jewelled, perlage) finish (:func:`jewelled_texture`): overlapping
             round spots (radius 8-12 px per part) of fine concentric abrasive scratches, laid
             on a square lattice (pitch 0.95-1.2 of the radius: each spot covers about half
             of the one before it) row by row, each spot over the earlier ones (a fish-scale
             pattern of arcs); each spot shows the sheen of its circular scratches, a pair of
             bright and dark sectors (``cos 2 (angle - light)`` about its centre, faint at the
             centre where the tool barely turns), with a faint darker rim and a fine grain.

``cruciform`` layout (:func:`cruciform_layout`): a cruciform joining plate (the cross plate
             that joins two crossing extrusions): a cross-shaped outline (two arms 0.44 of the
             smaller side wide across the plate, outer corners rounded, re-entrant corners
             filleted), a central bore and a fixing hole near each arm's end (``missing``
             leaves out a fixing hole only, never the bore).  The outline is
             :func:`sd_cruciform` (the plate's ``"arms"``): the first layout whose plate is
             not a rounded rectangle (or a disc).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the engine-turned spots' radius (px, one per part) and the lattice pitch as a multiple of it
JEWEL_RADIUS_PX = (8.0, 12.0)
JEWEL_PITCH = (0.95, 1.2)
#: length (px) of the random radial profile the spots' concentric scratches are read from
_PROFILE_PX = 2048


def jewel_spots(g: np.random.Generator, h: int, w: int, angle_deg: float = 0.0) -> dict:
    """The spots of an engine-turned face of ``h`` x ``w`` px, their lattice at ``angle_deg``
    (its rows along that direction; 0: the image's x axis): the radius ``R`` (drawn in
    :data:`JEWEL_RADIUS_PX`), the pitch (``R`` times a factor in :data:`JEWEL_PITCH`), the
    light's azimuth (degrees, any) and a random phase of the lattice, each centre moved by up
    to 3 % of the pitch; spot ``(i, j)`` (row ``i``, ``j`` along it) is laid after every spot
    of an earlier row and after ``(i, j - 1)``, so at each pixel the spot on top is the latest
    laid of those within ``R`` (of the 16 lattice neighbours that can reach it).  Returns
    ``{"radius", "pitch", "light_deg", "spot"}`` (the spot on top, one integer per spot,
    larger when laid later) and ``"dx"``, ``"dy"`` (each pixel's offset, image px, from that
    spot's centre).  Vectorised over pixels (a loop over the 16 neighbours)."""
    radius = float(g.uniform(*JEWEL_RADIUS_PX))
    pitch = radius * float(g.uniform(*JEWEL_PITCH))
    light = float(g.uniform(0.0, 360.0))
    a = np.deg2rad(angle_deg)
    ca, sa = float(np.cos(a)), float(np.sin(a))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    xx, yy = xx - 0.5 * (w - 1), yy - 0.5 * (h - 1)
    u = (xx * ca + yy * sa) / pitch + g.uniform(0.0, 1.0)   # lattice units, random phase
    v = (-xx * sa + yy * ca) / pitch + g.uniform(0.0, 1.0)
    j0, i0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    lo_i, lo_j = int(i0.min()) - 1, int(j0.min()) - 1
    rows, cols = int(i0.max()) - lo_i + 3, int(j0.max()) - lo_j + 3
    jit = g.uniform(-0.03, 0.03, (2, rows, cols))
    best = np.full((h, w), -np.inf)
    spot = np.zeros((h, w), np.int64)
    r2 = (radius / pitch) ** 2
    for di in range(-1, 3):
        for dj in range(-1, 3):
            i, j = i0 + di - lo_i, j0 + dj - lo_j
            du, dv = u - (j0 + dj + jit[0, i, j]), v - (i0 + di + jit[1, i, j])
            d2 = du * du + dv * dv
            key = np.where(d2 < r2, (i * cols + j).astype(np.float64), -1e12 - d2)
            better = key > best
            best = np.where(better, key, best)
            spot = np.where(better, i * cols + j, spot)
    i, j = np.divmod(spot, cols)
    du = (u - (j + lo_j + jit[0, i, j])) * pitch
    dv = (v - (i + lo_i + jit[1, i, j])) * pitch
    return {"radius": radius, "pitch": pitch, "light_deg": light, "spot": spot,
            "dx": du * ca - dv * sa, "dy": du * sa + dv * ca}


def jewelled_texture(shape: tuple[int, int], *, rng: Any = None,
                     angle_deg: float = 0.0) -> np.ndarray:
    """Engine-turned (jewelled) face: the spots of :func:`jewel_spots` (its lattice along
    ``angle_deg``; 0, as :func:`~metrology.synth.surfaces.make_texture` gives it: the image's
    axes, not turned with the part), each pixel read from the spot on top at its radius
    ``r`` and angle ``phi`` about that spot's centre: concentric scratches (a random radial
    profile, white noise smoothed by a Gaussian of sigma 0.7 px, read at ``r`` plus the
    spot's own offset into it), the sheen ``(0.85-1.15) cos 2 (phi - light)`` (the light's
    azimuth per part, +-6 degrees per spot) weighted by ``min(r / 0.35 R, 1)``, a darker rim
    (a Gaussian of sigma 0.6 px, 0.8 px inside ``R``) and a fine grain (sigma 0.6 px):
    ``sheen + 0.55 scratches - 0.35 rim + 0.25 grain``, each of unit spread first but the
    sheen and the rim.  Vectorised.  Zero mean, unit standard deviation, per part."""
    from ..core.checks import check_finite
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    angle_deg = check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6)
    sp = jewel_spots(g, h, w, angle_deg)
    radius, spot = sp["radius"], sp["spot"]
    n = int(spot.max()) + 1
    r = np.hypot(sp["dx"], sp["dy"])
    phi = np.arctan2(sp["dy"], sp["dx"])
    profile = ndimage.gaussian_filter1d(g.standard_normal(_PROFILE_PX), 0.7, mode="wrap")
    offset = g.uniform(0.0, _PROFILE_PX - 2.0 * radius - 4.0, n)[spot]
    scratches = np.interp(r + offset, np.arange(_PROFILE_PX, dtype=np.float64), profile)
    light = np.deg2rad(sp["light_deg"] + g.uniform(-6.0, 6.0, n)[spot])
    sheen = g.uniform(0.85, 1.15, n)[spot] * np.cos(2.0 * (phi - light))
    sheen = sheen * np.minimum(r / (0.35 * radius), 1.0)
    rim = np.exp(-0.5 * ((r - radius + 0.8) / 0.6) ** 2)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap")
    return _unit(sheen + 0.55 * _unit(scratches) - 0.35 * rim + 0.25 * _unit(grain))


#: the cruciform plate: its arms' half width and the fillet of its re-entrant corners (x the
#: smaller side)
ARM_HALF, ARM_FILLET = 0.22, 0.06


def sd_cruciform(u, v, lay):
    """Signed distance (px, negative inside; exact but near the fillets) to the cruciform
    outline of ``lay`` (``"arms"``: ``(a, k)``): the union of a horizontal arm (half size
    ``hx`` by ``a``) and a vertical one (``a`` by ``hy``; ``"half"``: ``(hx, hy)``), their outer
    corners rounded to ``"corner"``, joined by a smooth minimum of width ``k`` (the four
    re-entrant corners filleted)."""
    from ._textures_more import _sd_round_rect

    (hx, hy), r, (a, k) = lay["half"], lay["corner"], lay["arms"]
    d1 = _sd_round_rect(u, v, (0.0, 0.0), (hx, a), r)
    d2 = _sd_round_rect(u, v, (0.0, 0.0), (a, hy), r)
    t = np.clip(0.5 + 0.5 * (d2 - d1) / k, 0.0, 1.0)
    return d2 * (1.0 - t) + d1 * t - k * t * (1.0 - t)


def cruciform_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``cruciform`` layout in model pixels (origin at the image centre) on the plate
    ``base`` (its ``half``; its ``corner`` 0.05 x the smaller side ``s``): the cross outline
    of :func:`sd_cruciform` (``"arms"``: half width :data:`ARM_HALF` s, fillet
    :data:`ARM_FILLET` s), a central bore of radius 0.07 s (a window, its corners rounded to
    its half size: a circle) and on each arm a fixing hole of radius 0.03 s, 0.36 x the arm's
    length (the width or the height) from the centre (right, down, left, up); the face between
    the bore and the holes is where the surface defects go (room for them at 96 x 96).
    ``"keep_windows"``: a ``missing`` part leaves out a fixing hole only, never the bore."""
    h, w = shape
    s = float(min(h, w))
    holes = [((x * 0.36 * w, y * 0.36 * h), 0.03 * s)
             for x, y in ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))]
    bore = 0.07 * s
    windows = [((0.0, 0.0), (bore, bore), bore)]
    return dict(base, corner=0.05 * s, arms=(ARM_HALF * s, ARM_FILLET * s), holes=holes,
                slots=[], windows=windows, keep_windows=True)
