"""The thirty-first held-out configuration's generator pieces: texture ``dimplearray``, layout
``ovalflange`` and the surface defect ``punch``."""

import numpy as np
import pytest
from scipy import ndimage, stats
from scipy.spatial import cKDTree

from metrology.errors import InputError
from metrology.synth.defects import DEFECT_KINDS, SURFACE_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, layout_features
from tests.anomaly.test_holdout9_synth import check_texture_bad_input
from tests.anomaly.test_holdout9_synth import (check_every_kind_small, check_inside_at_jitter,
                                               check_layout_renders, check_missing_features,
                                               check_on_the_face, check_pasted_on_a_face,
                                               check_texture_contract, check_texture_fast,
                                               plate_sd as _sd)
from tests.sampling import sample

KW = dict(layout="ovalflange", texture="dimplearray")
#: a face without noise, lighting or placement (texture as given): a defect's change shows
STILL = dict(layout="face", noise_sigma=0.0, lighting=0.0, placement_px=0.0, placement_deg=0.0)


def test_new_names_are_appended_at_the_end():
    assert TEXTURES.index("dimplearray") == 33 and LAYOUTS.index("ovalflange") == 32
    assert DEFECT_KINDS.index("punch") == 33 and SURFACE_KINDS.index("punch") == 31
    # later held-outs' names come after these (held-out 32's made the lengths 35, 34, 35)
    assert len(TEXTURES) >= 34 and len(LAYOUTS) >= 33 and len(DEFECT_KINDS) >= 34
    # held-out 30's names stay where they were
    assert TEXTURES.index("wirecut") == 32 and LAYOUTS.index("tnut") == 31
    assert DEFECT_KINDS.index("pinch") == 32 and SURFACE_KINDS.index("pinch") == 30


def test_dimplearray_texture_contract_speed_and_bad_input():
    from metrology.synth._textures_more13 import dimplearray_texture

    check_texture_contract("dimplearray")
    check_texture_fast("dimplearray")
    check_texture_bad_input(dimplearray_texture)


def _near_power(p, fx, fy, kx, ky):
    """The power of ``p`` within 1.5 bins (at 256 px) of the frequency (kx, ky) and of its
    conjugate."""
    near = np.zeros(p.shape, bool)
    for sg in (1.0, -1.0):
        near |= np.hypot((fx - sg * kx + 0.5) % 1.0 - 0.5,
                         (fy - sg * ky + 0.5) % 1.0 - 0.5) <= 1.5 / 256
    return p[near].sum()


def _unit_render(r):
    from metrology.synth._textures_more13 import dimplearray_texture

    t = dimplearray_texture((256, 256), rng=r)
    return (t - t.mean()) / t.std()


def _strongest_wave(t):
    """The render's power spectrum above 1/16 per px (the mottle left out), its frequency
    grids and the (row, column) of its strongest bin."""
    p = np.abs(np.fft.fft2(t)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(t.shape[0]), np.fft.fftfreq(t.shape[1]), indexing="ij")
    p = np.where(np.hypot(fx, fy) >= 1 / 16, p, 0.0)
    iy, ix = np.unravel_index(np.argmax(p), p.shape)
    return p, fx, fy, iy, ix


def test_dimplearray_is_a_hexagonal_lattice():
    for r in range(10):
        t = _unit_render(r)
        p, fx, fy, iy, ix = _strongest_wave(t)
        k, a = np.hypot(fx[iy, ix], fy[iy, ix]), np.arctan2(fy[iy, ix], fx[iy, ix])
        pw = {rot: _near_power(p, fx, fy, k * np.cos(a + np.deg2rad(rot)),
                               k * np.sin(a + np.deg2rad(rot)))
              for rot in (0, 60, 120, 30, 90, 150)}
        # the strongest wave is the lattice's first order: its pitch 2 / (sqrt 3 k), 7-10 px
        # (read within a bin of the spectrum)
        assert 6.7 < 2.0 / (np.sqrt(3.0) * k) < 10.5, (r, 2.0 / (np.sqrt(3.0) * k))
        # six-fold: the same wave turned by 60 and 120 degrees about as strong (0.81-1.0 of
        # it seen; honed's crossing grooves 0.01 on one side, knurled's two families 0),
        # and none at 30, 90 or 150 degrees (under 0.0015 seen; treadplate 0.3-0.6, woven
        # 0.9-1.1: square lattices)
        assert min(pw[60], pw[120]) > 0.6 * pw[0], (r, pw[60] / pw[0], pw[120] / pw[0])
        assert max(pw[30], pw[90], pw[150]) < 0.02 * pw[0], r
        # strictly periodic: the three first-order pairs hold over 0.35 of the power above
        # 1/16 per px (0.44-0.65 seen; knurled 0.3, treadplate, woven and honed 0.03-0.11)
        assert pw[0] + pw[60] + pw[120] > 0.35 * p.sum(), (r, (pw[0] + pw[60] + pw[120]) / p.sum())


