"""Hypothesis strategies and assertion helpers for property tests of geometry code.

The assertion helpers need only NumPy.  The strategies need the ``hypothesis`` package (the
``test`` extra: ``pip install "metrology[test]"``) and are loaded on first use.

>>> from metrology.testing import assert_points_close
>>> assert_points_close([[0.0, 0.0]], [[0.0, 0.001]], max_px=0.01)
"""

from __future__ import annotations

import importlib
from typing import Any

from .assertions import assert_points_close, assert_pose_close

_STRATEGIES = ("finite_points", "poses", "line_points", "circle_points", "ellipse_points",
               "triangles", "LineSample", "CircleSample", "EllipseSample")

__all__ = ["assert_points_close", "assert_pose_close", *_STRATEGIES]


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES or name == "strategies":
        try:
            mod = importlib.import_module("metrology.testing.strategies")
        except ImportError as exc:  # hypothesis missing
            raise ImportError(f"metrology.testing.{name} needs the 'hypothesis' package: "
                              f'pip install "metrology[test]" ({exc})') from None
        return mod if name == "strategies" else getattr(mod, name)
    raise AttributeError(f"module 'metrology.testing' has no attribute {name!r}")
