"""``find_circle``: ray calipers round a circle or arc, one batched sampling, a robust fit.

Arcs are sampled along rays from the circle's centre (a rectangle laid on a circle of radius R
biases the radius by ``-<s^2>/(2R)``).  A blurred circle's edge appears inside the true one by
about ``sigma_e^2 / (2R)`` (the derivative peak and the blurred-step fit both see it); the tool
estimates the edge blur ``sigma_e`` from the edge fits themselves and adds the exact shift of
the erf fit (:mod:`metrology.caliper.curvature`, a table of the fit on exact blurred-disk
profiles; the first order over-corrects small circles by 0.01 - 0.1 px at ``sigma_e / R``
0.25 - 0.4).
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np

from .._accel import kernels
from ..core._batch import MAD_TO_SIGMA, TUKEY_C
from ..core.checks import as_vector, check_choice, check_positive
from ..core.results import CircleFit
from ..errors import EdgeNotFoundError, InputError
from ..image.io import as_gray
from ..image.profiles import ray_calipers
from ._band import circle_band
from ._support import unsupported
from .contour import PAD_PX, blur_estimate, covariance, final_fit, measure_calipers, need
from .curvature import circle_correction
from .line import count_calipers
from .results import CircleResult, assemble
from .settings import (EdgeSettings, FitSettings, as_edge_settings, as_fit_settings, check_arc,
                       check_in_image, check_size, flat_keywords)

__all__ = ["find_circle", "DIRECTIONS"]  # arc_angles: internal layout helper

#: profile directions of the ray tools
DIRECTIONS = ("outward", "inward")
#: find_circle re-lays its calipers on a small blurred circle (sigma_e / R > 0.2) found this
#: far (px) from the expected centre
_RELAY_SMALL_PX = 0.25


def arc_angles(k: int, start: float, extent: float) -> np.ndarray:
    """Central ray angles (deg) of ``k`` calipers tiling the arc ``start`` + ``extent``."""
    return start + (np.arange(k) + 0.5) * (extent / k)


@flat_keywords
def find_circle(image, center_xy, radius: float, num_calipers: int = 32,
                caliper_size: tuple[float | None, float | None] = (None, None), *,
                arc_deg: tuple[float, float] = (0.0, 360.0), direction: str = "outward",
                edges: EdgeSettings | None = None,
                fit: FitSettings | None = None) -> CircleResult:
    """Find a circle (or an arc of one) near ``center_xy``, ``radius``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3) or path
    center_xy : array_like (2,)
        Expected centre.
    radius : float
        Expected radius (px).
    num_calipers : int
        Calipers evenly spread over the arc (>= 3).
    caliper_size : (float or None, float or None)
        ``(length, width)`` of each caliper (px): the radial search range, < 2 * radius
        (default ``min(24, radius)``), and the arc length at ``radius`` (default: the
        calipers tile the arc).
    arc_deg : (float, float)
        Arc to search, ``(start, extent)``: from ``start`` (0 = +x, clockwise on screen) over
        ``extent`` (0 < extent <= 360).
    direction : {"outward", "inward"}
        Profile direction; ``transition="positive"`` means dark to bright along it.
    edges : EdgeSettings, optional
        Edge detection (:class:`~metrology.caliper.EdgeSettings`; ``select`` defaults to
        "strongest"; "auto" interpolation: cubic B-spline, bilinear on edges sharper than
        0.75 px).
    fit : FitSettings, optional
        ``ransac_threshold_px``, ``seed``; ``passes``: the calipers are laid on the expected
        circle; the smear an off-centre layout causes (the offset seen shrunk by the mean
        cosine of each sector's ray angles) is undone analytically.  With 2 (default), a
        circle found more than 2 px from the expected centre (or a quarter caliper length
        from its radius; or 0.25 px on a small blurred circle, ``sigma_e / R > 0.2``) is
        measured again with the calipers laid on it.  ``correct_curvature``: remove the bias
        of a blurred circle's edge, about ``-sigma_e^2 / (2R)`` (default True; the erf fit's
        exact shift from :mod:`metrology.caliper.curvature`).

    Returns
    -------
    CircleResult
        ``ok`` False with a ``reason``: outside the band (:mod:`._band`), unsupported (:mod:`._support`).

    Raises
    ------
    EdgeNotFoundError
        Fewer than 3 calipers found an edge.
    InputError
        Bad parameters; every caliper outside the image.

    Examples
    --------
    >>> from metrology.synth.shapes import Disk, render_shapes
    >>> img = render_shapes([(Disk((40.3, 39.6), 20.0), 150.0)], (80, 80), background=50)
    >>> r = find_circle(img, (41, 39), 21, num_calipers=24)
    >>> bool(abs(r.radius - 20.0) < 0.01)
    True
    """
    c0 = as_vector(center_xy, "center_xy")
    r0 = check_positive(radius, "radius")
    k = count_calipers(num_calipers, 3)
    length, width = check_size(caliper_size)
    start, extent = check_arc(arc_deg)
    check_choice(direction, "direction", DIRECTIONS)
    length = min(24.0, r0) if length is None else length
    w0 = math.radians(extent) * r0 / k if width is None else width
    edges = as_edge_settings(edges).with_defaults(transition="any", select="strongest")
    fit = as_fit_settings(fit)  # (below: a closed contour's shading slope is its curvature's)
    lay = _Layout(_checked_gray(image, c0, r0, length, w0), arc_angles(k, start, extent), k,
                  direction == "inward", edges, "contour" if extent >= 180.0 else "edge", fit)
    found, circle, pfit, moved = run = lay.run(c0, r0, w0, length)
    blur = blur_estimate(found, np.asarray(circle.inliers, dtype=bool))
    if fit.passes == 2 and _relay(moved, circle, blur, r0, length):  # widths follow r
        found, circle, pfit, blur = lay.again(found, circle, pfit, blur, length,
                                              w0 / r0 if width is None else None, w0)
    res = _circle_result(found, circle, pfit, np.asarray(circle.inliers, dtype=bool), blur, k,
                         start, extent, fit.correct_curvature)
    return _judged(res, lay, (c0, r0, length), found, run[:3])


def _judged(res, lay, nominal, found, first):
    """``res`` flagged ``ok=False`` outside the calipers' band or not supported by the data
    (``nominal``: centre, radius and caliper length; ``first``: the first pass)."""
    c0, r0, length = nominal
    return _flagged(res, circle_band(c0, r0, lay.angles, length, res.center_xy, res.radius)
                    or unsupported(found, res, first, length, 3, lay.edges.sigma, "circle"))


def _flagged(res, why):
    return res if why is None else replace(res, ok=False, reason=why)


def _checked_gray(image, c0, r0, length, width):
    gray = as_gray(image, dtype=None)
    _check_annulus(gray.shape, c0, r0, length)
    check_in_image(gray.shape, length, width, "find_circle")
    return gray


def _check_annulus(shape: tuple, c0: np.ndarray, r0: float, length: float) -> None:
    """Refuse a search annulus ``r0 +- length / 2`` round ``c0`` that misses the image."""
    h, w = int(shape[0]), int(shape[1])
    x, y = float(c0[0]), float(c0[1])      # the image spans [-0.5, w - 0.5] x [-0.5, h - 0.5]
    near = math.hypot(max(0.0, -0.5 - x, x - (w - 0.5)), max(0.0, -0.5 - y, y - (h - 0.5)))
    far = math.hypot(max(abs(x + 0.5), abs(x - (w - 0.5))), max(abs(y + 0.5), abs(y - (h - 0.5))))
    if r0 - length / 2 > far or r0 + length / 2 < near:
        raise InputError(f"find_circle: the search annulus (radius {r0:.4g} +- {length / 2:.4g}"
                         f" px round ({c0[0]:.4g}, {c0[1]:.4g})) misses the {w}x{h} image")


def _relay(moved: float, circle, blur: float, r0: float, length: float) -> bool:
    """Measure again with the calipers laid on the first fit?  When it lies more than 2 px
    from the expected centre or a quarter caliper length from its radius; and on a small
    blurred circle (``sigma_e / R > 0.2``) already 0.25 px off, where the off-centre layout
    also changes the profiles' shape (each ray crosses the blurred rim obliquely): +0.006 /
    +0.021 px of radius at R 5, sigma_e 2 for a 0.5 / 1 px offset (negligible where
    ``sigma_e / R < 0.2``)."""
    if moved > 2.0 or abs(float(circle.radius) - r0) > length / 4:
        return True
    return moved > _RELAY_SMALL_PX and blur > 0.2 * float(circle.radius)


class _Layout:
    """Lays the ray calipers of one find_circle call, measures and fits them."""

    def __init__(self, gray, angles, k, inward, edges, shading_test, fit):
        self.gray, self.angles, self.k, self.inward = gray, angles, k, inward
        self.edges, self.shading_test, self.fit = edges, shading_test, fit

    def calipers(self, c, r, w, length, pad=0.0):
        return ray_calipers(c, r, self.angles, length, w, inward=self.inward, pad=pad)

    def run(self, c, r, w, length):
        """Measure with calipers laid on the circle (c, r): (found, fit, fit points,
        distance of the found centre from c)."""
        cal_p = self.calipers(c, r, w, length, PAD_PX)
        got = measure_calipers(self.gray, cal_p, self.edges,
                               plain=lambda: self.calipers(c, r, w, length),
                               shading_test=self.shading_test)
        need(got, self.k, 3, "find_circle", self.edges.threshold)
        f_ = _final_fit(got, self.fit.ransac_threshold_px, self.fit.seed)
        # A sector's profile averages rays over its angular width: with the layout centre
        # ``c`` off the true one by ``d``, the edge crossings vary as d cos(phi) across the
        # sector and the fit sees the offset shrunk by the mean cosine of the rays' angular
        # offsets.  Undo that (first order in d) on the points and on the fit.
        m = cal_p.points.shape[1]
        shrink = _mean_cosine(m, (w / m) / r)
        off = np.asarray(f_.center_xy) - c
        v = got.points - c
        u = v / np.maximum(np.hypot(v[:, 0], v[:, 1]), 1e-12)[:, None]
        p_fit = got.points + ((1.0 / shrink - 1.0) * (u @ off))[:, None] * u
        f_ = _evolve(f_, center_xy=c + off / shrink)
        return got, f_, p_fit, math.hypot(float(off[0]), float(off[1])) / shrink

    def again(self, found, circle, pfit, blur, length, width_per_radius, width):
        """Measure again with the calipers laid on the first fit (keeping the first where
        that fails).  The rays must stop short of the centre: on a small circle shorter
        calipers (the edge is near their middle now).  ``width_per_radius``: caliper width
        over radius when the widths follow the radius (None: the fixed ``width``)."""
        r1 = float(circle.radius)
        length1 = min(length, 2.0 * (r1 - 1.25))
        if length1 < 4.0:
            return found, circle, pfit, blur
        w1 = width if width_per_radius is None else width_per_radius * r1
        try:
            got, c1, p1, _ = self.run(np.asarray(circle.center_xy), r1, w1, length1)
        except (InputError, EdgeNotFoundError):
            return found, circle, pfit, blur
        return got, c1, p1, blur_estimate(got, np.asarray(c1.inliers, dtype=bool))


@functools.lru_cache(maxsize=64)
def _mean_cosine(m: int, step: float) -> float:
    """Mean cosine of ``m`` rays ``step`` rad apart, centred (a tool's layout repeats it at
    every pose)."""
    return math.fsum(math.cos((i - (m - 1) / 2.0) * step) for i in range(m)) / m


def _evolve(fit: CircleFit, **changes) -> CircleFit:
    """``dataclasses.replace(fit, **changes)`` without re-running the constructor (a tenth of
    its cost): for the finder's own fits, whose new values it computed itself."""
    new = object.__new__(CircleFit)
    new.__dict__.update(fit.__dict__)
    new.__dict__.update(changes)
    return new


