"""``metrology report`` (SPC report of a batch) and ``metrology gauge-study`` (type 1, GR&R)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

__all__: list[str] = []  # register, write_batch_report: called by metrology.cli only


def _pairs(items: list[str] | None, option: str) -> dict[str, float]:
    from ..errors import InputError

    out: dict[str, float] = {}
    for item in items or ():
        name, sep, val = item.partition("=")
        try:
            v = float(val)
        except ValueError:
            v = math.nan
        if not sep or not name or not math.isfinite(v):
            raise InputError(f"{option}: expected NAME=NUMBER, given {item!r}")
        out[name] = v
    return out


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``gauge-study`` to the ``metrology`` command."""
    r = subparsers.add_parser(
        "report", help="SPC report of a batch (HTML): histograms, run charts, Cp/Cpk",
        description="Write one self-contained HTML file from the results of `metrology inspect`: "
                    "per measurement a histogram with the tolerance band, a run chart in image "
                    "order, Cp/Cpk, Pp/Ppk and the pass rate; the worst parts with their "
                    "overlays; the timing summary. Lines of the file that cannot be used are "
                    "listed (with their number) in the report and on stderr. Needs "
                    "metrology[plot].",
        epilog="Exit codes: 0 written, 2 bad input (missing/empty file, no usable line).")
    r.add_argument("results", metavar="RESULTS.jsonl")
    r.add_argument("-o", "--output", metavar="REPORT.html", required=True)
    r.add_argument("--overlay-dir", metavar="DIR",
                   help="overlays written by `inspect --overlay-dir` (otherwise drawn from the "
                        "images)")
    r.add_argument("--worst", type=int, default=6, metavar="N",
                   help="show the N worst images with overlays (default 6)")
    r.add_argument("--order", choices=("name", "file"), default="name",
                   help="image order of the run charts: natural sort of the names (default) "
                        "or the order of the file")
    r.add_argument("--title", help="report title")
    r.add_argument("--no-overlays", action="store_true", help="leave the overlay pictures out")
    r.add_argument("--strict", action="store_true",
                   help="fail on the first unusable line instead of skipping it")
    r.set_defaults(func=_cmd_report)

    g = subparsers.add_parser(
        "gauge-study", help="type-1 gauge study (Cg, Cgk) or gauge R&R (ANOVA: %%GRR, ndc)",
        description="Measurement-system analysis from repeated shots. Type 1 (default): one "
                    "reference part shot N >= 10 times, re-placed between shots; give the "
                    "reference part's values with --reference NAME=VALUE (or "
                    "--reference-nominal). GR&R (--grr): several parts, each shot several "
                    "times, optionally by several operators; --pattern tells part (and "
                    "operator) from the file names. INPUT is a results file of `metrology "
                    "inspect`, or images/folders with --recipe.",
        epilog="Exit codes: 0 the study passes, 1 it fails, 2 bad input.")
    g.add_argument("inputs", metavar="INPUT", nargs="+",
                   help="RESULTS.jsonl, or images / folders with --recipe")
    g.add_argument("--recipe", metavar="RECIPE", help="inspect the images with this recipe first")
    g.add_argument("--results", metavar="RESULTS.jsonl",
                   help="with --recipe: keep the inspection results here")
    g.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="with --recipe: worker processes")
    g.add_argument("--reference", action="append", metavar="NAME=VALUE",
                   help="type 1: the reference part's value of a measurement (repeat)")
    g.add_argument("--reference-nominal", action="store_true",
                   help="type 1: take every measurement's nominal as the reference value")
    g.add_argument("--tolerance", action="append", metavar="NAME=T",
                   help="tolerance width of a measurement (default: max - min of the results)")
    g.add_argument("--measurement", action="append", metavar="NAME",
                   help="study only these measurements (repeat)")
    g.add_argument("-k", type=float, default=0.2,
                   help="type 1: share of the tolerance the gauge may use (default 0.2)")
    g.add_argument("-l", type=float, default=4.0,
                   help="type 1: gauge spread in standard deviations (default 4; Minitab: 6)")
    g.add_argument("--cg-min", type=float, default=1.33, help="type 1: Cg limit (1.33)")
    g.add_argument("--cgk-min", type=float, default=1.33, help="type 1: Cgk limit (1.33)")
    g.add_argument("--grr", action="store_true", help="gauge R&R (ANOVA) instead of type 1")
    g.add_argument("--pattern", metavar="REGEX",
                   help="GR&R: regular expression on the file names with (?P<part>...) and "
                        "optionally (?P<operator>...)")
    g.add_argument("--study-var", type=float, default=6.0,
                   help="GR&R: study variation in standard deviations (default 6)")
    g.add_argument("--basis", choices=("study_var", "tolerance"), default="study_var",
                   help="GR&R: judge %%GRR on the study variation (default, AIAG) or the "
                        "tolerance")
    g.add_argument("--alpha-interaction", type=float, default=0.05,
                   help="GR&R: pool the part*operator interaction when its p >= this (0.05)")
    g.add_argument("--order", choices=("name", "file"), default="name",
                   help="shot order: natural sort of the file names (default) or file order")
    g.add_argument("-o", "--output", metavar="STUDY.html",
                   help="write the study as HTML (tables and charts; needs metrology[plot])")
    g.add_argument("--json-out", metavar="STUDY.json", help="write the study as JSON")
    g.add_argument("--json", action="store_true", help="print the study as JSON")
    g.set_defaults(func=_cmd_gauge)


