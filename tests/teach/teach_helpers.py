"""Drawings built with ezdxf, stations, poses and ground truth for the teach tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrology.core.pose import Pose2D
from metrology.synth.demo import demo_station
from metrology.synth.drawn import ScaleStation, render_drawn_part
from metrology.teach.geometry import Arc, Line
from metrology.teach.proposals import FeatureSpec, measurement_value

ezdxf = pytest.importorskip("ezdxf")

#: pixel size of the rendered stations (mm/px)
MM_PER_PX = 0.08


def _xf(p, origin, rot_deg):
    """Drawing coordinates of a point given in the part's own frame: rotated, then offset."""
    t = math.radians(rot_deg)
    x, y = p
    return (origin[0] + x * math.cos(t) - y * math.sin(t),
            origin[1] + x * math.sin(t) + y * math.cos(t))


def plate_mm(path, *, origin=(0.0, 0.0), rot_deg=0.0, dims=True, hole_shift=(0.0, 0.0)):
    """A 48 x 30 mm plate (mm units) drawn rotated by ``rot_deg`` about, and offset to,
    ``origin``: a 5 mm chamfer (top right), an R6 rounded corner (bottom right) as an ARC, three
    holes (CIRCLE), a 12.4 x 2.4 slot (narrow: its width is an edge pair) as an LWPOLYLINE with
    bulges, and two toleranced DIMENSIONs
    (hole_1's diameter +0.02/-0.01, hole_2 - hole_3 centre distance +-0.05)."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()

    def P(x, y):
        return _xf((x, y), origin, rot_deg)

    w, h, c, r = 48.0, 30.0, 5.0, 6.0
    msp.add_line(P(0, 0), P(w - r, 0))
    msp.add_arc(P(w - r, r), r, -90 + rot_deg, 0 + rot_deg)
    msp.add_line(P(w, r), P(w, h - c))
    msp.add_line(P(w, h - c), P(w - c, h))
    msp.add_line(P(w - c, h), P(0, h))
    msp.add_line(P(0, h), P(0, 0))
    holes = [((9.0 + hole_shift[0], 9.0 + hole_shift[1]), 3.0), ((9.0, 22.0), 2.0),
             ((38.0, 14.0), 4.0)]
    for (x, y), rr in holes:
        msp.add_circle(P(x, y), rr)
    # slot: centres (18, 20) - (28, 20), half width 1.2, drawn counter-clockwise with bulges
    sl = [(18.0, 18.8), (28.0, 18.8), (28.0, 21.2), (18.0, 21.2)]
    pts = [(*P(*sl[0]), 0.0), (*P(*sl[1]), 1.0), (*P(*sl[2]), 0.0), (*P(*sl[3]), 1.0)]
    msp.add_lwpolyline(pts, format="xyb", close=True)
    msp.add_text("PLATE-48", dxfattribs={"insert": P(2, 2), "height": 1.5})
    if dims:
        msp.add_diameter_dim(center=P(9, 9), radius=3.0, angle=45 + rot_deg,
                             override={"dimtol": 1, "dimtp": 0.02, "dimtm": 0.01}).render()
        msp.add_aligned_dim(p1=P(9, 22), p2=P(38, 14), distance=4.0,
                            override={"dimtol": 1, "dimtp": 0.05, "dimtm": 0.05}).render()
        # the chamfer's angle to the top edge (135 deg as drawn), +-0.25 deg
        msp.add_angular_dim_2l(base=P(40, 27), line1=(P(w - c, h), P(0, h)),
                               line2=(P(w, h - c), P(w - c, h)),
                               override={"dimtol": 1, "dimtp": 0.25, "dimtm": 0.25}).render()
    doc.saveas(path)
    return path


def plate_inch(path, *, origin=(0.0, 0.0)):
    """A 1.8 x 1.2 inch plate whose outline is one closed POLYLINE with a bulged (R 0.25 in)
    corner, and whose two holes come from a block INSERTed twice (rotated, scaled)."""
    doc = ezdxf.new("R2010", units=1)
    msp = doc.modelspace()
    ox, oy = origin
    # outline (counter-clockwise in the drawing), the top right corner rounded
    pts = [(ox, oy, 0), (ox + 1.8, oy, 0), (ox + 1.8, oy + 0.95, 1.0 * math.tan(math.pi / 8)),
           (ox + 1.55, oy + 1.2, 0), (ox, oy + 1.2, 0)]
    msp.add_polyline2d([(x, y) for x, y, _ in pts], format="xy", close=True)
    pl = msp.query("POLYLINE")[0]
    for v, (_, _, b) in zip(pl.vertices, pts):
        v.dxf.bulge = b
    blk = doc.blocks.new("HOLE")
    blk.add_circle((0.0, 0.0), 0.1)
    msp.add_blockref("HOLE", (ox + 0.4, oy + 0.4), dxfattribs={"rotation": 30.0})
    msp.add_blockref("HOLE", (ox + 1.2, oy + 0.6), dxfattribs={"xscale": 1.5, "yscale": 1.5})
    doc.saveas(path)
    return path


# --------------------------------------------------------------------------------------------
# stations
# --------------------------------------------------------------------------------------------
def scale_station():
    """Telecentric stand-in: 0.08 mm/px, 1024 x 768."""
    return ScaleStation(MM_PER_PX, (1024, 768))


def pinhole_station():
    """The demo's lens-distorted camera over a plane tilted (3, -2) deg, ~0.08 mm/px."""
    return demo_station(mm_per_px=MM_PER_PX)


