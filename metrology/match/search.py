"""``ShapeModel.find`` as a pipeline of named stages, none of which changes the model.

1. :func:`check_query` -- validate the image and the options, bring the image to the model's
   gray-level unit, choose the top level (the model's, or lower for a small image).
2. fields -- gradient and direction field of the top pyramid level
   (:class:`~metrology.match.fields.SearchImage`; the levels below are computed only around the
   candidates, while tracking).
3. :func:`search_top` -- exhaustive position x angle x scale search at the top level by FFT
   correlation (:mod:`~metrology.match.coarse`).
4. :func:`track_pyramid` -- each candidate tracked down to level 0 (:mod:`~metrology.match.track`).
5. :func:`score_and_suppress` -- full-model score at level 0, overlapping candidates suppressed
   (:mod:`~metrology.match.select`).
6. :func:`refine_and_rescore` -- subpixel refinement (:mod:`~metrology.match.refine`) and the
   final score.
7. :func:`~metrology.match.select.select` -- region, overlap and count of the returned matches.

Candidates travel between stages as :class:`~metrology.match.poses.PoseBatch`; the statistics of
the call are returned with the matches (:class:`~metrology.match.result.SearchStats`).

>>> from metrology.synth.parts import render_template, render_part_scene
>>> from metrology.core.pose import Pose2D
>>> from metrology.match import ShapeModel
>>> model = ShapeModel.create(render_template("lpart").image)
>>> scene = render_part_scene("lpart", [Pose2D(300.0, 200.0, -45.0, 1.0)], rng=2)
>>> found = run(model, check_query(model, scene.image))
>>> [round(v) for v in (found[0].pose.x, found[0].pose.y, found[0].pose.angle_deg)]
[300, 200, -45]
>>> sorted(found.stats.stage_ms)
['fields', 'refine', 'suppress', 'top', 'track']
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..core.checks import as_vector, check_bool, check_finite, check_int
from ..errors import InputError
from .coarse import correlate, fft_shape, mask_roi, top_candidates
from .fields import LevelFields, SearchImage, box_fields, level_fields, top_field
from .poses import PoseBatch
from .refine import clip_to_ranges, refine_batch
from .result import Matches, SearchStats
from .select import select, suppress
from .track import dedupe, score_poses, track_level

__all__: list[str] = []  # the pipeline, internal to match/: the public API is ShapeModel.find

MAX_WORKERS = 64        # threads of the top-level FFTs
MAX_MATCHES = 100_000   # find's max_matches


@dataclass(frozen=True)
class Query:
    """A checked search request (see ``ShapeModel.find`` for the options).

    Attributes
    ----------
    image : SearchImage
        The image, its pyramid and gradients.
    top : int
        Pyramid level of the exhaustive search.
    min_score, max_overlap, greediness : float
    limit : int or None
        Most matches returned (None: all).
    roi : (x0, y0, x1, y1) or None
    refine : bool
    workers : int
        Threads of the top-level FFTs.
    gain : float
        Factor from the image's gray levels to the model's (``model.value_scale /
        image.value_scale``).
    """

    image: SearchImage
    top: int
    min_score: float = 0.7
    limit: int | None = 1
    max_overlap: float = 0.5
    greediness: float = 0.8
    roi: tuple[float, float, float, float] | None = None
    refine: bool = True
    workers: int = 1
    gain: float = 1.0

    @property
    def keep(self) -> int | None:
        """Poses per candidate that the tracking's coarse first pass keeps at each level:
        ``round(2 + 5 (1 - greediness))`` (3 at the default 0.8); None (every pose scored
        with the full tracking subset) at greediness 0."""
        return None if self.greediness <= 0 else int(round(2 + 5 * (1 - self.greediness)))

    @property
    def rival_margin(self) -> float | None:
        """With one match wanted (``limit`` 1), a tracked candidate at the position of a better
        one but scoring ``0.02 + 0.15 (1 - greediness)`` less (0.05 at the default 0.8) is
        dropped (a near-symmetric part's other angles; see
        :func:`~metrology.match.track.dedupe`); None (kept) at greediness 0 or another
        ``limit``."""
        if self.limit != 1 or self.greediness <= 0:
            return None
        return 0.02 + 0.15 * (1.0 - self.greediness)

    @property
    def n_track(self) -> int:
        """Candidates kept per level of the tracking."""
        return 12 + 4 * (self.limit or 25)


def _unit_interval(value: Any, name: str, low_open: bool = False) -> float:
    v = check_finite(value, name)
    if not (0 < v <= 1 if low_open else 0 <= v <= 1):
        raise InputError(f"{name}: expected a value in {'(0' if low_open else '[0'}, 1], "
                         f"given {value}")
    return v


def check_query(model: Any, image: Any, min_score: float = 0.7, max_matches: int | None = 1,
                max_overlap: float = 0.5, greediness: float = 0.8,
                roi: Sequence[float] | None = None, refine: bool = True,
                workers: int = 1) -> Query:
    """Validate a search request for ``model`` (arguments as ``ShapeModel.find``).

    Raises
    ------
    InputError
        Bad image (empty, NaN, wrong dtype, smaller than the template) or option.
    """
    img = image if isinstance(image, SearchImage) else SearchImage(image)
    H, W = img.shape
    th, tw = model.template_shape
    if H < th or W < tw:
        raise InputError(f"image ({W} x {H}) is smaller than the model's template "
                         f"({tw} x {th}); search a larger image or build the model from a "
                         f"smaller template")
    min_score = _unit_interval(min_score, "min_score", low_open=True)
    greediness = _unit_interval(greediness, "greediness")
    max_overlap = _unit_interval(max_overlap, "max_overlap")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) \
            or not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"workers: expected an integer 1 to {MAX_WORKERS}, given {workers!r:.40}")
    if max_matches is not None:
        max_matches = check_int(max_matches, "max_matches", min=0, max=MAX_MATCHES)
    if roi is not None:
        r = as_vector(roi, "roi", 4)
        if r[2] <= r[0] or r[3] <= r[1]:
            raise InputError(f"roi: expected (x0, y0, x1, y1) with x1 > x0, y1 > y0, given {roi}")
        roi = (float(r[0]), float(r[1]), float(r[2]), float(r[3]))
    top = model.num_levels - 1
    while top > 0 and (H >> top < 8 or W >> top < 8):
        top -= 1
    return Query(img, top, min_score, None if not max_matches else int(max_matches),
                 max_overlap, greediness, roi, check_bool(refine, "refine"), int(workers),
                 model.value_scale / img.value_scale)


def search_top(model: Any, unit: np.ndarray, q: Query) -> tuple[PoseBatch, Any, float]:
    """Exhaustive search on the top-level direction field ``unit``; returns the candidates
    (top-level scores, best first), the kernel bank used and the best top-level score relative
    to the template's own (the best score seen when no candidate passes)."""
    u = top_field(unit, model.polarity)
    reach = int(np.ceil(model.radius_px * model.scale_range[1] / 2 ** q.top)) + 2
    shape = fft_shape(u.shape[:2], reach)
    bank = model.kernel_bank(q.top, shape)
    vol = correlate(u, bank, absolute=model.polarity == "ignore_global", workers=q.workers)
    if q.roi is not None:
        mask_roi(vol, q.roi, q.top)
    # the spread top field scores a perfect match at ``top_self_score`` (measured on the
    # template); candidates must reach a greediness-dependent fraction of that
    self_score = model.top_self_score[q.top]
    thr = q.min_score * self_score * (0.55 + 0.3 * q.greediness)
    peak = vol.max(axis=0)                      # (ht, wt): the best over the steps
    best = float(np.clip(peak.max() / self_score, 0.0, 1.0)) if peak.size else 0.0
    return top_candidates(vol, bank, q.top, thr, q.n_track, peak), bank, best


