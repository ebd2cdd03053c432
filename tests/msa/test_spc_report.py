"""The SPC report against its JSONL: the HTML parses, every number in it equals the one computed
here from the records (independently of the library), it is self-contained, and bad files are
reported by line."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser

import numpy as np
import pytest

from metrology.cli import main
from metrology.errors import FileFormatError
from metrology.viz.report import spc_report_html

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Doc(HTMLParser):
    """Checks that every element is closed in order, and collects the table cells carrying
    ``data-m``/``data-k`` (measurement figures), the timing rows, the problems list, the
    embedded images and every URL-bearing attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.cells: dict[tuple[str, str], dict] = {}
        self.timing: dict[tuple[str, str], dict] = {}
        self.problem_lines: list[int] = []
        self.images: list[str] = []
        self.figures: list[str] = []
        self.urls: list[str] = []
        self._row_m = self._row_stage = None
        self._cell = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href", "action"):
            if k in a:
                self.urls.append(a[k])
        if tag == "figure" and "data-image" in a:
            self.figures.append(a["data-image"])
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "li" and "data-line" in a:
            self.problem_lines.append(int(a["data-line"]))
        if tag == "tr":
            self._row_m, self._row_stage = a.get("data-m"), a.get("data-stage")
        if tag == "td" and "data-k" in a:
            key = (self._row_m or self._row_stage, a["data-k"])
            self._cell = (key, a.get("data-value"))
            self._text = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href"):
            if k in a:
                self.urls.append(a[k])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "td" and self._cell is not None:
            key, raw = self._cell
            target = self.timing if self._row_stage else self.cells
            target[key] = {"raw": raw, "text": "".join(self._text).strip()}
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)


def parse(html: str) -> _Doc:
    d = _Doc()
    d.feed(html)
    d.close()
    assert not d.errors, d.errors[:5]
    assert d.stack == [], d.stack
    return d


def _batch(seed: int = 0) -> list[dict]:
    """40 images: 'd' (two-sided tolerance, some out, some not measured), 'gap' (upper limit
    only), 'note' (no tolerance); one part not found, one image not inspected."""
    rng = np.random.default_rng(seed)
    recs = []
    for i in range(40):
        name = f"/data/run/part_{i + 1}.png"
        t = {"load": 5 + rng.random(), "match": 40 + 10 * rng.random(),
             "tools": 90 + 20 * rng.random(), "measure": 8 + rng.random()}
        t["total"] = sum(t.values())
        if i == 17:
            recs.append({"image": name, "status": "not_found", "error": "part not found",
                         "measurements": [], "timings_ms": {"load": 5.0, "match": 40.0,
                                                            "total": 45.0}})
            continue
        if i == 30:
            recs.append({"image": name, "status": "error", "error": "cannot read image",
                         "measurements": [], "timings_ms": {"total": 1.0}})
            continue
        d = 4.0 + rng.normal(0.002, 0.008) + (0.05 if i in (5, 22) else 0.0)
        d_ok = 3.97 <= d <= 4.03
        gap = 1.2 + rng.normal(0, 0.01)
        ms = [{"name": "d", "type": "diameter", "unit": "mm", "value": d, "nominal": 4.0,
               "min": 3.97, "max": 4.03, "passed": d_ok, "error": None, "uncertainty": 2e-4},
              {"name": "gap", "type": "distance", "unit": "mm", "value": gap, "nominal": None,
               "min": None, "max": 1.25, "passed": gap <= 1.25, "error": None},
              {"name": "note", "type": "angle", "unit": "deg", "value": 90 + rng.normal(0, 0.1),
               "nominal": None, "min": None, "max": None, "passed": None, "error": None}]
        if i in (9, 33):
            ms[0].update(value=None, passed=False, error="hole: no edge")
        status = "pass" if all(m["passed"] is not False for m in ms) else "fail"
        recs.append({"image": name, "status": status, "error": None if status == "pass" else
                     "out of tolerance or not measured", "measurements": ms, "timings_ms": t})
    order = rng.permutation(len(recs))  # completion order of a parallel batch
    return [recs[i] for i in order]


