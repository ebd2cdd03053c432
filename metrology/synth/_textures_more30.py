"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 49's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``flamecut`` an oxy-fuel (or plasma) flame-cut edge face seen face on (:func:`flamecut_texture`):
             the drag lines, fine striations left by the jet as it swept through the plate's
             thickness (:func:`drag_lines`: a band-passed profile across the travel, lines
             1.6-3 px apart, each of its own depth), running through the thickness but trailing
             back against the cut's direction, more and more towards the bottom of the cut (the
             jet lags there: a quadratic bow, 0.15-0.35 x the face's height at its bottom,
             wavering slowly along the travel), deeper towards the bottom; a rougher upper band
             (the top 15-30 % of the thickness, where the preheat flame melted the edge: an
             isotropic grain over the lines, :data:`FC_ROUGH`); occasional dross gouges (short
             dark notches along the drag lines, one per 5000-10000 px^2, :func:`dross_gouges`);
             a fine matte.  Its levels two-sided (the face-signal skewness -0.08 to -0.02,
             seeds 0-7).
             Unlike ``lasercut`` (straight, regular striations of one pitch, no bow, a burr at
             one edge), ``wirecut`` (strictly periodic straight cusps with bright recast
             spots), ``brushed`` (straight aperiodic streaks, no bow, no band) and ``torn``
             (one-sided dark tear pockets behind steps on a turning lay), its lines bow across
             the face, their bow growing with the depth, and it has a rough upper band and
             sparse dark notches along its lines.

``hookplate`` layout (:func:`hookplate_layout`): a crane hook's flat side plate (a lifting lug)
             seen face on: a rounded plate (0.72 x 0.88 of the smaller side, corners rounded
             0.2), a big eye hole at its top (radius 0.085, where the shackle's pin goes) and a
             throat opening at its bottom: a J-shaped cut, the hook's round saddle (radius 0.1,
             off the middle to the right) open to the bottom edge through a straight slot
             (0.1 wide) tangent to its right side (:func:`sd_hookplate`, the plate's ``"hook"``);
             two small rivet holes (0.025) in the upper corners, either missable.  The first
             outline with a cut that runs in from its edge and widens into a round bowl (a J;
             ``forkend``'s and ``rack``'s gaps are straight, ``geneva``'s slots end round in a
             disc but are all alike and radial); the saddle is off the middle so that the
             plate's left half leaves room for a defect 6 px clear on a 96 px image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the drag lines: their spacing (px), the profile's relative band width, the bow at the
#: bottom (x the face's height), its slow wavering (relative), their depth at the top and the
#: bottom (relative), a tilt of the cut (degrees); the upper band: its share of the height,
#: the grain's sigma (px) and weight (x the lines'); the gouges: area per gouge (px^2), their
#: sigma along the lines and across (px), depth (x the lines' spread); the matte's weight
FC_PITCH, FC_BANDW, FC_BOW, FC_WAVER = (1.6, 3.0), 0.3, (0.15, 0.35), 0.25
FC_DEPTH, FC_TILT = (0.7, 1.3), (-6.0, 6.0)
FC_BAND, FC_GRAIN, FC_ROUGH = (0.15, 0.3), (0.8, 1.1), (0.9, 1.3)
FC_GOUGE_AREA, FC_GOUGE_SIGMA, FC_GOUGE_DEPTH = (5000.0, 10000.0), ((3.0, 6.0), (0.9, 1.4)), \
    (2.0, 3.0)
FC_MATTE = 0.25


def drag_lines(g, h, w, pitch=None, bow=None):
    """The drag lines on an ``h`` x ``w`` face (rows through the thickness, top first; columns
    along the travel), zero mean, unit spread: a profile across the travel (white noise
    through a Gaussian band of spatial frequencies round ``1 / pitch``, relative width
    :data:`FC_BANDW`: lines about ``pitch`` px apart, each of its own height) read at the
    column plus the lag ``bow h z^2 (1 + waver)`` (``z`` the depth, 0 at the top to 1 at the
    bottom; the waver a slow profile along the travel, :data:`FC_WAVER`) plus the tilt's
    ``tan(tilt) z h``, scaled from :data:`FC_DEPTH`'s first to its second value down the
    depth.  Also returns ``pitch`` and ``bow``."""
    pitch = g.uniform(*FC_PITCH) if pitch is None else pitch
    bow = g.uniform(*FC_BOW) if bow is None else bow
    tilt = np.tan(np.deg2rad(g.uniform(*FC_TILT)))
    depth = FC_DEPTH
    z = np.linspace(0.0, 1.0, h)[:, None]
    waver = ndimage.gaussian_filter1d(g.standard_normal(w), 20.0, mode="wrap")
    waver = FC_WAVER * waver / max(float(np.std(waver)), 1e-12)
    lag = h * (bow * z * z * (1.0 + waver[None, :]) + tilt * z)
    n = int(2 ** np.ceil(np.log2(w + 2.0 * h * (abs(tilt) + 2.0 * bow) + 16.0)))
    f = np.fft.rfftfreq(n)
    band = np.exp(-0.5 * ((f - 1.0 / pitch) / (FC_BANDW / pitch)) ** 2)
    profile = np.fft.irfft(np.fft.rfft(g.standard_normal(n)) * band, n)
    profile /= max(float(np.std(profile)), 1e-12)
    at = np.arange(w)[None, :] + lag
    at -= at.min()
    lines = np.interp(at, np.arange(n), profile) * (depth[0] + (depth[1] - depth[0]) * z)
    return lines, pitch, bow


def dross_gouges(g, h, w):
    """The dross gouges (an ``h`` x ``w`` array, in units of the lines' spread, at most 0):
    one per :data:`FC_GOUGE_AREA` px^2 (drawn per part; at least one), each a dark notch, a
    Gaussian of :data:`FC_GOUGE_SIGMA` (along the rows, the lines' way, and across; per part)
    and depth :data:`FC_GOUGE_DEPTH` (per gouge) at a uniform place."""
    n = max(1, int(round(h * w / g.uniform(*FC_GOUGE_AREA))))
    along, across = (g.uniform(*s) for s in FC_GOUGE_SIGMA)
    at = g.integers(0, h * w, n)
    peaks = np.bincount(at, weights=g.uniform(*FC_GOUGE_DEPTH, n), minlength=h * w)
    return -ndimage.gaussian_filter(peaks.reshape(h, w), (along, across), mode="wrap") * \
        (2.0 * np.pi * along * across)


def flamecut_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A flame-cut edge face: :func:`drag_lines` plus, over the top :data:`FC_BAND` of the
    thickness (a smooth step 3 px wide), an isotropic grain of sigma :data:`FC_GRAIN` and
    weight :data:`FC_ROUGH`, plus :func:`dross_gouges`, plus a fine matte
    (:data:`FC_MATTE`), made with the thickness down the rows and turned by a quarter turn
    0-3 times (the cut's direction and which side is the top: any of four).  Zero mean,
    unit standard deviation, per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    turns = int(g.integers(0, 4))
    hh, ww = (w, h) if turns % 2 else (h, w)
    lines, _, _ = drag_lines(g, hh, ww)
    band = g.uniform(*FC_BAND) * hh
    top = 1.0 / (1.0 + np.exp((np.arange(hh)[:, None] - band) / 1.5))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((hh, ww)), g.uniform(*FC_GRAIN),
                                          mode="wrap"))
    matte = _unit(ndimage.gaussian_filter(g.standard_normal((hh, ww)), 0.6, mode="wrap"))
    face = lines + g.uniform(*FC_ROUGH) * top * grain + dross_gouges(g, hh, ww) + \
        FC_MATTE * matte
    return _unit(np.rot90(face, turns))


