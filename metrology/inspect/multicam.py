"""A recipe for a part measured by several cameras at once, in one millimetre frame.

A multi-camera recipe (``format: "metrology.multicam_recipe"``, ``version: 1``) names a rig
station file (:func:`metrology.calib.calibrate_rig`), the measuring plane, and per camera the
caliper tools placed in that camera's image (pixels, as in a fixtured single-camera recipe);
its measurements may combine features of different cameras, since every camera's plane maps
into the same millimetre frame (the frame of the board that located the plane)::

    {
      "format": "metrology.multicam_recipe", "version": 1, "name": "long plate",
      "rig": "rig.json",
      "plane": {"board_images": {"A": "plane_A.png", "B": "plane_B.png"}},
      "cameras": {
        "A": {"tools": [{"name": "hole", "type": "circle", "center_xy": [210, 180],
                         "radius": 24}]},
        "B": {"tools": [{"name": "right_edge", "type": "line", "p0_xy": [300, 60],
                         "p1_xy": [300, 300]}]}
      },
      "measurements": [{"name": "hole_to_right_edge", "type": "distance", "from": "hole",
                        "to": "right_edge", "nominal_mm": 90.0, "tolerance_mm": 0.05}]
    }

``plane`` is ``{"scene": KEY}`` (a calibration scene whose board lay on the measuring
plane), or ``{"board_images": {camera: path, ...}}`` with an optional ``"board"`` (cols, rows,
square_mm of a plain checkerboard; default the rig's board) and ``"height_mm"``: the board is
located in all the images at once.  Tool names are unique across cameras.

Examples
--------
>>> MultiCameraRecipe.from_dict({"rig": "rig.json", "plane": {"scene": "0"},
...     "cameras": {"A": {"tools": [{"name": "hole", "type": "circle",
...                                  "center_xy": [40, 30], "radius": 20}]}},
...     "measurements": [{"name": "d", "type": "diameter", "feature": "hole"}]})
MultiCameraRecipe(name='', cameras={'A': ['hole']}, measurements=['d'])
"""

from __future__ import annotations

import os
import reprlib
import time
from pathlib import Path
from typing import Any, Mapping

from .._io import as_path, read_json_file, write_json_file
from ..core.pose import Pose2D
from ..errors import EdgeNotFoundError, FileFormatError, FitError, InputError
from ..image.io import as_gray, load_image
from .measure import feature_needs, measure
from .result import InspectionResult
from .spec import MeasurementSpec, parse_measurement, parse_tool, tool_kind, tool_to_dict
from .tools import run_tool

__all__ = ["MultiCameraRecipe", "MULTICAM_FORMAT", "MULTICAM_VERSION"]

MULTICAM_FORMAT = "metrology.multicam_recipe"
MULTICAM_VERSION = 1


def _plane_spec(doc: Any) -> dict:
    """Check the ``plane`` field (see the module docstring)."""
    if not isinstance(doc, Mapping):
        raise FileFormatError(f"plane: expected {{\"scene\": KEY}} or {{\"board_images\": "
                              f"{{camera: path}}}}, given {reprlib.repr(doc)}")
    if set(doc) == {"scene"}:
        if not isinstance(doc["scene"], (str, int)) or isinstance(doc["scene"], bool):
            raise FileFormatError(f"plane.scene: expected a scene key, given {reprlib.repr(doc['scene'])}")
        return {"scene": str(doc["scene"])}
    extra = sorted(str(k) for k in set(doc) - {"board_images", "board", "height_mm"})
    imgs = doc.get("board_images")
    if extra or not isinstance(imgs, Mapping) or not imgs or \
            not all(isinstance(k, str) and isinstance(v, str) and v for k, v in imgs.items()):
        raise FileFormatError(f"plane: expected {{\"scene\": KEY}} or {{\"board_images\": "
                              f"{{camera: path}}, optional \"board\", \"height_mm\"}}, "
                              f"given {reprlib.repr(dict(doc))}")
    b = doc.get("board")
    if b is not None and not (isinstance(b, Mapping) and set(b) == {"cols", "rows",
                                                                    "square_mm"}):
        raise FileFormatError(f"plane.board: expected {{\"cols\", \"rows\", \"square_mm\"}}, "
                              f"given {reprlib.repr(b)}")
    h = doc.get("height_mm", 0.0)
    if isinstance(h, bool) or not isinstance(h, (int, float)):
        raise FileFormatError(f"plane.height_mm: expected a number, given {reprlib.repr(h)}")
    return {"board_images": dict(imgs), **({"board": dict(b)} if b else {}),
            "height_mm": float(h)}