def _expected(recs: list[dict], name: str) -> dict:
    """Statistics of one measurement written out from the definitions in the report."""
    rows = sorted(recs, key=lambda r: int(r["image"].rsplit("_", 1)[1].split(".")[0]))
    vals, passed = [], 0
    for r in rows:
        m = next((m for m in r["measurements"] if m["name"] == name), None)
        if m is not None and m["value"] is not None:
            vals.append(m["value"])
        passed += bool(m is not None and m["passed"])
    x = np.array(vals)
    n = len(x)
    mean = sum(vals) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1))
    mr = sum(abs(vals[i + 1] - vals[i]) for i in range(n - 1)) / (n - 1)
    within = mr / 1.128
    m0 = next(m for r in rows for m in r["measurements"] if m["name"] == name)
    lo, hi = m0["min"], m0["max"]
    out = {"n": n, "n_missing": len(rows) - n, "mean": mean, "std": s, "std_within": within,
           "min": min(vals), "max": max(vals)}
    for key, sig in (("cp", within), ("pp", s)):
        out[key] = (hi - lo) / (6 * sig) if lo is not None and hi is not None else None
    for key, sig in (("cpk", within), ("ppk", s)):
        sides = [v for v in ((hi - mean) if hi is not None else None,
                             (mean - lo) if lo is not None else None) if v is not None]
        out[key] = min(sides) / (3 * sig) if sides else None
    has_tol = lo is not None or hi is not None
    out["pass_rate"] = passed / len(rows) if has_tol else None
    return out


def _shown(unit: str, key: str, v) -> str:
    if v is None:
        return "\u2014"
    if key in ("n", "n_missing"):
        return str(v)
    if key in ("mean", "min", "max"):
        return f"{v:.6f}" if unit == "mm" else f"{v:.5f}"
    if key in ("std", "std_within"):
        return f"{v:.3g}"
    if key == "pass_rate":
        return f"{100 * v:.1f} %"
    return f"{v:.2f}"


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("spc") / "results.jsonl"
    recs = _batch()
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return p, recs


def test_report_numbers_equal_those_of_the_jsonl(batch_file):
    path, recs = batch_file
    html = spc_report_html(path, overlays=False)
    doc = parse(html)
    units = {"d": "mm", "gap": "mm", "note": "deg"}
    for name, unit in units.items():
        exp = _expected(recs, name)
        for key, v in exp.items():
            cell = doc.cells[(name, key)]
            assert cell["text"] == _shown(unit, key, v), (name, key, cell, v)
            if v is None:
                assert cell["raw"] == ""
            else:
                assert float(cell["raw"]) == pytest.approx(v, rel=1e-12, abs=1e-15), (name, key)
    # the chosen cases are exercised: out-of-tolerance, not measured, one-sided, none
    assert doc.cells[("d", "n_missing")]["text"] == "4"   # 2 no edge + not found + error
    assert doc.cells[("gap", "cp")]["text"] == "\u2014"   # one-sided: Cpk only
    assert doc.cells[("gap", "cpk")]["text"] != "\u2014"
    assert doc.cells[("note", "pass_rate")]["text"] == "\u2014"
    assert float(doc.cells[("d", "pass_rate")]["raw"]) == pytest.approx(34 / 40)
    # timing: median / 95th percentile / max over the images reporting each stage
    for stage in ("load", "match", "tools", "measure", "total"):
        v = np.array([r["timings_ms"][stage] for r in recs if stage in r["timings_ms"]])
        for key, e in (("median", np.median(v)), ("p95", np.percentile(v, 95)),
                       ("max", v.max()), ("mean", v.mean())):
            cell = doc.timing[(stage, key)]
            assert float(cell["raw"]) == pytest.approx(e, rel=1e-12) and \
                cell["text"] == f"{e:.1f}"
    assert doc.problem_lines == []
    assert "<svg" in html and html.count("<svg") >= 2 * len(units)


