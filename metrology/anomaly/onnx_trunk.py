"""EfficientNet-Lite features scored without torch: the trunk exported once to ONNX.

:func:`export_lite0_onnx` (extra ``[deep]``: torch and ``onnx``) writes the trunk of an
:class:`~metrology.anomaly.efficientnet.EfficientNetFeatures` (stages upsampled and
concatenated as its ``__call__`` does) for one image size, and a sidecar ``<file>.json`` that
records, under the sha256 of the ``.onnx`` file, the extractor's configuration and the image
size.  A re-export first adds the new file's entry to the sidecar, then replaces the file, then
drops the old entry, so a writer killed at any instant leaves a pair that loads as the old
export or the new one.
:class:`OnnxLite0Features` runs that file with OpenCV's DNN module (no other dependency) and
gives the same features, so a bank fitted with ``features="efficientnet-lite0"`` (or
``"efficientnet-lite1"`` / ``"efficientnet-lite2"``: the same class exports and runs them) is
scored with ``PatchCore.load(bank, features=OnnxLite0Features("trunk.onnx"))``.

The pre-processing (scaling, contrast gain, reflected margin, padding to whole stride-16 cells)
and the crop of the grid are the functions of :mod:`.efficientnet`, not a copy.  The network is
exported for one input size (the image plus margin and padding): another image size is refused
with the exported one named.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import FileFormatError, InputError
from ..image.io import check_image
from .base import MissingDependencyError
from .efficientnet import MIN_SIDE_PX, VARIANTS, _STAGE_STRIDE, _crop_grid, _network_input

__all__ = ["export_lite0_onnx", "OnnxLite0Features", "ONNX_FORMAT"]

#: ``format`` field of the sidecar JSON
ONNX_FORMAT = "metrology-onnx-trunk"
_VERSION = 1
_OPSET = 17
_MAX_SIDE_PX = 8192


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_shape(image_shape: Any) -> tuple[int, int]:
    ok = isinstance(image_shape, (tuple, list)) and len(image_shape) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool)
        and MIN_SIDE_PX <= v <= _MAX_SIDE_PX for v in image_shape)
    if not ok:
        raise InputError(f"image_shape: expected (H, W), integers {MIN_SIDE_PX}.."
                         f"{_MAX_SIDE_PX}, given {image_shape!r}")
    return int(image_shape[0]), int(image_shape[1])


def _input_shape(shape: tuple[int, int], stages: Sequence[int], margin_px: int) -> list[int]:
    """(1, 3, Hp, Wp) of the padded network input of an image of ``shape`` (as
    :func:`~.efficientnet._network_input` pads it)."""
    coarse = _STAGE_STRIDE[stages[-1] - 1]
    h, w = shape
    return [1, 3, h + 2 * margin_px + (-h) % coarse, w + 2 * margin_px + (-w) % coarse]


def _onnx_bytes(features: Any, input_shape: list[int]) -> bytes:
    """The ONNX file of ``features``' trunk for one input shape (bytes)."""
    import warnings

    torch = features._torch
    try:
        import onnx  # noqa: F401  (torch's exporter needs it; say so before it fails deep inside)
    except ImportError:
        raise MissingDependencyError(
            "export_lite0_onnx needs the onnx package, which is not installed: pip install "
            "\"metrology[deep]\"") from None
    net, stages = features.net, list(features.stages)

    class Maps(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net.maps(x, stages)

    x = torch.zeros(input_shape, dtype=torch.float32)
    buf = io.BytesIO()        # in memory: a killed export leaves no temp file anywhere
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Maps().eval(), (x,), buf, dynamo=False, opset_version=_OPSET,
                          input_names=["image"], output_names=["features"])
    return buf.getvalue()


