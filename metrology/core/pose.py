"""Rigid-plus-scale 2-D poses (similarity transforms).

``Pose2D(x, y, angle_deg, scale)`` maps model coordinates to image coordinates::

    p_image = scale * R(angle) @ p_model + (x, y),   R(t) = [[cos t, -sin t], [sin t, cos t]]

With y pointing down, a positive angle turns clockwise on screen.  Name transforms
``T_dst_src`` so that ``T_a_c = T_a_b @ T_b_c`` reads right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..errors import InputError, ShapeError
from .checks import _numeric, as_points, check_finite, check_positive

__all__ = ["Pose2D"]


@dataclass(frozen=True)
class Pose2D:
    """A 2-D similarity transform: translation ``(x, y)`` px, rotation ``angle_deg``, ``scale``.

    Examples
    --------
    >>> T = Pose2D(5.0, -2.0, 90.0)
    >>> T.apply([[1.0, 0.0]]).round(9).tolist()
    [[5.0, -1.0]]
    >>> (T @ T.inverse()).apply([[3.0, 4.0]]).round(9).tolist()
    [[3.0, 4.0]]
    """

    x: float = 0.0
    y: float = 0.0
    angle_deg: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        for field in ("x", "y", "angle_deg", "scale"):
            object.__setattr__(self, field, check_finite(getattr(self, field), f"Pose2D.{field}"))
        if self.scale <= 0:
            raise InputError(f"Pose2D.scale: expected a positive scale, given {self.scale}")

    # -- basic properties -------------------------------------------------------------------
    @property
    def angle_rad(self) -> float:
        """Rotation angle in radians."""
        return math.radians(self.angle_deg)

    @property
    def translation(self) -> np.ndarray:
        """``(x, y)`` as an array of shape (2,)."""
        return np.array([self.x, self.y])

    @property
    def linear(self) -> np.ndarray:
        """The 2x2 matrix ``scale * R(angle)``."""
        c, s = math.cos(self.angle_rad), math.sin(self.angle_rad)
        return self.scale * np.array([[c, -s], [s, c]])

    @property
    def matrix(self) -> np.ndarray:
        """Homogeneous 3x3 matrix (use ``matrix[:2]`` for OpenCV's 2x3 affine form)."""
        m = np.eye(3)
        m[:2, :2] = self.linear
        m[:2, 2] = (self.x, self.y)
        return m

    @property
    def matrix2x3(self) -> np.ndarray:
        """The 2x3 affine matrix (as taken by ``cv2.warpAffine``)."""
        return self.matrix[:2].copy()

    # -- operations -------------------------------------------------------------------------
    def apply(self, points: Any) -> np.ndarray:
        """Map points from the source frame to the destination frame.

        Parameters
        ----------
        points : array_like, shape (..., 2)
            A single point ``(2,)`` or any batch ``(..., N, 2)``.

        Returns
        -------
        ndarray, same shape as ``points``, float64
        """
        p = _numeric(points, "points", "(x, y) points of shape (..., 2)")
        single = p.ndim == 1
        p = as_points(p[None] if single else p, "points")
        out = p @ self.linear.T + self.translation
        return out[0] if single else out

    def apply_vectors(self, vectors: Any) -> np.ndarray:
        """Map direction vectors (rotation and scale only, no translation), shape (..., 2)."""
        v = _numeric(vectors, "vectors", "(dx, dy) vectors of shape (..., 2)")
        single = v.ndim == 1
        v = as_points(v[None] if single else v, "vectors")
        out = v @ self.linear.T
        return out[0] if single else out

    def inverse(self) -> "Pose2D":
        """The pose mapping destination back to source (``T.inverse() @ T`` is the identity)."""
        s = 1.0 / self.scale
        a = -self.angle_rad
        c, sn = math.cos(a), math.sin(a)
        tx = -s * (c * self.x - sn * self.y)
        ty = -s * (sn * self.x + c * self.y)
        return Pose2D(tx, ty, _wrap_deg(-self.angle_deg), s)

    def __matmul__(self, other: "Pose2D") -> "Pose2D":
        """Composition: ``(A @ B).apply(p) == A.apply(B.apply(p))``."""
        if not isinstance(other, Pose2D):
            return NotImplemented
        t = self.linear @ other.translation + self.translation
        return Pose2D(float(t[0]), float(t[1]), _wrap_deg(self.angle_deg + other.angle_deg),
                      self.scale * other.scale)

    # -- conversions ------------------------------------------------------------------------
    @classmethod
    def from_matrix(cls, matrix: Any, *, tol: float = 1e-6) -> "Pose2D":
        """Build a pose from a 2x3 or 3x3 similarity matrix.

        Raises
        ------
        ShapeError
            If the matrix is not 2x3 or 3x3.
        InputError
            If it is not a similarity (shear, anisotropic scale or a reflection beyond ``tol``).
        """
        tol = check_positive(tol, "tol", allow_zero=True)
        m = _numeric(matrix, "matrix", "a 2x3 or 3x3 matrix")
        if m.shape not in ((2, 3), (3, 3)):
            raise ShapeError(f"matrix: expected shape (2, 3) or (3, 3), given {m.shape}")
        if not np.all(np.isfinite(m)):
            raise InputError("matrix: expected finite entries")
        if m.shape == (3, 3) and not np.allclose(m[2], [0, 0, 1], atol=tol):
            raise InputError(f"matrix: last row must be [0, 0, 1] for a 2-D pose, given {m[2]}")
        a, b, c, d = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
        scale = math.hypot(a, c)
        if scale <= 0 or abs(a - d) > tol * max(1.0, scale) or abs(b + c) > tol * max(1.0, scale):
            raise InputError("matrix: not a similarity transform (rotation + uniform scale); "
                             f"given linear part [[{a:.6g}, {b:.6g}], [{c:.6g}, {d:.6g}]]")
        return cls(float(m[0, 2]), float(m[1, 2]), math.degrees(math.atan2(c, a)), scale)

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict ``{"x", "y", "angle_deg", "scale"}``."""
        return {"x": self.x, "y": self.y, "angle_deg": self.angle_deg, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Pose2D":
        """Inverse of :meth:`to_dict` (``scale`` defaults to 1 when absent)."""
        if not isinstance(d, Mapping):
            raise InputError(f"Pose2D.from_dict: expected a mapping, given {type(d).__name__}")
        missing = [k for k in ("x", "y", "angle_deg") if k not in d]
        if missing:
            raise InputError(f"Pose2D.from_dict: missing field(s) {missing}")
        return cls(d["x"], d["y"], d["angle_deg"], d.get("scale", 1.0))

    @classmethod
    def identity(cls) -> "Pose2D":
        """The identity pose."""
        return cls(0.0, 0.0, 0.0, 1.0)

    def almost_equal(self, other: "Pose2D", tol_px: float = 1e-6, tol_deg: float = 1e-6,
                     tol_scale: float = 1e-9) -> bool:
        """True when translation, angle (mod 360) and scale agree within tolerances."""
        if not isinstance(other, Pose2D):
            raise InputError(f"other: expected a Pose2D, given {type(other).__name__}")
        tol_px = check_positive(tol_px, "tol_px", allow_zero=True)
        tol_deg = check_positive(tol_deg, "tol_deg", allow_zero=True)
        tol_scale = check_positive(tol_scale, "tol_scale", allow_zero=True)
        da = abs(_wrap_deg(self.angle_deg - other.angle_deg))
        return (math.hypot(self.x - other.x, self.y - other.y) <= tol_px and da <= tol_deg
                and abs(self.scale - other.scale) <= tol_scale)


def _wrap_deg(a: float) -> float:
    """Wrap an angle to (-180, 180]."""
    w = math.fmod(a + 180.0, 360.0)
    if w <= 0:
        w += 360.0
    return w - 180.0
