"""More textures and layouts of :mod:`metrology.synth.surfaces` (private: split off to keep that
module within its size limit; reached through :func:`~metrology.synth.surfaces.make_texture`
and :func:`~metrology.synth.surfaces.layout_features`).

``lapped``  random-orbit lapped / polished face (:func:`lapped_texture`): many short, faint,
            curved swirl arcs (radius of curvature 15-60 px, 10-40 px long, 0.6-1 px wide, of
            random orientation, bend and sign) overlapping densely, over a low fine haze grain
            and slow mottling.

``hub``     layout (:func:`hub_layout`): a round-ish machined part on the rectangular plate, a
            large central bore, a bolt circle of six small holes around it and a short keyway
            slot at the bore's top.

``ground``  surface-ground face (:func:`ground_texture`): dense, long, straight, parallel fine
            grinding scratches (within +-3 degrees of one lay direction, random per part, 0.5-1
            px wide, of random depth, some across the whole face), a few deeper wheel marks,
            faint periodic chatter bands across the lay (period 15-30 px) and a fine haze.

``lever``   layout (:func:`lever_layout`): a long arm (the plate narrowed to 0.72 of the image
            height), a large hole at its left end, a small one at its right end, a long slot at
            a slight angle between them and one small hole above the slot.

``spangle`` hot-dip galvanised (crystalline) face (:func:`spangle_texture`): a Voronoi mosaic
            of grains 12-40 px across, each with its own brightness and its own fine dendrite
            streaks at a random orientation, thin darker grain boundaries and a fine haze.

``strip``   layout (:func:`strip_layout`): a terminal strip: six equally spaced small holes
            along the upper third, two rounded rectangular windows side by side in the lower
            third and a V-notch cut into the plate's right edge.

``woven``   carbon-fibre 2/2 twill composite face (:func:`woven_texture`): tows 8-14 px wide
            woven at a random angle within +-10 degrees of the image axes and a random phase,
            each tow with fine fibre streaks along its own direction, warp and weft of slightly
            different brightness, thin darker gaps between tows and a fine resin haze.

``bezel``   layout (:func:`bezel_layout`): a frame: one large rounded-rectangle window in the
            middle, four small holes near the plate's corners and two short slots one above the
            other on the left side (``missing`` leaves out a hole or a slot, never the window).

``painted`` powder-coated / painted face (:func:`painted_texture`): "orange peel", a smooth
            random undulation (correlation length 6-12 px per part) seen as its shading (its
            slope towards a light at a random azimuth), sparse isolated metallic flakes (1-2 px
            bright flecks on 0.5-2 % of the pixels, of random brightness) and a very faint
            overspray gradient across the part.

``panel``   layout (:func:`panel_layout`): an electrical panel plate: a rectangular connector
            cut-out in the upper half with a small mounting hole either side of it, a row of
            five small vent holes along the bottom and one larger countersunk hole (a bore with
            a shallow concentric chamfer ring) on the right (``missing`` leaves out a mounting
            or vent hole, never the cut-out or the countersunk hole).

``swirled``, ``terminal``, ``scaled``, ``keyplate``, ``treadplate``, ``hinge``, ``hammered``
and ``louvre`` are in :mod:`metrology.synth._textures_more2`, ``wrinkled``, ``rotor``,
``strandmat``, ``perforated``, ``anodised`` and ``quadrant`` in
:mod:`metrology.synth._textures_more3`, ``jewelled`` and ``cruciform`` in
:mod:`metrology.synth._textures_more4`, ``lasercut``, ``gusset``, ``diecast`` and
``sprocket`` in :mod:`metrology.synth._textures_more5`, ``electropolished`` and ``hexplate`` in
:mod:`metrology.synth._textures_more6`, ``tumbled`` and ``lbracket`` in
:mod:`metrology.synth._textures_more7`, ``satin`` and ``link`` in
:mod:`metrology.synth._textures_more8`, ``cladded`` and ``cam`` in
:mod:`metrology.synth._textures_more9`, ``luders`` and ``endshield`` in
:mod:`metrology.synth._textures_more10`, ``crossrolled`` and ``forkend`` in
:mod:`metrology.synth._textures_more11`, ``wirecut`` and ``tnut`` in
:mod:`metrology.synth._textures_more12`, ``dimplearray`` and ``ovalflange`` in
:mod:`metrology.synth._textures_more13`, ``guilloche`` and ``bearingcap`` in
:mod:`metrology.synth._textures_more14`, ``peenground`` and ``crescentarm`` in
:mod:`metrology.synth._textures_more15`, ``flamespray`` and ``trimount`` in
:mod:`metrology.synth._textures_more16`, ``chemmilled`` and ``splitcollar`` in
:mod:`metrology.synth._textures_more17`, ``greyiron`` and ``dshim`` in
:mod:`metrology.synth._textures_more18`, ``blanchard`` and ``handhole`` in
:mod:`metrology.synth._textures_more19`, ``freemachining`` and ``thrustpad`` in
:mod:`metrology.synth._textures_more20`, ``hardfaced`` and ``starflange`` in
:mod:`metrology.synth._textures_more21`, ``sized`` and ``tabwasher`` in
:mod:`metrology.synth._textures_more22`, ``babbitt`` and ``rack`` in
:mod:`metrology.synth._textures_more23`, ``wetblasted`` and ``dovetail`` in
:mod:`metrology.synth._textures_more24`, ``phosphated`` and ``geneva`` in
:mod:`metrology.synth._textures_more25`, ``torn``, ``tensile``, ``superfinished`` and
``ecore`` in :mod:`metrology.synth._textures_more26`, ``skimmed`` and ``circlip`` in
:mod:`metrology.synth._textures_more27`, ``powdercoat`` and ``pulley`` in
:mod:`metrology.synth._textures_more28`, ``broached`` and ``clutchplate`` in
:mod:`metrology.synth._textures_more29`, ``flamecut`` and ``hookplate`` in
:mod:`metrology.synth._textures_more30`, ``etchedmatte`` and ``bellcrank`` in
:mod:`metrology.synth._textures_more31`, ``beltsanded`` and ``sectorblank`` in
:mod:`metrology.synth._textures_more32`, ``flycut`` and ``ratchet`` in
:mod:`metrology.synth._textures_more33`, ``passivated`` and ``motorplate`` in
:mod:`metrology.synth._textures_more34`, ``planed`` and ``latchplate`` in
:mod:`metrology.synth._textures_more35`, ``forgescale`` and ``pipeclamp`` in
:mod:`metrology.synth._textures_more36`, ``leathergrain`` and ``spokewheel`` in
:mod:`metrology.synth._textures_more37`, ``zincflake`` and ``anchorplate`` in
:mod:`metrology.synth._textures_more38`, ``granite`` and ``keyedcollar`` in
:mod:`metrology.synth._textures_more39`, ``chromeplate`` and ``slottedarm`` in
:mod:`metrology.synth._textures_more40`, ``blued`` and ``hingeleaf`` in
:mod:`metrology.synth._textures_more41`, ``veneer`` and ``bayonet`` in
:mod:`metrology.synth._textures_more42`, ``sunray`` and ``axialfan`` in
:mod:`metrology.synth._textures_more43`, ``foam`` and ``busbar`` in
:mod:`metrology.synth._textures_more44`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from ._textures_more2 import (hammered_texture, hinge_layout, keyplate_layout, louvre_layout,
                              scaled_texture, swirled_texture, terminal_layout,
                              treadplate_texture)
from ._textures_more3 import (anodised_texture, perforated_layout, quadrant_layout,
                              rotor_layout, strandmat_texture, wrinkled_texture)
from ._textures_more4 import cruciform_layout, jewelled_texture
from ._textures_more5 import (diecast_texture, gusset_layout, lasercut_texture,
                              sprocket_layout)
from ._textures_more6 import electropolished_texture, hexplate_layout
from ._textures_more7 import lbracket_layout, tumbled_texture
from ._textures_more8 import link_layout, satin_texture
from ._textures_more9 import cam_layout, cladded_texture
from ._textures_more10 import endshield_layout, luders_texture
from ._textures_more11 import crossrolled_texture, forkend_layout
from ._textures_more12 import tnut_layout, wirecut_texture
from ._textures_more13 import dimplearray_texture, ovalflange_layout
from ._textures_more14 import bearingcap_layout, guilloche_texture
from ._textures_more15 import crescentarm_layout, peenground_texture
from ._textures_more16 import flamespray_texture, trimount_layout
from ._textures_more17 import chemmilled_texture, splitcollar_layout
from ._textures_more18 import dshim_layout, greyiron_texture
from ._textures_more19 import blanchard_texture, handhole_layout
from ._textures_more20 import freemachining_texture, splat, thrustpad_layout
from ._textures_more21 import hardfaced_texture, starflange_layout
from ._textures_more22 import sized_texture, tabwasher_layout
from ._textures_more23 import babbitt_texture, rack_layout
from ._textures_more24 import dovetail_layout, wetblasted_texture
from ._textures_more25 import geneva_layout, phosphated_texture
from ._textures_more26 import ecore_layout, superfinished_texture, tensile_layout, torn_texture
from ._textures_more27 import circlip_layout, skimmed_texture
from ._textures_more28 import powdercoat_texture, pulley_layout
from ._textures_more29 import broached_texture, clutchplate_layout
from ._textures_more30 import flamecut_texture, hookplate_layout
from ._textures_more31 import bellcrank_layout, etchedmatte_texture
from ._textures_more32 import beltsanded_texture, sectorblank_layout
from ._textures_more33 import flycut_texture, ratchet_layout
from ._textures_more34 import motorplate_layout, passivated_texture
from ._textures_more35 import latchplate_layout, planed_texture
from ._textures_more36 import forgescale_texture, pipeclamp_layout
from ._textures_more37 import leathergrain_texture, spokewheel_layout
from ._textures_more38 import anchorplate_layout, zincflake_texture
from ._textures_more39 import granite_texture, keyedcollar_layout
from ._textures_more40 import chromeplate_texture, slottedarm_layout
from ._textures_more41 import blued_texture, hingeleaf_layout
from ._textures_more42 import bayonet_layout, veneer_texture
from ._textures_more43 import axialfan_layout, sunray_texture
from ._textures_more44 import busbar_layout, foam_texture

#: swirl widths (Gaussian sigma, px): each arc is drawn with one of them
_ARC_WIDTHS = (0.6, 0.8, 1.0)


def _arc_points(g: np.random.Generator, n: int, h: int, w: int):
    """Sample points (x, y, amplitude, width bin) of ``n`` random circular arcs, 0.5 px apart
    along each: centres anywhere in the image (and up to 20 px beyond it), heading uniform,
    curvature ``+-1/R`` with R in 15-60 px, length 10-40 px, tapered at both ends."""
    cx, cy = g.uniform(-20, w + 20, n), g.uniform(-20, h + 20, n)
    head = g.uniform(0.0, 2 * np.pi, n)
    k = g.choice([-1.0, 1.0], n) / g.uniform(15.0, 60.0, n)
    length = g.uniform(10.0, 40.0, n)
    amp = g.choice([-1.0, 1.0], n) * g.uniform(0.4, 1.0, n)
    wbin = g.integers(0, len(_ARC_WIDTHS), n)
    s = np.arange(-20.0, 20.25, 0.5)[None, :]               # arc length from the middle, px
    keep = np.abs(s) <= length[:, None] / 2.0               # (n, 81): each arc's own samples
    th = head[:, None] + k[:, None] * s
    x = cx[:, None] + (np.sin(th) - np.sin(head)[:, None]) / k[:, None]
    y = cy[:, None] - (np.cos(th) - np.cos(head)[:, None]) / k[:, None]
    taper = np.sqrt(np.cos(np.pi * np.clip(s / length[:, None], -0.5, 0.5)))
    a = amp[:, None] * taper
    return x[keep], y[keep], a[keep], np.broadcast_to(wbin[:, None], keep.shape)[keep]


def lapped_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Random-orbit lapped / polished face: about one swirl arc per 40 px (radius of curvature
    15-60 px, 10-40 px long, Gaussian width 0.6-1 px, random heading, bend and sign, tapered
    ends) splatted bilinearly and blurred per width, over a fine haze grain (sigma 0.6 px) and
    a slow mottling (sigma 18 px).  Zero mean, unit standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    n = max(1, int(round((h + 40) * (w + 40) / 40.0)))
    x, y, a, wb = _arc_points(g, n, h, w)
    swirls = splat(h, w, x, y, a, wb, _ARC_WIDTHS)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 18.0, mode="wrap"))
    return _unit(_unit(swirls) + 0.35 * haze + 0.3 * low)


def hub_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hub`` layout in model pixels (origin at the image centre), on the plate ``base``
    (``half`` and ``corner``): a central bore of radius 0.13 x the smaller side, six holes of
    0.035 on a bolt circle of radius 0.3 (at 0, 60, ... 300 degrees, so none is above the bore)
    and a vertical keyway slot reaching 0.055 above the bore's top edge."""
    h, w = shape
    s = float(min(h, w))
    bore = 0.13 * s
    holes = [((0.0, 0.0), bore)]
    holes += [((float(0.3 * s * np.cos(t)), float(0.3 * s * np.sin(t))), 0.035 * s)
              for t in np.deg2rad(np.arange(0.0, 360.0, 60.0))]
    keyway = ((0.0, -(bore + 0.01 * s)), 0.025 * s, 0.02 * s, 90.0)
    return dict(base, holes=holes, slots=[keyway])


