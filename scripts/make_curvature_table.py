"""Generate the blur-curvature table of :mod:`metrology.caliper.curvature`.

For a disk of radius ``R`` imaged through a Gaussian PSF ``sigma_o`` and square pixels, the
radial profile is computed noise-free and exactly: the optically blurred disk at distance
``rho`` from its centre is ``P(|rho e + sigma_o z| < R)`` for a 2-D standard normal ``z``
(the Rice / noncentral-chi CDF), evaluated as a 1-D integral over the tangential component of
``z``; each sample is then averaged over the 1 x 1 px pixel box around it (Gauss-Legendre on
the square), i.e. the value an ideally interpolated pixel image has there.

The profile model is :func:`metrology.caliper.curvature.blurred_disk`.  The profiles are laid
out as :func:`metrology.caliper.find_circle` lays its ray calipers
(1 px spacing, default ``caliper_length = min(24, r0)``, 6 px of pad reduced where the rays
would pass the centre), and the library's own edge fit
(:func:`metrology.caliper.edges.detect_edges`, ``subpixel="erf"``) locates the edge.  Each
table node averages over 10 nominal radii ``r0 = R + e`` (``e`` uniform in +-0.5 px: the
profile's end points move with the caliper's nominal radius, which for small R changes the fit
window) and over 6 ray directions in [0, 45) degrees (the pixel footprint on the ray).

The edge fit refits with a shading term (step height varying across the window) when a score
test finds one significant; curvature alone makes it significant on clean, high-SNR images.
Both variants are tabulated ("plain": without, "shading": with; where the shading fit has too
few samples, the plain one is used).

Tabulated on a uniform grid of ``u = 1 / R`` (0 .. 1/4.5 px^-1) and ``s = sqrt(sigma_o^2 +
1/12)`` (the total blur of a straight edge, 0.3 .. 3.3 px):

* ``q = -delta * 2 R / s^2``: the edge's inward shift ``delta`` (measured minus true radius)
  relative to the first-order ``s^2 / (2R)``;
* ``h = sigma_fit / s``: the blur the edge fit reports on that curved edge relative to ``s``.

At ``u = 0`` (a straight edge) ``h = 1`` and ``q`` is Richardson-extrapolated from R = 150 and
300 px.  Nodes where the fit fails (only far outside the domain, blur/R > 0.6) are filled
from their neighbours along ``s``.

Run from the repository root (about 5 min on 2 cores); it rewrites the block between the
``BEGIN GENERATED TABLE`` / ``END GENERATED TABLE`` markers of
``metrology/caliper/_curvature_table.py``::

    python scripts/make_curvature_table.py
"""

from __future__ import annotations

import math
import re
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from scipy.special import roots_legendre

import metrology.caliper.erf_fit as erf_fit
from metrology.caliper import EdgeSettings
from metrology.caliper.curvature import blurred_disk
from metrology.caliper.edges import detect_edges

U_MAX = 1.0 / 4.5          # smallest radius: 4.5 px
N_U = 41
S_MIN, S_MAX, N_S = 0.3, 3.3, 31
N_E = 10                   # nominal-radius offsets averaged per node
THETA = np.radians((np.arange(6) + 0.5) * 7.5)
CONTRAST = 100.0
PAD_PX = 6.0               # metrology.caliper.contour.PAD_PX

def _box_nodes(sigma_o: float):
    nb = max(6, int(math.ceil(2.0 / sigma_o)))
    gx, gw = roots_legendre(nb)
    gx, gw = gx / 2.0, gw / 2.0
    return np.repeat(gx, nb), np.tile(gx, nb), np.outer(gw, gw).ravel()


def _layout(r0: float):
    """Offsets and search half-length of find_circle's ray calipers at nominal radius r0
    (metrology.image.profiles.ray_calipers with the default caliper length)."""
    length = min(24.0, r0)
    half = int(math.floor(length / 2.0))
    pad = min(PAD_PX, math.floor(r0 - 1.0) - half)
    pad = int(round(pad)) if pad >= 1 else 0
    return np.arange(-half - pad, half + pad + 1, dtype=np.float64), length / 2.0


def _fit(vals, offs, search_half, dirs, shading: bool):
    saved = erf_fit._SHADING_Z, erf_fit._SHADING_RMS_Z
    erf_fit._SHADING_Z, erf_fit._SHADING_RMS_Z = (-1.0, -1.0) if shading else (np.inf, np.inf)
    try:
        es = detect_edges(vals, offs, edges=EdgeSettings(threshold=1.0, select="strongest"),
                          search_half=search_half, directions=dirs)
    finally:
        erf_fit._SHADING_Z, erf_fit._SHADING_RMS_Z = saved
    if es.count != vals.shape[0]:
        return None
    return es


