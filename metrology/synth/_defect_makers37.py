"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
60's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``flake``    a lifted coating flake: where a coat (an oxide, a paint, a plating) let go of the
             part and curled up off it without breaking away: an irregular polygon (6-16 px
             across, 0.6-1 as wide, 5-8 corners at 0.7-1 of the oval's radius), the flake
             itself, its face a little off the face's level (0.1-0.3 of the contrast, either
             way: tilted to or from the light) but its texture kept (the coat is all there);
             lit from one side (``light_deg``, any): **a bright rim** inside its outline on
             the side facing the light (its raised edge catching it: the points of the flake
             within 1-1.8 px of its outline along the light, 0.6-1 of the contrast) and
             **a dark shadow crescent** outside its outline on the other side (the ground the
             raised flake hides from the light: the points off the flake that the light,
             moved 1.5-3 px towards it, finds on the flake, 0.7-1 of the contrast), both
             crescents thinning to nothing where the outline runs along the light; 16-32 gray
             levels, the rim dark and the shadow bright if the contrast is negative.  Its mask
             the flake and its shadow.  Unlike ``spallpit`` (a crater whose floor is dark, its
             bright rim outside the outline and broken), ``chip`` (two flat brighter terraces,
             the texture gone), ``bubbleburst`` (a round dark crater, a torn rim open on one
             side), ``blister`` and ``nodule`` (domes shaded across their whole face),
             ``inclusion`` (a dark polygon in a faint halo) and ``scalepocket`` (a lobed
             mottled dark pocket): a flat polygon at about the face's level, seen by a thin
             bright crescent on its lit edge and a dark one cast past its other edge.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers import box_around
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change
from ._defect_makers26 import polygon_radius

#: the flake: its size across (px), width (x the size), corners' count and their radius (x
#: the oval's); its face's level (x the contrast, either sign); the rim: its depth along the
#: light (px) and brightness (x the contrast); the shadow: its reach along the light (px) and
#: depth (x the contrast); the contrast (gray levels)
FL_SIZE, FL_ASPECT, FL_CORNERS, FL_JAG = (6.0, 16.0), (0.6, 1.0), (5, 8), (0.7, 1.0)
FL_LEVEL, FL_RIM_PX, FL_RIM = (0.1, 0.3), (1.0, 1.8), (0.6, 1.0)
FL_SHADOW_PX, FL_SHADOW, FL_CONTRAST = (1.5, 3.0), (0.7, 1.0), (16.0, 32.0)


def flake_outline(g, size):
    """The flake's corners (an ``n`` x 2 array about its centre, px) drawn from a generator
    of their own (one draw of ``g``, so the draws after it do not depend on what a caller
    gives): :data:`FL_CORNERS` corners at angles spread round it, each :data:`FL_JAG` of
    the radius of an oval of ``size`` by :data:`FL_ASPECT` x it, turned at random."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    n = int(own.integers(FL_CORNERS[0], FL_CORNERS[1] + 1))
    ang = own.uniform(0.0, 2.0 * np.pi / n, n) + 2.0 * np.pi * np.arange(n) / n
    turn, width = own.uniform(0.0, np.pi), own.uniform(*FL_ASPECT) * size
    oval = 1.0 / np.hypot(np.cos(ang - turn) / (0.5 * size), np.sin(ang - turn) / (0.5 * width))
    rad = own.uniform(*FL_JAG, n) * oval
    return np.stack([rad * np.cos(ang), rad * np.sin(ang)], axis=1)


def flake_cover(t, a, corners):
    """How much of each place ``t``, ``a`` (px from the flake's centre) the flake covers: 1
    inside the polygon of ``corners``, 0 outside, soft over 1 px along the rays."""
    rr = np.hypot(t, a)
    return np.clip(0.5 - (rr - polygon_radius(np.arctan2(a, t), corners)), 0.0, 1.0)


def flake_change(t, a, corners, level, rim_px, rim, shadow_px, shadow):
    """The flake's change (x the contrast: the rim positive, the shadow negative) at ``t``,
    ``a`` (px from its centre, the light towards ``+t``): ``level`` over the flake, plus
    ``rim`` where the flake covers the place but not the place ``rim_px`` towards the light
    (its lit edge), less ``shadow`` where the flake does not cover the place but covers the
    place ``shadow_px`` towards the light (the ground it shades)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    on = flake_cover(t, a, corners)
    lit = on * (1.0 - flake_cover(t + rim_px, a, corners))
    shade = (1.0 - on) * flake_cover(t + shadow_px, a, corners)
    return level * on + rim * lit - shadow * shade


def _flake_params(g, shape, lay, params):
    """The flake's size, corners (:func:`flake_outline`), level, rim and shadow, the light's
    azimuth and the contrast, drawn or given: a drawn size larger than the region it is
    pasted on has room for (``"free"``) is drawn smaller; a ``length_px`` (the size across)
    given under 5 px is refused (:class:`~metrology.errors.InputError`: a speck, no
    outline; ``radius_px`` and ``width_px`` are not read)."""
    size = drawn_length(g, shape, params, FL_SIZE, "flake", "a smaller one is a speck, no "
                        "outline to lift")
    shadow_px, shadow = g.uniform(*FL_SHADOW_PX), g.uniform(*FL_SHADOW)
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        size = min(size, max(FL_SIZE[0], 2.0 * (float(np.max(lay["free"])) - shadow_px - 3.0)))
    corners = flake_outline(g, size)
    level = g.choice([-1.0, 1.0]) * g.uniform(*FL_LEVEL)
    rim_px, rim = g.uniform(*FL_RIM_PX), g.uniform(*FL_RIM)
    light = params.get("light_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(*FL_CONTRAST))
    return size, corners, level, rim_px, rim, shadow_px, shadow, light, contrast


def _flake(g, shape, lay, pose, params):
    """A lifted coating flake: the change ``contrast x`` :func:`flake_change` (``length_px``,
    the size across, in :data:`FL_SIZE`, cut to 0.15-0.3 x the image's smaller side; the
    light at ``light_deg``, any; ``contrast`` in :data:`FL_CONTRAST`), centred on the
    flake.  Its mask where the change's size is at least a quarter of its peak, and the
    flake's whole polygon (its footprint).  Drawn on a box around it."""
    size, corners, level, rim_px, rim, shadow_px, shadow, light, contrast = \
        _flake_params(g, shape, lay, params)
    reach = float(np.hypot(*corners.T).max() + shadow_px + 2.0)
    covers = []

    def change(t, a):
        covers.append(flake_cover(t, a, corners))
        return contrast * flake_change(t, a, corners, level, rim_px, rim, shadow_px, shadow)

    delta, c = chord_change(g, shape, lay, pose, reach, light, change)
    footprint = np.zeros(shape, bool)
    if covers:
        r0, r1, c0, c1 = box_around(c, int(np.ceil(min(reach, 4.0 * max(shape)) + 1.0)), shape)
        footprint[r0:r1, c0:c1] = covers[0] >= 0.5
    spec = ("flake", (float(c[0]), float(c[1])), float(size), float(light), float(contrast),
            {"length_px": float(size), "light_deg": float(light), "level": float(level),
             "rim": float(rim), "rim_px": float(rim_px), "shadow": float(shadow),
             "shadow_px": float(shadow_px), "corners": len(corners)})
    return delta, None, spec, footprint
