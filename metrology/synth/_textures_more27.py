"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 46's pieces, keeping :mod:`metrology.synth._textures_more26` and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``skimmed``  a cast face given one light skim cut that did not clean up (a casting's
             mounting face, a gearbox cover's joint face, faced no deeper than the stock
             allowed) (:func:`skimmed_texture`): the cut plane meets the casting's face, which
             is wavy and not quite parallel to it (:func:`skim_share`: a smooth field, sigma
             18-30 px, over a tilt), so that the cut takes its high places and leaves its
             low places as they were cast: patches of the rough sand-cast skin (an isotropic
             grain over two octaves, 1.2 and 2.5 px, symmetric) in a fine, faint cut lay (a
             sine of the feed across it, pitch 3-5 px, with fine streaks along it, at any
             angle), 3.5-5 times as rough, the cut taking 40-65 % of the face; at the
             borders the skin lies lower than the cut, a narrow step (about 1 px) shaded by
             the light (bright on one side of a patch, dark on the other).  Its levels are
             two-sided (both parts spread both ways: the face-signal skewness within +-0.3)
             but its local contrast differs strongly from place to place: the local RMS's
             log spread (the face over a 16 px window) 0.4-0.6, where the even textures give
             0.02-0.08.  The first texture of two different finishes side by side in large
             patches following a height contour: ``luders``' bands change the grain's
             roughness 1.7 times in narrow straight strips, ``phosphated``'s patches change the
             level of one grain, ``scaled``'s flakes their level and streaks, ``wetblasted``'s
             pass bands the dimples' density.

``circlip``  layout (:func:`circlip_layout`): an internal retaining ring (a DIN 472 bore
             circlip) lying flat, its gap at the top: an open ring whose wall tapers round it
             (the outer circle 0.44 x the smaller side; the bore 0.22, its centre 0.07 up
             towards the gap, so the wall is 0.29 wide at the back, 0.23 at the sides and
             0.15 beside the gap), cut at the top by a gap 0.12 wide, its two ends carrying
             round lugs that stand into the bore (0.075, their centres 0.13 either side of
             the axis, 0.3 from the centre, over the ends' inner corners), each with a pliers
             hole (0.03, either missable) (:func:`sd_circlip`, the plate's ``"circlip"``).
             The first outline whose wall's width changes steadily round it and the first
             with lugs: ``splitcollar``'s ring is of one width, cut by a narrow split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the casting's face: its waviness's sigma (px) and the tilt's share of it (the tilt's rise
#: across the canvas, x the waviness's spread), the cut's share of the face; the skin's grain
#: (sigma px and weight per octave), the cut lay's pitch (px), its streaks' sigma along and
#: across (px) and weight, the cut's roughness (x the skin's: a third to a fifth), the step
#: at the borders (its softness, px, and weight)
SK_WAVE, SK_TILT, SK_SHARE = (18.0, 30.0), (0.5, 1.5), (0.4, 0.65)
SK_GRAIN = ((1.2, 1.0), (2.5, 0.6))
SK_PITCH, SK_STREAK, SK_STREAK_W, SK_RATIO = (3.0, 5.0), (6.0, 0.6), 0.7, (1 / 5.0, 1 / 3.5)
SK_SOFT, SK_STEP = 1.0, 0.6


def _slopes(f):
    """The slopes of ``f`` along its rows and columns (y, x; Sobel's, per px: any size)."""
    return ndimage.sobel(f, 0, mode="nearest") / 8.0, ndimage.sobel(f, 1, mode="nearest") / 8.0


def skim_share(g, h, w, share=None):
    """Where the skim cut took the casting's face (an ``h`` x ``w`` array, 0 to 1: 1 cut,
    0 the cast skin; soft over :data:`SK_SOFT` px): the casting's height (a smooth Gaussian
    field of sigma in :data:`SK_WAVE`, unit spread, plus a tilt at any angle rising
    :data:`SK_TILT` x that across the canvas) over the cut's level, its quantile of
    ``share`` (drawn in :data:`SK_SHARE`), the height's slope across the border 1 px per
    px; and the cut's share drawn."""
    share = g.uniform(*SK_SHARE) if share is None else share
    wave = ndimage.gaussian_filter(g.standard_normal((h, w)), g.uniform(*SK_WAVE), mode="wrap")
    wave /= max(float(wave.std()), 1e-12)
    t = g.uniform(0.0, 2.0 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ramp = ((xx - 0.5 * w) * np.cos(t) + (yy - 0.5 * h) * np.sin(t)) / max(h, w, 1)
    height = wave + g.uniform(*SK_TILT) * ramp
    level = np.quantile(height, 1.0 - share)
    gy, gx = _slopes(height)
    slope = np.maximum(np.hypot(gx, gy), 1e-6)
    return np.clip(0.5 + (height - level) / slope / SK_SOFT, 0.0, 1.0), share


def skimmed_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A cast face skimmed but not cleaned up: the cast skin (a grain of the octaves
    :data:`SK_GRAIN`) where :func:`skim_share` leaves it, the cut lay (a sine of the feed of
    pitch in :data:`SK_PITCH` across the lay plus streaks, sigma :data:`SK_STREAK` along and
    across, weight :data:`SK_STREAK_W`, at any angle) of :data:`SK_RATIO` x the skin's
    spread where it cut, the border's step shaded by a light at any azimuth (the share's
    slope towards it, weight :data:`SK_STEP`).  Zero mean, unit standard deviation, per
    part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    cut, _ = skim_share(g, h, w)
    skin = sum(a * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), s, mode="wrap"))
               for s, a in SK_GRAIN)
    lay = g.uniform(0.0, np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -xx * np.sin(lay) + yy * np.cos(lay)
    feed = np.sin(2.0 * np.pi * across / g.uniform(*SK_PITCH) + g.uniform(0.0, 2.0 * np.pi))
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    fa, fb = fx * np.cos(lay) + fy * np.sin(lay), -fx * np.sin(lay) + fy * np.cos(lay)
    sa, sb = SK_STREAK
    filt = np.exp(-2.0 * np.pi ** 2 * (sa * sa * fa * fa + sb * sb * fb * fb))
    streaks = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * filt, s=(h, w))
    lay_t = _unit(_unit(feed) + SK_STREAK_W * _unit(streaks))
    ratio = g.uniform(*SK_RATIO)
    light = g.uniform(0.0, 2.0 * np.pi)
    sy, sx = _slopes(ndimage.gaussian_filter(cut, 0.7))
    step = sx * np.cos(light) + sy * np.sin(light)
    out = (1.0 - cut) * _unit(skin) + cut * ratio * lay_t + SK_STEP * step
    return _unit(out)


