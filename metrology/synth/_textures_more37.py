"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 56's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``leathergrain`` an injection-moulded plastic face with a leather-grain mould texture (the
             spark-eroded or photo-etched grain of the mould cavity, as on a car's dashboard
             or a power tool's housing) (:func:`leathergrain_texture`): an irregular cellular
             net of soft rounded ridges (:func:`grain_cells`: the boundaries of Voronoi cells
             whose size drifts across the face from 4 to 12 px, each ridge a Gaussian of the
             distance to the nearest boundary, its width following the local cell size, so
             small cells are crowded by their ridges and large ones open), each cell slightly
             domed by its own height; shallow round pores in some cells (a fifth to a third of
             them, a Gaussian dip at the cell's seed); a slight gloss difference
             (:func:`sheen`: a low-frequency field, sigma 20-36 px, that lifts the level and
             the relief's contrast together, as a glossier patch of a moulding does); a fine
             micro-grain (sigma 0.5 px) over all of it.  Isotropic: no lay, the part's angle
             is not taken.
             Unlike ``wrinkled`` (a labyrinth of meandering ridges of one wavelength, side-lit,
             no cells), ``hammered`` (overlapping round shaded facets meeting in sharp rims),
             ``cast`` (isotropic multi-scale roughness with dark pores and bright inclusions,
             no net), ``powdercoat`` (orange peel: a smooth relief of round bumps of one size,
             with a dense speckle and trapped grains, no ridges), ``etchedmatte`` (an
             isotropic grain drifting in strength, with rinse streaks and rimmed pits) and
             ``passivated`` (bead craters with raised lips and sparse sharp pits): a closed
             net of soft ridges round cells of drifting size, some cells pored, under a slow
             sheen.

``spokewheel`` layout (:func:`spokewheel_layout`): a small handwheel (a die-cast or moulded
             machine handwheel) seen face on: an outer rim ring (radius 0.47 x the smaller
             side, its inside 0.41), a large hub (radius 0.31) with a bore (0.04) and a
             keyway notch at its top (0.032 wide, 0.025 past the bore), five curved spokes
             (0.07 wide, each a band round a circular arc of radius 0.4 that leaves the hub
             and reaches the rim 40 degrees further round, all bowed the same way) joining
             hub and rim (over the ring's 0.1 of radius a 40-degree sweep makes each lean
             far round: its arc's centre lies near the wheel's, so the windows are crescents
             overlapping in angle, a spoke's outer side facing one window and its inner side
             the next, each over a stretch of its own); the five openings between the spokes
             are part of the outline (the disc less five curved windows, their corners
             filleted by 0.015; :func:`sd_spokewheel`, the plate's ``"wheel"``, exact everywhere); the bore (a
             hole) and the keyway (a window) are the features, each missable (a missing
             keyway leaves a plain round bore, a missing bore the keyway's notch alone); the
             openings, being outline, are never missing, as ``pulley``'s and
             ``endshield``'s windows are not.  The hub is larger than a handwheel's usually
             is: the room for a defect on a 96 px image (12 px inside the outline, 10 px off
             the bore and keyway) is the hub's ring alone (the rim, 0.06, and the spokes are
             narrower than the 24 px it needs), and with the rim at 0.41 a hub of 0.22 or
             0.25 left none of the placing box, 0.28 2.5 %, 0.30 7.8 %, 0.31 11 % (10.7 % with the
             keyway as drawn).  The
             first outline with curved spokes (``pulley``'s arms are straight and taper,
             ``endshield``'s ribs are straight and of one width): five-fold turning symmetry,
             no mirror line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage, special

#: the cells: their spacing's range (px, drifting across the face on a field of this sigma,
#: px); the ridges' sigma (x the local spacing) and each cell's dome (x the ridge height);
#: the pores: the share of cells with one, their sigma (px) and depth (x the ridge height)
LG_SPACING, LG_SPACING_SIGMA, LG_RIDGE, LG_DOME = (4.0, 12.0), 18.0, (0.11, 0.15), 0.25
#: the seeds' thinning: the least distance between two (x the local spacing) and the bands
#: the spacing is taken in for it
LG_APART, LG_BANDS = 0.55, 3
LG_PORED, LG_PORE_SIGMA, LG_PORE = (0.2, 0.33), (0.6, 1.0), (0.4, 0.7)
#: the sheen: its sigma (px), its lift of the level and of the relief's contrast; the
#: micro-grain's weight (sigma 0.5 px)
LG_SHEEN_SIGMA, LG_SHEEN, LG_SHEEN_GAIN, LG_GRAIN = (20.0, 36.0), (0.15, 0.25), 0.25, 0.2


def _smooth(g, h, w, sigma):
    """A white-noise field (``h`` x ``w``) blurred by an isotropic Gaussian of ``sigma`` px
    (wrapping), zero mean, unit spread."""
    from .surfaces import _unit

    return _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), sigma, mode="wrap"))


