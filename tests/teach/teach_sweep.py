"""Per-measurement accuracy of taught recipes over unseen poses (the figures of docs/teaching.md).

Run from the repository root::

    PYTHONPATH=$PWD python tests/teach/teach_sweep.py [--poses 6] [--route dxf|teach|both]
        [--parts plate_mm,plate_inch,...]

For every drawing x station (pinhole, scale) x route it builds the recipe, runs it on the poses
and prints, per measurement, the worst error over the poses in px-equivalents (mm / (mm/px); an
angle error times its shorter leg), the recipe's own 1-sigma (mean over the poses, same unit)
and the predicted 1-sigma the recipe was built with (``recipe.teach_info["predicted_sigma_px"]``
when it carries one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from teach_helpers import (MM_PER_PX, feats_of, pinhole_station, plane_of, pose_at,  # noqa: E402
                           px_equivalent, render, scale_station, truth_values)
import teach_parts  # noqa: E402

from metrology.inspect import Recipe  # noqa: E402
from metrology.teach.dxf import read_dxf  # noqa: E402
from metrology.teach.proposals import propose  # noqa: E402

POSES = [(17.0, (1.0, -0.5)), (-131.0, (-2.0, 1.5)), (73.0, (3.0, 2.0)), (-20.0, (-4.0, -2.5)),
         (178.0, (0.0, 3.0)), (-95.0, (2.5, -3.0))]


def sweep_dxf(path, station, poses, seed=0):
    g = read_dxf(path).geometry
    recipe = Recipe.from_dxf(path, station=plane_of(station))
    prop = propose(g)
    legs = {n: k[1] for n, k in prop.tol_kinds.items() if k[0] == "angle"}
    truth = truth_values(recipe.measurements, feats_of(prop), recipe.teach_info["pairs"])
    return recipe, _run(recipe, station, g, poses, truth, legs, seed)


def sweep_teach(path, station, poses, seed=40):
    from teach_checks import match_taught

    g = read_dxf(path).geometry
    golden_pose = pose_at(station, g, 8.0, (0.5, 0.5))
    golden = render(station, g, golden_pose, rng=99)
    recipe = Recipe.teach(golden, station=plane_of(station))
    found, spurious, drawing = match_taught(recipe, station, golden, golden_pose, g)
    truth = truth_values(recipe.measurements, found, recipe.teach_info["pairs"])
    legs = {}
    for m in recipe.measurements:
        if m.type == "angle":
            legs[m.name] = min(found[n].primitive.length for n in m.features)
    info = {"spurious": spurious, "found": len(found), "drawing": len(drawing)}
    return recipe, _run(recipe, station, g, poses, truth, legs, seed), info


def _run(recipe, station, g, poses, truth, legs, seed):
    rows = {}
    for i, (ang, off) in enumerate(poses):
        img = render(station, g, pose_at(station, g, ang, off), rng=seed + i)
        res = recipe.run(img)
        if res.status not in ("pass", "fail"):
            print("  pose", ang, res.status, res.error)
            continue
        for m in res.measurements:
            if m.name not in truth or m.value is None:
                rows.setdefault(m.name, []).append((np.nan, np.nan))
                continue
            err = px_equivalent(m, m.value - truth[m.name], legs)
            sig = px_equivalent(m, m.uncertainty, legs) if m.uncertainty else np.nan
            rows.setdefault(m.name, []).append((err, sig))
    return rows


def report(title, recipe, rows):
    pred = (getattr(recipe, "teach_info", {}) or {}).get("predicted_sigma_px", {})
    print(f"\n== {title}: {len(recipe.measurements)} measurements")
    print(f"   {'measurement':34s} {'worst px':>9s} {'sigma px':>9s} {'pred px':>9s}")
    worst, n_over, n_all = 0.0, 0, 0
    for name, v in rows.items():
        a = np.array(v, float)
        w, s = np.nanmax(a[:, 0]), np.nanmean(a[:, 1])
        p = pred.get(name)
        flag = " <-- over 0.05" if w > 0.05 else ""
        print(f"   {name:34s} {w:9.4f} {s:9.4f} {p if p is not None else float('nan'):9.4f}"
              f"{flag}")
        worst = max(worst, w)
        n_over += int(np.sum(~(a[:, 0] <= 0.05)))      # a missing value counts as over
        n_all += len(a)
    print(f"   worst {worst:.4f} px; {n_over} of {n_all} measurement results above 0.05 px")
    return worst, n_over, n_all


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--poses", type=int, default=6)
    ap.add_argument("--route", default="both")
    ap.add_argument("--stations", default="pinhole,scale")
    ap.add_argument("--parts", default="plate_mm,plate_inch")
    a = ap.parse_args(argv)
    poses = POSES[:a.poses]
    tmp = Path(tempfile.mkdtemp())
    totals = []
    for part in a.parts.split(","):
        path = teach_parts.DRAWINGS[part](tmp / f"{part}.dxf")
        for kind in a.stations.split(","):
            st = pinhole_station() if kind == "pinhole" else scale_station()
            if a.route in ("dxf", "both"):
                t0 = time.perf_counter()
                try:
                    recipe, rows = sweep_dxf(path, st, poses)
                except Exception as e:   # a route that fails outright is a row of the table
                    totals.append((f"{part} from_dxf {kind}", np.nan, -1, -1))
                    print(f"\n== {part} from_dxf {kind}: {type(e).__name__}: {e}")
                    recipe = None
            if a.route in ("dxf", "both") and recipe is not None:
                totals.append((f"{part} from_dxf {kind}", *report(
                    f"{part} from_dxf {kind} ({time.perf_counter() - t0:.0f} s)", recipe, rows)))
            if a.route in ("teach", "both"):
                t0 = time.perf_counter()
                try:
                    recipe, rows, info = sweep_teach(path, st, poses)
                except Exception as e:
                    totals.append((f"{part} teach {kind}", np.nan, -1, -1))
                    print(f"\n== {part} teach {kind}: {type(e).__name__}: {e}")
                    continue
                totals.append((f"{part} teach {kind}", *report(
                    f"{part} teach {kind} ({time.perf_counter() - t0:.0f} s) found "
                    f"{info['found']} tools on drawing features, spurious "
                    f"{info['spurious']}", recipe, rows)))
    print(f"\n(mm/px {MM_PER_PX}; {len(poses)} poses)\n{'case':32s} {'worst px':>9s} "
          f"{'> 0.05':>7s} {'results':>8s}")
    for label, w, n, m in totals:
        print(f"{label:32s} {w:9.4f} {n:7d} {m:8d}")


if __name__ == "__main__":
    main()