def export_lite0_onnx(path: str | os.PathLike, image_shape: Sequence[int],
                      features: Any = None) -> Path:
    """Export the EfficientNet-Lite trunk (Lite0, 1 or 2) to ONNX for images of one size.

    Parameters
    ----------
    path : path of the ``.onnx`` file to write; the sidecar is ``path + ".json"``
    image_shape : (H, W) of the images to score (a bank's ``image_shape``)
    features : EfficientNetFeatures, optional
        The extractor to export (a bank's ``scorer.features``); default
        ``EfficientNetFeatures()``.

    Returns
    -------
    Path of the ``.onnx`` file.  Both files are written atomically (temp file, then rename):
    a failed export leaves no new file and a half-written one is never seen.

    Raises
    ------
    MissingDependencyError
        torch, the weights package or ``onnx`` is missing (names ``metrology[deep]``).
    InputError
        Bad ``image_shape``, ``features`` not an EfficientNet-Lite extractor, or a path that
        cannot be written.

    Examples
    --------
    >>> export_lite0_onnx("trunk.onnx", (256, 256))                  # doctest: +SKIP
    PosixPath('trunk.onnx')
    """
    from .._io import atomic_write_bytes, output_file, write_json_file
    from .efficientnet import EfficientNetFeatures

    shape = _check_shape(image_shape)
    out = output_file(path, "path")
    sidecar = output_file(str(out) + ".json", "path")
    if features is None:
        features = EfficientNetFeatures()
    elif not isinstance(features, EfficientNetFeatures):
        raise InputError(f"features: expected an EfficientNetFeatures (the extractor of a bank "
                         f"fitted with features='efficientnet-lite0' / 1 / 2), given "
                         f"{type(features).__name__}")
    inp = _input_shape(shape, features.stages, features.margin_px)
    data = _onnx_bytes(features, inp)
    entry = {"config": features.config(), "image_shape": list(shape), "input_shape": inp,
             "opset": _OPSET}
    # the pair stays consistent whenever the writer is killed: the sidecar first lists the new
    # file's entry beside the one of the file still in place, then the file is replaced, then
    # the sidecar keeps the new entry only (each write atomic on its own)
    exports = {_sha256(data): entry}
    exports.update(_current_entry(out))
    write_json_file(sidecar, {"exports": exports}, fmt=ONNX_FORMAT, version=_VERSION)
    atomic_write_bytes(out, data)
    write_json_file(sidecar, {"exports": {_sha256(data): entry}}, fmt=ONNX_FORMAT,
                    version=_VERSION)
    return out


def _current_entry(path: Path) -> dict:
    """{sha256: entry} of the .onnx file now at ``path`` if its sidecar records it, else {}."""
    try:
        sha = _sha256(path.read_bytes())
        return {sha: _read_sidecar(path)[sha]}
    except (OSError, KeyError, FileFormatError, InputError):
        return {}


def _read_sidecar(path: Path) -> dict:
    """The checked sidecar of ``path``: {sha256 of an exported file: its entry (config, image and
    input shapes)} (FileFormatError naming the file otherwise)."""
    from .._io import read_json_file, require

    side = Path(str(path) + ".json")
    if not side.is_file():
        raise FileFormatError(f"{path}: its sidecar {side.name} is missing (written by "
                              f"export_lite0_onnx / 'metrology anomaly export-onnx' beside the "
                              f".onnx file; export again)")
    doc = read_json_file(side, fmt=ONNX_FORMAT, versions=(_VERSION,))
    where = str(side)
    exports = require(doc, "exports", dict, where)
    for sha, entry in exports.items():
        if not isinstance(entry, dict) or not _entry_ok(entry):
            raise FileFormatError(f"{where}: entry {str(sha)[:12]}... is not that of an exported "
                                  f"EfficientNet-Lite trunk, or its config does not match its "
                                  f"'input_shape'")
    return exports


def _entry_ok(entry: dict) -> bool:
    cfg, image, inp = entry.get("config"), entry.get("image_shape"), entry.get("input_shape")
    if not (isinstance(cfg, dict) and isinstance(image, list) and isinstance(inp, list)):
        return False
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in image + inp):
        return False
    stages = cfg.get("stages")
    name = cfg.get("name")
    return (isinstance(name, str) and name in VARIANTS and isinstance(stages, list) and stages
            and all(isinstance(s, int) and 2 <= s <= 5 for s in stages)
            and isinstance(cfg.get("margin_px"), int) and cfg["margin_px"] >= 0
            and cfg.get("stride") == _STAGE_STRIDE[stages[0] - 1] and len(image) == 2
            and inp == _input_shape(tuple(image), stages, cfg["margin_px"]))