def grain_cells(g, h, w):
    """The grain's cells on an ``h`` x ``w`` face: candidate seeds drawn at each pixel with
    the chance ``2 / spacing^2`` (the spacing drifting over :data:`LG_SPACING` on a slow
    field, log-uniformly), thinned so that none lies within :data:`LG_APART` x the spacing
    of a candidate of higher priority (a uniform draw each; the spacing taken in
    :data:`LG_BANDS` bands, one maximum filter over a disc each: no two seeds crowd into a
    star of thin cells), at least one seed; each pixel's cell the nearest seed's (a Voronoi
    cell).  Returns the cells (each pixel's seed's flat index), each pixel's distance to its
    seed and to the nearest cell boundary (px; the boundary runs between a pair of
    neighbours in two cells, each 0.5 px from it, both marked: marking one side only, the
    right or lower one, left a lay at 45 degrees, the staircases of the two diagonals
    marked unlike) and the local spacing (px)."""
    lo, hi = np.log(LG_SPACING[0]), np.log(LG_SPACING[1])
    drift = special.ndtr(_smooth(g, h, w, LG_SPACING_SIGMA))
    spacing = np.exp(lo + (hi - lo) * drift)
    rank = np.where(g.random((h, w)) < 2.0 / spacing ** 2, g.random((h, w)), 0.0)
    band = np.minimum((drift * LG_BANDS).astype(int), LG_BANDS - 1)
    keep = np.zeros((h, w), bool)
    for b in range(LG_BANDS):
        r = LG_APART * np.exp(lo + (hi - lo) * (b + 0.5) / LG_BANDS)
        k = int(np.ceil(r))
        yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
        top = ndimage.maximum_filter(rank, footprint=np.hypot(yy, xx) <= r, mode="wrap")
        keep |= (band == b) & (rank > 0.0) & (rank >= top)
    keep[int(g.integers(0, h)), int(g.integers(0, w))] = True
    seed_d, (iy, ix) = ndimage.distance_transform_edt(~keep, return_indices=True)
    cell = iy * w + ix
    edge = np.zeros((h, w), bool)
    across, down = cell[:, :-1] != cell[:, 1:], cell[:-1, :] != cell[1:, :]
    edge[:, :-1] |= across
    edge[:, 1:] |= across
    edge[:-1, :] |= down
    edge[1:, :] |= down
    edge_d = ndimage.distance_transform_edt(~edge) if edge.any() else np.full((h, w), np.inf)
    return cell, seed_d, edge_d + 0.5, spacing


def sheen(g, h, w):
    """The gloss difference (``h`` x ``w``, zero mean, unit spread): a slow field of sigma
    :data:`LG_SHEEN_SIGMA` px (drawn per part)."""
    return _smooth(g, h, w, g.uniform(*LG_SHEEN_SIGMA))


def leathergrain_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A leather-grain moulded face: the ridges of :func:`grain_cells` (a Gaussian of the
    distance to the boundary, sigma :data:`LG_RIDGE` x the local spacing, at least 0.7 px),
    each cell domed by :data:`LG_DOME` x a uniform draw of its own, a pore (a Gaussian dip of
    :data:`LG_PORE_SIGMA` px, :data:`LG_PORE` deep) at the seed of :data:`LG_PORED` of the
    cells, all blurred by 0.7 px; times ``1 +`` :data:`LG_SHEEN_GAIN` x :func:`sheen`, plus
    :data:`LG_SHEEN` x the sheen and :data:`LG_GRAIN` x a fine grain.  The part's angle is
    not taken.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cell, seed_d, edge_d, spacing = grain_cells(g, h, w)
    width = np.maximum(g.uniform(*LG_RIDGE) * spacing, 0.7)
    relief = np.exp(-0.5 * (edge_d / width) ** 2)
    dome = LG_DOME * g.random(h * w)
    pored = g.random(h * w) < g.uniform(*LG_PORED)
    pore = g.uniform(*LG_PORE) * pored[cell] * \
        np.exp(-0.5 * (seed_d / g.uniform(*LG_PORE_SIGMA)) ** 2)
    relief = ndimage.gaussian_filter(relief + dome[cell] - pore, 0.7, mode="wrap")
    gloss = sheen(g, h, w)
    face = _unit(relief) * (1.0 + LG_SHEEN_GAIN * gloss) + g.uniform(*LG_SHEEN) * gloss
    return _unit(face + LG_GRAIN * _smooth(g, h, w, 0.5))


