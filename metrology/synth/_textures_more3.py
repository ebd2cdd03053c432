"""Further textures and layouts of :mod:`metrology.synth.surfaces` (private: split off to keep
:mod:`metrology.synth._textures_more2` and ``surfaces`` within their size limits; registered
through :mod:`metrology.synth._textures_more`'s ``MORE_TEXTURES`` and ``MORE_LAYOUTS``,
reached through :func:`~metrology.synth.surfaces.make_texture` and
:func:`~metrology.synth.surfaces.layout_features`).

``wrinkled`` wrinkle-finish (crinkle) coating (:func:`wrinkled_texture`): a labyrinth of
             meandering rounded ridges and grooves of one wavelength (7-12 px per part, the
             same in every direction: the coat's skin buckled as it cured), lit from one side
             (each ridge bright on one flank, dark on the other) with the grooves a little
             darker, over a faint slow mottling and a fine sheen grain.

``rotor``    layout (:func:`rotor_layout`): a motor rotor lamination: a round part (the plate's
             corners rounded to its half size: a disc on a square image, a stadium otherwise)
             with a central shaft bore, a ring of twelve short radial bar slots just inside the
             rim and four cooling holes between the bore and the slots (``missing`` leaves out
             a cooling hole only, never the bore or a slot).

``strandmat`` chopped-strand-mat GRP moulding (:func:`strandmat_texture`): straight glass
             strand bundles 20-60 px long and about 2 px wide lying at every angle (no common
             direction, each straight), brighter than the resin and crossing one another
             (their overlaps saturate), under a slow resin haze and a fine grain.

``perforated`` layout (:func:`perforated_layout`): a perforated guard plate: a staggered
             (60 degree, hexagonal) field of seventeen round perforations in three rows (6, 5, 6)
             in the upper part and two horizontal oblong mounting slots at the lower corners
             (``missing`` leaves out a perforation only, never a mounting slot).

``anodised`` etched and anodised aluminium extrusion (:func:`anodised_texture`): a fine
             isotropic satin grain (the caustic etch) with sparse small dark etch pits, over
             faint die lines (straight streaks 2-8 px wide along the extrusion direction,
             fading in and out along their length) and a slow cloudy dye mottle: isotropic at
             the finest scale, one direction at a coarser one.

``quadrant`` layout (:func:`quadrant_layout`): an adjusting quadrant (sector plate): a pivot
             bore at the lower left, an arcuate slot of 70 degrees concentric with it across
             the upper right (a curved slot, drawn as a chain of ten short straight slots) and
             three fixing holes in the other corners (``missing`` leaves out the bore or a
             fixing hole, never the arcuate slot).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

#: the wrinkles' wavelength (px): one per part, drawn in this range
WRINKLE_PX = (7.0, 12.0)


def wrinkle_relief(g: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, float]:
    """Height of a wrinkle coat and its wavelength ``lam`` (drawn first, in
    :data:`WRINKLE_PX`): white noise band-passed in the Fourier domain by a ring (a Gaussian
    in the spatial frequency's modulus ``k`` about ``1 / lam``, sigma 0.2 of it: every
    direction alike; it wraps), scaled to unit spread and saturated by ``tanh(1.5 x)`` (the
    ridges' tops and the grooves' floors rounded off, the flanks between them steeper: a
    labyrinth of meandering ridges about half a wavelength wide).  Vectorised (two FFTs)."""
    from .surfaces import _unit

    lam = float(g.uniform(*WRINKLE_PX))
    k = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :])
    ring = np.exp(-0.5 * ((k * lam - 1.0) / 0.2) ** 2)
    band = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * ring, s=(h, w))
    return np.tanh(1.5 * _unit(band)), lam


def wrinkled_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Wrinkle-finish coating: the relief of :func:`wrinkle_relief` lit from a random azimuth
    (its slope along the light, by central differences that wrap, so any size works: each
    ridge bright on one flank and dark on the other) plus 0.6 of the relief itself (the
    grooves a little darker than the crests), over a faint slow mottling (0.2: white noise
    smoothed by a Gaussian of sigma 18 px, in the Fourier domain) and a fine sheen grain
    (sigma 0.6 px, 0.25).  Vectorised.  Zero mean, unit standard deviation, different per
    part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    relief, _ = wrinkle_relief(g, h, w)
    light = float(g.uniform(0.0, 2 * np.pi))
    gx = 0.5 * (np.roll(relief, -1, axis=1) - np.roll(relief, 1, axis=1))
    gy = 0.5 * (np.roll(relief, -1, axis=0) - np.roll(relief, 1, axis=0))
    lit = -(gx * np.cos(light) + gy * np.sin(light))
    k2 = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.rfftfreq(w)[None, :] ** 2
    slow = np.exp(-2.0 * np.pi ** 2 * 18.0 ** 2 * k2)
    mottle = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * slow, s=(h, w))
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap")
    return _unit(_unit(lit) + 0.6 * _unit(relief) + 0.2 * _unit(mottle) + 0.25 * _unit(grain))


def rotor_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``rotor`` layout in model pixels (origin at the image centre) on the plate ``base``
    (its ``half``; its ``corner`` raised to the smaller half size, so the part is round): a
    shaft bore of radius 0.08 x the smaller side ``s`` in the middle (a window, its corners
    rounded to its half size: a circle), twelve short radial bar slots (half length 0.015 s,
    radius 0.012 s, each along its own radius) centred on a circle of radius 0.39 s at 0, 30,
    ... 330 degrees (a web of 0.023 s to the rim), and four cooling holes of radius 0.025 s on
    a circle of 0.22 s at 45, 135, 225 and 315 degrees (between two slots each; the face
    between the bore and the slots is where the surface defects go, as free at 96 x 96 as the
    ``hub``'s).  ``"keep_windows"`` and ``"keep_slots"``: a ``missing`` part leaves out a
    cooling hole only, never the bore or a slot."""
    h, w = shape
    s = float(min(h, w))
    bore = 0.08 * s
    holes = [((float(0.22 * s * np.cos(t)), float(0.22 * s * np.sin(t))), 0.025 * s)
             for t in np.deg2rad([45.0, 135.0, 225.0, 315.0])]
    angles = np.arange(0.0, 360.0, 30.0)
    slots = [((float(0.39 * s * np.cos(t)), float(0.39 * s * np.sin(t))), 0.015 * s,
              0.012 * s, float(a)) for a, t in zip(angles, np.deg2rad(angles))]
    windows = [((0.0, 0.0), (bore, bore), bore)]
    return dict(base, corner=float(min(base["half"])), holes=holes, slots=slots,
                windows=windows, keep_windows=True, keep_slots=True)


