"""Calibration report picture: coverage, residuals and projection uncertainty (OpenCV drawing,
no matplotlib needed).

Left panel: the image frame with the projection-uncertainty map as background (dark = small),
every corner used (colour per view) and its residual vector magnified; beside it the colour bar
of that background (projection sigma in px); right panel: per-view
reprojection RMS bars (rejected views listed with their reason).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ._text import draw_colorbar, text_size
from .draw import SHIFT, to_fixed

__all__ = ["draw_calibration_report", "save_calibration_report", "draw_board_detection"]

#: The background map uses the colour map's lower 60 % (0 .. 153), so residual vectors and
#: corners stay visible on it; the colour bar is drawn with the same gain.
_HEAT_GAIN = 0.6


def _view_colour(i: int, n: int) -> tuple[int, int, int]:
    import cv2

    hue = np.uint8([[[int(180 * i / max(n, 1)), 220, 255]]])
    b, g, r = cv2.cvtColor(hue, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def draw_calibration_report(cal, *, width: int = 1400, residual_gain: float | None = None
                            ) -> np.ndarray:
    """Render the report picture of a :class:`~metrology.calib.Calibration`.

    Parameters
    ----------
    cal : Calibration
    width : int
        Output width in pixels.
    residual_gain : float, optional
        Residual magnification (default: so the 95th-percentile residual is 15 px long).

    Returns
    -------
    ndarray (h, width, 3) uint8 BGR
    """
    import cv2

    from ..calib import Calibration
    from ..core.checks import check_int, check_positive

    if not isinstance(cal, Calibration):
        raise InputError(f"cal: expected a Calibration, given {type(cal).__name__}")
    width = check_int(width, "width", min=400, max=8000)
    if residual_gain is not None:
        residual_gain = check_positive(residual_gain, "residual_gain", max=1e6)
    w_img, h_img = cal.camera.image_size
    left_w = int(width * 0.66)
    s = left_w / w_img
    h = max(int(h_img * s) + 60, 420)
    canvas = np.full((h, width, 3), 24, np.uint8)
    panel = np.zeros((int(h_img * s), left_w, 3), np.uint8)
    mx = None
    if cal.uncertainty is not None:
        sig = np.asarray(cal.uncertainty.sigma_px, float)
        mx = float(np.nanmax(sig)) if np.isfinite(np.nanmax(sig)) else 1.0
        norm = np.nan_to_num(sig / max(mx, 1e-12)) * 255
        heat = cv2.resize(norm.astype(np.float32), (left_w, panel.shape[0]),
                          interpolation=cv2.INTER_CUBIC)
        panel = cv2.applyColorMap(np.clip(heat * _HEAT_GAIN, 0, 255).astype(np.uint8),
                                  cv2.COLORMAP_VIRIDIS)
    res_all = []
    for v in cal.views:  # corners used only (a partial view's others may be behind the camera)
        pred = cal.camera.project(cal.board_points[v.corner_ok], v.rvec, v.tvec)
        res_all.append(np.linalg.norm(pred - v.corners_xy[v.corner_ok], axis=1))
    p95 = float(np.percentile(np.concatenate(res_all), 95)) if res_all else 1.0
    gain = residual_gain or 15.0 / max(p95 * s, 1e-6)
    n = len(cal.views)
    for k, v in enumerate(cal.views):
        col = _view_colour(k, n)
        ok = v.corner_ok
        pred = cal.camera.project(cal.board_points[ok], v.rvec, v.tvec)
        p = v.corners_xy[ok] * s
        tip = p + (v.corners_xy[ok] - pred) * s * gain
        for a, b in zip(to_fixed(p), to_fixed(tip)):
            cv2.line(panel, tuple(int(t) for t in a), tuple(int(t) for t in b), (255, 255, 255),
                     1, cv2.LINE_AA, SHIFT)
        for a in to_fixed(p):
            cv2.circle(panel, tuple(int(t) for t in a), 2 << SHIFT, col, -1, cv2.LINE_AA, SHIFT)
    canvas[40:40 + panel.shape[0], :left_w] = panel
    font = cv2.FONT_HERSHEY_SIMPLEX
    unc = cal.uncertainty
    title = (f"{cal.camera.model} model  RMS {cal.rms_px:.3f} px  hold-out "
             f"{cal.holdout_rms_px:.3f} px" + (f"  uncertainty RMS {unc.rms_px:.3f} / max "
                                               f"{unc.max_px:.3f} px" if unc else ""))
    cv2.putText(canvas, title, (10, 26), font, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(canvas, f"residuals x{gain:.0f}; background: projection uncertainty",
                (10, h - 10), font, 0.45, (200, 200, 200), 1, cv2.LINE_AA)
    # colour bar of the background: projection uncertainty, 0 .. its maximum
    x0 = left_w + 20
    if mx is not None:
        bar_h = max(60, panel.shape[0] - 60)
        draw_colorbar(canvas, (x0, 80, 16, bar_h), mx, label="projection sigma (px)",
                      gain=_HEAT_GAIN, fmt="{:.3f}", scale=0.42)
        x0 += 16 + 10 + text_size(f"{mx:.3f}", 0.42)[0] + 20
    # bars
    bar_w = width - x0 - 20
    top = 50
    row_h = max(10, min(24, (h - top - 80) // max(n + len(cal.rejected_views), 1)))
    vmax = max(float(np.max(cal.per_view_rms_px)) if n else 1.0, 1e-6)
    cv2.putText(canvas, "per-view RMS (px)", (x0, 30), font, 0.5, (255, 255, 255), 1,
                cv2.LINE_AA)
    names = [Path(v.name).name[:14] for v in cal.views]
    name_w = max([text_size(t, 0.38)[0] for t in names] + [40]) + 8
    num_w = text_size("0.000", 0.38)[0] + 6
    for k, v in enumerate(cal.views):
        y = top + k * row_h
        L = int(max(bar_w - name_w - num_w, 10) * v.rms_px / vmax)
        cv2.rectangle(canvas, (x0 + name_w, y), (x0 + name_w + L, y + row_h - 3),
                      _view_colour(k, n), -1)
        cv2.putText(canvas, names[k], (x0, y + row_h - 5), font, 0.38, (230, 230, 230), 1,
                    cv2.LINE_AA)
        cv2.putText(canvas, f"{v.rms_px:.3f}", (x0 + name_w + L + 4, y + row_h - 5), font, 0.38,
                    (230, 230, 230), 1, cv2.LINE_AA)
    y = top + n * row_h + 10
    for r in cal.rejected_views:
        cv2.putText(canvas, f"x {Path(r.name).name[:14]}: {r.reason}", (x0, y + row_h - 5), font,
                    0.38, (90, 90, 240), 1, cv2.LINE_AA)
        y += row_h
    return canvas


def save_calibration_report(cal, path: str | os.PathLike, *, width: int = 1400,
                            residual_gain: float | None = None) -> Path:
    """Write :func:`draw_calibration_report` as a PNG (atomically)."""
    import cv2

    from .._io import atomic_write_bytes

    img = draw_calibration_report(cal, width=width, residual_gain=residual_gain)
    ok, buf = cv2.imencode(".png", img)
    return atomic_write_bytes(path, buf.tobytes())


def draw_board_detection(image, detection, *, radius: float = 4.0) -> np.ndarray:
    """Overlay detected corners (index 0 marked, rejected corners magenta) on ``image``."""
    import cv2

    from ..calib import BoardDetection
    from ..core.checks import check_positive
    from .draw import COLORS, to_bgr

    if not isinstance(detection, BoardDetection):
        raise InputError(f"detection: expected a BoardDetection, given "
                         f"{type(detection).__name__}")
    radius = check_positive(radius, "radius", max=100.0)
    out = to_bgr(image)
    pts = to_fixed(detection.corners_xy)
    for p, ok in zip(pts, detection.corner_ok):
        col = COLORS["inlier"] if ok else COLORS["outlier"]
        cv2.circle(out, tuple(int(t) for t in p), int(radius * (1 << SHIFT)), col, 1,
                   cv2.LINE_AA, SHIFT)
    p0 = detection.corners_xy[0]
    cv2.putText(out, "0", (int(p0[0]) + 5, int(p0[1]) - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                COLORS["pass"], 1, cv2.LINE_AA)
    return out
