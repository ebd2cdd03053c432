"""Line, circle and ellipse tools: many calipers, one batched sampling, robust fits.

Each tool lays ``num_calipers`` calipers across the expected contour, samples all of them in one
vectorized gather (:func:`metrology.image.profiles.sample_profiles`), finds one sub-pixel edge
per caliper (:func:`metrology.caliper.edges.detect_edges`) and fits the shape: least squares
when an outlier test finds none, else the core's RANSAC followed by Tukey IRLS.  Lines and
circles are re-measured with calipers laid on the first fit only when it is far from the
expected shape (an off-centre circle layout is corrected analytically); ellipses always get a
second pass on the osculating circles of the first fit.

Arcs are sampled along rays from the circle/ellipse centre (a rectangle laid on a circle of
radius R biases the radius by ``-<s^2>/(2R)``).  A blurred circle's edge appears inside the true
one by about ``sigma_e^2 / (2R)`` (the derivative peak and the blurred-step fit both see it); the
tools estimate the edge blur ``sigma_e`` from the edge fits themselves and add the exact shift
of the erf fit (:mod:`metrology.caliper.curvature`, a table of the fit on exact blurred-disk
profiles; the first order over-corrects small circles by 0.01 - 0.1 px at ``sigma_e / R`` 0.25 -
0.4) along each point's normal (for an ellipse with the local curvature).

Results wrap the core's fit objects (:class:`~metrology.core.LineFit`,
:class:`~metrology.core.CircleFit`, :class:`~metrology.core.EllipseFit`) with the edge points,
inlier mask, residuals and uncertainties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..core.checks import as_vector, check_choice, check_finite, check_positive
from ..errors import EdgeNotFoundError, FitError, InputError
from ..image.io import as_gray
from ..image.profiles import (Calipers, Profiles, ray_calipers, rect_calipers,
                              sample_profiles)
from .curvature import circle_correction, edge_shift
from .edges import (SELECTIONS, SUBPIXEL, TOOL_INTERPOLATIONS, TRANSITIONS, EdgeSet,
                    _auto_interp, detect_edges)

__all__ = ["LineResult", "CircleResult", "EllipseResult", "find_line", "find_circle",
           "find_ellipse"]


def _l(a) -> Any:
    """Array -> nested lists for JSON, NaN/inf -> None."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return np.where(np.isfinite(a), a, None).tolist()
    return a.tolist()


