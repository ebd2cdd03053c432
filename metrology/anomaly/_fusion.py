"""How :class:`~metrology.anomaly.PatchCore` combines its channels (private helper of
``patchcore``): the patch bank's map and score with the line, blob, jet (its head and comb),
discriminator, texture-energy and chroma channels'.

Every channel's score is put on PatchCore's scale through the good parts held back at fit
(its z over their scores, mapped through the mean and spread of their PatchCore scores).  The
map is per pixel the largest of the channels' maps (where each scanned).  The image score
(``settings.fusion``):

* ``"max"`` (default): the largest of the channels' scores;
* ``"sum"`` (an option since 2026-12-05, with the blob channel): the channels' z-scores summed
  and divided by the square root of their number, mapped back through PatchCore's held-back
  mean and spread, so a defect that moves several channels a little adds up, and the good
  parts' spread stays about PatchCore's (for independent channels);
* ``"auto"`` (an option): one of the two, chosen at fit by the fit-time selection
  (``_select``: each fold's bank scored both ways); ``PatchCore.fusion_used`` holds it;
* ``"colocated"`` (since the twentieth session): ``"max"``, plus the support the other
  channels give the largest at the same pixel (``_colocated``); the map is that sum on the
  face.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..image.io import as_gray
from ._colocated import colocated
from ._comb_scan import score_bands
from ._energy_channel import energy_scores
from ._jet_memory import with_memory


def _masked(m: np.ndarray, pixel_mask: np.ndarray | None) -> tuple[np.ndarray, float | None]:
    """A scan map cut to an ROI set after the fit (``pixel_mask``) when that ROI cuts into
    the face it scanned, and its new maximum (None: unchanged; -inf where the ROI leaves none
    of that face: the channel scanned nothing there and does not count, as the texture-energy
    channel's score does)."""
    if pixel_mask is not None and not np.all(pixel_mask[m > 0] > 0):
        m = np.where(pixel_mask > 0, m, np.float32(0.0))
        return m, float(m.max()) if np.any(m > 0) else -np.inf
    return m, None


def channel_scores(pc: Any, img: np.ndarray, pixel_mask: np.ndarray | None
                   ) -> list[tuple[str, np.ndarray, float]]:
    """Per extra channel of ``pc`` (line, blob, jet and its head and comb bands, cnn,
    texture energy, chroma): (name; map in PatchCore units, 0 where it did not scan; image
    score in PatchCore units)."""
    out = []
    gray = as_gray(img, "image", dtype=np.float32)
    for name, ch in (("line", pc._line), ("blob", getattr(pc, "_blob", None)),
                     ("jet", getattr(pc, "_jet", None)), ("cnn", getattr(pc, "_cnn", None))):
        if ch is None:
            continue
        if name != "jet":
            scored = [(name, ch, ch.score(gray))]
        else:
            scored = _jet_scored(ch, gray)
        for nm, c, (m, v) in scored:
            m, cut = _masked(m, pixel_mask)
            # the memory's statistic (a mean of its largest distances, calibrated over the
            # whole face) has no value on a cut face: it sits out (-inf), the others count
            v = v if cut is None else -np.inf if nm == "jet_memory" else cut
            out.append((nm, np.where(m > 0, c.to_patchcore_units(m), np.float32(0.0)),
                        float(c.to_patchcore_units(v))))
    if pc._energy is not None:
        out.append(("energy",) + tuple(energy_scores(pc._energy, gray, pixel_mask)))
    chroma = getattr(pc, "_chroma", None)
    if chroma is not None:  # the colour image itself: every other channel sees it gray
        out.append(("chroma",) + tuple(chroma.score(img, pixel_mask)))
    return out


def _jet_scored(jet: Any, gray: np.ndarray) -> list:
    """The jet channel's (name, channel, (map, score)) and those of its head, memory, comb
    bands and ring channel, all from one computation of its face signal."""
    x = jet.signal(gray)
    extra = [(nm, c) for nm, c in (("jet_head", getattr(jet, "head", None)),
                                   ("jet_memory", getattr(jet, "memory", None))) if c]
    if not extra:
        scored = [("jet", jet, jet.score(gray, x))]
    else:   # the head and the memory read the jet's own responses: one pass for all
        # the memory alone reads about 2000 pixels: no full-resolution maps for it
        own, feats = jet.score_with_features(gray, x=x, full=getattr(jet, "head", None)
                                             is not None)
        scored = [("jet", jet, own)] + [(nm, c, c.score(feats)) for nm, c in extra]
    combs = getattr(jet, "combs", None)
    if combs:                       # the comb channel's bands scan the jet's face signal
        scored += score_bands(combs, x)     # one spectrum for both bands
    rings = getattr(jet, "rings", None)
    if rings is not None:           # the ring channel scans it too
        scored.append(("ring", rings, rings.score_signal(x)))
    return scored


def _without_memory(chans: list) -> list:
    """The channels but the jet memory (``_jet_memory``: summed with their fused score, not
    one of the channels it is fused from)."""
    return [c for c in chans if c[0] != "jet_memory"]


def pc_stats(pc: Any) -> tuple[float, float] | None:
    """PatchCore's held-back mean and spread the channels are mapped onto (the line, the
    texture-energy or the chroma channel holds them; None without any of those)."""
    for ch in (pc._line, pc._energy, getattr(pc, "_chroma", None)):
        if ch is not None:
            return ch.pc_stats
    return None


def fused(pc: Any, value: float, chans: list, fusion: str) -> float:
    """The image score of PatchCore's ``value`` and the channels' (:func:`channel_scores`)
    as ``fusion`` combines them (module docstring); ``"max"`` leaves the blob channel out; the
    jet memory is not among them (:func:`fuse` adds it: ``_jet_memory.with_memory``)."""
    chans = _without_memory(chans)
    if not chans:
        return value
    stats = pc_stats(pc)
    if fusion != "sum" or stats is None:  # "max" (and "colocated"'s own starting point)
        return max([value] + [s for name, _, s in chans if name != "blob"])
    mean, sd = stats
    z = [(s - mean) / sd for s in [value] + [s for _, _, s in chans] if np.isfinite(s)]
    return float(mean + sd * sum(z) / np.sqrt(len(z)))


def decided_by(pc: Any, value: float, chans: list, fusion: str) -> str:
    """The channel (``"patch"``: the bank's ``value``) that set :func:`fused`'s score (same
    arguments): under ``"max"`` (and ``"colocated"``'s starting point) the first of the
    largest, the bank first, the blob channel left out; under ``"sum"`` the one of the
    largest z (the largest share of the sum); never the jet memory, which is summed."""
    chans = _without_memory(chans)
    named = [("patch", value)] + [(n, s) for n, _, s in chans]
    if fusion == "sum" and pc_stats(pc) is not None:
        finite = [(n, s) for n, s in named if np.isfinite(s)]
        return max(finite, key=lambda p: p[1])[0] if finite else "patch"
    top = fused(pc, value, chans, "max")
    return next((n for n, s in named if s == top and n != "blob"), "patch")


def combine(pc: Any, img: np.ndarray, up: np.ndarray, value: float,
            pixel_mask: np.ndarray | None) -> tuple[np.ndarray, float]:
    """PatchCore's map ``up`` and score ``value`` with its extra channels' (module
    docstring); unchanged when it has none."""
    return fuse(pc, up, value, channel_scores(pc, img, pixel_mask))[:2]


def fuse(pc: Any, up: np.ndarray, value: float, chans: list, why: bool = False
         ) -> tuple[np.ndarray, float, Any]:
    """:func:`combine` of the channels already scored (``chans``, :func:`channel_scores`),
    and with ``why`` what set the score under ``"colocated"`` where the support did
    (``_colocated.colocated``; None otherwise: :func:`decided_by` says it)."""
    memory = next((s for name, _, s in chans if name == "jet_memory"), None)
    chans = _without_memory(chans)          # summed, not a maximum: below
    top = up
    for _, m, _ in chans:
        top = np.where(m != 0, np.maximum(top, m), top)
    if pc.fusion_used == "colocated":  # "max", plus the support at the same place
        top, total, why_ = colocated(pc, up, value, chans, fused(pc, value, chans, "max"),
                                     top, why)
    else:
        total, why_ = fused(pc, value, chans, pc.fusion_used), None
    return top, with_memory(pc, total, memory), why_


def scores_by_fusion(pc: Any, img: np.ndarray, fusions: tuple[str, ...]) -> dict:
    """One image's score under each of ``fusions`` from one fitted bank (with the blob
    channel: ``fusion="sum"`` or ``"auto"`` fitted it): the patch bank scored once."""
    saved = pc._line, pc._blob, pc._energy
    saved_jet = getattr(pc, "_jet", None), getattr(pc, "_cnn", None), getattr(pc, "_chroma", None)
    pc._line = pc._blob = pc._energy = pc._jet = pc._cnn = pc._chroma = None
    try:
        value = pc.score(img).score
    finally:
        pc._line, pc._blob, pc._energy = saved
        pc._jet, pc._cnn, pc._chroma = saved_jet
    chans = channel_scores(pc, img, None)
    return {f: fused(pc, value, chans, f) for f in fusions}
