"""Process statistics of a batch: per measurement Cp/Cpk, Pp/Ppk, pass rate; timings; worst parts.

For the values ``x_1..x_n`` of one measurement in image order (images without a value left
out), with limits ``LSL``/``USL``:

* ``mean`` and the overall standard deviation ``s`` (``n - 1`` in the denominator);
* the short-term (within) standard deviation from the average moving range of consecutive
  values, ``σ_within = MR̄ / d2`` with ``d2 = 1.128`` (individuals chart; robust to a slow
  drift of the process);
* ``Cp = (USL - LSL) / (6 σ_within)``, ``Cpk = min(USL - mean, mean - LSL) / (3 σ_within)``
  (one-sided limits: only that side; ``Cp`` needs both); ``Pp``/``Ppk`` the same with ``s``;
* the pass rate: images whose measurement passed over all images of the batch (an image that
  gave no value, a part not found or an image not inspected counts as not passed).

>>> recs = [{"image": f"p{i}.png", "status": "pass", "measurements": [
...     {"name": "d", "unit": "mm", "value": v, "min": 3.97, "max": 4.03, "passed": True}]}
...     for i, v in enumerate([4.001, 3.999, 4.002, 4.000])]
>>> st = process_stats(recs).measurements["d"]
>>> round(st.mean, 4), round(st.cp, 2), st.pass_rate
(4.0005, 4.83, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._serial import Serializable
from .records import Records, Series, load_records, measurement_series, natural_key
from ._gauge_common import check_fields

__all__ = [
    "D2_MOVING_RANGE",
    "STAGES",
    "MeasurementStats",
    "ProcessStats",
    "StageTiming",
    "WorstPart",
    "process_stats",
]

#: d2 of a moving range of 2 consecutive values (the individuals-chart constant)
D2_MOVING_RANGE = 1.128
#: timing stages in the order a record lists them
STAGES = ("load", "match", "tools", "measure", "anomaly", "total")


@dataclass(frozen=True)
class MeasurementStats:
    """Statistics of one measurement over a batch (None where not defined: fewer than 2
    values, no variation, or the limit that a figure needs is missing).

    Attributes
    ----------
    series : Series
        The values in image order (``series.values``; NaN where not measured).
    n, n_missing : int
        Images with / without a value.
    n_pass, n_fail : int
        Images whose measurement passed / did not (``n_fail`` includes images without a value);
        both 0 without a tolerance.
    pass_rate : float or None
        ``n_pass / (n_pass + n_fail)``.
    mean, std, std_within, min, max : float or None
    cp, cpk, pp, ppk : float or None
    """

    def __post_init__(self) -> None:
        check_fields(self)

    series: Series
    n: int
    n_missing: int
    n_pass: int
    n_fail: int
    pass_rate: float | None
    mean: float | None
    std: float | None
    std_within: float | None
    min: float | None
    max: float | None
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None

    @property
    def name(self) -> str:
        return self.series.name

    @property
    def unit(self) -> str:
        return self.series.unit

    def to_dict(self) -> dict:
        s = self.series
        return {"name": s.name, "unit": s.unit, "nominal": s.nominal, "lower": s.lower,
                "upper": s.upper, **{k: getattr(self, k) for k in (
                    "n", "n_missing", "n_pass", "n_fail", "pass_rate", "mean", "std",
                    "std_within", "min", "max", "cp", "cpk", "pp", "ppk")}}


@dataclass(frozen=True)
class StageTiming(Serializable):
    """Wall time of one stage over the images that report it (ms)."""

    def __post_init__(self) -> None:
        check_fields(self)

    stage: str
    n: int
    median: float
    p95: float
    max: float
    mean: float


@dataclass(frozen=True)
class WorstPart:
    """An image ranked among the worst: its record, a score and the reasons.

    ``score``: 2 + share for a part that failed (not found / not inspected: 3), else the
    largest share of its tolerance half-band used by a measurement, ``|x - mid| / (half
    width)`` (1 at a limit).
    """

    def __post_init__(self) -> None:
        check_fields(self)

    image: str
    status: str
    score: float
    reasons: tuple[str, ...]
    record: dict


@dataclass(frozen=True)
class ProcessStats:
    """Everything the SPC report shows (see :func:`process_stats`)."""

    def __post_init__(self) -> None:
        check_fields(self)

    measurements: dict[str, MeasurementStats]
    counts: dict[str, int]
    n_images: int
    timings: tuple[StageTiming, ...]
    worst: tuple[WorstPart, ...]
    records: Records
    order: str

    def to_dict(self) -> dict:
        return {"source": self.records.source, "n_images": self.n_images, "counts": self.counts,
                "order": self.order,
                "problems": [{"line": p.line, "message": p.message}
                             for p in self.records.problems],
                "measurements": {n: m.to_dict() for n, m in self.measurements.items()},
                "timings_ms": [t.to_dict() for t in self.timings],
                "worst": [{"image": w.image, "status": w.status, "score": w.score,
                           "reasons": list(w.reasons)} for w in self.worst]}


def _measurement_stats(s: Series) -> MeasurementStats:
    ok = s.measured
    x = s.values[ok]
    n = int(ok.sum())
    has_tol = s.lower is not None or s.upper is not None
    n_pass = int((s.passed == 1).sum()) if has_tol else 0
    n_fail = int(len(s.values) - n_pass) if has_tol else 0
    rate = n_pass / (n_pass + n_fail) if (n_pass + n_fail) else None
    mean = float(x.mean()) if n else None
    std = float(x.std(ddof=1)) if n >= 2 else None
    within = float(np.abs(np.diff(x)).mean() / D2_MOVING_RANGE) if n >= 2 else None

    def capability(sigma):
        if sigma is None or sigma <= 0 or mean is None:
            return None, None
        lo, hi = s.lower, s.upper
        c = (hi - lo) / (6 * sigma) if lo is not None and hi is not None else None
        sides = [v for v in ((hi - mean) if hi is not None else None,
                             (mean - lo) if lo is not None else None) if v is not None]
        ck = min(sides) / (3 * sigma) if sides else None
        return c, ck

    cp, cpk = capability(within)
    pp, ppk = capability(std)
    return MeasurementStats(s, n, int(len(s.values) - n), n_pass, n_fail, rate, mean, std,
                            within, float(x.min()) if n else None, float(x.max()) if n else None,
                            cp, cpk, pp, ppk)


def _timings(records: Iterable[dict]) -> tuple[StageTiming, ...]:
    per: dict[str, list[float]] = {}
    for r in records:
        for k, v in (r.get("timings_ms") or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                per.setdefault(k, []).append(float(v))
    order = [k for k in STAGES if k in per] + [k for k in per if k not in STAGES]
    out = []
    for k in order:
        a = np.asarray(per[k])
        out.append(StageTiming(k, len(a), float(np.median(a)), float(np.percentile(a, 95)),
                               float(a.max()), float(a.mean())))
    return tuple(out)


def _worst(records: list[dict], n: int) -> tuple[WorstPart, ...]:
    ranked = []
    for r in records:
        reasons: list[str] = []
        share = 0.0
        for m in r.get("measurements") or ():
            v, lo, hi = m.get("value"), m.get("min"), m.get("max")
            if v is None:
                reasons.append(f"{m['name']}: not measured ({m.get('error') or 'no value'})")
                share = max(share, 1.0)
                continue
            if lo is not None and hi is not None and hi > lo:
                mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
                use = abs(v - mid) / half
            elif (hi is not None and v > hi) or (lo is not None and v < lo):
                use = 1.0 + 1e-9
            else:
                continue
            share = max(share, use)
            if m.get("passed") is False:
                lim = hi if (hi is not None and v > hi) else lo
                dev = v - (m.get("nominal") if m.get("nominal") is not None else lim)
                reasons.append(f"{m['name']}: out of tolerance ({v:.6g} {m.get('unit', '')}, "
                               f"deviation {dev:+.4g})")
        status = r.get("status", "error")
        if status in ("not_found", "error"):
            score = 3.0
            reasons.insert(0, f"{status.replace('_', ' ')}: {r.get('error') or ''}".rstrip(": "))
        elif status == "fail":
            score = 2.0 + min(share, 1e3)
            if not reasons and r.get("error"):
                reasons.append(r["error"])
        else:
            score = share
        ranked.append(WorstPart(r["image"], status, float(score), tuple(reasons), r))
    ranked.sort(key=lambda w: (-w.score, natural_key(w.image)))
    return tuple(ranked[:n])


def process_stats(source: Any, *, order: str = "name", worst: int = 6) -> ProcessStats:
    """Statistics of a batch of inspection results (a JSONL file, ``Records`` or results).

    Parameters
    ----------
    source : path, Records or sequence of InspectionResult / record dicts
    order : {"name", "file"}
        Image order for the run charts and the moving range
        (see :func:`~metrology.inspect.records.measurement_series`).
    worst : int
        How many of the worst images to rank (failures first, then the largest use of a
        tolerance).

    Returns
    -------
    ProcessStats
    """
    from ..core.checks import check_int

    worst = check_int(worst, "worst", min=0, max=10 ** 6)
    recs = load_records(source)
    series = measurement_series(recs, order=order)
    stats = {n: _measurement_stats(s) for n, s in series.items()}
    counts: dict[str, int] = {}
    for r in recs.records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return ProcessStats(stats, counts, len(recs.records), _timings(recs.records),
                        _worst(list(recs.records), max(int(worst), 0)), recs, order)