def _f(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class _Edges:
    points: np.ndarray      # (N, 2)
    caliper: np.ndarray     # (N,) index into the requested calipers
    edges: EdgeSet
    profiles: Profiles


PAD_PX = 6.0  # context sampled beyond each caliper end for the edge fit


def _measure(gray, cal: Calipers, p: dict, plain=None) -> _Edges:
    """Sample and detect; ``cal`` may be padded, and calipers whose pad leaves the image are
    measured again from ``plain()`` (a callable laying the same calipers without pad).
    Interpolation "auto" is resolved as in :func:`metrology.caliper.edges.measure_edges`."""

    def run(interp):
        got = _measure_once(gray, cal, dict(p, interpolation=interp), plain)
        return got, got.edges

    return _auto_interp(run, p["interpolation"])[0]


def _measure_once(gray, cal: Calipers, p: dict, plain=None) -> _Edges:
    try:
        prof = sample_profiles(gray, cal, p["interpolation"], gray=gray)
    except InputError:
        if plain is None:
            raise
        return _measure_once(gray, plain(), p)
    es = detect_edges(prof.values, prof.calipers.offsets, sigma=p["sigma"],
                      threshold=p["threshold"], transition=p["transition"], select=p["select"],
                      subpixel=p["subpixel"], search_half=cal.search_half,
                      directions=prof.calipers.directions,
                      shading_test=p.get("shading_test", "edge"))
    pts = prof.calipers.to_image(es.profile, es.position)
    found = _Edges(pts, prof.index[es.profile], es, prof)
    if plain is None or prof.dropped.size == 0:
        return found
    try:
        rest = _measure_once(gray, plain().subset(prof.dropped), p)
    except InputError:
        return found
    return _merge(found, rest, prof.dropped)


def _merge(a: _Edges, b: _Edges, b_index: np.ndarray) -> _Edges:
    """Edges of two disjoint caliper subsets as one set (b's calipers are ``b_index``)."""
    ea, eb = a.edges, b.edges
    kb = a.profiles.values.shape[0]
    es = EdgeSet(np.concatenate([ea.profile, eb.profile + kb]),
                 *(np.concatenate([getattr(ea, f), getattr(eb, f)]) for f in
                   ("position", "amplitude", "step", "blur", "std_px", "score", "refined",
                    "candidates")))
    index = np.concatenate([a.profiles.index, b_index[b.profiles.index]])
    dropped = b_index[b.profiles.dropped]
    calipers = _concat_calipers(a.profiles.calipers, b.profiles.calipers)
    prof = Profiles(np.zeros((index.size, 0)), calipers, index, dropped)
    order = np.argsort(index[es.profile], kind="stable")
    pts = np.concatenate([a.points, b.points])[order]
    caliper = np.concatenate([a.caliper, b_index[b.caliper]])[order]
    es = EdgeSet(*(getattr(es, f)[order] if f != "candidates" else es.candidates
                   for f in EdgeSet.__dataclass_fields__))
    return _Edges(pts, caliper, es, prof)


def _concat_calipers(a: Calipers, b: Calipers) -> Calipers:
    """Caliper sets of different lengths as one set for drawing (geometry of the search
    range; the profile samples of the shorter set are repeated at its ends)."""
    la, lb = a.offsets.size, b.offsets.size
    if la != lb:
        pad = (la - lb) // 2
        pts_b = np.pad(b.points, ((0, 0), (0, 0), (pad, la - lb - pad), (0, 0)), mode="edge")
    else:
        pts_b = b.points
    return Calipers(np.concatenate([a.origins, b.origins]),
                    np.concatenate([a.directions, b.directions]), a.offsets,
                    np.concatenate([a.points, pts_b]), a.kind, a.width, a.search_half)


def _coarse(prm: dict) -> dict:
    """Detection settings of a first pass that only re-lays the calipers: bilinear sampling
    and the Gaussian peak (+-0.02 px, plenty for that), about half the cost."""
    return dict(prm, interpolation="linear", subpixel="gauss")


def _params(sigma, threshold, transition, select, interpolation, subpixel) -> dict:
    check_positive(sigma, "sigma")
    check_positive(threshold, "threshold", allow_zero=True)
    check_choice(transition, "transition", TRANSITIONS)
    check_choice(select, "select", SELECTIONS)
    check_choice(interpolation, "interpolation", TOOL_INTERPOLATIONS)
    check_choice(subpixel, "subpixel", SUBPIXEL)
    return dict(sigma=float(sigma), threshold=float(threshold), transition=transition,
                select=select, interpolation=interpolation, subpixel=subpixel)


def _count_calipers(n, name="num_calipers", minimum=2) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise InputError(f"{name}: expected an integer >= {minimum}, given {n!r}")
    return int(n)


def _need(found: _Edges, k: int, need: int, what: str, thr: float, dropped) -> None:
    n_cal = int(np.unique(found.caliper).size)
    if found.points.shape[0] < need:
        extra = (f"; {len(dropped)} caliper(s) reaching outside the image were dropped"
                 if len(dropped) else "")
        raise EdgeNotFoundError(
            f"{what}: only {n_cal} of {k} calipers found an edge above threshold {thr:g} "
            f"(need {need}){extra}: check the ROI, the transition or lower the threshold")


def _first_fit(points, model: str, thr: float, rng):
    """First-pass fit, only used to re-lay the calipers: the algebraic fit when every point
    lies within ``thr`` of it (cheap), else the core's RANSAC."""
    from ..core import fit_circle, fit_ellipse, fit_line

    try:
        if model == "line":
            f = fit_line(points)
        elif model == "circle":
            f = fit_circle(points, method="hyper")
        else:
            f = fit_ellipse(points, method="direct")
        if np.all(np.abs(f.distance(points)) <= thr):
            return f
    except FitError:
        pass
    return {"line": _fit_line, "circle": _fit_circle, "ellipse": _fit_ellipse}[model](
        points, thr, rng)


_TUKEY_C = 4.685
#: find_circle re-lays its calipers on a small blurred circle (sigma_e / R > 0.2) found this
#: far (px) from the expected centre
_RELAY_SMALL_PX = 0.25
#: find_line re-lays its calipers when the found edge crosses them this obliquely (smear
#: width * sin(angle) in px): harmless for well-sampled edges, but sharp (sigma_psf < 1) ones
#: measure best with profiles square to them (axis-near ones then need no interpolation)
_RELAY_SMEAR_PX = 0.2


def _final_fit(found: _Edges, points, model: str, thr: float, rng):
    """Final fit: least squares (geometric) when no point is an outlier, else the core's RANSAC
    followed by Tukey IRLS.

    A point is an outlier beyond ``min(thr, 4.685 s)`` from the least-squares fit, ``s`` being
    the larger of the residuals' robust scale (1.4826 MAD) and the edges' median position
    uncertainty.  On clean data the least-squares fit is the maximum-likelihood one (Tukey's
    weights would cost ~5 % efficiency) and much cheaper.
    """
    from ..core import fit_circle, fit_ellipse, fit_line

    try:
        if model == "line":
            f = fit_line(points)
        elif model == "circle":
            f = fit_circle(points, method="geometric")
        else:
            f = fit_ellipse(points, method="geometric")
        r = f.distance(points)
        es = found.edges.std_px
        es = es[np.isfinite(es)]
        scale = max(1.4826 * float(np.median(np.abs(r - np.median(r)))),
                    float(np.median(es)) if es.size else 0.0)
        if np.all(np.abs(r) <= min(thr, _TUKEY_C * scale)):
            return f
    except FitError:
        pass
    return {"line": _fit_line, "circle": _fit_circle, "ellipse": _fit_ellipse}[model](
        points, thr, rng)


def _covariance(jac, res, inl, edge_std, n_par) -> np.ndarray:
    """Parameter covariance ``s^2 (J^T J)^-1`` over the inliers, with ``s`` the larger of the
    edges' own position uncertainty (RMS) and the residual RMS (dof-corrected)."""
    j = jac[inl]
    n = j.shape[0]
    if n <= n_par:
        return np.full((n_par, n_par), np.nan)
    r = res[inl]
    s_res = math.sqrt(float(r @ r) / (n - n_par))
    es = edge_std[inl]
    es = es[np.isfinite(es)]
    s_edge = math.sqrt(float(np.mean(es * es))) if es.size else 0.0
    s = max(s_res, s_edge)
    try:
        return s * s * np.linalg.inv(j.T @ j)
    except np.linalg.LinAlgError:
        return np.full((n_par, n_par), np.nan)


def _blur_estimate(found: _Edges, mask: np.ndarray) -> float:
    es = found.edges
    use = mask & es.refined
    if not np.any(use):
        use = mask
    return float(np.median(es.blur[use])) if np.any(use) else float("nan")


def _ransac(points, model, thr, rng):
    from ..core import ransac

    return ransac(points, model, threshold_px=thr, rng=rng)


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class _ToolResult:
    """Fields shared by the line/circle/ellipse results."""

    points_xy: np.ndarray
    inliers: np.ndarray
    residuals_px: np.ndarray
    caliper_index: np.ndarray
    edge_std_px: np.ndarray
    edge_blur_px: float
    num_calipers: int
    dropped_calipers: np.ndarray
    calipers: Calipers = field(repr=False, compare=False)
    fit_points_xy: np.ndarray = None

    @property
    def num_inliers(self) -> int:
        return int(np.count_nonzero(self.inliers))

    def _common_dict(self) -> dict:
        return {"points_xy": _l(self.points_xy), "inliers": _l(self.inliers),
                "residuals_px": _l(self.residuals_px), "caliper_index": _l(self.caliper_index),
                "edge_std_px": _l(self.edge_std_px), "edge_blur_px": _f(self.edge_blur_px),
                "num_calipers": int(self.num_calipers),
                "dropped_calipers": _l(self.dropped_calipers),
                "fit_points_xy": _l(self.fit_points_xy),
                "caliper_corners_xy": _l(self.calipers.corners())}


@dataclass(frozen=True)
class LineResult(_ToolResult):
    """A line found by :func:`find_line`.

    Attributes
    ----------
    fit : LineFit
        The core's robust fit (point, direction, normal, rms, covariance).
    points_xy : ndarray (N, 2)
        Edge points found by the calipers (second pass).
    fit_points_xy : ndarray (N, 2)
        The points the final fit used: for circles and ellipses, ``points_xy`` moved by the
        blur-curvature correction (and, for sector calipers on an ellipse, the sector-smear
        correction).  Refit these (e.g. in mm) to reproduce the tool's unbiased fit.
    inliers : ndarray (N,) bool
        Points used by the final fit.
    residuals_px : ndarray (N,)
        Signed distance of each point to the line (+ on ``fit.normal``'s side).
    caliper_index : ndarray (N,) int
        Caliper each point came from.
    edge_std_px : ndarray (N,)
        1-sigma position uncertainty of each edge from its profile fit.
    edge_blur_px : float
        Median edge blur (px) of the inlier edges.
    std_offset_px, std_angle_deg : float
        1-sigma uncertainty of the line's normal offset (at ``fit.point_xy``) and angle.
    p0_xy, p1_xy : ndarray (2,)
        The tool's end points projected on the fitted line (the measured segment).
    num_calipers : int
    dropped_calipers : ndarray (D,) int
        Calipers that reached outside the image.
    calipers : Calipers
        Geometry of the second-pass calipers (for drawing; not serialised).
    """

    fit: Any = None
    std_offset_px: float = float("nan")
    std_angle_deg: float = float("nan")
    p0_xy: np.ndarray = None
    p1_xy: np.ndarray = None

    @property
    def point_xy(self) -> np.ndarray:
        return np.asarray(self.fit.point_xy)

    @property
    def direction(self) -> np.ndarray:
        return np.asarray(self.fit.direction)

    @property
    def angle_deg(self) -> float:
        return float(self.fit.angle_deg)

    @property
    def rms_px(self) -> float:
        return float(self.fit.rms_px)

    def to_dict(self) -> dict:
        d = {"type": "LineResult", "fit": self.fit.to_dict(), **self._common_dict(),
             "std_offset_px": _f(self.std_offset_px), "std_angle_deg": _f(self.std_angle_deg),
             "p0_xy": _l(self.p0_xy), "p1_xy": _l(self.p1_xy)}
        return d


@dataclass(frozen=True)
class CircleResult(_ToolResult):
    """A circle (or arc) found by :func:`find_circle`.

    Attributes
    ----------
    fit : CircleFit
        The core's robust fit on the curvature-corrected points.
    points_xy : ndarray (N, 2)
        Edge points as measured (before the curvature correction).
    inliers, residuals_px, caliper_index, edge_std_px, edge_blur_px : see :class:`LineResult`
        Residuals are signed distances of the corrected points (+ outside).
    std_center_px : ndarray (2,)
    std_radius_px : float
    curvature_correction_px : float
        Added along each point's outward normal: the erf fit's shift of a blurred circle of
        this radius (:func:`metrology.caliper.curvature.radius_from_edge`), about
        ``edge_blur_px**2 / (2 * radius)``.
    arc_start_deg, arc_extent_deg : float
    """

    fit: Any = None
    std_center_px: np.ndarray = None
    std_radius_px: float = float("nan")
    curvature_correction_px: float = 0.0
    arc_start_deg: float = 0.0
    arc_extent_deg: float = 360.0

    @property
    def center_xy(self) -> np.ndarray:
        return np.asarray(self.fit.center_xy)

    @property
    def radius(self) -> float:
        return float(self.fit.radius)

    @property
    def rms_px(self) -> float:
        return float(self.fit.rms_px)

    def to_dict(self) -> dict:
        return {"type": "CircleResult", "fit": self.fit.to_dict(), **self._common_dict(),
                "std_center_px": _l(self.std_center_px), "std_radius_px": _f(self.std_radius_px),
                "curvature_correction_px": float(self.curvature_correction_px),
                "arc_start_deg": float(self.arc_start_deg),
                "arc_extent_deg": float(self.arc_extent_deg)}


@dataclass(frozen=True)
class EllipseResult(_ToolResult):
    """An ellipse found by :func:`find_ellipse` (fields as :class:`CircleResult`).

    Attributes
    ----------
    fit : EllipseFit
    std_center_px : ndarray (2,)
    std_semi_axes_px : ndarray (2,)
    std_angle_deg : float
    """

    fit: Any = None
    std_center_px: np.ndarray = None
    std_semi_axes_px: np.ndarray = None
    std_angle_deg: float = float("nan")

    @property
    def center_xy(self) -> np.ndarray:
        return np.asarray(self.fit.center_xy)

    @property
    def semi_axes(self) -> np.ndarray:
        return np.asarray(self.fit.semi_axes)

    @property
    def angle_deg(self) -> float:
        return float(self.fit.angle_deg)

    def to_dict(self) -> dict:
        return {"type": "EllipseResult", "fit": self.fit.to_dict(), **self._common_dict(),
                "std_center_px": _l(self.std_center_px),
                "std_semi_axes_px": _l(self.std_semi_axes_px),
                "std_angle_deg": _f(self.std_angle_deg)}


# --------------------------------------------------------------------------------------------
# find_line


def _line_calipers(p0, p1, k, length, width, normal, pad=0.0):
    t = (np.arange(k) + 0.5) / k
    centers = p0 + t[:, None] * (p1 - p0)
    return rect_calipers(centers, normal, length, width, pad=pad)


def find_line(image, p0_xy, p1_xy, num_calipers: int = 20, caliper_length: float = 24.0,
              caliper_width: float | None = None, *, sigma: float = 1.0,
              threshold: float = 20.0, transition: str = "any", select: str = "strongest",
              interpolation: str = "auto", subpixel: str = "erf",
              ransac_threshold_px: float = 1.0, passes: int = 2, rng: Any = 0) -> LineResult:
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
    caliper_length : float
        Extent of each caliper across the edge (px): the search range is +-length/2 (the
        edge fit uses up to +-(6 sigma_e + 5) px around the edge, so keep >= 20 for the best
        accuracy).
    caliper_width : float, optional
        Extent along the edge; default ``|p1 - p0| / num_calipers`` (the calipers tile the
        segment, using all of its edge length).
    sigma, threshold, transition, select, interpolation, subpixel
        Edge detection, see :func:`metrology.caliper.measure_edges` ("auto" interpolation:
        cubic B-spline, bilinear on edges sharper than 0.75 px).
    ransac_threshold_px : float
        Inlier distance of the RANSAC stage (px).
    passes : {1, 2}
        2 (default): when the found line is tilted from the segment so much that the
        calipers see it smeared by more than 0.2 px across their width, or lies more than a
        quarter caliper length away, lay the calipers again on it and measure again.
    rng : int or Generator
        Seed of the RANSAC sampling (results are reproducible).

    Returns
    -------
    LineResult

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
    k = _count_calipers(num_calipers)
    length = check_positive(caliper_length, "caliper_length")
    width = seg / k if caliper_width is None else check_positive(caliper_width, "caliper_width")
    thr = check_positive(ransac_threshold_px, "ransac_threshold_px")
    if passes not in (1, 2):
        raise InputError(f"passes: expected 1 or 2, given {passes!r}")
    prm = _params(sigma, threshold, transition, select, interpolation, subpixel)
    gray = as_gray(image, dtype=None)
    normal = np.array([-d[1], d[0]]) / seg
    found = _measure(gray, _line_calipers(p0, p1, k, length, width, normal, PAD_PX), prm,
                     plain=lambda: _line_calipers(p0, p1, k, length, width, normal))
    origins = p0 + ((np.arange(k) + 0.5) / k)[:, None] * d     # the calipers' centres
    _need(found, k, 2, "find_line", prm["threshold"], found.profiles.dropped)
    fit = _final_fit(found, found.points, "line", thr, rng)
    dirn = np.asarray(fit.direction)
    # calipers oblique to the edge see it smeared by width * tan(angle) across their width
    # (symmetric, so harmless while small); far off, or an edge near the caliper ends: re-lay
    tilt = abs(dirn[0] * d[1] - dirn[1] * d[0]) / seg     # sin of the angle to the guess
    shift = float(np.abs(fit.distance(origins)).max())
    if passes == 2 and (width * tilt > _RELAY_SMEAR_PX or shift > length / 4):
        nrm = np.array([-dirn[1], dirn[0]])
        if nrm @ normal < 0:
            nrm = -nrm
        centers = np.asarray(fit.point_xy) + ((origins - np.asarray(fit.point_xy)) @ dirn)[
            :, None] * dirn
        found2 = _measure(gray, rect_calipers(centers, nrm, length, width, pad=PAD_PX), prm,
                          plain=lambda: rect_calipers(centers, nrm, length, width))
        if found2.points.shape[0] >= 2:
            found = found2
            fit = _final_fit(found, found.points, "line", thr, rng)
    pts = found.points
    inl = np.asarray(fit.inliers, dtype=bool)
    res = fit.distance(pts)
    dirn = np.asarray(fit.direction)
    c = np.asarray(fit.point_xy)
    e0 = c + ((p0 - c) @ dirn) * dirn
    e1 = c + ((p1 - c) @ dirn) * dirn
    # uncertainty of (offset along the normal at c, angle): rows d r / d(offset, angle)
    u = (pts - c) @ dirn
    jac = np.stack([np.ones_like(u), u], axis=1)
    cov = _covariance(jac, res, inl, found.edges.std_px, 2)
    return LineResult(pts, inl, res, found.caliper, found.edges.std_px,
                      _blur_estimate(found, inl), k, found.profiles.dropped,
                      found.profiles.calipers, pts, fit=fit, std_offset_px=math.sqrt(cov[0, 0]),
                      std_angle_deg=math.degrees(math.sqrt(cov[1, 1])), p0_xy=e0, p1_xy=e1)


def _fit_line(points, thr, rng):
    if points.shape[0] == 2:
        from ..core import fit_line

        return fit_line(points)
    try:
        return _ransac(points, "line", thr, rng)
    except FitError as exc:
        raise EdgeNotFoundError(f"find_line: the {points.shape[0]} edge points do not lie on a "
                                f"line within {thr:g} px ({exc})") from None


# --------------------------------------------------------------------------------------------
# find_circle


def _arc_angles(k, start, extent):
    return start + (np.arange(k) + 0.5) * (extent / k)


def find_circle(image, center_xy, radius: float, num_calipers: int = 32,
                caliper_length: float | None = None, caliper_width: float | None = None, *,
                arc_start_deg: float = 0.0, arc_extent_deg: float = 360.0,
                direction: str = "outward", sigma: float = 1.0, threshold: float = 20.0,
                transition: str = "any", select: str = "strongest",
                interpolation: str = "auto", subpixel: str = "erf",
                ransac_threshold_px: float = 1.0, passes: int = 2,
                correct_curvature: bool = True, rng: Any = 0) -> CircleResult:
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
    caliper_length : float, optional
        Radial search range of each caliper (px), < 2 * radius; default ``min(24, radius)``.
    caliper_width : float, optional
        Arc length of each caliper at ``radius``; default: the calipers tile the arc.
    arc_start_deg, arc_extent_deg : float
        Arc to search, from ``arc_start_deg`` (0 = +x, clockwise on screen) over
        ``arc_extent_deg`` (0 < extent <= 360).
    direction : {"outward", "inward"}
        Profile direction; ``transition="positive"`` means dark to bright along it.
    sigma, threshold, transition, select, interpolation, subpixel
        Edge detection, see :func:`metrology.caliper.measure_edges` ("auto" interpolation:
        cubic B-spline, bilinear on edges sharper than 0.75 px).
    ransac_threshold_px : float
    passes : {1, 2}
        The calipers are laid on the expected circle; the smear an off-centre layout causes
        (the offset seen shrunk by the mean cosine of each sector's ray angles) is undone
        analytically.  With 2 (default), a circle found more than 2 px from the expected
        centre (or a quarter caliper length from its radius; or 0.25 px on a small blurred
        circle, ``sigma_e / R > 0.2``) is measured again with the calipers laid on it.
    correct_curvature : bool
        Remove the bias of a blurred circle's edge, about ``-sigma_e^2 / (2R)`` (default
        True; the erf fit's exact shift from :mod:`metrology.caliper.curvature`).
    rng : int or Generator

    Returns
    -------
    CircleResult

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
    k = _count_calipers(num_calipers, minimum=3)
    length = (min(24.0, r0) if caliper_length is None
              else check_positive(caliper_length, "caliper_length"))
    start = check_finite(arc_start_deg, "arc_start_deg")
    extent = check_finite(arc_extent_deg, "arc_extent_deg")
    if not 0 < extent <= 360:
        raise InputError(f"arc_extent_deg: expected 0 < extent <= 360, given {extent}")
    check_choice(direction, "direction", ("outward", "inward"))
    width = (math.radians(extent) * r0 / k if caliper_width is None
             else check_positive(caliper_width, "caliper_width"))
    thr = check_positive(ransac_threshold_px, "ransac_threshold_px")
    if passes not in (1, 2):
        raise InputError(f"passes: expected 1 or 2, given {passes!r}")
    prm = _params(sigma, threshold, transition, select, interpolation, subpixel)
    if extent >= 180.0:   # a closed contour's common step-height slope is its curvature's
        prm["shading_test"] = "contour"
    gray = as_gray(image, dtype=None)
    ang = _arc_angles(k, start, extent)
    inward = direction == "inward"

    def run(c, r, w, length=length):
        cal_p = ray_calipers(c, r, ang, length, w, inward=inward, pad=PAD_PX)
        got = _measure(gray, cal_p, prm,
                       plain=lambda: ray_calipers(c, r, ang, length, w, inward=inward))
        _need(got, k, 3, "find_circle", prm["threshold"], got.profiles.dropped)
        f_ = _final_fit(got, got.points, "circle", thr, rng)
        # A sector's profile averages rays over its angular width: with the layout centre
        # ``c`` off the true one by ``d``, the edge crossings vary as d cos(phi) across the
        # sector and the fit sees the offset shrunk by the mean cosine of the rays' angular
        # offsets.  Undo that (first order in d) on the points and on the fit.
        m = cal_p.points.shape[1]
        dphi = (np.arange(m) - (m - 1) / 2.0) * (w / m) / r
        shrink = float(np.mean(np.cos(dphi)))
        off = np.asarray(f_.center_xy) - c
        v = got.points - c
        u = v / np.maximum(np.hypot(v[:, 0], v[:, 1]), 1e-12)[:, None]
        p_fit = got.points + ((1.0 / shrink - 1.0) * (u @ off))[:, None] * u
        f_ = replace(f_, center_xy=c + off / shrink)
        return got, f_, p_fit, float(np.hypot(*off)) / shrink

    found, fit, pfit, moved = run(c0, r0, width)
    inl = np.asarray(fit.inliers, dtype=bool)
    blur = _blur_estimate(found, inl)
    relay = moved > 2.0 or abs(float(fit.radius) - r0) > length / 4
    if not relay and moved > _RELAY_SMALL_PX:
        # On a small blurred circle the off-centre layout also changes the profiles' shape
        # (each ray crosses the blurred rim obliquely): +0.006 / +0.021 px of radius at
        # R 5, sigma_e 2 for a 0.5 / 1 px offset.  Negligible where sigma_e / R < 0.2.
        relay = blur > 0.2 * float(fit.radius)
    if passes == 2 and relay:
        # far from the expected circle: lay the calipers again on the first fit
        c1 = np.asarray(fit.center_xy)
        r1 = float(fit.radius)
        # the rays must stop short of the centre: on a small circle shorter calipers (the
        # edge is near their middle now)
        length1 = min(length, 2.0 * (r1 - 1.25))
        if length1 >= 4.0:
            w1 = width * r1 / r0 if caliper_width is None else width
            try:
                found, fit, pfit, moved = run(c1, r1, w1, length1)
                inl = np.asarray(fit.inliers, dtype=bool)
                blur = _blur_estimate(found, inl)
            except (InputError, EdgeNotFoundError):
                pass
    pts = found.points
    corr = 0.0
    if correct_curvature and math.isfinite(blur):
        # Moving every point outwards by the same amount along its ray from the fitted centre
        # keeps the geometric fit's centre and adds that amount to its radius.
        r_raw = float(fit.radius)
        corr = circle_correction(r_raw, blur)
        fit = replace(fit, radius=r_raw + corr)
    res = fit.distance(pfit) + corr  # residuals of the corrected points
    c = np.asarray(fit.center_xy)
    v = pfit - c
    nv = np.hypot(v[:, 0], v[:, 1])
    unit = v / np.where(nv > 0, nv, 1.0)[:, None]
    jac = np.concatenate([-unit, -np.ones((pts.shape[0], 1))], axis=1)
    cov = _covariance(jac, res, inl, found.edges.std_px, 3)
    fit = replace(fit, covariance=cov, center_std_px=np.sqrt(np.diag(cov)[:2]),
                  radius_std_px=float(math.sqrt(cov[2, 2])))
    return CircleResult(pts, inl, res, found.caliper,
                        found.edges.std_px, blur, k, found.profiles.dropped,
                        found.profiles.calipers, pfit + corr * unit, fit=fit,
                        std_center_px=np.sqrt(np.diag(cov)[:2]),
                        std_radius_px=float(math.sqrt(cov[2, 2])), curvature_correction_px=corr,
                        arc_start_deg=start, arc_extent_deg=extent)


def _fit_circle(points, thr, rng):
    try:
        return _ransac(points, "circle", thr, rng)
    except FitError as exc:
        raise EdgeNotFoundError(f"find_circle: the {points.shape[0]} edge points do not lie on "
                                f"a circle within {thr:g} px ({exc})") from None


# --------------------------------------------------------------------------------------------
# find_ellipse


def _ellipse_radius(a, b, theta_rad, ang_rad):
    """Distance from the centre to the ellipse along direction ``ang_rad``."""
    u = ang_rad - theta_rad
    return a * b / np.sqrt((b * np.cos(u)) ** 2 + (a * np.sin(u)) ** 2)


def _osculating_layout(fit, ang_deg, extent):
    """Per-caliper centres of curvature, radii, normal angles and arc-length widths of the
    ellipse ``fit`` at its points along the polar angles ``ang_deg`` from its centre."""
    c = np.asarray(fit.center_xy, dtype=np.float64)
    a, b = (float(v) for v in np.asarray(fit.semi_axes))
    th = math.radians(float(fit.angle_deg))
    phi = np.radians(ang_deg)
    rho = _ellipse_radius(a, b, th, phi)
    p = c + rho[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=1)
    nrm, kappa = _ellipse_normal_curvature(p, fit)
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


def _ellipse_normal_curvature(points, fit):
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


def find_ellipse(image, center_xy, semi_axes, angle_deg: float = 0.0, num_calipers: int = 48,
                 caliper_length: float | None = None, caliper_width: float | None = None, *,
                 arc_start_deg: float = 0.0, arc_extent_deg: float = 360.0,
                 direction: str = "outward", sigma: float = 1.0, threshold: float = 20.0,
                 transition: str = "any", select: str = "strongest",
                 interpolation: str = "auto", subpixel: str = "erf",
                 ransac_threshold_px: float = 1.0, passes: int = 2,
                 correct_curvature: bool = True, rng: Any = 0) -> EllipseResult:
    """Find an ellipse near the expected one.

    Calipers are rays from ``center_xy`` at evenly spaced angles; each is centred where the
    expected ellipse crosses its ray.

    Parameters
    ----------
    center_xy : array_like (2,)
    semi_axes : array_like (2,)
        Expected ``(a, b)`` in px (``a`` along ``angle_deg``).
    angle_deg : float
        Direction of the ``a`` axis (0 = +x, clockwise on screen).
    num_calipers : int
        (>= 5)
    caliper_length : float, optional
        Search range along each ray (px); default ``min(24, b)``.
    caliper_width : float, optional
        Arc length per caliper; default: the calipers tile the arc.
    Other parameters as :func:`find_circle`; the curvature correction uses each point's local
    curvature ``kappa``: the shift of its osculating circle
    (:func:`metrology.caliper.curvature.edge_shift`, about ``sigma_e^2 * kappa / 2``) along
    the outward normal.

    Returns
    -------
    EllipseResult
    """
    c0 = as_vector(center_xy, "center_xy")
    ax = as_vector(semi_axes, "semi_axes")
    if np.any(ax <= 0):
        raise InputError(f"semi_axes: expected positive (a, b), given {ax.tolist()}")
    theta = math.radians(check_finite(angle_deg, "angle_deg"))
    k = _count_calipers(num_calipers, minimum=5)
    length = (min(24.0, float(ax.min())) if caliper_length is None
              else check_positive(caliper_length, "caliper_length"))
    start = check_finite(arc_start_deg, "arc_start_deg")
    extent = check_finite(arc_extent_deg, "arc_extent_deg")
    if not 0 < extent <= 360:
        raise InputError(f"arc_extent_deg: expected 0 < extent <= 360, given {extent}")
    check_choice(direction, "direction", ("outward", "inward"))
    thr = check_positive(ransac_threshold_px, "ransac_threshold_px")
    if passes not in (1, 2):
        raise InputError(f"passes: expected 1 or 2, given {passes!r}")
    prm = _params(sigma, threshold, transition, select, interpolation, subpixel)
    if extent >= 180.0:   # a closed contour's common step-height slope is its curvature's
        prm["shading_test"] = "contour"
    gray = as_gray(image, dtype=None)
    ang = _arc_angles(k, start, extent)
    inward = direction == "inward"

    def lay(c, a, b, th, pad=0.0):
        radii = _ellipse_radius(a, b, th, np.radians(ang))
        if caliper_width is None:
            # each sector spans its share of the arc's angle: the calipers tile the ellipse
            w = radii * (math.radians(extent) / k)
        else:
            w = np.full(k, check_positive(caliper_width, "caliper_width"))
        return ray_calipers(c, radii, ang, length, w, inward=inward, pad=pad), w

    cal, w0 = lay(c0, ax[0], ax[1], theta)
    if passes == 2:
        found = _measure(gray, cal, _coarse(prm))
    else:
        found = _measure(gray, lay(c0, ax[0], ax[1], theta, PAD_PX)[0], prm,
                         plain=lambda: cal)
    _need(found, k, 5, "find_ellipse", prm["threshold"], found.profiles.dropped)
    fit = _first_fit(found.points, "ellipse", thr, rng) if passes == 2 else \
        _final_fit(found, found.points, "ellipse", thr, rng)
    pts = found.points
    base = pts               # points the fit sees (pass-2 sector calipers: smear-corrected)
    if passes == 2:
        a1, b1 = (float(v) for v in np.asarray(fit.semi_axes))
        th1 = math.radians(float(fit.angle_deg))
        c1 = np.asarray(fit.center_xy)
        found2 = None
        try:
            # second pass on the osculating circles of the first fit: each caliper's rays are
            # normals of the ellipse, so its edge stays at one radius across the caliper
            cc, rr, tt, ww = _osculating_layout(fit, ang, extent)
            found2 = _measure(gray, ray_calipers(cc, rr, tt, length, ww, inward=inward,
                                                 pad=PAD_PX), prm,
                              plain=lambda: ray_calipers(cc, rr, tt, length, ww,
                                                         inward=inward))
            pts2 = found2.points
        except InputError:
            found2 = None
        if found2 is None and b1 > length / 2 + 1:
            # too tight a curvature for the calipers: rays from the centre instead
            try:
                cal2, w1 = lay(c1, a1, b1, th1, PAD_PX)
                found2 = _measure(gray, cal2, prm,
                                  plain=lambda: lay(c1, a1, b1, th1)[0])
            except InputError:
                found2 = None
            if found2 is not None and found2.points.shape[0] >= 5:
                # A sector's profile is the mean over its width: its edge sits at the mean of
                # the ellipse's polar radius over the sector's angles, not at the central
                # ray's radius (second order in the width).  Remove that with the first fit.
                m = max(1, int(round(float(w1.max()))))
                unit = (np.arange(m) - (m - 1) / 2.0) / m          # across offsets / width
                phi = np.radians(ang)[found2.caliper]
                rho = _ellipse_radius(a1, b1, th1, phi)            # the calipers' radii
                dphi = unit[None, :] * (w1[found2.caliper] / rho)[:, None]
                rho_mean = _ellipse_radius(a1, b1, th1, phi[:, None] + dphi).mean(axis=1)
                u = np.stack([np.cos(phi), np.sin(phi)], axis=1)
                pts2 = found2.points - (rho_mean - rho)[:, None] * u
        if found2 is not None and found2.points.shape[0] >= 5:
            try:
                fit2 = _final_fit(found2, pts2, "ellipse", thr, rng)
            except EdgeNotFoundError:
                fit2 = None
            if fit2 is not None:
                found, fit, pts, base = found2, fit2, found2.points, pts2
    inl = np.asarray(fit.inliers, dtype=bool)
    nrm, kappa = _ellipse_normal_curvature(base, fit)
    ray = found.profiles.calipers.directions[found.edges.profile]
    cos_in = np.abs((nrm * ray).sum(axis=1))   # obliquity: a ray sees the blur / cos
    es = found.edges
    use = inl & es.refined if np.any(inl & es.refined) else inl
    blur = float(np.median(es.blur[use] * cos_in[use])) if np.any(use) else float("nan")
    pc = base
    if correct_curvature and math.isfinite(blur):
        # the median blur over the contour is dominated by its flatter stretches: "straight"
        pc = base - edge_shift(kappa, blur, blur="straight", out_of_domain="clip")[:, None] * nrm
        fit = _fit_ellipse_weighted(pc, inl)
    res = fit.distance(pc)
    return EllipseResult(pts, np.asarray(fit.inliers, dtype=bool), res, found.caliper,
                         found.edges.std_px, blur, k, found.profiles.dropped,
                         found.profiles.calipers, pc, fit=fit,
                         std_center_px=np.asarray(fit.center_std_px, dtype=np.float64),
                         std_semi_axes_px=np.asarray(fit.semi_axes_std_px, dtype=np.float64),
                         std_angle_deg=float(fit.angle_std_deg))


def _fit_ellipse(points, thr, rng):
    try:
        return _ransac(points, "ellipse", thr, rng)
    except FitError as exc:
        raise EdgeNotFoundError(f"find_ellipse: the {points.shape[0]} edge points do not lie "
                                f"on an ellipse within {thr:g} px ({exc})") from None


def _fit_ellipse_weighted(points, inliers):
    from ..core import fit_ellipse

    return fit_ellipse(points, method="geometric", weights=inliers.astype(np.float64))
