"""Atomic, versioned files: metrology._io (write/read JSON, require helpers, npz without pickle)."""

import os

import numpy as np
import pytest

from metrology import _io
from metrology.errors import FileFormatError, InputError


def test_json_roundtrip_and_atomic(tmp_path):
    p = tmp_path / "a.json"
    _io.write_json_file(p, {"values": np.arange(3.0), "n": np.int64(4)}, fmt="thing", version=2)
    doc = _io.read_json_file(p, fmt="thing", versions=[1, 2])
    assert doc["values"] == [0.0, 1.0, 2.0] and doc["n"] == 4 and doc["version"] == 2
    assert [f.name for f in tmp_path.iterdir()] == ["a.json"]        # no temp file left


def test_failed_write_keeps_old_content(tmp_path, monkeypatch):
    p = tmp_path / "keep.txt"
    _io.atomic_write_text(p, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match="disk full"):      # OS errors name the path
        _io.atomic_write_text(p, "new")
    monkeypatch.undo()
    assert p.read_text() == "old"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["keep.txt"]


def test_write_refuses_nan_and_bad_targets(tmp_path):
    with pytest.raises(InputError, match="NaN"):
        _io.write_json_file(tmp_path / "x.json", {"v": float("nan")}, fmt="f", version=1)
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(InputError, match="directory"):
        _io.atomic_write_text(tmp_path, "x")
    with pytest.raises(InputError, match="does not exist"):
        _io.atomic_write_text(tmp_path / "nope" / "x.txt", "x")


@pytest.mark.parametrize("content, match", [
    (b'{"format": "thing", "version": 1', "not a valid JSON"),      # truncated
    (b"\xff\xfe\x00garbage", "not a valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"format": "other", "version": 1}', "format"),
    (b'{"format": "thing", "version": 9}', "version"),
])
def test_read_rejects_corrupt_files(tmp_path, content, match):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(FileFormatError, match=match):
        _io.read_json_file(p, fmt="thing", versions=[1])


def test_read_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        _io.read_json_file(tmp_path / "none.json", fmt="thing", versions=[1])


def test_require_helpers():
    doc = {"a": 1, "b": True, "m": [[1, 2], [3, 4]], "bad": [1, "x"], "nan": [1, None]}
    assert _io.require(doc, "a", int, "doc") == 1
    with pytest.raises(FileFormatError, match="'b'"):
        _io.require(doc, "b", int, "doc")                  # bool is not an int here
    with pytest.raises(FileFormatError, match="missing field 'z'"):
        _io.require(doc, "z", int, "doc")
    np.testing.assert_array_equal(_io.require_array(doc, "m", "doc", (2, None)), [[1, 2], [3, 4]])
    with pytest.raises(FileFormatError, match="shape"):
        _io.require_array(doc, "m", "doc", (3, 2))
    with pytest.raises(FileFormatError, match="numeric"):
        _io.require_array(doc, "bad", "doc")
    with pytest.raises(FileFormatError, match="NaN"):
        _io.require_array(doc, "nan", "doc")


def test_npz_roundtrip_and_no_pickle(tmp_path):
    p = tmp_path / "a.npz"
    _io.atomic_write_bytes(p, _io.save_npz_bytes(x=np.arange(4.0)))
    np.testing.assert_array_equal(_io.load_npz(p, ["x"])["x"], np.arange(4.0))
    with pytest.raises(FileFormatError, match="missing"):
        _io.load_npz(p, ["y"])
    evil = tmp_path / "evil.npz"
    np.savez(evil, x=np.array([{"a": 1}], dtype=object))         # needs pickle to load
    with pytest.raises(FileFormatError):
        _io.load_npz(evil, ["x"])
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FileFormatError):
        _io.load_npz(tmp_path / "junk.npz", [])
    with pytest.raises(InputError):
        _io.load_npz(tmp_path / "none.npz", [])


def test_deeply_nested_json_is_a_file_format_error(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileFormatError, match="nested too deeply"):
        _io.read_json_file(p, fmt="metrology.recipe", versions=[1])