class MultiCameraRecipe:
    """A recipe over several cameras of a rig (see the module docstring for the format).

    Parameters
    ----------
    cameras : dict camera name -> sequence of caliper tools
        Each camera's tools in its image pixels.
    measurements : sequence of MeasurementSpec
        May name features of any camera.
    rig : str
        Path of the rig station file (relative to ``base_dir``).
    plane : dict
        ``{"scene": KEY}`` or ``{"board_images": {...}, "board": ..., "height_mm": ...}``.
    name : str
    base_dir : path
    """

    def __init__(self, cameras: Mapping[str, Any], measurements: Any, *, rig: str,
                 plane: Mapping[str, Any], name: str = "", base_dir: str | os.PathLike = "."):
        if not isinstance(cameras, Mapping) or not all(
                isinstance(k, str) and isinstance(v, (list, tuple)) for k, v in cameras.items()):
            raise InputError("cameras: expected a mapping camera name -> list of tools")
        if isinstance(measurements, (str, bytes, Mapping)) or not isinstance(
                measurements, (list, tuple)) or not all(
                isinstance(m, MeasurementSpec) for m in measurements):
            raise InputError("measurements: expected a list of MeasurementSpec")
        for arg, v in (("rig", rig), ("name", name)):
            if not isinstance(v, str):
                raise InputError(f"{arg}: expected a string, given {type(v).__name__}")
        self.cameras = {k: tuple(v) for k, v in cameras.items()}
        self.measurements = tuple(measurements)
        self.rig_path = rig
        self.plane_spec = _plane_spec(plane)
        self.name = name
        self.base_dir = as_path(base_dir, "base_dir")
        self._validate()
        self._planes: dict | None = None
        self._rig: Any = None

    def _validate(self) -> None:
        if not self.cameras or not any(self.cameras.values()):
            raise FileFormatError("cameras: a multi-camera recipe needs tools on some camera")
        owner: dict[str, str] = {}
        for cam, tools in self.cameras.items():
            for i, t in enumerate(tools):
                tool_kind(t)
                if not isinstance(t.name, str) or not t.name.strip():
                    raise FileFormatError(f"cameras.{cam}.tools[{i}].name: every tool needs "
                                          f"a non-empty name")
                if t.name in owner:
                    raise FileFormatError(f"cameras.{cam}.tools[{i}].name: tool name "
                                          f"{t.name!r} is used by camera {owner[t.name]!r} too")
                owner[t.name] = cam
        seen: set[str] = set()
        for i, m in enumerate(self.measurements):
            if m.name in seen:
                raise FileFormatError(f"measurements[{i}].name: duplicate name {m.name!r}")
            seen.add(m.name)
            for fname, _ in feature_needs(m):
                if fname not in owner:
                    raise FileFormatError(f"measurements[{i}] ({m.name!r}): names feature "
                                          f"{fname!r}, but no camera has a tool of that name "
                                          f"(tools: {sorted(owner)})")
        self._owner = owner

    def __repr__(self) -> str:
        cams = {k: [t.name for t in v] for k, v in self.cameras.items()}
        return (f"MultiCameraRecipe(name={self.name!r}, cameras={cams}, "
                f"measurements={[m.name for m in self.measurements]})")

    # ---------------------------------------------------------------------------------------
    # files
    # ---------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The recipe as the JSON document written by :meth:`save`."""
        return {"name": self.name, "rig": self.rig_path, "plane": dict(self.plane_spec),
                "cameras": {k: {"tools": [tool_to_dict(t) for t in v]}
                            for k, v in self.cameras.items()},
                "measurements": [m.to_dict() for m in self.measurements]}

    @classmethod
    def from_dict(cls, doc: Mapping, base_dir: str | os.PathLike = ".") -> MultiCameraRecipe:
        """Parse a recipe document, checking every field (:class:`FileFormatError` names
        it)."""
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"recipe: expected a JSON object, given {type(doc).__name__}")
        allowed = {"format", "version", "name", "rig", "plane", "cameras", "measurements",
                   "description"}
        unknown = sorted(str(k) for k in set(doc) - allowed)
        if unknown:
            raise FileFormatError(f"recipe: unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        rig = doc.get("rig")
        if not isinstance(rig, str) or not rig:
            raise FileFormatError("rig: missing field (path of the rig station file)")
        cams = doc.get("cameras")
        if not isinstance(cams, Mapping) or not cams:
            raise FileFormatError("cameras: expected {camera: {\"tools\": [...]}}")
        cameras = {}
        for k, v in cams.items():
            tools = v.get("tools") if isinstance(v, Mapping) else None
            if not isinstance(tools, list) or set(v) - {"tools"}:
                raise FileFormatError(f"cameras.{k}: expected {{\"tools\": [...]}}, given {v!r}")
            cameras[str(k)] = [parse_tool(t, f"cameras.{k}.tools[{i}]")
                               for i, t in enumerate(tools)]
        meas_doc = doc.get("measurements", [])
        if not isinstance(meas_doc, list):
            raise FileFormatError("measurements: expected a list")
        meas = [parse_measurement(m, f"measurements[{i}]") for i, m in enumerate(meas_doc)]
        name = doc.get("name", "")
        if not isinstance(name, str):
            raise FileFormatError(f"name: expected a string, given {name!r}")
        return cls(cameras, meas, rig=rig, plane=doc.get("plane"), name=name,
                   base_dir=base_dir)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MultiCameraRecipe:
        """Read and validate a multi-camera recipe file."""
        path = as_path(path)
        doc = read_json_file(path, fmt=MULTICAM_FORMAT, versions=[MULTICAM_VERSION])
        try:
            return cls.from_dict(doc, base_dir=path.resolve().parent)
        except FileFormatError as exc:
            raise FileFormatError(f"{path}: {exc}") from None

    def save(self, path: str | os.PathLike) -> Path:
        """Write the recipe atomically (relative paths stay relative to ``base_dir``)."""
        return write_json_file(path, self.to_dict(), fmt=MULTICAM_FORMAT,
                               version=MULTICAM_VERSION)

    # ---------------------------------------------------------------------------------------
    # the station
    # ---------------------------------------------------------------------------------------
    @property
    def rig(self) -> Any:
        """The rig calibration (loaded on first use)."""
        if self._rig is None:
            from ..calib.rig import RigCalibration

            self._rig = RigCalibration.load(self.base_dir / self.rig_path)
            missing = sorted(set(self.cameras) - set(self._rig.names))
            if missing:
                raise FileFormatError(f"cameras: {missing} not in the rig "
                                      f"{self.rig_path} (cameras {list(self._rig.names)})")
        return self._rig

    @property
    def planes(self) -> dict:
        """Each camera's measuring plane, all in one mm frame (located on first use)."""
        if self._planes is None:
            spec, rig = self.plane_spec, self.rig
            if "scene" in spec:
                self._planes = rig.planes(spec["scene"])
            else:
                from ..calib import Checkerboard

                imgs = {k: load_image(self.base_dir / v, f"plane.board_images.{k}")
                        for k, v in spec["board_images"].items()}
                board = Checkerboard(**spec["board"]) if "board" in spec else None
                self._planes = rig.planes(images=imgs, board=board,
                                          height_mm=spec["height_mm"])
        return self._planes

    # ---------------------------------------------------------------------------------------
    # inspection
    # ---------------------------------------------------------------------------------------
    def run(self, images: Mapping[str, Any], *, name: str | None = None) -> InspectionResult:
        """Inspect one part: ``images`` maps each camera of the recipe to its image (array or
        path) taken at the same moment.

        Raises
        ------
        InputError
            A camera's image missing, unreadable, or of another size than its calibration.
        """
        t0 = time.perf_counter()
        if name is not None and not isinstance(name, str):
            raise InputError(f"name: expected a string or None, given {type(name).__name__}")
        if not isinstance(images, Mapping):
            raise InputError("images: expected a dict camera name -> image")
        missing = sorted(set(self.cameras) - set(images))
        if missing:
            raise InputError(f"images: no image for camera(s) {missing} of the recipe")
        rig, planes = self.rig, self.planes
        feats_mm, errors, features, tools_px = {}, {}, {}, {}
        for cam, tools in self.cameras.items():
            gray = as_gray(load_image(images[cam], f"images[{cam!r}]"))
            size = (int(gray.shape[1]), int(gray.shape[0]))
            if size != tuple(rig.camera(cam).image_size):
                raise InputError(f"images[{cam!r}]: image is {size[0]}x{size[1]} px, camera "
                                 f"{cam!r} was calibrated at {rig.camera(cam).image_size}")
            for tool in tools:
                try:
                    placed, got = run_tool(tool, gray, Pose2D.identity(), planes[cam])
                except (EdgeNotFoundError, FitError, InputError) as exc:
                    errors[tool.name] = str(exc)
                    features[tool.name] = {"camera": cam, "error": str(exc)}
                    continue
                feats_mm[tool.name] = got.mm
                features[tool.name] = {"camera": cam, "px": got.px.to_dict(),
                                       "mm": got.mm.to_dict()}
                tools_px[tool.name] = {**placed.to_dict(), "type": tool_kind(placed),
                                       "camera": cam}
        results = tuple(measure(m, feats_mm, None, errors) for m in self.measurements)
        failed = [m.name for m in results if m.passed is False]
        reasons = ([f"out of tolerance or not measured: {', '.join(failed)}"] if failed else []) \
            + ([f"no edge for tool(s): {', '.join(errors)}"] if errors else [])
        label = name if name is not None else "+".join(sorted(self.cameras))
        return InspectionResult(label, "fail" if reasons else "pass", measurements=results,
                                features=features, tools_px=tools_px,
                                timings_ms={"total": (time.perf_counter() - t0) * 1e3},
                                error="; ".join(reasons) or None)
