"""``find_ellipse``: ray calipers round an ellipse, then a second pass on its osculating circles.

The first pass lays rays from the expected centre (bilinear sampling, Gaussian peaks: it only
re-lays the calipers); the second lays each caliper on the osculating circle of the first fit
at its point, so its rays are normals of the ellipse and its edge stays at one radius across
the caliper.  The curvature correction uses each point's local curvature ``kappa``: the shift of
its osculating circle (:func:`metrology.caliper.curvature.edge_shift`, about
``sigma_e^2 * kappa / 2``) along the outward normal.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..core import fit_ellipse
from ..core.checks import as_vector, check_choice, check_finite
from ..errors import EdgeNotFoundError, InputError
from ..image.io import as_gray
from ..image.profiles import ray_calipers
from ._band import ellipse_band
from ._support import unsupported
from .circle import DIRECTIONS, arc_angles
from .contour import PAD_PX, coarse, final_fit, first_fit, measure_calipers, need
from .curvature import edge_shift
from .line import count_calipers
from .results import EllipseResult
from .settings import (EdgeSettings, FitSettings, as_edge_settings, as_fit_settings, check_arc,
                       check_in_image, check_size, flat_keywords)

__all__ = ["find_ellipse"]


def _ellipse_radius(a, b, theta_rad, ang_rad):
    """Distance from the centre to the ellipse along direction ``ang_rad``."""
    u = ang_rad - theta_rad
    return a * b / np.sqrt((b * np.cos(u)) ** 2 + (a * np.sin(u)) ** 2)


def _normal_curvature(points, fit):
    """Outward unit normal and curvature of ``fit`` at the ellipse point nearest each point."""
    c = np.asarray(fit.center_xy)
    a, b = (float(v) for v in np.asarray(fit.semi_axes))
    t = math.radians(float(fit.angle_deg))
    ct, st = math.cos(t), math.sin(t)
    q = points - c
    u = ct * q[:, 0] + st * q[:, 1]
    v = -st * q[:, 0] + ct * q[:, 1]
    th = np.arctan2(v / b, u / a)
    # normal of (a cos th, b sin th) is (b cos th, a sin th)
    nu, nv = b * np.cos(th), a * np.sin(th)
    nn = np.hypot(nu, nv)
    nx = (ct * nu - st * nv) / nn
    ny = (st * nu + ct * nv) / nn
    kappa = a * b / ((a * np.sin(th)) ** 2 + (b * np.cos(th)) ** 2) ** 1.5
    return np.stack([nx, ny], axis=1), kappa


def _osculating_layout(fit, ang_deg, extent):
    """Per-caliper centres of curvature, radii, normal angles and arc-length widths of the
    ellipse ``fit`` at its points along the polar angles ``ang_deg`` from its centre."""
    c = np.asarray(fit.center_xy, dtype=np.float64)
    a, b = (float(v) for v in np.asarray(fit.semi_axes))
    th = math.radians(float(fit.angle_deg))
    phi = np.radians(ang_deg)
    rho = _ellipse_radius(a, b, th, phi)
    p = c + rho[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=1)
    nrm, kappa = _normal_curvature(p, fit)
    radius = 1.0 / kappa
    centres = p - nrm * radius[:, None]
    angles = np.degrees(np.arctan2(nrm[:, 1], nrm[:, 0]))
    if extent >= 360.0:
        prev, nxt = np.roll(p, 1, axis=0), np.roll(p, -1, axis=0)
    else:
        prev = np.concatenate([2 * p[:1] - p[1:2], p[:-1]])
        nxt = np.concatenate([p[1:], 2 * p[-1:] - p[-2:-1]])
    width = 0.5 * (np.hypot(*(p - prev).T) + np.hypot(*(nxt - p).T))
    return centres, radius, angles, width


class _Rays:
    """The calipers of one find_ellipse call."""

    def __init__(self, gray, k, start, extent, size, inward, edges, fit, shading_test):
        self.gray, self.k, self.extent, self.inward = gray, k, extent, inward
        self.length, self.width = size
        self.ang = arc_angles(k, start, extent)
        self.edges, self.fit, self.shading_test = edges, fit, shading_test

    def from_centre(self, c, a, b, th, pad=0.0):
        """Rays from the centre ``c`` of the ellipse (a, b, th rad): calipers and widths."""
        radii = _ellipse_radius(a, b, th, np.radians(self.ang))
        # default: each sector spans its share of the arc's angle (the calipers tile it)
        w = (radii * (math.radians(self.extent) / self.k) if self.width is None
             else np.full(self.k, self.width))
        return ray_calipers(c, radii, self.ang, self.length, w, inward=self.inward,
                            pad=pad), w

    def measure(self, cal, plain=None, edges=None):
        return measure_calipers(self.gray, cal, edges or self.edges, plain=plain,
                                shading_test=self.shading_test)

    def osculating(self, fit):
        """Second pass on the osculating circles of ``fit``: each caliper's rays are normals
        of the ellipse, so its edge stays at one radius across the caliper."""
        cc, rr, tt, ww = _osculating_layout(fit, self.ang, self.extent)
        found = self.measure(
            ray_calipers(cc, rr, tt, self.length, ww, inward=self.inward, pad=PAD_PX),
            plain=lambda: ray_calipers(cc, rr, tt, self.length, ww, inward=self.inward))
        return found, found.points

    def rays_again(self, fit):
        """Second pass with rays from the first fit's centre (curvature too tight for the
        osculating layout); the points are corrected for the sector smear: a sector's profile
        is the mean over its width, so its edge sits at the mean of the ellipse's polar
        radius over the sector's angles, not at the central ray's (second order in the
        width)."""
        a1, b1 = (float(v) for v in np.asarray(fit.semi_axes))
        th1 = math.radians(float(fit.angle_deg))
        c1 = np.asarray(fit.center_xy)
        cal2, w1 = self.from_centre(c1, a1, b1, th1, PAD_PX)
        found = self.measure(cal2, plain=lambda: self.from_centre(c1, a1, b1, th1)[0])
        if found.points.shape[0] < 5:
            return found, found.points
        m = max(1, int(round(float(w1.max()))))
        unit = (np.arange(m) - (m - 1) / 2.0) / m          # across offsets / width
        phi = np.radians(self.ang)[found.caliper]
        rho = _ellipse_radius(a1, b1, th1, phi)            # the calipers' radii
        dphi = unit[None, :] * (w1[found.caliper] / rho)[:, None]
        rho_mean = _ellipse_radius(a1, b1, th1, phi[:, None] + dphi).mean(axis=1)
        u = np.stack([np.cos(phi), np.sin(phi)], axis=1)
        return found, found.points - (rho_mean - rho)[:, None] * u


@flat_keywords
def find_ellipse(image, center_xy, semi_axes, angle_deg: float = 0.0, num_calipers: int = 48,
                 caliper_size: tuple[float | None, float | None] = (None, None), *,
                 arc_deg: tuple[float, float] = (0.0, 360.0), direction: str = "outward",
                 edges: EdgeSettings | None = None,
                 fit: FitSettings | None = None) -> EllipseResult:
    """Find an ellipse near the expected one.

    Calipers are rays from ``center_xy`` at evenly spaced angles; each is centred where the
    expected ellipse crosses its ray.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3) or path
    center_xy : array_like (2,)
    semi_axes : array_like (2,)
        Expected ``(a, b)`` in px (``a`` along ``angle_deg``).
    angle_deg : float
        Direction of the ``a`` axis (0 = +x, clockwise on screen).
    num_calipers : int
        (>= 5)
    caliper_size : (float or None, float or None)
        ``(length, width)``: search range along each ray (px; default ``min(24, b)``) and
        arc length per caliper (default: the calipers tile the arc).
    arc_deg, direction, edges, fit
        As :func:`~metrology.caliper.find_circle`; with ``fit.passes`` 2 (default) a second
        pass lays the calipers on the osculating circles of the first fit.  The curvature
        correction uses each point's local curvature ``kappa``: the shift of its osculating
        circle (:func:`metrology.caliper.curvature.edge_shift`, about
        ``sigma_e^2 * kappa / 2``) along the outward normal.

    Returns
    -------
    EllipseResult

    Examples
    --------
    >>> from metrology.synth.shapes import Ellipse, render_shapes
    >>> img = render_shapes([(Ellipse((50.2, 49.7), (30.0, 18.0), 20.0), 150.0)], (100, 100),
    ...                     background=50)
    >>> r = find_ellipse(img, (50, 50), (31, 17), 22.0)
    >>> np.round(r.semi_axes, 2).tolist(), round(r.angle_deg, 1)
    ([30.0, 18.0], 20.0)
    """
    c0 = as_vector(center_xy, "center_xy")
    ax = as_vector(semi_axes, "semi_axes")
    if np.any(ax <= 0):
        raise InputError(f"semi_axes: expected positive (a, b), given {ax.tolist()}")
    theta = math.radians(check_finite(angle_deg, "angle_deg"))
    k = count_calipers(num_calipers, 5)
    length, width = check_size(caliper_size)
    start, extent = check_arc(arc_deg)
    check_choice(direction, "direction", DIRECTIONS)
    edges = as_edge_settings(edges).with_defaults(transition="any", select="strongest")
    fit = as_fit_settings(fit)
    gray, length = as_gray(image, dtype=None), min(24.0, float(ax.min())) if length is None \
        else length
    check_in_image(gray.shape, length, max(width or 0.0, math.radians(extent) * ax.max() / k),
                   "find_ellipse")
    rays = _Rays(gray, k, start, extent, (length, width), direction == "inward", edges, fit,
                 "contour" if extent >= 180.0 else "edge")  # closed: curvature's slope
    cal, _ = rays.from_centre(c0, ax[0], ax[1], theta)
    thr, seed = fit.ransac_threshold_px, fit.seed
    if fit.passes == 2:
        found = rays.measure(cal, edges=coarse(edges))
    else:
        found = rays.measure(rays.from_centre(c0, ax[0], ax[1], theta, PAD_PX)[0],
                             plain=lambda: cal)
    need(found, k, 5, "find_ellipse", edges.threshold)
    if fit.passes == 2:
        ell = first_fit(found.points, "ellipse", thr, seed)
        first = (found, ell, found.points)
        found, ell, base = _second_pass(rays, found, ell)
    else:
        ell = final_fit(found, found.points, "ellipse", thr, seed)
        base, first = found.points, (found, ell, found.points)
    res = _ellipse_result(found, ell, base, k, fit.correct_curvature)
    why = ellipse_band(c0, ax, math.degrees(theta), rays.ang, rays.length, res.fit) or \
        unsupported(found, res, first, rays.length, 5, edges.sigma, "ellipse")
    return res if why is None else replace(res, ok=False, reason=why)


def _second_pass(rays: _Rays, found, ell):
    """Measure again on the first fit; keep the first pass where that fails.  Returns the
    found edges, the fit and the points it saw (sector calipers: smear-corrected)."""
    fit = rays.fit
    try:
        found2, pts2 = rays.osculating(ell)
    except InputError:
        found2 = None
    if found2 is None and float(np.asarray(ell.semi_axes)[1]) > rays.length / 2 + 1:
        try:     # too tight a curvature for the calipers: rays from the centre instead
            found2, pts2 = rays.rays_again(ell)
        except InputError:
            found2 = None
    if found2 is not None and found2.points.shape[0] >= 5:
        try:
            ell2 = final_fit(found2, pts2, "ellipse", fit.ransac_threshold_px, fit.seed)
        except EdgeNotFoundError:
            ell2 = None
        if ell2 is not None:
            return found2, ell2, pts2
    return found, ell, found.points


def _ellipse_result(found, ell, base, k, correct) -> EllipseResult:
    """Blur-curvature correction with each point's local curvature, residuals."""
    inl = np.asarray(ell.inliers, dtype=bool)
    nrm, kappa = _normal_curvature(base, ell)
    ray = found.profiles.calipers.directions[found.edges.profile]
    cos_in = np.abs((nrm * ray).sum(axis=1))   # obliquity: a ray sees the blur / cos
    es = found.edges
    use = inl & es.refined if np.any(inl & es.refined) else inl
    blur = float(np.median(es.blur[use] * cos_in[use])) if np.any(use) else float("nan")
    pc = base
    if correct and math.isfinite(blur):
        # the median blur over the contour is dominated by its flatter stretches: "straight"
        pc = base - edge_shift(kappa, blur, blur="straight", out_of_domain="clip")[:, None] * nrm
        ell = fit_ellipse(pc, method="geometric", weights=inl.astype(np.float64))
    res = ell.distance(pc)
    return EllipseResult(found.points, np.asarray(ell.inliers, dtype=bool), res, found.caliper,
                         found.edges.std_px, blur, k, found.profiles.dropped,
                         found.profiles.calipers, pc, fit=ell,
                         std_center_px=np.asarray(ell.center_std_px, dtype=np.float64),
                         std_semi_axes_px=np.asarray(ell.semi_axes_std_px, dtype=np.float64),
                         std_angle_deg=float(ell.angle_std_deg))
