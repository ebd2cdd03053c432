"""Gauge studies against worked examples computed by hand (the arithmetic is written out), and
their bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from metrology.errors import FileFormatError, InputError
from metrology.inspect.gauge import gauge_study, grr_anova, grr_study, type1_study

# ---------------------------------------------------------------------------------------------
# type 1, by hand
# ---------------------------------------------------------------------------------------------
# reference part x_m = 10.000 mm, tolerance 10.000 +- 0.050 -> T = 0.100 mm
# shots (mm): 10.002 10.004 9.999 10.003 10.001 10.005 10.002 10.000 10.003 10.001
#   deviations from 10 (um): 2 4 -1 3 1 5 2 0 3 1, sum 20 -> mean 10.002, bias +0.002 mm
#   deviations from the mean (um): 0 2 -3 1 -1 3 0 -2 1 -1, squares sum 30
#   s^2 = 30 / 9 = 3.3333 um^2, s = 1.825742 um = 0.001825742 mm
# K = 0.2, L = 4:
#   Cg  = 0.2 * 0.100 / (4 * 0.001825742)            = 0.020 / 0.007302967 = 2.738613
#   Cgk = (0.1 * 0.100 - 0.002) / (2 * 0.001825742)  = 0.008 / 0.003651484 = 2.190890
# K = 0.2, L = 6 (Minitab / Bosch):
#   Cg  = 0.020 / (6 * 0.001825742) = 0.020 / 0.010954451 = 1.825742
#   Cgk = 0.008 / (3 * 0.001825742) = 0.008 / 0.005477226 = 1.460593
# bias t = 0.002 / (0.001825742 / sqrt(10)) = 0.002 / 0.000577350 = 3.464102, 9 d.o.f.
# %Var(repeatability) = 20 / Cg = 7.303 %; %Var(rep. and bias) = 20 / Cgk = 9.129 %
SHOTS = [10.002, 10.004, 9.999, 10.003, 10.001, 10.005, 10.002, 10.000, 10.003, 10.001]


def test_type1_worked_example():
    r = type1_study(SHOTS, reference=10.0, tolerance=0.1, name="d", unit="mm")
    assert r.n == 10 and r.n_missing == 0
    assert r.mean == pytest.approx(10.002, abs=1e-12)
    assert r.bias == pytest.approx(0.002, abs=1e-12)
    assert r.s == pytest.approx(0.001825742, rel=1e-6)
    assert r.cg == pytest.approx(2.738613, rel=1e-6)
    assert r.cgk == pytest.approx(2.190890, rel=1e-6)
    assert r.bias_t == pytest.approx(3.464102, rel=1e-6)
    assert 0.005 < r.bias_p < 0.01  # t = 3.46 on 9 d.o.f. (tables: 3.25 at 0.01, 3.69 at 0.005)
    assert r.var_repeatability_pct == pytest.approx(7.3030, abs=1e-3)
    assert r.var_repeatability_bias_pct == pytest.approx(9.1287, abs=1e-3)
    assert r.band == pytest.approx((9.99, 10.01))
    assert r.passed and r.reasons == ()
    r6 = type1_study(SHOTS, reference=10.0, tolerance=0.1, l=6)
    assert r6.cg == pytest.approx(1.825742, rel=1e-6)
    assert r6.cgk == pytest.approx(1.460593, rel=1e-6)
    # a stricter limit fails the study and says why
    r2 = type1_study(SHOTS, reference=10.0, tolerance=0.1, acceptance=(1.33, 2.5))
    assert not r2.passed and r2.reasons == ("Cgk 2.19 < 2.5",)
    # with the reference 4 um off, |bias| = 0.006: Cgk = 0.004 / 0.003651484 = 1.095445
    r3 = type1_study(SHOTS, reference=9.996, tolerance=0.1)
    assert r3.cgk == pytest.approx(1.095445, rel=1e-6) and not r3.passed


def test_type1_bad_input():
    with pytest.raises(InputError, match="9 measured value.*at least 10 repeats"):
        type1_study(SHOTS[:9], reference=10.0, tolerance=0.1)
    with pytest.raises(InputError, match="9 measured value.*1 shot"):
        type1_study(SHOTS[:9] + [None], reference=10.0, tolerance=0.1)
    with pytest.raises(InputError, match="no tolerance"):
        type1_study(SHOTS, reference=10.0, tolerance=None)
    with pytest.raises(InputError, match="tolerance: expected a positive number"):
        type1_study(SHOTS, reference=10.0, tolerance=-0.1)
    with pytest.raises(InputError, match="reference value"):
        type1_study(SHOTS, reference=float("nan"), tolerance=0.1)
    with pytest.raises(InputError, match="s = 0"):
        type1_study([10.0] * 12, reference=10.0, tolerance=0.1)
    with pytest.raises(InputError, match="k: expected a number <= 1"):
        type1_study(SHOTS, reference=10.0, tolerance=0.1, k=20)
    with pytest.raises(InputError, match="min_repeats"):
        type1_study(SHOTS, reference=10.0, tolerance=0.1, min_repeats=5)


def test_type1_missing_shot_fails_the_study():
    r = type1_study(SHOTS + [float("nan")], reference=10.0, tolerance=0.1)
    assert r.n == 10 and r.n_missing == 1 and r.cg == pytest.approx(2.738613, rel=1e-6)
    assert not r.passed and "1 of 11 shots gave no value" in r.reasons


def _records(values: dict[str, list], *, limits: dict | None = None, names=None) -> list[dict]:
    n = len(next(iter(values.values())))
    names = names or [f"shot_{i + 1}.png" for i in range(n)]
    out = []
    for i in range(n):
        ms = []
        for name, vals in values.items():
            lo, hi, nom = (limits or {}).get(name, (None, None, None))
            v = vals[i]
            ms.append({"name": name, "type": "diameter", "unit": "mm", "value": v,
                       "uncertainty": 1e-4, "nominal": nom, "min": lo, "max": hi,
                       "passed": None if lo is None and hi is None else
                       (v is not None and (lo is None or v >= lo) and (hi is None or v <= hi)),
                       "error": None if v is not None else "hole: no edge"})
        out.append({"image": names[i], "status": "pass", "measurements": ms})
    return out


def test_gauge_study_from_results_file(tmp_path):
    # shot order is the image order: names sorted naturally (shot_2 before shot_10)
    recs = _records({"d": SHOTS + [10.002, 10.002], "w": [5.0 + 1e-3 * (i % 3) for i in range(12)]},
                    limits={"d": (9.95, 10.05, 10.0), "w": (None, 5.1, None)})
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(r) for r in reversed(recs)]
    path.write_text("\n".join(lines) + "\n")
    st = gauge_study(path, {"d": 10.0})
    r = st["d"]
    assert list(st.results) == ["d"] and r.images[:3] == ("shot_1.png", "shot_2.png", "shot_3.png")
    assert r.values[:10].tolist() == SHOTS
    # 12 shots: mean 10.002 (the two added are at the mean), s^2 = 30 um^2 / 11
    assert r.mean == pytest.approx(10.002, abs=1e-12)
    assert r.s == pytest.approx(math.sqrt(30 / 11) * 1e-3, rel=1e-9)
    assert r.tolerance == pytest.approx(0.1) and st.passed
    # the reference part's calibrated value, not the nominal, is what bias is taken against
    assert gauge_study(path, {"d": 10.001})["d"].bias == pytest.approx(0.001, abs=1e-12)
    # 'nominal' studies every measurement with a two-sided tolerance
    assert list(gauge_study(path, "nominal").results) == ["d"]
    # one-sided tolerance: a clear error, or the width given by hand
    with pytest.raises(InputError, match="w: the results give a one-sided limit.*--tolerance w=T"):
        gauge_study(path, {"w": 5.0})
    assert gauge_study(path, {"w": 5.0}, tolerances={"w": 0.2})["w"].tolerance == 0.2
    with pytest.raises(InputError, match=r"measurement\(s\) \['nope'\] not in the results"):
        gauge_study(path, {"nope": 1.0})
    with pytest.raises(InputError, match="references"):
        gauge_study(path, {})


def test_gauge_study_too_few_repeats_and_no_tolerance(tmp_path):
    recs = _records({"d": SHOTS[:9]}, limits={"d": (9.95, 10.05, 10.0)})
    with pytest.raises(InputError, match="d: 9 measured value.*at least 10"):
        gauge_study(recs, {"d": 10.0})
    recs = _records({"d": SHOTS})  # no tolerance in the recipe
    with pytest.raises(InputError, match="d: the results give no tolerance"):
        gauge_study(recs, {"d": 10.0})
    with pytest.raises(InputError, match="no nominal"):
        gauge_study(recs, "nominal", measurements=["d"], tolerances={"d": 0.1})
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    with pytest.raises(FileFormatError, match="empty results file"):
        gauge_study(empty, {"d": 10.0})


# ---------------------------------------------------------------------------------------------
# gauge R&R (ANOVA), by hand
# ---------------------------------------------------------------------------------------------
# 3 parts x 2 operators (A, B) x 2 trials:
#   part 1: A 1 3   B 2 4      cell means 2 3     part mean 2.5
#   part 2: A 6 8   B 9 9      cell means 7 9     part mean 8.0
#   part 3: A 3 5   B 4 6      cell means 4 5     part mean 4.5
#   operator means: A 26/6 = 4.3333, B 34/6 = 5.6667; grand mean 60/12 = 5
# SS_part  = o r sum (part - 5)^2 = 4 (6.25 + 9 + 0.25)          = 62
# SS_op    = p r sum (op - 5)^2   = 6 (0.4444 + 0.4444)          = 5.3333
# SS_E     = sum over cells of d^2/2 (two trials d apart): 2+2+2+0+2+2 = 10
# SS_total = sum (x - 5)^2 = 16+4+9+1+1+9+16+16+4+0+1+1          = 78
# SS_PO    = 78 - 62 - 5.3333 - 10                               = 0.6667
# df: part 2, op 1, PO 2, E 6, total 11
# MS: part 31, op 5.3333, PO 0.3333, E 1.6667
# F_PO = 0.3333 / 1.6667 = 0.2 (p = 0.82 >= 0.05): pooled, MS_pool = 10.6667 / 8 = 1.3333
# EV^2 = 1.3333;  AV^2 = (5.3333 - 1.3333) / 6 = 0.6667;  PV^2 = (31 - 1.3333) / 4 = 7.4167
# GRR^2 = 2.0, GRR = 1.41421;  PV = 2.72336;  TV^2 = 9.4167, TV = 3.06866
# %GRR = 100 * 1.41421 / 3.06866 = 46.086 %;  ndc = floor(1.41 * 2.72336 / 1.41421) = floor(2.715) = 2
# T = 20: %tolerance = 100 * 6 * 1.41421 / 20 = 42.426 %
# pooled F: part 31 / 1.3333 = 23.25, operator 5.3333 / 1.3333 = 4.0
GRR_DATA = np.array([[[1, 3], [2, 4]], [[6, 8], [9, 9]], [[3, 5], [4, 6]]], float)


def test_grr_worked_example():
    r = grr_anova(GRR_DATA, tolerance=20.0)
    full = {a.source: a for a in r.anova}
    assert full["part"].ss == pytest.approx(62) and full["operator"].ss == pytest.approx(16 / 3)
    assert full["repeatability"].ss == pytest.approx(10)
    assert full["part*operator"].ss == pytest.approx(2 / 3)
    assert full["total"].ss == pytest.approx(78) and full["total"].df == 11
    assert [full[k].df for k in ("part", "operator", "part*operator", "repeatability")] == \
        [2, 1, 2, 6]
    assert full["part*operator"].f == pytest.approx(0.2)
    assert full["part*operator"].p == pytest.approx(stats.f.sf(0.2, 2, 6))
    assert r.interaction_pooled
    used = {a.source: a for a in r.anova_used}
    assert used["repeatability"].ms == pytest.approx(4 / 3)
    assert used["part"].f == pytest.approx(23.25) and used["operator"].f == pytest.approx(4.0)
    assert r.var["repeatability"] == pytest.approx(4 / 3)
    assert r.var["operator"] == pytest.approx(2 / 3) and r.var["interaction"] == 0
    assert r.var["part"] == pytest.approx(29.6667 / 4, rel=1e-4)
    assert r.std["grr"] == pytest.approx(1.41421, rel=1e-5)
    assert r.std["total"] == pytest.approx(3.06866, rel=1e-5)
    assert r.pct_study_var["grr"] == pytest.approx(46.086, abs=1e-3)
    assert r.pct_tolerance["grr"] == pytest.approx(42.426, abs=1e-3)
    assert r.ndc == 2 and r.verdict == "unacceptable" and not r.passed
    # keep the interaction (alpha above its p = 0.82): MS_E = 1.6667 for EV,
    # sigma^2_PO = (0.3333 - 1.6667) / 2 < 0 -> 0, AV^2 = (5.3333 - 0.3333) / 6 = 0.8333,
    # PV^2 = (31 - 0.3333) / 4 = 7.6667
    k = grr_anova(GRR_DATA, alpha_interaction=0.9)
    assert not k.interaction_pooled
    assert k.var["repeatability"] == pytest.approx(10 / 6)
    assert k.var["interaction"] == 0 and k.var["operator"] == pytest.approx(5 / 6)
    assert k.var["part"] == pytest.approx(23 / 3)


def test_grr_one_operator_is_a_one_way_anova():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (8, 1))[:, :, None] * 0.01 + rng.normal(0, 0.002, (8, 1, 3)) + 5.0
    r = grr_anova(x[:, 0, :])
    f, p = stats.f_oneway(*x[:, 0, :])  # independent: scipy's one-way ANOVA over the parts
    part = r.anova[0]
    assert part.f == pytest.approx(f, rel=1e-9) and part.p == pytest.approx(p, rel=1e-6)
    ms_e = r.anova[1].ms
    assert r.var["repeatability"] == pytest.approx(ms_e)
    assert r.var["part"] == pytest.approx((part.ms - ms_e) / 3)
    assert r.var["reproducibility"] == 0


def test_grr_good_gauge_passes():
    rng = np.random.default_rng(5)
    parts = np.linspace(-0.05, 0.05, 10)  # parts spread over the tolerance
    x = 4.0 + parts[:, None, None] + rng.normal(0, 0.0005, (10, 3, 3))
    r = grr_anova(x, tolerance=0.1)
    # GRR ~ 0.0005 against a part spread of std ~0.035: %GRR ~ 1.5 %, ndc ~ 100
    assert r.pct_study_var["grr"] < 5 and r.ndc >= 50 and r.passed
    assert r.verdict == "acceptable"


def test_grr_bad_input():
    with pytest.raises(InputError, match="at least 2 parts and 2 trials"):
        grr_anova(GRR_DATA[:, :, :1])
    with pytest.raises(InputError, match="missing or non-finite"):
        grr_anova(np.where(GRR_DATA == 9, np.nan, GRR_DATA))
    with pytest.raises(InputError, match="no variation"):
        grr_anova(np.ones((3, 2, 2)))
    with pytest.raises(InputError, match="GRR = 0"):
        grr_anova(np.repeat(GRR_DATA[:, :, :1], 2, axis=2) * 0 + np.arange(3)[:, None, None])
    with pytest.raises(InputError, match="basis 'tolerance' needs"):
        grr_anova(GRR_DATA, basis="tolerance")


def _grr_records(data, names_fmt="p{p}_op{o}_t{t}.png"):
    out = []
    ops = "AB"
    for p in range(data.shape[0]):
        for o in range(data.shape[1]):
            for t in range(data.shape[2]):
                v = float(data[p, o, t])
                out.append({"image": names_fmt.format(p=p + 1, o=ops[o], t=t + 1),
                            "status": "pass",
                            "measurements": [{"name": "x", "unit": "mm", "value": v,
                                              "min": -5.0, "max": 15.0, "nominal": 5.0,
                                              "passed": True}]})
    return out


def test_grr_study_from_records_matches_the_table(tmp_path):
    recs = _grr_records(GRR_DATA)
    path = tmp_path / "grr.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs[::-1]))
    st = grr_study(path, r"p(?P<part>\d+)_op(?P<operator>[A-Z])_")
    r = st["x"]
    assert r.parts == ("1", "2", "3") and r.operators == ("A", "B")
    assert np.array_equal(r.data, GRR_DATA)
    assert r.tolerance == 20.0 and r.pct_tolerance["grr"] == pytest.approx(42.426, abs=1e-3)
    assert r.images[1, 1, 0] == "p2_opB_t1.png"
    # a callable grouping gives the same
    st2 = grr_study(recs, lambda im: (im[1], im[5]))
    assert st2["x"].std["grr"] == pytest.approx(r.std["grr"])
    with pytest.raises(InputError, match="balanced study: part '3' / operator 'B' has 1"):
        grr_study(recs[:-1], r"p(?P<part>\d+)_op(?P<operator>[A-Z])_")
    with pytest.raises(InputError, match="does not match the pattern"):
        grr_study(recs, r"q(?P<part>\d+)")
    with pytest.raises(InputError, match=r"\(\?P<part>"):
        grr_study(recs, r"p(\d+)")
    bad = json.loads(json.dumps(recs))
    bad[4]["measurements"][0]["value"] = None
    with pytest.raises(InputError, match="1 shot.*gave no value, e.g. p2_opA_t1.png"):
        grr_study(bad, r"p(?P<part>\d+)_op(?P<operator>[A-Z])_")
