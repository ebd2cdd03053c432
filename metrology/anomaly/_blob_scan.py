"""The blob channel of :class:`~metrology.anomaly.PatchCore`: the line channel's whitened
search made with round blobs instead of lines (private helper of ``patchcore``; on with the
line channel, whose face signal and power spectrum it shares).

Spots, pits, small stains and dents are compact: the matched filter of a compact shape in a
stationary texture is the shape's template whitened by the texture's power spectrum, as for a
line (``_line_scan``).  The channel correlates the half-resolution face signal with Gaussian
blobs of :data:`BLOB_PX` (full-resolution sigma), each response over its spread on the good
parts held back from the spectrum, takes the absolute value (dark and bright alike) and per
pixel the largest over the sizes; the image score is the map's maximum, put in spreads of the
held-back good parts' scores.  Measured on the quick development sets (docs/anomaly-log.md, *Sum
of the channels' z-scores and the blob channel*).

One batched inverse FFT of four precomputed kernels per image; no per-pixel loops.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError, InputError
from ._line_scan import SCALE, LineScan, _fft, correlate, face_signal, held_stats

#: the blob sizes searched: Gaussian sigma at full resolution (px)
BLOB_PX = (1.0, 2.0, 3.5, 6.0)
#: the smallest sigma at half resolution (a finer one is one pixel)
MIN_SIGMA_HALF = 0.5
#: the largest blob sigma a bank may give (px, full resolution)
MAX_BLOB_PX = 32.0


def blob_templates(shape: tuple[int, int], sigmas: tuple[float, ...]) -> np.ndarray:
    """(n, h, w // 2 + 1) complex64: rfft2 of unit-energy Gaussian blobs centred on pixel
    (0, 0) (circularly) of the half-resolution grid ``shape``."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r2 = (yy - h // 2) ** 2 + (xx - w // 2) ** 2
    out = np.empty((len(sigmas), h, w // 2 + 1), np.complex64)
    for i, s in enumerate(sigmas):
        sh = max(s * SCALE, MIN_SIGMA_HALF)
        g = np.exp(-0.5 * r2 / sh ** 2)
        g /= np.sqrt(np.sum(g ** 2))
        out[i] = _fft().rfft2(np.fft.ifftshift(g))
    return out


class BlobScan:
    """Fitted blob channel on a fitted :class:`LineScan` (its face, spectrum and held-back
    PatchCore statistics): per-size spread and image-score statistics."""

    def __init__(self, line: LineScan, sigmas=BLOB_PX, spread: np.ndarray | None = None):
        self.line = line
        self.sigmas = tuple(float(s) for s in sigmas)
        self.spread = (np.ones(len(self.sigmas), np.float32) if spread is None
                       else np.asarray(spread, np.float32))
        self._tf = blob_templates(line.roi_small.shape, self.sigmas)
        self._kernels = self._make_kernels()
        self.stats = (0.0, 1.0)

    def _make_kernels(self) -> np.ndarray:
        k = np.conj(self._tf) / self.line.psd[None]
        return (k / self.spread[:, None, None]).astype(np.complex64)

    def _evidence(self, x: np.ndarray) -> np.ndarray:
        r = correlate(x, self._kernels)
        return np.where(self.line.inner, np.abs(r).max(axis=0), np.float32(0.0)).astype(
            np.float32, copy=False)

    @classmethod
    def fit(cls, line: LineScan, grays: list[np.ndarray], held: np.ndarray,
            sigmas=BLOB_PX) -> "BlobScan":
        """Per-size spread and score statistics from the ``held`` good parts (gray float32),
        as the line channel takes its own."""
        bs = cls(line, sigmas)
        idx = [i for i in range(len(grays)) if held[i]] or list(range(len(grays)))
        xs = [face_signal(grays[i], line.roi_small, line.weight) for i in idx]
        r = np.stack([correlate(x, bs._kernels)[:, line.inner] for x in xs])
        bs.spread = np.maximum(r.std(axis=(0, 2)), 1e-12).astype(np.float32)
        bs._kernels = bs._make_kernels()
        bs.stats = held_stats([bs._evidence(x).max() for x in xs], line.inner)
        return bs

    def to_patchcore_units(self, v):
        """Blob evidence in PatchCore's image-score units (as the line channel's)."""
        m, sd = self.line.pc_stats
        a = sd / self.stats[1]
        return np.float32(m) + np.float32(a) * (v - np.float32(self.stats[0]))

    def score(self, gray: np.ndarray) -> tuple[np.ndarray, float]:
        """(map (H, W) float32 of the evidence at full resolution, image score: its max)."""
        import cv2

        ev = self._evidence(face_signal(gray, self.line.roi_small, self.line.weight))
        h, w = self.line.image_shape
        return cv2.resize(ev, (w, h), interpolation=cv2.INTER_LINEAR), float(ev.max())

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        return {"blob_spread": self.spread}

    def params(self) -> dict:
        return {"sigmas_px": list(self.sigmas), "min_sigma_half": MIN_SIGMA_HALF,
                "score_mean": self.stats[0], "score_sd": self.stats[1]}

    @classmethod
    def from_arrays(cls, line: LineScan, arrays: dict, params, where: str) -> "BlobScan":
        """Rebuild on the bank's line channel; a damaged entry raises :class:`FileFormatError`."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: blob channel: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'blob_scan' is not an object")
        if "blob_spread" not in arrays:
            raise bad("array 'blob_spread' is missing")
        try:
            sigmas = tuple(float(s) for s in params["sigmas_px"])
            mean, sd = float(params["score_mean"]), float(params["score_sd"])
            min_half = float(params["min_sigma_half"])
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if min_half != MIN_SIGMA_HALF:
            raise bad("written with other constants; re-fit it")
        if not sigmas or not all(np.isfinite(s) and 0 < s <= MAX_BLOB_PX for s in sigmas):
            raise bad(f"'sigmas_px': expected sizes in (0, {MAX_BLOB_PX:g}] px")
        if not (np.isfinite(mean) and np.isfinite(sd) and sd > 0):
            raise bad("'score_mean' / 'score_sd' are not finite numbers (spread > 0)")
        spread = arrays["blob_spread"]
        if spread.shape != (len(sigmas),) or spread.dtype.kind != "f" or \
                not np.all(np.isfinite(spread)) or np.any(spread <= 0):
            raise bad(f"array 'blob_spread': expected {len(sigmas)} positive finite values")
        bs = cls(line, sigmas, spread)
        bs.stats = (mean, sd)
        return bs


def fit_blob_channel(line: LineScan | None, imgs: list[np.ndarray]) -> BlobScan | None:
    """The blob channel on the fitted line channel (None without one), every 5th image held
    back as the line channel holds them."""
    from ..image.io import as_gray

    if line is None:
        return None
    if len(imgs) < 5:
        raise InputError(f"blob channel: needs at least 5 good images, given {len(imgs)}")
    held = np.arange(len(imgs)) % 5 == 4
    grays = [as_gray(imgs[i], "images", dtype=np.float32) if held[i] else None
             for i in range(len(imgs))]
    return BlobScan.fit(line, grays, held)
