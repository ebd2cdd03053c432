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

from .._cv import DIST_COUNTS, cv_call, size_wh
from .._serial import from_jsonable, to_jsonable
from .lens import distort_norm, distort_norm_jac, undistort_norm, undistort_xy
from ..core.checks import MAX_COORD, as_points, check_bool, check_choice, check_finite
from ..image.io import MAX_IMAGE_PIXELS
from ..errors import FileFormatError, InputError, ShapeError

__all__ = ["CameraModel", "projection_difference", "MODELS"]

MODELS = ("standard", "rational", "thin_prism", "tilted", "fisheye")

#: Largest magnitude accepted in ``K`` (px) and in a distortion coefficient: beyond them the
#: projection overflows float64 for ordinary points (fx = 1e12 px would be a 1e9 mm lens).
_MAX_K = 1e12
_MAX_DIST = 1e6


def _points3(points: Any, name: str) -> np.ndarray:
    """``points`` as finite real float64 ``(..., N, 3)`` within :data:`MAX_COORD`."""
    try:
        P = np.asarray(points)
        if P.dtype.kind not in "iuf":
            raise TypeError
        P = P.astype(np.float64)
    except (TypeError, ValueError):
        raise ShapeError(f"{name}: expected real numbers of shape (..., N, 3), given "
                         f"{type(points).__name__}") from None
    if P.ndim < 2 or P.shape[-1] != 3:
        raise ShapeError(f"{name}: expected shape (..., N, 3), given {P.shape}")
    if not np.all(np.isfinite(P)):
        raise InputError(f"{name}: contains NaN or inf")
    if P.size and np.max(np.abs(P)) > MAX_COORD:
        raise InputError(f"{name}: coordinates beyond {MAX_COORD:g}")
    return P


def _pose_vector(v: Any, name: str, limit: float) -> np.ndarray:
    """A pose's ``rvec``/``tvec``: 3 finite real numbers of magnitude at most ``limit``."""
    try:
        a = np.asarray(v)
        if a.dtype.kind not in "iuf" or a.size != 3:
            raise TypeError
        a = a.astype(np.float64).ravel()
    except (TypeError, ValueError):
        raise ShapeError(f"{name}: expected 3 real numbers, given "
                         f"{getattr(v, 'shape', type(v).__name__)}") from None
    if not np.all(np.isfinite(a)) or np.max(np.abs(a)) > limit:
        raise InputError(f"{name}: expected finite numbers within +-{limit:g}, given "
                         f"{a.tolist()}")
    return a


def _as_array(v: Any, name: str) -> np.ndarray:
    """``np.asarray(v)``; ragged or unconvertible input is a :class:`ShapeError`."""
    try:
        return np.asarray(v)
    except (TypeError, ValueError):
        raise ShapeError(f"{name}: expected a regular array, given {type(v).__name__}") from None


def _real_number(v: Any, name: str) -> float:
    """One real number as a float (NaN and inf pass: the caller checks the range)."""
    if not isinstance(v, (bool, np.bool_)) and isinstance(v, (int, float, np.integer,
                                                              np.floating)):
        try:
            return float(v)
        except OverflowError:
            pass
    raise InputError(f"{name}: expected a number, given {type(v).__name__}"
                     f"{' beyond float range' if isinstance(v, int) else ''}")


