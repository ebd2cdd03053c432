"""Shape-based matching: find a part by the directions of its edges, at any angle and scale.

Model
    Edge points of the template (non-maximum suppressed, located to subpixel by a log-parabola
    fit of the directional derivative along the gradient, thinned to an even spacing) and their
    unit gradient directions, for each level of a 2x2-block pyramid.  Points are stored in
    level-0 pixels relative to the model origin.

Score
    For a pose ``T`` the score is the mean over model points of the cosine between the model
    direction (turned by ``T``) and the image gradient direction at the transformed point, each
    image vector being ``g / max(|g|, min_contrast)`` so that flat or noisy regions count as
    missing edges rather than random directions.  ``polarity="use"`` keeps the sign (a dark-on-
    light part does not match a light-on-dark one), ``"ignore_global"`` takes the absolute value
    of the mean (contrast reversed as a whole), ``"ignore_local"`` the mean of absolute values.
    A score reads as the visible fraction of the contour.

Search
    Exhaustive at the top pyramid level over position x angle x scale: the score of every
    position for one (angle, scale) is a correlation of the (slightly blurred) image direction
    field with a sparse kernel (the turned model points, splatted bilinearly), computed for all
    (angle, scale) steps at once by batched FFTs.  Candidates are the spatial peaks with every
    angle/scale step that peaks there or comes close to the best (near-symmetric parts keep all
    their alignments).  They are tracked down the pyramid (3 x 3 positions x 3 angles, then 3
    scales per level; +-1 top step of angle at the first level), scored with the full model at
    level 0, overlapping candidates suppressed by the overlap of the turned model hulls, and the
    survivors refined by Gauss-Newton least squares of point-to-line distances between the model
    points and subpixel image edges found along the model normals (x, y, angle, scale; Tukey
    weights).  Steps: the farthest model point moves 2 px (angle) / 1.5 px (scale) per top-level
    step and 1 px per step below; the threshold at the top is ``min_score`` times the score the
    template itself reaches there (``top_self_score``), so it adapts to each model.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._io import read_json_file, require, require_array, write_json_file
from ..core.checks import check_choice, check_finite
from ..core.pose import Pose2D
from ..errors import FileFormatError, InputError, ModelError
from ..image.io import as_gray, load_image
from ..image.pyramid import (base_to_level, block_pyramid, gaussian_gradients, level_to_base,
                             sample_bicubic_exact, sample_bilinear,
                             sample_bilinear_exact)

__all__ = ["ShapeModel", "Match", "MODEL_FORMAT", "MODEL_VERSION"]

MODEL_FORMAT = "metrology.shape_model"
MODEL_VERSION = 1
POLARITIES = ("use", "ignore_global", "ignore_local")

_SIGMA = 1.0            # Gaussian smoothing of the gradients, px of each level
_PROFILE_STEP = 0.5     # sample spacing along a normal when locating a subpixel edge, px
_TOP_MOVE_PX = 2.0      # angle/scale step at the top level: farthest point moves this far
_TOP_SPREAD = 1.0       # blur (px) of the top-level direction field so those steps are covered
_TOP_SCALE_MOVE_PX = 1.5  # scale step at the top level: farthest point moves this far
_MAD_TO_SIGMA = 1.4826  # median absolute deviation -> Gaussian sigma
_NOISE_RIDGE_K = 5.0    # "auto" min_contrast: ridges this many gradient-noise sigmas up are edges


@dataclass(frozen=True)
class Match:
    """One found instance of a shape model.

    Attributes
    ----------
    pose : Pose2D
        Maps template coordinates relative to the model origin into the image
        (``p_image = pose.apply(p_template - origin_xy)``).
    score : float
        Mean cosine (per the model's polarity) between model and image edge directions over the
        model points, in [0, 1]; reads as the visible fraction of the contour.
    fit_rms_px : float
        RMS point-to-edge distance of the refinement inliers, px (NaN when not refined).
    num_edges : int
        Model points matched to an image edge in the final refinement.
    """

    pose: Pose2D
    score: float
    fit_rms_px: float = float("nan")
    num_edges: int = 0

    def to_dict(self) -> dict:
        return {"pose": self.pose.to_dict(), "score": float(self.score),
                "fit_rms_px": None if not math.isfinite(self.fit_rms_px) else float(self.fit_rms_px),
                "num_edges": int(self.num_edges)}

    @classmethod
    def from_dict(cls, d: dict) -> "Match":
        rms = d.get("fit_rms_px")
        return cls(Pose2D.from_dict(d["pose"]), float(d["score"]),
                   float("nan") if rms is None else float(rms), int(d.get("num_edges", 0)))


@dataclass(frozen=True)
class _Level:
    points: np.ndarray      # (N, 2) level-0 px relative to the origin
    dirs: np.ndarray        # (N, 2) unit gradient directions
    refine: np.ndarray      # (N,) bool: straight-enough contour, used by the refinement


# ------------------------------------------------------------------------------------------
# edge extraction (shared by the model and the refinement so both see the same estimator)
def _log_parabola(vm: np.ndarray, v0: np.ndarray, vp: np.ndarray) -> np.ndarray:
    """Peak offset (in samples) of a Gaussian through three positive samples."""
    lm, l0, lp = (np.log(np.maximum(v, 1e-12)) for v in (vm, v0, vp))
    den = lm - 2.0 * l0 + lp
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < -1e-12, 0.5 * (lm - lp) / den, 0.0)
    return np.clip(off, -1.0, 1.0)


def _edge_offsets(grad: np.ndarray, pts: np.ndarray, normals: np.ndarray, half_px: float,
                  signed: bool, min_value: float,
                  fine_iters: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subpixel edge position along each normal within ``+-half_px`` of each point.

    A coarse profile (bilinear samples every 0.5 px) finds the peak of the directional
    derivative; then two re-centred 3-sample bicubic profiles (at -0.5, 0, +0.5 px around the
    current estimate) refine it with a log-parabola (Gaussian) fit.  Centring the final fit on
    the peak makes the estimator the same wherever the edge lies on the pixel grid, so template
    and image edges are located alike.

    Parameters
    ----------
    grad : ndarray (H, W, 2) float32
        Image gradient (gx, gy).
    pts, normals : ndarray (N, 2)
    signed : bool
        True: look for a maximum of ``g . n`` (same polarity); False: of ``|g . n|``.

    Returns
    -------
    offset : (N,) float64, distance along the normal to the edge, px
    ok : (N,) bool, a peak above ``min_value`` strictly inside the window
    value : (N,) float64, the directional derivative at the peak
    """
    k = int(round(half_px / _PROFILE_STEP))
    offs = np.arange(-k, k + 1) * _PROFILE_STEP                                  # (S,)
    pos = pts[:, None, :] + offs[None, :, None] * normals[:, None, :]           # (N, S, 2)
    g = sample_bilinear(grad, pos)                                              # (N, S, 2)
    v = g[..., 0] * normals[:, None, 0] + g[..., 1] * normals[:, None, 1]
    if not signed:
        v = np.abs(v)
    i = np.argmax(v[:, 1:-1], axis=1) + 1
    rows = np.arange(len(pts))
    v0, vm, vp = v[rows, i], v[rows, i - 1], v[rows, i + 1]
    ok = (v0 >= min_value) & (v0 >= vm) & (v0 >= vp)
    e = offs[i] + _log_parabola(vm, v0, vp) * _PROFILE_STEP
    h3 = np.array([-_PROFILE_STEP, 0.0, _PROFILE_STEP])
    for _ in range(fine_iters):
        pos = pts[:, None, :] + (e[:, None, None] + h3[None, :, None]) * normals[:, None, :]
        g = sample_bicubic_exact(grad, pos)
        v = g[..., 0] * normals[:, None, 0] + g[..., 1] * normals[:, None, 1]
        if not signed:
            v = np.abs(v)
        ok &= (v[:, 1] >= v[:, 0]) | (v[:, 1] >= v[:, 2])
        e = e + _log_parabola(v[:, 0], v[:, 1], v[:, 2]) * _PROFILE_STEP
    ok &= np.abs(e) <= half_px
    return e, ok, v[:, 1]


def _ridge_points(gx: np.ndarray, gy: np.ndarray, valid: np.ndarray,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixels whose gradient magnitude is a maximum along the gradient direction (thin edges).

    Returns ``(xy (N, 2), magnitude (N,))``.
    """
    mag = np.hypot(gx, gy)
    cand = valid & (mag > threshold)
    ys, xs = np.nonzero(cand)
    if len(xs) == 0:
        return np.zeros((0, 2)), np.zeros(0)
    m = mag[ys, xs]
    d = np.stack([gx[ys, xs], gy[ys, xs]], 1) / m[:, None]
    p = np.stack([xs, ys], 1).astype(np.float64)
    mp = sample_bilinear_exact(mag, p + d)
    mm = sample_bilinear_exact(mag, p - d)
    keep = (m >= mp) & (m > mm)
    return p[keep], m[keep]


def _thin_even(xy: np.ndarray, strength: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of a subset with about one point per ``spacing`` x ``spacing`` cell (strongest)."""
    if spacing <= 1.0 or len(xy) == 0:
        return np.arange(len(xy))
    cell = np.floor(xy / spacing).astype(np.int64)
    key = cell[:, 0] * 1_000_003 + cell[:, 1]
    order = np.lexsort((-strength, key))
    first = np.ones(len(order), bool)
    first[1:] = key[order][1:] != key[order][:-1]
    return np.sort(order[first])


def _coherence(gx: np.ndarray, gy: np.ndarray, sigma: float) -> np.ndarray:
    """Orientation coherence of the structure tensor (1 on straight edges, lower at corners)."""
    import cv2

    k = int(np.ceil(3 * sigma)) * 2 + 1
    jxx = cv2.GaussianBlur(gx * gx, (k, k), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (k, k), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (k, k), sigma)
    tr = jxx + jyy
    disc = np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2)
    return np.where(tr > 1e-9, disc / np.maximum(tr, 1e-9), 0.0)


def _value_scale(source: Any, gray: np.ndarray) -> float:
    """Gray-level unit of an image relative to 8-bit: 257 for uint16, 1/255 for float images
    in [0, 1], else 1 (so thresholds learnt on one kind of image apply to another)."""
    src = np.asarray(source)
    if src.dtype == np.uint16:
        return 257.0
    if src.dtype.kind == "f":
        return 1.0 / 255.0 if float(np.max(np.abs(gray))) <= 1.0 + 1e-6 else 1.0
    return 1.0


def _rot(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.cos(a), np.sin(a)


def _wrap180(a: float) -> float:
    return float((a + 180.0) % 360.0 - 180.0)


# ------------------------------------------------------------------------------------------
class ShapeModel:
    """A shape model of a part: edge points and directions over an image pyramid.

    Build one with :meth:`create`, search with :meth:`find`, store with :meth:`save` /
    :meth:`load`.

    Examples
    --------
    >>> from metrology.synth.parts import make_part, render_template, render_part_scene
    >>> tpl = render_template("lpart")
    >>> model = ShapeModel.create(tpl.image)
    >>> scene = render_part_scene("lpart", [Pose2D(320, 240, 30.0, 1.0)], rng=1)
    >>> m = model.find(scene.image)[0]
    >>> round(m.pose.x), round(m.pose.y), round(m.pose.angle_deg)
    (320, 240, 30)
    """

    def __init__(self, levels: Sequence[_Level], *, template_shape: tuple[int, int],
                 origin_xy: tuple[float, float], angle_range_deg: tuple[float, float],
                 scale_range: tuple[float, float], polarity: str, min_contrast: float,
                 value_scale: float, info: dict | None = None) -> None:
        self._levels = list(levels)
        self.template_shape = (int(template_shape[0]), int(template_shape[1]))
        self.origin_xy = (float(origin_xy[0]), float(origin_xy[1]))
        self.angle_range_deg = (float(angle_range_deg[0]), float(angle_range_deg[1]))
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.polarity = polarity
        self.min_contrast = float(min_contrast)
        self.value_scale = float(value_scale)
        self.info = dict(info or {})
        r0 = float(np.max(np.hypot(*self._levels[0].points.T)))
        self.radius_px = max(r0, 1.0)
        self._hull = self._make_hull()
        self._track_idx = []
        for lvl in self._levels:  # an evenly spread subset (<= 160 points) for the tracking
            sp, keep = 1.0, np.arange(len(lvl.points))
            while len(keep) > 160:
                sp *= 1.2
                keep = _thin_even(lvl.points, np.zeros(len(lvl.points)), sp)
            self._track_idx.append(keep)
        self._bank_cache: dict = {}
        self.last_search: dict = {}  # diagnostics of the last find(): candidates, timings (ms)
        self.top_self_score = list((info or {}).get("top_self_score", [0.6] * len(self._levels)))

    # -- creation -----------------------------------------------------------------------------
    @classmethod
    def create(cls, template: Any, mask: Any = None, origin_xy: Sequence[float] | None = None,
               angle_range_deg: Sequence[float] = (-180.0, 180.0),
               scale_range: Sequence[float] = (1.0, 1.0), num_levels: int | str = "auto",
               min_contrast: float | str = "auto", polarity: str = "use",
               max_points: int = 800) -> "ShapeModel":
        """Build a model from a template image.

        Parameters
        ----------
        template : ndarray (h, w) or (h, w, 3), uint8/uint16/float32/float64, or a path
            Image of the part on a plain background.
        mask : ndarray (h, w) bool, optional
            Region of the template whose edges belong to the model (default: all of it).
        origin_xy : (x, y), optional
            Template point that found poses refer to (default: the centre
            ``((w - 1) / 2, (h - 1) / 2)``).
        angle_range_deg : (start, stop)
            Rotations to search, degrees; a span of 360 or more searches the full circle.
        scale_range : (min, max)
            Scales to search (1, 1 = fixed scale).
        num_levels : int or "auto"
            Pyramid levels; "auto" goes up while the model keeps at least ~24 points and a radius
            of at least 7 px at the top.
        min_contrast : float or "auto"
            Minimum gradient magnitude (gray levels per pixel after Gaussian smoothing with sigma
            1 px) of a model edge; also the magnitude at which an image edge counts fully.  "auto"
            takes a fifth of the typical edge strength of the template, and at least 5 times the
            template's gradient noise (robust estimate), so a noisy template's noise maxima
            neither lower the typical strength nor enter the model.
        polarity : {"use", "ignore_global", "ignore_local"}
        max_points : int
            Cap on model points per level (evenly thinned above it).

        Raises
        ------
        ModelError
            Flat or featureless template, or a mask with no edges.
        InputError
            Bad arguments (NaN, wrong dtype, empty image, bad ranges).
        """
        t0 = time.perf_counter()
        template = load_image(template, "template")
        img = as_gray(template, "template")
        h, w = img.shape
        if h < 8 or w < 8:
            raise InputError(f"template: expected at least 8 x 8 pixels, given {w} x {h}")
        polarity = check_choice(polarity, "polarity", POLARITIES)
        value_scale = _value_scale(template, img)
        a0, a1 = (check_finite(v, "angle_range_deg") for v in angle_range_deg)
        if a1 < a0:
            raise InputError(f"angle_range_deg: expected (start, stop) with stop >= start, "
                             f"given {tuple(angle_range_deg)}")
        s0, s1 = (check_finite(v, "scale_range") for v in scale_range)
        if not (0 < s0 <= s1) or s1 / s0 > 4:
            raise InputError(f"scale_range: expected 0 < min <= max <= 4 * min, given "
                             f"{tuple(scale_range)}")
        if origin_xy is None:
            origin = ((w - 1) / 2.0, (h - 1) / 2.0)
        else:
            o = np.asarray(origin_xy, dtype=np.float64)
            if o.shape != (2,) or not np.all(np.isfinite(o)):
                raise InputError(f"origin_xy: expected finite (x, y), given {origin_xy}")
            origin = (float(o[0]), float(o[1]))
        if mask is None:
            valid0 = np.ones((h, w), np.float32)
        else:
            m = np.asarray(mask)
            if m.shape != (h, w):
                raise InputError(f"mask: expected shape {(h, w)} like the template, given {m.shape}")
            valid0 = (m > 0).astype(np.float32)
            if not valid0.any():
                raise ModelError("mask is empty: no template pixel is selected")
        floor = 2.0 * value_scale  # gradients below 2 gray levels/px are noise on 8-bit data
        gx0, gy0 = gaussian_gradients(img, _SIGMA)
        mag0 = np.hypot(gx0, gy0)
        inner = np.zeros((h, w), bool)
        inner[3:-3, 3:-3] = True
        ridge_xy, ridge_m = _ridge_points(gx0, gy0, inner & (valid0 > 0.5), floor)
        if len(ridge_m) < 8:
            raise ModelError(f"template has no usable edges: the largest gradient is "
                             f"{float(mag0[inner].max()) if inner.any() else 0.0:.2f} gray "
                             f"levels/px (need clearly more than {floor:.1f}); the template is "
                             f"flat or featureless")
        if min_contrast == "auto":
            # On a noisy template most ridge points above the fixed floor are noise maxima
            # (noise 6 gray levels: thousands of them), so their percentile fell to noise level,
            # the threshold to the floor, and the model took noise points with random
            # directions (no match found at all).  Measure the gradient noise (MAD of the
            # components over the mostly flat template: 0.16 x the image noise at sigma 1) and
            # count only ridges above 5 x it (noise-only ridges there: < 1 per 1e5 px).
            sel = inner & (valid0 > 0.5)
            g = np.concatenate([gx0[sel], gy0[sel]])
            noise_g = _MAD_TO_SIGMA * float(np.median(np.abs(g))) if g.size else 0.0
            strong = ridge_m[ridge_m > _NOISE_RIDGE_K * noise_g]
            typical = float(np.percentile(strong if len(strong) >= 8 else ridge_m, 75))
            contrast = max(floor, _NOISE_RIDGE_K * noise_g, 0.2 * typical)
        else:
            contrast = check_finite(min_contrast, "min_contrast")
            if contrast <= 0:
                raise InputError(f"min_contrast: expected > 0 or 'auto', given {min_contrast}")
        max_lv = 1
        while min(h, w) >> max_lv >= 12 and max_lv < 7:
            max_lv += 1
        pyr = block_pyramid(img, max_lv)
        vpyr = block_pyramid(valid0, max_lv)
        levels: list[_Level] = []
        for lv in range(max_lv):
            lvl = cls._extract_level(pyr[lv], vpyr[lv], lv, contrast, origin, max_points)
            if lvl is None:
                break
            if lv > 0 and num_levels == "auto":
                r = float(np.max(np.hypot(*lvl.points.T))) / 2 ** lv
                if len(lvl.points) < 24 or r < 7.0:
                    break
            levels.append(lvl)
            if num_levels != "auto" and len(levels) >= int(num_levels):
                break
        if not levels or len(levels[0].points) < 8:
            raise ModelError(f"template has too few edge points above min_contrast={contrast:.2f} "
                             f"(found {0 if not levels else len(levels[0].points)}, need 8); lower "
                             f"min_contrast or use a template with more contour")
        if num_levels != "auto":
            nl = int(num_levels)
            if nl < 1:
                raise InputError(f"num_levels: expected >= 1 or 'auto', given {num_levels}")
            if len(levels) < nl:
                raise ModelError(f"num_levels={nl}: the template only supports {len(levels)} "
                                 f"levels with edges above min_contrast")
        model = cls(levels, template_shape=(h, w), origin_xy=origin,
                    angle_range_deg=(a0, a1), scale_range=(s0, s1), polarity=polarity,
                    min_contrast=contrast, value_scale=value_scale)
        model.top_self_score = model._self_scores(img)
        model.info["create_ms"] = (time.perf_counter() - t0) * 1e3
        return model

    @staticmethod
    def _extract_level(img: np.ndarray, valid: np.ndarray, lv: int, contrast: float,
                       origin: tuple[float, float], max_points: int) -> _Level | None:
        h, w = img.shape
        if h < 6 or w < 6:
            return None
        gx, gy = gaussian_gradients(img, _SIGMA)
        inner = np.zeros((h, w), bool)
        b = 3 if lv == 0 else 2
        inner[b:-b, b:-b] = True
        xy, m = _ridge_points(gx, gy, inner & (valid > 0.99), contrast)
        if len(xy) < 8:
            return None
        dirs = np.stack([sample_bilinear_exact(gx, xy), sample_bilinear_exact(gy, xy)], 1)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        grad = np.dstack([gx, gy])
        off, ok, _ = _edge_offsets(grad, xy, dirs, 1.5, True, contrast)
        xy = xy + np.where(ok, off, 0.0)[:, None] * dirs
        # thin to an even spacing: at least 1 px, more when there are too many points
        spacing = 1.0
        idx = np.arange(len(xy))
        while len(idx) > max_points:
            spacing *= 1.25
            idx = _thin_even(xy, m, spacing)
        xy, m, dirs = xy[idx], m[idx], dirs[idx]
        g2 = np.stack([sample_bilinear_exact(gx, xy), sample_bilinear_exact(gy, xy)], 1)
        nrm = np.linalg.norm(g2, axis=1, keepdims=True)
        dirs = np.where(nrm > 0, g2 / np.maximum(nrm, 1e-12), dirs)
        coh = sample_bilinear_exact(_coherence(gx, gy, 2.0), xy)
        refine = coh > 0.85
        if lv == 0 and refine.sum() > 400:  # the refinement uses at most ~400 spread points
            sub = np.flatnonzero(refine)
            sp = 1.0
            keep = np.arange(len(sub))
            while len(keep) > 400:
                sp *= 1.2
                keep = _thin_even(xy[sub], m[sub], sp)
            refine = np.zeros(len(xy), bool)
            refine[sub[keep]] = True
        pts0 = level_to_base(xy, lv) - np.asarray(origin)
        return _Level(pts0, dirs, refine)

    def _make_hull(self) -> np.ndarray:
        import cv2

        p = self._levels[0].points.astype(np.float32)
        hull = cv2.convexHull(p)
        hull = cv2.approxPolyDP(hull, 0.5, True)  # a few dozen vertices: overlaps stay cheap
        return hull.reshape(-1, 2).astype(np.float64)

    # -- properties ---------------------------------------------------------------------------
    @property
    def num_levels(self) -> int:
        """Pyramid levels of the model."""
        return len(self._levels)

    @property
    def points_xy(self) -> np.ndarray:
        """Level-0 model points relative to the origin, shape (N, 2)."""
        return self._levels[0].points.copy()

    @property
    def directions(self) -> np.ndarray:
        """Unit gradient directions of the level-0 model points, shape (N, 2)."""
        return self._levels[0].dirs.copy()

    def level_points(self, level: int) -> np.ndarray:
        """Model points of pyramid ``level`` (level-0 px relative to the origin), (N, 2)."""
        return self._levels[level].points.copy()

    def contour_xy(self, pose: Pose2D) -> np.ndarray:
        """Level-0 model points placed by ``pose`` into the image, (N, 2)."""
        return pose.apply(self._levels[0].points)

    def _steps(self, lv: int) -> tuple[float, float]:
        """Angle step (rad) and scale step at ``level``: the farthest point moves 1 px there."""
        r = self.radius_px / 2 ** lv
        return 1.0 / r, 1.0 / r

    def to_dict(self) -> dict:
        """Summary of the model (not the arrays), JSON-ready."""
        return {"template_shape": list(self.template_shape), "origin_xy": list(self.origin_xy),
                "angle_range_deg": list(self.angle_range_deg),
                "scale_range": list(self.scale_range), "polarity": self.polarity,
                "min_contrast": self.min_contrast, "num_levels": self.num_levels,
                "points_per_level": [len(l.points) for l in self._levels],
                "radius_px": self.radius_px}

    def __repr__(self) -> str:
        return (f"ShapeModel(levels={self.num_levels}, points={[len(l.points) for l in self._levels]}, "
                f"angles={self.angle_range_deg}, scales={self.scale_range}, "
                f"polarity={self.polarity!r})")

    # -- search ---------------------------------------------------------------------------------
    def _fields(self, img: np.ndarray, nlev: int, skip0: bool = False) -> tuple[list, list]:
        """Per level: gradient (H, W, 2) (level 0 only) and the clipped unit direction field
        (H, W, 2); with ``skip0`` level 0 is left as None (see :meth:`_level0`)."""
        import cv2

        pyr = block_pyramid(img, nlev)
        grads, units = [], []
        c = np.float32(self.min_contrast)
        for lv, im in enumerate(pyr):
            if lv == 0 and skip0:
                grads.append(None)
                units.append(None)
                continue
            gx, gy = gaussian_gradients(im, _SIGMA)
            inv = 1.0 / np.maximum(cv2.magnitude(gx, gy), c)
            grads.append(cv2.merge([gx, gy]) if lv == 0 else None)
            units.append(cv2.merge([gx * inv, gy * inv]))
        return grads, units

    def _level0(self, img: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Level-0 gradient and direction fields, computed only in the box around the
        candidates (model radius + 12 px; the 9-tap smoothing makes them exact there) and
        zero elsewhere."""
        import cv2

        h, w = img.shape
        r = self.radius_px * self.scale_range[1] * 1.05 + 12
        x0 = max(int(np.floor(cand[:, 0].min() - r)), 0)
        y0 = max(int(np.floor(cand[:, 1].min() - r)), 0)
        x1 = min(int(np.ceil(cand[:, 0].max() + r)) + 1, w)
        y1 = min(int(np.ceil(cand[:, 1].max() + r)) + 1, h)
        grad = np.zeros((h, w, 2), np.float32)
        unit = np.zeros((h, w, 2), np.float32)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return grad, unit
        gx, gy = gaussian_gradients(img[y0:y1, x0:x1], _SIGMA)
        inv = 1.0 / np.maximum(cv2.magnitude(gx, gy), np.float32(self.min_contrast))
        grad[y0:y1, x0:x1] = cv2.merge([gx, gy])
        unit[y0:y1, x0:x1] = cv2.merge([gx * inv, gy * inv])
        return grad, unit

    def _top_field(self, unit: np.ndarray) -> np.ndarray:
        """Direction field used by the exhaustive top-level search: spread by a Gaussian so the
        coarse angle/scale steps are covered, doubled angles for ``ignore_local``."""
        import cv2

        u = cv2.GaussianBlur(unit, (0, 0), _TOP_SPREAD) if _TOP_SPREAD > 0 else unit
        if self.polarity == "ignore_local":
            ux, uy = u[..., 0], u[..., 1]
            m2 = np.maximum(np.hypot(ux, uy), 1e-12)
            u = cv2.merge([(ux * ux - uy * uy) / m2, 2 * ux * uy / m2])
        return u

    def _self_scores(self, template: np.ndarray) -> list[float]:
        """Top-search score of the template itself at each level (what a perfect match reads
        after the spreading), used to scale the top-level threshold."""
        import cv2

        pad = 4 * 2 ** self.num_levels
        img = cv2.copyMakeBorder(template, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        _, units = self._fields(img, self.num_levels)
        out = []
        for lv, lvl in enumerate(self._levels):
            u = self._top_field(units[lv])
            q = base_to_level(lvl.points + np.asarray(self.origin_xy) + pad, lv)
            v = sample_bilinear_exact(u, q)
            d = lvl.dirs
            if self.polarity == "ignore_local":
                d = np.stack([d[:, 0] ** 2 - d[:, 1] ** 2, 2 * d[:, 0] * d[:, 1]], 1)
            out.append(float(np.clip(np.abs(np.sum(v * d, axis=1).mean()), 0.2, 1.0)))
        return out

    def _top_combos(self, top: int) -> tuple[np.ndarray, np.ndarray]:
        """Angles (rad) and scales of the exhaustive top-level search (flattened grid)."""
        a0, a1 = np.radians(self.angle_range_deg)
        r = self.radius_px / 2 ** top
        da = _TOP_MOVE_PX / r
        span = a1 - a0
        if span >= 2 * np.pi - 1e-9:
            n = max(4, int(np.ceil(2 * np.pi / da)))
            angles = a0 + np.arange(n) * (2 * np.pi / n)
        else:
            n = max(1, int(np.ceil(span / da)))
            angles = a0 + (np.arange(n) + 0.5) * (span / n) if span > 0 else np.array([a0])
        s0, s1 = self.scale_range
        ds = _TOP_SCALE_MOVE_PX / r
        ns = max(1, int(np.ceil((s1 - s0) / ds - 1e-9)))
        scales = s0 + (np.arange(ns) + 0.5) * ((s1 - s0) / ns) if s1 > s0 else np.array([s0])
        A, S = np.meshgrid(angles, scales, indexing="ij")
        return A.ravel(), S.ravel()

    def _bank(self, top: int, shape: tuple[int, int]) -> dict:
        """FFT of the turned top-level kernels for a padded image of ``shape`` (cached)."""
        import scipy.fft as sfft

        key = (top, shape)
        if key in self._bank_cache:
            return self._bank_cache[key]
        lvl = self._levels[top]
        A, S = self._top_combos(top)
        K = len(A)
        pts = lvl.points / 2 ** top                                     # level-top px, rel. origin
        dirs = lvl.dirs
        doubled = self.polarity == "ignore_local"
        n1, n2 = shape
        c, s = np.cos(A)[:, None], np.sin(A)[:, None]
        qx = S[:, None] * (c * pts[None, :, 0] - s * pts[None, :, 1])
        qy = S[:, None] * (s * pts[None, :, 0] + c * pts[None, :, 1])
        dx = c * dirs[None, :, 0] - s * dirs[None, :, 1]
        dy = s * dirs[None, :, 0] + c * dirs[None, :, 1]
        if doubled:
            dx, dy = dx * dx - dy * dy, 2 * dx * dy
        npts = pts.shape[0]
        x0 = np.floor(qx).astype(np.int64)
        y0 = np.floor(qy).astype(np.int64)
        fx, fy = qx - x0, qy - y0
        ker = np.zeros((K, 2, n1 * n2), np.float64)
        kidx = np.repeat(np.arange(K), npts)
        for ox, oy, wgt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                            (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            flat = ((y0 + oy) % n1) * n2 + ((x0 + ox) % n2)
            for ch, dv in ((0, dx), (1, dy)):
                np.add.at(ker[:, ch], (kidx, flat.ravel()), (wgt * dv / npts).ravel())
        ker = ker.reshape(K, 2, n1, n2).astype(np.float32)
        spec = np.conj(sfft.rfft2(ker))
        a0, a1 = self.angle_range_deg
        full = a1 - a0 >= 360.0 - 1e-9
        ns = len(np.unique(S))
        bank = {"spec": spec, "angles": A, "scales": S, "shape": (K // ns, ns), "full": full}
        if len(self._bank_cache) > 3:
            self._bank_cache.pop(next(iter(self._bank_cache)))
        self._bank_cache[key] = bank
        return bank

    def _score(self, unit: np.ndarray, lv: int, poses: np.ndarray, pts: np.ndarray,
               dirs: np.ndarray) -> np.ndarray:
        """Scores of poses ``(P, 4) [x, y, angle_rad, scale]`` at level ``lv`` -> (P,).

        One ``cv2.remap`` samples the direction field at all P x n turned points; the mean
        cosine is then ``(cos a * S1 + sin a * S2) / n`` with ``S1 = ux @ dx + uy @ dy`` and
        ``S2 = uy @ dx - ux @ dy`` (matrix products over the points).
        """
        import cv2

        f = float(2 ** lv)
        off = (f - 1.0) / 2.0
        c = np.cos(poses[:, 2])
        s = np.sin(poses[:, 2])
        A = (poses[:, 3] * c / f).astype(np.float32)[:, None]
        B = (poses[:, 3] * s / f).astype(np.float32)[:, None]
        px = pts[:, 0].astype(np.float32)[None]
        py = pts[:, 1].astype(np.float32)[None]
        tx = ((poses[:, 0] - off) / f).astype(np.float32)[:, None]
        ty = ((poses[:, 1] - off) / f).astype(np.float32)[:, None]
        mapx = A * px - B * py + tx
        mapy = B * px + A * py + ty
        n = pts.shape[0]
        P = poses.shape[0]
        out = np.empty((P, n, 2), np.float32)
        for r0 in range(0, P, 30000):  # cv2.remap maps are limited to SHRT_MAX rows
            out[r0:r0 + 30000] = cv2.remap(unit, mapx[r0:r0 + 30000], mapy[r0:r0 + 30000],
                                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                           borderValue=0)
        ux, uy = out[..., 0], out[..., 1]
        dx = dirs[:, 0].astype(np.float32)
        dy = dirs[:, 1].astype(np.float32)
        if self.polarity == "ignore_local":
            cos = c[:, None] * (ux * dx + uy * dy) + s[:, None] * (uy * dx - ux * dy)
            return np.abs(cos).mean(axis=1)
        s1 = ux @ dx + uy @ dy
        s2 = uy @ dx - ux @ dy
        mean = (c * s1 + s * s2) / n
        if self.polarity == "use":
            return np.maximum(mean, 0.0)
        return np.abs(mean)

    def find(self, image: Any, min_score: float = 0.7, max_matches: int | None = 1,
             max_overlap: float = 0.5, greediness: float = 0.8,
             roi: Sequence[float] | None = None, refine: bool = True) -> list[Match]:
        """Find instances of the model in ``image``.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3), or a path
        min_score : float in (0, 1]
            Lowest score of a returned match (the visible fraction of the contour).
        max_matches : int or None
            Most matches returned, best first (None or 0: all above ``min_score``).
        max_overlap : float in [0, 1]
            Two matches whose turned model hulls overlap by more than this fraction (of the
            smaller hull) are duplicates: only the better one is kept.
        greediness : float in [0, 1]
            Speed vs safety of the pyramid search: higher prunes candidates harder at the upper
            levels.  A top-level candidate must reach ``min_score * (0.55 + 0.3 g)`` times the
            score the template itself reaches there, an intermediate-level one
            ``min_score * (0.6 + 0.3 g)`` (g = 0.8: 79 % and 84 %).
        roi : (x0, y0, x1, y1), optional
            Rectangle (level-0 px) that must contain the model origin of a match.
        refine : bool
            Subpixel least-squares refinement (default True).

        Returns
        -------
        list of Match
            Sorted by decreasing score; empty when the part is not found.

        Notes
        -----
        ``model.last_search`` holds diagnostics of the call: the top level and its number of
        (angle, scale) steps ``K``, the FFT size, the candidates tracked and the time spent in
        each stage (ms).  The first call for a new image size also builds the FFT kernel bank
        for that size (tens of ms, cached for later calls).
        """
        import scipy.fft as sfft
        from scipy import ndimage

        src = load_image(image, "image")
        img = as_gray(src, "image")
        vs = _value_scale(src, img)
        if vs != self.value_scale:  # bring the image to the model's gray-level unit
            img = img * np.float32(self.value_scale / vs)
        H, W = img.shape
        th, tw = self.template_shape
        if H < th or W < tw:
            raise InputError(f"image ({W} x {H}) is smaller than the model's template "
                             f"({tw} x {th}); search a larger image or build the model from a "
                             f"smaller template")
        min_score = check_finite(min_score, "min_score")
        if not 0 < min_score <= 1:
            raise InputError(f"min_score: expected a value in (0, 1], given {min_score}")
        greediness = check_finite(greediness, "greediness")
        if not 0 <= greediness <= 1:
            raise InputError(f"greediness: expected a value in [0, 1], given {greediness}")
        max_overlap = check_finite(max_overlap, "max_overlap")
        if max_matches is not None and int(max_matches) < 0:
            raise InputError(f"max_matches: expected >= 0 or None, given {max_matches}")
        limit = None if not max_matches else int(max_matches)
        if roi is not None:
            r = np.asarray(roi, dtype=np.float64)
            if r.shape != (4,) or not np.all(np.isfinite(r)) or r[2] <= r[0] or r[3] <= r[1]:
                raise InputError(f"roi: expected (x0, y0, x1, y1) with x1 > x0, y1 > y0, given {roi}")
        # top level: the model's, or lower if the image is too small for it
        top = self.num_levels - 1
        while top > 0 and (H >> top < 8 or W >> top < 8):
            top -= 1
        self.last_search = {}
        tm = [time.perf_counter()]
        grads, units = self._fields(img, top + 1, skip0=top > 0)
        tm.append(time.perf_counter())
        # ---- exhaustive top-level search by FFT correlation
        u = self._top_field(units[top])
        ht, wt = u.shape[:2]
        rad = int(np.ceil(self.radius_px * self.scale_range[1] / 2 ** top)) + 2
        n1 = sfft.next_fast_len(ht + 2 * rad, real=True)
        n2 = sfft.next_fast_len(wt + 2 * rad, real=True)
        bank = self._bank(top, (n1, n2))
        field = np.zeros((2, n1, n2), np.float32)
        field[:, :ht, :wt] = np.moveaxis(u, 2, 0)
        fspec = sfft.rfft2(field)
        K = len(bank["angles"])
        vol = np.empty((K, ht, wt), np.float32)
        chunk = max(1, int(4_000_000 // (n1 * n2)))
        for k0 in range(0, K, chunk):  # chunks bound memory; each is one batched FFT
            prod = bank["spec"][k0:k0 + chunk, 0] * fspec[0] + bank["spec"][k0:k0 + chunk, 1] * fspec[1]
            vol[k0:k0 + chunk] = sfft.irfft2(prod, s=(n1, n2), overwrite_x=True)[:, :ht, :wt]
        if self.polarity == "ignore_global":
            np.abs(vol, out=vol)
        if roi is not None:
            lo = np.ceil(base_to_level(np.array([roi[0], roi[1]]), top)).astype(int)
            hi = np.floor(base_to_level(np.array([roi[2], roi[3]]), top)).astype(int)
            m = np.zeros((ht, wt), bool)
            m[max(lo[1], 0):max(hi[1] + 1, 0), max(lo[0], 0):max(hi[0] + 1, 0)] = True
            vol[:, ~m] = -1.0
        # candidates: at each spatial peak of the best-over-(angle, scale) map, every local
        # maximum along angle and scale -- parts with near symmetries (gears) peak at several
        # angles at one position and only the finer levels can tell them apart
        na, ns = bank["shape"]
        best = vol.max(axis=0)
        # the spread top field scores a perfect match at ``top_self_score`` (measured on the
        # template); candidates must reach a greediness-dependent fraction of that
        top_thr = min_score * self.top_self_score[top] * (0.55 + 0.3 * greediness)
        sp = (best >= top_thr) & (best >= ndimage.maximum_filter(best, size=3))
        yy, xx = np.nonzero(sp)
        if len(yy) == 0:
            return []
        n_track = 12 + 4 * (limit or 25)
        order = np.argsort(-best[yy, xx])[:n_track]
        yy, xx = yy[order], xx[order]
        prof = vol[:, yy, xx].reshape(na, ns, -1)                     # (na, ns, P)
        a_mode = "wrap" if bank["full"] else "nearest"
        pm = ndimage.maximum_filter(prof, size=(3, 3, 1), mode=(a_mode, "nearest", "nearest"))
        # local maxima along angle/scale, and every step close to the best (a near-periodic
        # contour such as a gear is sampled at about 2 steps per period: its peaks alias)
        near = best[yy, xx][None, None, :]
        ok = (prof >= top_thr) & (((prof >= pm) & (prof >= 0.7 * near)) | (prof >= 0.85 * near))
        ia, is_, ip = np.nonzero(ok)
        kk = ia * ns + is_
        sc0 = prof[ia, is_, ip]
        order = np.argsort(-sc0)[:2 * n_track]
        kk, ip = kk[order], ip[order]
        t0 = level_to_base(np.stack([xx[ip], yy[ip]], 1).astype(np.float64), top)
        cand = np.column_stack([t0, bank["angles"][kk], bank["scales"][kk]])
        tm.append(time.perf_counter())
        self.last_search = {"top_candidates": len(cand), "K": K, "fft": (n1, n2), "top": top}
        # ---- track down the pyramid
        for lv in range(top - 1, -1, -1):
            if lv == 0:
                grads[0], units[0] = self._level0(img, cand)
            lvl_thr = min_score * (0.6 + 0.3 * greediness) if lv > 0 else min_score * 0.8
            if lv == top - 1:  # the top's steps are 4 steps of this level: search +-1 top step
                cand = self._track_level(cand, units[lv], lv, wide=4)
                cand = cand[cand[:, 4] >= lvl_thr * 0.9]
                if len(cand) == 0:
                    return []
                cand = self._dedupe(cand[np.argsort(-cand[:, 4])], 2.0 ** lv)
            cand = self._track_level(cand, units[lv], lv)
            cand = cand[cand[:, 4] >= lvl_thr]
            if len(cand) == 0:
                return []
            cand = cand[np.argsort(-cand[:, 4])]
            cand = self._dedupe(cand, 2.0 ** lv)[:n_track]
        if top == 0:
            cand = self._track_level(cand, units[0], 0)
        tm.append(time.perf_counter())
        # ---- full-model score at level 0, suppress overlaps, then refine the survivors
        results = []
        lvl0 = self._levels[0]
        a_lo, a_hi = np.radians(self.angle_range_deg)
        full = a_hi - a_lo >= 2 * np.pi - 1e-9
        cand[:, 4] = self._score(units[0], 0, cand[:, :4], lvl0.points, lvl0.dirs)
        cand = cand[np.argsort(-cand[:, 4])]
        pre: list = []
        for row in cand:  # greedy suppression over a short list
            if row[4] < 0.8 * min_score:
                break
            n_over = sum(self._overlap(row, q) > max_overlap for q in pre)
            if n_over == 0 or (n_over == 1 and row[4] > 0.95 * pre[0][4] and len(pre) < 2 * (limit or 1e9)):
                pre.append(row)
        cand = np.array(pre).reshape(-1, 5)
        for row in cand:  # one candidate at a time: a few, each fully vectorised over points
            pose = row[:4].copy()
            rms, n_ok = float("nan"), 0
            if refine:
                pose, rms, n_ok = self._refine(grads[0], pose)
            if not full:
                pose[2] = np.clip(pose[2], a_lo - 1e-9, a_hi + 1e-9)
            s0, s1 = self.scale_range
            pose[3] = float(np.clip(pose[3], s0 * 0.98, s1 * 1.02))
            score = float(self._score(units[0], 0, pose[None], lvl0.points, lvl0.dirs)[0])
            if score >= min_score:
                results.append((score, pose, rms, n_ok))
        tm.append(time.perf_counter())
        self.last_search["ms"] = {k: round((b - a) * 1e3, 2) for k, a, b in
                             zip(("fields", "top", "track", "refine"), tm[:-1], tm[1:])}
        self.last_search["refined"] = len(cand)
        results.sort(key=lambda r: -r[0])
        kept: list = []
        for score, pose, rms, n_ok in results:
            if roi is not None and not (roi[0] <= pose[0] <= roi[2] and roi[1] <= pose[1] <= roi[3]):
                continue
            if any(self._overlap(pose, k[1]) > max_overlap for k in kept):
                continue
            kept.append((score, pose, rms, n_ok))
            if limit and len(kept) >= limit:
                break
        return [Match(Pose2D(float(p[0]), float(p[1]), _wrap180(math.degrees(p[2])), float(p[3])),
                      float(min(1.0, s)), float(rms), int(n)) for s, p, rms, n in kept]

    def _track_level(self, cand: np.ndarray, unit: np.ndarray, lv: int, wide: int = 1) -> np.ndarray:
        """Best pose near each candidate: 3x3 positions x (2 wide + 1) angles, then 3 scales.

        ``cand`` is (C, >=4) ``[x, y, angle_rad, scale, ...]``; returns (C, 5) with the score.
        """
        lvl = self._levels[lv]
        idx = self._track_idx[lv]
        pts, dirs = lvl.points[idx], lvl.dirs[idx]
        da, ds = self._steps(lv)
        step = 2.0 ** lv
        o = np.array([-1.0, 0.0, 1.0])
        oa = np.arange(-wide, wide + 1, dtype=np.float64)
        DX, DY, DA = np.meshgrid(o * step, o * step, oa * da, indexing="ij")
        grid = np.stack([DX.ravel(), DY.ravel(), DA.ravel(), np.zeros(DX.size)], 1)   # (27, 4)
        C = len(cand)
        rows = np.arange(C)
        poses = cand[:, None, :4] + grid[None]
        sc = self._score(unit, lv, poses.reshape(-1, 4), pts, dirs).reshape(C, -1)
        b = np.argmax(sc, axis=1)
        best, bsc = poses[rows, b], sc[rows, b]
        if self.scale_range[1] > self.scale_range[0]:
            g2 = np.zeros((3, 4))
            g2[:, 3] = o * ds
            poses = best[:, None, :] + g2[None]
            sc = self._score(unit, lv, poses.reshape(-1, 4), pts, dirs).reshape(C, -1)
            b = np.argmax(sc, axis=1)
            best, bsc = poses[rows, b], sc[rows, b]
        return np.column_stack([best, bsc])

    @staticmethod
    def _dedupe(cand: np.ndarray, tol: float) -> np.ndarray:
        """Drop candidates (sorted by score) within ``tol`` px and 0.05 rad of a better one."""
        keep = []
        for i in range(len(cand)):  # candidate lists are short (tens)
            ok = True
            for j in keep:
                if (abs(cand[i, 0] - cand[j, 0]) <= tol and abs(cand[i, 1] - cand[j, 1]) <= tol
                        and abs(math.remainder(cand[i, 2] - cand[j, 2], 2 * math.pi)) < 0.05):
                    ok = False
                    break
            if ok:
                keep.append(i)
        return cand[keep]

    def _overlap(self, p: np.ndarray, q: np.ndarray) -> float:
        """Overlap of the model hulls at poses p and q, as a fraction of the smaller."""
        import cv2

        def place(v):
            c, s = math.cos(v[2]), math.sin(v[2])
            R = v[3] * np.array([[c, -s], [s, c]])
            return (self._hull @ R.T + v[:2]).astype(np.float32)
        a, b = place(p), place(q)
        if np.hypot(*(p[:2] - q[:2])) > self.radius_px * (p[3] + q[3]):
            return 0.0
        inter, _ = cv2.intersectConvexConvex(a, b)
        area = min(cv2.contourArea(a), cv2.contourArea(b))
        return float(inter / area) if area > 0 else 0.0

    def _refine(self, grad: np.ndarray, pose: np.ndarray) -> tuple[np.ndarray, float, int]:
        """Gauss-Newton over (x, y, angle, scale) of point-to-line distances to image edges."""
        lvl = self._levels[0]
        sel = lvl.refine if lvl.refine.sum() >= 12 else np.ones(len(lvl.points), bool)
        P, D = lvl.points[sel], lvl.dirs[sel]
        pose = pose.astype(np.float64).copy()
        rms, n_ok = float("nan"), 0
        half = 3.0
        for it in range(6):
            c, s = math.cos(pose[2]), math.sin(pose[2])
            R = np.array([[c, -s], [s, c]])
            rel = pose[3] * P @ R.T                          # (n, 2) = q - t
            q = rel + pose[:2]
            m = D @ R.T
            sign = 1.0
            if self.polarity == "ignore_global":
                gq = sample_bilinear_exact(grad, q)
                sign = 1.0 if np.sum(gq * m) >= 0 else -1.0
            e, ok, val = _edge_offsets(grad, q, m * sign, half, self.polarity != "ignore_local",
                                       0.5 * self.min_contrast, fine_iters=1)
            e = e * sign  # offsets along m, whichever way the contrast goes
            if ok.sum() < 6:
                break
            r = e[ok]
            mad = 1.4826 * np.median(np.abs(r - np.median(r)))
            # wide first (the pose may be a level-0 step off, far points move ~1-3 px), then
            # tighter; the Tukey cut never goes below 0.2 px (several noise sigmas of an edge)
            cut = max(4.0 * mad, (2.5, 1.0, 0.5)[it] if it < 3 else 0.2)
            wgt = np.where(np.abs(r) < cut, (1 - (r / cut) ** 2) ** 2, 0.0)   # Tukey
            mm = m[ok]
            rr = rel[ok]
            J = np.column_stack([mm[:, 0], mm[:, 1],
                                 mm[:, 0] * -rr[:, 1] + mm[:, 1] * rr[:, 0],
                                 (mm * rr).sum(1) / pose[3]])
            if self.scale_range[1] == self.scale_range[0]:
                J = J[:, :3]
            A = J.T @ (J * wgt[:, None])
            bvec = J.T @ (wgt * r)
            try:
                delta = np.linalg.solve(A, bvec)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(delta)):
                break
            pose[:len(delta)] += delta
            inl = wgt > 0
            n_ok = int(inl.sum())
            rms = float(np.sqrt(np.sum(wgt * r ** 2) / max(wgt.sum(), 1e-12)))
            half = 2.0 if it == 0 else 1.5
            move = np.abs(delta[:2]).max() + abs(delta[2]) * self.radius_px * pose[3]
            if len(delta) > 3:
                move += abs(delta[3]) * self.radius_px
            if move < 2e-3 and it >= 1:  # farthest model point moved < 0.002 px: converged
                break
        return pose, rms, n_ok

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the model as versioned JSON (arrays as lists), atomically."""
        payload = {
            "template_shape": list(self.template_shape), "origin_xy": list(self.origin_xy),
            "angle_range_deg": list(self.angle_range_deg), "scale_range": list(self.scale_range),
            "polarity": self.polarity, "min_contrast": self.min_contrast,
            "value_scale": self.value_scale, "top_self_score": list(self.top_self_score),
            "levels": [{"points": l.points.round(6), "dirs": l.dirs.round(8),
                        "refine": l.refine.astype(int)} for l in self._levels],
        }
        return write_json_file(path, payload, fmt=MODEL_FORMAT, version=MODEL_VERSION)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ShapeModel":
        """Read a model written by :meth:`save`; a corrupt file raises ``FileFormatError``."""
        doc = read_json_file(path, fmt=MODEL_FORMAT, versions=[MODEL_VERSION])
        where = str(path)
        shape = require_array(doc, "template_shape", where, (2,))
        origin = require_array(doc, "origin_xy", where, (2,))
        arange = require_array(doc, "angle_range_deg", where, (2,))
        srange = require_array(doc, "scale_range", where, (2,))
        pol = require(doc, "polarity", str, where)
        if pol not in POLARITIES:
            raise FileFormatError(f"{where}: field 'polarity': expected one of {POLARITIES}, "
                                  f"given {pol!r}")
        contrast = float(require(doc, "min_contrast", (int, float), where))
        vscale = float(require(doc, "value_scale", (int, float), where))
        lv_docs = require(doc, "levels", list, where)
        if not lv_docs:
            raise FileFormatError(f"{where}: field 'levels' is empty")
        levels = []
        for i, ld in enumerate(lv_docs):
            w = f"{where}: levels[{i}]"
            pts = require_array(ld, "points", w, (None, 2))
            dirs = require_array(ld, "dirs", w, (len(pts), 2))
            ref = require_array(ld, "refine", w, (len(pts),))
            if len(pts) < 3:
                raise FileFormatError(f"{w}: too few points ({len(pts)})")
            nrm = np.linalg.norm(dirs, axis=1)
            if np.any(np.abs(nrm - 1) > 1e-3):
                raise FileFormatError(f"{w}: field 'dirs' must hold unit vectors")
            levels.append(_Level(pts, dirs / nrm[:, None], ref > 0.5))
        selfs = require_array(doc, "top_self_score", where, (len(levels),))
        if np.any(selfs <= 0) or np.any(selfs > 1):
            raise FileFormatError(f"{where}: field 'top_self_score' must lie in (0, 1]")
        if contrast <= 0 or vscale <= 0 or srange[0] <= 0 or srange[1] < srange[0] \
                or arange[1] < arange[0] or np.any(shape < 1):
            raise FileFormatError(f"{where}: inconsistent ranges or sizes in the model file")
        return cls(levels, template_shape=(int(shape[0]), int(shape[1])),
                   origin_xy=tuple(origin), angle_range_deg=tuple(arange),
                   scale_range=tuple(srange), polarity=pol, min_contrast=contrast,
                   value_scale=vscale, info={"loaded_from": str(path),
                                             "top_self_score": selfs.tolist()})
