"""Defect makers and part geometry of :mod:`metrology.synth.defects` (private: split off to keep
that module within its size limit).

Each maker ``_kind(g, shape, lay, pose, params)`` draws one surface defect on an image of
``shape`` for a part of layout ``lay`` (:func:`~metrology.synth.surfaces.layout_features`) at
``pose`` and returns ``(delta, flatten, spec_fields, footprint)``: the signed image change
(H, W), the texture flattening factor (H, W) or None, the ``DefectSpec`` fields as a tuple, and
an extra mask (H, W) or None.  Random parameters come from ``g``; ``params`` fixes some.
"""

from __future__ import annotations

import numpy as np

from ..core.pose import Pose2D
from ..errors import InputError
from ._textures_more import sd_notch, sd_window
from ._textures_more2 import stain_delta
from ._textures_more4 import sd_cruciform
from ._textures_more5 import sd_gusset, sd_sprocket
from ._textures_more6 import sd_hexplate
from ._textures_more7 import sd_lbracket
from ._textures_more9 import MORE_OUTLINES, sd_more
from .surfaces import crack_delta


def sd_plate(u, v, lay):
    if "arms" in lay:  # a cross-shaped outline (layout cruciform)
        return sd_cruciform(u, v, lay)
    if "tri" in lay:  # a triangular outline (layout gusset)
        return sd_gusset(u, v, lay)
    if "teeth" in lay:  # a toothed round outline (layout sprocket)
        return sd_sprocket(u, v, lay)
    if "hexa" in lay:  # a hexagonal outline (layout hexplate)
        return sd_hexplate(u, v, lay)
    if "ell" in lay:  # an L-shaped outline (layout lbracket)
        return sd_lbracket(u, v, lay)
    if any(k in lay for k in MORE_OUTLINES):  # link, cam, ... crescentarm: _textures_more9
        return sd_more(u, v, lay)
    hx, hy = lay["half"]
    r = lay["corner"]
    qx, qy = np.abs(u) - hx + r, np.abs(v) - hy + r
    out = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
    if "notch" in lay:  # a V cut into the edge (layout strip): outside the plate
        return np.maximum(out - r, -sd_notch(u, v, lay["notch"]))
    return out - r


def box_around(c, m: int, shape) -> tuple[int, int, int, int]:
    """Rows r0:r1 and columns c0:c1 of the box of half size ``m`` px (and one more row and
    column) around the point ``c`` (x, y), clipped at the image ``shape`` (h, w)."""
    h, w = shape
    return (max(0, int(c[1]) - m), min(h, int(c[1]) + m + 2),
            max(0, int(c[0]) - m), min(w, int(c[0]) + m + 2))


def n_features(lay) -> int:
    return len(lay["holes"]) + len(lay["slots"]) + len(lay.get("windows", [])) + \
        len(lay.get("sinks", [])) + len(lay.get("extra", []))


def n_missable(lay) -> int:
    """How many features a ``missing`` part may leave out: all of them but countersunk holes
    (``"sinks"``, layout panel), or, with ``"keep_windows"`` (layouts bezel, panel, terminal),
    the holes and slots (features before the windows), and with ``"keep_slots"`` as well
    (layout terminal) the holes only."""
    keep = len(lay["windows"]) if lay.get("keep_windows") else 0
    keep += len(lay["slots"]) if lay.get("keep_slots") else 0
    return n_features(lay) - keep - len(lay.get("sinks", []))


def sd_features(u, v, lay, skip: int | None):
    """Signed distance to the nearest machined feature (holes, then slots, then windows, then
    countersunk holes' bores, then extra holes), leaving out feature number ``skip``."""
    d = np.full(np.shape(u), np.inf)
    feats = [("h", f) for f in lay["holes"]] + [("s", f) for f in lay["slots"]] + \
        [("w", f) for f in lay.get("windows", [])] + \
        [("h", f[:2]) for f in lay.get("sinks", [])] + [("h", f) for f in lay.get("extra", [])]
    for i, (kind, f) in enumerate(feats):
        if i == skip:
            continue
        if kind == "w":
            d = np.minimum(d, sd_window(u, v, f))
        elif kind == "h":
            (cx, cy), r = f
            d = np.minimum(d, np.hypot(u - cx, v - cy) - r)
        else:
            (cx, cy), half, r, ang = f
            ca, sa = np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))
            a, b = (u - cx) * ca + (v - cy) * sa, -(u - cx) * sa + (v - cy) * ca
            t = np.clip(a, -half, half)
            d = np.minimum(d, np.hypot(a - t, b) - r)
    return d


