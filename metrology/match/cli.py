"""``metrology model create`` and ``metrology find``.

::

    metrology model create TEMPLATE -o part.model.json [--angle-range -180,180]
                           [--scale-range 0.9,1.1] [--polarity use] [--origin x,y] [--mask M.png]
    metrology find IMAGE --model part.model.json [--min-score 0.7] [--max-matches 1]
                   [--json] [--overlay out.png]

``find`` exits with 1 when no instance reaches ``--min-score``.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError

EXIT_OK, EXIT_FAIL = 0, 1


def _pair(text: str, name: str) -> tuple[float, float]:
    try:
        parts = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise InputError(f"{name}: expected two numbers 'a,b', given {text!r}") from None
    if len(parts) != 2:
        raise InputError(f"{name}: expected two numbers 'a,b', given {text!r}")
    return parts[0], parts[1]


def _create(args: argparse.Namespace) -> int:
    from ..image.io import load_image
    from .model import ShapeModel

    mask = None
    if args.mask:
        from ..image.io import as_gray
        mask = as_gray(args.mask, "mask") > 0
    model = ShapeModel.create(
        load_image(args.template, "template"), mask=mask,
        origin_xy=_pair(args.origin, "--origin") if args.origin else None,
        angle_range_deg=_pair(args.angle_range, "--angle-range"),
        scale_range=_pair(args.scale_range, "--scale-range"),
        polarity=args.polarity,
        min_contrast=args.min_contrast if args.min_contrast is not None else "auto",
        num_levels=args.num_levels if args.num_levels is not None else "auto")
    model.save(args.output)
    summary = dict(model.to_dict(), output=str(args.output),
                   create_ms=round(model.info.get("create_ms", 0.0), 2))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"model: {args.output}: {model.num_levels} levels, points per level "
              f"{summary['points_per_level']}, min contrast {model.min_contrast:.2f}, angles "
              f"{model.angle_range_deg}, scales {model.scale_range}, polarity {model.polarity}")
    return EXIT_OK


def _find(args: argparse.Namespace) -> int:
    from ..image.io import load_image
    from .model import ShapeModel

    model = ShapeModel.load(args.model)
    image = load_image(args.image, "image")
    roi = None
    if args.roi:
        try:
            vals = [float(v) for v in args.roi.split(",")]
        except ValueError:
            vals = []
        if len(vals) != 4:
            raise InputError(f"--roi: expected four numbers x0,y0,x1,y1, given {args.roi!r:.80}")
        roi = vals
    matches = model.find(image, min_score=args.min_score,
                         max_matches=args.max_matches if args.max_matches > 0 else None,
                         max_overlap=args.max_overlap, roi=roi)
    if args.overlay:
        import cv2

        from .._io import atomic_write_bytes
        from ..viz.match import draw_matches
        ok, buf = cv2.imencode(".png" if not str(args.overlay).lower().endswith((".jpg", ".jpeg"))
                               else ".jpg", draw_matches(image, model, matches))
        if not ok:
            raise InputError(f"--overlay: cannot encode {args.overlay}")
        atomic_write_bytes(args.overlay, buf.tobytes())
    if args.json:
        print(json.dumps({"image": str(args.image), "model": str(args.model),
                          "matches": [m.to_dict() for m in matches]}, indent=2))
    else:
        if not matches:
            print(f"no match with score >= {args.min_score}", file=sys.stderr)
        for i, m in enumerate(matches):
            p = m.pose
            print(f"#{i}: x={p.x:.3f} y={p.y:.3f} angle={p.angle_deg:.3f}deg "
                  f"scale={p.scale:.5f} score={m.score:.3f} fit_rms={m.fit_rms_px:.3f}px")
    return EXIT_OK if matches else EXIT_FAIL


def register(subparsers) -> None:
    """Add ``model`` (with ``create``) and ``find`` to the ``metrology`` command."""
    pm = subparsers.add_parser("model", help="shape models: create one from a template image")
    msub = pm.add_subparsers(dest="model_command", metavar="ACTION")
    pc = msub.add_parser("create", help="build a shape model from a template image")
    pc.add_argument("template", help="template image (the part on a plain background)")
    pc.add_argument("-o", "--output", required=True, help="model file to write (.model.json)")
    pc.add_argument("--angle-range", default="-180,180", help="degrees 'start,stop' (default full)")
    pc.add_argument("--scale-range", default="1,1", help="'min,max' scale (default 1,1)")
    pc.add_argument("--polarity", default="use", choices=["use", "ignore_global", "ignore_local"])
    pc.add_argument("--origin", help="template point 'x,y' that poses refer to (default centre)")
    pc.add_argument("--mask", help="image whose non-zero pixels select the model region")
    pc.add_argument("--min-contrast", type=float, default=None,
                    help="edge gradient threshold, gray levels/px (default auto)")
    pc.add_argument("--num-levels", type=int, default=None, help="pyramid levels (default auto)")
    pc.add_argument("--json", action="store_true", help="print a JSON summary")
    pc.set_defaults(func=_create)
    pm.set_defaults(func=lambda a: (pm.print_help(), 2)[1])

    pf = subparsers.add_parser("find", help="find a shape model in an image, print poses")
    pf.add_argument("image", help="image to search")
    pf.add_argument("--model", required=True, help="model file from 'metrology model create'")
    pf.add_argument("--min-score", type=float, default=0.7)
    pf.add_argument("--max-matches", type=int, default=1, help="0 = all")
    pf.add_argument("--max-overlap", type=float, default=0.5)
    pf.add_argument("--roi", help="'x0,y0,x1,y1' region for the model origin")
    pf.add_argument("--overlay", help="write an overlay image of the matches")
    pf.add_argument("--json", action="store_true", help="print matches as JSON")
    pf.set_defaults(func=_find)
