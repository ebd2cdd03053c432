"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 39's pieces, keeping :mod:`metrology.synth._textures_more20` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``hardfaced`` a tungsten carbide hardfacing ground flat (the wear face of a crusher hammer, a
             drill collar's hardbanding or a mixer blade) (:func:`hardfaced_texture`): the
             crushed carbide grains, far harder than the weld matrix that holds them, are
             ground flat with it and shine as bright flat angular islands on the darker,
             nearly plain matrix (a faint fine grain and a faint mottle): each grain an
             irregular convex polygon (:func:`carbide_grains`: 6 edges at jittered angles,
             each 0.7-1 of its radius from its centre, the radius 2-5.5 px), flat-topped
             (one level a grain, 0.75-1), its edge sharp (blurred by 0.5 px), about one per
             700 px^2 (where two touch, the brighter shows: they do not pile up).  Its
             levels are one-sided: sparse bright marks on a darker face.  The first texture
             of sparse bright flat-topped angular islands: ``painted``'s flakes are 1-2 px
             specks, ``eroded``'s recast globules round, ``strandmat``'s strands long and
             straight, ``cast``'s inclusions few and soft, ``spangle``'s grains tile the
             whole face.

``starflange`` layout (:func:`starflange_layout`): a five-lobed (star) flange end-on, as on
             a pump's or a gearbox's shaft seal carrier: a disc of radius 0.46 x the
             smaller side with five round scallops (radius 0.15, centred 0.52 from the
             centre) cut between five lobes, one lobe pointing up (:func:`sd_starflange`,
             the plate's ``"star"``), a bore (0.07) at its centre (part of the outline, never
             missing) and a bolt hole (0.035) in each lobe at 0.33 (any of the five
             missable).  The first outline of a round part with concave scallops cut all
             round it: ``sprocket``'s teeth are small and many, ``trimount`` a convex rounded
             triangle, ``ovalflange`` two lobes joined by straight edges.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the carbide grains: their density (per px^2), radius (px), edges a grain, the edges'
#: angular jitter (x the even step), their distance from the centre (x the radius), the
#: grains' levels and the edge's blur (px); the grains' weight, the matrix's grain (weight,
#: blur px) and mottle (weight, blur px)
HF_DENSITY, HF_RADIUS, HF_EDGES, HF_JITTER = 1.0 / 700.0, (2.0, 5.5), 6, 0.35
HF_REACH, HF_LEVEL, HF_BLUR = (0.7, 1.0), (0.75, 1.0), 0.5
HF_WEIGHT, HF_GRAIN, HF_MOTTLE = 1.0, (0.1, 0.6), (0.06, 14.0)


def carbide_grains(g, n, h, w):
    """``n`` carbide grains on an ``h`` x ``w`` face (centres anywhere on it and 6 px beyond):
    their centres (n, 2: x, y), the outward normals' angles (n, :data:`HF_EDGES`: the even
    steps jittered by :data:`HF_JITTER` of a step, turned at random), the edges' distances
    from the centre (n, edges: :data:`HF_REACH` x the radius, :data:`HF_RADIUS`) and the
    levels (n, :data:`HF_LEVEL`)."""
    centres = np.stack([g.uniform(-6.0, w + 6.0, n), g.uniform(-6.0, h + 6.0, n)], axis=-1)
    step = 2.0 * np.pi / HF_EDGES
    ang = (np.arange(HF_EDGES) + g.uniform(-HF_JITTER, HF_JITTER, (n, HF_EDGES))) * step
    ang = ang + g.uniform(0.0, 2.0 * np.pi, (n, 1))
    radius = g.uniform(*HF_RADIUS, n)
    reach = radius[:, None] * g.uniform(*HF_REACH, (n, HF_EDGES))
    return centres, ang, reach, g.uniform(*HF_LEVEL, n)


def polygon_sd(dx, dy, ang, reach):
    """The distance (px, negative inside, as the largest of the edges' half-plane distances:
    exact inside and along an edge) of points at offsets ``dx``, ``dy`` (n, k) from the
    centres of the n convex polygons of :func:`carbide_grains` (their normals' angles and
    edges' distances, (n, edges)) to them: (n, k)."""
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    return (dx[..., None] * c + dy[..., None] * s - reach[:, None, :]).max(axis=-1)


