"""Lens distortion models in normalised coordinates: forward map, its Jacobian, the inverse.

Coefficients are in OpenCV's order (see :mod:`metrology.calib.camera`). All functions take
and return NumPy arrays of normalised coordinates (``x/z, y/z``) and broadcast over leading
axes. The Jacobian is analytic (no finite differences), so Newton's method on the inverse
converges quadratically to machine precision.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from . import _accel

#: Internal to metrology.calib (no argument checks): the public path is CameraModel.
__all__: list[str] = []


def tilt_matrix(tau_x: float, tau_y: float) -> np.ndarray:
    """OpenCV's Scheimpflug tilt projection (computeTiltProjectionMatrix), ``(3, 3)``."""
    cx, sx, cy, sy = np.cos(tau_x), np.sin(tau_x), np.cos(tau_y), np.sin(tau_y)
    rot_x = np.array([[1, 0, 0], [0, cx, sx], [0, -sx, cx]])
    rot_y = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    rxy = rot_y @ rot_x
    proj_z = np.array([[rxy[2, 2], 0, -rxy[0, 2]], [0, rxy[2, 2], -rxy[1, 2]], [0, 0, 1]])
    return proj_z @ rxy


def _coefficients(dist: np.ndarray) -> np.ndarray:
    d = np.zeros(14)
    d[:len(dist)] = dist
    return d


def distort_norm(xy: np.ndarray, dist: np.ndarray, model: str) -> np.ndarray:
    """Normalised undistorted ``(..., 2)`` -> normalised distorted ``(..., 2)``."""
    x, y = xy[..., 0], xy[..., 1]
    r2 = x * x + y * y
    if model == "fisheye":
        r = np.sqrt(r2)
        th = np.arctan(r)
        t2 = th * th
        k1, k2, k3, k4 = dist[:4]
        thd = th * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(r > 1e-12, thd / np.where(r > 1e-12, r, 1.0), 1.0)
        return np.stack([x * scale, y * scale], axis=-1)
    k1, k2, p1, p2, k3, k4, k5, k6, s1, s2, s3, s4, tx, ty = _coefficients(dist)
    r4 = r2 * r2
    radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)))
    xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x) + s1 * r2 + s2 * r4
    yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y + s3 * r2 + s4 * r4
    if tx != 0.0 or ty != 0.0:
        t = tilt_matrix(tx, ty)
        w = t[2, 0] * xd + t[2, 1] * yd + t[2, 2]
        xd, yd = ((t[0, 0] * xd + t[0, 1] * yd + t[0, 2]) / w,
                  (t[1, 0] * xd + t[1, 1] * yd + t[1, 2]) / w)
    return np.stack([xd, yd], axis=-1)


def _fisheye_jac(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    r2 = x * x + y * y
    r = np.sqrt(r2)
    th = np.arctan(r)
    t2 = th * th
    k1, k2, k3, k4 = d[:4]
    poly = 1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))
    dpoly = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)))  # d(th*poly)/dth
    small = r < 1e-8
    rs = np.where(small, 1.0, r)
    # scale = th*poly/r -> 1 + (k1 - 1/3) r^2 near 0; d scale/dr / r -> 2 (k1 - 1/3)
    scale = np.where(small, 1.0, th * poly / rs)
    dscale_r = np.where(small, 2 * (k1 - 1.0 / 3.0),
                        (dpoly / (1 + r2) - scale) / (rs * rs))  # (d scale / dr) / r
    return (x * scale, y * scale, scale + dscale_r * x * x, dscale_r * x * y,
            dscale_r * x * y, scale + dscale_r * y * y)


