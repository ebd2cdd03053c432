"""Public face of :mod:`metrology.core`: vectorized geometry over batches of points."""

from .core import *  # noqa: F401,F403
from .core import __all__  # noqa: F401
