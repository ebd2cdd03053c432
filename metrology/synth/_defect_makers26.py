"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
49's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``spallpit`` a spalled pit: where a flake of a hardened or coated face broke out under rolling
             contact (or a chip of scale or plating flaked off), an irregular shallow crater
             (6-14 px across, 0.55-0.9 as wide) with a jagged polygonal outline (7-11 corners,
             each 0.65-1 of the oval's radius there), its floor dark (deepest in its middle:
             0.75-1 of the contrast), and on one side (towards ``light_deg``) a bright broken
             rim (the torn-up lip catching the light: a Gaussian line of sigma 0.5-0.9 px
             0.6-1.2 px outside the outline, 0.3-0.5 of the contrast, cut into 3-5 pieces round
             that side); 14-30 gray levels dark, the rim bright; the signs swapped if the
             contrast is negative.  Unlike ``chip`` and ``dent`` (a smooth outline), ``pits``
             (round dots), ``fisheye`` (a round floor in a whole ring) and ``crescent`` (an
             arc), its outline is a jagged polygon and its rim bright on one side only, broken.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the crater: its length (px), width (x the length), corners' count, their radius (x the
#: oval's); the floor's level at its edge (its middle 1); the rim: its gap past the outline
#: (px), sigma (px), brightness (x the contrast), its pieces' count round its side; the
#: contrast (gray levels)
SP_LENGTH, SP_ASPECT, SP_CORNERS, SP_JAG = (6.0, 14.0), (0.55, 0.9), (7, 11), (0.65, 1.0)
SP_EDGE, SP_GAP, SP_SIGMA, SP_RIM, SP_PIECES = 0.75, (0.6, 1.2), (0.5, 0.9), (0.3, 0.5), (3, 5)
SP_CONTRAST = (14.0, 30.0)


def polygon_radius(phi, corners):
    """The radius (px) along the directions ``phi`` (radians, any) of the star-shaped polygon
    whose ``corners`` (an ``n`` x 2 array, x and y about its centre, in order of angle) are
    joined by straight sides: where each ray meets the side between the corners on either
    side of it."""
    ang = np.mod(np.arctan2(corners[:, 1], corners[:, 0]), 2.0 * np.pi)
    k = np.argsort(ang)
    ang, corners = ang[k], corners[k]
    i = (np.searchsorted(ang, np.mod(phi, 2.0 * np.pi)) - 1) % len(ang)
    p, q = corners[i], corners[(i + 1) % len(ang)]
    dx, dy = q[..., 0] - p[..., 0], q[..., 1] - p[..., 1]
    cross = np.cos(phi) * dy - np.sin(phi) * dx
    return (p[..., 0] * q[..., 1] - p[..., 1] * q[..., 0]) / np.where(np.abs(cross) > 1e-12,
                                                                      cross, 1e-12)


