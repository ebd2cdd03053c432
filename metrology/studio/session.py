"""The studio's state and actions, without the web server (what every HTTP call does).

A :class:`Studio` holds one recipe, the image on screen and the last results.  Each action calls
the library: ``Recipe.run`` evaluates the recipe on the image (the table's values are exactly
what ``metrology inspect`` reports), ``Tool.measure`` / ``Tool.to_features`` preview one tool
while it is dragged, ``Recipe.from_dict`` validates every edit, ``Recipe.save`` writes,
``Recipe.teach`` / ``Recipe.from_dxf`` propose recipes and
:func:`metrology.teach.tolerances.general_tolerance` gives ISO 2768 tolerances.  Results are
JSON-ready dicts for the page.

Examples
--------
>>> import tempfile, pathlib, cv2
>>> from metrology.synth.shapes import Disk, render_shapes
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> img = render_shapes([(Disk((40.3, 30.2), 20.0), 150.0)], (60, 80), background=50)
>>> _ = cv2.imwrite(str(folder / "part.png"), img.round().astype("uint8"))
>>> from metrology.inspect import Recipe
>>> _ = Recipe.from_dict({"station": {"pixel_size_mm": 0.05},
...     "tools": [{"name": "hole", "type": "circle", "center_xy": [40, 30], "radius": 20}],
...     "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
...                       "nominal_mm": 2.0, "tolerance_mm": 0.01}]}).save(folder / "p.recipe.json")
>>> studio = Studio(folder / "p.recipe.json")
>>> ev = studio.evaluation()
>>> ev["status"], ev["measurements"][0]["result"]["passed"]
('pass', True)
"""

from __future__ import annotations

import math
import re
import threading
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._io import as_path
from ..core.checks import check_positive
from ..errors import EdgeNotFoundError, FileFormatError, FitError, InputError, MetrologyError
from ..image.io import as_gray, load_image
from ..inspect import Recipe
from ..inspect.spec import parse_tool, tool_kind, tool_to_dict
from .files import Sandbox
from .view import View, rounded_dict

__all__ = ["Studio", "EditError"]

#: what a taught or edited recipe carries besides its fields: the loaded station, model and
#: scorer, the rectifier's maps, a taught model not yet written (saved with the recipe)
_WHERE = re.compile(r"^(?P<list>tools|measurements)\[(?P<index>\d+)\]"
                    r"(?:\s*\('[^']*'\))?(?:\.(?P<dotted>[A-Za-z_]+)|:\s*(?:[A-Za-z]+Tool\.)?"
                    r"(?P<field>[A-Za-z_]+)(?=[.:\s]))?")
_ISO_KIND = {"diameter": "linear", "width": "linear", "distance": "linear",
             "position": "linear", "radius": "radius", "angle": "angle"}


class EditError(InputError):
    """An edit the recipe refuses; ``where`` names the list, index and field (for the page to
    show the message next to it)."""

    def __init__(self, message: str, where: dict | None = None):
        super().__init__(message)
        self.where = where if where is not None else error_location(message)


def error_location(message: str) -> dict:
    """``{"list", "index", "field"}`` named by a recipe error message (empty when it names
    none).

    >>> error_location("measurements[1].tolerance_mm: expected a number")
    {'list': 'measurements', 'index': 1, 'field': 'tolerance_mm'}
    >>> error_location("tools[0] ('hole'): radius: expected a positive number, given -3")
    {'list': 'tools', 'index': 0, 'field': 'radius'}
    """
    m = _WHERE.match(message)
    if not m:
        return {}
    out = {"list": m["list"], "index": int(m["index"])}
    field = m["dotted"] or m["field"]
    if field:
        out["field"] = field
    return out


