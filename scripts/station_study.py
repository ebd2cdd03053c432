"""Figures of docs/stations.md (issue 17): partial views, telecentric cameras, two cameras.

Renders the test scenes of ``tests/calib/station_scenes.py`` (small 320x240 / 400x300
images, supersample 3, exact ground truth) over several seeds, calibrates them, and prints
every figure the docs quote; writes the coverage pictures to ``docs/``.

Usage (from the repository root; several minutes on a loaded 2-core machine)::

    python scripts/station_study.py [--seeds 5] [--out docs] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "calib"))

import station_scenes as S  # noqa: E402

from metrology.calib import (Checkerboard, calibrate, calibrate_rig,  # noqa: E402
                             projection_difference, telecentric_difference)
from metrology.viz.stations import draw_coverage_report  # noqa: E402


def partial_views(seeds: int, out: Path) -> None:
    print("## partial views (320x240, k1 -0.21 lens, 8 views per calibration)")
    print("seed | full board: raw / gauge-free / max sigma | ChArUco | marker board")
    ratios = {"charuco": [], "marker": []}
    for seed in range(seeds):
        row, ref = [f"{seed}"], None
        for kind, board in (("full", S.FULL_BOARD), ("charuco", S.CHARUCO),
                            ("marker", S.MARKER_BOARD)):
            imgs, _ = S.views(kind, 8, seed)
            cal = calibrate(imgs, board, holdout=False)
            d = projection_difference(cal.camera, S.PINHOLE)["rms_px"]
            g = projection_difference(cal.camera, S.PINHOLE, compensate_rotation=True)["rms_px"]
            row.append(f"{d:.4f} / {g:.4f} / {cal.uncertainty.max_px:.3f} ({len(cal.views)} v)")
            if kind == "full":
                ref = (d, g)
            else:
                ratios[kind].append((d / ref[0], g / ref[1]))
            if seed == 1:
                sig_max = 0.6 if kind == "full" else None
                img = draw_coverage_report(cal, width=400, sigma_max_px=sig_max, title=(
                    f"{kind}: {len(cal.views)} views, projection error {d:.3f} px "
                    f"({g:.3f} gauge-free)"))
                cv2.imwrite(str(out / f"stations_coverage_{kind}.png"), img)
        print(" | ".join(row), flush=True)
    for kind, r in ratios.items():
        r = np.array(r)
        print(f"{kind}: ratio to the full board, raw {np.round(r[:, 0], 2).tolist()} (median "
              f"{np.median(r[:, 0]):.2f}), gauge-free {np.round(r[:, 1], 2).tolist()}")


def telecentric() -> None:
    print("## telecentric (320x240, 80 um/px, distortion 0.1 % at the corner)")
    for kind, seed in [("tele", s) for s in (11, 12, 13)] + \
            [("tele_charuco", s) for s in (11, 12, 13, 14, 15)]:
        cal = S.tele_calibration(6, seed, kind)
        d = telecentric_difference(cal.camera, S.TELE)
        s_std = cal.param_std[cal.param_names.index("s")] / cal.camera.sx
        print(f"{kind} seed {seed}: magnification error {100 * d['magnification_error']:+.5f} % "
              f"(1-sigma {100 * s_std:.5f} %), distortion residual {d['distortion_rms_px']:.4f}"
              f" px RMS / {d['distortion_max_px']:.4f} px max, projection error "
              f"{d['rms_px']:.4f} px (uncertainty {cal.uncertainty.rms_px:.4f}), RMS "
              f"{cal.rms_px:.4f} px", flush=True)


def telecentric_plate(tmp: Path) -> None:
    """The demo plate measured by a recipe on the telecentric station and by the bare
    pixel_size_mm route (the scene of tests/calib/test_stations_recipes.py)."""
    import test_stations_recipes as R

    from metrology.calib import detect_board

    cal = S.tele_calibration()
    cal.save(tmp / "tele.json")
    _, board_img, part, _, _ = R._tele_scene()
    R._png(tmp / "plane.png", board_img)
    got = R._run_tele(tmp, {"calibration": "tele.json", "plane": {
        "board_image": "plane.png", "board": {"cols": 11, "rows": 8, "square_mm": 1.5}}})
    det = detect_board(board_img, R.PLANE_BOARD)
    bare = R._run_tele(tmp, {"pixel_size_mm": R.PLANE_BOARD.square_mm / det.square_px})
    truth = part.true_values()
    print("## demo plate on the telecentric station (error in um; angle in deg)")
    print("measurement | true | telecentric station | pixel_size_mm")
    for k, t in truth.items():
        f = 1.0 if k == "corner_angle" else 1000.0
        print(f"{k} | {t:.4f} | {(got[k] - t) * f:+.2f} | {(bare[k] - t) * f:+.2f}")


def stereo(shared: Path | None) -> None:
    print("## two cameras, rendered (400x300, baseline 80 mm, ChArUco 8x6, 6 and 16 scenes)")
    for n, seed in [(6, s) for s in range(3, 9)] + [(16, s) for s in (5, 7, 8)]:
        rig = S.rig_calibration(n, seed)
        rp = rig.relative_pose("B", "A")
        T = rp.T_dst_src
        dR = T[:3, :3].T @ S.RIG_T_B_A[:3, :3]
        rot = np.degrees(np.arccos(np.clip((np.trace(dR) - 1) / 2, -1, 1)))
        base = np.linalg.norm(S.RIG_T_B_A[:3, 3])
        print(f"{n} scenes, seed {seed}: rotation error {rot:.5f} deg (1-sigma {rp.angle_std_deg:.5f}), "
              f"baseline error {100 * abs(rp.baseline_mm - base) / base:.4f} % (1-sigma "
              f"{100 * rp.baseline_std_mm / base:.4f} %), RMS {rig.rms_px:.4f} px", flush=True)
    if shared is None or not (shared / "calib" / "opencv_left").is_dir():
        print("(real pairs skipped: no ../shared/data)")
        return
    left = sorted((shared / "calib" / "opencv_left").glob("*.jpg"))
    right = sorted((shared / "calib" / "opencv_right").glob("*.jpg"))
    t = time.time()
    rig = calibrate_rig({"left": left, "right": right}, Checkerboard(9, 6, 1.0))
    print(f"## OpenCV stereo pairs ({len(rig.scenes)} scenes, {time.time() - t:.0f} s)")
    print(rig.summary())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "docs"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--only", choices=["partial", "telecentric", "plate", "stereo"])
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import tempfile

    if args.only in (None, "partial"):
        partial_views(args.seeds, out)
    if args.only in (None, "telecentric"):
        telecentric()
    if args.only in (None, "plate"):
        with tempfile.TemporaryDirectory() as tmp:
            telecentric_plate(Path(tmp))
    if args.only in (None, "stereo"):
        stereo(Path(args.shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
