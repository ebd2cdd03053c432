"""The jet head of :class:`~metrology.anomaly.PatchCore` (``jet_head``, an option with the
jet channel; ``"auto"`` keeps it only where :meth:`JetHead.gate` finds it helps): a small
learned stage on the jet channel's responses (private helper of ``_jet_scan``, whose fitted
spectra and whitening it reads, and whose scoring pass it shares).

The jet channel asks, per pixel, how unusual each group of Gaussian-derivative responses is
under one covariance: a texture made of marks of its own (tumbled comets, shot-peen cups)
has heavy tails that a covariance cannot tell from a defect's.  The head learns where the
good faces' responses end and foreign marks' begin:

1. *features*: per pixel the 36 responses of the jet channel (6 scales x 6 derivatives),
   each group whitened as the jet channel trained it (the half-resolution scales brought to
   full resolution, linear), standardised over the training pixels;
2. *training* (numpy, at fit, seeded): pixels of :data:`N_IMAGES` good faces not held back
   (:data:`NEG_PER_IMAGE` each, at random on the inner face) against the pixels of generic
   marks painted into :data:`N_PAINT` copies of each (:data:`MARKS` marks a copy: the
   discriminator channel's strokes, blobs, shaded slopes, flattened patches and dot clusters,
   ``_cnn_scan.insert_mark``); a 36-:data:`HIDDEN`-:data:`HIDDEN`-1 perceptron (ReLU), class-
   weighted logistic loss, :data:`STEPS` Adam steps of :data:`BATCH` pixels, cosine rate;
3. *scoring*: the perceptron's logit on every other row and column of the inner face (a
   quarter of the pixels; the responses are at least 1 px wide), the image score its
   largest, calibrated on the held-back good parts and put on PatchCore's scale as the jet
   channel's; the map is the logits brought to full resolution;
4. *the gate* (``jet_head="auto"``, :meth:`JetHead.gate`): one generic mark painted into
   each of :data:`GATE_COPIES` copies of every held-back good part; the head is kept iff
   its AUROC on them beats the jet channel's by :data:`GATE_MARGIN`.

Measured (docs/anomaly-log.md, *A learned head on the jet channel* and *The gated jet head*).
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError
from ._blas import single_blas_thread
from ._line_scan import eroded, held_stats

#: the perceptron's hidden width, training steps, pixels a step, peak rate, seed
HIDDEN = 32
STEPS = 1500
BATCH = 2048
LR = 3e-3
SEED = 0
#: training data: good faces used, painted copies of each, marks a copy, good pixels a face
N_IMAGES = 40
N_PAINT = 2
MARKS = 2
NEG_PER_IMAGE = 3000
#: the marks' pixels weigh this share of the good ones in the loss
POS_SHARE = 0.2
#: marks are centred this far inside the face (px), as the discriminator channel's
MARK_ERODE_PX = 10
#: the logits are computed on every ``EVAL_STRIDE``-th row and column of the inner face
EVAL_STRIDE = 2
#: the fit-time gate (``jet_head="auto"``): painted copies of each held-back good part (one
#: mark each, a generator seeded apart from the training's) and the least gain in AUROC the
#: head must show over the jet channel on them to be kept (fixed before any judged figure:
#: rule 46, docs/anomaly-log.md *The gated jet head*)
GATE_COPIES = 3
GATE_SEED = SEED + 1
GATE_MARGIN = 0.10

_LAYERS = (("w1", "b1"), ("w2", "b2"), ("w3", "b3"))


def _relu_layer(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = x @ w
    out += b
    return np.maximum(out, np.float32(0.0), out=out)


def logits(p: dict, x: np.ndarray) -> np.ndarray:
    """The perceptron's logits (n,) for standardised features ``x`` (n, d) float32."""
    h2 = _relu_layer(_relu_layer(x, p["w1"], p["b1"]), p["w2"], p["b2"])
    return (h2 @ p["w3"])[:, 0] + p["b3"][0]


def _init(n_in: int, rng) -> dict:
    return {"w1": rng.normal(0, np.sqrt(2 / n_in), (n_in, HIDDEN)).astype(np.float32),
            "b1": np.zeros(HIDDEN, np.float32),
            "w2": rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, HIDDEN)).astype(np.float32),
            "b2": np.zeros(HIDDEN, np.float32),
            "w3": rng.normal(0, np.sqrt(1 / HIDDEN), (HIDDEN, 1)).astype(np.float32),
            "b3": np.zeros(1, np.float32)}


def _grads(p: dict, x: np.ndarray, y: np.ndarray, wpos: float) -> dict:
    """Gradients of the class-weighted logistic loss (mean over the batch)."""
    h1 = _relu_layer(x, p["w1"], p["b1"])
    h2 = _relu_layer(h1, p["w2"], p["b2"])
    z = (h2 @ p["w3"])[:, 0] + p["b3"][0]
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
    dz = (np.where(y > 0, wpos, 1.0) * (s - y) / len(y)).astype(np.float32)[:, None]
    g = {"w3": h2.T @ dz, "b3": dz.sum(0)}
    dh2 = (dz @ p["w3"].T) * (h2 > 0)
    g["w2"], g["b2"] = h1.T @ dh2, dh2.sum(0)
    dh1 = (dh2 @ p["w2"].T) * (h1 > 0)
    g["w1"], g["b1"] = x.T @ dh1, dh1.sum(0)
    return g


