"""Camera calibration from checkerboard views: one call, honest quality figures.

:func:`calibrate` is a short sequence of stages, each a function of its own:

1. :func:`load_views` -- read every input, reject unreadable ones and ones whose size differs
   from the most common size;
2. :func:`detect_views` -- find the board with OpenCV's detectors, reject views without one;
3. :func:`fit_camera` -- calibrate with OpenCV's optimiser (the first fit, from OpenCV's
   corners, and every refit);
4. :func:`refine_in_undistorted` -- fit every corner's X-junction model **in undistorted
   coordinates** with the first camera (lens curvature no longer biases the corner model),
   reject blurred views and views with too few corners, then refit;
5. :func:`reject_outliers` -- remove single outlier corners and outlier views, then refit;
6. :func:`estimate_uncertainty` -- parameter standard deviations and projection uncertainty;
7. :func:`holdout_error` -- leave-one-view-out error.

With ``refine_pass=False`` the corner model is fitted in raw pixels at detection instead
(:func:`~metrology.calib.board.detect_board`) and step 4 is skipped.

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

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from .._version import __version__
from ..core.checks import check_bool, check_choice, check_positive
from ..errors import CalibrationError, InputError
from .board import Checkerboard, _refine_detection, refine_corners
from .camera import MODELS, CameraModel
from .inputs import IMAGE_EXTS, collect_images
from .results import (REASONS, STATION_FORMAT, STATION_VERSION, Calibration,
                      ProjectionUncertainty, RejectedView, ViewResult, param_names)
from .solver import cv_calibrate, leave_one_out
from .targets import is_partial_board, refine_target_detection
from .uncertainty import covariance, projection_uncertainty
from .views import (DetectedViews, LoadedViews, Progress, _quiet, detect_views, load_views,
                    require_views, screen_views)

__all__ = ["calibrate", "Calibration", "ViewResult", "RejectedView", "ProjectionUncertainty",
           "collect_images", "STATION_FORMAT", "STATION_VERSION", "IMAGE_EXTS", "REASONS"]
# The stage functions and their records (load_views ... holdout_error, Problem, Observations,
# CameraFit) are internal: imported by name (tests, telecentric and rig calibration), not
# exported, and they check no arguments (calibrate does).

# ----------------------------------------------------------------------------- stage data
@dataclass(frozen=True)
class Problem:
    """What is being calibrated: board, lens model, image size, flat or refined board."""

    board: Checkerboard
    model: str
    image_size: tuple[int, int]
    flat_board: bool = True


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
                          detected: DetectedViews, loaded: LoadedViews, *,
                          max_blur_px: float | None = None, progress: Progress | None = None
                          ) -> tuple[DetectedViews, Observations]:
    """Fit every corner of the used views in undistorted coordinates with ``fit.camera``
    (board lines are straight there, so lens curvature no longer biases the corner model).

    Views detected without the model fit (``detect_views(refine=False)``) get their only fit
    here, and then the checks :func:`detect_views` would have made (blur, corner count; views
    failing them are rejected). Views already fitted keep their new corners where the new fit
    succeeded, provided at least half of their corners remain usable.

    Returns
    -------
    detected : DetectedViews
        With the new detections and rejections.
    obs : Observations
        The refitted corners of the views still usable.

    Raises
    ------
    CalibrationError
        Fewer than 3 usable views remain.
    """
    board = problem.board
    partial = is_partial_board(board)
    dets = dict(detected.detections)
    corners, ok = dict(obs.corners), dict(obs.ok)
    fresh = {}
    for i in obs.views:
        det = dets[i]
        if partial:  # identified corners of part of the board (fitted at detection)
            c2, ok2 = refine_target_detection(board, loaded.grays[i], det, fit.camera)
        elif not det.refined:
            fresh[i] = dets[i] = _refine_detection(loaded.grays[i], det, board, fit.camera)
            corners[i], ok[i] = fresh[i].corners_xy.copy(), fresh[i].corner_ok.copy()
            continue
        else:
            c2, ok2, *_ = refine_corners(loaded.grays[i], det.corners_xy, board.cols,
                                         board.rows, camera=fit.camera, blur_px=det.sharpness)
        keep = ok[i] & ok2
        if keep.sum() >= 0.5 * (ok[i].sum() if partial else board.n_corners):
            corners[i] = np.where(ok2[:, None], c2, corners[i])
            ok[i] = keep
    rejected = list(detected.rejected)
    views = obs.views
    if fresh:
        screened = screen_views(fresh, loaded.names, board, max_blur_px, progress or _quiet)
        rejected += screened
        gone = {r.index for r in screened}
        views = tuple(i for i in views if i not in gone)
        require_views({i: dets[i] for i in views}, detected.n_with_board, len(loaded.names),
                       board, rejected)
    return (DetectedViews(dets, tuple(rejected), detected.n_with_board),
            replace(obs, views=views, corners=corners, ok=ok))


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


def _fold_cameras(problem: Problem, obs: Observations, fit: CameraFit) -> list:
    """The camera of each leave-one-view-out calibration (None where it fails), in the order
    of ``fit.views``: Gauss-Newton from the full calibration for a flat board
    (:func:`~metrology.calib.solver.leave_one_out`), OpenCV's re-calibration otherwise (the
    board's shape is refined then)."""
    cams: list = [None] * len(fit.views)
    if problem.flat_board:
        c = fit.camera
        theta = np.concatenate([[c.fx, c.fy, c.cx, c.cy], c.dist])
        folds = leave_one_out(theta, np.stack(fit.rvecs), np.stack(fit.tvecs), fit.board_points,
                              np.stack([obs.corners[i] for i in fit.views]),
                              np.stack([obs.ok[i] for i in fit.views]), problem.model)
        for k, th in enumerate(folds):
            if th is None:
                continue
            K = np.array([[th[0], 0.0, th[2]], [0.0, th[1], th[3]], [0.0, 0.0, 1.0]])
            try:
                cams[k] = (CameraModel(K, th[4:], problem.image_size, problem.model),
                           fit.board_points)
            except InputError:
                continue
    for k, j in enumerate(fit.views):
        if cams[k] is not None:
            continue
        try:  # OpenCV's re-calibration (a refined board shape, or a fold that did not converge)
            fj = fit_camera(problem, obs, tuple(i for i in fit.views if i != j), guess=fit.camera)
            cams[k] = (fj.camera, fj.board_points)
        except CalibrationError:
            continue
    return cams


