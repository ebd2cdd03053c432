"""``metrology calibrate`` and ``metrology undistort``.

::

    metrology calibrate FOLDER --board 9x6 --square-mm 25 -o station.json [--model rational]
                        [--json] [--report-png report.png] [--yaml station.yml] [--no-holdout]
    metrology undistort station.json IMAGE [IMAGE ...] -o OUT_FOLDER_OR_FILE [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError

__all__: list[str] = []  # `register` is called by metrology.cli only


def _progress_printer(enabled: bool):
    def show(i: int, n: int, name: str, msg: str) -> None:
        if not enabled:
            return
        if name:
            bar_w = 24
            done = int(round(bar_w * i / max(n, 1)))
            print(f"\r[{'#' * done}{'.' * (bar_w - done)}] {i}/{n} {Path(name).name}: {msg}",
                  file=sys.stderr, flush=True)
        else:
            print(f"... {msg}", file=sys.stderr, flush=True)
    return show


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from .._io import output_file
    from .board import Checkerboard
    from .calibration import calibrate

    board = Checkerboard.parse(args.board, args.square_mm)
    # every output is checked before minutes of work (folder exists and is writable, not a
    # folder in the way); the files are still written atomically at the end
    output_file(args.output, "-o")
    for flag, value in (("--yaml", args.yaml), ("--report-png", args.report_png)):
        if value:
            output_file(value, flag)
    cal = calibrate(args.images if len(args.images) > 1 else args.images[0], board,
                    model=args.model, flat_board=not args.non_flat,
                    holdout=not args.no_holdout, max_blur_px=args.max_blur_px,
                    progress=_progress_printer(not args.quiet))
    out = Path(args.output)
    cal.save(out)
    if args.yaml:
        cal.export_opencv_yaml(args.yaml)
    if args.report_png:
        from ..viz.calib import save_calibration_report

        save_calibration_report(cal, args.report_png)
    if args.json:
        from .._serial import to_jsonable

        doc = {"station": str(out), "camera": cal.camera, "rms_px": cal.rms_px,
               "holdout_rms_px": cal.holdout_rms_px,
               "uncertainty_rms_px": None if cal.uncertainty is None else cal.uncertainty.rms_px,
               "views": [{"name": v.name, "rms_px": v.rms_px, "corners": v.n_corners}
                         for v in cal.views],
               "rejected_views": cal.rejected_views}
        print(json.dumps(to_jsonable(doc), indent=2))
    else:
        print(cal.summary())
        print(f"station file written: {out}")
    return 0


def _cmd_undistort(args: argparse.Namespace) -> int:
    import cv2

    from .._io import atomic_write_bytes, output_file
    from ..image.io import load_image
    from .calibration import Calibration

    from .._cv import cv_call

    cal = Calibration.load(args.station)
    out = Path(args.output)
    many = len(args.images) > 1 or out.is_dir()
    if many and not out.is_dir():
        raise InputError(f"-o {out}: with several images, -o must be an existing folder")
    targets = [out / Path(path).name if many else out for path in args.images]
    for dst in targets:  # every output checked before the first image is read
        output_file(dst, "-o")
        if not cv2.haveImageWriter(str(dst)):
            raise InputError(f"-o {dst}: OpenCV cannot write images with the extension "
                             f"{dst.suffix!r} (use .png or .tif)")
    written = []
    for path, dst in zip(args.images, targets):
        img = load_image(path)
        und = cal.camera.undistort_image(img, interpolation=args.interpolation)
        ok, buf = cv_call(cv2.imencode, dst.suffix, und, what=f"encoding {dst}",
                          error=InputError)
        if not ok:
            raise InputError(f"cannot encode {dst} (unknown image extension?)")
        atomic_write_bytes(dst, buf.tobytes())
        written.append(str(dst))
        if not args.json:
            print(f"{path} -> {dst}", file=sys.stderr)
    if args.json:
        print(json.dumps({"written": written}))
    return 0


def register(subparsers) -> None:
    """Add the ``calibrate`` and ``undistort`` subcommands."""
    p = subparsers.add_parser(
        "calibrate", help="calibrate a camera from checkerboard images",
        description="Calibrate a camera from views of a checkerboard and write a station file.")
    p.add_argument("images", nargs="+", help="folder, glob pattern or image files")
    p.add_argument("--board", required=True, help="inner corners COLSxROWS, e.g. 9x6")
    p.add_argument("--square-mm", type=float, required=True, help="square size in mm")
    p.add_argument("-o", "--output", required=True, help="station file to write (.json)")
    p.add_argument("--model", default="standard",
                   choices=["standard", "rational", "thin_prism", "tilted", "fisheye"])
    p.add_argument("--non-flat", action="store_true",
                   help="refine the board's 3-D shape too (calibrateCameraRO)")
    p.add_argument("--no-holdout", action="store_true", help="skip the leave-one-out check")
    p.add_argument("--max-blur-px", type=float, default=None,
                   help="reject views blurrier than this edge sigma in px (default: views "
                        "blurrier than 2.5x the median view)")
    p.add_argument("--yaml", help="also export OpenCV FileStorage YAML here")
    p.add_argument("--report-png", help="write a residual/coverage picture here")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_calibrate)

    u = subparsers.add_parser("undistort", help="remove lens distortion from images",
                              description="Resample images to the distortion-free camera "
                                          "(same K) of a station file.")
    u.add_argument("station", help="station file (.json) from `metrology calibrate`")
    u.add_argument("images", nargs="+", help="image files")
    u.add_argument("-o", "--output", required=True, help="output file, or folder for several")
    u.add_argument("--interpolation", default="linear", choices=["linear", "cubic", "nearest"])
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=_cmd_undistort)
