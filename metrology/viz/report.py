"""Self-contained HTML reports: the SPC report of a batch and the gauge-study report.

One file, no network: charts are inline SVG (matplotlib), overlays inline JPEG (``data:``
URIs), styles in the page.  The HTML comes from Jinja2 templates
(``metrology/viz/templates/``) with autoescaping, so names and reasons from the results file
can never inject markup.  Needs ``pip install 'metrology[plot]'`` (matplotlib, jinja2).

Every number shown also sits, unrounded, in a ``data-value`` attribute of its table cell (with
``data-m`` naming the measurement and ``data-k`` the figure), so a script can read the report
back exactly.

>>> from metrology.viz.report import write_spc_report            # doctest: +SKIP
>>> write_spc_report("results.jsonl", "report.html")             # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_text
from ..errors import InputError, MetrologyError

__all__ = [
    "MAX_OVERLAY_WIDTH",
    "gauge_report_html",
    "spc_report_html",
    "write_gauge_report",
    "write_spc_report",
]

#: overlays wider than this are scaled down before embedding (keeps a report of 5 MP images
#: to a few MB)
MAX_OVERLAY_WIDTH = 1600
_STATUSES = ("pass", "fail", "not_found", "error")


# --------------------------------------------------------------------------------------------
# number formatting (template filters)
# --------------------------------------------------------------------------------------------
_DASH = "\u2014"


def _ok(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v is not None


def fmt_raw(v: Any) -> str:
    """Unrounded value for ``data-value`` attributes ("" for None, "inf", "nan")."""
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def fmt_value(v: Any, unit: str = "") -> str:
    """A measured value: mm to 1 nm (6 decimals), deg to 5 decimals, else 6 significant."""
    if not _ok(v) or not math.isfinite(v):
        return _DASH
    if unit == "mm":
        return f"{v:.6f}"
    if unit == "deg":
        return f"{v:.5f}"
    return f"{v:.6g}"


def fmt_spread(v: Any) -> str:
    """A standard deviation, bias, SS or MS: 3 significant digits."""
    if not _ok(v) or not math.isfinite(v):
        return _DASH
    return f"{v:.3g}"


def fmt_index(v: Any) -> str:
    """A capability index or statistic: 2 decimals."""
    if not _ok(v):
        return _DASH
    if math.isinf(v):
        return "\u221e" if v > 0 else "-\u221e"
    return f"{v:.2f}"


def fmt_percent(v: Any) -> str:
    """A fraction as a percentage with 1 decimal."""
    if not _ok(v) or not math.isfinite(v):
        return _DASH
    return f"{100 * v:.1f} %"


def fmt_pct1(v: Any) -> str:
    """A percentage with 1 decimal."""
    if not _ok(v):
        return _DASH
    if math.isinf(v):
        return "\u221e"
    return f"{v:.1f} %"


def fmt_p(v: Any) -> str:
    if not _ok(v) or not math.isfinite(v):
        return _DASH
    return f"{v:.3g}"


def fmt_ms(v: Any) -> str:
    if not _ok(v) or not math.isfinite(v):
        return _DASH
    return f"{v:.1f}"


def _capclass(v: Any) -> str:
    if not _ok(v) or not math.isfinite(v):
        return ""
    return "bad" if v < 1.0 else "warn" if v < 1.33 else ""


def _env() -> Any:
    try:
        import jinja2
    except ImportError:
        raise InputError("HTML reports need jinja2: pip install 'metrology[plot]'") from None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    env.filters.update(raw=fmt_raw, value=fmt_value, spread=fmt_spread, index=fmt_index,
                       percent=fmt_percent, pct1=fmt_pct1, pvalue=fmt_p, ms=fmt_ms,
                       capclass=_capclass)
    return env


def _ids(names: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, n in enumerate(names):
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", n).strip("-") or "m"
        out[n] = base if base not in out.values() else f"{base}-{i}"
    return out


def _common() -> dict:
    from .._version import __version__

    return {"version": __version__,
            "generated": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}


def _svg(fig: Any) -> str:
    from .charts import figure_svg

    return figure_svg(fig)


# --------------------------------------------------------------------------------------------
# overlays
# --------------------------------------------------------------------------------------------
def _jpeg_uri(img: np.ndarray) -> str:
    import cv2

    h, w = img.shape[:2]
    if w > MAX_OVERLAY_WIDTH:
        s = MAX_OVERLAY_WIDTH / w
        img = cv2.resize(img, (MAX_OVERLAY_WIDTH, max(1, round(h * s))),
                         interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise InputError("cannot encode the overlay as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _overlay(rec: dict, overlay_dir: str | os.PathLike | None) -> dict:
    """``{"uri": data URI}`` or ``{"uri": None, "why": reason}`` for one record: the PNG that
    ``metrology inspect --overlay-dir`` wrote, else drawn from the record on its image."""
    import cv2

    from ..inspect.result import InspectionResult

    image = rec["image"]
    if overlay_dir is not None:
        p = Path(overlay_dir) / (Path(image).stem + ".overlay.png")
        if p.is_file():
            img = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if img is not None:
                return {"uri": _jpeg_uri(img)}
    if not Path(image).is_file():
        return {"uri": None, "why": f"image {image} not found"}
    try:
        ov = InspectionResult.from_dict(rec).overlay(image)
    except (MetrologyError, KeyError, TypeError, ValueError) as exc:
        return {"uri": None, "why": f"cannot draw it ({exc})"}
    return {"uri": _jpeg_uri(ov)}


# --------------------------------------------------------------------------------------------
# SPC report
# --------------------------------------------------------------------------------------------
def spc_report_html(source: Any, *, title: str | None = None,
                    overlay_dir: str | os.PathLike | None = None, worst: int = 6,
                    order: str = "name", overlays: bool = True) -> str:
    """The SPC report of a batch as one HTML document.

    Parameters
    ----------
    source : path, Records or sequence of InspectionResult / record dicts
        The batch (normally the JSONL file of ``metrology inspect``).
    title : str, optional
    overlay_dir : path, optional
        Where ``metrology inspect --overlay-dir`` wrote ``<stem>.overlay.png``; overlays not
        found there are drawn from the record on its image (when the image is readable).
    worst : int
        How many of the worst images to show with their overlays.
    order : {"name", "file"}
        Image order of the run charts.
    overlays : bool
        Embed overlay pictures of the worst images.

    Returns
    -------
    str
        The HTML (UTF-8 text).

    Raises
    ------
    FileFormatError
        Empty results file, or no usable line in it (the message names the line).
    InputError
        matplotlib or jinja2 missing.
    """
    from ..core.checks import check_bool
    from ..inspect.spc import process_stats
    from .charts import histogram_figure, require_matplotlib, run_chart_figure

    check_bool(overlays, "overlays")
    require_matplotlib()
    env = _env()
    stats = process_stats(source, order=order, worst=worst)
    charts = {}
    for name, m in stats.measurements.items():
        s = m.series
        kw = {"lower": s.lower, "upper": s.upper, "nominal": s.nominal, "unit": s.unit}
        charts[name] = {
            "hist": _svg(histogram_figure(s.values, title=f"{name}: distribution", **kw)),
            "run": _svg(run_chart_figure(s.values, failed=s.passed == 0,
                                         title=f"{name}: run chart", **kw))}
    ov = {w.image: (_overlay(w.record, overlay_dir) if overlays
                    else {"uri": None, "why": "overlays left out (--no-overlays)"})
          for w in stats.worst}
    order_text = ("image names, naturally sorted" if order == "name"
                  else "as recorded in the file")
    src = Path(stats.records.source).name if stats.records.source != "<records>" else "batch"
    return env.get_template("spc_report.html.j2").render(
        title=title or f"SPC report: {src}", stats=stats, charts=charts, worst=stats.worst,
        overlays=ov, ids=_ids(stats.measurements), statuses=_STATUSES, order_text=order_text,
        **_common())


def write_spc_report(source: Any, path: str | os.PathLike, *, title: str | None = None,
                     overlay_dir: str | os.PathLike | None = None, worst: int = 6,
                     order: str = "name", overlays: bool = True) -> Path:
    """Write :func:`spc_report_html` (same keywords) to ``path`` atomically; returns the
    path."""
    from .._io import output_file

    path = output_file(path, "path")       # a bad path fails before minutes of rendering
    return atomic_write_text(path, spc_report_html(
        source, title=title, overlay_dir=overlay_dir, worst=worst, order=order,
        overlays=overlays))


# --------------------------------------------------------------------------------------------
# gauge-study report
# --------------------------------------------------------------------------------------------
def gauge_report_html(study: Any, *, title: str | None = None) -> str:
    """A :class:`~metrology.inspect.gauge.Type1Study` or
    :class:`~metrology.inspect.gauge.GRRStudy` as one HTML document (tables and a chart per
    measurement: the type-1 run chart, or the values by part)."""
    from ..inspect.gauge import GRRStudy, Type1Study
    from .charts import grr_chart_figure, require_matplotlib, type1_chart_figure

    require_matplotlib()
    env = _env()
    if isinstance(study, Type1Study):
        kind, chart = "type1", type1_chart_figure
        default = "Type-1 gauge study"
        study_var = None
    elif isinstance(study, GRRStudy):
        kind, chart = "grr", grr_chart_figure
        default = "Gauge R&R study (ANOVA)"
        study_var = next(iter(study.results.values())).study_var if study.results else 6.0
    else:
        raise InputError(f"expected a Type1Study or GRRStudy, given {type(study).__name__}")
    charts = {n: _svg(chart(r)) for n, r in study.results.items()}
    return env.get_template("gauge_report.html.j2").render(
        title=title or default, study=study, kind=kind, charts=charts,
        ids=_ids(study.results), study_var=f"{study_var:g}" if study_var else "", **_common())


def write_gauge_report(study: Any, path: str | os.PathLike, *,
                       title: str | None = None) -> Path:
    """Write :func:`gauge_report_html` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, gauge_report_html(study, title=title))