def distort_norm_jac(x: np.ndarray, y: np.ndarray, dist: np.ndarray, model: str
                     ) -> tuple[np.ndarray, ...]:
    """Forward model and its analytic Jacobian at normalised ``(x, y)`` (same shapes).

    Returns
    -------
    xd, yd, j00, j01, j10, j11 : ndarray
        Distorted coordinates and ``J[i, j] = d out_i / d in_j``.
    """
    d = np.asarray(dist, dtype=np.float64)
    if model == "fisheye":
        return _fisheye_jac(x, y, d)
    k1, k2, p1, p2, k3, k4, k5, k6, s1, s2, s3, s4, tx, ty = _coefficients(d)
    xx, yy, xy = x * x, y * y, x * y
    r2 = xx + yy
    num = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
    dnum = k1 + r2 * (2 * k2 + r2 * (3 * k3))
    if k4 != 0.0 or k5 != 0.0 or k6 != 0.0:
        den = 1 + r2 * (k4 + r2 * (k5 + r2 * k6))
        dden = k4 + r2 * (2 * k5 + r2 * (3 * k6))
        radial = num / den
        drad2 = 2 * (dnum - radial * dden) / den  # 2 d radial / d r2
    else:
        radial, drad2 = num, 2 * dnum
    tp1, tp2 = 2 * p1, 2 * p2
    xd = x * radial + tp1 * xy + p2 * (r2 + 2 * xx)
    yd = y * radial + p1 * (r2 + 2 * yy) + tp2 * xy
    j00 = radial + drad2 * xx + tp1 * y + 3 * tp2 * x
    j01 = drad2 * xy + tp1 * x + tp2 * y
    j10 = j01  # symmetric without thin prism and tilt (those make new arrays below)
    j11 = radial + drad2 * yy + 3 * tp1 * y + tp2 * x
    if s1 != 0.0 or s2 != 0.0 or s3 != 0.0 or s4 != 0.0:
        sx = s1 + 2 * s2 * r2  # d(s1 r2 + s2 r4)/d r2
        sy = s3 + 2 * s4 * r2
        xd = xd + r2 * (s1 + s2 * r2)
        yd = yd + r2 * (s3 + s4 * r2)
        j00, j01 = j00 + 2 * x * sx, j01 + 2 * y * sx
        j10, j11 = j10 + 2 * x * sy, j11 + 2 * y * sy
    if tx != 0.0 or ty != 0.0:
        t = tilt_matrix(tx, ty)
        w = t[2, 0] * xd + t[2, 1] * yd + t[2, 2]
        u = (t[0, 0] * xd + t[0, 1] * yd + t[0, 2]) / w
        v = (t[1, 0] * xd + t[1, 1] * yd + t[1, 2]) / w
        # d(u, v)/d(xd, yd), then the chain rule
        a00, a01 = (t[0, 0] - u * t[2, 0]) / w, (t[0, 1] - u * t[2, 1]) / w
        a10, a11 = (t[1, 0] - v * t[2, 0]) / w, (t[1, 1] - v * t[2, 1]) / w
        j00, j01, j10, j11 = (a00 * j00 + a01 * j10, a00 * j01 + a01 * j11,
                              a10 * j00 + a11 * j10, a10 * j01 + a11 * j11)
        xd, yd = u, v
    return xd, yd, j00, j01, j10, j11


