"""More defect makers of :mod:`metrology.synth.defects` (private: split off to keep
:mod:`metrology.synth._defect_makers` within its size limit; reached through its
``draw_defect``, which takes :data:`MORE_MAKERS` as its own).

Each maker has the signature and return value of those in ``_defect_makers``:
``_kind(g, shape, lay, pose, params) -> (delta, flatten, spec_fields, footprint)``.

``crazing``  a patch (radius 8-20 px, irregular outline) of a network of fine connected cracks:
             thin dark lines along the edges of small polygonal cells 3-7 px across, fading
             out towards the patch's border, faint (10-22 gray levels, as a hairline).
``drip``     a paint run / oil drip: an elongated teardrop streak 15-40 px long, 3-7 px wide at
             its round head and narrowing to a point along its length, slightly brighter
             (glossy, 14-30 gray levels, as a stain) with a thin darker rim along one side.
``chip``     a coating chip (flaked off down to the primer and the bare metal): an angular
             patch 8-20 px across whose outline is a polygon of 6-9 straight edges, two flat
             brighter terraces (the primer ring, 0.4-0.6 of the metal's 20-40 gray levels, and
             the bare metal inside it) with sharp edges, the coat's texture gone inside.
``watermark`` a dried water / coolant stain ring (a tide line): a thin darker closed ring
             (about 1-2 px wide, 14-30 gray levels) of radius 5-14 px, wobbling about a circle,
             around an interior left as it was but for a faint lift (0.12 of the contrast).
``swarf``    a curled machining chip (swarf) left lying on the face: a thin bright metallic
             curl (a spiral of 0.8-1.4 turns, outer radius 3-8 px, its radius shrinking by
             30-50 % along it, about 1.5 px wide, 20-40 gray levels) with the darker shadow it
             casts (half that) beside it on the side away from the light.
``residue``  the adhesive residue of a label peeled off the face: a rounded rectangle (14-36
             px long, 0.35-0.65 of that wide, at any angle) of a thin darker film (half of
             10-22 gray levels) with a darker bead of glue along its straight edges (all of
             it), the face's texture dulled to 0.5 under it and a few dark specks of dust
             caught in it.
``rollmark`` a roll mark (a particle stuck to a roll of the mill presses the same imprint
             into the sheet at every turn): 3-5 identical copies (2 where a pasted region has
             no room for 3) of one small irregular imprint (an oval 4-6 px across with a
             third lobe, about 1.5-1.9 times as long as wide, at a random turn, the same in every
             copy) equally spaced (pitch 10-18 px, less on small images) along a straight line
             at any angle (the rolling direction), each a flat-bottomed darker dent (14-30 gray
             levels; a raised, brighter one if given negative) with the face's texture pressed
             flatter (to 0.4) in it.
``starcrack`` a star (impact) crack, where a blow shattered a brittle coat, casting or gelcoat:
             4-7 thin dark straight cracks radiating from one point of impact, the longest 8-20
             px (less on small images), the others 0.55-1 of it, spread round it about evenly
             (each within a fifth of the even step of its place), each fading towards its tip
             (to 0.4), around a small dark crushed pit (radius 1-1.8 px); 18-40 gray levels
             (stress-whitened, brighter, if given negative).
``fisheye``  a fisheye (cratering) in a coat: a round crater where the wet coat pulled back
             from a speck of oil or silicone, radius 3-8 px (less on small images), its floor
             darker (16-36 gray levels) and smooth (the face's texture pressed flat, to 0.3,
             the bare substrate), ringed just outside its edge by the coat heaped up round it,
             a thin brighter rim (0.6 of the contrast, 0.7-1.1 px wide); the signs swapped if
             given negative (a bright floor, a dark rim).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers3 import _crescent
from ._defect_makers4 import _dragmark
from ._defect_makers5 import _kink
from ._defect_makers6 import _lap
from ._defect_makers7 import _stamp
from ._defect_makers8 import _pinch
from ._defect_makers9 import _punch
from ._defect_makers10 import _clampmark
from ._defect_makers11 import _halo
from ._defect_makers12 import _arcstrike
from ._defect_makers13 import _burr
from ._defect_makers14 import _stringer
from ._defect_makers15 import _pigtail
from ._defect_makers16 import _shrinkage
from ._defect_makers17 import _comet
from ._defect_makers18 import _treeing
from ._defect_makers19 import _dotpeen
from ._defect_makers20 import _layoutmark
from ._defect_makers21 import _rinsespots
from ._defect_makers22 import _chainmark, _knurlprint
from ._defect_makers23 import _lockwasher
from ._defect_makers24 import _tackweld
from ._defect_makers25 import _fretting
from ._defect_makers26 import _spallpit
from ._defect_makers27 import _pickmark
from ._defect_makers28 import _grindburn
from ._defect_makers29 import _nutprint
from ._defect_makers30 import _cornerdent
from ._defect_makers31 import _seamburst
from ._defect_makers32 import _scalepocket
from ._defect_makers33 import _knitline
from ._defect_makers34 import _bubbleburst
from ._defect_makers35 import _ringcrack
from ._defect_makers36 import _nodule
from ._defect_makers37 import _flake
from ._defect_makers38 import _filiform
from ._defect_makers39 import _spiderweb
from ._defect_makers40 import _fishscale


#: crazing's seed grid reaches this many cells each way from the patch's centre at most before
#: it is cut to the box (only a patch far larger than the image: 20 px patches need 13)
_CRAZE_GRID = 64


def _nearest(pts: np.ndarray, *queries: np.ndarray) -> list[np.ndarray]:
    """Per query array, each point's distance to the nearest of ``pts`` (inf if none)."""
    if not len(pts):
        return [np.full(len(q), np.inf) for q in queries]
    tree = cKDTree(pts)
    return [tree.query(q)[0] for q in queries]


