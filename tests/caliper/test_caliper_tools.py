"""Line, circle and ellipse tools and their placeable specs, against the physical renderer."""

import json
import math

import numpy as np
import pytest

from caliper_scenes import (BACKGROUND, CONTRAST, burred_disk, crb_std, disk, edge, ellipse,
                            noisy, stripes)
from metrology.caliper import (CircleTool, EdgePairTool, EdgeSettings, EdgeTool, EllipseTool,
                               FitSettings, LineTool, find_circle, find_ellipse, find_line,
                               tool_from_dict)
from metrology.core import Pose2D, fit_circle
from metrology.errors import EdgeNotFoundError, InputError
from metrology.synth.shapes import Disk, HalfPlane, render_shapes


@pytest.mark.parametrize("cx,cy,r", [(55.23, 54.61, 33.37), (54.8, 55.45, 30.0),
                                     (55.0, 55.0, 39.6)])
def test_circle_noise_free_is_unbiased(cx, cy, r):
    img = disk(cx, cy, r)
    res = find_circle(img, (cx + 0.8, cy - 0.6), r + 0.9)
    # issue target: radius bias < 0.002 px; the curvature correction (+sigma_e^2/2R ~ 0.015 px)
    # is what makes this pass
    assert res.radius == pytest.approx(r, abs=0.002)
    np.testing.assert_allclose(res.center_xy, [cx, cy], atol=0.002)
    assert res.curvature_correction_px == pytest.approx(1.0833 / (2 * r), rel=0.05)
    # noise-free residuals are ~1e-4 px, so Tukey's MAD scale may still drop a few points;
    # at R 39.6 the guessed layout's rightmost calipers reach past the 110 px image
    assert res.num_inliers >= 24 and res.dropped_calipers.size <= 2
    raw = find_circle(img, (cx + 0.8, cy - 0.6), r + 0.9,
                      fit=FitSettings(correct_curvature=False))
    assert raw.radius - r == pytest.approx(-1.0833 / (2 * r), abs=0.002)


def test_circle_noise_at_the_cramer_rao_bound_small_sample():
    rng = np.random.default_rng(11)
    errs_c, errs_r, stds = [], [], []
    r = 35.0
    for cx, cy in ((55.31, 54.77), (54.62, 55.18)):
        clean = disk(cx, cy, r)
        for _ in range(12):
            g = np.array([cx, cy]) + rng.uniform(-0.7, 0.7, 2)
            res = find_circle(noisy(clean, 1.2, rng), g, r + rng.uniform(-1, 1))
            errs_c.append(res.center_xy - [cx, cy])
            errs_r.append(res.radius - r)
            stds.append(res.std_radius_px)
    b_r = crb_std(2 * math.pi * r, 1.2)
    b_c = crb_std(math.pi * r, 1.2)
    rms_r = math.sqrt(np.mean(np.square(errs_r)))
    rms_c = math.sqrt(np.mean(np.square(errs_c)))
    # issue target 1.3x; with 24 draws the RMS itself scatters by ~15 %, so 1.5x here (the
    # 1.3x check with 400 draws is in test_caliper_accuracy_slow.py)
    assert rms_r < 1.5 * b_r
    assert rms_c < 1.5 * b_c
    # reported uncertainty within 40 % of the observed scatter
    assert np.mean(stds) == pytest.approx(rms_r, rel=0.4)


def test_three_burrs_do_not_move_the_centre():
    rng = np.random.default_rng(4)
    burrs = ((0.3, 2.5), (2.4, 3.0), (4.4, 2.0))
    cx, cy, r = 55.27, 54.68, 34.0
    img = noisy(burred_disk(cx, cy, r, burrs), 1.2, rng)
    res = find_circle(img, (cx + 0.7, cy - 0.5), r - 0.8)
    # issue target: centre error < 0.01 px with 3 burrs (least squares is off by ~0.3 px)
    assert np.hypot(*(res.center_xy - [cx, cy])) < 0.01
    assert res.num_inliers < 32
    ls = fit_circle(res.points_xy)
    assert np.hypot(*(np.asarray(ls.center_xy) - [cx, cy])) > 0.1


