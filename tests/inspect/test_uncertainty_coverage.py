"""Monte-Carlo coverage of the reported uncertainty, with a fresh calibration in every trial
(``scripts/uncertainty_coverage.py``: new board views, plane board, part poses and noise per
trial, calibrated and inspected like a real station).

Targets (issue 14), per measurement type: RMS of error/u in [0.8, 1.25] and |error| <= U
(k = 2) for >= 93 % of the values.  The recipe measures with ``illumination: "flatten"``
(``evaluate_trial``'s default).  The full sweep (20 trials x 4 parts x 12 values, ~30 min on
one core) runs under ``--runslow``; on its seeds all seven types meet both targets since the
edge pair's width sigma is exact (width 98.8 % inside U, RMS 1.01; figures per type in
docs/inspection.md).  The default test runs one small trial (5 views
rendered at supersample 2, 2 parts; ~1 min idle): too few values for the RMS (24 values of one
calibration share its error), so it checks what one trial can show: every component of every budget is evaluated from the fresh
calibration, U = 2 u_c, and no value is off by more than 4 u (the old fit-only sigma was off by
up to 5.0 u on the demo; a correct u gives |z| > 4 with probability 6e-5 per value).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("uncertainty_coverage",
                                                  ROOT / "scripts" / "uncertainty_coverage.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["uncertainty_coverage"] = mod
    spec.loader.exec_module(mod)
    return mod


def _rows(tmp_path, seeds, views, parts, supersample=4):
    mc = _script()
    model = mc.build_model(tmp_path)
    rows = []
    for s in seeds:
        d = mc.render_trial(s, tmp_path, n_views=views, n_parts=parts, supersample=supersample)
        rows += [r for r in mc.evaluate_trial(d, model) if "measurement" in r]
    return mc, rows


def test_one_fresh_calibration_small_sample(tmp_path):
    mc, rows = _rows(tmp_path, [4242], views=5, parts=2, supersample=2)
    assert len(rows) == 2 * 12
    for r in rows:
        assert r["value"] is not None and r["truth"] is not None, r
        comps = r["budget"]["components"]
        for k in ("edge_fit", "calibration", "plane"):
            assert comps[k] is not None and comps[k] > 0, (r["measurement"], k, comps)
        assert r["U"] == pytest.approx(2.0 * r["u"], rel=1e-12)
        assert r["u"] == pytest.approx(np.sqrt(sum(v * v for v in comps.values() if v)),
                                       rel=1e-9)
        assert abs(r["error"]) <= 4.0 * r["u"], (r["measurement"], r["error"], r["u"])
    s = mc.summarise(rows)
    assert s["all"]["n"] == 24


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The full sweep: 20 trials (seeds 1000-1019) x 4 parts x 12 values."""
    mc, rows = _rows(tmp_path_factory.mktemp("mc"), range(1000, 1020), views=10, parts=4)
    return mc.summarise(rows)


#: Types that miss a target today, with the measured cause (strict: a fix makes them pass and
#: must drop the mark).  Figures of the sweeps in docs/inspection.md.
_KNOWN: dict[str, str] = {}
# Met since the width's sigma is computed exactly from the interpolation weights
# (metrology/caliper/strip_sigma.py; it was the wide caliper's sigma scaled with a t factor,
# 4-8 % short at some caliper angles): "width (edge pair)" on these 20 trials |e| <= U for
# 73 -> 79 of 80 (91.2 -> 98.8 %), RMS z 1.15 -> 1.01.
# Met since the recipe's illumination "flatten" (the tools measure the image divided by its
# gain field, so the plate's outer edges no longer move under the render's lighting fall-off):
# point-line 90.9 % -> 94.3 % inside U, point-point RMS 0.78 -> 0.84 on these 20 trials.
# "distance line-line" was over-covered (RMS 0.71) by the board-corner detector's +10 ppm,
# stated as a 9 ppm corner_bias term; with the corner model's multiplicative illumination
# gradient the bias is +2.6 ppm (term 3 ppm): RMS 0.85, 98.9 % inside U on these 20 trials
# (0.80 with the flat field: the edges' lighting shift, of opposite sign, is gone).  It stays
# near the low end (0.81 on these trials): the sweep lays the plane board at one pose in
# every trial, so it samples the plane term narrowly (the budget is right for a station).
_TYPES = ["diameter", "distance line-line", "distance point-point", "distance point-line",
          "width (edge pair)", "angle", "position"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", [
    pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=_KNOWN[k])) if k in _KNOWN
    else k for k in _TYPES])
def test_coverage_per_measurement_type(sweep, kind):
    s = sweep[kind]
    assert s["n"] >= 80
    assert 0.8 <= s["rms_z"] <= 1.25, (kind, s)
    assert s["coverage_U"] >= 0.93, (kind, s)


@pytest.mark.slow
def test_sweep_covers_every_type(sweep):
    assert sorted(k for k in sweep if k != "all") == sorted(_TYPES)
    assert 0.8 <= sweep["all"]["rms_z"] <= 1.25 and sweep["all"]["coverage_U"] >= 0.93
