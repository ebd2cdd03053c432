"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 47's pieces, keeping :mod:`metrology.synth._textures_more27` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``powdercoat`` a powder-coated steel face, as cured (:func:`powdercoat_texture`): the melted
             powder flowed out but not quite flat, leaving its "orange peel", a low, smooth
             isotropic relief of round bumps of one size (3-8 px across: a band of spatial
             frequencies round one wavelength, :func:`peel_relief`, not a low-pass field),
             seen by its shading (the slope towards a light at any azimuth) and a little by its
             own level (the crests' gloss); a very fine speckle of the powder's grain (an
             isotropic grain of sigma 0.5-0.7 px over every pixel, symmetric); and a few
             larger shallow bumps where a grain or a speck of dirt was trapped under the coat
             (Gaussian domes of sigma 2.5-4 px, 2-3.5 x the peel's height, one every 2500-5000
             px^2), shaded by the same light (bright on one flank, dark on the other).  Its
             levels two-sided (the face-signal skewness within +-0.2).  Unlike ``painted``
             (a low-pass peel, sigma 6-12 px, by its shading alone, with sparse one-sided
             bright metallic flakes and an overspray ramp), its peel has one bump size and a
             gloss, its speckle is dense and two-sided and it carries trapped grains;
             ``wrinkled``'s relief is worm-like ridges, ``peened``'s and ``hammered``'s
             overlapping cups and facets with sharp rims where they meet; the peel has no rims.

``pulley``   layout (:func:`pulley_layout`): a flat cast V-belt pulley's face seen end on (its
             rim's side face, arms and hub): a disc (radius 0.46 x the smaller side) pierced by
             four windows between four arms on the diagonals, the arms 0.28 wide at the hub's
             radius, their sides converging towards the rim (0.13 apart if carried to it) but
             running into it, and into each other at the hub, through large fillets (0.07): the
             windows rounded triangles, V-shaped towards the hub (their inner ends 0.252 from
             the centre), a rim ring 0.05 wide and a hub of radius 0.25; a bore (0.04) with a
             keyway notch at its top (0.024 wide, 0.02 deep), both part of the outline (never
             missing); two tapped puller holes (0.022) in the hub left and right of the bore
             (either missable) (:func:`sd_pulley`, the plate's ``"pulley"``).  The first
             outline whose spokes' sides converge and whose windows are V-shaped towards the
             hub (``endshield``'s three ribs are of one width, its windows kidneys, its bore a
             counterbored feature) and the first with a keyed bore.  The arms are wide at the
             hub so that a defect finds a place 6 px clear on a 96 px image (12 px from the
             edges: only the arms' roots are that wide; the rim is 0.05 wide).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more10 import _window_distance

#: the peel: its bumps' size (half the wavelength, px) and the band's relative width; the
#: gloss (the peel's own level, x its shading's); the powder's grain (sigma px, weight); the
#: trapped grains: area per grain (px^2), their sigma (px) and height (x the peel's spread)
PC_BUMP, PC_BAND, PC_GLOSS = (3.0, 8.0), 0.35, 0.3
PC_GRAIN, PC_GRAIN_W = (0.5, 0.7), (0.4, 0.55)
PC_TRAP_AREA, PC_TRAP_SIGMA, PC_TRAP_HEIGHT = (2500.0, 5000.0), (2.5, 4.0), (2.0, 3.5)


def peel_relief(g, h, w, bump=None):
    """The orange peel's height (an ``h`` x ``w`` array, zero mean, unit spread; it wraps):
    white noise through a ring of spatial frequencies round ``1 / (2 bump)`` (a Gaussian in
    the frequency's magnitude, its sigma :data:`PC_BAND` x that: round bumps of about
    ``bump`` px, drawn in :data:`PC_BUMP`, side by side), and ``bump``."""
    from .surfaces import _unit

    bump = g.uniform(*PC_BUMP) if bump is None else bump
    f0 = 0.5 / bump
    fr = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :])
    ring = np.exp(-0.5 * ((fr - f0) / (PC_BAND * f0)) ** 2)
    return _unit(np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * ring, s=(h, w))), bump


def trapped_grains(g, h, w):
    """The trapped grains' heights (an ``h`` x ``w`` array, in units of the peel's spread):
    one grain per :data:`PC_TRAP_AREA` px^2 (drawn per part; at least one), each a Gaussian
    dome of sigma :data:`PC_TRAP_SIGMA` (per part) and peak height :data:`PC_TRAP_HEIGHT`
    (per grain) at a uniform place (wrapping)."""
    n = max(1, int(round(h * w / g.uniform(*PC_TRAP_AREA))))
    sigma = g.uniform(*PC_TRAP_SIGMA)
    at = g.integers(0, h * w, n)
    peaks = np.bincount(at, weights=g.uniform(*PC_TRAP_HEIGHT, n), minlength=h * w)
    return ndimage.gaussian_filter(peaks.reshape(h, w), sigma, mode="wrap") * \
        (2.0 * np.pi * sigma * sigma)


