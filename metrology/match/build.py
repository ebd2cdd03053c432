"""Model building: from a template image to edge points and directions on each pyramid level.

Stages of :meth:`ShapeModel.create <metrology.match.ShapeModel.create>`: check the arguments
(:func:`check_create_args`), choose the edge contrast (:func:`model_contrast`), extract the
levels (:func:`build_levels`, each level by :func:`extract_level`), and measure the score the
template itself reaches in the top-level search (:func:`self_scores`).

Model points are the ridge pixels of the gradient magnitude, located to subpixel by a
log-parabola fit of the directional derivative along the gradient, thinned to an even spacing,
and stored in level-0 pixels relative to the model origin.

>>> from metrology.synth.parts import render_template
>>> from metrology.image.io import as_gray
>>> img = as_gray(render_template("lpart").image)
>>> valid = np.ones(img.shape, np.float32)
>>> contrast = model_contrast(img, valid, "auto", 1.0)
>>> levels = build_levels(img, valid, contrast, (82.0, 72.0), 800, "auto")
>>> len(levels) >= 3, levels[0].points.shape[1]
(True, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..core._batch import MAD_TO_SIGMA
from ..core.checks import as_vector, check_choice, check_finite, check_int
from ..errors import InputError, ModelError
from ..image.pyramid import (_base_to_level, _block_pyramid, _gradients, _level_to_base,
                             _sample_bilinear_exact)
from ._edges import coherence, edge_offsets, ridge_points, thin_to
from .fields import SIGMA, direction_fields, top_field

__all__: list[str] = []  # a pipeline stage, internal to match/: the public API is metrology.match

POLARITIES = ("use", "ignore_global", "ignore_local")
NOISE_RIDGE_K = 5.0    # "auto" min_contrast: ridges this many gradient-noise sigmas up are edges
TRACK_POINTS = 160     # model points per level used by the pyramid tracking (evenly spread)
COARSE_POINTS = 40     # of those, the points of the tracking's first (coarse) pass
REFINE_POINTS = 400    # level-0 points used by the refinement (evenly spread)


@dataclass(frozen=True)
class Level:
    """Model points of one pyramid level.

    Attributes
    ----------
    points : ndarray (N, 2) float64
        Level-0 px relative to the model origin.
    dirs : ndarray (N, 2) float64
        Unit gradient directions.
    refine : ndarray (N,) bool
        Straight-enough contour, used by the refinement.
    """

    points: np.ndarray
    dirs: np.ndarray
    refine: np.ndarray


@dataclass(frozen=True)
class CreateArgs:
    """Checked arguments of ``ShapeModel.create`` (see there)."""

    valid: np.ndarray                       # (h, w) float32, 1 inside the mask
    origin_xy: tuple[float, float]
    angle_range_deg: tuple[float, float]
    scale_range: tuple[float, float]
    polarity: str
    num_levels: int | str


def _check_mask(mask: Any, shape: tuple[int, int]) -> np.ndarray:
    if mask is None:
        return np.ones(shape, np.float32)
    m = np.asarray(mask)
    if m.shape != shape:
        raise InputError(f"mask: expected shape {shape} like the template, given {m.shape}")
    valid = (m > 0).astype(np.float32)
    if not valid.any():
        raise ModelError("mask is empty: no template pixel is selected")
    return valid


def check_create_args(shape: tuple[int, int], mask: Any, origin_xy: Sequence[float] | None,
                      angle_range_deg: Sequence[float], scale_range: Sequence[float],
                      polarity: str, num_levels: int | str) -> CreateArgs:
    """Validate the arguments of ``ShapeModel.create`` for a template of ``shape`` (h, w).

    Raises
    ------
    InputError
        Template smaller than 8 x 8, bad ranges, origin, mask shape, polarity or level count.
    ModelError
        An empty mask.
    """
    h, w = shape
    if h < 8 or w < 8:
        raise InputError(f"template: expected at least 8 x 8 pixels, given {w} x {h}")
    polarity = check_choice(polarity, "polarity", POLARITIES)
    a0, a1 = (float(v) for v in as_vector(angle_range_deg, "angle_range_deg"))
    if a1 < a0:
        raise InputError(f"angle_range_deg: expected (start, stop) with stop >= start, "
                         f"given {tuple(angle_range_deg)}")
    s0, s1 = (float(v) for v in as_vector(scale_range, "scale_range"))
    if not (0 < s0 <= s1) or s1 / s0 > 4:
        raise InputError(f"scale_range: expected 0 < min <= max <= 4 * min, given "
                         f"{tuple(scale_range)}")
    if origin_xy is None:
        origin = ((w - 1) / 2.0, (h - 1) / 2.0)
    else:
        o = as_vector(origin_xy, "origin_xy")
        if np.abs(o).max() > 1e9:
            raise InputError(f"origin_xy: expected a point within +-1e9 px, given {o.tolist()}")
        origin = (float(o[0]), float(o[1]))
    if not (isinstance(num_levels, str) and num_levels == "auto"):
        if isinstance(num_levels, str):
            raise InputError(f"num_levels: expected an integer >= 1 or 'auto', given "
                             f"{num_levels!r:.40}")
        num_levels = check_int(num_levels, "num_levels", min=1, max=30)
    return CreateArgs(_check_mask(mask, shape), origin, (a0, a1), (s0, s1), polarity,
                      num_levels if num_levels == "auto" else int(num_levels))


def model_contrast(img: np.ndarray, valid: np.ndarray, min_contrast: float | str,
                   value_scale: float) -> float:
    """The model's ``min_contrast``: as given, or "auto" from the template's edges and noise.

    "auto" takes a fifth of the typical (75th percentile) ridge strength, and at least 5 times
    the template's gradient noise (MAD of the gradient components over the mostly flat
    template: 0.16 x the image noise at sigma 1), counting only ridges above that noise level.
    On a noisy template most ridge points above the fixed floor are noise maxima, so without
    the noise screen their percentile fell to noise level and the model took noise points.

    Parameters
    ----------
    img : ndarray (h, w) float32
    valid : ndarray (h, w) float32
        1 where the template belongs to the model.
    min_contrast : float or "auto"
    value_scale : float
        Gray-level unit of the template relative to 8-bit.

    Raises
    ------
    ModelError
        Flat or featureless template (fewer than 8 ridge points above 2 gray levels/px).
    """
    h, w = img.shape
    floor = 2.0 * value_scale  # gradients below 2 gray levels/px are noise on 8-bit data
    gx0, gy0 = _gradients(img, SIGMA)
    inner = np.zeros((h, w), bool)
    inner[3:-3, 3:-3] = True
    _, ridge_m = ridge_points(gx0, gy0, inner & (valid > 0.5), floor)
    if len(ridge_m) < 8:
        mag0 = np.hypot(gx0, gy0)
        raise ModelError(f"template has no usable edges: the largest gradient is "
                         f"{float(mag0[inner].max()) if inner.any() else 0.0:.2f} gray "
                         f"levels/px (need clearly more than {floor:.1f}); the template is "
                         f"flat or featureless")
    if min_contrast != "auto":
        contrast = check_finite(min_contrast, "min_contrast")
        if contrast <= 0:
            raise InputError(f"min_contrast: expected > 0 or 'auto', given {min_contrast}")
        return contrast
    sel = inner & (valid > 0.5)
    g = np.concatenate([gx0[sel], gy0[sel]])
    noise_g = MAD_TO_SIGMA * float(np.median(np.abs(g))) if g.size else 0.0
    strong = ridge_m[ridge_m > NOISE_RIDGE_K * noise_g]
    typical = float(np.percentile(strong if len(strong) >= 8 else ridge_m, 75))
    return max(floor, NOISE_RIDGE_K * noise_g, 0.2 * typical)


def extract_level(img: np.ndarray, valid: np.ndarray, lv: int, contrast: float,
                  origin: tuple[float, float], max_points: int) -> Level | None:
    """Edge points of one pyramid level (None when it has fewer than 8).

    Parameters
    ----------
    img, valid : ndarray (h_l, w_l) float32
        The level's template and mask.
    lv : int
        Level index (coordinates are returned in level-0 px).
    contrast : float
        Smallest gradient magnitude of a model edge.
    origin : (x, y)
        Model origin, level-0 template px.
    max_points : int
        Cap on the points (evenly thinned above it).
    """
    h, w = img.shape
    if h < 6 or w < 6:
        return None
    gx, gy = _gradients(img, SIGMA)
    inner = np.zeros((h, w), bool)
    b = 3 if lv == 0 else 2
    inner[b:-b, b:-b] = True
    xy, m = ridge_points(gx, gy, inner & (valid > 0.99), contrast)
    if len(xy) < 8:
        return None
    dirs = np.stack([_sample_bilinear_exact(gx, xy), _sample_bilinear_exact(gy, xy)], 1)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    off, ok, _ = edge_offsets(np.dstack([gx, gy]), xy, dirs, 1.5, True, contrast)
    xy = xy + np.where(ok, off, 0.0)[:, None] * dirs
    # thin to an even spacing: at least 1 px, more when there are too many points
    idx = thin_to(xy, m, max_points, 1.25)
    xy, m, dirs = xy[idx], m[idx], dirs[idx]
    g2 = np.stack([_sample_bilinear_exact(gx, xy), _sample_bilinear_exact(gy, xy)], 1)
    nrm = np.linalg.norm(g2, axis=1, keepdims=True)
    dirs = np.where(nrm > 0, g2 / np.maximum(nrm, 1e-12), dirs)
    refine = _sample_bilinear_exact(coherence(gx, gy, 2.0), xy) > 0.85
    if lv == 0 and refine.sum() > REFINE_POINTS:  # the refinement uses ~400 spread points
        sub = np.flatnonzero(refine)
        keep = thin_to(xy[sub], m[sub], REFINE_POINTS, 1.2)
        refine = np.zeros(len(xy), bool)
        refine[sub[keep]] = True
    return Level(_level_to_base(xy, lv) - np.asarray(origin), dirs, refine)


def build_levels(img: np.ndarray, valid: np.ndarray, contrast: float,
                 origin: tuple[float, float], max_points: int,
                 num_levels: int | str) -> list[Level]:
    """Model levels from the template up the pyramid.

    "auto" goes up while a level keeps at least 24 points and a radius of at least 7 px of its
    own; an integer asks for exactly that many levels.

    Raises
    ------
    ModelError
        Fewer than 8 level-0 points, or fewer levels than asked for.
    """
    h, w = img.shape
    max_lv = 1
    while min(h, w) >> max_lv >= 12 and max_lv < 7:
        max_lv += 1
    pyr = _block_pyramid(img, max_lv)
    vpyr = _block_pyramid(valid, max_lv)
    levels: list[Level] = []
    for lv in range(max_lv):
        lvl = extract_level(pyr[lv], vpyr[lv], lv, contrast, origin, max_points)
        if lvl is None:
            break
        if lv > 0 and num_levels == "auto":
            r = float(np.max(np.hypot(*lvl.points.T))) / 2 ** lv
            if len(lvl.points) < 24 or r < 7.0:
                break
        levels.append(lvl)
        if num_levels != "auto" and len(levels) >= num_levels:
            break
    if not levels or len(levels[0].points) < 8:
        raise ModelError(f"template has too few edge points above min_contrast={contrast:.2f} "
                         f"(found {0 if not levels else len(levels[0].points)}, need 8); lower "
                         f"min_contrast or use a template with more contour")
    if num_levels != "auto" and len(levels) < num_levels:
        raise ModelError(f"num_levels={num_levels}: the template only supports {len(levels)} "
                         f"levels with edges above min_contrast")
    return levels


def self_scores(template: np.ndarray, levels: Sequence[Level], origin: tuple[float, float],
                polarity: str, min_contrast: float) -> list[float]:
    """Top-search score of the template itself at each level (what a perfect match reads after
    the spreading of :func:`~metrology.match.fields.top_field`), clipped to [0.2, 1]; it scales
    the top-level threshold of the search.
    """
    import cv2

    pad = 4 * 2 ** len(levels)
    img = cv2.copyMakeBorder(template, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    units = direction_fields(img, len(levels), min_contrast)
    out = []
    for lv, lvl in enumerate(levels):
        u = top_field(units[lv], polarity)
        v = _sample_bilinear_exact(u, _base_to_level(lvl.points + np.asarray(origin) + pad, lv))
        d = lvl.dirs
        if polarity == "ignore_local":
            d = np.stack([d[:, 0] ** 2 - d[:, 1] ** 2, 2 * d[:, 0] * d[:, 1]], 1)
        out.append(float(np.clip(np.abs(np.sum(v * d, axis=1).mean()), 0.2, 1.0)))
    return out


def make_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (M, 2) of the level-0 points, simplified to 0.5 px (a few dozen vertices,
    so overlap tests stay cheap)."""
    import cv2

    hull = cv2.convexHull(points.astype(np.float32))
    hull = cv2.approxPolyDP(hull, 0.5, True)
    return hull.reshape(-1, 2).astype(np.float64)


def tracking_subsets(levels: Sequence[Level],
                     size: int = TRACK_POINTS) -> list[np.ndarray]:
    """Per level, indices of an evenly spread subset of at most ``size`` points (160: the
    tracking's; 40: its coarse first pass)."""
    return [thin_to(lvl.points, np.zeros(len(lvl.points)), size, 1.2) for lvl in levels]
