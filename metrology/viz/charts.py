"""Charts of measurement series (matplotlib, ``pip install 'metrology[plot]'``): histogram with
the tolerance band, run chart in image order, type-1 gauge run chart; as inline SVG.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no GUI
backend), so they are safe in worker processes and scripts alike.

When the tolerance limits lie far outside the data (a capable process: a spread of 0.5 µm in a
±30 µm band), drawing them to scale would squash the data into one bar; the axes then cover the
data and name the off-scale limits in a corner, and the histogram has a strip above it that
shows, to scale, where the data sit in the tolerance band.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "figure_svg",
    "grr_chart_figure",
    "histogram_figure",
    "require_matplotlib",
    "run_chart_figure",
    "type1_chart_figure",
]

#: run charts with more points than this draw them as one embedded bitmap (keeps the SVG small)
RASTER_ABOVE = 1500

_PASS, _FAIL, _BAND, _LIMIT, _MEAN, _NOM = "#2e7d32", "#c62828", "#e8f5e9", "#c62828", \
    "#1565c0", "#555555"


def _check_common(width_in: Any, height_in: Any, **limits: Any) -> tuple[float, float]:
    """Figure size (inches, 1..40) and optional finite limits, checked."""
    from ..core.checks import check_finite

    for k, v in limits.items():
        if isinstance(v, (str, bytes)):        # check_finite reads "2.5"; the chart would not
            raise InputError(f"{k}: expected a number or None, given {v!r:.40}")
        if v is not None:
            check_finite(v, k)
    return (check_finite(width_in, "width_in", min=1.0, max=40.0),
            check_finite(height_in, "height_in", min=1.0, max=40.0))


def require_matplotlib() -> Any:
    """Import matplotlib or raise :class:`InputError` naming the extra to install."""
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise InputError("charts and reports need matplotlib: pip install 'metrology[plot]'") \
            from None
    return matplotlib


def figure_svg(fig: Any) -> str:
    """The figure as an ``<svg>`` element (text kept as text, no XML prologue) for inlining."""
    import matplotlib

    if not callable(getattr(fig, "savefig", None)):
        raise InputError(f"fig: expected a matplotlib Figure, given {type(fig).__name__}")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _series(values: Any) -> np.ndarray:
    """``values`` as a float (N,) series (NaN: not measured), checked."""
    try:
        y = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError(f"values: expected numbers, given {type(values).__name__}") from None
    if y.size > 10_000_000 or np.any(np.isinf(y)):
        raise InputError("values: expected at most 1e7 finite numbers (NaN: not measured)")
    return y


def _view(data: np.ndarray, marks: Sequence[float | None], reach: float = 8.0):
    """Axis range covering ``data`` and the ``marks`` near it; the rest are off scale.

    Returns ``(lo, hi, off)`` with ``off`` the indices of the marks left out."""
    marks = [m for m in marks]
    d = data[np.isfinite(data)]
    if len(d) == 0:
        d = np.array([m for m in marks if m is not None], float)
    if len(d) == 0:
        return 0.0, 1.0, []
    lo, hi = float(d.min()), float(d.max())
    span = hi - lo
    if span <= 0:
        span = max(abs(lo) * 1e-6, 1e-9)
    centre = 0.5 * (lo + hi)
    off = []
    for i, m in enumerate(marks):
        if m is None:
            continue
        if abs(m - centre) <= reach * span:
            lo, hi = min(lo, m), max(hi, m)
        else:
            off.append(i)
    pad = 0.06 * (hi - lo if hi > lo else span)
    return lo - pad, hi + pad, off


def _fmt(v: float, unit: str) -> str:
    return f"{v:.6g} {unit}".strip()


def histogram_figure(values: Any, *, lower: float | None = None, upper: float | None = None,
                     nominal: float | None = None, unit: str = "", title: str = "",
                     width_in: float = 5.2, height_in: float = 3.2) -> Any:
    """Histogram of ``values`` (NaN ignored) with the tolerance band, nominal and mean.

    Parameters
    ----------
    values : array_like (N,)
    lower, upper, nominal : float, optional
        Tolerance limits and nominal (drawn when given).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: a strip with the tolerance band to scale (when there are limits) and the
        histogram, zoomed to the data when the limits are far away.
    """
    width_in, height_in = _check_common(width_in, height_in, lower=lower, upper=upper,
                                        nominal=nominal)
    require_matplotlib()
    from matplotlib.figure import Figure

    x = _series(values)
    x = x[np.isfinite(x)]
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    has_lim = lower is not None or upper is not None
    if has_lim:
        strip, ax = fig.subplots(2, 1, height_ratios=[1, 5])
        _tolerance_strip(strip, x, lower, upper, nominal)
    else:
        ax = fig.subplots()
    lo, hi, off = _view(x, [lower, upper, nominal])
    if len(x):
        bins = int(np.clip(np.ceil(np.sqrt(len(x))) + 2, 5, 40))
        ax.hist(x, bins=bins, range=(lo, hi) if hi > lo else None, color="#90a4ae",
                edgecolor="#455a64", linewidth=0.5)
        ax.axvline(float(x.mean()), color=_MEAN, linewidth=1.2, label=f"mean {_fmt(x.mean(), unit)}")
    if lower is not None and 0 not in off:
        ax.axvline(lower, color=_LIMIT, linestyle="--", linewidth=1.2, label="LSL")
    if upper is not None and 1 not in off:
        ax.axvline(upper, color=_LIMIT, linestyle="--", linewidth=1.2, label="USL")
    if nominal is not None and 2 not in off:
        ax.axvline(nominal, color=_NOM, linestyle=":", linewidth=1.0, label="nominal")
    if has_lim:
        a, b = (lower if lower is not None and 0 not in off else lo,
                upper if upper is not None and 1 not in off else hi)
        ax.axvspan(a, b, color=_BAND, zorder=0)
    ax.set_xlim(lo, hi)
    notes = [f"{name} {_fmt(v, unit)} off scale" for i, (name, v) in
             enumerate((("LSL", lower), ("USL", upper), ("nominal", nominal))) if i in off]
    if notes:
        ax.set_title("; ".join(notes), loc="right", fontsize=7, color="#333333")
    ax.set_xlabel(f"value ({unit})" if unit else "value")
    ax.set_ylabel("images")
    fig.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=4)
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def _tolerance_strip(ax: Any, x: np.ndarray, lower, upper, nominal) -> None:
    """Where the data sit in the tolerance band, to scale (min..max bar and the mean)."""
    lims = [v for v in (lower, upper) if v is not None]
    pts = list(lims) + ([float(x.min()), float(x.max())] if len(x) else [])
    if nominal is not None:
        pts.append(nominal)
    lo, hi = min(pts), max(pts)
    if lower is None:
        lo = min(lo, 2 * pts[-1] - hi) if len(pts) > 1 else lo - 1
    if upper is None:
        hi = max(hi, 2 * pts[-1] - lo) if len(pts) > 1 else hi + 1
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(0, 1)
    ax.axvspan(lower if lower is not None else lo - pad, upper if upper is not None else hi + pad,
               color=_BAND)
    for v in lims:
        ax.axvline(v, color=_LIMIT, linewidth=1.2)
    if nominal is not None:
        ax.axvline(nominal, color=_NOM, linestyle=":", linewidth=1.0)
    if len(x):
        ax.plot([x.min(), x.max()], [0.5, 0.5], color="#455a64", linewidth=5,
                solid_capstyle="butt")
        ax.plot([x.mean()], [0.5], marker="|", markersize=10, color=_MEAN)
    ax.set_yticks([])
    ax.tick_params(labelsize=6)
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.set_title("data in the tolerance band (to scale)", fontsize=7, loc="left")


def run_chart_figure(values: Any, *, lower: float | None = None, upper: float | None = None,
                     nominal: float | None = None, failed: Any = None, unit: str = "",
                     title: str = "", labels: Sequence[str] | None = None,
                     width_in: float = 5.2, height_in: float = 3.2) -> Any:
    """Run chart: ``values`` (N,) in image order (NaN: not measured, marked on the axis), the
    limits, the nominal and the mean; ``failed`` (N,) bool marks points in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    width_in, height_in = _check_common(width_in, height_in, lower=lower, upper=upper,
                                        nominal=nominal)
    require_matplotlib()
    from matplotlib.figure import Figure

    y = _series(values)
    i = np.arange(1, len(y) + 1)
    ok = np.isfinite(y)
    bad = np.zeros(len(y), bool) if failed is None else np.asarray(failed, bool).ravel()
    if bad.shape != y.shape:
        raise InputError(f"failed: expected {len(y)} flags, given {bad.size}")
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.subplots()
    lo, hi, off = _view(y, [lower, upper, nominal])
    raster = len(y) > RASTER_ABOVE  # thousands of markers: one embedded bitmap, not SVG paths
    ax.plot(i[ok], y[ok], color="#90a4ae", linewidth=0.8, zorder=1, rasterized=raster)
    good = ok & ~bad
    ax.plot(i[good], y[good], "o", color=_PASS, markersize=3.5 if not raster else 1.5, zorder=2,
            label="in tolerance", rasterized=raster)
    if np.any(ok & bad):
        ax.plot(i[ok & bad], y[ok & bad], "o", color=_FAIL, markersize=4.5, zorder=3,
                label="out of tolerance")
    if np.any(~ok):
        ax.plot(i[~ok], np.full((~ok).sum(), lo), "x", color=_FAIL, markersize=6, zorder=3,
                clip_on=False, label="not measured")
    if ok.any():
        ax.axhline(float(y[ok].mean()), color=_MEAN, linewidth=1.0, label="mean")
    for k, (v, name, style) in enumerate(((lower, "LSL", "--"), (upper, "USL", "--"),
                                          (nominal, "nominal", ":"))):
        if v is not None and k not in off:
            ax.axhline(v, color=_LIMIT if k < 2 else _NOM, linestyle=style, linewidth=1.1,
                       label=name)
    notes = [f"{name} {_fmt(v, unit)} off scale" for k, (name, v) in
             enumerate((("LSL", lower), ("USL", upper), ("nominal", nominal))) if k in off]
    if notes:
        ax.set_title("; ".join(notes), loc="right", fontsize=7, color="#333333")
    ax.set_ylim(lo, hi)
    ax.set_xlim(0.5, max(len(y), 1) + 0.5)
    ax.set_xlabel("image (in order)")
    ax.set_ylabel(f"value ({unit})" if unit else "value")
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.tick_params(labelsize=7)
    fig.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=4)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def type1_chart_figure(result: Any, *, width_in: float = 6.4, height_in: float = 3.4) -> Any:
    """Run chart of a type-1 gauge study
    (:class:`~metrology.inspect.gauge.Type1Result`): the repeats in shot order, the reference
    value, the band ``x_m ± K T / 2`` the gauge should stay in, the mean and ``mean ± L s / 2``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..inspect.gauge import Type1Result

    if not isinstance(result, Type1Result):
        raise InputError(f"result: expected a Type1Result, given {type(result).__name__}")
    width_in, height_in = _check_common(width_in, height_in)
    require_matplotlib()
    from matplotlib.figure import Figure

    r = result
    y = np.asarray(r.values, float)
    i = np.arange(1, len(y) + 1)
    ok = np.isfinite(y)
    b_lo, b_hi = r.band
    half = 0.5 * r.l * r.s
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.subplots()
    lo, hi, _ = _view(y, [b_lo, b_hi, r.mean - half, r.mean + half, r.reference], reach=1e9)
    ax.axhspan(b_lo, b_hi, color=_BAND, zorder=0)
    ax.plot(i[ok], y[ok], "-o", color="#455a64", markersize=3.5, linewidth=0.8)
    if np.any(~ok):
        ax.plot(i[~ok], np.full((~ok).sum(), lo), "x", color=_FAIL, markersize=6, clip_on=False,
                label="no value")
    ax.axhline(r.reference, color=_NOM, linewidth=1.2, label=f"reference {r.reference:.6g}")
    pct = 100 * r.k
    ax.axhline(b_lo, color=_LIMIT, linestyle="--", linewidth=1.0,
               label=f"reference ± K·T/2 (K = {pct:g} %)")
    ax.axhline(b_hi, color=_LIMIT, linestyle="--", linewidth=1.0)
    ax.axhline(r.mean, color=_MEAN, linewidth=1.0, label=f"mean {r.mean:.6g}")
    ax.axhline(r.mean - half, color=_MEAN, linestyle=":", linewidth=0.9,
               label=f"mean ± {r.l / 2:g} s")
    ax.axhline(r.mean + half, color=_MEAN, linestyle=":", linewidth=0.9)
    ax.set_ylim(lo, hi)
    ax.set_xlim(0.5, len(y) + 0.5)
    ax.set_xlabel("shot")
    ax.set_ylabel(f"{r.name} ({r.unit})" if r.unit else r.name)
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.tick_params(labelsize=7)
    fig.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=3)
    verdict = "pass" if r.passed else "FAIL"
    fig.suptitle(f"{r.name}: Cg {r.cg:.2f}, Cgk {r.cgk:.2f} ({verdict})", fontsize=9)
    return fig



def grr_chart_figure(result: Any, *, width_in: float = 6.4, height_in: float = 3.2) -> Any:
    """Values by part of a gauge R&R (:class:`~metrology.inspect.gauge.GRRResult`): every trial
    as a dot (one colour per operator), the part means joined by a line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..inspect.grr import GRRResult

    if not isinstance(result, GRRResult):
        raise InputError(f"result: expected a GRRResult, given {type(result).__name__}")
    width_in, height_in = _check_common(width_in, height_in)
    require_matplotlib()
    from matplotlib.figure import Figure

    x = np.asarray(result.data, float)
    p, o, r = x.shape
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax = fig.subplots()
    parts = np.arange(1, p + 1)
    ops = list(result.operators) or [""] * o
    offsets = (np.arange(o) - (o - 1) / 2) * (0.5 / max(o, 1))
    for j in range(o):
        xs = np.repeat(parts + offsets[j], r)
        label = f"operator {ops[j]}" if ops[j] else "trials"
        ax.plot(xs, x[:, j, :].ravel(), "o", markersize=3.5, alpha=0.8, label=label)
    ax.plot(parts, x.mean(axis=(1, 2)), "-", color="#455a64", linewidth=1.0, label="part mean")
    ax.set_xticks(parts, list(result.parts) or [str(v) for v in parts], fontsize=7,
                  rotation=45 if p > 12 else 0)
    ax.set_xlabel("part")
    ax.set_ylabel(f"{result.name} ({result.unit})" if result.unit else result.name)
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.tick_params(labelsize=7)
    fig.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=4)
    fig.suptitle(f"{result.name}: %GRR {result.pct_study_var['grr']:.1f} %, ndc {result.ndc} "
                 f"({result.verdict})", fontsize=9)
    return fig
