"""Optional CNN features for PatchCore: ResNet-18 / Wide-ResNet-50-2 layers 2 and 3 in plain torch.

Needs the ``torch`` extra (``pip install "metrology[torch]"``) and a weights file that *you*
supply: a torchvision-style ``state_dict`` (for instance torchvision's ImageNet
``resnet18-f37072fd.pth`` or ``wide_resnet50_2-95faca4d.pth``, copied onto the machine).
Nothing is ever downloaded.  The network is defined here in plain torch (torchvision is not
needed), the file is read with ``torch.load(weights_only=True)`` (no code runs on load) and every
tensor of layers 1-3 must be present with the right shape.

Only this module imports torch, and only when a :class:`TorchFeatures` is created.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..core.checks import check_choice
from ..errors import FileFormatError, InputError
from ..image.io import check_image
from .base import MissingDependencyError

__all__ = ["TorchFeatures"]

_ARCHS = {  # name -> (block, blocks per layer, width per group)
    "resnet18": ("basic", (2, 2, 2), 64),
    "wide_resnet50_2": ("bottleneck", (3, 4, 6), 128),
}
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # ImageNet statistics (RGB)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _import_torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(
            "TorchFeatures needs PyTorch, which is not installed: pip install "
            "\"metrology[torch]\" (or use PatchCore(features='classical'), which needs no "
            "torch)") from None
    return torch


def _build(arch: str):
    """Plain-torch ResNet trunk up to layer 3 with torchvision's parameter names."""
    torch = _import_torch()
    nn = torch.nn
    kind, blocks, width = _ARCHS[arch]

    class Basic(nn.Module):
        expansion = 1

        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != planes:
                self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes))

        def forward(self, x):
            idt = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + idt)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, cin, planes, stride):
            super().__init__()
            mid = int(planes * (width / 64.0))
            self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(mid)
            self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(mid)
            self.conv3 = nn.Conv2d(mid, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != planes * 4:
                self.downsample = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False),
                                                nn.BatchNorm2d(planes * 4))

        def forward(self, x):
            idt = x if self.downsample is None else self.downsample(x)
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.relu(self.bn2(self.conv2(y)))
            return self.relu(self.bn3(self.conv3(y)) + idt)

    block = Basic if kind == "basic" else Bottleneck

    class Trunk(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            cin = 64
            for li, (planes, n, stride) in enumerate(zip((64, 128, 256), blocks, (1, 2, 2))):
                layers = []
                for b in range(n):
                    layers.append(block(cin, planes, stride if b == 0 else 1))
                    cin = planes * block.expansion
                setattr(self, f"layer{li + 1}", nn.Sequential(*layers))

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            f2 = self.layer2(self.layer1(x))
            return f2, self.layer3(f2)

    return Trunk()


class TorchFeatures:
    """ResNet layer-2 and layer-3 features (layer 3 upsampled to layer 2), stride 8.

    Parameters
    ----------
    weights : path
        torchvision-style state_dict file for ``arch`` (required; never downloaded).
    arch : {"resnet18", "wide_resnet50_2"}
    device : str
        torch device, default ``"cpu"``.

    Raises
    ------
    MissingDependencyError
        torch is not installed (names the ``metrology[torch]`` extra).
    InputError
        ``weights`` not given or the file does not exist (names the file).
    FileFormatError
        The file is not a state_dict for ``arch`` (names missing or mis-shaped tensors).

    Examples
    --------
    >>> feats = TorchFeatures("resnet18-f37072fd.pth")          # doctest: +SKIP
    >>> scorer = PatchCore(features=feats).fit(good_images)      # doctest: +SKIP
    """

    name = "torch"
    stride = 8

    def __init__(self, weights: str | os.PathLike | None, arch: str = "resnet18", *,
                 device: str = "cpu"):
        check_choice(arch, "arch", tuple(_ARCHS))
        torch = _import_torch()
        if weights is None:
            raise InputError(f"weights: TorchFeatures needs a {arch} weights file (a "
                             f"torchvision state_dict, e.g. torchvision's ImageNet file copied to "
                             f"this machine); metrology never downloads weights")
        from .._io import as_path, input_file

        if not as_path(weights, "weights").is_file():
            raise InputError(f"weights: file not found: {weights} (a {arch} state_dict .pth "
                             f"file you supply; metrology never downloads weights)")
        path = input_file(weights, "weights")
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:
            raise FileFormatError(f"{path}: not a readable torch weights file ({exc})") from None
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"],
                                                                             dict):
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise FileFormatError(f"{path}: expected a state_dict (name -> tensor), given "
                                  f"{type(state).__name__}")
        net = _build(arch)
        own = net.state_dict()
        missing = [k for k in own if k not in state]
        bad = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
        if missing or bad:
            raise FileFormatError(f"{path}: not {arch} weights: {len(missing)} missing tensors "
                                  f"{missing[:3]}, {len(bad)} of the wrong shape {bad[:3]}")
        net.load_state_dict({k: state[k] for k in own})
        net.eval()
        self._torch = torch
        self.net = net.to(device)
        self.arch = arch
        self.weights = str(path)
        self.device = device

    def config(self) -> dict:
        return {"name": self.name, "arch": self.arch, "weights": self.weights,
                "stride": self.stride}

    @classmethod
    def from_config(cls, cfg: dict) -> "TorchFeatures":
        """Rebuild from :meth:`config` (the weights file must still be there)."""
        if not isinstance(cfg, dict) or not {"weights", "arch"} <= set(cfg):
            raise InputError(f"cfg: expected a dict with 'weights' and 'arch', given "
                             f"{type(cfg).__name__}")
        return cls(cfg["weights"], cfg["arch"])

    def __call__(self, image: Any) -> np.ndarray:
        """Features of one image.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3) BGR; uint8, uint16 or float (0..1)

        Returns
        -------
        ndarray (ceil(H/8), ceil(W/8), C) float32; C = 384 (resnet18) or 1536 (wide_resnet50_2)
        """
        torch = self._torch
        from .efficientnet import rgb01

        img = check_image(image)
        x = (rgb01(img) - _MEAN) / _STD
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None].to(self.device)
        with torch.inference_mode():
            f2, f3 = self.net(t)
            f3 = torch.nn.functional.interpolate(f3, size=f2.shape[-2:], mode="bilinear",
                                                 align_corners=False)
            f = torch.cat([f2, f3], dim=1)[0].permute(1, 2, 0)
        out = f.cpu().numpy().astype(np.float32)
        h, w = -(-img.shape[0] // 8), -(-img.shape[1] // 8)
        if out.shape[:2] != (h, w):  # odd sizes: pad the grid by edge cells
            out = np.pad(out[:h, :w], ((0, max(0, h - out.shape[0])),
                                       (0, max(0, w - out.shape[1])), (0, 0)), mode="edge")
        return out
