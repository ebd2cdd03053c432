"""Hostile and careless input to the calib area (issue 12 part B): the library's own errors,
no NaN passed on silently, early failure where the work would be wasted."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from metrology.calib import (BoardDetection, CameraModel, Checkerboard, Plane, RejectedView,
                             ViewResult, collect_images, detect_board, projection_difference,
                             refine_corners)
from metrology.calib.opencv_yaml import read_opencv_yaml, write_opencv_yaml
from metrology.cli import main
from metrology.errors import CalibrationError, FileFormatError, InputError


@pytest.fixture(scope="module")
def view0(ground_truth):
    gray = cv2.imread(str(ground_truth["files"][0]), cv2.IMREAD_GRAYSCALE)
    return gray, detect_board(gray, ground_truth["board"], refine=False)


def test_refine_corners_result_and_checks(view0, ground_truth):
    gray, det = view0
    res = refine_corners(gray, det.corners_xy, 9, 6)
    corners, ok, blur, contrast, rms = res          # unpacks like the former 5-tuple
    assert corners is res.corners_xy and ok.all() and np.all(np.isfinite(rms))
    # corners within 0.05 px of the rendered truth (the accuracy tests hold the real bar)
    assert np.abs(corners - ground_truth["truth"][0]).max() < 0.05
    c = det.corners_xy
    bad = [dict(gray=None), dict(gray=np.zeros((0, 0))), dict(corners_xy=c[:-1]),
           dict(corners_xy=np.where(np.arange(54)[:, None] == 3, np.nan, c)),
           dict(cols=9.5), dict(rows=True), dict(camera=2), dict(max_radius_px=True),
           dict(max_radius_px=1e12), dict(blur_px=float("nan")), dict(blur_px=0.0),
           dict(weight_fn=3)]
    for kw in bad:
        args = dict(gray=gray, corners_xy=c, cols=9, rows=6)
        args.update(kw)
        with pytest.raises(InputError):
            refine_corners(args.pop("gray"), args.pop("corners_xy"), args.pop("cols"),
                           args.pop("rows"), **args)


def test_corners_that_fit_nothing_are_flagged_not_nan_silently(view0):
    gray, det = view0
    res = refine_corners(np.full_like(gray, 128), det.corners_xy, 9, 6)  # no corner there
    assert not res.ok.any() and np.all(np.isnan(res.fit_rms))


def test_detect_board_checks_camera_and_refine(view0, ground_truth):
    gray, det = view0
    for kw in (dict(camera=2), dict(camera="cam"), dict(refine=None),
               dict(refine=np.ones(3, bool))):
        with pytest.raises(InputError):
            detect_board(gray, ground_truth["board"], **kw)
    assert det.ok is False                            # not refined: figures not measured
    assert detect_board(gray, ground_truth["board"]).ok


def test_board_detection_fields_checked(view0):
    d = detect_board(view0[0], Checkerboard(9, 6, 20.0)).to_dict()
    for key, value in (("corners_xy", [[np.nan, 1.0]] + d["corners_xy"][1:]),
                       ("sharpness", None), ("fit_rms", [None] + d["fit_rms"][1:]),
                       ("corner_ok", [1] * 54), ("image_size", [0, 5])):
        with pytest.raises(InputError):
            BoardDetection.from_dict({**d, key: value})
    with pytest.raises(InputError):
        Checkerboard(10**9, 6, 20.0)


def test_camera_projection_never_returns_nan(ground_truth):
    cam = ground_truth["camera"]
    P = np.array([[0.0, 0.0, 500.0], [10.0, 5.0, 600.0]])
    assert np.all(np.isfinite(cam.project(P, np.zeros(3), np.zeros(3))))
    for rvec, tvec in (([np.nan, 0, 0], None), ([1e300, 0, 0], None), ("abc", None),
                       ([0.1], None), (None, [0, 0, np.inf]), (None, [0, 0, 1e300])):
        with pytest.raises(InputError):
            cam.project(P, rvec, tvec)
    with pytest.raises(InputError):  # far beyond the image: the lens polynomial overflows
        cam.project(np.array([[1e15, 1e15, 1e-200]]))
    for pts in ([[1e15, -1e15]], [[1e-300, 1e300]]):
        try:
            assert np.all(np.isfinite(cam.distort_points(np.array(pts))))
        except InputError:
            pass


def test_camera_constructor_checks(ground_truth):
    cam = ground_truth["camera"]
    for kw in (dict(valid_radius=(np.nan, 1.0)), dict(valid_radius=np.inf),
               dict(dist=object()), dict(K=[[1e300, 0, 1], [0, 1, 1], [0, 0, 1]]),
               dict(image_size=(10**9, 10**9))):
        args = dict(K=cam.K, dist=cam.dist, image_size=cam.image_size, model=cam.model)
        args.update(kw)
        with pytest.raises(InputError):
            CameraModel(**args)


def test_undistort_image_float_extremes_stay_finite(ground_truth):
    """Float images are accepted up to a quarter of float32's range (check_image), so even
    cubic overshoot stays finite; anything non-finite would raise, never pass silently."""
    from metrology.image.io import _MAX_FLOAT_VALUE

    cam = ground_truth["camera"]
    w, h = cam.image_size
    img = np.full((h, w), 0.99 * _MAX_FLOAT_VALUE, np.float32)
    img[::2, ::2] = -0.99 * _MAX_FLOAT_VALUE             # cubic interpolation overshoots
    for interp in ("linear", "cubic", "nearest"):
        assert np.all(np.isfinite(cam.undistort_image(img, interpolation=interp)))
    with pytest.raises(InputError):
        cam.undistort_image(np.full((h, w), 3.0e38, np.float32))


def test_projection_difference_checks(ground_truth):
    cam = ground_truth["camera"]
    # a camera against itself: the undistortion's own convergence (1e-8 px)
    assert projection_difference(cam, cam)["rms_px"] < 1e-8
    for kw in (dict(step_px=float("nan")), dict(step_px=0.0), dict(step_px=1e-6),
               dict(margin_px="x"), dict(margin_px=1e6), dict(compensate_rotation="yes")):
        with pytest.raises(InputError):
            projection_difference(cam, cam, **kw)
    with pytest.raises(InputError):
        projection_difference(cam, object())


def test_plane_checks(ground_truth, view0):
    cam, board = ground_truth["camera"], ground_truth["board"]
    det = detect_board(view0[0], board)
    plane = Plane.from_corners(cam, board, det.corners_xy)
    for args in ((2, board, det.corners_xy), (cam, 2, det.corners_xy),
                 (cam, board, det.corners_xy[:10])):
        with pytest.raises(InputError):
            Plane.from_corners(*args)
    with pytest.raises(InputError):
        Plane.from_corners(cam, board, det.corners_xy, corner_ok=np.ones(54))
    for kw in (dict(rvec=[np.nan, 0, 0]), dict(tvec={}), dict(camera=None),
               dict(residual_rms_mm=-1.0), dict(n_points=-3)):
        args = dict(camera=cam, rvec=plane.rvec, tvec=plane.tvec)
        args.update(kw)
        with pytest.raises(InputError):
            Plane(**args)


def test_result_types_check_fields_and_error(cal14):
    v = cal14.views[0].to_dict()
    for key, value in (("rvec", [None, 0, 0]), ("rms_px", -1.0), ("index", -2),
                       ("corners_xy", [[None, 1.0]] + v["corners_xy"][1:])):
        with pytest.raises(InputError):
            ViewResult.from_dict({**v, key: value})
    assert np.isnan(ViewResult.from_dict({**v, "sharpness": None}).sharpness)  # unknown
    for cls, d in ((ViewResult, v), (RejectedView, RejectedView(1, "a", "blur", "").to_dict())):
        with pytest.raises(InputError):
            cls.from_dict(d, error=3)
    u = cal14.uncertainty.to_dict()
    with pytest.raises(InputError):
        type(cal14.uncertainty).from_dict({**u, "rms_px": None})


def test_station_file_fields_checked(cal14, tmp_path):
    import json

    path = cal14.save(tmp_path / "s.json")
    doc = json.loads(path.read_text())
    doc["views"][0]["rvec"][0] = None
    doc["quality"]["per_view_rms_px"][0] = -1.0
    for key, mutate in (("views", lambda d: d["views"][0]["rvec"].__setitem__(0, None)),
                        ("per_view", lambda d: d["quality"]["per_view_rms_px"]
                         .__setitem__(0, -1.0)),
                        ("board_points", lambda d: d["board_points"][0].__setitem__(0, None))):
        d = json.loads(path.read_text())
        mutate(d)
        (tmp_path / f"{key}.json").write_text(json.dumps(d))
        with pytest.raises(FileFormatError):
            type(cal14).load(tmp_path / f"{key}.json")


def test_opencv_yaml_hostile_files(ground_truth, tmp_path):
    cam = ground_truth["camera"]
    p = write_opencv_yaml(tmp_path / "c.yml", cam, rms_px=0.1)
    assert np.array_equal(read_opencv_yaml(p).K, cam.K)
    files = {"deep.json": b'{"a":' * 100000 + b"1" + b"}" * 100000,  # crashed the interpreter
             "list.json": b"[1, 2, 3]", "deep.xml": b"<a>" * 500 + b"</a>" * 500,
             "nul.yml": b"%YAML:1.0\n\x00"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(FileFormatError):
            read_opencv_yaml(tmp_path / name)
    for bad in (None, 3.0, tmp_path / "missing.yml", str(tmp_path) + "/a\x00b"):
        with pytest.raises(InputError):
            read_opencv_yaml(bad)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:  # (root writes into a read-only folder anyway)
        for path in ([ro / "c.yml"] if os.geteuid() != 0 else []) + [
                tmp_path / ("x" * 300 + ".yml"), "a\x00b.yml"]:
            with pytest.raises(InputError):
                write_opencv_yaml(path, cam, rms_px=0.1)
    finally:
        ro.chmod(0o700)
    for kw in (dict(rms_px="a"), dict(rms_px=-1.0), dict(created=3)):
        with pytest.raises(InputError):
            write_opencv_yaml(tmp_path / "d.yml", cam, **{"rms_px": 0.1, **kw})
    with pytest.raises(InputError):
        write_opencv_yaml(tmp_path / "d.yml", [], rms_px=0.1)


def test_collect_images_checks_arrays(ground_truth):
    bad = np.zeros((10, 10), np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(InputError):
        collect_images([bad])
    with pytest.raises(InputError):
        collect_images([str(ground_truth["files"][0]), None])
    assert len(collect_images([str(f) for f in ground_truth["files"][:2]])) == 2


def test_cli_checks_outputs_before_the_work(ground_truth, tmp_path, capsys):
    """`calibrate` used to calibrate for minutes and then fail on its output path."""
    files = [str(f) for f in ground_truth["files"][:5]]
    for flag, value in (("-o", tmp_path / "missing" / "s.json"), ("-o", tmp_path),
                        ("--yaml", tmp_path / "missing" / "c.yml"),
                        ("--report-png", tmp_path / "missing" / "r.png")):
        out = [] if flag == "-o" else ["-o", str(tmp_path / "s.json")]
        code = main(["calibrate", *files, "--board", "9x6", "--square-mm", "20", *out,
                     flag, str(value)] if flag != "-o" else
                    ["calibrate", *files, "--board", "9x6", "--square-mm", "20", "-o",
                     str(value)])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert "view_0" not in err                    # no view was examined
    assert not (tmp_path / "s.json").exists()


def test_wrong_board_size_fails_on_the_first_views(ground_truth, tmp_path, capsys):
    """Issue 12: a wrong board size searched all 15 views (24-46 s) before failing; now the
    first three views that show one other size stop it, and the message names that size."""
    files = [str(f) for f in ground_truth["files"]]
    code = main(["calibrate", *files, "--board", "8x6", "--square-mm", "20", "-o",
                 str(tmp_path / "s.json")])
    err = capsys.readouterr().err
    assert code == 2 and "9x6 inner corners" in err and "--board 9x6" in err
    assert "view_03" not in err                          # stopped at the third view
    with pytest.raises(CalibrationError, match="9x6"):
        from metrology.calib import calibrate

        calibrate(files, Checkerboard(10, 7, 20.0))      # squares counted, not inner corners


def test_undistort_cli_checks_outputs_first(cal14, ground_truth, tmp_path, capsys):
    station = cal14.save(tmp_path / "s.json")
    img = str(ground_truth["files"][0])
    for out in (tmp_path / "x.notanimage", tmp_path / "noext", tmp_path / "missing" / "u.png"):
        assert main(["undistort", str(station), img, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert "-o" in err or "cannot write" in err
        assert "bug in metrology" not in err and "Traceback" not in err
