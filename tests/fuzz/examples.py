"""Valid examples for fuzzing metrology's public API (:mod:`metrology.testing.fuzz`).

Most entry points need no example here: parameters are filled by name from the ``param``
table below (``image``, ``points``, ``camera`` ...) or from their defaults.  An explicit
example is registered where that guess does not make a valid call, and an instance factory
for every class whose methods are fuzzed.  Everything is small (images of a few hundred
pixels, 5 calibration views of 320x240), and files shared by the workers are built once in
the pool's shared folder.

When an entry point's signature changes, update its example here (the fuzz test reports an
example that no longer fits as "broken").
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from metrology.testing.fuzz import Call, Registry
from metrology.testing.fuzz.registry import canonical

registry = reg = Registry()

M = "metrology."


def _inst(name: str, ctx):
    """The registered valid instance of the class at the public path ``metrology.<name>``."""
    return reg.instances[canonical(M + name)](ctx)


# ------------------------------------------------------------------------------------------
# shared fixtures

def _png(path: Path, image: np.ndarray) -> None:
    import cv2

    ok, buf = cv2.imencode(".png", image)
    path.write_bytes(buf.tobytes())


@reg.fixture("image")
def _image(ctx):
    """200x160 uint8: a dark disk (centre (70, 80), r 30) and a bright bar with straight
    edges (x 130..170) on a mid-gray background, blurred and noisy."""
    from metrology.synth.shapes import Disk, HalfPlane, Stripe, render_shapes

    img = render_shapes([(Disk((70.0, 80.0), 30.0), -80.0),
                         (Stripe((150.0, 80.0), 0.0, 40.0), 90.0)], (160, 200),
                        background=120.0, psf_sigma_px=1.0, supersample=4)
    del HalfPlane
    rng = np.random.default_rng(0)
    return np.clip(np.rint(img + rng.normal(0, 1.0, img.shape)), 0, 255).astype(np.uint8)


@reg.fixture("camera")
def _camera(ctx):
    from metrology.calib import CameraModel

    return CameraModel([[400.0, 0, 159.5], [0, 400.0, 119.5], [0, 0, 1]],
                       [-0.1, 0.02, 0, 0, 0], (320, 240))


@reg.fixture("board")
def _board(ctx):
    from metrology.calib import Checkerboard

    return Checkerboard(6, 5, 10.0)


@reg.fixture("calib_paths")
def _calib_paths(ctx):
    """5 rendered board views (320x240), shared by all workers."""
    from metrology.synth.board import random_board_poses, render_board

    with ctx.shared_file("calib") as (folder, exists):
        if not exists:
            tmp = folder.with_name("calib.tmp")
            tmp.mkdir(exist_ok=True)
            cam, board = ctx.get("camera"), ctx.get("board")
            poses = random_board_poses(board, cam, 5, rng=1)
            for i, (r, t) in enumerate(poses):
                _png(tmp / f"view_{i}.png", render_board(cam, board, r, t, supersample=2,
                                                         rng=i).image)
            tmp.rename(folder)
    return sorted(str(p) for p in folder.glob("*.png"))


@reg.fixture("calib_images")
def _calib_images(ctx):
    import cv2

    return [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in ctx.get("calib_paths")]


@reg.fixture("station_path")
def _station_path(ctx):
    from metrology.calib import calibrate

    paths = ctx.get("calib_paths")
    with ctx.shared_file("station.json") as (path, exists):
        if not exists:
            calibrate(paths, ctx.get("board")).save(path)
    return str(path)


@reg.fixture("calibration")
def _calibration(ctx):
    from metrology.calib import Calibration

    return Calibration.load(ctx.get("station_path"))


@reg.fixture("plane")
def _plane(ctx):
    return ctx.get("calibration").plane(0)


@reg.fixture("plane_path")
def _plane_path(ctx):
    from metrology.inspect import save_plane

    with ctx.shared_file("plane.json") as (path, exists):
        if not exists:
            save_plane(ctx.get("plane"), path)
    return str(path)


@reg.fixture("template")
def _template(ctx):
    from metrology.synth.parts import render_template

    return render_template("bracket", psf_sigma_px=1.0, supersample=4)


@reg.fixture("scene")
def _scene(ctx):
    from metrology.core import Pose2D
    from metrology.synth.parts import render_part_scene

    return render_part_scene("bracket", [Pose2D(200.0, 150.0, 20.0)], shape=(300, 400),
                             supersample=2, rng=3)


@reg.fixture("model_path")
def _model_path(ctx):
    from metrology.match import ShapeModel

    with ctx.shared_file("part.model.json") as (path, exists):
        if not exists:
            ShapeModel.create(ctx.get("template").image, angle_range_deg=(-180, 180)).save(path)
    return str(path)


@reg.fixture("model")
def _model(ctx):
    from metrology.match import ShapeModel

    return ShapeModel.load(ctx.get("model_path"))


@reg.fixture("recipe_path")
def _recipe_path(ctx):
    """A recipe on the bracket: pixel-size station, the shape model, a circle tool on the big
    hole and a line tool on the left edge."""
    model = ctx.get("model_path")
    with ctx.shared_file("part.recipe.json") as (path, exists):
        if not exists:
            doc = {"format": "metrology.recipe", "version": 1, "name": "fuzz bracket",
                   "station": {"pixel_size_mm": 0.1},
                   "model": {"file": Path(model).name, "min_score": 0.6},
                   "tools": [{"name": "hole", "type": "circle", "center_xy": [-55.0, -20.0],
                              "radius": 14.0, "num_calipers": 24},
                             {"name": "left", "type": "line", "p0_xy": [-85.0, -40.0],
                              "p1_xy": [-85.0, 40.0], "num_calipers": 12}],
                   "measurements": [
                       {"name": "hole_d", "type": "diameter", "feature": "hole",
                        "nominal_mm": 2.8, "tolerance_mm": 0.05},
                       {"name": "hole_to_left", "type": "distance", "from": "hole",
                        "to": "left", "nominal_mm": 3.0, "tolerance_mm": 0.05}]}
            path.write_text(json.dumps(doc, indent=1))
    return str(path)


@reg.fixture("recipe")
def _recipe(ctx):
    from metrology.inspect import Recipe

    return Recipe.load(ctx.get("recipe_path"))


@reg.fixture("scene_path")
def _scene_path(ctx):
    with ctx.shared_file("scene.png") as (path, exists):
        if not exists:
            _png(path, ctx.get("scene").image)
    return str(path)


@reg.fixture("inspection")
def _inspection(ctx):
    return ctx.get("recipe").run(ctx.get("scene").image, name="scene.png")


@reg.fixture("defects")
def _defects(ctx):
    from metrology.synth.defects import make_defect_set

    return make_defect_set(4, ["scratch"], 1, shape=(96, 96), seed=0, supersample=2)


@reg.fixture("patchcore")
def _patchcore(ctx):
    from metrology.anomaly import PatchCore

    return PatchCore(coreset_ratio=0.25).fit([d.image for d in ctx.get("defects")[:3]])


@reg.fixture("patchcore_path")
def _patchcore_path(ctx):
    with ctx.shared_file("bank.json") as (path, exists):
        if not exists:
            ctx.get("patchcore").save(path)
    return str(path)


@reg.fixture("circle_points")
def _circle_points(ctx):
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rng = np.random.default_rng(0)
    return np.c_[50 + 20 * np.cos(t), 40 + 20 * np.sin(t)] + rng.normal(0, 0.05, (24, 2))


@reg.fixture("ellipse_points")
def _ellipse_points(ctx):
    t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    rng = np.random.default_rng(1)
    x, y = 30 * np.cos(t), 12 * np.sin(t)
    c, s = np.cos(0.4), np.sin(0.4)
    return np.c_[60 + c * x - s * y, 50 + s * x + c * y] + rng.normal(0, 0.05, (30, 2))


@reg.fixture("line_points")
def _line_points(ctx):
    x = np.linspace(0, 50, 20)
    return np.c_[x, 3 + 0.5 * x] + np.random.default_rng(2).normal(0, 0.05, (20, 2))


# ------------------------------------------------------------------------------------------
# parameters filled by name (entry points without their own example)

for _names, _fixture in [
    (("image", "gray", "source", "img"), "image"),
    (("points", "points_xy", "xy", "p", "corners"), "circle_points"),
    (("camera", "estimated", "true"), "camera"),
    (("board",), "board"),
    (("plane",), "plane"),
    (("recipe",), "recipe"),
]:
    reg.param(*_names)(lambda ctx, _f=_fixture: ctx.get(_f))


@reg.param("pose", "template_pose", "pose_mm")
def _pose(ctx):
    from metrology.core import Pose2D

    return Pose2D(5.0, -3.0, 30.0, 1.1)


@reg.param("points_mm")
def _points_mm(ctx):
    return np.array([[0.0, 0.0], [5.0, 2.0], [-3.0, 4.0]])


@reg.param("points_3d")
def _points_3d(ctx):
    return np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 5.0]])


@reg.param("center_xy", "point_xy", "center1_xy", "p1", "p2")
def _center(ctx):
    return (70.0, 80.0)


@reg.param("center2_xy")
def _center2(ctx):
    return (80.0, 85.0)


@reg.param("p0_xy")
def _p0(ctx):
    return (110.0, 80.0)


@reg.param("p1_xy")
def _p1(ctx):
    return (190.0, 80.0)


@reg.param("direction", "d1", "d2")
def _direction(ctx):
    return (1.0, 0.5)


@reg.param("radius", "radius1", "radius2", "measured_radius")
def _radius(ctx):
    return 30.0


@reg.param("semi_axes")
def _semi_axes(ctx):
    return (30.0, 12.0)


@reg.param("angle_deg")
def _angle(ctx):
    return 23.0


@reg.param("sigma", "blur_px")
def _sigma(ctx):
    return 1.5


@reg.param("name")
def _name(ctx):
    return "thing"


@reg.param("unit")
def _unit(ctx):
    return "mm"


@reg.param("images", "good_images")
def _images(ctx):
    return [d.image for d in ctx.get("defects")[:3]]


@reg.param("shape")
def _shape(ctx):
    return (48, 64)


@reg.param("rng")
def _rng(ctx):
    return np.random.default_rng(0)


# ------------------------------------------------------------------------------------------
# instances (methods are fuzzed on these)

def _instance(cls_name):
    return reg.instance(M + cls_name)


@_instance("core.pose.Pose2D")
def _i_pose(ctx):
    from metrology.core import Pose2D

    return Pose2D(5.0, -3.0, 30.0, 1.1)


@_instance("core.results.LineFit")
def _i_linefit(ctx):
    from metrology.core import fit_line

    return fit_line(ctx.get("line_points"))


@_instance("core.results.CircleFit")
def _i_circlefit(ctx):
    from metrology.core import fit_circle

    return fit_circle(ctx.get("circle_points"))


@_instance("core.results.EllipseFit")
def _i_ellipsefit(ctx):
    from metrology.core import fit_ellipse

    return fit_ellipse(ctx.get("ellipse_points"))


@_instance("calib.board.Checkerboard")
def _i_board(ctx):
    return ctx.get("board")


@_instance("calib.board.BoardDetection")
def _i_detection(ctx):
    from metrology.calib import detect_board

    return detect_board(ctx.get("calib_images")[0], ctx.get("board"))


@_instance("calib.Calibration")
def _i_cal(ctx):
    return ctx.get("calibration")


@_instance("calib.camera.CameraModel")
def _i_cam(ctx):
    return ctx.get("calibration").camera


@_instance("calib.plane.Plane")
def _i_plane(ctx):
    return ctx.get("plane")


@_instance("calib.ViewResult")
def _i_view(ctx):
    return ctx.get("calibration").views[0]


@_instance("calib.RejectedView")
def _i_rejected(ctx):
    from metrology.calib import RejectedView

    return RejectedView(3, "view_3.png", "no_board", "board not found")


@_instance("calib.ProjectionUncertainty")
def _i_unc(ctx):
    return ctx.get("calibration").uncertainty


@_instance("match.ShapeModel")
def _i_model(ctx):
    return ctx.get("model")


@_instance("match.Match")
def _i_match(ctx):
    return ctx.get("model").find(ctx.get("scene").image, min_score=0.6)[0]


@_instance("caliper.EdgeResult")
def _i_edges(ctx):
    from metrology.caliper import measure_edges

    return measure_edges(ctx.get("image"), (110.0, 80.0), (190.0, 80.0))


@_instance("caliper.PairResult")
def _i_pairs(ctx):
    from metrology.caliper import measure_pairs

    return measure_pairs(ctx.get("image"), (110.0, 80.0), (190.0, 80.0))


@_instance("caliper.EdgeSet")
def _i_edgeset(ctx):
    from metrology.caliper import detect_edges

    x = np.arange(-10.0, 11.0)
    return detect_edges(100 + 80 * (x > 0)[None, :].astype(float), x)


@_instance("caliper.LineResult")
def _i_lineres(ctx):
    from metrology.caliper import find_line

    return find_line(ctx.get("image"), (150.0, 20.0), (150.0, 140.0), num_calipers=10)


@_instance("caliper.CircleResult")
def _i_circleres(ctx):
    from metrology.caliper import find_circle

    return find_circle(ctx.get("image"), (70.0, 80.0), 30.0)


@_instance("caliper.EllipseResult")
def _i_ellres(ctx):
    from metrology.caliper import find_ellipse

    return find_ellipse(ctx.get("image"), (70.0, 80.0), (30.0, 30.0))


@_instance("caliper.EdgeTool")
def _i_edgetool(ctx):
    from metrology.caliper import EdgeTool

    return EdgeTool((110.0, 80.0), (190.0, 80.0))


@_instance("caliper.EdgePairTool")
def _i_pairtool(ctx):
    from metrology.caliper import EdgePairTool

    return EdgePairTool((110.0, 80.0), (190.0, 80.0))


@_instance("caliper.LineTool")
def _i_linetool(ctx):
    from metrology.caliper import LineTool

    return LineTool((150.0, 20.0), (150.0, 140.0), num_calipers=10)


@_instance("caliper.CircleTool")
def _i_circletool(ctx):
    from metrology.caliper import CircleTool

    return CircleTool((70.0, 80.0), 30.0)


@_instance("caliper.EllipseTool")
def _i_elltool(ctx):
    from metrology.caliper import EllipseTool

    return EllipseTool((70.0, 80.0), (30.0, 30.0))


@_instance("image.peaks.PeakFit")
def _i_peakfit(ctx):
    from metrology.image import subpixel_peaks

    v = np.exp(-0.5 * ((np.arange(20.0) - 8.3) / 1.5) ** 2)[None, :]
    return subpixel_peaks(v, np.array([0]), np.array([8]))


@_instance("image.profiles.Calipers")
def _i_calipers(ctx):
    from metrology.image import rect_calipers

    return rect_calipers(np.array([[150.0, 40.0], [150.0, 80.0]]), np.array([[1.0, 0.0]] * 2),
                         20.0, 5.0)


@_instance("image.profiles.Profiles")
def _i_profiles(ctx):
    from metrology.image import sample_profiles

    return sample_profiles(ctx.get("image"), _i_calipers(ctx))


@_instance("anomaly.base.AnomalyScore")
def _i_anscore(ctx):
    return ctx.get("patchcore").score(ctx.get("defects")[-1].image)


@_instance("anomaly.features.ClassicalFeatures")
def _i_classical(ctx):
    from metrology.anomaly import ClassicalFeatures

    return ClassicalFeatures()


@_instance("anomaly.neighbors.NearestNeighbors")
def _i_nn(ctx):
    from metrology.anomaly import NearestNeighbors

    return NearestNeighbors(np.random.default_rng(0).normal(size=(50, 8)))


@_instance("anomaly.patchcore.PatchCore")
def _i_patchcore(ctx):
    return ctx.get("patchcore")


@_instance("anomaly.threshold.Threshold")
def _i_threshold(ctx):
    from metrology.anomaly import calibrate_threshold

    return calibrate_threshold([0.1, 0.2, 0.15, 0.3])


@_instance("inspect.recipe.Recipe")
def _i_recipe(ctx):
    return ctx.get("recipe")


@_instance("inspect.result.InspectionResult")
def _i_inspection(ctx):
    return ctx.get("inspection")


@_instance("inspect.measure.MeasurementResult")
def _i_measres(ctx):
    return ctx.get("inspection").measurements[0]


@_instance("inspect.spec.MeasurementSpec")
def _i_measspec(ctx):
    return ctx.get("recipe").measurements[0]


@_instance("inspect.spec.Tolerance")
def _i_tol(ctx):
    from metrology.inspect import Tolerance

    return Tolerance(3.0, -0.05, 0.05)


@_instance("inspect.spec.Datum")
def _i_datum(ctx):
    from metrology.inspect import Datum

    return Datum("left", "bottom", "hole")


@_instance("inspect.station.StationSpec")
def _i_stationspec(ctx):
    from metrology.inspect import StationSpec

    return StationSpec(pixel_size_mm=0.1)


@_instance("inspect.station.ScalePlane")
def _i_scaleplane(ctx):
    from metrology.inspect import ScalePlane

    return ScalePlane(0.1)


@_instance("inspect.recipe.MatchSpec")
def _i_matchspec(ctx):
    from metrology.inspect import MatchSpec

    return MatchSpec("part.model.json", min_score=0.6)


@_instance("inspect.recipe.AnomalySpec")
def _i_anomalyspec(ctx):
    from metrology.inspect import AnomalySpec

    return AnomalySpec(0.5, bank="bank.json")


@_instance("caliper.features.CircleFeature")
def _i_feature(ctx):
    from metrology.inspect.features import circle_feature

    return circle_feature("hole", ctx.get("circle_points"), "mm")


@_instance("inspect.batch.BatchSummary")
def _i_summary(ctx):
    from metrology.inspect import run_many

    return run_many(ctx.get("recipe"), [ctx.get("scene_path")], progress=False)


@_instance("inspect.records.RecordProblem")
def _i_recproblem(ctx):
    from metrology.inspect.records import RecordProblem

    return RecordProblem(3, "not valid JSON (Expecting value at column 1)")


@_instance("inspect.records.Records")
def _i_records(ctx):
    from metrology.inspect.records import load_records

    return load_records([ctx.get("inspection").to_dict()])


@_instance("inspect.records.Series")
def _i_series(ctx):
    from metrology.inspect.records import measurement_series

    return next(iter(measurement_series([ctx.get("inspection").to_dict()]).values()))


@_instance("inspect.rectify.RectifySpec")
def _i_rspec(ctx):
    from metrology.inspect import RectifySpec

    return RectifySpec.covering(ctx.get("plane"), (320, 240), 0.5)


@_instance("inspect.rectify.Rectifier")
def _i_rectifier(ctx):
    from metrology.inspect import Rectifier

    return Rectifier(_i_rspec(ctx), ctx.get("plane"))


@_instance("inspect.station.Station")
def _i_station(ctx):
    from metrology.inspect import StationSpec
    from metrology.inspect.station import Station

    return Station.load(StationSpec(pixel_size_mm=0.1), Path("."))


@_instance("synth.board.BoardRender")
def _i_boardrender(ctx):
    from metrology.synth.board import random_board_poses, render_board

    cam, board = ctx.get("camera"), ctx.get("board")
    r, t = random_board_poses(board, cam, 1, rng=0)[0]
    return render_board(cam, board, r, t, supersample=2)


@_instance("synth.defects.DefectSpec")
def _i_defectspec(ctx):
    return ctx.get("defects")[-1].defects[0]


@_instance("synth.defects.DefectSample")
def _i_defectsample(ctx):
    return ctx.get("defects")[-1]


@_instance("synth.demo.DemoPart")
def _i_demopart(ctx):
    from metrology.synth.demo import demo_part

    return demo_part()


@_instance("synth.demo.DemoStation")
def _i_demostation(ctx):
    from metrology.synth.demo import demo_station

    return demo_station(ctx.get("camera"), mm_per_px=0.1)   # 320x240: cheap to render


@_instance("synth.demo.DemoRender")
def _i_demorender(ctx):
    from metrology.core import Pose2D
    from metrology.synth.demo import demo_part, render_demo_part

    st = _i_demostation(ctx)
    return render_demo_part(st, demo_part(), Pose2D(*st.center_mm, 10.0), supersample=1)


@_instance("synth.parts.Part")
def _i_part(ctx):
    from metrology.synth.parts import make_part

    return make_part("bracket")


@_instance("synth.parts.PartInstance")
def _i_partinst(ctx):
    return ctx.get("scene").instances[0]


@_instance("synth.parts.PartScene")
def _i_partscene(ctx):
    return ctx.get("scene")


@_instance("synth.parts.PartTemplate")
def _i_parttpl(ctx):
    return ctx.get("template")


for _cls, _make in [("HalfPlane", lambda: ((10.0, 10.0), 30.0)),
                    ("Stripe", lambda: ((10.0, 10.0), 30.0, 5.0)),
                    ("Disk", lambda: ((10.0, 10.0), 5.0)),
                    ("Ellipse", lambda: ((10.0, 10.0), (6.0, 3.0), 20.0))]:
    def _f(ctx, _cls=_cls, _make=_make):
        from metrology.synth import shapes

        return getattr(shapes, _cls)(*_make())
    reg.instance(M + "synth.shapes." + _cls)(_f)


@_instance("synth.shapes.Union")
def _i_union(ctx):
    from metrology.synth.shapes import Disk, Union

    return Union((Disk((10.0, 10.0), 5.0), Disk((14.0, 10.0), 5.0)))


# ------------------------------------------------------------------------------------------
# explicit examples

def ex(name, **kw):
    return reg.example(M + name, **kw)


def _grid(ctx):
    y, x = np.mgrid[0:6, 0:8].astype(float)
    return x, y


# core ---------------------------------------------------------------------------------------
@ex("core.fit_line.fit_line")
def _(ctx):
    return Call(ctx.get("line_points"))


@ex("core.fit_ellipse.fit_ellipse")
def _(ctx):
    return Call(ctx.get("ellipse_points"))


@ex("core.fit_ellipse.conic_to_ellipse")
def _(ctx):
    return Call(np.array([1.0, 0.0, 4.0, -2.0, -16.0, -19.0]))


@ex("core.robust.ransac")
def _(ctx):
    return Call(ctx.get("circle_points"), "circle", 0.5, rng=0)


@ex("core.checks.as_vector")
def _(ctx):
    return Call((1.0, 2.0), "v")


@ex("core.checks.check_finite")
def _(ctx):
    return Call(1.5, "x")


@ex("core.checks.check_positive")
def _(ctx):
    return Call(1.5, "x")


@ex("core.checks.check_choice")
def _(ctx):
    return Call("a", "x", ("a", "b"))


@ex("core.distances.distance_point_line")
def _(ctx):
    return Call(ctx.get("circle_points"), (0.0, 0.0), (1.0, 0.2))


@ex("core.distances.project_point_on_line")
def _(ctx):
    return Call(ctx.get("circle_points"), (0.0, 0.0), (1.0, 0.2))


@ex("core.distances.distance_point_circle")
def _(ctx):
    return Call(ctx.get("circle_points"), (50.0, 40.0), 20.0)


@ex("core.distances.distance_point_ellipse")
def _(ctx):
    return Call(ctx.get("circle_points"), (50.0, 40.0), (25.0, 10.0), 15.0)


@ex("core.distances.closest_point_ellipse")
def _(ctx):
    return Call(ctx.get("circle_points"), (50.0, 40.0), (25.0, 10.0), 15.0)


@ex("core.intersections.intersect_lines")
def _(ctx):
    return Call((0.0, 0.0), (1.0, 0.0), (5.0, 5.0), (0.0, 1.0))


@ex("core.intersections.intersect_line_circle", nan_ok=True)   # NaN rows: documented misses
def _(ctx):
    return Call((0.0, 0.0), (1.0, 0.1), (10.0, 0.0), 4.0)


@ex("core.intersections.intersect_circles", nan_ok=True)       # NaN rows: documented misses
def _(ctx):
    return Call((0.0, 0.0), 5.0, (6.0, 0.0), 4.0)


@ex("core.intersections.angle_between_lines")
def _(ctx):
    return Call((1.0, 0.0), (1.0, 1.0))


@ex("core.pose.Pose2D.from_matrix")
def _(ctx):
    from metrology.core import Pose2D

    return Call(Pose2D(3.0, 4.0, 30.0, 1.2).matrix)


@ex("core.pose.Pose2D.from_dict")
def _(ctx):
    return Call({"x": 1.0, "y": 2.0, "angle_deg": 30.0, "scale": 1.0})


@ex("core.pose.Pose2D.almost_equal")
def _(ctx):
    from metrology.core import Pose2D

    return Call(Pose2D(5.0, -3.0, 30.0, 1.1))


for _cls, _fx in [("LineFit", "line_points"), ("CircleFit", "circle_points"),
                  ("EllipseFit", "ellipse_points")]:
    def _b(ctx, _cls=_cls):
        return Call(_inst("core." + _cls, ctx).to_dict())
    reg.example(M + f"core.results.{_cls}.from_dict")(_b)
    reg.example(M + f"core.results.{_cls}", nan_ok=True)(
        lambda ctx, _cls=_cls: Call(**{k: v for k, v in vars(
            _inst("core." + _cls, ctx)).items()}))


# image --------------------------------------------------------------------------------------
@ex("image.filters.gaussian_derivative_1d")
def _(ctx):
    return Call(np.tile(np.r_[np.zeros(10), np.ones(10)] * 100, (3, 1)), 1.5)


@ex("image.filters.gaussian_smooth_1d")
def _(ctx):
    return Call(np.tile(np.r_[np.zeros(10), np.ones(10)] * 100, (3, 1)), 1.5)


@ex("image.filters.gaussian_kernel_1d")
def _(ctx):
    return Call(1.5)


@ex("image.filters.gaussian_derivative_kernel_1d")
def _(ctx):
    return Call(1.5)


@ex("image.peaks.local_maxima")
def _(ctx):
    return Call(np.abs(np.sin(np.linspace(0, 9, 40)))[None, :], 0.5)


# width: NaN where the three samples are not concave in log space (documented marker)
@ex("image.peaks.subpixel_peaks", nan_paths=(".width",))
def _(ctx):
    v = np.exp(-0.5 * ((np.arange(20.0) - 8.3) / 1.5) ** 2)[None, :]
    return Call(v, np.array([0]), np.array([8]))


@ex("image.peaks.PeakFit", nan_ok=True)
def _(ctx):
    return Call(np.array([1.0]), np.array([2.0]), np.array([1.0]))


@ex("image.profiles.rect_calipers")
def _(ctx):
    return Call(np.array([[150.0, 40.0], [150.0, 80.0]]), np.array([[1.0, 0.0]] * 2), 20.0, 5.0)


@ex("image.profiles.ray_calipers")
def _(ctx):
    return Call((70.0, 80.0), np.full(8, 30.0), np.arange(8) * 45.0, 16.0, 4.0)


@ex("image.profiles.sample_profiles")
def _(ctx):
    return Call(ctx.get("image"), _i_calipers(ctx))


@ex("image.profiles.interpolate")
def _(ctx):
    return Call(ctx.get("image"), np.array([[10.5, 20.25], [100.0, 50.0]]))


@ex("image.profiles.Calipers.to_image")
def _(ctx):
    return Call(np.array([0, 1]), np.array([0.5, -2.0]))


@ex("image.profiles.Calipers.subset")
def _(ctx):
    return Call(np.array([True, False]))


@ex("image.pyramid.block_pyramid")
def _(ctx):
    return Call(ctx.get("image").astype(np.float32), 3)


@ex("image.pyramid.gaussian_gradients")
def _(ctx):
    return Call(ctx.get("image").astype(np.float32), 1.0)


@ex("image.pyramid.level_to_base")
def _(ctx):
    return Call(np.array([[1.0, 2.0]]), 2)


@ex("image.pyramid.base_to_level")
def _(ctx):
    return Call(np.array([[10.0, 20.0]]), 2)


for _fn in ("sample_bilinear", "sample_bilinear_exact", "sample_bicubic_exact"):
    reg.example(M + "image.pyramid." + _fn)(
        lambda ctx: Call(ctx.get("image").astype(np.float32),
                         np.array([[10.5, 20.25], [100.0, 50.0]])))


# calib --------------------------------------------------------------------------------------
@ex("calib.board.Checkerboard")
def _(ctx):
    return Call(6, 5, 10.0)


@ex("calib.board.Checkerboard.parse")
def _(ctx):
    return Call("6x5", 10.0)


@ex("calib.board.Checkerboard.from_dict")
def _(ctx):
    return Call(ctx.get("board").to_dict())


@ex("calib.board.detect_board", timeout=30)
def _(ctx):
    return Call(ctx.get("calib_images")[0], ctx.get("board"))


@ex("calib.board.refine_corners")
def _(ctx):
    import cv2

    img = ctx.get("calib_images")[0]
    ok, c = cv2.findChessboardCorners(img, (6, 5))
    return Call(img.astype(np.float32), c.reshape(-1, 2).astype(np.float64), 6, 5)


@ex("calib.board.refine_detection", timeout=30)
def _(ctx):
    from metrology.calib import detect_board

    img = ctx.get("calib_images")[0]
    return Call(img, detect_board(img, ctx.get("board"), refine=False), ctx.get("board"))


@ex("calib.board.BoardDetection.from_dict")
def _(ctx):
    return Call(_i_detection(ctx).to_dict())


@ex("calib.calibrate", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("calib_paths"), ctx.get("board"))


@ex("calib.collect_images")
def _(ctx):
    return Call(ctx.get("calib_paths"))


# null in a station file means "not computed" (documented: hold-out with < 4 views, the std of
# a degenerate parameter, a grid point outside the valid region, an unknown blur): NaN there
# is the file's own statement; every other field is checked finite on load
@ex("calib.Calibration.load", kinds={"path": "path_in"}, nan_ok=True)
def _(ctx):
    return Call(ctx.get("station_path"))


@ex("calib.Calibration.from_dict", nan_ok=True)
def _(ctx):
    return Call(ctx.get("calibration").to_dict())


@ex("calib.ViewResult", nan_ok=True)  # sharpness NaN: unknown (checked: the rest finite)
def _(ctx):
    v = ctx.get("calibration").views[0]
    return Call(v.index, v.name, v.rvec, v.tvec, v.rms_px, v.corners_xy, v.corner_ok,
                v.sharpness)


@ex("calib.ViewResult.from_dict", nan_ok=True)  # sharpness null: unknown
def _(ctx):
    return Call(ctx.get("calibration").views[0].to_dict())


@ex("calib.ProjectionUncertainty", nan_ok=True)  # sigma NaN: outside the valid region
def _(ctx):
    u = ctx.get("calibration").uncertainty
    return Call(u.rms_px, u.max_px, u.grid_xy, u.sigma_px, u.fixed_ray_rms_px)


@ex("calib.ProjectionUncertainty.from_dict", nan_ok=True)  # null sigma: outside the region
def _(ctx):
    return Call(ctx.get("calibration").uncertainty.to_dict())


@ex("calib.RejectedView.from_dict")
def _(ctx):
    return Call(_i_rejected(ctx).to_dict())


@ex("calib.opencv_yaml.write_opencv_yaml")
def _(ctx):
    return Call(str(ctx.tmp("camera.yml")), ctx.get("camera"), rms_px=0.05)


@ex("calib.opencv_yaml.read_opencv_yaml", kinds={"path": "path_in"})
def _(ctx):
    with ctx.shared_file("camera.yml") as (path, exists):
        if not exists:
            ctx.get("calibration").export_opencv_yaml(path)
    return Call(str(path))


@ex("calib.camera.CameraModel.distort_points")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.camera.CameraModel.undistort_points")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.camera.CameraModel.normalize")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.camera.CameraModel.in_valid_region")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.camera.CameraModel.undistort_image")
def _(ctx):
    return Call(ctx.get("calib_images")[0])


@ex("calib.Calibration.save")
def _(ctx):
    return Call(str(ctx.tmp("station.json")))


@ex("calib.Calibration.export_opencv_yaml")
def _(ctx):
    return Call(str(ctx.tmp("camera.yml")))


@ex("calib.Calibration.import_opencv_yaml", kinds={"path": "path_in"})
def _(ctx):
    with ctx.shared_file("camera.yml") as (path, exists):
        if not exists:
            ctx.get("calibration").export_opencv_yaml(path)
    return Call(str(path))


@ex("calib.Calibration.plane")
def _(ctx):
    return Call(0)


@ex("calib.Calibration", nan_ok=True)
def _(ctx):
    c = ctx.get("calibration")
    return Call(**{f: getattr(c, f) for f in c.__dataclass_fields__})


@ex("calib.camera.CameraModel")
def _(ctx):
    c = ctx.get("camera")
    return Call(c.K, c.dist, c.image_size)


@ex("calib.camera.CameraModel.from_dict")
def _(ctx):
    return Call(ctx.get("camera").to_dict())


@ex("calib.camera.CameraModel.project")
def _(ctx):
    return Call(np.array([[0.0, 0.0, 100.0], [10.0, 5.0, 120.0]]), np.zeros(3), np.zeros(3))


@ex("calib.camera.CameraModel.undistort_maps")
def _(ctx):
    return Call()


@ex("calib.camera.projection_difference")
def _(ctx):
    return Call(ctx.get("calibration").camera, ctx.get("camera"))


@ex("calib.plane.Plane.from_corners")
def _(ctx):
    d = _i_detection(ctx)
    return Call(ctx.get("calibration").camera, ctx.get("board"), d.corners_xy)


@ex("calib.plane.Plane.from_board")
def _(ctx):
    return Call(ctx.get("calibration").camera, ctx.get("calib_images")[0], ctx.get("board"))


@ex("calib.plane.Plane.from_dict", nan_ok=True)  # residuals null/missing: not measured
def _(ctx):
    return Call(ctx.get("plane").to_dict())


@ex("calib.plane.Plane.at_height")
def _(ctx):
    return Call(2.0)


@ex("calib.plane.Plane.to_mm")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [100.0, 90.0]]))


@ex("calib.plane.Plane.mm_per_px")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [100.0, 90.0]]))


@ex("calib.plane.Plane.to_px")
def _(ctx):
    return Call(np.array([[0.0, 0.0], [10.0, 5.0]]))


@ex("calib.plane.Plane", nan_ok=True)
def _(ctx):
    p = ctx.get("plane")
    return Call(p.camera, p.rvec, p.tvec)


# match --------------------------------------------------------------------------------------
@ex("match.ShapeModel.create", timeout=30)
def _(ctx):
    return Call(ctx.get("template").image)


@ex("match.ShapeModel.find", timeout=30)
def _(ctx):
    return Call(ctx.get("scene").image, min_score=0.6)


@ex("match.ShapeModel.find_one", timeout=30)
def _(ctx):
    return Call(ctx.get("scene").image, min_score=0.6)


@ex("match.ShapeModel.kernel_bank", timeout=30)
def _(ctx):
    return Call(2, (40, 48))


@ex("match.ShapeModel.load", kinds={"path": "path_in"})
def _(ctx):
    return Call(ctx.get("model_path"))


@ex("match.ShapeModel.save")
def _(ctx):
    return Call(str(ctx.tmp("m.model.json")))


@ex("match.ShapeModel.level_points")
def _(ctx):
    return Call(0)


@ex("match.ShapeModel.contour_xy")
def _(ctx):
    from metrology.core import Pose2D

    return Call(Pose2D(100.0, 80.0, 10.0))


@ex("match.Match.from_dict")
def _(ctx):
    # an unrefined match: fit_rms_px NaN (null in JSON) is its documented value
    from metrology.match import Match

    return Call(Match(_i_match(ctx).pose, 0.9).to_dict())


@ex("match.Match", nan_ok=True)
def _(ctx):
    from metrology.core import Pose2D

    return Call(Pose2D(1.0, 2.0, 3.0), 0.9)


@ex("match.ShapeModel")
def _(ctx):
    m = ctx.get("model")
    return Call(m._levels, template_shape=m.template_shape, origin_xy=m.origin_xy,
                angle_range_deg=m.angle_range_deg, scale_range=m.scale_range,
                polarity=m.polarity, min_contrast=m.min_contrast, value_scale=m.value_scale)


# caliper ------------------------------------------------------------------------------------
# NaN as a documented per-edge marker: an edge's position std is NaN where its erf fit failed
# and the Gaussian peak was kept (EdgeResult.std_px, EdgeSet.std_px, the tools' edge_std_px,
# a pair's std_width_px).  A hostile image (noise, 16-bit gray against an 8-bit threshold)
# yields such edges; NaN anywhere else in these results is still a finding.
_EDGE_NAN = (".std_px",)
_PAIR_NAN = (".first.std_px", ".second.std_px", ".std_width_px")
_TOOL_NAN = (".edge_std_px",)


@ex("caliper.find_line", nan_paths=_TOOL_NAN)
def _(ctx):
    return Call(ctx.get("image"), (150.0, 20.0), (150.0, 140.0), num_calipers=10)


@ex("caliper.find_ellipse", nan_paths=_TOOL_NAN)
def _(ctx):
    return Call(ctx.get("image"), (70.0, 80.0), (30.0, 30.0))


@ex("caliper.find_circle", nan_paths=_TOOL_NAN)
def _(ctx):
    return Call(ctx.get("image"), (70.0, 80.0), 30.0)


@ex("caliper.measure_edges", nan_paths=_EDGE_NAN)
def _(ctx):
    return Call(ctx.get("image"), (110.0, 80.0), (190.0, 80.0))


@ex("caliper.measure_pairs", nan_paths=_PAIR_NAN)
def _(ctx):
    return Call(ctx.get("image"), (110.0, 80.0), (190.0, 80.0))


@ex("caliper.detect_edges", nan_paths=_EDGE_NAN)
def _(ctx):
    x = np.arange(-10.0, 11.0)
    return Call(100 + 80 * (x > 0)[None, :].astype(float), x)


# from_dict of a result restores null as NaN in any field: the serialiser's contract (NaN <->
# null round-trips for every result type, tests/core/test_serial.py), not NaN made up here
@ex("caliper.EdgeResult.from_dict", nan_ok=True)
def _(ctx):
    return Call(_i_edges(ctx).to_dict())


@ex("caliper.PairResult.from_dict", nan_ok=True)
def _(ctx):
    return Call(_i_pairs(ctx).to_dict())


@ex("caliper.tool_from_dict")
def _(ctx):
    return Call(_i_circletool(ctx).to_dict())


for _cls, _nan in (("EdgeTool", _EDGE_NAN), ("EdgePairTool", _PAIR_NAN),
                   ("LineTool", _TOOL_NAN), ("CircleTool", _TOOL_NAN),
                   ("EllipseTool", _TOOL_NAN)):
    reg.example(M + f"caliper.{_cls}.measure", nan_paths=_nan)(
        lambda ctx: Call(ctx.get("image")))
    reg.example(M + f"caliper.{_cls}.from_dict")(
        lambda ctx, _cls=_cls: Call(_inst("caliper." + _cls, ctx).to_dict()))


@ex("caliper.EdgeTool")
def _(ctx):
    return Call((110.0, 80.0), (190.0, 80.0))


@ex("caliper.EdgePairTool")
def _(ctx):
    return Call((110.0, 80.0), (190.0, 80.0))


@ex("caliper.LineTool")
def _(ctx):
    return Call((150.0, 20.0), (150.0, 140.0), num_calipers=10)


@ex("caliper.curvature.blurred_disk")
def _(ctx):
    return Call(np.linspace(0, 20, 30), 10.0, 1.5)


@ex("caliper.curvature.edge_shift")
def _(ctx):
    return Call(0.05, 1.5)


for _cls in ("LineResult", "CircleResult", "EllipseResult"):
    def _c(ctx, _cls=_cls):
        r = _inst("caliper." + _cls, ctx)
        return Call(**{f: getattr(r, f) for f in r.__dataclass_fields__})
    reg.example(M + f"caliper.{_cls}", nan_ok=True)(_c)
    reg.example(M + f"caliper.{_cls}.from_dict", nan_ok=True)(   # null -> NaN, as above
        lambda ctx, _cls=_cls: Call(_inst("caliper." + _cls, ctx).to_dict()))


# anomaly ------------------------------------------------------------------------------------
@ex("anomaly.coreset.greedy_coreset")
def _(ctx):
    return Call(np.random.default_rng(0).normal(size=(200, 16)), 20)


@ex("anomaly.coreset.random_projection")
def _(ctx):
    return Call(np.random.default_rng(0).normal(size=(200, 16)), 8)


@ex("anomaly.neighbors.NearestNeighbors")
def _(ctx):
    return Call(np.random.default_rng(0).normal(size=(50, 8)))


@ex("anomaly.neighbors.NearestNeighbors.query")
def _(ctx):
    return Call(np.random.default_rng(1).normal(size=(5, 8)), 2)


@ex("anomaly.features.gaussian_kernels")
def _(ctx):
    return Call(2.0)


@ex("anomaly.features.ClassicalFeatures.from_config")
def _(ctx):
    from metrology.anomaly import ClassicalFeatures

    return Call(ClassicalFeatures().config())


@ex("anomaly.patchcore.PatchCore.fit", timeout=30)
def _(ctx):
    return Call([d.image for d in ctx.get("defects")[:3]])


@ex("anomaly.patchcore.PatchCore.load", kinds={"path": "path_in"})
def _(ctx):
    return Call(ctx.get("patchcore_path"))


@ex("anomaly.patchcore.PatchCore.save")
def _(ctx):
    return Call(str(ctx.tmp("bank.json")))


@ex("anomaly.patchcore.PatchCore.score_batch")
def _(ctx):
    return Call([d.image for d in ctx.get("defects")[3:]])


@ex("anomaly.patchcore.PatchCore.calibrate_threshold")
def _(ctx):
    return Call([ctx.get("defects")[3].image])


@ex("anomaly.threshold.calibrate_threshold")
def _(ctx):
    return Call([0.1, 0.2, 0.15, 0.3])


@ex("anomaly.threshold.auroc")
def _(ctx):
    return Call([0.1, 0.2, 0.3], [0.5, 0.25, 0.9])


@ex("anomaly.threshold.Threshold.from_dict")
def _(ctx):
    return Call(_i_threshold(ctx).to_dict())


@ex("anomaly.threshold.Threshold", nan_ok=True)
def _(ctx):
    import dataclasses

    t = _i_threshold(ctx)
    return Call(**{f.name: getattr(t, f.name) for f in dataclasses.fields(t)})


@ex("anomaly.base.AnomalyScore", nan_ok=True)
def _(ctx):
    return Call(0.5, np.zeros((8, 8), np.float32))


@ex("anomaly.describe.describe")
def _(ctx):
    return Call(ctx.get("patchcore"))


@ex("anomaly.describe.channel_states")
def _(ctx):
    return Call(ctx.get("patchcore"))


@ex("anomaly.explain.explain")
def _(ctx):
    return Call(ctx.get("patchcore"), ctx.get("defects")[-1].image)


@ex("anomaly.explain.ChannelPart")
def _(ctx):
    return Call("jet", 6.0, 4.0, (41.0, 174.0))


@ex("anomaly.explain.Explanation")
def _(ctx):
    from metrology.anomaly.explain import ChannelPart

    return Call(6.0, "colocated", (ChannelPart("jet", 6.0, 4.0, (41.0, 174.0)),
                                   ChannelPart("patch", 5.3, 0.8, (22.0, 34.0))), "jet",
                (41.0, 174.0), 0.0)


@ex("anomaly.torch_features.TorchFeatures")
def _(ctx):
    return Call(None)


# inspect ------------------------------------------------------------------------------------
@ex("inspect.recipe.Recipe.load", kinds={"path": "path_in"}, timeout=30)
def _(ctx):
    return Call(ctx.get("recipe_path"))


@ex("inspect.recipe.Recipe.from_dict")
def _(ctx):
    return Call(json.loads(Path(ctx.get("recipe_path")).read_text()),
                base_dir=str(Path(ctx.get("recipe_path")).parent))


@ex("inspect.recipe.Recipe.save")
def _(ctx):
    return Call(str(ctx.tmp("r.recipe.json")))


@ex("inspect.recipe.Recipe.run", timeout=30)
def _(ctx):
    return Call(ctx.get("scene").image)


@ex("inspect.recipe.Recipe.rectified")
def _(ctx):
    return Call(ctx.get("scene").image)


@ex("inspect.recipe.Recipe.run_many", timeout=60, kinds={"paths": "images"})
def _(ctx):
    return Call([ctx.get("scene_path")], output=str(ctx.tmp("results.jsonl")))


@ex("inspect.batch.run_many", timeout=60, kinds={"paths": "images"})
def _(ctx):
    return Call(ctx.get("recipe"), [ctx.get("scene_path")], output=str(ctx.tmp("r.jsonl")),
                progress=False)


@ex("inspect.batch.read_results", kinds={"path": "path_in"})
def _(ctx):
    with ctx.shared_file("results.jsonl") as (path, exists):
        if not exists:
            from metrology.inspect import run_many

            run_many(ctx.get("recipe"), [ctx.get("scene_path")], output=path, progress=False)
    return Call(str(path))


@ex("inspect.batch.write_csv")
def _(ctx):
    return Call([ctx.get("inspection").to_dict()], str(ctx.tmp("s.csv")))


@ex("inspect.batch.list_images", kinds={"sources": "images"})
def _(ctx):
    return Call([str(Path(ctx.get("scene_path")).parent)])


@ex("inspect.records.read_records", kinds={"path": "path_in"})
def _(ctx):
    with ctx.shared_file("records.jsonl") as (path, exists):
        if not exists:
            from metrology._serial import to_jsonable

            rec = to_jsonable(ctx.get("inspection").to_dict())
            Path(path).write_text(json.dumps(rec) + "\n")
    return Call(str(path))


@ex("inspect.records.load_records")
def _(ctx):
    return Call([ctx.get("inspection").to_dict()])


@ex("inspect.records.measurement_series", nan_ok=True)   # NaN: no value (documented)
def _(ctx):
    return Call([ctx.get("inspection").to_dict()], order="file")


@ex("inspect.records.natural_key")
def _(ctx):
    return Call("part_10.png")


@ex("inspect.result.InspectionResult.from_dict")
def _(ctx):
    return Call(ctx.get("inspection").to_dict())


@ex("inspect.result.InspectionResult.measurement")
def _(ctx):
    return Call(ctx.get("inspection").measurements[0].name)


@ex("inspect.result.InspectionResult.overlay")
def _(ctx):
    return Call(ctx.get("scene").image)


@ex("inspect.result.InspectionResult", nan_ok=True)
def _(ctx):
    return Call("a.png", "pass")


@ex("inspect.measure.MeasurementResult.from_dict")
def _(ctx):
    return Call(ctx.get("inspection").measurements[0].to_dict())


@ex("inspect.measure.MeasurementResult", nan_ok=True)
def _(ctx):
    return Call("d", "diameter", "mm", 3.0)


@ex("inspect.spec.MeasurementSpec.from_dict")
def _(ctx):
    return Call({"name": "hole_d", "type": "diameter", "feature": "hole", "nominal_mm": 2.8,
                 "tolerance_mm": 0.05}, "measurements[0]")


@ex("inspect.spec.parse_measurement")
def _(ctx):
    return Call({"name": "hole_d", "type": "diameter", "feature": "hole", "nominal_mm": 2.8,
                 "tolerance_mm": 0.05}, "measurements[0]")


@ex("inspect.spec.parse_tool")
def _(ctx):
    return Call({"name": "hole", "type": "circle", "center_xy": [-55.0, -20.0],
                 "radius": 14.0}, "tools[0]")


@ex("inspect.spec.tool_to_dict")
def _(ctx):
    return Call(_i_circletool(ctx))


@ex("inspect.spec.tool_kind")
def _(ctx):
    return Call(_i_circletool(ctx))


@ex("inspect.spec.MeasurementSpec")
def _(ctx):
    return Call("hole_d", "diameter", ("hole",))


@ex("inspect.spec.Tolerance")
def _(ctx):
    return Call(3.0, -0.05, 0.05)


@ex("inspect.spec.Tolerance.check")
def _(ctx):
    return Call(3.01)


@ex("inspect.spec.Tolerance.from_dict")
def _(ctx):
    return Call({"nominal_mm": 3.0, "tolerance_mm": 0.05}, "m", "mm")


@ex("inspect.spec.Datum")
def _(ctx):
    return Call("left", "bottom", "hole")


@ex("inspect.spec.Datum.from_dict")
def _(ctx):
    return Call({"origin": "left", "x_axis": "bottom", "y_towards": "hole"}, "datum")


@ex("inspect.station.StationSpec.from_dict")
def _(ctx):
    return Call({"pixel_size_mm": 0.1})


@ex("inspect.station.ScalePlane")
def _(ctx):
    return Call(0.1)


@ex("inspect.station.ScalePlane.to_mm")
def _(ctx):
    return Call(np.array([[10.0, 20.0]]))


@ex("inspect.station.ScalePlane.to_px")
def _(ctx):
    return Call(np.array([[1.0, 2.0]]))


@ex("inspect.station.Station.load")
def _(ctx):
    from metrology.inspect import StationSpec

    return Call(StationSpec(calibration=ctx.get("station_path"),
                            plane={"file": ctx.get("plane_path")}), Path("/"))


@ex("inspect.station.Station.check_image")
def _(ctx):
    return Call(ctx.get("image"))


@ex("inspect.station.save_plane")
def _(ctx):
    return Call(ctx.get("plane"), str(ctx.tmp("plane.json")))


# a plane's residuals are null/missing in a file when not measured (NaN, documented; as
# calib.plane.Plane.from_dict)
@ex("inspect.station.load_plane", kinds={"path": "path_in"},
    nan_paths=(".residual_rms_mm", ".residual_max_mm"))
def _(ctx):
    return Call(ctx.get("plane_path"))


@ex("inspect.recipe.MatchSpec")
def _(ctx):
    return Call("part.model.json", min_score=0.6)


@ex("inspect.recipe.MatchSpec.from_dict")
def _(ctx):
    return Call({"file": "part.model.json", "min_score": 0.6})


@ex("inspect.recipe.AnomalySpec")
def _(ctx):
    return Call(0.5, bank="bank.json")


@ex("inspect.recipe.AnomalySpec.from_dict")
def _(ctx):
    return Call({"bank": "bank.json", "threshold": 0.5})


@ex("inspect.rectify.RectifySpec")
def _(ctx):
    return Call(0.5, (-10.0, -10.0), (64, 48))


@ex("inspect.rectify.RectifySpec.from_dict")
def _(ctx):
    return Call({"mm_per_px": 0.5, "origin_mm": [-10.0, -10.0], "size_px": [64, 48]})


@ex("inspect.rectify.RectifySpec.covering")
def _(ctx):
    return Call(ctx.get("plane"), (320, 240), 0.5)


@ex("inspect.rectify.RectifySpec.to_mm")
def _(ctx):
    return Call(np.array([[10.0, 20.0]]))


@ex("inspect.rectify.RectifySpec.to_rect")
def _(ctx):
    return Call(np.array([[1.0, 2.0]]))


@ex("inspect.rectify.Rectifier")
def _(ctx):
    return Call(_i_rspec(ctx), ctx.get("plane"))


@ex("inspect.rectify.Rectifier.image")
def _(ctx):
    return Call(ctx.get("calib_images")[0])


@ex("inspect.rectify.Rectifier.to_raw")
def _(ctx):
    return Call(np.array([[10.0, 20.0]]))


@ex("inspect.rectify.Rectifier.place")
def _(ctx):
    return Call(_i_circletool(ctx))


@ex("inspect.features.circle_feature")
def _(ctx):
    return Call("hole", ctx.get("circle_points"), "mm")


@ex("inspect.features.line_feature")
def _(ctx):
    return Call("edge", ctx.get("line_points"), "mm")


@ex("inspect.features.ellipse_feature")
def _(ctx):
    return Call("e", ctx.get("ellipse_points"), "mm")


@ex("inspect.features.pair_feature")
def _(ctx):
    p = ctx.get("line_points")
    return Call("web", p, p + [0.0, 5.0], "mm")


@ex("caliper.features.CircleFeature.with_params")
def _(ctx):
    return Call(_i_feature(ctx).params + 1.0)



def _feats(ctx):
    from metrology.inspect.features import circle_feature, line_feature

    return {"hole": circle_feature("hole", ctx.get("circle_points"), "mm"),
            "left": line_feature("left", ctx.get("line_points"), "mm")}


@ex("inspect.measure.evaluate")
def _(ctx):
    return Call(ctx.get("recipe").measurements[0], _feats(ctx))


@ex("inspect.measure.measure")
def _(ctx):
    return Call(ctx.get("recipe").measurements[1], _feats(ctx))



@ex("inspect.tools.run_tool")
def _(ctx):
    from metrology.core import Pose2D

    return Call(_i_circletool(ctx), ctx.get("image"), Pose2D())



@ex("inspect.demo.run_demo", timeout=180, sample=0, expensive=True)   # ~30 s a call
def _(ctx):
    return Call(str(ctx.tmp("demo")), n_parts=1, as_json=True)


@ex("inspect.demo.build_demo_recipe")
def _(ctx):
    from metrology.core import Pose2D
    from metrology.synth.demo import demo_part

    st = _i_demostation(ctx)
    return Call(st, demo_part(), Pose2D(*st.center_mm, 0.0), np.array([50.0, 40.0]), (0, 0))


# viz ----------------------------------------------------------------------------------------
@ex("viz.anomaly.anomaly_heatmap")
def _(ctx):
    return Call(np.random.default_rng(0).random((32, 32)).astype(np.float32))


@ex("viz.anomaly.draw_anomaly")
def _(ctx):
    return Call(ctx.get("defects")[-1].image, _i_anscore(ctx))


@ex("viz.calib.draw_calibration_report", timeout=30)
def _(ctx):
    return Call(ctx.get("calibration"), width=600)


@ex("viz.calib.save_calibration_report", timeout=30)
def _(ctx):
    return Call(ctx.get("calibration"), str(ctx.tmp("report.png")), width=600)


@ex("viz.calib.draw_board_detection")
def _(ctx):
    return Call(ctx.get("calib_images")[0], _i_detection(ctx))


@ex("viz.caliper.draw_calipers")
def _(ctx):
    return Call(ctx.get("image"), _i_calipers(ctx))


@ex("viz.caliper.draw_edge_points")
def _(ctx):
    return Call(ctx.get("image"), ctx.get("circle_points"))


@ex("viz.caliper.draw_caliper_result")
def _(ctx):
    return Call(ctx.get("image"), _i_circleres(ctx))


@ex("viz.inspect.draw_inspection")
def _(ctx):
    return Call(ctx.get("scene").image, ctx.get("inspection"))


@ex("viz.inspect.render_inspection")
def _(ctx):
    return Call(ctx.get("scene").image, ctx.get("inspection"), panel="below")


@ex("viz.inspect.failure_reason")
def _(ctx):
    from metrology.inspect import MeasurementResult

    return Call(MeasurementResult("w", "width", "mm", 2.541, nominal=2.5, min=2.47, max=2.53,
                                  passed=False))


@ex("viz.match.draw_matches")
def _(ctx):
    return Call(ctx.get("scene").image, ctx.get("model"), [_i_match(ctx)])


# synth --------------------------------------------------------------------------------------
@ex("synth.render.finish_image")
def _(ctx):
    return Call(np.full((16, 16), 100.0))


@ex("synth.render.fine_grid")
def _(ctx):
    return Call((8, 10), 2)


@ex("synth.render.render_scene")
def _(ctx):
    return Call(lambda X, Y: 100.0 + 50.0 * (X > 5), (12, 16), supersample=2)


@ex("synth.board.render_board", timeout=30)
def _(ctx):
    from metrology.synth.board import random_board_poses

    cam, board = ctx.get("camera"), ctx.get("board")
    r, t = random_board_poses(board, cam, 1, rng=0)[0]
    return Call(cam, board, r, t, supersample=2)


@ex("synth.board.random_board_poses")
def _(ctx):
    return Call(ctx.get("board"), ctx.get("camera"), 2)


@ex("synth.board.look_at_pose")
def _(ctx):
    return Call((0.0, 0.0, -300.0), (0.0, 0.0, 0.0))


@ex("synth.defects.brushed_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.peened_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.honed_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.cast_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.blasted_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.milled_texture")
def _(ctx):
    return Call((32, 32), rng=0)


@ex("synth.surfaces.make_texture")
def _(ctx):
    return Call("milled", (32, 32), np.random.default_rng(0), 0.0)


@ex("synth.defects.texture_patch")
def _(ctx):
    from metrology.synth.defects import brushed_texture

    return Call(brushed_texture((64, 64), rng=0), (32, 32), rng=0)


@ex("synth.defects.render_defect_sample")
def _(ctx):
    return Call((64, 64), "scratch", rng=0, supersample=2)


@ex("synth.defects.make_defect_set", timeout=30)
def _(ctx):
    return Call(2, ["spot"], 1, shape=(64, 64), supersample=2)


@ex("synth.defects.paste_defects")
def _(ctx):
    return Call(np.full((64, 64), 120, np.uint8), "spot", rng=0)


@ex("synth.defects.DefectSpec")
def _(ctx):
    return Call("spot", (10.0, 10.0), 5.0, 0.0, 20.0)


@ex("synth.colour.tint")
def _(ctx):
    return Call("gold")


@ex("synth.colour.colourise")
def _(ctx):
    return Call(np.full((48, 64), 120, np.uint8), "blue", rng=0)


@ex("synth.colour.discolour")
def _(ctx):
    mask = np.zeros((48, 64), bool)
    mask[10:30, 20:40] = True
    return Call(np.full((48, 64, 3), 120, np.uint8), mask, "steel", rng=0)


@ex("synth.demo.demo_station")
def _(ctx):
    return Call(ctx.get("camera"), mm_per_px=0.1)


@ex("synth.demo.render_demo_part", timeout=30)
def _(ctx):
    from metrology.core import Pose2D
    from metrology.synth.demo import demo_part

    st = _i_demostation(ctx)
    return Call(st, demo_part(), Pose2D(*st.center_mm, 10.0), supersample=1)


@ex("synth.demo.render_plane_board", timeout=30)
def _(ctx):
    return Call(_i_demostation(ctx), supersample=1)


@ex("synth.demo.DemoStation.project")
def _(ctx):
    return Call(np.array([[0.0, 0.0], [5.0, 2.0]]))


@ex("synth.demo.DemoPart.hole")
def _(ctx):
    return Call("hole_a")


@ex("synth.demo.DemoPart.material")
def _(ctx):
    u, v = np.meshgrid(np.linspace(-12, 12, 8), np.linspace(-8, 8, 6))
    return Call(u, v, 0.05)


@ex("synth.demo.DemoHole")
def _(ctx):
    return Call("h", 1.0, 2.0, 3.0)


@ex("synth.parts.make_part")
def _(ctx):
    return Call("gear")


@ex("synth.parts.render_template")
def _(ctx):
    return Call("lpart", supersample=2)


@ex("synth.parts.render_part_scene", timeout=30)
def _(ctx):
    from metrology.core import Pose2D

    return Call("bracket", [Pose2D(120.0, 90.0, 10.0)], shape=(180, 240), supersample=2)


@ex("synth.parts.random_pose")
def _(ctx):
    from metrology.synth.parts import make_part

    return Call(np.random.default_rng(0), make_part("bracket"), (300, 400))


@ex("synth.parts.random_poses")
def _(ctx):
    from metrology.synth.parts import make_part

    return Call(np.random.default_rng(0), make_part("bracket"), (400, 500), 2)


@ex("synth.parts.contour_samples")
def _(ctx):
    from metrology.synth.parts import make_part

    return Call(make_part("bracket"))


@ex("synth.parts.Part")
def _(ctx):
    return Call("sq", np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]))


@ex("synth.parts.PartInstance")
def _(ctx):
    from metrology.core import Pose2D

    return Call("bracket", Pose2D(1.0, 2.0, 3.0))


@ex("synth.parts.PartScene", nan_ok=True)
def _(ctx):
    return Call(np.zeros((8, 8), np.uint8), ())


@ex("synth.parts.PartTemplate", nan_ok=True)
def _(ctx):
    return Call(np.zeros((8, 8), np.uint8), (3.5, 3.5), "x")


@ex("synth.shapes.render_shapes")
def _(ctx):
    from metrology.synth.shapes import Disk

    return Call([(Disk((16.0, 12.0), 6.0), 100.0)], (24, 32), supersample=2)


@ex("synth.shapes.square_coverage")
def _(ctx):
    return Call(np.linspace(-1, 1, 5), 1.0, 0.0, 1.0)


@ex("synth.shapes.disk_with_burrs")
def _(ctx):
    return Call((20.0, 20.0), 10.0, [(30.0, 2.0)])


for _cls in ("HalfPlane", "Stripe", "Disk", "Ellipse", "Union"):
    def _cov(ctx):
        X, Y = _grid(ctx)
        return Call(X, Y, 1.0)
    reg.example(M + f"synth.shapes.{_cls}.coverage")(_cov)

reg.example(M + "synth.shapes.HalfPlane")(lambda ctx: Call((10.0, 10.0), 30.0))
reg.example(M + "synth.shapes.Stripe")(lambda ctx: Call((10.0, 10.0), 30.0, 5.0))
reg.example(M + "synth.shapes.Disk")(lambda ctx: Call((10.0, 10.0), 5.0))
reg.example(M + "synth.shapes.Ellipse")(lambda ctx: Call((10.0, 10.0), (6.0, 3.0), 20.0))
reg.example(M + "synth.shapes.Union")(lambda ctx: Call((_i_union(ctx),)))


# testing ------------------------------------------------------------------------------------
def _draw(strategy):
    """Strategies are lazy: draw one example so bad arguments surface."""
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return strategy.example()


try:
    from hypothesis.strategies import SearchStrategy

    reg.after_return(SearchStrategy, _draw)
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


@ex("testing.assertions.assert_points_close", raises=(AssertionError,))
def _(ctx):
    return Call([[0.0, 0.0]], [[0.0, 0.001]], max_px=0.01)


@ex("testing.assertions.assert_pose_close", raises=(AssertionError,))
def _(ctx):
    from metrology.core import Pose2D

    return Call(Pose2D(1.0, 2.0, 3.0), Pose2D(1.0, 2.0, 3.0))


for _cls in ("LineSample", "CircleSample", "EllipseSample"):
    reg.example(M + f"testing.strategies.{_cls}", nan_ok=True)(
        lambda ctx, _cls=_cls: Call(*[None] * {"LineSample": 5, "CircleSample": 6,
                                               "EllipseSample": 6}[_cls]))




@ex("anomaly.base.is_scorer")
def _(ctx):
    return Call(ctx.get("patchcore"))


@ex("anomaly.neighbors.NearestNeighbors.check_method")
def _(ctx):
    return Call("auto")


@ex("anomaly.torch_features.TorchFeatures.from_config")
def _(ctx):
    return Call({"weights": None, "arch": "resnet18"})


@ex("core.pose.Pose2D.apply_vectors")
def _(ctx):
    return Call(np.array([[1.0, 0.0], [0.0, 2.0]]))


@ex("inspect.recipe.Recipe")
def _(ctx):
    r = ctx.get("recipe")
    return Call(r.tools, r.measurements, station=r.station, model=r.model, name="r",
                base_dir=str(Path(ctx.get("recipe_path")).parent))


@ex("inspect.station.Station")
def _(ctx):
    from metrology.inspect import ScalePlane

    return Call(ScalePlane(0.1), None, {})



for _mod in ("calib", "caliper", "inspect", "match", "anomaly", "teach"):
    reg.example(M + f"{_mod}.cli.register")(
        lambda ctx: Call(__import__("argparse").ArgumentParser().add_subparsers()))


# teach and drawn parts --------------------------------------------------------------------
@reg.fixture("teach_part")
def _teach_part(ctx):
    """A 30 x 20 mm plate with a 6 mm hole (part-frame mm)."""
    from metrology.teach.geometry import Arc, Loop, PartGeometry

    outer = PartGeometry.from_polygons([[0, 0], [30, 0], [30, 20], [0, 20]])
    return PartGeometry(outer.outline, (Loop((Arc((10.0, 10.0), 3.0, 0.0, 360.0),)),))


@reg.fixture("teach_dxf")
def _teach_dxf(ctx):
    """The same plate as a DXF drawing (mm; LINEs and a CIRCLE)."""
    with ctx.shared_file("plate.dxf") as (path, exists):
        if not exists:
            import ezdxf

            doc = ezdxf.new("R2010", units=4)
            msp = doc.modelspace()
            pts = [(0, 0), (30, 0), (30, 20), (0, 20), (0, 0)]
            for a, b in zip(pts, pts[1:]):
                msp.add_line(a, b)
            msp.add_circle((10, 10), 3.0)
            tmp = path.with_name("plate.tmp.dxf")
            doc.saveas(tmp)
            tmp.replace(path)
    return str(path)


@reg.fixture("teach_golden")
def _teach_golden(ctx):
    """The plate rendered at 0.1 mm/px (480 x 360), turned 8 deg."""
    from metrology.core import Pose2D
    from metrology.synth.drawn import ScaleStation, render_drawn_part

    return render_drawn_part(ScaleStation(0.1, (480, 360)), ctx.get("teach_part"),
                             Pose2D(8.0, 6.0, 8.0), rng=0).image


@ex("teach.build.recipe_from_dxf", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("teach_dxf"), station=0.1)


@ex("teach.build.teach_recipe", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("teach_golden"), station=0.1)


@ex("inspect.recipe.Recipe.teach", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("teach_golden"), station=0.1)


@ex("inspect.recipe.Recipe.from_dxf", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("teach_dxf"), station=0.1)


@ex("teach.build.TeachOptions")
def _(ctx):
    return Call(pair_max_px=30.0, min_score=0.6)


@ex("teach.dxf.read_dxf")
def _(ctx):
    return Call(ctx.get("teach_dxf"))


@ex("teach.show.describe_recipe")
def _(ctx):
    return Call(ctx.get("recipe"))


@ex("teach.show.show_recipe")
def _(ctx):
    return Call(ctx.get("recipe"))


@ex("teach.tolerances.general_tolerance")
def _(ctx):
    return Call(25.0, "linear", "m")


@ex("teach.tolerances.ToleranceRule")
def _(ctx):
    return Call("f")


@_instance("teach.tolerances.ToleranceRule")
def _i_tolerance_rule(ctx):
    from metrology.teach.tolerances import ToleranceRule

    return ToleranceRule("m")


@ex("teach.tolerances.ToleranceRule.deviation")
def _(ctx):
    return Call(25.0, "linear")


@ex("teach.tolerances.parse_tolerance")
def _(ctx):
    return Call("ISO2768-m")


@ex("synth.drawn.ScaleStation")
def _(ctx):
    return Call(0.1, (400, 300))


@_instance("synth.drawn.ScaleStation")
def _i_scale_station(ctx):
    from metrology.synth.drawn import ScaleStation

    return ScaleStation(0.1, (480, 360))


@ex("synth.drawn.ScaleStation.project")
def _(ctx):
    return Call(np.array([[1.0, 2.0], [3.0, 4.0]]))


@ex("synth.drawn.ScaleStation.to_mm")
def _(ctx):
    return Call(np.array([[10.0, 20.0], [30.0, 40.0]]))


@ex("synth.drawn.station_mm_per_px")
def _(ctx):
    return Call(_inst("synth.drawn.ScaleStation", ctx))


@ex("synth.drawn.render_drawn_part", timeout=30)
def _(ctx):
    from metrology.core import Pose2D

    return Call(_inst("synth.drawn.ScaleStation", ctx), ctx.get("teach_part"),
                Pose2D(8.0, 6.0, 8.0))


@ex("synth.drawn.render_drawn_template", timeout=30)
def _(ctx):
    return Call(ctx.get("teach_part"), 0.1)


# ------------------------------------------------------------------------------------------
# command line: a valid invocation of every subcommand (argv without the program name)

def _saved_png(ctx, name: str, fixture: str, attr: str | None = "image") -> str:
    with ctx.shared_file(name) as (path, exists):
        if not exists:
            obj = ctx.get(fixture)
            _png(path, getattr(obj, attr) if attr else obj)
    return str(path)


def _defect_paths(ctx) -> list[str]:
    out = []
    for i, d in enumerate(ctx.get("defects")):
        with ctx.shared_file(f"defect_{i}.png") as (path, exists):
            if not exists:
                _png(path, d.image)
        out.append(str(path))
    return out


@reg.cli("calibrate", timeout=60)
def _cli_calibrate(ctx):
    return ["calibrate", *ctx.get("calib_paths"), "--board", "6x5", "--square-mm", "10",
            "-o", str(ctx.tmp("station.json")), "--no-holdout", "-q"]


@reg.cli("undistort")
def _cli_undistort(ctx):
    return ["undistort", ctx.get("station_path"), ctx.get("calib_paths")[0], "-o",
            str(ctx.tmp("und.png"))]


@reg.cli("model", "create")
def _cli_model_create(ctx):
    return ["model", "create", _saved_png(ctx, "template.png", "template"), "-o",
            str(ctx.tmp("m.model.json"))]


@reg.cli("find")
def _cli_find(ctx):
    return ["find", ctx.get("scene_path"), "--model", ctx.get("model_path"),
            "--min-score", "0.6"]


@reg.cli("measure")
def _cli_measure(ctx):
    return ["measure", _saved_png(ctx, "shapes.png", "image", None), "--circle", "70,80,30"]


@reg.cli("anomaly", "fit", timeout=60)
def _cli_anomaly_fit(ctx):
    paths = _defect_paths(ctx)
    return ["anomaly", "fit", *paths[:3], "-o", str(ctx.tmp("bank.json")),
            "--coreset-ratio", "0.25"]


@reg.cli("anomaly", "score")
def _cli_anomaly_score(ctx):
    return ["anomaly", "score", _defect_paths(ctx)[-1], "--bank", ctx.get("patchcore_path")]


@reg.cli("inspect", timeout=60)
def _cli_inspect(ctx):
    return ["inspect", ctx.get("recipe_path"), ctx.get("scene_path"), "-o",
            str(ctx.tmp("results.jsonl"))]


@reg.cli("demo", timeout=240)
def _cli_demo(ctx):
    return ["demo", "--out", str(ctx.tmp("demo")), "--parts", "1", "--json"]


@ex("core.checks.check_bool")
def _(ctx):
    return Call(True, "flag")


@ex("core.checks.check_int")
def _(ctx):
    return Call(3, "n", min=1, max=10)


@ex("cli.main", raises=(SystemExit,))          # --help / usage errors: argparse's SystemExit
def _(ctx):
    return Call([])


@_instance("caliper.features.LineFeature")
def _i_linefeature(ctx):
    from metrology.inspect.features import line_feature

    return line_feature("edge", ctx.get("line_points"), "mm")


@_instance("caliper.features.EllipseFeature")
def _i_ellipsefeature(ctx):
    from metrology.inspect.features import ellipse_feature

    return ellipse_feature("e", ctx.get("ellipse_points"), "mm")


@_instance("caliper.features.PairFeature")
def _i_pairfeature(ctx):
    from metrology.inspect.features import pair_feature

    p = ctx.get("line_points")
    return pair_feature("web", p, p + [0.0, 5.0], "mm")


for _cls in ("LineFeature", "EllipseFeature", "PairFeature"):
    reg.example(M + f"caliper.features.{_cls}.with_params")(
        lambda ctx, _cls=_cls: Call(_inst("caliper.features." + _cls, ctx).params + 0.5))


@_instance("caliper.EdgeSettings")
def _i_edgesettings(ctx):
    from metrology.caliper import EdgeSettings

    return EdgeSettings(sigma=1.5, threshold=25.0)


@_instance("caliper.FitSettings")
def _i_fitsettings(ctx):
    from metrology.caliper import FitSettings

    return FitSettings()


@ex("caliper.EdgeSettings.with_defaults")
def _(ctx):
    return Call(transition="any", select="all")


for _shape, _make in [("Circle", lambda ctx: _i_circletool(ctx).outline()),
                      ("Segment", lambda ctx: _i_linetool(ctx).outline()),
                      ("Ellipse", lambda ctx: _i_elltool(ctx).outline())]:
    def _shape_inst(ctx, _shape=_shape, _make=_make):
        from metrology.caliper import shapes

        found = [s for s in _make(ctx) if isinstance(s, getattr(shapes, _shape))]
        return found[0]
    reg.instance(M + f"caliper.shapes.{_shape}")(_shape_inst)


@_instance("caliper.shapes.Polygons")
def _i_polygons(ctx):
    from metrology.caliper.shapes import Polygons

    return Polygons(np.array([[[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]]))


@_instance("caliper.shapes.Markers")
def _i_markers(ctx):
    from metrology.caliper.shapes import Markers

    return Markers(ctx.get("circle_points"))


@_instance("match.result.Matches")
def _i_matches(ctx):
    return ctx.get("model").find(ctx.get("scene").image, min_score=0.6)


@_instance("match.result.SearchStats")
def _i_searchstats(ctx):
    return _i_matches(ctx).stats


@ex("match.result.SearchStats.from_dict")
def _(ctx):
    return Call(_i_searchstats(ctx).to_dict())


@_instance("match.fields.SearchImage")
def _i_searchimage(ctx):
    from metrology.match import SearchImage

    return SearchImage(ctx.get("scene").image)


@ex("match.fields.SearchImage")
def _(ctx):
    return Call(ctx.get("scene").image)


for _fn in ("gradients", "cached_gradients"):
    reg.example(M + "match.fields.SearchImage." + _fn)(lambda ctx: Call(1, 1.0))


@ex("match.fields.SearchImage.level")
def _(ctx):
    return Call(1)


# ------------------------------------------------------------------------------------------
# stations (issue 17): id'd boards, telecentric cameras, rigs of several cameras

@reg.fixture("charuco")
def _charuco(ctx):
    from metrology.calib import CharucoBoard

    return CharucoBoard(7, 5, 25.0, 18.0)


@reg.fixture("marker_board")
def _marker_board(ctx):
    from metrology.calib import MarkerCheckerboard

    return MarkerCheckerboard(7, 5, 15.0)


@reg.fixture("charuco_image")
def _charuco_image(ctx):
    """The ChArUco board seen whole by the 320x240 ``camera`` at 380 mm."""
    from metrology.synth.targets import board_pose_towards, render_target

    cam, b = ctx.get("camera"), ctx.get("charuco")
    r, t = board_pose_towards(cam, b, (160.0, 120.0), distance_mm=380.0, tilt_deg=(10.0, -8.0))
    return render_target(cam, b, r, t, supersample=2).image


@reg.fixture("marker_image")
def _marker_image(ctx):
    from metrology.synth.targets import board_pose_towards, render_target

    cam, b = ctx.get("camera"), ctx.get("marker_board")
    r, t = board_pose_towards(cam, b, (160.0, 120.0), distance_mm=240.0, tilt_deg=(8.0, 5.0))
    return render_target(cam, b, r, t, supersample=2).image


@reg.fixture("tele_camera")
def _tele_camera(ctx):
    from metrology.synth.stations import telecentric_camera

    return telecentric_camera((320, 240), mm_per_px=0.08)


@reg.fixture("tele_board")
def _tele_board(ctx):
    from metrology.calib import Checkerboard

    return Checkerboard(11, 8, 1.5)


@reg.fixture("tele_paths")
def _tele_paths(ctx):
    """5 rendered views of the telecentric station (320x240), shared by all workers."""
    from metrology.synth.targets import render_target, target_poses

    with ctx.shared_file("tele") as (folder, exists):
        if not exists:
            tmp = folder.with_name("tele.tmp")
            tmp.mkdir(exist_ok=True)
            cam, b = ctx.get("tele_camera"), ctx.get("tele_board")
            for i, (r, t) in enumerate(target_poses(cam, b, 5, rng=1)):
                _png(tmp / f"tele_{i}.png", render_target(cam, b, r, t, supersample=2,
                                                          rng=i).image)
            tmp.rename(folder)
    return sorted(str(p) for p in folder.glob("*.png"))


@reg.fixture("tele_station_path")
def _tele_station_path(ctx):
    from metrology.calib import calibrate_telecentric

    paths = ctx.get("tele_paths")
    with ctx.shared_file("tele_station.json") as (path, exists):
        if not exists:
            calibrate_telecentric(paths, ctx.get("tele_board"), holdout=False).save(path)
    return str(path)


@reg.fixture("tele_calibration")
def _tele_calibration(ctx):
    from metrology.calib import TelecentricCalibration

    return TelecentricCalibration.load(ctx.get("tele_station_path"))


@reg.fixture("rig_paths")
def _rig_paths(ctx):
    """Two 320x240 cameras 60 mm apart, 5 scenes of the ChArUco board: ``{camera: paths}``."""
    import cv2

    from metrology.calib.rig import pose_matrix
    from metrology.synth.stations import two_camera_rig
    from metrology.synth.targets import render_target

    with ctx.shared_file("rig") as (folder, exists):
        if not exists:
            tmp = folder.with_name("rig.tmp")
            tmp.mkdir(exist_ok=True)
            cams, T_B_A = two_camera_rig((320, 240), baseline_mm=60.0, fx=400.0)
            b = ctx.get("charuco")
            rng = np.random.default_rng(3)
            c = np.array([(b.cols - 1) * b.square_mm / 2, (b.rows - 1) * b.square_mm / 2, 0])
            for s in range(5):
                R = pose_matrix(np.radians(rng.uniform(-25, 25, 3) * [1, 1, 0.5]), np.zeros(3))
                centre = np.array([30.0 + rng.uniform(-30, 30), rng.uniform(-20, 20),
                                   rng.uniform(330, 380)])
                T = R.copy()
                T[:3, 3] = centre - R[:3, :3] @ c
                for name, TT in (("A", T), ("B", T_B_A @ T)):
                    img = render_target(cams[name], b, cv2.Rodrigues(TT[:3, :3])[0].ravel(),
                                        TT[:3, 3], supersample=2, rng=s).image
                    _png(tmp / f"{name}_{s}.png", img)
            tmp.rename(folder)
    return {n: sorted(str(p) for p in folder.glob(f"{n}_*.png")) for n in ("A", "B")}


@reg.fixture("rig_station_path")
def _rig_station_path(ctx):
    from metrology.calib import calibrate_rig

    paths = ctx.get("rig_paths")
    with ctx.shared_file("rig.json") as (path, exists):
        if not exists:
            calibrate_rig(paths, ctx.get("charuco")).save(path)
    return str(path)


@reg.fixture("rig")
def _rig(ctx):
    from metrology.calib import RigCalibration

    return RigCalibration.load(ctx.get("rig_station_path"))


def _multicam_doc(ctx):
    return {"name": "two cameras", "rig": Path(ctx.get("rig_station_path")).name,
            "plane": {"scene": "0"},
            "cameras": {"A": {"tools": [{"name": "edge_a", "type": "line",
                                         "p0_xy": [100, 60], "p1_xy": [100, 180]}]},
                        "B": {"tools": [{"name": "edge_b", "type": "line",
                                         "p0_xy": [220, 60], "p1_xy": [220, 180]}]}},
            "measurements": [{"name": "gap", "type": "distance", "from": "edge_a",
                              "to": "edge_b"}]}


@reg.fixture("multicam_recipe_path")
def _multicam_recipe_path(ctx):
    import json

    ctx.get("rig_station_path")
    with ctx.shared_file("two.multicam.json") as (path, exists):
        if not exists:
            doc = {"format": "metrology.multicam_recipe", "version": 1, **_multicam_doc(ctx)}
            tmp = path.with_name("two.multicam.tmp")
            tmp.write_text(json.dumps(doc))
            tmp.rename(path)
    return str(path)


@_instance("calib.targets.CharucoBoard")
def _i_charuco(ctx):
    return ctx.get("charuco")


@_instance("calib.targets.MarkerCheckerboard")
def _i_marker_board(ctx):
    return ctx.get("marker_board")


@_instance("calib.telecentric.TelecentricCamera")
def _i_tele_camera(ctx):
    return ctx.get("tele_camera")


@_instance("calib.telecentric.TelecentricPlane")
def _i_tele_plane(ctx):
    return ctx.get("tele_calibration").plane(0)


@_instance("calib.telecentric_calib.TelecentricCalibration")
def _i_tele_calibration(ctx):
    return ctx.get("tele_calibration")


@_instance("calib.rig.RigCalibration")
def _i_rig(ctx):
    return ctx.get("rig")


@_instance("calib.rig.RigView")
def _i_rig_view(ctx):
    return ctx.get("rig").views[0]


@_instance("calib.rig.RelativePose")
def _i_relative_pose(ctx):
    return ctx.get("rig").relative_pose("A", "B")


@_instance("inspect.multicam.MultiCameraRecipe")
def _i_multicam(ctx):
    from metrology.inspect import MultiCameraRecipe

    return MultiCameraRecipe.load(ctx.get("multicam_recipe_path"))


@_instance("synth.stations.PlaneView")
def _i_plane_view(ctx):
    from metrology.synth.stations import plane_view

    return plane_view(ctx.get("tele_camera"), tilt_deg=(3.0, -2.0), center_mm=(7.5, 5.0))


@_instance("synth.targets.TargetRender")
def _i_target_render(ctx):
    from metrology.synth.targets import board_pose_towards, render_target

    cam, b = ctx.get("camera"), ctx.get("charuco")
    r, t = board_pose_towards(cam, b, (160.0, 120.0), distance_mm=380.0)
    return render_target(cam, b, r, t, supersample=1)


@ex("calib.targets.CharucoBoard")
def _(ctx):
    return Call(7, 5, 25.0, 18.0)


@ex("calib.targets.CharucoBoard.from_dict")
def _(ctx):
    return Call(ctx.get("charuco").to_dict())


# a detection of part of a board: unseen corners are NaN with corner_ok False
@ex("calib.targets.CharucoBoard.detect", timeout=30, nan_ok=True)
def _(ctx):
    return Call(ctx.get("charuco_image"))


@ex("calib.targets.MarkerCheckerboard")
def _(ctx):
    return Call(7, 5, 15.0)


@ex("calib.targets.MarkerCheckerboard.from_dict")
def _(ctx):
    return Call(ctx.get("marker_board").to_dict())


# a detection of part of a board: unseen corners are NaN with corner_ok False
@ex("calib.targets.MarkerCheckerboard.detect", timeout=30, nan_ok=True)
def _(ctx):
    return Call(ctx.get("marker_image"))


@ex("calib.targets.board_from_dict")
def _(ctx):
    return Call(ctx.get("charuco").to_dict())


@ex("calib.telecentric.TelecentricCamera")
def _(ctx):
    c = ctx.get("tele_camera")
    return Call(c.A, c.dist, c.image_size)


@ex("calib.telecentric.TelecentricCamera.from_dict")
def _(ctx):
    return Call(ctx.get("tele_camera").to_dict())


@ex("calib.telecentric.TelecentricCamera.project")
def _(ctx):
    return Call(np.array([[0.0, 0.0, 0.0], [3.0, 2.0, 0.5]]), np.zeros(3), np.zeros(3))


@ex("calib.telecentric.TelecentricCamera.project_camera_mm")
def _(ctx):
    return Call(np.array([[0.0, 0.0], [3.0, -2.0]]))


@ex("calib.telecentric.TelecentricCamera.to_camera_mm")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.telecentric.TelecentricCamera.undistort_points")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.telecentric.TelecentricCamera.distort_points")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.telecentric.TelecentricCamera.in_valid_region")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [10.0, 20.0]]))


@ex("calib.telecentric.TelecentricCamera.undistort_image")
def _(ctx):
    return Call(ctx.get("calib_images")[0])


@ex("calib.telecentric.TelecentricCamera.magnification")
def _(ctx):
    return Call(0.0055)


@ex("calib.telecentric.TelecentricCamera.with_params")
def _(ctx):
    return Call(ctx.get("tele_camera").params())


@ex("calib.telecentric.TelecentricPlane")
def _(ctx):
    p = _i_tele_plane(ctx)
    return Call(p.camera, p.rvec, p.tvec)


@ex("calib.telecentric.TelecentricPlane.from_corners")
def _(ctx):
    cal = ctx.get("tele_calibration")
    return Call(cal.camera, cal.board, cal.views[0].corners_xy)


@ex("calib.telecentric.TelecentricPlane.from_board", timeout=30)
def _(ctx):
    import cv2

    cal = ctx.get("tele_calibration")
    return Call(cal.camera, cv2.imread(ctx.get("tele_paths")[0], cv2.IMREAD_UNCHANGED),
                cal.board)


@ex("calib.telecentric.TelecentricPlane.from_dict")
def _(ctx):
    return Call(_i_tele_plane(ctx).to_dict())


@ex("calib.telecentric.TelecentricPlane.at_height")
def _(ctx):
    return Call(0.0)


@ex("calib.telecentric.TelecentricPlane.to_mm")
def _(ctx):
    return Call(np.array([[160.0, 120.0], [100.0, 90.0]]))


@ex("calib.telecentric.TelecentricPlane.to_px")
def _(ctx):
    return Call(np.array([[5.0, 4.0], [10.0, 6.0]]))


@ex("calib.telecentric.TelecentricPlane.mm_per_px")
def _(ctx):
    return Call(np.array([[160.0, 120.0]]))


@ex("calib.telecentric.telecentric_difference")
def _(ctx):
    return Call(ctx.get("tele_calibration").camera, ctx.get("tele_camera"))


@ex("calib.telecentric_calib.calibrate_telecentric", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("tele_paths"), ctx.get("tele_board"), holdout=False)


@ex("calib.telecentric_calib.TelecentricCalibration", nan_ok=True)
def _(ctx):
    c = ctx.get("tele_calibration")
    return Call(**{f: getattr(c, f) for f in c.__dataclass_fields__})


# null in a station file: "not computed" (as for Calibration.load above); views check that
# every corner used is finite
@ex("calib.telecentric_calib.TelecentricCalibration.load", kinds={"path": "path_in"},
    nan_ok=True)
def _(ctx):
    return Call(ctx.get("tele_station_path"))


@ex("calib.telecentric_calib.TelecentricCalibration.from_dict", nan_ok=True)
def _(ctx):
    return Call(ctx.get("tele_calibration").to_dict())


@ex("calib.telecentric_calib.TelecentricCalibration.save")
def _(ctx):
    return Call(str(ctx.tmp("tele_station.json")))


@ex("calib.telecentric_calib.TelecentricCalibration.plane")
def _(ctx):
    return Call(0)


@ex("calib.multicam.calibrate_rig", timeout=60, sample=3)
def _(ctx):
    return Call(ctx.get("rig_paths"), ctx.get("charuco"))


@ex("calib.rig.RigCalibration", nan_ok=True)
def _(ctx):
    c = ctx.get("rig")
    return Call(**{f: getattr(c, f) for f in c.__dataclass_fields__})


@ex("calib.rig.RigCalibration.load", kinds={"path": "path_in"}, nan_ok=True)  # as above
def _(ctx):
    return Call(ctx.get("rig_station_path"))


@ex("calib.rig.RigCalibration.from_dict", nan_ok=True)  # missing rms: unknown (NaN)
def _(ctx):
    return Call(ctx.get("rig").to_dict())


@ex("calib.rig.RigCalibration.save")
def _(ctx):
    return Call(str(ctx.tmp("rig.json")))


@ex("calib.rig.RigCalibration.index")
def _(ctx):
    return Call("B")


@ex("calib.rig.RigCalibration.camera")
def _(ctx):
    return Call("B")


@ex("calib.rig.RigCalibration.relative_pose")
def _(ctx):
    return Call("A", "B")


@ex("calib.rig.RigCalibration.planes")
def _(ctx):
    return Call("0")


@ex("calib.rig.RigView", nan_ok=True)
def _(ctx):
    v = _i_rig_view(ctx)
    return Call(**{f: getattr(v, f) for f in v.__dataclass_fields__})


@ex("calib.rig.RigView.from_dict", nan_ok=True)  # NaN: a corner not seen (documented)
def _(ctx):
    return Call(_i_rig_view(ctx).to_dict())


# containers: they store what they are given (a stored null, i.e. unknown, reads back as NaN)
@ex("calib.rig.RelativePose", nan_ok=True)
def _(ctx):
    v = _i_relative_pose(ctx)
    return Call(**{f: getattr(v, f) for f in v.__dataclass_fields__})


@ex("calib.rig.RelativePose.from_dict", nan_ok=True)
def _(ctx):
    return Call(_i_relative_pose(ctx).to_dict())


@ex("calib.stations.load_station", kinds={"path": "path_in"}, nan_ok=True)  # null: unknown
def _(ctx):
    return Call(ctx.get("tele_station_path"))


@ex("calib.stations.plane_from_board", timeout=30)
def _(ctx):
    return Call(ctx.get("calibration").camera, ctx.get("calib_images")[0], ctx.get("board"))


@ex("calib.stations.plane_from_dict")
def _(ctx):
    return Call(_i_tele_plane(ctx).to_dict())


@ex("inspect.multicam.MultiCameraRecipe")
def _(ctx):
    r = _i_multicam(ctx)
    return Call(r.cameras, r.measurements, rig=r.rig_path, plane=r.plane_spec,
                base_dir=r.base_dir)


@ex("inspect.multicam.MultiCameraRecipe.from_dict")
def _(ctx):
    return Call(_multicam_doc(ctx), base_dir=str(Path(ctx.get("rig_station_path")).parent))


@ex("inspect.multicam.MultiCameraRecipe.load", kinds={"path": "path_in"})
def _(ctx):
    return Call(ctx.get("multicam_recipe_path"))


@ex("inspect.multicam.MultiCameraRecipe.save")
def _(ctx):
    return Call(str(ctx.tmp("two.multicam.json")))


@ex("inspect.multicam.MultiCameraRecipe.run", timeout=60)
def _(ctx):
    paths = ctx.get("rig_paths")
    return Call({"A": paths["A"][0], "B": paths["B"][0]})


@ex("synth.stations.PlaneView")
def _(ctx):
    v = _i_plane_view(ctx)
    return Call(v.camera, v.rvec, v.tvec, v.board, v.center_mm)


@ex("synth.stations.plane_view")
def _(ctx):
    return Call(ctx.get("camera"), mm_per_px=0.1, tilt_deg=(3.0, -2.0))


@ex("synth.stations.render_part", timeout=30)
def _(ctx):
    from metrology.core import Pose2D
    from metrology.synth.demo import demo_part

    v = _i_plane_view(ctx)
    return Call(v, demo_part(), Pose2D(*v.center_mm, 10.0), supersample=1)


@ex("synth.stations.PlaneView.project")
def _(ctx):
    return Call(np.array([[5.0, 4.0], [10.0, 6.0]]))


@ex("synth.targets.render_target", timeout=30, nan_ok=True)  # NaN: not visible
def _(ctx):
    from metrology.synth.targets import board_pose_towards

    cam, b = ctx.get("camera"), ctx.get("charuco")
    r, t = board_pose_towards(cam, b, (160.0, 120.0), distance_mm=380.0)
    return Call(cam, b, r, t, supersample=1)


@ex("synth.targets.TargetRender", nan_ok=True)
def _(ctx):
    v = _i_target_render(ctx)
    return Call(**{f: getattr(v, f) for f in v.__dataclass_fields__})


@ex("synth.targets.board_pose_towards")
def _(ctx):
    return Call(ctx.get("camera"), ctx.get("charuco"), (160.0, 120.0), distance_mm=380.0)


@ex("synth.targets.target_poses")
def _(ctx):
    return Call(ctx.get("camera"), ctx.get("charuco"), 3, reach="corners", min_corners=8)


@ex("viz.stations.coverage_grid")
def _(ctx):
    return Call(ctx.get("calibration"))


@ex("viz.stations.draw_coverage_report")
def _(ctx):
    return Call(ctx.get("tele_calibration"), width=160)


# teach, studio, drawn parts (the second wave)

@reg.fixture("plate_geometry")
def _plate_geometry(ctx):
    """A 30 x 20 mm plate with a rounded corner (arc), a hole (full arc) and an elliptic
    pocket, in part-frame mm."""
    from metrology.teach.geometry import Arc, EllipseArc, Line, Loop, PartGeometry

    outline = Loop((Line((0.0, 0.0), (26.0, 0.0)), Arc((26.0, 4.0), 4.0, -90.0, 90.0),
                    Line((30.0, 4.0), (30.0, 20.0)), Line((30.0, 20.0), (0.0, 20.0)),
                    Line((0.0, 20.0), (0.0, 0.0))))
    return PartGeometry(outline, (Loop((Arc((8.0, 10.0), 3.0, 0.0, 360.0),)),
                                  Loop((EllipseArc((20.0, 10.0), (3.0, 2.0), 20.0),))))


@reg.fixture("scale_station")
def _scale_station(ctx):
    from metrology.synth.drawn import ScaleStation

    return ScaleStation(0.1, (440, 340))


@reg.fixture("drawn")
def _drawn(ctx):
    from metrology.core.pose import Pose2D
    from metrology.synth.drawn import render_drawn_part

    return render_drawn_part(ctx.get("scale_station"), ctx.get("plate_geometry"),
                             Pose2D(6.0, 4.0, 10.0), supersample=2, rng=0)


@reg.fixture("golden_path")
def _golden_path(ctx):
    with ctx.shared_file("golden.png") as (path, exists):
        if not exists:
            _png(path, ctx.get("drawn").image)
    return str(path)


@reg.fixture("dxf_path")
def _dxf_path(ctx):
    """The plate as a DXF drawing (mm), with a toleranced diameter dimension."""
    import ezdxf

    with ctx.shared_file("plate.dxf") as (path, exists):
        if not exists:
            doc = ezdxf.new("R2010", units=4)
            msp = doc.modelspace()
            for a, b in (((0, 0), (26, 0)), ((30, 4), (30, 20)), ((30, 20), (0, 20)),
                         ((0, 20), (0, 0))):
                msp.add_line(a, b)
            msp.add_arc((26, 4), 4, -90, 0)
            msp.add_circle((8, 10), 3)
            msp.add_diameter_dim(center=(8, 10), radius=3.0, angle=45,
                                 override={"dimtol": 1, "dimtp": 0.02, "dimtm": 0.01}).render()
            tmp = path.with_name(".plate.tmp.dxf")
            doc.saveas(tmp)
            tmp.replace(path)
    return str(path)


@reg.fixture("proposal")
def _proposal(ctx):
    from metrology.teach.proposals import propose

    return propose(ctx.get("plate_geometry"), pair_max_mm=2.0)


def _studio_folder(ctx):
    """A fresh recipe folder: a fixtured disk part (0.05 mm/px), its recipe and image."""
    from metrology.inspect import Recipe
    from metrology.synth.shapes import Disk, render_shapes

    folder = ctx.tmp("studio")
    folder.mkdir()
    img = render_shapes([(Disk((40.3, 30.2), 20.0), 150.0)], (60, 80), background=50)
    _png(folder / "part.png", img.round().astype(np.uint8))
    Recipe.from_dict({"station": {"pixel_size_mm": 0.05},
                      "tools": [{"name": "hole", "type": "circle", "center_xy": [40, 30],
                                 "radius": 20}],
                      "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
                                        "nominal_mm": 2.0, "tolerance_mm": 0.01}]}
                     ).save(folder / "p.recipe.json")
    return folder


@_instance("studio.session.Studio")
def _i_studio(ctx):
    from metrology.studio.session import Studio

    return Studio(_studio_folder(ctx) / "p.recipe.json", station=0.05)


@_instance("studio.files.Sandbox")
def _i_sandbox(ctx):
    from metrology.studio.files import Sandbox

    return Sandbox(_studio_folder(ctx))


@_instance("studio.view.View")
def _i_view(ctx):
    from metrology.core.pose import Pose2D
    from metrology.studio.view import View

    return View(Pose2D(10.0, 5.0, 30.0), to_view_points=lambda p: p + 1.0)


@ex("studio.session.Studio", timeout=60)
def _(ctx):
    return Call(str(_studio_folder(ctx) / "p.recipe.json"), station=0.05)


@ex("studio.session.Studio.select_image")
def _(ctx):
    return Call("part.png")


@ex("studio.session.Studio.view_png")
def _(ctx):
    return Call("part.png")


@ex("studio.session.Studio.teach", timeout=60, expensive=True)
def _(ctx):
    return Call("part.png", "ISO2768-m")


@ex("studio.session.Studio.update")
def _(ctx):
    return Call({"name": "renamed"})


@ex("studio.session.Studio.save")
def _(ctx):
    return Call({"name": "saved"})


@ex("studio.session.Studio.upload")
def _(ctx):
    import cv2

    return Call("up.png", cv2.imencode(".png", np.full((8, 8), 99, np.uint8))[1].tobytes())


@ex("studio.session.Studio.preview")
def _(ctx):
    return Call({"name": "hole", "type": "circle", "center_xy": [40, 30], "radius": 20})


@ex("studio.session.EditError")
def _(ctx):
    return Call("tools[0].radius: expected a positive number")


@ex("studio.files.Sandbox")
def _(ctx):
    return Call(str(_studio_folder(ctx)))


@ex("studio.files.Sandbox.image")
def _(ctx):
    return Call("part.png")


@ex("studio.files.Sandbox.upload_target")
def _(ctx):
    return Call("new.png")


@ex("studio.files.Sandbox.store")
def _(ctx):
    import cv2

    return Call("up.png", cv2.imencode(".png", np.full((8, 8), 99, np.uint8))[1].tobytes())


@ex("studio.view.View")
def _(ctx):
    from metrology.core.pose import Pose2D

    return Call(Pose2D(10.0, 5.0, 30.0))


@ex("studio.view.View.to_view")
def _(ctx):
    from metrology.caliper import CircleTool

    return Call(CircleTool((10.0, 0.0), 5.0, name="bore"))


@ex("studio.view.View.from_view")
def _(ctx):
    from metrology.caliper import CircleTool

    return Call(CircleTool((10.0, 0.0), 5.0, name="bore"))


@ex("studio.view.View.points")
def _(ctx):
    return Call([[1.0, 2.0], [3.0, 4.0]])


@ex("studio.view.View.primitives")
def _(ctx):
    from metrology.caliper.shapes import Circle, Segment

    return Call([Circle((10.0, 10.0), 5.0), Segment((0.0, 0.0), (5.0, 5.0))])


@ex("studio.app.create_app")
def _(ctx):
    return Call(_i_studio(ctx), "token-1234")


@ex("studio.cli.start_server", timeout=30)
def _(ctx):
    return Call(_i_studio(ctx), port=0)


reg.skip(M + "studio.cli.serve", "serves until Ctrl-C: its checks run through start_server and "
                                 "the 'metrology studio' command (whose serve is stubbed)")


def _serve_once(studio, *, host="127.0.0.1", port=0, open_browser=True, out=None):
    """``studio.cli.serve`` without serving: everything up to the listening socket."""
    from metrology.studio import cli

    server, sock, url = cli._server(studio, host, port, None)
    sock.close()
    print(f"metrology studio: {url}", file=out)


@reg.cli("studio", stubs={"metrology.studio.cli:serve": _serve_once})
def _cli_studio(ctx):
    folder = _studio_folder(ctx)
    return ["studio", str(folder / "p.recipe.json"), "--images", str(folder),
            "--station", "0.05", "--no-browser"]


@_instance("synth.drawn.DrawnRender")
def _i_drawn(ctx):
    return ctx.get("drawn")


@ex("synth.drawn.DrawnRender")
def _(ctx):
    d = ctx.get("drawn")
    return Call(d.image, d.pose_mm, d.rings_px)


# teach.geometry
def _geo_items(ctx):
    g = ctx.get("plate_geometry")
    return g.outline.items[0], g.outline.items[1], g.holes[1].items[0]


for _cls, _k in (("Line", 0), ("Arc", 1), ("EllipseArc", 2)):
    reg.instance(M + "teach.geometry." + _cls)(lambda ctx, _k=_k: _geo_items(ctx)[_k])


@_instance("teach.geometry.Polyline")
def _i_polyline(ctx):
    from metrology.teach.geometry import Polyline

    return Polyline(((0.0, 0.0), (1.0, 0.5), (2.0, 0.0)))


@_instance("teach.geometry.Loop")
def _i_loop(ctx):
    return ctx.get("plate_geometry").outline


@_instance("teach.geometry.PartGeometry")
def _i_part_geometry(ctx):
    return ctx.get("plate_geometry")


@ex("teach.geometry.Line")
def _(ctx):
    return Call((0.0, 0.0), (3.0, 4.0))


@ex("teach.geometry.Arc")
def _(ctx):
    return Call((1.0, 2.0), 3.0, 10.0, 90.0)


@ex("teach.geometry.EllipseArc")
def _(ctx):
    return Call((1.0, 2.0), (3.0, 2.0), 15.0)


@ex("teach.geometry.Polyline")
def _(ctx):
    return Call(((0.0, 0.0), (1.0, 0.5), (2.0, 0.0)))


@ex("teach.geometry.Loop")
def _(ctx):
    return Call(ctx.get("plate_geometry").outline.items)


@ex("teach.geometry.PartGeometry")
def _(ctx):
    g = ctx.get("plate_geometry")
    return Call(g.outline, g.holes)


@ex("teach.geometry.PartGeometry.from_polygons")
def _(ctx):
    return Call([[0, 0], [10, 0], [10, 8], [0, 8]], [[[2, 2], [2, 4], [4, 4], [4, 2]]])


@ex("teach.geometry.signed_area")
def _(ctx):
    return Call(np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0]]))


for _cls in ("Line", "Arc", "EllipseArc", "Polyline", "Loop", "PartGeometry"):
    reg.example(M + f"teach.geometry.{_cls}.transformed", timeout=40)(
        lambda ctx: Call(__import__("metrology").core.pose.Pose2D(1.0, 2.0, 30.0), True))
for _cls in ("Line", "Arc", "EllipseArc", "Polyline"):
    reg.example(M + f"teach.geometry.{_cls}.sample")(lambda ctx: Call(0.01, 0.5))
for _cls in ("Arc", "EllipseArc"):
    reg.example(M + f"teach.geometry.{_cls}.point")(lambda ctx: Call([0.0, 45.0]))


@ex("teach.geometry.Loop.polygon")
def _(ctx):
    return Call(0.01, 0.5)


@ex("teach.geometry.Loop.is_closed")
def _(ctx):
    return Call(1e-6)


@ex("teach.geometry.Loop.oriented")
def _(ctx):
    return Call(False)


@ex("teach.geometry.PartGeometry.polygons")
def _(ctx):
    return Call(0.01, 0.5)


@_instance("teach.proposals.Proposal")
def _i_proposal(ctx):
    return ctx.get("proposal")


@ex("teach.proposals.propose")
def _(ctx):
    return Call(ctx.get("plate_geometry"), pair_max_mm=2.0, max_hole_pairs=3)


@ex("teach.proposals.Proposal")
def _(ctx):
    p = ctx.get("proposal")
    return Call(p.features, p.pairs, p.measurements, p.datum, p.notes, p.tol_kinds)


@ex("teach.proposals.Proposal.feature")
def _(ctx):
    return Call(ctx.get("proposal").features[0].name)


@ex("teach.proposals.FeatureSpec", nan_ok=True)
def _(ctx):
    f = ctx.get("proposal").features[0]
    return Call(f.name, f.kind, f.primitive, f.loop, f.material_outside, f.group)


@ex("teach.proposals.EdgePair")
def _(ctx):
    return Call("web", "a", "b", np.array([0.0, 1.0]), np.array([3.0, 1.0]), 2.0, True)


@ex("teach.segment.SegmentOptions")
def _(ctx):
    return Call(smooth_sigma=1.5, window=5)


@ex("teach.segment.find_part_region")
def _(ctx):
    return Call(ctx.get("drawn").image.astype(np.float64))


@ex("teach.segment.segment_part", timeout=60)
def _(ctx):
    return Call(ctx.get("golden_path"))


@ex("teach.dxf.DimensionInfo")
def _(ctx):
    return Call("diameter", 6.0, -0.01, 0.02, np.array([[6.0, 10.0], [10.0, 10.0]]), "DIM")


@ex("teach.build.resolve_station")
def _(ctx):
    return Call(0.1)


# anomaly classes of the second wave
@reg.fixture("aligned_model")
def _aligned_model(ctx):
    from metrology.anomaly.aligned import AlignedModel

    return AlignedModel.fit([d.image for d in ctx.get("defects")[:3]], 8, 2.0)


@_instance("anomaly.aligned.AlignedModel")
def _i_aligned(ctx):
    return ctx.get("aligned_model")


@ex("anomaly.aligned.AlignedModel.deviation")
def _(ctx):
    return Call(ctx.get("defects")[3].image)


@ex("anomaly.aligned.AlignedModel.with_arrays")
def _(ctx):  # a bank file's aligned arrays and header, edge support included
    m = ctx.get("aligned_model")
    return Call(m.arrays(), m.params(), m.shape, "bank.npz")


@_instance("anomaly.settings.PatchCoreSettings")
def _i_pc_settings(ctx):
    from metrology.anomaly.settings import PatchCoreSettings

    return PatchCoreSettings()


@ex("anomaly.settings.PatchCoreSettings.replace")
def _(ctx):
    return Call(k=3)


@reg.fixture("efficientnet")
def _efficientnet(ctx):
    from metrology.anomaly.efficientnet import EfficientNetFeatures

    return EfficientNetFeatures()


@_instance("anomaly.efficientnet.EfficientNetFeatures")
def _i_efficientnet(ctx):
    return ctx.get("efficientnet")


@ex("anomaly.efficientnet.EfficientNetFeatures.logits", timeout=60)
def _(ctx):
    return Call(ctx.get("defects")[0].image)


# base classes and results whose methods were left without an instance
@_instance("caliper.features.Feature")
def _i_base_feature(ctx):
    return _inst("caliper.features.CircleFeature", ctx)


@_instance("caliper.plan.Tool")
def _i_base_tool(ctx):
    return _inst("caliper.CircleTool", ctx)


@_instance("inspect.frame.PartFrame")
def _i_part_frame(ctx):
    from metrology.inspect.frame import PartFrame

    return PartFrame(0.05, (1.0, -2.0))


def _shot_records(n: int = 20) -> list:
    return [{"image": f"shot_{i + 1}.png", "status": "pass", "measurements": [
        {"name": "d", "type": "diameter", "unit": "mm", "uncertainty": 1e-4,
         "value": 10.0 + 1e-3 * (i % 5), "nominal": 10.0, "min": 9.95, "max": 10.05,
         "passed": True, "error": None}]} for i in range(n)]


@_instance("inspect.gauge.Type1Study")
def _i_type1_study(ctx):
    from metrology.inspect.gauge import gauge_study

    return gauge_study(_shot_records(), {"d": 10.0})


@_instance("inspect.gauge.Type1Result")
def _i_type1_result(ctx):
    return _i_type1_study(ctx)["d"]


# result constructors store what they are given (the studies that compute them are fuzzed
# with valid data: type1_study, gauge_study, grr_anova, grr_study, process_stats); their own
# checks refuse NaN in the scalars, wrong types and wrong containers
@ex("inspect.gauge.Type1Result", nan_ok=True)
def _(ctx):
    r = _i_type1_result(ctx)
    return Call(**{f: getattr(r, f) for f in r.__dataclass_fields__})


@ex("caliper.plan.Tool")          # the instance above is a CircleTool: say the base's own fields
def _(ctx):
    return Call(name="base")


# ------------------------------------------------------------------------------------------
# inspect.uncertainty: a station's plane covariance and a value's budget

def _plane_cov_args():
    return (np.eye(9) * 1e-4, np.eye(6) * 1e-8, np.zeros((6, 9)), 0.02, 88)


@_instance("inspect.uncertainty.PlaneCovariance")
def _i_plane_cov(ctx):
    from metrology.inspect.uncertainty import PlaneCovariance

    return PlaneCovariance(*_plane_cov_args(), height_std_mm=0.01, scale_rel_std=1e-5,
                           corner_bias_rel=3e-6, notes={"placement": "stated"})


@ex("inspect.uncertainty.PlaneCovariance")
def _(ctx):
    return Call(*_plane_cov_args(), height_std_mm=0.01, corner_bias_rel=3e-6)


@ex("inspect.uncertainty.PlaneCovariance.from_dict")
def _(ctx):
    return Call(_inst("inspect.uncertainty.PlaneCovariance", ctx).to_dict())


@_instance("inspect.uncertainty.UncertaintyBudget")
def _i_budget(ctx):
    from metrology.inspect.uncertainty import UncertaintyBudget

    return UncertaintyBudget({"edge_fit": 1e-4, "calibration": 5e-5, "plane": None}, 1.118e-4,
                             notes={"plane": "not evaluated"})


@ex("inspect.uncertainty.UncertaintyBudget")
def _(ctx):
    return Call({"edge_fit": 1e-4, "calibration": None}, 1e-4, 2.0, "mm", {"calibration": "-"})


@ex("inspect.uncertainty.UncertaintyBudget.from_dict")
def _(ctx):
    return Call(_inst("inspect.uncertainty.UncertaintyBudget", ctx).to_dict())


# ------------------------------------------------------------------------------------------
# gauge studies, SPC, their charts and reports: valid calls (were fuzzed with the generic
# battery only)
def _grr_data():
    """5 parts x 2 operators x 3 trials of a 10 mm diameter: part spread 0.02, repeat 0.002."""
    rng = np.random.default_rng(1)
    parts = 10.0 + 0.02 * np.arange(5)[:, None, None]
    return parts + 0.002 * rng.standard_normal((5, 2, 3))


def _grr_records():
    recs = []
    for i, v in enumerate(_grr_data().reshape(-1)):
        p, rest = divmod(i, 6)
        o, t = divmod(rest, 3)
        recs.append({"image": f"p{p + 1}_o{o + 1}_t{t + 1}.png", "status": "pass",
                     "measurements": [{"name": "d", "type": "diameter", "unit": "mm",
                                       "value": float(v), "nominal": 10.0, "min": 9.9,
                                       "max": 10.2, "passed": True, "error": None}]})
    return recs


_GRR_PATTERN = r"p(?P<part>\d+)_o(?P<operator>\d+)"


@_instance("inspect.grr.GRRResult")
def _i_grr_result(ctx):
    from metrology.inspect.grr import grr_anova

    return grr_anova(_grr_data(), tolerance=0.3)


@_instance("inspect.grr.GRRStudy")
def _i_grr_study(ctx):
    from metrology.inspect.grr import grr_study

    return grr_study(_grr_records(), _GRR_PATTERN)


@_instance("inspect.grr.AnovaRow")
def _i_anova_row(ctx):
    return _i_grr_result(ctx).anova[0]


@_instance("inspect.spc.ProcessStats")
def _i_process_stats(ctx):
    from metrology.inspect.spc import process_stats

    return process_stats(_shot_records())


@_instance("inspect.spc.MeasurementStats")
def _i_measurement_stats(ctx):
    return _i_process_stats(ctx).measurements["d"]


@ex("inspect.grr.grr_anova")
def _(ctx):
    return Call(_grr_data(), tolerance=0.3)


@ex("inspect.grr.grr_study")
def _(ctx):
    return Call(_grr_records(), _GRR_PATTERN)


# %Var with the bias is inf when Cgk <= 0 (documented; the study fails), with the spread alone
# when Cg <= 0
_T1_INF = (".var_repeatability_bias_pct", ".var_repeatability_pct")


@ex("inspect.gauge.type1_study", nan_paths=_T1_INF)
def _(ctx):
    return Call([10.0 + 1e-3 * (i % 5) for i in range(20)], reference=10.0, tolerance=0.1)


@ex("inspect.gauge.gauge_study", nan_paths=tuple(".results.d" + q for q in _T1_INF))
def _(ctx):
    return Call(_shot_records(), {"d": 10.0})


for _name, _make in (("inspect.grr.GRRResult", _i_grr_result), ("inspect.grr.GRRStudy",
                                                                   _i_grr_study),
                     ("inspect.grr.AnovaRow", _i_anova_row),
                     ("inspect.gauge.Type1Result", _i_type1_result),
                     ("inspect.gauge.Type1Study", _i_type1_study)):
    reg.example(M + _name + ".from_dict", nan_ok=True)(       # null -> NaN, as for caliper
        lambda ctx, _make=_make: Call(_make(ctx).to_dict()))


@ex("viz.charts.histogram_figure")
def _(ctx):
    return Call([10.0 + 1e-3 * (i % 5) for i in range(20)], lower=9.95, upper=10.05,
                nominal=10.0)


@ex("viz.charts.run_chart_figure")
def _(ctx):
    return Call([10.0 + 1e-3 * (i % 5) for i in range(20)], lower=9.95, upper=10.05,
                nominal=10.0)


@ex("viz.charts.type1_chart_figure")
def _(ctx):
    return Call(_i_type1_result(ctx))


@ex("viz.charts.grr_chart_figure")
def _(ctx):
    return Call(_i_grr_result(ctx))


@ex("viz.report.gauge_report_html")
def _(ctx):
    return Call(_i_type1_study(ctx))


@ex("viz.report.write_gauge_report", kinds={"path": "path_out"})
def _(ctx):
    return Call(_i_grr_study(ctx), str(ctx.tmp("gauge.html")))


@ex("viz.report.write_spc_report", kinds={"path": "path_out"})
def _(ctx):
    return Call(_shot_records(), str(ctx.tmp("spc.html")), overlays=False)


for _name, _make in (("inspect.grr.GRRResult", _i_grr_result),
                     ("inspect.grr.AnovaRow", _i_anova_row),
                     ("inspect.spc.MeasurementStats", _i_measurement_stats),
                     ("inspect.spc.ProcessStats", _i_process_stats)):
    def _fields(ctx, _make=_make):
        r = _make(ctx)
        return Call(**{f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.init})
    reg.example(M + _name, nan_ok=True)(_fields)       # constructors: as Type1Result above


# caliper tools: mapped (to another frame) and to_features (result -> inspection features)
def _shift(p):
    return np.asarray(p, dtype=np.float64) + 1.0


for _cls in ("EdgeTool", "EdgePairTool", "LineTool", "CircleTool", "EllipseTool"):
    reg.example(M + f"caliper.{_cls}.mapped")(lambda ctx: Call(_shift, 1.0, 0.0))
    reg.example(M + f"caliper.{_cls}.to_features")(
        lambda ctx, _cls=_cls: Call(_inst("caliper." + _cls, ctx).measure(ctx.get("image")),
                                    _scale_plane()))


def _scale_plane():
    from metrology.inspect import ScalePlane

    return ScalePlane(0.1)


# ------------------------------------------------------------------------------------------
# entry points that had the generic battery only (issue 12 part D): part frames, placing,
# SPC records, settings / feature / tool from_dict, drawing primitives, figures
@ex("caliper.features.Feature.with_params")
def _(ctx):
    return Call(_inst("caliper.features.CircleFeature", ctx).params + 0.5)


@ex("caliper.features.ToolFeatures")
def _(ctx):
    f = _inst("caliper.features.CircleFeature", ctx)
    pts = np.c_[3 + 2 * np.cos(np.arange(8.0)), 4 + 2 * np.sin(np.arange(8.0))]
    return Call(f, f, pts, pts[:2] + 5.0)


@ex("caliper.features.feature_from_dict")
def _(ctx):
    return Call(_inst("caliper.features.CircleFeature", ctx).to_dict(), "hole")


@ex("caliper.plan.Tool.from_dict")
def _(ctx):
    return Call({"name": "datum", "sigma": 1.5, "transition": "positive"})


@ex("caliper.plan.Tool.mapped")
def _(ctx):
    return Call(_shift, 1.0, 0.0)


@ex("caliper.plan.Tool.to_features")
def _(ctx):
    return Call(_inst("caliper.CircleTool", ctx).measure(ctx.get("image")), _scale_plane())


@ex("caliper.settings.EdgeSettings.from_dict")
def _(ctx):
    from metrology.caliper import EdgeSettings

    return Call(EdgeSettings(sigma=1.2, threshold=15.0, transition="positive").to_dict())


@ex("caliper.settings.FitSettings.from_dict")
def _(ctx):
    from metrology.caliper import FitSettings

    return Call(FitSettings(passes=1, ransac_threshold_px=0.8).to_dict())


@ex("inspect.frame.PartFrame.from_dict")
def _(ctx):
    return Call(_i_part_frame(ctx).to_dict())


@ex("inspect.frame.PartFrame.to_mm")
def _(ctx):
    return Call(np.array([[10.0, 20.0], [30.5, -4.0], [0.0, 0.0]]))


@ex("inspect.frame.PartFrame.tool_to_mm")
def _(ctx):
    return Call(_inst("caliper.CircleTool", ctx))


@ex("inspect.frame.PartFrame.tool_to_model")
def _(ctx):
    return Call(_inst("caliper.CircleTool", ctx))


def _mm_model(ctx):
    """The registered MatchSpec with a part frame (tools in mm need one)."""
    from metrology.inspect import MatchSpec

    return MatchSpec("part.model.json", min_score=0.6, frame=_i_part_frame(ctx))


@ex("inspect.frame.part_frame")
def _(ctx):
    return Call(_mm_model(ctx), _inst("inspect.station.StationSpec", ctx))


@ex("inspect.frame.tools_in_model_frame")
def _(ctx):
    return Call((_inst("caliper.CircleTool", ctx), _inst("caliper.LineTool", ctx)),
                _mm_model(ctx), _inst("inspect.station.StationSpec", ctx))


@ex("inspect.spc.StageTiming")
def _(ctx):
    return Call("total", 20, 12.5, 20.0, 31.0, 13.2)


@ex("inspect.spc.StageTiming.from_dict")
def _(ctx):
    from metrology.inspect.spc import StageTiming

    return Call(StageTiming("total", 20, 12.5, 20.0, 31.0, 13.2).to_dict())


@_instance("inspect.spc.StageTiming")
def _i_stage_timing(ctx):
    from metrology.inspect.spc import StageTiming

    return StageTiming("find", 20, 2.5, 4.0, 6.0, 2.7)


@ex("inspect.spc.WorstPart")
def _(ctx):
    rec = _shot_records(1)[0]
    return Call("shot_1.png", "fail", 2.4, ("d: 10.06 above 10.05",), rec)


@ex("inspect.tools.place")
def _(ctx):
    from metrology.core import Pose2D

    return Call(_inst("caliper.CircleTool", ctx), Pose2D(3.0, -2.0, 12.0))


@ex("viz.caliper.draw_shapes")
def _(ctx):
    from metrology.caliper.shapes import Circle, Ellipse, Polygons, Segment

    img = np.zeros((60, 80, 3), np.uint8)
    return Call(img, [Segment(np.array([5.0, 5.0]), np.array([70.0, 50.0])),
                      Circle(np.array([40.0, 30.0]), 12.5),
                      Ellipse(np.array([40.0, 30.0]), np.array([20.0, 8.0]), 30.0, "mark"),
                      Polygons(np.array([[[10.0, 10.0], [20.0, 10.0], [20.0, 20.0],
                                          [10.0, 20.0]]]))])


@ex("viz.charts.figure_svg")
def _(ctx):
    from metrology.viz.charts import histogram_figure

    return Call(histogram_figure([10.0 + 1e-3 * (i % 5) for i in range(20)], lower=9.95,
                                 upper=10.05, nominal=10.0))


# Fit results: parameter standard deviations and covariance are NaN when n_points <= number
# of parameters (documented in metrology.core.results: no residual left to estimate the
# noise).  That marker is the fit's own statement; the harness judges the rest of the result.
def _without_undetermined_std(fit):
    n_par = {"LineFit": 2, "CircleFit": 3, "EllipseFit": 5}[type(fit).__name__]
    undetermined = np.asarray(fit.n_points) <= n_par
    if not np.any(undetermined):
        return fit
    if np.ndim(undetermined) == 0:
        return dataclasses.replace(fit, covariance=None, **{k: None for k in fit._STD})
    return fit                      # a batch: items with few points keep their marker


def _register_fit_markers():
    from metrology.core import CircleFit, EllipseFit, LineFit

    for cls in (LineFit, CircleFit, EllipseFit):
        reg.after_return(cls, _without_undetermined_std)


_register_fit_markers()