def test_dimplearray_dimples_are_isolated_sunk_bowls_with_bright_rims_on_a_smooth_ground():
    for r in range(6):
        t = _unit_render(r)
        p, fx, fy, iy, ix = _strongest_wave(t)
        pitch = 2.0 / (np.sqrt(3.0) * np.hypot(fx[iy, ix], fy[iy, ix]))
        # sunk: the levels skewed dark (-1.0 to -1.8 seen); one dark blob (under -1 sd) per
        # lattice cell (the cells' count 0.95-1.1 x the blobs', 1.01-1.05 seen): isolated
        assert stats.skew(t.ravel()) < -0.7, r
        dark = t < -1.0
        lab, n = ndimage.label(dark)
        cells = 256 * 256 / (pitch ** 2 * np.sqrt(3.0) / 2.0)
        assert 0.95 < n / cells < 1.1, (r, n, cells)
        # about each blob's centre: a bowl (deepest at the centre, under -2 sd), a bright rim
        # round it (the profile's peak, 2-3.5 px out) over the ground half a pitch away by
        # 0.25 sd or more (0.45-0.58 seen)
        cy, cx = np.array(ndimage.center_of_mass(dark, lab, range(1, n + 1))).T
        yy, xx = np.mgrid[0:256, 0:256]
        d = cKDTree(np.c_[cx, cy]).query(np.c_[xx.ravel(), yy.ravel()])[0].reshape(256, 256)
        bins = np.arange(0.0, 0.6 * pitch, 0.5)
        prof = np.array([t[(d >= b) & (d < b + 0.5)].mean() for b in bins])
        j = int(np.argmax(prof))
        assert prof[0] < -2.0 and prof[0] == prof.min(), (r, prof)
        assert 0.22 * pitch < bins[j] < 0.42 * pitch, (r, bins[j], pitch)
        assert prof[j] > t[d >= 0.45 * pitch].mean() + 0.25, (r, prof)
        # the ground between dimples (2.5 px or more from a dark blob) nearly smooth: its
        # spread under 0.2 sd (0.09-0.14 seen; satin's plateau 0.27, peened 0.6)
        far = ndimage.distance_transform_edt(~dark) >= 2.5
        assert t[far].std() < 0.2, (r, t[far].std())


def _frame(u, v):
    """Image-model points of the flange-frame points ``u`` along its lobes and ``v`` across."""
    c = np.cos(np.deg2rad(45.0))
    return (np.asarray(u) - np.asarray(v)) * c, (np.asarray(u) + np.asarray(v)) * c