def test_arc_hole_and_inward_profiles():
    # a dark hole in a bright plate, measured on a 120 degree arc with inward profiles
    img = render_shapes([(Disk((50.4, 49.7), 28.0), -120.0)], (100, 100), background=180.0,
                        psf_sigma_px=1.0, supersample=8)
    res = find_circle(img, (50.0, 50.0), 28.5, num_calipers=12, arc_deg=(200, 120),
                      direction="inward", edges=EdgeSettings(transition="negative"))
    assert res.radius == pytest.approx(28.0, abs=0.003)
    np.testing.assert_allclose(res.center_xy, [50.4, 49.7], atol=0.005)
    ang = np.degrees(np.arctan2(*(res.points_xy - [50.4, 49.7]).T[::-1])) % 360
    assert np.all((ang > 199) & (ang < 321))
    with pytest.raises(EdgeNotFoundError):
        find_circle(img, (50.0, 50.0), 28.5, num_calipers=12, direction="inward",
                    edges=EdgeSettings(transition="positive", threshold=30))


@pytest.mark.parametrize("angle", [0.0, 45.0, 12.7, 90.0, -58.0])
def test_line_noise_free(angle):
    c = np.array([70.4, 69.7])
    img = edge(float(c[0]), float(c[1]), angle + 90.0)
    t = math.radians(angle)
    d = np.array([math.cos(t), math.sin(t)])
    n = np.array([-d[1], d[0]])
    res = find_line(img, c - 50 * d + 0.8 * n, c + 50 * d + 0.8 * n)
    assert abs(res.fit.distance(c[None])[0]) < 0.001
    assert (res.angle_deg - angle + 90) % 180 - 90 == pytest.approx(0.0, abs=0.002)
    assert res.num_inliers >= 15   # noise-free: Tukey's tiny MAD scale may drop a few
    np.testing.assert_allclose(res.p0_xy, c - 50 * d, atol=0.01)


def test_line_noise_near_the_bound_small_sample():
    rng = np.random.default_rng(3)
    c = np.array([70.4, 69.7])
    angle = 23.0
    clean = edge(float(c[0]), float(c[1]), angle + 90.0)
    t = math.radians(angle)
    d = np.array([math.cos(t), math.sin(t)])
    eo, ea = [], []
    for _ in range(16):
        res = find_line(noisy(clean, 1.2, rng), c - 50 * d, c + 50 * d)
        eo.append(res.fit.distance(c[None])[0])
        ea.append(math.radians((res.angle_deg - angle + 90) % 180 - 90))
    b_o = crb_std(100, 1.2)
    b_a = b_o * math.sqrt(12) / 100     # angle bound: sigma^2 / (integral of u^2 over 100 px)
    # issue target 1.5x; 16 draws scatter ~18 %: 1.8x here, 1.5x in the slow sweep
    assert math.sqrt(np.mean(np.square(eo))) < 1.8 * b_o
    assert math.sqrt(np.mean(np.square(ea))) < 1.8 * b_a


@pytest.mark.parametrize("cx,cy,a,b,th", [(55.3, 54.6, 36.0, 22.0, 28.0),
                                           (54.8, 55.2, 30.0, 26.0, -61.0),
                                           (55.1, 54.9, 38.0, 18.0, 90.0)])
def test_ellipse_noise_free(cx, cy, a, b, th):
    img = ellipse(cx, cy, a, b, th)
    res = find_ellipse(img, (cx - 0.7, cy + 0.6), (a + 1, b - 1), th + 2)
    # second pass on osculating circles + local-curvature correction (sigma_e^2 kappa / 2, up
    # to 0.06 px here): what is left is < 0.001 px
    np.testing.assert_allclose(res.center_xy, [cx, cy], atol=0.001)
    np.testing.assert_allclose(res.semi_axes, [a, b], atol=0.001)
    assert (res.angle_deg - th + 90) % 180 - 90 == pytest.approx(0.0, abs=0.003)