def powdercoat_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A powder-coated face: the relief (:func:`peel_relief` plus :func:`trapped_grains`)
    shaded by a light at any azimuth (its slope along the light, in the Fourier domain: any
    size, wrapping), plus :data:`PC_GLOSS` x the peel's level, plus the powder's grain (white
    noise through a Gaussian of sigma :data:`PC_GRAIN`, weight :data:`PC_GRAIN_W`).  Zero
    mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    peel, _ = peel_relief(g, h, w)
    relief = peel + trapped_grains(g, h, w)
    light = g.uniform(0.0, 2.0 * np.pi)
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    slope = 2j * np.pi * (fx * np.cos(light) + fy * np.sin(light))
    shade = np.fft.irfft2(np.fft.rfft2(relief) * slope, s=(h, w))
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), g.uniform(*PC_GRAIN), mode="wrap")
    spread = max(float(np.std(np.fft.irfft2(np.fft.rfft2(peel) * slope, s=(h, w)))), 1e-12)
    return _unit(shade / spread + PC_GLOSS * peel + g.uniform(*PC_GRAIN_W) * _unit(grain))


#: the pulley (x the smaller side): its radius, the windows' inner and outer radius (the hub's
#: and the rim's), the arms' half width where they leave the hub and where they meet the rim,
#: the windows' fillet, the arms' count and the first arm's direction (degrees, y down); the
#: bore's radius, the keyway's half width and depth past the bore; the puller holes' radius
PU_R, PU_HUB, PU_RIM, PU_ARM, PU_FILLET = 0.46, 0.25, 0.41, (0.14, 0.065), 0.07
PU_ARMS, PU_ARM0, PU_BORE, PU_KEY, PU_HOLE = 4, 45.0, 0.04, (0.012, 0.02), 0.022


def arm_side(n, hub, rim, arm):
    """A window's side in its own frame (its middle line along x, the arm at ``pi / n`` above
    it): the direction (radians) and the distance from the centre (px) of the line ``arm[0]``
    px from the arm's centre line at radius ``hub`` and ``arm[1]`` px at radius ``rim``
    (:func:`~metrology.synth._textures_more10._window_distance`'s ``half`` and ``o``)."""
    half = np.pi / n
    along, across = np.array([np.cos(half), np.sin(half)]), np.array([np.sin(half), -np.cos(half)])
    p, q = hub * along + arm[0] * across, rim * along + arm[1] * across
    theta = float(np.arctan2(q[1] - p[1], q[0] - p[0]))
    return theta, float(p @ np.array([np.sin(theta), -np.cos(theta)]))


def sd_pulley(u, v, lay):
    """Signed distance (px, negative inside) to the pulley's outline of ``lay`` (``"pulley"``:
    the radius, the hub's and the rim's radius, the fillet, the arms' count and the first
    arm's direction in degrees, the arms' side (:func:`arm_side`), the bore's radius, the
    keyway's half width and its top's distance from the centre): the disc less the windows
    (each the set beyond both its arms' sides and between the two radii, shrunk by the
    fillet, less the fillet: exact; where the shrunk window's sides meet outside the hub's
    radius its inner end is that point, a V rounded by the fillet) less the bore and the
    keyway (a box from the centre up to its top; the nearer of the two).  Exact off the
    keyway's corners."""
    radius, hub, rim, fillet, n, first, (theta, o), bore, key, top = lay["pulley"]
    windows = np.full(np.shape(u), np.inf)
    inner = max(hub + fillet, (o + fillet) / np.sin(theta))     # the shrunk window's inner end
    for k in range(int(n)):
        mid = np.deg2rad(first) + (2 * k + 1) * np.pi / n
        along = u * np.cos(mid) + v * np.sin(mid)
        across = np.abs(-u * np.sin(mid) + v * np.cos(mid))
        d = _window_distance(along, across, theta, o + fillet, inner, rim - fillet)
        windows = np.minimum(windows, d - fillet)
    qx, qy = np.abs(u) - key, np.abs(v + 0.5 * top) - 0.5 * top
    keyway = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0)) + np.minimum(np.maximum(qx, qy),
                                                                             0.0)
    hole = np.minimum(np.hypot(u, v) - bore, keyway)
    return np.maximum(np.maximum(np.hypot(u, v) - radius, -windows), -hole)


def pulley_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``pulley`` layout in model pixels (origin at the image centre, y down): the pulley
    of :func:`sd_pulley` (radius :data:`PU_R`, the hub :data:`PU_HUB`, the rim's inside
    :data:`PU_RIM`, the arms' half widths :data:`PU_ARM`, the fillet :data:`PU_FILLET`,
    :data:`PU_ARMS` arms from :data:`PU_ARM0` degrees, the bore :data:`PU_BORE` and the
    keyway :data:`PU_KEY` at the top, all x the smaller side ``s``; ``"half"`` and
    ``"corner"`` its radius: round) and a puller hole of :data:`PU_HOLE` s either side of the
    bore, half-way out to the hub's edge (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    side = arm_side(PU_ARMS, PU_HUB * s, PU_RIM * s, (PU_ARM[0] * s, PU_ARM[1] * s))
    at = 0.5 * (PU_BORE + PU_HUB) * s
    holes = [((float(x), 0.0), PU_HOLE * s) for x in (-at, at)]
    return dict(base, half=(PU_R * s, PU_R * s), corner=PU_R * s, holes=holes, slots=[],
                windows=[], pulley=(PU_R * s, PU_HUB * s, PU_RIM * s, PU_FILLET * s, PU_ARMS,
                                    PU_ARM0, side, PU_BORE * s, PU_KEY[0] * s,
                                    (PU_BORE + PU_KEY[1]) * s))
