"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 40's pieces, keeping :mod:`metrology.synth._textures_more21` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``sized``    the sized (coined) face of a pressed and sintered powder-metal steel part (a
             pump gear's, a sprocket's, a bushing's end face) (:func:`sized_texture`): the
             sizing die squeezes the sintered part to its final size and burnishes its face
             into a bright, nearly plain plateau (a faint fine grain and a faint mottle), but
             the pores between the sintered powder particles stay open below it as dark
             holes, each the gap left between three or four rounded particles that sintered
             together round it (:func:`particle_pores`): a curved triangle or square whose
             sides are the particles' convex arcs, so the pore's corners are sharp cusps
             pointing out between them; its inscribed radius log-normal (median 1.5 px,
             0.7-3.2 px, a wide spread: a few large pores among many small ones), the
             particles 7.5-10 (three) or 3.5-5 (four) x that, at any turn, about one pore per
             230 px^2, each one dark (0.8-1) all over, its edge sharp.  Its levels are
             one-sided: sparse dark marks on a bright face.  The first texture of sparse
             concave (cusped) dark marks: ``freemachining``'s lenses are elongated and lie
             one way, ``satin``'s cups and ``anodised``'s and ``cast``'s pits are round
             (convex), ``sintered``'s grains tile the face with pores in their boundaries,
             ``hardfaced``'s convex islands are bright.

