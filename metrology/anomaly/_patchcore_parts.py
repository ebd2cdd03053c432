"""Parts of :mod:`metrology.anomaly.patchcore` kept apart so that module stays small: input
checks and resizing, the border-ring normalisation, the patch bank's own map and score
(``score`` and :func:`~metrology.anomaly.explain.explain` share it), and the fit-time glue of
the line channel (:mod:`._line_scan`) and of ``select="auto"`` (:mod:`._select`)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError
from ..image.io import as_gray, load_image
from ._edge_band import edge_band_roi
from .base import AnomalyScore
from ._line_scan import LineScan
from ._local_rms import decide as local_rms_decision
from ._marginal import JET_GATE, SKEW_GATE, Marginal, skewness
from .coreset import greedy_coreset
from .neighbors import NearestNeighbors


def query_cells(index: NearestNeighbors, q: np.ndarray, cells: np.ndarray, k: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """``index.query(q, k)`` for the rows of ``q`` (a feature grid's cells, row-major) that
    ``cells`` (bool, the grid) marks; the others' distances 0 and neighbours 0.  The scorer
    zeroes every cell outside its view anyway, so only the face's cells are searched (the
    distances are the same: each query row is ranked on its own)."""
    sel = np.asarray(cells, bool).ravel()
    if sel.all():
        return index.query(q, k=k)
    d = np.zeros((len(q), k), np.float32)
    idx = np.zeros((len(q), k), np.int64)
    if sel.any():
        d[sel], idx[sel] = index.query(q[sel], k=k)
    return d, idx


def bank_map(pc: Any, img: np.ndarray, aligned: bool
             ) -> tuple[np.ndarray, float, np.ndarray | None]:
    """The patch bank's own part of ``PatchCore.score`` on a prepared image ``img`` (the
    training size): its map at the image's resolution (cut to the view's pixel mask), its
    image score (``settings.image_score``) and that pixel mask (None: all), before the extra
    channels are combined with them (``_fusion.combine``)."""
    import cv2

    raw, q, d1, i1 = pc._patch_scores(img, aligned)
    cells, pixel_mask = pc._view(aligned)
    st = pc.features.stride
    sm = pc._smooth(raw, cells)
    if pc.settings.image_score in ("topk", "max"):
        value = pc._reduce(sm, cells)
    else:
        value = pc._reweighted(raw, q, d1, i1)
    h, w = raw.shape
    up = cv2.resize(sm, (w * st, h * st), interpolation=cv2.INTER_LINEAR)
    up = up[:img.shape[0], :img.shape[1]]
    if pixel_mask is not None:
        up *= pixel_mask
    return up, value, pixel_mask


def scored(pc: Any, up: np.ndarray, value: float, in_shape: tuple[int, int]
           ) -> AnomalyScore:
    """``PatchCore.score``'s result of the combined map ``up`` (the training size) and image
    score ``value``: the map resized to the input image's size ``in_shape``, the threshold."""
    import cv2

    if up.shape != tuple(in_shape):
        up = cv2.resize(up, (in_shape[1], in_shape[0]), interpolation=cv2.INTER_LINEAR)
    thr = None if pc.threshold is None else pc.threshold.value
    return AnomalyScore(value, np.ascontiguousarray(up, dtype=np.float32), thr)


def images_list(images: Any, name: str) -> list[np.ndarray]:
    """Validated list of image arrays from a sequence of arrays/paths or an (N, H, W) array."""
    if isinstance(images, np.ndarray):
        if images.ndim == 4 or (images.ndim == 3 and images.shape[2] not in (1, 3, 4)):
            seq = list(images)
        else:
            raise InputError(f"{name}: expected a sequence of images (or an (N, H, W) array), "
                             f"given one array of shape {images.shape}; wrap a single image in "
                             f"a list")
    elif isinstance(images, (str, bytes, os.PathLike)):
        raise InputError(f"{name}: expected a sequence of images or paths, given one path; "
                         f"wrap it in a list")
    else:
        try:
            seq = list(images)
        except TypeError:
            raise InputError(f"{name}: expected a sequence of images, given "
                             f"{type(images).__name__}") from None
    if not seq:
        raise InputError(f"{name}: expected at least one good image, given none")
    return [load_image(im, f"{name}[{i}]") for i, im in enumerate(seq)]


