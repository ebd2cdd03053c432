"""Run a recipe tool on an image at a pose through :mod:`metrology.caliper`.

This module only adapts: it places the model-frame caliper tool at the match pose
(``tool.placed(pose)``, then through the rectified view's ``placer`` when there is one),
measures it and lets the tool turn its result into features in pixels and on the measuring
plane (``tool.to_features(result, plane)``).  The edge finding, robust fitting and feature
fitting themselves live in the caliper layer, with each tool class.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..caliper import Tool, ToolFeatures
from ..core.pose import Pose2D
from ..errors import InputError, MetrologyError

__all__ = ["place", "run_tool"]


def place(tool: Tool, pose: Pose2D, placer: Callable[[Tool], Tool] | None = None) -> Tool:
    """``tool`` (model frame) placed at ``pose``, then through ``placer`` when the pose lives
    in another frame than the image (the rectified plane view).

    Raises
    ------
    InputError
        ``tool`` is not a caliper Tool, ``pose`` not a Pose2D, ``placer`` not callable, or the
        placer does not return a Tool.
    """
    if not isinstance(tool, Tool):
        raise InputError(f"tool: expected a caliper Tool, given {type(tool).__name__}")
    if not isinstance(pose, Pose2D):
        raise InputError(f"pose: expected a Pose2D, given {type(pose).__name__}")
    if placer is not None and not callable(placer):
        raise InputError(f"placer: expected a callable Tool -> Tool or None, given "
                         f"{type(placer).__name__}")
    placed = tool.placed(pose)
    if placer is None:
        return placed
    try:
        out = placer(placed)
    except MetrologyError:
        raise
    except Exception as exc:        # the caller's placer failed: say so, keep the cause
        raise InputError(f"placer raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(out, Tool):
        raise InputError(f"placer: expected it to return a Tool, given {type(out).__name__}")
    return out


def run_tool(tool: Tool, image: np.ndarray, pose: Pose2D, plane: Any,
             placer: Callable[[Tool], Tool] | None = None) -> tuple[Tool, ToolFeatures]:
    """Place ``tool``, run it on ``image`` and fit its feature in px and mm (``plane.to_mm``).

    Returns
    -------
    placed : Tool
        The tool as placed in the image.
    features : ToolFeatures
        Its feature in px and mm, and the edge points it used / rejected.

    Raises
    ------
    EdgeNotFoundError, FitError, InputError
        As raised by the caliper (no edges, too few inliers, tool outside the image).
    """
    placed = place(tool, pose, placer)
    return placed, placed.to_features(placed.measure(image), plane)
