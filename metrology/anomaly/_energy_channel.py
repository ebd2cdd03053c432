"""The texture-energy channel of :class:`~metrology.anomaly.PatchCore`
(``texture_energy``, default ``"auto"``: on with the classical and the EfficientNet-Lite0, 1
and 2 features; private helper of ``patchcore``).

:class:`~metrology.anomaly._texture_energy.TextureEnergy` (band log-energies of the face texture
over a 5 px window against their position-free statistics on good faces, docs/anomaly_energy.md)
wired in as the line channel is: fitted on the training images with every 5th held back, its
image score put in PatchCore's units through the mean and spread of both channels' scores on
those held-back good parts (PatchCore's against the bank built without them); the map of the
scorer is the larger of the channels, the score as ``settings.fusion`` says (``_fusion``).  In
the bank: the arrays ``energy_roi``,
``energy_center``, ``energy_spread``, ``energy_chan`` and the header ``texture_energy``
(constants and score statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError, InputError
from ..image.io import as_gray
from . import _texture_energy as te_mod
from ._texture_energy import FACE_BAND_PX, TextureEnergy, face_roi

#: the largest band or window scale (px) a bank may give (the channel's are 1-5 px)
MAX_SCALE_PX = 64.0
#: the bank's arrays of the channel
ARRAYS = ("energy_roi", "energy_center", "energy_spread", "energy_chan")
#: the extractors (by name) with which ``"auto"`` turns the channel on: where it was measured
#: against the channel off (classical: 2026-12-04 late night; the pretrained default
#: extractor: 2026-12-04/05 night, benchmark part ``deepchan``, docs/anomaly.md)
AUTO_FEATURES = ("classical", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")


class EnergyChannel:
    """A fitted :class:`TextureEnergy` and both channels' held-back score statistics."""

    def __init__(self, te: TextureEnergy, pc_stats: tuple[float, float]):
        self.te = te
        self.pc_stats = (float(pc_stats[0]), float(pc_stats[1]))

    def to_patchcore_units(self, v):
        """Energy values ``v`` (the image score's units) in PatchCore's image-score units:
        their z over the held-back good parts' energy scores, mapped through the mean and
        spread of the same parts' PatchCore scores (the maximum of the two then orders
        images as the maximum of the channels' z-scores does)."""
        m, sd = self.te.stats
        a = self.pc_stats[1] / sd
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(m))

    def score(self, gray: np.ndarray, mask: np.ndarray | None = None
              ) -> tuple[np.ndarray, float]:
        """(map (H, W) float32 in PatchCore units, 0 off the scanned face; image score in
        PatchCore units).  ``mask`` (pixels kept, e.g. an ROI set after the fit) cuts the
        face the statistics are taken on."""
        te = self.te
        inner = te.inner if mask is None else te.inner & (mask > 0)
        if not inner.any():
            return np.zeros(te.shape, np.float32), -np.inf
        z = te.zmaps(gray)
        value = te.image_stat(z, inner)
        out = np.where(inner, self.to_patchcore_units(te.signed_map(z)), np.float32(0.0))
        return out.astype(np.float32, copy=False), float(self.to_patchcore_units(value))

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        te = self.te
        return {"energy_roi": te.roi.astype(np.uint8), "energy_center": te.center,
                "energy_spread": te.spread, "energy_chan": te.chan}

    def params(self) -> dict:
        te = self.te
        return {"bands_px": list(te.bands), "window_px": te.window_px, "level": te.level,
                "top_k": te.top_k, "level_wide_px": te_mod.LEVEL_WIDE_PX,
                "erode_px": te_mod.ERODE_PX, "min_weight": te_mod.MIN_WEIGHT,
                "score_mean": te.stats[0], "score_sd": te.stats[1],
                "patchcore_mean": self.pc_stats[0], "patchcore_sd": self.pc_stats[1]}

    @classmethod
    def from_arrays(cls, arrays: dict, params: Any, image_shape: tuple[int, int],
                    where: str) -> "EnergyChannel":
        """Rebuild from a bank's arrays and header; a damaged or inconsistent entry raises
        :class:`FileFormatError`."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: texture-energy channel: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'texture_energy' is not an object")
        for k in ARRAYS:
            if k not in arrays:
                raise bad(f"array {k!r} is missing")
        try:
            bands = tuple(float(b) for b in params["bands_px"])
            window, top_k = float(params["window_px"]), params["top_k"]
            level = params["level"]
            nums = [float(params[k]) for k in ("score_mean", "score_sd", "patchcore_mean",
                                               "patchcore_sd")]
            consts = (float(params["level_wide_px"]), params["erode_px"],
                      float(params["min_weight"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if consts != (te_mod.LEVEL_WIDE_PX, te_mod.ERODE_PX, te_mod.MIN_WEIGHT):
            raise bad("written with other constants (level, erosion, weight); re-fit it")
        if not isinstance(level, bool) or isinstance(top_k, bool) or \
                not isinstance(top_k, int) or top_k < 1 or not bands or \
                not all(np.isfinite(b) and 0 < b <= MAX_SCALE_PX for b in bands + (window,)):
            raise bad(f"'bands_px', 'window_px' (in (0, {MAX_SCALE_PX:g}] px), 'level' or "
                  f"'top_k' is invalid")
        if not all(np.isfinite(v) for v in nums) or min(nums[1], nums[3]) <= 0:
            raise bad("score statistics are not finite numbers (spreads > 0)")
        nb = len(bands) + (1 if level else 0)
        roi = arrays["energy_roi"]
        if roi.shape != tuple(image_shape) or roi.dtype.kind not in "biu" or not roi.any():
            raise bad(f"array 'energy_roi': expected a non-empty mask of shape {image_shape}")
        for k, shape in (("energy_center", (nb,)), ("energy_spread", (nb,)),
                         ("energy_chan", (2, 2 * nb))):
            a = arrays[k]
            if a.shape != shape or a.dtype.kind != "f" or not np.all(np.isfinite(a)):
                raise bad(f"array {k!r}: expected finite values of shape {shape}, given "
                          f"{a.dtype} {a.shape}")
        if np.any(arrays["energy_spread"] <= 0) or np.any(arrays["energy_chan"][1] <= 0):
            raise bad("arrays 'energy_spread' / 'energy_chan': spreads must be > 0")
        try:
            te = TextureEnergy(roi.astype(bool), bands, window, level, top_k)
        except (InputError, ValueError) as exc:
            raise bad(str(exc)) from None
        te.center = arrays["energy_center"].astype(np.float32)
        te.spread = arrays["energy_spread"].astype(np.float32)
        te.chan = arrays["energy_chan"].astype(np.float32)
        te.stats = (nums[0], nums[1])
        return cls(te, (nums[2], nums[3]))


def fit_energy_channel(pc: Any, imgs: list[np.ndarray], held_index: Any,
                       roi: np.ndarray | None) -> EnergyChannel:
    """The channel on the training images ``imgs`` (every 5th held back, as the line
    channel's), PatchCore's held-back statistics taken from the line channel when it is on
    (the same parts against the same bank), else measured here."""
    from ._patchcore_parts import held_patchcore_stats

    if held_index is None or len(imgs) < 5:
        raise InputError(f"texture_energy: needs at least 5 good images (every 5th is held "
                         f"back to put the channels on one scale), given {len(imgs)}")
    held = np.arange(len(imgs)) % 5 == 4
    grays = [as_gray(im, "images", dtype=np.float32) for im in imgs]
    face = face_roi(grays, max(pc._band_px, FACE_BAND_PX), roi)
    te = TextureEnergy.fit(grays, face, held)
    line = getattr(pc, "_line", None)
    stats = line.pc_stats if line is not None else held_patchcore_stats(pc, imgs, held,
                                                                         held_index)
    return EnergyChannel(te, stats)


def fit_state(pc: Any, imgs: list[np.ndarray], held_index: Any, roi: np.ndarray | None
              ) -> tuple[EnergyChannel | None, str]:
    """The channel as ``settings.texture_energy`` asks (None when off) and the state for
    ``info["texture_energy"]``; ``True`` raises what ``"auto"`` reports."""
    mode = pc.settings.texture_energy
    pc._energy = None  # a previous fit's channel never outlives a failed re-fit
    if mode is False:
        return None, "off"
    if mode == "auto" and pc.features.name not in AUTO_FEATURES:
        return None, ("off: 'auto' uses it with the classical and efficientnet-lite features "
                      "only (measured there)")
    if mode == "auto" and pc.settings.image_score == "reweighted":
        return None, "off: 'auto' does not combine it with the reweighted image score"
    import time

    t0 = time.perf_counter()
    try:
        ch = fit_energy_channel(pc, imgs, held_index, roi)
        pc.info["texture_energy_seconds"] = round(time.perf_counter() - t0, 4)
        return ch, "on"
    except InputError as exc:
        if mode is True:
            raise
        return None, f"off: {exc}"


def energy_scores(channel: EnergyChannel, gray: np.ndarray, pixel_mask: np.ndarray | None
                  ) -> tuple[np.ndarray, float]:
    """The channel's map (0 off the face it scanned) and image score in PatchCore units for
    a gray float32 image; an ROI set after the fit (``pixel_mask``) that cuts into the face
    limits both to it."""
    mask = None
    if pixel_mask is not None and not np.all(pixel_mask[channel.te.inner] > 0):
        mask = pixel_mask  # an ROI set after the fit cuts into the face: it counts inside only
    return channel.score(gray, mask)
