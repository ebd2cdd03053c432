"""Surface textures, part layouts and extra defect shapes for the anomaly scenes.

Textures (:data:`TEXTURES`), each a random field with zero mean and unit standard deviation that
differs from part to part:

``brushed``  long thin streaks along one direction, a few deeper brush marks, mild mottling;
``blasted``  sand-blasted / cast: isotropic fine grain with sparse small pits and bumps;
``milled``   face-milled: concentric tool-mark arcs around a centre off the part, with grain;
``peened``   shot-peened: overlapping round dimples of 2.5-5 px radius (a cellular pattern of
             cups of random depth), fine grain and mottling;
``honed``    honed / lapped: a cross-hatch of two families of fine straight grooves crossing at
             50-70 degrees, over a fine plateau grain;
``cast``     sand-cast: multi-scale isotropic roughness (octaves of 1-8 px) with sparse dark
             pores of 1-3 px and a few small bright inclusions;
``sintered`` powder metal: rounded grains of 2-5 px radius, each with its own facet level, dark
             boundary pores, a few larger ones (:func:`sintered_texture`, via make_texture);
``knurled``  diamond knurl: two families of sharp, flat-topped ridges (pitch 5-7 px) crossing
             at 70-90 degrees, unevenly worn (ridge height varies slowly), with fine grain
             (:func:`knurled_texture`, reached through :func:`make_texture`);
``faced``    cast, then face-turned: a fine spiral of turning grooves (pitch 2-3.5 px) around a
             centre near the image's, the feed wavering slowly, over which the casting's
             porosity shows in a few patches (dark pores of 1-2.5 px) and a fine grain
             (:func:`faced_texture`, reached through :func:`make_texture`);
``scraped``  hand-scraped (bearing surface): overlapping flakes of 3-6 px, each a shallow
             cut sloping along its stroke (strokes alternating at +-45 degrees to the lay,
             +-8 degrees scatter), so its edges are short steps in two directions, over slow
             mottling and a fine grain (:func:`scraped_texture`, via :func:`make_texture`);
``eroded``   electro-discharge machined (EDM): a field of small overlapping craters (radius
             1.5-3.5 px, two generations of discharges), each a bowl with a raised rim, sparse
             bright recast globules and a fine grain (:func:`eroded_texture`);
``lapped``   random-orbit lapped: dense short faint swirl arcs over haze and mottling
``ground``   surface-ground: dense long parallel grinding scratches, wheel marks, chatter bands
``spangle``  hot-dip galvanised: a Voronoi mosaic of grains with own brightness and dendrites
``woven``    carbon-fibre 2/2 twill: streaked warp and weft tows, darker gaps, resin haze
``painted``  powder coat: orange-peel shading, sparse bright metallic flakes, faint overspray
``swirled``  orbital-sanded: short curved loop-arc sanding marks of no common direction, grain
``scaled``   hot-rolled mill scale: jagged flakes (some spalled) over rolling streaks, grain
``treadplate`` rolled tread (checker) plate: side-lit raised lozenges, two orientations alternating
``hammered`` planished sheet: overlapping shallow round hammer facets lit from one side, grain
``wrinkled`` wrinkle-finish coat: a labyrinth of meandering ridges of one wavelength, side-lit
``strandmat`` chopped-strand-mat GRP: straight bright glass strands at every angle, resin haze
``anodised`` etched, anodised extrusion: isotropic satin grain, dark etch pits, faint die lines
``jewelled`` engine-turned: a lattice of overlapping spots of concentric scratches, each a sheen
``lasercut`` a laser-cut plate's cut face: drag lines bent by the drag, rougher towards the exit
``diecast``  a die casting's skin: aperiodic flow lines fanning out from the gate, bending, pores
``electropolished`` mirror-smooth grains of one level, thin grooves on their boundaries, peel
``tumbled``  vibratory-finished: dense short comet marks at every angle, dark heads, fading tails

Part layouts (:data:`LAYOUTS`): the machined features of a rectangular plate, in fractions of
the image size (holes: centre, radius; slots: centre, half length, radius, angle):

``plate``    two holes and a horizontal slot (the original part);
``flange``   a central bore and four small holes on a circle;
``bracket``  three holes in a column and two vertical slots;
``rail``     two long horizontal slots, a central hole and four small corner holes;
``yoke``     two slots crossing the plate diagonally (+-35 degrees, not meeting), a hole above
             them and three small holes in a row below;
``bridge``   a long slot across the top, a slot at 60 degrees on the left, a large hole at the
             lower right and two small holes in a column at the centre;
``clevis``   two large holes at the left and right ends, a vertical slot between them, a
             slot at -20 degrees in the lower right and two small holes at the top left;
``manifold`` three small ports in a row at the top, a large bore at the lower left, a slot
             at 110 degrees on the right and a short horizontal slot at the bottom;
``grille``   a slot array: five parallel slots at 80 degrees in a row above the centre, and
             two holes at the lower corners;
``face``     no plate edge and no features: the face fills the whole image, as in a close-up of
             a surface or a tile of a web inspection (what border artefacts of a map show on);
The layouts after ``grille`` (``hub``, ``lever``, ``strip``, ``bezel``, ``panel``, ``terminal``,
``keyplate``, ``hinge``, ``louvre``, ``rotor``, ``perforated``, ``quadrant``, ``cruciform``,
``gusset``, ``sprocket``, ``hexplate``, ``lbracket``: the held-out parts) are described where
they are drawn, :mod:`metrology.synth._textures_more` and the modules it gathers;
:data:`LAYOUTS` lists them from its ``MORE_LAYOUTS``, in order.

Defect shapes beyond scratch/spot/dent (:func:`crack_delta`; ``stain_delta`` in
``_textures_more2``): a crack is a thin, jagged dark line (a random walk with a varying width);
a stain is an irregular blob (a smooth random field thresholded inside a radius).  The makers
of every kind (``hairline``, ``chatter``, ...) are in :mod:`metrology.synth._defect_makers`.
An *extra* feature (a hole machined where the drawing has none) is drawn by the scene renderer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from ..core.checks import (as_vector, check_choice, check_finite, check_int, check_positive,
                           check_seed)
from ..errors import InputError
from ._textures_more import MORE_LAYOUTS, MORE_TEXTURES

#: layout_features, crack_delta: helpers of metrology.synth.defects, not public API
__all__ = ["TEXTURES", "LAYOUTS", "brushed_texture", "blasted_texture", "milled_texture",
           "peened_texture", "honed_texture", "cast_texture", "make_texture"]

#: largest texture side (px): the brushed texture filters a canvas of the diagonal squared
MAX_TEXTURE_SIDE = 4096

#: texture and layout names: this module's, then those of ``_textures_more`` (and the modules
#: it gathers) in their registries' order, so a new one is registered there alone
TEXTURES = ("brushed", "blasted", "milled", "peened", "honed", "cast", "sintered", "knurled",
            "faced", "scraped", "eroded") + tuple(MORE_TEXTURES)
LAYOUTS = ("plate", "flange", "bracket", "face", "rail", "yoke", "bridge", "clevis", "manifold",
           "grille") + tuple(MORE_LAYOUTS)


def _canvas(shape: Any, rng: Any) -> tuple[int, int, np.random.Generator]:
    """Checked ``(h, w, generator)`` of a texture request."""
    h, w = (check_int(v, "shape", min=1, max=MAX_TEXTURE_SIDE)
            for v in as_vector(shape, "shape", 2))
    return h, w, check_seed(rng)


#: fixed defect parameters a caller may give (``defect_params``): sizes (> 0) and the others
_SIZE_PARAMS = ("length_px", "width_px", "radius_px", "aspect", "edge_power", "sigma_px",
                "pitch_px")
_FREE_PARAMS = ("angle_deg", "contrast", "bend_px", "light_deg", "span_deg", "turn_deg")


def _defect_params(params: Any) -> dict:
    """``defect_params`` checked: None or a dict of known names with finite numbers (sizes
    positive, at most 1e4 px; others at most 1e6 in magnitude) and ``polarity`` a choice."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InputError(f"defect_params: expected a dict or None, given {type(params).__name__}")
    out = {}
    for k, v in params.items():
        if k in _SIZE_PARAMS:
            out[k] = check_positive(v, f"defect_params[{k!r}]", max=1e4)
        elif k in _FREE_PARAMS:
            out[k] = check_finite(v, f"defect_params[{k!r}]", min=-1e6, max=1e6)
        elif k == "polarity" and v in ("dark", "bright", "pair"):
            out[k] = v
        else:
            raise InputError(f"defect_params: unknown name or bad value {k!r}: {v!r}; names: "
                             f"{_SIZE_PARAMS + _FREE_PARAMS + ('polarity',)}")
    return out


