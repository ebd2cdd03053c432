"""Overlays drawn with OpenCV (always available) and plots (matplotlib, ``metrology[plot]``).

Modules: ``draw`` (colours, BGR conversion, primitives), ``caliper``, ``match``, ``calib``,
``anomaly``, ``inspect``.
"""

from .._lazy import lazy_getattr
from .draw import COLORS, to_bgr

_MODULES = ["draw", "caliper", "match", "calib", "anomaly", "inspect"]
__getattr__ = lazy_getattr(__name__, _MODULES, globals())