#: the hook plate (x the smaller side): its half width and half height, the corners' radius;
#: the eye's centre (y, up from the middle negative) and radius; the saddle's centre (x, y)
#: and radius, the slot's half width (its right side tangent to the saddle's); the rivet
#: holes' centres (+-x, y) and radius
HP_HALF, HP_CORNER, HP_EYE, HP_SADDLE, HP_SLOT = (0.36, 0.44), 0.2, (-0.25, 0.085), \
    (0.06, 0.17, 0.1), 0.05
HP_HOLE_AT, HP_HOLE = (0.23, -0.3), 0.025


def sd_hookplate(u, v, lay):
    """Signed distance (px, negative inside) to the hook plate's outline of ``lay``
    (``"hook"``: the half width and height, the corners' radius, the eye's centre y and
    radius, the saddle's centre x, y and radius, the slot's half width): the rounded box
    less the eye and the J-shaped throat (the saddle's disc joined to the plate's bottom
    edge by a box from the saddle's centre down past the edge, its right side on the
    saddle's: the nearer of the two).  Exact in the face off the slot's corners at the
    bottom edge."""
    from ._defect_makers10 import sd_rounded_box

    hx, hy, corner, ey, er, sx, sy, sr, half = lay["hook"]
    plate = sd_rounded_box(u, v, 2.0 * hx, 2.0 * hy, corner)
    eye = np.hypot(u, v - ey) - er
    cx, top, bottom = sx + sr - half, sy, hy + 2.0 * sr
    qx, qy = np.abs(u - cx) - half, np.abs(v - 0.5 * (top + bottom)) - 0.5 * (bottom - top)
    slot = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0)) + np.minimum(np.maximum(qx, qy),
                                                                           0.0)
    throat = np.minimum(np.hypot(u - sx, v - sy) - sr, slot)
    return np.maximum(np.maximum(plate, -eye), -throat)


def hookplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``hookplate`` layout in model pixels (origin at the image centre, y down): the
    plate of :func:`sd_hookplate` (half sizes :data:`HP_HALF`, corners :data:`HP_CORNER`, the
    eye :data:`HP_EYE`, the saddle :data:`HP_SADDLE`, the slot's half width :data:`HP_SLOT`,
    all x the smaller side ``s``; ``"half"`` and ``"corner"`` the box's) and a rivet hole of
    :data:`HP_HOLE` s in either upper corner at :data:`HP_HOLE_AT` (``missing`` leaves out
    either)."""
    h, w = shape
    s = float(min(h, w))
    holes = [((float(x * s), HP_HOLE_AT[1] * s), HP_HOLE * s) for x in (-HP_HOLE_AT[0],
                                                                         HP_HOLE_AT[0])]
    return dict(base, half=(HP_HALF[0] * s, HP_HALF[1] * s), corner=HP_CORNER * s, holes=holes,
                slots=[], windows=[],
                hook=(HP_HALF[0] * s, HP_HALF[1] * s, HP_CORNER * s, HP_EYE[0] * s,
                      HP_EYE[1] * s, HP_SADDLE[0] * s, HP_SADDLE[1] * s, HP_SADDLE[2] * s,
                      HP_SLOT * s))