def feature_extent(lay, i):
    """Centre, radius, half length and angle of feature number ``i`` (a window: its half
    height and half width at angle 0)."""
    nh, ns = len(lay["holes"]), len(lay["slots"])
    if i < nh:
        (cx, cy), r = lay["holes"][i]
        return (cx, cy), r, 0.0, 0.0
    if i >= nh + ns:
        (cx, cy), (hx, hy), _ = lay["windows"][i - nh - ns]
        return (cx, cy), hy, hx, 0.0
    (cx, cy), half, r, ang = lay["slots"][i - nh]
    return (cx, cy), r, half, ang


def window_of(lay, i):
    """Feature number ``i`` of ``lay`` if it is a window (``((cx, cy), (hx, hy), r)``), else None."""
    j = i - len(lay["holes"]) - len(lay["slots"])
    return lay["windows"][j] if 0 <= j < len(lay.get("windows", [])) else None


def pick_center(g, lay, pose: Pose2D, extent: float, tries: int = 200):
    """A defect centre on the free face, ``extent`` px clear of the edges and features (the
    clearance shrinks, down to 6 px, where the layout leaves no such room: a long scratch may
    then run into a feature, as real ones do).  A layout with ``"free"`` (an image's distance
    map to the edges of the region defects may lie on, :func:`free_distance`) places the centre
    on that map by the same rule, in image pixels."""
    if "free" in lay:
        return _pick_free(g, lay["free"], extent)
    hx, hy = lay.get("inner", lay["half"])
    while True:
        lo_u, hi_u, lo_v, hi_v = -hx + extent + 6, hx - extent - 6, -hy + extent + 6, hy - extent - 6
        if hi_u >= lo_u and hi_v >= lo_v:  # a defect wider than the plate: shrink, do not draw
            u = g.uniform(lo_u, hi_u, tries)
            v = g.uniform(lo_v, hi_v, tries)
            ok = (sd_plate(u, v, lay) < -(extent + 6)) & \
                (sd_features(u, v, lay, None) > extent + 4)
            if ok.any():
                j = int(np.argmax(ok))
                return pose.apply(np.array([[u[j], v[j]]]))[0]
        if extent <= 6:
            raise InputError(f"image too small to place a defect of extent {extent:.0f} px; "
                             f"use a larger shape")
        extent = max(6.0, 0.8 * extent)


def free_distance(region: np.ndarray) -> np.ndarray:
    """Distance (px) of each pixel of ``region`` (H, W bool) to the nearest pixel off it or
    to the image border (0 off the region)."""
    from scipy import ndimage

    return ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]


def _pick_free(g, free, extent: float):
    """A centre (image pixels) on a distance map ``free``: ``extent`` + 4 px clear of its edges
    (the generator's clearance from features; the plate edge's 6 px less the pixels the face
    region already keeps off edges), the clearance shrinking as in :func:`pick_center`; where
    nothing is clear by 6 + 4 px, the pixel deepest in the region."""
    while True:
        ys, xs = np.nonzero(free >= extent + 4)
        if len(ys):
            j = int(g.integers(len(ys)))
            return np.array([xs[j] + g.uniform(-0.5, 0.5), ys[j] + g.uniform(-0.5, 0.5)])
        if extent <= 6:
            y, x = np.unravel_index(int(np.argmax(free)), free.shape)
            return np.array([float(x), float(y)])
        extent = max(6.0, 0.8 * extent)


