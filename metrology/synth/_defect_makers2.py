"""More defect makers of :mod:`metrology.synth.defects` (private: split off to keep
:mod:`metrology.synth._defect_makers` within its size limit; reached through its
``draw_defect``, which takes :data:`MORE_MAKERS` as its own).

Each maker has the signature and return value of those in ``_defect_makers``:
``_kind(g, shape, lay, pose, params) -> (delta, flatten, spec_fields, footprint)``.

``crazing``  a patch (radius 8-20 px, irregular outline) of a network of fine connected cracks:
             thin dark lines along the edges of small polygonal cells 3-7 px across, fading
             out towards the patch's border, faint (10-22 gray levels, as a hairline).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from ._defect_makers import box_around, pick_center


def _crazing(g, shape, lay, pose, params):
    """Crazing: cells from a jittered grid of seeds (spacing ``cell`` 3-7 px, each seed moved
    by up to 0.45 of it) around the patch's centre; a crack pixel is one nearly as close to
    its second-nearest seed as to its nearest (half the difference, the distance to the cell
    edge, seen through a Gaussian of sigma 0.45 px: lines about 1 px wide, all connected as
    the cells' edges are).  The patch: radius ``R`` 8-20 px, its outline wavering by a smooth
    noise (sigma ``R / 3``; 0.3 ``R`` per unit, at most 0.35 ``R``), the cracks at full
    strength 0.4 ``R`` inside the outline and fading (smoothstep) to nothing at it, each
    line's strength mottled by 20 %;
    darkening 10-22 gray levels at its peak.  Drawn on a box around the patch.  Its mask is
    the patch: every pixel inside its outline (where the fade is above 0)."""
    radius = params.get("radius_px", g.uniform(8.0, 20.0))
    contrast = params.get("contrast", g.uniform(10.0, 22.0))
    cell = float(g.uniform(3.0, 7.0))
    c = pick_center(g, lay, pose, radius + 2)
    h, w = shape
    m = int(np.ceil(1.4 * radius + 3))
    r0, r1, c0, c1 = box_around(c, m, shape)
    sh = (r1 - r0, c1 - c0)
    yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float64)
    k = int(np.ceil((m + 2 * cell) / cell))
    gv, gu = np.mgrid[-k:k + 1, -k:k + 1].astype(np.float64) * cell
    seeds = np.c_[gu.ravel(), gv.ravel()] + g.uniform(-0.45, 0.45, (gu.size, 2)) * cell
    seeds += np.asarray(c, float)
    d, _ = cKDTree(seeds).query(np.c_[xx.ravel(), yy.ravel()], k=2)
    edge = (0.5 * (d[:, 1] - d[:, 0])).reshape(sh)              # distance to the cell edge
    lines = np.exp(-0.5 * (edge / 0.45) ** 2)
    noise = ndimage.gaussian_filter(g.standard_normal(sh), radius / 3.0)
    noise /= max(float(noise.std()), 1e-12)
    rr = np.hypot(xx - c[0], yy - c[1]) / radius
    wave = np.clip(0.3 * noise, -0.35, 0.35)                    # the outline: 0.65-1.35 R
    t = np.clip((1.0 + wave - rr) / 0.4, 0.0, 1.0)             # 1 inside, 0 at the outline
    fade = t * t * (3.0 - 2.0 * t)
    mottle = ndimage.gaussian_filter(g.standard_normal(sh), 1.5)
    mottle = np.clip(1.0 + 0.2 * mottle / max(float(mottle.std()), 1e-12), 0.5, 1.5)
    delta = np.zeros((h, w))
    delta[r0:r1, c0:c1] = -contrast * lines * fade * mottle
    footprint = np.zeros((h, w), bool)
    footprint[r0:r1, c0:c1] = fade > 0.0
    spec = ("crazing", (float(c[0]), float(c[1])), float(radius), 0.0, -float(contrast),
            {"radius_px": float(radius), "cell_px": cell})
    return delta, None, spec, footprint


#: kinds of this module by name (``_defect_makers.draw_defect``)
MORE_MAKERS = {"crazing": _crazing}