def write_batch_report(source, output, **kwargs) -> Path:
    """Write the SPC report and print the skipped lines to stderr (``inspect --report``)."""
    from ..viz.report import write_spc_report
    from .records import load_records

    recs = load_records(source, strict=kwargs.pop("strict", False))
    for p in recs.problems:
        print(f"metrology report: warning: {recs.source}: {p}", file=sys.stderr)
    return write_spc_report(recs, output, **kwargs)


def _cmd_report(args: argparse.Namespace) -> int:
    from ..errors import InputError

    if args.worst < 0:
        raise InputError(f"--worst: expected N >= 0, given {args.worst}")
    out = write_batch_report(args.results, args.output, strict=args.strict,
                             overlay_dir=args.overlay_dir, worst=args.worst, order=args.order,
                             title=args.title, overlays=not args.no_overlays)
    print(f"report: {out}")
    return 0


def _cmd_gauge(args: argparse.Namespace) -> int:
    from .._io import atomic_write_text
    from ..errors import InputError
    from .gauge import gauge_study, grr_study

    if args.recipe:
        from .batch import list_images, run_many
        from .recipe import Recipe

        recipe = Recipe.load(args.recipe)
        summary = run_many(recipe, list_images(args.inputs), jobs=args.jobs, output=args.results,
                           resume=False, progress=None)
        source = summary.records
    else:
        if len(args.inputs) != 1 or not args.inputs[0].endswith(".jsonl"):
            raise InputError("give one RESULTS.jsonl file, or images/folders with --recipe")
        source = args.inputs[0]
    tolerances = _pairs(args.tolerance, "--tolerance")
    if args.grr:
        if not args.pattern:
            raise InputError("--grr needs --pattern REGEX with a (?P<part>...) group")
        if args.reference or args.reference_nominal:
            raise InputError("--reference/--reference-nominal are for a type-1 study, not --grr")
        study = grr_study(source, args.pattern, tolerances=tolerances or None,
                          measurements=args.measurement, study_var=args.study_var,
                          alpha_interaction=args.alpha_interaction, basis=args.basis,
                          order=args.order)
    else:
        refs = _pairs(args.reference, "--reference")
        if refs and args.reference_nominal:
            raise InputError("give --reference NAME=VALUE or --reference-nominal, not both")
        if not refs and not args.reference_nominal:
            raise InputError("a type-1 study needs the reference part's values: --reference "
                             "NAME=VALUE (repeat), or --reference-nominal")
        if refs and args.measurement:
            refs = {n: v for n, v in refs.items() if n in args.measurement}
        study = gauge_study(source, refs or "nominal", tolerances=tolerances or None,
                            measurements=args.measurement if not refs else None, k=args.k,
                            l=args.l, cg_min=args.cg_min, cgk_min=args.cgk_min, order=args.order)
    for p in study.problems:
        print(f"metrology gauge-study: warning: {study.source}: {p}", file=sys.stderr)
    doc = study.to_dict()
    if args.json_out:
        atomic_write_text(args.json_out, json.dumps(doc, indent=1, allow_nan=False) + "\n")
    if args.output:
        from ..viz.report import write_gauge_report

        write_gauge_report(study, args.output)
    if args.json:
        print(json.dumps(doc, allow_nan=False))
    else:
        print(study.summary())
        if args.output:
            print(f"report: {args.output}")
    return 0 if study.passed else 1
