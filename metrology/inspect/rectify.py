"""Matching on the rectified plane: find the part where its shape is a true similarity.

Through a tilted camera (and a distorting lens) a part's outline changes shape with its position
and rotation: a similarity-transform shape model then scores low (about 0.45 at 15 deg of tilt
for the demo plate) and places the tools off by pixels.  With ``"rectify"`` in the recipe's
``model`` field the image is first resampled onto the measuring plane at a fixed scale
(``mm_per_px``), where the part is exactly rigid; the model is built and searched there, and the
tools (defined in that frame) are mapped back into the *raw* image — points through the plane,
lengths and angles through the local Jacobian of the mapping — so the calipers still measure the
original pixels.  Only finding and placing use the resampled image.

Recipe field::

    "model": {"file": "part.model.json",
              "rectify": {"mm_per_px": 0.05, "origin_mm": [-10.0, -8.0], "size_px": [1100, 800]}}

Rectified pixel ``(u, v)`` is the plane point ``origin_mm + mm_per_px * (u, v)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .._serial import Serializable
from ..caliper import Tool
from ..core.checks import as_points, check_positive
from ..errors import FileFormatError, InputError
from ..image.io import as_gray, load_image

__all__ = ["RectifySpec", "Rectifier"]


@dataclass(frozen=True)
class RectifySpec(Serializable):
    """Rectified view of the measuring plane: scale, origin (mm) and size (px).

    Examples
    --------
    >>> spec = RectifySpec.from_dict({"mm_per_px": 0.05, "origin_mm": [-10, -8],
    ...                               "size_px": [1100, 800]})
    >>> spec.to_mm([[100.0, 0.0]]).tolist(), spec.to_dict()["size_px"]
    ([[-5.0, -8.0]], [1100, 800])
    """

    _json_type = None
    _json_strict = True

    mm_per_px: float
    origin_mm: tuple[float, float]
    size_px: tuple[int, int] = field(metadata={"min": 16, "max": 20000})

    def __post_init__(self) -> None:
        s = self.mm_per_px
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) \
                or s <= 0:
            raise FileFormatError(f"mm_per_px: expected a positive number, given {s!r}")
        o = self.origin_mm
        if not (_pair(o) and all(isinstance(v, (int, float, np.integer, np.floating))
                                 and not isinstance(v, bool) and math.isfinite(v) for v in o)):
            raise FileFormatError(f"origin_mm: expected [x, y] in mm, given {o!r:.60}")
        object.__setattr__(self, "origin_mm", (float(o[0]), float(o[1])))
        z = self.size_px
        if not (_pair(z) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and 16 <= v <= 20000 for v in z)):
            raise FileFormatError(f"size_px: expected [w, h], integers in 16..20000, given "
                                  f"{z!r:.60}")
        object.__setattr__(self, "size_px", (int(z[0]), int(z[1])))

    @classmethod
    def from_dict(cls, doc: Any, where: str = "model.rectify") -> "RectifySpec":
        """Parse the recipe's ``model.rectify`` (FileFormatError naming the field)."""
        try:
            return super().from_dict(doc, where=where, error=FileFormatError)
        except FileFormatError as exc:
            msg = str(exc)
            if not msg.startswith(where):
                msg = f"{where}.{msg}"
            raise FileFormatError(msg) from None

    @classmethod
    def covering(cls, plane: Any, image_size: tuple[int, int],
                 mm_per_px: float | None = None) -> "RectifySpec":
        """A rectified view covering the whole image (``mm_per_px`` default: the plane's
        scale at the image centre).

        Raises
        ------
        InputError
            ``plane`` has no ``to_mm``, a bad ``image_size`` or ``mm_per_px``, or no corner of
            the image maps onto the plane.
        """
        _check_plane(plane)
        if not (_pair(image_size) and all(isinstance(v, (int, np.integer))
                                          and not isinstance(v, bool) and 2 <= v <= 10**5
                                          for v in image_size)):
            raise InputError(f"image_size: expected (w, h), integers in 2..100000, given "
                             f"{image_size!r:.60}")
        if mm_per_px is not None:
            mm_per_px = check_positive(mm_per_px, "mm_per_px")
        w, h = (int(v) for v in image_size)
        corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1],
                            [(w - 1) / 2, 0], [(w - 1) / 2, h - 1], [0, (h - 1) / 2],
                            [w - 1, (h - 1) / 2]], float)
        mm = plane.to_mm(corners, on_invalid="nan") if _takes_invalid(plane) else \
            plane.to_mm(corners)
        mm = mm[np.all(np.isfinite(mm), axis=1)]
        if len(mm) == 0:
            raise InputError("RectifySpec.covering: no corner of the image maps onto the plane")
        if mm_per_px is None:
            c = np.array([[(w - 1) / 2, (h - 1) / 2], [(w - 1) / 2 + 1, (h - 1) / 2]])
            m = plane.to_mm(c)
            mm_per_px = float(np.hypot(*(m[1] - m[0])))
        lo, hi = mm.min(axis=0), mm.max(axis=0)
        size = np.ceil((hi - lo) / mm_per_px).astype(int) + 1
        return cls(float(mm_per_px), (float(lo[0]), float(lo[1])), (int(size[0]), int(size[1])))

    def to_mm(self, points_px: Any) -> np.ndarray:
        """Rectified pixels (N, 2) -> plane mm (InputError for non-finite or malformed
        points)."""
        p = as_points(points_px, "points_px", allow_batch=False)
        return np.asarray(self.origin_mm) + self.mm_per_px * p

    def to_rect(self, points_mm: Any) -> np.ndarray:
        """Plane mm (N, 2) -> rectified pixels."""
        p = as_points(points_mm, "points_mm", allow_batch=False)
        return (p - np.asarray(self.origin_mm)) / self.mm_per_px


