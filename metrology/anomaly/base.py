"""The anomaly-scoring contract: :class:`AnomalyScore`, :class:`AnomalyScorer`, feature extractors.

Any object with ``fit(images)`` and ``score(image) -> AnomalyScore`` plugs into an inspection
recipe; ``save(path)`` / ``load(path)`` make it part of a recipe on disk.  :class:`PatchCore` is
the scorer shipped with the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from ..core.checks import as_vector, check_bool, check_finite
from ..errors import InputError, MetrologyError

__all__ = ["AnomalyScore", "AnomalyScorer", "FeatureExtractor", "is_scorer",
           "MissingDependencyError"]


class MissingDependencyError(MetrologyError, ImportError):
    """An optional dependency (an extra such as ``metrology[torch]``) is not installed."""


@dataclass(frozen=True, eq=False)  # holds an array: compare fields explicitly
class AnomalyScore:
    """Result of scoring one image.

    Attributes
    ----------
    score : float
        Image-level anomaly score (larger = more anomalous; PatchCore: reweighted maximum of the
        patch distances, in feature-space units).
    map : ndarray (H, W) float32
        Anomaly map at image resolution (same units as ``score``).
    threshold : float or None
        The scorer's calibrated threshold, if any.
    max_xy : tuple of float
        ``(x, y)`` pixel of the map's maximum.

    Examples
    --------
    >>> import numpy as np
    >>> s = AnomalyScore(2.0, np.zeros((4, 5), np.float32), threshold=1.5)
    >>> s.anomalous
    True
    """

    score: float
    map: np.ndarray
    threshold: float | None = None
    max_xy: tuple[float, float] = (float("nan"), float("nan"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", check_finite(self.score, "score"))
        m = self.map
        if not isinstance(m, np.ndarray) or m.ndim != 2 or m.dtype.kind not in "biuf":
            raise InputError(f"map: expected a 2-D numeric array, given "
                             f"{getattr(m, 'shape', type(m).__name__)}")
        if not np.all(np.isfinite(m)):
            raise InputError("map: contains NaN or inf")
        if self.threshold is not None:
            object.__setattr__(self, "threshold", check_finite(self.threshold, "threshold"))
        xy = as_vector(self.max_xy, "max_xy", 2, finite=False)
        if np.any(np.isinf(xy)) or (np.isnan(xy).any() and not np.isnan(xy).all()):
            raise InputError(f"max_xy: expected two finite numbers (or leave it out), given "
                             f"{self.max_xy!r}")
        if np.isnan(xy[0]) and m.size:
            r, c = np.unravel_index(int(np.argmax(m)), m.shape)
            xy = (float(c), float(r))
        object.__setattr__(self, "max_xy", (float(xy[0]), float(xy[1])))

    @property
    def anomalous(self) -> bool | None:
        """``score > threshold``, or None when no threshold is set."""
        if self.threshold is None:
            return None
        return bool(self.score > self.threshold)

    def to_dict(self, include_map: bool = False) -> dict:
        """JSON-ready dictionary; the map is summarised unless ``include_map``."""
        include_map = check_bool(include_map, "include_map")
        d = {"score": float(self.score), "threshold": self.threshold,
             "anomalous": self.anomalous, "max_xy": [float(v) for v in self.max_xy],
             "map_shape": list(self.map.shape),
             "map_max": float(np.max(self.map)) if self.map.size else 0.0,
             "map_mean": float(np.mean(self.map)) if self.map.size else 0.0}
        if include_map:
            d["map"] = np.asarray(self.map, dtype=np.float64).round(5).tolist()
        return d


@runtime_checkable
class AnomalyScorer(Protocol):
    """What an inspection recipe needs from an anomaly scorer.

    ``fit`` learns from good images only; ``score`` returns an :class:`AnomalyScore` whose map has
    the image's resolution.  ``save`` / ``load`` are needed only to store the scorer in a recipe
    file.
    """

    def fit(self, images: Sequence[Any]) -> Any: ...

    def score(self, image: Any) -> AnomalyScore: ...


def is_scorer(obj: Any) -> bool:
    """True when ``obj`` has callable ``fit`` and ``score`` (the minimum a recipe needs)."""
    return callable(getattr(obj, "fit", None)) and callable(getattr(obj, "score", None))


@runtime_checkable
class FeatureExtractor(Protocol):
    """Turns one image into a grid of local feature vectors.

    Attributes
    ----------
    stride : int
        Image pixels per feature cell: cell ``(i, j)`` covers rows ``i*stride .. (i+1)*stride-1``
        and columns ``j*stride .. (j+1)*stride-1`` of the image padded to a multiple of stride.
    name : str
        Identifier stored in saved banks.
    """

    stride: int
    name: str

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """``image`` (H, W) or (H, W, 3) validated array -> features (ceil(H/stride),
        ceil(W/stride), C) float32."""
        ...

    def config(self) -> dict:
        """JSON-ready parameters, enough to rebuild the extractor."""
        ...
