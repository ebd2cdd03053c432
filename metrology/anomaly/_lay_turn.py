"""The jet channel whitened by the training spectrum turned to each part's lay (``lay_turn``;
private helper of ``patchcore``): for finishes whose lay turns from part to part.

The jet channel whitens its templates by the training faces' *mean* power spectrum: the
matched filter of a known shape in a texture whose spectrum every part shares.  A broached,
ground or superfinished face clamped at another angle on every part does not share one: each
face's spectrum is a streak at its own lay's angle, the mean is the streaks of every angle,
and whitening by it neither divides out this part's lay nor gives back the directions where
this part is quiet.  A faint mark across the lay is then buried under it.

The step models each part's spectrum as the training texture's, turned to the part's lay:

1. *fit*: per resolution level, each training face's periodogram; its *direction profile*
   (:func:`profile`: the log share of its energy between :data:`BAND` cycles per px in each
   of :data:`N_PROFILE` one-degree directions, smoothed over :data:`SMOOTH_DEG`); the profiles
   aligned to one reference by circular cross-correlation (:func:`align`, refined
   :data:`ITERATIONS` times), and the periodograms turned by their angles onto it and averaged
   (:func:`canonical`): the texture's spectrum in the lay's own frame;
2. *scoring*: the part's direction profile aligned to the reference gives its lay's angle;
   the canonical spectrum turned by it (smoothed and floored as the trained one) is this
   part's expected spectrum, and the face signal's spectrum is multiplied by the trained mean
   over it (:meth:`LayTurn.whiten`): the templates, whitened by the mean, then see a signal
   whitened by the texture as it lies on this part.

Only one number, the angle, is read from the part itself, so a mark cannot whiten itself away
(whitening by each part's own periodogram did: rule 59, docs/anomaly-log.md).  The group
covariances and the statistics' calibration on the held-back parts are fitted on the step's
output.  Per level one profile (a bincount), one 180-point correlation and one affine warp of
the spectrum a part.

``"auto"`` (the default since rule 60) turns it on only where the lay turns from part to
part: :class:`LayMeter`, per direction (:data:`N_DIRECTIONS` over 180 degrees) the log share
of a training face's spectral energy in :data:`BAND`, its variance over the training parts,
averaged over the directions, at least :data:`GATE`.  A contrast gain and the spectrum's shape along each direction cancel out
of it.  On a face whose lay every part shares, the step has nothing to give (forced on: a
scraped face -0.009, a peened and ground one -0.025); docs/anomaly-log.md, *The training
spectrum turned to each part's lay*.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import FileFormatError, InputError

#: ``lay_turn="auto"`` turns the step on where :class:`LayMeter` on the training faces gives
#: at least this (rules 59 and 60; docs/anomaly-log.md)
GATE = 0.22
#: the gate's directions, and the band of frequencies (cycles per px) both profiles read
N_DIRECTIONS = 36
BAND = (0.05, 0.45)
#: the direction profile: bins over 180 degrees, and its circular smoothing (degrees)
N_PROFILE = 180
SMOOTH_DEG = 7
#: refinements of the reference profile at fit
ITERATIONS = 3
#: the bank version of a jet channel with the step (the version it has otherwise is written as
#: ``lay_base_version``; ``_bank_version``): readers that predate the step refuse it
VERSION = 18


@lru_cache(maxsize=16)
def _bins(shape: tuple[int, int], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`BAND` frequencies of an image of ``shape`` (a mask, rfft2 layout) and each
    one's direction bin out of ``n`` over 180 degrees (kept: read-only)."""
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    r = np.hypot(fx, fy)
    band = (r > BAND[0]) & (r < BAND[1])
    theta = np.mod(np.arctan2(fy, fx), np.pi)
    b = np.minimum((theta * (n / np.pi)).astype(np.int64), n - 1)[band]
    band.flags.writeable = b.flags.writeable = False
    return band, b


def _power(f: np.ndarray) -> np.ndarray:
    return f.real.astype(np.float64) ** 2 + f.imag.astype(np.float64) ** 2


