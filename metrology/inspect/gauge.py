"""Measurement-system analysis: type-1 gauge study (Cg, Cgk) and gauge R&R (ANOVA method).

Type-1 study
    One reference part, measured ``n`` times (at least 10; 25-50 is usual), re-placed between
    shots.  With the reference value ``x_m`` of the part (from a calibrated instrument), the
    tolerance width ``T`` of the feature, the mean ``x̄`` and the standard deviation ``s``
    (``n - 1`` in the denominator)::

        Cg  = K T / (L s)
        Cgk = (K T / 2 - |x̄ - x_m|) / (L s / 2)

    ``K`` is the share of the tolerance the gauge may use (default 0.20) and ``L`` the spread
    of the gauge counted in standard deviations (default 4: ``±2 s``).  Minitab and Bosch
    booklet 10 use ``L = 6``; give ``l=6`` to match them.  The study passes when
    ``Cg >= 1.33`` and ``Cgk >= 1.33`` (both configurable) and every shot gave a value.  The
    bias is also tested against zero (two-sided t-test, ``t = (x̄ - x_m) / (s / sqrt(n))``).

Gauge R&R, ANOVA method (AIAG MSA, 4th ed.)
    ``p`` parts, each measured ``r`` times (re-placed between shots) by each of ``o``
    operators / stations / set-ups (``o = 1``: no operator influence, a one-way ANOVA).  The
    two-way random-effects ANOVA with interaction gives the mean squares ``MS_P``, ``MS_O``,
    ``MS_PO`` and ``MS_E``; when the interaction is not significant (p >= ``alpha_interaction``,
    default 0.05 as Minitab) it is pooled into the error.  Variance components (negative
    estimates are set to 0)::

        repeatability    EV²  = MS_E
        interaction      σ²PO = (MS_PO - MS_E) / r
        operator         AV²  = (MS_O - MS_PO) / (p r)      (MS_PO -> MS_E when pooled)
        part             PV²  = (MS_P - MS_PO) / (o r)
        GRR² = EV² + AV² + σ²PO,   TV² = GRR² + PV²

    ``%GRR = 100 GRR / TV`` (of the study variation; ``study_var`` = 6 cancels),
    ``%tolerance = 100 study_var GRR / T`` and ``ndc = floor(1.41 PV / GRR)``.  AIAG's
    verdict: %GRR <= 10 acceptable, <= 30 conditionally acceptable, above that not; ``ndc``
    at least 5.

Inputs are inspection results (a JSONL file of ``metrology inspect``, or results in memory),
or plain values (:func:`type1_study`, :func:`grr_anova`).

>>> import numpy as np
>>> x = 4.0 + np.array([1, -1, 2, 0, -2, 1, 0, -1, 1, -1]) * 1e-4
>>> r = type1_study(x, reference=4.0, tolerance=0.06, name="d")
>>> round(r.cg, 2), round(r.cgk, 2), r.passed
(24.05, 24.05, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._serial import Serializable
from ..core.checks import _items
from ..errors import InputError
from ._gauge_common import _check_positive, _tolerance_of, check_fields
from .grr import AnovaRow, GRRResult, GRRStudy, grr_anova, grr_study
from .records import load_records, measurement_series

__all__ = [
    "MIN_REPEATS",
    "AnovaRow",
    "GRRResult",
    "GRRStudy",
    "Type1Result",
    "Type1Study",
    "gauge_study",
    "grr_anova",
    "grr_study",
    "type1_study",
]

#: fewest repeats a type-1 study accepts (25-50 are usual; below 10, s is too uncertain:
#: its relative standard error is about 1/sqrt(2(n-1)), 24 % at n = 10)
MIN_REPEATS = 10


# --------------------------------------------------------------------------------------------
# type 1
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Type1Result(Serializable):
    """Type-1 gauge study of one measurement (see the module docstring for the formulas).

    Attributes
    ----------
    name, unit : str
    values : ndarray (N,)
        The repeats in shot order (NaN where a shot gave no value).
    images : tuple of str
        Where each value came from (empty for plain values).
    n : int
        Values used (finite).
    n_missing : int
        Shots without a value (they fail the study).
    reference, tolerance : float
        ``x_m`` and ``T``.
    k, l : float
        The convention: ``K`` (share of T) and ``L`` (spread in s).
    mean, bias, s : float
        ``x̄``, ``x̄ - x_m`` and the sample standard deviation.
    cg, cgk : float
    bias_t, bias_p : float
        t statistic of the bias and its two-sided p-value (n - 1 degrees of freedom).
    var_repeatability_pct, var_repeatability_bias_pct : float
        ``100 K / Cg`` and ``100 K / Cgk`` (Minitab's %Var; inf when Cgk <= 0).
    cg_min, cgk_min : float
        Acceptance limits.
    passed : bool
    reasons : tuple of str
        Why the study failed (empty when it passed).
    """

    def __post_init__(self) -> None:
        check_fields(self, finite=False)
        for f in ("reference", "tolerance", "k", "l", "cg_min", "cgk_min"):
            if not math.isfinite(getattr(self, f)):       # the study's inputs: never inf
                raise InputError(f"Type1Result.{f}: expected a finite number, given "
                                 f"{getattr(self, f)!r}")

    name: str
    unit: str
    values: np.ndarray
    images: tuple[str, ...]
    n: int
    n_missing: int
    reference: float
    tolerance: float
    k: float
    l: float
    mean: float
    bias: float
    s: float
    cg: float
    cgk: float
    bias_t: float
    bias_p: float
    var_repeatability_pct: float
    var_repeatability_bias_pct: float
    cg_min: float
    cgk_min: float
    passed: bool
    reasons: tuple[str, ...] = ()

    @property
    def band(self) -> tuple[float, float]:
        """``x_m ± K T / 2``: where the gauge's values should stay (the run chart's lines)."""
        h = 0.5 * self.k * self.tolerance
        return self.reference - h, self.reference + h

    def summary(self) -> str:
        u = self.unit
        verdict = "PASS" if self.passed else "FAIL (" + "; ".join(self.reasons) + ")"
        return (f"{self.name}: n={self.n} mean={self.mean:.6g} {u} bias={self.bias:+.3g} {u} "
                f"s={self.s:.3g} {u}  Cg={self.cg:.2f} Cgk={self.cgk:.2f}  {verdict}")


def type1_study(values: Any, *, reference: float, tolerance: float, name: str = "value",
                unit: str = "", images: Iterable[str] = (), k: float = 0.2, l: float = 4.0,
                acceptance: tuple[float, float] = (1.33, 1.33),
                min_repeats: int = MIN_REPEATS) -> Type1Result:
    """Type-1 gauge study of repeated measurements of one reference part.

    Parameters
    ----------
    values : array_like (N,)
        The repeats in shot order; NaN (or None) marks a shot that gave no value (counted in
        ``n_missing``, it fails the study).
    reference : float
        The reference part's value ``x_m`` (from a calibrated instrument).
    tolerance : float
        Tolerance width ``T = upper limit - lower limit`` of the feature, > 0.
    k, l : float
        ``K`` in (0, 1] (default 0.2) and ``L`` > 0 (default 4).
    acceptance : (float, float)
        Acceptance limits ``(Cg_min, Cgk_min)`` (default 1.33 each).
    min_repeats : int
        Fewest values accepted (default and minimum allowed: 10).

    Returns
    -------
    Type1Result

    Raises
    ------
    InputError
        Fewer than ``min_repeats`` values, no usable tolerance or reference, all values equal
        (s = 0: the resolution is too coarse for the study), bad ``k``/``l``.
    """
    try:
        v = np.array([np.nan if x is None else x
                      for x in np.ravel(np.asarray(values, dtype=object))], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: values: expected numbers (None: a shot without a value), "
                         f"given {type(values).__name__}") from None
    if isinstance(values, (str, bytes, dict)):
        raise InputError(f"{name}: values: expected a sequence of numbers, given "
                         f"{type(values).__name__}")
    if isinstance(reference, bool) or not isinstance(reference, (int, float)) \
            or not math.isfinite(reference):
        raise InputError(f"{name}: reference value: expected a finite number, given "
                         f"{reference!r}")
    if tolerance is None:
        raise InputError(f"{name}: no tolerance: a type-1 study needs the tolerance width T "
                         f"(upper - lower limit); give it or put both limits in the recipe")
    tolerance = _check_positive(f"{name}: tolerance", tolerance)
    k = _check_positive("k", k, upper=1.0)
    l = _check_positive("l", l)
    if not isinstance(acceptance, (tuple, list)) or len(acceptance) != 2:
        raise InputError(f"acceptance: expected (Cg_min, Cgk_min), given {acceptance!r}")
    cg_min = _check_positive("acceptance Cg_min", acceptance[0])
    cgk_min = _check_positive("acceptance Cgk_min", acceptance[1])
    if isinstance(min_repeats, bool) or not isinstance(min_repeats, int) \
            or min_repeats < MIN_REPEATS:
        raise InputError(f"min_repeats: expected an integer >= {MIN_REPEATS}, given "
                         f"{min_repeats!r}")
    images = tuple(_items(images, "images", str, "image name"))
    if images and len(images) != len(v):
        raise InputError(f"{name}: {len(images)} image names for {len(v)} values")
    ok = np.isfinite(v)
    n, n_missing = int(ok.sum()), int((~ok).sum())
    if n < min_repeats:
        raise InputError(f"{name}: {n} measured value(s)"
                         + (f" ({n_missing} shot(s) gave none)" if n_missing else "")
                         + f"; a type-1 study needs at least {min_repeats} repeats of the "
                           f"reference part (25-50 are usual)")
    x = v[ok]
    mean = float(x.mean())
    s = float(x.std(ddof=1))
    if s == 0.0:
        raise InputError(f"{name}: all {n} values are equal ({mean!r}): s = 0, the reported "
                         f"resolution is too coarse for a type-1 study")
    bias = mean - float(reference)
    cg = k * tolerance / (l * s)
    cgk = (0.5 * k * tolerance - abs(bias)) / (0.5 * l * s)
    from scipy import stats

    t = bias / (s / math.sqrt(n))
    p = float(2.0 * stats.t.sf(abs(t), n - 1))
    reasons = []
    if cg < cg_min:
        reasons.append(f"Cg {cg:.2f} < {cg_min:g}")
    if cgk < cgk_min:
        reasons.append(f"Cgk {cgk:.2f} < {cgk_min:g}")
    if n_missing:
        reasons.append(f"{n_missing} of {len(v)} shots gave no value")
    return Type1Result(name, unit, v, images, n, n_missing, float(reference), tolerance, k, l,
                       mean, bias, s, cg, cgk, float(t), p, 100.0 * k / cg,
                       100.0 * k / cgk if cgk > 0 else math.inf, float(cg_min),
                       float(cgk_min), not reasons, tuple(reasons))


@dataclass(frozen=True)
class Type1Study(Serializable):
    """Type-1 studies of several measurements of one reference part (``results`` by name)."""

    def __post_init__(self) -> None:
        check_fields(self)
        for key, r in self.results.items():
            if not isinstance(key, str) or not isinstance(r, Type1Result):
                raise InputError(f"Type1Study.results: expected name -> Type1Result, given "
                                 f"{key!r:.30} -> {type(r).__name__}")

    results: dict[str, Type1Result]
    source: str = "<records>"
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results.values())

    def __getitem__(self, name: str) -> Type1Result:
        return self.results[name]

    def to_dict(self) -> dict:
        return {**super().to_dict(), "passed": self.passed}

    def summary(self) -> str:
        head = f"type-1 gauge study of {self.source}: {'PASS' if self.passed else 'FAIL'}"
        return "\n".join([head] + ["  " + r.summary() for r in self.results.values()])


def gauge_study(source: Any, references: Mapping[str, float] | str, *,
                tolerances: Mapping[str, float] | None = None,
                measurements: Iterable[str] | None = None, k: float = 0.2, l: float = 4.0,
                cg_min: float = 1.33, cgk_min: float = 1.33, order: str = "name") -> Type1Study:
    """Type-1 gauge study from inspection results of one reference part shot many times.

    Parameters
    ----------
    source : path, Records or sequence of InspectionResult / record dicts
        The repeats (a JSONL file of ``metrology inspect``, ``recipe.run_many(...)``, ...).
    references : mapping or "nominal"
        ``name -> reference value`` of the reference part (its calibrated values; the
        measurements studied are these), or ``"nominal"`` to take each measurement's nominal
        from the results (right only when the reference part's calibrated values are the
        nominals).
    tolerances : mapping, optional
        ``name -> T`` overriding the width ``max - min`` recorded in the results.
    measurements : iterable of str, optional
        With ``references="nominal"``: only these (default: all with a tolerance).
    k, l, cg_min, cgk_min : float
        See :func:`type1_study`.
    order : {"name", "file"}
        Shot order (see :func:`~metrology.inspect.records.measurement_series`).

    Returns
    -------
    Type1Study

    Raises
    ------
    InputError
        No references, an unknown measurement, fewer than 10 repeats, a measurement without a
        two-sided tolerance (give ``tolerances``), no nominal with ``"nominal"``.
    """
    recs = load_records(source)
    if isinstance(references, str):
        if references != "nominal":
            raise InputError(f"references: expected a mapping name -> value or 'nominal', "
                             f"given {references!r}")
        series = measurement_series(recs, order=order, measurements=measurements)
        if measurements is None:
            series = {n: s for n, s in series.items()
                      if s.tolerance_width is not None or (tolerances and n in tolerances)}
        refs = {}
        for n, s in series.items():
            if s.nominal is None:
                raise InputError(f"{n}: the results give no nominal; give its reference "
                                 f"value (references={{{n!r}: value}} / --reference {n}=VALUE)")
            refs[n] = s.nominal
    else:
        if not isinstance(references, Mapping) or not references:
            raise InputError("references: give the reference part's value of each measurement "
                             "to study (name -> value), or 'nominal'")
        refs = dict(references)
        series = measurement_series(recs, order=order, measurements=list(refs))
    if not series:
        raise InputError(f"{recs.source}: no measurement with a two-sided tolerance to study; "
                         f"give tolerances=")
    results = {}
    for n, s in series.items():
        results[n] = type1_study(s.values, reference=refs[n], tolerance=_tolerance_of(s, tolerances),
                                 name=n, unit=s.unit, images=s.images, k=k, l=l,
                                 acceptance=(cg_min, cgk_min))
    return Type1Study(results, recs.source, tuple(str(p) for p in recs.problems))
