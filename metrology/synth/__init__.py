"""Ground-truth renderers: scenes with exactly known geometry for tests, examples, benchmarks.

Modules: ``render`` (physical image formation), ``board`` (checkerboards through a camera),
``shapes`` (edges, circles, lines for calipers), ``parts`` (parts at a known pose for matching
and the demo), ``defects`` (textured faces with scratches, spots, dents), ``drawn`` (parts defined by
drawn geometry in mm, through a pinhole or telecentric station), ``colour`` (those faces in a
material's colour, and discolourations that keep the luminance).
"""

from .._lazy import lazy_getattr
from .render import finish_image, fine_grid, render_scene

_MODULES = ["render", "board", "shapes", "parts", "defects", "drawn", "colour"]
__all__ = ["finish_image", "fine_grid", "render_scene"]
__getattr__ = lazy_getattr(__name__, _MODULES, globals())
