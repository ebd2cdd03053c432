"""Camera calibration from checkerboard views: one call, honest quality figures.

:func:`calibrate` is a short sequence of stages, each a function of its own:

1. :func:`load_views` -- read every input, reject unreadable ones and ones whose size differs
   from the most common size;
2. :func:`detect_views` -- detect the board (:func:`~metrology.calib.board.detect_board`,
   unbiased corner model fit), reject views without a board, blurred views and views with too
   few corners;
3. :func:`fit_camera` -- calibrate with OpenCV's optimiser (the initial fit, and every refit);
4. :func:`reject_outliers` -- remove single outlier corners and outlier views, then refit;
5. :func:`refine_in_undistorted` -- **re-fit every corner in undistorted coordinates** with the
   current camera (lens curvature no longer biases the corner model), then refit;
6. :func:`estimate_uncertainty` -- parameter standard deviations and projection uncertainty;
7. :func:`holdout_error` -- leave-one-view-out error.

It reports:

* ``rms_px`` / ``per_view_rms_px``: reprojection error of the views used;
* ``holdout_rms_px``: leave-one-view-out error (each view's corners predicted by a camera
  calibrated without it, the view's pose by PnP) -- the figure to trust for new images;
* ``param_std``: standard deviation of each intrinsic parameter from the Jacobian of the full
  problem (``sigma^2 (J^T J)^-1``, extrinsics marginalised);
* ``uncertainty``: the resulting 1-sigma projection uncertainty over the image (RMS and max
  over a grid), i.e. how far a given ray's predicted pixel may be off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import _cv
from .._version import __version__
from ..core.checks import check_choice, check_positive
from ..errors import BoardNotFoundError, CalibrationError, InputError
from ..image.io import as_gray
from .board import BoardDetection, Checkerboard, detect_board, refine_corners
from .camera import MODELS, CameraModel
from .inputs import IMAGE_EXTS, collect_images
from .results import (REASONS, STATION_FORMAT, STATION_VERSION, Calibration,
                      ProjectionUncertainty, RejectedView, ViewResult, param_names)
from .solver import cv_calibrate
from .targets import is_partial_board, refine_target_detection
from .partial import usable_view
from .uncertainty import covariance, projection_uncertainty

__all__ = ["calibrate", "Calibration", "ViewResult", "RejectedView", "ProjectionUncertainty",
           "collect_images", "STATION_FORMAT", "STATION_VERSION", "IMAGE_EXTS", "REASONS",
           "load_views", "detect_views", "fit_camera", "reject_outliers",
           "refine_in_undistorted", "estimate_uncertainty", "holdout_error", "LoadedViews",
           "DetectedViews", "Observations", "CameraFit", "Problem"]

Progress = Callable[[int, int, str, str], None]


def _quiet(i: int, n: int, name: str, msg: str) -> None:
    """The default progress callback: says nothing."""


# ----------------------------------------------------------------------------- stage data
@dataclass(frozen=True)
class Problem:
    """What is being calibrated: board, lens model, image size, flat or refined board."""

    board: Checkerboard
    model: str
    image_size: tuple[int, int]
    flat_board: bool = True


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


@dataclass(frozen=True, eq=False)
class Observations:
    """The corners the optimiser sees.

    Attributes
    ----------
    views : tuple of int
        Input indices of the views used, in order.
    corners : dict int -> ndarray (N, 2)
        Measured corners of each view (distorted pixels).
    ok : dict int -> ndarray (N,) bool
        Corners used.
    n_rejected_corners : int
        Single corners removed as outliers.
    """

    views: tuple
    corners: dict
    ok: dict
    n_rejected_corners: int = 0

    @classmethod
    def from_detections(cls, detections: dict) -> Observations:
        idx = tuple(sorted(detections))
        return cls(idx, {i: detections[i].corners_xy.copy() for i in idx},
                   {i: detections[i].corner_ok.copy() for i in idx})

    def view_lists(self, views: tuple, board_points: np.ndarray, flat_board: bool
                   ) -> tuple[list, list]:
        """Per-view board points and pixels for the optimiser (all corners when the board
        shape is refined: ``calibrateCameraRO`` needs every view to give every point)."""
        if flat_board:
            return ([board_points[self.ok[i]] for i in views],
                    [self.corners[i][self.ok[i]] for i in views])
        return [board_points for _ in views], [self.corners[i] for i in views]


@dataclass(frozen=True, eq=False)
class CameraFit:
    """One calibration of a set of views.

    Attributes
    ----------
    camera : CameraModel
    views : tuple of int
        Input indices, in the order of ``rvecs``/``tvecs``.
    rvecs, tvecs : list of ndarray (3,)
    board_points : ndarray (N, 3)
        Board points used (refined by the optimiser when the board is not flat).
    residuals : dict int -> ndarray (N,)
        Reprojection error of every corner of each view (px).
    """

    camera: CameraModel
    views: tuple
    rvecs: list
    tvecs: list
    board_points: np.ndarray
    residuals: dict

    def view_rms(self, obs: Observations) -> np.ndarray:
        """Reprojection RMS of each view's used corners, ``(V,)``."""
        return np.array([float(np.sqrt(np.mean(self.residuals[i][obs.ok[i]] ** 2)))
                         for i in self.views])


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
    items = collect_images(images_or_paths)
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
def _detect_one(gray: np.ndarray, board: Checkerboard, max_blur_px: float | None
                ) -> tuple[BoardDetection | None, tuple[str, str] | None, str]:
    """Detection of one view: ``(detection or None, (reason, detail) or None, message)``."""
    try:
        det = detect_board(gray, board)
    except BoardNotFoundError as exc:
        return None, ("no_board", str(exc)), "no board"
    if max_blur_px is not None and det.sharpness > max_blur_px:
        return det, ("blur", f"edge blur sigma {det.sharpness:.2f} px > max_blur_px "
                             f"{max_blur_px:.2f}"), f"rejected: blurred ({det.sharpness:.2f} px)"
    if is_partial_board(board):  # a view may show part of the board
        usable, why = usable_view(det.corner_ok, board.cols, board.min_view_corners)
        if not usable:
            return det, ("too_few_corners", why), ""
    elif det.n_ok < 0.5 * board.n_corners:
        return det, ("too_few_corners", f"only {det.n_ok} of {board.n_corners} corners could "
                                        f"be measured"), ""
    return det, None, (f"board found ({det.n_ok} corners, {det.method}, blur "
                       f"{det.sharpness:.2f} px)")


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


