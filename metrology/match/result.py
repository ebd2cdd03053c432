"""What ``ShapeModel.find`` returns: matches best first, with the statistics of the search.

:class:`Matches` is a ``list`` of :class:`Match` (so ``matches[0]``, ``len(matches)`` and
``matches == []`` work as before) that also carries ``stats``, a :class:`SearchStats` of the
call (candidates per stage and time per stage).  The model is not changed by a search.

>>> from metrology.core.pose import Pose2D
>>> m = Match(Pose2D(10.0, 20.0, 30.0, 1.0), 0.95, 0.02, 300)
>>> Match.from_dict(m.to_dict()) == m
True
>>> found = Matches([m], SearchStats(top_level=3, num_steps=72))
>>> len(found), found[0].score, found.stats.top_level
(1, 0.95, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .._serial import Serializable, to_jsonable
from ..core.checks import _items, check_finite, check_int
from ..core.pose import Pose2D
from ..errors import InputError

__all__ = ["Match", "Matches", "SearchStats"]


@dataclass(frozen=True)
class Match(Serializable):
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
        RMS point-to-edge distance of the refinement inliers, px (NaN when not refined; null in
        JSON).
    num_edges : int
        Model points matched to an image edge in the final refinement.
    """

    _json_type = None  # the layout of `metrology find --json` stays as it was

    pose: Pose2D
    score: float = field(metadata={"min": 0.0, "max": 1.0})
    fit_rms_px: float = field(default=float("nan"), metadata={"min": 0.0})
    num_edges: int = field(default=0, metadata={"min": 0})

    def __post_init__(self) -> None:
        rms = self.fit_rms_px
        if isinstance(self.pose, Pose2D) and type(self.score) is float \
                and 0.0 <= self.score <= 1.0 and type(rms) is float \
                and (rms != rms or 0.0 <= rms < math.inf) and type(self.num_edges) is int \
                and self.num_edges >= 0:
            return                               # plain valid values (as a search makes them)
        if not isinstance(self.pose, Pose2D):
            raise InputError(f"pose: expected a Pose2D, given {type(self.pose).__name__}")
        score = check_finite(self.score, "score", min=0.0, max=1.0)
        rms = self.fit_rms_px
        rms = float("nan") if rms is None or (isinstance(rms, float) and math.isnan(rms)) \
            else check_finite(rms, "fit_rms_px", min=0.0)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "fit_rms_px", rms)
        object.__setattr__(self, "num_edges", check_int(self.num_edges, "num_edges", min=0))


_STATS_INTS = ("top_level", "num_steps", "top_candidates", "tracked", "refined", "best_level")


@dataclass(frozen=True)
class SearchStats(Serializable):
    """Diagnostics of one ``find`` call.

    Attributes
    ----------
    top_level : int
        Pyramid level of the exhaustive search (-1 when the search did not start).
    num_steps : int
        (angle, scale) steps searched there.
    fft_shape : (int, int)
        Padded size of the top-level FFT correlation.
    top_candidates : int
        Candidates taken from the top level into the pyramid tracking.
    tracked : int
        Candidates that reached level 0.
    refined : int
        Candidates left after overlap suppression (each refined and rescored).
    stage_ms : dict of str to float
        Wall time per stage, ms: ``fields`` (top-level fields), ``top`` (exhaustive search),
        ``track`` (pyramid tracking, with the fields below the top), ``suppress`` (level-0
        scores, overlap suppression), ``refine`` (refinement, final scores and selection).
    best_score : float in [0, 1]
        Best score of any candidate at the deepest stage that candidates reached (the best
        final score when any candidate was refined; at the top level, relative to the
        template's own top-level score), whether or not it reached ``min_score``: how close a
        failed search came.
    best_level : int
        Pyramid level of ``best_score`` (0: the full model; -1 when the search did not start).
    """

    top_level: int = -1
    num_steps: int = 0
    fft_shape: tuple[int, int] = (0, 0)
    top_candidates: int = 0
    tracked: int = 0
    refined: int = 0
    stage_ms: dict[str, float] = field(default_factory=dict)
    best_score: float = field(default=0.0, metadata={"min": 0.0, "max": 1.0})
    best_level: int = -1

    def __post_init__(self) -> None:
        if type(self.best_score) is float and 0.0 <= self.best_score <= 1.0 \
                and all(type(getattr(self, n)) is int and getattr(self, n) >= -1
                        for n in _STATS_INTS) \
                and type(self.fft_shape) is tuple and len(self.fft_shape) == 2 \
                and all(type(v) is int and v >= 0 for v in self.fft_shape) \
                and type(self.stage_ms) is dict \
                and all(type(k) is str and type(v) is float and 0.0 <= v < math.inf
                        for k, v in self.stage_ms.items()):
            return                               # plain valid values (as a search makes them)
        fs = self.fft_shape
        if not (isinstance(fs, (tuple, list)) and len(fs) == 2 and all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
                for v in fs)):
            raise InputError("fft_shape: expected two non-negative integers")
        object.__setattr__(self, "fft_shape", (int(fs[0]), int(fs[1])))
        if not isinstance(self.stage_ms, dict) or not all(
                isinstance(k, str) and isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, bool) for k, v in self.stage_ms.items()):
            raise InputError("stage_ms: expected a dict of stage name -> ms")
        object.__setattr__(self, "stage_ms", {k: check_finite(v, f"stage_ms[{k!r}]", min=0.0)
                                              for k, v in self.stage_ms.items()})
        object.__setattr__(self, "best_score",
                           check_finite(self.best_score, "best_score", min=0.0, max=1.0))
        for name in _STATS_INTS:
            object.__setattr__(self, name, check_int(getattr(self, name), name, min=-1))


class Matches(list):
    """The matches of one search, best first (a ``list`` of :class:`Match`), with ``stats``.

    Parameters
    ----------
    matches : iterable of Match
    stats : SearchStats, optional
        Diagnostics of the search that produced them.
    """

    def __init__(self, matches: Iterable[Match] = (), stats: SearchStats | None = None) -> None:
        items = _items(matches, "matches", Match, "Match")
        if stats is not None and not isinstance(stats, SearchStats):
            raise InputError(f"stats: expected a SearchStats or None, given "
                             f"{type(stats).__name__}")
        super().__init__(items)
        self.stats = stats if stats is not None else SearchStats()

    def __repr__(self) -> str:
        return f"Matches({list.__repr__(self)}, stats={self.stats!r})"

    def to_dict(self) -> dict:
        """JSON-ready ``{"matches": [...], "stats": {...}}``."""
        return {"matches": to_jsonable(list(self)), "stats": self.stats.to_dict()}
