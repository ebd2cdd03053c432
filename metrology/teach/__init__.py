"""Teaching a new part: recipes from a golden image or from a DXF drawing.

Layer: above :mod:`metrology.inspect` (it builds :class:`~metrology.inspect.Recipe` objects
from shape models, caliper tools and measurement specs) and beside :mod:`metrology.synth` (whose
renderer draws the shape-model template of a drawing).  Nothing below imports it, except the
two thin constructors ``Recipe.teach`` / ``Recipe.from_dxf``, which import it lazily.

Modules: ``tolerances`` (ISO 2768-1), ``geometry`` (lines, arcs, ellipses, loops in mm),
``chain`` (curves into closed outlines), ``dxf`` (reading drawings with ezdxf),
``segment`` (primitives from a golden image),
``proposals`` (features and the measurements a drawing would carry), ``dimensions`` (a
drawing's toleranced dimensions on them), ``layout`` (each tool sized from its feature, and the
precision that predicts), ``tools`` (the tools of a proposal), ``build`` (model and recipe, both
routes), ``show`` (table and overlay), ``cli``.
"""

from .._lazy import lazy_getattr

_MODULES = ["tolerances", "geometry", "chain", "dxf", "segment", "proposals", "dimensions",
            "layout", "tools", "build", "show"]
__getattr__ = lazy_getattr(__name__, _MODULES, globals())
