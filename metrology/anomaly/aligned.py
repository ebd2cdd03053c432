"""Position-aware check of aligned parts: missing or extra features (a *variation model*).

PatchCore compares each patch with good patches from *anywhere* in the training images, so a
missing hole (plain surface where a hole should be) or an extra slot (a hole edge where there
should be plain surface) looks normal to it: both appearances exist somewhere on a good part.
On aligned parts (the recipe cuts its region at the match pose) position is meaningful, and this
model learns, per feature cell, the range of the local brightness over the good images:

* each image is divided by its median level (lighting gain), smoothed by a Gaussian of half a
  cell and averaged over cells (``stride`` px);
* the band of a cell is the 2nd..98th percentile of the good images, widened by a grey dilation
  and erosion over ``tolerance_px`` (the residual misalignment it forgives) and by a margin of
  ``margin`` robust standard deviations (per-cell MAD, floored at the median over the part);
* a test cell's deviation is how far it lies outside its band, in those standard deviations;
* where a taught contour is absent (a missing small hole, whose dark core the widened band
  forgives), the cell's shortfall of edge support, in its spreads beyond a margin, at a fine
  and a coarse scale (:mod:`~metrology.anomaly._aligned_edges`), if larger.

A missing hole or an extra feature changes the brightness of whole cells by many standard
deviations (the bottom of a hole is ~100 gray levels darker than the face); the texture's own
variation stays inside the band.  Everything is a few vectorised array operations per image
(no Python loop per cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.checks import check_finite, check_int
from ..errors import FileFormatError, InputError
from ..image.io import as_gray, load_image
from ._aligned_edges import COARSE, FINE, EdgeSupport, grid_arrays
from ._median import median

#: cell_means is a helper of AlignedModel and PatchCore: importable, not public API
__all__ = ["AlignedModel"]


def _normalised(image: np.ndarray, stride: int) -> np.ndarray:
    """The gray image divided by its median level, reflected to whole ``stride`` cells."""
    import cv2

    g = as_gray(image, dtype=np.float32)
    level = float(median(g))
    if level <= 0:
        level = max(float(g.mean()), 1e-6)
    g = g / level
    h, w = g.shape
    ph, pw = (-h) % stride, (-w) % stride
    if ph or pw:
        g = cv2.copyMakeBorder(g, 0, ph, 0, pw, cv2.BORDER_REFLECT)
    return g


def _cells(g: np.ndarray, stride: int) -> np.ndarray:
    import cv2

    if stride > 1:
        g = cv2.GaussianBlur(g, (0, 0), stride / 2.0, borderType=cv2.BORDER_REFLECT)
        g = cv2.resize(g, (g.shape[1] // stride, g.shape[0] // stride),
                       interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(g, dtype=np.float32)


def cell_means(image: np.ndarray, stride: int) -> np.ndarray:
    """Gain-normalised brightness per cell: the image divided by its median, smoothed by a
    Gaussian of ``stride / 2`` px and averaged over ``stride`` x ``stride`` cells (reflected
    padding to whole cells).

    Returns
    -------
    ndarray (ceil(H/stride), ceil(W/stride)) float32
    """
    return _cells(_normalised(image, stride), stride)


@dataclass(frozen=True, eq=False)
class AlignedModel:
    """Per-cell brightness band of aligned good parts (see the module docstring).

    Attributes
    ----------
    lo, hi : ndarray (h, w) float32
        Band of each cell (gain-normalised brightness).
    spread : ndarray (h, w) float32
        Robust standard deviation of each cell (floored).
    stride : int
        Cell size in image pixels (that of the feature grid).
    margin : float
        Band widening, in units of ``spread``.
    edges : EdgeSupport or None
        Expected edge support per cell (the missing-feature check,
        :mod:`~metrology.anomaly._aligned_edges`); None in banks written before it.
    coarse : EdgeSupport or None
        The same at the coarse scale (rule 61); None in banks written before it, which
        score with the fine scale only, as they did.

    Examples
    --------
    >>> import numpy as np
    >>> goods = [np.full((32, 32), 100, np.uint8) for _ in range(5)]
    >>> m = AlignedModel.fit(goods, stride=4, tolerance_px=4)
    >>> bad = goods[0].copy(); bad[:16, :16] = 30          # a quarter of the part is dark
    >>> bool(m.deviation(bad).max() > 10), float(m.deviation(goods[1]).max())
    (True, 0.0)
    """

    lo: np.ndarray
    hi: np.ndarray
    spread: np.ndarray
    stride: int
    margin: float = 2.0
    edges: EdgeSupport | None = None
    coarse: EdgeSupport | None = None

    @classmethod
    def fit(cls, images, stride: int, tolerance_px: float, margin: float = 2.0
            ) -> "AlignedModel":
        """Learn the bands from aligned good images (a list of same-size arrays)."""
        import cv2

        stride = check_int(stride, "stride", min=1, max=1024)
        tolerance_px = check_finite(tolerance_px, "tolerance_px", min=0.0, max=1e4)
        margin = check_finite(margin, "margin", min=0.0, max=1e6)
        if isinstance(images, (str, bytes)) or not hasattr(images, "__len__") or \
                len(images) == 0:
            raise InputError(f"images: expected a non-empty sequence of images, given "
                             f"{type(images).__name__}")
        imgs = [load_image(im, f"images[{i}]") for i, im in enumerate(images)]
        if len({im.shape[:2] for im in imgs}) > 1:
            raise InputError("images: the aligned parts must all have one size")
        norm = [_normalised(im, stride) for im in imgs]
        g = np.stack([_cells(n, stride) for n in norm])
        lo = np.percentile(g, 2.0, axis=0).astype(np.float32)
        hi = np.percentile(g, 98.0, axis=0).astype(np.float32)
        med = np.median(g, axis=0)
        mad = np.median(np.abs(g - med), axis=0) * 1.4826
        floor = max(float(np.median(mad)), 1e-3)  # 1e-3 of the median level: 8-bit floor
        spread = np.maximum(mad, floor).astype(np.float32)
        r = int(np.ceil(float(tolerance_px) / stride))
        if r > 0:
            k = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
            hi = cv2.dilate(hi, k, borderType=cv2.BORDER_REPLICATE)
            lo = cv2.erode(lo, k, borderType=cv2.BORDER_REPLICATE)
            spread = cv2.dilate(spread, k, borderType=cv2.BORDER_REPLICATE)
        return cls(lo, hi, spread, int(stride), float(margin),
                   EdgeSupport.fit_scale(norm, stride, FINE),
                   EdgeSupport.fit_scale(norm, stride, COARSE))

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.lo.shape)

    def deviation(self, image: np.ndarray) -> np.ndarray:
        """Distance of each cell outside its band, in robust standard deviations beyond the
        margin (0 inside), shape (h, w) float32."""
        n = _normalised(load_image(image, "image"), self.stride)
        g = _cells(n, self.stride)
        if g.shape != self.lo.shape:
            raise InputError(f"image: feature grid {g.shape} differs from the aligned model's "
                             f"{self.lo.shape}")
        out = np.maximum(g - self.hi, self.lo - g) / self.spread - np.float32(self.margin)
        for edges in (self.edges, self.coarse):
            if edges is not None:
                out = np.maximum(out, edges.shortfall(n, self.stride))
        return np.maximum(out, np.float32(0.0))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"aligned_lo": self.lo, "aligned_hi": self.hi, "aligned_spread": self.spread}
        for edges in (self.edges, self.coarse):
            out |= edges.arrays() if edges is not None else {}
        return out

    def params(self) -> dict:
        """The scalar fields a bank file's header keeps (``arrays`` holds the rest)."""
        out = {"stride": self.stride, "margin": self.margin}
        return out | ({"edges": self.edges.params()} if self.edges is not None else {}) | \
            ({"coarse_edges": self.coarse.params()} if self.coarse is not None else {})

    @classmethod
    def with_arrays(cls, arrays: dict, params: dict, grid: tuple, where: str
                    ) -> "AlignedModel":
        """Rebuilt from a bank file's arrays and header (``arrays`` / ``params``); raises
        ``FileFormatError`` naming ``where`` when they are missing, not finite floating point,
        not of the feature ``grid``'s shape, or a spread is not > 0.  The edge support and its
        coarse scale are optional (banks written before them have none)."""
        if not isinstance(where, str):
            raise InputError(f"where: expected the file's name, given {type(where).__name__}")
        lo, hi, sp = grid_arrays(arrays, ("aligned_lo", "aligned_hi", "aligned_spread"), grid,
                                 where)
        if np.any(sp <= 0):
            raise FileFormatError(f"{where}: array 'aligned_spread': expected values > 0")
        try:
            stride, margin = check_int(params["stride"], "stride", min=1, max=1024), \
                check_finite(params["margin"], "margin", min=0.0, max=1e6)
            edges, coarse = params.get("edges"), params.get("coarse_edges")
        except (KeyError, TypeError, AttributeError, InputError) as exc:
            raise FileFormatError(f"{where}: field 'aligned' is invalid "
                                  f"({type(exc).__name__}: {str(exc):.80})") from None
        if edges is not None:
            edges = EdgeSupport.from_arrays(arrays, edges, tuple(grid), where)
        if coarse is not None:
            coarse = EdgeSupport.from_arrays(arrays, coarse, tuple(grid),
                                             f"{where}: coarse scale", COARSE[2])
        return cls(lo, hi, sp, stride, margin, edges, coarse)
