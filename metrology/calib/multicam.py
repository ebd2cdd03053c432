"""Several cameras calibrated together: intrinsics and relative poses from shared board views.

:func:`calibrate_rig` takes, per camera, its views of a board, matched by *scene* (the same
board pose seen at the same moment by several cameras; partial views welcome with id'd boards).
Each camera is first calibrated on its own (:func:`~metrology.calib.calibrate`'s stages, the
corners refitted in undistorted coordinates), then one bundle adjustment refines everything
together:

* per camera ``c``: intrinsics ``[fx, fy, cx, cy, dist...]`` and, except for the reference
  camera (the first), its pose ``T_c_ref`` (rotation vector + translation, mm);
* per scene ``s``: the board's pose in the reference camera ``T_ref_board(s)``;
* residual: every corner of every view, ``project_c(T_c_ref T_ref_board(s) X) - measured``.

Relative poses start from each pair's per-scene poses (rotation mean, translation mean) along
the co-visibility graph.  A plain checkerboard looks the same after half a turn, so two
cameras may number its corners differently; each scene's numbering is made consistent with
the first camera that saw it (the symmetry that agrees with the relative pose most scenes
support).  The covariance of the intrinsics and relative poses (scenes marginalised) gives
each relative pose's uncertainty (:meth:`~metrology.calib.rig.RigCalibration.relative_pose`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np

from .._version import __version__
from ..core.checks import check_bool, check_choice
from ..errors import CalibrationError, InputError
from .board import Checkerboard
from .bundle import BlockProblem, global_covariance, solve_blocks
from .calibration import (Observations, Problem, detect_views, fit_camera, load_views,
                          refine_in_undistorted, reject_outliers)
from .camera import MODELS, CameraModel, rodrigues
from .results import RejectedView, param_names
from .rig import RelativePose, RigCalibration, RigView, _rt, compose, invert, pose_matrix
from .solver import project_params, rotate_points
from .targets import is_partial_board

__all__ = ["calibrate_rig", "RigCalibration", "RigView", "RelativePose"]

Progress = Callable[[int, int, str, str], None]


def _quiet(i: int, n: int, name: str, msg: str) -> None:
    """The default progress callback: says nothing."""


def _mean_transform(Ts: list[np.ndarray]) -> np.ndarray:
    """Chordal mean of rotations (SVD of the summed matrices) and mean translation."""
    U, _, Vt = np.linalg.svd(sum(T[:3, :3] for T in Ts))
    R = U @ Vt
    if np.linalg.det(R) < 0:
        R = U @ np.diag([1, 1, -1]) @ Vt
    out = np.eye(4)
    out[:3, :3] = R
    out[:3, 3] = np.mean([T[:3, 3] for T in Ts], axis=0)
    return out


# ----------------------------------------------------------------------------- inputs
def _scene_lists(views: Any) -> tuple[list[str], list[str], list[list]]:
    """Camera names, scene keys and ``items[c][s]`` (image/path or None) from the user's
    ``{camera: list or dict}``."""
    if not isinstance(views, dict) or not views:
        raise InputError("views: expected a dict camera name -> list of images (one per scene, "
                         "None where the camera has no view) or dict scene -> image")
    names = [str(k) for k in views]
    vals = list(views.values())
    if all(isinstance(v, dict) for v in vals):
        scenes = sorted({str(s) for v in vals for s in v})
        items = [[v.get(s, v.get(_maybe_int(s))) for s in scenes] for v in vals]
        return names, scenes, items
    if any(isinstance(v, dict) for v in vals):
        raise InputError("views: give every camera's views as lists, or every camera's as "
                         "dicts scene -> image, not a mix")
    lists = []
    for n, v in zip(names, vals):
        if isinstance(v, (str, os.PathLike)):
            from .inputs import collect_images

            v = [src for _, src in collect_images(v)]
        try:
            lists.append(list(v))
        except TypeError:
            raise InputError(f"views[{n!r}]: expected a list of images or paths") from None
    lens = {len(v) for v in lists}
    if len(lens) != 1:
        raise InputError(f"views: every camera needs one entry per scene (None where it has no "
                         f"view); given {dict(zip(names, map(len, lists)))} entries")
    return names, [str(s) for s in range(lens.pop())], lists


def _maybe_int(s: str) -> Any:
    try:
        return int(s)
    except ValueError:
        return s


# ----------------------------------------------------------------------------- the fit
@dataclass(frozen=True, eq=False)
class _Cam:
    """One camera's own calibration on the way in."""

    name: str
    problem: Problem
    obs: Observations
    scene_of: dict  # input index (within this camera's views) -> scene index
    camera: CameraModel
    poses: dict  # scene index -> T_cam_board (4x4)
    names: tuple
    rejected: list


