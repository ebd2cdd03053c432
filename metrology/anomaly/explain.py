"""Why a part scored high: each channel's part in a :class:`~metrology.anomaly.PatchCore`
image score (``metrology anomaly score ... --explain``).

PatchCore's image score combines the patch bank's with its extra channels' (line, blob, jet,
jet head, comb bands, discriminator, texture energy, chroma: those the fit kept), each put on
the bank's scale, as ``PatchCore.fusion_used`` says (``_fusion``).  A false reject or an
escape is easier to act on (refit, mask a region, switch a channel off with ``anomaly fit
--line-scan off`` ...) once it is known which channel fired, how far above its good parts, and
where.  :func:`explain` scores the image once, as :meth:`PatchCore.score` does, and keeps the
parts: its :attr:`Explanation.score` is the same float as ``score(image).score``.

>>> from metrology.anomaly import PatchCore
>>> from metrology.synth.defects import make_defect_set
>>> parts = make_defect_set(6, ["spot"], 1, shape=(96, 96), seed=3)
>>> pc = PatchCore(coreset_ratio=0.2, select="off").fit([p.image for p in parts[:6]])
>>> why = explain(pc, parts[6].image)
>>> why.score == pc.score(parts[6].image).score
True
>>> why.decides in [c.name for c in why.channels]
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._memory import keep_freed_memory
from ..core.checks import as_vector, check_bool, check_choice, check_finite
from ..errors import InputError

__all__ = ["explain", "Explanation", "ChannelPart"]

#: the fusions an explanation can name (``PatchCoreSettings.fusion`` as a fit resolves it)
FUSIONS = ("max", "sum", "colocated")


def _xy(v: Any, name: str) -> tuple[float, float] | None:
    """``v`` as an (x, y) pixel of two finite numbers, or None."""
    if v is None:
        return None
    xy = as_vector(v, name, 2)
    return float(xy[0]), float(xy[1])


def _num(v: float | None, nd: int = 4) -> float | None:
    """A JSON number, rounded (None stays None)."""
    return None if v is None else round(float(v), nd)


@dataclass(frozen=True)
class ChannelPart:
    """One channel's part in an image score.

    Attributes
    ----------
    name : str
        ``"patch"`` (the patch bank; with the position-aware check, its deviations too),
        ``"line"``, ``"blob"``, ``"jet"``, ``"jet_head"``, a comb band (``"comb"``,
        ``"comb25"``), ``"cnn"``, ``"energy"`` or ``"chroma"``.
    score : float
        Its image score in PatchCore units (the bank's scale).
    z : float or None
        How many spreads its score lies above the mean of the good parts held back at fit
        (every 5th training image): 0 is a typical good part, +3 a rare one.  Every channel is
        mapped onto the bank's scale through these parts, so this is also its z over its own
        scores of them.  None where the bank holds no such parts' figures (a bank without
        the line, texture-energy and chroma channels).  The bank's own z, with the
        position-aware check, compares against held-back scores made without it.
    peak_xy : tuple of float or None
        ``(x, y)`` image pixel of its map's maximum (over the pixels it scanned); None where
        its map is empty.
    """

    name: str
    score: float
    z: float | None = None
    peak_xy: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"name: expected a channel name, given {self.name!r:.40}")
        object.__setattr__(self, "score", check_finite(self.score, "score"))
        if self.z is not None:
            object.__setattr__(self, "z", check_finite(self.z, "z"))
        object.__setattr__(self, "peak_xy", _xy(self.peak_xy, "peak_xy"))

    def to_dict(self) -> dict:
        """JSON-ready: name, score, z, peak_xy (a non-finite number as None)."""
        return {"name": self.name, "score": _num(self.score), "z": _num(self.z, 3),
                "peak_xy": None if self.peak_xy is None else [round(v, 1) for v in self.peak_xy]}


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found: each channel's part and the one that set the score.

    Attributes
    ----------
    score : float
        The image score, the same float as ``PatchCore.score(image, aligned=...).score``.
    fusion : {"max", "sum", "colocated"}
        How the bank combines its channels (``PatchCore.fusion_used``).
    channels : tuple of ChannelPart
        The patch bank and every extra channel that scanned (a channel whose face the image
        or an ROI leaves empty scores -inf and is left out), largest score first.
    decides : str
        The channel that set the score: under ``"max"`` the largest (the bank first on a
        tie; the blob channel never: ``"max"`` leaves it out); under ``"colocated"`` the
        largest at the pixel where the sum of the channel and the others' support peaks
        (or ``"max"``'s, where that sum is lower); under ``"sum"`` the largest z (the largest
        share of the sum).
    at_xy : tuple of float or None
        Where the score was set: under ``"colocated"`` the sum's peak, else the deciding
        channel's map maximum.
    support : float
        The score minus the deciding channel's own value there: under ``"colocated"`` the
        support of the other channels at ``at_xy`` (0 when the channel alone set it); under
        ``"sum"`` what the other channels add to the normalised sum (negative when they lie
        below their good parts' mean); under ``"max"`` 0.  With the jet memory
        (``jet_memory``, summed with the fused score, never deciding) its share of the sum
        too.
    threshold : float or None
        The bank's threshold, if calibrated.
    aligned : bool
        Scored with the position-aware check.
    """

    score: float
    fusion: str
    channels: tuple
    decides: str
    at_xy: tuple[float, float] | None = None
    support: float = 0.0
    threshold: float | None = None
    aligned: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", check_finite(self.score, "score"))
        object.__setattr__(self, "fusion", check_choice(self.fusion, "fusion", FUSIONS))
        ch = self.channels
        if not isinstance(ch, (tuple, list)) or not ch or \
                not all(isinstance(c, ChannelPart) for c in ch):
            raise InputError(f"channels: expected a sequence of ChannelPart, given "
                             f"{type(ch).__name__}")
        object.__setattr__(self, "channels", tuple(ch))
        names = [c.name for c in self.channels]
        if not isinstance(self.decides, str) or self.decides not in names:
            raise InputError(f"decides: expected one of the channels {names}, given "
                             f"{self.decides!r:.40}")
        object.__setattr__(self, "at_xy", _xy(self.at_xy, "at_xy"))
        object.__setattr__(self, "support", check_finite(self.support, "support"))
        if self.threshold is not None:
            object.__setattr__(self, "threshold", check_finite(self.threshold, "threshold"))
        object.__setattr__(self, "aligned", check_bool(self.aligned, "aligned"))

    def lines(self) -> list[str]:
        """The explanation as text: a heading line, then one line per channel, largest score
        first, the deciding one marked ``<- decides``."""
        at = "" if self.at_xy is None else f" at ({self.at_xy[0]:.0f}, {self.at_xy[1]:.0f})"
        head = f"score {self.score:.4f} ({self.fusion}): {self.decides} decides{at}"
        if self.fusion != "max" and self.support:
            what = "others' support there" if self.fusion == "colocated" else "rest of the sum"
            head += f", {self.support:+.4f} of it the {what}"
        width = max(len(c.name) for c in self.channels)
        out = [head]
        for c in self.channels:
            z = "  n/a" if c.z is None else f"{c.z:+5.1f}"
            where = "" if c.peak_xy is None else f"  at ({c.peak_xy[0]:.0f}, {c.peak_xy[1]:.0f})"
            mark = "  <- decides" if c.name == self.decides else ""
            out.append(f"  {c.name:<{width}}  {c.score:7.2f}  z {z}{where}{mark}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict:
        """JSON-ready: score, fusion, decides, at_xy, support, threshold, aligned and the
        channels (each :meth:`ChannelPart.to_dict`), largest score first."""
        return {"score": float(self.score), "fusion": self.fusion, "decides": self.decides,
                "at_xy": None if self.at_xy is None else [round(v, 1) for v in self.at_xy],
                "support": _num(self.support), "threshold": self.threshold,
                "aligned": self.aligned, "channels": [c.to_dict() for c in self.channels]}


def _peak(m: np.ndarray, scale: tuple[float, float]) -> tuple[float, float] | None:
    """(x, y) of ``m``'s maximum over its nonzero pixels (a channel's map is 0 where it did
    not scan) in the input image's pixels (``scale``: input size over scored size, (y, x));
    None where every pixel is 0."""
    scanned = m != 0
    if not scanned.any():
        return None
    r, c = np.unravel_index(int(np.argmax(np.where(scanned, m, -np.inf))), m.shape)
    return _to_input((int(r), int(c)), scale)


def _to_input(rc: tuple[int, int], scale: tuple[float, float]) -> tuple[float, float]:
    """Pixel (row, col) of the scored image as (x, y) in the input image (the centres of the
    bilinear resize ``score`` applies to the map when the bank resizes images)."""
    sy, sx = scale
    if sy == sx == 1.0:
        return float(rc[1]), float(rc[0])
    return (rc[1] + 0.5) * sx - 0.5, (rc[0] + 0.5) * sy - 0.5


def explain(pc: Any, image: Any, aligned: bool | None = None) -> Explanation:
    """Each channel's part in ``pc``'s image score of ``image`` (module docstring).

    Parameters
    ----------
    pc : PatchCore
        A fitted bank.
    image : ndarray (H, W) or (H, W, 3), or path
        As :meth:`PatchCore.score` takes it.
    aligned : bool, optional
        With the position-aware check, as :meth:`PatchCore.score`'s ``aligned`` (default:
        the bank's setting).

    Returns
    -------
    Explanation
        Its ``score`` is ``pc.score(image, aligned=aligned).score``, the same float: the
        image is scored once, through the same steps.

    Raises
    ------
    InputError
        ``pc`` is not a PatchCore, or the image does not fit it.
    NotFittedError
        ``pc`` is not fitted.
    """
    return _explain(pc, image, aligned)[1]


def _explain(pc: Any, image: Any, aligned: bool | None) -> tuple[Any, Explanation]:
    """(``pc.score(image, aligned=aligned)``, :func:`explain`'s explanation) from one pass
    (``metrology anomaly score --explain`` prints both)."""
    from ._fusion import channel_scores, decided_by, fuse, pc_stats
    from ._patchcore_parts import bank_map, scored
    from .describe import _scorer

    pc = _scorer(pc)
    pc._check_fitted()
    keep_freed_memory()
    img, in_shape = pc._prepare(image)
    use_aligned = pc._use_aligned(aligned)
    up, value, pixel_mask = bank_map(pc, img, use_aligned)
    chans = channel_scores(pc, img, pixel_mask)
    fused_map, total, why = fuse(pc, up, value, chans, why=True)
    res = scored(pc, fused_map, total, in_shape)
    scale = (in_shape[0] / img.shape[0], in_shape[1] / img.shape[1])
    stats = pc_stats(pc)
    found = [ChannelPart(n, s, None if stats is None else (s - stats[0]) / stats[1],
                         _peak(m, scale)) for n, m, s in [("patch", up, value)] + chans
             if math.isfinite(s)]   # a channel with an empty face scores -inf: it did not scan
    by_name = {c.name: c for c in found}
    if why is not None:              # "colocated": the sum of a channel and its support
        name, at, z = why
        mean, sd = stats
        base = float(np.float32(z) * np.float32(sd) + np.float32(mean))
        decides, at_xy, support = name, _to_input(at, scale), total - base
    else:
        decides = decided_by(pc, value, chans, pc.fusion_used)
        at_xy = by_name[decides].peak_xy
        support = total - by_name[decides].score   # under "max" 0 (but the jet memory's)
    order = sorted(found, key=lambda c: -c.score)   # stable: the bank first on a tie
    return res, Explanation(total, pc.fusion_used, tuple(order), decides, at_xy,
                            support if math.isfinite(support) else 0.0, res.threshold,
                            use_aligned)
