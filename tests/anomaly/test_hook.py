"""The recipe's anomaly stage (``metrology.anomaly.hook``): the aligned region is cut at the
match pose and scored with the position-aware check on by default."""

import numpy as np
import pytest

from metrology.anomaly import PatchCore, auroc
from metrology.anomaly.hook import AnomalySpec, aligned_crop, score_in_recipe
from metrology.core.pose import Pose2D
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set

SHAPE = (128, 128)
REGION = {"center": [0.0, 0.0], "size": [112, 112]}  # model frame: the plate's middle


def _crop(sample, err=(0.0, 0.0, 0.0)):
    p = sample.pose
    pose = Pose2D(p.x + err[0], p.y + err[1], p.angle_deg + err[2], 1.0)
    return aligned_crop(sample.image, pose, REGION["center"], REGION["size"])


def test_region_turns_the_position_aware_check_on():
    # parts placed with +-3 px / +-2 deg jitter; the "match" pose is the true one plus an error
    # of 0.2 px / 0.05 deg (a ShapeModel does better on these plates)
    kw = dict(shape=SHAPE, placement_px=3.0, placement_deg=2.0)
    train = make_defect_set(16, (), 0, seed=40, **kw)
    test = make_defect_set(8, ("missing", "extra"), 6, seed=41, **kw)
    rng = np.random.default_rng(0)
    err = lambda: (rng.normal(0, 0.2), rng.normal(0, 0.2), rng.normal(0, 0.05))  # noqa: E731
    # the fit-time band selection off: the subject is the recipe stage's position-aware check,
    # not the selection (it chooses the 6 px band here: a 3.6 s fit instead of 0.6 s).  The
    # AUROCs below are 1.0 / 1.0 either way, and 0.54 with the check off (0.38 with the band)
    pc = PatchCore(coreset_ratio=0.1, select="off").fit([_crop(s, err()) for s in train])
    on, off = AnomalySpec(1.0, scorer=pc, region=REGION), \
        AnomalySpec(1.0, scorer=pc, region=REGION, aligned=False)
    kinds = np.array([s.kind for s in test])
    s_on, s_off = [], []
    for s in test:
        e = err()
        pose = Pose2D(s.pose.x + e[0], s.pose.y + e[1], s.pose.angle_deg + e[2], 1.0)
        s_on.append(score_in_recipe(on, pc, s.image, pose))
        s_off.append(score_in_recipe(off, pc, s.image, pose))
    s_on, s_off = np.array(s_on), np.array(s_off)
    for k in ("missing", "extra"):
        # 48 pairs each; at most one mis-ordered
        assert auroc(s_on[kinds == "good"], s_on[kinds == k]) >= 0.97, k
    assert auroc(s_off[kinds == "good"], s_off[kinds == "missing"]) < 0.9


def test_spec_round_trip_and_bad_fields():
    spec = AnomalySpec.from_dict({"bank": "b.npz", "threshold": 2, "region": REGION,
                                  "aligned": False})
    assert spec.aligned is False and spec.to_dict()["aligned"] is False
    assert "aligned" not in AnomalySpec.from_dict({"bank": "b.npz", "threshold": 2}).to_dict()
    for doc, msg in (({"bank": "b", "threshold": 1, "aligned": "yes"}, "aligned"),
                     ({"bank": "b", "threshold": "x"}, "threshold"),
                     ({"bank": "b", "threshold": 1, "colour": 1}, "unknown"),
                     ({"bank": "b", "threshold": 1, "region": {"center": [0, 0]}}, "region")):
        with pytest.raises(FileFormatError, match=msg):
            AnomalySpec.from_dict(doc)
    with pytest.raises(InputError):
        AnomalySpec(1.0)
    with pytest.raises(InputError, match=r"in-memory|score\(image\)"):
        AnomalySpec(1.0, scorer=object()).to_dict()


def test_user_scorer_and_bad_scores():
    class Const:
        def __init__(self, v):
            self.v = v

        def score(self, image):
            return self.v

    img = np.zeros((40, 40), np.uint8)
    pose = Pose2D(20.0, 20.0, 0.0, 1.0)
    spec = AnomalySpec(1.0, scorer=Const(0.5), region={"center": [0, 0], "size": [16, 16]})
    assert score_in_recipe(spec, Const(0.5), img, pose) == 0.5
    with pytest.raises(InputError, match="non-finite"):
        score_in_recipe(spec, Const(float("nan")), img, pose)
    with pytest.raises(InputError, match="expected a number"):
        score_in_recipe(spec, Const("high"), img, pose)


def test_a_colour_bank_in_a_recipe_region_finds_a_discolouration():
    """The recipe's stage hands the colour image to the scorer: a colour bank fitted on
    aligned colour regions scores the chroma channel there (the gray channels cannot see a
    discolouration that keeps the luminance)."""
    from metrology.synth.colour import colourise, discolour

    kw = dict(shape=SHAPE, placement_px=3.0, placement_deg=2.0)
    rng = np.random.default_rng(2)

    def coloured(s, mask=None):
        img = colourise(s.image, "blue", rng=rng)
        return img if mask is None else discolour(img, mask, "blue", rng=rng, amplitude=0.12)

    def region(img, s):
        return aligned_crop(img, s.pose, REGION["center"], REGION["size"])

    train = make_defect_set(20, (), 0, seed=50, **kw)
    pc = PatchCore(coreset_ratio=0.1, select="off").fit([region(coloured(s), s) for s in train])
    assert pc.info["chroma_scan"] == "on"
    spec = AnomalySpec(1.0, scorer=pc, region=REGION)
    good = [(coloured(s), s.pose) for s in make_defect_set(8, (), 0, seed=51, **kw)]
    feet = make_defect_set(0, ("stain",), 6, seed=52, contrast_scale=1e-6, **kw)
    bad = [(coloured(s, s.mask), s.pose) for s in feet]

    def scores(parts):
        return [score_in_recipe(spec, pc, img, pose) for img, pose in parts]

    assert auroc(scores(good), scores(bad)) >= 0.97  # 48 pairs, at most one mis-ordered
    # the same bank scored as gray (the channel off): the discolourations are not told apart
    pc._chroma = None
    assert auroc(scores(good), scores(bad)) < 0.8
