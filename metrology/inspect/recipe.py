"""Inspection recipes: find the part, measure its features in mm, check tolerances.

A recipe is a versioned JSON file (``format: "metrology.recipe"``, ``version: 1``; see
``docs/recipe-format.md``)::

    {
      "format": "metrology.recipe", "version": 1, "name": "bracket",
      "station": {"calibration": "station.json", "plane": {"board_image": "plane.png"}},
      "model": {"file": "bracket.model.json", "min_score": 0.7},
      "tools": [
        {"name": "hole", "type": "circle", "center_xy": [40, 0], "radius": 30,
         "caliper_length": 16, "threshold": 30},
        {"name": "left", "type": "line", "p0_xy": [-150, -80], "p1_xy": [-150, 80]}
      ],
      "measurements": [
        {"name": "hole_d", "type": "diameter", "feature": "hole",
         "nominal_mm": 3.0, "tolerance_mm": 0.02},
        {"name": "hole_to_left", "type": "distance", "from": "hole", "to": "left",
         "nominal_mm": 9.5, "tolerance_mm": 0.05}
      ],
      "anomaly": {"bank": "bracket.bank.npz", "threshold": 0.35}
    }

Tool entries are the caliper tools' flat dicts (:meth:`metrology.caliper.Tool.to_dict`):
their geometry in model-frame pixels, ``num_calipers``, ``caliper_length`` / ``caliper_width``,
``arc_start_deg`` / ``arc_extent_deg``, the edge settings (``sigma``, ``threshold``,
``transition``, ``select``, ``interpolation``, ``subpixel``) and fit settings
(``ransac_threshold_px``, ``passes``, ``correct_curvature``, ``seed``); any omitted key takes
its default.  Paths are relative to the recipe file.  Loading checks every field and raises
:class:`~metrology.errors.FileFormatError` naming it; the station, model and anomaly bank are
loaded once, on first use (each batch worker loads them once).

Examples
--------
>>> recipe = Recipe.from_dict({
...     "station": {"pixel_size_mm": 0.05},
...     "tools": [{"name": "hole", "type": "circle", "center_xy": [40, 30], "radius": 20}],
...     "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
...                       "nominal_mm": 2.0, "tolerance_mm": 0.01}]})
>>> recipe
Recipe(name='', tools=['hole'], measurements=['d'])
>>> recipe.tools[0].edges.threshold, recipe.to_dict()["tools"][0]["center_xy"]
(20.0, [40.0, 30.0])
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .._io import as_path, read_json_file, write_json_file
from ..anomaly.hook import AnomalySpec, score_in_recipe
from ..core.pose import Pose2D
from ..errors import EdgeNotFoundError, FileFormatError, FitError, InputError, MetrologyError
from ..image._illumination import check_mode, tool_image
from ..image.io import as_gray, load_image
from ..caliper.features import Feature
from ._recipe_util import _FitFailure, _parts, _sequence
from .measure import feature_needs, measure
from .uncertainty import feature_gradients
from .result import InspectionResult
from .spec import MeasurementSpec, parse_measurement, parse_tool, tool_kind, tool_to_dict
from .tools import place, run_tool
from .frame import tools_in_model_frame
from .station import Station, StationSpec

__all__ = ["Recipe", "RECIPE_FORMAT", "RECIPE_VERSION", "MatchSpec", "AnomalySpec"]

RECIPE_FORMAT = "metrology.recipe"
RECIPE_VERSION = 1

_MATCH_KEYS = {"file": str, "min_score": (int, float), "greediness": (int, float),
               "max_overlap": (int, float), "rectify": dict, "frame": dict}


class MatchSpec:
    """``model`` field: the shape-model file, ``find`` options (``min_score`` etc.) and an
    optional ``rectify`` view (:class:`~metrology.inspect.rectify.RectifySpec`): search the part
    on the image resampled onto the measuring plane (for tilted cameras)."""

    def __init__(self, file: str, rectify: Any = None, frame: Any = None, **options: Any):
        from .frame import PartFrame
        from .rectify import RectifySpec

        where = "model"
        if not isinstance(file, (str, os.PathLike)) or not os.fspath(file):
            raise FileFormatError(f"{where}.file: expected the path of the shape model, given "
                                  f"{file!r:.60}")
        self.file = file
        if isinstance(rectify, Mapping):
            rectify = RectifySpec.from_dict(rectify)
        if rectify is not None and not isinstance(rectify, RectifySpec):
            raise FileFormatError(f"{where}.rectify: expected a RectifySpec, given "
                                  f"{type(rectify).__name__}")
        self.rectify = rectify
        if isinstance(frame, Mapping):
            frame = PartFrame.from_dict(frame)
        if frame is not None and not isinstance(frame, PartFrame):
            raise FileFormatError(f"{where}.frame: expected a PartFrame, given "
                                  f"{type(frame).__name__}")
        self.frame = frame  # part frame (mm) <-> model px, for "units": "mm"
        for k, v in options.items():
            if k not in _MATCH_KEYS or k in ("file", "rectify", "frame"):
                raise FileFormatError(f"{where}.{k}: unknown field; allowed: "
                                      f"{sorted(_MATCH_KEYS)}")
            if isinstance(v, bool) or not isinstance(v, _MATCH_KEYS[k]) or (
                    isinstance(v, float) and not math.isfinite(v)):
                raise FileFormatError(f"{where}.{k}: wrong type or value {v!r:.40}")
        ms = options.get("min_score", 0.7)
        if not 0 < ms <= 1:
            raise FileFormatError(f"{where}.min_score: expected a number in (0, 1], given {ms!r}")
        self.options = dict(options)

    def to_dict(self) -> dict:
        d = {"file": self.file, **self.options}
        if self.rectify is not None:
            d["rectify"] = self.rectify.to_dict()
        if self.frame is not None:
            d["frame"] = self.frame.to_dict()
        return d

    @classmethod
    def from_dict(cls, doc: Any, where: str = "model") -> "MatchSpec":
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"{where}: expected an object {{\"file\": PATH, ...}}, given "
                                  f"{type(doc).__name__}")
        for k, v in doc.items():
            if k not in _MATCH_KEYS:
                raise FileFormatError(f"{where}.{k}: unknown field; allowed: {sorted(_MATCH_KEYS)}")
            if isinstance(v, bool) or not isinstance(v, _MATCH_KEYS[k]):
                raise FileFormatError(f"{where}.{k}: wrong type {type(v).__name__} ({v!r})")
        if "file" not in doc or not doc["file"]:
            raise FileFormatError(f"{where}.file: missing field (path of the shape model)")
        ms = doc.get("min_score", 0.7)
        if not 0 < ms <= 1:
            raise FileFormatError(f"{where}.min_score: expected a number in (0, 1], given {ms!r}")
        opts = {k: v for k, v in doc.items() if k not in ("file", "rectify", "frame")}
        rect = None
        if "rectify" in doc:
            from .rectify import RectifySpec

            rect = RectifySpec.from_dict(doc["rectify"], f"{where}.rectify")
        return cls(doc["file"], rect, doc.get("frame"), **opts)


def _check_feature(where: str, m: MeasurementSpec, fname: str, caps: tuple[str, ...],
                   tools: Mapping[str, Any]) -> None:
    """The tool ``fname`` must exist and its feature provide one of ``caps``."""
    if fname not in tools:
        raise FileFormatError(f"{where}: names feature {fname!r}, but no tool has that name "
                              f"(tools: {sorted(tools)})")
    tool = tools[fname]
    provides = getattr(type(tool).feature_type, "provides", frozenset())
    if not provides & set(caps):
        from ..caliper.plan import RECIPE_TYPES

        fit = sorted(k for k, c in RECIPE_TYPES.items()
                     if getattr(c.feature_type, "provides", frozenset()) & set(caps))
        raise FileFormatError(f"{where}: a {m.type!r} measurement cannot use the "
                              f"{tool_kind(tool)} tool {fname!r} there (expected "
                              f"{' or '.join(fit)})")


def _placed_dict(placed: Any) -> dict:
    """A placed tool's flat dict with its recipe type (what the overlay draws)."""
    return {**placed.to_dict(), "type": tool_kind(placed)}