def holdout_error(problem: Problem, obs: Observations, fit: CameraFit) -> float:
    """Leave-one-view-out reprojection RMS: each view's corners predicted by a camera
    calibrated without it (started from ``fit``), its pose by PnP. NaN with fewer than 4
    views or when no fold succeeds."""
    if len(fit.views) < 4:
        return float("nan")
    errs = []
    for j, cam in zip(fit.views, _fold_cameras(problem, obs, fit)):
        if cam is None:
            continue
        ok = obs.ok[j]
        try:
            errs.append(_pnp_errors(cam[0], cam[1][ok], obs.corners[j][ok]))
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
        Fit the corner model in undistorted coordinates, with a first camera calibrated from
        OpenCV's corners, and calibrate again (default; removes the lens-curvature bias of the
        corner model). False: fit the corners in raw pixels (one calibration less).
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
    _check_args(board, flat_board, holdout, refine_pass)
    check_choice(model, "model", MODELS)
    if progress is not None and not callable(progress):
        raise InputError(f"progress: expected a callable (i, n, name, message) or None, given "
                         f"{type(progress).__name__}")
    if max_blur_px is not None:
        max_blur_px = check_positive(max_blur_px, "max_blur_px")
    say = progress or _quiet
    loaded = load_views(images_or_paths, say)
    # with the second pass the corner model is fitted once, in undistorted coordinates: the
    # first camera comes from OpenCV's corners
    # (an id'd board's corners are fitted at detection: its lattice grows there)
    detected = detect_views(loaded, board, max_blur_px=max_blur_px, progress=say,
                            refine=not refine_pass or is_partial_board(board))
    problem = Problem(board, model, loaded.image_size, flat_board)
    n = len(loaded.names)
    obs = Observations.from_detections(detected.detections)
    say(n, n, "", f"calibrating ({len(obs.views)} views, {model} model)")
    fit = fit_camera(problem, obs)
    if refine_pass:
        say(n, n, "", "fitting corners in undistorted coordinates")
        detected, obs = refine_in_undistorted(problem, obs, fit, detected, loaded,
                                              max_blur_px=max_blur_px, progress=say)
        fit = fit_camera(problem, obs, guess=fit.camera)
    obs, fit, outliers = reject_outliers(problem, obs, fit, loaded.names)
    std, unc = estimate_uncertainty(problem, obs, fit)
    hold = float("nan")
    if holdout and len(obs.views) >= 4:
        say(n, n, "", f"hold-out check ({len(obs.views)} calibrations)")
        hold = holdout_error(problem, obs, fit)
    return _assemble(problem, obs, fit, detected, loaded.names, outliers, std, unc, hold)


def _check_args(board: Any, flat_board: bool, holdout: bool, refine_pass: bool) -> None:
    """:class:`InputError` unless ``board`` is a board :func:`calibrate` takes with
    ``flat_board`` and the switches are booleans."""
    for name, v in (("flat_board", flat_board), ("holdout", holdout),
                    ("refine_pass", refine_pass)):
        check_bool(v, name)
    if not isinstance(board, Checkerboard) and not is_partial_board(board):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    if not flat_board and is_partial_board(board):
        raise InputError("flat_board=False refines the board's corners from views that show "
                         "all of them; it cannot be used with partial views of a "
                         f"{type(board).__name__}")


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