def check_scene(scene: Any) -> None:
    """Check (and store as floats) the fields of a ``DefectScene`` (InputError otherwise)."""
    if isinstance(scene.texture, str):
        check_choice(scene.texture, "texture", TEXTURES)
    elif not (isinstance(scene.texture, np.ndarray) and scene.texture.ndim == 2):
        raise InputError(f"texture: expected one of {TEXTURES} or a 2-D array, given "
                         f"{type(scene.texture).__name__}")
    check_choice(scene.layout, "layout", LAYOUTS)
    for nm, lo, hi in (("texture_amplitude", 0.0, 1e4), ("brush_angle_deg", -1e6, 1e6),
                       ("noise_sigma", 0.0, 1e4), ("placement_px", 0.0, 1e4),
                       ("placement_deg", -1e6, 1e6), ("lighting", 0.0, 0.99),
                       ("psf_sigma_px", 0.0, 100.0)):
        object.__setattr__(scene, nm, check_finite(getattr(scene, nm), nm, min=lo, max=hi))
    object.__setattr__(scene, "supersample", check_int(scene.supersample, "supersample",
                                                       min=1, max=16))


def check_spec(spec: Any, kinds: tuple[str, ...]) -> None:
    """Check (and store as floats) the fields of a ``DefectSpec`` (InputError otherwise)."""
    check_choice(spec.kind, "kind", kinds)
    c = as_vector(spec.center_xy, "center_xy", 2)
    object.__setattr__(spec, "center_xy", (float(c[0]), float(c[1])))
    for nm in ("size_px", "angle_deg", "contrast"):
        object.__setattr__(spec, nm, check_finite(getattr(spec, nm), nm))
    if not isinstance(spec.params, dict):
        raise InputError(f"params: expected a dict, given {type(spec.params).__name__}")


