"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
61's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``filiform`` filiform corrosion: under a coat (a paint, a lacquer, a powder coat, a clear
             coat on aluminium or steel), from one break in it (a nick, a pore), corrosion
             creeps out along thin filaments: 3-6 of them from the one point (the origin, a
             small dark pit), setting out evenly round it (each 0.3 rad either way of its
             share of the turn), each meandering (its heading a random walk of 0.25-0.45 rad
             a square-root px) for 0.5-1 of the longest one's length (12-28 px); **each
             filament's track is faintly bright** (the coat lifted over the dry corrosion
             product behind the head: a thin line of sigma 0.45-0.7 px, 0.3-0.5 of the
             contrast) **and ends in a dark head** (the active, wet cell at the filament's
             tip: an oval 1-1.6 px (sigma) across and 1.5 x that along its last heading, the
             full contrast); 18-34 gray levels, the heads bright and the tracks dark if the
             contrast is negative.  Its mask where the change is at least a quarter of its
             peak (the heads, the pit, the tracks' cores).  Unlike ``treeing`` (a dark track
             forking in two at each fork, no heads), ``starcrack`` (straight dark cracks
             from a pit), ``comet`` (one pit with a tail of converging streaks behind it),
             ``pigtail`` (a groove looping on itself) and ``crack`` (one jagged dark line):
             several unbranched meandering bright tracks from one point, each ending in a
             dark head, the darkest places the farthest from where it began.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change, fern_change

#: the filaments: the longest's length (px), how many, each one's length (x the longest's),
#: the headings' jitter (rad either way) and the walk's strength (rad a square-root px);
#: the tracks' sigma (px) and brightness (x the contrast); the heads' sigma across (px) and
#: their length over it; the origin's pit's sigma (px) and depth; the contrast (gray levels)
FF_LENGTH, FF_COUNT, FF_SHARE, FF_JITTER = (12.0, 28.0), (3, 6), (0.5, 1.0), 0.3
FF_WANDER, FF_SIGMA, FF_TRACK = (0.25, 0.45), (0.45, 0.7), (0.3, 0.5)
FF_HEAD, FF_HEAD_ASPECT, FF_PIT_SIGMA, FF_PIT = (1.0, 1.6), 1.5, 1.0, 0.6
FF_CONTRAST = (18.0, 34.0)
#: the heads' sigma a given radius_px is cut to (px)
FF_HEAD_CUT = (0.5, 4.0)
#: the filaments' samples' spacing (px)
FF_STEP = 0.25