def test_calipers_outside_are_dropped_and_all_outside_is_an_error():
    img = disk(55.0, 20.0, 30.0, size=110)   # the top of the circle leaves the image
    res = find_circle(img, (55.0, 20.0), 30.0)
    assert res.dropped_calipers.size > 0
    assert res.dropped_calipers.size + np.unique(res.caliper_index).size == 32
    assert res.radius == pytest.approx(30.0, abs=0.01)
    with pytest.raises(InputError, match="outside the image|misses the"):
        find_circle(img, (500.0, 500.0), 30.0)
    with pytest.raises(InputError, match="outside the image|misses the"):
        find_line(img, (-100, -50), (-10, -50))


def test_flat_image_reports_how_many_calipers_found_edges():
    flat = np.full((100, 100), 128, np.uint8)
    with pytest.raises(EdgeNotFoundError, match="0 of 32 calipers"):
        find_circle(flat, (50, 50), 30)
    with pytest.raises(EdgeNotFoundError, match="0 of 20 calipers"):
        find_line(flat, (10, 50), (90, 50))
    # an edge under only part of the line: says how many found it
    half = np.full((100, 100), 60, np.uint8)
    half[50:, :12] = 200
    with pytest.raises(EdgeNotFoundError, match="1 of 20 calipers"):
        find_line(half, (10, 50), (90, 50))


@pytest.mark.parametrize("kwargs", [
    dict(center_xy=(np.nan, 50), radius=30), dict(center_xy=(50, 50), radius=0),
    dict(center_xy=(50, 50), radius=-3), dict(center_xy=(50, 50), radius=30, num_calipers=2),
    dict(center_xy=(50, 50), radius=30, caliper_size=(0, None)),
    dict(center_xy=(50, 50), radius=30, caliper_size=(None, -1)),
    dict(center_xy=(50, 50), radius=30, caliper_size=20),
    dict(center_xy=(50, 50), radius=30, arc_deg=(0, 0)),
    dict(center_xy=(50, 50), radius=30, arc_deg=(0, 400)),
    dict(center_xy=(50, 50), radius=30, caliper_size=(70, None)),
    dict(center_xy=(50, 50), radius=30, direction="sideways"),
    dict(center_xy=(50, 50), radius=30, edges=EdgeSettings(transition="any"), fit="2 passes")])
def test_circle_bad_parameters(kwargs):
    img = disk(55.0, 55.0, 30.0)
    with pytest.raises(InputError):
        find_circle(img, **kwargs)


def test_bad_images():
    with pytest.raises(InputError):
        find_circle(np.zeros((0, 0), np.uint8), (5, 5), 3)
    with pytest.raises(InputError):
        find_line(np.full((50, 50), np.nan, np.float32), (5, 5), (40, 5))
    with pytest.raises(InputError):
        find_line(np.zeros((50, 50)), (5, 5), (5.5, 5))


def test_results_serialise_to_json():
    img = disk(55.23, 54.61, 33.37)
    res = find_circle(img, (55, 55), 33)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["type"] == "CircleResult"
    assert d["fit"]["radius"] == pytest.approx(33.37, abs=0.002)
    assert len(d["points_xy"]) == 32 and len(d["caliper_corners_xy"]) == 32
    line = find_line(edge(70.4, 69.7, 90.0), (20, 70), (120, 70))
    assert json.loads(json.dumps(line.to_dict()))["type"] == "LineResult"


def test_tools_placed_by_a_pose_measure_the_moved_part():
    # model frame: a circle of radius 20 at (10, -5) and an edge; the part sits at a pose
    pose = Pose2D(60.3, 55.1, 37.0, 1.25)
    c_img = pose.apply([[10.0, -5.0]])[0]
    r_img = 20.0 * 1.25
    img = render_shapes([(Disk(tuple(c_img), r_img), CONTRAST)], (110, 110),
                        background=BACKGROUND, psf_sigma_px=1.0, supersample=8)
    tool = CircleTool((10.0, -5.0), 20.0, num_calipers=24, caliper_size=(16.0, None), name="bore")
    res = tool.placed(pose).measure(img)
    np.testing.assert_allclose(res.center_xy, c_img, atol=0.003)
    assert res.radius == pytest.approx(r_img, abs=0.003)
    placed = tool.placed(pose)
    assert placed.arc_deg[0] == pytest.approx(37.0)
    assert placed.caliper_size[0] == pytest.approx(20.0)
    assert placed.fit.ransac_threshold_px == pytest.approx(1.25)
    # a tool placed by the identity is itself; composition matches two placements
    assert tool.placed(Pose2D()) == tool
    q = Pose2D(3.0, -2.0, 10.0, 1.1)
    a = tool.placed(q).placed(pose)
    b = tool.placed(pose @ q)
    np.testing.assert_allclose(a.center_xy, b.center_xy, atol=1e-9)
    assert a.radius == pytest.approx(b.radius)


