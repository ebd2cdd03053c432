"""Co-located evidence, ``PatchCoreSettings.fusion="colocated"`` (private helper of
``patchcore`` and ``_fusion``): the image score and map of the channels' evidence added up
where it lies together.

``"max"`` takes each channel's image maximum and keeps the largest; ``"sum"`` adds those
maxima wherever on the face each lies.  Both lose a faint defect that lifts two or three
channels a little at the same place: under ``"max"`` none of them beats the largest of the
texture's own hot spots, and under ``"sum"`` the texture's hot spots of every channel, which
lie at different places on a good part, add up as well.  Here, per pixel:

1. each map (PatchCore's bank and every extra channel but the blob one, as ``"max"`` takes
   them) in the z units of PatchCore's good parts held back at fit (``pc_stats``): a channel's
   image maximum on a good part is then about 0 +- 1;
2. spread by a maximum filter of :data:`WINDOW_PX` (the channels' maps peak a few pixels apart
   on one mark: the bank's map is smoothed at its cell size, the scans' maps are not);
3. ``max(z + OFFSET, 0)`` summed over the channels that scanned the pixel: a channel counts
   from :data:`OFFSET` spreads under its typical good maximum, so one channel's strong answer
   still decides alone, and two or three moderate ones at the same place add up;
4. the image's evidence is the sum's maximum over the pixels scanned, put on PatchCore's
   scale through the mean and spread of that maximum on the good parts held back at fit
   (:func:`held_stats`, stored in the bank), the map the same per pixel (at least 0).

Off the face the channels scan (holes, background, the edge band) only the bank's map
counts, so a missing or extra feature the position-aware check finds there is scored as
before, on the same scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: a channel counts from this many spreads under its good parts' typical image maximum
OFFSET = 1.0
#: side (px) of the maximum filter each channel's z map is spread by before the sum
WINDOW_PX = 5
#: the spread of the held-back maxima is at least this share of their mean (as PatchCore's)
SD_FLOOR = 0.01
_OFF = np.float32(-1e6)  # a pixel a channel did not scan: it adds nothing


def evidence(pc: Any, up: np.ndarray, chans: list) -> tuple[np.ndarray, np.ndarray]:
    """(per-pixel sum of step 3, float32; the pixels scanned, bool) of the bank's map ``up``
    and the extra channels' maps ``chans`` (``_fusion.channel_scores``), all in PatchCore
    units, 0 where not scanned."""
    import cv2

    from ._fusion import pc_stats

    mean, sd = pc_stats(pc)
    kernel = np.ones((WINDOW_PX, WINDOW_PX), np.uint8)
    face = np.zeros(up.shape, bool)
    for name, m, _ in chans:
        if name != "blob":
            face |= m != 0
    acc = np.zeros(up.shape, np.float32)
    scale = np.float32(1.0 / sd)
    layers = [np.where(face, up, np.float32(0.0))] + [m for name, m, _ in chans
                                                        if name != "blob"]
    for m in layers:
        z = np.where(m != 0, (m - np.float32(mean)) * scale, _OFF).astype(np.float32)
        z = cv2.dilate(z, kernel) if WINDOW_PX > 1 else z
        acc += np.maximum(z + np.float32(OFFSET), np.float32(0.0))
    off = ~face & (up != 0)   # off the scanned face: the bank's map alone
    if off.any():
        z_off = (up - np.float32(mean)) * scale + np.float32(OFFSET)
        acc = np.where(off, np.maximum(z_off, np.float32(0.0)), acc)
    return acc, face | (up != 0)


def combine_colocated(pc: Any, up: np.ndarray, value: float, chans: list
                      ) -> tuple[np.ndarray, float]:
    """The map and image score of ``fusion="colocated"`` (module docstring) in PatchCore
    units; PatchCore's own ``up`` and ``value`` when there are no extra channels."""
    if not chans or getattr(pc, "_coloc_stats", None) is None:
        return up, value
    acc, scanned = evidence(pc, up, chans)
    if not scanned.any():
        return up, value
    from ._fusion import pc_stats

    mean, sd = pc_stats(pc)
    s_mean, s_sd = pc._coloc_stats
    gain = np.float32(sd / s_sd)
    mapped = np.float32(mean) + gain * (acc - np.float32(s_mean))
    out = np.where(scanned, np.maximum(mapped, np.float32(0.0)), np.float32(0.0))
    top = float(acc[scanned].max())
    return out.astype(np.float32), float(mean + sd * (top - s_mean) / s_sd)


def held_stats(pc: Any, imgs: list[np.ndarray], held_index: Any) -> tuple[float, float]:
    """Mean and spread of the evidence's maximum (step 4) on the good parts held back at fit
    (every 5th), their bank map taken against the bank built without them (``held_index``,
    as ``_patchcore_parts.held_patchcore_stats`` scores them)."""
    from ._fusion import channel_scores

    tops = []
    for i in range(4, len(imgs), 5):
        img, _ = pc._prepare(imgs[i])
        chans = channel_scores(pc, img, None)
        if not chans:
            continue
        acc, scanned = evidence(pc, held_bank_map(pc, img, held_index), chans)
        if scanned.any():
            tops.append(float(acc[scanned].max()))
    if not tops:
        return None
    t = np.asarray(tops, np.float64)
    return float(t.mean()), float(max(t.std(), SD_FLOOR * abs(t.mean()), 1e-9))


def held_bank_map(pc: Any, img: np.ndarray, held_index: Any) -> np.ndarray:
    """The bank's full-resolution map of a held-back good part (``score``'s, not aligned)
    against ``held_index``."""
    import cv2

    from ._patchcore_parts import _rings

    f = pc._normalise(pc._raw_patches(img))
    h, w, c = f.shape
    raw = held_index.query(f.reshape(-1, c), k=1)[0][:, 0].reshape(h, w)
    if pc._ring_scale is not None:
        raw = raw / pc._ring_scale[np.minimum(_rings((h, w)), len(pc._ring_scale) - 1)]
    cells, pixel_mask = pc._view(False)
    raw = np.where(cells, raw, np.float32(0.0)).astype(np.float32)
    sm = pc._smooth(raw, cells)
    st = pc.features.stride
    up = cv2.resize(sm, (w * st, h * st), interpolation=cv2.INTER_LINEAR)
    up = up[:img.shape[0], :img.shape[1]]
    return up * pixel_mask if pixel_mask is not None else up
