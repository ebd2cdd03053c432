"""Smooth illumination (gain) field of an image, estimated away from its edges, and the image
divided by it (flat field).

Light falling off across a part (and lens vignetting) multiplies the image by a smooth gain
``G(x, y)``.  Near an edge of levels ``b`` and ``b + A`` the profile then reads
``(b + A P(u))(1 + g u)`` with ``g`` the relative gain slope along it; the erf edge fit's
plateau slope takes up the linear part, but ``A g u P(u)`` has a part even about the edge that
moves it, by about ``+11 g`` px at 1 px optics and ``+33 g`` px at 2 px
(``scripts/edge_ramp_bias.py``).  The slope of one caliper's own plateaus is known only to
~1e-3/px, ten times the usual ramp, so removing it edge by edge costs 18-24 % of precision.

Here ``g`` comes from the whole image instead: ``log G`` is modelled as a polynomial of degree
``degree`` in ``(x, y)``, and its gradient is fitted (weighted least squares, then Tukey
reweighting) to the gradient of the log of the Gaussian-smoothed image on every flat pixel
(far from edges, above a floor level).  On a flat region of any one surface the gradient of
``log I`` is the gradient of ``log G`` whatever the surface's reflectance, so no segmentation
is needed and every plateau of the image contributes (~10^4-10^5 pixels: the slope is known to
~1e-6/px, far below what moves an edge).  Dividing the image by ``G`` (normalised to 1 at the
image centre) then leaves each edge with flat plateaus, for every tool and both edge paths
(NumPy and compiled) alike, with no extra parameter in any edge fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import FileFormatError, InputError

__all__: list[str] = []

#: pixels whose smoothed log-gradient exceeds this (1/px) are edges (a step of 20 % blurred by
#: 3 px gives ~0.03/px; an illumination ramp is ~1e-4/px)
EDGE_LOG_SLOPE = 0.01
#: Tukey constant of the reweighting, in robust sigmas of the gradient residuals
_TUKEY = 4.685


@dataclass(frozen=True)
class IlluminationField:
    """``log G(x, y) = sum_k c_k X^i Y^j`` (no constant: ``G = 1`` at the image centre),
    ``X = (x - cx) / scale``, ``Y = (y - cy) / scale``; ``powers`` (K, 2) the ``(i, j)`` of
    each coefficient ``c`` (K,); ``std`` (K,) their standard errors."""

    coeffs: np.ndarray
    std: np.ndarray
    powers: np.ndarray
    center: tuple[float, float]
    scale: float
    pixels: int

    def _xy(self, x, y):
        return (np.asarray(x, float) - self.center[0]) / self.scale, \
            (np.asarray(y, float) - self.center[1]) / self.scale

    def log_gain(self, x, y) -> np.ndarray:
        """``log G`` at pixel coordinates ``x``, ``y`` (broadcast arrays)."""
        X, Y = self._xy(x, y)
        out = np.zeros(np.broadcast(X, Y).shape)
        for c, (i, j) in zip(self.coeffs, self.powers):
            out = out + c * X ** i * Y ** j
        return out

    def gradient(self, points) -> np.ndarray:
        """Gradient of ``log G`` (1/px), (N, 2), at ``points`` (N, 2) ``(x, y)``."""
        p = np.asarray(points, float).reshape(-1, 2)
        X, Y = self._xy(p[:, 0], p[:, 1])
        g = np.zeros((p.shape[0], 2))
        for c, (i, j) in zip(self.coeffs, self.powers):
            if i:
                g[:, 0] += c * i * X ** (i - 1) * Y ** j
            if j:
                g[:, 1] += c * j * X ** i * Y ** (j - 1)
        return g / self.scale

    def flatten(self, image: np.ndarray) -> np.ndarray:
        """``image`` (H, W) divided by ``G`` (float32)."""
        h, w = image.shape[:2]
        gain = np.exp(self.log_gain(np.arange(w, dtype=float)[None, :],
                                    np.arange(h, dtype=float)[:, None]))
        return (np.asarray(image, np.float32) / gain.astype(np.float32)).astype(np.float32)


def _powers(degree: int) -> np.ndarray:
    return np.array([(i, d - i) for d in range(1, degree + 1) for i in range(d, -1, -1)])


def estimate_illumination(gray: np.ndarray, *, degree: int = 2, smooth: float = 4.0,
                          floor: float | None = None, binning: int = 4) -> IlluminationField:
    """Fit the smooth gain field of ``gray`` (H, W) from the log-gradient of its flat pixels.

    Parameters
    ----------
    gray : ndarray (H, W)
        Gray image (any real dtype).
    degree : int
        Degree of the polynomial ``log G`` (1: a plane ramp; 2: also vignetting).
    smooth : float
        Gaussian sigma (px) of the smoothing before the gradient.
    floor : float, optional
        Pixels below this smoothed level are not used (their log is noisy); default 4 % of the
        image's 99th percentile.
    binning : int
        The image is area-averaged in ``binning`` x ``binning`` blocks first (the field is
        smooth; fewer and less noisy pixels).

    Returns
    -------
    IlluminationField
        The identity field (no coefficient) when fewer than 50 flat pixels are found.
    """
    g = np.asarray(gray)
    if g.ndim != 2 or g.shape[0] < 16 or g.shape[1] < 16 or g.dtype.kind not in "uif":
        raise InputError(f"gray: expected a real (H, W) image of at least 16x16, given "
                         f"{g.dtype} {g.shape}")
    if isinstance(degree, bool) or degree not in (1, 2, 3):
        raise InputError(f"degree: expected 1, 2 or 3, given {degree!r:.40}")
    if isinstance(binning, bool) or binning not in range(1, 9):
        raise InputError(f"binning: expected 1 to 8, given {binning!r:.40}")
    g = g.astype(np.float32)
    if not np.isfinite(g).all():
        raise InputError("gray: expected finite gray levels")
    h, w = g.shape
    f = max(1, min(int(binning), min(h, w) // 16))
    hb, wb = h // f, w // f
    # area-average f x f blocks (the field is smooth; fewer, less noisy pixels)
    small = cv2.resize(g[:hb * f, :wb * f], (wb, hb), interpolation=cv2.INTER_AREA) \
        if f > 1 else g
    sm = smooth / f
    s = cv2.GaussianBlur(small, (0, 0), sm, borderType=cv2.BORDER_REFLECT)
    lo = float(np.percentile(s, 99)) * 0.04 if floor is None else float(floor)
    ls = np.log(np.maximum(s, max(lo, 1e-6)))
    gx = cv2.Sobel(ls, cv2.CV_32F, 1, 0, ksize=3) / (8.0 * f)     # 1/px of the full image
    gy = cv2.Sobel(ls, cv2.CV_32F, 0, 1, ksize=3) / (8.0 * f)
    edge = (np.hypot(gx, gy) > EDGE_LOG_SLOPE) | (s <= lo)
    r = int(np.ceil((4.0 * smooth + 2.0 * f) / f)) + 1     # an edge's smoothed tails
    edge = cv2.dilate(edge.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
    rb = int(np.ceil(2.0 * sm)) + 1                        # the smoothing's border
    edge[:rb] = edge[-rb:] = True
    edge[:, :rb] = edge[:, -rb:] = True
    powers = _powers(degree)
    center, scale = ((w - 1) / 2.0, (h - 1) / 2.0), float(max(w, h)) / 2.0
    yb, xb = np.nonzero(~edge)
    xs, ys = (xb + 0.5) * f - 0.5, (yb + 0.5) * f - 0.5     # block centres, full-image px
    if xs.size < 50:
        k = powers.shape[0]
        return IlluminationField(np.zeros(k), np.full(k, np.inf), powers, center, scale, 0)
    X, Y = (xs - center[0]) / scale, (ys - center[1]) / scale
    # d(log G)/dx and /dy per coefficient, in 1/px: two equations per pixel
    ax = np.stack([i * X ** max(i - 1, 0) * Y ** j if i else np.zeros_like(X)
                   for i, j in powers], axis=1) / scale
    ay = np.stack([j * X ** i * Y ** max(j - 1, 0) if j else np.zeros_like(X)
                   for i, j in powers], axis=1) / scale
    a = np.concatenate([ax, ay])
    b = np.concatenate([gx[yb, xb], gy[yb, xb]]).astype(float)
    lev = s[yb, xb].astype(float)
    w0 = np.concatenate([lev, lev]) ** 2         # the log's noise falls as 1 / level
    wt = w0
    for _ in range(4):
        aw = a * wt[:, None]
        c = np.linalg.lstsq(aw.T @ a, aw.T @ b, rcond=None)[0]
        res = (b - a @ c) * np.sqrt(w0)
        sig = 1.4826 * np.median(np.abs(res)) + 1e-30
        u = res / (_TUKEY * sig)
        wt = w0 * np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)
    sw = np.sqrt(wt)
    aw = a * sw[:, None]
    res = (b - a @ c) * sw
    n_eff = max(int((wt > 0).sum()) - c.size, 1)
    # neighbouring samples share the smoothing: count one independent sample per
    # (2 * smooth / binning)^2 used blocks (a conservative standard error)
    corr = max(1.0, (2.0 * sm) ** 2)
    cov = np.linalg.pinv(aw.T @ aw) * float(res @ res) / n_eff * corr
    return IlluminationField(c, np.sqrt(np.diag(cov)), powers, center, scale, int(xs.size))


#: a recipe's ``illumination`` choices: "none" (the tools measure the image as it is) or
#: "flatten" (divided by its smooth gain field first: fall-off and vignetting do not move edges)
MODES = ("none", "flatten")


def check_mode(mode) -> str:
    """``mode`` if it is one of :data:`MODES`, else :class:`~metrology.errors.FileFormatError`."""
    if not isinstance(mode, str) or mode not in MODES:
        raise FileFormatError(f"illumination: expected one of {list(MODES)}, given {mode!r:.40}")
    return mode


def tool_image(gray: np.ndarray, mode: str) -> np.ndarray:
    """The image a recipe's tools measure: ``gray`` as it is, or ("flatten") divided by its
    smooth gain field (:func:`estimate_illumination`)."""
    return estimate_illumination(gray).flatten(gray) if mode == "flatten" else gray