@pytest.mark.parametrize("tool", [
    LineTool((0.0, 0.0), (50.0, 3.0), num_calipers=10, name="datum A"),
    CircleTool((10.0, 5.0), 20.0, arc_deg=(30, 90), direction="inward",
               fit=FitSettings(passes=1, seed=3)),
    EllipseTool((1.0, 2.0), (30.0, 20.0), 15.0),
    EdgePairTool((0.0, 0.0), (40.0, 0.0), width=12, edges=EdgeSettings(transition="negative")),
    EdgeTool((0.0, 0.0), (40.0, 0.0), edges=EdgeSettings(select="first", sigma=1.5))])
def test_tools_round_trip_through_json(tool):
    d = json.loads(json.dumps(tool.to_dict()))
    assert tool_from_dict(d) == tool
    moved = tool.placed(Pose2D(5, 6, 30, 2.0))
    assert tool_from_dict(json.loads(json.dumps(moved.to_dict()))) == moved


def test_tool_specs_reject_bad_fields():
    with pytest.raises(InputError):
        CircleTool((0, 0), -1.0)
    with pytest.raises(InputError):
        LineTool((0, 0), (np.nan, 1))
    with pytest.raises(InputError):
        LineTool((0, 0), (10, 1), num_calipers=1)
    with pytest.raises(InputError):
        EllipseTool((0, 0), (10, 0))
    with pytest.raises(InputError, match="unknown tool type"):
        tool_from_dict({"type": "Laser"})
    with pytest.raises(InputError, match="unknown field"):
        tool_from_dict({"type": "CircleTool", "center_xy": [0, 0], "radius": 3, "colour": 1})
    with pytest.raises(InputError):
        tool_from_dict({"type": "CircleTool", "center_xy": [0, 0]})
    with pytest.raises(InputError):
        CircleTool((0, 0), 5).placed("not a pose")


def test_edge_tools_measure():
    img = edge(30.4, 0.0, 0.0, shape=(40, 60))
    e = EdgeTool((15.0, 20.0), (45.0, 20.0)).measure(img)
    assert e.points_xy[0, 0] == pytest.approx(30.4, abs=0.0015)
    pose = Pose2D(30.0, 20.0, 0.0)
    e2 = EdgeTool((-15.0, 0.0), (15.0, 0.0)).placed(pose).measure(img)
    assert e2.points_xy[0, 0] == pytest.approx(30.4, abs=0.0015)
    bar = stripes(27.2, 0.0, 0.0, (6.0,), (1.0,), shape=(40, 60))
    p = EdgePairTool((15.0, 20.0), (45.0, 20.0), width=4).measure(bar)
    assert p.widths[0] == pytest.approx(6.0, abs=0.002)


def test_circle_under_strong_shading():
    # illumination falling by 0.4 %/px in x and 0.2 %/px in y (40 % across the part): the
    # step-height slope term is switched on by its score test; without it the centre moves
    # by ~0.05 px
    from metrology.synth.render import finish_image

    yy, xx = np.mgrid[0:110, 0:110]
    gain = 1 + 0.004 * (xx - 55) + 0.002 * (yy - 55)
    img = finish_image(disk(55.3, 54.7, 33.0), noise_sigma=1.2, rng=0, gain=gain)
    res = find_circle(img, (55.0, 55.0), 33.5)
    # 3 x the 0.0019 px bound: the extra parameter costs ~30 % of precision on this image
    assert np.hypot(*(res.center_xy - [55.3, 54.7])) < 0.006
    assert res.radius == pytest.approx(33.0, abs=0.006)


