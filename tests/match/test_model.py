"""ShapeModel.create: edge extraction, levels, inputs, errors; save/load and corrupt files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from metrology.core.pose import Pose2D
from metrology.errors import FileFormatError, InputError, ModelError
from metrology.match import Match, ShapeModel
from metrology.synth.parts import make_part, render_part_scene, render_template

from match_helpers import get_model


def test_model_points_lie_on_the_true_contour():
    """Level-0 model points are subpixel edges.  On straight sides (nearest polygon segment
    >= 8 px long) they lie within 0.02 px of the true line (template blur 1 px, no noise, 8-bit
    rounding); on the small holes the gradient-peak bias sigma_e^2 / (2 R) (sigma_e^2 = 1 px^2
    blur + 1 px^2 smoothing + 1/12 pixel box, R >= 6 px) stays below 0.2 px."""
    part = make_part("bracket")
    tpl = render_template(part)
    model = get_model("bracket")
    pts = model.points_xy
    d = np.full(len(pts), np.inf)
    seg_len = np.zeros(len(pts))
    for ring in part.rings:  # distance to every polygon segment (a few hundred), vectorised
        a, b = ring, np.roll(ring, -1, axis=0)
        ab = b - a
        t = np.clip(((pts[:, None, :] - a[None]) * ab[None]).sum(-1) / (ab * ab).sum(-1)[None], 0, 1)
        dist = np.linalg.norm(pts[:, None, :] - (a[None] + t[..., None] * ab[None]), axis=-1)
        j = dist.argmin(axis=1)
        closer = dist[np.arange(len(pts)), j] < d
        d = np.where(closer, dist[np.arange(len(pts)), j], d)
        seg_len = np.where(closer, np.linalg.norm(ab, axis=1)[j], seg_len)
    assert tpl.origin_xy == ((tpl.image.shape[1] - 1) / 2, (tpl.image.shape[0] - 1) / 2)
    straight = (seg_len >= 8) & model._levels[0].refine
    assert straight.sum() > 200
    assert np.percentile(d[straight], 95) < 0.02
    assert np.percentile(d, 95) < 0.2


def test_levels_points_and_summary():
    model = get_model("lpart")
    assert 3 <= model.num_levels <= 6
    counts = [len(model.level_points(i)) for i in range(model.num_levels)]
    assert counts == sorted(counts, reverse=True) and counts[-1] >= 40
    assert model.points_xy.shape[1] == 2 and model.directions.shape == model.points_xy.shape
    assert np.allclose(np.linalg.norm(model.directions, axis=1), 1.0)
    d = model.to_dict()
    json.dumps(d)
    assert d["polarity"] == "use" and d["num_levels"] == model.num_levels


def test_dtypes_and_colour_give_the_same_model():
    tpl = render_template("flange").image
    m8 = ShapeModel.create(tpl)
    m16 = ShapeModel.create(tpl.astype(np.uint16) * 257)
    mf = ShapeModel.create(tpl.astype(np.float32) / 255.0)
    mc = ShapeModel.create(np.dstack([tpl] * 3))
    for m in (m16, mf, mc):
        assert m.num_levels == m8.num_levels
        assert abs(len(m.points_xy) - len(m8.points_xy)) <= 0.02 * len(m8.points_xy)


def test_origin_and_mask():
    tpl = render_template("lpart").image
    h, w = tpl.shape
    m = ShapeModel.create(tpl, origin_xy=(10.0, 20.0))
    ref = get_model("lpart", scale_range=(0.9, 1.1))
    # the same template points, shifted by the origin change
    c = ((w - 1) / 2, (h - 1) / 2)
    assert np.allclose(np.sort(m.points_xy[:, 0]) + 10.0, np.sort(ref.points_xy[:, 0]) + c[0],
                       atol=1e-9)
    mask = np.zeros_like(tpl, bool)
    mask[:, : w // 2] = True
    mm = ShapeModel.create(tpl, mask=mask)
    assert (mm.points_xy[:, 0] + c[0] < w // 2).all()


def test_flat_and_bad_templates():
    with pytest.raises(ModelError, match="flat|featureless"):
        ShapeModel.create(np.full((60, 80), 128, np.uint8))
    noise = np.random.default_rng(0).normal(128, 0.3, (60, 80)).astype(np.float32)
    with pytest.raises(ModelError):
        ShapeModel.create(np.clip(noise, 0, 255).astype(np.uint8))
    with pytest.raises(InputError):
        ShapeModel.create(np.zeros((5, 5), np.uint8))
    with pytest.raises(InputError):
        ShapeModel.create(np.zeros((0, 10), np.uint8))
    bad = render_template("lpart").image.astype(np.float32)
    bad[3, 3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        ShapeModel.create(bad)
    with pytest.raises(InputError):
        ShapeModel.create(np.zeros((40, 40), np.complex64))
    tpl = render_template("lpart").image
    with pytest.raises(ModelError, match="mask"):
        ShapeModel.create(tpl, mask=np.zeros_like(tpl, bool))
    with pytest.raises(InputError):
        ShapeModel.create(tpl, polarity="both")
    with pytest.raises(InputError):
        ShapeModel.create(tpl, scale_range=(1.2, 0.8))
    with pytest.raises(InputError):
        ShapeModel.create(tpl, angle_range_deg=(10, -10))
    with pytest.raises(InputError):
        ShapeModel.create(tpl, origin_xy=(np.nan, 1.0))


def test_save_load_roundtrip(tmp_path):
    model = get_model("gear")
    path = model.save(tmp_path / "gear.model.json")
    loaded = ShapeModel.load(path)
    assert loaded.num_levels == model.num_levels
    assert np.allclose(loaded.points_xy, model.points_xy, atol=1e-6)
    scene = render_part_scene("gear", [Pose2D(300, 230, 12.5, 1.04)], rng=3)
    a, b = model.find(scene.image)[0], loaded.find(scene.image)[0]
    assert abs(a.pose.x - b.pose.x) < 1e-4 and abs(a.pose.angle_deg - b.pose.angle_deg) < 1e-4
    assert Match.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_corrupt_model_files(tmp_path):
    model = get_model("lpart")
    good = tmp_path / "m.json"
    model.save(good)
    text = good.read_text()
    cases = {
        "truncated": text[: len(text) // 2],
        "not json": "hello",
        "other format": text.replace('"metrology.shape_model"', '"metrology.recipe"'),
        "version": text.replace('"version": 1', '"version": 99'),
        "polarity": text.replace('"polarity": "use"', '"polarity": "sometimes"'),
    }
    for name, content in cases.items():
        p = tmp_path / f"{name.replace(' ', '_')}.json"
        p.write_text(content)
        with pytest.raises(FileFormatError):
            ShapeModel.load(p)
    doc = json.loads(text)
    doc["levels"][0]["dirs"] = doc["levels"][0]["dirs"][:-1]
    p = tmp_path / "short.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="dirs"):
        ShapeModel.load(p)
    doc = json.loads(text)
    doc["levels"][0]["points"][0][0] = "x"
    p.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError):
        ShapeModel.load(p)
    with pytest.raises(InputError):
        ShapeModel.load(tmp_path / "missing.json")


def test_model_file_saved_before_the_split_still_loads(tmp_path):
    """``data/lpart_v1.model.json`` was written by the single-module matcher (version 1 layout,
    lpart, scales 0.9-1.1, max_points 300) before the code was split into stages.  It loads,
    saves back to the same arrays, and finds the part where that code found it: (301.3003142807,
    222.6970294128, -140.9981808161 deg, scale 1.0600504316), score 0.99923.  The only
    arithmetic change since is the MAD-to-sigma constant (1.4826 -> 1.482602218505602, relative
    1.5e-6) in the refinement's Tukey cut, which moves the pose by < 1e-6 px; 1e-5 px / deg and
    1e-7 in scale leave room for BLAS rounding and still catch any real change."""
    from pathlib import Path

    path = Path(__file__).parent / "data" / "lpart_v1.model.json"
    model = ShapeModel.load(path)
    assert model.num_levels == 4 and model.scale_range == (0.9, 1.1)
    assert [len(model.level_points(i)) for i in range(4)] == [297, 279, 170, 40]
    doc = json.loads(path.read_text())
    assert np.array_equal(model.points_xy, np.array(doc["levels"][0]["points"]))
    scene = render_part_scene("lpart", [Pose2D(301.3, 222.7, -141.0, 1.06)], rng=11)
    m = model.find(scene.image)[0]
    assert abs(m.pose.x - 301.3003142807407) < 1e-5
    assert abs(m.pose.y - 222.69702941284308) < 1e-5
    assert abs(m.pose.angle_deg + 140.998180816121) < 1e-5
    assert abs(m.pose.scale - 1.0600504315669022) < 1e-7
    assert abs(m.score - 0.9992320151586357) < 1e-5
    resaved = json.loads(model.save(tmp_path / "resaved.model.json").read_text())
    for key in ("template_shape", "origin_xy", "angle_range_deg", "scale_range", "polarity",
                "min_contrast", "value_scale", "top_self_score", "format", "version"):
        assert resaved[key] == doc[key], key
    for a, b in zip(resaved["levels"], doc["levels"], strict=True):
        # loading renormalises the directions stored to 8 decimals
        assert a["points"] == b["points"] and a["refine"] == b["refine"]
        assert np.abs(np.subtract(a["dirs"], b["dirs"])).max() < 2e-8


def test_constructor_and_methods_check_their_arguments(tmp_path):
    """Hostile arguments raise the library's errors (issue 12), never a TypeError or NaN."""
    m = get_model("lpart")
    kw = dict(template_shape=m.template_shape, origin_xy=m.origin_xy,
              angle_range_deg=m.angle_range_deg, scale_range=m.scale_range,
              polarity=m.polarity, min_contrast=m.min_contrast, value_scale=m.value_scale)
    ok = ShapeModel(m.levels, **kw)
    assert ok.radius_px == m.radius_px
    for bad in [dict(origin_xy=None), dict(scale_range=(1.0, np.inf)), dict(value_scale="abc"),
                dict(angle_range_deg=(10.0, -10.0)), dict(polarity="both"),
                dict(info={"t": float("nan")}), dict(top_self_score=[0.5])]:
        with pytest.raises(InputError):
            ShapeModel(m.levels, **{**kw, **bad})
    for levels in ([], None, "abc", [1, 2]):
        with pytest.raises(InputError):
            ShapeModel(levels, **kw)
    with pytest.raises(InputError):
        m.level_points(m.num_levels)
    with pytest.raises(InputError):
        m.contour_xy((1.0, 2.0, 3.0))
    with pytest.raises(InputError):
        m.kernel_bank(0, (8192, 8192))           # tens of GiB of kernels: refused up front
    with pytest.raises(InputError):
        ShapeModel.create(render_template("lpart").image, max_points=float("nan"))
    # a file far larger than any model is refused before parsing
    big = tmp_path / "big.model.json"
    big.write_text(json.dumps({"format": "metrology.shape_model", "version": 1,
                               "origin_xy": [0.0] * 1_200_000}))
    with pytest.raises(FileFormatError, match="too large"):
        ShapeModel.load(big)
