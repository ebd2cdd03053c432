"""Search-band checks of the line, circle and ellipse finders (issue 12, silent wrong answers).

A tool's calipers search a band around its nominal geometry: each caliper sees edges within
``+-length / 2`` of the nominal along its own axis.  The second pass re-lays the calipers on
the first fit, so an edge found by part of the calipers is followed beyond the others' reach
(a part turned a few degrees, a hole a little off): that is intended.  What is not is a fit the
calipers the user placed did not measure -- a circle of twice the nominal radius because the
tool sat over the wrong hole and the second pass followed the other hole's rim, a line far
from or steeply across its segment.  The finders flag those ``ok=False`` with a reason that
says what and by how much:

- the fitted size moved beyond the calipers' reach: ``|r - r0| > length / 2`` (a circle; an
  ellipse's semi-axes, each), or a line's offset at the segment's middle;
- or the fit crosses fewer than half of the nominal calipers within their reach (a caliper
  axis the fit does not cross at all counts as outside).

:data:`BAND_SLACK_PX` of slack covers a good fit of edges found at the very end of a caliper
(a sub-pixel peak may lie a fraction of a pixel past the sampled search range).
"""

from __future__ import annotations

import math

import numpy as np

__all__: list[str] = []

#: px a fit may cross a nominal caliper beyond its half length before it is flagged
BAND_SLACK_PX = 1.0
#: the shortcuts' reach: the slack less a margin far above rounding (a fit within 1e-9 px of
#: the limit takes the full check, whose rounding decides as before)
_INSIDE = BAND_SLACK_PX - 1e-9


def _beyond(change: float, half: float, what: str, nominal: str = "the nominal") -> str | None:
    """Reason when ``change`` (px) exceeds the reach ``half`` (+ slack), or None."""
    if abs(change) > half + BAND_SLACK_PX:
        return (f"outside the search band: {what} {change:+.2f} px from {nominal}, beyond "
                f"the calipers' reach of +-{half:.2f} px")
    return None


def _worst(t: np.ndarray, half: float, what: str, nominal: str) -> str | None:
    """Reason when fewer than half of the crossings ``t`` (K,) (NaN/inf: none) lie within
    ``half`` (+ slack), naming the worst; None otherwise."""
    excess = np.where(np.isfinite(t), np.abs(t) - half, np.inf)
    inside = int(np.count_nonzero(excess <= BAND_SLACK_PX))
    if 2 * inside >= t.size:
        return None
    i = int(np.argmax(excess))
    worst = (f"does not cross caliper {i}" if not np.isfinite(t[i]) else
             f"caliper {i} at {t[i]:+.2f} px")
    return (f"outside the search band: {what} crosses only {inside} of {t.size} calipers "
            f"within their reach (+-{half:.2f} px {nominal}); worst: {worst}")


def _nearest_root(roots: np.ndarray, nominal) -> np.ndarray:
    """Of the two roots ``(2, K)`` (NaN: none) of each ray, the offset from ``nominal`` (K,)
    of the one nearest it (NaN when the ray misses)."""
    off = roots - nominal
    pick = np.argmin(np.where(np.isfinite(off), np.abs(off), np.inf), axis=0)
    return np.take_along_axis(off, pick[None], axis=0)[0]


def circle_band(center0_xy, radius0: float, angles_deg, length: float, center_xy,
                radius: float) -> str | None:
    """Why the circle (``center_xy``, ``radius``) lies outside the band of rays from
    ``center0_xy`` at ``angles_deg`` (K,) searched ``radius0 +- length / 2`` (see the module
    docstring for the rules); None when it lies inside.

    The crossing of each ray with the fitted circle is the root of
    ``|t u - d|^2 = r^2`` (``d`` the centre's offset) nearest ``radius0``.  Where
    ``|d| <= r``, every ray crosses the circle at a ``t >= 0`` with ``|t - r| <= |d|``: with
    ``|d| + |r - radius0|`` within the reach (+ slack) every crossing is, and the circle is
    inside without computing them (the usual case, in Python floats).
    """
    dx = float(center_xy[0]) - float(center0_xy[0])
    dy = float(center_xy[1]) - float(center0_xy[1])
    off = math.hypot(dx, dy)
    if off <= float(radius) and off + abs(float(radius) - radius0) <= length / 2.0 + _INSIDE:
        return None          # (NaN anywhere fails the test: the full check below runs)
    phi = np.radians(np.asarray(angles_deg, dtype=np.float64))
    u = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    d = np.asarray(center_xy, dtype=np.float64) - np.asarray(center0_xy, dtype=np.float64)
    ud = u @ d
    disc = ud * ud - float(d @ d) + float(radius) ** 2
    root = np.sqrt(np.where(disc >= 0, disc, np.nan))
    best = _nearest_root(np.stack([ud + root, ud - root]), radius0)
    why = _beyond(float(radius) - radius0, length / 2.0, f"the fitted radius "
                  f"{float(radius):.2f} px is", f"the nominal {radius0:.2f} px")
    return why or _worst(best, length / 2.0, f"the fitted circle (r {float(radius):.2f} px, "
                         f"centre {float(np.hypot(*d)):.2f} px off)", f"from the nominal radius "
                         f"{radius0:.2f} px")


