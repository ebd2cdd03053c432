"""The general blurred-step fit: neighbours, shading term and held blur.

Damped Gauss-Newton (Levenberg-Marquardt) over the parameters some edge uses, on the model of
:mod:`metrology.caliper.erf_model`; see :mod:`metrology.caliper.erf_fit` for when it runs.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from .erf_model import (GN_STEP_S, GN_STEP_T, LAMBDA, BACKGROUND, BLUR, HALF_A, HALF_B,
                        MIN_OPTICS, PARAMETERS, POSITION, POSITION_LEFT, POSITION_RIGHT,
                        SHADING, SLOPE, STEP, STEP_LEFT, STEP_RIGHT, StepFit, corner_offsets,
                        corner_sums, finish, footprint, optics, position_std_score, step_terms)

__all__: list[str] = []  # fit_general: internal stage of detect_edges


class _GeneralFit:
    """Neighbours, shading term and held blur: damped Gauss-Newton over the active parameters
    (see the module docstring).  ``s_n`` and ``s_fixed`` are total edge blurs."""

    def __init__(self, v, offsets, rows, t_n, s_n, a_n, s_fixed, shading, foot):
        e = rows.size
        self.e, self.shading = e, shading
        self.fab = footprint(foot, e)
        self.box_var = (self.fab * self.fab).sum(1) / 12.0
        self.corners = corner_offsets(self.fab)          # constant over the iterations
        self.half = HALF_A * s_n + HALF_B
        y = v[rows].copy()                               # (E, L)
        nb = self._neighbours(rows, t_n, s_n)
        x = offsets[None, :]
        w = ((x >= nb["lo"][:, None] - 1e-9) & (x <= nb["hi"][:, None] + 1e-9)).astype(float)
        self.nwin = w.sum(axis=1)
        if nb["crowded"]:
            self._subtract_tails(y, x, rows, t_n, s_n, a_n, nb)
        self.x, self.y, self.w = self._gather(offsets, x, y, w)
        self.u = (self.x - t_n[:, None]) / self.half[:, None]
        self.p, free = self._initial(t_n, s_n, a_n, s_fixed, nb)
        self.fm = free.astype(np.float64)
        self.use_l, self.use_r = bool(nb["has_l"].any()), bool(nb["has_r"].any())
        # only the parameters some edge uses take part (no neighbours: a 5-parameter fit)
        self.act = ([BACKGROUND, SLOPE, STEP, POSITION, BLUR]
                    + ([STEP_LEFT, POSITION_LEFT] if self.use_l else [])
                    + ([STEP_RIGHT, POSITION_RIGHT] if self.use_r else [])
                    + ([SHADING] if shading else []))
        self.fa = self.fm[:, self.act]
        self.eye = np.eye(len(self.act))
        self.frozen = 1.0 - self.fa
        self.wfa = self.w[:, :, None] * self.fa[:, None, :]

    def _neighbours(self, rows, t_n, s_n) -> dict:
        """Which edges model a neighbour on their left / right, and each window's extent."""
        e, half = self.e, self.half
        ar = np.arange(e)
        crowded = bool(np.any(rows[1:] == rows[:-1]))
        if not crowded:     # one candidate per profile: no neighbours
            none = np.zeros(e, dtype=bool)
            return dict(crowded=False, has_l=none, has_r=none, ip=ar, inn=ar, tp=t_n,
                        tq=t_n, lo=t_n - half, hi=t_n + half)

        def valid(i):
            ic = np.clip(i, 0, e - 1)
            return (i >= 0) & (i < e) & (rows[ic] == rows), ic

        vp, ip = valid(ar - 1)
        vn, inn = valid(ar + 1)
        vp2, ip2 = valid(ar - 2)
        vn2, in2 = valid(ar + 2)
        tp = np.where(vp, t_n[ip], -np.inf)
        tq = np.where(vn, t_n[inn], np.inf)
        has_l = vp & (t_n - tp < half)
        has_r = vn & (tq - t_n < half)
        tp2 = np.where(vp2, t_n[ip2], -np.inf)
        tq2 = np.where(vn2, t_n[in2], np.inf)
        lo = np.maximum(t_n - half, np.where(has_l, 0.5 * (tp2 + tp), 0.5 * (tp + t_n)))
        hi = np.minimum(t_n + half, np.where(has_r, 0.5 * (tq + tq2), 0.5 * (tq + t_n)))
        return dict(crowded=True, has_l=has_l, has_r=has_r, ip=ip, inn=inn, tp=tp, tq=tq,
                    lo=lo, hi=hi)

    def _subtract_tails(self, y, x, rows, t_n, s_n, a_n, nb) -> None:
        """Remove the blur tails ``A_n (Phi(z_n) - [z_n > 0])`` of the edges on the same
        profile that are not modelled."""
        ar = np.arange(self.e)
        pair = (rows[:, None] == rows[None, :]) & (ar[:, None] != ar[None, :])
        pair &= ~(nb["has_l"][:, None] & (ar[None, :] == nb["ip"][:, None]))
        pair &= ~(nb["has_r"][:, None] & (ar[None, :] == nb["inn"][:, None]))
        ei, ci = np.nonzero(pair)
        if ei.size:
            z = (x - t_n[ci, None]) / s_n[ci, None]
            np.add.at(y, ei, -(a_n[ci, None] * (ndtr(z) - (z > 0))))

    def _gather(self, offsets, x, y, w):
        """Each edge's (contiguous) window in the first columns of (E, Lw) arrays, Lw the
        longest window; the columns beyond an edge's own window get weight 0."""
        nw_i = self.nwin.astype(np.intp)
        lw = max(int(nw_i.max(initial=0)), 1)
        if lw >= x.shape[1]:
            return np.broadcast_to(x, y.shape), y, w
        j0 = np.argmax(w > 0, axis=1)
        kk = np.arange(lw)
        idx = np.minimum(j0[:, None] + kk, x.shape[1] - 1)
        return (offsets[idx], np.take_along_axis(y, idx, axis=1),
                (kk < nw_i[:, None]).astype(np.float64))

    def _initial(self, t_n, s_n, a_n, s_fixed, nb):
        """Start parameters (neighbours at their estimates; absent ones: 0 and frozen) and
        the free mask (E, 10)."""
        p = np.zeros((self.e, len(PARAMETERS)))
        p[:, POSITION] = t_n
        p[:, BLUR] = optics(s_n, self.box_var)
        has_l, has_r = nb["has_l"], nb["has_r"]
        p[:, POSITION_LEFT] = np.where(has_l, nb["tp"], 0.0)
        p[:, POSITION_RIGHT] = np.where(has_r, nb["tq"], 0.0)
        p[:, STEP_LEFT] = np.where(has_l, a_n[nb["ip"]], 0.0)
        p[:, STEP_RIGHT] = np.where(has_r, a_n[nb["inn"]], 0.0)
        free = np.ones((self.e, len(PARAMETERS)), bool)
        free[:, [STEP_LEFT, POSITION_LEFT]] = has_l[:, None]
        free[:, [STEP_RIGHT, POSITION_RIGHT]] = has_r[:, None]
        if s_fixed is not None:
            hold = np.isfinite(s_fixed)
            p[:, BLUR] = np.where(hold, optics(np.where(hold, s_fixed, 1.0), self.box_var),
                                  p[:, BLUR])
            free[:, BLUR] &= ~hold
        return p, free

    def _step(self, p, position):
        """Unit step at ``position`` (E,) with the blur of ``p``: P, P_d, P_s (E, Lw)."""
        s = p[:, BLUR, None]
        sums = corner_sums(self.x - position[:, None] + self.corners, s)
        return step_terms(sums, s, self.fab)

    def model(self, p):
        """Unit steps at the position and the neighbours' (zero where a profile has none)."""
        main = self._step(p, p[:, POSITION])
        left = right = (0.0, 0.0, 0.0)
        if self.use_l:
            left = tuple(c * self.fm[:, STEP_LEFT, None] for c in self._step(p, p[:, POSITION_LEFT]))
        if self.use_r:
            right = tuple(c * self.fm[:, STEP_RIGHT, None]
                          for c in self._step(p, p[:, POSITION_RIGHT]))
        return main, left, right

    def linear_start(self, mdl) -> None:
        """Step heights, background and slope (and shading) by linear least squares at the
        start positions (only the columns some edge uses)."""
        (f0, _, _), (fl, _, _), (fr, _, _) = mdl
        w, p = self.w, self.p
        lcols = [w, self.u * w, f0 * w]
        lmap = [BACKGROUND, SLOPE, STEP]
        if self.use_l:
            lcols.append(fl * w)
            lmap.append(STEP_LEFT)
        if self.use_r:
            lcols.append(fr * w)
            lmap.append(STEP_RIGHT)
        if self.shading:
            lcols.append(self.u * f0 * w)
            lmap.append(SHADING)
        jl = np.stack(lcols, axis=2)
        jlt = jl.transpose(0, 2, 1)
        nl = jlt @ jl
        fr_l = self.fm[:, lmap]
        eye_l = np.eye(len(lmap))
        nl += (1.0 - fr_l)[:, :, None] * eye_l + 1e-9 * eye_l
        lin = np.linalg.solve(nl, jlt @ (self.y * w)[..., None])[..., 0]
        p[:, lmap] = lin * fr_l

    def jacobian(self, p, mdl=None):
        """Jacobian (E, Lw, n_active) and residuals (E, Lw), weighted; and the main step."""
        (f0, d0u, d0s), (fl, dlu, dls), (fr, dru, drs) = mdl if mdl is not None else \
            self.model(p)
        u, w = self.u, self.w
        a = p[:, STEP, None] + p[:, SHADING, None] * u if self.shading else p[:, STEP, None]
        res = self.y - p[:, BACKGROUND, None] - p[:, SLOPE, None] * u - a * f0
        dsum = a * d0s
        cols = {BACKGROUND: np.ones_like(w), SLOPE: u, STEP: f0, POSITION: -a * d0u}
        for f_, du_, ds_, c_a, c_t, used in ((fl, dlu, dls, STEP_LEFT, POSITION_LEFT,
                                              self.use_l),
                                             (fr, dru, drs, STEP_RIGHT, POSITION_RIGHT,
                                              self.use_r)):
            if used:
                a_ = p[:, c_a, None]
                res = res - a_ * f_
                dsum = dsum + a_ * ds_
                cols[c_a], cols[c_t] = f_, -a_ * du_
        cols[BLUR] = dsum
        if self.shading:
            cols[SHADING] = u * f0
        jac = np.stack([cols[c] for c in self.act], axis=2)
        jac *= self.wfa
        res *= w
        return jac, res, f0

    def solve(self, iters):
        """Levenberg-Marquardt iterations; returns the final Jacobian, residuals, main step."""
        mdl = self.model(self.p)
        self.linear_start(mdl)       # (the linear parameters do not enter the model)
        p, act, eye, fa = self.p, self.act, self.eye, self.fa
        pos_cols = [act.index(c) for c in (POSITION, POSITION_LEFT, POSITION_RIGHT) if c in act]
        i_t, i_s = act.index(POSITION), act.index(BLUR)
        for _ in range(iters):
            jac, res, f0 = self.jacobian(p, mdl)
            mdl = None
            jt = jac.transpose(0, 2, 1)
            nm = jt @ jac
            gv = (jt @ res[..., None])[..., 0]
            diag = np.diagonal(nm, axis1=1, axis2=2)
            nm = nm + (LAMBDA * diag + 1e-12 * (diag.sum(1, keepdims=True) + 1.0)
                       + self.frozen)[:, :, None] * eye
            try:
                dpa = np.linalg.solve(nm, gv[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
            dpa = np.where(np.isfinite(dpa), dpa, 0.0) * fa        # steps of the active ones
            dpa[:, pos_cols] = np.minimum(np.maximum(dpa[:, pos_cols], -0.5), 0.5)
            lim = 0.5 * p[:, BLUR]
            dpa[:, i_s] = np.minimum(np.maximum(dpa[:, i_s], -lim), lim)
            p_new = p.copy()
            p_new[:, act] += dpa
            p_new[:, BLUR] = np.minimum(np.maximum(p_new[:, BLUR], MIN_OPTICS), 10.0)
            if (np.abs(dpa[:, i_t]).max(initial=0.0) < GN_STEP_T
                    and np.abs(dpa[:, i_s]).max(initial=0.0) < GN_STEP_S):
                # converged: the last step is below 2e-5 px, so the residuals after it
                # follow from the Jacobian at hand to second order in the step (< 1e-9 gray
                # levels) instead of another model evaluation
                res = res - (jac @ (p_new - p)[:, act, None])[..., 0]
                self.p = p_new
                return jac, res, f0
            p = p_new
        self.p = p
        return self.jacobian(p)

    def statistics(self, jac, res, f0, t0, s0, a0) -> StepFit:
        """Position uncertainty, score and (without the shading term) its score test."""
        p, w, y, e = self.p, self.w, self.y, self.e
        eye = self.eye
        rss = (res * res).sum(1)
        ym = (w * y).sum(1) / self.nwin.clip(1)
        tss = (w * (y - ym[:, None]) ** 2).sum(1)
        nm = jac.transpose(0, 2, 1) @ jac + self.frozen[:, :, None] * eye
        npar = self.fa.sum(1)
        dof = np.maximum(self.nwin - npar, 1)
        i_t = self.act.index(POSITION)
        shade_z = np.zeros(e)
        with np.errstate(all="ignore"):
            unit = np.broadcast_to(eye[:, i_t:i_t + 1], (e, len(self.act), 1))
            if self.shading:
                rhs = unit
            else:
                # and the shading direction u * P projected on the model, for the score test
                q = self.u * f0 * w
                rhs = np.concatenate([unit, jac.transpose(0, 2, 1) @ q[..., None]], axis=2)
            sol, std, score = position_std_score(nm + 1e-12 * eye, rhs, i_t, rss, dof, tss)
            if not self.shading and sol is not None:
                # the residuals' component along u * P after projecting out the model's own
                # directions
                q_perp = q - (jac @ sol[:, :, 1:2])[..., 0]
                var = rss / dof * (q_perp * q_perp).sum(1)
                shade_z = (q_perp * res).sum(1) / np.sqrt(np.maximum(var, 1e-300))
        return finish(p, t0, s0, a0, self.box_var, std, score, shade_z,
                       self.nwin >= npar + 2)


def fit_general(v, offsets, rows, t_n, s_n, a_n, iters, s_fixed, shading, foot) -> StepFit:
    """Fit blurred steps with neighbours, optional shading term and held blur.

    Parameters
    ----------
    v : ndarray (K, L)
        Profiles, samples at ``offsets`` (L,), 1 px apart.
    rows : ndarray (E,) int
        Profile of each edge (sorted by row, then position).
    t_n, s_n, a_n : ndarray (E,)
        Start position, total blur and step height of every edge (its neighbours' too).
    iters : int
        Most steps.
    s_fixed : ndarray (E,) or None
        Total blur to hold (NaN: free).
    shading : bool
        Fit the step-height slope term.
    foot : ndarray (E, 2) or None
        Image direction of each edge's profile (pixel footprint).

    Returns
    -------
    StepFit
    """
    f = _GeneralFit(v, offsets, rows, t_n, s_n, a_n, s_fixed, shading, foot)
    jac, res, f0 = f.solve(iters)
    return f.statistics(jac, res, f0, t_n, s_n, a_n)