def test_neighbouring_edge_just_outside_the_search_range():
    # a ring: outer edge (80 levels) at R 33 and a stronger inner edge 7 px inside; short
    # calipers search only +-5 px around R, but sample 6 px more on each side so the inner
    # edge's blur tail is modelled instead of pulling the fit (it moved R by 0.05 px)
    img = render_shapes([(Disk((55.3, 54.7), 33.0), 80.0), (Disk((55.3, 54.7), 26.0), 100.0)],
                        (110, 110), background=60.0, psf_sigma_px=1.0, supersample=8)
    res = find_circle(img, (55.0, 55.0), 33.5, caliper_size=(10, None))
    assert res.radius == pytest.approx(33.0, abs=0.005)
    np.testing.assert_allclose(res.center_xy, [55.3, 54.7], atol=0.005)


def test_small_circle_with_default_calipers():
    img = render_shapes([(Disk((30.4, 29.7), 8.0), 120.0)], (60, 60), background=60.0,
                        psf_sigma_px=1.0, supersample=8)
    res = find_circle(img, (30.0, 30.0), 8.5, num_calipers=16)
    # the curvature correction is 0.07 px at R 8; left over: < 0.003 px
    assert res.radius == pytest.approx(8.0, abs=0.003)
    np.testing.assert_allclose(res.center_xy, [30.4, 29.7], atol=0.003)


@pytest.mark.parametrize("r,psf", [(6.0, 2.0), (8.0, 2.0), (5.0, 1.5)])
def test_small_blurred_circle_uses_the_exact_curvature_shift(r, psf):
    # s / R up to 0.34: the first-order sigma_e^2 / 2R over-corrects these by +0.047, +0.011
    # and +0.024 px; the erf fit's own shift (metrology.caliper.curvature) leaves the table's
    # 0.002 px plus the fitted blur's layout error (d delta = 2 delta ds / s: ~0.003 px at R 6,
    # s 2) on noise-free renders
    c = (30.37, 29.64)
    img = render_shapes([(Disk(c, r), 120.0)], (60, 60), background=60.0, psf_sigma_px=psf,
                        supersample=8)
    res = find_circle(img, (30.0, 30.0), r, num_calipers=12,
                      caliper_size=(min(2 * r - 1, 12), None))
    first_order = res.edge_blur_px ** 2 / (2 * (res.radius - res.curvature_correction_px))
    assert res.curvature_correction_px < first_order
    assert res.radius == pytest.approx(r, abs=0.005)
    np.testing.assert_allclose(res.center_xy, c, atol=0.003)


def test_calipers_whose_context_leaves_the_image_fall_back_to_plain_ones():
    # top of the circle 14 px from the border: the calipers fit, their 6 px of fit context
    # does not, so those are measured without it and merged back in caliper order
    img = disk(55.0, 44.0, 30.0)
    res = find_circle(img, (55.0, 44.0), 30.0)
    assert res.dropped_calipers.size == 0
    assert res.caliper_index.tolist() == list(range(32))
    assert res.radius == pytest.approx(30.0, abs=0.002)
    np.testing.assert_allclose(res.center_xy, [55.0, 44.0], atol=0.002)


def test_fit_points_reproduce_the_tools_fit():
    # a consumer refitting fit_points_xy (e.g. after mapping to mm) gets the tool's own,
    # curvature-corrected circle; the raw points_xy give a radius sigma_e^2 / 2R too small
    img = noisy(disk(55.2, 54.6, 33.0), 1.2, np.random.default_rng(8))
    res = find_circle(img, (55, 55), 33)
    assert res.num_inliers == 32      # clean image: the final fit is plain least squares
    f = fit_circle(res.fit_points_xy, method="geometric")
    # the layout-offset correction is applied to points and fit to first order: 1e-5 px
    assert f.radius == pytest.approx(res.radius, abs=1e-5)
    np.testing.assert_allclose(f.center_xy, res.center_xy, atol=1e-5)
    raw = fit_circle(res.points_xy, method="geometric")
    assert res.radius - raw.radius == pytest.approx(res.curvature_correction_px, abs=2e-3)
    el = find_ellipse(ellipse(55.3, 54.6, 36.0, 22.0, 28.0), (55, 55), (37, 21), 30)
    assert el.fit_points_xy.shape == el.points_xy.shape
    assert np.abs(el.fit.distance(el.fit_points_xy)).max() < 0.002


