"""Caliper tools: sub-pixel 1-D edges and pairs, line/circle/ellipse finders, placeable tools.

Public API: :func:`measure_edges`, :func:`measure_pairs`, :func:`find_line`,
:func:`find_circle`, :func:`find_ellipse`, their results (:class:`EdgeResult`,
:class:`PairResult`, :class:`LineResult`, :class:`CircleResult`, :class:`EllipseResult`).
"""

from .edges import EdgeResult, EdgeSet, PairResult, detect_edges, measure_edges, measure_pairs
from .tools import (CircleResult, EllipseResult, LineResult, find_circle, find_ellipse,
                    find_line)

__all__ = ["measure_edges", "measure_pairs", "find_line", "find_circle", "find_ellipse",
           "EdgeResult", "PairResult", "LineResult", "CircleResult", "EllipseResult",
           "EdgeSet", "detect_edges"]
