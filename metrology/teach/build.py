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

Tool layout (pixels at the model scale): circles and arcs get a caliper every 3 px (16-64;
8-64 on arcs), lines every 4 px (4-48); arcs
leave ``max(4 px, 5 %)`` at each end (where blur mixes them with their neighbours), lines
``max(4 px, 8 %)``; every tool knows which side the material is on, so its ``transition`` picks
the part's own edge (not a neighbour's of the other polarity).  Facing parallel edges closer
than ``pair_max_px`` (default 40) get an edge-pair tool across them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..core.pose import Pose2D
from ..errors import InputError
from ._checks import check_features, check_model_options, check_name, check_options
from .geometry import Arc, EllipseArc, Line
from .proposals import Proposal, apply_dimensions, propose
from .tolerances import parse_tolerance

#: build_tools, TeachView and save_taught are stages of the two builders (save_taught is the
#: hook Recipe.save calls): importable, not public API
__all__ = ["teach_recipe", "recipe_from_dxf", "resolve_station", "TeachOptions"]

PAIR_MAX_PX = 40.0


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
    """

    base_dir: str | os.PathLike = "."
    station_spec: Any = None
    model_mm_per_px: float | None = None
    pair_max_px: float = PAIR_MAX_PX
    min_score: float = 0.7
    join_tol_mm: float = 0.005
    segment: Any = None
    model_file: str | None = None


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
    from .._io import as_path
    from ..inspect.station import Station, StationSpec

    base_dir = as_path(base_dir, "base_dir")
    if isinstance(station, bool):
        raise InputError(f"station: expected a pixel size, a station spec or a plane, given "
                         f"{station!r}")
    if isinstance(station, (int, float)):
        if not (math.isfinite(station) and 1e-6 <= station <= 1e3):
            raise InputError(f"station: expected a pixel size in mm (1e-6 to 1000), given "
                             f"{station!r}")
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


# --------------------------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------------------------
def _transition(material_first: bool, polarity: str) -> str:
    """Transition along a profile that goes from material into background (``material_first``)
    or the other way, for a bright or dark part."""
    bright_up = not material_first  # background -> material: up for a bright part
    return "positive" if bright_up == (polarity == "bright") else "negative"


def build_tools(proposal: Proposal, mm_per_px: float, polarity: str, *,
                threshold: float = 20.0) -> tuple[list, list[str]]:
    """Caliper tools (part-frame mm, y down) on every feature and edge pair of ``proposal``.

    Returns
    -------
    (tools, notes)
        The tools, and one note per feature left without a tool (too short to measure).
    """
    from ..caliper import CircleTool, EdgePairTool, EdgeSettings, EllipseTool, LineTool

    def edges(tr: str) -> EdgeSettings:
        return EdgeSettings(threshold=threshold, transition=tr)

    s = float(mm_per_px)
    px = 1.0 / s
    tools, notes = [], []
    pair_of: dict[str, float] = {}
    for pr in proposal.pairs:
        for n in (pr.first, pr.second):
            pair_of[n] = min(pair_of.get(n, math.inf), pr.width * px)
    for f in proposal.features:
        p = f.primitive
        if isinstance(p, Arc):
            r = p.radius * px
            full = p.is_full
            length = min(24.0, max(6.0, 0.8 * r), 1.9 * r)
            start, ext = (p.start_deg, p.extent_deg) if p.extent_deg > 0 else \
                (p.start_deg + p.extent_deg, -p.extent_deg)
            if not full:
                trim = max(4.0, 0.05 * p.length * px) / r
                ext_t = ext - 2 * math.degrees(trim)
                if ext_t < 10.0 or ext_t * math.pi / 180 * r < 8.0:
                    notes.append(f"{f.name}: arc too short to measure (no tool)")
                    continue
                start, ext = start + math.degrees(trim), ext_t
            arc_len = math.radians(ext) * r
            n = int(np.clip(round(arc_len / 3.0), 16 if full else 8, 64))
            tools.append(CircleTool(
                tuple(np.asarray(p.center, float)), p.radius, n, (length * s, None),
                arc_deg=(0.0, 360.0) if full else (start, ext), direction="outward",
                edges=edges(_transition(not f.material_outside, polarity)), name=f.name))
        elif isinstance(p, EllipseArc):
            a, b = p.semi_axes
            length = min(24.0, max(6.0, 0.8 * min(a, b) * px))
            start, ext = (p.start_deg, p.extent_deg) if p.extent_deg > 0 else \
                (p.start_deg + p.extent_deg, -p.extent_deg)
            tools.append(EllipseTool(
                tuple(np.asarray(p.center, float)), (a, b), p.angle_deg,
                int(np.clip(round(p.length * px / 5), 12, 72)), (length * s, None),
                arc_deg=(0.0, 360.0) if p.is_full else (start, ext), direction="outward",
                edges=edges(_transition(not f.material_outside, polarity)), name=f.name))
        elif isinstance(p, Line):
            L = p.length * px
            trim = max(4.0, 0.08 * L)
            if L - 2 * trim < 8.0:
                notes.append(f"{f.name}: edge too short to measure (no tool)")
                continue
            d = p.direction
            q0 = p.start + d * trim * s
            q1 = p.end - d * trim * s
            length = 20.0
            if f.name in pair_of:
                length = float(min(length, max(6.0, 1.5 * pair_of[f.name])))
            n = int(np.clip(round((L - 2 * trim) / 4.0), 4, 48))
            # material on the left of p0 -> p1: the caliper normal points into it
            tools.append(LineTool(tuple(q0), tuple(q1), n, (length * s, None),
                                  edges=edges(_transition(False, polarity)), name=f.name))
    for pr in proposal.pairs:
        u = (pr.p1 - pr.p0) / max(float(np.hypot(*(pr.p1 - pr.p0))), 1e-12)
        a = pr.p0 - u * 6.0 * s
        b = pr.p1 + u * 6.0 * s
        first_l = proposal.feature(pr.first).primitive
        second_l = proposal.feature(pr.second).primitive
        ov = min(first_l.length, second_l.length) * px
        width = float(np.clip(0.5 * ov, 3.0, 10.0))
        # a web: background -> material -> background (a bright stripe on a bright part)
        tr = _transition(False, polarity) if pr.material else _transition(True, polarity)
        tools.append(EdgePairTool(tuple(a), tuple(b), width * s, edges=edges(tr), name=pr.name))
    return tools, notes


def _rounded(tool: Any, digits: int = 6) -> Any:
    """The tool with its geometry rounded to ``digits`` decimals (1 nm in mm: far below any
    pixel) so recipe files read cleanly."""
    from dataclasses import fields, replace

    kw = {}
    for f in fields(tool):
        v = getattr(tool, f.name)
        if isinstance(v, float):
            kw[f.name] = round(v, digits)
        elif isinstance(v, tuple) and all(isinstance(x, float) or x is None for x in v):
            kw[f.name] = tuple(x if x is None else round(x, digits) for x in v)
    return replace(tool, **kw)


def _keep_features(proposal: Proposal, features: Any) -> Proposal:
    """Restrict a proposal to the features named (or of the kinds named) in ``features``."""
    if features == "auto" or features is None:
        return proposal
    wanted = set(check_features(features))
    kinds = {"holes": "circle", "circles": "circle", "arcs": "arc", "edges": "line",
             "lines": "line", "ellipses": "ellipse"}
    keep = {f.name for f in proposal.features
            if f.name in wanted or f.kind in wanted or kinds.get(f.kind) in wanted
            or any(kinds.get(w) == f.kind for w in wanted)}
    if not keep:
        raise InputError(f"features: none of {sorted(wanted)} names a feature or a kind "
                         f"(features: {[f.name for f in proposal.features]}; kinds: holes, "
                         f"arcs, edges, ellipses)")
    pairs = tuple(p for p in proposal.pairs if p.first in keep and p.second in keep)
    names = keep | {p.name for p in pairs}
    meas = tuple(m for m in proposal.measurements if set(_needs(m)) <= names)
    feats = tuple(f for f in proposal.features if f.name in keep)
    return Proposal(feats, pairs, meas, proposal.datum, proposal.notes, proposal.tol_kinds)


def _needs(m: Mapping) -> list[str]:
    out = [m[k] for k in ("feature", "from", "to") if k in m]
    if "datum" in m:
        out += [v for v in m["datum"].values() if v]
    return out


def _recipe(tools_mm: list, measurements: Iterable[Mapping], *, spec: Any, station: Any,
            view: TeachView, frame: Any, model: Any, name: str, model_file: str,
            min_score: float, base_dir: str | os.PathLike = ".") -> Any:
    from ..inspect.recipe import MatchSpec, Recipe
    from ..inspect.spec import parse_measurement

    tool_names = {t.name for t in tools_mm}
    meas = [parse_measurement(dict(m), f"measurements[{i}]")
            for i, m in enumerate(measurements) if set(_needs(m)) <= tool_names]
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
    h, w = shape[:2]
    if isinstance(roi, np.ndarray) and roi.ndim == 2:
        if roi.shape != (h, w):
            raise InputError(f"mask: expected shape {(h, w)} like the image, given {roi.shape}")
        raw = roi.astype(bool)
    else:
        try:
            x, y, rw, rh = (int(round(float(v))) for v in roi)
        except (TypeError, ValueError):
            raise InputError(f"roi: expected (x, y, w, h) or a boolean mask, given {roi!r}") \
                from None
        raw = np.zeros((h, w), bool)
        raw[max(0, y):max(0, y + rh), max(0, x):max(0, x + rw)] = True
    import cv2

    r = view.rectifier
    warped = cv2.remap(raw.astype(np.uint8) * 255, r.map_x, r.map_y, cv2.INTER_NEAREST,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped > 127


def _model_options(model_options: Mapping | None) -> dict:
    opts = {"angle_range_deg": (-180.0, 180.0), "scale_range": (0.97, 1.03)}
    opts.update(check_model_options(model_options))
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

    if part_polarity not in ("bright", "dark"):
        raise InputError(f"part_polarity: expected 'bright' or 'dark', given {part_polarity!r}")
    rule = parse_tolerance(tolerance)
    o = check_options(options, TeachOptions)
    check_name(name)
    drawing = read_dxf(path, layer=layer, units=units, join_tol_mm=o.join_tol_mm)
    spec, st = resolve_station(station, o.base_dir, o.station_spec)
    view = TeachView(spec, st, o.model_mm_per_px)
    s = view.mm_per_px
    g = drawing.geometry
    prop = propose(g, rule=rule, pair_max_mm=o.pair_max_px * s)
    prop, dim_report = apply_dimensions(prop, drawing.dimensions, rule=rule)
    prop = _keep_features(prop, features)
    tools, notes = build_tools(prop, s, part_polarity)
    if not tools:
        raise InputError(f"{path}: no feature of the drawing is long enough to measure at "
                         f"{s:g} mm/px")
    tpl, origin = render_drawn_template(g, s, polarity=part_polarity, supersample=2)
    model = ShapeModel.create(tpl, origin_xy=origin, **_model_options(model_options))
    lo_x, lo_y, hi_x, hi_y = g.bounds()
    c = ((lo_x + hi_x) / 2, (lo_y + hi_y) / 2)          # part frame (y down) at the model origin
    down = PartFrame(s, c, y_up=False)
    up = PartFrame(s, (c[0], -c[1]), y_up=True)           # the drawing's own axes
    tools_up = [_rounded(up.tool_to_mm(down.tool_to_model(t))) for t in tools]
    stem = Path(path).stem
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
    return recipe


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
    o = check_options(options, TeachOptions)
    check_name(name)
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
    prop = propose(g, rule=rule, pair_max_mm=o.pair_max_px * s)
    prop = _keep_features(prop, features)
    contrast = abs(seg.levels[0] - seg.levels[1])
    thr = float(np.clip(0.2 * contrast, 8.0, 40.0))
    tools, notes = build_tools(prop, s, seg.polarity, threshold=thr)
    tools = [_rounded(t) for t in tools]
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
    for spec_m in prop.measurements:
        if set(_needs(spec_m)) & failed or values.get(spec_m["name"]) is None:
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
    return out

