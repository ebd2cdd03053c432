"""``metrology recipe teach | from-dxf | show``: a recipe for your own part in three commands.

::

    metrology recipe from-dxf part.dxf --pixel-size-mm 0.05 -o part.recipe.json
    metrology recipe show part.recipe.json --image part.png -o show.png
    metrology inspect part.recipe.json images/ -o results.jsonl

The station is ``--pixel-size-mm S`` (telecentric / scale) or ``--station station.json`` with
the measuring plane as ``--plane-image board.png``, ``--plane-file plane.json`` or
``--plane-view N``; the recipe refers to these files relative to its own folder.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..errors import InputError

__all__ = ["register"]


def _station_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("station (one of)")
    g.add_argument("--pixel-size-mm", type=float, metavar="S",
                   help="telecentric or pre-rectified view: S mm per pixel")
    g.add_argument("--station", metavar="STATION.json", help="calibration file")
    g.add_argument("--plane-image", metavar="IMG", help="image of a board on the measuring plane")
    g.add_argument("--plane-file", metavar="PLANE.json", help="saved measuring plane")
    g.add_argument("--plane-view", type=int, metavar="N", help="calibration view N as the plane")
    p.add_argument("--tolerance", default="ISO2768-m",
                   help="ISO2768-f|m|c|v (default m) or a fixed +- mm value")
    p.add_argument("--model-mm-per-px", type=float, metavar="S",
                   help="pixel size of the rectified model view (calibrated stations)")
    p.add_argument("--features", metavar="LIST",
                   help="comma-separated feature names or kinds to keep (holes,arcs,edges,...)")
    p.add_argument("-o", "--output", required=True, metavar="PART.recipe.json",
                   help="recipe to write (its shape model is written beside it)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def _station(args: argparse.Namespace, out_dir: Path):
    from ..errors import InputError

    if args.pixel_size_mm is not None:
        if args.station or args.plane_image or args.plane_file or args.plane_view is not None:
            raise InputError("--pixel-size-mm excludes --station/--plane-*")
        return args.pixel_size_mm
    if not args.station:
        raise InputError("give the station: --pixel-size-mm S, or --station STATION.json with "
                         "--plane-image / --plane-file / --plane-view")
    planes = [(k, v) for k, v in (("board_image", args.plane_image), ("file", args.plane_file),
                                  ("view", args.plane_view)) if v is not None]
    if len(planes) != 1:
        raise InputError("with --station give exactly one of --plane-image, --plane-file, "
                         "--plane-view")

    def rel(p):
        return os.path.relpath(Path(p).resolve(), out_dir)

    key, val = planes[0]
    return {"calibration": rel(args.station), "plane": {key: val if key == "view" else rel(val)}}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``metrology recipe teach|from-dxf|show`` to the command line."""
    if not callable(getattr(subparsers, "add_parser", None)):
        raise InputError(f"subparsers: expected argparse sub-parsers, given "
                         f"{type(subparsers).__name__}")
    r = subparsers.add_parser(
        "recipe", help="make a recipe for a new part (teach, from-dxf) and look at it (show)",
        description="Teach a recipe from a golden image or a DXF drawing, and show what a recipe "
                    "holds.")
    sub = r.add_subparsers(dest="recipe_command", metavar="SUBCOMMAND")
    t = sub.add_parser("teach", help="recipe from a golden image of the part",
                       description="Find the part in IMG, split its contours into holes, arcs "
                                   "and edges, place a tool on each and propose the "
                                   "measurements of a drawing, with nominals measured on IMG.")
    t.add_argument("image", metavar="IMG", help="golden image of the part")
    t.add_argument("--roi", metavar="X,Y,W,H", help="where the part is (default: automatic)")
    _station_args(t)
    t.set_defaults(func=_cmd_teach)
    d = sub.add_parser("from-dxf", help="recipe from a DXF drawing of the part",
                       description="Read the part's outline, holes and dimensions from a DXF "
                                   "drawing, build the shape model from the drawing itself, "
                                   "place a tool on every feature, nominals from the drawing.")
    d.add_argument("dxf", metavar="PART.dxf")
    d.add_argument("--polarity", choices=("bright", "dark"), default="bright",
                   help="part brighter (front light, default) or darker (back light) than "
                        "its background")
    d.add_argument("--layer", help="read only this layer")
    d.add_argument("--units", help="drawing unit when the DXF has none (mm, inch, cm, um, ...)")
    _station_args(d)
    d.set_defaults(func=_cmd_from_dxf)
    s = sub.add_parser("show", help="table of a recipe's tools and measurements, and an overlay",
                       description="Print every tool and measurement of RECIPE by name; with "
                                   "-o, draw them (on --image, run and labelled; else on a "
                                   "blank model-frame sheet).")
    s.add_argument("recipe", metavar="RECIPE")
    s.add_argument("--image", metavar="IMG", help="image to run the recipe on for the overlay")
    s.add_argument("-o", "--output", metavar="SHOW.png", help="write the overlay here")
    s.set_defaults(func=_cmd_show)
    r.set_defaults(func=lambda a: (r.print_help(), 2)[1])


