"""A camera as OpenCV FileStorage text (YAML/XML/JSON), for tools that read OpenCV's layout.

The station file (:class:`~metrology.calib.Calibration`) is the library's own format; this is
the interchange copy: ``camera_matrix``, ``distortion_coefficients``, ``image_width``,
``image_height``, plus ``distortion_model``, ``avg_reprojection_error`` and
``calibration_time``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .. import _cv
from ..core.checks import check_choice
from ..errors import FileFormatError, InputError
from .camera import MODELS, CameraModel, _real_number

__all__ = ["write_opencv_yaml", "read_opencv_yaml"]

# coefficient count -> lens model when the file does not name it (4 coefficients are OpenCV's
# k1 k2 p1 p2, i.e. the standard model with k3 = 0, unless the file says fisheye)
_MODEL_BY_COUNT = {4: "standard", 5: "standard", 8: "rational", 12: "thin_prism", 14: "tilted"}


def write_opencv_yaml(path: str | os.PathLike, camera: CameraModel, *, rms_px: float,
                      created: str = "") -> Path:
    """Write ``camera`` as OpenCV FileStorage YAML, atomically.

    Parameters
    ----------
    path : str or PathLike
    camera : CameraModel
    rms_px : float
        Written as ``avg_reprojection_error``.
    created : str
        Written as ``calibration_time``.

    Returns
    -------
    Path
    """
    from .._io import atomic_write_text, output_file

    path = output_file(path, "path")
    if not isinstance(camera, CameraModel):
        raise InputError(f"camera: expected a CameraModel, given {type(camera).__name__}")
    rms_px = _real_number(rms_px, "rms_px")
    if not (np.isnan(rms_px) or 0 <= rms_px < np.inf):
        raise InputError(f"rms_px: expected a number >= 0 (or NaN: unknown), given {rms_px}")
    if not isinstance(created, str) or "\x00" in created or len(created) > 200:
        raise InputError(f"created: expected a short string, given {created!r:.40}")
    text = _cv.filestorage_write({
        "image_width": camera.image_size[0], "image_height": camera.image_size[1],
        "camera_matrix": camera.K, "distortion_coefficients": camera.dist.reshape(1, -1),
        "distortion_model": camera.model, "avg_reprojection_error": rms_px,
        "calibration_time": created})
    return atomic_write_text(path, text)


#: Deepest nesting accepted in a FileStorage file before OpenCV parses it (its parser
#: recurses per level: a file nested 100000 deep crashes the interpreter); a camera file
#: nests 2 or 3 levels.
_MAX_DEPTH = 64
_MAX_BYTES = 1 << 22


def _check_nesting(path: Path, text: str) -> None:
    """Refuse text nested deeper than :data:`_MAX_DEPTH` (JSON/YAML flow brackets, XML
    tags, YAML block indentation or dash runs), before OpenCV's parser sees it."""
    b = np.frombuffer(text.encode("utf-8", "replace"), np.uint8)
    step = (np.isin(b, (ord("["), ord("{"))).astype(np.int64)
            - np.isin(b, (ord("]"), ord("}"))))
    depth = int(np.cumsum(step).max(initial=0))
    tags = re.findall(r"<(/?)[A-Za-z_][^<>]*?(/?)>", text)
    if tags:
        t = np.array([-1 if close else 0 if selfc else 1 for close, selfc in tags])
        depth = max(depth, int(np.cumsum(t).max(initial=0)))
    lead = re.findall(r"^[ \t-]*", text, flags=re.M)
    indent = max((len(x) for x in lead), default=0)
    if depth > _MAX_DEPTH or indent > 4 * _MAX_DEPTH:
        raise FileFormatError(f"{path}: nested deeper than a camera file ({_MAX_DEPTH} "
                              f"levels): not an OpenCV camera file")


def _read_nodes(path: Path, text: str) -> tuple[np.ndarray, np.ndarray, int, int, str | None]:
    """``camera_matrix``, ``distortion_coefficients`` (raveled), width, height, model name."""
    import cv2

    _check_nesting(path, text)
    fs = _cv.filestorage_read(text, str(path))
    try:
        return _nodes(fs, path)
    except cv2.error as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "cv2.error"
        raise FileFormatError(f"{path}: not an OpenCV camera file ({detail[:160]})") from None
    finally:
        fs.release()


def _nodes(fs: Any, path: Path) -> tuple[np.ndarray, np.ndarray, int, int, str | None]:
    if not fs.root().isMap():
        raise FileFormatError(f"{path}: expected a map of named fields (camera_matrix, ...)")

    def mat(key: str) -> np.ndarray:
        node = fs.getNode(key)
        if node.empty():
            raise FileFormatError(f"{path}: missing field {key!r}")
        m = node.mat()
        if m is None:
            raise FileFormatError(f"{path}: field {key!r} is not a matrix")
        return np.asarray(m, dtype=np.float64)

    def num(key: str) -> float:
        node = fs.getNode(key)
        if node.empty() or not (node.isInt() or node.isReal()):
            raise FileFormatError(f"{path}: missing or non-numeric field {key!r}")
        return node.real()

    K = mat("camera_matrix")
    dist = mat("distortion_coefficients").ravel()
    wh = [num("image_width"), num("image_height")]
    if not all(np.isfinite(v) and v.is_integer() and 0 < v <= 1e6 for v in wh):
        raise FileFormatError(f"{path}: fields 'image_width', 'image_height': expected "
                              f"positive integers, given {wh}")
    w, h = int(wh[0]), int(wh[1])
    node = fs.getNode("distortion_model")
    file_model = node.string() if not node.empty() and node.isString() else None
    return K, dist, w, h, file_model


def read_opencv_yaml(path: str | os.PathLike, model: str | None = None) -> CameraModel:
    """Read a camera from an OpenCV FileStorage file (YAML/XML/JSON).

    Parameters
    ----------
    path : str or PathLike
        A file with ``camera_matrix``, ``distortion_coefficients``, ``image_width`` and
        ``image_height``.
    model : str, optional
        Lens model; default: the file's ``distortion_model``, or inferred from the number of
        coefficients (4 or 5 standard, 8 rational, 12 thin prism, 14 tilted; fisheye only if
        the file says so).

    Returns
    -------
    CameraModel

    Raises
    ------
    InputError
        The file does not exist.
    FileFormatError
        Not FileStorage text, or a field missing or inconsistent (named in the message).
    """
    from .._io import input_file

    path = input_file(path, "path")
    if model is not None:
        check_choice(model, "model", MODELS)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise FileFormatError(f"{path}: {path.stat().st_size} bytes is far more than a "
                                  f"camera file (at most {_MAX_BYTES})")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not a text FileStorage file") from None
    except OSError as exc:
        raise InputError(f"path: cannot read {path} ({exc.strerror or exc})") from None
    if "\x00" in text:
        raise FileFormatError(f"{path}: not a text FileStorage file (NUL bytes)")
    K, dist, w, h, file_model = _read_nodes(path, text)
    if model is None:
        if file_model in MODELS:
            model = file_model
        else:
            model = _MODEL_BY_COUNT.get(dist.size)
    if model not in MODELS:
        raise FileFormatError(f"{path}: field 'distortion_coefficients': cannot infer the "
                              f"lens model from {dist.size} coefficients")
    if K.shape != (3, 3):
        raise FileFormatError(f"{path}: field 'camera_matrix': expected 3x3, given {K.shape}")
    try:
        return CameraModel(K, dist, (w, h), model)
    except InputError as exc:
        raise FileFormatError(f"{path}: {exc}") from None
