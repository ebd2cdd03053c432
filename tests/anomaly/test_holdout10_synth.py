"""The tenth held-out configuration's generator pieces: texture ``ground`` and layout ``lever``
(no new defect kind)."""


import numpy as np
import pytest

from metrology.synth.defects import DEFECT_KINDS
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_layout_renders,
                                               check_texture_contract, check_texture_fast)

KW = dict(layout="lever", texture="ground")


def test_new_names_are_appended_at_the_end():
    # no existing index moves: the new names come last; no new defect kind
    # (by index: held-out 11's names come after them)
    assert TEXTURES.index("ground") == 12 and LAYOUTS.index("lever") == 11
    assert DEFECT_KINDS.index("fingerprint") == 12


def test_ground_texture_unit_deterministic_and_per_part():
    check_texture_contract("ground")


@pytest.mark.parametrize("lay", [0.0, 90.0, 35.0])
def test_ground_scratches_are_long_and_parallel_to_the_lay(lay):
    from metrology.synth._textures_more import ground_texture

    t = ground_texture((160, 160), rng=3, lay_deg=lay)
    ca, sa = np.cos(np.deg2rad(lay)), np.sin(np.deg2rad(lay))

    def corr(dx, dy):
        # correlation of the central block with itself moved by (dx, dy) px (x right, y down)
        a = t[40:120, 40:120]
        b = t[40 + dy:120 + dy, 40 + dx:120 + dx]
        return np.corrcoef(a.ravel(), b.ravel())[0, 1]

    along = corr(int(round(20 * ca)), int(round(20 * sa)))
    across = corr(int(round(-6 * sa)), int(round(6 * ca)))
    assert along > 0.5 and abs(across) < 0.25, (along, across)


def test_ground_lay_differs_per_part_and_is_fast():
    from metrology.synth._textures_more import ground_texture

    def lay_of(t):
        gy, gx = np.gradient(t)
        # the structure tensor's dominant gradient is across the lay
        jxx, jyy, jxy = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
        return (np.rad2deg(0.5 * np.arctan2(2 * jxy, jxx - jyy)) + 90.0) % 180.0

    lays = [lay_of(ground_texture((128, 128), rng=r)) for r in range(8)]
    assert np.ptp(lays) > 60.0, lays
    assert abs(lay_of(ground_texture((128, 128), rng=0, lay_deg=30.0)) - 30.0) < 5.0
    ground_texture((256, 256), rng=0)
    check_texture_fast("ground")


def test_lever_layout_features_inside_the_arm():
    lay = layout_features("lever", (256, 256))
    assert len(lay["holes"]) == 3 and len(lay["slots"]) == 1
    hx, hy = lay["half"]
    assert hx > 1.2 * hy                                          # longer than wide
    (big, rb), (small, rs), (top, rt) = lay["holes"]
    assert rb == max(r for _, r in lay["holes"]) and rs < rb / 2
    assert big[0] < -0.25 * 256 and small[0] > 0.25 * 256          # left and right ends
    for (cx, cy), r in lay["holes"]:
        assert abs(cx) + r < hx - lay["corner"] / 3 and abs(cy) + r < hy
    (sx, sy), half, r, ang = lay["slots"][0]
    assert 5.0 <= ang <= 10.0 and half > 0.15 * 256
    ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
    ends = [(sx + t * ca, sy + t * sa) for t in (-half, half)]
    assert big[0] + rb < ends[0][0] - r and ends[1][0] + r < small[0] - rs  # between the holes
    for ex, ey in ends:
        assert abs(ex) + r < hx and abs(ey) + r < hy
    assert top[1] + rt < sy - r and sx - half < top[0] < sx + half         # above the slot


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "fingerprint"])
def test_lever_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_lever_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)
