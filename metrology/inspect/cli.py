"""``metrology inspect`` (a recipe over images) and ``metrology demo`` (end to end)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__: list[str] = []  # register(subparsers): called by metrology.cli only


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` subcommand."""
    p = subparsers.add_parser(
        "inspect", help="run an inspection recipe on images (a folder or files)",
        description="Run RECIPE on every image of FOLDER (or the given files): find the part, "
                    "measure in mm, check tolerances. One JSON line per image is appended to "
                    "the -o file as it finishes; a rerun skips images already there.",
        epilog="Exit codes: 0 all pass, 1 some fail or part not found, 2 bad input (recipe, "
               "station, unreadable images).")
    p.add_argument("recipe", metavar="RECIPE", help="recipe file (*.recipe.json)")
    p.add_argument("images", metavar="FOLDER", nargs="+",
                   help="folder of images (not recursive) and/or image files")
    p.add_argument("-o", "--output", metavar="RESULTS.jsonl",
                   help="append one JSON line per image here (resumable)")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="worker processes (default 1)")
    p.add_argument("--start-method", choices=("auto", "fork", "spawn"), default="auto",
                   help="how --jobs workers start: fork (copies of this process once it has "
                        "loaded the recipe; milliseconds), spawn (fresh interpreters; about "
                        "a second each), auto (default: fork where safe, else spawn)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster (tcp://host:8786; needs metrology[dask])")
    p.add_argument("--csv", metavar="SUMMARY.csv", help="also write a CSV summary")
    p.add_argument("--overlay-dir", metavar="DIR", help="write <image>.overlay.png pictures")
    p.add_argument("--report", metavar="REPORT.html",
                   help="also write the SPC report of the results (see `metrology report`)")
    p.add_argument("--no-resume", action="store_true",
                   help="inspect every image again even if already in the output")
    p.add_argument("--retry-errors", action="store_true",
                   help="inspect again images recorded with status 'error'")
    p.add_argument("--json", action="store_true",
                   help="print JSON (each result line without -o, then a summary) to stdout")
    p.set_defaults(func=_cmd_inspect)

    d = subparsers.add_parser(
        "demo", help="end-to-end demo: calibrate, build a model, measure rendered parts",
        description="Calibrate the camera from the shipped calibration images, find the measuring "
                    "plane, render example parts with known dimensions, build a shape model "
                    "and a recipe, inspect the parts and print measured vs true millimetres.",
        epilog="Exit codes: 0 ok, 1 a part failed its tolerance or was not found, 2 bad input.")
    d.add_argument("--out", metavar="DIR", default="demo_out",
                   help="output folder (default ./demo_out)")
    d.add_argument("--calib-dir", metavar="DIR",
                   help="calibration images (default: the ones shipped with metrology)")
    d.add_argument("--parts", type=int, default=4, metavar="N",
                   help="number of part images to render (default 4)")
    d.add_argument("--json", action="store_true", help="print the results as JSON")
    d.set_defaults(func=_cmd_demo)


def _cmd_inspect(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from .batch import list_images, run_many
    from .recipe import Recipe

    if args.jobs < 1:
        raise InputError(f"--jobs: expected N >= 1, given {args.jobs}")
    if args.overlay_dir is not None:  # a file there is one error before any work
        from .._io import output_dir

        output_dir(args.overlay_dir, "--overlay-dir")
    if args.start_method != "auto":   # run_many follows multiprocessing's start method
        import multiprocessing

        multiprocessing.set_start_method(args.start_method, force=True)
    recipe = Recipe.load(args.recipe)
    paths = list_images(args.images)
    if args.jobs == 1 or args.scheduler:  # with workers, run_many loads it as they start
        recipe.prepare()  # a bad station/model/bank file is one error, before any image
    def emit_json(rec: dict) -> None:
        print(json.dumps(rec), flush=True)

    def emit_line(rec: dict) -> None:
        from .result import InspectionResult

        print(InspectionResult.from_dict(rec).summary(), flush=True)

    emit = None
    if args.json and not args.output:
        emit = emit_json
    elif not args.json and len(paths) <= 20:
        emit = emit_line
    summary = run_many(recipe, paths, jobs=args.jobs, output=args.output,
                       resume=(False if args.no_resume
                               else "retry_errors" if args.retry_errors else True),
                       csv_path=args.csv, overlay_dir=args.overlay_dir,
                       scheduler=args.scheduler, on_result=emit,
                       progress=None if emit is None else False)
    if args.json:
        print(json.dumps({"summary": summary.to_dict()}))
    else:
        c = summary.counts
        line = ", ".join(f"{c.get(k, 0)} {k}" for k in ("pass", "fail", "not_found", "error"))
        print(f"{len(summary.records)} image(s): {line}; {summary.processed} inspected now "
              f"({summary.images_per_s:.2f} img/s), {summary.skipped} already in "
              f"{args.output or 'the output'}")
        bad = [r for r in summary.records if r.get("status") != "pass"][:10]
        for r in bad:
            print(f"  {Path(r['image']).name}: {r.get('status')}: {r.get('error')}")
        if args.output:
            print(f"results: {args.output}")
        if summary.csv:
            print(f"summary: {summary.csv}")
    if args.report and summary.records:
        from .msa_cli import write_batch_report

        out = write_batch_report(args.output or summary.records, args.report,
                                 overlay_dir=args.overlay_dir)
        if not args.json:
            print(f"report: {out}")
    if summary.interrupted:
        print("metrology inspect: interrupted; finished images are saved, rerun to continue",
              file=sys.stderr)
        return 130
    code = summary.exit_code
    if code == 2:   # the CLI's contract: exit 2 with one line on stderr
        errs = [r for r in summary.records if r.get("status") == "error"]
        first = f" (first: {Path(errs[0]['image']).name}: {errs[0].get('error')})" if errs else ""
        print(f"metrology inspect: error: {len(errs)} image(s) could not be inspected"
              f"{first}"[:400].replace("\n", " "), file=sys.stderr)
    return code


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(out_dir=args.out, calib_dir=args.calib_dir, n_parts=args.parts,
                    as_json=args.json)
