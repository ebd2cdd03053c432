"""Overlay of shape-matching results: the model contour at each found pose, its origin and axes,
and a label with the score.

>>> import numpy as np
>>> from metrology.synth.parts import render_template, render_part_scene
>>> from metrology.match import ShapeModel
>>> from metrology.core.pose import Pose2D
>>> model = ShapeModel.create(render_template("lpart").image)
>>> scene = render_part_scene("lpart", [Pose2D(300, 240, 20, 1)], rng=0)
>>> draw_matches(scene.image, model, model.find(scene.image)).shape
(480, 640, 3)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core.checks import _items, check_bool, check_positive
from ..errors import InputError
from ._text import label_scale, put_label
from .draw import COLORS, SHIFT, check_color, to_bgr, to_fixed

__all__ = ["draw_matches"]


def draw_matches(image: Any, model, matches: Sequence, *, color: tuple = COLORS["model"],
                 axis_len_px: float | None = None, label: bool = True) -> np.ndarray:
    """Draw each match's model points, origin, x/y axes and score on a BGR copy of ``image``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3)
    model : ShapeModel
    matches : sequence of Match
    color : BGR tuple for the contour points
    axis_len_px : float, optional
        Length of the drawn axes (default: a third of the model radius, at the match scale).
    label : bool
        Write ``#i score angle`` next to each origin.

    Returns
    -------
    ndarray (H, W, 3) uint8
    """
    import cv2

    from ..match import Match, ShapeModel

    out = to_bgr(image)
    if not isinstance(model, ShapeModel):
        raise InputError(f"model: expected a ShapeModel, given {type(model).__name__}")
    matches = _items(matches, "matches", Match, "Match (ShapeModel.find's results)")
    color = check_color(color)
    if axis_len_px is not None:
        axis_len_px = check_positive(axis_len_px, "axis_len_px")
    check_bool(label, "label")
    for i, m in enumerate(matches):
        pts = model.contour_xy(m.pose)
        fx = to_fixed(pts)
        ok = (pts[:, 0] >= -1) & (pts[:, 1] >= -1) & (pts[:, 0] < out.shape[1] + 1) \
            & (pts[:, 1] < out.shape[0] + 1)
        for p in fx[ok]:  # a few hundred points per match; cv2 draws one marker per call
            cv2.circle(out, (int(p[0]), int(p[1])), 1 << SHIFT, color, -1, cv2.LINE_AA, SHIFT)
        L = (axis_len_px or model.radius_px / 3.0)
        o = np.array([[0.0, 0.0], [L, 0.0], [0.0, L]])
        o = m.pose.apply(o / 1.0)
        fo = to_fixed(o)
        cv2.arrowedLine(out, tuple(map(int, fo[0])), tuple(map(int, fo[1])), (40, 40, 230), 1,
                        cv2.LINE_AA, SHIFT, 0.15)
        cv2.arrowedLine(out, tuple(map(int, fo[0])), tuple(map(int, fo[2])), (230, 160, 40), 1,
                        cv2.LINE_AA, SHIFT, 0.15)
        if label:
            txt = f"#{i} score {m.score:.3f}, {m.pose.angle_deg:.2f} deg"
            org = (int(o[0, 0]) + 4, int(o[0, 1]) - 4)
            # drawn once on a dark box: an outline pass and a text pass of different
            # thickness have different glyph advances under OpenCV 5 (garbled label)
            put_label(out, txt, org, COLORS["text"], label_scale(out.shape))
    return out
