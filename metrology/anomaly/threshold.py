"""Score thresholds calibrated on held-back good images, and the ROC AUC used to report accuracy.

A threshold is learned from scores of *good* parts that the scorer did not train on (scores of
training images are optimistically low): ``"quantile"`` takes a high quantile of those scores
(a chosen false-alarm rate), ``"max_margin"`` takes their maximum plus a relative margin (no
good part of the calibration set would be rejected, with room to spare).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._serial import Serializable
from ..core.checks import check_choice, check_finite, check_int
from ..errors import InputError
from .settings import checked_from_dict

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

    def __post_init__(self) -> None:
        check_choice(self.method, "method", ("quantile", "max_margin"))
        for nm in ("value", "quantile", "margin", "good_max", "good_mean", "good_std",
                   "false_alarm_rate"):
            object.__setattr__(self, nm, check_finite(getattr(self, nm), nm))
        object.__setattr__(self, "n_images", check_int(self.n_images, "n_images", min=1))
        if not 0 < self.quantile <= 1 or self.margin < 0 or self.good_std < 0 or \
                not 0 <= self.false_alarm_rate <= 1:
            raise InputError(f"threshold: expected quantile in (0, 1], margin >= 0, good_std "
                             f">= 0 and false_alarm_rate in [0, 1], given {self.quantile}, "
                             f"{self.margin}, {self.good_std}, {self.false_alarm_rate}")

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError
                  ) -> "Threshold":
        """Inverse of ``to_dict``; raises ``error`` naming ``where`` and the field."""
        return checked_from_dict(cls, d, where, error)

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
    s = _scores(good_scores, "good_scores")
    quantile = check_finite(quantile, "quantile", max=1.0)
    if not quantile > 0:
        raise InputError(f"quantile: expected a value in (0, 1], given {quantile}")
    margin = check_finite(margin, "margin", min=0.0, max=1e6)
    if float(np.abs(s).max()) * (1 + margin) > 1e300:
        raise InputError("good_scores: values too large for a threshold")
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
    g = _scores(scores_good, "scores_good")
    b = _scores(scores_bad, "scores_bad")
    allv = np.concatenate([g, b])
    from scipy.stats import rankdata

    ranks = rankdata(allv)  # average ranks handle ties as one half
    rb = ranks[g.size:].sum()
    return float((rb - b.size * (b.size + 1) / 2) / (g.size * b.size))


def _scores(values: Any, name: str) -> np.ndarray:
    """``values`` as a non-empty, finite 1-D float64 array (InputError otherwise)."""
    try:
        a = np.asarray(values)
    except (TypeError, ValueError):
        a = None
    if a is None or a.dtype.kind not in "biuf":
        raise InputError(f"{name}: expected a sequence of numbers, given {type(values).__name__}")
    a = a.astype(np.float64).ravel()
    if a.size == 0:
        raise InputError(f"{name}: expected at least one score, given none")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: contains NaN or inf")
    return a