def _channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else int(image.shape[2])


def _box(f: np.ndarray, size: int) -> np.ndarray:
    """``size`` x ``size`` average over the grid, per channel (edges reflected, as the features
    themselves are): shifted sums, two passes of ``size - 1`` additions."""
    if size <= 1:
        return f
    pad = size // 2
    h, w = f.shape[:2]
    p = np.pad(f, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    rows = p[0:h].copy()
    for i in range(1, size):
        rows += p[i:i + h]
    out = rows[:, 0:w].copy()
    for j in range(1, size):
        out += rows[:, j:j + w]
    out *= np.float32(1.0 / (size * size))
    return out


def _resize(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    out = cv2.resize(img, (int(shape[1]), int(shape[0])), interpolation=cv2.INTER_AREA
                     if img.shape[0] > shape[0] else cv2.INTER_LINEAR)
    if img.ndim == 3 and out.ndim == 2:
        out = out[:, :, None]
    return out


#: the line channel's face keeps at least this far from strong edges (px): the part's own
#: edges are long straight lines, moved by the placement jitter
LINE_BAND_PX = 6.0
#: ``select="auto"`` runs with at least this many good images (fewer: the settings as given)
SELECT_MIN_IMAGES = 15
#: the spread of PatchCore's held-back good scores is taken as at least this share of their mean
PC_SD_FLOOR = 0.01
#: border rings (in feature cells) whose bank distances are normalised
_RINGS = 4
#: quantile of the distances compared between a border ring and the interior
_RING_Q = 0.99


def _rings(grid: tuple[int, int]) -> np.ndarray:
    """(h, w) int: each cell's distance to the grid border in cells (0 on the border)."""
    r, c = np.arange(grid[0]), np.arange(grid[1])
    return np.minimum(np.minimum(r, grid[0] - 1 - r)[:, None], np.minimum(c, grid[1] - 1 - c)[None])


def _ring_scale(z, ring, image_id, n_bank, s, g):
    """Divisor of the bank distance of cells in border ring 0.._RINGS-1 (the last entry, 1, for
    the interior): the ratio of the ring's 99th-percentile distance to the interior's (at
    least 1), measured on every 5th training image against a bank built, as the real one, from
    the others.  Features near the border see a reflected margin, and a new part's border
    patches are rarer in the bank than its interior ones: without this a good part's map
    peaks at its border (measured on faces that fill the image).  Returns it (None below 5
    images) and the index of that bank (None below 5 images), which puts the held-back
    images' scores on the line channel's scale."""
    held = image_id % 5 == 4
    if image_id.max() < 4 or held.all() or not held.any():
        return None, None
    rest = z[~held]
    nb = min(n_bank, len(rest))
    bank = rest if nb >= len(rest) else rest[greedy_coreset(
        rest, nb, projection_dim=s.projection_dim, rng=g)]
    pick = np.flatnonzero(held)
    pick = pick if len(pick) <= 20_000 else g.choice(pick, 20_000, replace=False)
    index = NearestNeighbors(np.ascontiguousarray(bank), s.nn)
    d = index.query(z[pick])[0][:, 0]
    rg = np.minimum(ring[pick], _RINGS)
    out = np.ones(_RINGS + 1, np.float32)
    ref = d[rg == _RINGS]
    if ref.size < 50 or np.quantile(ref, _RING_Q) <= 0:
        return out, index
    q_in = float(np.quantile(ref, _RING_Q))
    for r in range(_RINGS):
        if np.count_nonzero(rg == r) >= 50:
            out[r] = max(1.0, float(np.quantile(d[rg == r], _RING_Q)) / q_in)
    return out, index


def _check_roi(roi: Any, shape: tuple[int, int]) -> np.ndarray:
    m = np.asarray(roi)
    if m.shape != tuple(shape):
        raise InputError(f"roi: expected a ({shape[0]}, {shape[1]}) mask of the training image "
                         f"size, given shape {m.shape}")
    if m.dtype != bool:
        if not np.issubdtype(m.dtype, np.number) or not np.all(np.isfinite(m)):
            raise InputError(f"roi: expected a boolean mask, given dtype {m.dtype}")
        m = m != 0
    if not m.any():
        raise InputError("roi: the mask is empty")
    return m


def fit_line_channel(pc: Any, imgs: list[np.ndarray], held_index: "NearestNeighbors | None",
                     roi: np.ndarray | None) -> LineScan:
    """The line channel, and both channels' image scores on the good parts held back
    (every 5th image): PatchCore's against the bank built without them (the border-ring
    estimate's), the line scan's against the spread measured on them."""
    held, face = held_and_face(pc, imgs, held_index, roi, "line_scan")
    grays = [as_gray(im, "images", dtype=np.float32) for im in imgs]
    fit_grays = [g for g, h in zip(grays, held) if not h] or grays
    maps, state = face_marginals(pc.settings.gaussianize, fit_grays, face)
    divide, lrms_state = local_rms_decision(pc.settings.local_rms, grays, face)
    line = LineScan.fit(grays, held, face, gauss=maps[0], local_rms=divide)
    line.jet_gauss, line.gauss_state = maps[1], state   # the jet channel's, and info's
    line.lrms_state = lrms_state
    line.pc_stats = held_patchcore_stats(pc, imgs, held, held_index)
    return line


def face_marginals(mode: Any, grays: list[np.ndarray], face: np.ndarray
                   ) -> tuple[tuple[Marginal | None, Marginal | None], str]:
    """The line channel's (half resolution) and the jet channel's (full resolution) maps of
    the face signal to normal quantiles, fitted on ``grays`` (the fit's good parts not held
    back), as ``gaussianize`` ``mode`` asks (``_marginal``), or (None, None); and what
    ``info["gaussianize"]`` says.  ``"auto"``, ``"line"`` and ``"tiered"`` decide by the
    skewness of the full-resolution signal on the face (the jet channel's inner face), from
    :data:`SKEW_GATE`; ``"line"`` maps the line channel's signal only (the jet's map is None),
    ``"tiered"`` the jet's too from :data:`JET_GATE`."""
    from . import _jet_scan as jet
    from . import _line_scan as line

    if mode is False:
        return (None, None), "off"
    full_w = line.level_weight(face, jet.LEVEL_SIGMA)
    small = line._half(face.astype(np.float32)) > 0.5
    small_w = line.level_weight(small, line.LEVEL_SIGMA * line.SCALE)
    # at most about 2 M values per table: every k-th image (a sort of 2 M is ~0.2 s)
    step = max(1, int(np.ceil(len(grays) * face.sum() / 2e6)))
    full = [line.level_signal(g, face, full_w, jet.LEVEL_SIGMA) for g in grays[::step]]
    inner = line.eroded(face, jet.ERODE_PX)
    skew = skewness(np.concatenate([x[inner if inner.any() else face] for x in full]))
    gated = mode in ("auto", "line", "tiered")
    if gated and abs(skew) < SKEW_GATE:
        return (None, None), f"off: skewness {skew:+.2f} (|skewness| < {SKEW_GATE})"
    half = [line.face_signal(g, small, small_w)[small] for g in grays[::step]]
    jet = mode not in ("line", "tiered") or (mode == "tiered" and abs(skew) >= JET_GATE)
    maps = (Marginal.fit(np.concatenate(half)),
            Marginal.fit(np.concatenate([x[face] for x in full])) if jet else None)
    what = ("" if jet and mode != "tiered" else " (line channel only)" if not jet
            else f" (line channel; jet channel, |skewness| >= {JET_GATE})")
    return maps, (f"on{what}: skewness {skew:+.2f}"
                  + (f" (|skewness| >= {SKEW_GATE})" if gated else ""))


def held_and_face(pc: Any, imgs: list[np.ndarray], held_index: "NearestNeighbors | None",
                  roi: np.ndarray | None, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The good parts held back at fit (every 5th) and the part face (the ROI without a band
    along strong edges) a channel ``name`` is fitted on; :class:`InputError` saying why not."""
    if held_index is None or len(imgs) < 5:
        raise InputError(f"{name}: needs at least 5 good images (every 5th is held "
                         f"back to put the channels on one scale), given {len(imgs)}")
    face = edge_band_roi(imgs, max(pc._band_px, LINE_BAND_PX), roi)
    if face is None or not face.any():
        raise InputError(f"{name}: the part face (the ROI without a band along strong "
                         f"edges) is empty")
    return np.arange(len(imgs)) % 5 == 4, face


def held_patchcore_stats(pc: Any, imgs: list[np.ndarray], held: np.ndarray,
                         held_index: "NearestNeighbors") -> tuple[float, float]:
    """Mean and spread of PatchCore's image scores (bank channel only) on the good parts
    ``held`` back, against the bank built without them: the scale the line and the
    texture-energy channels are mapped onto."""
    pcs = []
    for i in np.flatnonzero(held):
        f = pc._normalise(pc._raw_patches(imgs[i]))
        h, w, c = f.shape
        raw = held_index.query(f.reshape(-1, c), k=1)[0][:, 0].reshape(h, w)
        if pc._ring_scale is not None:
            raw = raw / pc._ring_scale[np.minimum(_rings((h, w)),
                                                    len(pc._ring_scale) - 1)]
        pcs.append(pc._reduce(pc._smooth(np.where(pc._cells, raw,
                                                      np.float32(0.0)))))
    pcs = np.asarray(pcs, np.float64)
    # with few held-back parts their spread is poorly known: at least 1 % of their mean
    # (1.7-4.4 % on the generator's quick sets)
    return (float(pcs.mean()), float(max(pcs.std(), PC_SD_FLOOR * abs(pcs.mean()), 1e-9)))


def select_band(pc: Any, imgs: list[np.ndarray], roi: np.ndarray | None
                ) -> tuple[float, Any]:
    """``select="auto"``: the edge band of the candidate scoring best on good images held
    back and painted copies of them; returns it and the figures for ``info``."""
    from ._select import select_edge_band

    s = pc.settings
    if s.aligned:
        return s.edge_band_px, ("off: the position-aware use (aligned=True): aligned "
                                "parts' edges do not move")
    if len(imgs) < SELECT_MIN_IMAGES:
        return s.edge_band_px, (f"off: needs at least {SELECT_MIN_IMAGES} good images, "
                                f"given {len(imgs)}")

    fusions = ("max", "sum") if s.fusion == "auto" else ()

    def make(band: float) -> Any:
        # with fusion="auto" each fold's bank is fitted with the blob channel ("sum") and
        # scored both ways
        # the fold banks without the jet channel: it would double the fit's time, and the
        # band is chosen as before it existed
        sub = type(pc)(pc.features, s.replace(edge_band_px=band, select="off",
                                               fusion="sum" if fusions else s.fusion,
                                               jet_scan=False, cnn_scan=False,
                                               chroma_scan=False))
        sub._feature_cache = cache
        return sub

    cache: dict = {}
    pc._feature_cache = cache  # the final fit reuses them too (dropped at its end)
    return select_edge_band(make, imgs, roi, s.edge_band_px, s.seed, fusions)


def resolve_fusion(fusion: str, chosen: Any) -> str:
    """The fusion a fit uses: ``fusion`` itself, or with ``"auto"`` the one the fit-time
    selection chose (``"max"`` where it did not run)."""
    if fusion != "auto":
        return fusion
    return chosen.get("fusion") or "max" if isinstance(chosen, dict) else "max"
