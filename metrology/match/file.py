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
from pathlib import Path
from typing import Any

import numpy as np

from .._io import read_json_file, require, require_array, write_json_file
from ..errors import FileFormatError
from .build import POLARITIES, Level

__all__ = ["MODEL_FORMAT", "MODEL_VERSION", "write_model", "read_model"]

MODEL_FORMAT = "metrology.shape_model"
MODEL_VERSION = 1


def write_model(path: str | os.PathLike, model: Any) -> Path:
    """Write ``model`` (a ShapeModel) to ``path`` atomically; return the path."""
    payload = {
        "template_shape": list(model.template_shape), "origin_xy": list(model.origin_xy),
        "angle_range_deg": list(model.angle_range_deg), "scale_range": list(model.scale_range),
        "polarity": model.polarity, "min_contrast": model.min_contrast,
        "value_scale": model.value_scale, "top_self_score": list(model.top_self_score),
        "levels": [{"points": lv.points.round(6), "dirs": lv.dirs.round(8),
                    "refine": lv.refine.astype(int)} for lv in model.levels],
    }
    return write_json_file(path, payload, fmt=MODEL_FORMAT, version=MODEL_VERSION)


def _read_level(ld: Any, w: str) -> Level:
    if not isinstance(ld, dict):
        raise FileFormatError(f"{w}: expected an object, given {type(ld).__name__}")
    pts = require_array(ld, "points", w, (None, 2))
    dirs = require_array(ld, "dirs", w, (len(pts), 2))
    ref = require_array(ld, "refine", w, (len(pts),))
    if len(pts) < 3:
        raise FileFormatError(f"{w}: too few points ({len(pts)})")
    nrm = np.linalg.norm(dirs, axis=1)
    if np.any(np.abs(nrm - 1) > 1e-3):
        raise FileFormatError(f"{w}: field 'dirs' must hold unit vectors")
    return Level(pts, dirs / nrm[:, None], ref > 0.5)


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
    doc = read_json_file(path, fmt=MODEL_FORMAT, versions=[MODEL_VERSION])
    where = str(path)
    shape = require_array(doc, "template_shape", where, (2,))
    origin = require_array(doc, "origin_xy", where, (2,))
    arange = require_array(doc, "angle_range_deg", where, (2,))
    srange = require_array(doc, "scale_range", where, (2,))
    pol = require(doc, "polarity", str, where)
    if pol not in POLARITIES:
        raise FileFormatError(f"{where}: field 'polarity': expected one of {POLARITIES}, "
                              f"given {pol!r}")
    contrast = float(require(doc, "min_contrast", (int, float), where))
    vscale = float(require(doc, "value_scale", (int, float), where))
    lv_docs = require(doc, "levels", list, where)
    if not lv_docs:
        raise FileFormatError(f"{where}: field 'levels' is empty")
    levels = [_read_level(ld, f"{where}: levels[{i}]") for i, ld in enumerate(lv_docs)]
    selfs = require_array(doc, "top_self_score", where, (len(levels),))
    if np.any(selfs <= 0) or np.any(selfs > 1):
        raise FileFormatError(f"{where}: field 'top_self_score' must lie in (0, 1]")
    if contrast <= 0 or vscale <= 0 or srange[0] <= 0 or srange[1] < srange[0] \
            or arange[1] < arange[0] or np.any(shape < 1):
        raise FileFormatError(f"{where}: inconsistent ranges or sizes in the model file")
    return {"levels": levels, "template_shape": (int(shape[0]), int(shape[1])),
            "origin_xy": (float(origin[0]), float(origin[1])),
            "angle_range_deg": (float(arange[0]), float(arange[1])),
            "scale_range": (float(srange[0]), float(srange[1])), "polarity": pol,
            "min_contrast": contrast, "value_scale": vscale,
            "top_self_score": [float(v) for v in selfs]}
