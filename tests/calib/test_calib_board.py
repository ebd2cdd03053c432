"""Checkerboard, detect_board (order, input kinds, failures) and the board renderer."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from metrology.calib import BoardDetection, CameraModel, Checkerboard, detect_board
from metrology.calib.board import _canonical_order
from metrology.errors import BoardNotFoundError, InputError


def test_checkerboard_validation_and_parse():
    b = Checkerboard.parse("9x6", 25)
    assert (b.cols, b.rows, b.square_mm) == (9, 6, 25.0)
    assert b.object_points()[10].tolist() == [25.0, 25.0, 0.0]  # row-major: (c=1, r=1)
    for bad in [(1, 6, 25), (9, 6, 0), (9, 6, -1), (9.5, 6, 25), (9, 6, float("nan"))]:
        with pytest.raises(InputError):
            Checkerboard(*bad)
    with pytest.raises(InputError, match="COLSxROWS"):
        Checkerboard.parse("nine by six", 25)
    assert Checkerboard.from_dict(b.to_dict()) == b


def test_canonical_order_resolves_rotations_and_mirrors():
    r, c = np.mgrid[0:4, 0:6]
    g = np.stack([100 + 30 * c, 50 + 30 * r], -1).astype(float).reshape(-1, 2)
    # every labeling OpenCV might return: reversed, mirrored along rows or columns
    grid = g.reshape(4, 6, 2)
    for variant in (grid, grid[::-1, ::-1], grid[:, ::-1], grid[::-1]):
        out = _canonical_order(variant.reshape(-1, 2), 6, 4)
        assert np.array_equal(out, g)


@pytest.fixture(scope="module")
def view(ground_truth):
    img = cv2.imread(str(ground_truth["files"][0]), cv2.IMREAD_UNCHANGED)
    return img, ground_truth["truth"][0], ground_truth["board"]


def test_detect_accuracy_and_fields(view):
    img, truth, board = view
    det = detect_board(img, board)
    assert isinstance(det, BoardDetection)
    assert det.corners_xy.shape == (54, 2) and det.n_ok == 54
    err = np.linalg.norm(det.corners_xy - truth, axis=1)
    # noise 1.8 levels, blur 0.9 px: unbiased model fit reaches ~0.01 px RMS
    assert np.sqrt(np.mean(err ** 2)) < 0.02
    assert 0.5 < det.sharpness < 2.0  # fitted edge blur: optics 0.89 px + pixel integration
    assert det.image_size == (1024, 768)
    d = det.to_dict()
    back = BoardDetection.from_dict(d)
    assert np.array_equal(back.corners_xy, det.corners_xy)


def test_detect_input_kinds(view, ground_truth):
    img, truth, board = view
    ref = detect_board(img, board).corners_xy
    # path, BGR colour, uint16 and float32 give the same corners (to 1e-3 px: the uint16 and
    # float images carry the same information, the colour conversion rounds to 8 bit)
    from_path = detect_board(str(ground_truth["files"][0]), board).corners_xy
    bgr = detect_board(np.repeat(img[:, :, None], 3, axis=2), board).corners_xy
    u16 = detect_board(img.astype(np.uint16) * 257, board).corners_xy
    f32 = detect_board(img.astype(np.float32), board).corners_xy
    for other in (from_path, bgr, u16, f32):
        assert np.abs(other - ref).max() < 1e-3


def test_rotated_image_keeps_documented_order(view):
    img, truth, board = view
    rot = np.ascontiguousarray(img[::-1, ::-1])  # 180 degrees
    det = detect_board(rot, board)
    h, w = img.shape
    moved = np.column_stack([w - 1 - truth[:, 0], h - 1 - truth[:, 1]])
    # corner 0 is again the one nearest the top-left: the truth order reversed
    assert np.abs(det.corners_xy - moved[::-1]).max() < 0.05
    assert det.corners_xy[0].sum() < det.corners_xy[-1].sum()


def test_blank_wrong_size_and_bad_input(view):
    img, _, board = view
    with pytest.raises(BoardNotFoundError, match="blank"):
        detect_board(np.full((480, 640), 128, np.uint8), board)
    with pytest.raises(BoardNotFoundError, match="7x5"):
        detect_board(img, Checkerboard(7, 5, 20.0))
    with pytest.raises(InputError):
        detect_board(np.zeros((0, 10), np.uint8), board)
    with pytest.raises(InputError, match="not found"):
        detect_board("/nonexistent/board.png", board)
    with pytest.raises(InputError, match="Checkerboard"):
        detect_board(img, (9, 6))
    noisy = np.random.default_rng(0).integers(0, 255, (480, 640)).astype(np.uint8)
    with pytest.raises(BoardNotFoundError):
        detect_board(noisy, board)


def test_outlier_corner_is_flagged(view):
    img, truth, board = view
    bad = img.copy()
    # paint a blob over one corner: its model fit must fail and the corner be flagged
    x, y = np.rint(truth[20]).astype(int)
    cv2.circle(bad, (int(x) + 2, int(y) - 1), 5, 128, -1)
    det = detect_board(bad, board)
    assert not det.corner_ok[20]
    assert det.n_ok >= 50


def test_renderer_ground_truth_small():
    """render_board: a distortion-free, fronto-parallel, noise-free board has its corners
    exactly where the truth says (checks the renderer itself, independently of our fitter:
    a symmetric 2x2 pixel average around each corner sits at mid-gray)."""
    from metrology.synth.board import look_at_pose, render_board

    cam = CameraModel([[400.0, 0, 159.5], [0, 400.0, 119.5], [0, 0, 1]], [0] * 5, (320, 240))
    board = Checkerboard(4, 3, 10.0)
    rv, tv = look_at_pose([15.0, 10.0, -200.0], [15.0, 10.0, 0.0])
    r = render_board(cam, board, rv, tv, blur_px=0.0, noise_sigma=0.0, vignetting=0.0,
                     bits=0)
    # squares are 20 px, corners on pixel boundaries (x.5): the four pixels around a corner
    # are two black and two white -> mean exactly (black + white) / 2
    c = r.corners_xy
    assert np.allclose(c - np.floor(c), 0.5, atol=1e-9)
    for x, y in c:
        blk = r.image[int(y - 0.5):int(y + 1.5), int(x - 0.5):int(x + 1.5)]
        assert abs(blk.mean() - (35 + 215) / 2) < 0.5
    det = detect_board(r.image, board)
    assert np.abs(det.corners_xy - c).max() < 0.01


def test_noise_free_corner_floor_vs_opencv():
    """Noise-free render (blur 0.8 px, barrel lens): the model fit's systematic floor.

    Measured: ours 0.009 px without the lens (line curvature), 0.004 px refitted in undistorted
    coordinates with the camera known, cornerSubPix 5x5 0.023 px."""
    from metrology.synth.board import random_board_poses, render_board

    cam = CameraModel([[500, 0, 239.5], [0, 500, 179.5], [0, 0, 1]], [-0.2, 0.05, 0, 0, 0],
                      (480, 360))
    board = Checkerboard(7, 5, 10.0)
    rv, tv = random_board_poses(board, cam, 1, rng=3, fill=(0.6, 0.7))[0]
    r = render_board(cam, board, rv, tv, blur_px=0.8, noise_sigma=0.0, rng=1)
    rms = lambda e: float(np.sqrt(np.mean(np.sum(e ** 2, 1))))  # noqa: E731
    plain = detect_board(r.image, board)
    with_cam = detect_board(r.image, board, camera=cam)
    ok, c = cv2.findChessboardCorners(r.image, board.pattern_size)
    c = cv2.cornerSubPix(r.image, c, (5, 5), (-1, -1), (3, 30, 1e-3))
    peer = rms(_canonical_order(c.reshape(-1, 2), 7, 5) - r.corners_xy)
    assert rms(with_cam.corners_xy - r.corners_xy) < 0.006
    assert rms(plain.corners_xy - r.corners_xy) < 0.5 * peer
    assert rms(with_cam.corners_xy - r.corners_xy) < 0.3 * peer



def test_render_board_look_equals_flat_keywords():
    """``look=BoardLook(...)`` and the flat keywords it replaced render the same image; mixing
    them, unknown keywords and out-of-range looks are input errors."""
    from metrology.synth.board import BoardLook, look_at_pose, render_board

    cam = CameraModel([[400.0, 0, 79.5], [0, 400.0, 59.5], [0, 0, 1]], [0] * 5, (160, 120))
    board = Checkerboard(4, 3, 10.0)
    rv, tv = look_at_pose([15.0, 10.0, -400.0], [15.0, 10.0, 0.0])
    kw = dict(blur_px=0.5, noise_sigma=0.0, supersample=2, bits=0)
    a = render_board(cam, board, rv, tv, black=20.0, white=230.0, vignetting=0.3, **kw)
    b = render_board(cam, board, rv, tv, look=BoardLook(black=20.0, white=230.0,
                                                        vignetting=0.3), **kw)
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, render_board(cam, board, rv, tv, **kw).image)
    with pytest.raises(InputError, match="not both"):
        render_board(cam, board, rv, tv, look=BoardLook(), black=3.0, **kw)
    with pytest.raises(InputError, match="unknown"):
        render_board(cam, board, rv, tv, blak=3.0, **kw)
    for bad in (dict(vignetting=1.5), dict(black=float("nan")), dict(margin_squares=-1)):
        with pytest.raises(InputError):
            BoardLook(**bad)