def _features(args) -> object:
    if not args.features:
        return "auto"
    return [f.strip() for f in args.features.split(",") if f.strip()]


def _finish(args, recipe) -> int:
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    recipe.save(out)
    info = recipe.teach_info
    if args.json:
        print(json.dumps({"recipe": str(out), "tools": [t.name for t in recipe.tools],
                          "measurements": [m.name for m in recipe.measurements],
                          "info": info}, indent=2, default=str))
    else:
        print(recipe.describe())
        print(f"\nwrote {out} and {out.parent / recipe.model_spec.file}")
    return 0


def _cmd_teach(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..inspect.recipe import Recipe
    from .build import TeachOptions

    out_dir = Path(args.output).resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)   # station paths are relative to it
    roi = None
    if args.roi:
        try:
            roi = tuple(float(v) for v in args.roi.split(","))
        except ValueError:
            raise InputError(f"--roi: expected X,Y,W,H, given {args.roi!r}") from None
    opts = TeachOptions(base_dir=out_dir, model_mm_per_px=args.model_mm_per_px,
                        model_file=f"{Path(args.output).name.split('.')[0]}.model.json")
    recipe = Recipe.teach(args.image, station=_station(args, out_dir), tolerance=args.tolerance,
                          features=_features(args), roi=roi, name=Path(args.image).stem,
                          options=opts)
    return _finish(args, recipe)


def _cmd_from_dxf(args: argparse.Namespace) -> int:
    from ..inspect.recipe import Recipe
    from .build import TeachOptions

    out_dir = Path(args.output).resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)   # station paths are relative to it
    opts = TeachOptions(base_dir=out_dir, model_mm_per_px=args.model_mm_per_px)
    recipe = Recipe.from_dxf(args.dxf, station=_station(args, out_dir),
                             part_polarity=args.polarity, tolerance=args.tolerance,
                             layer=args.layer, units=args.units, features=_features(args),
                             options=opts)
    return _finish(args, recipe)


def _cmd_show(args: argparse.Namespace) -> int:
    from .._io import atomic_write_bytes
    from ..errors import InputError
    from ..inspect.recipe import Recipe
    from .show import show_recipe

    recipe = Recipe.load(args.recipe)
    print(recipe.describe())
    if args.output:
        import cv2

        img = show_recipe(recipe, args.image)
        ok, buf = cv2.imencode(Path(args.output).suffix or ".png", img)
        if not ok:
            raise InputError(f"cannot encode {args.output}")
        atomic_write_bytes(args.output, buf.tobytes())
        print(f"wrote {args.output}")
    elif args.image:
        raise InputError("--image draws an overlay: give -o SHOW.png too")
    return 0