def test_ovalflange_is_the_hull_of_a_body_and_two_lobes():
    from metrology.synth._textures_more13 import (OVAL_ANGLE, OVAL_AT, OVAL_BODY, OVAL_BORE,
                                                  OVAL_HOLE, OVAL_LOBE)

    s = 256.0
    lay = layout_features("ovalflange", (256, 256))
    assert (OVAL_BODY, OVAL_LOBE, OVAL_AT, OVAL_BORE, OVAL_HOLE, OVAL_ANGLE) == \
        (0.44, 0.17, 0.40, 0.10, 0.05, 45.0)
    big, small, d = 0.44 * s, 0.17 * s, 0.40 * s
    assert lay["oval"] == pytest.approx((big, small, d, 45.0))
    nx = (big - small) / d
    ny = np.sqrt(1.0 - nx * nx)
    for e in (-1.0, 1.0):
        # the body's arc across the lobes' line, the lobes' tips: exact 1 px in and out
        for sg in (-1.0, 1.0):
            assert _sd(lay, *_frame([0.0], [sg * (big + e)]))[0] == pytest.approx(e)
            assert _sd(lay, *_frame([sg * (d + small + e)], [0.0]))[0] == pytest.approx(e)
        # the four straight edges tangent to both circles, from R n to (d, 0) + r n: any
        # point along them 1 px out along n is 1 px out
        for t in np.linspace(0.05, 0.95, 7):
            x = (1.0 - t) * big * nx + t * (d + small * nx)
            y = (1.0 - t) * big * ny + t * small * ny
            for su in (-1.0, 1.0):
                for sv in (-1.0, 1.0):
                    got = _sd(lay, *_frame([su * (x + e * nx)], [sv * (y + e * ny)]))[0]
                    assert got == pytest.approx(e, abs=1e-9), (t, e)
    # off the flange beyond the edges' middles and at the image's other corners; on it at the
    # lobes' centres, well inside
    assert _sd(lay, *_frame([0.5 * d], [big]))[0] > 5.0
    for sg in (-1.0, 1.0):
        assert _sd(lay, [sg * 0.42 * s], [-sg * 0.42 * s])[0] > 0.05 * s
        assert _sd(lay, *_frame([sg * d], [0.0]))[0] == pytest.approx(-small)
    # a distance exact in and out (a raster of the outline agrees within its 0.5 px grid),
    # symmetric about the lobes' line and across it, and convex (no waist: link's is
    # concave): the distance at a midpoint never over the mean of the two ends'
    grid = np.mgrid[-128:128:0.5, -128:128:0.5]
    sdg = _sd(lay, grid[1], grid[0])
    assert np.allclose(sdg, _sd(lay, grid[0], grid[1]))            # mirrored in the diagonal
    assert np.allclose(sdg, _sd(lay, -grid[1], -grid[0]))          # turned half a turn
    inside = sdg < 0
    err_in = 0.5 * ndimage.distance_transform_edt(inside)[inside] + sdg[inside]
    err_out = 0.5 * ndimage.distance_transform_edt(~inside)[~inside] - sdg[~inside]
    assert np.abs(err_in).max() < 0.75 and np.abs(err_out).max() < 0.75
    g = np.random.default_rng(0)
    a, b = g.uniform(-128, 128, (2, 4000)), g.uniform(-128, 128, (2, 4000))
    mid = _sd(lay, *(0.5 * (a + b)))
    assert np.all(mid <= 0.5 * (_sd(lay, *a) + _sd(lay, *b)) + 1e-9)


def test_ovalflange_features_a_bolt_hole_in_each_lobe_and_a_kept_bore():
    from metrology.synth._defect_makers import n_features, n_missable

    s = 256.0
    lay = layout_features("ovalflange", (256, 256))
    assert lay["slots"] == [] and lay.get("sinks", []) == [] and lay["keep_windows"]
    (c, half, rad), = lay["windows"]                          # the port's bore: round, kept
    assert c == (0.0, 0.0) and half == pytest.approx((0.1 * s, 0.1 * s))
    assert rad == pytest.approx(0.1 * s)
    (p, r), (q, r2) = lay["holes"]
    assert r == r2 == pytest.approx(0.05 * s)
    at = 0.4 * s * np.cos(np.deg2rad(45.0))
    assert p == pytest.approx((-at, -at)) and q == pytest.approx((at, at))
    for x, y in (p, q):                                        # a wall of 0.12 s all round
        assert _sd(lay, [x], [y])[0] == pytest.approx(-(r + 0.12 * s))
    assert n_features(lay) == 3 and n_missable(lay) == 2


def test_ovalflange_face_share_and_background_all_round():
    c = 127.5
    # the bench's jitter at its extremes (+-3 px, +-2 degrees): 6 px inside the border or more
    check_inside_at_jitter("ovalflange", 6)
    # rendered: the part face (the flange less its bore and holes) is 0.62-0.68 (0.651)
    lay = layout_features("ovalflange", (256, 256))
    for r in range(3):
        s = render_defect_sample((256, 256), "good", rng=r, placement_px=0, placement_deg=0,
                                 lighting=0, **KW)
        img = s.image.astype(float)
        face = img > 80
        assert 0.62 < face.mean() < 0.68, face.mean()
        assert img[:4].max() < 40 and img[-4:].max() < 40         # background at the border
        assert img[:, :4].max() < 40 and img[:, -4:].max() < 40
        for (hx, hy), _ in lay["holes"]:                          # the bolt holes, the bore
            assert img[int(c + hy), int(c + hx)] < 70
        assert img[int(c), int(c)] < 70
        for x, y in ((0.42, -0.42), (-0.42, 0.42)):               # the other corners: off it
            assert img[int(c + y * 256), int(c + x * 256)] < 40, (x, y)
        for x, y in ((0.0, -0.35), (0.35, 0.0), (0.2, 0.3), (-0.3, -0.2)):  # the body: face
            assert img[int(c + y * 256), int(c + x * 256)] > 80, (x, y)


@pytest.mark.parametrize("kind", ["good", "missing", "extra", "scratch", "punch"])
def test_ovalflange_renders_with_missing_and_extra(kind):
    check_layout_renders(kind, KW)


