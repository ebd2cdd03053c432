"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 26's pieces, keeping :mod:`metrology.synth._textures_more7` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``satin``    shot-peened, then polished (:func:`satin_texture`): the shot's overlapping round
             dimples, their rims and high ground then polished away down to one level, so
             that most of the face is a flat plateau (a fine satin haze its only texture) and
             what is left of the dimples are isolated dark cups below it; a few sparse deep
             pits (where the shot bit deepest, or a pore it opened) far darker than any cup.
             The first texture of round cups sunk in a flat plateau: its levels one-sided
             (half the face at one level, nothing much above it; ``swirled``'s and
             ``tumbled``'s dark marks skew theirs nearly as much, but they are arcs and
             comets, and ``anodised``'s pits sit in a grain that spreads both ways).

``link``     layout (:func:`link_layout`): a small figure-eight link plate (a roller chain's
             side plate): two round lobes joined by a waist whose sides are concave arcs
             tangent to both lobes (:func:`sd_link`, the plate's ``"eight"``), a pin hole at
             the centre of each lobe (either can be missing), the part lying on the image's
             diagonal.  The smallest part yet: its face about 0.35 of the image, on the flat
             background all round (gusset's 0.37 the nearest, the others 0.47-0.74); the
             first outline with a waist (concave arcs) and no straight edge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the peening dimples: radius range (px) and coverage (impacts x their mean area per px^2);
#: the polished share of the face (the plateau: the levels above the quantile ``1 - share``
#: are cut to it)
SATIN_RADIUS, SATIN_COVER, SATIN_PLATEAU = (2.5, 5.0), 1.3, 0.65
#: the deep pits: image area per pit (px^2), their radius (Gaussian sigma, px) and depth (in
#: units of the deepest dimple)
SATIN_PIT_AREA, SATIN_PIT_SIGMA, SATIN_PIT_DEPTH = 900.0, (0.8, 1.2), (1.6, 2.4)


def satin_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Satin (peened, then polished) face: round dimples (each pixel in the cup
    ``-depth (1 - (d / r)^2)`` of its nearest impact, radius in :data:`SATIN_RADIUS`, depth
    0.5-1.5, :data:`SATIN_COVER` impacts per area), polished flat: every level above the
    :data:`SATIN_PLATEAU` (its share) from the top cut to one level, the plateau; then
    smoothed by 0.6 px, a deep pit per :data:`SATIN_PIT_AREA` px^2 (a Gaussian of sigma in
    :data:`SATIN_PIT_SIGMA`, depth :data:`SATIN_PIT_DEPTH` x a full cup), plus 0.08 of a fine
    satin haze (white noise smoothed by 0.6 px) and 0.05 of a slow sheen (16 px).  Zero mean,
    unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    mean_r = 0.5 * sum(SATIN_RADIUS)
    n = max(1, int(round(SATIN_COVER * h * w / (np.pi * mean_r ** 2))))
    seeds = np.ones((h, w), bool)
    seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
    d, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
    radius = g.uniform(*SATIN_RADIUS, (h, w))[iy, ix]      # one radius and depth per impact
    depth = g.uniform(0.5, 1.5, (h, w))[iy, ix]
    cups = -depth * (1.0 - np.minimum((d / radius) ** 2, 1.0))
    polished = np.minimum(cups, np.quantile(cups, 1.0 - SATIN_PLATEAU))
    polished = ndimage.gaussian_filter(polished, 0.6, mode="wrap")
    k = max(1, int(round(h * w / SATIN_PIT_AREA)))
    py, px = g.uniform(0, h, k), g.uniform(0, w, k)
    sig, dep = g.uniform(*SATIN_PIT_SIGMA, k), g.uniform(*SATIN_PIT_DEPTH, k)
    pits = _pit_field(h, w, px, py, sig, dep)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    sheen = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    return _unit(polished - pits + 0.03 * haze + 0.03 * sheen)


def _pit_field(h, w, px, py, sig, dep):
    """The deep pits' depth field (H, W): each pit ``dep exp(-d^2 / 2 sig^2)`` on a 9 x 9
    patch round its pixel, all pits in one vectorised pass and one ``bincount``."""
    off = np.arange(-4, 5)
    iy = np.floor(py).astype(np.int64)[:, None, None] + off[None, :, None]
    ix = np.floor(px).astype(np.int64)[:, None, None] + off[None, None, :]
    r2 = (ix - px[:, None, None]) ** 2 + (iy - py[:, None, None]) ** 2
    val = dep[:, None, None] * np.exp(-0.5 * r2 / sig[:, None, None] ** 2)
    val = np.broadcast_to(val, np.broadcast_shapes(iy.shape, ix.shape))
    iy, ix = np.broadcast_arrays(iy, ix)
    ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    return np.bincount((iy * w + ix)[ok], weights=val[ok], minlength=h * w).reshape(h, w)


#: the link plate (x the smaller side): the lobes' radius, the pitch (centre to centre), the
#: waist's half height and the pin holes' radius; its axis's angle (degrees, y down: -45 runs
#: from the lower left to the upper right)
LINK_LOBE, LINK_PITCH, LINK_WAIST, LINK_PIN, LINK_ANGLE = 0.24, 0.5, 0.15, 0.065, -45.0


def link_geometry(lobe: float, pitch: float, waist: float) -> dict:
    """The figure-eight's construction: the lobes (radius ``lobe``) centred at ``(+-pitch / 2,
    0)``, the waist's arcs of radius ``rf`` centred at ``(0, +-(waist + rf))``, each tangent
    to both lobes (``(pitch / 2)^2 + (waist + rf)^2 = (lobe + rf)^2``) at ``(+-xt, +-yt)``."""
    half = 0.5 * pitch
    rf = (half ** 2 + waist ** 2 - lobe ** 2) / (2.0 * (lobe - waist))
    yc = waist + rf
    xt, yt = half * rf / (lobe + rf), yc * lobe / (lobe + rf)
    return {"half": half, "lobe": lobe, "rf": rf, "yc": yc, "xt": xt, "yt": yt}


def sd_link(u, v, lay):
    """Signed distance (px, negative inside; exact in and out) to the link plate's outline of
    ``lay`` (``"eight"``: ``(lobe, pitch, waist)`` px and the axis's angle, degrees): the
    nearest of its four arcs (each lobe's outer arc, beyond its tangent points, and the
    waist's two concave arcs between them, :func:`link_geometry`, along the axis), negative
    in a lobe or in the waist between the arcs."""
    lobe, pitch, waist, angle = lay["eight"]
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    u, v = u * ca + v * sa, -u * sa + v * ca            # along and across the axis
    k = link_geometry(lobe, pitch, waist)
    half, lobe, rf, yc, xt = k["half"], k["lobe"], k["rf"], k["yc"], k["xt"]
    au, av = np.abs(u), np.abs(v)            # by symmetry: the right lobe, the upper waist
    end = np.hypot(au - xt, av - k["yt"])     # the tangent point: both arcs' end
    # the lobe's outer arc: the circle (half, 0) of radius lobe where x >= xt
    a, rl = au - half, np.hypot(au - half, v)
    on_lobe = (rl > 0.0) & (half + lobe * a / np.where(rl > 0.0, rl, 1.0) >= xt)
    d_lobe = np.where(on_lobe, np.abs(rl - lobe), end)
    # the waist's arc: the circle (0, yc) of radius rf, its lower part where |x| <= xt
    rho = np.hypot(au, av - yc)
    on_waist = (av < yc) & (au * rf <= xt * rho)
    d_waist = np.where(on_waist, np.abs(rho - rf), end)
    dist = np.minimum(d_lobe, d_waist)
    inside = (rl < lobe) | ((au <= xt) & (rho > rf) & (av < yc))
    return np.where(inside, -dist, dist)


def link_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``link`` layout in model pixels (origin at the image centre, y down): the
    figure-eight of :func:`sd_link` (``"eight"``: lobes of radius :data:`LINK_LOBE` s,
    :data:`LINK_PITCH` s apart along its axis, at :data:`LINK_ANGLE` (a diagonal), the waist
    :data:`LINK_WAIST` s wide on each side of the axis; ``s`` the smaller side; ``"half"``
    its bounding box, where defects are placed from), a pin hole of radius :data:`LINK_PIN` s
    at each lobe's centre, the lower left one first (either missable).  Its face (less the
    holes) is about 0.35 of a square image, 21 px inside its border (17 px at the least at
    the bench's extreme jitter, +-3 px and +-2 degrees)."""
    h, w = shape
    s = float(min(h, w))
    lobe, pitch, waist = LINK_LOBE * s, LINK_PITCH * s, LINK_WAIST * s
    a = np.deg2rad(LINK_ANGLE)
    holes = [((float(x * 0.5 * pitch * np.cos(a)), float(x * 0.5 * pitch * np.sin(a))),
              LINK_PIN * s) for x in (-1.0, 1.0)]
    ext = float(0.5 * pitch * max(abs(np.cos(a)), abs(np.sin(a))) + lobe)
    return dict(base, half=(ext, ext), corner=lobe, eight=(lobe, pitch, waist, LINK_ANGLE),
                holes=holes, slots=[])