class Studio:
    """One recipe being taught, edited and tried.

    Parameters
    ----------
    recipe_path : path
        The recipe file (it need not exist yet: Teach or Import DXF then make one).  Its folder
        is where the studio reads and writes.
    images : path, optional
        Folder of part images for "Run".
    station : float or dict, optional
        The station for Teach / Import DXF: a pixel size in mm, or a recipe ``station`` dict
        (paths relative to the recipe folder).  Default: the open recipe's station.
    max_upload_bytes : int, optional
    """

    def __init__(self, recipe_path: str | Path, *, images: str | Path | None = None,
                 station: float | Mapping | None = None, max_upload_bytes: int | None = None):
        path = as_path(recipe_path, "recipe_path")
        if station is not None and not isinstance(station, Mapping):
            station = check_positive(station, "station (pixel size in mm)", max=1e6)
        if path.exists() and not path.is_file():
            raise InputError(f"recipe_path: {path} is not a file")
        self.recipe_path = path.resolve()
        kw = {} if max_upload_bytes is None else {"max_upload_bytes": max_upload_bytes}
        self.box = Sandbox(self.recipe_path.parent, images, **kw)
        self.station = station
        self.recipe: Recipe | None = Recipe.load(path) if path.exists() else None
        self.lock = threading.RLock()
        self.runs: dict[str, Any] = {}
        self._images: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._result: Any = None
        self._view: View | None = None
        self._view_image: np.ndarray | None = None
        self._view_tools: list[dict] = []
        keys = list(self.box.images())
        self.image_key: str | None = keys[0] if keys else None

    # -- images ---------------------------------------------------------------------------
    def _gray(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(raw, gray float32) of image ``key``, read once."""
        if key not in self._images:
            raw = load_image(self.box.image(key), key)
            if len(self._images) > 8:
                self._images.pop(next(iter(self._images)))
            self._images[key] = (raw, as_gray(raw, key))
        return self._images[key]

    def view_png(self, key: str | None = None) -> bytes:
        """PNG of the view of ``key`` (default: the image on screen)."""
        import cv2

        with self.lock:
            if key in (None, self.image_key) and self._view_image is not None:
                img = self._view_image
            else:
                self.box.image(key)
                img = self._gray(key)[0]
            ok, buf = cv2.imencode(".png", _as_uint8(img))
            return buf.tobytes()

    def overlay_png(self, key: str) -> bytes:
        """PNG of the library's inspection overlay of the last run on ``key``."""
        import cv2

        with self.lock:
            if not isinstance(key, str) or key not in self.runs:
                raise InputError(f"image {key!r}: not inspected yet (press Run)")
            raw = self._gray(key)[0]
            ok, buf = cv2.imencode(".png", self.runs[key].overlay(raw))
            return buf.tobytes()

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict:
        """Everything the page shows on load."""
        with self.lock:
            ev = self.evaluation() if self.recipe is not None and self.image_key else None
            return {"recipe_file": self.recipe_path.name, "folder": self.box.folder.name,
                    "has_recipe": self.recipe is not None,
                    "recipe": None if self.recipe is None else self._recipe_json(),
                    "images": list(self.box.images()), "run_images": self.box.run_images(),
                    "drawings": self.box.drawings(), "image": self.image_key,
                    "evaluation": ev, "teach_station": self._teach_station() is not None,
                    "max_upload_bytes": self.box.max_upload_bytes,
                    "runs": self._runs_json() if self.runs else None}

    def _recipe_json(self) -> dict:
        d = self.recipe.to_dict()
        return {"name": d.get("name", ""), "measurements": d["measurements"],
                "units": d.get("units", "px"), "has_model": self.recipe.model_spec is not None,
                "station": d["station"]}

    def select_image(self, key: str) -> dict:
        """Show image ``key`` (and evaluate the recipe on it)."""
        with self.lock:
            self.box.image(key)
            self.image_key = key
            return self.state()

    # -- evaluating -----------------------------------------------------------------------
    def evaluation(self) -> dict:
        """Run the recipe on the image on screen (``Recipe.run``) and describe it in view
        pixels: tools, edge points, fits, the measurement table."""
        with self.lock:
            if self.recipe is None:
                raise InputError("no recipe yet: Teach from an image or Import a DXF drawing")
            if self.image_key is None:
                raise InputError("no image: put images in the recipe folder or give --images")
            raw, gray = self._gray(self.image_key)
            t0 = time.perf_counter()
            result = self.recipe.run(raw, name=self.image_key)
            self._result = result
            self._set_view(result, gray)
            out = self._describe(result)
            out["server_ms"] = round((time.perf_counter() - t0) * 1e3, 2)
            return out

    def _set_view(self, result: Any, gray: np.ndarray) -> None:
        recipe = self.recipe
        frame = None
        if getattr(recipe, "units", "px") == "mm":
            from ..inspect.frame import part_frame

            frame = part_frame(recipe.model_spec, recipe.station_spec)
        rect = recipe.rectifier
        if recipe.model_spec is not None and result.pose is None:
            self._view = None
        elif rect is not None:
            spec, plane = recipe.model_spec.rectify, recipe.station.plane
            self._view = View(result.pose, frame, lambda p: spec.to_rect(plane.to_mm(p)))
        else:
            self._view = View(result.pose if result.pose is not None else _identity(), frame)
        self._view_image = gray if rect is None else rect.image(gray)

    def _describe(self, result: Any) -> dict:
        view = self._view
        h, w = self._view_image.shape[:2]
        tools, fits = [], {}
        self._view_tools = []
        for tool in self.recipe.tools:
            if view is None:
                self._view_tools.append({})
                tools.append({"name": tool.name, "type": tool_kind(tool), "dict": None,
                              "outline": []})
                continue
            shown = view.to_view(tool)
            d = rounded_dict({**shown.to_dict(), "type": tool_kind(tool)})
            self._view_tools.append(d)
            tools.append({"name": tool.name, "type": tool_kind(tool), "dict": d,
                          "outline": view.primitives(shown.outline())})
        for name, feat in result.features.items():
            got = result.edge_points_px.get(name)
            entry = {"error": feat.get("error"), "mm": feat.get("mm")}
            if got is not None and view is not None:
                entry.update(used=view.points(got.points_px).tolist(),
                             rejected=view.points(got.outliers_px).tolist(),
                             fit=view.primitives(got.px.outline()))
            fits[name] = entry
        return {"image": self.image_key, "size": [int(w), int(h)],
                "view": "rectified" if self.recipe.rectifier is not None else "image",
                "status": result.status, "error": result.error,
                "pose": None if result.pose is None else result.pose.to_dict(),
                "match_score": result.match_score, "editable": view is not None,
                "tools": tools, "fits": fits,
                "measurements": [_measurement_row(spec, res) for spec, res
                                 in zip(self.recipe.measurements, result.measurements)],
                "timings_ms": {k: round(float(v), 2) for k, v in result.timings_ms.items()}}

    # -- live preview -----------------------------------------------------------------------
    def preview(self, tool_doc: Mapping) -> dict:
        """Measure one tool (view pixels, as the page has it while dragging) on the image on
        screen: its calipers, edge points and fit, in view pixels.  Nothing is stored."""
        t0 = time.perf_counter()
        with self.lock:
            view = self._require_view()
            if not isinstance(tool_doc, Mapping) or not all(isinstance(k, str) for k in tool_doc):
                raise InputError("tool: expected an object (a tool's flat dict)")
            shown = parse_tool({k: v for k, v in tool_doc.items() if not k.startswith("_")},
                               "tool")
            raw_tool = shown if self.recipe.rectifier is None else self.recipe.rectifier.place(
                shown)
            gray = self._gray(self.image_key)[1]
            out: dict[str, Any] = {"name": shown.name}
            try:
                res = raw_tool.measure(gray)
                feats = raw_tool.to_features(res, self.recipe.station.plane)
            except (EdgeNotFoundError, FitError, InputError) as exc:
                out["error"] = str(exc)
            else:
                out.update(calipers=view.primitives(res.outline()[:1]),
                           used=view.points(feats.points_px).tolist(),
                           rejected=view.points(feats.outliers_px).tolist(),
                           fit=view.primitives(feats.px.outline()), mm=feats.mm.to_dict())
            out["server_ms"] = round((time.perf_counter() - t0) * 1e3, 2)
            return out

    def _require_view(self) -> View:
        if self.recipe is None:
            raise InputError("no recipe yet: Teach from an image or Import a DXF drawing")
        if self._view is None or self._view_image is None:
            self.evaluation()
        if self._view is None:
            raise InputError(f"the part is not found on {self.image_key}: pick an image where "
                             f"it is to edit the tools")
        return self._view

    # -- editing ----------------------------------------------------------------------------
    def update(self, edit: Mapping) -> dict:
        """Apply an edit from the page (``name``, ``tools`` in view pixels, ``measurements``),
        validated by ``Recipe.from_dict``; returns the new evaluation.

        Raises
        ------
        EditError
            The recipe refuses the edit (``where`` names the field).
        """
        with self.lock:
            self.recipe = self._edited(edit)
            return self.evaluation()

    def save(self, edit: Mapping | None = None) -> dict:
        """Apply ``edit`` (if given) and write the recipe atomically with ``Recipe.save``."""
        with self.lock:
            if self.recipe is None:
                raise InputError("nothing to save: Teach from an image or Import a DXF drawing")
            if edit is not None:
                self.recipe = self._edited(edit)
            self.recipe.save(self.recipe_path)
            Recipe.load(self.recipe_path)   # what metrology inspect will read back
            return {"saved": self.recipe_path.name, "state": self.state()}

    def _edited(self, edit: Mapping) -> Recipe:
        if self.recipe is None:
            raise InputError("no recipe yet: Teach from an image or Import a DXF drawing")
        if not isinstance(edit, Mapping) or not all(isinstance(k, str) for k in edit):
            raise EditError("edit: expected an object {name, tools, measurements}")
        other = sorted(set(edit) - {"name", "tools", "measurements"})
        if other:   # station, model, anomaly, paths: never from the page
            raise EditError(f"edit: only the name, tools and measurements can be changed from "
                            f"the page, given {other}")
        tools = (self._tools_from_page(edit["tools"]) if "tools" in edit
                 else self.recipe.to_dict()["tools"])
        measurements = (self._measurements_from_page(edit["measurements"], tools)
                        if "measurements" in edit else None)
        try:
            return self.recipe.replace(name=edit.get("name"), tools=tools,
                                       measurements=measurements)
        except FileFormatError as exc:
            raise EditError(str(exc)) from None

    def _tools_from_page(self, tools: Any) -> list[dict]:
        if not isinstance(tools, list):
            raise EditError("tools: expected a list")
        given = getattr(self.recipe, "tools_as_given", self.recipe.tools)
        out = []
        for i, d in enumerate(tools):
            if not isinstance(d, Mapping):
                raise EditError(f"tools[{i}]: expected an object, given {type(d).__name__}")
            d = dict(d)
            src = d.pop("_src", None)
            if (isinstance(src, int) and not isinstance(src, bool)
                    and 0 <= src < len(self._view_tools) and self._view_tools[src] == d):
                out.append(tool_to_dict(given[src]))      # untouched: exactly as it was
                continue
            view = self._require_view()
            try:
                shown = parse_tool(d, f"tools[{i}]")
            except FileFormatError as exc:
                raise EditError(str(exc)) from None
            out.append(rounded_dict(tool_to_dict(view.from_view(shown))))
        return out

    def _measurements_from_page(self, meas: Any, tools: list[dict]) -> list[dict]:
        if not isinstance(meas, list):
            raise EditError("measurements: expected a list")
        out = []
        for i, m in enumerate(meas):
            if isinstance(m, Mapping) and m.get("iso2768") is not None:
                m = self._iso(dict(m), i)
            out.append(m)
        return out

    def _iso(self, m: dict, i: int) -> dict:
        """Replace ``iso2768: cls`` by the ISO 2768-1 deviation for the nominal."""
        from ..teach.tolerances import ISO2768_CLASSES, general_tolerance

        cls = str(m.pop("iso2768")).lower()
        kind = _ISO_KIND.get(m.get("type"))
        unit = "deg" if m.get("type") == "angle" else "mm"
        where = f"measurements[{i}]"
        if cls not in ISO2768_CLASSES:
            raise EditError(f"{where}.tolerance_{unit}: ISO 2768 class must be one of "
                            f"{list(ISO2768_CLASSES)}, given {cls!r}")
        if kind is None or m.get("axis") == "true_position":
            raise EditError(f"{where}.tolerance_{unit}: ISO 2768 gives no general tolerance "
                            f"for a {m.get('type')} {m.get('axis', '')} measurement".rstrip())
        nominal = m.get(f"nominal_{unit}")
        if isinstance(nominal, bool) or not isinstance(nominal, (int, float)):
            raise EditError(f"{where}.nominal_{unit}: an ISO 2768 tolerance needs the nominal "
                            f"value")
        leg = self._shorter_leg_mm(m) if kind == "angle" else None
        dev = general_tolerance(float(nominal), kind, cls, leg_mm=leg)
        if dev is None:
            raise EditError(f"{where}.tolerance_{unit}: ISO 2768-{cls} gives no general "
                            f"tolerance for a nominal of {nominal:g} {unit}; give a ± value")
        m[f"tolerance_{unit}"] = float(dev)
        for k in (f"min_{unit}", f"max_{unit}"):
            m.pop(k, None)
        return m

    def _shorter_leg_mm(self, m: dict) -> float:
        """Length (mm) of the shorter of an angle's two line tools as placed on the image."""
        result = self._result
        plane = self.recipe.station.plane
        lengths = []
        for name in (m.get("from"), m.get("to")):
            placed = (result.tools_px if result is not None else {}).get(name)
            if placed is None or "p0_xy" not in placed:
                raise EditError(f"angle {m.get('name')!r}: ISO 2768 needs the length of the "
                                f"lines {m.get('from')!r} and {m.get('to')!r} on the image")
            a, b = plane.to_mm(np.array([placed["p0_xy"], placed["p1_xy"]], float))
            lengths.append(float(np.hypot(*(b - a))))
        return min(lengths)

    # -- run --------------------------------------------------------------------------------
    def run(self) -> dict:
        """Inspect every image of ``--images`` with the recipe as it is now (``Recipe.run``,
        exactly what ``metrology inspect`` does per image)."""
        with self.lock:
            if self.recipe is None:
                raise InputError("no recipe yet: Teach from an image or Import a DXF drawing")
            keys = self.box.run_images()
            if not keys:
                raise InputError("no images to run on: start the studio with --images DIR")
            self.runs = {}
            for key in keys:
                try:
                    self.runs[key] = self.recipe.run(self._gray(key)[0], name=key)
                except MetrologyError as exc:
                    from ..inspect import InspectionResult

                    self.runs[key] = InspectionResult(key, "error", error=str(exc))
            return self._runs_json()

    def _runs_json(self) -> dict:
        specs = {m.name: m for m in self.recipe.measurements} if self.recipe else {}
        rows = []
        for key, r in self.runs.items():
            rows.append({"image": key, "status": r.status, "error": r.error,
                         "values": {m.name: _finite(m.value) for m in r.measurements},
                         "passed": {m.name: m.passed for m in r.measurements}})
        limits = {}
        for r in self.runs.values():
            for m in r.measurements:
                if m.name in specs and m.name not in limits:
                    limits[m.name] = {"unit": m.unit, "nominal": _finite(m.nominal),
                                      "min": _finite(m.min), "max": _finite(m.max)}
        counts = {s: sum(1 for r in self.runs.values() if r.status == s)
                  for s in ("pass", "fail", "not_found", "error")}
        return {"rows": rows, "limits": limits, "counts": counts}

    # -- teaching ---------------------------------------------------------------------------
    def _teach_station(self) -> Any:
        if self.station is not None:
            return self.station
        if self.recipe is not None:
            return self.recipe.station_spec.to_dict()
        return None

    def _adopt_new(self, recipe: Recipe) -> dict:
        self.recipe = recipe
        self.runs = {}
        self._view = None
        return self.state()

    def teach(self, image_key: str, tolerance: str = "ISO2768-m") -> dict:
        """Replace the recipe by one taught from image ``image_key`` (``Recipe.teach``)."""
        from ..teach.build import TeachOptions

        with self.lock:
            station = self._require_station()
            path = self.box.image(image_key)
            recipe = Recipe.teach(path, station=station, tolerance=tolerance,
                                  name=self.recipe_path.name.split(".")[0],
                                  options=TeachOptions(base_dir=self.box.folder))
            self.image_key = image_key
            return self._adopt_new(recipe)

    def import_dxf(self, drawing: str, polarity: str = "bright",
                   tolerance: str = "ISO2768-m") -> dict:
        """Replace the recipe by one built from the drawing ``drawing`` (``Recipe.from_dxf``)."""
        from ..teach.build import TeachOptions

        with self.lock:
            station = self._require_station()
            path = self.box.drawing(drawing)
            recipe = Recipe.from_dxf(path, station=station, part_polarity=polarity,
                                     tolerance=tolerance,
                                     options=TeachOptions(base_dir=self.box.folder))
            return self._adopt_new(recipe)

    def _require_station(self) -> Any:
        station = self._teach_station()
        if station is None:
            raise InputError("no station: start the studio with --station (a pixel size in mm "
                             "or a station file) to teach a new part")
        return station

    def upload(self, name: str, data: bytes) -> dict:
        """Store an uploaded image or drawing in the recipe folder."""
        with self.lock:
            path = self.box.store(name, data)
            return {"stored": path.name, "state": self.state()}


def _identity():
    from ..core.pose import Pose2D

    return Pose2D.identity()


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _as_uint8(img: np.ndarray) -> np.ndarray:
    """An image for display: uint8 as it is, other depths scaled to their range."""
    if img.dtype == np.uint8:
        return img
    a = np.asarray(img, np.float64)
    lo, hi = (0.0, 255.0) if img.dtype != np.uint16 else (0.0, 65535.0)
    if img.dtype.kind == "f" and (a.min() < 0 or a.max() > 255):
        lo, hi = float(a.min()), float(max(a.max(), a.min() + 1e-9))
    return np.clip((a - lo) * (255.0 / (hi - lo)), 0, 255).round().astype(np.uint8)


def _measurement_row(spec: Any, res: Any) -> dict:
    """One row of the measurement table: the spec as in the file and its result now."""
    value, nominal = _finite(res.value), _finite(res.nominal)
    has_nominal = spec.tolerance is not None and spec.tolerance.has_nominal
    return {"spec": spec.to_dict(), "result": {
        "value": value, "unit": res.unit, "nominal": nominal if has_nominal else None,
        "min": _finite(res.min), "max": _finite(res.max), "passed": res.passed,
        "deviation": None if value is None or not has_nominal or nominal is None
        else value - nominal,
        "uncertainty": _finite(res.uncertainty), "error": res.error}}
