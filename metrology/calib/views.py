"""The first stages of :func:`~metrology.calib.calibrate`: read the views, find the board.

:func:`load_views` reads every input and rejects unreadable ones and ones of another size than
most; :func:`detect_views` finds the board in each (OpenCV's detectors, optionally the corner
model fit) and rejects views without one; :func:`screen_views` applies the checks that need
the corner model (blur, corner count), wherever that fit happens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import _cv
from ..errors import BoardNotFoundError, CalibrationError, InputError
from ..image.io import as_gray
from .board import BoardDetection, Checkerboard, detect_board
from .inputs import _collect
from .partial import usable_view
from .results import RejectedView
from .targets import is_partial_board

#: Internal stages of :func:`~metrology.calib.calibrate` (their records come from the
#: pipeline, so they check no arguments): imported by name, not exported.
__all__: list[str] = []

Progress = Callable[[int, int, str, str], None]


def _quiet(i: int, n: int, name: str, msg: str) -> None:
    """The default progress callback: says nothing."""


@dataclass(frozen=True, eq=False)
class LoadedViews:
    """Output of :func:`load_views`.

    Attributes
    ----------
    names : tuple of str
        One per input (file name, or ``"image i"`` for arrays).
    grays : tuple of ndarray (h, w) or None
        The gray images; None where the view was rejected.
    image_size : (w, h)
        The most common image size (the calibration's).
    rejected : tuple of RejectedView
    """

    names: tuple
    grays: tuple
    image_size: tuple[int, int]
    rejected: tuple


@dataclass(frozen=True, eq=False)
class DetectedViews:
    """Output of :func:`detect_views`: the usable detections by input index, every rejection
    so far (loading included) and how many views had a board at all."""

    detections: dict
    rejected: tuple
    n_with_board: int



# ----------------------------------------------------------------------------- 1. load
def load_views(images_or_paths: Any, progress: Progress | None = None) -> LoadedViews:
    """Read every view; reject unreadable ones and those of another size than most.

    Parameters
    ----------
    images_or_paths : folder, glob pattern, path, image array, or a list of paths / arrays
        See :func:`~metrology.calib.inputs.collect_images`.
    progress : callable ``(i, n, name, message)``, optional

    Returns
    -------
    LoadedViews

    Raises
    ------
    InputError
        A named file does not exist.
    CalibrationError
        No image could be read.
    """
    say = progress or _quiet
    items = _collect(images_or_paths)
    n = len(items)
    grays: list[np.ndarray | None] = []
    rejected: list[RejectedView] = []
    for i, (name, src) in enumerate(items):
        try:
            grays.append(as_gray(src, name=name, dtype=None))
        except InputError as exc:
            if isinstance(src, (str, os.PathLike)) and not Path(src).is_file():
                raise
            grays.append(None)
            rejected.append(RejectedView(i, name, "unreadable", str(exc)))
            say(i + 1, n, name, f"unreadable: {exc}")
    sizes = {i: _cv.size_wh(g) for i, g in enumerate(grays) if g is not None}
    if not sizes:
        raise CalibrationError(f"none of the {n} image(s) could be read")
    counts: dict[tuple[int, int], int] = {}
    for s in sizes.values():
        counts[s] = counts.get(s, 0) + 1
    ref = max(counts, key=lambda s: (counts[s], s))
    for i, s in sizes.items():
        if s != ref:
            name = items[i][0]
            rejected.append(RejectedView(i, name, "size_mismatch", f"image is {s[0]}x{s[1]}, the "
                                         f"other views are {ref[0]}x{ref[1]}"))
            say(i + 1, n, name, f"rejected: size {s[0]}x{s[1]}")
            grays[i] = None
    return LoadedViews(tuple(name for name, _ in items), tuple(grays), ref, tuple(rejected))


# ----------------------------------------------------------------------------- 2. detect
def _quality(det: BoardDetection, board: Checkerboard, max_blur_px: float | None
             ) -> tuple[str, str] | None:
    """``(reason, detail)`` when a fitted detection is unusable: blurrier than
    ``max_blur_px``, or fewer than half of its corners measured (an id'd board's view: too
    few corners or rows and columns, :func:`~metrology.calib.partial.usable_view`)."""
    if max_blur_px is not None and det.sharpness > max_blur_px:
        return "blur", f"edge blur sigma {det.sharpness:.2f} px > max_blur_px {max_blur_px:.2f}"
    if is_partial_board(board):  # a view may show part of the board
        usable, why = usable_view(det.corner_ok, board.cols, board.min_view_corners)
        return None if usable else ("too_few_corners", why)
    if det.n_ok < 0.5 * board.n_corners:
        return "too_few_corners", (f"only {det.n_ok} of {board.n_corners} corners could be "
                                   f"measured")
    return None


def _found(det: BoardDetection) -> str:
    if not det.refined:
        return f"board found ({det.method})"
    return f"board found ({det.n_ok} corners, {det.method}, blur {det.sharpness:.2f} px)"


def _reject_blurred(dets: dict, names: tuple, progress: Progress) -> list[RejectedView]:
    """Automatic blur limit: views blurrier than 2.5x the median view (and > 1.5 px) are
    removed from ``dets`` (in place) and returned as rejections."""
    blur_med = float(np.median([d.sharpness for d in dets.values()]))
    limit = max(2.5 * blur_med, 1.5)
    out = []
    for i in sorted(dets):
        if dets[i].sharpness > limit:
            out.append(RejectedView(i, names[i], "blur", f"edge blur sigma "
                                    f"{dets[i].sharpness:.2f} px > 2.5 x the median view's "
                                    f"{blur_med:.2f} px"))
            progress(i + 1, len(names), names[i], f"rejected: blurred ({dets[i].sharpness:.2f} px)")
            del dets[i]
    return out


def screen_views(dets: dict, names: tuple, board: Checkerboard, max_blur_px: float | None,
            progress: Progress) -> list[RejectedView]:
    """Remove unusable fitted detections from ``dets`` (int -> BoardDetection, in place):
    too blurred or too few corners (:func:`_quality`) per view, then the automatic blur
    limit (views blurrier than 2.5x the median view and > 1.5 px); returns the rejections."""
    out = []
    for i in sorted(dets):
        why = _quality(dets[i], board, max_blur_px)
        if why is not None:
            out.append(RejectedView(i, names[i], *why))
            if why[0] == "blur":
                progress(i + 1, len(names), names[i],
                         f"rejected: blurred ({dets[i].sharpness:.2f} px)")
            del dets[i]
    if max_blur_px is None and len(dets) >= 3:
        out += _reject_blurred(dets, names, progress)
    return out


#: Views in a row that must show the same other board size before calibrate stops early.
_SIZE_VIEWS = 3


def _check_board_size(seen: list, board: Checkerboard) -> None:
    """Stop early (:class:`CalibrationError`) when the first :data:`_SIZE_VIEWS` views all
    show a whole checkerboard of one other size than ``board``'s, instead of searching every
    remaining view for a board that is not there (seconds per view)."""
    if len(seen) < _SIZE_VIEWS or seen[0] is None or any(s != seen[0] for s in seen):
        return
    a, b = seen[0]
    if (a, b) == tuple(sorted((board.cols, board.rows), reverse=True)):
        return  # the right size, just not detected with the given one's detectors
    raise CalibrationError(
        f"the first {len(seen)} views show a checkerboard of {a}x{b} inner corners, not "
        f"{board.cols}x{board.rows}: give the board size in inner corners (a board of "
        f"{a + 1}x{b + 1} squares has {a}x{b} inner corners), e.g. --board {a}x{b}")


def require_views(dets: dict, n_board: int, n: int, board: Checkerboard,
                   rejected: list) -> None:
    """Raise :class:`CalibrationError` unless at least 3 views (``dets``) are usable; the
    message says how many views had a board and why the others were rejected."""
    if n_board == 0:
        raise CalibrationError(
            f"no {board.cols}x{board.rows} board found in any of the {n} view(s) "
            f"(0 of {n} had a board); check the board size (inner corners) and that the "
            f"whole board is visible")
    if len(dets) < 3:
        raise CalibrationError(
            f"only {len(dets)} usable view(s) of {n} ({n_board} had a board); "
            f"calibration needs at least 3 (rejected: "
            f"{', '.join(f'{Path(r.name).name}: {r.reason}' for r in rejected) or 'none'})")


def detect_views(loaded: LoadedViews, board: Checkerboard, *, max_blur_px: float | None = None,
                 refine: bool = True, progress: Progress | None = None) -> DetectedViews:
    """Detect the board in every loaded view and keep the usable ones.

    Parameters
    ----------
    loaded : LoadedViews
    board : Checkerboard
    max_blur_px : float, optional
        Reject views whose median fitted edge blur exceeds this; default: views blurrier
        than 2.5x the median view (and > 1.5 px).
    refine : bool
        Fit the corner model here (:func:`~metrology.calib.board.detect_board`); False keeps
        OpenCV's corners, to be fitted once a camera is known
        (:func:`refine_in_undistorted`), and leaves the blur and corner-count checks to it.
    progress : callable ``(i, n, name, message)``, optional

    Returns
    -------
    DetectedViews

    Raises
    ------
    CalibrationError
        No board in any view, or fewer than 3 usable views.
    """
    say = progress or _quiet
    n = len(loaded.names)
    rejected = list(loaded.rejected)
    dets: dict[int, BoardDetection] = {}
    n_board = 0
    seen: list = []  # sizes the first views show when the given size is not found
    for i, gray in enumerate(loaded.grays):
        if gray is None:
            continue
        name = loaded.names[i]
        try:
            det = detect_board(gray, board, refine=refine)
        except BoardNotFoundError as exc:
            rejected.append(RejectedView(i, name, "no_board", str(exc)))
            say(i + 1, n, name, "no board")
            if n_board == 0 and isinstance(board, Checkerboard) and len(seen) < _SIZE_VIEWS:
                seen.append(_cv.board_size_seen(_cv.to_uint8(gray)))
                _check_board_size(seen, board)
            continue
        n_board += 1
        why = _quality(det, board, max_blur_px) if refine else None
        if why is None:
            dets[i] = det
            say(i + 1, n, name, _found(det))
        else:
            rejected.append(RejectedView(i, name, *why))
            if why[0] == "blur":
                say(i + 1, n, name, f"rejected: blurred ({det.sharpness:.2f} px)")
    if refine and max_blur_px is None and len(dets) >= 3:
        rejected += _reject_blurred(dets, loaded.names, say)
    require_views(dets, n_board, n, board, rejected)
    return DetectedViews(dets, tuple(rejected), n_board)