#: the circlip (x the smaller side): the outer radius, the bore's radius and its centre's
#: offset towards the gap, the gap's half width; the lugs' radius and the radius they sit
#: (x, the radius they sit on), the pliers holes' radius
CL_OUTER, CL_BORE, CL_OFFSET, CL_GAP = 0.44, 0.22, 0.07, 0.06
CL_LUG, CL_LUG_X, CL_LUG_AT, CL_HOLE = 0.075, 0.13, 0.3, 0.03


def circlip_lugs(s):
    """The circlip's lugs' centres (two (x, y) px, left then right) for the smaller side
    ``s``: :data:`CL_LUG_X` s either side of the axis on a circle of :data:`CL_LUG_AT` s, in
    its upper half (y up is negative), over the ring's cut ends' inner corners (so that
    they do not show), standing into the bore."""
    x = CL_LUG_X * s
    y = -np.sqrt((CL_LUG_AT * s) ** 2 - x * x)
    return ((-x, y), (x, y))


def sd_circlip(u, v, lay):
    """Signed distance (px, negative inside) to the circlip's outline of ``lay``
    (``"circlip"``: the outer radius, the bore's radius, its centre's offset up (px), the
    gap's half width, the lugs' radius and centres): the ring (the larger of the distances
    past the outer circle and inside the bore's) less the gap (a strip of the half width
    from the centre up), joined with the two lugs (discs; the smaller distance).  Exact off
    the gap's and the lugs' corners."""
    outer, bore, off, gap, lug, centres = lay["circlip"]
    ring = np.maximum(np.hypot(u, v) - outer, bore - np.hypot(u, v + off))
    strip = np.maximum(np.abs(u) - gap, v)
    out = np.maximum(ring, -strip)
    for cx, cy in centres:
        out = np.minimum(out, np.hypot(u - cx, v - cy) - lug)
    return out


def circlip_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``circlip`` layout in model pixels (origin at the image centre, y down): the ring
    of :func:`sd_circlip` (outer radius :data:`CL_OUTER` s, the bore :data:`CL_BORE` s
    centred :data:`CL_OFFSET` s up, the gap 2 :data:`CL_GAP` s wide at the top, the lugs
    :data:`CL_LUG` s at :func:`circlip_lugs`; s the smaller side; ``"half"`` its box, where
    defects are placed from, ``"corner"`` 0) and a pliers hole of :data:`CL_HOLE` s in each
    lug (``missing`` leaves out either)."""
    h, w = shape
    s = float(min(h, w))
    lugs = circlip_lugs(s)
    holes = [((float(x), float(y)), CL_HOLE * s) for x, y in lugs]
    return dict(base, half=(CL_OUTER * s, CL_OUTER * s), corner=0.0,
                circlip=(CL_OUTER * s, CL_BORE * s, CL_OFFSET * s, CL_GAP * s, CL_LUG * s,
                         lugs), holes=holes, slots=[])