def _kinds(kind: Any, allowed: tuple[str, ...]) -> list[str]:
    """``kind`` (a string or a sequence of strings) as a list, each ``"good"`` or ``allowed``."""
    kinds = [kind] if isinstance(kind, str) else kind
    if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds):
        raise InputError(f"kind: expected a string or a list of strings, given {type(kind).__name__}")
    for k in kinds:
        if k != "good" and k not in allowed:
            raise InputError(f"kind: expected 'good' or one of {allowed}, given {k!r}")
    return list(kinds)


def _unit(t: np.ndarray) -> np.ndarray:
    t = t - t.mean()
    return t / max(float(t.std()), 1e-12)


def brushed_texture(shape: tuple[int, int], *, rng: Any = None, angle_deg: float = 0.0,
                    streak_length_px: float = 14.0, streak_width_px: float = 0.6,
                    mottle: float = 0.35) -> np.ndarray:
    """Random brushed-metal texture: long thin streaks along ``angle_deg`` plus mild mottling.

    Parameters
    ----------
    shape : (H, W)
    angle_deg : float
        Brushing direction (0 = along +x; positive turns clockwise on screen).
    streak_length_px, streak_width_px : float
        Gaussian correlation lengths along and across the brushing direction.
    mottle : float
        Relative amplitude of a low-frequency isotropic component (uneven finish).

    Returns
    -------
    ndarray (H, W) float64
        Zero mean, unit standard deviation.
    """
    import cv2

    h, w, g = _canvas(shape, rng)
    angle_deg = check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6)
    streak_length_px = check_positive(streak_length_px, "streak_length_px", max=1000.0)
    streak_width_px = check_positive(streak_width_px, "streak_width_px", max=1000.0)
    mottle = check_positive(mottle, "mottle", allow_zero=True, max=100.0)
    # Filter white noise on a canvas large enough to be rotated without empty corners.
    side = int(np.ceil(np.hypot(h, w))) + 8
    noise = g.standard_normal((side, side))
    streaks = ndimage.gaussian_filter(noise, (streak_width_px, streak_length_px), mode="wrap")
    # A few deeper brush marks: sparse, longer streaks.
    marks = ndimage.gaussian_filter(g.standard_normal((side, side)) ** 3,
                                    (0.7, 2.5 * streak_length_px), mode="wrap")
    streaks = streaks / streaks.std() + 0.5 * marks / marks.std()
    c = (side - 1) / 2.0
    m = cv2.getRotationMatrix2D((c, c), -float(angle_deg), 1.0)  # cv2: positive = counter-clockwise
    rot = cv2.warpAffine(streaks.astype(np.float32), m, (side, side), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)
    r0, c0 = (side - h) // 2, (side - w) // 2
    tex = rot[r0:r0 + h, c0:c0 + w].astype(np.float64)
    tex = tex / max(float(tex.std()), 1e-12)   # a single pixel has no spread
    low = ndimage.gaussian_filter(g.standard_normal((h, w)), 12.0, mode="reflect")
    tex = tex + mottle * low / max(low.std(), 1e-12)
    return _unit(tex)


