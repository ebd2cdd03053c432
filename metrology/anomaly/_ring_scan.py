"""The ring channel of :class:`~metrology.anomaly.PatchCore` (``ring_scan``): a whitened search
for thin circular marks (private helper of ``patchcore``; on the jet channel's face signal,
spectrum and face, calibrated on its held-back good parts).

A centre punch's guide ring, a halo of weld spatter, the print of a washer or an O-ring, a
dried drop's rim: thin circular marks whose energy lies on a ring under a pixel across.  The
jet channel's Gaussian derivatives (order 0-2) do not span a ring, the line channel's
straight lines do not follow one, and the shape-knowing oracle of
``scripts/anomaly_detectability.py --sets`` finds punch witnesses at 1.000 on a face where the
default stayed at 0.56 (held-out 46; docs/anomaly-log.md, *A ring channel*).  A ring has no
angle to search, so one template per radius is its whole matched filter family:

1. the jet channel's face signal (the image over its local level, minus 1, 0 off the face;
   Gaussianized and over its local RMS where the jet's is) and its rfft2;
2. per radius of :data:`RADII_PX` a unit-energy ring ``exp(-(r - R)^2 / 2 w^2)`` (``w``
   :data:`WIDTHS_PX`), divided by the jet's training spectrum: the matched filter of that ring
   in the trained texture; one batched inverse FFT for all of them;
3. per ring the absolute response (dark or bright) over its spread on the held-back good
   faces, then in spreads of their image maxima; the evidence map is per pixel the largest of
   those over the rings, on the jet's inner face; the image score its maximum, in spreads of
   the held-back parts' scores, mapped on PatchCore's scale as the jet's is.

About 3-5 ms per 256 x 256 scored (one rfft2, one batched inverse FFT of 14 maps); no
per-pixel loops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError, InputError
from ._line_scan import _fft, held_stats

#: the rings' radii (px): every half pixel from 3.5 to 8 px (a punch's guide ring, a halo's
#: specks, a washer's print), then four wider ones up to 14 px
RADII_PX = (3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0, 10.5, 12.0, 14.0)
#: each ring's Gaussian width across (px): 0.7 up to 8 px, 1.0 beyond (their steps are wider)
WIDTHS_PX = tuple(0.7 if r <= 8.0 else 1.0 for r in RADII_PX)
#: the least spread of a ring's response or of its image maxima (a constant face has none)
SD_FLOOR = 1e-6
#: ``ring_scan="auto"`` keeps a ring only where the held-back good faces' image maxima of its
#: response lie, on average, less than this many spreads above what a Gaussian texture gives
#: over as many pixels (the largest of n normal absolute values, sqrt(2 ln 2n)): a texture of
#: round grains or dimples (peened, shot-blasted) answers rings of their own size, which then
#: only add false alarms (held-out 33's peened face: rings of 3.5-7 px at 6.5-6.8 spreads,
#: 1.6 over the Gaussian's 5.1; docs/anomaly-log.md, *A ring channel*)
GATE_MARGIN = 0.4
#: the bank version of a bank with a ring channel (the version it has otherwise is written as
#: ``ring_base_version``; ``_bank_version``): readers that predate the channel refuse it
VERSION = 17


def ring_templates(shape: tuple[int, int], psd: np.ndarray) -> np.ndarray:
    """(n, h, w // 2 + 1) complex64: the conjugate rfft2 of each unit-energy ring of
    :data:`RADII_PX` centred on pixel (0, 0), circularly, over ``psd`` (the jet's training
    spectrum, rfft2 layout)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.hypot(xx - w // 2, yy - h // 2)
    rings = np.stack([np.exp(-0.5 * ((r - R) / s) ** 2) for R, s in zip(RADII_PX, WIDTHS_PX)])
    rings /= np.sqrt(np.sum(rings ** 2, axis=(1, 2), keepdims=True))
    f = _fft().rfft2(np.fft.ifftshift(rings, axes=(1, 2)), axes=(-2, -1))
    f /= psd[None].astype(np.float64)
    return np.conj(f).astype(np.complex64)


class RingScan:
    """The fitted ring channel on a fitted jet channel's face signal (module docstring):
    per ring the response's spread on held-back good faces (``scale``) and the mean and
    spread of its image maxima there (``mu``, ``sd``); ``stats`` the held-back image scores'
    mean and spread, ``pc_stats`` PatchCore's (the jet's)."""

    def __init__(self, jet: Any, scale: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                 keep: np.ndarray | None = None):
        self.inner = jet.inner
        self.all_kernels = ring_templates(jet.roi.shape, jet.psd)
        self.scale = np.asarray(scale, np.float32)
        self.mu = np.asarray(mu, np.float32)
        self.sd = np.asarray(sd, np.float32)
        self.stats = (0.0, 1.0)
        self.pc_stats = tuple(jet.pc_stats)
        self.set_keep(np.ones(len(RADII_PX), bool) if keep is None else keep)

    def set_keep(self, keep: np.ndarray) -> None:
        """Scan only the rings ``keep`` (bool per ring of :data:`RADII_PX`)."""
        self.keep = np.asarray(keep, bool)
        self.kernels = self.all_kernels[self.keep]

    def responses(self, x: np.ndarray) -> np.ndarray:
        """(n, h, w) float32: each ring's whitened response to the face signal ``x``."""
        sf = _fft()
        f = sf.rfft2(x.astype(np.float32), workers=1)
        return sf.irfft2(f[None] * self.kernels, s=x.shape, axes=(-2, -1), workers=1)

    def evidence(self, x: np.ndarray) -> np.ndarray:
        """(h, w) float32: per pixel the largest over the rings of the absolute response in
        spreads of the held-back image maxima (module docstring, step 3)."""
        k = self.keep
        r = np.abs(self.responses(x))
        r *= (1.0 / (self.scale * self.sd))[k, None, None]
        r -= (self.mu / self.sd)[k, None, None]
        return r.max(axis=0)

    def _maxima(self, x: np.ndarray) -> np.ndarray:
        """Per ring the image maximum of its absolute response over its spread, inner face."""
        r = np.abs(self.responses(x))[:, self.inner]
        return r.max(axis=1) / self.scale[self.keep]

    def gaussian_max(self) -> float:
        """The largest absolute value expected of as many normal values as the inner face has
        pixels: sqrt(2 ln 2n), the yardstick of :data:`GATE_MARGIN`."""
        return float(np.sqrt(2.0 * np.log(2.0 * max(int(self.inner.sum()), 2))))

    @classmethod
    def fit(cls, jet: Any, signals: list[np.ndarray], gate: bool = False) -> "RingScan":
        """From the jet channel's face signals of its held-back good parts: each ring's
        response spread (pooled over every other pixel of their inner faces), the mean and
        spread of its image maxima and of the image scores; ``gate``: keep only the rings
        whose maxima's mean is under :meth:`gaussian_max` plus :data:`GATE_MARGIN` (none
        kept: :attr:`keep` all False and no score)."""
        rs = cls(jet, np.ones(len(RADII_PX)), np.zeros(len(RADII_PX)), np.ones(len(RADII_PX)))
        if not signals:
            raise InputError("ring_scan: needs held-back good parts to calibrate on, given none")
        sq = np.zeros(len(RADII_PX))
        n = 0
        for x in signals:
            v = rs.responses(x)[:, rs.inner][:, ::2].astype(np.float64)
            sq += np.sum(v * v, axis=1)
            n += v.shape[1]
        rs.scale = np.maximum(np.sqrt(sq / max(n, 1)), SD_FLOOR).astype(np.float32)
        m = np.array([rs._maxima(x) for x in signals])
        st = [held_stats(m[:, i], rs.inner) for i in range(len(RADII_PX))]
        rs.mu = np.array([s[0] for s in st], np.float32)
        rs.sd = np.maximum(np.array([s[1] for s in st]), SD_FLOOR).astype(np.float32)
        if gate:
            rs.set_keep(rs.mu < rs.gaussian_max() + GATE_MARGIN)
            if not rs.keep.any():
                return rs
        rs.stats = held_stats([float(rs.evidence(x)[rs.inner].max()) for x in signals],
                              rs.inner)
        return rs

    def to_patchcore_units(self, v):
        """Ring evidence ``v`` in PatchCore's image-score units (as the jet channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    def score_signal(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """(map (H, W) float32: the evidence, at least 1e-3 on the inner face and 0 off it;
        image score: its maximum there) of the jet's face signal ``x``."""
        ev = self.evidence(x)
        value = float(ev[self.inner].max())
        return np.where(self.inner, np.maximum(ev, np.float32(1e-3)),
                        np.float32(0.0)).astype(np.float32), value

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        return {"jet_ring_scale": self.scale, "jet_ring_mu": self.mu, "jet_ring_sd": self.sd,
                "jet_ring_keep": self.keep.astype(np.uint8)}

    def params(self) -> dict:
        return {"radii_px": list(RADII_PX), "widths_px": list(WIDTHS_PX),
                "score_mean": self.stats[0], "score_sd": self.stats[1]}


def ring_from_arrays(arrays: dict, params: dict, jet: Any, where: str) -> "RingScan | None":
    """The ring channel of a bank's jet channel ``jet`` (its header ``params``, the header's
    ``jet_scan``), None where it has none; a damaged entry raises :class:`FileFormatError`."""
    keys = ("jet_ring_scale", "jet_ring_mu", "jet_ring_sd")
    given = params.get("ring")
    if given is None:
        if any(k in arrays for k in keys + ("jet_ring_keep",)):
            raise FileFormatError(f"{where}: ring channel: arrays 'jet_ring_*' without the "
                                  f"header's 'jet_scan.ring'")
        return None

    def bad(msg: str) -> FileFormatError:
        return FileFormatError(f"{where}: ring channel: {msg}")

    if not isinstance(given, dict):
        raise bad("header 'jet_scan.ring' is not an object")
    if given.get("radii_px") != list(RADII_PX) or given.get("widths_px") != list(WIDTHS_PX):
        raise bad("written with other rings (radii, widths); re-fit it")
    try:
        stats = (float(given["score_mean"]), float(given["score_sd"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"header field missing or not a number ({exc})") from None
    if not (np.isfinite(stats[0]) and np.isfinite(stats[1]) and stats[1] > 0):
        raise bad("score statistics are not finite numbers (spread > 0)")
    got = []
    for k in keys:
        a = arrays.get(k)
        if a is None:
            raise bad(f"array {k!r} is missing")
        if a.shape != (len(RADII_PX),) or a.dtype.kind != "f" or not np.all(np.isfinite(a)) \
                or (k != "jet_ring_mu" and not np.all(a > 0)):
            raise bad(f"array {k!r}: expected {len(RADII_PX)} finite values"
                      f"{'' if k == 'jet_ring_mu' else ' > 0'}, given {a.shape} {a.dtype}")
        got.append(a)
    keep = arrays.get("jet_ring_keep")
    if keep is None or keep.shape != (len(RADII_PX),) or keep.dtype.kind not in "iub" or \
            not np.all((keep == 0) | (keep == 1)) or not keep.any():
        raise bad(f"array 'jet_ring_keep': expected {len(RADII_PX)} values 0 or 1, one 1 at "
                  f"least, given {None if keep is None else (keep.shape, keep.dtype)}")
    rs = RingScan(jet, *got, keep.astype(bool))
    rs.stats = stats
    return rs


def fit_ring_state(mode: Any, jet: Any, grays: list[np.ndarray], held: np.ndarray,
                   info: dict) -> "RingScan | None":
    """The ring channel as ``settings.ring_scan`` (``mode``) asks on the fitted ``jet``
    channel (its face signal of the ``held`` good parts ``grays``), None where off or where
    ``"auto"``'s gate kept no ring; sets ``info["ring_scan"]`` ("on", "on: <n> of 14 rings
    (gate ...)" or "off", "off: gate ...") and, where fitted, ``info["ring_scan_gate"]`` (per
    ring the held-back maxima's mean against the limit) and ``info["ring_scan_seconds"]``."""
    import time

    info["ring_scan"] = "off"
    if mode is False:
        return None
    t0 = time.perf_counter()
    rs = RingScan.fit(jet, [jet.signal(g) for g, h in zip(grays, held) if h],
                      gate=mode == "auto")
    limit = rs.gaussian_max() + GATE_MARGIN
    info["ring_scan_gate"] = {"held_mean": [round(float(m), 3) for m in rs.mu],
                              "limit": round(limit, 3)}
    info["ring_scan_seconds"] = round(time.perf_counter() - t0, 4)
    n = int(rs.keep.sum())
    dropped = ", ".join(f"{r:g}" for r, k in zip(RADII_PX, rs.keep) if not k)
    info["ring_scan"] = ("on" if n == len(RADII_PX) else
                         f"on: {n} of {len(RADII_PX)} rings (gate: radii {dropped} px at or "
                         f"over {limit:.2f} spreads)" if n else
                         f"off: gate: every ring's held-back maxima at or over {limit:.2f} "
                         f"spreads")
    return rs if n else None
