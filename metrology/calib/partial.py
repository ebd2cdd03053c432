"""Corners of a board seen in part: check their identities, fill the lattice, refit them all.

The id'd boards of :mod:`~metrology.calib.targets` give OpenCV's corner positions with their
board coordinates (row, column).  This module turns such a partial set into measured corners:

1. **Identity check** -- every corner is predicted from its identified neighbours on the board
   (a local affine map board -> image fitted to the 8 nearest, twice, leaving out the worst);
   a corner more than a quarter of a square from its prediction carries a wrong id (a misread
   or foreign marker, a duplicate) and is dropped.
2. **Lattice** -- the rectangle of board rows/columns spanned by the corners, grown by one row
   and column each way, is filled with predicted positions where no corner was reported, so
   the corners between cut-off markers (at the image border) are tried too; a second ring is
   predicted from the corners the first one added.
3. **Refit** -- every corner of that rectangle is refitted by the unbiased X-junction model of
   :func:`~metrology.calib.board.refine_corners` (undistorted coordinates when a camera is
   given); a corner that was only predicted is kept when its fit succeeds within a quarter
   square of the prediction, with its whole window inside the image.  Corners closer than
   3 px to the image border are dropped (too little of their window is seen).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .board import BoardDetection, refine_corners

__all__: list[str] = []  # internal to metrology.calib (no argument checks)

_K = 8  # neighbours of a local affine prediction
_MARKER_ALLOWANCE_PX = 2.0  # pixels kept clear of a ChArUco marker's edge (its blur)
_MARGIN_LEFT_PX = 0.5  # white margin a corner needs beyond that allowance


def lattice_predict(grid_src: np.ndarray, px_src: np.ndarray, grid_query: np.ndarray, *,
                    exclude_self: bool = False, use: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Predict pixel positions of board lattice points from nearby known ones.

    Each query is predicted by a local homography board -> image fitted to its (up to) 8
    nearest usable sources (a plane seen in perspective: exact but for the lens), or by a
    local affine map where fewer than 6 sources exist or their homography is ill-posed.
    An affine map alone is off by up to 0.2 of a square on steeply tilted views near the
    image corner (measured on the rendered ChArUco views of the station tests; the local
    homography 0.035 of a square at most), enough to fail the identity check of good corners.

    Parameters
    ----------
    grid_src : ndarray (M, 2)
        Board ``(column, row)`` of the known corners.
    px_src : ndarray (M, 2)
        Their pixel positions.
    grid_query : ndarray (Q, 2)
        Board ``(column, row)`` to predict.
    exclude_self : bool
        The queries are the sources themselves: leave each one out of its own fit.
    use : ndarray (M,) bool, optional
        Sources allowed in the fits.

    Returns
    -------
    pred : ndarray (Q, 2)
        Local prediction (NaN where fewer than 3 non-collinear sources exist).
    A : ndarray (Q, 2, 2)
        The local map's derivative ``d px / d (column, row)`` at the query (pixels per
        square; NaN where there is no prediction).
    """
    g = np.asarray(grid_src, float)
    p = np.asarray(px_src, float)
    q = np.asarray(grid_query, float)
    use = np.ones(len(g), bool) if use is None else np.asarray(use, bool)
    d2 = np.sum((q[:, None, :] - g[None, :, :]) ** 2, axis=-1)
    d2 = np.where(use[None, :], d2, np.inf)
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    k = min(_K, len(g))
    nn = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(g) else \
        np.broadcast_to(np.arange(len(g)), (len(q), len(g)))
    dn = np.take_along_axis(d2, nn, axis=1)
    w = np.isfinite(dn).astype(float)
    gl = g[nn] - q[:, None, :]  # (Q, k, 2) sources in squares from the query
    G = np.concatenate([gl, np.ones(nn.shape + (1,))], axis=-1)  # (Q,k,3)
    Gw = G * w[..., None]
    N = np.einsum("qki,qkj->qij", Gw, G)
    b = np.einsum("qki,qkd->qid", Gw, p[nn])
    det = np.linalg.det(N)
    ok = (w.sum(axis=1) >= 3) & (np.abs(det) > 1e-9)
    N = np.where(ok[:, None, None], N, np.eye(3))
    coef = np.linalg.solve(N, np.where(ok[:, None, None], b, 0.0))  # (Q, 3, 2)
    pred = np.where(ok[:, None], coef[:, 2, :], np.nan)
    A = np.swapaxes(coef[:, :2, :], 1, 2)  # A[q, i, j] = d px_i / d grid_j
    hp, hA, hok = _local_homography(gl, p[nn], w)
    use_h = ok & hok
    pred = np.where(use_h[:, None], hp, pred)
    A = np.where(use_h[:, None, None], hA, A)
    return pred, np.where(ok[:, None, None], A, np.nan)


