"""Overlays drawn with OpenCV (always available) and plots (matplotlib, ``metrology[plot]``).

Modules: ``draw`` (colours, BGR conversion, primitives), ``caliper``, ``match``, ``calib``,
``anomaly``, ``inspect``.

>>> from metrology import viz
>>> viz.to_bgr([[0, 255]]).shape
(1, 2, 3)
"""

from .._lazy import lazy_getattr
from .draw import COLORS, to_bgr

__all__ = ["COLORS", "to_bgr"]
_MODULES = ["draw", "caliper", "match", "calib", "anomaly", "inspect"]
__getattr__ = lazy_getattr(__name__, _MODULES, globals())
