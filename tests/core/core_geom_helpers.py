"""Helpers shared by the core geometry tests (similarity transforms of fits, angle wrapping)."""

import numpy as np

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