def train(x: np.ndarray, y: np.ndarray, rng) -> dict:
    """The perceptron trained on features ``x`` (n, d) and labels ``y`` (n,) (module
    docstring, step 2)."""
    p = _init(x.shape[1], rng)
    npos = float(y.sum())
    wpos = POS_SHARE * (len(y) - npos) / max(npos, 1.0)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    b1, b2 = 0.9, 0.999                      # Adam's decay rates
    with single_blas_thread():   # small products: threads only spin (``_blas``)
        for t in range(1, STEPS + 1):
            idx = rng.integers(len(x), size=BATCH)
            _adam_step(p, m, v, _grads(p, x[idx], y[idx], wpos), t, b1, b2)
    return p


def _adam_step(p: dict, m: dict, v: dict, g: dict, t: int, b1: float, b2: float) -> None:
    """One Adam step (cosine rate from :data:`LR` to 0 over :data:`STEPS`), in place."""
    rate = LR * 0.5 * (1.0 + np.cos(np.pi * t / STEPS))
    c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
    for k in p:
        m[k] *= np.float32(b1)
        m[k] += np.float32(1.0 - b1) * g[k]
        v[k] *= np.float32(b2)
        v[k] += np.float32(1.0 - b2) * g[k] ** 2
        p[k] -= np.float32(rate / c1) * m[k] / (np.sqrt(v[k] / np.float32(c2)) +
                                                np.float32(1e-8))


