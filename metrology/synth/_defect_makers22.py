"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
44's and 45's shapes; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``,
which ``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``knurlprint`` a knurl print: a diamond-knurled pad (a fixture's or a vice's knurled gripping
             pad, a knurled thumb screw's face) pressed onto the finished face prints its
             ridges into it: a rectangular patch (10-24 px long, 0.45-0.75 of that wide, its
             edge soft over 1.2 px) of two families of fine parallel grooves (pitch 2.4-3.4
             px, sigma 0.4-0.6 px), each family 30-45 degrees off the patch's long axis, one
             either way (so they cross at 60-90 degrees: a diamond pattern), the deeper where
             two cross; pressed unevenly (one end 0.6-0.9 as deep as the other); 12-26 gray
             levels dark, bright if the contrast is negative.  Unlike ``pinch`` (two dents
             crossed by one family of teeth), ``scuff`` and ``dragmark`` (one family of
             streaks), ``fingerprint`` (concentric ridges), ``dotpeen`` (a grid of dots) and
             the ``knurled`` texture (everywhere), it is one small patch of two crossing
             families of grooves.
``chainmark`` a chain mark: a short length of link chain that lay on the face (a sling's, a
             tool's lanyard's) under load or in the heat leaves its links' print: 3, 5 or 7
             links in a straight row at any angle, lying alternately flat (an oval ring: a
             stadium, its centreline 7-11 px long and 0.5-0.65 of that wide, 0.6-0.85 as
             deep; the first and the last) and on edge (a straight line along the row through
             the flat links' ends, as long as a link, full depth), each link 0.8 x its length
             on from the last (interlocked);
             the wire's print sigma 0.45-0.7 px; 12-28 gray levels dark, bright if the
             contrast is negative.  Unlike ``rollmark`` (separate identical imprints),
             ``stringer`` (a dotted line), ``watermark`` and ``halo`` (one ring) and
             ``pigtail`` (a chain of loops of one groove), it is a row of closed rings
             joined by straight bars.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the knurl print: its length (px), width (x the length), the grooves' pitch (px), the
#: families' angle off the long axis (degrees), the grooves' sigma (px), the patch's edge
#: softness (px), the far end's depth (x the near end's) and the contrast (gray levels)
KP_LENGTH, KP_ASPECT, KP_PITCH, KP_TURN = (10.0, 24.0), (0.45, 0.75), (2.4, 3.4), (30.0, 45.0)
KP_SIGMA, KP_SOFT, KP_TILT, KP_CONTRAST = (0.4, 0.6), 1.2, (0.6, 0.9), (12.0, 26.0)


def knurl_change(t, a, length, width, pitch, turn, sigma, tilt, phases):
    """The knurl print's depth (0 to 1) at ``t``, ``a`` (px along its long axis and across
    it, from its centre): the deeper of two families of Gaussian grooves (``sigma``, one every
    ``pitch`` px across them, at ``phases`` of it) turned +-``turn`` degrees off the axis,
    inside the ``length`` x ``width`` rectangle (its edge soft over :data:`KP_SOFT` px),
    falling linearly along it from 1 at ``t = -length / 2`` to ``tilt`` at the other end."""
    grooves = np.zeros(np.shape(t))
    for sign, ph in zip((1.0, -1.0), phases):
        th = np.deg2rad(sign * turn)
        n = (-t * np.sin(th) + a * np.cos(th)) / pitch + ph        # across the family
        off = (n - np.round(n)) * pitch
        grooves = np.maximum(grooves, np.exp(-0.5 * (off / sigma) ** 2))
    edge = np.clip(0.5 + (0.5 * length - np.abs(t)) / KP_SOFT, 0.0, 1.0) * \
        np.clip(0.5 + (0.5 * width - np.abs(a)) / KP_SOFT, 0.0, 1.0)
    ramp = 1.0 - (1.0 - tilt) * np.clip(t / length + 0.5, 0.0, 1.0)
    return grooves * edge * ramp


def _knurl_params(g, shape, lay, params):
    """The print's length, width, pitch, turn, sigma, tilt and contrast, drawn or given: a
    drawn print larger than the region it is pasted on has room for (``"free"``) is drawn
    smaller; a ``pitch_px`` under 1.5 px (the grooves merge) or over half the width (fewer
    than two grooves across), a ``width_px`` over the length or a ``turn_deg`` off 15-75
    degrees are refused; a width under two pitches makes the pitch half the width, a sigma
    over 0.35 x the pitch is cut to that."""
    length = drawn_length(g, shape, params, KP_LENGTH, "knurlprint",
                          "a shorter print has no pattern")
    width = params.get("width_px", g.uniform(*KP_ASPECT) * length)
    pitch, turn = g.uniform(*KP_PITCH), g.uniform(*KP_TURN)
    sigma, tilt = g.uniform(*KP_SIGMA), g.uniform(*KP_TILT)
    contrast = params.get("contrast", g.uniform(*KP_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = max(5.0, float(np.max(lay["free"])) - 2.0 * KP_SOFT - 8.0)
        k = min(1.0, room / (0.5 * np.hypot(length, width)))
        length, width = k * length, (k * width if "width_px" not in params else width)
    if not width <= length:
        raise InputError(f"defect_params: knurlprint's width_px ({width:g}) must be at most its "
                         f"length_px ({length:g})")
    pitch = min(params.get("pitch_px", pitch), 0.5 * width)
    if "pitch_px" in params and not 1.5 <= params["pitch_px"] <= 0.5 * width:
        raise InputError(f"defect_params: knurlprint's pitch_px ({params['pitch_px']:g}) must "
                         f"be 1.5 px to half its width_px ({width:g}): closer the grooves "
                         f"merge, farther fewer than two cross it")
    turn = params.get("turn_deg", turn)
    if not 15.0 <= turn <= 75.0:
        raise InputError(f"defect_params: knurlprint's turn_deg ({turn:g}), each family's "
                         f"angle off the print's axis, must be 15-75 degrees")
    sigma = min(params.get("sigma_px", sigma), 0.35 * pitch)
    return length, width, pitch, turn, sigma, tilt, contrast


def _knurlprint(g, shape, lay, pose, params):
    """A knurl print: the change ``-contrast x`` :func:`knurl_change` (``length_px`` in
    :data:`KP_LENGTH`, ``width_px`` :data:`KP_ASPECT` x it, ``pitch_px`` in :data:`KP_PITCH`,
    ``turn_deg`` in :data:`KP_TURN`, ``sigma_px`` in :data:`KP_SIGMA`, the far end
    :data:`KP_TILT` as deep, ``angle_deg`` its long axis's, any; ``contrast`` in
    :data:`KP_CONTRAST`, dark, bright if negative), centred on the patch.  Its mask where the
    change is at least a quarter of its peak.  Drawn on a box around it."""
    length, width, pitch, turn, sigma, tilt, contrast = _knurl_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    phases = g.uniform(0.0, 1.0, 2)
    reach = float(0.5 * np.hypot(length, width) + 2.0 * KP_SOFT + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * knurl_change(t, a, length, width, pitch,
                                                                  turn, sigma, tilt, phases))
    spec = ("knurlprint", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(width),
                              "pitch_px": float(pitch), "turn_deg": float(turn),
                              "sigma_px": float(sigma), "tilt": float(tilt)})
    return delta, None, spec, None


#: the chain: its links (an odd number: flat at both ends), a link's centreline half length
#: (px) and half width
#: (x that), the step from one link's centre to the next (x a link's length), the wire's
#: print sigma (px), the flat links' depth (x the standing ones') and the contrast
KC_LINKS, KC_HALF, KC_ASPECT, KC_STEP = (3, 5, 7), (3.5, 5.5), (0.5, 0.65), 0.8
KC_SIGMA, KC_FLAT, KC_CONTRAST = (0.45, 0.7), (0.6, 0.85), (12.0, 28.0)


def chain_change(t, a, n, half, width, sigma, flat):
    """The chain's depth (0 to 1) at ``t``, ``a`` (px along its row and across it, from its
    centre): ``n`` links ``2 x`` :data:`KC_STEP` ``x half`` apart, the first, third, ...
    flat (a stadium ring of centreline half length ``half`` and half width ``width``, its
    depth ``flat``), the others on edge (a segment of half length ``half`` along the row),
    each a Gaussian groove of ``sigma`` about its centreline, the deepest where two meet."""
    out = np.zeros(np.shape(t))
    step = 2.0 * KC_STEP * half
    for k in range(n):
        tk = t - (k - 0.5 * (n - 1)) * step
        if k % 2 == 0:
            qx = np.maximum(np.abs(tk) - (half - width), 0.0)
            dist, depth = np.abs(np.hypot(qx, a) - width), flat
        else:
            dist, depth = np.hypot(np.maximum(np.abs(tk) - half, 0.0), a), 1.0
        out = np.maximum(out, depth * np.exp(-0.5 * (dist / sigma) ** 2))
    return out


def chain_length(n, half):
    """The chain's length (px, its links' centrelines end to end) of ``n`` links of half
    length ``half``."""
    return 2.0 * half * (1.0 + KC_STEP * (n - 1))


def _chain_params(g, shape, lay, params):
    """The links, their half length and half width, the sigma, the flat links' depth and the
    contrast, drawn or given: a drawn chain longer than 0.3 x the image's smaller side, or
    than the region it is pasted on has room for (``"free"``), has two links fewer (3 at least)
    and then shorter ones; a ``length_px`` given (the whole chain's) sets the links' length;
    a ``width_px`` (a flat link's, across its centreline) over a link's length or under 3
    sigmas (its two sides merge) is refused, a drawn sigma over a third of the half width
    is cut to that."""
    n = int(g.choice(KC_LINKS))
    half, aspect = g.uniform(*KC_HALF), g.uniform(*KC_ASPECT)
    sigma, flat = g.uniform(*KC_SIGMA), g.uniform(*KC_FLAT)
    contrast = params.get("contrast", g.uniform(*KC_CONTRAST))
    room = 0.3 * min(shape)
    if "free" in lay:
        room = min(room, 2.0 * (float(np.max(lay["free"])) - 3.0 * sigma - 8.0))
    while n > 3 and chain_length(n, half) > room:
        n -= 2
    half = min(half, max(2.0, room / chain_length(n, 1.0)))
    if "length_px" in params:
        half = params["length_px"] / chain_length(n, 1.0)
    width = params.get("width_px", 2.0 * aspect * half) / 2.0
    if "width_px" in params and not 1.5 * params.get("sigma_px", sigma) <= width <= half:
        raise InputError(f"defect_params: chainmark's width_px ({2 * width:g}) must be 3 "
                         f"sigmas to a link's length ({2 * half:g} px): narrower its sides "
                         f"merge, wider it is no oval along the row")
    sigma = params.get("sigma_px", min(sigma, width / 3.0))
    return n, half, width, sigma, flat, contrast


def _chainmark(g, shape, lay, pose, params):
    """A chain mark: the change ``-contrast x`` :func:`chain_change` (links in
    :data:`KC_LINKS`, half length in :data:`KC_HALF` or ``length_px`` over
    :func:`chain_length`; ``width_px`` :data:`KC_ASPECT` x a link's length; ``sigma_px`` in
    :data:`KC_SIGMA`; flat links :data:`KC_FLAT` as deep; ``angle_deg`` the row's, any;
    ``contrast`` in :data:`KC_CONTRAST`, dark, bright if negative), centred on the chain.
    Its mask where the change is at least a quarter of its peak.  Drawn on a box around
    it."""
    n, half, width, sigma, flat, contrast = _chain_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    length = chain_length(n, half)
    reach = float(0.5 * length + 3.0 * sigma + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * chain_change(t, a, n, half, width, sigma,
                                                                  flat))
    spec = ("chainmark", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast), {"length_px": float(length), "width_px": float(2.0 * width),
                              "sigma_px": float(sigma), "links": n, "flat": float(flat)})
    return delta, None, spec, None
