"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 22's and 23's pieces, keeping :mod:`metrology.synth._textures_more4` and ``surfaces``
small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``lasercut`` the cut face of a thick laser- (or oxy-fuel-) cut plate (:func:`lasercut_texture`):
             quasi-periodic striations (drag lines: pitch 4-7 px per part, their spacing
             wavering) running from the beam's entry side (the image's top) to its exit side
             (the bottom), each bent back against the cutting direction by the same drag
             curve (a lag growing as the square of the depth, 0.08-0.2 of the face's height at
             the exit, to the left or the right per part); regular and fine at the entry, the
             lines wandering and a coarse roughness growing towards the exit, over a fine
             grain.  The texture is not stationary: its rows differ by their depth.

``gusset``   layout (:func:`gusset_layout`): a triangular gusset plate (the corner plate that
             stiffens a frame's joint): a right-angled triangle across the plate (its right
             angle at the lower left, its hypotenuse from the upper left to the lower right,
             corners rounded), a round lightening hole at the triangle's incentre and a fixing
             hole in each corner, as far from both its edges (``missing`` leaves out a fixing
             hole only, never the lightening hole).  The outline is :func:`sd_gusset` (the
             plate's ``"tri"``): the first plate with an edge at an angle to the image's axes.

``diecast``  the as-cast skin of a high-pressure die casting (:func:`diecast_texture`): flow
             lines, fine aperiodic streaks of random depth and width that follow the metal's
             flow from the gate (off the image, 0.9-1.5 x its larger side away, in any
             direction): they fan out from it (wider apart away from the gate) and bend
             gently where the flow swerved (:func:`flow_lines`), fading in and out along
             their length, with sparse dark gas pores and a fine grain.  The first texture
             whose lay turns across the image (its direction is the flow's at every point).

``sprocket`` layout (:func:`sprocket_layout`): a chain sprocket cut from plate: a round plate
             with sixteen teeth on its rim (the rim cut by sixteen semicircular roller seats
             centred on it, :func:`sd_sprocket`, the plate's ``"teeth"``), a central bore with
             a keyway at its top and four round lightening holes on a circle between the bore
             and the teeth (``missing`` leaves out a lightening hole only, never the bore or
             the keyway).  The first outline with teeth: concave notches all round.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the striations' pitch (px, one per part) and the drag at the exit (x the face's height)
CUT_PITCH_PX = (4.0, 7.0)
CUT_DRAG = (0.08, 0.2)


def cut_lines(g: np.random.Generator, h: int, w: int) -> dict:
    """The drag lines of a cut face of ``h`` x ``w`` px: the pitch ``P`` (drawn in
    :data:`CUT_PITCH_PX`), the drag ``D`` (px; ``h`` times a factor in :data:`CUT_DRAG`, its
    sign the cutting direction, either way), each row's depth ``t = y / (h - 1)`` (0 at the
    entry, 1 at the exit; 0 for a single row) and its lag ``D t**2``.  Returns ``{"pitch",
    "drag", "depth"}`` (``depth`` of shape (h, 1)) and ``"u"`` (h, w): each pixel's position
    across the lines with the lag taken off (``x - D t**2``), to which the texture adds the
    lines' wander."""
    pitch = float(g.uniform(*CUT_PITCH_PX))
    drag = float(g.uniform(*CUT_DRAG)) * h * (1.0 if g.uniform() < 0.5 else -1.0)
    depth = np.arange(h, dtype=np.float64)[:, None] / max(h - 1, 1)
    u = np.arange(w, dtype=np.float64)[None, :] - drag * depth ** 2
    return {"pitch": pitch, "drag": drag, "depth": depth, "u": u}


def lasercut_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Cut face: the lines of :func:`cut_lines` (their lag along the drag curve), each pixel at
    ``u`` plus a wander ``(0.25 + 1.5 t**1.5) n`` px (``n`` white noise smoothed by a Gaussian
    of 1 px across the lines and 6 px along them, of unit spread: the lines stay continuous
    but waver more towards the exit) read on a striation profile across them: ``cos`` of a
    phase ``2 pi u / P`` plus a slow random walk (the spacing wavering, 0.25 rad per pitch),
    plus 0.35 of its second harmonic (narrower grooves), times an amplitude varying slowly
    from line to line (0.7-1.3); plus a coarse roughness (a Gaussian of 2 px, unit spread)
    weighted by ``0.7 t**2`` (the exit's ragged gouges) and a fine grain (0.6 px) at 0.25.
    Vectorised (the profile is a 1-D table read by interpolation).  Zero mean, unit standard
    deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cl = cut_lines(g, h, w)
    pitch, t = cl["pitch"], cl["depth"]
    noise = ndimage.gaussian_filter(g.standard_normal((h, w)), (6.0, 1.0), mode="wrap")
    wander = (0.25 + 1.5 * t ** 1.5) * _unit(noise)
    u = cl["u"] + wander
    lo = float(np.floor(u.min())) - 2.0
    grid = np.arange(lo, float(u.max()) + 3.0, 0.25)
    steps = g.standard_normal(len(grid)) * 0.25 * np.sqrt(0.25 / pitch)
    phase = 2.0 * np.pi * (grid - lo) / pitch + np.cumsum(steps) + g.uniform(0.0, 2 * np.pi)
    amp = ndimage.gaussian_filter1d(g.standard_normal(len(grid)), 4.0 * pitch, mode="wrap")
    amp = 1.0 + 0.3 * np.clip(_unit(amp), -1.0, 1.0)
    table = amp * (np.cos(phase) + 0.35 * np.cos(2.0 * phase))
    lines = np.interp(u, grid, table)
    coarse = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 2.0, mode="wrap"))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(lines + 0.7 * t ** 2 * coarse + 0.25 * grain)


def _sd_convex(u, v, verts):
    """Signed distance (px, negative inside) to the convex polygon ``verts`` (counter-clockwise
    or clockwise, in order): the distance to its nearest edge, negative where the point is on
    the inner side of every edge."""
    d = np.full(np.shape(u), np.inf)
    inside = np.ones(np.shape(u), bool)
    n = len(verts)
    area = sum(verts[i][0] * verts[(i + 1) % n][1] - verts[(i + 1) % n][0] * verts[i][1]
               for i in range(n))
    sense = 1.0 if area > 0 else -1.0
    for i in range(n):
        (ax, ay), (bx, by) = verts[i], verts[(i + 1) % n]
        ex, ey = bx - ax, by - ay
        px, py = u - ax, v - ay
        k = np.clip((px * ex + py * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        d = np.minimum(d, np.hypot(px - k * ex, py - k * ey))
        inside &= sense * (ex * py - ey * px) >= 0
    return np.where(inside, -d, d)


def sd_gusset(u, v, lay):
    """Signed distance (px, negative inside; exact) to the gusset's outline of ``lay``: the
    triangle ``"tri"`` (its three vertices, already moved in towards the incentre by the
    ``"corner"`` radius ``r``) grown by ``r`` (its corners rounded to ``r``)."""
    return _sd_convex(u, v, lay["tri"]) - lay["corner"]


#: the gusset's lightening hole and fixing holes (radius x the smaller side ``s``) and each
#: fixing hole's distance to the two edges of its corner (x ``s``)
GUSSET_BORE, GUSSET_HOLE, GUSSET_CLEAR = 0.065, 0.03, 0.085


def gusset_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``gusset`` layout in model pixels (origin at the image centre) on the plate ``base``
    (its ``half`` ``(hx, hy)``; its ``corner`` 0.04 x the smaller side ``s``): the triangle
    ``(-hx, hy)`` (the right angle, lower left), ``(hx, hy)``, ``(-hx, -hy)`` with its corners
    rounded (:func:`sd_gusset`; ``"tri"``: the vertices moved towards the incentre ``I`` so
    that every edge comes in by the corner radius), a lightening hole of radius
    :data:`GUSSET_BORE` s at ``I`` (a window whose corners are rounded to its half size: a
    circle) and in each corner a fixing hole of radius :data:`GUSSET_HOLE` s on the line from
    the corner to ``I``, :data:`GUSSET_CLEAR` s from both edges of the corner (lower left,
    lower right, upper left).  ``"keep_windows"``: a ``missing`` part leaves out a fixing hole
    only."""
    h, w = shape
    s = float(min(h, w))
    hx, hy = base["half"]
    corners = np.array([(-hx, hy), (hx, hy), (-hx, -hy)])
    a, b = 2.0 * hx, 2.0 * hy                     # the legs; the inradius, the incentre
    rho = 0.5 * (a + b - np.hypot(a, b))
    centre = np.array([-hx + rho, hy - rho])
    corner = 0.04 * s
    tri = [tuple(float(x) for x in centre + (p - centre) * (rho - corner) / rho)
           for p in corners]
    holes = [(tuple(float(x) for x in p + (centre - p) * GUSSET_CLEAR * s / rho),
              GUSSET_HOLE * s) for p in corners]
    bore = GUSSET_BORE * s
    windows = [((float(centre[0]), float(centre[1])), (bore, bore), bore)]
    return dict(base, corner=corner, tri=tri, holes=holes, slots=[], windows=windows,
                keep_windows=True)


#: the die-cast flow's gate: its distance from the image's centre (x the larger side), the
#: flow lines' largest swerve (the bend's steepest slope, 3 waves together) and their waves'
#: length (x the larger side)
DIE_GATE, DIE_BEND, DIE_WAVE = (0.9, 1.5), 0.4, (0.6, 1.4)


def flow_lines(g: np.random.Generator, h: int, w: int) -> dict:
    """The flow of a die-cast face of ``h`` x ``w`` px: a gate ``G`` at a distance ``D`` (the
    larger side ``M`` times a factor in :data:`DIE_GATE`: off the image) from its centre, in
    a random direction, and a stream function ``psi`` (px) whose level lines are the flow
    lines: ``D`` times each pixel's polar angle about ``G`` (from the direction to the
    centre: lines fanning out of the gate, 1 px apart at the centre) plus a bend, three plane
    waves (length ``M`` times a factor in :data:`DIE_WAVE`, random direction and phase) of
    amplitudes that make its slope at most :data:`DIE_BEND` (less than the fan's, at least
    ``0.9 / 1.6``: the flow never stops).  Returns ``{"gate"}`` (x, y), ``"psi"`` (h, w) and
    ``"grad"`` (its exact gradient, two (h, w) arrays: the flow runs across it)."""
    m = float(max(h, w))
    dist = float(g.uniform(*DIE_GATE)) * m
    turn = float(g.uniform(0.0, 2.0 * np.pi))
    cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
    gate = (cx + dist * np.cos(turn), cy + dist * np.sin(turn))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    qx, qy = xx - gate[0], yy - gate[1]
    ax, ay = -np.cos(turn), -np.sin(turn)                 # from the gate to the centre
    psi = dist * np.arctan2(ax * qy - ay * qx, ax * qx + ay * qy)
    q2 = qx * qx + qy * qy
    gx, gy = -dist * qy / q2, dist * qx / q2
    lam = g.uniform(*DIE_WAVE, 3) * m
    amp = DIE_BEND * lam / (2.0 * np.pi * 3.0)            # each wave's slope at most 1/3
    heading, phase = g.uniform(0.0, np.pi, 3), g.uniform(0.0, 2.0 * np.pi, 3)
    for a, lk, hd, ph in zip(amp, lam, heading, phase):
        kx, ky = 2.0 * np.pi * np.cos(hd) / lk, 2.0 * np.pi * np.sin(hd) / lk
        arg = kx * xx + ky * yy + ph
        psi = psi + a * np.sin(arg)
        c = a * np.cos(arg)
        gx, gy = gx + c * kx, gy + c * ky
    return {"gate": gate, "psi": psi, "grad": (gx, gy)}


def diecast_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Die-cast skin: the flow lines of :func:`flow_lines`, each pixel read at its ``psi`` on a
    random profile across the lines (white noise on a 0.25 px grid smoothed by a Gaussian of
    0.8 px, plus 0.6 of one of 3 px: fine streaks and broader flow bands, aperiodic), times
    a slow fade (``1 + 0.4`` of a smooth field, sigma 10 px, clipped to +-2: the lines
    fading in and out along their length); less 2 x sparse dark gas pores (1 in 900 px,
    a Gaussian of 0.7 px, at most 1) and plus 0.25 of a fine grain (0.6 px).  Vectorised
    (the profile is a 1-D table read by interpolation).  Zero mean, unit standard deviation,
    per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    psi = flow_lines(g, h, w)["psi"]
    lo = float(np.floor(psi.min())) - 2.0
    grid = np.arange(lo, float(psi.max()) + 3.0, 0.25)
    fine = ndimage.gaussian_filter1d(g.standard_normal(len(grid)), 3.2, mode="wrap")
    bands = ndimage.gaussian_filter1d(g.standard_normal(len(grid)), 12.0, mode="wrap")
    lines = np.interp(psi, grid, _unit(fine) + 0.6 * _unit(bands))
    fade = ndimage.gaussian_filter(g.standard_normal((h, w)), 10.0, mode="wrap")
    fade = 1.0 + 0.4 * np.clip(_unit(fade), -2.0, 2.0)
    pores = ndimage.gaussian_filter((g.random((h, w)) < 1.0 / 900.0) * 1.0, 0.7, mode="wrap")
    pores = pores / max(float(pores.max()), 1e-12)
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(lines * fade - 2.0 * pores + 0.25 * grain)


#: the sprocket: its teeth, the roller seats' radius, the bore's and the lightening holes'
#: radii, the holes' circle (x the smaller side) and how many holes
SPROCKET_TEETH, SPROCKET_SEAT = 16, 0.06
SPROCKET_BORE, SPROCKET_HOLE, SPROCKET_RING, SPROCKET_HOLES = 0.08, 0.045, 0.25, 4


def sd_sprocket(u, v, lay):
    """Signed distance (px, negative inside; exact inside the plate, a lower bound outside
    it, at the teeth's corners) to the sprocket's outline of ``lay`` (``"teeth"``: ``(n, R,
    rs, a0)``): the disc of radius ``R`` less ``n`` discs of radius ``rs`` (the roller seats)
    centred on its rim at ``a0 + 360 k / n`` degrees; only the nearest seat counts (the seats
    are all on one circle: the nearest in angle is the nearest)."""
    n, big, rs, a0 = lay["teeth"]
    step = 2.0 * np.pi / n
    a = np.deg2rad(a0)
    k = np.round((np.arctan2(v, u) - a) / step)
    seat = np.hypot(u - big * np.cos(a + k * step), v - big * np.sin(a + k * step)) - rs
    return np.maximum(np.hypot(u, v) - big, -seat)


def sprocket_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``sprocket`` layout in model pixels (origin at the image centre) on the plate
    ``base``: a disc of radius ``R``, the plate's smaller half size, its rim cut by
    :data:`SPROCKET_TEETH` roller seats of radius :data:`SPROCKET_SEAT` s (``s`` the smaller
    side) centred on it half a tooth off the top (a tooth at the top: ``"teeth"``, the
    outline of :func:`sd_sprocket`), a central bore of radius :data:`SPROCKET_BORE` s (a
    window, its corners rounded to its half size: a circle) with a keyway at its top (a
    vertical slot of radius 0.025 s, half length 0.02 s, its outer end 0.05 s beyond the
    bore) and :data:`SPROCKET_HOLES` lightening holes of radius :data:`SPROCKET_HOLE` s on a
    circle of :data:`SPROCKET_RING` s at 45, 135, 225 and 315 degrees (none under the
    keyway; room for the surface defects between them at 96 x 96).  Holes first (the
    lightening holes), the keyway, the bore.  ``"keep_windows"`` and ``"keep_slots"``: a
    ``missing`` part leaves out a lightening hole only."""
    h, w = shape
    s = float(min(h, w))
    big = float(min(base["half"]))
    n = SPROCKET_TEETH
    teeth = (n, big, SPROCKET_SEAT * s, -90.0 + 180.0 / n)
    ring, bore = SPROCKET_RING * s, SPROCKET_BORE * s
    holes = [((float(ring * np.cos(t)), float(ring * np.sin(t))), SPROCKET_HOLE * s)
             for t in np.deg2rad(45.0 + 90.0 * np.arange(SPROCKET_HOLES))]
    slots = [((0.0, -(bore + 0.005 * s)), 0.02 * s, 0.025 * s, 90.0)]
    windows = [((0.0, 0.0), (bore, bore), bore)]
    return dict(base, corner=0.0, teeth=teeth, holes=holes, slots=slots, windows=windows,
                keep_windows=True, keep_slots=True)
