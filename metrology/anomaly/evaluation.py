"""How well a fitted anomaly scorer separates a user's good parts from defective ones:
:func:`evaluate` (and ``metrology anomaly evaluate``).

A vision engineer who fits a bank on good parts of *their* surface wants to know, before the
line runs, what it will do there: the image AUROC with its uncertainty, how many defective
parts a threshold lets through when it rejects no good part, the false rejects and escapes at
the bank's own threshold, and whether the map points at the defect.  The benchmark's figures
(docs/anomaly.md) are measured the same way:

* **AUROC**: the probability that a defective part scores above a good one (ties half), with a
  90 % percentile-bootstrap interval that resamples the good and the defective scores each on
  its own (:func:`auroc_interval`; 2000 resamples, seed 0, so a report is reproducible);
* **at zero false rejects**: the highest good score as the threshold (parts strictly above
  it are rejected) and the share of defective parts at or below it (escapes);
* **at the scorer's threshold** (when it has one): false rejects among the good parts and
  escapes among the defective ones;
* **map peak on the defect** (when defect masks are given): the share of defective parts whose
  map maximum lies on the mask dilated by :data:`PEAK_TOL_PX` (one 4 px feature cell).

Every image is scored once; the scores are checked finite (a scorer that returns NaN is an
error, not a silent rank).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..core.checks import check_finite, check_int
from ..errors import InputError
from .threshold import auroc

__all__ = ["Evaluation", "auroc_interval", "evaluate", "evaluate_pasted"]

#: the map maximum counts as on the defect within this many pixels of its mask
PEAK_TOL_PX = 4
#: bootstrap resamples and level of the AUROC interval
N_BOOT = 2000
LEVEL = 0.9


def auroc_interval(good, bad, level: float = LEVEL, n: int = N_BOOT, seed: int = 0
                   ) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`~metrology.anomaly.auroc` ``(good, bad)``,
    resampling each side on its own (vectorised: the pair comparison matrix weighted by the
    resampled counts).

    Examples
    --------
    >>> lo, hi = auroc_interval([0.1, 0.2, 0.3, 0.4], [0.35, 0.5, 0.6])
    >>> 0.5 <= lo <= hi <= 1.0
    True
    """
    g, b = np.asarray(good, float), np.asarray(bad, float)
    if g.ndim != 1 or b.ndim != 1 or not g.size or not b.size or \
            not (np.all(np.isfinite(g)) and np.all(np.isfinite(b))):
        raise InputError("auroc_interval: expected two non-empty 1-D arrays of finite scores")
    if not 0 < level < 1 or int(n) < 1:
        raise InputError(f"auroc_interval: expected level in (0, 1) and n >= 1, given "
                         f"{level}, {n}")
    pairs = (b[None, :] > g[:, None]) + 0.5 * (b[None, :] == g[:, None])
    rng = np.random.default_rng(seed)

    def counts(m):  # (n, m): how often each of m values is drawn in each of n resamples
        c = np.zeros((int(n), m))
        np.add.at(c, (np.repeat(np.arange(int(n)), m), rng.integers(0, m, int(n) * m)), 1.0)
        return c

    wg, wb = counts(len(g)), counts(len(b))
    a = np.einsum("ni,ij,nj->n", wg, pairs, wb) / (len(g) * len(b))
    q = (1 - level) / 2
    return float(np.quantile(a, q)), float(np.quantile(a, 1 - q))


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` measured (module docstring).  ``images``: per image its name,
    label (``"good"`` / ``"bad"``), score, map maximum ``max_xy`` and, for a defective part
    with a mask, ``on_defect``."""

    n_good: int
    n_bad: int
    auroc: float
    auroc_interval: tuple[float, float]
    zero_reject_threshold: float
    escapes_at_zero_reject: float
    threshold: float | None
    false_rejects: float | None
    escapes: float | None
    peak_on_defect: float | None
    images: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        def rate(v, name, optional=True):
            if v is None and optional:
                return None
            return check_finite(v, name, min=0.0, max=1.0)

        for nm in ("n_good", "n_bad"):
            object.__setattr__(self, nm, check_int(getattr(self, nm), nm, min=1))
        object.__setattr__(self, "auroc", rate(self.auroc, "auroc", False))
        iv = self.auroc_interval
        if not isinstance(iv, (tuple, list)) or len(iv) != 2:
            raise InputError(f"auroc_interval: expected (low, high), given {iv!r}")
        lo, hi = (rate(v, "auroc_interval", False) for v in iv)
        if lo > hi:
            raise InputError(f"auroc_interval: low {lo} above high {hi}")
        object.__setattr__(self, "auroc_interval", (lo, hi))
        object.__setattr__(self, "zero_reject_threshold",
                           check_finite(self.zero_reject_threshold, "zero_reject_threshold"))
        for nm in ("escapes_at_zero_reject", "false_rejects", "escapes", "peak_on_defect"):
            object.__setattr__(self, nm, rate(getattr(self, nm), nm,
                                              nm != "escapes_at_zero_reject"))
        if self.threshold is not None:
            object.__setattr__(self, "threshold", check_finite(self.threshold, "threshold"))
        if (self.threshold is None) != (self.false_rejects is None) or \
                (self.threshold is None) != (self.escapes is None):
            raise InputError("threshold, false_rejects and escapes: give all three or none")
        if not isinstance(self.images, list):
            raise InputError(f"images: expected a list of per-image rows, given "
                             f"{type(self.images).__name__}")

    def to_dict(self) -> dict:
        """JSON-ready dictionary (the per-image rows included)."""
        d = {k: getattr(self, k) for k in ("n_good", "n_bad", "auroc", "zero_reject_threshold",
                                           "escapes_at_zero_reject", "threshold",
                                           "false_rejects", "escapes", "peak_on_defect")}
        d["auroc_interval_90"] = list(self.auroc_interval)
        d["images"] = [dict(r) for r in self.images]
        return d

    def __str__(self) -> str:
        lo, hi = self.auroc_interval
        s = (f"{self.n_good} good, {self.n_bad} defective: AUROC {self.auroc:.3f} "
             f"[{lo:.3f}, {hi:.3f}]; no good part rejected above {self.zero_reject_threshold:.4g}"
             f": {100 * self.escapes_at_zero_reject:.1f} % of the defective parts escape")
        if self.threshold is not None:
            s += (f"; at the threshold {self.threshold:.4g}: {100 * self.false_rejects:.1f} % "
                  f"false rejects, {100 * self.escapes:.1f} % escapes")
        if self.peak_on_defect is not None:
            s += f"; map peak on the defect {100 * self.peak_on_defect:.0f} %"
        return s


def _on_defect(mask: Any, shape: tuple[int, int], max_xy, where: str) -> bool:
    """Whether ``max_xy`` lies on ``mask`` dilated by :data:`PEAK_TOL_PX`."""
    import cv2

    m = np.asarray(mask)
    if m.ndim == 3:
        m = m.any(axis=2)
    if m.shape != tuple(shape):
        raise InputError(f"{where}: the mask is {m.shape[1] if m.ndim == 2 else '?'}x"
                         f"{m.shape[0]} px, its image {shape[1]}x{shape[0]}")
    if not np.issubdtype(m.dtype, np.number) and m.dtype != bool:
        raise InputError(f"{where}: expected a numeric or boolean mask, given {m.dtype}")
    m = (m != 0).astype(np.uint8)
    if not m.any():
        raise InputError(f"{where}: the mask marks no pixel")
    if max_xy is None:
        raise InputError(f"{where}: the scorer reports no map maximum (max_xy), which the "
                         f"map-peak check needs")
    k = 2 * PEAK_TOL_PX + 1
    m = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    x, y = int(round(max_xy[0])), int(round(max_xy[1]))
    return bool(0 <= y < m.shape[0] and 0 <= x < m.shape[1] and m[y, x])


def _seq(images: Any, name: str) -> list:
    """``images`` (a sequence of arrays or paths, or an (N, H, W[, 3]) array) as a list."""
    import os

    if isinstance(images, (str, bytes, os.PathLike)) or \
            (isinstance(images, np.ndarray) and images.ndim < 3):
        raise InputError(f"{name}: expected a sequence of images or paths, given one; wrap it "
                         f"in a list")
    try:
        return list(images)
    except TypeError:
        raise InputError(f"{name}: expected a sequence of images or paths, given "
                         f"{type(images).__name__}") from None


def _score_all(scorer, images, label, names, score_kw) -> list[dict]:
    from ..image.io import load_image

    rows = []
    for i, im in enumerate(images):
        name = names[i] if names is not None else f"{label}[{i}]"
        img = load_image(im, name)
        try:
            res = scorer.score(img, **score_kw)
        except TypeError as exc:
            if not score_kw:
                raise
            raise InputError(f"aligned: this scorer's score() takes no 'aligned' ({exc})") from None
        s = float(res.score)
        if not np.isfinite(s):
            raise InputError(f"{name}: the scorer returned a score that is not finite ({s})")
        xy = [float(v) for v in getattr(res, "max_xy", (np.nan, np.nan))]
        rows.append({"name": str(name), "label": label, "score": s,
                     "max_xy": xy if np.all(np.isfinite(xy)) else None, "_shape": img.shape[:2]})
    return rows


def evaluate(scorer: Any, good: Sequence[Any], bad: Sequence[Any],
             bad_masks: Sequence[Any] | None = None, *, names: Sequence[str] | None = None,
             aligned: bool | None = None) -> Evaluation:
    """Score good and defective parts with a fitted ``scorer`` and report how well it
    separates them (module docstring).

    Parameters
    ----------
    scorer : fitted anomaly scorer (``score(image)`` gives an :class:`AnomalyScore`)
    good, bad : sequences of images (arrays or paths), at least one of each; parts the
        scorer was *not* fitted on.
    bad_masks : sequence of masks (H, W) (nonzero: the defect), one per defective part,
        optional: the map-peak check.
    names : one name per image, the good ones first, optional (paths are their own names).
    aligned : passed to ``scorer.score`` when given (PatchCore's position-aware check).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import numpy as np
    >>> from metrology.anomaly import PatchCore
    >>> rng = np.random.default_rng(0)
    >>> goods = [rng.normal(128, 4, (48, 48)).clip(0, 255).astype(np.uint8) for _ in range(8)]
    >>> pc = PatchCore(select="off").fit(goods[:5])
    >>> bad = goods[7].copy(); bad[20:28, 20:28] = 40
    >>> ev = evaluate(pc, goods[5:7], [bad])
    >>> ev.auroc, ev.escapes_at_zero_reject
    (1.0, 0.0)
    """
    if not callable(getattr(scorer, "score", None)):
        raise InputError("scorer: expected a fitted anomaly scorer (with a score method)")
    good, bad = _seq(good, "good"), _seq(bad, "bad")
    if not good or not bad:
        raise InputError(f"evaluate: needs at least one good and one defective image, given "
                         f"{len(good)} and {len(bad)}")
    if bad_masks is not None:
        bad_masks = _seq(bad_masks, "bad_masks")
        if len(bad_masks) != len(bad):
            raise InputError(f"bad_masks: one mask per defective image expected, given "
                             f"{len(bad_masks)} for {len(bad)}")
    if names is not None:
        names = _seq(names, "names")
        if len(names) != len(good) + len(bad):
            raise InputError(f"names: one per image expected ({len(good) + len(bad)}), given "
                             f"{len(names)}")
    names = None if names is None else [str(n) for n in names]
    if names is None and all(isinstance(p, (str,)) or hasattr(p, "__fspath__")
                             for p in good + bad):
        names = [str(p) for p in good + bad]
    kw = {} if aligned is None else {"aligned": bool(aligned)}
    rows = _score_all(scorer, good, "good", names, kw) + _score_all(
        scorer, bad, "bad", None if names is None else names[len(good):], kw)
    peak = None
    if bad_masks is not None:
        hits = []
        for r, m in zip(rows[len(good):], bad_masks):
            r["on_defect"] = _on_defect(m, r["_shape"], r["max_xy"], f"mask of {r['name']}")
            hits.append(r["on_defect"])
        peak = float(np.mean(hits))
    for r in rows:
        del r["_shape"]
    g = np.array([r["score"] for r in rows[:len(good)]])
    b = np.array([r["score"] for r in rows[len(good):]])
    thr = getattr(scorer, "threshold", None)
    value = None if thr is None else float(getattr(thr, "value", thr))
    return Evaluation(len(g), len(b), auroc(g, b), auroc_interval(g, b), float(g.max()),
                      float(np.mean(b <= g.max())), value,
                      None if value is None else float(np.mean(g > value)),
                      None if value is None else float(np.mean(b <= value)), peak, rows)


#: the kinds :func:`evaluate_pasted` pastes by default: the generator's five original ones
PASTE_KINDS = ("scratch", "spot", "dent", "crack", "stain")


def evaluate_pasted(scorer: Any, good: Sequence[Any], kinds: Sequence[str] = PASTE_KINDS, *,
                    region: Any = None, seed: int = 0, defect_params: dict | None = None,
                    aligned: bool | None = None) -> Evaluation:
    """:func:`evaluate` with the generator's defects pasted on copies of the ``good`` parts,
    for a user who has no defective parts yet (or wants to know what a kind of defect would
    score on their surface): each good image once per kind, in turn
    (:func:`~metrology.synth.defects.paste_defects`, contrasts for the part face's level),
    on ``region`` (default: the part face of the good images, off their strong edges, as the
    scorer's fit-time band selection paints its copies), each copy's mask for the map-peak
    check.  The good images themselves are the good side (a paired comparison: each defect
    against the same parts without it).  The copies' names are ``"<kind>@<image>"``.

    Examples
    --------
    >>> import numpy as np
    >>> from metrology.anomaly import PatchCore
    >>> rng = np.random.default_rng(0)
    >>> goods = [rng.normal(128, 4, (80, 80)).clip(0, 255).astype(np.uint8) for _ in range(9)]
    >>> pc = PatchCore(select="off").fit(goods[:6])
    >>> ev = evaluate_pasted(pc, goods[6:], ["spot"], defect_params={"contrast": -60.0})
    >>> ev.n_bad, ev.auroc
    (3, 1.0)
    """
    from ..core.checks import check_seed
    from ..image.io import load_image
    from ..synth.defects import SURFACE_KINDS, paste_defects
    from ._edge_band import edge_band_roi

    if not callable(getattr(scorer, "score", None)):
        raise InputError("scorer: expected a fitted anomaly scorer (with a score method)")
    kinds = [kinds] if isinstance(kinds, str) else _seq(kinds, "kinds")
    bad_kind = [k for k in kinds if not isinstance(k, str) or k not in SURFACE_KINDS]
    if not kinds or bad_kind:
        raise InputError(f"kinds: expected one or more of {', '.join(SURFACE_KINDS)}, given "
                         f"{bad_kind or 'none'}")
    good = _seq(good, "good")
    names = [str(p) if isinstance(p, str) or hasattr(p, "__fspath__") else f"good[{i}]"
             for i, p in enumerate(good)]
    imgs = [load_image(p, n) for p, n in zip(good, names)]
    if not imgs:
        raise InputError("evaluate_pasted: needs at least one good image")
    if region is None:
        region = edge_band_roi(imgs, 1.0, None)
    region = np.asarray(region)
    if region.shape != imgs[0].shape[:2] or not region.any():
        raise InputError(f"region: expected a non-empty mask of shape {imgs[0].shape[:2]}, "
                         f"given {region.shape}")
    g = check_seed(seed)
    bad, masks, bad_names = [], [], []
    for k in kinds:
        for im, n in zip(imgs, names):
            s = paste_defects(im, k, rng=g, region=region.astype(bool),
                              defect_params=defect_params)
            bad.append(s.image)
            masks.append(s.mask)
            bad_names.append(f"{k}@{n}")
    return evaluate(scorer, imgs, bad, masks, names=names + bad_names, aligned=aligned)