def grid_map(inner: np.ndarray, idx: np.ndarray, values: np.ndarray, stride: int
             ) -> np.ndarray:
    """``values`` scored at the flat pixels ``idx`` of a ``stride``-px grid brought to full
    resolution (linear; the lowest of them where the grid has none), at least 1e-3 on the
    ``inner`` face and 0 off it (the fusion takes 0 as "not scanned"): (H, W) float32."""
    import cv2

    h, w = inner.shape
    s = stride
    coarse = np.full(((h + s - 1) // s, (w + s - 1) // s), values.min(), np.float32)
    rows, cols = np.divmod(idx, w)
    coarse[rows // s, cols // s] = values
    up = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(inner, np.maximum(up, np.float32(1e-3)), np.float32(0.0))


class JetHead:
    """Fitted head: the perceptron's weights, the features' standardisation, the pixels it
    scores and its score statistics.  Built by :meth:`fit` or :meth:`from_arrays`."""

    def __init__(self, inner: np.ndarray, weights: dict, mu: np.ndarray, sd: np.ndarray):
        self.inner = inner
        self.weights = {k: np.ascontiguousarray(a, np.float32) for k, a in weights.items()}
        self.mu = np.asarray(mu, np.float32)
        self.scale = (1.0 / np.asarray(sd, np.float32)).astype(np.float32)
        grid = np.zeros_like(inner)
        grid[::EVAL_STRIDE, ::EVAL_STRIDE] = inner[::EVAL_STRIDE, ::EVAL_STRIDE]
        self.eval_idx = np.flatnonzero(grid.ravel())
        self.stats = (0.0, 1.0)          # good image scores: mean, spread
        self.pc_stats = (0.0, 1.0)       # the same of PatchCore's

    @property
    def sd(self) -> np.ndarray:
        return (1.0 / self.scale).astype(np.float32)

    def _standard(self, feats: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Features (d, H * W) at pixels ``idx``, standardised: (n, d) float32."""
        x = feats[:, idx].T - self.mu
        x *= self.scale
        return x

    def raw(self, feats: np.ndarray) -> tuple[np.ndarray, float]:
        """(logits on the scored pixels, their largest) for a face's features (d, H, W)."""
        lg = logits(self.weights, self._standard(feats.reshape(len(feats), -1),
                                                 self.eval_idx))
        return lg, float(lg.max())

    def score(self, feats: np.ndarray) -> tuple[np.ndarray, float]:
        """(map (H, W) float32 in the head's own units: the logits brought to full
        resolution (linear), at least 1e-3 on the inner face and 0 off it, as the jet
        channel's; image score: the largest logit)."""
        lg, value = self.raw(feats)
        return grid_map(self.inner, self.eval_idx, lg, EVAL_STRIDE), value

    def to_patchcore_units(self, v):
        """Evidence ``v`` in PatchCore's image-score units (as the jet channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, js, grays: list[np.ndarray], held: np.ndarray) -> "JetHead":
        """Train on the jet channel ``js``'s responses of the good images not ``held`` and
        marks painted into them; calibrate on the ``held`` ones (gray float32)."""
        from ._cnn_scan import insert_mark

        rng = np.random.default_rng(SEED)
        roi, inner = js.roi, js.inner
        fit_idx = [i for i in range(len(grays)) if not held[i]][:N_IMAGES]
        sd_t = float(np.median([np.std(js.signal(grays[i])[roi]) for i in fit_idx]))
        mark_face = np.nonzero(eroded(roi, MARK_ERODE_PX))
        inner_idx = np.flatnonzero(inner.ravel())
        xs, ys = [], []
        for i in fit_idx:
            f = js.features(grays[i]).reshape(-1, roi.size)
            pick = rng.choice(inner_idx, size=min(NEG_PER_IMAGE, len(inner_idx)),
                              replace=False)
            xs.append(f[:, pick].T)
            ys.append(np.zeros(len(pick), np.float32))
            for _ in range(N_PAINT):
                g, mask = insert_mark(rng, grays[i], roi, sd_t, mark_face)
                for _ in range(MARKS - 1):
                    g, more = insert_mark(rng, g, roi, sd_t, mark_face)
                    mask |= more
                pos = np.flatnonzero((mask & inner).ravel())
                if len(pos):
                    xs.append(js.features(g).reshape(-1, roi.size)[:, pos].T)
                    ys.append(np.ones(len(pos), np.float32))
        x, y = np.concatenate(xs).astype(np.float32), np.concatenate(ys)
        mu, sd = x.mean(axis=0), x.std(axis=0) + np.float32(1e-6)
        x = (x - mu) / sd
        head = cls(inner, train(x, y, rng), mu, sd)
        head.stats = held_stats([head.raw(js.features(grays[i]))[1]
                                 for i in range(len(grays)) if held[i]], inner)
        return head

    def gate(self, js, grays: list[np.ndarray], held: np.ndarray) -> tuple[float, float]:
        """(the head's AUROC, the jet channel's) on the ``held`` good parts against
        :data:`GATE_COPIES` copies of each with one generic mark painted in (module
        docstring): how much better the head tells foreign marks from this texture than the
        covariance does, measured on parts neither was trained on."""
        from ._cnn_scan import insert_mark
        from .threshold import auroc

        rng = np.random.default_rng(GATE_SEED)
        roi = js.roi
        hold = [grays[i] for i in range(len(grays)) if held[i]]
        # the marks' strength as the training's: the texture's spread on its good faces
        fit_idx = [i for i in range(len(grays)) if not held[i]][:N_IMAGES]
        sd_t = float(np.median([np.std(js.signal(grays[i])[roi]) for i in fit_idx]))
        mark_face = np.nonzero(eroded(roi, MARK_ERODE_PX))
        painted = [insert_mark(rng, g, roi, sd_t, mark_face)[0]
                   for g in hold for _ in range(GATE_COPIES)]
        pairs = [js.score_with_head(g, self) for g in hold + painted]
        jet = np.array([own[1] for own, _ in pairs])
        head = np.array([by_head[1] for _, by_head in pairs])
        n = len(hold)
        return (auroc(head[:n], head[n:]), auroc(jet[:n], jet[n:]))

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        out = {f"jet_head_{k}": a for k, a in self.weights.items()}
        out["jet_head_mu"], out["jet_head_sd"] = self.mu, self.sd
        return out

    def params(self) -> dict:
        return {"hidden": HIDDEN, "eval_stride": EVAL_STRIDE,
                "score_mean": self.stats[0], "score_sd": self.stats[1]}

    @classmethod
    def from_arrays(cls, arrays: dict, params, inner: np.ndarray, n_feat: int,
                    where: str) -> "JetHead":
        """Rebuild from a bank's arrays and the header's ``jet_scan.head``; a damaged entry
        raises :class:`FileFormatError`."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: jet head: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'jet_scan.head' is not an object")
        try:
            hidden = int(params["hidden"])
            stride = int(params["eval_stride"])
            stats = (float(params["score_mean"]), float(params["score_sd"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if hidden != HIDDEN or stride != EVAL_STRIDE:
            raise bad(f"written with other constants (hidden {hidden}, stride {stride}); "
                      f"re-fit it")
        if not all(np.isfinite(stats)) or stats[1] <= 0:
            raise bad("score statistics are not finite numbers (spread > 0)")
        shapes = {"w1": (n_feat, HIDDEN), "b1": (HIDDEN,), "w2": (HIDDEN, HIDDEN),
                  "b2": (HIDDEN,), "w3": (HIDDEN, 1), "b3": (1,), "mu": (n_feat,),
                  "sd": (n_feat,)}
        got = {}
        for k, shape in shapes.items():
            a = arrays.get(f"jet_head_{k}")
            if a is None:
                raise bad(f"array 'jet_head_{k}' is missing")
            if a.shape != shape or a.dtype.kind != "f" or not np.all(np.isfinite(a)):
                raise bad(f"array 'jet_head_{k}': expected finite values of shape {shape}, "
                          f"given {a.shape} {a.dtype}")
            got[k] = a
        if np.any(got["sd"] <= 0):
            raise bad("array 'jet_head_sd' must be > 0")
        weights = {k: got[k] for k in ("w1", "b1", "w2", "b2", "w3", "b3")}
        head = cls(inner, weights, got["mu"], got["sd"])
        head.stats = stats
        return head
