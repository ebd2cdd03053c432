"""Calibration targets whose corners carry their own identity, so a view may show part of one.

Two kinds, both printed as a checkerboard of ``(cols + 1) x (rows + 1)`` squares whose
``cols x rows`` inner corners are the measured points (as :class:`~.board.Checkerboard`):

* :class:`CharucoBoard` -- ArUco markers in the white squares (OpenCV's ChArUco layout, made
  by ``cv2.aruco.CharucoBoard``); every inner corner between two markers is identified by
  them, anywhere in the image.
* :class:`MarkerCheckerboard` -- a plain checkerboard with three dots in squares near its
  middle (OpenCV's "radon checkerboard with markers", ``gen_pattern.py --type
  radon_checkerboard -m ...``), found by ``findChessboardCornersSB`` with ``CALIB_CB_LARGER |
  CALIB_CB_MARKER``: the board may extend beyond the image as long as the dots are seen.

**Board frame** (both kinds, as for :class:`~.board.Checkerboard`): inner corner 0 (top-left
inner corner of the printed board) at the origin, ``X`` along its row, ``Y`` down the columns,
``Z = 0``; corner ``k`` is at row ``k // cols``, column ``k % cols``, i.e. at
``(k % cols, k // cols) * square_mm``.  Square ``(i, j)`` (column, row, counted from the
top-left *outer* square) spans ``X in [(i - 1) s, i s]``, ``Y in [(j - 1) s, j s]``.

A detection (:func:`~metrology.calib.partial.detect_target`) returns all ``N`` corners of
the board: the ones seen with their pixel positions, the others NaN with ``corner_ok`` False.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .. import _cv
from .._serial import Serializable
from ..core.checks import check_bool, check_int, check_positive
from ..errors import BoardNotFoundError, InputError
from ..image.io import as_gray
from ._fields import CheckedFromDict, check_error
from .board import BoardDetection, Checkerboard
from .partial import (assemble_detection, check_identities, lattice_predict, refine_partial,
                      square_size)

__all__ = ["CharucoBoard", "MarkerCheckerboard", "board_from_dict", "is_partial_board",
           "BOARD_TYPES"]

DictionaryName = Literal["DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_4X4_1000",
                         "DICT_5X5_50", "DICT_5X5_100", "DICT_5X5_250", "DICT_5X5_1000",
                         "DICT_6X6_50", "DICT_6X6_100", "DICT_6X6_250", "DICT_6X6_1000",
                         "DICT_7X7_50", "DICT_7X7_100", "DICT_7X7_250", "DICT_7X7_1000",
                         "DICT_ARUCO_ORIGINAL", "DICT_APRILTAG_16h5", "DICT_APRILTAG_25h9",
                         "DICT_APRILTAG_36h10", "DICT_APRILTAG_36h11", "DICT_ARUCO_MIP_36h12"]


def _check_count(v: Any, name: str, least: int, most: int = 10_000) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not least <= v <= most:
        raise InputError(f"{name}: expected an integer {least}..{most}, given {v!r}")
    return int(v)


class _GridMixin:
    """What every board with ``cols x rows`` inner corners ``square_mm`` apart shares (the
    :class:`~.board.Checkerboard`'s own grid methods)."""

    cols: int
    rows: int
    square_mm: float

    n_corners = Checkerboard.n_corners
    pattern_size = Checkerboard.pattern_size
    object_points = Checkerboard.object_points

    @property
    def min_view_corners(self) -> int:
        """Fewest identified corners a view must give to be used for calibration (they must
        also span at least 3 rows and 3 columns of the board, see
        :func:`~metrology.calib.partial.usable_view`)."""
        return 12


@dataclass(frozen=True)
class CharucoBoard(_GridMixin, CheckedFromDict, Serializable):
    """A ChArUco board: ``squares_x x squares_y`` squares, ArUco markers in the white ones.

    Parameters
    ----------
    squares_x, squares_y : int
        Squares along a row and down a column (the board has ``(squares_x - 1) x
        (squares_y - 1)`` inner corners, its ``cols x rows``).
    square_mm, marker_mm : float
        Side of a square and of a marker (the marker's black border included), mm.
    dictionary : str
        OpenCV's predefined dictionary (``"DICT_5X5_250"``, ...).
    marker_ids : tuple of int, optional
        Id of each marker in OpenCV's order (row by row from the top-left); default
        ``0 .. n_markers - 1``.  Ids must be distinct and exist in the dictionary.
    legacy_pattern : bool
        Boards printed by OpenCV < 4.6 with an even ``squares_y`` put a marker in the top-left
        square (``CharucoBoard.setLegacyPattern``).

    Examples
    --------
    >>> b = CharucoBoard(12, 9, 20.0, 15.0)
    >>> b.cols, b.rows, b.n_markers, b.object_points().shape
    (11, 8, 54, (88, 3))
    >>> CharucoBoard(4, 3, 20.0, 15.0, marker_ids=(1, 2, 2, 5, 6, 7))
    Traceback (most recent call last):
        ...
    metrology.errors.InputError: CharucoBoard.marker_ids: id 2 appears twice; every marker of a board needs its own id
    """

    squares_x: int = field(metadata={"min": 3, "max": 64})
    squares_y: int = field(metadata={"min": 3, "max": 64})
    square_mm: float = field(metadata={"min": 0.0})
    marker_mm: float = field(metadata={"min": 0.0})
    dictionary: DictionaryName = "DICT_5X5_250"
    marker_ids: tuple[int, ...] | None = None
    legacy_pattern: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False,
                         metadata={"json": False})

    def __post_init__(self) -> None:
        sx = _check_count(self.squares_x, "CharucoBoard.squares_x", 3, 64)
        sy = _check_count(self.squares_y, "CharucoBoard.squares_y", 3, 64)
        object.__setattr__(self, "squares_x", sx)
        object.__setattr__(self, "squares_y", sy)
        sq = check_positive(self.square_mm, "square_mm")
        mk = check_positive(self.marker_mm, "marker_mm")
        if mk >= sq:
            raise InputError(f"CharucoBoard.marker_mm: a marker must be smaller than its square "
                             f"({sq} mm), given {mk} mm")
        object.__setattr__(self, "square_mm", sq)
        object.__setattr__(self, "marker_mm", mk)
        if self.dictionary not in _cv.ARUCO_DICTIONARIES:
            raise InputError(f"CharucoBoard.dictionary: expected one of "
                             f"{', '.join(_cv.ARUCO_DICTIONARIES)}, given {self.dictionary!r}")
        n = self.n_markers
        size = self.dictionary_size
        if self.marker_ids is None:  # the default ids stay None (and out of station files)
            if n > size:
                raise InputError(f"CharucoBoard: {n} markers needed but {self.dictionary} has "
                                 f"only {size}; use a larger dictionary")
            ids = None
        else:
            if isinstance(self.marker_ids, (str, bytes)) or \
                    not hasattr(self.marker_ids, "__iter__"):
                raise InputError(f"CharucoBoard.marker_ids: expected a sequence of {n} "
                                 f"integers or None, given {type(self.marker_ids).__name__}")
            ids = tuple(self.marker_ids)
            if len(ids) != n:
                raise InputError(f"CharucoBoard.marker_ids: a {sx}x{sy} board holds {n} "
                                 f"markers, given {len(ids)} ids")
            for v in ids:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                    raise InputError(f"CharucoBoard.marker_ids: expected integers, given {v!r}")
            seen: set[int] = set()
            for v in ids:
                if v in seen:
                    raise InputError(f"CharucoBoard.marker_ids: id {v} appears twice; every "
                                     f"marker of a board needs its own id")
                seen.add(v)
            bad = [int(v) for v in ids if not 0 <= v < size]
            if bad:
                raise InputError(f"CharucoBoard.marker_ids: id(s) {bad} unknown to "
                                 f"{self.dictionary} (ids 0..{size - 1})")
            ids = tuple(int(v) for v in ids)
            if ids == tuple(range(n)):
                ids = None
        object.__setattr__(self, "marker_ids", ids)
        object.__setattr__(self, "legacy_pattern", check_bool(self.legacy_pattern,
                                                              "CharucoBoard.legacy_pattern"))

    # ------------------------------------------------------------------ geometry
    @property
    def cols(self) -> int:
        return self.squares_x - 1

    @property
    def rows(self) -> int:
        return self.squares_y - 1

    @property
    def ids(self) -> tuple[int, ...]:
        """The id of every marker, in OpenCV's order (``marker_ids``, or ``0 .. n - 1``)."""
        return tuple(range(self.n_markers)) if self.marker_ids is None else self.marker_ids

    @property
    def n_markers(self) -> int:
        return (self.squares_x * self.squares_y) // 2

    @property
    def dictionary_size(self) -> int:
        return int(_cv.aruco_dictionary(self.dictionary).bytesList.shape[0])

    def cv_board(self) -> Any:
        """The equivalent ``cv2.aruco.CharucoBoard`` in mm (cached)."""
        if "cv" not in self._cache:
            self._cache["cv"] = _cv.charuco_board((self.squares_x, self.squares_y),
                                                  self.square_mm, self.marker_mm,
                                                  self.dictionary, np.array(self.ids),
                                                  self.legacy_pattern)
        return self._cache["cv"]

    def marker_squares(self) -> np.ndarray:
        """Square ``(column, row)`` of each marker, in :attr:`ids` order, ``(n_markers, 2)``
        int (from OpenCV's own layout)."""
        if "squares" not in self._cache:
            obj = np.array(self.cv_board().getObjPoints(), float).reshape(-1, 4, 3)
            centre = obj[:, :, :2].mean(axis=1)
            self._cache["squares"] = np.floor(centre / self.square_mm).astype(int)
        return self._cache["squares"]

    def marker_cells(self) -> np.ndarray:
        """Cells of every marker, ``(n_markers, s + 2, s + 2)`` bool (True = white), in
        :attr:`ids` order and the marker's upright orientation on the board."""
        if "cells" not in self._cache:
            self._cache["cells"] = np.stack([_cv.aruco_marker_bits(self.dictionary, i)
                                             for i in self.ids])
        return self._cache["cells"]

    def detect(self, image: Any, *, refine: bool = True, camera: Any = None) -> BoardDetection:
        """Find the board's corners in ``image`` (any part of the board); see
        :func:`~metrology.calib.board.detect_board`, which calls this."""
        return _detect_charuco(self, image, *_detect_args(refine, camera))

    def marker_mask(self) -> tuple[np.ndarray, float]:
        """``(white, margin)``: squares holding a marker, ``(squares_y, squares_x)`` bool
        indexed (row, column) from the top-left outer square, and the white margin between a
        square's edge and its marker in squares (what the corner fit keeps out of its
        windows)."""
        white = np.zeros((self.squares_y, self.squares_x), bool)
        sq = self.marker_squares()
        white[sq[:, 1], sq[:, 0]] = True
        return white, 0.5 * (self.square_mm - self.marker_mm) / self.square_mm