def _along_across(shape, c, angle_deg):
    """Coordinates of every pixel (H, W) along (``t``) and across (``s``) a line through
    ``c`` at ``angle_deg``."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle_deg)
    dx, dy = xx - c[0], yy - c[1]
    return dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)


def _scratch(g, shape, lay, pose, params):
    length = params.get("length_px", g.uniform(10, min(70.0, 0.3 * min(shape))))
    width = params.get("width_px", g.uniform(0.55, 1.3))  # Gaussian sigma of the groove
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(16, 45))
    polarity = params.get("polarity", g.choice(["dark", "bright", "pair"]))
    bend = params.get("bend_px", g.uniform(-0.08, 0.08) * length)
    c = pick_center(g, lay, pose, length / 2 + 3)
    t, s = _along_across(shape, c, angle)
    tn = np.clip(t / (length / 2), -1, 1)
    s = s - bend * (1 - tn ** 2)                       # gentle arc
    ends = np.clip((length / 2 - np.abs(t)) / 2.0 + 0.5, 0, 1)  # 2 px tapered ends
    along = 0.65 + 0.35 * np.cos(t * g.uniform(0.15, 0.5) + g.uniform(0, 2 * np.pi))
    prof = np.exp(-0.5 * (s / width) ** 2)
    if polarity == "dark":
        delta = -contrast * prof
    elif polarity == "bright":
        delta = contrast * prof
    else:  # groove lit from one side: a dark and a bright flank
        delta = contrast * 1.6 * (s / width) * np.exp(-0.5 * (s / width) ** 2)
    delta = delta * ends * along
    spec = ("scratch", (float(c[0]), float(c[1])), float(length), float(angle),
                      float(contrast if polarity != "dark" else -contrast),
                      {"width_px": float(width), "polarity": str(polarity),
                       "bend_px": float(bend)})
    return delta, None, spec, None


def _spot(g, shape, lay, pose, params):
    radius = params.get("radius_px", g.uniform(2.0, 7.0))
    aspect = params.get("aspect", g.uniform(0.6, 1.0))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(18, 50) * g.choice([-1, 1]))
    power = params.get("edge_power", g.uniform(2.0, 4.0))
    c = pick_center(g, lay, pose, radius * 2 + 2)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    p = (dx * np.cos(a) + dy * np.sin(a)) / radius
    q = (-dx * np.sin(a) + dy * np.cos(a)) / (radius * aspect)
    delta = contrast * np.exp(-(np.hypot(p, q) ** power))
    spec = ("spot", (float(c[0]), float(c[1])), float(radius), float(angle),
                      float(contrast), {"aspect": float(aspect), "edge_power": float(power)})
    return delta, None, spec, None


def _dent(g, shape, lay, pose, params):
    sigma = params.get("sigma_px", g.uniform(4.0, 9.0))
    aspect = params.get("aspect", g.uniform(0.6, 1.0))
    angle = params.get("angle_deg", g.uniform(0, 180))
    light = params.get("light_deg", g.uniform(0, 360))
    contrast = params.get("contrast", g.uniform(12, 24))
    c = pick_center(g, lay, pose, 2.5 * sigma)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(angle)
    dx, dy = xx - c[0], yy - c[1]
    p = (dx * np.cos(a) + dy * np.sin(a)) / sigma
    q = (-dx * np.sin(a) + dy * np.cos(a)) / (sigma * aspect)
    height = -np.exp(-0.5 * (p * p + q * q))             # a depression
    gy, gx = np.gradient(height)
    la = np.deg2rad(light)
    shade = gx * np.cos(la) + gy * np.sin(la)              # Lambertian slope term
    shade = shade / max(np.abs(shade).max(), 1e-12)
    delta = contrast * shade
    footprint = (p * p + q * q) <= 2.0 * np.log(4.0)  # depth >= a quarter of the deepest point
    flatten = 1.0 - 0.6 * np.exp(-0.5 * (p * p + q * q))    # brushing pressed flat inside
    spec = ("dent", (float(c[0]), float(c[1])), float(sigma), float(angle),
                      float(contrast), {"aspect": float(aspect), "light_deg": float(light)})
    return delta, flatten, spec, footprint


def _crack(g, shape, lay, pose, params):
    length = params.get("length_px", g.uniform(12, min(50.0, 0.2 * min(shape))))
    contrast = params.get("contrast", g.uniform(22, 50))
    c = pick_center(g, lay, pose, length / 3 + 4)  # a random walk spans less than its length
    delta = crack_delta(g, shape, c, length, contrast)
    spec = ("crack", (float(c[0]), float(c[1])), float(length), 0.0, -float(contrast))
    return delta, None, spec, None


def _stain(g, shape, lay, pose, params):
    radius = params.get("radius_px", g.uniform(4.0, 10.0))
    contrast = params.get("contrast", g.uniform(14, 35) * g.choice([-1, 1]))
    c = pick_center(g, lay, pose, 1.8 * radius + 2)
    delta = stain_delta(g, shape, c, radius, contrast)
    spec = ("stain", (float(c[0]), float(c[1])), float(radius), 0.0, float(contrast))
    return delta, None, spec, None


def _pits(g, shape, lay, pose, params):
    """Corrosion pitting: 4-9 small dark pits (1-2.2 px radius) scattered in a 5-12 px radius."""
    radius = params.get("radius_px", g.uniform(5.0, 12.0))
    contrast = params.get("contrast", g.uniform(20, 45))
    c = pick_center(g, lay, pose, radius + 4)
    n = int(g.integers(4, 10))
    rho = radius * np.sqrt(g.uniform(0, 1, n))
    phi = g.uniform(0, 2 * np.pi, n)
    centres = np.c_[c[0] + rho * np.cos(phi), c[1] + rho * np.sin(phi)]  # (n, 2)
    r_pit = g.uniform(1.0, 2.2, n)
    depth = g.uniform(0.6, 1.0, n)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r0, r1 = int(max(0, c[1] - radius - 8)), int(min(h, c[1] + radius + 9))
    c0, c1 = int(max(0, c[0] - radius - 8)), int(min(w, c[0] + radius + 9))
    sx, sy = xx[r0:r1, c0:c1, None], yy[r0:r1, c0:c1, None]
    d2 = ((sx - centres[:, 0]) ** 2 + (sy - centres[:, 1]) ** 2) / r_pit ** 2
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * np.max(depth * np.exp(-d2 ** 1.5), axis=-1)
    spec = ("pits", (float(c[0]), float(c[1])), float(radius), 0.0, -float(contrast),
            {"count": float(n)})
    return delta, None, spec, None


def _gouge(g, shape, lay, pose, params):
    """Tool slip: a short, wide dark groove (8-25 px long, sigma 1.4-2.8 px) deepest at one
    end, with a bright burr pushed up along one side."""
    length = params.get("length_px", g.uniform(8, min(25.0, 0.15 * min(shape))))
    width = params.get("width_px", g.uniform(1.4, 2.8))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(18, 40))
    c = pick_center(g, lay, pose, length / 2 + 2 * width + 3)
    t, s = _along_across(shape, c, angle)
    tn = np.clip(t / (length / 2), -1, 1)
    ends = np.clip((length / 2 - np.abs(t)) / width + 0.5, 0, 1)
    deep = 0.55 + 0.45 * (tn + 1) / 2                       # deeper towards the far end
    groove = -np.exp(-0.5 * (s / width) ** 2)
    burr = 0.6 * np.exp(-0.5 * ((s - 2.2 * width) / (0.6 * width)) ** 2)
    delta = contrast * (groove + burr) * deep * ends
    spec = ("gouge", (float(c[0]), float(c[1])), float(length), float(angle),
            -float(contrast), {"width_px": float(width)})
    return delta, None, spec, None


def _hairline(g, shape, lay, pose, params):
    """A hairline scratch: long (40-90 px, 0.25-0.4 x smaller images), straight, very thin
    (sigma 0.45-0.8 px) and faint (10-22 gray levels), dark or bright, fading in and out along
    its length."""
    side = min(shape)
    length = params.get("length_px", g.uniform(min(40.0, 0.25 * side), min(90.0, 0.4 * side)))
    width = params.get("width_px", g.uniform(0.45, 0.8))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(10, 22) * g.choice([-1, 1]))
    c = pick_center(g, lay, pose, length / 2 + 3)
    t, s = _along_across(shape, c, angle)
    ends = np.clip((length / 2 - np.abs(t)) / 6.0, 0, 1)   # 6 px fade at each end
    along = 0.75 + 0.25 * np.cos(t * g.uniform(0.05, 0.2) + g.uniform(0, 2 * np.pi))
    delta = contrast * np.exp(-0.5 * (s / width) ** 2) * ends * along
    spec = ("hairline", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"width_px": float(width)})
    return delta, None, spec, None


def _chatter(g, shape, lay, pose, params):
    """Chatter marks (tool vibration): 4-8 short dashes (5-10 px long, sigma 0.8-1.3 px),
    3-5 px apart, across a track at ``angle_deg``, contrast 15-35 gray levels of one sign."""
    n = int(g.integers(4, 9))
    pitch = g.uniform(3.0, 5.0)
    dash = params.get("length_px", g.uniform(5.0, 10.0))
    width = params.get("width_px", g.uniform(0.8, 1.3))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(15, 35) * g.choice([-1, 1]))
    track = n * pitch
    c = pick_center(g, lay, pose, max(track, dash) / 2 + 3)
    t, s = _along_across(shape, c, angle)                  # t along the track
    k = np.clip(np.rint(t / pitch + (n - 1) / 2.0), 0, n - 1)
    dt = t - (k - (n - 1) / 2.0) * pitch                    # offset from the nearest dash
    amp = g.uniform(0.6, 1.0, n)[k.astype(int)]
    prof = np.exp(-0.5 * (dt / width) ** 2) * np.clip((dash / 2 - np.abs(s)) / 1.5 + 0.5, 0, 1)
    delta = contrast * amp * prof
    spec = ("chatter", (float(c[0]), float(c[1])), float(track), float(angle),
            float(contrast), {"count": float(n), "pitch_px": float(pitch),
                              "length_px": float(dash)})
    return delta, None, spec, None


def _scuff(g, shape, lay, pose, params):
    """A scuff (rubbed patch): an ellipse 16-40 px long (0.15-0.2 x a smaller image's side)
    and 5-12 px wide of fine parallel streaks along its length, polished brighter on the whole
    (contrast 10-25 gray levels), the texture inside it rubbed down by half."""
    side = min(shape)  # smaller images: 0.15-0.2 x their side (the same draw from 200 px up)
    length = params.get("length_px", g.uniform(min(16.0, 0.15 * side), min(40.0, 0.2 * side)))
    width = params.get("width_px", g.uniform(5.0, 12.0))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(10, 25))
    c = pick_center(g, lay, pose, length / 2 + 3)
    t, s = _along_across(shape, c, angle)
    r2 = (t / (length / 2)) ** 2 + (s / (width / 2)) ** 2
    env = np.clip((1.0 - r2) / 0.4, 0.0, 1.0)                 # soft rim
    grid = np.arange(-width, width + 0.25, 0.25)                # streak profile across
    prof = np.convolve(g.standard_normal(grid.size), np.exp(-0.5 * (np.arange(-8, 9) / 2.4) ** 2),
                       mode="same")
    streaks = np.interp(s, grid, prof / max(float(np.abs(prof).max()), 1e-12))
    delta = contrast * env * (0.4 + 0.6 * streaks)
    flatten = 1.0 - 0.5 * env
    spec = ("scuff", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"width_px": float(width)})
    return delta, flatten, spec, r2 <= 1.0


def _fingerprint(g, shape, lay, pose, params):
    """A fingerprint: an elliptical patch 25-45 px by 18-30 px (0.26-0.35 and 0.19-0.24 x a
    smaller image's side), at a random angle, of oily ridges (10-22 gray levels from valley to
    ridge, as a hairline's, darker or brighter) at a 2.5-3.5 px period, concentric or whorled (a spiral of one turn) and
    slowly warped, fading towards the rim; its mask is the ellipse."""
    side = min(shape)  # smaller images: a share of their side (the same draw from 129 px up)
    length = params.get("length_px", g.uniform(min(25.0, 0.26 * side), min(45.0, 0.35 * side)))
    width = params.get("width_px", g.uniform(min(18.0, 0.19 * side), min(30.0, 0.24 * side)))
    angle = params.get("angle_deg", g.uniform(0, 180))
    contrast = params.get("contrast", g.uniform(10, 22) * g.choice([-1, 1]))
    period = g.uniform(2.5, 3.5)
    turns = g.choice([0.0, 1.0, -1.0])                       # concentric or a whorl either way
    warp, warp_phase = g.uniform(0.5, 1.5), g.uniform(0, 2 * np.pi, 2)
    c = pick_center(g, lay, pose, max(length, width) / 2 + 3)
    t, s = _along_across(shape, c, angle)
    r2 = (t / (length / 2)) ** 2 + (s / (width / 2)) ** 2
    theta = np.arctan2(s / width, t / length)
    radius = np.sqrt(r2) * 0.25 * (length + width)              # elliptical radius, px
    radius += warp * (np.sin(2 * theta + warp_phase[0]) + 0.5 * np.sin(3 * theta + warp_phase[1]))
    phase = radius / period + turns * theta / (2 * np.pi)
    ridges = 0.5 + 0.5 * np.cos(2 * np.pi * phase)
    env = np.clip((1.0 - r2) / 0.4, 0.0, 1.0) * (0.7 + 0.3 * np.clip(1.0 - r2, 0.0, 1.0))
    delta = contrast * env * ridges
    spec = ("fingerprint", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"width_px": float(width), "pitch_px": float(period)})
    return delta, None, spec, r2 <= 1.0


def _blister(g, shape, lay, pose, params):
    """A blister (coating lifted by a bubble beneath): a raised round dome 6-14 px across
    (radius 3-7 px, height ``(1 - r**2/R**2)**2``) lit from a random side, so the image change
    is its slope along the light (bright on the lit flank, dark on the other), 12-30 gray
    levels at the steepest point; half of them with a faint ring at the rim (a quarter of
    that, either sign, sigma 0.6 px, cut off 2 px from the rim).  Its mask includes the dome."""
    radius = params.get("radius_px", g.uniform(3.0, 7.0))
    light = params.get("light_deg", g.uniform(0, 360))
    contrast = params.get("contrast", g.uniform(12, 30))
    ring = g.random() < 0.5
    ring_amp = 0.25 * g.choice([-1.0, 1.0])
    c = pick_center(g, lay, pose, radius + 4)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = xx - c[0], yy - c[1]
    q = np.clip(1.0 - (dx * dx + dy * dy) / radius ** 2, 0.0, None)   # 0 outside the dome
    la = np.deg2rad(light)
    facing = 4.0 * q * (dx * np.cos(la) + dy * np.sin(la)) / radius ** 2  # -slope along the light
    delta = contrast * facing * (3.0 * np.sqrt(3.0) * radius / 8.0)    # steepest point: contrast
    rr = np.hypot(dx, dy)
    if ring:
        near = np.abs(rr - radius) <= 2.0
        delta = delta + near * contrast * ring_amp * np.exp(-0.5 * ((rr - radius) / 0.6) ** 2)
    spec = ("blister", (float(c[0]), float(c[1])), float(radius), float(light), float(contrast),
            {"light_deg": float(light), "ring": float(ring)})
    return delta, None, spec, rr <= radius


def _inclusion(g, shape, lay, pose, params):
    """A foreign particle pressed into the face: a small dark irregular polygon 3-7 px across
    (5-8 vertices at jittered even angles, each 0.7-1 x half that size from the centre, so the
    outline is star-shaped), 25-50 gray levels dark, with a faint bright halo 2-3 px wide all
    round it (a fifth of the darkening); both drawn on a 4 x 4 subsample grid of a box around
    the particle, so the edges are anti-aliased.  Its mask is the dark core."""
    size = params.get("radius_px", g.uniform(3.0, 7.0))      # across (px)
    contrast = params.get("contrast", g.uniform(25, 50))
    nv = int(g.integers(5, 9))
    # jittered even angles: every gap below 180 degrees, so the centre sees the whole outline
    theta = np.sort(np.mod((np.arange(nv) + g.uniform(-0.35, 0.35, nv)) * 2 * np.pi / nv
                           + g.uniform(0.0, 2 * np.pi), 2 * np.pi))
    rad = 0.5 * size * g.uniform(0.7, 1.0, nv)
    halo = g.uniform(2.0, 3.0)
    c = pick_center(g, lay, pose, 0.5 * size + halo + 2)
    h, w = shape
    m = int(np.ceil(0.5 * size + halo + 2))
    r0, r1, c0, c1 = box_around(c, m, shape)
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    ys = (np.arange(r0, r1)[:, None] + sub[None, :]).ravel()
    xs = (np.arange(c0, c1)[:, None] + sub[None, :]).ravel()
    dx, dy = xs[None, :] - c[0], ys[:, None] - c[1]
    phi = np.mod(np.arctan2(dy, dx), 2 * np.pi)
    # the outline's radius at each sample's angle: along the edge between the two vertices
    # that bracket it (the last edge wraps round from the last vertex to the first)
    k = np.searchsorted(theta, phi) % nv
    vx, vy = rad * np.cos(theta), rad * np.sin(theta)
    ax_, ay_, bx_, by_ = vx[k - 1], vy[k - 1], vx[k], vy[k]
    # the ray from the centre along phi meets the edge a-b at distance t (2-D cross products)
    den = np.cos(phi) * (by_ - ay_) - np.sin(phi) * (bx_ - ax_)
    t = (ax_ * by_ - ay_ * bx_) / np.where(np.abs(den) > 1e-12, den, 1e-12)
    out_d = np.hypot(dx, dy) - t                           # radial distance outside the outline
    val = np.where(out_d <= 0, -1.0, np.where(out_d <= halo, 0.2, 0.0))
    nr, nc = r1 - r0, c1 - c0
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * val.reshape(nr, 4, nc, 4).mean(axis=(1, 3))
    spec = ("inclusion", (float(c[0]), float(c[1])), float(size), 0.0, float(contrast),
            {"vertices": float(nv), "halo_px": float(halo)})
    return delta, None, spec, None


def _corrosion(g, shape, lay, pose, params):
    """A corrosion patch: a blotch 8-20 px across (radius ``R`` 4-10 px), its outline irregular
    (a soft disc of radius ``R`` plus smooth noise of sigma ``R / 3``, thresholded at a half,
    edges softened by 0.7 px), darkened by 10-30 gray levels on the whole, a fine speckle of
    dark pits inside it (on about a fifth of its pixels, 0.5-1.2 x that darkening each,
    blurred by 0.5 px) and a slightly brighter oxide rim in places (a band 1-3 px wide just
    outside the outline times a smooth positive noise, up to 0.6 x the darkening).  Its mask
    is the patch."""
    radius = params.get("radius_px", g.uniform(4.0, 10.0))
    contrast = params.get("contrast", g.uniform(10, 30))
    c = pick_center(g, lay, pose, radius + 4)
    h, w = shape
    m = int(np.ceil(1.5 * radius + 4))
    r0, r1, c0, c1 = box_around(c, m, shape)
    from scipy import ndimage

    sh = (r1 - r0, c1 - c0)
    noise = ndimage.gaussian_filter(g.standard_normal(sh), radius / 3.0)
    noise /= max(float(noise.std()), 1e-12)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    rr = np.hypot(xx - c[0], yy - c[1]) / radius
    disc = np.clip(1.5 - rr, 0.0, 1.0)                     # soft disc: 1 inside 0.5 R, 0 at 1.5 R
    patch = ndimage.gaussian_filter(((disc + 0.35 * noise * disc) > 0.5).astype(float), 0.7)
    pits = ndimage.gaussian_filter((g.random(sh) < 0.2) * g.uniform(0.5, 1.2, sh), 0.5)
    band = ndimage.gaussian_filter(patch, 1.5) * (1.0 - patch)  # just outside the outline
    band /= max(float(band.max()), 1e-12)
    oxide = np.clip(ndimage.gaussian_filter(g.standard_normal(sh), 2.0) * 4.0, 0.0, 1.0)
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * (-patch - 1.5 * pits * patch + 0.6 * band * oxide)
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = patch >= 0.5
    spec = ("corrosion", (float(c[0]), float(c[1])), float(2 * radius), 0.0, -float(contrast),
            {"radius_px": float(radius)})
    return delta, None, spec, footprint


def _spatter(g, shape, lay, pose, params):
    """Weld spatter: a cluster of 3-8 small raised droplets (radius 1.5-4 px) scattered within
    a cluster 10-25 px across, each a dome ``(1 - r**2/R**2)**2`` seen through light from one
    random azimuth for the cluster (its slope along the light: a bright and a dark side, 15-35
    gray levels at a droplet's steepest point, 0.7-1 x that per droplet) with a tiny dark halo
    just outside it (a quarter of that, sigma 0.5 px, cut off 1.5 px from the rim).  Drawn on a
    box around the cluster.  Its mask includes the droplets."""
    spread = params.get("length_px", g.uniform(10.0, 25.0))     # the cluster across, px
    light = params.get("light_deg", g.uniform(0, 360))
    contrast = params.get("contrast", g.uniform(15, 35))
    n = int(g.integers(3, 9))
    rad = g.uniform(1.5, 4.0, n)
    amp = g.uniform(0.7, 1.0, n)
    rho = (0.5 * spread - rad) * np.sqrt(g.uniform(0, 1, n))   # droplets inside the cluster
    phi = g.uniform(0, 2 * np.pi, n)
    c = pick_center(g, lay, pose, 0.5 * spread + 2)
    h, w = shape
    m = int(np.ceil(0.5 * spread + 4))
    r0, r1, c0, c1 = box_around(c, m, shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    dx = xx[..., None] - (c[0] + rho * np.cos(phi))            # (box, n): every droplet
    dy = yy[..., None] - (c[1] + rho * np.sin(phi))
    rr = np.hypot(dx, dy)
    q = np.clip(1.0 - (rr / rad) ** 2, 0.0, None)
    la = np.deg2rad(light)
    facing = 4.0 * q * (dx * np.cos(la) + dy * np.sin(la)) / rad ** 2   # -slope along the light
    bump = facing * (3.0 * np.sqrt(3.0) * rad / 8.0)                    # steepest point: 1
    halo = -0.25 * (rr > rad) * (rr < rad + 1.5) * np.exp(-0.5 * ((rr - rad) / 0.5) ** 2)
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * np.sum(amp * (bump + halo), axis=-1)
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = (rr <= rad).any(axis=-1)
    spec = ("spatter", (float(c[0]), float(c[1])), float(spread), float(light), float(contrast),
            {"light_deg": float(light), "count": float(n)})
    return delta, None, spec, footprint


def _burn(g, shape, lay, pose, params):
    """A heat-tint / arc-strike burn: a soft irregular annulus of outer radius 6-18 px (the
    radius wavering by up to ~12 % around the circle: 4 random harmonics), a darker core (the
    peak, 12-30 gray levels; out to 0.65 x the radius) inside a slightly brighter ring (0.5 x
    that, at 0.75 x the radius) whose width varies around the circle (0.07-0.2 x the radius),
    both compact bumps ``(1 - x**2)**2`` so it ends at the outer radius, mottled by 25 %."""
    from scipy import ndimage

    radius = params.get("radius_px", g.uniform(6.0, 18.0))
    contrast = params.get("contrast", g.uniform(12, 30))
    k = np.arange(1, 5)
    amp, phase = g.normal(0.0, 0.05, 4) / k, g.uniform(0, 2 * np.pi, 4)
    wamp, wphase = g.uniform(-0.5, 0.5, 4) / k, g.uniform(0, 2 * np.pi, 4)
    c = pick_center(g, lay, pose, 1.2 * radius + 2)
    h, w = shape
    m = int(np.ceil(1.3 * radius + 3))
    r0, r1, c0, c1 = box_around(c, m, shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    rr, th = np.hypot(xx - c[0], yy - c[1]), np.arctan2(yy - c[1], xx - c[0])
    harm = np.cos(k * th[..., None] + phase)                    # (box, 4)
    rad = radius * (1.0 + harm @ amp)                           # the wavering outer radius
    wid = 0.13 * radius * np.clip(1.0 + np.cos(k * th[..., None] + wphase) @ wamp, 0.5, 1.6)
    core = np.clip(1.0 - (rr / (0.65 * rad)) ** 2, 0.0, None) ** 2
    ring = np.clip(1.0 - ((rr - 0.75 * rad) / np.minimum(2.0 * wid, 0.25 * rad)) ** 2,
                   0.0, None) ** 2
    mottle = ndimage.gaussian_filter(g.standard_normal(rr.shape), max(1.0, radius / 5))
    mottle = 1.0 + 0.25 * mottle / max(float(mottle.std()), 1e-12)
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * np.clip(mottle, 0.5, 1.5) * (0.5 * ring - core)
    spec = ("burn", (float(c[0]), float(c[1])), float(radius), 0.0, float(contrast),
            {"ring_px": float(wid.mean())})
    return delta, None, spec, None


_MAKERS = {"scratch": _scratch, "spot": _spot, "dent": _dent, "crack": _crack,
           "stain": _stain, "pits": _pits, "gouge": _gouge, "hairline": _hairline,
           "chatter": _chatter, "scuff": _scuff, "fingerprint": _fingerprint,
           "blister": _blister, "inclusion": _inclusion, "corrosion": _corrosion,
           "spatter": _spatter, "burn": _burn}


def draw_defect(g, kind, shape, lay, pose, params, visible):
    """One surface defect: image change, texture flattening (or None), mask, and the fields of
    its ``DefectSpec`` (kind, centre, size, angle, contrast[, params]) as a tuple.  The mask
    is where the change reaches a quarter of its peak and the face shows it (``visible``), plus
    the maker's footprint (a dent's depression)."""
    from ._defect_makers2 import MORE_MAKERS  # imports this module's helpers: imported here

    d, f, spec, footprint = {**_MAKERS, **MORE_MAKERS}[kind](g, shape, lay, pose, params)
    peak = float(np.abs(d).max())
    # a defect too small to change any pixel (a spot of 0.001 px) has no mask, not the face
    mask = (np.abs(d) >= 0.25 * peak) & visible if peak > 0 else np.zeros(d.shape, bool)
    if footprint is not None:
        mask |= footprint
    return d, f, mask, spec