def _crazing(g, shape, lay, pose, params):
    """Crazing: cells from a jittered grid of seeds (spacing ``cell`` 3-7 px, each seed moved
    by up to 0.45 of it) around the patch's centre; a crack pixel is one nearly as close to
    its second-nearest seed as to its nearest (half the difference, the distance to the cell
    edge, seen through a Gaussian of sigma 0.45 px: lines about 1 px wide, all connected as
    the cells' edges are).  The patch: radius ``R`` 8-20 px, its outline wavering by a smooth
    noise (sigma ``R / 3``; 0.3 ``R`` per unit, at most 0.35 ``R``), the cracks at full
    strength 0.4 ``R`` inside the outline and fading (smoothstep) to nothing at it, each
    line's strength mottled by 20 %;
    darkening 10-22 gray levels at its peak.  Drawn on a box around the patch.  Its mask is
    the patch: every pixel inside its outline (where the fade is above 0)."""
    radius = params.get("radius_px", g.uniform(8.0, 20.0))
    contrast = params.get("contrast", g.uniform(10.0, 22.0))
    cell = float(g.uniform(3.0, 7.0))
    c = pick_center(g, lay, pose, radius + 2)
    h, w = shape
    m = int(np.ceil(1.4 * radius + 3))
    r0, r1, c0, c1 = box_around(c, m, shape)
    sh = (r1 - r0, c1 - c0)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    k = int(np.ceil((m + 2 * cell) / cell))
    if k <= _CRAZE_GRID:
        gv, gu = np.mgrid[-k:k + 1, -k:k + 1].astype(np.float64) * cell
    else:  # a patch far larger than the image: seeds round the box only (3 cells beyond it)
        iu = np.floor((np.array([c0, c1]) - c[0]) / cell).astype(int) + (-3, 4)
        iv = np.floor((np.array([r0, r1]) - c[1]) / cell).astype(int) + (-3, 4)
        gv, gu = np.mgrid[iv[0]:iv[1], iu[0]:iu[1]].astype(np.float64) * cell
    seeds = np.c_[gu.ravel(), gv.ravel()] + g.uniform(-0.45, 0.45, (gu.size, 2)) * cell
    seeds += np.asarray(c, float)
    d, _ = cKDTree(seeds).query(np.c_[xx.ravel(), yy.ravel()], k=2)
    edge = (0.5 * (d[:, 1] - d[:, 0])).reshape(sh)              # distance to the cell edge
    lines = np.exp(-0.5 * (edge / 0.45) ** 2)
    noise = ndimage.gaussian_filter(g.standard_normal(sh), radius / 3.0)
    noise /= max(float(noise.std()), 1e-12)
    rr = np.hypot(xx - c[0], yy - c[1]) / radius
    wave = np.clip(0.3 * noise, -0.35, 0.35)                    # the outline: 0.65-1.35 R
    t = np.clip((1.0 + wave - rr) / 0.4, 0.0, 1.0)             # 1 inside, 0 at the outline
    fade = t * t * (3.0 - 2.0 * t)
    mottle = ndimage.gaussian_filter(g.standard_normal(sh), 1.5)
    mottle = np.clip(1.0 + 0.2 * mottle / max(float(mottle.std()), 1e-12), 0.5, 1.5)
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * lines * fade * mottle
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = fade > 0.0
    spec = ("crazing", (float(c[0]), float(c[1])), float(radius), 0.0, -float(contrast),
            {"radius_px": float(radius), "cell_px": cell})
    return delta, None, spec, footprint


