"""Sub-pixel checkerboard corners by a least-squares fit of a blurred X-junction model.

The model of the gray level at pixel ``p`` near a corner ``c``:

``I(p) = (m + A * erf(d1 / (sqrt2 s)) * erf(d2 / (sqrt2 s))) * (1 + g . (p - c))``

where ``d1``, ``d2`` are the signed distances of ``p`` to the two board lines through ``c``
(any angle between them, so perspective is modelled), ``s`` is the edge blur and ``m, A``
absorb brightness and contrast.  The illumination gradient ``g`` (relative, per pixel)
multiplies the whole pattern, as light falling on the board (and vignetting) does: the image
is illumination times reflectance, so the contrast falls with the mean level.  Without it the
pattern is point-symmetric about ``c``, like the blurred and pixel-integrated image of a real
corner, so the fitted ``c`` is unbiased where gradient-based refiners (``cornerSubPix``) are
not.  An *additive* gradient (``m + g . (p - c) + A E``, this model before 2026-12) leaves the
contrast's gradient ``A (g . (p - c)) E`` unmodelled; that term is odd about ``c`` like the
corner's own Jacobian, so it moved every corner down the illumination gradient: towards the
image centre under vignetting, a plane located from the corners 7-12 ppm too far (the
render's 15 % vignetting, blur 0.9-1.5 px), about 1 ppm without vignetting.

All corners of a view are fitted together: one batched Levenberg-Marquardt over ``(N, M)``
arrays (``N`` corners, ``M`` pixels of a disk-shaped window each), the model and its Jacobian
evaluated once per iteration, only for the corners still iterating.  With numba installed
(the ``fast`` extra) the same fit runs compiled, corner by corner in float64
(:mod:`metrology.calib._kernels`); this NumPy code is then the reference it is tested
against, and the fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..core.checks import as_points, check_finite, check_int
from ..errors import InputError, ShapeError
from ..image.io import check_image
from . import _accel
from ._windows import _disk_offsets, _sample_windows  # noqa: F401 (tests use them here)
from .camera import CameraModel

#: ``corner_model`` and ``fit_corner_models`` are internal (no argument checks).
__all__ = ["refine_corners"]  # (CornerRefinement: its result, built only here)

#: Largest fit window radius :func:`refine_corners` accepts (px): a window holds ~pi R^2
#: pixels per corner, and a corner model fitted beyond a few squares' blur learns nothing.
MAX_RADIUS_PX = 64.0

# Python floats: they keep float32 arithmetic float32 (NumPy scalars would promote it)
_SQ2 = math.sqrt(2.0)
_C = math.sqrt(2.0 / math.pi)
# erf(x) = 1 - t (a1 + t (a2 + ... + t a5)) exp(-x^2), t = 1 / (1 + p x), x >= 0: Abramowitz &
# Stegun 7.1.26, |error| <= 1.5e-7 (1.4e-7 measured against scipy.special.erf)
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(u: np.ndarray, gauss: np.ndarray) -> np.ndarray:
    """``erf(u)`` given ``gauss = exp(-u^2)`` (which the Jacobian needs anyway), to 1.5e-7.

    Three times faster than :func:`scipy.special.erf` here, because the exponential is
    shared; odd by construction, so the corner model stays exactly point-symmetric.  The error
    is ``1.5e-7`` of the contrast (about 3e-5 gray levels), far below any image noise.
    """
    a1, a2, a3, a4, a5 = _ERF_A
    t = 1.0 / (1.0 + _ERF_P * np.abs(u))
    return np.copysign(1.0 - t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * gauss, u)
_RECENTRE_PX = 0.25  # a corner fitted this far from its window's centre is fitted again
_BLOCK = 14  # corners per block of the fit: 16 x ~700 px x 9 float32 stays in the CPU cache


# ----------------------------------------------------------------------------- geometry
def _neighbour_geometry(corners: np.ndarray, cols: int, rows: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per corner: row direction angle, column direction angle (radians) and distance to the
    nearest neighbouring corner (4- and diagonal neighbours), each ``(N,)``."""
    g = corners.reshape(rows, cols, 2)
    dc = np.empty_like(g)
    dc[:, 1:-1] = (g[:, 2:] - g[:, :-2]) / 2
    dc[:, 0] = g[:, 1] - g[:, 0]
    dc[:, -1] = g[:, -1] - g[:, -2]
    dr = np.empty_like(g)
    dr[1:-1] = (g[2:] - g[:-2]) / 2
    dr[0] = g[1] - g[0]
    dr[-1] = g[-1] - g[-2]
    th_c = np.arctan2(dc[..., 1], dc[..., 0]).ravel()
    th_r = np.arctan2(dr[..., 1], dr[..., 0]).ravel()
    # distances to the right, lower, lower-right and lower-left neighbours; each pair is
    # counted for both of its corners
    dmin = np.full((rows, cols), np.inf)
    for a, b in ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1, :], np.s_[1:, :]),
                 (np.s_[:-1, :-1], np.s_[1:, 1:]), (np.s_[:-1, 1:], np.s_[1:, :-1])):
        e = g[b] - g[a]
        d = np.hypot(e[..., 0], e[..., 1])
        np.fmin(dmin[a], d, out=dmin[a])
        np.fmin(dmin[b], d, out=dmin[b])
    return th_c, th_r, dmin.ravel()


