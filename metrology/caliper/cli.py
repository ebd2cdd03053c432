"""``metrology measure``: run one caliper tool on an image from the command line.

Examples::

    metrology measure part.png --circle 320,240,35
    metrology measure part.png --line 100,50,400,60 --calipers 30 --json
    metrology measure part.png --pairs 10,40,90,40 --width 12 --overlay out.png

Exit codes: 0 measured, 1 no edge found, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import EdgeNotFoundError, InputError

__all__: list[str] = []  # register(subparsers): called by metrology.cli only


def _floats(text: str, n: int, what: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"--{what}: expected {n} comma-separated numbers, given {text!r}") \
            from None
    if len(vals) != n:
        raise InputError(f"--{what}: expected {n} comma-separated numbers, given {text!r}")
    return vals


def _calipers(args: argparse.Namespace, default: int) -> int:
    """``--calipers`` (0 and negative counts are refused by the tools, not replaced)."""
    return default if args.calipers is None else args.calipers


def register(subparsers) -> None:
    """Add the ``measure`` subcommand."""
    p = subparsers.add_parser(
        "measure", help="measure edges, pairs, a line, circle or ellipse with calipers",
        description="Run one caliper tool on an image. Coordinates are pixels (x, y), pixel "
                    "(r, c) has its centre at (x=c, y=r). Exit codes: 0 measured, 1 no edge "
                    "found or the fit left the calipers' search band, 2 bad input.")
    p.add_argument("image", help="image file (any format OpenCV reads)")
    tool = p.add_mutually_exclusive_group(required=True)
    tool.add_argument("--circle", metavar="CX,CY,R", help="find a circle near this one")
    tool.add_argument("--line", metavar="X0,Y0,X1,Y1", help="find a line along this segment")
    tool.add_argument("--ellipse", metavar="CX,CY,A,B,ANGLE", help="find an ellipse")
    tool.add_argument("--edges", metavar="X0,Y0,X1,Y1", help="edges along one caliper")
    tool.add_argument("--pairs", metavar="X0,Y0,X1,Y1", help="edge pairs (stripe widths)")
    p.add_argument("--calipers", type=int, default=None, help="number of calipers")
    p.add_argument("--length", type=float, default=None,
                   help="caliper length (px); default 24 (circles/ellipses: min(24, radius))")
    p.add_argument("--width", type=float, default=None,
                   help="caliper width (px); default: tile the contour (10 for --edges/--pairs)")
    p.add_argument("--sigma", type=float, default=1.0, help="Gaussian smoothing (px)")
    p.add_argument("--threshold", type=float, default=20.0,
                   help="minimum edge step in gray levels")
    p.add_argument("--transition", choices=("positive", "negative", "any"), default=None)
    p.add_argument("--arc", metavar="START,EXTENT", default=None,
                   help="circle/ellipse arc in degrees (default 0,360)")
    p.add_argument("--inward", action="store_true", help="circle/ellipse profiles run inward")
    p.add_argument("--overlay", metavar="PNG", default=None, help="write an overlay image")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..image.io import load_image
    from . import (EdgeSettings, find_circle, find_ellipse, find_line, measure_edges,
                   measure_pairs)

    image = load_image(args.image, "image")

    def edges(default_transition: str) -> EdgeSettings:
        return EdgeSettings(sigma=args.sigma, threshold=args.threshold,
                            transition=args.transition or default_transition)

    round_kw = dict(direction="inward" if args.inward else "outward", edges=edges("any"))
    if args.arc is not None:
        round_kw["arc_deg"] = tuple(_floats(args.arc, 2, "arc"))
    size = (args.length, args.width)
    try:
        if args.circle is not None:
            cx, cy, r = _floats(args.circle, 3, "circle")
            res = find_circle(image, (cx, cy), r, _calipers(args, 32), size, **round_kw)
            summary = (f"circle centre ({res.center_xy[0]:.4f}, {res.center_xy[1]:.4f}) "
                       f"+- ({res.std_center_px[0]:.4f}, {res.std_center_px[1]:.4f}) px, "
                       f"radius {res.radius:.4f} +- {res.std_radius_px:.4f} px, "
                       f"{res.num_inliers}/{len(res.inliers)} inliers, rms {res.rms_px:.4f} px")
        elif args.ellipse is not None:
            cx, cy, a, b, ang = _floats(args.ellipse, 5, "ellipse")
            res = find_ellipse(image, (cx, cy), (a, b), ang, _calipers(args, 48), size,
                               **round_kw)
            summary = (f"ellipse centre ({res.center_xy[0]:.4f}, {res.center_xy[1]:.4f}) px, "
                       f"semi-axes ({res.semi_axes[0]:.4f}, {res.semi_axes[1]:.4f}) px, "
                       f"angle {res.angle_deg:.4f} deg, "
                       f"{res.num_inliers}/{len(res.inliers)} inliers")
        elif args.line is not None:
            x0, y0, x1, y1 = _floats(args.line, 4, "line")
            res = find_line(image, (x0, y0), (x1, y1), _calipers(args, 20),
                            (args.length or 24.0, args.width), edges=edges("any"))
            summary = (f"line through ({res.point_xy[0]:.4f}, {res.point_xy[1]:.4f}) at "
                       f"{res.angle_deg:.5f} deg, offset +- {res.std_offset_px:.4f} px, angle "
                       f"+- {res.std_angle_deg:.5f} deg, {res.num_inliers}/{len(res.inliers)} "
                       f"inliers")
        elif args.edges is not None:
            x0, y0, x1, y1 = _floats(args.edges, 4, "edges")
            res = measure_edges(image, (x0, y0), (x1, y1), args.width or 10.0,
                                edges=edges("any"))
            summary = "\n".join(
                f"edge at ({p[0]:.4f}, {p[1]:.4f}) distance {d:.4f} px "
                f"{'rising' if t > 0 else 'falling'} step {s:.1f}"
                for p, d, t, s in zip(res.points_xy, res.positions, res.transitions, res.steps))
        else:
            x0, y0, x1, y1 = _floats(args.pairs, 4, "pairs")
            res = measure_pairs(image, (x0, y0), (x1, y1), args.width or 10.0,
                                edges=edges("positive"))
            summary = "\n".join(f"pair centre ({c[0]:.4f}, {c[1]:.4f}) width {w:.4f} px"
                                for c, w in zip(res.centers_xy, res.widths))
    except EdgeNotFoundError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}))
        else:
            print(f"metrology measure: {exc}", file=sys.stderr)
        return 1
    if args.overlay:
        _overlay(image, res, args.overlay)
    ok = bool(getattr(res, "ok", True))   # False: the fit left the calipers' search band
    if args.json:
        print(json.dumps({"ok": ok, **({} if ok else {"error": res.reason}),
                          "result": res.to_dict()}))
    else:
        print(summary)
        if not ok:
            print(f"metrology measure: {res.reason}", file=sys.stderr)
    return 0 if ok else 1


def _overlay(image, res, path) -> None:
    from .._io import atomic_write_bytes
    from ..viz.caliper import draw_caliper_result

    import cv2

    ok, buf = cv2.imencode(".png", draw_caliper_result(image, res))
    if not ok:
        raise InputError(f"--overlay: could not encode the overlay for {path}")
    atomic_write_bytes(path, buf.tobytes())
