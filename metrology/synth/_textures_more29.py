"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 48's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``broached`` a broached face (a keyway's flank, a turbine disc's fir-tree slot, a bore's
             flats: the face a broach's row of teeth, each rising a little over the one
             before, cut in one pass) (:func:`broached_texture`): straight parallel fine tool
             lines along the cut (the prints of the teeth's cutting edges: a band-passed
             profile across the lay, pitch 2-5 px, not strictly periodic), each line's depth
             varying slowly along it (a smooth modulation, sigma 25-50 px along the lay and
             under 1 px across it); crossed at regular intervals, the broach's tooth pitch
             (12-30 px), by faint step marks across the lay (a chatter line where each tooth
             took over: a derivative of a Gaussian, lit from one side, its strength varying
             slowly along it); with slight tearing here and there (short dark streaks along
             the lay, 6-12 px long, in patches where the chip tore the metal).  Its levels
             are two-sided (the lines and steps symmetric, the tears sparse: the face-signal
             skewness within +-0.4).  The first texture crossed by regular marks across its
             lay: ``brushed``'s and ``ground``'s straight streaks are aperiodic and never
             crossed, ``wirecut``'s cusps strictly periodic across the lay and uncrossed
             (with bright recast spots, no dark tears), ``superfinished``'s grit paths cross
             one another along sines, ``torn``'s tear pockets are scoops behind a step on a
             turning lay (one-sided dark, skewness about -1.1).

