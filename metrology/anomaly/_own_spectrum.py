"""The jet channel whitened by each image's own spectrum (``own_spectrum``; private helper of
``patchcore``): for finishes whose lay turns from part to part.

The jet channel whitens its templates by the training faces' *mean* power spectrum: the
matched filter of a known shape in a texture whose spectrum every part shares.  A broached,
ground or superfinished face clamped at another angle on every part does not share one: each
face's spectrum is a narrow streak at its own lay's angle, the mean is the streaks of every
angle, and whitening by it neither divides out this face's lay nor gives back the directions
where this face is quiet.  A faint mark across the lay is then buried under it.

The step multiplies each image's face-signal spectrum (per resolution level) by the trained
mean spectrum over the image's own: its periodogram smoothed over :data:`WIDTH` x
:data:`WIDTH` frequencies (wrapping along the full axis) and floored as the trained one is.
The templates, still whitened by the mean spectrum, then see a signal whitened by its own.
The group covariances and the statistics' calibration on the held-back parts are fitted on
the step's output, as everything downstream of it is.

``"auto"`` turns it on only where the lay turns from part to part: :class:`LayMeter`, per
direction (:data:`N_DIRECTIONS` over 180 degrees) the share of a training face's spectral
energy between :data:`BAND` cycles per px, its log's variance over the training parts,
averaged over the directions, at least :data:`GATE`.  It ignores a face's contrast and the
shape of its spectrum along each direction: only the energy turning from one direction to
another counts.  On a face whose lay every part shares the step has nothing to give and takes
part of a large or periodic defect's energy as the face's (held-out 7, a scraped face: -0.032
AUROC); docs/anomaly-log.md, *The jet whitened by each image's own spectrum*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError

#: the smoothing of an image's periodogram, frequencies per side (odd)
WIDTH = 9
#: ``own_spectrum="auto"`` whitens by each image's own spectrum where :class:`LayMeter` on
#: the training faces gives at least this (rule 59; docs/anomaly-log.md)
GATE = 0.22
#: the directions and the band of frequencies (cycles per px) :class:`LayMeter` reads
N_DIRECTIONS = 36
BAND = (0.05, 0.45)
#: the bank version of a jet channel with the step (:func:`wrap_version`)
VERSION = 18
#: the largest smoothing a bank may give
MAX_WIDTH = 63


def own_power(f: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """The smoothed, floored power spectrum of the rfft2 ``f`` (float64, rfft2 layout)."""
    from ._line_scan import smooth_psd

    return smooth_psd(f.real.astype(np.float64) ** 2 + f.imag.astype(np.float64) ** 2, width)


def whitened(psd: np.ndarray, f: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """The rfft2 ``f`` of a face signal times the trained spectrum ``psd`` over its own
    (:func:`own_power`): the signal whitened by its own spectrum for templates whitened by
    ``psd``."""
    return f * (psd / own_power(f, width)).astype(np.float32)


class LayMeter:
    """How much the lay turns from part to part (module docstring): running sums, per
    direction, of the log share of each training face's spectral energy (rfft2 layout)."""

    def __init__(self):
        self.n, self.s1, self.s2 = 0, 0.0, 0.0
        self._bins: tuple | None = None

    def _directions(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """The band's frequencies (a mask, rfft2 layout of an image of ``shape``) and each
        one's direction bin."""
        if self._bins is None or self._bins[0] != shape:
            fy = np.fft.fftfreq(shape[0])[:, None]
            fx = np.fft.rfftfreq(shape[1])[None, :]
            r = np.hypot(fx, fy)
            band = (r > BAND[0]) & (r < BAND[1])
            theta = np.mod(np.arctan2(fy, fx), np.pi)
            b = np.minimum((theta * (N_DIRECTIONS / np.pi)).astype(np.int64), N_DIRECTIONS - 1)
            self._bins = (shape, band, b[band])
        return self._bins[1], self._bins[2]

    def add(self, f: np.ndarray, shape: tuple[int, int]) -> None:
        """One face signal's rfft2 ``f`` (the signal of ``shape``)."""
        band, b = self._directions(shape)
        p = f.real[band].astype(np.float64) ** 2 + f.imag[band].astype(np.float64) ** 2
        e = np.bincount(b, p, N_DIRECTIONS)
        total = float(e.sum())
        if total <= 0.0:   # a flat face: no lay to read
            return
        ls = np.log(np.maximum(e / total, 1e-12))
        self.n, self.s1, self.s2 = self.n + 1, self.s1 + ls, self.s2 + ls * ls

    def spread(self) -> float:
        """The mean over directions of the log shares' variance over the faces added; 0
        with fewer than two."""
        if self.n < 2:
            return 0.0
        var = (self.s2 - self.s1 * self.s1 / self.n) / (self.n - 1)
        return float(np.mean(np.maximum(var, 0.0)))


def decide(mode: Any, meter: LayMeter | None) -> tuple[bool, str]:
    """Whether the fit whitens each image by its own spectrum (``own_spectrum`` ``mode``:
    ``"auto"``, True or False; ``meter`` the training faces' :class:`LayMeter`, None when
    ``mode`` is False), and what ``info["own_spectrum"]`` says."""
    if mode is False or meter is None:
        return False, "off"
    s = meter.spread()
    if mode == "auto" and s < GATE:
        return False, f"off: lay spread {s:.3f} (< {GATE})"
    return True, f"on: lay spread {s:.3f}" + (f" (>= {GATE})" if mode == "auto" else "")


def check_width(v: Any, where: str) -> int:
    """A bank's ``own_spectrum_width``: an odd integer in [1, :data:`MAX_WIDTH`], else
    :class:`FileFormatError`."""
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_WIDTH or v % 2 == 0:
        raise FileFormatError(f"{where}: jet channel: 'own_spectrum_width' must be an odd "
                              f"integer in [1, {MAX_WIDTH}], given {v!r}")
    return v


def wrap_version(meta: dict, line: Any, jet: Any) -> None:
    """The bank header's version with the ring channel's (``_ring_scan.wrap_version``), then,
    where the jet channel whitens by each image's own spectrum, :data:`VERSION` with the
    version it has otherwise as ``own_base_version`` (older readers refuse it: they would
    score without the step against statistics calibrated with it).  Without the step the
    setting ``own_spectrum`` is written only where it is True."""
    from ._ring_scan import wrap_version as ring_wrap

    ring_wrap(meta, line, jet)
    settings = meta.get("settings")
    has = jet is not None and bool(getattr(jet, "own_width", 0))
    if not has and isinstance(settings, dict) and settings.get("own_spectrum") in ("auto", False):
        settings.pop("own_spectrum", None)
    if has:
        meta["own_base_version"] = meta["version"]
        meta["version"] = VERSION


def unwrap_version(meta: dict, where: str) -> dict:
    """A version-:data:`VERSION` header as its base version's (a copy; then the ring
    channel's ``unwrap_version``); any other version must not say ``own_spectrum_width``,
    and the settings must agree with the bank (``own_spectrum`` True with the step, False
    without)."""
    from ._ring_scan import unwrap_version as ring_unwrap

    jet = meta.get("jet_scan")
    has = isinstance(jet, dict) and "own_spectrum_width" in jet
    settings = meta.get("settings")
    asked = settings.get("own_spectrum", None) if isinstance(settings, dict) else None
    if (asked is True and not has) or (asked is False and has):
        raise FileFormatError(f"{where}: the settings have own_spectrum {asked!r} but the "
                              f"bank's jet channel {'is' if has else 'is not'} whitened by "
                              f"each image's own spectrum")
    if meta.get("version") != VERSION:
        if has:
            raise FileFormatError(f"{where}: a jet channel whitened by each image's own "
                                  f"spectrum ('jet_scan.own_spectrum_width') is version "
                                  f"{VERSION} and only that, given {meta.get('version')!r}")
        return ring_unwrap(meta, where)
    base = meta.get("own_base_version")
    if isinstance(base, bool) or base not in tuple(range(6, VERSION)) or not has:
        raise FileFormatError(f"{where}: a version-{VERSION} bank is a version 6-17 one "
                              f"('own_base_version', given {base!r}) whose jet channel says "
                              f"'own_spectrum_width'; given {'it' if has else 'none'}")
    return ring_unwrap({**meta, "version": base}, where)