def hardfaced_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Tungsten carbide hardfacing ground flat: :func:`carbide_grains` (about
    :data:`HF_DENSITY` a px^2), each drawn on the pixels of a box round it as its polygon
    (:func:`polygon_sd`, antialiased over a px) at its level, the brightest where two meet
    (the grains do not pile up), the islands' edges blurred by :data:`HF_BLUR`, bright at
    weight :data:`HF_WEIGHT` on a faint grain (:data:`HF_GRAIN`) and mottle
    (:data:`HF_MOTTLE`) of the matrix.  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    n = max(1, int(round((h + 12) * (w + 12) * HF_DENSITY)))
    centres, ang, reach, level = carbide_grains(g, n, h, w)
    m = int(np.ceil(HF_RADIUS[1])) + 1
    oy, ox = np.mgrid[-m:m + 1, -m:m + 1].reshape(2, 1, -1)
    row = np.floor(centres[:, 1:2]).astype(np.int64) + oy            # (n, (2m + 1)^2)
    col = np.floor(centres[:, 0:1]).astype(np.int64) + ox
    sd = polygon_sd(col - centres[:, 0:1], row - centres[:, 1:2], ang, reach)
    val = np.clip(0.5 - sd, 0.0, 1.0) * level[:, None]
    ok = (row >= 0) & (row < h) & (col >= 0) & (col < w) & (val > 0)
    flat = np.zeros(h * w)
    np.maximum.at(flat, row[ok] * w + col[ok], val[ok])
    islands = ndimage.gaussian_filter(flat.reshape(h, w), HF_BLUR)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), HF_GRAIN[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), HF_MOTTLE[1], mode="wrap")
    out = HF_WEIGHT * islands + HF_GRAIN[0] * _unit(grain) + HF_MOTTLE[0] * _unit(mottle)
    return _unit(out)


#: the star flange (x the smaller side): the disc's radius, the scallops' radius and their
#: centres' distance from the centre, the lobes (one pointing up), the bore; the bolt holes'
#: distance from the centre and radius
SF_R, SF_SCALLOP, SF_SCALLOP_AT, SF_LOBES, SF_BORE = 0.46, 0.15, 0.52, 5, 0.07
SF_BOLT_AT, SF_BOLT = 0.33, 0.035


def _lobe_angles(n):
    """The lobes' directions (radians, y down: -pi/2 points up) of an ``n``-lobed flange."""
    return -0.5 * np.pi + 2.0 * np.pi * np.arange(n) / n


def sd_starflange(u, v, lay):
    """Signed distance (px, negative inside) to the star flange's outline of ``lay``
    (``"star"``: the disc's radius, the scallops' radius and distance, the lobes' count and
    the bore's radius): the disc less the scallops (centred between the lobes) and the
    bore.  Exact along every edge; outside a corner where a scallop meets the rim the nearer
    of the two bounds."""
    r_disc, r_sc, at, lobes, bore = lay["star"]
    u, v = np.asarray(u, float), np.asarray(v, float)
    r = np.hypot(u, v)
    out = np.maximum(r - r_disc, bore - r)
    for a in _lobe_angles(int(lobes)) + np.pi / lobes:          # the scallops, between lobes
        out = np.maximum(out, r_sc - np.hypot(u - at * np.cos(a), v - at * np.sin(a)))
    return out


def starflange_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``starflange`` layout in model pixels (origin at the image centre, y down): the
    flange of :func:`sd_starflange` (``"star"``: the disc :data:`SF_R` s, scallops
    :data:`SF_SCALLOP` s at :data:`SF_SCALLOP_AT` s, :data:`SF_LOBES` lobes, the bore
    :data:`SF_BORE` s; s the smaller side; ``"half"`` its bounding box, where defects are
    placed from, ``"corner"`` 0) and a bolt hole (:data:`SF_BOLT` s) in each lobe at
    :data:`SF_BOLT_AT` s (``missing`` leaves out any of them)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((float(SF_BOLT_AT * s * np.cos(a)), float(SF_BOLT_AT * s * np.sin(a))),
              SF_BOLT * s) for a in _lobe_angles(SF_LOBES)]
    return dict(base, half=(SF_R * s, SF_R * s), corner=0.0,
                star=(SF_R * s, SF_SCALLOP * s, SF_SCALLOP_AT * s, SF_LOBES, SF_BORE * s),
                holes=holes, slots=[])