def filaments(g, length):
    """The filaments' paths, drawn from a generator of their own (one draw of ``g``, so the
    draws after it do not depend on what a caller gives): a list of ``m`` x 2 arrays (px,
    from the origin, :data:`FF_STEP` px apart), the first setting out along +x and the
    longest, ``length`` px long, the others :data:`FF_SHARE` of it, setting out evenly round
    the origin (each :data:`FF_JITTER` rad either way), each heading a random walk of
    :data:`FF_WANDER` (drawn per defect) rad a square-root px; and the walk's strength."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    n = int(own.integers(FF_COUNT[0], FF_COUNT[1] + 1))
    wander = own.uniform(*FF_WANDER)
    starts = 2.0 * np.pi * np.arange(n) / n + own.uniform(-FF_JITTER, FF_JITTER, n)
    starts[0] = 0.0
    shares = np.append(1.0, own.uniform(*FF_SHARE, n - 1))
    paths = []
    for h0, share in zip(starts, shares):
        m = max(int(np.ceil(share * length / FF_STEP)), 1)
        heading = h0 + np.cumsum(own.normal(0.0, wander * np.sqrt(FF_STEP), m))
        steps = FF_STEP * np.stack([np.cos(heading), np.sin(heading)], axis=-1)
        paths.append(np.concatenate([np.zeros((1, 2)), np.cumsum(steps, axis=0)]))
    return paths, float(wander)


def filiform_change(t, a, paths, sigma, track, head):
    """The change (x the contrast: the heads and the pit negative, the tracks positive) at
    ``t``, ``a`` (px from the origin): the tracks (:func:`~metrology.synth._defect_makers16.
    fern_change` of the paths' points, sigma ``sigma``) ``track`` bright where nothing is
    dark, less the darkest of the heads (an oval Gaussian of ``head`` px across and
    :data:`FF_HEAD_ASPECT` x it along each path's last step, at its end) and the origin's pit
    (:data:`FF_PIT` deep, sigma :data:`FF_PIT_SIGMA` px)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    pts = np.concatenate(paths)
    lines = fern_change(t, a, np.concatenate([pts, np.full((len(pts), 1), sigma)], axis=1))
    dark = FF_PIT * np.exp(-0.5 * (t * t + a * a) / FF_PIT_SIGMA ** 2)
    for p in paths:
        (x0, y0), (x1, y1) = p[-2] if len(p) > 1 else p[0], p[-1]
        ang = np.arctan2(y1 - y0, x1 - x0)
        dt, da = t - x1, a - y1
        along = dt * np.cos(ang) + da * np.sin(ang)
        across = -dt * np.sin(ang) + da * np.cos(ang)
        oval = np.exp(-0.5 * ((along / (FF_HEAD_ASPECT * head)) ** 2 + (across / head) ** 2))
        dark = np.maximum(dark, oval)
    return track * lines * (1.0 - dark) - dark


def _filiform_params(g, shape, lay, params):
    """The longest filament's length, the paths (:func:`filaments`) and the walk's
    strength, the tracks' sigma and brightness, the heads' sigma, the first filament's
    heading and the contrast, drawn or given: a drawn length longer than the region it is
    pasted on has room for (``"free"``) is drawn shorter; a ``length_px`` given under 5 px
    is refused (:class:`~metrology.errors.InputError`: a spot, no filaments); a
    ``radius_px`` (the heads' sigma across) given off :data:`FF_HEAD_CUT` is cut to it (under
    it no head stands out of its track, over it a stain), a ``sigma_px`` over half the
    heads' sigma to that; ``width_px`` is not read."""
    length = drawn_length(g, shape, params, FF_LENGTH, "filiform",
                          "a shorter one is a spot, no filaments")
    # a head under 0.5 px does not stand out of its track, one over 4 px is a stain: a
    # radius_px given beyond them is cut to them (an extreme size renders, as every kind's does)
    head = float(np.clip(params.get("radius_px", g.uniform(*FF_HEAD)), *FF_HEAD_CUT))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        room = float(np.max(lay["free"])) - 3.0 * FF_HEAD_ASPECT * head - 3.0
        length = min(length, max(FF_LENGTH[0], room))
    paths, wander = filaments(g, length)
    sigma = min(params.get("sigma_px", g.uniform(*FF_SIGMA)), 0.5 * head)
    track = g.uniform(*FF_TRACK)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(*FF_CONTRAST))
    return length, paths, wander, sigma, track, head, angle, contrast


def _filiform(g, shape, lay, pose, params):
    """Filiform corrosion: the change ``contrast x`` :func:`filiform_change` (``length_px``
    the longest filament's, in :data:`FF_LENGTH`, cut to 0.15-0.3 x the image's smaller
    side; ``radius_px`` the heads' sigma across, in :data:`FF_HEAD`; ``sigma_px`` the
    tracks', in :data:`FF_SIGMA`; ``angle_deg`` the first filament's setting out, any;
    ``contrast`` in :data:`FF_CONTRAST`, the heads dark, bright if negative), centred on the
    origin.  Its mask where the change's size is at least a quarter of its peak.  Drawn on a
    box around it."""
    length, paths, wander, sigma, track, head, angle, contrast = \
        _filiform_params(g, shape, lay, params)
    far = max(float(np.hypot(*p.T).max()) for p in paths)
    reach = far + 3.0 * FF_HEAD_ASPECT * head + 1.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: contrast * filiform_change(t, a, paths, sigma,
                                                                    track, head))
    tips = [(float(p[-1, 0]), float(p[-1, 1])) for p in paths]   # along the chord, across
    spec = ("filiform", (float(c[0]), float(c[1])), float(length), float(angle),
            float(contrast),
            {"length_px": float(length), "sigma_px": float(sigma), "radius_px": float(head),
             "track": float(track), "wander": wander, "filaments": len(paths),
             "lengths_px": [float(FF_STEP * (len(p) - 1)) for p in paths], "tips_ta": tips})
    return delta, None, spec, None