def plane_of(station):
    """What a recipe is given for this station: the pixel size, or the measuring plane (a
    telecentric one for a telecentric camera)."""
    from metrology.calib import Plane
    from metrology.calib.telecentric import TelecentricCamera, TelecentricPlane

    if isinstance(station, ScaleStation):
        return station.mm_per_px
    kind = TelecentricPlane if isinstance(station.camera, TelecentricCamera) else Plane
    return kind(station.camera, station.rvec, station.tvec)


def view_center_mm(station):
    if isinstance(station, ScaleStation):
        return np.array([(station.image_size[0] - 1) / 2, (station.image_size[1] - 1) / 2]) \
            * station.mm_per_px
    return np.asarray(station.center_mm, float)


def pose_at(station, geometry, angle_deg, offset_mm=(0.0, 0.0)):
    """Pose placing the part's bounding-box centre at the view centre (+ offset), turned."""
    lo = geometry.bounds()
    c = np.array([(lo[0] + lo[2]) / 2, (lo[1] + lo[3]) / 2])
    R = Pose2D(0, 0, angle_deg)
    t = view_center_mm(station) + np.asarray(offset_mm) - R.apply(c[None])[0]
    return Pose2D(float(t[0]), float(t[1]), float(angle_deg))


def render(station, geometry, pose, rng=0, **kw):
    kw.setdefault("lighting", 0.08 if not isinstance(station, ScaleStation) else 0.0)
    return render_drawn_part(station, geometry, pose, rng=rng, **kw).image


# --------------------------------------------------------------------------------------------
# truth of a measurement in px-equivalents
# --------------------------------------------------------------------------------------------
def px_equivalent(m, err: float, legs: dict) -> float:
    """An error in px: mm / (mm per px); an angle error times its shorter leg (px)."""
    if m.unit == "deg":
        return math.radians(abs(err)) * legs[m.name] / MM_PER_PX
    return abs(err) / MM_PER_PX


def truth_values(recipe_meas, feats: dict, pairs: dict | None = None) -> dict:
    """Geometric truth of every recipe measurement whose features are in ``feats``
    (FeatureSpec by name, part-frame mm); ``pairs`` maps an edge-pair name to its two edges."""
    out = {}
    for m in recipe_meas:
        d = m.to_dict()
        if d["type"] == "width":
            if pairs and d["feature"] in pairs:
                a, b = pairs[d["feature"]]
                d = {"type": "distance", "from": a, "to": b}
            else:
                continue
        try:
            out[m.name] = measurement_value(d, feats)
        except KeyError:
            continue
    return out


def feats_of(proposal) -> dict:
    return {f.name: f for f in proposal.features}


def as_feature(name, prim, kind=None) -> FeatureSpec:
    k = kind or ("line" if isinstance(prim, Line) else "circle" if isinstance(prim, Arc)
                 and prim.is_full else "arc")
    return FeatureSpec(name, k, prim, 0)


def station_files(folder, station):
    """A station file (the true camera, written as a calibration with three exact board views)
    and a plane file for the demo station or a telecentric :class:`PlaneView`, as
    ``metrology calibrate`` (``calibrate_telecentric``) and ``save_plane`` would write them."""
    from metrology.calib import Checkerboard
    from metrology.calib.results import Calibration, ViewResult, param_names
    from metrology.calib.telecentric import TelecentricCamera
    from metrology.inspect.station import save_plane
    from metrology.synth.board import random_board_poses

    cam = station.camera
    tele = isinstance(cam, TelecentricCamera)
    board = Checkerboard(cols=11, rows=8, square_mm=4.0) if tele else \
        Checkerboard(cols=9, rows=6, square_mm=20.0)
    if tele:
        from metrology.calib.telecentric_calib import TelecentricCalibration, _Params
        from metrology.synth.targets import target_poses

        names = _Params.make(False, True, True, (cam.cx, cam.cy)).names
        poses = target_poses(cam, board, 3, rng=0)
    else:
        names = tuple(param_names(cam.model))
        poses = random_board_poses(board, cam, 3, rng=0)
    views = []
    for i, (rv, tv) in enumerate(poses):
        c = cam.project(board.object_points(), rv, tv)
        views.append(ViewResult(i, f"view{i}.png", rv, tv, 0.0, c, np.ones(len(c), bool), 1.0))
    common = dict(camera=cam, board=board, rms_px=0.0, per_view_rms_px=np.zeros(3),
                  holdout_rms_px=float("nan"), views=tuple(views), rejected_views=(),
                  param_names=names, param_std=np.zeros(len(names)), uncertainty=None)
    if tele:
        cal = TelecentricCalibration(**common, param_cov=np.zeros((len(names),) * 2))
    else:
        cal = Calibration(**common, board_points=board.object_points())
    cal.save(folder / "station.json")
    save_plane(plane_of(station), folder / "plane.json")
    return folder / "station.json", folder / "plane.json"
