"""Caliper tools: sub-pixel 1-D edges and pairs, line/circle/ellipse finders, placeable tools.

Public API: :func:`measure_edges`, :func:`measure_pairs`, :func:`find_line`,
:func:`find_circle`, :func:`find_ellipse` and their results (:class:`EdgeResult`,
:class:`PairResult`, :class:`LineResult`, :class:`CircleResult`, :class:`EllipseResult`); the
settings they share (:class:`EdgeSettings`: how edges are found, :class:`FitSettings`: how a
shape is fitted to them); the placeable, JSON-serialisable tools (:class:`Tool` and its
:class:`LineTool`, :class:`CircleTool`, :class:`EllipseTool`, :class:`EdgePairTool`,
:class:`EdgeTool`; ``tool.placed(pose)``, ``tool.measure(image)``, :func:`tool_from_dict`) and
the inspection features their results become (:mod:`metrology.caliper.features`).

Speed: with numba installed (the ``fast`` extra) the profile gather and the per-edge
blurred-step fit run as compiled kernels (:mod:`metrology.image._kernels`,
:mod:`metrology.caliper._kernels`, loaded lazily by :mod:`metrology._accel`); they compute
what the NumPy code computes (the reference and the fallback; tests hold both equal, positions
within 1e-6 px).  ``METROLOGY_NUMBA=0`` runs the NumPy code.

Layering: this package uses :mod:`metrology.core` and :mod:`metrology.image` only; what the
inspection and overlay layers need from a tool (its feature, its outline) is defined here.

>>> import metrology as mt
>>> mt.caliper.EdgeSettings(threshold=30).threshold
30.0
"""

from .circle import find_circle
from .edges import EdgeSet, detect_edges
from .ellipse import find_ellipse
from .features import Feature, ToolFeatures, feature_from_dict
from .line import find_line
from .measure import EdgeResult, PairResult, measure_edges, measure_pairs
from .plan import (TOOL_TYPES, CircleTool, EdgePairTool, EdgeTool, EllipseTool, LineTool, Tool,
                   tool_from_dict)
from .results import CircleResult, EllipseResult, LineResult
from .settings import EdgeSettings, FitSettings

__all__ = ["measure_edges", "measure_pairs", "find_line", "find_circle", "find_ellipse",
           "EdgeResult", "PairResult", "LineResult", "CircleResult", "EllipseResult",
           "EdgeSettings", "FitSettings", "EdgeSet", "detect_edges", "Tool", "EdgeTool",
           "EdgePairTool", "LineTool", "CircleTool", "EllipseTool", "tool_from_dict",
           "TOOL_TYPES", "Feature", "ToolFeatures", "feature_from_dict"]
