"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 42's pieces, keeping :mod:`metrology.synth._textures_more23` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``wetblasted`` a wet (vapour) blasted face, the nozzle held at a glancing angle, as on a
             cleaned casting's or a pump housing's face (:func:`wetblasted_texture`): the
             slurry's fine beads strike obliquely and each ploughs a short shallow dimple
             drawn out along the jet's direction (one per part, any angle): dense impacts
             (one per 14 px^2, depths exponential), each an elongated bowl (sigma 2-3 px
             along the jet, 0.7-0.9 px across), seen by their slope towards a light within
             35 degrees of square to the jet (each dimple a short bright and dark pair side by
             side); the nozzle's passes, stepped 40-70 px apart across the jet, leave
             broad bands along it where more beads struck (the dimples' strength 1 +- 0.3-0.45
             in a sine across the passes); over a fine isotropic satin grain (sigma 0.6 px)
             and a faint slow mottle.  Its levels are two-sided: each dimple is as bright on
             one flank as it is dark on the other (the face signal's skewness within +-0.1),
             and heavy-tailed (the deepest dimples).  The first texture of dense short marks
             all lying one way, shaded both ways: ``freemachining``'s aligned lenses are
             sparse and dark only, ``tumbled``'s comets and ``peened``'s cups lie at every
             angle, ``brushed``'s and ``ground``'s streaks are long; ``luders``' bands are
             narrow strips of changed roughness at 50 degrees to the lay, these broad
             periodic bands along it.

``dovetail`` layout (:func:`dovetail_layout`): a dovetail slide's end plate (a machine slide's
             saddle seen end-on): a block 0.88 x 0.58 x the smaller side, its corners rounded
             (0.03), with a dovetail groove cut up into its bottom edge: the groove's mouth
             0.26 wide, its floor 0.16 up and wider, its flanks at 60 degrees to the floor (the
             dovetail's undercut; :func:`sd_dovetail`, the plate's ``"dovetail"``); two bolt
             holes (0.035) and a dowel hole (0.02) in the block above the groove (any of the
             three missable).  The first outline with an undercut notch, wider inside than at
             its mouth (two acute corners of the face at the mouth): ``strip``'s V notch and
             ``forkend``'s U slot widen or keep their width towards the edge, ``bearingcap``'s
             seat is a half circle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more23 import _to_segment

#: the impacts: their density (per px^2), their sigma along the jet and across it (px); the
#: light's turn off square to the jet (radians, either way); the passes' step (px) and the
#: dimples' strength's swing across them; the weights of the dimples, the satin grain (its
#: sigma, px) and the mottle (its sigma, px)
WB_DENSITY, WB_ALONG, WB_ACROSS, WB_LIGHT = 1.0 / 14.0, (2.0, 3.0), (0.7, 0.9), 0.6
WB_PASS, WB_SWING = (40.0, 70.0), (0.3, 0.45)
WB_WEIGHT, WB_GRAIN, WB_MOTTLE = 0.8, (0.5, 0.6), (0.2, 24.0)


def wetblast_relief(g, h, w):
    """The jet's direction (radians), the light's and the dimples' shading: impacts (about
    :data:`WB_DENSITY` a px^2 at random pixels, depths exponential) blurred by an elongated
    Gaussian (sigma :data:`WB_ALONG` along the jet, :data:`WB_ACROSS` across it), its slope
    towards the light, all in the Fourier domain (it wraps; no per-impact loop)."""
    jet = g.uniform(0.0, np.pi)
    light = jet + 0.5 * np.pi + g.uniform(-WB_LIGHT, WB_LIGHT)
    n = int(g.poisson(h * w * WB_DENSITY))
    imp = np.bincount(g.integers(0, h * w, n), g.exponential(1.0, n), minlength=h * w)
    ky, kx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    ka, kc = kx * np.cos(jet) + ky * np.sin(jet), -kx * np.sin(jet) + ky * np.cos(jet)
    sa, sc = g.uniform(*WB_ALONG), g.uniform(*WB_ACROSS)
    blur = np.exp(-2.0 * np.pi ** 2 * (sa * sa * ka * ka + sc * sc * kc * kc))
    slope = 2j * np.pi * (kx * np.cos(light) + ky * np.sin(light))
    shade = np.fft.irfft2(np.fft.rfft2(imp.reshape(h, w)) * blur * slope, s=(h, w))
    return jet, light, shade


