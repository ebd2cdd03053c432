"""Derived measurements: exact on exact features, invariant under rigid motions of the plane,
and uncertainties that match the scatter they claim (Monte Carlo)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology.inspect.features import circle_feature, line_feature, pair_feature
from metrology.inspect.measure import measure
from metrology.inspect.spec import parse_measurement

SPECS = [
    {"name": "d", "type": "diameter", "feature": "hole"},
    {"name": "w", "type": "distance", "from": "left", "to": "right"},
    {"name": "hl", "type": "distance", "from": "hole", "to": "left"},
    {"name": "hh", "type": "distance", "from": "hole", "to": "web"},
    {"name": "a", "type": "angle", "from": "left", "to": "bottom"},
    {"name": "x", "type": "position", "feature": "hole", "axis": "x",
     "datum": {"origin": "left", "x_axis": "bottom", "y_towards": "hole"}},
    {"name": "y", "type": "position", "feature": "hole", "axis": "y",
     "datum": {"origin": "left", "x_axis": "bottom", "y_towards": "hole"}},
    {"name": "web", "type": "width", "feature": "web"},
]
TRUTH = {"d": 4.0, "w": 12.0, "hl": 5.0, "hh": math.hypot(4.0, 2.0), "a": 90.0, "x": 5.0,
         "y": 6.0, "web": 1.5}


def _points(rng, noise, R=None, t=None):
    """Edge points of a plate in mm: hole (centre (5, 4), d 4), left x=0, right x=12,
    bottom y=10 (y down), a web pair across x=9 from y=5.25 to 6.75; moved by (R, t)."""
    R = np.eye(2) if R is None else R
    t = np.zeros(2) if t is None else t
    a = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    s = np.linspace(1, 9, 20)
    pts = {"hole": np.c_[5 + 2 * np.cos(a), 4 + 2 * np.sin(a)],
           "left": np.c_[0 * s, s], "right": np.c_[12 + 0 * s, s],
           "bottom": np.c_[s + 1.5, 10 + 0 * s]}
    first = np.c_[np.linspace(8.6, 9.4, 5), np.full(5, 5.25)]
    second = np.c_[np.linspace(8.6, 9.4, 5), np.full(5, 6.75)]
    move = lambda p: p @ R.T + t  # noqa: E731
    out = {k: move(v + rng.normal(0, noise, v.shape)) for k, v in pts.items()}
    dirs = {"left": R @ [0, 1], "right": R @ [0, 1], "bottom": R @ [1, 0]}
    # a caliper finds its edges along its profile (y here): noise only along it
    along = np.array([0.0, 1.0])
    f = {"hole": circle_feature("hole", out["hole"], "mm"),
         "web": pair_feature("web", move(first + rng.normal(0, noise, (5, 1)) * along),
                             move(second + rng.normal(0, noise, (5, 1)) * along), "mm")}
    for k in ("left", "right", "bottom"):
        f[k] = line_feature(k, out[k], "mm", dirs[k])
    return f


def _values(feats):
    return {s["name"]: measure(parse_measurement(s, "m"), feats) for s in SPECS}


def test_exact_features_give_exact_values():
    vals = _values(_points(np.random.default_rng(0), 0.0))
    for k, m in vals.items():
        assert m.value == pytest.approx(TRUTH[k], abs=1e-9), k


@given(st.floats(-180, 180), st.floats(-500, 500), st.floats(-500, 500))
def test_invariant_under_rigid_motion_of_the_plane(angle, tx, ty):
    th = math.radians(angle)
    R = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    vals = _values(_points(np.random.default_rng(1), 0.0, R, np.array([tx, ty])))
    for k, m in vals.items():
        # 1e-9 mm: float64 round-off on coordinates up to ~500 mm
        assert m.value == pytest.approx(TRUTH[k], abs=1e-8), (k, m.value)


def test_uncertainty_matches_monte_carlo_scatter():
    """Propagated 1-sigma vs the standard deviation over 200 noisy repetitions: agree within
    25 % (the Monte Carlo estimate's own relative error at n = 200 is 5 %, so 25 % is a 5-sigma
    bound; the linearisation and the s^2 estimate from 20-48 points add a few %)."""
    rng = np.random.default_rng(7)
    runs = [_values(_points(rng, 0.002)) for _ in range(200)]
    for k in TRUTH:
        vals = np.array([r[k].value for r in runs])
        unc = np.array([r[k].uncertainty for r in runs])
        sd = vals.std(ddof=1)
        assert np.median(unc) == pytest.approx(sd, rel=0.25), (k, np.median(unc), sd)
        assert abs(vals.mean() - TRUTH[k]) < 4 * sd / math.sqrt(len(vals)) + 1e-12, k
