"""Tool layout from the feature it measures, and the precision that layout predicts.

Every caliper tool of a taught recipe is sized from its feature and its neighbours, the way a
careful HALCON user sizes a metrology model by hand:

* **Edge noise** (:class:`EdgeModel`): the Cramer-Rao bound for a blurred step of contrast
  ``A``, noise ``sigma_n`` and edge blur ``sigma_e^2 = sigma_psf^2 + 1/12`` located by a caliper
  of width ``W`` is ``var >= 2 sqrt(pi) sigma_e sigma_n^2 / (A^2 W)`` (px^2).  The library's erf
  edge fit reaches it, so a tool's precision is the information of the edge pixels it covers.
* **Usable stretch** (:func:`line_layout`, :func:`arc_layout`, :func:`pair_layout`): the
  calipers tile the longest stretch of the feature along which no *other* edge crosses their
  rectangle (length ``L`` across the edge plus the fit's context of ``PAD_PX`` either side,
  widened by the blur margin ``3 sigma_e + 0.5``).  Edges parallel to the feature (the other
  flank of a web or slot, a concentric circle) do not count: on a 1-D profile the edge fit
  models them.  So at a convex corner the line stops a blur margin short of it, at an acute
  notch further, and an arc tangent to a line runs to within a blur margin of the tangent
  point.
* **Caliper length** (search range across the edge): ``2 (placement + 3 sigma_e)`` with a
  placement uncertainty of ``placement_px`` (6 px: a pose error and a part off its nominal by
  0.5 mm at 0.08 mm/px), shortened where a neighbour would otherwise cut the usable stretch by
  more than 10 %, and on circles kept clear of the centre.
* **Width and count**: the calipers tile the stretch (a caliper every 3 px on circles and arcs,
  every 4 px on lines; widths follow), so every edge pixel of the stretch is used once;
  overlapping calipers would use the same pixels again and add no information.  An edge pair
  is one caliper as wide as the stretch where both edges run side by side.

:func:`predicted_features` turns a layout into the features a run would fit, with the Fisher
covariance of the edge evidence (circles ``(cx, cy, r)``, lines ``(offset, angle)``, pairs
``(cx, cy, w)``), and :func:`predicted_sigma` propagates it through each measurement exactly as
a run does (:func:`metrology.inspect.measure.measure`, including the joint fit of arcs tangent
to their edges).

Examples
--------
>>> em = EdgeModel(contrast=145.0, noise=1.5, blur_px=0.9)
>>> round(em.sigma_e, 3), round(em.std_px(1.0), 4)          # one edge pixel
(0.945, 0.0189)
>>> round(em.std_px(2 * 3.141592653589793 * 50), 5)         # radius of a circle of R 50 px
0.00107
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..caliper.contour import PAD_PX
from ..errors import InputError
from .geometry import Arc, Line

#: internal to teaching (reached through Recipe.teach / Recipe.from_dxf): nothing here is
#: public API, so nothing is exported
__all__: list[str] = []

#: the predicted 1-sigma a taught measurement should reach (a quarter of the issue's 0.05 px)
TARGET_SIGMA_PX = 0.0125
#: shortest caliper (px)
MIN_CALIPER_PX = 6.0
#: obstacles within this angle of the feature's own direction are "parallel" (modelled)
PARALLEL_DEG = 10.0


@dataclass(frozen=True)
class EdgeModel:
    """What limits edge precision in the images a recipe will see.

    Attributes
    ----------
    contrast : float
        Step height between part and background (gray levels).
    noise : float
        Image noise, 1 sigma (gray levels).
    blur_px : float
        Optical blur sigma (px); the edge blur adds the pixel's 1/12.
    source : str
        Where the figures come from (said in the recipe's notes).
    """

    contrast: float
    noise: float
    blur_px: float = 1.0
    source: str = "assumed"

    def __post_init__(self):
        for k in ("contrast", "noise", "blur_px"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or v < 0 or (k == "contrast" and v == 0):
                raise InputError(f"EdgeModel.{k}: expected a finite number >= 0 (contrast > 0),"
                                 f" given {v!r}")
        object.__setattr__(self, "noise", max(float(self.noise), 0.29))   # 8-bit rounding

    @property
    def sigma_e(self) -> float:
        """Edge blur sigma (px): optics and the pixel's footprint."""
        return math.sqrt(self.blur_px ** 2 + 1.0 / 12.0)

    @property
    def var_per_px(self) -> float:
        """Variance (px^2) of an edge located by a caliper 1 px wide (the Cramer-Rao bound)."""
        return 2.0 * math.sqrt(math.pi) * self.sigma_e * self.noise ** 2 / self.contrast ** 2

    def std_px(self, width_px: float) -> float:
        """1-sigma position (px) of an edge seen by ``width_px`` px of caliper."""
        return math.sqrt(self.var_per_px / width_px)

    @property
    def margin_px(self) -> float:
        """How far (px) another edge must stay from a caliper: its blur, 3 sigma_e, + 0.5."""
        return 3.0 * self.sigma_e + 0.5

    def describe(self) -> str:
        return (f"contrast {self.contrast:.0f}, noise {self.noise:.2g} gray levels, blur "
                f"{self.blur_px:.2g} px ({self.source})")


# --------------------------------------------------------------------------------------------
# obstacles: every edge of the part, sampled
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Obstacles:
    """Sampled points of every edge of the part (mm) with their unit tangents."""

    points: np.ndarray      # (N, 2)
    tangents: np.ndarray    # (N, 2)

    @classmethod
    def from_curves(cls, curves: Iterable[np.ndarray], closed: bool = True) -> "Obstacles":
        """From polylines (each (M, 2), mm), e.g. traced contours or sampled primitives."""
        pts, tan = [], []
        for c in curves:
            c = np.asarray(c, float).reshape(-1, 2)
            if len(c) < 2:
                continue
            if closed:
                d = np.roll(c, -1, axis=0) - np.roll(c, 1, axis=0)
            else:
                d = np.gradient(c, axis=0)
            n = np.hypot(d[:, 0], d[:, 1])
            ok = n > 0
            pts.append(c[ok])
            tan.append(d[ok] / n[ok, None])
        if not pts:
            return cls(np.zeros((0, 2)), np.zeros((0, 2)))
        return cls(np.concatenate(pts), np.concatenate(tan))

    @classmethod
    def from_primitives(cls, primitives: Iterable[Any], step_mm: float) -> "Obstacles":
        """Primitives (lines, arcs, ellipses, free curves; mm) sampled every ``step_mm``, e.g.
        ``p for _, _, p in geometry.primitives()``."""
        return cls.from_curves([p.sample(0.1 * step_mm, step_mm) for p in primitives],
                               closed=False)


@dataclass(frozen=True)
class Stretch:
    """Where a tool goes on its feature: ``(lo, hi)`` along it (mm from a line's start, or
    degrees from an arc's start in its direction of travel), the caliper length (px) and the
    usable length (px)."""

    lo: float
    hi: float
    caliper_px: float
    length_px: float


def _free(lo: float, hi: float, starts: np.ndarray, ends: np.ndarray) -> tuple[float, float]:
    """Longest sub-interval of ``[lo, hi]`` outside every ``[starts_i, ends_i]``
    (``(nan, nan)`` when none)."""
    if hi <= lo:
        return (math.nan, math.nan)
    keep = (ends > lo) & (starts < hi)
    s, e = starts[keep], ends[keep]
    if s.size == 0:
        return (lo, hi)
    o = np.argsort(s)
    s, e = s[o], np.maximum.accumulate(e[o])
    gap_lo = np.concatenate([[lo], e])
    gap_hi = np.concatenate([s, [hi]])
    gap_lo = np.maximum(gap_lo, lo)
    gap_hi = np.minimum(gap_hi, hi)
    length = gap_hi - gap_lo
    k = int(np.argmax(length))
    if length[k] <= 0:
        return (math.nan, math.nan)
    return (float(gap_lo[k]), float(gap_hi[k]))


def _best_length(stretch_at, caliper0: float) -> tuple[float, tuple[float, float]]:
    """The longest caliper (from ``caliper0`` down to MIN_CALIPER_PX) whose usable stretch is
    at least 90 % of the shortest caliper's; ``stretch_at(L) -> (lo, hi, length)``."""
    cands = np.unique(np.r_[np.linspace(max(caliper0, MIN_CALIPER_PX), MIN_CALIPER_PX, 6)])[::-1]
    got = [stretch_at(float(c)) for c in cands]
    best = max(0.0 if math.isnan(g[2]) else g[2] for g in got)
    for c, g in zip(cands, got):
        if not math.isnan(g[2]) and g[2] >= 0.9 * best:
            return float(c), g
    return float(cands[-1]), got[-1]


def line_layout(line: Line, obstacles: Obstacles, mm_per_px: float, em: EdgeModel,
                caliper0_px: float) -> Stretch | None:
    """The usable stretch of a straight edge (None: shorter than 8 px)."""
    s = float(mm_per_px)
    m = em.margin_px
    d = line.direction
    n = np.array([-d[1], d[0]])
    L = line.length / s
    rel = (obstacles.points - line.start) / s
    u, v = rel @ d, rel @ n
    # the edge itself (within 1 px of the segment) and parallel edges (modelled) do not block
    clamped = np.clip(u, 0.0, L)
    dist = np.hypot(u - clamped, v)
    parallel = np.abs(obstacles.tangents @ n) < math.sin(math.radians(PARALLEL_DEG))
    cand = (dist > 1.0) & ~(parallel & (np.abs(v) > 2.0 * em.sigma_e))

    def at(length):
        reach = 0.5 * length + PAD_PX + m
        sel = cand & (np.abs(v) <= reach)
        lo, hi = _free(m, L - m, u[sel] - m, u[sel] + m)
        return lo, hi, hi - lo

    length, (lo, hi, ln) = _best_length(at, caliper0_px)
    if math.isnan(ln) or ln < 8.0:
        return None
    return Stretch(lo * s, hi * s, length, ln)


def arc_layout(arc: Arc, obstacles: Obstacles, mm_per_px: float, em: EdgeModel,
               caliper0_px: float) -> Stretch | None:
    """The usable stretch of a circle or arc, in degrees from its start along its positive
    direction (``arc`` normalised to a positive extent; a full circle may come back partial
    where another edge crosses it).  None: less than 8 px or 10 degrees usable."""
    s = float(mm_per_px)
    m = em.margin_px
    r = arc.radius / s
    start, ext = (arc.start_deg, arc.extent_deg) if arc.extent_deg > 0 else \
        (arc.start_deg + arc.extent_deg, -arc.extent_deg)
    full = arc.is_full
    rel = (obstacles.points - np.asarray(arc.center)) / s
    rho = np.hypot(rel[:, 0], rel[:, 1])
    theta = np.degrees(np.arctan2(rel[:, 1], rel[:, 0]))
    th = np.mod(theta - start, 360.0)
    radial = rel / np.maximum(rho, 1e-12)[:, None]
    parallel = np.abs(np.einsum("ij,ij->i", obstacles.tangents, radial)) < math.sin(
        math.radians(PARALLEL_DEG))
    # on the arc itself: within 1 px of it (inside its span, or past its ends)
    inside = full | (th <= ext)
    gap_deg = np.minimum(th - ext, 360.0 - th)         # beyond the ends (partial arcs)
    off_end = np.where(inside, 0.0, np.radians(np.maximum(gap_deg, 0.0)) * r)
    dist = np.hypot(rho - r, off_end)
    cand = (dist > 1.0) & ~(parallel & (np.abs(rho - r) > 2.0 * em.sigma_e))
    m_deg = math.degrees(m / r)
    clear_centre = 2.0 * (r - PAD_PX - 1.0)

    def at(length):
        reach = 0.5 * length + PAD_PX + m
        sel = cand & (np.abs(rho - r) <= reach)
        t = th[sel]
        if full:
            if not np.any(sel):
                return 0.0, 360.0, 360.0
            t = np.concatenate([t - 360.0, t, t + 360.0])
            lo, hi = _free(0.0, 720.0, t - m_deg, t + m_deg)
            hi = min(hi, lo + 360.0)
            return lo, hi, hi - lo
        t = np.concatenate([t - 360.0, t, t + 360.0])
        lo, hi = _free(m_deg, ext - m_deg, t - m_deg, t + m_deg)
        return lo, hi, hi - lo

    caliper0 = min(caliper0_px, max(MIN_CALIPER_PX, clear_centre), 1.6 * r)
    length, (lo, hi, ext_deg) = _best_length(at, caliper0)
    if math.isnan(ext_deg) or ext_deg < 10.0 or math.radians(ext_deg) * r < 8.0:
        return None
    return Stretch(start + lo, start + hi, length, math.radians(ext_deg) * r)


def pair_layout(first: Line, second: Line, obstacles: Obstacles, mm_per_px: float,
                em: EdgeModel, beyond_px: float = 6.0) -> tuple[np.ndarray, np.ndarray, float] | None:
    """One edge-pair caliper across two facing parallel edges, as wide as the stretch where
    both run side by side with no other edge crossing: ``(p0, p1, width_px)`` (mm points on
    ``first`` and on ``second``, the caliper running from ``p0`` to ``p1``), or None."""
    s = float(mm_per_px)
    m = em.margin_px
    d = first.direction
    n = np.array([-d[1], d[0]])
    width = float((second.midpoint - first.start) @ n) / s          # signed, px
    sgn = 1.0 if width >= 0 else -1.0
    rel = (obstacles.points - first.start) / s
    u, v = rel @ d, sgn * (rel @ n)
    w = abs(width)
    u2 = sorted([float((second.start - first.start) @ d) / s,
                 float((second.end - first.start) @ d) / s])
    lo0, hi0 = max(0.0, u2[0]), min(first.length / s, u2[1])
    on_edge = ((np.abs(v) <= 1.0) & (u >= -1.0) & (u <= first.length / s + 1.0)) | \
        ((np.abs(v - w) <= 1.0) & (u >= u2[0] - 1.0) & (u <= u2[1] + 1.0))
    parallel = np.abs(obstacles.tangents @ n) < math.sin(math.radians(PARALLEL_DEG))
    sel = ~on_edge & ~parallel & (v >= -beyond_px - m) & (v <= w + beyond_px + m)
    lo, hi = _free(lo0 + m, hi0 - m, u[sel] - m, u[sel] + m)
    if math.isnan(lo) or hi - lo < 3.0:
        return None
    mid = 0.5 * (lo + hi) * s
    p0 = first.start + d * mid
    p1 = p0 + sgn * n * w * s
    return p0, p1, hi - lo


# --------------------------------------------------------------------------------------------
# predicted precision
# --------------------------------------------------------------------------------------------
def predicted_features(tools: Iterable[Any], mm_per_px: float, em: EdgeModel) -> dict:
    """The features a run of ``tools`` (part-frame mm, y down) would fit, at their nominal
    geometry, with the covariance of their edge evidence (Fisher information of the calipers,
    each of width ``W`` giving ``W / var_per_px`` on its edge position).

    Returns
    -------
    dict of name -> Feature (mm); ellipse tools are left out.
    """
    from ..caliper import CircleTool, EdgePairTool, LineTool
    from ..caliper.circle import arc_angles
    from ..caliper.features import CircleFeature, LineFeature, PairFeature

    s = float(mm_per_px)
    v = em.var_per_px
    out: dict = {}
    for t in tools:
        if isinstance(t, CircleTool):
            r = t.radius / s
            k = t.num_calipers
            start, ext = t.arc_deg
            phi = np.radians(arc_angles(k, start, ext))
            w = math.radians(ext) * r / k
            g = np.stack([np.cos(phi), np.sin(phi), np.ones(k)], axis=1)
            info = (w / v) * g.T @ g
            cov = np.linalg.inv(info) * s * s
            out[t.name] = CircleFeature(t.name, "mm", np.array([*t.center_xy, t.radius]), cov,
                                        0.0, k)
        elif isinstance(t, LineTool):
            p0, p1 = np.asarray(t.p0_xy), np.asarray(t.p1_xy)
            L = float(np.hypot(*(p1 - p0))) / s
            k = t.num_calipers
            u = ((np.arange(k) + 0.5) / k - 0.5) * L
            w = L / k
            var_off = v / (w * k)
            var_ang = v / (w * float(u @ u))
            d = (p1 - p0) / (L * s)
            nrm = np.array([-d[1], d[0]])
            out[t.name] = LineFeature(t.name, "mm", np.array([0.0, math.atan2(d[1], d[0])]),
                                      np.diag([var_off * s * s, var_ang]), 0.0, k,
                                      base=0.5 * (p0 + p1), base_normal=nrm,
                                      half_length=0.5 * L * s)
        elif isinstance(t, EdgePairTool):
            p0, p1 = np.asarray(t.p0_xy), np.asarray(t.p1_xy)
            W = t.width / s
            dd = (p1 - p0) / max(float(np.hypot(*(p1 - p0))), 1e-300)
            cov = np.zeros((3, 3))
            cov[:2, :2] = (0.5 * v / W) * np.outer(dd, dd) * s * s
            cov[2, 2] = 2.0 * v / W * s * s
            # the nominal width is set by the caller (the tool spans more than the edges)
            out[t.name] = PairFeature(t.name, "mm", np.array([*(0.5 * (p0 + p1)), 0.0]), cov,
                                      0.0, 1)
    return out


def predicted_sigma(measurements: Iterable[Any], feats: dict) -> dict:
    """1-sigma (mm or deg) of each measurement spec from predicted features (None where a
    feature has no prediction or the measurement cannot be evaluated)."""
    from ..inspect.measure import measure

    out = {}
    for spec in measurements:
        r = measure(spec, feats)
        out[spec.name] = r.uncertainty if r.error is None else None
    return out
