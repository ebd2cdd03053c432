"""The single-edge blurred-step fit: one edge per profile, no shading term, free blur.

The line and circle tools' usual case, in about half the time of the general fit
(:mod:`metrology.caliper.erf_general`): same model (:mod:`metrology.caliper.erf_model`),
window, start, damped Gauss-Newton steps and outputs, to ~1e-6 px.  The differences:

* From the second step on, Newton's step (the Gauss-Newton matrix less the residuals times the
  model's second derivatives, which come with the first ones: ``P_dd = P_s / s``, ``P_ds`` and
  ``P_ss`` from the corner sums of phi and z phi) is computed beside the Gauss-Newton one.  It
  converges quadratically (the damped Gauss-Newton steps only linearly, at ~0.02-0.1 per step
  here), so where it is small for every edge the fit ends with it: two model evaluations
  instead of three or four.  Otherwise the Gauss-Newton step is taken as before, so edges that
  do not converge follow the same path as in the general fit.
* The statistics (std, score, shading z) use the Jacobian, residuals and shading direction at
  the final point to first order in the last step, not at the point before it; their sums of
  products come from small matrices.
* Sums of products come from one Gram matrix per step instead of separate products.
"""

from __future__ import annotations

import numpy as np

from .._accel import kernels
from .erf_model import (BLUR, GN_STEP_S, GN_STEP_T, HALF_A, HALF_B, LAMBDA, MIN_OPTICS,
                        POSITION, SLOPE, STEP, SUMS_DENSITY, SUMS_Z_DENSITY, StepFit,
                        corner_offsets, corner_sums, finish, footprint, optics,
                        position_std_score, step_terms)

__all__: list[str] = []  # fit_single: internal stage of detect_edges

#: the single-edge fit's parameters are the first five
_SINGLE = 5
#: a Newton step below these ends the fit (position, blur: px; background, slope, step: times
#: |step|): measured on 2,700 batches (the test suite's, slow sweeps included), the result then
#: lies within 1.6e-6 px in position and 4.4e-6 px in blur of the least-squares optimum
#: (median 4e-8 px)
_NEWTON_TOL_T = 1e-3
_NEWTON_TOL_S = 2e-3
_NEWTON_TOL_L = 1e-3
_EYE5 = np.eye(5)
_EYE3_REG = 1e-9 * np.eye(3)
_EYE5_REG = 1e-12 * _EYE5
_DAMP = 1.0 + LAMBDA * _EYE5