def _drip(g, shape, lay, pose, params):
    """A drip: along its axis (``angle_deg``, any direction) from the head's centre ``s = 0``
    to the tip ``s = length`` (15-40 px; pasted on a region, at most twice its deepest point's
    distance from its edges less 10 px, but 15 px at least), the half width is
    ``width / 2 (1 - s / length)**0.7`` (``width`` 3-7 px), a round head of that half width
    behind ``s = 0``; its raised profile ``sqrt(1 - (t / half width)**2)`` (``t`` across) is
    brighter by ``contrast`` (14-30 gray levels; glossy), and a thin darker line (sigma
    0.6 px, 0.6 of ``contrast``) runs along one edge (the side, +-1, at random: the run's lower
    rim), all softened by 0.6 px.  Drawn on a box around it; its mask is the streak (the
    profile above 0) with the rim and their softened edge (where the change is at least 3 % of
    ``contrast``)."""
    hi = 40.0  # pasted on a region (``"free"``): at most what its deepest point has room for
    if "free" in lay:
        hi = min(hi, max(15.0, 2.0 * (float(np.max(lay["free"])) - 10.0)))
    length = params.get("length_px", g.uniform(15.0, hi))
    width = params.get("width_px", g.uniform(3.0, 7.0))
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(14.0, 30.0))
    side = float(g.choice([-1.0, 1.0]))
    c = pick_center(g, lay, pose, 0.5 * length + width + 2)       # the streak's middle
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    head = np.asarray(c, float) - 0.5 * length * np.array([ca, sa])
    m = int(np.ceil(0.5 * length + width + 4))
    r0, r1, c0, c1 = box_around(c, m, shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    s = (xx - head[0]) * ca + (yy - head[1]) * sa
    t = -(xx - head[0]) * sa + (yy - head[1]) * ca
    half = 0.5 * width * np.clip(1.0 - np.clip(s, 0.0, None) / length, 0.0, 1.0) ** 0.7
    across = np.where(s < 0, np.hypot(s, t), np.abs(t))          # the head is round
    q = np.clip(1.0 - (across / np.maximum(half, 1e-6)) ** 2, 0.0, 1.0) * (s <= length)
    body = np.sqrt(q)
    along_rim = np.where(s < 0, np.hypot(s, t) - half, side * t - half)  # off the rim's side
    rim = np.exp(-0.5 * (along_rim / 0.6) ** 2) * (s <= length) * ((s >= 0) | (side * t > 0))
    local = ndimage.gaussian_filter(contrast * (body - 0.6 * rim), 0.6)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = local
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = (q > 0) | (np.abs(local) >= 0.03 * abs(contrast))  # soft edge too
    spec = ("drip", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"width_px": float(width), "side": side})
    return delta, None, spec, footprint


def _star_cover(c, theta, rad, box):
    """Share (0-1) of each pixel of ``box`` (rows r0:r1, columns c0:c1) inside the polygon whose
    vertices lie at the increasing angles ``theta`` (every gap below 180 degrees) and radii
    ``rad`` about ``c`` (x, y), from a 4 x 4 grid of samples per pixel (anti-aliased edges):
    each sample's ray from ``c`` meets the edge between the two vertices that bracket it."""
    r0, r1, c0, c1 = box
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    ys = (np.arange(r0, r1)[:, None] + sub[None, :]).ravel()
    xs = (np.arange(c0, c1)[:, None] + sub[None, :]).ravel()
    dx, dy = xs[None, :] - c[0], ys[:, None] - c[1]
    phi = np.mod(np.arctan2(dy, dx), 2 * np.pi)
    k = np.searchsorted(theta, phi) % len(theta)
    vx, vy = rad * np.cos(theta), rad * np.sin(theta)
    ax, ay, bx, by = vx[k - 1], vy[k - 1], vx[k], vy[k]
    den = np.cos(phi) * (by - ay) - np.sin(phi) * (bx - ax)
    t = (ax * by - ay * bx) / np.where(np.abs(den) > 1e-12, den, 1e-12)
    inside = (np.hypot(dx, dy) <= t).astype(float)
    return inside.reshape(r1 - r0, 4, c1 - c0, 4).mean(axis=(1, 3))