#: the handwheel (x the smaller side): its radius, the rim's inside (the openings' outer
#: radius), the hub's radius (their inner one), the spokes' half width, the openings'
#: fillet; the spokes' count, the first spoke's direction at the hub (degrees, y down), how
#: far round each reaches the rim (degrees) and its arc's radius; the bore's radius, the
#: keyway's half width and its top past the bore
SW_R, SW_RIM, SW_HUB, SW_SPOKE, SW_FILLET = 0.47, 0.41, 0.31, 0.035, 0.015
SW_N, SW_FIRST, SW_SWEEP, SW_BEND = 5, -90.0, 40.0, 0.4
SW_BORE, SW_KEY, SW_KEY_DEPTH = 0.04, 0.016, 0.025


def _circle_meet(c1, r1, c2, r2):
    """The two points where the circles (centre ``c1``, radius ``r1``) and (``c2``, ``r2``)
    meet."""
    c1, c2 = np.asarray(c1, float), np.asarray(c2, float)
    d = float(np.hypot(*(c2 - c1)))
    a = (r1 * r1 - r2 * r2 + d * d) / (2.0 * d)
    k = float(np.sqrt(max(r1 * r1 - a * a, 0.0)))
    m, n = c1 + a * (c2 - c1) / d, np.array([c1[1] - c2[1], c2[0] - c1[0]]) / d
    return m + k * n, m - k * n


def _spoke_circle(hub, rim, angle, sweep, bend):
    """The centre and radius of a spoke's arc: the circle of radius ``bend`` through the
    hub's point at ``angle`` (radians) and the rim's ``sweep`` further round, its centre on
    the side the spoke bows away from."""
    a = hub * np.array([np.cos(angle), np.sin(angle)])
    b = rim * np.array([np.cos(angle + sweep), np.sin(angle + sweep)])
    m, half = 0.5 * (a + b), 0.5 * float(np.hypot(*(b - a)))
    n = np.array([a[1] - b[1], b[0] - a[0]]) / (2.0 * half)        # towards the centre's side
    return m + np.sqrt(bend * bend - half * half) * n, bend


def wheel_openings(radius, rim, hub, spoke, fillet, n, first, sweep, bend):
    """The openings between the spokes, each shrunk by ``fillet`` (px; the window the
    fillet rounds): per opening its bounds (rows of centre x, y, radius and sense, +1 inside
    the circle, -1 outside), its edge's four arcs (rows of centre x, y, radius, the start
    angle and the span, radians, counter-clockwise in x towards y), each between two of its
    corners, and its sector (the start angle and span, radians, of the directions from the
    centre it lies within, 5 degrees to spare: a spoke's circle crosses the ring again far
    round).  Spoke ``k``'s arc leaves the hub at ``first + k 360 / n`` degrees, its centre
    on the side of the next spoke; the opening after it (towards the next spoke) lies inside
    its circle less its half width and outside the next one's circle and half width."""
    step, pad = 2.0 * np.pi / n, np.deg2rad(5.0)
    circles = [_spoke_circle(hub, rim, np.deg2rad(first) + k * step, np.deg2rad(sweep), bend)
               for k in range(n)]
    out = []
    for k in range(n):
        (c0, r0), (c1, r1) = circles[k], circles[(k + 1) % n]
        bounds = np.array([[0.0, 0.0, hub + fillet, -1.0], [0.0, 0.0, rim - fillet, 1.0],
                           [c0[0], c0[1], r0 - spoke - fillet, 1.0],
                           [c1[0], c1[1], r1 + spoke + fillet, -1.0]])
        sector = (np.deg2rad(first) + k * step - pad, step + np.deg2rad(sweep) + 2.0 * pad)
        mid = sector[0] + 0.5 * sector[1]
        mid = 0.5 * (hub + rim) * np.array([np.cos(mid), np.sin(mid)])
        arcs = []
        for i, j, l in ((0, 2, 3), (1, 2, 3), (2, 0, 1), (3, 0, 1)):   # a bound, its ends
            ends = [_nearest(_circle_meet(bounds[i, :2], bounds[i, 2], bounds[m, :2],
                                          bounds[m, 2]), mid) for m in (j, l)]
            phi = [float(np.arctan2(e[1] - bounds[i, 1], e[0] - bounds[i, 0])) for e in ends]
            span = (phi[1] - phi[0]) % (2.0 * np.pi)
            half = phi[0] + 0.5 * span          # keep the arc whose middle is in the opening
            p = bounds[i, :2] + bounds[i, 2] * np.array([np.cos(half), np.sin(half)])
            if not _within(p[None], bounds, sector, skip=i)[0]:
                phi, span = phi[::-1], 2.0 * np.pi - span
            arcs.append([bounds[i, 0], bounds[i, 1], bounds[i, 2], phi[0], span])
        out.append((bounds, np.array(arcs), sector))
    return out


