"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 22's pieces, keeping :mod:`metrology.synth._textures_more4` and ``surfaces`` small;
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