def _chip(g, shape, lay, pose, params):
    """A coating chip: the outline a polygon of 6-9 vertices at jittered even angles (+-0.3 of
    a step) and radii 0.65-1 of ``R`` (``radius_px``, 4-10 px) about its centre, the bare metal
    inside it a second polygon of 5-8 vertices at radii 0.3-0.5 ``R`` (cut to the outline);
    the primer ring between them brighter by ``p`` (0.4-0.6) of ``contrast`` (20-40 gray
    levels, the bare metal's rise; negative if given so), the metal by all of it: two flat
    terraces with sharp (only anti-aliased) edges, and the coat's texture flattened to 0.15
    inside the outline.  Drawn on a box around it; its mask is the outline (coverage at least a
    half)."""
    radius = params.get("radius_px", g.uniform(4.0, 10.0))
    contrast = params.get("contrast", g.uniform(20.0, 40.0))
    p = float(g.uniform(0.4, 0.6))
    polys = []
    for n_lo, n_hi, r_lo, r_hi in ((6, 10, 0.65, 1.0), (5, 9, 0.3, 0.5)):
        nv = int(g.integers(n_lo, n_hi))
        theta = np.sort(np.mod((np.arange(nv) + g.uniform(-0.3, 0.3, nv)) * 2 * np.pi / nv
                               + g.uniform(0.0, 2 * np.pi), 2 * np.pi))
        polys.append((theta, radius * g.uniform(r_lo, r_hi, nv)))
    c = pick_center(g, lay, pose, radius + 4)
    box = box_around(c, int(np.ceil(radius + 2)), shape)
    outer = _star_cover(c, *polys[0], box)
    metal = np.minimum(_star_cover(c, *polys[1], box), outer)
    h, w = shape
    r0, r1, c0, c1 = box
    delta, flatten = np.zeros((h, w)), np.ones((h, w))
    delta[r0:r1, c0:c1] = contrast * (p * outer + (1.0 - p) * metal)
    flatten[r0:r1, c0:c1] = 1.0 - 0.85 * outer
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = outer >= 0.5
    spec = ("chip", (float(c[0]), float(c[1])), float(radius), 0.0, float(contrast),
            {"radius_px": float(radius), "terrace": p, "vertices": float(len(polys[0][0]))})
    return delta, flatten, spec, footprint


def _watermark(g, shape, lay, pose, params):
    """A water stain ring: a closed tide line about the centre at the radius ``R``
    (``radius_px``, 5-14 px) times ``1 + wobble(phi)``, the wobble three harmonics (2, 3 and
    5 turns, random phases, amplitudes 0.06, 0.04 and 0.02), its profile a Gaussian across of
    sigma ``width_px`` (0.5-0.9 px), darker by ``contrast`` (14-30 gray levels; brighter if
    given negative), and the disc inside it lifted by 0.12 of that (the dried film, ending
    softly at the ring), so the mask (a quarter of the peak) is the ring alone: a closed loop
    with the face inside.  Drawn on a box around it."""
    radius = params.get("radius_px", g.uniform(5.0, 14.0))
    width = params.get("width_px", g.uniform(0.5, 0.9))
    contrast = params.get("contrast", g.uniform(14.0, 30.0))
    phase = g.uniform(0.0, 2 * np.pi, 3)
    c = pick_center(g, lay, pose, 1.15 * radius + 3 * width + 2)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(1.15 * radius + 4 * width + 3)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    dx, dy = xx - c[0], yy - c[1]
    phi = np.arctan2(dy, dx)
    wobble = sum(a * np.cos(n * phi + p) for a, n, p in zip((0.06, 0.04, 0.02), (2, 3, 5),
                                                                 phase))
    edge = radius * (1.0 + wobble)
    off = np.hypot(dx, dy) - edge
    ring = np.exp(-0.5 * (off / width) ** 2)
    inside = np.clip(0.5 - off / (2.0 * width), 0.0, 1.0)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * (0.12 * inside - ring)
    spec = ("watermark", (float(c[0]), float(c[1])), float(radius), 0.0, float(contrast),
            {"radius_px": float(radius), "width_px": float(width)})
    return delta, None, spec, None