def _detect_args(refine: Any, camera: Any) -> tuple[bool, Any]:
    """``detect``'s ``refine`` and ``camera`` checked."""
    from .camera import CameraModel

    if camera is not None and not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel or None, given {type(camera).__name__}")
    return check_bool(refine, "refine"), camera


def _default_dots(cols: int, rows: int) -> tuple[tuple[int, int], ...]:
    """Three dots in an L around the board's middle square (as OpenCV's example pattern)."""
    cx, cy = (cols + 1) // 2, (rows + 1) // 2
    return ((cx, cy - 1), (cx, cy), (cx + 1, cy))


@dataclass(frozen=True)
class MarkerCheckerboard(_GridMixin, CheckedFromDict, Serializable):
    """A checkerboard with marker dots (OpenCV's radon checkerboard), usable partly seen.

    The board has ``(cols + 1) x (rows + 1)`` squares, the top-left one black, like
    :class:`~.board.Checkerboard`; ``dots`` lists the squares ``(column, row)`` (counted from the
    top-left outer square, 0-based) that carry a round dot of diameter ``0.34`` squares, white
    in a black square and black in a white one.  ``findChessboardCornersSB`` needs all of them
    in view; the rest of the board may leave the image.  The dots must not be symmetric under a
    half or quarter turn of the board, so that they fix its orientation.

    Examples
    --------
    >>> b = MarkerCheckerboard(cols=19, rows=14, square_mm=10.0)
    >>> b.dots
    ((10, 6), (10, 7), (11, 7))
    """

    cols: int = field(metadata={"min": 3})
    rows: int = field(metadata={"min": 3})
    square_mm: float = field(metadata={"min": 0.0})
    dots: tuple[tuple[int, int], ...] | None = None
    min_pattern: tuple[int, int] = (4, 4)

    DOT_RADIUS = 0.17  # in squares (gen_pattern.py's radon markers)

    def __post_init__(self) -> None:
        cols = _check_count(self.cols, "MarkerCheckerboard.cols", 3)
        rows = _check_count(self.rows, "MarkerCheckerboard.rows", 3)
        object.__setattr__(self, "cols", cols)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "square_mm", check_positive(self.square_mm, "square_mm"))
        dots = _default_dots(cols, rows) if self.dots is None else self.dots
        try:
            dots = tuple((int(a), int(b)) for a, b in dots)
        except (TypeError, ValueError):
            raise InputError(f"MarkerCheckerboard.dots: expected (column, row) squares, given "
                             f"{self.dots!r}") from None
        if len(dots) != 3 or len(set(dots)) != 3:
            raise InputError(f"MarkerCheckerboard.dots: expected three distinct squares, "
                             f"given {list(dots)}")
        for a, b in dots:  # the dots must lie on inner squares (all four corners inner)
            if not (1 <= a <= cols - 1 and 1 <= b <= rows - 1):
                raise InputError(f"MarkerCheckerboard.dots: square {(a, b)} is not an inner "
                                 f"square of a board with {cols + 1}x{rows + 1} squares "
                                 f"(columns 1..{cols - 1}, rows 1..{rows - 1})")
        if _dots_symmetric(dots):
            raise InputError(f"MarkerCheckerboard.dots: {list(dots)} look the same after a "
                             f"half or quarter turn of the board, so they cannot tell its "
                             f"orientation")
        object.__setattr__(self, "dots", dots)
        mp = self.min_pattern
        if not isinstance(mp, (tuple, list)) or len(mp) != 2:
            raise InputError(f"MarkerCheckerboard.min_pattern: expected (cols, rows) >= 3, "
                             f"given {self.min_pattern!r:.60}")
        mp = tuple(check_int(v, "MarkerCheckerboard.min_pattern", min=0, max=10_000) for v in mp)
        if min(mp) < 3:
            raise InputError(f"MarkerCheckerboard.min_pattern: expected (cols, rows) >= 3, "
                             f"given {self.min_pattern!r}")
        object.__setattr__(self, "min_pattern", mp)

    def detect(self, image: Any, *, refine: bool = True, camera: Any = None) -> BoardDetection:
        """Find the board's corners in ``image`` (its dots must be in view); see
        :func:`~metrology.calib.board.detect_board`, which calls this."""
        return _detect_marker_board(self, image, *_detect_args(refine, camera))

    def dot_is_white(self) -> np.ndarray:
        """Per dot: True for a white dot (in a black square), ``(3,)``."""
        d = np.array(self.dots)
        return (d[:, 0] % 2) == (d[:, 1] % 2)


