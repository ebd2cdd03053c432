"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: a new module for
held-out 57's pieces, keeping the earlier ``_textures_more`` modules and ``surfaces`` small;
registered through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and
``MORE_LAYOUTS``, reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``zincflake`` a zinc-flake coated steel face (the silver-grey dip-spin coating of bolts,
             brackets and clips: zinc and aluminium lamellae in a binder, spun off and cured)
             (:func:`zincflake_texture`): a fine grey matte of overlapping lamellar flakes
             (:func:`lamellar_matte`: small elongated flakes, 2.4-3.6 px long by 0.9 px
             across, each its own level, lying at every angle, summed where they overlap);
             **sparse bright sparkles** (:func:`sparkles`: the flakes lying flat to the light,
             2-6 per 1000 px^2, points or short slivers 1-3 px long at any angle, their
             brightness log-normal, so a few glint several times brighter than the rest); a
             few darker voids where the coat is thin (0.3-0.8 per 1000 px^2, sigma 0.7-1.1
             px); a faint orange-peel waviness from the spin (sigma 3-5 px, 0.2-0.3 of the
             matte's spread, seen by its level).  **No lay**: the flakes and slivers lie at
             every angle and nothing is drawn per part but places and levels (the part's angle
             is not taken).  The sparkles make the face sparse and impulsive, one-sided bright:
             the face signal's skewness 0.53-1.20 and excess kurtosis 4.3-9.8 (seeds 0-7;
             the matte alone symmetric, its kurtosis 1.4-1.7).
             Unlike ``spangle`` (hot-dip galvanised: a Voronoi mosaic of large grains 12-40 px,
             each its own level with dendrite streaks), ``powdercoat`` (an orange-peel relief
             of one wavelength seen by its shading, a symmetric speckle, no glints),
             ``painted`` (a strong orange peel seen by its slope to a light, flecks of even
             size and brightness on 0.5-2 % of the pixels, weak tails), ``blasted`` (an
             isotropic grain with pits and bumps both ways, two-sided), ``sintered``
             (rounded grains with dark pores between: dark-skewed) and ``passivated`` (bead
             craters with lips, dark pits, two-sided): a fine flake matte with rare glints of
             widely varying brightness, heavy-tailed on the bright side.

