"""The comb channel of :class:`~metrology.anomaly.PatchCore` (``comb_scan``): a whitened search
for bands of fine parallel grooves (private helper of ``patchcore``; on the jet channel's face
signal and face, with the line channel's held-back statistics).

A drag mark (a band of grooves 2-2.8 px apart dragged across a face) is faint in every single
pixel; the jet's compact templates and the line channel's single lines do not add up its
periodic energy.  A filter tuned to the grooves' frequency and direction does:

1. the face signal (the jet channel's: the image over its local level, minus 1, 0 off the
   face) is whitened by the geometric mean of the training faces' mean amplitude spectrum and
   this image's own (smoothed over :data:`OWN_SMOOTH_BINS` frequency bins): a texture whose
   grain lies in the band, the same in every part or turning from part to part, is divided out;
2. per band of :data:`BANDS` (0.42 cycles per px across the grooves, rule 50, and 0.25,
   rule 51; each fitted, gated and calibrated on its own) and per direction
   (:data:`N_DIRECTIONS` over 180 degrees) one analytic band-pass (a Gaussian in frequency at
   the band's frequency across the grooves and its spread, :data:`ALONG_SIGMA` along them,
   so about 6 px long) gives the local energy (|response|^2 smoothed over :data:`SMOOTH_PX`);
3. each direction's energy over its mean on the training faces, as a log: the evidence; the
   image score its maximum over the face eroded by :data:`ERODE_PX`, put in spreads of the
   held-back good parts' maxima.

Each band-pass is nonzero only near its own frequency: per direction the spectrum's block
around that frequency is multiplied and inverse transformed at the block's resolution (the
energy does not depend on the carrier): half the image's size for the 0.42 band, a quarter for
the 0.25 band (:data:`BLOCK_DIV`; its passband fits, and it costs 1.5 ms instead of 5.3 ms per
256 x 256 score, rule 52).  Measured on the benchmark's sets: docs/anomaly-log.md, *The comb
channel in the library*, *A second comb band* and *Scoring under 50 ms again*.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError, InputError
from ._line_scan import eroded, held_stats
from ._median import median

#: the grooves' frequency across them (cycles per px: a 2.4 px pitch)
FREQUENCY = 0.42
#: the band-pass's Gaussian spread across the grooves and along them (cycles per px)
FREQUENCY_SIGMA, ALONG_SIGMA = 0.07, 0.025
#: the bands searched, by name: (frequency across the grooves, cycles per px; its spread).
#: ``"comb"``: grooves 2.4 px apart (drag marks, a fingerprint's ridges; rule 50);
#: ``"comb25"``: 4 px apart, at the same relative bandwidth (chatter, pairs of hairlines,
#: drips' ripples; rule 51).  Each is fitted, gated and calibrated on its own
BANDS = {"comb": (FREQUENCY, FREQUENCY_SIGMA),
         "comb25": (0.25, FREQUENCY_SIGMA * 0.25 / FREQUENCY)}
#: directions searched over 180 degrees (5 degrees apart)
N_DIRECTIONS = 36
#: the energy's smoothing (Gaussian sigma, full-resolution px)
SMOOTH_PX = 3.0
#: weight of the image's own amplitude spectrum in the whitening (geometric; 0: trained only)
OWN_WEIGHT = 0.5
#: the image's own power spectrum smoothed over this many frequency bins (Gaussian sigma)
OWN_SMOOTH_BINS = 2.0
#: pixels of the face left out along its border (as the jet channel's)
ERODE_PX = 6
#: a spectrum's floor, as a share of its median
FLOOR = 1e-3
#: ``comb_scan="auto"`` keeps the channel only where the held-back good parts' mean score
#: (the largest log energy ratio on a face) is under this: a texture whose good faces already
#: hold comb-band patches e^3.5 = 33 times a direction's mean energy only gets false alarms
#: from it (development: the faced clevis 4.09, every other set 1.9-3.05; docs/anomaly.md)
GATE_MEAN = 3.5
#: per band, the spectrum block's size as a divisor of the image's (2: half, 4: quarter): the
#: block must hold the passband (+-3 spreads across, +-3 along) around the carrier; the 0.25
#: band's (+-0.125 cycles per px) fits a quarter block (rule 52: AUROC the same on 21
#: development sets, mean -0.0001).  A bank's header holds it where it is not 2 (version 14)
BLOCK_DIV = {"comb": 2, "comb25": 4}


def _carrier_blocks(shape: tuple[int, int], band: tuple[float, float], div: int = 2):
    """Per direction: (rows, cols) of the full spectrum in its block (the image's size over
    ``div``) around the direction's frequency, and the ``band``-pass (frequency, spread) there
    (complex64, the block's fft layout)."""
    freq, spread = band
    h, w = shape
    bh, bw = max(h // div, 1), max(w // div, 1)
    oy = np.round(np.fft.fftfreq(bh) * bh).astype(int)
    ox = np.round(np.fft.fftfreq(bw) * bw).astype(int)
    out = []
    for a in np.arange(N_DIRECTIONS) * np.pi / N_DIRECTIONS:
        cy, cx = int(round(freq * np.sin(a) * h)), int(round(freq * np.cos(a) * w))
        rows, cols = (cy + oy) % h, (cx + ox) % w
        fy = np.fft.fftfreq(h)[rows][:, None]
        fx = np.fft.fftfreq(w)[cols][None, :]
        across = fx * np.cos(a) + fy * np.sin(a)
        along = -fx * np.sin(a) + fy * np.cos(a)
        k = np.exp(-0.5 * ((across - freq) / spread) ** 2
                   - 0.5 * (along / ALONG_SIGMA) ** 2)
        out.append((rows, cols, k.astype(np.complex64)))
    return out


def _wrap_blur(p: np.ndarray, sigma: float) -> np.ndarray:
    """``p`` (float32) smoothed by a Gaussian of ``sigma`` bins wrapping round its edges, as
    scipy's ``gaussian_filter(p, sigma, mode="wrap")`` (the same 4-sigma radius): OpenCV's
    separable filter on the spectrum tiled by that radius, about 4 times faster (the same
    values to float32 rounding)."""
    import cv2

    r = int(4.0 * sigma + 0.5)
    if min(p.shape) <= r:  # a tiny image: more than one wrap per side
        from scipy import ndimage

        return ndimage.gaussian_filter(p, sigma, mode="wrap")
    q = cv2.copyMakeBorder(p, r, r, r, r, cv2.BORDER_WRAP)
    return cv2.GaussianBlur(q, (2 * r + 1, 2 * r + 1), sigma, sigma,
                            borderType=cv2.BORDER_ISOLATED)[r:-r, r:-r]


def _wrap_start(idx: np.ndarray, n: int) -> int:
    """The first of the indices ``idx`` (a run of consecutive indices modulo ``n``, in any
    rotation) in increasing order: the one whose predecessor is not in the run."""
    idx = np.asarray(idx)
    return int(idx[np.isin((idx - 1) % n, idx, invert=True)][0])


def _block_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``mask`` at the block's coarser grid ``shape``: a pixel in where all it covers is."""
    import cv2

    m = cv2.resize(mask.astype(np.float32), shape[::-1], interpolation=cv2.INTER_AREA)
    return m > 0.999


class CombScan:
    """The fitted comb channel of one band (``name``, a key of :data:`BANDS`; module
    docstring): the training faces' amplitude spectrum, each direction's mean energy on them,
    the held-back maxima's mean and spread; ``div`` its block size's divisor (default the
    band's :data:`BLOCK_DIV`; a bank's own where it was written with another)."""

    def __init__(self, roi: np.ndarray, white: np.ndarray, ref: np.ndarray, name: str = "comb",
                 div: int | None = None):
        self.name = name
        self.div = BLOCK_DIV[name] if div is None else int(div)
        self.roi = roi.astype(bool)
        self.inner = eroded(self.roi, ERODE_PX)
        self.white = np.asarray(white, np.float32)   # bands of one fit share it
        self.ref = ref.astype(np.float64)
        self._set_blocks()
        self.inner_block = _block_mask(self.inner, self.kernels.shape[1:])  # the face, blocks
        self.stats = (0.0, 1.0)          # held-back maxima: mean, spread
        self.pc_stats = (0.0, 1.0)       # PatchCore's held-back mean and spread
        if not self.inner_block.any():
            raise InputError(f"comb_scan: the part face is too small to scan (no pixel "
                             f"{ERODE_PX} px inside it at 1/{self.div} resolution)")

    def _set_blocks(self) -> None:
        """Each direction's block as a plain slice of the spectrum tiled by one block (its
        rows and columns in increasing order, the band-pass reordered alike): a circular
        shift of a spectrum only turns the phase of its inverse, not the energy."""
        blocks = _carrier_blocks(self.roi.shape, BANDS[self.name], self.div)
        h, w = self.roi.shape
        self.starts = [(int(r.min() if r.max() - r.min() < len(r) else _wrap_start(r, h)),
                        int(c.min() if c.max() - c.min() < len(c) else _wrap_start(c, w)))
                       for r, c, _ in blocks]
        self.kernels = np.stack([np.fft.fftshift(k) for _, _, k in blocks])

    def __setstate__(self, state: dict) -> None:
        # a band pickled before rule 52 scanned half-size blocks (its mask was ``inner_half``)
        state.setdefault("div", 2)
        if "inner_half" in state:
            state["inner_block"] = state.pop("inner_half")
        self.__dict__.update(state)
        if "starts" not in state:  # pickled before 2026-12-07: gathered blocks in FFT order
            self.__dict__.pop("take", None)
            self._set_blocks()

    def _spectrum(self, x: np.ndarray) -> np.ndarray:
        import scipy.fft as sf

        f = sf.fft2(x.astype(np.float32), workers=1)
        p = np.square(f.real)
        p += np.square(f.imag)
        own = _wrap_blur(p, OWN_SMOOTH_BINS)
        floor = FLOOR * float(median(own)) + 1e-30
        den = self.white ** (1 - OWN_WEIGHT) * np.sqrt(np.maximum(own, floor)) ** OWN_WEIGHT
        # divided as two float32 channels: numpy divides complex by real as complex by complex
        pairs = f.view(np.float32).reshape(f.shape + (2,))
        pairs /= den[..., None]
        return f

    def energies(self, x: np.ndarray, spectrum: np.ndarray | None = None) -> np.ndarray:
        """(N_DIRECTIONS, h/div, w/div) float32: each direction's smoothed band energy of the
        face signal ``x`` at the block's resolution; ``spectrum``: ``x``'s whitened spectrum, when
        another band with the same whitening has computed it (:func:`score_bands`)."""
        import cv2

        f = self._spectrum(x) if spectrum is None else spectrum
        bh, bw = self.kernels.shape[1:]
        tiled = np.pad(f, ((0, bh), (0, bw)), mode="wrap")
        out = np.empty(self.kernels.shape, np.float32)
        s = SMOOTH_PX / self.div
        for i, (r0, c0) in enumerate(self.starts):
            blk = np.multiply(tiled[r0:r0 + bh, c0:c0 + bw], self.kernels[i])
            # complex64 is OpenCV's two-channel float32 layout: its inverse DFT of a block
            # runs about three times faster than scipy's (the same energies to float32
            # rounding; 2026-12-07)
            r = cv2.dft(blk.view(np.float32).reshape(bh, bw, 2),
                        flags=cv2.DFT_INVERSE | cv2.DFT_SCALE)
            e = np.square(r[..., 0])
            e += np.square(r[..., 1])
            cv2.GaussianBlur(e, (0, 0), s, dst=out[i])
        return out

    def evidence(self, x: np.ndarray, spectrum: np.ndarray | None = None) -> np.ndarray:
        """Block-resolution map: the largest over directions of log(energy / its training
        mean), on the inner face (-inf off it); ``spectrum`` as :meth:`energies` takes it."""
        e = self.energies(x, spectrum)
        e *= (1.0 / self.ref).astype(np.float32)[:, None, None]
        lr = np.log(np.maximum(e.max(axis=0), np.float32(1e-30)))   # log of the max: one log
        return np.where(self.inner_block, lr, -np.inf).astype(np.float32)

    @classmethod
    def fit(cls, signals: list[np.ndarray], held: np.ndarray, roi: np.ndarray,
            name: str = "comb", white: np.ndarray | None = None) -> "CombScan":
        """From the jet channel's face signals of good images: spectrum (unless ``white``, as
        :func:`training_white` gives it, is given) and directions' mean energies from those
        not ``held``, the score's mean and spread from the held."""
        fit_idx = [i for i in range(len(signals)) if not held[i]] or list(range(len(signals)))
        hold_idx = [i for i in range(len(signals)) if held[i]] or list(range(len(signals)))
        if white is None:
            white = training_white(signals, held)
        cs = cls(roi, white, np.ones(N_DIRECTIONS), name)
        ref = np.zeros(N_DIRECTIONS)
        for i in fit_idx:
            ref += cs.energies(signals[i])[:, cs.inner_block].mean(axis=1)
        cs.ref = np.maximum(ref / len(fit_idx), 1e-30)
        cs.stats = held_stats([cs.evidence(signals[i]).max() for i in hold_idx], cs.inner)
        return cs

    def to_patchcore_units(self, v):
        """Comb evidence ``v`` in PatchCore's image-score units (as the jet channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    def score_signal(self, x: np.ndarray, spectrum: np.ndarray | None = None
                     ) -> tuple[np.ndarray, float]:
        """(map (H, W) float32: the evidence brought to full resolution, at least 1e-3 on the
        scanned face and 0 off it; image score: the evidence's maximum) of face signal x
        (``spectrum`` as :meth:`energies` takes it)."""
        import cv2

        ev = self.evidence(x, spectrum)
        value = float(ev[self.inner_block].max())
        low = np.float32(value - 50.0)     # off the face a finite value below every pixel's
        full = cv2.resize(np.where(self.inner_block, ev, low), self.roi.shape[::-1],
                          interpolation=cv2.INTER_LINEAR)
        return np.where(self.inner, np.maximum(full, np.float32(1e-3)), 0.0).astype(
            np.float32), value

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        return {f"jet_{self.name}_white": self.white,
                f"jet_{self.name}_ref": self.ref.astype(np.float64)}

    def params(self) -> dict:
        return {**_constants(self.name, self.div), "score_mean": self.stats[0],
                "score_sd": self.stats[1]}

    @classmethod
    def from_arrays(cls, arrays: dict, params, roi: np.ndarray, pc_stats: tuple,
                    where: str, name: str = "comb") -> "CombScan":
        """Rebuild the band ``name`` from a bank's arrays and the header's ``jet_scan.<name>``
        on the jet channel's ``roi``; a damaged entry raises :class:`FileFormatError`."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: comb channel {name!r}: {msg}")

        if not isinstance(params, dict):
            raise bad(f"header 'jet_scan.{name}' is not an object")
        div = params.get("block_div", 2)      # banks before version 14: half-size blocks
        allowed = sorted({2, BLOCK_DIV[name]})
        if isinstance(div, bool) or div not in allowed:      # a list or a dict: not in it
            raise bad(f"'block_div' must be one of {allowed}, given {div!r}")
        if any(params.get(k) != v for k, v in _constants(name, div).items()):
            raise bad("written with other scan constants (frequency, spreads, directions, "
                      "smoothing, whitening, erosion); re-fit it")
        try:
            stats = (float(params["score_mean"]), float(params["score_sd"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if not (np.isfinite(stats[0]) and np.isfinite(stats[1]) and stats[1] > 0):
            raise bad("score statistics are not finite numbers (spread > 0)")
        keys = (f"jet_{name}_white", f"jet_{name}_ref")
        for k, shape in zip(keys, (roi.shape, (N_DIRECTIONS,))):
            a = arrays.get(k)
            if a is None:
                raise bad(f"array {k!r} is missing")
            if a.shape != shape or a.dtype.kind != "f" or not np.all(np.isfinite(a)) or \
                    not np.all(a > 0):
                raise bad(f"array {k!r}: expected finite values > 0 of shape {shape}, given "
                          f"{a.shape} {a.dtype}")
        try:
            cs = cls(roi, arrays[keys[0]], arrays[keys[1]], name, div)
        except InputError as exc:
            raise bad(str(exc)) from None
        cs.stats, cs.pc_stats = stats, pc_stats
        return cs


def training_white(signals: list[np.ndarray], held: np.ndarray) -> np.ndarray:
    """The whitening of every band: the mean amplitude spectrum of the face signals not
    ``held`` (all when every one is), smoothed over 3 x 3 frequencies and floored."""
    import scipy.fft as sf
    from scipy import ndimage

    fit_idx = [i for i in range(len(signals)) if not held[i]] or list(range(len(signals)))
    p = 0.0
    for i in fit_idx:
        f = sf.fft2(signals[i].astype(np.float32), workers=1)
        p = p + (f.real ** 2 + f.imag ** 2)
    # over 3 x 3 frequencies (a Gaussian of 0.8 bins), wrapping as the spectrum does
    p = ndimage.gaussian_filter((p / len(fit_idx)).astype(np.float32), 0.8, mode="wrap",
                                truncate=1.25)
    return np.sqrt(np.maximum(p, FLOOR * float(np.median(p)) + 1e-30))


def score_bands(bands: dict, x: np.ndarray) -> list[tuple[str, "CombScan", tuple]]:
    """(name, band, its :meth:`CombScan.score_signal`) of each band of ``bands`` on the face
    signal ``x``, the whitened spectrum computed once for bands with equal whitening (every
    band of one fit: :func:`training_white`), the same values as band by band."""
    spectra: list = []          # (whitening, x's spectrum whitened by it)
    out = []
    for name, c in bands.items():
        spec = next((sp for w, sp in spectra
                     if w is c.white or np.array_equal(w, c.white)), None)
        if spec is None:
            spec = c._spectrum(x)
            spectra.append((c.white, spec))
        out.append((name, c, c.score_signal(x, spec)))
    return out


def _constants(name: str, div: int = 2) -> dict:
    """The band ``name``'s scan constants as a bank's header holds them (a bank written with
    others is refused: its statistics were calibrated on another scan); the block's divisor
    ``div`` only where it is not 2 (so a bank before version 14 reads as written)."""
    freq, spread = BANDS[name]
    out = {"frequency": freq, "frequency_sigma": spread,
           "along_sigma": ALONG_SIGMA, "directions": N_DIRECTIONS, "smooth_px": SMOOTH_PX,
           "own_weight": OWN_WEIGHT, "own_smooth_bins": OWN_SMOOTH_BINS, "erode_px": ERODE_PX}
    if div != 2:
        out["block_div"] = div
    return out


def fit_comb_state(mode, jet, grays: list[np.ndarray], held: np.ndarray, info: dict
                   ) -> dict:
    """The comb channel's bands (:data:`BANDS`) as ``settings.comb_scan`` (``mode``) asks, on
    the fitted ``jet`` channel (its face signal, face and held-back parts ``held``): name ->
    fitted band, those kept (empty where off).  Each band is gated on its own under
    ``"auto"``, and left out where the face is too thin for its block grid (``True``
    raises).  Sets ``info["comb_scan"]`` ("on" with every band kept, "on: <names>" with
    some, "off" or "off: ..." with none), with the bands fitted ``info["comb_scan_gate"]``
    (per band the held-back mean score against :data:`GATE_MEAN`) and
    ``info["comb_scan_seconds"]``."""
    import time

    info["comb_scan"] = "off"
    if mode is False:
        return {}
    t0 = time.perf_counter()
    signals = [jet.signal(g) for g in grays]
    white = training_white(signals, held)       # one whitening for every band
    kept: dict = {}
    gate: dict = {}
    thin: dict = {}
    for name in BANDS:
        try:
            cs = CombScan.fit(signals, held, jet.roi, name, white)
        except InputError as exc:   # a face too thin for this band's block grid: "auto" goes on
            if mode is True:        # with the others (the 0.25 band's grid is the coarser)
                raise
            thin[name] = str(exc)
            continue
        cs.pc_stats = jet.pc_stats
        gate[name] = {"held_mean": round(cs.stats[0], 4), "limit": GATE_MEAN}
        if mode is True or cs.stats[0] < GATE_MEAN:
            kept[name] = cs
    if not gate:
        info["comb_scan"] = f"off: 'auto': {next(iter(thin.values()))}"
        return {}
    info["comb_scan_gate"] = gate
    dropped = [f"{n} {g['held_mean']:.3f} >= {GATE_MEAN}" for n, g in gate.items()
               if n not in kept]
    why = ([f"gate: {'; '.join(dropped)}"] if dropped else []) + \
        [f"{n}: face too thin ({msg})" for n, msg in thin.items()]
    info["comb_scan"] = ("on" if not why else
                         f"on: {', '.join(kept)} ({'; '.join(why)})" if kept else
                         f"off: gate: the good parts' own comb-band score {'; '.join(dropped)}"
                         + "".join(f"; {w}" for w in why[1:]))
    info["comb_scan_seconds"] = round(time.perf_counter() - t0, 4)
    return kept
