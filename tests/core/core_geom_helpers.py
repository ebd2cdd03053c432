"""Helpers shared by the core geometry tests (similarity transforms of fits, angle wrapping)."""

import numpy as np
import pytest

from metrology import Pose2D


def wrap180(deg):
    """Wrap an angle difference for undirected axes to [-90, 90)."""
    return (np.asarray(deg) + 90.0) % 180.0 - 90.0


def parallel_err(d1, d2):
    """|sin| of the angle between two (undirected) directions."""
    d1 = np.asarray(d1)
    d2 = np.asarray(d2)
    return np.abs(d1[..., 0] * d2[..., 1] - d1[..., 1] * d2[..., 0])


def transform(T: Pose2D, p):
    return T.apply(np.asarray(p, dtype=float))


# --- single-set fast paths of the fits (test_core_fit_circle_single, _fit_ellipse_fast) -------

def fit_weights(n: int, seed: int, kind: int):
    """None (unit), random positive weights, or random weights with up to a quarter zero
    (>= 5 kept)."""
    if kind == 0:
        return None
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 3.0, n)
    if kind == 2:
        w[rng.permutation(n)[:max(0, min(n - 5, n // 4))]] = 0.0
    return w


def general_path(monkeypatch, module, fit, *args, **kw):
    """``fit(*args, **kw)`` on one set with ``module``'s fast path switched off (the batched,
    general path's result)."""
    with monkeypatch.context() as m:
        m.setattr(module, "_fit_single", lambda *a: None)
        return fit(*args, **kw)


def assert_same_fields(f, ref, scalars, arrays):
    """The fast path's result has the general path's field types and values: Python scalars
    for ``scalars``, arrays of the same shape and dtype for ``arrays``."""
    for name in scalars:
        a, b = getattr(f, name), getattr(ref, name)
        assert type(a) is type(b), name
        assert (a == b if isinstance(b, str) else a == pytest.approx(b, rel=1e-8)), name
    for name in arrays:
        a, b = getattr(f, name), getattr(ref, name)
        assert isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype, name
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)
