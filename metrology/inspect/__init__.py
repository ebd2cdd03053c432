"""Inspection recipes: find the part, measure features in mm, check tolerances, score surfaces.

A recipe is usually loaded from its file (``Recipe.load("part.recipe.json")``, see
``docs/recipe-format.md``) and run on many images (:func:`run_many`); in memory:

>>> from metrology.inspect import Recipe
>>> from metrology.synth.shapes import HalfPlane, render_shapes
>>> image = render_shapes([(HalfPlane((40.0, 30.3), 90.0), 150.0)], (60, 80), background=50)
>>> recipe = Recipe.from_dict({
...     "station": {"pixel_size_mm": 0.1},
...     "tools": [{"name": "top", "type": "line", "p0_xy": [10, 30], "p1_xy": [70, 30]},
...               {"name": "left", "type": "line", "p0_xy": [20, 50], "p1_xy": [20, 10]}],
...     "measurements": []})
>>> print(recipe.run(image, name="part_001").summary())
part_001: FAIL (no edge for tool(s): left)
"""

from .batch import BatchSummary, BatchWriteError, list_images, read_results, run_many, write_csv
from .features import Feature
from .measure import MeasurementResult
from .multicam import MULTICAM_FORMAT, MULTICAM_VERSION, MultiCameraRecipe
from .recipe import RECIPE_FORMAT, RECIPE_VERSION, AnomalySpec, MatchSpec, Recipe
from .rectify import Rectifier, RectifySpec
from .result import STATUSES, InspectionResult
from .spec import Datum, MeasurementSpec, Tolerance
from .station import ScalePlane, StationSpec, load_plane, save_plane

__all__ = ["Recipe", "InspectionResult", "MeasurementResult", "MeasurementSpec", "Tolerance",
           "Datum", "StationSpec", "ScalePlane", "MatchSpec", "AnomalySpec", "Feature", "run_many",
           "BatchSummary", "BatchWriteError", "read_results", "write_csv", "list_images",
           "STATUSES", "RECIPE_FORMAT", "RECIPE_VERSION", "RectifySpec", "Rectifier",
           "save_plane", "load_plane", "MultiCameraRecipe", "MULTICAM_FORMAT",
           "MULTICAM_VERSION"]
