"""Batched geometric fits vs a Python loop over scikit-image's models, same data, same process.

Rows
----
* 2,000 circles x 32 points (half arcs, 0.1 px noise): ``fit_circle(batch, "hyper")`` and
  ``fit_circle(batch, "geometric")`` in one call each, vs ``skimage.measure.CircleModel``
  ``from_estimate`` in a loop.
* The same for short noisy arcs (90 degrees, 0.5 px), where the algebraic peer is biased.
* 500 ellipses x 64 points: ``fit_ellipse(batch, "direct" / "geometric")`` vs
  ``EllipseModel`` (an algebraic fit) in a loop.
* 200 circles x 60 points with 15 % gross outliers: ``ransac(batch, "circle")`` (all
  hypotheses drawn at once, then Tukey IRLS) vs ``skimage.measure.ransac`` with
  ``CircleModel`` in a loop (both 200 hypotheses per circle).

Accuracy is the RMS centre error and the mean radius (axis) error against the ground truth.
Run: ``python benchmarks/run.py core_fits``.
"""

from __future__ import annotations

import warnings

import numpy as np

from _common import Row, median_ms
from metrology.core import fit_circle, fit_ellipse, ransac


def _circles(rng, B, N, arc, sigma):
    c = rng.uniform(50, 450, (B, 2))
    r = rng.uniform(20, 100, B)
    start = rng.uniform(0, 2 * np.pi, (B, 1))
    th = start + rng.uniform(0, arc, (B, N))
    P = c[:, None] + r[:, None, None] * np.stack([np.cos(th), np.sin(th)], -1)
    return P + rng.normal(0, sigma, P.shape), c, r


def _acc(center, radius, c, r) -> str:
    e = np.hypot(*(center - c).T)
    rms = np.sqrt(np.mean(e ** 2))
    return f"centre rms {rms:.4f} px, radius bias {np.mean(radius - r):+.4f} px"


def _skimage_circles(P):
    from skimage.measure import CircleModel
    out = np.empty((len(P), 3))
    for i, p in enumerate(P):
        m = CircleModel.from_estimate(p)
        out[i, :2], out[i, 2] = m.center, m.radius
    return out


def _skimage_ellipses(P):
    from skimage.measure import EllipseModel
    out = np.empty((len(P), 4))
    for i, p in enumerate(P):
        m = EllipseModel.from_estimate(p)
        a, b = sorted(m.axis_lengths, reverse=True)
        out[i] = (*m.center, a, b)
    return out


def _skimage_ransac(P, trials):
    from skimage.measure import CircleModel
    from skimage.measure import ransac as sk_ransac
    out = np.full((len(P), 3), np.nan)
    for i, p in enumerate(P):
        model, _ = sk_ransac(p, CircleModel, min_samples=3, residual_threshold=0.25,
                             max_trials=trials, rng=i)
        if model is not None:
            out[i, :2], out[i, 2] = model.center, model.radius
    return out