def _dots_symmetric(dots: tuple[tuple[int, int], ...]) -> bool:
    """Whether the dot pattern (positions and colours) maps onto itself under a half turn or
    a quarter turn about any centre (then it cannot tell the board's orientation)."""
    d = np.array(dots, float) + 0.5  # square centres
    colour = (np.array(dots)[:, 0] % 2) == (np.array(dots)[:, 1] % 2)
    c = d.mean(axis=0)
    for rot in (np.array([[-1, 0], [0, -1]]), np.array([[0, -1], [1, 0]]),
                np.array([[0, 1], [-1, 0]])):
        m = (d - c) @ rot.T + c
        match = [np.nonzero(np.all(np.abs(d - p) < 1e-9, axis=1))[0] for p in m]
        if all(len(k) == 1 for k in match) and \
                all(colour[k[0]] == colour[i] for i, k in enumerate(match)):
            return True
    return False


BOARD_TYPES = {"CharucoBoard": CharucoBoard, "MarkerCheckerboard": MarkerCheckerboard}


def is_partial_board(board: Any) -> bool:
    """Whether ``board`` identifies its corners (views may show part of it)."""
    return isinstance(board, (CharucoBoard, MarkerCheckerboard))


def board_from_dict(doc: Any, where: str = "board", *, error: type = InputError) -> Any:
    """Any board from its ``to_dict()``: a ``"type"`` tag names a :class:`CharucoBoard` or
    :class:`MarkerCheckerboard`; no tag is a :class:`~.board.Checkerboard` (station files of
    version 1)."""
    check_error(error, where)
    if isinstance(doc, dict) and "type" in doc:
        cls = BOARD_TYPES.get(doc["type"]) if isinstance(doc["type"], str) else None
        if cls is None:
            raise error(f"{where}.type: expected one of {sorted(BOARD_TYPES)} (or no type for "
                        f"a plain checkerboard), given {doc['type']!r}")
        return cls.from_dict(doc, where=where, error=error)
    return Checkerboard.from_dict(doc, where=where, error=error)