def _swarf(g, shape, lay, pose, params):
    """A swarf curl: a spiral about the centre ``c`` starting at ``angle_deg`` (any) and
    winding either way through 0.8-1.4 turns, its radius falling from ``R`` (``radius_px``,
    3-8 px) by 30-50 % along it, sampled every 0.25 px or less; each pixel's distance ``d``
    to it (a k-d tree of the samples) gives the bright body ``exp(-d**2 / 2 width**2)``
    (``width_px`` 0.5-0.8 px), and the distance from the pixel moved ``1.6 width + 0.8`` px
    towards the light (``light_deg``, any) the shadow: the same curl displaced away from the
    light, darker by half, where the body is not.  Brighter by ``contrast`` (20-40 gray
    levels; a darker, oxidised chip if given negative).  Drawn on a box around it."""
    radius = params.get("radius_px", g.uniform(3.0, 8.0))
    width = params.get("width_px", g.uniform(0.5, 0.8))
    contrast = params.get("contrast", g.uniform(20.0, 40.0))
    light = params.get("light_deg", g.uniform(0.0, 360.0))
    start = params.get("angle_deg", g.uniform(0.0, 360.0))
    turns, tight, hand = g.uniform(0.8, 1.4), g.uniform(0.3, 0.5), float(g.choice([-1.0, 1.0]))
    off = 1.6 * width + 0.8                                     # the shadow's offset, px
    c = pick_center(g, lay, pose, radius + off + 3.0 * width + 1.0)
    sweep = 2.0 * np.pi * turns
    th = np.linspace(0.0, sweep, int(np.ceil(sweep * radius / 0.25)) + 2)
    rho, phi = radius * (1.0 - tight * th / sweep), np.deg2rad(start) + hand * th
    pts = np.c_[c[0] + rho * np.cos(phi), c[1] + rho * np.sin(phi)]
    r0, r1, c0, c1 = box_around(c, int(np.ceil(radius + off + 4.0 * width + 2.0)), shape)
    # samples farther than off + 10 widths from the box add nothing (exp(-50)); a curl inside
    # the box (every generated one) keeps them all, a curl far larger than the image keeps
    # its stretch near the box, so the k-d tree's queries do not degenerate
    near = off + 10.0 * width + 1.0
    pts = pts[(pts[:, 0] > c0 - near) & (pts[:, 0] < c1 + near)
              & (pts[:, 1] > r0 - near) & (pts[:, 1] < r1 + near)]
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    la = np.deg2rad(light)
    d, ds = _nearest(pts, np.c_[xx.ravel(), yy.ravel()],
                     np.c_[xx.ravel() + off * np.cos(la), yy.ravel() + off * np.sin(la)])
    body, shade = np.exp(-0.5 * (d / width) ** 2), np.exp(-0.5 * (ds / width) ** 2)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = (contrast * (body - 0.5 * shade * (1.0 - body))).reshape(yy.shape)
    spec = ("swarf", (float(c[0]), float(c[1])), float(radius), float(start), float(contrast),
            {"width_px": float(width), "light_deg": float(light), "turns": float(turns),
             "tightening": float(tight), "hand": hand})
    return delta, None, spec, None


