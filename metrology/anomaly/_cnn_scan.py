"""The discriminator channel of :class:`~metrology.anomaly.PatchCore` (``cnn_scan``, an
option, off by default): a small fully-convolutional net trained at fit on the user's good
faces with generic synthetic marks pasted into them (private helper of ``patchcore``; on with
the line channel, whose face ROI and PatchCore statistics it shares, like the jet channel).

1. *face signal*: the jet channel's (the image over its local level, minus 1, 0 off the face),
   times ``norm`` (one over the median spread of the training faces' signal);
2. *training* (torch, at fit only): crops of :data:`CROP` px of the good faces not held back,
   half of them with one generic mark (:data:`KINDS`: a stroke, a blob, a shaded slope, a
   flattened patch, a cluster of dots; any angle, either sign, :data:`AMP` texture spreads),
   per-pixel BCE against the mark's mask at half resolution (:data:`POS_WEIGHT`), weighted by
   the inner face; :data:`STEPS` steps of :data:`BATCH` crops, Adam with a one-cycle rate;
   seeded and on one torch thread, so a fit is reproducible;
3. *scoring*: without torch: OpenCV's DNN module runs the net, written as ONNX by
   ``_cnn_onnx`` (:data:`SCORE_WITH_DNN`); :func:`forward` is the same net in numpy (each
   convolution one im2col, a strided view of the zero-padded input, and one float32 matrix
   product), the reference the tests hold both to;
4. *evidence*: the half-resolution logits brought to full resolution (linear), on the jet
   channel's inner face; the image score is the largest logit on the half-resolution inner
   face, calibrated on the held-back good parts (every 5th) and put in PatchCore's units as
   the jet channel's.

Measured (docs/anomaly-log.md, *The discriminator channel*): added beside the default's
channels, mean AUROC +0.0158 over 16 held-out sets (worst -0.0038), +0.0133 over 12 on a
second training sample (worst -0.0059), at 2000 steps (at 700 the net's own seed moved a set
by as much as it gained); the fit is bound by the steps, not the images: about 3.2 min of CPU.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ..errors import FileFormatError, InputError
from ._cnn_onnx import dnn_net
from ._jet_scan import ERODE_PX, LEVEL_SIGMA, half_shape
from ._line_scan import eroded, held_stats, level_signal, level_weight

#: the net: channels after the first layer (which has 16), dilations of the residual layers
CH = 16
C0 = 16
DILATIONS = (1, 2, 4, 8)
#: training: steps, crop side (px), crops per step, peak learning rate, share of crops with a
#: mark, the marks' amplitude range (texture spreads), weight of the mark pixels, seed
STEPS = 2000
CROP = 96
BATCH = 24
LR = 2e-3
P_ANOM = 0.5
AMP = (0.5, 4.0)
POS_WEIGHT = 5.0
SEED = 0
KINDS = ("stroke", "blob", "slope", "flat", "dots")
#: marks are centred this far inside the face (px)
MARK_ERODE_PX = 10
#: good images needed (every 5th held back to calibrate the score)
MIN_IMAGES = 40

_DNN_LOCK = threading.Lock()  # makes a channel's per-thread store of OpenCV nets once
_WORK = threading.local()  # per thread: the scoring's work arrays (see ``_buffer``)
#: score with OpenCV's DNN module running the net as ONNX written here (``_cnn_onnx``; the
#: net 7.7 ms per 256 x 256 on one thread, against 17.4 ms in numpy and 12.7 ms in torch; the
#: same logits to float32 rounding); ``False``: the numpy forward
SCORE_WITH_DNN = True


def _layer_specs(ch: int) -> list[tuple[str, int, int, int, int]]:
    """(name, in channels, out channels, stride, dilation) of every 3 x 3 layer, then the
    1 x 1 output."""
    out = [("c0", 1, C0, 1, 1), ("c1", C0, ch, 2, 1)]
    out += [(f"d{i}", ch, ch, 1, r) for i, r in enumerate(DILATIONS)]
    return out + [("out", ch, 1, 1, 1)]


# ---------------------------------------------------------------------- marks
def _stroke(rng, shape, cy, cx, c, s) -> np.ndarray:
    import cv2

    h, w = shape
    length, wid, bend = rng.uniform(8, 80), rng.uniform(0.6, 3.0), rng.uniform(-0.6, 0.6)
    canvas = np.zeros((h * 4, w * 4), np.uint8)
    t = np.linspace(-0.5, 0.5, 40)
    px = cx + length * t * c - bend * length * (t ** 2 - 0.25) * s
    py = cy + length * t * s + bend * length * (t ** 2 - 0.25) * c
    pts = np.stack([px * 4 + 1.5, py * 4 + 1.5], 1).round().astype(np.int32)
    cv2.polylines(canvas, [pts], False, 255, thickness=max(1, int(round(wid * 4))))
    g = cv2.resize(canvas.astype(np.float32) / 255, (w, h), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(g, (0, 0), 0.6)


def _grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The pixel rows and columns of ``shape`` as float32 arrays (kept per thread: the marks
    of a fit all have the image's shape; read only)."""
    store = _WORK.__dict__.setdefault("grids", {})
    if shape not in store:
        yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
        yy.flags.writeable = xx.flags.writeable = False
        store.clear()
        store[shape] = (yy, xx)
    return store[shape]


