"""Shape-based matching: find a part by the directions of its edges, at any angle and scale.

Model
    Edge points of the template (non-maximum suppressed, located to subpixel by a log-parabola
    fit of the directional derivative along the gradient, thinned to an even spacing) and their
    unit gradient directions, for each level of a 2x2-block pyramid (:mod:`.build`).  Points are
    stored in level-0 pixels relative to the model origin.

Score
    For a pose ``T`` the score is the mean over model points of the cosine between the model
    direction (turned by ``T``) and the image gradient direction at the transformed point, each
    image vector being ``g / max(|g|, min_contrast)`` so that flat or noisy regions count as
    missing edges rather than random directions.  ``polarity="use"`` keeps the sign (a dark-on-
    light part does not match a light-on-dark one), ``"ignore_global"`` takes the absolute value
    of the mean (contrast reversed as a whole), ``"ignore_local"`` the mean of absolute values.
    A score reads as the visible fraction of the contour.

Search (:mod:`.search`, a pipeline of stages)
    Exhaustive at the top pyramid level over position x angle x scale by batched FFT
    correlation (:mod:`.coarse`); candidates tracked down the pyramid (:mod:`.track`), scored
    with the full model at level 0, overlapping candidates suppressed by the overlap of the
    turned model hulls (:mod:`.select`), and the survivors refined by Gauss-Newton least
    squares of point-to-line distances between the model points and subpixel image edges found
    along the model normals (x, y, angle, scale; Tukey weights; :mod:`.refine`).

Files (:mod:`.file`)
    Versioned JSON, written atomically.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core.pose import Pose2D
from ..core.checks import as_vector, check_choice, check_int, check_positive
from ..errors import InputError, MatchNotFoundError, ShapeError
from ..image.pyramid import MAX_LEVEL
from ..image.io import as_gray, load_image
from .build import (COARSE_POINTS, POLARITIES, Level, build_levels, check_create_args, make_hull, model_contrast,
                    self_scores, tracking_subsets)
from .coarse import BankCache, KernelBank, angle_factor, build_bank, top_steps
from .fields import value_scale as _value_scale
from .file import read_model, write_model
from .result import Match, Matches
from .search import check_query, run

__all__ = ["ShapeModel"]

MIN_POINTS, MAX_POINTS = 8, 10_000  # model points per level (create's max_points)
MAX_BANK_BYTES = 2 ** 30  # FFT kernel bank of one image size


def _check_levels(levels: Any) -> tuple[Level, ...]:
    """The model's levels as a tuple, each a :class:`Level` of N >= 3 finite points with unit
    directions and a refine flag per point."""
    if isinstance(levels, (str, bytes, dict)) or not hasattr(levels, "__len__"):
        raise InputError(f"levels: expected a sequence of Level, given {type(levels).__name__}")
    levels = tuple(levels)
    if not levels or len(levels) > MAX_LEVEL:
        raise InputError(f"levels: expected 1 to {MAX_LEVEL} levels, given {len(levels)}")
    for i, lv in enumerate(levels):
        if not isinstance(lv, Level):
            raise InputError(f"levels[{i}]: expected a Level, given {type(lv).__name__}")
        pts, dirs, ref = (np.asarray(v) for v in (lv.points, lv.dirs, lv.refine))
        n = len(pts) if pts.ndim == 2 else -1
        if n < 3 or pts.shape != (n, 2) or dirs.shape != (n, 2) or ref.shape != (n,) \
                or pts.dtype.kind != "f" or dirs.dtype.kind != "f" or ref.dtype != bool:
            raise ShapeError(f"levels[{i}]: expected float points and dirs (N, 2), N >= 3, and "
                             f"bool refine (N,), given {pts.shape}, {dirs.shape}, {ref.shape}")
        if not (np.all(np.isfinite(pts)) and np.all(np.isfinite(dirs))) \
                or np.abs(pts).max() > 1e9:
            raise InputError(f"levels[{i}]: expected finite points (within +-1e9 px) and "
                             f"directions")
    return levels


def _check_self_scores(scores: Any, n: int) -> list[float]:
    if scores is None:
        return [0.6] * n
    v = as_vector(scores, "top_self_score", n)
    if not np.all((v > 0) & (v <= 1)):
        raise InputError(f"top_self_score: expected {n} values in (0, 1], given {v.tolist()}")
    return [float(x) for x in v]


class ShapeModel:
    """A shape model of a part: edge points and directions over an image pyramid.

    Build one with :meth:`create`, search with :meth:`find`, store with :meth:`save` /
    :meth:`load`.  A model is not changed by searching (it only memoises the FFT kernels of
    the top-level search per image size), so one model may serve several threads.

    Parameters
    ----------
    levels : sequence of Level
        Model points of each pyramid level (:class:`~metrology.match.build.Level`).
    template_shape : (h, w)
    origin_xy : (x, y)
        Template point that poses refer to.
    angle_range_deg, scale_range : (lo, hi)
        Search ranges.
    polarity : {"use", "ignore_global", "ignore_local"}
    min_contrast : float
        Gradient magnitude at which an edge counts fully, gray levels/px.
    value_scale : float
        Gray-level unit of the template relative to 8-bit.
    top_self_score : sequence of float, optional
        Score of the template itself in the top-level search at each level (default 0.6).
    info : dict, optional
        Free-form information (creation time, source file).

    Examples
    --------
    >>> from metrology.synth.parts import render_template, render_part_scene
    >>> tpl = render_template("lpart")
    >>> model = ShapeModel.create(tpl.image)
    >>> scene = render_part_scene("lpart", [Pose2D(320, 240, 30.0, 1.0)], rng=1)
    >>> m = model.find(scene.image)[0]
    >>> round(m.pose.x), round(m.pose.y), round(m.pose.angle_deg)
    (320, 240, 30)
    """

    def __init__(self, levels: Sequence[Level], *, template_shape: tuple[int, int],
                 origin_xy: tuple[float, float], angle_range_deg: tuple[float, float],
                 scale_range: tuple[float, float], polarity: str, min_contrast: float,
                 value_scale: float, top_self_score: Sequence[float] | None = None,
                 info: dict | None = None) -> None:
        self._levels = _check_levels(levels)
        ts = as_vector(template_shape, "template_shape")
        if not np.all((ts >= 1) & (ts <= 1e6) & (ts == np.round(ts))):
            raise InputError(f"template_shape: expected (h, w) positive integers, given "
                             f"{ts.tolist()}")
        self.template_shape = (int(ts[0]), int(ts[1]))
        o = as_vector(origin_xy, "origin_xy")
        if np.abs(o).max() > 1e9:
            raise InputError(f"origin_xy: expected a point within +-1e9 px, given {o.tolist()}")
        self.origin_xy = (float(o[0]), float(o[1]))
        a = as_vector(angle_range_deg, "angle_range_deg")
        if a[1] < a[0] or np.abs(a).max() > 1e6:
            raise InputError(f"angle_range_deg: expected (start, stop), stop >= start, given "
                             f"{a.tolist()}")
        self.angle_range_deg = (float(a[0]), float(a[1]))
        sr = as_vector(scale_range, "scale_range")
        if not (0 < sr[0] <= sr[1] <= 4 * sr[0]):
            raise InputError(f"scale_range: expected 0 < min <= max <= 4 * min, given "
                             f"{sr.tolist()}")
        self.scale_range = (float(sr[0]), float(sr[1]))
        self.polarity = check_choice(polarity, "polarity", POLARITIES)
        self.min_contrast = check_positive(min_contrast, "min_contrast", max=1e9)
        self.value_scale = check_positive(value_scale, "value_scale", max=1e9)
        if info is not None and not isinstance(info, dict):
            raise InputError(f"info: expected a dict or None, given {type(info).__name__}")
        try:  # free-form, but plain finite JSON values
            json.dumps(info, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            raise InputError("info: expected a dict of JSON values (finite numbers, strings, "
                             "lists, dicts)") from None
        self.info = dict(info or {})
        self.radius_px = max(float(np.max(np.hypot(*self._levels[0].points.T))), 1.0)
        self._hull = make_hull(self._levels[0].points)
        self._track_idx = tracking_subsets(self._levels)
        self._coarse_idx = tracking_subsets(self._levels, COARSE_POINTS)
        self._banks = BankCache()
        self.top_self_score = _check_self_scores(top_self_score, len(self._levels))

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
            Cap on model points per level (evenly thinned above it), 8 to 10000.

        Returns
        -------
        ShapeModel

        Raises
        ------
        ModelError
            Flat or featureless template, or a mask with no edges.
        InputError
            Bad arguments (NaN, wrong dtype, empty image, bad ranges).
        """
        t0 = time.perf_counter()
        max_points = check_int(max_points, "max_points", min=MIN_POINTS, max=MAX_POINTS)
        template = load_image(template, "template")
        img = as_gray(template, "template")
        args = check_create_args(img.shape, mask, origin_xy, angle_range_deg, scale_range,
                                 polarity, num_levels)
        vscale = _value_scale(template, img)
        contrast = model_contrast(img, args.valid, min_contrast, vscale)
        levels = build_levels(img, args.valid, contrast, args.origin_xy, max_points,
                              args.num_levels)
        selfs = self_scores(img, levels, args.origin_xy, args.polarity, contrast)
        model = cls(levels, template_shape=img.shape, origin_xy=args.origin_xy,
                    angle_range_deg=args.angle_range_deg, scale_range=args.scale_range,
                    polarity=args.polarity, min_contrast=contrast, value_scale=vscale,
                    top_self_score=selfs)
        model.info["create_ms"] = (time.perf_counter() - t0) * 1e3
        return model

    # -- properties ---------------------------------------------------------------------------
    @property
    def num_levels(self) -> int:
        """Pyramid levels of the model."""
        return len(self._levels)

    @property
    def levels(self) -> tuple[Level, ...]:
        """Model points of each level (:class:`~metrology.match.build.Level`; do not modify)."""
        return self._levels

    @property
    def hull(self) -> np.ndarray:
        """Simplified convex hull of the level-0 points, (M, 2), relative to the origin."""
        return self._hull

    @property
    def track_subsets(self) -> list[np.ndarray]:
        """Per level, indices of the (at most 160) points used by the pyramid tracking."""
        return self._track_idx

    @property
    def coarse_subsets(self) -> list[np.ndarray]:
        """Per level, indices of the (at most 40) points of the tracking's coarse first pass."""
        return self._coarse_idx

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
        level = check_int(level, "level", min=0, max=len(self._levels) - 1)
        return self._levels[level].points.copy()

    def contour_xy(self, pose: Pose2D) -> np.ndarray:
        """Level-0 model points placed by ``pose`` into the image, (N, 2)."""
        if not isinstance(pose, Pose2D):
            raise InputError(f"pose: expected a Pose2D, given {type(pose).__name__}")
        return pose.apply(self._levels[0].points)

    def to_dict(self) -> dict:
        """Summary of the model (not the arrays), JSON-ready."""
        return {"template_shape": list(self.template_shape), "origin_xy": list(self.origin_xy),
                "angle_range_deg": list(self.angle_range_deg),
                "scale_range": list(self.scale_range), "polarity": self.polarity,
                "min_contrast": self.min_contrast, "num_levels": self.num_levels,
                "points_per_level": [len(lv.points) for lv in self._levels],
                "radius_px": self.radius_px}

    def __repr__(self) -> str:
        return (f"ShapeModel(levels={self.num_levels}, "
                f"points={[len(lv.points) for lv in self._levels]}, "
                f"angles={self.angle_range_deg}, scales={self.scale_range}, "
                f"polarity={self.polarity!r})")

    # -- search ---------------------------------------------------------------------------------
    def kernel_bank(self, top: int, shape: tuple[int, int]) -> KernelBank:
        """FFT kernel bank of the top-level search at level ``top`` for an FFT of ``shape``
        (built on first use, then memoised; the last 4 are kept).

        ``top`` is a level of the model; ``shape`` (rows, cols) each 4 to 8192.
        """
        top = check_int(top, "top", min=0, max=len(self._levels) - 1)
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 2:
            raise InputError(f"shape: expected (rows, cols), given {shape!r:.60}")
        shape = tuple(check_int(v, "shape", min=4, max=8192) for v in shape)
        def make() -> KernelBank:
            lvl = self._levels[top]
            doubled = self.polarity == "ignore_local"
            scales = np.unique(top_steps((0.0, 0.0), self.scale_range, self.radius_px, top)[1])
            half = 0.5 * (scales[1] - scales[0]) / scales[0] if len(scales) > 1 else 0.0
            factor = angle_factor(lvl.points, lvl.dirs, top, self.radius_px, doubled, half)
            steps = top_steps(self.angle_range_deg, self.scale_range, self.radius_px, top, factor)
            nbytes = len(steps[0]) * 2 * shape[0] * (shape[1] // 2 + 1) * 8
            if nbytes > MAX_BANK_BYTES:
                raise InputError(
                    f"the top-level search of {len(steps[0])} steps on an FFT of {shape[0]} x "
                    f"{shape[1]} would need {nbytes / 2 ** 30:.1f} GiB of kernels (at most "
                    f"{MAX_BANK_BYTES / 2 ** 30:.0f}); search a smaller image or region, or build "
                    f"the model with more pyramid levels")
            full = self.angle_range_deg[1] - self.angle_range_deg[0] >= 360.0 - 1e-9
            return build_bank(lvl.points, lvl.dirs, top, steps, doubled, shape, full, factor)

        return self._banks.get((top, tuple(shape)), make)

    @property
    def kernel_banks(self) -> list[KernelBank]:
        """The memoised kernel banks (for memory accounting)."""
        return self._banks.values()

    def find(self, image: Any, min_score: float = 0.7, max_matches: int | None = 1,
             max_overlap: float = 0.5, greediness: float = 0.8,
             roi: Sequence[float] | None = None, refine: bool = True,
             workers: int = 1) -> Matches:
        """Find instances of the model in ``image``.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3), a path, or a SearchImage
            A :class:`~metrology.match.SearchImage` keeps the image pyramid and the top-level
            gradients between calls, so several models searched in one image share them.
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
            ``min_score * (0.6 + 0.3 g)`` (g = 0.8: 79 % and 84 %).  Above 0, the tracking
            scores each candidate's neighbouring poses first with 40 of the model points and
            only the ``round(2 + 5 (1 - g))`` best of them with the full tracking subset (at
            0 every neighbour gets the full subset).  With ``max_matches=1`` and g > 0, a
            tracked candidate at the position of a better one that scores ``0.02 + 0.15 (1 -
            g)`` less (0.05 at 0.8) is dropped (a near-symmetric part's other angles).
        roi : (x0, y0, x1, y1), optional
            Rectangle (level-0 px) that must contain the model origin of a match.
        refine : bool
            Subpixel least-squares refinement (default True).
        workers : int
            Threads for the top-level FFT correlation, split over the (angle, scale) steps
            (default 1: on a busy machine more threads were slower; on an idle 2-core machine 2
            take a few ms off).  The results do not depend on it.

        Returns
        -------
        Matches
            A list of :class:`~metrology.match.Match` sorted by decreasing score (empty when the
            part is not found), with ``.stats`` (:class:`~metrology.match.SearchStats`): the top
            level, its (angle, scale) steps, the FFT size, the candidates of each stage and the
            time spent in each (ms).  The first call for a new image size also builds the FFT
            kernel bank for that size (tens of ms, memoised for later calls).

        Raises
        ------
        InputError
            Bad image (empty, NaN, unsupported dtype, smaller than the template) or option.
        """
        return run(self, check_query(self, image, min_score, max_matches, max_overlap,
                                     greediness, roi, refine, workers))

    def find_one(self, image: Any, min_score: float = 0.7, max_overlap: float = 0.5,
                 greediness: float = 0.8, roi: Sequence[float] | None = None,
                 refine: bool = True, workers: int = 1) -> Match:
        """The best instance of the model in ``image``, or an error saying how close the search
        came (arguments as :meth:`find`, which this calls with ``max_matches=1``).

        Returns
        -------
        Match
            The best match (its search statistics are not kept: use :meth:`find` for them).

        Raises
        ------
        MatchNotFoundError
            No instance scores ``min_score`` or more; the message and the error's
            ``best_score`` give the best score the search saw (``SearchStats.best_score``).
        InputError
            Bad image or option, as :meth:`find`.

        Examples
        --------
        >>> from metrology.synth.parts import render_template, render_part_scene
        >>> from metrology.core.pose import Pose2D
        >>> model = ShapeModel.create(render_template("lpart").image)
        >>> scene = render_part_scene("lpart", [Pose2D(300.0, 200.0, 30.0)], rng=1)
        >>> round(model.find_one(scene.image).pose.angle_deg)
        30
        >>> model.find_one(np.full((480, 640), 128, np.uint8))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        metrology.errors.MatchNotFoundError: no match with score >= 0.7 ...
        """
        found = self.find(image, min_score, 1, max_overlap, greediness, roi, refine, workers)
        if found:
            return found[0]
        st = found.stats
        where = ("the search did not start" if st.best_level < 0 else
                 f"best score seen {st.best_score:.3f}, "
                 + ("full model at level 0" if st.best_level == 0 else
                    f"at pyramid level {st.best_level}, where the search stopped"))
        raise MatchNotFoundError(
            f"no match with score >= {float(min_score):.3g} ({where}); if the part is in the "
            f"image, lower min_score or check the model's polarity and contrast",
            best_score=st.best_score, min_score=float(min_score))

    # -- files ----------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the model as versioned JSON (arrays as lists), atomically; return the path."""
        return write_model(path, self)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ShapeModel":
        """Read a model written by :meth:`save`; a corrupt file raises ``FileFormatError``."""
        kw = read_model(path)
        return cls(kw.pop("levels"), **kw, info={"loaded_from": str(path)})
