"""The chroma channel of :class:`~metrology.anomaly.PatchCore` (``chroma_scan``, default
``"auto"``: on when the bank is fitted on colour images; private helper of ``patchcore``).

Every other channel sees the image as gray, so a discolouration that keeps the luminance (heat
tint, a dye or passivation colour change, a coloured film) is invisible to them.  This channel:

1. *chroma*: the opponent chromaticities ``(R - G) / S`` and ``(R + G - 2 B) / S`` with
   ``S = R + G + B`` plus :data:`FLOOR` of its mean, and at least that (a lighting gain
   changes nothing; dark pixels' noise is damped);
2. *deviation*: each smoothed by a Gaussian of :data:`SIGMA_PX` minus its local background (a
   Gaussian of :data:`BACKGROUND_PX`), so a part's overall colour and its slow colour drift
   do not count, a mark of a few to a few tens of pixels does;
3. *whitening*: the squared Mahalanobis length of that 2-vector under its covariance on the
   good training faces (each principal variance at least 1e-3 of the larger and
   :data:`NO_COLOUR_VAR`; faces with no colour at all leave the channel off), the root of it
   as the map; pixels near a saturated channel (at
   :data:`SATURATED` of the dtype's range, widened by :data:`SAT_DILATE_PX`) read 0, since a
   clipped channel makes up a colour;
4. *score*: the mean of the :data:`TOP_K` largest map values on the face (the line channel's
   face ROI, :data:`BORDER_PX` inside the image), put in PatchCore's units through the good
   parts held back at fit (every 5th), as the texture-energy channel is.

Measured (docs/anomaly-log.md, *Colour parts: the chroma channel*): rule 39.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError, InputError

#: chroma smoothing and local background scales (px), the floor on ``S`` (share of its mean)
SIGMA_PX = 1.5
BACKGROUND_PX = 8.0
FLOOR = 0.05
#: largest map values averaged into the image score
TOP_K = 16
#: a channel at this share of its dtype's range is saturated; the pixels this near it skip
SATURATED = 0.98
SAT_DILATE_PX = 2
#: the face is kept this far inside the image (its blurs' reflected border)
BORDER_PX = 8
#: the extractors (by name) with which ``"auto"`` turns the channel on: where it was measured
#: (classical: rule 39; efficientnet-lite0, whose features see the colour image yet miss a
#: change that keeps the luminance: docs/anomaly-log.md, *Colour parts: the chroma channel*)
AUTO_FEATURES = ("classical", "efficientnet-lite0")
#: variance of the chroma deviation below which a face carries no colour (about the rounding
#: noise of 8-bit channels after the smoothing: 2e-4 squared)
NO_COLOUR_VAR = 4e-8
#: the bank's arrays of the channel
ARRAYS = ("chroma_roi", "chroma_icov")


def _planes(image: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """B, G, R float32 planes of a colour image and its saturated pixels (H, W) bool."""
    import cv2

    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise InputError(f"chroma_scan: expected a colour image (H, W, 3 or 4), given shape "
                         f"{image.shape}")
    planes = cv2.split(np.ascontiguousarray(image))[:3] if image.dtype in (np.uint8, np.uint16) \
        else [np.ascontiguousarray(image[..., i]) for i in range(3)]
    if image.dtype.kind in "ui":
        top = np.iinfo(image.dtype).max
        hi = cv2.max(cv2.max(planes[0], planes[1]), planes[2]) \
            if image.dtype in (np.uint8, np.uint16) else np.maximum.reduce(planes)
        sat = hi >= SATURATED * top
    else:
        sat = np.zeros(image.shape[:2], bool)
    planes = [p.astype(np.float32) for p in planes]
    if image.dtype.kind == "f" and not all(np.isfinite(p).all() for p in planes):
        raise InputError("chroma_scan: the image contains NaN or infinite values")
    return planes, sat


def _background(c: np.ndarray) -> np.ndarray:
    """Gaussian of :data:`BACKGROUND_PX` of ``c``, computed at a quarter of its resolution
    (a box of 4 and the rest of the variance) and brought back bilinearly: it is smooth."""
    import cv2

    h, w = c.shape
    f = 4 if min(h, w) >= 64 else 1
    if f == 1:
        return cv2.GaussianBlur(c, (0, 0), BACKGROUND_PX, borderType=cv2.BORDER_REFLECT)
    small = cv2.resize(c, (w // f, h // f), interpolation=cv2.INTER_AREA)
    sr = float(np.sqrt(BACKGROUND_PX ** 2 - (f * f - 1) / 12.0)) / f
    small = cv2.GaussianBlur(small, (0, 0), sr, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def deviation(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 2) float32 chroma deviation of a colour image from its local background, and
    the pixels near a saturated channel (module docstring, items 1-2)."""
    import cv2

    (b, g, r), sat = _planes(image)
    s = b + g + r
    floor = np.float32(FLOOR * max(float(s.mean()), 1e-6))
    s = np.maximum(s + floor, floor)  # the same for images >= 0; never 0 for others
    out = []
    for c in ((r - g) / s, (r + g - 2 * b) / s):
        out.append(cv2.GaussianBlur(c, (0, 0), SIGMA_PX, borderType=cv2.BORDER_REFLECT)
                   - _background(c))
    if sat.any():
        k = 2 * SAT_DILATE_PX + 1
        sat = cv2.dilate(sat.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    return np.stack(out, axis=-1), sat


class ChromaScan:
    """A fitted chroma channel (module docstring): face, inverse covariance, score
    statistics of the held-back good parts and PatchCore's on the same parts."""

    def __init__(self, roi: np.ndarray, icov: np.ndarray, stats: tuple[float, float],
                 pc_stats: tuple[float, float]):
        self.roi = roi
        self.icov = icov.astype(np.float32)
        self.stats = (float(stats[0]), float(stats[1]))
        self.pc_stats = (float(pc_stats[0]), float(pc_stats[1]))

    @staticmethod
    def inner(face: np.ndarray) -> np.ndarray:
        """The face kept :data:`BORDER_PX` inside the image."""
        out = face.copy()
        b = BORDER_PX
        out[:b], out[-b:], out[:, :b], out[:, -b:] = False, False, False, False
        return out

    def distance(self, image: np.ndarray) -> np.ndarray:
        """(H, W) float32 whitened chroma deviation, 0 off the face and near saturation."""
        d, sat = deviation(image)
        if d.shape[:2] != self.roi.shape:
            raise InputError(f"chroma_scan: image size {d.shape[1]}x{d.shape[0]} differs from "
                             f"the fitted {self.roi.shape[1]}x{self.roi.shape[0]}")
        a, u, v = self.icov, d[..., 0], d[..., 1]
        q = a[0, 0] * u * u + (a[0, 1] + a[1, 0]) * u * v + a[1, 1] * v * v
        keep = self.roi & ~sat if sat.any() else self.roi
        return np.where(keep, np.sqrt(np.maximum(q, np.float32(0))), np.float32(0))

    def raw_score(self, m: np.ndarray, mask: np.ndarray | None = None) -> float:
        """Mean of the :data:`TOP_K` largest values of map ``m`` on the face (cut to
        ``mask``)."""
        keep = self.roi if mask is None else self.roi & (mask > 0)
        v = m[keep]
        if v.size == 0:
            return -np.inf
        k = min(TOP_K, v.size)
        return float(np.partition(v, v.size - k)[v.size - k:].mean())

    def to_patchcore_units(self, v):
        """Chroma values in PatchCore's image-score units (as the texture-energy channel)."""
        m, sd = self.stats
        return np.float32(self.pc_stats[0]) + np.float32(self.pc_stats[1] / sd) * (
            v - np.float32(m))

    def score(self, image: np.ndarray, mask: np.ndarray | None = None
              ) -> tuple[np.ndarray, float]:
        """(map (H, W) float32 in PatchCore units, 0 off the face; image score in PatchCore
        units) of a colour image; ``mask``: an ROI set after the fit, which cuts both."""
        m = self.distance(image)
        if mask is not None:
            m = np.where(mask > 0, m, np.float32(0))
        value = self.raw_score(m, mask)
        out = np.where(m > 0, self.to_patchcore_units(m), np.float32(0))
        return out.astype(np.float32, copy=False), float(self.to_patchcore_units(value))

    @classmethod
    def fit(cls, images: list[np.ndarray], held: np.ndarray, face: np.ndarray,
            pc_stats: tuple[float, float]) -> "ChromaScan":
        """Covariance of the deviation on the faces of the images not ``held``, score
        statistics on the held ones."""
        roi = cls.inner(face)
        if not roi.any():
            raise InputError("chroma_scan: the part face is empty")
        samples = []
        for im in (im for im, h in zip(images, held) if not h):
            d, sat = deviation(im)
            samples.append(d[roi & ~sat][::3])
        v = np.concatenate(samples).astype(np.float64)
        if len(v) < 50:
            raise InputError("chroma_scan: too few unsaturated face pixels to learn from")
        w, vec = np.linalg.eigh(np.cov(v.T))
        if w.max() < NO_COLOUR_VAR:
            raise InputError("chroma_scan: the training images carry no colour (their "
                             "channels are equal, or nearly): fit them as gray")
        # a direction without variation (two channels equal) would weigh its rounding noise
        # by millions: its variance is kept at least 1e-3 of the other's and the noise floor
        w = np.maximum(w, max(w.max() * 1e-3, NO_COLOUR_VAR))
        scan = cls(roi, (vec / w) @ vec.T, (0.0, 1.0), pc_stats)
        vals = np.array([scan.raw_score(scan.distance(im)) for im, h in zip(images, held) if h])
        if not np.all(np.isfinite(vals)):
            raise InputError("chroma_scan: a held-back good part has no unsaturated face")
        sd = max(float(vals.std()), 0.01 * abs(float(vals.mean())), 1e-9)
        scan.stats = (float(vals.mean()), sd)
        return scan

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        return {"chroma_roi": self.roi.astype(np.uint8), "chroma_icov": self.icov}

    def params(self) -> dict:
        return {"sigma_px": SIGMA_PX, "background_px": BACKGROUND_PX, "floor": FLOOR,
                "top_k": TOP_K, "saturated": SATURATED, "sat_dilate_px": SAT_DILATE_PX,
                "border_px": BORDER_PX, "score_mean": self.stats[0], "score_sd": self.stats[1],
                "patchcore_mean": self.pc_stats[0], "patchcore_sd": self.pc_stats[1]}

    @classmethod
    def from_arrays(cls, arrays: dict, params: Any, image_shape: tuple[int, int],
                    where: str) -> "ChromaScan":
        """Rebuild from a bank's arrays and header (:class:`FileFormatError` if damaged)."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: chroma channel: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'chroma_scan' is not an object")
        for k in ARRAYS:
            if k not in arrays:
                raise bad(f"array {k!r} is missing")
        consts = {"sigma_px": SIGMA_PX, "background_px": BACKGROUND_PX, "floor": FLOOR,
                  "top_k": TOP_K, "saturated": SATURATED, "sat_dilate_px": SAT_DILATE_PX,
                  "border_px": BORDER_PX}
        if any(params.get(k) != v for k, v in consts.items()):
            raise bad("written with other constants (scales, floor, top-k, saturation); re-fit")
        try:
            nums = [float(params[k]) for k in ("score_mean", "score_sd", "patchcore_mean",
                                               "patchcore_sd")]
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if not all(np.isfinite(v) for v in nums) or min(nums[1], nums[3]) <= 0:
            raise bad("score statistics are not finite numbers (spreads > 0)")
        roi, icov = arrays["chroma_roi"], arrays["chroma_icov"]
        if roi.shape != tuple(image_shape) or roi.dtype.kind not in "biu" or not roi.any():
            raise bad(f"array 'chroma_roi': expected a non-empty mask of shape {image_shape}")
        if icov.shape != (2, 2) or icov.dtype.kind != "f" or not np.all(np.isfinite(icov)) \
                or np.linalg.eigvalsh((icov + icov.T) / 2).min() <= 0:
            raise bad("array 'chroma_icov': expected a finite positive-definite 2 x 2 matrix")
        return cls(roi.astype(bool), icov, (nums[0], nums[1]), (nums[2], nums[3]))


def fit_chroma_state(pc: Any, imgs: list[np.ndarray], held_index: Any,
                     roi: np.ndarray | None) -> None:
    """Set ``pc._chroma`` as ``settings.chroma_scan`` asks (None when off) and
    ``pc.info["chroma_scan"]``; ``True`` raises what ``"auto"`` reports."""
    pc._chroma = None  # a previous fit's channel never outlives a failed re-fit
    pc._chroma, pc.info["chroma_scan"] = _fit_chroma(pc, imgs, held_index, roi)


def _fit_chroma(pc: Any, imgs: list[np.ndarray], held_index: Any, roi: np.ndarray | None
                ) -> tuple[ChromaScan | None, str]:
    import time

    from ._patchcore_parts import held_and_face, held_patchcore_stats

    mode = pc.settings.chroma_scan
    if mode is False:
        return None, "off"
    if mode == "auto" and pc.features.name not in AUTO_FEATURES:
        return None, (f"off: 'auto' uses it with the {' and '.join(AUTO_FEATURES)} features "
                      f"only (measured there)")
    if mode == "auto" and pc.settings.image_score == "reweighted":
        return None, "off: 'auto' does not combine it with the reweighted image score"
    t0 = time.perf_counter()
    try:
        if pc.image_channels == 1:
            raise InputError("chroma_scan: the training images are gray (it needs colour)")
        held, face = held_and_face(pc, imgs, held_index, roi, "chroma_scan")
        line = getattr(pc, "_line", None)
        stats = line.pc_stats if line is not None else held_patchcore_stats(pc, imgs, held,
                                                                             held_index)
        scan = ChromaScan.fit(imgs, held, face, stats)
    except InputError as exc:
        if mode is True:
            raise
        return None, f"off: {exc}"
    pc.info["chroma_scan_seconds"] = round(time.perf_counter() - t0, 4)
    return scan, "on"