def _final_fit(got, thr: float, seed: int) -> CircleFit:
    """:func:`~metrology.caliper.contour.final_fit` of a circle: the compiled geometric fit
    and outlier test where numba is in use and no point is an outlier (the same algorithm as
    the core's single-set fit, :mod:`metrology.caliper._kernels`), else the NumPy code."""
    kern = kernels("caliper")
    if kern is not None:
        out = np.empty(11)
        if kern.circle_fit(np.ascontiguousarray(got.points, dtype=np.float64),
                           np.ascontiguousarray(got.edges.std_px, dtype=np.float64),
                           float(thr), TUKEY_C, MAD_TO_SIGMA, out) == 0:
            c00, c01, c02, c11, c12, c22 = out[4:10].tolist()
            cov = np.array([[c00, c01, c02], [c01, c11, c12], [c02, c12, c22]])
            return assemble(CircleFit, center_xy=out[:2].copy(), radius=float(out[2]),
                            rms_px=float(out[3]), ok=True, n_points=int(out[10]),
                            inliers=np.ones(got.points.shape[0], dtype=bool),
                            center_std_px=np.sqrt(out[[4, 7]]),
                            radius_std_px=math.sqrt(c22), covariance=cov, method="geometric")
    return final_fit(got, got.points, "circle", thr, seed)


