"""The jet channel of :class:`~metrology.anomaly.PatchCore` (``jet_scan``): a whitened search
for compact marks of any shape that a local Gaussian jet spans (private helper of
``patchcore``; on with the line channel, whose face ROI and held-back statistics it shares).

The line and blob channels search for one shape each.  A detector that knew a defect's exact
shape (the matched filter of ``scripts/anomaly_detectability.py --sets``) reaches 0.98-1.00 on
every benchmark set where PatchCore stops at 0.71-0.96: knowing the shape is what it has.
A *matched-subspace* detector needs only the space the shape lies in.  Spots, pits and stains
lie near the Gaussian (order 0), dents and blisters (a shaded slope, bright on one side, dark
on the other) near its first derivatives, gouges, short scratches and ridges near its second
ones.  Per scale (:data:`SIGMAS_PX`) and order group (:data:`ORDER_GROUPS`) the channel

1. takes the *face signal* at full resolution: the image over its local level (Gaussian of
   :data:`LEVEL_SIGMA` px normalised over the face ROI), minus 1, 0 off the face;
2. correlates it with the group's Gaussian-derivative templates *whitened* by the training
   faces' mean power spectrum (a texture's own grain is divided out; where the lay turns
   from part to part, by that spectrum turned to each part's lay: ``_lay_turn``);
3. per pixel takes the Mahalanobis length of the group's k responses twice: with their
   covariance on good parts held back at fit (the texture as trained), and with their
   covariance over this image's own face, plus :data:`OWN_FLOOR` of the trained one (a
   texture whose lay or grain turns from part to part: on the ground face of held-out 10 the
   channel alone scored 0.67 with the trained whitening and 0.92 with the image's own,
   docs/anomaly-log.md, *The jet channel*);
4. puts each of the 2 x 18 statistics' image maxima in spreads of the held-back good parts'
   (their mean and spread, at least 1 / sqrt(2 ln n) over n pixels), so every shape, size and
   whitening answers on one scale; the evidence map is per pixel the largest of those z
   values, on the face eroded by :data:`ERODE_PX`, and the image score its maximum.

The scales of :data:`HALF_FROM_PX` and more run on the face signal at half resolution (its
2 x 2 block means; their templates are smooth enough for a quarter of the pixels): their z
map is brought back to full resolution (linear) before the maximum.  Same AUROC on held-outs
2 and 4-12, the channel about a fifth faster (docs/anomaly-log.md, *The jet's large scales at
half resolution*).

Per level one rfft2 per image and per group one batched inverse FFT of its 1-3 precomputed
kernels (one group's maps in memory at a time), small k x k matrices per group; no per-pixel
loops.
"""

from __future__ import annotations

import numpy as np

from ..errors import FileFormatError, InputError
from ._blas import single_blas_thread
from ._jet_cov import _cov_of, _whitener
from ._local_rms import SIGMA_PX as LRMS_PX
from ._local_rms import LocalRms, check_px
from ._marginal import Marginal
from ._line_scan import (_fft, correlate, eroded, held_stats, level_signal, level_weight,
                         smooth_psd)
from . import _lay_turn
from ._jet_memory import Sampled, memory_from_arrays
from ._ring_scan import ring_from_arrays