def _initial_guess(tx: np.ndarray, ty: np.ndarray, d: np.ndarray, model: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Start of Newton's iteration: the exact inverse of the zero-coefficient fisheye, or two
    fixed-point divisions by the radial factor (close for radial-dominated lenses)."""
    if model == "fisheye":
        rd = np.hypot(tx, ty)
        th = np.clip(rd, 0, np.radians(89))
        s = np.where(rd > 1e-12, np.tan(th) / np.where(rd > 1e-12, rd, 1.0), 1.0)
        return tx * s, ty * s
    k1, k2, _, _, k3, k4, k5, k6 = _coefficients(d)[:8]
    x, y = tx, ty
    for _ in range(2):  # fixed-point steps on the radial factor (each one digit or two)
        r2 = x * x + y * y
        radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)))
        ok = np.isfinite(radial) & (radial > 0.2)
        s = np.where(ok, 1.0 / np.where(ok, radial, 1.0), 1.0)
        x, y = tx * s, ty * s
    return x, y


_CHUNK = 4096  # points per Newton batch: its ~30 float64 temporaries stay in the CPU cache


def undistort_norm(target: np.ndarray, dist: np.ndarray, model: str, tol: float,
                   max_evals: int = 120, x0: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`distort_norm` by Newton's method with per-point step halving.

    Points are processed in batches of 4096 (3-4x faster than one large batch: the
    temporaries stay in the CPU cache); within a batch only the points not yet converged are
    carried from one iteration to the next, and each iteration evaluates the model and its
    Jacobian once, at the trial points.

    Parameters
    ----------
    target : ndarray (..., 2)
        Normalised distorted coordinates.
    dist : ndarray (n,)
    model : str
    tol : float
        Convergence: ``|distort(x) - target| <= tol``.
    max_evals : int
        Model evaluations at most per point (Newton steps and halvings together).
    x0 : ndarray (..., 2), optional
        Starting point (default: :func:`_initial_guess`).

    Returns
    -------
    x : ndarray (..., 2)
        Normalised undistorted coordinates (the last iterate where not converged).
    err : ndarray (...)
        ``|distort(x) - target|`` (inf where it never became finite).
    """
    shape = target.shape[:-1]
    tx = np.ascontiguousarray(target[..., 0], dtype=np.float64).ravel()
    ty = np.ascontiguousarray(target[..., 1], dtype=np.float64).ravel()
    gx = gy = None
    if x0 is not None:
        gx = np.array(x0[..., 0], dtype=np.float64).ravel()
        gy = np.array(x0[..., 1], dtype=np.float64).ravel()
    x, y, err = undistort_xy(tx, ty, dist, model, tol, max_evals, gx, gy)
    return np.stack([x, y], -1).reshape(shape + (2,)), err.reshape(shape)


def undistort_xy(tx: np.ndarray, ty: np.ndarray, dist: np.ndarray, model: str, tol: float,
                 max_evals: int = 120, x0: np.ndarray | None = None,
                 y0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`undistort_norm` on separate flat coordinate arrays ``tx, ty (n,)`` (no
    stacking); ``x0, y0`` (owned by the call: overwritten) start the iteration if given.
    With numba installed the same iteration runs compiled, point by point
    (:func:`metrology.calib._kernels.undistort`).

    Returns
    -------
    x, y, err : ndarray (n,)
    """
    d = np.asarray(dist, dtype=np.float64)
    if np.size(tx) != np.size(ty) or (x0 is not None and y0 is not None and not (
            np.size(x0) == np.size(y0) == np.size(tx))) or d.ndim != 1 or d.size > 14:
        raise ShapeError(f"undistort_xy: expected tx, ty (and x0, y0) of one size and at most "
                         f"14 coefficients, given sizes {np.size(tx)}, {np.size(ty)}, "
                         f"{np.size(x0) if x0 is not None else '-'}, "
                         f"{np.size(y0) if y0 is not None else '-'} and {d.size} coefficients")
    k = _accel.kernels()
    if k is not None:  # the same iteration compiled, point by point (see _kernels.undistort)
        return _undistort_compiled(k, tx, ty, d, model, tol, max_evals, x0, y0)
    if x0 is None or y0 is None:
        x, y = _initial_guess(tx, ty, d, model)
    else:
        x, y = x0, y0
    err = np.empty(tx.size)
    for i in range(0, tx.size, _CHUNK):
        sl = slice(i, i + _CHUNK)
        x[sl], y[sl], err[sl] = _newton(tx[sl], ty[sl], x[sl], y[sl], d, model, tol * tol,
                                        max_evals)
    return x, y, np.sqrt(err)


def _undistort_compiled(k, tx: np.ndarray, ty: np.ndarray, d: np.ndarray, model: str,
                        tol: float, max_evals: int, x0: np.ndarray | None,
                        y0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`undistort_xy` by the kernel ``k.undistort`` (``k``: :mod:`._kernels`)."""
    fisheye = model == "fisheye"
    c = d[:4].copy() if fisheye else _coefficients(d)
    tilt = not fisheye and (c[12] != 0.0 or c[13] != 0.0)
    T = tilt_matrix(c[12], c[13]) if tilt else np.eye(3)
    if x0 is None or y0 is None:
        x0 = y0 = np.empty(0)
    f64 = (lambda a: np.ascontiguousarray(a, dtype=np.float64).ravel())  # noqa: E731
    x, y, err = k.undistort(f64(tx), f64(ty), f64(x0), f64(y0), np.pad(c, (0, 14 - c.size)), T,
                            tilt, fisheye, float(tol) * float(tol), int(max_evals))
    return x, y, np.sqrt(err)


def _newton(tx: np.ndarray, ty: np.ndarray, x: np.ndarray, y: np.ndarray, d: np.ndarray,
            model: str, tol2: float, max_evals: int) -> tuple[np.ndarray, ...]:
    """Newton's iteration for one batch: ``x, y, squared error`` (all ``(n,)``)."""
    state = list(distort_norm_jac(x, y, d, model))  # fx, fy, a, b, c, e
    rx, ry = state[0] - tx, state[1] - ty
    err = rx * rx + ry * ry
    err[~np.isfinite(err)] = np.inf
    out_x, out_y, out_err = x, y, err  # every point active: the outputs are the iterates
    idx = None  # indices of the active points once some are done (None: all of them)
    alpha = np.ones(tx.size)
    for _ in range(max_evals):
        keep = (err > tol2) & (alpha > 1e-4)
        if not keep.all():
            if idx is None:
                out_x, out_y, out_err = x.copy(), y.copy(), err.copy()
                idx = np.nonzero(keep)[0]
            else:
                done = ~keep
                out_x[idx[done]], out_y[idx[done]], out_err[idx[done]] = (x[done], y[done],
                                                                          err[done])
                idx = idx[keep]
            x, y, tx, ty, err, alpha = (v[keep] for v in (x, y, tx, ty, err, alpha))
            state = [v[keep] for v in state]
        if x.size == 0:
            break
        fx, fy, a, b, c, e = state
        det = a * e - b * c
        det[np.abs(det) < 1e-300] = 1e-300
        rx, ry = fx - tx, fy - ty
        sx = (e * rx - b * ry) / det * alpha
        sy = (a * ry - c * rx) / det * alpha
        sx[~np.isfinite(sx)] = 0.0
        sy[~np.isfinite(sy)] = 0.0
        xn, yn = x - sx, y - sy
        new = distort_norm_jac(xn, yn, d, model)
        rx, ry = new[0] - tx, new[1] - ty
        en = rx * rx + ry * ry
        better = en < err  # False for NaN
        if better.all():
            x, y, err, state = xn, yn, en, list(new)
            alpha[:] = 1.0
        else:
            x, y, err = np.where(better, xn, x), np.where(better, yn, y), np.where(better, en, err)
            state = [np.where(better, n_, o_) for n_, o_ in zip(new, state)]
            alpha = np.where(better, 1.0, alpha * 0.5)
    if idx is None:
        return x, y, err
    if x.size:
        out_x[idx], out_y[idx], out_err[idx] = x, y, err
    return out_x, out_y, out_err