``anchorplate`` layout (:func:`anchorplate_layout`): a column base (anchor) plate seen face
             on: a square plate (0.41 x the smaller side either way of its centre, its corners
             broken by 0.02; the plate's own rounded rectangle, exact), four slotted holes near
             the corners (short slots, 0.03 wide either side of their axis, 0.035 each way
             between their ends' centres, their axes along the diagonals, centred 0.29 either
             way), the anchor bolts' adjustment, and a central square cut-out with rounded
             corners (half size 0.1, corners 0.03) where the column's grout goes; every feature
             missable.  The first square plate whose slots all point at its corners and whose
             middle is cut out: ``motorplate`` is chamfered with a round bore and a vertical
             slot, ``flange`` round holes on a circle, ``rail`` long parallel slots.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: the lamellar matte: flakes a px^2, their half length (Gaussian sigma along, px) and
#: half width (sigma across, px), the orientation bins they are drawn in
ZF_FLAKES, ZF_ALONG, ZF_ACROSS, ZF_BINS = 0.45, (1.2, 1.8), 0.45, 6
#: the sparkles: how many a 1000 px^2, their length (px: 1 a point), their sigma (px), their
#: brightness (x the matte's spread: the median, and the log-normal's sigma)
ZF_SPARKS, ZF_SPARK_LEN, ZF_SPARK_SIGMA = (2.0, 6.0), (1.0, 3.0), 0.55
ZF_SPARK, ZF_SPARK_SPREAD = (3.6, 4.4), 0.5
#: the voids: how many a 1000 px^2, their sigma (px), their depth (x the matte's spread)
ZF_VOIDS, ZF_VOID_SIGMA, ZF_VOID_DEPTH = (0.3, 0.8), (0.7, 1.1), (1.5, 2.5)
#: the orange peel from the spin: its sigma (px) and weight (x the matte's spread)
ZF_PEEL_SIGMA, ZF_PEEL = (3.0, 5.0), (0.2, 0.3)


def _fft_gauss(h, w, along, across, angle):
    """The rfft2 transfer function (``h`` x ``w//2+1``) of an anisotropic Gaussian of sigma
    ``along`` px along ``angle`` (radians, x towards y) and ``across`` px square to it."""
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    c, s = np.cos(angle), np.sin(angle)
    fa, fc = fx * c + fy * s, -fx * s + fy * c
    return np.exp(-2.0 * np.pi ** 2 * ((along * fa) ** 2 + (across * fc) ** 2))


def lamellar_matte(g, h, w):
    """The flakes' matte (``h`` x ``w``, zero mean, unit spread): a Poisson count of
    :data:`ZF_FLAKES` flakes a px^2 at uniform places, each of a normal level, dealt into
    :data:`ZF_BINS` orientation bins (evenly over 180 degrees from an offset drawn per
    part), each bin's flakes an anisotropic Gaussian (:data:`ZF_ALONG` along, drawn per
    part, :data:`ZF_ACROSS` across) at its angle, summed (wrapping): no direction holds."""
    from .surfaces import _unit

    along = g.uniform(*ZF_ALONG)
    n = int(g.poisson(ZF_FLAKES * h * w))
    hits = np.zeros((ZF_BINS, h, w))
    np.add.at(hits, (g.integers(0, ZF_BINS, n), g.integers(0, h, n), g.integers(0, w, n)),
              g.standard_normal(n))
    angles = g.uniform(0.0, np.pi / ZF_BINS) + np.arange(ZF_BINS) * np.pi / ZF_BINS
    filt = np.stack([_fft_gauss(h, w, along, ZF_ACROSS, a) for a in angles])
    return _unit(np.fft.irfft2(np.fft.rfft2(hits) * filt, s=(h, w)).sum(axis=0))


def sparkles(g, h, w):
    """The flat-lying flakes' glints (``>= 0``, ``h`` x ``w``): a Poisson count of
    :data:`ZF_SPARKS` (drawn per part) a 1000 px^2 at uniform places, each a sliver of its
    own length (:data:`ZF_SPARK_LEN` px, a segment of length - 1 px blurred by a Gaussian of
    :data:`ZF_SPARK_SIGMA` px: a point at 1) at any angle, its brightness log-normal (median
    :data:`ZF_SPARK`, drawn per part, log sigma :data:`ZF_SPARK_SPREAD`), drawn on the 9 x 9
    pixels round it in one vectorised pass.  Also returns the count."""
    n = int(g.poisson(g.uniform(*ZF_SPARKS) * h * w / 1000.0))
    py, px = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    half = 0.5 * (g.uniform(*ZF_SPARK_LEN, n) - 1.0)
    ang = g.uniform(0.0, np.pi, n)
    level = g.uniform(*ZF_SPARK) * np.exp(ZF_SPARK_SPREAD * g.standard_normal(n))
    off = np.arange(-4, 5)
    iy = np.floor(py).astype(np.int64)[:, None, None] + off[None, :, None]
    ix = np.floor(px).astype(np.int64)[:, None, None] + off[None, None, :]
    dx, dy = ix + 0.5 - px[:, None, None], iy + 0.5 - py[:, None, None]
    c, s = np.cos(ang)[:, None, None], np.sin(ang)[:, None, None]
    t = dx * c + dy * s
    a = -dx * s + dy * c
    t = np.maximum(np.abs(t) - half[:, None, None], 0.0)
    val = level[:, None, None] * np.exp(-0.5 * (t * t + a * a) / ZF_SPARK_SIGMA ** 2)
    iy, ix = np.broadcast_arrays(iy, ix)
    ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    out = np.bincount((iy * w + ix)[ok], weights=val[ok], minlength=h * w).reshape(h, w)
    return out, n


def zincflake_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """A zinc-flake coated face: :func:`lamellar_matte`, its :func:`sparkles`, the voids
    (:data:`ZF_VOIDS`, Gaussian dips of :data:`ZF_VOID_SIGMA` px and :data:`ZF_VOID_DEPTH`)
    and the spin's orange peel (:data:`ZF_PEEL` of a Gaussian-filtered noise of
    :data:`ZF_PEEL_SIGMA` px).  No lay (the part's angle is not taken).  Zero mean, unit
    standard deviation, per part."""
    from ._textures_more8 import _pit_field
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    face = lamellar_matte(g, h, w)
    face = face + sparkles(g, h, w)[0]
    n = int(g.poisson(g.uniform(*ZF_VOIDS) * h * w / 1000.0))
    ys, xs = g.uniform(0.0, h, n), g.uniform(0.0, w, n)
    face = face - _pit_field(h, w, xs, ys, g.uniform(*ZF_VOID_SIGMA, n),
                             g.uniform(*ZF_VOID_DEPTH, n))
    sigma = g.uniform(*ZF_PEEL_SIGMA)
    peel = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w)))
                         * _fft_gauss(h, w, sigma, sigma, 0.0), s=(h, w))
    return _unit(face + g.uniform(*ZF_PEEL) * _unit(peel))


#: the anchor plate (x the smaller side): its half size and corners' radius; the slots'
#: centres' distance either way of the centre, their half width (radius) and half length
#: (between their ends' centres), along the diagonals; the cut-out's half size and corners'
#: radius
AP_HALF, AP_CORNER = 0.41, 0.02
AP_SLOT_AT, AP_SLOT, AP_SLOT_HALF = 0.29, 0.03, 0.035
AP_CUT, AP_CUT_CORNER = 0.1, 0.03


def anchorplate_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``anchorplate`` layout in model pixels (origin at the image centre, y down): the
    square plate of half size :data:`AP_HALF` s with its corners rounded by :data:`AP_CORNER`
    s (s the smaller side; the plate's own rounded rectangle, ``"half"`` and ``"corner"``,
    exact), four slots (half width :data:`AP_SLOT` s, half length :data:`AP_SLOT_HALF` s)
    centred :data:`AP_SLOT_AT` s either way of the centre, each along its diagonal (45
    degrees at the lower right and upper left, -45 at the others), and the central cut-out
    (a window of half size :data:`AP_CUT` s, corners :data:`AP_CUT_CORNER` s); ``missing``
    leaves out any of the five."""
    s = float(min(shape))
    b = AP_SLOT_AT * s
    slots = [((x, y), AP_SLOT_HALF * s, AP_SLOT * s, 45.0 if x * y > 0 else -45.0)
             for x, y in ((-b, -b), (b, -b), (b, b), (-b, b))]
    cut = ((0.0, 0.0), (AP_CUT * s, AP_CUT * s), AP_CUT_CORNER * s)
    return dict(base, half=(AP_HALF * s, AP_HALF * s), corner=AP_CORNER * s, holes=[],
                slots=slots, windows=[cut])
