"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 36's pieces, keeping :mod:`metrology.synth._textures_more17` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``greyiron`` the ground face of a grey cast iron part (a brake disc's, a machine bed's)
             (:func:`greyiron_texture`): the grinding lay (fine straight aperiodic streaks
             across the whole face at a random angle) over a fine grain, cut through by the
             iron's graphite: thin dark curved flakes (:func:`graphite_rosettes`) grouped in
             rosettes, one to each eutectic cell (a Voronoi cell round a jittered centre on a
             square grid of 26-34 px per part); the flakes of a cell radiate from its centre
             like a pinwheel (each cell its own turn and bend), start 1.5-4 px from it, run
             6-13 px, sigma 0.55-0.9 px across (11 sectors, a quarter of the flakes left
             out), taper to both ends.  The first
             texture of dark lines grouped round common centres: ``strandmat``'s strands are
             straight, bright and at random, ``tumbled``'s comets have no centre,
             ``starcrack`` and ``arcstrike`` are single defects, ``crazing``'s cracks close
             into cells.

``dshim``    layout (:func:`dshim_layout`): a D-shaped shim (a round shim with one flat, as
             keyed to a shaft's flat or a housing's face): a disc of radius 0.465 x the
             smaller side cut by a straight chord 0.35 below its centre (:func:`sd_dshim`, the
             plate's ``"dee"``) round a keyed bore (radius 0.12 with a key notch 0.05 wide to
             0.17 from the centre, opposite the flat; part of the outline, never missing) and
             two straight adjusting slots either side of the bore (either missable).  The
             first outline of one circular arc closed by one straight chord, and the first
             with a keyed bore: ``hub``'s keyway is a separate slot, ``bearingcap``'s straight
             base carries a seat, ``crescentarm``'s two arcs meet at horns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the eutectic cells: their size (px), the centres' spread in the cell, the flakes a cell
#: (sectors of a pinwheel), a flake's share left out, its start from the centre (px), length
#: (px), sigma across (px), depth, the flake's place in its sector (+- of the sector), the
#: pinwheel's bend (radians per px, its size; either way); the flakes' weight, the lay's
#: weight, blur across (px) and the grain's weight and blur (px)
GI_CELL, GI_SPREAD, GI_FLAKES, GI_GAP = (26.0, 34.0), (0.15, 0.85), 11, 0.25
GI_START, GI_LENGTH, GI_SIGMA, GI_DEPTH = (1.5, 4.0), (6.0, 13.0), (0.55, 0.9), (0.7, 1.0)
GI_JITTER, GI_BEND = 0.25, (0.02, 0.05)
GI_WEIGHT, GI_LAY, GI_GRAIN = 2.4, (0.32, 0.7), (0.2, 0.6)


def nearest_centre(xx, yy, cell, centres):
    """For each point ``xx``, ``yy`` (px): the offset ``dx, dy`` (px) from the nearest cell
    centre and that cell's flat index.  ``centres`` (n, n, 2) holds each square ``cell``'s
    centre (0-1 of the cell; tables indexed by cell modulo n); the nearest lies in one of
    the nine cells round a point's own (the centres within the cell's middle)."""
    n = centres.shape[0]
    flat = centres.reshape(n * n, 2)
    ci, cj = np.floor(yy / cell).astype(np.int64), np.floor(xx / cell).astype(np.int64)
    best = np.full(xx.shape, np.inf)
    dx, dy = np.zeros(xx.shape), np.zeros(xx.shape)
    idx = np.zeros(xx.shape, np.int64)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            k = ((ci + di) % n) * n + (cj + dj) % n
            t = flat[k]
            ex = xx - (cj + dj + t[..., 0]) * cell
            ey = yy - (ci + di + t[..., 1]) * cell
            d2 = ex * ex + ey * ey
            near = d2 < best
            np.copyto(best, d2, where=near)
            np.copyto(dx, ex, where=near)
            np.copyto(dy, ey, where=near)
            np.copyto(idx, k, where=near)
    return dx, dy, idx


def graphite_rosettes(dx, dy, idx, turn, flakes):
    """The graphite's depth (0 to 1, positive where a flake is) at offsets ``dx``, ``dy``
    (px) from the centre of cell ``idx``.  ``turn`` (cells, 2): each cell's pinwheel turn
    (radians) and bend (radians per px, curling its flakes one way); ``flakes`` (cells, F,
    5): per flake its place in its sector (a fraction of it, from its middle), start (px
    from the centre), length (px), sigma across (px) and depth (0 for a flake left out).  A
    point lies in the sector of ``F`` round its cell's centre that its angle less the turn
    and the bend times its radius falls in; its flake's track runs at the sector's middle
    plus the place, out from the start over the length: the depth x a Gaussian of the
    distance across the track x the taper ``sqrt(sin(pi a))`` (``a`` 0-1 along it, 0 beyond it)."""
    nf = flakes.shape[1]
    rho = np.hypot(dx, dy)
    q = (np.arctan2(dy, dx) - turn[idx, 0] - turn[idx, 1] * rho) * (nf / (2.0 * np.pi))
    fl = np.floor(q)
    p = flakes[idx, fl.astype(np.int64) % nf]
    across = rho * np.sin((q - fl - 0.5 - p[..., 0]) * (2.0 * np.pi / nf))
    a = (rho - p[..., 1]) / p[..., 2]
    taper = np.sqrt(np.sin(np.pi * np.clip(a, 0.0, 1.0)))
    return p[..., 4] * taper * np.exp(-0.5 * (across / p[..., 3]) ** 2)


