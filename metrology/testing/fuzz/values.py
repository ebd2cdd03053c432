"""Hostile values by the kind of the valid argument they replace."""

from __future__ import annotations

import math
import os
import types
from pathlib import Path
from typing import Any

import numpy as np
from .entries import EntryPoint, HUGE_SIDE
from .registry import Context
from .values_layout import EXTRA_BATTERIES, LAYOUT_BATTERIES, layout_value


GENERIC = ["none", "str", "nan", "object", "list_empty", "true", "neg_one", "dict_empty"]

BATTERIES: dict[str, list[str]] = {
    "float": ["nan", "inf", "-inf", "huge", "1e12", "neg", "zero", "negzero", "tiny",
              "big_int", "int_2_70", "str_num", "complex", "np_nan32", "array2", "true"],
    "int": ["float_frac", "nan", "inf", "neg", "zero", "big_int", "int_2_70", "huge",
            "str_num", "true", "np_int64_max", "np_float64_int", "1e12"],
    "bool": ["str", "int_2", "nan", "none", "np_bool_array"],
    "str": ["empty_str", "str_junk", "str_nul", "str_long", "int_2", "bytes", "list_str"],
    "points": ["pts_empty", "pts_0x0", "pts_one", "pts_two", "pts_nan", "pts_inf", "pts_huge",
               "pts_dup_huge", "pts_tiny", "pts_3col", "pts_1d", "pts_scalar", "pts_bool",
               "pts_int64", "pts_f16", "pts_complex", "pts_object", "pts_str", "pts_ragged",
               "pts_batch", "pts_same", "pts_collinear", "pts_1e200", "pts_list"],
    "array": ["arr_empty", "arr_0x0", "arr_nan", "arr_inf", "arr_huge", "arr_bool",
              "arr_int64", "arr_f16", "arr_complex", "arr_object", "arr_str", "arr_3d",
              "arr_scalar", "arr_transposed", "arr_wrong_len"],
    "image": ["img_0x0", "img_1xN", "img_Nx1", "img_1x1", "img_2x2", "img_bool", "img_int64",
              "img_int8", "img_f16", "img_f64", "img_complex", "img_object", "img_nan",
              "img_inf", "img_huge_vals", "img_neg", "img_4ch", "img_2ch", "img_batch",
              "img_4d", "img_1d", "img_huge", "img_huge_rgb", "img_const", "img_noise",
              "img_list", "img_uint16", "img_missing", "img_dir", "img_corrupt", "img_empty_file",
              "img_text_file", "img_path_nul", "img_path_long", "img_noncontig", "img_readonly"],
    "vector": ["vec_short", "vec_long", "vec_nan", "vec_inf", "vec_str", "vec_huge",
               "vec_none_elem", "vec_nested", "vec_empty", "vec_neg", "vec_zero", "vec_bool",
               "vec_complex", "vec_str_whole"],
    "images": ["list_empty", "str_path", "list_none", "list_mixed", "list_empty_img",
               "list_nan_img", "generator", "list_str_missing", "list_huge", "list_many_bad",
               "list_dir"],
    "path_in": ["path_missing", "path_dir", "path_empty_file", "path_junk", "path_nul",
                "path_long", "int_2", "empty_str", "bytes_path", "path_fifo"],
    "path_out": ["out_nul", "out_long", "out_readonly", "out_is_dir", "out_parent_is_file",
                 "out_missing_parent", "empty_str", "int_2", "out_bad_ext"],
    "object": ["int_2", "dict_empty", "wrong_object"],
    "callable": ["int_2", "callable_raises", "callable_wrong_sig"],
    "dict": ["dict_nonstr_key", "dict_junk_values", "list_empty"],
    "none": ["int_2", "wrong_object", "nan", "str", "vec_nan"],
}


class _Unusual:
    """An object of no expected type."""

    def __repr__(self) -> str:
        return "<object>"


def _raise_cb(*_a, **_k):
    raise RuntimeError("callback raised on purpose (fuzz)")