def blasted_texture(shape: tuple[int, int], *, rng: Any = None, grain_px: float = 1.1,
                    pit_density: float = 0.004) -> np.ndarray:
    """Sand-blasted / cast surface: isotropic grain of correlation ``grain_px`` with sparse
    pits and bumps (about ``pit_density`` per pixel, 1-2 px across), zero mean, unit std."""
    h, w, g = _canvas(shape, rng)
    grain_px = check_positive(grain_px, "grain_px", max=1000.0)
    pit_density = check_finite(pit_density, "pit_density", min=0.0, max=1.0)
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), grain_px, mode="wrap"))
    pits = (g.random((h, w)) < pit_density) * g.choice([-1.0, 1.0], (h, w))
    pits = ndimage.gaussian_filter(pits, 0.8, mode="wrap")
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 20.0, mode="wrap"))
    return _unit(grain + 1.2 * _unit(pits) + 0.3 * low)


def milled_texture(shape: tuple[int, int], *, rng: Any = None, pitch_px: float = 5.0
                   ) -> np.ndarray:
    """Face-milled surface: concentric tool-mark arcs of pitch ``pitch_px`` around a centre
    outside the image, with an uneven depth along the arcs and fine grain; zero mean, unit std."""
    h, w, g = _canvas(shape, rng)
    pitch_px = check_positive(pitch_px, "pitch_px", max=1e6)
    ang = g.uniform(0, 2 * np.pi)
    dist = g.uniform(1.2, 2.0) * max(h, w)
    cx, cy = w / 2 + dist * np.cos(ang), h / 2 + dist * np.sin(ang)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(xx - cx, yy - cy)
    depth = 1.0 + 0.4 * ndimage.gaussian_filter(g.standard_normal((h, w)), 10.0, mode="wrap") \
        / 0.02
    phase = 2 * np.pi * r / pitch_px + g.uniform(0, 2 * np.pi)
    marks = np.clip(depth, 0.3, 2.0) * (np.cos(phase) ** 3)
    grain = ndimage.gaussian_filter(g.standard_normal((h, w)), 0.8, mode="wrap")
    return _unit(_unit(marks) + 0.5 * _unit(grain))


def peened_texture(shape: tuple[int, int], *, rng: Any = None, radius_px: tuple = (2.5, 5.0)
                   ) -> np.ndarray:
    """Shot-peened surface: overlapping spherical dimples, each pixel in the cup of its nearest
    impact (radius drawn in ``radius_px``, depth in 0.5-1.5), plus fine grain and mottling.

    Parameters
    ----------
    shape : (H, W)
    radius_px : (min, max)
        Range of the dimple radii, px.

    Returns
    -------
    ndarray (H, W) float64
        Zero mean, unit standard deviation.
    """
    h, w, g = _canvas(shape, rng)
    r_lo, r_hi = (check_positive(v, "radius_px", max=1000.0)
                  for v in as_vector(radius_px, "radius_px", 2))
    if r_hi < r_lo:
        raise InputError(f"radius_px: expected (min, max) with min <= max, given {radius_px}")
    mean_r = 0.5 * (r_lo + r_hi)
    n = max(1, int(round(1.3 * h * w / (np.pi * mean_r ** 2))))
    seeds = np.ones((h, w), bool)
    seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
    d, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
    radius = g.uniform(r_lo, r_hi, (h, w))[iy, ix]  # one radius and depth per impact
    depth = g.uniform(0.5, 1.5, (h, w))[iy, ix]
    cups = -depth * (1.0 - np.minimum((d / radius) ** 2, 1.0))
    cups = ndimage.gaussian_filter(cups, 0.6, mode="wrap")
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 16.0, mode="wrap"))
    return _unit(_unit(cups) + 0.35 * grain + 0.25 * low)


def honed_texture(shape: tuple[int, int], *, rng: Any = None, angle_deg: float = 0.0,
                  groove_width_px: float = 0.5) -> np.ndarray:
    """Honed / lapped surface: two families of fine straight grooves (Gaussian correlation
    ``groove_width_px`` across, 40 px along) at ``angle_deg`` +- 25-35 degrees (a cross-hatch),
    over a fine plateau grain and mild mottling.

    Parameters
    ----------
    shape : (H, W)
    angle_deg : float
        Axis of the cross-hatch (0 = along +x).
    groove_width_px : float
        Correlation length across a groove, px.

    Returns
    -------
    ndarray (H, W) float64
        Zero mean, unit standard deviation.
    """
    h, w, g = _canvas(shape, rng)
    angle_deg = check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6)
    groove_width_px = check_positive(groove_width_px, "groove_width_px", max=100.0)
    half = float(g.uniform(25.0, 35.0))
    hatch = sum(brushed_texture((h, w), rng=g, angle_deg=angle_deg + sgn * half,
                                streak_length_px=40.0, streak_width_px=groove_width_px,
                                mottle=0.0) for sgn in (-1.0, 1.0))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 14.0, mode="wrap"))
    return _unit(_unit(hatch) + 0.45 * grain + 0.2 * low)


