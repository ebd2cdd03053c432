"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
62's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``spiderweb`` a spider-web (bull's-eye) impact crack in a brittle coat (a gel coat, a
             ceramic or a vitreous enamel, a hard paint, a moulded thermoset): a blow on one
             point crushes it (a small dark pit) and cracks the coat **radially**, 5-8
             straight cracks set out evenly round it (each 0.25 of its share of the turn
             either way), the longest the web's radius (8-20 px), the others 0.6-1 of it, each
             wavering a little (0.15 px a square-root px across it); the bending round the
             point then cracks it **round** too: 1-3 rings of straight chords, each chord
             joining two neighbouring radial cracks at about the ring's radius (the rings
             evenly between 0.3 and 0.85 of the radius, each chord's ends 0.1 of the radius
             either way of it), 0.75 of the chords there (the web broken in places), none
             past a radial crack's end: a polygonal web (:func:`web_cracks`).  The cracks
             are thin dark lines (sigma 0.45-0.7 px), the radial ones the full contrast,
             the chords 0.55-0.8 of it, the pit 1 px (sigma) at the full contrast, the coat
             whitened faintly within the first ring (0.1-0.2 of the contrast, bright, fading
             out over the first ring's radius); 20-40 gray levels, the cracks bright if the
             contrast is negative.  Its mask where the change is at least a quarter of its
             peak (the cracks' cores and the pit).  Unlike ``starcrack`` (radial cracks
             alone), ``ringcrack`` (one open arc), ``crazing`` (a random net of cells, no
             centre) and ``treeing`` (a track forking in two, four times): radial cracks
             from one point tied together by rings of straight chords, the cells of the web
             growing towards its rim.
"""

from __future__ import annotations

import numpy as np

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change, fern_change

#: the web: its radius (the longest radial crack, px), the radial cracks' count, each one's
#: length (x the longest), the headings' jitter (x a share of the turn) and their waver
#: across (px a square-root px); the rings: how many, where (x the radius, the first and
#: the last), each chord end's spread (x the radius) and the chance a chord is there
SW_LENGTH, SW_COUNT, SW_SHARE, SW_JITTER, SW_WAVER = (8.0, 20.0), (5, 8), (0.6, 1.0), 0.25, 0.15
SW_RINGS, SW_RING_AT, SW_RING_SPREAD, SW_KEEP = (1, 3), (0.3, 0.85), 0.1, 0.75
#: the cracks' sigma (px), the chords' depth (x the radial cracks'), the pit's sigma (px),
#: the whitening's strength (x the contrast, bright) and the contrast (gray levels)
SW_SIGMA, SW_CHORD, SW_PIT, SW_WHITE, SW_CONTRAST = (0.45, 0.7), (0.55, 0.8), 1.0, (0.1, 0.2), \
    (20.0, 40.0)
#: the cracks' sigma a given sigma_px is cut to (px); the samples' spacing along them (px)
SW_SIGMA_CUT, SW_STEP = (0.3, 1.5), 0.25


def _line(a, b, own, waver):
    """Points (m x 2, :data:`SW_STEP` px apart) from ``a`` to ``b``, wavering across the
    line by a random walk of ``waver`` px a square-root px pinned at both ends."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(int(np.ceil(np.hypot(*(b - a)) / SW_STEP)), 1)
    f = np.linspace(0.0, 1.0, n + 1)[:, None]
    walk = np.concatenate([[0.0], np.cumsum(own.normal(0.0, waver * np.sqrt(SW_STEP), n))])
    walk -= f[:, 0] * walk[-1]                                         # pinned at b
    d = (b - a) / max(np.hypot(*(b - a)), 1e-12)
    return a + f * (b - a) + walk[:, None] * np.array([-d[1], d[0]])


def web_cracks(g, radius):
    """The web, drawn from a generator of its own (one draw of ``g``): the radial cracks'
    and the chords' points (two arrays, m x 2, px about the pit, the first radial crack
    along +x and the longest, ``radius`` px long), their headings (radians), lengths (px)
    and the rings' radii (px), and the chords as ``(ring, crack)`` pairs (the chord from
    that crack to the next)."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    n = int(own.integers(SW_COUNT[0], SW_COUNT[1] + 1))
    heads = 2.0 * np.pi * (np.arange(n) + own.uniform(-SW_JITTER, SW_JITTER, n)) / n
    heads[0] = 0.0
    lengths = radius * np.append(1.0, own.uniform(*SW_SHARE, n - 1))
    m = int(own.integers(SW_RINGS[0], SW_RINGS[1] + 1))
    lo, hi = SW_RING_AT
    rings = radius * (lo + (hi - lo) * (np.arange(m) + 0.5) / m) if m > 1 else \
        np.array([radius * 0.5 * (lo + hi)])
    ends = np.stack([lengths * np.cos(heads), lengths * np.sin(heads)], axis=-1)
    radial = [_line((0.0, 0.0), e, own, SW_WAVER) for e in ends]
    chords, pairs = [], []
    for j, rho in enumerate(rings):
        at = rho + SW_RING_SPREAD * radius * own.uniform(-1.0, 1.0, (n, 2))
        keep = own.random(n) < SW_KEEP
        for i in range(n):
            k = (i + 1) % n
            if keep[i] and at[i, 0] <= lengths[i] and at[i, 1] <= lengths[k]:
                a = at[i, 0] * np.array([np.cos(heads[i]), np.sin(heads[i])])
                b = at[i, 1] * np.array([np.cos(heads[k]), np.sin(heads[k])])
                chords.append(_line(a, b, own, 0.5 * SW_WAVER))
                pairs.append((j, i))
    chord_pts = np.concatenate(chords) if chords else np.zeros((0, 2))
    return np.concatenate(radial), chord_pts, heads, lengths, rings, pairs


def web_change(t, a, radial, chords, sigma, chord, white, first):
    """The change (x the contrast: the cracks and the pit negative, the whitening positive)
    at ``t``, ``a`` (px from the pit): the darkest of the radial cracks (depth 1), the
    chords (``chord``: :func:`~metrology.synth._defect_makers16.fern_change` of their points,
    sigma ``sigma``) and the pit (sigma :data:`SW_PIT` px), over a whitening ``white``
    bright at the pit, fading as a Gaussian of sigma ``first`` / 2 (the first ring's
    radius), where nothing is dark."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    r2 = t * t + a * a
    dark = np.maximum(np.exp(-0.5 * r2 / SW_PIT ** 2),
                      fern_change(t, a, np.c_[radial, np.full(len(radial), sigma)]))
    if len(chords):
        dark = np.maximum(dark, chord * fern_change(t, a, np.c_[chords,
                                                               np.full(len(chords), sigma)]))
    return white * np.exp(-2.0 * r2 / first ** 2) * (1.0 - dark) - dark


def _spiderweb_params(g, shape, lay, params):
    """The web's radius and cracks (:func:`web_cracks`), the cracks' sigma, the chords'
    depth, the whitening, the first crack's heading and the contrast, drawn or given: a
    drawn radius larger than the region it is pasted on has room for (``"free"``) is drawn
    smaller; a ``length_px`` (the radius) given under 5 px is refused
    (:class:`~metrology.errors.InputError`: a crushed pit, no web); a ``sigma_px`` given off
    :data:`SW_SIGMA_CUT` is cut to it (under it no crack shows, over it a smudge);
    ``radius_px`` and ``width_px`` are not read."""
    radius = drawn_length(g, shape, params, SW_LENGTH, "spiderweb",
                          "a smaller one is a crushed pit, no web")
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        radius = min(radius, max(SW_LENGTH[0], float(np.max(lay["free"])) - 4.0))
    web = web_cracks(g, radius)
    sigma = float(np.clip(params.get("sigma_px", g.uniform(*SW_SIGMA)), *SW_SIGMA_CUT))
    chord, white = g.uniform(*SW_CHORD), g.uniform(*SW_WHITE)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(*SW_CONTRAST))
    return radius, web, sigma, chord, white, angle, contrast


