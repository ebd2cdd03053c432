"""The result of inspecting one image: pose, measurements, pass/fail, anomaly score, timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .._io import check_json_numbers
from .._serial import to_jsonable
from ..core.checks import _items
from ..core.pose import Pose2D
from ..errors import InputError
from .measure import MeasurementResult

__all__ = ["InspectionResult", "STATUSES"]

#: ``pass`` all measurements in tolerance (and anomaly below threshold); ``fail`` ran, something
#: out of tolerance / not measurable / anomalous; ``not_found`` the part was not found;
#: ``error`` the image could not be inspected (unreadable, wrong size, ...).
STATUSES = ("pass", "fail", "not_found", "error")


@dataclass(frozen=True)
class InspectionResult:
    """Everything known about one inspected image.

    Attributes
    ----------
    image : str
        The image path (or ``"<array>"``).
    status : str
        One of :data:`STATUSES`.
    pose : Pose2D or None
        Model-to-image pose of the found part (None when not found / no model).
    match_score : float or None
        Shape-match score in [0, 1].
    measurements : tuple of MeasurementResult
    features : dict
        ``name -> {"px": {...}, "mm": {...}}`` fitted geometry of each tool (image pixels and
        plane millimetres), or ``{"error": reason}``.
    tools_px : dict
        ``name -> {...}`` each tool placed in the image (for overlays).
    anomaly_score, anomaly_threshold : float or None
    timings_ms : dict
        Wall time per stage (``load``, ``match``, ``tools``, ``measure``, ``anomaly``,
        ``total``).
    error : str or None
        Reason for ``not_found`` / ``error``.
    image_size : (w, h) or None
    pose_frame : str
        ``"image"``, or ``"rectified"`` when the recipe searches the part on the rectified
        plane view (the pose is then in that view's pixels).
    edge_points_px : dict
        ``name -> ToolFeatures`` (:class:`metrology.caliper.ToolFeatures`: the edge points each
        tool's fit used and rejected, for the overlay; not serialised).
    """

    image: str
    status: str
    pose: Pose2D | None = None
    match_score: float | None = None
    measurements: tuple[MeasurementResult, ...] = ()
    features: dict = field(default_factory=dict)
    tools_px: dict = field(default_factory=dict)
    anomaly_score: float | None = None
    anomaly_threshold: float | None = None
    timings_ms: dict = field(default_factory=dict)
    error: str | None = None
    image_size: tuple[int, int] | None = None
    pose_frame: str = "image"
    edge_points_px: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.image, str):
            raise InputError(f"InspectionResult.image: expected a string, given "
                             f"{type(self.image).__name__}")
        if self.status not in STATUSES:
            raise InputError(f"InspectionResult.status: expected one of {STATUSES}, given "
                             f"{self.status!r:.40}")
        if self.pose is not None and not isinstance(self.pose, Pose2D):
            raise InputError(f"InspectionResult.pose: expected a Pose2D or None, given "
                             f"{type(self.pose).__name__}")
        for f in ("match_score", "anomaly_score", "anomaly_threshold"):
            object.__setattr__(self, f, _finite_or_none(getattr(self, f), f))
        ms = _items(self.measurements, "InspectionResult.measurements", MeasurementResult,
                    "MeasurementResult")
        object.__setattr__(self, "measurements", tuple(ms))
        for f in ("features", "tools_px", "timings_ms", "edge_points_px"):
            if not isinstance(getattr(self, f), dict):
                raise InputError(f"InspectionResult.{f}: expected a dict, given "
                                 f"{type(getattr(self, f)).__name__}")
        for f in ("features", "tools_px"):        # JSON documents: NaN is written as null
            why = check_json_numbers(getattr(self, f))
            if why:
                raise InputError(f"InspectionResult.{f}: {why}")
        for k, v in self.timings_ms.items():
            if not isinstance(k, str) or _finite_or_none(v, f"timings_ms[{k!r:.30}]") is None:
                raise InputError(f"InspectionResult.timings_ms: expected stage -> finite ms, "
                                 f"given {k!r:.30}: {v!r:.30}")
        if self.error is not None and not isinstance(self.error, str):
            raise InputError(f"InspectionResult.error: expected a string or None, given "
                             f"{type(self.error).__name__}")
        if self.image_size is not None:
            sz = self.image_size
            if isinstance(sz, (str, bytes)) or not hasattr(sz, "__len__") or len(sz) != 2 or \
                    not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                            and 0 < v <= 10**6 for v in sz):
                raise InputError(f"InspectionResult.image_size: expected (w, h) positive "
                                 f"integers, given {sz!r:.40}")
            object.__setattr__(self, "image_size", (int(sz[0]), int(sz[1])))
        if self.pose_frame not in ("image", "rectified"):
            raise InputError(f"InspectionResult.pose_frame: expected 'image' or 'rectified', "
                             f"given {self.pose_frame!r:.40}")

    @property
    def passed(self) -> bool:
        """True only for status ``pass``."""
        return self.status == "pass"

    @property
    def found(self) -> bool:
        """False when the part was not found or the image could not be inspected."""
        return self.status in ("pass", "fail")

    @property
    def anomaly_passed(self) -> bool | None:
        if self.anomaly_score is None or self.anomaly_threshold is None:
            return None
        return bool(self.anomaly_score <= self.anomaly_threshold)

    def measurement(self, name: str) -> MeasurementResult:
        """The measurement called ``name`` (:class:`~metrology.errors.InputError`, also a
        ``KeyError``, if the recipe has none)."""
        for m in self.measurements:
            if m.name == name:
                return m
        raise _NoSuchMeasurement(f"no measurement named {name!r:.60}; have "
                                 f"{[m.name for m in self.measurements]}")

    def values(self) -> dict[str, float | None]:
        """``name -> value`` (mm or deg) of every measurement."""
        return {m.name: m.value for m in self.measurements}

    def to_dict(self) -> dict:
        """JSON-ready dict (one line of the batch's JSONL file; NaN as null)."""
        return to_jsonable({
            "image": self.image, "status": self.status, "passed": self.passed,
            "error": self.error,
            "pose": None if self.pose is None else self.pose.to_dict(),
            "match_score": self.match_score,
            "measurements": [m.to_dict() for m in self.measurements],
            "anomaly": None if self.anomaly_score is None else {
                "score": self.anomaly_score, "threshold": self.anomaly_threshold,
                "passed": self.anomaly_passed},
            "features": self.features, "tools_px": self.tools_px,
            "timings_ms": {k: round(float(v), 3) for k, v in self.timings_ms.items()},
            "image_size": None if self.image_size is None else list(self.image_size),
            "pose_frame": self.pose_frame,
        })

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "InspectionResult":
        """Inverse of :meth:`to_dict` (edge points are not stored).

        Raises
        ------
        InputError
            Not a result dict: a missing or malformed field (named).
        """
        if not isinstance(d, Mapping):
            raise InputError(f"InspectionResult.from_dict: expected a mapping, given "
                             f"{type(d).__name__}")
        an = d.get("anomaly") or {}
        for f, v in (("anomaly", an), ("features", d.get("features") or {}),
                     ("tools_px", d.get("tools_px") or {}),
                     ("timings_ms", d.get("timings_ms") or {})):
            if not isinstance(v, Mapping):
                raise InputError(f"InspectionResult.from_dict: {f}: expected a mapping or "
                                 f"null, given {type(v).__name__}")
        for f in ("image", "status"):
            if f not in d:
                raise InputError(f"InspectionResult.from_dict: missing field {f!r}")
        meas = d.get("measurements") or ()
        if not isinstance(meas, (list, tuple)):
            raise InputError(f"InspectionResult.from_dict: measurements: expected a list, "
                             f"given {type(meas).__name__}")
        size = d.get("image_size")
        if size is not None and not isinstance(size, (list, tuple)):
            raise InputError(f"InspectionResult.from_dict: image_size: expected [w, h], given "
                             f"{type(size).__name__}")
        return cls(image=d["image"], status=d["status"],
                   pose=None if d.get("pose") is None else Pose2D.from_dict(d["pose"]),
                   match_score=d.get("match_score"),
                   measurements=tuple(MeasurementResult.from_dict(m) for m in meas),
                   features=dict(d.get("features") or {}), tools_px=dict(d.get("tools_px") or {}),
                   anomaly_score=an.get("score"), anomaly_threshold=an.get("threshold"),
                   timings_ms=dict(d.get("timings_ms") or {}), error=d.get("error"),
                   image_size=None if d.get("image_size") is None else tuple(d["image_size"]),
                   pose_frame=d.get("pose_frame", "image"))

    def overlay(self, image: Any) -> np.ndarray:
        """BGR uint8 overlay of the tools, fitted features, values and pass/fail colours."""
        from ..viz.inspect import draw_inspection

        return draw_inspection(image, self)

    def summary(self) -> str:
        """One human line: status, then each measurement's value."""
        head = f"{self.image}: {self.status.upper()}"
        if self.error:
            return f"{head} ({self.error})"
        parts = []
        for m in self.measurements:
            if m.value is None:
                parts.append(f"{m.name}=n/a")
            else:
                mark = "" if m.passed is None else (" ok" if m.passed else " FAIL")
                parts.append(f"{m.name}={m.value:.4f}{m.unit}{mark}")
        if self.anomaly_score is not None:
            parts.append(f"anomaly={self.anomaly_score:.3g}")
        return head + ("  " + ", ".join(parts) if parts else "")


_FLOAT_MAX = float(np.finfo(np.float64).max)


def _finite_or_none(v: Any, name: str) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or \
            not -_FLOAT_MAX <= v <= _FLOAT_MAX:            # NaN and inf fail too, 10**400 as well
        raise InputError(f"InspectionResult.{name}: expected a finite number or None, given "
                         f"{v!r:.40}")
    return float(v)


class _NoSuchMeasurement(InputError, KeyError):
    """A measurement name the result does not have (an InputError that ``except KeyError``
    still catches)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