def test_a_missing_feature_of_the_ovalflange_is_a_bolt_hole_never_the_bore():
    check_missing_features(KW, {0, 1})


def test_defects_and_extra_holes_lie_on_the_ovalflange():
    check_on_the_face(KW, ("extra", "spot", "punch"), whole="punch")


def test_ovalflange_takes_every_kind_at_small_sizes():
    check_every_kind_small(KW)


def _change(r, params=None, scale=1.0, **kw):
    """A punch witness of seed ``r`` on a still, untextured face and its change: the sample
    minus its twin drawn at a vanishing contrast."""
    kw = STILL | dict(texture="blasted", texture_amplitude=0.0) | kw
    s = render_defect_sample((128, 128), "punch", rng=r, defect_params=params,
                             contrast_scale=scale, **kw)
    twin = render_defect_sample((128, 128), "punch", rng=r, defect_params=params,
                                contrast_scale=1e-6, **kw)
    return s, s.image.astype(float) - twin.image.astype(float)


def test_punch_is_local_and_follows_contrast_scale():
    # the same check of every seed: 4 under --runslow, two of them by default
    for r in sample(range(4), 2, "punch"):
        s = render_defect_sample((256, 256), "punch", rng=r, **KW)
        twin = render_defect_sample((256, 256), "punch", rng=r, contrast_scale=1e-6, **KW)
        big = render_defect_sample((256, 256), "punch", rng=r, contrast_scale=2.0, **KW)
        spec = s.defects[0]
        p = spec.params
        assert spec.kind == "punch" and 12 <= spec.contrast <= 26
        assert 4 <= spec.size_px <= 7 and spec.size_px == p["radius_px"]
        assert 2 <= p["width_px"] <= 3 and 0.45 <= p["ring"] <= 0.6 and 0.4 <= p["tilt"] <= 0.7
        d = s.image.astype(float) - twin.image.astype(float)
        near = ndimage.binary_dilation(s.mask, iterations=3)
        assert np.abs(d[~near]).max() <= 1.0                        # nothing off the punch
        assert d[s.mask].min() < -0.4 * spec.contrast               # dark
        d2 = big.image.astype(float) - twin.image.astype(float)
        ratio = np.abs(d2[s.mask]).sum() / np.abs(d[s.mask]).sum()
        assert 1.7 < ratio < 2.3 and big.defects[0].contrast == pytest.approx(2 * spec.contrast)
        # the mask: the dot at the centre and the ring round it, the ground between them out
        still, _ = _change(r)
        c = np.array(still.defects[0].center_xy)
        yy, xx = np.nonzero(still.mask)
        rr = np.hypot(xx - c[0], yy - c[1])
        rad = still.defects[0].size_px
        assert rr.min() < 1.0 and rr.max() < rad + 1.5, r
        assert not np.any((rr > 0.5 * still.defects[0].params["width_px"] + 1.0)
                          & (rr < rad - 1.5)), r


def _polar(d, c, radii, phis):
    """``d`` sampled at ``radii`` (rows) by ``phis`` (columns, radians) about ``c``."""
    rr, pp = np.meshgrid(radii, phis, indexing="ij")
    xs, ys = c[0] + rr * np.cos(pp), c[1] + rr * np.sin(pp)
    return ndimage.map_coordinates(d, [ys, xs], order=1)


