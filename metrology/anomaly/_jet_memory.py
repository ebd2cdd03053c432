"""The jet memory of :class:`~metrology.anomaly.PatchCore` (``jet_memory``, with the jet
channel): a nearest-neighbour memory of the good faces' jet responses (private helper of
``_jet_scan``, whose fitted whitening it reads and whose scoring pass it shares).

The jet channel asks, per pixel, how unusual each group of Gaussian-derivative responses is
under one covariance (a Gaussian).  A face made of marks of its own (sparkles, scale flakes, a
rough band) gives its 36 responses a joint spread that no covariance holds, and where they
are unusual together a defect may be usual in each group.  The memory keeps the good faces'
response vectors themselves, as PatchCore keeps its patches, and asks how far each pixel's
vector lies from the nearest one seen:

1. *features*: per pixel the jet channel's 36 responses (6 scales x 6 derivatives), each
   group whitened as the jet channel trained it, at full resolution (the head's features,
   ``JetScan.features``): already in units of the good faces' spread;
2. *memory* (at fit): the vectors on every :data:`FIT_STRIDE`-th row and column of the inner
   face of the first :data:`N_IMAGES` good parts not held back, thinned to
   :data:`N_MEMORY` by the greedy k-centre coreset (``coreset.greedy_coreset``: the rare
   vectors are kept, the common ones thinned);
3. *scoring*: the Euclidean distance to the nearest memory vector on every
   :data:`COARSE_STRIDE`-th row and column of the inner face, then on every
   :data:`EVAL_STRIDE`-th one within :data:`EVAL_STRIDE` px of the :data:`REFINE_TOP`
   farthest of those (coarse to fine: the fine grid's largest distances at a third of its
   queries); the image statistic the mean of the :data:`TOP_K` largest of all (one stray
   vector does not decide), in spreads of the held-back good parts' statistics;
4. *fusion* (:func:`with_memory`): PatchCore's fused score and the memory's, each in spreads
   of their good parts, summed and divided by sqrt 2, back on PatchCore's scale: the memory
   and the other channels see a defect together where their false alarms on good faces lie
   apart.  Not a maximum: as one more channel under the maximum it gained nothing in
   development (docs/anomaly-log.md, *A memory of the jet's responses*).

The map is the distances brought to full resolution (linear), on the scale of the head's; the
fused map (where the score is shown) stays the other channels'.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError

#: good faces not held back whose responses fill the memory, and the memory's size after the
#: coreset
N_IMAGES = 60
N_MEMORY = 1000
#: the memory's vectors are taken on every FIT_STRIDE-th row and column of the inner face;
#: scored on every COARSE_STRIDE-th, then on every EVAL_STRIDE-th round the REFINE_TOP
#: farthest coarse pixels
FIT_STRIDE = 4
COARSE_STRIDE = 4
EVAL_STRIDE = 2
REFINE_TOP = 16
#: the image statistic: the mean of this many largest distances
TOP_K = 10
#: the least spread of the held-back statistic, as a share of its mean
SD_REL_FLOOR = 0.01
#: ``jet_memory="auto"`` keeps the memory only where the held-back good parts' statistics
#: spread less than this share of their mean: where good parts lie as far from the memory as
#: they like (a face whose look wanders from place to place: the moon photo 0.24, a stucco
#: wall 0.28), the nearest seen vector measures how new a good face is, not a mark on it
#: (docs/anomaly-log.md, *The jet memory's gate*)
GATE_CV = 0.2
#: the bank version of a bank with the memory (``memory_base_version``: the version it has
#: otherwise; ``_bank_version``); readers that predate it refuse it
VERSION = 19


def _grid(inner: np.ndarray, stride: int) -> np.ndarray:
    """Flat indices of the inner face's pixels on every ``stride``-th row and column (every
    inner pixel where a thin face has none on that grid)."""
    g = np.zeros_like(inner)
    g[::stride, ::stride] = inner[::stride, ::stride]
    idx = np.flatnonzero(g.ravel())
    return idx if len(idx) else np.flatnonzero(inner.ravel())


def _axis(n_dst: int, n_src: int, pos: np.ndarray) -> tuple:
    """Linear interpolation along one axis as ``cv2.resize`` (INTER_LINEAR) brings ``n_src``
    samples up to ``n_dst``: (lower index, upper index, weight of the upper) of the
    destination positions ``pos``; clamped at both ends as it clamps."""
    s = (pos + 0.5) * (n_src / n_dst) - 0.5
    i0 = np.floor(s).astype(np.int64)
    a = (s - i0).astype(np.float32)
    edge = (i0 < 0) | (i0 >= n_src - 1)
    i0 = np.clip(i0, 0, n_src - 1)
    a[edge] = 0.0
    return i0, np.minimum(i0 + 1, n_src - 1), a


class Sampled:
    """A face's whitened jet responses (per group: its level and (k, h, w) responses, as
    ``JetScan.statistics`` collects them) read only at the full-resolution pixels asked: a
    half-resolution level interpolated there as ``cv2.resize`` brings it up (linear), without
    building the 36 full-resolution maps (the memory reads about 2000 of their pixels)."""

    def __init__(self, got: list, shape: tuple[int, int]):
        self.got, self.shape = got, shape

    def at(self, flat: np.ndarray) -> np.ndarray:
        """(n, d) float32: every group's responses at the flat full-resolution indices."""
        h, w = self.shape
        flat = np.asarray(flat, np.int64)
        plans: dict = {}          # per level's map shape: its four corners' flat indices
        out = []
        for _, v in self.got:
            vf = v.reshape(len(v), -1)
            if v.shape[1:] == (h, w):
                out.append(vf[:, flat])
                continue
            if v.shape[1:] not in plans:
                rows, cols = np.divmod(flat, w)
                y0, y1, ay = _axis(h, v.shape[1], rows)
                x0, x1, ax = _axis(w, v.shape[2], cols)
                ws = v.shape[2]
                plans[v.shape[1:]] = (y0 * ws + x0, y0 * ws + x1, y1 * ws + x0, y1 * ws + x1,
                                      ax, ay)
            i00, i01, i10, i11, ax, ay = plans[v.shape[1:]]
            top = vf[:, i00] * (1 - ax) + vf[:, i01] * ax
            bot = vf[:, i10] * (1 - ax) + vf[:, i11] * ax
            out.append(top * (1 - ay) + bot * ay)
        return np.concatenate(out).T.astype(np.float32)


