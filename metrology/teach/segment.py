"""Primitives from a golden image: the part region, its contours, lines, arcs, circles, ellipses.

1. **Part region**: Otsu's threshold splits the image (or the user's ROI/mask) into two
   classes; the background is the class that holds most of the region's border, and the part
   the largest blob of the other class that does not touch the border, so a bright part on a
   dark background and a dark part on a back-light are both found (and a part cut by the border
   is refused rather than one of its holes taken for it).  A flat image, or one whose two classes differ by less
   than ``min_contrast`` gray levels or 8 noise sigmas, has no part: :class:`InputError`.
2. **Contours**: iso-contours at the level half-way between part and background
   (:func:`skimage.measure.find_contours`, sub-pixel) of the lightly smoothed image, kept where
   they bound the part (its outline and the holes inside it), resampled at 1 px steps.
3. **Primitives** (each contour): a whole contour that one circle (or ellipse) fits within
   ``fit_tol_px`` is a hole; otherwise corners (turning by more than ``corner_deg`` over
   ``2 * window`` px, and by less than 1.5 times that over ``4 * window`` px, which tells a
   corner from a small arc) cut it into runs; each run is split where its curvature changes (a
   piecewise-constant fit of the curvature, so tangent line-arc junctions are cut too) until
   every piece is a line or an arc with the library's robust fits (:func:`metrology.core.fit_line`
   / :func:`~metrology.core.fit_circle`, Tukey weights).  Neighbours that are collinear or
   co-circular are merged, and pieces shorter than ``min_length_px`` are dropped.  The ends of
   each piece (``window`` px next to a corner, where blur rounds the contour) are left out of its
   fit.

Positions here are pixel-level (the iso-contour of a blurred edge moves inwards on curves by
about ``sigma^2 / (2R)``); the recipe's calipers measure the nominal values to sub-pixel later.

Examples
--------
>>> from metrology.synth.shapes import Disk, Stripe, render_shapes
>>> import numpy as np
>>> img = render_shapes([(Stripe((0.0, 40.0), 90.0, 120.0), 150.0),
...                      (Disk((100.0, 100.0), 20.0), -150.0)], (200, 220), background=40.0)
>>> seg = segment_part(img)                                     # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.checks import check_positive
from ..errors import FitError, InputError
from .geometry import Arc, EllipseArc, Line, Loop, PartGeometry

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []


@dataclass(frozen=True)
class SegmentOptions:
    """Parameters of the contour segmentation (pixels, degrees).

    Attributes
    ----------
    smooth_sigma : float
        Gaussian smoothing before the iso-contour (px).
    corner_deg : float
        Turning over ``2 * window`` px above which a contour point is a corner.
    window : int
        Half-window (px) of the turning and curvature estimates.
    fit_tol_px : float
        Largest RMS distance of contour points from a line/arc/circle for it to be accepted.
    min_length_px : float
        Pieces shorter than this are dropped (too short to measure).
    min_area_px : float
        Holes (and parts) smaller than this are dust, not features.
    min_contrast : float
        Smallest gray-level difference between part and background.
    max_radius_factor : float
        An arc whose radius exceeds this multiple of the part size is a line.
    """

    smooth_sigma: float = 1.0
    corner_deg: float = 20.0
    window: int = 4
    fit_tol_px: float = 0.2
    min_length_px: float = 12.0
    min_area_px: float = 30.0
    min_contrast: float = 20.0
    max_radius_factor: float = 4.0


@dataclass(frozen=True)
class Segmentation:
    """Result of :func:`segment_part` (pixels of the segmented image).

    Attributes
    ----------
    geometry : PartGeometry
        Outline and holes as primitives (loops may have gaps where pieces were dropped).
    contours : list of ndarray (N_k, 2)
        The traced contours (outline first), x-y pixels.
    mask : ndarray (H, W) bool
        The part region.
    polarity : {"bright", "dark"}
    levels : (part, background)
        Median gray levels of the two classes.
    """

    geometry: PartGeometry
    contours: list
    mask: np.ndarray
    polarity: str
    levels: tuple[float, float]
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# region
# --------------------------------------------------------------------------------------------
def noise_sigma(img: np.ndarray) -> float:
    """Image noise (gray levels, 1 sigma) from horizontal second differences.

    Parameters
    ----------
    img : ndarray (H, W) float

    Returns
    -------
    float
        The RMS of the second differences within 3.5 robust sigmas of their median (edges are
        left out), over sqrt(6).  The MAD alone is quantised on 8-bit images (the second
        differences are integers: a noise of 1.5 reads as 1.8); the clipped RMS is not.
    """
    d = (img[:, 2:] - 2 * img[:, 1:-1] + img[:, :-2]).ravel()
    med = float(np.median(d))
    mad = 1.4826 * float(np.median(np.abs(d - med)))
    keep = np.abs(d - med) <= 3.5 * max(mad, 1.0)
    return float(np.std(d[keep]) / math.sqrt(6.0)) if np.any(keep) else 0.0


def roi_mask_or_box(roi: Any, shape: tuple) -> np.ndarray | tuple[int, int, int, int]:
    """A teach ROI checked against an image of ``shape``: a boolean mask of that shape, or the
    box ``(x, y, w, h)`` in whole pixels (not clipped: callers decide what lies outside)."""
    h, w = shape[:2]
    if isinstance(roi, np.ndarray) and roi.ndim == 2:
        if roi.shape != (h, w):
            raise InputError(f"mask: expected shape {(h, w)} like the image, given {roi.shape}")
        return roi.astype(bool)
    try:
        x, y, rw, rh = (int(round(float(v))) for v in roi)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"roi: expected (x, y, w, h) or a boolean mask, given {roi!r:.80}") \
            from None
    return x, y, rw, rh


def find_part_region(gray: np.ndarray, roi: Any = None, *, min_contrast: float = 20.0,
                     min_area_px: float = 30.0) -> tuple[np.ndarray, str, tuple[float, float]]:
    """The part's pixels in a golden image.

    Parameters
    ----------
    gray : ndarray (H, W)
    roi : (x, y, w, h) or ndarray (H, W) bool, optional
        Where to look (default: the whole image).
    min_contrast : float
        Smallest gray-level difference between part and background.

    Returns
    -------
    mask : ndarray (H, W) bool
        The part, its holes excluded.
    polarity : {"bright", "dark"}
    levels : (part, background) median gray levels

    Raises
    ------
    InputError
        No part: the region is flat or of too little contrast, or no blob lies clear of the
        region's border.
    """
    from scipy import ndimage
    from skimage.filters import threshold_otsu

    img = np.asarray(gray, dtype=np.float64)
    h, w = img.shape
    region = np.zeros((h, w), bool)
    parsed = None if roi is None else roi_mask_or_box(roi, (h, w))
    if parsed is None:
        region[:] = True
    elif isinstance(parsed, np.ndarray):
        region = parsed
    else:
        x, y, rw, rh = parsed
        if rw < 16 or rh < 16 or x < 0 or y < 0 or x + rw > w or y + rh > h:
            raise InputError(f"roi: expected (x, y, w, h) inside the {w}x{h} image, at least "
                             f"16 px wide, given {roi!r}")
        region[y:y + rh, x:x + rw] = True
    vals = img[region]
    if vals.size < 256:
        raise InputError("roi/mask: selects fewer than 256 pixels")
    noise = noise_sigma(img)
    lo, hi = float(np.percentile(vals, 1)), float(np.percentile(vals, 99))
    if hi - lo < max(min_contrast, 8 * noise):
        raise InputError(f"no part found: the image is flat (gray levels {lo:.0f}-{hi:.0f}, "
                         f"noise {noise:.1f}); a golden image shows the part against a plain "
                         f"background with at least {min_contrast:g} gray levels of contrast")
    thr = float(threshold_otsu(vals))
    bright = (img > thr) & region
    dark = (img <= thr) & region
    border = region & ~ndimage.binary_erosion(region, border_value=0)
    # the background is what surrounds the view: the class holding most of the border (a
    # bright hole of a dark part cut by the border must not pass for a bright part)
    pol = "dark" if np.count_nonzero(bright & border) >= np.count_nonzero(dark & border) \
        else "bright"
    cls_mask = bright if pol == "bright" else dark
    lab, n = ndimage.label(cls_mask)
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    sizes[0] = 0
    sizes[np.unique(lab[border & cls_mask])] = 0
    k = int(np.argmax(sizes))
    if sizes[k] < min_area_px:
        raise InputError(f"no part found: no {pol} blob lies clear of the image (or ROI) "
                         f"border; the whole part must be inside the image with background "
                         f"around it")
    blob = lab == k
    filled = ndimage.binary_fill_holes(blob)
    # the part's own pixels: the blob and what it encloses that is of its class
    part_cls = bright if pol == "bright" else dark
    mask = filled & (part_cls | blob)
    part_level = float(np.median(img[blob]))
    bg_pixels = img[region & ~ndimage.binary_dilation(filled, iterations=3)]
    bg_level = float(np.median(bg_pixels)) if bg_pixels.size else (lo if pol == "bright" else hi)
    if abs(part_level - bg_level) < max(min_contrast, 8 * noise):
        raise InputError(f"no part found: part and background differ by only "
                         f"{abs(part_level - bg_level):.1f} gray levels (noise {noise:.1f})")
    return mask, pol, (part_level, bg_level)


# --------------------------------------------------------------------------------------------
# contour splitting
# --------------------------------------------------------------------------------------------
def _resample(c: np.ndarray, step: float = 1.0, closed: bool = True) -> np.ndarray:
    p = np.concatenate([c, c[:1]]) if closed else c
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    n = max(8, int(s[-1] / step))
    t = np.linspace(0.0, s[-1], n, endpoint=not closed)
    return np.stack([np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])], axis=1)


def _turning(p: np.ndarray, k: int) -> np.ndarray:
    """Signed turning angle (rad) at each point of a closed contour over +-k points."""
    a = p - np.roll(p, k, axis=0)
    b = np.roll(p, -k, axis=0) - p
    return np.arctan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], np.sum(a * b, axis=1))


def _fit_line(p: np.ndarray):
    from ..core import fit_line

    f = fit_line(p, method="tukey") if len(p) >= 5 else fit_line(p)
    r = np.abs((p - f.point_xy) @ f.normal)
    return f, float(np.sqrt(np.mean(r ** 2))), float(r.max())


def _fit_circle(p: np.ndarray):
    from ..core import fit_circle

    f = fit_circle(p, method="tukey") if len(p) >= 6 else fit_circle(p, method="geometric")
    r = np.abs(np.hypot(*(p - f.center_xy).T) - f.radius)
    return f, float(np.sqrt(np.mean(r ** 2))), float(r.max())


def _piece_kind(p: np.ndarray, tol: float, rmax: float):
    """('line', fit) or ('arc', fit) or None for contour points ``p`` (M, 2)."""
    if len(p) < 4:
        return None
    try:
        lf, rms, mx = _fit_line(p)
    except FitError:
        return None
    if rms <= tol and mx <= 5 * tol:
        return "line", lf
    if len(p) < 6:
        return None
    try:
        cf, rms_c, mx_c = _fit_circle(p)
    except FitError:
        return None
    if rms_c <= tol and mx_c <= 5 * tol and cf.radius <= rmax:
        return "arc", cf
    return None


def _best_split(kappa: np.ndarray, guard: int) -> int | None:
    """Index splitting ``kappa`` into two pieces of constant value with the least squared error
    (both pieces at least ``guard`` long)."""
    n = len(kappa)
    if n < 2 * guard + 2:
        return None
    c1 = np.cumsum(kappa)
    c2 = np.cumsum(kappa ** 2)
    i = np.arange(guard, n - guard)
    nl, nr = i, n - i
    sl, sr = c1[i - 1], c1[-1] - c1[i - 1]
    ql, qr = c2[i - 1], c2[-1] - c2[i - 1]
    sse = (ql - sl ** 2 / nl) + (qr - sr ** 2 / nr)
    return int(i[np.argmin(sse)])


def _split_run(p: np.ndarray, kappa: np.ndarray, trim0: int, trim1: int, tol: float,
               rmax: float, min_pts: int, out: list, depth: int = 0) -> None:
    """Split one run (between corners) into fitted pieces, appended to ``out`` as
    (kind, fit, points used, all points)."""
    core = p[trim0:len(p) - trim1] if len(p) - trim0 - trim1 >= 4 else p
    got = _piece_kind(core, tol, rmax)
    if got is not None:
        out.append((got[0], got[1], core, p))
        return
    if depth > 12 or len(p) < 2 * min_pts:
        return  # unfit and too short to split: dropped
    k = _best_split(kappa, max(3, min_pts // 2))
    if k is None:
        return
    w = 2  # curvature window straddles the cut: trim a little on each side
    _split_run(p[:k], kappa[:k], trim0, w, tol, rmax, min_pts, out, depth + 1)
    _split_run(p[k:], kappa[k:], w, trim1, tol, rmax, min_pts, out, depth + 1)


def _to_primitive(kind: str, fit: Any, pts: np.ndarray):
    if kind == "line":
        d = fit.direction
        c = fit.point_xy
        t0, t1 = float((pts[0] - c) @ d), float((pts[-1] - c) @ d)
        return Line(c + t0 * d, c + t1 * d)
    c = np.asarray(fit.center_xy, float)
    ang = np.unwrap(np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0]))
    ext = math.degrees(ang[-1] - ang[0])
    ext = max(-360.0, min(360.0, ext))
    if abs(ext) < 1e-6:
        return None
    return Arc(c, float(fit.radius), math.degrees(ang[0]), ext)


def _merge_ok(a: tuple, b: tuple, tol: float, rmax: float):
    if a[0] != b[0]:
        return None
    pts = np.concatenate([a[2], b[2]])
    got = _piece_kind(pts, tol, rmax)
    if got is None or got[0] != a[0]:
        return None
    return (a[0], got[1], pts, np.concatenate([a[3], b[3]]))


def split_contour(contour: np.ndarray, options: SegmentOptions | None = None,
                  part_size: float | None = None) -> list:
    """Split one closed contour (N, 2) into lines and arcs (or one circle / ellipse).

    Returns
    -------
    list of Line, Arc, EllipseArc
        In contour order (pixels).
    """
    from ..core import fit_ellipse

    opt = options or SegmentOptions()
    p = _resample(np.asarray(contour, float))
    n = len(p)
    size = float(np.hypot(*np.ptp(p, axis=0)))
    rmax = opt.max_radius_factor * (part_size or size)
    tol = opt.fit_tol_px
    # a whole circle or ellipse
    if n >= 12:
        try:
            cf, rms, mx = _fit_circle(p)
            if rms <= tol and mx <= 5 * tol:
                sgn = 1.0 if _signed(p) > 0 else -1.0
                return [Arc(cf.center_xy, float(cf.radius), 0.0, 360.0 * sgn)]
            ef = fit_ellipse(p, method="geometric")
            from ..core import distance_point_ellipse

            r = np.abs(distance_point_ellipse(p, ef.center_xy, ef.semi_axes, ef.angle_deg))
            if float(np.sqrt(np.mean(r ** 2))) <= tol and float(r.max()) <= 5 * tol:
                sgn = 1.0 if _signed(p) > 0 else -1.0
                a, b = (float(v) for v in ef.semi_axes)
                return [EllipseArc(ef.center_xy, (a, b), float(ef.angle_deg), 0.0, 360.0 * sgn)]
        except FitError:
            pass
    k = opt.window
    turn = _turning(p, k)
    kappa = _turning(p, 2) / 4.0   # rad per px over +-2 px
    thr = math.radians(opt.corner_deg)
    # a corner's turning is concentrated: over twice the window it hardly grows, where a small
    # arc's turning doubles (an R 8 px slot end turns 57 deg over +-4 px: not a corner)
    turn2 = _turning(p, 2 * k)
    strong = (np.abs(turn) > thr) & (np.abs(turn2) < 1.5 * np.abs(turn))
    # corners: local maxima of |turn| among strong points
    a = np.abs(turn)
    is_max = strong & (a >= np.roll(a, 1)) & (a >= np.roll(a, -1))
    corners = np.nonzero(is_max)[0]
    if corners.size:  # suppress maxima closer than 2k to a stronger one (cyclic)
        keep = []
        for c in corners[np.argsort(-a[corners])]:  # a few corners per contour
            if all(min(abs(c - q), n - abs(c - q)) > 2 * k for q in keep):
                keep.append(int(c))
        corners = np.array(sorted(keep))
    pieces: list = []
    min_pts = max(6, int(opt.min_length_px / 2))
    if corners.size == 0:
        # no corner (a slot, a rounded outline): start in the middle of the straightest stretch,
        # so that no arc is cut in two there (the pieces either side of the start are merged
        # back if they are one line)
        w = 4 * k + 1
        smooth = np.convolve(np.concatenate([np.abs(kappa[-w:]), np.abs(kappa),
                                             np.abs(kappa[:w])]), np.ones(w) / w, "same")
        start = int(np.argmin(smooth[w:-w]))
        order = np.roll(np.arange(n), -start)
        _split_run(p[order], kappa[order], 0, 0, tol, rmax, min_pts, pieces)
    else:
        for i, c0 in enumerate(corners):  # runs between consecutive corners
            c1 = corners[(i + 1) % len(corners)]
            idx = np.arange(c0, c1 if c1 > c0 else c1 + n) % n
            if len(idx) < 4:
                continue
            _split_run(p[idx], kappa[idx], k + 1, k + 1, tol, rmax, min_pts, pieces)
    # merge collinear / co-circular neighbours (cyclic)
    merged = True
    while merged and len(pieces) > 1:
        merged = False
        for i in range(len(pieces)):  # a handful of pieces per contour
            j = (i + 1) % len(pieces)
            if i == j:
                break
            m = _merge_ok(pieces[i], pieces[j], tol, rmax)
            if m is not None:
                pieces[i] = m
                del pieces[j]
                merged = True
                break
    out = []
    for kind, fit, _used, allp in pieces:
        prim = _to_primitive(kind, fit, allp)
        if prim is None or prim.length < opt.min_length_px:
            continue
        out.append(prim)
    return _tangent_junctions(out)


def _tangent_junctions(prims: list, tol_px: float = 1.0) -> list:
    """Cut a line and a neighbouring arc that meet tangentially (a fillet, a slot end) exactly
    at their tangent point, where the split by curvature is only good to a few pixels."""
    out = list(prims)
    n = len(out)
    for i in range(n if n > 1 else 0):  # junctions of one contour
        j = (i + 1) % n
        a, b = out[i], out[j]
        if isinstance(a, Line) and isinstance(b, Arc) and not b.is_full:
            line, arc, line_first = a, b, True
        elif isinstance(a, Arc) and isinstance(b, Line) and not a.is_full:
            line, arc, line_first = b, a, False
        else:
            continue
        c = np.asarray(arc.center)
        d = line.direction
        t = float((c - line.start) @ d)
        foot = line.start + t * d
        if abs(float(np.hypot(*(c - foot))) - arc.radius) > tol_px:
            continue  # not tangent: a corner between them
        ang = math.degrees(math.atan2(foot[1] - c[1], foot[0] - c[0]))
        if line_first:   # line ... foot | arc from foot
            new_line = Line(line.start, foot)
            end = arc.start_deg + arc.extent_deg
            start = ang + 360.0 * round((arc.start_deg - ang) / 360.0)
            new_arc = Arc(arc.center, arc.radius, start, end - start) \
                if 0 < abs(end - start) < 360 and (end - start) * arc.extent_deg > 0 else arc
        else:            # arc up to foot | line from foot
            new_line = Line(foot, line.end)
            stop = ang + 360.0 * round((arc.start_deg + arc.extent_deg - ang) / 360.0)
            ext = stop - arc.start_deg
            new_arc = Arc(arc.center, arc.radius, arc.start_deg, ext) \
                if 0 < abs(ext) < 360 and ext * arc.extent_deg > 0 else arc
        if new_line.length <= 0 or float(new_line.direction @ d) <= 0:
            continue
        if line_first:
            out[i], out[j] = new_line, new_arc
        else:
            out[i], out[j] = new_arc, new_line
    return out


def _signed(p: np.ndarray) -> float:
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def segment_part(image: Any, roi: Any = None, options: SegmentOptions | None = None
                 ) -> Segmentation:
    """Find the part in a golden image and split its contours into primitives.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3), or path
    roi : (x, y, w, h) or ndarray (H, W) bool, optional
        Where the part is (default: found automatically as the largest blob).
    options : SegmentOptions, optional

    Returns
    -------
    Segmentation
        Primitives in image pixels: outline first, then holes (each loop with material on the
        left of its direction of travel, as :class:`PartGeometry` orients them).

    Raises
    ------
    InputError
        No part in the image (flat, too little contrast, or touching the border).
    """
    from scipy import ndimage
    from skimage.measure import find_contours

    from ..image.io import as_gray, load_image

    opt = options or SegmentOptions()
    check_positive(opt.smooth_sigma, "smooth_sigma", allow_zero=True)
    gray = as_gray(load_image(image, "golden image"), "golden image").astype(np.float64)
    mask, pol, (lv_part, lv_bg) = find_part_region(gray, roi, min_contrast=opt.min_contrast,
                                                   min_area_px=opt.min_area_px)
    level = 0.5 * (lv_part + lv_bg)
    sm = ndimage.gaussian_filter(gray, opt.smooth_sigma) if opt.smooth_sigma > 0 else gray
    ys, xs = np.nonzero(mask)
    pad = 6
    y0, y1 = max(0, ys.min() - pad), min(gray.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(gray.shape[1], xs.max() + pad + 1)
    crop = sm[y0:y1, x0:x1]
    near = ndimage.binary_dilation(mask, iterations=3)[y0:y1, x0:x1]
    # the iso-contour only where the part's boundary is (dust elsewhere is left out)
    crop = np.where(near, crop, lv_bg)
    raw = find_contours(crop, level, fully_connected="high" if pol == "bright" else "low")
    contours = []
    for c in raw:
        if len(c) < 8 or np.hypot(*(c[0] - c[-1])) > 1.0:
            continue  # open contours only arise at the crop border
        xy = np.stack([c[:, 1] + x0, c[:, 0] + y0], axis=1)
        if abs(_signed(xy)) < opt.min_area_px:
            continue
        contours.append(xy)
    if not contours:
        raise InputError("no part found: the part region has no closed contour")
    areas = np.array([abs(_signed(c)) for c in contours])
    order = np.argsort(-areas)
    contours = [contours[i] for i in order]
    size = float(np.hypot(*np.ptp(contours[0], axis=0)))
    loops = []
    for c in contours:
        prims = split_contour(c, opt, size)
        if prims:
            loops.append(Loop(tuple(prims)))
    if not loops:
        raise InputError("no part found: its contour could not be split into lines or arcs")
    geom = PartGeometry(loops[0], tuple(loops[1:]))
    return Segmentation(geom, contours, mask, pol, (lv_part, lv_bg),
                        {"n_contours": len(contours)})