def _calibrate_one(name: str, items: list, board: Any, model: str, refine_pass: bool,
                   say: Progress) -> _Cam:
    """A camera's own calibration (the stages of :func:`~metrology.calib.calibrate`)."""
    present = [s for s, it in enumerate(items) if it is not None]
    if not present:
        raise CalibrationError(f"camera {name!r} has no view")
    loaded = load_views([items[s] for s in present], say)
    mism = [r for r in loaded.rejected if r.reason == "size_mismatch"]
    if mism:
        raise InputError(f"camera {name!r}: its views differ in size ({mism[0].detail}); every "
                         f"view of a camera must come from it at its full resolution")
    try:
        detected = detect_views(loaded, board, progress=say)
    except CalibrationError as exc:
        raise CalibrationError(f"camera {name!r}: {exc}") from None
    problem = Problem(board, model, loaded.image_size, True)
    obs = Observations.from_detections(detected.detections)
    fit = fit_camera(problem, obs)
    obs, fit, outliers = reject_outliers(problem, obs, fit, loaded.names)
    if refine_pass:
        detected, obs = refine_in_undistorted(problem, obs, fit, detected, loaded)
        fit = fit_camera(problem, obs, guess=fit.camera)
    scene_of = {i: present[i] for i in range(len(present))}
    poses = {scene_of[i]: pose_matrix(r, t) for i, r, t in zip(fit.views, fit.rvecs, fit.tvecs)}
    rejected = [RejectedView(scene_of[r.index], f"{name}: {r.name}", r.reason, r.detail)
                for r in list(detected.rejected) + list(outliers)]
    return _Cam(name, problem, obs, scene_of, fit.camera, poses, loaded.names, rejected)