def cast_texture(shape: tuple[int, int], *, rng: Any = None, pore_density: float = 0.002
                 ) -> np.ndarray:
    """Sand-cast surface: isotropic roughness summed over octaves (Gaussian correlation 1, 2, 4
    and 8 px, amplitudes 1, 0.8, 0.6, 0.4), sparse dark pores (about ``pore_density`` per
    pixel, 1-3 px across) and a tenth as many small bright inclusions.

    Parameters
    ----------
    shape : (H, W)
    pore_density : float
        Pores per pixel.

    Returns
    -------
    ndarray (H, W) float64
        Zero mean, unit standard deviation.
    """
    h, w, g = _canvas(shape, rng)
    pore_density = check_finite(pore_density, "pore_density", min=0.0, max=1.0)
    rough = sum(a * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), s, mode="wrap"))
                for s, a in ((1.0, 1.0), (2.0, 0.8), (4.0, 0.6), (8.0, 0.4)))
    u = g.random((h, w))
    spots = -1.0 * (u < pore_density) + 0.7 * (u > 1.0 - 0.1 * pore_density)
    size = g.uniform(0.5, 1.2, (h, w))
    pores = ndimage.gaussian_filter(spots * size, 0.9, mode="wrap")
    pores = pores / max(float(np.abs(pores).max()), 1e-12)
    return _unit(_unit(rough) + 4.0 * pores)


def sintered_texture(shape: tuple[int, int], *, rng: Any = None,
                     grain_px: tuple = (2.0, 5.0), porosity: float = 0.3) -> np.ndarray:
    """Sintered powder-metal surface: rounded grains (each pixel in the grain of its nearest
    particle centre, radius drawn in ``grain_px``) with a facet level per grain, dark pores on
    a share ``porosity`` of the grain-boundary pixels, a few larger isolated pores and a
    fine grain.  Zero mean, unit standard deviation."""
    h, w, g = _canvas(shape, rng)
    r_lo, r_hi = (check_positive(v, "grain_px", max=1000.0)
                  for v in as_vector(grain_px, "grain_px", 2))
    if r_hi < r_lo:
        raise InputError(f"grain_px: expected (min, max) with min <= max, given {grain_px}")
    porosity = check_finite(porosity, "porosity", min=0.0, max=1.0)
    n = max(1, int(round(h * w / (np.pi * (0.5 * (r_lo + r_hi)) ** 2))))
    seeds = np.ones((h, w), bool)
    seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
    d, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
    label = iy * w + ix
    radius = g.uniform(r_lo, r_hi, (h, w))[iy, ix]
    facet = g.standard_normal((h, w))[iy, ix]
    dome = 1.0 - np.minimum(d / radius, 1.0) ** 2          # rounded particle tops
    edge = np.zeros((h, w), bool)
    edge[:, :-1] |= label[:, :-1] != label[:, 1:]
    edge[:-1, :] |= label[:-1, :] != label[1:, :]
    pores = (edge & (g.random((h, w)) < porosity)).astype(float)
    pores += 3.0 * (g.random((h, w)) < 2e-4)                 # a few larger isolated pores
    pores = ndimage.gaussian_filter(pores, 0.7, mode="wrap")
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    return _unit(0.5 * _unit(facet) + 0.8 * _unit(dome) - 1.2 * _unit(pores) + 0.3 * grain)


def knurled_texture(shape: tuple[int, int], *, rng: Any = None, angle_deg: float = 0.0
                    ) -> np.ndarray:
    """Diamond-knurled surface: two families of straight ridges (triangular profile with
    flattened tops, pitch 5-7 px, phase wobbling along the ridge) at ``angle_deg`` +- 35-45
    degrees, their height modulated by slow wear, plus fine grain.  Zero mean, unit std."""
    h, w, g = _canvas(shape, rng)
    angle_deg = check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    half = float(g.uniform(35.0, 45.0))
    ridges = np.zeros((h, w))
    for sgn in (-1.0, 1.0):
        a = np.deg2rad(angle_deg + sgn * half)
        across = -xx * np.sin(a) + yy * np.cos(a)
        pitch = float(g.uniform(5.0, 7.0))
        wobble = 0.6 * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 10.0,
                                                     mode="wrap"))
        phase = (across + wobble) / pitch + g.uniform(0.0, 1.0)
        tri = 1.0 - 2.0 * np.abs(phase - np.floor(phase) - 0.5) * 2.0  # -1..1 triangle
        ridges += np.minimum(tri, 0.6)                                  # worn flat tops
    wear = 1.0 + 0.3 * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 20.0,
                                                     mode="wrap"))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    ridges = ndimage.gaussian_filter(ridges, 0.5)
    return _unit(_unit(ridges) * np.clip(wear, 0.2, None) + 0.35 * grain)


