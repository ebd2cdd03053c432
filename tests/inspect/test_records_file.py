"""Reading results files (``read_records``): hostile lines are reported with their number and
skipped (or raise with ``strict``), quickly, never a crash (issue 12)."""

from __future__ import annotations

import json

import pytest

from metrology.errors import FileFormatError
from metrology.inspect.records import MAX_RECORD_LINE, read_records

GOOD = {"image": "a.png", "status": "pass",
        "measurements": [{"name": "d", "unit": "mm", "value": 4.0, "nominal": 4.0,
                          "min": 3.9, "max": 4.1, "passed": True}]}


def _write(tmp_path, lines: list[bytes]):
    p = tmp_path / "r.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p


def test_a_line_longer_than_any_record_is_skipped_with_its_size(tmp_path):
    huge = b'{"image": "b.png", "status": "pass", "x": [' + b"1.0, " * (MAX_RECORD_LINE // 5) \
        + b"1.0]}"
    p = _write(tmp_path, [json.dumps(GOOD).encode(), huge])
    recs = read_records(p)
    assert [r["image"] for r in recs.records] == ["a.png"]
    assert [pr.line for pr in recs.problems] == [2]
    assert "MiB long" in recs.problems[0].message
    with pytest.raises(FileFormatError, match="line 2: the line is .* MiB long"):
        read_records(p, strict=True)


@pytest.mark.parametrize("line, match", [
    (b'{"image": "b.png", "status": "pass", "measurements": [{"name": "d", "value": 1e400}]}',
     "overflows a float"),
    (b'{"image": "b.png", "status": "pass", "n": [1, ' + b"9" * 30 + b"]}", "64 bits"),
    (b'{"image": "b.png", "status": "pass", "measurements": [{"name": "d", "value": NaN}]}',
     "not valid JSON"),
])
def test_numbers_out_of_range_make_a_line_unusable(tmp_path, line, match):
    p = _write(tmp_path, [json.dumps(GOOD).encode(), line])
    recs = read_records(p)
    assert len(recs.records) == 1 and recs.problems[0].line == 2
    assert match.split()[0] in recs.problems[0].message, recs.problems[0].message
    with pytest.raises(FileFormatError, match=f"line 2: .*{match}"):
        read_records(p, strict=True)