def _residue(g, shape, lay, pose, params):
    """Label residue: a rectangle of length ``L`` (``length_px``, 14-36 px; on images under
    120 px, up to 0.3 x their smaller side; pasted on a region, at most what its deepest point
    has room for: ``(free - 3) / 0.6``, 10 px at least) and width ``W`` (``width_px``,
    0.35-0.65 ``L``), at ``angle_deg`` (any), its corners rounded to 0.1-0.25 ``W``; ``sd``
    each pixel's signed distance to it; the film ``clip(0.5 - sd, 0, 1)`` (anti-aliased),
    the bead ``exp(-((sd + 0.8) / 0.6)**2 / 2)`` (just inside the edge), dust specks (one per
    60 px of the film on average, 40 at most, at least 1.5 px inside the edge, Gaussian spots
    of sigma 0.6 px); darker by ``contrast`` (10-22 gray levels; a glossy, brighter film if given
    negative) times ``min(0.5 film + 0.5 bead + 0.6 specks, 1)``: the edges at the full
    contrast, the film inside at half; the texture flattened to ``1 - 0.5 film``.  Drawn on
    a box around it; its mask is the film (at least half covering)."""
    hi = min(36.0, max(14.0, 0.3 * min(shape)))
    if "free" in lay:  # pasted on a region: what its deepest point has room for
        hi = min(hi, max(10.0, (float(np.max(lay["free"])) - 3.0) / 0.6))
    length = params.get("length_px", g.uniform(min(14.0, hi), hi))
    width = params.get("width_px", length * g.uniform(0.35, 0.65))
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(10.0, 22.0))
    corner = min(width, length) * float(g.uniform(0.1, 0.25))
    reach = 0.5 * float(np.hypot(length, width))
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    along = (xx - c[0]) * ca + (yy - c[1]) * sa
    across = -(xx - c[0]) * sa + (yy - c[1]) * ca
    qx = np.abs(along) - 0.5 * length + corner
    qy = np.abs(across) - 0.5 * width + corner
    sd = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) \
        - corner
    film = np.clip(0.5 - sd, 0.0, 1.0)
    bead = np.exp(-0.5 * ((sd + 0.8) / 0.6) ** 2)
    n = min(int(g.poisson(length * width / 60.0)), 40)          # a huge film: 40 of them
    inner = np.maximum(np.array([length, width]) - 3.0, 0.0)
    at = g.uniform(-0.5, 0.5, (n, 2)) * inner
    sx, sy = c[0] + at[:, 0] * ca - at[:, 1] * sa, c[1] + at[:, 0] * sa + at[:, 1] * ca
    specks = np.exp(-0.5 * ((xx[..., None] - sx) ** 2 + (yy[..., None] - sy) ** 2) / 0.36)
    specks = specks.sum(axis=-1)
    h, w = shape
    delta, flatten = np.zeros((h, w)), np.ones((h, w))
    delta[r0:r1, c0:c1] = -contrast * np.minimum(0.5 * film + 0.5 * bead + 0.6 * specks, 1.0)
    flatten[r0:r1, c0:c1] = 1.0 - 0.5 * film
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = film >= 0.5
    spec = ("residue", (float(c[0]), float(c[1])), float(length), float(angle), float(contrast),
            {"width_px": float(width), "corner_px": float(corner), "specks": float(n)})
    return delta, flatten, spec, footprint


