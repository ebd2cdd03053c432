"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 27's pieces, keeping :mod:`metrology.synth._textures_more8` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``cladded``  laser-clad (hard-faced) face, as deposited (:func:`cladded_texture`): parallel
             weld tracks 7-11 px apart (the hatch), each a low rounded bead, every other one
             laid in the opposite direction; on each bead the melt pool's solidification
             ripples, crescents 3.5-5 px apart bowed back against its travel (so the
             crescents of neighbouring tracks point opposite ways: a herring-bone), sparse
             bright powder balls stuck to the face and a fine grain.  The first texture of
             periodic crescents in tracks: ``faced``'s and ``knurled``'s periodic marks are
             straight or circular grooves, ``lasercut``'s drag lines aperiodic.

``cam``      layout (:func:`cam_layout`): a snail (drop) cam plate: its rim a spiral whose
             radius rises steadily over one turn from 0.42 to 0.47 x the smaller side, then
             drops back at a radial step (:func:`sd_cam`, the plate's ``"spiral"``); a shaft
             bore in the middle (a window, never missing), two lightening holes and a small
             dowel hole (any of the three missable).  The first outline whose radius changes
             monotonically with the angle, and the first with a radial step; its face about
             0.59 of a 256 x 256 image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ._textures_more8 import _pit_field, sd_link
from ._textures_more10 import sd_endshield
from ._textures_more11 import sd_forkend
from ._textures_more12 import sd_tnut
from ._textures_more13 import sd_ovalflange
from ._textures_more14 import sd_bearingcap
from ._textures_more15 import sd_crescentarm
from ._textures_more16 import sd_trimount
from ._textures_more17 import sd_splitcollar
from ._textures_more18 import sd_dshim
from ._textures_more19 import sd_handhole
from ._textures_more20 import sd_thrustpad
from ._textures_more21 import sd_starflange
from ._textures_more22 import sd_tabwasher
from ._textures_more23 import sd_rack
from ._textures_more24 import sd_dovetail
from ._textures_more25 import sd_geneva
from ._textures_more26 import sd_ecore, sd_tensile
from ._textures_more27 import sd_circlip
from ._textures_more28 import sd_pulley
from ._textures_more29 import sd_clutchplate
from ._textures_more30 import sd_hookplate
from ._textures_more31 import sd_bellcrank
from ._textures_more32 import sd_sectorblank
from ._textures_more33 import sd_ratchet
from ._textures_more34 import sd_motorplate
from ._textures_more35 import sd_latchplate
from ._textures_more36 import sd_pipeclamp
from ._textures_more37 import sd_spokewheel
from ._textures_more39 import sd_keyedcollar
from ._textures_more40 import sd_slottedarm
from ._textures_more41 import sd_hingeleaf
from ._textures_more42 import sd_bayonet
from ._textures_more43 import sd_axialfan
from ._textures_more44 import sd_busbar

#: the cladding: the tracks' spacing (the hatch, px), the ripples' pitch (px), their bow (the
#: lag at a track's edge over the spacing) and the powder balls' area per ball (px^2)
CLAD_HATCH, CLAD_PITCH, CLAD_BOW, CLAD_BALL_AREA = (7.0, 11.0), (3.5, 5.0), (0.18, 0.25), 1500.0


def clad_field(a, b, hatch, pitch, bow, phases, levels, offset=0.0):
    """The cladding's relief at ``a`` px along the tracks and ``b`` px across (arrays of one
    shape): track ``k = floor((b - offset) / hatch)`` (``q`` in -1/2..1/2 across it) laid in
    direction ``(-1)^k``; its bead ``1 - (2q)^2`` plus ``levels[k]``, its ripples
    ``cos(2 pi (dir a + bow hatch (2q)^2) / pitch + phases[k])`` (crescents, each ``bow x
    hatch`` px behind at the track's edges) weighted by ``0.5 + 0.5`` bead.  Returns
    ``(bead, ripples)``; ``phases`` and ``levels`` are indexed modulo their length."""
    x = (b - offset) / hatch
    k = np.floor(x).astype(np.int64)
    q = x - k - 0.5
    n = len(phases)
    direction = np.where(k % 2 == 0, 1.0, -1.0)
    bead = 1.0 - (2.0 * q) ** 2
    lag = bow * hatch * (2.0 * q) ** 2
    ripples = np.cos(2.0 * np.pi * (direction * a + lag) / pitch + phases[k % n])
    return bead + levels[k % n], ripples * (0.5 + 0.5 * bead)


def cladded_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Laser-clad face: :func:`clad_field` along a random direction (0-180 degrees), its hatch
    in :data:`CLAD_HATCH`, pitch in :data:`CLAD_PITCH`, bow in :data:`CLAD_BOW` (one each per
    part), each track's ripple phase random and its level 0.15 x a normal draw; ripples 1,
    beads 0.35 (each unit-scaled), a bright powder ball per :data:`CLAD_BALL_AREA` px^2 (a
    Gaussian of sigma 0.8-1.3 px, 2-3.5 high), 0.15 of a fine grain (0.6 px) and 0.1 of a slow
    mottle (16 px).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    ang = np.deg2rad(g.uniform(0.0, 180.0))
    hatch, pitch, bow = g.uniform(*CLAD_HATCH), g.uniform(*CLAD_PITCH), g.uniform(*CLAD_BOW)
    n = 64
    phases, levels = g.uniform(0.0, 2.0 * np.pi, n), 0.15 * g.standard_normal(n)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = xx * np.cos(ang) + yy * np.sin(ang)
    b = -xx * np.sin(ang) + yy * np.cos(ang)
    bead, ripples = clad_field(a, b, hatch, pitch, bow, phases, levels, g.uniform(0.0, hatch))
    k = max(1, int(round(h * w / CLAD_BALL_AREA)))
    py, px = g.uniform(0, h, k), g.uniform(0, w, k)
    balls = _pit_field(h, w, px, py, g.uniform(0.8, 1.3, k), g.uniform(2.0, 3.5, k))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    mottle = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    return _unit(_unit(ripples) + 0.35 * _unit(bead) + balls + 0.15 * grain + 0.1 * mottle)


#: the cam plate (x the smaller side): the rim's radius at the drop's foot and at its top, the
#: shaft bore's radius, the lightening holes' radius and circle, the dowel hole's radius and
#: circle; the drop's direction (degrees, y down: 90 points down)
CAM_R0, CAM_R1, CAM_BORE, CAM_HOLE, CAM_HOLE_AT = 0.42, 0.47, 0.08, 0.045, 0.24
CAM_DOWEL, CAM_DOWEL_AT, CAM_DROP = 0.022, 0.16, 90.0


def sd_cam(u, v, lay):
    """Signed distance (px, negative inside) to the cam plate's outline of ``lay``
    (``"spiral"``: ``(r0, r1)`` px and the drop's direction, degrees): the rim ``R(phi) = r0
    + (r1 - r0) phi / 2 pi`` (``phi`` the angle from the drop, 0-2 pi) as ``|r - R(phi)|``
    and the radial step from ``r0`` to ``r1`` along the drop's direction as a segment's
    distance, the nearer of the two; negative where ``r < R(phi)``.  Exact outside and near
    the rim (the spiral rises 2 px a radian at 256 px: its slope is under 0.02); deep inside
    up to 2 % long, the rim read along the point's own ray (at the centre the nearest rim
    is the drop's foot)."""
    r0, r1, drop = lay["spiral"]
    cd, sd = np.cos(np.deg2rad(drop)), np.sin(np.deg2rad(drop))
    along, across = u * cd + v * sd, -u * sd + v * cd       # the drop along +x
    r = np.hypot(along, across)
    phi = np.mod(np.arctan2(across, along), 2.0 * np.pi)
    rim = r0 + (r1 - r0) * phi / (2.0 * np.pi)
    t = np.clip(along, r0, r1)
    step = np.hypot(along - t, across)
    dist = np.minimum(np.abs(r - rim), step)
    return np.where(r < rim, -dist, dist)


#: the outlines drawn outside ``_defect_makers`` (full at its size limit), by the layout key
#: that names each: the link's figure-eight (:func:`~metrology.synth._textures_more8.sd_link`),
#: the cam's spiral (:func:`sd_cam`), the end shield's spokes
#: (:func:`~metrology.synth._textures_more10.sd_endshield`), the fork end's U slot
#: (:func:`~metrology.synth._textures_more11.sd_forkend`), the T-slot nut plate's T
#: (:func:`~metrology.synth._textures_more12.sd_tnut`), the oval flange's hull
#: (:func:`~metrology.synth._textures_more13.sd_ovalflange`), the bearing cap's arch and seat
#: (:func:`~metrology.synth._textures_more14.sd_bearingcap`), the crescent arm's two arcs
#: (:func:`~metrology.synth._textures_more15.sd_crescentarm`), the motor mount's rounded
#: Reuleaux triangle (:func:`~metrology.synth._textures_more16.sd_trimount`), the split
#: collar's cut ring (:func:`~metrology.synth._textures_more17.sd_splitcollar`), the D
#: shim's disc cut by a chord (:func:`~metrology.synth._textures_more18.sd_dshim`), the
#: handhole cover's ellipse (:func:`~metrology.synth._textures_more19.sd_handhole`), the
#: thrust pad's annular sector (:func:`~metrology.synth._textures_more20.sd_thrustpad`), the
#: star flange's scalloped disc (:func:`~metrology.synth._textures_more21.sd_starflange`),
#: the tab washer's ring with two tabs (:func:`~metrology.synth._textures_more22.sd_tabwasher`),
#: the gear rack's toothed bar (:func:`~metrology.synth._textures_more23.sd_rack`), the
#: dovetail plate's undercut groove (:func:`~metrology.synth._textures_more24.sd_dovetail`),
#: the Geneva wheel's slotted star (:func:`~metrology.synth._textures_more25.sd_geneva`),
#: the tensile coupon and the E core (:func:`~metrology.synth._textures_more26.sd_tensile`,
#: :func:`~metrology.synth._textures_more26.sd_ecore`), the circlip's tapering open ring with
#: two lugs (:func:`~metrology.synth._textures_more27.sd_circlip`), the pulley's disc with
#: windows between tapering arms and a keyed bore
#: (:func:`~metrology.synth._textures_more28.sd_pulley`), the clutch plate's grooved
#: annulus with a splined bore (:func:`~metrology.synth._textures_more29.sd_clutchplate`),
#: the hook plate's rounded plate with an eye and a J-shaped throat
#: (:func:`~metrology.synth._textures_more30.sd_hookplate`), the bell crank's L of two
#: arms with round eyes from a boss (:func:`~metrology.synth._textures_more31.sd_bellcrank`),
#: the sector blank's fan from a round hub
#: (:func:`~metrology.synth._textures_more32.sd_sectorblank`), the ratchet wheel's saw teeth
#: (:func:`~metrology.synth._textures_more33.sd_ratchet`), the motor plate's chamfered square
#: (:func:`~metrology.synth._textures_more34.sd_motorplate`), the striker plate's long
#: rounded rectangle notched in one long edge
#: (:func:`~metrology.synth._textures_more35.sd_latchplate`), the pipe-clamp half's saddle and
#: ears (:func:`~metrology.synth._textures_more36.sd_pipeclamp`), the handwheel's disc less
#: the openings between its curved spokes
#: (:func:`~metrology.synth._textures_more37.sd_spokewheel`), the adjusting arm's bar and
#: boss (:func:`~metrology.synth._textures_more40.sd_slottedarm`), the keyed collar's ring cut
#: through by a slit (:func:`~metrology.synth._textures_more39.sd_keyedcollar`), the hinge
#: leaf's rounded rectangle with its knuckle's two strips along its top edge
#: (:func:`~metrology.synth._textures_more41.sd_hingeleaf`), the bayonet plate's disc cut by
#: three L-shaped slots from its rim (:func:`~metrology.synth._textures_more42.sd_bayonet`),
#: the axial fan's hub with four swept blades cut on its tip circle
#: (:func:`~metrology.synth._textures_more43.sd_axialfan`), the offset busbar's bar bent twice
#: (:func:`~metrology.synth._textures_more44.sd_busbar`).
#: A new outline is one entry here; ``_defect_makers`` routes every key of this table to
#: :func:`sd_more` (checked in this order, the newest first, as the chain of tests it
#: replaced did)
MORE_OUTLINES = {"busbar": sd_busbar, "blades": sd_axialfan, "bayonet": sd_bayonet,
                 "leaf": sd_hingeleaf, "keyed": sd_keyedcollar, "arm": sd_slottedarm, "wheel": sd_spokewheel,
                 "clamp": sd_pipeclamp, "latch": sd_latchplate, "mount": sd_motorplate, "ratchet": sd_ratchet,
                 "fan": sd_sectorblank, "crank": sd_bellcrank, "hook": sd_hookplate, "clutch": sd_clutchplate,
                 "pulley": sd_pulley, "circlip": sd_circlip, "ecore": sd_ecore,
                 "tensile": sd_tensile,
                 "geneva": sd_geneva, "dovetail": sd_dovetail, "rack": sd_rack,
                 "tabs": sd_tabwasher, "star": sd_starflange, "pad": sd_thrustpad,
                 "ellipse": sd_handhole, "dee": sd_dshim, "collar": sd_splitcollar,
                 "reuleaux": sd_trimount, "lune": sd_crescentarm, "cap": sd_bearingcap,
                 "oval": sd_ovalflange, "tee": sd_tnut, "fork": sd_forkend,
                 "spokes": sd_endshield, "spiral": sd_cam, "eight": sd_link}


def sd_more(u, v, lay):
    """The signed distance of the outline of :data:`MORE_OUTLINES` whose key ``lay`` holds
    (the link's figure-eight where none does, as before the table)."""
    for key, sd in MORE_OUTLINES.items():
        if key in lay:
            return sd(u, v, lay)
    return sd_link(u, v, lay)


def cam_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``cam`` layout in model pixels (origin at the image centre, y down): the snail cam
    of :func:`sd_cam` (``"spiral"``: radii :data:`CAM_R0` to :data:`CAM_R1` x the smaller side
    ``s``, the drop at :data:`CAM_DROP`; ``"half"`` its bounding box, where defects are placed
    from), a shaft bore of radius :data:`CAM_BORE` s in the middle (a window rounded to a
    circle, kept), two lightening holes of radius :data:`CAM_HOLE` s on a circle of
    :data:`CAM_HOLE_AT` s at 210 and 330 degrees and a dowel hole of :data:`CAM_DOWEL` s at
    :data:`CAM_DOWEL_AT` s, 90 degrees (below the bore, towards the drop; the lightening holes
    and the dowel missable).  Its face (less the holes) is about 0.59 of a square image, 7 px
    inside its border at the rim's top."""
    h, w = shape
    s = float(min(h, w))
    at = np.deg2rad([210.0, 330.0])
    holes = [((float(CAM_HOLE_AT * s * np.cos(t)), float(CAM_HOLE_AT * s * np.sin(t))),
              CAM_HOLE * s) for t in at]
    holes.append(((0.0, CAM_DOWEL_AT * s), CAM_DOWEL * s))
    bore = CAM_BORE * s
    return dict(base, half=(CAM_R1 * s, CAM_R1 * s), corner=CAM_R1 * s,
                spiral=(CAM_R0 * s, CAM_R1 * s, CAM_DROP), holes=holes, slots=[],
                windows=[((0.0, 0.0), (bore, bore), bore)], keep_windows=True)
