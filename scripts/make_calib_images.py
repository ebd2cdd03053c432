"""Write ``calib_images/``: synthetic checkerboard views with exact ground truth.

The views are rendered by :func:`metrology.synth.render_board` (supersampled coverage, optical
blur before pixel integration, vignetting, noise, 8-bit) through a known camera, and
``ground_truth.json`` records the board, the camera, and every view's pose, blur, noise and
true corner positions (in :func:`metrology.detect_board`'s order).

Usage::

    python scripts/make_calib_images.py [--out calib_images] [--views 15] [--seed 7]

The defaults reproduce the committed set exactly (fixed seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from metrology._io import atomic_write_bytes, write_json_file
from metrology.calib import CameraModel, Checkerboard
from metrology.synth.board import random_board_poses, render_board

# the "true" station camera: a 1024x768 machine-vision camera with a moderate barrel lens
TRUE_K = [[1100.0, 0.0, 517.3], [0.0, 1100.0, 379.6], [0.0, 0.0, 1.0]]
TRUE_DIST = [-0.21, 0.14, 4e-4, -3e-4, -0.05]
SIZE = (1024, 768)
BOARD = Checkerboard(cols=9, rows=6, square_mm=20.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="calib_images")
    ap.add_argument("--views", type=int, default=15)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cam = CameraModel(TRUE_K, TRUE_DIST, SIZE, "standard")
    rng = np.random.default_rng(args.seed)
    poses = random_board_poses(BOARD, cam, args.views, rng=rng, fill=(0.4, 0.75),
                               max_tilt_deg=45.0)
    views = []
    for i, (rvec, tvec) in enumerate(poses):
        blur = float(rng.uniform(0.5, 1.2))
        noise = float(rng.uniform(1.0, 3.0))
        vign = float(rng.uniform(0.05, 0.25))
        t0 = time.time()
        r = render_board(cam, BOARD, rvec, tvec, blur_px=blur, noise_sigma=noise,
                         vignetting=vign, rng=rng)
        name = f"view_{i:02d}.png"
        ok, buf = cv2.imencode(".png", r.image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        atomic_write_bytes(out / name, buf.tobytes())
        views.append({"file": name, "rvec": rvec.tolist(), "tvec": tvec.tolist(),
                      "blur_px": blur, "noise_sigma": noise, "vignetting": vign,
                      "corners_xy": r.corners_xy.round(6).tolist()})
        print(f"{name}: blur {blur:.2f} px, noise {noise:.2f}, {time.time() - t0:.1f} s",
              file=sys.stderr)
    write_json_file(out / "ground_truth.json", {
        "description": "Synthetic checkerboard views rendered by metrology.synth.render_board "
                       "(scripts/make_calib_images.py); corners_xy are the exact distorted "
                       "pixel positions in metrology.detect_board's order.",
        "board": BOARD.to_dict(),
        "board_note": "cols x rows inner corners (10x7 squares), square_mm between corners",
        "camera": cam.to_dict(), "seed": args.seed, "views": views},
        fmt="metrology.calib_ground_truth", version=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
