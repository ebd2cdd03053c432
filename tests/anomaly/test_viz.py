"""Heat-map overlay."""

import numpy as np
import pytest

from metrology.anomaly import AnomalyScore
from metrology.errors import InputError
from metrology.viz.anomaly import anomaly_heatmap, draw_anomaly


def test_heatmap_scale_and_overlay():
    m = np.zeros((40, 50), np.float32)
    m[20:25, 30:35] = 4.0
    h = anomaly_heatmap(m, vmin=0, vmax=4)
    assert h.shape == (40, 50, 3) and h.dtype == np.uint8
    assert not np.array_equal(h[0, 0], h[22, 32])  # low and high ends get different colours
    img = np.full((40, 50), 100, np.uint8)
    out = draw_anomaly(img, AnomalyScore(4.0, m, threshold=2.0))
    assert out.shape == (40, 50, 3)
    # the region above threshold is outlined in the "fail" red (B, G, R) = (40, 40, 230)
    red = np.all(out == (40, 40, 230), axis=2)
    assert red[18:28, 28:38].any() and not red[:, :20].any()
    plain = draw_anomaly(np.dstack([img] * 3), m, label=False, contour=False, alpha=0.0)
    assert np.array_equal(plain, np.dstack([img] * 3))  # alpha 0: the image unchanged


def test_overlay_bad_input():
    with pytest.raises(InputError):
        draw_anomaly(np.zeros((10, 10), np.uint8), np.zeros((5, 5), np.float32))
    with pytest.raises(InputError):
        anomaly_heatmap(np.full((4, 4), np.nan))
    with pytest.raises(InputError):
        draw_anomaly(np.zeros((4, 4), np.uint8), np.zeros((4, 4)), alpha=2)