def spall_change(t, a, corners, rim_dir, rim, gap, sigma, pieces, phase=0.0):
    """The spalled pit's change (x the contrast: negative on the floor, positive on the rim)
    at ``t``, ``a`` (px along its length and across it, from its centre): the floor (inside
    the polygon of ``corners``, its edge soft over 1 px, :data:`SP_EDGE` deep at the outline
    and 1 in the middle) and the rim (a Gaussian of ``sigma`` about ``gap`` px outside the
    outline, ``rim`` bright, on the side towards ``rim_dir`` radians (its cosine's positive
    half, squared) and cut into ``pieces`` along the angle (a cosine's crests, soft-edged)),
    the distances taken along the rays from the centre."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    phi, rr = np.arctan2(a, t), np.hypot(t, a)
    radius = polygon_radius(phi, corners)
    d = rr - radius
    inner = np.clip(1.0 - rr / np.maximum(radius, 1e-9), 0.0, 1.0)
    floor = np.clip(0.5 - d, 0.0, 1.0) * (SP_EDGE + (1.0 - SP_EDGE) * np.sqrt(inner))
    side = np.clip(np.cos(phi - rim_dir), 0.0, None) ** 2
    broken = np.clip(0.5 + 2.0 * np.cos(2.0 * pieces * (phi - rim_dir) + phase), 0.0, 1.0)
    lip = rim * side * broken * np.exp(-0.5 * ((d - gap) / sigma) ** 2)
    return lip - floor


def _spall_params(g, shape, lay, params):
    """The crater's length, width, corners (drawn round the oval of those axes), the rim's
    gap, sigma, brightness, pieces, phase and the contrast, drawn or given: a drawn crater
    larger than the region it is pasted on has room for (``"free"``) is drawn smaller; a
    ``width_px`` under 3 px (a scratch, no crater) or over the length (give ``angle_deg`` to
    turn it) are refused; a ``sigma_px`` is cut to 0.3-1.5 px (thinner the rim is lost under
    the blur, wider it is a halo, no lip)."""
    length = drawn_length(g, shape, params, SP_LENGTH, "spallpit",
                          "a smaller crater is a pit, no outline")
    aspect, gap, sigma = g.uniform(*SP_ASPECT), g.uniform(*SP_GAP), g.uniform(*SP_SIGMA)
    rim, pieces = g.uniform(*SP_RIM), int(g.integers(SP_PIECES[0], SP_PIECES[1] + 1))
    n = int(g.integers(SP_CORNERS[0], SP_CORNERS[1] + 1))
    ang = np.sort(g.uniform(0.0, 2.0 * np.pi / n, n) + 2.0 * np.pi * np.arange(n) / n)
    jag, phase = g.uniform(*SP_JAG, n), g.uniform(0.0, 2.0 * np.pi)
    light = g.uniform(0.0, 360.0)
    contrast = params.get("contrast", g.uniform(*SP_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        length = min(length, max(5.0, 2.0 * (float(np.max(lay["free"])) - gap - 3.0 * sigma
                                             - 3.0)))
    width = params.get("width_px", aspect * length)
    if "width_px" in params and not 3.0 <= width <= length:
        raise InputError(f"defect_params: spallpit's width_px ({width:g}) must be 3 px to its "
                         f"length_px ({length:g}): narrower the crater is a scratch, wider it "
                         f"is turned (give angle_deg)")
    sigma = float(np.clip(params.get("sigma_px", sigma), 0.3, 1.5))
    oval = 1.0 / np.hypot(np.cos(ang) / (0.5 * length), np.sin(ang) / (0.5 * width))
    corners = np.stack([jag * oval * np.cos(ang), jag * oval * np.sin(ang)], axis=1)
    return (length, width, corners, gap, sigma, rim, pieces, phase,
            params.get("light_deg", light), contrast)


def _spallpit(g, shape, lay, pose, params):
    """A spalled pit: the change ``contrast x`` :func:`spall_change` (``length_px`` in
    :data:`SP_LENGTH`; ``width_px`` :data:`SP_ASPECT` x it; :data:`SP_CORNERS` corners at
    :data:`SP_JAG` of the oval's radius; ``sigma_px``, the rim's, in :data:`SP_SIGMA`, its gap
    :data:`SP_GAP`, brightness :data:`SP_RIM`, :data:`SP_PIECES` pieces; ``light_deg`` the
    rim's side in the image, any; ``angle_deg`` its length's direction, any; ``contrast`` in
    :data:`SP_CONTRAST`: a dark floor and a bright rim, swapped if negative), centred on the
    crater.  Its mask where the change's size is at least a quarter of its peak.  Drawn on a
    box around it."""
    length, width, corners, gap, sigma, rim, pieces, phase, light, contrast = \
        _spall_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    reach = float(0.5 * length + gap + 3.0 * sigma + 1.0)
    rim_dir = np.deg2rad(light - angle)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: contrast * spall_change(t, a, corners, rim_dir, rim,
                                                                 gap, sigma, pieces, phase))
    spec = ("spallpit", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(width),
                              "sigma_px": float(sigma), "gap_px": float(gap),
                              "light_deg": float(light), "rim": float(rim),
                              "corners": len(corners), "pieces": pieces})
    return delta, None, spec, None