def _scalar_value(key: str) -> Any:
    table: dict[str, Any] = {
        "none": None, "str": "abc", "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
        "huge": 1e300, "1e12": 1e12, "neg": -1.0, "neg_one": -1, "zero": 0, "negzero": -0.0,
        "tiny": 1e-300, "big_int": 10 ** 9, "int_2_70": 2 ** 70, "str_num": "1.0",
        "complex": 1 + 1j, "np_nan32": np.float32("nan"), "array2": np.array([1.0, 2.0]),
        "true": True, "float_frac": 1.5, "np_int64_max": np.int64(2 ** 63 - 1),
        "np_float64_int": np.float64(3.0), "int_2": 2, "empty_str": "",
        "str_junk": "\x00\xff<>|;&$(", "str_nul": "a\x00b", "str_long": "x" * 5000,
        "bytes": b"abc", "list_str": ["a", "b"], "list_empty": [], "dict_empty": {},
        "object": _Unusual(), "np_bool_array": np.array([True, False]),
        "callable_raises": _raise_cb, "callable_wrong_sig": (lambda: None),
        "dict_nonstr_key": {1: 2, None: "x"}, "dict_junk_values": {"a": math.nan, "b": "x"},
    }
    if key not in table:
        raise KeyError(key)
    return table[key]


def _points_value(key: str, base: Any) -> Any:
    n = 12
    try:
        b = np.asarray(base, dtype=np.float64)
        if b.ndim >= 2 and b.shape[-1] == 2 and b.shape[-2] >= 3:
            p = b.reshape(-1, 2)[: max(3, min(len(b.reshape(-1, 2)), 64))].copy()
        else:
            raise ValueError
    except Exception:  # noqa: BLE001
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        p = np.c_[50 + 20 * np.cos(t), 40 + 20 * np.sin(t)]
    rng = np.random.default_rng(0)
    if key == "pts_empty":
        return np.zeros((0, 2))
    if key == "pts_0x0":
        return np.zeros((0, 0))
    if key == "pts_one":
        return p[:1].copy()
    if key == "pts_two":
        return p[:2].copy()
    if key == "pts_nan":
        q = p.copy()
        q[1, 0] = np.nan
        return q
    if key == "pts_inf":
        q = p.copy()
        q[0, 1] = np.inf
        return q
    if key == "pts_huge":
        return p * 1e200
    if key == "pts_1e200":
        q = p.copy()
        q[-1] = [1e200, -1e200]
        return q
    if key == "pts_dup_huge":
        q = np.repeat(p[:1], len(p), axis=0) + rng.normal(0, 1e-12, p.shape)
        q[-1] = [1e150, 1e150]
        return q
    if key == "pts_tiny":
        return p * 1e-300
    if key == "pts_3col":
        return np.c_[p, p[:, :1]]
    if key == "pts_1d":
        return p[0].copy()
    if key == "pts_scalar":
        return np.float64(1.0)
    if key == "pts_bool":
        return p > 40
    if key == "pts_int64":
        return np.round(p).astype(np.int64)
    if key == "pts_f16":
        return p.astype(np.float16)
    if key == "pts_complex":
        return p.astype(np.complex128)
    if key == "pts_object":
        return p.astype(object)
    if key == "pts_str":
        return p.astype(str)
    if key == "pts_ragged":
        return [[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]]
    if key == "pts_batch":
        return np.stack([p, p + 1.0, p * 2.0])
    if key == "pts_same":
        return np.repeat(p[:1], len(p), axis=0)
    if key == "pts_collinear":
        return np.c_[np.arange(len(p), dtype=float), 2.0 * np.arange(len(p))]
    if key == "pts_list":
        return p.tolist()
    raise KeyError(key)