Seen = tuple[int, float]  # (pyramid level, best score) of the deepest stage any candidate reached


def _deepest(seen: Seen, level: int, cand: PoseBatch) -> Seen:
    """``seen`` updated with the best score of ``cand`` scored at ``level`` (unchanged when
    ``cand`` is empty)."""
    if len(cand) == 0:
        return seen
    best = float(np.clip(np.max(cand.score), 0.0, 1.0))
    return (level, best) if level < seen[0] else (level, max(best, seen[1]))


def track_pyramid(model: Any, q: Query, cand: PoseBatch, top_fields: LevelFields,
                  angle_factor: float = 1.0,
                  seen: Seen = (99, 0.0)) -> tuple[PoseBatch, LevelFields, Seen]:
    """Track candidates from the top level down to level 0.

    A candidate must keep ``min_score * (0.6 + 0.3 greediness)`` at the intermediate levels
    (90 % of that just below the top, where it is searched over +-1 top step of angle) and
    ``0.8 min_score`` at level 0; duplicates are merged and the best ``n_track`` kept per
    level.  The fields of each level are computed only around the surviving candidates.

    Parameters
    ----------
    top_fields : LevelFields
        Fields of the top level (used when the top is level 0).
    angle_factor : float
        The top level's angle step in units of the standard one (``KernelBank.angle_factor``):
        the search just below the top takes steps this many times its own, and the level
        below that searches this many of its steps on each side.

    Returns
    -------
    cand : PoseBatch
        Candidates at level 0 (scores with the tracking subset of points).
    fields0 : LevelFields
        Level-0 gradient and direction fields around the candidates.
    seen : (int, float)
        ``seen`` (the stage before) updated with the best score at the lowest level that any
        candidate reached, before the level's threshold.
    """
    fl = top_fields
    for lv in range(q.top - 1, -1, -1):
        if len(cand) == 0:
            break
        reach = model.radius_px * model.scale_range[1] * 1.05 / 2 ** lv + 12
        fl = box_fields(q.image, lv, cand.x, cand.y, reach, model.min_contrast, q.gain)
        thr = q.min_score * (0.6 + 0.3 * q.greediness) if lv > 0 else q.min_score * 0.8
        wide = 1
        if lv == q.top - 1:  # the top's steps are 4 f steps of this level: search +-1 top step
            # in strides of f steps (the level below then searches +-ceil(f) steps); at level 0
            # in single steps
            stride = angle_factor if lv > 0 else 1.0
            cand = track_level(model, fl, cand, wide=int(round(4 * angle_factor / stride)),
                               keep=q.keep, stride=stride)
            seen = _deepest(seen, lv, cand)
            cand = cand.at_least(thr * 0.9)
            cand = dedupe(cand.sorted(), 2.0 ** lv, q.rival_margin)
        elif lv == q.top - 2:  # what the strides above may have left: +-f steps of this level
            wide = int(np.ceil(angle_factor))
        cand = track_level(model, fl, cand, wide=wide, keep=q.keep)
        seen = _deepest(seen, lv, cand)
        cand = cand.at_least(thr).sorted()
        cand = dedupe(cand, 2.0 ** lv, q.rival_margin).take(slice(0, q.n_track))
    if q.top == 0 and len(cand):
        cand = track_level(model, fl, cand, keep=q.keep)
        seen = _deepest(seen, 0, cand)
    if fl.level != 0:  # nothing reached level 0
        empty = np.zeros((1, 1, 2), np.float32)
        fl = LevelFields(0, empty, empty)
    return cand, fl, seen