class _SingleFit:
    """One edge per profile, no shading term, free blur (see the module docstring).

    Work arrays: ``cols`` (E, 11, Lw) holds, per window sample, the Jacobian columns in
    background, slope, step, position, blur (``w``, ``u w``, ``P w``, ``-A P_d w``,
    ``A P_s w``), the residuals, the corner sums of phi and z phi times ``w`` (second
    derivatives) and ``u w`` times the step, position and blur columns (the shading
    direction and its derivatives); one Gram matrix per step gives every sum of products.
    """

    _RES, _DENS, _Q = 5, 6, 8

    def __init__(self, v, offsets, rows, t0, s0, foot):
        e = rows.size
        self.e = e
        self.fab = footprint(foot, e)
        self.box_var = (self.fab * self.fab).sum(1) / 12.0
        self.inv_ab = 1.0 / (self.fab[:, 0] * self.fab[:, 1])
        half = HALF_A * s0 + HALF_B
        # the window t0 +- half (offsets increase by 1), gathered into (E, Lw) arrays
        j0 = np.searchsorted(offsets, t0 - half - 1e-9)
        nw_i = np.searchsorted(offsets, t0 + half + 1e-9, "right") - j0
        self.nwin = nw_i.astype(np.float64)
        lw = max(int(nw_i.max(initial=0)), 1)
        kk = np.arange(lw)
        idx = j0[:, None] + kk
        np.minimum(idx, offsets.size - 1, out=idx)
        x = offsets[idx]
        self.xc = x + corner_offsets(self.fab)          # (4, E, Lw)
        self.cols = cols = np.empty((e, 11, lw))
        self.w = cols[:, 0]
        np.less(kk, nw_i[:, None], out=self.w)
        np.multiply((x - t0[:, None]) / half[:, None], self.w, out=cols[:, 1])
        self.yw = v[rows[:, None], idx] * self.w
        self.buf = np.empty((5, 4, e, lw))

    def model(self, p, second=True):
        """Corner sums at the parameters ``p`` (E, 5)."""
        return corner_sums(self.xc - p[:, POSITION, None], p[:, BLUR, None], second, self.buf)

    def columns(self, sums, s, a=None):
        """The step, position and blur columns for the blur ``s`` (E, 1) and step ``a`` (E, 1;
        None: 1), times ``w``."""
        cols = self.cols
        p_, pd, ps = step_terms(sums, s, self.fab)
        np.multiply(p_, self.w, out=cols[:, STEP])
        ak = -1.0 if a is None else -a
        np.multiply(pd, ak * self.w, out=cols[:, POSITION])
        np.multiply(ps, -ak * self.w, out=cols[:, BLUR])

    def residuals(self, p):
        np.subtract(self.yw, (p[:, None, :STEP + 1] @ self.cols[:, :STEP + 1])[:, 0],
                    out=self.cols[:, self._RES])

    def gram(self, p, sums):
        """All columns at ``p`` (from its ``sums``) and their Gram matrix (E, 11, 11)."""
        cols = self.cols
        self.columns(sums, p[:, BLUR, None], p[:, STEP, None])
        self.residuals(p)
        np.multiply(sums[SUMS_DENSITY:SUMS_Z_DENSITY + 1].transpose(1, 0, 2),
                    self.w[:, None, :], out=cols[:, self._DENS:self._DENS + 2])
        np.multiply(cols[:, STEP:BLUR + 1], cols[:, SLOPE, None, :],
                    out=cols[:, self._Q:self._Q + 3])
        return cols @ cols.transpose(0, 2, 1)

    def start(self, t0, s0):
        """Start values and the sums of products of the first Gauss-Newton step: the linear
        parameters by least squares at the start position and blur."""
        p = np.empty((self.e, _SINGLE))
        p[:, POSITION] = t0
        p[:, BLUR] = optics(s0, self.box_var)
        sums = self.model(p)
        self.columns(sums, p[:, BLUR, None])           # the Jacobian with a unit step
        self.cols[:, self._RES] = self.yw
        gl = self.cols[:, :6] @ self.cols[:, :6].transpose(0, 2, 1)
        # (right-hand sides as stacked vectors: a strided (E, n, 1) view is much slower there)
        lin = np.linalg.solve(gl[:, :3, :3] + _EYE3_REG, gl[:, :3, 5, None])[..., 0]
        p[:, :STEP + 1] = lin
        return p, sums, gl, lin

    def newton_step(self, p, g, jtj, gv, reg):
        """Newton's step (None if singular) and where it is small enough to end the fit."""
        a, s = p[:, STEP], p[:, BLUR]
        with np.errstate(all="ignore"):
            q1 = gv[:, POSITION:BLUR + 1] / a[:, None]
            stt = gv[:, BLUR] / s
            r67 = g[:, self._RES, self._DENS:self._DENS + 2] * (a * self.inv_ab)[:, None]
        # the Gauss-Newton matrix less the residuals times the model's second derivatives
        # (in step-position, step-blur, position-position, position-blur, blur-blur)
        hn = jtj + reg
        hn[:, STEP, POSITION:BLUR + 1] -= q1
        hn[:, POSITION:BLUR + 1, STEP] -= q1
        hn[:, POSITION, POSITION] -= stt
        hn[:, POSITION, BLUR] += r67[:, 0]
        hn[:, BLUR, POSITION] += r67[:, 0]
        hn[:, BLUR, BLUR] -= stt - r67[:, 1]
        try:
            dn = np.linalg.solve(hn, gv[..., None])[..., 0]
        except np.linalg.LinAlgError:
            return None, None
        adn = np.abs(dn)
        sn = s + dn[:, BLUR]
        with np.errstate(invalid="ignore"):
            small = ((adn[:, POSITION] < _NEWTON_TOL_T) & (adn[:, BLUR] < _NEWTON_TOL_S)
                     & (adn[:, :STEP + 1].max(1) < _NEWTON_TOL_L * np.abs(a))
                     & (sn > MIN_OPTICS) & (sn < 10.0))
        return dn, small

    def first_order_gram(self, p, p_new, g):
        """Sums of products of the Jacobian, residuals and shading direction at ``p_new``
        (E, 7, 7), to first order in the step ``d = p_new - p`` from the Gram matrix ``g`` at
        ``p``: each column at ``p_new`` is a linear combination ``T`` of the columns at
        ``p`` (with the second derivatives), so their sums of products are ``T g T^t``."""
        d = p_new - p
        a, a_new, s = p[:, STEP], p_new[:, STEP], p[:, BLUR]
        inv_a = 1.0 / np.where(a != 0.0, a, np.inf)
        ratio = a_new * inv_a                       # A' / A
        k = a_new * self.inv_ab                     # A' / (a b)
        dt, ds = d[:, POSITION], d[:, BLUR]
        tm = np.zeros((self.e, 7, 11))
        tm[:, :STEP + 1, :STEP + 1] = np.eye(STEP + 1)
        # step column: P' w = P w + dt / A (-A P_d w) + ds / A (A P_s w)
        tm[:, STEP, POSITION] = dt * inv_a
        tm[:, STEP, BLUR] = ds * inv_a
        # position column -A' P_d' w, blur column A' P_s' w (P_dd = P_s / s, P_ds and P_ss
        # from the corner sums of phi and z phi)
        tm[:, POSITION, POSITION] = ratio
        tm[:, POSITION, BLUR] = ratio * dt / s
        tm[:, POSITION, self._DENS] = -k * ds
        tm[:, BLUR, BLUR] = ratio * (1.0 + ds / s)
        tm[:, BLUR, self._DENS] = -k * dt
        tm[:, BLUR, self._DENS + 1] = -k * ds
        # residuals r - J d, shading direction u P' w
        tm[:, 5, self._RES] = 1.0
        tm[:, 5, :_SINGLE] = -d
        tm[:, 6, self._Q] = 1.0
        tm[:, 6, self._Q + 1] = dt * inv_a
        tm[:, 6, self._Q + 2] = ds * inv_a
        return tm @ g @ tm.transpose(0, 2, 1)

    def gauss_newton_step(self, p, jtj, gv, reg):
        """The damped Gauss-Newton step (None if singular), limited as the general fit's."""
        try:
            dp = np.linalg.solve(jtj * _DAMP + reg, gv[..., None])[..., 0]
        except np.linalg.LinAlgError:
            return None
        dp = np.where(np.isfinite(dp), dp, 0.0)
        dp[:, POSITION] = np.minimum(np.maximum(dp[:, POSITION], -0.5), 0.5)
        lim = 0.5 * p[:, BLUR]
        dp[:, BLUR] = np.minimum(np.maximum(dp[:, BLUR], -lim), lim)
        return dp

    def solve(self, t0, s0, iters):
        """Iterate to convergence; return the parameters and the (E, 7, 7) sums of products
        of the Jacobian, residuals and shading direction there."""
        p, sums, gl, lin = self.start(t0, s0)
        sc = np.ones((self.e, _SINGLE))
        sc[:, POSITION:] = lin[:, STEP, None]   # the first Jacobian's column scales
        self.gl = gl
        for it in range(iters):
            if it:
                sums = self.model(p)
                g = self.gram(p, sums)
                jtj, gv = g[:, :_SINGLE, :_SINGLE], g[:, :_SINGLE, self._RES]
            else:
                jtj = gl[:, :_SINGLE, :_SINGLE] * (sc[:, :, None] * sc[:, None, :])
                gv = sc * (gl[:, :_SINGLE, self._RES]
                           - (gl[:, :_SINGLE, :STEP + 1] @ lin[..., None])[..., 0])
            # damping as the general fit's: lambda times the diagonal, and 1e-12 (trace + 1)
            reg = (jtj.trace(axis1=1, axis2=2) + 1.0)[:, None, None] * _EYE5_REG
            dn, small = self.newton_step(p, g, jtj, gv, reg) if it else (None, None)
            if small is not None and small.all():
                p_new = p + dn
            else:
                dp = self.gauss_newton_step(p, jtj, gv, reg)
                if dp is None:
                    break
                p_new = p + dp
                p_new[:, BLUR] = np.minimum(np.maximum(p_new[:, BLUR], MIN_OPTICS), 10.0)
                done = (np.abs(dp[:, POSITION]) < GN_STEP_T) & (np.abs(dp[:, BLUR]) < GN_STEP_S)
                if small is not None:
                    done |= small
                if not done.all():
                    p = p_new
                    continue
                if small is not None:
                    p_new[small] = p[small] + dn[small]
            if not it:     # converged on the first step: the columns the statistics need
                g = self.gram(p, sums)
            return p_new, self.first_order_gram(p, p_new, g)
        sums = self.model(p, second=False)
        self.columns(sums, p[:, BLUR, None], p[:, STEP, None])
        self.residuals(p)
        np.multiply(self.cols[:, SLOPE], self.cols[:, STEP], out=self.cols[:, self._DENS])
        return p, self.cols[:, :7] @ self.cols[:, :7].transpose(0, 2, 1)

    def statistics(self, p, gp, t0, s0, a0) -> StepFit:
        """Outputs from the sums of products ``gp`` (E, 7, 7) of the Jacobian, residuals and
        shading direction ``q = u P w`` at the final parameters ``p``."""
        gl = self.gl
        rss = gp[:, 5, 5]
        # total sum of squares about the window mean, from the start's sums of w, w y, w y^2
        tss = gl[:, self._RES, self._RES] - gl[:, 0, self._RES] ** 2 / self.nwin.clip(1)
        dof = np.maximum(self.nwin - _SINGLE, 1)
        shade_z = np.zeros(self.e)
        with np.errstate(all="ignore"):
            rhs = np.zeros((self.e, _SINGLE, 2))
            rhs[:, POSITION, 0] = 1.0
            rhs[:, :, 1] = gp[:, :_SINGLE, 6]
            sol, std, score = position_std_score(gp[:, :_SINGLE, :_SINGLE] + 1e-12 * _EYE5,
                                                  rhs, POSITION, rss, dof, tss)
            if sol is not None:
                # score test: the residuals along q after projecting out the model's
                # directions, q_perp = q - J sol (sums of products from gp)
                sq = sol[:, :, 1]
                qq = gp[:, 6, 6]
                qp2 = qq - (sq * gp[:, :_SINGLE, 6]).sum(1)
                qpr = gp[:, 5, 6] - (sq * gp[:, :_SINGLE, 5]).sum(1)
                shade_z = np.where(qp2 > 1e-12 * qq, qpr / np.sqrt(rss / dof * qp2), 0.0)
        return finish(p, t0, s0, a0, self.box_var, std, score, shade_z, self.nwin >= 7)