``clutchplate`` layout (:func:`clutchplate_layout`): a friction clutch plate (a wet
             multi-plate clutch's lined plate) seen face on: an annulus (outer radius
             0.44 x the smaller side, the bore's root 0.13), six radial oil grooves cut
             through its friction lining (the outer band) from 0.35 out through the rim
             (narrow gaps, 0.028 wide, square-ended), an internal spline round the bore (20
             teeth standing 0.025 into it, 0.022 wide: where the plate rides on the clutch
             hub) and two rivet holes (0.022, the lining's rivets) at 0.36 midway between
             grooves on the horizontal (either missable)
             (:func:`sd_clutchplate`, the plate's ``"clutch"``).  The first outline with
             teeth round its bore: ``geneva``'s four slots are round-ended in a disc with a
             plain bore, ``sprocket``'s and ``rack``'s teeth stand outward, ``thrustpad`` is
             one annular sector.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: the broached face: the tool lines' pitch (px) and band (x their frequency), the lines'
#: depth modulation (sigma along and across, px, and its weight); the tooth pitch (px), the
#: step marks' sigma (px) and weight; the tears: their share of the face (where they
#: occur), the patches' share, their streaks' sigma along and across (px) and depth (x the
#: lines' spread); a fine matte's weight
BR_PITCH, BR_BAND, BR_MOD, BR_MOD_W = (2.0, 5.0), 0.2, ((25.0, 50.0), 0.8), 0.45
BR_TOOTH, BR_STEP_SIGMA, BR_STEP_W = (12.0, 30.0), 0.9, (0.9, 1.2)
BR_TEARS, BR_TEAR_PATCH, BR_TEAR_SIGMA, BR_TEAR_DEPTH = 0.006, 0.35, (2.2, 0.6), (2.0, 3.0)
BR_MATTE = 0.25


def lay_filter(h, w, lay, sigma_along, sigma_across):
    """The rfft2 transfer function (``h`` x ``w//2+1``) of an anisotropic Gaussian of
    ``sigma_along`` px along the direction ``lay`` (radians, x towards y) and
    ``sigma_across`` px across it."""
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    fa, fb = fx * np.cos(lay) + fy * np.sin(lay), -fx * np.sin(lay) + fy * np.cos(lay)
    return np.exp(-2.0 * np.pi ** 2 * (sigma_along ** 2 * fa * fa + sigma_across ** 2 * fb * fb))


def _filtered(field, filt):
    """``field`` (h x w) filtered (wrapping) by the transfer function ``filt``."""
    return np.fft.irfft2(np.fft.rfft2(field) * filt, s=field.shape)


def tool_lines(g, across, pitch):
    """The tool lines' profile at the places ``across`` the lay (px, any array): a white
    noise on a 0.5 px grid band-passed about the frequency ``1 / pitch`` (a Gaussian band
    :data:`BR_BAND` x it wide), read linearly: parallel lines about ``pitch`` apart, each of
    its own height, neither periodic nor one-sided."""
    lo = float(across.min())
    m = int(np.ceil((float(across.max()) - lo) / 0.5)) + 8
    f = np.fft.rfftfreq(m, d=0.5)
    band = np.exp(-0.5 * ((f - 1.0 / pitch) / (BR_BAND / pitch)) ** 2)
    prof = np.fft.irfft(np.fft.rfft(g.standard_normal(m)) * band, n=m)
    return np.interp(across - lo, 0.5 * np.arange(m), prof)


def step_marks(along, tooth, phase, sigma):
    """The tooth steps' marks at the places ``along`` the lay (px): at every ``tooth`` px
    (from ``phase`` x it) a derivative of a Gaussian of ``sigma`` px (the step where each
    tooth took over, lit from one side: a bright line beside a dark one), peak 1."""
    x = (np.mod(along / tooth + phase + 0.5, 1.0) - 0.5) * tooth
    return -np.exp(0.5) * (x / sigma) * np.exp(-0.5 * (x / sigma) ** 2)


def broached_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A broached face: :func:`tool_lines` (pitch in :data:`BR_PITCH`) along a lay at any
    angle, their depth ``1 + BR_MOD_W x`` a smooth field (:data:`BR_MOD`: sigma along the
    lay, across it); :func:`step_marks` every tooth pitch (:data:`BR_TOOTH`) across the lay,
    weight in :data:`BR_STEP_W` x a slow wave along them (0.5-1); tears (a share
    :data:`BR_TEARS` of the face in patches, :data:`BR_TEAR_PATCH` of it, of random depth in
    :data:`BR_TEAR_DEPTH`, streaks of :data:`BR_TEAR_SIGMA` along and across) and a fine
    matte (:data:`BR_MATTE`).  Zero mean, unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    lay = g.uniform(0.0, np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    along = xx * np.cos(lay) + yy * np.sin(lay)
    across = -xx * np.sin(lay) + yy * np.cos(lay)
    lines = _unit(tool_lines(g, across, g.uniform(*BR_PITCH)))
    (ma, mb), md = BR_MOD
    depth = _unit(_filtered(g.standard_normal((h, w)), lay_filter(h, w, lay, g.uniform(ma, mb),
                                                                    md)))
    lines = _unit(lines * (1.0 + BR_MOD_W * np.clip(depth, -2.0, 2.0)))
    wave = 0.75 + 0.25 * np.sin(2.0 * np.pi * across / g.uniform(40.0, 90.0)
                                + g.uniform(0.0, 2.0 * np.pi))
    steps = g.uniform(*BR_STEP_W) * wave * step_marks(along, g.uniform(*BR_TOOTH),
                                                      g.uniform(), BR_STEP_SIGMA)
    patch = _filtered(g.standard_normal((h, w)), lay_filter(h, w, lay, 12.0, 12.0))
    where = patch > np.quantile(patch, 1.0 - BR_TEAR_PATCH)
    seeds = (g.random((h, w)) < BR_TEARS / BR_TEAR_PATCH) & where
    sa, sb = BR_TEAR_SIGMA
    tears = _filtered(seeds * g.uniform(*BR_TEAR_DEPTH, (h, w)), lay_filter(h, w, lay, sa, sb))
    tears *= 2.0 * np.pi * sa * sb                      # each streak's peak its depth
    matte = _unit(_filtered(g.standard_normal((h, w)), lay_filter(h, w, lay, 0.6, 0.6)))
    return _unit(lines + steps - tears + BR_MATTE * matte)


#: the clutch plate (x the smaller side): the outer radius, the bore's root and the teeth's
#: tips (radii), the teeth (how many) and their half width; the grooves (how many), their
#: inner ends (radius) and half width; the rivet holes' radius and the radius they sit on
CP_OUTER, CP_ROOT, CP_TIP, CP_TEETH, CP_TOOTH = 0.44, 0.13, 0.105, 20, 0.011
CP_GROOVES, CP_GROOVE_IN, CP_GROOVE, CP_RIVET, CP_RIVET_AT = 6, 0.35, 0.014, 0.022, 0.36


def _radial_boxes(u, v, n, offset, start, end, half):
    """Signed distance (px, negative inside) to the nearest of ``n`` boxes set radially round
    the origin (box k along the angle ``offset + 2 pi k / n``, from radius ``start`` to
    ``end``, ``half`` wide either side of its axis): the smaller of the two boxes
    angularly nearest each point (exact: no other is nearer)."""
    from ._defect_makers10 import sd_rounded_box

    x, y = np.asarray(u, float), np.asarray(v, float)
    step = 2.0 * np.pi / n
    k0 = np.floor((np.arctan2(y, x) - offset) / step)
    out = np.full(x.shape, np.inf)
    for k in (k0, k0 + 1.0):
        a = offset + k * step
        t, s = x * np.cos(a) + y * np.sin(a), -x * np.sin(a) + y * np.cos(a)
        out = np.minimum(out, sd_rounded_box(t - 0.5 * (start + end), s, end - start,
                                             2.0 * half, 0.0))
    return out


def sd_clutchplate(u, v, lay):
    """Signed distance (px, negative inside) to the clutch plate's outline of ``lay``
    (``"clutch"``: the outer radius, the bore's root and the teeth's tips, the teeth's count
    and half width, the grooves' count, inner ends and half width, px): the disc less the
    bore (the root circle less the spline's teeth, radial boxes from the tips out past the
    root) and less the grooves (radial boxes from their inner ends out past the rim, at
    ``(k + 1/2) 60`` degrees for six: none on the horizontal).  Exact off the teeth's and the
    grooves' corners."""
    outer, root, tip, teeth, tooth, grooves, g_in, g_half = lay["clutch"]
    x, y = np.asarray(u, float), np.asarray(v, float)
    rho = np.hypot(x, y)
    spline = _radial_boxes(x, y, teeth, 0.0, tip, root + 0.5 * (root - tip) + 1.0, tooth)
    bore = np.maximum(rho - root, -spline)
    cuts = _radial_boxes(x, y, grooves, np.pi / grooves, g_in, 2.0 * outer + 2.0, g_half)
    return np.maximum(np.maximum(rho - outer, -bore), -cuts)


def clutchplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``clutchplate`` layout in model pixels (origin at the image centre, y down): the
    plate of :func:`sd_clutchplate` (outer radius :data:`CP_OUTER` s, the bore's root
    :data:`CP_ROOT` s and :data:`CP_TEETH` teeth to :data:`CP_TIP` s, 2 :data:`CP_TOOTH` s
    wide; :data:`CP_GROOVES` grooves from :data:`CP_GROOVE_IN` s, 2 :data:`CP_GROOVE` s
    wide; s the smaller side; ``"half"`` its box, where defects are placed from, ``"corner"``
    0) and two rivet holes of :data:`CP_RIVET` s at :data:`CP_RIVET_AT` s left and right,
    midway between two grooves (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((float(x * CP_RIVET_AT * s), 0.0), CP_RIVET * s) for x in (-1.0, 1.0)]
    return dict(base, half=(CP_OUTER * s, CP_OUTER * s), corner=0.0,
                clutch=(CP_OUTER * s, CP_ROOT * s, CP_TIP * s, CP_TEETH, CP_TOOTH * s,
                        CP_GROOVES, CP_GROOVE_IN * s, CP_GROOVE * s), holes=holes, slots=[])
