"""Edge support of aligned parts: the missing-feature half of the position-aware check.

The brightness band of :class:`~metrology.anomaly.aligned.AlignedModel` is widened by a grey
dilation/erosion over the residual misalignment it forgives (``aligned_tolerance_px``, 4 px):
that leaves a small hole (radius under ~8 px) almost nothing of its dark core outside the band,
and a missing small hole scores like a good part.  Its *contour*, though, is a ring of strong
gradient at a known place on every good part, which the part's texture does not reach.

At training, per feature cell, the expected *edge support*: the gain-normalised gradient
magnitude (Gaussian derivatives at ``sigma`` px), taken as its maximum over a disk of
``reach_px`` (forgives a residual misalignment of that size) and averaged over the cell; its
mean and robust spread (MAD, floored at a fraction of the mean and at the part's median) over
the good parts.  At scoring, a cell whose support falls short of the mean by more than
``margin`` spreads gets the shortfall (in spreads beyond the margin) as its missing-feature
value.  Only a shortfall counts: an extra edge (an extra hole, a scratch, a pore) adds support
and is the brightness band's and the patch distance's business.

The check runs at two scales (rule 61, docs/anomaly-log.md, *The edge support at a coarse
scale*): :data:`FINE` (sigma 1 px) and :data:`COARSE` (sigma 3 px, its spread floored at
:data:`COARSE_REL_FLOOR` of its mean).  On a coarse ridge lay (held-out 54: ridges 3.5-6.5 px
apart) the lay's own gradients at 1 px are as strong as a small hole's contour, so a missing
countersunk screw hole left the fine support where the lay keeps it (missing AUROC 0.836); at
3 px the lay is blurred away and the hole's contour is not (1.000).  A cell's value is the
larger of the two shortfalls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import FileFormatError

#: spread floor, as a fraction of the cell's mean support: the lighting ramps (+-20 % across
#: the image) change an edge's normalised gradient by that much at the part's corners
REL_FLOOR = 0.15
#: the coarse scale's spread floor (its gradient is smoother than the fine one's, and the
#: shortfall of a missing contour, at most 1 / floor - margin spreads, needs the headroom:
#: with 0.15 the coarse scale lifted held-out 54's missing only to 0.964)
COARSE_REL_FLOOR = 0.08
#: the two scales: (Gaussian sigma px, spread floor as a share of the mean, arrays' prefix)
FINE = (1.0, REL_FLOOR, "aligned_edge")
COARSE = (3.0, COARSE_REL_FLOOR, "aligned_coarse_edge")


def edge_support(gray: np.ndarray, stride: int, sigma: float, reach_px: float) -> np.ndarray:
    """Support map of one gain-normalised gray image (float32 (H, W) padded to whole cells):
    the cell means of the gradient magnitude's maximum over a disk of ``reach_px``."""
    import cv2

    g = cv2.GaussianBlur(gray, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) * 0.125
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) * 0.125
    mag = cv2.magnitude(gx, gy)
    r = int(round(reach_px))
    if r > 0:
        mag = cv2.dilate(mag, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2),
                         borderType=cv2.BORDER_REPLICATE)
    if stride > 1:
        mag = cv2.resize(mag, (mag.shape[1] // stride, mag.shape[0] // stride),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(mag, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class EdgeSupport:
    """Expected edge support per cell of aligned good parts (see the module docstring).

    Attributes
    ----------
    mean, spread : ndarray (h, w) float32
        Mean support of each cell over the good parts and its robust spread (> 0).
    sigma, reach_px : float
        Gradient scale and misalignment reach, px (as fitted).
    margin : float
        Shortfall forgiven, in spreads.
    """

    mean: np.ndarray
    spread: np.ndarray
    sigma: float = 1.0
    reach_px: float = 1.0
    margin: float = 3.0
    prefix: str = FINE[2]

    @classmethod
    def fit(cls, grays: list[np.ndarray], stride: int, sigma: float = 1.0,
            reach_px: float = 1.0, margin: float = 3.0, rel_floor: float = REL_FLOOR,
            prefix: str = FINE[2]) -> "EdgeSupport":
        """From the gain-normalised, cell-padded gray images of the good parts (``rel_floor``:
        the spread's floor as a share of the mean; ``prefix``: its arrays' names)."""
        s = np.stack([edge_support(g, stride, sigma, reach_px) for g in grays])
        mean = s.mean(axis=0)
        mad = np.median(np.abs(s - np.median(s, axis=0)), axis=0) * 1.4826
        floor = max(float(np.median(mad)), 1e-4)
        spread = np.maximum(np.maximum(mad, rel_floor * mean), floor)
        return cls(mean.astype(np.float32), spread.astype(np.float32), float(sigma),
                   float(reach_px), float(margin), prefix)

    @classmethod
    def fit_scale(cls, grays: list[np.ndarray], stride: int, scale: tuple) -> "EdgeSupport":
        """:meth:`fit` at one of the check's scales (:data:`FINE` or :data:`COARSE`)."""
        sigma, rel_floor, prefix = scale
        return cls.fit(grays, stride, sigma=sigma, rel_floor=rel_floor, prefix=prefix)

    def shortfall(self, gray: np.ndarray, stride: int) -> np.ndarray:
        """Missing-edge value of each cell (h, w) float32: how far its support falls short of
        the mean, in spreads beyond the margin (0 where it does not)."""
        s = edge_support(gray, stride, self.sigma, self.reach_px)
        out = (self.mean - s) / self.spread - np.float32(self.margin)
        return np.maximum(out, np.float32(0.0))

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{self.prefix}_mean": self.mean, f"{self.prefix}_spread": self.spread}

    def params(self) -> dict:
        return {"sigma": self.sigma, "reach_px": self.reach_px, "margin": self.margin}

    @classmethod
    def from_arrays(cls, arrays: Mapping, params: Any, grid: tuple, where: str,
                    prefix: str = FINE[2]) -> "EdgeSupport":
        """Rebuilt from a bank file's arrays (named by ``prefix``) and parameters;
        ``FileFormatError`` when they are missing, not finite, of another shape than ``grid``
        or the spread is not > 0."""
        mean, spread = grid_arrays(arrays, (f"{prefix}_mean", f"{prefix}_spread"), grid, where)
        try:
            p = {k: float(params[k]) for k in ("sigma", "reach_px", "margin")}
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise FileFormatError(f"{where}: field 'aligned.edges' is invalid "
                                  f"({type(exc).__name__})") from None
        if np.any(spread <= 0) or np.any(mean < 0) or not (
                0.1 <= p["sigma"] <= 16 and 0 <= p["reach_px"] <= 64 and 0 <= p["margin"] <= 1e6):
            raise FileFormatError(f"{where}: aligned edge support: expected mean >= 0, spread "
                                  f"> 0, sigma in [0.1, 16], reach_px in [0, 64], margin >= 0")
        return cls(mean, spread, **p, prefix=prefix)


def grid_arrays(arrays: Any, keys: tuple, grid: Any, where: str) -> list[np.ndarray]:
    """float32 copies of ``arrays[key]`` for ``keys``; ``FileFormatError`` unless each is a
    finite floating-point array of the feature ``grid``'s shape (h, w)."""
    if not isinstance(arrays, Mapping):
        raise FileFormatError(f"{where}: expected the bank's arrays, given "
                              f"{type(arrays).__name__}")
    if not (isinstance(grid, (tuple, list)) and len(grid) == 2 and
            all(isinstance(v, (int, np.integer)) and 0 < v < 1 << 20 for v in grid)):
        raise FileFormatError(f"{where}: feature grid: expected (h, w) positive ints, given "
                              f"{type(grid).__name__}")
    out = []
    for k in keys:
        a = arrays.get(k)
        if not (isinstance(a, np.ndarray) and a.dtype.kind == "f" and
                a.shape == tuple(grid) and np.all(np.isfinite(a))):
            raise FileFormatError(f"{where}: array {k!r}: expected finite floating point of "
                                  f"shape {tuple(grid)}, given "
                                  f"{getattr(a, 'dtype', type(a).__name__)} "
                                  f"{getattr(a, 'shape', '')}")
        out.append(a.astype(np.float32))
    return out