def faced_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """Cast, then face-turned: a spiral of turning grooves (cusped profile, pitch 2-3.5 px,
    the feed wavering by 5 %) around a centre within 10 px of the image's, exposed casting
    porosity in patches (about a fifth of the area; dark pores of 1-2.5 px) and fine grain.
    Zero mean, unit standard deviation."""
    h, w, g = _canvas(shape, rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    cx, cy = (w - 1) / 2 + g.uniform(-10, 10), (h - 1) / 2 + g.uniform(-10, 10)
    pitch = float(g.uniform(2.0, 3.5))
    rr, th = np.hypot(xx - cx, yy - cy), np.arctan2(yy - cy, xx - cx)
    feed = 1.0 + 0.05 * _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 12.0,
                                                      mode="wrap"))
    phase = rr / (pitch * feed) + th / (2 * np.pi)
    f = phase - np.floor(phase)
    grooves = ndimage.gaussian_filter(4.0 * (f - 0.5) ** 2, 0.5)      # cusps between cuts
    patches = ndimage.gaussian_filter(g.standard_normal((h, w)), 14.0, mode="wrap")
    porous = patches > np.percentile(patches, 80)
    u = g.random((h, w))
    pores = (porous & (u < 0.012)) * g.uniform(0.5, 1.0, (h, w))
    pores = ndimage.gaussian_filter(pores, g.uniform(0.6, 1.0), mode="wrap")
    pores = pores / max(float(pores.max()), 1e-12)
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    return _unit(_unit(grooves) + 0.4 * grain - 3.0 * pores)


def scraped_texture(shape: tuple[int, int], *, rng: Any = None, angle_deg: float = 0.0
                    ) -> np.ndarray:
    """Hand-scraped surface: flakes (each pixel in the flake of its nearest stroke centre,
    radius 3-6 px), each cut as a ramp of its own depth along its stroke, the strokes at
    ``angle_deg`` +- 45 degrees in turn (+- 8 degrees scatter), with slow mottling (the
    bearing spots) and fine grain.  Zero mean, unit standard deviation."""
    h, w, g = _canvas(shape, rng)
    angle_deg = check_finite(angle_deg, "angle_deg", min=-1e6, max=1e6)
    n = max(1, int(round(h * w / (np.pi * 4.5 ** 2))))
    seeds = np.ones((h, w), bool)
    seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
    d, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
    side = np.where(g.random((h, w)) < 0.5, -45.0, 45.0)
    a = np.deg2rad(angle_deg + side + g.normal(0.0, 8.0, (h, w)))[iy, ix]
    radius = g.uniform(3.0, 6.0, (h, w))[iy, ix]
    depth = g.uniform(0.4, 1.2, (h, w))[iy, ix]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    along = ((xx - ix) * np.cos(a) + (yy - iy) * np.sin(a)) / radius
    flakes = ndimage.gaussian_filter(depth * np.clip(along, -1.0, 1.0), 0.6, mode="wrap")
    low = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 10.0, mode="wrap"))
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.7, mode="wrap"))
    return _unit(_unit(flakes) + 0.35 * low + 0.3 * grain)


def eroded_texture(shape: tuple[int, int], *, rng: Any = None) -> np.ndarray:
    """EDM (spark-eroded) surface: two generations of craters, each pixel in the crater of its
    nearest discharge (radius 1.5-3.5 px, depth 0.5-1.5): a bowl inside the radius and a raised
    rim just outside it, bright recast globules (about 1 per 600 px) and a fine grain.  Zero
    mean, unit standard deviation."""
    h, w, g = _canvas(shape, rng)
    field = np.zeros((h, w))
    for _ in range(2):
        seeds = np.ones((h, w), bool)
        n = max(1, int(round(h * w / (np.pi * 2.8 ** 2))))
        seeds[g.integers(0, h, n), g.integers(0, w, n)] = False
        d, (iy, ix) = ndimage.distance_transform_edt(seeds, return_indices=True)
        u = d / g.uniform(1.5, 3.5, (h, w))[iy, ix]
        bowl = -(1.0 - np.minimum(u, 1.0) ** 2) + 0.6 * np.exp(-((u - 1.0) / 0.25) ** 2)
        field += g.uniform(0.5, 1.5, (h, w))[iy, ix] * bowl
    globules = ndimage.gaussian_filter((g.random((h, w)) < 1.0 / 600) * 1.0, 0.8, mode="wrap")
    grain = _unit(ndimage.gaussian_filter(g.standard_normal((h, w)), 0.6, mode="wrap"))
    field = ndimage.gaussian_filter(field, 0.5, mode="wrap")
    globules = globules / max(float(globules.max()), 1e-12)
    return _unit(_unit(field) + 2.5 * globules + 0.3 * grain)


