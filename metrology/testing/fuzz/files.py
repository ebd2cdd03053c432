"""Corrupt and adversarial files and documents for loaders."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from .registry import Context


#: Mutations of one JSON leaf (a number, string, bool, null or an array of numbers).
LEAF_MUTATIONS = ["str", "nan", "inf", "1e400", "neg", "zero", "big_int", "null", "list",
                  "dict", "true", "float_frac", "deep"]

ARRAY_MUTATIONS = ["elem_str", "elem_nan", "elem_1e400", "elem_null", "ragged", "drop_last",
                   "empty", "scalar", "deep", "huge_list"]

FILE_MUTATIONS = ["empty", "trunc10", "trunc50", "trunc90", "junk", "deep_list", "deep_obj",
                  "json_list", "json_null", "json_str", "wrong_format", "wrong_version",
                  "version_str", "version_null", "bom", "utf16", "nan_token", "dir",
                  "missing"]

NPZ_MUTATIONS = ["npz_pickle", "npz_trunc", "npz_junk", "npz_missing", "npz_empty",
                 "npz_nan", "npz_complex", "npz_wrong_shape", "npz_object_dtype"]


def _json_leaves(doc: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every leaf of a JSON document; an array of numbers is one leaf."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _json_leaves(v, path + (k,))
    elif isinstance(doc, list):
        if doc and all(isinstance(v, (int, float)) and not isinstance(v, bool) or v is None
                       for v in _flatten(doc)) and _flatten(doc):
            yield path, doc
        else:
            for i, v in enumerate(doc[:3]):
                yield from _json_leaves(v, path + (i,))
            if not doc:
                yield path, doc
    else:
        yield path, doc


def _flatten(x: Any) -> list:
    out: list = []
    stack = [x]
    while stack and len(out) < 100000:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        else:
            out.append(v)
    return out


def _norm_path(path: tuple) -> str:
    return ".".join("*" if isinstance(p, int) else str(p) for p in path)


def _deep(depth: int, obj: bool = False) -> Any:
    x: Any = 1.0
    for _ in range(depth):
        x = {"a": x} if obj else [x]
    return x


class _Raw:
    """A JSON token written verbatim (NaN, 1e400 ...)."""

    def __init__(self, text: str):
        self.text = text


def _mutate_leaf(value: Any, mutation: str) -> Any:
    if isinstance(value, list) and mutation in ARRAY_MUTATIONS:
        v = json.loads(json.dumps(value))
        flat_first = v
        while isinstance(flat_first, list) and flat_first and isinstance(flat_first[0], list):
            flat_first = flat_first[0]
        if mutation == "elem_str" and flat_first:
            flat_first[0] = "abc"
        elif mutation == "elem_nan" and flat_first:
            flat_first[0] = _Raw("NaN")
        elif mutation == "elem_1e400" and flat_first:
            flat_first[0] = _Raw("1e400")
        elif mutation == "elem_null" and flat_first:
            flat_first[0] = None
        elif mutation == "ragged":
            if v and isinstance(v[0], list) and v[0]:
                v[0] = v[0][:-1]
            else:
                v = [v, [1.0]]
        elif mutation == "drop_last":
            v = v[:-1]
        elif mutation == "empty":
            v = []
        elif mutation == "scalar":
            v = 1.0
        elif mutation == "deep":
            v = _deep(5000)
        elif mutation == "huge_list":
            v = [0.0] * 2_000_000
        return v
    table = {"str": "abc", "nan": _Raw("NaN"), "inf": _Raw("Infinity"), "1e400": _Raw("1e400"),
             "neg": -1, "zero": 0, "big_int": 10 ** 30, "null": None, "list": [1, 2],
             "dict": {"a": 1}, "true": True, "float_frac": 0.5, "deep": _deep(5000)}
    return table[mutation]


def _set_path(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    doc = _shallow_copy(doc)
    node = doc
    for p in path[:-1]:
        node[p] = _shallow_copy(node[p])
        node = node[p]
    node[path[-1]] = value
    return doc


def _del_path(doc: Any, path: tuple) -> Any:
    doc = _shallow_copy(doc)
    node = doc
    for p in path[:-1]:
        node[p] = _shallow_copy(node[p])
        node = node[p]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and node:
        node.pop(path[-1] if path[-1] < len(node) else -1)
    return doc


def _shallow_copy(x: Any) -> Any:
    return dict(x) if isinstance(x, dict) else list(x) if isinstance(x, list) else x


def _flat_json(x: list, parts: list[str]) -> bool:
    """Append the JSON of a list of plain values; False (nothing appended) when it holds a
    :class:`_Raw` token or a container (written item by item then)."""
    try:
        parts.append(json.dumps(x))
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def dumps_raw(doc: Any) -> str:
    """JSON text of ``doc`` where :class:`_Raw` tokens are written verbatim; deep values are
    serialised without recursion."""
    parts: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, _Raw):
            parts.append(x.text)
        elif isinstance(x, str) and x.startswith("\x00TOKEN:"):
            parts.append(x[7:])
        elif isinstance(x, dict):
            items = list(x.items())
            stack.append("\x00TOKEN:}")
            for i, (k, v) in enumerate(reversed(items)):
                stack.append(v)
                stack.append("\x00TOKEN:" + json.dumps(str(k)) + ":")
                if i < len(items) - 1:
                    stack.append("\x00TOKEN:,")
            stack.append("\x00TOKEN:{")
        elif isinstance(x, list) and x and not isinstance(x[0], (list, dict)) and \
                _flat_json(x, parts):
            pass          # a flat list of plain values (2 M numbers): one C call, not 4 M pushes
        elif isinstance(x, list):
            stack.append("\x00TOKEN:]")
            for i, v in enumerate(reversed(x)):
                stack.append(v)
                if i < len(x) - 1:
                    stack.append("\x00TOKEN:,")
            stack.append("\x00TOKEN:[")
        else:
            parts.append(json.dumps(x))
    return "".join(parts)


def leaf_cases(doc: Any, *, limit_per_path: int = 1) -> list[str]:
    """Case keys ``leaf:<json path>:<mutation>`` and ``missing:<json path>`` for a document."""
    out: list[str] = []
    seen: Counter = Counter()
    for path, value in _json_leaves(doc):
        norm = _norm_path(path)
        if seen[norm] >= limit_per_path:
            continue
        seen[norm] += 1
        enc = json.dumps(list(path))
        muts = ARRAY_MUTATIONS if isinstance(value, list) else LEAF_MUTATIONS
        out += [f"leaf:{enc}:{m}" for m in muts]
        if path:
            out.append(f"missing:{enc}")
    return out


def mutate_doc(doc: Any, case: str) -> Any:
    """Apply a ``leaf:``/``missing:`` case key to a JSON document (returns a new document)."""
    kind, _, rest = case.partition(":")
    if kind == "missing":
        return _del_path(doc, tuple(json.loads(rest)))
    enc, _, mutation = rest.rpartition(":")
    path = tuple(json.loads(enc))
    node = doc
    for p in path:
        node = node[p]
    return _set_path(doc, path, _mutate_leaf(node, mutation))


def _raw_to_python(x: Any) -> Any:
    """Turn :class:`_Raw` tokens into Python floats (for dict, not file, mutations)."""
    if isinstance(x, _Raw):
        return {"NaN": math.nan, "Infinity": math.inf, "1e400": math.inf}.get(x.text, x.text)
    if isinstance(x, dict):
        return {k: _raw_to_python(v) for k, v in x.items()}
    if isinstance(x, list) and len(x) < 10000 and not (len(x) == 1 and isinstance(x[0], list)):
        return [_raw_to_python(v) for v in x]
    return x


def file_variant(src: Path, case: str, ctx: Context) -> str:
    """Write a corrupt copy of the valid file ``src`` (and its siblings) for ``case``; return the
    path to pass to the loader."""
    folder = ctx.tmp("variant")
    folder.mkdir()
    # copy the whole artefact (e.g. a model .json and its .npz) next to each other
    stem = src.name.split(".")[0]
    for sib in src.parent.iterdir():
        if sib.is_file() and sib.name.split(".")[0] == stem:
            shutil.copy2(sib, folder / sib.name)
    dst = folder / src.name
    data = src.read_bytes()
    text = None
    try:
        text = data.decode("utf-8")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        doc = None
    npz = sorted(folder.glob(stem + "*.npz"))
    if case == "empty":
        dst.write_bytes(b"")
    elif case.startswith("trunc"):
        dst.write_bytes(data[: len(data) * int(case[5:]) // 100])
    elif case == "junk":
        dst.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    elif case == "deep_list":
        dst.write_bytes(b"[" * 200000 + b"]" * 200000)
    elif case == "deep_obj":
        dst.write_bytes(b'{"a":' * 100000 + b"1" + b"}" * 100000)
    elif case == "json_list":
        dst.write_bytes(b"[1, 2, 3]")
    elif case == "json_null":
        dst.write_bytes(b"null")
    elif case == "json_str":
        dst.write_bytes(b'"metrology"')
    elif case in ("wrong_format", "wrong_version", "version_str", "version_null") \
            and isinstance(doc, dict):
        d = dict(doc)
        if case == "wrong_format":
            d["format"] = "something.else"
        elif case == "wrong_version":
            d["version"] = 999
        elif case == "version_str":
            d["version"] = str(d.get("version", "1"))
        else:
            d["version"] = None
        dst.write_text(json.dumps(d))
    elif case == "bom":
        dst.write_bytes(b"\xef\xbb\xbf" + data)
    elif case == "utf16":
        dst.write_bytes((text or "").encode("utf-16"))
    elif case == "nan_token" and text is not None:
        dst.write_text(re.sub(r"(?<=[:\[,\s])(-?\d+\.\d+)(?=[,\]\s}])", "NaN", text, count=3))
    elif case == "dir":
        dst.unlink()
        dst.mkdir()
    elif case == "missing":
        dst.unlink()
    elif case.startswith(("leaf:", "missing:")) and doc is not None:
        dst.write_text(dumps_raw(mutate_doc(doc, case)))
    elif case.startswith("npz_") and npz:
        _npz_variant(npz[0], case)
    elif case.startswith("yaml_"):
        dst.write_bytes(_yaml_variant(data, case))
    else:
        dst.write_bytes(data)
    return str(dst)


def _npz_variant(path: Path, case: str) -> None:
    data = path.read_bytes()
    if case == "npz_pickle":
        with open(path, "wb") as fh:
            np.savez(fh, **{k: np.array([{"evil": 1}], dtype=object) for k in _npz_keys(data)})
    elif case == "npz_trunc":
        path.write_bytes(data[: len(data) // 2])
    elif case == "npz_junk":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    elif case == "npz_missing":
        path.unlink()
    elif case == "npz_empty":
        with open(path, "wb") as fh:
            np.savez(fh)
    else:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        for k, a in arrays.items():
            if case == "npz_nan" and a.dtype.kind == "f" and a.size:
                a = a.copy()
                a.flat[0] = np.nan
            elif case == "npz_complex" and a.dtype.kind in "fiu":
                a = a.astype(np.complex128)
            elif case == "npz_wrong_shape":
                a = a.reshape(-1)[: max(0, a.size - 1)]
            elif case == "npz_object_dtype":
                a = a.astype("U8")
            arrays[k] = a
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)


def _npz_keys(data: bytes) -> list[str]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return list(z.files) or ["a"]
    except Exception:  # noqa: BLE001
        return ["a"]

YAML_MUTATIONS = ["yaml_trunc", "yaml_junk_value", "yaml_nan", "yaml_no_header", "yaml_deep"]


def _yaml_variant(data: bytes, case: str) -> bytes:
    text = data.decode("utf-8", "replace")
    if case == "yaml_trunc":
        return data[: len(data) // 2]
    if case == "yaml_junk_value":
        return re.sub(r"(?m)^(\s*\w+:\s*)(-?\d[\d.e+-]*)\s*$", r"\1abc", text, count=2).encode()
    if case == "yaml_nan":
        return re.sub(r"-?\d+\.\d+(e[+-]?\d+)?", ".nan", text, count=4).encode()
    if case == "yaml_no_header":
        return "\n".join(text.splitlines()[1:]).encode()
    if case == "yaml_deep":
        return ("%YAML:1.0\n---\n" + "a:\n" + "".join("  " * i + "b:\n" for i in range(3000))
                ).encode()
    return data


def _file_cases(path: Path) -> list[str]:
    out = ["file:" + m for m in FILE_MUTATIONS]
    try:
        doc = json.loads(path.read_text("utf-8"))
        out += ["file:" + c for c in leaf_cases(doc)]
    except (UnicodeDecodeError, ValueError):
        pass
    if path.suffix.lower() in (".yml", ".yaml"):
        out += ["file:" + m for m in YAML_MUTATIONS]
    stem = path.name.split(".")[0]
    if any(p.suffix == ".npz" for p in path.parent.glob(stem + "*")):
        out += ["file:" + m for m in NPZ_MUTATIONS]
    return out