#: the scales searched: Gaussian sigma at full resolution (px)
SIGMAS_PX = (1.0, 1.6, 2.5, 4.0, 6.5, 10.0)
#: the order groups: each is one subspace (order 0; the two first derivatives; the three
#: second ones); split by order, not one 6-d jet per scale, which lost 0.03 on held-out 4
ORDER_GROUPS = (("0",), ("x", "y"), ("xx", "xy", "yy"))
#: local level of the face signal (full-resolution px)
LEVEL_SIGMA = 8.0
#: pixels of the face left out of the evidence map along its border (circular correlation
#: and the local level are unreliable there)
ERODE_PX = 6
#: the least spread of a statistic's image maxima on held-back good parts
SD_FLOOR = 0.05
#: share of the trained covariance added to an image's own: a black frame has almost none of
#: its own (its score was 1.6e18 without it, 1.2e5 with it: finite, far above good parts); 0.05
#: dulled the own whitening on a lay that turns (1.00 -> 0.84, tests/anomaly/test_jet_scan.py)
OWN_FLOOR = 1e-3
#: ``jet_scan="auto"`` turns the channel on with at least this many good images (every 5th,
#: here 8, held back to calibrate its 36 statistics; with 4 the spread of each is known to
#: +-35 % and the maximum over them alarms on good parts); ``True`` needs 10
AUTO_MIN_IMAGES = 40
MIN_IMAGES = 10
#: the largest sigma a bank may give (px)
MAX_SIGMA_PX = 64.0
#: the scales from this size up are searched on the face signal at half resolution (its 2 x 2
#: block means; sigma in half-resolution px half the full one): their templates are smooth
#: enough that a quarter of the pixels carries them, and the channel scores about a fifth
#: faster (docs/anomaly-log.md, *The jet's large scales at half resolution*)
HALF_FROM_PX = 4.0
#: the half-resolution evidence off its face before it is brought to full resolution (linear
#: interpolation): finite, and far below any good part's z
COARSE_FILL = -1e3

_N_GROUP = len(ORDER_GROUPS)
_K = max(len(g) for g in ORDER_GROUPS)


