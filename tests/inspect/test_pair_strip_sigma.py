"""The width uncertainty of an edge pair measured in strips against the scatter of its width
over fresh noise (the strips' own edge sigmas missed the correlation of interpolated samples:
scatter 1.34x the reported sigma at 45 deg)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrology.caliper import EdgePairTool
from metrology.synth.shapes import Disk, HalfPlane, render_shapes


@pytest.mark.parametrize("angle_deg", [0.0, 45.0])
def test_strip_width_sigma_matches_its_scatter(angle_deg):
    """A web between a straight edge and a hole (R 40 px), 6 px caliper, noise 1.5 gray
    levels, 80 draws: the ratio of the width's scatter to its reported sigma has a sampling
    sd of ~8 %, so [0.8, 1.25] is a 2.5-3 sd band around 1 (before the fix: 1.21 and 1.34)."""
    a = math.radians(angle_deg)
    c = np.array([100.0, 100.0])
    d = np.array([math.sin(a), math.cos(a)])
    img0 = render_shapes([(HalfPlane(tuple(c + 12 * d),
                                     math.degrees(math.atan2(d[1], d[0])) + 180), 150.0),
                          (Disk(tuple(c - 48 * d), 40.0), -120.0)], (200, 200), background=60,
                         psf_sigma_px=0.9, supersample=8)
    tool = EdgePairTool(tuple(c - 16 * d), tuple(c + 20 * d), width=6, name="web")
    rng = np.random.default_rng(11)
    w, s = [], []
    for _ in range(80):
        img = np.clip(np.rint(img0 + rng.normal(0, 1.5, img0.shape)), 0, 255)
        st = tool.measure(img).strips
        assert st is not None
        w.append(st.width_px)
        s.append(st.std_px)
    ratio = float(np.std(w, ddof=1) / np.sqrt(np.mean(np.square(s))))
    assert 0.8 <= ratio <= 1.25, ratio
    assert abs(np.mean(w) - 20.0) < 0.01
