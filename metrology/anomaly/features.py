"""Classical (torch-free) local descriptors for PatchCore.

:class:`ClassicalFeatures` turns a gray image into a grid of descriptors, one per ``stride`` x
``stride`` cell, from Gaussian-derivative responses at several scales:

* the structure tensor of the gradient (``sqrt(<Lx^2>)``, ``sqrt(<Ly^2>)`` and the x/y
  correlation ``<Lx Ly> / sqrt(<Lx^2><Ly^2>)``): local contrast energy and its orientation, which
  is what tells a brushed or machined texture from a scratch across it;
* the Hessian eigenvalues ``l1 >= l2`` (cell mean, the cell maximum of ``l1`` and minimum of
  ``l2``): dark and bright lines (scratches) and their width through the scale;
* a blob response (the smaller eigenvalue magnitude where both have the same sign, cell max and
  min): dark and bright spots, pits, dents, which an oriented texture rarely produces;
* the local mean (scales >= 2): stains, missing material, shading;
* line orientation (``lines=True``, scales below 4): the Hessian's ridge direction as a
  double-angle unit vector, weighted by the dark-line (``max(l1, 0)``) and the bright-line
  (``max(-l2, 0)``) strength and averaged over the cell.  A scratch adds these vectors
  coherently along its length, a texture's grain and isolated pits in random directions (they
  cancel), so the locally aware average over 3 x 3 cells lifts a faint line above the grain
  where the orientation-blind channels do not;
* long lines (``long_lines``, scales below 2): for 8 directions the second derivative across
  the direction, averaged over each cell and then along the direction over ``line_cells``
  cells (a matched filter of a thin line ``stride * line_cells`` px long); per cell the
  strongest dark and bright response as a double-angle vector (strength times
  ``(cos 2a, sin 2a)`` of its direction).  A random texture's grain averages out along the
  segment, a faint long scratch does not.

Derivatives are scale-normalised (``sigma^n``) and the image is divided by its median level first,
so a global lighting gain does not move the descriptors.  Max/min pooling inside a cell keeps a
thin scratch visible that a mean would dilute.  Everything is separable OpenCV filtering on
float32; no Python loop runs per pixel.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.checks import check_bool, check_finite, check_int, check_positive
from ..errors import InputError
from ..image.io import as_gray
from ._median import median

#: largest derivative scale (px) of the classical features
MAX_SIGMA = 64.0

__all__ = ["ClassicalFeatures", "gaussian_kernels"]


def gaussian_kernels(sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sampled 1-D Gaussian, first and second derivative kernels (radius ``ceil(3.5 sigma)``),
    for correlation (``cv2.sepFilter2D``, ``cv2.filter2D``).

    Returns
    -------
    g, d1, d2 : ndarray (2r+1,) float32
        ``g`` sums to 1; ``d1`` has zero sum and gives exactly 1 on the ramp ``x``; ``d2`` has
        zero sum and gives exactly 1 on ``x^2 / 2`` (moments fixed after truncation).
    """
    sigma = check_finite(sigma, "sigma", min=0.05, max=1000.0)
    r = int(np.ceil(3.5 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-x * x / (2 * sigma * sigma))
    g /= g.sum()
    d1 = x / (sigma * sigma) * g
    d1 /= np.sum(d1 * x)
    d2 = (x * x / sigma ** 4 - 1.0 / (sigma * sigma)) * g
    d2 -= g * d2.sum()          # zero response to a constant
    d2 /= np.sum(d2 * x * x / 2)
    return g.astype(np.float32), d1.astype(np.float32), d2.astype(np.float32)


#: directions of the long-line channels (radians, along the line)
_LINE_ANGLES = np.arange(8) * np.pi / 8


def _line_kernel(n: int, angle: float) -> np.ndarray:
    """(n, n) float32 kernel summing to 1: the mean along a segment of ``n`` cells through the
    centre at ``angle`` (bilinear weights of 4 samples per cell)."""
    k = np.zeros((n + 2, n + 2), np.float64)
    t = np.linspace(-(n - 1) / 2, (n - 1) / 2, 4 * n)
    x, y = (n + 1) / 2 + t * np.cos(angle), (n + 1) / 2 + t * np.sin(angle)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dx, dy, wt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                       (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(k, (y0 + dy, x0 + dx), wt)
    return (k[1:-1, 1:-1] / k.sum()).astype(np.float32)


def _pool(a: np.ndarray, stride: int, op: str) -> np.ndarray:
    """Mean, max or min over ``stride`` x ``stride`` cells (reduces the contiguous axis first:
    several times faster than one reduction over two strided axes)."""
    h, w = a.shape
    if op == "mean":
        import cv2

        return cv2.resize(a, (w // stride, h // stride), interpolation=cv2.INTER_AREA)
    f = np.maximum if op == "max" else np.minimum
    t = a[:, 0::stride].copy()  # elementwise max/min of strided views: no short inner loops
    for k in range(1, stride):
        f(t, a[:, k::stride], out=t)
    out = t[0::stride].copy()
    for k in range(1, stride):
        f(out, t[k::stride], out=out)
    return out


class ClassicalFeatures:
    """Multi-scale Gaussian-derivative descriptor grid (no learning, no torch).

    Parameters
    ----------
    sigmas : sequence of float
        Derivative scales in pixels (default 1, 2, 4, 8: scratches to soft dents).
    stride : int
        Cell size in pixels; the grid has ``ceil(H/stride) x ceil(W/stride)`` cells.
    lines : bool
        Add the 4 line-orientation channels per scale below 4 px (see the module docstring).
        Banks written before this option existed rebuild their extractor without them.
    long_lines : bool
        Add the 4 long-line channels per scale below 2 px (see the module docstring).
    line_cells : int
        Length of the long-line segment in cells (odd).

    Examples
    --------
    >>> import numpy as np
    >>> f = ClassicalFeatures(stride=4)
    >>> f(np.random.default_rng(0).integers(0, 255, (64, 48)).astype(np.uint8)).shape
    (16, 12, 47)
    """

    name = "classical"

    def __init__(self, sigmas: Sequence[float] = (1.0, 2.0, 4.0, 8.0), stride: int = 4,
                 lines: bool = True, long_lines: bool = False, line_cells: int = 5):
        if isinstance(sigmas, (str, bytes, dict)) or not hasattr(sigmas, "__len__") or \
                not 1 <= len(sigmas) <= 16:
            raise InputError(f"sigmas: expected 1 to 16 positive scales, given {type(sigmas).__name__}")
        sig = [check_positive(s, f"sigmas[{i}]", max=MAX_SIGMA) for i, s in enumerate(sigmas)]
        stride = check_int(stride, "stride", min=1, max=64)
        self.lines = check_bool(lines, "lines")
        self.long_lines = check_bool(long_lines, "long_lines")
        self.line_cells = check_int(line_cells, "line_cells", min=1, max=31)
        if self.line_cells % 2 == 0:
            raise InputError(f"line_cells: expected an odd integer, given {line_cells}")
        self._line_kernels = [_line_kernel(self.line_cells, a) for a in _LINE_ANGLES]
        self.sigmas = tuple(sig)
        self.stride = int(stride)
        # scales of 4 px and more are filtered on a box-downsampled image (factor f <= s / 2,
        # f a power of two dividing the stride): same responses, a fraction of the cost
        self._factors = []
        for s in self.sigmas:
            f = 1
            while f * 2 <= s / 2 and self.stride % (f * 2) == 0:
                f *= 2
            self._factors.append(f)
        self._kernels = {(s, f): gaussian_kernels(float(np.sqrt(s * s - (f * f - 1) / 12.0)) / f)
                         for s, f in zip(self.sigmas, self._factors)}

    @property
    def channels(self) -> int:
        """Number of descriptor channels."""
        return sum((10 if s >= 2 else 9) + (4 if self._lines_at(s) else 0)
                   + (4 if self._long_at(s) else 0) for s in self.sigmas)

    def _lines_at(self, s: float) -> bool:
        return self.lines and s < 4

    def _long_at(self, s: float) -> bool:
        return self.long_lines and s < 2

    def channel_names(self) -> list[str]:
        names = []
        for s in self.sigmas:
            names += [f"{n}@{s:g}" for n in ("grad_x", "grad_y", "grad_corr", "l1_mean",
                                              "l2_mean", "l1_max", "l2_min", "blob_max",
                                              "blob_min")]
            if s >= 2:
                names.append(f"mean@{s:g}")
            if self._lines_at(s):
                names += [f"{n}@{s:g}" for n in ("dark_line_c", "dark_line_s", "bright_line_c",
                                                  "bright_line_s")]
            if self._long_at(s):
                names += [f"{n}@{s:g}" for n in ("long_dark_c", "long_dark_s", "long_bright_c",
                                                  "long_bright_s")]
        return names

    def config(self) -> dict:
        return {"name": self.name, "sigmas": list(self.sigmas), "stride": self.stride,
                "lines": self.lines, "long_lines": self.long_lines,
                "line_cells": self.line_cells}

    def min_side(self) -> int:
        """Smallest image side accepted: one cell."""
        return self.stride

    @classmethod
    def from_config(cls, cfg: dict) -> "ClassicalFeatures":
        """Rebuild from :meth:`config` (InputError for a missing or invalid field)."""
        if not isinstance(cfg, dict) or not {"sigmas", "stride"} <= set(cfg):
            raise InputError(f"cfg: expected a dict with 'sigmas' and 'stride', given "
                             f"{type(cfg).__name__}")
        # banks written before the line channels existed have no "lines": built without them
        return cls(sigmas=cfg["sigmas"], stride=cfg["stride"], lines=cfg.get("lines", False),
                   long_lines=cfg.get("long_lines", False), line_cells=cfg.get("line_cells", 5))

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Descriptors of one image.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3)
            Any dtype accepted by :func:`~metrology.image.io.as_gray`.

        Returns
        -------
        ndarray (ceil(H/stride), ceil(W/stride), channels) float32
        """
        import cv2

        img = as_gray(image, dtype=np.float32)
        level = float(median(img))
        if level <= 0:
            level = float(img.mean())
        img = img / level if level > 0 else img
        st = self.stride
        h, w = img.shape
        ph, pw = (-h) % st, (-w) % st
        if ph or pw:
            img = cv2.copyMakeBorder(img, 0, ph, 0, pw, cv2.BORDER_REFLECT)
        bt = cv2.BORDER_REFLECT
        pyramid = {1: img}

        out = []
        for s, f in zip(self.sigmas, self._factors):
            if f not in pyramid:  # box-average by f (f divides stride): cheaper large scales
                pyramid[f] = cv2.resize(img, (img.shape[1] // f, img.shape[0] // f),
                                        interpolation=cv2.INTER_AREA)
            im = pyramid[f]
            # the f x f box already blurred by variance (f^2 - 1) / 12 original pixels^2
            sr = float(np.sqrt(s * s - (f * f - 1) / 12.0)) / f
            g, d1, d2 = self._kernels[(s, f)]
            ts = st // f

            def sep(kx, ky, im=im):
                return cv2.sepFilter2D(im, cv2.CV_32F, kx, ky, borderType=bt)

            lx, ly = sep(d1, g) * sr, sep(g, d1) * sr
            lxx, lyy, lxy = sep(d2, g) * (sr * sr), sep(g, d2) * (sr * sr), sep(d1, d1) * (sr * sr)
            tr = 0.5 * (lxx + lyy)
            dd = np.sqrt(0.25 * (lxx - lyy) ** 2 + lxy * lxy)
            l1, l2 = tr + dd, tr - dd
            j11, j22 = _pool(lx * lx, ts, "mean"), _pool(ly * ly, ts, "mean")
            j12 = _pool(lx * ly, ts, "mean")
            gx, gy = np.sqrt(j11), np.sqrt(j22)
            blob = np.where(l1 * l2 > 0, np.minimum(np.abs(l1), np.abs(l2)) * np.sign(l1),
                            np.float32(0))
            out += [gx, gy, j12 / (gx * gy + np.float32(1e-6)),
                    _pool(l1, ts, "mean"), _pool(l2, ts, "mean"),
                    _pool(l1, ts, "max"), _pool(l2, ts, "min"),
                    _pool(blob, ts, "max"), _pool(blob, ts, "min")]
            if s >= 2:
                out.append(_pool(sep(g, g), ts, "mean"))
            if self._lines_at(s):
                # ridge direction as a double-angle unit vector; |(lxx - lyy, 2 lxy)| = 2 dd
                inv = np.float32(1.0) / (np.float32(2.0) * dd + np.float32(1e-6))
                ux, uy = (lxx - lyy) * inv, (np.float32(2.0) * lxy) * inv
                dark, bright = np.maximum(l1, np.float32(0)), np.maximum(-l2, np.float32(0))
                out += [_pool(dark * ux, ts, "mean"), _pool(dark * uy, ts, "mean"),
                        _pool(bright * ux, ts, "mean"), _pool(bright * uy, ts, "mean")]
            if self._long_at(s):
                out += self._long_line_channels(lxx, lyy, lxy, ts)
        return np.ascontiguousarray(np.stack(out, axis=-1), dtype=np.float32)

    def _long_line_channels(self, lxx, lyy, lxy, ts) -> list[np.ndarray]:
        """Strongest dark and bright long-line response per cell above the mean over the
        directions, as double-angle vectors."""
        import cv2

        zero = np.float32(0)
        dark, bright = [], []
        for a, k in zip(_LINE_ANGLES, self._line_kernels):
            c, s = np.float32(np.cos(a)), np.float32(np.sin(a))
            across = lxx * (s * s) - lxy * (np.float32(2.0) * s * c) + lyy * (c * c)
            # rectified before the cell mean: across a thin line the second derivative
            # integrates to zero (core and side lobes)
            for acc, v in ((dark, np.maximum(across, zero)), (bright, np.maximum(-across, zero))):
                acc.append(cv2.filter2D(_pool(v, ts, "mean"), -1, k,
                                        borderType=cv2.BORDER_REFLECT))
        out = []
        for r in (np.stack(dark), np.stack(bright)):              # (8, h, w)
            j = np.argmax(r, axis=0)
            # above the mean over the directions: a pit or grain answers in all of them
            m = np.take_along_axis(r, j[None], 0)[0] - r.mean(axis=0)
            ang = 2.0 * _LINE_ANGLES[j]
            out += [m * np.cos(ang).astype(np.float32), m * np.sin(ang).astype(np.float32)]
        return out