def _mark(rng, shape, cy: float, cx: float):
    """(relative change map or None, flattening map or None) of one generic mark centred
    near (cy, cx): strokes, blobs, slopes and dots change the level, a flat patch flattens
    the texture."""
    h, w = shape
    kind = KINDS[rng.integers(len(KINDS))]
    yy, xx = _grid(shape)
    th = rng.uniform(0, np.pi)
    c, s = np.cos(th), np.sin(th)
    if kind in ("blob", "slope", "flat"):  # the mark's own axes (the others need none)
        u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
    if kind == "stroke":
        g = _stroke(rng, shape, cy, cx, c, s)
    elif kind == "blob":
        a = rng.uniform(1.5, 14)
        b = a * rng.uniform(0.3, 1.0)
        g = np.exp(-0.5 * ((u / a) ** 2 + (v / b) ** 2))
    elif kind == "slope":
        a = rng.uniform(3, 16)
        b = a * rng.uniform(0.4, 1.0)
        g = (u / a) * np.exp(-0.5 * ((u / a) ** 2 + (v / b) ** 2)) * 1.6
    elif kind == "flat":
        a = rng.uniform(6, 28)
        b = a * rng.uniform(0.3, 1.0)
        return None, np.exp(-0.5 * ((u / a) ** 2 + (v / b) ** 2) ** 2).astype(np.float32)
    else:
        g = np.zeros(shape, np.float32)
        n, r, sz = rng.integers(3, 12), rng.uniform(6, 20), rng.uniform(0.7, 2.0)
        for _ in range(n):
            oy, ox = rng.normal(0, r / 2, 2)
            g += np.exp(-0.5 * (((xx - cx - ox) ** 2 + (yy - cy - oy) ** 2) / sz ** 2))
        g = np.minimum(g, 1.0)
    return g.astype(np.float32), None


def insert_mark(rng, gray: np.ndarray, roi: np.ndarray, sd_t: float,
                mark_face: "np.ndarray | tuple[np.ndarray, np.ndarray]"
                ) -> tuple[np.ndarray, np.ndarray]:
    """``gray`` with one generic mark centred on ``mark_face`` (a mask, or its pixels' rows
    and columns as ``np.nonzero`` gives them; amplitude in units of the texture spread
    ``sd_t``); (new gray float32, the mark's mask on the face)."""
    import cv2

    ys, xs = mark_face if isinstance(mark_face, tuple) else np.nonzero(mark_face)
    i = rng.integers(len(ys))
    g, flat = _mark(rng, gray.shape, float(ys[i]), float(xs[i]))
    amp = np.exp(rng.uniform(np.log(AMP[0]), np.log(AMP[1]))) * sd_t
    if flat is not None:
        lv = cv2.GaussianBlur(gray, (0, 0), 6)
        f = rng.uniform(0.5, 0.95)
        out = gray - f * flat * (gray - lv)
        m = flat > 0.5
    else:
        sign = rng.choice([-1.0, 1.0])
        out = gray * (1.0 + sign * amp * g / max(float(np.abs(g).max()), 1e-6))
        m = np.abs(g) > 0.25 * np.abs(g).max()
    return out.astype(np.float32), m & roi


# ---------------------------------------------------------------------- numpy inference
def _buffer(key: tuple, shape: tuple) -> np.ndarray:
    """A float32 work array of ``shape`` kept per thread for ``key`` (zeros when new): a
    fresh 9 MB im2col per layer and image cost its page faults each time (about a sixth of
    the scoring time); the padded inputs' borders stay zero as only their inside is
    written."""
    store = _WORK.__dict__.setdefault("arrays", {})
    buf = store.get(key)
    if buf is None or buf.shape != shape:
        buf = store[key] = np.zeros(shape, np.float32)
    return buf


