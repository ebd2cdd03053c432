"""The Gaussianized face signal of the line and jet channels (``gaussianize``; private helper
of ``patchcore``).

The line and jet channels correlate the face signal with templates whitened by the training
faces' power spectrum: the matched filter of a known shape in *Gaussian* texture.  Many faces
are far from Gaussian in their levels.  A swirled, anodised or tumbled finish is a bright face
with sparse dark marks: its levels are one-sided (skewness -1.9 to -3.6 on the generator's
faces, a 0.1 % quantile 6-9 standard deviations below the level and the 99.9 % only 2 above).
The dark marks hold most of the spectrum's power, so the whitening divides out the very
frequencies a thin line or a small spot lives at, and a bright hairline that stands clear of
everything bright on the face scores below good parts.

For weak signals in non-Gaussian noise the locally optimum detector correlates a nonlinearity
of the data, not the data.  The channel takes the simplest robust one: each face-signal value
is mapped through the training faces' marginal distribution to the standard-normal quantile of
the same probability (a 4001-point table; beyond the training extremes linearly, at the slope
1 / standard deviation, so what no training face reached keeps rising).  The sparse dark marks
are compressed to the tail of a normal distribution, and what lies beyond the face's short
bright side is stretched.  The whitening, the templates and the calibration that follow are
unchanged: they are fitted on the mapped signal.

``"auto"`` maps only faces whose levels are skewed (|skewness| of the full-resolution face
signal at least :data:`SKEW_GATE`).  On near-Gaussian faces the map still compresses a mildly
heavy tail, and defects that live in it lost up to 0.04 AUROC (docs/anomaly-log.md, *A
Gaussianized face signal*); a skewed face gained up to +0.15.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError

#: ``gaussianize="auto"`` maps the face signal when its |skewness| on the training faces is at
#: least this: the middle of the gap between the development sets' 0.46 (near-Gaussian,
#: unchanged) and 1.02 (skewed, gained)
SKEW_GATE = 0.75
#: ``gaussianize="tiered"`` maps the jet channel's face signal too where |skewness| is at least
#: this (rule 56): the jet's map gained most on the most one-sided faces (|skewness| 1.9-3.7,
#: +0.06 to +0.18 AUROC) and lost on the real moon photo (0.82)
JET_GATE = 1.5
#: points of the quantile table (evenly spaced in rank over the training values)
TABLE_POINTS = 4001
#: points of the even grid of levels the table is resampled on for scoring
LUT_SIZE = 16384


def skewness(v: np.ndarray) -> float:
    """Sample skewness (third standardized moment) of the values ``v``; 0 for a constant."""
    v = np.asarray(v, np.float64).ravel()
    d = v - v.mean()
    sd = float(np.sqrt(np.mean(d * d)))
    return 0.0 if sd <= 0 else float(np.mean(d ** 3) / sd ** 3)


class Marginal:
    """A monotone map of face-signal values to standard-normal quantiles (module docstring):
    ``q`` the table's values (increasing), ``z`` their normal quantiles, ``sd`` the training
    values' standard deviation (the slope beyond the table's ends is ``1 / sd``)."""

    def __init__(self, q: np.ndarray, z: np.ndarray, sd: float):
        self.q = np.asarray(q, np.float32)
        self.z = np.asarray(z, np.float32)
        self.sd = float(sd)
        # the table resampled on an even grid of levels (:data:`LUT_SIZE`), so a pixel's
        # place is one multiplication instead of a binary search (np.interp over 4001
        # points: 6 ms per 256 x 256; this 0.4 ms); linear between grid points
        lo, hi = float(self.q[0]), float(self.q[-1])
        n = LUT_SIZE if hi > lo else 2
        self._lo, self._step = lo, (hi - lo) / (n - 1) if hi > lo else 1.0
        lut = np.interp(lo + self._step * np.arange(n), self.q, self.z)
        self._lut = lut.astype(np.float32)
        self._dlut = np.diff(lut, append=lut[-1]).astype(np.float32)

    @classmethod
    def fit(cls, values: np.ndarray) -> "Marginal":
        """The map of the training values ``values`` (the face pixels of the fit images)."""
        from scipy.special import ndtri

        v = np.sort(np.asarray(values, np.float64).ravel())
        n = len(v)
        k = np.unique(np.linspace(0, n - 1, min(TABLE_POINTS, n)).astype(np.int64))
        sd = float(v.std())
        q, z = v[k], ndtri((k + 0.5) / n)
        # equal values in the table (a plateau of the face) would make interp pick one end:
        # one point per distinct value, at the middle of its ranks' quantiles
        q_u, first, count = np.unique(q, return_index=True, return_counts=True)
        z_u = np.add.reduceat(z, first) / count
        return cls(q_u, z_u, sd if sd > 0 else 1.0)

    def __call__(self, x: np.ndarray, face: np.ndarray) -> np.ndarray:
        """``x`` mapped on ``face`` (bool, same shape), 0 off it; float32."""
        q, z = self.q, self.z
        n = len(self._lut)
        t = (np.asarray(x, np.float32) - np.float32(self._lo)) * np.float32(1.0 / self._step)
        t = np.clip(t, np.float32(0), np.float32(n - 1), out=t)
        i = t.astype(np.int32)                          # t >= 0: the cast floors
        out = self._lut[i] + (t - i.astype(np.float32)) * self._dlut[i]
        slope = np.float32(1.0 / self.sd)
        hi, lo = x > q[-1], x < q[0]
        out[hi] = z[-1] + (x[hi] - q[-1]) * slope
        out[lo] = z[0] + (x[lo] - q[0]) * slope
        out[~face] = 0.0
        return out

    def array(self) -> np.ndarray:
        """(2, n) float32: the table's values and quantiles (a bank's array)."""
        return np.stack([self.q, self.z])

    @classmethod
    def from_array(cls, a: np.ndarray, sd: object, what: str) -> "Marginal":
        """Rebuild from a bank's array and header value; damaged: :class:`FileFormatError`
        (``what`` names the entry)."""
        if not isinstance(a, np.ndarray) or a.ndim != 2 or a.shape[0] != 2 or \
                not 1 <= a.shape[1] <= TABLE_POINTS or a.dtype.kind != "f" or \
                not np.all(np.isfinite(a)) or np.any(np.diff(a[0]) <= 0) or \
                np.any(np.diff(a[1]) <= 0):
            raise FileFormatError(f"{what}: expected a (2, 1..{TABLE_POINTS}) array of finite "
                                  f"values increasing along each row")
        if isinstance(sd, bool) or not isinstance(sd, (int, float)) or \
                not np.isfinite(sd) or sd <= 0:
            raise FileFormatError(f"{what}: its spread must be a positive finite number, "
                                  f"given {sd!r}")
        return cls(a[0], a[1], float(sd))


def unmapped_jet_state(state: str) -> str:
    """``info["gaussianize"]`` where the fit mapped the jet's signal but made no jet channel
    (too few images): what it says of the line channel alone."""
    return state.replace(f" (line channel; jet channel, |skewness| >= {JET_GATE})",
                         " (line channel only: no jet channel)").replace(
        "on: skewness", "on (line channel only: no jet channel): skewness")


def unwrap_header(meta: dict, arrays: dict, where: str) -> dict:
    """A version-15 bank's header as its base version's (``bankfile``): what it is without
    the Gaussianized face signal, whose arrays it must have: ``line_gauss`` and, with a jet
    channel, ``jet_gauss`` (each 2 x n: the table's values and normal quantiles; the header
    fields ``line_scan.gauss_sd`` and ``jet_scan.gauss_sd``); with ``gaussianize="line"``
    never the jet's, with ``"tiered"`` the jet's where it mapped that channel, and then the
    jet's header ``own_stats: false`` (its own-covariance statistics left out), which no other
    bank has.  Any other version must not have those arrays."""
    keys = [k for k in ("line_gauss", "jet_gauss") if k in arrays]
    if meta.get("version") != 15:
        if keys:
            raise FileFormatError(f"{where}: a Gaussianized face signal ({keys}) is version "
                                  f"15 and only that, given version {meta.get('version')!r}")
        return meta
    base = meta.get("base_version")
    settings = meta.get("settings")
    mode = settings.get("gaussianize") if isinstance(settings, dict) else None
    jet_ok = ("jet_gauss" in arrays) == ("jet_scan" in meta and mode != "line") or \
        (mode == "tiered" and "jet_scan" in meta)
    if isinstance(base, bool) or base not in (10, 11, 12, 13, 14) or \
            "line_gauss" not in arrays or not jet_ok:
        raise FileFormatError(f"{where}: a version-15 bank is a version 10-14 one "
                              f"('base_version', given {base!r}) with the line channel's "
                              f"Gaussianized face signal ('line_gauss') and, with a jet "
                              f"channel and gaussianize other than 'line' (optional with "
                              f"'tiered'), the jet's ('jet_gauss'); given {keys}")
    jet = meta.get("jet_scan")
    own = jet.get("own_stats", True) if isinstance(jet, dict) else True
    if (own is False) != (mode == "tiered" and "jet_gauss" in arrays):
        raise FileFormatError(f"{where}: jet channel: 'own_stats' false goes with the jet's "
                              f"map ('jet_gauss') under gaussianize 'tiered', and only there; "
                              f"given {own!r} with {mode!r}")
    return {**meta, "version": base}
