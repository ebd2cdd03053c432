r"""Reading a part drawing from a DXF file (with ``ezdxf``, extra ``[dxf]``).

What is read, in model space (or in one layer):

* ``LINE``, ``ARC``, ``CIRCLE``, ``ELLIPSE`` (full or partial), ``LWPOLYLINE`` and 2-D
  ``POLYLINE`` with bulges (each bulged segment becomes an exact arc), 3-D ``POLYLINE`` (straight
  segments), ``SPLINE`` (flattened to within ``spline_tol_mm``, kept as a free curve: part of
  the outline and the shape model, never given a tool);
* block ``INSERT`` entities, recursively, with their full transform (scale, rotation, mirroring,
  ``MINSERT`` arrays); an entity on layer ``0`` inside a block takes the layer of its insert;
* ``DIMENSION`` entities: their measurement and, where the dimension style switches tolerances
  on (``DIMTOL``/``DIMLIM``), the upper (``DIMTP``) and lower (``-DIMTM``) deviations;
* ``$INSUNITS`` (inch, foot, mm, cm, m, µm, mil, ...): every length is converted to mm.  A
  unitless drawing (or an unknown code) is refused unless ``units=`` says what it is.

Curves drawn in a non-continuous linetype (``CENTER``, ``HIDDEN``, ``DASHED``, ``PHANTOM``,
directly or through their layer or block) are construction lines by drafting convention and are
skipped (``all_linetypes=True`` reads them); curves drawn twice are read once.

Entities in an object coordinate system (arcs drawn with extrusion ``(0, 0, -1)``, as mirrored
CAD geometry often is) are mapped into world coordinates; entities not parallel to the XY plane
are refused.  Text, hatches, points and other annotation are ignored (and counted).

The curves are then chained into closed loops: endpoints closer than ``join_tol_mm`` meet.  The
largest loop is the outer boundary; loops inside it are holes and slots; closed loops outside it
(another view of the part, another part) are left out and listed in ``Drawing.ignored``.  An open chain raises
:class:`~metrology.errors.FileFormatError` naming the entity at the open end, where it is and
the gap to the nearest other endpoint.

Frame: the drawing's own origin and axes, mirrored to the library's y-down convention
(``y_part = -y_drawing``), in mm.  A recipe built from it says ``"y_up": true`` so its tool and
datum coordinates read exactly as the drawing's.

Examples
--------
>>> import ezdxf, tempfile, os
>>> doc = ezdxf.new(units=4)                                    # doctest: +SKIP
>>> msp = doc.modelspace()                                      # doctest: +SKIP
>>> msp.add_lwpolyline([(0, 0), (40, 0), (40, 20), (0, 20)], close=True)  # doctest: +SKIP
>>> msp.add_circle((10, 10), 3)                                 # doctest: +SKIP
>>> doc.saveas("plate.dxf")                                     # doctest: +SKIP
>>> d = read_dxf("plate.dxf")                                   # doctest: +SKIP
>>> len(d.geometry.holes), d.units                              # doctest: +SKIP
(1, 'mm')
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.pose import Pose2D
from ..errors import FileFormatError, InputError
from .chain import arcs_from_polygons, chain_loops, dedupe, dedupe_loops, merge_collinear, nest
from .geometry import Arc, EllipseArc, Line, Loop, PartGeometry, Polyline

#: ``Drawing`` and ``DimensionInfo`` are what :func:`read_dxf` returns (not made by callers)
__all__ = ["read_dxf", "UNIT_FACTORS_MM", "INSUNITS_NAMES"]

#: $INSUNITS code -> (name, mm per drawing unit); 0 is "unitless"
INSUNITS_NAMES: dict[int, tuple[str, float]] = {
    1: ("inch", 25.4), 2: ("foot", 304.8), 3: ("mile", 1609344.0), 4: ("mm", 1.0),
    5: ("cm", 10.0), 6: ("m", 1000.0), 7: ("km", 1e6), 8: ("microinch", 25.4e-6),
    9: ("mil", 0.0254), 10: ("yard", 914.4), 11: ("angstrom", 1e-7), 12: ("nm", 1e-6),
    13: ("um", 1e-3), 14: ("dm", 100.0), 15: ("dam", 1e4), 16: ("hm", 1e5),
}
#: names accepted by ``units=`` -> mm per unit
UNIT_FACTORS_MM: dict[str, float] = {
    "mm": 1.0, "cm": 10.0, "m": 1000.0, "dm": 100.0, "um": 1e-3, "µm": 1e-3, "micron": 1e-3,
    "nm": 1e-6, "in": 25.4, "inch": 25.4, "inches": 25.4, "ft": 304.8, "foot": 304.8,
    "mil": 0.0254, "thou": 0.0254, "microinch": 25.4e-6, "yard": 914.4, "km": 1e6,
}

_CURVES = ("LINE", "ARC", "CIRCLE", "ELLIPSE", "LWPOLYLINE", "POLYLINE", "SPLINE")
_MAX_BLOCK_DEPTH = 16


@dataclass(frozen=True)
class DimensionInfo:
    """One ``DIMENSION`` entity, in part-frame mm (angles in degrees).

    Attributes
    ----------
    kind : {"linear", "aligned", "angular", "angular3", "diameter", "radius", "ordinate"}
    value : float
        The measurement (mm, or degrees for angular dimensions); the text override is ignored.
    lower, upper : float or None
        Deviations (``upper = DIMTP``, ``lower = -DIMTM``) when the style shows tolerances or
        limits; None otherwise.
    points : ndarray (K, 2)
        Its definition points (part frame, mm): for linear/aligned the two measured points, for
        diameter the two ends of the diameter, for radius the centre and the point on the arc,
        for angular the two points of each line (four; a three-point angle's vertex is both
        lines' first point), for ordinate its origin and the feature's point.
    source : str
    axis : {"x", "y"} or None
        An ordinate dimension's measuring axis (the drawing's; None for the other kinds).
    """

    kind: str
    value: float
    lower: float | None
    upper: float | None
    points: np.ndarray
    source: str
    axis: str | None = None


@dataclass(frozen=True)
class Drawing:
    """A drawing read by :func:`read_dxf`.

    Attributes
    ----------
    geometry : PartGeometry
        Outer boundary and holes, part-frame mm (drawing origin, y mirrored down).
    dimensions : tuple of DimensionInfo
    units : str
        The drawing's unit (``"mm"``, ``"inch"``, ...), ``mm_per_unit`` its size in mm.
    counts : dict
        Entities read per type, and those ignored (``"ignored:TEXT"`` ...).
    ignored : tuple of str
        Closed outlines outside the outer boundary (other views of the part, other parts),
        which are left out: where each starts.
    """

    geometry: PartGeometry
    dimensions: tuple
    units: str
    mm_per_unit: float
    path: str = ""
    layer: str | None = None
    counts: dict = field(default_factory=dict)
    ignored: tuple = ()


def _import_ezdxf():
    try:
        import ezdxf  # noqa: F401
    except ModuleNotFoundError:
        raise InputError("reading DXF drawings needs the optional dependency ezdxf: "
                         "pip install 'metrology[dxf]'") from None
    return ezdxf


def _src(e: Any, layer: str, ctx: str = "") -> str:
    h = e.dxf.get("handle", None)
    what = f"{e.dxftype()} #{h}" if h else e.dxftype()
    return f"{what} (layer {layer!r}{ctx})"


def _v2(v) -> np.ndarray:
    return np.array([float(v[0]), float(v[1])])


class _Reader:
    def __init__(self, spline_tol: float, source_name: str, doc: Any = None,
                 all_linetypes: bool = False):
        self.doc = doc
        self.all_linetypes = all_linetypes
        self.items: list[Any] = []          # open or closed primitives, drawing units, WCS
        self.closed: list[Loop] = []        # loops that are closed by themselves
        self.dims: list[tuple[Any, str, Any]] = []
        self.counts: dict[str, int] = {}
        self.spline_tol = spline_tol
        self.name = source_name

    def count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    # -- entities --------------------------------------------------------------------------
    def _linetype(self, e, layer: str, block_lt: str | None) -> str:
        """Effective linetype name (BYLAYER / BYBLOCK resolved), upper case."""
        lt = (e.dxf.get("linetype", None) or "BYLAYER").upper()
        if lt == "BYBLOCK":
            lt = (block_lt or "BYLAYER").upper()
        if lt == "BYLAYER" and self.doc is not None and self.doc.layers.has_entry(layer):
            lt = (self.doc.layers.get(layer).dxf.get("linetype", None) or "CONTINUOUS").upper()
        return "CONTINUOUS" if lt == "BYLAYER" else lt

    def walk(self, entities, layer_filter: str | None, inherited: str | None, depth: int,
             ctx: str = "", block_lt: str | None = None) -> None:
        for e in entities:
            t = e.dxftype()
            layer = e.dxf.get("layer", "0")
            if inherited is not None and layer == "0":
                layer = inherited
            if t == "INSERT":
                if depth >= _MAX_BLOCK_DEPTH:
                    raise FileFormatError(f"{self.name}: blocks nested deeper than "
                                          f"{_MAX_BLOCK_DEPTH} levels at {_src(e, layer)} "
                                          f"(a block that inserts itself?)")
                try:
                    inserts = list(e.multi_insert()) if e.mcount > 1 else [e]
                    inner = f", in block {e.dxf.get('name', '?')!r} of INSERT #" \
                            f"{e.dxf.get('handle', '?')}{ctx}"
                    ins_lt = self._linetype(e, layer, block_lt)
                    for ins in inserts:
                        self.walk(list(ins.virtual_entities()), layer_filter, layer, depth + 1,
                                  inner, ins_lt)
                except FileFormatError:
                    raise
                except Exception as exc:  # ezdxf: missing block definition, bad transform
                    raise FileFormatError(f"{self.name}: cannot expand {_src(e, layer)}: "
                                          f"{exc}") from None
                continue
            if layer_filter is not None and layer != layer_filter:
                continue
            if t == "DIMENSION":
                self.dims.append((e, layer, None))
                self.count("DIMENSION")
                continue
            if t not in _CURVES:
                self.count(f"ignored:{t}")
                continue
            lt = self._linetype(e, layer, block_lt)
            if not self.all_linetypes and lt != "CONTINUOUS":
                # centre lines, hidden and phantom lines: construction, not outline
                self.count(f"ignored:{t} ({lt.lower()} line)")
                continue
            self._curve(e, t, layer, ctx)
            self.count(t)

    def _check_plane(self, e, layer) -> float:
        ext = e.dxf.get("extrusion", (0.0, 0.0, 1.0))
        ext = np.asarray([float(v) for v in ext])
        n = ext / max(np.linalg.norm(ext), 1e-300)
        if abs(abs(n[2]) - 1.0) > 1e-9:
            raise FileFormatError(f"{self.name}: {_src(e, layer)} does not lie in the XY plane "
                                  f"(extrusion {ext.tolist()}); only flat 2-D drawings are read")
        return 1.0 if n[2] > 0 else -1.0

    def _arc_wcs(self, e, center_ocs, radius, start_deg, extent_deg, src) -> Arc:
        """An arc given in the entity's OCS as a world-frame Arc."""
        sign = self._check_plane(e, src)
        c = _v2(center_ocs)
        if sign < 0:  # OCS of extrusion (0, 0, -1): x -> -x, y -> y
            c = c * [-1.0, 1.0]
            return Arc(c, radius, 180.0 - start_deg, -extent_deg, src)
        return Arc(c, radius, start_deg, extent_deg, src)

    def _curve(self, e, t: str, layer: str, ctx: str = "") -> None:
        src = _src(e, layer, ctx)
        try:
            if t == "LINE":
                p0, p1 = _v2(e.dxf.start), _v2(e.dxf.end)
                if np.hypot(*(p1 - p0)) > 0:
                    self.items.append(Line(p0, p1, src))
            elif t == "CIRCLE":
                self.closed.append(Loop((self._arc_wcs(e, e.dxf.center, float(e.dxf.radius),
                                                       0.0, 360.0, src),)))
            elif t == "ARC":
                s, en = float(e.dxf.start_angle), float(e.dxf.end_angle)
                ext = (en - s) % 360.0
                ext = 360.0 if ext == 0 else ext
                self.items.append(self._arc_wcs(e, e.dxf.center, float(e.dxf.radius), s, ext,
                                                src))
            elif t == "ELLIPSE":
                self._ellipse(e, src)
            elif t == "LWPOLYLINE":
                sign = self._check_plane(e, src)
                pts = np.array([(p[0], p[1], p[2]) for p in e.get_points("xyb")], float)
                self._polyline(pts, bool(e.closed), sign, src)
            elif t == "POLYLINE":
                if e.is_2d_polyline:
                    sign = self._check_plane(e, src)
                    pts = np.array([(v.dxf.location[0], v.dxf.location[1],
                                     v.dxf.get("bulge", 0.0)) for v in e.vertices], float)
                    self._polyline(pts, bool(e.is_closed), sign, src)
                elif e.is_3d_polyline:
                    pts = np.array([(v.dxf.location[0], v.dxf.location[1], 0.0)
                                    for v in e.vertices], float)
                    self._polyline(pts, bool(e.is_closed), 1.0, src)
                else:
                    self.count("ignored:POLYLINE(mesh)")
            elif t == "SPLINE":
                pts = np.array([(p[0], p[1]) for p in e.flattening(self.spline_tol)], float)
                if len(pts) >= 2:
                    if np.hypot(*(pts[-1] - pts[0])) <= 1e-12 and len(pts) > 3:
                        self.closed.append(Loop((Polyline(pts, src),)))
                    else:
                        self.items.append(Polyline(pts, src))
        except FileFormatError:
            raise
        except InputError as exc:
            raise FileFormatError(f"{self.name}: {src}: invalid geometry ({exc})") from None
        except Exception as exc:  # ezdxf raising on malformed entity data
            raise FileFormatError(f"{self.name}: {src}: cannot read ({type(exc).__name__}: "
                                  f"{exc})") from None

    def _ellipse(self, e, src) -> None:
        sign = self._check_plane(e, src)
        c = _v2(e.dxf.center)
        M = _v2(e.dxf.major_axis)
        a = float(np.hypot(*M))
        b = a * float(e.dxf.ratio)
        ang = math.degrees(math.atan2(M[1], M[0]))
        t0, t1 = math.degrees(float(e.dxf.start_param)), math.degrees(float(e.dxf.end_param))
        ext = (t1 - t0) % 360.0
        ext = 360.0 if ext < 1e-9 else ext
        if sign < 0:
            t0, ext = -t0, -ext
        arc = EllipseArc(c, (a, b), ang, t0, ext, src)
        if arc.is_full:
            self.closed.append(Loop((arc,)))
        else:
            self.items.append(arc)

    def _polyline(self, pts: np.ndarray, closed: bool, sign: float, src: str) -> None:
        if len(pts) < 2:
            return
        n = len(pts)
        segs = []
        last = n if closed else n - 1
        for i in range(last):  # polyline vertices: a few per entity
            p, q, b = pts[i, :2], pts[(i + 1) % n, :2], pts[i, 2]
            if np.hypot(*(q - p)) <= 0:
                continue
            if abs(b) < 1e-12:
                segs.append(Line(p, q, src))
                continue
            theta = 4.0 * math.atan(b)               # included angle, + = counter-clockwise
            chord = q - p
            c_len = float(np.hypot(*chord))
            r = c_len / (2.0 * abs(math.sin(theta / 2.0)))
            mid = 0.5 * (p + q)
            nrm = np.array([-chord[1], chord[0]]) / c_len   # left of p -> q
            # centre on the left for a counter-clockwise arc of less than 180 deg
            h = r * math.cos(theta / 2.0)
            centre = mid + nrm * h * (1.0 if b > 0 else -1.0)
            s = math.degrees(math.atan2(p[1] - centre[1], p[0] - centre[0]))
            segs.append(Arc(centre, r, s, math.degrees(theta), src))
        if sign < 0:
            segs = [s.transformed(Pose2D(0, 0, 180.0, 1.0), mirror_y=True) for s in segs]
        if closed and segs:
            self.closed.append(Loop(tuple(segs)))
        else:
            self.items.extend(segs)