@pytest.mark.parametrize("angle", [0.0, 0.3, 10.0])
def test_sharp_edge_with_a_tilted_guess(angle):
    # optics sigma 0.5 px (edge blur 0.58 px): calipers 1.9 degrees oblique to the edge are
    # re-laid square to it; error < 0.002 px / 0.003 deg (noise free)
    img = render_shapes([(HalfPlane((50.0, 40.37), 90.0 + angle), 120.0)], (80, 100),
                        background=60.0, psf_sigma_px=0.5, supersample=8)
    t = math.radians(angle + 1.9)
    dg = np.array([math.cos(t), math.sin(t)])
    c = np.array([50.0, 40.37])
    res = find_line(img, c - 30 * dg, c + 30 * dg, num_calipers=8)
    assert abs(res.fit.distance(c[None])[0]) < 0.002
    assert res.angle_deg == pytest.approx(angle, abs=0.003)


@pytest.mark.parametrize("psf", [0.0, 0.3])
def test_sharp_edges(psf):
    # optics blur 0 / 0.3 px: the step model includes the pixel footprint (a Gaussian of
    # variance 1/12 in its place misplaced the sharp straight edge by 0.12 px) and "auto"
    # sampling switches to bilinear on such edges (the spline rings: 0.035 px on the circle)
    img = render_shapes([(HalfPlane((50.0, 40.37), 90.0), 120.0)], (80, 100), background=60.0,
                        psf_sigma_px=psf, supersample=8)
    res = find_line(img, (20.0, 40.0), (80.0, 40.0), num_calipers=8)
    assert abs(res.fit.distance(np.array([[50.0, 40.37]]))[0]) < 0.001
    circ = render_shapes([(Disk((55.3, 54.7), 33.0), 120.0)], (110, 110), background=60.0,
                         psf_sigma_px=psf, supersample=8)
    c = find_circle(circ, (55.0, 55.0), 33.5)
    # under-sampled edges seen along oblique rays still alias: 0.01 px
    np.testing.assert_allclose(c.center_xy, [55.3, 54.7], atol=0.01)
    assert c.radius == pytest.approx(33.0, abs=0.005)


def test_large_circle_and_dark_hole_measured_inward():
    # scenes unlike the tuning ones: a 120 px circle with 64 calipers, contrast 100 over a
    # bright background, noise 2; and a dark hole in bright material (negative contrast)
    # measured with inward profiles.  Cramer-Rao std: big circle centre 0.0022 px per axis,
    # radius 0.0015; hole centre 0.0030, radius 0.0021.  Bounds ~3x those (a fixed seed:
    # deterministic), plus the ~0.001 px noise-free residual.
    from metrology.synth.render import finish_image

    big = finish_image(render_shapes([(Disk((150.3, 149.6), 120.4), 100.0)], (300, 300),
                                     background=80.0, psf_sigma_px=1.2, supersample=4),
                       noise_sigma=2.0, rng=11)
    r = find_circle(big, (151.5, 148.6), 121.6, num_calipers=64)
    assert np.hypot(*(r.center_xy - [150.3, 149.6])) < 0.01
    assert r.radius == pytest.approx(120.4, abs=0.008)
    hole = finish_image(render_shapes([(Disk((60.3, 59.6), 20.4), -110.0)], (120, 120),
                                      background=180.0, psf_sigma_px=0.8, supersample=8),
                        noise_sigma=1.5, rng=12)
    h = find_circle(hole, (59.7, 60.3), 19.9, direction="inward")
    assert np.hypot(*(h.center_xy - [60.3, 59.6])) < 0.01
    assert h.radius == pytest.approx(20.4, abs=0.006)