def _pair(v: Any) -> bool:
    return not isinstance(v, (str, bytes, Mapping)) and hasattr(v, "__len__") and len(v) == 2


def _check_plane(plane: Any, *methods: str) -> None:
    for m in ("to_mm", *methods):
        if not callable(getattr(plane, m, None)):
            raise InputError(f"plane: expected a measuring plane with {m}(points), given "
                             f"{type(plane).__name__}")


def _takes_invalid(plane: Any) -> bool:
    import inspect as _inspect

    try:
        return "on_invalid" in _inspect.signature(plane.to_mm).parameters
    except (TypeError, ValueError):
        return False


#: points mapped per block when the rectified view's maps are built
_MAP_BLOCK = 32768


class Rectifier:
    """Resample images onto the plane and map rectified tools back to the raw image."""

    def __init__(self, spec: RectifySpec, plane: Any):
        if not isinstance(spec, RectifySpec):
            raise InputError(f"spec: expected a RectifySpec, given {type(spec).__name__}")
        _check_plane(plane, "to_px")
        self.spec = spec
        self.plane = plane
        w, h = spec.size_px
        self.map_x = np.empty((h, w), np.float32)
        self.map_y = np.empty((h, w), np.float32)
        u = np.arange(w, dtype=np.float64)
        step = max(1, _MAP_BLOCK // w)
        # in blocks of rows: every point is mapped on its own (the same values as one call
        # over the whole view), but the temporaries stay in the cache instead of being
        # mapped, faulted in and freed again: 0.06 s for the demo's 1100 x 800 view, against
        # 0.10 s in one call (0.2-0.3 s when the process had just handed its memory back)
        for r0 in range(0, h, step):
            v = np.arange(r0, min(h, r0 + step), dtype=np.float64)
            uu, vv = np.meshgrid(u, v)
            mm = spec.to_mm(np.stack([uu.ravel(), vv.ravel()], axis=1))
            try:
                raw = plane.to_px(mm)
            except InputError as exc:
                raise InputError(f"model.rectify: the rectified view reaches where the camera "
                                 f"cannot see ({exc}); make origin_mm/size_px smaller") from None
            self.map_x[r0:r0 + len(v)] = raw[:, 0].reshape(len(v), w)
            self.map_y[r0:r0 + len(v)] = raw[:, 1].reshape(len(v), w)

    def image(self, gray: np.ndarray) -> np.ndarray:
        """The rectified image, gray or colour (outside the camera's view: the image's median
        level, per channel): a colour image stays colour, so a colour anomaly bank scores the
        rectified view.

        ``gray`` : ndarray (H, W) or (H, W, 3 or 4) uint8, uint16 or float32/64 (finite), or a
        path.
        """
        import cv2

        img = load_image(gray, "gray")
        if img.ndim == 3 and img.shape[2] not in (3, 4):
            img = as_gray(img, "gray", dtype=None)
        if img.dtype.kind == "f":
            if not np.all(np.isfinite(img)):
                raise InputError("gray: expected finite gray levels")
            img = img.astype(np.float32, copy=False)
        elif img.dtype not in (np.uint8, np.uint16):
            img = img.astype(np.float32)
        if img.ndim == 2:
            fill: Any = float(np.median(img[::8, ::8]))
        else:
            fill = tuple(float(v) for v in np.median(img[::8, ::8].reshape(-1, img.shape[2]),
                                                     axis=0))
        return cv2.remap(img, self.map_x, self.map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)

    def to_raw(self, points_rect: Any) -> np.ndarray:
        """Rectified pixels (N, 2) -> raw (distorted) image pixels."""
        return self.plane.to_px(self.spec.to_mm(points_rect))

    def _jacobian(self, p: np.ndarray) -> np.ndarray:
        """Jacobian d raw / d rect (2, 2) at rectified point ``p``, by central differences."""
        h = 0.5
        q = self.to_raw([p + [h, 0], p - [h, 0], p + [0, h], p - [0, h]])
        return np.column_stack([(q[0] - q[1]) / (2 * h), (q[2] - q[3]) / (2 * h)])

    def place(self, tool: Any) -> Any:
        """A caliper tool placed in the rectified image, moved into the raw image: points
        through the plane, lengths scaled and angles turned by the local Jacobian (its similarity
        part) at the tool's first point (``tool.mapped``; the RANSAC threshold, an image-noise
        property, stays)."""
        if not isinstance(tool, Tool):
            raise InputError(f"tool: expected a caliper Tool, given {type(tool).__name__}")
        J = self._jacobian(np.asarray(tool.anchor(), float))
        k = math.sqrt(abs(float(np.linalg.det(J))))
        rot = math.degrees(math.atan2(J[1, 0] - J[0, 1], J[0, 0] + J[1, 1]))
        return tool.mapped(self.to_raw, k, rot)
