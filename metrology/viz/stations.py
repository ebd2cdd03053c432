"""Station pictures: where the calibration corners fell (coverage) and how the projection
uncertainty follows them, for any calibration (pinhole, telecentric) with whole or partial
board views (OpenCV drawing, no matplotlib needed).

:func:`draw_coverage_report` draws two panels side by side over the image frame: the coverage
map (every corner used, on cells shaded by how many corners fell in them; empty cells
outlined in red) and the 1-sigma projection uncertainty (colour scale in px, with its
maximum, median and corner values written out).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.checks import as_points, check_int, check_positive
from ..errors import InputError
from .draw import SHIFT, to_fixed


def _used_corners(cal: Any) -> tuple[tuple[int, int], list[np.ndarray]]:
    """``(image size, corners used per view (n, 2))`` of a calibration, checked."""
    size = getattr(getattr(cal, "camera", None), "image_size", None)
    views = getattr(cal, "views", None)
    if not (isinstance(size, tuple) and len(size) == 2 and isinstance(views, (list, tuple))):
        raise InputError(f"cal: expected a Calibration or TelecentricCalibration, given "
                         f"{type(cal).__name__}")
    pts = []
    for i, v in enumerate(views):
        xy = as_points(getattr(v, "corners_xy", None), f"cal.views[{i}].corners_xy",
                       finite=False)
        ok = np.asarray(getattr(v, "corner_ok", None))
        if ok.shape != (len(xy),) or ok.dtype != bool:
            raise InputError(f"cal.views[{i}].corner_ok: expected {len(xy)} booleans")
        pts.append(xy[ok & np.all(np.isfinite(xy), axis=1)])
    return size, pts

__all__ = ["coverage_grid", "draw_coverage_report"]


def coverage_grid(cal: Any, cells: tuple[int, int] = (16, 12)) -> np.ndarray:
    """Corners used per cell of a ``cells = (gw, gh)`` grid over the image, ``(gh, gw)`` int.

    Parameters
    ----------
    cal : Calibration or TelecentricCalibration
        Anything with ``camera.image_size`` and ``views`` holding ``corners_xy`` and
        ``corner_ok``.
    cells : (gw, gh)

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> v = NS(corners_xy=np.array([[5.0, 5.0], [95.0, 45.0]]), corner_ok=np.array([1, 1], bool))
    >>> coverage_grid(NS(camera=NS(image_size=(100, 50)), views=[v]), (2, 1)).tolist()
    [[1, 1]]
    """
    (w, h), pts = _used_corners(cal)
    if not isinstance(cells, (tuple, list)) or len(cells) != 2:
        raise InputError(f"cells: expected (gw, gh), given {cells!r:.60}")
    cells = (check_int(cells[0], "cells[0]", min=1, max=1000),
             check_int(cells[1], "cells[1]", min=1, max=1000))
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    H, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=(cells[1], cells[0]),
                             range=((-0.5, h - 0.5), (-0.5, w - 0.5)))
    return H.astype(int)


def _panel_size(cal: Any, width: int) -> tuple[float, int, int]:
    w, h = cal.camera.image_size
    s = width / w
    return s, width, int(round(h * s))


def draw_coverage_report(cal: Any, *, width: int = 480, title: str = "",
                         sigma_max_px: float | None = None) -> np.ndarray:
    """Coverage map and projection-uncertainty map side by side.

    Parameters
    ----------
    cal : Calibration or TelecentricCalibration
    width : int
        Width of each panel in pixels.
    title : str
        Written above the panels.
    sigma_max_px : float, optional
        Top of the uncertainty colour scale (default: this calibration's maximum); give two
        reports the same value to compare them.

    Returns
    -------
    ndarray (h, 2 * width + 30, 3) uint8 BGR
    """
    import cv2

    _, used = _used_corners(cal)
    width = check_int(width, "width", min=32, max=4096)
    if not isinstance(title, str):
        raise InputError(f"title: expected a string, given {type(title).__name__}")
    if sigma_max_px is not None:
        sigma_max_px = check_positive(sigma_max_px, "sigma_max_px")
    s, pw, ph = _panel_size(cal, width)
    top, bottom = 44, 40
    canvas = np.full((ph + top + bottom, 2 * pw + 30, 3), 24, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    # -- coverage
    grid = coverage_grid(cal, (16, 12))
    norm = np.clip(grid / max(float(np.percentile(grid[grid > 0], 90)) if grid.any() else 1, 1),
                   0, 1)
    cov = cv2.resize((norm * 150 + 30).astype(np.uint8), (pw, ph),
                     interpolation=cv2.INTER_NEAREST)
    panel = cv2.cvtColor(cov, cv2.COLOR_GRAY2BGR)
    gh, gw = grid.shape
    for r in range(gh):
        for c in range(gw):
            if grid[r, c] == 0:
                x0, y0 = int(c * pw / gw), int(r * ph / gh)
                x1, y1 = int((c + 1) * pw / gw) - 1, int((r + 1) * ph / gh) - 1
                cv2.rectangle(panel, (x0 + 1, y0 + 1), (x1 - 1, y1 - 1), (60, 60, 200), 1)
    for p in used:
        for a in to_fixed(p * s):
            cv2.circle(panel, tuple(int(t) for t in a), 2 << SHIFT, (80, 220, 255), -1,
                       cv2.LINE_AA, SHIFT)
    canvas[top:top + ph, :pw] = panel
    n_cells = int((grid > 0).sum())
    cv2.putText(canvas, f"coverage: {n_cells}/{grid.size} cells, "
                        f"{sum(len(p) for p in used)} corners",
                (6, top + ph + 18), font, 0.45, (230, 230, 230), 1, cv2.LINE_AA)
    # -- uncertainty
    unc = getattr(cal, "uncertainty", None)
    x0 = pw + 30
    if unc is not None:
        sig = np.asarray(unc.sigma_px, float)
        top_v = float(sigma_max_px) if sigma_max_px else float(np.nanmax(sig))
        heat = cv2.resize(np.nan_to_num(sig / max(top_v, 1e-12)).astype(np.float32), (pw, ph),
                          interpolation=cv2.INTER_CUBIC)
        img = cv2.applyColorMap(np.clip(heat * 255, 0, 255).astype(np.uint8),
                                cv2.COLORMAP_VIRIDIS)
        canvas[top:top + ph, x0:x0 + pw] = img
        corners = [sig[0, 0], sig[0, -1], sig[-1, 0], sig[-1, -1]]
        cv2.putText(canvas, f"projection 1-sigma: max {np.nanmax(sig):.3f}  median "
                            f"{np.nanmedian(sig):.3f}  corners {np.nanmax(corners):.3f} px",
                    (x0 + 4, top + ph + 18), font, 0.42, (230, 230, 230), 1, cv2.LINE_AA)
        cv2.putText(canvas, f"colour scale 0 .. {top_v:.3f} px", (x0 + 4, top + ph + 34), font,
                    0.4, (200, 200, 200), 1, cv2.LINE_AA)
    cv2.putText(canvas, title or f"{cal.camera.model} camera, {len(cal.views)} views, RMS "
                                 f"{cal.rms_px:.3f} px", (6, 28), font, 0.55, (255, 255, 255),
                1, cv2.LINE_AA)
    return canvas
