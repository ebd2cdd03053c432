"""The shape-model file: versioned JSON (format ``metrology.shape_model``, version 1).

Layout (every array as nested lists)::

    {"format": "metrology.shape_model", "version": 1,
     "template_shape": [h, w], "origin_xy": [x, y], "angle_range_deg": [lo, hi],
     "scale_range": [lo, hi], "polarity": "use", "min_contrast": c, "value_scale": v,
     "top_self_score": [one per level],
     "levels": [{"points": [[x, y], ...], "dirs": [[dx, dy], ...], "refine": [0 or 1, ...]}, ...]}

:func:`write_model` writes it atomically; :func:`read_model` checks every field and raises
:class:`~metrology.errors.FileFormatError` naming the file and the field.

>>> import tempfile, pathlib
>>> from metrology.match import ShapeModel
>>> from metrology.synth.parts import render_template
>>> model = ShapeModel.create(render_template("lpart").image)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "lpart.model.json"
>>> doc = read_model(write_model(path, model))
>>> doc["polarity"], len(doc["levels"]) == model.num_levels
('use', True)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import read_json_file, write_json_file
from .._serial import Serializable
from ..errors import FileFormatError
from .build import POLARITIES, Level

__all__ = ["MODEL_FORMAT", "MODEL_VERSION"]  # write/read: through ShapeModel.save/load

MODEL_FORMAT = "metrology.shape_model"
MODEL_VERSION = 1
#: Largest model file read: ~2.5 MiB at the largest ``max_points`` (10000 a level, indented
#: JSON; the default 800 gives ~0.2 MiB); a larger file is not a model, and parsing it would
#: take seconds (a million numbers: 2-5 s).
MAX_MODEL_BYTES = 4 * 2 ** 20


@dataclass(frozen=True)
class _LevelDoc(Serializable):
    """One entry of ``levels`` in the file."""

    _json_type = None
    points: np.ndarray = field(metadata={"shape": (None, 2)})
    dirs: np.ndarray = field(metadata={"shape": (None, 2)})
    refine: np.ndarray = field(metadata={"dtype": "int64", "shape": (None,), "min": 0, "max": 1})

    def __post_init__(self) -> None:
        if np.any((np.asarray(self.refine) != 0) & (np.asarray(self.refine) != 1)):
            raise FileFormatError("levels[].refine: expected 0 or 1 per point")


@dataclass(frozen=True)
class _ModelDoc(Serializable):
    """The fields of the file besides ``format`` and ``version``."""

    _json_type = None
    template_shape: tuple[int, int] = field(metadata={"min": 1})
    origin_xy: tuple[float, float]
    angle_range_deg: tuple[float, float]
    scale_range: tuple[float, float] = field(metadata={"min": 1e-12})
    polarity: str
    min_contrast: float = field(metadata={"min": 1e-12})
    value_scale: float = field(metadata={"min": 1e-12})
    top_self_score: tuple[float, ...] = field(metadata={"min": 1e-12, "max": 1.0})
    levels: list[_LevelDoc]


def write_model(path: str | os.PathLike, model: Any) -> Path:
    """Write ``model`` (a ShapeModel) to ``path`` atomically; return the path."""
    doc = _ModelDoc(model.template_shape, model.origin_xy, model.angle_range_deg,
                    model.scale_range, model.polarity, model.min_contrast, model.value_scale,
                    tuple(model.top_self_score),
                    [_LevelDoc(lv.points.round(6), lv.dirs.round(8), lv.refine.astype(np.int64))
                     for lv in model.levels])
    return write_json_file(path, doc.to_dict(), fmt=MODEL_FORMAT, version=MODEL_VERSION)


def _check_level(ld: _LevelDoc, w: str) -> Level:
    n = len(ld.points)
    if n < 3:
        raise FileFormatError(f"{w}: too few points ({n})")
    if len(ld.dirs) != n or len(ld.refine) != n:
        raise FileFormatError(f"{w}: fields 'dirs' and 'refine' need one row per point ({n}), "
                              f"given {len(ld.dirs)} and {len(ld.refine)}")
    if not (np.all(np.isfinite(ld.points)) and np.all(np.isfinite(ld.dirs))):
        raise FileFormatError(f"{w}: fields 'points' and 'dirs' must be finite (null found)")
    if np.abs(ld.points).max() > 1e9:
        raise FileFormatError(f"{w}: field 'points': coordinates beyond +-1e9 px")
    nrm = np.linalg.norm(ld.dirs, axis=1)
    if np.any(np.abs(nrm - 1) > 1e-3):
        raise FileFormatError(f"{w}: field 'dirs' must hold unit vectors")
    return Level(ld.points, ld.dirs / nrm[:, None], ld.refine > 0)


def read_model(path: str | os.PathLike) -> dict:
    """Read and check a model file.

    Returns
    -------
    dict
        The keyword arguments of the ``ShapeModel`` constructor: ``levels`` (list of
        :class:`~metrology.match.build.Level`), ``template_shape``, ``origin_xy``,
        ``angle_range_deg``, ``scale_range``, ``polarity``, ``min_contrast``, ``value_scale``,
        ``top_self_score``.

    Raises
    ------
    FileFormatError
        Not a model file, another version, or a missing or inconsistent field.
    InputError
        The file cannot be read.
    """
    if isinstance(path, (str, os.PathLike)):
        try:
            size = os.stat(path).st_size
        except (OSError, ValueError):
            size = 0          # read_json_file says what is wrong with the path
        if size > MAX_MODEL_BYTES:
            raise FileFormatError(f"{path}: {size / 2 ** 20:.1f} MiB is too large to be a shape "
                                  f"model file (at most {MAX_MODEL_BYTES // 2 ** 20} MiB)")
    raw = read_json_file(path, fmt=MODEL_FORMAT, versions=[MODEL_VERSION])
    where = str(path)
    doc = _ModelDoc.from_dict(raw, where=where, error=FileFormatError)
    if doc.polarity not in POLARITIES:
        raise FileFormatError(f"{where}: field 'polarity': expected one of {POLARITIES}, "
                              f"given {doc.polarity!r}")
    if not doc.levels:
        raise FileFormatError(f"{where}: field 'levels' is empty")
    levels = [_check_level(ld, f"{where}.levels[{i}]") for i, ld in enumerate(doc.levels)]
    if len(doc.top_self_score) != len(levels):
        raise FileFormatError(f"{where}: field 'top_self_score' needs one value per level "
                              f"({len(levels)}), given {len(doc.top_self_score)}")
    values = (*doc.origin_xy, *doc.angle_range_deg, *doc.scale_range, doc.min_contrast,
              doc.value_scale, *doc.top_self_score)
    if not all(np.isfinite(values)) or doc.scale_range[1] < doc.scale_range[0] \
            or doc.angle_range_deg[1] < doc.angle_range_deg[0]:
        raise FileFormatError(f"{where}: inconsistent ranges or sizes in the model file")
    return {"levels": levels, "template_shape": doc.template_shape,
            "origin_xy": doc.origin_xy, "angle_range_deg": doc.angle_range_deg,
            "scale_range": doc.scale_range, "polarity": doc.polarity,
            "min_contrast": doc.min_contrast, "value_scale": doc.value_scale,
            "top_self_score": list(doc.top_self_score)}
