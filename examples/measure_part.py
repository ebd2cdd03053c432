"""Measure a part with an inspection recipe and print the values in mm.

Usage::

    python examples/measure_part.py                      # renders a demo plate and measures it
    python examples/measure_part.py part1.png part2.png  # measures your images
    python examples/measure_part.py --recipe my.recipe.json images/*.png

The default recipe, ``examples/plate.recipe.json`` (its files in ``examples/plate/``), is the one
``metrology demo`` writes: a station calibrated from ``calib_images/``, the measuring plane, a
shape model of the demo plate, 8 caliper tools and 12 measurements with tolerances.  Without
images the script renders
the plate at a random pose through the true camera of ``calib_images/`` (ground truth known)
and prints the error of every value.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

import metrology as mt

HERE = Path(__file__).resolve().parent


def render_demo_image(seed: int):
    """A demo plate at a random pose on the measuring plane, and its true dimensions."""
    from metrology.synth.demo import demo_part, demo_station, render_demo_part

    gt = json.loads((HERE.parent / "calib_images" / "ground_truth.json").read_text())
    station = demo_station(mt.CameraModel.from_dict(gt["camera"]), mm_per_px=0.05)
    rng = np.random.default_rng(seed)
    pose = mt.Pose2D(float(station.center_mm[0] + rng.uniform(-2, 2)),
                     float(station.center_mm[1] + rng.uniform(-2, 2)),
                     float(rng.uniform(-180, 180)))
    r = render_demo_part(station, demo_part(), pose, rng=rng)
    return r.image, r.truth


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*", help="images to measure (default: render one)")
    ap.add_argument("--recipe", default=str(HERE / "plate.recipe.json"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--overlay", default="measure_part_overlay.png",
                    help="overlay of the last image")
    args = ap.parse_args(argv)

    recipe = mt.Recipe.load(args.recipe)
    if args.images:
        jobs = [(p, p, None) for p in args.images]
    else:
        img, truth = render_demo_image(args.seed)
        jobs = [("rendered demo plate", img, truth)]
    code = 0
    for name, image, truth in jobs:
        res = recipe.run(image, name=str(name))
        print(f"{name}: {res.status.upper()}" + (f" ({res.error})" if res.error else ""))
        if res.pose is not None and res.match_score is not None:
            print(f"  pose x={res.pose.x:.2f} px y={res.pose.y:.2f} px "
                  f"angle={res.pose.angle_deg:.3f} deg, score {res.match_score:.3f}")
        for m in res.measurements:
            if m.value is None:
                print(f"  {m.name:24s} not measured: {m.error}")
                continue
            line = f"  {m.name:24s} {m.value:10.4f} {m.unit} ± {m.uncertainty or 0:.4f}"
            if truth is not None and m.name in truth:
                err = m.value - truth[m.name]
                line += (f"   true {truth[m.name]:.4f}, error "
                         + (f"{err * 1000:+.2f} um" if m.unit == "mm" else f"{err:+.4f} deg"))
            if m.passed is not None:
                line += "   ok" if m.passed else "   FAIL"
            print(line)
        cv2.imwrite(args.overlay, res.overlay(image))
        code = max(code, 0 if res.passed else 1)
    print(f"overlay: {args.overlay}")
    return code


if __name__ == "__main__":
    sys.exit(main())
