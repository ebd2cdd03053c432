"""Caliper tools: sub-pixel 1-D edges and pairs, line/circle/ellipse finders, placeable tools.

Public API: :func:`measure_edges`, :func:`measure_pairs`, :func:`find_line`,
:func:`find_circle`, :func:`find_ellipse`, their results (:class:`EdgeResult`,
:class:`PairResult`, :class:`LineResult`, :class:`CircleResult`, :class:`EllipseResult`),
and the placeable, JSON-serialisable tool specs (:class:`LineTool`, :class:`CircleTool`,
:class:`EllipseTool`, :class:`EdgePairTool`, :class:`EdgeTool`; ``tool.placed(pose)``,
``tool.measure(image)``, :func:`tool_from_dict`).
"""

from .edges import EdgeResult, EdgeSet, PairResult, detect_edges, measure_edges, measure_pairs
from .plan import (CircleTool, EdgePairTool, EdgeTool, EllipseTool, LineTool, TOOL_TYPES,
                   tool_from_dict)
from .tools import (CircleResult, EllipseResult, LineResult, find_circle, find_ellipse,
                    find_line)

__all__ = ["measure_edges", "measure_pairs", "find_line", "find_circle", "find_ellipse",
           "EdgeResult", "PairResult", "LineResult", "CircleResult", "EllipseResult",
           "EdgeSet", "detect_edges", "EdgeTool", "EdgePairTool", "LineTool", "CircleTool",
           "EllipseTool", "tool_from_dict", "TOOL_TYPES"]
