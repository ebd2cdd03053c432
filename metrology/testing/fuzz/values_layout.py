"""Hostile values of the second kind: valid numbers in unusual containers and layouts.

The first batteries (:mod:`.values`) replace an argument by a wrong value.  These keep the
*numbers* of the valid argument (or nearly) and change how they are held: non-contiguous,
negative-stride, read-only, big-endian, Fortran-ordered and memory-mapped arrays, ndarray
subclasses, 0-d arrays and NumPy scalars where a float is expected, ``numpy`` integers where an
int is expected, paths as ``pathlib.Path`` / ``bytes`` / with unicode and spaces, a symlink
loop, and objects whose fields were set to NaN behind their constructor's back (what a
``from_dict`` of a file with ``null`` fields, or ``object.__setattr__``, can build).  A library
either accepts these (same result as the plain value, up to rounding) or refuses them with its
own error; none may crash inside NumPy/OpenCV.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .registry import Context

#: keys of this module, by the kind of argument they replace
LAYOUT_BATTERIES: dict[str, list[str]] = {
    "float": ["lay_0d", "lay_0d_nan", "lay_np_f32", "lay_np_f16"],
    "int": ["lay_0d", "lay_np_uint8", "lay_np_int8_neg", "lay_np_bool"],
    "points": ["lay_negstride", "lay_readonly", "lay_bigendian", "lay_fortran", "lay_memmap",
               "lay_subclass", "lay_f16", "lay_strided"],
    "array": ["lay_negstride", "lay_readonly", "lay_bigendian", "lay_fortran", "lay_memmap",
              "lay_subclass", "lay_f16"],
    "image": ["lay_negstride", "lay_bigendian", "lay_fortran", "lay_memmap", "lay_subclass",
              "lay_img_f64_wide", "lay_img_u16_full", "lay_img_f32_unit", "lay_img_1x1_f",
              "lay_img_1xN_u16", "lay_img_Nx1_f"],
    "vector": ["lay_vec_ndarray", "lay_vec_0d", "lay_vec_np_scalars", "lay_vec_bigendian",
               "lay_vec_ragged"],
    "path_in": ["lay_path_pathlib", "lay_path_bytes", "lay_path_unicode", "lay_symlink_loop"],
    "path_out": ["lay_path_pathlib", "lay_path_bytes", "lay_path_unicode", "lay_symlink_loop"],
}

#: Opt-in cases (not in the suite's batteries yet: their findings are listed as open in
#: docs/robustness.md): objects whose float fields were set to NaN behind the constructor.
EXTRA_BATTERIES: dict[str, list[str]] = {"object": ["lay_obj_nan"]}


class FuzzArray(np.ndarray):
    """An ndarray subclass with an extra attribute (what ``astropy``/``pint``-like containers
    look like to a library)."""

    def __array_finalize__(self, obj: Any) -> None:
        self.unit = getattr(obj, "unit", "px")


def _base_array(base: Any) -> np.ndarray:
    try:
        b = np.asarray(base)
        if b.dtype.kind not in "biuf" or b.size == 0:
            raise ValueError
    except Exception:  # noqa: BLE001
        b = np.arange(6, dtype=np.float64).reshape(2, 3)
    return b


def _memmap(b: np.ndarray, ctx: Context) -> np.memmap:
    m = np.memmap(ctx.tmp("array.dat"), dtype=b.dtype, mode="w+", shape=b.shape)
    m[...] = b
    m.flush()
    return m


def _array_layout(key: str, base: Any, ctx: Context) -> Any:
    b = _base_array(base)
    if key == "lay_negstride":
        if b.ndim == 0:
            return b
        return np.ascontiguousarray(b[::-1])[::-1]           # same values, stride < 0
    if key == "lay_readonly":
        q = b.copy()
        q.setflags(write=False)
        return q
    if key == "lay_bigendian":
        return b.astype(b.dtype.newbyteorder(">")) if b.dtype.itemsize > 1 else \
            b.astype(">u2" if b.dtype.kind == "u" else ">f4")
    if key == "lay_fortran":
        return np.asfortranarray(b)
    if key == "lay_memmap":
        return _memmap(b, ctx)
    if key == "lay_subclass":
        return b.copy().view(FuzzArray)
    if key == "lay_f16":
        return b.astype(np.float16)
    if key == "lay_strided":                                 # every other row of a bigger array
        big = np.repeat(b, 2, axis=0) if b.ndim >= 1 else b
        return big[::2]
    raise KeyError(key)


def _image_layout(key: str, base: Any, ctx: Context) -> Any:
    b = _base_array(base)
    if b.ndim not in (2, 3) or min(b.shape[:2]) < 2:
        b = np.full((48, 64), 100, np.uint8)
        b[12:36, 16:48] = 200
    g = b if b.ndim == 2 else b[..., 0]
    if key == "lay_img_f64_wide":          # a float image far outside [0, 255]
        return g.astype(np.float64) * 4.0 - 500.0
    if key == "lay_img_u16_full":          # 16-bit camera data using the whole range
        return (g.astype(np.uint32) * 65535 // max(int(g.max()), 1)).astype(np.uint16)
    if key == "lay_img_f32_unit":          # a float image in [0, 1]
        return g.astype(np.float32) / 255.0
    if key == "lay_img_1x1_f":
        return np.full((1, 1), 0.5, np.float64)
    if key == "lay_img_1xN_u16":
        return g[:1].astype(np.uint16) * 257
    if key == "lay_img_Nx1_f":
        return np.ascontiguousarray(g[:, :1], dtype=np.float32)
    return _array_layout(key, b, ctx)


def _vector_layout(key: str, base: Any) -> Any:
    try:
        v = [float(x) for x in base]
    except Exception:  # noqa: BLE001
        v = [1.0, 2.0]
    if key == "lay_vec_ndarray":
        return np.asarray(v)
    if key == "lay_vec_0d":
        return tuple(np.array(x) for x in v)
    if key == "lay_vec_np_scalars":
        return tuple(np.float32(x) for x in v)
    if key == "lay_vec_bigendian":
        return np.asarray(v, dtype=">f8")
    if key == "lay_vec_ragged":
        return [v, v[:1]]
    raise KeyError(key)


def _scalar_layout(key: str, base: Any) -> Any:
    try:
        x = float(base)
        if not math.isfinite(x):
            raise ValueError
    except Exception:  # noqa: BLE001
        x = 1.0
    if key == "lay_0d":
        return np.array(int(x)) if isinstance(base, (int, np.integer)) else np.array(x)
    if key == "lay_0d_nan":
        return np.array(math.nan)
    if key == "lay_np_f32":
        return np.float32(x)
    if key == "lay_np_f16":
        return np.float16(x)
    if key == "lay_np_uint8":
        return np.uint8(min(max(int(x), 0), 255))
    if key == "lay_np_int8_neg":
        return np.int8(-3)
    if key == "lay_np_bool":
        return np.bool_(True)
    raise KeyError(key)


def _path_layout(key: str, base: Any, ctx: Context, output: bool) -> Any:
    name = Path(os.fsdecode(base)).name if isinstance(base, (str, bytes, os.PathLike)) \
        else ""
    name = name if name and "\x00" not in name and len(name) < 200 else "file.json"
    if key == "lay_symlink_loop":
        a, b = ctx.tmp("loop_a" + Path(name).suffix), ctx.tmp("loop_b")
        os.symlink(b, a)
        os.symlink(a, b)
        return str(a)
    if key == "lay_path_unicode":
        target = ctx.tmp("dossier à blancs ü")
        target.mkdir()
        target = target / ("mesure é " + name)
    else:
        target = ctx.tmp(name)
    if not output and isinstance(base, (str, bytes, os.PathLike)):
        src = Path(os.fsdecode(base))
        if src.is_file():
            shutil.copyfile(src, target)
        elif src.is_dir():          # a link, not a copy: the scratch folder may lie inside
            os.symlink(src.resolve(), target, target_is_directory=True)
    if key == "lay_path_bytes":
        return os.fsencode(str(target))
    return target                           # pathlib.Path (pathlib and unicode cases)


def _nan_fields(obj: Any) -> Any:
    """A shallow copy of ``obj`` with every float field and float array set to NaN, written
    with ``object.__setattr__`` (bypassing the constructor's checks and frozen dataclasses)."""
    if obj is None or isinstance(obj, (int, float, str, bytes, np.ndarray, list, tuple, dict)):
        raise KeyError("lay_obj_nan: no fields")
    q = copy.copy(obj)
    names = [f.name for f in dataclasses.fields(q)] if dataclasses.is_dataclass(q) \
        else list(getattr(q, "__dict__", {}))
    changed = 0
    for k in names:
        v = getattr(q, k, None)
        if isinstance(v, (float, np.floating)) and not isinstance(v, bool):
            object.__setattr__(q, k, math.nan)
            changed += 1
        elif isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size:
            object.__setattr__(q, k, np.full_like(v, np.nan))
            changed += 1
    if not changed:
        raise KeyError("lay_obj_nan: no float fields")
    return q


def layout_value(key: str, kind: str, base: Any, ctx: Context) -> Any:
    """Build the layout case ``key`` for a parameter of ``kind`` whose valid value is
    ``base``."""
    if key == "lay_obj_nan":
        return _nan_fields(base)
    if kind in ("float", "int"):
        return _scalar_layout(key, base)
    if kind == "vector":
        return _vector_layout(key, base)
    if kind == "image":
        return _image_layout(key, base, ctx)
    if kind in ("points", "array"):
        return _array_layout(key, base, ctx)
    if kind in ("path_in", "path_out"):
        return _path_layout(key, base, ctx, kind == "path_out")
    raise KeyError(key)


def applicable(key: str, base: Any) -> bool:
    """Whether the layout case ``key`` can be built from the valid value ``base`` (an object
    without float fields has no NaN variant)."""
    if key == "lay_obj_nan":
        try:
            _nan_fields(base)
        except Exception:  # noqa: BLE001
            return False
    return True
