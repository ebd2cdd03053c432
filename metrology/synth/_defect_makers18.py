"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
40's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``treeing``  an electrical tree (tracking): where a discharge crossed a coated or insulating
             face (an anodised or a powder-coated part near a live terminal, an insulating
             washer, a bushing's face), it carbonises a dark track that branches as it grows
             from the point where it started: a trunk from that point forking into two
             branches, each forking again, for four generations (fifteen branches, eight
             tips), each fork opening 20-40 degrees either side of its parent's line (each
             branch jittered by up to 10 degrees and its length by 20 %), each generation
             0.72 as long and 0.8 as wide (the trunk's sigma 0.55-0.85 px), the whole
             10-28 px from its root to its farthest reach along its line; 18-34 gray levels
             dark, bright if the contrast is negative.  Unlike ``crack`` (one jagged line),
             ``starcrack`` (straight cracks from one point, as many near it as far out),
             ``shrinkage`` (a comb of side arms on one stem) and ``crazing`` (cracks closed
             into cells), its branches double at each fork: the farther from its root, the
             more branches a line across it meets.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change, fern_change

#: the tree: its reach (px), the trunk's sigma (px), the forks' half angle (degrees), the
#: generations, each one's length and sigma (x its parent's), the branches' jitter (degrees
#: and x the length) and the contrast (gray levels)
TR_LENGTH, TR_SIGMA, TR_TURN, TR_GENS = (10.0, 28.0), (0.55, 0.85), (20.0, 40.0), 4
TR_RATIO, TR_THIN, TR_JITTER, TR_STRETCH = 0.72, 0.8, 10.0, 0.2
TR_CONTRAST = (18.0, 34.0)
#: the branches' samples' spacing (px)
TR_STEP = 0.25


def branch_tree(g, length, turn_deg, sigma):
    """Points (k, 3: x, y, sigma) of a tree of :data:`TR_GENS` generations rooted at the
    origin and growing along +x, each branch forking into two at its end, ``turn_deg``
    either side of its line (each jittered by :data:`TR_JITTER` degrees, its length by
    :data:`TR_STRETCH`), each generation :data:`TR_RATIO` as long and :data:`TR_THIN` as wide
    (the trunk's sigma ``sigma``); scaled so that its farthest point lies ``length`` px along
    +x; sampled :data:`TR_STEP` px apart (after the scaling)."""
    starts, heads, pieces = np.zeros((1, 2)), np.zeros(1), []
    for gen in range(TR_GENS):
        n = len(heads)
        seg = TR_RATIO ** gen * (1.0 + g.uniform(-TR_STRETCH, TR_STRETCH, n))
        ends = starts + seg[:, None] * np.stack([np.cos(heads), np.sin(heads)], axis=-1)
        pieces.append((starts, ends, np.full(n, sigma * TR_THIN ** gen)))
        fork = np.deg2rad(turn_deg + g.uniform(-TR_JITTER, TR_JITTER, (n, 2)))
        heads = (heads[:, None] + fork * np.array([1.0, -1.0])).ravel()
        starts = np.repeat(ends, 2, axis=0)
    reach = max(float(np.max(e[:, 0])) for _, e, _ in pieces)
    scale = length / max(reach, 1e-9)
    out = []
    for a, b, s in pieces:
        a, b = a * scale, b * scale
        m = max(int(np.ceil(np.hypot(*(b - a).T).max() / TR_STEP)), 1) + 1
        f = np.linspace(0.0, 1.0, m)[None, :, None]
        p = a[:, None, :] + f * (b - a)[:, None, :]
        out.append(np.concatenate([p.reshape(-1, 2), np.repeat(s, m)[:, None]], axis=-1))
    return np.concatenate(out)


def _treeing_params(g, shape, params):
    """The tree's reach, the forks' half angle, the trunk's sigma and the contrast, drawn or
    given: a ``turn_deg`` given off 5-75 degrees (the branches along their parent or turned
    back) is refused; a sigma over 0.08 x the reach is cut to that."""
    length = drawn_length(g, shape, params, TR_LENGTH, "treeing",
                          "a shorter one is a spot, no tree")
    turn = params.get("turn_deg", g.uniform(*TR_TURN))
    if not 5.0 <= turn <= 75.0:
        raise InputError(f"defect_params: treeing's turn_deg ({turn:g}), the forks' half "
                         f"angle, must be 5-75 degrees")
    sigma = min(params.get("sigma_px", g.uniform(*TR_SIGMA)), 0.08 * length)
    contrast = params.get("contrast", g.uniform(*TR_CONTRAST))
    return length, turn, sigma, contrast


def _treeing(g, shape, lay, pose, params):
    """An electrical tree: the change ``-contrast x``
    :func:`~metrology.synth._defect_makers16.fern_change` of :func:`branch_tree`
    (``length_px`` its reach, in :data:`TR_LENGTH`, cut to 0.15-0.3 x the image's smaller
    side; ``turn_deg`` the forks' half angle, in :data:`TR_TURN`; ``sigma_px`` the trunk's,
    in :data:`TR_SIGMA`; ``angle_deg`` its line's, any, from its root; ``contrast`` in
    :data:`TR_CONTRAST`, dark, bright if negative), centred half its reach from its root.
    Its mask where the change is at least a quarter of its peak.  Drawn on a box around
    it."""
    length, turn, sigma, contrast = _treeing_params(g, shape, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    pts = branch_tree(g, length, turn, sigma)
    pts[:, 0] -= 0.5 * length                         # the centre: half the reach out
    reach = float(np.hypot(pts[:, 0], pts[:, 1]).max()) + 3.0 * sigma + 1.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * fern_change(t, a, pts))
    spec = ("treeing", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "turn_deg": float(turn), "sigma_px": float(sigma)})
    return delta, None, spec, None
