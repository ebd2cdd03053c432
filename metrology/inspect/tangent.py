"""Circles held tangent to lines: the joint fit of an arc and the straight edges it meets.

A circle fitted to a short arc alone is badly conditioned: its centre and radius trade off
along the arc's bisector (a quarter arc of radius R has a radius uncertainty about 20 times
that of a full circle of the same R).  A drawing's fillet, corner radius or slot end is
*tangent* to the straight edges beside it; fitting the arc together with those edges, under
the constraint that it touches them, pins the centre to the edges and leaves the arc to say only
how far it bulges: the radius of a quarter fillet becomes ~4 times more precise, the centre of a
slot end along the slot ~3 times.

The fits of the features are already least-squares estimates with covariances, so the joint
constrained fit is, to first order, their covariance-weighted adjustment onto the constraint
surface (a Gauss-Helmert / constrained generalised least-squares step, iterated to convergence
of the linearisation):

``theta* = theta_hat - S G^T (G S G^T)^-1 [g(theta_k) + G (theta_hat - theta_k)]``

with ``theta_hat`` the stacked circle (cx, cy, r) and line (offset, angle) parameters, ``S``
their block-diagonal covariance and ``g = 0`` the tangency conditions ``s n . (c - p) - r = 0``
(``n`` the line's normal, ``p`` its point, ``s = +-1`` the side the centre lies on).

Examples
--------
>>> import numpy as np
>>> from metrology.caliper.features import circle_feature, line_feature
>>> rng = np.random.default_rng(1)
>>> t = np.radians(np.linspace(5, 85, 30))              # a quarter fillet, R 6, centre (10, 10)
>>> arc = circle_feature("arc", np.c_[10 + 6 * np.cos(t), 10 + 6 * np.sin(t)]
...                      + rng.normal(0, 0.01, (30, 2)), "mm")
>>> x = np.linspace(-30, 10, 40)                         # the edges it meets: y = 16, x = 16
>>> bottom = line_feature("bottom", np.c_[x, 16 + rng.normal(0, 0.01, 40)], "mm")
>>> right = line_feature("right", np.c_[16 + rng.normal(0, 0.01, 40), x], "mm")
>>> joint = tangent_adjusted({"arc": arc, "bottom": bottom, "right": right}, ["arc"],
...                          ["bottom", "right"])
>>> bool(abs(joint["arc"].radius() - 6.0) < abs(arc.radius() - 6.0))
True
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..caliper.features import Feature
from ..errors import FitError

#: used by :func:`metrology.inspect.measure.evaluate` (``tangent_to``); not public API
__all__: list[str] = []

_ITERATIONS = 4


def tangent_adjusted(feats: Mapping[str, Feature], circles: Sequence[str],
                     lines: Sequence[str]) -> dict[str, Feature]:
    """``feats`` with the circles ``circles`` and lines ``lines`` adjusted so that every circle
    touches every line (their joint least-squares fit under the tangency constraints).

    Parameters
    ----------
    feats : mapping of name -> Feature
        Fitted features in one space (mm or px); the circles must be circle features and the
        lines line features, each with a covariance.
    circles, lines : sequence of str

    Returns
    -------
    dict
        A copy of ``feats`` with the adjusted circles and lines (covariances unchanged: the
        measurement's uncertainty is propagated through this adjustment by the caller).

    Raises
    ------
    FitError
        A feature without covariance, a circle whose centre lies on a line, or constraints
        that cannot all hold (a singular adjustment).
    """
    cs = [feats[n] for n in circles]
    ls = [feats[n] for n in lines]
    for f in cs + ls:
        if f.cov is None:
            raise FitError(f"tangent_to: {f.name!r} has no covariance (too few edge points): "
                           f"cannot fit it jointly")
    for f in cs:
        if f.kind != "circle":
            raise FitError(f"tangent_to: {f.name!r} is a {f.kind}, expected a circle")
    for f in ls:
        if not f.is_line:
            raise FitError(f"tangent_to: {f.name!r} is a {f.kind}, expected a line")
    nc, nl = len(cs), len(ls)
    theta_hat = np.concatenate([f.params for f in cs] + [f.params for f in ls]).astype(float)
    sizes = [3] * nc + [2] * nl
    S = np.zeros((theta_hat.size, theta_hat.size))
    k = 0
    for f, m in zip(cs + ls, sizes):
        S[k:k + m, k:k + m] = f.cov
        k += m
    base = np.array([f.base for f in ls], float).reshape(nl, 2)
    bnorm = np.array([f.base_normal for f in ls], float).reshape(nl, 2)
    ci = np.arange(nc)[:, None].repeat(nl, 1).ravel()          # constraint -> circle
    li = np.arange(nl)[None, :].repeat(nc, 0).ravel()          # constraint -> line

    def parts(theta):
        c = theta[:3 * nc].reshape(nc, 3)
        ln = theta[3 * nc:].reshape(nl, 2)
        a = ln[:, 1]
        n = np.stack([-np.sin(a), np.cos(a)], axis=1)              # (nl, 2) normals
        p = base + ln[:, :1] * bnorm                               # (nl, 2) points
        dc = c[ci, :2] - p[li]                                     # (K, 2)
        return c, n, p, dc, a

    c0, n0, _, dc0, _ = parts(theta_hat)
    side0 = np.einsum("kj,kj->k", n0[li], dc0)
    if np.any(np.abs(side0) < 1e-12 * np.maximum(1.0, c0[ci, 2])):
        raise FitError("tangent_to: a circle's centre lies on a line it should touch")
    side = np.sign(side0)

    def g_and_G(theta):
        c, n, p, dc, a = parts(theta)
        g = side * np.einsum("kj,kj->k", n[li], dc) - c[ci, 2]
        K = g.size
        G = np.zeros((K, theta.size))
        rows = np.arange(K)
        G[rows, 3 * ci] = side * n[li, 0]
        G[rows, 3 * ci + 1] = side * n[li, 1]
        G[rows, 3 * ci + 2] = -1.0
        col = 3 * nc + 2 * li
        G[rows, col] = -side * np.einsum("kj,kj->k", n[li], bnorm[li])
        dn = np.stack([-np.cos(a), -np.sin(a)], axis=1)            # d n / d angle
        G[rows, col + 1] = side * np.einsum("kj,kj->k", dn[li], dc)
        return g, G

    theta = theta_hat.copy()
    for _ in range(_ITERATIONS):
        g, G = g_and_G(theta)
        M = G @ S @ G.T
        try:
            lam = np.linalg.solve(M, g + G @ (theta_hat - theta))
        except np.linalg.LinAlgError:
            raise FitError("tangent_to: the tangency constraints cannot all hold (singular "
                           "adjustment)") from None
        theta = theta_hat - S @ G.T @ lam
    if not np.all(np.isfinite(theta)):
        raise FitError("tangent_to: the joint fit did not converge")
    out = dict(feats)
    k = 0
    for f, m in zip(cs + ls, sizes):
        out[f.name] = f.with_params(theta[k:k + m])
        k += m
    return out
