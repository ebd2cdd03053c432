"""A batch of scored candidate poses, the currency of the search stages.

:class:`PoseBatch` holds K poses as five named arrays (``x``, ``y`` in level-0 pixels,
``angle_rad``, ``scale``, ``score``) instead of a raw ``(K, 5)`` array: each search stage takes a
batch and returns a new one (batches are never modified in place).

>>> import numpy as np
>>> b = PoseBatch.from_arrays([10.0, 20.0], [5.0, 6.0], [0.0, np.pi / 2], [1.0, 1.1], [0.4, 0.9])
>>> len(b), b.sorted().score.tolist()
(2, [0.9, 0.4])
>>> b.sorted().pose(0)
Pose2D(x=20.0, y=6.0, angle_deg=90.0, scale=1.1)
>>> len(b.around([-1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]))
6
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.pose import Pose2D
from ..errors import ShapeError

__all__: list[str] = []  # the stages' candidate batch, internal to match/


def _wrap180(a: float) -> float:
    return float((a + 180.0) % 360.0 - 180.0)


@dataclass(frozen=True)
class PoseBatch:
    """K candidate poses with their scores (model -> image, level-0 pixels).

    Attributes
    ----------
    x, y : ndarray (K,) float64
        Image position of the model origin, level-0 px.
    angle_rad : ndarray (K,) float64
        Rotation, radians (positive turns clockwise on screen, as ``Pose2D``).
    scale : ndarray (K,) float64
    score : ndarray (K,) float64
        Score of each pose at the stage that produced it (NaN before any scoring).
    """

    x: np.ndarray
    y: np.ndarray
    angle_rad: np.ndarray
    scale: np.ndarray
    score: np.ndarray

    @classmethod
    def from_arrays(cls, x: Any, y: Any, angle_rad: Any, scale: Any,
                    score: Any = None) -> "PoseBatch":
        """Batch from five equal-length 1-D sequences (``score`` NaN when omitted)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        score = np.full(len(x), np.nan) if score is None else score
        rest = [np.asarray(v, dtype=np.float64).reshape(-1) for v in (y, angle_rad, scale, score)]
        if any(len(v) != len(x) for v in rest):
            raise ShapeError(f"PoseBatch: expected five arrays of one length, given lengths "
                             f"{[len(x)] + [len(v) for v in rest]}")
        return cls(x, *rest)

    @classmethod
    def empty(cls) -> "PoseBatch":
        """A batch of no poses."""
        return cls.from_arrays([], [], [], [], [])

    def __len__(self) -> int:
        return len(self.x)

    def take(self, index: Any) -> "PoseBatch":
        """Sub-batch by integer index array or boolean mask (K,)."""
        return PoseBatch(self.x[index], self.y[index], self.angle_rad[index], self.scale[index],
                         self.score[index])

    def with_score(self, score: np.ndarray) -> "PoseBatch":
        """The same poses with new scores (K,)."""
        return PoseBatch(self.x, self.y, self.angle_rad, self.scale,
                         np.asarray(score, dtype=np.float64))

    def sorted(self) -> "PoseBatch":
        """Best score first."""
        return self.take(np.argsort(-self.score))

    def at_least(self, threshold: float) -> "PoseBatch":
        """The poses scoring ``>= threshold``."""
        return self.take(self.score >= threshold)

    def around(self, dx: Any, dy: Any, da: Any, ds: Any) -> "PoseBatch":
        """Every pose moved by each of G offsets: a batch of K * G poses, pose-major (the G
        variants of pose k are rows ``k * G ... k * G + G - 1``); scores are NaN.

        Parameters
        ----------
        dx, dy : array_like (G,)
            Offsets in level-0 px.
        da : array_like (G,)
            Angle offsets, rad.
        ds : array_like (G,)
            Scale offsets.
        """
        def grid(v, d):
            return (v[:, None] + np.asarray(d, dtype=np.float64)[None, :]).reshape(-1)

        g = grid(self.x, dx)
        return PoseBatch(g, grid(self.y, dy), grid(self.angle_rad, da), grid(self.scale, ds),
                         np.full(len(g), np.nan))

    def params(self, i: int) -> tuple[float, float, float, float]:
        """Pose ``i`` as ``(x, y, angle_rad, scale)`` floats."""
        return (float(self.x[i]), float(self.y[i]), float(self.angle_rad[i]),
                float(self.scale[i]))

    def pose(self, i: int) -> Pose2D:
        """Pose ``i`` as a :class:`~metrology.core.pose.Pose2D` (angle in degrees, wrapped to
        [-180, 180))."""
        return Pose2D(float(self.x[i]), float(self.y[i]),
                      _wrap180(math.degrees(self.angle_rad[i])), float(self.scale[i]))