def _finite_result(out: np.ndarray, what: str) -> np.ndarray:
    """``out`` unless some value overflowed (points far beyond the lens model's range)."""
    if not np.all(np.isfinite(out)):
        n = int(np.count_nonzero(~np.all(np.isfinite(out), axis=-1)))
        raise InputError(f"{what}: {n} point(s) lie so far outside the image that the lens "
                         f"model overflows")
    return out


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
        try:
            K = np.array(self.K, dtype=np.float64)
        except (TypeError, ValueError):
            raise ShapeError(f"K: expected a 3x3 matrix of numbers, given "
                             f"{type(self.K).__name__}") from None
        if K.shape != (3, 3):
            raise ShapeError(f"K: expected a 3x3 matrix, given shape {K.shape}")
        if not np.all(np.isfinite(K)):
            raise InputError("K: contains NaN or inf")
        if not (K[0, 0] > 0 and K[1, 1] > 0) or K[1, 0] != 0 or K[2, 0] != 0 or K[2, 1] != 0 \
                or K[2, 2] != 1:
            raise InputError(f"K: expected [[fx, s, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0, "
                             f"given {K.tolist()}")
        n = DIST_COUNTS[self.model]
        try:
            d = np.array(self.dist, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ShapeError(f"dist: expected an array of numbers, given "
                             f"{type(self.dist).__name__}") from None
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
        if w <= 0 or h <= 0 or w * h > MAX_IMAGE_PIXELS:
            raise InputError(f"image_size: expected positive (width, height) of at most "
                             f"{MAX_IMAGE_PIXELS} pixels, given {(w, h)}")
        if np.max(np.abs(K)) > _MAX_K or np.max(np.abs(d), initial=0.0) > _MAX_DIST:
            raise InputError(f"K, dist: values beyond {_MAX_K:g} (K) or {_MAX_DIST:g} (dist) "
                             f"describe no lens (given K max {np.max(np.abs(K)):.3g}, dist max "
                             f"{np.max(np.abs(d), initial=0.0):.3g})")
        K.setflags(write=False)
        d.setflags(write=False)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "dist", d)
        object.__setattr__(self, "image_size", (w, h))
        if self.valid_radius is None:
            object.__setattr__(self, "valid_radius", self._find_valid_radius())
        else:
            object.__setattr__(self, "valid_radius",
                               check_finite(self.valid_radius, "valid_radius", min=0.0))

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
        """Largest normalised radius up to which the distortion Jacobian stays positive.

        Searched on a grid of 800 radii x 72 directions: first every 8th radius, then the
        radii just below the first bad one (the same answer as the full grid unless the map
        folds and unfolds between two coarse radii, 1 % of the range apart).
        """
        w, h = self.image_size
        corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], float)
        rd = float(np.max(np.linalg.norm(self._to_norm(corners), axis=1)))
        if self.model == "fisheye":
            r_search = np.tan(np.radians(89.0))
            radii = np.tan(np.linspace(1e-3, np.radians(89.0), 400))
        else:
            r_search = max(4.0 * rd, 1e-3)
            radii = np.linspace(r_search / 800, r_search, 800)
        coarse = np.arange(7, len(radii), 8)
        bad = np.nonzero(self._folds(radii[coarse]))[0]
        if bad.size == 0:
            return float(r_search)
        lo = coarse[bad[0]] - 7
        fine = np.arange(lo, coarse[bad[0]] + 1)
        i = int(fine[np.nonzero(self._folds(radii[fine]))[0][0]])
        return float(radii[max(i - 1, 0)]) if i > 0 else 0.0

    def _folds(self, radii: np.ndarray) -> np.ndarray:
        """Whether the distortion folds at each radius ``(R,)``: a Jacobian determinant or
        radial stretch not positive in any of 72 directions."""
        phi = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        ux, uy = np.cos(phi), np.sin(phi)
        x, y = radii[:, None] * ux, radii[:, None] * uy
        _, _, j00, j01, j10, j11 = distort_norm_jac(x, y, self.dist, self.model)
        det = j00 * j11 - j01 * j10
        # radial stretch must stay positive too (the map must not fold back along a ray)
        radial = ux * (j00 * ux + j01 * uy) + uy * (j10 * ux + j11 * uy)
        return ~((det > 0) & (radial > 0) & np.isfinite(det)).all(axis=1)

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
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._to_px(distort_norm(self._to_norm(p), self.dist, self.model))
        return _finite_result(out, "distort_points")

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

    def _magnification(self, ideal_xy: np.ndarray) -> np.ndarray:
        """Local linear scale ``sqrt(|det d raw / d ideal|)`` of the lens at ideal pixels
        ``(N, 2)``, ``(N,)``: a length of 1 ideal pixel there is this long in the image."""
        u = self._to_norm(ideal_xy)
        _, _, a, b, c, e = distort_norm_jac(u[..., 0], u[..., 1], self.dist, self.model)
        return np.sqrt(np.abs(a * e - b * c))

    def _undistort_near(self, X: np.ndarray, Y: np.ndarray, near_xy: np.ndarray,
                        near_ideal: np.ndarray, tol_px: float = 1e-8
                        ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`undistort_points` (``on_invalid="nan"``) for pixels ``X, Y (N, M)`` that lie
        near known pairs ``near_xy`` -> ``near_ideal`` ``(N, 2)`` (e.g. windows around
        corners): Newton starts from the local affine inverse of the lens at each pair, which
        saves most of its iterations; converged to ``tol_px``. Returns ideal ``X, Y``."""
        K = self.K
        uc = self._to_norm(near_ideal)
        fx, fy, a, b, c, e = distort_norm_jac(uc[:, 0], uc[:, 1], self.dist, self.model)
        ty = (Y - K[1, 2]) / K[1, 1]
        tx = (X - K[0, 2] - K[0, 1] * ty) / K[0, 0]
        rx = tx - fx[:, None]
        ry = ty - fy[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / (a * e - b * c)
            gx = uc[:, :1] + (e * inv)[:, None] * rx - (b * inv)[:, None] * ry
            gy = uc[:, 1:] + (a * inv)[:, None] * ry - (c * inv)[:, None] * rx
        bad_guess = ~(np.isfinite(gx) & np.isfinite(gy))
        gx[bad_guess] = tx[bad_guess]
        gy[bad_guess] = ty[bad_guess]
        tol = tol_px / max(K[0, 0], K[1, 1])
        x, y, err = undistort_xy(tx.ravel(), ty.ravel(), self.dist, self.model, tol,
                                 x0=gx.ravel(), y0=gy.ravel())
        bad = ~((err <= tol * 10) & (x * x + y * y <= self.valid_radius ** 2))
        x[bad] = np.nan
        y[bad] = np.nan
        return ((K[0, 0] * x + K[0, 1] * y + K[0, 2]).reshape(X.shape),
                (K[1, 1] * y + K[1, 2]).reshape(X.shape))

    def _undistort_norm(self, p: np.ndarray, on_invalid: str, x0: np.ndarray | None = None,
                        tol_px: float = 1e-8) -> np.ndarray:
        check_choice(on_invalid, "on_invalid", ("raise", "nan"))
        tol = tol_px / max(self.K[0, 0], self.K[1, 1])  # tol_px in normalised units
        x, err = undistort_norm(self._to_norm(p), self.dist, self.model, tol, x0=x0)
        r2 = x[..., 0] * x[..., 0] + x[..., 1] * x[..., 1]
        # not converged, beyond the valid radius, or NaN (every comparison with NaN is False)
        bad = ~((err <= tol * 10) & (r2 <= self.valid_radius ** 2))
        if bad.any():
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
        P = _points3(points_3d, "points_3d")
        if rvec is not None:
            P = P @ rodrigues(_pose_vector(rvec, "rvec", 1e6)).T
        if tvec is not None:
            P = P + _pose_vector(tvec, "tvec", MAX_COORD)
        z = P[..., 2]
        if np.any(z <= 0):
            raise InputError(f"project: {int(np.count_nonzero(z <= 0))} point(s) are not in front "
                             f"of the camera (z <= 0)")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            xy = P[..., :2] / z[..., None]
            out = self._to_px(distort_norm(xy, self.dist, self.model))
        return _finite_result(out, "project")

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
            src = self._to_px(distort_norm(self._to_norm(ideal), self.dist, self.model))
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
        out = cv_call(cv2.remap, src, mx, my, flag, borderMode=cv2.BORDER_CONSTANT,
                      borderValue=0, what="undistorting the image")
        if out.dtype.kind == "f" and not np.all(np.isfinite(out)):
            # cubic interpolation overshoots: values near float32's limit overflow to inf
            raise InputError("undistort_image: the interpolated values overflow float32 "
                             "(image values near 3.4e38); scale the image down first")
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
    for name, cam in (("estimated", estimated), ("true", true)):
        if not isinstance(cam, CameraModel):
            raise InputError(f"{name}: expected a CameraModel, given {type(cam).__name__}")
    compensate_rotation = check_bool(compensate_rotation, "compensate_rotation")
    w, h = true.image_size
    step_px = check_finite(step_px, "step_px", min=0.0)
    if not step_px > 0:
        raise InputError(f"step_px: expected a grid step > 0 px, given {step_px}")
    margin_px = check_finite(margin_px, "margin_px", min=0.0, max=(min(w, h) - 1) / 2)
    n_grid = ((w - 2 * margin_px) / step_px + 1) * ((h - 2 * margin_px) / step_px + 1)
    if n_grid > 4e6:
        raise InputError(f"step_px: {step_px:g} px gives {n_grid:.3g} grid points over the "
                         f"{w}x{h} image (at most 4e6): use a larger step")
    xs = np.arange(margin_px, w - margin_px, step_px)
    ys = np.arange(margin_px, h - margin_px, step_px)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    rays = true.normalize(grid, on_invalid="nan")
    ok = np.all(np.isfinite(rays), axis=1)
    if not ok.any():
        raise InputError("projection_difference: no grid point lies in the valid region of "
                         "the true camera's lens model")
    P = np.concatenate([rays[ok], np.ones((int(ok.sum()), 1))], axis=1)

    def proj(Pc):  # NaN/inf where the estimated lens model overflows (checked below)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return estimated._to_px(distort_norm(Pc[:, :2] / Pc[:, 2:3], estimated.dist,
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
            if not (np.all(np.isfinite(J)) and np.all(np.isfinite(d0))):
                raise InputError("projection_difference: the estimated camera's lens model "
                                 "overflows on the true camera's rays")
            omega = omega + np.linalg.lstsq(J, -d0, rcond=None)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        est = proj(P @ rodrigues(omega).T)
        d = np.linalg.norm(est - grid[ok], axis=1)
    if not np.all(np.isfinite(d)):
        raise InputError("projection_difference: the estimated camera's lens model overflows "
                         "on the true camera's rays (cameras of very different fields of view)")
    out = {"rms_px": float(np.sqrt(np.mean(d ** 2))), "max_px": float(d.max()),
           "p95_px": float(np.percentile(d, 95)), "n": int(ok.sum())}
    if compensate_rotation:
        out["rotation_rad"] = omega.tolist()
    return out
