"""A camera as OpenCV FileStorage text (YAML/XML/JSON), for tools that read OpenCV's layout.

The station file (:class:`~metrology.calib.Calibration`) is the library's own format; this is
the interchange copy: ``camera_matrix``, ``distortion_coefficients``, ``image_width``,
``image_height``, plus ``distortion_model``, ``avg_reprojection_error`` and
``calibration_time``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import _cv
from ..errors import FileFormatError, InputError
from .camera import MODELS, CameraModel

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
    from .._io import atomic_write_text

    text = _cv.filestorage_write({
        "image_width": camera.image_size[0], "image_height": camera.image_size[1],
        "camera_matrix": camera.K, "distortion_coefficients": camera.dist.reshape(1, -1),
        "distortion_model": camera.model, "avg_reprojection_error": rms_px,
        "calibration_time": created})
    return atomic_write_text(path, text)


def _read_nodes(path: Path, text: str) -> tuple[np.ndarray, np.ndarray, int, int, str | None]:
    """``camera_matrix``, ``distortion_coefficients`` (raveled), width, height, model name."""
    fs = _cv.filestorage_read(text, str(path))
    try:
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
        w, h = int(num("image_width")), int(num("image_height"))
        node = fs.getNode("distortion_model")
        file_model = node.string() if not node.empty() and node.isString() else None
    finally:
        fs.release()
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
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not a text FileStorage file") from None
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
