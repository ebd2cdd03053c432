"""Recipes from a drawing or a golden image: shape model, tools on every feature, measurements.

Both routes end in the same place: a :class:`~metrology.inspect.Recipe` with ``"units": "mm"``
(tool coordinates in mm in the part frame, :mod:`metrology.inspect.frame`), a shape model whose
pixels relate to that frame by a known scale, one caliper tool per feature and the measurements
a drawing would carry (:mod:`metrology.teach.proposals`), toleranced by ISO 2768-1 (or a fixed
+-t, or the drawing's own toleranced dimensions).

Where the model lives: with a ``pixel_size_mm`` station (telecentric or pre-rectified) the model
is built at that pixel size and searched in the image itself; with a calibrated station (camera +
measuring plane) it is built and searched in the rectified view of the plane
(:mod:`metrology.inspect.rectify`, at the plane's scale at the image centre unless
``model_mm_per_px`` says otherwise), where the part is an exact similarity at any position and
angle; the calipers always measure the raw image and the plane turns their edges into mm.

* :func:`recipe_from_dxf`: the part frame is the drawing's (origin and axes, ``"y_up": true``);
  the model template is rendered from the drawing (anti-aliased, bright or dark part), nominal
  values are the drawing's.
* :func:`teach_recipe`: the part frame has its origin at the centre of the part's bounding box
  in the golden view, x right, y down; primitives come from :mod:`metrology.teach.segment`; the
  nominal values are what the recipe's own calipers measure on the golden part.

Tool layout (:mod:`metrology.teach.layout`): every tool is sized from its feature and its
neighbours: its calipers tile the longest stretch of the feature that no other edge crosses
(a blur margin short of a corner or a tangent point), a caliper every 3 px on circles and arcs
(16-64; 8-64 on arcs) and every 4 px on lines (4-48), the caliper length covers the placement
uncertainty and the edge blur; facing parallel edges closer than ``pair_max_px`` (default 40)
get one edge-pair caliper as wide as the stretch where both run side by side.  Every tool
knows which side the material is on, so its ``transition`` picks the part's own edge (not a
neighbour's of the other polarity).  The recipe's ``teach_info["predicted_sigma_px"]`` holds
the 1-sigma each measurement's layout predicts (the Cramer-Rao bound of its edge pixels,
propagated as a run does), and ``teach_info["warnings"]`` the measurements whose geometry keeps
them above 0.0125 px.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..core.checks import check_choice, check_finite, check_positive
from ..core.pose import Pose2D
from ..errors import InputError
from .dimensions import apply_dimensions
from .layout import EdgeModel, Obstacles
from .proposals import Proposal, propose
from .tolerances import parse_tolerance
from .tools import (DXF_EDGES, PLACEMENT_PX, build_tools, golden_edge_model, keep_features,
                    precision_report, rounded, usable_measurements)

#: the rest (``resolve_station``, ``TeachView``, ``save_taught``) serves the two routes and
#: ``Recipe.save``; it is not public API
__all__ = ["teach_recipe", "recipe_from_dxf", "TeachOptions"]

PAIR_MAX_PX = 40.0
#: largest part (px across) a drawing is taught at: beyond, the pixel size or units are wrong
MAX_PART_PX = 20000.0
@dataclass(frozen=True)
class TeachOptions:
    """The less common options of :func:`recipe_from_dxf` and :func:`teach_recipe`.

    Attributes
    ----------
    base_dir : path
        Folder that a station dict's relative file names are read from (and the recipe's
        until it is saved elsewhere).
    station_spec : StationSpec or dict, optional
        What the recipe file says about a station given as an in-memory Plane or Station
        (default: ``station.json`` + ``plane.json`` beside the recipe).
    model_mm_per_px : float, optional
        Pixel size of the rectified model view (calibrated stations; default: the plane's
        scale at the image centre).
    pair_max_px : float
        Facing parallel edges closer than this (px) get an edge-pair tool.
    min_score : float
        The recipe's shape-model ``min_score``.
    join_tol_mm : float
        Drawings: endpoints closer than this meet.
    segment : SegmentOptions, optional
        Golden images: the segmentation's parameters.
    model_file : str, optional
        File name of the shape model beside the recipe (default ``<drawing>.model.json`` /
        ``part.model.json``).
    edge_model : EdgeModel, optional
        Contrast, noise and blur of the images the recipe will see, for the tool layout and
        the predicted precision (default: measured on the golden image; for a drawing,
        :data:`DXF_EDGES`).
    placement_px : float
        How far (px) an edge may lie from where its tool expects it (the calipers' search
        range is this plus the edge blur, either side).
    """

    base_dir: str | os.PathLike = "."
    station_spec: Any = None
    model_mm_per_px: float | None = None
    pair_max_px: float = PAIR_MAX_PX
    min_score: float = 0.7
    join_tol_mm: float = 0.005
    segment: Any = None
    model_file: str | None = None
    edge_model: EdgeModel | None = None
    placement_px: float = PLACEMENT_PX

    def __post_init__(self):
        from .._io import as_path
        from .segment import SegmentOptions

        as_path(self.base_dir, "base_dir")
        for name, lo, hi in (("pair_max_px", 0.0, 1e4), ("min_score", 0.05, 1.0),
                             ("join_tol_mm", 1e-9, 10.0), ("placement_px", 0.5, 1000.0)):
            object.__setattr__(self, name, check_finite(getattr(self, name), name, min=lo,
                                                        max=hi))
        if self.model_mm_per_px is not None:
            object.__setattr__(self, "model_mm_per_px", check_positive(
                self.model_mm_per_px, "model_mm_per_px", max=1e3))
        for name, cls in (("segment", SegmentOptions), ("edge_model", EdgeModel)):
            v = getattr(self, name)
            if v is not None and not isinstance(v, cls):
                raise InputError(f"{name}: expected a {cls.__name__} or None, given "
                                 f"{type(v).__name__}")
        if self.model_file is not None:
            as_path(self.model_file, "model_file")
        if self.station_spec is not None and not isinstance(self.station_spec, Mapping) and \
                type(self.station_spec).__name__ != "StationSpec":
            raise InputError(f"station_spec: expected a StationSpec, a dict or None, given "
                             f"{type(self.station_spec).__name__}")


def known_keywords(fn: Any, kwargs: Mapping) -> None:
    """Raise :class:`InputError` naming any keyword of ``kwargs`` that ``fn`` does not take
    (``Recipe.teach`` / ``Recipe.from_dxf`` pass theirs on)."""
    import inspect

    known = set(inspect.signature(fn).parameters)
    unknown = sorted(str(k) for k in kwargs if k not in known)
    if unknown:
        raise InputError(f"{fn.__name__}: unknown option(s) {unknown}; it takes "
                         f"{sorted(known)}")


def _check_common(model_options: Any, features: Any, name: Any, options: Any) -> TeachOptions:
    """The options both routes share, checked; returns the options (default if None)."""
    if model_options is not None and not isinstance(model_options, Mapping):
        raise InputError(f"model_options: expected a dict or None, given "
                         f"{type(model_options).__name__}")
    ok = features in ("auto", None) or isinstance(features, str) or (
        isinstance(features, (list, tuple, set, frozenset))
        and all(isinstance(f, str) for f in features))
    if not ok:
        raise InputError(f"features: expected 'auto', a feature name or kind, or a list of them, "
                         f"given {type(features).__name__}")
    if name is not None and not isinstance(name, str):
        raise InputError(f"name: expected a string, given {type(name).__name__}")
    if options is not None and not isinstance(options, TeachOptions):
        raise InputError(f"options: expected TeachOptions or None, given "
                         f"{type(options).__name__}")
    return options or TeachOptions()


# --------------------------------------------------------------------------------------------
# station and view
# --------------------------------------------------------------------------------------------
class TeachView:
    """Where the model lives: the image itself (scale station) or the rectified plane view."""

    def __init__(self, spec: Any, station: Any, mm_per_px: float | None = None):
        from ..inspect.rectify import RectifySpec
        from ..inspect.station import ScalePlane

        self.spec = spec
        self.station = station
        plane = station.plane
        if isinstance(plane, ScalePlane):
            self.rectify = None
            self.mm_per_px = plane.pixel_size_mm
            if mm_per_px is not None and abs(mm_per_px - plane.pixel_size_mm) > 1e-12:
                raise InputError("model_mm_per_px: a pixel_size_mm station's model is built at "
                                 "the station's pixel size")
        else:
            if station.image_size is None:
                raise InputError("station: a calibrated station needs its image size")
            self.rectify = RectifySpec.covering(plane, station.image_size, mm_per_px)
            self.mm_per_px = self.rectify.mm_per_px

    @property
    def rectifier(self) -> Any:
        """The :class:`~metrology.inspect.rectify.Rectifier` of the view (None: the image)."""
        if self.rectify is None:
            return None
        if getattr(self, "_rectifier", None) is None:
            from ..inspect.rectify import Rectifier

            self._rectifier = Rectifier(self.rectify, self.station.plane)
        return self._rectifier

    def view(self, gray: np.ndarray) -> np.ndarray:
        """The image the model is built from / searched in."""
        return gray if self.rectify is None else self.rectifier.image(gray)


def resolve_station(station: Any, base_dir: str | os.PathLike = ".",
                    station_spec: Any = None) -> tuple[Any, Any]:
    """``(StationSpec, Station)`` from what a caller gives as ``station``.

    Accepted: a pixel size in mm (telecentric / pre-rectified), a recipe ``station`` dict or a
    :class:`~metrology.inspect.station.StationSpec` (files relative to ``base_dir``), a loaded
    :class:`~metrology.inspect.station.Station`, or a :class:`metrology.calib.Plane` (in memory:
    the recipe then refers to ``station.json`` + ``plane.json`` beside it unless
    ``station_spec`` says otherwise).
    """
    from ..inspect.station import Station, StationSpec

    if isinstance(station, bool):
        raise InputError(f"station: expected a pixel size, a station spec or a plane, given "
                         f"{station!r}")
    if isinstance(station, (int, float)):
        if not (math.isfinite(station) and 1e-6 <= station <= 1e3):
            raise InputError(f"station: expected a pixel size in mm (1e-6 .. 1000), given "
                             f"{station!r:.40}")
        spec = StationSpec(pixel_size_mm=float(station))
        return spec, Station.load(spec, Path(base_dir))
    if isinstance(station, Mapping):
        station = StationSpec.from_dict(station)
    if isinstance(station, StationSpec):
        return station, Station.load(station, Path(base_dir))
    default = StationSpec(calibration="station.json", plane={"file": "plane.json"})
    spec = station_spec if station_spec is not None else default
    if isinstance(spec, Mapping):
        spec = StationSpec.from_dict(spec)
    if isinstance(station, Station):
        return spec, station
    if hasattr(station, "to_mm") and hasattr(station, "camera"):  # a calib.Plane
        size = tuple(int(v) for v in station.camera.image_size)
        return spec, Station(station, size, {"mapping": "plane", "note": "in-memory plane"})
    raise InputError(f"station: expected a pixel size (mm), a station dict/StationSpec, a Station "
                     f"or a Plane, given {type(station).__name__}")


def _recipe(tools_mm: list, measurements: Iterable[Mapping], *, spec: Any, station: Any,
            view: TeachView, frame: Any, model: Any, name: str, model_file: str,
            min_score: float, base_dir: str | os.PathLike = ".") -> Any:
    from ..inspect.recipe import MatchSpec, Recipe
    from ..inspect.spec import parse_measurement

    tool_names = {t.name for t in tools_mm}
    meas = [parse_measurement(m, f"measurements[{i}]")
            for i, m in enumerate(usable_measurements(measurements, tool_names))]
    mspec = MatchSpec(model_file, view.rectify, frame, min_score=min_score)
    recipe = Recipe(tools_mm, meas, station=spec, model=mspec, name=name, units="mm",
                    base_dir=base_dir)
    recipe._station = station
    recipe._model = model
    recipe._before_save = save_taught
    recipe._rectifier = view.rectifier     # the same resampling maps, built once
    return recipe


def save_taught(recipe: Any, path: Path) -> None:
    """Before a taught recipe is first saved: write its in-memory shape model beside it (under
    ``model.file``) and re-point the station files, given relative to where it was taught, to
    the recipe's folder (called by :meth:`Recipe.save`)."""
    from ..inspect.station import StationSpec

    folder = Path(path).resolve().parent
    recipe._model.save(folder / recipe.model_spec.file)
    recipe._before_save = None
    spec = recipe.station_spec
    if spec.calibration is not None and folder != recipe.base_dir.resolve():
        def rel(p):
            return os.path.relpath((recipe.base_dir / p).resolve(), folder)

        plane = {k: (rel(v) if k in ("board_image", "file") else v)
                 for k, v in spec.plane.items()}
        recipe.station_spec = StationSpec(calibration=rel(spec.calibration), plane=plane)
    recipe.base_dir = folder


