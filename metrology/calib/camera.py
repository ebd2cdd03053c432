"""The camera model: pinhole intrinsics plus a lens-distortion model, evaluated in NumPy.

Models (coefficients in OpenCV's order, so a station file and ``cv2`` agree):

* ``standard``   ``k1 k2 p1 p2 k3`` (5)
* ``rational``   ``k1 k2 p1 p2 k3 k4 k5 k6`` (8)
* ``thin_prism`` rational + ``s1 s2 s3 s4`` (12)
* ``tilted``     thin prism + ``tau_x tau_y`` (14, Scheimpflug sensor tilt)
* ``fisheye``    equidistant ``k1 k2 k3 k4`` on the angle (OpenCV's ``cv2.fisheye``)

Pixel coordinates are *distorted* (what the sensor sees) or *ideal* (where a distortion-free
camera with the same ``K`` would see the same ray).  :meth:`CameraModel.undistort_points`
maps distorted -> ideal by Newton's method on the exact forward model, converged to better than
``1e-6`` px inside the valid region (OpenCV's ``undistortPoints`` stops after 5 fixed-point
iterations, which leaves errors of many pixels at the border of a wide lens).

The *valid region* is where the forward model is one-to-one: the largest normalised radius
``r_max`` (undistorted ``x/z, y/z``) up to which the Jacobian of the distortion stays positive
in every direction.  Points whose undistorted position lies beyond it cannot be inverted
reliably (a polynomial lens model folds back on itself there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._cv import DIST_COUNTS, size_wh
from .._serial import from_jsonable, to_jsonable
from ..core.checks import as_points, check_choice
from ..errors import FileFormatError, InputError, ShapeError

__all__ = ["CameraModel", "projection_difference", "MODELS"]

MODELS = ("standard", "rational", "thin_prism", "tilted", "fisheye")


def _tilt_matrix(tau_x: float, tau_y: float) -> np.ndarray:
    """OpenCV's Scheimpflug tilt projection (computeTiltProjectionMatrix)."""
    cx, sx, cy, sy = np.cos(tau_x), np.sin(tau_x), np.cos(tau_y), np.sin(tau_y)
    rot_x = np.array([[1, 0, 0], [0, cx, sx], [0, -sx, cx]])
    rot_y = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    rxy = rot_y @ rot_x
    proj_z = np.array([[rxy[2, 2], 0, -rxy[0, 2]], [0, rxy[2, 2], -rxy[1, 2]], [0, 0, 1]])
    return proj_z @ rxy


def _distort_norm(xy: np.ndarray, dist: np.ndarray, model: str) -> np.ndarray:
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
    d = np.zeros(14)
    d[:len(dist)] = dist
    k1, k2, p1, p2, k3, k4, k5, k6, s1, s2, s3, s4, tx, ty = d
    r4 = r2 * r2
    radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)))
    xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x) + s1 * r2 + s2 * r4
    yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y + s3 * r2 + s4 * r4
    if tx != 0.0 or ty != 0.0:
        t = _tilt_matrix(tx, ty)
        w = t[2, 0] * xd + t[2, 1] * yd + t[2, 2]
        xd, yd = ((t[0, 0] * xd + t[0, 1] * yd + t[0, 2]) / w,
                  (t[1, 0] * xd + t[1, 1] * yd + t[1, 2]) / w)
    return np.stack([xd, yd], axis=-1)


def _jacobian_norm(xy: np.ndarray, dist: np.ndarray, model: str, h: float = 1e-7) -> np.ndarray:
    """Central-difference Jacobian of :func:`_distort_norm`, shape ``(..., 2, 2)``
    (``J[..., i, j] = d out_i / d in_j``)."""
    ex = np.array([h, 0.0])
    ey = np.array([0.0, h])
    dx = (_distort_norm(xy + ex, dist, model) - _distort_norm(xy - ex, dist, model)) / (2 * h)
    dy = (_distort_norm(xy + ey, dist, model) - _distort_norm(xy - ey, dist, model)) / (2 * h)
    return np.stack([dx, dy], axis=-1)