def detect_views(loaded: LoadedViews, board: Checkerboard, *, max_blur_px: float | None = None,
                 progress: Progress | None = None) -> DetectedViews:
    """Detect the board in every loaded view and keep the usable ones.

    Parameters
    ----------
    loaded : LoadedViews
    board : Checkerboard
    max_blur_px : float, optional
        Reject views whose median fitted edge blur exceeds this; default: views blurrier
        than 2.5x the median view (and > 1.5 px).
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
    for i, gray in enumerate(loaded.grays):
        if gray is None:
            continue
        det, why, msg = _detect_one(gray, board, max_blur_px)
        n_board += det is not None
        if why is None:
            dets[i] = det
        else:
            rejected.append(RejectedView(i, loaded.names[i], *why))
        if msg:
            say(i + 1, n, loaded.names[i], msg)
    if max_blur_px is None and len(dets) >= 3:
        rejected += _reject_blurred(dets, loaded.names, say)
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
    return DetectedViews(dets, tuple(rejected), n_board)


# ----------------------------------------------------------------------------- 3. fit
def fit_camera(problem: Problem, obs: Observations, views: tuple | None = None,
               guess: CameraModel | None = None) -> CameraFit:
    """Calibrate from the observed corners of ``views`` (default: ``obs.views``).

    Parameters
    ----------
    problem : Problem
    obs : Observations
    views : tuple of int, optional
        Input indices of the views to use.
    guess : CameraModel, optional
        Starting intrinsics (the previous fit).

    Returns
    -------
    CameraFit

    Raises
    ------
    CalibrationError
        OpenCV failed, or the fit diverged to an invalid camera.
    """
    views = obs.views if views is None else tuple(views)
    obj_all = problem.board.object_points()
    o, p = obs.view_lists(views, obj_all, problem.flat_board)
    K0 = None if guess is None else np.array(guess.K)
    d0 = None if guess is None else np.array(guess.dist)
    K, d, rv, tv, newobj = cv_calibrate(o, p, problem.image_size, problem.model, K0, d0,
                                        problem.flat_board, problem.board.cols - 1)
    objp = obj_all if newobj is None else newobj
    try:
        cam = CameraModel(K, d, problem.image_size, problem.model)
    except InputError as exc:
        raise CalibrationError(f"calibration diverged ({exc}); the views may be too similar "
                               f"(vary the board's tilt and position) or the lens model "
                               f"too flexible for the data") from None
    res = {i: _view_residuals(cam, objp, r, t, obs.corners[i], obs.ok[i])
           for i, r, t in zip(views, rv, tv)}
    return CameraFit(cam, views, rv, tv, objp, res)


def _view_residuals(cam: CameraModel, objp: np.ndarray, rvec: np.ndarray, tvec: np.ndarray,
                    corners: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Reprojection error of each corner ``(N,)``; NaN for corners not measured (a partial
    view's far board points may even lie behind the camera)."""
    if ok.all():
        return np.linalg.norm(cam.project(objp, rvec, tvec) - corners, axis=1)
    out = np.full(len(objp), np.nan)
    out[ok] = np.linalg.norm(cam.project(objp[ok], rvec, tvec) - corners[ok], axis=1)
    return out


