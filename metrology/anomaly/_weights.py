"""``PatchCoreSettings.channel_weights="painted"``: per-channel weights of the standardised patch
features learned at fit from painted defects (private helper of ``patchcore``).

The diagnosed gap (docs/anomaly.md, *Detectability*): on the failing held-out textures the
defects are not fainter than on the passing ones, but the texture's own marks (grooves, pores,
flakes) are as far from the bank as a faint defect.  A patch's distance to the bank sums its
channels' residuals; channels where good patches of this texture leave large residuals carry
noise, channels where a defect's residual stands out carry signal.  So, from the user's own
good images:

1. a quarter of up to :data:`WEIGHT_POOL` good images (evenly spaced) is held back; a bank is
   built (greedy coreset, unweighted) from the patches of the others;
2. each held-back image and :data:`WEIGHT_COPIES` copies of it with one painted defect each
   (``paste_defects`` on the part face; the generator's five original kinds in turn, never the
   held-out kinds) are standardised as the bank is;
3. per channel, ``G_c``: the mean squared residual to their nearest bank patch of the held-back
   good patches farthest from the bank (the largest :data:`GOOD_TAIL` of each image's: the
   texture's own marks, what a faint defect has to beat), as a profile summing to 1;
   ``D_c``: the same over a painted copy's defect cells (the cells its features moved most,
   against its own unpainted image), each copy's profile normalised to sum 1 so that a strong
   stain does not outweigh a faint scratch;
4. ``w_c^2 = (1 - s) + s * r_c`` with ``r_c = (D_c / G_c) / mean(D / G)``, shrunk by
   ``s`` = :data:`WEIGHT_SHRINK` towards 1, clipped to :data:`WEIGHT_CLIP`, scaled to mean 1.

The bank, its index, the border rings and the line channel's scale are then built in the
weighted space (``PatchCore._normalise`` multiplies by the weights).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .coreset import greedy_coreset
from .neighbors import NearestNeighbors
from ._select import ON_FACE, SELECT_KINDS, _face, _spaced

#: good images taking part (evenly spaced); every 4th of them is held back
WEIGHT_POOL = 40
WEIGHT_HELD_EVERY = 4
#: at most this many images outside the held-back ones build the provisional bank
WEIGHT_FIT = 60
#: painted copies per held-back image (kinds in turn)
WEIGHT_COPIES = 3
#: provisional bank: patches subsampled to this count, then a coreset of at most this size
WEIGHT_PATCHES = 20_000
WEIGHT_BANK = 1024
#: shrinkage towards equal weights (0: all 1; 1: the raw ratio) and the range of ``w^2``
WEIGHT_SHRINK = 0.5
WEIGHT_CLIP = (0.2, 5.0)
#: a copy's defect cells: those whose feature change is at least this share of its largest
DEFECT_CELL_SHARE = 0.25
#: the good patches G_c is measured on: the largest share of each held-back image's summed
#: residuals (the texture's own marks, which a faint defect must beat); 1 takes them all
GOOD_TAIL = 0.01
#: fewer good images: no weights (all 1)
WEIGHT_MIN_IMAGES = 15


def _residual(index: NearestNeighbors, bank: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(N, C) squared per-channel residuals of ``q`` to their nearest bank patch."""
    nn = index.query(q, k=1)[1][:, 0]
    return (q - bank[nn]) ** 2


def _paint(im: np.ndarray, kind: str, face: np.ndarray, g: np.random.Generator):
    from ..synth.defects import paste_defects

    for _ in range(20):
        m = (s := paste_defects(im, kind, rng=g, region=face)).mask
        if m.any() and np.count_nonzero(m & face) >= ON_FACE * np.count_nonzero(m):
            return s.image
    return None


def learn_channel_weights(pc: Any, imgs: list[np.ndarray], roi: np.ndarray | None
                          ) -> tuple[np.ndarray | None, dict | str]:
    """The weights (C,) float32 (None when too few images) and the figures for ``info``.
    ``pc`` has its cells and its (unweighted) standardisation set."""
    if len(imgs) < WEIGHT_MIN_IMAGES:
        return None, f"off: needs at least {WEIGHT_MIN_IMAGES} good images, given {len(imgs)}"
    t0 = time.perf_counter()
    s, cells = pc.settings, pc._cells
    g = np.random.default_rng([s.seed, 16])
    idx = np.arange(len(imgs))
    held_i = _spaced(idx, WEIGHT_POOL)[WEIGHT_HELD_EVERY - 1::WEIGHT_HELD_EVERY]
    rest_i = _spaced(np.setdiff1d(idx, held_i), WEIGHT_FIT)

    def z(im, cached=True):
        f = pc._raw_patches(im) if cached else pc._raw_patches_uncached(im)
        return pc._normalise(f)

    x = np.concatenate([z(imgs[i])[cells] for i in rest_i])
    if len(x) > WEIGHT_PATCHES:
        x = x[g.choice(len(x), WEIGHT_PATCHES, replace=False)]
    nb = min(WEIGHT_BANK, len(x))
    bank = np.ascontiguousarray(x if nb >= len(x) else x[greedy_coreset(
        x, nb, projection_dim=s.projection_dim, rng=g)])
    index = NearestNeighbors(bank, s.nn)
    face = _face(imgs, roi)
    good, bad = [], []
    for j, i in enumerate(held_i):
        zg = z(imgs[i])
        r = _residual(index, bank, zg[cells])
        if GOOD_TAIL < 1.0:
            d = r.sum(axis=1)
            r = r[d >= np.quantile(d, 1.0 - GOOD_TAIL)]
        good.append(r)
        for c in range(WEIGHT_COPIES):
            painted = _paint(imgs[i], SELECT_KINDS[(j * WEIGHT_COPIES + c) % len(SELECT_KINDS)],
                             face, g)
            if painted is None:
                continue
            zb = z(painted, cached=False)[cells]
            dz = ((zb - zg[cells]) ** 2).sum(axis=1)
            if not dz.max() > 0:
                continue
            bad.append(_residual(index, bank, zb[dz >= DEFECT_CELL_SHARE * dz.max()]
                                 ).mean(axis=0))
    if not bad:
        return None, "off: no painted defect could be placed on the face"
    gc = np.maximum(np.concatenate(good).mean(axis=0), 1e-6)
    ratio = np.mean([b / max(float(b.sum()), 1e-12) for b in bad], axis=0) / (gc / gc.sum())
    ratio = ratio / max(float(ratio.mean()), 1e-12)
    w2 = np.clip((1.0 - WEIGHT_SHRINK) + WEIGHT_SHRINK * ratio, *WEIGHT_CLIP)
    w = np.sqrt(w2 / w2.mean()).astype(np.float32)
    return w, {"held_good": int(len(held_i)), "painted": len(bad),
               "min": round(float(w.min()), 3), "max": round(float(w.max()), 3),
               "seconds": round(time.perf_counter() - t0, 3)}