def _symmetries(board: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The board's own symmetries: ``(perm (N,), F (4, 4))`` with ``X[perm[k]] = F X[k]``.

    A plain checkerboard looks the same turned by half a turn (a quarter turn too when
    square), so two cameras may number the same corners differently; id'd boards have only
    the identity."""
    n = board.n_corners
    out = [(np.arange(n), np.eye(4))]
    if is_partial_board(board):
        return out
    obj = board.object_points()
    c = np.r_[(board.cols - 1) * board.square_mm / 2, (board.rows - 1) * board.square_mm / 2, 0]
    turns = (2,) if board.cols != board.rows else (1, 2, 3)
    for q in turns:
        R = rodrigues(np.array([0.0, 0.0, q * np.pi / 2]))
        F = np.eye(4)
        F[:3, :3] = R
        F[:3, 3] = c - R @ c
        moved = obj @ R.T + F[:3, 3]
        d = np.linalg.norm(moved[:, None, :] - obj[None, :, :], axis=-1)
        out.append((np.argmin(d, axis=1), F))
    return out


def _distance(T1: np.ndarray, T2: np.ndarray, scale: float) -> float:
    """Rotation angle (deg) between two poses plus their translation difference in units of
    ``scale`` (mm per degree)."""
    dR = T1[:3, :3].T @ T2[:3, :3]
    ang = np.degrees(np.arccos(np.clip((np.trace(dR) - 1) / 2, -1.0, 1.0)))
    return float(ang + np.linalg.norm(T1[:3, 3] - T2[:3, 3]) / scale)


def _edge(ca: _Cam, cb: _Cam, syms: list, scale: float) -> np.ndarray | None:
    """``T_b_a`` from the scenes both cameras saw, trying every board symmetry per scene
    and keeping the relative pose most scenes agree on."""
    shared = sorted(set(ca.poses) & set(cb.poses))
    if not shared:
        return None
    cands = {(s, g): compose(cb.poses[s], F, invert(ca.poses[s]))
             for s in shared for g, (_, F) in enumerate(syms)}

    def support(T: np.ndarray) -> tuple[int, float]:
        best = [min(_distance(T, cands[(s, g)], scale) for g in range(len(syms)))
                for s in shared]
        return sum(d < 2.0 for d in best), -sum(min(d, 2.0) for d in best)
    ref = max(cands.values(), key=support)
    chosen = [min((cands[(s, g)] for g in range(len(syms))),
                  key=lambda T: _distance(ref, T, scale)) for s in shared]
    chosen = [T for T in chosen if _distance(ref, T, scale) < 2.0]
    return _mean_transform(chosen)


def _initial_poses(cams: list[_Cam], n_scenes: int, board: Any
                   ) -> tuple[list[np.ndarray], dict, list[_Cam]]:
    """``T_cam_ref`` of every camera (breadth-first over shared scenes), ``T_ref_board``
    of every scene seen, and the cameras with every view's corners numbered like the first
    camera that saw its scene (a plain checkerboard's half-turn ambiguity resolved)."""
    syms = _symmetries(board)
    sizes = [np.linalg.norm(p[:3, 3]) for c in cams for p in c.poses.values()]
    scale = 0.02 * max(float(np.median(sizes)) if sizes else 1.0, 1e-9)  # 2 % of range/deg
    T = {0: np.eye(4)}
    todo = [0]
    while todo:
        a = todo.pop(0)
        for b in range(len(cams)):
            if b in T:
                continue
            T_ba = _edge(cams[a], cams[b], syms, scale)
            if T_ba is None:
                continue
            T[b] = compose(T_ba, T[a])
            todo.append(b)
    lost = [cams[c].name for c in range(len(cams)) if c not in T]
    if lost:
        raise CalibrationError(f"camera(s) {lost} share no scene (a board seen at the same "
                               f"time) with {cams[0].name!r} or the cameras linked to it; "
                               f"their pose in the rig cannot be found")
    # every scene numbered like the first camera that saw it
    cams = [_relabel(c, {}, syms) for c in cams]
    scenes = {}
    for s in range(n_scenes):
        seen = [c for c in range(len(cams)) if s in cams[c].poses]
        if not seen:
            continue
        ref = compose(invert(T[seen[0]]), cams[seen[0]].poses[s])
        est = [ref]
        for c in seen[1:]:
            g = min(range(len(syms)), key=lambda g: _distance(
                ref, compose(invert(T[c]), cams[c].poses[s], syms[g][1]), scale))
            if g:
                cams[c] = _relabel(cams[c], {s: g}, syms)
            est.append(compose(invert(T[c]), cams[c].poses[s]))
        scenes[s] = _mean_transform(est)
    return [T[c] for c in range(len(cams))], scenes, cams


def _relabel(cam: _Cam, flips: dict, syms: list) -> _Cam:
    """A copy of ``cam`` with the views of scenes ``flips`` (scene -> symmetry) renumbered."""
    if not flips:
        return cam
    corners, ok, poses = dict(cam.obs.corners), dict(cam.obs.ok), dict(cam.poses)
    for i, s in cam.scene_of.items():
        if s in flips and i in corners:
            perm, F = syms[flips[s]]
            corners[i] = corners[i][perm]
            ok[i] = ok[i][perm]
            poses[s] = compose(poses[s], F)
    obs = Observations(cam.obs.views, corners, ok, cam.obs.n_rejected_corners)
    return _Cam(cam.name, cam.problem, obs, cam.scene_of, cam.camera, poses, cam.names,
                cam.rejected)


def _rig_problem(cams: list[_Cam], scene_ids: list[int], x_ref: np.ndarray
                 ) -> tuple[BlockProblem, int, list[int]]:
    """The joint problem: global ``[intrinsics of every camera, T_c_ref of cameras 1..]``,
    blocks = scenes ``(rvec, tvec)`` of ``T_ref_board``."""
    obj = cams[0].problem.board.object_points()
    n_int = [4 + len(c.camera.dist) for c in cams]
    starts = np.cumsum([0] + n_int)
    pose0 = int(starts[-1])
    pos = {s: k for k, s in enumerate(scene_ids)}
    per_cam = []
    for c in cams:
        rows = [(pos[c.scene_of[i]], np.where(c.obs.ok[i][:, None], c.obs.corners[i], 0.0),
                 c.obs.ok[i]) for i in c.obs.views if c.scene_of[i] in pos]
        per_cam.append((np.array([r[0] for r in rows], int), np.stack([r[1] for r in rows]),
                        np.stack([r[2] for r in rows])[..., None]))

    def residuals(g: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = []
        for ci, (cam, (sidx, O, m)) in enumerate(zip(cams, per_cam)):
            theta = g[starts[ci]:starts[ci + 1]]
            P = rotate_points(b[sidx, :3], np.broadcast_to(obj, (len(sidx),) + obj.shape)) + \
                b[sidx, None, 3:]
            if ci:
                pv = g[pose0 + 6 * (ci - 1):pose0 + 6 * ci]
                P = P @ rodrigues(pv[:3]).T + pv[3:]
            px = project_params(theta, cam.problem.model, P)
            out.append(np.where(m, px - O, 0.0).ravel())
        return np.concatenate(out)
    row_block = np.concatenate([np.repeat(sidx, obj.shape[0] * 2) for sidx, _, _ in per_cam])
    n_obs = int(sum(2 * m.sum() for _, _, m in per_cam))
    g_steps = np.empty(len(x_ref))
    for ci in range(len(cams)):
        for k in range(n_int[ci]):
            v = x_ref[starts[ci] + k]
            g_steps[starts[ci] + k] = 1e-6 * max(abs(v), 1.0) if k < 4 else 1e-7
    for ci in range(1, len(cams)):
        base = pose0 + 6 * (ci - 1)
        g_steps[base:base + 3] = 1e-7
        g_steps[base + 3:base + 6] = 1e-6 * max(float(np.abs(x_ref[base + 3:base + 6]).max()),
                                                1.0)
    t_scale = 1e-6 * max(1.0, float(np.median([np.linalg.norm(p[:3, 3]) for c in cams
                                               for p in c.poses.values()])))
    prob = BlockProblem(residuals, len(x_ref), len(scene_ids), 6, g_steps,
                        np.array([1e-7, 1e-7, 1e-7, t_scale, t_scale, t_scale]), row_block)
    return prob, n_obs, list(starts)


def calibrate_rig(views: dict, board: Any, model: str = "standard", *,
                  refine_pass: bool = True, progress: Progress | None = None
                  ) -> RigCalibration:
    """Calibrate several cameras at once: intrinsics and relative poses.

    Parameters
    ----------
    views : dict camera name -> list or dict
        Per camera, its images (paths or arrays) by scene: lists of equal length (``None``
        where a camera has no view of that scene), a folder or glob pattern (sorted files,
        one per scene), or dicts ``scene -> image``.  The first camera is the reference.
    board : Checkerboard, CharucoBoard or MarkerCheckerboard
        With id'd boards a view may show part of the board.
    model : str
        Lens model of every camera (:data:`metrology.calib.camera.MODELS`, not fisheye).
    refine_pass : bool
        Refit every corner in undistorted coordinates before the joint fit (as
        :func:`~metrology.calib.calibrate`).
    progress : callable ``(i, n, name, message)``, optional

    Returns
    -------
    RigCalibration

    Raises
    ------
    InputError
        Bad ``views`` (lists of different lengths), a camera whose views differ in size.
    CalibrationError
        A camera without views (or fewer than 3 usable), a camera that shares no scene with
        the others.

    Examples
    --------
    >>> rig = calibrate_rig({"left": left_files, "right": right_files},
    ...                     Checkerboard(9, 6, 25.0))                     # doctest: +SKIP
    >>> print(rig.relative_pose("left", "right"))                         # doctest: +SKIP
    """
    check_choice(model, "model", tuple(m for m in MODELS if m != "fisheye"))
    refine_pass = check_bool(refine_pass, "refine_pass")
    if not isinstance(board, Checkerboard) and not is_partial_board(board):
        raise InputError(f"board: expected a Checkerboard, CharucoBoard or MarkerCheckerboard, "
                         f"given {type(board).__name__}")
    if progress is not None and not callable(progress):
        raise InputError(f"progress: expected a callable or None, given {type(progress).__name__}")
    say = progress or _quiet
    names, scenes, items = _scene_lists(views)
    if len(set(names)) != len(names):
        raise InputError(f"views: camera names must be distinct, given {names}")
    cams = []
    for name, its in zip(names, items):
        say(0, len(names), name, f"calibrating camera {name!r} on its own")
        cams.append(_calibrate_one(name, its, board, model, refine_pass, say))
    T_cam_ref, scene_T, cams = _initial_poses(cams, len(scenes), board)
    scene_ids = sorted(scene_T)
    g0 = np.concatenate([np.r_[[c.camera.fx, c.camera.fy, c.camera.cx, c.camera.cy],
                               c.camera.dist] for c in cams] +
                        [_rt(T) for T in T_cam_ref[1:]])
    b0 = np.stack([_rt(scene_T[s]) for s in scene_ids])
    say(0, 0, "", f"joint fit of {len(cams)} cameras over {len(scene_ids)} scenes")
    prob, n_obs, starts = _rig_problem(cams, scene_ids, g0)
    x = solve_blocks(prob, prob.join(g0, b0))
    cov, _, _ = global_covariance(prob, x, n_obs)
    return _result(cams, names, scenes, scene_ids, board, model, prob, x, starts, cov, n_obs)


def _result(cams: list[_Cam], names: list, scenes: list, scene_ids: list, board: Any,
            model: str, prob: BlockProblem, x: np.ndarray, starts: list, cov: np.ndarray,
            n_obs: int) -> RigCalibration:
    """The :class:`RigCalibration` of the joint fit ``x``."""
    g, b = prob.split(x)
    pnames = [f"{c.name}.{p}" for c in cams for p in param_names(c.problem.model)] + \
        [f"{c.name}.{p}" for c in cams[1:] for p in ("rx", "ry", "rz", "tx", "ty", "tz")]
    pose0 = starts[-1]
    cameras, Ts = [], [np.eye(4)]
    for ci, c in enumerate(cams):
        th = g[starts[ci]:starts[ci + 1]]
        try:
            cameras.append(CameraModel([[th[0], 0, th[2]], [0, th[1], th[3]], [0, 0, 1]],
                                       th[4:], c.problem.image_size, model))
        except InputError as exc:
            raise CalibrationError(f"joint calibration diverged for camera {c.name!r} ({exc})"
                                   ) from None
        if ci:
            pv = g[pose0 + 6 * (ci - 1):pose0 + 6 * ci]
            Ts.append(pose_matrix(pv[:3], pv[3:]))
    # per-view RMS and the overall figures from the joint residuals (the residual vector
    # runs camera by camera, view by view, N corners each)
    r = np.linalg.norm(prob.residuals(g, b).reshape(-1, 2), axis=1)
    n = board.n_corners
    rig_views, per_cam, offset = [], [], 0
    pos = {s: k for k, s in enumerate(scene_ids)}
    for c in cams:
        sq = []
        for i in c.obs.views:
            if c.scene_of[i] not in pos:
                continue
            rv, ok = r[offset:offset + n], c.obs.ok[i]
            offset += n
            sq.append(rv[ok] ** 2)
            rig_views.append(RigView(c.name, scenes[c.scene_of[i]], str(c.names[i]),
                                     c.obs.corners[i], ok, float(np.sqrt(np.mean(rv[ok] ** 2)))))
        per_cam.append(float(np.sqrt(np.mean(np.concatenate(sq)))))
    rms = float(np.sqrt(np.sum(r ** 2) / (n_obs / 2)))
    rejected = sorted([rv for c in cams for rv in c.rejected], key=lambda v: (v.index, v.name))
    return RigCalibration(tuple(names), tuple(cameras), np.stack(Ts), board,
                          tuple(scenes[s] for s in scene_ids),
                          np.stack([pose_matrix(v[:3], v[3:]) for v in b]), tuple(rig_views),
                          rms, np.array(per_cam), tuple(pnames), 0.5 * (cov + cov.T),
                          np.sqrt(np.maximum(np.diag(cov), 0)), tuple(rejected),
                          datetime.now(timezone.utc).isoformat(timespec="seconds"), __version__)