#: texture name -> its maker (takes ``shape``, ``rng``; those in :data:`_TURNED` ``angle_deg``)
_TEXTURE_MAKERS = {"brushed": brushed_texture, "blasted": blasted_texture,
                   "milled": milled_texture, "peened": peened_texture, "honed": honed_texture,
                   "cast": cast_texture, "sintered": sintered_texture, "knurled": knurled_texture,
                   "faced": faced_texture, "scraped": scraped_texture, "eroded": eroded_texture,
                   **MORE_TEXTURES}
_TURNED = frozenset({"brushed", "honed", "knurled", "scraped"})


def make_texture(name: str, shape: tuple[int, int], rng: np.random.Generator,
                 angle_deg: float) -> np.ndarray:
    """Texture ``name`` (one of :data:`TEXTURES`) for a part turned by ``angle_deg``."""
    if not isinstance(name, str):
        raise InputError(f"texture: expected one of {TEXTURES}, given {type(name).__name__}")
    make = _TEXTURE_MAKERS.get(name)
    if make is not None:
        # the textures with a lay (grooves, knurl) turn with the part
        return make(shape, rng=rng, **({"angle_deg": angle_deg} if name in _TURNED else {}))
    raise InputError(f"texture: expected one of {TEXTURES} or a 2-D array, given {name!r}")