class OnnxLite0Features:
    """EfficientNet-Lite features from an exported ONNX trunk, run by OpenCV's DNN module.

    Parameters
    ----------
    path : path of a ``.onnx`` file written by :func:`export_lite0_onnx` (its sidecar
        ``path + ".json"`` beside it)
    threads : int or None
        OpenCV threads while extracting (None: OpenCV's setting).

    The features equal those of the exported :class:`~.efficientnet.EfficientNetFeatures`
    (same pre-processing code; float32 differences of order 1e-5, see ``docs/anomaly.md``) and
    :meth:`config` and :attr:`name` are the exported extractor's, so a bank fitted with
    ``features="efficientnet-lite0"`` (or Lite1 / Lite2: same model, stages, margin, contrast
    gain) accepts it.

    Raises
    ------
    InputError
        The ``.onnx`` file is missing or unreadable.
    FileFormatError
        The sidecar is missing or damaged, the file's sha256 is not the one recorded at export,
        or OpenCV cannot read the network.

    Examples
    --------
    >>> f = OnnxLite0Features("trunk.onnx")                           # doctest: +SKIP
    >>> scorer = PatchCore.load("lite0.bank.npz", features=f)         # doctest: +SKIP
    """

    name = "efficientnet-lite0"

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        import cv2

        from .._io import input_file
        from ..core.checks import check_int

        p = input_file(path, "path")
        self.threads = None if threads is None else check_int(threads, "threads", min=1,
                                                              max=1024)
        exports = _read_sidecar(p)
        data = p.read_bytes()
        doc = exports.get(_sha256(data))
        if doc is None:
            raise FileFormatError(f"{p}: sha256 {_sha256(data)[:12]}... is not the one recorded "
                                  f"in its sidecar at export (changed or damaged file: export "
                                  f"again)")
        try:
            self._net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
        except cv2.error as exc:
            raise FileFormatError(f"{p}: OpenCV cannot read the network "
                                  f"({str(exc).strip().splitlines()[-1]})") from None
        if self._net.empty():
            raise FileFormatError(f"{p}: OpenCV read an empty network")
        self.path = p
        self._config = dict(doc["config"])
        self.image_shape = (doc["image_shape"][0], doc["image_shape"][1])
        self.stages = tuple(self._config["stages"])
        self.margin_px = self._config["margin_px"]
        self.contrast_gain = self._config.get("contrast_gain")
        self.stride = int(self._config["stride"])
        self.name = str(self._config["name"])

    def config(self) -> dict:
        """The exported extractor's configuration (as its ``config()`` returned it)."""
        return dict(self._config)

    def min_side(self) -> int:
        """Smallest image side accepted (:data:`~.efficientnet.MIN_SIDE_PX`)."""
        return MIN_SIDE_PX

    def __reduce__(self):
        # the OpenCV network does not pickle: a worker reads the (checked) file again
        return (OnnxLite0Features, (str(self.path), self.threads))

    def __call__(self, image: Any) -> np.ndarray:
        """Features of one image of the exported size.

        Parameters
        ----------
        image : ndarray (H, W) or (H, W, 3) BGR; uint8, uint16 or float (0..1); (H, W) the
            exported ``image_shape``

        Returns
        -------
        ndarray (ceil(H/stride), ceil(W/stride), channels) float32

        Raises
        ------
        InputError
            Not a valid image, or another size than exported.
        """
        import cv2

        img = check_image(image)
        if img.shape[:2] != self.image_shape:
            h, w = self.image_shape
            raise InputError(f"image: {img.shape[1]}x{img.shape[0]} px, but {self.path.name} "
                             f"was exported for {w}x{h} px images; export the trunk again for "
                             f"this size: metrology anomaly export-onnx BANK OUT.onnx, or "
                             f"export_lite0_onnx(path, ({img.shape[0]}, {img.shape[1]}))")
        x, shape = _network_input(img, self.stages, self.margin_px, self.contrast_gain)
        blob = np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)
        before = cv2.getNumThreads()
        if self.threads is not None:
            cv2.setNumThreads(self.threads)
        try:
            self._net.setInput(blob)
            f = self._net.forward()
        finally:
            cv2.setNumThreads(before)
        return _crop_grid(f[0].transpose(1, 2, 0), shape, self.stride, self.margin_px)
