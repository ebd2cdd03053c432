"""Inspection recipes: find the part, measure features in mm, check tolerances, score surfaces.

>>> from metrology.inspect import Recipe, run_many          # doctest: +SKIP
>>> recipe = Recipe.load("part.recipe.json")                # doctest: +SKIP
>>> recipe.run("part_001.png").status                       # doctest: +SKIP
'pass'
"""

from .batch import BatchSummary, BatchWriteError, list_images, read_results, run_many, write_csv
from .features import Feature
from .measure import MeasurementResult
from .recipe import RECIPE_FORMAT, RECIPE_VERSION, AnomalySpec, MatchSpec, Recipe
from .rectify import Rectifier, RectifySpec
from .result import STATUSES, InspectionResult
from .spec import Datum, MeasurementSpec, Tolerance
from .station import ScalePlane, StationSpec, load_plane, save_plane

__all__ = ["Recipe", "InspectionResult", "MeasurementResult", "MeasurementSpec", "Tolerance",
           "Datum", "StationSpec", "ScalePlane", "MatchSpec", "AnomalySpec", "Feature", "run_many",
           "BatchSummary", "BatchWriteError", "read_results", "write_csv", "list_images",
           "STATUSES", "RECIPE_FORMAT", "RECIPE_VERSION", "RectifySpec", "Rectifier",
           "save_plane", "load_plane"]
