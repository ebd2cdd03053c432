"""More drawings for the teach tests: parts no one tuned the teaching for.

* :func:`flange`: a round flange, 40 mm across, with a D-cut (a flat 17 mm from the centre), a
  12 mm bore and a bolt circle of six 4 mm holes on a 30 mm pitch circle (two of them 2 mm from
  the flat); outline an ARC and a LINE, holes CIRCLEs, drawn rotated 15 deg about an offset
  origin.
* :func:`l_bracket`: a 40 x 30 mm L-bracket (legs 12 mm wide) with a 4 mm chamfer on its outer
  corner, a concave R3 fillet in its inner corner (an ARC between two LINEs), a 5 mm hole and two
  slotted holes (obrounds drawn as LWPOLYLINEs with bulges: 12 x 4 mm along x, 10 x 3 mm along
  y), drawn rotated -20 deg about an offset origin.

* :func:`block_plate`: a 1.6 x 0.96 inch plate drawn the way CAD exports often are: the whole
  part a block INSERTed rotated 25 deg, scaled 0.8, at an offset, a chamfer, holes from a nested
  block (one insert mirrored), a hole drawn as an LWPOLYLINE of two bulged half circles, one
  as a 72-sided polygon of chords, and a slot drawn as two LINEs and two ARCs.

``DRAWINGS`` names every drawing of the tests (for :mod:`teach_sweep`).
"""

from __future__ import annotations

import math

from teach_helpers import _xf, ezdxf, plate_inch, plate_mm


def flange(path, *, origin=(-20.0, 35.0), rot_deg=15.0, bore_mm=12.0):
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()

    def P(x, y):
        return _xf((x, y), origin, rot_deg)

    R, flat = 20.0, 17.0
    half = math.sqrt(R * R - flat * flat)
    a0 = math.degrees(math.atan2(-flat, half))
    msp.add_arc(P(0, 0), R, a0 + rot_deg, 180.0 - a0 + rot_deg)   # CCW, round the top
    msp.add_line(P(-half, -flat), P(half, -flat))
    msp.add_circle(P(0, 0), bore_mm / 2)
    for k in range(6):
        t = math.radians(60.0 * k)
        msp.add_circle(P(15.0 * math.cos(t), 15.0 * math.sin(t)), 2.0)
    doc.saveas(path)
    return path


def l_bracket(path, *, origin=(50.0, 20.0), rot_deg=-20.0, dims=False):
    """The L-bracket; ``dims``: with ordinate dimensions from its corner (x and y of the hole
    +-0.03, x of the right end, y of the leg's top, x of a slot end) and three-point angular
    ones (the chamfer +-0.2 deg; the angle at the hole between a slot end and the other slot,
    which no measurement shows).  Ordinates measure along the drawing's axes: draw it
    unrotated (``rot_deg=0``) for them to match."""
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()

    def P(x, y):
        return _xf((x, y), origin, rot_deg)

    pts = [(0, 0), (40, 0), (40, 12), (15, 12)]
    for a, b in zip(pts, pts[1:]):
        msp.add_line(P(*a), P(*b))
    msp.add_arc(P(15, 15), 3.0, 180.0 + rot_deg, 270.0 + rot_deg)   # the inner fillet
    pts = [(12, 15), (12, 30), (4, 30), (0, 26), (0, 0)]
    for a, b in zip(pts, pts[1:]):
        msp.add_line(P(*a), P(*b))
    msp.add_circle(P(6, 6), 2.5)

    def obround(c0, c1, half):
        (x0, y0), (x1, y1) = c0, c1
        dx, dy = x1 - x0, y1 - y0
        n = math.hypot(dx, dy)
        nx, ny = -dy / n * half, dx / n * half
        q = [(x0 - nx, y0 - ny, 0.0), (x1 - nx, y1 - ny, 1.0), (x1 + nx, y1 + ny, 0.0),
             (x0 + nx, y0 + ny, 1.0)]
        msp.add_lwpolyline([(*P(x, y), b) for x, y, b in q], format="xyb", close=True)

    obround((24, 6), (32, 6), 2.0)
    obround((6, 16), (6, 23), 1.5)
    if dims:
        tol = {"dimtol": 1, "dimtp": 0.03, "dimtm": 0.03}
        O = P(0, 0)
        msp.add_ordinate_x_dim(feature_location=P(6, 6), offset=(0, -8), origin=O,
                               override=tol).render()
        msp.add_ordinate_y_dim(feature_location=P(6, 6), offset=(-8, 0), origin=O,
                               override=tol).render()
        msp.add_ordinate_x_dim(feature_location=P(40, 6), offset=(0, -8), origin=O).render()
        msp.add_ordinate_y_dim(feature_location=P(20, 12), offset=(30, 0), origin=O).render()
        msp.add_ordinate_x_dim(feature_location=P(24, 6), offset=(0, -12), origin=O).render()
        msp.add_angular_dim_3p(base=P(5, 27), center=P(4, 30), p1=P(12, 30), p2=P(0, 26),
                               override={"dimtol": 1, "dimtp": 0.2, "dimtm": 0.2}).render()
        msp.add_angular_dim_3p(base=P(10, 10), center=P(6, 6), p1=P(24, 6),
                               p2=P(6, 16)).render()
    doc.saveas(path)
    return path


def block_plate(path, *, polygon_sides=72):
    doc = ezdxf.new("R2010", units=1)
    blk = doc.blocks.new("PART")
    pts = [(0, 0), (2, 0), (2, 1.05), (1.85, 1.2), (0, 1.2), (0, 0)]
    for a, b in zip(pts, pts[1:]):
        blk.add_line(a, b)
    hole = doc.blocks.new("HOLE")
    hole.add_circle((0, 0), 0.1)
    blk.add_blockref("HOLE", (0.4, 0.4))                                  # nested
    blk.add_blockref("HOLE", (0.4, 0.8), dxfattribs={"xscale": -1})       # mirrored
    blk.add_lwpolyline([(1.0, 0.6, 1.0), (1.25, 0.6, 1.0)], format="xyb", close=True)
    n = int(polygon_sides)
    blk.add_lwpolyline([(1.6 + 0.15 * math.cos(2 * math.pi * k / n),
                         0.85 + 0.15 * math.sin(2 * math.pi * k / n)) for k in range(n)],
                       close=True)
    blk.add_line((1.4, 0.3), (1.7, 0.3))
    blk.add_line((1.7, 0.45), (1.4, 0.45))
    blk.add_arc((1.7, 0.375), 0.075, -90, 90)
    blk.add_arc((1.4, 0.375), 0.075, 90, 270)
    doc.modelspace().add_blockref("PART", (5, 3), dxfattribs={"rotation": 25, "xscale": 0.8,
                                                              "yscale": 0.8})
    doc.modelspace().add_text("NOTE", dxfattribs={"insert": (0, 0)})
    doc.saveas(path)
    return path


DRAWINGS = {
    "plate_mm": lambda p: plate_mm(p, origin=(120.0, -35.0), rot_deg=30.0),
    "plate_inch": lambda p: plate_inch(p, origin=(3.0, 1.0)),
    "flange": flange,
    "l_bracket": l_bracket,
    "block_plate": block_plate,
}
