"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
41's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``dotpeen``  a stray dot-peen mark: a Data Matrix symbol peened where it does not belong (the
             marking head fired on the wrong face, or a trial mark left on a finished one):
             a square grid of 10, 12 or 14 modules a side (pitch 2.2-3 px), each module
             dark or not, a round dimple (radius 0.32-0.42 x the pitch, its edge soft over
             0.3-0.45 px) where it is; the symbol's finder, a solid L of dimples along its
             left column and bottom row, and its clock track, every other module along its
             top row and right column, with random data inside (half the modules); 18-34
             gray levels dark, bright if the contrast is negative.  Unlike ``stamp`` (seven
             segment digits), ``rollmark`` (a row of imprints), ``pits`` (a random cluster)
             and the ``dimplearray`` texture (a full lattice everywhere), it is one small
             square of dimples on a grid, two of its sides solid.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers16 import chord_change

#: the symbol: the modules a side (one drawn), their pitch (px), the dimples' radius (x the
#: pitch), their edge's softness (px), the data modules' share that are dimpled and the
#: contrast (gray levels)
DP_MODULES, DP_PITCH, DP_RADIUS, DP_SOFT = (10, 12, 14), (2.2, 3.0), (0.32, 0.42), (0.3, 0.45)
DP_FILL, DP_CONTRAST = 0.5, (18.0, 34.0)


def matrix_modules(g, n):
    """The dimpled modules (n x n booleans, row 0 at the top, column 0 at the left) of a Data
    Matrix symbol: the solid finder L (column 0, row ``n - 1``), the clock track (row 0 and
    column ``n - 1``, every other module from the L's corners) and random data inside
    (:data:`DP_FILL`)."""
    on = g.random((n, n)) < DP_FILL
    idx = np.arange(n)
    on[:, 0] = True
    on[n - 1, :] = True
    on[0, :] = idx % 2 == 0
    on[:, n - 1] = (n - 1 - idx) % 2 == 0
    return on


def matrix_change(t, a, on, pitch, radius, soft):
    """The symbol's depth (0 to 1) at ``t``, ``a`` (px along its rows and down its columns
    from its centre): each pixel's nearest module and its eight neighbours, the deepest of
    their dimples (``radius``, soft over ``soft`` px) where they are ``on``."""
    n = on.shape[0]
    u, w = t / pitch + 0.5 * n - 0.5, a / pitch + 0.5 * n - 0.5        # in modules
    col0, row0 = np.round(u).astype(np.int64), np.round(w).astype(np.int64)
    out = np.zeros(np.shape(t))
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = row0 + dr, col0 + dc
            ok = (r >= 0) & (r < n) & (c >= 0) & (c < n)
            lit = ok & on[np.clip(r, 0, n - 1), np.clip(c, 0, n - 1)]
            d = np.hypot(u - c, w - r) * pitch
            z = np.clip((d - radius) / max(soft, 1e-6), -50.0, 50.0)
            out = np.maximum(out, np.where(lit, 1.0 / (1.0 + np.exp(z)), 0.0))
    return out


def _dotpeen_params(g, shape, lay, params):
    """The modules a side, the pitch, the dimples' radius, softness and the contrast, drawn or
    given: a drawn symbol larger than 0.3 x the image's smaller side, or than the region it
    is pasted on has room for at its deepest point (``"free"``), has fewer modules (even, 4
    at least; on a region a smaller pitch too, if need be); a ``length_px`` given (the symbol's side) sets the pitch, a ``pitch_px``
    given under 1.5 px (the dimples merge into a plate) is refused; a radius over half the
    pitch is cut to that."""
    n = int(g.choice(DP_MODULES))
    pitch = g.uniform(*DP_PITCH)
    frac, soft = g.uniform(*DP_RADIUS), g.uniform(*DP_SOFT)
    n = int(max(4, min(n, 2 * np.floor(0.15 * min(shape) / pitch))))
    if "free" in lay:                  # pasted on a region: what its deepest point has room for
        room = max(6.0, np.sqrt(2.0) * (float(np.max(lay["free"])) - 8.0))
        n = int(max(4, min(n, 2 * np.floor(0.5 * room / pitch))))
        pitch = min(pitch, room / n)
    if "pitch_px" in params:
        pitch = params["pitch_px"]
        if not pitch >= 1.5:
            raise InputError(f"defect_params: dotpeen's pitch_px ({pitch:g}) must be at least "
                             f"1.5 px: closer the dimples merge")
    elif "length_px" in params:
        pitch = params["length_px"] / n
    radius = min(params.get("radius_px", frac * pitch), 0.5 * pitch)
    soft = params.get("sigma_px", soft)
    contrast = params.get("contrast", g.uniform(*DP_CONTRAST))
    return n, pitch, radius, soft, contrast


def _dotpeen(g, shape, lay, pose, params):
    """A stray dot-peen Data Matrix: the change ``-contrast x`` :func:`matrix_change` of
    :func:`matrix_modules` (modules a side in :data:`DP_MODULES`; ``pitch_px`` in
    :data:`DP_PITCH`, or ``length_px`` / modules; ``radius_px`` in :data:`DP_RADIUS` x the
    pitch; ``sigma_px``, the edge's softness, in :data:`DP_SOFT`; ``angle_deg`` its rows',
    any; ``contrast`` in :data:`DP_CONTRAST`, dark, bright if negative), centred on the
    symbol.  Its mask where the change is at least a quarter of its peak.  Drawn on a box
    around it."""
    n, pitch, radius, soft, contrast = _dotpeen_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    on = matrix_modules(g, n)
    side = n * pitch
    reach = float(np.sqrt(0.5) * side + 3.0 * soft + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * matrix_change(t, a, on, pitch, radius,
                                                                   soft))
    spec = ("dotpeen", (float(c[0]), float(c[1])), float(side), float(angle), float(contrast),
            {"length_px": float(side), "pitch_px": float(pitch), "radius_px": float(radius),
             "sigma_px": float(soft), "modules": n})
    return delta, None, spec, None