def _dimension(e, layer: str, name: str) -> tuple | None:
    """(kind, value, lower, upper, points WCS, axis) of a DIMENSION entity or None when
    unsupported."""
    kinds = {0: "linear", 1: "aligned", 2: "angular", 3: "diameter", 4: "radius",
             5: "angular3", 6: "ordinate"}
    try:
        flags = int(e.dxf.get("dimtype", 0))
        kind = kinds.get(flags & 7)
        axis = None
        if kind == "ordinate":     # the measurement is the feature's offset from the origin
            axis = "x" if flags & 64 else "y"
            d = _v2(e.dxf.defpoint2) - _v2(e.dxf.defpoint)
            value = abs(float(d[0] if axis == "x" else d[1]))
        else:
            value = float(e.get_measurement())   # mm-like units, or degrees for angles
        ov = e.override()
        tol_on = bool(ov.get("dimtol", 0)) or bool(ov.get("dimlim", 0))
        lower = upper = None
        if tol_on:
            upper = float(ov.get("dimtp", 0.0) or 0.0)
            lower = -float(ov.get("dimtm", 0.0) or 0.0)
        names = {"linear": ("defpoint2", "defpoint3"), "aligned": ("defpoint2", "defpoint3"),
                 "diameter": ("defpoint", "defpoint4"), "radius": ("defpoint", "defpoint4"),
                 # two lines: (defpoint2, defpoint3) and (defpoint4, defpoint)
                 "angular": ("defpoint2", "defpoint3", "defpoint4", "defpoint"),
                 # three points: the vertex, then a point on each line (as two lines)
                 "angular3": ("defpoint4", "defpoint2", "defpoint4", "defpoint3"),
                 "ordinate": ("defpoint", "defpoint2")}[kind]
        pts = [_v2(e.dxf.get(n)) for n in names if e.dxf.get(n) is not None]
    except Exception:  # a dimension we cannot interpret is annotation: skip it
        return None
    if value is None or not math.isfinite(value):
        return None
    if kind.startswith("angular"):   # the angle between the lines, whichever way it was drawn
        value = value % 360.0
        value = 360.0 - value if value > 180.0 else value
    return kind, value, lower, upper, np.array(pts, float).reshape(-1, 2), axis