def layout_features(name: str, shape: tuple[int, int]) -> dict:
    """Plate outline and machined features of layout ``name`` in model pixels (origin at the
    image centre): ``{"half": (hx, hy), "corner": r, "holes": [((cx, cy), r), ...],
    "slots": [((cx, cy), half_length, r, angle_deg), ...]}`` and, for ``face``, ``"inner"``:
    the half size of the area defects are placed in (the image; the plate is larger, so that
    placement jitter never shows its edge); ``strip``, ``bezel``, ``panel``, ``terminal``,
    ``keyplate``, ``hinge``, ``louvre``, ``rotor`` add ``"windows"``, all but ``strip``
    ``"keep_windows"``, ``strip`` a ``"notch"``, ``panel``, ``keyplate`` ``"sinks"``, ``hinge``
    ``"cones"``, ``terminal``, ``keyplate``, ``hinge``, ``louvre``, ``rotor``, ``perforated``,
    ``quadrant`` ``"keep_slots"`` (``rotor`` also a ``"corner"`` of its half size: round;
    ``cruciform`` ``"arms"``, a cross, ``gusset`` ``"tri"``, ``sprocket`` ``"teeth"``,
    ``hexplate`` ``"hexa"``, all four ``"windows"``, ``"keep_windows"``; ``lbracket`` ``"ell"``)."""
    h, w = shape
    s = float(min(h, w))
    if name == "face":
        return {"half": (w / 2.0 + 16.0, h / 2.0 + 16.0), "corner": 0.0, "holes": [],
                "slots": [], "inner": (w / 2.0, h / 2.0)}
    base = {"half": (0.44 * w, 0.44 * h), "corner": 0.08 * s}
    if name in MORE_LAYOUTS:  # hub, lever, ..., hinge, louvre, rotor (_textures_more*)
        return MORE_LAYOUTS[name]((h, w), base)
    if name == "plate":
        return dict(base, holes=[((-0.26 * w, -0.22 * h), 0.075 * s),
                                 ((0.26 * w, -0.22 * h), 0.075 * s)],
                    slots=[((0.0, 0.25 * h), 0.12 * w, 0.045 * s, 0.0)])
    if name == "flange":
        ring = 0.27 * s
        holes = [((0.0, 0.0), 0.11 * s)]
        holes += [((ring * np.cos(a), ring * np.sin(a)), 0.04 * s)
                  for a in np.deg2rad([45.0, 135.0, 225.0, 315.0])]
        return dict(base, holes=holes, slots=[])
    if name == "bracket":
        return dict(base, holes=[((-0.24 * w, y * h), 0.05 * s) for y in (-0.25, 0.0, 0.25)],
                    slots=[((0.1 * w, 0.0), 0.16 * h, 0.035 * s, 90.0),
                           ((0.27 * w, 0.0), 0.16 * h, 0.035 * s, 90.0)])
    if name == "rail":
        holes = [((0.0, 0.0), 0.065 * s)]
        holes += [((x * w, y * h), 0.035 * s) for x in (-0.34, 0.34) for y in (-0.32, 0.32)]
        return dict(base, holes=holes, slots=[((0.0, y * h), 0.2 * w, 0.035 * s, 0.0)
                                              for y in (-0.2, 0.2)])
    if name == "yoke":
        holes = [((0.0, -0.3 * h), 0.06 * s)]
        holes += [((x * w, 0.3 * h), 0.03 * s) for x in (-0.2, 0.0, 0.2)]
        return dict(base, holes=holes, slots=[((sg * 0.17 * w, 0.0), 0.13 * s, 0.03 * s,
                                               sg * 35.0) for sg in (-1.0, 1.0)])
    if name == "bridge":
        holes = [((0.27 * w, 0.2 * h), 0.07 * s)]
        holes += [((0.02 * w, y * h), 0.035 * s) for y in (0.02, 0.24)]
        return dict(base, holes=holes, slots=[((0.0, -0.28 * h), 0.24 * w, 0.035 * s, 0.0),
                                              ((-0.26 * w, 0.12 * h), 0.12 * s, 0.035 * s,
                                               60.0)])
    if name == "clevis":
        holes = [((x * w, 0.0), 0.1 * s) for x in (-0.27, 0.27)]
        holes += [((-0.3 * w, y * h), 0.03 * s) for y in (-0.33, -0.21)]
        return dict(base, holes=holes, slots=[((0.0, -0.05 * h), 0.14 * h, 0.04 * s, 90.0),
                                              ((0.2 * w, 0.3 * h), 0.09 * s, 0.03 * s,
                                               -20.0)])
    if name == "manifold":
        holes = [((x * w, -0.28 * h), 0.035 * s) for x in (-0.22, 0.0, 0.22)]
        holes += [((-0.2 * w, 0.12 * h), 0.09 * s)]
        return dict(base, holes=holes, slots=[((0.25 * w, 0.05 * h), 0.13 * s, 0.035 * s, 110.0),
                                              ((0.0, 0.33 * h), 0.1 * s, 0.03 * s, 0.0)])
    if name == "grille":
        holes = [((x * w, 0.3 * h), 0.05 * s) for x in (-0.3, 0.3)]
        return dict(base, holes=holes, slots=[((x * w, -0.08 * h), 0.12 * s, 0.03 * s, 80.0)
                                              for x in (-0.24, -0.12, 0.0, 0.12, 0.24)])
    raise InputError(f"layout: expected one of {LAYOUTS}, given {name!r}")


def crack_delta(g: np.random.Generator, shape: tuple[int, int], center: np.ndarray,
                length: float, contrast: float) -> np.ndarray:
    """A jagged dark crack of about ``length`` px through ``center``: a random walk of 1.5 px
    steps with turning angle noise, drawn with a width varying between 0.5 and 1.1 px (Gaussian
    sigma).  Returns the signed image change (H, W) float64 (negative, peak ``-contrast``)."""
    h, w = shape
    n = max(4, int(length / 1.5))
    turn = np.cumsum(g.normal(0, 0.35, n))
    head = g.uniform(0, 2 * np.pi) + turn - turn.mean()
    pts = np.cumsum(np.c_[np.cos(head), np.sin(head)] * 1.5, axis=0)
    pts += np.asarray(center, float) - pts.mean(axis=0)
    width = np.clip(0.8 + 0.3 * np.sin(np.linspace(0, g.uniform(2, 6), n)), 0.5, 1.1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r0 = int(max(0, pts[:, 1].min() - 6)), int(min(h, pts[:, 1].max() + 7))
    c0 = int(max(0, pts[:, 0].min() - 6)), int(min(w, pts[:, 0].max() + 7))
    sub_x, sub_y = xx[r0[0]:r0[1], c0[0]:c0[1]], yy[r0[0]:r0[1], c0[0]:c0[1]]
    # distance of each pixel of the bounding box to the walk's points (vectorised over both)
    d2 = (sub_x[..., None] - pts[:, 0]) ** 2 + (sub_y[..., None] - pts[:, 1]) ** 2
    j = np.argmin(d2, axis=-1)
    prof = np.exp(-0.5 * np.min(d2, axis=-1) / width[j] ** 2)
    out = np.zeros((h, w))
    out[r0[0]:r0[1], c0[0]:c0[1]] = -contrast * prof
    return out

