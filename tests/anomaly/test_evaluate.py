"""``metrology.anomaly.evaluate`` and ``metrology anomaly evaluate``: a fitted bank measured on
a user's own good and defective parts (AUROC and its interval, escapes at zero false rejects,
the bank threshold's false rejects and escapes, the map peak on the defect).

Data: the generator's plate layout at 96 x 96 (brushed texture, the benchmark's jitter and
lighting), 20 parts to fit, 10 more to calibrate a threshold, 10 good and 10 defective test
parts.  A dark spot of 60 gray levels and radius 4 px on a texture whose local spread is a few
gray levels is far above every good part: AUROC 1, every map peak on its spot.  Good parts
scored as "defective" against good parts rank at chance: the interval holds 0.5.
"""

import json

import cv2
import numpy as np
import pytest

from metrology.anomaly import PatchCore, auroc, auroc_interval, evaluate
from metrology.cli import main
from metrology.errors import InputError
from metrology.synth.defects import make_defect_set

JITTER = dict(placement_px=3.0, placement_deg=2.0, lighting=0.1)
SPOT = {"contrast": -60.0, "radius_px": 4.0}


@pytest.fixture(scope="module")
def data():
    kw = dict(shape=(96, 96), texture="brushed", **JITTER)
    train = [s.image for s in make_defect_set(30, (), 0, seed=11, **kw)]
    test = make_defect_set(10, ("spot",), 10, seed=12, defect_params=SPOT, **kw)
    pc = PatchCore(select="off").fit(train[:20])
    pc.calibrate_threshold(train[20:], "max_margin", margin=0.1)
    good = [s.image for s in test if s.kind == "good"]
    bad = [s for s in test if s.kind == "spot"]
    return pc, good, [s.image for s in bad], [s.mask for s in bad]


def test_strong_spots_are_separated_and_located(data):
    pc, good, bad, masks = data
    ev = evaluate(pc, good, bad, masks)
    assert ev.n_good == 10 and ev.n_bad == 10
    assert ev.auroc == 1.0 and ev.auroc_interval == (1.0, 1.0)
    assert ev.escapes_at_zero_reject == 0.0
    assert ev.zero_reject_threshold == max(r["score"] for r in ev.images[:10])
    assert ev.threshold == pytest.approx(pc.threshold.value)
    assert ev.false_rejects == 0.0 and ev.escapes == 0.0
    assert ev.peak_on_defect == 1.0
    assert all(r["on_defect"] for r in ev.images[10:])
    # the figures are the scorer's own: the same AUROC from its scores
    g = [pc.score(im).score for im in good]
    b = [pc.score(im).score for im in bad]
    assert ev.auroc == auroc(g, b) and [r["score"] for r in ev.images] == g + b
    d = json.loads(json.dumps(ev.to_dict()))
    assert d["auroc_interval_90"] == [1.0, 1.0] and len(d["images"]) == 20
    assert "AUROC 1.000" in str(ev) and "map peak on the defect 100 %" in str(ev)


def test_good_against_good_is_at_chance_and_the_peak_check_can_fail(data):
    pc, good, bad, masks = data
    ev = evaluate(pc, good[:5], good[5:], masks[:5])
    lo, hi = ev.auroc_interval
    assert lo < 0.5 < hi
    assert ev.escapes_at_zero_reject > 0.0
    # masks of spots elsewhere on the part: a good part's map peaks on few of them
    assert ev.peak_on_defect < 0.6


def test_interval_matches_the_bootstrap_it_claims():
    rng = np.random.default_rng(3)
    g, b = rng.normal(0, 1, 60), rng.normal(1, 1, 40)
    lo, hi = auroc_interval(g, b)
    a = auroc(g, b)
    assert lo < a < hi and 0.1 < hi - lo < 0.3      # about 2 x 1.645 x 0.045 for these sizes
    assert auroc_interval(g, b) == (lo, hi)          # seeded: reproducible
    wide = auroc_interval(g[:10], b[:10])
    assert wide[1] - wide[0] > hi - lo               # fewer parts, wider interval


def test_bad_input_raises(data):
    pc, good, bad, masks = data
    with pytest.raises(InputError, match="at least one good and one defective"):
        evaluate(pc, good, [])
    with pytest.raises(InputError, match="one mask per defective"):
        evaluate(pc, good, bad, masks[:3])
    with pytest.raises(InputError, match="mask of"):
        evaluate(pc, good, bad[:1], [np.zeros((40, 40), np.uint8)])
    with pytest.raises(InputError, match="marks no pixel"):
        evaluate(pc, good, bad[:1], [np.zeros((96, 96), np.uint8)])
    with pytest.raises(InputError, match="names"):
        evaluate(pc, good, bad, names=["a"])
    with pytest.raises(InputError, match="scorer"):
        evaluate(object(), good, bad)
    nan = good[0].astype(np.float32)
    nan[0, 0] = np.nan
    with pytest.raises(InputError):
        evaluate(pc, [nan], bad[:1])
    for g, b in (([], [1.0]), ([np.nan], [1.0]), ([[1.0]], [1.0])):
        with pytest.raises(InputError, match="auroc_interval"):
            auroc_interval(g, b)
    with pytest.raises(InputError, match="level"):
        auroc_interval([0.0], [1.0], level=1.0)

    class NanScorer:
        def score(self, image):
            return type("R", (), {"score": float("nan"), "max_xy": (0.0, 0.0)})()

    with pytest.raises(InputError, match="not finite"):
        evaluate(NanScorer(), good[:1], bad[:1])

    class NoPeakScorer:   # a duck-typed scorer with no map maximum (NaN), taking no aligned
        def score(self, image):
            return type("R", (), {"score": float(np.mean(image)),
                                  "max_xy": (float("nan"), float("nan"))})()

    ev = evaluate(NoPeakScorer(), good[:2], bad[:2])
    assert all(r["max_xy"] is None for r in ev.images)
    json.loads(json.dumps(ev.to_dict(), allow_nan=False))   # no NaN in the report
    with pytest.raises(InputError, match="map maximum"):
        evaluate(NoPeakScorer(), good[:2], bad[:2], masks[:2])
    with pytest.raises(InputError, match="aligned"):
        evaluate(NoPeakScorer(), good[:2], bad[:2], aligned=True)