def _conv(name: str, x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
          dil: int = 1) -> np.ndarray:
    """ReLU of a 3 x 3 convolution (zero padding ``dil``, as torch's) of ``x`` (C, H, W)
    float32 with weights ``w`` (O, C, 3, 3): one im2col (a strided view of the padded input,
    the dilation and stride by slicing) and one float32 matrix product; (O, H', W'), a work
    array of layer ``name`` (overwritten by the next image).  Channels first: the im2col
    copies whole rows and the product is (O, 9C) x (9C, H'W')."""
    from numpy.lib.stride_tricks import sliding_window_view

    c, h, wd = x.shape
    xp = _buffer((name, "pad"), (c, h + 2 * dil, wd + 2 * dil))
    xp[:, dil:dil + h, dil:dil + wd] = x
    win = sliding_window_view(xp, (2 * dil + 1, 2 * dil + 1), axis=(1, 2))
    win = win[:, ::stride, ::stride, ::dil, ::dil].transpose(0, 3, 4, 1, 2)  # (C, 3, 3, H', W')
    ho, wo = win.shape[3:]
    cols = _buffer((name, "cols"), (c, 3, 3, ho, wo))
    np.copyto(cols, win)
    out = _buffer((name, "out"), (len(w), ho * wo))
    np.matmul(w.reshape(len(w), c * 9), cols.reshape(c * 9, ho * wo), out=out)
    out += b[:, None]
    np.maximum(out, np.float32(0.0), out=out)
    return out.reshape(len(w), ho, wo)


def forward(weights: dict, x: np.ndarray) -> np.ndarray:
    """The net's logits (ceil(H / 2), ceil(W / 2)) float32 for the normalised face signal
    ``x`` (H, W), in numpy (as the torch net's ``forward``)."""
    a = _conv("c0", x[None].astype(np.float32, copy=False), weights["c0_w"], weights["c0_b"])
    a = _conv("c1", a, weights["c1_w"], weights["c1_b"], stride=2).copy()
    for i, r in enumerate(DILATIONS):
        a += _conv(f"d{i}", a, weights[f"d{i}_w"], weights[f"d{i}_b"], dil=r)
    c, h, w = a.shape
    out = weights["out_w"].reshape(1, c) @ a.reshape(c, h * w)
    return (out[0] + weights["out_b"][0]).reshape(h, w)


def _torch_net(ch: int = CH):
    """The torch net (built lazily: torch is imported only to fit)."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c0 = nn.Conv2d(1, C0, 3, padding=1)
            self.c1 = nn.Conv2d(C0, ch, 3, stride=2, padding=1)
            self.d = nn.ModuleList(nn.Conv2d(ch, ch, 3, padding=r, dilation=r)
                                   for r in DILATIONS)
            self.out = nn.Conv2d(ch, 1, 1)

        def forward(self, x):
            x = F.relu(self.c0(x))
            x = F.relu(self.c1(x))
            for c in self.d:
                x = F.relu(c(x)) + x
            return self.out(x)[:, 0]

    return Net()


def _named_layers(net) -> tuple:
    """(name, module) of every layer of the torch net, named as :func:`forward` reads them."""
    return (("c0", net.c0), ("c1", net.c1), ("out", net.out)) + tuple(
        (f"d{i}", m) for i, m in enumerate(net.d))


def net_weights(net) -> dict:
    """The torch net's weights as float32 numpy arrays named as :func:`forward` reads them."""
    out = {}
    for name, mod in _named_layers(net):
        out[f"{name}_w"] = mod.weight.detach().numpy().astype(np.float32).copy()
        out[f"{name}_b"] = mod.bias.detach().numpy().astype(np.float32).copy()
    return out


def _import_torch():
    try:
        import torch
    except ImportError:
        raise InputError("cnn_scan: training the channel needs torch: install the extra "
                         "metrology[deep]") from None
    return torch


