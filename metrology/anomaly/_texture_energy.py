"""The texture-energy channel: the local energy of a stationary texture, per band,
averaged over a window of many texture cells, against its spread on good part faces (private;
wired into :class:`~metrology.anomaly.PatchCore` by ``_energy_channel``, setting
``texture_energy``; the prototype's record: docs/anomaly_energy.md).

A patch-distance scorer compares each 12 px patch with the good patches it has seen; a defect
that *flattens* the texture (a dent, a rubbed scuff) makes patches that look like the good
parts' own smoother ones, and scores lower than their rare rough ones.  Averaged over a window
of many texture cells, the energy of a stationary texture is very stable, so a region where
the texture is weaker or stronger stands out by many spreads.  The channel:

1. *face signal*: the gray image divided by its median level on the face ROI (a lighting gain
   changes nothing), 0 off the face;
2. *bands*: differences of Gaussians, each a normalised convolution over the face (off-face
   pixels and the part's edges do not enter): ``x - G1``, ``G1 - G2``, ``G2 - G4`` (band
   centres about 1, 2, 4 px);
3. *local energy*: each band squared, averaged with a Gaussian window of :data:`WINDOW_PX`
   normalised over the face, its log, minus twice the log of the local level (the texture's
   contrast scales with the light, so a lighting ramp cancels); and a *level* band, the log
   of the local level over a wider one (:data:`LEVEL_WIDE_PX`), for stains and dents that
   change the mean;
4. *statistics*, position-free over the face: per band the median and the MAD spread of all
   face pixels of the fitting images; a pixel near the face border averages fewer pixels, its
   spread is scaled by the window's effective sample count there;
5. *signed bands*: each band's z and -z (texture stronger / weaker, level brighter /
   darker); per signed band the image statistic is the mean of its :data:`TOP_K` largest
   values on the face, standardised by its mean and spread over the fitting images (a band
   with heavy spatial tails on good faces counts for less);
6. *map and score*: per pixel the largest standardised signed band, and the image score the
   largest standardised statistic; :meth:`TextureEnergy.z` puts it in spreads of the scores
   of good parts held back from the statistics (every 5th), the scale on which
   ``scripts/anomaly_energy.py`` takes the maximum with PatchCore's z.

Every step is a handful of OpenCV Gaussian blurs on float32 images (the 32 px level at quarter
resolution) and one ``np.partition`` per image: no per-pixel loops, about 5 ms per 256 x 256.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..image.io import as_gray
from ._line_scan import eroded
from ._median import median

#: the band scales, px: bands ``x - G(s0)``, ``G(s0) - G(s1)``, ...
BAND_PX = (1.0, 2.0, 4.0)
#: the Gaussian averaging window of the local energy, px
WINDOW_PX = 5.0
#: the wider level the local level is compared with (level band), px
LEVEL_WIDE_PX = 32.0
#: pixels of the face left out of the map along its border (the window sees little face there)
ERODE_PX = 4
#: a pixel whose window holds less than this share of face weight is left out of the map
MIN_WEIGHT = 0.35
#: the image score: the mean of this many largest map pixels
TOP_K = 32
#: the face keeps this far from the part's strong edges (px), as the line channel's does
FACE_BAND_PX = 6.0
#: the spread of a signed band's image statistic (top-k mean of its z) is floored at this
CHANNEL_SD_FLOOR = 0.25
#: the spread of the image score over held-back good parts is floored at this: few parts are
#: held back, and the score is the largest of 2 n_bands standardised band statistics, whose
#: spread for independent unit normals is about 0.6 (8 of them)
STATS_SD_FLOOR = 0.5
#: spreads are floored at this (log units): a band with no texture at all is not amplified
MIN_SPREAD = 1e-3


def face_roi(images: list, band_px: float = FACE_BAND_PX, roi: np.ndarray | None = None
             ) -> np.ndarray:
    """The face of good ``images`` as the line channel takes it: the ROI (or the whole image)
    cut to the mean image's face level, :data:`FACE_BAND_PX` away from its strong edges."""
    from ._edge_band import edge_band_roi

    face = edge_band_roi(list(images), band_px, roi)
    if face is None or not face.any():
        raise InputError("texture energy: the part face (the ROI without a band along strong "
                         "edges) is empty")
    return face


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)


def _check_gray(image, name: str, shape: tuple[int, int] | None) -> np.ndarray:
    g = as_gray(image, name, dtype=np.float32)
    if shape is not None and g.shape != tuple(shape):
        raise InputError(f"{name}: size {g.shape[1]}x{g.shape[0]} differs from the fitted "
                         f"{shape[1]}x{shape[0]}")
    if not np.isfinite(g).all():
        raise InputError(f"{name}: contains NaN or infinite values")
    return g