def _circle_result(found, circle, pfit, inl, blur, k, start, extent, correct) -> CircleResult:
    """Curvature correction, residuals and covariance."""
    pts = found.points
    corr = 0.0
    radius = float(circle.radius)
    if correct and math.isfinite(blur):
        # Moving every point outwards by the same amount along its ray from the fitted centre
        # keeps the geometric fit's centre and adds that amount to its radius.
        corr = circle_correction(radius, blur)
        radius = radius + corr
    c = np.asarray(circle.center_xy, dtype=np.float64)
    kern = kernels("caliper")
    if kern is not None:
        n = pts.shape[0]
        res, unit, cov = np.empty(n), np.empty((n, 2)), np.empty((3, 3))
        kern.circle_finish(np.ascontiguousarray(pfit, dtype=np.float64), float(c[0]),
                           float(c[1]), radius, corr, np.ascontiguousarray(inl, dtype=bool),
                           np.ascontiguousarray(found.edges.std_px, dtype=np.float64), res,
                           unit, cov)
    else:
        v = pfit - c
        nv = np.hypot(v[:, 0], v[:, 1])
        res = (nv - radius) + corr          # residuals of the corrected points
        unit = v / np.where(nv > 0, nv, 1.0)[:, None]
        jac = np.concatenate([-unit, -np.ones((pts.shape[0], 1))], axis=1)
        cov = covariance(jac, res, inl, found.edges.std_px, 3)
    sd = np.sqrt(cov[(0, 1), (0, 1)])
    sr = math.sqrt(cov[2, 2])
    circle = _evolve(circle, radius=radius, covariance=cov, center_std_px=sd, radius_std_px=sr)
    return assemble(CircleResult, points_xy=pts, inliers=inl, residuals_px=res,
                    caliper_index=found.caliper, edge_std_px=found.edges.std_px,
                    edge_blur_px=blur, num_calipers=k, dropped_calipers=found.profiles.dropped,
                    calipers=found.profiles.calipers, fit_points_xy=pfit + corr * unit,
                    fit=circle, std_center_px=sd.copy(), std_radius_px=sr,
                    curvature_correction_px=corr, arc_start_deg=start, arc_extent_deg=extent)
