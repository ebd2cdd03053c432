"""Gauge R&R by the ANOVA method (AIAG MSA, 4th ed.); see :mod:`metrology.inspect.gauge` for the
formulas and the type-1 study.  Everything here is also importable from ``gauge``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._serial import Serializable
from ..core.checks import check_int
from ..errors import InputError
from ._gauge_common import _check_positive, _tolerance_of, check_fields
from .records import load_records, measurement_series

__all__ = ["AnovaRow", "GRRResult", "GRRStudy", "grr_anova", "grr_study"]


# --------------------------------------------------------------------------------------------
# gauge R&R, ANOVA method
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnovaRow(Serializable):
    """One row of the ANOVA table (``f``/``p`` None where no test applies)."""

    def __post_init__(self) -> None:
        check_fields(self, finite=False)

    source: str
    df: int
    ss: float
    ms: float
    f: float | None = None
    p: float | None = None


@dataclass(frozen=True)
class GRRResult(Serializable):
    """Gauge R&R of one measurement (see the module docstring for the formulas).

    Attributes
    ----------
    name, unit : str
    data : ndarray (p, o, r)
        Values by part, operator and trial.
    anova : tuple of AnovaRow
        The full model (part, operator, part*operator, repeatability, total).
    anova_used : tuple of AnovaRow
        The model the components come from (interaction pooled when not significant).
    interaction_pooled : bool
    var : dict
        Variance components ``repeatability``, ``reproducibility``, ``operator``,
        ``interaction``, ``grr``, ``part``, ``total``.
    std : dict
        Their square roots.
    pct_contribution, pct_study_var : dict
        ``100 var / var_total`` and ``100 std / std_total``.
    pct_tolerance : dict or None
        ``100 study_var std / T`` (None without a tolerance).
    ndc : int
        ``floor(1.41 PV / GRR)``.
    grr_pct : float
        %GRR on ``basis``.
    basis : str
        ``"study_var"`` (of the total variation, AIAG's default) or ``"tolerance"``.
    verdict : str
        ``acceptable`` (<= 10 %), ``conditional`` (<= 30 %) or ``unacceptable``.
    passed : bool
        ``acceptable`` and ``ndc >= ndc_min``.
    """

    def __post_init__(self) -> None:
        check_fields(self, finite=False)

    name: str
    unit: str
    data: np.ndarray
    anova: tuple[AnovaRow, ...]
    anova_used: tuple[AnovaRow, ...]
    interaction_pooled: bool
    var: dict[str, float]
    std: dict[str, float]
    pct_contribution: dict[str, float]
    pct_study_var: dict[str, float]
    pct_tolerance: dict[str, float] | None
    tolerance: float | None
    study_var: float
    ndc: int
    grr_pct: float
    basis: str
    verdict: str
    ndc_min: int
    passed: bool
    images: np.ndarray | None = field(default=None, repr=False, metadata={"json": False})
    parts: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()

    def summary(self) -> str:
        p, o, r = self.data.shape
        tol = "" if self.pct_tolerance is None else \
            f", {self.pct_tolerance['grr']:.1f} % of tolerance"
        return (f"{self.name}: {p} parts x {o} operator(s) x {r} trials: %GRR "
                f"{self.pct_study_var['grr']:.1f} % of study variation{tol}, ndc {self.ndc}: "
                f"{self.verdict}{'' if self.passed else ' (FAIL)'}")


def grr_anova(data: Any, *, name: str = "value", unit: str = "",
              tolerance: float | None = None, study_var: float = 6.0,
              alpha_interaction: float = 0.05, basis: str = "study_var",
              ndc_min: int = 5) -> GRRResult:
    """Gauge R&R by the ANOVA method from a balanced table of values.

    Parameters
    ----------
    data : array_like (p, o, r) or (p, r)
        Values by part, operator and trial (a 2-D table: one operator).  p >= 2, r >= 2, all
        finite.
    tolerance : float, optional
        Tolerance width T for %tolerance.
    study_var : float
        Multiplier of the standard deviations for the study variation (default 6).
    alpha_interaction : float
        The part*operator interaction is pooled into the error when its p-value is at least
        this (default 0.05).
    basis : {"study_var", "tolerance"}
        What %GRR is judged on.
    ndc_min : int
        Fewest distinct categories for a pass (default 5).

    Returns
    -------
    GRRResult

    Raises
    ------
    InputError
        Wrong shape, fewer than 2 parts or trials, non-finite values, no variation at all,
        ``basis="tolerance"`` without a tolerance.
    """
    from scipy import stats

    ndc_min = check_int(ndc_min, "ndc_min", min=1, max=10 ** 6)
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: expected numbers shaped (parts, operators, trials), given "
                         f"{type(data).__name__}") from None
    if x.ndim == 2:
        x = x[:, None, :]
    if x.ndim != 3:
        raise InputError(f"{name}: expected values shaped (parts, operators, trials), given "
                         f"shape {x.shape}")
    p, o, r = x.shape
    if p < 2 or r < 2 or o < 1:
        raise InputError(f"{name}: a gauge R&R needs at least 2 parts and 2 trials per part "
                         f"and operator (10 parts, 2-3 trials are usual), given {p} part(s), "
                         f"{r} trial(s)")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{name}: {int((~np.isfinite(x)).sum())} missing or non-finite "
                         f"value(s); a gauge R&R needs every part x operator x trial")
    if basis not in ("study_var", "tolerance"):
        raise InputError(f"basis: expected 'study_var' or 'tolerance', given {basis!r}")
    if tolerance is not None:
        tolerance = _check_positive(f"{name}: tolerance", tolerance)
    elif basis == "tolerance":
        raise InputError(f"{name}: basis 'tolerance' needs the tolerance width")
    study_var = _check_positive("study_var", study_var)
    alpha_interaction = _check_positive("alpha_interaction", alpha_interaction, upper=1.0)

    grand = x.mean()
    part_m = x.mean(axis=(1, 2))
    op_m = x.mean(axis=(0, 2))
    cell_m = x.mean(axis=2)
    ss_total = float(((x - grand) ** 2).sum())
    ss_part = float(o * r * ((part_m - grand) ** 2).sum())
    ss_op = float(p * r * ((op_m - grand) ** 2).sum())
    ss_err = float(((x - cell_m[:, :, None]) ** 2).sum())
    ss_int = max(ss_total - ss_part - ss_op - ss_err, 0.0)
    df_part, df_op, df_int, df_err = p - 1, o - 1, (p - 1) * (o - 1), p * o * (r - 1)
    df_total = p * o * r - 1
    ms_part, ms_err = ss_part / df_part, ss_err / df_err
    if ss_total == 0.0:
        raise InputError(f"{name}: every value is the same: no variation to analyse")

    def ftest(ms_a, df_a, ms_b, df_b):
        if df_a == 0 or df_b == 0:
            return None, None
        if ms_b == 0:
            return (math.inf, 0.0) if ms_a > 0 else (None, None)
        f = ms_a / ms_b
        return f, float(stats.f.sf(f, df_a, df_b))

    rows_full: list[AnovaRow] = []
    if o > 1:
        ms_op, ms_int = ss_op / df_op, ss_int / df_int
        fi, pi = ftest(ms_int, df_int, ms_err, df_err)
        fp, pp = ftest(ms_part, df_part, ms_int, df_int)
        fo, po = ftest(ms_op, df_op, ms_int, df_int)
        rows_full = [AnovaRow("part", df_part, ss_part, ms_part, fp, pp),
                     AnovaRow("operator", df_op, ss_op, ms_op, fo, po),
                     AnovaRow("part*operator", df_int, ss_int, ms_int, fi, pi),
                     AnovaRow("repeatability", df_err, ss_err, ms_err),
                     AnovaRow("total", df_total, ss_total, ss_total / df_total)]
        pooled = pi is None or pi >= alpha_interaction
        if pooled:
            ms_pool = (ss_int + ss_err) / (df_int + df_err)
            fp2, pp2 = ftest(ms_part, df_part, ms_pool, df_int + df_err)
            fo2, po2 = ftest(ms_op, df_op, ms_pool, df_int + df_err)
            rows_used = [AnovaRow("part", df_part, ss_part, ms_part, fp2, pp2),
                         AnovaRow("operator", df_op, ss_op, ms_op, fo2, po2),
                         AnovaRow("repeatability", df_int + df_err, ss_int + ss_err, ms_pool),
                         rows_full[-1]]
            v_rep = ms_pool
            v_int = 0.0
            v_op = max((ms_op - ms_pool) / (p * r), 0.0)
            v_part = max((ms_part - ms_pool) / (o * r), 0.0)
        else:
            rows_used = rows_full
            v_rep = ms_err
            v_int = max((ms_int - ms_err) / r, 0.0)
            v_op = max((ms_op - ms_int) / (p * r), 0.0)
            v_part = max((ms_part - ms_int) / (o * r), 0.0)
    else:  # one operator: one-way random-effects ANOVA, no reproducibility term
        fp, pp = ftest(ms_part, df_part, ms_err, df_err)
        rows_full = [AnovaRow("part", df_part, ss_part, ms_part, fp, pp),
                     AnovaRow("repeatability", df_err, ss_err, ms_err),
                     AnovaRow("total", df_total, ss_total, ss_total / df_total)]
        rows_used, pooled = rows_full, False
        v_rep, v_int, v_op = ms_err, 0.0, 0.0
        v_part = max((ms_part - ms_err) / r, 0.0)
    v_repro = v_op + v_int
    v_grr = v_rep + v_repro
    v_total = v_grr + v_part
    var = {"repeatability": v_rep, "reproducibility": v_repro, "operator": v_op,
           "interaction": v_int, "grr": v_grr, "part": v_part, "total": v_total}
    std = {key: math.sqrt(v) for key, v in var.items()}
    contrib = {key: 100.0 * v / v_total for key, v in var.items()}
    sv = {key: 100.0 * s / std["total"] for key, s in std.items()}
    tol_pct = None if tolerance is None else \
        {key: 100.0 * study_var * s / tolerance for key, s in std.items()}
    if std["grr"] == 0.0:
        raise InputError(f"{name}: every part repeats exactly (GRR = 0): the reported "
                         f"resolution is too coarse for a gauge R&R")
    ndc = math.floor(1.41 * std["part"] / std["grr"])
    grr_pct = sv["grr"] if basis == "study_var" else tol_pct["grr"]
    verdict = ("acceptable" if grr_pct <= 10.0 else "conditional" if grr_pct <= 30.0
               else "unacceptable")
    return GRRResult(name, unit, x, tuple(rows_full), tuple(rows_used), bool(pooled), var, std,
                     contrib, sv, tol_pct, tolerance, study_var, ndc, grr_pct, basis, verdict,
                     int(ndc_min), verdict == "acceptable" and ndc >= ndc_min)


@dataclass(frozen=True)
class GRRStudy(Serializable):
    """Gauge R&R of several measurements (``results`` by name)."""

    def __post_init__(self) -> None:
        check_fields(self)
        for key, r in self.results.items():
            if not isinstance(key, str) or not isinstance(r, GRRResult):
                raise InputError(f"GRRStudy.results: expected name -> GRRResult, given "
                                 f"{key!r:.30} -> {type(r).__name__}")

    results: dict[str, GRRResult]
    source: str = "<records>"
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results.values())

    def __getitem__(self, name: str) -> GRRResult:
        return self.results[name]

    def to_dict(self) -> dict:
        return {**super().to_dict(), "passed": self.passed}

    def summary(self) -> str:
        head = f"gauge R&R (ANOVA) of {self.source}: {'PASS' if self.passed else 'FAIL'}"
        return "\n".join([head] + ["  " + r.summary() for r in self.results.values()])


def _grouper(pattern: str | Callable[[str], Any]) -> Callable[[str], tuple[str, str]]:
    if callable(pattern):
        def by_call(image: str) -> tuple[str, str]:
            g = pattern(image)
            if isinstance(g, tuple):
                if len(g) != 2:
                    raise InputError(f"{image}: the grouping function returned {g!r}; expected "
                                     f"part or (part, operator)")
                return str(g[0]), str(g[1])
            return str(g), ""
        return by_call
    try:
        rx = re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise InputError(f"pattern: not a regular expression ({exc}): {pattern!r}") from None
    if "part" not in rx.groupindex:
        raise InputError(f"pattern: needs a named group (?P<part>...) (and optionally "
                         f"(?P<operator>...)), given {pattern!r}")

    def by_regex(image: str) -> tuple[str, str]:
        import os

        m = rx.search(os.path.basename(image))
        if m is None:
            raise InputError(f"{image}: the file name does not match the pattern {pattern!r}")
        op = m.groupdict().get("operator")
        return m.group("part"), op or ""
    return by_regex


def grr_study(source: Any, pattern: str | Callable[[str], Any], *,
              tolerances: Mapping[str, float] | None = None,
              measurements: Iterable[str] | None = None, study_var: float = 6.0,
              alpha_interaction: float = 0.05, basis: str = "study_var",
              ndc_min: int = 5, order: str = "name") -> GRRStudy:
    r"""Gauge R&R (ANOVA method) from inspection results of several parts, each shot several
    times (re-placed between shots), optionally by several operators / set-ups.

    Parameters
    ----------
    source : path, Records or sequence of InspectionResult / record dicts
    pattern : str or callable
        Regular expression searched in each image's file name, with a named group
        ``(?P<part>...)`` and optionally ``(?P<operator>...)``
        (e.g. ``r"part(?P<part>\d+)_op(?P<operator>[A-Z])_"``); or a function
        ``image -> part`` or ``image -> (part, operator)``.  The trials of a part and operator
        are its images in image order.
    tolerances : mapping, optional
        ``name -> T`` (default: the results' ``max - min`` where both are given).
    measurements : iterable of str, optional
        Default: all.
    study_var, alpha_interaction, basis, ndc_min
        See :func:`grr_anova`.

    Raises
    ------
    InputError
        Unbalanced study (a part/operator with another number of trials, or missing), a shot
        without a value, a file name the pattern does not match.
    """
    if tolerances is not None and not isinstance(tolerances, Mapping):
        raise InputError(f"tolerances: expected name -> tolerance width or None, given "
                         f"{type(tolerances).__name__}")
    recs = load_records(source)
    series = measurement_series(recs, order=order, measurements=measurements)
    group = _grouper(pattern)
    first = next(iter(series.values()), None)
    if first is None:
        raise InputError(f"{recs.source}: the results hold no measurement")
    keys = [group(img) for img in first.images]
    parts = list(dict.fromkeys(k[0] for k in keys))
    ops = list(dict.fromkeys(k[1] for k in keys))
    cells: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(keys):
        cells.setdefault(key, []).append(i)
    counts = {(pt, op): len(cells.get((pt, op), [])) for pt in parts for op in ops}
    r = max(counts.values())
    short = [(pt, op, c) for (pt, op), c in counts.items() if c != r]
    if short:
        pt, op, c = short[0]
        who = f"part {pt!r}" + (f" / operator {op!r}" if op else "")
        raise InputError(f"gauge R&R needs a balanced study: {who} has {c} trial(s), others "
                         f"{r} ({len(short)} such cell(s))")
    index = np.array([[cells[(pt, op)] for op in ops] for pt in parts])  # (p, o, r)
    results = {}
    for n, s in series.items():
        tol = (tolerances or {}).get(n, s.tolerance_width)
        if basis == "tolerance" and tol is None:
            _tolerance_of(s, tolerances)  # raises with the message saying what to give
        missing = np.flatnonzero(~np.isfinite(s.values))
        if len(missing):
            i = int(missing[0])
            raise InputError(f"{n}: {len(missing)} shot(s) gave no value, e.g. {s.images[i]} "
                             f"({s.errors[i] or 'not measured'}); a gauge R&R needs them all")
        res = grr_anova(s.values[index], name=n, unit=s.unit, tolerance=tol,
                        study_var=study_var, alpha_interaction=alpha_interaction, basis=basis,
                        ndc_min=ndc_min)
        results[n] = _with_labels(res, np.asarray(s.images, dtype=object)[index], parts, ops)
    return GRRStudy(results, recs.source, tuple(str(p) for p in recs.problems))


def _with_labels(res: GRRResult, images: np.ndarray, parts: list, ops: list) -> GRRResult:
    from dataclasses import replace

    return replace(res, images=images, parts=tuple(parts), operators=tuple(ops))