class JetMemory:
    """Fitted memory: its vectors, the pixels it scores and its score statistics.  Built by
    :meth:`fit` or :meth:`from_arrays`."""

    def __init__(self, inner: np.ndarray, vectors: np.ndarray):
        from .neighbors import NearestNeighbors

        self.inner = inner
        self.vectors = np.ascontiguousarray(vectors, np.float32)
        self.nn = NearestNeighbors(self.vectors, method="brute")
        self.eval_idx = _grid(inner, COARSE_STRIDE)
        fine = np.zeros(inner.shape, np.int64)        # the fine grid's flat indices, -1 off it
        fine.fill(-1)
        fine.ravel()[_grid(inner, EVAL_STRIDE)] = _grid(inner, EVAL_STRIDE)
        self._fine = fine
        self.stats = (0.0, 1.0)          # good image statistics: mean, spread
        self.pc_stats = (0.0, 1.0)       # PatchCore's held-back mean and spread

    def _near(self, flat: np.ndarray, feats: "np.ndarray | Sampled") -> np.ndarray:
        """The features at the pixels ``flat`` (flat indices): their nearest memory
        distances."""
        if isinstance(feats, Sampled):
            rows = feats.at(flat)
        else:
            rows = feats.reshape(len(feats), -1)[:, flat].T
        return self.nn.query(np.ascontiguousarray(rows, np.float32), 1)[0][:, 0]

    def raw(self, feats: "np.ndarray | Sampled") -> tuple[np.ndarray, float]:
        """(distances on the coarse grid's pixels, the image statistic: the mean of the
        :data:`TOP_K` largest distances of the coarse grid and the fine one round its
        :data:`REFINE_TOP` farthest pixels) of a face's features ((d, H, W), or
        :class:`Sampled`: read only where asked)."""
        d = self._near(self.eval_idx, feats)
        top = self.eval_idx[np.argsort(d)[-REFINE_TOP:]]
        h, w = self.inner.shape
        r0, c0 = np.divmod(top, w)
        s = EVAL_STRIDE
        off = np.arange(-s, s + 1, s)
        rr = np.clip(r0[:, None, None] + off[None, :, None], 0, h - 1)
        cc = np.clip(c0[:, None, None] + off[None, None, :], 0, w - 1)
        more = np.unique(self._fine[rr, cc])
        more = more[(more >= 0) & ~np.isin(more, top)]
        both = np.concatenate([d, self._near(more, feats)]) if len(more) else d
        k = min(TOP_K, len(both))
        return d, float(np.partition(both, len(both) - k)[len(both) - k:].mean())

    def score(self, feats: np.ndarray) -> tuple[np.ndarray, float]:
        """(map (H, W) float32: the distances brought to full resolution (linear), at least
        1e-3 on the inner face and 0 off it, as the jet channel's; image statistic)."""
        from ._jet_head import grid_map

        d, value = self.raw(feats)
        return grid_map(self.inner, self.eval_idx, d, COARSE_STRIDE), value

    def z(self, v: float) -> float:
        """The image statistic ``v`` in spreads of the held-back good parts'."""
        return (float(v) - self.stats[0]) / self.stats[1]

    def to_patchcore_units(self, v):
        """Evidence ``v`` in PatchCore's image-score units (as the jet channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    def spread_share(self) -> float:
        """The held-back good parts' statistics' spread over their mean (the gate's figure,
        :data:`GATE_CV`)."""
        return float(self.stats[1] / max(abs(self.stats[0]), 1e-12))

    @classmethod
    def fit(cls, js: Any, grays: list[np.ndarray], held: np.ndarray) -> "JetMemory":
        """The memory of the jet channel ``js``'s responses on the good images not ``held``
        (gray float32), calibrated on the ``held`` ones."""
        from .coreset import greedy_coreset

        fit_idx = [i for i in range(len(grays)) if not held[i]][:N_IMAGES]
        pick = _grid(js.inner, FIT_STRIDE)
        vecs = np.concatenate([js.features(grays[i]).reshape(-1, js.roi.size)[:, pick].T
                               for i in fit_idx]).astype(np.float32)
        mem = cls(js.inner, vecs[greedy_coreset(vecs, min(N_MEMORY, len(vecs)))])
        sc = np.array([mem.raw(js.features(grays[i]))[1]
                       for i in range(len(grays)) if held[i]])
        mem.stats = (float(sc.mean()), float(max(sc.std(), SD_REL_FLOOR * abs(sc.mean()),
                                                 1e-6)))
        return mem

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        return {"jet_memory_vectors": self.vectors}

    def params(self) -> dict:
        return {"n_images": N_IMAGES, "fit_stride": FIT_STRIDE, "eval_stride": EVAL_STRIDE,
                "coarse_stride": COARSE_STRIDE, "refine_top": REFINE_TOP, "top_k": TOP_K,
                "score_mean": self.stats[0], "score_sd": self.stats[1]}


def with_memory(pc: Any, value: float, memory: float | None) -> float:
    """PatchCore's fused score ``value`` with the jet memory's (``memory``, in PatchCore units
    as :meth:`JetMemory.to_patchcore_units` gives it; None: unchanged): their z over the
    held-back good parts summed, over sqrt 2, back in PatchCore units (module docstring)."""
    from ._fusion import pc_stats

    stats = pc_stats(pc)
    if memory is None or stats is None or not np.isfinite(memory):
        return value
    mean, sd = stats
    return float(mean + sd * ((value - mean) / sd + (memory - mean) / sd) / np.sqrt(2.0))


def memory_from_arrays(arrays: dict, params: dict, js: Any, where: str) -> JetMemory | None:
    """The jet memory of a bank's arrays and the header's ``jet_scan.memory`` (None where the
    bank has none); a damaged entry raises :class:`FileFormatError`."""
    def bad(msg: str) -> FileFormatError:
        return FileFormatError(f"{where}: jet memory: {msg}")

    a = arrays.get("jet_memory_vectors")
    if "memory" not in params:
        if a is not None:
            raise bad("array 'jet_memory_vectors' without the header's 'memory'")
        return None
    p = params["memory"]
    if not isinstance(p, dict):
        raise bad("header 'jet_scan.memory' is not an object")
    try:
        consts = tuple(int(p[k]) for k in ("n_images", "fit_stride", "eval_stride",
                                           "coarse_stride", "refine_top", "top_k"))
        stats = (float(p["score_mean"]), float(p["score_sd"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"header field missing or not a number ({exc})") from None
    if consts != (N_IMAGES, FIT_STRIDE, EVAL_STRIDE, COARSE_STRIDE, REFINE_TOP, TOP_K):
        raise bad(f"written with other constants (images, strides, refined, top k: {consts}); "
                  f"re-fit it")
    if not all(np.isfinite(stats)) or stats[1] <= 0:
        raise bad("score statistics are not finite numbers (spread > 0)")
    n_feat = 2 * js.n_groups
    if a is None or a.ndim != 2 or a.shape[1] != n_feat or len(a) == 0 or \
            a.dtype.kind != "f" or not np.all(np.isfinite(a)):
        got = "missing" if a is None else f"{a.shape} {a.dtype}"
        raise bad(f"array 'jet_memory_vectors': expected finite values of shape (n, {n_feat}), "
                  f"given {got}")
    mem = JetMemory(js.inner, a)
    mem.stats, mem.pc_stats = stats, js.pc_stats
    return mem
