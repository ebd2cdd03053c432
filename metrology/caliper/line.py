"""``find_line``: many calipers across a straight edge, one batched sampling, a robust fit."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .._accel import kernels
from ..core._batch import MAD_TO_SIGMA, TUKEY_C
from ..core.checks import as_vector
from ..core.results import LineFit
from ..errors import InputError
from ..image.io import as_gray
from ..image.profiles import rect_calipers
from ._band import line_band
from ._support import unsupported
from .contour import PAD_PX, blur_estimate, covariance, final_fit, measure_calipers, need
from .results import LineResult, assemble
from .settings import (EdgeSettings, FitSettings, as_edge_settings, as_fit_settings,
                       check_in_image, check_size, flat_keywords)

__all__ = ["find_line"]  # count_calipers: internal argument check

#: find_line re-lays its calipers when the found edge crosses them this obliquely (smear
#: width * sin(angle) in px): harmless for well-sampled edges, but sharp (sigma_psf < 1) ones
#: measure best with profiles square to them (axis-near ones then need no interpolation)
_RELAY_SMEAR_PX = 0.2


#: Most calipers one tool lays (a caliper every 0.1 px round a 3000 px circle): far above any
#: useful count, small enough that the profile arrays fit in memory.
MAX_CALIPERS = 100_000


def count_calipers(n, minimum: int, name: str = "num_calipers") -> int:
    """``n`` as an int in ``[minimum, MAX_CALIPERS]`` (InputError otherwise)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not \
            minimum <= n <= MAX_CALIPERS:
        raise InputError(f"{name}: expected an integer from {minimum} to {MAX_CALIPERS}, "
                         f"given {n!r:.40}")
    return int(n)


def _line_calipers(p0, p1, k, length, width, normal, pad=0.0):
    t = (np.arange(k) + 0.5) / k
    centers = p0 + t[:, None] * (p1 - p0)
    return rect_calipers(centers, normal, length, width, pad=pad)


@flat_keywords
def find_line(image, p0_xy, p1_xy, num_calipers: int = 20,
              caliper_size: tuple[float | None, float | None] = (24.0, None), *,
              edges: EdgeSettings | None = None, fit: FitSettings | None = None) -> LineResult:
    """Find a straight edge near the segment ``p0_xy -> p1_xy``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3) or path
    p0_xy, p1_xy : array_like (2,)
        Expected edge segment.  Calipers run across it along its normal
        ``n = (-dy, dx) / |d|`` of ``d = p1 - p0`` (for a segment drawn left to right that is
        downwards on screen); ``transition="positive"`` means dark to bright along ``n``.
    num_calipers : int
        Calipers evenly spread along the segment (>= 2).
    caliper_size : (float, float or None)
        ``(length, width)`` of each caliper (px).  Length across the edge (default 24): the
        search range is +-length/2 (the edge fit uses up to +-(6 sigma_e + 5) px around the
        edge, so keep >= 20 for the best accuracy).  Width along the edge (default None:
        ``|p1 - p0| / num_calipers``, the calipers tile the segment).
    edges : EdgeSettings, optional
        Edge detection (:class:`~metrology.caliper.EdgeSettings`; ``select`` defaults to
        "strongest"; "auto" interpolation: cubic B-spline, bilinear on edges sharper than
        0.75 px).
    fit : FitSettings, optional
        ``ransac_threshold_px``, ``seed``, and ``passes``: 2 (default): when the found line is
        tilted from the segment so much that the calipers see it smeared by more than 0.2 px
        across their width, or lies more than a quarter caliper length away, lay the calipers
        again on it and measure again.

    Returns
    -------
    LineResult
        ``ok`` False (``reason`` says why) when the fitted line crosses a caliper's axis more
        than ``length / 2`` (+1 px) from the segment (or not at all), or when the data do not
        support it (noise, the part absent: :mod:`._support`).

    Raises
    ------
    EdgeNotFoundError
        Fewer than 2 calipers found an edge (the message says how many did).
    InputError
        Bad parameters; every caliper outside the image.

    Examples
    --------
    >>> from metrology.synth.shapes import HalfPlane, render_shapes
    >>> img = render_shapes([(HalfPlane((40.0, 29.6), 90.0), 160.0)], (60, 80), background=40)
    >>> r = find_line(img, (10, 29), (70, 31), num_calipers=8)
    >>> round(abs(r.angle_deg), 3), round(float(r.point_xy[1]), 3)
    (0.0, 29.6)
    """
    p0 = as_vector(p0_xy, "p0_xy")
    p1 = as_vector(p1_xy, "p1_xy")
    d = p1 - p0
    seg = float(np.hypot(*d))
    if seg < 2.0:
        raise InputError(f"p0_xy, p1_xy: expected a segment at least 2 px long, given "
                         f"{seg:.3g} px")
    k = count_calipers(num_calipers, 2)
    length, width = check_size(caliper_size)
    length = 24.0 if length is None else length
    width = seg / k if width is None else width
    edges = as_edge_settings(edges).with_defaults(transition="any", select="strongest")
    fit = as_fit_settings(fit)
    gray = as_gray(image, dtype=None)
    check_in_image(gray.shape, length, width, "find_line")
    normal = np.array([-d[1], d[0]]) / seg
    found = measure_calipers(gray, _line_calipers(p0, p1, k, length, width, normal, PAD_PX),
                             edges, plain=lambda: _line_calipers(p0, p1, k, length, width,
                                                                 normal))
    need(found, k, 2, "find_line", edges.threshold)
    line = _final_fit(found, fit.ransac_threshold_px, fit.seed)
    first = (found, line, found.points)
    if fit.passes == 2:
        found, line = _second_pass(gray, found, line, p0, d, k, (length, width), normal, edges,
                                   fit)
    res = _line_result(found, line, p0, p1, k)
    return _judged(res, (p0, p1, k, length), line, found, first, edges.sigma)


