"""Overlay of an inspection: the image with its tools, edge points, fitted features and a
dimension per measurement, and a results panel beside (or below) it that never covers the part.

Each value is shown with its deviation from the nominal and its tolerance; a failure is red
with its reason and numbers (``out of tolerance: +0.041 mm > +0.030`` /
``not measured: 31 of 48 calipers found no edge (tool hole)``).  Text is drawn once, on a dark
box, at a size that follows the image (readable at 100 % from 640x480 to 5 MP).

>>> import numpy as np
>>> from metrology.inspect import InspectionResult, MeasurementResult
>>> res = InspectionResult("part.png", "fail", measurements=(
...     MeasurementResult("w", "width", "mm", 2.541, nominal=2.5, min=2.47, max=2.53,
...                       passed=False),))
>>> out, layout = render_inspection(np.zeros((120, 160), np.uint8), res)
>>> out.shape[0] >= 120 and out.shape[1] > 160, layout.image_rect
(True, (0, 0, 160, 120))
>>> failure_reason(res.measurements[0])
'out of tolerance: +0.041 mm > +0.030'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.checks import check_bool, check_choice, check_finite
from ..errors import InputError
from ._overlay import OverlayLayout
from ._overlay import failure_reason as _failure_reason
from ._overlay import render_inspection as _render

__all__ = ["draw_inspection", "render_inspection", "failure_reason"]

_PANELS = ("auto", "right", "below")


def _check(result: Any, panel: str, font_scale: float | None, flags: dict) -> None:
    from ..inspect.result import InspectionResult

    if not isinstance(result, InspectionResult):
        raise InputError(f"result: expected an InspectionResult, given {type(result).__name__}")
    check_choice(panel, "panel", _PANELS)
    if font_scale is not None:
        check_finite(font_scale, "font_scale", min=0.1, max=10.0)
    for k, v in flags.items():
        check_bool(v, k)


def render_inspection(image: Any, result: Any, *, panel: str = "auto", show_tools: bool = True,
                      show_points: bool = True, font_scale: float | None = None
                      ) -> tuple[np.ndarray, OverlayLayout]:
    """Draw ``result`` on ``image`` with the results panel beside or below it.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3), or path
        The inspected image.
    result : InspectionResult
    panel : {"auto", "right", "below"}
        Where the panel goes ("auto": below when the image is much wider than tall).
    show_tools, show_points : bool
        Draw the placed tools / the edge points kept (yellow) and rejected (magenta).
    font_scale : float, optional
        OpenCV font scale (default from the image size: 0.45 at 640x480, ~1.1 at 5 MP).

    Returns
    -------
    overlay : ndarray (H', W', 3) uint8, BGR
        The image at the top-left, unscaled, plus the panel (H' >= H, W' >= W).
    layout : OverlayLayout
        ``image_rect``, ``panel_rect`` and every text with its box ``(x, y, w, h)``.
    """
    _check(result, panel, font_scale, {"show_tools": show_tools, "show_points": show_points})
    return _render(image, result, panel=panel, show_tools=bool(show_tools),
                   show_points=bool(show_points),
                   font_scale=None if font_scale is None else float(font_scale))


def draw_inspection(image: Any, result: Any, *, panel: str = "auto", show_tools: bool = True,
                    show_points: bool = True, font_scale: float | None = None) -> np.ndarray:
    """The picture of :func:`render_inspection` alone.

    Returns
    -------
    ndarray (H', W', 3) uint8, BGR
    """
    return render_inspection(image, result, panel=panel, show_tools=show_tools,
                             show_points=show_points, font_scale=font_scale)[0]


def failure_reason(measurement: Any) -> str | None:
    """Why ``measurement`` (a :class:`~metrology.inspect.MeasurementResult`) failed, with its
    numbers; None when it passed or has no tolerance.

    Examples
    --------
    >>> from metrology.inspect import MeasurementResult
    >>> failure_reason(MeasurementResult("d", "diameter", "mm", 3.95, nominal=4.0, min=3.97,
    ...                                  max=4.03, passed=False))
    'out of tolerance: -0.050 mm < -0.030'
    """
    from ..inspect.measure import MeasurementResult

    if not isinstance(measurement, MeasurementResult):
        raise InputError("measurement: expected a MeasurementResult, given "
                         f"{type(measurement).__name__}")
    return _failure_reason(measurement)