def test_report_is_self_contained_and_shows_the_worst_overlays(tmp_path):
    import cv2
    from _inspect_helpers import plate_recipe_doc, render_plate, rotated

    from metrology.inspect import Recipe

    recipe = Recipe.from_dict(plate_recipe_doc(), tmp_path)
    paths = []
    for i in range(3):
        p = tmp_path / f"part_{i}.png"
        cv2.imwrite(str(p), render_plate(rotated(0.0), seed=i, hole=i != 1))
        paths.append(p)
    out = tmp_path / "r.jsonl"
    recipe.run_many(paths, output=out)
    html = spc_report_html(out, worst=2)
    doc = parse(html)
    # the failed part (no hole) first, then the part using most of a tolerance
    assert len(doc.images) == 2 and all(s.startswith("data:image/jpeg;base64,")
                                        for s in doc.images)
    assert next(f.rsplit("/", 1)[-1] for f in doc.figures) == "part_1.png"
    assert "hole_d: not measured" in html
    for u in doc.urls:  # nothing fetched: only data: URIs and in-page anchors
        assert u.startswith(("data:", "#")), u
    low = html.lower()
    assert "<script" not in low and "<link" not in low and "@import" not in low
    assert "url(http" not in low


def test_truncated_and_corrupt_lines_are_reported_by_number(tmp_path, capsys):
    recs = _batch()[:8]
    lines = [json.dumps(r) for r in recs]
    text = "\n".join(lines[:3]) + "\n{not json\n" + "\n".join(lines[3:7]) + "\n" + lines[7][:50]
    p = tmp_path / "r.jsonl"
    p.write_text(text)
    doc = parse(spc_report_html(p, overlays=False))
    assert doc.problem_lines == [4, 9]
    assert doc.cells[("d", "n")]["text"] in ("6", "7")  # 7 records used (one may lack d)
    html = tmp_path / "r.html"
    assert main(["report", str(p), "-o", str(html), "--no-overlays"]) == 0
    err = capsys.readouterr().err
    assert "line 4: not valid JSON" in err
    assert "line 9: incomplete JSON" in err and "cut by a crash" in err
    assert "line 9" in html.read_text()
    assert main(["report", str(p), "-o", str(html), "--strict"]) == 2
    assert "line 4" in capsys.readouterr().err


def test_empty_or_unusable_file_is_an_error_naming_the_line(tmp_path, capsys):
    p = tmp_path / "r.jsonl"
    p.write_text("")
    with pytest.raises(FileFormatError, match="empty results file.*line 1"):
        spc_report_html(p)
    assert main(["report", str(p), "-o", str(tmp_path / "x.html")]) == 2
    assert "empty results file" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
    p.write_text('{"image": "a.png", "stat')
    with pytest.raises(FileFormatError, match="no usable inspection record; line 1: incomplete"):
        spc_report_html(p)
    p.write_text('\n[1, 2]\n{"foo": 1}\n')
    with pytest.raises(FileFormatError, match="line 2: expected a JSON object"):
        spc_report_html(p)


def test_inspect_report_option(tmp_path, capsys):
    import cv2
    from _inspect_helpers import plate_recipe_doc, render_plate, rotated

    (tmp_path / "plate.recipe.json").write_text(json.dumps(plate_recipe_doc()))
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for i in range(3):
        cv2.imwrite(str(imgs / f"part_{i}.png"), render_plate(rotated(0.0), seed=i))
    out, rep = tmp_path / "r.jsonl", tmp_path / "report.html"
    code = main(["inspect", str(tmp_path / "plate.recipe.json"), str(imgs), "-o", str(out),
                 "--overlay-dir", str(tmp_path / "ov"), "--report", str(rep)])
    assert code == 0 and f"report: {rep}" in capsys.readouterr().out
    doc = parse(rep.read_text())
    assert doc.cells[("hole_d", "n")]["text"] == "3"
    assert doc.cells[("hole_d", "pass_rate")]["text"] == "100.0 %"
    assert len(doc.images) == 3
