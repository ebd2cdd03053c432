"""PatchCore anomaly scoring (Roth et al., "Towards Total Recall in Industrial Anomaly Detection",
CVPR 2022), with a torch-free classical feature extractor by default.

Training keeps a memory bank of patch descriptors from good images only; a test patch's anomaly
value is its distance to the nearest bank patch.  Steps, as in the paper:

1. a feature grid per image (:class:`~metrology.anomaly.ClassicalFeatures` or a CNN backbone);
2. *locally aware* patch features: each cell averaged with its 3 x 3 neighbourhood;
3. per-channel robust standardisation (median / MAD of the training patches) and a soft
   compression ``c * asinh(z / c)`` so that rare high-energy patches (part edges, drilled holes,
   whose exact position varies from part to part) do not dominate distances;
4. a greedy k-center coreset of the training patches on a random projection (the bank);
5. nearest-neighbour distance per test patch (k-d tree, brute force or faiss), bilinearly
   upsampled to image resolution and smoothed with a Gaussian (``smoothing_sigma`` px);
6. the image score: the largest patch distance, reweighted by how isolated its nearest bank patch
   is (a test patch near a rare bank patch gets a higher score than one near a dense cluster).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._io import atomic_write_bytes, load_npz, read_json_file, require, save_npz_bytes, \
    write_json_file
from ..core.checks import check_positive
from ..errors import FileFormatError, InputError, MetrologyError
from ..image.io import load_image
from .base import AnomalyScore, FeatureExtractor
from .coreset import greedy_coreset
from .features import ClassicalFeatures
from .neighbors import NearestNeighbors
from .threshold import Threshold, calibrate_threshold

__all__ = ["PatchCore", "NotFittedError"]

_FORMAT = "metrology.anomaly.patchcore"
_VERSION = 1


class NotFittedError(MetrologyError):
    """The scorer was used before :meth:`PatchCore.fit`."""


def _images_list(images: Any, name: str) -> list[np.ndarray]:
    if isinstance(images, np.ndarray):
        if images.ndim == 4 or (images.ndim == 3 and images.shape[2] not in (1, 3, 4)):
            seq = list(images)
        else:
            raise InputError(f"{name}: expected a sequence of images (or an (N, H, W) array), "
                             f"given one array of shape {images.shape}; wrap a single image in "
                             f"a list")
    elif isinstance(images, (str, bytes, os.PathLike)):
        raise InputError(f"{name}: expected a sequence of images or paths, given one path; "
                         f"wrap it in a list")
    else:
        try:
            seq = list(images)
        except TypeError:
            raise InputError(f"{name}: expected a sequence of images, given "
                             f"{type(images).__name__}") from None
    if not seq:
        raise InputError(f"{name}: expected at least one good image, given none")
    return [load_image(im, f"{name}[{i}]") for i, im in enumerate(seq)]


def _channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else int(image.shape[2])


def _box3(f: np.ndarray, size: int) -> np.ndarray:
    """``size`` x ``size`` average over the grid, per channel (edges replicated)."""
    if size <= 1:
        return f
    pad = size // 2
    p = np.pad(f, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    c = np.cumsum(np.cumsum(p, axis=0, dtype=np.float64), axis=1)
    c = np.pad(c, ((1, 0), (1, 0), (0, 0)))
    h, w = f.shape[:2]
    s = c[size:size + h, size:size + w] - c[:h, size:size + w] - c[size:size + h, :w] + c[:h, :w]
    return (s / (size * size)).astype(np.float32)


class PatchCore:
    """Memory-bank anomaly scorer trained on good images only.

    Parameters
    ----------
    features : "classical" or FeatureExtractor
        ``"classical"`` (default): :class:`ClassicalFeatures` (NumPy/OpenCV, always available).
        Or any object with ``__call__(image) -> (h, w, C)``, ``stride``, ``name`` and
        ``config()``, e.g. :class:`~metrology.anomaly.TorchFeatures` (``metrology[torch]``).
    coreset_ratio : float in (0, 1]
        Fraction of the training patches kept in the memory bank.
    max_bank : int
        Upper bound on the bank size: scoring time grows with it (4096 entries: ~20-50 ms of
        search per 256 x 256 image here; 40 training images of that size give 164k patches, so
        the default keeps 2.5 % of them).
    max_patches : int
        Training patches above this count are randomly subsampled before the coreset (bounds
        fit time: the greedy coreset costs N x bank size).
    k : int
        Number of nearest bank patches averaged into each patch's anomaly value (1 = PatchCore).
    reweight_neighbors : int
        Bank neighbourhood size ``b`` of the image-score reweighting (0 = plain maximum).
    patch_size : int
        Side of the locally aware neighbourhood average, in feature cells (3 as in the paper).
    compress : float or None
        Scale ``c`` of the ``c * asinh(z / c)`` compression of standardised features.
    smoothing_sigma : float
        Gaussian smoothing of the anomaly map, in image pixels.
    nn : {"auto", "kdtree", "brute", "faiss"}
        Nearest-neighbour search.
    resize : bool
        If True, images whose size differs from the training size are resized to it (and the map
        back); if False (default) they raise :class:`InputError`.
    projection_dim : int
        Random-projection width for the coreset distances.
    seed : int
        Seed of subsampling, projection and the first coreset centre (fits are reproducible).

    Examples
    --------
    >>> from metrology.synth.defects import make_defect_set
    >>> parts = make_defect_set(4, ["spot"], 1, shape=(96, 96), seed=3)
    >>> pc = PatchCore(coreset_ratio=0.2).fit([p.image for p in parts[:4]])
    >>> res = pc.score(parts[4].image)
    >>> res.map.shape
    (96, 96)
    """

    def __init__(self, features: str | FeatureExtractor = "classical", *,
                 coreset_ratio: float = 0.05, max_bank: int = 4096, max_patches: int = 100_000,
                 k: int = 1, reweight_neighbors: int = 9, patch_size: int = 3,
                 compress: float | None = 2.0, smoothing_sigma: float = 4.0, nn: str = "auto",
                 resize: bool = False, position_weight: float = 0.0, projection_dim: int = 128,
                 seed: int = 0):
        if isinstance(features, str):
            if features != "classical":
                raise InputError(f"features: expected 'classical' or a feature extractor object, "
                                 f"given {features!r} (for a CNN backbone pass "
                                 f"metrology.anomaly.TorchFeatures(...))")
            features = ClassicalFeatures()
        elif not (callable(features) and hasattr(features, "stride")
                  and hasattr(features, "config")):
            raise InputError(f"features: expected 'classical' or an object with __call__, "
                             f"stride and config(), given {type(features).__name__}")
        if not 0 < coreset_ratio <= 1:
            raise InputError(f"coreset_ratio: expected a value in (0, 1], given {coreset_ratio}")
        for nm, v, lo in (("max_bank", max_bank, 1), ("max_patches", max_patches, 1),
                          ("k", k, 1), ("reweight_neighbors", reweight_neighbors, 0),
                          ("patch_size", patch_size, 1), ("projection_dim", projection_dim, 1)):
            if int(v) != v or v < lo:
                raise InputError(f"{nm}: expected an integer >= {lo}, given {v!r}")
        if patch_size % 2 == 0:
            raise InputError(f"patch_size: expected an odd integer, given {patch_size}")
        if compress is not None:
            check_positive(compress, "compress")
        check_positive(smoothing_sigma, "smoothing_sigma", allow_zero=True)
        check_positive(position_weight, "position_weight", allow_zero=True)
        self.features = features
        self.coreset_ratio = float(coreset_ratio)
        self.max_bank = int(max_bank)
        self.max_patches = int(max_patches)
        self.k = int(k)
        self.reweight_neighbors = int(reweight_neighbors)
        self.patch_size = int(patch_size)
        self.compress = None if compress is None else float(compress)
        self.smoothing_sigma = float(smoothing_sigma)
        self.nn = nn
        self.resize = bool(resize)
        self.position_weight = float(position_weight)
        self.projection_dim = int(projection_dim)
        self.seed = int(seed)
        self.threshold: Threshold | None = None
        self._bank: np.ndarray | None = None
        self._index: NearestNeighbors | None = None
        self._center: np.ndarray | None = None
        self._scale: np.ndarray | None = None
        self.image_shape: tuple[int, int] | None = None
        self.image_channels: int | None = None
        self.info: dict = {}
        NearestNeighbors.check_method(nn)

    # ------------------------------------------------------------------ properties
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

    def config(self) -> dict:
        return {"coreset_ratio": self.coreset_ratio, "max_bank": self.max_bank,
                "max_patches": self.max_patches, "k": self.k,
                "reweight_neighbors": self.reweight_neighbors, "patch_size": self.patch_size,
                "compress": self.compress, "smoothing_sigma": self.smoothing_sigma,
                "nn": self.nn, "resize": self.resize,
                "position_weight": self.position_weight, "projection_dim": self.projection_dim,
                "seed": self.seed}

    def to_dict(self) -> dict:
        """JSON-ready summary: configuration, training figures, bank size, threshold."""
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
        f = np.asarray(self.features(image), dtype=np.float32)
        st = self.features.stride
        exp = (-(-image.shape[0] // st), -(-image.shape[1] // st))
        if f.ndim != 3 or f.shape[:2] != exp:
            raise MetrologyError(f"feature extractor {self.features.name!r} returned shape "
                                 f"{f.shape}; expected {exp + ('C',)} for an image of "
                                 f"{image.shape[:2]} with stride {st}")
        if not np.all(np.isfinite(f)):
            raise MetrologyError(f"feature extractor {self.features.name!r} returned NaN/inf")
        return _box3(f, self.patch_size)

    def _normalise(self, f: np.ndarray) -> np.ndarray:
        z = (f - self._center) / self._scale
        if self.compress is not None:
            c = np.float32(self.compress)
            z = np.arcsinh(z / c) * c
        return z.astype(np.float32, copy=False)

    def _with_position(self, z: np.ndarray) -> np.ndarray:
        """Append the cell centre (x, y) in pixels times ``position_weight`` (grid (h, w, C))."""
        if self.position_weight <= 0:
            return z
        h, w = z.shape[:2]
        st = self.features.stride
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        pos = np.stack([xx, yy], axis=-1) * np.float32(st * self.position_weight)
        return np.concatenate([z, pos], axis=-1)

    def _prepare(self, image: Any, name: str = "image") -> tuple[np.ndarray, tuple[int, int]]:
        img = load_image(image, name)
        if _channels(img) != self.image_channels:
            raise InputError(f"{name}: {_channels(img)} channel(s), but the scorer was trained "
                             f"on {self.image_channels}-channel images; convert it first "
                             f"(metrology.image.as_gray or cv2.cvtColor)")
        shape = img.shape[:2]
        if shape != self.image_shape:
            if not self.resize:
                raise InputError(f"{name}: size {shape[1]}x{shape[0]} (WxH) differs from the "
                                 f"training size {self.image_shape[1]}x{self.image_shape[0]}; "
                                 f"crop it, or create PatchCore(resize=True) to resize images "
                                 f"to the training size")
            img = _resize(img, self.image_shape)
        return img, shape

    # ------------------------------------------------------------------ fit
    def fit(self, images: Sequence[Any]) -> "PatchCore":
        """Build the memory bank from good images.

        Parameters
        ----------
        images : sequence of ndarray (H, W) or (H, W, 3), or ndarray (N, H, W)
            Good parts only, all of one size and channel count (or any size with
            ``resize=True``: resized to the first image's size).

        Returns
        -------
        self
        """
        t0 = time.perf_counter()
        imgs = _images_list(images, "images")
        ch = {_channels(im) for im in imgs}
        if len(ch) > 1:
            raise InputError(f"images: mixed channel counts {sorted(ch)}; give all training "
                             f"images as gray or all as colour")
        shape = imgs[0].shape[:2]
        for i, im in enumerate(imgs):
            if im.shape[:2] != shape:
                if not self.resize:
                    raise InputError(f"images[{i}]: size {im.shape[1]}x{im.shape[0]} differs "
                                     f"from images[0] {shape[1]}x{shape[0]}; training images "
                                     f"must share one size (or use resize=True)")
                imgs[i] = _resize(im, shape)
        feats = [self._raw_patches(im) for im in imgs]
        grid = feats[0].shape[:2]
        x = np.concatenate([f.reshape(-1, f.shape[-1]) for f in feats])
        del feats
        g = np.random.default_rng(self.seed)
        sample = x if len(x) <= 200_000 else x[g.choice(len(x), 200_000, replace=False)]
        center = np.median(sample, axis=0)
        mad = np.median(np.abs(sample - center), axis=0) * 1.4826
        std = sample.std(axis=0)
        # a channel constant on most patches has MAD 0: fall back to its std, then to 1
        scale = np.where(mad > 1e-6 * (1 + np.abs(center)), mad,
                         np.where(std > 0, std, 1.0)).astype(np.float32)
        self._center, self._scale = center.astype(np.float32), scale
        gh, gw = grid
        z = np.concatenate([self._with_position(self._normalise(f)).reshape(gh * gw, -1)
                            for f in x.reshape(len(imgs), gh, gw, -1)])
        n_total = len(z)
        if n_total > self.max_patches:
            z = z[g.choice(n_total, self.max_patches, replace=False)]
        n_bank = int(min(self.max_bank, max(1, round(self.coreset_ratio * n_total)), len(z)))
        t1 = time.perf_counter()
        if n_bank < len(z):
            sel = greedy_coreset(z, n_bank, projection_dim=self.projection_dim, rng=g)
            bank = np.ascontiguousarray(z[sel])
        else:
            bank = np.ascontiguousarray(z)
        t2 = time.perf_counter()
        self._set_bank(bank)
        self.image_shape = (int(shape[0]), int(shape[1]))
        self.image_channels = ch.pop()
        self.threshold = None
        self.info = {"n_images": len(imgs), "patches_total": int(n_total),
                     "patches_used": int(len(z)), "feature_grid": list(grid),
                     "feature_dim": int(bank.shape[1]), "coreset_seconds": round(t2 - t1, 4),
                     "fit_seconds": round(time.perf_counter() - t0, 4),
                     "nn_method": self._index.method}
        return self

    def _set_bank(self, bank: np.ndarray) -> None:
        self._bank = bank.astype(np.float32, copy=False)
        self._index = NearestNeighbors(self._bank, self.nn)

    def _check_fitted(self) -> None:
        if self._bank is None:
            raise NotFittedError("PatchCore: not fitted; call fit(good_images) or "
                                 "PatchCore.load(path) before score()")

    # ------------------------------------------------------------------ score
    def patch_scores(self, image: Any) -> np.ndarray:
        """Nearest-neighbour distance of every feature cell, shape (h, w) float32, for an image
        of the training size (no resizing, no smoothing)."""
        self._check_fitted()
        img, _ = self._prepare(image)
        return self._patch_scores(img)[0]

    def _patch_scores(self, img: np.ndarray):
        f = self._with_position(self._normalise(self._raw_patches(img)))
        h, w, c = f.shape
        q = f.reshape(-1, c)
        d, idx = self._index.query(q, k=self.k)
        s = d.mean(axis=1) if self.k > 1 else d[:, 0]
        return s.reshape(h, w), q, d[:, 0], idx[:, 0]

    def score(self, image: Any) -> AnomalyScore:
        """Anomaly score and map of one image.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3)
            Same size and channel count as the training images (or any size with
            ``resize=True``).

        Returns
        -------
        AnomalyScore
            ``score`` (reweighted maximum patch distance), ``map`` (H, W) float32 at the
            image's resolution, the calibrated ``threshold`` if any.
        """
        import cv2

        self._check_fitted()
        img, in_shape = self._prepare(image)
        s, q, d1, i1 = self._patch_scores(img)
        j = int(np.argmax(s))
        value = float(s.flat[j])
        if self.reweight_neighbors > 0 and self.bank_size > 1:
            # neighbours of the nearest bank patch m*, then the softmax weight of m* among them
            b = min(self.reweight_neighbors, self.bank_size)
            _, nb = self._index.query(self._bank[i1[j]][None], k=b)
            dist = np.linalg.norm(self._bank[nb[0]] - q[j][None], axis=1).astype(np.float64)
            dist = np.concatenate([[float(d1[j])], dist[nb[0] != i1[j]]])
            w = 1.0 - 1.0 / np.sum(np.exp(dist - dist[0]))
            value = float(w * value) if np.isfinite(w) else value
        st = self.features.stride
        h, w_ = s.shape
        up = cv2.resize(s.astype(np.float32), (w_ * st, h * st), interpolation=cv2.INTER_LINEAR)
        up = up[:img.shape[0], :img.shape[1]]
        if self.smoothing_sigma > 0:
            up = cv2.GaussianBlur(up, (0, 0), self.smoothing_sigma, borderType=cv2.BORDER_REFLECT)
        if up.shape != tuple(in_shape):
            up = cv2.resize(up, (in_shape[1], in_shape[0]), interpolation=cv2.INTER_LINEAR)
        thr = None if self.threshold is None else self.threshold.value
        return AnomalyScore(value, np.ascontiguousarray(up, dtype=np.float32), thr)

    def score_batch(self, images: Sequence[Any]) -> list[AnomalyScore]:
        """:meth:`score` for each image."""
        return [self.score(im) for im in _images_list(images, "images")]

    def calibrate_threshold(self, good_images: Sequence[Any], method: str = "quantile", *,
                            quantile: float = 0.99, margin: float = 0.1) -> Threshold:
        """Set :attr:`threshold` from held-back good images (not the training images) and
        return it; see :func:`~metrology.anomaly.calibrate_threshold`."""
        self._check_fitted()
        scores = [r.score for r in self.score_batch(good_images)]
        self.threshold = calibrate_threshold(scores, method, quantile=quantile, margin=margin)
        return self.threshold

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the scorer: ``path`` (JSON: settings, training figures, threshold, checksum) and
        ``path`` with suffix ``.npz`` (bank and normalisation arrays), both atomically.  Given a
        ``.npz`` name, the JSON goes beside it with suffix ``.json``.

        Returns
        -------
        Path of the JSON file.
        """
        self._check_fitted()
        path = Path(path)
        if path.suffix.lower() == ".npz":  # either name of the pair is accepted
            path = path.with_suffix(".json")
        npz_path = path.with_suffix(".npz")
        data = save_npz_bytes(bank=self._bank, center=self._center, scale=self._scale)
        atomic_write_bytes(npz_path, data)
        payload = {"config": self.config(), "features": self.features.config(),
                   "image_shape": list(self.image_shape), "image_channels": self.image_channels,
                   "info": self.info, "bank_size": self.bank_size,
                   "bank_dim": int(self._bank.shape[1]),
                   "threshold": None if self.threshold is None else self.threshold.to_dict(),
                   "arrays": {"file": npz_path.name,
                              "sha256": hashlib.sha256(data).hexdigest()}}
        return write_json_file(path, payload, fmt=_FORMAT, version=_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike, features: FeatureExtractor | None = None
             ) -> "PatchCore":
        """Read a scorer written by :meth:`save`.

        Parameters
        ----------
        path : path of the JSON file (or of its ``.npz`` twin)
        features : FeatureExtractor, optional
            Extractor to use; required when the bank was built with a custom extractor
            (a :class:`~metrology.anomaly.TorchFeatures` is rebuilt from its saved config).

        Raises
        ------
        FileFormatError
            Corrupt, truncated or mismatched files (names the field or array).
        """
        path = Path(path)
        if path.suffix.lower() == ".npz":  # the arrays' name given: read its JSON twin
            path = path.with_suffix(".json")
        where = str(path)
        doc = read_json_file(path, fmt=_FORMAT, versions=[_VERSION])
        cfg = require(doc, "config", dict, where)
        fcfg = require(doc, "features", dict, where)
        arrays = require(doc, "arrays", dict, where)
        fname = require(arrays, "file", str, where + " arrays")
        digest = require(arrays, "sha256", str, where + " arrays")
        if Path(fname).name != fname:
            raise FileFormatError(f"{where}: field 'arrays.file' must be a bare file name, "
                                  f"given {fname!r}")
        npz_path = path.parent / fname
        if not npz_path.is_file():
            raise FileFormatError(f"{where}: its array file {npz_path} is missing (copy both "
                                  f"files together)")
        raw = npz_path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            raise FileFormatError(f"{npz_path}: checksum does not match {where} (corrupt, or "
                                  f"from another save)")
        arr = load_npz(npz_path, ["bank", "center", "scale"])
        if features is None:
            features = _extractor_from_config(fcfg, where)
        try:
            pc = cls(features, **cfg)
        except (InputError, TypeError) as exc:
            raise FileFormatError(f"{where}: field 'config' is invalid ({exc})") from None
        shape = require(doc, "image_shape", list, where)
        if len(shape) != 2 or not all(isinstance(v, int) and v > 0 for v in shape):
            raise FileFormatError(f"{where}: field 'image_shape': expected [H, W], given {shape}")
        chans = require(doc, "image_channels", int, where)
        if chans not in (1, 3, 4):
            raise FileFormatError(f"{where}: field 'image_channels': expected 1, 3 or 4, "
                                  f"given {chans}")
        bank, center, scale = arr["bank"], arr["center"], arr["scale"]
        n = require(doc, "bank_size", int, where)
        dim = require(doc, "bank_dim", int, where)
        if bank.ndim != 2 or bank.shape != (n, dim) or n < 1:
            raise FileFormatError(f"{npz_path}: array 'bank': expected shape ({n}, {dim}), "
                                  f"given {bank.shape}")
        fdim = dim - (2 if pc.position_weight > 0 else 0)
        for nm, a in (("center", center), ("scale", scale)):
            if a.shape != (fdim,):
                raise FileFormatError(f"{npz_path}: array {nm!r}: expected shape ({fdim},), "
                                      f"given {a.shape}")
        for nm, a in (("bank", bank), ("center", center), ("scale", scale)):
            if a.dtype.kind != "f" or not np.all(np.isfinite(a)):
                raise FileFormatError(f"{npz_path}: array {nm!r} is not finite floating point")
        if np.any(scale <= 0):
            raise FileFormatError(f"{npz_path}: array 'scale' has non-positive entries")
        pc._center, pc._scale = center.astype(np.float32), scale.astype(np.float32)
        pc._set_bank(np.ascontiguousarray(bank, dtype=np.float32))
        pc.image_shape = (shape[0], shape[1])
        pc.image_channels = chans
        pc.info = dict(doc.get("info") or {})
        thr = doc.get("threshold")
        if thr is not None:
            try:
                pc.threshold = Threshold.from_dict(thr)
            except (KeyError, TypeError) as exc:
                raise FileFormatError(f"{where}: field 'threshold' is invalid ({exc})") from None
        return pc


def _extractor_from_config(fcfg: dict, where: str) -> FeatureExtractor:
    name = fcfg.get("name")
    try:
        if name == "classical":
            return ClassicalFeatures.from_config(fcfg)
        if name == "torch":  # a missing weights file or torch stays a clear InputError / extra
            from .torch_features import TorchFeatures

            return TorchFeatures.from_config(fcfg)
    except (KeyError, TypeError) as exc:
        raise FileFormatError(f"{where}: field 'features' is invalid ({exc})") from None
    except InputError as exc:
        if name == "torch":
            raise
        raise FileFormatError(f"{where}: field 'features' is invalid ({exc})") from None
    raise FileFormatError(f"{where}: the bank was built with feature extractor {name!r}; pass "
                          f"the same extractor: PatchCore.load(path, features=...)")


def _resize(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    out = cv2.resize(img, (int(shape[1]), int(shape[0])), interpolation=cv2.INTER_AREA
                     if img.shape[0] > shape[0] else cv2.INTER_LINEAR)
    if img.ndim == 3 and out.ndim == 2:
        out = out[:, :, None]
    return out