def test_cli_evaluate_with_masks_and_a_report(data, tmp_path, capsys):
    pc, good, bad, masks = data
    bank = pc.save(tmp_path / "bank.npz")
    (tmp_path / "masks").mkdir()
    paths = {"good": [], "bad": []}
    for label, ims in (("good", good[:6]), ("bad", bad[:6])):
        for i, im in enumerate(ims):
            p = tmp_path / f"{label}{i}.png"
            cv2.imwrite(str(p), im)
            paths[label].append(str(p))
    for i, m in enumerate(masks[:6]):   # both namings of a mask file
        name = f"bad{i}.png" if i % 2 else f"bad{i}_mask.png"
        cv2.imwrite(str(tmp_path / "masks" / name), m.astype(np.uint8) * 255)
    report = tmp_path / "report.json"
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths["good"],
                 "--bad", *paths["bad"], "--masks", str(tmp_path / "masks"),
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "6 good, 6 defective: AUROC 1.000" in out and "map peak on the defect 100 %" in out
    rep = json.loads(report.read_text())
    assert rep["auroc"] == 1.0 and rep["peak_on_defect"] == 1.0
    assert [r["name"] for r in rep["images"]] == paths["good"] + paths["bad"]
    # a mask missing, a masks path that is no folder, a missing image: exit 2, no report
    (tmp_path / "masks" / "bad1.png").unlink()
    report.unlink()
    for extra in (["--masks", str(tmp_path / "masks")], ["--masks", paths["good"][0]]):
        assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths["good"],
                     "--bad", *paths["bad"], *extra, "--report", str(report)]) == 2
        assert "--masks" in capsys.readouterr().err
        assert not report.exists()
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", "none.png",
                 "--bad", *paths["bad"]]) == 2
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths["good"]]) == 2


def test_evaluation_checks_its_fields(data):
    from metrology.anomaly import Evaluation

    pc, good, bad, masks = data
    ok = evaluate(pc, good[:3], bad[:3])
    fields = dict(n_good=3, n_bad=3, auroc=ok.auroc, auroc_interval=ok.auroc_interval,
                  zero_reject_threshold=ok.zero_reject_threshold,
                  escapes_at_zero_reject=ok.escapes_at_zero_reject, threshold=ok.threshold,
                  false_rejects=ok.false_rejects, escapes=ok.escapes, peak_on_defect=None)
    assert Evaluation(**fields).auroc == ok.auroc
    for name, value in (("n_good", 0), ("auroc", 1.5), ("auroc", float("nan")),
                        ("auroc_interval", (0.9, 0.1)), ("auroc_interval", (0.1,)),
                        ("false_rejects", float("-inf")), ("escapes", None),
                        ("zero_reject_threshold", float("inf")), ("peak_on_defect", -0.1)):
        with pytest.raises(InputError, match=name.split("_")[0]):
            Evaluation(**dict(fields, **{name: value}))


def test_pasted_defects_when_no_defective_part_is_at_hand(data, tmp_path, capsys):
    """``evaluate_pasted`` / ``--paste``: the generator's kinds pasted on copies of the good
    parts, on their face, each with its mask.  Strong spots (60 levels) are found and located;
    the same spots at 1 % of that contrast (0.6 levels, under the texture's spread) are not
    told from the good parts, so the check can fail."""
    from metrology.anomaly import evaluate_pasted

    pc, good, _, _ = data
    strong = evaluate_pasted(pc, good, ["spot"], defect_params=SPOT)
    assert strong.n_good == 10 and strong.n_bad == 10 and strong.auroc == 1.0
    assert strong.peak_on_defect >= 0.9
    assert strong.images[10]["name"] == "spot@good[0]"
    faint = evaluate_pasted(pc, good, ["spot"], defect_params=dict(SPOT, contrast=-0.6))
    assert faint.auroc < 0.8
    both = evaluate_pasted(pc, good, ("spot", "scratch"), seed=3)
    assert both.n_bad == 20 and {r["name"].split("@")[0] for r in both.images[10:]} == \
        {"spot", "scratch"}
    for bad_kinds in ([], ["missing"], ["rust"]):
        with pytest.raises(InputError, match="kinds"):
            evaluate_pasted(pc, good, bad_kinds)
    with pytest.raises(InputError, match="region"):
        evaluate_pasted(pc, good, region=np.zeros((10, 10), bool))
    # the command line: --paste (default kinds) instead of --bad; --masks needs --bad
    bank = pc.save(tmp_path / "bank.npz")
    paths = []
    for i, im in enumerate(good[:5]):
        p = tmp_path / f"g{i}.png"
        cv2.imwrite(str(p), im)
        paths.append(str(p))
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths, "--paste",
                 "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["n_good"] == 5 and rep["n_bad"] == 25 and rep["peak_on_defect"] is not None
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths, "--paste",
                 "spot,rust"]) == 2
    assert "kinds" in capsys.readouterr().err
    assert main(["anomaly", "evaluate", "--bank", str(bank), "--good", *paths, "--paste",
                 "--bad", paths[0]]) == 2