#: grinding scratch widths (Gaussian sigma across the lay, px): the fine scratches are drawn
#: with one of the first three, the wheel marks with the last
_SCRATCH_WIDTHS = (0.5, 0.75, 1.0, 1.25)


def ground_texture(shape: tuple[int, int], *, rng: Any = None,
                   lay_deg: float | None = None) -> np.ndarray:
    """Surface-ground face, drawn on a square canvas of the image's diagonal in the lay's frame
    (u along the lay, v across it) and turned onto the image: about 1.3 scratches per px across
    the lay, each a straight line within +-3 degrees of the lay (a quarter of them across the
    whole face, the others 15-80 % of it with tapered ends), of Gaussian width 0.5-1 px and
    random depth (0.2-1, mostly grooves, some burrs); 3-6 wheel marks of depth 1.5-2.5 and
    width 1.25 px; chatter bands across the lay (one period of 15-30 px, amplitude 0.12 of the
    scratches' std, wavering slowly); a fine haze (sigma 0.6 px).  The lay is uniform in 0-180
    degrees unless ``lay_deg`` fixes it.  Zero mean, unit standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, 180.0)
    lay = lay if lay_deg is None else float(lay_deg)
    d = int(np.ceil(np.hypot(h, w))) + 4                  # the lay frame's canvas side
    n = max(2, int(round(1.3 * d)))
    nw = int(g.integers(3, 7))                            # wheel marks (drawn after the fine ones)
    m = n + nw
    v0 = g.uniform(-2.0, d + 2.0, m)
    slope = np.tan(np.deg2rad(g.uniform(-3.0, 3.0, m)))
    full = g.random(m) < 0.25
    length = np.where(full, 2.0 * d, g.uniform(0.15, 0.8, m) * d)
    u0 = np.where(full, -0.5 * d, g.uniform(-0.1 * d, 1.1 * d, m) - 0.5 * length)
    depth = g.uniform(0.2, 1.0, m) * np.where(g.random(m) < 0.75, -1.0, 1.0)
    wbin = g.integers(0, 2, m) + (g.random(m) < 0.5)      # 0, 1 or 2 (the middle most often)
    depth[n:] = -g.uniform(1.5, 2.5, nw)
    wbin[n:] = 3
    u = np.arange(d, dtype=np.float64)[None, :]
    along = (u - u0[:, None]) / length[:, None]           # 0..1 along each scratch
    taper = np.clip(np.minimum(along, 1.0 - along) * length[:, None] / 6.0, 0.0, 1.0)
    keep = taper > 0
    v = (v0[:, None] + slope[:, None] * (u - 0.5 * d))[keep]
    a = (depth[:, None] * taper)[keep]
    col = np.broadcast_to(u.astype(np.int64), keep.shape)[keep]
    wb = np.broadcast_to(wbin[:, None], keep.shape)[keep]
    vi = np.floor(v).astype(np.int64)
    fv = v - vi
    lines = np.zeros((d, d))
    for b, sigma in enumerate(_SCRATCH_WIDTHS):
        sel = wb == b
        acc = np.zeros((d + 2) * d)
        for dv, wt in ((0, 1.0 - fv), (1, fv)):
            r = vi + dv + 1                                   # one row of margin each side
            ok = sel & (r >= 0) & (r < d + 2)
            acc += np.bincount(r[ok] * d + col[ok], weights=(a * wt)[ok], minlength=acc.size)
        lines += ndimage.gaussian_filter1d(acc.reshape(d + 2, d), sigma, axis=0)[1:-1]
    period = g.uniform(15.0, 30.0)
    phase = np.arange(d) * 2 * np.pi / period + g.uniform(0, 2 * np.pi) \
        + 0.8 * np.sin(np.arange(d) * 2 * np.pi / g.uniform(80.0, 160.0))
    frame = _unit(lines) + 0.12 * np.sqrt(2.0) * np.sin(phase)[None, :]
    ca, sa = np.cos(np.deg2rad(lay)), np.sin(np.deg2rad(lay))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    xx, yy = xx - (w - 1) / 2.0, yy - (h - 1) / 2.0
    uu, vv = xx * ca + yy * sa + (d - 1) / 2.0, -xx * sa + yy * ca + (d - 1) / 2.0
    face = ndimage.map_coordinates(frame, [vv, uu], order=1, mode="nearest")
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(_unit(face) + 0.3 * haze)


def lever_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``lever`` layout in model pixels (origin at the image centre) on the plate ``base``
    narrowed to a long arm (half height 0.36 x the image height): a large hole of radius 0.1 x
    the smaller side at the left end, a small one of 0.04 at the right end, a slot of half
    length 0.18 x the width and radius 0.03 between them at 7 degrees, and a small hole of 0.03
    above the slot."""
    h, w = shape
    s = float(min(h, w))
    holes = [((-0.31 * w, 0.0), 0.1 * s), ((0.35 * w, 0.0), 0.04 * s),
             ((0.05 * w, -0.19 * h), 0.03 * s)]
    slot = ((0.05 * w, 0.02 * h), 0.18 * w, 0.03 * s, 7.0)
    return dict(base, half=(base["half"][0], 0.36 * h), holes=holes, slots=[slot])


