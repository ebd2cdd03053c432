"""Boards whose corners carry their identity (issue 17): definitions, the renderer's ground
truth, detection of partial views against it, and wrong or duplicate ids."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from metrology.calib import CameraModel, Checkerboard, detect_board
from metrology.calib.partial import check_identities, lattice_predict, usable_view
from metrology.calib.targets import CharucoBoard, MarkerCheckerboard, board_from_dict
from metrology.errors import BoardNotFoundError, FileFormatError, InputError
from metrology.synth.targets import TargetLook, board_pose_towards, render_target

CAM = CameraModel([[330.0, 0, 161.1], [0, 330.0, 118.7], [0, 0, 1]],
                  [-0.21, 0.14, 4e-4, -3e-4, -0.05], (320, 240))


# ----------------------------------------------------------------------------- definitions
def test_charuco_board_geometry_follows_opencv_layout():
    b = CharucoBoard(6, 4, 10.0, 7.0)
    assert (b.cols, b.rows, b.n_corners, b.n_markers) == (5, 3, 15, 12)
    # OpenCV >= 4.6 with an even number of rows: the top-left square is black
    assert b.marker_squares()[0].tolist() == [1, 0]
    legacy = CharucoBoard(6, 4, 10.0, 7.0, legacy_pattern=True)
    assert legacy.marker_squares()[0].tolist() == [0, 0]
    obj = b.object_points()
    assert obj[0].tolist() == [0, 0, 0] and obj[6].tolist() == [10.0, 10.0, 0.0]


@pytest.mark.parametrize("kw, message", [
    (dict(marker_ids=(1, 2, 2, 5, 6, 7)), "id 2 appears twice"),
    (dict(dictionary="DICT_4X4_50", marker_ids=(1, 2, 3, 5, 6, 70)), "unknown to DICT_4X4_50"),
    (dict(marker_ids=(1, 2, 3)), "holds 6 markers, given 3 ids"),
    (dict(dictionary="DICT_9X9"), "dictionary: expected one of"),
])
def test_charuco_board_with_duplicate_or_unknown_ids_is_refused(kw, message):
    with pytest.raises(InputError, match=message):
        CharucoBoard(4, 3, 20.0, 15.0, **kw)


def test_board_definitions_refuse_bad_sizes_and_symmetric_dots():
    with pytest.raises(InputError, match="smaller than its square"):
        CharucoBoard(5, 5, 10.0, 12.0)
    with pytest.raises(InputError, match="needed but DICT_4X4_50 has only 50"):
        CharucoBoard(20, 20, 10.0, 7.0, dictionary="DICT_4X4_50")
    with pytest.raises(InputError, match="cannot tell its orientation"):
        MarkerCheckerboard(9, 7, 10.0, dots=((3, 3), (4, 3), (5, 3)))  # same after a half turn
    with pytest.raises(InputError, match="not an inner square"):
        MarkerCheckerboard(9, 7, 10.0, dots=((0, 3), (4, 3), (4, 4)))


def test_boards_round_trip_through_station_json_and_plain_checkerboards_keep_no_tag():
    for b in (CharucoBoard(12, 9, 20.0, 15.0, dictionary="DICT_4X4_100"),
              MarkerCheckerboard(19, 14, 10.0), Checkerboard(9, 6, 20.0)):
        d = b.to_dict()
        assert board_from_dict(d) == b
    assert "type" not in Checkerboard(9, 6, 20.0).to_dict()
    with pytest.raises(FileFormatError, match="board.type"):
        board_from_dict({"type": "Circles", "cols": 4}, error=FileFormatError)
    with pytest.raises(FileFormatError, match="board.type"):
        board_from_dict({"type": ["charuco"], "cols": 4}, error=FileFormatError)


# ----------------------------------------------------------------------------- lattice
def test_lattice_prediction_and_identity_check_catch_a_wrong_id():
    g = np.stack(np.meshgrid(np.arange(6), np.arange(4)), -1).reshape(-1, 2)
    A = np.array([[30.0, 4.0], [-3.0, 28.0]])
    px = g @ A.T + [50.0, 40.0] + 0.002 * g ** 2  # a little curvature (a lens)
    pred, J = lattice_predict(g, px, g, exclude_self=True)
    assert np.nanmax(np.linalg.norm(pred - px, axis=1)) < 0.1
    bad = px.copy()
    bad[7] = px[8]  # corner 7 reported where corner 8 is: a misread id
    ok = check_identities(g, bad)
    assert not ok[7] and ok.sum() == len(g) - 1
    assert usable_view(np.ones(24, bool), 6, 12) == (True, "")
    assert not usable_view(np.r_[np.ones(6, bool), np.zeros(18, bool)], 6, 4)[0]  # one row


# ----------------------------------------------------------------------------- renderer
def test_rendered_pattern_has_its_gray_levels_and_exact_corners():
    b = CharucoBoard(8, 6, 10.0, 7.5)
    cam = CameraModel([[400, 0, 159.5], [0, 400, 119.5], [0, 0, 1]], np.zeros(5), (320, 240))
    rv, tv = np.zeros(3), np.array([-35.0, -25.0, 200.0])  # fronto-parallel, 20 px squares
    r = render_target(cam, b, rv, tv, look=TargetLook(blur_px=0.0, noise_sigma=0.0,
                                                      vignetting=0.0), bits=0, supersample=2)
    # corner k at ((k % 7) * 10 - 35, (k // 7) * 10 - 25) mm * 2 px/mm + centre
    k = np.arange(b.n_corners)
    expect = np.c_[(k % 7) * 20.0 - 70 + 159.5, (k // 7) * 20.0 - 50 + 119.5]
    assert np.abs(r.corners_xy - expect).max() < 1e-9
    img = r.image.astype(float)
    # the black square above-left of corner 0 and a white margin pixel of its neighbour
    assert img[round(expect[0, 1]) - 10, round(expect[0, 0]) - 10] == pytest.approx(35.0)
    assert img[round(expect[0, 1]) - 18, round(expect[0, 0]) + 1] == pytest.approx(215.0)
    # a pixel straddling a square edge exactly half-way takes the mean (area average)
    x_edge = expect[0, 0]  # x of the vertical line through corner 0: pixel centres at +-0.5
    assert x_edge % 1 == 0.5
    r2 = render_target(cam, b, rv, tv + [0.25, 0, 0], look=TargetLook(
        blur_px=0.0, noise_sigma=0.0, vignetting=0.0), bits=0, supersample=1)
    col = int(x_edge + 0.5 + 0.5)  # the pixel now centred on the shifted edge
    v = r2.image[round(expect[0, 1]) + 10, col]
    assert v == pytest.approx((35.0 + 215.0) / 2, abs=0.5)


# ----------------------------------------------------------------------------- detection
@functools.lru_cache(maxsize=None)
def _view(kind: str, seed: int = 1):
    if kind == "charuco":
        b = CharucoBoard(11, 8, 30.0, 21.0)
        pose = board_pose_towards(CAM, b, (40, 30), distance_mm=280, tilt_deg=(15, -10),
                                  roll_deg=8, anchor_mm=(45, 30))
    else:
        b = MarkerCheckerboard(21, 15, 15.0)
        pose = board_pose_towards(CAM, b, (200, 150), distance_mm=300, tilt_deg=(-15, 10),
                                  roll_deg=-8, anchor_mm=(150, 105))
    r = render_target(CAM, b, *pose, supersample=3, rng=seed)
    return b, r


@pytest.mark.parametrize("kind", ["charuco", "marker"])
def test_partial_view_corners_match_the_truth(kind):
    b, r = _view(kind)
    assert not r.in_image.all()  # the board leaves the image
    det = detect_board(r.image, b)
    ok = det.corner_ok
    err = np.linalg.norm(det.corners_xy[ok] - r.corners_xy[ok], axis=1)
    # tolerance: the X-junction fit's noise at sigma_n 2, 20-30 px squares is ~0.01 px
    # RMS (checkerboard corners: 0.011 px); 0.02 px RMS and 0.08 px worst leave room
    assert np.sqrt(np.mean(err ** 2)) < 0.02, np.sqrt(np.mean(err ** 2))
    assert err.max() < 0.08
    # most corners in view are measured (not those within 3 px of the border, nor ChArUco
    # corners whose white margin is foreshortened below 4 px); the lattice growth adds the
    # corners between cut-off markers that OpenCV's interpolation cannot identify
    assert ok.sum() >= 0.75 * r.in_image.sum(), (ok.sum(), r.in_image.sum())
    assert not np.any(ok & ~r.in_image) or \
        np.all(np.isfinite(r.corners_xy[ok & ~r.in_image]))
    assert np.all(np.isnan(det.corners_xy[~ok]))
    assert det.method == ("charuco" if kind == "charuco" else "sb_marker")


def test_detection_without_refinement_gives_opencvs_identified_corners():
    b, r = _view("charuco")
    det = detect_board(r.image, b, refine=False)
    ok = det.corner_ok
    err = np.linalg.norm(det.corners_xy[ok] - r.corners_xy[ok], axis=1)
    assert not det.refined and ok.sum() >= 20 and np.median(err) < 0.3


def test_a_foreign_charuco_board_and_a_blank_image_are_not_found():
    _, r = _view("charuco")
    other = CharucoBoard(11, 8, 30.0, 21.0, marker_ids=tuple(range(100, 144)))
    with pytest.raises(BoardNotFoundError, match="none of the board's"):
        detect_board(r.image, other)
    with pytest.raises(BoardNotFoundError, match="blank"):
        detect_board(np.full((240, 320), 128, np.uint8), other)
    m, rm = _view("marker")
    with pytest.raises(BoardNotFoundError, match="dots"):
        detect_board(rm.image, MarkerCheckerboard(21, 15, 15.0, dots=((5, 5), (7, 5), (5, 6))))


def test_duplicated_marker_ids_drop_their_corners():
    import cv2

    b = CharucoBoard(6, 5, 10.0, 7.0)  # 33 px squares, 5 px white margins
    cam = CameraModel([[400, 0, 159.5], [0, 400, 119.5], [0, 0, 1]], np.zeros(5), (320, 240))
    r = render_target(cam, b, np.zeros(3), [-42.0, -20.0, 120.0], supersample=2, rng=3)
    det = detect_board(r.image, b)
    assert det.n_ok == b.n_corners
    # a second copy of marker 8 beside the board: its id is now seen twice
    k = b.ids.index(8)
    i, j = b.marker_squares()[k]
    marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(
        cv2.aruco.DICT_5X5_250), 8, 42)
    img = r.image.copy()
    img[85:155, 235:305] = 215
    img[99:141, 249:291] = np.where(marker > 0, 215, 35)
    det2 = detect_board(img, b)
    around = [(j + dr) * b.cols + (i + dc) for dr in (-1, 0) for dc in (-1, 0)
              if 0 <= i + dc < b.cols and 0 <= j + dr < b.rows]
    # the corners between the duplicated marker and its neighbours are not trusted; the
    # lattice growth may measure them again from their identified neighbours, and then they
    # are where they belong: no corner carries a wrong identity
    ok = det2.corner_ok
    err = np.linalg.norm(det2.corners_xy[ok] - r.corners_xy[ok], axis=1)
    assert err.max() < 0.05, err.max()
    assert ok.sum() >= b.n_corners - len(around)