def node(radius: float, s_total: float, n_e: int = N_E):
    """(delta, sigma_fit) for the plain and the shading fit, averaged over r0 and directions."""
    so = math.sqrt(max(s_total ** 2 - 1.0 / 12.0, 0.0))
    ux, uy, ww = _box_nodes(so)
    dirs = np.stack([np.cos(THETA), np.sin(THETA)], axis=1)
    out = {False: ([], []), True: ([], [])}
    for e in (np.arange(n_e) + 0.5) / n_e - 0.5:
        r0 = radius + e
        offs, sh = _layout(r0)
        r = r0 + offs
        px = r[None, :] * np.cos(THETA)[:, None]
        py = r[None, :] * np.sin(THETA)[:, None]
        rho = np.hypot(px[..., None] + ux, py[..., None] + uy)
        vals = CONTRAST * (blurred_disk(rho, radius, so) * ww).sum(-1)
        plain = _fit(vals, offs, sh, dirs, False)
        if plain is None or not plain.refined.all():
            return (np.nan, np.nan), (np.nan, np.nan)
        shade = _fit(vals, offs, sh, dirs, True)
        if shade is None or not shade.refined.all():
            shade = plain             # too few samples for the shading model
        for mode, es in ((False, plain), (True, shade)):
            out[mode][0].append(e + float(es.position.mean()))
            out[mode][1].append(float(es.blur.mean()))
    return tuple((float(np.mean(out[m][0])), float(np.mean(out[m][1]))) for m in (False, True))


def _fill(a: np.ndarray) -> np.ndarray:
    """Fill NaNs along the s axis (axis 1) from the nearest finite node below."""
    a = a.copy()
    for i in range(a.shape[0]):
        row = a[i]
        ok = np.flatnonzero(np.isfinite(row))
        for j in np.flatnonzero(~np.isfinite(row)):
            row[j] = row[ok[ok < j].max()] if np.any(ok < j) else row[ok.min()]
    return a


def build():
    us = np.linspace(0.0, U_MAX, N_U)
    ss = np.linspace(S_MIN, S_MAX, N_S)
    q = np.full((2, N_U, N_S), np.nan)
    h = np.full((2, N_U, N_S), np.nan)
    t0 = time.perf_counter()
    for j, s in enumerate(ss):
        # straight-edge limit: q = q_inf + O(u^2), Richardson from R = 150, 300
        a = node(150.0, s)
        b = node(300.0, s)
        for m in (0, 1):
            q_a = -a[m][0] * 2 * 150.0 / s ** 2
            q_b = -b[m][0] * 2 * 300.0 / s ** 2
            q[m, 0, j] = (4.0 * q_b - q_a) / 3.0
            h[m, 0, j] = 1.0
        for i, u in enumerate(us[1:], start=1):
            if s * u > 0.9:
                continue
            res = node(1.0 / u, s)
            for m in (0, 1):
                d, sf = res[m]
                q[m, i, j] = -d * 2.0 / (s * s * u)
                h[m, i, j] = sf / s
        print(f"s = {s:.2f} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return us, ss, np.stack([_fill(q[0]), _fill(q[1])]), np.stack([_fill(h[0]), _fill(h[1])])


def _fmt(a: np.ndarray) -> str:
    """Integers ``(value - 1) * 1e5``, row-major, wrapped at 96 columns (the module's
    ``_table`` reads them back)."""
    words = [str(int(round((v - 1.0) * 1e5))) for v in a.ravel()]
    return textwrap.fill(" ".join(words), 96, initial_indent="    ", subsequent_indent="    ")


def write(path: Path, us, ss, q, h) -> None:
    block = (
        "# --- BEGIN GENERATED TABLE (scripts/make_curvature_table.py; do not edit) ---\n"
        f"_U_MAX = 1.0 / 4.5        # u = 1 / R: _N_U nodes on [0, _U_MAX]\n"
        f"_N_U = {N_U}\n"
        f"_S_RANGE = ({S_MIN}, {S_MAX}, {N_S})   # straight-edge total blur: nodes on [min, max]\n"
        "# (u, s) tables, row-major; entries (value - 1) * 1e5\n"
        + "".join(f'_{name}_{mode.upper()} = _table("""\n{_fmt(arr[k])}\n""")\n'
                  for name, arr in (("Q", q), ("H", h))
                  for k, mode in enumerate(("plain", "shading")))
        + "# --- END GENERATED TABLE ---")
    src = path.read_text()
    new, n = re.subn(r"# --- BEGIN GENERATED TABLE.*?# --- END GENERATED TABLE ---",
                     lambda _: block, src, flags=re.S)
    if n != 1:
        raise SystemExit(f"{path}: expected one generated-table block, found {n}")
    path.write_text(new)


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "metrology" / "caliper" / "_curvature_table.py"
    us, ss, q, h = build()
    np.savez("/tmp/curvature_table.npz", us=us, ss=ss, q=q, h=h)
    write(target, us, ss, q, h)
    print(f"wrote {target}", file=sys.stderr)