def run(quick: bool = False) -> list[Row]:
    rng = np.random.default_rng(0)
    rep = 3 if quick else 7
    rows: list[Row] = []
    warnings.simplefilter("error", FutureWarning)     # fail loudly on deprecated skimage APIs

    # -- circles -------------------------------------------------------------------------
    B, N = 2000, 32
    P, c, r = _circles(rng, B, N, np.pi, 0.1)
    sk_ms = median_ms(lambda: _skimage_circles(P), repeat=max(1, rep // 2))
    sk = _skimage_circles(P)
    sk_acc = _acc(sk[:, :2], sk[:, 2], c, r)
    for method in ("hyper", "geometric"):
        ms = median_ms(lambda m=method: fit_circle(P, m), repeat=rep)
        f = fit_circle(P, method)
        rows.append(Row(f"fit_circle {method} 2000x32 (batched)", ms,
                        "skimage CircleModel loop", sk_ms,
                        f"ours {_acc(f.center_xy, f.radius, c, r)}; peer {sk_acc}",
                        extra={"n_ok": int(f.ok.sum())}))

    # short noisy arcs (90 degrees, 0.5 px): where the algebraic peer's radius bias shows
    P2, c2, r2 = _circles(rng, B, N, np.pi / 2, 0.5)
    sk2_ms = median_ms(lambda: _skimage_circles(P2), repeat=max(1, rep // 2))
    sk2 = _skimage_circles(P2)
    ms = median_ms(lambda: fit_circle(P2, "geometric"), repeat=rep)
    f2 = fit_circle(P2, "geometric")
    h2 = fit_circle(P2, "hyper")
    rows.append(Row("fit_circle geometric 2000x32 90deg 0.5px", ms, "skimage CircleModel loop",
                    sk2_ms, f"ours {_acc(f2.center_xy, f2.radius, c2, r2)} (hyper "
                    f"{_acc(h2.center_xy, h2.radius, c2, r2)}); peer "
                    f"{_acc(sk2[:, :2], sk2[:, 2], c2, r2)}"))

    # -- ellipses ------------------------------------------------------------------------
    Be, Ne = 500, 64
    t = rng.uniform(0, 2 * np.pi, (Be, Ne))
    ce = rng.uniform(100, 400, (Be, 2))
    a = rng.uniform(30, 80, Be)
    b = a * rng.uniform(0.3, 0.8, Be)
    th = rng.uniform(-np.pi / 2, np.pi / 2, Be)[:, None]
    x, y = a[:, None] * np.cos(t), b[:, None] * np.sin(t)
    E = np.stack([ce[:, 0, None] + x * np.cos(th) - y * np.sin(th),
                  ce[:, 1, None] + x * np.sin(th) + y * np.cos(th)], -1)
    E += rng.normal(0, 0.1, E.shape)
    sk_ms = median_ms(lambda: _skimage_ellipses(E), repeat=max(1, rep // 2))
    ske = _skimage_ellipses(E)
    ms = median_ms(lambda: fit_ellipse(E, "geometric"), repeat=max(1, rep // 2))
    fe = fit_ellipse(E, "geometric")
    ms_d = median_ms(lambda: fit_ellipse(E, "direct"), repeat=rep)
    fd = fit_ellipse(E, "direct")

    def eacc(center, axes):
        ec = np.sqrt(np.mean(np.sum((center - ce) ** 2, -1)))
        ea = np.mean(axes - np.c_[a, b], 0)
        return f"centre rms {ec:.4f} px, axes bias {ea[0]:+.4f}/{ea[1]:+.4f} px"

    rows.append(Row("fit_ellipse direct 500x64 (batched)", ms_d, "skimage EllipseModel loop",
                    sk_ms, f"ours {eacc(fd.center_xy, fd.semi_axes)}; "
                    f"peer {eacc(ske[:, :2], ske[:, 2:])}"))
    rows.append(Row("fit_ellipse geometric 500x64 (batched)", ms, "skimage EllipseModel loop",
                    sk_ms, f"ours {eacc(fe.center_xy, fe.semi_axes)}; "
                    f"peer {eacc(ske[:, :2], ske[:, 2:])}"))

    # -- RANSAC --------------------------------------------------------------------------
    Br, Nr, H = 200, 60, 200
    Pr, cr, rr = _circles(rng, Br, Nr, 2 * np.pi, 0.05)
    k = 9
    Pr[:, :k] = cr[:, None] + rng.uniform(-1.5, 1.5, (Br, k, 2)) * rr[:, None, None]
    sk_ms = median_ms(lambda: _skimage_ransac(Pr, H), repeat=1, warmup=0)
    skr = _skimage_ransac(Pr, H)
    ms = median_ms(lambda: ransac(Pr, "circle", 0.25, max_iters=H, rng=0),
                   repeat=max(1, rep // 2))
    fr = ransac(Pr, "circle", 0.25, max_iters=H, rng=0)
    good = np.all(np.isfinite(skr), 1)
    rows.append(Row("ransac circle 200x60, 15% outliers", ms, "skimage ransac loop", sk_ms,
                    f"ours {_acc(fr.center_xy, fr.radius, cr, rr)}; peer "
                    f"{_acc(skr[good, :2], skr[good, 2], cr[good], rr[good])}"))
    return rows


if __name__ == "__main__":
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import format_table
    print(format_table(run(quick="--quick" in sys.argv)))
