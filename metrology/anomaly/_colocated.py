"""Co-located evidence, ``PatchCoreSettings.fusion="colocated"`` (private helper of
``_fusion``): the channels' maximum, plus the support the other channels give it at the same
place.

``"max"`` keeps the largest of the channels' image scores.  A faint mark that lifts two or
three channels a little at one place is lost there: none of them beats the texture's own hot
spots.  ``"sum"`` adds the channels' image maxima wherever each lies, so the texture's hot
spots of every channel, at different places on a good part, add up as well.  Here, per pixel
of the face the channels scan:

1. each channel's map (PatchCore's bank and every extra channel but the blob one, as
   ``"max"`` takes them) in the z units of PatchCore's good parts held back at fit
   (``pc_stats``), shifted so that its maximum on the face is its image score's z (a map and
   its image score differ: the bank's score is the mean of its top cells, the comb bands'
   maps are interpolated from their blocks, the line channel's refines its candidates);
2. spread by a maximum filter of :data:`WINDOW_PX` (the channels' maps peak a few pixels apart
   on one mark);
3. the largest of them, ``zmax``, plus :data:`SUPPORT` times the support of the others:
   ``sum_c max(z_c + OFFSET, 0) - max(zmax + OFFSET, 0)``, each channel counting from
   :data:`OFFSET` spreads under its good parts' typical maximum.

The image score is the larger of ``"max"``'s score and that sum's maximum on the face (with
:data:`SUPPORT` 0 the two are equal); the map is, on the face, the sum in PatchCore units (at
least 0) and, off it, the channels' largest map as under ``"max"`` (a missing hole the
position-aware check finds there scores as before).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: the weight of the other channels' support (0: ``"max"`` exactly)
SUPPORT = 0.25
#: a channel supports from this many spreads under its good parts' typical image maximum
OFFSET = 1.0
#: side (px) of the maximum filter each channel's z map is spread by
WINDOW_PX = 1
_OFF = np.float32(-1e6)  # a pixel a channel did not scan: it adds nothing


def layers(pc: Any, up: np.ndarray, value: float, chans: list
           ) -> tuple[np.ndarray, np.ndarray]:
    """(each channel's z map of steps 1-2 stacked, (n, H, W) float32, ``_OFF`` where it did not
    scan; the face: the pixels any extra channel but the blob one scanned) of the bank's map
    ``up`` and score ``value`` and the extra channels' (``_fusion.channel_scores``), in
    PatchCore units.  In place in one array: no temporary map per channel."""
    return _named_layers(pc, up, value, chans)[:2]


def _named_layers(pc: Any, up: np.ndarray, value: float, chans: list
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`layers`, and the name of each row's channel (``"patch"``: the bank's)."""
    import cv2

    from ._fusion import pc_stats

    mean, sd = pc_stats(pc)     # combine_colocated calls this only where it exists
    used = [(name, m, s) for name, m, s in chans if name != "blob"]
    face = np.zeros(up.shape, bool)
    for _, m, _ in used:
        face |= m != 0
    named = [("patch", up, value)] + [(nm, m, s) for nm, m, s in used if np.isfinite(s)]
    stack = np.empty((len(named),) + up.shape, np.float32)
    names = []
    n = 0
    for name, m, s in named:
        scan = face & (m != 0)
        row = stack[n]
        np.subtract(m, np.float32(mean), out=row)
        row *= np.float32(1.0 / sd)
        np.copyto(row, _OFF, where=~scan)
        top = float(row.max())      # the scanned pixels' maximum: _OFF is below any of them
        if top <= _OFF:
            continue                # scanned nowhere on the face: the row is reused
        np.add(row, np.float32((s - mean) / sd - top), out=row, where=scan)
        if WINDOW_PX > 1:
            row[:] = cv2.dilate(row, np.ones((WINDOW_PX, WINDOW_PX), np.uint8))
        names.append(name)
        n += 1
    return stack[:n], face, names


def support_sum(zs: np.ndarray) -> np.ndarray:
    """Step 3 per pixel of the stacked z maps: the largest plus :data:`SUPPORT` times the
    others' support."""
    top = zs.max(axis=0)
    pos = np.zeros(top.shape, np.float32)
    tmp = np.empty_like(pos)
    for z in zs:                    # in order: the same sums as summing the stack's axis 0
        np.add(z, np.float32(OFFSET), out=tmp)
        np.maximum(tmp, np.float32(0.0), out=tmp)
        pos += tmp
    np.add(top, np.float32(OFFSET), out=tmp)
    pos -= np.maximum(tmp, np.float32(0.0), out=tmp)
    pos *= np.float32(SUPPORT)
    return np.add(top, pos, out=pos)


def combine_colocated(pc: Any, up: np.ndarray, value: float, chans: list, fused_value: float,
                      max_map: np.ndarray) -> tuple[np.ndarray, float]:
    """The map and image score of ``fusion="colocated"`` (module docstring) in PatchCore
    units, from ``"max"``'s (``fused_value``, ``max_map``) and the maps they came from."""
    return colocated(pc, up, value, chans, fused_value, max_map)[:2]


def colocated(pc: Any, up: np.ndarray, value: float, chans: list, fused_value: float,
              max_map: np.ndarray, why: bool = False) -> tuple[np.ndarray, float, Any]:
    """:func:`combine_colocated`'s map and score, and with ``why`` what set the score where
    the sum did (None where ``"max"``'s score is kept, or without ``why``): (the channel
    largest at the sum's maximum, that pixel (row, col), the channel's z there: steps 1-2,
    in spreads of PatchCore's held-back good parts; the rest of the score is the support)."""
    from ._fusion import pc_stats

    stats = pc_stats(pc)
    if stats is None:           # no channel holds PatchCore's scale: "max" alone
        return max_map, fused_value, None
    zs, face, names = _named_layers(pc, up, value, chans)
    if not len(zs) or not face.any():
        return max_map, fused_value, None
    mean, sd = stats
    total = support_sum(zs)
    total *= np.float32(sd)
    total += np.float32(mean)       # off the face every row is _OFF: far below any face value
    out = np.where(face, np.maximum(total, np.float32(0.0)), max_map).astype(np.float32)
    score = max(fused_value, float(total.max()))
    if not why or score == fused_value:
        return out, score, None
    at = np.unravel_index(int(np.argmax(total)), total.shape)    # where the score is
    i = int(np.argmax(zs[(slice(None),) + at]))
    return out, score, (names[i], (int(at[0]), int(at[1])), float(zs[i][at]))