def _nearest(points, to):
    """Of ``points``, the one nearest ``to``."""
    return min(points, key=lambda p: float(np.hypot(*(p - to))))


def _within(p, bounds, sector, skip=-1):
    """Whether the points ``p`` (``(..., 2)``) lie in ``sector`` (start and span, radians)
    and within every bound of ``bounds`` but the one numbered ``skip`` (1e-9 px slack)."""
    ok = np.mod(np.arctan2(p[..., 1], p[..., 0]) - sector[0], 2.0 * np.pi) <= sector[1]
    for i, (cx, cy, r, sense) in enumerate(bounds):
        if i != skip:
            ok &= sense * (r - np.hypot(p[..., 0] - cx, p[..., 1] - cy)) >= -1e-9
    return ok


def _arc_distance(u, v, arc):
    """The distance (px) from the points ``u``, ``v`` to the arc ``(cx, cy, r, start,
    span)``: to its circle where the point's direction from the centre falls in its span,
    else to its nearer end."""
    cx, cy, r, start, span = arc
    du, dv = u - cx, v - cy
    on = np.mod(np.arctan2(dv, du) - start, 2.0 * np.pi) <= span
    ends = [np.hypot(du - r * np.cos(a), dv - r * np.sin(a)) for a in (start, start + span)]
    return np.where(on, np.abs(np.hypot(du, dv) - r), np.minimum(*ends))


def sd_spokewheel(u, v, lay):
    """Signed distance (px, negative inside) to the handwheel's outline of ``lay``
    (``"wheel"``: its radius, the fillet and the openings of :func:`wheel_openings`): the
    disc less the openings; each opening the window bounded by four circles (the hub's, the
    rim's and the two spokes' sides', shrunk by the fillet) grown by the fillet back, its
    distance that of the window (the least distance to its four arcs, negative within its
    bounds and sector) less the fillet.  Exact everywhere: the openings lie apart inside
    the disc, and every concave arc of a window (the hub's, a spoke's outer side) has a
    radius over the fillet."""
    radius, fillet, openings = lay["wheel"]
    u, v = np.asarray(u, float), np.asarray(v, float)
    holes = np.full(np.broadcast(u, v).shape, np.inf)
    for bounds, arcs, sector in openings:
        dist = np.min([_arc_distance(u, v, a) for a in arcs], axis=0)
        inside = _within(np.stack(np.broadcast_arrays(u, v), -1), bounds, sector)
        holes = np.minimum(holes, np.where(inside, -dist, dist) - fillet)
    return np.maximum(np.hypot(u, v) - radius, -holes)


def spokewheel_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``spokewheel`` layout in model pixels (origin at the image centre, y down): the
    handwheel of :func:`sd_spokewheel` (radius :data:`SW_R`, the rim's inside :data:`SW_RIM`,
    the hub :data:`SW_HUB`, spokes :data:`SW_SPOKE` either side of their arcs, fillet
    :data:`SW_FILLET`, :data:`SW_N` spokes from :data:`SW_FIRST` degrees reaching the rim
    :data:`SW_SWEEP` degrees further round on arcs of :data:`SW_BEND`, all x the smaller side
    ``s``; ``"half"`` and ``"corner"`` its radius: round), the bore (a hole of :data:`SW_BORE`
    s at the centre) and the keyway (a window :data:`SW_KEY` s either side of the vertical,
    from the bore's chord there, its lower corners tucked into the bore, up to
    :data:`SW_KEY_DEPTH` s past it; ``missing`` leaves out either)."""
    s = float(min(shape))
    openings = wheel_openings(SW_R * s, SW_RIM * s, SW_HUB * s, SW_SPOKE * s, SW_FILLET * s,
                              SW_N, SW_FIRST, SW_SWEEP, SW_BEND * s)
    corner = 0.1 * SW_KEY * s
    top = (SW_BORE + SW_KEY_DEPTH) * s
    low = float(np.sqrt(SW_BORE ** 2 - SW_KEY ** 2)) * s - corner     # its corners in the bore
    key = ((0.0, -0.5 * (top + low)), (SW_KEY * s, 0.5 * (top - low)), corner)
    return dict(base, half=(SW_R * s, SW_R * s), corner=SW_R * s, holes=[((0.0, 0.0),
                                                                         SW_BORE * s)],
                slots=[], windows=[key], wheel=(SW_R * s, SW_FILLET * s, openings))