def _spiderweb(g, shape, lay, pose, params):
    """A spider-web impact crack: the change ``contrast x`` :func:`web_change`
    (``length_px`` the web's radius, in :data:`SW_LENGTH`, cut to 0.15-0.3 x the image's
    smaller side; ``sigma_px`` the cracks', in :data:`SW_SIGMA`; ``angle_deg`` the first
    radial crack's heading, any; ``contrast`` in :data:`SW_CONTRAST`, the cracks dark,
    bright if negative), centred on the pit.  Its mask where the change's size is at least
    a quarter of its peak.  Drawn on a box around it."""
    radius, web, sigma, chord, white, angle, contrast = _spiderweb_params(g, shape, lay, params)
    radial, chords, heads, lengths, rings, pairs = web
    reach = radius + 3.0 * sigma + 2.0
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: contrast * web_change(t, a, radial, chords, sigma,
                                                               chord, white, rings[0]))
    spec = ("spiderweb", (float(c[0]), float(c[1])), float(radius), float(angle),
            float(contrast),
            {"length_px": float(radius), "sigma_px": sigma, "chord": float(chord),
             "white": float(white), "cracks": len(heads), "rings": len(rings),
             "chords": len(pairs), "headings_deg": [float(np.rad2deg(h)) for h in heads],
             "lengths_px": [float(x) for x in lengths],
             "rings_px": [float(x) for x in rings]})
    return delta, None, spec, None