``tabwasher`` layout (:func:`tabwasher_layout`): a double-tab lock washer (as DIN 463: a
             ring under a nut, one tab bent up against the nut's flat, the other down over
             the part's edge), seen flat before bending: a ring (outer radius 0.36 x the
             smaller side, its bore 0.09, part of the outline, never missing) centred 0.05
             left of and 0.05 below the image's, with a long tab (0.16 wide, its round end
             0.49 from the ring's centre) straight up and a short one (as wide, to 0.47)
             to the right (:func:`sd_tabwasher`, the plate's ``"tabs"``); a lock-wire hole
             in each tab near its end (0.028 at 0.41 and 0.026 at 0.39; either missable).
             The first outline of a round part with straight tabs standing out of it (two
             sharp re-entrant corners at each tab's root): ``ovalflange``'s lobes are joined
             by tangent edges, ``starflange``'s scallops are cut in, ``trimount`` is convex.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the pores: their density (per px^2), inscribed radius (px: the log-normal's median and
#: sigma, cut to the range), the particles round a pore (count: three or four, equally
#: likely) and their radius (x the pore's, for three and for four); the pores' levels, the
#: edge's blur (px), the bound on a pore's reach (x its radius); the pores' weight, the
#: plateau's grain (weight, blur px) and mottle (weight, blur px)
SZ_DENSITY, SZ_RADIUS, SZ_RANGE = 1.0 / 230.0, (1.5, 0.4), (0.7, 3.2)
SZ_PARTICLES = {3: (7.5, 10.0), 4: (3.5, 5.0)}
SZ_LEVEL, SZ_BLUR, SZ_REACH = (0.8, 1.0), 0.45, 3.2
#: the pores are drawn on boxes of three sizes, split at these inscribed radii (px)
SZ_SPLIT = (1.25, 2.0)
SZ_WEIGHT, SZ_GRAIN, SZ_MOTTLE = 1.0, (0.08, 0.6), (0.05, 14.0)


def particle_pores(g, n, h, w):
    """``n`` pores on an ``h`` x ``w`` face (centres anywhere on it and 10 px beyond): their
    centres (n, 2: x, y), inscribed radii (n), the surrounding particles' centres' offsets
    (n, 4, 2: x, y from the pore's centre; the fourth repeats the first for a pore of three)
    and radii (n, 4) and the levels (n).  Particle ``k`` of a pore of ``m`` lies at angle
    ``turn + 2 pi k / m`` at a distance of its radius plus the pore's, so it touches the
    pore's inscribed circle; its radius, :data:`SZ_PARTICLES` x the pore's, overlaps its
    neighbours' so that the pore is closed."""
    centres = np.stack([g.uniform(-10.0, w + 10.0, n), g.uniform(-10.0, h + 10.0, n)], axis=-1)
    rho = np.clip(SZ_RADIUS[0] * np.exp(SZ_RADIUS[1] * g.standard_normal(n)), *SZ_RANGE)
    m = np.where(g.random(n) < 0.5, 3, 4)
    lo = np.where(m == 3, SZ_PARTICLES[3][0], SZ_PARTICLES[4][0])
    hi = np.where(m == 3, SZ_PARTICLES[3][1], SZ_PARTICLES[4][1])
    rp = rho[:, None] * (lo[:, None] + (hi - lo)[:, None] * g.random((n, 4)))
    k = np.arange(4)[None, :] % m[:, None]
    ang = g.uniform(0.0, 2.0 * np.pi, (n, 1)) + 2.0 * np.pi * k / m[:, None]
    rp = np.where(np.arange(4)[None, :] < m[:, None], rp, rp[:, :1])
    dist = rp + rho[:, None]
    offs = np.stack([dist * np.cos(ang), dist * np.sin(ang)], axis=-1)
    return centres, rho, offs, rp, g.uniform(*SZ_LEVEL, n)


def pore_sd(dx, dy, rho, offs, rp):
    """The distance (px, negative inside; exact inside and along the arcs) of points at
    offsets ``dx``, ``dy`` (n, k) from the centres of the pores of :func:`particle_pores` to
    them: outside every particle (the largest of their radii less the distance to their
    centres), within :data:`SZ_REACH` x the radius of the centre."""
    px, py = dx[..., None] - offs[:, None, :, 0], dy[..., None] - offs[:, None, :, 1]
    particles = (rp[:, None, :] - np.sqrt(px * px + py * py)).max(axis=-1)
    return np.maximum(particles, np.sqrt(dx * dx + dy * dy) - SZ_REACH * rho[:, None])


def sized_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A sized powder-metal face: :func:`particle_pores` (about :data:`SZ_DENSITY` a px^2),
    each drawn on the pixels of a box round it as its cusped outline (:func:`pore_sd`,
    antialiased over a px) at its level, the deepest where two meet (on boxes of three sizes, split by the radius at :data:`SZ_SPLIT`; in single
    precision), the edges blurred by
    :data:`SZ_BLUR`, dark at weight :data:`SZ_WEIGHT` on a faint grain (:data:`SZ_GRAIN`) and
    mottle (:data:`SZ_MOTTLE`) of the burnished plateau.  Zero mean, unit standard
    deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    n = max(1, int(round((h + 20) * (w + 20) * SZ_DENSITY)))
    centres, rho, offs, rp, level = particle_pores(g, n, h, w)
    flat = np.zeros(h * w)
    size = np.searchsorted(SZ_SPLIT, rho)                # the larger pores: larger boxes
    for b, top in enumerate(SZ_SPLIT + (SZ_RANGE[1],)):
        on = size == b
        m = int(np.ceil(SZ_REACH * top)) + 1
        oy, ox = np.mgrid[-m:m + 1, -m:m + 1].reshape(2, 1, -1)
        c = centres[on]
        row = np.floor(c[:, 1:2]).astype(np.int64) + oy              # (n, (2m + 1)^2)
        col = np.floor(c[:, 0:1]).astype(np.int64) + ox
        f32 = np.float32
        sd = pore_sd((col - c[:, 0:1]).astype(f32), (row - c[:, 1:2]).astype(f32),
                     rho[on].astype(f32), offs[on].astype(f32), rp[on].astype(f32))
        val = np.clip(0.5 - sd, 0.0, 1.0) * level[on][:, None]
        ok = (row >= 0) & (row < h) & (col >= 0) & (col < w) & (val > 0)
        np.maximum.at(flat, row[ok] * w + col[ok], val[ok])
    pores = ndimage.gaussian_filter(flat.reshape(h, w), SZ_BLUR)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), SZ_GRAIN[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), SZ_MOTTLE[1], mode="wrap")
    out = -SZ_WEIGHT * pores + SZ_GRAIN[0] * _unit(grain) + SZ_MOTTLE[0] * _unit(mottle)
    return _unit(out)