def _flake_table(g, cells):
    """Per cell the pinwheel (turn, bend) and :data:`GI_FLAKES` flakes (place, start,
    length, sigma, depth) drawn in their ranges."""
    nf = GI_FLAKES
    bend = g.uniform(*GI_BEND, cells) * g.choice([-1.0, 1.0], cells)
    turn = np.stack([g.uniform(0.0, 2.0 * np.pi, cells), bend], axis=-1)
    flakes = np.stack([g.uniform(-GI_JITTER, GI_JITTER, (cells, nf)),
                       g.uniform(*GI_START, (cells, nf)), g.uniform(*GI_LENGTH, (cells, nf)),
                       g.uniform(*GI_SIGMA, (cells, nf)),
                       np.where(g.random((cells, nf)) < GI_GAP, 0.0,
                                g.uniform(*GI_DEPTH, (cells, nf)))], axis=-1)
    return turn, flakes


def greyiron_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A ground grey cast iron face: :func:`graphite_rosettes` (cells :data:`GI_CELL`, their
    centres :data:`GI_SPREAD` of the cell, :data:`GI_FLAKES` flakes a cell) dark at
    :data:`GI_WEIGHT`, over the grinding lay (:data:`GI_LAY`: weight, blur across; a random
    angle) and a fine grain (:data:`GI_GRAIN`).  Zero mean, unit standard deviation, per
    part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, n = g.uniform(*GI_CELL), 16
    centres = g.uniform(*GI_SPREAD, (n, n, 2))
    turn, flakes = _flake_table(g, n * n)
    x0, y0 = g.uniform(0.0, n * cell, 2)
    ang = g.uniform(0.0, np.pi)
    span = w + 2 * h + 2
    lay = _unit(ndimage.gaussian_filter1d(g.standard_normal(span), GI_LAY[1], mode="wrap"))
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), GI_GRAIN[1], mode="wrap")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = (-xx * np.sin(ang) + yy * np.cos(ang)) + (w + h)     # within 0 to span
    dx, dy, idx = nearest_centre(xx + x0, yy + y0, cell, centres)
    graphite = graphite_rosettes(dx, dy, idx, turn, flakes)
    out = (GI_LAY[0] * np.interp(across, np.arange(span), lay) + GI_GRAIN[0] * _unit(grain)
           - GI_WEIGHT * graphite)
    return _unit(out)


#: the D shim (x the smaller side): the disc's radius, the flat's distance below the centre,
#: the bore's radius, the key notch's width and reach from the centre (opposite the flat);
#: the slots' centres (+- x, y), half length, radius and angle (degrees)
DS_R, DS_FLAT, DS_BORE, DS_KEY_W, DS_KEY_TO = 0.465, 0.35, 0.12, 0.05, 0.17
DS_SLOT_AT, DS_SLOT_HALF, DS_SLOT_R, DS_SLOT_DEG = (0.29, -0.02), 0.05, 0.025, 90.0


def sd_dshim(u, v, lay):
    """Signed distance (px, negative inside) to the D shim's outline of ``lay`` (``"dee"``:
    the disc's radius, the flat's distance below the centre (y down), the bore's radius, the
    key notch's half width and reach above the centre): the disc cut by the chord (the
    larger of the two; exact off the chord's two corners) less the keyed bore (the bore's
    circle united with the notch's box, the smaller of the two)."""
    r, flat, bore, half, reach = lay["dee"]
    d = np.hypot(u, v)
    dee = np.maximum(d - r, v - flat)
    qx, qy = np.abs(u) - half, np.abs(v + 0.5 * reach) - 0.5 * reach
    box = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
    keyed = np.minimum(d - bore, box)
    return np.maximum(dee, -keyed)


def dshim_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``dshim`` layout in model pixels (origin at the image centre, y down): the D shim
    of :func:`sd_dshim` (``"dee"``: radius :data:`DS_R` s, the flat :data:`DS_FLAT` s below
    the centre, the keyed bore :data:`DS_BORE` s with a notch :data:`DS_KEY_W` s wide up to
    :data:`DS_KEY_TO` s; s the smaller side; ``"half"`` its bounding box, where defects are
    placed from, ``"corner"`` 0) and two vertical slots (half length :data:`DS_SLOT_HALF` s,
    radius :data:`DS_SLOT_R` s) at (+-:data:`DS_SLOT_AT`) s (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    (sx, sy) = DS_SLOT_AT
    slots = [((float(side * sx * s), float(sy * s)), DS_SLOT_HALF * s, DS_SLOT_R * s,
              DS_SLOT_DEG) for side in (-1.0, 1.0)]
    return dict(base, half=(DS_R * s, DS_R * s), corner=0.0,
                dee=(DS_R * s, DS_FLAT * s, DS_BORE * s, 0.5 * DS_KEY_W * s, DS_KEY_TO * s),
                holes=[], slots=slots)