def ellipse_band(center0_xy, semi_axes0, angle0_deg: float, angles_deg, length: float,
                 fit) -> str | None:
    """As :func:`circle_band` for an ellipse: rays from ``center0_xy`` at ``angles_deg`` (K,)
    searched ``rho0 +- length / 2`` around the nominal ellipse's polar radius ``rho0``;
    ``fit`` an :class:`~metrology.core.EllipseFit`.

    A point ``c0 + t u`` lies on the fitted ellipse where ``q(t) = 1`` for the quadratic form
    of its semi-axes in its own frame: a quadratic in ``t``; the root nearest ``rho0``.
    """
    phi = np.radians(np.asarray(angles_deg, dtype=np.float64))
    u = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    a0, b0 = (float(v) for v in np.asarray(semi_axes0, dtype=np.float64))
    t0 = phi - np.radians(angle0_deg)
    rho0 = a0 * b0 / np.sqrt((b0 * np.cos(t0)) ** 2 + (a0 * np.sin(t0)) ** 2)
    a, b = (float(v) for v in np.asarray(fit.semi_axes, dtype=np.float64))
    th = np.radians(float(fit.angle_deg))
    rot = np.array([[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]])
    d = rot @ (np.asarray(center0_xy, dtype=np.float64) - np.asarray(fit.center_xy, float))
    v = u @ rot.T                                   # ray directions in the ellipse's frame
    w = np.array([1.0 / (a * a), 1.0 / (b * b)])
    qa = (v * v) @ w
    qb = 2.0 * (v * d) @ w
    qc = float((d * d) @ w) - 1.0
    disc = qb * qb - 4.0 * qa * qc
    root = np.sqrt(np.where(disc >= 0, disc, np.nan))
    best = _nearest_root(np.stack([(-qb + root) / (2 * qa), (-qb - root) / (2 * qa)]), rho0)
    (s0, l0), (s1, l1) = sorted((a0, b0)), sorted((a, b))
    change = max(s1 - s0, l1 - l0, key=abs)
    why = _beyond(change, length / 2.0, f"a fitted semi-axis ({a:.2f}, {b:.2f} px) is",
                  f"the nominal ({a0:.2f}, {b0:.2f} px)")
    return why or _worst(best, length / 2.0, f"the fitted ellipse (semi-axes {a:.2f}, "
                         f"{b:.2f} px)", "from the nominal ellipse")


def line_band(p0_xy, p1_xy, k: int, length: float, point_xy, direction) -> str | None:
    """Why the line through ``point_xy`` along ``direction`` lies outside the band of the
    ``k`` calipers across the segment ``p0_xy -> p1_xy`` (each searching ``+-length / 2``
    along the segment's normal, centred at ``p0 + (i + 0.5) / k * (p1 - p0)``); None when
    it lies inside."""
    (ax, ay), (bx, by) = (float(v) for v in p0_xy), (float(v) for v in p1_xy)
    (px, py), (ux, uy) = (float(v) for v in point_xy), (float(v) for v in direction)
    sx, sy = bx - ax, by - ay
    nrm = math.hypot(sx, sy)
    cross = (-sy * uy - sx * ux) / nrm if nrm > 0 else 0.0
    if abs(cross) > 1e-12:
        # the crossing offset is linear in the position along the segment: within the reach
        # at the first and last caliper and at the middle, it is at every caliper (the usual
        # case, in Python floats)
        def offset(f: float) -> float:
            rx, ry = px - (ax + f * sx), py - (ay + f * sy)
            return (rx * uy - ry * ux) / cross

        if max(abs(offset(0.5 / k)), abs(offset(1.0 - 0.5 / k)),
               abs(offset(0.5))) <= length / 2.0 + _INSIDE:
            return None
    p0 = np.asarray(p0_xy, dtype=np.float64)
    seg = np.asarray(p1_xy, dtype=np.float64) - p0
    n = np.array([-seg[1], seg[0]]) / np.hypot(*seg)
    q = p0 + ((np.arange(k) + 0.5) / k)[:, None] * seg
    dvec = np.asarray(direction, dtype=np.float64)
    cross_nd = n[0] * dvec[1] - n[1] * dvec[0]
    rel = np.asarray(point_xy, dtype=np.float64) - np.concatenate([q, [p0 + 0.5 * seg]])
    num = rel[:, 0] * dvec[1] - rel[:, 1] * dvec[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / cross_nd if abs(cross_nd) > 1e-12 else np.full(k + 1, np.inf)
    ang = float(np.degrees(np.arcsin(min(1.0, abs(cross_nd)))))
    why = None if not np.isfinite(t[k]) else _beyond(
        float(t[k]), length / 2.0, "the fitted line at the segment's middle is",
        "the nominal segment")
    return why or _worst(t[:k], length / 2.0, f"the fitted line ({90.0 - ang:.1f} deg from the "
                         f"nominal segment)", "from the nominal segment")
