"""Further defect makers of :mod:`metrology.synth.defects` (private: a new module for held-out
59's shape; gathered into :mod:`metrology.synth._defect_makers2`'s ``MORE_MAKERS``, which
``_defect_makers.draw_defect`` takes as its own).

Each maker has the signature and return value of those in ``_defect_makers``:

``nodule``   a plating nodule: where a particle in the bath (a speck of anode sludge, dust or
             a burr's chip) landed on the part and the plate grew round it: a small raised
             knobby dome (3-9 px across, its outline lumpy by 0.1 of its radius, harmonics of
             orders 2-4), steep, shaded by its slope to a light at any azimuth (``light_deg``):
             bright on the side facing the light, dark on the other, the two about equal; a
             thin dark ring at its foot all round (the crevice where the nodule meets the
             plate, 0.3-0.5 of the contrast, sigma 0.45 px); 16-32 gray levels, the shading's
             sides swapped and the ring bright if the contrast is negative.  Unlike ``dent``
             (a smooth round depression or bump, large and soft, no ring), ``blister`` (a
             larger smooth dome, 6-14 px, its ring faint and not always there), ``spatter``
             (a cluster of 3-8 droplets with their dark halos), ``spot`` (a flat dark or
             bright blot, no relief) and ``inclusion`` (a dark irregular polygon with a faint
             bright halo): one tiny knobby dome, half bright and half dark, girdled by a thin
             dark ring.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._defect_makers4 import drawn_length
from ._defect_makers16 import chord_change

#: the nodule: its size across (px), its outline's lumpiness (x the radius) and harmonics'
#: orders, the ring's level (x the contrast), gap past the foot (px) and sigma (px), the
#: contrast (gray levels); the least size a caller may give (px)
ND_SIZE, ND_LUMP, ND_ORDERS = (3.0, 9.0), 0.1, (2, 3, 4)
ND_RING, ND_RING_GAP, ND_RING_SIGMA, ND_CONTRAST = (0.3, 0.5), 0.3, 0.45, (16.0, 32.0)
ND_SIZE_GIVEN = 3.0
#: the dome's steepest slope over its radius ((1 - rho^2)^2's at rho = 1 / sqrt 3)
_STEEPEST = 8.0 / (3.0 * np.sqrt(3.0))


def lumps(g):
    """The outline's lumps drawn from a generator of their own (one draw of ``g``, so the
    draws after it do not depend on what a caller gives): per order of :data:`ND_ORDERS`
    an amplitude (scaled so their sum is at most 1) and a phase."""
    own = np.random.default_rng(int(g.integers(2 ** 32)))
    amp = own.uniform(0.5, 1.0, len(ND_ORDERS))
    return np.stack([amp / amp.sum(), own.uniform(0.0, 2.0 * np.pi, len(ND_ORDERS))], -1)


def nodule_height(t, a, radius, rows):
    """The dome's height (1 at the top, 0 at and past its foot) at ``t``, ``a`` (px from its
    centre): ``(1 - rho^2)^2`` with ``rho`` the distance over the foot's radius ``radius``
    x (1 + :data:`ND_LUMP` x the lumps' sum of cosines of ``rows`` at the direction)."""
    phi, rr = np.arctan2(a, t), np.hypot(t, a)
    foot = radius * (1.0 + ND_LUMP * sum(amp * np.cos(k * phi + ph)
                                         for k, (amp, ph) in zip(ND_ORDERS, rows)))
    rho2 = np.minimum((rr / foot) ** 2, 1.0)
    return (1.0 - rho2) ** 2, rr - foot


def nodule_change(t, a, radius, rows, ring):
    """The nodule's brightening (peaks about +-1; the ring below 0) at ``t``, ``a`` (px
    from its centre, the light towards ``+t``): the dome's slope down towards the light
    (the height's difference over 1 px along ``t``, over its steepest for ``radius``):
    positive on the side facing the light, negative on the other; less ``ring`` x a
    Gaussian of :data:`ND_RING_SIGMA` px :data:`ND_RING_GAP` px past the foot."""
    t, a = np.asarray(t, float), np.asarray(a, float)
    up, _ = nodule_height(t - 0.5, a, radius, rows)
    down, past = nodule_height(t + 0.5, a, radius, rows)
    shade = (up - down) * radius / _STEEPEST
    return shade - ring * np.exp(-0.5 * ((past - ND_RING_GAP) / ND_RING_SIGMA) ** 2)


def _nodule_params(g, shape, lay, params):
    """The nodule's size, its lumps (:func:`lumps`), the ring's level, the light's azimuth
    and the contrast, drawn or given: a drawn size larger than the region it is pasted on
    has room for (``"free"``) is drawn smaller; a ``length_px`` (the size across) given
    under :data:`ND_SIZE_GIVEN` px is refused (:class:`~metrology.errors.InputError`;
    ``radius_px`` and ``width_px`` are not read)."""
    size = drawn_length(g, shape, params, ND_SIZE)
    if not size >= ND_SIZE_GIVEN:
        raise InputError(f"defect_params: nodule's length_px ({size:g}) must be at least "
                         f"{ND_SIZE_GIVEN:g} px: a smaller one is a speck, no dome")
    rows = lumps(g)
    ring = g.uniform(*ND_RING)
    light = params.get("light_deg", g.uniform(0.0, 360.0))
    contrast = params.get("contrast", g.uniform(*ND_CONTRAST))
    if "free" in lay and "length_px" not in params:  # pasted: what the region has room for
        size = min(size, max(ND_SIZE[0], (float(np.max(lay["free"])) - 6.0) / 0.6))
    return size, rows, ring, light, contrast


def _nodule(g, shape, lay, pose, params):
    """A plating nodule: the change ``contrast x`` :func:`nodule_change` (``length_px``,
    the size across, in :data:`ND_SIZE`, cut to 0.15-0.3 x the image's smaller side; the
    light at ``light_deg``, any; the ring :data:`ND_RING`; ``contrast`` in
    :data:`ND_CONTRAST`), centred on the dome.  Its mask where the change's size is at
    least a quarter of its peak.  Drawn on a box around it."""
    size, rows, ring, light, contrast = _nodule_params(g, shape, lay, params)
    radius = 0.5 * size
    reach = float(radius * (1.0 + ND_LUMP) + ND_RING_GAP + 3.0 * ND_RING_SIGMA + 1.0)
    delta, c = chord_change(g, shape, lay, pose, reach, light,
                            lambda t, a: contrast * nodule_change(t, a, radius, rows, ring))
    spec = ("nodule", (float(c[0]), float(c[1])), float(size), float(light),
            float(contrast), {"length_px": float(size), "light_deg": float(light),
                              "ring": float(ring)})
    return delta, None, spec, None