def fit_single(v, offsets, rows, t0, s0, a0, iters, foot) -> StepFit:
    """Fit one blurred step per profile.

    Parameters
    ----------
    v : ndarray (K, L)
        Profiles, samples at ``offsets`` (L,), 1 px apart.
    rows : ndarray (E,) int
        Profile of each edge, each profile at most once.
    t0, s0, a0 : ndarray (E,)
        Start position, total blur and step height (Gaussian-peak estimates).
    iters : int
        Most steps.
    foot : ndarray (E, 2) or None
        Image direction of each edge's profile (pixel footprint).

    Returns
    -------
    StepFit
    """
    kern = kernels("caliper")
    if kern is not None and _kernel_shapes(v, offsets, rows, t0, s0, foot):
        return _fit_compiled(kern, v, offsets, rows, t0, s0, a0, iters, foot)
    f = _SingleFit(v, offsets, rows, t0, s0, foot)
    p, gp = f.solve(t0, s0, iters)
    return f.statistics(p, gp, t0, s0, a0)


def _kernel_shapes(v, offsets, rows, t0, s0, foot) -> bool:
    """Whether the arguments have the shapes the kernel is compiled for (anything else takes
    the NumPy code, with its own errors)."""
    e = np.shape(rows)
    return (np.ndim(v) == 2 and np.ndim(offsets) == 1 and np.shape(v)[1] == np.shape(offsets)[0]
            and len(e) == 1 and np.shape(t0) == e and np.shape(s0) == e
            and (foot is None or np.shape(foot) == e + (2,)))


def _fit_compiled(kern, v, offsets, rows, t0, s0, a0, iters, foot) -> StepFit:
    """:func:`fit_single` by the compiled kernel (:mod:`metrology.caliper._kernels`): the
    same model, steps and statistics edge by edge."""
    e = rows.size
    fab = np.ascontiguousarray(footprint(foot, e), dtype=np.float64)
    p = np.empty((e, _SINGLE))
    st = np.empty((e, 4))
    f8 = np.float64     # (writeable C arrays: the kernel's one specialisation; small copies)
    kern.fit_single(np.array(v, f8, order="C"), np.array(offsets, f8, order="C"),
                    np.array(rows, np.int64, order="C"), np.array(t0, f8, order="C"),
                    np.array(s0, f8, order="C"), fab, int(iters), p, st)
    box_var = (fab * fab).sum(1) / 12.0
    return finish(p, t0, s0, a0, box_var, st[:, 0], st[:, 1], st[:, 2], st[:, 3] >= 7)
