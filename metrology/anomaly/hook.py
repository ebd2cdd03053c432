"""The anomaly stage of an inspection recipe: its ``anomaly`` field and aligned scoring.

:class:`AnomalySpec` is the recipe's ``anomaly`` field (``bank``, ``threshold``, optional
``region`` and ``aligned``); :func:`aligned_crop` cuts a model-frame region out of an image at a
match pose; :func:`score_in_recipe` scores it.  When the recipe gives a ``region``, the scorer
sees the part the same way up every time, so a :class:`~metrology.anomaly.PatchCore` scores it
with its position-aware check on (missing or extra features) unless ``"aligned": false``.
Without a region the whole image is scored, position-free.

Train the bank on the same aligned crops (:func:`aligned_crop` of good images at their match
poses), so that position means the same thing at fit and at score time.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..core.checks import as_vector, check_int
from ..errors import FileFormatError, InputError
from ..image.io import load_image

#: largest side (px) of an aligned crop
MAX_CROP_SIDE = 16384


def _region(region: Any) -> dict:
    """A checked ``{"center": [x, y], "size": [w, h]}`` (w, h in 8..MAX_CROP_SIDE px)."""
    if not isinstance(region, Mapping) or set(region) != {"center", "size"}:
        raise InputError(f"anomaly.region: expected {{\"center\": [x, y], \"size\": [w, h]}}, "
                         f"given {type(region).__name__}")
    c = as_vector(region["center"], "anomaly.region.center", 2)
    if np.any(np.abs(c) > 1e9):
        raise InputError(f"anomaly.region.center: expected coordinates within 1e9 px, given "
                         f"{c.tolist()}")
    size = [check_int(v, "anomaly.region.size", min=8, max=MAX_CROP_SIDE)
            for v in as_vector(region["size"], "anomaly.region.size", 2)]
    return {"center": [float(c[0]), float(c[1])], "size": size}

__all__ = ["AnomalySpec", "aligned_crop", "score_in_recipe"]

_KEYS = {"bank", "threshold", "region", "aligned"}


class AnomalySpec:
    """``anomaly`` field of a recipe.

    Parameters
    ----------
    threshold : float
        Score above which the part fails.
    bank : str, optional
        Path of a saved :class:`~metrology.anomaly.PatchCore` (relative to the recipe).
    scorer : object, optional
        In-memory scorer (anything with ``score(image)``), instead of ``bank``.
    region : mapping, optional
        ``{"center": [x, y], "size": [w, h]}`` in model-frame pixels, cut out at the match pose.
    aligned : bool
        With a region, score with PatchCore's position-aware check (default True).
    """

    def __init__(self, threshold: float, bank: str | None = None, scorer: Any = None,
                 region: Mapping | None = None, aligned: bool = True):
        if bank is None and scorer is None:
            raise InputError("anomaly: give a saved 'bank' path or a 'scorer' object")
        if bank is not None and (not isinstance(bank, str) or not bank):
            raise InputError(f"anomaly.bank: expected a path string, given {type(bank).__name__}")
        if scorer is not None and not callable(getattr(scorer, "score", None)):
            raise InputError(f"anomaly.scorer: expected an object with score(image), given "
                             f"{type(scorer).__name__}")
        if isinstance(threshold, bool) or \
                not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
            raise InputError(f"anomaly.threshold: expected a finite number, given {threshold!r}")
        if not isinstance(aligned, bool):
            raise InputError(f"anomaly.aligned: expected true or false, given {aligned!r}")
        self.threshold = float(threshold)
        self.bank = bank
        self.scorer = scorer
        self.aligned = aligned
        self.region = None if region is None else _region(region)

    def to_dict(self) -> dict:
        if self.bank is None:
            raise InputError("anomaly: an in-memory scorer cannot be written to a recipe file; "
                             "save the scorer and give its path as 'bank'")
        d = {"bank": self.bank, "threshold": self.threshold}
        if self.region:
            d["region"] = self.region
        if not self.aligned:
            d["aligned"] = False
        return d

    @classmethod
    def from_dict(cls, doc: Any, where: str = "anomaly") -> "AnomalySpec":
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where}: expected an object {{\"bank\", \"threshold\"}}")
        unknown = sorted(str(k) for k in set(doc) - _KEYS)
        if unknown:
            raise FileFormatError(f"{where}: unknown field(s) {unknown}")
        bank = doc.get("bank")
        if not isinstance(bank, str) or not bank:
            raise FileFormatError(f"{where}.bank: missing field (path of the saved scorer)")
        thr = doc.get("threshold")
        if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not math.isfinite(thr):
            raise FileFormatError(f"{where}.threshold: expected a number, given {thr!r}")
        aligned = doc.get("aligned", True)
        if not isinstance(aligned, bool):
            raise FileFormatError(f"{where}.aligned: expected true or false, given {aligned!r}")
        region = doc.get("region")
        if region is not None:
            ok = (isinstance(region, Mapping) and set(region) == {"center", "size"}
                  and all(isinstance(region[k], list) and len(region[k]) == 2
                          and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                  for v in region[k]) for k in ("center", "size"))
                  and all(v >= 8 for v in region["size"]))
            if not ok:
                raise FileFormatError(f"{where}.region: expected {{\"center\": [x, y], \"size\": "
                                      f"[w, h]}} in model-frame px (w, h >= 8), given {region!r}")
        try:
            return cls(float(thr), bank=bank, region=region, aligned=aligned)
        except InputError as exc:
            raise FileFormatError(f"{where}: {exc}") from None


def aligned_crop(image: np.ndarray, pose: Any, center_xy: Any, size_wh: Any) -> np.ndarray:
    """Cut the model-frame rectangle ``center_xy`` / ``size_wh`` (pixels) out of ``image`` at
    ``pose`` (a :class:`~metrology.core.pose.Pose2D` mapping model to image coordinates).

    Returns
    -------
    ndarray (h, w) or (h, w, C), the image's dtype; pixel ``(u, v)`` is the image at model
    point ``(u + x0, v + y0)`` with ``(x0, y0) = center - (size - 1) / 2`` (bilinear,
    replicated border).

    Examples
    --------
    >>> from metrology.core.pose import Pose2D
    >>> img = np.arange(400, dtype=np.float32).reshape(20, 20)
    >>> aligned_crop(img, Pose2D(10.0, 10.0, 0.0, 1.0), (0.5, 0.5), (8, 8))[3, 3]
    np.float32(210.0)
    """
    import cv2

    from ..core.pose import Pose2D

    image = load_image(image, "image")
    if image.ndim == 3 and image.shape[2] > 4:
        raise InputError(f"image: expected at most 4 channels, given {image.shape[2]}")
    if not isinstance(pose, Pose2D):
        raise InputError(f"pose: expected a Pose2D, given {type(pose).__name__}")
    r = _region({"center": center_xy, "size": size_wh})
    (cx, cy), (w, h) = r["center"], r["size"]
    if not np.all(np.isfinite(pose.matrix)):
        raise InputError("pose: not finite")
    x0, y0 = float(cx) - (int(w) - 1) / 2.0, float(cy) - (int(h) - 1) / 2.0
    m = pose.matrix @ np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1.0]])
    return cv2.warpAffine(image, m[:2], (int(w), int(h)),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def score_in_recipe(spec: AnomalySpec, scorer: Any, raw: np.ndarray, pose: Any,
                    rectifier: Any = None) -> float:
    """The recipe's anomaly score of one image at the match ``pose``: the region cut out (in
    the rectified view when the recipe has one) and scored, position-aware when aligned."""
    from .patchcore import PatchCore

    if not isinstance(spec, AnomalySpec):
        raise InputError(f"spec: expected an AnomalySpec, given {type(spec).__name__}")
    if not callable(getattr(scorer, "score", None)):
        raise InputError(f"scorer: expected an object with score(image), given "
                         f"{type(scorer).__name__}")
    if rectifier is not None and not callable(getattr(rectifier, "image", None)):
        raise InputError(f"rectifier: expected None or an object with image(raw), given "
                         f"{type(rectifier).__name__}")
    raw = load_image(raw, "raw")
    img, aligned = raw, False
    if spec.region is not None:
        if rectifier is not None:
            raw = rectifier.image(raw)  # the pose lives in the rectified view
        img = aligned_crop(raw, pose, spec.region["center"], spec.region["size"])
        aligned = spec.aligned
    if isinstance(scorer, PatchCore):
        res = scorer.score(img, aligned=aligned)
    else:
        res = scorer.score(img)
    value = getattr(res, "score", res)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"anomaly scorer returned {type(res).__name__}; expected a number "
                         f"or an object with a 'score' attribute") from None
    if not math.isfinite(value):
        raise InputError("anomaly scorer returned a non-finite score")
    return value