def _roi_in_view(roi: Any, shape: tuple, view: TeachView) -> np.ndarray:
    """An ROI box or mask of the raw image as a mask of the rectified view."""
    from .segment import roi_mask_or_box

    h, w = shape[:2]
    parsed = roi_mask_or_box(roi, (h, w))
    if isinstance(parsed, np.ndarray):
        raw = parsed
    else:
        x, y, rw, rh = parsed
        raw = np.zeros((h, w), bool)
        raw[max(0, y):max(0, y + rh), max(0, x):max(0, x + rw)] = True
    import cv2

    r = view.rectifier
    warped = cv2.remap(raw.astype(np.uint8) * 255, r.map_x, r.map_y, cv2.INTER_NEAREST,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped > 127


def _model_options(model_options: Mapping | None) -> dict:
    import inspect

    from ..match import ShapeModel

    opts = {"angle_range_deg": (-180.0, 180.0), "scale_range": (0.97, 1.03)}
    given = dict(model_options or {})
    known = set(inspect.signature(ShapeModel.create).parameters) - {"self", "cls", "template",
                                                                   "origin_xy"}
    unknown = sorted(str(k) for k in given if k not in known)
    if unknown:
        raise InputError(f"model_options: unknown option(s) {unknown}; ShapeModel.create takes "
                         f"{sorted(known)}")
    opts.update(given)
    return opts


# --------------------------------------------------------------------------------------------
# from a drawing
# --------------------------------------------------------------------------------------------
def recipe_from_dxf(path: str | os.PathLike, *, station: Any, part_polarity: str = "bright",
                    tolerance: Any = "ISO2768-m", layer: str | None = None,
                    units: str | float | None = None, model_options: Mapping | None = None,
                    features: Any = "auto", name: str | None = None,
                    options: TeachOptions | None = None) -> Any:
    """A recipe from the DXF drawing of a flat part (no golden image needed).

    Parameters
    ----------
    path : path of the DXF file
    station : float, dict, StationSpec, Station or Plane
        The measuring station (see :func:`resolve_station`): a pixel size in mm for a
        telecentric / scale station, or a calibrated camera + measuring plane.
    part_polarity : {"bright", "dark"}
        The part brighter than its background (front light) or darker (back light).
    tolerance : str, float or (float, float)
        ``"ISO2768-f|m|c|v"`` or a fixed +- mm (and deg); toleranced ``DIMENSION`` entities of
        the drawing take precedence where they match a proposed measurement.
    layer : str, optional
        Read only this layer.
    units : str or float, optional
        Drawing unit when ``$INSUNITS`` is missing (see :func:`metrology.teach.dxf.read_dxf`).
    model_options : dict, optional
        Passed to :meth:`metrology.match.ShapeModel.create` (default: full rotation, scale
        0.97-1.03 so that a part made too large or too small is still found, and failed).
    features : "auto" or list of str
        Feature names or kinds (``holes``, ``arcs``, ``edges``, ``ellipses``) to keep.
    name : str, optional
        The recipe's name (default: the drawing's file name).
    options : TeachOptions, optional
        Base folder, model pixel size, edge-pair limit, min_score, join tolerance, ...

    Returns
    -------
    Recipe
        ``units == "mm"``, tools in drawing mm; the model is in memory until :meth:`Recipe.save`
        writes it beside the recipe.  ``recipe.teach_info`` lists the features, the dimensions
        matched and any feature left without a tool.

    Raises
    ------
    FileFormatError
        Unreadable drawing (see :func:`~metrology.teach.dxf.read_dxf`).
    InputError
        Bad options.
    """
    from ..inspect.frame import PartFrame
    from ..match import ShapeModel
    from ..synth.drawn import render_drawn_template
    from .dxf import read_dxf

    check_choice(part_polarity, "part_polarity", ("bright", "dark"))
    rule = parse_tolerance(tolerance)
    o = _check_common(model_options, features, name, options)
    drawing = read_dxf(path, layer=layer, units=units, join_tol_mm=o.join_tol_mm)
    spec, st = resolve_station(station, o.base_dir, o.station_spec)
    view = TeachView(spec, st, o.model_mm_per_px)
    s = view.mm_per_px
    g = drawing.geometry
    lo_x, lo_y, hi_x, hi_y = g.bounds()
    if max(hi_x - lo_x, hi_y - lo_y) / s > MAX_PART_PX:
        raise InputError(f"{path}: the part would be {max(hi_x - lo_x, hi_y - lo_y) / s:.3g} px "
                         f"across at {s:g} mm/px (at most {MAX_PART_PX:g}): check the "
                         f"station's pixel size and the drawing's units")
    prop = propose(g, rule=rule, pair_max_mm=o.pair_max_px * s)
    prop, dim_report = apply_dimensions(prop, drawing.dimensions, rule=rule)
    prop = keep_features(prop, features)
    em = o.edge_model or DXF_EDGES
    obstacles = Obstacles.from_primitives([p for _, _, p in g.primitives()], 0.5 * s)
    tools, notes = build_tools(prop, s, part_polarity, edge_model=em, obstacles=obstacles,
                               placement_px=o.placement_px)
    if not tools:
        raise InputError(f"{path}: no feature of the drawing is long enough to measure at "
                         f"{s:g} mm/px")
    tpl, origin = render_drawn_template(g, s, polarity=part_polarity, supersample=2)
    model = ShapeModel.create(tpl, origin_xy=origin, **_model_options(model_options))
    c = ((lo_x + hi_x) / 2, (lo_y + hi_y) / 2)          # part frame (y down) at the model origin
    down = PartFrame(s, c, y_up=False)
    up = PartFrame(s, (c[0], -c[1]), y_up=True)           # the drawing's own axes
    tools_up = [rounded(up.tool_to_mm(down.tool_to_model(t))) for t in tools]
    stem = Path(os.fsdecode(path)).stem      # read_dxf accepted str, PathLike or bytes
    recipe = _recipe(tools_up, prop.measurements, spec=spec, station=st, view=view, frame=up,
                     model=model, name=name or stem,
                     model_file=o.model_file or f"{stem}.model.json", min_score=o.min_score,
                     base_dir=o.base_dir)
    recipe.teach_info = {"source": str(path), "units": drawing.units, "polarity": part_polarity,
                         "tolerance": rule.describe(), "mm_per_px": s,
                         "features": [f.name for f in prop.features],
                         "dimensions": dim_report, "notes": list(prop.notes) + notes,
                         "pairs": {p.name: (p.first, p.second) for p in prop.pairs},
                         "counts": drawing.counts}
    recipe.teach_info.update(_precision_info(prop, tools, s, em))
    return recipe


def _precision_info(prop: Proposal, tools: list, s: float, em: EdgeModel) -> dict:
    pred, warnings = precision_report(prop, tools, s, em)
    return {"edge_model": em.describe(), "predicted_sigma_px": pred, "warnings": warnings}


# --------------------------------------------------------------------------------------------
# from a golden image
# --------------------------------------------------------------------------------------------
def teach_recipe(golden_image: Any, *, station: Any, tolerance: Any = "ISO2768-m",
                 model_options: Mapping | None = None, features: Any = "auto",
                 roi: Any = None, name: str = "taught part",
                 options: TeachOptions | None = None) -> Any:
    """A recipe taught from a golden image of the part.

    The part is found automatically (largest blob against the background; or ``roi``: an
    ``(x, y, w, h)`` box or a boolean mask in the golden image's pixels),
    its contours are split into circles, arcs, lines and ellipses
    (:func:`metrology.teach.segment.segment_part`), a tool is placed on each, and the measurements
    a drawing would carry are proposed.  Nominal values are measured by the recipe itself on the
    golden image; features whose tool finds no edge there are left out (and listed in
    ``recipe.teach_info["notes"]``).

    Parameters
    ----------
    golden_image : ndarray or path
    station, tolerance, model_options, features, options
        As :func:`recipe_from_dxf` (``options.segment``: the segmentation's parameters).
    roi : (x, y, w, h) or ndarray (H, W) bool, optional
    name : str

    Returns
    -------
    Recipe
        ``units == "mm"``: tools in mm in the part frame (origin at the centre of the part's
        bounding box in the golden view, y down).

    Raises
    ------
    InputError
        No part in the image, or bad options.
    """
    from ..image.io import as_gray, load_image
    from ..inspect.frame import PartFrame
    from ..inspect.spec import parse_measurement
    from ..match import ShapeModel
    from .segment import segment_part

    rule = parse_tolerance(tolerance)
    o = _check_common(model_options, features, name, options)
    spec, st = resolve_station(station, o.base_dir, o.station_spec)
    raw = load_image(golden_image, "golden image")
    gray = as_gray(raw, "golden image")
    st.check_image(gray, "golden image")
    view = TeachView(spec, st, o.model_mm_per_px)
    s = view.mm_per_px
    img = view.view(gray)
    if roi is not None and view.rectify is not None:
        roi = _roi_in_view(roi, gray.shape, view)
    seg = segment_part(img, roi, o.segment)
    ys, xs = np.nonzero(seg.mask)
    o_px = np.array([(xs.min() + xs.max()) / 2.0, (ys.min() + ys.max()) / 2.0])
    to_mm = Pose2D(-o_px[0] * s, -o_px[1] * s, 0.0, s)
    g = seg.geometry.transformed(to_mm)
    prop = propose(g, rule=rule, pair_max_mm=o.pair_max_px * s, tangent_tol_mm=0.5 * s)
    prop = keep_features(prop, features)
    contrast = abs(seg.levels[0] - seg.levels[1])
    thr = float(np.clip(0.2 * contrast, 8.0, 40.0))
    em = o.edge_model or golden_edge_model(gray, seg, view, thr)
    obstacles = Obstacles.from_curves([to_mm.apply(c) for c in seg.contours])
    tools, notes = build_tools(prop, s, seg.polarity, threshold=thr, edge_model=em,
                               obstacles=obstacles, placement_px=o.placement_px)
    tools = [rounded(t) for t in tools]
    if not tools:
        raise InputError("teach: no feature of the part is long enough to measure")
    m = 16
    h, w = img.shape[:2]
    x0, y0 = max(0, int(xs.min()) - m), max(0, int(ys.min()) - m)
    x1, y1 = min(w, int(xs.max()) + m + 1), min(h, int(ys.max()) + m + 1)
    crop = np.ascontiguousarray(img[y0:y1, x0:x1])
    model = ShapeModel.create(crop, origin_xy=(float(o_px[0] - x0), float(o_px[1] - y0)),
                              **_model_options(model_options))
    frame = PartFrame(s)
    recipe = _recipe(tools, prop.measurements, spec=spec, station=st, view=view, frame=frame,
                     model=model, name=name, model_file=o.model_file or "part.model.json",
                     min_score=o.min_score, base_dir=o.base_dir)
    # nominal values: what the recipe's calipers measure on the golden part
    res = recipe.run(raw, name="golden")
    if res.status == "not_found":
        raise InputError("teach: the model built from the golden image does not find the part "
                         "in it (flat or symmetric part?)")
    failed = {t for t, f in (res.features or {}).items() if "error" in f}
    for t in sorted(failed):
        notes.append(f"{t}: no edge found on the golden image (tool left out)")
    kept_tools = [t for t in recipe.tools_as_given if t.name not in failed]
    if not kept_tools:
        raise InputError("teach: no tool found its edge on the golden image")
    values = {r.name: r.value for r in res.measurements}
    meas = []
    kept_names = {t.name for t in kept_tools}
    for spec_m in usable_measurements(prop.measurements, kept_names):
        if values.get(spec_m["name"]) is None:
            continue
        mm = dict(spec_m)
        unit = "deg" if mm["type"] == "angle" else "mm"
        v = float(values[mm["name"]])
        kind, leg = prop.tol_kinds.get(mm["name"], ("linear", None))
        mm.pop(f"tolerance_{unit}", None)
        mm.pop(f"nominal_{unit}", None)
        dev = rule.deviation(v, kind, leg)
        if dev is not None:      # else reported only (ISO 2768 has no value below 0.5 mm)
            mm[f"nominal_{unit}"] = round(v, 6)
            mm[f"tolerance_{unit}"] = dev
        meas.append(parse_measurement(mm, mm["name"]))
    from ..inspect.recipe import Recipe

    out = Recipe(kept_tools, meas, station=spec, model=recipe.model_spec, name=name, units="mm",
                 base_dir=o.base_dir)
    out._station, out._model, out._before_save = st, model, save_taught
    out._rectifier = view.rectifier
    counts: dict[str, int] = {}
    for f in prop.features:
        if f.name not in failed:
            counts[f.kind] = counts.get(f.kind, 0) + 1
    out.teach_info = {"source": "golden image", "polarity": seg.polarity,
                      "tolerance": rule.describe(), "mm_per_px": s,
                      "features": [f.name for f in prop.features if f.name not in failed],
                      "counts": counts, "notes": list(prop.notes) + notes,
                      "pairs": {p.name: (p.first, p.second) for p in prop.pairs
                                if p.name not in failed},
                      "golden_status": res.status}
    out.teach_info.update(_precision_info(prop, kept_tools, s, em))
    return out