def score_and_suppress(model: Any, f0: LevelFields, cand: PoseBatch, q: Query,
                       seen: Seen = (99, 0.0)) -> tuple[PoseBatch, Seen]:
    """Score the candidates with every level-0 model point, best first, and suppress overlaps
    (:func:`~metrology.match.select.suppress`); ``seen`` updated with the best full score."""
    lvl = model.levels[0]
    cand = cand.with_score(score_poses(f0.unit, 0, cand, lvl.points, lvl.dirs, model.polarity,
                                       f0.origin))
    return (suppress(model, cand.sorted(), q.min_score, q.max_overlap, q.limit),
            _deepest(seen, 0, cand))


def refine_and_rescore(model: Any, f0: LevelFields, cand: PoseBatch,
                       q: Query) -> tuple[PoseBatch, np.ndarray, np.ndarray]:
    """Refine each candidate (when asked), clip to the model's ranges and rescore.

    Returns
    -------
    poses : PoseBatch
        Final poses and scores.
    rms_px, num_edges : ndarray (C,)
        Refinement figures (NaN and 0 without refinement).
    """
    if q.refine:
        poses, rms, n_edges = refine_batch(model, f0, cand)
    else:
        poses, rms, n_edges = cand, np.full(len(cand), np.nan), np.zeros(len(cand), np.int64)
    poses = clip_to_ranges(model, poses)
    lvl = model.levels[0]
    return poses.with_score(score_poses(f0.unit, 0, poses, lvl.points, lvl.dirs,
                                        model.polarity, f0.origin)), rms, n_edges


class _Clock:
    """Wall time of consecutive stages, ms."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        t = time.perf_counter()
        self.ms[name] = round((t - self._t) * 1e3, 3)
        self._t = t


def run(model: Any, q: Query) -> Matches:
    """The search pipeline: fields, top-level search, tracking, suppression, refinement,
    selection.  Returns the matches best first with the statistics of the search."""
    clock = _Clock()
    top_fields = level_fields(q.image, q.top, model.min_contrast, q.gain)
    clock.lap("fields")
    cand, bank, top_best = search_top(model, top_fields.unit, q)
    n_top = len(cand)
    clock.lap("top")
    cand, fields0, seen = track_pyramid(model, q, cand, top_fields, bank.angle_factor,
                                        (q.top, top_best))
    n_tracked = len(cand)
    clock.lap("track")
    cand, seen = score_and_suppress(model, fields0, cand, q, seen)
    clock.lap("suppress")
    poses, rms, n_edges = refine_and_rescore(model, fields0, cand, q)
    if len(poses):  # the final scores, which min_score is compared with
        seen = (0, float(np.clip(np.max(poses.score), 0.0, 1.0)))
    found = select(model, poses, rms, n_edges, q.min_score, q.max_overlap, q.limit, q.roi)
    clock.lap("refine")
    stats = SearchStats(q.top, len(bank.angles), bank.fft_shape, n_top, n_tracked, len(cand),
                        clock.ms, seen[1], seen[0])
    return Matches(found, stats)