def _local_homography(gl: np.ndarray, pk: np.ndarray, w: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Homographies ``(column, row) -> px`` of ``Q`` sets of ``k`` neighbours, evaluated at
    the origin of ``gl`` (the query): ``(pred (Q, 2), A (Q, 2, 2), ok (Q,))``.

    Weighted DLT (weights 0/1 ``w``) on normalised pixel coordinates; ``ok`` where at least
    6 neighbours count, the null space is well separated and the query is not near the
    homography's line at infinity."""
    Q, k = w.shape
    cen = np.sum(pk * w[..., None], axis=1) / np.maximum(w.sum(axis=1), 1)[:, None]
    d = pk - cen[:, None, :]
    scale = np.sqrt(np.sum(w * np.sum(d ** 2, axis=-1), axis=1) /
                    np.maximum(w.sum(axis=1), 1)) + 1e-12
    u = np.where(w[..., None] > 0, d / scale[:, None, None], 0.0)
    x, y = gl[..., 0], gl[..., 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    r1 = np.stack([x, y, one, zero, zero, zero, -u[..., 0] * x, -u[..., 0] * y, -u[..., 0]], -1)
    r2 = np.stack([zero, zero, zero, x, y, one, -u[..., 1] * x, -u[..., 1] * y, -u[..., 1]], -1)
    M = np.concatenate([r1, r2], axis=1) * np.concatenate([w, w], axis=1)[..., None]
    M = np.where(np.isfinite(M), M, 0.0)
    _, sv, Vt = np.linalg.svd(M)  # (Q, 2k, 9)
    h = Vt[:, -1, :]  # (Q, 9)
    h33 = h[:, 8]
    ok = (w.sum(axis=1) >= 6) & (sv[:, 7] > 1e-6 * sv[:, 0]) & \
        (np.abs(h33) > 1e-3 * np.linalg.norm(h, axis=1))
    h33 = np.where(ok, h33, 1.0)
    pred = cen + scale[:, None] * np.stack([h[:, 2], h[:, 5]], -1) / h33[:, None]
    # d/d(x, y) of (h1 x + h2 y + h3) / (h7 x + h8 y + h9) at the origin
    A = np.empty((Q, 2, 2))
    for i, (a, c) in enumerate(((0, 2), (3, 5))):
        A[:, i, 0] = (h[:, a] * h33 - h[:, c] * h[:, 6]) / h33 ** 2
        A[:, i, 1] = (h[:, a + 1] * h33 - h[:, c] * h[:, 7]) / h33 ** 2
    return pred, A * scale[:, None, None], ok


def square_size(A: np.ndarray) -> np.ndarray:
    """Local square size in pixels, ``sqrt |det A|`` of :func:`lattice_predict`'s maps."""
    return np.sqrt(np.abs(A[:, 0, 0] * A[:, 1, 1] - A[:, 0, 1] * A[:, 1, 0]))


def check_identities(grid: np.ndarray, px: np.ndarray, *, tol_squares: float = 0.25
                     ) -> np.ndarray:
    """Corners whose position agrees with their identified neighbours, ``(M,)`` bool.

    Each corner is predicted by :func:`lattice_predict` from the others (twice: the second
    time without the corners the first pass found off); one farther than ``tol_squares`` of
    the local square from its prediction is a wrong identity.
    """
    grid = np.asarray(grid, float)
    px = np.asarray(px, float)
    if len(grid) < 4:
        return np.zeros(len(grid), bool)
    use = np.ones(len(grid), bool)
    for _ in range(2):
        pred, A = lattice_predict(grid, px, grid, exclude_self=True, use=use)
        err = np.linalg.norm(pred - px, axis=1)
        lim = tol_squares * square_size(A)
        good = np.isfinite(err) & (err <= np.where(np.isfinite(lim), lim, 0.0))
        use = ~(np.isfinite(err) & ~good)  # leave out the ones found off (not the unchecked)
    return good


def marker_weights(sub: np.ndarray, init: np.ndarray, A: np.ndarray, white: np.ndarray,
                   margin: float, allowance_px: float = _MARKER_ALLOWANCE_PX):
    """A ``weight_fn`` for :func:`~metrology.calib.board.refine_corners` that keeps the
    markers of a ChArUco board out of each corner's window.

    Parameters
    ----------
    sub : ndarray (S, 2) int
        Board ``(column, row)`` of the corners being fitted.
    init : ndarray (S, 2)
        Their starting pixel positions.
    A : ndarray (S, 2, 2)
        Local maps ``d px / d (column, row)`` (:func:`lattice_predict`).
    white : ndarray (rows + 1, cols + 1) bool
        Squares holding a marker (column, row counted from the top-left outer square).
    margin : float
        White margin between a square's edge and its marker, in squares.
    allowance_px : float
        Pixels kept clear of the marker's edge (its blur).

    Returns
    -------
    callable ``(X, Y, index) -> (n, M)`` weights: 0 over the markers of the corners' white
    squares, 1 elsewhere.
    """
    Ainv = np.linalg.inv(np.where(np.isfinite(A), A, np.eye(2)))
    sq = square_size(np.where(np.isfinite(A), A, np.eye(2)))
    c, r = sub[:, 0], sub[:, 1]
    h, w = white.shape
    # quadrant (sign of u_x, sign of u_y) -> square (column, row): u < 0 is the lower index
    quad = {}
    for sx in (-1, 1):
        for sy in (-1, 1):
            i = c + (1 if sx > 0 else 0)
            j = r + (1 if sy > 0 else 0)
            inb = (i >= 0) & (i < w) & (j >= 0) & (j < h)
            quad[(sx, sy)] = inb & white[np.clip(j, 0, h - 1), np.clip(i, 0, w - 1)]

    def masked(ux: np.ndarray, uy: np.ndarray, k: np.ndarray) -> np.ndarray:
        lim = margin - allowance_px / sq[k, None]
        near = np.minimum(np.abs(ux), np.abs(uy)) > lim
        out = np.zeros(ux.shape, bool)
        for (sx, sy), is_white in quad.items():
            out |= (np.sign(ux) == sx) & (np.sign(uy) == sy) & near & is_white[k, None]
        return out

    def weight(X: np.ndarray, Y: np.ndarray, index: np.ndarray) -> np.ndarray:
        k = np.asarray(index)
        dx = X - init[k, 0:1]
        dy = Y - init[k, 1:2]
        ux = Ainv[k, 0, 0:1] * dx + Ainv[k, 0, 1:2] * dy  # board squares from the corner
        uy = Ainv[k, 1, 0:1] * dx + Ainv[k, 1, 1:2] * dy
        # the mask is made point-symmetric about the corner (a pixel goes when it or its
        # mirror image lies on a marker), as the corner model is: an asymmetric window
        # would bias the fitted corner wherever the model and the image differ slightly
        return np.where(masked(ux, uy, k) | masked(-ux, -uy, k), 0.0, 1.0)
    return weight


def refine_partial(gray: np.ndarray, cols: int, rows: int, grid: np.ndarray, px: np.ndarray,
                   *, camera: Any = None, markers: tuple[np.ndarray, float] | None = None,
                   grow: int = 2, max_radius_px: float = 14.0) -> dict:
    """Refit identified corners of a partly seen board (see the module docstring).

    Parameters
    ----------
    gray : ndarray (h, w) float32
    cols, rows : int
        Inner corners of the whole board.
    grid : ndarray (M, 2) int
        Board ``(column, row)`` of the identified corners (checked already).
    px : ndarray (M, 2)
        Their pixel positions (OpenCV's).
    camera : CameraModel, optional
        Fit in undistorted coordinates.
    markers : (white, margin), optional
        A ChArUco board's marker squares ``(rows + 1, cols + 1)`` bool and white margin (in
        squares): the markers are masked out of the fit windows (:func:`marker_weights`);
        corners whose white margin is narrower than 2.5 px in the image, or whose fit
        residual exceeds 1.75 x the view's median, are dropped.
    grow : int
        Rings of lattice points around the identified corners to try as well (each ring
        predicted from the corners measured before it; 0: none).
    max_radius_px : float
        Largest fit window radius (:func:`~metrology.calib.board.refine_corners`).

    Returns
    -------
    dict with ``corners`` (N, 2) (NaN where not measured), ``ok`` (N,), ``blur`` (N,),
    ``contrast`` (N,), ``rms`` (N,) over the whole board (``N = cols * rows``), and
    ``square_px`` (median local square size).
    """
    grid = np.asarray(grid, int)
    px = np.asarray(px, float)
    res = _refine_ring(gray, cols, rows, grid, px, camera, markers, min(grow, 1), max_radius_px)
    for _ in range(max(int(grow) - 1, 0)):
        ok = res["ok"]
        if ok.sum() <= len(grid):  # the last ring added nothing
            break
        idx = np.nonzero(ok)[0]
        grid, px = np.stack([idx % cols, idx // cols], axis=1), res["corners"][idx]
        res = _refine_ring(gray, cols, rows, grid, px, camera, markers, 1, max_radius_px)
    return res


def _refine_ring(gray: np.ndarray, cols: int, rows: int, grid: np.ndarray, px: np.ndarray,
                 camera: Any, markers: tuple | None, g: int, max_radius_px: float) -> dict:
    """One pass of :func:`refine_partial`: the identified corners and ``g`` rings around."""
    n = cols * rows
    out = {"corners": np.full((n, 2), np.nan), "ok": np.zeros(n, bool),
           "blur": np.full(n, np.nan), "contrast": np.full(n, np.nan),
           "rms": np.full(n, np.nan), "square_px": float("nan")}
    if len(grid) < 4:
        return out
    c0, r0 = np.maximum(grid.min(axis=0) - g, 0)
    c1, r1 = np.minimum(grid.max(axis=0) + g, [cols - 1, rows - 1])
    sc, sr = int(c1 - c0 + 1), int(r1 - r0 + 1)
    if sc < 2 or sr < 2:
        return out
    rr, cc = np.mgrid[r0:r1 + 1, c0:c1 + 1]
    sub = np.stack([cc.ravel(), rr.ravel()], axis=1)  # (S, 2) (col, row), row-major
    pred, A = lattice_predict(grid, px, sub)
    sq = square_size(A)
    if not np.any(np.isfinite(sq)):
        return out
    known = np.full(len(sub), -1)
    known[(grid[:, 1] - r0) * sc + (grid[:, 0] - c0)] = np.arange(len(grid))
    init = np.where((known >= 0)[:, None], px[np.maximum(known, 0)], pred)
    have = np.all(np.isfinite(init), axis=1)
    if have.sum() < 4:
        return out
    # lattice points with no prediction (far from every identified corner) start at the
    # mean position so the grid stays complete; they are never kept
    init = np.where(have[:, None], init, np.nanmean(init[have], axis=0))
    square_px = float(np.nanmedian(sq))
    wfn = None
    if markers is not None:
        A_f = np.where(np.isfinite(A), A, np.nanmedian(A, axis=0))
        wfn = marker_weights(sub, init, A_f, markers[0], markers[1])
    h, w = gray.shape
    with np.errstate(over="ignore", invalid="ignore"):  # fits of lattice points that are no
        # corner (beyond the board's print, under a marker) may diverge; they are rejected
        cor, ok, blur, con, rms = refine_corners(gray, init, sc, sr, camera=camera,
                                                 max_radius_px=max_radius_px, weight_fn=wfn)
    sq0 = np.where(np.isfinite(sq), sq, 0.0)
    # a predicted corner must have been found near its prediction, its window inside
    win = 0.42 * sq0 + 1.0
    inside = (init[:, 0] >= win) & (init[:, 0] <= w - 1 - win) & (init[:, 1] >= win) & \
        (init[:, 1] <= h - 1 - win)
    moved = np.linalg.norm(cor - init, axis=1)
    predicted_ok = have & inside & (moved <= 0.25 * sq0)
    edge = (cor[:, 0] >= 3) & (cor[:, 0] <= w - 4) & (cor[:, 1] >= 3) & (cor[:, 1] <= h - 4)
    keep = ok & edge & ((known >= 0) | predicted_ok)
    if markers is not None:
        # the white margin between a corner and the markers must leave room for the edge's
        # white side once the marker's blur is masked (a narrow margin, or one foreshortened
        # by the view, leaves the corner to the black squares alone: off by 0.1-0.2 px).
        # Measured on 8 rendered views (sigma_n 1-2.5 px): allowance 2 px and 0.5 px left
        # keep 312 corners at 0.0124 px RMS, 2.5 + 1.5 px 192 corners at 0.0129 px
        sv = np.linalg.svd(np.where(np.isfinite(A), A, 0.0), compute_uv=False)[:, -1]
        keep &= markers[1] * sv >= _MARKER_ALLOWANCE_PX + _MARGIN_LEFT_PX
    if markers is not None and keep.any():
        # a fit whose residual stands out has a marker's edge in its window: measured on
        # renders, corners above 1.75x the view's median residual are off by 0.03-0.3 px,
        # those below by 0.011 px RMS
        keep &= rms <= 1.75 * np.median(rms[keep])
    # the refined corners must still agree with their neighbours (a fit that slid onto a
    # marker's corner or another feature does not)
    if keep.sum() >= 4:
        agree = check_identities(sub[keep], cor[keep], tol_squares=0.1)
        kk = np.nonzero(keep)[0]
        keep[kk[~agree]] = False
    idx = sub[:, 1] * cols + sub[:, 0]
    out["corners"][idx[keep]] = cor[keep]
    out["ok"][idx[keep]] = True
    out["blur"][idx] = blur
    out["contrast"][idx] = con
    out["rms"][idx[keep]] = rms[keep]
    out["square_px"] = square_px
    return out


def assemble_detection(res: dict, image_size: tuple[int, int], method: str,
                       refined: bool) -> BoardDetection:
    """A :class:`BoardDetection` of the whole board from :func:`refine_partial`'s output."""
    ok = res["ok"]
    sharp = float(np.median(res["blur"][ok])) if np.any(ok) else float("nan")
    con = float(np.median(res["contrast"][ok])) if np.any(ok) else float("nan")
    return BoardDetection(res["corners"], ok, image_size, method, refined, sharp,
                          float(res["square_px"]), con, res["rms"])


def usable_view(corner_ok: np.ndarray, cols: int, min_corners: int) -> tuple[bool, str]:
    """Whether a partial view has enough corners for calibration: at least ``min_corners``
    spanning 3 rows and 3 columns of the board (a view along one line says nothing about the
    lens).  Returns ``(usable, reason)``."""
    idx = np.nonzero(np.asarray(corner_ok, bool))[0]
    if idx.size < min_corners:
        return False, f"only {idx.size} identified corners (need {min_corners})"
    cs, rs = np.unique(idx % cols), np.unique(idx // cols)
    if cs.size < 3 or rs.size < 3:
        return False, (f"the {idx.size} corners span {cs.size} column(s) and {rs.size} row(s) "
                       f"of the board (need 3 of each)")
    return True, ""
