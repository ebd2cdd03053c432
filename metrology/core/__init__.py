"""Vectorized geometry on arrays (NumPy/SciPy only, no images).

Public as :mod:`metrology.geometry`.  Every fit takes one point set ``(N, 2)`` (scalar result
fields, :class:`~metrology.errors.FitError` when no fit exists) or a batch ``(..., N, 2)``
(fields with the batch shape in front, ``ok=False`` and NaN for failed items).
"""

from .checks import (MAX_COORD, as_points, as_vector, check_bool, check_choice, check_finite,
                     check_int, check_positive, check_seed)
from .distances import (closest_point_ellipse, distance_point_circle, distance_point_ellipse,
                        distance_point_line, project_point_on_line)
from .fit_circle import fit_circle
from .fit_ellipse import conic_to_ellipse, fit_ellipse
from .fit_line import fit_line
from .intersections import (angle_between_lines, intersect_circles, intersect_line_circle,
                            intersect_lines)
from .pose import Pose2D
from .results import CircleFit, EllipseFit, LineFit
from .robust import ransac

__all__ = ["as_points", "as_vector", "check_choice", "check_finite", "check_positive",
           "check_int", "check_bool", "check_seed", "MAX_COORD", "Pose2D",
           "LineFit", "CircleFit", "EllipseFit", "fit_line", "fit_circle", "fit_ellipse",
           "conic_to_ellipse", "ransac",
           "distance_point_line", "distance_point_circle", "distance_point_ellipse",
           "closest_point_ellipse", "project_point_on_line", "intersect_lines",
           "intersect_line_circle", "intersect_circles", "angle_between_lines"]