# ---------------------------------------------------------------------- the channel
class CnnScan:
    """Fitted discriminator channel: the face, the net's weights (numpy), the signal's norm
    and the score statistics.  Build it with :meth:`fit` or :meth:`from_arrays`."""

    def __init__(self, roi: np.ndarray, weights: dict, norm: float = 1.0):
        self.roi = roi
        self.weights = {k: np.ascontiguousarray(v, np.float32) for k, v in weights.items()}
        self.norm = float(norm)
        self.weight = level_weight(roi, LEVEL_SIGMA)
        self.inner = eroded(roi, ERODE_PX)
        hh, hw = half_shape(roi.shape)
        h2, w2 = roi.shape[0] // 2, roi.shape[1] // 2
        blocks = self.inner[:2 * h2, :2 * w2].reshape(h2, 2, w2, 2).mean(axis=(1, 3))
        self.inner2 = np.zeros((hh, hw), bool)               # whole 2 x 2 blocks of the face
        self.inner2[:h2, :w2] = blocks > 0.999
        self.stats = (0.0, 1.0)                               # good image scores: mean, sd
        self.pc_stats = (0.0, 1.0)                            # the same of PatchCore's

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_dnn", None)  # per-thread OpenCV nets: rebuilt when needed
        return state

    @property
    def channels(self) -> int:
        return int(self.weights["c1_w"].shape[0])

    def signal(self, gray: np.ndarray) -> np.ndarray:
        """The jet channel's face signal of a gray float32 image (module docstring)."""
        return level_signal(gray, self.roi, self.weight, LEVEL_SIGMA)

    def logits(self, gray: np.ndarray) -> np.ndarray:
        """The net's half-resolution logits for a gray float32 image: OpenCV's DNN module
        running the net as ONNX (:data:`SCORE_WITH_DNN`), else (or where this OpenCV cannot
        read the model) the numpy forward."""
        x = self.signal(gray) * np.float32(self.norm)
        net = self._dnn_scorer() if SCORE_WITH_DNN else None
        if net is None:
            return forward(self.weights, x)
        net.setInput(np.ascontiguousarray(x, np.float32)[None, None])
        return np.asarray(net.forward()[0, 0], np.float32)

    def _dnn_scorer(self):
        """The calling thread's OpenCV DNN net with these weights (a net is not shared
        between threads; built once per thread, left out of a pickle), or None where this
        OpenCV build cannot read the model (then the numpy forward scores: the same
        logits)."""
        import cv2

        with _DNN_LOCK:
            local = self.__dict__.setdefault("_dnn", threading.local())
        net = getattr(local, "net", None)
        if net is None:
            try:
                net = dnn_net(self.weights, DILATIONS, self.roi.shape)
            except (cv2.error, AttributeError):  # no DNN module, or no ONNX reader
                net = False
            local.net = net
        return net or None

    def to_patchcore_units(self, v):
        """Evidence ``v`` in PatchCore's image-score units (as the jet channel's)."""
        a = self.pc_stats[1] / self.stats[1]
        return np.float32(self.pc_stats[0]) + np.float32(a) * (v - np.float32(self.stats[0]))

    def score(self, gray: np.ndarray) -> tuple[np.ndarray, float]:
        """(map (H, W) float32: the logits at full resolution on the inner face, at least
        1e-3 there and 0 off it; image score: the largest logit on the half-resolution inner
        face)."""
        import cv2

        lg = self.logits(gray)
        value = float(lg[self.inner2].max())
        up = cv2.resize(lg, self.roi.shape[::-1], interpolation=cv2.INTER_LINEAR)
        return np.where(self.inner, np.maximum(up, np.float32(1e-3)), np.float32(0.0)), value

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(cls, grays: list[np.ndarray], held: np.ndarray, roi: np.ndarray) -> "CnnScan":
        """Train on the good images not ``held``, calibrate on the ``held`` ones (gray
        float32); torch at one thread (the caller's count restored)."""
        torch = _import_torch()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return cls._fit(torch, grays, held, roi)
        finally:
            torch.set_num_threads(threads)

    @classmethod
    def _fit(cls, torch, grays, held, roi) -> "CnnScan":
        cs = cls(roi, {})
        if not cs.inner2.any() or not eroded(roi, MARK_ERODE_PX).any():
            raise InputError(f"cnn_scan: the part face is too small to scan (no pixel "
                             f"{MARK_ERODE_PX} px inside it)")
        rng = np.random.default_rng(SEED)
        torch.manual_seed(SEED)
        fit_idx = [i for i in range(len(grays)) if not held[i]]
        sig = {i: cs.signal(grays[i]) for i in fit_idx}
        sd_t = float(np.median([np.std(sig[i][roi]) for i in fit_idx]))
        cs.norm = 1.0 / sd_t
        net = _torch_net()
        _train(torch, net, cs, grays, sig, fit_idx, rng, sd_t)
        cs.weights = net_weights(net)
        held_max = [cs.score(grays[i])[1] for i in range(len(grays)) if held[i]]
        cs.stats = held_stats(held_max, cs.inner)
        return cs

    # ------------------------------------------------------------------ files
    def arrays(self) -> dict:
        out = {f"cnn_{k}": v for k, v in self.weights.items()}
        out["cnn_roi"] = self.roi.astype(np.uint8)
        return out

    def params(self) -> dict:
        return {"channels": self.channels, "first_channels": C0,
                "dilations": list(DILATIONS), "level_sigma": LEVEL_SIGMA,
                "erode_px": ERODE_PX, "norm": self.norm,
                "score_mean": self.stats[0], "score_sd": self.stats[1],
                "patchcore_mean": self.pc_stats[0], "patchcore_sd": self.pc_stats[1]}

    @classmethod
    def from_arrays(cls, arrays: dict, params, image_shape: tuple[int, int],
                    where: str) -> "CnnScan":
        """Rebuild from a bank's arrays and header; a damaged entry raises
        :class:`FileFormatError` saying which."""
        def bad(msg: str) -> FileFormatError:
            return FileFormatError(f"{where}: cnn channel: {msg}")

        if not isinstance(params, dict):
            raise bad("header 'cnn_scan' is not an object")
        try:
            ch = params["channels"]
            nums = [float(params[k]) for k in ("norm", "score_mean", "score_sd",
                                               "patchcore_mean", "patchcore_sd")]
            level = float(params["level_sigma"])
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"header field missing or not a number ({exc})") from None
        if not isinstance(ch, int) or isinstance(ch, bool) or not 1 <= ch <= 1024:
            raise bad(f"'channels': expected an integer in [1, 1024], given {ch!r}")
        if level != LEVEL_SIGMA or params.get("erode_px") != ERODE_PX or \
                params.get("dilations") != list(DILATIONS) or params.get("first_channels") != C0:
            raise bad("written with other constants (level, erosion, layers); re-fit it")
        if not all(np.isfinite(v) for v in nums) or nums[0] <= 0 or nums[2] <= 0 or \
                nums[4] <= 0:
            raise bad("'norm' or score statistics are not finite numbers (norm, spreads > 0)")
        weights = _check_weights(arrays, ch, bad)
        roi = arrays.get("cnn_roi")
        if roi is None:
            raise bad("array 'cnn_roi' is missing")
        if roi.shape != tuple(image_shape) or roi.dtype.kind not in "iub" or not roi.any():
            raise bad(f"array 'cnn_roi': expected a non-empty mask of shape "
                      f"{tuple(image_shape)}, given {roi.shape} {roi.dtype}")
        cs = cls(roi.astype(bool), weights, nums[0])
        if not cs.inner2.any():
            raise bad("array 'cnn_roi' leaves no pixel to scan")
        cs.stats, cs.pc_stats = (nums[1], nums[2]), (nums[3], nums[4])
        return cs


