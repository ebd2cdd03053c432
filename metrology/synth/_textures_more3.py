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