def _basis(x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The Gaussian ``g`` and its derivatives of order 1 and 2 in the units ``x``, ``y``
    (over sigma), in the order of :data:`ORDER_GROUPS`: (6, H, W)."""
    by_name = {"0": g, "x": x * g, "y": y * g, "xx": (x * x - 1) * g, "xy": x * y * g,
               "yy": (y * y - 1) * g}
    return np.stack([by_name[o] for orders in ORDER_GROUPS for o in orders])


def jet_templates(shape: tuple[int, int], sigmas: tuple[float, ...]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rfft2 of the unit-energy Gaussian-derivative templates centred on pixel (0, 0),
    circularly, (n, h, w // 2 + 1) complex64; each template's group index (n,)), the groups
    numbered scale-major: group ``i * len(ORDER_GROUPS) + j`` is scale ``i``, order group
    ``j``.  One scale's six templates at a time (one batched FFT; memory six maps)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yy, xx = yy - h // 2, xx - w // 2
    per = sum(len(g) for g in ORDER_GROUPS)
    out = np.empty((len(sigmas) * per, h, w // 2 + 1), np.complex64)
    for i, s in enumerate(sigmas):
        b = _basis(xx / s, yy / s, np.exp(-0.5 * (xx ** 2 + yy ** 2) / s ** 2))
        b /= np.sqrt(np.sum(b ** 2, axis=(1, 2), keepdims=True))
        out[i * per:(i + 1) * per] = _fft().rfft2(np.fft.ifftshift(b, axes=(1, 2)),
                                                  axes=(-2, -1))
    return out, _groups(len(sigmas))


def _groups(n_sigmas: int) -> np.ndarray:
    """Each template's group index, scale-major (see :func:`jet_templates`)."""
    return np.repeat(np.arange(n_sigmas * _N_GROUP),
                     [len(g) for g in ORDER_GROUPS] * n_sigmas)


def _down(x: np.ndarray) -> np.ndarray:
    """``x`` at half resolution: the mean of each 2 x 2 block (an odd size: OpenCV's area
    resampling to the half size rounded up)."""
    import cv2

    h, w = x.shape
    return cv2.resize(x, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)


def half_shape(shape: tuple[int, int]) -> tuple[int, int]:
    """The half-resolution shape of an image of ``shape`` (see :func:`_down`)."""
    return (shape[0] + 1) // 2, (shape[1] + 1) // 2


class _Level:
    """One resolution of the scan: its face, spectrum and whitened templates; ``factor`` 1
    (full resolution) or 2 (half), ``sigmas`` in full-resolution px, ``first`` the index of its
    first group in the channel's scale-major numbering."""

    def __init__(self, roi: np.ndarray, factor: int, sigmas: tuple, psd: np.ndarray,
                 first: int):
        self.factor, self.sigmas, self.first = factor, sigmas, first
        self.roi = roi if factor == 1 else _down(roi.astype(np.float32)) > 0.999
        self.psd = psd.astype(np.float32)
        self.inner = eroded(self.roi, ERODE_PX // factor)
        if factor == 1:  # the own covariance over every other row and column (module doc)
            sub = np.zeros_like(self.inner)
            sub[::2, ::2] = self.inner[::2, ::2]
            sub = sub if sub.sum() >= 64 else self.inner
        else:            # at half resolution every pixel: as many as the full one's quarter
            sub = self.inner
        self.sub_idx = np.flatnonzero(sub.ravel())  # a gather is cheaper than a mask
        self.n_inner = int(self.inner.sum())
        group = _groups(len(sigmas))
        self.slices = [(int(np.flatnonzero(group == j)[0]),
                        int(np.flatnonzero(group == j)[-1]) + 1)
                       for j in range(len(sigmas) * _N_GROUP)]
        # none yet for a fit's placeholder spectrum: ``fit`` makes them once it has one
        self.kernels = None if self.psd.shape == (1, 1) else self.make_kernels()
        self.turn = None  # the whitening turned to each part's lay (``_lay_turn``), or None

    def make_kernels(self) -> np.ndarray:
        tf, _ = jet_templates(self.roi.shape, tuple(s / self.factor for s in self.sigmas))
        tf /= self.psd[None]
        return np.conj(tf, out=tf)

    def signal(self, x: np.ndarray) -> np.ndarray:
        """The full-resolution face signal ``x`` at this level's resolution."""
        return x if self.factor == 1 else _down(x)

    def group_maps(self, x: np.ndarray):
        """Per group: (its global index, its responses (k, h, w) to this level's signal
        ``x``), one group at a time (memory: three maps, not 36)."""
        f = _fft().rfft2(x, workers=1)
        f = f if self.turn is None else self.turn.whiten(f)
        for j, (a, b) in enumerate(self.slices):
            yield self.first + j, correlate(x, self.kernels[a:b], f)


class JetScan:
    """Fitted jet channel: spectra, per-group whitening, statistics' calibration, face.

    The scales below ``half_from`` px are searched at full resolution, the others on the face
    signal at half resolution (``half_from=None``: every scale at full resolution, as banks of
    version 6 were fitted).  Build it with :meth:`fit` or :meth:`from_arrays`; :meth:`score`
    gives the full-resolution evidence map and the image score.
    """

    def __init__(self, roi: np.ndarray, psd: np.ndarray, whiten: np.ndarray,
                 sigmas=SIGMAS_PX, psd_half: np.ndarray | None = None,
                 half_from: float | None = HALF_FROM_PX):
        self.roi = roi                                  # (H, W) bool
        self.sigmas = tuple(float(s) for s in sigmas)
        n_full = len(self.sigmas) if half_from is None else \
            sum(s < half_from for s in self.sigmas)
        if n_full == 0:
            raise InputError(f"jet_scan: every scale is at half resolution (from {half_from} "
                             f"px); the smallest must be below it")
        self.half_from = None if n_full == len(self.sigmas) else float(half_from)
        self.whiten = whiten.astype(np.float32)         # (groups, K, K), zero-padded
        self.weight = level_weight(roi, LEVEL_SIGMA)
        self.inner = eroded(roi, ERODE_PX)
        self.levels = [lv for lv in (
            _Level(roi, 1, self.sigmas[:n_full], psd, 0),
            None if self.half_from is None else
            _Level(roi, 2, self.sigmas[n_full:], np.ones((1, 1)) if psd_half is None
                   else psd_half, n_full * _N_GROUP)) if lv is not None and lv.sigmas]
        n = self.n_groups
        self.mu = np.zeros(2 * n, np.float32)           # per statistic: held maxima's mean
        self.sd = np.ones(2 * n, np.float32)            # ... and spread
        self.stats = (0.0, 1.0)                         # mean, sd of good image scores
        self.pc_stats = (0.0, 1.0)                      # the same of PatchCore's
        self.head = None                                # the learned head (``_jet_head``)
        self.combs: dict = {}         # the comb channel's bands on this face signal (name ->)
        self.rings = None             # the ring channel on this face signal (``_ring_scan``)
        self.memory = None            # the memory of its responses (``_jet_memory``)
        # the map of the face signal to normal quantiles (``_marginal``), or None: as it is
        self.gauss: Marginal | None = None
        # the statistics whitened by the image's own covariance (step 3); off on a face
        # signal Gaussianized with ``gaussianize="tiered"`` (``_marginal``)
        self.own = True
        self.lrms: LocalRms | None = None    # the signal over its local RMS (``_local_rms``)
        self.lay_info = "off"   # what ``info["lay_turn"]`` says (``_lay_turn``)

    @property
    def lay_turns(self) -> list | None:
        """Per level the whitening turned to each part's lay (``_lay_turn``), or None."""
        return None if self.levels[0].turn is None else [lv.turn for lv in self.levels]

    @lay_turns.setter
    def lay_turns(self, turns: list | None) -> None:
        for lv, t in zip(self.levels, turns or [None] * len(self.levels)):
            lv.turn = t

    @property
    def n_groups(self) -> int:
        return len(self.sigmas) * _N_GROUP

    @property
    def psd(self) -> np.ndarray:
        """The full-resolution level's spectrum (rfft2 layout)."""
        return self.levels[0].psd

    def signal(self, gray: np.ndarray) -> np.ndarray:
        """The face signal of a gray float32 image (module docstring, step 1): the line
        channel's, at full resolution; Gaussianized and over its local RMS when the channel
        was fitted so (``_marginal``, ``_local_rms``)."""
        x = level_signal(gray, self.roi, self.weight, LEVEL_SIGMA)
        x = x if self.gauss is None else self.gauss(x, self.roi)
        return x if self.lrms is None else self.lrms(x)

    def _group_maps(self, x: np.ndarray):
        """Per group ``j``: (j, its level, its responses (k, h, w) to the face signal
        ``x`` at that level's resolution)."""
        for lv in self.levels:
            for j, rr in lv.group_maps(lv.signal(x)):
                yield j, lv, rr

    def features(self, gray: np.ndarray) -> np.ndarray:
        """(n, H, W) float32: per group the responses to ``gray``'s face signal whitened as
        trained, at full resolution (the head's features, ``_jet_head``)."""
        got: list = []
        for j, lv, rr in self._group_maps(self.signal(gray)):
            got.append((lv, self._whitened(j, rr)))
        return _full_res(got, self.roi.shape)

    def _whitened(self, j: int, rr: np.ndarray) -> np.ndarray:
        k = len(rr)
        return (self.whiten[j, :k, :k] @ rr.reshape(k, -1)).reshape(rr.shape)

    def statistics(self, x: np.ndarray, collect: list | None = None):
        """Per statistic: (its index, its level, map at the level's resolution, float32): per
        group (statistics 2j and 2j + 1) the Mahalanobis length of its responses to the face
        signal ``x``, whitened as trained and by this image's own covariance (at full
        resolution over every other row and column of the inner face: 10 k pixels estimate
        a 3 x 3 covariance well, at a quarter of the cost).  ``collect``: a list that gets
        (level, whitened responses) of every group, for the head."""
        with single_blas_thread():  # small products: threads only spin (``_blas``)
            for j, lv, rr in self._group_maps(x):
                k = len(rr)
                flat = rr.reshape(k, -1)
                wt = self.whiten[j, :k, :k].astype(np.float64)
                if not self.own:   # the trained whitening only
                    y = wt.astype(np.float32) @ flat
                    if collect is not None:
                        collect.append((lv, y.reshape(rr.shape).copy()))
                    np.square(y, out=y)
                    acc = y.sum(axis=0)
                    yield 2 * j, lv, np.sqrt(acc, out=acc).reshape(rr.shape[1:])
                    continue
                # the image's own covariance, plus a little of the trained one: a black or
                # constant frame has almost none, and its inverse would blow up
                own_cov = _cov_of(flat[:, lv.sub_idx].astype(np.float64)) + \
                    OWN_FLOOR * np.linalg.inv(wt.T @ wt)
                ev, vec = np.linalg.eigh(own_cov)
                ev = np.maximum(ev, np.finfo(np.float64).tiny)  # positive definite; rounding
                # both Mahalanobis lengths as lengths of whitened responses, one small matrix
                # product: r' W'W r = |W r|^2, and r' C^-1 r = |E^-1/2 V' r|^2 for C = V E V'
                y = np.vstack([wt, (vec / np.sqrt(ev)).T]).astype(np.float32) @ flat
                if collect is not None:  # the head's features, from the same responses
                    # (a copy: y is squared in place below)
                    collect.append((lv, y[:k].reshape(rr.shape).copy()))
                np.square(y, out=y)
                for n_q in range(2):
                    acc = y[n_q * k].copy() if k == 1 else np.add(y[n_q * k], y[n_q * k + 1])
                    for i in range(n_q * k + 2, (n_q + 1) * k):
                        acc += y[i]
                    yield 2 * j + n_q, lv, np.sqrt(acc, out=acc).reshape(rr.shape[1:])

    def _zmap(self, x: np.ndarray, collect: list | None = None) -> np.ndarray:
        import cv2

        z = {id(lv): np.full(lv.roi.shape, -np.inf, np.float32) for lv in self.levels}
        for i, lv, st in self.statistics(x, collect):  # each map is this loop's own: scaled in place
            st -= self.mu[i]
            st /= self.sd[i]
            np.maximum(z[id(lv)], st, out=z[id(lv)])
        out = np.full(x.shape, -np.inf, np.float32)
        for lv in self.levels:
            zl = z[id(lv)]
            if lv.factor != 1:  # off its face a low finite value, so interpolation stays finite
                zl = cv2.resize(np.where(lv.inner, zl, np.float32(COARSE_FILL)),
                                x.shape[::-1], interpolation=cv2.INTER_LINEAR)
            np.maximum(out, zl, out=out)
        return np.where(self.inner, out, np.float32(0.0)).astype(np.float32)

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, grays: list[np.ndarray], held: np.ndarray, roi: np.ndarray,
            sigmas=SIGMAS_PX, half_from: float | None = HALF_FROM_PX,
            gauss: Marginal | None = None, own: bool = True, local_rms: bool = False,
            lay_turn=False) -> "JetScan":
        """Spectra from the good images not ``held``; per-group covariance and the
        statistics' calibration from the ``held`` ones (gray float32); ``gauss``: the face
        signal's map to normal quantiles (``_marginal``), or None; ``own``: the statistics
        whitened by each image's own covariance too (module docstring, step 3);
        ``local_rms``: the face signal over its local RMS (``_local_rms``); ``lay_turn``
        ("auto", True or False): the whitening turned to each part's lay (``_lay_turn``;
        "auto" where the training faces' lay turns from part to part)."""
        js = cls(roi, np.ones((1, 1), np.float32),
                 np.zeros((len(sigmas) * _N_GROUP, _K, _K), np.float32), sigmas,
                 half_from=half_from)
        js.gauss, js.own = gauss, bool(own)
        js.lrms = LocalRms(roi, LRMS_PX) if local_rms else None
        if not all(lv.inner.any() for lv in js.levels):
            raise InputError(f"jet_scan: the part face is too small to scan (no pixel "
                             f"{ERODE_PX} px inside it)")
        sf = _fft()
        fit_idx = [i for i in range(len(grays)) if not held[i]] or list(range(len(grays)))
        hold_idx = [i for i in range(len(grays)) if held[i]] or list(range(len(grays)))
        # three passes over the images, each holding one image's maps at a time: the
        # spectra, the groups' covariance on the held-back parts, their statistics' maxima
        p = [0.0] * len(js.levels)
        meter = None if lay_turn is False else _lay_turn.LayMeter()
        profiles: list = [[] for _ in js.levels]  # each part's direction profile (lay turn)
        for i in fit_idx:
            x = js.signal(grays[i])
            for n_l, lv in enumerate(js.levels):
                pw = np.abs(sf.rfft2(lv.signal(x), workers=1)) ** 2
                p[n_l] = p[n_l] + pw
                if meter is not None:
                    profiles[n_l].append(_lay_turn.profile(pw, lv.roi.shape))
                    if n_l == 0:
                        meter.add(pw, x.shape)
        for n_l, lv in enumerate(js.levels):
            lv.psd = smooth_psd(p[n_l] / len(fit_idx)).astype(np.float32)
            lv.kernels = lv.make_kernels()
        on, js.lay_info = _lay_turn.decide(lay_turn, meter)
        if on:  # the periodograms again, one at a time (memory: one spectrum, not 80)
            def powers(lv):
                for i in fit_idx:
                    yield np.abs(sf.rfft2(lv.signal(js.signal(grays[i])), workers=1)) ** 2

            js.lay_turns = [_lay_turn.LayTurn(lv.psd, *_lay_turn.canonical(
                profiles[n_l], powers(lv), lv.roi.shape)) for n_l, lv in enumerate(js.levels)]
        n = js.n_groups
        sums = [np.zeros((_K, _K)) for _ in range(n)]
        firsts = [np.zeros(_K) for _ in range(n)]
        for i in hold_idx:
            for j, lv, rr in js._group_maps(js.signal(grays[i])):
                v = rr[:, lv.inner].astype(np.float64)
                k = len(v)
                sums[j][:k, :k] += v @ v.T
                firsts[j][:k] += v.sum(axis=1)
        for lv in js.levels:
            count = lv.n_inner * len(hold_idx)
            for j0, (a, b) in enumerate(lv.slices):
                j, k = lv.first + j0, b - a
                mean = firsts[j][:k] / count
                cov = (sums[j][:k, :k] - count * np.outer(mean, mean)) / max(count - 1, 1)
                js.whiten[j, :k, :k] = _whitener(cov)
        maxima = np.zeros((len(hold_idx), 2 * n))
        floor = np.zeros(2 * n)
        for row, i in enumerate(hold_idx):
            for s_i, lv, st in js.statistics(js.signal(grays[i])):
                maxima[row, s_i] = st[lv.inner].max()
                # the spread of a maximum over n pixels is at least about 1 / sqrt(2 ln n)
                # (as the line channel's ``held_stats`` floors it): few held-back parts do
                # not shrink it
                floor[s_i] = max(SD_FLOOR, 1.0 / np.sqrt(2.0 * np.log(max(lv.n_inner, 3))))
        js.mu = maxima.mean(axis=0).astype(np.float32)
        js.sd = np.maximum(maxima.std(axis=0), floor).astype(np.float32)
        if not js.own:   # the own statistics' slots (odd) are not scanned: a neutral scale
            js.mu[1::2], js.sd[1::2] = 0.0, 1.0
        js.stats = held_stats([js._zmap(js.signal(grays[i])).max() for i in hold_idx],
                              js.inner)
        return js

    # ------------------------------------------------------------------ score
    def to_patchcore_units(self, v):
        """Jet evidence ``v`` in PatchCore's image-score units (as the line channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    def score(self, gray: np.ndarray, x: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """(map (H, W) float32: the evidence, at least 1e-3 on the scanned face and 0 off it
        (the fusion takes 0 as "not scanned"); image score: the evidence's maximum).  ``x``:
        ``gray``'s face signal (:meth:`signal`) when the caller has it already."""
        z = self._zmap(self.signal(gray) if x is None else x)
        value = float(z[self.inner].max())
        return np.where(self.inner, np.maximum(z, np.float32(1e-3)), np.float32(0.0)), value

    def score_with_head(self, gray: np.ndarray, head=None,
                        x: np.ndarray | None = None) -> tuple[tuple, tuple]:
        """The pair (:meth:`score`, the head's ``score``) from one pass of the
        responses (the head needs them whitened, which the statistics compute anyway);
        ``head``: another head than this channel's (the fit-time gate's); ``x`` as for
        :meth:`score`."""
        own, feats = self.score_with_features(gray, x)
        return own, (head or self.head).score(feats)

    def score_with_features(self, gray: np.ndarray, x: np.ndarray | None = None,
                            full: bool = True) -> tuple[tuple, object]:
        """(:meth:`score`, the whitened responses at full resolution: :meth:`features`, or
        without ``full`` read where asked, ``_jet_memory.Sampled``) from one pass (the head
        and the memory read them; the statistics compute them anyway); ``x`` as for
        :meth:`score`."""
        got: list = []
        z = self._zmap(self.signal(gray) if x is None else x, got)
        value = float(z[self.inner].max())
        own = np.where(self.inner, np.maximum(z, np.float32(1e-3)), np.float32(0.0)), value
        return own, _full_res(got, self.roi.shape) if full else Sampled(got, self.roi.shape)

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        out = {"jet_psd": self.psd, "jet_whiten": self.whiten, "jet_mu": self.mu,
               "jet_sd": self.sd, "jet_roi": self.roi.astype(np.uint8)}
        if self.half_from is not None:
            out["jet_psd_half"] = self.levels[-1].psd
        if self.head is not None:
            out.update(self.head.arrays())
        for c in [*self.combs.values()] + [r for r in [self.rings, self.memory] if r]:
            out.update(c.arrays())
        if self.gauss is not None:
            out["jet_gauss"] = self.gauss.array()
        if self.lay_turns is not None:
            out.update(_lay_turn.arrays_of(self.lay_turns))
        return out

    def params(self) -> dict:
        out = {"sigmas_px": list(self.sigmas), "level_sigma": LEVEL_SIGMA,
               "erode_px": ERODE_PX, "orders": ["".join(g) for g in ORDER_GROUPS],
               "score_mean": self.stats[0], "score_sd": self.stats[1],
               "patchcore_mean": self.pc_stats[0], "patchcore_sd": self.pc_stats[1]}
        if self.half_from is not None:
            out["half_from_px"] = self.half_from
        if self.head is not None:
            out["head"] = self.head.params()
        for name, c in [*self.combs.items()] + [(nm, r) for nm, r in (
                ("ring", self.rings), ("memory", self.memory)) if r]:
            out[name] = c.params()
        if self.gauss is not None:
            out["gauss_sd"] = self.gauss.sd
        if not self.own:
            out["own_stats"] = False
        if self.lrms is not None:
            out["local_rms_px"] = self.lrms.sigma
        if self.lay_turns is not None:
            out["lay_turn"] = _lay_turn.params()
        return out

    @classmethod
    def from_arrays(cls, arrays: dict, params, image_shape: tuple[int, int],
                    where: str) -> "JetScan":
        """Rebuild from a bank's arrays and header (``half_from_px`` and ``jet_psd_half``:
        the scales searched at half resolution, since bank version 7); a damaged entry
        raises :class:`FileFormatError`."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: jet channel: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'jet_scan' is not an object")
        half = "half_from_px" in params or "jet_psd_half" in arrays
        for k in ("jet_psd", "jet_whiten", "jet_mu", "jet_sd", "jet_roi") + \
                (("jet_psd_half",) if half else ()):
            if k not in arrays:
                raise bad(f"array {k!r} is missing")
        try:
            sigmas = tuple(float(s) for s in params["sigmas_px"])
            nums = [float(params[k]) for k in ("score_mean", "score_sd", "patchcore_mean",
                                               "patchcore_sd")]
            level = float(params["level_sigma"])
            half_from = float(params["half_from_px"]) if half else None
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if level != LEVEL_SIGMA or params.get("erode_px") != ERODE_PX or \
                params.get("orders") != ["".join(g) for g in ORDER_GROUPS]:
            raise bad("written with other scan constants (level, erosion, orders); re-fit it")
        if not sigmas or not all(np.isfinite(s) and 0 < s <= MAX_SIGMA_PX for s in sigmas):
            raise bad(f"'sigmas_px': expected sizes in (0, {MAX_SIGMA_PX:g}] px")
        if half and not (np.isfinite(half_from) and min(sigmas) < half_from <= max(sigmas)):
            raise bad("'half_from_px': expected a size between the smallest and the largest "
                      "of 'sigmas_px'")
        if not all(np.isfinite(v) for v in nums) or nums[1] <= 0 or nums[3] <= 0:
            raise bad("score statistics are not finite numbers (spreads > 0)")
        roi, psd, wh = arrays["jet_roi"], arrays["jet_psd"], arrays["jet_whiten"]
        mu, sd = arrays["jet_mu"], arrays["jet_sd"]
        h, w = image_shape
        n = len(sigmas) * _N_GROUP
        checks = [("jet_roi", roi, (h, w), "iub"), ("jet_psd", psd, (h, w // 2 + 1), "f"),
                  ("jet_whiten", wh, (n, _K, _K), "f"), ("jet_mu", mu, (2 * n,), "f"),
                  ("jet_sd", sd, (2 * n,), "f")]
        if half:
            hh, hw = half_shape((h, w))
            checks.append(("jet_psd_half", arrays["jet_psd_half"], (hh, hw // 2 + 1), "f"))
        for name, a, shape, kinds in checks:
            if a.shape != shape or a.dtype.kind not in kinds or \
                    (a.dtype.kind == "f" and not np.all(np.isfinite(a))):
                raise bad(f"array {name!r}: expected finite values of shape {shape}, given "
                          f"{a.shape} {a.dtype}")
        if np.any(psd <= 0) or np.any(sd <= 0) or not roi.any() or \
                (half and np.any(arrays["jet_psd_half"] <= 0)):
            raise bad("array 'jet_psd' / 'jet_psd_half' / 'jet_sd' must be > 0 and 'jet_roi' "
                      "not empty")
        sizes = [len(g) for g in ORDER_GROUPS] * len(sigmas)
        if any(np.linalg.matrix_rank(wh[j, :k, :k].astype(np.float64)) < k
               for j, k in enumerate(sizes)):
            raise bad("array 'jet_whiten': a group's whitening is singular")
        js = cls(roi.astype(bool), psd, wh, sigmas,
                 arrays["jet_psd_half"] if half else None, half_from)
        if not all(lv.inner.any() for lv in js.levels):
            raise bad("array 'jet_roi' leaves no pixel to scan")
        js.mu, js.sd = mu.astype(np.float32), sd.astype(np.float32)
        js.stats, js.pc_stats = (nums[0], nums[1]), (nums[2], nums[3])
        if "jet_gauss" in arrays:  # none in banks fitted before the Gaussianized signal
            js.gauss = Marginal.from_array(arrays["jet_gauss"], params.get("gauss_sd"),
                                           f"{where}: jet channel: array 'jet_gauss'")
        own = params.get("own_stats", True)
        if own is not True and (own is not False or js.gauss is None):
            raise bad(f"'own_stats': expected false on a Gaussianized face signal ("
                      f"'jet_gauss') or absent, given {own!r}")
        js.own = own
        if "local_rms_px" in params:  # none in banks fitted before the local RMS
            js.lrms = LocalRms(js.roi, check_px(params["local_rms_px"], f"{where}: jet channel"))
        if "lay_turn" in params:  # none in banks fitted before version 18
            js.lay_turns = _lay_turn.from_arrays(arrays, params["lay_turn"], js.levels, where)
        elif any(k.startswith("jet_lay_") for k in arrays):
            raise bad("arrays 'jet_lay_*' without the header's 'lay_turn'")
        heads = sorted(k for k in arrays if k.startswith("jet_head_"))
        if "head" in params:
            from ._jet_head import JetHead

            js.head = JetHead.from_arrays(arrays, params["head"], js.inner, 2 * n, where)
            js.head.pc_stats = js.pc_stats
        elif heads:
            raise bad(f"arrays {heads} without the header's 'head'")
        from ._comb_scan import BANDS, CombScan

        for name in BANDS:
            if name in params:
                js.combs[name] = CombScan.from_arrays(arrays, params[name], js.roi,
                                                      js.pc_stats, where, name)
            elif any(k.startswith(f"jet_{name}_") for k in arrays):
                raise bad(f"arrays 'jet_{name}_*' without the header's '{name}'")
        js.rings = ring_from_arrays(arrays, params, js, where)
        js.memory = memory_from_arrays(arrays, params, js, where)
        return js


def _full_res(got: list, shape: tuple[int, int]) -> np.ndarray:
    """The whitened responses of every group (level, (k, h, w)) stacked at full resolution
    (``shape``): a half-resolution level's brought up (linear)."""
    import cv2

    out = []
    for lv, v in got:
        if lv.factor != 1:
            v = np.stack([cv2.resize(c, shape[::-1], interpolation=cv2.INTER_LINEAR)
                          for c in v])
        out.append(v)
    return np.concatenate(out)