@dataclass(frozen=True, eq=False)
class CameraModel:
    """Intrinsics ``K`` (3x3), distortion ``dist`` and image size of one camera.

    Parameters
    ----------
    K : array_like (3, 3)
        ``[[fx, s, cx], [0, fy, cy], [0, 0, 1]]`` in pixels (pixel centres at integers).
    dist : array_like (n,)
        Distortion coefficients in OpenCV's order for ``model`` (shorter arrays are padded with
        zeros up to the model's count).
    image_size : (w, h)
        Image width and height in pixels.
    model : str
        One of ``standard``, ``rational``, ``thin_prism``, ``tilted``, ``fisheye``.
    valid_radius : float, optional
        Normalised undistorted radius up to which the lens model is one-to-one; computed when
        omitted.

    Examples
    --------
    >>> cam = CameraModel([[800, 0, 320], [0, 800, 240], [0, 0, 1]], [-0.2, 0.05, 0, 0, 0],
    ...                   (640, 480))
    >>> ideal = cam.undistort_points([[10.0, 20.0]])
    >>> bool(np.allclose(cam.distort_points(ideal), [[10.0, 20.0]], atol=1e-6))
    True
    """

    K: np.ndarray
    dist: np.ndarray
    image_size: tuple[int, int]
    model: str = "standard"
    valid_radius: float | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice(self.model, "model", MODELS)
        K = np.array(self.K, dtype=np.float64)
        if K.shape != (3, 3):
            raise ShapeError(f"K: expected a 3x3 matrix, given shape {K.shape}")
        if not np.all(np.isfinite(K)):
            raise InputError("K: contains NaN or inf")
        if not (K[0, 0] > 0 and K[1, 1] > 0) or K[1, 0] != 0 or K[2, 0] != 0 or K[2, 1] != 0 \
                or K[2, 2] != 1:
            raise InputError(f"K: expected [[fx, s, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0, "
                             f"given {K.tolist()}")
        n = DIST_COUNTS[self.model]
        d = np.array(self.dist, dtype=np.float64).ravel()
        if d.size > n:
            if np.any(d[n:] != 0):
                raise ShapeError(f"dist: model {self.model!r} has {n} coefficients, given "
                                 f"{d.size} with non-zero extra terms")
            d = d[:n]
        if not np.all(np.isfinite(d)):
            raise InputError("dist: contains NaN or inf")
        d = np.concatenate([d, np.zeros(n - d.size)])
        try:
            w, h = (int(v) for v in self.image_size)
        except Exception:
            raise ShapeError(f"image_size: expected (width, height), given "
                             f"{self.image_size!r}") from None
        if w <= 0 or h <= 0:
            raise InputError(f"image_size: expected positive (width, height), given {(w, h)}")
        K.setflags(write=False)
        d.setflags(write=False)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "dist", d)
        object.__setattr__(self, "image_size", (w, h))
        if self.valid_radius is None:
            object.__setattr__(self, "valid_radius", self._find_valid_radius())
        else:
            object.__setattr__(self, "valid_radius", float(self.valid_radius))

    # ------------------------------------------------------------------ basics
    @property
    def fx(self) -> float:
        return float(self.K[0, 0])

    @property
    def fy(self) -> float:
        return float(self.K[1, 1])

    @property
    def cx(self) -> float:
        return float(self.K[0, 2])

    @property
    def cy(self) -> float:
        return float(self.K[1, 2])

    def _to_norm(self, px: np.ndarray) -> np.ndarray:
        K = self.K
        y = (px[..., 1] - K[1, 2]) / K[1, 1]
        x = (px[..., 0] - K[0, 2] - K[0, 1] * y) / K[0, 0]
        return np.stack([x, y], axis=-1)

    def _to_px(self, xy: np.ndarray) -> np.ndarray:
        K = self.K
        return np.stack([K[0, 0] * xy[..., 0] + K[0, 1] * xy[..., 1] + K[0, 2],
                         K[1, 1] * xy[..., 1] + K[1, 2]], axis=-1)

    def _find_valid_radius(self) -> float:
        """Largest normalised radius up to which the distortion Jacobian stays positive."""
        w, h = self.image_size
        corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], float)
        rd = float(np.max(np.linalg.norm(self._to_norm(corners), axis=1)))
        if self.model == "fisheye":
            r_search = np.tan(np.radians(89.0))
            radii = np.tan(np.linspace(1e-3, np.radians(89.0), 400))
        else:
            r_search = max(4.0 * rd, 1e-3)
            radii = np.linspace(r_search / 800, r_search, 800)
        phi = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        pts = radii[:, None, None] * np.stack([np.cos(phi), np.sin(phi)], -1)[None]
        J = _jacobian_norm(pts, self.dist, self.model)
        det = J[..., 0, 0] * J[..., 1, 1] - J[..., 0, 1] * J[..., 1, 0]
        # radial stretch must stay positive too (the map must not fold back along a ray)
        u = pts / np.linalg.norm(pts, axis=-1, keepdims=True)
        radial = np.einsum("...i,...ij,...j->...", u, J, u)
        bad = ~((det > 0) & (radial > 0) & np.isfinite(det))
        bad_r = np.nonzero(bad.any(axis=1))[0]
        if bad_r.size == 0:
            return float(r_search)
        i = int(bad_r[0])
        return float(radii[max(i - 1, 0)]) if i > 0 else 0.0

    # ------------------------------------------------------------------ mapping
    def distort_points(self, points_xy: Any) -> np.ndarray:
        """Ideal pixels -> distorted (observed) pixels.

        Parameters
        ----------
        points_xy : array_like (..., N, 2)
            Ideal pixel positions (distortion-free camera with the same ``K``).

        Returns
        -------
        ndarray (..., N, 2) float64
        """
        p = as_points(points_xy, "points_xy")
        return self._to_px(_distort_norm(self._to_norm(p), self.dist, self.model))

    def normalize(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Distorted pixels -> undistorted normalised coordinates ``(x/z, y/z)``, ``(..., N, 2)``.

        See :meth:`undistort_points` for ``on_invalid``.
        """
        p = as_points(points_xy, "points_xy")
        return self._undistort_norm(p, on_invalid)

    def undistort_points(self, points_xy: Any, *, on_invalid: str = "raise") -> np.ndarray:
        """Distorted (observed) pixels -> ideal pixels of the same ``K``.

        Newton's method on the exact forward model with backtracking, run until the forward
        model reproduces every input to better than ``1e-8`` px (so the result is converged to
        far better than ``1e-6`` px inside the valid region).

        Parameters
        ----------
        points_xy : array_like (..., N, 2)
        on_invalid : {"raise", "nan"}
            What to do with points outside the valid region (where the lens model is not
            one-to-one) or that do not converge: raise :class:`InputError` saying how many, or
            return NaN for them.

        Returns
        -------
        ndarray (..., N, 2) float64
        """
        p = as_points(points_xy, "points_xy")
        return self._to_px(self._undistort_norm(p, on_invalid))

    def _undistort_norm(self, p: np.ndarray, on_invalid: str) -> np.ndarray:
        check_choice(on_invalid, "on_invalid", ("raise", "nan"))
        target = self._to_norm(p)
        x = target.copy()
        tol = 1e-8 / max(self.K[0, 0], self.K[1, 1])  # 1e-8 px expressed in normalised units
        if self.model == "fisheye":  # start from the exact inverse of the zero-coefficient model
            rd = np.linalg.norm(target, axis=-1, keepdims=True)
            th = np.clip(rd, 0, np.radians(89))
            x = np.where(rd > 1e-12, target * np.tan(th) / np.where(rd > 1e-12, rd, 1), target)
        f = _distort_norm(x, self.dist, self.model) - target
        err = np.linalg.norm(f, axis=-1)
        for _ in range(60):
            active = err > tol
            if not np.any(active):
                break
            J = _jacobian_norm(x, self.dist, self.model)
            det = J[..., 0, 0] * J[..., 1, 1] - J[..., 0, 1] * J[..., 1, 0]
            det = np.where(np.abs(det) < 1e-300, 1e-300, det)
            step = np.stack([(J[..., 1, 1] * f[..., 0] - J[..., 0, 1] * f[..., 1]) / det,
                             (-J[..., 1, 0] * f[..., 0] + J[..., 0, 0] * f[..., 1]) / det], -1)
            step = np.where(active[..., None] & np.isfinite(step), step, 0.0)
            alpha = np.ones(err.shape)
            for _ in range(12):  # backtracking per point, vectorised
                xn = x - alpha[..., None] * step
                fn = _distort_norm(xn, self.dist, self.model) - target
                en = np.linalg.norm(fn, axis=-1)
                ok = (en < err) | ~active | ~np.isfinite(err)
                ok &= np.isfinite(en)
                if np.all(ok | (alpha < 1e-3)):
                    break
                alpha = np.where(ok, alpha, alpha * 0.5)
            improve = np.isfinite(en) & ((en < err) | ~np.isfinite(err))
            x = np.where(improve[..., None], xn, x)
            f = np.where(improve[..., None], fn, f)
            err = np.where(improve, en, err)
        r = np.linalg.norm(x, axis=-1)
        bad = ~(err <= tol * 10) | ~(r <= self.valid_radius) | ~np.all(np.isfinite(x), -1)
        if np.any(bad):
            if on_invalid == "raise":
                n_bad = int(np.count_nonzero(bad))
                raise InputError(f"undistort_points: {n_bad} of {bad.size} point(s) lie outside "
                                 f"the valid region of the lens model (normalised radius "
                                 f"> {self.valid_radius:.3f}, where the {self.model} model is not "
                                 f"one-to-one); pass on_invalid='nan' to get NaN for them")
            x = np.where(bad[..., None], np.nan, x)
        return x

    def in_valid_region(self, points_xy: Any) -> np.ndarray:
        """Boolean mask ``(..., N)``: distorted pixels whose undistortion is valid."""
        p = as_points(points_xy, "points_xy")
        return np.all(np.isfinite(self._undistort_norm(p, "nan")), axis=-1)

    def project(self, points_3d: Any, rvec: Any = None, tvec: Any = None) -> np.ndarray:
        """Project 3-D points (camera frame, or world frame with ``rvec``/``tvec``) to
        distorted pixels.

        Parameters
        ----------
        points_3d : array_like (..., N, 3)
        rvec, tvec : array_like (3,), optional
            Rodrigues rotation and translation world -> camera (OpenCV convention).

        Returns
        -------
        ndarray (..., N, 2) float64
        """
        P = np.asarray(points_3d, dtype=np.float64)
        if P.ndim < 2 or P.shape[-1] != 3:
            raise ShapeError(f"points_3d: expected shape (..., N, 3), given {P.shape}")
        if not np.all(np.isfinite(P)):
            raise InputError("points_3d: contains NaN or inf")
        if rvec is not None:
            R = rodrigues(np.asarray(rvec, float).ravel())
            P = P @ R.T
        if tvec is not None:
            P = P + np.asarray(tvec, float).ravel()
        z = P[..., 2]
        if np.any(z <= 0):
            raise InputError(f"project: {int(np.count_nonzero(z <= 0))} point(s) are not in front "
                             f"of the camera (z <= 0)")
        xy = P[..., :2] / z[..., None]
        return self._to_px(_distort_norm(xy, self.dist, self.model))

    # ------------------------------------------------------------------ images
    def undistort_maps(self, interpolation_size: tuple[int, int] | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        """``(map_x, map_y)`` float32 ``(h, w)`` giving, for each ideal output pixel, the
        distorted input pixel to sample (cached)."""
        key = ("maps", self.image_size)
        if key not in self._cache:
            w, h = self.image_size
            ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
            ideal = np.stack([xs, ys], -1)
            src = self._to_px(_distort_norm(self._to_norm(ideal), self.dist, self.model))
            self._cache[key] = (src[..., 0].astype(np.float32), src[..., 1].astype(np.float32))
        return self._cache[key]

    def undistort_image(self, image: Any, *, interpolation: str = "linear") -> np.ndarray:
        """Resample ``image`` to the ideal (distortion-free) camera with the same ``K``.

        The remap tables are computed from the exact forward model once and cached.

        Parameters
        ----------
        image : ndarray (h, w) or (h, w, 3), or path
            Must have this camera's image size.
        interpolation : {"linear", "cubic", "nearest"}

        Returns
        -------
        ndarray, same shape and dtype as the input
        """
        import cv2

        from ..image.io import load_image

        img = load_image(image)
        if size_wh(img) != self.image_size:
            raise InputError(f"undistort_image: image is {size_wh(img)[0]}x{size_wh(img)[1]}, "
                             f"the camera was calibrated at {self.image_size[0]}x"
                             f"{self.image_size[1]}")
        flag = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC,
                "nearest": cv2.INTER_NEAREST}[check_choice(interpolation, "interpolation",
                                                           ("linear", "cubic", "nearest"))]
        mx, my = self.undistort_maps()
        src = img.astype(np.float32) if img.dtype == np.float64 else img
        out = cv2.remap(src, mx, my, flag, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return out.astype(img.dtype, copy=False)

    # ------------------------------------------------------------------ io
    # The layout is mechanical (one JSON value per field, through the shared serialiser) but
    # CameraModel is not a Serializable: its invariants (K's structure, the coefficient count
    # of each model) are checked by its constructor, and from_dict turns their failure into
    # FileFormatError naming the file's field.
    _JSON_FIELDS: ClassVar[dict] = {"model": (str, {}), "K": (np.ndarray, {"shape": (3, 3)}),
                                    "dist": (np.ndarray, {"shape": (None,)}),
                                    "image_size": (tuple[int, int], {"min": 1}),
                                    "valid_radius": (float | None, {"min": 0.0})}

    def to_dict(self) -> dict:
        """JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return {k: to_jsonable(getattr(self, k)) for k in self._JSON_FIELDS}

    @classmethod
    def from_dict(cls, doc: dict, where: str = "camera", *,
                  error: type[Exception] = FileFormatError) -> CameraModel:
        """Build from :meth:`to_dict` output; ``error`` (:class:`FileFormatError`) names a bad
        field."""
        if not isinstance(doc, dict):
            raise error(f"{where}: expected a mapping, given {type(doc).__name__}")
        kw = {}
        for key, (tp, meta) in cls._JSON_FIELDS.items():
            if key not in doc:
                if key == "valid_radius":
                    continue
                raise error(f"{where}: missing field {key!r}")
            kw[key] = from_jsonable(tp, doc[key], f"{where}.{key}", error, meta)
        if kw["model"] not in MODELS:
            raise error(f"{where}.model: expected one of {MODELS}, given {kw['model']!r}")
        if kw["dist"].size != DIST_COUNTS[kw["model"]]:
            raise error(f"{where}.dist: model {kw['model']!r} needs "
                        f"{DIST_COUNTS[kw['model']]} coefficients, given {kw['dist'].size}")
        try:
            return cls(**kw)
        except InputError as exc:
            raise error(f"{where}: inconsistent camera ({exc})") from None

    def __repr__(self) -> str:
        return (f"CameraModel(model={self.model!r}, fx={self.fx:.3f}, fy={self.fy:.3f}, "
                f"cx={self.cx:.3f}, cy={self.cy:.3f}, dist={np.round(self.dist, 6).tolist()}, "
                f"image_size={self.image_size})")


def rodrigues(rvec: np.ndarray) -> np.ndarray:
    """Rotation vector (3,) -> rotation matrix (3, 3)."""
    th = float(np.linalg.norm(rvec))
    if th < 1e-15:
        return np.eye(3)
    k = rvec / th
    Kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * Kx + (1 - np.cos(th)) * Kx @ Kx


def projection_difference(estimated: CameraModel, true: CameraModel, *, step_px: float = 8.0,
                          margin_px: float = 0.0, compensate_rotation: bool = False) -> dict:
    """Compare two cameras over the image: where does each true pixel's ray land.

    Every pixel of a grid over the image (``step_px`` apart) is back-projected through
    ``true`` and projected through ``estimated``; the distances are the projection error a user
    would see if ``true`` were the real lens.

    With ``compensate_rotation`` the rays are first turned by the small camera rotation that
    best aligns the two cameras (least squares, Gauss-Newton): such a rotation is absorbed by
    the poses and never affects measurements, so this is the gauge-free difference.

    Returns
    -------
    dict with ``rms_px``, ``max_px``, ``p95_px``, ``n`` (and ``rotation_rad`` (3,) when
    compensating).
    """
    w, h = true.image_size
    xs = np.arange(margin_px, w - margin_px, step_px)
    ys = np.arange(margin_px, h - margin_px, step_px)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    rays = true.normalize(grid, on_invalid="nan")
    ok = np.all(np.isfinite(rays), axis=1)
    P = np.concatenate([rays[ok], np.ones((int(ok.sum()), 1))], axis=1)

    def proj(Pc):
        return estimated._to_px(_distort_norm(Pc[:, :2] / Pc[:, 2:3], estimated.dist,
                                              estimated.model))

    omega = np.zeros(3)
    if compensate_rotation:
        for _ in range(3):
            R = rodrigues(omega)
            Pr = P @ R.T
            d0 = (proj(Pr) - grid[ok]).reshape(-1)
            J = []
            for k in range(3):
                e = np.zeros(3)
                e[k] = 1e-7
                J.append(((proj(Pr + np.cross(e, Pr)) - proj(Pr - np.cross(e, Pr))) / 2e-7)
                         .reshape(-1))
            J = np.stack(J, 1)
            omega = omega + np.linalg.lstsq(J, -d0, rcond=None)[0]
    est = proj(P @ rodrigues(omega).T)
    d = np.linalg.norm(est - grid[ok], axis=1)
    out = {"rms_px": float(np.sqrt(np.mean(d ** 2))), "max_px": float(d.max()),
           "p95_px": float(np.percentile(d, 95)), "n": int(ok.sum())}
    if compensate_rotation:
        out["rotation_rad"] = omega.tolist()
    return out
