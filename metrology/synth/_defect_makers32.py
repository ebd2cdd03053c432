"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
55's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``scalepocket`` a rolled-in scale pocket: where a piece of mill scale (or forge scale) was
             pressed into the hot face by a roll or a die and later fell out or was blasted
             out, an irregular dark pocket (5-14 px across, its outline a lobed blob: a circle
             bent by two to four smooth lobes, 0.08-0.18 of the radius each) with a mottled
             interior (the scale left in it: random short waves of 2.5-4 px, 0.25-0.45 of the
             depth, lightening the floor in patches), a thin bright rim on its downhill side
             (the leading side, where the rolled metal lapped over the scale and its edge
             catches the light: a Gaussian line of sigma 0.5 px about 1 px outside the
             outline, 0.2-0.4 of the contrast, on the half facing away from the tail), and a
             short tail smeared behind it in the rolling direction (fading over 0.6-1.2 x its
             size beyond the pocket's mean radius, half its width at the pocket, narrowing to
             a third, 0.6 of the pocket's depth where it starts); 14-30 gray levels
             dark, bright if the contrast is negative.  Unlike ``spot`` (a smooth elliptical
             blob, even inside), ``pits`` (a cluster of small round dots), ``inclusion`` (a
             small dark polygon with a faint halo all round), ``spallpit`` (a jagged polygonal
             crater, its floor deepest in the middle, a broken rim on a side the light picks),
             ``stain`` (a large soft thresholded field) and ``comet`` (a small round pit with
             fine streaks converging behind it): a lobed, mottled pocket with one whole rim on
             its leading side and one broad smear behind it.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the pocket: its size across (px), the lobes' count and each one's depth (x the radius),
#: the edge's sigma (px); the mottle: its waves' count, wavelength (px) and weight (x the
#: depth); the rim: its gap past the outline (px), sigma (px) and brightness (x the
#: contrast); the tail: its length (x the size) and half width at the pocket (x the radius),
#: its depth where it starts (x the pocket's); the contrast (gray levels)
SK_SIZE, SK_LOBES, SK_LOBE, SK_EDGE = (5.0, 14.0), (2, 4), (0.08, 0.18), 0.45
SK_WAVES, SK_WAVE, SK_MOTTLE = 7, (2.5, 4.0), (0.25, 0.45)
SK_GAP, SK_RIM_SIGMA, SK_RIM = 1.0, 0.5, (0.2, 0.4)
SK_TAIL, SK_TAIL_WIDTH, SK_TAIL_DEPTH = (0.6, 1.2), 0.5, 0.6
SK_CONTRAST = (14.0, 30.0)


def pocket_radius(phi, radius, lobes):
    """The pocket's outline's radius (px) along the directions ``phi`` (radians): ``radius``
    x (1 + the sum of ``lobes``' cosines), ``lobes`` rows of (order, depth, phase)."""
    r = np.ones(np.shape(phi))
    for k, depth, phase in lobes:
        r = r + depth * np.cos(k * phi + phase)
    return radius * r


def pocket_change(t, a, radius, lobes, waves, mottle, rim, tail):
    """The scale pocket's darkening (peak about 1; its rim below 0) at ``t``, ``a`` (px from
    its centre, ``t`` along the rolling direction, the tail towards ``+t``): the floor inside
    :func:`pocket_radius`'s outline (its edge an error function of :data:`SK_EDGE` px of the
    radial distance), 1 less ``mottle`` x the ``waves`` (rows of x and y wave numbers,
    radians a px, and a phase; their cosines' sum over its spread, lifted to 0-1 by half of
    it and clipped there); the tail behind it, a
    Gaussian across of half width :data:`SK_TAIL_WIDTH` x the radius narrowing to a third at
    its end, from the centre on (``t > 0``), :data:`SK_TAIL_DEPTH` deep up to the radius
    and fading linearly to 0 over ``tail`` px beyond (the larger of floor and tail);
    the rim ``rim`` bright, a Gaussian of :data:`SK_RIM_SIGMA` px :data:`SK_GAP` px outside
    the outline, on the leading half (``t < 0``: its cosine's weight, squared)."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    phi, rr = np.arctan2(a, t), np.hypot(t, a)
    d = rr - pocket_radius(phi, radius, lobes)
    inside = 0.5 * special.erfc(d / (np.sqrt(2.0) * SK_EDGE))
    wave = np.zeros(np.broadcast(t, a).shape)
    for kx, ky, phase in waves:
        wave = wave + np.cos(kx * t + ky * a + phase)
    patches = np.clip(0.5 + 0.5 * wave / np.sqrt(0.5 * max(len(waves), 1)), 0.0, 1.0)
    floor = inside * (1.0 - mottle * patches)
    along = np.clip((t - radius) / max(tail, 1e-9), 0.0, 1.0)
    half = SK_TAIL_WIDTH * radius * (1.0 - 2.0 / 3.0 * along)
    smear = SK_TAIL_DEPTH * (1.0 - along) * np.exp(-0.5 * (a / half) ** 2) * (t > 0.0)
    lead = np.clip(-np.cos(phi), 0.0, None) ** 2
    lip = rim * lead * np.exp(-0.5 * ((d - SK_GAP) / SK_RIM_SIGMA) ** 2) * (d > 0.0)
    return np.maximum(floor, smear) - lip


def _scalepocket_params(g, shape, lay, params):
    """The pocket's size, lobes, mottle's waves and weight, the rim, the tail's length and
    the contrast, drawn or given: a drawn size larger than the region it is pasted on has
    room for (``"free"``) is drawn smaller; a ``length_px`` (the size across) given under 5
    px is refused (``drawn_length``'s :class:`~metrology.errors.InputError`; ``radius_px``
    and ``width_px`` are not read)."""
    size = drawn_length(g, shape, params, SK_SIZE, "scalepocket",
                        "a smaller pocket is a pit, no lobes or mottle")
    n = int(g.integers(SK_LOBES[0], SK_LOBES[1] + 1))
    lobes = np.stack([np.arange(2, 2 + n, dtype=float), g.uniform(*SK_LOBE, n),
                      g.uniform(0.0, 2.0 * np.pi, n)], axis=1)
    k = 2.0 * np.pi / g.uniform(*SK_WAVE, SK_WAVES)
    turn = g.uniform(0.0, 2.0 * np.pi, SK_WAVES)
    waves = np.stack([k * np.cos(turn), k * np.sin(turn), g.uniform(0.0, 2.0 * np.pi,
                                                                    SK_WAVES)], axis=1)
    mottle, rim, tail = g.uniform(*SK_MOTTLE), g.uniform(*SK_RIM), g.uniform(*SK_TAIL)
    contrast = params.get("contrast", g.uniform(*SK_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        size = min(size, max(5.0, (float(np.max(lay["free"])) - 6.0) /
                                  max(0.9, 0.5 + tail)))
    return size, lobes, waves, mottle, rim, tail * size, contrast


def _scalepocket(g, shape, lay, pose, params):
    """A rolled-in scale pocket: the change ``-contrast x`` :func:`pocket_change`
    (``length_px``, the size across, in :data:`SK_SIZE`, cut to 0.15-0.3 x the image's
    smaller side; :data:`SK_LOBES` lobes of :data:`SK_LOBE`; the mottle's weight
    :data:`SK_MOTTLE`; the rim :data:`SK_RIM`; the tail :data:`SK_TAIL` x the size;
    ``angle_deg`` the rolling direction, the tail's way, any; ``contrast`` in
    :data:`SK_CONTRAST`: dark, bright if negative), centred on the pocket.  Its mask where
    the change's size is at least a quarter of its peak.  Drawn on a box around it."""
    size, lobes, waves, mottle, rim, tail, contrast = _scalepocket_params(g, shape, lay, params)
    angle = params.get("angle_deg", g.uniform(0.0, 360.0))
    radius = 0.5 * size
    reach = float(max(radius * (1.0 + lobes[:, 1].sum()) + SK_GAP + 3.0 * SK_RIM_SIGMA,
                      radius + tail) + 2.0 * SK_EDGE + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, angle,
                            lambda t, a: -contrast * pocket_change(t, a, radius, lobes, waves,
                                                                   mottle, rim, tail))
    spec = ("scalepocket", (float(c[0]), float(c[1])), float(size), float(angle),
            float(contrast), {"length_px": float(size), "lobes": len(lobes),
                              "mottle": float(mottle), "rim": float(rim),
                              "tail_px": float(tail)})
    return delta, None, spec, None