def test_punch_is_a_dot_in_a_faint_ring_with_the_face_between():
    phis = np.linspace(0.0, 2.0 * np.pi, 180, endpoint=False)
    for r in range(10):
        p = {"radius_px": 4.0 + 0.3 * r, "width_px": 2.5, "contrast": 60.0,
             "angle_deg": 37.0 * r + 5.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        c = spec.center_xy
        radii = np.linspace(0.0, p["radius_px"] + 3.0, 121)
        prof = -_polar(d, c, radii, phis).mean(axis=1) / 60.0       # depth, averaged round
        # deepest at the centre (the dot, over 0.6 of the contrast after the blur: 0.62-0.82
        # seen); a second trough, the ring, at radius_px (within 0.3 px), shallower than the
        # dot (0.3-0.75 of it, 0.43-0.62 seen: 0.45-0.6 drawn at its deepest side, less on
        # the far side, the small dot the more blurred); between them the face nearly
        # untouched (under 0.1 of the dot somewhere), and nothing 2.5 px beyond the ring
        assert prof[0] > prof.max() - 1e-9 and prof[0] > 0.6, (r, prof[0])
        outer = radii > 0.5 * p["radius_px"] + 1.0
        j = np.argmax(np.where(outer, prof, -np.inf))
        assert abs(radii[j] - p["radius_px"]) <= 0.3, (r, radii[j])
        assert 0.3 * prof[0] < prof[j] < 0.75 * prof[0], (r, prof[j], prof[0])
        between = (radii > 1.5) & (radii < p["radius_px"] - 1.5)
        assert prof[between].min() < 0.1 * prof[0], (r, prof[between].min())
        assert np.abs(prof[radii > p["radius_px"] + 2.5]).max() < 0.03, r


def test_punch_ring_is_deepest_towards_its_angle():
    phis = np.linspace(0.0, 2.0 * np.pi, 360, endpoint=False)
    for r in range(10):
        p = {"radius_px": 6.0, "width_px": 2.5, "contrast": 60.0, "angle_deg": 41.0 * r + 2.0}
        s, d = _change(r, p)
        spec = s.defects[0]
        tilt = spec.params["tilt"]
        # round the ring (its depth summed across it, 4-8 px out, which the blur and the pixel
        # grid leave alone; a large contrast, so the image's gray steps are fine): deepest
        # towards angle_deg (its first harmonic's phase within 3 degrees, 1 seen), the far
        # side tilt x as deep (within 0.04, 0.03 seen), the depth following tilt + (1 - tilt)
        # (1 + cos(phi - angle)) / 2 (correlation over 0.98, 0.998-0.999 seen)
        ring = -_polar(d, spec.center_xy, np.linspace(4.0, 8.0, 41), phis).mean(axis=0)
        peak = np.degrees(np.angle(np.sum(ring * np.exp(1j * phis))))
        off = abs((peak - p["angle_deg"] + 180.0) % 360.0 - 180.0)
        assert off < 3.0, (r, peak, p["angle_deg"])
        back = np.abs((np.degrees(phis) - p["angle_deg"]) % 360.0 - 180.0) < 10.0
        toward = np.abs((np.degrees(phis) - p["angle_deg"] + 180.0) % 360.0 - 180.0) < 10.0
        got = ring[back].mean() / ring[toward].mean()
        assert abs(got - tilt) < 0.04, (r, got, tilt)
        model = tilt + (1.0 - tilt) * 0.5 * (1.0 + np.cos(phis - np.deg2rad(p["angle_deg"])))
        assert np.corrcoef(ring, model)[0, 1] > 0.98, r


def test_punch_is_dark_or_bright_if_negative():
    for r in range(4):
        p = {"radius_px": 5.0, "contrast": 20.0}
        s, dp = _change(r, p)
        _, dn = _change(r, p | {"contrast": -20.0})
        assert dp.min() < -0.6 * 20 and dp.max() <= 1.0
        assert np.abs(dn + dp).max() <= 1.0
        # small: the mask within the ring's circle and a pixel beyond
        assert s.mask.sum() < np.pi * (5.0 + 1.5) ** 2, r


def test_punch_takes_fixed_parameters_rejects_bad_ones_and_is_pasted():
    s = render_defect_sample((128, 128), "punch", rng=0, layout="face",
                             defect_params={"radius_px": 6.5, "width_px": 2.2,
                                            "contrast": 15.0, "angle_deg": 30.0})
    spec = s.defects[0]
    assert spec.size_px == 6.5 and spec.contrast == 15.0 and spec.angle_deg == 30.0
    assert spec.params["radius_px"] == 6.5 and spec.params["width_px"] == 2.2
    # a ring given clear of a large dot given (its half and 2.5 px out) is kept; a drawn dot
    # is cut to clear a small ring given
    s = render_defect_sample((128, 128), "punch", rng=0, layout="face",
                             defect_params={"width_px": 4.0, "radius_px": 4.5})
    assert s.defects[0].params["radius_px"] == 4.5
    for r in range(4):
        s = render_defect_sample((128, 128), "punch", rng=r, layout="face",
                                 defect_params={"radius_px": 3.5})
        assert s.defects[0].params["width_px"] <= 2.0
    for bad in ({"radius_px": 0.0}, {"width_px": 0.5}, {"width_px": 6.5},
                {"width_px": 4.0, "radius_px": 4.4}, {"width_px": 2.0, "radius_px": 3.0},
                {"tilt": 0.5}, {"radius_px": float("nan")},
                {"width_px": float("nan")}, {"contrast": float("inf")}):
        with pytest.raises(InputError):
            render_defect_sample((128, 128), "punch", rng=0, defect_params=bad)
    check_pasted_on_a_face("punch")
