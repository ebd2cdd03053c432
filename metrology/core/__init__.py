"""Vectorized geometry on arrays (NumPy/SciPy only, no images).

Public as :mod:`metrology.geometry`.
"""

from .checks import as_points, as_vector, check_choice, check_finite, check_positive
from .pose import Pose2D

__all__ = ["as_points", "as_vector", "check_choice", "check_finite", "check_positive", "Pose2D"]
