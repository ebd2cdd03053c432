"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 30's pieces, keeping :mod:`metrology.synth._textures_more11` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``wirecut``  the cut face of a wire-EDM (electro-discharge wire-cut) part
             (:func:`wirecut_texture`): one family of fine, strictly regular cusps along the
             wire's travel (a scalloped profile, round-bottomed with sharp crests, pitch 3-5 px
             per part, its depth wavering slowly along the lines), over the discharges' fine
             crater matte and a slow mottle, with sparse irregular bright recast spots (the
             resolidified melt: blobs 2-6 px across, on about 1-3 % of the face).  The first
             texture of a single family of strictly periodic straight marks: ``knurled``'s
             periodic ridges cross in two families, ``faced``'s and ``milled``'s are arcs,
             ``cladded``'s tracks carry crescents, ``ground``'s and ``crossrolled``'s
             straight streaks are aperiodic; ``eroded``'s EDM craters have no lay.

``tnut``     layout (:func:`tnut_layout`): a T-slot nut plate (the flat nut that slides in a
             machine table's T slot): a T-shaped outline, a bar across the top 0.88 x the
             smaller side wide and a stem below it 0.54 wide, the outer corners rounded and the
             two re-entrant corners filleted (:func:`sd_tnut`, the plate's ``"tee"``); a
             chamfered tapped hole in the stem (``"sinks"``: a bore in a countersink ring,
             never missing) and a plain bolt hole in each end of the bar (either missable).
             The first outline with two re-entrant corners on one side only: ``lbracket`` has
             one, ``cruciform`` four; face about 0.61 of a 256 x 256 image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the wire-cut face: the cusps' pitch (px), the recast spots' share of the face and their
#: height (x the cusps' spread), the crater matte's and the mottle's weights
WIRE_PITCH, WIRE_SPOTS, WIRE_SPOT_HEIGHT = (3.0, 5.0), (0.01, 0.03), (4.0, 5.5)
WIRE_MATTE, WIRE_MOTTLE = 0.45, 0.12


def recast_spots(g, h, w, share):
    """Sparse irregular recast spots on an ``h`` x ``w`` face: a smooth random field (sigma
    1.2 px) above its ``1 - share`` quantile, each spot a plateau whose edge ramps over about
    a pixel (0-1)."""
    n = ndimage.gaussian_filter(g.standard_normal((h, w)), 1.2, mode="wrap")
    n = n / max(float(n.std()), 1e-12)
    t = float(np.quantile(n, 1.0 - share))
    return np.clip((n - t) / 0.35, 0.0, 1.0)


def wirecut_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A wire-EDM cut face: cusps ``4 (frac(across / pitch + phase) - 0.5)^2`` (pitch in
    :data:`WIRE_PITCH`, lines along a random direction, their depth 0.8-1.2 along them, slowly),
    a crater matte (sigma 0.7 px, :data:`WIRE_MATTE`), a slow mottle (16 px,
    :data:`WIRE_MOTTLE`) and bright :func:`recast_spots` (share :data:`WIRE_SPOTS`, height
    :data:`WIRE_SPOT_HEIGHT` x the cusps' spread).  Zero mean, unit standard deviation, per
    part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    ang = np.deg2rad(g.uniform(0.0, 180.0))
    pitch, phase = g.uniform(*WIRE_PITCH), g.uniform(0.0, 1.0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(ang) + yy * np.cos(ang)
    cusps = _unit(4.0 * (np.mod(across / pitch + phase, 1.0) - 0.5) ** 2)
    along = xx * np.cos(ang) + yy * np.sin(ang)
    lo = float(along.min())
    m = int(np.ceil(float(along.max()) - lo)) + 2
    waver = ndimage.gaussian_filter1d(g.standard_normal(m), 20.0)
    waver = 1.0 + 0.2 * waver / max(float(np.abs(waver).max()), 1e-12)
    depth = np.interp(along - lo, np.arange(m, dtype=np.float64), waver)
    matte = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    spots = recast_spots(g, h, w, g.uniform(*WIRE_SPOTS)) * g.uniform(*WIRE_SPOT_HEIGHT)
    return _unit(cusps * depth + WIRE_MATTE * matte + WIRE_MOTTLE * mottle + spots)


#: the T-slot nut plate (x the smaller side): the plate's half size and outer corners, the
#: bar's height (from the top edge), the stem's half width, the re-entrant fillets; the bolt
#: holes' radius and place (+-x, y), the tapped hole's bore, its chamfer ring and place (y)
TEE_HALF, TEE_CORNER, TEE_BAR, TEE_STEM, TEE_FILLET = 0.44, 0.06, 0.46, 0.27, 0.04
TEE_HOLE, TEE_HOLE_X, TEE_HOLE_Y, TEE_TAP, TEE_CHAMFER, TEE_TAP_Y = \
    0.05, 0.29, -0.21, 0.045, 0.07, 0.23


def sd_tnut(u, v, lay):
    """Signed distance (px, negative inside) to the T-slot nut plate's outline of ``lay``
    (``"tee"``: the plate's half size and corner radius, the bar's height, the stem's half
    width and the fillet, px): the rounded square less the two lower corners beside the stem
    (rectangles out past the plate, their inner corners rounded to the fillet: the
    re-entrant corners), the corners where the bar's ends meet its underside rounded to the
    plate's corner radius (the edges meet square there, so the rounding is exact).  Exact
    inside and within 0.12 x the side outside; farther out, beyond the stem's foot, up to
    0.03 x the side over (the rounding reads the plate's cut-away lower corners there), where
    only its sign is read."""
    from ._textures_more import _sd_round_rect

    half, corner, bar, stem, fillet = lay["tee"]
    plate = _sd_round_rect(u, v, (0.0, 0.0), (half, half), corner)
    y0, far = -half + bar, 2.0 * half + 10.0          # the cuts' top, their far sides
    cut = np.minimum(
        _sd_round_rect(u, v, (-stem - 0.5 * far, y0 + 0.5 * far), (0.5 * far, 0.5 * far),
                       fillet),
        _sd_round_rect(u, v, (stem + 0.5 * far, y0 + 0.5 * far), (0.5 * far, 0.5 * far),
                       fillet))
    return np.minimum(np.maximum(plate, -cut), -corner) + \
        np.hypot(np.maximum(plate + corner, 0.0), np.maximum(corner - cut, 0.0))


def tnut_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``tnut`` layout in model pixels (origin at the image centre, y down): the plate of
    :func:`sd_tnut` (``"tee"``: half size :data:`TEE_HALF`, corners :data:`TEE_CORNER`, a bar
    :data:`TEE_BAR` high, a stem :data:`TEE_STEM` half wide, fillets :data:`TEE_FILLET`, all x
    the smaller side ``s``; ``"half"`` and ``"corner"`` the plate's), a bolt hole of
    :data:`TEE_HOLE` s in each end of the bar at (+-:data:`TEE_HOLE_X`, :data:`TEE_HOLE_Y`) s
    (``missing`` leaves out one of them) and the stem's tapped hole (:data:`TEE_TAP` s in a
    countersink ring to :data:`TEE_CHAMFER` s, ``"sinks"``, never missing) at (0,
    :data:`TEE_TAP_Y`) s."""
    h, w = shape
    s = float(min(h, w))
    holes = [((sg * TEE_HOLE_X * s, TEE_HOLE_Y * s), TEE_HOLE * s) for sg in (-1.0, 1.0)]
    sinks = [((0.0, TEE_TAP_Y * s), TEE_TAP * s, TEE_CHAMFER * s)]
    return dict(base, half=(TEE_HALF * s, TEE_HALF * s), corner=TEE_CORNER * s, holes=holes,
                slots=[], windows=[], sinks=sinks,
                tee=(TEE_HALF * s, TEE_CORNER * s, TEE_BAR * s, TEE_STEM * s, TEE_FILLET * s))
