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

__all__ = ["place", "run_tool"]


def place(tool: Tool, pose: Pose2D, placer: Callable[[Tool], Tool] | None = None) -> Tool:
    """``tool`` (model frame) placed at ``pose``, then through ``placer`` when the pose lives
    in another frame than the image (the rectified plane view)."""
    placed = tool.placed(pose)
    return placer(placed) if placer is not None else placed


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
