"""Pose helpers of the telecentric model: Rodrigues vectors, the mirror pose a telecentric
camera cannot tell apart, and a rotation from its top-left 2x2 block."""

from __future__ import annotations

from typing import Any

import numpy as np

from .camera import rodrigues

__all__: list[str] = []


def rotation_vector(R: np.ndarray) -> np.ndarray:
    """Rotation matrix ``(3, 3)`` -> Rodrigues vector ``(3,)``."""
    import cv2

    return cv2.Rodrigues(np.asarray(R, float))[0].ravel()


def mirror_pose(rvec: Any) -> np.ndarray:
    """The other pose a telecentric camera cannot tell from ``rvec``: ``D R D`` with
    ``D = diag(1, 1, -1)`` (same image of the board's plane, opposite tilt)."""
    D = np.diag([1.0, 1.0, -1.0])
    return rotation_vector(D @ rodrigues(np.asarray(rvec, float).ravel()) @ D)


def tilt_sign_of(rvec: Any) -> int:
    """``+1`` or ``-1``: the sign of the larger in-plane component of the board normal
    ``R e_z`` (0 for a board square to the axis)."""
    n = rodrigues(np.asarray(rvec, float).ravel())[:, 2]
    k = 0 if abs(n[0]) >= abs(n[1]) else 1
    return 0 if abs(n[k]) < 1e-12 else int(np.sign(n[k]))


def _rotation_from_top_left(B: np.ndarray) -> np.ndarray:
    """A rotation whose top-left 2x2 block is closest to ``B`` (tilt sign +1 chosen)."""
    r11, r12, r21, r22 = B[0, 0], B[0, 1], B[1, 0], B[1, 1]
    z1 = np.sqrt(max(0.0, 1 - r11 ** 2 - r21 ** 2))
    z2s = max(0.0, 1 - r12 ** 2 - r22 ** 2)
    dot = r11 * r12 + r21 * r22
    z2 = -dot / z1 if z1 > 1e-6 else np.sqrt(z2s)
    c1 = np.array([r11, r21, z1])
    c2 = np.array([r12, r22, z2])
    M = np.column_stack([c1, c2, np.cross(c1, c2)])
    U, _, Vt = np.linalg.svd(M)
    R = U @ Vt
    if np.linalg.det(R) < 0:
        R = U @ np.diag([1, 1, -1]) @ Vt
    return R