#: dendrite orientations of the spangle texture (one field per bin, 15 degrees apart)
_SPANGLE_BINS = 12


def _oriented_fields(g: np.random.Generator, h: int, w: int) -> np.ndarray:
    """``_SPANGLE_BINS`` fields (K, h, w) of fine streaks: one white noise filtered in the
    Fourier domain by Gaussians long along (sigma 4 px) and thin across (0.8 px) each bin's
    orientation, with the slow part (sigma 6 px) taken out; each of unit std."""
    noise = np.fft.rfft2(g.standard_normal((h, w)))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    out = np.empty((_SPANGLE_BINS, h, w))
    slow = np.exp(-2 * np.pi ** 2 * 36.0 * (fx * fx + fy * fy))
    for k in range(_SPANGLE_BINS):
        t = np.pi * k / _SPANGLE_BINS
        fa, fb = fx * np.cos(t) + fy * np.sin(t), -fx * np.sin(t) + fy * np.cos(t)
        filt = np.exp(-2 * np.pi ** 2 * (16.0 * fa * fa + 0.64 * fb * fb)) * (1.0 - slow)
        f = np.fft.irfft2(noise * filt, s=(h, w))
        out[k] = f / max(float(f.std()), 1e-12)
    return out


def spangle_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Hot-dip galvanised (spangled) face: a Voronoi mosaic of grains (seeds uniform over the
    image and a 40 px margin, one per ``s**2`` px with the mean spacing ``s`` 16-30 px per part,
    so grains are about 12-40 px across), each grain with its own brightness offset and its own
    fine dendrite streaks (one of 12 orientations 15 degrees apart, random per grain, plus a
    weaker second arm at -60 degrees), thin darker grain boundaries (Gaussian, sigma 0.6 px,
    of the distance to the two nearest seeds' bisector) and a fine haze (sigma 0.6 px).
    Vectorised: pixels are labelled by one nearest-seed query.  Zero mean, unit standard
    deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    m = 40.0
    spacing = g.uniform(16.0, 30.0)
    n = max(2, int(round((h + 2 * m) * (w + 2 * m) / spacing ** 2)))
    seeds = np.c_[g.uniform(-m, w + m, n), g.uniform(-m, h + m, n)]
    level = g.standard_normal(n)                                   # grain brightness
    orient = g.integers(0, _SPANGLE_BINS, n)
    amp = g.uniform(0.5, 1.2, n) * g.choice([-1.0, 1.0], n)        # dendrite strength, sign
    yy, xx = np.mgrid[0:h, 0:w]
    pix = np.c_[xx.ravel(), yy.ravel()].astype(np.float64)
    dist, idx = cKDTree(seeds).query(pix, k=2)
    i0, i1 = idx[:, 0], idx[:, 1]
    gap = np.linalg.norm(seeds[i1] - seeds[i0], axis=1)
    edge = (dist[:, 1] ** 2 - dist[:, 0] ** 2) / (2.0 * np.maximum(gap, 1e-9))
    fields = _oriented_fields(g, h, w).reshape(_SPANGLE_BINS, -1)
    at = np.arange(h * w)
    arm = (orient[i0] + _SPANGLE_BINS * 2 // 3) % _SPANGLE_BINS     # +120 = -60 degrees lay
    dend = amp[i0] * (fields[orient[i0], at] + 0.4 * fields[arm, at])
    boundary = np.exp(-0.5 * (edge / 0.6) ** 2)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    face = level[i0] + 0.5 * dend - 1.2 * boundary
    return _unit(face.reshape(h, w) + 0.25 * haze)


def _sd_round_rect(u, v, centre, half, r):
    """Signed distance (px, negative inside) to an axis-aligned rectangle of half sizes
    ``half`` about ``centre`` with corners rounded to radius ``r``."""
    qx = np.abs(u - centre[0]) - half[0] + r
    qy = np.abs(v - centre[1]) - half[1] + r
    return np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - r


def sd_window(u, v, window):
    """Signed distance to a ``window`` ``((cx, cy), (hx, hy), r)`` of a layout's ``"windows"``."""
    return _sd_round_rect(u, v, window[0], window[1], window[2])


def sd_notch(u, v, notch):
    """Signed distance (negative inside) to a layout's V-notch ``((ax, ay), half_angle_deg)``:
    the wedge with its apex at ``(ax, ay)`` opening towards +u (the plate's right edge)."""
    (ax, ay), half = notch
    x, y = u - ax, np.abs(v - ay)
    ca, sa = np.cos(np.deg2rad(half)), np.sin(np.deg2rad(half))
    along = x * ca + y * sa                                        # along the wedge's flank
    return np.where(along >= 0, -x * sa + y * ca, np.hypot(x, y))


def strip_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``strip`` layout in model pixels (origin at the image centre) on the plate ``base``:
    six holes of radius 0.032 x the smaller side, 0.11 x the width apart, in a row at 0.24 x
    the height above the centre; two windows of half size 0.12 x the width by 0.075 x the
    height, corners rounded to 0.025, side by side at 0.24 x the height below it; and a V-notch
    in the right edge, its apex 0.12 x the width in from the edge at mid height, opening to
    +-0.08 x the height there (``"windows"``, ``"notch"``)."""
    h, w = shape
    s = float(min(h, w))
    holes = [(((-0.3 + 0.11 * i) * w, -0.24 * h), 0.032 * s) for i in range(6)]
    windows = [((x * w, 0.24 * h), (0.12 * w, 0.075 * h), 0.025 * s) for x in (-0.18, 0.12)]
    depth = 0.12 * w
    apex = (base["half"][0] - depth, 0.0)
    half_angle = float(np.rad2deg(np.arctan2(0.08 * h, depth)))
    return dict(base, holes=holes, slots=[], windows=windows, notch=(apex, half_angle))


def _fibre_streaks(g: np.random.Generator, h: int, w: int, angle: float) -> np.ndarray:
    """Two fields (2, h, w) of fine fibre streaks, one white noise each filtered in the Fourier
    domain by a Gaussian long (sigma 6 px) along and thin (0.5 px) across its direction: the
    first along ``angle`` (radians, the warp), the second across it (the weft); unit std."""
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    out = np.empty((2, h, w))
    for k, t in enumerate((angle, angle + np.pi / 2)):
        fa, fb = fx * np.cos(t) + fy * np.sin(t), -fx * np.sin(t) + fy * np.cos(t)
        filt = np.exp(-2 * np.pi ** 2 * (36.0 * fa * fa + 0.25 * fb * fb))
        f = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * filt, s=(h, w))
        out[k] = f / max(float(f.std()), 1e-12)
    return out


def woven_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Carbon-fibre 2/2 twill face, in the weave's frame (u along the warp, v along the weft,
    turned by an angle uniform in +-10 degrees, shifted by a random phase): tows of one width
    8-14 px per part; in cell ``(i, j)`` (warp tow ``i`` = floor(v / width), weft tow ``j`` =
    floor(u / width)) the warp lies on top where ``(i + j) % 4 < 2`` (so each tow passes over
    two and under two, the pattern stepping one tow per row: twill diagonals).  The top tow
    shows fibre streaks along its own direction, is rounded (darker towards its sides), has a
    level of +0.35 (warp) or -0.35 (weft) plus a small per-tow offset, and thin darker gaps
    (Gaussian, sigma 0.7 px) run between tows, strongest beside the top tow; a fine resin haze
    (sigma 0.6 px) lies over all.  Zero mean, unit standard deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    width = g.uniform(8.0, 14.0)
    ang = np.deg2rad(g.uniform(-10.0, 10.0))
    pu, pv = g.uniform(0.0, 4.0 * width, 2)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    xx, yy = xx - (w - 1) / 2.0, yy - (h - 1) / 2.0
    u = (xx * np.cos(ang) + yy * np.sin(ang) + pu) / width
    v = (-xx * np.sin(ang) + yy * np.cos(ang) + pv) / width
    j, i = np.floor(u), np.floor(v)
    fu, fv = u - j, v - i                                   # 0..1 across weft / warp tows
    warp_top = (i + j) % 4 < 2
    n = int(np.ceil(np.hypot(h, w) / width)) + 10           # tow indices lie within +-n
    offset = 0.12 * g.standard_normal((2, 2 * n + 1))
    streak = _fibre_streaks(g, h, w, ang)
    across = np.where(warp_top, fv, fu)                     # across the top tow, 0..1
    along = np.where(warp_top, fu, fv)                      # along it, within the cell
    level = np.where(warp_top, 0.35 + offset[0, (i.astype(int) + n) % (2 * n + 1)],
                     -0.35 + offset[1, (j.astype(int) + n) % (2 * n + 1)])
    fibre = np.where(warp_top, streak[0], streak[1])
    rounded = 0.5 * np.sin(np.pi * across) - 0.5 * 2.0 / np.pi
    gap_w = 0.7 / width                                     # sigma of the gaps in tow widths
    side = np.exp(-0.5 * (np.minimum(across, 1.0 - across) / gap_w) ** 2)
    end = np.exp(-0.5 * (np.minimum(along, 1.0 - along) / gap_w) ** 2)
    haze = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    face = level + 0.45 * fibre + 0.5 * rounded - 1.1 * side - 0.6 * end
    return _unit(face + 0.3 * haze)


def bezel_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``bezel`` layout in model pixels (origin at the image centre) on the plate ``base``
    (half sizes ``hx``, ``hy``): a central window of half size 0.45 ``hx`` by 0.35 ``hy`` (45 %
    of the plate's width, 35 % of its height), corners rounded to 0.04 x the smaller side; four
    holes of radius 0.035 x the smaller side 0.09 x the width / height in from the plate's
    corners; two horizontal slots of half length 0.05 x the width and radius 0.025 at 0.32 x
    the width left of the centre, 0.1 x the height above and below it.  ``"keep_windows"``
    tells the generator a ``missing`` part never leaves the window out."""
    h, w = shape
    s = float(min(h, w))
    hx, hy = base["half"]
    holes = [((sx * (hx - 0.09 * w), sy * (hy - 0.09 * h)), 0.035 * s)
             for sy in (-1.0, 1.0) for sx in (-1.0, 1.0)]
    slots = [((-0.32 * w, y * h), 0.05 * w, 0.025 * s, 0.0) for y in (-0.1, 0.1)]
    windows = [((0.0, 0.0), (0.45 * hx, 0.35 * hy), 0.04 * s)]
    return dict(base, holes=holes, slots=slots, windows=windows, keep_windows=True)


def painted_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Powder-coated / painted face: "orange peel", a height field of white noise smoothed by a
    Gaussian of sigma 6-12 px (the correlation length, one per part; in the Fourier domain, so
    it wraps) rendered as its shading, the slope along a light at a random azimuth; metallic
    flakes on 0.5-2 % of the pixels (one density per part), each one pixel or two side by side,
    of brightness 1.5-4 x the shading's std, blurred by 0.5 px; and an overspray gradient of
    0.15 x that std across the image at a random angle.  Vectorised.  Zero mean, unit standard
    deviation, different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    corr = g.uniform(6.0, 12.0)
    light = g.uniform(0.0, 2 * np.pi)
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    # the slope along the light of the smoothed height: i 2 pi (f . l) times its spectrum
    filt = np.exp(-2 * np.pi ** 2 * corr ** 2 * (fx * fx + fy * fy)) * \
        (2j * np.pi * (fx * np.cos(light) + fy * np.sin(light)))
    shade = _unit(np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * filt, s=(h, w)))
    n = max(1, int(round(g.uniform(0.005, 0.02) * h * w)))
    at = g.integers(0, h * w, n)
    bright = g.uniform(1.5, 4.0, n)
    pair = g.random(n) < 0.5                                # a second pixel beside it
    step = np.where(g.random(n) < 0.5, 1, w)                # to the right or below
    flakes = np.bincount(at, weights=bright, minlength=h * w)
    flakes += np.bincount((at + step * pair) % (h * w), weights=bright * pair, minlength=h * w)
    flakes = ndimage.gaussian_filter(flakes.reshape(h, w), 0.5, mode="wrap")
    ang = g.uniform(0.0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ramp = (xx / max(w, 1) - 0.5) * np.cos(ang) + (yy / max(h, 1) - 0.5) * np.sin(ang)
    return _unit(shade + flakes + 0.15 * ramp)


def panel_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``panel`` layout in model pixels (origin at the image centre) on the plate ``base``:
    a connector cut-out (a window of half size 0.16 x the width by 0.09 x the height, corners
    rounded to 0.012 x the smaller side) centred 0.2 x the height above the centre, a mounting
    hole of radius 0.03 x the smaller side 0.24 x the width either side of it, five vent holes
    of 0.026 at 0.1 x the width apart from 0.3 x the width left of the centre, 0.3 x the height
    below it, and a countersunk hole on the right (``"sinks"``: centre 0.3 x the width right
    and 0.08 x the height below the centre, bore 0.05 x the smaller side, chamfer ring out to
    0.085).  ``"keep_windows"``: a ``missing`` part leaves out a mounting or vent hole only
    (the sinks, after the windows, are never left out either)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((x * w, -0.2 * h), 0.03 * s) for x in (-0.24, 0.24)]
    holes += [(((-0.3 + 0.1 * i) * w, 0.3 * h), 0.026 * s) for i in range(5)]
    windows = [((0.0, -0.2 * h), (0.16 * w, 0.09 * h), 0.012 * s)]
    sinks = [((0.3 * w, 0.08 * h), 0.05 * s, 0.085 * s)]
    return dict(base, holes=holes, slots=[], windows=windows, sinks=sinks, keep_windows=True)


def sink_shading(u, v, lay) -> np.ndarray:
    """How much (0-1) each point ``(u, v)`` (model px) lies on a countersink's chamfer ring of
    ``lay["sinks"]`` (between the bore and the ring's outer radius, soft over 1 px at both
    edges) and the chamfer's slope seen from the upper left (-1..1, 0 off the rings):
    ``(ring, slope)``, for the renderer to dull the texture and shade the cone.  A sink with a
    fourth field ``"counterbore"`` (layout keyplate) is a flat shallow ring instead: half as
    dull, and shaded only on its 1.5 px wall at the outer radius (lit on the far side); one
    marked ``"ramp"`` (the ``"cones"`` of layout hinge) a soft radial ramp: dulled and shaded
    by a raised cosine falling from 1 at the bore to 0 at the outer radius (no edge there)."""
    ring, slope = np.zeros(np.shape(u)), np.zeros(np.shape(u))
    for (cx, cy), r, r_out, *flat in lay.get("sinks", []) + lay.get("cones", []):
        du, dv = u - cx, v - cy
        rr = np.hypot(du, dv)
        on = np.clip(rr - r + 0.5, 0, 1) * np.clip(r_out - rr + 0.5, 0, 1)
        if flat and flat[0] == "ramp":  # countersink of hinge: a soft ramp, no outer edge
            t = np.clip((rr - r) / (r_out - r), 0.0, 1.0)
            on = np.clip(rr - r + 0.5, 0, 1) * 0.5 * (1.0 + np.cos(np.pi * t))
            ring = np.maximum(ring, on)
        elif flat:  # counterbore: a flat floor, a step wall at r_out
            ring = np.maximum(ring, 0.5 * on)
            on = on * np.clip(1.0 - (r_out - rr) / 1.5, 0, 1)
        else:
            ring = np.maximum(ring, on)
        slope += on * (du + dv) / (np.sqrt(2.0) * np.maximum(rr, 1e-9))
    return ring, slope


#: layouts of this module by name (:func:`~metrology.synth.surfaces.layout_features`)
MORE_LAYOUTS = {"hub": hub_layout, "lever": lever_layout, "strip": strip_layout,
                "bezel": bezel_layout, "panel": panel_layout, "terminal": terminal_layout,
                "keyplate": keyplate_layout, "hinge": hinge_layout, "louvre": louvre_layout,
                "rotor": rotor_layout, "perforated": perforated_layout,
                "quadrant": quadrant_layout, "cruciform": cruciform_layout,
                "gusset": gusset_layout, "sprocket": sprocket_layout,
                "hexplate": hexplate_layout, "lbracket": lbracket_layout,
                "link": link_layout, "cam": cam_layout, "endshield": endshield_layout,
                "forkend": forkend_layout, "tnut": tnut_layout,
                "ovalflange": ovalflange_layout, "bearingcap": bearingcap_layout,
                "crescentarm": crescentarm_layout, "trimount": trimount_layout,
                "splitcollar": splitcollar_layout, "dshim": dshim_layout,
                "handhole": handhole_layout, "thrustpad": thrustpad_layout,
                "starflange": starflange_layout, "tabwasher": tabwasher_layout,
                "rack": rack_layout, "dovetail": dovetail_layout,
                "geneva": geneva_layout, "tensile": tensile_layout,
                "ecore": ecore_layout, "circlip": circlip_layout,
                "pulley": pulley_layout, "clutchplate": clutchplate_layout,
                "hookplate": hookplate_layout, "bellcrank": bellcrank_layout,
                "sectorblank": sectorblank_layout, "ratchet": ratchet_layout,
                "motorplate": motorplate_layout, "latchplate": latchplate_layout,
                "pipeclamp": pipeclamp_layout, "anchorplate": anchorplate_layout,
                "spokewheel": spokewheel_layout,
                "slottedarm": slottedarm_layout, "keyedcollar": keyedcollar_layout,
                "hingeleaf": hingeleaf_layout, "bayonet": bayonet_layout,
                "axialfan": axialfan_layout, "busbar": busbar_layout}
#: textures of this module by name (:func:`~metrology.synth.surfaces.make_texture`)
MORE_TEXTURES = {"lapped": lapped_texture, "ground": ground_texture,
                 "spangle": spangle_texture, "woven": woven_texture, "painted": painted_texture,
                 "swirled": swirled_texture, "scaled": scaled_texture,
                 "treadplate": treadplate_texture, "hammered": hammered_texture,
                 "wrinkled": wrinkled_texture, "strandmat": strandmat_texture,
                 "anodised": anodised_texture, "jewelled": jewelled_texture,
                 "lasercut": lasercut_texture, "diecast": diecast_texture,
                 "electropolished": electropolished_texture, "tumbled": tumbled_texture,
                 "satin": satin_texture, "cladded": cladded_texture,
                 "luders": luders_texture, "crossrolled": crossrolled_texture,
                 "wirecut": wirecut_texture, "dimplearray": dimplearray_texture,
                 "guilloche": guilloche_texture, "peenground": peenground_texture,
                 "flamespray": flamespray_texture, "chemmilled": chemmilled_texture,
                 "greyiron": greyiron_texture, "blanchard": blanchard_texture,
                 "freemachining": freemachining_texture, "hardfaced": hardfaced_texture,
                 "sized": sized_texture, "babbitt": babbitt_texture,
                 "wetblasted": wetblasted_texture, "phosphated": phosphated_texture,
                 "torn": torn_texture, "superfinished": superfinished_texture,
                 "skimmed": skimmed_texture, "powdercoat": powdercoat_texture,
                 "broached": broached_texture, "flamecut": flamecut_texture,
                 "etchedmatte": etchedmatte_texture, "beltsanded": beltsanded_texture,
                 "flycut": flycut_texture, "passivated": passivated_texture,
                 "planed": planed_texture, "forgescale": forgescale_texture,
                 "zincflake": zincflake_texture,
                 "leathergrain": leathergrain_texture, "chromeplate": chromeplate_texture,
                 "granite": granite_texture, "blued": blued_texture,
                 "veneer": veneer_texture, "sunray": sunray_texture, "foam": foam_texture}