#: the glass strands: length range (px) and one strand per this many px of the face
STRAND_PX = (20.0, 60.0)
STRAND_AREA_PX = 450.0


def strand_layer(g: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The strands of a chopped-strand mat and their directions (radians, 0-pi): one strand
    per :data:`STRAND_AREA_PX` px (at least one), each straight, its length drawn in
    :data:`STRAND_PX`, its direction uniform, its centre anywhere, its weight 0.6-1; splatted
    (bilinear, every 0.5 px along it, wrapping at the image's edges: any size works) and
    blurred by a Gaussian of sigma 0.9 px (a bundle about 2 px wide); the overlaps saturate
    (``1 - exp(-1.5 x)``).  Vectorised (no loop over strands or pixels)."""
    n = max(1, int(round(h * w / STRAND_AREA_PX)))
    length = g.uniform(*STRAND_PX, n)
    theta = g.uniform(0.0, np.pi, n)
    cx, cy = g.uniform(0.0, w, n), g.uniform(0.0, h, n)
    weight = g.uniform(0.6, 1.0, n)
    m = int(np.ceil(STRAND_PX[1]))  # samples per strand: 0.5 px apart along the longest
    t = (np.arange(2 * m + 1) / (2 * m) - 0.5)[None, :] * length[:, None]
    x = cx[:, None] + t * np.cos(theta)[:, None]
    y = cy[:, None] + t * np.sin(theta)[:, None]
    wt = np.broadcast_to(weight[:, None] * length[:, None] / (2 * m), x.shape)
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    acc = np.zeros(h * w)
    for dx, dy, share in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                          (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        idx = (np.mod(y0 + dy, h) * w + np.mod(x0 + dx, w)).astype(np.int64)
        acc += np.bincount(idx.ravel(), (wt * share).ravel(), minlength=h * w)
    dense = ndimage.gaussian_filter(acc.reshape(h, w) * 2.0, 0.9, mode="wrap")
    return 1.0 - np.exp(-1.5 * dense), theta


def strandmat_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Chopped-strand-mat GRP: the bright strands of :func:`strand_layer` over a slow resin
    haze (0.3: white noise smoothed by a Gaussian of sigma 14 px, in the Fourier domain) and a
    fine grain (sigma 0.6 px, 0.15).  Vectorised.  Zero mean, unit standard deviation,
    different per part."""
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    strands, _ = strand_layer(g, h, w)
    k2 = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.rfftfreq(w)[None, :] ** 2
    slow = np.exp(-2.0 * np.pi ** 2 * 14.0 ** 2 * k2)
    haze = np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * slow, s=(h, w))
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap")
    return _unit(_unit(strands) + 0.3 * _unit(haze) + 0.15 * _unit(grain))


def perforated_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``perforated`` layout in model pixels (origin at the image centre) on the plate
    ``base``: seventeen perforations of radius 0.03 x the smaller side ``s`` on a staggered
    (hexagonal) lattice of pitch 0.1 s, rows of 6, 5 and 6 centred on x = 0 at y = -0.32 s,
    -0.233 s and -0.147 s (0.0866 s apart: every neighbour 0.1 s away), and two horizontal
    mounting slots (half length 0.05 s, radius 0.03 s) at x = +-0.3 W, y = 0.3 H; the face
    below the perforations is where the surface defects go.  ``"keep_slots"``: a ``missing``
    part leaves out a perforation only, never a mounting slot."""
    h, w = shape
    s = float(min(h, w))
    pitch, row = 0.1 * s, 0.1 * s * np.sqrt(3.0) / 2.0
    holes = []
    for i, count in enumerate((6, 5, 6)):
        y = -0.32 * s + i * row
        holes += [((float((j - 0.5 * (count - 1)) * pitch), float(y)), 0.03 * s)
                  for j in range(count)]
    slots = [((sg * 0.3 * w, 0.3 * h), 0.05 * s, 0.03 * s, 0.0) for sg in (-1.0, 1.0)]
    return dict(base, holes=holes, slots=slots, keep_slots=True)


#: one etch pit of the anodised texture per this many px of the face (on average)
PIT_AREA_PX = 200.0


def _slow_field(g: np.random.Generator, h: int, w: int, sigma: float) -> np.ndarray:
    """White noise smoothed by a Gaussian of ``sigma`` px in the Fourier domain (it wraps)."""
    k2 = np.fft.fftfreq(h)[:, None] ** 2 + np.fft.rfftfreq(w)[None, :] ** 2
    slow = np.exp(-2.0 * np.pi ** 2 * sigma ** 2 * k2)
    return np.fft.irfft2(np.fft.rfft2(g.standard_normal((h, w))) * slow, s=(h, w))


def anodised_texture(shape: tuple[int, int], *, rng: Any = None,
                     angle_deg: float = 0.0) -> np.ndarray:
    """Etched and anodised aluminium extrusion.  Die lines along ``angle_deg`` (the extrusion
    direction; 0: the image's x axis, as :func:`~metrology.synth.surfaces.make_texture` gives
    it, not turned with the part): a profile across them (white noise smoothed by Gaussians
    of sigma 1.2 and 4 px, equal parts: lines 2-8 px wide) looked up at each pixel's
    distance across, its strength modulated along and across by ``exp(0.4 z)`` (``z`` a slow
    field, sigma 20 px: the lines fade in and out); a satin etch grain (white noise, sigma
    0.7 px); a dye mottle (a slow field, sigma 20 px); etch pits (one per
    :data:`PIT_AREA_PX` px at random pixels, depths exponential, sigma 0.6 px), subtracted:
    ``0.8 grain + 0.6 lines + 0.3 mottle - 0.7 pits``, each of unit spread first.
    Vectorised.  Zero mean, unit standard deviation, different per part."""
    from ..core.checks import check_finite
    from .surfaces import _canvas, _unit

    h, w, g = _canvas(shape, rng)
    a = np.deg2rad(check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    across = -(xx - 0.5 * (w - 1)) * np.sin(a) + (yy - 0.5 * (h - 1)) * np.cos(a)
    half = int(np.ceil(0.5 * np.hypot(h, w))) + 2
    fine = ndimage.gaussian_filter1d(g.standard_normal(2 * half + 1), 1.2, mode="wrap")
    broad = ndimage.gaussian_filter1d(g.standard_normal(2 * half + 1), 4.0, mode="wrap")
    lines = np.interp(across, np.arange(-half, half + 1.0), _unit(fine) + _unit(broad))
    lines = lines * np.exp(0.4 * _unit(_slow_field(g, h, w, 20.0)))
    mottle = _slow_field(g, h, w, 20.0)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap")
    n = int(g.poisson(h * w / PIT_AREA_PX))
    pits = np.bincount(g.integers(0, h * w, n), g.exponential(1.0, n), minlength=h * w)
    pits = ndimage.gaussian_filter(pits.reshape(h, w), 0.6, mode="wrap")
    return _unit(0.8 * _unit(grain) + 0.6 * _unit(lines) + 0.3 * _unit(mottle)
                 - 0.7 * _unit(pits))


#: the quadrant's arcuate slot: its radius (x the smaller side), its span (degrees, image
#: frame, y down: up and to the right of the bore) and the number of straight pieces
ARC_RADIUS, ARC_SPAN_DEG, ARC_PIECES = 0.5, (-80.0, -10.0), 10


def quadrant_layout(shape: tuple[int, int], base: dict) -> dict:
    """The ``quadrant`` layout in model pixels (origin at the image centre) on the plate
    ``base``: a pivot bore of radius 0.06 x the smaller side ``s`` at (-0.28 W, 0.28 H); an
    arcuate slot (radius 0.03 s) of radius :data:`ARC_RADIUS` s about the bore, over the
    angles :data:`ARC_SPAN_DEG`, drawn as :data:`ARC_PIECES` straight slots, each the chord
    of its share of the arc (at its middle angle plus 90 degrees; the chord strays from the
    arc by under 0.001 s, the pieces overlap at their round ends: one smooth curved slot);
    three fixing holes of radius 0.035 s at (-0.3 W, -0.3 H), (0.3 W, -0.3 H) and
    (0.3 W, 0.3 H).  Holes first (the bore, then the fixing holes).  ``"keep_slots"``: a
    ``missing`` part leaves out the bore or a fixing hole, never a piece of the arc."""
    h, w = shape
    s = float(min(h, w))
    px, py = -0.28 * w, 0.28 * h
    holes = [((px, py), 0.06 * s)]
    holes += [((x * w, y * h), 0.035 * s) for x, y in ((-0.3, -0.3), (0.3, -0.3), (0.3, 0.3))]
    lo, hi = ARC_SPAN_DEG
    step = (hi - lo) / ARC_PIECES
    radius = ARC_RADIUS * s
    half = radius * float(np.sin(np.deg2rad(0.5 * step)))
    inner = radius * float(np.cos(np.deg2rad(0.5 * step)))   # the chord's middle
    slots = []
    for k in range(ARC_PIECES):
        mid = lo + (k + 0.5) * step
        t = np.deg2rad(mid)
        slots.append(((float(px + inner * np.cos(t)), float(py + inner * np.sin(t))), half,
                      0.03 * s, float(mid + 90.0)))
    return dict(base, holes=holes, slots=slots, keep_slots=True)
