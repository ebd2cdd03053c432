"""Edge bias of the erf fit under a multiplicative illumination ramp, and what removing the
ramp edge by edge costs.

Ground truth: a straight edge (``metrology.synth`` HalfPlane, supersample 16, levels 60 / 180,
Gaussian optics ``--psf`` px) at 8 sub-pixel placements, multiplied by the gain
``1 + g (x - x_edge)`` along the profile (light falling off across the part), Gaussian noise
``--noise`` and 8-bit rounding; ``--reps`` noisy copies of each.  Edges by ``detect_edges``
(select "strongest", the erf fit).  The same noise is used at every ``g``: the bias of a ramp
is read against ``g = 0`` (paired), the spread against the truth.

"per-edge ramp" divides each profile by ``1 + g_e (x - t_e)`` before the fit, ``g_e`` the
least-squares ratio of the two plateau slopes to their levels (lines fitted to the window
``t_e +- (6 s_e + 5)`` outside ``+-(3 s_e + 1)``, from a first plain fit): the multiplicative
model ``(b + A P)(1 + g u)`` with ``g`` taken from the plateaus of the edge's own window.

Usage::

    python scripts/edge_ramp_bias.py [--psf 1.0 2.0] [--reps 500]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from metrology.caliper.edges import detect_edges  # noqa: E402
from metrology.caliper.settings import EdgeSettings  # noqa: E402
from metrology.synth.shapes import HalfPlane, render_shapes  # noqa: E402

WIDTH = 120
RAMPS = (2.2e-4, 1e-3, -1e-3, 3e-3)


def clean_rows(psf: float, x0s: np.ndarray) -> np.ndarray:
    """One noise-free row (WIDTH,) per edge position, (len(x0s), WIDTH)."""
    return np.stack([render_shapes([(HalfPlane((float(x0), 4.0), 0.0), 120.0)], (8, WIDTH),
                                   background=60.0, psf_sigma_px=psf, supersample=16)[4]
                     for x0 in x0s])


def plateau_ramp(x: np.ndarray, y: np.ndarray, t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """g (E,): least-squares ratio of the plateau slopes to their levels at ``t``."""
    d = x[None, :] - t[:, None]
    win = np.abs(d) <= (6.0 * s + 5.0)[:, None]
    core = (3.0 * s + 1.0)[:, None]
    num = np.zeros(t.size)
    den = np.zeros(t.size)
    for side in (d <= -core, d >= core):
        m = (win & side).astype(float)
        n, sx, sy = m.sum(1), (m * d).sum(1), (m * y).sum(1)
        sxx, sxy = (m * d * d).sum(1), (m * d * y).sum(1)
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        level = (sy - slope * sx) / n
        num += slope * level
        den += level * level
    return num / den


def errors(clean, x0s, g, noise, reps, per_edge, seed=1):
    """Position error of every noisy copy (NaN where no edge), (len(x0s) * reps,)."""
    x = np.arange(float(WIDTH))
    v = np.repeat(clean * (1.0 + g * (x[None, :] - x0s[:, None])), reps, axis=0)
    truth = np.repeat(x0s, reps)
    v = np.round(v + np.random.default_rng(seed).normal(0.0, noise, v.shape))
    settings = EdgeSettings(select="strongest")
    es = detect_edges(v, x, edges=settings)
    if per_edge:
        t = np.full(truth.size, np.nan)
        s = np.full(truth.size, 1.0)
        t[es.profile], s[es.profile] = es.position, es.blur
        ok = np.isfinite(t)
        gg = np.zeros(truth.size)
        gg[ok] = plateau_ramp(x, v[ok], t[ok], s[ok])
        gg = np.where(np.isfinite(gg), gg, 0.0)
        es = detect_edges(v / (1.0 + gg[:, None] * (x[None, :] - np.where(ok, t, 0.0)[:, None])),
                          x, edges=settings)
    e = np.full(truth.size, np.nan)
    e[es.profile] = es.position - truth[es.profile]
    return e


IMG_W, IMG_H = 2 * WIDTH, 128


def clean_images(psf: float, x0s: np.ndarray) -> np.ndarray:
    """One noise-free (IMG_H, IMG_W) image per edge position (the edge at ``x0 + WIDTH / 2``
    in the image), (len(x0s), IMG_H, IMG_W)."""
    return np.stack([render_shapes([(HalfPlane((float(x0) + WIDTH / 2, 4.0), 0.0), 120.0)],
                                   (IMG_H, IMG_W), background=60.0, psf_sigma_px=psf,
                                   supersample=16) for x0 in x0s])


def errors_flat(images, x0s, g, noise, reps, seed=1):
    """As :func:`errors`, the ramp ``1 + g (x - x_edge)`` across whole images, each image's
    gain field estimated from the image (``estimate_illumination``, degree 2) and divided
    out before the fit; profiles are the rows' middle WIDTH samples."""
    from metrology.image._illumination import estimate_illumination

    rng = np.random.default_rng(seed)
    n_img = max(1, reps // IMG_H)
    x = np.arange(float(IMG_W))
    out, gs = [], []
    for img, x0 in zip(images, x0s):
        for _ in range(n_img):
            v = img * (1.0 + g * (x[None, :] - x0 - WIDTH / 2))
            v = np.clip(np.round(v + rng.normal(0.0, noise, v.shape)), 0, 255)
            f = estimate_illumination(v)
            gs.append(f.gradient([[x0 + WIDTH / 2, IMG_H / 2]])[0, 0])
            rows = f.flatten(v)[:, WIDTH // 2: WIDTH // 2 + WIDTH].astype(float)
            es = detect_edges(rows, np.arange(float(WIDTH)), edges=EdgeSettings(
                select="strongest"))
            e = np.full(IMG_H, np.nan)
            e[es.profile] = es.position - x0
            out.append(e)
    return np.concatenate(out), np.array(gs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--psf", type=float, nargs="+", default=[1.0, 2.0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--noise", type=float, default=2.0)
    ap.add_argument("--flat-field", action="store_true",
                    help="instead of the per-edge ramp: the ramp across whole images, "
                    "estimated from each image and divided out (the recipes' "
                    "illumination 'flatten')")
    args = ap.parse_args(argv)
    x0s = 55.0 + np.linspace(0.0, 1.0, 8, endpoint=False)
    for psf in args.psf:
        clean = clean_rows(psf, x0s)
        for per_edge in (False, True):
            if per_edge and args.flat_field:
                break
            e0 = errors(clean, x0s, 0.0, args.noise, args.reps, per_edge)
            line = [f"psf {psf} {'per-edge ramp' if per_edge else 'plain fit    '}: "
                    f"g=0 bias {np.nanmean(e0):+.5f} std {np.nanstd(e0):.4f} px"]
            for g in RAMPS:
                d = errors(clean, x0s, g, args.noise, args.reps, per_edge) - e0
                se = np.nanstd(d) / np.sqrt(np.isfinite(d).sum())
                line.append(f"g {g:+.1e}/px: {np.nanmean(d):+.5f} +- {se:.5f}")
            print(" | ".join(line), flush=True)
        if args.flat_field:
            images = clean_images(psf, x0s)
            e0, g0 = errors_flat(images, x0s, 0.0, args.noise, args.reps)
            line = [f"psf {psf} image flat field: g=0 bias {np.nanmean(e0):+.5f} std "
                    f"{np.nanstd(e0):.4f} px (g fitted {np.mean(g0):+.1e} +- {np.std(g0):.1e})"]
            for g in RAMPS:
                e, gs = errors_flat(images, x0s, g, args.noise, args.reps)
                d = e - e0
                se = np.nanstd(d) / np.sqrt(np.isfinite(d).sum())
                line.append(f"g {g:+.1e}/px: {np.nanmean(d):+.5f} +- {se:.5f} std "
                            f"{np.nanstd(e):.4f} (g fitted {np.mean(gs) - g:+.1e} +- "
                            f"{np.std(gs):.1e})")
            print(" | ".join(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
