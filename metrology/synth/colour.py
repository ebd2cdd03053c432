"""Colour parts for the anomaly scorer's tests: the generator's gray faces given a material's
colour, and discolourations that keep the luminance.

* :func:`colourise`: a gray part (``metrology.synth.defects``) times a tint (a BGR colour of
  luminance 1, :data:`TINTS`), with a slow colour drift that keeps the luminance (a dyed or
  oxidised face is never one colour), a small colour shift per part (lot to lot) and
  independent noise per channel (a colour camera's);
* :func:`discolour`: a change of colour inside a footprint (a mask; e.g. the generator's stain
  or watermark at ``contrast_scale=1e-6``), soft-edged, along a random colour direction that
  keeps the luminance of the part's colour (exactly on a face of the tint's colour, to the
  drift's percent elsewhere, before rounding and clipping): heat tint, a dye or passivation
  colour change, a coloured film.  A gray scorer cannot see it.

Luminance is ITU-R 601 of BGR (:data:`LUMINANCE`), as ``metrology.image.io.as_gray`` takes it.

Examples
--------
>>> import numpy as np
>>> g = np.full((32, 32), 120, np.uint8)
>>> rgb = colourise(g, "blue", rng=0, drift=0.0, noise=0.0)
>>> int(abs(rgb.astype(float) @ LUMINANCE - 120).max())
0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.checks import check_finite
from ..errors import InputError

__all__ = ["LUMINANCE", "TINTS", "colourise", "discolour", "tint"]

#: B, G, R weights of the luminance (ITU-R 601)
LUMINANCE = np.array([0.114, 0.587, 0.299])
#: material colours (B, G, R before normalising to luminance 1)
TINTS = {"steel": (1.0, 1.0, 1.03), "blue": (1.35, 1.0, 0.75), "red": (0.8, 0.75, 1.45),
         "gold": (0.55, 1.0, 1.3), "brass": (0.6, 0.98, 1.25), "green": (0.85, 1.15, 0.7)}


def tint(name_or_bgr: Any) -> np.ndarray:
    """A tint (name in :data:`TINTS` or three positive B, G, R factors) scaled to luminance 1."""
    if isinstance(name_or_bgr, str):
        if name_or_bgr not in TINTS:
            raise InputError(f"tint: expected one of {sorted(TINTS)} or 3 factors, given "
                             f"{name_or_bgr!r}")
        name_or_bgr = TINTS[name_or_bgr]
    try:
        t = np.asarray(name_or_bgr, float)
    except (TypeError, ValueError):
        raise InputError(f"tint: expected 3 positive factors, given {name_or_bgr!r}") from None
    if t.shape != (3,) or not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise InputError(f"tint: expected 3 positive finite factors, given {name_or_bgr!r}")
    return t / float(LUMINANCE @ t)


def _iso_basis(t: np.ndarray) -> np.ndarray:
    """(3, 2) orthonormal directions of relative change that keep the luminance of tint
    ``t``: orthogonal to ``LUMINANCE * t``."""
    n = LUMINANCE * t
    n = n / np.linalg.norm(n)
    q, _ = np.linalg.qr(np.column_stack([n, np.eye(3)[:, :2]]))
    return q[:, 1:3]


def _gray(image: Any, name: str) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim != 2 or a.dtype.kind not in "uif" or min(a.shape) < 1:
        raise InputError(f"{name}: expected a 2-D gray image, given shape {a.shape} "
                         f"{a.dtype}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: contains NaN or infinite values")
    return a.astype(np.float64)


def colourise(image: Any, material: Any = "steel", *, rng: Any = None, drift: float = 0.015,
              drift_px: float = 24.0, shift: float = 0.01, noise: float = 1.5) -> np.ndarray:
    """A gray part image in colour, (H, W, 3) uint8 BGR.

    Parameters
    ----------
    image : ndarray (H, W)
        Gray image (0-255).
    material : str or 3 floats
        Material colour (:func:`tint`).
    rng : int, Generator or None
        Seed or generator for the drift, the shift and the noise.
    drift : float
        Standard deviation of the slow colour drift (relative change per channel, keeping the
        luminance), smooth over ``drift_px``.
    shift : float
        Standard deviation of the part's own colour shift (relative, keeping the luminance).
    noise : float
        Standard deviation of the independent noise per channel (gray levels).
    """
    import cv2

    g = _gray(image, "image")
    t = tint(material)
    drift = check_finite(drift, "drift", min=0.0, max=0.5)
    drift_px = check_finite(drift_px, "drift_px", min=0.5, max=1e4)
    shift = check_finite(shift, "shift", min=0.0, max=0.5)
    noise = check_finite(noise, "noise", min=0.0, max=100.0)
    rng = np.random.default_rng(rng)
    basis = _iso_basis(t)
    h, w = g.shape
    f = rng.normal(size=(h, w, 2)).astype(np.float32)
    if drift > 0:
        f = cv2.GaussianBlur(f, (0, 0), drift_px, borderType=cv2.BORDER_REFLECT)
        f = f / max(float(f.std()), 1e-12) * drift
    else:
        f[:] = 0
    rel = 1.0 + f.astype(np.float64) @ basis.T + basis @ rng.normal(size=2) * shift
    out = g[..., None] * t * rel + rng.normal(size=(h, w, 3)) * noise
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def discolour(image: Any, mask: Any, material: Any = "steel", *, rng: Any = None,
              amplitude: float = 0.1, edge_px: float = 2.0) -> np.ndarray:
    """``image`` (H, W, 3) uint8 BGR with its colour changed inside ``mask``, the luminance
    kept: each channel times ``1 + amplitude * w * d_c``, ``w`` the mask blurred by
    ``edge_px`` (peak 1), ``d`` a random unit direction that keeps the luminance of
    ``material`` (the part's colour, :func:`tint`)."""
    import cv2

    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise InputError(f"image: expected an (H, W, 3) uint8 BGR image, given shape {a.shape} "
                         f"{a.dtype}")
    m = np.asarray(mask)
    if m.shape != a.shape[:2] or m.dtype != bool or not m.any():
        raise InputError(f"mask: expected a non-empty bool mask of shape {a.shape[:2]}")
    amplitude = check_finite(amplitude, "amplitude", min=0.0, max=1.0)
    edge_px = check_finite(edge_px, "edge_px", min=0.0, max=100.0)
    rng = np.random.default_rng(rng)
    w = m.astype(np.float32)
    if edge_px > 0:
        w = cv2.GaussianBlur(w, (0, 0), edge_px)
        w /= max(float(w.max()), 1e-6)
    ang = rng.uniform(0, 2 * np.pi)
    d = _iso_basis(tint(material)) @ np.array([np.cos(ang), np.sin(ang)])
    out = a.astype(np.float64) * (1.0 + amplitude * w[..., None].astype(np.float64) * d)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