def _array_value(key: str, base: Any) -> Any:
    try:
        b = np.asarray(base)
        if b.dtype.kind not in "biuf" or b.size == 0:
            raise ValueError
        b = b.astype(np.float64)
    except Exception:  # noqa: BLE001
        b = np.arange(6, dtype=np.float64).reshape(2, 3)
    if key == "arr_empty":
        return np.zeros((0,))
    if key == "arr_0x0":
        return np.zeros((0, 0))
    if key == "arr_nan":
        q = b.copy()
        q.flat[0] = np.nan
        return q
    if key == "arr_inf":
        q = b.copy()
        q.flat[-1] = np.inf
        return q
    if key == "arr_huge":
        return b * 1e300 + 1e300
    if key == "arr_bool":
        return b > 0
    if key == "arr_int64":
        return b.astype(np.int64)
    if key == "arr_f16":
        return b.astype(np.float16)
    if key == "arr_complex":
        return b.astype(np.complex128)
    if key == "arr_object":
        return b.astype(object)
    if key == "arr_str":
        return b.astype(str)
    if key == "arr_3d":
        return b.reshape((1,) * max(0, 3 - b.ndim) + b.shape)[None]
    if key == "arr_scalar":
        return np.float64(1.0)
    if key == "arr_transposed":
        return b.T.copy() if b.ndim == 2 else b[:, None]
    if key == "arr_wrong_len":
        return b.reshape(-1)[:-1] if b.size > 1 else np.zeros(5)
    raise KeyError(key)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _image_value(key: str, base: Any, ctx: Context) -> Any:
    try:
        b = np.asarray(base)
        if b.ndim not in (2, 3) or b.dtype.kind not in "uif" or b.size == 0:
            raise ValueError
    except Exception:  # noqa: BLE001
        b = np.full((48, 64), 100, np.uint8)
        b[12:36, 16:48] = 200
    g = b if b.ndim == 2 else b[..., 0]
    h, w = g.shape
    if key == "img_0x0":
        return np.zeros((0, 0), np.uint8)
    if key == "img_1xN":
        return np.ascontiguousarray(g[:1])
    if key == "img_Nx1":
        return np.ascontiguousarray(g[:, :1])
    if key == "img_1x1":
        return np.full((1, 1), 128, np.uint8)
    if key == "img_2x2":
        return np.array([[0, 255], [255, 0]], np.uint8)
    if key == "img_bool":
        return g > g.mean()
    if key == "img_int64":
        return g.astype(np.int64)
    if key == "img_int8":
        return (g.astype(np.int16) - 128).astype(np.int8)
    if key == "img_f16":
        return g.astype(np.float16)
    if key == "img_f64":
        return g.astype(np.float64)
    if key == "img_complex":
        return g.astype(np.complex64)
    if key == "img_object":
        return g.astype(object)
    if key == "img_nan":
        q = g.astype(np.float32)
        q[h // 2, w // 2] = np.nan
        return q
    if key == "img_inf":
        q = g.astype(np.float32)
        q[0, 0] = np.inf
        return q
    if key == "img_huge_vals":
        return g.astype(np.float64) * 1e300
    if key == "img_neg":
        return g.astype(np.float32) - 1e6
    if key == "img_4ch":
        return np.dstack([g, g, g, g])
    if key == "img_2ch":
        return np.dstack([g, g])
    if key == "img_batch":
        return np.stack([g, g, g])
    if key == "img_4d":
        return g[None, :, :, None]
    if key == "img_1d":
        return g.reshape(-1)
    if key == "img_huge":
        return np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE))
    if key == "img_huge_rgb":
        return np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE, 3))
    if key == "img_const":
        return np.full_like(g, 128)
    if key == "img_noise":
        return np.random.default_rng(0).integers(0, 256, g.shape, dtype=np.uint8)
    if key == "img_list":
        return g.tolist()
    if key == "img_uint16":
        return g.astype(np.uint16) * 257
    if key == "img_noncontig":
        return g[::-1, ::2]
    if key == "img_readonly":
        q = g.copy()
        q.setflags(write=False)
        return q
    if key == "img_missing":
        return str(ctx.tmp("missing.png"))
    if key == "img_dir":
        d = ctx.tmp("folder.png")
        d.mkdir()
        return str(d)
    if key == "img_corrupt":
        import cv2
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(g).astype(np.uint8))
        data = buf.tobytes()
        return str(_write(ctx.tmp("corrupt.png"), data[: len(data) // 2]))
    if key == "img_empty_file":
        return str(_write(ctx.tmp("empty.png"), b""))
    if key == "img_text_file":
        return str(_write(ctx.tmp("text.png"), b"this is not an image\n"))
    if key == "img_path_nul":
        return str(ctx.tmp("a")) + "\x00b.png"
    if key == "img_path_long":
        return str(ctx.tmp("x" * 300 + ".png"))
    raise KeyError(key)


def _vector_value(key: str, base: Any) -> Any:
    try:
        b = [float(v) for v in base]
    except Exception:  # noqa: BLE001
        b = [1.0, 2.0]
    n = len(b)
    if key == "vec_short":
        return tuple(b[:-1])
    if key == "vec_long":
        return tuple(b) + (1.0,)
    if key == "vec_nan":
        return (math.nan,) + tuple(b[1:])
    if key == "vec_inf":
        return tuple(b[:-1]) + (math.inf,)
    if key == "vec_str":
        return ("a",) * n
    if key == "vec_str_whole":
        return ",".join("a" * n)
    if key == "vec_huge":
        return (1e300,) * n
    if key == "vec_none_elem":
        return (None,) + tuple(b[1:])
    if key == "vec_nested":
        return [[v] for v in b]
    if key == "vec_empty":
        return ()
    if key == "vec_neg":
        return tuple(-abs(v) - 1.0 for v in b)
    if key == "vec_zero":
        return (0,) * n
    if key == "vec_bool":
        return (True,) * n
    if key == "vec_complex":
        return (1j,) * n
    raise KeyError(key)


def _images_value(key: str, base: Any, ctx: Context) -> Any:
    try:
        first = next(iter(base))
        img = np.asarray(first) if not isinstance(first, (str, os.PathLike)) else None
    except Exception:  # noqa: BLE001
        img = None
    if img is None or img.ndim not in (2, 3):
        img = np.full((48, 64), 100, np.uint8)
    if key == "list_empty":
        return []
    if key == "str_path":
        return str(_write(ctx.tmp("a.png"), b"junk"))
    if key == "list_none":
        return [img, None]
    if key == "list_mixed":
        return [img, img[: img.shape[0] // 2]]
    if key == "list_empty_img":
        return [img, np.zeros((0, 0), np.uint8)]
    if key == "list_nan_img":
        return [img, np.full(img.shape[:2], np.nan, np.float32)]
    if key == "generator":
        return (x for x in [img, img, img])
    if key == "list_str_missing":
        return [str(ctx.tmp("nope.png"))]
    if key == "list_huge":
        return [np.broadcast_to(np.uint8(128), (HUGE_SIDE, HUGE_SIDE))]
    if key == "list_many_bad":
        return [np.zeros((3,), np.uint8)] * 3
    if key == "list_dir":
        d = ctx.tmp("dir")
        d.mkdir()
        return [str(d)]
    raise KeyError(key)


def _path_value(key: str, base: Any, ctx: Context) -> Any:
    suffix = "".join(Path(str(base)).suffixes[-2:]) if isinstance(base, (str, os.PathLike)) \
        else ".json"
    if key == "path_missing":
        return str(ctx.tmp("missing" + suffix))
    if key == "path_dir":
        d = ctx.tmp("folder" + suffix)
        d.mkdir()
        return str(d)
    if key == "path_empty_file":
        return str(_write(ctx.tmp("empty" + suffix), b""))
    if key == "path_junk":
        return str(_write(ctx.tmp("junk" + suffix), bytes(range(256)) * 4))
    if key == "path_nul":
        return str(ctx.tmp("a")) + "\x00" + suffix
    if key == "path_long":
        return str(ctx.tmp("x" * 300 + suffix))
    if key == "bytes_path":
        return os.fsencode(str(ctx.tmp("b" + suffix)))
    if key == "path_fifo":
        p = ctx.tmp("fifo" + suffix)
        os.mkfifo(p)
        return str(p)
    if key == "out_nul":
        return str(ctx.tmp("a")) + "\x00" + suffix
    if key == "out_long":
        return str(ctx.tmp("y" * 300 + suffix))
    if key == "out_readonly":
        d = ctx.tmp("readonly")
        d.mkdir()
        os.chmod(d, 0o555)
        return str(d / ("out" + suffix))
    if key == "out_is_dir":
        d = ctx.tmp("isdir" + suffix)
        d.mkdir()
        return str(d)
    if key == "out_parent_is_file":
        f = _write(ctx.tmp("afile"), b"x")
        return str(f / ("out" + suffix))
    if key == "out_missing_parent":
        return str(ctx.tmp("nope") / "deeper" / ("out" + suffix))
    if key == "out_bad_ext":
        return str(ctx.tmp("out.notanextension"))
    raise KeyError(key)


def _object_value(key: str) -> Any:
    if key == "wrong_object":
        return types.SimpleNamespace(a=1)
    return _scalar_value(key)

_IMAGES_KEYS = {"str_path", "list_none", "list_mixed", "list_empty_img", "list_nan_img",
                "generator", "list_str_missing", "list_huge", "list_many_bad", "list_dir"}


def make_value(key: str, kind: str, base: Any, ctx: Context) -> Any:
    """Build the hostile value ``key`` for a parameter whose valid value is ``base``."""
    if key.startswith("lay_"):
        return layout_value(key, kind.removeprefix("none+"), base, ctx)
    if key.startswith("pts_"):
        return _points_value(key, base)
    if key.startswith("arr_"):
        return _array_value(key, base)
    if key.startswith("img_"):
        return _image_value(key, base, ctx)
    if key.startswith("vec_"):
        return _vector_value(key, base)
    if key in _IMAGES_KEYS:
        return _images_value(key, base, ctx)
    if key.startswith(("path_", "out_")) or key == "bytes_path":
        return _path_value(key, base, ctx)
    if key == "wrong_object":
        return _object_value(key)
    return _scalar_value(key)


def infer_kind(name: str, value: Any, entry: EntryPoint | None = None) -> str:
    """Kind of a valid argument value (selects the hostile values tried in its place)."""
    lname = name.lower()
    if value is None:
        return "none"
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, (str, os.PathLike)):
        p = Path(value)
        if _looks_like_output(lname, entry):
            return "path_out"
        if p.exists() or lname in ("path", "file", "filename", "source"):
            return "path_in"
        return "str"
    if isinstance(value, np.ndarray):
        if value.ndim >= 2 and value.shape[-1] == 2 and value.dtype.kind == "f" \
                and not ("image" in lname or "gray" in lname):
            return "points"
        if value.ndim in (2, 3) and min(value.shape[:2]) >= 8 and (
                value.dtype.kind in "u" or "image" in lname or "gray" in lname
                or "template" in lname):
            return "image"
        return "array"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                         for v in value):
            return "vector"
        if value and all(isinstance(v, np.ndarray) and v.ndim in (2, 3) for v in value):
            return "images"
        if value and all(isinstance(v, (str, os.PathLike)) for v in value):
            return "images"
        return "object"
    if isinstance(value, dict):
        return "dict"
    if callable(value) and not isinstance(value, type):
        return "callable"
    return "object"


def _looks_like_output(lname: str, entry: EntryPoint | None) -> bool:
    if lname in ("out", "out_dir", "output", "output_dir", "overlay_dir", "csv_path", "dst"):
        return True
    if entry is not None:
        leaf = (entry.attr or entry.name.rsplit(".", 1)[-1]).lower()
        if leaf.startswith(("save", "write", "export")) and lname in ("path", "file",
                                                                      "filename"):
            return True
    return False


def annotation_kind(annotation: Any) -> str:
    """Kind of the non-None part of a parameter annotation (``"int | None"`` -> ``int``)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__",
                                                                  str(annotation))
    text = text.replace("None", "").replace("Optional", "")
    for key, kind in (("Callable", "callable"), ("PathLike", "path_out"), ("Path", "path_out"),
                      ("ndarray", "array"), ("Sequence", "vector"), ("tuple", "vector"),
                      ("float", "float"), ("int", "int"), ("bool", "bool"), ("str", "str"),
                      ("dict", "dict"), ("Mapping", "dict")):
        if key in text:
            return kind
    return "object"


def battery(kind: str) -> list[str]:
    """Hostile value keys tried for a parameter of ``kind`` (its own battery + generic)."""
    if kind.startswith("none+"):
        return list(dict.fromkeys(BATTERIES["none"] + battery(kind[5:])))
    own = BATTERIES.get(kind, []) + LAYOUT_BATTERIES.get(kind, [])
    if os.environ.get("METROLOGY_FUZZ_EXTRA") == "1":     # opt-in cases (values_layout)
        own = own + EXTRA_BATTERIES.get(kind, [])
    return list(dict.fromkeys(own + GENERIC))