class TextureEnergy:
    """Texture-energy channel (module docstring).  ``fit`` on good images, ``score`` any."""

    def __init__(self, roi: np.ndarray, bands=BAND_PX, window_px: float = WINDOW_PX,
                 level: bool = True, top_k: int = TOP_K):
        import cv2

        self.roi = np.asarray(roi, bool)
        self.shape = self.roi.shape
        self.bands, self.window_px, self.level, self.top_k = tuple(bands), window_px, level, top_k
        f = self.roi.astype(np.float32)
        self._f = f
        self._fw = {s: np.maximum(_blur(f, s), 1e-6) for s in set(self.bands) | {window_px}}
        w = self._fw[window_px]
        h0, w0 = self.shape
        self._small_size = (max(8, int(round(w0 / 4))), max(8, int(round(h0 / 4))))
        self._small_sigma = LEVEL_WIDE_PX * self._small_size[0] / w0
        self._small_fw = np.maximum(_blur(cv2.resize(f, self._small_size,
                                                     interpolation=cv2.INTER_AREA),
                                          self._small_sigma), 1e-6)
        # effective sample count of the normalised window, relative to the interior: the
        # variance of a weighted mean is sum(w^2) / sum(w)^2 (the square of a Gaussian of
        # sigma s is a Gaussian of sigma s / sqrt(2))
        w2 = _blur(f, window_px / np.sqrt(2.0))
        inflate = w2 / np.maximum(w * w, 1e-12)
        self.inner = eroded(self.roi, ERODE_PX) & (w > MIN_WEIGHT)
        if not self.inner.any():
            raise InputError("texture energy: the face ROI is too small (no pixel "
                             f"{ERODE_PX} px inside it with a window on the face)")
        ref = float(np.median(inflate[self.inner]))
        self._spread_scale = np.sqrt(np.maximum(inflate / ref, 1e-6)).astype(np.float32)
        self.center = np.zeros(self.n_bands, np.float32)
        self.spread = np.ones(self.n_bands, np.float32)
        self.stats = (0.0, 1.0)
        self.chan = np.stack([np.zeros(2 * self.n_bands), np.ones(2 * self.n_bands)]).astype(
            np.float32)

    @property
    def n_bands(self) -> int:
        return len(self.bands) + (1 if self.level else 0)

    # ------------------------------------------------------------------ features
    def _smooth(self, xf: np.ndarray, sigma: float) -> np.ndarray:
        out = _blur(xf, sigma)
        out /= self._fw[sigma]
        return out

    def _wide_level(self, xf: np.ndarray) -> np.ndarray:
        """The level over :data:`LEVEL_WIDE_PX` (normalised over the face), computed at
        quarter resolution (a 32 px Gaussian at full resolution is most of the cost)."""
        import cv2

        small = cv2.resize(xf, self._small_size, interpolation=cv2.INTER_AREA)
        lev = _blur(small, self._small_sigma) / self._small_fw
        return cv2.resize(lev, self.shape[::-1], interpolation=cv2.INTER_LINEAR)

    def features(self, gray: np.ndarray) -> np.ndarray:
        """(n_bands, H, W) float32 log energies (and level) of a gray float32 image."""
        # each step in place, in the order and dtype of the plain formulas (the same floats):
        # a score's texture energy is a chain of whole-image operations
        f = self._f
        x = gray / max(float(median(gray[self.roi])), 1e-6)
        xf = x * f
        lows = [xf]
        for s in self.bands:
            lo = self._smooth(xf, s)
            lo *= f
            lows.append(lo)
        wp = self.window_px
        lev = self._smooth(xf, wp)
        log_lev = np.log(np.maximum(lev, np.float32(1e-3), out=lev), out=lev)
        two_log_lev = 2.0 * log_lev
        out = np.empty((self.n_bands,) + xf.shape, np.float32)
        for i, (a, b) in enumerate(zip(lows[:-1], lows[1:])):
            d = np.subtract(a, b)
            e = self._smooth(np.multiply(d, d, out=d), wp)
            np.log(np.maximum(e, np.float32(1e-12), out=e), out=e)
            np.subtract(e, two_log_lev, out=out[i])
        if self.level:
            wide = self._wide_level(xf)
            wide = np.log(np.maximum(wide, np.float32(1e-3), out=wide), out=wide)
            np.subtract(log_lev, wide, out=out[-1])
        return out

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, images: list, roi: np.ndarray | None = None, held: np.ndarray | None = None,
            **kw) -> "TextureEnergy":
        """Per-band statistics from the images not ``held`` (bool per image; default every
        5th held back when there are at least 5), image-score mean / spread from the held
        ones (all images when none is held: then the spread is optimistic)."""
        if not isinstance(images, (list, tuple)) or len(images) < 2:
            raise InputError("texture energy: fit needs a list of at least 2 good images")
        grays = [_check_gray(im, f"images[{i}]", None) for i, im in enumerate(images)]
        shape = grays[0].shape
        for i, g in enumerate(grays):
            if g.shape != shape:
                raise InputError(f"images[{i}]: size {g.shape[1]}x{g.shape[0]} differs from "
                                 f"images[0] {shape[1]}x{shape[0]}")
        if roi is None:
            roi = np.ones(shape, bool)
        roi = np.asarray(roi)
        if roi.shape != shape or roi.dtype != bool:
            raise InputError(f"roi: expected a bool array of shape {shape}, given "
                             f"{roi.dtype} {roi.shape}")
        te = cls(roi, **kw)
        if held is None:
            held = (np.arange(len(grays)) % 5 == 4) if len(grays) >= 5 else np.zeros(
                len(grays), bool)
        held = np.asarray(held, bool)
        if held.shape != (len(grays),) or held.all():
            raise InputError("held: one bool per image, not all of them")
        fit_idx = np.flatnonzero(~held)
        feats = np.stack([te.features(grays[i])[:, te.inner] for i in fit_idx])
        flat = feats.transpose(1, 0, 2).reshape(te.n_bands, -1)
        med = np.median(flat, axis=1)
        mad = 1.4826 * np.median(np.abs(flat - med[:, None]), axis=1)
        te.center = med.astype(np.float32)
        te.spread = np.maximum(mad, MIN_SPREAD).astype(np.float32)
        # per signed band, the image statistic (top-k of its z) on the fitting images: bands
        # whose z has heavy spatial tails on good faces count for less
        # the same z as ``zmaps`` on the face pixels, from the features already computed
        scale = te.spread[:, None] * te._spread_scale[te.inner][None]
        v = np.array([te._top_stats((f - te.center[:, None]) / scale) for f in feats])
        te.chan = np.stack([v.mean(0), np.maximum(v.std(0), CHANNEL_SD_FLOOR)]).astype(
            np.float32)
        cal = [grays[i] for i in np.flatnonzero(held)] or grays
        sc = np.array([te.score(g)[1] for g in cal], np.float64)
        te.stats = (float(sc.mean()), float(max(sc.std(), STATS_SD_FLOOR)))
        return te

    # ------------------------------------------------------------------ score
    def zmaps(self, gray: np.ndarray) -> np.ndarray:
        """(n_bands, H, W) signed z per band, 0 outside the scanned face."""
        z = self.features(gray)
        z -= self.center[:, None, None]
        z /= self.spread[:, None, None] * self._spread_scale[None]
        np.copyto(z, np.float32(0.0), where=~self.inner[None])
        return z

    def _channel_stats(self, z: np.ndarray, inner: np.ndarray | None = None) -> np.ndarray:
        """(2 n_bands,): per band the mean of its :data:`TOP_K` largest inner z values, then
        per band the mean of its ``TOP_K`` largest ``-z`` (stronger, weaker texture);
        ``inner`` (default the scanned face) the pixels taken."""
        return self._top_stats(z[:, self.inner if inner is None else inner])

    def _top_stats(self, v: np.ndarray) -> np.ndarray:
        """:meth:`_channel_stats` of the z values ``v`` (n_bands, n) of the pixels taken."""
        n = v.shape[1]
        k = min(self.top_k, n)
        p = np.partition(v, [k - 1, n - k], axis=1)
        return np.concatenate([p[:, n - k:].mean(axis=1), -p[:, :k].mean(axis=1)])

    def score(self, image) -> tuple[np.ndarray, float]:
        """(map, image score): per signed band its z over the face, shifted and scaled by the
        band's image statistic (top-k mean) on the fitting images; the map per pixel the
        largest of them, the score the largest band's (top-k mean - mean) / spread."""
        g = _check_gray(image, "image", self.shape)
        z = self.zmaps(g)
        m = self.signed_map(z)
        m = np.where(self.inner, m, np.float32(m[self.inner].min()))
        return m, self.image_stat(z)

    def signed_map(self, z: np.ndarray) -> np.ndarray:
        """(H, W): per pixel the largest signed band of :meth:`zmaps` ``z``, each shifted and
        scaled by its image statistic on the fitting images."""
        nb = self.n_bands
        mu, sd = self.chan[0][:, None, None], self.chan[1][:, None, None]
        return np.maximum(((z - mu[:nb]) / sd[:nb]).max(axis=0),
                          ((-z - mu[nb:]) / sd[nb:]).max(axis=0))

    def image_stat(self, z: np.ndarray, inner: np.ndarray | None = None) -> float:
        """The image score of :meth:`zmaps` ``z``: the largest signed band's (top-k mean -
        mean) / spread over the pixels ``inner`` (default the scanned face)."""
        return float(((self._channel_stats(z, inner) - self.chan[0]) / self.chan[1]).max())

    def z(self, score: float) -> float:
        """An image score in spreads of the held-back good parts' scores."""
        return (score - self.stats[0]) / self.stats[1]
