"""The studio: teach, edit and try a recipe in the browser (``metrology studio``).

A local web page served by the library: the golden image with every tool drawn in place, the
edge points a tool finds drawn live as it is dragged, Teach / Import DXF, the measurement table
with tolerances, Run on a folder of parts and Save.  The page is plain HTML/SVG/JavaScript
shipped in this package; the server (Starlette + uvicorn, the ``[studio]`` extra) is thin:
every action calls the library's public API (:mod:`metrology.studio.session`).  Nothing here
is imported by ``import metrology``; the web stack is imported only by ``app`` and ``cli``.

Modules: ``files`` (what may be read and written), ``view`` (tools and points in the pixels
the page shows), ``session`` (the state and actions, no web), ``app`` (the HTTP API, token,
limits), ``cli`` (the command and a background server for tests).
"""

from .._lazy import lazy_getattr

_MODULES = ["files", "view", "session", "app", "cli"]
__getattr__ = lazy_getattr(__name__, _MODULES, globals())