def _unit_factor(doc, units: str | float | None, name: str) -> tuple[str, float]:
    if units is not None:
        if isinstance(units, (int, float)) and not isinstance(units, bool):
            if not (math.isfinite(units) and 1e-9 < units < 1e9):
                raise InputError(f"units: expected a positive mm-per-unit factor, given {units!r}")
            return f"{units:g} mm", float(units)
        key = str(units).strip().lower()
        if key not in UNIT_FACTORS_MM:
            raise InputError(f"units: expected one of {sorted(UNIT_FACTORS_MM)} or a number of "
                             f"mm per drawing unit, given {units!r}")
        return key, UNIT_FACTORS_MM[key]
    code = doc.header.get("$INSUNITS", 0)
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = -1
    if code in INSUNITS_NAMES:
        return INSUNITS_NAMES[code]
    what = "unitless ($INSUNITS = 0)" if code == 0 else f"an unknown unit code ($INSUNITS = {code})"
    raise FileFormatError(f"{name}: the drawing is {what}, so its lengths cannot be turned into "
                          f"mm; pass units='mm' (or 'inch', 'cm', 'um', ...) to say what one "
                          f"drawing unit is")


def read_dxf(path: str | os.PathLike, *, layer: str | None = None, units: str | float | None = None,
             join_tol_mm: float = 0.005, spline_tol_mm: float = 0.001,
             all_linetypes: bool = False) -> Drawing:
    """Read a flat part drawing: outer boundary, holes and dimensions, in part-frame mm.

    Parameters
    ----------
    path : path of a DXF file (ASCII or binary)
    layer : str, optional
        Read only this layer (default: every layer of model space).
    units : str or float, optional
        The drawing unit when ``$INSUNITS`` is missing or wrong: ``"mm"``, ``"inch"``, ``"cm"``,
        ``"um"``, ... or a number of mm per drawing unit.  Overrides the header.
    join_tol_mm : float
        Endpoints closer than this meet (CAD exports leave gaps of 1e-6 - 1e-3 mm).
    spline_tol_mm : float
        Largest distance between a spline and its flattened polyline.
    all_linetypes : bool
        Also read curves drawn in a non-continuous linetype (by default centre, hidden, dashed
        and phantom lines are construction lines, not outline, and are skipped and counted).

    Returns
    -------
    Drawing

    Raises
    ------
    InputError
        The file does not exist, bad options, or ezdxf is not installed.
    FileFormatError
        Not a DXF file (binary, corrupt), no units, no curves (only text/hatch), nothing in
        ``layer``, an outline that does not close, curves out of the XY plane, outlines that
        cross, or islands inside holes (e.g. a border drawn around the part).
    """
    from .._io import input_file
    from ..core.checks import check_bool, check_positive

    p = input_file(path, "DXF drawing")
    name = str(p)
    join_tol_mm = check_positive(join_tol_mm, "join_tol_mm", max=10.0)
    spline_tol_mm = check_positive(spline_tol_mm, "spline_tol_mm", max=10.0)
    check_bool(all_linetypes, "all_linetypes")
    if layer is not None and not isinstance(layer, str):
        raise InputError(f"layer: expected a layer name, given {type(layer).__name__}")
    if units is not None and not isinstance(units, (str, int, float)) or isinstance(units, bool):
        raise InputError(f"units: expected a unit name or mm per drawing unit, given "
                         f"{type(units).__name__}")
    ezdxf = _import_ezdxf()
    if p.stat().st_size == 0:
        raise FileFormatError(f"{name}: the file is empty, not a DXF drawing")
    try:
        doc = ezdxf.readfile(str(p))
    except Exception as exc:  # DXFStructureError, UnicodeDecodeError, ... on foreign files
        raise FileFormatError(f"{name}: not a readable DXF file ({type(exc).__name__}: "
                              f"{str(exc)[:200]}); export the drawing as DXF (R12 or later)") \
            from None
    unit_name, k = _unit_factor(doc, units, name)
    msp = doc.modelspace()
    if layer is not None and not doc.layers.has_entry(layer):
        names = sorted(ly.dxf.name for ly in doc.layers)
        raise FileFormatError(f"{name}: no layer {layer!r}; layers: {names}")
    rd = _Reader(spline_tol_mm / k, name, doc, all_linetypes)
    rd.walk(list(msp), layer, None, 0)
    n_curves = sum(v for key, v in rd.counts.items() if key in _CURVES)
    if n_curves == 0:
        ignored = {key.split(":", 1)[1]: v for key, v in rd.counts.items()
                   if key.startswith("ignored:")}
        where = f"layer {layer!r}" if layer is not None else "model space"
        found = (f"only {', '.join(f'{v} {t}' for t, v in sorted(ignored.items()))}"
                 if ignored else "no entities at all")
        raise FileFormatError(f"{name}: no outline in {where}: found {found}; a part drawing "
                              f"needs LINE/ARC/CIRCLE/LWPOLYLINE/POLYLINE/ELLIPSE/SPLINE curves")
    # drawing units -> part frame: mirror y, scale to mm
    to_mm = Pose2D(0.0, 0.0, 0.0, k)
    items = [it.transformed(to_mm, mirror_y=True) for it in rd.items]
    loops, taken = dedupe_loops([lp.transformed(to_mm, mirror_y=True) for lp in rd.closed],
                                 join_tol_mm)
    loose: list = []
    loops += chain_loops(dedupe(items, join_tol_mm, taken), join_tol_mm, name, loose=loose)
    loops = [merge_collinear(arcs_from_polygons(lp, join_tol_mm), join_tol_mm) for lp in loops]
    geometry, outside = nest(loops, name)
    counts = dict(rd.counts)
    if loose:
        counts["ignored:loose lines (centre marks, construction)"] = len(loose)
    if outside:
        counts["ignored:outlines outside the part"] = len(outside)
    dims = []
    for e, ly, _ in rd.dims:
        got = _dimension(e, ly, name)
        if got is None:
            continue
        kind, value, lower, upper, pts, axis = got
        lin = not kind.startswith("angular")
        if lin:
            value *= k
            lower = None if lower is None else lower * k
            upper = None if upper is None else upper * k
        pts_mm = to_mm.apply(pts * [1.0, -1.0]) if len(pts) else pts
        dims.append(DimensionInfo(kind, value, lower, upper, pts_mm, _src(e, ly), axis))
    return Drawing(geometry, tuple(dims), unit_name, k, name, layer, counts, tuple(outside))
