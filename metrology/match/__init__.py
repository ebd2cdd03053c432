"""Shape-based matching: find a part by its contour at any angle and scale, to subpixel pose.

>>> from metrology.match import ShapeModel, Match, Matches
"""

from .fields import SearchImage
from .file import MODEL_FORMAT, MODEL_VERSION
from .model import ShapeModel
from .result import Match, Matches, SearchStats

__all__ = ["ShapeModel", "Match", "Matches", "SearchStats", "SearchImage", "MODEL_FORMAT",
           "MODEL_VERSION"]
