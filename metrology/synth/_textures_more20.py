"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 38's pieces, keeping :mod:`metrology.synth._textures_more19` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``freemachining`` the fine-ground face of a resulphurised free-machining steel (a 12L14 or
             11SMn30 turned part ground flat) (:func:`freemachining_texture`): a bright,
             nearly plain ground (a faint fine grain and a faint mottle) strewn with the
             steel's manganese sulphide inclusions, drawn out by the rolling into thin dark
             lenses all lying along the bar's rolling direction (one per part, at any angle,
             each within :data:`FM_SCATTER` degrees of it): 3-20 px long (log-normal, most
             short), sigma 0.45-1 px across, tapering to both tips, about one per 260 px^2;
             a third of them broken into a chain of 2-4 collinear pieces with short gaps
             (:func:`sulphide_lenses`).  Its levels are one-sided: sparse dark marks on a
             bright face.  The first texture of sparse dark marks that all lie one way:
             ``anodised``'s and ``cast``'s pits are round, ``tumbled``'s comets and
             ``swirled``'s arcs lie at every angle, ``greyiron``'s flakes radiate round
             centres, ``brushed``'s and ``ground``'s streaks are dense and of both signs.

``thrustpad`` layout (:func:`thrustpad_layout`): a tilting-pad thrust bearing's pad seen on its
             babbitted face: an annular sector (:func:`sd_thrustpad`, the plate's ``"pad"``)
             between arcs of radii 0.62 and 1.32 x the smaller side round a centre 0.9 below
             the image's (the shaft's axis, off the image), 38 degrees wide, its corners
             rounded to 0.03; a pivot hole (0.05) at the pad's middle, two tapped lifting
             holes (0.026) near its outer arc and a thermocouple hole (0.02) near its inner
             one (any of the four missable).  The first outline bounded by two concentric
             arcs of opposite curvature and two radial edges: ``crescentarm``'s two arcs
             meet at horns, ``splitcollar`` is a full ring cut once, ``dshim`` one arc and a
             chord.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the lenses: their density (per px^2), lengths (px: the log-normal's median and sigma, cut
#: to the range), sigma across (px), depth, scatter off the rolling direction (degrees), the
#: share broken into chains and a chain's pieces and gap (x the piece's length); the sample
#: spacing along a lens (px); the marks' weight, the grain's weight and blur (px) and the
#: mottle's weight and blur (px)
FM_DENSITY, FM_LENGTH, FM_RANGE = 1.0 / 260.0, (6.0, 0.55), (3.0, 20.0)
FM_SIGMA, FM_DEPTH, FM_SCATTER = (0.45, 0.65, 0.85, 1.0), (0.5, 1.0), 4.0
FM_CHAINS, FM_PIECES, FM_GAP, FM_STEP = 0.33, (2, 4), (0.3, 0.8), 0.4
FM_WEIGHT, FM_GRAIN, FM_MOTTLE = 1.0, (0.2, 0.6), (0.08, 14.0)


def sulphide_lenses(g, n, h, w, lay):
    """Sample points of ``n`` sulphide lenses along the rolling direction ``lay`` (radians)
    on an ``h`` x ``w`` face (centres anywhere on it and 20 px beyond): x, y, depth (the
    lens's, tapered to its tips as sqrt(1 - (2 s / L)^2)) and its width bin (an index of
    :data:`FM_SIGMA` but the last); a share :data:`FM_CHAINS` of them broken into a chain of
    :data:`FM_PIECES` pieces with gaps of :data:`FM_GAP` x a piece's length."""
    cx, cy = g.uniform(-20.0, w + 20.0, n), g.uniform(-20.0, h + 20.0, n)
    ang = lay + np.deg2rad(g.uniform(-FM_SCATTER, FM_SCATTER, n))
    length = np.clip(FM_LENGTH[0] * np.exp(FM_LENGTH[1] * g.standard_normal(n)), *FM_RANGE)
    depth = g.uniform(*FM_DEPTH, n)
    wbin = g.integers(0, len(FM_SIGMA) - 1, n)
    pieces = np.where(g.random(n) < FM_CHAINS, g.integers(FM_PIECES[0], FM_PIECES[1] + 1, n), 1)
    gap = g.uniform(*FM_GAP, n)
    m = int(np.ceil(FM_RANGE[1] / FM_STEP)) + 1
    s = (np.arange(m) * FM_STEP)[None, :]                 # along each piece from its tip
    keep = s <= length[:, None]
    taper = np.sqrt(np.clip(1.0 - (2.0 * s / length[:, None] - 1.0) ** 2, 0.0, 1.0))
    xs, ys, ds, ws = [], [], [], []
    for k in range(FM_PIECES[1]):                         # the pieces of the chains, in turn
        on = (pieces > k)[:, None] & keep
        start = k * length * (1.0 + gap) - 0.5 * pieces * length * (1.0 + gap)
        along = start[:, None] + s
        xs.append((cx[:, None] + along * np.cos(ang)[:, None])[on])
        ys.append((cy[:, None] + along * np.sin(ang)[:, None])[on])
        ds.append((depth[:, None] * taper)[on])
        ws.append(np.broadcast_to(wbin[:, None], on.shape)[on])
    return (np.concatenate(xs), np.concatenate(ys), np.concatenate(ds), np.concatenate(ws))


def splat(h, w, x, y, a, wb, sigmas):
    """Points ``x``, ``y`` of weight ``a`` splatted bilinearly on an ``h`` x ``w`` field, each
    bin of ``wb`` blurred by its Gaussian of ``sigmas`` (px), summed."""
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    out = np.zeros((h, w))
    for b, sigma in enumerate(sigmas):
        acc = np.zeros((h + 2) * (w + 2))
        for dy, dx, wt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx),
                           (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
            r, c = y0 + dy + 1, x0 + dx + 1                  # one pixel of margin each side
            ok = (wb == b) & (r >= 0) & (r < h + 2) & (c >= 0) & (c < w + 2)
            acc += np.bincount(r[ok] * (w + 2) + c[ok], weights=(a * wt)[ok],
                               minlength=acc.size)
        out += ndimage.gaussian_filter(acc.reshape(h + 2, w + 2), sigma)[1:-1, 1:-1]
    return out


def freemachining_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """The ground face of a free-machining steel: :func:`sulphide_lenses` (about
    :data:`FM_DENSITY` a px^2, along one rolling direction drawn per part) splatted by
    :func:`splat` and blurred across by their width (:data:`FM_SIGMA`, each lens's sum over
    its length made independent of the width: a thin lens as dark as a wide one), dark at
    weight :data:`FM_WEIGHT` on a faint grain (:data:`FM_GRAIN`) and mottle
    (:data:`FM_MOTTLE`).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    n = max(1, int(round((h + 40) * (w + 40) * FM_DENSITY)))
    x, y, d, wb = sulphide_lenses(g, n, h, w, lay)
    sig = np.asarray(FM_SIGMA[:-1])
    # a line of points FM_STEP apart blurred by sigma peaks at FM_STEP / (sqrt(2 pi) sigma)
    lenses = splat(h, w, x, y, d * np.sqrt(2.0 * np.pi) * sig[wb] / FM_STEP, wb, sig)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), FM_GRAIN[1], mode="wrap")
    mottle = ndimage.gaussian_filter(g.standard_normal((h, w)), FM_MOTTLE[1], mode="wrap")
    out = (-FM_WEIGHT * lenses + FM_GRAIN[0] * _unit(grain) + FM_MOTTLE[0] * _unit(mottle))
    return _unit(out)


#: the thrust pad (x the smaller side): the arcs' centre below the image's, their radii, the
#: pad's half width (degrees), its corners' radius; the pivot hole; the lifting holes' radius
#: from the arcs' centre, their angle off the middle (degrees) and radius; the thermocouple
#: hole's radius from the arcs' centre, angle and radius
TP_CENTRE, TP_RADII, TP_HALF_DEG, TP_CORNER = 0.9, (0.62, 1.32), 19.0, 0.03
TP_PIVOT, TP_LIFT_AT, TP_LIFT_DEG, TP_LIFT = 0.05, 1.18, 11.0, 0.026
TP_TC_AT, TP_TC_DEG, TP_TC = 0.76, -8.0, 0.02


def sd_thrustpad(u, v, lay):
    """Signed distance (px, negative inside) to the thrust pad's outline of ``lay``
    (``"pad"``: the arcs' centre's offset below the image's centre, the inner and outer
    radii, the half width (degrees) and the corners' radius): the annulus between the radii
    cut by the wedge of the half width round the upward direction, shrunk by the corners'
    radius and grown back (its corners rounded).  Exact inside and along the edges; outside
    a corner the nearer of the two bounds (the rounding keeps it within a fraction of a px
    of the true distance within the corner's radius)."""
    c, r_in, r_out, half, rc = lay["pad"]
    x, y = np.asarray(u, float), c - np.asarray(v, float)      # up from the arcs' centre
    r = np.hypot(x, y)
    ring = np.abs(r - 0.5 * (r_in + r_out)) - 0.5 * (r_out - r_in)
    ca, sa = np.cos(np.deg2rad(half)), np.sin(np.deg2rad(half))
    wedge = np.abs(x) * ca - y * sa                           # off the nearer radial edge
    return np.maximum(ring + rc, wedge + rc) - rc


def thrustpad_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``thrustpad`` layout in model pixels (origin at the image centre, y down): the pad
    of :func:`sd_thrustpad` (``"pad"``: the arcs' centre :data:`TP_CENTRE` s below the
    image's, radii :data:`TP_RADII` s, half width :data:`TP_HALF_DEG`, corners
    :data:`TP_CORNER` s; s the smaller side; ``"half"`` a box round it, where defects are
    placed from, ``"corner"`` 0), a pivot hole (:data:`TP_PIVOT` s) at the pad's middle
    radius on its axis, two lifting holes (:data:`TP_LIFT` s) at radius :data:`TP_LIFT_AT` s,
    +-:data:`TP_LIFT_DEG` degrees, and a thermocouple hole (:data:`TP_TC` s) at radius
    :data:`TP_TC_AT` s, :data:`TP_TC_DEG` degrees (``missing`` leaves out any of the four)."""
    h, w = shape
    s = float(min(h, w))
    c, (r_in, r_out) = TP_CENTRE * s, (TP_RADII[0] * s, TP_RADII[1] * s)

    def at(radius, deg):
        a = np.deg2rad(deg)
        return (float(radius * np.sin(a)), float(c - radius * np.cos(a)))

    holes = [(at(0.5 * (r_in + r_out), 0.0), TP_PIVOT * s)]
    holes += [(at(TP_LIFT_AT * s, side * TP_LIFT_DEG), TP_LIFT * s) for side in (-1.0, 1.0)]
    holes.append((at(TP_TC_AT * s, TP_TC_DEG), TP_TC * s))
    half_x = float(r_out * np.sin(np.deg2rad(TP_HALF_DEG)))
    half_y = float(max(r_out - c, c - r_in * np.cos(np.deg2rad(TP_HALF_DEG))))
    return dict(base, half=(half_x, half_y), corner=0.0,
                pad=(c, r_in, r_out, TP_HALF_DEG, TP_CORNER * s), holes=holes, slots=[])
