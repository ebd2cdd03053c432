"""PatchCore anomaly scoring (Roth et al., "Towards Total Recall in Industrial Anomaly Detection",
CVPR 2022), with a torch-free classical feature extractor by default.

Training keeps a memory bank of patch descriptors from good images only; a test patch's anomaly
value is its distance to the nearest bank patch.  Steps:

1. a feature grid per image: :class:`~metrology.anomaly.ClassicalFeatures` (default), ImageNet
   EfficientNet-Lite0 (``features="efficientnet-lite0"``, extra ``[deep]``; or the deeper
   ``"efficientnet-lite1"`` and ``"efficientnet-lite2"``) or any extractor
   object; filters and networks see a reflected margin, never zero padding (no border artefacts);
2. *locally aware* patch features: each cell averaged with its 3 x 3 neighbourhood;
3. per-channel robust standardisation (median / MAD of the training patches) and a soft
   compression ``c * asinh(z / c)`` so that rare high-energy patches do not dominate distances;
4. a greedy k-center coreset (on a random projection) of at most ``max_patches`` randomly
   subsampled training patches: the bank;
5. nearest-neighbour distance per test patch; with the position-aware check on (aligned parts),
   the larger of it and the cell's brightness deviation from the aligned good parts
   (:class:`~metrology.anomaly.aligned.AlignedModel`, scaled to bank distances);
6. cells outside the ROI or within ``ignore_margin_px`` of the border set to 0; the grid is
   smoothed by a Gaussian (``smoothing_sigma`` px) and bilinearly upsampled to the image;
7. the image score: by default the mean of the ``top_k`` largest smoothed cells (robust to a
   texture's own rare patches), or the maximum, or the paper's reweighted maximum.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._memory import keep_freed_memory
from ..errors import InputError, MetrologyError
from ..image.io import as_gray, load_image
from .aligned import AlignedModel
from .base import AnomalyScore, FeatureExtractor
from ._edge_band import edge_band_roi
from ._blob_scan import fit_blob_channel
from ._jet_state import fit_jet_state
from ._marginal import unmapped_jet_state
from ._cnn_scan import fit_cnn_state
from ._chroma_scan import fit_chroma_state
from ._energy_channel import fit_state as fit_energy_state
from ._fusion import combine
from ._line_scan import LineScan
from .coreset import greedy_coreset
from .extractors import make_extractor
from .neighbors import NearestNeighbors
from .settings import PatchCoreSettings
from .threshold import Threshold, calibrate_threshold
from ._patchcore_parts import (LINE_BAND_PX, PC_SD_FLOOR, SELECT_MIN_IMAGES, _box,  # noqa: F401
                               _channels, _check_roi, _resize, _ring_scale, _rings, query_cells,
                               bank_map, fit_line_channel, images_list, resolve_fusion,
                               scored, select_band)

__all__ = ["PatchCore", "NotFittedError"]


class NotFittedError(MetrologyError):
    """The scorer was used before :meth:`PatchCore.fit`."""


class PatchCore:
    """Memory-bank anomaly scorer trained on good images only.

    Parameters
    ----------
    features : str or FeatureExtractor
        A name, ``"classical"``, ``"efficientnet-lite0"``, ``"efficientnet-lite1"`` or
        ``"efficientnet-lite2"``, or an extractor object.
        ``"classical"`` (default): :class:`ClassicalFeatures` (NumPy/OpenCV, always available).
        ``"efficientnet-lite0"``: ImageNet EfficientNet-Lite0 stages 3 and 5 (extra
        ``metrology[deep]``; weights from an installed package, never downloaded);
        ``"efficientnet-lite1"`` / ``"efficientnet-lite2"`` the deeper Lite models, the same
        stages (same extra; Lite1 above Lite0 on four of five real photographed surfaces,
        ``docs/anomaly.md``).  Or any
        object with ``__call__(image) -> (h, w, C)``, ``stride``, ``name`` and ``config()``,
        e.g. :class:`~metrology.anomaly.TorchFeatures` (a ResNet from your weights file).
    settings : PatchCoreSettings, optional
        All other options (see :class:`PatchCoreSettings`).
    **options
        Flat keywords replace fields of ``settings`` (``PatchCore(coreset_ratio=0.1)``): a
        shortcut for ``settings=PatchCoreSettings(coreset_ratio=0.1)``.

    Notes
    -----
    Images are converted at the boundary: a colour image given to a bank trained on gray
    images is converted to gray (ITU-R 601 weights of BGR); a gray image given to a colour bank
    raises :class:`InputError` (its colour cannot be made up).

    Examples
    --------
    >>> from metrology.synth.defects import make_defect_set
    >>> parts = make_defect_set(4, ["spot"], 1, shape=(96, 96), seed=3)
    >>> pc = PatchCore(coreset_ratio=0.2).fit([p.image for p in parts[:4]])
    >>> res = pc.score(parts[4].image)
    >>> res.map.shape
    (96, 96)
    """

    def __init__(self, features: str | FeatureExtractor = "classical",
                 settings: PatchCoreSettings | None = None, **options: Any):
        if settings is None:
            settings = PatchCoreSettings()
        elif not isinstance(settings, PatchCoreSettings):
            raise InputError(f"settings: expected a PatchCoreSettings, given "
                             f"{type(settings).__name__}")
        self.settings = settings.replace(**options) if options else settings
        self.features = make_extractor(features)
        self.threshold: Threshold | None = None
        self._bank: np.ndarray | None = None
        self._index: NearestNeighbors | None = None
        self._center: np.ndarray | None = None
        self._scale: np.ndarray | None = None
        self._aligned: AlignedModel | None = None
        self._aligned_gain = 1.0
        self._ring_scale: np.ndarray | None = None  # (R,) divisor of ring r's cell values
        self._roi: np.ndarray | None = None       # (H, W) bool, training image size
        self._cells: np.ndarray | None = None     # (h, w) bool cells scored
        self._pixel_mask: np.ndarray | None = None  # (H, W) float32 map mask, or None
        self._line: LineScan | None = None        # the line channel (settings.line_scan)
        self._energy: Any = None  # the texture-energy channel (settings.texture_energy)
        self._blob: Any = None    # the blob channel (with the line channel)
        self._jet: Any = None     # the jet channel (settings.jet_scan, with the line channel)
        self._cnn: Any = None     # the discriminator channel (settings.cnn_scan, an option)
        self._chroma: Any = None  # the chroma channel (settings.chroma_scan, colour banks)
        self.fusion_used = "max"  # how the channels combine (settings.fusion, resolved)
        self._band_px = self.settings.edge_band_px  # the edge band fitted (select may change it)
        # a band chosen by select: the ROI without it, where the position-aware check still
        # scores (the band hides missing holes from the bank only), and its cells / pixel mask
        self._aligned_roi: np.ndarray | None = None
        self._aligned_view: tuple[np.ndarray, np.ndarray | None] | None = None
        self.image_shape: tuple[int, int] | None = None
        self.image_channels: int | None = None
        self.info: dict = {}

    # ------------------------------------------------------------------ properties
    def __getattr__(self, name: str) -> Any:  # settings fields read as attributes (pc.k)
        if name != "settings" and "settings" in self.__dict__ and \
                name in PatchCoreSettings.__dataclass_fields__:
            return getattr(self.settings, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def is_fitted(self) -> bool:
        return self._bank is not None

    @property
    def bank_size(self) -> int:
        """Number of patches in the memory bank (0 before fit)."""
        return 0 if self._bank is None else int(self._bank.shape[0])

    @property
    def bank(self) -> np.ndarray:
        """The memory bank, shape (M, D) float32 (read-only view)."""
        self._check_fitted()
        v = self._bank.view()
        v.flags.writeable = False
        return v

    @property
    def roi(self) -> np.ndarray | None:
        """The ROI mask (H, W) bool of the training size, or None (whole image)."""
        return self._roi

    def config(self) -> dict:
        """The settings as a JSON-ready dictionary."""
        return self.settings.to_dict()

    def to_dict(self) -> dict:
        """JSON-ready summary: settings, extractor, training figures, bank size, threshold."""
        return {"config": self.config(), "features": self.features.config(),
                "fitted": self.is_fitted, "bank_size": self.bank_size,
                "image_shape": None if self.image_shape is None else list(self.image_shape),
                "image_channels": self.image_channels, "info": dict(self.info),
                "threshold": None if self.threshold is None else self.threshold.to_dict()}

    def __repr__(self) -> str:
        state = f"bank={self.bank_size}" if self.is_fitted else "not fitted"
        return f"PatchCore(features={self.features.name!r}, {state})"

    # ------------------------------------------------------------------ features
    def _raw_patches(self, image: np.ndarray) -> np.ndarray:
        cache = self.__dict__.get("_feature_cache")
        if cache is not None:  # the selection's candidates share one image's features
            hit = cache.get(id(image))
            if hit is not None and hit[0] is image:
                return hit[1]
        out = self._raw_patches_uncached(image)
        if cache is not None:
            out.flags.writeable = False
            cache[id(image)] = (image, out)
        return out

    def _raw_patches_uncached(self, image: np.ndarray) -> np.ndarray:
        f = np.asarray(self.features(image), dtype=np.float32)
        st = self.features.stride
        exp = (-(-image.shape[0] // st), -(-image.shape[1] // st))
        if f.ndim != 3 or f.shape[:2] != exp:
            raise MetrologyError(f"feature extractor {self.features.name!r} returned shape "
                                 f"{f.shape}; expected {exp + ('C',)} for an image of "
                                 f"{image.shape[:2]} with stride {st}")
        if not np.all(np.isfinite(f)):
            raise MetrologyError(f"feature extractor {self.features.name!r} returned NaN/inf")
        return _box(f, self.settings.patch_size)

    def _normalise(self, f: np.ndarray) -> np.ndarray:
        z = (f - self._center) / self._scale
        c = self.settings.compress
        if c is not None:
            z = np.float32(c) * np.arcsinh(z / np.float32(c))
        return z.astype(np.float32, copy=False)

    def _check_size(self, img: np.ndarray, name: str) -> None:
        need = getattr(self.features, "min_side", lambda: 1)()
        if min(img.shape[:2]) < need:
            raise InputError(f"{name}: {img.shape[1]}x{img.shape[0]} px is smaller than the "
                             f"{self.features.name} features need ({need} px a side)")

    def _prepare(self, image: Any, name: str = "image") -> tuple[np.ndarray, tuple[int, int]]:
        img = load_image(image, name)
        ch = _channels(img)
        if ch != self.image_channels:
            if self.image_channels == 1:
                img = as_gray(img, name, dtype=None)  # documented: colour -> gray for gray banks
            else:
                raise InputError(f"{name}: {ch} channel(s), but the scorer was trained on "
                                 f"{self.image_channels}-channel images; give a colour image "
                                 f"(or re-fit on gray images)")
        shape = img.shape[:2]
        if shape != self.image_shape:
            if not self.settings.resize:
                raise InputError(f"{name}: size {shape[1]}x{shape[0]} (WxH) differs from the "
                                 f"training size {self.image_shape[1]}x{self.image_shape[0]}; "
                                 f"crop it, or create PatchCore(resize=True) to resize images "
                                 f"to the training size")
            img = _resize(img, self.image_shape)
        self._check_size(img, name)
        return img, shape

    def _grid_cells(self, grid: tuple[int, int]) -> np.ndarray:
        """Cells scored: centre inside the ROI and farther than ignore_margin_px from the
        border (sets the map's pixel mask; and the position-aware view's of a band chosen
        by ``select``)."""
        ok, self._pixel_mask = self._cells_of(grid, self._roi)
        self._aligned_view = None
        if self._aligned_roi is not None:
            self._aligned_view = self._cells_of(grid, self._aligned_roi)
        return ok

    def _cells_of(self, grid: tuple[int, int], roi: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
        """The cells of ``roi`` (None: all) scored and the map's pixel mask (None: all)."""
        st = self.features.stride
        h, w = self.image_shape
        # cell centres, the last partial cell's clipped into the image
        cy = np.minimum(np.arange(grid[0]) * st + (st - 1) / 2.0, h - 1)
        cx = np.minimum(np.arange(grid[1]) * st + (st - 1) / 2.0, w - 1)
        m = self.settings.ignore_margin_px
        ok = ((cy[:, None] >= m) & (cy[:, None] <= h - 1 - m)
              & (cx[None, :] >= m) & (cx[None, :] <= w - 1 - m))
        if roi is not None:
            r = np.clip(np.rint(cy).astype(int), 0, h - 1)
            c = np.clip(np.rint(cx).astype(int), 0, w - 1)
            ok &= roi[r[:, None], c[None, :]]
        if not ok.any():
            raise InputError("ignore_margin_px / roi: no feature cell is left to score")
        pix = None  # pixels the map keeps (the cells' bilinear spread cut at the ROI/margin)
        if m > 0 or roi is not None:
            pix = np.ones((h, w), np.float32) if roi is None else roi.astype(np.float32)
            if m > 0:
                pix[:m], pix[h - m:], pix[:, :m], pix[:, w - m:] = 0, 0, 0, 0
        return ok, pix

    # ------------------------------------------------------------------ fit
    def fit(self, images: Sequence[Any], roi: np.ndarray | None = None) -> "PatchCore":
        """Build the memory bank (and the position-aware model) from good images.

        Parameters
        ----------
        images : sequence of ndarray (H, W) or (H, W, 3), or ndarray (N, H, W)
            Good parts only, all of one size and channel count (or any size with
            ``resize=True``: resized to the first image's size).  For the position-aware
            check, the parts must be aligned (as the recipe's region cuts them).
        roi : ndarray (H, W) bool, optional
            Pixels to learn and score (e.g. the part face); cells whose centre is outside are
            neither put in the bank nor scored, and read 0 in the map.

        Returns
        -------
        self
        """
        try:
            return self._fit(images, roi)
        finally:
            if self.settings.select == "auto":  # the selection's feature cache, if any
                self.__dict__.pop("_feature_cache", None)

    def _fit(self, images: Sequence[Any], roi: np.ndarray | None) -> "PatchCore":
        s = self.settings
        t0 = time.perf_counter()
        keep_freed_memory()        # an image's temporaries reuse pages (metrology._memory)
        imgs = images_list(images, "images")
        ch = {_channels(im) for im in imgs}
        if len(ch) > 1:
            raise InputError(f"images: mixed channel counts {sorted(ch)}; give all gray or colour")
        shape = imgs[0].shape[:2]
        for i, im in enumerate(imgs):
            if im.shape[:2] != shape:
                if not s.resize:
                    raise InputError(f"images[{i}]: size {im.shape[1]}x{im.shape[0]} differs "
                                     f"from images[0] {shape[1]}x{shape[0]}; training images "
                                     f"must share one size (or use resize=True)")
                imgs[i] = _resize(im, shape)
        self._check_size(imgs[0], "images[0]")
        self.image_shape = (int(shape[0]), int(shape[1]))
        user_roi = None if roi is None else _check_roi(roi, self.image_shape)
        band, chosen = s.edge_band_px, "off"
        if s.select == "auto":
            band, chosen = self._select(imgs, user_roi)
        self._band_px = band
        self._roi = edge_band_roi(imgs, band, user_roi)
        self._aligned_roi = None
        if s.select == "auto" and band != s.edge_band_px:
            self._aligned_roi = np.ones(self.image_shape, bool) if user_roi is None else user_roi
        g = np.random.default_rng(s.seed)
        feats = [self._raw_patches(im) for im in imgs]
        grid = feats[0].shape[:2]
        self._cells = self._grid_cells(grid)
        x = np.concatenate([f[self._cells] for f in feats])
        ring = np.tile(_rings(grid)[self._cells], len(feats))
        image_id = np.repeat(np.arange(len(feats)), int(self._cells.sum()))
        del feats
        t_feat = time.perf_counter() - t0
        sample = x if len(x) <= 100_000 else x[g.choice(len(x), 100_000, replace=False)]
        center = np.median(sample, axis=0)
        mad = np.median(np.abs(sample - center), axis=0) * 1.4826
        std = sample.std(axis=0)
        # a channel constant on most patches has MAD 0: fall back to its std, then to 1
        scale = np.where(mad > 1e-6 * (1 + np.abs(center)), mad,
                         np.where(std > 0, std, 1.0)).astype(np.float32)
        self._center, self._scale = center.astype(np.float32), scale
        n_total = len(x)
        if n_total > s.max_patches:
            keep = np.sort(g.choice(n_total, s.max_patches, replace=False))
            x, ring, image_id = x[keep], ring[keep], image_id[keep]
        z = self._normalise(x)
        del x
        n_bank = int(min(s.max_bank, max(1, round(s.coreset_ratio * n_total)), len(z)))
        t1 = time.perf_counter()
        if n_bank < len(z):
            sel = greedy_coreset(z, n_bank, projection_dim=s.projection_dim, rng=g)
            bank = np.ascontiguousarray(z[sel])
        else:
            bank = np.ascontiguousarray(z)
        t2 = time.perf_counter()
        self._set_bank(bank)
        # unit of bank distances: median distance of training patches to the bank
        probe = z[g.choice(len(z), min(len(z), 4000), replace=False)]
        unit = float(np.median(self._index.query(probe)[0]))
        self._aligned_gain = unit if unit > 0 else 1.0
        self._ring_scale, held_index = _ring_scale(z, ring, image_id, n_bank, s, g)
        self._aligned = AlignedModel.fit(imgs, self.features.stride, s.aligned_tolerance_px)
        self.image_channels = ch.pop()
        t3 = time.perf_counter()
        self._line, self._blob, self._jet, line_state = None, None, None, "off"
        auto = s.line_scan == "auto"
        if auto and self.features.name != "classical":
            line_state = ("off: 'auto' uses it with the classical features only (measured; "
                          "with efficientnet-lite0 it lost on brick)")
        elif auto and s.image_score == "reweighted":
            line_state = "off: 'auto' does not combine it with the reweighted image score"
        if s.line_scan is True or (auto and line_state == "off"):
            try:
                self._line = self._fit_line(imgs, held_index,
                                            None if roi is None else _check_roi(roi, shape))
                line_state = "on"
            except InputError as exc:
                if s.line_scan is True:
                    raise
                line_state = f"off: {exc}"
        self.threshold = None
        self.info = {"n_images": len(imgs), "patches_total": int(n_total),
                     "patches_used": int(len(z)), "feature_grid": list(grid),
                     "feature_dim": int(bank.shape[1]), "feature_seconds": round(t_feat, 4),
                     "coreset_seconds": round(t2 - t1, 4),
                     "fit_seconds": round(time.perf_counter() - t0, 4),
                     "nn_method": self._index.method, "distance_unit": round(unit, 6)}
        self.info["line_scan"] = line_state
        self.info["gaussianize"] = ("off: no line channel" if self._line is None
                                    else self._line.gauss_state)
        if s.gaussianize is True and self._line is None:
            raise InputError(f"gaussianize: needs the line channel, which is {line_state}")
        self.info["local_rms"] = ("off: no line channel" if self._line is None
                                  else self._line.lrms_state)
        if s.local_rms is True and self._line is None:
            raise InputError(f"local_rms: needs the line channel, which is {line_state}")
        self.info["select"] = chosen
        self.fusion_used = resolve_fusion(s.fusion, chosen)
        if self._line is not None:
            if self.fusion_used == "sum":  # "max": no blob channel (the former default)
                self._blob = fit_blob_channel(self._line, imgs)
            self.info["line_scan_seconds"] = round(time.perf_counter() - t3, 4)
        self._jet, self.info["jet_scan"] = fit_jet_state(s, self._line, imgs, self.info)
        if self._jet is None and self._line is not None and self._line.jet_gauss is not None:
            self._line.jet_gauss = None   # a map for a jet channel the fit did not make
            self.info["gaussianize"] = unmapped_jet_state(self.info["gaussianize"])
        fit_cnn_state(self, s.cnn_scan, imgs)
        roi = None if roi is None else _check_roi(roi, shape)
        self._energy, self.info["texture_energy"] = fit_energy_state(self, imgs, held_index, roi)
        fit_chroma_state(self, imgs, held_index, roi)
        return self

    def _fit_line(self, imgs: list[np.ndarray], held_index: "NearestNeighbors | None",
                  roi: np.ndarray | None) -> LineScan:
        return fit_line_channel(self, imgs, held_index, roi)

    def _select(self, imgs: list[np.ndarray], roi: np.ndarray | None
                ) -> tuple[float, Any]:
        return select_band(self, imgs, roi)

    def _smooth(self, raw: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        import cv2

        s = self.settings
        if s.smoothing_sigma <= 0:
            return raw
        # zeros beyond the border: a reflected border would add a cell's own mirror image
        # to it (a single-cell peak on the border 1.6 times, in a corner 2.6 times an
        # inner one's value at sigma = 1 cell), and good maps would peak at the border
        sm = cv2.GaussianBlur(raw, (0, 0), s.smoothing_sigma / self.features.stride,
                              borderType=cv2.BORDER_CONSTANT)
        return np.where(self._cells if cells is None else cells, sm, np.float32(0.0))

    def _reduce(self, sm: np.ndarray, cells: np.ndarray | None = None) -> float:
        """Image score of a smoothed map (``topk`` or ``max``)."""
        if self.settings.image_score == "topk":
            v = sm[self._cells if cells is None else cells]
            k = min(self.settings.top_k, v.size)
            return float(np.partition(v, v.size - k)[v.size - k:].mean())
        return float(sm.max())

    def set_roi(self, roi: np.ndarray | None) -> "PatchCore":
        """Score only the pixels of ``roi`` ((H, W) bool of the training size; None: all).
        Unlike ``fit(..., roi=)``, the bank is kept as it is."""
        self._check_fitted()
        self._roi = None if roi is None else _check_roi(roi, self.image_shape)
        self._aligned_roi = None  # the ROI given replaces the band select chose, both uses
        self._cells = self._grid_cells(tuple(self.info["feature_grid"]))
        return self

    def _set_bank(self, bank: np.ndarray) -> None:
        self._bank = bank.astype(np.float32, copy=False)
        self._index = NearestNeighbors(self._bank, self.settings.nn)

    def _check_fitted(self) -> None:
        if self._bank is None:
            raise NotFittedError("PatchCore: not fitted; call fit(good_images) or "
                                 "PatchCore.load(path) before score()")

    # ------------------------------------------------------------------ score
    def patch_scores(self, image: Any, *, aligned: bool | None = None) -> np.ndarray:
        """Anomaly value of every feature cell, shape (h, w) float32, before smoothing (0
        outside the ROI); with the position-aware check when ``aligned``."""
        self._check_fitted()
        img, _ = self._prepare(image)
        return self._patch_scores(img, self._use_aligned(aligned))[0]

    def _use_aligned(self, aligned: bool | None) -> bool:
        from ..core.checks import check_bool

        return self.settings.aligned if aligned is None else check_bool(aligned, "aligned")

    def _patch_scores(self, img: np.ndarray, aligned: bool):
        f = self._normalise(self._raw_patches(img))
        h, w, c = f.shape
        q = f.reshape(-1, c)
        d, idx = query_cells(self._index, q, self._cells, self.settings.k)  # the face's only
        s = (d.mean(axis=1) if self.settings.k > 1 else d[:, 0]).reshape(h, w)
        if self._ring_scale is not None:
            s = s / self._ring_scale[np.minimum(_rings((h, w)), len(self._ring_scale) - 1)]
        if aligned and self._aligned is not None:
            if self._aligned_view is not None:  # the bank on the face, the check on the ROI
                s = np.where(self._cells, s, np.float32(0.0))
            s = np.maximum(s, np.float32(self._aligned_gain) * self._aligned.deviation(img))
        s = np.where(self._view(aligned)[0], s, np.float32(0.0))
        return s, q, d[:, 0], idx[:, 0]

    def _view(self, aligned: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Cells scored and the map's pixel mask: the ROI's, or with the position-aware
        check and a band chosen by ``select``, the ROI's without the band."""
        if aligned and self._aligned is not None and self._aligned_view is not None:
            return self._aligned_view
        return self._cells, self._pixel_mask

    def score(self, image: Any, *, aligned: bool | None = None) -> AnomalyScore:
        """Anomaly score and map of one image.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3)
            Same size as the training images (or any size with ``resize=True``).
        aligned : bool, optional
            Add the position-aware check (missing or extra features; the part must be aligned
            as the training parts were).  Default: ``settings.aligned``.

        Returns
        -------
        AnomalyScore
            ``score`` (see ``settings.image_score``), ``map`` (H, W) float32 at the image's
            resolution, the calibrated ``threshold`` if any.
        """
        self._check_fitted()
        keep_freed_memory()        # ~33 MB of temporaries per score: no fresh pages each time
        img, in_shape = self._prepare(image)
        up, value, pixel_mask = bank_map(self, img, self._use_aligned(aligned))
        return scored(self, *combine(self, img, up, value, pixel_mask), in_shape)

    def _reweighted(self, raw, q, d1, i1) -> float:
        """The paper's image score: the largest patch distance times ``1 - softmax`` weight of
        its nearest bank patch among that patch's ``b`` bank neighbours."""
        j = int(np.argmax(raw))
        value = float(raw.flat[j])
        b = min(self.settings.reweight_neighbors, self.bank_size)
        if b > 1 and value > 0:
            _, nb = self._index.query(self._bank[i1[j]][None], k=b)
            dist = np.linalg.norm(self._bank[nb[0]] - q[j][None], axis=1).astype(np.float64)
            dist = np.concatenate([[float(d1[j])], dist[nb[0] != i1[j]]])
            w = 1.0 - 1.0 / np.sum(np.exp(dist - dist[0]))
            value = float(w * value) if np.isfinite(w) else value
        return value

    def score_batch(self, images: Sequence[Any], *, aligned: bool | None = None
                    ) -> list[AnomalyScore]:
        """:meth:`score` for each image."""
        return [self.score(im, aligned=aligned) for im in images_list(images, "images")]

    def calibrate_threshold(self, good_images: Sequence[Any], method: str = "quantile", *,
                            quantile: float = 0.99, margin: float = 0.1,
                            aligned: bool | None = None) -> Threshold:
        """Set :attr:`threshold` from held-back good images (not the training images) and
        return it; see :func:`~metrology.anomaly.calibrate_threshold`."""
        self._check_fitted()
        scores = [r.score for r in self.score_batch(good_images, aligned=aligned)]
        self.threshold = calibrate_threshold(scores, method, quantile=quantile, margin=margin)
        return self.threshold

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the scorer as one file, atomically (see :mod:`metrology.anomaly.bankfile`).

        Parameters
        ----------
        path : path
            Bank file; the suffix is set to ``.npz`` (a ``.json`` name is written as the
            ``.npz`` beside it, the name a recipe may keep).

        Returns
        -------
        Path of the file written.
        """
        from .._io import as_path
        from .bankfile import save_bank

        as_path(path, "path")
        self._check_fitted()
        return save_bank(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike, features: FeatureExtractor | None = None
             ) -> "PatchCore":
        """Read a scorer written by :meth:`save` (or a version-1 JSON + ``.npz`` pair).

        Parameters
        ----------
        path : path of the bank file
        features : FeatureExtractor, optional
            Extractor to use; required when the bank was built with a custom extractor.  Named
            extractors (classical, efficientnet-lite0/1/2, a ResNet from a weights path) are
            rebuilt from the bank; a given one must match the bank's.

        Raises
        ------
        FileFormatError
            Corrupt, truncated or foreign file, or a bank built with another extractor or other
            weights (says which).
        """
        from .._io import as_path
        from .bankfile import load_bank

        as_path(path, "path")
        if features is not None:
            if isinstance(features, str):
                raise InputError(f"features: expected None (the bank's extractor) or an "
                                 f"extractor object, given {type(features).__name__}")
            features = make_extractor(features)
        return load_bank(cls, path, features)