# ----------------------------------------------------------------------------- 4. reject
def reject_outliers(problem: Problem, obs: Observations, fit: CameraFit, names: tuple,
                    ) -> tuple[Observations, CameraFit, list[RejectedView]]:
    """Remove single outlier corners (flat boards) and outlier views, and refit if anything
    changed.

    A corner is an outlier when its residual exceeds ``max(5 sigma, 0.25 px)`` (``sigma``
    from the median residual) and at most a tenth of its view's corners are; a view is an
    outlier when its RMS exceeds ``max(3 x, + 0.5 px)`` the median view's, as long as 3 views
    remain.

    Returns
    -------
    obs : Observations
    fit : CameraFit
        Refitted when corners or views were removed.
    rejected : list of RejectedView
        The outlier views.
    """
    ok = dict(obs.ok)
    n_bad_corners = obs.n_rejected_corners
    if problem.flat_board:
        allr = np.concatenate([fit.residuals[i][ok[i]] for i in obs.views])
        sig = np.median(allr) / 1.1774  # median of a 2-D Gaussian error's norm is 1.1774 sigma
        thr = max(5.0 * sig, 0.25)
        partial = is_partial_board(problem.board)
        for i in obs.views:
            bad = ok[i] & (fit.residuals[i] > thr)
            n_view = int(ok[i].sum()) if partial else problem.board.n_corners
            if 0 < bad.sum() <= max(1, n_view // 10):
                ok[i] = ok[i] & ~bad
                n_bad_corners += int(bad.sum())
    obs = replace(obs, ok=ok, n_rejected_corners=n_bad_corners)
    view_rms = dict(zip(obs.views, fit.view_rms(obs)))
    med = float(np.median(list(view_rms.values())))
    bad_views = [i for i in obs.views if view_rms[i] > max(3.0 * med, med + 0.5)]
    rejected = []
    if bad_views and len(obs.views) - len(bad_views) >= 3:
        rejected = [RejectedView(i, names[i], "outlier", f"reprojection RMS {view_rms[i]:.3f} "
                                 f"px vs median {med:.3f} px") for i in bad_views]
        obs = replace(obs, views=tuple(i for i in obs.views if i not in bad_views))
        changed = True
    else:
        changed = problem.flat_board and n_bad_corners > 0
    if changed:
        fit = fit_camera(problem, obs, guess=fit.camera)
    return obs, fit, rejected


# ----------------------------------------------------------------------------- 5. refine
def refine_in_undistorted(problem: Problem, obs: Observations, fit: CameraFit,
                          detected: DetectedViews, grays: tuple) -> Observations:
    """Re-fit every corner of the used views in undistorted coordinates with ``fit.camera``
    (board lines are straight there, so lens curvature no longer biases the corner model).

    A view keeps its new corners where their fit succeeded, provided at least half of its
    corners remain usable.
    """
    board = problem.board
    partial = is_partial_board(board)
    corners, ok = dict(obs.corners), dict(obs.ok)
    for i in obs.views:
        if partial:  # identified corners of part of the board
            c2, ok2 = refine_target_detection(board, grays[i], detected.detections[i], fit.camera)
        else:
            c2, ok2, *_ = refine_corners(grays[i].astype(np.float32),
                                         detected.detections[i].corners_xy, board.cols,
                                         board.rows, camera=fit.camera)
        keep = ok[i] & ok2
        if keep.sum() >= 0.5 * (ok[i].sum() if partial else board.n_corners):
            corners[i] = np.where(ok2[:, None], c2, corners[i])
            ok[i] = keep
    return replace(obs, corners=corners, ok=ok)


# ----------------------------------------------------------------------------- 6. uncertainty
def estimate_uncertainty(problem: Problem, obs: Observations, fit: CameraFit
                         ) -> tuple[np.ndarray, ProjectionUncertainty | None]:
    """Standard deviation of each intrinsic parameter ``(P,)`` and the projection uncertainty
    over the image (NaN and None when the problem is degenerate)."""
    cam = fit.camera
    theta = np.concatenate([[cam.fx, cam.fy, cam.cx, cam.cy], cam.dist])
    obs_xy = np.stack([obs.corners[i] for i in fit.views])
    mask = np.stack([obs.ok[i] for i in fit.views])
    try:
        cov, _ = covariance(theta, np.stack(fit.rvecs), np.stack(fit.tvecs), fit.board_points,
                            obs_xy, mask, problem.model)
        std = np.sqrt(np.maximum(np.diag(cov), 0))
        unc = projection_uncertainty(cam, theta, cov)
    except (np.linalg.LinAlgError, InputError):
        std = np.full(theta.size, np.nan)
        unc = None
    return std, unc


# ----------------------------------------------------------------------------- 7. hold-out
def _pnp_errors(camera: CameraModel, obj: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Per-corner reprojection errors of one view with its pose estimated by PnP."""
    from .plane import _solve_pose

    rvec, tvec = _solve_pose(camera, obj, px)
    return np.linalg.norm(camera.project(obj, rvec, tvec) - px, axis=1)


def holdout_error(problem: Problem, obs: Observations, fit: CameraFit) -> float:
    """Leave-one-view-out reprojection RMS: each view's corners predicted by a camera
    calibrated without it (started from ``fit``), its pose by PnP. NaN with fewer than 4
    views or when no fold succeeds."""
    if len(obs.views) < 4:
        return float("nan")
    errs = []
    for j in obs.views:
        others = tuple(i for i in obs.views if i != j)
        try:
            fj = fit_camera(problem, obs, others, guess=fit.camera)
            ok = obs.ok[j]
            errs.append(_pnp_errors(fj.camera, fj.board_points[ok], obs.corners[j][ok]))
        except (CalibrationError, InputError):
            continue
    if not errs:
        return float("nan")
    return float(np.sqrt(np.mean(np.concatenate(errs) ** 2)))


# ----------------------------------------------------------------------------- main entry
def calibrate(images_or_paths: Any, board: Checkerboard, model: str = "standard", *,
              flat_board: bool = True, holdout: bool = True, max_blur_px: float | None = None,
              refine_pass: bool = True, progress: Progress | None = None) -> Calibration:
    """Calibrate a camera from checkerboard views.

    Parameters
    ----------
    images_or_paths : folder, glob pattern (``"calib_images/*.png"``), path, image array, or a
        list of paths / arrays
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
        Inner corners and square size in mm.  The last two identify their corners, so a
        view may show part of the board (at least 12 corners over 3 rows and columns), e.g.
        to reach the image corners.
    model : {"standard", "rational", "thin_prism", "tilted", "fisheye"}
        Lens model (see :mod:`metrology.calib.camera`).
    flat_board : bool
        False: also refine the board's 3-D corner positions (``calibrateCameraRO``), for
        boards that are not perfectly flat.
    holdout : bool
        Compute the leave-one-view-out error (one extra calibration per view).
    max_blur_px : float, optional
        Views whose corners' fitted edge blur sigma (px) exceeds this are rejected as
        ``blur``. Default: automatic, views blurrier than 2.5x the median view (and > 1.5 px).
    refine_pass : bool
        Re-fit every corner in undistorted coordinates with the first estimate and calibrate
        again (default; removes the lens-curvature bias of the corner model).
    progress : callable ``(i, n, name, message)``, optional
        Called after each view is examined and at each stage.

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        Missing files, bad arguments.
    CalibrationError
        No board in any view (the message says how many views had a board) or fewer than 3
        usable views.

    Examples
    --------
    >>> cal = calibrate("calib_images/view_0[0-4].png", Checkerboard(9, 6, 20.0),
    ...                 holdout=False)
    >>> len(cal.views), cal.rms_px < 0.05
    (5, True)
    """
    if not isinstance(board, Checkerboard) and not is_partial_board(board):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    if not flat_board and is_partial_board(board):
        raise InputError("flat_board=False refines the board's corners from views that show "
                         "all of them; it cannot be used with partial views of a "
                         f"{type(board).__name__}")
    check_choice(model, "model", MODELS)
    if max_blur_px is not None:
        max_blur_px = check_positive(max_blur_px, "max_blur_px")
    say = progress or _quiet
    loaded = load_views(images_or_paths, say)
    detected = detect_views(loaded, board, max_blur_px=max_blur_px, progress=say)
    problem = Problem(board, model, loaded.image_size, flat_board)
    n = len(loaded.names)
    obs = Observations.from_detections(detected.detections)
    say(n, n, "", f"calibrating ({len(obs.views)} views, {model} model)")
    fit = fit_camera(problem, obs)
    obs, fit, outliers = reject_outliers(problem, obs, fit, loaded.names)
    if refine_pass:
        say(n, n, "", "re-fitting corners in undistorted coordinates")
        obs = refine_in_undistorted(problem, obs, fit, detected, loaded.grays)
        fit = fit_camera(problem, obs, guess=fit.camera)
    std, unc = estimate_uncertainty(problem, obs, fit)
    hold = float("nan")
    if holdout and len(obs.views) >= 4:
        say(n, n, "", f"hold-out check ({len(obs.views)} calibrations)")
        hold = holdout_error(problem, obs, fit)
    return _assemble(problem, obs, fit, detected, loaded.names, outliers, std, unc, hold)


def _assemble(problem: Problem, obs: Observations, fit: CameraFit, detected: DetectedViews,
              names: tuple, outliers: list, std: np.ndarray,
              unc: ProjectionUncertainty | None, hold: float) -> Calibration:
    """The :class:`Calibration` of the final fit."""
    per_view = fit.view_rms(obs)
    allr = np.concatenate([fit.residuals[i][obs.ok[i]] for i in fit.views])
    views = tuple(ViewResult(i, names[i], r, t, float(pv), obs.corners[i], obs.ok[i],
                             detected.detections[i].sharpness)
                  for i, r, t, pv in zip(fit.views, fit.rvecs, fit.tvecs, per_view))
    rejected = sorted(list(detected.rejected) + list(outliers), key=lambda r: r.index)
    return Calibration(fit.camera, problem.board, float(np.sqrt(np.mean(allr ** 2))), per_view,
                       hold, views, tuple(rejected), tuple(param_names(problem.model)), std, unc,
                       np.asarray(fit.board_points, float), obs.n_rejected_corners,
                       problem.flat_board,
                       datetime.now(timezone.utc).isoformat(timespec="seconds"), __version__)
