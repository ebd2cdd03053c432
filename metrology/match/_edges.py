"""Edge estimators shared by model building and refinement, so both see the same estimator.

``edge_offsets`` locates a subpixel edge along each of many normals (a coarse bilinear profile,
then re-centred bicubic 3-sample log-parabola fits); ``ridge_points`` finds the pixels on the
ridge of the gradient magnitude; ``thin_even`` keeps about one point per grid cell;
``coherence`` is the structure-tensor orientation coherence.  All are vectorised over points.

>>> import numpy as np
>>> from metrology.image.pyramid import gaussian_gradients
>>> img = np.zeros((20, 20), np.float32)
>>> img[:, 10:] = 100.0                       # a vertical step between columns 9 and 10
>>> gx, gy = gaussian_gradients(img, 1.0)
>>> grad = np.dstack([gx, gy])
>>> off, ok, _ = edge_offsets(grad, np.array([[8.0, 10.0]]), np.array([[1.0, 0.0]]), 3.0,
...                           True, 1.0)
>>> bool(ok[0]), round(float(8.0 + off[0]), 2)
(True, 9.5)
"""

from __future__ import annotations

import numpy as np

from ..image.pyramid import bicubic_combine, bicubic_taps, _sample_bilinear, _sample_bilinear_exact

__all__ = ["PROFILE_STEP", "log_parabola", "edge_offsets", "ridge_points", "thin_even", "thin_to",
           "coherence"]

PROFILE_STEP = 0.5  # sample spacing along a normal when locating a subpixel edge, px


def log_parabola(vm: np.ndarray, v0: np.ndarray, vp: np.ndarray) -> np.ndarray:
    """Peak offset (in samples, clipped to [-1, 1]) of a Gaussian through three positive samples.

    Parameters
    ----------
    vm, v0, vp : ndarray (N,)
        Samples at -1, 0, +1.

    Returns
    -------
    ndarray (N,) float64; 0 where the three samples do not bend down.
    """
    return _log_parabola3(np.stack([vm, v0, vp]))


def _log_parabola3(v: np.ndarray) -> np.ndarray:
    """:func:`log_parabola` of the three rows of ``v`` (3, N)."""
    lm, l0, lp = np.log(np.maximum(v, 1e-12))    # finite
    den = lm - 2.0 * l0 + lp
    bends = den < -1e-12
    off = 0.5 * (lm - lp) / np.where(bends, den, -1.0) * bends
    return np.clip(off, -1.0, 1.0)


def _profile(grad: np.ndarray, pts: np.ndarray, normals: np.ndarray, offs: np.ndarray,
             signed: bool) -> np.ndarray:
    """Bilinear samples (S, N) of ``g . n`` (or ``|g . n|``) at ``pts + offs n`` for offsets
    ``offs`` (S,) or (S, N); one ``cv2.remap`` with the points as columns."""
    import cv2

    nx, ny = normals[:, 0], normals[:, 1]
    offs = offs if offs.ndim == 2 else offs[:, None]
    mx = (pts[:, 0] + offs * nx).astype(np.float32)                            # (S, N)
    my = (pts[:, 1] + offs * ny).astype(np.float32)
    if mx.shape[1] < 32000:   # cv2.remap maps are limited to SHRT_MAX columns
        g = cv2.remap(grad, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                      borderValue=0)
    else:
        g = _sample_bilinear(grad, np.stack([mx, my], -1))
    v = g[..., 0] * nx + g[..., 1] * ny
    return v if signed else np.abs(v)


def _bicubic_profile(grad: np.ndarray, pts: np.ndarray, normals: np.ndarray, offs: np.ndarray,
                     signed: bool) -> np.ndarray:
    """Bicubic samples (S, N) of ``g . n`` (or ``|g . n|``) at ``pts + offs n`` (offsets
    (S, N)): the 16 taps of each sample are projected on its normal before they are weighted
    (one weighted sum instead of one per channel; the same value up to rounding); 0 where the
    support leaves the image."""
    nx, ny = normals[:, 0], normals[:, 1]
    (tx, ty), wy, wx, inside = bicubic_taps(grad, pts[:, 0] + offs * nx, pts[:, 1] + offs * ny)
    v = bicubic_combine(tx * nx.astype(np.float32) + ty * ny.astype(np.float32), wy, wx)
    v *= inside
    return v if signed else np.abs(v)


