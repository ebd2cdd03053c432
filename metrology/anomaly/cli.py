"""``metrology anomaly fit`` and ``metrology anomaly score``.

::

    metrology anomaly fit GOOD... -o surface.bank.npz [--features classical|efficientnet-lite0|1|2]
                          [--calibrate GOOD2...] [--threshold-method max_margin|quantile]
                          [--margin 0.1] [--quantile 0.99] [--coreset-ratio 0.05]
                          [--max-bank 1024] [--aligned] [--select auto|off]
                          [--edge-band-px PX] [--line-scan auto|on|off]
                          [--texture-energy auto|on|off] [--jet-scan auto|on|off]
                          [--jet-head auto|on|off] [--jet-memory auto|on|off]
                          [--comb-scan auto|on|off]
                          [--cnn-scan on|off] [--chroma-scan auto|on|off]
                          [--gaussianize line|tiered|auto|on|off]
                          [--local-rms auto|on|off] [--ring-scan auto|on|off]
                          [--lay-turn auto|on|off] [--roi MASK] [--json]
    metrology anomaly score IMAGE... --bank surface.bank.npz [--aligned] [--overlay DIR] [--json]
                            [--onnx trunk.onnx] [--explain]
    metrology anomaly info BANK [--json]
    metrology anomaly export-onnx BANK OUT.onnx
    metrology anomaly evaluate --bank BANK --good GOOD... (--bad BAD... [--masks DIR] |
                               --paste [KIND,...]) [--aligned] [--onnx trunk.onnx] [--json]
                               [--report FILE.json]

``fit`` trains PatchCore on good images (``--features efficientnet-lite0`` (or ``-lite1``,
``-lite2``) needs the ``[deep]``
extra) and, with ``--calibrate``, sets the threshold from other good images.  ``--aligned``
turns on the position-aware check (missing or extra features; the images must show the part
aligned, as a recipe's region cuts it).  ``--select off`` keeps the face band as set instead
of choosing it from the good images (a fit several times faster; on large images most of the
fit's time is the choice), ``--edge-band-px`` sets that band (px along strong edges left out of
the face: the first candidate under ``--select auto``, the band under ``off``), and
``--line-scan``, ``--texture-energy`` and ``--jet-scan`` switch the line, texture-energy and
jet channels, ``--jet-head``, ``--jet-memory`` and ``--comb-scan`` the jet channel's learned
head, its memory of good responses and its comb channel (bands of fine grooves), and ``--cnn-scan on`` adds the discriminator channel, an
option that trains a small net at fit (``[deep]``; about 3 min more; ``PatchCoreSettings``,
docs/anomaly.md);
``--chroma-scan`` switches the chroma channel (auto: on for colour images), ``--gaussianize``
the Gaussianized face signal (tiered, the default: the line channel's on faces of skewed
levels such as sparse dark marks on a bright ground, the jet channel's too on the most
one-sided; line: the line channel's only; auto: both; on: both, always; off: never), and
``--local-rms`` the face signal over its local RMS (off, the default; auto: on faces rougher
in some places than in others; on: always), and ``--ring-scan`` the jet channel's ring channel
(thin circular marks: a punch's guide ring, a washer's print; auto: with the jet channel, the
rings a face's own grains answer left out; on: every ring; off, the default: none), and
``--lay-turn`` the jet channel's whitening turned to each part's lay (a lay that turns from
part to part; auto, the default: where the good faces' lay turns; on: always; off: never).
``--roi MASK`` takes a mask image of the training size whose nonzero pixels are the part's
region: only they are learned and scored, and the channels find the part face inside it (a
small part on a large background needs it: docs/anomaly.md, *Limits*).  ``score`` prints
each image's score and exits with 1 when any image is above the bank's threshold (0 otherwise,
or when no threshold is set); with ``--explain``, under each image's line, why: the patch
bank's and each extra channel's score, its z over the good parts held back at fit and where its
map peaks, the one that set the image score marked (:func:`metrology.anomaly.explain.explain`;
with ``--json``, each result's ``"explain"``).  ``info`` says what a bank is and what its fit chose: the
extractor, image size, training figures, the face band, each extra channel's state (``on``,
``off`` or why ``"auto"`` turned it off), how the channels combine and the threshold
(:func:`metrology.anomaly.describe.describe`; ``fit`` prints the same at its end).
``export-onnx`` writes the EfficientNet-Lite0 trunk of a lite0
bank, for its image size, to ONNX (needs ``[deep]``), and ``score --onnx`` scores that bank
through OpenCV's DNN module, without torch.  ``evaluate`` scores good and defective parts
the bank was not fitted on and reports the AUROC with its 90 % interval, the escapes when no
good part is rejected, false rejects and escapes at the bank's threshold, and with ``--masks``
(for ``BAD/name.ext`` the mask ``DIR/name.png`` or ``DIR/name_mask.png``, nonzero on the defect)
the share of maps peaking on the defect (:func:`metrology.anomaly.evaluate`); ``--paste``
pastes the generator's defects (the five original kinds, or those named) on copies of the good
parts instead (:func:`metrology.anomaly.evaluate_pasted`), for a surface with no defective
parts at hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL = 0, 1


def _progress(i: int, n: int, what: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{what} {i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)


def _load_all(paths, what):
    from ..image.io import load_image

    out = []
    for i, p in enumerate(paths, 1):
        out.append(load_image(p, str(p)))
        _progress(i, len(paths), what)
    return out


def _roi_mask(path: str):
    """The ``--roi`` mask image as a bool array: its nonzero pixels (any channel)."""
    from ..image.io import load_image

    m = load_image(path, "--roi")
    return (m != 0) if m.ndim == 2 else (m != 0).any(axis=2)


def _fit(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from .patchcore import PatchCore

    mode = {"auto": "auto", "line": "line", "tiered": "tiered", "on": True, "off": False}
    band = {} if args.edge_band_px is None else {"edge_band_px": args.edge_band_px}
    scorer = PatchCore(args.features, coreset_ratio=args.coreset_ratio, max_bank=args.max_bank,
                       aligned=args.aligned, resize=args.resize, select=args.select,
                       line_scan=mode[args.line_scan], texture_energy=mode[args.texture_energy],
                       jet_scan=mode[args.jet_scan], jet_head=mode[args.jet_head],
                       jet_memory=mode[args.jet_memory],
                       comb_scan=mode[args.comb_scan], cnn_scan=mode[args.cnn_scan],
                       chroma_scan=mode[args.chroma_scan],
                       gaussianize=mode[args.gaussianize], local_rms=mode[args.local_rms],
                       ring_scan=mode[args.ring_scan], lay_turn=mode[args.lay_turn],
                       **band)
    roi = None if args.roi is None else _roi_mask(args.roi)
    images = _load_all(args.images, "reading")
    if roi is not None and roi.shape != images[0].shape[:2]:
        h, w = images[0].shape[:2]
        raise InputError(f"--roi {args.roi}: the mask is {roi.shape[1]}x{roi.shape[0]} px, the "
                         f"training images {w}x{h}; give a mask of the training size")
    if roi is not None and not roi.any():
        raise InputError(f"--roi {args.roi}: the mask has no nonzero pixel")
    scorer.fit(images, roi=roi)
    if args.calibrate:      # the threshold goes into the bank and its summary
        scorer.calibrate_threshold(_load_all(args.calibrate, "calibrating"),
                                         args.threshold_method, quantile=args.quantile,
                                         margin=args.margin)
    out = scorer.save(args.output)
    summary = dict(scorer.to_dict(), output=str(out))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        from .describe import describe

        print(f"bank: {out}")
        print("\n".join(describe(scorer)))
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from .describe import channel_states, describe

    scorer = _load_bank(args)
    if args.json:
        print(json.dumps(dict(scorer.to_dict(), bank=str(args.bank),
                              channels=channel_states(scorer), fusion=scorer.fusion_used,
                              aligned_model=scorer._aligned is not None), indent=2))
    else:
        print(f"bank: {args.bank}")
        print("\n".join(describe(scorer)))
    return EXIT_OK


def _load_bank(args: argparse.Namespace):
    """The bank of ``--bank``, its EfficientNet-Lite0 trunk run through ``--onnx`` if given."""
    from .patchcore import PatchCore

    features = None
    if args.onnx:
        from .onnx_trunk import OnnxLite0Features

        features = OnnxLite0Features(args.onnx)
    return PatchCore.load(args.bank, features=features)


def _score(args: argparse.Namespace) -> int:
    from .._io import atomic_write_bytes, output_dir
    from ..errors import InputError
    from ..image.io import load_image
    from .explain import _explain

    scorer = _load_bank(args)
    if args.overlay:
        args.overlay = output_dir(args.overlay, "--overlay")
    results, any_bad = [], False
    for i, path in enumerate(args.images, 1):
        image = load_image(path, str(path))
        aligned = True if args.aligned else None
        if args.explain:        # the score and its explanation from one pass
            res, why = _explain(scorer, image, aligned)
        else:
            res, why = scorer.score(image, aligned=aligned), None
        any_bad |= bool(res.anomalous)
        results.append(dict(res.to_dict(), image=str(path)))
        if why is not None:
            results[-1]["explain"] = why.to_dict()
        if args.overlay:
            import cv2

            from ..viz.anomaly import draw_anomaly

            ok, buf = cv2.imencode(".png", draw_anomaly(image, res))
            if not ok:
                raise InputError(f"--overlay: cannot encode the overlay of {path}")
            atomic_write_bytes(Path(args.overlay) / (Path(path).stem + ".anomaly.png"),
                               buf.tobytes())
        if not args.json:
            verdict = {None: "", True: "ANOMALOUS", False: "ok"}[res.anomalous]
            print(f"{path}: score {res.score:.4f} max at ({res.max_xy[0]:.0f}, "
                  f"{res.max_xy[1]:.0f}) {verdict}".rstrip())
            if why is not None:
                print("\n".join("  " + line for line in why.lines()))
        _progress(i, len(args.images), "scoring")
    if args.json:
        print(json.dumps({"bank": str(args.bank), "threshold": scorer.threshold and
                          scorer.threshold.to_dict(), "results": results}, indent=2))
    return EXIT_FAIL if any_bad else EXIT_OK


def _mask_for(folder: Path, image: str):
    """The defect mask of ``image`` in ``folder``: ``name.png`` or ``name_mask.png``."""
    from ..errors import InputError
    from ..image.io import load_image

    stem = Path(image).stem
    for cand in (folder / f"{stem}.png", folder / f"{stem}_mask.png"):
        if cand.is_file():
            return load_image(cand, "--masks")
    raise InputError(f"--masks {folder}: no mask for {image} ({stem}.png or {stem}_mask.png)")


def _evaluate(args: argparse.Namespace) -> int:
    from .._io import as_path, atomic_write_text
    from ..errors import InputError
    from .evaluation import PASTE_KINDS, evaluate, evaluate_pasted

    scorer = _load_bank(args)
    masks, aligned = None, True if args.aligned else None
    if args.masks and args.paste is not None:
        raise InputError("--masks: the pasted defects bring their own masks; give --bad with it")
    if args.masks:
        folder = as_path(args.masks, "--masks")
        if not folder.is_dir():
            raise InputError(f"--masks {folder}: not a folder")
        masks = [_mask_for(folder, p) for p in args.bad]
    if args.paste is not None:
        kinds = [k.strip() for k in args.paste.split(",") if k.strip()] or list(PASTE_KINDS)
        ev = evaluate_pasted(scorer, args.good, kinds, aligned=aligned)
    else:
        ev = evaluate(scorer, args.good, args.bad, masks, aligned=aligned)
    report = dict(ev.to_dict(), bank=str(args.bank))
    if args.report:
        atomic_write_text(args.report, json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(ev)
        worst = sorted(ev.images, key=lambda r: r["score"])
        bad_low = [r for r in worst if r["label"] == "bad"][:3]
        good_high = [r for r in worst if r["label"] == "good"][-3:]
        for r in good_high[::-1] + bad_low:
            print(f"  {r['label']:4s} {r['score']:.4f} {r['name']}")
    return EXIT_OK


def _export_onnx(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from .efficientnet import EfficientNetFeatures
    from .onnx_trunk import export_lite0_onnx
    from .patchcore import PatchCore

    scorer = PatchCore.load(args.bank)
    if not isinstance(scorer.features, EfficientNetFeatures):
        raise InputError(f"{args.bank}: the bank was built with features "
                         f"{scorer.features.name!r}; export-onnx needs an efficientnet-lite "
                         f"bank (anomaly fit --features efficientnet-lite0, -lite1 or -lite2)")
    out = export_lite0_onnx(args.output, scorer.image_shape, scorer.features)
    h, w = scorer.image_shape
    print(f"onnx: {out} (+ {out.name}.json) for {w}x{h} px images; score with: metrology "
          f"anomaly score IMAGE... --bank {args.bank} --onnx {out}")
    return EXIT_OK


def register(subparsers) -> None:
    """Add ``anomaly fit``, ``score``, ``info``, ``export-onnx`` and ``evaluate`` to the
    ``metrology`` command."""
    from .extractors import FEATURE_NAMES

    pa = subparsers.add_parser("anomaly", help="surface anomaly scoring trained on good parts")
    asub = pa.add_subparsers(dest="anomaly_command", metavar="ACTION")
    pf = asub.add_parser("fit", help="build a PatchCore bank from good images")
    pf.add_argument("images", nargs="+", help="good training images (one size)")
    pf.add_argument("-o", "--output", required=True,
                    help="bank file to write (one .npz; a .json name is written as the .npz "
                         "beside it)")
    pf.add_argument("--features", default="classical", choices=list(FEATURE_NAMES),
                    help="patch features (the efficientnet-lite ones need metrology[deep], "
                         "see docs/anomaly.md)")
    pf.add_argument("--calibrate", nargs="+", metavar="IMAGE",
                    help="held-back good images that set the threshold")
    pf.add_argument("--threshold-method", default="max_margin", choices=["max_margin", "quantile"])
    pf.add_argument("--margin", type=float, default=0.1, help="relative margin (default 0.1)")
    pf.add_argument("--quantile", type=float, default=0.99)
    pf.add_argument("--coreset-ratio", type=float, default=0.05)
    pf.add_argument("--max-bank", type=int, default=1024)
    pf.add_argument("--aligned", action="store_true",
                    help="score with the position-aware check by default (aligned parts only; "
                         "finds missing or extra features)")
    pf.add_argument("--resize", action="store_true",
                    help="resize images of another size to the training size")
    pf.add_argument("--select", default="auto", choices=["auto", "off"],
                    help="choose the face band along the part's edges from the good images "
                         "themselves (auto, default) or keep it off (a faster fit)")
    pf.add_argument("--edge-band-px", type=float, metavar="PX",
                    help="band along the part's strong edges left out of the face (px; "
                         "default 0; with --select auto the first band tried)")
    pf.add_argument("--line-scan", default="auto", choices=["auto", "on", "off"],
                    help="the channel for long faint lines (auto: on with classical features "
                         "and 5 or more images)")
    pf.add_argument("--texture-energy", default="auto", choices=["auto", "on", "off"],
                    help="the channel for rubbed-down or roughened texture (auto: on with "
                         "classical and efficientnet-lite features)")
    pf.add_argument("--jet-scan", default="auto", choices=["auto", "on", "off"],
                    help="the channel for compact marks of any shape (auto: on with the line "
                         "channel and 40 or more images; off halves the scoring time)")
    pf.add_argument("--jet-head", default="off", choices=["auto", "on", "off"],
                    help="the jet channel's learned head, a small perceptron trained at fit "
                         "on its responses against painted marks (with the jet channel; "
                         "about 5 s more fit); auto: kept only where it beats the jet "
                         "channel on marks painted into held-back good parts")
    pf.add_argument("--jet-memory", default="auto", choices=["auto", "on", "off"],
                    help="the jet channel's memory of good responses (nearest-neighbour "
                         "distance, summed with the other channels' score; with the jet "
                         "channel); auto: kept only where the held-back good parts' "
                         "statistics spread under 0.2 of their mean")
    pf.add_argument("--comb-scan", default="auto", choices=["auto", "on", "off"],
                    help="the comb channel for bands of fine parallel grooves (drag marks, "
                         "fingerprints), on the jet channel's face; auto: kept only where the "
                         "good faces hold no comb-band patches of their own")
    pf.add_argument("--cnn-scan", default="off", choices=["on", "off"],
                    help="the discriminator channel, a small net trained at fit on the good "
                         "faces with synthetic marks (needs the [deep] extra, the line "
                         "channel and 40 or more images; about 3 min more fit)")
    pf.add_argument("--chroma-scan", default="auto", choices=["auto", "on", "off"],
                    help="the channel for discolourations that keep the luminance (auto: on "
                         "when the images are colour; off scores them as gray)")
    pf.add_argument("--gaussianize", default="tiered",
                    choices=["auto", "line", "tiered", "on", "off"],
                    help="map the line and jet channels' face signal to normal quantiles "
                         "of the good faces' levels before their search, where those levels "
                         "are skewed (sparse dark marks on a bright face, bright grains on a "
                         "dark one): tiered, the default: the line channel from |skewness| "
                         "0.75, the jet's too from 1.5; line: the line channel only; auto: "
                         "both from 0.75; on: both, always; off: never")
    pf.add_argument("--local-rms", default="off", choices=["auto", "on", "off"],
                    help="divide the line and jet channels' face signal by its local RMS "
                         "(16 px), so a face rougher in some places than in others has one "
                         "contrast before their search: off, the default: never; auto: "
                         "where the good faces' log local RMS spreads by 0.12 or more; on: "
                         "always")
    pf.add_argument("--ring-scan", default="off", choices=["auto", "on", "off"],
                    help="search the jet channel's face signal for thin rings of 3.5-14 px "
                         "radius (a punch's guide ring, a washer's print): auto: with the jet "
                         "channel, the rings the good faces answer themselves left out; on: "
                         "every ring; off, the default: never")
    pf.add_argument("--lay-turn", default="auto", choices=["auto", "on", "off"],
                    help="whiten the jet channel's face signal by the good faces' spectrum "
                         "turned to each part's lay, for a lay that turns from part to part: "
                         "auto, the default: where the good faces' lay turns; on: always; "
                         "off: never")
    pf.add_argument("--roi", metavar="MASK",
                    help="mask image of the training size: its nonzero pixels (the part's "
                         "region) are learned and scored")
    pf.add_argument("--json", action="store_true", help="print a JSON summary")
    pf.set_defaults(func=_fit)
    ps = asub.add_parser("score", help="score images with a saved bank")
    ps.add_argument("images", nargs="+", help="images to score")
    ps.add_argument("--bank", required=True, help="bank file written by 'anomaly fit'")
    ps.add_argument("--aligned", action="store_true",
                    help="position-aware check (aligned parts: missing or extra features)")
    ps.add_argument("--overlay", metavar="DIR", help="write heat-map overlays into DIR")
    ps.add_argument("--json", action="store_true", help="print JSON results")
    ps.add_argument("--explain", action="store_true",
                    help="say why: each channel's score, its z over the held-back good parts "
                         "and where it peaks, and which one set the image score (with --json: "
                         "an \"explain\" entry per image)")
    ps.add_argument("--onnx", metavar="FILE",
                    help="score an efficientnet-lite bank with this trunk (from export-onnx) "
                         "through OpenCV, without torch")
    ps.set_defaults(func=_score)
    pi = asub.add_parser("info", help="what a saved bank is and what its fit chose (face band, "
                                      "channels on or off and why, threshold)")
    pi.add_argument("bank", help="bank file written by 'anomaly fit'")
    pi.add_argument("--json", action="store_true", help="print it as JSON")
    pi.set_defaults(func=_info, onnx=None)
    pe = asub.add_parser("export-onnx", help="export an efficientnet-lite bank's trunk to ONNX "
                                             "(needs metrology[deep])")
    pe.add_argument("bank", help="bank file fitted with --features efficientnet-lite0 (or "
                                 "lite1, lite2)")
    pe.add_argument("output", help="ONNX file to write (and OUTPUT.json beside it)")
    pe.set_defaults(func=_export_onnx)
    pv = asub.add_parser("evaluate", help="AUROC, escapes and false rejects of a saved bank on "
                                          "good and defective parts it was not fitted on")
    pv.add_argument("--bank", required=True, help="bank file written by 'anomaly fit'")
    pv.add_argument("--good", nargs="+", required=True, metavar="IMAGE",
                    help="good parts not used for fitting")
    which = pv.add_mutually_exclusive_group(required=True)
    which.add_argument("--bad", nargs="+", metavar="IMAGE", help="defective parts")
    which.add_argument("--paste", nargs="?", const="", metavar="KIND,...",
                       help="paste the generator's defects on copies of the good parts instead "
                            "(default kinds: scratch, spot, dent, crack, stain)")
    pv.add_argument("--masks", metavar="DIR",
                    help="defect masks: DIR/name.png or DIR/name_mask.png for each --bad image "
                         "(the map-peak check)")
    pv.add_argument("--aligned", action="store_true",
                    help="position-aware check (aligned parts: missing or extra features)")
    pv.add_argument("--onnx", metavar="FILE",
                    help="score an efficientnet-lite bank through OpenCV with this trunk")
    pv.add_argument("--json", action="store_true", help="print the report as JSON")
    pv.add_argument("--report", metavar="FILE", help="write the JSON report to FILE")
    pv.set_defaults(func=_evaluate)
    pa.set_defaults(func=lambda a: (pa.print_help(), 2)[1])