# ----------------------------------------------------------------------------- detection
def _prepare(image: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Gray image (float32), its 8-bit copy for OpenCV and its size; a blank image raises."""
    gray = as_gray(image, dtype=None)
    size = _cv.size_wh(gray)
    g32 = gray.astype(np.float32)
    floor = 0.5 * (1 if gray.dtype == np.uint8 else 257 if gray.dtype == np.uint16 else 1 / 255)
    if float(g32.max() - g32.min()) < 1e-6 or float(np.std(g32)) < floor:
        raise BoardNotFoundError(f"no board: the image ({size[0]}x{size[1]}) is blank "
                                 f"(uniform gray)")
    return g32, _cv.to_uint8(gray), size


def _square_corner_ids(squares: np.ndarray, cols: int, rows: int) -> np.ndarray:
    """Inner-corner indices at the four corners of squares ``(K, 2)`` (column, row counted
    from the top-left outer square), those on the board only."""
    out = []
    for dc in (-1, 0):
        for dr in (-1, 0):
            c = squares[:, 0] + dc
            r = squares[:, 1] + dr
            ok = (c >= 0) & (c < cols) & (r >= 0) & (r < rows)
            out.append(r[ok] * cols + c[ok])
    return np.unique(np.concatenate(out)) if out else np.zeros(0, int)


def _detect_charuco(board: CharucoBoard, image: Any, refine: bool, camera: Any
                    ) -> BoardDetection:
    g32, g8, size = _prepare(image)
    corners, ids, mids = _cv.detect_charuco(g8, board.cv_board())
    on_board = np.isin(mids, board.ids)
    if not np.any(on_board):
        if mids.size:
            raise BoardNotFoundError(
                f"no marker of this ChArUco board in the {size[0]}x{size[1]} image: "
                f"{mids.size} {board.dictionary} marker(s) seen, with id(s) "
                f"{sorted(set(mids.tolist()))[:12]}, none of the board's "
                f"({board.ids[0]}..{board.ids[-1]}); wrong board or dictionary?")
        raise BoardNotFoundError(f"no {board.dictionary} marker found in the "
                                 f"{size[0]}x{size[1]} image (ChArUco board "
                                 f"{board.squares_x}x{board.squares_y} squares)")
    # a marker id seen twice (two boards, a misread) makes its corners ambiguous: the markers
    # were left out of the interpolation, and their squares' corners are dropped
    vals, counts = np.unique(mids[on_board], return_counts=True)
    dup = vals[counts > 1]
    if dup.size and ids.size:
        pos = {m: k for k, m in enumerate(board.ids)}
        squares = board.marker_squares()[[pos[int(m)] for m in dup]]
        keep = ~np.isin(ids, _square_corner_ids(squares, board.cols, board.rows))
        corners, ids = corners[keep], ids[keep]
    valid = (ids >= 0) & (ids < board.n_corners)
    corners, ids = corners[valid], ids[valid]
    if ids.size < 4:
        raise BoardNotFoundError(f"ChArUco board: only {ids.size} corner(s) identified in the "
                                 f"{size[0]}x{size[1]} image (markers seen: {int(on_board.sum())}"
                                 f"{', duplicated ids ' + str(dup.tolist()) if dup.size else ''})")
    grid = np.stack([ids % board.cols, ids // board.cols], axis=1)
    good = check_identities(grid, corners)
    return _finish(board, g32, size, grid[good], corners[good], "charuco", refine, camera,
                   board.marker_mask())


def _finish(board: Any, g32: np.ndarray, size: tuple[int, int], grid: np.ndarray,
            px: np.ndarray, method: str, refine: bool, camera: Any,
            markers: tuple | None) -> BoardDetection:
    """Refine identified corners (or not) into a whole-board detection."""
    if len(grid) < 4:
        raise BoardNotFoundError(f"{type(board).__name__}: fewer than 4 corners with a "
                                 f"consistent identity in the {size[0]}x{size[1]} image")
    if not refine:
        n = board.n_corners
        res = {"corners": np.full((n, 2), np.nan), "ok": np.zeros(n, bool),
               "blur": np.full(n, np.nan), "contrast": np.full(n, np.nan),
               "rms": np.full(n, np.nan)}
        idx = grid[:, 1] * board.cols + grid[:, 0]
        res["corners"][idx] = px
        res["ok"][idx] = True
        res["square_px"] = float(np.nanmedian(square_size(lattice_predict(grid, px, grid)[1])))
        return assemble_detection(res, size, method, False)
    res = refine_partial(g32, board.cols, board.rows, grid, px, camera=camera,
                         markers=markers)
    if not np.any(res["ok"]):
        raise BoardNotFoundError(f"{type(board).__name__}: no corner could be measured in the "
                                 f"{size[0]}x{size[1]} image")
    return assemble_detection(res, size, method, True)


# the eight ways to lay the detected grid on the board: (column, row) -> L @ (column, row)
_MAPS = [np.array(m) for m in ([[1, 0], [0, 1]], [[0, -1], [1, 0]], [[-1, 0], [0, -1]],
                               [[0, 1], [-1, 0]], [[-1, 0], [0, 1]], [[1, 0], [0, -1]],
                               [[0, 1], [1, 0]], [[0, -1], [-1, 0]])]


def _detect_marker_board(board: MarkerCheckerboard, image: Any, refine: bool, camera: Any
                         ) -> BoardDetection:
    g32, g8, size = _prepare(image)
    g, meta = _cv.find_chessboard_sb_meta(g8, board.min_pattern)
    if g is None:
        raise BoardNotFoundError(
            f"no marker checkerboard found in the {size[0]}x{size[1]} image (at least "
            f"{board.min_pattern[0]}x{board.min_pattern[1]} corners around its three dots must "
            f"be in view)")
    R, C = meta.shape
    rr, cc = np.mgrid[0:R, 0:C]
    dots = np.argwhere((meta == 3) | (meta == 4))  # (row, col) of the cell's top-left corner
    if len(dots) != 3:
        raise BoardNotFoundError(f"marker checkerboard: {len(dots)} dot(s) recognised in the "
                                 f"{size[0]}x{size[1]} image, the board has 3")
    d_xy = dots[:, ::-1] + 0.5  # cell centres, detected (column, row)
    d_white = meta[dots[:, 0], dots[:, 1]] == 3
    vc = np.mean(g[:, 1:] - g[:, :-1], axis=(0, 1))
    vr = np.mean(g[1:] - g[:-1], axis=(0, 1))
    hand = np.sign(vc[0] * vr[1] - vc[1] * vr[0])
    b_xy = np.array(board.dots, float) - 0.5  # square centres, board inner (column, row)
    b_white = board.dot_is_white()
    found = []
    for L in _MAPS:
        if round(np.linalg.det(L)) != hand:
            continue
        m = d_xy @ L.T
        for k in range(3):  # the offset that puts detected dot 0 on board dot k
            off = b_xy[k] - m[0]
            hit = [np.nonzero(np.all(np.abs(b_xy - p) < 1e-6, axis=1))[0] for p in m + off]
            if all(len(h) == 1 for h in hit) and len({h[0] for h in hit}) == 3 and \
                    all(b_white[h[0]] == d_white[i] for i, h in enumerate(hit)):
                found.append((L, np.round(off).astype(int)))
    if len(found) != 1:
        raise BoardNotFoundError(f"marker checkerboard: the dots seen do not match the board's "
                                 f"{list(board.dots)} ({len(found)} placements fit)")
    L, off = found[0]
    bc = np.stack([cc.ravel(), rr.ravel()], axis=1) @ L.T + off
    px = g.reshape(-1, 2)
    on = (bc[:, 0] >= 0) & (bc[:, 0] < board.cols) & (bc[:, 1] >= 0) & (bc[:, 1] < board.rows)
    grid, px = bc[on], px[on]
    good = check_identities(grid, px)
    return _finish(board, g32, size, grid[good], px[good], "sb_marker", refine, camera, None)


def refine_target_detection(board: Any, gray: np.ndarray, det: BoardDetection, camera: Any
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Refit the corners of a partial detection with a known camera (undistorted
    coordinates): ``(corners (N, 2), ok (N,))``; corners not measured stay NaN."""
    idx = np.nonzero(det.corner_ok)[0]
    n = board.n_corners
    if idx.size < 4:
        return det.corners_xy.copy(), np.zeros(n, bool)
    grid = np.stack([idx % board.cols, idx // board.cols], axis=1)
    markers = board.marker_mask() if isinstance(board, CharucoBoard) else None
    res = refine_partial(np.asarray(gray, np.float32), board.cols, board.rows, grid,
                         det.corners_xy[idx], camera=camera, markers=markers, grow=0)
    return res["corners"], res["ok"]
