"""The Student-t factor on an edge pair's strip sigma: the width's uncertainty rests on the
wide caliper's two fitted noise levels (finite degrees of freedom), so ``error / u`` has
``E[z^2] = nu / (nu - 2)``; the variance carries that factor."""

from __future__ import annotations

import numpy as np
import pytest

from metrology.caliper import EdgePairTool
from metrology.caliper.strips import _t_factor
from metrology.synth.shapes import Disk, HalfPlane, render_shapes


def test_t_factor_by_hand():
    img = render_shapes([(HalfPlane((100.0, 112.0), -90.0), 150.0),
                         (Disk((100.0, 52.0), 40.0), -120.0)], (200, 200), background=60,
                        psf_sigma_px=0.9, supersample=8)
    img = np.clip(np.rint(img + np.random.default_rng(3).normal(0, 1.5, img.shape)), 0, 255)
    tool = EdgePairTool((100.0, 84.0), (100.0, 120.0), width=6, name="web")
    r = tool.measure(img)
    k = r.strips.pair
    # each fit: a window of 2 (6 s + 5) samples less 5 parameters; Welch-Satterthwaite
    s1, s2 = r.first.std_px[k], r.second.std_px[k]
    n1 = 2 * (6 * r.first.blur_px[k] + 5) - 5
    n2 = 2 * (6 * r.second.blur_px[k] + 5) - 5
    nu = (s1 ** 2 + s2 ** 2) ** 2 / (s1 ** 4 / n1 + s2 ** 4 / n2)
    assert 25 < nu < 60                                  # blur ~1.1 px: ~18 per edge
    assert _t_factor(r, k) == pytest.approx(np.sqrt(nu / (nu - 2)), rel=1e-12)
    # the strips' sigma carries it: sum of c^2 std^2 over both edges, std scaled to the wide
    # caliper's sigma times the factor
    st = r.strips
    pred = np.sqrt(np.sum(st.std_edges_px ** 2)) / st.std_edges_px.shape[1]
    assert pred == pytest.approx(r.std_width_px[k] * _t_factor(r, k), rel=1e-9)
