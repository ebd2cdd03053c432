"""Calibrate an inspection station once, save the station file, measure in millimetres.

Runs on the committed synthetic views in ``calib_images/`` (a 9x6 board with 20 mm squares
seen by a 1024x768 camera with a barrel lens; the true camera is in ground_truth.json)::

    python examples/calibrate_station.py [--out station.json]

Steps: calibrate (rejected views are listed with reasons), look at the quality figures
(reprojection, hold-out, projection uncertainty), save the station file (and an OpenCV YAML
copy), reload it, build the measuring plane from a view of the board lying on it and convert
pixel measurements to millimetres.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import metrology as mt
from metrology.calib import projection_difference

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="station.json", help="station file to write")
    args = ap.parse_args(argv)

    gt = json.loads((ROOT / "calib_images" / "ground_truth.json").read_text())
    board = mt.Checkerboard(**gt["board"])  # cols=9, rows=6, square_mm=20.0

    def progress(i, n, name, msg):
        print(f"  [{i}/{n}] {Path(name).name}: {msg}" if name else f"  ... {msg}",
              file=sys.stderr)

    cal = mt.calibrate(str(ROOT / "calib_images" / "*.png"), board, progress=progress)
    print(cal.summary())

    # how close is it to the truth? (only possible on rendered images)
    true = mt.CameraModel.from_dict(gt["camera"])
    diff = projection_difference(cal.camera, true)
    print(f"\nvs ground truth: projection difference RMS {diff['rms_px']:.3f} px, "
          f"max {diff['max_px']:.3f} px; focal error "
          f"{abs(cal.camera.fx / true.fx - 1) * 100:.4f} %")

    path = cal.save(args.out)
    cal.export_opencv_yaml(Path(args.out).with_suffix(".yml"))
    station = mt.Calibration.load(path)
    print(f"station file: {path} (+ OpenCV YAML copy)")

    # the board of view 0 lies on the measuring plane: pixels -> mm on that plane
    plane = station.plane(view=0)
    print(f"plane residual {plane.residual_rms_mm * 1000:.1f} um RMS over "
          f"{plane.n_points} corners")
    a_px, b_px = station.views[0].corners_xy[0], station.views[0].corners_xy[8]
    a_mm, b_mm = plane.to_mm(np.array([a_px, b_px]))  # raw image pixels in, mm out
    print(f"corner 0 -> corner 8: {np.linalg.norm(b_mm - a_mm):.4f} mm "
          f"(true {8 * board.square_mm:.1f} mm); local scale "
          f"{plane.mm_per_px(a_px[None])[0]:.4f} mm/px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