#: What a recipe holds beside its document: loaded or built in memory, kept by ``replace``.
_RUNTIME_STATE = ("_station", "_model", "_scorer", "_rectifier", "_before_save", "path",
                  "teach_info")


class Recipe:
    """An inspection recipe (see the module docstring for the file format).

    Parameters
    ----------
    tools : sequence of caliper tools
        :mod:`metrology.caliper` tools in the model frame (``CircleTool``, ``LineTool``,
        ``EllipseTool``, ``EdgePairTool``), each with a unique, non-empty ``name``.
    measurements : sequence of MeasurementSpec
        Derived measurements with tolerances; the features they name must exist and be of a
        suitable kind.
    station : StationSpec
        Calibration + measuring plane (or a bare pixel size).
    model : MatchSpec or None
        Shape model used to find the part; None for fixtured parts (tools in image pixels).
    anomaly : AnomalySpec or None
    name : str
    base_dir : path
        Folder that relative paths are resolved against (the recipe file's folder).
    units : {"px", "mm"}
        Units of the tools' geometry: model pixels, or mm in the part frame (see
        :mod:`metrology.inspect.frame`; the model field's ``frame`` or its rectified view /
        the station's pixel size gives the scale).

    Examples
    --------
    >>> from metrology.synth.shapes import Disk, render_shapes
    >>> image = render_shapes([(Disk((40.3, 30.2), 20.0), 150.0)], (60, 80), background=50)
    >>> recipe = Recipe.from_dict({
    ...     "station": {"pixel_size_mm": 0.05},
    ...     "tools": [{"name": "hole", "type": "circle", "center_xy": [40, 30], "radius": 20}],
    ...     "measurements": [{"name": "d", "type": "diameter", "feature": "hole",
    ...                       "nominal_mm": 2.0, "tolerance_mm": 0.01}]})
    >>> result = recipe.run(image)
    >>> result.status, round(result.values()["d"], 4)
    ('pass', 2.0)
    """

    def __init__(self, tools: Sequence[Any], measurements: Sequence[MeasurementSpec], *,
                 station: StationSpec, model: MatchSpec | None = None,
                 anomaly: AnomalySpec | None = None, name: str = "",
                 base_dir: str | os.PathLike = ".", units: str = "px", illumination: str = "none"):
        if units not in ("px", "mm"):
            raise FileFormatError(f"units: expected 'px' or 'mm', given {units!r}")
        _parts(station, model, anomaly, name, (StationSpec, MatchSpec, AnomalySpec))
        self.units, self.illumination = units, check_mode(illumination)  # image._illumination
        self.tools_as_given = _sequence(tools, "tools")
        self.tools = self.tools_as_given
        if units == "mm":
            self.tools = tools_in_model_frame(self.tools_as_given, model, station)
        self.measurements = _sequence(measurements, "measurements")
        self.station_spec = station
        self.model_spec = model
        self.anomaly_spec = anomaly
        self.name = name
        self.base_dir = as_path(base_dir, "base_dir")
        self.path: Path | None = None
        self._validate()
        self._station: Station | None = None
        self._model: Any = None
        self._scorer: Any = None
        self._rectifier: Any = None

    # ---------------------------------------------------------------------------------------
    # validation, files
    # ---------------------------------------------------------------------------------------
    def _validate(self) -> None:
        if not self.tools:
            raise FileFormatError("tools: a recipe needs at least one tool")
        seen: set[str] = set()
        for i, t in enumerate(self.tools):
            tool_kind(t)
            if not isinstance(t.name, str) or not t.name.strip():
                raise FileFormatError(f"tools[{i}].name: every tool needs a non-empty name")
            if t.name in seen:
                raise FileFormatError(f"tools[{i}].name: duplicate tool name {t.name!r}")
            seen.add(t.name)
        by_name = {t.name: t for t in self.tools}
        mseen: set[str] = set()
        for i, m in enumerate(self.measurements):
            where = f"measurements[{i}] ({m.name!r})"
            if m.name in mseen:
                raise FileFormatError(f"measurements[{i}].name: duplicate name {m.name!r}")
            mseen.add(m.name)
            for fname, caps in feature_needs(m):
                _check_feature(where, m, fname, caps, by_name)

    def to_dict(self) -> dict:
        """The recipe as the JSON document written by :meth:`save`."""
        d: dict[str, Any] = {"name": self.name, "station": self.station_spec.to_dict()}
        if self.model_spec is not None:
            d["model"] = self.model_spec.to_dict()
        if self.units == "mm":
            d["units"] = "mm"
        d["tools"] = [tool_to_dict(t) for t in self.tools_as_given]
        d["measurements"] = [m.to_dict() for m in self.measurements]
        if self.anomaly_spec is not None:
            d["anomaly"] = self.anomaly_spec.to_dict()
        d.update({"illumination": self.illumination} if self.illumination != "none" else {})
        return d

    @classmethod
    def from_dict(cls, doc: Mapping, base_dir: str | os.PathLike = ".") -> "Recipe":
        """Parse a recipe document (``format``/``version`` optional here), checking every field."""
        if not isinstance(doc, Mapping):
            raise FileFormatError(f"recipe: expected a JSON object, given {type(doc).__name__}")
        allowed = {"format", "version", "name", "station", "model", "tools", "measurements",
                   "anomaly", "description", "units", "illumination"}
        unknown = sorted(map(str, set(doc) - allowed))
        if unknown:
            raise FileFormatError(f"recipe: unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        if "station" not in doc:
            raise FileFormatError("station: missing field (calibration + plane, or "
                                  "pixel_size_mm)")
        station = StationSpec.from_dict(doc["station"])
        model = None if doc.get("model") is None else MatchSpec.from_dict(doc["model"])
        tools_doc = doc.get("tools")
        if not isinstance(tools_doc, list):
            raise FileFormatError("tools: missing field or not a list")
        tools = [parse_tool(t, f"tools[{i}]") for i, t in enumerate(tools_doc)]
        meas_doc = doc.get("measurements", [])
        if not isinstance(meas_doc, list):
            raise FileFormatError("measurements: expected a list")
        meas = [parse_measurement(m, f"measurements[{i}]") for i, m in enumerate(meas_doc)]
        anomaly = None if doc.get("anomaly") is None else AnomalySpec.from_dict(doc["anomaly"])
        name = doc.get("name", "")
        if not isinstance(name, str):
            raise FileFormatError(f"name: expected a string, given {name!r}")
        return cls(tools, meas, station=station, model=model, anomaly=anomaly, name=name,
                   base_dir=base_dir, **{k: doc[k] for k in ("units", "illumination") if k in doc})

    def replace(self, *, name: str | None = None, tools: Sequence[Mapping] | None = None,
                measurements: Sequence[Mapping] | None = None) -> "Recipe":
        """A copy with another name, tools or measurements, checked as a loaded file is.

        ``tools`` and ``measurements`` are given as in the recipe JSON (lists of dicts).  The
        station, model and anomaly entries are this recipe's, so what it has loaded or built
        in memory (station, shape model, scorer, rectifier maps, a taught model not yet saved)
        carries over: an edit does not reload them.  Errors are ``FileFormatError`` naming the
        field (``tools[2]: ...``).
        """
        doc = self.to_dict()
        if name is not None:
            doc["name"] = name
        for key, value in (("tools", tools), ("measurements", measurements)):
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                raise InputError(f"{key}: expected a list of dicts as in the recipe JSON, "
                                 f"given {type(value).__name__}")
            doc[key] = list(value)
        new = type(self).from_dict(doc, base_dir=self.base_dir)
        for k in _RUNTIME_STATE:
            if k in vars(self):
                setattr(new, k, getattr(self, k))
        return new

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Recipe":
        """Read and validate a recipe file (``FileFormatError`` names the bad field)."""
        path = as_path(path, "path")
        doc = read_json_file(path, fmt=RECIPE_FORMAT, versions=[RECIPE_VERSION])
        try:
            recipe = cls.from_dict(doc, base_dir=path.resolve().parent)
        except FileFormatError as exc:
            raise FileFormatError(f"{path}: {exc}") from None
        recipe.path = path.resolve()
        return recipe

    def save(self, path: str | os.PathLike) -> Path:
        """Write the recipe atomically.  Relative paths inside stay relative to ``base_dir``;
        save next to the station/model files (or give them as absolute paths).  A shape model
        built in memory (by :meth:`teach` / :meth:`from_dxf`) is written beside the recipe
        first (``metrology.teach.build.save_taught``)."""
        if getattr(self, "_before_save", None) is not None:
            self._before_save(self, Path(path))
        return write_json_file(path, self.to_dict(), fmt=RECIPE_FORMAT, version=RECIPE_VERSION)

    # teaching: implemented in metrology.teach, the layer above, imported on use
    @classmethod
    def teach(cls, golden_image: Any, *, station: Any, tolerance: Any = "ISO2768-m",
              model_options: Mapping | None = None, features: Any = "auto",
              **kwargs: Any) -> "Recipe":
        """A recipe taught from a golden image (:func:`metrology.teach.build.teach_recipe`)."""
        from ..teach.build import known_keywords, teach_recipe

        known_keywords(teach_recipe, kwargs)
        return teach_recipe(golden_image, station=station, tolerance=tolerance,
                            model_options=model_options, features=features, **kwargs)

    @classmethod
    def from_dxf(cls, path: str | os.PathLike, *, station: Any, part_polarity: str = "bright",
                 tolerance: Any = "ISO2768-m", layer: str | None = None,
                 **kwargs: Any) -> "Recipe":
        """A recipe from a DXF drawing (:func:`metrology.teach.build.recipe_from_dxf`)."""
        from ..teach.build import known_keywords, recipe_from_dxf

        known_keywords(recipe_from_dxf, kwargs)
        return recipe_from_dxf(path, station=station, part_polarity=part_polarity,
                               tolerance=tolerance, layer=layer, **kwargs)

    def describe(self) -> str:
        """Tools and measurements by name (:func:`metrology.teach.show.describe_recipe`)."""
        from ..teach.show import describe_recipe

        return describe_recipe(self)

    # ---------------------------------------------------------------------------------------
    # runtime objects (loaded once)
    # ---------------------------------------------------------------------------------------
    @property
    def station(self) -> Station:
        """The loaded station (calibration + plane), loaded on first use."""
        if self._station is None:
            self._station = Station.load(self.station_spec, self.base_dir)
        return self._station

    @property
    def model(self) -> Any:
        """The loaded :class:`metrology.match.ShapeModel` (None without a model)."""
        if self.model_spec is None:
            return None
        if self._model is None:
            from ..match import ShapeModel

            self._model = ShapeModel.load(self.base_dir / self.model_spec.file)
        return self._model

    @property
    def scorer(self) -> Any:
        """The anomaly scorer (None without one)."""
        if self.anomaly_spec is None:
            return None
        if self._scorer is None:
            if self.anomaly_spec.scorer is not None:
                self._scorer = self.anomaly_spec.scorer
            else:
                from ..anomaly import PatchCore

                self._scorer = PatchCore.load(self.base_dir / self.anomaly_spec.bank)
        return self._scorer

    def __getstate__(self) -> dict:
        """Pickled (to batch workers) without the loaded station/model/bank: a worker loads the
        model and bank once and is handed the caller's station and rectifier."""
        state = dict(self.__dict__)
        state.update(_station=None, _model=None, _scorer=None, _rectifier=None)
        return state

    @property
    def rectifier(self) -> Any:
        """The :class:`~metrology.inspect.rectify.Rectifier` of ``model.rectify`` (or None)."""
        if self.model_spec is None or self.model_spec.rectify is None:
            return None
        if self._rectifier is None:
            from .rectify import Rectifier

            self._rectifier = Rectifier(self.model_spec.rectify, self.station.plane)
        return self._rectifier

    def rectified(self, image: Any) -> np.ndarray:
        """``image`` resampled onto the measuring plane as ``model.rectify`` says (what the
        shape model of a rectified recipe is built from and searched in)."""
        if self.rectifier is None:
            raise InputError("rectified: the recipe's model has no 'rectify' view")
        return self.rectifier.image(as_gray(image))

    def prepare(self) -> "Recipe":
        """Load the station, model and scorer now (batch workers call this once)."""
        _ = self.station, self.model, self.scorer, self.rectifier
        return self

    # ---------------------------------------------------------------------------------------
    # inspection
    # ---------------------------------------------------------------------------------------
    def run(self, image: Any, *, name: str | None = None) -> InspectionResult:
        """Inspect one image (array or path).

        Returns an :class:`InspectionResult` with status ``pass``, ``fail`` (a measurement out of
        tolerance or not measurable, or anomalous) or ``not_found``.

        Raises
        ------
        InputError
            Unreadable image, or its size differs from the calibrated camera's.
        """
        t_start = time.perf_counter()
        timings: dict[str, float] = {}
        label = name if name is not None else (str(image) if isinstance(image, (str, os.PathLike))
                                               else "<array>")
        raw = load_image(image)
        gray = as_gray(raw)
        station = self.station
        station.check_image(gray, label)
        size = (int(gray.shape[1]), int(gray.shape[0]))
        timings["load"] = (time.perf_counter() - t_start) * 1e3

        # -- find the part ---------------------------------------------------------------
        t = time.perf_counter()
        pose, score = Pose2D.identity(), None
        placer = self.rectifier.place if self.rectifier is not None else None
        if self.model_spec is not None:
            opts = dict(self.model_spec.options)
            opts.setdefault("min_score", 0.7)
            # the model sees the image in its own dtype (its contrast scale knows uint16)
            native = as_gray(raw, dtype=None)
            search = native if placer is None else self.rectifier.image(native)
            matches = self.model.find(search, max_matches=1, **opts)
            timings["match"] = (time.perf_counter() - t) * 1e3
            if not matches:
                timings["total"] = (time.perf_counter() - t_start) * 1e3
                return InspectionResult(label, "not_found", timings_ms=timings, image_size=size,
                                        pose_frame="rectified" if placer else "image",
                                        error=f"part not found (no match with score >= "
                                              f"{opts['min_score']})")
            pose, score = matches[0].pose, float(matches[0].score)

        # -- tools: edges in px, fits in px and mm ---------------------------------------------
        t = time.perf_counter()
        feats_px, feats_mm, errors, features, tools_px, edge_pts = self._run_tools(
            tool_image(gray, self.illumination), pose, station, placer)
        timings["tools"] = (time.perf_counter() - t) * 1e3

        # -- measurements, each with its uncertainty budget ---------------------------------
        t = time.perf_counter()
        grads = feature_gradients(station.plane, edge_pts) if self.measurements else {}
        results = tuple(measure(m, feats_mm, feats_px, errors, grads=grads,
                                covariance=station.covariance) for m in self.measurements)
        timings["measure"] = (time.perf_counter() - t) * 1e3

        # -- anomaly -----------------------------------------------------------------------
        a_score = a_thr = None
        if self.anomaly_spec is not None:
            t = time.perf_counter()
            a_score = self._anomaly_score(raw, gray, pose)
            a_thr = self.anomaly_spec.threshold
            timings["anomaly"] = (time.perf_counter() - t) * 1e3

        failed = [m.name for m in results if m.passed is False]
        reasons = []
        if failed:
            reasons.append(f"out of tolerance or not measured: {', '.join(failed)}")
        # a tool that found no edge or failed fails the part even if nothing uses it
        # (FitError: it found edges, but its fit failed, e.g. left the calipers' band)
        no_edge = [n for n in errors if not isinstance(errors[n], _FitFailure)]
        if no_edge:
            reasons.append(f"no edge for tool(s): {', '.join(no_edge)}")
        reasons += [f"tool {n} failed: {e}" for n, e in errors.items() if n not in no_edge]
        if a_score is not None and a_score > a_thr:
            reasons.append(f"anomaly score {a_score:.3g} above threshold {a_thr:.3g}")
        status = "fail" if (failed or errors or reasons) else "pass"
        timings["total"] = (time.perf_counter() - t_start) * 1e3
        return InspectionResult(label, status,
                                pose=pose if self.model_spec is not None else None,
                                match_score=score, measurements=results, features=features,
                                tools_px=tools_px, anomaly_score=a_score,
                                anomaly_threshold=a_thr, timings_ms=timings,
                                error="; ".join(reasons) or None, image_size=size,
                                edge_points_px=edge_pts,
                                pose_frame="rectified" if placer else "image")

    def _run_tools(self, gray: np.ndarray, pose: Pose2D, station: Station, placer: Any):
        """Every tool placed, measured and fitted in px and mm (each tool class knows how:
        ``tool.to_features``); a tool that fails is recorded with its reason."""
        feats_px: dict[str, Feature] = {}
        feats_mm: dict[str, Feature] = {}
        errors: dict[str, str] = {}
        features: dict[str, dict] = {}
        tools_px: dict[str, dict] = {}
        edge_pts: dict[str, Any] = {}
        for tool in self.tools:
            try:
                placed, got = run_tool(tool, gray, pose, station.plane, placer)
            except (EdgeNotFoundError, FitError, InputError) as exc:
                errors[tool.name] = _FitFailure(exc) if isinstance(exc, FitError) else str(exc)
                features[tool.name] = {"error": str(exc)}
                try:
                    tools_px[tool.name] = _placed_dict(place(tool, pose, placer))
                except MetrologyError:
                    pass
                continue
            feats_px[tool.name], feats_mm[tool.name] = got.px, got.mm
            features[tool.name] = {"px": got.px.to_dict(), "mm": got.mm.to_dict()}
            tools_px[tool.name] = _placed_dict(placed)
            edge_pts[tool.name] = got
        return feats_px, feats_mm, errors, features, tools_px, edge_pts

    def _anomaly_score(self, raw: np.ndarray, gray: np.ndarray, pose: Pose2D) -> float:
        return score_in_recipe(self.anomaly_spec, self.scorer, raw, pose, self.rectifier)

    # ---------------------------------------------------------------------------------------
    # batch
    # ---------------------------------------------------------------------------------------
    def run_many(self, paths: Iterable[str | os.PathLike], *, jobs: int = 1,
                 output: str | os.PathLike | None = None, **kwargs: Any) -> list[InspectionResult]:
        """Inspect many images (see :func:`metrology.inspect.run_many`); results in input order.

        With ``output`` (a ``.jsonl`` path) each result is appended as it finishes and images
        already in the file are skipped (their recorded results are returned).

        Raises
        ------
        InputError
            ``paths`` is not a collection of image paths (one path: a list of one, or
            :func:`metrology.inspect.list_images` for a folder).
        """
        from .batch import run_many

        if isinstance(paths, (str, bytes, os.PathLike)) or not isinstance(paths, Iterable) \
                or isinstance(paths, Mapping):
            raise InputError(f"paths: expected a list of image paths (for a folder: "
                             f"list_images(folder)), given {type(paths).__name__}")
        paths = list(paths)
        bad = [p for p in paths if not isinstance(p, (str, os.PathLike))]
        if bad:
            raise InputError(f"paths: expected image paths, given a {type(bad[0]).__name__}")

        return run_many(self, paths, jobs=jobs, output=output, **kwargs).results

    def __repr__(self) -> str:
        return (f"Recipe(name={self.name!r}, tools={[t.name for t in self.tools]}, "
                f"measurements={[m.name for m in self.measurements]})")