# ----------------------------------------------------------------------------- model
def corner_model(p: np.ndarray, X: np.ndarray, Y: np.ndarray, jac: bool = True
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """The X-junction model and its Jacobian for ``N`` corners at once.

    Parameters
    ----------
    p : ndarray (N, 9)
        ``[x0, y0, th1, th2, log_s, m, A, gx, gy]`` per corner: the corner, the two line
        angles (radians), the log of the blur, offset, contrast and the relative illumination
        gradient (1/px; it multiplies offset and contrast).
    X, Y : ndarray (N, M)
        Pixel positions (in the same frame as ``x0, y0``); the arithmetic is done in their
        dtype (float32 needs positions near the origin, e.g. relative to each window).
    jac : bool
        Also return the Jacobian.

    Returns
    -------
    f : ndarray (N, M)
    Jt : ndarray (N, 9, M) or None
        ``Jt[n, k, m] = d f[n, m] / d p[n, k]`` (parameter-major, so each row is contiguous).
    """
    p = p.astype(X.dtype, copy=False)
    x0, y0, t1, t2, ls, m, A, gx, gy = (p[:, i:i + 1] for i in range(9))
    s = np.exp(np.minimum(np.maximum(ls, -4.0), 4.0))
    dx = X - x0
    dy = Y - y0
    s1, c1, s2, c2 = np.sin(t1), np.cos(t1), np.sin(t2), np.cos(t2)
    d1 = dy * c1 - dx * s1
    d2 = dy * c2 - dx * s2
    k = 1.0 / (_SQ2 * s)
    u1 = d1 * k
    u2 = d2 * k
    q1 = np.exp(-u1 * u1)
    q2 = np.exp(-u2 * u2)
    e1 = _erf(u1, q1)
    e2 = _erf(u2, q2)
    E = e1 * e2
    B = m + A * E  # the reflectance pattern, times the illumination G
    G = 1.0 + gx * dx + gy * dy
    f = B * G
    if not jac:
        return f, None
    AsG = A * (_C / s) * G
    a1 = AsG * q1 * e2
    a2 = AsG * q2 * e1
    Jt = np.empty((p.shape[0], 9) + X.shape[1:], dtype=X.dtype)
    Jt[:, 0] = a1 * s1 + a2 * s2 - B * gx
    Jt[:, 1] = -(a1 * c1 + a2 * c2) - B * gy
    Jt[:, 2] = -a1 * (dx * c1 + dy * s1)
    Jt[:, 3] = -a2 * (dx * c2 + dy * s2)
    Jt[:, 4] = -(a1 * d1 + a2 * d2)
    Jt[:, 5] = G
    Jt[:, 6] = E * G
    Jt[:, 7] = B * dx
    Jt[:, 8] = B * dy
    return f, Jt


def _levenberg_step(Jt: np.ndarray, r: np.ndarray, w: np.ndarray, lam: np.ndarray
                    ) -> np.ndarray:
    """Damped Gauss-Newton steps ``(N, 9)`` from ``Jt (N, 9, M)``, residuals and weights
    ``(N, M)`` and the damping ``lam (N,)`` (Marquardt's diagonal scaling)."""
    Jw = Jt * w[:, None, :]
    JTJ = (Jw @ Jt.transpose(0, 2, 1)).astype(np.float64)
    JTr = (Jw @ r[:, :, None])[..., 0].astype(np.float64)
    A = JTJ.copy()
    d = A.reshape(len(A), 81)[:, ::10]  # view of the diagonals
    d += lam[:, None] * (d + 1e-9)
    try:
        return np.linalg.solve(A, JTr[..., None])[..., 0]
    except np.linalg.LinAlgError:  # a singular corner: least squares for every corner
        return np.stack([np.linalg.lstsq(a_, b_, rcond=None)[0] for a_, b_ in zip(A, JTr)])


def fit_corner_models(vals: np.ndarray, X: np.ndarray, Y: np.ndarray, w: np.ndarray,
                      p0: np.ndarray, *, max_iter: int = 40, step_tol_px: float = 2e-4,
                      linear_start: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Levenberg-Marquardt fit of :func:`corner_model`.

    A corner stops when a step is accepted that moves it less than ``step_tol_px`` (or
    lowers the cost by less than 1e-9 relative), or when the damping exceeds 1e8.  Each
    iteration evaluates the model once, for the corners still iterating, with the Jacobian
    only where the step is not already below the tolerance.  Corners are processed in blocks
    of 18, so the ``(block, 9, M)`` Jacobian stays in the CPU's cache (3.6x faster than one
    block of 54 here).  With numba the compiled fit runs instead (the same rules, float64
    whatever the input dtype; see :mod:`metrology.calib._kernels`).

    Parameters
    ----------
    vals, X, Y, w : ndarray (N, M)
        Gray levels, pixel positions and weights.
    p0 : ndarray (N, 9)
        Starting parameters.
    max_iter : int
    step_tol_px : float
        Convergence: a step moving the corner less than this (the corner is then within
        about 1e-6 px of the optimum: the steps shrink by ~30x per iteration).
    linear_start : bool
        Replace the linear parameters ``(m, A, gx, gy)`` of ``p0`` by their weighted least
        squares solution at ``p0``'s geometry first.

    Returns
    -------
    p : ndarray (N, 9)
    rms : ndarray (N,)
        Weighted residual RMS in gray levels.
    converged : ndarray (N,) bool
    """
    vals, X, Y, w, p0 = (np.asarray(a) for a in (vals, X, Y, w, p0))
    if vals.ndim != 2 or not (vals.shape == X.shape == Y.shape == w.shape) or \
            p0.shape != (len(vals), 9):
        raise ShapeError(f"fit_corner_models: expected vals, X, Y, w of one shape (N, M) and p0 "
                         f"(N, 9), given {vals.shape}, {X.shape}, {Y.shape}, {w.shape} and "
                         f"{p0.shape}")
    max_iter = check_int(max_iter, "max_iter", min=0)
    step_tol_px = check_finite(step_tol_px, "step_tol_px", min=0.0)
    k = _accel.kernels()
    if k is not None:  # the same fit compiled, corner by corner, in float64
        f64 = (lambda a: np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
        return k.fit_corners(f64(vals), f64(X), f64(Y), f64(w), f64(p0), int(max_iter),
                             float(step_tol_px), bool(linear_start))
    out = np.empty_like(p0, dtype=np.float64), np.empty(len(p0)), np.empty(len(p0), bool)
    for b in range(0, len(p0), _BLOCK):  # blocks of corners: the (N, M) arrays stay in cache
        sl = slice(b, b + _BLOCK)
        out[0][sl], out[1][sl], out[2][sl] = _fit_block(vals[sl], X[sl], Y[sl], w[sl], p0[sl],
                                                        max_iter, step_tol_px, linear_start)
    return out


def _cost(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted residual sum of squares ``(N,)``, accumulated in float64."""
    return np.sum(w * r * r, axis=1, dtype=np.float64)


def _linear_start(p: np.ndarray, vals: np.ndarray, X: np.ndarray, Y: np.ndarray,
                  w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start ``(m, A, gx, gy)`` at the geometry of ``p (N, 9)``: the weighted least squares
    of the additive model ``m + A E + g_a . d`` (linear), its gradient made relative
    (``g = g_a / m``); returns ``p`` with them, and :func:`corner_model` (f, Jt) there (from
    the one evaluation at unit contrast)."""
    p = p.copy()
    p[:, 5:9] = (0.0, 1.0, 0.0, 0.0)
    E, Jt = corner_model(p, X, Y, True)  # rows 0..4 at unit contrast, 5: 1, 6: erf * erf
    dx = X - p[:, 0:1].astype(X.dtype)
    dy = Y - p[:, 1:2].astype(X.dtype)
    Jt[:, 7] = dx
    Jt[:, 8] = dy
    L = Jt[:, 5:9]  # the additive model's linear basis 1, E, dx, dy
    Lw = L * w[:, None, :]
    LTL = (Lw @ L.transpose(0, 2, 1)).astype(np.float64) + 1e-9 * np.eye(4)
    LTb = (Lw @ vals[:, :, None])[..., 0].astype(np.float64)
    lin = np.linalg.solve(LTL, LTb[..., None])[..., 0]
    p[:, 5:7] = lin[:, 0:2]
    p[:, 7:9] = _relative_gradient(lin)
    m, A, gx, gy = (p[:, i:i + 1].astype(X.dtype) for i in range(5, 9))
    B = m + A * E
    G = 1.0 + gx * dx + gy * dy
    Jt[:, :5] *= (A * G)[:, None, :]  # rows 0..4: proportional to the contrast and G,
    Jt[:, 0] -= B * gx  # less the illumination's own shift
    Jt[:, 1] -= B * gy
    Jt[:, 5] = G
    Jt[:, 6] = E * G
    Jt[:, 7] = B * dx
    Jt[:, 8] = B * dy
    return p, B * G, Jt


def _relative_gradient(lin: np.ndarray) -> np.ndarray:
    """``(N, 2)`` relative illumination gradient ``g_a / m`` from the additive fit's ``lin =
    (m, A, gax, gay) (N, 4)``; 0 where the offset is too small to divide by (the fit finds
    it)."""
    m = lin[:, :1]
    ok = np.abs(m) > 1e-6 * np.maximum(np.abs(lin[:, 1:2]), 1e-300)
    return np.where(ok, lin[:, 2:4] / np.where(ok, m, 1.0), 0.0)


def _fit_block(vals: np.ndarray, X: np.ndarray, Y: np.ndarray, w: np.ndarray,
               p0: np.ndarray, max_iter: int, step_tol_px: float, linear_start: bool
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`fit_corner_models` on one block of corners; the arrays of the corners still
    iterating are compacted whenever some finish."""
    if linear_start:
        p, f, Jt = _linear_start(p0, vals, X, Y, w)
    else:
        p = p0.copy()
        f, Jt = corner_model(p, X, Y, True)
    n = len(p)
    out_p, out_cost, out_done = p.copy(), np.empty(n), np.zeros(n, bool)
    idx = np.arange(n)
    r = vals - f
    cost = _cost(r, w)
    lam = np.full(n, 1e-3)
    wsum = np.sum(w, axis=1)
    for _ in range(max_iter):
        step = _levenberg_step(Jt, r, w, lam)
        pn = p + step
        small = np.max(np.abs(step[:, :2]), axis=1) < step_tol_px
        big = np.nonzero(~small)[0]
        if big.size == len(pn):
            fn, Jn = corner_model(pn, X, Y, True)
        else:  # a converging corner needs the model's value, not its Jacobian
            sm = np.nonzero(small)[0]
            fn = np.empty(vals.shape)
            fn[sm] = corner_model(pn[sm], X[sm], Y[sm], False)[0]
            Jn = None
            if big.size:
                fn[big], Jn = corner_model(pn[big], X[big], Y[big], True)
        rn = vals - fn
        cn = _cost(rn, w)
        # a step below the tolerance is taken unless it raises the cost beyond the rounding
        # of float32 residuals (its true gain, ~1e-10, is below that rounding)
        better = ((cn < cost) | (small & (cn <= cost * (1 + 1e-6)))) & np.all(
            np.isfinite(pn), axis=1)
        rel = np.where(better, (cost - cn) / np.maximum(cost, 1e-30), 0)
        p = np.where(better[:, None], pn, p)
        r = np.where(better[:, None], rn, r)
        cost = np.where(better, cn, cost)
        if Jn is not None:
            take = better[big]
            Jt[big[take]] = Jn[take]
        lam = np.where(better, lam * 0.3, lam * 10)
        done = (better & (small | (rel < 1e-9))) | (lam > 1e8)
        if done.any():
            out_p[idx[done]], out_cost[idx[done]], out_done[idx[done]] = p[done], cost[done], True
            keep = ~done
            if not keep.any():
                break
            idx, p, r, cost, lam, Jt = idx[keep], p[keep], r[keep], cost[keep], lam[keep], Jt[keep]
            vals, X, Y, w = vals[keep], X[keep], Y[keep], w[keep]
    else:
        out_p[idx], out_cost[idx] = p, cost
    rms = np.sqrt(out_cost / np.maximum(wsum, 1e-12))
    return out_p, rms, out_done


# ----------------------------------------------------------------------------- windows
def _undistort_windows(camera: Any, X: np.ndarray, Y: np.ndarray, wt: np.ndarray,
                       cur: np.ndarray) -> tuple[np.ndarray, ...]:
    """Window pixels and corners in undistorted pixel coordinates.

    Every window pixel is undistorted by Newton's method to 1e-6 px (a hundredth of the corner
    fit's own convergence), starting from the local affine inverse of the lens at its corner,
    which leaves one iteration to do.

    Returns
    -------
    X, Y, wt : ndarray (N, M)
        Undistorted positions; zero weight where a pixel cannot be undistorted.
    centre : ndarray (N, 2)
        Undistorted corners (the distorted ones where they cannot be undistorted).
    valid : ndarray (N,) bool
    """
    centre = camera.undistort_points(cur, on_invalid="nan")
    valid = np.all(np.isfinite(centre), -1)
    centre = np.where(valid[:, None], centre, cur)
    Xu, Yu = camera._undistort_near(X, Y, cur, centre, tol_px=1e-6)
    bad = ~np.isfinite(Xu)
    if bad.any():
        wt = np.where(bad, 0.0, wt)
        Xu[bad] = 0.0
        Yu[bad] = 0.0
    return Xu, Yu, wt, centre, valid


# ----------------------------------------------------------------------------- refinement
def _initial_params(centre: np.ndarray, cols: int, rows: int, blur_px: float) -> np.ndarray:
    """Starting geometry ``(N, 9)``: the corner, the board-line angles from its neighbours and
    the blur (the linear parameters are solved by :func:`fit_corner_models`)."""
    th_c, th_r, _ = _neighbour_geometry(centre, cols, rows)
    p = np.zeros((len(centre), 9))
    p[:, 0:2] = centre
    p[:, 2] = th_c
    p[:, 3] = th_r
    p[:, 4] = np.log(blur_px)
    return p


def _plausible(p: np.ndarray, rms: np.ndarray, conv: np.ndarray, moved: np.ndarray,
               jump: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Fits to keep ``(N,)``: converged, finite, moved less than half the window, a blur
    between 0.15 px and the window, board lines at least 11 degrees apart, contrast well
    above the residual."""
    s = np.exp(p[:, 4])
    ang = np.abs(np.sin(p[:, 2] - p[:, 3]))
    return (conv & np.all(np.isfinite(moved), 1) & (jump < 0.5 * radius)
            & (s > 0.15) & (s < radius) & (ang > 0.2) & (np.abs(p[:, 6]) > 5 * rms))


def _fit_pass(gray: np.ndarray, cur: np.ndarray, radius: np.ndarray, offsets: tuple,
              board: tuple[int, int, float], camera: Any, p_start: np.ndarray | None,
              weight: Any = None) -> tuple[np.ndarray, ...]:
    """One fit of the corners ``cur (N, 2)`` in windows centred on them.

    Starts from ``p_start`` (warm start of every parameter, corner replaced by ``cur``) or
    cold: the neighbours' geometry (``board`` is ``(cols, rows, starting blur)``), the linear
    parameters then solved first.  ``weight`` (callable ``(X, Y) -> (N, M)``, raw pixel
    positions) multiplies the window weights.

    Returns parameters ``(N, 9)`` (in undistorted pixels with a camera), residual RMS,
    converged mask, fitted corners in raw pixels ``(N, 2)`` and the valid mask.
    """
    vals, X, Y, wt = _sample_windows(gray, cur, radius, *offsets)
    if weight is not None:
        wt = wt * weight(X, Y)
    valid = np.ones(len(cur), bool)
    centre = cur
    if camera is not None:
        X, Y, wt, centre, valid = _undistort_windows(camera, X, Y, wt, cur)
    if p_start is None:
        p0 = _initial_params(centre, *board)
    else:
        p0 = p_start.copy()
    # positions relative to each window's own origin (the starting corner): NumPy computes in
    # float32 there (the compiled fit in float64)
    p0[:, 0:2] = 0.0
    dt = np.float64 if _accel.kernels() is not None else np.float32
    Xl = (X - centre[:, :1]).astype(dt)
    Yl = (Y - centre[:, 1:]).astype(dt)
    p, rms, conv = fit_corner_models(vals.astype(dt), Xl, Yl, wt.astype(dt), p0,
                                     linear_start=p_start is None)
    p[:, 0:2] += centre
    new = p[:, :2]
    if camera is not None:
        new = camera.distort_points(np.where(np.isfinite(new), new, 0.0))
    return p, rms, conv, new, valid


@dataclass(frozen=True, eq=False)
class CornerRefinement:
    """Corners refined by :func:`refine_corners` (unpacks like the 5-tuple it replaces:
    ``corners, ok, blur, contrast, rms = refine_corners(...)``).

    Attributes
    ----------
    corners_xy : ndarray (N, 2)
        Refined corners in raw pixels; a corner whose fit failed keeps its starting position.
    ok : ndarray (N,) bool
        Corners whose fit succeeded.
    blur_px : ndarray (N,)
        Fitted edge blur sigma (undistorted pixels with a camera); meaningless where not ``ok``.
    contrast : ndarray (N,)
        Fitted corner contrast ``2|A|`` in gray levels; meaningless where not ``ok``.
    fit_rms : ndarray (N,)
        Residual RMS of each fit in gray levels, NaN where not ``ok``.
    """

    corners_xy: np.ndarray
    ok: np.ndarray
    blur_px: np.ndarray
    contrast: np.ndarray
    fit_rms: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.corners_xy, self.ok, self.blur_px, self.contrast, self.fit_rms))


def refine_corners(gray: np.ndarray, corners_xy: np.ndarray, cols: int, rows: int, *,
                   camera: Any = None, max_radius_px: float = 14.0, blur_px: float = 1.0,
                   weight_fn: Any = None) -> CornerRefinement:
    """Refine ordered corners by the X-junction model fit (see the module docstring).

    Each corner is fitted in a disk of radius ``0.42 x`` the distance to its nearest
    neighbouring corner (at most ``max_radius_px``) centred on its starting position; a corner
    that ends more than 0.25 px from its window's centre is fitted again in a window centred
    on its new position (warm start).  With a camera the fit is made in undistorted pixel
    coordinates (board lines straight) and mapped back.

    Parameters
    ----------
    gray : ndarray (h, w)
        Gray image (uint8, uint16, float32 or float64; values are read as float64).
    corners_xy : ndarray (N, 2)
        Initial distorted pixel positions, ordered (``rows`` x ``cols``, row-major),
        ``N = cols * rows``, finite.
    cols, rows : int
        Inner corners per row and rows of the board (>= 2 each).
    camera : CameraModel, optional
        If given, fit in undistorted pixel coordinates (lines straight) and map back.
    max_radius_px : float
        Largest fit window radius, in (2.5, :data:`MAX_RADIUS_PX`].
    blur_px : float
        Starting edge blur sigma (> 0; e.g. a previous fit's; saves an iteration when close;
        values outside 0.2..8 px start from 1 px).
    weight_fn : callable ``(X, Y, index) -> (n, M)``, optional
        Multiplies the fit weights of the window pixels (raw pixel positions ``X, Y`` of the
        windows of corners ``index``), e.g. to keep a ChArUco board's markers out of the model.

    Returns
    -------
    CornerRefinement
        ``corners_xy`` (N, 2), ``ok`` (N,) bool, ``blur_px`` (N,), ``contrast`` (N,),
        ``fit_rms`` (N,); corners whose fit failed keep their starting position and
        ``ok = False`` (fit_rms NaN).

    Raises
    ------
    InputError, ShapeError
        A bad image, corners that are not ``(cols * rows, 2)`` finite pixels, a camera that
        is not a :class:`~metrology.calib.camera.CameraModel`, a bad radius or blur.

    Examples
    --------
    >>> import cv2
    >>> from metrology.calib import Checkerboard, detect_board
    >>> gray = cv2.imread("calib_images/view_00.png", cv2.IMREAD_GRAYSCALE)
    >>> c0 = detect_board(gray, Checkerboard(9, 6, 20.0), refine=False).corners_xy
    >>> res = refine_corners(gray, c0, 9, 6)
    >>> res.corners_xy.shape, int(res.ok.sum())
    ((54, 2), 54)
    """
    gray = check_image(gray, "gray")
    if gray.ndim != 2:
        raise ShapeError(f"gray: expected a single-channel image (h, w), given {gray.shape}")
    cols = check_int(cols, "cols", min=2, max=10_000)
    rows = check_int(rows, "rows", min=2, max=10_000)
    c0 = as_points(corners_xy, "corners_xy", allow_batch=False)
    if c0.shape[0] != cols * rows:
        raise ShapeError(f"corners_xy: expected {cols} x {rows} = {cols * rows} corners, given "
                         f"{c0.shape[0]}")
    if camera is not None and not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel or None, given "
                         f"{type(camera).__name__}")
    max_radius_px = check_finite(max_radius_px, "max_radius_px", min=2.5, max=MAX_RADIUS_PX)
    blur_px = check_finite(blur_px, "blur_px", min=0.0)
    if not blur_px > 0:
        raise InputError(f"blur_px: expected a blur sigma > 0 px, given {blur_px!r}")
    if weight_fn is not None and not callable(weight_fn):
        raise InputError(f"weight_fn: expected a callable or None, given "
                         f"{type(weight_fn).__name__}")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # windows of corners that are no X-junction may diverge: they end with ok False
        cur, ok, p, rms = _refine(gray, c0, cols, rows, camera, max_radius_px, blur_px,
                                  weight_fn)
    return CornerRefinement(cur, ok, np.exp(p[:, 4]), 2 * np.abs(p[:, 6]),
                            np.where(ok, rms, np.nan))


def _refine(gray: np.ndarray, corners_xy: np.ndarray, cols: int, rows: int, camera: Any,
            max_radius_px: float, blur_px: float, weight_fn: Any = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`refine_corners`, returning corners, ok, the fitted parameters ``(N, 9)`` (in
    undistorted pixels with a camera) and the residual RMS."""
    c0 = np.asarray(corners_xy, float)
    _, _, dmin = _neighbour_geometry(c0, cols, rows)
    radius = np.clip(0.42 * dmin, 2.5, max_radius_px)
    offsets = _disk_offsets(float(radius.max()))
    blur = float(blur_px) if np.isfinite(blur_px) and 0.2 < blur_px < 8.0 else 1.0

    def weight(index: np.ndarray) -> Any:  # the caller's weights for these corners' windows
        return None if weight_fn is None else (lambda X, Y: weight_fn(X, Y, index))

    p, rms, conv, new, ok = _fit_pass(gray, c0, radius, offsets, (cols, rows, blur), camera,
                                      None, weight(np.arange(len(c0))))
    good = ok & _plausible(p, rms, conv, new, np.linalg.norm(new - c0, axis=1), radius)
    again = good & (np.linalg.norm(new - c0, axis=1) > _RECENTRE_PX)
    if again.any():  # re-centre the window on the refined corner
        sub = _fit_pass(gray, new[again], radius[again], offsets, (cols, rows, blur), camera,
                        p[again], weight(np.nonzero(again)[0]))
        p[again], rms[again], conv[again], new[again] = sub[:4]
        ok[again] &= sub[4]
        good = ok & _plausible(p, rms, conv, new, np.linalg.norm(new - c0, axis=1), radius)
    ok = good
    # outliers among the fits: residual far above the board's typical residual
    med = np.nanmedian(rms[ok]) if np.any(ok) else np.nan
    if np.isfinite(med):  # (+0.5 % of the contrast keeps noise-free renders from tripping it)
        ok &= rms < 4.0 * med + 0.005 * np.median(2 * np.abs(p[ok, 6]))
    return np.where(ok[:, None], new, c0), ok, p, rms