def edge_offsets(grad: np.ndarray, pts: np.ndarray, normals: np.ndarray, half_px: float,
                 signed: bool, min_value: float,
                 fine_iters: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subpixel edge position along each normal within ``+-half_px`` of each point.

    A coarse profile (bilinear samples every 0.5 px) finds the peak of the directional
    derivative; then re-centred 3-sample bicubic profiles (at -0.5, 0, +0.5 px around the
    current estimate) refine it with a log-parabola (Gaussian) fit.  Centring the final fit on
    the peak makes the estimator the same wherever the edge lies on the pixel grid, so template
    and image edges are located alike.  Profiles are laid out (samples, points) so that every
    operation runs along the long axis.

    Parameters
    ----------
    grad : ndarray (H, W, 2) float32
        Image gradient (gx, gy).
    pts, normals : ndarray (N, 2)
        Start points and unit normals.
    half_px : float
        Half-length of the search window, px.
    signed : bool
        True: look for a maximum of ``g . n`` (same polarity); False: of ``|g . n|``.
    min_value : float
        Smallest directional derivative accepted as an edge.
    fine_iters : int
        Re-centred bicubic refinements.

    Returns
    -------
    offset : ndarray (N,) float64
        Distance along the normal to the edge, px.
    ok : ndarray (N,) bool
        A peak above ``min_value`` strictly inside the window.
    value : ndarray (N,) float64
        The directional derivative at the peak.
    """
    h3 = np.array([-PROFILE_STEP, 0.0, PROFILE_STEP])[:, None]
    k = round(half_px / PROFILE_STEP)
    offs = np.arange(-k, k + 1) * PROFILE_STEP                                   # (S,)
    v = _profile(grad, pts, normals, offs, signed)                               # (S, N)
    i = np.argmax(v[1:-1], axis=0) + 1
    v3 = v[i + np.array([-1, 0, 1])[:, None], np.arange(len(pts))]               # (3, N)
    ok = (v3[1] >= min_value) & (v3[1] >= v3[0]) & (v3[1] >= v3[2])
    e = offs[i] + _log_parabola3(v3) * PROFILE_STEP
    for _ in range(fine_iters):
        v3 = _bicubic_profile(grad, pts, normals, e + h3, signed)                # (3, N)
        ok &= (v3[1] >= v3[0]) | (v3[1] >= v3[2])
        e = e + _log_parabola3(v3) * PROFILE_STEP
    ok &= np.abs(e) <= half_px
    return e, ok, v3[1]


def ridge_points(gx: np.ndarray, gy: np.ndarray, valid: np.ndarray,
                 threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixels whose gradient magnitude is a maximum along the gradient direction (thin edges).

    Parameters
    ----------
    gx, gy : ndarray (H, W)
        Gradient components.
    valid : ndarray (H, W) bool
        Pixels that may hold an edge.
    threshold : float
        Smallest gradient magnitude of an edge.

    Returns
    -------
    xy : ndarray (N, 2) float64
        Pixel centres (x, y).
    magnitude : ndarray (N,)
    """
    mag = np.hypot(gx, gy)
    ys, xs = np.nonzero(valid & (mag > threshold))
    if len(xs) == 0:
        return np.zeros((0, 2)), np.zeros(0)
    m = mag[ys, xs]
    d = np.stack([gx[ys, xs], gy[ys, xs]], 1) / m[:, None]
    p = np.stack([xs, ys], 1).astype(np.float64)
    mp = _sample_bilinear_exact(mag, p + d)
    mm = _sample_bilinear_exact(mag, p - d)
    keep = (m >= mp) & (m > mm)
    return p[keep], m[keep]


def thin_even(xy: np.ndarray, strength: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of a subset with about one point per ``spacing`` x ``spacing`` cell (strongest).

    Parameters
    ----------
    xy : ndarray (N, 2)
    strength : ndarray (N,)
        The strongest point of each cell is kept.
    spacing : float
        Cell size, px (<= 1 keeps every point).

    Returns
    -------
    ndarray (M,) int, sorted.
    """
    if spacing <= 1.0 or len(xy) == 0:
        return np.arange(len(xy))
    cell = np.floor(xy / spacing).astype(np.int64)
    key = cell[:, 0] * 1_000_003 + cell[:, 1]
    order = np.lexsort((-strength, key))
    first = np.ones(len(order), bool)
    first[1:] = key[order][1:] != key[order][:-1]
    return np.sort(order[first])


def thin_to(xy: np.ndarray, strength: np.ndarray, max_points: int, growth: float) -> np.ndarray:
    """Indices of an evenly thinned subset of at most ``max_points`` points: the cell size of
    :func:`thin_even` grows by ``growth`` from 1 px until the subset is small enough."""
    spacing, idx = 1.0, np.arange(len(xy))
    while len(idx) > max_points:
        spacing *= growth
        idx = thin_even(xy, strength, spacing)
    return idx


def coherence(gx: np.ndarray, gy: np.ndarray, sigma: float) -> np.ndarray:
    """Orientation coherence of the structure tensor (1 on straight edges, lower at corners).

    Parameters
    ----------
    gx, gy : ndarray (H, W) float32
    sigma : float
        Integration scale of the tensor, px.

    Returns
    -------
    ndarray (H, W) in [0, 1]
    """
    import cv2

    k = int(np.ceil(3 * sigma)) * 2 + 1
    jxx = cv2.GaussianBlur(gx * gx, (k, k), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (k, k), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (k, k), sigma)
    tr = jxx + jyy
    disc = np.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2)
    return np.where(tr > 1e-9, disc / np.maximum(tr, 1e-9), 0.0)