def wetblasted_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A wet-blasted face: :func:`wetblast_relief`'s dimples, their strength swung by
    :data:`WB_SWING` in a sine across the jet (the passes, :data:`WB_PASS` px apart, at a
    random phase), at weight :data:`WB_WEIGHT`, on a satin grain (:data:`WB_GRAIN`) and a
    mottle (:data:`WB_MOTTLE`).  Zero mean, unit standard deviation, per part."""
    from ._textures_more3 import _slow_field
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    jet, _, shade = wetblast_relief(g, h, w)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(jet) + yy * np.cos(jet)
    step, swing = g.uniform(*WB_PASS), g.uniform(*WB_SWING)
    passes = 1.0 + swing * np.sin(2.0 * np.pi * across / step + g.uniform(0.0, 2.0 * np.pi))
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), WB_GRAIN[1], mode="wrap")
    mottle = _slow_field(g, h, w, WB_MOTTLE[1])
    return _unit(WB_WEIGHT * _unit(shade) * passes + WB_GRAIN[0] * _unit(grain)
                 + WB_MOTTLE[0] * _unit(mottle))


#: the block (x the smaller side): its half width, its top and bottom (y, down from the image's
#: centre), its corners' radius; the groove: its mouth's half width, its depth and the flanks'
#: angle to its floor (degrees); the bolt holes' x (either side), y and radius, the dowel
#: hole's y and radius (at x 0)
DT_HALF, DT_TOP, DT_BOTTOM, DT_CORNER = 0.44, -0.29, 0.29, 0.03
DT_MOUTH, DT_DEPTH, DT_FLANK = 0.13, 0.16, 60.0
DT_BOLT_X, DT_BOLT_Y, DT_BOLT, DT_DOWEL_Y, DT_DOWEL = 0.3, -0.12, 0.035, -0.05, 0.02


def _groove(lay):
    """The groove's corners (4, 2: x, y), counter-clockwise on screen from the mouth's left:
    the mouth on the block's bottom, continued ``depth`` below it (so the bottom edge cuts it
    cleanly), and the floor's ends."""
    half, _, bottom, _, mouth, depth, flank = lay["dovetail"]
    under = depth / np.tan(np.deg2rad(flank))           # the undercut, each side
    low = bottom + depth                                # below the edge, outside the block
    lo_half = mouth - depth / np.tan(np.deg2rad(flank))
    return np.array([[-lo_half, low], [lo_half, low], [mouth + under, bottom - depth],
                     [-(mouth + under), bottom - depth]])


def sd_dovetail(u, v, lay):
    """Signed distance (px, negative inside) to the dovetail plate's outline of ``lay``
    (``"dovetail"``: the half width, top, bottom, corners' radius, the groove's mouth half
    width, depth and flanks' angle in degrees): the rounded block less the groove (a
    trapezoid, :func:`_groove`).  Exact on the face (the nearest of the block's edges and
    the groove's), a bound of slope 1 off it (outside the block near the mouth's acute
    corners)."""
    half, top, bottom, rc = lay["dovetail"][:4]
    x, y = np.asarray(u, float), np.asarray(v, float)
    cy, hy = 0.5 * (top + bottom), 0.5 * (bottom - top)
    qx, qy = np.abs(x) - half + rc, np.abs(y - cy) - hy + rc
    box = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0)) + \
        np.minimum(np.maximum(qx, qy), 0.0) - rc
    p = _groove(lay)
    q = np.roll(p, -1, axis=0)
    near = np.min(_to_segment(x[..., None], y[..., None], p[:, 0], p[:, 1], q[:, 0], q[:, 1]),
                  axis=-1)
    # inside the convex trapezoid: left of every edge (counter-clockwise on screen, y down)
    ex, ey = q[:, 0] - p[:, 0], q[:, 1] - p[:, 1]
    side = ex * (y[..., None] - p[:, 1]) - ey * (x[..., None] - p[:, 0])
    groove = np.where(np.all(side < 0, axis=-1), -near, near)
    return np.maximum(box, -groove)


def dovetail_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``dovetail`` layout in model pixels (origin at the image centre, y down): the plate
    of :func:`sd_dovetail` (``"dovetail"``: half width :data:`DT_HALF` s, top
    :data:`DT_TOP` s, bottom :data:`DT_BOTTOM` s, corners :data:`DT_CORNER` s, the groove's
    mouth half width :data:`DT_MOUTH` s, depth :data:`DT_DEPTH` s, flanks :data:`DT_FLANK`
    degrees to its floor; s the smaller side; ``"half"`` the block's half size, where
    defects are placed from, ``"corner"`` 0), two bolt holes (:data:`DT_BOLT` s at
    +-:data:`DT_BOLT_X` s, :data:`DT_BOLT_Y` s) and a dowel hole (:data:`DT_DOWEL` s at 0,
    :data:`DT_DOWEL_Y` s; ``missing`` leaves out any of the three)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((side * DT_BOLT_X * s, DT_BOLT_Y * s), DT_BOLT * s) for side in (-1.0, 1.0)]
    holes.append(((0.0, DT_DOWEL_Y * s), DT_DOWEL * s))
    return dict(base, half=(DT_HALF * s, max(-DT_TOP, DT_BOTTOM) * s), corner=0.0,
                dovetail=(DT_HALF * s, DT_TOP * s, DT_BOTTOM * s, DT_CORNER * s,
                          DT_MOUTH * s, DT_DEPTH * s, DT_FLANK),
                holes=holes, slots=[])