def _rollmark(g, shape, lay, pose, params):
    """A roll mark: ``count`` copies (3-5; fewer where the room set below holds fewer, 2 at
    least) of one imprint, its outline ``R (1 + e cos 2 (phi - a2) + b cos 3 (phi - a3))``
    about its own centre (``R``: ``radius_px``, 2-3 px; ``e`` 0.2-0.3, ``b`` 0-0.1, random
    turns), its centres ``pitch`` apart (``pitch_px``; at least ``2.8 R + 2.5`` px so the
    copies never touch, otherwise 10-18 px and the whole track within ``0.45`` x the image's
    smaller side, or, pasted on a region, within what its deepest point has room for) along a
    line through the centre at ``angle_deg`` (0-180); each copy ``clip(0.5 + outline - r, 0,
    1)`` (anti-aliased, flat-bottomed), darker by ``contrast`` (14-30 gray levels; brighter if
    given negative), the texture flattened to ``1 - 0.6`` of it.  Drawn on a box around the
    track (a loop over the copies)."""
    radius = params.get("radius_px", g.uniform(2.0, 3.0))
    ecc, lobe = g.uniform(0.2, 0.3), g.uniform(0.0, 0.1)
    turn2, turn3 = g.uniform(0.0, np.pi), g.uniform(0.0, 2.0 * np.pi / 3.0)
    outer = radius * (1.0 + ecc + lobe)                # the imprint's largest radius
    lo = 2.8 * radius + 2.5
    room = 0.45 * min(shape)                           # the track's length at most
    if "free" in lay:  # pasted on a region: what its deepest point has room for
        room = min(room, 2.0 * (float(np.max(lay["free"])) - 5.0 - outer))
    count = max(2, min(int(g.integers(3, 6)), int(room // lo) + 1))
    hi = max(lo, min(18.0, room / (count - 1)))
    pitch = params.get("pitch_px", g.uniform(max(lo, min(10.0, hi)), hi))
    if pitch <= 2.8 * radius:
        raise InputError(f"defect_params: rollmark's pitch_px ({pitch:g}) must exceed 2.8 "
                         f"radius_px ({2.8 * radius:g}): its copies would run together")
    angle = params.get("angle_deg", g.uniform(0.0, 180.0))
    contrast = params.get("contrast", g.uniform(14.0, 30.0))
    reach = 0.5 * (count - 1) * pitch + outer + 1.0
    c = pick_center(g, lay, pose, reach)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 3.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    ca, sa = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    dent = np.zeros(yy.shape)
    for k in range(count):
        at = (k - 0.5 * (count - 1)) * pitch
        dx, dy = xx - (c[0] + at * ca), yy - (c[1] + at * sa)
        phi = np.arctan2(dy, dx)
        edge = radius * (1.0 + ecc * np.cos(2.0 * (phi - turn2))
                         + lobe * np.cos(3.0 * (phi - turn3)))
        dent = np.maximum(dent, np.clip(0.5 + edge - np.hypot(dx, dy), 0.0, 1.0))
    h, w = shape
    delta, flatten = np.zeros((h, w)), np.ones((h, w))
    delta[r0:r1, c0:c1] = -contrast * dent
    flatten[r0:r1, c0:c1] = 1.0 - 0.6 * dent
    spec = ("rollmark", (float(c[0]), float(c[1])), 2.0 * float(radius), float(angle),
            float(contrast), {"pitch_px": float(pitch), "count": float(count),
                              "elongation": float(ecc), "turn_deg": float(np.rad2deg(turn2))})
    return delta, flatten, spec, None


def _starcrack(g, shape, lay, pose, params):
    """A star crack: ``n`` arms (4-7) from the centre, the first at ``angle_deg`` (any) and
    ``L`` long (``length_px``, 8-20 px; at most 0.2 x the image's smaller side, 8 at least;
    pasted on a region, what its deepest point has room for, 5 at least; at least 4 if
    given), arm ``k`` at ``angle + 360 k / n`` degrees moved by up to 0.2 of that step and
    ``L`` times 0.55-1 long; each arm a line from the centre to its tip, seen through a
    Gaussian of sigma ``w`` (``width_px``, 0.6-0.9 px, at most 0.2 ``L``) at strength ``1 -
    0.6 f`` (``f`` the fraction of the arm's length: fading to 0.4 at its tip), its tip
    tapered over 1.5 px; the pit ``clip(0.5 + rp - r, 0, 1)`` (``rp`` 1-1.8 px); their
    maximum darker by ``contrast`` (18-40 gray levels; brighter if given negative).  Drawn
    on a box around the star (a loop over the arms)."""
    hi = min(20.0, max(8.0, 0.2 * min(shape)))
    if "free" in lay:  # pasted on a region: what its deepest point has room for
        hi = min(hi, max(5.0, float(np.max(lay["free"])) - 5.0))
    length = params.get("length_px", g.uniform(min(8.0, hi), hi))
    if length < 4.0:
        raise InputError(f"defect_params: starcrack's length_px ({length:g}) must be at least 4:"
                         f" a shorter star is a spot")
    width = params.get("width_px", g.uniform(0.6, 0.9))
    if width > 0.2 * length:
        raise InputError(f"defect_params: starcrack's width_px ({width:g}) must be at most 0.2 "
                         f"length_px ({0.2 * length:g}): its arms would merge into a blot")
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(18.0, 40.0))
    n = int(g.integers(4, 8))
    step = 360.0 / n
    heads = angle + step * np.arange(n) + np.r_[0.0, g.uniform(-0.2, 0.2, n - 1) * step]
    lengths = length * np.r_[1.0, g.uniform(0.55, 1.0, n - 1)]
    pit = g.uniform(1.0, 1.8)
    c = pick_center(g, lay, pose, length + 2.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(length + 4.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    dx, dy = xx - c[0], yy - c[1]
    star = np.clip(0.5 + pit - np.hypot(dx, dy), 0.0, 1.0)
    for head, arm in zip(np.deg2rad(heads), lengths):
        t = dx * np.cos(head) + dy * np.sin(head)
        f = np.clip(t, 0.0, arm) / arm
        d = np.hypot(t - f * arm, -dx * np.sin(head) + dy * np.cos(head))
        tip = np.clip((arm - t) / 1.5 + 0.5, 0.0, 1.0)
        line = (1.0 - 0.6 * f) * tip * np.exp(-0.5 * (d / width) ** 2)
        star = np.maximum(star, line)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * star
    spec = ("starcrack", (float(c[0]), float(c[1])), float(length), float(angle % 360.0),
            float(contrast), {"arms": float(n), "width_px": float(width), "pit_px": float(pit)})
    return delta, None, spec, None


def _fisheye(g, shape, lay, pose, params):
    """A fisheye: the crater ``floor = clip(0.5 + R - r, 0, 1)`` (``r`` the distance to the
    centre; ``R``: ``radius_px``, 3-8 px, at most 0.08 x the image's smaller side, 3 at
    least; pasted on a region, what its deepest point has room for) and the rim ``exp(-(r -
    R - b)^2 / 2 b^2)`` (``b``: ``width_px``, 0.7-1.1 px, at most 0.3 ``R``; a larger one
    given is refused): the change ``contrast (0.6 rim - floor)`` (``contrast`` 16-36 gray
    levels: a darker floor, a brighter rim; swapped if given negative), the texture
    flattened to ``1 - 0.7 floor``.  Round: ``angle_deg`` is refused.  Drawn on a box around
    the crater."""
    if "angle_deg" in params:
        raise InputError("defect_params: a fisheye is round: it takes no angle_deg")
    hi = min(8.0, max(3.0, 0.08 * min(shape)))
    if "free" in lay:  # pasted on a region: what its deepest point has room for
        hi = min(hi, max(3.0, float(np.max(lay["free"])) - 9.0))
    radius = params.get("radius_px", g.uniform(min(3.0, hi), hi))
    rim = params.get("width_px", min(g.uniform(0.7, 1.1), 0.3 * radius))
    if rim > 0.3 * radius:
        raise InputError(f"defect_params: fisheye's width_px ({rim:g}) must be at most 0.3 "
                         f"radius_px ({0.3 * radius:g}): its rim would fill the crater")
    contrast = params.get("contrast", g.uniform(16.0, 36.0))
    reach = radius + 5.0 * rim
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(reach + 2.0)), shape)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    r = np.hypot(xx - c[0], yy - c[1])
    floor = np.clip(0.5 + radius - r, 0.0, 1.0)
    ring = np.exp(-0.5 * ((r - radius - rim) / rim) ** 2)
    h, w = shape
    delta, flatten = np.zeros((h, w)), np.ones((h, w))
    delta[r0:r1, c0:c1] = contrast * (0.6 * ring - floor)
    flatten[r0:r1, c0:c1] = 1.0 - 0.7 * floor
    spec = ("fisheye", (float(c[0]), float(c[1])), 2.0 * float(radius), 0.0, float(contrast),
            {"radius_px": float(radius), "width_px": float(rim)})
    return delta, flatten, spec, None


#: kinds of this module by name (``_defect_makers.draw_defect``)
MORE_MAKERS = {"crazing": _crazing, "drip": _drip, "chip": _chip,
               "watermark": _watermark, "swarf": _swarf, "residue": _residue,
               "rollmark": _rollmark, "starcrack": _starcrack,
               "fisheye": _fisheye, "crescent": _crescent, "dragmark": _dragmark,
               "kink": _kink, "lap": _lap, "stamp": _stamp, "pinch": _pinch,
               "punch": _punch, "clampmark": _clampmark, "halo": _halo,
               "arcstrike": _arcstrike, "burr": _burr, "stringer": _stringer,
               "pigtail": _pigtail, "shrinkage": _shrinkage, "comet": _comet,
               "treeing": _treeing, "dotpeen": _dotpeen, "layoutmark": _layoutmark,
               "rinsespots": _rinsespots,
               "knurlprint": _knurlprint, "chainmark": _chainmark,
               "lockwasher": _lockwasher, "tackweld": _tackweld,
               "fretting": _fretting, "spallpit": _spallpit, "pickmark": _pickmark,
               "grindburn": _grindburn, "nutprint": _nutprint,
               "cornerdent": _cornerdent, "seamburst": _seamburst,
               "scalepocket": _scalepocket, "bubbleburst": _bubbleburst,
               "knitline": _knitline, "nodule": _nodule,
               "ringcrack": _ringcrack, "flake": _flake, "filiform": _filiform,
               "spiderweb": _spiderweb, "fishscale": _fishscale}
