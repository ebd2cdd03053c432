"""Score thresholds calibrated on held-back good images, and the ROC AUC used to report accuracy.

A threshold is learned from scores of *good* parts that the scorer did not train on (scores of
training images are optimistically low): ``"quantile"`` takes a high quantile of those scores
(a chosen false-alarm rate), ``"max_margin"`` takes their maximum plus a relative margin (no
good part of the calibration set would be rejected, with room to spare).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._serial import Serializable
from ..core.checks import check_choice
from ..errors import InputError

__all__ = ["Threshold", "calibrate_threshold", "auroc"]


@dataclass(frozen=True)
class Threshold(Serializable):
    """A calibrated anomaly-score threshold.

    Attributes
    ----------
    value : float
        Scores strictly above it are anomalous.
    method : str
        ``"quantile"`` or ``"max_margin"``.
    quantile, margin : float
        The parameters used.
    n_images : int
        Number of good calibration scores.
    good_max, good_mean, good_std : float
        Summary of the calibration scores.
    false_alarm_rate : float
        Fraction of the calibration scores above ``value``.
    """

    _json_type: ClassVar[str | None] = None

    value: float
    method: str
    quantile: float
    margin: float
    n_images: int
    good_max: float
    good_mean: float
    good_std: float
    false_alarm_rate: float

    def __str__(self) -> str:
        return (f"threshold {self.value:.4g} ({self.method}, q={self.quantile:g}, "
                f"margin={self.margin:g}) from {self.n_images} good images: max "
                f"{self.good_max:.4g}, mean {self.good_mean:.4g} +- {self.good_std:.3g}, "
                f"false alarms {100 * self.false_alarm_rate:.1f} %")


def calibrate_threshold(good_scores, method: str = "quantile", *, quantile: float = 0.99,
                        margin: float = 0.1) -> Threshold:
    """Threshold from scores of held-back good images.

    Parameters
    ----------
    good_scores : array_like (N,)
        Image scores of good parts not used for fitting (N >= 1; 20 or more recommended).
    method : {"quantile", "max_margin"}
        ``quantile``: the ``quantile`` of the scores (linear interpolation), raised by
        ``margin`` times the scores' spread (std); ``max_margin``: ``max * (1 + margin)``.
    quantile : float in (0, 1]
    margin : float >= 0

    Returns
    -------
    Threshold

    Examples
    --------
    >>> t = calibrate_threshold([1.0, 1.2, 1.1, 0.9], "max_margin", margin=0.1)
    >>> round(t.value, 3), t.false_alarm_rate
    (1.32, 0.0)
    """
    check_choice(method, "method", ("quantile", "max_margin"))
    s = np.asarray(good_scores, dtype=np.float64).ravel()
    if s.size == 0:
        raise InputError("good_scores: expected at least one score of a good image, given none")
    if not np.all(np.isfinite(s)):
        raise InputError("good_scores: contains NaN or inf")
    if not 0 < quantile <= 1:
        raise InputError(f"quantile: expected a value in (0, 1], given {quantile}")
    if not margin >= 0:
        raise InputError(f"margin: expected >= 0, given {margin}")
    if method == "quantile":
        value = float(np.quantile(s, quantile) + margin * s.std())
    else:
        value = float(s.max() * (1 + margin)) if s.max() >= 0 else float(s.max() * (1 - margin))
    return Threshold(value, method, float(quantile), float(margin), int(s.size),
                     float(s.max()), float(s.mean()), float(s.std()),
                     float(np.mean(s > value)))


def auroc(scores_good, scores_bad) -> float:
    """Area under the ROC curve: probability that a bad image scores above a good one (ties
    count half).

    Parameters
    ----------
    scores_good, scores_bad : array_like (N,), (M,)

    Examples
    --------
    >>> auroc([0.1, 0.2], [0.3, 0.15])
    0.75
    """
    g = np.asarray(scores_good, dtype=np.float64).ravel()
    b = np.asarray(scores_bad, dtype=np.float64).ravel()
    if g.size == 0 or b.size == 0:
        raise InputError("auroc: expected at least one good and one bad score")
    allv = np.concatenate([g, b])
    from scipy.stats import rankdata

    ranks = rankdata(allv)  # average ranks handle ties as one half
    rb = ranks[g.size:].sum()
    return float((rb - b.size * (b.size + 1) / 2) / (g.size * b.size))
