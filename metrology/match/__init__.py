"""Shape-based matching: find a part by its contour at any angle and scale, to subpixel pose.

>>> from metrology.match import ShapeModel, Match
"""

from .model import MODEL_FORMAT, MODEL_VERSION, Match, ShapeModel

__all__ = ["ShapeModel", "Match", "MODEL_FORMAT", "MODEL_VERSION"]
