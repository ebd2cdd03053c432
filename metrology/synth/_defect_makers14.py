"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
36's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``stringer`` an inclusion stringer opened by machining: a row of small non-metallic
             inclusions (sulphides, oxides) strung out along the rolling direction, which the
             cut laid bare as a dotted line: 4-13 tiny dark round dots (each a Gaussian of
             sigma 0.45-0.8 px, its own x 0.7-1.3) 2.8-4.2 px apart (``pitch_px``, each dot
             within +-0.2 of the pitch of its place and 0.3 px across), along a straight chord
             14-34 px long, the dots fading towards both ends (0.35 as dark at the ends as in
             the middle, each its own 0.6-1.0 of that); 16-30 gray levels at the darkest;
             bright dots if given a negative contrast.  Unlike ``pits`` (a cluster),
             ``rollmark`` (3-5 identical imprints 10-18 px apart), ``halo`` (specks on a ring)
             and ``hairline`` or ``scratch`` (a continuous line), it is a dotted line of
             close, unequal dots.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers import box_around, pick_center
from ._defect_makers4 import drawn_length

#: the stringer: its length (px), the dots' pitch (px), sigma (px), each dot's sigma and
#: depth factors, the pitch's jitter along (x the pitch) and across (px), the fade at the
#: ends (the depth there, x the middle's) and the contrast (gray levels at the darkest)
STR_LENGTH, STR_PITCH, STR_SIGMA = (14.0, 34.0), (2.8, 4.2), (0.45, 0.8)
STR_SIZE, STR_DEPTH, STR_ALONG, STR_ACROSS = (0.7, 1.3), (0.6, 1.0), 0.2, 0.3
STR_FADE, STR_CONTRAST = 0.35, (16.0, 30.0)
#: the most dots drawn (a longer stringer given keeps its pitch; the dots past the image
#: are not drawn)
STR_MAX_DOTS = 400


def stringer_change(xx, yy, dots):
    """The stringer's change (x the contrast; negative: dark) at ``xx``, ``yy`` (px): the
    darkest over the ``dots`` (k, 4: x, y, sigma (px), depth) of the dots' Gaussians, so
    that two dots that touch do not add up."""
    if len(dots) == 0:
        return np.zeros(np.shape(xx))
    dx = xx[..., None] - dots[:, 0]
    dy = yy[..., None] - dots[:, 1]
    bump = dots[:, 3] * np.exp(-0.5 * (dx * dx + dy * dy) / dots[:, 2] ** 2)
    return -bump.max(axis=-1)


def stringer_dots(g, length, pitch, sigma):
    """The dots of a stringer along the x axis from its middle (k, 4: x, y, sigma, depth):
    ``round(length / pitch) + 1`` places ``pitch`` apart (each moved along by up to
    :data:`STR_ALONG` x the pitch and across by up to :data:`STR_ACROSS` px), sigma
    ``sigma`` x :data:`STR_SIZE`, depth :data:`STR_DEPTH` x the fade (1 in the middle,
    :data:`STR_FADE` at the ends, linear).  All draws are taken at the most dots, so that the
    random stream after them does not depend on the size."""
    k = int(min(round(length / pitch) + 1, STR_MAX_DOTS))
    along = g.uniform(-STR_ALONG, STR_ALONG, STR_MAX_DOTS)[:k] * pitch
    across = g.uniform(-STR_ACROSS, STR_ACROSS, STR_MAX_DOTS)[:k]
    size = g.uniform(*STR_SIZE, STR_MAX_DOTS)[:k]
    depth = g.uniform(*STR_DEPTH, STR_MAX_DOTS)[:k]
    x = (np.arange(k) - 0.5 * (k - 1)) * pitch
    fade = 1.0 - (1.0 - STR_FADE) * np.abs(x) / max(0.5 * (k - 1) * pitch, 1e-9)
    return np.stack([x + along, across, sigma * size, depth * fade], axis=-1)


def _stringer_params(g, shape, params):
    """The length, pitch, sigma and contrast, drawn or given: a pitch given under 1.5 px
    (the dots merge into a line), over 5 px (a row of separate pits) or over a third of the
    length (fewer than four dots) refused; a pitch drawn is cut to a third of the length (a
    short stringer on a small image), a sigma over 0.3 x the pitch to that."""
    length = drawn_length(g, shape, params, STR_LENGTH, "stringer",
                          "a shorter row is a cluster of pits")
    pitch = params.get("pitch_px", min(g.uniform(*STR_PITCH), length / 3.0))
    if not 1.5 <= pitch <= 5.0:
        raise InputError(f"defect_params: stringer's pitch_px ({pitch:g}) must be 1.5 to 5 px: "
                         f"closer, the dots merge into a line; farther, they are separate pits")
    if length < 3.0 * pitch:
        raise InputError(f"defect_params: stringer's length_px ({length:g}) must be at least 3 "
                         f"x its pitch_px ({pitch:g}): fewer than four dots are pits")
    sigma = min(params.get("sigma_px", g.uniform(*STR_SIGMA)), 0.3 * pitch)
    contrast = params.get("contrast", g.uniform(*STR_CONTRAST))
    return length, pitch, sigma, contrast


def _stringer(g, shape, lay, pose, params):
    """An inclusion stringer: the change ``contrast x`` :func:`stringer_change` of
    :func:`stringer_dots` (``length_px`` in :data:`STR_LENGTH`, cut to 0.15-0.3 x the
    image's smaller side; ``pitch_px`` in :data:`STR_PITCH`; ``sigma_px`` in
    :data:`STR_SIGMA`; ``angle_deg`` the chord's, any; ``contrast`` in :data:`STR_CONTRAST`,
    dark, bright if negative).  Its mask where the change is at least a quarter of its peak.
    Drawn on a box around it."""
    length, pitch, sigma, contrast = _stringer_params(g, shape, params)
    dots = stringer_dots(g, length, pitch, sigma)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    half = float(np.abs(dots[:, 0]).max()) if len(dots) else 0.0
    reach = half + STR_ACROSS + 3.0 * float(dots[:, 2].max())
    c = pick_center(g, lay, pose, reach + 1.0)
    r0, r1, c0, c1 = box_around(c, int(np.ceil(min(reach, 4.0 * max(shape)) + 1.0)), shape)
    a = np.deg2rad(angle)
    ca, sa = np.cos(a), np.sin(a)
    px = c[0] + dots[:, 0] * ca - dots[:, 1] * sa
    py = c[1] + dots[:, 0] * sa + dots[:, 1] * ca
    near = ((px > c0 - 4 * dots[:, 2]) & (px < c1 + 4 * dots[:, 2])
            & (py > r0 - 4 * dots[:, 2]) & (py < r1 + 4 * dots[:, 2]))
    placed = np.stack([px, py, dots[:, 2], dots[:, 3]], axis=-1)[near]
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    h, w = shape
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = contrast * stringer_change(xx, yy, placed)
    spec = ("stringer", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "pitch_px": float(pitch), "sigma_px": float(sigma),
             "dots": float(len(dots))})
    return delta, None, spec, None