#: the tab washer (x the smaller side): the ring's centre (x, y from the image's), its outer
#: radius and bore, the tabs' width, the long tab's end (up) and the short one's (to the
#: right) from the ring's centre; the lock-wire holes' distance from it and radius, long
#: tab's then short tab's
TW_CENTRE, TW_R, TW_BORE, TW_WIDTH = (-0.05, 0.05), 0.36, 0.09, 0.16
TW_LONG, TW_SHORT, TW_HOLES = 0.49, 0.47, ((0.41, 0.028), (0.39, 0.026))


def sd_tabwasher(u, v, lay):
    """Signed distance (px, negative inside) to the tab washer's outline of ``lay``
    (``"tabs"``: the ring's centre x, y, its outer radius and bore, the tabs' half width,
    the long tab's and the short tab's ends from the centre): the ring's disc united with two
    stadia from its centre, one up and one to the right (the tabs, their ends round), less
    the bore.  Exact everywhere: the nearest of the outline's pieces, the rim's arcs between
    the tabs, each tab's two straight sides from the rim (the re-entrant corners their ends)
    and round end, and the bore; negative where the point is in the disc or a tab and out of
    the bore."""
    cx, cy, r_out, bore, hw, long_end, short_end = lay["tabs"]
    x, y = np.asarray(u, float) - cx, np.asarray(v, float) - cy
    r = np.hypot(x, y)
    root = np.sqrt(max(r_out ** 2 - hw ** 2, 0.0))                # the sides leave the rim
    inside, near = r - r_out, np.abs(r - bore)
    on_rim = np.ones(np.shape(r), bool)
    for along, across, end in ((-y, x, long_end), (x, y, short_end)):   # up, to the right
        tip = end - hw
        stadium = np.hypot(across, along - np.clip(along, 0.0, tip)) - hw
        inside = np.minimum(inside, stadium)
        side = np.hypot(np.abs(across) - hw, along - np.clip(along, root, tip))
        cap = np.where(along >= tip, np.abs(np.hypot(across, along - tip) - hw), np.inf)
        near = np.minimum(near, np.minimum(side, cap))
        on_rim &= ~((along > 0) & (np.abs(across) * r_out < hw * r))   # the tab's span
    near = np.minimum(near, np.where(on_rim, np.abs(r - r_out), np.inf))
    return np.where((inside < 0) & (r > bore), -near, near)


def tabwasher_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``tabwasher`` layout in model pixels (origin at the image centre, y down): the
    washer of :func:`sd_tabwasher` (``"tabs"``: the ring's centre at :data:`TW_CENTRE` s,
    radius :data:`TW_R` s, bore :data:`TW_BORE` s, tabs :data:`TW_WIDTH` s wide ending
    :data:`TW_LONG` s up and :data:`TW_SHORT` s to the right; s the smaller side; ``"half"``
    a box round it, where defects are placed from, ``"corner"`` 0) and a lock-wire hole in
    each tab (:data:`TW_HOLES`: distance from the ring's centre and radius, x s; ``missing``
    leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    cx, cy = TW_CENTRE[0] * s, TW_CENTRE[1] * s
    (a0, r0), (a1, r1) = TW_HOLES
    holes = [((cx, cy - a0 * s), r0 * s), ((cx + a1 * s, cy), r1 * s)]
    half = (max(abs(cx - TW_R * s), cx + TW_SHORT * s),
            max(abs(cy - TW_LONG * s), cy + TW_R * s))
    return dict(base, half=(float(half[0]), float(half[1])), corner=0.0,
                tabs=(cx, cy, TW_R * s, TW_BORE * s, 0.5 * TW_WIDTH * s, TW_LONG * s,
                      TW_SHORT * s), holes=holes, slots=[])