def profile(p: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The direction profile (module docstring, step 1) of the power spectrum ``p`` (rfft2
    layout) of an image of ``shape``: zero mean, float64 (:data:`N_PROFILE`,)."""
    band, b = _bins(shape, N_PROFILE)
    e = np.bincount(b, p[band].astype(np.float64), N_PROFILE)
    k = SMOOTH_DEG // 2
    e = np.convolve(np.r_[e[-k:], e, e[:k]], np.full(SMOOTH_DEG, 1.0 / SMOOTH_DEG), "valid")
    ls = np.log(np.maximum(e / max(float(e.sum()), 1e-300), 1e-12))
    return ls - ls.mean()


def align(prof: np.ndarray, ref: np.ndarray):
    """The angle (degrees, in [-90, 90)) that turns the profile ``ref`` onto ``prof``: the
    peak of their circular cross-correlation, refined by a parabola; ``prof`` a stack of
    profiles (n, :data:`N_PROFILE`) gives the n angles at once."""
    c = np.fft.irfft(np.fft.rfft(prof, axis=-1) * np.conj(np.fft.rfft(ref)), N_PROFILE, axis=-1)
    c2 = np.atleast_2d(c)
    rows = np.arange(len(c2))
    k = np.argmax(c2, axis=1)
    a, b, d = c2[rows, k - 1], c2[rows, k], c2[rows, (k + 1) % N_PROFILE]
    den = a - 2.0 * b + d
    off = np.where(den < 0, 0.5 * (a - d) / np.where(den < 0, den, -1.0), 0.0)
    s = (k + off + N_PROFILE / 2) % N_PROFILE - N_PROFILE / 2
    return float(s[0]) if c.ndim == 1 else s


def full_plane(p: np.ndarray, width: int) -> np.ndarray:
    """The centred (fftshift) full power spectrum, float32, of an image ``width`` px wide from
    its rfft2 layout ``p`` (a real image's: P(-k) = P(k))."""
    h = p.shape[0]
    out = np.empty((h, width), np.float32)
    out[:, :width // 2 + 1] = p
    out[:, width // 2 + 1:] = p[(-np.arange(h)) % h][:, width - np.arange(width // 2 + 1, width)]
    return np.fft.fftshift(out)


def turned(full: np.ndarray, angle: float) -> np.ndarray:
    """The centred spectrum ``full`` turned so that its direction profile moves by ``angle``
    degrees (frequencies beyond the grid take the nearest edge's)."""
    import cv2

    h, w = full.shape
    # about the zero frequency: fftshift puts it at index n // 2, odd sizes too
    m = cv2.getRotationMatrix2D((float(w // 2), float(h // 2)), -float(angle), 1.0)
    return cv2.warpAffine(full, m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def canonical(profiles: list[np.ndarray], powers, shape: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray]:
    """(the reference direction profile, the training periodograms turned onto it and
    averaged, centred full plane float32) of faces of ``shape`` given their direction
    ``profiles`` and, in the same order, their power spectra ``powers`` (rfft2 layout; any
    iterable, so a fit can make them one at a time) (module docstring, step 1)."""
    stack = np.asarray(profiles, np.float64)
    ref, bins = stack[0], np.arange(N_PROFILE)
    for _ in range(ITERATIONS):  # each profile moved back by its whole degrees, averaged
        k = np.rint(align(stack, ref)).astype(np.int64)
        ref = stack[np.arange(len(stack))[:, None], (bins[None, :] + k[:, None]) % N_PROFILE]
        ref = ref.mean(axis=0)
        ref -= ref.mean()
    canon = np.zeros(shape, np.float64)
    for p, angle in zip(powers, align(stack, ref)):  # one warp a part
        canon += turned(full_plane(p, shape[1]), -float(angle))
    return ref, (canon / len(profiles)).astype(np.float32)


class LayTurn:
    """The step on one resolution level: the trained mean spectrum ``psd`` (rfft2 layout),
    the reference profile ``ref`` and the canonical spectrum ``canon`` (centred, full)."""

    def __init__(self, psd: np.ndarray, ref: np.ndarray, canon: np.ndarray):
        # the profile as a bank stores it (float32), so a loaded bank turns as the fitted one
        self.psd, self.canon = psd, canon
        self.ref = np.asarray(ref, np.float32).astype(np.float64)

    def angle(self, f: np.ndarray) -> float:
        """The lay's angle (degrees from the reference) of a face signal's rfft2 ``f``."""
        return align(profile(_power(f), self.canon.shape), self.ref)

    def whiten(self, f: np.ndarray) -> np.ndarray:
        """``f`` times the trained spectrum over the canonical one turned to its lay."""
        from ._line_scan import smooth_psd

        full = turned(self.canon, self.angle(f))
        half = np.fft.ifftshift(full)[:, :full.shape[1] // 2 + 1]
        return f * (self.psd / smooth_psd(half)).astype(np.float32)


class LayMeter:
    """How much the lay turns from part to part (module docstring): running sums, per
    direction, of the log share of each training face's spectral energy."""

    def __init__(self):
        self.n, self.s1, self.s2 = 0, 0.0, 0.0

    def add(self, p: np.ndarray, shape: tuple[int, int]) -> None:
        """One face signal's power spectrum ``p`` (rfft2 layout; the signal of ``shape``)."""
        band, b = _bins(shape, N_DIRECTIONS)
        e = np.bincount(b, p[band].astype(np.float64), N_DIRECTIONS)
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
    """Whether the fit turns the whitening to each part's lay (``lay_turn`` ``mode``:
    ``"auto"``, True or False; ``meter`` the training faces' :class:`LayMeter`, None when
    ``mode`` is False), and what ``info["lay_turn"]`` says.  With fewer than two training
    faces that have any texture there is no lay to read: off under ``"auto"``, and
    :class:`InputError` under True (a flat face has no spectrum to turn)."""
    if mode is False or meter is None:
        return False, "off"
    if meter.n < 2:
        if mode is True:
            raise InputError(f"lay_turn: needs at least 2 good faces with texture to read a lay "
                             f"from, given {meter.n} (the others are flat)")
        return False, f"off: {meter.n} good faces with texture (needs 2)"
    s = meter.spread()
    if mode == "auto" and s < GATE:
        return False, f"off: lay spread {s:.3f} (< {GATE})"
    return True, f"on: lay spread {s:.3f}" + (f" (>= {GATE})" if mode == "auto" else "")


def params() -> dict:
    """The header field ``jet_scan.lay_turn``: the step's constants."""
    return {"profile_bins": N_PROFILE, "band": list(BAND), "smooth_deg": SMOOTH_DEG}


def from_arrays(arrays: dict, header: Any, levels: list, where: str) -> list[LayTurn]:
    """Each level's :class:`LayTurn` from a bank's arrays ``jet_lay_ref`` (one profile a
    level) and ``jet_lay_canon`` / ``jet_lay_canon_half`` (the levels' canonical spectra) and
    the header field ``jet_scan.lay_turn``; anything damaged raises
    :class:`FileFormatError`."""
    def bad(msg: str) -> FileFormatError:
        return FileFormatError(f"{where}: jet channel: lay turn: {msg}")

    if header != params():
        raise bad(f"header 'lay_turn' written with other constants ({header!r}); re-fit it")
    names = ["jet_lay_canon", "jet_lay_canon_half"][:len(levels)]
    ref = arrays.get("jet_lay_ref")
    if ref is None or any(n not in arrays for n in names):
        raise bad(f"arrays 'jet_lay_ref' and {names} are needed")
    if ref.shape != (len(levels), N_PROFILE) or ref.dtype.kind != "f" or \
            not np.all(np.isfinite(ref)):
        raise bad(f"array 'jet_lay_ref': expected finite values of shape "
                  f"{(len(levels), N_PROFILE)}, given {ref.shape} {ref.dtype}")
    out = []
    for i, (lv, name) in enumerate(zip(levels, names)):
        c = arrays[name]
        if c.shape != lv.roi.shape or c.dtype.kind != "f" or not np.all(np.isfinite(c)) or \
                np.any(c < 0) or not np.any(c > 0):
            raise bad(f"array {name!r}: expected finite values >= 0, not all 0, of shape "
                      f"{lv.roi.shape}, given {c.shape} {c.dtype}")
        out.append(LayTurn(lv.psd, ref[i], c.astype(np.float32)))
    return out


def arrays_of(turns: list[LayTurn]) -> dict:
    """The bank arrays of the levels' steps (:func:`from_arrays` reads them)."""
    out = {"jet_lay_ref": np.stack([t.ref for t in turns]).astype(np.float32)}
    for t, name in zip(turns, ("jet_lay_canon", "jet_lay_canon_half")):
        out[name] = t.canon
    return out
