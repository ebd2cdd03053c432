"""Exact blur-curvature correction of edges located by the erf edge fit.

A blurred curved edge appears displaced towards its centre of curvature: the blur averages
the edge along its tangent, where a convex edge bends away.  For a disk of radius ``R`` imaged
with a straight-edge blur ``s`` (Gaussian optics ``sigma_o`` and the pixel box: ``s^2 =
sigma_o^2 + 1/12``) the erf fit of :func:`metrology.caliper.edges.detect_edges` places the edge
at ``R + delta`` with, to first order, ``delta = -s^2 / (2R)``.  That first order is 2 - 3 %
off at ``s / R = 0.3`` and 20 - 30 % at 0.5 (``delta / s`` peaks near ``s / R = 0.4``), and the
blur the fit reports on such an edge is itself up to 3 % above ``s``.

This module takes ``delta`` and the reported blur from a table made by running the library's
own edge fit on exact, noise-free radial profiles of blurred disks (:func:`blurred_disk`
averaged over the pixel box), sampled as :func:`metrology.caliper.find_circle` samples its ray
calipers (``scripts/make_curvature_table.py``).  The table spans radii >= 4.5 px and
straight-edge blurs 0.3 .. 3.3 px on a uniform grid of ``u = 1/R`` and ``s``; it stores ``q =
delta / (-s^2 / (2R))`` (-> 1 as ``s / R`` -> 0; 0.96 .. 1.006 for nearly sharp optics, where
the square pixel box dominates) and ``h = sigma_fit / s``, both interpolated by cubic B-splines.
:func:`radius_from_edge` inverts ``(R, s) -> (R_meas, sigma_fit)`` by fixed-point iteration,
:func:`edge_from_radius` is the forward map, :func:`edge_shift` the per-point form.

Geometry, not polarity, decides the sign: a bright disk, a dark disk and a hole in bright
material all measure smaller than they are (the edge moves towards the centre of curvature),
whichever way the calipers run.  On a concave stretch of a contour the centre of curvature is
outside the shape and the edge moves outwards: :func:`edge_shift` takes signed curvatures.

Domain: true ``R >= 4.5`` px, ``s / R <= 0.5``, ``s <= 3.3`` px (:func:`in_domain`).  Beyond
``s / R = 0.5`` the shift stops growing with the blur and the measured pair pins the true
radius poorly.  Out-of-domain inputs raise :class:`~metrology.errors.InputError` by default;
``out_of_domain="clip"`` evaluates q and h at the nearest domain point (a continuous extension
that still scales as ``s^2 / R``) and ``"nan"`` returns NaN there.

Accuracy.  Against the same fit on exact profiles the inversion is within 0.001 px (0.002 px
at ``R < 6``, ``s / R > 0.4``).  What the table cannot know is the caliper layout: below R ~ 7 px
the profiles end near the disk centre, and where (it follows the caliper's nominal radius)
moves the fitted blur by up to +-1.5 % and the shift by +-0.002 px at ``s = 2`` px; the table
averages over nominal radii within +-0.5 px of the true one.  The fitted blur then carries the
larger error (``d(delta) / d(s) = 2 delta / s``): at R = 5, ``s = 2`` it costs up to 0.01 px,
where the straight-edge blur (``blur="straight"``: the same optics' ``edge_blur_px`` from
:func:`metrology.caliper.find_line`, or ``blur="optics"`` with a known PSF) keeps 0.003 px.

The edge fit refits with a shading term when a score test finds the step height changing
across its window; a small blurred circle's curvature alone triggers it (for every edge on
noise-free renders, now and then on noisy images: the RMS test over >= 8 edges), and that moves
the edge by up to 0.03 px at R = 6, ``s = 2``.  ``shading`` (0 .. 1: the fraction of edges
fitted with that term) selects the matching table.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.special import ndtr, roots_legendre

from .._accel import kernels
from ..core.checks import check_choice
from ..errors import InputError
from ._curvature_table import _H_PLAIN, _H_SHADING, _N_U, _Q_PLAIN, _Q_SHADING, _S_RANGE, _U_MAX

__all__ = ["radius_from_edge", "edge_from_radius", "edge_shift", "in_domain", "blurred_disk",
           "MAX_BLUR_RATIO", "MIN_RADIUS_PX", "MAX_BLUR_PX", "BLUR_KINDS"]

#: largest ``s / R`` (straight-edge total blur over true radius) the table covers
MAX_BLUR_RATIO = 0.5
#: smallest true radius (px) the table covers
MIN_RADIUS_PX = 4.5
#: largest straight-edge total blur (px) the table covers
MAX_BLUR_PX = 3.3
#: what ``blur_px`` is: the blur the erf fit reported on this curved edge ("fit", e.g.
#: ``CircleResult.edge_blur_px``), the total blur of a straight edge of the same optics
#: ("straight": ``sqrt(sigma_o^2 + 1/12)``, what the fit reports on a straight edge), or the
#: optical PSF sigma alone ("optics"; the pixel box is added)
BLUR_KINDS = ("fit", "straight", "optics")
_OUT = ("raise", "clip", "nan")
_BOX_VAR = 1.0 / 12.0
_ITERATIONS = 40
_T, _W = roots_legendre(48)


def blurred_disk(rho, radius: float, sigma: float) -> np.ndarray:
    """A unit disk of ``radius`` blurred by an isotropic Gaussian ``sigma``, at distance ``rho``
    from its centre (the Rice CDF ``P(|rho e + sigma z| < R)``, ``z`` 2-D standard normal).

    Integrated over the tangential component ``z2`` with ``sigma z2 = R sin t`` (48-point
    Gauss-Legendre in ``t``, |z2| < 9): exact to ~1e-15 for ``R / sigma`` >= 0.5.
    """
    rho = _floats(rho, "rho")[..., None]
    if not np.all(np.isfinite(rho)):
        raise InputError("rho: expected finite distances")
    radius, sigma = _one_positive(radius, "radius"), _one_positive(sigma, "sigma")
    a = math.asin(min(1.0, 9.0 * sigma / radius))
    t, w = a * _T, a * _W
    z2 = (radius / sigma) * np.sin(t)
    wt = w * np.exp(-0.5 * z2 * z2) / math.sqrt(2.0 * math.pi) * (radius / sigma) * np.cos(t)
    half = radius * np.cos(t)
    return ((ndtr((half - rho) / sigma) - ndtr((-half - rho) / sigma)) * wt).sum(-1)


_S_MIN, _S_MAX, _N_S = _S_RANGE
# cubic B-spline coefficients.  "mirror" at u = 0 is exact: q and h are even in u = 1/R (a
# concave edge of radius R is a convex one seen from the other side).
_COEF = [ndimage.spline_filter(t, order=3, mode="mirror")
         for t in (_Q_PLAIN, _H_PLAIN, _Q_SHADING, _H_SHADING)]
_SCALE_U = (_N_U - 1) / _U_MAX
_SCALE_S = (_N_S - 1) / (_S_MAX - _S_MIN)


def _qh(u, s, f, need_h=True):
    """Interpolated q and h (None unless ``need_h``) at (u, s) (1-D arrays) clamped into the
    domain; shading fraction f (scalar or like u)."""
    uc = np.minimum(u, _U_MAX)
    sc = np.minimum(np.clip(s, _S_MIN, _S_MAX), MAX_BLUR_RATIO / np.maximum(uc, 1e-300))
    coords = np.array([uc * _SCALE_U, (sc - _S_MIN) * _SCALE_S])
    out = []
    for k in (0, 1) if need_h else (0,):
        v = ndimage.map_coordinates(_COEF[k], coords, order=3, mode="mirror", prefilter=False)
        if np.any(f > 0):
            w = ndimage.map_coordinates(_COEF[k + 2], coords, order=3, mode="mirror",
                                        prefilter=False)
            v += f * (w - v)
        out.append(v)
    return (out[0], out[1]) if need_h else (out[0], None)


# The same interpolation for one point in Python floats (find_circle's single call: the
# array path's per-call overhead is ~5x the arithmetic there).
_COEF_LISTS = [c.tolist() for c in _COEF]


def _mirror(i: int, n: int) -> int:
    if i < 0:
        return -i
    return 2 * (n - 1) - i if i >= n else i


def _bspline_weights(t: float):
    t2 = t * t
    t3 = t2 * t
    return ((1.0 - 3.0 * t + 3.0 * t2 - t3) / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
            (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0)


def _qh_scalar(u: float, s: float, f: float, need_h: bool = True):
    """:func:`_qh` for one point."""
    uc = min(u, _U_MAX)
    sc = min(min(max(s, _S_MIN), _S_MAX), MAX_BLUR_RATIO / max(uc, 1e-300))
    x, y = uc * _SCALE_U, (sc - _S_MIN) * _SCALE_S
    i, j = int(math.floor(x)), int(math.floor(y))
    wx, wy = _bspline_weights(x - i), _bspline_weights(y - j)
    rows = [_mirror(i + d, _N_U) for d in (-1, 0, 1, 2)]
    cols = [_mirror(j + d, _N_S) for d in (-1, 0, 1, 2)]
    q0, q1, q2, q3 = cols
    w0, w1, w2, w3 = wy
    out = []
    for k in (0, 1) if need_h else (0,):
        vals = []
        for kk in (k, k + 2) if f > 0 else (k,):
            c = _COEF_LISTS[kk]
            acc = 0
            for wa, r in zip(wx, rows):     # the sums in the order sum() takes them
                cr = c[r]
                acc += wa * (0 + w0 * cr[q0] + w1 * cr[q1] + w2 * cr[q2] + w3 * cr[q3])
            vals.append(acc)
        out.append(vals[0] + f * (vals[1] - vals[0]) if f > 0 else vals[0])
    return (out[0], out[1]) if need_h else (out[0], None)


#: largest blur or radius (px) the functions take (beyond it squares overflow to inf)
_MAX_PX = 1e6


def _floats(v, name: str) -> np.ndarray:
    """``v`` as a non-empty float64 array (InputError for anything else)."""
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: expected numbers, given {type(v).__name__}") from None
    if a.size == 0:
        raise InputError(f"{name}: expected at least one value, given an empty array")
    return a


def _positive(v, name: str, allow_zero: bool = False) -> np.ndarray:
    a = _floats(v, name)
    ok = np.isfinite(a) & ((a >= 0) if allow_zero else (a > 0)) & (np.abs(a) <= _MAX_PX)
    if not np.all(ok):
        raise InputError(f"{name}: expected finite {'non-negative' if allow_zero else 'positive'}"
                         f" values up to {_MAX_PX:g}, given {a[~ok].ravel()[:3].tolist()}")
    return a


def _one_positive(v, name: str) -> float:
    a = _positive(v, name)
    if a.size != 1:
        raise InputError(f"{name}: expected one number, given {a.size}")
    return float(a.ravel()[0])


def _prepare(blur_px, blur, shading, out_of_domain):
    check_choice(blur, "blur", BLUR_KINDS)
    check_choice(out_of_domain, "out_of_domain", _OUT)
    b = _positive(blur_px, "blur_px", allow_zero=blur == "optics")
    f = _floats(shading, "shading")
    if not np.all(np.isfinite(f) & (f >= 0) & (f <= 1)):
        raise InputError(f"shading: expected fractions in [0, 1], given "
                         f"{np.ravel(f)[:3].tolist()}")
    return b, f


def _total(b, kind):
    return np.sqrt(b * b + _BOX_VAR) if kind == "optics" else b


def _solve(u_m, blur, kind, f):
    """True ``u = 1/R``, straight-edge blur ``s`` and the outward correction ``R - R_meas``
    (px) from the measured ``u_m = 1 / R_meas`` (>= 0) and the blur (1-D arrays).

    Fixed point of ``R = R_meas + q s^2 / (2R)``, ``s = sigma_fit / h``: a contraction (both
    right-hand sides move by well under their argument's change over the domain); it stops
    when the correction and the blur move by < 1e-9 px (3 - 10 steps).
    """
    if u_m.size == 1:
        return tuple(np.array([v]) for v in _solve_scalar(float(u_m[0]), float(blur[0]), kind,
                                                           float(np.ravel(f)[0])))
    fit = kind == "fit"
    s = _total(blur, kind)
    u = u_m
    corr = np.zeros_like(u)
    for _ in range(_ITERATIONS):
        q, h = _qh(u, s, f, fit)
        ds = 0.0
        if fit:
            s_new = blur / h
            ds = float(np.max(np.abs(s_new - s)))
            s = s_new
        c_new = 0.5 * q * s * s * u
        dc = float(np.max(np.abs(c_new - corr)))
        corr = c_new
        u = u_m / (1.0 + corr * u_m)
        if dc < 1e-9 and ds < 1e-9:
            break
    return u, s, corr


def _solve_scalar(u_m: float, blur: float, kind: str, f: float):
    """:func:`_solve` for one point, in Python floats (same iteration)."""
    fit = kind == "fit"
    s = math.sqrt(blur * blur + _BOX_VAR) if kind == "optics" else blur
    u = u_m
    corr = 0.0
    for _ in range(_ITERATIONS):
        q, h = _qh_scalar(u, s, f, fit)
        ds = 0.0
        if fit:
            s_new = blur / h
            ds = abs(s_new - s)
            s = s_new
        c_new = 0.5 * q * s * s * u
        dc = abs(c_new - corr)
        corr = c_new
        u = u_m / (1.0 + corr * u_m)
        if dc < 1e-9 and ds < 1e-9:
            break
    return u, s, corr


def circle_correction(measured_radius: float, blur_px: float) -> float:
    """``radius_from_edge(measured_radius, blur_px, out_of_domain="clip") - measured_radius``
    for one circle in Python floats (what :func:`metrology.caliper.find_circle` adds to its
    fitted radius; the checked array entry costs twice the arithmetic there).  Inputs must be
    positive and finite (the caller's own results).  Compiled where numba is in use
    (:func:`metrology.caliper._kernels_shape.curvature_shift`, the same value)."""
    kern = kernels("caliper")
    if kern is not None:
        return kern.curvature_shift(1.0 / measured_radius, float(blur_px), _COEF[0], _COEF[1],
                                    _KERNEL_PAR)
    return _solve_scalar(1.0 / measured_radius, blur_px, "fit", 0.0)[2]


#: the table's constants as :func:`~metrology.caliper._kernels_shape.curvature_shift` takes them
_KERNEL_PAR = np.array([_U_MAX, _S_MIN, _S_MAX, MAX_BLUR_RATIO, _SCALE_U, _SCALE_S, _N_U, _N_S,
                        _ITERATIONS], dtype=np.float64)


def _domain(u, s):
    tol = 1.0 + 1e-9
    return (u <= _U_MAX * tol) & (s * u <= MAX_BLUR_RATIO * tol) & (s <= _S_MAX * tol)


def _finish(value, ok, out_of_domain, what, radius, blur):
    if np.all(ok) or out_of_domain == "clip":
        return value
    if out_of_domain == "nan":
        return np.where(ok, value, np.nan)
    i = int(np.flatnonzero(~ok)[0])
    raise InputError(
        f"{what}: radius {radius[i]:.4g} px with blur {blur[i]:.4g} px is "
        f"outside the curvature table (true radius >= {MIN_RADIUS_PX} px, blur / radius <= "
        f"{MAX_BLUR_RATIO}, blur <= {MAX_BLUR_PX} px; {int(np.count_nonzero(~ok))} value(s)): "
        f"pass out_of_domain='clip' or 'nan', or measure with less blur")


def _flat(*arrays):
    """Broadcast and flatten; returns the common shape and the 1-D arrays."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    return shape, [np.broadcast_to(a, shape).ravel() for a in arrays]


def _out(a: np.ndarray, shape):
    return float(a[0]) if shape == () else a.reshape(shape)


def radius_from_edge(measured_radius, blur_px, *, blur: str = "fit", shading=0.0,
                     out_of_domain: str = "raise"):
    """True radius of a blurred circle from the radius its erf edge points measured.

    Parameters
    ----------
    measured_radius : float or array_like
        Radius of the circle fitted to the erf edge points (px), e.g. ``find_circle(...,
        correct_curvature=False).radius``.  Disk or hole, bright or dark, calipers outward or
        inward: all the same (see the module notes).
    blur_px : float or array_like
        Edge blur (px) of the kind ``blur`` names; broadcast with ``measured_radius``.
    blur : {"fit", "straight", "optics"}
        ``"fit"`` (default): the blur the erf fit reported on this edge
        (``CircleResult.edge_blur_px``); ``"straight"``: total blur of a straight edge of
        the same optics, ``sqrt(sigma_o^2 + 1/12)``; ``"optics"``: the PSF sigma ``sigma_o``.
    shading : float or array_like
        Fraction (0 .. 1) of the edges the fit refitted with its shading term.
    out_of_domain : {"raise", "clip", "nan"}
        Inputs outside the table (see :func:`in_domain`): raise
        :class:`~metrology.errors.InputError`, evaluate at the nearest domain point, or NaN.

    Returns
    -------
    float or ndarray
        True radius (px), larger than the measured one; ``R_meas + s^2 / (2 R)`` as
        ``s / R`` -> 0.

    Examples
    --------
    >>> round(radius_from_edge(40.0, 1.0, blur="straight") - 40.0, 4)   # ~ 1 / 80
    0.0125
    """
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    shape, (r_m, b, f) = _flat(_positive(measured_radius, "measured_radius"), b, f)
    u, s, corr = _solve(1.0 / r_m, b, blur, f)
    return _out(_finish(r_m + corr, _domain(u, s), out_of_domain, "radius_from_edge", r_m, b),
                shape)


def edge_from_radius(radius, blur_px, *, blur: str = "straight", shading=0.0,
                     out_of_domain: str = "raise"):
    """What the erf edge fit measures on a blurred circle: the forward map of
    :func:`radius_from_edge`.

    Parameters
    ----------
    radius : float or array_like
        True radius (px).
    blur_px : float or array_like
        Straight-edge total blur (``blur="straight"``, default) or PSF sigma
        (``blur="optics"``).
    blur : {"straight", "optics"}
    shading, out_of_domain
        As :func:`radius_from_edge`.

    Returns
    -------
    (measured_radius, fit_blur) : floats or ndarrays
        The radius of the fitted edge points and the blur the fit reports on that edge.
    """
    if blur == "fit":
        raise InputError("blur: expected 'straight' or 'optics' (the fitted blur is an output "
                         "here), given 'fit'")
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    shape, (r, b, f) = _flat(_positive(radius, "radius"), b, f)
    s = _total(b, blur)
    u = 1.0 / r
    q, h = _qh(u, s, f)
    ok = _domain(u, s)
    r_m = _finish(r - 0.5 * q * s * s * u, ok, out_of_domain, "edge_from_radius", r, b)
    s_f = _finish(h * s, ok, out_of_domain, "edge_from_radius", r, b)
    return _out(r_m, shape), _out(s_f, shape)


def edge_shift(curvature, blur_px, *, blur: str = "fit", shading=0.0,
               out_of_domain: str = "raise"):
    """Offset of a blurred edge from the true contour along the outward normal, per point.

    Parameters
    ----------
    curvature : float or array_like
        Signed curvature (1/px) of the *measured* contour at each point (e.g. of the ellipse
        fitted to the edge points): positive where the shape is convex (centre of curvature
        inside), negative where concave, 0 on a straight stretch.
    blur_px : float or array_like
        Edge blur (px) across the edge (along its normal), of the kind ``blur`` names.
    blur : {"fit", "straight", "optics"}
        As :func:`radius_from_edge`.  ``"fit"`` means the blur the fit reported on *this*
        curved stretch; a median over a whole contour whose curvature varies (an ellipse's
        ``edge_blur_px``) is dominated by its flatter stretches: pass it as ``"straight"``.
    shading, out_of_domain
        As :func:`radius_from_edge` (the domain is that of the osculating circles).

    Returns
    -------
    float or ndarray
        ``measured - true`` along the outward normal (px): negative on convex stretches.
        The true contour: ``p_true = p_meas - edge_shift(kappa, blur)[:, None] * n_out``.
        Equals ``-s^2 * kappa / 2`` as ``s * kappa`` -> 0.

    Notes
    -----
    Each point is treated as a point of its osculating circle; where the curvature changes
    within a few blur lengths (the ends of a slender ellipse) that is an approximation.
    """
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    k = _floats(curvature, "curvature")
    if not np.all(np.isfinite(k)):
        raise InputError(f"curvature: expected finite values, given "
                         f"{k[~np.isfinite(k)].ravel()[:3].tolist()}")
    shape, (k, b, f) = _flat(k, b, f)
    u_m = np.abs(k)
    u, s, corr = _solve(u_m, b, blur, f)
    with np.errstate(divide="ignore"):
        r_m = 1.0 / u_m
    shift = -np.sign(k) * corr + 0.0     # + 0.0: no -0.0 on straight stretches
    return _out(_finish(shift, _domain(u, s), out_of_domain, "edge_shift", r_m, b), shape)


def in_domain(measured_radius, blur_px, *, blur: str = "fit", shading=0.0):
    """Whether :func:`radius_from_edge` covers these inputs (bool or bool array)."""
    b, f = _prepare(blur_px, blur, shading, "raise")
    shape, (r_m, b, f) = _flat(_positive(measured_radius, "measured_radius"), b, f)
    u, s, _ = _solve(1.0 / r_m, b, blur, f)
    ok = _domain(u, s)
    return bool(ok[0]) if shape == () else ok.reshape(shape)