def _check_weights(arrays: dict, ch: int, bad) -> dict:
    """The net's weights from a bank's ``cnn_*`` arrays, each of its shape and finite."""
    out = {}
    for name, cin, cout, _, _ in _layer_specs(ch):
        k = 1 if name == "out" else 3
        for suffix, shape in (("w", (cout, cin, k, k)), ("b", (cout,))):
            key = f"cnn_{name}_{suffix}"
            a = arrays.get(key)
            if a is None:
                raise bad(f"array {key!r} is missing")
            if a.shape != shape or a.dtype.kind != "f" or not np.all(np.isfinite(a)):
                raise bad(f"array {key!r}: expected finite values of shape {shape}, given "
                          f"{a.shape} {a.dtype}")
            out[f"{name}_{suffix}"] = a.astype(np.float32)
    extra = sorted(k for k in arrays if k.startswith("cnn_") and k != "cnn_roi" and
                   k[4:] not in out)
    if extra:
        raise bad(f"unknown arrays {extra}")
    return out


def _crop_centres(roi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the crops without a mark: a crop inside the image, mostly on the face."""
    import cv2

    frac = cv2.boxFilter(roi.astype(np.float32), -1, (CROP, CROP), normalize=True)
    h, w = roi.shape
    ok = np.zeros_like(roi)
    ok[CROP // 2:h - CROP // 2, CROP // 2:w - CROP // 2] = True
    return np.nonzero(ok & (frac > 0.5) & roi)


def _batch(rng, cs, grays, sig, fit_idx, sd_t, centres, mark_face):
    """One batch: (signals, masks, weights) of :data:`BATCH` crops (module docstring)."""
    cy, cx = centres
    h, w = cs.roi.shape
    r2 = CROP // 2
    xs, ms, ws = [], [], []
    for _ in range(BATCH):
        i = fit_idx[rng.integers(len(fit_idx))]
        if rng.random() < P_ANOM:
            gi, m = insert_mark(rng, grays[i], cs.roi, sd_t, mark_face)
            x = cs.signal(gi)
            yx = np.argwhere(m)
            if len(yx) == 0:
                k = rng.integers(len(cy))
                y0, x0 = cy[k], cx[k]
            else:
                y0, x0 = yx[rng.integers(len(yx))] + rng.integers(-30, 31, 2)
                y0, x0 = int(np.clip(y0, r2, h - r2)), int(np.clip(x0, r2, w - r2))
        else:
            x, m = sig[i], np.zeros_like(cs.roi)
            k = rng.integers(len(cy))
            y0, x0 = cy[k], cx[k]
        sl = (slice(y0 - r2, y0 + r2), slice(x0 - r2, x0 + r2))
        xs.append(x[sl] * cs.norm)
        ms.append(m[sl])
        ws.append(cs.inner[sl])
    return xs, ms, ws


def _train(torch, net, cs, grays, sig, fit_idx, rng, sd_t) -> None:
    """:data:`STEPS` steps of per-pixel BCE at half resolution (module docstring)."""
    import torch.nn.functional as F

    h, w = cs.roi.shape
    if h < CROP or w < CROP:
        raise InputError(f"cnn_scan: images must be at least {CROP} x {CROP} px, given "
                         f"{h} x {w}")
    centres = _crop_centres(cs.roi)
    if len(centres[0]) == 0:
        raise InputError(f"cnn_scan: no {CROP} x {CROP} px crop lies mostly on the face")
    mark_face = np.nonzero(eroded(cs.roi, MARK_ERODE_PX))  # its pixels, found once
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=STEPS)
    pos = torch.tensor(POS_WEIGHT)
    # channels-last: the same maths, about 1.4x faster on a CPU for these small layers
    net.to(memory_format=torch.channels_last)
    for _ in range(STEPS):
        xs, ms, ws = _batch(rng, cs, grays, sig, fit_idx, sd_t, centres, mark_face)
        x = torch.from_numpy(np.stack(xs)[:, None]).contiguous(
            memory_format=torch.channels_last)
        m = torch.from_numpy(np.stack(ms).astype(np.float32)[:, None])
        wt = torch.from_numpy(np.stack(ws).astype(np.float32)[:, None])
        m2, w2 = F.max_pool2d(m, 2)[:, 0], F.avg_pool2d(wt, 2)[:, 0]
        loss = (F.binary_cross_entropy_with_logits(net(x), m2, reduction="none",
                                                   pos_weight=pos) * w2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    net.eval()


def fit_cnn_state(pc, mode, imgs: list[np.ndarray]) -> None:
    """The channel as ``settings.cnn_scan`` (``mode``) asks, on ``pc``'s fitted line channel:
    sets ``pc._cnn`` (None: off), ``pc.info["cnn_scan"]`` ("on" / "off") and, when on,
    ``pc.info["cnn_scan_seconds"]``."""
    from ..image.io import as_gray

    pc._cnn, pc.info["cnn_scan"] = None, "off"
    if mode is False:
        return
    if pc._line is None:
        raise InputError("cnn_scan: needs the line channel (its face and held-back "
                         "statistics), which this fit does not have")
    if len(imgs) < MIN_IMAGES:
        raise InputError(f"cnn_scan: needs at least {MIN_IMAGES} good images (every 5th held "
                         f"back), given {len(imgs)}")
    t0 = time.perf_counter()
    held = np.arange(len(imgs)) % 5 == 4
    grays = [as_gray(im, "images", dtype=np.float32) for im in imgs]
    cs = CnnScan.fit(grays, held, pc._line.roi)
    cs.pc_stats = pc._line.pc_stats
    pc._cnn, pc.info["cnn_scan"] = cs, "on"
    pc.info["cnn_scan_seconds"] = round(time.perf_counter() - t0, 4)