def _judged(res, nominal, line, found, first, sigma):
    """``res`` flagged ``ok=False`` outside the calipers' band or not supported by the data
    (``nominal``: the segment, calipers and their length; ``first``: the first pass)."""
    p0, p1, k, length = nominal
    why = line_band(p0, p1, k, length, line.point_xy, line.direction) or \
        unsupported(found, res, first, length, 2, sigma, "line")
    return res if why is None else replace(res, ok=False, reason=why)


def _second_pass(gray, found, line, p0, d, k, size, normal, edges, fit):
    """Calipers oblique to the edge see it smeared by width * tan(angle) across their width
    (symmetric, so harmless while small); far off, or an edge near the caliper ends: re-lay
    them on the first fit and measure again."""
    length, width = size
    seg = float(np.hypot(*d))
    dirn = np.asarray(line.direction)
    (dx, dy), (ex, ey), (px, py) = dirn.tolist(), d.tolist(), p0.tolist()
    cx, cy = np.asarray(line.point_xy).tolist()
    tilt = abs(dx * ey - dy * ex) / seg     # sin of the angle to the guess

    def off(i: int) -> float:
        """Distance of caliper ``i``'s centre from the line (LineFit.distance's arithmetic
        in Python floats)."""
        t = (i + 0.5) / k
        return abs(dx * ((py + t * ey) - cy) - dy * ((px + t * ex) - cx))

    # the calipers' largest distance from the line: affine along the segment, so at an end
    shift = max(off(0), off(k - 1))
    if not (width * tilt > _RELAY_SMEAR_PX or shift > length / 4):
        return found, line
    origins = p0 + ((np.arange(k) + 0.5) / k)[:, None] * d     # the calipers' centres
    nrm = np.array([-dirn[1], dirn[0]])
    if nrm @ normal < 0:
        nrm = -nrm
    c = np.asarray(line.point_xy)
    centers = c + ((origins - c) @ dirn)[:, None] * dirn
    found2 = measure_calipers(gray, rect_calipers(centers, nrm, length, width, pad=PAD_PX),
                              edges, plain=lambda: rect_calipers(centers, nrm, length, width))
    if found2.points.shape[0] < 2:
        return found, line
    return found2, _final_fit(found2, fit.ransac_threshold_px, fit.seed)


def _final_fit(found, thr: float, seed: int) -> LineFit:
    """:func:`~metrology.caliper.contour.final_fit` of a line: the compiled total-least-squares
    fit and outlier test where numba is in use and no point is an outlier (the core's
    single-set formulas, :mod:`metrology.caliper._kernels`), else the NumPy code."""
    kern = kernels("caliper")
    if kern is not None:
        out = np.empty(8)
        res = np.empty(found.points.shape[0])
        if kern.line_fit(np.ascontiguousarray(found.points, dtype=np.float64),
                         np.ascontiguousarray(found.edges.std_px, dtype=np.float64),
                         float(thr), TUKEY_C, MAD_TO_SIGMA, out, res) == 0:
            cx, cy, dx, dy, rms, v_off, v_ang, n = out.tolist()
            return assemble(LineFit, point_xy=np.array([cx, cy]), direction=np.array([dx, dy]),
                            normal=np.array([-dy, dx]), rms_px=rms, ok=True, n_points=int(n),
                            inliers=np.ones(res.size, dtype=bool),
                            offset_std_px=math.sqrt(v_off),
                            angle_std_deg=math.degrees(math.sqrt(v_ang)),
                            covariance=np.array([[v_off, 0.0], [0.0, v_ang]]), method="tls")
    return final_fit(found, found.points, "line", thr, seed)


def _line_result(found, line, p0, p1, k) -> LineResult:
    pts = found.points
    inl = np.asarray(line.inliers, dtype=bool)
    dirn = np.asarray(line.direction)
    c = np.asarray(line.point_xy)
    e0 = c + ((p0 - c) @ dirn) * dirn
    e1 = c + ((p1 - c) @ dirn) * dirn
    # uncertainty of (offset along the normal at c, angle): rows d r / d(offset, angle)
    kern = kernels("caliper")
    (cx, cy), (dx, dy) = c.tolist(), dirn.tolist()
    if kern is not None and math.isclose(math.hypot(dx, dy), 1.0, abs_tol=1e-12):
        res, cov = np.empty(pts.shape[0]), np.empty((2, 2))
        kern.line_finish(np.ascontiguousarray(pts, dtype=np.float64), cx, cy, dx, dy,
                         np.ascontiguousarray(inl), np.ascontiguousarray(found.edges.std_px,
                                                                         dtype=np.float64),
                         res, cov)
    else:
        res = line.distance(pts)
        u = (pts - c) @ dirn
        jac = np.stack([np.ones_like(u), u], axis=1)
        cov = covariance(jac, res, inl, found.edges.std_px, 2)
    return assemble(LineResult, points_xy=pts, inliers=inl, residuals_px=res,
                    caliper_index=found.caliper, edge_std_px=found.edges.std_px,
                    edge_blur_px=blur_estimate(found, inl), num_calipers=k,
                    dropped_calipers=found.profiles.dropped, calipers=found.profiles.calipers,
                    fit_points_xy=pts, fit=line, std_offset_px=math.sqrt(cov[0, 0]),
                    std_angle_deg=math.degrees(math.sqrt(cov[1, 1])), p0_xy=e0, p1_xy=e1)
